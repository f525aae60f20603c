"""Throughput of ``fake1688 serve`` with its state in Redis, against one process in memory.

Three servers take turns under the same ``wrk`` load (16 connections, one thread,
the signed search by ``imgid`` of ``bench_http.py``): one worker with its state in
memory, one worker with ``--state redis://…``, and ``--workers 2`` with that state.
A redis-server (Debian's) runs on a free loopback port, persistence off. Each round
gives every server ``SECONDS``; the figures are medians over ``ROUNDS`` rounds, with
each server's CPU per request (its workers summed, from ``/proc``), wrk's, Redis's and
the whole machine's (``/proc/stat``): on a machine whose cores are all busy the workers
cannot go faster, whatever they cost.

Goals (issue 19): 2 workers with Redis >= 1.6x 1 worker in memory; 1 worker with
Redis >= 0.8x. On a 2-core machine wrk and redis-server share the cores with the
workers, so the 2-worker figure says as much about the machine as about the fake.

Not a test: ``.venv/bin/python bench/bench_shared.py [SECONDS [ROUNDS]]`` (default 5 5).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

from _servers import RedisServer, Server, fake_command
from bench_http import cpu_seconds, signed_search_body, wrk, wrk_script


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (each wrk run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Rounds:
    """One server's rounds: requests per second and CPU per request, by whom (µs)."""

    def __init__(self) -> None:
        self.rates: list[float] = []
        self.cpu: dict[str, list[float]] = {"workers": [], "wrk": [], "redis": [], "machine": []}

    def median(self, what: str) -> float:
        return statistics.median(self.cpu[what])


def one_round(server: Server, redis: RedisServer, script: Path, seconds: int, into: Rounds) -> None:
    pids = server.workers()
    before = [sum(cpu_seconds(pid) for pid in pids), children_cpu_seconds(),
              cpu_seconds(redis.pid), machine_busy_seconds()]  # fmt: skip
    done = wrk(server.url, script, seconds)
    after = [sum(cpu_seconds(pid) for pid in pids), children_cpu_seconds(),
             cpu_seconds(redis.pid), machine_busy_seconds()]  # fmt: skip
    into.rates.append(done / seconds)
    for what, old, new in zip(into.cpu, before, after, strict=True):
        into.cpu[what].append((new - old) / done * 1e6)


def main(seconds: int = 5, rounds: int = 5) -> None:
    redis = RedisServer()
    servers = {
        "1 worker, memory": Server(fake_command()),
        "1 worker, Redis": Server(fake_command("--state", redis.url)),
        "2 workers, Redis": Server(fake_command("--state", redis.url, "--workers", "2")),
    }
    results = {name: Rounds() for name in servers}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = wrk_script(signed_search_body("imgid"), Path(tmp) / "search")
            for server in servers.values():  # warm-up: caches, first connections
                wrk(server.url, script, 1)
            for _ in range(rounds):
                for name, server in servers.items():
                    one_round(server, redis, script, seconds, results[name])
    finally:
        for server in servers.values():
            server.stop()
        redis.kill()
    report(results, seconds, rounds)


def report(results: dict[str, Rounds], seconds: int, rounds: int) -> None:
    base = statistics.median(results["1 worker, memory"].rates)
    cores = os.cpu_count() or 1
    print(f"wrk -t1 -c16, search by imgid, {rounds} rounds of {seconds} s (medians)")
    for name, result in results.items():
        rate = statistics.median(result.rates)
        workers, wrk_cpu, redis_cpu, machine = map(result.median, result.cpu)
        print(
            f"  {name:<17} {rate:>8,.0f} req/s  {rate / base:5.2f}x  "
            f"{workers:4.0f} µs of worker CPU a request"
        )
        print(
            f"  {'':<17} machine busy {machine * rate / 1e6:4.2f} of {cores} cores, "
            f"{machine:4.0f} µs a request: wrk {wrk_cpu:.0f}, redis-server {redis_cpu:.0f}, "
            f"the kernel and other processes {machine - workers - wrk_cpu - redis_cpu:.0f}"
        )
    print("goals: 1 worker with Redis >= 0.80x, 2 workers with Redis >= 1.60x")
    budget = cores * 1e6 / (1.6 * base)
    print(
        f"1.60x is {1.6 * base:,.0f} req/s: {budget:.0f} µs of this machine's CPU a request "
        "for the workers, wrk, redis-server and the kernel together"
    )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
