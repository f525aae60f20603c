"""Schemathesis, driven by the fake's own OpenAPI document, against its ASGI app.

No fault is injected (each call starts from a reset gateway), so every answer
must be one the document lists: no HTTP 5xx, a documented status and content
type, a body that fits its schema, and no sign of the fake's own failure, which
it answers in the platform's shape rather than as a 5xx (TOP code 15; on the
Open Platform a business "500" or gw.InternalServerError). Calls of the TOP
router and of the Open Platform's image APIs are fuzzed twice: as generated
(mostly refused before the signature check), and signed, so that fuzzed
arguments reach the search and upload handlers. Unsigned, an Open Platform
call gets no further than its path, app key and signature, so those
operations (and the clock, other APIs, refused methods) get a fifth of the
examples. The resellers' REST paths are unsigned: their fuzz (a fifth of the
examples too) fills in the demo key and secret for most draws, and perhaps a
real image, so fuzzed params reach the search and upload.

``FAKE1688_FUZZ_EXAMPLES`` sets the examples per operation (default: the
Hypothesis profile's, at most 60) for a long run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from typing import Any

import pytest
import schemathesis
from fake1688 import FakeGateway
from fake1688.admin.openapi import openapi_document
from fake1688.engine.journal import JournalEntry, Verification
from fake1688.engine.store import Image
from hypothesis import event, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pailitao.wire import aop, reseller, signing

SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
#: Set by the test, in the query string: removed from the fuzzed body.
SYSTEM = ("method", "app_key", "timestamp", "v", "format", "sign_method", "sign")
IMAGE_SOURCES = ("image", "imgid", "imageUrl", "file")
EXAMPLES = int(os.environ.get("FAKE1688_FUZZ_EXAMPLES", min(settings.default.max_examples, 60)))
FUZZ = settings(max_examples=EXAMPLES)
#: Unsigned, an Open Platform call stops at its path, app key or signature: a fifth of the
#: examples covers what the gateway reads of it; the signed test below goes deeper.
FEW = settings(max_examples=max(1, EXAMPLES // 5))
OPEN_PLATFORM = r"^/openapi/param2/"
#: The resellers' REST paths: ``/1688/item_search_img/`` and ``/1688/upload_img/``.
RESELLER = rf"^/{reseller.PLATFORM}/"
#: Neither of the above: fuzzed with every example.
OWN_PATHS = rf"{OPEN_PLATFORM}|{RESELLER}"
#: The Open Platform's image APIs: the namespace/name segments of their paths.
IMAGE_APIS = re.compile(
    rf"^/openapi/param2/1/{re.escape(aop.NAMESPACE)}/"
    rf"({re.escape(aop.UPLOAD_API)}|{re.escape(aop.SEARCH_API)})/"
)


def without_examples(node: Any, *, names: bool = False) -> Any:
    """A deep copy of ``node`` without ``example``/``examples`` (``names``: a map of names)."""
    if isinstance(node, list):
        return [without_examples(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: without_examples(value, names=key == "properties" and not names)
        for key, value in node.items()
        if names or key not in ("example", "examples")
    }


def objects_of(name: str) -> st.SearchStrategy[Any]:
    """Objects that fit ``components/schemas/<name>``, drawn by schemathesis's own generator.

    Schemathesis draws a JSON-text param (``contentMediaType``) as any JSON,
    which seldom gets past the handler's first check; drawn from its
    ``contentSchema``, the fields reach the handler.
    """
    document = without_examples(openapi_document())
    body = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    operation = {
        "requestBody": {**body, "required": True},
        "responses": {"200": {"description": "-"}},
    }
    document["paths"] = {"/": {"post": operation}}
    return schemathesis.openapi.from_dict(document).as_strategy().map(lambda case: case.body)


schema = schemathesis.openapi.from_dict(openapi_document())
router = schema.include(path_regex=r"/router/rest$")
#: Without examples: schemathesis cannot run them in a test that draws more (``given``).
image_apis = schemathesis.openapi.from_dict(without_examples(openapi_document())).include(
    path_regex=IMAGE_APIS.pattern, method=["GET", "POST"]
)

reseller_apis = schemathesis.openapi.from_dict(without_examples(openapi_document())).include(
    path_regex=RESELLER
)

APP_PARAMS = {
    aop.UPLOAD_PARAM: objects_of("AopUploadImageParam"),
    aop.SEARCH_PARAM: objects_of("AopOfferQueryParam"),
}


def no_internal_failure(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """The fake's own failure: without faults it is a bug, as a 5xx is.

    The TOP router answers it as code 15; the Open Platform gateway as a
    business "500", or gw.InternalServerError when the fault is the gateway's.
    """
    content_type = response.headers.get("content-type", [""])[0]
    if "xml" in content_type:  # format=xml: the same envelope, as elements
        assert b"<error_response><code>15</code>" not in response.content, response.content
        return
    if "json" not in content_type:
        return
    answer = json.loads(response.content)
    if not isinstance(answer, dict):  # the clock's bare number
        return
    error = answer.get("error_response")
    assert not (isinstance(error, dict) and error.get("code") == 15), error
    result = answer.get("result")
    assert not (isinstance(result, dict) and result.get("code") == aop.SERVICE_ERROR_CODE), result
    assert answer.get("error_code") != aop.INTERNAL_ERROR.error_code, answer
    assert answer.get("error_code") != "5000", answer  # the reseller dialect's own failure


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    no_internal_failure,
]


@pytest.fixture(scope="module")
def fuzzed(catalog: Any) -> FakeGateway:
    """One gateway for the module, reset before every call (no fault outlives one)."""
    return FakeGateway(catalog=catalog)


@schema.exclude(path_regex=OWN_PATHS).parametrize()
@FUZZ
def test_every_answer_is_documented(case: schemathesis.Case, fuzzed: FakeGateway) -> None:
    fuzzed.reset()
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)


@schema.include(path_regex=OPEN_PLATFORM).parametrize()
@FEW
def test_every_open_platform_answer_is_documented(
    case: schemathesis.Case, fuzzed: FakeGateway
) -> None:
    fuzzed.reset()
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)


@reseller_apis.parametrize()
@reseller_apis.given(
    how=st.tuples(
        st.sampled_from(["demo", "demo", "demo", "fuzzed"]),  # the credentials, mostly valid
        st.sampled_from(["fuzzed", "catalog", "photo"]),  # where the image comes from
    )
)
@FEW
def test_reseller_calls_are_documented(
    case: schemathesis.Case, how: tuple[str, str], fuzzed: FakeGateway
) -> None:
    """Fuzzed params, mostly with the demo key and secret, perhaps a real image."""
    credentials, source = how
    fuzzed.reset()
    if credentials == "demo":
        query = {k: v for k, v in (case.query or {}).items() if isinstance(v, str)}
        query.update(key=KEY, secret=SECRET)
        offer = fuzzed.catalog.offers[0]
        if source == "catalog":
            query["imgid"] = offer.pic_url
        elif source == "photo":
            photo = base64.b64encode(fuzzed.catalog.image_bytes(offer)).decode("ascii")
            query["imgcode"] = photo
        if isinstance(case.body, dict):  # a key given twice must agree: the query's wins
            case.body = {k: v for k, v in case.body.items() if k not in query}
        case.query = query
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)
    entry = fuzzed.journal.last()
    assert entry is not None
    event(f"{entry.api_method}: code {entry.code}")


@router.parametrize()
@router.given(
    how=st.tuples(
        st.sampled_from([SEARCH, UPLOAD]),
        st.sampled_from(["md5", "hmac", "hmac-sha256"]),
        st.sampled_from(["fuzzed", "catalog", "photo"]),  # where the image comes from
    )
)
@FUZZ
def test_signed_router_calls_are_documented(
    case: schemathesis.Case, how: tuple[str, str, str], fuzzed: FakeGateway
) -> None:
    """Fuzzed arguments, perhaps a real image, and a valid signature over them all."""
    api, sign_method, source = how
    fuzzed.reset()
    drop = {*SYSTEM, *(IMAGE_SOURCES if source != "fuzzed" else ())}
    query = {k: v for k, v in (case.query or {}).items() if isinstance(v, str) and k not in drop}
    form: dict[str, Any] = {}
    if isinstance(case.body, dict):  # text fields and the file part: the form sent is signed
        # A multipart field's name goes with '"', CR and LF escaped (%22, %0D, %0A: the
        # WHATWG form encoding, httpx's too), and servers read it as sent, the platform's
        # included: a client would sign a name the gateway never sees. Not fuzzed here.
        multipart = (case.media_type or "").startswith("multipart/")
        form = {
            k: v
            for k, v in case.body.items()
            if (isinstance(v, str) or k == "file")
            and k not in drop
            and not (multipart and any(c in k for c in '"\r\n'))
        }
        case.body = form
    offer = fuzzed.catalog.offers[0]
    if source == "catalog":
        query["imgid"] = offer.pic_url
    elif source == "photo":
        query["image"] = base64.b64encode(fuzzed.catalog.image_bytes(offer)).decode("ascii")
    query.update(
        method=api,
        app_key=KEY,
        timestamp=signing.format_timestamp(style="millis"),
        v="2.0",
        format="json",
        sign_method=sign_method,
    )
    text = {k: v for k, v in form.items() if k != "file"}  # a file part is never signed
    query["sign"] = signing.sign({**text, **query}, SECRET, sign_method)
    case.query = query
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)
    entry = fuzzed.journal.last()
    assert entry is not None
    event(f"sign {entry.verification}, code {entry.code}")  # --hypothesis-show-statistics
    sent = {*query, *form} - {*SYSTEM, "sign"}
    check_signed_router_outcome(entry, sent, real_image=source != "fuzzed")


#: What the router refuses before the signature: a malformed body, a key sent twice
#: with different values, a simplify that is no boolean; all are 41.
BEFORE_SIGNATURE = 41


def check_signed_router_outcome(entry: JournalEntry, sent: set[str], *, real_image: bool) -> None:
    """A validly signed call passes the signature check (or is refused before it, as
    41) and gets a success or an argument error (40, 41), never a signature error;
    with a real image, an error names a param the call sent."""
    if entry.verification is Verification.NOT_REACHED:
        assert entry.code == BEFORE_SIGNATURE, entry.describe()
        return
    assert entry.verification is Verification.PASSED, entry.describe()
    assert entry.code in (0, 40, 41), entry.describe()
    if real_image and entry.code != 0:
        assert entry.sub_msg is not None
        assert any(name in entry.sub_msg for name in sent), (entry.sub_msg, sent)


@image_apis.parametrize()
@image_apis.given(
    how=st.tuples(
        # The app param: as generated (any JSON text), or drawn from its schema, perhaps
        # naming a real image (uploaded before, or a catalog address; sent, for an upload).
        st.sampled_from(["fuzzed", "drawn", "uploaded", "catalog"]),
        st.booleans(),  # with a current _aop_timestamp
    ),
    data=st.data(),
)
@FUZZ
def test_signed_open_platform_calls_are_documented(
    case: schemathesis.Case, how: tuple[str, bool], data: st.DataObject, fuzzed: FakeGateway
) -> None:
    """Fuzzed app param fields, perhaps a real image, and a valid token and signature."""
    source, stamped = how
    fuzzed.reset()
    match = IMAGE_APIS.match(case.operation.path)
    assert match is not None
    api = aop.ApiPath(aop.NAMESPACE, match.group(1), KEY)
    case.path_parameters = {"appKey": KEY}
    get = case.method.upper() == "GET"
    given = case.query if get else case.body
    system = (aop.SIGNATURE, aop.TIMESTAMP, aop.ACCESS_TOKEN)
    params = {
        k: v
        for k, v in (given if isinstance(given, dict) else {}).items()
        if isinstance(v, str) and k not in system
    }
    name = aop.UPLOAD_PARAM if api.name == aop.UPLOAD_API else aop.SEARCH_PARAM
    if source != "fuzzed":  # an object that fits the param's schema, as JSON text
        value: dict[str, Any] = data.draw(APP_PARAMS[name])
        if source != "drawn":
            place_image(api.name, value, source, fuzzed)
        params[name] = aop.encode_param(value)
    params[aop.ACCESS_TOKEN] = TOKEN
    if stamped:
        params[aop.TIMESTAMP] = str(int(time.time() * 1000))
    params[aop.SIGNATURE] = aop.sign(api.signed, params, SECRET)
    if get:
        case.query = params
    else:
        case.body = params
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)
    entry = fuzzed.journal.last()
    assert entry is not None
    event(f"{api.name}: sign {entry.verification}, code {entry.code}")
    # Signed with the app's secret and token: the signature passes; the answer is a
    # success, the param missing, or a business 400; with a real image in a param drawn
    # from its schema, a 400 names the field it refuses.
    assert entry.verification is Verification.PASSED, entry.describe()
    assert entry.code in (0, aop.BAD_REQUEST_CODE, "gw.ParamMissing"), entry.describe()
    if source in ("uploaded", "catalog") and entry.code != 0:
        assert entry.sub_msg is not None
        assert entry.sub_msg.startswith(f"{name}."), entry.describe()


def place_image(api: str, value: dict[str, Any], source: str, fuzzed: FakeGateway) -> None:
    """A real image in the app param: a catalog photo sent, or uploaded before, or addressed."""
    offer = fuzzed.catalog.offers[0]
    photo = bytes(fuzzed.catalog.image_bytes(offer))
    if api == aop.UPLOAD_API:
        value["imageBase64"] = base64.b64encode(photo).decode("ascii")
    elif source == "uploaded":
        value.pop("imageAddress", None)
        value["imageId"] = fuzzed.store.put(Image.of(photo)).image_id
    else:
        value.pop("imageId", None)
        value["imageAddress"] = offer.pic_url
