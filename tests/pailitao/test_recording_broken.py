"""Broken cassettes: each problem is one CassetteError, one line naming the file, the
line, the interaction and the field — from the loader, from vcrpy through pailitao's
persister, from the pytest plugin's replay mode and from the contract commands. A
recorded answer that is not JSON fails replay at once, naming where it was recorded."""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# Loaded here: the inner pytester runs restore sys.modules afterwards.
import vcr as vcrpy
import yaml  # noqa: F401

from pailitao import AsyncPailitaoClient, PailitaoClient, ResponseParseError
from pailitao.contract.check import check_files
from pailitao.contract.sources import SourceError, load_file
from pailitao.errors import CassetteError
from pailitao.recording import CassetteFormatError, make_vcr
from pailitao.recording.validate import parse_cassette, read_cassette

pytest_plugins = ["pytester"]

KEY, SECRET = "test_app_key", "test_app_secret"
URL = "https://gw.example.test/openapi/router/rest"
PAGE = (
    '{"1688_items_search_img_response":{"items":{"page":%d,"page_size":20,"pagecount":2,'
    '"total_results":2,"item":[{"num_iid":"61094757236%d","title":"连衣裙","price":"59.00"}]},'
    '"request_id":"r%d"}}'
)

# Two interactions, the second written in block style so each of its fields has a line.
# Interaction 1 starts on line 23; its status code is on line 38, its body string on 43.
BASE = f"""\
pailitao_format: 1
version: 1
interactions:
- request:
    method: POST
    uri: {URL}
    body: |
      format=json
      imgid=abc
      method=1688.items.search.img
      page=1
      page_size=20
      v=2.0
    headers:
      Content-Type: [text/plain; charset=utf-8]
      X-Pailitao-Sent-As: [application/x-www-form-urlencoded]
  response:
    status: {{code: 200, message: OK}}
    headers:
      content-type: [application/json]
    body:
      string: '{PAGE % (1, 1, 1)}'
- request:
    method: POST
    uri: {URL}
    body: |
      format=json
      imgid=abc
      method=1688.items.search.img
      page=2
      page_size=20
      v=2.0
    headers:
      Content-Type: [text/plain; charset=utf-8]
      X-Pailitao-Sent-As: [application/x-www-form-urlencoded]
  response:
    status:
      code: 200
      message: OK
    headers:
      content-type: [application/json]
    body:
      string: '{PAGE % (2, 2, 2)}'
"""


def second(old: str, new: str) -> str:
    """BASE with the last ``old`` (the one in interaction 1) replaced by ``new``."""
    head, found, tail = BASE.rpartition(old)
    assert found, old
    return head + new + tail


@dataclass(frozen=True)
class Case:
    id: str
    content: str | bytes
    #: The message, ``{path}`` standing for the cassette's path.
    message: str
    kind: type[CassetteError] = CassetteError

    def expected(self, path: Path) -> str:
        return self.message.replace("{path}", str(path))

    def write(self, path: Path) -> Path:
        return write(path, self.content)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# Interaction 1's title in GBK, as an editor set to a Chinese locale might save it.
BEFORE, TITLE, AFTER = BASE.rpartition("连衣裙")
GBK = BEFORE.encode() + TITLE.encode("gbk") + AFTER.encode()
GBK_COLUMN = len(BEFORE.rpartition("\n")[2].encode()) + 1
BODY_2 = (
    "    body: |\n      format=json\n      imgid=abc\n      method=1688.items.search.img\n"
    "      page=2\n      page_size=20\n      v=2.0\n"
)
TWO_HUNDRED = "interaction 1: response.status.code must be an integer, got 'two hundred'"
TWO_HUNDRED_CASSETTE = second("      code: 200\n", "      code: two hundred\n")

CASES = [
    # -- the file ----------------------------------------------------------------
    Case("empty-file", "",
         "{path}: the file is empty: a cassette holds 'version' and 'interactions'",
         CassetteFormatError),
    Case("only-comments", "# recorded later\n",
         "{path}: the file holds only comments: a cassette holds 'version' and 'interactions'",
         CassetteFormatError),
    Case("not-utf-8", GBK,
         f"{{path}}:43: the file is not UTF-8 text: byte 0xc1 at column {GBK_COLUMN}: "
         "invalid start byte"),
    Case("yaml-syntax", second("      message: OK\n", "      message: OK: fine\n"),
         "{path}:39: the file is not YAML: mapping values are not allowed here"),
    Case("yaml-tab", second("      message: OK\n", "\tmessage: OK\n"),
         "{path}:39: the file is not YAML: found character '\\t' that cannot start any token"),
    Case("yaml-python-tag", second("      code: 200\n", "      code: !!python/object/apply:os.system [ls]\n"),
         "{path}:38: the file is not YAML: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:python/object/apply:os.system'"),
    Case("yaml-control-character", second("page=2", "page=\x072"),
         "{path}:30: the file is not YAML: unacceptable character #x0007: special characters "
         "are not allowed"),
    Case("two-documents", BASE + "---\n" + BASE,
         "{path}:44: the file is not YAML: expected a single document in the stream, but found "
         "another document"),
    # -- the top level -------------------------------------------------------------
    Case("top-level-list", "- request: {}\n  response: {}\n",
         "{path}: not a vcrpy cassette: the top level is a list, not a mapping",
         CassetteFormatError),
    Case("top-level-text", "just some notes\n",
         "{path}: not a vcrpy cassette: the top level is 'just some notes', not a mapping",
         CassetteFormatError),
    Case("no-interactions", "version: 1\n",
         "{path}: not a vcrpy cassette: no top-level 'interactions' list", CassetteFormatError),
    Case("interactions-not-a-list", "version: 1\ninteractions: {request: {}}\n",
         "{path}: not a vcrpy cassette: 'interactions' is a mapping, not a list",
         CassetteFormatError),
    Case("version-missing", BASE.replace("version: 1\n", ""),
         "{path}:1: version is missing: vcrpy writes version: 1", CassetteFormatError),
    Case("version-unknown", BASE.replace("version: 1\n", "version: 2\n"),
         "{path}: cassette format version 2 is not supported; expected 1", CassetteFormatError),
    Case("pailitao-format-newer", BASE.replace("pailitao_format: 1", "pailitao_format: 9"),
         "{path}: cassette format 9 is newer than this pailitao understands (1); upgrade pailitao",
         CassetteFormatError),
    Case("pailitao-format-text", BASE.replace("pailitao_format: 1", "pailitao_format: one"),
         "{path}:1: pailitao_format must be a whole number from 1, got 'one'",
         CassetteFormatError),
    # -- an interaction ------------------------------------------------------------
    Case("interaction-not-a-mapping", BASE + "- just a string\n",
         "{path}:44: interaction 2 must be a mapping with request and response, "
         "got 'just a string'"),
    Case("request-missing", second("- request:\n", "- requets:\n"),
         "{path}:23: interaction 1: request is missing"),
    Case("response-missing", second("  response:\n", "  answer:\n"),
         "{path}:23: interaction 1: response is missing"),
    # -- the request ---------------------------------------------------------------
    Case("request-method-missing", second("    method: POST\n", ""),
         "{path}:24: interaction 1: request.method is missing"),
    Case("request-method-lower-case", second("    method: POST\n", "    method: post\n"),
         "{path}:24: interaction 1: request.method must be an HTTP method such as POST, "
         "got 'post'"),
    Case("request-uri-missing", second(f"    uri: {URL}\n", ""),
         "{path}:24: interaction 1: request.uri is missing"),
    Case("request-uri-relative", second(f"    uri: {URL}\n", "    uri: /openapi/router/rest\n"),
         "{path}:25: interaction 1: request.uri must be an absolute http(s) URL, "
         "got '/openapi/router/rest'"),
    Case("request-unknown-key", second(f"    uri: {URL}\n", f"    uri: {URL}\n    query: page=2\n"),
         "{path}:26: interaction 1: request.query is not a key vcrpy reads: a request has "
         "method, uri, body and headers"),
    Case("request-body-mapping", second(BODY_2, "    body: {page: 2}\n"),
         "{path}:26: interaction 1: request.body must be text, bytes or null, got a mapping"),
    Case("request-headers-list", second(
        "    headers:\n      Content-Type: [text/plain; charset=utf-8]\n"
        "      X-Pailitao-Sent-As: [application/x-www-form-urlencoded]\n",
        "    headers: [text/plain]\n"),
         "{path}:33: interaction 1: request.headers must be a mapping of header names to "
         "values, got a list"),
    Case("request-header-empty", second("      Content-Type: [text/plain; charset=utf-8]\n",
                                        "      Content-Type: []\n"),
         "{path}:34: interaction 1: request.headers.Content-Type must be a value or a "
         "non-empty list of values, got an empty list"),
    # -- the response --------------------------------------------------------------
    Case("status-missing", second("    status:\n      code: 200\n      message: OK\n", ""),
         "{path}:37: interaction 1: response.status is missing"),
    Case("status-not-a-mapping", second("    status:\n      code: 200\n      message: OK\n",
                                        "    status: 200 OK\n"),
         "{path}:37: interaction 1: response.status must be a mapping with code and message, "
         "got '200 OK'"),
    Case("status-code-missing", second("      code: 200\n", ""),
         "{path}:38: interaction 1: response.status.code is missing"),
    Case("status-code-text", TWO_HUNDRED_CASSETTE,
         "{path}:38: " + TWO_HUNDRED),
    Case("status-code-out-of-range", second("      code: 200\n", "      code: 2000\n"),
         "{path}:38: interaction 1: response.status.code must be an HTTP status from 100 to "
         "599, got 2000"),
    Case("status-message-missing", second("      message: OK\n", ""),
         "{path}:38: interaction 1: response.status.message is missing"),
    Case("status-message-not-ascii", second("      message: OK\n", "      message: 成功\n"),
         "{path}:39: interaction 1: response.status.message must be ASCII text (httpx keeps "
         "it as the reason phrase), got '成功'"),
    Case("response-headers-missing", second("    headers:\n      content-type: [application/json]\n", ""),
         "{path}:37: interaction 1: response.headers is missing"),
    Case("response-headers-list", second("    headers:\n      content-type: [application/json]\n",
                                         "    headers: [application/json]\n"),
         "{path}:40: interaction 1: response.headers must be a mapping of header names to "
         "lists of values, got a list"),
    Case("response-header-bare-string", second("      content-type: [application/json]\n",
                                               "      content-type: application/json\n"),
         "{path}:41: interaction 1: response.headers.content-type must be a list of values, "
         "got 'application/json'"),
    Case("response-header-not-ascii", second("      content-type: [application/json]\n",
                                             "      content-type: [application/json; 编码=utf-8]\n"),
         "{path}:41: interaction 1: response.headers.content-type must be ASCII text, as httpx "
         "takes headers, got 'application/json; 编码=utf-8'"),
    Case("response-body-missing", second("    body:\n      string: '", "    xbody:\n      string: '"),
         "{path}:37: interaction 1: response.body is missing"),
    Case("response-body-text", second("    body:\n      string: '", "    body: '"),
         "{path}:42: interaction 1: response.body must be a mapping with the key 'string', got "
         "'{\"1688_items_search_img_response\":{\"items\":{\"page\":2,\"page…"),
    Case("body-string-missing", second("      string: '", "      text: '"),
         "{path}:43: interaction 1: response.body.string is missing"),
    Case("body-string-number", second(f"      string: '{PAGE % (2, 2, 2)}'\n", "      string: 42\n"),
         "{path}:43: interaction 1: response.body.string must be text or bytes, got 42"),
    Case("body-string-null", second(f"      string: '{PAGE % (2, 2, 2)}'\n", "      string: null\n"),
         "{path}:43: interaction 1: response.body.string must be text or bytes, got null"),
]  # fmt: skip


def test_the_catalogue_is_complete_and_the_base_is_valid(tmp_path: Path) -> None:
    assert len(CASES) >= 22
    assert len({case.id for case in CASES}) == len(CASES)
    base = write(tmp_path / "base.yaml", BASE)
    assert len(read_cassette(base)["interactions"]) == 2


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_loader_names_file_line_interaction_and_field(tmp_path: Path, case: Case) -> None:
    path = case.write(tmp_path / "cassettes" / "x.yaml")
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert type(caught.value) is case.kind
    assert str(caught.value) == case.expected(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_replay_through_vcrpy_raises_the_same_error(tmp_path: Path, case: Case) -> None:
    path = case.write(tmp_path / "x.yaml")
    replay = make_vcr(secret=SECRET, cassette_library_dir=tmp_path)
    with pytest.raises(case.kind) as caught, replay.use_cassette("x"):
        pass
    assert str(caught.value) == case.expected(path)


def test_a_text_without_a_file_is_named_as_such() -> None:
    with pytest.raises(CassetteError, match=f"^<cassette>:38: {re.escape(TWO_HUNDRED)}$"):
        parse_cassette(TWO_HUNDRED_CASSETTE)


def test_the_errors_say_the_test_is_wrong_not_the_api() -> None:
    assert issubclass(CassetteError, AssertionError)
    assert issubclass(CassetteFormatError, CassetteError)


# -- the pytest plugin -----------------------------------------------------------------

INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
"""

REPLAY_TEST = """
def test_search(pailitao_client):
    assert pailitao_client.search_image(imgid="abc").page == 1
    assert pailitao_client.search_image(imgid="abc", page=2).page == 2
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("PAILITAO_MODE", "PAILITAO_APP_KEY", "PAILITAO_APP_SECRET", "PAILITAO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(INI)
    pytester.makepyfile(test_replay=REPLAY_TEST)
    return pytester


def cassette_of(project: pytest.Pytester) -> Path:
    return project.path / "cassettes" / "1688" / "test_replay" / "test_search.yaml"


def test_the_base_cassette_replays_in_the_plugin(project: pytest.Pytester) -> None:
    write(cassette_of(project), BASE)
    project.runpytest("--pailitao-mode=replay").assert_outcomes(passed=1)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_replay_in_pytest_fails_in_one_line(project: pytest.Pytester, case: Case) -> None:
    path = case.write(cassette_of(project))
    result = project.runpytest("--pailitao-mode=replay")
    result.assert_outcomes(errors=1)
    line = f"{case.kind.__name__}: {case.expected(path)}"
    assert result.stdout.lines.count(line) == 1, result.stdout.str()
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.id in {"not-utf-8", "status-code-text", "body-string-null"}],
    ids=lambda case: case.id,
)
def test_replay_in_pytest_at_a_given_url_fails_in_one_line_too(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    # With the base URL given, the plugin does not read the cassette: vcrpy's load does.
    monkeypatch.setenv("PAILITAO_BASE_URL", URL)
    path = case.write(cassette_of(project))
    result = project.runpytest("--pailitao-mode=replay")
    result.assert_outcomes(errors=1)
    assert result.stdout.lines.count(f"{case.kind.__name__}: {case.expected(path)}") == 1


# -- recording over a broken cassette --------------------------------------------------


def client(transport: httpx.MockTransport | None = None, **options) -> PailitaoClient:
    return PailitaoClient(
        app_key=KEY, app_secret=SECRET, base_url=URL, transport=transport, **options
    )


def answer(request: httpx.Request) -> httpx.Response:
    page = int(dict(httpx.QueryParams(request.content.decode())).get("page", "1"))
    return httpx.Response(
        200, text=PAGE % (page, page, page), headers={"content-type": "application/json"}
    )


def test_record_mode_all_records_a_broken_cassette_anew(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "x.yaml", TWO_HUNDRED_CASSETTE)
    recorder = make_vcr(secret=SECRET, record_mode="all", cassette_library_dir=tmp_path)
    with (
        caplog.at_level(logging.WARNING, "vcr"),
        recorder.use_cassette("x"),
        client(httpx.MockTransport(answer)) as c,
    ):
        assert c.search_image(imgid="abc", page=2).page == 2
    assert TWO_HUNDRED in caplog.text  # vcrpy logs why it treated the file as empty
    assert len(read_cassette(path)["interactions"]) == 1


@pytest.mark.parametrize("mode", ["once", "new_episodes"])
def test_other_record_modes_refuse_to_build_on_a_broken_cassette(tmp_path: Path, mode: str) -> None:
    path = write(tmp_path / "x.yaml", TWO_HUNDRED_CASSETTE)
    recorder = make_vcr(secret=SECRET, record_mode=mode, cassette_library_dir=tmp_path)
    with pytest.raises(CassetteError, match=TWO_HUNDRED), recorder.use_cassette("x"):
        pass
    assert "two hundred" in path.read_text()


def test_an_empty_file_is_recorded_as_a_missing_cassette_is(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("\n")
    recorder = make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=tmp_path)
    with recorder.use_cassette("x"), client(httpx.MockTransport(answer)) as c:
        c.search_image(imgid="abc")
    assert len(read_cassette(tmp_path / "x.yaml")["interactions"]) == 1


# -- an answer that is not JSON ----------------------------------------------------------


def not_json(body: str = "hello", content_type: str = "application/json") -> str:
    return second(f"      string: '{PAGE % (2, 2, 2)}'\n", f"      string: '{body}'\n").replace(
        "      content-type: [application/json]\n    body:\n      string: '" + body,
        f"      content-type: [{content_type}]\n    body:\n      string: '" + body,
    )


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [("hello", "application/json", "JSON"), ("<a>", "text/xml", "well-formed XML")],
)
def test_an_unreadable_recorded_answer_is_reported_at_once(
    tmp_path: Path, body: str, content_type: str, what: str
) -> None:
    path = write(tmp_path / "x.yaml", not_json(body, content_type))
    sleeps: list[float] = []
    with (
        make_vcr(secret=SECRET, cassette_library_dir=tmp_path).use_cassette("x"),
        client(sleep=sleeps.append) as c,
    ):
        assert c.search_image(imgid="abc").page == 1
        with pytest.raises(ResponseParseError) as caught:
            c.search_image(imgid="abc", page=2)
    assert str(caught.value) == (
        f"the answer is not {what} ({len(body)} bytes: {body!r}); "
        f"replayed from {path}, interaction 1, so not retried"
    )
    assert not caught.value.retryable
    assert sleeps == []


@pytest.mark.asyncio
async def test_the_async_client_reports_it_at_once_too(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", not_json())
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    with make_vcr(secret=SECRET, cassette_library_dir=tmp_path).use_cassette("x"):
        async with AsyncPailitaoClient(
            app_key=KEY, app_secret=SECRET, base_url=URL, sleep=sleep
        ) as c:
            await c.search_image(imgid="abc")
            with pytest.raises(ResponseParseError) as caught:
                await c.search_image(imgid="abc", page=2)
    assert str(caught.value).endswith(f"replayed from {path}, interaction 1, so not retried")
    assert sleeps == []


def test_a_cassette_path_in_another_script_is_named_as_it_is(tmp_path: Path) -> None:
    library = tmp_path / "录制"
    path = write(library / "x.yaml", not_json())
    with (
        make_vcr(secret=SECRET, cassette_library_dir=library).use_cassette("x"),
        client(sleep=lambda seconds: None) as c,
    ):
        c.search_image(imgid="abc")
        with pytest.raises(ResponseParseError, match=f"replayed from {re.escape(str(path))}, "):
            c.search_image(imgid="abc", page=2)


def test_the_same_answer_from_the_network_is_still_retried() -> None:
    calls: list[httpx.Request] = []

    def truncated_then_whole(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, text="hel") if len(calls) == 1 else answer(request)

    with client(httpx.MockTransport(truncated_then_whole), sleep=lambda seconds: None) as c:
        assert c.search_image(imgid="abc").page == 1
    assert len(calls) == 2


def test_the_replay_mark_is_never_saved(tmp_path: Path) -> None:
    write(tmp_path / "x.yaml", BASE)
    recorder = make_vcr(secret=SECRET, record_mode="new_episodes", cassette_library_dir=tmp_path)
    with recorder.use_cassette("x") as cassette, client(httpx.MockTransport(answer)) as c:
        c.search_image(imgid="abc", page=2)  # played back, marked
        c.search_image(imgid="abc", page=3)  # recorded: the cassette is saved again
        assert cassette.responses[1]["headers"]["X-Pailitao-Replayed-From"] == [
            f"{tmp_path}/x.yaml, interaction 1"
        ]
    text = (tmp_path / "x.yaml").read_text(encoding="utf-8")
    assert "Replayed" not in text
    assert len(read_cassette(tmp_path / "x.yaml")["interactions"]) == 3


def test_plain_vcrpy_still_loads_what_pailitao_saves(tmp_path: Path) -> None:
    write(tmp_path / "x.yaml", BASE)
    with vcrpy.VCR(record_mode="none").use_cassette(str(tmp_path / "x.yaml")) as cassette:
        assert len(cassette) == 2


def test_replay_in_pytest_reports_a_non_json_answer_at_once(project: pytest.Pytester) -> None:
    path = write(cassette_of(project), not_json())
    result = project.runpytest("--pailitao-mode=replay")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *pailitao.errors.ResponseParseError: the answer is not JSON (5 bytes: 'hello'); "
            f"replayed from {path}, interaction 1, so not retried"
        ]
    )
    output = result.stdout.str()
    assert "already been played back" not in output
    assert "retrying in" not in output


# -- the contract commands ----------------------------------------------------------------


def test_contract_sources_report_a_wrong_type_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", TWO_HUNDRED_CASSETTE)
    with pytest.raises(SourceError) as caught:
        load_file(path)
    assert str(caught.value) == f"{TWO_HUNDRED} (line 38)"
    assert [str(f) for f in check_files([path]).failures] == [
        f"{path}:-: $: {TWO_HUNDRED} (line 38)"
    ]


def test_contract_sources_name_the_bytes_that_are_not_utf_8(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", GBK)
    with pytest.raises(SourceError) as caught:
        load_file(path)
    assert str(caught.value) == (
        f"the file is not UTF-8 text: byte 0xc1 at column {GBK_COLUMN}: invalid start byte (line 43)"
    )


def test_contract_sources_let_keys_be_absent(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("interactions:\n- response: {body: {string: '{}'}}\n- {}\n")
    recorded = load_file(path)
    assert [(r.body, r.status, r.request) for r in recorded] == [
        ("{}", None, None),
        (None, None, None),
    ]
