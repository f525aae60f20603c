"""`pailitao cassettes scan`: every rule, exact output, exit statuses.

The planted secret forms (multipart, base64, percent-encoding, escapes, YAML
styles …) in each cassette layout are in test_scan_planted.py; cassettes recorded
with plain vcrpy and with pailitao in test_scan_recorded.py.
"""

import sys
from pathlib import Path

import pytest

from pailitao.cli import main
from pailitao.recording.scan import Finding, scan_document, scan_paths, scan_text
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET

HEX32 = "0123456789abcdef0123456789abcdef"
ROOT = Path(__file__).parents[2]
SHIPPED = [ROOT / "cassettes", ROOT / "docs" / "examples" / "downstream" / "tests" / "cassettes"]
DEMO = {
    "configured-secret": DEMO_APP_SECRET,
    "configured-app-key": DEMO_APP_KEY,
    "configured-access-token": DEMO_ACCESS_TOKEN,
}


def findings(text: str, **known: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in scan_text(Path("c.yaml"), text, known)]


def located(text: str, **known: str) -> list[tuple[int, str, int | None, str]]:
    return [
        (f.line, f.rule, f.interaction, f.where) for f in scan_text(Path("c.yaml"), text, known)
    ]


# -- a file that is not a cassette: line by line ----------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "uri: https://gw/router/rest?method=x&sign=ABCDEF0123&v=2.0",
        "body: method=x&session=6100e2a1b&v=2.0",
        "sign=ABCDEF0123",
        '{"access_token": "6100e2a1bf"}',
        "      _aop_signature: 33E54F4F7B989E3E",
        "'sign': 'abc'",
    ],
)
def test_unscrubbed_params_are_found(line: str) -> None:
    assert findings(line) == [(1, "unscrubbed-param")]


@pytest.mark.parametrize(
    "line",
    [
        f"image=<image sha256={HEX32}{HEX32} size=2073 format=jpeg>",
        "sign=***",
        "sign: null",
        "signed keys: app_key, sign_method",
        "sign_method=md5",
        "session: ~",
        'string: \'{"items": {"page": 1}}\'',
        "msg: Invalid signature",
        f"request_id: {HEX32}",
        "detail: send an Authorization: Bearer header",
        '"token": "5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs",',  # an offer's, public
    ],
)
def test_clean_lines_are_not_flagged(line: str) -> None:
    assert findings(line) == []


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (f"x-api-key: {HEX32}", "token-in-auth-field"),
        (f'"token": "{HEX32}"', "token-in-auth-field"),
        (f"app_key={HEX32.upper()}", "token-in-auth-field"),
        ("Authorization: Bearer QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIz", "bearer-token"),
        ("note: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJidXllciJ9.c2lnbmF0dXJl", "jwt"),
        ("note: password=hunter2", "credential-param"),
    ],
)
def test_long_tokens_and_credentials_are_found(line: str, rule: str) -> None:
    assert findings(line) == [(1, rule)]


def test_configured_values_are_found_wherever_they_are() -> None:
    text = "a: 1\nbody: note=zz9secret9zz\nkey: k1234567key\n"
    found = findings(
        text, **{"configured-secret": "zz9secret9zz", "configured-app-key": "k1234567key"}
    )
    assert found == [(2, "configured-secret"), (3, "configured-app-key")]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("a: [1\nsign=ABCDEF\n", "not YAML or JSON (line 3); scanned line by line"),
        ("sign: ABCDEF\n", "not a cassette (no top-level 'interactions'); scanned line by line"),
        ("- sign=ABCDEF\n", "not a cassette (no top-level 'interactions'); scanned line by line"),
    ],
)
def test_a_file_that_is_no_cassette_is_scanned_line_by_line_with_a_note(
    text: str, note: str
) -> None:
    report = scan_document(Path("c.yaml"), text, {})
    assert report.note == note
    assert [(f.rule, f.interaction, f.where) for f in report.findings] == [
        ("unscrubbed-param", None, "")
    ]


def test_without_pyyaml_every_file_is_scanned_line_by_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pailitao.recording._scan_cassette", None)
    report = scan_document(Path("c.yaml"), "interactions:\n- body: sign=ABCDEF\n", {})
    assert report.note == (
        "PyYAML is not installed (pip install 'pailitao[record]'); scanned line by line"
    )
    assert [(f.line, f.rule) for f in report.findings] == [(2, "unscrubbed-param")]


# -- a cassette: parsed, every string decoded, each finding placed -----------------


def test_findings_name_the_interaction_and_the_part() -> None:
    text = f"""\
interactions:
- request:
    uri: https://gw.open.1688.com/openapi/param2/1/ns/product.search.imageQuery/7654321
    body: |
      offerQueryParam={{"beginPage":1}}
      access_token=6100e2a1bf
    headers:
      Authorization:
      - Bearer {HEX32}
  response:
    headers:
      Set-Cookie: [sid=abcdef0123456789; Path=/]
    body: {{string: '{{"result":{{"session":"abc"}}}}'}}
- request:
    uri: https://api-gw.onebound.cn/1688/item_search_img/?key=k1&secret=s1&imgid=u
"""
    assert located(text) == [
        (3, "app-key-in-path", 0, "request uri"),
        (6, "unscrubbed-param", 0, "request body"),
        (9, "bearer-token", 0, "request header authorization"),
        (12, "session-cookie", 0, "response header set-cookie"),
        (13, "unscrubbed-param", 0, "response body"),
        (15, "credential-param", 1, "request query"),
        (15, "credential-param", 1, "request query"),
    ]
    assert [f.detail for f in scan_text(Path("c.yaml"), text, {})][-2:] == [
        "credential 'key' has a value",
        "credential 'secret' has a value",
    ]


@pytest.mark.parametrize(
    ("name", "rule", "in_json"),
    [
        ("sign", "unscrubbed-param", True),
        ("_aop_signature", "unscrubbed-param", True),
        ("session", "unscrubbed-param", True),
        ("access_token", "unscrubbed-param", True),
        ("app_secret", "credential-param", True),
        ("secret", "credential-param", True),
        ("password", "credential-param", True),
        ("token", "credential-param", True),
        ("key", "credential-param", False),  # a JSON "key" names an attribute as often
    ],
)
def test_each_signature_and_credential_name_is_found(name: str, rule: str, in_json: bool) -> None:
    text = f"""\
interactions:
- request:
    uri: https://gw.example.test/x?page=1&{name}=v4lue123
    body: '{{"page": 1, "{name}": "v4lue123"}}'
    headers:
      {name}:
      - v4lue123
  response:
    body:
      string: page=1&{name}=v4lue123
"""
    found = [(3, rule, 0, "request query"), (4, rule, 0, "request body")]
    found += [(7, rule, 0, f"request header {name}"), (10, rule, 0, "response body")]
    assert located(text) == [place for place in found if in_json or place[0] != 4]
    detail = "param" if rule == "unscrubbed-param" else "credential"
    assert {f.detail for f in scan_text(Path("c.yaml"), text, {})} == {
        f"{detail} '{name}' has a value"
    }


def test_a_json_cassette_is_read_as_vcrpy_writes_it() -> None:
    text = """\
{
    "version": 1,
    "interactions": [
        {
            "request": {
                "method": "POST",
                "uri": "https://gw.example.test/x",
                "body": "method=x&sign=ABCDEF0123",
                "headers": {"Cookie": ["JSESSIONID=0F9E8D7C6B5A"]}
            }
        }
    ]
}
"""
    assert located(text) == [
        (8, "unscrubbed-param", 0, "request body"),
        (9, "session-cookie", 0, "request header cookie"),
    ]


def test_base64_whose_plus_a_form_read_as_a_space_is_still_decoded() -> None:
    encoded = "Pj4+YXBwX3NlY3JldD16ejlzZWNyZXQ5eno/Pz9+fn4="  # ">>>app_secret=zz9secret9zz???~~~"
    text = f"interactions:\n- request:\n    body: x={encoded}\n"
    assert located(text) == [(3, "credential-param", 0, "request body")]


@pytest.mark.parametrize(
    "value",
    [
        "<PAILITAO_APP_SECRET>",
        "<PAILITAO_APP_KEY>",
        "<PAILITAO_ACCESS_TOKEN>",
        "<redacted>",
        "***",
        "",
        "null",
        "%3CPAILITAO_ACCESS_TOKEN%3E",
    ],
)
def test_placeholders_are_never_flagged(value: str) -> None:
    text = f"""\
interactions:
- request:
    uri: https://gw/x?access_token={value}&sign={value}
    body: |
      secret={value}
      session={value}
    headers:
      Authorization: ['Bearer {value}']
      Cookie: ['JSESSIONID={value}']
  response:
    body: {{string: '{{"access_token":"{value}","token":"{value}","message":"key {value}"}}'}}
"""
    assert located(text) == []


OFFER = '{"offerId":726185850639,"token":"iFlpUBOMtMBwhYgA0xV3AIelZitlZpcx3jl","monthSold":4}'


@pytest.mark.parametrize(
    "body",
    [f"string: '{OFFER}'", 'string: "' + OFFER.replace('"', '\\"') + '"'],
    ids=["single-quoted", "double-quoted"],
)
def test_an_offers_public_token_is_not_flagged(body: str) -> None:
    text = f"interactions:\n- response:\n    body:\n      {body}\n"
    assert located(text) == []
    longer = text.replace("3jl", "3jlX")
    assert located(longer) == [(4, "credential-param", 0, "response body")]


def test_a_yaml_alias_bomb_is_walked_once() -> None:
    laughs = "a: &a ['sign=ABCDEF', 'sign=ABCDEF', 'sign=ABCDEF']\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert located(laughs + "interactions: []\n") == [(1, "unscrubbed-param", None, "a")]


def test_no_shipped_cassette_holds_a_secret() -> None:
    for known in ({}, DEMO):
        count, found = scan_paths(SHIPPED, known)
        assert count >= 16
        assert found == []


# -- the command ----------------------------------------------------------------------


def test_cli_reports_file_line_interaction_and_part_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAILITAO_APP_SECRET", "zz9secret9zz")
    monkeypatch.delenv("PAILITAO_APP_KEY", raising=False)
    monkeypatch.delenv("PAILITAO_ACCESS_TOKEN", raising=False)
    good = tmp_path / "good.yaml"
    good.write_text("interactions: []\n", encoding="utf-8")
    bad = tmp_path / "sub" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "interactions:\n- request:\n    body: sign=ABCDEF\n    headers:\n"
        "      X-Debug: [eno5c2VjcmV0OXp6]\n",  # base64 of the secret
        encoding="utf-8",
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"interactions": [\n  "session=6100e2a1b zz9secret9zz"\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("sign=ABCDEF", encoding="utf-8")  # not a cassette
    status = main(["cassettes", "scan", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1
    assert out == (
        f"{broken}: note: not YAML or JSON (line 3); scanned line by line\n"
        f"{broken}:2: configured-secret: the value of $PAILITAO_APP_SECRET appears here\n"
        f"{broken}:2: unscrubbed-param: param 'session' has a value\n"
        f"{bad}:3: unscrubbed-param: param 'sign' has a value (interaction 0, request body)\n"
        f"{bad}:5: configured-secret: the value of $PAILITAO_APP_SECRET appears here"
        " (interaction 0, request header x-debug)\n"
        "scanned 3 file(s): 4 finding(s)\n"
    )
    assert "zz9secret9zz" not in out
    assert "ABCDEF" not in out
    assert main(["cassettes", "scan", str(good)]) == 0
    assert capsys.readouterr().out == "scanned 1 file(s): no secrets found\n"


def test_cli_finds_nothing_in_the_shipped_cassettes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for rule, value in DEMO.items():
        monkeypatch.setenv(
            f"PAILITAO_{rule.removeprefix('configured-').replace('-', '_').upper()}", value
        )
    assert main(["cassettes", "scan", *map(str, SHIPPED)]) == 0
    assert capsys.readouterr().out.endswith(": no secrets found\n")


def test_cli_missing_path_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassettes", "scan", str(tmp_path / "nope")]) == 2
    assert (
        capsys.readouterr().err
        == f"pailitao cassettes scan: error: no such file or folder: {tmp_path / 'nope'}\n"
    )


def test_help_is_plain_text_under_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["cassettes", "scan", "--help"])
    out = capsys.readouterr().out
    assert "Scan cassettes (*.yaml, *.yml, *.json) for secrets; exit 1 on a finding." in out
    assert "* unscrubbed-param: a sign" in out
    assert "* session-cookie: a session cookie" in out
    assert "``" not in out


def test_a_finding_reads_as_file_line_rule_detail_and_place() -> None:
    finding = Finding(Path("c.yaml"), 7, "jwt", "a JSON Web Token", 2, "response body")
    assert str(finding) == "c.yaml:7: jwt: a JSON Web Token (interaction 2, response body)"
    assert str(Finding(Path("c.yaml"), 7, "jwt", "a JSON Web Token")) == (
        "c.yaml:7: jwt: a JSON Web Token"
    )
