"""The contract room speaks the 1688 Open Platform ("AOP") too: schemas, check, diff.

The cassettes here are recorded with vcrpy through ``pailitao.recording.make_vcr``
from the in-process fake, served to the client as an ``httpx.MockTransport``
(which vcrpy intercepts) under ``fake1688 serve``'s default address.
"""

import base64
import copy
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from pailitao import AccessTokenError, InvalidArgumentsError, PailitaoClient
from pailitao.contract import schemas
from pailitao.contract.check import check_files, check_recorded, read_case
from pailitao.contract.envelopes import aop_api
from pailitao.contract.replay import api_of, diff_cassettes, recorded_params, resign_aop
from pailitao.contract.sources import Recorded, RecordedRequest
from pailitao.models import AopOffer, AopPriceInfo
from pailitao.recording import make_vcr
from pailitao.strategies import signed_aop_requests
from pailitao.wire import aop

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "payloads"
EXAMPLE = PAYLOADS / "aop_1688_product.search.imageQuery_doc_output_example.json"
DATA = Path(__file__).parent / "data" / "contract" / "aop"
SHOWN_URL = "http://127.0.0.1:8688/openapi"  # fake1688 serve's default address
FAKE_URL = "http://fake1688.test/openapi"
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
SEARCH_PATH = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY)
UPLOAD_PATH = aop.ApiPath(aop.NAMESPACE, aop.UPLOAD_API, KEY)
SORTS = ("relevance", "price_asc", "price_desc", "sales_asc", "sales_desc")
OFFER = "$.result.result.data[0]"


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


@pytest.fixture(scope="module")
def http(gateway: FakeGateway) -> httpx.Client:
    with httpx.Client(transport=gateway.transport()) as client:
        yield client


def example() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    return loaded


def lines(answer: object, status: int | None = None, uri: str | None = None) -> list[str]:
    raw = json.dumps(answer, ensure_ascii=False)
    request = RecordedRequest("POST", uri) if uri else None
    return [str(f) for f in check_recorded(Recorded("a.json", 0, raw, status, request))]


def call(
    http: httpx.Client, path: aop.ApiPath, value: dict[str, Any], **extra: str
) -> httpx.Response:
    """One signed call to the fake, as a client sends it; ``extra`` overrides params."""
    name = aop.UPLOAD_PARAM if path.name == aop.UPLOAD_API else aop.SEARCH_PARAM
    params = {
        aop.ACCESS_TOKEN: TOKEN,
        aop.TIMESTAMP: str(int(time.time() * 1000)),
        name: aop.encode_param(value),
    }
    params[aop.SIGNATURE] = aop.sign(path.signed, params, SECRET)
    params.update(extra)
    return http.post(path.url(FAKE_URL), data={k: v for k, v in params.items() if v})


def checked(response: httpx.Response) -> str:
    """The envelope of a fake's answer, after every contract check passed on it."""
    recorded = Recorded("fake", 0, response.content, response.status_code)
    assert [str(f) for f in check_recorded(recorded)] == []
    return read_case(recorded).envelope


# -- the schemas ----------------------------------------------------------------


def test_the_official_example_conforms() -> None:
    report = check_files([EXAMPLE])
    assert [str(f) for f in report.failures] == []
    assert report.summary == "checked 1 answer in 1 file: all conform to the contract"


def test_the_offer_schema_names_every_key_of_the_official_example() -> None:
    defs = schemas.aop_search_schema()["$defs"]
    page = example()["result"]["result"]
    offer = page["data"][0]
    assert set(defs["offer"]["properties"]) == set(offer)
    assert set(defs["page"]["properties"]) == set(page)
    for key, value in offer.items():
        if isinstance(value, dict):
            ref = defs["offer"]["properties"][key]["$ref"].rsplit("/", 1)[1]
            assert set(defs[ref]["properties"]) == set(value), key


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "integer", str: "string", list: "array", dict: "object"}
    return names[type(value)]


def test_wire_types_are_the_official_examples() -> None:
    # Every leaf of the example's offer has the schema's JSON type, and only that one.
    defs = schemas.aop_search_schema()["$defs"]

    def wire_type(schema: dict[str, Any]) -> str:
        if "$ref" in schema:
            return wire_type(defs[schema["$ref"].rsplit("/", 1)[1]])
        return str(schema["type"])

    def walk(value: dict[str, Any], schema: dict[str, Any]) -> None:
        for key, inner in value.items():
            assert wire_type(schema["properties"][key]) == _json_type(inner), key
            if isinstance(inner, dict):
                walk(inner, defs[schema["properties"][key]["$ref"].rsplit("/", 1)[1]])

    walk(example()["result"]["result"]["data"][0], defs["offer"])


def test_a_field_without_a_wire_type_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Odd(AopPriceInfo):
        ratio: complex | None = None

    monkeypatch.setattr(schemas, "_AOP_MODELS", (*schemas._AOP_MODELS, Odd))
    with pytest.raises(TypeError, match=r"field .ratio. has type .* map it in .*_aop_wire_type"):
        schemas.aop_search_schema()


def test_the_schema_requires_what_the_model_requires(monkeypatch: pytest.MonkeyPatch) -> None:
    loose = {**schemas.AOP_REQUIRED, AopOffer: ("subject", "imageUrl", "priceInfo")}
    monkeypatch.setattr(schemas, "AOP_REQUIRED", loose)
    with pytest.raises(ValueError, match=r"AopOffer requires \['offerId'\]: add them"):
        schemas.aop_search_schema()


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("offerId",), "abc", 'expected integer, got string "abc"'),
        (("offerId",), "683393377085", 'expected integer, got string "683393377085"'),
        (("monthSold",), True, "expected integer, got boolean true"),
        (("priceInfo", "price"), 1, "expected an amount as text, like '12.50' or '1', got integer 1"),
        (("priceInfo", "promotionPrice"), "¥1", "\"¥1\" is not an amount as text, like '12.50' or '1'"),
        (("sales7d",), 1, "expected a count as text, a string of digits like '12', got integer 1"),
        (("isJxhy",), "true", 'expected boolean, got string "true"'),
        (("sellerIdentities",), "tp_member", 'expected array, got string "tp_member"'),
        (("repurchaseRate",), 0.13, "expected a percentage string, like '15%', got number 0.13"),
        (("createDate",), "2024/04/20", "\"2024/04/20\" is not a time like '2024-04-20 08:00:00'"),
        (("sellerDataInfo", "tpYear"), "1", 'expected integer, got string "1"'),
        (("invoiceInfo", "supportFastInvoice"), 0, "expected boolean, got integer 0"),
        (("topCategoryId",), -1, "-1 is less than the minimum of 0"),
    ],
)  # fmt: skip
def test_wrong_types_fail_naming_the_path(
    where: tuple[str, ...], value: object, message: str
) -> None:
    broken = example()
    *parents, last = where
    target = broken["result"]["result"]["data"][0]
    for key in parents:
        target = target[key]
    target[last] = value
    assert lines(broken) == [f"a.json:0: {OFFER}.{'.'.join(where)}: {message}"]


def test_missing_required_fields_and_page_numbers() -> None:
    broken = example()
    page = broken["result"]["result"]
    del page["data"][0]["priceInfo"]["price"]
    del page["data"][0]["imageUrl"]
    page["currentPage"] = 0
    del page["totalRecords"]
    assert lines(broken) == [
        "a.json:0: $.result.result.currentPage: 0 is less than the minimum of 1",
        f"a.json:0: {OFFER}.imageUrl: required field is missing",
        f"a.json:0: {OFFER}.priceInfo.price: required field is missing",
        "a.json:0: $.result.result.totalRecords: required field is missing",
    ]


def test_the_stored_broken_copy_fails_on_every_path() -> None:
    report = check_files([DATA / "broken"])
    where = f"{DATA}/broken/wrong_types.json:0"
    assert [str(f) for f in report.failures] == [
        f"{where}: {OFFER}.monthSold: expected integer, got boolean true",
        f'{where}: {OFFER}.offerId: expected integer, got string "abc"',
        f"{where}: {OFFER}.priceInfo.price: expected an amount as text, like '12.50' or '1', "
        "got number 1.5",
    ]


@pytest.mark.parametrize(
    ("answer", "status", "found"),
    [
        ({"result": {"success": False, "code": "400", "message": "bad"}}, 200, []),
        ({"result": {"success": "false", "code": "500", "message": "busy"}}, 200, []),
        ({"result": {"success": False, "code": 400, "message": "bad"}}, 200,
         ['$.result.code: expected string, got integer 400']),
        ({"result": {"success": False, "message": "bad"}}, 200,
         ["$.result.code: required field is missing"]),
        ({"result": {"success": False, "code": "400", "message": "bad"}}, 500,
         ["$: HTTP 500: the contract answers everything with 200"]),
        ({"error_code": "gw.SignatureInvalid", "error_message": "Signature is invalid"}, 400, []),
        ({"error_code": "401", "error_message": "Request need user authorized",
          "exception": "the token expired", "request_id": "r"}, 401, []),
        ({"error_code": "gw.SignatureInvalid", "error_message": "Signature is invalid"}, 200,
         ["$: HTTP 200: the AOP gateway answers a refusal with a 4xx or 5xx"]),
        ({"error_code": 401, "error_message": "Request need user authorized"}, 401,
         ["$.error_code: expected string, got integer 401"]),
        ({"result": {"success": True, "code": "200", "message": "", "result": "7394132923744781698"}},
         200, []),
        ({"result": {"success": True, "code": "200", "result": ""}}, 200,
         ["$.result.result: '' should be non-empty"]),
        ({"result": {"success": True, "code": "200", "result": {"totalRecords": 0}}}, None,
         ["$.result.result.currentPage: required field is missing",
          "$.result.result.data: required field is missing",
          "$.result.result.pageSize: required field is missing"]),
    ],
)  # fmt: skip
def test_errors_and_uploads_by_envelope(answer: dict, status: int | None, found: list[str]) -> None:
    assert lines(answer, status) == [f"a.json:0: {line}" for line in found]


def test_the_recorded_request_picks_the_success_schema() -> None:
    upload = f"{SHOWN_URL}/param2/1/{aop.NAMESPACE}/{aop.UPLOAD_API}"
    search = f"{SHOWN_URL}/param2/1/{aop.NAMESPACE}/{aop.SEARCH_API}/{KEY}"
    answer = {"result": {"success": True, "code": "200", "result": "7394132923744781698"}}
    assert lines(answer, 200, upload) == []
    assert lines(answer, 200, search) == [
        'a.json:0: $.result.result: expected object, got string "7394132923744781698"'
    ]


# -- every answer of the fake ------------------------------------------------------


def test_every_kind_of_answer_the_fake_gives_conforms(
    gateway: FakeGateway, http: httpx.Client
) -> None:
    offer = gateway.catalog.offers[0]
    photo = base64.b64encode(gateway.catalog.image_bytes(offer)).decode()
    upload = call(http, UPLOAD_PATH, {"imageBase64": photo})
    assert checked(upload) == "aop_upload"
    image_id = upload.json()["result"]["result"]
    query = {"imageAddress": offer.pic_url, "beginPage": 1, "pageSize": 20, "country": "en"}
    for sort in ('{"price":"asc"}', '{"price":"desc"}', '{"monthSold":"asc"}',
                 '{"monthSold":"desc"}', None):  # fmt: skip
        assert checked(call(http, SEARCH_PATH, {**query, "sort": sort})) == "aop_search"
    assert checked(call(http, SEARCH_PATH, {**query, "beginPage": 3, "country": "ja"})) == (
        "aop_search"
    )
    assert checked(call(http, SEARCH_PATH, {"imageId": image_id, "country": "en"})) == "aop_search"
    business = [
        {**query, "pageSize": 80},
        {**query, "country": "xx"},
        {"imageId": "12345", "country": "en"},
    ]
    for bad in business:
        assert checked(call(http, SEARCH_PATH, bad)) == "aop_business_error"


@pytest.mark.parametrize(
    ("signed", "after", "code"),
    [
        ({}, {aop.SIGNATURE: "0" * 40}, "gw.SignatureInvalid"),
        ({}, {aop.SIGNATURE: ""}, "gw.SignatureMissing"),
        ({aop.TIMESTAMP: "1000"}, {}, "gw.TimestampInvalid"),
        ({aop.ACCESS_TOKEN: "not_a_token"}, {}, "401"),
        ({aop.SEARCH_PARAM: ""}, {}, "gw.ParamMissing"),
        ({}, {"app_key": "unknown_app"}, "gw.AppKeyNotFound"),
        ({}, {"api": "other.api"}, "gw.APIUnsupported"),
        ({}, {"method": "PUT"}, "gw.HttpMethodNotAllowed"),
    ],
)
def test_every_gateway_refusal_of_the_fake_conforms(
    http: httpx.Client, signed: dict[str, str], after: dict[str, str], code: str
) -> None:
    # ``signed`` changes params before signing; ``after`` breaks the call after it.
    path = SEARCH_PATH._replace(
        app_key=after.get("app_key", KEY), name=after.get("api", aop.SEARCH_API)
    )
    params = {aop.ACCESS_TOKEN: TOKEN, aop.SEARCH_PARAM: '{"country":"en"}', **signed}
    params = {k: v for k, v in params.items() if v}
    params[aop.SIGNATURE] = after.get(aop.SIGNATURE, aop.sign(path.signed, params, SECRET))
    form = {k: v for k, v in params.items() if v}
    response = http.request(after.get("method", "POST"), path.url(FAKE_URL), data=form)
    assert response.status_code >= 400
    assert checked(response) == "aop_gateway_error"
    assert response.json()["error_code"] == code


def _tampered(request: Any, how: str) -> dict[str, str]:
    params = dict(request.params)
    if how == "sign":
        params[aop.SIGNATURE] = "0" * 40
    elif how == "token":
        params[aop.ACCESS_TOKEN] = "expired"
    elif how == "timestamp":
        params[aop.TIMESTAMP] = "1000000000000"
    return params


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_answer_to_any_drawn_call_conforms(
    gateway: FakeGateway, http: httpx.Client, data: st.DataObject
) -> None:
    urls = [offer.pic_url for offer in gateway.catalog.offers[:20]]
    request = data.draw(
        signed_aop_requests(SECRET, app_key=KEY, access_token=TOKEN, image_urls=urls)
    )
    how = data.draw(st.sampled_from(["none", "none", "none", "sign", "token", "timestamp"]))
    params = _tampered(request, how)
    note(f"{request.path.signed} {params}")
    envelope = checked(http.post(request.url(FAKE_URL), data=params))
    event(envelope)
    assert (envelope == "aop_gateway_error") == (how != "none")


# -- contract diff -------------------------------------------------------------------


def _forwarding(gateway: FakeGateway) -> httpx.MockTransport:
    """The fake behind a MockTransport, which vcrpy records (it ignores other transports)."""
    fake = gateway.transport()

    def forward(request: httpx.Request) -> httpx.Response:
        answer = fake.handle_request(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())

    return httpx.MockTransport(forward)


def _client(gateway: FakeGateway, token: str = TOKEN) -> PailitaoClient:
    return PailitaoClient(
        app_key=KEY,
        app_secret=SECRET,
        dialect="aop",
        access_token=token,
        base_url=SHOWN_URL,
        transport=_forwarding(gateway),
    )


def record_aop_cassette(library: Path, gateway: FakeGateway, page_size: int = 4) -> Path:
    """Upload, search by the imageId, search each sort and page 2, then two refusals."""
    offer = gateway.catalog.offers[0]
    recorder = make_vcr(secret=SECRET, app_key=KEY, record_mode="all", cassette_library_dir=library)
    with recorder.use_cassette("search_upload_errors"), _client(gateway) as client:
        image_id = client.upload_image(gateway.catalog.image_bytes(offer))
        client.search_image(imgid=image_id, page_size=page_size)
        for sort in SORTS:
            client.search_image(image_url=offer.pic_url, sort=sort, page_size=page_size)
        client.search_image(image_url=offer.pic_url, page=2, page_size=page_size, country="ja")
        with pytest.raises(InvalidArgumentsError):
            client.search_image(imgid="12345", page_size=page_size)
        with _client(gateway, token="expired_token") as stranger, pytest.raises(AccessTokenError):
            stranger.search_image(image_url=offer.pic_url, page_size=page_size)
    return library / "search_upload_errors.yaml"


def test_a_fresh_recording_conforms_and_replays_without_drift(
    gateway: FakeGateway, tmp_path: Path
) -> None:
    cassette = record_aop_cassette(tmp_path, gateway)
    text = cassette.read_text("utf-8")
    assert TOKEN not in text
    assert "expired_token" not in text
    checks = check_files([cassette])
    assert [str(f) for f in checks.failures] == []
    assert checks.answers == 10
    report = diff_cassettes([cassette], gateway)
    assert report.lines() == [
        f"skipped: {cassette}:8: recorded an error the fake cannot reproduce",
        f"skipped: {cassette}:9: recorded an error the fake cannot reproduce",
    ]
    assert report.summary == "compared 8 answers (2 skipped): no drift"


def test_the_stored_cassette_conforms_and_replays_without_drift(gateway: FakeGateway) -> None:
    good = DATA / "good"
    assert check_files([good]).failures == []
    report = diff_cassettes([good], gateway)
    assert report.drifting == []
    assert report.compared == 8


def test_a_hand_broken_recording_drifts(gateway: FakeGateway) -> None:
    report = diff_cassettes([DATA / "drift"], gateway)
    where = f"{aop.SEARCH_API}: {OFFER.replace('[0]', '[]')}"
    assert report.lines() == [
        f"{where}.invoiceInfo: extra: platform -, fake object",
        f"{where}.invoiceInfo.invoiceTypes: extra: platform -, fake array",
        f"{where}.invoiceInfo.invoiceTypes[]: extra: platform -, fake string",
        f"{where}.invoiceInfo.supportFastInvoice: extra: platform -, fake boolean",
        f"{where}.invoiceInfo.supportOnlineInvoice: extra: platform -, fake boolean",
        f"{where}.invoiceInfo.taxpayerType: extra: platform -, fake string",
        f"{where}.isTmall: missing: platform boolean, fake -",
        f"{where}.monthSold: type: platform string:count, fake integer",
        f"{where}.offerId: type: platform string:digits, fake integer",
        f"{where}.priceInfo.price: type: platform number, fake string:price",
        f"{where}.tradeScore: format: platform string, fake string:decimal",
    ]
    assert report.summary == "compared 1 answer: 11 differences in shape, 0 allowed"


def test_a_call_the_fake_refuses_is_an_envelope_drift(gateway: FakeGateway, tmp_path: Path) -> None:
    cassette = (DATA / "drift" / "search.yaml").read_text("utf-8")
    (tmp_path / "big.yaml").write_text(cassette.replace('"pageSize":1}', '"pageSize":80}', 1))
    report = diff_cassettes([tmp_path], gateway)
    assert report.lines() == [
        f"{tmp_path}/big.yaml:0: $: envelope: platform aop_search, fake aop_business_error "
        "(400 offerQueryParam.pageSize '80' is not a whole number from 1 to 50)"
    ]


def test_resign_aop_replaces_the_image_category_and_credentials() -> None:
    recorded = {
        "offerQueryParam": '{"beginPage":2,"categoryId":10166,"country":"ja",'
        '"imageId":"7394132923744781698","pageSize":4,"sort":"{\\"price\\":\\"asc\\"}"}',
        "access_token": "<PAILITAO_ACCESS_TOKEN>",
        "_aop_signature": "***",
    }
    image = {"imageAddress": "https://cbu01.alicdn.com/y.jpg"}
    path, fresh = resign_aop(aop.SEARCH_API, recorded, image, now=1_795_831_200.0)
    assert path == SEARCH_PATH
    assert json.loads(fresh.pop(aop.SEARCH_PARAM)) == {
        "beginPage": 2,
        "country": "ja",
        "pageSize": 4,
        "sort": '{"price":"asc"}',
        "imageAddress": "https://cbu01.alicdn.com/y.jpg",
    }
    signature = fresh.pop(aop.SIGNATURE)
    assert fresh == {aop.ACCESS_TOKEN: TOKEN, aop.TIMESTAMP: "1795831200000"}
    _, again = resign_aop(aop.SEARCH_API, recorded, image, now=1_795_831_200.0)
    assert signature == reference_signature(path.signed, again, SECRET)


def reference_signature(signed_path: str, params: dict[str, str], secret: str) -> str:
    """The platform's published recipe, independent of pailitao.wire.aop."""
    pairs = sorted(key + value for key, value in params.items() if key != "_aop_signature")
    message = (signed_path + "".join(pairs)).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).hexdigest().upper()


def test_the_api_is_read_from_the_path_with_or_without_its_app_key() -> None:
    base = f"{SHOWN_URL}/param2/1/{aop.NAMESPACE}"
    for uri in (f"{base}/{aop.SEARCH_API}", f"{base}/{aop.SEARCH_API}/{KEY}",
                f"{base}/{aop.SEARCH_API}/%3CPAILITAO_APP_KEY%3E"):  # fmt: skip
        assert api_of(RecordedRequest("POST", uri), {}) == aop.SEARCH_API
    assert aop_api(f"{SHOWN_URL}/router/rest") is None
    assert api_of(RecordedRequest("POST", f"{base}/{aop.UPLOAD_API}"), {}) == aop.UPLOAD_API
    clock = f"{SHOWN_URL}/param2/1/system/currentTimeMillis/{KEY}"
    assert api_of(RecordedRequest("POST", clock), {}) is None


def test_recorded_params_of_a_plain_vcrpy_aop_request() -> None:
    body = {"access_token": "t", aop.SEARCH_PARAM: '{"imageId":"1"}', "_aop_signature": "S"}
    request = RecordedRequest(
        "POST",
        f"https://gw.open.1688.com/openapi/param2/1/{aop.NAMESPACE}/{aop.SEARCH_API}/123456",
        {"Content-Type": ["application/x-www-form-urlencoded"]},
        httpx.QueryParams(body).__str__(),
    )
    assert recorded_params(request) == body
    assert api_of(request, body) == aop.SEARCH_API


def test_check_and_diff_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pailitao import cli
    from pailitao.contract.cli import register

    registrars = cli._registrars()
    if register not in registrars:
        monkeypatch.setattr(cli, "_registrars", lambda: [*registrars, register])
    assert cli.main(["contract", "check", str(DATA / "good"), str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == (
        "checked 11 answers in 2 files: all conform to the contract\n"
    )
    assert cli.main(["contract", "diff", "--cassettes", str(DATA / "drift")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "compared 1 answer: 11 differences in shape, 0 allowed"


def test_the_stored_broken_copy_is_the_example_with_three_values_changed() -> None:
    broken = json.loads((DATA / "broken" / "wrong_types.json").read_text("utf-8"))
    fixed = copy.deepcopy(broken)
    offer = fixed["result"]["result"]["data"][0]
    offer.update(offerId=123, monthSold=1234)
    offer["priceInfo"]["price"] = "1"
    assert fixed == example()
