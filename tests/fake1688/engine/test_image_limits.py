"""Images the platform refuses, bounded decoding, and the busy answer, in each dialect.

The bombs are ``bench/_bombs.py``'s, the ones ``bench/bench_bombs.py`` times
against ``fake1688 serve``; here they pin codes and messages, and that nothing
past the header is decoded (Pillow's ``load`` is made to fail).
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.catalog import imaging
from fake1688.catalog.imaging import ImageDecodeError, ImageRefused
from fake1688.engine.protocol import FakeRequest
from fake1688.engine.search import decoding_refused
from fake1688.http.asgi import QUEUE, WORKERS
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFile

from pailitao.wire import aop, reseller, signing

_SPEC = importlib.util.spec_from_file_location(
    "_bombs", Path(__file__).parents[3] / "bench" / "_bombs.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
bombs = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bombs)

BOMBS: dict[str, bytes] = bombs.bombs(real_png=False)
TIFF = BOMBS["tiff"]
TIFF_MESSAGE = (
    "the image is TIFF; the platform takes JPEG, PNG, GIF, WebP or BMP: convert it (e.g. to JPEG)"
)
HUGE = bombs.declaring("png", 100_000, 100_000)
HUGE_MESSAGE = (
    "the image is 100000x100000 pixels; the platform takes at most 4,096 pixels a side: shrink it"
)
TOKEN = "test_access_token"
#: The most each format's header can declare (JPEG and GIF: 16 bits, WebP: 24).
MAX_DECLARABLE = {"jpeg": 65_535, "gif": 65_535, "webp": 2**24, "png": 2**31 - 1, "bmp": 2**31 - 1}


@contextmanager
def nothing_decoded() -> Iterator[None]:
    """Within: any attempt to decode pixels fails the test."""

    def decoded(*args: object) -> None:
        raise AssertionError("pixels were decoded")

    with (
        mock.patch.object(ImageFile.ImageFile, "load", decoded),
        mock.patch.object(Image.Image, "load", decoded),
    ):
        yield


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    """A PNG of noise (small ones) or of a gradient (quick to encode at any size)."""
    picture = (
        Image.effect_noise(size, 50)
        if size[0] * size[1] < 10**5
        else Image.linear_gradient("L").resize(size)
    )
    out = io.BytesIO()
    picture.convert(mode).save(out, "PNG")
    return out.getvalue()


# -- the decoder ----------------------------------------------------------------------


@pytest.mark.parametrize("name", BOMBS)
def test_every_bomb_is_refused_before_a_pixel_is_decoded(name: str) -> None:
    with nothing_decoded(), pytest.raises(ImageRefused):
        imaging.decode(BOMBS[name])


@given(data=st.data(), fmt=st.sampled_from(sorted(MAX_DECLARABLE)))
def test_any_image_past_the_side_limit_is_refused_without_decoding(
    data: st.DataObject, fmt: str
) -> None:
    long_side = data.draw(st.integers(4097, MAX_DECLARABLE[fmt]), label="long side")
    short_side = data.draw(st.integers(1, MAX_DECLARABLE[fmt]), label="short side")
    size = (
        (long_side, short_side)
        if data.draw(st.booleans(), label="wide")
        else (short_side, long_side)
    )
    image = bombs.declaring(fmt, *size)
    with nothing_decoded(), pytest.raises(ImageRefused) as caught:
        imaging.decode(image)
    assert str(caught.value) == (
        f"the image is {size[0]}x{size[1]} pixels; the platform takes at most 4,096 pixels a "
        "side: shrink it"
    )


@given(
    fmt=st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "BMP"]),
    size=st.tuples(st.integers(1, 200), st.integers(1, 200)),
)
def test_any_image_within_the_limits_decodes(fmt: str, size: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.effect_noise(size, 50).convert("RGB").save(out, fmt)
    decoded = imaging.decode(out.getvalue())
    assert (decoded.mode, decoded.size) == ("RGB", size)


def test_a_large_image_is_reduced_before_it_is_converted() -> None:
    decoded = imaging.decode(png((3000, 2000), "RGBA"))
    assert decoded.size == (1000, 667)  # 2,000 // 512: reduced by 3 (a partial box counts)
    assert decoded.mode == "RGB"


def test_the_largest_image_taken_decodes() -> None:
    decoded = imaging.decode(png((4096, 600), "P"))
    assert decoded.size == (4096, 600)


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("TIFF", "TIFF"), ("PPM", "PPM"), ("ICO", "ICO"), ("PCX", "PCX"), ("SGI", "SGI"),
     ("DDS", "DDS"), ("QOI", "QOI"), ("XBM", "XBM"), ("MSP", "MSP"), ("JPEG2000", "JPEG 2000"),
     ("EPS", "EPS"), ("TGA", None), ("SPIDER", None)],
)  # fmt: skip
def test_the_formats_pillow_also_reads_are_refused(fmt: str, name: str | None) -> None:
    out = io.BytesIO()
    Image.new("1" if fmt in ("XBM", "MSP") else "L" if fmt == "SPIDER" else "RGB", (16, 16)).save(
        out, fmt
    )
    with nothing_decoded(), pytest.raises(ImageDecodeError) as caught:
        imaging.decode(out.getvalue())
    if name is None:  # no magic bytes to name it by
        assert str(caught.value).startswith("not a recognised image format (starts with ")
    else:
        assert isinstance(caught.value, ImageRefused)
        assert str(caught.value).startswith(f"the image is {name}; ")


def test_pillow_tries_no_decoder_but_the_five() -> None:
    # A GIF header on a file Pillow's GIF decoder cannot open is never handed to another.
    with pytest.raises(ImageDecodeError) as caught:
        imaging.decode(b"GIF89a\x10\x00\x10\x00junk")
    assert str(caught.value) == "the GIF header is corrupt"
    assert imaging.PILLOW_FORMATS == ("JPEG", "PNG", "GIF", "WEBP", "BMP")


# -- the three dialects ------------------------------------------------------------------


@pytest.fixture
def gateway(catalog: Any) -> FakeGateway:
    return FakeGateway(catalog=catalog)


@pytest.fixture
def http(gateway: FakeGateway) -> Iterator[httpx.Client]:
    with httpx.Client(transport=gateway.transport(), base_url="http://fake1688.test") as client:
        yield client


def top(http: httpx.Client, method: str = "1688.items.search.img", **params: str) -> Any:
    base = {"method": method, "app_key": "test_app_key", "v": "2.0", "format": "json"}
    base |= {"timestamp": signing.format_timestamp(), **params}
    base["sign"] = signing.sign(base, "test_app_secret")
    return http.post("/openapi/router/rest", data=base).json()


def aop_upload(http: httpx.Client, image: bytes) -> httpx.Response:
    path = f"{aop.BASE_PATH}/param2/1/{aop.NAMESPACE}/{aop.UPLOAD_API}/test_app_key"
    param = {"imageBase64": base64.b64encode(image).decode(), "outMemberId": "m1"}
    params = {"access_token": TOKEN, aop.UPLOAD_PARAM: json.dumps(param)}
    params["_aop_signature"] = aop.sign(
        path.removeprefix(aop.BASE_PATH + "/"), params, "test_app_secret"
    )
    return http.post(path, data=params)


def reseller_upload(http: httpx.Client, image: bytes) -> Any:
    params = {"key": "test_app_key", "secret": "test_app_secret"}
    params["imgcode"] = base64.b64encode(image).decode()
    return http.post(reseller.api_path(reseller.UPLOAD_API), data=params).json()


@pytest.mark.parametrize(("image", "message"), [(TIFF, TIFF_MESSAGE), (HUGE, HUGE_MESSAGE)])
def test_top_answers_41_naming_the_rule(http: httpx.Client, image: bytes, message: str) -> None:
    text = base64.b64encode(image).decode()
    for method in ("1688.items.search.img", "1688.upload.img"):
        error = top(http, method, image=text)["error_response"]
        assert (error["code"], error["msg"], error["sub_code"]) == (
            41,
            "Invalid Arguments",
            "isv.invalid-parameter",
        )
        assert error["sub_msg"] == message


@pytest.mark.parametrize(("image", "message"), [(TIFF, TIFF_MESSAGE), (HUGE, HUGE_MESSAGE)])
def test_the_open_platform_answers_its_bad_request(
    http: httpx.Client, image: bytes, message: str
) -> None:
    response = aop_upload(http, image)
    assert response.status_code == 200
    assert response.json() == {"result": {"success": False, "code": "400", "message": message}}


@pytest.mark.parametrize(("image", "message"), [(TIFF, TIFF_MESSAGE), (HUGE, HUGE_MESSAGE)])
def test_resellers_answer_4003(http: httpx.Client, image: bytes, message: str) -> None:
    body = reseller_upload(http, image)
    assert (body["error_code"], body["error"], body["reason"]) == (
        "4003",
        "parameter error",
        message,
    )


def test_a_refused_decode_is_the_busy_answer_in_each_dialect(http: httpx.Client) -> None:
    image = png((40, 30))
    with decoding_refused():
        error = top(http, image=base64.b64encode(image).decode())["error_response"]
        response = aop_upload(http, image)
        body = reseller_upload(http, image)
    assert (error["code"], error["msg"], error["sub_code"]) == (
        10,
        "Service Currently Unavailable",
        "isp.service-unavailable",
    )
    busy = "the fake gateway is decoding as many images as it can; retry in a moment"
    assert error["sub_msg"] == busy
    assert response.status_code == 500
    assert response.json()["error_code"] == "gw.InternalServerError"
    assert response.json()["exception"] == busy
    assert (body["error_code"], body["reason"]) == ("4000", busy)


def test_a_known_photo_needs_no_decode(http: httpx.Client) -> None:
    text = base64.b64encode(png((40, 30))).decode()
    assert "1688_items_search_img_response" in top(http, image=text)
    with decoding_refused(), nothing_decoded():
        assert "1688_items_search_img_response" in top(http, image=text, sort="price_asc")


# -- which requests may decode --------------------------------------------------------


def test_may_decode_is_false_only_for_images_with_known_fingerprints(
    gateway: FakeGateway, http: httpx.Client, catalog: Any
) -> None:
    api = gateway.engine.api
    text = base64.b64encode(png((40, 30))).decode()

    def request(*form: tuple[str, str], files: dict[str, bytes] | None = None) -> FakeRequest:
        return FakeRequest("POST", "/openapi/router/rest", form=form, files=files or {})

    assert not api.may_decode(request(("method", "1688.items.search.img")))
    assert api.may_decode(request(("image", text)))
    assert api.may_decode(request(files={"file": b"\xff\xd8\xff"}))
    assert api.may_decode(request((aop.UPLOAD_PARAM, "{}")))
    imgid = top(http, "1688.upload.img", image=text)["1688_upload_img_response"]["items"]
    assert not api.may_decode(request(("image", text)))
    assert not api.may_decode(request(("imgid", imgid["item"]["name"])))
    pic_url = catalog.offers[3].pic_url
    assert api.may_decode(request(("imgid", pic_url)))
    top(http, imgid=pic_url)
    assert not api.may_decode(request(("imageUrl", pic_url)))
    assert not api.may_decode(request((aop.SEARCH_PARAM, json.dumps({"imageAddress": pic_url}))))
    assert not api.may_decode(request((aop.SEARCH_PARAM, "not JSON")))
    assert api.may_decode(request(("imgid", "https://example.com/unknown.jpg")))


# -- the ASGI adapter ------------------------------------------------------------------


def asgi_search(app: Any, image: bytes) -> Any:
    async def send() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake1688.test") as h:
            params = {"method": "1688.items.search.img", "app_key": "test_app_key", "v": "2.0"}
            params |= {"timestamp": signing.format_timestamp(), "format": "json"}
            params["image"] = base64.b64encode(image).decode()
            params["sign"] = signing.sign(params, "test_app_secret")
            return (await h.post("/openapi/router/rest", data=params)).json()

    return asyncio.run(send())


def test_over_asgi_a_new_image_is_decoded_on_a_worker_thread(
    gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    fingerprint = gateway.engine.api.catalog.fingerprint

    def recorded(data: bytes) -> Any:
        threads.append(threading.current_thread().name)
        return fingerprint(data)

    monkeypatch.setattr(gateway.engine.api.catalog, "fingerprint", recorded)
    app, image = gateway.asgi_app, png((40, 30))
    assert "1688_items_search_img_response" in asgi_search(app, image)
    assert "1688_items_search_img_response" in asgi_search(app, image)  # known: on the loop
    assert len(threads) == 1
    assert threads[0].startswith("fake1688-decode")


def test_over_asgi_a_full_queue_answers_busy_without_decoding(gateway: FakeGateway) -> None:
    app = gateway.asgi_app
    app.router.default._off_loop = WORKERS + QUEUE  # as if that many were being decoded
    image = png((40, 30))
    with nothing_decoded():
        error = asgi_search(app, image)["error_response"]
    assert (error["code"], error["sub_code"]) == (10, "isp.service-unavailable")


# -- over HTTP: peak memory ---------------------------------------------------------------


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_bombs_leave_the_servers_peak_memory_where_it_was() -> None:
    # Memory, not time: bench/bench_bombs.py times the same bombs on a quiet machine.
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().decode().split()[-1]
        with httpx.Client(timeout=30) as client:

            def search(image: bytes) -> Any:
                params = {"method": "1688.items.search.img", "app_key": "test_app_key"}
                params |= {"v": "2.0", "timestamp": signing.format_timestamp()}
                params["image"] = base64.b64encode(image).decode()
                params["sign"] = signing.sign(params, "test_app_secret")
                return client.post(url, data=params).json()

            deadline = time.monotonic() + 30
            while True:
                try:
                    warm = search(png((300, 200)))  # imports, catalog and caches: the idle peak
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not answer"
                    time.sleep(0.05)
            assert "1688_items_search_img_response" in warm
            idle = _peak_kib(server.pid)
            for name, image in {"png 6300x6300": bombs.png_bomb(), **BOMBS}.items():
                assert search(image)["error_response"]["code"] == 41, name
            grown = _peak_kib(server.pid) - idle
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)
    assert grown < 100 * 1024, f"peak memory grew {grown:,} KiB"
