"""fake1688: an offline, strict fake of the 1688 gateways for image search.

::

    from fake1688 import FakeGateway

    gw = FakeGateway()                       # demo app: test_app_key / test_app_secret
    client = httpx.Client(transport=gw.transport())
    # ... or run it: `fake1688 serve` (uvicorn on 127.0.0.1:8688)

It serves the 1688 Open Platform's image APIs (``/openapi/param2/…``, demo
access token ``test_access_token``) and the TOP router's
(``/openapi/router/rest``) at once, checks every request the way each gateway
does, in its order, answers in its envelopes, explains a bad signature, and
never goes online.
"""

from fake1688.catalog.catalog import Catalog
from fake1688.catalog.catalog_io import CatalogFileError
from fake1688.catalog.photo import photo
from fake1688.engine.apps import DEMO_APP, App, AppRegistry, AppsFileError
from fake1688.engine.errors import GatewayError
from fake1688.engine.faults import Fault, FaultKind, FaultPlan, load_faults
from fake1688.engine.journal import Journal, JournalEntry, Verification
from fake1688.engine.pipeline import DEFAULT_MAX_IMAGE_BYTES, ROUTER_PATHS, Engine
from fake1688.engine.protocol import FakeRequest, FakeResponse
from fake1688.engine.ratelimits import RateLimiter, RateLimits
from fake1688.engine.store import UploadLimits, UploadStore
from fake1688.http.transport import AsyncFakeTransport, FakeTransport

from .gateway import BASE_URL, FakeGateway

__all__ = [
    "BASE_URL",
    "DEFAULT_MAX_IMAGE_BYTES",
    "DEMO_APP",
    "ROUTER_PATHS",
    "App",
    "AppRegistry",
    "AppsFileError",
    "AsyncFakeTransport",
    "Catalog",
    "CatalogFileError",
    "Engine",
    "FakeGateway",
    "FakeRequest",
    "FakeResponse",
    "FakeTransport",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "GatewayError",
    "Journal",
    "JournalEntry",
    "RateLimiter",
    "RateLimits",
    "UploadLimits",
    "UploadStore",
    "Verification",
    "load_faults",
    "photo",
]
