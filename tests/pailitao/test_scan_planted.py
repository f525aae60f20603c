"""`pailitao cassettes scan` against planted secrets: each form a cassette may keep
one in, in a request and in a response, in the layouts plain vcrpy writes (YAML
block and flow style, JSON) and in pailitao's own.

Each cassette is written by the layout's own serializer (vcrpy's `serialize()` with
its YAML or JSON serializer; PyYAML's flow style as PyYAML < 5.1 wrote vcrpy's
cassettes; pailitao's serializer), from the request and response vcrpy would hold.
"""

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx
import pytest
import vcr.serialize
import yaml
from vcr.request import Request
from vcr.serializers import jsonserializer, yamlserializer

from pailitao.recording.scan import Finding, scan_document
from pailitao.recording.serializer import serializer as pailitao_serializer

SECRET = "planted_app_secret_9f3e"
KEY = "planted_app_key_4410"
TOKEN = "planted-access-token-c0ffee"
KNOWN = {"configured-secret": SECRET, "configured-app-key": KEY, "configured-access-token": TOKEN}
SIGN = "3A1F9C0B7E2D4C5A8B6F0E1D2C3B4A59"
SESSION_ID = "8F14E45FCEEA167A5A36DEDD4BEA2543"
URI = "https://gw.example.test/openapi/router/rest"
#: A JPEG's first bytes: no UTF-8, so vcrpy's YAML keeps a body holding them as !!binary.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(128, 256))
#: JSON holds no bytes: in vcrpy's JSON layout a file part is text.
TEXT_PART = b"GIF89a, as text"
BOUNDARY = "c200e203f833f69d94e060009df3b6ba"


def b64(text: str, *, url: bool = False) -> str:
    encode = base64.urlsafe_b64encode if url else base64.b64encode
    return encode(text.encode()).decode()


JWT = ".".join(
    b64(part, url=True).rstrip("=")
    for part in ('{"alg":"HS256","typ":"JWT"}', '{"sub":"buyer-1","exp":1795831200}', "sig-0f9e")
)
SIGNED_QUERY = f"app_key={KEY}&method=1688.items.search.img&timestamp=1764300000&sign={SIGN}"


def multipart(**fields: str) -> tuple[bytes, str]:
    """A multipart upload as httpx sends it: the fields and a JPEG file part."""
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    request = httpx.Request(
        "POST",
        URI,
        data=fields,
        files={"image": ("a.jpg", JPEG, "image/jpeg")},
        headers={"Content-Type": content_type},
    )
    return request.read(), request.headers["content-type"]


@dataclass(frozen=True)
class Plant:
    """A secret planted in one part of a request or a response, and what finds it.

    ``found``: the rules that find it (``configured``: and with the values in the
    environment); ``shows``: what the cassette's text holds in the form's own layout;
    ``fold``: a name and a value that the layout writes on two lines (``{pad}``
    in ``value`` grows until it does).
    """

    part: str  # query, body or a header's name
    value: str | bytes
    found: tuple[str, ...]
    configured: tuple[str, ...] = ()
    content_type: str = "application/json"
    shows: str = ""
    fold: tuple[str, str] | None = None


MULTIPART_SIGN, MULTIPART_SIGN_TYPE = multipart(
    method="1688.items.search.img", app_key=KEY, sign=SIGN
)
MULTIPART_SESSION, MULTIPART_SESSION_TYPE = multipart(method="1688.upload.img", session=TOKEN)
FOLDED = json.dumps({"title": "连衣裙 新款{pad}", "access_token": TOKEN}, ensure_ascii=False)
FOLDED_PLANT = Plant(
    "body",
    FOLDED,
    ("unscrubbed-param",),
    ("configured-access-token",),
    fold=("access_token", TOKEN),
)


class Form(NamedTuple):
    """A secret form: planted in a request, planted in a response, and its own layout."""

    request: Plant
    response: Plant
    layout: str = "vcrpy-yaml"


def binary_body(body: bytes, content_type: str, *found: str) -> Form:
    """A multipart body that vcrpy's YAML stores as ``!!binary``, on either side."""
    plant = Plant("body", body, found[:1], found[1:], content_type, shows="body: !!binary")
    return Form(plant, replace(plant, shows="string: !!binary"))


def authorization(shows: str, layout: str) -> Form:
    """A bearer token in an ``Authorization`` header, on either side."""
    plant = Plant(
        "Authorization",
        f"Bearer {TOKEN}",
        ("bearer-token",),
        ("configured-access-token",),
        shows=shows,
    )
    return Form(plant, plant, layout)


FORMS: dict[str, Form] = {
    "multipart-binary-sign": binary_body(
        MULTIPART_SIGN, MULTIPART_SIGN_TYPE, "unscrubbed-param", "configured-app-key"
    ),
    "multipart-binary-session": binary_body(
        MULTIPART_SESSION, MULTIPART_SESSION_TYPE, "unscrubbed-param", "configured-access-token"
    ),
    "authorization-block-style": authorization(
        f"Authorization:\n      - Bearer {TOKEN}", "vcrpy-yaml"
    ),
    "authorization-flow-style": authorization(
        f"Authorization: [Bearer {TOKEN}]", "vcrpy-yaml-flow"
    ),
    "jwt": Form(
        Plant("query", f"method=1688.items.search.img&id_token={JWT}", ("jwt",), shows=JWT),
        Plant("body", json.dumps({"result": {"jwt": JWT}}), ("jwt",), shows=JWT),
    ),
    "session-cookie": Form(
        Plant("Cookie", f"lang=zh_CN; JSESSIONID={SESSION_ID}", ("session-cookie",)),
        Plant("Set-Cookie", f"JSESSIONID={SESSION_ID}; Path=/; HttpOnly", ("session-cookie",)),
    ),
    "base64-secret": Form(
        Plant(
            "X-Debug-Context",
            b64(f"app_secret={SECRET}"),
            ("credential-param",),
            ("configured-secret",),
            shows=b64(f"app_secret={SECRET}"),
        ),
        Plant(
            "body",
            json.dumps({"echo": b64(json.dumps({"app_secret": SECRET}))}),
            ("credential-param",),
            ("configured-secret",),
        ),
    ),
    "base64-signed-query": Form(
        Plant(
            "body",
            f"q={b64(SIGNED_QUERY).replace('+', '%2B').replace('=', '%3D')}",
            ("unscrubbed-param",),
            ("configured-app-key",),
            "application/x-www-form-urlencoded",
        ),
        Plant(
            "X-Original-Query",
            b64(SIGNED_QUERY, url=True),
            ("unscrubbed-param",),
            ("configured-app-key",),
        ),
    ),
    "percent-encoded": Form(
        Plant(
            "query",
            f"method=x&redirect=https%3A%2F%2Fshop.example%2Fcb%3Fa%3D1%2526sign%253D{SIGN}",
            ("unscrubbed-param",),
            shows="%2526sign%253D",
        ),
        Plant(
            "body",
            json.dumps({"next": f"https://shop.example/cb?a=1%26sign%3D{SIGN}"}),
            ("unscrubbed-param",),
            shows="%26sign%3D",
        ),
    ),
    "escaped-json": Form(
        Plant(
            "body",
            json.dumps({"payload": json.dumps({"access_token": TOKEN})}),
            ("unscrubbed-param",),
            ("configured-access-token",),
            shows='{\\"access_token\\": \\"',
        ),
        Plant(
            "X-Context",
            json.dumps({"access_token": TOKEN}).replace('"', '\\"'),
            ("unscrubbed-param",),
            ("configured-access-token",),
            shows='{\\"access_token\\": \\"',
        ),
    ),
    "unicode-escape": Form(
        Plant("query", f"%5Cu0073ign={SIGN}&method=x", ("unscrubbed-param",), shows="%5Cu0073ign"),
        Plant("body", '{"\\u0073ign": "' + SIGN + '"}', ("unscrubbed-param",), shows="\\u0073ign"),
    ),
    "folded-value": Form(FOLDED_PLANT, FOLDED_PLANT),
}


def _flow(data: dict[str, Any]) -> str:
    """PyYAML < 5.1's default style, which vcrpy cassettes of that time have."""
    return yaml.dump(data, default_flow_style=None)


LAYOUTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "vcrpy-yaml": yamlserializer.serialize,
    "vcrpy-yaml-flow": _flow,
    "vcrpy-json": jsonserializer.serialize,
    "pailitao": pailitao_serializer.serialize,
}


def exchange(side: str, plant: Plant, value: str | bytes) -> tuple[Request, dict[str, Any]]:
    """A request and its response as vcrpy holds them, the plant on one side."""
    uri, body = URI, "method=1688.items.search.img&page=1"
    sent = {"Host": "gw.example.test", "Content-Type": "application/x-www-form-urlencoded"}
    answer, got = {"Content-Type": "application/json;charset=UTF-8"}, '{"ok": true}'
    headers = sent if side == "request" else answer
    if plant.part == "query":
        uri += "?" + str(value)
    elif plant.part == "body":
        headers["Content-Type"] = plant.content_type
        if side == "request":
            body = value
        else:
            got = value
    else:
        headers[plant.part] = str(value)
    raw = got.encode() if isinstance(got, str) else got
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {name: [text] for name, text in answer.items()},
        "body": {"string": raw},
    }
    return Request("POST", uri, body, sent), response


def cassette(side: str, plant: Plant, layout: str) -> str:
    """The cassette's text: vcrpy's own ``serialize()``, then the layout's writer."""
    for pad in range(200):
        value = plant.value
        if layout == "vcrpy-json" and isinstance(value, bytes):
            value = value.replace(JPEG, TEXT_PART)
        if isinstance(value, str):
            value = value.replace("{pad}", " w" * pad)
        request, response = exchange(side, plant, value)
        keep = SimpleNamespace(serialize=lambda data: data)
        data = vcr.serialize.serialize({"requests": [request], "responses": [response]}, keep)
        text = LAYOUTS[layout](data)
        lines = text.splitlines()
        if plant.fold is None or not any(all(s in line for s in plant.fold) for line in lines):
            return text
        if layout == "vcrpy-json":  # JSON never folds a string
            return text
    raise AssertionError("no padding folds the value onto the next line")


def scan(text: str, known: dict[str, str] | None = None) -> list[Finding]:
    return scan_document(Path("c.yaml"), text, known or {}).findings


def places(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return sorted((f.rule, f.interaction, f.where) for f in findings)


def expected(side: str, plant: Plant, rules: tuple[str, ...]) -> list[tuple[str, int, str]]:
    part = plant.part if plant.part in ("query", "body") else f"header {plant.part.lower()}"
    return sorted((rule, 0, f"{side} {part}") for rule in rules)


PLANTS = [
    pytest.param(form, side, id=f"{form}-{side}")
    for form in FORMS
    for side in ("request", "response")
]


def plant_of(form: str, side: str) -> tuple[Plant, str]:
    request, response, layout = FORMS[form]
    return (request if side == "request" else response), layout


def assert_no_secret_shown(findings: list[Finding]) -> None:
    shown = "\n".join(map(str, findings))
    for secret in (SECRET, KEY, TOKEN, SIGN, SESSION_ID, JWT, JWT.split(".")[1]):
        assert secret not in shown


@pytest.mark.parametrize(("form", "side"), PLANTS)
def test_each_planted_form_is_found(form: str, side: str) -> None:
    plant, layout = plant_of(form, side)
    text = cassette(side, plant, layout)
    assert plant.shows in text  # the form is what it says
    findings = scan(text)
    assert places(findings) == expected(side, plant, plant.found)
    assert_no_secret_shown(findings)


@pytest.mark.parametrize(("form", "side"), PLANTS)
def test_with_the_values_configured_each_form_is_found_as_theirs_too(form: str, side: str) -> None:
    plant, layout = plant_of(form, side)
    findings = scan(cassette(side, plant, layout), KNOWN)
    assert places(findings) == expected(side, plant, plant.found + plant.configured)
    assert_no_secret_shown(findings)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("form", "side"), PLANTS)
def test_each_form_is_found_in_every_layout(form: str, side: str, layout: str) -> None:
    plant, _ = plant_of(form, side)
    findings = scan(cassette(side, plant, layout), KNOWN)
    assert places(findings) == expected(side, plant, plant.found + plant.configured)


@pytest.mark.parametrize("layout", ["vcrpy-yaml", "vcrpy-yaml-flow", "pailitao"])
def test_a_value_folded_onto_the_next_line_is_found_on_its_scalars_first(layout: str) -> None:
    plant, _ = plant_of("folded-value", "request")
    text = cassette("request", plant, layout)
    lines = text.splitlines()
    name = next(i for i, line in enumerate(lines) if "access_token" in line)
    assert TOKEN not in lines[name]
    assert TOKEN in lines[name + 1]
    body = next(i for i, line in enumerate(lines) if "body:" in line)
    assert [(f.line, f.rule) for f in scan(text)] == [(body + 1, "unscrubbed-param")]


# -- the configured values alone: found only with them in the environment --------

#: A secret with the characters that percent-encoding, base64 and escapes change.
ODD_SECRET = "s3cr+t/planted=ed&9"
ODD = {"configured-secret": ODD_SECRET}
ENCODINGS = {
    "verbatim": ODD_SECRET,
    "base64": b64(ODD_SECRET),
    "base64url": b64(ODD_SECRET, url=True).rstrip("="),
    "percent-encoded": quote(ODD_SECRET, safe=""),
    "percent-encoded-twice": quote(quote(ODD_SECRET, safe=""), safe=""),
    "json-escaped": "".join(f"\\u{ord(char):04x}" for char in ODD_SECRET),
    "base64-of-json": b64(json.dumps({"note": ODD_SECRET})),
}
PARTS = {
    "request query": ("request", "query", "state={}"),
    "request header x-debug": ("request", "X-Debug", "{}"),
    "response body": ("response", "body", '{{"note": "{}"}}'),
}


@pytest.mark.parametrize("where", PARTS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_configured_value_is_found_in_any_encoding(encoding: str, where: str) -> None:
    side, part, template = PARTS[where]
    encoded = ENCODINGS[encoding]
    value = template.format(quote(encoded, safe="") if part == "query" else encoded)
    text = cassette(side, Plant(part, value, ()), "vcrpy-yaml")
    assert scan(text) == []
    findings = scan(text, ODD)
    assert places(findings) == [("configured-secret", 0, where)]
    assert ODD_SECRET not in "\n".join(map(str, findings))


@pytest.mark.parametrize("layout", ["vcrpy-yaml", "vcrpy-yaml-flow", "pailitao"])
def test_a_configured_value_is_found_in_a_gzipped_binary_answer(layout: str) -> None:
    answer = gzip.compress(json.dumps({"note": ODD_SECRET}).encode(), mtime=0)
    text = cassette("response", Plant("body", answer, ()), layout)
    assert "!!binary" in text
    assert scan(text) == []
    assert places(scan(text, ODD)) == [("configured-secret", 0, "response body")]


def test_a_configured_value_is_found_in_a_text_file_part_of_a_binary_upload() -> None:
    request = httpx.Request(
        "POST",
        URI,
        files={"image": ("a.jpg", JPEG, "image/jpeg"), "notes": ("n.txt", ODD_SECRET.encode())},
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    plant = Plant("body", request.read(), (), content_type=request.headers["content-type"])
    text = cassette("request", plant, "vcrpy-yaml")
    assert "!!binary" in text
    assert scan(text) == []
    assert places(scan(text, ODD)) == [("configured-secret", 0, "request body")]
