"""Throughput of ``fake1688 serve`` with its state in Redis, against one process in memory.

Three servers take turns under the same ``wrk`` load (16 connections, one thread,
the signed search by ``imgid`` of ``bench_http.py``): one worker with its state in
memory, one worker with ``--state redis://…``, and ``--workers 2`` with that state.
A redis-server (Debian's) runs on a free loopback port, persistence off. Each round
gives every server ``SECONDS``; the figures are medians over ``ROUNDS`` rounds, with
each server's CPU per request (its workers summed, from ``/proc``) and Redis's.

Goals (issue 19): 2 workers with Redis >= 1.6x 1 worker in memory; 1 worker with
Redis >= 0.8x. On a 2-core machine wrk and redis-server share the cores with the
workers, so the 2-worker figure says as much about the machine as about the fake.

Not a test: ``.venv/bin/python bench/bench_shared.py [SECONDS [ROUNDS]]`` (default 5 5).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _servers import Server, fake_command
from bench_http import cpu_seconds, signed_search_body, wrk, wrk_script


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children] or [pid]


def main(seconds: int = 5, rounds: int = 5) -> None:
    port = free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    url = f"redis://127.0.0.1:{port}/0"
    servers = {
        "1 worker, memory": Server(fake_command()),
        "1 worker, Redis": Server(fake_command("--state", url)),
        "2 workers, Redis": Server(fake_command("--state", url, "--workers", "2")),
    }
    rates: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, list[float]] = {name: [] for name in servers}
    redis_cpu: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = wrk_script(signed_search_body("imgid"), Path(tmp) / "search")
            for server in servers.values():  # warm-up: caches, first connections
                wrk(server.url, script, 1)
            for _ in range(rounds):
                for name, server in servers.items():
                    pids = workers_of(server.pid)
                    before = sum(cpu_seconds(pid) for pid in pids)
                    redis_before = cpu_seconds(redis.pid)
                    done = wrk(server.url, script, seconds)
                    used = sum(cpu_seconds(pid) for pid in pids) - before
                    rates[name].append(done / seconds)
                    cpu[name].append(used / done * 1e6)
                    if "Redis" in name:
                        redis_cpu.append((cpu_seconds(redis.pid) - redis_before) / done * 1e6)
    finally:
        for server in servers.values():
            server.stop()
        redis.kill()
    base = statistics.median(rates["1 worker, memory"])
    print(f"wrk -t1 -c16, search by imgid, {rounds} rounds of {seconds} s (medians)")
    for name in servers:
        rate = statistics.median(rates[name])
        print(
            f"  {name:<17} {rate:>8,.0f} req/s  {rate / base:5.2f}x  "
            f"{statistics.median(cpu[name]):6.0f} µs CPU a request (workers)"
        )
    print(f"  redis-server: {statistics.median(redis_cpu):.0f} µs CPU a request")
    print("goals: 1 worker with Redis >= 0.80x, 2 workers with Redis >= 1.60x")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
