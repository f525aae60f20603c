"""How much the in-process fake costs next to respx returning the same bytes.

Runs the real client (sync, then async) for N signed searches three ways:

* ``fake``:  ``FakeGateway().transport()`` — signature checked, search run, page rendered;
* ``respx``: respx answering the same URL with the bytes the fake gave;
* ``asgi``:  (async only) the Starlette adapter over ``httpx.ASGITransport``.

Prints the median and p95 per call and the fake/respx ratio (goal: <= 1.5x).
Not a test: run it by hand, ``.venv/bin/python bench/bench_inprocess.py [N]``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import httpx
import respx
from fake1688 import BASE_URL, FakeGateway

from pailitao import AsyncPailitaoClient, PailitaoClient

KEY, SECRET = "test_app_key", "test_app_secret"


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


def _sync(gateway: FakeGateway, photo: bytes, answer: bytes, n: int) -> tuple[float, float]:
    print("sync PailitaoClient.search_image")
    with PailitaoClient(
        app_key=KEY, app_secret=SECRET, base_url=BASE_URL, transport=gateway.transport()
    ) as client:
        fake = _summary("fake transport", _time_sync(lambda: client.search_image(file=photo), n))
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE_URL).mock(return_value=_canned(answer))
        with PailitaoClient(app_key=KEY, app_secret=SECRET, base_url=BASE_URL) as client:
            mocked = _summary("respx", _time_sync(lambda: client.search_image(file=photo), n))
    return fake, mocked


async def _async(gateway: FakeGateway, photo: bytes, answer: bytes, n: int) -> tuple[float, float]:
    print("async AsyncPailitaoClient.search_image")
    transports: list[tuple[str, httpx.AsyncBaseTransport]] = [
        ("fake async transport", gateway.async_transport()),
        ("asgi (Starlette)", httpx.ASGITransport(app=gateway.asgi_app)),
    ]
    medians = []
    for name, transport in transports:
        async with AsyncPailitaoClient(
            app_key=KEY, app_secret=SECRET, base_url=BASE_URL, transport=transport
        ) as client:
            medians.append(
                _summary(name, await _time_async(lambda: client.search_image(file=photo), n))
            )
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE_URL).mock(return_value=_canned(answer))
        async with AsyncPailitaoClient(app_key=KEY, app_secret=SECRET, base_url=BASE_URL) as client:
            mocked = _summary(
                "respx", await _time_async(lambda: client.search_image(file=photo), n)
            )
    return medians[0], mocked


def _canned(answer: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=answer, headers={"content-type": "application/json;charset=UTF-8"}
    )


def main() -> None:
    """Run both comparisons and print the ratios."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    started = time.perf_counter()
    gateway = FakeGateway()
    catalog = gateway.catalog
    photo = catalog.image_bytes(catalog.offers[0])  # type: ignore[attr-defined]
    print(f"catalog ready in {time.perf_counter() - started:.2f} s; photo {len(photo):,} bytes")
    with PailitaoClient(
        app_key=KEY, app_secret=SECRET, base_url=BASE_URL, transport=gateway.transport()
    ) as client:
        request, _ = client.build_request(
            "1688.items.search.img", {"page": "1", "page_size": "20"}, client.prepare_image(photo)
        )
        answer = httpx.Client(transport=gateway.transport()).send(request).content
    print(f"answer {len(answer):,} bytes; {n} calls per row\n")
    fake, mocked = _sync(gateway, photo, answer, n)
    print(f"  ratio fake/respx: {fake / mocked:.2f}x  (goal <= 1.5x)\n")
    afake, amocked = asyncio.run(_async(gateway, photo, answer, n))
    print(f"  ratio fake/respx: {afake / amocked:.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
