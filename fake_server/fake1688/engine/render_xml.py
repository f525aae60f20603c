"""Answers as TOP writes them for ``format=xml``: the JSON answer's data, as elements.

Each key of the JSON answer becomes an element of that name, in order; a list
is its items, each an element named after the list's key (TOP's
``<items><item>…</item><item>…</item></items>``); ``null`` leaves the element
out; ``true``/``false`` and numbers are written as JSON writes them::

    <?xml version="1.0" encoding="utf-8" ?><error_response><code>25</code>…</error_response>

XML names cannot start with a digit, so ``1688_items_search_img_response``
becomes ``_1688_items_search_img_response`` (the TOP SDKs read the root element
without looking at its name). Text is escaped with :func:`xml.sax.saxutils.escape`;
characters XML 1.0 cannot carry become U+FFFD, and a carriage return is written
``&#13;`` so that a parser reads it back instead of turning it into a newline.

The XML is rendered from the JSON body, which stays the one source of the
data: the XML path parses it again, which the JSON path never pays for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final
from xml.sax.saxutils import escape

from .errors import GatewayError
from .protocol import FakeResponse
from .render import error_envelope

__all__ = ["XML_TYPE", "dumps", "element_name", "error_response", "from_json", "xml_response"]

XML_TYPE: Final = "text/xml;charset=UTF-8"
_DECLARATION: Final = '<?xml version="1.0" encoding="utf-8" ?>'
#: The names the fake writes: ASCII letters, digits, ``_``, ``.`` and ``-``, not a digit first.
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: What XML 1.0 cannot carry, even escaped: C0 controls but tab, LF and CR; U+FFFE/U+FFFF.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENTITIES: Final = {"\r": "&#13;"}


def element_name(key: str) -> str:
    """``key`` as an element name: itself, or with ``_`` before a leading digit."""
    if _NAME.fullmatch(key):
        return key
    if key[:1].isdigit() and _NAME.fullmatch("_" + key):
        return "_" + key
    raise ValueError(f"{key[:40]!r} cannot be an XML element name")


def dumps(root: str, value: object) -> bytes:
    """The document whose root element is ``root`` holding ``value``, as UTF-8."""
    parts = [_DECLARATION]
    _write(parts, root, value)
    return "".join(parts).encode("utf-8")


def _write(parts: list[str], key: str, value: object) -> None:
    if value is None:  # TOP leaves an absent field out
        return
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list):
                raise ValueError(f"{key[:40]!r} is a list of lists, which TOP cannot write")
            _write(parts, key, item)
        return
    name = element_name(key)
    parts.append(f"<{name}>")
    if isinstance(value, Mapping):
        for inner_key, inner in value.items():
            _write(parts, str(inner_key), inner)
    else:
        parts.append(_text(value))
    parts.append(f"</{name}>")


def _text(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return escape(_NOT_XML.sub("\ufffd", text), _ENTITIES)


def xml_response(body: bytes, status: int = 200) -> FakeResponse:
    """An XML answer with the platform's Content-Type."""
    headers = (("content-type", XML_TYPE), ("content-length", str(len(body))))
    return FakeResponse(status, headers, body)


def from_json(json_body: bytes, status: int = 200) -> FakeResponse:
    """The answer in XML, from its JSON body ``{"<root>": {...}}`` (a success or an error)."""
    ((key, value),) = json.loads(json_body).items()
    return xml_response(dumps(key, value), status)


def error_response(error: GatewayError, request_id: str) -> FakeResponse:
    """The error envelope in XML, with the error's HTTP status."""
    ((key, value),) = error_envelope(error, request_id).items()
    return xml_response(dumps(key, value), error.status)
