"""The resellers' strategies: every answer variant parses, every drawn request is served."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake1688 import FakeGateway
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pailitao import parse_search_response
from pailitao.errors import ApiError
from pailitao.models import parse_error_response, parse_upload_response
from pailitao.strategies import (
    ResellerRequest,
    reseller_error_payloads,
    reseller_requests,
    reseller_search_payloads,
    reseller_upload_payloads,
)
from pailitao.wire import reseller

KEY, SECRET = "test_app_key", "test_app_secret"
FAKE_URL = "http://fake1688.test"
#: The envelope's fields, in the order resellers send them.
FIELDS = [
    "items",
    "error_code",
    "reason",
    "error",
    "cache",
    "api_info",
    "execution_time",
    "server_time",
    "call_args",
    "api_type",
    "translate_language",
    "request_id",
]


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


@pytest.fixture(scope="module")
def http(gateway: FakeGateway) -> Iterator[httpx.Client]:
    with httpx.Client(transport=gateway.transport()) as client:
        yield client


@given(reseller_search_payloads())
def test_every_search_variant_parses(payload: dict[str, object]) -> None:
    assert list(payload) == FIELDS
    page = parse_search_response(payload)
    items = payload["items"]
    assert isinstance(items, dict)
    assert page.page == int(items["page"])
    assert page.page_count == items.get("pagecount", items.get("page_count"))
    for item, parsed in zip(items["item"], page.items, strict=True):
        assert parsed.num_iid == str(item["num_iid"])
        rate = item.get("turnHead", item.get("turn_head", item.get("tag_percent")))
        assert parsed.turn_head == rate
        event("pagecount" if "pagecount" in items else "page_count")


def test_every_variant_is_drawn() -> None:
    seen: set[str] = set()

    @settings(max_examples=200)
    @given(reseller_search_payloads())
    def collect(payload: dict[str, object]) -> None:
        items = payload["items"]
        assert isinstance(items, dict)
        seen.update(key for key in ("pagecount", "page_count") if key in items)
        seen.add(f"page:{type(items['page']).__name__}")
        for item in items["item"]:
            seen.update(k for k in ("turnHead", "turn_head", "tag_percent") if k in item)
            seen.add(f"num_iid:{type(item['num_iid']).__name__}")

    collect()
    assert seen >= {
        "pagecount",
        "page_count",
        "page:int",
        "page:str",
        "turnHead",
        "turn_head",
        "tag_percent",
        "num_iid:int",
        "num_iid:str",
    }


@given(reseller_upload_payloads())
def test_every_upload_parses(payload: dict[str, object]) -> None:
    assert list(payload) == FIELDS
    assert parse_upload_response(payload).startswith("https://")


@given(reseller_error_payloads())
def test_every_error_is_an_api_error(payload: dict[str, object]) -> None:
    assert "items" not in payload
    error = parse_error_response(payload)
    assert isinstance(error, ApiError)
    assert error.sub_code == payload["error_code"]


def test_the_strategies_refuse_bad_arguments() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        reseller_requests("", SECRET)
    with pytest.raises(ValueError, match="api must be"):
        reseller_requests(KEY, SECRET, api="item_get")
    with pytest.raises(ValueError, match="published"):
        reseller_error_payloads(codes={"0000"})


@given(reseller_requests(KEY, SECRET))
def test_a_drawn_request_carries_the_credentials(request: ResellerRequest) -> None:
    assert request.params["key"] == KEY
    assert request.params["secret"] == SECRET
    assert request.url() == f"{reseller.DEFAULT_BASE_URL}/1688/{request.api}/"
    assert ("imgcode" in request.params) == (request.api == reseller.UPLOAD_API)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_fake_serves_every_drawn_request(
    gateway: FakeGateway, http: httpx.Client, data: st.DataObject
) -> None:
    urls = [offer.pic_url for offer in gateway.catalog.offers[:20]]
    request = data.draw(reseller_requests(KEY, SECRET, image_urls=urls))
    response = http.get(request.url(FAKE_URL), params=request.params)
    assert response.status_code == 200
    answer = response.json()
    assert answer["error_code"] in {reseller.SUCCESS_CODE, "2000", "4003"}, answer
    event(answer["error_code"])
    if answer["error_code"] == reseller.SUCCESS_CODE and request.api == reseller.SEARCH_API:
        parse_search_response(answer)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=20)
@given(data=st.data())
def test_drawn_urls_are_answered_without_a_credential_error(
    http: httpx.Client, data: st.DataObject
) -> None:
    """Without catalog URLs the drawn pictures are unknown to the fake: never a 4005."""
    request = data.draw(reseller_requests(KEY, SECRET, api=reseller.SEARCH_API))
    answer = http.get(request.url(FAKE_URL), params=request.params).json()
    assert answer["error_code"] != "4005"
    event(answer["error_code"])
