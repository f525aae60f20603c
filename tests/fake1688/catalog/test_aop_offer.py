"""The AOP imageQuery offer: the documented shape, English titles from the vocabulary,
values that hang together, and the same bytes on every call for any record."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake1688.catalog import vocab
from fake1688.catalog.aop_offer import (
    _ENGLISH,
    _ENGLISH_IN,
    _SUBCATEGORIES,
    aop_offer,
    english_title,
)
from fake1688.catalog.dice import Dice
from fake1688.catalog.offer import Offer
from hypothesis import given
from hypothesis import strategies as st

from pailitao.wire.aop import COUNTRIES

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "data/payloads/aop_1688_product.search.imageQuery_doc_output_example.json"
)
DOCUMENTED: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))["result"]["result"][
    "data"
][0]
OFFERS = vocab.generate(0, 300)
PRICE = re.compile(r"[0-9]+\.[0-9]{2}")
TEE = Offer(
    num_iid="620201390233",
    title="2024新款韩版宽松纯棉短袖T恤女一件代发",
    price="12.50-18.00",
    promotion_price="11.00",
    sales=300,
    seller_nick="杭州市鑫达服饰有限公司",
    area="杭州",
    turn_head="15%",
    cat="10166",
    cat_name="服装",
    pic_url="https://cbu01.alicdn.com/img/ibank/O1CN01Tee0000000000000000000_!!2200000001-0-cib.jpg",
    detail_url="https://detail.1688.com/offer/620201390233.html",
)


def translation(cat: str, word: str) -> str:
    return _ENGLISH_IN.get((cat, word)) or _ENGLISH[word]


def assert_same_shape(actual: object, documented: object, path: str = "offer") -> None:
    """Same keys in the same order, same JSON types (bool is not int), all the way down."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), path
        assert list(actual) == list(documented), path
        for key, value in documented.items():
            assert_same_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(actual, list), path
        for index, item in enumerate(actual):
            assert_same_shape(item, documented[0], f"{path}[{index}]")
    else:
        assert type(actual) is type(documented), f"{path}: {actual!r} vs {documented!r}"


# -- English titles ------------------------------------------------------------------------

SLOT_WORDS = sorted(
    {(c.cat, word) for c in vocab.CATEGORIES for slot in c.slots for word in slot if word}
    | {(c.cat, word) for c in vocab.CATEGORIES for word in vocab._YEAR if word}
)


@pytest.mark.parametrize(("cat", "word"), SLOT_WORDS)
def test_every_slot_word_has_real_english(cat: str, word: str) -> None:
    english = translation(cat, word)
    assert english, word
    assert english.isascii(), english
    assert english.isprintable(), english
    assert english == english.strip(), english
    assert "  " not in english, english
    if not word.isascii():
        assert english != word


@pytest.mark.parametrize("cat", list(vocab.CATEGORIES), ids=lambda c: c.cat)
def test_titles_translate_word_by_word_in_slot_order(cat: vocab.Category) -> None:
    dice = Dice(f"titles:{cat.cat}")
    for _ in range(300):
        words = [dice.pick(slot) for slot in cat.slots]
        offer = replace(TEE, cat=cat.cat, title="".join(words))
        expected = " ".join(translation(cat.cat, word) for word in words if word)
        assert english_title(offer) == expected


def test_every_generated_offer_has_an_english_title() -> None:
    for offer in OFFERS:
        title = english_title(offer)
        assert title is not None, offer.title
        assert title.isascii(), title
        assert title == title.strip(), title
        assert "  " not in title, title


@pytest.mark.parametrize(
    ("cat", "title"),
    [
        ("10166", "手工定制陶瓷茶杯"),  # no word of the vocabulary
        ("10166", TEE.title + "包邮"),  # vocabulary words, then a stranger
        ("10166", "纯棉短袖T恤"),  # two slots in order, but a mandatory one left out
        ("10166", "短袖T恤纯棉女"),  # the right words in the wrong order
        ("1038378", TEE.title),  # another category's words
        ("999", TEE.title),  # a category the vocabulary does not know
        ("10166", ""),
    ],
)
def test_a_title_outside_the_vocabulary_has_no_english(cat: str, title: str) -> None:
    offer = replace(TEE, cat=cat, title=title)
    assert english_title(offer) is None
    assert aop_offer(offer, "en")["subjectTrans"] == title


def test_a_word_means_what_it_means_in_its_category() -> None:
    snack = replace(TEE, cat="1046", title="香辣休闲花生")
    sneaker = replace(TEE, cat="1038378", title="休闲真皮小白鞋")
    assert english_title(snack) == "Spicy Snack Peanuts"
    assert english_title(sneaker) == "Casual Genuine Leather White Sneakers"


# -- one offer, exactly --------------------------------------------------------------------


def test_a_hand_built_offer_in_full() -> None:
    item = aop_offer(TEE, "en")
    assert english_title(TEE) == (
        "2024 New Korean Style Loose Cotton Short-Sleeve T-Shirt Women's Dropshipping"
    )
    assert item["subjectTrans"] == english_title(TEE)
    assert item["subject"] == TEE.title
    assert item["imageUrl"] == TEE.pic_url
    assert item["offerId"] == 620201390233
    price_info = item["priceInfo"]
    assert isinstance(price_info, dict)
    assert price_info["price"] == "12.50"
    assert price_info["promotionPrice"] == "11.00"
    assert item["monthSold"] == 300
    assert item["sales7d"] == "70"
    assert item["repurchaseRate"] == "15%"
    assert item["promotionModel"] == {"hasPromotion": True, "promotionType": "plus"}
    assert (item["topCategoryId"], item["secondCategoryId"], item["thirdCategoryId"]) == (
        10166,
        1031910,
        127380009,
    )
    assert item["companyName"] == "杭州市鑫达服饰有限公司"
    assert item["companyAddress"] == "浙江省杭州市"
    assert item["traceInfo"] == "object_id@620201390233^object_type@offer"
    # Drawn values, pinned: a change here changes every machine's answers.
    assert item["token"] == "W1UvkOLDWzgJBc9nK2igbLjNYDiOKV0nX51"
    assert (item["createDate"], item["modifyDate"]) == (
        "2024-06-06 07:27:57",
        "2026-06-21 11:49:06",
    )


def test_one_seller_has_one_record_whatever_the_offer() -> None:
    other = replace(TEE, num_iid="620201390234", title="法式雪纺连衣裙女士")
    stranger = replace(other, seller_nick="广州市恒源服饰有限公司")
    seller_fields = ("sellerIdentities", "sellerDataInfo", "invoiceInfo")
    mine, theirs = aop_offer(TEE, "en"), aop_offer(other, "en")
    assert [mine[key] for key in seller_fields] == [theirs[key] for key in seller_fields]
    assert mine["token"] != theirs["token"]  # the offer's own draws still differ
    elsewhere = aop_offer(stranger, "en")
    assert [elsewhere[key] for key in seller_fields] != [mine[key] for key in seller_fields]


def test_skipped_slots_leave_no_gaps() -> None:
    offer = replace(TEE, title="法式雪纺连衣裙女士")
    assert english_title(offer) == "French Style Chiffon Dress Ladies'"


def test_every_country_gets_the_english_title() -> None:
    answers = {aop_offer(TEE, country)["subjectTrans"] for country in sorted(COUNTRIES)}
    assert answers == {english_title(TEE)}


# -- the catalog ---------------------------------------------------------------------------


def test_shape_of_every_generated_offer() -> None:
    for offer in OFFERS:
        assert_same_shape(aop_offer(offer, "en"), DOCUMENTED)


def test_the_same_offer_gives_the_same_bytes() -> None:
    for offer in OFFERS:
        first, second = aop_offer(offer, "en"), aop_offer(offer, "en")
        assert first == second
        assert json.dumps(first, ensure_ascii=False) == json.dumps(second, ensure_ascii=False)


def test_offers_draw_apart() -> None:
    tokens = {aop_offer(offer, "en")["token"] for offer in OFFERS}
    assert len(tokens) == len(OFFERS)


def test_values_hang_together() -> None:
    for offer in OFFERS:
        item = aop_offer(offer, "en")
        prices = item["priceInfo"]
        assert isinstance(prices, dict)
        assert all(PRICE.fullmatch(value) for value in prices.values()), prices
        price = float(prices["price"])
        assert prices["price"] == offer.price.split("-")[0]
        assert float(prices["consignPrice"]) >= price
        assert float(prices["pfJxhyPrice"]) <= float(prices["jxhyPrice"]) <= price
        assert float(prices["promotionPrice"]) <= price
        assert str(item["modifyDate"]) >= str(item["createDate"]) >= "2022-01-01 00:00:00"
        assert str(item["modifyDate"]) < "2026-12-01 00:00:00"
        assert item["monthSold"] == offer.sales
        assert item["companyName"] == offer.seller_nick
        assert str(item["promotionURL"]).startswith(offer.detail_url + "?fromkv=refer:")
        assert item["offerId"] == int(offer.num_iid)
        assert item["topCategoryId"] == int(offer.cat)
        assert abs(int(str(item["sales7d"])) - offer.sales * 7 / 30) <= 0.5
        assert re.fullmatch(r"[A-Za-z0-9]{35}", str(item["token"]))
        assert 3.5 <= float(str(item["tradeScore"])) <= 5.0
        quantity = item["minOrderQuantity"]
        assert isinstance(quantity, int)
        assert quantity >= 1
        assert quantity == 1 or not item["isOnePsale"]


def noun_slot(cat: vocab.Category) -> int:
    """The slot that names the product: its words are the category table's keys."""
    table = _SUBCATEGORIES[cat.cat]
    found = [i for i, slot in enumerate(cat.slots) if set(slot) == set(table)]
    assert len(found) == 1, cat.cat
    return found[0]


@pytest.mark.parametrize("cat", list(vocab.CATEGORIES), ids=lambda c: c.cat)
def test_the_same_product_sits_in_the_same_category_branch(cat: vocab.Category) -> None:
    dice = Dice(f"branches:{cat.cat}")
    slot = noun_slot(cat)
    branches: dict[str, set[tuple[object, object]]] = defaultdict(set)
    for n in range(200):  # each with its own offerId, so its own draws
        words = [dice.pick(words) for words in cat.slots]
        offer = replace(TEE, num_iid=f"7{n:011d}", cat=cat.cat, title="".join(words))
        item = aop_offer(offer, "en")
        branches[words[slot]].add((item["secondCategoryId"], item["thirdCategoryId"]))
    assert set(branches) == set(cat.slots[slot])  # every product of the category was seen
    assert all(len(ids) == 1 for ids in branches.values()), branches
    thirds = [ids.pop()[1] for ids in branches.values()]
    assert len(set(thirds)) == len(thirds)  # different products, different leaves


@pytest.mark.parametrize("city", sorted({city for c in vocab.CATEGORIES for city in c.cities}))
def test_every_city_has_its_province(city: str) -> None:
    address = str(aop_offer(replace(TEE, area=city), "en")["companyAddress"])
    assert city in address
    assert re.match(r"^(..省|.+自治区|上海市)", address), address


def test_an_unknown_city_is_its_own_address() -> None:
    assert aop_offer(replace(TEE, area="阿拉善"), "en")["companyAddress"] == "阿拉善"


def test_a_record_outside_the_vocabulary() -> None:
    offer = replace(TEE, num_iid="abc", cat="x9", title="手工定制陶瓷茶杯", price="面议")
    item = aop_offer(offer, "en")
    assert (item["offerId"], item["topCategoryId"]) == (0, 0)
    assert item["subjectTrans"] == "手工定制陶瓷茶杯"
    assert isinstance(item["secondCategoryId"], int)
    assert isinstance(item["thirdCategoryId"], int)
    assert item == aop_offer(offer, "en")
    assert_same_shape(item, DOCUMENTED)


def test_lone_surrogates_in_every_field() -> None:
    odd = "\ud800"
    offer = Offer(odd, odd, odd, odd, 1, odd, odd, odd, odd, odd, odd, odd)
    item = aop_offer(offer, "en")
    assert item == aop_offer(offer, "en")
    assert json.loads(json.dumps(item, ensure_ascii=False)) == item


# -- any record ----------------------------------------------------------------------------

# Any text at all, lone surrogates included: JSON text can carry them into a record.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
TITLES = st.one_of(ANY_TEXT, st.sampled_from([o.title for o in OFFERS]))
RECORDS = st.builds(
    Offer,
    num_iid=st.one_of(ANY_TEXT, st.integers(0, 10**25).map(str)),
    title=TITLES,
    price=st.one_of(
        ANY_TEXT, st.from_regex(r"[0-9]{1,14}(\.[0-9]{1,4})?(-[0-9.]{1,8})?", fullmatch=True)
    ),
    promotion_price=st.one_of(st.none(), ANY_TEXT),
    sales=st.integers(),
    seller_nick=ANY_TEXT,
    area=ANY_TEXT,
    turn_head=ANY_TEXT,
    cat=st.one_of(ANY_TEXT, st.sampled_from([c.cat for c in vocab.CATEGORIES])),
    cat_name=ANY_TEXT,
    pic_url=ANY_TEXT,
    detail_url=ANY_TEXT,
)


@given(RECORDS)
def test_any_record_gives_a_documented_offer(offer: Offer) -> None:
    item = aop_offer(offer, "en")
    assert json.loads(json.dumps(item, ensure_ascii=False)) == item
    assert_same_shape(item, DOCUMENTED)
    assert 0 <= int(str(item["offerId"])) < 2**63
    prices = item["priceInfo"]
    assert isinstance(prices, dict)
    assert all(PRICE.fullmatch(value) for value in prices.values()), prices
    assert Decimal(prices["consignPrice"]) >= Decimal(prices["price"])
    assert item == aop_offer(offer, "en")
