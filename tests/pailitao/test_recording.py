"""Record and replay: matching on the logical request, compact and safe cassettes,
signature checks during replay. The "server" here is an httpx.MockTransport
(which vcrpy intercepts like a network transport)."""

import base64
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr as vcrpy
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from vcr.errors import CannotOverwriteExistingCassetteException

from pailitao import AsyncPailitaoClient, PailitaoClient, RetryPolicy, ServerError
from pailitao.client._requests import search_params
from pailitao.recording import (
    IN_PROCESS_HOST,
    CassetteFormatError,
    ReplaySignatureError,
    fingerprint,
    make_vcr,
    vcr_config,
)

KEY, SECRET = "my_app_key_123", "my_app_secret_456"
URL = "https://gw.example.test/openapi/router/rest"


def photo(color: tuple[int, int, int], size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "JPEG")
    return buffer.getvalue()


RED, BLUE = photo((200, 0, 0)), photo((0, 0, 200))


def answer(request: httpx.Request) -> httpx.Response:
    page = {"page": 1, "page_size": 20, "pagecount": 1, "total_results": 1}
    item = {"num_iid": "610947572360", "title": "夏季新款连衣裙", "price": "59.00"}
    body = {"items_search_img_response": {"items": {**page, "item": [item]}, "request_id": "r1"}}
    return httpx.Response(200, json=body, headers={"Set-Cookie": "session=abc", "X-Ca-Key": KEY})


def unreachable(request: httpx.Request) -> httpx.Response:
    raise AssertionError("replay reached the server")


def client(handler: Any = answer, **options: Any) -> PailitaoClient:
    options.setdefault("retry", RetryPolicy.disabled())
    return PailitaoClient(
        app_key=KEY,
        app_secret=SECRET,
        base_url=URL,
        transport=httpx.MockTransport(handler),
        **options,
    )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "cassettes"


def record(library: Path, name: str = "search", **call: Any) -> Path:
    recorder = make_vcr(
        secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=library
    )
    with recorder.use_cassette(name), client() as c:
        has_source = {"file", "imgid", "image_url"} & set(call)
        c.search_image(**(call if has_source else {"file": RED} | call))
    return library / f"{name}.yaml"


def replayer(library: Path, **options: Any) -> Any:
    return make_vcr(secret=SECRET, cassette_library_dir=library, **options)


def test_replay_matches_a_new_timestamp_sign_and_encoding(library: Path) -> None:
    record(library, cat="10166", sort="price_asc")
    with replayer(library).use_cassette("search"):
        with client(unreachable, timestamp_format="millis", sign_method="hmac") as c:
            page = c.search_image(file=RED, cat="10166", sort="price_asc")
    assert page.items[0].title == "夏季新款连衣裙"
    with replayer(library).use_cassette("search"):
        with client(unreachable, image_encoding="multipart") as c:
            assert c.search_image(file=RED, cat="10166", sort="price_asc").total_results == 1


def test_multipart_boundaries_do_not_matter(library: Path) -> None:
    recorder = make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=library)
    with recorder.use_cassette("multi"), client(image_encoding="multipart") as c:
        c.search_image(file=BLUE)
    for _ in range(2):  # each request gets a fresh random boundary from httpx
        with replayer(library).use_cassette("multi"):
            with client(unreachable, image_encoding="multipart") as c:
                assert c.search_image(file=BLUE).page == 1


@pytest.mark.parametrize(
    ("change", "diff"),
    [
        (
            {"file": BLUE},
            f"image: recorded '<image sha256={fingerprint(RED).sha256} size={len(RED)} "
            f"format=jpeg>', this request '<image sha256={fingerprint(BLUE).sha256}",
        ),
        ({"cat": "999"}, "param 'cat': recorded '10166', this request '999'"),
        ({"sort": "sales_desc"}, "param 'sort': recorded 'price_asc', this request 'sales_desc'"),
        ({"page": 2}, "param 'page': recorded '1', this request '2'"),
        ({"cat": None}, "param 'cat': only in the recorded request ('10166')"),
    ],
)
def test_a_different_logical_request_does_not_match_and_says_why(
    library: Path, change, diff
) -> None:
    record(library, cat="10166", sort="price_asc")
    call = {"file": RED, "cat": "10166", "sort": "price_asc"} | change
    with replayer(library).use_cassette("search"), client(unreachable) as c:
        with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
            c.search_image(**call)
    message = str(caught.value)
    assert "no recorded interaction matches it (the closest differ in pailitao_params)" in message
    assert diff in message


def test_the_mismatch_message_never_shows_the_sign(library: Path) -> None:
    record(library, imgid="abc")
    with replayer(library).use_cassette("search"), client(unreachable) as c:
        with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
            c.search_image(imgid="abd")
    message = str(caught.value)
    assert "param 'imgid': recorded 'abc', this request 'abd'" in message
    assert not re.search(r"[0-9A-F]{32}", message)
    assert SECRET not in message


def test_cassette_is_small_readable_and_holds_no_secret(library: Path) -> None:
    big = photo((10, 200, 10), 900)
    path = record(library, file=big)
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    (interaction,) = data["interactions"]
    body = interaction["request"]["body"]
    assert body.splitlines() == [
        "format=json",
        f"image=<image sha256={fingerprint(big).sha256} size={len(big)} format=jpeg>",
        "method=1688.items.search.img",
        "page=1",
        "page_size=20",
        "v=2.0",
    ]
    assert data["pailitao_format"] == 1
    assert data["version"] == 1
    assert "夏季新款连衣裙" in text
    assert "\\u" not in text
    for secret in (SECRET, KEY, "sign=", "timestamp", "session=abc", "Set-Cookie"):
        assert secret not in text
    assert "<PAILITAO_APP_KEY>" not in text  # the X-Ca-Key header is dropped, not placeholdered
    assert len(text.encode()) < 2048 < len(big)


def test_plain_vcrpy_loads_and_replays_the_cassette(library: Path) -> None:
    record(library)
    plain = vcrpy.VCR(
        cassette_library_dir=str(library), record_mode="none", match_on=["method", "path"]
    )
    with plain.use_cassette("search.yaml") as cassette, client(unreachable) as c:
        assert len(cassette) == 1
        assert c.search_image(file=RED).items[0].num_iid == "610947572360"


def test_the_secret_in_a_response_is_replaced_and_restored(library: Path) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error_response": {"code": 15, "msg": f"bad {SECRET}"}})

    recorder = make_vcr(
        secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=library
    )
    with recorder.use_cassette("echo"), client(echo) as c, pytest.raises(ServerError):
        c.search_image(imgid="a")
    text = (library / "echo.yaml").read_text(encoding="utf-8")
    assert SECRET not in text
    assert "bad <PAILITAO_APP_SECRET>" in text


def wrong_signer() -> PailitaoClient:
    return PailitaoClient(app_key=KEY, app_secret="not-the-secret", base_url=URL,
                          transport=httpx.MockTransport(unreachable))  # fmt: skip


def test_a_broken_signer_fails_replay_loudly(library: Path) -> None:
    record(library, imgid="abc")
    with replayer(library).use_cassette("search"), wrong_signer() as wrong:
        with pytest.raises(ReplaySignatureError) as caught:
            wrong.search_image(imgid="abc")
    message = str(caught.value)
    assert message.startswith(
        "the request to 1688.items.search.img does not verify with the configured secret"
    )
    assert (
        "over params app_key, format, imgid, method, page, page_size, sign_method, timestamp, v"
        in message
    )
    assert SECRET not in message
    assert "not-the-secret" not in message
    assert len(message) < 600


def test_the_signature_message_elides_an_image(library: Path) -> None:
    record(library)
    with replayer(library).use_cassette("search"), wrong_signer() as wrong:
        with pytest.raises(ReplaySignatureError) as caught:
            wrong.search_image(file=RED)
    assert f"({len(base64.b64encode(RED)):,} chars)…" in str(caught.value)
    assert len(str(caught.value)) < 700


def test_signature_checks_can_be_switched_off(library: Path) -> None:
    record(library, imgid="abc")
    with replayer(library, verify_signatures=False).use_cassette("search"):
        with PailitaoClient(app_key=KEY, app_secret="other", base_url=URL,
                            transport=httpx.MockTransport(unreachable)) as c:  # fmt: skip
            assert c.search_image(imgid="abc").page == 1


def test_blobs_are_kept_beside_the_cassettes_only_when_asked(library: Path, tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    recorder = make_vcr(
        secret=SECRET, record_mode="once", cassette_library_dir=library, blob_dir=blobs
    )
    with recorder.use_cassette("blob"), client() as c:
        c.search_image(file=RED)
    assert (blobs / f"{fingerprint(RED).sha256}.jpeg").read_bytes() == RED
    record(library, name="noblob", file=BLUE)
    assert not (blobs / f"{fingerprint(BLUE).sha256}.jpeg").exists()


def test_calls_to_the_in_process_fake_pass_through(library: Path) -> None:
    calls: list[str] = []

    def fake(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        return answer(request)

    with replayer(library).use_cassette("nothing-recorded"):
        in_process = PailitaoClient(app_key=KEY, app_secret=SECRET, transport=httpx.MockTransport(fake),
                                    base_url=f"http://{IN_PROCESS_HOST}/openapi/router/rest")  # fmt: skip
        with in_process:
            assert in_process.search_image(imgid="a").page == 1
    assert calls == [IN_PROCESS_HOST]
    assert not (library / "nothing-recorded.yaml").exists()


@pytest.mark.asyncio
async def test_async_record_and_replay(library: Path) -> None:
    recorder = make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=library)

    async def answer_async(request: httpx.Request) -> httpx.Response:
        return answer(request)

    def async_client(handler: Any) -> AsyncPailitaoClient:
        return AsyncPailitaoClient(app_key=KEY, app_secret=SECRET, base_url=URL,
                                   transport=httpx.MockTransport(handler))  # fmt: skip

    with recorder.use_cassette("async"):
        async with async_client(answer_async) as c:
            await c.search_image(file=RED, sort="_sale")
    with replayer(library).use_cassette("async"):
        async with async_client(unreachable) as c:
            assert (await c.search_image(file=RED, sort="sales_desc")).total_results == 1


def test_record_modes_are_validated() -> None:
    with pytest.raises(
        ValueError, match="record_mode must be one of none, once, new_episodes, all"
    ):
        vcr_config(record_mode="sometimes")  # type: ignore[arg-type]
    assert vcr_config()["record_mode"] == "none"


def test_a_newer_cassette_format_is_refused(library: Path) -> None:
    path = record(library)
    path.write_text(
        path.read_text(encoding="utf-8").replace("pailitao_format: 1", "pailitao_format: 9")
    )
    with pytest.raises(CassetteFormatError, match="cassette format 9 is newer"):
        with replayer(library).use_cassette("search"):
            pass


# -- properties -----------------------------------------------------------------

# Credentials look like real ones: long, with letters and digits mixed, so they
# cannot coincide with a YAML key, a hex digest or a timestamp by chance.
secrets = st.builds(
    "{}{}".format,
    st.text("ghijklmnopqrstuvwxyz", min_size=8, max_size=16),
    st.text("0123456789", min_size=8, max_size=16),
)
values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(
    secret=secrets,
    key=secrets,
    cat=values,
    extra=st.dictionaries(st.sampled_from(["q", "x"]), values),
)
def test_no_cassette_ever_contains_the_secret_the_key_or_the_sign(
    tmp_path_factory, secret, key, cat, extra
) -> None:
    library = tmp_path_factory.mktemp("prop")
    signs: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        signs.append(dict(httpx.QueryParams(request.content.decode()))["sign"])
        return answer(request)

    recorder = make_vcr(
        secret=secret, app_key=key, record_mode="once", cassette_library_dir=library
    )
    with recorder.use_cassette("p"):
        with PailitaoClient(app_key=key, app_secret=secret, base_url=URL,
                            transport=httpx.MockTransport(server)) as c:  # fmt: skip
            c.search_image(imgid="abc", cat=cat or None)
    text = (library / "p.yaml").read_text(encoding="utf-8")
    assert secret not in text
    assert key not in text
    assert signs[0] not in text.upper()


# -- matching, as a property ---------------------------------------------------------

sorts = st.sampled_from(["relevance", "price_asc", "price_desc", "sales_desc", "sales_asc"])
cats = st.none() | st.from_regex(r"\A[0-9]{1,6}\Z")
searches = st.fixed_dictionaries(
    {"cat": cats, "sort": sorts, "page": st.integers(1, 50), "file": st.sampled_from([RED, BLUE])}
)


def canonical(call: dict[str, Any], **options: Any) -> Any:
    """The stored/matched form of the request the client would send for ``call``."""
    from vcr.request import Request

    c = client(**options)
    image = c._prepare_image(call["file"])
    params = search_params(c._settings, image=image, image_url=None, imgid=None, cat=call["cat"],
                              sort=call["sort"], page=call["page"], page_size=20,
                              start_price=None, end_price=None)  # fmt: skip
    request, _ = c._build_request("1688.items.search.img", params, image)
    raw = Request(request.method, str(request.url), request.read(), dict(request.headers))
    return vcr_config(secret=SECRET)["before_record_request"](raw)


def matches(new: Any, old: Any) -> bool:
    from pailitao.recording.config import pailitao_params

    try:
        pailitao_params(new, old)
    except AssertionError:
        return False
    return (new.method, new.host, new.path) == (old.method, old.host, old.path)


@settings(max_examples=40)
@given(
    call=searches,
    encoding=st.sampled_from(["base64", "multipart"]),
    timestamps=st.sampled_from(["datetime", "millis"]),
    method=st.sampled_from(["md5", "hmac", "hmac-sha256"]),
)
def test_the_same_logical_request_always_matches(call, encoding, timestamps, method) -> None:
    recorded = canonical(call)
    again = canonical(
        call, image_encoding=encoding, timestamp_format=timestamps, sign_method=method
    )
    assert matches(again, recorded)


@settings(max_examples=40)
@given(call=searches, other=searches)
def test_a_different_image_cat_sort_or_page_never_matches(call, other) -> None:
    assert matches(canonical(other), canonical(call)) == (other == call)


def test_record_over_http_from_the_fake_then_replay_with_it_stopped(library: Path) -> None:
    from fake1688 import FakeGateway
    from fake1688.server import ThreadedServer

    gateway = FakeGateway()
    photo_of_offer = gateway.catalog.image_bytes(gateway.catalog.offers[3])
    options = {
        "app_key": "test_app_key",
        "app_secret": "test_app_secret",
        "retry": RetryPolicy.disabled(),
    }
    recorder = make_vcr(secret="test_app_secret", record_mode="once", cassette_library_dir=library)
    with ThreadedServer(gateway) as server, recorder.use_cassette("http"):
        with PailitaoClient(base_url=server.base_url, **options) as c:
            live = c.search_image(file=photo_of_offer)
    replay = make_vcr(secret="test_app_secret", cassette_library_dir=library)
    with replay.use_cassette("http"):  # the server is gone
        with PailitaoClient(base_url=server.base_url, **options) as c:
            replayed = c.search_image(file=photo_of_offer)
    assert replayed == live
    assert live.items[0].num_iid == gateway.catalog.offers[3].num_iid


canonical_keys = st.text(st.characters(exclude_characters="=\n\r"), min_size=1, max_size=8)


@given(st.dictionaries(canonical_keys, st.text(max_size=20), max_size=5))
def test_canonical_bodies_read_back(params: dict[str, str]) -> None:
    from pailitao.recording.canonical import canonical_body, parse_canonical_body

    assert parse_canonical_body(canonical_body(params)) == params
