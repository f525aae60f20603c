"""Schemathesis, driven by the fake's own OpenAPI document, against its ASGI app.

No fault is injected (each call starts from a reset gateway), so every answer
must be one the document lists: no HTTP 5xx, a documented status and content
type, a body that fits its schema, and no code 15 (the fake's own failure,
which it answers as an envelope rather than a 5xx). Router calls are fuzzed
twice: as generated (mostly refused before the signature check), and signed,
so that fuzzed arguments reach the search and upload handlers.

``FAKE1688_FUZZ_EXAMPLES`` sets the examples per operation (default: the
Hypothesis profile's, at most 60) for a long run.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
import schemathesis
from fake1688 import FakeGateway
from fake1688.openapi import openapi_document
from hypothesis import event, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pailitao.wire import signing

SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
KEY, SECRET = "test_app_key", "test_app_secret"
#: Set by the test, in the query string: removed from the fuzzed body.
SYSTEM = ("method", "app_key", "timestamp", "v", "format", "sign_method", "sign")
IMAGE_SOURCES = ("image", "imgid", "imageUrl", "file")
EXAMPLES = int(os.environ.get("FAKE1688_FUZZ_EXAMPLES", min(settings.default.max_examples, 60)))
FUZZ = settings(max_examples=EXAMPLES)

schema = schemathesis.openapi.from_dict(openapi_document())
router = schema.include(path_regex=r"/router/rest$")


def no_internal_failure(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Code 15 is the fake's own failure: without faults it is a bug, as a 5xx is."""
    if "json" not in response.headers.get("content-type", [""])[0]:
        return
    answer = json.loads(response.content)
    error = answer.get("error_response") if isinstance(answer, dict) else None
    assert not (isinstance(error, dict) and error.get("code") == 15), error


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


@schema.parametrize()
@FUZZ
def test_every_answer_is_documented(case: schemathesis.Case, fuzzed: FakeGateway) -> None:
    fuzzed.reset()
    case.call_and_validate(app=fuzzed.asgi_app, checks=CHECKS)


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
        form = {
            k: v
            for k, v in case.body.items()
            if (isinstance(v, str) or k == "file") and k not in drop
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
