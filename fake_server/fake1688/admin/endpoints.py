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

Over HTTP, :class:`AdminAccess` says who may call the ``/__fake__/`` endpoints
(the served app checks it before the engine sees the call; the in-process
transports take no request from outside the process and pass no check)::

    Host           names the address the connection arrived at (a loopback one in any
                   spelling: 127.0.0.1, localhost, [::1]) or a name in ``hosts``    DNS rebinding
    Origin         absent or this server; Sec-Fetch-Site not cross-site/same-site  a web page
    token          Authorization: Bearer <token>, when set; without one, only calls
                   arriving on loopback (or in-process) are served                 other machines
    Content-Type   application/json on every call but GET                          a "simple" POST

A refusal is HTTP 403 ``{"error": ...}`` and changes nothing. ``/openapi.json``
describes the surface, holds no state and no secret, and is served to anyone.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from fake1688.engine.errors import StateUnavailable
from fake1688.engine.faults import Fault
from fake1688.engine.protocol import FakeResponse
from fake1688.engine.ratelimits import RateLimits
from fake1688.engine.render import JSON_TYPE, dumps
from pailitao.wire import IN_PROCESS_HOST

if TYPE_CHECKING:
    from fake1688.engine.faults import FaultPlan
    from fake1688.engine.journal import Journal
    from fake1688.engine.ratelimits import RateLimiter


class State(Protocol):
    """What the admin endpoints read and change: the engine's state (the engine
    calls them, so they know it by this shape, not by its class)."""

    @property
    def catalog(self) -> object: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def faults(self) -> FaultPlan: ...

    @property
    def limits(self) -> RateLimiter: ...

    @property
    def serves_admin(self) -> bool: ...

    def reset(self) -> None: ...

    def handle_http(
        self,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        content_type: str | None,
        body: bytes,
    ) -> FakeResponse: ...


__all__ = [
    "ADMIN_PREFIX",
    "LOCAL_ONLY",
    "OPENAPI_PATH",
    "AdminAccess",
    "exposure_refusal",
    "handle",
    "is_admin_path",
    "is_endpoint",
    "is_loopback",
    "refused",
    "route",
]

ADMIN_PREFIX: Final = "/__fake__"
OPENAPI_PATH: Final = "/openapi.json"
_ADMIN_BYTES: Final = ADMIN_PREFIX.encode()
_OPENAPI_BYTES: Final = OPENAPI_PATH.encode()
_DIGITS: Final = re.compile("[0-9]+")
#: The spellings of a loopback address a Host header may use, in the order a message lists them.
_LOOPBACK_NAMES: Final = ("127.0.0.1", "localhost", "::1")
#: Sec-Fetch-Site values of a request a page on another origin made.
_CROSS_SITE: Final = frozenset({"cross-site", "same-site"})
#: Methods that only read; every other one changes state (or is refused later).
_READING: Final = frozenset({"GET", "HEAD"})
_HOW_TO_AUTHORIZE: Final = (
    "send Authorization: Bearer <the --admin-token or $FAKE1688_ADMIN_TOKEN it was started with>"
    " (a browser: sign in at /__fake__/ui/login)"
)
#: The cookie the dashboard's sign-in sets: the admin token, for a browser's requests.
ADMIN_COOKIE: Final = "fake1688_admin"

Handler = Callable[[State, dict[str, str], bytes], Any]


class _BadRequest(ValueError):
    """The admin request cannot be carried out; the message says how to fix it."""


#: Where the dashboard is mounted (by the front door, over HTTP and ASGI).
DASHBOARD_PATH: Final = f"{ADMIN_PREFIX}/ui"
#: The dashboard's sign-in page and its script and style: the admin paths served
#: without the token (they hold no state and no secret).
LOGIN_PATH: Final = f"{DASHBOARD_PATH}/login"
_STATIC_PATH: Final = f"{DASHBOARD_PATH}/static/"


def is_admin_path(raw_path: bytes) -> bool:
    """Whether the literal request path (no decoding) belongs to the admin surface."""
    path = raw_path.split(b"?", 1)[0]
    return path in (_OPENAPI_BYTES, _ADMIN_BYTES) or path.startswith(_ADMIN_BYTES + b"/")


def is_endpoint(raw_path: bytes) -> bool:
    """Whether the literal path is one of the ``/__fake__`` endpoints (not the OpenAPI document)."""
    path = raw_path.split(b"?", 1)[0]
    return path == _ADMIN_BYTES or path.startswith(_ADMIN_BYTES + b"/")


def refused(message: str) -> FakeResponse:
    """The 403 answer to an admin call :class:`AdminAccess` refuses."""
    return _error(403, message)


# -- who may call ----------------------------------------------------------------

#: A host as a Host header or an Origin names it: lower-case name (no brackets), port.
_Address = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class AdminAccess:
    """Who may call the admin endpoints over HTTP.

    ``token``: when set, every admin call sends ``Authorization: Bearer <token>``
    (compared in constant time); when not, only calls that arrive on a loopback
    address (or in-process) are served. ``hosts``: names, besides the address a
    connection arrived at, that a Host header may use (``fake.lan`` at any
    port, ``fake.lan:8443`` at that one), for a proxy or a container's port map.
    """

    token: str | None = field(default=None, repr=False)
    hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.token is not None and not self.token.strip():
            raise ValueError("the admin token is empty; pick a long random one, or none")
        if self.token is not None and not (self.token.isascii() and self.token.isprintable()):
            raise ValueError("the admin token travels in a header: use printable ASCII")
        if self.token is not None and " " in self.token:
            raise ValueError("the admin token travels in a header: use no spaces")
        for host in self.hosts:
            if _address(host, None) is None:
                raise ValueError(f"{host[:80]!r} is not a host name, or name:port")

    def refusal(
        self, method: str, path: str, headers: Mapping[str, str], server: _Address | None
    ) -> str | None:
        """Why an admin call is refused, or None to serve it.

        ``headers`` are the request's, names in lower case; ``server`` is the
        address the connection arrived at (ASGI's ``server``).
        """
        known = self._addresses(server)
        host = headers.get("host")
        if host is None or not _matches(_address(host, 80), known):
            return _host_refusal(host, known)
        origin = headers.get("origin")
        if origin is not None and not _matches(_origin(origin), known):
            return _web_refusal(f"Origin {origin[:100]!r}")
        site = headers.get("sec-fetch-site", "").lower()
        if site in _CROSS_SITE:
            return _web_refusal(f"Sec-Fetch-Site {site!r}")
        refusal = None
        if path != LOGIN_PATH and not path.startswith(_STATIC_PATH):
            refusal = self._token_refusal(_sent_token(headers), server)
        if refusal is None and method.upper() not in _READING:
            return _type_refusal(method, path, headers.get("content-type"))
        return refusal

    def _addresses(self, server: _Address | None) -> list[_Address]:
        """The addresses a Host header may name: the server's, its loopback aliases, ``hosts``."""
        known: list[_Address] = []
        if server is not None:
            name, port = server[0].lower(), server[1] or 80
            known.append((name, port))
            if is_loopback(name):
                known += [(alias, port) for alias in _LOOPBACK_NAMES if alias != name]
        return known + [address for host in self.hosts if (address := _address(host, None))]

    def needs_sign_in(
        self, method: str, path: str, headers: Mapping[str, str], server: _Address | None
    ) -> bool:
        """Whether a refused request would be served with the token, which it did not send
        (a browser that has not signed in to the dashboard yet)."""
        if self.token is None or _sent_token(headers) is not None:
            return False
        signed_in = {**headers, "authorization": f"Bearer {self.token}"}
        return self.refusal(method, path, signed_in, server) is None

    def accepts(self, token: str) -> bool:
        """Whether ``token`` is this server's admin token (compared in constant time)."""
        # Both sides as bytes: compare_digest refuses non-ASCII str.
        return self.token is not None and hmac.compare_digest(token.encode(), self.token.encode())

    def _token_refusal(self, sent: str | None, server: _Address | None) -> str | None:
        if self.token is None:
            if server is not None and (is_loopback(server[0]) or server[0] == IN_PROCESS_HOST):
                return None
            return (
                "this server has no admin token, so its admin endpoints answer only on this "
                "machine (127.0.0.1, ::1); start it with --admin-token TOKEN (or "
                "$FAKE1688_ADMIN_TOKEN) to call them from elsewhere"
            )
        if not sent:
            return f"this server's admin endpoints need its token: {_HOW_TO_AUTHORIZE}"
        if not self.accepts(sent):
            return f"the admin token sent is not this server's: {_HOW_TO_AUTHORIZE}"
        return None


def _sent_token(headers: Mapping[str, str]) -> str | None:
    """The token a request sends: ``Authorization: Bearer``, else the dashboard's cookie."""
    scheme, _, sent = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and sent.strip():
        return sent.strip()
    for pair in headers.get("cookie", "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == ADMIN_COOKIE and value:
            return value
    return None


#: No token and no other names: admin calls are served on loopback (and in-process) only.
LOCAL_ONLY: Final = AdminAccess()


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1, also IPv4-mapped) or localhost."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def exposure_refusal(host: str, access: AdminAccess | None, advice: str) -> str | None:
    """Why serving on ``host`` would open the admin endpoints to other machines, or None.

    ``advice`` says how to fix it in the caller's words (options or arguments).
    """
    if access is None or access.token is not None or is_loopback(host):
        return None
    return (
        f"host {host} is reachable from other machines, and so would be the admin endpoints "
        f"(/__fake__/*): {advice}"
    )


def _address(text: str, default_port: int | None) -> _Address | None:
    """``name``, ``name:port``, ``[v6]`` or ``[v6]:port`` as ``(name, port)``; None if malformed."""
    name, port = text.strip().lower(), ""
    if name.startswith("["):
        name, bracket, rest = name[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif name.count(":") == 1:
        name, port = name.split(":")
    if not name or (port and not (port.isascii() and port.isdigit() and len(port) <= 5)):
        return None
    return name, int(port) if port else default_port


def _origin(origin: str) -> _Address | None:
    """The address an Origin header names (``null`` and other schemes name none)."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return _address(parts.netloc, 443 if parts.scheme == "https" else 80)


def _matches(address: _Address | None, known: list[_Address]) -> bool:
    if address is None:
        return False
    name, port = address
    return any(name == other and other_port in (None, port) for other, other_port in known)


def _shown(address: _Address) -> str:
    name, port = address
    name = f"[{name}]" if ":" in name else name
    return name if port is None else f"{name}:{port}"


def _host_refusal(host: str | None, known: list[_Address]) -> str:
    places = [_shown(address) for address in known]
    if not places:
        allowed = "a name given with --admin-host"
    elif len(places) == 1:
        allowed = places[0]
    else:
        allowed = ", ".join(places[:-1]) + f" or {places[-1]}"
    if host is None:
        wrong = "the request has no Host header"
    else:
        wrong = f"the Host header {host[:100]!r} does not name this server"
    return (
        f"{wrong}; send admin calls to {allowed} "
        "(fake1688 serve --admin-host NAME allows another name)"
    )


def _web_refusal(evidence: str) -> str:
    return (
        f"admin calls from another web site are refused ({evidence}); send them from a "
        "script, a test or curl, not from a page in a browser"
    )


def _type_refusal(method: str, path: str, content_type: str | None) -> str | None:
    if content_type and content_type.split(";", 1)[0].strip().lower() == "application/json":
        return None
    sent = repr(content_type[:60]) if content_type else "none"
    return (
        f"{method[:20]} {path[:120]} changes the fake's state, so it needs Content-Type: "
        f"application/json (sent: {sent}), which a web page cannot send without asking "
        "first; with curl, add -H 'Content-Type: application/json'"
    )


def route(  # noqa: PLR0917 - the raw HTTP pieces, as Engine.handle_http takes them
    engine: State,
    method: str,
    raw_path: bytes,
    query: bytes,
    content_type: str | None,
    body: bytes,
) -> FakeResponse:
    """The adapters' entry for raw HTTP: the admin surface here, anything else to the engine.

    The admin surface (``/__fake__/*``, ``/openapi.json``) is matched on the
    literal path, before anything is parsed: no parameter and no encoded path
    can turn a router call into an admin call, or the reverse. Without
    ``serves_admin``, ``/__fake__/*`` goes to the engine, an unknown path there.
    Admin calls are never journalled.
    """
    if is_admin_path(raw_path) and (engine.serves_admin or not is_endpoint(raw_path)):
        return handle(engine, method, raw_path, query, body)
    return engine.handle_http(method, raw_path, query, content_type, body)


def handle(engine: State, method: str, raw_path: bytes, query: bytes, body: bytes) -> FakeResponse:
    """Answer one admin request."""
    path = raw_path.split(b"?", 1)[0].decode("latin-1")
    if path == OPENAPI_PATH:
        if method.upper() == "GET":
            return _json(200, _openapi_bytes())
        return _error(405, f"{OPENAPI_PATH} takes GET, not {method[:20]}", allow="GET")
    routes = _ROUTES.get(path)
    if routes is None and (path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")):
        return _error(
            404,
            f"the dashboard ({DASHBOARD_PATH}/) is served over HTTP (fake1688 serve, "
            "ThreadedServer) and on FakeGateway.asgi_app, not by the in-process transports",
        )
    if routes is None:
        known = ", ".join([*_ROUTES, OPENAPI_PATH])
        return _error(404, f"no admin endpoint at {path[:120]!r}; there are {known}")
    handler = routes.get(method.upper())
    if handler is None:
        allowed = ", ".join(routes)
        return _error(405, f"{path} takes {allowed}, not {method[:20]}", allow=allowed)
    return _run(handler, engine, query, body)


def _run(handler: Handler, engine: State, query: bytes, body: bytes) -> FakeResponse:
    try:
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        return _json(200, dumps(handler(engine, params, body)))
    except _BadRequest as error:
        return _error(400, str(error))
    except StateUnavailable as lost:  # Redis down: try again once it is back
        return _error(503, str(lost))
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


def _health(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return {
        "status": "ok",
        "offers": len(getattr(engine.catalog, "offers", ())),
        "requests": len(engine.journal),
        "faults": len(engine.faults),
        "limits": engine.limits.to_dict(),
    }


def _requests(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    entries = engine.journal.entries()
    limit = query.get("limit")
    if limit is not None:
        digits = limit.lstrip("0") if _DIGITS.fullmatch(limit) else ""  # not isdigit(): "²" is one
        if not digits:
            raise _BadRequest(f"limit must be a positive whole number, not {limit[:20]!r}")
        if len(digits) < 10:  # a larger limit keeps all (and int() refuses 4,300 digits)
            entries = entries[-int(digits) :]
    return {"requests": [entry.to_dict() for entry in entries]}


def _reset(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.reset()
    return {"status": "reset"}


def _faults(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return {"seed": engine.faults.seed, "faults": engine.faults.rules()}


def _add_faults(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
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


def _clear_faults(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.faults.clear()
    return _faults(engine, query, body)


def _limits(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    return engine.limits.to_dict()


def _set_limits(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
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


def _clear_limits(engine: State, query: dict[str, str], body: bytes) -> dict[str, Any]:
    engine.limits.clear()
    return engine.limits.to_dict()


_ROUTES: Final[dict[str, dict[str, Handler]]] = {
    f"{ADMIN_PREFIX}/health": {"GET": _health},
    f"{ADMIN_PREFIX}/requests": {"GET": _requests},
    f"{ADMIN_PREFIX}/reset": {"POST": _reset},
    f"{ADMIN_PREFIX}/faults": {"GET": _faults, "POST": _add_faults, "DELETE": _clear_faults},
    f"{ADMIN_PREFIX}/limits": {"GET": _limits, "PUT": _set_limits, "DELETE": _clear_limits},
}
