"""Record and replay in the Open Platform ("AOP") dialect: canonical JSON params,
no app key in the stored path, no credential anywhere, signatures checked on replay.

Traffic is real: httpx sends signed requests (built here with pailitao.wire.aop,
not the client) to the fake gateway, wrapped in an httpx.MockTransport (which
vcrpy intercepts) under a host it records, or served over HTTP by ThreadedServer.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fake1688 import Catalog, FakeGateway
from fake1688.server import ThreadedServer
from hypothesis import given
from hypothesis import strategies as st
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from pailitao.recording import IN_PROCESS_HOST, ReplaySignatureError, fingerprint, make_vcr
from pailitao.recording.canonical import canonical_json, parse_canonical_body
from pailitao.recording.config import vcr_config
from pailitao.recording.scan import scan_paths, scan_text
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, aop

KEY, SECRET, TOKEN = DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_ACCESS_TOKEN
#: A host vcrpy records (the in-process fake's own host is never recorded).
BASE = "https://gw.open.1688.com/openapi"
NOW = 1_764_300_000.0
API_PREFIX = f"{BASE}/param2/1/{aop.NAMESPACE}/"


class Signer:
    """Sends signed Open Platform calls with plain httpx, and keeps each signature."""

    def __init__(
        self,
        transport: httpx.BaseTransport,
        *,
        base: str = BASE,
        secret: str = SECRET,
        key: str = KEY,
        token: str = TOKEN,
        now: float = NOW,
    ) -> None:
        self.http = httpx.Client(transport=transport)
        self.base, self.secret, self.key, self.token = base, secret, key, token
        self.millis = int(now * 1000)
        self.signatures: list[str] = []

    def call(self, api: str, params: dict[str, str], *, signed: bool = True) -> httpx.Response:
        path = aop.ApiPath(aop.NAMESPACE, api, self.key)
        sent = {aop.ACCESS_TOKEN: self.token, aop.TIMESTAMP: str(self.millis), **params}
        if signed:
            sent[aop.SIGNATURE] = aop.sign(path.signed, sent, self.secret)
            self.signatures.append(sent[aop.SIGNATURE])
        self.millis += 1000  # every call a new timestamp, as a client's clock moves
        return self.http.post(path.url(self.base), data=sent)

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()


def styled(value: dict[str, Any], style: str) -> str:
    """JSON text: ``compact`` as the gateway reads it, or keys reversed with loose whitespace."""
    if style == "compact":
        return aop.encode_param(value)
    return json.dumps(dict(reversed(value.items())), indent=2, ensure_ascii=True)


def upload_param(photo: bytes, style: str = "compact") -> str:
    return styled({"imageBase64": base64.b64encode(photo).decode(), "outMemberId": "m1"}, style)


def query_param(image_id: str, page: int, sort: str | None, style: str = "compact") -> str:
    query: dict[str, Any] = {"imageId": image_id, "beginPage": page, "pageSize": 5, "country": "en"}
    if sort:
        query["sort"] = styled({"price": sort}, style)
    return styled(query, style)


def session(signer: Signer, photo: bytes, style: str = "compact") -> list[Any]:
    """Upload, then search by imageId: two pages, then a sort. Returns each answer's JSON."""
    upload = signer.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo, style)})
    image_id = upload.json()["result"]["result"]
    searches = [(1, None), (2, None), (1, "asc")]
    answers = [
        signer.call(aop.SEARCH_API, {aop.SEARCH_PARAM: query_param(image_id, page, sort, style)})
        for page, sort in searches
    ]
    return [upload.json(), *(answer.json() for answer in answers)]


def unreachable(request: httpx.Request) -> httpx.Response:
    raise AssertionError("replay reached the server")


@pytest.fixture(scope="module")
def catalog() -> Any:
    return Catalog.default(0)


@pytest.fixture
def gateway(catalog: Any) -> FakeGateway:
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


@pytest.fixture
def fake(gateway: FakeGateway) -> httpx.MockTransport:
    """The in-process fake behind a transport vcrpy records."""
    return httpx.MockTransport(gateway.transport().handle_request)


@pytest.fixture
def photo(catalog: Any) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[3]))


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "cassettes"


def recorder(library: Path, **options: Any) -> Any:
    return make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=library, **options)


def replayer(library: Path, **options: Any) -> Any:
    return make_vcr(secret=SECRET, cassette_library_dir=library, **options)


@pytest.fixture
def recorded(
    library: Path, fake: httpx.MockTransport, photo: bytes
) -> tuple[Path, list[Any], list[str]]:
    """The session recorded into ``aop.yaml``: its path, the answers, the signatures sent."""
    with Signer(fake) as signer, recorder(library).use_cassette("aop"):
        answers = session(signer, photo)
    return library / "aop.yaml", answers, signer.signatures


def bodies(path: Path) -> list[dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [parse_canonical_body(i["request"]["body"]) for i in data["interactions"]]


# -- what a cassette holds ---------------------------------------------------------------


def test_the_cassette_holds_no_credential_signature_timestamp_or_image(
    recorded: tuple[Path, list[Any], list[str]], photo: bytes
) -> None:
    path, answers, signatures = recorded
    text = path.read_text(encoding="utf-8")
    encoded = base64.b64encode(photo).decode()
    for value in (SECRET, KEY, TOKEN, "_aop_signature", "_aop_timestamp", "access_token"):
        assert value not in text
    for signature in signatures:
        assert signature not in text.upper()
    for chunk in (encoded[:40], encoded[3000:3040], encoded[-40:]):
        assert chunk not in text
    assert len(bodies(path)[0][aop.UPLOAD_PARAM]) < 150 < len(encoded)
    assert answers[0]["result"]["success"] is True
    assert len(answers[1]["result"]["result"]["data"]) == 5


def test_the_cassette_stores_canonical_json_and_paths_without_the_app_key(
    recorded: tuple[Path, list[Any], list[str]], photo: bytes
) -> None:
    path, answers, _ = recorded
    text = path.read_text(encoding="utf-8")
    image_id = answers[0]["result"]["result"]
    shown = fingerprint(photo).render()
    assert f'uploadImageParam={{"imageBase64":"{shown}","outMemberId":"m1"}}\n' in text
    assert bodies(path) == [
        {"uploadImageParam": f'{{"imageBase64":"{shown}","outMemberId":"m1"}}'},
        {
            "offerQueryParam": f'{{"beginPage":1,"country":"en","imageId":"{image_id}","pageSize":5}}'
        },
        {
            "offerQueryParam": f'{{"beginPage":2,"country":"en","imageId":"{image_id}","pageSize":5}}'
        },
        {
            "offerQueryParam": f'{{"beginPage":1,"country":"en","imageId":"{image_id}",'
            '"pageSize":5,"sort":"{\\"price\\":\\"asc\\"}"}'
        },
    ]
    uris = [i["request"]["uri"] for i in yaml.safe_load(text)["interactions"]]
    assert uris == [API_PREFIX + aop.UPLOAD_API] + [API_PREFIX + aop.SEARCH_API] * 3


def test_a_cassette_passes_the_scan(recorded: tuple[Path, list[Any], list[str]]) -> None:
    known = {
        "configured-secret": SECRET,
        "configured-app-key": KEY,
        "configured-access-token": TOKEN,
    }
    assert scan_paths([recorded[0]], known) == (1, [])


def test_the_scan_flags_an_open_platform_path_that_keeps_its_app_key() -> None:
    def rules(line: str) -> list[str]:
        return [finding.rule for finding in scan_text(Path("c.yaml"), line, {})]

    assert rules(f"uri: {API_PREFIX}{aop.SEARCH_API}/1234567") == ["app-key-in-path"]
    assert rules(f"uri: {BASE}/param2/1/system/currentTimeMillis/k1?x=1") == ["app-key-in-path"]
    assert rules(f"uri: {API_PREFIX}{aop.SEARCH_API}") == []
    assert rules("msg: URLs are /openapi/param2/1/<namespace>/<name>/<appKey>") == []


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('"monthSold":50,"token":"5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs","offerId":1', []),
        ('\\"token\\":\\"5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs\\"', []),
        ('"token":"5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs0"', ["token-in-auth-field"]),
        ('"access_token":"5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs"', ["unscrubbed-param"]),
    ],
)
def test_the_scan_lets_an_offers_public_token_pass(line: str, found: list[str]) -> None:
    assert [finding.rule for finding in scan_text(Path("c.yaml"), line, {})] == found


def test_blobs_keep_the_uploaded_image(
    library: Path, fake: Any, photo: bytes, tmp_path: Path
) -> None:
    signer = Signer(fake)
    with recorder(library, blob_dir=tmp_path / "blobs").use_cassette("blob"):
        signer.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo)})
    assert (tmp_path / "blobs" / f"{fingerprint(photo).sha256}.jpeg").read_bytes() == photo


# -- replay -------------------------------------------------------------------------------


def test_replay_matches_new_timestamps_key_orders_and_whitespace(
    recorded: tuple[Path, list[Any], list[str]], library: Path, photo: bytes
) -> None:
    _, answers, _ = recorded
    assert query_param("1", 1, "asc", "loose").startswith('{\n  "sort": "{\\n  \\"price\\"')
    later = Signer(httpx.MockTransport(unreachable), now=NOW + 3600)
    with replayer(library).use_cassette("aop") as cassette:
        assert session(later, photo, style="loose") == answers
        assert cassette.all_played


def test_replay_under_another_app_key_and_token_matches(
    recorded: tuple[Path, list[Any], list[str]], library: Path, photo: bytes
) -> None:
    other = Signer(httpx.MockTransport(unreachable), key="other_app_9", token="other_token_9")
    with replayer(library).use_cassette("aop"):
        assert session(other, photo) == recorded[1]


def test_a_changed_begin_page_fails_and_names_the_field(
    recorded: tuple[Path, list[Any], list[str]], library: Path
) -> None:
    image_id = recorded[1][0]["result"]["result"]
    signer = Signer(httpx.MockTransport(unreachable))
    with replayer(library).use_cassette("aop"):
        with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
            signer.call(aop.SEARCH_API, {aop.SEARCH_PARAM: query_param(image_id, 3, None)})
    message = str(caught.value)
    assert "param 'offerQueryParam.beginPage': recorded '1', this request '3'" in message
    assert "param 'offerQueryParam.beginPage': recorded '2', this request '3'" in message
    assert (
        """param 'offerQueryParam.sort': only in the recorded request ('{"price":"asc"}')"""
        in message
    )


def test_a_changed_nested_sort_names_the_field_inside_it(
    recorded: tuple[Path, list[Any], list[str]], library: Path
) -> None:
    image_id = recorded[1][0]["result"]["result"]
    signer = Signer(httpx.MockTransport(unreachable))
    with replayer(library).use_cassette("aop"):
        with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
            signer.call(aop.SEARCH_API, {aop.SEARCH_PARAM: query_param(image_id, 1, "desc")})
    assert """param 'offerQueryParam.sort.price': recorded '"asc"', this request '"desc"'""" in str(
        caught.value
    )


def test_a_wrong_secret_fails_replay_without_showing_a_secret(
    recorded: tuple[Path, list[Any], list[str]], library: Path, photo: bytes
) -> None:
    wrong = Signer(httpx.MockTransport(unreachable), secret="not-the-secret")
    with replayer(library).use_cassette("aop"):
        with pytest.raises(ReplaySignatureError) as caught:
            wrong.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo)})
    message = str(caught.value)
    assert message.startswith(
        f"the request to {aop.NAMESPACE}:{aop.UPLOAD_API} does not verify with the configured "
        "secret (HMAC-SHA1). The signer hashed the canonical string "
        f"'param2/1/{aop.NAMESPACE}/{aop.UPLOAD_API}/{KEY}_aop_timestamp{int(NOW * 1000)}"
        "access_token<redacted>uploadImageParam"
    )
    assert "over the URL path from param2/ on and params _aop_timestamp, access_token, " in message
    assert f"({len(upload_param(photo)):,} chars)…" in message
    for hidden in (SECRET, "not-the-secret", TOKEN, wrong.signatures[0]):
        assert hidden not in message
    assert len(message) < 700


def test_a_missing_signature_fails_replay(
    recorded: tuple[Path, list[Any], list[str]], library: Path, photo: bytes
) -> None:
    unsigned = Signer(httpx.MockTransport(unreachable))
    with replayer(library).use_cassette("aop"):
        with pytest.raises(ReplaySignatureError, match="has no _aop_signature"):
            unsigned.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo)}, signed=False)


def test_a_wrong_secret_fails_while_recording_too(library: Path, fake: Any, photo: bytes) -> None:
    wrong = Signer(fake, secret="not-the-secret")
    with recorder(library).use_cassette("wrong"), pytest.raises(ReplaySignatureError):
        wrong.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo)})


def test_malformed_json_is_kept_as_text_and_replays(library: Path, fake: Any) -> None:
    broken = '{"imageId": "1", "beginPage": '
    signer = Signer(fake)
    with recorder(library).use_cassette("broken"):
        answer = signer.call(aop.SEARCH_API, {aop.SEARCH_PARAM: broken}).json()
    assert answer["result"]["success"] is False
    assert bodies(library / "broken.yaml") == [{aop.SEARCH_PARAM: broken}]
    replay = Signer(httpx.MockTransport(unreachable))
    with replayer(library).use_cassette("broken"):
        assert replay.call(aop.SEARCH_API, {aop.SEARCH_PARAM: broken}).json() == answer
        with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
            replay.call(aop.SEARCH_API, {aop.SEARCH_PARAM: broken + " "})
    assert "param 'offerQueryParam': recorded" in str(caught.value)


def test_the_unsigned_clock_api_records_without_its_app_key(library: Path, fake: Any) -> None:
    path = aop.ApiPath(aop.TIME_NAMESPACE, aop.TIME_API, KEY)
    with recorder(library).use_cassette("clock"), httpx.Client(transport=fake) as http:
        assert http.post(path.url(BASE)).json() == int(NOW * 1000)
    (interaction,) = yaml.safe_load((library / "clock.yaml").read_text())["interactions"]
    assert interaction["request"]["uri"] == f"{BASE}/param2/1/system/currentTimeMillis"


def test_calls_to_the_in_process_fake_pass_through(
    library: Path, gateway: FakeGateway, photo: bytes
) -> None:
    hosts: list[str] = []

    def counted(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return gateway.transport().handle_request(request)

    signer = Signer(httpx.MockTransport(counted), base=f"http://{IN_PROCESS_HOST}/openapi")
    with replayer(library).use_cassette("nothing-recorded"):
        answer = signer.call(aop.UPLOAD_API, {aop.UPLOAD_PARAM: upload_param(photo)})
    assert answer.json()["result"]["success"] is True
    assert hosts == [IN_PROCESS_HOST]
    assert not (library / "nothing-recorded.yaml").exists()


def test_record_over_http_then_replay_with_the_server_stopped(
    library: Path, gateway: FakeGateway, photo: bytes
) -> None:
    with ThreadedServer(gateway) as server, recorder(library).use_cassette("http"):
        with Signer(httpx.HTTPTransport(), base=f"{server.url}/openapi") as live:
            answers = session(live, photo)
    with (
        replayer(library).use_cassette("http"),  # the server is gone
        Signer(httpx.HTTPTransport(), base=f"{server.url}/openapi", now=NOW + 60) as replay,
    ):
        assert session(replay, photo, style="loose") == answers
    assert KEY not in (library / "http.yaml").read_text(encoding="utf-8")


# -- scrubbing answers -----------------------------------------------------------------------


def echo(request: httpx.Request) -> httpx.Response:
    """An answer that repeats what it was sent: the app key, the token, the secret."""
    form = dict(httpx.QueryParams(request.content.decode()))
    app_key = request.url.path.rsplit("/", 1)[1]
    message = f"app {app_key} token {form[aop.ACCESS_TOKEN]} secret {SECRET}"
    return httpx.Response(
        200, json={"error_message": message}, headers={"X-App-Key": app_key, "X-Token": TOKEN}
    )


def test_keys_and_tokens_that_requests_send_never_reach_a_recorded_answer(library: Path) -> None:
    signer = Signer(httpx.MockTransport(echo), token="a_token_nobody_configured")
    with recorder(library).use_cassette("echo"):  # only the secret is configured
        signer.call(aop.SEARCH_API, {aop.SEARCH_PARAM: "{}"})
    text = (library / "echo.yaml").read_text(encoding="utf-8")
    for value in (KEY, "a_token_nobody_configured", SECRET, TOKEN):
        assert value not in text
    assert (
        "app <PAILITAO_APP_KEY> token <PAILITAO_ACCESS_TOKEN> secret <PAILITAO_APP_SECRET>" in text
    )


def test_configured_credentials_are_restored_on_replay(library: Path) -> None:
    credentials = {"app_key": KEY, "access_token": TOKEN}
    with recorder(library, **credentials).use_cassette("echo"):
        original = Signer(httpx.MockTransport(echo)).call(aop.SEARCH_API, {"p": "1"}).json()
    assert TOKEN not in (library / "echo.yaml").read_text(encoding="utf-8")
    replay = Signer(httpx.MockTransport(unreachable))
    with replayer(library, **credentials).use_cassette("echo"):
        assert replay.call(aop.SEARCH_API, {"p": "1"}).json() == original
    assert original == {"error_message": f"app {KEY} token {TOKEN} secret {SECRET}"}


def test_the_fakes_refusal_that_quotes_the_app_key_is_scrubbed(library: Path, fake: Any) -> None:
    wrong = Signer(fake, secret="not-the-secret")
    with recorder(library, verify_signatures=False).use_cassette("refused"):
        refusal = wrong.call(aop.SEARCH_API, {aop.SEARCH_PARAM: "{}"})
    assert refusal.json()["error_code"] == "gw.SignatureInvalid"
    assert KEY in refusal.text
    text = (library / "refused.yaml").read_text(encoding="utf-8")
    assert KEY not in text
    assert f"product.search.imageQuery/<PAILITAO_APP_KEY>{aop.TIMESTAMP}" in text


def test_a_short_learned_value_is_left_alone(library: Path) -> None:
    """Too short to tell from ordinary text: replacing it would corrupt the answer."""
    signer = Signer(httpx.MockTransport(echo), token="t1")
    with recorder(library).use_cassette("short"):
        signer.call(aop.SEARCH_API, {"p": "1"})
    assert "token t1 secret" in (library / "short.yaml").read_text(encoding="utf-8")


# -- properties ----------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
offer_queries = st.dictionaries(st.text(max_size=10), json_values, max_size=6)
SPACES = ["", " ", "\n", "\t", "  \r\n"]


def scrambled(value: Any, rnd: random.Random) -> str:
    """JSON text of ``value`` with shuffled keys, random whitespace and random escaping."""
    gap = lambda: rnd.choice(SPACES)  # noqa: E731
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        fields = [f"{gap()}{json.dumps(k, ensure_ascii=rnd.random() < 0.5)}{gap()}:{gap()}"
                  f"{scrambled(v, rnd)}{gap()}" for k, v in items]  # fmt: skip
        return "{" + ",".join(fields) + gap() + "}"
    if isinstance(value, list):
        return "[" + ",".join(gap() + scrambled(v, rnd) + gap() for v in value) + gap() + "]"
    return json.dumps(value, ensure_ascii=rnd.random() < 0.5)


def canonicalised(params: dict[str, str], secret: str = SECRET, key: str = KEY) -> Any:
    """What the recording config stores for a signed AOP search sending ``params``."""
    path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, key)
    signed = {**params, aop.SIGNATURE: aop.sign(path.signed, params, secret)}
    request = httpx.Request("POST", path.url(BASE), data=signed)
    raw = Request(request.method, str(request.url), request.read(), dict(request.headers))
    return vcr_config(secret=secret)["before_record_request"](raw)


@given(query=offer_queries, sort=offer_queries, rnd=st.randoms(use_true_random=False))
def test_key_order_and_whitespace_never_change_the_canonical_form(
    query: dict[str, Any], sort: dict[str, Any], rnd: random.Random
) -> None:
    query = {**query, "sort": aop.encode_param(sort)}
    loose = {**query, "sort": scrambled(sort, rnd)}
    compact = canonicalised({aop.SEARCH_PARAM: aop.encode_param(query), aop.TIMESTAMP: "1"})
    again = canonicalised({aop.SEARCH_PARAM: scrambled(loose, rnd), aop.TIMESTAMP: "2"})
    assert (again.uri, again.body) == (compact.uri, compact.body)
    assert canonical_json(scrambled(query, rnd)) == canonical_json(aop.encode_param(query))


# Credentials look like real ones: long, letters and digits mixed, so no JSON text
# generated above (at most 12 characters a string) can hold one by chance.
credentials = st.builds(
    "{}{}".format,
    st.text("ghijklmnopqrstuvwxyz", min_size=8, max_size=16),
    st.text("0123456789", min_size=8, max_size=16),
)


@given(
    query=offer_queries,
    secret=credentials,
    key=credentials,
    token=credentials,
    millis=st.integers(10**12, 10**13),
)
def test_no_canonical_form_holds_a_secret_bearing_value(
    query: dict[str, Any], secret: str, key: str, token: str, millis: int
) -> None:
    params = {
        aop.SEARCH_PARAM: aop.encode_param(query),
        aop.ACCESS_TOKEN: token,
        aop.TIMESTAMP: str(millis),
    }
    stored = canonicalised(params, secret, key)
    path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, key)
    signature = aop.sign(path.signed, params, secret)
    text = f"{stored.uri}\n{stored.body.decode()}\n{stored.headers}"
    for hidden in (secret, key, token, signature, aop.SIGNATURE, aop.TIMESTAMP, aop.ACCESS_TOKEN):
        assert hidden not in text
    assert stored.uri == API_PREFIX + aop.SEARCH_API
