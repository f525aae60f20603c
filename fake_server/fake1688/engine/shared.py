"""State shared in Redis: several fake1688 processes, on one host or many, as one fake.

``fake1688 serve --state redis://host:port/db`` (or ``$FAKE1688_STATE``) keeps in
Redis what one process keeps in memory, so that every worker sees the same fake:

============== ============================================================
uploads        each image under its token; an LRU order (a sorted set of use
               ticks), its names and sizes; put, get and eviction each one Lua
               script, so the bounds hold whatever the workers do at once
rate limits    the ``limits`` library's Redis storage (its moving and fixed
               windows run as server-side scripts) and the settings, as JSON
faults         the rules in their order, how many times each may still fire
               (spent by a script that fires only while some are left: "the
               next 3 calls" fail exactly 3 calls across all workers), and
               one draw counter: the n-th draw is the seed's n-th number
journal        a capped stream (``XADD … MAXLEN``), numbered by one counter
============== ============================================================

A call that needs no state (a search of the catalog with no limits and no faults
set) makes no round trip to Redis: each process keeps the settings (limits, fault
rules) in a cache, and journal entries go to Redis in batches from a background
thread. A watcher thread in each process, subscribed to ``fake1688:sync``, empties
the cache and sends the journal's entries whenever any process changes a setting
or reads the journal (:meth:`RedisState.sync`, which returns once every process
has done so).

The watcher also pings Redis four times a second. While it cannot reach Redis
(down, unreachable, slower than ``TIMEOUT``), every call gets
:class:`~fake1688.engine.errors.StateUnavailable`, naming the URL without its
password, which the engine answers with the dialect's internal-error envelope; when
Redis answers again the watcher says so, and the fake serves again with no restart.
Journal entries of that time wait in the process (the newest ``journal_size``) and
reach Redis when it is back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
from limits.storage import RedisStorage

from .errors import StateUnavailable
from .faults import NOTHING, Fault, FaultPlan, Injected, _as_fault, _decide, _Rule
from .journal import DEFAULT_MAX_BYTES, Journal, JournalEntry, Verification, _estimated_size
from .ratelimits import RateLimiter, RateLimits
from .store import Image, Upload, UploadLimits, UploadStore, imgid_token, upload_names

__all__ = ["STATE_ENV", "TIMEOUT", "RedisState", "shown_url"]

#: The environment variable ``fake1688 serve`` reads when ``--state`` is not given.
STATE_ENV: Final = "FAKE1688_STATE"
#: Seconds a call waits for Redis (to connect, or for an answer) before it is lost.
TIMEOUT: Final = 0.5
_PREFIX: Final = "fake1688:"
#: How often the watcher pings Redis; two pings unanswered and Redis is lost.
_PING_EVERY: Final = 0.25
#: How long the watcher waits before it tries to reach a lost Redis again.
_RETRY: Final = 0.1
#: How long a change waits for every process to see it, at most.
_ACK_WAIT: Final = 1.0
#: How long the journal's thread gathers entries before it sends them all at once.
_GATHER: Final = 0.01


def shown_url(url: str) -> str:
    """``url`` fit to print: its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.hostname or ""
    netloc = f"{user}***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisState:
    """Where several fake1688 processes keep their state: one Redis database.

    Construction checks the URL's form only; :meth:`check` reaches the server.
    The engine asks it for its stores (:meth:`uploads`, :meth:`journal`,
    :meth:`rate_limiter`, :meth:`fault_plan`), as it asks
    :class:`~fake1688.engine.state.InMemory` for the one-process ones.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.shown = shown_url(url)
        try:
            self.redis = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
        except ValueError as bad:
            raise ValueError(f"{self.shown} is not a Redis URL: {bad}") from None
        self._scripts = {name: self.redis.register_script(code) for name, code in _LUA.items()}
        self._watching: int | None = None  # the process whose watcher runs
        self._generation = 0  # bumped by every change seen: cached settings are stale
        self._subscribed = False
        self._lost: str | None = None
        self._cache: dict[str, tuple[int, Any]] = {}
        self._on_sync: list[Callable[[], None]] = []
        self._on_close: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"RedisState({self.shown!r})"

    def key(self, name: str) -> str:
        """The Redis key of one piece of state."""
        return _PREFIX + name

    def script(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run one of this module's Lua scripts (atomically, on the server)."""
        with self.reached():
            return self._scripts[name](keys=[self.key(k) for k in keys], args=args)

    def batch(self, *commands: tuple[Any, ...], atomic: bool = False) -> list[Any]:
        """Send Redis commands (``("GET", "faults:seed")``: a name and its key, then any
        arguments) in one round trip; ``atomic`` runs them as one transaction."""
        pipe = self.redis.pipeline(transaction=atomic)
        for name, key, *args in commands:
            pipe.execute_command(name, self.key(key), *args)  # type: ignore[no-untyped-call]
        with self.reached():
            return list(pipe.execute())

    @contextmanager
    def reached(self) -> Iterator[None]:
        """Turn a Redis failure into StateUnavailable naming the URL (never its password)."""
        try:
            yield
        except redis.RedisError as lost:
            raise StateUnavailable(
                f"the shared state at {self.shown} is unreachable: {lost}"
            ) from None

    def check(self) -> None:
        """Reach the server once; raises StateUnavailable saying why not."""
        with self.reached():
            self.redis.ping()

    def alive(self) -> None:
        """Raise StateUnavailable while the watcher cannot reach Redis."""
        if self._watching != os.getpid():
            self._watch()
        if self._lost is not None:
            raise StateUnavailable(self._lost)

    def cached(self, name: str, load: Callable[[], Any]) -> Any:
        """``load()``'s value, kept until a change to the settings is seen."""
        self.alive()
        generation = self._generation
        kept = self._cache.get(name)
        if kept is not None and kept[0] == generation:
            return kept[1]
        value = load()
        if self._subscribed and generation == self._generation:
            self._cache[name] = (generation, value)
        return value

    def close(self) -> None:
        """Stop this process's threads (the journal's entries sent first, if Redis answers)."""
        for hook in self._on_close:
            hook()
        self._watching = None  # the watcher ends at its next ping

    def on_close(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` at :meth:`close`."""
        self._on_close.append(hook)

    def on_sync(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` in this process at every :meth:`sync` (a journal sends its entries)."""
        self._on_sync.append(hook)

    def sync(self) -> None:
        """Tell every process that the settings may have changed and to send what it
        holds for Redis; returns once each has done so."""
        self._generation += 1
        token = uuid.uuid4().hex
        (receivers,) = self.batch(("PUBLISH", "sync", token))
        deadline = time.monotonic() + _ACK_WAIT
        while receivers and time.monotonic() < deadline:
            (seen,) = self.batch(("GET", f"seen:{token}"))
            if int(seen or 0) >= receivers:
                return
            time.sleep(0.002)

    def _watch(self) -> None:
        """Start this process's watcher (again, in a forked worker)."""
        self._watching = os.getpid()
        self._generation += 1
        self._subscribed = False
        self._cache = {}
        threading.Thread(target=self._watcher, name="fake1688-state-watch", daemon=True).start()

    def _watcher(self) -> None:
        pid = os.getpid()
        while self._watching == pid:
            pubsub = self.redis.pubsub()
            try:
                pubsub.subscribe(self.key("sync"))
                pinged = answered = time.monotonic()
                while self._watching == pid:
                    message = pubsub.get_message(timeout=_PING_EVERY)
                    now = time.monotonic()
                    if message is not None:
                        answered = now
                        self._seen(message)
                    if now - answered > 2 * _PING_EVERY + TIMEOUT:
                        raise redis.TimeoutError(f"no answer to a ping for {now - answered:.1f} s")
                    if now - pinged >= _PING_EVERY:
                        pubsub.ping()
                        pinged = now
            except (redis.RedisError, StateUnavailable) as lost:
                self._subscribed = False
                self._generation += 1
                self._lost = (
                    str(lost)
                    if isinstance(lost, StateUnavailable)
                    else (f"the shared state at {self.shown} is unreachable: {lost}")
                )
                time.sleep(_RETRY)
            finally:
                pubsub.close()

    def _seen(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":
            self._generation += 1
            self._subscribed, self._lost = True, None
        elif message["type"] == "message":
            self._generation += 1
            for hook in self._on_sync:
                hook()
            token = message["data"].decode()
            self.batch(("INCR", f"seen:{token}"), ("EXPIRE", f"seen:{token}", 10))

    # The engine's stores.

    def uploads(self, limits: UploadLimits | None) -> UploadStore:
        return RedisUploadStore(self, limits)

    def journal(self, maxlen: int, max_bytes: int) -> Journal:
        return RedisJournal(self, maxlen, max_bytes)

    def rate_limiter(self, clock: Callable[[], float], limits: RateLimits | None) -> RateLimiter:
        return RedisRateLimiter(self, clock, limits)

    def fault_plan(self, seed: int, faults: Iterable[Fault | Mapping[str, Any]]) -> FaultPlan:
        return RedisFaultPlan(self, seed, faults)


class RedisUploadStore(UploadStore):
    """Uploads in Redis, bounded and LRU-ordered as :class:`UploadStore` keeps them in memory.

    Keys: ``up:img:<token>`` (the bytes), ``up:lru`` (tokens by their last use),
    ``up:ids`` (imageId -> token), ``up:meta`` (token -> size and imageId),
    ``up:bytes`` and ``up:tick``.
    """

    _KEYS: Final = ["up:lru", "up:ids", "up:meta", "up:bytes", "up:tick"]
    local = False

    def __init__(self, state: RedisState, limits: UploadLimits | None = None) -> None:
        super().__init__(limits)
        self._state = state
        self._images_at = state.key("up:img:")

    def put(self, image: Image) -> Upload:
        token, upload = upload_names(image.sha256)
        limits = self.limits
        args = [token, image.data, upload.image_id, limits.max_images, limits.max_bytes]
        self._state.script("put", self._KEYS, [*args, self._images_at])
        return upload

    def _find(self, reference: str, *, touch: bool) -> Image | None:
        token = "" if reference.isdigit() else imgid_token(reference)
        if token is None:
            return None
        keys = ["up:lru", "up:ids", "up:tick"]
        args = [token, reference if not token else "", self._images_at, int(touch)]
        data = self._state.script("get", keys, args)
        return None if data is None else Image.of(data)

    def get(self, reference: str) -> Image | None:
        return self._find(reference, touch=True)

    def peek(self, reference: str) -> Image | None:
        """The image, not marked used; None while Redis cannot be reached. A peek only
        advises (the HTTP adapter asks whether a call may decode, outside the pipeline):
        the call itself then meets the lost Redis in the pipeline, which answers it with
        the envelope and journals it."""
        try:
            return self._find(reference, touch=False)
        except StateUnavailable:
            return None

    def clear(self) -> None:
        self._state.script("clear_uploads", self._KEYS, [self._images_at])

    @property
    def total_bytes(self) -> int:
        with self._state.reached():
            return int(self._state.redis.get(self._state.key("up:bytes")) or 0)

    def __len__(self) -> int:
        with self._state.reached():
            return int(self._state.redis.zcard(self._state.key("up:lru")))


class RedisJournal(Journal):
    """The journal as a Redis stream capped at ``maxlen`` entries (``XADD … MAXLEN``),
    numbered by one counter for every process.

    Entries wait in this process (the newest ``maxlen``) until a background thread
    sends them, a few milliseconds later, many in one round trip; reading or clearing
    the journal first has every process send what it holds (:meth:`RedisState.sync`).
    The byte budget is not enforced here: entries are small (images are kept as their
    size), so the count bounds them."""

    def __init__(
        self, state: RedisState, maxlen: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        super().__init__(maxlen, max_bytes)
        self._state = state
        state.on_sync(self.flush)
        state.on_close(self._stop)
        self._pending: deque[bytes] = deque(maxlen=maxlen)
        self._sending: int | None = None  # the process whose sender runs
        self._wake = threading.Event()
        self._send_lock = threading.Lock()

    def _append(self, build: Callable[[int], JournalEntry]) -> None:
        entry = build(0)
        # The fields after seq, as a JSON list: a tenth of the cost of asdict's dict,
        # and orjson's a sixth of json.dumps's (1 µs a call, not 6).
        row = orjson.dumps([getattr(entry, name) for name in _ENTRY_FIELDS])
        with self._lock:
            self._pending.append(row)
        if self._sending != os.getpid():
            self._start_sending()
        if not self._wake.is_set():  # set() takes a lock; the sender clears it before a batch
            self._wake.set()

    def _start_sending(self) -> None:
        self._sending = os.getpid()
        self._wake, self._send_lock = threading.Event(), threading.Lock()
        threading.Thread(target=self._sender, name="fake1688-journal", daemon=True).start()

    def _sender(self) -> None:
        pid = os.getpid()
        while self._sending == pid:
            self._wake.wait()
            self._wake.clear()
            time.sleep(_GATHER)
            try:
                self.flush()
            except StateUnavailable:
                time.sleep(_RETRY)
                self._wake.set()

    def _stop(self) -> None:
        self._sending = None
        self._wake.set()
        with contextlib.suppress(StateUnavailable):
            self.flush()

    def flush(self) -> None:
        """Send the entries this process holds (its sender does it by itself)."""
        with self._send_lock:
            with self._lock:
                batch = list(self._pending)
                self._pending.clear()
            if not batch:
                return
            try:
                self._state.script("journal", ["journal", "journal:seq"], [self.maxlen, *batch])
            except StateUnavailable:
                with self._lock:  # back in front of any newer ones; the newest maxlen stay
                    newer = list(self._pending)
                    self._pending.clear()
                    self._pending.extend([*batch, *newer])
                raise

    def _settled(self) -> None:
        """Before a read: every process's entries sent."""
        self.flush()
        self._state.sync()

    def entries(self) -> list[JournalEntry]:
        """Every process's entries, in the order their calls were received."""
        self._settled()
        (rows,) = self._state.batch(("XRANGE", "journal", "-", "+"))
        return sorted((_entry(fields) for _, fields in rows), key=lambda e: e.received_at)

    def last(self) -> JournalEntry | None:
        entries = self.entries()
        return entries[-1] if entries else None

    def clear(self) -> None:
        self._settled()  # entries of calls answered before the reset go before it
        self._state.batch(("DEL", "journal"))

    @property
    def nbytes(self) -> int:
        return sum(_estimated_size(entry) for entry in self.entries())

    def __len__(self) -> int:
        self._settled()
        (count,) = self._state.batch(("XLEN", "journal"))
        return int(count)


#: What a stream entry holds, in this order (``seq`` is numbered by Redis; answers are
#: kept by an in-memory journal only: they would weigh on every call's round trip).
_ENTRY_FIELDS: Final = tuple(
    f.name for f in dataclasses.fields(JournalEntry) if f.name not in {"seq", "answer"}
)


def _entry(fields: Mapping[bytes, bytes]) -> JournalEntry:
    data = dict(zip(_ENTRY_FIELDS, orjson.loads(fields[b"e"]), strict=True))
    data["verification"] = Verification(data["verification"])
    data["offers"] = tuple(data["offers"])
    return JournalEntry(seq=int(fields[b"s"]), **data)


class RedisRateLimiter(RateLimiter):
    """Rate limits shared by every process: the counters in the ``limits`` library's
    Redis storage (its windows are server-side scripts), the settings in ``limits:default``
    and the ``limits:apps`` hash."""

    def __init__(
        self, state: RedisState, clock: Callable[[], float], limits: RateLimits | None = None
    ) -> None:
        storage = RedisStorage(
            state.url, connection_pool=state.redis.connection_pool, key_prefix=state.key("limits")
        )
        super().__init__(clock, limits, storage=storage)
        self._state = state
        with state.reached():  # the first process to start sets the built limits
            state.redis.set(state.key("limits:default"), _limits_json(self._built), nx=True)

    def __call__(self, call: Any) -> None:
        limits = self.limits_for(call.app.app_key)  # cached: no round trip
        if limits.qps is None and limits.daily_quota is None:
            return
        with self._state.reached():
            super().__call__(call)

    def set(self, limits: RateLimits, app_key: str | None = None) -> None:
        if app_key is None:
            self._state.batch(("SET", "limits:default", _limits_json(limits)))
        else:
            self._state.batch(("HSET", "limits:apps", app_key, _limits_json(limits)))
        self._state.sync()

    def limits_for(self, app_key: str) -> RateLimits:
        default, apps = self._settings()
        return apps.get(app_key, default)

    def _settings(self) -> tuple[RateLimits, dict[str, RateLimits]]:
        settings: tuple[RateLimits, dict[str, RateLimits]] = self._state.cached(
            "limits", self._load
        )
        return settings

    def _load(self) -> tuple[RateLimits, dict[str, RateLimits]]:
        default, apps = self._state.batch(("GET", "limits:default"), ("HGETALL", "limits:apps"))
        return _limits(default), {key.decode(): _limits(raw) for key, raw in apps.items()}

    def _restore(self, default: RateLimits) -> None:
        self._state.batch(
            ("DEL", "limits:apps"), ("SET", "limits:default", _limits_json(default)), atomic=True
        )
        with self._state.reached():
            self.storage.reset()
        self._state.sync()

    def clear(self) -> None:
        self._restore(RateLimits())

    def reset(self) -> None:
        self._restore(self._built)

    def to_dict(self) -> dict[str, Any]:
        default, apps = self._settings()
        return {
            "default": default.to_dict(),
            "apps": {key: limits.to_dict() for key, limits in sorted(apps.items())},
        }


def _limits_json(limits: RateLimits) -> str:
    return json.dumps(limits.to_dict())


def _limits(raw: bytes | None) -> RateLimits:
    return RateLimits.from_dict(json.loads(raw)) if raw else RateLimits()


class _SharedRule(_Rule):
    """A rule as Redis keeps it: its id and its JSON, which the spend script removes."""

    def __init__(self, fault: Fault, remaining: int | None, ident: int, raw: bytes) -> None:
        super().__init__(fault, remaining)
        self.ident = ident
        self.raw = raw


class RedisFaultPlan(FaultPlan):
    """The fault plan shared by every process.

    ``faults:rules`` lists the rules (JSON, in order), ``faults:left`` how many
    times each may still fire (-1: no limit); a script spends one only while some
    are left, so ``next(3, …)`` faults exactly 3 calls whichever processes get
    them. Each call takes a number from ``faults:draws``; the n-th call's draws
    come from ``random.Random(f"{seed}:{n}")``, so the same seed and the same
    calls, in the same order, fault the same calls.
    """

    def __init__(
        self, state: RedisState, seed: int = 0, faults: Iterable[Fault | Mapping[str, Any]] = ()
    ) -> None:
        self._state = state
        super().__init__(seed, faults)

    def _start(self) -> None:
        # The first process to start installs the built rules; the others join them.
        if self._state.script("faults_reset", _FAULT_KEYS, [0, *self._reset_args()]):
            self._state.sync()

    def _reset_args(self) -> list[Any]:
        return [self._seed, *(json.dumps(f.to_dict()) for f in self._built)]

    def reset(self) -> None:
        self._state.script("faults_reset", _FAULT_KEYS, [1, *self._reset_args()])
        self._state.sync()

    @property
    def seed(self) -> int:
        (raw,) = self._state.batch(("GET", "faults:seed"))
        return self._seed if raw is None else int(raw)

    def add(self, fault: Fault | Mapping[str, Any]) -> Fault:
        fault = _as_fault(fault)
        self._state.script("faults_add", _FAULT_KEYS, [json.dumps(fault.to_dict())])
        self._state.sync()
        return fault

    def clear(self) -> None:
        self._state.batch(("DEL", "faults:rules"), ("DEL", "faults:left"), atomic=True)
        self._state.sync()

    def reseed(self, seed: int) -> None:
        self._state.batch(("SET", "faults:seed", seed), ("SET", "faults:draws", 0), atomic=True)
        self._state.sync()

    def rules(self) -> list[dict[str, Any]]:
        return [{**rule.fault.to_dict(), "remaining": rule.remaining} for rule in self._load()[1]]

    def __len__(self) -> int:
        (count,) = self._state.batch(("LLEN", "faults:rules"))
        return int(count)

    def draw(self, api_method: str) -> Injected:
        seed, rules = self._state.cached("faults", self._load)
        if not rules:
            return NOTHING  # the common case: no round trip
        (number,) = self._state.batch(("INCR", "faults:draws"))
        draws = random.Random(f"{seed}:{number}")  # noqa: S311 - reproducible on purpose
        return _decide(api_method, rules, draws, self._spend_shared)

    def _load(self) -> tuple[int, list[_SharedRule]]:
        seed, raws, left = self._state.batch(
            ("GET", "faults:seed"),
            ("LRANGE", "faults:rules", 0, -1),
            ("HGETALL", "faults:left"),
            atomic=True,
        )
        rules = []
        for raw in raws:
            data = json.loads(raw)
            remaining = int(left.get(str(data["id"]).encode(), -1))
            fault = Fault.from_dict(data["fault"])
            rules.append(_SharedRule(fault, None if remaining < 0 else remaining, data["id"], raw))
        return (self._seed if seed is None else int(seed)), rules

    def _spend_shared(self, rule: _Rule) -> bool:
        if rule.remaining is None or not isinstance(rule, _SharedRule):
            return True
        spent = self._state.script("faults_spend", _FAULT_KEYS, [rule.ident, rule.raw])
        if spent == _RAN_OUT:
            self._state.sync()
        return bool(spent)


#: What the spend script answers when it spent a rule's last time (and removed it).
_RAN_OUT: Final = 2

_FAULT_KEYS: Final = [
    "faults:rules",
    "faults:left",
    "faults:installed",
    "faults:ids",
    "faults:seed",
    "faults:draws",
]

_LUA: Final = {
    # KEYS: lru, ids, meta, bytes, tick
    # ARGV: token, data, imageId, max images, max bytes, image key prefix
    "put": """
local tick = redis.call('INCR', KEYS[5])
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], tick, ARGV[1])
if known then return 0 end
redis.call('SET', ARGV[6] .. ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], string.len(ARGV[2]) .. ' ' .. ARGV[3])
local total = redis.call('INCRBY', KEYS[4], string.len(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
while count > 1 and (count > tonumber(ARGV[4]) or total > tonumber(ARGV[5])) do
  local oldest = redis.call('ZPOPMIN', KEYS[1])[1]
  local size, id = string.match(redis.call('HGET', KEYS[3], oldest), '(%d+) (%d+)')
  redis.call('DEL', ARGV[6] .. oldest)
  redis.call('HDEL', KEYS[3], oldest)
  redis.call('HDEL', KEYS[2], id)
  total = redis.call('DECRBY', KEYS[4], tonumber(size))
  count = count - 1
end
return 1
""",
    # KEYS: lru, ids, tick
    # ARGV: token ('' to look up the imageId), imageId, image key prefix, touch
    "get": """
local token = ARGV[1]
if token == '' then
  token = redis.call('HGET', KEYS[2], ARGV[2])
  if not token then return false end
end
local data = redis.call('GET', ARGV[3] .. token)
if data and ARGV[4] == '1' then redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), token) end
return data
""",
    # KEYS: lru, ids, meta, bytes, tick; ARGV: image key prefix
    "clear_uploads": """
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[1] .. token)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
""",
    # KEYS: journal, journal:seq; ARGV: max entries, then each entry as JSON
    "journal": """
local seq = redis.call('INCRBY', KEYS[2], #ARGV - 1) - (#ARGV - 1)
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 's', seq + i - 1, 'e', ARGV[i])
end
return seq
""",
    # KEYS: _FAULT_KEYS; ARGV: force (0: only if never set), seed, each fault as JSON
    "faults_reset": """
if ARGV[1] == '0' and redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 3, #ARGV do
  local id = redis.call('INCR', KEYS[4])
  local fault = cjson.decode(ARGV[i])
  redis.call('RPUSH', KEYS[1], cjson.encode({id = id, fault = fault}))
  local times = fault['times']
  if times == nil or times == cjson.null then times = -1 end
  redis.call('HSET', KEYS[2], id, times)
end
redis.call('SET', KEYS[5], ARGV[2])
redis.call('SET', KEYS[6], 0)
redis.call('SET', KEYS[3], 1)
return 1
""",
    # KEYS: _FAULT_KEYS; ARGV: the fault as JSON
    "faults_add": """
local id = redis.call('INCR', KEYS[4])
local fault = cjson.decode(ARGV[1])
redis.call('RPUSH', KEYS[1], cjson.encode({id = id, fault = fault}))
local times = fault['times']
if times == nil or times == cjson.null then times = -1 end
redis.call('HSET', KEYS[2], id, times)
return id
""",
    # KEYS: _FAULT_KEYS; ARGV: rule id, its JSON. 1: fire; 2: fire, the last time; 0: none left.
    "faults_spend": """
local left = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if not left or left == 0 then return 0 end
if left < 0 then return 1 end
left = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if left == 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('LREM', KEYS[1], 1, ARGV[2])
  return 2
end
return 1
""",
}
