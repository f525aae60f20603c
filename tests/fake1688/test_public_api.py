"""The public API of ``fake1688`` is what ``__all__`` lists, and nothing leaks in."""

from __future__ import annotations

import inspect

import fake1688

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(fake1688.__all__) == EXPECTED
    assert fake1688.__all__ == sorted(fake1688.__all__, key=lambda n: (not n.isupper(), n))


def test_every_public_name_exists_and_is_documented() -> None:
    for name in fake1688.__all__:
        value = getattr(fake1688, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_gateway_signature() -> None:
    parameters = inspect.signature(fake1688.FakeGateway).parameters
    assert list(parameters) == [
        "seed",
        "catalog",
        "apps",
        "clock",
        "deterministic",
        "upload_limits",
        "timestamp_skew",
        "max_image_bytes",
        "journal_size",
        "journal_max_bytes",
        "limits",
        "faults",
        "fault_seed",
        "state",
    ]
    keyword_only = [n for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY]
    assert keyword_only == list(parameters)[3:]
