"""The one redaction rule: what no log line, journal entry or error text shows."""

from __future__ import annotations

import pytest

from pailitao.wire import redaction
from pailitao.wire.redaction import REDACTED, Redaction, mask_app_key

RULE = Redaction(frozenset({"the-app-secret", "the-access-token"}))


@pytest.mark.parametrize(
    "name",
    [
        "sign",
        "_aop_signature",
        "session",
        "access_token",
        "app_secret",
        "secret",
        "password",
        "token",
        "Password",  # names compare without case: a typo still holds the secret
        "ACCESS_TOKEN",
    ],
)
def test_secret_params_are_redacted(name: str) -> None:
    assert RULE.param(name, "s3cr3t-value") == REDACTED
    assert RULE.hides(name, "s3cr3t-value")


def test_a_value_equal_to_a_known_secret_is_redacted_whatever_its_name() -> None:
    assert RULE.param("note", "the-app-secret") == REDACTED
    assert RULE.param("q", "the-access-token") == REDACTED
    assert RULE.param("q", "the-app-secret-and-more") == "the-app-secret-and-more"
    assert not Redaction().hides("note", "")


@pytest.mark.parametrize(
    ("app_key", "masked"),
    [
        ("test_app_key", "test***key"),
        ("abcdefghij", "abcd***hij"),
        ("abcde", "ab***"),
        ("k", "***"),
    ],
)
def test_app_keys_are_masked(app_key: str, masked: str) -> None:
    assert mask_app_key(app_key) == masked
    assert RULE.param("app_key", app_key) == masked
    assert RULE.param("key", app_key) == masked  # the resellers' app key


def test_other_params_are_kept() -> None:
    assert RULE.param("imgid", "https://cbu01.alicdn.com/x.jpg") == "https://cbu01.alicdn.com/x.jpg"
    assert RULE.params([("page", "2"), ("token", "t"), ("key", "test_app_key")]) == [
        ("page", "2"),
        ("token", REDACTED),
        ("key", "test***key"),
    ]


def test_a_query_string_keeps_what_it_may_show_as_sent() -> None:
    query = (
        "key=test_app_key&secret=x%2By&page=2&imgid=https%3A%2F%2Fa.example%2Fb.jpg"
        "&%73ession=abc&flag&note=the-app-secret&note2=the%2Dapp%2Dsecret&empty="
    )
    assert RULE.query(query) == (
        "key=test***key&secret=<redacted>&page=2&imgid=https%3A%2F%2Fa.example%2Fb.jpg"
        "&%73ession=<redacted>&flag&note=<redacted>&note2=<redacted>&empty="
    )
    assert RULE.query("") == ""


def test_text_loses_every_secret_it_quotes() -> None:
    pairs = [
        ("app_secret", "sent-secret-1"),
        ("token", "ab"),
        ("page", "2"),
        ("x", "the-app-secret"),
    ]
    text = (
        "the gateway computed HMAC_SHA1 over 'app_secretsent-secret-1page2tokenabxthe-app-secret'; "
        "'sent-secret-1' again, and the known the-access-token"
    )
    assert RULE.text(text, pairs) == (
        "the gateway computed HMAC_SHA1 over 'app_secret<redacted>page2token<redacted>x<redacted>'; "
        "'<redacted>' again, and the known <redacted>"
    )


def test_text_leaves_short_values_alone_outside_their_param() -> None:
    # "ab" inside ordinary words: replacing it would garble the message and hide nothing.
    assert RULE.text("a table", [("token", "ab")]) == "a table"
    assert RULE.text("nothing secret here", []) == "nothing secret here"


def test_text_finds_a_secret_quoted_with_escapes() -> None:
    pairs = [("password", "line\nbreak-pw")]
    assert RULE.text("password 'line\\nbreak-pw' is odd", pairs) == "password '<redacted>' is odd"


def test_the_rule_never_shows_its_secrets() -> None:
    assert "the-app-secret" not in repr(RULE)
    assert RULE.with_secrets("admin-token-1").secrets == RULE.secrets | {"admin-token-1"}
    assert RULE.with_secrets(None) == RULE


def test_the_documented_names() -> None:
    assert frozenset({
        "sign", "_aop_signature", "session", "access_token", "app_secret", "secret",
        "password", "token",
    }) == redaction.SECRET_PARAMS  # fmt: skip
    assert frozenset({"app_key", "key"}) == redaction.APP_KEY_PARAMS


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/8012345",
            "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/80***",
        ),
        (
            "/openapi/param2/1/ns/name/test_app_key/",
            "/openapi/param2/1/ns/name/test***key/",
        ),
        ("/router/rest", "/router/rest"),
        ("/1688/item_search_img/", "/1688/item_search_img/"),
        ("/openapi/param2/1/ns/name", "/openapi/param2/1/ns/name"),
    ],
)
def test_an_open_platform_path_shows_its_app_key_masked(path: str, shown: str) -> None:
    assert Redaction().path(path) == shown


def test_a_rule_without_secrets_shows_ordinary_values() -> None:
    """With no secrets known, only the param names decide."""
    rule = Redaction()
    assert not rule.hides("note", "any value")
    assert rule.param("note", "any value") == "any value"


def test_a_one_character_secret_is_still_a_secret() -> None:
    """Every non-empty known secret is hidden as a param value, however short."""
    assert Redaction(frozenset({"z"})).param("note", "z") == REDACTED


def test_an_empty_value_is_never_taken_for_a_secret() -> None:
    """An empty secret (an app registered without one) hides no empty value."""
    rule = Redaction(frozenset({"", "the-app-secret"}))
    assert not rule.hides("note", "")
    assert rule.param("note", "") == ""


def test_with_secrets_returns_the_same_rule_when_it_knows_them_all() -> None:
    """Nothing new to know gives back the rule itself, not a copy."""
    assert RULE.with_secrets(None, "") is RULE
    assert RULE.with_secrets("the-app-secret", "the-access-token") is RULE
    empty = Redaction()
    assert empty.with_secrets(None) is empty


def test_an_app_key_ending_in_capitals_is_masked_whole() -> None:
    """The path's last segment is masked as parsed, whatever its last characters."""
    path = "/openapi/param2/1/ns/name/TESTAPPKEYX/"
    assert Redaction().path(path) == "/openapi/param2/1/ns/name/TEST***EYX/"


def test_a_query_value_may_hold_equals_signs() -> None:
    """A param's name ends at its first ``=``: a padded base64 token is still a token."""
    assert RULE.query("token=dG9rZW4=&image=aGVsbG8=&q=a=b") == (
        "token=<redacted>&image=aGVsbG8=&q=a=b"
    )


def test_a_query_with_bytes_that_are_not_utf8_is_judged_and_shown_as_sent() -> None:
    """Undecodable escapes become U+FFFD to be judged; the part is shown as sent."""
    assert RULE.query("note=%ff&%ff=x&secret=%ff&%73ecret%ff=y") == (
        "note=%ff&%ff=x&secret=<redacted>&%73ecret%ff=y"
    )


def test_text_takes_out_the_longer_of_two_overlapping_secrets_first() -> None:
    """A secret that holds a shorter one goes whole, leaving no part of it."""
    rule = Redaction(frozenset({"wxyz", "abc-wxyz"}))  # as text, the shorter sorts last
    assert rule.text("sent abc-wxyz, then wxyz") == "sent <redacted>, then <redacted>"


def test_text_takes_out_secrets_of_four_characters_or_more() -> None:
    """Four characters are enough to be taken out of free text; three are not."""
    rule = Redaction(frozenset({"wxyz", "abc"}))
    assert rule.text("wxyz and abc") == "<redacted> and abc"
