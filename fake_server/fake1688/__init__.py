"""fake1688: an offline, strict fake of the 1688 TOP gateway for image search.

::

    from fake1688 import FakeGateway

    gw = FakeGateway()                       # demo app: test_app_key / test_app_secret
    client = httpx.Client(transport=gw.transport())
    # ... or run it: `fake1688 serve` (uvicorn on 127.0.0.1:8688)

It checks every request the way the platform does (method, app key,
timestamp, version, sign method, signature, arguments, in that order), answers
in the platform's envelopes, explains a bad signature, and never goes online.
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
