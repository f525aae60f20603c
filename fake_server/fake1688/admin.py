"""The admin surface: journal, reset, health, faults, limits and the OpenAPI document.

::

    GET    /__fake__/health     {"status": "ok", "offers", "requests", "faults", "limits"}
    GET    /__fake__/requests   the journal, newest last; ?limit=N keeps the last N
    POST   /__fake__/reset      as Engine.reset(): uploads, journal, counters; built faults
    GET    /__fake__/faults     {"seed", "faults": [each rule with "remaining"]}
    POST   /__fake__/faults     add a fault, a list of them, or {"seed": 7, "faults": [...]}
    DELETE /__fake__/faults     remove every fault
    GET    /__fake__/limits     {"default": {"qps", "daily_quota"}, "apps": {app_key: {...}}}
    PUT    /__fake__/limits     {"qps": 5, "daily_quota": 1000} (+ "app_key" for one app)
    DELETE /__fake__/limits     lift every limit
    GET    /openapi.json        the whole surface, OpenAPI 3.1

It is off the signed surface: the engine sends a request here only when its
literal path is one of these, before any parameter is read, so neither a
``method=`` value nor a path trick reaches it from the router (and the router
cannot be reached from here). Admin calls are not journalled. Answers are
JSON; mistakes are HTTP 400/404/405 with ``{"error": "<what and how to fix>"}``
(and a failure of the fake itself, a bug, is HTTP 500 in the same shape).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from .faults import Fault
from .protocol import FakeResponse
from .ratelimits import RateLimits
from .render import JSON_TYPE, dumps

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["ADMIN_PREFIX", "OPENAPI_PATH", "handle", "is_admin_path"]

ADMIN_PREFIX: Final = "/__fake__"
OPENAPI_PATH: Final = "/openapi.json"
_ADMIN_BYTES: Final = ADMIN_PREFIX.encode()
_OPENAPI_BYTES: Final = OPENAPI_PATH.encode()
_DIGITS: Final = re.compile("[0-9]+")

Handler = Callable[["Engine", dict[str, str], bytes], Any]


class _BadRequest(ValueError):
    """The admin request cannot be carried out; the message says how to fix it."""


def is_admin_path(raw_path: bytes) -> bool:
    """Whether the literal request path (no decoding) belongs to the admin surface."""
    path = raw_path.split(b"?", 1)[0]
    return path in (_OPENAPI_BYTES, _ADMIN_BYTES) or path.startswith(_ADMIN_BYTES + b"/")


def handle(engine: Engine, method: str, raw_path: bytes, query: bytes, body: bytes) -> FakeResponse:
    """Answer one admin request."""
    path = raw_path.split(b"?", 1)[0].decode("latin-1")
    if path == OPENAPI_PATH:
        if method.upper() == "GET":
            return _json(200, _openapi_bytes())
        return _error(405, f"{OPENAPI_PATH} takes GET, not {method[:20]}", allow="GET")
    routes = _ROUTES.get(path)
    if routes is None:
        known = ", ".join([*_ROUTES, OPENAPI_PATH])
        return _error(404, f"no admin endpoint at {path[:120]!r}; there are {known}")
    handler = routes.get(method.upper())
    if handler is None:
        allowed = ", ".join(routes)
        return _error(405, f"{path} takes {allowed}, not {method[:20]}", allow=allowed)
    return _run(handler, engine, query, body)


def _run(handler: Handler, engine: Engine, query: bytes, body: bytes) -> FakeResponse:
    try:
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        return _json(200, dumps(handler(engine, params, body)))
    except _BadRequest as error:
        return _error(400, str(error))
    except Exception as error:  # a bug: say so in the admin's shape, not the router's envelope
        return _error(500, f"the admin endpoint failed ({type(error).__name__}); a fake1688 bug")


def _json(status: int, body: bytes, allow: str | None = None) -> FakeResponse:
    headers = [("content-type", JSON_TYPE), ("content-length", str(len(body)))]
    if allow:
        headers.append(("allow", allow))
    return FakeResponse(status, tuple(headers), body)


def _error(status: int, message: str, allow: str | None = None) -> FakeResponse:
    return _json(status, dumps({"error": message}), allow)


def _read_json(body: bytes, example: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest(f"the body is not JSON; send e.g. {example}") from None
    except RecursionError:
        raise _BadRequest("the body nests too deeply to read as JSON") from None


@cache
def _openapi_bytes() -> bytes:
    from .openapi import openapi_document  # noqa: PLC0415 - built once, on first ask

    return dumps(openapi_document())


# -- handlers ------------------------------------------------------------------


def _health(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return {
        "status": "ok",
        "offers": len(getattr(engine.catalog, "offers", ())),
        "requests": len(engine.journal),
        "faults": len(engine.faults),
        "limits": engine.limits.to_dict(),
    }


def _requests(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    entries = engine.journal.entries()
    limit = query.get("limit")
    if limit is not None:
        digits = limit.lstrip("0") if _DIGITS.fullmatch(limit) else ""  # not isdigit(): "²" is one
        if not digits:
            raise _BadRequest(f"limit must be a positive whole number, not {limit[:20]!r}")
        if len(digits) < 10:  # a larger limit keeps all (and int() refuses 4,300 digits)
            entries = entries[-int(digits) :]
    return {"requests": [entry.to_dict() for entry in entries]}


def _reset(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.reset()
    return {"status": "reset"}


def _faults(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return {"seed": engine.faults.seed, "faults": engine.faults.rules()}


def _add_faults(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    data = _read_json(body, '{"kind": "http_error", "status": 503, "times": 2}')
    if isinstance(data, dict) and "kind" not in data:
        unknown = sorted(set(data) - {"seed", "faults"})
        if unknown:
            raise _BadRequest(
                f"unknown key(s) {unknown}; send a fault (with its kind), a list of faults, "
                'or {"seed": 7, "faults": [...]}'
            )
        seed, items = data.get("seed"), data.get("faults", [])
        if not isinstance(items, list):
            raise _BadRequest(f"faults must be a list of faults, not {repr(items)[:80]}")
    else:
        seed, items = None, data if isinstance(data, list) else [data]
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise _BadRequest(f"seed must be an integer, not {seed!r}")
    try:
        faults = [Fault.from_dict(item) for item in items]
    except ValueError as error:
        raise _BadRequest(str(error)) from None
    if seed is not None:
        engine.faults.reseed(seed)
    for fault in faults:
        engine.faults.add(fault)
    return _faults(engine, query, body)


def _clear_faults(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.faults.clear()
    return _faults(engine, query, body)


def _limits(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return engine.limits.to_dict()


def _set_limits(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    data = _read_json(body, '{"qps": 5, "daily_quota": 1000, "app_key": "test_app_key"}')
    if not isinstance(data, dict):
        raise _BadRequest('send an object like {"qps": 5, "daily_quota": 1000}')
    app_key = data.pop("app_key", None)
    if app_key is not None and not isinstance(app_key, str):
        raise _BadRequest(f"app_key must be a string, not {app_key!r}")
    try:
        engine.limits.set(RateLimits.from_dict(data), app_key)
    except ValueError as error:
        raise _BadRequest(str(error)) from None
    return engine.limits.to_dict()


def _clear_limits(engine: Engine, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.limits.clear()
    return engine.limits.to_dict()


_ROUTES: Final[dict[str, dict[str, Handler]]] = {
    f"{ADMIN_PREFIX}/health": {"GET": _health},
    f"{ADMIN_PREFIX}/requests": {"GET": _requests},
    f"{ADMIN_PREFIX}/reset": {"POST": _reset},
    f"{ADMIN_PREFIX}/faults": {"GET": _faults, "POST": _add_faults, "DELETE": _clear_faults},
    f"{ADMIN_PREFIX}/limits": {"GET": _limits, "PUT": _set_limits, "DELETE": _clear_limits},
}
