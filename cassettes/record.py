"""Re-record the example cassettes in this folder over real HTTP from `fake1688 serve`.

    .venv/bin/python cassettes/record.py      (or: make cassettes)

Starts the fake gateway (default catalog, seed 0) on a free 127.0.0.1 port,
runs each scenario through the pailitao client inside a recording cassette,
keeps the query images in `blobs/`, and stops the server. The cassettes are
examples and test fixtures: they show what the fake answers, not what the live
platform answers.

Recording twice gives the same files: the gateway and the clients share a fixed
clock (no timestamp in an answer changes), and each cassette names the default
`fake1688 serve` address instead of the free port it was recorded on.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from fake1688 import DEMO_APP, FakeGateway, RateLimits
from fake1688.server import ThreadedServer

from pailitao import ApiError, PailitaoClient, RetryPolicy
from pailitao.recording import make_vcr
from pailitao.wire import DEMO_ACCESS_TOKEN

HERE = Path(__file__).parent
BLOBS = HERE / "blobs"
#: 2026-11-28 10:00:00 GMT+8, the clock of every recording.
NOW = 1_795_831_200.0
#: What the cassettes name as the server: ``fake1688 serve``'s default address.
SHOWN_ROOT = "http://127.0.0.1:8688"
Scenario = Callable[[PailitaoClient, FakeGateway], None]


def photo(gateway: FakeGateway, index: int) -> bytes:
    """The photo of a catalog offer: what a buyer would search with."""
    return gateway.catalog.image_bytes(gateway.catalog.offers[index])


def each_sort(client: PailitaoClient, gateway: FakeGateway) -> None:
    for sort in ("relevance", "price_asc", "price_desc", "sales_desc", "sales_asc"):
        client.search_image(file=photo(gateway, 10), sort=sort, page_size=10)


def with_cat(client: PailitaoClient, gateway: FakeGateway) -> None:
    offer = gateway.catalog.offers[20]
    client.search_image(file=photo(gateway, 20), cat=offer.cat, page_size=10)


def several_pages(client: PailitaoClient, gateway: FakeGateway) -> None:
    for page in (1, 2, 3):
        client.search_image(file=photo(gateway, 30), page=page, page_size=20)


def upload_then_search(client: PailitaoClient, gateway: FakeGateway) -> None:
    imgid = client.upload_image(photo(gateway, 40))
    client.search_image(imgid=imgid, sort="price_asc", page_size=10)


def multipart_upload(client: PailitaoClient, gateway: FakeGateway) -> None:
    with _client(client.base_url, image_encoding="multipart") as multipart:
        multipart.search_image(file=photo(gateway, 50), page_size=10)


def _expect_error(call: Callable[[], object]) -> None:
    try:
        call()
    except ApiError:
        return
    raise SystemExit("expected the fake to answer with an error envelope")


def error_25_invalid_signature(client: PailitaoClient, gateway: FakeGateway) -> None:
    with _client(client.base_url, app_secret="not-the-secret") as wrong:
        _expect_error(lambda: wrong.search_image(file=photo(gateway, 60)))


def error_29_invalid_app_key(client: PailitaoClient, gateway: FakeGateway) -> None:
    with _client(client.base_url, app_key="no_such_app") as unknown:
        _expect_error(lambda: unknown.search_image(file=photo(gateway, 60)))


def error_31_invalid_timestamp(client: PailitaoClient, gateway: FakeGateway) -> None:
    an_hour_ago = NOW - 3600
    with _client(client.base_url, clock=lambda: an_hour_ago) as late:
        _expect_error(lambda: late.search_image(file=photo(gateway, 60)))


def error_7_rate_limited(client: PailitaoClient, gateway: FakeGateway) -> None:
    gateway.limits.set(RateLimits(daily_quota=1))
    try:
        client.search_image(file=photo(gateway, 70), page_size=5)
        _expect_error(lambda: client.search_image(file=photo(gateway, 70), page=2, page_size=5))
    finally:
        gateway.limits.clear()


def aop_search_by_photo(client: PailitaoClient, gateway: FakeGateway) -> None:
    # The photo is uploaded once (product.image.upload), then pages go by imageId.
    items = list(client.iter_search(file=photo(gateway, 80), page_size=10, max_pages=2))
    if len(items) != 20:
        raise SystemExit(f"expected two pages of ten offers, got {len(items)}")


def aop_each_sort(client: PailitaoClient, gateway: FakeGateway) -> None:
    offer = gateway.catalog.offers[90]
    for sort in ("relevance", "price_asc", "price_desc", "sales_desc", "sales_asc"):
        client.search_image(image_url=offer.pic_url, sort=sort, page_size=10, country="en")


def aop_error_signature_invalid(client: PailitaoClient, gateway: FakeGateway) -> None:
    with _client(client.base_url, app_secret="not-the-secret", dialect="aop") as wrong:
        _expect_error(lambda: wrong.upload_image(photo(gateway, 60)))


def aop_error_access_token(client: PailitaoClient, gateway: FakeGateway) -> None:
    expired_token = {"access_token": "expired-token", "dialect": "aop"}
    with _client(client.base_url, **expired_token) as expired:
        _expect_error(lambda: expired.search_image(image_url=gateway.catalog.offers[60].pic_url))


SCENARIOS: dict[str, Scenario] = {
    "search_each_sort": each_sort,
    "search_with_cat": with_cat,
    "search_several_pages": several_pages,
    "upload_then_search_by_imgid": upload_then_search,
    "search_multipart_upload": multipart_upload,
    "error_25_invalid_signature": error_25_invalid_signature,
    "error_29_invalid_app_key": error_29_invalid_app_key,
    "error_31_invalid_timestamp": error_31_invalid_timestamp,
    "error_7_rate_limited": error_7_rate_limited,
    "aop_search_by_photo": aop_search_by_photo,
    "aop_each_sort": aop_each_sort,
    "aop_error_signature_invalid": aop_error_signature_invalid,
    "aop_error_access_token": aop_error_access_token,
}


def _client(base_url: str, **options: object) -> PailitaoClient:
    settings: dict[str, object] = {
        "app_key": DEMO_APP.app_key,
        "app_secret": DEMO_APP.app_secret,
        "base_url": base_url,
        "retry": RetryPolicy.disabled(),
        "clock": lambda: NOW,
    }
    if options.get("dialect") == "aop":
        settings["access_token"] = DEMO_ACCESS_TOKEN
    return PailitaoClient(**(settings | options))  # type: ignore[arg-type]


#: The demo app's access token, by name (this folder holds only what may be shipped).
DEMO_TOKEN: dict[str, str] = {"access_token": DEMO_ACCESS_TOKEN}


def _wrong_secret(name: str) -> bool:
    return name.startswith("error_25") or name.endswith("signature_invalid")


def main() -> int:
    shutil.rmtree(BLOBS, ignore_errors=True)
    gateway = FakeGateway(seed=0, clock=lambda: NOW)
    with ThreadedServer(gateway) as server:
        for name, scenario in SCENARIOS.items():
            # The wrong-secret scenarios must be recorded, so their signs are not checked here.
            vcr = make_vcr(
                secret=DEMO_APP.app_secret,
                app_key=DEMO_APP.app_key,
                **DEMO_TOKEN,
                record_mode="all",
                verify_signatures=not _wrong_secret(name),
                blob_dir=BLOBS,
                cassette_library_dir=HERE,
            )
            aop = name.startswith("aop_")
            base_url = server.url + "/openapi" if aop else server.base_url
            dialect = {"dialect": "aop"} if aop else {}
            with (
                vcr.use_cassette(name, drop_unused_requests=True),
                _client(base_url, **dialect) as c,
            ):
                scenario(c, gateway)
            cassette = HERE / f"{name}.yaml"
            text = cassette.read_text(encoding="utf-8")
            cassette.write_text(text.replace(server.url, SHOWN_ROOT), encoding="utf-8")
            print(f"recorded {name}.yaml", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
