"""Every answer the fake gives, to any request Hypothesis makes up, meets the contract."""

import base64
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from hypothesis import event, given, note
from hypothesis import strategies as st

from pailitao.contract.check import check_recorded
from pailitao.contract.sources import Recorded
from pailitao.strategies import images
from pailitao.wire import signing

URL = "http://fake1688/openapi/router/rest"
SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


@pytest.fixture(scope="module")
def http(gateway: FakeGateway) -> httpx.Client:
    with httpx.Client(transport=gateway.transport()) as client:
        yield client


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Good values three times in four: enough successes, and every error still reached."""
    # Not one_of(good, good, good, bad): one_of merges identical branches.
    # The middle value: Hypothesis draws the bounds of a range more often.
    return st.integers(0, 3).flatmap(lambda pick: bad if pick == 1 else good)


def sources(gateway: FakeGateway) -> st.SearchStrategy[dict[str, str]]:
    """Image sources, good and bad: catalog URLs and bytes, tiny images, junk, none, two."""
    offers = gateway.catalog.offers[:40]
    pic = st.sampled_from([o.pic_url for o in offers])
    photo = st.sampled_from(offers[:3]).map(lambda o: _b64(gateway.catalog.image_bytes(o)))
    good = st.one_of(
        pic.map(lambda url: {"imageUrl": url}),
        photo.map(lambda text: {"image": text}),
        images().map(lambda data: {"image": _b64(data)}),
    )
    junk = ["!!!", _b64(b"hello, not an image"), "", "data:image/png;base64,AA"]
    bad = st.one_of(
        st.sampled_from(junk).map(lambda text: {"image": text}),
        st.just({"imageUrl": "https://example.com/photo.jpg"}),
        st.just({"imgid": "https://cbu01.alicdn.com/img/ibank/unknown.jpg"}),
        st.just({}),
        st.tuples(good, good).map(lambda pair: {**pair[0], "imgid": "x", **pair[1]}),
    )
    return mostly(good, bad)


def search_args() -> st.SearchStrategy[dict[str, str]]:
    text = st.text(max_size=6)
    money = st.integers(0, 20000).map(lambda f: f"{f // 100}.{f % 100:02d}")
    sorts = ["relevance", "price_asc", "price_desc", "sales_desc", "sales_asc", "bid2", "_bid2",
             "sale", "_sale"]  # fmt: skip
    values = {
        "sort": mostly(st.sampled_from(sorts), text),
        "page": mostly(st.integers(1, 12).map(str), st.integers(-1, 0).map(str) | text),
        "page_size": mostly(st.integers(1, 50).map(str), st.sampled_from(["0", "51"]) | text),
        "cat": mostly(st.sampled_from(["10166", "1035", "1040", "1801"]), st.just("999") | text),
        "start_price": mostly(money, text),
        "end_price": mostly(money, text),
    }
    return st.fixed_dictionaries({}, optional=values)


@st.composite
def calls(draw: st.DrawFn, gateway: FakeGateway) -> tuple[str, dict[str, str]]:
    method = draw(mostly(st.sampled_from([SEARCH, SEARCH, UPLOAD]), st.just("1688.items.other")))
    params = {"method": method, "v": "2.0", "format": "json", **draw(search_args())}
    params.update(draw(sources(gateway)))
    params.update(
        app_key="test_app_key",
        timestamp=signing.format_timestamp(),
        sign_method=draw(st.sampled_from(signing.SIGN_METHODS)),
    )
    params["sign"] = signing.sign(params, "test_app_secret", params["sign_method"])
    tamper = draw(mostly(st.just("none"), st.sampled_from(["sign", "app_key", "timestamp", "v"])))
    if tamper == "sign":
        params["sign"] = "0" * 32
    elif tamper == "app_key":
        params["app_key"] = "unknown_app"
    elif tamper == "timestamp":
        params["timestamp"] = "2001-01-01 00:00:00"
    elif tamper == "v":
        del params["v"]
    return draw(st.sampled_from(["POST", "GET"])), params


def assert_meets_contract(response: httpx.Response) -> dict[str, Any]:
    found = check_recorded(Recorded("fake", 0, response.content, response.status_code))
    assert [str(f) for f in found] == []
    return response.json()


@given(data=st.data())
def test_every_answer_meets_the_contract(
    gateway: FakeGateway, http: httpx.Client, data: st.DataObject
) -> None:
    verb, params = data.draw(calls(gateway))
    note(f"{verb} {params}")
    response = http.post(URL, data=params) if verb == "POST" else http.get(URL, params=params)
    answer = assert_meets_contract(response)
    error = answer.get("error_response")
    event(f"{error['code']} {error['sub_code']}" if error else next(iter(answer)))
    upload = answer.get("1688_upload_img_response")
    if upload is not None:  # search by the imgid just issued, as a client would
        follow = {"method": SEARCH, "v": "2.0", "format": "json", "app_key": "test_app_key"}
        follow |= {
            "imgid": upload["items"]["item"]["name"],
            "timestamp": signing.format_timestamp(),
        }
        follow["sign"] = signing.sign(follow, "test_app_secret")
        assert "1688_items_search_img_response" in assert_meets_contract(
            http.post(URL, data=follow)
        )


def test_the_generator_reaches_every_envelope(gateway: FakeGateway, http: httpx.Client) -> None:
    # A fixed tour, so the property above is known to cover all three envelopes.
    seen = set()
    for params in (
        {"method": SEARCH, "imageUrl": gateway.catalog.offers[0].pic_url},
        {"method": UPLOAD, "image": _b64(gateway.catalog.image_bytes(gateway.catalog.offers[0]))},
        {"method": SEARCH},
    ):
        params |= {"v": "2.0", "format": "json", "app_key": "test_app_key"}
        params["timestamp"] = signing.format_timestamp()
        params["sign"] = signing.sign(params, "test_app_secret")
        seen |= set(assert_meets_contract(http.post(URL, data=params)))
    assert seen == {"1688_items_search_img_response", "1688_upload_img_response", "error_response"}
