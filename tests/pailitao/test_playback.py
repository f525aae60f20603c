"""``pailitao cassettes serve``: the example cassettes answered over HTTP, as replay answers them."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import requests
import yaml
from fake1688 import FakeGateway

from pailitao.recording.playback import (
    Credentials,
    Incoming,
    Library,
    PlaybackServer,
    make_server,
    refusal,
)
from pailitao.wire import IN_PROCESS_HOST, aop, reseller, signing, top

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
PHOTO = (CASSETTES / "blobs").joinpath(
    "041d820095421cd7646142514a514748699e1dc0d8da8631283f99c62ba25973.jpeg"
)
SECRET, KEY, TOKEN = "test_app_secret", "test_app_key", "test_access_token"
SEARCH_PATH = f"/openapi/param2/1/{aop.NAMESPACE}/{aop.SEARCH_API}/{KEY}"
AOP_QUERY = {
    "beginPage": 1,
    "country": "en",
    "imageAddress": "https://cbu01.alicdn.com/img/ibank/O1CN01umAHekM0f7FWdwCJ7F483v_!!3984015137-0-cib.jpg",
    "pageSize": 10,
}
#: The fake's request ids, shaped like the platform's ``13yki55kbv7ug``.
REQUEST_ID = re.compile(r"[a-z2-7]{13}")


def top_form(secret: str = SECRET, **params: str) -> dict[str, str]:
    """A signed TOP search by the example photo (page 1 of 20, as the cassette holds)."""
    form = {
        "method": "1688.items.search.img",
        "app_key": KEY,
        "timestamp": signing.format_timestamp(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "image": base64.b64encode(PHOTO.read_bytes()).decode(),
        "page": "1",
        "page_size": "20",
        **params,
    }
    return {**form, "sign": signing.sign(form, secret, "md5")}


def aop_form(secret: str = SECRET, **query: Any) -> dict[str, str]:
    form = {
        aop.SEARCH_PARAM: json.dumps({**AOP_QUERY, **query}),
        aop.ACCESS_TOKEN: TOKEN,
        aop.TIMESTAMP: "1764750000000",
    }
    signed = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY).signed
    return {**form, aop.SIGNATURE: aop.sign(signed, form, secret)}


def post(path: str, form: dict[str, str]) -> Incoming:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return Incoming("POST", f"http://127.0.0.1:1{path}", headers, urlencode(form).encode())


def recorded_body(cassette: str, index: int) -> bytes:
    data = yaml.safe_load((CASSETTES / cassette).read_text(encoding="utf-8"))
    body: str = data["interactions"][index]["response"]["body"]["string"]
    return body.encode("utf-8")


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.from_folder(CASSETTES, Credentials())


@pytest.fixture
def server(library: Library) -> PlaybackServer:
    for recording in library.recordings:
        recording.played = 0
    return PlaybackServer(library, CASSETTES)


@pytest.fixture(scope="module")
def fake() -> Iterator[httpx.Client]:
    """The in-process fake gateway: what playback's refusals are held to."""
    transport = FakeGateway().transport()
    with httpx.Client(transport=transport, base_url=f"http://{IN_PROCESS_HOST}") as client:
        yield client


def top_error(body: bytes) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(body)[top.ERROR_KEY]
    return error


def without(form: dict[str, str], key: str, *, empty: bool) -> dict[str, str]:
    """``form`` with ``key`` left out, or sent empty."""
    kept = {k: v for k, v in form.items() if k != key}
    return {**kept, key: ""} if empty else kept


def test_a_recorded_top_search_answers_as_recorded(server: PlaybackServer) -> None:
    answer = server(post("/openapi/router/rest", top_form(page="2")))
    assert answer.status == 200
    assert answer.body == recorded_body("search_several_pages.yaml", 1)
    assert ("content-type", "application/json;charset=UTF-8") in answer.headers


def test_the_path_is_matched_and_named(server: PlaybackServer) -> None:
    answer = server(post("/router/rest", top_form(page="2")))
    error = json.loads(answer.body)["error_response"]
    assert (
        "the closest recorded request, POST http://127.0.0.1:8688/openapi/router/rest "
        "(search_several_pages.yaml, interaction 1), differs: URL path: recorded "
        "'/openapi/router/rest', this request '/router/rest'."
    ) in error["sub_msg"]


def test_matches_play_in_order_and_the_last_repeats(server: PlaybackServer) -> None:
    first = server(post("/openapi/router/rest", top_form(page="2"))).body
    again = server(post("/openapi/router/rest", top_form(page="2"))).body
    assert first == again == recorded_body("search_several_pages.yaml", 1)


def test_an_unrecorded_top_request_names_the_param_that_differs(server: PlaybackServer) -> None:
    answer = server(post("/openapi/router/rest", top_form(page="9")))
    error = json.loads(answer.body)["error_response"]
    assert (answer.status, error["code"], error["msg"]) == (200, 41, "Invalid Arguments")
    assert error["sub_code"] == "pailitao.not-recorded"
    assert "param 'page': recorded '1', this request '9'" in error["sub_msg"]
    assert "search_several_pages.yaml, interaction 0" in error["sub_msg"]
    assert error["sub_msg"].endswith("record it with `pailitao cassettes record`.")


def test_a_wrong_top_signature_is_refused_as_replay_refuses_it(server: PlaybackServer) -> None:
    answer = server(post("/openapi/router/rest", top_form(secret="nope", page="2")))
    error = json.loads(answer.body)["error_response"]
    assert (error["code"], error["msg"]) == (25, "Invalid signature")
    assert error["sub_code"] == "isv.invalid-parameter"
    assert REQUEST_ID.fullmatch(error["request_id"])
    assert error["sub_msg"].startswith(
        "the request to 1688.items.search.img does not verify with the configured secret"
    )
    assert SECRET not in answer.body.decode()


@pytest.mark.parametrize("empty", [False, True], ids=["left out", "empty"])
def test_a_top_request_without_sign_is_refused_with_24_as_the_fake_refuses_it(
    server: PlaybackServer, fake: httpx.Client, empty: bool
) -> None:
    form = without(top_form(page="2"), "sign", empty=empty)
    answer = server(post("/openapi/router/rest", form))
    played = top_error(answer.body)
    faked = top_error(fake.post("/openapi/router/rest", data=form).content)
    expected = (24, "Missing Signature", "isv.missing-parameter")
    assert (played["code"], played["msg"], played["sub_code"]) == expected
    assert (faked["code"], faked["msg"], faked["sub_code"]) == expected
    assert answer.status == 200
    assert played["sub_msg"].startswith("the request to 1688.items.search.img ")
    assert REQUEST_ID.fullmatch(played["request_id"])
    assert REQUEST_ID.fullmatch(faked["request_id"])


def test_a_wrong_top_signature_gets_the_fakes_code_and_sub_code(
    server: PlaybackServer, fake: httpx.Client
) -> None:
    form = top_form(secret="nope", page="2")
    played = top_error(server(post("/openapi/router/rest", form)).body)
    faked = top_error(fake.post("/openapi/router/rest", data=form).content)
    assert (played["code"], played["msg"], played["sub_code"]) == (
        faked["code"],
        faked["msg"],
        faked["sub_code"],
    )


def test_a_recorded_aop_search_answers_as_recorded(server: PlaybackServer) -> None:
    answer = server(post(SEARCH_PATH, aop_form()))
    assert (answer.status, answer.body) == (200, recorded_body("aop_each_sort.yaml", 0))


def test_an_unrecorded_aop_request_names_the_json_field(server: PlaybackServer) -> None:
    answer = server(post(SEARCH_PATH, aop_form(beginPage=3)))
    error = json.loads(answer.body)
    assert answer.status == 400
    assert (error["error_code"], error["error_message"]) == (
        "gw.ParamInvalid",
        "Request parameters are invalid",
    )
    assert (
        "param 'offerQueryParam.beginPage': recorded '1', this request '3'" in (error["exception"])
    )


def test_a_wrong_aop_signature_is_refused_without_the_token(server: PlaybackServer) -> None:
    answer = server(post(SEARCH_PATH, aop_form(secret="not_the_secret")))
    error = json.loads(answer.body)
    assert (answer.status, error["error_code"]) == (400, "gw.SignatureInvalid")
    assert "does not verify with the configured secret (HMAC-SHA1)" in error["exception"]
    assert TOKEN not in answer.body.decode()
    assert SECRET not in answer.body.decode()


@pytest.mark.parametrize("empty", [False, True], ids=["left out", "empty"])
def test_an_aop_request_without_signature_is_refused_as_the_fake_refuses_it(
    server: PlaybackServer, fake: httpx.Client, empty: bool
) -> None:
    form = without(aop_form(), aop.SIGNATURE, empty=empty)
    answer = server(post(SEARCH_PATH, form))
    faked = fake.post(SEARCH_PATH, data=form)
    played, expected = json.loads(answer.body), json.loads(faked.content)
    assert (answer.status, played["error_code"], played["error_message"]) == (
        400,
        "gw.SignatureMissing",
        "Signature is missing",
    )
    assert (faked.status_code, expected["error_code"], expected["error_message"]) == (
        answer.status,
        played["error_code"],
        played["error_message"],
    )
    assert f"has no {aop.SIGNATURE} with the configured secret" in played["exception"]
    assert TOKEN not in answer.body.decode()
    assert REQUEST_ID.fullmatch(played["request_id"])
    assert REQUEST_ID.fullmatch(expected["request_id"])


def test_a_wrong_aop_signature_gets_the_fakes_code(
    server: PlaybackServer, fake: httpx.Client
) -> None:
    form = aop_form(secret="not_the_secret")
    answer, faked = server(post(SEARCH_PATH, form)), fake.post(SEARCH_PATH, data=form)
    played, expected = json.loads(answer.body), json.loads(faked.content)
    assert (answer.status, played["error_code"], played["error_message"]) == (
        faked.status_code,
        expected["error_code"],
        expected["error_message"],
    )
    assert REQUEST_ID.fullmatch(played["request_id"])


RESELLER_CASSETTE = """\
pailitao_format: 1
version: 1
interactions:
- request:
    method: GET
    uri: https://api-gw.onebound.cn/1688/item_search_img/
    body: |
      api_name=item_search_img
      imgid=https://example.test/a.jpg
      page=1
    headers:
      Content-Type:
      - text/plain; charset=utf-8
      X-Pailitao-Sent-As:
      - query
  response:
    status: {code: 200, message: OK}
    headers:
      content-type: [application/json;charset=UTF-8]
    body:
      string: '{"items":{"page":1,"item":[]},"error_code":"0000","reason":"ok"}'
"""


def test_an_unrecorded_reseller_request_gets_error_code_4003(tmp_path: Path) -> None:
    (tmp_path / "reseller.yaml").write_text(RESELLER_CASSETTE, encoding="utf-8")
    server = PlaybackServer(Library.from_folder(tmp_path, Credentials()), tmp_path)
    query = "api_name=item_search_img&imgid=https://example.test/a.jpg&key=k1234567&secret=s7654321"
    hit = server(Incoming("GET", f"http://h/1688/item_search_img/?{query}&page=1", {}, b""))
    assert json.loads(hit.body)["error_code"] == "0000"
    miss = server(Incoming("GET", f"http://h/1688/item_search_img/?{query}&page=2", {}, b""))
    error = json.loads(miss.body)
    assert (miss.status, error["error_code"], error["error"]) == (200, "4003", "parameter error")
    assert "param 'page': recorded '1', this request '2'" in error["reason"]
    assert "s7654321" not in miss.body.decode()


RESELLER_QUERY = {"api_name": "item_search_img", "imgid": "https://example.test/a.jpg", "page": "1"}


@pytest.mark.parametrize("credential", reseller.CREDENTIAL_PARAMS)
def test_a_reseller_request_without_a_credential_gets_4014_as_the_fake_answers(
    tmp_path: Path, fake: httpx.Client, credential: str
) -> None:
    (tmp_path / "reseller.yaml").write_text(RESELLER_CASSETTE, encoding="utf-8")
    server = PlaybackServer(Library.from_folder(tmp_path, Credentials()), tmp_path)
    credentials = {"key": KEY, "secret": SECRET}
    del credentials[credential]
    query = urlencode({**RESELLER_QUERY, **credentials})
    answer = server(Incoming("GET", f"http://h/1688/item_search_img/?{query}", {}, b""))
    faked = fake.get(f"/1688/item_search_img/?{query}")
    played, expected = json.loads(answer.body), json.loads(faked.content)
    assert (answer.status, played["error_code"], played["error"]) == (
        200,
        "4014",
        "a required param is missing from the url",
    )
    assert (faked.status_code, expected["error_code"], expected["error"]) == (
        answer.status,
        played["error_code"],
        played["error"],
    )
    assert played["reason"].startswith(f"the {credential} param is missing from the url; ")
    assert SECRET not in answer.body.decode()
    assert REQUEST_ID.fullmatch(played["request_id"])
    assert REQUEST_ID.fullmatch(expected["request_id"])


def test_without_verification_a_reseller_request_needs_no_secret(tmp_path: Path) -> None:
    (tmp_path / "reseller.yaml").write_text(RESELLER_CASSETTE, encoding="utf-8")
    library = Library.from_folder(tmp_path, Credentials(verify=False))
    query = urlencode({**RESELLER_QUERY, "key": KEY})
    answer = PlaybackServer(library, tmp_path)(
        Incoming("GET", f"http://h/1688/item_search_img/?{query}", {}, b"")
    )
    assert json.loads(answer.body)["error_code"] == "0000"


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("/openapi/router/rest", top_error),
        (SEARCH_PATH, json.loads),
        ("/1688/item_search_img/", json.loads),
    ],
    ids=["top", "aop", "reseller"],
)
def test_refusals_carry_request_ids_shaped_as_the_platforms(
    path: str, read: Callable[[bytes], Any]
) -> None:
    ids = {read(refusal(f"http://h{path}", "why").body)["request_id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(REQUEST_ID.fullmatch(request_id) for request_id in ids)


def test_an_empty_folder_says_to_record(tmp_path: Path) -> None:
    server = PlaybackServer(Library.from_folder(tmp_path, Credentials()), tmp_path)
    error = json.loads(server(post("/router/rest", top_form())).body)["error_response"]
    assert (
        "no interaction is recorded here; record some with `pailitao cassettes record`"
        in (error["sub_msg"])
    )


@pytest.fixture
def served(server: PlaybackServer) -> Iterator[str]:
    http = make_server(server)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://{}:{}".format(*http.server_address[:2])
    finally:
        http.shutdown()
        http.server_close()


def test_over_http_a_session_replays_and_is_refused(served: str) -> None:
    with requests.Session() as session:
        hit = session.post(f"{served}/openapi/router/rest", data=top_form(page="3"), timeout=10)
        miss = session.post(f"{served}/openapi/router/rest", data=top_form(page="4"), timeout=10)
    assert hit.content == recorded_body("search_several_pages.yaml", 2)
    assert hit.headers["X-Pailitao-Replayed-From"].endswith(
        "search_several_pages.yaml, interaction 2"
    )
    assert json.loads(miss.content)["error_response"]["code"] == 41


def run_cli(*argv: str) -> tuple[int, str]:
    from io import StringIO

    from pailitao.cli import main

    out = StringIO()
    return main(list(argv), out=out, err=out), out.getvalue()


def test_the_command_line_refuses_what_it_cannot_serve(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert run_cli("cassettes", "serve", str(missing)) == (
        2,
        f"pailitao cassettes serve: error: no such file or folder: {missing}\n",
    )
    (tmp_path / "broken.yaml").write_text("version: 1\ninteractions: 3\n", encoding="utf-8")
    status, text = run_cli("cassettes", "serve", str(tmp_path))
    assert status == 2
    assert text.startswith(f"pailitao cassettes serve: error: {tmp_path / 'broken.yaml'}")
    assert text.endswith("; fix or remove that cassette\n")
    assert run_cli("cassettes", "record", str(tmp_path), "--upstream", "gw.test") == (
        2,
        "pailitao cassettes record: error: --upstream 'gw.test' is not a URL; "
        "give http(s)://HOST[:PORT]\n",
    )
