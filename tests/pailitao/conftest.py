"""A scripted stand-in for the gateway, over httpx.MockTransport.

It checks every request's sign with its own hashlib code (not pailitao.wire.signing),
records what it saw, and answers from a script, so client tests see exactly
what went over the wire.
"""

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from PIL import Image

from pailitao import AsyncPailitaoClient, PailitaoClient, RetryPolicy

APP_KEY = "test_app_key"
SECRET = "test_app_secret"
BASE_URL = "https://gw.example.test/openapi/router/rest"

Answer = dict[str, Any] | httpx.Response | Exception


def reference_md5(params: dict[str, str], secret: str) -> str:
    text = "".join(k + v for k, v in sorted(params.items()) if k != "sign" and v != "")
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest().upper()


def form_of(request: httpx.Request) -> tuple[dict[str, str], dict[str, bytes]]:
    """The text fields and file parts of a urlencoded or multipart POST."""
    ctype = request.headers.get("content-type", "")
    body = request.read()
    if ctype.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}
    boundary = ctype.split("boundary=")[1].encode()
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in body.split(b"--" + boundary)[1:-1]:
        head, _, data = part.strip(b"\r\n").partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        if b"filename=" in head:
            files[name] = data
        else:
            fields[name] = data.decode()
    return fields, files


def _search_body(
    num_iids: list[str], page: int = 1, pagecount: int = 1, total: int | None = None
) -> dict[str, Any]:
    return {
        "items_search_img_response": {
            "items": {
                "page": page,
                "page_size": 20,
                "pagecount": pagecount,
                "total_results": len(num_iids) if total is None else total,
                "item": [{"num_iid": n, "title": f"商品{n}", "price": "9.90"} for n in num_iids],
            },
            "request_id": f"req{page}",
        }
    }


def _error_body(
    code: int, msg: str = "error", sub_code: str | None = None, sub_msg: str | None = None
) -> dict[str, Any]:
    envelope: dict[str, Any] = {"code": code, "msg": msg, "request_id": "r"}
    if sub_code:
        envelope["sub_code"] = sub_code
    if sub_msg:
        envelope["sub_msg"] = sub_msg
    return {"error_response": envelope}


class Gateway:
    """Answers requests from a script (or a function of the params)."""

    app_key = APP_KEY
    secret = SECRET
    base_url = BASE_URL
    search_body = staticmethod(_search_body)
    error_body = staticmethod(_error_body)
    reference_md5 = staticmethod(reference_md5)

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.responder: Callable[[dict[str, str]], Answer] | None = None
        self.seen: list[tuple[dict[str, str], dict[str, bytes]]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        fields, files = form_of(request)
        self.requests.append(request)
        self.seen.append((fields, files))
        assert fields["sign"] == reference_md5(fields, SECRET) or fields.get("sign_method") != "md5"
        answer = self.responder(fields) if self.responder else self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, content=json.dumps(answer, ensure_ascii=False).encode())

    @property
    def calls(self) -> int:
        return len(self.seen)


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


NOW = 1_795_831_200.0  # 2026-11-28 10:00:00 GMT+8


class Clock:
    """A clock that moves one second per reading, so every attempt is distinct."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(gateway: Gateway, sleeps: list[float]) -> Iterator[Callable[..., PailitaoClient]]:
    made: list[PailitaoClient] = []

    def make(**options: Any) -> PailitaoClient:
        options.setdefault("retry", RetryPolicy(backoff=0.1, jitter=0.0))
        client = PailitaoClient(
            app_key=APP_KEY,
            app_secret=SECRET,
            base_url=BASE_URL,
            clock=Clock(),
            transport=httpx.MockTransport(gateway),
            sleep=sleeps.append,
            **options,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def make_async_client(gateway: Gateway, sleeps: list[float]) -> Callable[..., AsyncPailitaoClient]:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    def make(**options: Any) -> AsyncPailitaoClient:
        options.setdefault("retry", RetryPolicy(backoff=0.1, jitter=0.0))
        return AsyncPailitaoClient(
            app_key=APP_KEY,
            app_secret=SECRET,
            base_url=BASE_URL,
            clock=Clock(),
            transport=httpx.MockTransport(gateway),
            sleep=record,
            **options,
        )

    return make
