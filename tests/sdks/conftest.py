"""Outside SDKs are the judges: they run unmodified against a real ``fake1688 serve``.

One server process per test session (per xdist worker), on a free loopback
port, started and stopped here. Each SDK is configured only through its own
settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests


@dataclass(frozen=True)
class Served:
    """A running ``fake1688 serve``: where it listens and a catalog photo it serves."""

    host: str
    port: int
    photo_url: str

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """``fake1688 serve --port 0`` as a user starts it; its banner says where it listens."""
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]  # http://127.0.0.1:PORT/openapi/router/rest
        host, port = url.split("/")[2].split(":")
        line = ""
        while "curl" not in line:  # the banner's example fetches a catalog photo
            line = process.stdout.readline()
            assert line, "fake1688 serve ended before its banner did"
        photo = line.split("'")[1]
        _wait_for(f"http://{host}:{port}/__fake__/health")
        yield Served(host, int(port), photo)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "fake1688 serve did not answer"
            time.sleep(0.05)
