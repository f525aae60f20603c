"""How much the in-process fake costs next to respx returning the same bytes.

Runs the real client (sync, then async) for N signed searches three ways:

* ``fake``:  ``FakeGateway().transport()`` — signature checked, search run, page rendered;
* ``respx``: respx answering the same URL with the bytes the fake gave;
* ``asgi``:  (async only) the Starlette adapter over ``httpx.ASGITransport``.

Prints the median and p95 per call and the fake/respx ratio (goal: <= 1.5x).
Not a test: run it by hand, ``.venv/bin/python bench/bench_inprocess.py [N] [top|aop]``.

``top`` (the default) searches the TOP router by the photo's base64; ``aop``
searches the 1688 Open Platform by the imageId of the photo's upload (the
upload itself happens once, before timing), ``_aop_signature`` checked.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import respx
from fake1688 import FakeGateway

from pailitao import AsyncPailitaoClient, PailitaoClient
from pailitao.wire import aop, in_process_url

KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"


class Setup:
    """What one dialect's rows need: client settings, the search's arguments, its URL."""

    def __init__(self, dialect: str, gateway: FakeGateway, photo: bytes) -> None:
        self.options: dict[str, Any] = {"app_key": KEY, "app_secret": SECRET}
        if dialect == "aop":
            base = in_process_url("aop")
            self.options.update(dialect="aop", access_token=TOKEN, base_url=base)
            with PailitaoClient(transport=gateway.transport(), **self.options) as client:
                self.search: dict[str, Any] = {"imgid": client.upload_image(photo)}
            path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY)
            self.url = path.url(base)
        else:
            self.options["base_url"] = self.url = in_process_url("top")
            self.search = {"file": photo}


def _summary(name: str, samples: list[float]) -> float:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95)]
    print(f"  {name:<22} median {median * 1e6:7.1f} µs   p95 {p95 * 1e6:7.1f} µs")
    return median


def _time_sync(call: Callable[[], object], n: int) -> list[float]:
    for _ in range(50):  # warm caches and imports
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


async def _time_async(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    for _ in range(50):
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


def _sync(gateway: FakeGateway, setup: Setup, answer: bytes, n: int) -> tuple[float, float]:
    print("sync PailitaoClient.search_image")
    with PailitaoClient(transport=gateway.transport(), **setup.options) as client:
        fake = _summary(
            "fake transport", _time_sync(lambda: client.search_image(**setup.search), n)
        )
    with respx.mock(assert_all_called=False) as router:
        router.post(setup.url).mock(return_value=_canned(answer))
        with PailitaoClient(**setup.options) as client:
            mocked = _summary("respx", _time_sync(lambda: client.search_image(**setup.search), n))
    return fake, mocked


async def _async(gateway: FakeGateway, setup: Setup, answer: bytes, n: int) -> tuple[float, float]:
    print("async AsyncPailitaoClient.search_image")
    transports: list[tuple[str, httpx.AsyncBaseTransport]] = [
        ("fake async transport", gateway.async_transport()),
        ("asgi (Starlette)", httpx.ASGITransport(app=gateway.asgi_app)),
    ]
    medians = []
    for name, transport in transports:
        async with AsyncPailitaoClient(transport=transport, **setup.options) as client:
            samples = await _time_async(lambda: client.search_image(**setup.search), n)
            medians.append(_summary(name, samples))
    with respx.mock(assert_all_called=False) as router:
        router.post(setup.url).mock(return_value=_canned(answer))
        async with AsyncPailitaoClient(**setup.options) as client:
            samples = await _time_async(lambda: client.search_image(**setup.search), n)
            mocked = _summary("respx", samples)
    return medians[0], mocked


class _Keep(httpx.BaseTransport):
    """A transport that keeps the last answer's bytes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.last = inner, b""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.last = response.read()
        return response


def _canned(answer: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=answer, headers={"content-type": "application/json;charset=UTF-8"}
    )


def main() -> None:
    """Run both comparisons and print the ratios."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    dialect = sys.argv[2] if len(sys.argv) > 2 else "top"
    started = time.perf_counter()
    gateway = FakeGateway()
    catalog = gateway.catalog
    photo = catalog.image_bytes(catalog.offers[0])  # type: ignore[attr-defined]
    print(f"catalog ready in {time.perf_counter() - started:.2f} s; photo {len(photo):,} bytes")
    setup = Setup(dialect, gateway, photo)
    keep = _Keep(gateway.transport())
    with PailitaoClient(transport=keep, **setup.options) as client:
        client.search_image(**setup.search)
    answer = keep.last
    print(f"{dialect}: answer {len(answer):,} bytes; {n} calls per row\n")
    fake, mocked = _sync(gateway, setup, answer, n)
    print(f"  ratio fake/respx: {fake / mocked:.2f}x  (goal <= 1.5x)\n")
    afake, amocked = asyncio.run(_async(gateway, setup, answer, n))
    print(f"  ratio fake/respx: {afake / amocked:.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
