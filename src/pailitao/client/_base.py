"""What the sync and async clients share: the constructor and its settings,
signing, request building, error mapping and reading answers. No I/O happens here."""

from __future__ import annotations

import base64
import contextlib
import enum
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, TypeVar
from urllib.parse import quote, unquote

import httpx
import tenacity

from .._checks import Price, check_text, check_utf8, is_count, is_digits, is_http_url, price
from ..errors import (
    ApiError,
    HTTPStatusError,
    NetworkError,
    PailitaoError,
    ResponseParseError,
    UsageError,
    api_error,
)
from ..images import DEFAULT_MAX_BYTES, ImageSource, PreparedImage, prepare_image
from ..models import Item, SearchPage, _xml, parse_aop_error
from ..retry import RetryPolicy
from ..wire import DIALECTS, Dialect, aop, default_base_url, reseller, signing
from ..wire.top import DEFAULT_BASE_URL, SEARCH_METHOD, UPLOAD_METHOD

__all__ = [
    "DEFAULT_BASE_URL",
    "REPLAYED_FROM_HEADER",
    "SEARCH_METHOD",
    "UPLOAD_METHOD",
    "SearchPlan",
    "Sort",
]

MAX_PAGE_SIZE: Final = 50
#: The header ``pailitao.recording`` adds to every answer a cassette plays back: the
#: file and the interaction, percent-encoded. An unreadable answer that carries it is
#: reported at once, not retried: the same answer would play again, or none at all.
REPLAYED_FROM_HEADER: Final = "X-Pailitao-Replayed-From"
#: The language of ``subjectTrans`` when an Open Platform search names none.
DEFAULT_COUNTRY: Final = "en"
#: The client's two calls, by the TOP method names, as the Open Platform's APIs.
_AOP_APIS: Final = {SEARCH_METHOD: aop.SEARCH_API, UPLOAD_METHOD: aop.UPLOAD_API}
#: ``Sort`` as ``offerQueryParam.sort`` spells it.
_AOP_SORTS: Final = {
    "price_asc": '{"price":"asc"}',
    "price_desc": '{"price":"desc"}',
    "sales_asc": '{"monthSold":"asc"}',
    "sales_desc": '{"monthSold":"desc"}',
}

#: The client's two calls, by the TOP method names, as the reseller's APIs.
_RESELLER_APIS: Final = {SEARCH_METHOD: reseller.SEARCH_API, UPLOAD_METHOD: reseller.UPLOAD_API}
#: ``Sort`` as the reseller's ``sort`` spells it.
_RESELLER_SORTS: Final = {value: key for key, value in reseller.SORTS.items()}
#: The search's params, in the order they are sent, by the names the reseller gives them.
_RESELLER_PARAMS: Final = (
    ("imgid", "imgid"), ("page", "page"), ("page_size", "page_size"), ("sort", "sort"),
    ("cat", "cat"), ("start_price", "start_price"), ("end_price", "end_price"), ("lang", "lang"),
)  # fmt: skip

#: Seconds to wait for the gateway (connect, read, write, pool) unless told otherwise.
DEFAULT_TIMEOUT: Final = 10.0

#: The keywords of a search (besides the image file and the paging) that every page repeats.
_QUERY: Final = (
    "image_url", "imgid", "cat", "sort", "page_size", "start_price", "end_price", "country",
)  # fmt: skip

T = TypeVar("T")
#: The sync or the async httpx transport, and the sleep that goes with it.
TransportT = TypeVar("TransportT", httpx.BaseTransport, httpx.AsyncBaseTransport)
SleepT = TypeVar("SleepT", Callable[[float], None], Callable[[float], Awaitable[None]])


class Sort(enum.StrEnum):
    """Result order; the platform's aliases (``_sale``, ``bid2`` …) are accepted too."""

    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    SALES_DESC = "sales_desc"
    SALES_ASC = "sales_asc"

    @classmethod
    def _missing_(cls, value: object) -> Sort | None:
        aliases = {
            "bid2": cls.PRICE_ASC,
            "_bid2": cls.PRICE_DESC,
            "sale": cls.SALES_ASC,
            "_sale": cls.SALES_DESC,
        }
        return aliases.get(value) if isinstance(value, str) else None


class _Secret:
    """Holds the app secret; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


def _reveal(secret: _Secret | None) -> str:
    return "" if secret is None else secret.reveal()


def _mask(app_key: str) -> str:
    return app_key[:3] + "***" if len(app_key) > 6 else "***"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """What a client is built with, checked once; both clients read it, neither changes it."""

    app_key: str
    app_secret: _Secret
    base_url: str
    dialect: Dialect
    access_token: _Secret | None
    sign_method: signing.SignMethod
    timestamp_format: Literal["datetime", "millis"]
    image_encoding: Literal["base64", "multipart"]
    max_image_bytes: int
    downscale_images: bool
    retry: RetryPolicy
    clock: signing.Clock

    def __post_init__(self) -> None:
        app_key, app_secret = self.app_key, self.app_secret.reveal()
        if not isinstance(app_key, str) or not app_key.strip():
            raise UsageError("app_key must be a non-empty string")
        check_utf8(app_key, "app_key")
        if not isinstance(app_secret, str) or not app_secret:
            raise UsageError("app_secret must be a non-empty string")
        check_utf8(app_secret, "app_secret", show=False)
        if self.dialect not in DIALECTS:
            raise UsageError(f"dialect must be one of {', '.join(DIALECTS)}, not {self.dialect!r}")
        _check_access_token(self.dialect, self.access_token)
        if self.sign_method not in signing.SIGN_METHODS:
            known = ", ".join(signing.SIGN_METHODS)
            raise UsageError(f"sign_method must be one of {known}, not {self.sign_method!r}")
        if not is_http_url(self.base_url):
            raise UsageError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        if self.timestamp_format not in ("datetime", "millis"):
            raise UsageError("timestamp_format must be 'datetime' or 'millis'")
        if self.image_encoding not in ("base64", "multipart"):
            raise UsageError("image_encoding must be 'base64' or 'multipart'")
        if not is_count(limit := self.max_image_bytes):
            raise UsageError(f"max_image_bytes must be a whole number of bytes >= 1, not {limit!r}")


class BaseClient(Generic[TransportT, SleepT]):
    """The constructor and the transport-independent half of both clients.

    The sync and async clients add only what sends and waits: opening their
    httpx client, ``_call`` and the awaited methods.
    """

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str | None = None,
        dialect: Dialect = "top",
        access_token: str | None = None,
        sign_method: signing.SignMethod = "md5",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: signing.Clock = time.time,
        transport: TransportT | None = None,
        timestamp_format: Literal["datetime", "millis"] = "datetime",
        image_encoding: Literal["base64", "multipart"] = "base64",
        max_image_bytes: int = DEFAULT_MAX_BYTES,
        downscale_images: bool = False,
        sleep: SleepT | None = None,
    ) -> None:
        """Check the settings; a wrong one raises :class:`UsageError` at once.

        ``app_secret`` (and ``access_token``, required with ``dialect="aop"``)
        never show in a repr, a log or an error. ``base_url`` defaults to the
        dialect's live gateway. ``transport`` is any httpx transport (the
        network when None); ``clock`` (epoch seconds) and ``sleep`` (between
        retries; ``time.sleep`` or ``asyncio.sleep`` when None) are injectable
        so tests are deterministic.
        """
        self._settings = ClientSettings(
            app_key=app_key,
            app_secret=_Secret(app_secret),
            base_url=default_base_url(dialect) if base_url is None else base_url,
            dialect=dialect,
            access_token=None if access_token is None else _Secret(access_token),
            sign_method=sign_method,
            timestamp_format=timestamp_format,
            image_encoding=image_encoding,
            max_image_bytes=max_image_bytes,
            downscale_images=downscale_images,
            retry=RetryPolicy() if retry is None else retry,
            clock=clock,
        )
        self._sleep: SleepT | None = sleep
        self._open(transport, timeout)

    def _open(self, transport: TransportT | None, timeout: float | httpx.Timeout) -> None:
        """Make the httpx client that sends (no I/O yet: it connects on the first request)."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """Where requests go: the gateway's base URL in this client's dialect."""
        return self._settings.base_url

    @property
    def dialect(self) -> Dialect:
        """Which gateway the client speaks to: ``"top"``, ``"aop"`` or ``"reseller"``."""
        return self._settings.dialect

    def __repr__(self) -> str:
        settings = self._settings
        signed = (
            f"sign_method={settings.sign_method!r}"
            if settings.dialect == "top"
            else f"dialect={settings.dialect!r}"
        )
        return (
            f"{type(self).__name__}(app_key={_mask(settings.app_key)!r}, "
            f"base_url={settings.base_url!r}, {signed})"
        )

    # -- building requests -------------------------------------------------

    def _prepare_image(self, file: ImageSource) -> PreparedImage:
        """Read and check an image with this client's size limit."""
        settings = self._settings
        return prepare_image(
            file, max_bytes=settings.max_image_bytes, downscale=settings.downscale_images
        )

    def _search_plan(self, arguments: Mapping[str, Any]) -> SearchPlan:
        """Read and check the image once, and plan the pages of a search.

        ``arguments`` are a search method's own, as ``locals()`` holds them, so
        that the typed signatures the sync and async methods must each declare
        are not also forwarded by hand.
        """
        file = arguments["file"]
        image = None if file is None else self._prepare_image(file)
        query = {name: arguments[name] for name in _QUERY}
        plan = SearchPlan(
            self,
            image,
            query,
            first_page=arguments.get("page", 1),
            max_pages=arguments.get("max_pages"),
            max_items=arguments.get("max_items"),
        )
        plan.params()  # check every argument before anything is sent
        return plan

    def _search_params(
        self,
        *,
        image: PreparedImage | None,
        image_url: str | None,
        imgid: str | None,
        cat: str | int | None,
        sort: Sort | str | None,
        page: int,
        page_size: int,
        start_price: Price | None,
        end_price: Price | None,
        country: str | None = None,
    ) -> dict[str, str]:
        """The search's own params (no image bytes), checked before anything is sent.

        They are named as the TOP router names them; the Open Platform's request
        renames them (:meth:`_build_request`).
        """
        given = [
            name
            for name, v in (("file", image), ("image_url", image_url), ("imgid", imgid))
            if v is not None
        ]
        if len(given) != 1:
            raise UsageError(
                "pass exactly one image source: file=, image_url= or imgid= "
                f"(got {', '.join(given) or 'none'})"
            )
        check_text(imgid, "imgid", str, "a string (the name upload_image returned)")
        check_text(image_url, "image_url", str, "a string (an http(s) URL)")
        check_text(cat, "cat", str | int, "a string or an integer")
        if isinstance(cat, int) and cat.bit_length() > 64:
            raise UsageError("cat must be a category id that fits in 64 bits")
        check_text(sort, "sort", str, "a Sort or a string")
        if not is_count(page):
            raise UsageError(f"page must be an integer >= 1, not {page!r}")
        if (
            not isinstance(page_size, int)
            or isinstance(page_size, bool)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise UsageError(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
        low, high = price(start_price, "start_price"), price(end_price, "end_price")
        if low is not None and high is not None and low > high:
            raise UsageError(f"start_price {low} is above end_price {high}")
        params = {"page": str(page), "page_size": str(page_size)}
        dialect = self._settings.dialect
        if dialect == "aop":
            params["country"] = _country(country)
        elif dialect == "reseller" and country is not None:
            params["lang"] = _lang(country)
        elif country is not None:
            raise UsageError(
                "country names the language of an Open Platform answer: pass "
                "dialect='aop', or leave country out"
            )
        optional = {
            "imageUrl": image_url,
            "imgid": imgid,
            "cat": None if cat is None else str(cat),
            "sort": None if sort is None else _sort(sort).value,
            "start_price": None if low is None else f"{low:f}",
            "end_price": None if high is None else f"{high:f}",
        }
        params.update({key: value for key, value in optional.items() if value is not None})
        return params

    def _build_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        """A freshly timestamped and signed request and its sign; build one per attempt."""
        settings = self._settings
        if settings.dialect == "aop":
            return self._aop_request(api_method, app_params, image)
        if settings.dialect == "reseller":
            return self._reseller_request(api_method, app_params, image)
        params = {
            "method": api_method,
            "app_key": settings.app_key,
            "timestamp": signing.format_timestamp(settings.clock(), settings.timestamp_format),
            "v": "2.0",
            "format": "json",
            "sign_method": settings.sign_method,
            **app_params,
        }
        files = None
        if image is not None and settings.image_encoding == "base64":
            params["image"] = base64.b64encode(image.data).decode("ascii")
        elif image is not None:
            files = {"image": (image.filename, image.data, image.content_type)}
        secret = settings.app_secret.reveal()
        params["sign"] = signature = signing.sign(params, secret, settings.sign_method)
        return httpx.Request("POST", settings.base_url, data=params, files=files), signature

    def _aop_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        settings = self._settings
        path = aop.ApiPath(aop.NAMESPACE, _AOP_APIS[api_method], settings.app_key)
        value: dict[str, object]
        if api_method == UPLOAD_METHOD and image is not None:
            name = aop.UPLOAD_PARAM
            value = {"imageBase64": base64.b64encode(image.data).decode("ascii")}
        else:
            name, value = aop.SEARCH_PARAM, _offer_query(app_params)
        secret, token = settings.app_secret.reveal(), _reveal(settings.access_token)
        params = {
            aop.ACCESS_TOKEN: token,
            aop.TIMESTAMP: signing.format_timestamp(settings.clock(), "millis"),
            name: aop.encode_param(value),
        }
        params[aop.SIGNATURE] = signature = aop.sign(path.signed, params, secret)
        return httpx.Request("POST", path.url(settings.base_url), data=params), signature

    def _reseller_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        """A GET search (or a POST upload) with the key and secret in the query string.

        Nothing is signed: the secret itself stands in for the sign, so that
        every scrub of a sign scrubs it too.
        """
        settings = self._settings
        secret = settings.app_secret.reveal()
        url = settings.base_url.rstrip("/") + reseller.api_path(_RESELLER_APIS[api_method])
        query = httpx.QueryParams([("key", settings.app_key), ("secret", secret)])
        if api_method == UPLOAD_METHOD and image is not None:
            if settings.image_encoding == "multipart":
                files = {"imgcode": (image.filename, image.data, image.content_type)}
                request = httpx.Request("POST", url, params=query, files=files)
            else:
                form = {"imgcode": base64.b64encode(image.data).decode("ascii")}
                request = httpx.Request("POST", url, params=query, data=form)
            return request, secret
        params = dict(app_params)
        if "imageUrl" in params:  # the reseller searches by URL only, and calls it imgid
            params["imgid"] = params.pop("imageUrl")
        if "sort" in params:
            params["sort"] = _RESELLER_SORTS.get(params["sort"], "")
        for own, sent in _RESELLER_PARAMS:
            if params.get(own):
                query = query.add(sent, params[own])
        return httpx.Request("GET", url, params=query), secret

    # -- sending and reading answers ----------------------------------------

    def _retrying_kwargs(self, default_sleep: object) -> dict[str, Any]:
        """tenacity's arguments: the retry policy's, and the injected sleep or the default."""
        sleep = default_sleep if self._sleep is None else self._sleep
        return {"sleep": sleep, **self._settings.retry.tenacity_kwargs()}

    @contextlib.contextmanager
    def _sending(self, request: httpx.Request, signature: str) -> Iterator[None]:
        """Turn what sending ``request`` raises into the client's errors, with no secret in them.

        A transport failure is a :class:`NetworkError`, a body that does not
        match its Content-Encoding a retryable :class:`ResponseParseError`; any
        other exception (a cassette miss, a mock's complaint) keeps its type and
        loses the secret and sign from its message.
        """
        try:
            yield
        except httpx.TransportError as error:
            raise self._network_error(error, request) from None
        except httpx.DecodingError as error:
            raise _undecodable(error) from None
        except Exception as error:
            self._scrub_escaping(error, signature)
            raise

    @contextlib.contextmanager
    def _giving_up(self, retrying: tenacity.BaseRetrying) -> Iterator[None]:
        """Say why a retryable error reached the caller after all."""
        try:
            yield
        except PailitaoError as error:
            _note_give_up(error, retrying.statistics, self._settings.retry)
            raise

    def _read_answer(
        self, response: httpx.Response, parse: Callable[[object], T], signature: str
    ) -> T:
        """Turn an HTTP answer (JSON, or TOP's XML) into a result, or raise the matching error.

        Whatever the server echoes of the secret or of our sign is scrubbed.
        """
        scrub = self._scrubber(signature)
        if response.status_code != 200:
            raise self._refusal(response, scrub)
        data = _decode(response, scrub)
        try:
            return parse(data)
        except (ApiError, ResponseParseError) as error:
            echoed = error
        except RecursionError:
            raise _too_deep(response.content) from None
        # Outside the handler, so the unscrubbed error stays out of __context__.
        raise _rescrubbed(echoed, data, parse, scrub)

    def _refusal(self, response: httpx.Response, scrub: Callable[[str], str]) -> PailitaoError:
        """A non-200 answer: the Open Platform gateway's error, else the HTTP status."""
        if self._settings.dialect == "aop":
            try:
                data = json.loads(response.content)
                error = parse_aop_error(data)
            except (ValueError, UnicodeDecodeError, RecursionError, ResponseParseError):
                error = None
            if error is not None:
                return _rescrubbed(error, data, _raise_aop_error, scrub)
        return HTTPStatusError(response.status_code, scrub(response.text)[:200])

    def _scrub_escaping(self, error: BaseException, signature: str) -> None:
        """Remove the secret and sign from an exception a transport raised.

        A cassette layer or a mock may describe the failed request, body and
        all, in its message; the exception keeps its type, only its text changes.
        """
        scrub = self._scrubber(signature)
        error.args = tuple(scrub(arg) if isinstance(arg, str) else arg for arg in error.args)

    def _scrubber(self, signature: str) -> Callable[[str], str]:
        settings = self._settings
        secret, token = settings.app_secret.reveal(), _reveal(settings.access_token)
        others = [token] if token else []
        if settings.dialect == "reseller":
            # The key and secret travel in clear in the URL, percent-encoded there:
            # the key is a credential too, and each is scrubbed in either spelling.
            pair = (settings.app_key, secret)
            others += [spelling(value) for value in pair for spelling in (_query_quote, quote)]
            others.append(settings.app_key)
        others.sort(key=len, reverse=True)
        sign_pattern = re.compile(re.escape(signature), re.IGNORECASE) if signature else None

        def scrub(text: str) -> str:
            text = text.replace(secret, "***")
            for credential in others:
                text = text.replace(credential, "***")
            return sign_pattern.sub("***", text) if sign_pattern else text

        return scrub

    def _network_error(self, error: httpx.TransportError, request: httpx.Request) -> NetworkError:
        """A transport failure, naming the request; credentials in its URL are scrubbed."""
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        scrub = self._scrubber("")
        return NetworkError(
            scrub(f"{request.method} {request.url} {kind}: {type(error).__name__}: {error}")
        )


class SearchPlan:
    """The pages of one search: the next page's params, the bounds, the items given.

    Shared by the sync and async clients, which only send and await.
    """

    def __init__(
        self,
        client: BaseClient[Any, Any],
        image: PreparedImage | None,
        query: dict[str, Any],
        *,
        first_page: int,
        max_pages: int | None,
        max_items: int | None,
    ) -> None:
        for name, bound in (("max_pages", max_pages), ("max_items", max_items)):
            if bound is not None and not is_count(bound):
                raise UsageError(f"{name} must be an integer >= 1, not {bound!r}")
        self.image = image
        self._client, self._query = client, query
        #: The Open Platform's and the reseller's searches take no image: upload it first.
        self.uploads_first = image is not None and client.dialect != "top"
        self._page, self._pages_left, self._items_left = first_page, max_pages, max_items
        self._seen: set[str] = set()
        self.done = False

    def params(self) -> dict[str, str]:
        """The params of the page to fetch next."""
        return self._client._search_params(image=self.image, page=self._page, **self._query)

    def use_image_id(self, image_id: str) -> None:
        """Search by an uploaded image's id from now on, instead of sending the image."""
        self.image = None
        self.uploads_first = False
        self._query["imgid"] = image_id

    def take(self, page: SearchPage) -> list[Item]:
        """The items of ``page`` not given before (within ``max_items``); moves on.

        A page other than the one asked for raises :class:`ResponseParseError`
        (a gateway that ignores ``page`` would repeat page 1 forever), and a page
        with no item that was not given before ends the search: the results are
        no longer advancing.
        """
        if page.page != self._page:
            raise ResponseParseError(
                f"items.page = {page.page}: asked for page {self._page}; "
                "the gateway ignored the page parameter"
            )
        fresh, advanced = [], False
        for item in page.items:
            if item.num_iid in self._seen:
                continue
            advanced = True
            if self._items_left != 0:
                self._seen.add(item.num_iid)
                fresh.append(item)
                self._items_left = None if self._items_left is None else self._items_left - 1
        self._pages_left = None if self._pages_left is None else self._pages_left - 1
        self.done = self._items_left == 0 or self._pages_left == 0
        self.done = self.done or not advanced or not page.has_next
        self._page += 1
        return fresh


def _check_access_token(dialect: str, secret: _Secret | None) -> None:
    token = None if secret is None else secret.reveal()
    if dialect == "aop":
        if not isinstance(token, str) or not token:
            raise UsageError(
                "access_token is required with dialect='aop': the Open Platform's image APIs "
                "act for a user who authorised your app"
            )
        check_utf8(token, "access_token", show=False)
    elif token is not None:
        raise UsageError("access_token is sent to the Open Platform only: pass dialect='aop'")


def _country(country: object) -> str:
    if country is None:
        return DEFAULT_COUNTRY
    if not isinstance(country, str) or country not in aop.COUNTRIES:
        known = ", ".join(sorted(aop.COUNTRIES))
        raise UsageError(f"country must be one of {known}, not {country!r}")
    return country


def _query_quote(value: str) -> str:
    """``value`` as httpx spells it in a query string."""
    return str(httpx.QueryParams({"v": value})).removeprefix("v=")


def _lang(country: object) -> str:
    """``country`` as the reseller's ``lang``: the language of the titles."""
    if not isinstance(country, str) or country not in reseller.LANGS:
        known = ", ".join(reseller.LANGS)
        raise UsageError(f"country must be one of {known} with dialect='reseller', not {country!r}")
    return country


def _offer_query(params: Mapping[str, str]) -> dict[str, object]:
    """The search's params as ``offerQueryParam`` names them."""
    query: dict[str, object] = {}
    if "imgid" in params:
        query["imageId"] = params["imgid"]
    if "imageUrl" in params:
        query["imageAddress"] = params["imageUrl"]
    query.update(beginPage=int(params["page"]), pageSize=int(params["page_size"]))
    query["country"] = params["country"]
    renamed = {"start_price": "priceStart", "end_price": "priceEnd"}
    query.update({renamed[key]: params[key] for key in renamed if key in params})
    if "sort" in params and params["sort"] in _AOP_SORTS:
        query["sort"] = _AOP_SORTS[params["sort"]]
    if "cat" in params:
        cat = params["cat"]
        query["categoryId"] = int(cat) if is_digits(cat) and len(cat) <= 18 else cat
    return query


def _undecodable(error: httpx.DecodingError) -> ResponseParseError:
    """The body does not match its Content-Encoding (a damaged or mislabelled answer)."""
    return ResponseParseError(
        "the answer cannot be decoded as its Content-Encoding says "
        f"({type(error).__name__}: {error}); "
        "the gateway or a proxy sent a damaged or mislabelled body",
        retryable=True,
    )


def _note_give_up(error: PailitaoError, statistics: dict[str, Any], policy: RetryPolicy) -> None:
    """Say why a retryable error reached the caller after all."""
    if not error.retryable or policy.max_attempts == 1:
        return
    attempts = statistics.get("attempt_number", 1)
    if attempts == policy.max_attempts:
        error.add_note(f"pailitao: gave up after {attempts} attempts")
    else:
        error.add_note(
            f"pailitao: gave up after {attempts} attempt(s): the next wait would pass "
            f"the retry budget of {policy.max_total:g}s (RetryPolicy.max_total)"
        )


def _raise_aop_error(data: object) -> object:
    """Read a refused call's body as :func:`_rescrubbed` reads an answer: raise its error."""
    error = parse_aop_error(data)
    if error is None:
        raise ResponseParseError("the gateway's error body no longer names an error")
    raise error


def _sort(value: Sort | str) -> Sort:
    try:
        return Sort(value)
    except ValueError:
        choices = ", ".join(member.value for member in Sort)
        raise UsageError(f"sort must be one of {choices} (or bid2, _bid2, sale, _sale)") from None


def _decode(response: httpx.Response, scrub: Callable[[str], str]) -> object:
    """The body as data: XML when it starts with ``<`` or is labelled XML, else JSON.

    An unreadable answer a cassette played back names the cassette and the
    interaction, and is not retried (see :data:`REPLAYED_FROM_HEADER`).
    """
    replayed = response.headers.get(REPLAYED_FROM_HEADER)
    try:
        return _decode_body(response, scrub)
    except ResponseParseError as error:
        if replayed is None or not error.retryable:
            raise
        unreadable = error
    raise ResponseParseError(f"{unreadable}; replayed from {unquote(replayed)}, so not retried")


def _decode_body(response: httpx.Response, scrub: Callable[[str], str]) -> object:
    content_type = response.headers.get("content-type")
    if _xml.is_xml(content_type, response.content):
        return _decode_xml(response.content, scrub, labelled=_xml.labels_xml(content_type))
    return _decode_json(response.content, scrub)


def _decode_json(content: bytes, scrub: Callable[[str], str]) -> object:
    unreadable: ResponseParseError
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        unreadable = _unreadable(content, "JSON", scrub)
    except RecursionError:
        unreadable = _too_deep(content)
    raise unreadable  # here: the decoder's own error holds the whole body


def _decode_xml(content: bytes, scrub: Callable[[str], str], *, labelled: bool) -> object:
    try:
        return _xml.loads(content)  # refusals (DTD, size, depth) quote no body: raised as they are
    except _xml.MalformedXml:
        pass
    # Not labelled XML, a body that merely starts with "<" (a proxy's page, say) is
    # reported as what it is not: the JSON the client asked for.
    raise _unreadable(content, "well-formed XML" if labelled else "JSON", scrub)


def _unreadable(content: bytes, what: str, scrub: Callable[[str], str]) -> ResponseParseError:
    """A body that is not what it should be: retried, as a proxy may have damaged it."""
    # Scrub before cutting: a cut through the secret would leave a prefix no scrub finds.
    excerpt = scrub(content.decode("utf-8", "replace"))[:60]
    return ResponseParseError(
        f"the answer is not {what} ({len(content)} bytes: {excerpt!r})", retryable=True
    )


def _too_deep(content: bytes) -> ResponseParseError:
    return ResponseParseError(
        f"the answer is JSON nested too deeply to read ({len(content):,} bytes)"
    )


def _rescrubbed(
    error: ApiError | ResponseParseError,
    data: object,
    parse: Callable[[object], object],
    scrub: Callable[[str], str],
) -> PailitaoError:
    """``error`` as raised from the answer with the secret and sign scrubbed out.

    Parsing the scrubbed answer again scrubs what the message quotes before it
    is cut short. When scrubbing changed the outcome (a one-character secret
    can hit a key), the error's own fields are scrubbed instead.
    """
    try:
        parse(_scrub_json(data, scrub))
    except (ApiError, ResponseParseError) as again:
        if type(again) is type(error) and getattr(again, "code", 0) == getattr(error, "code", 0):
            return again
    except RecursionError:
        pass
    if isinstance(error, ResponseParseError):
        return ResponseParseError(scrub(str(error)), retryable=error.retryable)
    return api_error(
        error.code,
        scrub(error.msg),
        error.sub_code and scrub(error.sub_code),
        error.sub_msg and scrub(error.sub_msg),
        error.request_id and scrub(error.request_id),
    )


def _scrub_json(value: object, scrub: Callable[[str], str]) -> object:
    """A copy of decoded JSON with every string and key scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(inner, scrub) for inner in value]
    if isinstance(value, dict):
        return {scrub(str(key)): _scrub_json(inner, scrub) for key, inner in value.items()}
    return value
