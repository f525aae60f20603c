"""``pailitao_server`` follows the mode, and ``--pailitao-record``: driven through pytester
against a real ``fake1688 serve`` subprocess, which is stopped before replaying."""

import io
import shutil
from typing import Any

import pytest
import yaml

from pailitao.cli import main

pytest_plugins = ["pytester"]

HTTP_TESTS = """
import json
import shutil
import subprocess
from urllib.parse import urlencode

import pytest
import requests
from fake1688 import Catalog
from pailitao.wire import signing


def _form(server, page):
    params = {"method": "1688.items.search.img", "app_key": server.app_key, "v": "2.0",
              "timestamp": signing.format_timestamp(), "format": "json", "page": str(page),
              "imageUrl": Catalog.default(0).offers[11].pic_url}
    params["sign"] = signing.sign(params, server.app_secret)
    return params


def test_requests(pailitao_server):
    answer = requests.post(pailitao_server.base_url, data=_form(pailitao_server, 2), timeout=10)
    assert answer.json()["1688_items_search_img_response"]["items"]["page"] == 2, answer.text
    assert pailitao_server.url.startswith("http://127.0.0.1:")
    assert pailitao_server.gateway is None


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is missing")
def test_curl(pailitao_server):
    body = urlencode(_form(pailitao_server, 3))
    command = ["curl", "-sS", "--data-binary", body, "-H",
               "Content-Type: application/x-www-form-urlencoded", pailitao_server.base_url]
    answer = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    assert json.loads(answer.stdout)["1688_items_search_img_response"]["items"]["page"] == 3


def test_client(pailitao_client):
    page = pailitao_client.search_image(image_url=Catalog.default(0).offers[11].pic_url, page=2)
    assert page.page == 2 and page.items
"""

CURL = shutil.which("curl")
NAMES = ("test_requests", "test_curl", "test_client") if CURL else ("test_requests", "test_client")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODE", "DIALECT", "APP_KEY", "APP_SECRET", "ACCESS_TOKEN", "BASE_URL"):
        monkeypatch.delenv(f"PAILITAO_{name}", raising=False)


@pytest.fixture
def project(project: pytest.Pytester) -> pytest.Pytester:
    project.makepyfile(test_http=HTTP_TESTS)
    return project


def _interactions(project: pytest.Pytester, name: str) -> list[dict[str, object]]:
    path = project.path / "cassettes" / "1688" / "test_http" / f"{name}.yaml"
    found: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))[
        "interactions"
    ]
    return found


def _passed() -> dict[str, int]:
    return {"passed": 3, "skipped": 0} if CURL else {"passed": 2, "skipped": 1}


def test_server_records_through_a_proxy_then_plays_back_with_the_upstream_gone(
    project: pytest.Pytester, upstream: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.runpytest("--pailitao-mode=record").assert_outcomes(**_passed())
    upstream.stop()
    cassettes = project.path / "cassettes" / "1688"
    text = (cassettes / "test_http" / "test_requests.yaml").read_text(encoding="utf-8")
    assert "page=2" in text
    assert "test_app_secret" not in text
    out = io.StringIO()
    assert main(["cassettes", "scan", str(cassettes)], out=out, err=out) == 0, out.getvalue()
    assert main(["contract", "check", str(cassettes)], out=out, err=out) == 0, out.getvalue()
    for name in ("PAILITAO_BASE_URL", "PAILITAO_APP_KEY", "PAILITAO_APP_SECRET"):
        monkeypatch.delenv(name)
    project.runpytest("--pailitao-mode=replay").assert_outcomes(**_passed())


def test_record_missing_answers_from_the_cassette_and_all_records_anew(
    project: pytest.Pytester, upstream: Any
) -> None:
    project.runpytest("--pailitao-mode=record").assert_outcomes(**_passed())
    counts = {name: len(_interactions(project, name)) for name in NAMES}
    project.runpytest("--pailitao-mode=record", "--pailitao-record=all").assert_outcomes(
        **_passed()
    )
    assert {name: len(_interactions(project, name)) for name in counts} == counts  # replaced
    upstream.stop()
    # missing (the default): everything is in the cassettes, so the gateway is not needed
    project.runpytest("--pailitao-mode=record").assert_outcomes(**_passed())
    assert {name: len(_interactions(project, name)) for name in counts} == counts
    # all: every request goes to the (stopped) gateway again
    result = project.runpytest("--pailitao-mode=record", "--pailitao-record=all", "-k", "not curl")
    result.assert_outcomes(failed=2, deselected=1)


def test_server_and_clients_do_not_share_a_cassette(project: pytest.Pytester) -> None:
    project.makepyfile(test_both="def test_both(pailitao_server, pailitao_client):\n    pass\n")
    result = project.runpytest("--pailitao-mode=replay", "test_both.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*pailitao_server and the pailitao clients both use the cassette in replay mode*"]
    )


def test_server_in_live_mode_is_the_gateway_itself(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAILITAO_BASE_URL", "https://gateway.example/openapi/router/rest")
    monkeypatch.setenv("PAILITAO_APP_KEY", "key")
    monkeypatch.setenv("PAILITAO_APP_SECRET", "secret")
    project.makepyfile(
        test_live="""
        def test_live(pailitao_server):
            assert pailitao_server.url == "https://gateway.example"
            assert pailitao_server.base_url == "https://gateway.example/openapi/router/rest"
            assert (pailitao_server.mode, pailitao_server.gateway) == ("live", None)
            assert (pailitao_server.app_key, pailitao_server.app_secret) == ("key", "secret")
        """
    )
    project.runpytest("--pailitao-mode=live", "test_live.py").assert_outcomes(passed=1)


def test_record_option_is_in_the_help(project: pytest.Pytester) -> None:
    project.runpytest("--help").stdout.fnmatch_lines(["*--pailitao-record={missing,all}*"])


RESPX_TESTS = """
import httpx
from fake1688 import Catalog
from pailitao.wire import signing


def test_own_client_beside_the_gateway(pailitao_respx, pailitao_config):
    pailitao_respx.get("https://elsewhere.example/price").respond(json={"cny": 3})
    assert httpx.get("https://elsewhere.example/price").json() == {"cny": 3}
    params = {"method": "1688.items.search.img", "app_key": "test_app_key", "v": "2.0",
              "timestamp": signing.format_timestamp(), "format": "json",
              "imageUrl": Catalog.default(0).offers[11].pic_url}
    params["sign"] = signing.sign(params, "test_app_secret")
    answer = httpx.post(pailitao_config.base_url, data=params).json()
    assert answer["1688_items_search_img_response"]["items"]["item"]


def test_the_clients_pass_through(pailitao_respx, pailitao_client):
    page = pailitao_client.search_image(image_url=Catalog.default(0).offers[11].pic_url, page=2)
    assert page.page == 2 and page.items
"""


def test_respx_passes_pailitao_s_hosts_through_in_live_mode(
    project: pytest.Pytester, upstream: Any
) -> None:
    project.makepyfile(test_respx=RESPX_TESTS)
    project.runpytest("--pailitao-mode=live", "test_respx.py").assert_outcomes(passed=2)
    assert not (project.path / "cassettes").exists()


def test_respx_in_record_mode_passes_through_and_the_clients_record(
    project: pytest.Pytester, upstream: Any
) -> None:
    project.makepyfile(test_respx=RESPX_TESTS)
    project.runpytest("--pailitao-mode=record", "test_respx.py").assert_outcomes(passed=2)
    folder = project.path / "cassettes" / "1688" / "test_respx"
    assert sorted(path.name for path in folder.iterdir()) == ["test_the_clients_pass_through.yaml"]
    [recorded] = yaml.safe_load(
        (folder / "test_the_clients_pass_through.yaml").read_text(encoding="utf-8")
    )["interactions"]
    assert "page=2" in recorded["request"]["body"]


def test_respx_in_replay_mode_fails_saying_what_to_do(project: pytest.Pytester) -> None:
    project.makepyfile(test_respx=RESPX_TESTS)
    result = project.runpytest("--pailitao-mode=replay", "test_respx.py")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*pailitao_respx in replay mode: a cassette cannot answer your own httpx client*"]
    )
