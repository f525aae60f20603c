"""The engine's state: the app registry, the upload store, the journal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fake1688 import (
    DEMO_APP,
    App,
    AppRegistry,
    AppsFileError,
    FakeGateway,
    Journal,
    UploadLimits,
    UploadStore,
    Verification,
)
from fake1688.engine.errors import InvalidSignature
from fake1688.engine.journal import mask_app_key, redact_params
from fake1688.engine.protocol import FakeRequest
from fake1688.engine.store import Image, imgid_for, imgid_token
from hypothesis import given
from hypothesis import strategies as st

# -- apps -------------------------------------------------------------------------------


def test_the_default_registry_is_the_demo_app() -> None:
    registry = AppRegistry()
    assert list(registry) == [DEMO_APP]
    assert registry.get("test_app_key") == App(
        "test_app_key", "test_app_secret", "demo", frozenset({"test_access_token"})
    )
    assert repr(DEMO_APP) == (
        "App(app_key='test_app_key', name='demo', app_secret=<hidden>, access_tokens=<1 hidden>)"
    )


def test_apps_from_json_and_toml(tmp_path: Path) -> None:
    json_file = tmp_path / "apps.json"
    json_file.write_text(
        json.dumps({"apps": [{"app_key": "k1", "app_secret": "s1", "name": "CI"}]})
    )
    toml_file = tmp_path / "apps.toml"
    toml_file.write_text(
        '[[apps]]\napp_key = "k2"\napp_secret = "s2"\naccess_tokens = ["t2", "u2"]\n\n'
        '[[apps]]\napp_key = "k3"\napp_secret = "s3"\n'
    )
    assert list(AppRegistry.load(json_file)) == [App("k1", "s1", "CI")]
    assert list(AppRegistry.load(toml_file)) == [
        App("k2", "s2", "", frozenset({"t2", "u2"})),
        App("k3", "s3", "", frozenset()),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "cannot read apps file"),
        ('{"apps": []}', 'expected a non-empty list under "apps"'),
        ('{"apps": [{"app_key": "k"}]}', "needs a non-empty app_key and app_secret"),
        (
            '{"apps": [{"app_key": 1, "app_secret": "s"}]}',
            "app #1: app_key, app_secret and name must be strings",
        ),
        (
            '{"apps": [{"app_key": "k", "app_secret": "s"}, {"app_key": "k", "app_secret": "t"}]}',
            "registered twice",
        ),
        (
            '{"apps": [{"app_key": "k", "app_secret": "s", "access_tokens": "t"}]}',
            "app #1: access_tokens must be a list of non-empty strings",
        ),
        (
            '{"apps": [{"app_key": "k", "app_secret": "s", "access_tokens": [""]}]}',
            "app #1: access_tokens must be a list of non-empty strings",
        ),
    ],
)
def test_bad_apps_files(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "apps.json"
    path.write_text(text)
    with pytest.raises(AppsFileError, match=problem):
        AppRegistry.load(path)


def test_missing_apps_file(tmp_path: Path) -> None:
    with pytest.raises(AppsFileError, match="cannot read apps file"):
        AppRegistry.load(tmp_path / "nope.toml")


# -- upload store ---------------------------------------------------------------------


def test_imgids_are_stable_and_resolvable_in_every_spelling() -> None:
    imgid = imgid_for(b"photo")
    assert imgid == imgid_for(b"photo") != imgid_for(b"other")
    token = imgid_token(imgid)
    assert token is not None
    name = imgid.rsplit("/", 1)[1]
    for spelling in (
        imgid,
        imgid.replace("https:", "http:"),
        imgid.removeprefix("https:"),
        "/img/ibank/" + name,
        name,
    ):
        assert imgid_token(spelling) == token
    assert imgid_token("https://example.com/" + name) is None
    assert imgid_token(imgid + "x") is None


def _data(image: Image | None) -> bytes | None:
    return None if image is None else image.data


def test_store_evicts_the_least_recently_used_by_count() -> None:
    store = UploadStore(UploadLimits(max_images=2))
    first, second = store.put(Image.of(b"1")).url, store.put(Image.of(b"2")).url
    assert _data(store.get(first)) == b"1"  # now the most recently used
    store.put(Image.of(b"3"))
    assert (_data(store.get(first)), store.get(second), len(store)) == (b"1", None, 2)


def test_store_evicts_by_bytes_but_keeps_the_newest() -> None:
    store = UploadStore(UploadLimits(max_bytes=10))
    old = store.put(Image.of(b"x" * 6))
    new = store.put(Image.of(b"y" * 6))
    assert (store.get(old.url), _data(store.get(new.url)), store.total_bytes) == (None, b"y" * 6, 6)
    assert (store.get(old.image_id), _data(store.get(new.image_id))) == (None, b"y" * 6)
    huge = store.put(Image.of(b"z" * 50))
    assert (_data(store.get(huge.image_id)), len(store)) == (b"z" * 50, 1)


def test_store_keeps_the_sha256_its_imgid_is_made_from() -> None:
    store = UploadStore()
    upload = store.put(Image.of(b"photo"))
    assert upload.url == imgid_for(b"photo")
    assert store.get(upload.url) == (b"photo", hashlib.sha256(b"photo").digest())


def test_an_upload_is_found_by_its_image_id_too() -> None:
    store = UploadStore()
    upload = store.put(Image.of(b"photo"))
    digest = hashlib.sha256(b"photo").digest()
    assert upload.image_id == str(10**18 + int.from_bytes(digest[:8], "big") % (9 * 10**18))
    assert len(upload.image_id) == 19
    assert _data(store.get(upload.image_id)) == b"photo"
    assert store.get("1" + upload.image_id) is None  # unknown digits
    store.clear()
    assert store.get(upload.image_id) is None


def test_store_put_twice_keeps_one_copy() -> None:
    store = UploadStore()
    store.put(Image.of(b"a"))
    store.put(Image.of(b"a"))
    assert (len(store), store.total_bytes) == (1, 1)
    store.clear()
    assert (len(store), store.total_bytes) == (0, 0)


def test_upload_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        UploadLimits(max_images=0)


# -- journal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [("test_app_key", "test***key"), ("12345678", "12***"), ("abcd", "***"), ("", "***")],
)
def test_mask_app_key(key: str, masked: str) -> None:
    assert mask_app_key(key) == masked


def test_redaction() -> None:
    shown = redact_params(
        [
            ("sign", "ABC"),
            ("session", "s"),
            ("app_key", "test_app_key"),
            ("image", "A" * 5000),
            ("title", "t" * 300),
            ("v", "2.0"),
            ("v", "3.0"),
        ]
    )
    assert shown == {
        "sign": "<redacted>",
        "session": "<redacted>",
        "app_key": "test***key",
        "image": "<base64 image: 5,000 chars>",
        "title": "t" * 100 + "…(300 chars)",
        "v": "2.0 | 3.0",
    }


def _redacted_one_by_one(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The rule, param by param: each value redacted, a repeated param's values joined."""
    shown: dict[str, str] = {}
    for key, value in pairs:
        if key in ("sign", "session"):
            text = "<redacted>"
        elif key == "app_key":
            text = mask_app_key(value)
        elif key == "image" and value:
            text = f"<base64 image: {len(value):,} chars>"
        elif len(value) > 200:
            text = f"{value[:100]}…({len(value):,} chars)"
        else:
            text = value
        shown[key] = f"{shown[key]} | {text}" if key in shown and shown[key] != text else text
    return shown


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sign", "session", "app_key", "image", "imgid", "v", "x"]),
            st.text(max_size=3) | st.text(min_size=195, max_size=205),
        ),
        max_size=8,
    )
)
def test_redaction_of_any_params(pairs: list[tuple[str, str]]) -> None:
    assert redact_params(pairs) == _redacted_one_by_one(pairs)


@given(
    st.lists(
        st.tuples(st.sampled_from(["sign", "app_key", "a", "b", "\0"]), st.text(max_size=4)),
        max_size=6,
    )
)
def test_the_journal_gives_back_the_redacted_params(
    pairs: list[tuple[str, str]],
) -> None:
    journal = Journal(maxlen=1)
    _record(journal, FakeRequest("POST", "/router/rest", form=pairs))
    entry = journal.last()
    assert entry is not None
    assert entry.params == redact_params(pairs)


def _record(journal: Journal, request: FakeRequest, request_id: str = "r") -> None:
    journal.record(
        request,
        received_at=1.0,
        api_method="m",
        verification=Verification.FAILED,
        status=200,
        error=InvalidSignature("over '<secret>app_keytest_app_key<secret>'"),
        request_id=request_id,
        duration_ms=1.23456,
    )


def test_journal_is_bounded_and_redacted() -> None:
    journal = Journal(maxlen=2)
    request = FakeRequest(
        "POST", "/router/rest", [("app_key", "test_app_key")], files={"image": b"\xff" * 10}
    )
    for request_id in ("a", "b", "c"):
        _record(journal, request, request_id)
    assert [entry.request_id for entry in journal] == ["b", "c"]
    entry = journal.last()
    assert entry is not None
    assert (entry.seq, entry.code, entry.sub_code, entry.duration_ms) == (
        3,
        25,
        "isv.invalid-parameter",
        1.235,
    )
    assert entry.sub_msg == "over '<secret>app_keytest***key<secret>'"
    assert entry.files["image"].startswith("<10 bytes, sha256 ")
    data = entry.to_dict()
    assert data["verification"] == "failed"
    json.dumps(data)  # JSON-ready
    assert journal.find("b")[0].seq == 2
    journal.clear()
    assert (len(journal), journal.last()) == (0, None)


def test_journal_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        Journal(0)
    with pytest.raises(ValueError, match="byte budget of at least 1"):
        Journal(max_bytes=0)


def _record_plain(journal: Journal, request_id: str, form: tuple[tuple[str, str], ...]) -> None:
    journal.record(
        FakeRequest("POST", "/p", form=form),
        received_at=1.0,
        api_method="m",
        verification=Verification.PASSED,
        status=200,
        error=None,
        request_id=request_id,
        duration_ms=1.0,
    )


def test_journal_estimates_an_entry_from_its_text_and_fixed_overheads() -> None:
    journal = Journal()
    assert (journal.maxlen, journal.max_bytes, journal.nbytes) == (1000, 16 * 1024 * 1024, 0)
    _record_plain(journal, "r", (("a", "bc"),))
    # 500 for the entry, 100 for the param, then the text: "a", "bc", "/p", "r".
    assert journal.nbytes == 500 + 100 + 1 + 2 + 2 + 1
    _record_plain(journal, "r", (("a", "bc"), ("d", "")))
    assert journal.nbytes == 606 + 500 + 2 * 100 + 1 + 2 + 1 + 2 + 1


def test_journal_evicts_the_oldest_entries_beyond_its_byte_budget() -> None:
    journal = Journal(maxlen=100, max_bytes=3 * 606)
    for request_id in "abcde":
        _record_plain(journal, request_id, (("a", "bc"),))
    assert [entry.request_id for entry in journal] == ["c", "d", "e"]
    assert [entry.seq for entry in journal] == [3, 4, 5]
    assert journal.nbytes == 3 * 606
    journal.clear()
    assert journal.nbytes == 0
    for request_id in "fgh":
        _record_plain(journal, request_id, (("a", "bc"),))
    assert [entry.request_id for entry in journal] == ["f", "g", "h"]


def test_journal_keeps_its_count_bound_within_the_byte_budget() -> None:
    journal = Journal(maxlen=2, max_bytes=10**9)
    for request_id in "abc":
        _record_plain(journal, request_id, (("a", "bc"),))
    assert [entry.request_id for entry in journal] == ["b", "c"]
    assert journal.nbytes == 2 * 606


def test_journal_keeps_the_newest_entry_even_beyond_its_byte_budget() -> None:
    # So last() always shows the latest request; it alone may exceed the budget.
    journal = Journal(maxlen=100, max_bytes=2 * 606)
    _record_plain(journal, "a", (("a", "bc"),))
    _record_plain(journal, "b", (("a", "bc"),))
    _record_plain(journal, "c", (("x" * 5000, "y"),))
    assert [entry.request_id for entry in journal] == ["c"]
    assert journal.nbytes == 500 + 100 + 5000 + 1 + 2 + 1
    _record_plain(journal, "d", (("a", "bc"),))
    assert [entry.request_id for entry in journal] == ["d"]
    assert Journal(max_bytes=1).maxlen == 1000


def test_journal_entries_hold_their_params_as_a_dict_on_every_read_path() -> None:
    journal = Journal()
    _record_plain(journal, "a", (("sort", "price_asc"), ("sign", "ABC")))
    expected = {"sort": "price_asc", "sign": "<redacted>"}
    last = journal.last()
    assert last is not None
    read = [
        last,
        *journal.entries(),
        *journal,
        *journal.find("a"),
        *journal.calls("m", sort="price_asc"),
        *journal.assert_called("m", times=1, sort="price_asc"),
    ]
    assert len(read) == 6
    for entry in read:
        assert type(entry.params) is dict
        assert entry.params == expected
    assert last.to_dict()["params"] == expected


def test_the_gateway_sets_both_journal_bounds() -> None:
    gateway = FakeGateway(journal_size=7, journal_max_bytes=5_000)
    assert (gateway.journal.maxlen, gateway.journal.max_bytes) == (7, 5_000)
