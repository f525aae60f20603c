"""Fixtures for the fake gateway's tests: a gateway on a fixed clock, signed calls.

The catalog is built once per session (it draws and hashes its photos); each
test gets a fresh gateway over it, so uploads and journal never leak between
tests. Every answer the ``client`` fixture receives is checked against the
fake's own OpenAPI document (status, content type, JSON body schema).
"""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fake1688 import Catalog, FakeGateway
from fake1688.admin.openapi import openapi_document
from openapi_schema_validator import OAS31Validator
from PIL import Image

from pailitao.wire import aop, signing

#: The fixed "now" of the gateway's clock: 2025-11-28 11:20:00 GMT+8.
NOW = 1_764_300_000.0
KEY, SECRET = "test_app_key", "test_app_secret"
URL = "http://fake1688.test/openapi/router/rest"


@pytest.fixture(scope="session")
def catalog() -> Any:
    """The default seed-0 catalog, shared by the whole session (it is immutable)."""
    return Catalog.default(0)


@pytest.fixture
def gateway(catalog: Any) -> FakeGateway:
    """A fresh gateway whose clock stands still at ``NOW``."""
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


@pytest.fixture
def photo(catalog: Any) -> bytes:
    """The JPEG of the first catalog offer: a search by it finds that offer."""
    return bytes(catalog.image_bytes(catalog.offers[0]))


@pytest.fixture(scope="session")
def stranger() -> bytes:
    """A PNG that is no catalog photo."""
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), (200, 30, 90))
    for x in range(0, 64, 8):
        for y in range(0, 48, 8):
            image.putpixel((x, y), (x * 3, y * 4, 100))
    image.save(out, "PNG")
    return out.getvalue()


def system_params(method: str = "1688.items.search.img", **extra: str) -> dict[str, str]:
    """The seed's system params, timestamp in epoch ms at ``NOW``."""
    params = {
        "method": method,
        "app_key": KEY,
        "timestamp": signing.format_timestamp(NOW, "millis"),
        "v": "2.0",
        "format": "json",
    }
    params.update(extra)
    return params


def signed(params: dict[str, str], secret: str = SECRET) -> dict[str, str]:
    """``params`` plus their sign (method from ``sign_method``, md5 by default)."""
    return {**params, "sign": signing.sign(params, secret, params.get("sign_method") or "md5")}


def b64(image: bytes) -> str:
    """Standard base64 text, as the seed sends ``image``."""
    return base64.b64encode(image).decode("ascii")


Call = Callable[..., dict[str, Any]]


#: Where the Open Platform's gateway answers; anything under it is its, documented or not.
AOP_PREFIX = f"{aop.BASE_PATH}/{aop.PROTOCOL}/"


def _route(path: str) -> re.Pattern[str]:
    """The regex of an OpenAPI path: each ``{param}`` one segment, the rest literal."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


class OpenApiChecker:
    """Checks that an answer is one the OpenAPI document lists: status, type and body."""

    def __init__(self) -> None:
        self.document = openapi_document()
        # OpenAPI matches a concrete path before a templated one: the fewest templates first.
        paths = sorted(self.document["paths"].items(), key=lambda pair: pair[0].count("{"))
        self.routes = [(_route(path), item) for path, item in paths]

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> None:
        """Raise AssertionError if the answer is not documented."""
        item = next((item for pattern, item in self.routes if pattern.match(path)), None)
        operation = (item or {}).get(method.lower())
        if operation is None:  # undocumented request: only an error may answer
            self._check_refusal(method, path, status, content_type, body)
            return
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {path}: HTTP {status} is undocumented"
        media = content_type.split(";", maxsplit=1)[0].strip()
        assert media in response["content"], f"{method} {path}: {media} is undocumented"
        if media == "application/json":
            self._validate(json.loads(body), response["content"][media]["schema"])

    def _check_refusal(
        self, method: str, path: str, status: int, content_type: str, body: bytes
    ) -> None:
        """An undocumented request gets its surface's error: admin, Open Platform or TOP
        (in XML when it asked for format=xml)."""
        if path.startswith("/__fake__") or path == "/openapi.json":
            statuses, name = (404, 405), "AdminError"
        elif path.startswith(AOP_PREFIX):  # a path naming no API, or a method no API takes
            statuses, name = (400, 405), "AopGatewayError"
        else:
            statuses, name = (200, 404), "ErrorEnvelope"
        assert status in statuses, (method, path, status)
        if content_type.startswith("text/xml"):
            assert name == "ErrorEnvelope", (method, path, content_type)
            assert ET.fromstring(body).tag == "error_response"  # noqa: S314 - the fake's answer
            return
        self._validate(json.loads(body), {"$ref": f"#/components/schemas/{name}"})

    def _validate(self, data: Any, schema: dict[str, Any]) -> None:
        root = {**schema, "components": self.document["components"]}
        OAS31Validator(root).validate(data)


@pytest.fixture(scope="session")
def openapi_checker() -> OpenApiChecker:
    """The checker of answers against the fake's OpenAPI document."""
    return OpenApiChecker()


class ConformingTransport(httpx.BaseTransport):
    """Wraps a transport; every answer must conform to the OpenAPI document."""

    def __init__(self, inner: httpx.BaseTransport, checker: OpenApiChecker) -> None:
        self.inner, self.checker = inner, checker
        self.checked = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        content_type = response.headers.get("content-type", "")
        path = request.url.path
        self.checker.check(request.method, path, response.status_code, content_type, body)
        self.checked += 1
        return response


@pytest.fixture
def conforming(gateway: FakeGateway, openapi_checker: OpenApiChecker) -> ConformingTransport:
    """The gateway's direct transport, every answer checked (``checked`` counts them)."""
    return ConformingTransport(gateway.transport(), openapi_checker)


@pytest.fixture
def client(conforming: ConformingTransport) -> Iterator[httpx.Client]:
    """A raw httpx client on the gateway's direct transport, answers checked by OpenAPI."""
    with httpx.Client(transport=conforming, base_url="http://fake1688.test") as http:
        yield http


@pytest.fixture
def call(client: httpx.Client) -> Call:
    """POST signed params (urlencoded, or multipart with ``files``); returns the JSON."""

    def send(
        params: dict[str, str],
        *,
        files: dict[str, bytes] | None = None,
        sign: bool = True,
        path: str = "/openapi/router/rest",
    ) -> dict[str, Any]:
        data = signed(params) if sign else params
        if files:
            parts = {name: ("photo.jpg", content, "image/jpeg") for name, content in files.items()}
            response = client.post(path, data=data, files=parts)
        else:
            response = client.post(path, data=data)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json;charset=UTF-8"
        result: dict[str, Any] = json.loads(response.content)
        return result

    return send


def error_of(answer: dict[str, Any]) -> tuple[int, str, str]:
    """``(code, msg, sub_code)`` of an error envelope."""
    error = answer["error_response"]
    return error["code"], error["msg"], error["sub_code"]


@pytest.fixture
def helpers() -> Any:
    """The module's helper functions, for tests (importlib mode cannot import conftest)."""

    class Helpers:
        now = NOW
        key, secret, url = KEY, SECRET, URL
        system_params = staticmethod(system_params)
        signed = staticmethod(signed)
        b64 = staticmethod(b64)
        error_of = staticmethod(error_of)

    return Helpers
