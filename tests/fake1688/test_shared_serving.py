"""`fake1688 serve --state`: processes on different ports, and `--workers`, as one fake.

Every server here is a real `fake1688 serve` process sharing a real redis-server
(started on a free loopback port, persistence off), called over HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fake1688 import photo

from pailitao.wire import signing

from .redis_server import RedisServer, running_redis

KEY, SECRET = "test_app_key", "test_app_secret"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


class Served:
    """One `fake1688 serve` process: its router URL and its admin root."""

    def __init__(self, *arguments: str) -> None:
        command = [sys.executable, "-m", "fake1688", "serve", "--port", "0", *arguments]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith("fake1688 serving on "):
            self.process.kill()
            pytest.fail(f"serve did not start: {first}{self.process.communicate()[1]}")
        self.url = first.split()[-1]
        self.root = self.url.rsplit("/openapi/router/rest", 1)[0]
        self.banner = [first, self.process.stdout.readline()]
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(self.root + "/__fake__/health", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.05)

    def call(self, method: str = "1688.items.search.img", **params: str) -> dict[str, Any]:
        data = {"method": method, "app_key": KEY, "v": "2.0",
                "timestamp": signing.format_timestamp(), **params}  # fmt: skip
        data["sign"] = signing.sign(data, SECRET)
        answer = httpx.post(self.url, data=data, timeout=10)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = httpx.request(method, self.root + "/__fake__/" + path, timeout=10, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stop(self) -> str:
        """Stop with SIGTERM, as a container runtime does; returns stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=20)
        return err


@pytest.fixture
def serve(redis_server: RedisServer) -> Iterator[Any]:
    started: list[Served] = []

    def start(*arguments: str) -> Served:
        served = Served("--state", redis_server.url, *arguments)
        started.append(served)
        return served

    redis.Redis.from_url(redis_server.url).flushdb()  # an empty database for each test
    yield start
    for served in started:
        err = served.stop()
        assert "Traceback" not in err, err


def b64_photo(kind: str = "wrench", colour: str = "blue") -> str:
    return base64.b64encode(photo(kind, colour)).decode()


def test_two_serve_processes_sharing_redis_are_one_fake(serve: Any) -> None:
    first, second = serve(), serve()
    assert first.root != second.root
    uploaded = first.call("1688.upload.img", image=b64_photo())
    imgid = uploaded["1688_upload_img_response"]["items"]["item"]["name"]
    found = second.call(imgid=imgid, page_size="3")["1688_items_search_img_response"]
    assert all("蓝色扳手" in item["title"] for item in found["items"]["item"])

    first.admin("POST", "faults", json={"kind": "platform_error", "code": 10, "times": 3})
    answers = [served.call(imgid=imgid) for served in (second, first) * 4]
    assert ["error_response" in answer for answer in answers] == [True] * 3 + [False] * 5

    second.admin("PUT", "limits", json={"qps": 3})
    answers = [served.call(imgid=imgid) for served in (first, second) * 4]
    assert sum("error_response" not in answer for answer in answers) == 3

    journal = second.admin("GET", "requests")["requests"]
    assert journal == first.admin("GET", "requests")["requests"]
    assert [entry["seq"] for entry in journal] == list(range(1, 19))  # 1 + 1 + 8 + 8
    first.admin("POST", "reset", json={})
    assert second.admin("GET", "requests")["requests"] == []


def test_workers_share_one_port_and_one_state(serve: Any) -> None:
    served = serve("--workers", "2")
    assert served.banner[1].strip() == f"2 workers, state in {served_state(served)}"
    workers = children(served.process.pid)
    assert len(workers) == 2
    imgid = served.call("1688.upload.img", image=b64_photo("mug", "pink"))[
        "1688_upload_img_response"
    ]["items"]["item"]["name"]
    for _ in range(12):  # a new connection each time: the kernel picks the worker
        assert "error_response" not in served.call(imgid=imgid, page_size="1")
    assert len(served.admin("GET", "requests")["requests"]) == 13
    served.process.send_signal(signal.SIGTERM)  # to the parent only
    assert served.process.wait(timeout=20) == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


def test_connections_opened_at_once_are_spread_over_the_workers(serve: Any) -> None:
    served = serve("--workers", "2")
    port = int(served.root.rsplit(":", 1)[1])
    workers = children(served.process.pid)

    def held() -> list[int]:  # connections accepted, by each worker
        return [len(tcp_sockets(pid, port, ESTABLISHED)) for pid in workers]

    wait_for(lambda: all(tcp_sockets(pid, port, LISTEN) for pid in workers), "both listening")
    opened = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
    try:
        wait_for(lambda: sum(held()) == 32, "every connection accepted")
        assert all(held()), held()  # 32 to one worker: 2 in 2**32 with the kernel spreading
    finally:
        for connection in opened:
            connection.close()


def test_a_port_taken_by_workers_is_refused_to_more_workers_in_one_line(serve: Any) -> None:
    served = serve("--workers", "2")
    port = served.root.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "fake1688", "serve", "--port", port, "--workers", "2",
               "--state", served_state(served)]  # fmt: skip
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # fmt: skip
    try:
        out, err = second.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(second.pid, signal.SIGKILL)  # its workers too, if it served
    assert second.returncode == 1, out
    assert err.startswith(f"fake1688: cannot listen on 127.0.0.1:{port}: ")
    assert err.rstrip().endswith("(pick another --port)")


LISTEN, ESTABLISHED = "0A", "01"


def tcp_sockets(pid: int, port: int, state: str) -> set[int]:
    """The inodes of the TCP sockets process `pid` holds on local `port` in `state`."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                held.add(int(target[8:-1]))
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port, inode = int(fields[1].rsplit(":", 1)[1], 16), int(fields[9])
            if local_port == port and fields[3] == state and inode in held:
                found.add(inode)
    return found


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"not within 10 s: {what}"
        time.sleep(0.02)


def test_each_processs_dashboard_shows_every_call(serve: Any) -> None:
    first, second = serve(), serve()
    imgid = first.call("1688.upload.img", image=b64_photo("mug", "pink"))[
        "1688_upload_img_response"
    ]["items"]["item"]["name"]
    first.call(imgid=imgid, page_size="4")
    for served in (first, second):
        page = httpx.get(served.root + "/__fake__/ui/", timeout=10).text
        assert page.count("<tr class=") == 2
        call = httpx.get(served.root + "/__fake__/ui/requests/2", timeout=10)
        assert call.status_code == 200
        assert call.text.count('class="card"') == 4  # the offers, from the shared journal
        assert "a journal shared in Redis (it keeps no answers)" in call.text
    # The photo: the first kept it on its shelf, the second finds it in the shared store.
    photo_url = "/__fake__/ui/photos/{}.jpg"
    image = first.admin("GET", "requests")["requests"][0]["image"]
    for served in (first, second):
        assert httpx.get(served.root + photo_url.format(image), timeout=10).status_code == 200


def served_state(served: Served) -> str:
    arguments: list[str] = served.process.args  # type: ignore[assignment]  # Served's own list
    return arguments[arguments.index("--state") + 1]


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def test_more_workers_without_state_are_refused_in_one_line() -> None:
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0", "--workers", "3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == (
        "fake1688: --workers 3 needs --state redis://HOST:PORT/DB (or $FAKE1688_STATE): "
        "without it each worker would keep its own uploads, rate limits, faults and journal\n"
    )


def test_redis_down_at_start_is_one_line_naming_the_url() -> None:
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0"]
    env = {**os.environ, "FAKE1688_STATE": "redis://:secret@127.0.0.1:1/3"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith(
        "fake1688: --state: the shared state at redis://:***@127.0.0.1:1/3 is unreachable: "
    )
    assert done.stderr.count("\n") == 1
    assert "secret" not in done.stderr
