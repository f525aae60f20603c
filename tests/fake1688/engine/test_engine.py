"""The engine as a whole: journal, internal failures, determinism, reset, the gate hook."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fake1688 import App, Catalog, Engine, FakeGateway, FakeRequest, Verification
from fake1688.admin import endpoints as admin
from fake1688.engine.api import Call
from fake1688.engine.errors import InvalidArguments


def _form(params: dict[str, str]) -> FakeRequest:
    return FakeRequest("POST", "/openapi/router/rest", form=list(params.items()))


def test_the_engine_answers_a_plain_request(
    gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    params = helpers.signed(helpers.system_params(image=helpers.b64(photo)))
    response = gateway.engine.handle(_form(params))
    assert (response.status, response.header("content-type")) == (
        200,
        "application/json;charset=UTF-8",
    )
    assert "1688_items_search_img_response" in json.loads(response.body)


def test_a_success_is_journalled(
    call: Any, gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    answer = call(helpers.system_params(image=helpers.b64(photo)))
    entry = gateway.journal.last()
    assert entry is not None
    assert (entry.http_method, entry.path, entry.api_method) == (
        "POST",
        "/openapi/router/rest",
        "1688.items.search.img",
    )
    assert (entry.status, entry.code, entry.sub_code, entry.sub_msg) == (200, 0, None, None)
    assert entry.verification is Verification.PASSED
    assert entry.request_id == answer["1688_items_search_img_response"]["request_id"]
    assert entry.received_at == helpers.now
    assert entry.duration_ms >= 0
    assert entry.params["app_key"] == "test***key"
    assert entry.params["image"].startswith("<base64 image: ")
    assert entry.params["sign"] == "<redacted>"


def test_a_file_upload_is_journalled_without_its_bytes(
    call: Any, gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    call(helpers.system_params("1688.upload.img"), files={"image": photo})
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.files["image"].startswith(f"<{len(photo):,} bytes, sha256 ")
    assert photo.hex()[:40] not in json.dumps(entry.to_dict())


class _BrokenCatalog:
    """A catalog whose search fails, to see what a bug in the fake looks like."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def nearest(self, fp: Any, *, cat: str | None = None, limit: int = 200) -> Any:
        raise ZeroDivisionError("boom")


def test_an_internal_failure_is_15_and_journalled(catalog: Any, helpers: Any, photo: bytes) -> None:
    gateway = FakeGateway(catalog=_BrokenCatalog(catalog), clock=lambda: helpers.now)
    with httpx.Client(transport=gateway.transport()) as http:
        params = helpers.signed(helpers.system_params(image=helpers.b64(photo)))
        response = http.post(helpers.url, data=params)
    assert response.status_code == 200
    error = response.json()["error_response"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        15,
        "Remote Service Error",
        "isp.remote-service-error",
    )
    assert error["sub_msg"] == (
        "the fake gateway failed (ZeroDivisionError); its journal keeps the details under "
        f"request_id {error['request_id']}"
    )
    assert "Traceback" not in response.text
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.code == 15
    assert entry.error is not None
    assert "ZeroDivisionError: boom" in entry.error


def test_a_bug_reading_the_request_is_answered_logged_and_journalled(
    gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("fake1688.engine.pipeline.parse_http", explode)
    response = gateway.engine.handle_http("POST", b"/openapi/router/rest", b"a=1", None, b"")
    error = json.loads(response.body)["error_response"]
    assert (error["code"], error["sub_code"]) == (15, "isp.remote-service-error")
    assert len(error["request_id"]) == 13
    assert error["request_id"] != "0000000000000"
    entry = gateway.journal.last()
    assert entry is not None
    assert (entry.request_id, entry.path, entry.code) == (
        error["request_id"],
        "/openapi/router/rest",
        15,
    )
    assert entry.error is not None
    assert "RuntimeError: parser bug" in entry.error
    (record,) = [r for r in caplog.records if r.name == "fake1688.engine"]
    assert record.levelname == "ERROR"
    assert error["request_id"] in record.getMessage()
    assert "RuntimeError: parser bug" in record.getMessage()


def test_a_bug_reading_an_open_platform_request_answers_its_envelope(
    gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("fake1688.engine.pipeline.parse_http", explode)
    path = b"/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/7"
    response = gateway.engine.handle_http("POST", path, b"", None, b"")
    result = json.loads(response.body)["result"]
    assert (result["success"], result["code"]) == (False, "500")
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.request_id in result["message"]


def test_identical_requests_get_identical_bytes(
    client: httpx.Client, helpers: Any, photo: bytes
) -> None:
    params = helpers.signed(helpers.system_params(image=helpers.b64(photo), page="2"))
    first = client.post("/router/rest", data=params)
    second = client.post("/router/rest", data=params)
    assert first.content == second.content


def test_the_request_id_ignores_timestamp_and_sign(client: httpx.Client, helpers: Any) -> None:
    one = helpers.signed(helpers.system_params(imgid="x"))
    two = helpers.signed(helpers.system_params(imgid="x", timestamp="2025-11-28 11:21:00"))
    other = helpers.signed(helpers.system_params(imgid="y"))

    def request_id(params: dict[str, str]) -> str:
        answer: str = client.post("/router/rest", data=params).json()["error_response"][
            "request_id"
        ]
        return answer

    assert request_id(one) == request_id(two) != request_id(other)


def test_random_request_ids_when_not_deterministic(catalog: Any, helpers: Any) -> None:
    gateway = FakeGateway(catalog=catalog, clock=lambda: helpers.now, deterministic=False)
    with httpx.Client(transport=gateway.transport()) as http:
        ids = {
            http.get("http://fake1688.test/nowhere").json()["error_response"]["request_id"]
            for _ in range(5)
        }
    assert len(ids) == 5


def test_reset_forgets_uploads_and_journal(
    call: Any, gateway: FakeGateway, helpers: Any, photo: bytes, catalog: Any
) -> None:
    imgid = call(helpers.system_params("1688.upload.img", image=helpers.b64(photo)))
    name = imgid["1688_upload_img_response"]["items"]["item"]["name"]
    assert len(gateway.journal) == 1
    gateway.reset()
    assert (len(gateway.journal), len(gateway.store)) == (0, 0)
    assert call(helpers.system_params(imgid=name))["error_response"]["code"] == 41
    assert gateway.catalog is catalog  # the catalog stays: it is immutable


def test_gates_see_verified_calls_only(
    call: Any, gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    seen: list[Call] = []

    def gate(verified: Call) -> None:
        seen.append(verified)
        if verified.params.get("page") == "9":
            raise InvalidArguments("gate says no")

    gateway.engine.gates.append(gate)
    call({**helpers.system_params(imgid="x"), "sign": "00"}, sign=False)
    assert seen == []
    call(helpers.system_params(image=helpers.b64(photo)))
    assert [c.api_method for c in seen] == ["1688.items.search.img"]
    assert seen[0].app.app_key == helpers.key
    answer = call(helpers.system_params(image=helpers.b64(photo), page="9"))
    assert answer["error_response"]["sub_msg"] == "gate says no"


def test_engine_defaults(catalog: Any) -> None:
    engine = Engine(catalog)
    assert list(engine.apps) == [
        App("test_app_key", "test_app_secret", "demo", frozenset({"test_access_token"}))
    ]
    assert engine.apps.get("test_app_key") == App(
        "test_app_key", "test_app_secret", "demo", frozenset({"test_access_token"})
    )
    assert engine.max_body == 5 * 1024 * 1024 * 4 // 3 + 1024 * 1024
    assert engine.deterministic


def test_the_default_gateway_uses_the_seeded_catalog() -> None:
    gateway = FakeGateway(seed=0)
    assert gateway.catalog is Catalog.default(0)


# -- secrets in the journal and in error texts ------------------------------------------

#: Params a caller may send by mistake, each with its own value, and a known secret
#: (the demo app's) under a harmless name.
STRAY = {
    "session": "session-value-1b7e",
    "app_secret": "app-secret-param-0d4c",
    "secret": "secret-param-2c44",
    "password": "password-value-6f13",
    "token": "token-value-8e2d",
    "PASSWORD": "password-upper-3d1c",
    "note": "test_app_secret",
}


def _aop_request(params: dict[str, str]) -> FakeRequest:
    path = (
        "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/test_app_key"
    )
    return FakeRequest("GET", path, list(params.items()))


@pytest.mark.parametrize(
    ("request_of", "text_of"),
    [
        (  # the router's code 25 explains the string it signed, every param in it
            lambda params: _form({**params, "method": "1688.items.search.img", "sign": "00"}),
            lambda body: body["error_response"]["sub_msg"],
        ),
        (  # gw.SignatureInvalid explains it too
            lambda params: _aop_request({**params, "_aop_signature": "00"}),
            lambda body: body["exception"],
        ),
        (  # a reseller's 4005 and its call_args
            lambda params: FakeRequest(
                "GET", "/1688/item_search_img/", [("key", "test_app_key"), *params.items()]
            ),
            lambda body: body["reason"] + json.dumps(body["call_args"]),
        ),
    ],
    ids=["top", "aop", "reseller"],
)
def test_error_texts_and_the_journal_show_no_secret(
    gateway: FakeGateway, helpers: Any, request_of: Any, text_of: Any
) -> None:
    params = {**helpers.system_params(imgid="x"), **STRAY}
    answer = gateway.engine.handle(request_of(params))
    text = text_of(json.loads(answer.body))
    entry = gateway.journal.last()
    assert entry is not None
    kept = json.dumps(entry.to_dict())
    for value in STRAY.values():
        assert value not in text
        assert value not in kept
    assert "<redacted>" in text
    assert {name: entry.params[name] for name in STRAY} == dict.fromkeys(STRAY, "<redacted>")


def test_the_explanation_hides_the_value_and_keeps_the_name(
    gateway: FakeGateway, helpers: Any
) -> None:
    params = {**helpers.system_params(imgid="x"), "password": "pw-0a1b2c", "sign": "00"}
    answer = json.loads(gateway.engine.handle(_form(params)).body)["error_response"]
    assert "imgidxmethod1688.items.search.imgpassword<redacted>timestamp" in answer["sub_msg"]


def test_a_traceback_in_the_journal_and_the_log_shows_no_secret(
    catalog: Any, helpers: Any, photo: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    class Leaky(_BrokenCatalog):
        def nearest(self, fp: Any, *, cat: str | None = None, limit: int = 200) -> Any:
            raise LookupError("looked for test_app_secret and pw-0a1b2c")

    gateway = FakeGateway(catalog=Leaky(catalog), clock=lambda: helpers.now)
    params = helpers.signed(helpers.system_params(image=helpers.b64(photo), password="pw-0a1b2c"))
    gateway.engine.handle(_form(params))
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.code == 15, entry.sub_msg
    assert entry.error is not None
    assert "LookupError: looked for <redacted> and <redacted>" in entry.error
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "fake1688.engine")
    assert entry.request_id in logged
    assert "LookupError: looked for <redacted> and <redacted>" in logged
    assert "test_app_secret" not in caplog.text
    assert "pw-0a1b2c" not in caplog.text


def test_the_apps_secrets_and_tokens_are_known_secrets(gateway: FakeGateway) -> None:
    assert gateway.engine.redaction.secrets == {"test_app_secret", "test_access_token"}


def test_an_engine_without_admin_answers_its_paths_as_unknown(gateway: FakeGateway) -> None:
    gateway.engine.serves_admin = False
    answer = admin.route(gateway.engine, "POST", b"/__fake__/reset", b"", None, b"")
    assert answer.status == 404
    assert json.loads(answer.body)["error_response"]["sub_code"] == "isv.path-not-found"
    assert gateway.journal.last() is not None  # an unknown path, journalled as any other
    assert admin.route(gateway.engine, "GET", b"/openapi.json", b"", None, b"").status == 200


@pytest.mark.parametrize(
    ("skew", "shown"), [(timedelta(seconds=-1), "-1 s"), (timedelta(microseconds=-1), "-1e-06 s")]
)
def test_a_negative_timestamp_skew_is_refused(catalog: Any, skew: timedelta, shown: str) -> None:
    message = f"timestamp_skew must be zero or more, not {shown}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        FakeGateway(catalog=catalog, timestamp_skew=skew)


def test_a_zero_timestamp_skew_is_allowed(catalog: Any) -> None:
    assert FakeGateway(catalog=catalog, timestamp_skew=timedelta(0)).engine.timestamp_skew == (
        timedelta(0)
    )
