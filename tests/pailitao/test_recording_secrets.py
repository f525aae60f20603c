"""Secrets as a property: no secret-bearing param's value reaches a cassette, in any dialect.

Each request carries secret-bearing params (every name the redaction rule, the
canonical form or a dialect treats as one, and those issue 23 names), each with
a value no other text holds by chance (:data:`MARK`, then random characters,
some of which need percent-encoding), in a drawn place: the URL query string, a
urlencoded or multipart body, or (Open Platform) a JSON app param. It is sent as
the dialect's client sends it, to the dialect's URL, through a real record run
(``make_vcr(record_mode="once")``: the request hook, the answer hook, the
sensitive-data filter, the serializer and the persister) into a fresh directory,
and an answer quotes the credentials the recording room claims to scrub from
answers. Neither the request as stored nor the cassette file holds any of the
values, raw or encoded.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import quote, quote_plus

import httpx
import pytest
import yaml
from hypothesis import given, note
from hypothesis import strategies as st

from pailitao.recording import make_vcr
from pailitao.recording.canonical import DROPPED_PARAMS
from pailitao.recording.scope import gateway_cassette
from pailitao.wire import aop, reseller, signing, top
from pailitao.wire.redaction import APP_KEY_PARAMS, SECRET_PARAMS

Dialect = Literal["top", "aop", "reseller"]
Place = Literal["query", "body", "json", "nested json", "json text"]
Body = Literal["urlencoded", "multipart"]

#: Starts every secret value: rare enough that no other text in a cassette holds it.
MARK: Final = "QzXsecret"
#: What issue 23 names as secret-bearing (the reseller's are ``key`` and ``secret``).
ISSUE_NAMES: Final = frozenset(
    {"sign", "_aop_signature", "session", "access_token", "partner_id", "app_secret", "secret"}
    | set(reseller.CREDENTIAL_PARAMS)
)
#: Every secret-bearing name: the redaction rule's, the canonical form's and the issue's.
SECRET_NAMES: Final = sorted(
    SECRET_PARAMS
    | APP_KEY_PARAMS
    | (DROPPED_PARAMS - {"timestamp", "sign_method"})  # volatile, not secret
    | {aop.SIGNATURE, aop.ACCESS_TOKEN}
    | ISSUE_NAMES
)
#: The credentials each dialect's client sends, and where (other places are drawn too).
CREDENTIALS: Final[dict[Dialect, dict[str, Place]]] = {
    "top": {"app_key": "body", "session": "body"},
    "aop": {aop.ACCESS_TOKEN: "body"},
    "reseller": {"key": "query", "secret": "query"},
}
#: The credentials the recording room learns from a request's params and scrubs from
#: its answer (beside an Open Platform path's app key).
LEARNED: Final[dict[Dialect, tuple[str, ...]]] = {
    "top": ("session",),
    "aop": (aop.ACCESS_TOKEN,),
    "reseller": ("key", "secret"),
}
#: The places where a value travels as a param of its own (not inside JSON).
PARAMS: Final = ("query", "body")
#: Ordinary params: never secret, never dropped, never an image.
ORDINARY_NAMES: Final = ("cat", "page", "sort", "q", "lang", "note", "page_size")
#: A file part, as a multipart upload sends the image (its bytes become a fingerprint).
PHOTO: Final = b"\xff\xd8\xff\xe0 not much of a jpeg"
FILE_PART: Final[dict[Dialect, str]] = {"top": "image", "aop": "file", "reseller": "imgcode"}

#: What follows the mark in a secret-bearing param's value: plain characters, and ones a
#: URL, JSON or YAML writes otherwise.
TAIL: Final = st.text(
    st.sampled_from("abcdefXYZ0123456789") | st.sampled_from(" +&=%/?#;:@!$'\"()*,~\\é中\n"),
    min_size=10,
    max_size=20,
)
#: What follows the mark in a credential, as platforms issue them: letters and digits.
PLAIN_TAIL: Final = st.text(st.sampled_from("abcdefXYZ0123456789"), min_size=10, max_size=20)


# -- finding a value ------------------------------------------------------------------------


def spellings(value: str) -> set[str]:
    """Every way a value may be written in a stored request or a cassette file."""
    json_ascii = json.dumps(value)[1:-1]
    json_utf8 = json.dumps(value, ensure_ascii=False)[1:-1]
    return {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json_ascii,
        json_utf8,
        quote_plus(json_utf8),
        quote(json_utf8, safe=""),
    }


def strings(data: Any) -> Iterator[str]:
    """Every string inside a loaded cassette (keys too), bytes decoded."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, bytes):
        yield data.decode("utf-8", "replace")
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from strings(item)


def assert_hidden(values: list[str], text: str, where: str) -> None:
    """No value, in any spelling, and not even the mark, is in ``text``."""
    assert MARK.lower() not in text.lower(), f"a secret's mark is in {where}:\n{text}"
    for value in values:
        for spelling in spellings(value):
            assert spelling not in text, f"{spelling!r} is in {where}:\n{text}"


# -- requests -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Sent:
    """A request as a dialect's client sends it, and the secret values around it.

    ``secrets``: every secret value it carries, and the app secret. ``learned``:
    the credentials the recording room learns from it. ``configured``: the app
    key and access token the recording config names (not sent).
    """

    request: httpx.Request
    secrets: list[str]
    app_secret: str
    learned: list[str]
    configured: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        request = self.request
        return f"Sent({request.method} {str(request.url)!r}, content={request.read()!r})"


def json_param(placed: dict[Place, dict[str, str]]) -> str:
    """``offerQueryParam`` holding fields at its top (``json``), in an object inside
    (``nested json``) and in JSON text inside (``json text``, as AOP's ``sort`` travels)."""
    query: dict[str, object] = {"beginPage": 1, "pageSize": 20, **placed["json"]}
    if placed["nested json"]:
        query["filter"] = {"country": "en", **placed["nested json"]}
    if placed["json text"]:
        query["sort"] = aop.encode_param({"price": "asc", **placed["json text"]})
    return aop.encode_param(query)


def placed(where: Place, pairs: dict[str, tuple[str, Place]]) -> dict[str, str]:
    """The params of ``pairs`` that travel in ``where``."""
    return {name: value for name, (value, place) in pairs.items() if place == where}


@st.composite
def requests(draw: st.DrawFn, dialect: Dialect) -> Sent:
    """A request of ``dialect`` carrying secret-bearing params in drawn places."""
    places: list[Place] = ["query", "body"]
    places += ["json", "nested json", "json text"] if dialect == "aop" else []
    body: Body = draw(st.sampled_from(["urlencoded", "multipart"]))
    serial = iter(range(100))

    def value(tail: st.SearchStrategy[str]) -> str:
        return f"{MARK}{next(serial)}{draw(tail)}"

    credentials = CREDENTIALS[dialect]
    drawn = draw(st.sets(st.sampled_from(SECRET_NAMES), min_size=1))
    secrets: dict[str, tuple[str, Place]] = {
        name: (value(TAIL), draw(st.sampled_from(places)))
        for name in sorted(drawn - {*credentials})
    }
    for name, usual in credentials.items():
        secrets[name] = (
            value(PLAIN_TAIL),
            draw(st.sampled_from(places)) if name in drawn else usual,
        )
    own_signature = {"top": "sign", "aop": aop.SIGNATURE}.get(dialect)
    # A name in any case (the redaction rule's names compare without case); the
    # credentials as the client spells them; the signature replaced by a real one.
    spelled = {
        name
        if name in credentials
        else draw(st.sampled_from([name, name.upper(), name.title()])): pair
        for name, pair in secrets.items()
        if name != own_signature
    }
    ordinary = draw(
        st.dictionaries(
            st.sampled_from(ORDINARY_NAMES),
            st.tuples(st.text("abcdefghij0123456789-_.", max_size=8), st.sampled_from(places)),
            max_size=4,
        )
    )
    query = placed("query", spelled) | placed("query", ordinary)
    form = placed("body", spelled) | placed("body", ordinary)
    app_secret = value(PLAIN_TAIL)
    learned = [secrets[name][0] for name in LEARNED[dialect] if secrets[name][1] in PARAMS]
    if dialect == "top":
        form |= {"method": top.SEARCH_METHOD, "v": top.VERSION, "format": "json"}
        form["sign"] = signing.sign({**query, **form}, app_secret)
        url = top.DEFAULT_BASE_URL
    elif dialect == "aop":
        app_key = value(PLAIN_TAIL)
        inside: list[Place] = ["json", "nested json", "json text"]
        form[aop.SEARCH_PARAM] = json_param(
            {where: placed(where, spelled) | placed(where, ordinary) for where in inside}
        )
        path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, app_key)
        form[aop.SIGNATURE] = aop.sign(path.signed, {**query, **form}, app_secret)
        url = path.url(aop.DEFAULT_BASE_URL)
        secrets["path app key"] = (app_key, "query")
        learned.append(app_key)
    else:
        app_secret = secrets["secret"][0]  # the resellers' client sends it as ``secret``
        api = reseller.UPLOAD_API if form or body == "multipart" else reseller.SEARCH_API
        url = reseller.DEFAULT_BASE_URL + reseller.api_path(api)
    files = None
    if body == "multipart":
        files = {FILE_PART[dialect]: ("photo.jpg", PHOTO, "image/jpeg")}
    method = "GET" if dialect == "reseller" and not form and files is None else "POST"
    request = httpx.Request(method, url, params=query, data=form or None, files=files)
    signature = [form[own_signature]] if own_signature else []
    configured = {name: value(PLAIN_TAIL) for name in ("app_key", "access_token")}
    return Sent(
        request,
        [value for value, _ in secrets.values()] + [app_secret, *signature],
        app_secret,
        learned,
        configured,
    )


# -- recording ------------------------------------------------------------------------------


def echoing(values: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """A gateway whose answer quotes ``values``: in a message, in a list and in a header."""

    def answer(request: httpx.Request) -> httpx.Response:
        message = "refused: " + ", ".join(f"'{value}'" for value in values)
        body = {"error_message": message, "echo": values}
        return httpx.Response(200, json=body, headers={"X-Echo": " ".join(values)})

    return answer


@dataclass(frozen=True)
class Recorded:
    """What a record run kept: the request as stored, and the cassette file."""

    uri: str
    body: str
    headers: str
    text: str
    loaded: Any


def record(library: Path, sent: Sent) -> Recorded:
    """Record ``sent`` as the pytest plugin's record run does, configured with the app
    secret it signs with and other credentials, answered by a gateway quoting them all."""
    recorder = make_vcr(
        secret=sent.app_secret,
        record_mode="once",
        cassette_library_dir=library,
        **sent.configured,
    )
    quoted = [sent.app_secret, *sent.configured.values(), *sent.learned]
    transport = httpx.MockTransport(echoing(quoted))
    with (
        gateway_cassette(recorder, "secrets") as cassette,
        httpx.Client(transport=transport) as http,
    ):
        http.send(sent.request)
    stored = cassette.requests[0]
    body = stored.body.decode("utf-8") if isinstance(stored.body, bytes) else stored.body
    text = (library / "secrets.yaml").read_text(encoding="utf-8")
    loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return Recorded(stored.uri, body or "", repr(stored.headers), text, loaded)


def assert_nothing_kept(recorded: Recorded, sent: Sent) -> None:
    """No secret value of ``sent`` is in the stored request or the cassette file."""
    note(f"sent: {sent!r}")
    secrets = [*sent.secrets, *sent.configured.values()]
    assert_hidden(secrets, recorded.uri, "the stored URI")
    assert_hidden(secrets, recorded.body, "the stored body")
    assert_hidden(secrets, recorded.headers, "the stored headers")
    assert_hidden(secrets, recorded.text, "the cassette file")
    assert_hidden(secrets, "\n".join(strings(recorded.loaded)), "the loaded cassette")


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh cassette directory for each example."""
    root = tmp_path_factory.mktemp("secrets")
    return (root / str(number) for number in itertools.count())


# -- the rule -------------------------------------------------------------------------------


def test_every_secret_bearing_name_is_dropped_from_the_canonical_form() -> None:
    """The redaction rule's secrets, the app keys and the issue's names are never stored."""
    assert SECRET_PARAMS | APP_KEY_PARAMS | ISSUE_NAMES <= DROPPED_PARAMS


@given(sent=requests("top"))
def test_a_top_request_records_none_of_its_secret_values(
    libraries: Iterator[Path], sent: Sent
) -> None:
    """TOP: sign, session, app_key & co, anywhere in the request, reach no cassette."""
    assert_nothing_kept(record(next(libraries), sent), sent)


@given(sent=requests("aop"))
def test_an_open_platform_request_records_none_of_its_secret_values(
    libraries: Iterator[Path], sent: Sent
) -> None:
    """AOP: the signature, the token, the path's app key and secrets inside JSON params
    reach no cassette."""
    assert_nothing_kept(record(next(libraries), sent), sent)


@given(sent=requests("reseller"))
def test_a_reseller_request_records_none_of_its_secret_values(
    libraries: Iterator[Path], sent: Sent
) -> None:
    """Resellers: key, secret & co, in the query string or a body, reach no cassette."""
    assert_nothing_kept(record(next(libraries), sent), sent)
