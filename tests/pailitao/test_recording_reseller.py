"""Record and replay in the resellers' REST dialect: no key, secret or imgcode in a cassette.

Traffic is real: httpx sends GET calls (built here, not with the client) to the
fake gateway served over HTTP by ThreadedServer (127.0.0.1, a host vcrpy records).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr as vcrpy
import yaml
from fake1688 import Catalog, FakeGateway
from fake1688.server import ThreadedServer

from pailitao.cli import main
from pailitao.recording import fingerprint, make_vcr
from pailitao.recording.canonical import parse_canonical_body, reseller_api
from pailitao.recording.scan import scan_paths, scan_text
from pailitao.wire import reseller

KEY, SECRET = "test_app_key", "test_app_secret"
COMMON = {"api_name": reseller.SEARCH_API, "cache": "yes", "result_type": "json", "lang": "cn"}
NOW = 1_764_300_000.0


@pytest.fixture(scope="module")
def catalog() -> Any:
    return Catalog.default(0)


@pytest.fixture
def server(catalog: Any) -> Iterator[ThreadedServer]:
    with ThreadedServer(FakeGateway(catalog=catalog, clock=lambda: NOW)) as running:
        yield running


@pytest.fixture
def photo(catalog: Any) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[3]))


def session(base: str, photo: bytes, *, reverse: bool = False) -> list[Any]:
    """Upload (query string), search two pages by the URL: each answer's JSON."""
    answers = []
    with httpx.Client() as http:

        def get(api: str, params: dict[str, str]) -> Any:
            sent = {"key": KEY, "secret": SECRET, **COMMON, "api_name": api, **params}
            items = list(sent.items())
            response = http.get(
                base + reseller.api_path(api), params=items[::-1] if reverse else items
            )
            assert response.status_code == 200
            answers.append(response.json())
            return response.json()

        upload = get(reseller.UPLOAD_API, {"imgcode": base64.b64encode(photo).decode()})
        hosted = upload["items"]["item"]["name"]
        for page in ("1", "2"):
            get(reseller.SEARCH_API, {"imgid": hosted, "page": page, "sort": "_bid2"})
    return answers


def base_of(server: ThreadedServer) -> str:
    return f"http://{server.host}:{server.port}"


def test_reseller_api_names_the_path() -> None:
    assert reseller_api("http://h/1688/item_search_img/?key=k") == "item_search_img"
    assert reseller_api("http://h/1688/upload_img/") == "upload_img"
    assert reseller_api("http://h/router/rest") is None
    assert reseller_api("http://h/1688/item_search_img") is None


def test_a_recorded_session_holds_no_credential_and_no_base64(
    tmp_path: Path, server: ThreadedServer, photo: bytes
) -> None:
    library = tmp_path / "cassettes"
    recorder = make_vcr(
        secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=library
    )
    with recorder.use_cassette("reseller"):
        recorded = session(base_of(server), photo)
    assert [answer["error_code"] for answer in recorded] == ["0000"] * 3
    text = (library / "reseller.yaml").read_text()
    assert KEY not in text
    assert SECRET not in text
    encoded = base64.b64encode(photo).decode()
    assert encoded[:40] not in text
    assert fingerprint(photo).render() in text
    assert "?" not in "".join(line for line in text.splitlines() if "uri:" in line)
    assert scan_paths([library], {"configured-secret": SECRET, "configured-app-key": KEY})[1] == []
    assert scan_paths([library], {})[1] == []

    # Replay: the key order changed, no server: the same answers.
    server.__exit__(None, None, None)
    with make_vcr(secret=SECRET, app_key=KEY, cassette_library_dir=library).use_cassette(
        "reseller"
    ):
        replayed = session(base_of(server), photo, reverse=True)
    assert replayed == recorded


def test_the_canonical_body_keeps_the_common_params(
    tmp_path: Path, server: ThreadedServer, photo: bytes
) -> None:
    library = tmp_path / "cassettes"
    with make_vcr(record_mode="once", cassette_library_dir=library).use_cassette("r"):
        session(base_of(server), photo)

    cassette = yaml.safe_load((library / "r.yaml").read_text())
    bodies = [parse_canonical_body(i["request"]["body"]) for i in cassette["interactions"]]
    assert all("key" not in body and "secret" not in body for body in bodies)
    assert bodies[1] == {
        **COMMON,
        "imgid": bodies[1]["imgid"],
        "page": "1",
        "sort": "_bid2",
    }
    assert bodies[0]["imgcode"] == fingerprint(photo).render()
    # The credentials the requests sent are scrubbed from the answers even when not configured.
    text = (library / "r.yaml").read_text()
    assert KEY not in text
    assert SECRET not in text


def test_another_key_and_secret_replay_alike(
    tmp_path: Path, server: ThreadedServer, photo: bytes
) -> None:
    """Nothing to verify: the dialect is unsigned, and its credentials are not stored."""
    library = tmp_path / "cassettes"
    with make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=library).use_cassette(
        "r"
    ):
        recorded = session(base_of(server), photo)
    server.__exit__(None, None, None)
    with make_vcr(secret="another", cassette_library_dir=library).use_cassette("r"):
        assert session(base_of(server), photo) == recorded


def test_plain_vcrpy_cassettes_are_flagged(
    tmp_path: Path, server: ThreadedServer, photo: bytes
) -> None:
    library = tmp_path / "plain"
    with vcrpy.VCR(cassette_library_dir=str(library), record_mode="once").use_cassette(
        "plain.yaml"
    ):
        session(base_of(server), photo)
    findings = scan_paths([library], {})[1]
    assert {finding.rule for finding in findings} == {"credential-param"}
    configured = scan_paths([library], {"configured-secret": SECRET, "configured-app-key": KEY})[1]
    assert {"configured-secret", "configured-app-key"} <= {f.rule for f in configured}


@pytest.mark.parametrize(
    "line",
    [
        "  uri: http://h/1688/item_search_img/?imgid=u&key=planted_key_1",
        "  uri: http://h/1688/item_search_img/?secret=planted_secret_1&page=1",
        "    body: key=planted_key_1&secret=planted_secret_1",
        "    body: 'page=1&secret=s3'",
    ],
)
def test_a_planted_key_or_secret_is_flagged(line: str) -> None:
    findings = list(scan_text(Path("c.yaml"), line, {}))
    assert [f.rule for f in findings] == ["credential-param"]
    assert "planted" not in str(findings[0])


@pytest.mark.parametrize(
    "line",
    [
        "  uri: http://h/1688/item_search_img/",
        "    body: key=&secret=",
        '"reason": "the key param is missing from the url; send key=<your key>"',
        "  uri: http://h/x?api_key=<PAILITAO_APP_KEY>&monkey=banana",
        "    body: secret=<PAILITAO_APP_SECRET>",
    ],
)
def test_no_finding_without_a_value(line: str) -> None:
    assert list(scan_text(Path("c.yaml"), line, {})) == []


@pytest.mark.parametrize("configured", [True, False], ids=["env-set", "env-unset"])
def test_the_scan_command_flags_a_planted_key_and_secret(
    tmp_path: Path,
    server: ThreadedServer,
    photo: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    configured: bool,
) -> None:
    for name, value in (("PAILITAO_APP_SECRET", SECRET), ("PAILITAO_APP_KEY", KEY)):
        if configured:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    library = tmp_path / "cassettes"
    with make_vcr(
        secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=library
    ).use_cassette("reseller"):
        session(base_of(server), photo)
    cassette = library / "reseller.yaml"
    assert main(["cassettes", "scan", str(cassette)]) == 0
    assert capsys.readouterr().out == "scanned 1 file(s): no secrets found\n"
    lines = cassette.read_text().splitlines()
    uri = next(i for i, line in enumerate(lines) if "uri:" in line and "item_search_img" in line)
    lines[uri] += "?imgid=u&key=planted_key_42"
    body = next(i for i, line in enumerate(lines) if line.strip() == "body: |")
    lines.insert(body + 1, "      secret=planted_secret_42")
    cassette.write_text("\n".join(lines) + "\n")
    assert main(["cassettes", "scan", str(cassette)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{cassette}:{body + 2}: credential-param: credential 'secret' has a value"
        " (interaction 0, request body)",
        f"{cassette}:{uri + 2}: credential-param: credential 'key' has a value"
        " (interaction 1, request query)",
        "scanned 1 file(s): 2 finding(s)",
    ]
    assert "planted" not in out
