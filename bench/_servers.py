"""Start and stop local servers for the HTTP benchmarks (127.0.0.1 only)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
    """A server subprocess that prints its URL on the first line of stdout."""

    def __init__(self, command: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith(("fake1688 serving on ", "http://")):
            self.stop()
            raise RuntimeError(f"the server did not start: {first!r}")
        self.url = first.split()[-1]
        self.root = self.url.rsplit("/openapi/router/rest", 1)[0]
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
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
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> str:
        """Stop with SIGINT (Ctrl-C); returns what it wrote on stderr."""
        self.process.send_signal(2)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


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
