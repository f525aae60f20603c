"""The wire: raw HTTP in, :class:`FakeRequest` out; :class:`FakeResponse` back.

Both adapters (the Starlette app and the direct httpx transports) call
:func:`parse_http` with the same raw pieces, so the same request gets the same
answer byte for byte whichever way it arrives.

Bodies are dispatched on Content-Type:

* ``application/x-www-form-urlencoded``: :func:`urllib.parse.parse_qsl` over
  strictly decoded UTF-8 (far cheaper than a form parser);
* ``multipart/form-data``: python-multipart's streaming parser; a part with a
  ``filename`` is a file (never signed), any other part is UTF-8 text;
* anything else, or no Content-Type: the body is ignored, as the platform does,
  and the fact is kept so an error can say why a parameter went missing.

A body that cannot be read (bad UTF-8, malformed or truncated multipart, over
the size limit) does not raise: it is carried as ``read_error`` and answered
with the platform's envelope like any other mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, NamedTuple
from urllib.parse import unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

__all__ = [
    "MAX_FIELDS",
    "FakeRequest",
    "FakeResponse",
    "parse_http",
    "parse_pairs",
    "path_from_raw",
]

#: More fields than any real call needs; stops a hostile body early.
MAX_FIELDS: Final = 1000
_URLENCODED: Final = b"application/x-www-form-urlencoded"
_URLENCODED_TYPE: Final = _URLENCODED.decode()
_MULTIPART: Final = b"multipart/form-data"
#: Escapes that urlencoders emit for base64 images, timestamps and image URLs
#: (upper-case, as httpx, requests and urllib write them). Each decodes to a
#: character that is neither ``%`` nor a hex digit, so decoding them first with
#: ``str.replace`` cannot start or complete another escape.
_COMMON_ESCAPES: Final = (("%2B", "+"), ("%2F", "/"), ("%3D", "="), ("%3A", ":"), ("%21", "!"))

Pairs = Sequence[tuple[str, str]]

# python-multipart logs each fault it then raises; the fake answers it as a
# code 41 instead. Without a handler, logging's last resort would print the
# line to stderr (as under ``fake1688 serve``); with one set up, it still shows.
logging.getLogger("python_multipart").addHandler(logging.NullHandler())
_NO_FILES: Final[Mapping[str, bytes]] = MappingProxyType({})


class FakeRequest(NamedTuple):
    """A request as the engine sees it: no framework, already decoded.

    ``query`` and ``form`` keep every pair in arrival order (duplicates
    included, so the engine can reject conflicting ones); ``files`` holds
    multipart file parts by field name. Immutable, as ``FakeResponse``; both
    are named tuples, which cost a fraction of a frozen dataclass to build.
    """

    method: str
    path: str
    query: Pairs = ()
    form: Pairs = ()
    files: Mapping[str, bytes] = _NO_FILES
    #: Why the query string or body could not be read; answered with code 41.
    read_error: str | None = None
    #: The Content-Type of a non-empty body that was ignored (not a form).
    ignored_body: str | None = None


class FakeResponse(NamedTuple):
    """An answer: status, lower-case headers (with content-length) and body.

    ``delay`` (seconds) and ``abort`` come from injected faults: adapters wait
    before answering, and instead of answering drop the connection.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    abort: bool = False

    def header(self, name: str) -> str | None:
        """The first value of a header, by lower-case name."""
        return next((value for key, value in self.headers if key == name), None)


def path_from_raw(raw_path: bytes) -> str:
    """Decode a raw request path (without query) the same way in every adapter."""
    path = raw_path.split(b"?", 1)[0].decode("latin-1")
    if "%" in path:
        path = unquote(path, errors="replace")
    return path or "/"


def parse_http(
    method: str,
    raw_path: bytes,
    query_string: bytes,
    content_type: str | None,
    body: bytes,
    *,
    max_body: int,
) -> FakeRequest:
    """Turn raw HTTP pieces into a :class:`FakeRequest`; never raises for bad input.

    ``max_body`` bounds the body: adapters may pass a body cut at
    ``max_body + 1`` bytes, which is reported the same as a longer one.
    """
    path = path_from_raw(raw_path)
    method = method.upper()
    try:
        query = _urlencoded(query_string, "query string") if query_string else []
    except _Unreadable as error:
        return FakeRequest(method, path, read_error=str(error))
    if not body:
        return FakeRequest(method, path, query)
    if len(body) > max_body:
        limit = f"{max_body:,} bytes"
        return FakeRequest(method, path, query, read_error=f"the request body is over {limit}")
    return _with_body(method, path, query, content_type, body)


def _with_body(
    method: str, path: str, query: Pairs, content_type: str | None, body: bytes
) -> FakeRequest:
    options: dict[bytes, bytes] = {}
    if content_type == _URLENCODED_TYPE:  # what clients send: no header to parse
        kind = _URLENCODED
    else:
        kind, options = parse_options_header(_latin1(content_type))
    try:
        if kind == _URLENCODED:
            return FakeRequest(method, path, query, _urlencoded(body, "body"))
        if kind == _MULTIPART:
            form, files = _multipart(body, options.get(b"boundary", b""))
            return FakeRequest(method, path, query, form, files)
    except _Unreadable as error:
        return FakeRequest(method, path, query, read_error=str(error))
    shown = (content_type or "").strip()[:80] or "(none)"
    return FakeRequest(method, path, query, ignored_body=shown)


def _latin1(text: str | None) -> str:
    # parse_options_header re-encodes as latin-1; keep odd header bytes from raising.
    return (text or "").encode("latin-1", "replace").decode("latin-1")


class _Unreadable(ValueError):
    """The query string or the body cannot be read as parameters."""


def _urlencoded(data: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_pairs(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable(
            f"the {where} is not UTF-8; percent-encode the UTF-8 bytes of every value"
        ) from None
    except ValueError:
        raise _Unreadable(f"the {where} has more than {MAX_FIELDS} fields") from None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True, errors="strict")``, several times faster.

    The standard ``unquote`` decodes escapes one at a time in Python: a base64
    image percent-encodes every ``+``, ``/`` and ``=`` (most of the fake's
    cost per search), and every timestamp and image URL has a few.
    ``_unquote`` decodes the common ones with ``str.replace`` first (see
    ``_COMMON_ESCAPES``) and leaves only the rest to ``unquote``.
    """
    if not text:
        return []
    if text.count("&") + 1 > MAX_FIELDS:
        raise ValueError("too many fields")
    pairs = []
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            if "%" in name or "+" in name:  # rarely: skip the call for plain names and values
                name = _unquote(name)
            if "%" in value or "+" in value:
                value = _unquote(value)
            pairs.append((name, value))
    return pairs


def _unquote(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    for escape, char in _COMMON_ESCAPES:
        if escape in text:  # a search is far cheaper than a replace that finds nothing
            text = text.replace(escape, char)
            if "%" not in text:  # a base64 image is done here, not searched for the rest
                return text
    return unquote(text, encoding="utf-8", errors="strict")


class _PartCollector:
    """Callbacks for python-multipart's streaming parser, kept in memory."""

    def __init__(self) -> None:
        self.parts: list[tuple[dict[str, str], bytes]] = []
        self.finished = False
        self._headers: dict[str, str] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._data = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self._data.extend(data[start:end]),
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._data = {}, bytearray()

    def _header_end(self) -> None:
        name = self._field.decode("latin-1").strip().lower()
        self._headers[name] = self._value.decode("latin-1").strip()
        self._field, self._value = bytearray(), bytearray()

    def _part_end(self) -> None:
        self.parts.append((self._headers, bytes(self._data)))

    def _end(self) -> None:
        self.finished = True


def _multipart(body: bytes, boundary: bytes) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    if not boundary:
        raise _Unreadable("the multipart Content-Type has no boundary")
    collector = _PartCollector()
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        parser.write(body)
        parser.finalize()
    except FormParserError as error:
        raise _Unreadable(f"the multipart body is malformed: {error}"[:200]) from None
    if not collector.finished:
        raise _Unreadable("the multipart body is truncated: no closing boundary")
    if len(collector.parts) > MAX_FIELDS:
        raise _Unreadable(f"the multipart body has more than {MAX_FIELDS} parts")
    return _classify(collector.parts)


def _classify(
    parts: list[tuple[dict[str, str], bytes]],
) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    form: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    for headers, data in parts:
        _, options = parse_options_header(headers.get("content-disposition", ""))
        name = _utf8(options.get(b"name"), "a multipart part name")
        if not name:
            raise _Unreadable("a multipart part has no name in its Content-Disposition")
        if b"filename" in options:
            if name in files and files[name] != data:
                raise _Unreadable(f"the file part {name!r} is given twice")
            files[name] = data
        else:
            form.append((name, _utf8(data, f"the multipart part {name!r}", file_hint=True)))
    return form, files


def _utf8(data: bytes | None, what: str, *, file_hint: bool = False) -> str:
    try:
        return (data or b"").decode("utf-8")
    except UnicodeDecodeError:
        hint = "; send binary data as a file part (with a filename)" if file_hint else ""
        raise _Unreadable(f"{what} is not UTF-8 text{hint}") from None
