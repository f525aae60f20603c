"""Answer bodies as the platform renders them: compact UTF-8 JSON.

``ensure_ascii=False`` and compact separators, as live answers are; the search
body is assembled from pre-serialised item chunks so a page costs a join, not a
``json.dumps`` of every offer.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Final

from pailitao.wire.top import SEARCH_RESPONSE_KEY, UPLOAD_RESPONSE_KEY

from .errors import GatewayError
from .protocol import FakeRequest, FakeResponse

__all__ = [
    "JSON_TYPE",
    "dumps",
    "error_response",
    "json_response",
    "request_id",
    "search_body",
    "upload_body",
]

JSON_TYPE: Final = "application/json;charset=UTF-8"
#: Left out of the deterministic request id: they change on every call.
_VOLATILE: Final = frozenset({"timestamp", "sign"})


def dumps(data: object) -> bytes:
    """JSON as the platform writes it: compact, UTF-8, Chinese unescaped."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(body: bytes, status: int = 200) -> FakeResponse:
    """A JSON answer with the platform's Content-Type."""
    headers = (("content-type", JSON_TYPE), ("content-length", str(len(body))))
    return FakeResponse(status, headers, body)


def error_response(error: GatewayError, request_id: str) -> FakeResponse:
    """The error envelope, with the error's HTTP status (200 but for a 404 path)."""
    body = dumps(
        {
            "error_response": {
                "code": error.code,
                "msg": error.msg,
                "sub_code": error.sub_code,
                "sub_msg": error.sub_msg,
                "request_id": request_id,
            }
        }
    )
    return json_response(body, error.status)


def search_body(
    page: int, page_size: int, total: int, items: Sequence[bytes], request_id: str
) -> bytes:
    """``1688_items_search_img_response`` from pre-serialised item JSON."""
    pagecount = -(-total // page_size)
    head = (
        f'{{"{SEARCH_RESPONSE_KEY}":{{"items":{{'
        f'"page":{page},"page_size":{page_size},"pagecount":{pagecount},'
        f'"total_results":{total},"real_total_results":{total},"item":['
    )
    tail = ']},"request_id":"' + request_id + '"}}'  # ids are letters and digits: no escapes
    return b"".join((head.encode(), b",".join(items), tail.encode()))  # one copy, not two


def upload_body(imgid: str, request_id: str) -> bytes:
    """``1688_upload_img_response`` naming the new imgid."""
    items = {"item": {"name": imgid, "status": 1}}
    return dumps({UPLOAD_RESPONSE_KEY: {"items": items, "request_id": request_id}})


def request_id(request: FakeRequest, *, deterministic: bool) -> str:
    """A 13-character id like the platform's ``13yki55kbv7ug``.

    Deterministic ids hash the request minus ``timestamp`` and ``sign``, so the
    same call gives the same bytes on every run; otherwise the id is random.
    """
    if not deterministic:
        return _short_id(secrets.token_bytes(13))
    pairs = [*request.query, *request.form]
    pairs.sort()
    texts = [request.method, request.path, request.read_error or ""]
    for pair in pairs:
        if pair[0] not in _VOLATILE:
            texts += pair
    # One join and one update: hashing part by part cost more than the hash.
    data = "\0".join(texts).encode("utf-8", "replace") + b"\0"
    if request.files:
        files = request.files
        data += b"\0".join(b for name in sorted(files) for b in (name.encode(), files[name]))
    return _short_id(hashlib.blake2b(data, digest_size=13).digest())


_BASE32: Final = "abcdefghijklmnopqrstuvwxyz234567"
#: Byte -> one of the 32 characters, by its low five bits (256 = 8 x 32: all equally likely).
_BASE32_OF_BYTE: Final = bytes(_BASE32.encode()[byte & 31] for byte in range(256))


def _short_id(thirteen_bytes: bytes) -> str:
    """13 lower-case letters and digits 2-7, like the platform's ids: one per byte, in C.

    (Reading the bits of an 8-byte digest five at a time, as base32 does, took
    Python big-integer shifts: 5% of the app's time per request, measured
    with ``bench/bench_compare.py``.)
    """
    return thirteen_bytes.translate(_BASE32_OF_BYTE).decode("ascii")
