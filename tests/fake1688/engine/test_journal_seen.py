"""What the journal keeps of a call for a page that shows it: the photo, the page, the answer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.engine.api import Shelf
from fake1688.engine.store import Image

from pailitao import PailitaoClient, RetryPolicy
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, in_process_url


@pytest.fixture
def gateway_on_time(catalog: Any) -> FakeGateway:
    """A fresh gateway on the real clock, for the client's timestamps."""
    return FakeGateway(catalog=catalog)


def _client(gateway: FakeGateway, dialect: str) -> PailitaoClient:
    return PailitaoClient(
        app_key=DEMO_APP_KEY,
        app_secret=DEMO_APP_SECRET,
        dialect=dialect,  # type: ignore[arg-type]
        access_token=DEMO_ACCESS_TOKEN if dialect == "aop" else None,
        base_url=in_process_url(dialect),  # type: ignore[arg-type]
        transport=gateway.transport(),
        retry=RetryPolicy.disabled(),
    )


@pytest.mark.parametrize("dialect", ["top", "aop", "reseller"])
def test_a_search_journals_its_photo_its_page_and_its_answer(
    gateway_on_time: FakeGateway, catalog: Any, dialect: str
) -> None:
    photo = bytes(catalog.image_bytes(catalog.offers[7]))
    with _client(gateway_on_time, dialect) as client:
        page = client.search_image(file=photo, page=2, page_size=5)
    entry = gateway_on_time.journal.last()
    assert entry is not None
    assert entry.image == hashlib.sha256(photo).hexdigest()
    assert list(entry.offers) == [item.num_iid for item in page.items]
    assert len(entry.offers) == 5
    assert entry.total == page.total_results
    assert entry.answer is not None
    assert json.loads(entry.answer)  # the body as sent
    assert gateway_on_time.engine.api.shelf.get(hashlib.sha256(photo).digest()) == photo
    data = entry.to_dict()
    assert "answer" not in data
    assert (data["image"], data["offers"], data["total"]) == (
        entry.image,
        list(entry.offers),
        entry.total,
    )
    json.dumps(data)


@pytest.mark.parametrize("dialect", ["top", "aop", "reseller"])
def test_an_upload_journals_its_photo(
    gateway_on_time: FakeGateway, catalog: Any, dialect: str
) -> None:
    photo = bytes(catalog.image_bytes(catalog.offers[3]))
    with _client(gateway_on_time, dialect) as client:
        client.upload_image(photo)
    entry = gateway_on_time.journal.last()
    assert entry is not None
    assert (entry.image, entry.offers, entry.total) == (hashlib.sha256(photo).hexdigest(), (), None)


def test_a_refused_call_journals_no_photo_and_its_error_answer(
    gateway: FakeGateway, helpers: Any, photo: bytes, call: Any
) -> None:
    answer = call(helpers.system_params(image=helpers.b64(photo)), sign=False)
    entry = gateway.journal.last()
    assert entry is not None
    assert (entry.image, entry.offers, entry.total) == (None, (), None)
    assert entry.answer is not None
    assert json.loads(entry.answer) == answer


def test_a_photo_served_at_its_pic_url_is_not_kept_as_an_answer(
    gateway: FakeGateway, catalog: Any
) -> None:
    url = catalog.offers[0].pic_url
    path = url[url.index("/", url.index("//") + 2) :]
    with httpx.Client(transport=gateway.transport(), base_url="http://fake1688.test") as http:
        assert http.get(path).headers["content-type"].startswith("image/")
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.answer is None


def test_reset_forgets_the_photos(gateway_on_time: FakeGateway, catalog: Any) -> None:
    photo = bytes(catalog.image_bytes(catalog.offers[1]))
    with _client(gateway_on_time, "top") as client:
        client.search_image(file=photo)
    gateway_on_time.reset()
    assert gateway_on_time.engine.api.shelf.get(hashlib.sha256(photo).digest()) is None


def test_the_shelf_keeps_the_newest_photos_within_its_bounds() -> None:
    shelf = Shelf(max_images=2, max_bytes=10)
    a, b, c = (Image.of(data) for data in (b"aaaa", b"bbbb", b"cccc"))
    shelf.put(a)
    shelf.put(b)
    shelf.put(a)  # a is used again: b is now the oldest
    shelf.put(c)
    assert [shelf.get(image.sha256) for image in (a, b, c)] == [b"aaaa", None, b"cccc"]
    huge = Image.of(b"x" * 50)
    shelf.put(huge)  # over the byte budget alone: the newest stays
    assert [shelf.get(image.sha256) for image in (a, c, huge)] == [None, None, b"x" * 50]
