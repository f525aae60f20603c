"""``contract live-check``: one search on the live API, checked and compared with the fake.

Only with credentials from the environment (``PAILITAO_APP_KEY``,
``PAILITAO_APP_SECRET``, optional ``PAILITAO_BASE_URL``); without them the
check is skipped. The live answer is checked against the schemas and its shape
compared with the fake's answer to the same search.

Tests point :data:`transport_factory` at an in-process transport, so that no
test ever reaches a real host.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ..wire.top import DEFAULT_BASE_URL, SEARCH_METHOD
from .allow import AllowList
from .check import Failure, check_recorded
from .replay import DiffReport, FakeReplayer, Finding, compare_envelopes, payload_of, resign
from .shape import diff, shape
from .sources import Recorded

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ENV_APP_KEY",
    "ENV_APP_SECRET",
    "ENV_BASE_URL",
    "SKIPPED",
    "Credentials",
    "LiveReport",
    "credentials",
    "live_check",
    "transport_factory",
]

ENV_APP_KEY: Final = "PAILITAO_APP_KEY"
ENV_APP_SECRET: Final = "PAILITAO_APP_SECRET"  # noqa: S105 - the variable's name
ENV_BASE_URL: Final = "PAILITAO_BASE_URL"
SKIPPED: Final = f"skipped: set {ENV_APP_KEY} and {ENV_APP_SECRET} to check the live API"

#: Makes the transport of the live call; ``None`` means the network. A test hook.
transport_factory: Callable[[], httpx.BaseTransport] | None = None

_SEARCH: Final = {"method": SEARCH_METHOD, "v": "2.0", "format": "json", "page_size": "20"}


@dataclass(frozen=True)
class Credentials:
    """Who calls the live API, and where (the secret never appears in a repr)."""

    app_key: str
    secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL


def credentials(environ: Mapping[str, str]) -> Credentials | None:
    """The credentials in the environment, or ``None`` if either is missing."""
    key, secret = environ.get(ENV_APP_KEY, ""), environ.get(ENV_APP_SECRET, "")
    if not key or not secret:
        return None
    return Credentials(key, secret, environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL)


@dataclass(frozen=True)
class LiveReport:
    """The live answer's check failures and its drifts from the fake."""

    failures: list[Failure]
    diff: DiffReport

    @property
    def failed(self) -> bool:
        """Whether anything needs attention."""
        return bool(self.failures or self.diff.drifting)


def live_check(
    creds: Credentials,
    image: bytes | None,
    gateway: object,
    *,
    allow: AllowList | None = None,
) -> LiveReport:
    """Search once on the live API; check the answer and compare it with the fake's.

    ``image`` defaults to a picture from the fake's catalog. Raises
    ``httpx.TransportError`` if the API cannot be reached.
    """
    import httpx  # noqa: PLC0415 - only the live call needs a client

    replayer = FakeReplayer(gateway)
    try:
        if image is None:
            offer = replayer.gateway.catalog.offers[0]
            image = bytes(replayer.gateway.catalog.image_bytes(offer))
        source = {"image": base64.b64encode(image).decode("ascii")}
        params = resign(_SEARCH, source, app_key=creds.app_key, secret=creds.secret)
        transport = transport_factory() if transport_factory is not None else None
        with httpx.Client(transport=transport, timeout=30.0) as http:
            response = http.post(creds.base_url, data=params)
        live = Recorded("live", 0, response.content, response.status_code)
        fake = replayer.answer("search", _SEARCH)
    finally:
        replayer.close()
    return LiveReport(check_recorded(live), _compare(live, fake, allow or AllowList()))


def _compare(live: Recorded, fake: dict[str, object] | None, allow: AllowList) -> DiffReport:
    report = DiffReport()
    recorded = payload_of(live.body)
    if recorded is None or fake is None:
        report.skipped.append(("live:0", "no JSON envelope to compare; see the check above"))
        return report
    report.compared = 1
    envelope = compare_envelopes(recorded, fake)
    drifts = [envelope] if envelope else diff(shape(recorded), shape(fake))
    report.findings = [Finding(d, "search", allow.allowing(d)) for d in drifts]
    report.unused = allow.unused(drifts)
    return report
