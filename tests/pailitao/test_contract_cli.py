"""`pailitao contract check|diff|live-check`: output, exit status, no network, no secrets."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fake1688 import FakeGateway

from pailitao import cli
from pailitao.contract import live
from pailitao.contract.cli import register

DATA = Path(__file__).parent / "data" / "contract"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`pailitao ARGS...` with the contract commands registered (until cli.py lists them)."""
    registrars = cli._registrars()
    if register not in registrars:
        monkeypatch.setattr(cli, "_registrars", lambda: [*registrars, register])

    def run(*argv: str) -> tuple[int, str, str]:
        status = cli.main(list(argv))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(seed=0)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (live.ENV_APP_KEY, live.ENV_APP_SECRET, live.ENV_BASE_URL):
        monkeypatch.delenv(name, raising=False)


def test_check_good_files(run: Run) -> None:
    assert run("contract", "check", str(DATA / "good")) == (
        0,
        "checked 5 answers in 3 files: all conform to the contract\n",
        "",
    )


def test_check_broken_files_human_and_json(run: Run) -> None:
    status, out, err = run("contract", "check", str(DATA / "broken" / "wrong_type.json"))
    assert status == 1
    assert out.splitlines()[-1] == "checked 1 answer in 1 file: 3 failures"
    assert out.splitlines()[0] == (
        f"{DATA}/broken/wrong_type.json:0: $.items_search_img_response.items.item[0].num_iid: "
        "expected a string of digits, like '610947572360', got integer 622310098812"
    )
    status, out, err = run("contract", "check", "--format", "json", str(DATA / "broken"))
    assert status == 1
    records = json.loads(out)
    assert len(records) == 7
    assert records[0] == {
        "file": f"{DATA}/broken/dropped_field.yaml",
        "interaction": 0,
        "path": "$.items_search_img_response.items.item[1].title",
        "message": "required field is missing",
        "check": "conforms_to_schema",
    }
    assert err == "checked 5 answers in 3 files: 7 failures\n"


def test_check_usage_errors_are_one_line(run: Run, tmp_path: Path) -> None:
    assert run("contract", "check", str(tmp_path / "nope")) == (
        2,
        "",
        f"pailitao contract check: error: no such file or directory: {tmp_path / 'nope'}\n",
    )
    assert run("contract", "check", str(tmp_path)) == (
        2,
        "",
        f"pailitao contract check: error: no *.yaml, *.yml or *.json files under {tmp_path}\n",
    )


@pytest.mark.parametrize("module", ["jsonschema", "yaml"])
@pytest.mark.parametrize("command", [["check", str(DATA)], ["diff", "--cassettes", str(DATA)]])
def test_without_the_contract_extra_one_line_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch, module: str, command: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    status, out, err = run("contract", *command)
    assert (status, out) == (2, "")
    assert err.startswith(
        f"pailitao contract {command[0]}: error: the contract commands need pailitao[contract]: "
        "pip install 'pailitao[contract]' ("
    )
    assert module in err
    assert err.count("\n") == 1


def test_diff_exit_status_and_allow_list(run: Run, tmp_path: Path) -> None:
    status, out, _ = run("contract", "diff", "--cassettes", str(DATA / "drift"))
    assert status == 1
    assert out.splitlines()[-1] == "compared 1 answer: 8 differences in shape, 0 allowed"
    allow = tmp_path / "allow.json"
    allow.write_text(json.dumps({"allow": [{"path": "$.**", "reason": "demo"}]}))
    status, out, _ = run(
        "contract", "diff", "--cassettes", str(DATA / "drift"), "--allow", str(allow)
    )
    assert status == 0
    assert out.splitlines()[-1] == "compared 1 answer: no drift outside the allow-list (8 allowed)"


def test_diff_usage_errors(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "allow.yaml"
    bad.write_text("- {path: $.a}")
    assert run("contract", "diff", "--cassettes", str(DATA / "drift"), "--allow", str(bad)) == (
        2,
        "",
        f"pailitao contract diff: error: {bad}: entry 0: say why the difference is accepted in "
        "'reason'\n",
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = run("contract", "diff", "--cassettes", str(empty))
    assert (status, err) == (
        2,
        f"pailitao contract diff: error: no *.yaml, *.yml or *.json files under {empty}\n",
    )
    status, _, err = run("contract", "diff", "--cassettes", str(tmp_path / "none"))
    assert (status, err) == (
        2,
        f"pailitao contract diff: error: no such file or directory: {tmp_path}/none\n",
    )


def test_diff_without_the_fake_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fake1688", None)
    assert run("contract", "diff", "--cassettes", str(DATA / "good")) == (
        2,
        "",
        "pailitao contract diff: error: comparing with the fake needs fake1688: "
        "pip install 'pailitao[fake]'\n",
    )


def test_live_check_without_credentials_is_skipped(run: Run, no_credentials: None) -> None:
    assert run("contract", "live-check") == (
        0,
        "skipped: set PAILITAO_APP_KEY and PAILITAO_APP_SECRET to check the live API\n",
        "",
    )


@pytest.fixture
def live_against(
    monkeypatch: pytest.MonkeyPatch, no_credentials: None
) -> Callable[[httpx.BaseTransport], None]:
    """Point live-check at an in-process transport: no test ever reaches a real host."""

    def point(transport: httpx.BaseTransport) -> None:
        monkeypatch.setenv(live.ENV_APP_KEY, "test_app_key")
        monkeypatch.setenv(live.ENV_APP_SECRET, "test_app_secret")
        monkeypatch.setenv(live.ENV_BASE_URL, "http://live.invalid/openapi/router/rest")
        monkeypatch.setattr(live, "transport_factory", lambda: transport)

    return point


def test_live_check_against_an_in_process_gateway(
    run: Run, live_against: Callable[[httpx.BaseTransport], None], gateway: FakeGateway
) -> None:
    live_against(gateway.transport())
    assert run("contract", "live-check") == (0, "compared 1 answer: no drift\n", "")


def test_live_check_reports_failures_drift_and_hides_the_secret(
    run: Run, live_against: Callable[[httpx.BaseTransport], None], tmp_path: Path
) -> None:
    seen: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"error_response": {"code": 25, "msg": "Invalid signature for test_app_secret",
                                   "sub_msg": 7}}  # fmt: skip
        return httpx.Response(200, json=body)

    live_against(httpx.MockTransport(platform))
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    status, out, _ = run("contract", "live-check", "--image", str(image))
    assert status == 1
    assert out.splitlines() == [
        "live:0: $.error_response.sub_msg: expected string, got integer 7",
        "search: $: envelope: platform error_response (25 Invalid signature for *** 7), "
        "fake 1688_items_search_img_response",
        "compared 1 answer: 1 difference in shape, 0 allowed",
    ]
    assert "test_app_secret" not in out
    assert seen[0].url == "http://live.invalid/openapi/router/rest"


def test_live_check_unreachable_and_bad_image(
    run: Run, live_against: Callable[[httpx.BaseTransport], None], tmp_path: Path
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    live_against(httpx.MockTransport(down))
    status, out, _ = run("contract", "live-check")
    assert (status, out) == (
        1,
        "cannot reach http://live.invalid/openapi/router/rest: ConnectError: connection refused\n",
    )
    text = tmp_path / "a.txt"
    text.write_text("hello")
    status, _, err = run("contract", "live-check", "--image", str(text))
    assert status == 2
    assert err.startswith(
        "pailitao contract live-check: error: not a supported image (JPEG, PNG, WebP"
    )


def test_registering_and_importing_stay_light() -> None:
    code = (
        "import sys, json, argparse, pailitao, pailitao.cli, pailitao.contract\n"
        "from pailitao.contract.cli import register\n"
        "register(argparse.ArgumentParser().add_subparsers())\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    roots = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert not roots & {"fake1688", "hypothesis", "jsonschema", "yaml", "PIL", "vcr"}
    assert "pailitao.strategies" not in json.loads(result.stdout)


def test_contract_help_lists_the_subcommands(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("contract", "--help")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("    ")]
    assert [name for name in listed if name in ("check", "diff", "live-check")] == [
        "check",
        "diff",
        "live-check",
    ]


def test_package_exports_load_on_first_use() -> None:
    from pailitao import contract

    for name in contract.__all__:
        assert getattr(contract, name).__doc__, name
    with pytest.raises(AttributeError, match=r"'pailitao\.contract' has no attribute 'nope'"):
        _ = contract.nope
