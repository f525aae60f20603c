"""Instructions per request: ``fake1688 serve`` against the bare endpoint, under wrk.

The clock on a shared 2-core machine drifts by tens of percent from minute to
minute; instruction counts do not. Each server runs under valgrind's callgrind
with instrumentation off, warms up under wrk, then counts only while wrk
sends the signed search by ``imgid`` (16 connections, ``SECONDS``). The ratio
bare / fake is what the throughput ratio would be if an instruction cost the
same in both; it does not, quite (the fake touches more memory), so read it
beside ``bench_http.py``, not instead of it.

Needs valgrind and wrk: ``.venv/bin/python bench/bench_instructions.py [SECONDS]``
(default 10; about a minute per server, valgrind slows each ~50x).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _servers import bare_command, fake_command
from bench_http import GOAL, signed_search_body, wrk_script

FORM = {"content-type": "application/x-www-form-urlencoded"}


def count(command: list[str], body: bytes, script: Path, seconds: int, tmp: Path) -> float:
    """Instructions per request of the server ``command`` (prints its URL first)."""
    out = tmp / "callgrind.out"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    server = subprocess.Popen(
        [*valgrind, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        for _ in range(600):  # a minute or two: startup under valgrind is slow
            try:
                httpx.post(url, content=body, headers=FORM, timeout=30)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        wrk = ["wrk", "-t1", "-c16", "--timeout", "10s", "-s", str(script), url]
        subprocess.run([*wrk, "-d3s"], capture_output=True, check=True)  # warm up
        control = ["callgrind_control", "-i"]
        subprocess.run([*control, "on", str(server.pid)], capture_output=True, check=True)
        report = subprocess.run([*wrk, f"-d{seconds}s"], capture_output=True, text=True, check=True)
        subprocess.run([*control, "off", str(server.pid)], capture_output=True, check=True)
        requests = int(re.search(r"(\d+) requests in", report.stdout).group(1))  # type: ignore[union-attr]
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=300)
    collected = int(re.search(r"Collected : (\d+)", err).group(1))  # type: ignore[union-attr]
    return collected / requests


def main(seconds: int = 10) -> None:
    for tool in ("valgrind", "callgrind_control", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install -y valgrind wrk")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        body = signed_search_body("imgid")
        script = wrk_script(body, tmp / "search")
        fake = count(fake_command(), body, script, seconds, tmp)
        answer = httpx.Client(transport=_in_process_transport()).post(
            "http://fake1688.test/openapi/router/rest", content=body, headers=FORM
        )
        (tmp / "answer.json").write_bytes(answer.content)
        bare = count(bare_command(tmp / "answer.json"), body, script, seconds, tmp)
    print("search by imgid, instructions per request (callgrind, under wrk -c16):")
    print(f"  bare Starlette  {bare:9,.0f}")
    print(f"  fake1688 serve  {fake:9,.0f}   ratio {bare / fake:.2f} (goal >= {GOAL})")


def _in_process_transport() -> httpx.BaseTransport:
    from fake1688 import FakeGateway  # noqa: PLC0415 - numpy and the catalog, only here

    return FakeGateway(0).transport()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
