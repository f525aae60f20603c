"""Fault injection: every kind, per method, by probability and next-N, from Python, a
config file and the admin endpoint; the same seed faults the same calls."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, Fault, load_faults
from fake1688.engine.faults import parse_faults

from pailitao.wire import signing

NOW = 1_764_300_000.0
SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"


@pytest.fixture
def gw(catalog: Any) -> FakeGateway:
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


def post(gw: FakeGateway, method: str = SEARCH, **extra: str) -> httpx.Response:
    params = {
        "method": method,
        "app_key": "test_app_key",
        "timestamp": signing.format_timestamp(NOW, "millis"),
        "v": "2.0",
        **extra,
    }
    if method == SEARCH and not extra:
        params["imgid"] = gw.catalog.offers[0].pic_url
    params["sign"] = signing.sign(params, "test_app_secret")
    with httpx.Client(transport=gw.transport()) as http:
        return http.post("http://fake1688.test/router/rest", data=params)


def code_of(response: httpx.Response) -> int:
    data = json.loads(response.content)
    return int(data["error_response"]["code"]) if "error_response" in data else 0


def test_platform_error_with_isp_sub_code(gw: FakeGateway) -> None:
    gw.faults.add(
        Fault(kind="platform_error", code=50, sub_code="isp.top-remote-connection-timeout")
    )
    error = json.loads(post(gw).content)["error_response"]
    assert error == {
        "code": 50,
        "msg": "Remote service error",
        "sub_code": "isp.top-remote-connection-timeout",
        "sub_msg": "an injected fault: platform_error 50",
        "request_id": error["request_id"],
    }
    assert gw.journal.last().fault == "platform_error 50"  # type: ignore[union-attr]


def test_code_7_carries_a_ban_the_client_can_read(gw: FakeGateway) -> None:
    gw.faults.next(1, "platform_error", code=7)
    error = json.loads(post(gw).content)["error_response"]
    assert (error["code"], error["msg"]) == (7, "App Call Limited")
    assert error["sub_code"] == "accesscontrol.limited-by-api-access-count"
    assert error["sub_msg"] == "This ban will last for 1 more seconds (an injected fault)"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_errors_as_html_or_envelope(gw: FakeGateway, status: int) -> None:
    gw.faults.next(1, "http_error", status=status)
    gw.faults.next(1, "http_error", status=status, body="envelope")
    page = post(gw)
    assert page.status_code == status
    assert page.headers["content-type"] == "text/html;charset=UTF-8"
    assert page.text.startswith(f"<html><body><h1>{status} ")
    envelope = post(gw)
    assert (envelope.status_code, code_of(envelope)) == (status, 15)
    assert code_of(post(gw)) == 0  # both faults spent


def test_http_error_answers_instead_of_the_handler(gw: FakeGateway, photo: bytes) -> None:
    gw.faults.next(1, "http_error", method=UPLOAD)
    image = signing_free_b64(photo)
    assert post(gw, UPLOAD, image=image).status_code == 503
    assert len(gw.store) == 0  # nothing was stored
    assert post(gw, UPLOAD, image=image).status_code == 200
    assert len(gw.store) == 1


def signing_free_b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def test_malformed_json_is_complete_but_invalid(gw: FakeGateway) -> None:
    good = post(gw).content
    gw.faults.next(1, "malformed_json")
    bad = post(gw)
    assert bad.status_code == 200
    assert bad.content == good[:-1] + b",}"
    assert int(bad.headers["content-length"]) == len(bad.content)
    with pytest.raises(ValueError, match="Expecting property name"):
        json.loads(bad.content)


def test_truncated_json_is_cut_with_a_matching_length(gw: FakeGateway) -> None:
    good = post(gw).content
    gw.faults.next(3, "truncated_json")
    for _ in range(3):
        cut = post(gw)
        assert 0 < len(cut.content) < len(good)
        assert good.startswith(cut.content)
        assert int(cut.headers["content-length"]) == len(cut.content)


def test_connection_reset_raises_like_a_dropped_socket(gw: FakeGateway, photo: bytes) -> None:
    gw.faults.next(1, "connection_reset")
    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending"):
        post(gw, UPLOAD, image=signing_free_b64(photo))
    assert len(gw.store) == 1  # the work was done, the answer lost
    assert gw.journal.last().fault == "connection_reset"  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_connection_reset_on_the_async_transport(gw: FakeGateway) -> None:
    request = post(gw).request  # a signed search, sent again below
    async with httpx.AsyncClient(transport=gw.async_transport()) as http:
        gw.faults.next(1, "connection_reset")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.send(request)
        assert (await http.send(request)).status_code == 200


def test_latency_fixed_uniform_and_lognormal(gw: FakeGateway) -> None:
    gw.faults.add(Fault(kind="latency", delay=0.004, times=1))
    started = time.perf_counter()
    assert code_of(post(gw)) == 0
    assert time.perf_counter() - started >= 0.004
    assert gw.journal.last().fault == "latency 4 ms"  # type: ignore[union-attr]
    gw.faults.add(Fault(kind="latency", delay=0.001, delay_max=0.003))
    uniform = [gw.faults.draw(SEARCH).delay for _ in range(50)]
    assert all(0.001 <= delay <= 0.003 for delay in uniform)
    gw.faults.clear()
    gw.faults.add(Fault(kind="latency", delay=0.001, sigma=0.5))
    lognormal = sorted(gw.faults.draw(SEARCH).delay for _ in range(51))
    assert 0.0007 < lognormal[25] < 0.0014  # the median
    assert lognormal[0] < 0.001 < lognormal[-1]


def test_latency_combines_with_another_fault(gw: FakeGateway) -> None:
    gw.faults.next(1, "latency", delay=0.002)
    gw.faults.next(1, "http_error", status=502)
    response = post(gw)
    assert response.status_code == 502
    assert gw.journal.last().fault == "latency 2 ms, http_error 502"  # type: ignore[union-attr]


def test_faults_apply_per_method(gw: FakeGateway) -> None:
    gw.faults.add(Fault(kind="platform_error", code=10, method=UPLOAD))
    assert code_of(post(gw)) == 0
    assert code_of(post(gw, UPLOAD, imgid="x")) == 10


def test_faults_apply_after_verification(gw: FakeGateway) -> None:
    gw.faults.add(Fault(kind="http_error"))
    params = {"method": SEARCH, "app_key": "test_app_key", "v": "2.0", "sign": "0" * 32,
              "timestamp": signing.format_timestamp(NOW, "millis")}  # fmt: skip
    with httpx.Client(transport=gw.transport()) as http:
        answer = http.post("http://fake1688.test/router/rest", data=params)
    assert (answer.status_code, code_of(answer)) == (200, 25)


def test_next_n_then_the_rule_is_gone(gw: FakeGateway) -> None:
    gw.faults.next(2, "platform_error", code=15)
    assert gw.faults.rules() == [{"kind": "platform_error", "code": 15, "times": 2, "remaining": 2}]
    assert [code_of(post(gw)) for _ in range(3)] == [15, 15, 0]
    assert gw.faults.rules() == []


def test_a_rule_shows_the_code_or_status_it_answers_even_by_default(gw: FakeGateway) -> None:
    # What a rule will answer is what a reader of rules() (or the admin API) needs.
    gw.faults.add(Fault(kind="http_error"))
    gw.faults.add(Fault(kind="platform_error", probability=0.5))
    assert gw.faults.rules() == [
        {"kind": "http_error", "status": 503, "remaining": None},
        {"kind": "platform_error", "probability": 0.5, "code": 15, "remaining": None},
    ]


def faulted_calls(seed: int, catalog: Any) -> list[int]:
    gw = FakeGateway(catalog=catalog, clock=lambda: NOW, fault_seed=seed)
    gw.faults.add(Fault(kind="platform_error", code=15, probability=0.3))
    return [i for i in range(60) if code_of(post(gw)) == 15]


def test_probability_is_deterministic_for_a_seed(catalog: Any) -> None:
    first, again, other = (faulted_calls(s, catalog) for s in (7, 7, 8))
    assert first == again
    assert first != other
    assert 8 <= len(first) <= 30  # about 30% of 60


def test_reset_restores_the_built_faults_and_the_sequence(catalog: Any) -> None:
    gw = FakeGateway(catalog=catalog, clock=lambda: NOW, faults=[{"kind": "http_error",
                     "probability": 0.5}])  # fmt: skip
    first = [post(gw).status_code for _ in range(10)]
    gw.faults.clear()
    gw.reset()
    assert [post(gw).status_code for _ in range(10)] == first
    assert {503, 200} == set(first)


def test_the_config_file_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "faults.toml"
    toml.write_text(
        'seed = 7\n[[faults]]\nkind = "platform_error"\ncode = 15\n'
        'method = "1688.items.search.img"\nprobability = 0.3\n'
        '[[faults]]\nkind = "latency"\ndelay = 0.1\ndelay_max = 0.2\n'
    )
    seed, faults = load_faults(toml)
    assert seed == 7
    assert faults == [
        Fault(kind="platform_error", code=15, method=SEARCH, probability=0.3),
        Fault(kind="latency", delay=0.1, delay_max=0.2),
    ]
    as_json = tmp_path / "faults.json"
    as_json.write_text(json.dumps([{"kind": "connection_reset", "times": 2}]))
    assert load_faults(as_json) == (None, [Fault(kind="connection_reset", times=2)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[faults]]\nkind = "timeout"\n', "kind must be one of latency, platform_error"),
        ('[[faults]]\nkind = "http_error"\nstatus = 418\n', "status must be one of (500, 502"),
        ('[[faults]]\nkind = "latency"\ndleay = 1\n', "unknown fault setting 'dleay' (did you"),
        ('[[faults]]\nkind = "platform_error"\ncode = 99\n', "code 99 is not a platform error"),
        ("[[faults]]\nprobability = 2\n", "a fault needs a kind"),
        ('[[faults]]\nkind = "latency"\nprobability = 2\n', "probability must be within 0..1"),
        ("sed = 1\n", "unknown top-level key(s) ['sed']"),
        ("[[faults]\n", "cannot read faults file"),
    ],
)
def test_a_bad_config_file_says_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "faults.toml"
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_faults(path)


def test_parse_faults_names_the_bad_entry() -> None:
    assert parse_faults([{"kind": "malformed_json"}]) == [Fault(kind="malformed_json")]
    with pytest.raises(ValueError, match=r"faults\[1\]: kind must be one of"):
        parse_faults([Fault(kind="latency"), {"kind": "nope"}])
    with pytest.raises(ValueError, match="faults must be a list of Fault or dicts"):
        parse_faults({"kind": "latency"})
