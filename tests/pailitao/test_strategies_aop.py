"""The public AOP strategies: parser-accepted, schema-valid, verifiable, and the fake agrees."""

import hashlib
import hmac
import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pailitao import (
    ApiError,
    InvalidArgumentsError,
    ServerError,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from pailitao.contract.check import check_recorded
from pailitao.contract.sources import Recorded
from pailitao.errors import api_error
from pailitao.models import Item
from pailitao.strategies import (
    AopRequest,
    aop_business_error_payloads,
    aop_gateway_error_payloads,
    aop_offers,
    aop_search_pages,
    aop_search_payloads,
    aop_upload_payloads,
    signed_aop_params,
    signed_aop_requests,
)
from pailitao.wire import aop

SECRET, KEY, TOKEN = "test_app_secret", "test_app_key", "test_access_token"
FAKE_URL = "http://fake1688.test/openapi"
SEARCH_PATH = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY)
EXAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "payloads"
    / ("aop_1688_product.search.imageQuery_doc_output_example.json")
)
#: Every documented key of an offer, in the official output example's order.
DOCUMENTED = list(json.loads(EXAMPLE.read_text("utf-8"))["result"]["result"]["data"][0])


def reference_signature(signed_path: str, params: dict[str, str], secret: str) -> str:
    """HMAC-SHA1 as the platform's signature page publishes it, written out here on purpose.

    ``urlPath`` from ``param2`` on, then each ``key + value`` (every param but the
    signature), the joined strings sorted; upper-case hex. Independent of
    ``pailitao.wire.aop``, so a bug there cannot hide itself.
    """
    joined = sorted(key + value for key, value in params.items() if key != "_aop_signature")
    message = (signed_path.lstrip("/") + "".join(joined)).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).hexdigest().upper()


def failures(payload: dict[str, Any], status: int | None = None) -> list[str]:
    """Every contract check (schema and parser) on a payload, as report lines."""
    raw = json.dumps(payload, ensure_ascii=False)
    return [str(f) for f in check_recorded(Recorded("drawn", 0, raw, status))]


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


@pytest.fixture(scope="module")
def http(gateway: FakeGateway) -> httpx.Client:
    with httpx.Client(transport=gateway.transport()) as client:
        yield client


# -- answers ------------------------------------------------------------------


@given(aop_search_payloads())
def test_search_payloads_pass_schema_and_parser(payload: dict[str, Any]) -> None:
    assert failures(payload) == []
    page = parse_search_response(payload)
    body = payload["result"]["result"]
    assert [item.num_iid for item in page.items] == [str(o["offerId"]) for o in body["data"]]
    assert page.page == body["currentPage"]
    assert page.page_count == body.get(
        "totalPage", math.ceil(body["totalRecords"] / body["pageSize"])
    )
    assert all(item.aop is not None for item in page.items)
    assert page.aop is not None


@given(aop_offers(optional=False, extras=False))
def test_offers_carry_every_documented_field_in_order(offer: dict[str, Any]) -> None:
    assert list(offer) == DOCUMENTED
    item = Item.model_validate(offer)
    assert item.aop is not None
    assert item.aop.model_extra == {}
    assert item.price is not None
    assert item.pic_url == offer["imageUrl"]
    assert item.aop.sales_7d == int(offer["sales7d"])


@given(aop_offers())
def test_offers_round_trip_through_the_model(offer: dict[str, Any]) -> None:
    item = Item.model_validate(offer)
    assert Item.model_validate(item.to_payload()) == item
    assert {"offerId", "subject", "imageUrl", "priceInfo"} <= set(offer)


@given(aop_search_pages(min_offers=1, max_offers=3, page=1))
def test_narrowed_pages(body: dict[str, Any]) -> None:
    assert body["currentPage"] == 1
    assert 1 <= len(body["data"]) <= 3
    assert len({offer["offerId"] for offer in body["data"]}) == len(body["data"])


@given(aop_upload_payloads())
def test_upload_payloads_name_the_image_id(payload: dict[str, Any]) -> None:
    assert failures(payload) == []
    assert parse_upload_response(payload) == payload["result"]["result"]


@given(aop_business_error_payloads())
def test_business_errors_raise_their_class(payload: dict[str, Any]) -> None:
    assert failures(payload) == []
    expected = {"400": InvalidArgumentsError, "500": ServerError}[payload["result"]["code"]]
    assert type(parse_error_response(payload)) is expected
    with pytest.raises(expected):
        parse_search_response(payload)
    with pytest.raises(expected):
        parse_upload_response(payload)


@given(aop_business_error_payloads(codes={"E42"}))
def test_business_errors_with_other_codes(payload: dict[str, Any]) -> None:
    error = parse_error_response(payload)
    assert type(error) is ApiError
    assert error.code == "E42"


@given(aop_gateway_error_payloads())
def test_gateway_errors_raise_their_class_and_conform_with_their_status(
    payload: dict[str, Any],
) -> None:
    code = aop.GATEWAY_CODES[payload["error_code"]]
    assert failures(payload, code.status) == []
    expected = type(api_error(code.error_code, code.error_message))
    with pytest.raises(expected) as raised:
        parse_search_response(payload)
    assert raised.value.code == payload["error_code"]
    assert raised.value.sub_msg == (payload.get("exception") or None)
    event(expected.__name__)


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="0 <= min_offers <= max_offers <= 50"):
        aop_search_pages(max_offers=51)
    with pytest.raises(ValueError, match="codes must name at least one business code"):
        aop_business_error_payloads(codes=[])
    with pytest.raises(ValueError, match="codes must name at least one gateway code"):
        aop_gateway_error_payloads(codes=set())
    with pytest.raises(ValueError, match="secret must be a non-empty string"):
        signed_aop_params("", SEARCH_PATH)
    with pytest.raises(ValueError, match=r"path 'product\.search' names no API"):
        signed_aop_params(SECRET, "product.search")
    with pytest.raises(ValueError, match=r"api must be product\.search\.imageQuery or"):
        signed_aop_requests(SECRET, api="product.other")


# -- signed requests ----------------------------------------------------------------


@given(signed_aop_params("s3cr3t", f"/openapi/{SEARCH_PATH.signed}"))
def test_signed_params_match_the_reference_signature(params: dict[str, str]) -> None:
    assert params[aop.SIGNATURE] == reference_signature(SEARCH_PATH.signed, params, "s3cr3t")
    assert aop.verify(SEARCH_PATH.signed, params, "s3cr3t")
    assert not aop.verify(SEARCH_PATH.signed, params, "another_secret")
    query = json.loads(params[aop.SEARCH_PARAM])
    assert len({"imageId", "imageAddress"} & set(query)) == 1


@given(signed_aop_requests(SECRET))
def test_signed_requests_verify_over_their_own_path(call: AopRequest) -> None:
    assert call.params[aop.SIGNATURE] == reference_signature(call.path.signed, call.params, SECRET)
    other = call.path._replace(app_key=call.path.app_key + "0")
    assert call.params[aop.SIGNATURE] != reference_signature(other.signed, call.params, SECRET)
    param = aop.UPLOAD_PARAM if call.path.name == aop.UPLOAD_API else aop.SEARCH_PARAM
    assert set(call.params) - {aop.TIMESTAMP} == {aop.ACCESS_TOKEN, param, aop.SIGNATURE}
    assert call.url() == f"{aop.DEFAULT_BASE_URL}/{call.path.signed}"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_fake_accepts_every_drawn_request(
    gateway: FakeGateway, http: httpx.Client, data: st.DataObject
) -> None:
    urls = [offer.pic_url for offer in gateway.catalog.offers[:20]]
    drawn = signed_aop_requests(SECRET, app_key=KEY, access_token=TOKEN, image_urls=urls)
    request = data.draw(drawn)
    assert request.params[aop.SIGNATURE] == reference_signature(
        request.path.signed, request.params, SECRET
    )
    response = http.post(request.url(FAKE_URL), data=request.params)
    answer = response.json()
    assert response.status_code == 200, answer  # never a gateway refusal: no gw.Signature*
    assert "error_code" not in answer
    assert failures(answer, response.status_code) == []
    event("success" if answer["result"]["success"] is True else answer["result"]["code"])
