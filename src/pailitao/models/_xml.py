"""TOP's XML answers (``format=xml``) read into the mapping its JSON answers decode to.

``<error_response>`` gives ``{"error_response": {...}}``; any other root element
gives what it holds, ``{"items": {...}, "request_id": ...}``, which the parsers
read as they read a ``simplify=true`` JSON answer. The root's name is not needed
(TOP's own SDKs ignore it too), and so a ``1688_…`` method's answer reads
whatever its root is called (XML forbids the digit first). An element with
children becomes a mapping; a repeated element, and ``item`` always, a list;
any other element its text (numbers stay text: the models read ``"20"``).

The reader is as careful as ``defusedxml``: a document with a DTD or an
entity declaration is refused before it is parsed (so no entity can expand,
and none is fetched), as is one over :data:`MAX_BYTES` or nested deeper than
:data:`MAX_DEPTH`. The bytes are read as UTF-8, whatever the XML declaration says.
"""

from __future__ import annotations

import re
from typing import Any, Final
from xml.etree.ElementTree import Element, ParseError, XMLParser

from ..errors import ResponseParseError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MalformedXml", "is_xml", "labels_xml", "loads"]

#: The largest XML answer read: a page of 50 offers is about 30 KB.
MAX_BYTES: Final = 4 * 1024 * 1024
#: The deepest nesting read: a search answer is four elements deep.
MAX_DEPTH: Final = 32
#: Elements that are list items even when there is one (TOP's list of offers).
LIST_TAGS: Final = frozenset({"item"})
_ERROR_ROOT: Final = "error_response"
_BOM: Final = b"\xef\xbb\xbf"
#: A body that starts like XML: an optional UTF-8 byte order mark, blanks, then ``<``.
_XML_START: Final = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")
_JSON_START: Final = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*[{\[]")
#: How a DTD starts; an entity can only be declared inside one.
_DECLARATIONS: Final = (b"<!DOCTYPE", b"<!ENTITY")


class MalformedXml(ResponseParseError):
    """The body is not well-formed XML (damaged, cut short, or no XML at all)."""


def labels_xml(content_type: str | None) -> bool:
    """Whether a Content-Type says XML (``text/xml``, ``application/xml``, ``…+xml``)."""
    media = _media(content_type)
    return media in ("text/xml", "application/xml") or media.endswith("+xml")


def is_xml(content_type: str | None, body: bytes) -> bool:
    """Whether to read ``body`` as XML: it starts with ``<``, or it is labelled XML and
    does not start like JSON. A body labelled HTML (a proxy's page) never is."""
    if _media(content_type) == "text/html":
        return False
    if _XML_START.match(body):
        return True
    return labels_xml(content_type) and not _JSON_START.match(body)


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def loads(body: bytes | str) -> dict[str, Any]:
    """The mapping an XML answer stands for; :class:`ResponseParseError` if it cannot be read.

    Refused documents (DTD, size, depth) raise a plain ``ResponseParseError``;
    one that does not parse raises :class:`MalformedXml`. Neither message
    quotes the body.
    """
    # A lone surrogate goes through as such: the parser refuses it as malformed.
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    _check_safe(data)
    root = _parse(data)
    if root.tag == _ERROR_ROOT:
        return {_ERROR_ROOT: _value(root, 1)}
    value = _value(root, 1)
    return value if isinstance(value, dict) else {root.tag: value}


def _check_safe(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise ResponseParseError(
            f"the XML answer is {len(data):,} bytes, over the {MAX_BYTES:,} the client reads"
        )
    if any(declaration in data for declaration in _DECLARATIONS):
        raise ResponseParseError(
            "the XML answer declares a DTD or an entity (<!DOCTYPE, <!ENTITY): "
            "the client refuses them, as no TOP answer has one"
        )


def _parse(data: bytes) -> Element:
    # UTF-8 whatever the declaration says: the bytes _check_safe searched are the ones parsed.
    parser = XMLParser(encoding="utf-8")  # noqa: S314 - _check_safe refused DTDs first
    problem = None
    try:
        # Blanks before the declaration are an error to the parser, not to the reader.
        parser.feed(data.removeprefix(_BOM).lstrip(b" \t\r\n"))
        return parser.close()
    except ParseError as error:  # its message says where, never what: no body is quoted
        problem = str(error)
    raise MalformedXml(f"the answer is not well-formed XML ({problem})", retryable=True)


def _value(element: Element, depth: int) -> Any:
    """An element as JSON would hold it: a mapping of its children, or its text."""
    if len(element) == 0:
        return element.text or ""
    if depth >= MAX_DEPTH:
        raise ResponseParseError(f"the XML answer is nested deeper than {MAX_DEPTH} elements")
    fields: dict[str, Any] = {}
    for child in element:
        value = _value(child, depth + 1)
        known = fields.get(child.tag)
        if isinstance(known, list):  # only lists made here: a value is a mapping or text
            known.append(value)
        elif known is not None:
            fields[child.tag] = [known, value]
        else:
            fields[child.tag] = [value] if child.tag in LIST_TAGS else value
    return fields
