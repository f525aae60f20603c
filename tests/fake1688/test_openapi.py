"""The OpenAPI document: valid OpenAPI 3.1, and every answer of the fake conforms to it.

(The ``client`` fixture of this folder checks every answer of the other tests too.)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from openapi_spec_validator import validate

SEARCH = "1688.items.search.img"


def test_the_document_is_valid_openapi_3_1(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {"/router/rest", "/openapi/router/rest", "/img/ibank/{name}"} <= set(document["paths"])
    assert {path for path in document["paths"] if path.startswith("/__fake__/")} == {
        "/__fake__/health",
        "/__fake__/requests",
        "/__fake__/reset",
        "/__fake__/faults",
        "/__fake__/limits",
    }
    router = document["paths"]["/router/rest"]["post"]
    assert set(router["responses"]) == {"200", "500", "502", "503", "504"}
    assert set(router["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }


@pytest.mark.asyncio
async def test_asgi_answers_conform_including_injected_errors(
    gateway: FakeGateway, openapi_checker: Any, helpers: Any, catalog: Any, photo: bytes
) -> None:
    """Over the Starlette app: every kind of answer that stays well-formed."""
    offer = catalog.offers[0]
    search = helpers.signed(helpers.system_params(imgid=offer.pic_url))
    upload = helpers.signed(helpers.system_params("1688.upload.img", image=helpers.b64(photo)))
    image_path = offer.pic_url.split("alicdn.com", 1)[1]
    gateway.faults.next(1, "http_error", status=500)
    gateway.faults.next(1, "http_error", status=504, body="envelope")
    transport = httpx.ASGITransport(app=gateway.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake1688.test") as http:
        answers = [
            await http.post("/router/rest", data=search),  # injected 500, HTML
            await http.post("/router/rest", data=search),  # injected 504, envelope
            await http.post("/router/rest", data=search),
            await http.get("/openapi/router/rest", params=search),
            await http.post("/openapi/router/rest", data=upload),
            await http.post("/router/rest", files={"image": ("a.jpg", photo)}, data=search),
            await http.get("/router/rest"),
            await http.get(image_path),
            await http.get("/img/ibank/unknown.jpg"),
            await http.get("/__fake__/health"),
            await http.get("/__fake__/requests", params={"limit": "3"}),
            await http.get("/__fake__/faults"),
            await http.get("/__fake__/limits"),
            await http.get("/openapi.json"),
        ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [500, 504, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200]
    for answer in answers:
        openapi_checker.check(
            answer.request.method,
            answer.request.url.path,
            answer.status_code,
            answer.headers["content-type"],
            answer.content,
        )
    assert answers[7].headers["content-type"] == "image/jpeg"
