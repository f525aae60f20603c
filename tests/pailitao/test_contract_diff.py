"""`contract diff`: recorded requests replayed against the in-process fake."""

from pathlib import Path

import pytest
from fake1688 import FakeGateway

from pailitao.contract.allow import AllowList
from pailitao.contract.replay import (
    diff_cassettes,
    recorded_params,
    resign,
)
from pailitao.contract.sources import RecordedRequest
from pailitao.wire import signing

DATA = Path(__file__).parent / "data" / "contract"
P = "search: $['1688_items_search_img_response'].items.item[]"


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


def test_good_cassettes_do_not_drift(gateway: FakeGateway) -> None:
    report = diff_cassettes([DATA / "good"], gateway)
    good = DATA / "good"
    assert report.lines() == [
        f"skipped: {good}/answers.json:0: no request recorded to replay",
        f"skipped: {good}/answers.json:1: no request recorded to replay",
        f"skipped: {good}/search_and_error.yaml:1: recorded an error the fake cannot reproduce",
    ]
    assert report.summary == "compared 2 answers (3 skipped): no drift"
    assert report.drifting == []


def test_an_injected_drift_is_reported_by_shape(gateway: FakeGateway) -> None:
    report = diff_cassettes([DATA / "drift"], gateway)
    assert report.lines() == [
        f"{P}.area: extra: platform -, fake string",
        f"{P}.cat: extra: platform -, fake string:digits",
        f"{P}.is_tmall: missing: platform boolean, fake -",
        f"{P}.num_iid: type: platform integer, fake string:digits",
        f"{P}.price: type: platform number, fake string:price|string:price-range",
        f"{P}.sales: type: platform string:count, fake integer",
        f"{P}.seller_nick: extra: platform -, fake string",
        f"{P}.turnHead: extra: platform -, fake string:percent",
    ]
    assert report.summary == "compared 1 answer: 8 differences in shape, 0 allowed"


def test_the_allow_list_accepts_known_differences(gateway: FakeGateway, tmp_path: Path) -> None:
    allow = tmp_path / "allow.yaml"
    allow.write_text(
        "- {path: '$.1688_items_search_img_response.items.item[].*', kind: extra,"
        " reason: the recording predates these fields}\n"
        "- {path: '$.**', kind: type, reason: drift we live with}\n"
        "- {path: '$.**.is_tmall', reason: the platform's own flag}\n"
        "- {path: '$.nothing', reason: stale}\n"
    )
    report = diff_cassettes([DATA / "drift"], gateway, allow=AllowList.load(allow))
    assert report.drifting == []
    assert report.lines()[0] == (
        f"allowed: {P}.area: extra: platform -, fake string  "
        "[allowed: the recording predates these fields]"
    )
    assert report.lines()[-1] == "unused allow-list entry: $.nothing (any)"
    assert report.summary == "compared 1 answer: no drift outside the allow-list (8 allowed)"


def test_a_request_the_fake_refuses_is_an_envelope_drift(
    gateway: FakeGateway, tmp_path: Path
) -> None:
    cassette = (DATA / "good" / "search_and_error.yaml").read_text("utf-8")
    (tmp_path / "big.yaml").write_text(cassette.replace("page_size=20&", "page_size=80&"))
    report = diff_cassettes([tmp_path], gateway)
    assert report.lines()[0] == (
        f"{tmp_path}/big.yaml:0: $: envelope: platform 1688_items_search_img_response, fake "
        "error_response (41 Invalid Arguments page_size '80' is not a whole number from 1 to 50)"
    )
    assert report.summary == "compared 1 answer (1 skipped): 1 difference in shape, 0 allowed"


def test_unreadable_files_and_other_apis_are_skipped(gateway: FakeGateway, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("not: a cassette")
    (tmp_path / "b.yaml").write_text(
        "interactions:\n- request: {method: POST, uri: 'https://x/router/rest?method=1688.other'}\n"
        "  response: {body: {string: '{}'}}\n"
        "- request: {method: POST, uri: 'https://x/router/rest?method=1688.upload.img'}\n"
        "  response: {body: {string: '<html>'}}\n"
    )
    assert diff_cassettes([tmp_path], gateway).lines() == [
        f"skipped: {tmp_path}/a.yaml: not a vcrpy cassette: no top-level 'interactions' list",
        f"skipped: {tmp_path}/b.yaml:0: not a search or upload request",
        f"skipped: {tmp_path}/b.yaml:1: no JSON envelope recorded; see `contract check`",
    ]


def test_recorded_params_from_query_form_and_multipart() -> None:
    form = RecordedRequest(
        "POST",
        "https://x/openapi/router/rest?method=1688.items.search.img&v=2.0",
        {"Content-Type": ["application/x-www-form-urlencoded"]},
        "page=2&cat=&sort=_sale",
    )
    assert recorded_params(form) == {
        "method": "1688.items.search.img",
        "v": "2.0",
        "page": "2",
        "cat": "",
        "sort": "_sale",
    }
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="page_size"\r\n\r\n7\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--XyZ--\r\n"
    )
    multipart = RecordedRequest(
        "POST", "https://x/router/rest", {"content-type": "multipart/form-data; boundary=XyZ"}, body
    )
    assert recorded_params(multipart) == {"page_size": "7"}
    assert recorded_params(RecordedRequest("GET", "https://x/?a=1")) == {"a": "1"}
    canonical = RecordedRequest(
        "POST",
        "http://127.0.0.1:8688/openapi/router/rest",
        {
            "Content-Type": ["text/plain; charset=utf-8"],
            "X-Pailitao-Sent-As": ["multipart/form-data"],
        },
        "image=<image sha256=bcb9 size=6439 format=jpeg>\nmethod=1688.items.search.img\n"
        "note=two\\nlines\n",
    )
    assert recorded_params(canonical) == {
        "image": "<image sha256=bcb9 size=6439 format=jpeg>",
        "method": "1688.items.search.img",
        "note": "two\nlines",
    }


def test_resign_replaces_credentials_image_and_category() -> None:
    recorded = {
        "method": "1688.items.search.img",
        "app_key": "***",
        "sign": "***",
        "timestamp": "***",
        "session": "***",
        "cat": "10166",
        "imgid": "https://cbu01.alicdn.com/x.jpg",
        "image": "{sha256:9f2c,size:48211,format:jpeg}",
        "page": "3",
    }
    fresh = resign(recorded, {"imageUrl": "https://cbu01.alicdn.com/y.jpg"}, now=1_795_831_200.0)
    assert fresh == {
        "method": "1688.items.search.img",
        "page": "3",
        "imageUrl": "https://cbu01.alicdn.com/y.jpg",
        "app_key": "test_app_key",
        "sign_method": "md5",
        "timestamp": "2026-11-28 10:00:00",
        "sign": fresh["sign"],
    }
    assert signing.verify(fresh, "test_app_secret")
