"""The public strategies: parser-accepted, schema-valid, verifiable, decodable."""

import hashlib
import hmac
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pailitao import (
    ApiError,
    RateLimitError,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from pailitao.contract.check import check_recorded
from pailitao.contract.sources import Recorded
from pailitao.images import sniff_format
from pailitao.models import Item
from pailitao.strategies import (
    ERROR_CODES,
    IMAGE_FORMATS,
    error_payloads,
    images,
    items,
    search_pages,
    search_payloads,
    signed_params,
    upload_payloads,
)
from pailitao.wire import signing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference" / "strategies.md"


def failures(payload: dict[str, Any]) -> list[str]:
    """Every contract check (schema and parser) on a payload, as report lines."""
    raw = json.dumps(payload, ensure_ascii=False)
    return [str(f) for f in check_recorded(Recorded("drawn", 0, raw))]


@given(search_payloads())
def test_search_payloads_pass_schema_and_parser(payload: dict[str, Any]) -> None:
    assert failures(payload) == []
    page = parse_search_response(payload)
    body = payload["1688_items_search_img_response"]["items"]
    assert [item.num_iid for item in page.items] == [i["num_iid"] for i in body["item"]]
    assert page.page_count == -(-body["total_results"] // body["page_size"])


@given(search_payloads(envelope="reseller"))
def test_reseller_search_payloads_parse(payload: dict[str, Any]) -> None:
    page = parse_search_response(payload)
    assert len(page.items) == len(payload["items"]["item"])


@given(st.sampled_from(["top", "reseller"]).flatmap(upload_payloads))
def test_upload_payloads(payload: dict[str, Any]) -> None:
    assert parse_upload_response(payload).startswith("https://cbu01.alicdn.com/img/ibank/")
    if "1688_upload_img_response" in payload:
        assert failures(payload) == []


@given(error_payloads())
def test_error_payloads_pass_schema_and_parse_to_their_code(payload: dict[str, Any]) -> None:
    assert failures(payload) == []
    error = parse_error_response(payload)
    assert isinstance(error, ApiError)
    assert error.code in ERROR_CODES


@given(error_payloads(codes={7}))
def test_rate_limits_say_how_long(payload: dict[str, Any]) -> None:
    error = parse_error_response(payload)
    assert isinstance(error, RateLimitError)
    sub_code = payload["error_response"].get("sub_code")
    assert sub_code is None or sub_code.startswith("accesscontrol.limited-by-")
    if sub_code:
        assert error.retry_after is not None


@given(items())
def test_items_round_trip_through_the_model(payload: dict[str, Any]) -> None:
    item = Item.model_validate(payload)
    assert Item.model_validate(item.to_payload()) == item


@given(search_pages(min_items=1, max_items=3, page=1, item_strategy=items(ranges=False, optional=False, extras=False)))  # fmt: skip
def test_narrowed_pages(body: dict[str, Any]) -> None:
    assert body["page"] == 1
    assert 1 <= len(body["item"]) <= 3
    for item in body["item"]:
        assert "-" not in item["price"]
        assert set(item) >= {"detail_url", "sales", "seller_nick", "area", "turnHead", "cat"}
        assert not [key for key in item if key.startswith("x_")]


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="0 <= min_items <= max_items <= 50"):
        search_pages(max_items=51)
    with pytest.raises(ValueError, match="envelope must be 'top' or 'reseller', not 'xml'"):
        search_payloads(envelope="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="codes must name at least one error code"):
        error_payloads(codes=[])
    with pytest.raises(ValueError, match="secret must be a non-empty string"):
        signed_params("")
    with pytest.raises(ValueError, match="format must be one of jpeg, png, gif, bmp, webp"):
        images(format="tiff")


def reference_string(params: dict[str, str]) -> str:
    """The TOP string to sign as api-notes §2.1 publishes it, written out here on purpose.

    Every param but ``sign`` whose value is not empty, sorted by key, joined as
    ``k1v1k2v2…``. Independent of ``pailitao.wire.signing``, so a bug there
    cannot hide itself.
    """
    return "".join(key + value for key, value in sorted(params.items()) if key != "sign" and value)


def reference_sign(params: dict[str, str], secret: str) -> str:
    """``md5``: MD5(secret + s + secret); ``hmac``: HMAC-MD5; ``hmac-sha256``: HMAC-SHA256.

    The key is the secret; upper-case hex; ``sign_method`` absent is ``md5``.
    """
    message, key = reference_string(params).encode("utf-8"), secret.encode("utf-8")
    method = params.get("sign_method") or "md5"
    if method == "md5":
        return hashlib.md5(key + message + key).hexdigest().upper()
    digest = {"hmac": hashlib.md5, "hmac-sha256": hashlib.sha256}[method]
    return hmac.new(key, message, digest).hexdigest().upper()


def test_the_reference_string_is_the_platforms_worked_example() -> None:
    params = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4", "sign": "X", "empty": ""}
    assert reference_string(params) == "bar2foo1foo_bar3foobar4"


@given(signed_params(secret="test_app_secret"))
def test_signed_params_carry_the_reference_signature(params: dict[str, str]) -> None:
    assert params["sign"].upper() == reference_sign(params, "test_app_secret")
    assert params["sign"].upper() != reference_sign(params, "another_secret")
    assert signing.verify(params, "test_app_secret")
    assert not signing.verify(params, "another_secret")
    signing.parse_timestamp(params["timestamp"])


@given(signed_params(secret="s3cr3t", method="1688.upload.img", app_key="12345678"))
def test_signed_params_for_one_method_and_app(params: dict[str, str]) -> None:
    assert (params["method"], params["app_key"]) == ("1688.upload.img", "12345678")
    assert params["sign"].upper() == reference_sign(params, "s3cr3t")


@given(st.sampled_from(IMAGE_FORMATS).flatmap(lambda f: st.tuples(st.just(f), images(format=f))))
def test_images_decode_as_their_format(drawn: tuple[str, bytes]) -> None:
    kind, data = drawn
    assert sniff_format(data) == kind
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        assert max(opened.size) <= 16


def test_docs_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text("utf-8"), re.DOTALL)
    assert blocks, "docs/reference/strategies.md lost its example"
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        test()
