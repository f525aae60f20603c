"""``pailitao cassettes record`` then ``serve``: clients in other languages record and replay.

A ``requests`` client, ``curl`` and (with ``node``) the npm ``topsdk`` SDK call
a real ``fake1688 serve`` through the recording proxy; then, with the gateway
stopped, ``pailitao cassettes serve`` answers the same calls byte for byte. All
three run as a user runs them: subprocesses on free loopback ports.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
import yaml

from pailitao.cli import main
from pailitao.wire import aop, signing

SECRET, KEY, TOKEN = "test_app_secret", "test_app_key", "test_access_token"
PAILITAO = [sys.executable, "-c", "import sys; from pailitao.cli import main; sys.exit(main())"]
NODE = shutil.which("node")
CURL = shutil.which("curl")
NODE_DIR = Path(__file__).resolve().parents[1] / "sdks" / "node"


@dataclass
class Running:
    """A server subprocess, where it listens, and the lines of its banner."""

    process: subprocess.Popen[str]
    root: str
    banner: list[str]

    def stop(self) -> str:
        """Stop it; what it printed after its banner."""
        self.process.send_signal(signal.SIGINT)
        return self.process.communicate(timeout=20)[0]


def start(command: list[str], until: str) -> Running:
    """Start a server; its first line ends with its URL, ``until`` ends its banner."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("PAILITAO_APP_SECRET", "PAILITAO_APP_KEY", "PAILITAO_ACCESS_TOKEN"):
        env.pop(name, None)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    banner = [process.stdout.readline()]
    while until not in banner[-1]:
        banner.append(process.stdout.readline())
        if not banner[-1]:
            process.kill()
            pytest.fail(f"{command} ended before its banner did: {banner}")
    root = "/".join(banner[0].split()[-1].split("/")[:3])
    return Running(process, root, banner)


def start_fake() -> Running:
    """``fake1688 serve --port 0``; its banner comes before uvicorn listens, so wait for it."""
    running = start([sys.executable, "-m", "fake1688", "serve", "--port", "0"], "curl")
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{running.root}/__fake__/health", timeout=5)
            return running
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "fake1688 serve did not answer"
            time.sleep(0.05)


def photo_of(fake: Running) -> str:
    return next(line for line in fake.banner if "curl" in line).split("'")[1]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


Call = Callable[[str], Reply]


def top_form(**params: str) -> dict[str, str]:
    form = {
        "method": "1688.items.search.img",
        "app_key": KEY,
        "timestamp": signing.format_timestamp(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        **params,
    }
    return {**form, "sign": signing.sign(form, SECRET, "md5")}


def calls(photo_url: str, photo: bytes) -> dict[str, Call]:
    """Each client's call, signed afresh every time it runs."""

    def top_base64(root: str) -> Reply:
        form = top_form(image=base64.b64encode(photo).decode(), page_size="3")
        answer = requests.post(f"{root}/openapi/router/rest", data=form, timeout=30)
        return Reply(answer.status_code, answer.content)

    def top_multipart(root: str) -> Reply:
        form = top_form(page_size="4")
        files = {"image": ("photo.jpg", photo, "image/jpeg")}
        answer = requests.post(f"{root}/router/rest", data=form, files=files, timeout=30)
        return Reply(answer.status_code, answer.content)

    def aop_search(root: str) -> Reply:
        query = {"imageAddress": photo_url, "beginPage": 1, "pageSize": 5, "country": "en"}
        form = {
            aop.SEARCH_PARAM: json.dumps(query),
            aop.ACCESS_TOKEN: TOKEN,
            aop.TIMESTAMP: signing.format_timestamp(style="millis"),
        }
        api = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY)
        form[aop.SIGNATURE] = aop.sign(api.signed, form, SECRET)
        answer = requests.post(api.url(f"{root}/openapi"), data=form, timeout=30)
        return Reply(answer.status_code, answer.content)

    def reseller_search(root: str) -> Reply:
        params = {"key": KEY, "secret": SECRET, "imgid": photo_url, "page": "1"}
        answer = requests.get(f"{root}/1688/item_search_img/", params=params, timeout=30)
        return Reply(answer.status_code, answer.content)

    def curl_search(root: str) -> Reply:
        assert CURL is not None
        body = urlencode(top_form(imgid=photo_url, page_size="2"))
        done = subprocess.run(
            [CURL, "-s", "-w", "\n%{http_code}", "--data-binary", "@-", "-H",
             "Content-Type: application/x-www-form-urlencoded", f"{root}/openapi/router/rest"],
            input=body.encode(), capture_output=True, check=True, timeout=30,
        )  # fmt: skip
        content, _, status = done.stdout.rpartition(b"\n")
        return Reply(int(status), content)

    return {
        "requests TOP base64": top_base64,
        "requests TOP multipart": top_multipart,
        "requests AOP": aop_search,
        "requests reseller": reseller_search,
        "curl TOP imgid": curl_search,
    }


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out, err=out)
    return status, out.getvalue()


def interactions(cassette: Path) -> list[dict[str, object]]:
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    found: list[dict[str, object]] = data["interactions"]
    return found


@pytest.fixture
def fake() -> Iterator[Running]:
    running = start_fake()
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


@pytest.mark.skipif(CURL is None, reason="curl is missing")
def test_record_through_the_proxy_then_replay_byte_for_byte(fake: Running, tmp_path: Path) -> None:
    photo_url = photo_of(fake)
    photo = requests.get(photo_url, timeout=10).content
    clients = calls(photo_url, photo)
    proxy = start(
        [*PAILITAO, "cassettes", "record", str(tmp_path), "--upstream", fake.root], "Ctrl-C"
    )
    try:
        assert proxy.banner[0] == f"pailitao cassettes recording on {proxy.root}\n"
        recorded = {name: call(proxy.root) for name, call in clients.items()}
        again = clients["requests TOP base64"](proxy.root)  # recorded already: not again
    finally:
        proxy.stop()
    fake.stop()
    cassette = tmp_path / "proxy.yaml"
    assert len(interactions(cassette)) == len(clients)
    assert again == recorded["requests TOP base64"]
    assert all(reply.status == 200 for reply in recorded.values()), recorded
    text = cassette.read_text(encoding="utf-8")
    assert SECRET not in text
    assert TOKEN not in text

    player = start([*PAILITAO, "cassettes", "serve", str(tmp_path)], "Ctrl-C")
    try:
        assert player.banner[0] == f"pailitao cassettes serving on {player.root}\n"
        replayed = {name: call(player.root) for name, call in clients.items()}
    finally:
        player.stop()
    assert replayed == recorded

    assert cli("cassettes", "scan", str(tmp_path)) == (
        0,
        "scanned 1 file(s): no secrets found\n",
    )
    status, report = cli("contract", "check", str(tmp_path))
    assert status == 0, report


def test_a_mismatch_over_http_names_the_param(fake: Running, tmp_path: Path) -> None:
    photo_url = photo_of(fake)
    proxy = start(
        [*PAILITAO, "cassettes", "record", str(tmp_path), "--upstream", fake.root], "Ctrl-C"
    )
    try:
        form = top_form(imgid=photo_url, page_size="2")
        requests.post(f"{proxy.root}/router/rest", data=form, timeout=30).raise_for_status()
    finally:
        proxy.stop()
    player = start([*PAILITAO, "cassettes", "serve", str(tmp_path)], "Ctrl-C")
    try:
        form = top_form(imgid=photo_url, page_size="3")
        miss = requests.post(f"{player.root}/router/rest", data=form, timeout=30)
        bad = {**top_form(imgid=photo_url, page_size="2"), "sign": "0" * 32}
        refused = requests.post(f"{player.root}/router/rest", data=bad, timeout=30)
    finally:
        player.stop()
    error = miss.json()["error_response"]
    assert (error["code"], error["sub_code"]) == (41, "pailitao.not-recorded")
    assert "param 'page_size': recorded '2', this request '3'" in error["sub_msg"]
    assert "(proxy.yaml, interaction 0)" in error["sub_msg"]
    assert refused.json()["error_response"]["code"] == 25


def test_record_all_records_anew(fake: Running, tmp_path: Path) -> None:
    photo_url = photo_of(fake)
    command = [*PAILITAO, "cassettes", "record", str(tmp_path), "--upstream", fake.root]
    form = top_form(imgid=photo_url, page_size="2")
    cassette = tmp_path / "mine.yaml"
    for mode, new in (("missing", 1), ("missing", 0), ("all", 1)):
        proxy = start([*command, "--record", mode, "--cassette", "mine"], "Ctrl-C")
        try:
            requests.post(f"{proxy.root}/router/rest", data=form, timeout=30).raise_for_status()
        finally:
            summary = proxy.stop()
        assert len(interactions(cassette)) == 1
        assert summary == f"recorded {new} new interaction(s) into {cassette} (1 in all)\n"


@pytest.mark.skipif(NODE is None, reason="node is missing (`make test` installs it)")
def test_the_npm_topsdk_records_and_replays_unmodified(fake: Running, tmp_path: Path) -> None:
    if not (NODE_DIR / "node_modules" / "topsdk").is_dir():
        pytest.fail(f"topsdk is not installed in {NODE_DIR}/node_modules: run `make node-sdks`")
    params = json.dumps({"imgid": photo_of(fake), "page_size": "3"})

    def topsdk(root: str) -> str:
        assert NODE is not None
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TZ": "Asia/Shanghai",  # the SDK stamps local time; the platform reads GMT+8
            "TOP_URL": f"{root}/router/rest",
            "TOP_APP_KEY": KEY,
            "TOP_APP_SECRET": SECRET,
        }
        done = subprocess.run(
            [NODE, "top.js", "topsdk", "1688.items.search.img", params],
            cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return done.stdout

    proxy = start(
        [*PAILITAO, "cassettes", "record", str(tmp_path), "--upstream", fake.root], "Ctrl-C"
    )
    try:
        recorded = topsdk(proxy.root)
    finally:
        proxy.stop()
    fake.stop()
    player = start([*PAILITAO, "cassettes", "serve", str(tmp_path)], "Ctrl-C")
    try:
        replayed = topsdk(player.root)
    finally:
        player.stop()
    assert json.loads(recorded)["result"]["items"]["page_size"] == 3
    assert replayed == recorded


def test_an_unreachable_upstream_is_502_and_records_nothing(tmp_path: Path) -> None:
    import socket

    import httpx

    from pailitao.recording.playback import Credentials, Incoming
    from pailitao.recording.proxy import RecordingProxy

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cassette = tmp_path / "proxy.yaml"
    with httpx.Client(timeout=5) as client:
        proxy = RecordingProxy(cassette, f"http://127.0.0.1:{port}", client, Credentials())
        body = urlencode(top_form(imgid="https://example.test/a.jpg")).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = proxy(Incoming("POST", "http://proxy/router/rest", headers, body))
    assert (answer.status, answer.reason) == (502, "Bad Gateway")
    assert answer.body.decode() == (
        f"pailitao cassettes record: the upstream gateway 127.0.0.1:{port} did not answer; "
        "check that it runs and that --upstream names it. Nothing was recorded."
    )
    assert not cassette.exists()


def test_a_proxy_cassette_replays_in_process_and_loads_in_plain_vcrpy(
    fake: Running, tmp_path: Path
) -> None:
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    from pailitao import PailitaoClient
    from pailitao.recording import make_vcr

    photo_url = photo_of(fake)
    proxy = start(
        [*PAILITAO, "cassettes", "record", str(tmp_path), "--upstream", fake.root], "Ctrl-C"
    )
    try:
        with PailitaoClient(
            app_key=KEY, app_secret=SECRET, base_url=f"{proxy.root}/openapi/router/rest"
        ) as client:
            recorded = client.search_image(imgid=photo_url, page_size=3)
    finally:
        proxy.stop()
    fake.stop()
    requests_, responses = FilesystemPersister.load_cassette(
        tmp_path / "proxy.yaml", yamlserializer
    )
    assert [request.uri for request in requests_] == [f"{fake.root}/openapi/router/rest"]
    vcr = make_vcr(secret=SECRET, app_key=KEY, cassette_library_dir=tmp_path)
    with (
        vcr.use_cassette("proxy.yaml"),
        PailitaoClient(
            app_key=KEY, app_secret=SECRET, base_url=f"{fake.root}/openapi/router/rest"
        ) as client,
    ):
        replayed = client.search_image(imgid=photo_url, page_size=3)
    assert replayed == recorded
    assert len(responses) == 1
