"""Over real HTTP: uvicorn on a free 127.0.0.1 port, driven by ``requests``.

Only 127.0.0.1 is ever contacted; the server is stopped after the module.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import uvicorn
from fake1688 import FakeGateway
from fake1688.server import ACCESS_LOGGER, ResettableHTTPProtocol, ThreadedServer

from pailitao import PailitaoClient
from pailitao.wire import signing

NOW = 1_764_300_000.0
SECRET = "test_app_secret"


@pytest.fixture(scope="module")
def live(catalog: Any) -> Iterator[tuple[str, FakeGateway]]:
    """``(base URL, gateway)`` of a uvicorn server in a thread."""
    gateway = FakeGateway(catalog=catalog, clock=lambda: NOW)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        gateway.asgi_app, http=ResettableHTTPProtocol, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", gateway
    server.should_exit = True
    thread.join(10)
    sock.close()


def _seed_params(image: bytes) -> dict[str, str]:
    """The seed article's search params: ms timestamp, base64 image, no sign_method."""
    return {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": str(int(NOW * 1000)),
        "v": "2.0",
        "format": "json",
        "image": base64.b64encode(image).decode("utf-8"),
    }


def _seed_example(url: str, image: bytes, secret: str) -> requests.Response:
    """The seed article's code, as written (requests, md5 by hand)."""
    params = _seed_params(image)
    param_str = "".join(f"{k}{v}" for k, v in sorted(params.items()))
    params["sign"] = hashlib.md5(f"{secret}{param_str}{secret}".encode()).hexdigest().upper()
    return requests.post(url + "/openapi/router/rest", data=params, timeout=10)


def test_the_seed_example_works(live: tuple[str, FakeGateway], photo: bytes, catalog: Any) -> None:
    url, _ = live
    response = _seed_example(url, photo, SECRET)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    items = response.json()["1688_items_search_img_response"]["items"]
    assert items["item"][0]["num_iid"] == catalog.offers[0].num_iid


def test_live_answers_equal_in_process_answers(live: tuple[str, FakeGateway], photo: bytes) -> None:
    url, gateway = live
    over_http = _seed_example(url, photo, SECRET)
    with httpx.Client(transport=gateway.transport()) as http:
        request = over_http.request
        assert isinstance(request.body, str | bytes)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        in_process = http.post(str(request.url), content=body, headers=dict(request.headers))
    assert over_http.content == in_process.content


def test_errors_over_http(live: tuple[str, FakeGateway], photo: bytes) -> None:
    url, _ = live
    wrong = _seed_example(url, photo, secret="nope").json()["error_response"]
    assert (wrong["code"], wrong["msg"]) == (25, "Invalid signature")
    missing = requests.post(url + "/router/rest", data={"v": "2.0"}, timeout=10)
    assert missing.json()["error_response"]["code"] == 21
    put = requests.put(url + "/router/rest", timeout=10)
    assert (put.status_code, put.json()["error_response"]["code"]) == (200, 9)
    lost = requests.get(url + "/no/such/path", timeout=10)
    assert lost.status_code == 404
    assert lost.json()["error_response"]["sub_code"] == "isv.path-not-found"


def test_malformed_multipart_over_http(live: tuple[str, FakeGateway]) -> None:
    url, _ = live
    response = requests.post(
        url + "/router/rest",
        data=b'--b\r\nContent-Disposition: form-data; name="method"\r\n\r\nx',
        headers={"content-type": "multipart/form-data; boundary=b"},
        timeout=10,
    )
    assert response.status_code == 200
    error = response.json()["error_response"]
    assert (error["code"], error["sub_msg"]) == (
        41,
        "the multipart body is truncated: no closing boundary; the request's params cannot be read",
    )


def test_multipart_upload_and_photo_serving_over_http(
    live: tuple[str, FakeGateway], photo: bytes
) -> None:
    url, _ = live
    with PailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",
        base_url=url + "/openapi/router/rest",
        clock=lambda: NOW,
        image_encoding="multipart",
    ) as client:
        imgid = client.upload_image(photo)
        page = client.search_image(imgid=imgid, page_size=50)
        assert page.items
    served = requests.get(url + imgid.removeprefix("https://cbu01.alicdn.com"), timeout=10)
    assert served.status_code == 200
    assert served.content == photo
    assert served.headers["content-type"].startswith("image/")


@pytest.fixture(scope="module")
def served(catalog: Any) -> Iterator[tuple[str, FakeGateway]]:
    """``(base URL, gateway)`` of the app ``fake1688 serve`` serves: access log, admin guard."""
    with ThreadedServer(FakeGateway(catalog=catalog, clock=lambda: NOW)) as server:
        yield server.url, server.gateway


@pytest.mark.parametrize("server", ["live", "served"])
def test_served_requests_leave_no_garbage_cycles(
    request: pytest.FixtureRequest, server: str, photo: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Each request's objects go with its last reference, not at a later GC pass.

    A reference cycle per request that reaches uvicorn's request cycle (say,
    an error whose traceback holds the frames) keeps the whole request in memory until the garbage collector runs, and
    its passes, over the whole catalog, grow with the load. The served app
    runs with its access log on.
    """
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    url, gateway = request.getfixturevalue(server)
    gateway.reset()
    search = _seed_params(photo)
    search["sign"] = signing.sign(search, SECRET)
    gc.collect()
    gc.disable()
    try:
        with httpx.Client(base_url=url) as client:  # one connection, open throughout
            assert (
                b"1688_items_search_img_response"
                in client.post("/router/rest", data=search).content
            )
            client.post("/router/rest")  # a platform error (unsigned)
            client.get("/nowhere")  # the 404 envelope
            client.get("/__fake__/health")  # the admin surface
            for kind in ("platform_error", "http_error", "truncated_json"):
                gateway.faults.next(1, kind)
                client.post("/router/rest", data=search)
            gateway.faults.next(1, "connection_reset")
            with pytest.raises(httpx.TransportError):
                client.post("/router/rest", data=search)
            assert client.post("/router/rest", data=search).status_code == 200
            time.sleep(0.2)  # let the server thread finish its last answer
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            left = [
                type(o).__name__ for o in gc.garbage if type(o).__module__.startswith("uvicorn")
            ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        gateway.reset()
    assert left == []


def test_the_access_log_redacts_queries_and_shows_drops_and_refusals(
    served: tuple[str, FakeGateway], caplog: pytest.LogCaptureFixture
) -> None:
    url, gateway = served
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    query = "key=test_app_key&secret=test_app_secret&imgid=x&token=t0k3n&note=test_app_secret"
    gateway.faults.next(1, "connection_reset")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/1688/item_search_img/?{query}")
    httpx.get(f"{url}/1688/item_search_img/?{query}&imgcode={'A' * 300}")
    httpx.post(url + "/__fake__/reset", headers={"Origin": "https://evil.example"})
    lines = _logged(caplog)
    deadline = time.monotonic() + 5
    while len(lines) < 3 and time.monotonic() < deadline:  # logged after the answer is sent
        time.sleep(0.01)
        lines = _logged(caplog)
    lines = lines[-3:]
    shown = "key=test***key&secret=<redacted>&imgid=x&token=<redacted>&note=<redacted>"
    assert [line.split(" - ", 1)[1] for line in lines] == [
        f'"GET /1688/item_search_img/?{shown} HTTP/1.1" -',
        f'"GET /1688/item_search_img/?{shown}&imgcode=<300 chars> HTTP/1.1" 200',
        '"POST /__fake__/reset HTTP/1.1" 403',
    ]
    assert all(line.startswith("127.0.0.1:") for line in lines)


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == ACCESS_LOGGER]
