"""Decompression bombs against ``fake1688 serve``: time, peak memory, and the event loop meanwhile.

1. Starts ``fake1688 serve``, searches once with an ordinary photo (imports,
   catalog, caches), and reads the server's peak resident memory (``VmHWM``
   in ``/proc/PID/status``): the idle peak.
2. Sends each bomb of ``_bombs.py`` as a base64 ``image`` search, one at a
   time, while a thread asks ``/__fake__/health`` every 10 ms, and prints for
   each: its size, the answer's code, how long the answer took and the
   slowest health check meanwhile. Then reads ``VmHWM`` again.
   Goals: every bomb answered 41 within 0.5 s; the peak within 100 MB of idle.
3. Starts a fake that takes images of up to 20 MiB (``FakeGateway(max_image_bytes=...)``
   on uvicorn) and uploads a legitimate 20 MB PNG (2,600 x 2,600 pixels of
   noise) as a file part, health checks meanwhile. Goal: the slowest under 100 ms.

``--tree DIR`` runs the servers from another checkout's ``src`` and
``fake_server`` (e.g. ``git archive HEAD | tar -x -C DIR``), to compare.

Not a test: ``.venv/bin/python bench/bench_bombs.py [--tree DIR]``.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from _bombs import bombs
from _servers import Server, fake_command
from PIL import Image

from pailitao.wire import signing

TIME_GOAL = 0.5
MEMORY_GOAL_MB = 100
HEALTH_GOAL = 0.1
BIG_IMAGE_BYTES = 20 * 1024 * 1024
FORM = {"content-type": "application/x-www-form-urlencoded"}

_BIG_FAKE = textwrap.dedent(
    """
    import socket, sys
    import uvicorn
    from fake1688 import FakeGateway

    gateway = FakeGateway(max_image_bytes=int(sys.argv[1]))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}/openapi/router/rest", flush=True)
    config = uvicorn.Config(gateway.asgi_app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    """
)


def peak_kib(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def signed(**params: str) -> dict[str, str]:
    """A signed search with the demo app, valid for the next 10 minutes."""
    signed_params = {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": signing.format_timestamp(),
        "v": "2.0",
        **params,
    }
    signed_params["sign"] = signing.sign(signed_params, "test_app_secret")
    return signed_params


class HealthProbe:
    """A thread that asks /__fake__/health every 10 ms and keeps (start, seconds) of each."""

    def __init__(self, root: str) -> None:
        self.url = root + "/__fake__/health"
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                client.get(self.url).raise_for_status()
                self.samples.append((start, time.perf_counter() - start))
                self._stop.wait(0.01)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def slowest(self, start: float, end: float) -> float:
        """The slowest check under way between ``start`` and ``end`` (0 if none was)."""
        during = (took for began, took in self.samples if began <= end and began + took >= start)
        return max(during, default=0.0)


def server_env(tree: Path | None) -> None:
    if tree is not None:  # the servers are subprocesses: they inherit the environment
        os.environ["PYTHONPATH"] = f"{tree / 'src'}{os.pathsep}{tree / 'fake_server'}"


def noise_png(side: int) -> bytes:
    """A PNG of random pixels: incompressible, so about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def bomb_round(client: httpx.Client, server: Server) -> bool:
    """Every bomb in turn; prints a line each and the peak memory; True if every goal is met."""
    ordinary = base64.b64encode(noise_png(300)).decode()
    assert "items" in client.post(server.url, data=signed(image=ordinary)).text
    idle = peak_kib(server.pid)
    ok = True
    with HealthProbe(server.root) as probe:
        time.sleep(0.05)
        for name, data in bombs().items():
            # Encoded beforehand: httpx takes longer to urlencode 6 MB than the fake to answer.
            body = urlencode(signed(image=base64.b64encode(data).decode())).encode()
            start = time.perf_counter()
            answer = client.post(server.url, content=body, headers=FORM).json()
            end = time.perf_counter()
            code = answer.get("error_response", {}).get("code", "ok")
            health = probe.slowest(start, end)
            ok &= code == 41 and end - start < TIME_GOAL
            print(
                f"  {name:38} {len(data):>10,} B  code {code!s:>3}  {end - start:6.3f} s  "
                f"slowest health check {health * 1000:6.1f} ms"
            )
    grown = (peak_kib(server.pid) - idle) / 1024
    ok &= grown < MEMORY_GOAL_MB
    print(
        f"  peak RSS (VmHWM): idle {idle / 1024:.0f} MB, after the bombs "
        f"{peak_kib(server.pid) / 1024:.0f} MB: +{grown:.0f} MB (goal < {MEMORY_GOAL_MB} MB)"
    )
    return ok


def big_upload_round(client: httpx.Client) -> bool:
    """A legitimate 20 MB upload, health checks meanwhile; True if the slowest is under goal."""
    image = noise_png(2600)
    server = Server([sys.executable, "-c", _BIG_FAKE, str(BIG_IMAGE_BYTES)])
    try:
        with HealthProbe(server.root) as probe:
            time.sleep(0.2)
            start = time.perf_counter()
            files = {"image": ("big.png", image, "image/png")}
            answer = client.post(server.url, data=signed(), files=files).json()
            end = time.perf_counter()
            time.sleep(0.05)
        health = probe.slowest(start, end)
        checks = sum(began <= end and began + took >= start for began, took in probe.samples)
        found = "items" in str(answer)
        print(
            f"  a {len(image):,}-byte PNG (2600x2600) as a file part: "
            f"{'found offers' if found else answer} in {end - start:.2f} s; "
            f"{checks} health checks meanwhile, the slowest {health * 1000:.1f} ms "
            f"(goal < {HEALTH_GOAL * 1000:.0f} ms)"
        )
    finally:
        server.stop()
    return found and health < HEALTH_GOAL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="run the servers from this checkout")
    args = parser.parse_args()
    server_env(args.tree)
    print(f"fake1688 from {args.tree or 'this tree'}")
    with httpx.Client(timeout=120) as client:
        server = Server(fake_command())
        try:
            print("bombs, one at a time, as a base64 image search:")
            bombs_ok = bomb_round(client, server)
        finally:
            server.stop()
        print("a legitimate 20 MB upload (a fake that takes 20 MiB images):")
        upload_ok = big_upload_round(client)
    print("goals met" if bombs_ok and upload_ok else "goals NOT met")


if __name__ == "__main__":
    main()
