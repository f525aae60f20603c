"""``fake1688 serve|index|photo``: one-line errors, the banner, a real server process."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from fake1688 import App, AppRegistry, Catalog, FakeGateway, Fault, RateLimits, cli, photo
from fake1688.server import AdminAccess
from PIL import Image

from pailitao.wire import signing


@pytest.fixture
def quick_catalog(monkeypatch: pytest.MonkeyPatch, catalog: Any) -> None:
    """Serve the session's catalog instead of loading one."""
    monkeypatch.setattr(cli, "_load_catalog", lambda path, seed: catalog)


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["serve", "--help"])
    assert done.value.code == 0
    assert "--catalog" in capsys.readouterr().out


def test_a_port_in_use_is_one_line(quick_catalog: None, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"fake1688: cannot listen on 127.0.0.1:{port}: ")
    assert err.endswith("(pick another --port)\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["serve", "--port", port])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(
        f"argument --port: {port!r} is not a port: use 0 to 65535 (0 picks a free one)\n"
    )


def test_an_address_not_of_this_machine_says_check_the_host(
    quick_catalog: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # TEST-NET-1, with no admin endpoints: otherwise it needs an admin token first
    assert cli.main(["serve", "--host", "192.0.2.1", "--port", "0", "--no-admin"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fake1688: cannot listen on 192.0.2.1:0: ")
    assert err.endswith("(check --host)\n")


def test_a_bad_apps_file_is_one_line(
    quick_catalog: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apps = tmp_path / "apps.json"
    apps.write_text('{"apps": "nope"}')
    assert cli.main(["serve", "--apps", str(apps)]) == 2
    assert capsys.readouterr().err == (
        f'fake1688: apps file {apps}: expected a non-empty list under "apps"\n'
    )


def test_a_bad_catalog_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "catalog.bin"
    bad.write_bytes(b"not a catalog")
    assert cli.main(["serve", "--catalog", str(bad), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fake1688: cannot use catalog {bad}: ")
    assert err.count("\n") == 1


def test_the_banner_shows_url_credentials_and_an_example(catalog: Any) -> None:
    out = io.StringIO()
    cli._banner(out, "127.0.0.1", 8688, FakeGateway(catalog=catalog))
    text = out.getvalue()
    assert text.startswith("fake1688 serving on http://127.0.0.1:8688/openapi/router/rest\n")
    assert "  demo app: app_key=test_app_key app_secret=test_app_secret\n" in text
    assert (
        "  1688 Open Platform: http://127.0.0.1:8688/openapi/param2/1/"
        "com.alibaba.fenxiao.crossborder/product.search.imageQuery/test_app_key\n"
        "  access_token=test_access_token\n"
    ) in text
    path = "/" + catalog.offers[0].pic_url.split("//", 1)[1].split("/", 1)[1]
    assert f"curl -so photo.jpg 'http://127.0.0.1:8688{path}'" in text
    assert 'base_url="http://127.0.0.1:8688/openapi/router/rest") as client:' in text


def test_the_banner_never_prints_secrets_from_a_file(catalog: Any) -> None:
    out = io.StringIO()
    apps = AppRegistry([App("ci_key", "ci_secret")])
    cli._banner(out, "::1", 9000, FakeGateway(catalog=catalog, apps=apps))
    text = out.getvalue()
    assert "http://[::1]:9000/openapi/router/rest" in text
    assert "  apps: ci_key (secrets from your apps file)\n" in text
    assert "  access tokens from your apps file\n" in text
    assert "ci_secret" not in text


def test_progress_without_a_terminal_prints_tenths_with_rate_and_time_left() -> None:
    out = io.StringIO()
    now = [0.0]
    progress = cli._Progress(out, width=10, clock=lambda: now[0])
    for done in range(101):
        progress(done, 100)
        now[0] += 0.25  # four photos a second
    lines = out.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[0] == "indexing [..........] 0/100"
    assert lines[1] == "indexing [#.........] 10/100  4.0 photos/s, 23 s left"
    assert lines[-1] == "indexing [##########] 100/100  4.0 photos/s, done in 25 s"


def test_progress_left_time_reads_in_minutes_past_a_minute() -> None:
    out = io.StringIO()
    now = [0.0]
    progress = cli._Progress(out, width=4, clock=lambda: now[0])
    progress(0, 1000)
    now[0] = 10.0
    progress(100, 1000)
    assert (
        out.getvalue().splitlines()[-1]
        == "indexing [....] 100/1000  10.0 photos/s, 1 min 30 s left"
    )


def test_index_needs_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["index", str(tmp_path / "missing"), "-o", str(tmp_path / "c.bin")])
    assert code == 2
    assert capsys.readouterr().err == f"fake1688: {tmp_path / 'missing'} is not a directory\n"


def _photos(folder: Path, count: int) -> None:
    folder.mkdir()
    for number in range(count):
        image = Image.new("RGB", (64, 64), (40 * number, 200 - 30 * number, 90))
        image.paste((255, 255, 255), (8 * number, 8, 8 * number + 20, 40))
        image.save(folder / f"p{number}.png")


def test_index_checks_its_output_and_metadata_before_indexing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _photos(tmp_path / "photos", 1)
    photos = str(tmp_path / "photos")
    missing = tmp_path / "missing"
    assert cli.main(["index", photos, "-o", str(missing / "c.zip")]) == 2
    assert capsys.readouterr().err == (
        f"fake1688: cannot write {missing / 'c.zip'}: {missing} is not a directory\n"
    )
    assert cli.main(["index", photos, "-o", photos]) == 2
    assert capsys.readouterr().err == f"fake1688: cannot write {photos}: it is a directory\n"
    out = str(tmp_path / "c.zip")
    assert cli.main(["index", photos, "--metadata", str(missing), "-o", out]) == 2
    assert capsys.readouterr().err == f"fake1688: no metadata file at {missing}\n"


def test_index_builds_a_catalog_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _photos(tmp_path / "photos", 3)
    metadata = tmp_path / "items.csv"
    metadata.write_text("file,title,price\np1.png,红色杯子,12.50\n", encoding="utf-8")
    out = tmp_path / "mine.catalog"
    assert (
        cli.main(["index", str(tmp_path / "photos"), "--metadata", str(metadata), "-o", str(out)])
        == 0
    )
    err = capsys.readouterr().err
    assert "indexing [" in err
    assert err.endswith(f"wrote 3 offers to {out}\n")
    loaded = Catalog.load(out)
    assert sorted(offer.title for offer in loaded.offers) == ["p0", "p2", "红色杯子"]


def test_index_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "bad.jpg").write_bytes(b"not a photo")
    code = cli.main(["index", str(tmp_path / "photos"), "-o", str(tmp_path / "c.bin")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"fake1688: cannot index {tmp_path / 'photos'}: ")
    assert "Traceback" not in err


def test_serve_runs_a_real_server_process(tmp_path: Path) -> None:
    apps = tmp_path / "apps.json"
    apps.write_text(json.dumps({"apps": [{"app_key": "test_app_key", "app_secret": "s3cret"}]}))
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0", "--apps", str(apps)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("fake1688 serving on http://127.0.0.1:")
        url = first.split()[-1]
        assert "s3cret" not in process.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = requests.post(url, data={"v": "2.0"}, timeout=5).json()
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.05)
        assert answer["error_response"]["code"] == 21
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C: uvicorn shuts down, then re-raises it
        _, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "Traceback" not in err


def test_help_lists_faults_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    for option in ("--faults FILE", "--qps N", "--daily-quota N"):
        assert option in out


def test_the_banner_names_the_admin_endpoints(catalog: Any) -> None:
    out = io.StringIO()
    gateway = FakeGateway(catalog=catalog, limits=RateLimits(qps=5), faults=[Fault(kind="latency")])
    cli._banner(out, "127.0.0.1", 8688, gateway)
    text = out.getvalue()
    assert (
        "Dashboard: http://127.0.0.1:8688/__fake__/ui/  (every call with its photos; faults "
        "and limits)\n"
        "Admin (no token: this machine only): http://127.0.0.1:8688/__fake__/requests  /reset  "
        "/health  /faults  /limits\n"
        "  POST, PUT and DELETE need Content-Type: application/json\n"
        "  OpenAPI: http://127.0.0.1:8688/openapi.json   faults: 1   limits: qps=5\n"
    ) in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--faults", "missing.toml"], "cannot read faults file missing.toml: "),
        (
            ["--qps", "0"],
            "--qps/--daily-quota: qps must be a positive whole number or left out, not 0",
        ),
    ],
)
def test_bad_faults_or_limits_are_one_line(
    quick_catalog: None, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert cli.main(["serve", "--port", "0", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fake1688: {message}")
    assert err.count("\n") == 1


def test_serve_with_faults_and_limits_drops_connections_quietly(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text('seed = 3\n[[faults]]\nkind = "connection_reset"\ntimes = 1\n')
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0", "--faults", str(faults)]
    command += ["--qps", "50", "--daily-quota", "1000", "--log-level", "info"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        root = url.rsplit("/openapi/router/rest", 1)[0]
        _wait_for(root + "/__fake__/health")
        assert requests.get(root + "/__fake__/limits", timeout=5).json()["default"] == {
            "qps": 50,
            "daily_quota": 1000,
        }
        state = requests.get(root + "/__fake__/faults", timeout=5).json()
        assert state == {"seed": 3, "faults": [{"kind": "connection_reset", "times": 1,
                                                "remaining": 1}]}  # fmt: skip
        params = {"method": "1688.upload.img", "app_key": "test_app_key", "v": "2.0",
                  "timestamp": signing.format_timestamp()}  # fmt: skip
        params["sign"] = signing.sign(params, "test_app_secret")
        with pytest.raises(requests.ConnectionError):
            requests.post(url, data=params, timeout=5)
        assert requests.post(url, data=params, timeout=5).json()["error_response"]["code"] == 40
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "Traceback" not in err
    assert "ASGI callable" not in err  # uvicorn did not answer the dropped call itself
    # No access-log line with status 500 (a bare "500" also matched a process id once).
    assert '" 500' not in err, err


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.05)


# -- the admin surface off loopback ------------------------------------------------

REFUSAL = (
    "fake1688: host {host} is reachable from other machines, and so would be the admin "
    "endpoints (/__fake__/*): set --admin-token TOKEN (or $FAKE1688_ADMIN_TOKEN), or serve "
    "none with --no-admin\n"
)


@pytest.fixture
def no_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal comes before the catalog is loaded (seconds, for the default one)."""

    def loading(path: Any, seed: int) -> Any:
        raise AssertionError("the catalog was loaded")

    monkeypatch.setattr(cli, "_load_catalog", loading)
    monkeypatch.delenv("FAKE1688_ADMIN_TOKEN", raising=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])  # noqa: S104 - refused
def test_serve_off_loopback_without_a_token_is_refused(
    no_catalog: None, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert cli.main(["serve", "--host", host, "--port", "0"]) == 2
    assert capsys.readouterr() == ("", REFUSAL.format(host=host))


def test_an_empty_token_in_the_environment_is_no_token(
    no_catalog: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE1688_ADMIN_TOKEN", "")
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2  # noqa: S104
    assert capsys.readouterr().err == REFUSAL.format(host="0.0.0.0")  # noqa: S104


def test_a_host_name_is_judged_by_the_address_it_binds(
    quick_catalog: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE1688_ADMIN_TOKEN", raising=False)
    # The bound socket's address decides: a name for an address off loopback is refused.
    monkeypatch.setattr(cli, "_bind", lambda host, port, **_: _bound("0.0.0.0"))  # noqa: S104
    assert cli.main(["serve", "--host", "fake.lan", "--port", "0"]) == 2
    assert capsys.readouterr().err == REFUSAL.format(host="0.0.0.0")  # noqa: S104


def _bound(host: str) -> socket.socket:
    sock = socket.socket()
    sock.bind((host, 0))
    return sock


def test_serve_off_loopback_is_refused_by_the_real_command() -> None:
    env = {key: value for key, value in os.environ.items() if key != "FAKE1688_ADMIN_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "fake1688", "serve", "--host", "0.0.0.0", "--port", "0"],  # noqa: S104
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    refusal = REFUSAL.format(host="0.0.0.0")  # noqa: S104 - a refusal, not a binding
    assert (done.returncode, done.stdout, done.stderr) == (2, "", refusal)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--no-admin", "--admin-host", "fake.lan"],
            "fake1688: --admin-host names hosts for the admin endpoints; drop --no-admin\n",
        ),
        (
            ["--admin-token", " "],
            "fake1688: --admin-token/--admin-host: the admin token is empty; pick a long "
            "random one, or none\n",
        ),
        (
            ["--admin-token", ""],
            "fake1688: --admin-token/--admin-host: the admin token is empty; pick a long "
            "random one, or none\n",
        ),
        (
            ["--admin-token", "two words"],
            "fake1688: --admin-token/--admin-host: the admin token travels in a header: use "
            "no spaces\n",
        ),
        (
            ["--admin-token", "tökén"],
            "fake1688: --admin-token/--admin-host: the admin token travels in a header: use "
            "printable ASCII\n",
        ),
        (
            ["--admin-host", "fake.lan:http"],
            "fake1688: --admin-token/--admin-host: 'fake.lan:http' is not a host name, or "
            "name:port\n",
        ),
    ],
)
def test_admin_options_that_cannot_work_are_one_line(
    no_catalog: None, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert cli.main(["serve", "--port", "0", *arguments]) == 2
    assert capsys.readouterr().err == message


def test_a_token_and_no_admin_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["serve", "--admin-token", "t0ken-1234", "--no-admin"])
    assert done.value.code == 2
    assert capsys.readouterr().err.endswith(
        "argument --no-admin: not allowed with argument --admin-token\n"
    )


def test_off_loopback_the_banner_prints_no_secret(catalog: Any) -> None:
    out = io.StringIO()
    token = "admin-t0ken-5e2a"
    cli._banner(out, "0.0.0.0", 8688, FakeGateway(catalog=catalog), AdminAccess(token=token))  # noqa: S104
    text = out.getvalue()
    for secret in ("test_app_secret", "test_access_token", token):
        assert secret not in text
    assert (
        "  demo app: app_key=test_app_key (its secret and access token are in the docs, not "
        "printed off loopback)\n"
    ) in text
    assert (
        "product.search.imageQuery/test_app_key\n  access token: not printed off loopback\n" in text
    )
    assert (
        "Admin (Authorization: Bearer <admin token>): http://0.0.0.0:8688/__fake__/requests  "
        "/reset  /health  /faults  /limits\n"
    ) in text
    assert 'PailitaoClient(app_key="test_app_key", app_secret="<the demo secret>",' in text


def test_on_loopback_the_banner_prints_no_admin_token(catalog: Any) -> None:
    out = io.StringIO()
    token = "admin-t0ken-5e2a"
    cli._banner(out, "127.0.0.1", 8688, FakeGateway(catalog=catalog), AdminAccess(token=token))
    assert token not in out.getvalue()
    assert "Admin (Authorization: Bearer <admin token>): " in out.getvalue()


def test_without_admin_the_banner_says_so(catalog: Any) -> None:
    out = io.StringIO()
    cli._banner(out, "127.0.0.1", 8688, FakeGateway(catalog=catalog), None)
    assert (
        "\nAdmin: off (--no-admin)\n  OpenAPI: http://127.0.0.1:8688/openapi.json   faults: 0"
    ) in out.getvalue()
    assert "/__fake__" not in out.getvalue()


def test_photo_writes_a_jpeg_of_the_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shoe.jpg"
    assert (
        cli.main(["photo", "white sneakers", "--color", "red", "--seed", "3", "-o", str(out)]) == 0
    )
    data = out.read_bytes()
    assert capsys.readouterr().out == f"wrote {out} ({len(data):,} bytes)\n"
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert data == photo("小白鞋", "红色", seed="3")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["photo", "teapot", "-o", "x.jpg"], "photo: unknown kind 'teapot': name one such as"),
        (["photo", "mug", "--color", "teal", "-o", "x.jpg"], "photo: unknown colour 'teal'"),
        (["photo", "mug"], "photo: name a KIND and an output file (-o FILE), or --list the kinds"),
        (["photo", "mug", "-o", "/nonexistent/x.jpg"], "photo: cannot write /nonexistent/x.jpg"),
    ],
)
def test_photo_problems_are_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fake1688: {message}")
    assert err.count("\n") == 1
    assert not (tmp_path / "x.jpg").exists()


def test_photo_lists_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["photo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "小白鞋\twhite sneakers\t鞋靴: white, black, brown, red, grey" in lines
