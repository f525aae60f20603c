"""What the sync and async clients share: the constructor, the settings it checks,
and the steps of a call that do no I/O (building the request, reading the answer,
mapping errors). Each step lives in its own module: ``_settings``, ``_requests``,
``_answers``, ``_paging``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Final, Generic, Literal, TypeVar

import httpx
import tenacity

from ..errors import PailitaoError
from ..images import DEFAULT_MAX_BYTES, ImageSource, PreparedImage, prepare_image
from ..retry import RetryPolicy
from ..wire import Dialect, default_base_url, signing
from ._answers import T, network_error, read_answer, scrub_escaping, undecodable
from ._paging import SearchPlan
from ._requests import build_request
from ._settings import DEFAULT_TIMEOUT, ClientSettings, Secret, mask_key

__all__ = ["BaseClient"]

#: The keywords of a search (besides the image file and the paging) that every page repeats.
_QUERY: Final = (
    "image_url", "imgid", "cat", "sort", "page_size", "start_price", "end_price", "country",
)  # fmt: skip
#: The sync or the async httpx transport, and the sleep that goes with it.
TransportT = TypeVar("TransportT", httpx.BaseTransport, httpx.AsyncBaseTransport)
SleepT = TypeVar("SleepT", Callable[[float], None], Callable[[float], Awaitable[None]])


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
            app_secret=Secret(app_secret),
            base_url=default_base_url(dialect) if base_url is None else base_url,
            dialect=dialect,
            access_token=None if access_token is None else Secret(access_token),
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
            f"{type(self).__name__}(app_key={mask_key(settings.app_key)!r}, "
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
            self._settings,
            image,
            query,
            first_page=arguments.get("page", 1),
            max_pages=arguments.get("max_pages"),
            max_items=arguments.get("max_items"),
        )
        plan.params()  # check every argument before anything is sent
        return plan

    def _build_request(
        self, api_method: str, app_params: Mapping[str, str], image: PreparedImage | None
    ) -> tuple[httpx.Request, str]:
        """A freshly timestamped and signed request and its sign; build one per attempt."""
        return build_request(self._settings, api_method, app_params, image)

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
            raise network_error(self._settings, error, request) from None
        except httpx.DecodingError as error:
            raise undecodable(error) from None
        except Exception as error:
            scrub_escaping(self._settings, error, signature)
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
        """The result of an answer, or the error it names (see :func:`read_answer`)."""
        return read_answer(self._settings, response, parse, signature)


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
