"""The contract in the resellers' REST dialect: schemas, `contract check` and `contract diff`.

The cassettes are recorded here from real traffic: httpx GET calls (built here,
not with the client) to the fake served over HTTP by ThreadedServer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr as vcrpy
from fake1688 import FakeGateway
from fake1688.server import ThreadedServer
from hypothesis import given

from pailitao.contract.check import check_files, check_recorded, read_case, schema_problems
from pailitao.contract.envelopes import dialect_of, find_envelopes, reseller_api
from pailitao.contract.replay import diff_cassettes, reseller_params
from pailitao.contract.schemas import RESELLER_ERROR, RESELLER_SEARCH, RESELLER_UPLOAD
from pailitao.contract.sources import Recorded, RecordedRequest
from pailitao.recording import make_vcr
from pailitao.strategies import (
    reseller_error_payloads,
    reseller_search_payloads,
    reseller_upload_payloads,
)
from pailitao.wire import reseller

KEY, SECRET = "test_app_key", "test_app_secret"
NOW = 1_764_300_000.0


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0, clock=lambda: NOW)


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(FakeGateway(seed=0, clock=lambda: NOW)) as running:
        yield running


def calls(server: ThreadedServer, *, secret: str = SECRET) -> list[dict[str, Any]]:
    """Upload, search two pages, search with a filter that finds nothing, and a bad secret."""
    base = f"http://{server.host}:{server.port}"
    offer = server.gateway.catalog.offers[2]
    photo = base64.b64encode(server.gateway.catalog.image_bytes(offer)).decode()
    common = {"key": KEY, "secret": secret, "cache": "no", "result_type": "json", "lang": "cn"}
    answers = []
    with httpx.Client(base_url=base) as http:

        def send(api: str, **params: str) -> dict[str, Any]:
            answer: dict[str, Any] = http.get(
                reseller.api_path(api), params={**common, "api_name": api, **params}
            ).json()
            answers.append(answer)
            return answer

        hosted = send(reseller.UPLOAD_API, imgcode=photo)["items"]["item"]["name"]
        send(reseller.SEARCH_API, imgid=hosted, page="1", page_size="5")
        send(reseller.SEARCH_API, imgid=hosted, page="2", page_size="5", sort="_sale")
        send(reseller.SEARCH_API, imgid=hosted, start_price="99999999.00")
        send(reseller.SEARCH_API, imgid=hosted, secret="not_the_secret")
    return answers


def record(library: Path, server: ThreadedServer) -> Path:
    with make_vcr(
        secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=library
    ).use_cassette("reseller"):
        answers = calls(server)
    assert [a["error_code"] for a in answers] == ["0000", "0000", "0000", "2000", "4005"]
    return library / "reseller.yaml"


def test_a_recorded_reseller_cassette_conforms(tmp_path: Path, server: ThreadedServer) -> None:
    cassette = record(tmp_path, server)
    report = check_files([cassette])
    assert [str(f) for f in report.failures] == []
    assert report.answers == 5


def test_the_envelopes_are_named_by_path_and_by_shape(
    tmp_path: Path, server: ThreadedServer
) -> None:
    answers = calls(server)
    names = [find_envelopes(a) for a in answers]
    assert names == [
        [RESELLER_UPLOAD],
        [RESELLER_SEARCH],
        [RESELLER_SEARCH],
        [RESELLER_SEARCH],
        [RESELLER_ERROR],
    ]
    assert {dialect_of(name[0]) for name in names} == {"reseller"}
    # The path decides over the shape.
    assert find_envelopes(answers[0], reseller.SEARCH_API) == [RESELLER_SEARCH]
    for answer, expected in zip(answers, names, strict=True):
        uri = "http://h/1688/upload_img/" if expected == [RESELLER_UPLOAD] else "http://h/x"
        request = RecordedRequest("GET", uri)
        case = read_case(Recorded("a", 0, json.dumps(answer), 200, request))
        assert case.envelope == expected[0]
    assert reseller_api("http://h/1688/item_search_img/?key=k") == reseller.SEARCH_API
    assert reseller_api("http://h/1688/item_get/") is None


def test_top_and_aop_answers_are_not_taken_for_a_reseller_s() -> None:
    assert find_envelopes({"error_code": "gw.X", "error_message": "no"}) == ["aop_gateway_error"]
    assert find_envelopes({"items": {}, "request_id": "r"}) == []  # TOP simplify: unchanged
    assert find_envelopes({"error_code": "0000", "reason": "ok"}) == []


def test_schema_problems_name_the_field() -> None:
    bad = {"items": {"page": "x", "page_size": 5, "total_results": 1, "item": []}}
    problems = dict(schema_problems({**bad, "error_code": "0000"}, RESELLER_SEARCH))
    assert set(problems) == {"$.items", "$.items.page"}  # neither pagecount nor page_count
    fixed = {"items": {**bad["items"], "page": "1", "page_count": 1}, "error_code": "0000"}
    assert schema_problems(fixed, RESELLER_SEARCH) == []
    error = schema_problems({"error_code": "0000", "reason": "ok"}, RESELLER_ERROR)
    assert [path for path, _ in error] == ["$.error_code"]
    assert schema_problems({"error_code": "4005", "reason": "no"}, RESELLER_ERROR) == []


@given(reseller_search_payloads())
def test_every_drawn_search_conforms(payload: dict[str, Any]) -> None:
    assert check_recorded(Recorded("drawn", 0, json.dumps(payload), 200)) == []


@given(reseller_upload_payloads())
def test_every_drawn_upload_conforms(payload: dict[str, Any]) -> None:
    assert check_recorded(Recorded("drawn", 0, json.dumps(payload), 200)) == []


@given(reseller_error_payloads())
def test_every_drawn_error_conforms(payload: dict[str, Any]) -> None:
    assert check_recorded(Recorded("drawn", 0, json.dumps(payload), 200)) == []


def test_a_recorded_cassette_replays_against_the_fake_without_drift(
    tmp_path: Path, server: ThreadedServer, gateway: FakeGateway
) -> None:
    cassette = record(tmp_path, server)
    report = diff_cassettes([cassette], gateway)
    assert report.lines() == [f"skipped: {cassette}:4: recorded an error the fake cannot reproduce"]
    assert report.summary == "compared 4 answers (1 skipped): no drift"


def test_a_plain_vcrpy_cassette_replays_with_the_demo_credentials(
    tmp_path: Path, server: ThreadedServer, gateway: FakeGateway
) -> None:
    """Recorded with the credentials in its URIs: the demo ones are sent instead."""
    with vcrpy.VCR(cassette_library_dir=str(tmp_path), record_mode="once").use_cassette(
        "plain.yaml"
    ):
        calls(server)
    cassette = tmp_path / "plain.yaml"
    assert f"secret={SECRET}" in cassette.read_text()
    assert check_files([cassette]).failures == []
    report = diff_cassettes([cassette], gateway)
    assert report.summary == "compared 4 answers (1 skipped): no drift"


def test_reseller_params_replace_credentials_and_image() -> None:
    recorded = {"key": "k", "secret": "s", "imgid": "u", "cat": "1", "page": "2", "lang": "en"}
    assert reseller_params(recorded, {"imgid": "mine"}) == {
        "key": KEY,
        "secret": SECRET,
        "page": "2",
        "lang": "en",
        "imgid": "mine",
    }
