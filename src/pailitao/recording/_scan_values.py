"""Decoding for ``pailitao cassettes scan``: one recorded value, and all it decodes to.

A value reaches a cassette in the encoding it travelled in: a query string, a
form or multipart body, JSON (with its string escapes), base64, percent-encoding,
gzip. :class:`Analyser` undoes each of them, as the server would, and applies
the rules of :mod:`._scan_rules` to whatever comes out; the configured secret,
app key and access token are looked for in every decoded text, and in their own
encoded forms. Each :class:`~._scan_rules.Hit` carries the offset in the value
of its (maybe encoded) evidence, for the line; never the value itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Final
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from ._scan_rules import (
    ENV_OF,
    Hit,
    auth_header_rule,
    is_placeholder,
    line_hits,
    name_rule,
    session_cookie_rule,
    unpercent,
)

__all__ = ["Analyser"]


def _at(hits: Iterable[Hit], offset: int) -> list[Hit]:
    """Hits found in text decoded from ``offset``: the evidence is there, encoded."""
    return [replace(hit, offset=offset) for hit in hits]


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line of ``text`` with its offset (not splitlines: only ``\\n`` ends a line)."""
    offset, lines = 0, []
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    return lines


# -- decoding -------------------------------------------------------------------

_MAX_DEPTH: Final = 6
_MAX_INFLATED: Final = 64 * 1024 * 1024
_BASE64_RUN: Final = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_BASE64_BLOCK: Final = re.compile(r"[A-Za-z0-9+/=\s]{16,}")
#: An image or other upload as base64 text: no free-text pattern can match inside it.
_BLOB: Final = re.compile(r"[A-Za-z0-9+/_-]{1000,}={0,2}")
_ESCAPE: Final = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(.))", re.DOTALL)
_ESCAPED: Final = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_FORM: Final = re.compile(r"[^\s=&]*=[^\s&]*(?:&[^\s&]*)*")
_CANONICAL_NAME: Final = re.compile(r"[^\s=&]{1,200}")
_BOUNDARY: Final = re.compile(rb"--([!-~]{1,200})\r?\n")


def _unescape(text: str) -> str:
    """JSON, JavaScript and Python string escapes undone (``\\u0073`` is ``s``)."""

    def one(match: re.Match[str]) -> str:
        code = match[1] or match[2]
        if code:
            return chr(int(code, 16))
        return _ESCAPED.get(match[3], match[3])

    return _ESCAPE.sub(one, text)


def _clean_text(data: bytes) -> str | None:
    """``data`` as text when it is UTF-8 of printable characters, else ``None``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = all(char.isprintable() or char in "\t\r\n" for char in text)
    return text if printable and len(text) >= 4 else None


def _base64_text(candidate: str) -> str | None:
    """The text a base64 (or base64url) candidate decodes to, if it is clean text."""
    compact = re.sub(r"\s+", "", candidate).rstrip("=")
    if len(compact) % 4 == 1:
        return None
    altchars = b"-_" if re.search(r"[-_]", compact) else None
    if altchars and re.search(r"[+/]", compact):
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        data = base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _clean_text(data)


def _json_document(text: str) -> Any:
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _form(text: str) -> list[tuple[int, str, str]] | None:
    """The params of a query string, a form body or a canonical body (one per line)."""
    if "\n" not in text:
        stripped = text.strip()
        if "=" not in stripped or not _FORM.fullmatch(stripped) or _BASE64_RUN.fullmatch(stripped):
            return None  # no form, or padded base64
        return [(0, name, value) for name, value in parse_qsl(stripped, keep_blank_values=True)]
    params = []
    for offset, line in _lines(text):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not _CANONICAL_NAME.fullmatch(name):
            return None
        params.append((offset, name, _unescape(value)))
    return params


def _inflate(data: bytes) -> bytes | None:
    try:
        return zlib.decompressobj(wbits=47).decompress(data, _MAX_INFLATED)
    except zlib.error:
        return None


def _multipart(content_type: str, data: bytes) -> list[Message] | None:
    """The parts of a multipart body; the boundary from its type or its first line."""
    if "boundary=" not in content_type.lower():
        first = _BOUNDARY.match(data)
        if first is None:
            return None
        content_type = f'multipart/form-data; boundary="{first[1].decode("ascii")}"'
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + data)
    if not message.is_multipart():
        return None
    return list(message.iter_parts())


def _encodings(value: str) -> tuple[str, ...]:
    """How a configured value may be written: verbatim, escaped, percent- or base64-encoded.

    The base64 forms encode the longest prefix whose encoding does not depend
    on what follows, so the value is found at the start of a longer blob too.
    """
    raw = value.encode("utf-8")
    whole = raw[: len(raw) // 3 * 3]
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        "".join(f"\\u{ord(char):04x}" for char in value),
        "".join(f"\\u{ord(char):04X}" for char in value),
    }
    if len(whole) >= 6:
        forms |= {base64.b64encode(whole).decode(), base64.urlsafe_b64encode(whole).decode()}
    return tuple(sorted(forms))


class Analyser:
    """Applies the rules to recorded values, through every encoding they may hide in.

    ``known`` maps a ``configured-*`` rule to the value it looks for (empty:
    not configured).
    """

    def __init__(self, known: Mapping[str, str]) -> None:
        self._known = [
            (rule, f"the value of ${ENV_OF.get(rule, rule)} appears here", _encodings(value))
            for rule, value in known.items()
            if value
        ]
        # The same header or answer recurs in every interaction: decode it once.
        self._memo: dict[tuple[str, bool, int], list[Hit]] = {}

    def configured(self, text: str) -> list[Hit]:
        """The configured values in ``text``, in any of their encoded forms."""
        hits = []
        for rule, detail, forms in self._known:
            found = [at for form in forms if (at := text.find(form)) >= 0]
            if found:
                hits.append(Hit(rule, detail, min(found)))
        return hits

    def text(self, text: str, *, shapes: bool = True, depth: int = 0) -> list[Hit]:
        """Hits in a text: structured (JSON, URL, form, canonical body) or free.

        Without ``shapes`` (a value already flagged by its name) only the
        configured values are looked for, through the decoders.
        """
        key = (text, shapes, depth)
        if key not in self._memo:
            self._memo[key] = self._text(text, shapes, depth)
        return self._memo[key]

    def _text(self, text: str, shapes: bool, depth: int) -> list[Hit]:
        hits = self.configured(text)
        if depth >= _MAX_DEPTH:
            return hits
        document = _json_document(text)
        if document is not None:  # the walk decodes each string inside on its own
            return hits + self._json(document, depth + 1)
        if _URL.fullmatch(text.strip()):
            head, query = self.uri(text.strip(), shapes=shapes, depth=depth)
            return hits + head + query
        params = _form(text)
        if params is not None:  # each value is decoded on its own, as the server reads it
            return hits + self._params(params, depth + 1)
        if shapes and not _BLOB.fullmatch(text):  # no pattern matches inside a long blob
            hits += [hit for offset, line in _lines(text) for hit in _at(line_hits(line), offset)]
        return hits + self._decoded(text, shapes, depth + 1)

    def _params(self, params: list[tuple[int, str, str]], depth: int) -> list[Hit]:
        hits: list[Hit] = []
        for offset, name, value in params:
            # A name can hide too: ``\u0073ign=…``, ``%255Cu0073ign=…``.
            for alias in dict.fromkeys((name, _unescape(unpercent(name)))):
                hits += _at(self.param(alias, value, "form", depth=depth), offset)
        return hits

    def _decoded(self, text: str, shapes: bool, depth: int) -> list[Hit]:
        hits = []
        for offset, line in _lines(text):
            for decode, sign in ((unpercent, "%"), (_unescape, "\\")):
                if sign in line and (decoded := decode(line)) != line:
                    hits += _at(self.text(decoded, shapes=shapes, depth=depth), offset)
        runs = [(run.start(), run[0]) for run in _BASE64_RUN.finditer(text)]
        whole = text.strip()
        if "\n" in whole and _BASE64_BLOCK.fullmatch(whole):
            runs.append((0, whole))  # base64 wrapped over lines (MIME, PyYAML's !!binary)
        elif " " in whole and _BASE64_RUN.fullmatch(plus := whole.replace(" ", "+")):
            runs.append((0, plus))  # a form's unencoded ``+`` read back as a space
        for offset, run in runs:
            if (plain := _base64_text(run)) is not None:
                hits += _at(self.text(plain, depth=depth), offset)
        return hits

    def uri(self, uri: str, *, shapes: bool = True, depth: int = 0) -> tuple[list[Hit], list[Hit]]:
        """Hits in a URI: (in the scheme, host and path; in the query string and fragment)."""
        try:
            parts = urlsplit(uri)
        except ValueError:
            return self.text(uri, shapes=shapes, depth=depth + 1), []
        head = uri.split("?", 1)[0].split("#", 1)[0]
        found = self.configured(head)
        if shapes:
            found += line_hits(head)
        found += self._decoded(head, shapes, depth + 1)
        query: list[Hit] = []
        for part in (parts.query, parts.fragment):
            if part:
                query += _at(self.text(part, shapes=shapes, depth=depth + 1), uri.find(part))
        return found, query

    def _json(self, document: Any, depth: int) -> list[Hit]:
        hits: list[Hit] = []
        stack = [document]  # not recursion: a document may nest deeper than Python's stack
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                for name, item in value.items():
                    if isinstance(item, dict | list):
                        stack.append(item)
                    elif item is not None and not isinstance(item, bool):
                        text = item if isinstance(item, str) else json.dumps(item)
                        hits += self.param(str(name), text, "json", depth=depth)
            elif isinstance(value, list):
                stack.extend(reversed(value))
            elif isinstance(value, str):
                hits += self.text(value, depth=depth)
        return hits

    def param(self, name: str, value: str, source: str, *, depth: int = 0) -> list[Hit]:
        """Hits for a named value: a query or form param, a JSON key, a header."""
        if is_placeholder(value):
            return []
        rule = name_rule(name.strip().lower(), value, source)
        if rule is None:
            return self.text(value, depth=depth)
        return [rule, *self.text(value, shapes=False, depth=depth)]

    def header(self, name: str, value: str) -> list[Hit]:
        """Hits for one recorded header value."""
        key = name.strip().lower()
        if key in ("cookie", "set-cookie"):
            pairs = value.split(";") if key == "cookie" else value.split(";", 1)[:1]
            hits = self.configured(value)
            for pair in pairs:
                cookie, equals, content = pair.strip().partition("=")
                if equals:
                    hits += self._cookie(cookie.strip(), content.strip())
            return hits
        rule = auth_header_rule(key, value)
        if rule is not None:
            return [rule, *self.text(value, shapes=False)]
        return self.param(key.replace("-", "_"), value, "header")

    def _cookie(self, name: str, value: str) -> list[Hit]:
        if is_placeholder(value):
            return []
        rule = session_cookie_rule(name)
        if rule is not None:
            return [rule, *self.text(value, shapes=False)]
        return self.param(name, value, "cookie")

    def data(self, data: bytes, content_type: str = "", *, depth: int = 0) -> list[Hit]:
        """Hits in a binary body: gzip inflated, multipart split, UTF-8 read as text."""
        hits = self.configured(data.decode("latin-1"))
        if depth >= _MAX_DEPTH:
            return hits
        if data[:2] == b"\x1f\x8b" and (inflated := _inflate(data)) is not None:
            return hits + self.data(inflated, content_type, depth=depth + 1)
        parts = _multipart(content_type, data) if data.startswith(b"--") else None
        if parts is not None:
            return hits + self._parts(parts, depth + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return hits  # an image or other binary: only the configured values
        return hits + self.text(text, depth=depth)

    def _parts(self, parts: list[Message], depth: int) -> list[Hit]:
        hits: list[Hit] = []
        for part in parts:
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)  # undoes a part's own base64 or q-p
            if not isinstance(payload, bytes):
                continue
            if isinstance(name, str) and part.get_filename() is None:
                text = payload.decode("utf-8", "replace")
                hits += self.param(name, text, "multipart", depth=depth)
            else:
                hits += self.data(payload, part.get_content_type(), depth=depth)
        return hits
