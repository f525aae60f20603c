"""Redis killed and restarted under load: what the clients of ``fake1688 serve --workers 2
--state redis://…`` get meanwhile, and whether the fake comes back by itself.

A redis-server (persistence off) runs on a free loopback port, and ``fake1688 serve
--workers 2 --state`` on it. ``CLIENTS`` clients call it without pause, each in turn:
an upload, a search by the image it uploaded last (an upload when none is known since
its last failure: a restarted Redis is empty) and a search by a catalog photo's imgid
(which needs nothing from Redis). Every ``PERIOD`` seconds the script kills
redis-server (SIGKILL), keeps it down ``DOWN`` seconds and starts it again, empty,
on the same port; ``ROUNDS`` times.

For each outage it reports the calls sent while Redis was down: how many, how many got
the platform's internal-error envelope (TOP code 15, ``isp.remote-service-error``),
how many succeeded before the loss was seen (a call that needs nothing from Redis,
in the few milliseconds before a worker's watcher sees the connection closed), the
slowest answer (goal: each within 1 s, no hang, no bare 500); then the time from the
restart to the first success and to the last failure (each worker's watcher
reconnects on its own; goal: within 1 s, every call a success after it).
The workers' process ids are read before the first outage and after the last (goal:
the same, no restart), and the server's log is searched for tracebacks.

Not a test: ``.venv/bin/python bench/bench_redis_outage.py [ROUNDS]`` (default 3).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from _servers import RedisServer, Server, fake_server
from fake1688 import Catalog

from pailitao import AsyncPailitaoClient, PailitaoError, RetryPolicy, ServerError

CLIENTS = 8
#: Seconds of normal service before each outage, and after the last.
PERIOD = 3.0
DOWN = 2.0
GOAL_S = 1.0
ENVELOPE = "envelope 15"


@dataclass(slots=True)
class Call:
    """One call as a client saw it (monotonic seconds)."""

    kind: str
    started: float
    ended: float
    outcome: str  # "ok", ENVELOPE, or the error's class and message

    @property
    def latency(self) -> float:
        return self.ended - self.started


@dataclass(slots=True)
class Outage:
    """When Redis was killed, and when it answered PING again."""

    killed: float
    restarted: float = 0.0


@dataclass(slots=True)
class Run:
    """What the clients did, and when Redis was away."""

    calls: list[Call] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    stop: bool = False


async def client_loop(run: Run, server: Server, photos: list[bytes], catalog_imgid: str) -> None:
    client = AsyncPailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",  # noqa: S106 - the fake's published demo secret
        base_url=server.url,
        retry=RetryPolicy.disabled(),  # every answer is counted as it came
        timeout=10.0,
    )
    uploaded: str | None = None
    async with client:
        for number in range(1_000_000):
            if run.stop:
                return
            step = number % 3
            kind = ("upload", "search uploaded", "search catalog")[step]
            if kind == "search uploaded" and uploaded is None:
                kind = "upload"
            started = time.monotonic()
            try:
                if kind == "upload":
                    uploaded = await client.upload_image(photos[number % len(photos)])
                else:
                    imgid = uploaded if kind == "search uploaded" else catalog_imgid
                    await client.search_image(imgid=imgid)
                outcome = "ok"
            except ServerError as error:
                outcome = ENVELOPE if error.code == 15 else f"ServerError: {str(error)[:90]}"
                uploaded = None
            except PailitaoError as error:
                outcome = f"{type(error).__name__}: {str(error)[:90]}"
                uploaded = None
            run.calls.append(Call(kind, started, time.monotonic(), outcome))


async def outages(run: Run, redis: RedisServer, rounds: int) -> None:
    for _ in range(rounds):
        await asyncio.sleep(PERIOD)
        await asyncio.to_thread(redis.kill)  # returns once the process is gone
        outage = Outage(time.monotonic())
        run.outages.append(outage)
        await asyncio.sleep(DOWN)
        await asyncio.to_thread(redis.start)
        outage.restarted = time.monotonic()
    await asyncio.sleep(PERIOD)
    run.stop = True


def report_outage(index: int, run: Run) -> tuple[bool, float, float, float]:
    """Print one outage's figures; returns whether its goals are met, the slowest answer
    while Redis was down, and the times from the restart to the first success and to the
    last failure."""
    outage = run.outages[index]
    following = run.outages[index + 1 :]
    next_kill = following[0].killed if following else float("inf")
    down = [c for c in run.calls if outage.killed <= c.started < outage.restarted]
    envelopes = [c for c in down if c.outcome == ENVELOPE]
    served = [c for c in down if c.outcome == "ok"]
    others = [c for c in down if c.outcome not in ("ok", ENVELOPE)]
    in_flight = [c for c in run.calls if c.started < outage.killed <= c.ended]
    slowest = max((c.latency for c in down), default=0.0)
    first_envelope = min((c.ended for c in envelopes), default=outage.killed) - outage.killed
    print(
        f"outage {index + 1}: {len(down)} calls while Redis was down, {len(envelopes)} "
        f"answered with the 15 envelope, {len(served)} served before the loss was seen "
        f"{dict(Counter(c.kind for c in served))}, {len(others)} other"
    )
    for call in others[:5]:
        print(f"    {call.kind}: {call.outcome} after {call.latency:.3f} s")
    print(
        f"  latency: max {slowest * 1000:.0f} ms, median "
        f"{statistics.median(c.latency for c in down) * 1000 if down else 0:.0f} ms; first "
        f"envelope {first_envelope * 1000:.0f} ms after the kill; {len(in_flight)} calls in "
        f"flight at the kill: {sorted({c.outcome for c in in_flight})}"
    )
    later = [c for c in run.calls if outage.restarted <= c.started and c.ended < next_kill]
    back = min((c.ended for c in later if c.outcome == "ok"), default=float("inf"))
    late = [c for c in later if c.outcome != "ok"]  # a worker whose watcher is not back yet
    first = back - outage.restarted
    last = max((c.ended for c in late), default=outage.restarted) - outage.restarted
    print(
        f"  restart to first success {first * 1000:.0f} ms, to the last failure "
        f"{last * 1000:.0f} ms; {len(later)} calls after the restart, "
        f"{len(later) - len(late)} ok, {dict(Counter(c.outcome for c in late))}"
    )
    settled = all(c.outcome == ENVELOPE for c in late) and last < GOAL_S
    met = not others and slowest < GOAL_S and settled and back < float("inf")
    return met, slowest, first, last


async def main(rounds: int) -> int:
    catalog = Catalog.default(0)
    photos = [catalog.image_bytes(offer) for offer in catalog.offers[:8]]
    redis = RedisServer()
    server = fake_server("--workers", "2", "--state", redis.url)
    run = Run()
    try:
        before = server.workers()
        await asyncio.gather(
            outages(run, redis, rounds),
            *(client_loop(run, server, photos, catalog.offers[7].pic_url) for _ in range(CLIENTS)),
        )
        after = server.workers()
    finally:
        log = server.stop()
        redis.kill()
    first = run.outages[0].killed
    steady = [c for c in run.calls if c.ended < first]
    print(
        f"{len(run.calls):,} calls by {CLIENTS} clients against 2 workers; before the first "
        f"kill {sum(c.outcome == 'ok' for c in steady)} of {len(steady)} ok; Redis down "
        f"{DOWN:g} s, {rounds} times"
    )
    results = [report_outage(index, run) for index in range(len(run.outages))]
    tracebacks = log.count("Traceback")
    slowest, first, last = (statistics.median(r[i] for r in results) for i in (1, 2, 3))
    print(
        f"medians over outages: slowest answer while down {slowest:.3f} s; restart to first "
        f"success {first:.3f} s, to the last failure {last:.3f} s"
    )
    print(f"worker pids before {before}, after {after}; tracebacks in the log: {tracebacks}")
    ok = all(r[0] for r in results) and before == after and not tracebacks
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
