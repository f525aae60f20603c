"""State shared in a real Redis: two gateways (two workers) that answer as one fake.

Each gateway has its own connection to a redis-server this module starts on a free
loopback port (persistence off); the database is emptied before each test.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, FakeRequest, RateLimits, UploadLimits
from fake1688.engine.errors import StateUnavailable
from fake1688.engine.shared import RedisState, shown_url
from fake1688.engine.store import Image, UploadStore
from hypothesis import given, settings
from hypothesis import strategies as st

from ..conftest import KEY, NOW, URL, b64, signed, system_params
from ..redis_server import RedisServer, running_redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


#: The states the gateways of a test use: closed after it, so no thread of theirs
#: writes into the next test's database, or keeps calling a Redis the test stopped
#: (a later test that blocks the network in this process would meet its calls).
_opened: list[RedisState] = []


@pytest.fixture(autouse=True)
def _close_states() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


@pytest.fixture
def url(redis_server: RedisServer) -> str:
    RedisState(redis_server.url).redis.flushdb()
    return redis_server.url


def worker(catalog: Any, url: str, **options: Any) -> FakeGateway:
    """A gateway as one worker of `fake1688 serve --state URL` builds it."""
    options.setdefault("clock", lambda: NOW)
    state = RedisState(url)
    _opened.append(state)
    return FakeGateway(catalog=catalog, state=state, **options)


@pytest.fixture
def workers(catalog: Any, url: str) -> tuple[FakeGateway, FakeGateway]:
    return worker(catalog, url), worker(catalog, url)


def post(gateway: FakeGateway, **params: str) -> dict[str, Any]:
    with httpx.Client(transport=gateway.transport()) as client:
        answer = client.post(URL, data=signed(system_params(**params)))
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def search(gateway: FakeGateway, **params: str) -> dict[str, Any]:
    return post(gateway, page_size="1", **params)


def failed(answer: dict[str, Any]) -> bool:
    return "error_response" in answer


# -- uploads ----------------------------------------------------------------------------


def test_an_image_uploaded_through_one_worker_is_searched_through_the_other(
    workers: tuple[FakeGateway, FakeGateway], photo: bytes, catalog: Any
) -> None:
    first, second = workers
    uploaded = post(first, method="1688.upload.img", image=b64(photo))
    imgid = uploaded["1688_upload_img_response"]["items"]["item"]["name"]
    found = search(second, imgid=imgid)
    item = found["1688_items_search_img_response"]["items"]["item"][0]
    assert item["num_iid"] == catalog.offers[0].num_iid
    assert second.store.peek(imgid) == Image.of(photo)
    assert (len(first.store), first.store.total_bytes) == (1, len(photo))


def test_whether_a_search_by_an_upload_may_decode_is_told_without_asking_redis(
    workers: tuple[FakeGateway, FakeGateway], photo: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The HTTP adapter asks on its event loop: a round trip there stalls every other
    # call of the worker. Unknown without one, the call goes to a worker thread.
    first, second = workers
    imgid = post(first, method="1688.upload.img", image=b64(photo))["1688_upload_img_response"][
        "items"
    ]["item"]["name"]
    search(second, imgid=imgid)  # the photo's fingerprint is known to this worker now
    asked: list[object] = []
    state = second.engine.store._state  # type: ignore[attr-defined]
    monkeypatch.setattr(state, "script", lambda *call: asked.append(call))
    monkeypatch.setattr(state, "batch", lambda *call: asked.append(call))
    request = FakeRequest("POST", "/router/rest", form=tuple(signed(
        system_params(imgid=imgid)).items()))  # fmt: skip
    assert second.engine.api.may_decode(request)
    assert asked == []


def test_an_unknown_imgid_is_unknown_to_every_worker(
    workers: tuple[FakeGateway, FakeGateway],
) -> None:
    missing = "https://cbu01.alicdn.com/img/ibank/O1CN01" + "a" * 22 + "_!!0-0-cib.jpg"
    for gateway in workers:
        assert failed(search(gateway, imgid=missing))
        assert gateway.store.get("1234567890123456789") is None
        assert gateway.store.get("not an imgid") is None


# Operations on a store: put image i, or get it by its imgid or its imageId.
operations = st.lists(
    st.tuples(st.sampled_from(["put", "get", "get_id", "peek"]), st.integers(0, 5)),
    max_size=25,
)
images = [Image.of(bytes([i]) * (10 + 7 * i)) for i in range(6)]


@settings(max_examples=40)
@given(ops=operations, max_images=st.integers(1, 4), max_bytes=st.integers(10, 120))
def test_the_shared_store_keeps_and_evicts_as_the_one_in_memory_does(
    redis_server: RedisServer, ops: list[tuple[str, int]], max_images: int, max_bytes: int
) -> None:
    state = RedisState(redis_server.url)
    state.redis.flushdb()
    limits = UploadLimits(max_images=max_images, max_bytes=max_bytes)
    shared, memory = state.uploads(limits), UploadStore(limits)
    names = {}
    for op, i in ops:
        if op == "put":
            names[i] = memory.put(images[i])
            assert shared.put(images[i]) == names[i]
        elif i in names:
            reference = names[i].image_id if op == "get_id" else names[i].url
            read = memory.peek if op == "peek" else memory.get
            read_shared = shared.peek if op == "peek" else shared.get
            assert read_shared(reference) == read(reference)
        assert (len(shared), shared.total_bytes) == (len(memory), memory.total_bytes)
    shared.clear()
    assert (len(shared), shared.total_bytes) == (0, 0)
    assert all(shared.peek(name.url) is None for name in names.values())


# -- rate limits, faults, journal ---------------------------------------------------------


def test_a_rate_limit_admits_its_calls_in_total_not_per_worker(
    workers: tuple[FakeGateway, FakeGateway], photo: bytes
) -> None:
    first, second = workers
    first.limits.set(RateLimits(qps=4))
    assert second.limits.to_dict()["default"] == {"qps": 4, "daily_quota": None}
    answers = [search(gateway, image=b64(photo)) for gateway in (first, second) * 5]
    assert sum(not failed(answer) for answer in answers) == 4
    refused = next(answer for answer in answers if failed(answer))
    assert refused["error_response"]["code"] == 7


def test_the_next_three_calls_fail_across_all_workers(
    workers: tuple[FakeGateway, FakeGateway], photo: bytes
) -> None:
    first, second = workers
    first.faults.next(3, "platform_error", code=10)
    assert second.faults.rules()[0]["remaining"] == 3
    answers = [search(gateway, image=b64(photo)) for gateway in (second, first) * 4]
    assert [failed(answer) for answer in answers] == [True] * 3 + [False] * 5
    assert first.faults.rules() == second.faults.rules() == []


def test_a_seeded_plan_faults_the_same_calls_on_every_run(
    catalog: Any, url: str, photo: bytes
) -> None:
    def run() -> list[bool]:
        RedisState(url).redis.flushdb()
        faults = [{"kind": "http_error", "status": 502, "probability": 0.5}]
        first, second = (worker(catalog, url, faults=faults, fault_seed=7) for _ in range(2))
        with (
            httpx.Client(transport=first.transport()) as a,
            httpx.Client(transport=second.transport()) as b,
        ):
            data = signed(system_params(image=b64(photo), page_size="1"))
            return [client.post(URL, data=data).status_code == 502 for client in (a, b) * 8]

    once = run()
    assert 2 <= sum(once) <= 14
    assert run() == once


def test_the_journal_holds_every_call_of_every_worker_once_in_order(
    catalog: Any, url: str, photo: bytes
) -> None:
    ticks = itertools.count()
    first, second = (worker(catalog, url, clock=lambda: NOW + next(ticks) / 1000) for _ in "ab")
    answers = [search(gateway, image=b64(photo), page=str(n)) for n, gateway in
               enumerate((first, second) * 3, start=1)]  # fmt: skip
    entries = first.journal.entries()
    assert entries == second.journal.entries()
    assert [entry.params["page"] for entry in entries] == ["1", "2", "3", "4", "5", "6"]
    assert sorted(entry.seq for entry in entries) == [1, 2, 3, 4, 5, 6]
    ids = [a["1688_items_search_img_response"]["request_id"] for a in answers]
    assert [entry.request_id for entry in entries] == ids
    assert entries[0].params["app_key"] != KEY  # masked, as in memory
    assert {entry.params["sign"] for entry in entries} == {"<redacted>"}
    assert second.journal.last() == entries[-1]
    items = [a["1688_items_search_img_response"]["items"]["item"] for a in answers]
    assert [entry.offers for entry in entries] == [tuple(i["num_iid"] for i in it) for it in items]
    assert {entry.image for entry in entries} == {hashlib.sha256(photo).hexdigest()}
    assert {entry.answer for entry in entries} == {None}  # kept by an in-memory journal only
    assert len(first.journal) == 6
    assert first.journal.nbytes > 0
    second.journal.assert_called("1688.items.search.img", times=6)


def test_the_journal_keeps_its_newest_entries(catalog: Any, url: str, photo: bytes) -> None:
    small = worker(catalog, url, journal_size=3)
    for page in range(1, 6):
        search(small, image=b64(photo), page=str(page))
    assert [entry.params["page"] for entry in small.journal.entries()] == ["3", "4", "5"]


def test_reset_through_one_worker_resets_them_all(
    workers: tuple[FakeGateway, FakeGateway], photo: bytes
) -> None:
    first, second = workers
    post(first, method="1688.upload.img", image=b64(photo))
    first.faults.next(1, "latency", delay=0.01)
    first.limits.set(RateLimits(daily_quota=100), app_key=KEY)
    second.reset()
    assert (len(first.store), len(first.journal), first.faults.rules()) == (0, 0, [])
    assert first.limits.to_dict() == {"default": {"qps": None, "daily_quota": None}, "apps": {}}


def test_workers_started_later_join_the_state_the_first_set_up(catalog: Any, url: str) -> None:
    faults = [{"kind": "platform_error", "code": 15, "times": 2}]
    first = worker(catalog, url, faults=faults, limits=RateLimits(qps=9))
    first.faults.add({"kind": "latency", "delay": 0.01})
    later = worker(catalog, url, faults=faults, limits=RateLimits(qps=9))
    assert len(later.faults) == 2  # joined: the added rule is still there
    assert later.limits.limits_for(KEY) == RateLimits(qps=9)
    later.faults.reseed(5)
    assert first.faults.seed == 5


# -- Redis lost and back -------------------------------------------------------------------


def test_redis_lost_gets_the_internal_error_envelope_within_a_second_and_recovers(
    catalog: Any, tmp_path: Path, photo: bytes
) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        gateway = worker(catalog, server.url)
        assert not failed(search(gateway, image=b64(photo)))
        server.stop()
        lost = time.perf_counter()
        while not failed(answer := search(gateway, image=b64(photo))):
            assert time.perf_counter() - lost < 1.0, "a call in the gap was served"
        error = answer["error_response"]
        assert (error["code"], error["sub_code"]) == (15, "isp.remote-service-error")
        assert f"the shared state at {server.url} is unreachable" in error["sub_msg"]
        server.start()  # the same port: the fake serves again, with no restart
        back = time.perf_counter()
        while failed(search(gateway, image=b64(photo))):
            assert time.perf_counter() - back < 2.0, "the fake did not recover"
        codes = [entry.code for entry in gateway.journal.entries()]
        assert codes[-1] == 0
        assert 15 in codes  # the gap's calls, kept while Redis was away
    finally:
        server.stop()


def test_a_peek_while_redis_is_lost_advises_nothing_and_the_call_gets_the_envelope(
    catalog: Any, tmp_path: Path, photo: bytes
) -> None:
    # The HTTP adapter peeks (may this call decode?) before the pipeline runs: a peek
    # that raised escaped the pipeline, unjournaled, as a traceback in the server's log.
    server = RedisServer(tmp_path)
    server.start()
    try:
        gateway = worker(catalog, server.url)
        imgid = post(gateway, method="1688.upload.img", image=b64(photo))[
            "1688_upload_img_response"
        ]["items"]["item"]["name"]
        assert gateway.engine.store.peek(imgid) is not None
        server.stop()
        assert gateway.engine.store.peek(imgid) is None
        request = FakeRequest("POST", "/router/rest", form=tuple(signed(
            system_params(imgid=imgid)).items()))  # fmt: skip
        assert gateway.engine.api.may_decode(request)  # unknown: the pipeline decides
        error = search(gateway, imgid=imgid)["error_response"]
        assert (error["code"], error["sub_code"]) == (15, "isp.remote-service-error")
        assert f"the shared state at {server.url} is unreachable" in error["sub_msg"]
    finally:
        server.stop()


def test_an_unreachable_state_names_its_url_without_the_password() -> None:
    state = RedisState("redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(StateUnavailable) as caught:
        state.check()
    assert "redis://:***@127.0.0.1:1/0" in str(caught.value)
    assert "hunter2" not in str(caught.value) + repr(state)
    assert shown_url("redis://127.0.0.1:6379/2") == "redis://127.0.0.1:6379/2"
    assert shown_url("redis://me:pw@host/0") == "redis://me:***@host/0"
    with pytest.raises(ValueError, match="is not a Redis URL"):
        RedisState("http://127.0.0.1:6379")
