"""The Starlette adapter: the engine over HTTP (uvicorn) or ASGI.

The engine endpoint is the router's default, so every request reaches it; a
catch-all route would not (Starlette's ``{path:path}`` does not match a
percent-encoded newline, and answers a plain-text 404). The endpoint hands the
raw request to :meth:`Engine.handle_http`, the entry the direct transports use
too. Starlette's form parsing is bypassed (measured slow, and lenient: it reads
a truncated multipart body as empty fields), and so are its plain-text
400/404/405 answers: every path and every HTTP method gets the platform's
envelope (every method uvicorn's HTTP parser accepts: httptools answers a
request line it cannot read, such as an unknown method, with its own 400).

Injected faults: a delay is an ``asyncio.sleep`` (other connections go on); a
dropped connection aborts the socket before any byte of an answer. ASGI has no
word for that, so the app keeps the server's own ``send`` in the scope (under
uvicorn, a method of the connection's request cycle, which holds the transport)
and finds the socket through it only when it must drop one. Under another
server, or ``httpx.ASGITransport``, the endpoint raises
``httpx.RemoteProtocolError`` instead, which ASGITransport hands to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

import httpx
from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .engine import Engine, internal_error_response
from .transport import DISCONNECTED

__all__ = ["FakeApp", "create_app"]

_SEND: Final = "fake1688.server_send"


class FakeApp(Starlette):
    """Starlette, plus a way to drop the connection for an injected reset.

    Its middleware stack is Starlette's without ``ExceptionMiddleware``: that
    layer maps ``HTTPException`` and exception classes to handlers, and nothing
    here raises either (the engine answers every mistake with the platform's
    envelope), yet it built a ``Request`` for every call.
    """

    def build_middleware_stack(self) -> ASGIApp:
        """ServerErrorMiddleware (an endpoint failure still gets the envelope), then the router."""
        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return ServerErrorMiddleware(app, handler=_internal_error, debug=self.debug)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Keep the server's own ``send`` (it leads to the socket), then serve as Starlette does."""
        scope[_SEND] = send
        try:
            await super().__call__(scope, receive, send)
        finally:
            # The scope belongs to the server's request cycle, which ``send`` is
            # a method of: left in place, the reference would make every
            # request a cycle that only the garbage collector can free.
            scope.pop(_SEND, None)


class _EngineEndpoint:
    """A raw ASGI endpoint, so Starlette passes every HTTP method through.

    It reads and answers with plain ASGI messages: Starlette's Request and
    Response objects would be a fifth of the adapter's work per request and
    give it nothing it uses.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the platform has no websockets
            await send({"type": "websocket.close", "code": 1008})
            return
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body = message.get("body", b"")  # nearly every request: one message
        else:
            body = await _read_body(message, receive, self.engine.max_body)
            if body is None:
                return  # the client left: nobody is left to answer
        answer = self.engine.handle_http(
            scope["method"],
            scope.get("raw_path") or scope["path"].encode("utf-8"),
            scope.get("query_string", b""),
            _content_type(scope["headers"]),
            body,
        )
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.abort:
            await _drop(scope, receive)
            return
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})


def _content_type(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"content-type":  # ASGI servers send lower-case names
            return value.decode("latin-1")
    return None


async def _read_body(first: Message, receive: Receive, limit: int) -> bytes | None:
    """The body, cut at ``limit + 1`` bytes (enough to tell it is too large); None on disconnect."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False) or size > limit:
            break
        message = await receive()
    return b"".join(chunks)[: limit + 1]


async def _drop(scope: Scope, receive: Receive) -> None:
    """Close the connection without answering; wait until the server has noticed."""
    transport = getattr(getattr(scope.get(_SEND), "__self__", None), "transport", None)
    abort: Callable[[], None] | None = getattr(transport, "abort", None)
    if abort is None:
        raise httpx.RemoteProtocolError(DISCONNECTED)
    abort()
    # Returning before uvicorn sees the loss would make it answer 500 itself.
    while (await receive())["type"] != "http.disconnect":
        pass


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Reached only if the endpoint itself fails: still the platform's envelope.
    answer = internal_error_response()
    return Response(answer.body, answer.status, headers=dict(answer.headers))


def create_app(engine: Engine) -> FakeApp:
    """A Starlette app serving ``engine`` on every path."""
    app = FakeApp()
    app.router.default = _EngineEndpoint(engine)
    app.router.redirect_slashes = False  # the engine answers /router/rest/ itself
    return app
