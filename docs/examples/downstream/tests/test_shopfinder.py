"""shopfinder's tests: the same tests run against the fake, cassettes or the live API.

pytest                          # the in-process fake (default)
pytest --pailitao-mode=replay   # the cassettes in tests/cassettes/1688/
"""

from decimal import Decimal
from pathlib import Path

import pytest
from shopfinder import cheapest_sources

from pailitao import InvalidArgumentsError

PHOTO = (Path(__file__).parent / "photos" / "handbag.jpg").read_bytes()


def test_sources_are_cheapest_first_and_under_budget(pailitao_client):
    offers = cheapest_sources(pailitao_client, PHOTO, max_price=Decimal("80"))
    assert offers, "the photo should find offers"
    prices = [offer.price for offer in offers]
    assert prices == sorted(prices)
    assert all(price <= 80 for price in prices)
    assert all(offer.link.startswith("https://detail.1688.com/offer/") for offer in offers)


def test_a_tight_budget_returns_fewer_offers(pailitao_client):
    generous = cheapest_sources(pailitao_client, PHOTO, max_price=Decimal("500"), limit=50)
    tight = cheapest_sources(pailitao_client, PHOTO, max_price=Decimal("20"), limit=50)
    assert len(tight) <= len(generous)


def test_an_unknown_image_id_is_refused(pailitao_client):
    with pytest.raises(InvalidArgumentsError) as caught:
        pailitao_client.search_image(imgid="https://cbu01.alicdn.com/img/ibank/O1CN01none.jpg")
    assert caught.value.code == 41


@pytest.mark.pailitao(mode="fake")
def test_the_fake_journal_shows_what_was_sent(pailitao_client, pailitao_fake):
    cheapest_sources(pailitao_client, PHOTO, max_price=Decimal("80"))
    sent = [entry.params for entry in pailitao_fake.journal]
    assert [params["page"] for params in sent] == ["1", "2"][: len(sent)]
    assert all(params["sort"] == "price_asc" for params in sent)
