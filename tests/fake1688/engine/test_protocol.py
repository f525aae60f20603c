"""Raw HTTP → FakeRequest: content types, encodings, multipart, limits."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from fake1688.engine.protocol import MAX_FIELDS, FakeRequest, parse_http, path_from_raw

FORM = "application/x-www-form-urlencoded"


def _parse(
    body: bytes, content_type: str | None = FORM, query: bytes = b"", limit: int = 10_000
) -> FakeRequest:
    return parse_http("post", b"/router/rest", query, content_type, body, max_body=limit)


def _multipart(data: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://x/",
        data=data,
        files={k: ("a.jpg", v, "image/jpeg") for k, v in files.items()},
    )
    return request.read(), request.headers["content-type"]


def test_urlencoded_body_and_query() -> None:
    request = _parse(b"a=1&b=%E4%B8%AD+%2B&c=", query=b"x=%20y&x=z")
    assert request == FakeRequest(
        "POST", "/router/rest", [("x", " y"), ("x", "z")], [("a", "1"), ("b", "中 +"), ("c", "")]
    )


def test_content_type_parameters_and_case_are_ignored() -> None:
    request = _parse(b"a=1", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")
    assert request.form == [("a", "1")]


def test_raw_utf8_in_a_urlencoded_body_is_read() -> None:
    assert _parse("title=女装".encode()).form == [("title", "女装")]


@pytest.mark.parametrize("body", [b"a=%FF", b"a=\xff", b"\xc3(=1"])
def test_urlencoded_body_that_is_not_utf8(body: bytes) -> None:
    request = _parse(body)
    assert (
        request.read_error == "the body is not UTF-8; percent-encode the UTF-8 bytes of every value"
    )
    assert request.form == ()


def test_query_string_that_is_not_utf8() -> None:
    request = _parse(b"", query=b"a=%C3")
    assert (
        request.read_error
        == "the query string is not UTF-8; percent-encode the UTF-8 bytes of every value"
    )


def test_too_many_fields() -> None:
    body = "&".join(f"k{i}=v" for i in range(MAX_FIELDS + 1)).encode()
    assert _parse(body, limit=len(body)).read_error == f"the body has more than {MAX_FIELDS} fields"


def test_body_over_the_limit() -> None:
    assert _parse(b"a=12345", limit=6).read_error == "the request body is over 6 bytes"
    assert _parse(b"a=1234", limit=6).read_error is None


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json", "image/jpeg"])
def test_other_bodies_are_ignored_but_remembered(content_type: str | None) -> None:
    request = _parse(b'{"method": "x"}', content_type)
    assert (request.form, request.files, request.read_error) == ((), {}, None)
    assert request.ignored_body == (content_type or "(none)")


def test_an_empty_body_is_no_form_whatever_its_type() -> None:
    assert _parse(b"", "multipart/form-data; boundary=x") == FakeRequest("POST", "/router/rest", [])


def test_multipart_text_and_file_parts() -> None:
    body, content_type = _multipart(
        {"method": "m", "title": "中文"}, {"image": b"\xff\xd8\xffjpeg"}
    )
    request = _parse(body, content_type)
    assert request.form == [("method", "m"), ("title", "中文")]
    assert request.files == {"image": b"\xff\xd8\xffjpeg"}


def test_multipart_without_boundary() -> None:
    request = _parse(b"--x\r\n", "multipart/form-data")
    assert request.read_error == "the multipart Content-Type has no boundary"


def test_truncated_multipart() -> None:
    body, content_type = _multipart({"method": "m"}, {"image": b"123"})
    request = _parse(body[:-10], content_type)
    assert request.read_error == "the multipart body is truncated: no closing boundary"


def test_malformed_multipart() -> None:
    request = _parse(b"garbage that is not multipart", "multipart/form-data; boundary=abc")
    assert request.read_error is not None
    assert request.read_error.startswith("the multipart body is malformed:")


def test_a_malformed_multipart_body_prints_nothing() -> None:
    """python-multipart logs the fault it raises; a server without logging set up
    (``fake1688 serve``) would print that line to stderr for every such body."""
    code = (
        "from fake1688.engine.protocol import parse_http\n"
        "r = parse_http('POST', b'/', b'', 'multipart/form-data; boundary=b', b'--x\\r\\n', "
        "max_body=99)\n"
        "assert r.read_error.startswith('the multipart body is malformed'), r\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == ""


def test_multipart_text_part_that_is_not_utf8() -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="image"\r\n\r\n\xff\xd8\r\n--b--\r\n'
    request = _parse(body, "multipart/form-data; boundary=b")
    assert request.read_error == (
        "the multipart part 'image' is not UTF-8 text; send binary data as a file part (with a filename)"
    )


def test_multipart_part_without_name() -> None:
    body = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
    request = _parse(body, "multipart/form-data; boundary=b")
    assert request.read_error == "a multipart part has no name in its Content-Disposition"


def test_the_same_file_part_twice() -> None:
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n%s\r\n'
    body = part % b"one" + part % b"two" + b"--b--\r\n"
    request = _parse(body, "multipart/form-data; boundary=b")
    assert request.read_error == "the file part 'file' is given twice"


def test_paths_are_decoded_from_the_raw_path() -> None:
    assert path_from_raw(b"/openapi/router/rest?x=1") == "/openapi/router/rest"
    assert path_from_raw(b"/img/%E4%B8%AD.jpg") == "/img/中.jpg"
    assert path_from_raw(b"") == "/"
    assert parse_http("get", b"/a", b"", None, b"", max_body=1).method == "GET"
