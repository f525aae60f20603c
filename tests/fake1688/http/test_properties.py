"""Properties: any request gets a well-formed platform answer, the same on both
adapters and on every repeat; paging is consistent for any query."""

from __future__ import annotations

import asyncio
import hashlib
import json
import string
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.admin import endpoints as admin
from fake1688.engine.protocol import FakeRequest, parse_pairs
from fake1688.engine.render import request_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pailitao.models import parse_search_response
from pailitao.wire import signing

NOW = 1_764_300_000.0
JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"
ERROR_KEYS = ["code", "msg", "sub_code", "sub_msg", "request_id"]
CODES = {9, 15, 21, 22, 23, 24, 25, 28, 29, 30, 31, 32, 33, 40, 41}
# A gateway shared by the examples: Hypothesis cannot use function-scoped fixtures.
SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def shared(catalog: Any) -> FakeGateway:
    """One gateway for every example of the module (searches do not change state)."""
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


# -- strategies ----------------------------------------------------------------------------

KEYS = [
    "method", "app_key", "timestamp", "v", "format", "sign_method", "sign", "image", "imgid",
    "imageUrl", "page", "page_size", "sort", "cat", "start_price", "end_price", "partner_id",
    "simplify",
]  # fmt: skip
VALUES = [
    "1688.items.search.img", "1688.upload.img", "test_app_key", "2.0", "json", "xml", "true",
    "md5", "hmac",
    "2025-11-28 11:20:00", "1764300000000", "1", "50", "0", "-1", "price_asc", "_sale", "",
    "aGVsbG8=", "https://cbu01.alicdn.com/img/ibank/x.jpg", "12.50", "中文",
]  # fmt: skip
keys = st.sampled_from(KEYS) | st.text(max_size=6)
values = st.sampled_from(VALUES) | st.text(max_size=12)
pairs = st.lists(st.tuples(keys, values), max_size=8)
http_methods = st.sampled_from(
    ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
) | st.text(string.ascii_uppercase, min_size=1, max_size=7)
raw_paths = st.sampled_from(
    [b"/router/rest", b"/openapi/router/rest", b"/", b"/img/ibank/x.jpg", b"/router/rest/"]
) | st.binary(max_size=24).map(lambda tail: b"/" + tail)
content_types = st.sampled_from(
    [
        None,
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=b",
        "multipart/form-data",
        "text/plain",
        "application/json",
    ]
) | st.text(st.characters(max_codepoint=255), max_size=30)  # header values are latin-1


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str | None, bytes]:
    """A body and its Content-Type: a form, a multipart body, or anything at all."""
    kind = draw(st.sampled_from(["form", "multipart", "raw"]))
    if kind == "form":
        return "application/x-www-form-urlencoded", urlencode(draw(pairs)).encode()
    if kind == "multipart":
        files = draw(
            st.dictionaries(
                st.sampled_from(["image", "file", "x"]), st.binary(max_size=40), max_size=2
            )
        )
        request = httpx.Request(
            "POST",
            "http://x/",
            data=dict(draw(pairs)),
            files={k: ("f", v) for k, v in files.items()} or None,
        )
        body = request.read()
        cut = draw(st.none() | st.integers(0, len(body)))
        return request.headers.get("content-type"), body if cut is None else body[:cut]
    return draw(content_types), draw(st.binary(max_size=200))


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[str, bytes, bytes, str | None, bytes]:
    """Raw HTTP pieces as an adapter hands them to the engine."""
    content_type, body = draw(bodies())
    query = draw(pairs.map(lambda p: urlencode(p).encode()) | st.binary(max_size=40))
    return draw(http_methods), draw(raw_paths), query, content_type, body


# -- helpers -------------------------------------------------------------------------------


Raw = tuple[str, bytes, bytes, str | None, bytes]


async def _asgi(app: Any, raw: Raw) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Drive the ASGI app with exactly these bytes (no HTTP client in between)."""
    method, raw_path, query, content_type, body = raw
    headers = (
        [(b"content-type", content_type.encode("latin-1"))] if content_type is not None else []
    )
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": raw_path.decode("latin-1"), "raw_path": raw_path,
        "query_string": query, "headers": headers, "server": ("fake1688", 80), "client": ("127.0.0.1", 1),
    }  # fmt: skip
    chunks = [body[i : i + 64] for i in range(0, len(body), 64)] or [b""]
    incoming = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start["headers"], payload


def assert_platform_answer(status: int, content_type: str | None, body: bytes) -> None:
    """A platform answer: the JSON (or XML) envelope, or a served photo; never a 500 or a
    traceback."""
    assert status in (200, 404)
    assert b"Traceback" not in body
    if content_type is not None and content_type.startswith("image/"):
        assert status == 200
        return
    if content_type == XML_TYPE:
        assert_xml_answer(status, body)
        return
    assert content_type == JSON_TYPE
    data = json.loads(body.decode("utf-8"))
    assert isinstance(data, dict)
    if "items" in data:  # simplify=true
        assert status == 200
        assert set(data) == {"items", "request_id"}
        return
    assert len(data) == 1
    if "error_response" in data:
        error = data["error_response"]
        assert list(error) == ERROR_KEYS
        assert error["code"] in CODES
        assert all(isinstance(error[k], str) and error[k] for k in ERROR_KEYS[1:])
        assert (status == 404) == (error["sub_code"] == "isv.path-not-found")
    else:
        assert status == 200
        assert next(iter(data)) in ("1688_items_search_img_response", "1688_upload_img_response")


def assert_xml_answer(status: int, body: bytes) -> None:
    """A well-formed XML answer: the error envelope's five fields, or a success."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8" ?><')
    root = ET.fromstring(body)  # noqa: S314 - the fake's own answer
    if root.tag == "error_response":
        assert [child.tag for child in root] == ERROR_KEYS
        assert int(root.findtext("code", "")) in CODES
        assert (status == 404) == (root.findtext("sub_code") == "isv.path-not-found")
    else:
        assert status == 200
        assert root.tag in ("_1688_items_search_img_response", "_1688_upload_img_response")


# -- properties ------------------------------------------------------------------------------


@SETTINGS
@given(raw_requests())
def test_any_request_gets_a_platform_answer_identical_on_both_adapters(
    shared: FakeGateway, raw: Raw
) -> None:
    direct = admin.route(shared.engine, *raw)
    assert_platform_answer(direct.status, direct.header("content-type"), direct.body)
    status, headers, body = asyncio.run(_asgi(shared.asgi_app, raw))
    assert (status, body) == (direct.status, direct.body)
    assert dict(headers)[b"content-type"].decode() == direct.header("content-type")
    again = admin.route(shared.engine, *raw)
    assert again == direct


@st.composite
def signed_searches(draw: st.DrawFn) -> dict[str, str]:
    """Correctly signed searches with arbitrary (often invalid) arguments."""
    params = {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": draw(
            st.sampled_from(["2025-11-28 11:20:00", "1764300000000", "1764300599000"])
        ),
        "v": "2.0",
        "sign_method": draw(st.sampled_from(["md5", "hmac", "hmac-sha256"])),
    }
    params["imageUrl"] = draw(st.sampled_from(["__pic__", "https://example.com/a.jpg"]))
    for key in ("page", "page_size", "sort", "start_price", "end_price", "cat"):
        value = draw(st.none() | st.sampled_from(VALUES) | st.text(max_size=5))
        if value is not None:
            params[key] = value
    return params


@SETTINGS
@given(signed_searches(), st.integers(0, 50))
def test_signed_searches_pass_the_checks_and_parse(
    shared: FakeGateway, params: dict[str, str], offer: int
) -> None:
    catalog: Any = shared.catalog
    if params["imageUrl"] == "__pic__":
        params["imageUrl"] = catalog.offers[offer].pic_url
    params["sign"] = signing.sign(params, "test_app_secret", params["sign_method"])
    with httpx.Client(transport=shared.transport()) as http:
        response = http.post("http://fake1688.test/router/rest", data=params)
    assert_platform_answer(response.status_code, response.headers["content-type"], response.content)
    data = response.json()
    if "error_response" in data:
        assert data["error_response"]["code"] in (40, 41)
    else:
        page = parse_search_response(data)
        assert page.page_size == int(params.get("page_size") or 20)


@st.composite
def queries(draw: st.DrawFn) -> dict[str, str]:
    """Valid search arguments: any sort, size, price range, category."""
    query = {
        "sort": draw(
            st.sampled_from(
                ["relevance", "price_asc", "price_desc", "sales_asc", "sales_desc", "bid2", "_sale"]
            )
        ),
        "page_size": str(draw(st.integers(1, 50))),
    }
    low = draw(st.none() | st.integers(0, 120))
    if low is not None:
        query["start_price"] = str(low)
    high = draw(st.none() | st.integers(low or 0, 200))
    if high is not None:
        query["end_price"] = f"{high}.99"
    return query


@SETTINGS
@given(st.integers(0, 100), queries(), st.booleans())
def test_paging_covers_the_result_set_exactly_once(
    shared: FakeGateway, offer: int, query: dict[str, str], by_cat: bool
) -> None:
    catalog: Any = shared.catalog
    if by_cat:
        query["cat"] = catalog.offers[offer].cat
    base = {
        "method": "1688.items.search.img", "app_key": "test_app_key", "timestamp": "1764300000000",
        "v": "2.0", "imageUrl": catalog.offers[offer].pic_url, **query,
    }  # fmt: skip

    def page(number: int) -> dict[str, Any]:
        params = {**base, "page": str(number)}
        params["sign"] = signing.sign(params, "test_app_secret")
        answer: dict[str, Any] = http.post("http://fake1688.test/router/rest", data=params).json()
        return answer["1688_items_search_img_response"]["items"]  # type: ignore[no-any-return]

    with httpx.Client(transport=shared.transport()) as http:
        first = page(1)
        size, total = int(query["page_size"]), first["total_results"]
        assert first["pagecount"] == -(-total // size)
        seen: list[str] = []
        for number in range(1, first["pagecount"] + 1):
            items = page(number)
            assert (items["total_results"], items["pagecount"], items["page"]) == (
                total,
                first["pagecount"],
                number,
            )
            assert len(items["item"]) == (
                size if number < items["pagecount"] else total - size * (number - 1)
            )
            seen += [item["num_iid"] for item in items["item"]]
        assert len(seen) == len(set(seen)) == total
        assert page(first["pagecount"] + 1)["item"] == []
        if "cat" in query:
            everything = {o.num_iid for o in catalog.offers if o.cat == query["cat"]}
            assert set(seen) <= everything


escaped = st.lists(
    st.sampled_from(
        [
            *("%2B", "%2b", "%2F", "%3D", "%3d", "%3A", "%21", "%25", "%41", "%", "%2", "%3"),
            *("+", "=", "&", "%C3%A9", "%FF"),
        ]
    )
    | st.text(max_size=4)
).map("".join)


@given(escaped)
def test_the_fast_form_parser_agrees_with_parse_qsl(text: str) -> None:
    try:
        expected: object = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        expected = UnicodeDecodeError
    try:
        actual: object = parse_pairs(text)
    except UnicodeDecodeError:
        actual = UnicodeDecodeError
    assert actual == expected


BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


# One character per byte of the digest: pailitao.wire.top.request_id (tests/pailitao/wire).
def _request_id_reference(request: FakeRequest) -> str:
    """The definition: 13 bytes of blake2b over the request minus timestamp and sign (and
    format and simplify, which say how the answer is written)."""
    texts = [request.method, request.path, request.read_error or ""]
    for key, value in sorted((*request.query, *request.form)):
        if key not in ("timestamp", "sign", "format", "simplify"):
            texts += (key, value)
    blobs = [b for name in sorted(request.files) for b in (name.encode(), request.files[name])]
    data = "\0".join(texts).encode("utf-8", "replace") + b"\0" + b"\0".join(blobs)
    return "".join(BASE32[byte % 32] for byte in hashlib.blake2b(data, digest_size=13).digest())


# Keys that sort right beside those left out of the id: only those four may be.
names = st.sampled_from(
    ["sign", "timestamp", "a", "b", "imgid", "sig", "sign\0", "signs", "u", "format", "formats",
     "simplify", "simplif"]
)  # fmt: skip
pairs = st.lists(st.tuples(names, st.text()))


@given(
    st.builds(
        FakeRequest,
        method=st.sampled_from(["GET", "POST"]),
        path=st.text(),
        query=pairs,
        form=pairs,
        files=st.dictionaries(st.sampled_from(["image", "file", "x"]), st.binary(max_size=8)),
        read_error=st.none() | st.text(),
    )
)
def test_request_ids_follow_their_definition(request: FakeRequest) -> None:
    assert request_id(request, deterministic=True) == _request_id_reference(request)
