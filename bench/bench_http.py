"""HTTP throughput: ``fake1688 serve`` against a bare Starlette endpoint, same bytes.

Both run on uvicorn (uvloop, httptools) as subprocesses on free 127.0.0.1
ports; the same ``wrk`` (Debian's, ``apt-get install wrk``) sends the same
signed search POST to each, 16 connections, one thread. The bare endpoint
reads the body and answers the exact bytes the fake answered. The two servers
take turns, ``ROUNDS`` rounds of the fake of ``SECONDS`` each, between
``ROUNDS + 1`` of the bare endpoint; the ratio reported is the median over
rounds of each fake round against the mean of the bare rounds either side of
it, since this machine's speed drifts by tens of percent from minute to minute.
The ratio of the two servers' median rates, and each server's CPU time per
request (from ``/proc``), are printed beside it. Goal: fake >= 0.5x bare.

WireMock 3.13 (its standalone jar, from the npm package ``wiremock``, installed
under ``bench/.wiremock`` when missing; ``java`` runs it) serves the same
answer as a static stub, request journal off, and takes a round after each of
the fake's; the ratio reported is the median over rounds of the fake against
the WireMock round beside it. Goal: fake >= 1.5x WireMock. Without ``java`` or
``npm`` it is left out.

Two requests are measured:

* by ``imgid`` (a catalog photo's URL): the paging call of a client that
  uploaded once, a ~400-byte body;
* by a base64 ``image``, as the seed sends it: a ~10 KB body that the fake must
  percent-decode and hash for the sign and the request id (its base64 text is
  recognised, so it is not decoded or fingerprinted again after the first).

Not a test: ``.venv/bin/python bench/bench_http.py [SECONDS [ROUNDS]]`` (default 5 5).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
from _servers import (
    WIREMOCK_VERSION,
    Server,
    bare_server,
    fake_server,
    wiremock_jar,
    wiremock_server,
)
from fake1688 import Catalog

from pailitao.wire import signing

GOAL = 0.5
GOAL_WIREMOCK = 1.5


def signed_search_body(source: str) -> bytes:
    """A signed search (``imgid`` or ``image``), valid for the next 10 minutes."""
    catalog = Catalog.default(0)
    offer = catalog.offers[7]
    params = {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": signing.format_timestamp(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "page_size": "20",
    }
    if source == "imgid":
        params["imgid"] = offer.pic_url
    else:
        params["image"] = base64.b64encode(catalog.image_bytes(offer)).decode("ascii")
    params["sign"] = signing.sign(params, "test_app_secret")
    return urlencode(params).encode()


def wrk_script(body: bytes, stem: Path) -> Path:
    """A wrk Lua script that POSTs ``body`` as a form (written beside it as ``stem.body``)."""
    stem.with_suffix(".body").write_bytes(body)
    script = stem.with_suffix(".lua")
    script.write_text(
        'wrk.method = "POST"\n'
        f'local f = io.open("{stem}.body", "rb"); wrk.body = f:read("*a"); f:close()\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    return script


def wrk(url: str, script: Path, seconds: int) -> int:
    """How many requests wrk completed in ``seconds`` (and no socket errors or non-2xx)."""
    program = shutil.which("wrk") or "wrk"
    out = subprocess.run(
        [program, "-t1", "-c16", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    if bad:
        raise RuntimeError(f"wrk saw errors against {url}:\n{out}")
    return int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Load:
    """wrk rounds against one server: requests per second and server CPU per request."""

    def __init__(self, server: Server, script: Path) -> None:
        self.server, self.script = server, script
        self.rates: list[float] = []
        self.cpu_us: list[float] = []

    def round(self, seconds: int) -> float:
        """One round; returns its requests per second."""
        before = cpu_seconds(self.server.pid)
        done = wrk(self.server.url, self.script, seconds)
        self.cpu_us.append((cpu_seconds(self.server.pid) - before) / done * 1e6)
        self.rates.append(done / seconds)
        return self.rates[-1]


def measure(source: str, seconds: int, rounds: int, tmp: Path, wiremock: bool) -> float:
    """Median ratio of fake to bare over alternating rounds; prints the numbers."""
    body = signed_search_body(source)
    script = wrk_script(body, tmp / source)
    servers: list[Server] = [fake_server()]
    try:
        answer = httpx.post(
            servers[0].url,
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert b"items_search_img_response" in answer.content, answer.text[:300]
        answer_file = tmp / f"{source}.json"
        answer_file.write_bytes(answer.content)
        servers.append(bare_server(answer_file))
        if wiremock:
            servers.append(wiremock_server(answer_file, tmp / f"wiremock-{source}"))
        loads = [Load(server, script) for server in servers]
        for load, warm_up in zip(loads, (1, 1, 15), strict=False):
            load.round(warm_up)  # imports, caches, the first fingerprint; the JVM's JIT
            load.rates.clear()
            load.cpu_us.clear()
        # Alternate short rounds, bare first and last: this machine's speed
        # drifts, and each fake round compared with the mean of the bare rounds
        # on either side of it cancels most of the drift (an ABA design).
        fake_load, bare_load, *wiremock_load = loads
        before = bare_load.round(seconds)
        ratios, ratios_wiremock = [], []
        for _ in range(rounds):
            rate = fake_load.round(seconds)
            for load in wiremock_load:
                ratios_wiremock.append(rate / load.round(seconds))
            after = bare_load.round(seconds)
            ratios.append(rate / ((before + after) / 2))
            before = after
    finally:
        for server in servers:
            server.stop()
    ratio = statistics.median(ratios)
    print(f"search by {source}: {len(body):,} bytes in, {len(answer.content):,} out")
    names = ("fake1688 serve", "bare Starlette", f"WireMock {WIREMOCK_VERSION}")
    for name, load in zip(names, loads, strict=False):
        print(
            f"  {name:16} {statistics.median(load.rates):9,.0f} req/s  "
            f"{statistics.median(load.cpu_us):5.0f} us CPU/request "
            f"(medians of {len(load.rates)} rounds)"
        )
    low, high = min(ratios), max(ratios)
    of_medians = statistics.median(loads[0].rates) / statistics.median(loads[1].rates)
    print(
        f"  vs bare Starlette {ratio:.2f}x (rounds {low:.2f}-{high:.2f}; ratio of the "
        f"median rates {of_medians:.2f}x; goal >= {GOAL}x)"
    )
    if ratios_wiremock:
        median, low, high = (f(ratios_wiremock) for f in (statistics.median, min, max))
        print(
            f"  vs WireMock {median:.2f}x (rounds {low:.2f}-{high:.2f}; goal >= {GOAL_WIREMOCK}x)"
        )
    return ratio


def main(seconds: int = 5, rounds: int = 5) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    wiremock = wiremock_jar() is not None
    if not wiremock:
        print("WireMock left out: it needs java and npm", file=sys.stderr)
    with tempfile.TemporaryDirectory() as name:
        for source in ("imgid", "image"):
            measure(source, seconds, rounds, Path(name), wiremock)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
