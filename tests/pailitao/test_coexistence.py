"""pailitao beside pytest-recording and respx, in a downstream project that uses all three.

Each test writes a small project, runs it through pytester against a real
``fake1688 serve`` (the gateway, recorded from) and replays it with that server
stopped. The "other API" the project also calls is the same server's health
check under the name ``localhost``: not 1688 traffic, and not the
``127.0.0.1`` pailitao's own servers listen on.
"""

import socket
from typing import Any

import pytest
import yaml

pytest_plugins = ["pytester"]

#: What every project's tests share: a search by a catalog photo, and a signed form.
COMMON = """
import os

import httpx
import pytest
import requests
from fake1688 import Catalog
from pailitao.wire import signing

PHOTO = Catalog.default(0).offers[11].pic_url


def form(server, page):
    params = {"method": "1688.items.search.img", "app_key": server.app_key, "v": "2.0",
              "timestamp": signing.format_timestamp(), "format": "json", "page": str(page),
              "imageUrl": PHOTO}
    params["sign"] = signing.sign(params, server.app_secret)
    return params
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODE", "DIALECT", "APP_KEY", "APP_SECRET", "ACCESS_TOKEN", "BASE_URL"):
        monkeypatch.delenv(f"PAILITAO_{name}", raising=False)


@pytest.fixture
def other_api(upstream: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Another service the project calls, which pytest-recording records."""
    url = upstream.root.replace("127.0.0.1", "localhost") + "/__fake__/health"
    monkeypatch.setenv("OTHER_API", url)
    return url


def _uris(path: Any) -> list[str]:
    cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [interaction["request"]["uri"] for interaction in cassette["interactions"]]


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAILITAO_BASE_URL", "PAILITAO_APP_KEY", "PAILITAO_APP_SECRET"):
        monkeypatch.delenv(name)


MIXED = """
@pytest.mark.vcr
def test_client(pailitao_client):
    assert httpx.get(os.environ["OTHER_API"]).status_code == 200
    assert pailitao_client.search_image(image_url=PHOTO, page=2).items


@pytest.mark.vcr
def test_server(pailitao_server):
    assert requests.get(os.environ["OTHER_API"], timeout=10).status_code == 200
    answer = requests.post(pailitao_server.base_url, data=form(pailitao_server, 3), timeout=10)
    assert answer.json()["1688_items_search_img_response"]["items"]["page"] == 3, answer.text
"""


def test_each_cassette_holds_its_own_traffic_and_both_replay(
    project: pytest.Pytester, upstream: Any, other_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_mixed=COMMON + MIXED)
    result = project.runpytest("--pailitao-mode=record", "--record-mode=once")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*2 new interaction(s) recorded in 2 cassette(s):*"])
    theirs = project.path / "cassettes" / "test_mixed"
    ours = project.path / "cassettes" / "1688" / "test_mixed"
    for name in ("test_client", "test_server"):
        assert _uris(theirs / f"{name}.yaml") == [other_api]
        [uri] = _uris(ours / f"{name}.yaml")
        assert uri.endswith("/openapi/router/rest"), uri
    upstream.stop()
    _offline(monkeypatch)
    project.runpytest("--pailitao-mode=replay").assert_outcomes(passed=2)
    project.runpytest("--pailitao-mode=replay", "--block-network").assert_outcomes(passed=2)


def test_a_pytest_recording_cassette_leaves_pailitao_server_alone(
    project: pytest.Pytester,
) -> None:
    """In pytest-recording's default ``none`` mode, with no cassette of its own."""
    project.makepyfile(
        test_fake=COMMON
        + """
@pytest.mark.vcr
def test_fake(pailitao_server):
    answer = requests.post(pailitao_server.base_url, data=form(pailitao_server, 2), timeout=10)
    assert answer.json()["1688_items_search_img_response"]["items"]["page"] == 2, answer.text
"""
    )
    project.runpytest().assert_outcomes(passed=1)
    assert not (project.path / "cassettes").exists()


RESPX = """
def test_rates_and_search(respx_mock, pailitao_client):
    respx_mock.get("https://rates.example/cny").respond(json={"usd": 0.14})
    assert httpx.get("https://rates.example/cny").json() == {"usd": 0.14}
    assert pailitao_client.search_image(image_url=PHOTO, page=2).items
"""


def test_respx_mocks_its_hosts_and_pailitao_s_pass_through_in_every_mode(
    project: pytest.Pytester, upstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_rates=COMMON + RESPX)
    project.runpytest("--pailitao-mode=live").assert_outcomes(passed=1)
    project.runpytest("--pailitao-mode=record").assert_outcomes(passed=1)
    [uri] = _uris(project.path / "cassettes" / "1688" / "test_rates" / "test_rates_and_search.yaml")
    assert uri.endswith("/openapi/router/rest"), uri  # respx's answer is not recorded
    upstream.stop()
    _offline(monkeypatch)
    project.runpytest("--pailitao-mode=replay").assert_outcomes(passed=1)
    project.runpytest("--pailitao-mode=fake").assert_outcomes(passed=1)


BLOCKED = """
import socket


def test_the_fake_over_http(pailitao_server):
    answer = requests.post(pailitao_server.base_url, data=form(pailitao_server, 2), timeout=10)
    assert answer.json()["1688_items_search_img_response"]["items"]["page"] == 2, answer.text


def test_the_in_process_client(pailitao_client):
    assert pailitao_client.search_image(image_url=PHOTO, page=2).items


def test_every_other_address_stays_blocked(pailitao_server):
    port = int(os.environ["OTHER_API"].split(":")[2].split("/")[0])  # another 127.0.0.1 port
    with socket.socket() as sock, pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("127.0.0.1", port))
"""


def test_block_network_blocks_all_but_pailitao_s_own_servers(
    project: pytest.Pytester, upstream: Any, other_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_blocked=COMMON + BLOCKED)
    project.runpytest("--pailitao-mode=fake", "--block-network").assert_outcomes(passed=3)
    # recorded without the block (a recording reaches the gateway), replayed under it
    project.runpytest("--pailitao-mode=record", "-k", "not stays_blocked").assert_outcomes(
        passed=2, deselected=1
    )
    upstream.stop()
    _offline(monkeypatch)
    project.runpytest("--pailitao-mode=replay", "--block-network").assert_outcomes(passed=3)


RECIPE_CONFTEST = """
import pytest
from pailitao.recording import register, vcr_config as pailitao_vcr_config


@pytest.fixture(scope="module")
def vcr_config():
    return pailitao_vcr_config(secret="test_app_secret", record_mode=None)


def pytest_recording_configure(config, vcr):
    register(vcr)
"""

RECIPE = """
from pailitao import PailitaoClient


@pytest.mark.vcr
def test_search():
    url = os.environ.get("GATEWAY", "http://127.0.0.1:1/openapi/router/rest")
    with PailitaoClient(app_key="test_app_key", app_secret="test_app_secret",
                        base_url=url) as client:
        assert client.search_image(image_url=PHOTO, page=2).items
"""


def test_the_vcr_config_recipe_records_under_record_mode(
    project: pytest.Pytester, upstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest-recording drives pailitao's configuration: its ``--record-mode`` decides."""
    monkeypatch.setenv("GATEWAY", upstream.base_url)
    project.makeconftest(RECIPE_CONFTEST)
    project.makepyfile(test_recipe=COMMON + RECIPE)
    cassette = project.path / "cassettes" / "test_recipe" / "test_search.yaml"
    project.runpytest().assert_outcomes(failed=1)  # pytest-recording's default: none
    assert not cassette.exists()
    project.runpytest("--record-mode=once").assert_outcomes(passed=1)
    text = cassette.read_text(encoding="utf-8")
    assert text.startswith("pailitao_format: 1\n"), text[:80]  # pailitao's canonical form
    assert "test_app_secret" not in text
    upstream.stop()
    project.runpytest().assert_outcomes(passed=1)


def test_pailitao_s_servers_answer_with_no_guard_in_place(project: pytest.Pytester) -> None:
    """Without --block-network nothing is patched: the connect methods are the socket's own."""
    project.makepyfile(
        test_plain="""
import socket

def test_plain(pailitao_server):
    assert socket.socket.connect.__qualname__ == "socket.connect"
"""
    )
    project.runpytest().assert_outcomes(passed=1)
    assert socket.socket.connect.__qualname__ == "socket.connect"
