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

Redis errors (down, unreachable, too slow past ``TIMEOUT``) become
:class:`~fake1688.engine.errors.StateUnavailable`, naming the URL without its
password; the engine answers the call with the dialect's internal-error envelope
and recovers by itself when Redis answers again (each call opens a connection
if the last one broke).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

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
        return self._find(reference, touch=False)

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
    numbered by one counter for every process. The byte budget is not enforced here:
    entries are small (images are kept as their size), so the count bounds them."""

    def __init__(
        self, state: RedisState, maxlen: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        super().__init__(maxlen, max_bytes)
        self._state = state

    def _append(self, build: Callable[[int], JournalEntry]) -> None:
        entry = build(0).to_dict()
        del entry["seq"]
        self._state.script("journal", ["journal", "journal:seq"], [self.maxlen, json.dumps(entry)])

    def entries(self) -> list[JournalEntry]:
        (rows,) = self._state.batch(("XRANGE", "journal", "-", "+"))
        return [_entry(fields) for _, fields in rows]

    def last(self) -> JournalEntry | None:
        (rows,) = self._state.batch(("XREVRANGE", "journal", "+", "-", "COUNT", 1))
        return _entry(rows[0][1]) if rows else None

    def clear(self) -> None:
        self._state.batch(("DEL", "journal"))

    @property
    def nbytes(self) -> int:
        return sum(_estimated_size(entry) for entry in self.entries())

    def __len__(self) -> int:
        (count,) = self._state.batch(("XLEN", "journal"))
        return int(count)


def _entry(fields: Mapping[bytes, bytes]) -> JournalEntry:
    data = json.loads(fields[b"e"])
    data["verification"] = Verification(data["verification"])
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
        with self._state.reached():
            super().__call__(call)

    def set(self, limits: RateLimits, app_key: str | None = None) -> None:
        if app_key is None:
            self._state.batch(("SET", "limits:default", _limits_json(limits)))
        else:
            self._state.batch(("HSET", "limits:apps", app_key, _limits_json(limits)))

    def limits_for(self, app_key: str) -> RateLimits:
        default, own = self._state.batch(
            ("GET", "limits:default"), ("HGET", "limits:apps", app_key)
        )
        return _limits(own or default)

    def _restore(self, default: RateLimits) -> None:
        self._state.batch(
            ("DEL", "limits:apps"), ("SET", "limits:default", _limits_json(default)), atomic=True
        )
        with self._state.reached():
            self.storage.reset()

    def clear(self) -> None:
        self._restore(RateLimits())

    def reset(self) -> None:
        self._restore(self._built)

    def to_dict(self) -> dict[str, Any]:
        default, apps = self._state.batch(("GET", "limits:default"), ("HGETALL", "limits:apps"))
        return {
            "default": _limits(default).to_dict(),
            "apps": {k.decode(): _limits(v).to_dict() for k, v in sorted(apps.items())},
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
        self._cache: tuple[bytes | None, int, list[_SharedRule]] = (None, seed, [])
        super().__init__(seed, faults)

    def _start(self) -> None:
        # The first process to start installs the built rules; the others join them.
        self._state.script("faults_reset", _FAULT_KEYS, [0, *self._reset_args()])

    def _reset_args(self) -> list[Any]:
        return [self._seed, *(json.dumps(f.to_dict()) for f in self._built)]

    def reset(self) -> None:
        self._state.script("faults_reset", _FAULT_KEYS, [1, *self._reset_args()])

    @property
    def seed(self) -> int:
        (raw,) = self._state.batch(("GET", "faults:seed"))
        return self._seed if raw is None else int(raw)

    def add(self, fault: Fault | Mapping[str, Any]) -> Fault:
        fault = _as_fault(fault)
        self._state.script("faults_add", _FAULT_KEYS, [json.dumps(fault.to_dict())])
        return fault

    def clear(self) -> None:
        self._state.batch(
            ("DEL", "faults:rules"), ("DEL", "faults:left"), ("INCR", "faults:version"), atomic=True
        )

    def reseed(self, seed: int) -> None:
        self._state.batch(
            ("SET", "faults:seed", seed),
            ("SET", "faults:draws", 0),
            ("INCR", "faults:version"),
            atomic=True,
        )

    def rules(self) -> list[dict[str, Any]]:
        return [{**rule.fault.to_dict(), "remaining": rule.remaining} for rule in self._load()[2]]

    def __len__(self) -> int:
        (count,) = self._state.batch(("LLEN", "faults:rules"))
        return int(count)

    def draw(self, api_method: str) -> Injected:
        version, number = self._state.batch(("GET", "faults:version"), ("INCR", "faults:draws"))
        cached, seed, rules = self._cache
        if version != cached:
            cached, seed, rules = self._load()
        if not rules:
            return NOTHING
        return _decide(api_method, rules, random.Random(f"{seed}:{number}"), self._spend_shared)  # noqa: S311

    def _load(self) -> tuple[bytes | None, int, list[_SharedRule]]:
        version, seed, raws, left = self._state.batch(
            ("GET", "faults:version"),
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
        self._cache = (version, self._seed if seed is None else int(seed), rules)
        return self._cache

    def _spend_shared(self, rule: _Rule) -> bool:
        if rule.remaining is None or not isinstance(rule, _SharedRule):
            return True
        return bool(self._state.script("faults_spend", _FAULT_KEYS, [rule.ident, rule.raw]))


_FAULT_KEYS: Final = [
    "faults:rules",
    "faults:left",
    "faults:version",
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
    # KEYS: journal, journal:seq; ARGV: max entries, the entry as JSON
    "journal": """
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 's', seq, 'e', ARGV[2])
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
redis.call('INCR', KEYS[3])
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
redis.call('INCR', KEYS[3])
return id
""",
    # KEYS: _FAULT_KEYS; ARGV: rule id, the rule's JSON. 1: fire; 0: none left.
    "faults_spend": """
local left = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if not left or left == 0 then return 0 end
if left < 0 then return 1 end
left = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if left == 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('LREM', KEYS[1], 1, ARGV[2])
  redis.call('INCR', KEYS[3])
end
return 1
""",
}
