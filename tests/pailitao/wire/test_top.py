"""The TOP router's wire facts: where an answer sits, named as TOP names it."""

import pytest

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
