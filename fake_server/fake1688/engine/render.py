"""Answer bodies as the platform renders them: compact UTF-8 JSON.

``ensure_ascii=False`` and compact separators, as live answers are; the search
body is assembled from pre-serialised item chunks so a page costs a join, not a
``json.dumps`` of every offer. ``simplify=true`` is a slice of that body;
``format=xml`` is rendered from it by :mod:`fake1688.engine.render_xml`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Final

from pailitao.wire import top
from pailitao.wire.top import SEARCH_RESPONSE_KEY, UPLOAD_RESPONSE_KEY

from .errors import GatewayError
from .protocol import FakeRequest, FakeResponse

__all__ = [
    "JSON_TYPE",
    "asks_for_xml",
    "dumps",
    "error_envelope",
    "error_response",
    "json_response",
    "request_id",
    "search_body",
    "simplified",
    "upload_body",
]

JSON_TYPE: Final = "application/json;charset=UTF-8"
#: Left out of the deterministic request id: the first two change on every call, the
#: others only say how the answer is written, so JSON and XML answers share their id.
_LEFT_OUT_OF_ID: Final = frozenset({"timestamp", "sign", "format", "simplify"})


def dumps(data: object) -> bytes:
    """JSON as the platform writes it: compact, UTF-8, Chinese unescaped."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(body: bytes, status: int = 200) -> FakeResponse:
    """A JSON answer with the platform's Content-Type."""
    headers = (("content-type", JSON_TYPE), ("content-length", str(len(body))))
    return FakeResponse(status, headers, body)


def error_envelope(error: GatewayError, request_id: str) -> dict[str, dict[str, object]]:
    """``{"error_response": {...}}``: the data of an error answer, whatever its format."""
    return {
        "error_response": {
            "code": error.code,
            "msg": error.msg,
            "sub_code": error.sub_code,
            "sub_msg": error.sub_msg,
            "request_id": request_id,
        }
    }


def error_response(error: GatewayError, request_id: str) -> FakeResponse:
    """The error envelope, with the error's HTTP status (200 but for a 404 path)."""
    return json_response(dumps(error_envelope(error, request_id)), error.status)


def simplified(body: bytes) -> bytes:
    """A success body without its wrapper key, as ``simplify=true`` asks.

    Every success body is ``{"<method>_response":`` + the answer + ``}`` (the
    bodies below; the key has no colon), so the answer is a slice: no parse.
    """
    return body[body.index(b":") + 1 : -1]


def asks_for_xml(request: FakeRequest) -> bool:
    """Whether the request asks for XML: its first ``format``, query string first.

    Read from the request as sent, so that an answer that fails before the
    params are merged and checked (29, a 41 for an unreadable body, a 404
    path) comes in the format asked for too.
    """
    for key, value in (*request.query, *request.form):
        if key == "format":
            return value == "xml"
    return False


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

    Deterministic ids hash the request minus ``timestamp`` and ``sign`` (and
    ``format`` and ``simplify``), so the same call gives the same bytes on every
    run, and the same id in JSON and in XML; otherwise the id is random.
    """
    if not deterministic:
        return top.request_id()
    pairs = [*request.query, *request.form]
    pairs.sort()
    texts = [request.method, request.path, request.read_error or ""]
    for pair in pairs:
        if pair[0] not in _LEFT_OUT_OF_ID:
            texts += pair
    # One join and one update: hashing part by part cost more than the hash.
    data = "\0".join(texts).encode("utf-8", "replace") + b"\0"
    if request.files:
        files = request.files
        data += b"\0".join(b for name in sorted(files) for b in (name.encode(), files[name]))
    return top.request_id(hashlib.blake2b(data, digest_size=top.REQUEST_ID_LENGTH).digest())
