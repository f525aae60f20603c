"""The client reads TOP's XML answers (``format=xml``) as it reads JSON ones: the fake's
XML search, upload and error answers parse to the same pages, imgids and errors; a
hostile XML body is a ResponseParseError, quickly; an XML cassette replays."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from fake1688 import FakeGateway
from hypothesis import given
from hypothesis import strategies as st

from pailitao import (
    ApiError,
    AppKeyError,
    InvalidArgumentsError,
    PailitaoClient,
    RetryPolicy,
    SearchPage,
    SignatureError,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from pailitao.errors import ResponseParseError
from pailitao.models._xml import MAX_BYTES, MAX_DEPTH, loads
from pailitao.recording import make_vcr
from pailitao.wire import signing

SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
KEY, SECRET = "test_app_key", "test_app_secret"
URL = "http://fake1688.test/openapi/router/rest"
NOW = 1_764_300_000.0  # the gateway's clock stands still
XML = "text/xml;charset=UTF-8"
SORTS = ["relevance", "price_asc", "price_desc", "sales_asc", "sales_desc", "bid2", "_sale"]


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    """One gateway for the module: searches and uploads of the same image change nothing."""
    return FakeGateway(clock=lambda: NOW)


def ask(gateway: FakeGateway, method: str = SEARCH, **params: str) -> httpx.Response:
    """One signed call of the fake's router, its params as given."""
    sent = {
        "method": method,
        "app_key": KEY,
        "timestamp": signing.format_timestamp(NOW, "millis"),
        "v": "2.0",
        **params,
    }
    sent["sign"] = signing.sign(sent, SECRET, "md5")
    with httpx.Client(transport=gateway.transport()) as http:
        return http.post(URL, data=sent)


def both(gateway: FakeGateway, method: str = SEARCH, **params: str) -> tuple[Any, bytes]:
    """The decoded JSON answer and the XML answer's body, for the same call."""
    as_json = ask(gateway, method, format="json", **params)
    as_xml = ask(gateway, method, format="xml", **params)
    assert as_xml.headers["content-type"] == XML
    return as_json.json(), as_xml.content


def outcome(answer: object, parse: Callable[[object], Any] = parse_search_response) -> Any:
    """What a parser makes of an answer: its result, or the error's class and fields."""
    try:
        return parse(answer)
    except ApiError as error:
        return type(error), error.code, error.msg, error.sub_code, error.sub_msg, error.request_id


# -- the fake's answers, JSON and XML alike ------------------------------------------------


def test_a_search_answer_parses_the_same_from_xml(gateway: FakeGateway) -> None:
    imgid = gateway.catalog.offers[2].pic_url
    as_json, as_xml = both(gateway, imgid=imgid, page_size="7", page="2")
    page = parse_search_response(as_json)
    assert len(page.items) == 7
    assert page.request_id is not None
    assert parse_search_response(as_xml) == page
    assert parse_search_response(as_xml.decode("utf-8")) == page  # text as well as bytes
    simplified = ask(gateway, imgid=imgid, page_size="7", page="2", simplify="true")
    assert parse_search_response(simplified.json()) == page
    assert parse_search_response(b"\xef\xbb\xbf \n" + as_xml) == page  # a BOM, blanks


def test_one_item_and_no_item_read_as_lists(gateway: FakeGateway) -> None:
    imgid = gateway.catalog.offers[0].pic_url
    for params in ({"page_size": "1"}, {"page": "9999"}):
        as_json, as_xml = both(gateway, imgid=imgid, **params)
        assert parse_search_response(as_xml) == parse_search_response(as_json)
    assert parse_search_response(as_xml).items == []


def test_an_upload_answer_gives_the_same_imgid_from_xml(gateway: FakeGateway) -> None:
    photo = gateway.catalog.image_bytes(gateway.catalog.offers[4])
    as_json, as_xml = both(gateway, UPLOAD, image=base64.b64encode(photo).decode())
    imgid = parse_upload_response(as_json)
    assert imgid.startswith("https://")
    assert parse_upload_response(as_xml) == imgid


@pytest.mark.parametrize(
    ("params", "family"),
    [
        ({"imgid": "x", "app_key": "nobody"}, AppKeyError),
        ({"imgid": "x", "page_size": "500"}, InvalidArgumentsError),
        ({"imgid": "x", "simplify": "maybe"}, InvalidArgumentsError),
        ({"imgid": "x", "sign_method": "sha1"}, SignatureError),
    ],
)
def test_an_error_answer_gives_the_same_error_from_xml(
    gateway: FakeGateway, params: dict[str, str], family: type[ApiError]
) -> None:
    as_json, as_xml = both(gateway, **params)
    error = outcome(as_json)
    assert error[0] is family
    assert outcome(as_xml) == error
    assert outcome(as_xml, parse_upload_response) == error
    from_json, from_xml = parse_error_response(as_json), parse_error_response(as_xml)
    assert from_json is not None
    assert from_xml is not None
    assert str(from_xml) == str(from_json)
    assert parse_error_response(ask(gateway, imgid=gateway.catalog.offers[0].pic_url, format="xml").content) is None  # fmt: skip


@st.composite
def search_queries(draw: st.DrawFn, gateway: FakeGateway) -> dict[str, str]:
    """A search as a caller may send it: mostly valid, now and then refused."""
    offers = gateway.catalog.offers
    offer = offers[draw(st.integers(0, len(offers) - 1))]
    params = {"imgid": offer.pic_url}
    if draw(st.integers(0, 9)) == 0:  # the image itself now and then: slower
        image = gateway.catalog.image_bytes(offer)
        params = {"image": base64.b64encode(image).decode("ascii")}
    counts = st.integers(1, 60).map(str) | st.sampled_from(["0", "x", ""])
    choices = {
        "page": st.integers(1, 12).map(str) | st.just("0"),
        "page_size": counts,
        "sort": st.sampled_from([*SORTS, "cheapest"]),
        "cat": st.sampled_from([offer.cat, offers[0].cat, "123"]),
        "start_price": st.sampled_from(["0", "9.90", "20", "abc"]),
        "end_price": st.sampled_from(["15", "50.5", "1000"]),
    }
    for name, values in choices.items():
        if draw(st.booleans()):
            params[name] = draw(values)
    return params


@given(data=st.data())
def test_any_search_parses_the_same_from_xml_and_json(data: st.DataObject) -> None:
    gateway = _shared_gateway()
    params = data.draw(search_queries(gateway))
    as_json, as_xml = both(gateway, **params)
    assert outcome(as_xml) == outcome(as_json)


_GATEWAYS: list[FakeGateway] = []


def _shared_gateway() -> FakeGateway:
    # Hypothesis calls the test many times: one gateway (and catalog) for all of them.
    if not _GATEWAYS:
        _GATEWAYS.append(FakeGateway(clock=lambda: NOW))
    return _GATEWAYS[0]


# -- the client, over a gateway that answers XML ---------------------------------------------


def xml_transport(gateway: FakeGateway) -> httpx.MockTransport:
    """The gateway, asked for ``format=xml`` in every call (signed again), as the TOP
    PHP and Java SDKs ask for it; the client itself always sends ``format=json``."""
    inner = gateway.transport()

    def handle(request: httpx.Request) -> httpx.Response:
        params = dict(parse_qsl(request.read().decode(), keep_blank_values=True))
        assert params["format"] == "json"
        params["format"] = "xml"
        params["sign"] = signing.sign(params, SECRET, params["sign_method"])
        asked = httpx.Request("POST", request.url, data=params)
        response = inner.handle_request(asked)
        response.read()
        return response

    return httpx.MockTransport(handle)


@pytest.fixture
def clients(gateway: FakeGateway) -> Iterator[tuple[PailitaoClient, PailitaoClient]]:
    """Two clients on the same gateway: one reads JSON answers, the other XML ones."""
    options: dict[str, Any] = {"app_key": KEY, "app_secret": SECRET, "base_url": URL}
    options |= {"retry": RetryPolicy.disabled(), "clock": lambda: NOW}
    with (
        PailitaoClient(transport=gateway.transport(), **options) as as_json,
        PailitaoClient(transport=xml_transport(gateway), **options) as as_xml,
    ):
        yield as_json, as_xml


def test_the_client_reads_xml_answers(
    gateway: FakeGateway, clients: tuple[PailitaoClient, PailitaoClient]
) -> None:
    as_json, as_xml = clients
    photo = gateway.catalog.image_bytes(gateway.catalog.offers[5])
    page = as_xml.search_image(file=photo, page_size=10)
    assert page == as_json.search_image(file=photo, page_size=10)
    assert gateway.catalog.offers[5].num_iid in [item.num_iid for item in page.items]
    cheapest = as_xml.search_image(file=photo, sort="price_asc", page_size=10)
    assert cheapest == as_json.search_image(file=photo, sort="price_asc", page_size=10)
    imgid = as_xml.upload_image(photo)
    assert imgid == as_json.upload_image(photo)
    assert as_xml.search_image(imgid=imgid, page=2) == as_json.search_image(imgid=imgid, page=2)


def test_the_client_raises_the_same_error_from_xml(
    clients: tuple[PailitaoClient, PailitaoClient],
) -> None:
    errors = []
    for client in clients:
        with pytest.raises(InvalidArgumentsError) as caught:
            client.search_image(imgid="not-issued")
        errors.append(caught.value)
    assert str(errors[1]) == str(errors[0])
    assert errors[1].request_id == errors[0].request_id


# -- how the client tells XML from JSON ---------------------------------------------------------

PAGE_XML = (
    b'<?xml version="1.0" encoding="utf-8" ?><_1688_items_search_img_response><items>'
    b"<page>1</page><page_size>20</page_size><pagecount>1</pagecount>"
    b"<total_results>1</total_results><item><num_iid>610947572360</num_iid>"
    b"<title>\xe5\xa4\x8f&amp;\xe8\xa3\x99</title><price>59.00</price><sales>1.2\xe4\xb8\x87</sales>"
    b"</item></items><request_id>r1</request_id></_1688_items_search_img_response>"
)


def test_xml_reads_into_the_shape_its_json_decodes_to() -> None:
    item = {"num_iid": "610947572360", "title": "夏&裙", "price": "59.00", "sales": "1.2万"}
    counts = {"page": "1", "page_size": "20", "pagecount": "1", "total_results": "1"}
    assert loads(PAGE_XML) == {"items": {**counts, "item": [item]}, "request_id": "r1"}
    two = PAGE_XML.replace(b"</item>", b"</item><item><num_iid>2</num_iid></item>")
    assert loads(two)["items"]["item"] == [item, {"num_iid": "2"}]
    error = b"<error_response><code>7</code><msg/><sub_code>x</sub_code></error_response>"
    assert loads(error) == {"error_response": {"code": "7", "msg": "", "sub_code": "x"}}
    assert loads(b"<r><a>1</a><a>2</a><a>3</a></r>") == {"a": ["1", "2", "3"]}
    assert loads("<response>ok</response>") == {"response": "ok"}


def answering(*responses: httpx.Response) -> tuple[PailitaoClient, list[int]]:
    """A client whose gateway answers ``responses`` in turn; the list counts the calls."""
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return responses[min(len(calls), len(responses)) - 1]

    client = PailitaoClient(
        app_key=KEY, app_secret=SECRET, base_url=URL, transport=httpx.MockTransport(handle),
        retry=RetryPolicy(max_attempts=2, backoff=0, jitter=0),
    )  # fmt: skip
    return client, calls


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/xml;charset=UTF-8", PAGE_XML),
        ("application/xml", b"\xef\xbb\xbf\r\n" + PAGE_XML),
        (None, PAGE_XML),  # no label: the leading "<" says XML
        ("application/json", PAGE_XML),  # a wrong label: the body says XML
        ("text/plain", PAGE_XML.replace(b' encoding="utf-8"', b' encoding="GBK"')),  # read as UTF-8
    ],
)
def test_an_xml_answer_is_known_by_its_label_or_its_first_character(
    content_type: str | None, body: bytes
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    client, _ = answering(httpx.Response(200, content=body, headers=headers))
    with client:
        page = client.search_image(imgid="a")
    assert (page.items[0].title, page.items[0].sales, page.request_id) == ("夏&裙", 12000, "r1")


def test_json_labelled_xml_is_read_as_json() -> None:
    body = {"items": {"page": 1, "page_size": 20, "total_results": 0, "item": []}}
    client, _ = answering(httpx.Response(200, json=body, headers={"content-type": XML}))
    with client:
        assert client.search_image(imgid="a").total_results == 0


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        (XML, PAGE_XML[:120], "the answer is not well-formed XML (120 bytes: "),
        ("text/html", b"<html><body>502</body></html>", "the answer is not JSON (29 bytes: "),
        (None, b"<html><br></html>", "the answer is not JSON (17 bytes: "),
    ],
)
def test_a_damaged_or_foreign_body_is_a_retried_parse_error(
    content_type: str | None, body: bytes, message: str
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    client, calls = answering(httpx.Response(200, content=body, headers=headers))
    with client, pytest.raises(ResponseParseError) as caught:
        client.search_image(imgid="a")
    assert str(caught.value).startswith(message)
    assert caught.value.retryable
    assert len(calls) == 2


def test_a_secret_echoed_in_an_xml_error_is_scrubbed() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8" ?><error_response><code>25</code>'
        f"<msg>Invalid signature</msg><sub_msg>secret {SECRET}</sub_msg>"
        "<request_id>r</request_id></error_response>"
    ).encode()
    client, _ = answering(httpx.Response(200, content=body, headers={"content-type": XML}))
    with client, pytest.raises(SignatureError) as caught:
        client.search_image(imgid="a")
    assert caught.value.sub_msg == "secret ***"
    assert SECRET not in str(caught.value) + repr(vars(caught.value))


# -- hostile XML -------------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]><items><page>&lol9;</page></items>"
)
HOSTILE = {
    "billion laughs": LAUGHS,
    "external entity": b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "parameter entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.test/x">%p;]><r/>',
    "a bare doctype": b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://evil.test/r.dtd"><r/>',
    "an undeclared entity": b"<r><items>&x;</items></r>",
    "too large": b"<r>" + b"<item>1</item>" * (MAX_BYTES // 14) + b"</r>",
    "too deep": b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1),
    "far too deep": b"<a>" * 200_000 + b"</a>" * 200_000,
    "cut short": PAGE_XML[:-30],
    "not utf-8": PAGE_XML.replace(b"59.00", b"\xff\xfe"),
    "two roots": PAGE_XML + b"<r/>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_xml_is_a_parse_error(name: str) -> None:
    body = HOSTILE[name]
    for parse in (parse_search_response, parse_upload_response, parse_error_response):
        with pytest.raises(ResponseParseError):
            parse(body)


@pytest.mark.parametrize("name", ["billion laughs", "external entity", "too large", "too deep"])
def test_the_client_refuses_hostile_xml_without_retrying(name: str) -> None:
    client, calls = answering(httpx.Response(200, content=HOSTILE[name], headers={"content-type": XML}))  # fmt: skip
    with client, pytest.raises(ResponseParseError) as caught:
        client.search_image(imgid="a")
    assert not caught.value.retryable
    assert len(calls) == 1
    assert "lol" not in str(caught.value)
    assert "passwd" not in str(caught.value)


def test_the_refusals_say_why() -> None:
    def why(name: str) -> str:
        with pytest.raises(ResponseParseError) as caught:
            parse_search_response(HOSTILE[name])
        return str(caught.value)

    assert why("billion laughs") == (
        "the XML answer declares a DTD or an entity (<!DOCTYPE, <!ENTITY): the client refuses "
        "them, as no TOP answer has one"
    )
    assert why("too large") == (
        f"the XML answer is {len(HOSTILE['too large']):,} bytes, over the {MAX_BYTES:,} the "
        "client reads"
    )
    assert why("too deep") == f"the XML answer is nested deeper than {MAX_DEPTH} elements"
    assert why("cut short").startswith("the answer is not well-formed XML (")


TAGS = st.sampled_from(
    ["items", "item", "page", "page_size", "total_results", "num_iid", "title", "price",
     "error_response", "code", "msg", "request_id", "x"]
)  # fmt: skip
texts = st.text(st.characters(codec="utf-8", exclude_characters="<&"), max_size=8)
elements = st.recursive(
    st.builds(lambda tag, text: f"<{tag}>{text}</{tag}>", TAGS, texts),
    lambda inner: st.builds(
        lambda tag, children: f"<{tag}>{''.join(children)}</{tag}>",
        TAGS,
        st.lists(inner, max_size=4),
    ),
    max_leaves=12,
)


@given(st.one_of(elements, elements.map(lambda xml: xml[: len(xml) // 2]), st.binary().map(lambda b: b"<" + b)))  # fmt: skip
def test_any_xml_body_parses_or_is_refused_as_the_models_refuse(body: str | bytes) -> None:
    for parse in (parse_search_response, parse_upload_response):
        try:
            result = parse(body)
        except (ApiError, ResponseParseError):
            continue
        assert isinstance(result, SearchPage | str)


# -- recording ---------------------------------------------------------------------------------


def test_an_xml_answer_recorded_over_http_replays(tmp_path: Path) -> None:
    from fake1688.server import ThreadedServer

    gateway = FakeGateway()
    offer = gateway.catalog.offers[3]

    def search(base_url: str) -> httpx.Response:
        params = {
            "method": SEARCH, "app_key": KEY, "timestamp": signing.format_timestamp(),
            "v": "2.0", "format": "xml", "sign_method": "md5", "imgid": offer.pic_url,
        }  # fmt: skip
        params["sign"] = signing.sign(params, SECRET, "md5")
        with httpx.Client() as http:
            return http.post(base_url, data=params)

    recorder = make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=tmp_path)
    with ThreadedServer(gateway) as server, recorder.use_cassette("xml"):
        live = search(server.base_url)
    assert live.headers["content-type"] == XML
    replayer = make_vcr(secret=SECRET, cassette_library_dir=tmp_path)
    with replayer.use_cassette("xml"):  # the server is gone
        replayed = search(server.base_url)
    assert replayed.headers["content-type"] == XML
    assert replayed.content == live.content
    page = parse_search_response(replayed.content)
    assert page == parse_search_response(live.content)
    assert offer.num_iid in [item.num_iid for item in page.items]
    stored = yaml.safe_load((tmp_path / "xml.yaml").read_text(encoding="utf-8"))
    response = stored["interactions"][0]["response"]
    assert response["headers"]["content-type"] == [XML]
    assert response["body"]["string"].startswith('<?xml version="1.0" encoding="utf-8" ?>')
    assert "format=xml" in stored["interactions"][0]["request"]["body"]
    assert SECRET not in json.dumps(stored)
