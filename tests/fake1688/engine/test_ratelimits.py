"""Rate limits: QPS per app and API, the daily quota to midnight GMT+8, on the fake's clock."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fake1688 import App, FakeGateway, RateLimits
from fake1688.engine.ratelimits import ClockedStorage
from limits import RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter

from pailitao.wire import signing

#: 2025-11-28 11:20:00 GMT+8: 12 h 40 min = 45,600 s before midnight GMT+8.
NOW = 1_764_300_000.0
MIDNIGHT = NOW + 45_600
SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
APPS = [App("test_app_key", "test_app_secret"), App("other_app_key", "other_secret")]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def gw(catalog: Any, clock: Clock) -> FakeGateway:
    return FakeGateway(catalog=catalog, apps=APPS, clock=clock)


def send(gw: FakeGateway, clock: Clock, method: str = SEARCH, app: App = APPS[0]) -> dict[str, Any]:
    params = {
        "method": method,
        "app_key": app.app_key,
        "timestamp": signing.format_timestamp(clock.now, "millis"),
        "v": "2.0",
        "imgid": gw.catalog.offers[0].pic_url,
    }
    params["sign"] = signing.sign(params, app.app_secret)
    with httpx.Client(transport=gw.transport()) as http:
        answer = http.post("http://fake1688.test/router/rest", data=params)
    result: dict[str, Any] = json.loads(answer.content)
    return result


def limited(answer: dict[str, Any]) -> tuple[int, str, str]:
    error = answer["error_response"]
    return error["code"], error["sub_code"], error["sub_msg"]


def test_no_limits_by_default(gw: FakeGateway, clock: Clock) -> None:
    for _ in range(30):
        assert "1688_items_search_img_response" in send(gw, clock)
    assert gw.limits.to_dict() == {"default": {"qps": None, "daily_quota": None}, "apps": {}}


def test_the_call_past_the_qps_is_code_7_for_one_second(gw: FakeGateway, clock: Clock) -> None:
    gw.limits.set(RateLimits(qps=3))
    assert all("1688_items_search_img_response" in send(gw, clock) for _ in range(3))
    code, sub_code, sub_msg = limited(send(gw, clock))
    assert (code, sub_code) == (7, "accesscontrol.limited-by-api-access-count")
    assert sub_msg == (
        "This ban will last for 1 more seconds "
        "(1688.items.search.img allows 3 calls per second per app)"
    )
    assert limited(send(gw, clock, UPLOAD))[0] == 41  # another API has its own window
    clock.now += 0.5
    assert limited(send(gw, clock))[0] == 7
    clock.now += 0.5  # the first three calls leave the moving window
    assert "1688_items_search_img_response" in send(gw, clock)


def test_the_call_past_the_daily_quota_waits_until_midnight_gmt8(
    gw: FakeGateway, clock: Clock
) -> None:
    gw.limits.set(RateLimits(daily_quota=2))
    send(gw, clock)
    send(gw, clock, UPLOAD)  # the quota counts every API of the app
    code, sub_code, sub_msg = limited(send(gw, clock))
    assert (code, sub_code) == (7, "accesscontrol.limited-by-app-access-count")
    assert sub_msg.startswith("This ban will last for 45600 more seconds (the app's daily quota")
    clock.now = MIDNIGHT - 0.25
    assert limited(send(gw, clock))[2].startswith("This ban will last for 1 more seconds")
    clock.now = MIDNIGHT
    assert "1688_items_search_img_response" in send(gw, clock)
    journal = [(entry.code, entry.sub_code) for entry in gw.journal]
    assert journal[-2:] == [(7, "accesscontrol.limited-by-app-access-count"), (0, None)]


def test_limits_are_per_app_key(gw: FakeGateway, clock: Clock) -> None:
    gw.limits.set(RateLimits(qps=1))
    send(gw, clock)
    assert limited(send(gw, clock))[0] == 7
    assert "1688_items_search_img_response" in send(gw, clock, app=APPS[1])


def test_one_app_can_have_its_own_limits(gw: FakeGateway, clock: Clock) -> None:
    gw.limits.set(RateLimits(daily_quota=1), app_key="other_app_key")
    for _ in range(3):
        assert "1688_items_search_img_response" in send(gw, clock)
    send(gw, clock, app=APPS[1])
    assert limited(send(gw, clock, app=APPS[1]))[1] == "accesscontrol.limited-by-app-access-count"


def test_reset_forgets_counters_and_restores_the_built_limits(catalog: Any, clock: Clock) -> None:
    gw = FakeGateway(catalog=catalog, apps=APPS, clock=clock, limits=RateLimits(qps=1))
    send(gw, clock)
    assert limited(send(gw, clock))[0] == 7
    gw.limits.set(RateLimits(qps=100))
    gw.reset()
    assert gw.limits.limits_for("test_app_key") == RateLimits(qps=1)
    assert "1688_items_search_img_response" in send(gw, clock)
    gw.limits.clear()
    assert all("1688_items_search_img_response" in send(gw, clock) for _ in range(5))


def test_a_limited_call_never_reaches_the_handler(gw: FakeGateway, clock: Clock) -> None:
    gw.limits.set(RateLimits(qps=1))
    send(gw, clock, UPLOAD)
    send(gw, clock, UPLOAD)
    # 41: an imgid cannot be uploaded; the second call is limited before that check.
    assert [entry.code for entry in gw.journal] == [41, 7]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"qps": 0}, "qps must be a positive whole number or left out, not 0"),
        (
            {"daily_quota": "many"},
            "daily_quota must be a positive whole number or left out, not 'many'",
        ),
        ({"rps": 3}, "unknown rate-limit setting(s) ['rps']; use qps and daily_quota"),
    ],
)
def test_settings_are_validated(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        RateLimits.from_dict(settings).to_dict()


def test_the_storage_follows_the_injected_clock_with_the_library_strategy() -> None:
    clock = Clock(1000.0)
    limiter = MovingWindowRateLimiter(ClockedStorage(clock))
    item = RateLimitItemPerSecond(2)
    assert [limiter.hit(item, "app") for _ in range(2)] == [True, True]
    assert not limiter.hit(item, "app")
    assert limiter.get_window_stats(item, "app") == (1001.0, 0)
    clock.now = 1001.0
    assert limiter.hit(item, "app")
