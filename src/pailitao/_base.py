"""What the sync and async clients share: configuration, signing, request
building and reading answers. No I/O happens here."""

from __future__ import annotations

import base64
import enum
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote, unquote

import httpx

from . import _xml
from ._checks import Price, check_text, check_utf8, is_count, is_digits, is_http_url, price
from .errors import (
    ApiError,
    HTTPStatusError,
    NetworkError,
    PailitaoError,
    ResponseParseError,
    UsageError,
    api_error,
)
from .images import DEFAULT_MAX_BYTES, ImageSource, PreparedImage, prepare_image
from .models import Item, SearchPage, parse_aop_error
from .retry import RetryPolicy
from .wire import DIALECTS, Dialect, aop, default_base_url, reseller, signing
from .wire.top import DEFAULT_BASE_URL, SEARCH_METHOD, UPLOAD_METHOD

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

T = TypeVar("T")


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


def _mask(app_key: str) -> str:
    return app_key[:3] + "***" if len(app_key) > 6 else "***"


class BaseClient:
    """Configuration and the transport-independent half of a client."""

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str | None = None,
        dialect: Dialect = "top",
        access_token: str | None = None,
        sign_method: signing.SignMethod = "md5",
        timestamp_format: Literal["datetime", "millis"] = "datetime",
        image_encoding: Literal["base64", "multipart"] = "base64",
        max_image_bytes: int = DEFAULT_MAX_BYTES,
        downscale_images: bool = False,
        retry: RetryPolicy | None = None,
        clock: signing.Clock = time.time,
    ) -> None:
        if not isinstance(app_key, str) or not app_key.strip():
            raise UsageError("app_key must be a non-empty string")
        check_utf8(app_key, "app_key")
        if not isinstance(app_secret, str) or not app_secret:
            raise UsageError("app_secret must be a non-empty string")
        check_utf8(app_secret, "app_secret", show=False)
        if dialect not in DIALECTS:
            raise UsageError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
        _check_access_token(dialect, access_token)
        base_url = default_base_url(dialect) if base_url is None else base_url
        if sign_method not in signing.SIGN_METHODS:
            raise UsageError(
                f"sign_method must be one of {', '.join(signing.SIGN_METHODS)}, not {sign_method!r}"
            )
        if not is_http_url(base_url):
            raise UsageError(f"base_url must be an http(s) URL, not {base_url!r}")
        if timestamp_format not in ("datetime", "millis"):
            raise UsageError("timestamp_format must be 'datetime' or 'millis'")
        if image_encoding not in ("base64", "multipart"):
            raise UsageError("image_encoding must be 'base64' or 'multipart'")
        if not is_count(max_image_bytes):
            raise UsageError(
                f"max_image_bytes must be a whole number of bytes >= 1, not {max_image_bytes!r}"
            )
        self.app_key = app_key
        self._secret = _Secret(app_secret)
        self._access_token = _Secret(access_token or "")
        self.dialect: Dialect = dialect
        self.base_url = base_url
        self.sign_method = sign_method
        self.timestamp_format = timestamp_format
        self.image_encoding = image_encoding
        self.max_image_bytes = max_image_bytes
        self.downscale_images = downscale_images
        self.retry = retry if retry is not None else RetryPolicy()
        self._clock = clock

    def __repr__(self) -> str:
        signed = (
            f"sign_method={self.sign_method!r}"
            if self.dialect == "top"
            else f"dialect={self.dialect!r}"
        )
        return (
            f"{type(self).__name__}(app_key={_mask(self.app_key)!r}, "
            f"base_url={self.base_url!r}, {signed})"
        )

    # -- building requests -------------------------------------------------

    def prepare_image(self, file: ImageSource) -> PreparedImage:
        """Read and check an image with this client's size limit."""
        return prepare_image(file, max_bytes=self.max_image_bytes, downscale=self.downscale_images)

    def search_plan(
        self,
        file: ImageSource | None,
        *,
        first_page: int = 1,
        max_pages: int | None = None,
        max_items: int | None = None,
        **query: Any,
    ) -> SearchPlan:
        """Read and check the image once, and plan the pages of a search."""
        image = None if file is None else self.prepare_image(file)
        plan = SearchPlan(
            self, image, query, first_page=first_page, max_pages=max_pages, max_items=max_items
        )
        plan.params()  # check every argument before anything is sent
        return plan

    def search_params(
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
        renames them (:meth:`build_request`).
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
        if self.dialect == "aop":
            params["country"] = _country(country)
        elif self.dialect == "reseller" and country is not None:
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

    def build_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        """A freshly timestamped and signed POST and its sign; build one per attempt."""
        if self.dialect == "aop":
            return self._aop_request(api_method, app_params, image)
        if self.dialect == "reseller":
            return self._reseller_request(api_method, app_params, image)
        params = {
            "method": api_method,
            "app_key": self.app_key,
            "timestamp": signing.format_timestamp(self._clock(), self.timestamp_format),
            "v": "2.0",
            "format": "json",
            "sign_method": self.sign_method,
            **app_params,
        }
        files = None
        if image is not None and self.image_encoding == "base64":
            params["image"] = base64.b64encode(image.data).decode("ascii")
        elif image is not None:
            files = {"image": (image.filename, image.data, image.content_type)}
        params["sign"] = signature = signing.sign(params, self._secret.reveal(), self.sign_method)
        return httpx.Request("POST", self.base_url, data=params, files=files), signature

    def _aop_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        path = aop.ApiPath(aop.NAMESPACE, _AOP_APIS[api_method], self.app_key)
        value: dict[str, object]
        if api_method == UPLOAD_METHOD and image is not None:
            name = aop.UPLOAD_PARAM
            value = {"imageBase64": base64.b64encode(image.data).decode("ascii")}
        else:
            name, value = aop.SEARCH_PARAM, _offer_query(app_params)
        params = {
            aop.ACCESS_TOKEN: self._access_token.reveal(),
            aop.TIMESTAMP: signing.format_timestamp(self._clock(), "millis"),
            name: aop.encode_param(value),
        }
        params[aop.SIGNATURE] = signature = aop.sign(path.signed, params, self._secret.reveal())
        return httpx.Request("POST", path.url(self.base_url), data=params), signature

    def _reseller_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        """A GET search (or a POST upload) with the key and secret in the query string.

        Nothing is signed: the secret itself stands in for the sign, so that
        every scrub of a sign scrubs it too.
        """
        url = self.base_url.rstrip("/") + reseller.api_path(_RESELLER_APIS[api_method])
        query = httpx.QueryParams([("key", self.app_key), ("secret", self._secret.reveal())])
        if api_method == UPLOAD_METHOD and image is not None:
            if self.image_encoding == "multipart":
                files = {"imgcode": (image.filename, image.data, image.content_type)}
                request = httpx.Request("POST", url, params=query, files=files)
            else:
                form = {"imgcode": base64.b64encode(image.data).decode("ascii")}
                request = httpx.Request("POST", url, params=query, data=form)
            return request, self._secret.reveal()
        params = dict(app_params)
        if "imageUrl" in params:  # the reseller searches by URL only, and calls it imgid
            params["imgid"] = params.pop("imageUrl")
        if "sort" in params:
            params["sort"] = _RESELLER_SORTS.get(params["sort"], "")
        for own, sent in _RESELLER_PARAMS:
            if params.get(own):
                query = query.add(sent, params[own])
        return httpx.Request("GET", url, params=query), self._secret.reveal()

    # -- reading answers ---------------------------------------------------

    def read_answer(
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
        if self.dialect == "aop":
            try:
                data = json.loads(response.content)
                error = parse_aop_error(data)
            except (ValueError, UnicodeDecodeError, RecursionError, ResponseParseError):
                error = None
            if error is not None:
                return _rescrubbed(error, data, _raise_aop_error, scrub)
        return HTTPStatusError(response.status_code, scrub(response.text)[:200])

    @staticmethod
    def unreadable_answer(error: httpx.DecodingError) -> ResponseParseError:
        """The body does not match its Content-Encoding (a damaged or mislabelled answer)."""
        return ResponseParseError(
            "the answer cannot be decoded as its Content-Encoding says "
            f"({type(error).__name__}: {error}); "
            "the gateway or a proxy sent a damaged or mislabelled body",
            retryable=True,
        )

    def scrub_escaping(self, error: BaseException, signature: str) -> None:
        """Remove the secret and sign from an exception a transport raised.

        A cassette layer or a mock may describe the failed request, body and
        all, in its message; the exception keeps its type, only its text changes.
        """
        scrub = self._scrubber(signature)
        error.args = tuple(scrub(arg) if isinstance(arg, str) else arg for arg in error.args)

    def _scrubber(self, signature: str) -> Callable[[str], str]:
        secret, token = self._secret.reveal(), self._access_token.reveal()
        others = [token] if token else []
        if self.dialect == "reseller":
            # The key and secret travel in clear in the URL, percent-encoded there:
            # the key is a credential too, and each is scrubbed in either spelling.
            pair = (self.app_key, secret)
            others += [spelling(value) for value in pair for spelling in (_query_quote, quote)]
            others.append(self.app_key)
        others.sort(key=len, reverse=True)
        sign_pattern = re.compile(re.escape(signature), re.IGNORECASE) if signature else None

        def scrub(text: str) -> str:
            text = text.replace(secret, "***")
            for credential in others:
                text = text.replace(credential, "***")
            return sign_pattern.sub("***", text) if sign_pattern else text

        return scrub

    def network_error(self, error: httpx.TransportError, request: httpx.Request) -> NetworkError:
        """A transport failure, naming the request; credentials in its URL are scrubbed."""
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        scrub = self._scrubber("")
        return NetworkError(
            scrub(f"{request.method} {request.url} {kind}: {type(error).__name__}: {error}")
        )

    def tenacity_kwargs(self) -> dict[str, Any]:
        return self.retry.tenacity_kwargs()


class SearchPlan:
    """The pages of one search: the next page's params, the bounds, the items given.

    Shared by the sync and async clients, which only send and await.
    """

    def __init__(
        self,
        client: BaseClient,
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
        self._page, self._pages_left, self._items_left = first_page, max_pages, max_items
        self._seen: set[str] = set()
        self.done = False

    def params(self) -> dict[str, str]:
        """The params of the page to fetch next."""
        return self._client.search_params(image=self.image, page=self._page, **self._query)

    def use_image_id(self, image_id: str) -> None:
        """Search by an uploaded image's id from now on, instead of sending the image."""
        self.image = None
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


def _check_access_token(dialect: str, token: object) -> None:
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
    # reported as before: not the JSON the client asked for.
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
