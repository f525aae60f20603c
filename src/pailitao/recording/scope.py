"""A pailitao cassette that takes only 1688 traffic, beside respx, other cassettes and the network.

vcrpy patches the HTTP libraries globally, and its stubs send what they do not
answer straight to the unpatched library: entered after another cassette (a
pytest-recording one, say), a second cassette would take every request of the
test and the first would see none. :func:`gateway_cassette` patches httpx only
(the client's library) and routes by request: a dialect's request (see
:func:`~pailitao.recording.canonical.is_gateway_request`) goes to the pailitao
cassette, recorded from or sent to the gateway below every cassette; any other
request goes to whatever handled it before the cassette was entered: another
cassette, respx, or the network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from .canonical import is_gateway_request

if TYPE_CHECKING:
    import httpx
    import vcr
    from vcr.cassette import Cassette

__all__ = ["gateway_cassette"]

Handler = Callable[[Any, "httpx.Request"], Any]


def _handlers() -> list[tuple[type, str]]:
    """The httpx methods vcrpy patches: where a request is answered or sent."""
    import httpx  # noqa: PLC0415 - the client's library, imported where it is used

    return [
        (httpx.HTTPTransport, "handle_request"),
        (httpx.AsyncHTTPTransport, "handle_async_request"),
        (httpx.WSGITransport, "handle_request"),
        (httpx.ASGITransport, "handle_async_request"),
        (httpx.MockTransport, "handle_request"),
        (httpx.MockTransport, "handle_async_request"),
    ]


def _route(ours: Handler, theirs: Handler) -> Handler:
    def handle_request(transport: Any, request: httpx.Request) -> Any:
        chosen = ours if is_gateway_request(str(request.url)) else theirs
        return chosen(transport, request)

    return handle_request


def _route_async(ours: Handler, theirs: Handler) -> Handler:
    async def handle_async_request(transport: Any, request: httpx.Request) -> Any:
        chosen = ours if is_gateway_request(str(request.url)) else theirs
        answer: Awaitable[Any] = chosen(transport, request)
        return await answer

    return handle_async_request


@contextmanager
def gateway_cassette(instance: vcr.VCR, path: str | Path, **options: Any) -> Iterator[Cassette]:
    """``instance.use_cassette(path, **options)`` for the dialects' requests only."""
    from vcr.patch import PATCHER_NAMES  # noqa: PLC0415 - vcrpy is optional

    others = tuple(name for name in PATCHER_NAMES if name != "httpx")
    targets = _handlers()
    before = [getattr(owner, name) for owner, name in targets]
    with ExitStack() as stack:
        cassette = stack.enter_context(
            instance.use_cassette(str(path), skip_patchers=others, **options)
        )
        for (owner, name), theirs in zip(targets, before, strict=True):
            route = _route_async if name.endswith("async_request") else _route
            stack.enter_context(mock.patch.object(owner, name, route(getattr(owner, name), theirs)))
        yield cassette
