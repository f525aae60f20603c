"""How fast `fake1688 serve` starts: from the command to the first accepted connection.

    .venv/bin/python bench/bench_startup.py [TREE ...] [--runs 5]

Each TREE (default: this repository) is run with its own ``src`` and
``fake_server`` on the path, so another checkout (``git worktree add /tmp/old REF``)
can be compared with this one. Prints the median of the runs.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def ready_in(tree: Path) -> float:
    """Seconds from starting `fake1688 serve --port 0` to its first accepted connection."""
    env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree / 'fake_server'}")
    command = [
        sys.executable,
        "-c",
        "from fake1688.cli import main; main()",
        "serve",
        "--port",
        "0",
    ]
    start = time.perf_counter()
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        port = None
        while port is None and server.stdout is not None:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError(f"{tree}: the server stopped before saying its port")
            found = re.search(r"127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.005)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[HERE])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for tree in args.trees:
        times = [ready_in(tree.resolve()) for _ in range(args.runs)]
        rounds = ", ".join(f"{t:.2f}" for t in times)
        print(f"{tree}: ready in {statistics.median(times):.2f} s (median; runs {rounds})")


if __name__ == "__main__":
    main()
