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

from .apps import DEMO_APP, App, AppRegistry, AppsFileError
from .engine import DEFAULT_MAX_IMAGE_BYTES, ROUTER_PATHS, Engine
from .errors import GatewayError
from .faults import Fault, FaultKind, FaultPlan, load_faults
from .gateway import BASE_URL, FakeGateway
from .journal import Journal, JournalEntry, Verification
from .protocol import FakeRequest, FakeResponse
from .ratelimits import RateLimiter, RateLimits
from .store import UploadLimits, UploadStore
from .transport import AsyncFakeTransport, FakeTransport

__all__ = [
    "BASE_URL",
    "DEFAULT_MAX_IMAGE_BYTES",
    "DEMO_APP",
    "ROUTER_PATHS",
    "App",
    "AppRegistry",
    "AppsFileError",
    "AsyncFakeTransport",
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
]
