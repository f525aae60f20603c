"""The catalog's offers as flat buffers: each offer comes back as it went in."""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager, nullcontext
from unittest import mock

import pytest
from fake1688.catalog import table
from fake1688.catalog.offer import Offer, low_price
from fake1688.catalog.table import KeyIndex, OfferTable, Packed
from hypothesis import given
from hypothesis import strategies as st

texts = st.text(max_size=30)  # any code point: quotes, backslashes, controls, CJK
offers = st.builds(
    Offer,
    num_iid=texts,
    title=texts,
    price=st.one_of(
        texts, st.from_regex(r"[0-9]{1,4}\.[0-9]{2}(-[0-9]{1,4}\.[0-9]{2})?", fullmatch=True)
    ),
    promotion_price=st.none() | texts,
    sales=st.integers(0, 2**62),
    seller_nick=texts,
    area=texts,
    turn_head=texts,
    cat=texts,
    cat_name=texts,
    pic_url=texts,
    detail_url=texts,
)


@given(st.lists(offers, max_size=8))
def test_each_offer_comes_back_as_it_went_in(given_offers: list[Offer]) -> None:
    table = OfferTable(given_offers)
    assert len(table) == len(given_offers)
    assert list(table) == given_offers
    for row, offer in enumerate(given_offers):
        assert json.loads(table.items[row]) == offer.payload()  # the item a search sends
        assert table.num_iid(row) == offer.num_iid
        assert table.low_prices[row] == float(low_price(offer.price))
        assert table.sales[row] == offer.sales


@given(st.lists(offers, min_size=1, max_size=5), st.data())
def test_an_offer_table_indexes_as_a_tuple_does(
    given_offers: list[Offer], data: st.DataObject
) -> None:
    table, expected = OfferTable(given_offers), tuple(given_offers)
    row = data.draw(st.integers(-len(expected), len(expected) - 1))
    assert table[row] == expected[row]
    part = data.draw(st.slices(len(expected)))
    assert table[part] == expected[part]
    with pytest.raises(IndexError):
        table[len(expected)]


def test_the_columns_are_read_only() -> None:
    table = OfferTable([])
    for column in (table.low_prices, table.sales):
        with pytest.raises(ValueError, match="read-only"):
            column[:] = 0


@given(st.lists(st.binary(max_size=20), max_size=10), st.data())
def test_packed_bytes_behave_as_the_list(parts: list[bytes], data: st.DataObject) -> None:
    packed = Packed(parts)
    assert len(packed) == len(parts)
    assert list(packed) == parts
    if parts:
        row = data.draw(st.integers(-len(parts), len(parts) - 1))
        assert packed[row] == parts[row]
    part = data.draw(st.slices(len(parts)))
    assert packed[part] == parts[part]
    rows = data.draw(st.lists(st.integers(0, len(parts) - 1), max_size=6)) if parts else []
    assert packed.join(rows) == b",".join(parts[r] for r in rows)
    for outside in (len(parts), -len(parts) - 1):
        with pytest.raises(IndexError):
            packed[outside]


keys = st.lists(st.text(max_size=12), unique=True, max_size=12)


def weak_hash(key: bytes) -> int:
    return len(key)  # many collisions: the keys themselves must tell rows apart


def hashed(how: str) -> AbstractContextManager[object]:
    """Keys hashed as the index does, or with colliding hashes."""
    return mock.patch.object(table, "_hash", weak_hash) if how == "colliding" else nullcontext()


@pytest.mark.parametrize("how", ["blake2b", "colliding"])
@given(given_keys=keys, other=st.text(max_size=12))
def test_a_key_index_finds_each_keys_row(given_keys: list[str], other: str, how: str) -> None:
    with hashed(how):
        index = KeyIndex(Packed(k.encode() for k in given_keys), "num_iid")
        for row, key in enumerate(given_keys):
            assert index.get(key) == row
        assert index.get(other) == (given_keys.index(other) if other in given_keys else None)
        assert index.get("\ud800") is None  # no stored key holds a lone surrogate


@pytest.mark.parametrize("how", ["blake2b", "colliding"])
@given(given_keys=keys.filter(bool), data=st.data())
def test_a_key_index_refuses_a_key_twice(
    given_keys: list[str], data: st.DataObject, how: str
) -> None:
    twice = data.draw(st.sampled_from(given_keys))
    position = data.draw(st.integers(0, len(given_keys)))
    listed = [*given_keys[:position], twice, *given_keys[position:]]
    with (
        hashed(how),
        pytest.raises(ValueError, match=f"two offers share the pic_url {re.escape(repr(twice))}"),
    ):
        KeyIndex(Packed(k.encode() for k in listed), "pic_url")
