"""`contract check`: every recorded answer against the schemas and the parser."""

import json
from pathlib import Path

import pytest

from pailitao.contract import check
from pailitao.contract.check import Case, CheckFailed, check_files, check_recorded
from pailitao.contract.sources import Recorded

DATA = Path(__file__).parent / "data" / "contract"
GOOD, BROKEN = DATA / "good", DATA / "broken"

#: How a report lists the envelopes when a body holds none or several.
KNOWN = (
    "1688_items_search_img_response, 1688_upload_img_response, error_response, result (AOP), "
    "error_code+error_message (AOP), items+error_code or error_code (reseller)"
)
ITEM = {"num_iid": "610947572360", "title": "韩版T恤", "price": "12.50", "pic_url": "//x/a.jpg"}


def search(*items: dict, **page: object) -> dict:
    body = {"page": 1, "page_size": 20, "pagecount": 1, "total_results": len(items)}
    return {"items_search_img_response": {"items": {**body, **page, "item": list(items)}}}


def lines(answer: object, status: int | None = None) -> list[str]:
    raw = answer if isinstance(answer, str | bytes) else json.dumps(answer, ensure_ascii=False)
    return [str(failure) for failure in check_recorded(Recorded("a.json", 0, raw, status))]


def test_good_cassettes_and_json_files_conform() -> None:
    report = check_files([GOOD])
    assert report.failures == []
    assert report.summary == "checked 5 answers in 3 files: all conform to the contract"


def test_broken_files_fail_with_exact_lines() -> None:
    report = check_files([BROKEN])
    where = str(BROKEN)
    assert [str(failure) for failure in report.failures] == [
        f"{where}/dropped_field.yaml:0: $.items_search_img_response.items.item[1].title: "
        "required field is missing",
        f"{where}/truncated.yaml:0: $: body is not JSON (truncated?): Unterminated string "
        """starting at (char 48); it starts '{"upload_img_response":{"items":{"item":'""",
        f"{where}/truncated.yaml:1: $: HTTP 502, body is not JSON (truncated?): Expecting value "
        "(char 0); it starts '<html><body>502 Bad Gateway</body></html'",
        f"{where}/truncated.yaml:2: $: none of the envelopes {KNOWN}; keys: upload_response",
        f"{where}/wrong_type.json:0: $.items_search_img_response.items.item[0].num_iid: "
        "expected a string of digits, like '610947572360', got integer 622310098812",
        f"{where}/wrong_type.json:0: $.items_search_img_response.items.item[0].price: "
        "expected a price string like '90.00' or a range like '12.50-18.00', got number 90.5",
        f"{where}/wrong_type.json:0: $.items_search_img_response.items.item[0].sales: "
        'expected integer, got string "1000+"',
    ]
    assert report.summary == "checked 5 answers in 3 files: 7 failures"
    assert [f.check for f in report.failures][:2] == ["conforms_to_schema", "read_case"]


def test_failure_as_json_record() -> None:
    [failure] = check_files([BROKEN / "dropped_field.yaml"]).failures
    assert failure.as_dict() == {
        "file": str(BROKEN / "dropped_field.yaml"),
        "interaction": 0,
        "path": "$.items_search_img_response.items.item[1].title",
        "message": "required field is missing",
        "check": "conforms_to_schema",
    }


def test_items_are_reported_in_numeric_order() -> None:
    broken = [{**ITEM, "price": "9.9"} for _ in range(12)]
    found = lines(search(*broken))
    assert found[1].startswith("a.json:0: $.items_search_img_response.items.item[1].price: ")
    assert found[2].startswith("a.json:0: $.items_search_img_response.items.item[2].price: ")
    assert found[-1] == (
        'a.json:0: $.items_search_img_response.items.item[11].price: "9.9" is not '
        "a price string like '90.00' or a range like '12.50-18.00'"
    )


def test_a_value_format_and_a_bound() -> None:
    assert lines(search({**ITEM, "turnHead": "high", "sales": -1}, page=0)) == [
        "a.json:0: $.items_search_img_response.items.item[0].sales: -1 is less than the minimum of 0",
        'a.json:0: $.items_search_img_response.items.item[0].turnHead: "high" is not '
        "a percentage string, like '15%'",
        "a.json:0: $.items_search_img_response.items.page: 0 is less than the minimum of 1",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty body: expected a JSON envelope"),
        (b"\xff\xfe", "body is not UTF-8 text: invalid start byte"),
        ("[1, 2]", "expected a JSON object holding an envelope, got array"),
        ("{}", f"none of the envelopes {KNOWN}; keys: none"),
        ('{"error_response": {}, "upload_img_response": {}}', f"more than one of the envelopes "
         f"{KNOWN}; keys: error_response, upload_img_response"),
        ('{"error_response": {}, "error_code": "gw.X", "error_message": ""}', "more than one of "
         f"the envelopes {KNOWN}; keys: error_code, error_message, error_response"),
    ],
)  # fmt: skip
def test_bodies_that_are_no_envelope(body: str | bytes, message: str) -> None:
    assert lines(body) == [f"a.json:0: $: {message}"]


def test_status_other_than_200_fails_even_with_an_envelope() -> None:
    error = {"error_response": {"code": 15, "msg": "Remote Service Error"}}
    assert lines(error, status=500) == [
        "a.json:0: $: HTTP 500: the contract answers everything with 200"
    ]


def test_schema_valid_body_the_parser_rejects() -> None:
    # Unknown fields are allowed, but the model also reads fields by their Python
    # names: the schema and the parser disagree, and the parser check says so.
    body = search({**ITEM, "turn_head": {"rate": 15}})
    assert lines(body) == [
        "a.json:0: $: the client parser rejects it: items.item[0].turn_head = "
        "{'rate': 15}: Input should be a valid string"
    ]
    [failure] = check_recorded(Recorded("a.json", 0, json.dumps(body)))
    assert failure.check == "parses_with_client"


def test_upload_and_error_envelopes() -> None:
    assert lines({"upload_img_response": {"items": {"item": {"name": "", "status": 1}}}}) == [
        "a.json:0: $.upload_img_response.items.item.name: '' should be non-empty"
    ]
    assert lines({"error_response": {"code": "25", "msg": "Invalid signature"}}) == [
        'a.json:0: $.error_response.code: expected integer, got string "25"'
    ]
    assert lines({"error_response": {"code": 25, "msg": "Invalid signature", "extra": 1}}) == []


def test_registered_checks_and_a_custom_one(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [c.__name__ for c in check.registered_checks()]
    assert names == [
        "status_is_200",
        "gateway_refusal_status",
        "conforms_to_schema",
        "parses_with_client",
    ]
    monkeypatch.setattr(check, "_CHECKS", dict(check._CHECKS))

    @check.register_check
    def request_id_present(case: Case) -> None:
        inner = case.payload[case.envelope]
        if "request_id" not in inner:
            raise CheckFailed((f"$.{case.envelope}.request_id", "no request_id to quote"))

    @check.register_check
    def broken(case: Case) -> None:
        raise KeyError("oops")

    assert lines(search(ITEM)) == [
        "a.json:0: $.items_search_img_response.request_id: no request_id to quote",
        "a.json:0: $: check broken crashed: KeyError: 'oops'",
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.json", "{not json", "the file is not JSON: Expecting property name enclosed in "
         "double quotes: line 1 column 2 (char 1)"),
        ("a.yaml", "interactions: [", "the file is not YAML: expected the node content, but "
         "found '<stream end>' (line 1)"),
        ("a.yaml", "just: a mapping", "not a vcrpy cassette: no top-level 'interactions' list"),
        ("a.yml", "version: 2\ninteractions: []", "cassette format version 2 is not supported; "
         "expected 1"),
    ],
)  # fmt: skip
def test_unreadable_files_are_one_failure_each(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    report = check_files([path])
    assert [str(f) for f in report.failures] == [f"{path}:-: $: {message}"]
    assert report.summary == "checked 0 answers in 1 file: 1 failure"


def test_a_cassette_with_a_missing_body_and_a_json_list(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\ninteractions:\n- {request: {}, response: {}}\n")
    (tmp_path / "b.json").write_text(json.dumps([search(ITEM), {"nope": 1}]))
    (tmp_path / "notes.txt").write_text("not looked at")
    assert [str(f) for f in check_files([tmp_path]).failures] == [
        f"{tmp_path}/a.yaml:0: $: empty body: expected a JSON envelope",
        f"{tmp_path}/b.json:1: $: none of the envelopes {KNOWN}; keys: nope",
    ]


def test_docs_example_check_registers_and_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.setattr(check, "_CHECKS", dict(check._CHECKS))
    docs = Path(__file__).resolve().parents[2] / "docs" / "reference" / "contract.md"
    [block] = re.findall(r"```python\n(.*?)```", docs.read_text("utf-8"), re.DOTALL)
    exec(compile(block, str(docs), "exec"), {})  # noqa: S102 - our own docs
    assert lines({"error_response": {"code": 7, "msg": "App Call Limited"}}) == [
        "a.json:0: $.error_response.request_id: no request_id to quote in a ticket"
    ]
