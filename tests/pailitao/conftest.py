"""A scripted stand-in for the gateway, over httpx.MockTransport.

It checks every request's sign with its own hashlib code (not pailitao.wire.signing),
records what it saw, and answers from a script, so client tests see exactly
what went over the wire.
"""

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import requests
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


# -- a real `fake1688 serve`, for the plugin's record and replay runs -------------


@dataclass
class Served:
    """``fake1688 serve --port 0`` as a user starts it, and where it listens."""

    process: "subprocess.Popen[str]"
    base_url: str

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return "/".join(self.base_url.split("/")[:3])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.communicate(timeout=20)


def _serve() -> Served:
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    served = Served(process, process.stdout.readline().split()[-1])
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{served.root}/__fake__/health", timeout=5)
            return served
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "fake1688 serve did not answer"
            time.sleep(0.05)


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """A running ``fake1688 serve``, named by ``$PAILITAO_BASE_URL`` with the demo app's
    credentials; ``stop()`` it to show that a replay needs no gateway."""
    served = _serve()
    monkeypatch.setenv("PAILITAO_BASE_URL", served.base_url)
    monkeypatch.setenv("PAILITAO_APP_KEY", "test_app_key")
    monkeypatch.setenv("PAILITAO_APP_SECRET", "test_app_secret")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def project(pytester: pytest.Pytester, inner_runs_ready: None) -> pytest.Pytester:
    """A pytester project as a user's: pytest-asyncio strict, loop scopes set."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "asyncio_default_test_loop_scope = function\n"
    )
    return pytester


@pytest.fixture(scope="session")
def inner_runs_ready() -> None:
    """Imports what pytester's inner runs use, and runs the fake's lazy imports (image
    decoding, hashing): inner runs restore sys.modules afterwards, and numpy cannot be
    imported twice in one process."""
    import pytest_recording  # noqa: F401
    import respx  # noqa: F401
    import vcr  # noqa: F401
    import yaml  # noqa: F401
    from fake1688 import Catalog, FakeGateway
    from fake1688.server import ThreadedServer  # noqa: F401

    gateway = FakeGateway()
    image = gateway.catalog.image_bytes(Catalog.default(0).offers[0])
    with PailitaoClient(
        app_key=APP_KEY,
        app_secret=SECRET,
        base_url="http://fake1688.test/openapi/router/rest",
        transport=gateway.transport(),
    ) as client:
        client.search_image(file=image)
