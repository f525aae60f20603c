"""Faults survived: the client's iter_search against the fake misbehaving on purpose.

HTTP 5xx, dropped connections, truncated JSON and code 7 are retried, and every
item of the result set still comes back exactly once, in the fault-free order.
When the faults never stop, the client gives up with a clear error. Nothing
sleeps for real: waits are recorded (or advance the fake's clock).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fake1688 import BASE_URL, FakeGateway, Fault, RateLimits

from pailitao import (
    AsyncPailitaoClient,
    HTTPStatusError,
    NetworkError,
    PailitaoClient,
    RateLimitError,
    RetryPolicy,
)

RETRY = RetryPolicy(max_attempts=12, backoff=0.0, max_backoff=0.0, jitter=0.0)
FAULTS = [
    Fault(kind="http_error", status=502, probability=0.12),
    Fault(kind="http_error", status=503, body="envelope", probability=0.05),
    Fault(kind="connection_reset", probability=0.12),
    Fault(kind="truncated_json", probability=0.12),
    Fault(kind="platform_error", code=7, probability=0.12),
]


class _Clock:
    def __init__(self) -> None:
        self.now = 1_764_300_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    """A clock that a gateway and a client share; waits move it on."""
    return _Clock()


@pytest.fixture(scope="module")
def fake() -> FakeGateway:
    return FakeGateway(seed=0, fault_seed=11)


@pytest.fixture
def gateway(fake: FakeGateway) -> FakeGateway:
    fake.reset()
    fake.faults.reseed(11)
    return fake


def make_client(gateway: FakeGateway, waits: list[float], **options: Any) -> PailitaoClient:
    return PailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",
        base_url=BASE_URL,
        transport=gateway.transport(),
        sleep=waits.append,
        **{"retry": RETRY, **options},
    )


def make_async_client(gateway: FakeGateway, waits: list[float]) -> AsyncPailitaoClient:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return AsyncPailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",
        base_url=BASE_URL,
        transport=gateway.async_transport(),
        retry=RETRY,
        sleep=sleep,
    )


def query(gateway: FakeGateway) -> dict[str, Any]:
    return {"imgid": gateway.catalog.offers[5].pic_url, "page_size": 20}


def fault_free(gateway: FakeGateway) -> list[str]:
    with make_client(gateway, []) as client:
        ids = [item.num_iid for item in client.iter_search(**query(gateway))]
    gateway.reset()
    gateway.faults.reseed(11)
    return ids


def injected(gateway: FakeGateway) -> Counter[str]:
    return Counter(entry.fault.split()[0] for entry in gateway.journal if entry.fault)


def test_sync_iter_search_returns_every_item_once_through_faults(gateway: FakeGateway) -> None:
    expected = fault_free(gateway)
    assert len(expected) == len(set(expected)) > 100
    for fault in FAULTS:
        gateway.faults.add(fault)
    waits: list[float] = []
    with make_client(gateway, waits) as client:
        got = [item.num_iid for item in client.iter_search(**query(gateway))]
    assert got == expected
    kinds = injected(gateway)
    assert set(kinds) == {"http_error", "connection_reset", "truncated_json", "platform_error"}
    assert waits.count(1.0) == kinds["platform_error"]  # the ban of each code 7 is honoured
    assert len(waits) == sum(kinds.values())


@pytest.mark.asyncio
async def test_async_iter_search_returns_every_item_once_through_faults(
    gateway: FakeGateway,
) -> None:
    expected = fault_free(gateway)
    for fault in FAULTS:
        gateway.faults.add(fault)
    waits: list[float] = []
    async with make_async_client(gateway, waits) as client:
        got = [item.num_iid async for item in client.iter_search(**query(gateway))]
    assert got == expected
    assert len(waits) == sum(injected(gateway).values()) > 5


def test_the_client_gives_up_when_the_faults_never_stop(gateway: FakeGateway) -> None:
    gateway.faults.add(Fault(kind="http_error", status=503))
    waits: list[float] = []
    retry = RetryPolicy(max_attempts=4, backoff=0.0, max_backoff=0.0, jitter=0.0)
    with make_client(gateway, waits, retry=retry) as client:
        with pytest.raises(HTTPStatusError, match="HTTP 503 from the gateway") as failure:
            list(client.iter_search(**query(gateway)))
    assert failure.value.__notes__ == ["pailitao: gave up after 4 attempts"]
    assert len(gateway.journal) == 4
    assert waits == [0.0, 0.0, 0.0]


@pytest.mark.asyncio
async def test_the_async_client_gives_up_on_endless_resets(gateway: FakeGateway) -> None:
    gateway.faults.add(Fault(kind="connection_reset", method="1688.items.search.img"))
    waits: list[float] = []
    async with make_async_client(gateway, waits) as client:
        with pytest.raises(NetworkError, match="Server disconnected without sending") as failure:
            [item async for item in client.iter_search(**query(gateway))]
    assert failure.value.__notes__ == ["pailitao: gave up after 12 attempts"]


def test_a_real_rate_limit_is_waited_out_on_the_fake_clock(clock: _Clock) -> None:
    gateway = FakeGateway(seed=0, clock=clock, limits=RateLimits(qps=2))
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    client = PailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",
        base_url=BASE_URL,
        transport=gateway.transport(),
        retry=RETRY,
        clock=clock,
        sleep=wait,
    )
    with client:
        pages = [client.search_image(**query(gateway), page=page) for page in (1, 2, 3, 4, 5)]
    assert [page.page for page in pages] == [1, 2, 3, 4, 5]
    assert waits == [1.0, 1.0]  # calls 3 and 5 met the limit and waited out its ban
    limited = gateway.journal.calls("1688.items.search.img")
    assert [entry.code for entry in limited] == [0, 0, 7, 0, 0, 7, 0]


def test_without_retries_the_ban_is_reported(clock: _Clock) -> None:
    gateway = FakeGateway(seed=0, clock=clock, limits=RateLimits(daily_quota=1))
    with make_client(gateway, [], retry=RetryPolicy.disabled(), clock=clock) as client:
        client.search_image(**query(gateway))
        with pytest.raises(RateLimitError) as failure:
            client.search_image(**query(gateway))
    assert failure.value.sub_code == "accesscontrol.limited-by-app-access-count"
    assert failure.value.retry_after == 45_600  # 11:20 to midnight GMT+8
