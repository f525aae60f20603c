"""The Starlette adapter: the engine over HTTP (uvicorn) or ASGI.

The engine endpoint is the default of the app's router, so every request
reaches it; a catch-all route would not (Starlette's ``{path:path}`` does not
match a percent-encoded newline, and answers a plain-text 404). The endpoint
hands the raw request to the entry points: :func:`fake1688.admin.endpoints.route` for the
admin surface, as the direct transports do, else the two steps of
:meth:`Engine.handle_http`, ``parse_http`` then :meth:`Engine.handle`. Starlette's form parsing is
left out (the engine parses the body itself, and refuses a truncated multipart
body that Starlette would read as empty fields), and so are its plain-text
400/404/405 answers: every path and every HTTP method gets the platform's
envelope (every method uvicorn's HTTP parser accepts: httptools answers a
request line it cannot read, such as an unknown method, with its own 400).

Images are never decoded on the event loop. The endpoint parses the request
and asks :meth:`ImageSearchApi.may_decode` whether answering it may decode an
image: such a request, and any body over 256 KiB (parsed there too), is
answered on one of ``WORKERS`` threads, with up to ``QUEUE`` more waiting for
one. Every other request (a cached photo again, an imgid, the admin paths) is
answered on the loop: a worker costs a thread switch, which is more than a
cached search. Should one of those need a decode after all, or the queue be
full, the engine answers the platform's busy error (TOP 10,
``gw.InternalServerError``, reseller ``4000``) instead of decoding on the loop
(:func:`~fake1688.engine.search.decoding_refused`).

Injected faults: a delay is an ``asyncio.sleep`` (other connections go on); a
dropped connection aborts the socket before any byte of an answer. ASGI has no
message for that, so the server says which connection a request came on:
:data:`CONNECTION` holds its asyncio transport (``fake1688.server`` sets it
under uvicorn, through the HTTP protocol class uvicorn lets you choose).
Without it (``httpx.ASGITransport``, another server) the endpoint raises
``httpx.RemoteProtocolError``, which ASGITransport hands to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from functools import partial
from typing import Final

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Message, Receive, Scope, Send

from fake1688.admin.endpoints import is_admin_path, route
from fake1688.engine.pipeline import Engine, internal_error_response
from fake1688.engine.protocol import FakeResponse, parse_http
from fake1688.engine.search import decoding_refused

from .transport import DISCONNECTED

__all__ = ["CONNECTION", "QUEUE", "WORKERS", "create_app"]

#: The transport of the connection the current request came on, when the
#: server provides it: an injected reset aborts it.
CONNECTION: Final[ContextVar[asyncio.Transport]] = ContextVar("fake1688_connection")
#: Threads that answer requests which may decode an image: Pillow lets go of
#: the GIL while it decodes, so two use both cores of a small machine.
WORKERS: Final = 2
#: Such requests waiting for a thread; past them, the platform's busy error.
QUEUE: Final = 6
#: A body this large is parsed on a worker too (256 KiB: a few ms of parsing).
_LARGE_BODY: Final = 256 * 1024


def create_app(
    engine: Engine, middleware: Sequence[Middleware] = (), routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """A Starlette app serving ``engine`` on every path but ``routes``' (the dashboard's),
    inside ``middleware`` (outermost first).

    An endpoint failure still gets the platform's envelope (the handler for
    ``Exception`` answers it from Starlette's ``ServerErrorMiddleware``).
    """
    # Starlette's whole stack, ExceptionMiddleware included though nothing here
    # raises HTTPException: it builds a Request per call, 4% of an imgid search's
    # CPU in process (bench/README.md says how it is measured).
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={Exception: _internal_error}
    )
    # Starlette's constructor takes routes, not the router's default; the
    # default is the router's own public setting, and sees every path.
    app.router.default = _EngineEndpoint(engine)
    app.router.redirect_slashes = False  # the engine answers /router/rest/ itself
    return app


class _EngineEndpoint:
    """A raw ASGI endpoint: the engine takes the raw path, query and body, and answers bytes.

    The same endpoint over Starlette's ``Request`` and ``Response`` costs 12-18%
    more CPU per imgid search in process (bench/README.md says how it is measured),
    and gives the engine nothing it uses.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="fake1688-decode")
        self._off_loop = 0  # requests on or waiting for a worker (counted on the loop only)

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
        answer = self._answer(scope, body)
        if not isinstance(answer, FakeResponse):
            answer = await self._on_worker(answer)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.abort:
            await _drop(receive)
            return
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _answer(self, scope: Scope, body: bytes) -> FakeResponse | Callable[[], FakeResponse]:
        """The engine's answer, or the call that makes it if that may decode an image.

        A plain function, not a coroutine: most requests are answered here,
        and an await would be a measurable share of a cached search.
        """
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        http = (scope["method"], raw_path, scope.get("query_string", b""))
        content_type = _content_type(scope["headers"])
        if is_admin_path(raw_path):  # the admin surface, matched on the literal path
            return route(self.engine, *http, content_type, body)
        room = self._off_loop < WORKERS + QUEUE
        if room and len(body) > _LARGE_BODY:  # parsing megabytes would stall the loop too
            return partial(self.engine.handle_http, *http, content_type, body)
        request = parse_http(*http, content_type, body, max_body=self.engine.max_body)
        if room and self.engine.api.may_decode(request):
            return partial(self.engine.handle, request)
        with decoding_refused():
            return self.engine.handle(request)

    async def _on_worker(self, answer: Callable[[], FakeResponse]) -> FakeResponse:
        self._off_loop += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._workers, answer)
        finally:
            self._off_loop -= 1


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


async def _drop(receive: Receive) -> None:
    """Abort the connection without answering; return once the server has noticed."""
    connection = CONNECTION.get(None)
    if connection is None:
        raise httpx.RemoteProtocolError(DISCONNECTED)
    connection.abort()
    # Returning before the server sees the loss would make it answer 500 itself.
    while (await receive())["type"] != "http.disconnect":
        pass


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Reached only if the endpoint itself fails: still the platform's envelope.
    answer = internal_error_response()
    return Response(answer.body, answer.status, headers=dict(answer.headers))
