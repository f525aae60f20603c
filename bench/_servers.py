"""Start and stop local servers for the HTTP benchmarks (127.0.0.1 only), and read
their memory from ``/proc``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

_BARE_APP = textwrap.dedent(
    """
    import socket, sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    BODY = open(sys.argv[1], "rb").read()

    async def endpoint(request):
        await request.body()
        return Response(BODY, media_type="application/json;charset=UTF-8")

    app = Starlette(routes=[Route("/openapi/router/rest", endpoint, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}/openapi/router/rest", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])
    """
)


class Server:
    """A server subprocess that prints its URL on the first line of stdout (or is told it)."""

    def __init__(self, command: list[str], url: str | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        output = subprocess.PIPE if url is None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.PIPE, text=True, env=env
        )
        if url is None:
            assert self.process.stdout is not None
            first = self.process.stdout.readline()
            if not first.startswith(("fake1688 serving on ", "http://")):
                err = self.stop()
                raise RuntimeError(f"the server did not start: {first!r}\n{err[-2000:]}")
            url = first.split()[-1]
        self.url = url
        self.root = self.url.rsplit("/openapi/router/rest", 1)[0]
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(self.root + "/", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.url} did not answer")

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server process (VmRSS), in KiB."""
        return rss_kib(self.pid)

    def workers(self) -> list[int]:
        """The process ids that answer requests: the workers ``--workers N`` forked, else
        the server itself."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(child) for child in children] or [self.pid]

    def stop(self) -> str:
        """Stop with SIGINT (Ctrl-C); returns what it wrote on stderr."""
        self.process.send_signal(2)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def memory_kib(pid: int) -> dict[str, int]:
    """A process's memory from ``/proc/PID/smaps_rollup``, in KiB: ``Rss``, ``Pss`` (each
    shared page divided among the processes mapping it), ``Uss`` (its private pages) and
    the fields they come from (``Shared_Clean``, ``Private_Dirty``, ...)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    fields["Uss"] = fields["Private_Clean"] + fields["Private_Dirty"]
    return fields


def free_port() -> int:
    """A TCP port free on 127.0.0.1 (for a server that binds it itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """Debian's redis-server on a free loopback port, persistence off: ``kill()`` it
    (SIGKILL) and ``start()`` it again on the same port, empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start the server and wait until it answers PING (10 s at most)."""
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                   "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.005)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: gone at once, its data with it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def info(self, section: str) -> dict[str, Any]:
        """``INFO section`` (``memory``, ``keyspace``, ...)."""
        import redis  # noqa: PLC0415 - the shared-state extra, for these benches only

        with redis.Redis.from_url(self.url) as client:
            return dict(client.info(section))


def fake_command(*options: str) -> list[str]:
    """The command line of ``fake1688 serve`` on a free port."""
    return [sys.executable, "-m", "fake1688", "serve", "--port", "0", *options]


def bare_command(body_file: Path) -> list[str]:
    """The command line of a bare Starlette endpoint answering ``body_file``'s bytes."""
    return [sys.executable, "-c", _BARE_APP, str(body_file)]


def fake_server(*options: str) -> Server:
    """``fake1688 serve`` on a free port."""
    return Server(fake_command(*options))


def bare_server(body_file: Path) -> Server:
    """A bare Starlette endpoint answering ``body_file``'s bytes to every POST."""
    return Server(bare_command(body_file))


#: WireMock 3.13's standalone jar, from the npm package ``wiremock`` (Java runs it).
WIREMOCK_VERSION = "3.13.2"
_WIREMOCK_DIR = Path(__file__).resolve().parent / ".wiremock"
_WIREMOCK_JAR = (
    _WIREMOCK_DIR
    / "node_modules"
    / "wiremock"
    / "build"
    / f"wiremock-standalone-{WIREMOCK_VERSION}.jar"
)


def wiremock_jar() -> Path | None:
    """The jar, installed under ``bench/.wiremock`` with npm if missing; None without java/npm."""
    if _WIREMOCK_JAR.exists():
        return _WIREMOCK_JAR
    npm = shutil.which("npm")
    if npm is None or shutil.which("java") is None:
        return None
    install = [npm, "install", "--prefix", str(_WIREMOCK_DIR), "--no-audit", "--no-fund"]
    subprocess.run([*install, f"wiremock@{WIREMOCK_VERSION}"], check=True, capture_output=True)
    return _WIREMOCK_JAR


def wiremock_server(body_file: Path, root: Path) -> Server:
    """WireMock answering ``body_file``'s bytes to every POST of the TOP router (no journal)."""
    jar = wiremock_jar()
    if jar is None:
        raise RuntimeError("WireMock needs java and npm")
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    shutil.copyfile(body_file, root / "__files" / "answer.json")
    stub = {
        "request": {"method": "POST", "url": "/openapi/router/rest"},
        "response": {
            "status": 200,
            "bodyFileName": "answer.json",
            "headers": {"Content-Type": "application/json;charset=UTF-8"},
        },
    }
    (root / "mappings" / "search.json").write_text(json.dumps(stub))
    port = free_port()  # WireMock binds it itself
    command = ["java", "-jar", str(jar), "--bind-address", "127.0.0.1", "--port", str(port)]
    command += ["--root-dir", str(root), "--no-request-journal", "--disable-banner"]
    return Server(command, url=f"http://127.0.0.1:{port}/openapi/router/rest")
