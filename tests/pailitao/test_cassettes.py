"""The shipped cassettes in cassettes/: they replay with no server running, plain
vcrpy loads every one, and none holds a secret."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr as vcrpy
import yaml

from pailitao import (
    AccessTokenError,
    AppKeyError,
    PailitaoClient,
    RateLimitError,
    RetryPolicy,
    SignatureError,
    TimestampError,
)
from pailitao.recording import make_vcr
from pailitao.recording.scan import scan_paths

CASSETTES = Path(__file__).parents[2] / "cassettes"
ALL = sorted(CASSETTES.glob("*.yaml"))
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"


def recorded(name: str) -> dict:
    return yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))


def image_of(name: str, index: int = 0) -> bytes:
    """The query image of an interaction, from the blobs kept beside the cassettes."""
    body = recorded(name)["interactions"][index]["request"]["body"]
    sha256, kind = re.search(r"<image sha256=(\w+) size=\d+ format=(\w+)>", body).groups()
    return (CASSETTES / "blobs" / f"{sha256}.{kind}").read_bytes()


@contextmanager
def replay(name: str, secret: str = SECRET, **options) -> Iterator[PailitaoClient]:
    base_url = recorded(name)["interactions"][0]["request"]["uri"]
    vcr = make_vcr(secret=secret, app_key=KEY, access_token=TOKEN, cassette_library_dir=CASSETTES)
    settings = {"app_key": KEY, "app_secret": secret, "base_url": base_url}
    if name.startswith("aop_"):  # the Open Platform's base URL ends before /param2/
        settings.update(base_url=base_url.split("/param2/")[0], dialect="aop", access_token=TOKEN)
    with (
        vcr.use_cassette(name),
        PailitaoClient(retry=RetryPolicy.disabled(), **settings | options) as c,
    ):
        yield c


def test_the_expected_cassettes_are_shipped() -> None:
    assert [path.stem for path in ALL] == [
        "aop_each_sort",
        "aop_error_access_token",
        "aop_error_signature_invalid",
        "aop_search_by_photo",
        "error_25_invalid_signature",
        "error_29_invalid_app_key",
        "error_31_invalid_timestamp",
        "error_7_rate_limited",
        "search_each_sort",
        "search_multipart_upload",
        "search_several_pages",
        "search_with_cat",
        "upload_then_search_by_imgid",
    ]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_plain_vcrpy_loads_every_cassette(path: Path) -> None:
    with vcrpy.VCR(record_mode="none").use_cassette(str(path)) as cassette:
        assert len(cassette) >= 1


def test_no_cassette_holds_a_secret() -> None:
    count, findings = scan_paths(
        [CASSETTES],
        {"configured-secret": SECRET, "configured-app-key": KEY, "configured-access-token": TOKEN},
    )
    assert count == len(ALL)
    assert findings == []


def test_each_sort_orders_the_similar_set() -> None:
    image = image_of("search_each_sort")
    with replay("search_each_sort") as client:
        pages = {sort: client.search_image(file=image, sort=sort, page_size=10)
                 for sort in ("relevance", "price_asc", "price_desc", "sales_desc", "sales_asc")}  # fmt: skip

    def column(sort: str, field: str) -> list:
        return [getattr(item, field) for item in pages[sort].items]

    assert column("price_asc", "price") == sorted(column("price_asc", "price"))
    assert column("price_desc", "price") == sorted(column("price_desc", "price"), reverse=True)
    assert column("sales_desc", "sales") == sorted(column("sales_desc", "sales"), reverse=True)
    assert column("sales_asc", "sales") == sorted(column("sales_asc", "sales"))
    assert column("price_asc", "price")[0] <= column("price_desc", "price")[-1]
    assert len({page.total_results for page in pages.values()}) == 1


def test_pages_are_consistent_and_disjoint() -> None:
    image = image_of("search_several_pages")
    with replay("search_several_pages") as client:
        pages = [client.search_image(file=image, page=n, page_size=20) for n in (1, 2, 3)]
    ids = [item.num_iid for page in pages for item in page.items]
    assert len(ids) == len(set(ids)) == 60
    assert {(p.total_results, p.page_count) for p in pages} == {
        (pages[0].total_results, pages[0].page_count)
    }


def test_cat_filters_the_result() -> None:
    with replay("search_with_cat") as client:
        cat = re.search(
            r"cat=(\d+)", recorded("search_with_cat")["interactions"][0]["request"]["body"]
        )[1]
        page = client.search_image(file=image_of("search_with_cat"), cat=cat, page_size=10)
    assert page.items
    assert {item.cat for item in page.items} == {cat}


def test_upload_then_search_by_imgid() -> None:
    with replay("upload_then_search_by_imgid") as client:
        imgid = client.upload_image(image_of("upload_then_search_by_imgid"))
        page = client.search_image(imgid=imgid, sort="price_asc", page_size=10)
    assert imgid.startswith("https://cbu01.alicdn.com/img/ibank/")
    assert page.items


def test_multipart_upload_replays_under_a_new_boundary() -> None:
    with replay("search_multipart_upload", image_encoding="multipart") as client:
        assert client.search_image(file=image_of("search_multipart_upload"), page_size=10).items


def test_error_25_invalid_signature() -> None:
    with replay("error_25_invalid_signature", secret="not-the-secret") as client:
        with pytest.raises(SignatureError) as caught:
            client.search_image(file=image_of("error_25_invalid_signature"))
    assert caught.value.code == 25
    assert "test_app_key" in caught.value.sub_msg  # the placeholder is restored on replay


def test_error_29_invalid_app_key() -> None:
    with replay("error_29_invalid_app_key", app_key="no_such_app") as client:
        with pytest.raises(AppKeyError) as caught:
            client.search_image(file=image_of("error_29_invalid_app_key"))
    assert (caught.value.code, caught.value.sub_code) == (29, "isv.appkey-not-exists")


def test_error_31_invalid_timestamp() -> None:
    with replay("error_31_invalid_timestamp") as client:
        with pytest.raises(TimestampError) as caught:
            client.search_image(file=image_of("error_31_invalid_timestamp"))
    assert caught.value.code == 31


def test_error_7_rate_limited() -> None:
    image = image_of("error_7_rate_limited")
    with replay("error_7_rate_limited") as client:
        assert client.search_image(file=image, page_size=5).items
        with pytest.raises(RateLimitError) as caught:
            client.search_image(file=image, page=2, page_size=5)
    assert (caught.value.code, caught.value.sub_code) == (
        7,
        "accesscontrol.limited-by-app-access-count",
    )
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 1


def test_aop_a_photo_is_uploaded_once_and_paged_by_its_image_id() -> None:
    with replay("aop_search_by_photo") as client:
        items = list(client.iter_search(file=image_of("aop_search_by_photo"), page_size=10,
                                        max_pages=2))  # fmt: skip
    assert len({item.num_iid for item in items}) == 20
    assert all(item.aop is not None and item.aop.subject_trans for item in items)
    text = (CASSETTES / "aop_search_by_photo.yaml").read_text(encoding="utf-8")
    assert text.count("product.image.upload") == 1
    assert text.count("product.search.imageQuery") == 2


def test_aop_each_sort_orders_the_similar_set() -> None:
    url = re.search(
        r'"imageAddress":"([^"]+)"',
        recorded("aop_each_sort")["interactions"][0]["request"]["body"],
    )[1]
    with replay("aop_each_sort") as client:
        pages = {sort: client.search_image(image_url=url, sort=sort, page_size=10, country="en")
                 for sort in ("relevance", "price_asc", "price_desc", "sales_desc", "sales_asc")}  # fmt: skip
    prices = [item.price for item in pages["price_asc"].items]
    sales = [item.sales for item in pages["sales_desc"].items]
    assert prices == sorted(prices)
    assert sales == sorted(sales, reverse=True)
    assert pages["relevance"].items[0].pic_url == url


def test_aop_error_signature_invalid() -> None:
    with replay("aop_error_signature_invalid", secret="not-the-secret") as client:
        with pytest.raises(SignatureError) as caught:
            client.upload_image(image_of("aop_error_signature_invalid"))
    assert (caught.value.code, caught.value.msg) == ("gw.SignatureInvalid", "Signature is invalid")
    assert caught.value.sub_msg.startswith("the gateway computed HMAC_SHA1 with key <secret>")


def test_aop_error_access_token() -> None:
    url = re.search(
        r'"imageAddress":"([^"]+)"',
        recorded("aop_error_access_token")["interactions"][0]["request"]["body"],
    )[1]
    with replay("aop_error_access_token", access_token="expired-token") as client:
        with pytest.raises(AccessTokenError) as caught:
            client.search_image(image_url=url)
    assert caught.value.code == "401"
