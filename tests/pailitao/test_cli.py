"""`pailitao sign`: the canonical string, the sign, the check, and clear errors."""

import importlib.metadata
import io
import subprocess
import sys

import pytest

from pailitao.cli import main
from pailitao.wire import signing

SECRET = "test_app_secret"
PARAMS = [
    "method=1688.items.search.img",
    "app_key=test_app_key",
    "timestamp=2026-11-28 10:00:00",
    "v=2.0",
    "imgid=abc",
]


def run(argv: list[str], monkeypatch, capsys, secret: str | None = SECRET) -> tuple[int, str, str]:
    if secret is None:
        monkeypatch.delenv("PAILITAO_APP_SECRET", raising=False)
    else:
        monkeypatch.setenv("PAILITAO_APP_SECRET", secret)
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_prints_canonical_string_and_sign_without_the_secret(monkeypatch, capsys) -> None:
    status, out, err = run(["sign", *PARAMS], monkeypatch, capsys)
    params = dict(p.split("=", 1) for p in PARAMS)
    canonical = (
        "app_keytest_app_keyimgidabcmethod1688.items.search.imgtimestamp2026-11-28 10:00:00v2.0"
    )
    assert status == 0
    assert out == (
        "signed keys:      app_key, imgid, method, timestamp, v\n"
        f"canonical string: {canonical}\n"
        f"hashed (md5):     <secret>{canonical}<secret>\n"
        f"sign:             {signing.sign(params, SECRET)}\n"
    )
    assert SECRET not in out + err


def test_the_printed_sign_matches_when_given_back_without_sign_method(monkeypatch, capsys) -> None:
    params = dict(p.split("=", 1) for p in PARAMS)
    good = signing.sign(params, SECRET)
    status, out, _ = run(["sign", *PARAMS, f"sign={good}"], monkeypatch, capsys)
    assert status == 0
    assert f"sign:             {good}\n" in out
    assert out.endswith("given sign:       matches\n")


def test_checks_a_given_sign(monkeypatch, capsys) -> None:
    params = dict(p.split("=", 1) for p in PARAMS)
    good = signing.sign({**params, "sign_method": "hmac"}, SECRET, "hmac")
    status, out, _ = run(
        ["sign", *PARAMS, "sign_method=hmac", f"sign={good.lower()}"], monkeypatch, capsys
    )
    assert status == 0
    assert out.endswith("given sign:       matches\n")
    status, out, _ = run(["sign", *PARAMS, "sign=00FF"], monkeypatch, capsys)
    assert status == 1
    assert out.endswith("given sign:       DOES NOT match\n")


def test_reads_a_pasted_url_and_the_secret_from_stdin(monkeypatch, capsys) -> None:
    monkeypatch.delenv("PAILITAO_APP_SECRET", raising=False)
    status = main(
        ["sign", "--secret-stdin", "--query", "https://x.test/router/rest?b=2&a=1&empty="],
        stdin=io.StringIO(SECRET + "\n"),
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "canonical string: a1b2\n" in out


def test_an_empty_first_line_on_stdin_is_named_as_the_place_to_fix(capsys) -> None:
    status = main(["sign", *PARAMS, "--secret-stdin"], stdin=io.StringIO("\n"))
    assert status == 2
    assert capsys.readouterr().err == (
        "pailitao sign: error: no app secret on standard input; write it as the first line\n"
    )


@pytest.mark.parametrize(
    ("argv", "secret", "message"),
    [
        (["sign", *PARAMS], None, "no app secret in $PAILITAO_APP_SECRET; set PAILITAO_APP_SECRET"),
        (["sign", "novalue"], SECRET, "expected KEY=VALUE, got 'novalue'"),
        (["sign"], SECRET, "no params given; pass KEY=VALUE arguments or --query"),
        (["sign", "a=1", "a=2"], SECRET, "parameter 'a' is given twice with different values"),
        (["sign", "a=1", "sign_method=sha1"], SECRET, "sign_method 'sha1' is not one of md5, hmac"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, secret, message, monkeypatch, capsys) -> None:
    status, out, err = run(argv, monkeypatch, capsys, secret)
    assert status == 2
    assert out == ""
    assert err == f"pailitao sign: error: {message}" + err.split(message, 1)[1]
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sign", *PARAMS],
            "$PAILITAO_APP_SECRET is not valid UTF-8 text; set it to the app secret",
        ),
        (
            ["sign", "--secret-stdin", *PARAMS],
            "standard input is not valid UTF-8 text; give the app secret",
        ),
        (["sign", "imgid=a\udcff"], "parameter 'imgid' is not valid UTF-8 text: 'a\\udcff'"),
        (["sign", "a\udcff=1"], "parameter 'a\\udcff' is not valid UTF-8 text: '1'"),
    ],
)
def test_text_that_is_not_utf8_is_a_one_line_error(argv, message, monkeypatch, capsys) -> None:
    # os.environ and sys.argv hold undecodable bytes as lone surrogates
    monkeypatch.setattr(sys, "stdin", io.StringIO("s\udcffcret\n"))
    status, out, err = run(argv, monkeypatch, capsys, "s\udcffcret")
    assert (status, out) == (2, "")
    assert err == f"pailitao sign: error: {message}\n"
    assert "cret" not in err.replace("secret", "")


def test_console_script_is_installed() -> None:
    bin_dir = __import__("pathlib").Path(sys.executable).parent
    result = subprocess.run(
        [bin_dir / "pailitao", "sign", "--help"], capture_output=True, text=True, check=True
    )
    assert "--secret-stdin" in result.stdout


def test_version_is_the_package_s(capsys) -> None:
    import pailitao

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"pailitao {pailitao.__version__}\n"
    assert importlib.metadata.version("pailitao") == pailitao.__version__


def _fake1688_without(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``fake1688 ARGV`` in a Python where ``module`` cannot be imported."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv = ['fake1688', *{list(argv)!r}]\n"
        "from pailitao.cli import fake1688_main; sys.exit(fake1688_main())"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("module", ["starlette", "numpy", "PIL", "python_multipart"])
def test_fake1688_without_its_extra_is_one_line(module: str) -> None:
    done = _fake1688_without(module, "--help")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"fake1688 needs pailitao[fake]: pip install 'pailitao[fake]' (no module {module!r})\n"
    )


def test_fake1688_s_own_import_errors_are_not_hidden() -> None:
    done = _fake1688_without("fake1688.engine.pipeline", "--help")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr


def test_fake1688_version() -> None:
    import pailitao

    done = _fake1688_without("no_such_module", "--version")
    assert (done.returncode, done.stdout) == (0, f"fake1688 {pailitao.__version__}\n")
