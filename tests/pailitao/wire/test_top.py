"""The TOP router's wire facts: where an answer sits, named as TOP names it."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pailitao.wire import top


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ("taobao.item.get", "item_get_response"),
        ("alibaba.aliqin.fc.sms.num.send", "alibaba_aliqin_fc_sms_num_send_response"),
        ("1688.items.search.img", "1688_items_search_img_response"),
        ("1688.upload.img", "1688_upload_img_response"),
        ("taobaoke.x", "taobaoke_x_response"),  # only a whole leading "taobao." goes
    ],
)
def test_response_keys_follow_top_s_rule(method: str, key: str) -> None:
    assert top.response_key(method) == key


def test_the_image_apis_answer_under_their_keys_and_the_legacy_ones_are_known() -> None:
    assert top.SEARCH_RESPONSE_KEY == "1688_items_search_img_response"
    assert top.UPLOAD_RESPONSE_KEY == "1688_upload_img_response"
    assert dict(top.LEGACY_RESPONSE_KEYS) == {
        "1688_items_search_img_response": "items_search_img_response",
        "1688_upload_img_response": "upload_img_response",
    }


@given(st.binary(min_size=13, max_size=13))
def test_a_request_id_is_one_base32_character_per_byte(entropy: bytes) -> None:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    assert top.request_id(entropy) == "".join(alphabet[byte % 32] for byte in entropy)


def test_a_request_id_without_entropy_is_random_and_wrong_entropy_is_refused() -> None:
    ids = {top.request_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[a-z2-7]{13}", made) for made in ids)
    assert top.request_id(bytes(13)) == "a" * 13
    with pytest.raises(ValueError, match="a request id takes 13 bytes, not 12"):
        top.request_id(bytes(12))
