"""Direct httpx transports over the engine: the fast in-process way in.

No ASGI, no event-loop bridge: the transport reads the request body and hands
the raw pieces to :func:`fake1688.admin.endpoints.route` (the admin surface, else
:meth:`Engine.handle_http`), the same entry the Starlette adapter uses, so both
answer the same bytes. ``httpx.ASGITransport`` is async-only, and a sync bridge
is about 4x slower than this path.

Injected faults: a delayed answer sleeps first (``time.sleep`` or
``asyncio.sleep``); a dropped connection raises ``httpx.RemoteProtocolError``
with httpx's own words for a server that closed without answering, which a
client sees as it would over a socket.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from fake1688.admin.endpoints import route
from fake1688.engine.pipeline import Engine
from fake1688.engine.protocol import FakeResponse

__all__ = ["AsyncFakeTransport", "FakeTransport"]


#: What httpx raises when a server closes the connection instead of answering.
DISCONNECTED = "Server disconnected without sending a response."


def _answer(engine: Engine, request: httpx.Request, body: bytes) -> FakeResponse:
    return route(
        engine,
        request.method,
        request.url.raw_path,
        request.url.query,
        request.headers.get("content-type"),
        body,
    )


def _to_httpx(response: FakeResponse, request: httpx.Request) -> httpx.Response:
    if response.abort:
        raise httpx.RemoteProtocolError(DISCONNECTED, request=request)
    # A ByteStream skips httpx's own body encoding; content-length is already set.
    return httpx.Response(
        response.status, headers=list(response.headers), stream=httpx.ByteStream(response.body)
    )


class FakeTransport(httpx.BaseTransport):
    """Sync transport: ``httpx.Client(transport=FakeTransport(engine))``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer from the engine; the request never leaves the process."""
        answer = _answer(self.engine, request, request.read())
        if answer.delay:
            time.sleep(answer.delay)
        return _to_httpx(answer, request)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """Async transport: ``httpx.AsyncClient(transport=AsyncFakeTransport(engine))``.

    The engine runs inline on the event loop: its work is short and CPU-bound,
    and staying on one thread keeps answers deterministic.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer from the engine; the request never leaves the process."""
        answer = _answer(self.engine, request, await request.aread())
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return _to_httpx(answer, request)
