"""``FakeGateway``: the engine with its catalog, ready to plug in three ways.

::

    gw = FakeGateway()
    httpx.Client(transport=gw.transport())          # in-process, sync
    httpx.AsyncClient(transport=gw.async_transport())  # in-process, async
    uvicorn.run(serving_app(gw))                     # over HTTP (fake1688.server)

    gw.faults.next(2, "http_error", status=503)      # the platform misbehaving
    gw.limits.set(RateLimits(qps=5))                 # code 7 past 5 calls a second
    gw.journal.assert_called("1688.items.search.img", times=3)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from functools import cached_property
from typing import Any, Final

from starlette.applications import Starlette

from fake1688.engine.apps import App, AppRegistry
from fake1688.engine.faults import Fault, FaultPlan
from fake1688.engine.journal import DEFAULT_MAX_BYTES, Journal
from fake1688.engine.pipeline import DEFAULT_MAX_IMAGE_BYTES, Engine
from fake1688.engine.ratelimits import RateLimiter, RateLimits
from fake1688.engine.search import CatalogLike
from fake1688.engine.state import StateBackend
from fake1688.engine.store import UploadLimits, UploadStore
from fake1688.http.asgi import create_app
from fake1688.http.transport import AsyncFakeTransport, FakeTransport
from fake1688.ui import dashboard_routes
from pailitao.wire import in_process_url
from pailitao.wire.signing import DEFAULT_SKEW

__all__ = ["BASE_URL", "FakeGateway"]

#: The TOP router's URL for in-process clients (the Open Platform's base is
#: ``in_process_url("aop")``). The host is never resolved (``.test`` is a
#: reserved name), and pailitao's cassettes never record it.
BASE_URL: Final = in_process_url("top")


class FakeGateway:
    """A strict, offline fake of the 1688 gateways (Open Platform and TOP router) for image search.

    ``seed`` picks the default generated catalog; pass ``catalog`` to use another
    (e.g. ``Catalog.load(path)``). ``apps`` defaults to the demo app
    ``test_app_key``/``test_app_secret``. ``clock`` (epoch seconds) is what
    timestamps are checked against, and rate limits counted by. With
    ``deterministic`` the same request always gets the same bytes, request id
    included. ``limits`` (default: none) and ``faults`` (drawn from
    ``fault_seed``, default ``seed``) are what ``reset()`` returns to. ``state``
    is where uploads, journal, limits and faults are kept: this process (the
    default) or, for several processes serving one fake,
    ``fake1688.engine.shared.RedisState(url)``.
    """

    def __init__(
        self,
        seed: int = 0,
        catalog: CatalogLike | None = None,
        apps: AppRegistry | Iterable[App] | None = None,
        *,
        clock: Callable[[], float] | None = None,
        deterministic: bool = True,
        upload_limits: UploadLimits | None = None,
        timestamp_skew: timedelta = DEFAULT_SKEW,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        journal_size: int = 1000,
        journal_max_bytes: int = DEFAULT_MAX_BYTES,
        limits: RateLimits | None = None,
        faults: Iterable[Fault | Mapping[str, Any]] = (),
        fault_seed: int | None = None,
        state: StateBackend | None = None,
    ) -> None:
        self.engine = Engine(
            catalog if catalog is not None else _default_catalog(seed),
            apps,
            clock=clock,
            deterministic=deterministic,
            timestamp_skew=timestamp_skew,
            max_image_bytes=max_image_bytes,
            upload_limits=upload_limits,
            journal_size=journal_size,
            journal_max_bytes=journal_max_bytes,
            limits=limits,
            faults=faults,
            fault_seed=seed if fault_seed is None else fault_seed,
            state=state,
        )

    @property
    def catalog(self) -> CatalogLike:
        """The catalog searched."""
        return self.engine.catalog

    @property
    def apps(self) -> AppRegistry:
        """The apps whose signatures are accepted."""
        return self.engine.apps

    @property
    def journal(self) -> Journal:
        """The bounded request journal."""
        return self.engine.journal

    @property
    def store(self) -> UploadStore:
        """The bounded upload store."""
        return self.engine.store

    @property
    def faults(self) -> FaultPlan:
        """Injected faults: ``add(Fault(...))``, ``next(n, kind, ...)``, ``clear()``."""
        return self.engine.faults

    @property
    def limits(self) -> RateLimiter:
        """Rate limits per app key: ``set(RateLimits(qps=..., daily_quota=...))``, ``clear()``."""
        return self.engine.limits

    def transport(self) -> FakeTransport:
        """A sync httpx transport answered by this gateway."""
        return FakeTransport(self.engine)

    def async_transport(self) -> AsyncFakeTransport:
        """An async httpx transport answered by this gateway."""
        return AsyncFakeTransport(self.engine)

    @cached_property
    def asgi_app(self) -> Starlette:
        """The Starlette app serving this gateway in-process (``httpx.ASGITransport``).

        The dashboard is at ``/__fake__/ui/`` (unless the engine serves no admin
        endpoints). On a socket, serve ``fake1688.server.serving_app(gw)``: it
        guards the admin endpoints and the dashboard, and logs requests with
        their secrets redacted.
        """
        return create_app(self.engine, routes=dashboard_routes(self.engine))

    def reset(self) -> None:
        """Forget uploads, journal and rate-limit counters; back to the built faults and limits."""
        self.engine.reset()


def _default_catalog(seed: int) -> CatalogLike:
    # Imported on demand: the catalog pulls in numpy, Pillow and its image data.
    from fake1688.catalog.catalog import Catalog  # noqa: PLC0415

    return Catalog.default(seed)
