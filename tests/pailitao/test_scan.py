"""`pailitao cassettes scan`: every rule, exact output, exit statuses."""

from pathlib import Path

import pytest

from pailitao.cli import main
from pailitao.recording.scan import scan_text

HEX32 = "0123456789abcdef0123456789abcdef"


def findings(text: str, **known: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in scan_text(Path("c.yaml"), text, known)]


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
    ],
)
def test_clean_lines_are_not_flagged(line: str) -> None:
    assert findings(line) == []


@pytest.mark.parametrize(
    "line",
    [
        f"x-api-key: {HEX32}",
        f'"token": "{HEX32}"',
        "Authorization: Bearer " + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIz",
        f"app_key={HEX32.upper()}",
    ],
)
def test_long_tokens_in_auth_fields_are_found(line: str) -> None:
    assert findings(line) == [(1, "token-in-auth-field")]


def test_configured_values_are_found_wherever_they_are() -> None:
    text = "a: 1\nbody: note=zz9secret9zz\nkey: k1234567key\n"
    found = findings(
        text, **{"configured-secret": "zz9secret9zz", "configured-app-key": "k1234567key"}
    )
    assert found == [(2, "configured-secret"), (3, "configured-app-key")]


def test_cli_reports_file_and_line_and_exits_1(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PAILITAO_APP_SECRET", "zz9secret9zz")
    monkeypatch.delenv("PAILITAO_APP_KEY", raising=False)
    good = tmp_path / "good.yaml"
    good.write_text("interactions: []\n", encoding="utf-8")
    bad = tmp_path / "sub" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("interactions:\n- body: sign=ABCDEF\n  note: zz9secret9zz\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("sign=ABCDEF", encoding="utf-8")  # not a cassette
    status = main(["cassettes", "scan", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1
    assert out == (
        f"{bad}:2: unscrubbed-param: sign/_aop_signature/session/access_token has a value\n"
        f"{bad}:3: configured-secret: the value of $PAILITAO_APP_SECRET appears here\n"
        "scanned 2 file(s): 2 finding(s)\n"
    )
    assert "zz9secret9zz" not in out
    assert main(["cassettes", "scan", str(good)]) == 0
    assert capsys.readouterr().out == "scanned 1 file(s): no secrets found\n"


def test_cli_missing_path_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["cassettes", "scan", str(tmp_path / "nope")]) == 2
    assert (
        capsys.readouterr().err
        == f"pailitao cassettes scan: error: no such file or folder: {tmp_path / 'nope'}\n"
    )


def test_help_is_plain_text_under_a_summary(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["cassettes", "scan", "--help"])
    out = capsys.readouterr().out
    assert "Scan cassettes (*.yaml, *.yml, *.json) for secrets; exit 1 on a finding." in out
    assert "* unscrubbed-param: a sign" in out
    assert "``" not in out
