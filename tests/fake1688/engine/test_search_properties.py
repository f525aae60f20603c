"""Search properties over random queries, in each dialect as its users send it.

For any photo, category, sort, price range and page size, sent signed through
the in-process gateway (the TOP router, the Open Platform's imageQuery, the
resellers' item_search_img):

* every item is of the category asked for (TOP and resellers: ``cat``; the Open
  Platform: ``categoryId``, any of an offer's three levels);
* every item's price honours each bound that is sent, one or both; bounds are
  inclusive, and the price compared is the low end of a range such as
  ``"12.50-18.00"`` (:mod:`fake1688.engine.search`);
* the order is the one asked for: price or sales, ascending or descending,
  ties in relevance order (every sort is stable over relevance);
* the price filter keeps exactly the offers in range: the result is the
  unfiltered relevance result, filtered by the bounds, then sorted;
* the pages partition the result: every page states the same total and page
  count (``ceil(total / page_size)``), each but the last is full, no offer shows
  twice, and the page past the last is empty.

Bounds are often drawn equal to a price in the result, or a cent beside one, so
an off-by-one at a bound shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.catalog.offer import low_price
from fake1688.engine.search import _Lru
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pailitao.wire import aop, signing

NOW = 1_764_300_000.0
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
#: A category no catalog offer is in: the search finds nothing.
NO_SUCH_CATEGORY = "1"
#: One gateway for every example: searches change no state that matters here.
SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
SORTS = ("relevance", "price_asc", "price_desc", "sales_asc", "sales_desc")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Item:
    """What the properties read of a returned offer."""

    num_iid: str
    #: The low end of its price: what the engine filters and sorts by.
    price: Decimal
    sales: int
    #: The category ids a category filter may name to find it.
    cats: frozenset[str]


@dataclass(frozen=True)
class Page:
    """One answered page, the same in every dialect."""

    number: int
    size: int
    total: int
    pagecount: int
    items: tuple[Item, ...]


class Query(NamedTuple):
    """A search's filters and order, as text the way users send them."""

    cat: str | None = None
    sort: str = "relevance"
    start: str | None = None
    end: str | None = None


class Search(Protocol):
    """A dialect's search: one page of the query, the sort spelled as its users do."""

    def __call__(
        self, http: httpx.Client, url: str, query: Query, sort: str, *, number: int, size: int
    ) -> Page: ...


def low_end(price: str) -> Decimal:
    """The low end of ``"12.50"`` or ``"12.50-18.00"``, read here on purpose."""
    return Decimal(price.split("-", maxsplit=1)[0])


def top_search(
    http: httpx.Client, url: str, query: Query, sort: str, *, number: int, size: int
) -> Page:
    """``1688.items.search.img`` on the TOP router, md5-signed, by ``imgid``."""
    params = {
        "method": "1688.items.search.img",
        "app_key": KEY,
        "timestamp": signing.format_timestamp(NOW, "millis"),
        "v": "2.0",
        "format": "json",
        "imgid": url,
        "page": str(number),
        "page_size": str(size),
        **_top_args(query, sort),
    }
    params["sign"] = signing.sign(params, SECRET)
    response = http.post("/router/rest", data=params)
    assert response.status_code == 200, response.text
    body = response.json()["1688_items_search_img_response"]["items"]
    assert body["real_total_results"] == body["total_results"]
    return _top_page(body)


def reseller_search(
    http: httpx.Client, url: str, query: Query, sort: str, *, number: int, size: int
) -> Page:
    """``item_search_img`` as onebound's SDK sends it: a GET with the key and secret."""
    params = {
        "key": KEY,
        "secret": SECRET,
        "api_name": "item_search_img",
        "cache": "yes",
        "result_type": "json",
        "lang": "cn",
        "imgid": url,
        "page": str(number),
        "page_size": str(size),
        **_top_args(query, sort),
    }
    response = http.get("/1688/item_search_img/", params=params)
    assert response.status_code == 200, response.text
    answer = response.json()
    page = _top_page(answer["items"])
    assert answer["error_code"] == ("0000" if page.total else "2000"), answer
    return page


def _top_args(query: Query, sort: str) -> dict[str, str]:
    args = {"cat": query.cat, "sort": sort, "start_price": query.start, "end_price": query.end}
    return {key: value for key, value in args.items() if value}


def _top_page(body: dict[str, Any]) -> Page:
    items = tuple(
        Item(item["num_iid"], low_end(item["price"]), item["sales"], frozenset({item["cat"]}))
        for item in body["item"]
    )
    return Page(body["page"], body["page_size"], body["total_results"], body["pagecount"], items)


AOP_PATH = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, KEY)
LEVELS = ("topCategoryId", "secondCategoryId", "thirdCategoryId")


def aop_search(
    http: httpx.Client, url: str, query: Query, sort: str, *, number: int, size: int
) -> Page:
    """``product.search.imageQuery`` by ``imageAddress``, with a token and its signature."""
    fields: dict[str, object] = {
        "imageAddress": url,
        "beginPage": number,
        "pageSize": size,
        "country": "en",
    }
    optional = {"categoryId": query.cat, "sort": sort, "priceStart": query.start,
                "priceEnd": query.end}  # fmt: skip
    fields.update({key: value for key, value in optional.items() if value})
    params = {aop.ACCESS_TOKEN: TOKEN, aop.SEARCH_PARAM: json.dumps(fields)}
    params[aop.SIGNATURE] = aop.sign(AOP_PATH.signed, params, SECRET)
    response = http.post(f"/openapi/{AOP_PATH.signed}", data=params)
    assert response.status_code == 200, response.text
    envelope = response.json()["result"]
    assert (envelope["success"], envelope["code"]) == (True, "200"), envelope
    body = envelope["result"]
    items = tuple(
        Item(
            str(offer["offerId"]),
            Decimal(offer["priceInfo"]["price"]),
            offer["monthSold"],
            frozenset(str(offer[level]) for level in LEVELS),
        )
        for offer in body["data"]
    )
    return Page(
        body["currentPage"], body["pageSize"], body["totalRecords"], body["totalPage"], items
    )


class Dialect(NamedTuple):
    """A dialect's search and the spellings of each sort its users send."""

    search: Search
    sorts: dict[str, Sequence[str]]


DIALECTS = {
    "top": Dialect(
        top_search,
        {
            "relevance": ("", "relevance"),
            "price_asc": ("price_asc", "bid2"),
            "price_desc": ("price_desc", "_bid2"),
            "sales_asc": ("sales_asc", "sale"),
            "sales_desc": ("sales_desc", "_sale"),
        },
    ),
    "aop": Dialect(
        aop_search,
        {
            "relevance": ("",),
            "price_asc": ('{"price":"asc"}',),
            "price_desc": ('{"price":"desc"}',),
            "sales_asc": ('{"monthSold":"asc"}',),
            "sales_desc": ('{"monthSold":"desc"}',),
        },
    ),
    "reseller": Dialect(
        reseller_search,
        {
            "relevance": ("",),
            "price_asc": ("bid2",),
            "price_desc": ("_bid2",),
            "sales_asc": ("sale",),
            "sales_desc": ("_sale",),
        },
    ),
}


@pytest.fixture(scope="module")
def shared(catalog: Any) -> FakeGateway:
    """One gateway for every example of the module."""
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


@pytest.fixture(scope="module")
def http(shared: FakeGateway) -> Iterator[httpx.Client]:
    """A client on the gateway's in-process transport."""
    with httpx.Client(transport=shared.transport(), base_url="http://fake1688.test") as client:
        yield client


def every_page(
    dialect: Dialect, http: httpx.Client, url: str, query: Query, *, spelling: str, size: int
) -> list[Item]:
    """Every page of a search, checked to partition its result; the items in page order."""
    first = dialect.search(http, url, query, spelling, number=1, size=size)
    total, count = first.total, first.pagecount
    assert count == -(-total // size)
    items: list[Item] = []
    for number in range(1, count + 1):
        page = (
            first
            if number == 1
            else dialect.search(http, url, query, spelling, number=number, size=size)
        )
        assert (page.number, page.size, page.total, page.pagecount) == (number, size, total, count)
        assert len(page.items) == (size if number < count else total - size * (count - 1))
        items += page.items
    past = dialect.search(http, url, query, spelling, number=count + 1, size=size)
    assert (past.number, past.total, past.pagecount, past.items) == (count + 1, total, count, ())
    ids = [item.num_iid for item in items]
    assert len(set(ids)) == len(ids) == total
    return items


def spellings(price: Decimal) -> list[str]:
    """A price as users write it: ``"29.90"`` and ``"29.9"``, ``"30.00"`` and ``"30"``."""
    return list(dict.fromkeys([f"{price:f}", f"{price.normalize():f}"]))


def bounds(prices: Sequence[Decimal]) -> st.SearchStrategy[str | None]:
    """No bound, a price in the result (as written or a cent either side), or any price."""
    anywhere = st.decimals(0, 2000, places=2).map(lambda d: f"{d:f}")
    if not prices:
        return st.none() | anywhere
    chosen = st.sampled_from(prices)
    exact = chosen.flatmap(lambda p: st.sampled_from(spellings(p)))
    beside = st.tuples(chosen, st.sampled_from([-CENT, CENT])).map(
        lambda pair: f"{max(pair[0] + pair[1], Decimal(0)):f}"
    )
    return st.none() | exact | beside | anywhere


def key_of(sort: str) -> Callable[[Item], Decimal | int]:
    """What a sort orders by: the low price or the sales."""
    return (lambda item: item.price) if sort.startswith("price") else (lambda item: item.sales)


def in_range(item: Item, query: Query) -> bool:
    """The documented rule: start_price <= low price <= end_price, for each bound sent."""
    low = Decimal(query.start) if query.start else None
    high = Decimal(query.end) if query.end else None
    return (low is None or item.price >= low) and (high is None or item.price <= high)


@pytest.mark.parametrize("name", list(DIALECTS))
@SETTINGS
@given(data=st.data())
def test_results_honour_the_category_the_price_bounds_and_the_sort_and_pages_partition_them(
    catalog: Any, http: httpx.Client, name: str, data: st.DataObject
) -> None:
    dialect = DIALECTS[name]
    url = catalog.offers[data.draw(st.integers(0, len(catalog.offers) - 1), label="offer")].pic_url
    everything = every_page(dialect, http, url, Query(), spelling="", size=50)
    cats = sorted({cat for item in everything for cat in item.cats})
    cat = data.draw(st.none() | st.sampled_from(cats) | st.just(NO_SUCH_CATEGORY), label="cat")
    unfiltered = (
        every_page(dialect, http, url, Query(cat), spelling="", size=50) if cat else everything
    )
    prices = sorted({item.price for item in unfiltered})
    start, end = data.draw(bounds(prices), label="start"), data.draw(bounds(prices), label="end")
    if start is not None and end is not None and Decimal(start) > Decimal(end):
        start, end = end, start
    sort = data.draw(st.sampled_from(SORTS), label="sort")
    spelling = data.draw(st.sampled_from(dialect.sorts[sort]), label="spelling")
    # Shrinks towards 50: a small page size means many requests for each example.
    size = data.draw(st.integers(0, 49).map(lambda n: 50 - n), label="page_size")
    query = Query(cat, sort, start, end)

    found = every_page(dialect, http, url, query, spelling=spelling, size=size)

    for item in found:
        assert cat is None or cat in item.cats, item
        assert start is None or item.price >= Decimal(start), item
        assert end is None or item.price <= Decimal(end), item
    if sort != "relevance":
        keys = [key_of(sort)(item) for item in found]
        assert keys == sorted(keys, reverse=sort.endswith("desc"))
    kept = [item for item in unfiltered if in_range(item, query)]
    if sort != "relevance":  # stable: ties keep relevance order
        kept.sort(key=key_of(sort), reverse=sort.endswith("desc"))
    assert [item.num_iid for item in found] == [item.num_iid for item in kept]


@pytest.mark.parametrize("name", list(DIALECTS))
def test_a_bound_equal_to_an_offers_low_price_keeps_that_offer(
    catalog: Any, http: httpx.Client, name: str
) -> None:
    dialect = DIALECTS[name]
    url = catalog.offers[0].pic_url
    found = every_page(dialect, http, url, Query(), spelling="", size=50)
    offer = next(item for item in found if item.price != item.price.to_integral_value())
    price = f"{offer.price:f}"  # e.g. "29.90": the bound and the price agree to the cent
    for query in (Query(start=price), Query(end=price), Query(start=price, end=price)):
        found = every_page(dialect, http, url, query, spelling="", size=50)
        assert offer.num_iid in [item.num_iid for item in found], query
    exact = every_page(dialect, http, url, Query(start=price, end=price), spelling="", size=50)
    assert {item.price for item in exact} == {offer.price}


# -- the search caches -------------------------------------------------------------------


def test_the_search_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    made: list[str] = []

    def make(key: str) -> Callable[[], str]:
        def value() -> str:
            made.append(key)
            return key.upper()

        return value

    cache = _Lru(2)
    assert cache.get_or_make("a", make("a")) == "A"
    assert cache.get_or_make("b", make("b")) == "B"
    assert cache.get_or_make("a", make("a")) == "A"  # a hit: "a" is now the most recent
    assert made == ["a", "b"]
    cache.get_or_make("c", make("c"))  # over the bound: "b", the least recent, goes
    assert ("a" in cache, "b" in cache, "c" in cache) == (True, False, True)
    assert cache.get_or_make("b", make("b")) == "B"  # made again; "a" goes now
    assert made == ["a", "b", "c", "b"]
    assert ("a" in cache, "b" in cache, "c" in cache) == (False, True, True)
    cache.clear()
    assert ("b" in cache, "c" in cache) == (False, False)


@pytest.mark.parametrize(
    ("price", "low"),
    [("12.50", "12.50"), ("12.50-18.00", "12.50"), (" 3 - 4", "3"), ("", "0"), ("-5", "0")],
)
def test_the_low_price_is_a_ranges_first_end(price: str, low: str) -> None:
    assert low_price(price) == Decimal(low)


@pytest.mark.parametrize("price", ["面议", "1,290.00", "abc-12", "NaN", "sNaN", "Infinity"])
def test_an_unreadable_price_sorts_as_zero(price: str) -> None:
    assert low_price(price) == 0


@pytest.mark.parametrize("name", DIALECTS)
def test_the_total_is_every_match_past_two_hundred(
    catalog: Any, http: httpx.Client, name: str
) -> None:
    # A photo matching many offers: the total is all of them, not a page's or a default's worth.
    counts = {i: len(catalog.search(catalog.fingerprint_of(o), limit=4000))
              for i, o in enumerate(catalog.offers[:200])}  # fmt: skip
    busiest = max(counts, key=counts.__getitem__)
    assert counts[busiest] > 200
    url = catalog.offers[busiest].pic_url
    page = DIALECTS[name].search(http, url, Query(), "", number=1, size=50)
    assert page.total == counts[busiest]
