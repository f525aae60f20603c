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

An Open Platform ("AOP") request names its API in the URL path
(``/openapi/param2/1/<namespace>/<name>/<appKey>``) and sends object-typed
params as JSON text. Its canonical URI drops the app key, and each JSON param
is stored as canonical JSON (sorted keys, compact, UTF-8 kept; nested JSON
text likewise; ``imageBase64`` as a fingerprint), so key order and whitespace
never matter::

    offerQueryParam={"beginPage":1,"imageId":"7394132923744781698","pageSize":20}

A resellers' request (``/1688/item_search_img/``, ``/1688/upload_img/``) carries
its credentials, ``key`` and ``secret``, in clear in the query string: both are
dropped (the stored URI has no query string at all), and ``imgcode`` (the base64
of an upload) is stored as a fingerprint, as TOP's ``image``. The common params
``api_name``, ``cache``, ``result_type``, ``lang`` and ``version`` are kept:
``lang`` and ``cache`` change the answer, and the others are the same on every
call of a client, so keeping them costs no spurious mismatch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from ..images import sniff_format
from ..wire import aop, redaction, reseller, top

__all__ = [
    "CANONICAL_CONTENT_TYPE",
    "DROPPED_PARAMS",
    "SECRET_PARAMS",
    "Form",
    "ImageFingerprint",
    "aop_api",
    "canonical_body",
    "canonical_json",
    "canonical_params",
    "canonical_uri",
    "fingerprint",
    "is_gateway_request",
    "json_document",
    "parse_canonical_body",
    "read_form",
    "reseller_api",
]

#: Params that are secret or credentials, by name without case (the redaction rule's
#: and the app keys): never stored, never matched, not even as a JSON param's field.
SECRET_PARAMS: Final = redaction.SECRET_PARAMS | redaction.APP_KEY_PARAMS | {"partner_id"}
#: Params that change per call or are secret: never stored, never matched.
DROPPED_PARAMS: Final = SECRET_PARAMS | {"timestamp", "sign_method"}
_DROPPED_PREFIX: Final = "_aop_"
#: Fields that carry image content, as base64 text or as a file part (``imgcode``:
#: the resellers' ``upload_img``).
IMAGE_FIELDS: Final = frozenset({"image", "file", "imgcode"})
#: Fields of an Open Platform JSON param that carry an image as base64 text.
JSON_IMAGE_FIELDS: Final = frozenset({"imageBase64"})
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
    name = key.lower()
    return name in DROPPED_PARAMS or name.startswith(_DROPPED_PREFIX)


def _is_secret(key: str) -> bool:
    name = key.lower()
    return name in SECRET_PARAMS or name.startswith(_DROPPED_PREFIX)


def _image_text(value: str) -> tuple[str, bytes | None]:
    """A base64 image param as its fingerprint, or the text itself if it is no image.

    A space reads as ``+`` (base64 has no spaces; a raw ``+`` in a query string
    decodes to one), as the gateways read it.
    """
    text = value.replace(" ", "+")
    if len(text) < _MIN_BASE64_IMAGE:
        return value, None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return value, None
    if sniff_format(data) is None:
        return value, None
    return fingerprint(data).render(), data


def canonical_params(
    form: Form, blob_dir: Path | None = None, *, json_params: bool = False
) -> dict[str, str]:
    """Sorted params without volatile or secret ones, images as fingerprints.

    With ``json_params`` (an Open Platform request), a param that is a JSON
    object or array is stored as :func:`canonical_json`. With ``blob_dir``,
    each image's bytes are also written there once, as ``<sha256>.<format>``,
    for tests that need them back.
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
        elif json_params:
            result[key] = canonical_json(text, blobs)
        else:
            result[key] = text
    for key, data in form.files:
        result[key] = fingerprint(data).render()
        blobs.append(data)
    if blob_dir is not None:
        for data in blobs:
            _save_blob(blob_dir, data)
    return dict(sorted(result.items()))


Json = dict[str, Any] | list[Any]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def json_document(text: str) -> Json | None:
    """``text`` as a JSON object or array; ``None`` for a scalar or malformed JSON.

    An object with a repeated key counts as malformed: which copy wins is the
    reader's choice, so two such texts are not known to mean the same.
    """
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = json.loads(stripped, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _json_value(value: Any, blobs: list[bytes]) -> Any:
    """A JSON value with nested JSON text canonical, base64 images fingerprinted and
    secret-bearing fields (``access_token``, ``sign`` … at any depth) dropped."""
    if isinstance(value, dict):
        return {
            key: _json_field(key, item, blobs) for key, item in value.items() if not _is_secret(key)
        }
    if isinstance(value, list):
        return [_json_value(item, blobs) for item in value]
    if isinstance(value, str):
        return canonical_json(value, blobs)
    return value


def _json_field(key: str, value: Any, blobs: list[bytes]) -> Any:
    if key in JSON_IMAGE_FIELDS and isinstance(value, str):
        shown, data = _image_text(value)
        blobs += [data] if data is not None else []
        return shown
    return _json_value(value, blobs)


def canonical_json(text: str, blobs: list[bytes] | None = None) -> str:
    """JSON object or array text as canonical JSON; any other text as it is.

    Canonical JSON has sorted keys, no whitespace and UTF-8 kept; string values
    that are JSON objects themselves (AOP's ``sort``) are canonical too,
    ``imageBase64`` images become fingerprints (their bytes appended to
    ``blobs``) and fields named as secret params are left out. Malformed JSON
    stays text: the gateway refuses it, and a replay of the same text must
    still match.
    """
    document = json_document(text)
    if document is None:
        return text
    return _dumps(_json_value(document, [] if blobs is None else blobs))


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


def aop_api(uri: str) -> aop.ApiPath | None:
    """The Open Platform API a request's URI names, or ``None`` for any other request."""
    return aop.parse_path(unquote(urlsplit(uri).path))


def reseller_api(uri: str) -> str | None:
    """The resellers' API a request's URI names (``item_search_img`` for
    ``/1688/item_search_img/``), or ``None`` for any other request."""
    path = unquote(urlsplit(uri).path)
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] != reseller.PLATFORM or not parts[1]:
        return None
    return parts[1] if path == reseller.api_path(parts[1]) else None


def is_gateway_request(uri: str) -> bool:
    """Whether a request speaks one of the dialects: a TOP router path
    (``…/router/rest``), an Open Platform API path (``…/param2/1/<namespace>/<name>/<appKey>``)
    or a resellers' API path (``/1688/<api>/``). The host does not matter: a gateway
    may be live, a local fake or a proxy."""
    path = unquote(urlsplit(uri).path)
    is_router = any(path.endswith(router) for router in top.ROUTER_PATHS)
    # A stored Open Platform path has lost its app key (see canonical_uri): try one on.
    is_aop = any(aop.parse_path(p) for p in (path, path.rstrip("/") + "/app_key"))
    return is_router or is_aop or reseller_api(uri) is not None


def canonical_uri(uri: str) -> str:
    """The URI as stored and matched: no query string; an AOP path without its app key.

    The app key is dropped, not replaced by ``<PAILITAO_APP_KEY>``: TOP's
    ``app_key`` param is dropped likewise (a recording replays under another
    app), and vcrpy restores that placeholder to the configured key when it
    loads a cassette, so a stored path holding it would stop matching.
    """
    parts = urlsplit(uri)
    path = parts.path
    if aop_api(uri) is not None:
        path = path.rstrip("/").rsplit("/", maxsplit=1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
