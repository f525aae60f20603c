"""TOP's ``format=xml`` and ``simplify=true``: the same data as the JSON answer, written
as TOP writes it, for every success and every error the router answers.

Answers go through the ``client`` fixture, so each is also checked against the
OpenAPI document (status and content type).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, Fault
from fake1688.engine.checks import explain_signature
from fake1688.engine.ratelimits import RateLimits
from fake1688.engine.render_xml import dumps, element_name

XML_TYPE = "text/xml;charset=UTF-8"
JSON_TYPE = "application/json;charset=UTF-8"
DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>'
ROUTER = "/openapi/router/rest"
ERROR_FIELDS = ["code", "msg", "sub_code", "sub_msg", "request_id"]

Send = Callable[..., httpx.Response]


def xml_of(body: bytes) -> ET.Element:
    """The root element of an answer the fake wrote (these tests' own input, not a stranger's)."""
    return ET.fromstring(body)  # noqa: S314 - the fake's own answer


@pytest.fixture
def send(client: httpx.Client, helpers: Any) -> Send:
    """POST params (signed with ``query`` unless ``sign=False``); ``query`` goes in the
    query string."""

    def post(
        params: dict[str, str],
        *,
        sign: bool = True,
        query: dict[str, str] | None = None,
        http: str = "POST",
        path: str = ROUTER,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        data = dict(params)
        if sign:
            data["sign"] = helpers.signed({**(query or {}), **params})["sign"]
        if content is not None:
            return client.request(http, path, params=query, content=content, headers=headers)
        if http == "GET":
            return client.get(path, params={**(query or {}), **data})
        return client.request(http, path, params=query, data=data)

    return post


def as_json_data(value: Any) -> Any:
    """An XML element as the mapping the JSON holds, numbers as text (the XML's only kind)."""
    if len(value) == 0:
        return value.text or ""
    fields: dict[str, Any] = {}
    for child in value:
        inner = as_json_data(child)
        if child.tag == "item":
            fields.setdefault("item", []).append(inner)
        else:
            fields[child.tag] = inner
    return fields


def stringified(value: Any) -> Any:
    """JSON data as XML holds it: scalars as text, no element for null or an empty list."""
    if isinstance(value, dict):
        return {key: stringified(inner) for key, inner in value.items() if inner not in (None, [])}
    if isinstance(value, list):
        return [stringified(inner) for inner in value]
    return value if isinstance(value, str) else json.dumps(value)


def same_data(
    xml_answer: httpx.Response, json_answer: httpx.Response, *, but: frozenset[str] = frozenset()
) -> None:
    """The XML answer holds exactly the JSON answer's data (its root named as XML allows),
    ``but`` the error fields that quote the format asked for."""
    assert xml_answer.headers["content-type"] == XML_TYPE
    assert json_answer.headers["content-type"] == JSON_TYPE
    assert xml_answer.status_code == json_answer.status_code
    root = xml_of(xml_answer.content)
    ((key, value),) = json_answer.json().items()
    if key == "1688_upload_img_response":  # one upload item: an object in JSON
        value = {**value, "items": {"item": [value["items"]["item"]]}}
    assert root.tag == element_name(key)
    data, expected = as_json_data(root), stringified(value)
    for field in but:
        del data[field], expected[field]
    assert data == expected


# -- exact bytes -------------------------------------------------------------------------


def test_a_search_answer_in_xml_exactly(send: Send, helpers: Any, gateway: FakeGateway) -> None:
    offer = gateway.catalog.offers[0]
    params = helpers.system_params(imgid=offer.pic_url, page_size="1", format="xml")
    answer = send(params)
    request_id = send({**params, "format": "json"}).json()[
        "1688_items_search_img_response"
    ]["request_id"]  # fmt: skip
    promotion = (
        ""
        if offer.promotion_price is None
        else f"<promotion_price>{offer.promotion_price}</promotion_price>"
    )
    expected = (
        f"{DECLARATION}<_1688_items_search_img_response><items><page>1</page>"
        "<page_size>1</page_size><pagecount>107</pagecount><total_results>107</total_results>"
        "<real_total_results>107</real_total_results>"
        f"<item><title>{offer.title}</title><pic_url>{offer.pic_url}</pic_url>"
        f"<price>{offer.price}</price>{promotion}<sales>{offer.sales}</sales>"
        f"<num_iid>{offer.num_iid}</num_iid><turnHead>{offer.turn_head}</turnHead>"
        f"<seller_nick>{offer.seller_nick}</seller_nick><area>{offer.area}</area>"
        f"<detail_url>{offer.detail_url}</detail_url><cat>{offer.cat}</cat></item>"
        f"</items><request_id>{request_id}</request_id></_1688_items_search_img_response>"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XML_TYPE
    assert answer.content.decode("utf-8") == expected


def test_an_error_in_xml_exactly(send: Send, helpers: Any) -> None:
    params = helpers.system_params(imgid="x", app_key="nobody", format="xml")
    answer = send(params)
    request_id = send({**params, "format": "json"}).json()["error_response"]["request_id"]
    assert answer.content.decode("utf-8") == (
        f"{DECLARATION}<error_response><code>29</code><msg>Invalid app Key</msg>"
        "<sub_code>isv.appkey-not-exists</sub_code><sub_msg>app_key 'nobody' is not registered "
        "with this gateway; the default fake knows test_app_key, others come from --apps FILE"
        f"</sub_msg><request_id>{request_id}</request_id></error_response>"
    )
    assert answer.headers["content-length"] == str(len(answer.content))


def test_a_signature_explanation_is_escaped(send: Send, helpers: Any) -> None:
    params = {**helpers.system_params(imgid="a&b", format="xml"), "sign": "0" * 32}
    answer = send(params, sign=False)
    explained = explain_signature(params, "md5")
    assert explained.startswith("the gateway computed MD5 over '<secret>app_keytest_app_key")
    escaped = explained.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "<code>25</code><msg>Invalid signature</msg>" in answer.text
    assert f"<sub_msg>{escaped}</sub_msg>" in answer.text
    assert xml_of(answer.content).findtext("sub_msg") == explained


def test_an_upload_answer_in_xml(send: Send, helpers: Any, photo: bytes) -> None:
    params = helpers.system_params("1688.upload.img", image=helpers.b64(photo), format="xml")
    root = xml_of(send(params).content)
    assert root.tag == "_1688_upload_img_response"
    assert [child.tag for child in root] == ["items", "request_id"]
    assert [child.tag for child in root.find("items/item")] == ["name", "status"]  # type: ignore[union-attr]
    assert root.findtext("items/item/status") == "1"
    same_data(send(params), send({**params, "format": "json"}))


def test_an_empty_page_has_no_item_element(send: Send, helpers: Any, gateway: FakeGateway) -> None:
    params = helpers.system_params(imgid=gateway.catalog.offers[0].pic_url, page="999")
    answer = send({**params, "format": "xml"})
    assert b"<item>" not in answer.content
    assert xml_of(answer.content).findtext("items/total_results") == "107"
    same_data(answer, send({**params, "format": "json"}))


# -- every error the router answers, in XML ------------------------------------------------


def _unsigned(helpers: Any, **extra: str) -> dict[str, str]:
    return helpers.system_params(imgid="x", **extra)


ERROR_CASES: dict[str, tuple[int, Callable[[Any], dict[str, Any]]]] = {
    "9 http action": (9, lambda h: {"params": _unsigned(h), "http": "PUT"}),
    "21 missing method": (21, lambda h: {"params": {"format": "xml"}, "sign": False}),
    "22 invalid method": (22, lambda h: {"params": h.system_params("taobao.item.get")}),
    "22 no such path (404)": (22, lambda h: {"params": {}, "http": "GET", "path": "/nowhere"}),
    "24 missing sign": (24, lambda h: {"params": _unsigned(h), "sign": False}),
    "25 wrong sign": (25, lambda h: {"params": {**_unsigned(h), "sign": "0" * 32}, "sign": False}),
    "25 unknown sign_method": (
        25,
        lambda h: {"params": {**_unsigned(h, sign_method="sha1"), "sign": "0" * 32}, "sign": False},
    ),
    "28 missing app_key": (28, lambda h: {"params": {"method": "1688.items.search.img"}}),
    "29 unknown app_key": (29, lambda h: {"params": _unsigned(h, app_key="nobody")}),
    "30 missing timestamp": (30, lambda h: {"params": {**_drop(h, "timestamp")}}),
    "31 invalid timestamp": (31, lambda h: {"params": _unsigned(h, timestamp="yesterday")}),
    "32 missing version": (32, lambda h: {"params": _drop(h, "v")}),
    "33 invalid version": (33, lambda h: {"params": _unsigned(h, v="3.0")}),
    "40 no image": (40, lambda h: {"params": h.system_params()}),
    "41 unknown imgid": (41, lambda h: {"params": _unsigned(h)}),
    "41 bad page_size": (41, lambda h: {"params": _unsigned(h, page_size="500")}),
    "41 simplify": (41, lambda h: {"params": _unsigned(h, simplify="yes")}),
    "41 unreadable body": (
        41,
        lambda h: {
            "params": {},
            "content": b"method=\xff",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
    ),
    "41 conflicting params": (
        41,
        lambda h: {"params": _unsigned(h), "query": {"imgid": "y"}, "sign": False},
    ),
}


def _drop(helpers: Any, key: str) -> dict[str, str]:
    params = helpers.system_params(imgid="x")
    del params[key]
    return params


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_every_router_error_comes_in_xml_when_asked(send: Send, helpers: Any, case: str) -> None:
    code, build = ERROR_CASES[case]
    asked = build(helpers)
    params = {key: value for key, value in asked.pop("params").items() if key != "format"}
    query = asked.pop("query", {})
    answers = {}
    for answer_format in ("xml", "json"):
        # format travels in the query string, where it is read even when the body is not
        answers[answer_format] = send(params, query={**query, "format": answer_format}, **asked)
    root = xml_of(answers["xml"].content)
    assert root.tag == "error_response"
    assert [child.tag for child in root] == ERROR_FIELDS
    assert root.findtext("code") == str(code)
    # The signature's explanation quotes every param, format=xml among them.
    quoting = frozenset({"sub_msg"}) if case == "25 wrong sign" else frozenset()
    same_data(answers["xml"], answers["json"], but=quoting)


def test_rate_limits_come_in_xml(send: Send, helpers: Any, gateway: FakeGateway) -> None:
    gateway.limits.set(RateLimits(qps=1))
    params = _unsigned(helpers, format="xml")
    send(params)
    answer = send(params)
    root = xml_of(answer.content)
    assert (root.findtext("code"), root.findtext("sub_code")) == (
        "7",
        "accesscontrol.limited-by-api-access-count",
    )
    assert (root.findtext("sub_msg") or "").startswith("This ban will last for ")


def test_injected_platform_errors_come_in_xml(
    send: Send, helpers: Any, gateway: FakeGateway
) -> None:
    gateway.faults.add(Fault(kind="platform_error", code=10))
    params = _unsigned(helpers)
    same_data(send({**params, "format": "xml"}), send({**params, "format": "json"}))
    assert (
        b"<code>10</code><msg>Service Currently Unavailable</msg>"
        in send({**params, "format": "xml"}).content
    )


def test_an_injected_http_error_envelope_comes_in_xml(
    send: Send, helpers: Any, gateway: FakeGateway
) -> None:
    gateway.faults.add(Fault(kind="http_error", status=503, body="envelope"))
    params = _unsigned(helpers)
    xml_answer, json_answer = send({**params, "format": "xml"}), send({**params, "format": "json"})
    assert xml_answer.status_code == 503
    same_data(xml_answer, json_answer)


def test_the_fake_s_own_failure_comes_in_xml(
    send: Send, helpers: Any, gateway: FakeGateway
) -> None:
    def broken(call: Any) -> None:
        raise RuntimeError("a gate that fails")

    gateway.engine.gates.append(broken)
    root = xml_of(send(_unsigned(helpers, format="xml")).content)
    assert (root.findtext("code"), root.findtext("sub_code")) == ("15", "isp.remote-service-error")


def test_an_unknown_format_stays_23_in_json(send: Send, helpers: Any) -> None:
    answer = send(_unsigned(helpers, format="yaml"))
    assert answer.headers["content-type"] == JSON_TYPE
    assert answer.json()["error_response"]["code"] == 23


@pytest.mark.parametrize("answer_format", ["XML", "xml ", "json2"])
def test_xml_is_spelled_exactly(send: Send, helpers: Any, answer_format: str) -> None:
    answer = send(_unsigned(helpers, format=answer_format))
    assert answer.json()["error_response"]["code"] == 23


def test_broken_body_faults_break_an_xml_answer(
    send: Send, helpers: Any, gateway: FakeGateway
) -> None:
    params = helpers.system_params(imgid=gateway.catalog.offers[0].pic_url, format="xml")
    for kind in ("malformed_json", "truncated_json"):
        gateway.faults.next(1, kind)
        with pytest.raises(ET.ParseError):
            xml_of(send(params).content)


# -- simplify ----------------------------------------------------------------------------------


def test_simplify_drops_the_wrapper_key_of_a_json_answer(
    send: Send, helpers: Any, gateway: FakeGateway, photo: bytes
) -> None:
    search = helpers.system_params(imgid=gateway.catalog.offers[0].pic_url, page_size="3")
    upload = helpers.system_params("1688.upload.img", image=helpers.b64(photo))
    for params, key in ((search, "1688_items_search_img_response"), (upload, "1688_upload_img_response")):  # fmt: skip
        full = send(params).json()
        for spelling in ("true", "True", "TRUE"):
            simple = send({**params, "simplify": spelling})
            assert simple.headers["content-type"] == JSON_TYPE
            assert simple.json() == full[key]
            assert list(simple.json()) == ["items", "request_id"]
        assert send({**params, "simplify": "false"}).json() == full


def test_simplify_leaves_xml_as_it_is(send: Send, helpers: Any, gateway: FakeGateway) -> None:
    params = helpers.system_params(imgid=gateway.catalog.offers[0].pic_url, format="xml")
    assert send({**params, "simplify": "true"}).content == send(params).content


def test_simplify_keeps_the_error_envelope(send: Send, helpers: Any) -> None:
    answer = send(_unsigned(helpers, simplify="true"))
    assert list(answer.json()) == ["error_response"]
    assert answer.json()["error_response"]["code"] == 41


def test_simplify_is_checked_after_format_and_before_sign_method(send: Send, helpers: Any) -> None:
    params = _unsigned(helpers, simplify="1", sign_method="sha1", format="yaml")
    assert send(params, sign=False).json()["error_response"]["code"] == 23
    params["format"] = "json"
    error = send(params, sign=False).json()["error_response"]
    assert (error["code"], error["sub_msg"]) == (
        41,
        "simplify='1' is not a boolean; send simplify=true, simplify=false or leave it out",
    )
    params["simplify"] = ""  # empty is absent
    assert send(params, sign=False).json()["error_response"]["code"] == 25


# -- the request id, the document ---------------------------------------------------------------


def test_json_and_xml_answers_share_their_request_id(send: Send, helpers: Any) -> None:
    params = _unsigned(helpers)
    ids = {
        xml_of(send({**params, "format": "xml"}).content).findtext("request_id"),
        send({**params, "format": "json"}).json()["error_response"]["request_id"],
        send({**params, "simplify": "true"}).json()["error_response"]["request_id"],
        send({k: v for k, v in params.items() if k != "format"}).json()["error_response"][
            "request_id"
        ],
    }
    assert len(ids) == 1


def test_the_document_lists_xml_answers_and_the_answer_params(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    router = document["paths"]["/router/rest"]["post"]
    for response in router["responses"].values():
        assert "text/xml" in response["content"]
    params = {param["name"]: param["description"] for param in router["parameters"]}
    assert "xml" in params["format"]
    assert "wrapper key" in params["simplify"]
    answers = document["components"]["schemas"]["RouterAnswer"]["anyOf"]
    assert {"$ref": "#/components/schemas/SimplifiedSearch"} in answers


# -- the writer ----------------------------------------------------------------------------


def test_text_is_escaped_and_what_xml_cannot_carry_is_replaced() -> None:
    body = dumps(
        "r", {"a": "<&>\"'", "b": "x\ry\x01z\ufffe", "c": None, "d": True, "e": [1, 2.5], "f": {}}
    )
    assert body.decode("utf-8") == (
        f"{DECLARATION}<r><a>&lt;&amp;&gt;\"'</a><b>x&#13;y\ufffdz\ufffd</b><d>true</d>"
        "<e>1</e><e>2.5</e><f></f></r>"
    )
    root = xml_of(body)
    assert root.findtext("b") == "x\ry\ufffdz\ufffd"  # the carriage return survives a parser


@pytest.mark.parametrize(
    ("key", "name"),
    [("items", "items"), ("turnHead", "turnHead"), ("1688_x_response", "_1688_x_response")],
)
def test_element_names(key: str, name: str) -> None:
    assert element_name(key) == name


@pytest.mark.parametrize("key", ["", "a b", "<a>", "a&b", "中文", "-a"])
def test_a_key_that_cannot_be_a_name_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="cannot be an XML element name"):
        element_name(key)


def test_a_list_of_lists_is_refused() -> None:
    with pytest.raises(ValueError, match="list of lists"):
        dumps("r", {"a": [[1]]})
