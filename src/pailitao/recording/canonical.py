"""The canonical form of a recorded request: what is stored, and what is matched.

A signed 1688 request changes on every call (``timestamp``, ``sign``, the
multipart boundary), carries secrets (``app_key``, ``session`` …) and may carry
megabytes of image. Its canonical form keeps only what identifies the logical
request — the API method and the other params, sorted, one ``key=value`` per
line — with every image replaced by its fingerprint::

    cat=10166
    image=<image sha256=9f86d0… size=211407 format=jpeg>
    method=1688.items.search.img
    page=2

Stored this way, a cassette stays small and readable, and a mismatch can be
explained param by param (``param 'page': recorded '1', this request '2'``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..images import sniff_format

__all__ = [
    "CANONICAL_CONTENT_TYPE",
    "DROPPED_PARAMS",
    "Form",
    "ImageFingerprint",
    "canonical_body",
    "canonical_params",
    "fingerprint",
    "parse_canonical_body",
    "read_form",
]

#: Params that change per call or are secret: never stored, never matched.
DROPPED_PARAMS: Final = frozenset(
    {
        "timestamp",
        "sign",
        "sign_method",
        "partner_id",
        "app_key",
        "session",
        "access_token",
        "secret",
        "key",
    }
)
_DROPPED_PREFIX: Final = "_aop_"
#: Fields that carry image content, as base64 text or as a file part.
IMAGE_FIELDS: Final = frozenset({"image", "file"})
CANONICAL_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
#: Header of a stored request that says how its params travelled.
SENT_AS_HEADER: Final = "X-Pailitao-Sent-As"
_MIN_BASE64_IMAGE: Final = 16


@dataclass(frozen=True, slots=True)
class ImageFingerprint:
    """What a cassette keeps of an image: its hash, size and format."""

    sha256: str
    size: int
    format: str

    def render(self) -> str:
        return f"<image sha256={self.sha256} size={self.size} format={self.format}>"


def fingerprint(data: bytes) -> ImageFingerprint:
    """The fingerprint of image (or any binary) content."""
    return ImageFingerprint(
        hashlib.sha256(data).hexdigest(), len(data), sniff_format(data) or "bin"
    )


@dataclass(frozen=True, slots=True)
class Form:
    """A request's params (query string and body) and its file parts."""

    params: list[tuple[str, str]]
    files: list[tuple[str, bytes]]
    sent_as: str


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in body)


Fields = list[tuple[str, str]]
Files = list[tuple[str, bytes]]


def _multipart(content_type: str, body: bytes) -> tuple[Fields, Files]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    params: Fields = []
    files: Files = []
    parts: Iterable[Message] = message.iter_parts() if message.is_multipart() else ()
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if part.get_filename() is not None:
            files.append((name, payload))
        else:
            params.append((name, payload.decode("utf-8", "replace")))
    return params, files


def read_form(uri: str, headers: Any, body: Any) -> Form | None:
    """The params of a form request, or ``None`` if its body is not a form.

    ``headers`` is any case-insensitive mapping with ``get``.
    """
    query = urlsplit(uri).query
    params = parse_qsl(query, keep_blank_values=True)
    content_type = str(headers.get("Content-Type") or headers.get("content-type") or "")
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    data = _body_bytes(body)
    if media == "application/x-www-form-urlencoded":
        params += parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True)
        return Form(params, [], media)
    if media == "multipart/form-data":
        fields, files = _multipart(content_type, data)
        return Form(params + fields, files, media)
    if not data:
        return Form(params, [], "query")
    return None


def _is_dropped(key: str) -> bool:
    return key in DROPPED_PARAMS or key.startswith(_DROPPED_PREFIX)


def _image_text(value: str) -> tuple[str, bytes | None]:
    """A base64 image param as its fingerprint, or the text itself if it is no image."""
    if len(value) < _MIN_BASE64_IMAGE:
        return value, None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value, None
    if sniff_format(data) is None:
        return value, None
    return fingerprint(data).render(), data


def canonical_params(form: Form, blob_dir: Path | None = None) -> dict[str, str]:
    """Sorted params without volatile or secret ones, images as fingerprints.

    With ``blob_dir``, each image's bytes are also written there once, as
    ``<sha256>.<format>``, for tests that need them back.
    """
    result: dict[str, str] = {}
    blobs: list[bytes] = []
    for key, text in form.params:
        if _is_dropped(key):
            continue
        if key in IMAGE_FIELDS:
            shown, data = _image_text(text)
            result[key] = shown
            blobs += [data] if data is not None else []
        else:
            result[key] = text
    for key, data in form.files:
        result[key] = fingerprint(data).render()
        blobs.append(data)
    if blob_dir is not None:
        for data in blobs:
            _save_blob(blob_dir, data)
    return dict(sorted(result.items()))


def _save_blob(blob_dir: Path, data: bytes) -> None:
    print_ = fingerprint(data)
    path = blob_dir / f"{print_.sha256}.{print_.format}"
    if not path.exists():
        blob_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


_ESCAPED: Final = re.compile(r"\\(.)")
_UNESCAPED: Final = {"\\": "\\", "n": "\n", "r": "\r"}


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda match: _UNESCAPED.get(match.group(1), match.group(0)), text)


def canonical_body(params: dict[str, str]) -> str:
    """One ``key=value`` line per param (newlines escaped), in key order."""
    return "".join(f"{_escape(key)}={_escape(value)}\n" for key, value in params.items())


def parse_canonical_body(text: str) -> dict[str, str]:
    """The params of a canonical body: the inverse of :func:`canonical_body`."""
    params = {}
    for line in text.split("\n"):  # not splitlines(): values may hold \x0c or \u2028
        key, equals, value = line.partition("=")
        if equals:
            params[_unescape(key)] = _unescape(value)
    return params


def without_query(uri: str) -> str:
    """The URI with its query string removed (its params move into the body)."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
