"""The public API is pinned, and importing it stays light."""

import json
import subprocess
import sys

import pytest

import pailitao

EXPECTED = {
    "DEFAULT_BASE_URL", "SEARCH_METHOD", "UPLOAD_METHOD", "AccessTokenError", "AopOffer",
    "AopSearchInfo", "ApiError", "AppKeyError",
    "AsyncPailitaoClient", "CassetteError", "HTTPStatusError", "ImageError", "InvalidArgumentsError", "Item",
    "NetworkError", "PailitaoClient", "PailitaoError", "PreparedImage", "RateLimitError",
    "ResponseParseError", "RetryPolicy", "SearchPage", "ServerError", "SignatureError", "Sort",
    "TimestampError", "TransportError", "UsageError", "__version__", "parse_error_response",
    "parse_search_response", "parse_upload_response", "prepare_image",
}  # fmt: skip


def test_exported_members() -> None:
    assert set(pailitao.__all__) == EXPECTED
    for name in pailitao.__all__:
        assert hasattr(pailitao, name), name


def test_public_names_have_docstrings() -> None:
    for name in pailitao.__all__:
        thing = getattr(pailitao, name)
        if callable(thing):
            assert thing.__doc__, name


def test_defaults_match_the_seed() -> None:
    assert pailitao.DEFAULT_BASE_URL == "https://api.1688.com/openapi/router/rest"
    assert pailitao.SEARCH_METHOD == "1688.items.search.img"


def test_import_pulls_in_no_heavy_or_test_dependency() -> None:
    code = "import sys, json, pailitao; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    roots = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert not roots & {
        "starlette",
        "vcr",
        "PIL",
        "hypothesis",
        "fake1688",
        "numpy",
        "respx",
        "uvicorn",
    }


#: What a client offers besides its constructor: the searches, the upload, closing,
#: and where it sends. Everything else is ``_private``.
CLIENT_SURFACE = {"base_url", "dialect", "iter_search", "search_image", "upload_image"}


def test_the_clients_expose_only_their_documented_methods() -> None:
    def public(thing: object) -> set[str]:
        return {name for name in dir(thing) if not name.startswith("_")}

    sync = pailitao.PailitaoClient(app_key="k", app_secret="s")
    asynchronous = pailitao.AsyncPailitaoClient(app_key="k", app_secret="s")
    assert public(sync) == CLIENT_SURFACE | {"close"}
    assert public(asynchronous) == CLIENT_SURFACE | {"aclose"}
    for internal in (
        "build_request", "read_answer", "search_params", "scrub_escaping", "tenacity_kwargs",
        "search_plan", "prepare_image", "network_error", "unreadable_answer", "retry",
        "app_key", "sign_method", "timestamp_format", "image_encoding", "max_image_bytes",
        "downscale_images",
    ):  # fmt: skip
        assert not hasattr(sync, internal), internal
        assert not hasattr(asynchronous, internal), internal
    sync.close()


def test_client_settings_are_read_only() -> None:
    client = pailitao.PailitaoClient(app_key="k", app_secret="s", dialect="reseller")
    assert (client.dialect, client.base_url) == ("reseller", "https://api-gw.onebound.cn")
    with pytest.raises(AttributeError):
        client.dialect = "top"  # type: ignore[misc]
    client.close()
