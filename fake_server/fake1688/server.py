"""The fake gateway over real HTTP: the served app, and a server in a background thread.

::

    with ThreadedServer(FakeGateway()) as server:
        requests.post(server.base_url, data=signed_params)

:func:`serving_app` is what goes on a socket (``fake1688 serve`` and
:class:`ThreadedServer` serve it): a fresh Starlette app over the gateway's
engine with two layers in front, outermost first::

    access log    one line per request on the ``fake1688.access`` logger, its query
                  string under the wire's redaction rule (uvicorn's own prints it whole)
    admin guard   Host, Origin, token and Content-Type of /__fake__/* calls (AdminAccess)

An injected reset aborts the connection's socket. ASGI gives an app no way to
do that, so uvicorn runs with :data:`ResettableHTTPProtocol` (its ``http``
setting: ``uvicorn.Config(app, http=ResettableHTTPProtocol)``), uvicorn's own
HTTP protocol that makes each connection's transport known to the requests it
carries (:data:`fake1688.http.asgi.CONNECTION`). Served with uvicorn's default
protocol instead, a reset fault answers the platform's internal-error envelope
(code 15) and uvicorn logs the traceback.

uvicorn binds a socket made here, so port 0 picks a free port before the
server starts and the URL is known at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Final, Self, cast

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from fake1688.admin.endpoints import (
    DASHBOARD_PATH,
    LOCAL_ONLY,
    AdminAccess,
    exposure_refusal,
    is_endpoint,
    refused,
)
from fake1688.http.asgi import CONNECTION, create_app
from fake1688.ui import dashboard_routes, sign_in_first
from pailitao.wire.redaction import Redaction

from .gateway import FakeGateway

__all__ = [
    "ACCESS_LOGGER",
    "AdminAccess",
    "ResettableHTTPProtocol",
    "ThreadedServer",
    "serving_app",
]

#: The logger of the access log: INFO, one line per request.
ACCESS_LOGGER: Final = "fake1688.access"
_START_TIMEOUT: Final = 10.0
#: Longer query values (a base64 image in a reseller's GET) are logged as their length.
_LONGEST_LOGGED: Final = 200
_LOG: Final = logging.getLogger(ACCESS_LOGGER)


def serving_app(gateway: FakeGateway, admin: AdminAccess | None = LOCAL_ONLY) -> Starlette:
    """The app to serve ``gateway`` on a socket: access log, admin guard, then the engine.

    ``admin=None`` serves no admin endpoints and no dashboard: the gateway's
    engine answers their paths with the router's 404 envelope (in-process too,
    from then on). The
    admin token joins the secrets the engine's journal and error texts hide.
    """
    engine = gateway.engine
    engine.serves_admin = admin is not None
    engine.redaction = engine.redaction.with_secrets(admin.token if admin else None)
    middleware = [Middleware(_AccessLog, redaction=engine.redaction)]
    if admin is not None:
        middleware.append(Middleware(_AdminGuard, access=admin))
    return create_app(engine, middleware, dashboard_routes(engine, admin))


def _resettable(http: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class ``http``, its transport known to the requests it carries.

    An injected reset then aborts the connection. Only asyncio's protocol
    interface is overridden: uvicorn starts a request's task while it reads
    the request's bytes, so the task's context holds the transport.
    """

    class Resettable(http):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.fake1688_transport = cast(asyncio.Transport, transport)  # a stream's
            super().connection_made(transport)

        def data_received(self, data: bytes) -> None:
            token = CONNECTION.set(self.fake1688_transport)
            try:
                super().data_received(data)
            finally:
                CONNECTION.reset(token)

    Resettable.__name__ = Resettable.__qualname__ = f"Resettable{http.__name__}"
    return Resettable


#: uvicorn's HTTP protocol (httptools, else h11), for ``uvicorn.Config(http=...)``.
ResettableHTTPProtocol: Final = _resettable(AutoHTTPProtocol)


class _AdminGuard:
    """Refuses an admin call :class:`AdminAccess` does not allow: HTTP 403, nothing changed."""

    def __init__(self, app: ASGIApp, access: AdminAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
        if scope["type"] != "http" or not is_endpoint(raw_path):
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # the first of a repeated header counts
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        method, path, server = scope["method"], scope["path"], scope.get("server")
        refusal = self.access.refusal(method, path, headers, server)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        answer = refused(refusal)
        dashboard = method == "GET" and path.startswith(DASHBOARD_PATH)
        if dashboard and self.access.needs_sign_in(method, path, headers, server):
            answer = sign_in_first(scope.get("root_path", ""), path)
        raw_headers = [(name.encode(), value.encode()) for name, value in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": answer.body})


class _AccessLog:
    """One line per request, as uvicorn's, with the query string redacted::

        127.0.0.1:50312 - "GET /1688/item_search_img/?key=test***key&secret=<redacted> HTTP/1.1" 200

    The status is ``-`` when no answer was sent (an injected dropped connection).
    """

    def __init__(self, app: ASGIApp, redaction: Redaction) -> None:
        self.app = app
        self.redaction = redaction

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _LOG.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        statuses: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _LOG.info(
                '%s - "%s %s HTTP/%s" %s',
                _client(scope),
                scope["method"],
                self._target(scope),
                scope.get("http_version", "1.1"),
                statuses[0] if statuses else "-",
            )

    def _target(self, scope: Scope) -> str:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = self.redaction.path(raw_path.decode("ascii", "backslashreplace"))
        query = scope.get("query_string", b"").decode("ascii", "backslashreplace")
        return f"{path}?{_shortened(self.redaction.query(query))}" if query else path


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


def _shortened(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        parts.append(f"{name}=<{len(value):,} chars>" if len(value) > _LONGEST_LOGGED else part)
    return "&".join(parts)


class ThreadedServer:
    """uvicorn serving a :class:`FakeGateway` on ``host:port`` in a daemon thread.

    ``admin`` says who may call the admin endpoints (``None``: none are served).
    Off loopback, it needs a token (or ``None``): the endpoints would be open to
    other machines.
    """

    def __init__(
        self,
        gateway: FakeGateway,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        admin: AdminAccess | None = LOCAL_ONLY,
    ) -> None:
        self.gateway = gateway
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        refusal = _exposure_refusal(self.host, admin)
        if refusal is not None:
            self._socket.close()
            raise ValueError(refusal)
        config = uvicorn.Config(
            serving_app(gateway, admin),
            http=ResettableHTTPProtocol,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The TOP router's URL on this server, for a client's ``base_url``."""
        return f"{self.url}/openapi/router/rest"

    def start(self) -> Self:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the fake gateway did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _exposure_refusal(host: str, access: AdminAccess | None) -> str | None:
    return exposure_refusal(
        host, access, "pass admin=AdminAccess(token=...), or admin=None to serve none"
    )
