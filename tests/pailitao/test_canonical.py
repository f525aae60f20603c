"""The canonical form of a recorded request, rule by rule, on hand-made requests."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pailitao.recording.canonical import (
    Form,
    ImageFingerprint,
    canonical_body,
    canonical_json,
    canonical_params,
    canonical_uri,
    fingerprint,
    is_gateway_request,
    parse_canonical_body,
    read_form,
    reseller_api,
)

#: Image content as the canonical form sees it: only the leading magic bytes matter.
PNG = b"\x89PNG\r\n\x1a\n\x00" + b"\xfb\xef\xbe" * 4  # its base64 holds "+"
GIF = b"GIF89a" + b"\x00" * 6  # 12 bytes: 16 base64 characters, the shortest image text
PNG_TEXT = base64.b64encode(PNG).decode()
GIF_TEXT = base64.b64encode(GIF).decode()


def shown(data: bytes) -> str:
    """The fingerprint a canonical form shows for an image."""
    return fingerprint(data).render()


# --- fingerprints ----------------------------------------------------------------


def test_content_of_no_known_format_is_fingerprinted_as_bin() -> None:
    """Any bytes get a fingerprint; the format is ``bin`` when no magic names one."""
    data = b"not an image"
    assert fingerprint(data) == ImageFingerprint(hashlib.sha256(data).hexdigest(), 12, "bin")


# --- reading a request's form ------------------------------------------------------


class Reader:
    """A body that can only be read, not iterated (a file-like object)."""

    def __init__(self, data: bytes | str) -> None:
        self._data = data

    def read(self) -> bytes | str:
        return self._data


class Chunks:
    """A body sent as chunks, some bytes and some text; each test iterates it afresh."""

    def __iter__(self) -> Iterator[bytes | str]:
        yield b"a=1"
        yield "&b=%E4%B8%AD"


FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("uri", "headers", "body", "expected"),
    [
        pytest.param(
            "https://gw/router/rest?a=&b=1",
            {},
            None,
            Form([("a", ""), ("b", "1")], [], "query"),
            id="no body: the query alone, blank values kept",
        ),
        pytest.param(
            "https://gw/router/rest?q=1",
            FORM,
            "c=&d=%E4%B8%AD",
            Form([("q", "1"), ("c", ""), ("d", "中")], [], "application/x-www-form-urlencoded"),
            id="a text form after the query, blank values kept, lower-case header",
        ),
        pytest.param(
            "https://gw/router/rest",
            {"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=utf-8"},
            b"e=\xff",
            Form([("e", "\ufffd")], [], "application/x-www-form-urlencoded"),
            id="bytes that are no UTF-8 read as U+FFFD",
        ),
        pytest.param(
            "https://gw/router/rest",
            FORM,
            Reader(b"a=1"),
            Form([("a", "1")], [], "application/x-www-form-urlencoded"),
            id="a reader of bytes",
        ),
        pytest.param(
            "https://gw/router/rest",
            FORM,
            Reader("a=%E4%B8%AD"),
            Form([("a", "中")], [], "application/x-www-form-urlencoded"),
            id="a reader of text",
        ),
        pytest.param(
            "https://gw/router/rest",
            FORM,
            Chunks(),
            Form([("a", "1"), ("b", "中")], [], "application/x-www-form-urlencoded"),
            id="chunks of bytes and text, joined as they are",
        ),
        pytest.param(
            "https://gw/router/rest",
            {"content-type": "text/plain"},
            "a=1",
            None,
            id="a body that is no form",
        ),
    ],
)
def test_read_form_reads_the_query_and_any_kind_of_body(
    uri: str, headers: dict[str, str], body: Any, expected: Form | None
) -> None:
    """The query's params come first, then the body's; a non-form body gives ``None``."""
    assert read_form(uri, headers, body) == expected


def test_a_multipart_form_keeps_named_fields_and_files_and_skips_the_rest() -> None:
    """A part without a name is skipped, not the end; a field that is no UTF-8 reads as U+FFFD.

    The boundary is found whatever other params the Content-Type carries after it.
    """
    body = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nnameless\r\n"
        b'--b\r\nContent-Disposition: form-data; name="cat"\r\n\r\n1\xff\r\n'
        b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n'
        + PNG
        + b"\r\n--b--\r\n"
    )
    content_type = "multipart/form-data; boundary=b; charset=utf-8"
    form = read_form("https://gw/router/rest?q=1", {"Content-Type": content_type}, body)
    assert form == Form([("q", "1"), ("cat", "1\ufffd")], [("image", PNG)], "multipart/form-data")


# --- canonical params and images ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(PNG_TEXT, shown(PNG), id="base64 of an image"),
        pytest.param(PNG_TEXT.replace("+", " "), shown(PNG), id="a space reads as +"),
        pytest.param(GIF_TEXT, shown(GIF), id="16 characters are enough"),
        pytest.param(GIF_TEXT[:-4] + "!" + GIF_TEXT[-4:], None, id="no stray characters"),
        pytest.param("R0lGODlh", None, id="too short to be an image"),
        pytest.param("aGVsbG8gd29ybGQgYWdhaW4=", None, id="base64 of no image"),
    ],
)
def test_an_image_param_is_fingerprinted_only_when_it_is_base64_of_an_image(
    text: str, expected: str | None
) -> None:
    """Base64 is read strictly; anything else is stored as the text it is."""
    assert "+" in PNG_TEXT
    params = canonical_params(Form([("image", text)], [], "query"))
    assert params == {"image": text if expected is None else expected}


def test_params_are_json_only_when_asked() -> None:
    """Without ``json_params`` (TOP, the resellers) JSON-looking text is kept as it is."""
    form = Form([("q", '{"b": 1, "a": 2}')], [], "query")
    assert canonical_params(form) == {"q": '{"b": 1, "a": 2}'}
    assert canonical_params(form, json_params=True) == {"q": '{"a":2,"b":1}'}


def test_every_image_is_saved_once_in_a_blob_dir_made_on_demand(tmp_path: Path) -> None:
    """Images in params, files and JSON params are written as ``<sha256>.<format>``.

    Text that is no image is saved nowhere; the directory and its parents are made
    when the first image is saved, and found there for the next.
    """
    json_param = f'{{"imageBase64": "{GIF_TEXT}", "other": {{"imageBase64": "no image"}}}}'
    form = Form(
        [("image", PNG_TEXT), ("imgcode", "not base64"), ("p", json_param), ("imgcode", GIF_TEXT)],
        [("file", b"\xff\xd8\xff" + b"jpeg")],
        "multipart/form-data",
    )
    blob_dir = tmp_path / "cassettes" / "blobs"
    canonical_params(form, blob_dir, json_params=True)
    saved = {path.name: path.read_bytes() for path in blob_dir.iterdir()}
    jpeg = b"\xff\xd8\xff" + b"jpeg"
    assert saved == {
        f"{hashlib.sha256(PNG).hexdigest()}.png": PNG,
        f"{hashlib.sha256(GIF).hexdigest()}.gif": GIF,
        f"{hashlib.sha256(jpeg).hexdigest()}.jpeg": jpeg,
    }


# --- canonical JSON -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{ "b": 1, "a": "中文" }', '{"a":"中文","b":1}', id="sorted, compact, UTF-8"),
        pytest.param('[ {"b": 1, "a": 2}, "x" ]', '[{"a":2,"b":1},"x"]', id="an array"),
        pytest.param('{"a": 1, "a": 2}', '{"a": 1, "a": 2}', id="a repeated key: text"),
        pytest.param('{"a": ', '{"a": ', id="malformed: text"),
        pytest.param('"a"', '"a"', id="a scalar: text"),
    ],
)
def test_canonical_json(text: str, expected: str) -> None:
    """Objects and arrays become canonical JSON; anything else stays text."""
    assert canonical_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f'{{"imageBase64": "{PNG_TEXT}"}}', f'{{"imageBase64":"{shown(PNG)}"}}', id="a field"
        ),
        pytest.param(
            f'[{{"imageBase64": "{PNG_TEXT}"}}]',
            f'[{{"imageBase64":"{shown(PNG)}"}}]',
            id="in an array",
        ),
        pytest.param(
            f'{{"q": {{"imageBase64": "{PNG_TEXT}"}}}}',
            f'{{"q":{{"imageBase64":"{shown(PNG)}"}}}}',
            id="in an object",
        ),
        pytest.param(
            f'{{"sort": "{{\\"imageBase64\\": \\"{PNG_TEXT}\\"}}"}}',
            f'{{"sort":"{{\\"imageBase64\\":\\"{shown(PNG)}\\"}}"}}',
            id="in JSON text",
        ),
    ],
)
def test_a_json_image_at_any_depth_is_fingerprinted_and_handed_back(
    text: str, expected: str
) -> None:
    """The image's bytes are appended to the caller's ``blobs``, when it passes any."""
    assert canonical_json(text) == expected
    blobs: list[bytes] = [b"before"]
    assert canonical_json(text, blobs) == expected
    assert blobs == [b"before", PNG]


# --- canonical bodies -------------------------------------------------------------------


def test_a_canonical_body_escapes_backslashes_and_line_breaks() -> None:
    """Each param is one line; ``\\``, LF and CR are escaped."""
    params = {"k\\e\ny": "v\\a\nl\r"}
    body = canonical_body(params)
    assert body == "k\\\\e\\ny=v\\\\a\\nl\\r\n"
    assert parse_canonical_body(body) == params


def test_an_unknown_escape_in_a_canonical_body_is_read_as_it_is() -> None:
    """Only ``\\\\``, ``\\n`` and ``\\r`` are escapes; ``\\t`` stays two characters."""
    assert parse_canonical_body("a=x\\ty\\q\n") == {"a": "x\\ty\\q"}


# --- URIs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://api.example/1688/item_search_img/?key=k", "item_search_img"),
        ("https://api.example/1688/X/", "X"),
        ("https://api.example/1688/", None),
        ("https://api.example/1688", None),
        ("https://api.example/other/item_search_img/", None),
        ("https://api.example/1688/item_search_img", None),
        ("https://api.example/1688/a/b/", None),
    ],
)
def test_reseller_api_names_the_api_of_a_resellers_path_only(
    uri: str, expected: str | None
) -> None:
    """Only ``/1688/<api>/``, trailing slash included, names an API."""
    assert reseller_api(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://gw/openapi/param2/1/ns/name/12345", True),
        ("https://gw/openapi/param2/1/ns/name", True),  # as stored: no app key
        ("https://gw/openapi/param2/1/ns/name/", True),
        ("https://gw/openapi/param2/1/ns/X", True),
        ("https://gw/openapi/param2/1/ns", False),
        ("https://gw/router/rest", True),
        ("https://api.example/1688/upload_img/", True),
        ("https://other.example/api/v1/items", False),
    ],
)
def test_is_gateway_request_knows_each_dialects_paths(uri: str, expected: bool) -> None:
    """A TOP router, an AOP path with or without its app key, or a resellers' path."""
    assert is_gateway_request(uri) is expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "https://gw/openapi/param2/1/ns/name/12345?access_token=t",
            "https://gw/openapi/param2/1/ns/name",
        ),
        ("https://gw/openapi/param2/1/ns/name/12345/", "https://gw/openapi/param2/1/ns/name"),
        ("https://gw/openapi/param2/1/ns/name/X", "https://gw/openapi/param2/1/ns/name"),
        ("https://gw/router/rest?sign=s#f", "https://gw/router/rest"),
        (
            "https://api.example/1688/item_search_img/?key=k",
            "https://api.example/1688/item_search_img/",
        ),
    ],
)
def test_canonical_uri_drops_the_query_and_an_aop_app_key(uri: str, expected: str) -> None:
    """No query string, no fragment; an AOP path loses its last segment, the app key."""
    assert canonical_uri(uri) == expected
