"""Is the fake's app faster or slower than at another commit? Paired CPU time, in process.

Over HTTP a change of a few percent drowns in this machine's drift (paired
``wrk`` rounds of two servers ranged 0.87-1.25x for one change). This drives
the Starlette app of two trees in process, with the imgid search that
``bench_http.py`` sends: the working tree, and ``REF`` checked out in a
temporary git worktree. Each tree runs in its own long-lived interpreter;
rounds go A, B, A and each B round is compared with the mean of the A rounds
on either side of it. Printed: the median CPU time per request of each, and
the median and quartiles of B/A (below 1: the working tree is faster).

Not a test: ``.venv/bin/python bench/bench_compare.py REF [ROUNDS [N]]``
(default 30 rounds of 2,000 requests; about 20 seconds).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in each child: the tree comes first on sys.path (PYTHONPATH), with its own bench helpers.
_CHILD = """
import asyncio, sys, time
sys.path.append(sys.argv[1])
import fake1688
from bench_http import signed_search_body
from fake1688 import FakeGateway

if not fake1688.__file__.startswith(sys.argv[2]):
    sys.exit(f"imported {fake1688.__file__}, not the tree under {sys.argv[2]}")

app = FakeGateway(0).asgi_app
body = signed_search_body("imgid")
headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/x-www-form-urlencoded"),
           (b"content-length", str(len(body)).encode())]

async def receive():
    return {"type": "http.request", "body": body, "more_body": False}

async def send(message):
    pass

async def serve(n):
    for _ in range(n):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/openapi/router/rest",
                 "raw_path": b"/openapi/router/rest", "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 5000),
                 "server": ("127.0.0.1", 8688)}
        await app(scope, receive, send)

loop = asyncio.new_event_loop()
loop.run_until_complete(serve(500))
print("ready", flush=True)
for line in sys.stdin:
    n = int(line)
    started = time.thread_time()
    loop.run_until_complete(serve(n))
    print((time.thread_time() - started) / n, flush=True)
"""


class Tree:
    """One tree's app in a child interpreter, answering 'run N' with seconds per request."""

    def __init__(self, tree: Path) -> None:
        path = os.pathsep.join([str(tree / "src"), str(tree / "fake_server")])
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(tree / "bench"), str(tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": path},
        )
        if self._line() != "ready":
            raise RuntimeError(f"the app of {tree} did not start")

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def run(self, n: int) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def compare(other: Path, rounds: int, n: int) -> None:
    """Print A (``other``) against B (the working tree), paired."""
    a, b = Tree(other), Tree(ROOT)
    try:
        times_a, times_b, ratios = [], [], []
        before = a.run(n)
        for _ in range(rounds):
            mine = b.run(n)
            after = a.run(n)
            times_a.append(after)
            times_b.append(mine)
            ratios.append(mine / ((before + after) / 2))
            before = after
    finally:
        a.close()
        b.close()
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    print(f"  A (the other ref)  {statistics.median(times_a) * 1e6:6.1f} µs CPU/request")
    print(f"  B (working tree)   {statistics.median(times_b) * 1e6:6.1f} µs CPU/request")
    print(f"  B/A {statistics.median(ratios):.3f} (quartiles {q1:.3f}-{q3:.3f}, {rounds} rounds)")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    ref = argv[0]
    rounds = int(argv[1]) if len(argv) > 1 else 30
    n = int(argv[2]) if len(argv) > 2 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "tree"
        git = ["git", "-C", str(ROOT)]
        add = [*git, "worktree", "add", "--detach", str(other), ref]
        added = subprocess.run(add, check=False, capture_output=True, text=True)
        if added.returncode:
            why = added.stderr.strip()
            print(f"bench_compare: cannot check out {ref!r}: {why}", file=sys.stderr)
            return 2
        try:
            print(f"imgid search through the ASGI app: A = {ref}, B = the working tree")
            compare(other, rounds, n)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(other)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
