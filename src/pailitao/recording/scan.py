"""``pailitao cassettes scan``: find secrets that should never have been committed.

Each finding names the file, the line and the rule, never the value itself.
Rules:

* ``configured-secret`` / ``configured-app-key`` / ``configured-access-token``:
  the values of ``$PAILITAO_APP_SECRET`` / ``$PAILITAO_APP_KEY`` /
  ``$PAILITAO_ACCESS_TOKEN`` (when set) appear verbatim;
* ``unscrubbed-param``: a ``sign``, ``_aop_signature``, ``session`` or
  ``access_token`` with a value, in a query string, form body or JSON/YAML key;
* ``credential-param``: a resellers' ``key`` or ``secret`` with a value in a
  query string or form body (``/1688/item_search_img/?key=…&secret=…``: a
  cassette recorded with plain vcrpy keeps them; pailitao drops both);
* ``app-key-in-path``: an Open Platform URL path that still ends in an app key
  (``/param2/1/<namespace>/<name>/<appKey>``; pailitao stores it without);
* ``token-in-auth-field``: a long hex (32+) or base64 (40+) token after an
  auth-like name (token, secret, password, authorization, api/app key …), but
  for the public ``"token"`` of an Open Platform search result's offer (35
  letters and digits).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .._cliutil import CliError, Streams

__all__ = ["Finding", "register", "scan_paths", "scan_text"]

SECRET_ENV: Final = "PAILITAO_APP_SECRET"  # noqa: S105 - the variable's name
APP_KEY_ENV: Final = "PAILITAO_APP_KEY"
ACCESS_TOKEN_ENV: Final = "PAILITAO_ACCESS_TOKEN"  # noqa: S105 - the variable's name
SUFFIXES: Final = (".yaml", ".yml", ".json")

_PARAM_NAMES: Final = r"(?:sign|_aop_signature|session|access_token)"
_PLACEHOLDER: Final = r"(?!(?:\*+|<[^>]*>|null|~|\[\]|\{\}|''|\"\")(?:[\s&'\",}]|$))"
_UNSCRUBBED: Final = (
    # query strings, form bodies and canonical ``key=value`` lines
    re.compile(rf"(?:^|[?&\s'\"]){_PARAM_NAMES}={_PLACEHOLDER}[^&\s'\"]+", re.IGNORECASE),
    # JSON and YAML keys
    re.compile(
        rf"[\"']?\b{_PARAM_NAMES}[\"']?\s*:\s*{_PLACEHOLDER}[\"']?[^\s\"',}}]+", re.IGNORECASE
    ),
)
#: The resellers' credentials in a query string or form body (``?key=…&secret=…``).
_CREDENTIAL_PARAM: Final = re.compile(
    rf"(?:^|[?&\s'\"])(?:key|secret)={_PLACEHOLDER}[^&\s'\"]+", re.IGNORECASE
)
#: ``/param2/<version>/<namespace>/<name>/<appKey>``: five segments, the last no placeholder.
_APP_KEY_IN_PATH: Final = re.compile(r"/param2(?:/[^/\s?#'\"<>]+){4}/?(?=[\s?#'\"]|$)")
_AUTH_NAME: Final = (
    r"(?:token|secret|passw(?:or)?d|authori[sz]ation|auth|api[_-]?key|app[_-]?key|"
    r"credential|signature|cookie)"
)
_TOKEN_IN_AUTH_FIELD: Final = re.compile(
    rf"{_AUTH_NAME}[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?"
    r"(?:[0-9a-f]{32,}|[0-9A-Z]{32,}|[A-Za-z0-9+/_-]{40,}={0,2})(?![A-Za-z0-9+/_-])",
    re.IGNORECASE,
)


#: An offer's own ``"token"`` in a ``product.search.imageQuery`` answer: public data,
#: 35 letters and digits in the platform's example (quotes escaped in a double-quoted YAML).
_OFFER_TOKEN: Final = re.compile(r'\\?"token\\?":\\?"[0-9A-Za-z]{35}\\?"')


@dataclass(frozen=True, slots=True)
class Finding:
    """A secret-looking value at a place in a file."""

    path: Path
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.detail}"


def scan_text(path: Path, text: str, known: dict[str, str]) -> Iterator[Finding]:
    """Findings in one file's text; ``known`` maps a rule name to a literal value."""
    for number, line in enumerate(text.splitlines(), start=1):
        for rule, value in known.items():
            if value and value in line:
                yield Finding(path, number, rule, f"the value of ${_ENV_OF[rule]} appears here")
        if any(pattern.search(line) for pattern in _UNSCRUBBED):
            yield Finding(
                path,
                number,
                "unscrubbed-param",
                "sign/_aop_signature/session/access_token has a value",
            )
        elif _CREDENTIAL_PARAM.search(line):
            yield Finding(path, number, "credential-param", _CREDENTIAL_DETAIL)
        elif _TOKEN_IN_AUTH_FIELD.search(_OFFER_TOKEN.sub("", line)):
            yield Finding(
                path, number, "token-in-auth-field", "a long token after an auth-like name"
            )
        if _APP_KEY_IN_PATH.search(line):
            yield Finding(path, number, "app-key-in-path", _APP_KEY_DETAIL)


_UNSCRUBBED_DETAIL: Final = "sign/_aop_signature/session/access_token has a value"
_CREDENTIAL_DETAIL: Final = "a reseller key/secret param has a value"
_TOKEN_DETAIL: Final = "a long token after an auth-like name"  # noqa: S105
_APP_KEY_DETAIL: Final = "an Open Platform URL path still ends in an app key"
_ENV_OF: Final = {
    "configured-secret": SECRET_ENV,
    "configured-app-key": APP_KEY_ENV,
    "configured-access-token": ACCESS_TOKEN_ENV,
}


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def scan_paths(paths: Iterable[Path], known: dict[str, str]) -> tuple[int, list[Finding]]:
    """Scan files and folders (``*.yaml``, ``*.yml``, ``*.json``): (files scanned, findings)."""
    findings: list[Finding] = []
    count = 0
    for path in _files(paths):
        count += 1
        text = path.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(path, text, known))
    return count, findings


def _run(args: argparse.Namespace, streams: Streams) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise CliError(f"no such file or folder: {', '.join(missing)}")
    known = {
        "configured-secret": os.environ.get(SECRET_ENV, ""),
        "configured-app-key": os.environ.get(APP_KEY_ENV, ""),
        "configured-access-token": os.environ.get(ACCESS_TOKEN_ENV, ""),
    }
    count, findings = scan_paths(args.paths, known)
    for finding in findings:
        print(finding, file=streams.out)
    verdict = f"{len(findings)} finding(s)" if findings else "no secrets found"
    print(f"scanned {count} file(s): {verdict}", file=streams.out)
    return 1 if findings else 0


def _description() -> str:
    """The rules of the module docstring, as plain text under a one-line summary."""
    rules = (__doc__ or "").split("\n\n", 1)[-1].replace("``", "")
    return f"Scan cassettes (*.yaml, *.yml, *.json) for secrets; exit 1 on a finding.\n\n{rules}"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``pailitao cassettes scan`` to the command line."""
    cassettes = commands.add_parser("cassettes", help="work with recorded cassettes")
    actions = cassettes.add_subparsers(dest="action", required=True, metavar="ACTION")
    scan = actions.add_parser(
        "scan",
        help="fail when a cassette holds a secret-looking value",
        description=_description(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a cassette or a folder")
    scan.set_defaults(run=_run)
