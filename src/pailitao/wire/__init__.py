"""The wire rules: what travels between a client and the 1688 gateways.

The one room of ``pailitao`` that the fake gateway imports. It holds facts
and pure functions, no I/O::

    wire/
      signing.py   TOP signs (md5, hmac, hmac-sha256) and the platform's timestamps
      top.py       the TOP router: paths, methods, system params, error codes, envelopes
      aop.py       the 1688 Open Platform: URL shape, _aop_signature, gw.* errors, envelopes
      reseller.py  the resellers' REST dialect: paths, key/secret in the query, sorts, codes
      redaction.py what no log, journal or error text shows: secret params, known secrets
      images.py    the images the platform takes: formats, bytes, pixels, frames; headers

and, here, what both sides agree on: the dialect names, the demo credentials
of the default fake and the host name of the in-process fake.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from . import aop, reseller, top

__all__ = [
    "DEMO_ACCESS_TOKEN",
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DIALECTS",
    "IN_PROCESS_HOST",
    "Dialect",
    "default_base_url",
    "in_process_url",
]

#: ``top``: the TOP router of the seed article; ``aop``: the 1688 Open Platform;
#: ``reseller``: the resellers' REST gateways (``/1688/item_search_img/``).
Dialect = Literal["top", "aop", "reseller"]
DIALECTS: Final[tuple[str, ...]] = get_args(Dialect)

#: The demo app of the default fake gateway (api-notes §3).
DEMO_APP_KEY: Final = "test_app_key"
DEMO_APP_SECRET: Final = "test_app_secret"  # noqa: S105 - the documented demo secret
#: The access token the default fake accepts for the demo app (Open Platform calls).
DEMO_ACCESS_TOKEN: Final = "test_access_token"  # noqa: S105 - the documented demo token

#: The host name clients use for the in-process fake; ``.test`` is reserved, so it
#: never resolves, and pailitao's cassettes never record it.
IN_PROCESS_HOST: Final = "fake1688.test"


def default_base_url(dialect: Dialect) -> str:
    """The live gateway's base URL in a dialect."""
    if dialect == "reseller":
        return reseller.DEFAULT_BASE_URL
    return aop.DEFAULT_BASE_URL if dialect == "aop" else top.DEFAULT_BASE_URL


def in_process_url(dialect: Dialect) -> str:
    """The in-process fake's base URL in a dialect (a reseller's API path is appended)."""
    paths = {"aop": aop.BASE_PATH, "reseller": ""}
    path = paths.get(dialect, "/openapi/router/rest")
    return f"http://{IN_PROCESS_HOST}{path}"
