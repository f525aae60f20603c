"""The Open Platform's wire rules: signing against the published check, the SDK's
values and an independent ``hmac`` reference; paths; JSON params."""

import hashlib
import hmac
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pailitao.wire import aop

PUBLISHED_PATH = "param2/1/system/currentTime/1000000"


def reference_aop_sign(path: str, params: dict[str, str], secret: str) -> str:
    """Written straight from the platform's recipe, sharing no code with pailitao.wire.aop."""
    joined = sorted(key + value for key, value in params.items() if key != "_aop_signature")
    message = (path + "".join(joined)).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).hexdigest().upper()


def test_published_check_value() -> None:
    assert aop.sign(PUBLISHED_PATH, {"b": "2", "a": "1"}, "test123") == (
        "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"
    )


def test_a_key_that_prefixes_another_sorts_as_the_sdk_does() -> None:
    # 'pageSize20' < 'pagex', though 'page' < 'pageSize': the SDK wnaop signs this as below.
    params = {"page": "x", "pageSize": "20"}
    assert aop.canonical_string("param2/1/x/y/test_app_key", params) == (
        "param2/1/x/y/test_app_keypageSize20pagex"
    )
    assert aop.sign("param2/1/x/y/test_app_key", params, "test_app_secret") == (
        "4B040BB49D634928A44EF04491D18C7B36013063"
    )


def test_a_request_the_sdk_sent_verifies() -> None:
    # Captured from wnaop 0.2.0 uploading through a stub server.
    params = {
        "access_token": "test_access_token",
        "uploadImageParam": '{"imageBase64":"iVBORyBmYWtl","outMemberId":"member-1"}',
        "_aop_signature": "721D5663EA66E37780FF32DB51C69E50655E3D0A",
    }
    path = "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.image.upload/test_app_key"
    assert aop.verify(path, params, "test_app_secret")
    assert not aop.verify(path, params, "another_secret")


def test_the_path_may_start_with_a_slash_or_openapi() -> None:
    expected = aop.sign(PUBLISHED_PATH, {"a": "1"}, "s")
    assert aop.sign("/" + PUBLISHED_PATH, {"a": "1"}, "s") == expected
    assert aop.sign("/openapi/" + PUBLISHED_PATH, {"a": "1"}, "s") == expected


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
param_dicts = st.dictionaries(text.filter(bool), text, max_size=8)


@given(param_dicts, text, text.filter(bool))
def test_sign_equals_the_reference_for_any_params(
    params: dict[str, str], path: str, secret: str
) -> None:
    signed_path = "param2/1/" + path
    assert aop.sign(signed_path, params, secret) == reference_aop_sign(signed_path, params, secret)


@given(param_dicts, text.filter(bool))
def test_verify_accepts_its_own_sign_in_either_case_and_nothing_else(
    params: dict[str, str], secret: str
) -> None:
    signature = aop.sign(PUBLISHED_PATH, params, secret)
    assert aop.verify(PUBLISHED_PATH, {**params, "_aop_signature": signature.lower()}, secret)
    assert not aop.verify(PUBLISHED_PATH, {**params, "_aop_signature": "0" * 40}, secret)
    assert not aop.verify(PUBLISHED_PATH, params, secret)  # no signature at all


def test_file_parts_and_none_are_not_signed_and_other_values_are_text() -> None:
    with_extras = {"a": "1", "file": b"\xff\xd8", "gone": None}
    assert aop.canonical_string(PUBLISHED_PATH, with_extras) == PUBLISHED_PATH + "a1"
    assert aop.canonical_string(PUBLISHED_PATH, {"n": 3, "t": True}) == PUBLISHED_PATH + "n3ttrue"
    with pytest.raises(TypeError, match="cannot sign a value of type dict"):
        aop.sign(PUBLISHED_PATH, {"o": {"a": 1}}, "s")


def test_an_empty_value_is_signed_as_its_bare_key() -> None:
    assert aop.canonical_string(PUBLISHED_PATH, {"b": "", "a": "1"}) == PUBLISHED_PATH + "a1b"


def test_paths_parse_back_to_the_api_they_name() -> None:
    path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, "test_app_key")
    assert path.signed == (
        "param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/test_app_key"
    )
    assert path.api == "com.alibaba.fenxiao.crossborder:product.search.imageQuery"
    assert path.url("http://127.0.0.1:8688/openapi/") == (
        "http://127.0.0.1:8688/openapi/" + path.signed
    )
    assert aop.parse_path("/openapi/" + path.signed) == path
    assert aop.parse_path(path.signed) == path


@pytest.mark.parametrize(
    "path",
    [
        "/openapi/router/rest",
        "/openapi/param2/1/ns/name",  # no app key
        "/openapi/param2/1/ns/name/key/extra",
        "/openapi/param2//ns/name/key",
        "/openapi/json2/1/ns/name/key",
        "/",
    ],
)
def test_other_paths_name_no_api(path: str) -> None:
    assert aop.parse_path(path) is None


def test_object_params_are_compact_json_with_unicode_kept() -> None:
    text = aop.encode_param({"imageId": "123", "country": "en", "keyword": "鞋"})
    assert text == '{"imageId":"123","country":"en","keyword":"鞋"}'
    assert json.loads(text)["keyword"] == "鞋"


def test_params_left_out_of_the_signature_do_not_end_it() -> None:
    """The signature, ``None`` and file parts are skipped wherever they stand."""
    params: dict[str, object] = {
        "_aop_signature": "ABC",
        "gone": None,
        "file": b"\xff\xd8",
        "photo": io.BytesIO(b"\xff\xd8"),
        "b": "2",
        "a": "1",
    }
    assert aop.canonical_string(PUBLISHED_PATH, params) == PUBLISHED_PATH + "a1b2"
    assert aop.sign(PUBLISHED_PATH, params, "s") == aop.sign(
        PUBLISHED_PATH, {"a": "1", "b": "2"}, "s"
    )


def test_booleans_are_signed_as_lower_case_words() -> None:
    """``True`` and ``False`` sign as ``true`` and ``false``."""
    assert aop.canonical_string(PUBLISHED_PATH, {"f": False, "t": True}) == (
        PUBLISHED_PATH + "ffalsettrue"
    )


def test_a_path_neither_rooted_nor_under_openapi_is_signed_as_given() -> None:
    """Only leading slashes and the ``/openapi/`` prefix are dropped from the signed path."""
    assert aop.canonical_string("X/param2/1/ns/name/KEY", {"a": "1"}) == (
        "X/param2/1/ns/name/KEYa1"
    )


@pytest.mark.parametrize("signature", [1234, b"ABC", ["ABC"]])
def test_verify_refuses_a_signature_that_is_not_text(signature: object) -> None:
    """A signature of another type is simply not valid."""
    assert not aop.verify(PUBLISHED_PATH, {"a": "1", "_aop_signature": signature}, "s")


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("http://gw.example/PREFIX", "http://gw.example/PREFIX/param2/1/ns/name/KEYX"),
        ("http://gw.example/PREFIX//", "http://gw.example/PREFIX/param2/1/ns/name/KEYX"),
    ],
)
def test_a_url_drops_only_the_base_url_s_trailing_slashes(base_url: str, url: str) -> None:
    """The base URL keeps every character but its trailing slashes."""
    assert aop.ApiPath("ns", "name", "KEYX").url(base_url) == url


def test_a_path_s_segments_are_kept_whole() -> None:
    """Only slashes are stripped from a path's ends, never a segment's characters."""
    assert aop.parse_path("/openapi/param2/1/ns/name/KEYX/") == aop.ApiPath("ns", "name", "KEYX")
