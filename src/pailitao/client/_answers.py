"""Reading the gateway's answers: the result, or the error it names, with no secret in either."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Final, TypeVar
from urllib.parse import quote, unquote

import httpx

from ..errors import (
    ApiError,
    HTTPStatusError,
    NetworkError,
    PailitaoError,
    ResponseParseError,
    api_error,
)
from ..models import _xml, parse_aop_error
from ._settings import ClientSettings, reveal

__all__ = ["REPLAYED_FROM_HEADER", "network_error", "read_answer", "scrub_escaping", "undecodable"]

#: The header ``pailitao.recording`` adds to every answer a cassette plays back: the
#: file and the interaction, percent-encoded. An unreadable answer that carries it is
#: reported at once, not retried: the same answer would play again, or none at all.
REPLAYED_FROM_HEADER: Final = "X-Pailitao-Replayed-From"
T = TypeVar("T")


def read_answer(
    settings: ClientSettings, response: httpx.Response, parse: Callable[[object], T], signature: str
) -> T:
    """Turn an HTTP answer (JSON, or TOP's XML) into a result, or raise the matching error.

    Whatever the server echoes of the secret or of our sign is scrubbed.
    """
    scrub = _scrubber(settings, signature)
    if response.status_code != 200:
        raise _refusal(settings, response, scrub)
    data = _decode(response, scrub)
    try:
        return parse(data)
    except (ApiError, ResponseParseError) as error:
        echoed = error
    except RecursionError:
        raise _too_deep(response.content) from None
    # Outside the handler, so the unscrubbed error stays out of __context__.
    raise _rescrubbed(echoed, data, parse, scrub)


def _refusal(
    settings: ClientSettings, response: httpx.Response, scrub: Callable[[str], str]
) -> PailitaoError:
    """A non-200 answer: the Open Platform gateway's error, else the HTTP status."""
    if settings.dialect == "aop":
        try:
            data = json.loads(response.content)
            error = parse_aop_error(data)
        except (ValueError, UnicodeDecodeError, RecursionError, ResponseParseError):
            error = None
        if error is not None:
            return _rescrubbed(error, data, _raise_aop_error, scrub)
    return HTTPStatusError(response.status_code, scrub(response.text)[:200])


def scrub_escaping(settings: ClientSettings, error: BaseException, signature: str) -> None:
    """Remove the secret and sign from an exception a transport raised.

    A cassette layer or a mock may describe the failed request, body and
    all, in its message; the exception keeps its type, only its text changes.
    """
    scrub = _scrubber(settings, signature)
    error.args = tuple(scrub(arg) if isinstance(arg, str) else arg for arg in error.args)


def _scrubber(settings: ClientSettings, signature: str) -> Callable[[str], str]:
    secret, token = settings.app_secret.reveal(), reveal(settings.access_token)
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


def network_error(
    settings: ClientSettings, error: httpx.TransportError, request: httpx.Request
) -> NetworkError:
    """A transport failure, naming the request; credentials in its URL are scrubbed."""
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    scrub = _scrubber(settings, "")
    return NetworkError(
        scrub(f"{request.method} {request.url} {kind}: {type(error).__name__}: {error}")
    )


def _query_quote(value: str) -> str:
    """``value`` as httpx spells it in a query string."""
    return str(httpx.QueryParams({"v": value})).removeprefix("v=")


def undecodable(error: httpx.DecodingError) -> ResponseParseError:
    """The body does not match its Content-Encoding (a damaged or mislabelled answer)."""
    return ResponseParseError(
        "the answer cannot be decoded as its Content-Encoding says "
        f"({type(error).__name__}: {error}); "
        "the gateway or a proxy sent a damaged or mislabelled body",
        retryable=True,
    )


def _raise_aop_error(data: object) -> object:
    """Read a refused call's body as :func:`_rescrubbed` reads an answer: raise its error."""
    error = parse_aop_error(data)
    if error is None:
        raise ResponseParseError("the gateway's error body no longer names an error")
    raise error


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
