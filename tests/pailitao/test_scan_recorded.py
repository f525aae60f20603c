"""`pailitao cassettes scan` on cassettes recorded for real: plain `vcr.VCR()` around
the in-process fake, in each dialect. What plain vcrpy keeps is found where it is;
what pailitao's recorder keeps holds nothing."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr as vcrpy
from fake1688 import Catalog, FakeGateway

from pailitao import PailitaoClient, RetryPolicy
from pailitao.recording import make_vcr
from pailitao.recording.scan import scan_paths
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, signing, top

KEY, SECRET, TOKEN = DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_ACCESS_TOKEN
KNOWN = {"configured-secret": SECRET, "configured-app-key": KEY, "configured-access-token": TOKEN}
NOW = 1_764_300_000.0
#: Hosts vcrpy records (the in-process fake's own host is one pailitao never records).
BASES = {
    "top": "https://gw.example.test/openapi/router/rest",
    "aop": "https://gw.open.1688.com/openapi",
    "reseller": "https://api-gw.onebound.cn",
}


@pytest.fixture(scope="module")
def catalog() -> Any:
    return Catalog.default(0)


@pytest.fixture
def fake(catalog: Any) -> httpx.MockTransport:
    """The in-process fake behind a transport vcrpy records."""
    gateway = FakeGateway(catalog=catalog, clock=lambda: NOW)
    return httpx.MockTransport(gateway.transport().handle_request)


@pytest.fixture
def photo(catalog: Any) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[3]))


def search(dialect: str) -> Callable[[httpx.BaseTransport, bytes], None]:
    """A search by photo with the pailitao client in a dialect (TOP: a multipart upload)."""

    def run(transport: httpx.BaseTransport, photo: bytes) -> None:
        options: dict[str, Any] = {"image_encoding": "multipart"} if dialect == "top" else {}
        options |= {"access_token": TOKEN} if dialect == "aop" else {}
        with PailitaoClient(
            app_key=KEY,
            app_secret=SECRET,
            dialect=dialect,  # type: ignore[arg-type]
            base_url=BASES[dialect],
            transport=transport,
            clock=lambda: NOW,
            retry=RetryPolicy.disabled(),
            **options,
        ) as client:
            assert client.search_image(file=photo).items

    return run


def top_upload_with_session(transport: httpx.BaseTransport, photo: bytes) -> None:
    """A TOP upload signed by hand with a ``session``, as a multipart form."""
    params = {
        "method": top.UPLOAD_METHOD,
        "app_key": KEY,
        "session": TOKEN,
        "timestamp": signing.format_timestamp(NOW),
        "format": "json",
        "v": top.VERSION,
        "sign_method": "md5",
    }
    params["sign"] = signing.sign({**params, "image": photo}, SECRET)
    with httpx.Client(transport=transport) as http:
        files = {"image": ("q.jpg", photo, "image/jpeg")}
        answer = http.post(BASES["top"], data=params, files=files).json()
        assert top.UPLOAD_RESPONSE_KEY in answer, answer


SCENARIOS = {"top": search("top"), "top-session": top_upload_with_session}
SCENARIOS |= {"aop": search("aop"), "reseller": search("reseller")}

#: What each plain vcrpy cassette holds: (rule, interaction, where), without and with
#: the demo credentials in the environment.
PLAIN: dict[str, tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]] = {
    "top": (
        [("unscrubbed-param", 0, "request body")],
        [("configured-app-key", 0, "request body")],
    ),
    "top-session": (
        [("unscrubbed-param", 0, "request body")] * 2,
        [("configured-access-token", 0, "request body"), ("configured-app-key", 0, "request body")],
    ),
    "aop": (
        [
            *[("unscrubbed-param", i, "request body") for i in (0, 0, 1, 1)],
            *[("app-key-in-path", i, "request uri") for i in (0, 1)],
        ],
        [
            *[("configured-access-token", i, "request body") for i in (0, 1)],
            *[("configured-app-key", i, "request uri") for i in (0, 1)],
        ],
    ),
    "reseller": (
        [("credential-param", i, "request query") for i in (0, 0, 1, 1)],
        [
            *[("configured-secret", i, "request query") for i in (0, 1)],
            *[("configured-app-key", i, "request query") for i in (0, 1)],
        ],
    ),
}


def places(library: Path, known: dict[str, str]) -> list[tuple[str, int | None, str]]:
    count, findings = scan_paths([library], known)
    assert count == 1
    assert not any(value in str(finding) for finding in findings for value in KNOWN.values())
    return sorted((f.rule, f.interaction, f.where) for f in findings)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_what_plain_vcrpy_records_is_found_where_it_is(
    scenario: str, tmp_path: Path, fake: httpx.MockTransport, photo: bytes
) -> None:
    recorder = vcrpy.VCR(cassette_library_dir=str(tmp_path), record_mode="once")
    with recorder.use_cassette(f"{scenario}.yaml"):
        SCENARIOS[scenario](fake, photo)
    alone, configured = PLAIN[scenario]
    assert places(tmp_path, {}) == sorted(alone)
    assert places(tmp_path, KNOWN) == sorted(alone + configured)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_what_pailitao_records_holds_nothing(
    scenario: str, tmp_path: Path, fake: httpx.MockTransport, photo: bytes
) -> None:
    recorder = make_vcr(
        secret=SECRET,
        app_key=KEY,
        access_token=TOKEN,
        record_mode="once",
        cassette_library_dir=tmp_path,
    )
    with recorder.use_cassette(scenario):
        SCENARIOS[scenario](fake, photo)
    assert places(tmp_path, KNOWN) == []
    assert places(tmp_path, {}) == []
