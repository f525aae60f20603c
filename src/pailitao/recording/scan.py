"""``pailitao cassettes scan``: find secrets that should never have been committed.

A cassette is read as vcrpy reads it (YAML or JSON; block, flow and folded
styles, ``!!binary`` bodies), and every recorded string is decoded before the
rules apply: gzip, multipart parts, query strings and forms, JSON (and its
string escapes), percent-encoding (until stable) and base64 that decodes to
text. Each finding names the file, the line, the interaction (its index in
the file, from 0), where in it (request or response; uri, query, header or
body) and the rule, never the value itself. A file that is not a cassette is
scanned line by line, with a note that says so.

Rules:

* ``configured-secret`` / ``configured-app-key`` / ``configured-access-token``:
  the values of ``$PAILITAO_APP_SECRET`` / ``$PAILITAO_APP_KEY`` /
  ``$PAILITAO_ACCESS_TOKEN`` (when set) appear, verbatim or encoded;
* ``unscrubbed-param``: a ``sign``, ``_aop_signature``, ``session`` or
  ``access_token`` with a value: a query or form param, a multipart part, a
  JSON key, a header;
* ``credential-param``: a ``secret``, ``app_secret``, ``password`` or
  ``token`` with a value, or a resellers' ``key`` (except as a JSON key, which
  as often names an attribute): ``/1688/item_search_img/?key=…&secret=…``,
  as a cassette recorded with plain vcrpy keeps them (pailitao drops both);
  not the public ``token`` of an Open Platform offer (35 letters and digits);
* ``app-key-in-path``: an Open Platform URL path that still ends in an app key
  (``/param2/1/<namespace>/<name>/<appKey>``; pailitao stores it without);
* ``bearer-token`` / ``auth-header``: an ``Authorization`` (or API key) header
  with a value, or ``Bearer <token>`` anywhere;
* ``session-cookie``: a session cookie (``JSESSIONID``, ``session``, ``sid``,
  ``cookie2`` …) with a value in ``Cookie`` or ``Set-Cookie``;
* ``jwt``: a JSON Web Token;
* ``token-in-auth-field``: a long hex (32+) or base64 (40+) token after an
  auth-like name (token, secret, password, authorization, api/app key …).

Placeholders (``<PAILITAO_APP_SECRET>``, ``<redacted>``, ``***``, ``null`` …)
and empty values are never findings.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..cli._util import CliError, Streams
from ._scan_rules import ENV_OF, line_hits
from ._scan_values import Analyser

__all__ = ["Finding", "Report", "register", "scan_document", "scan_paths", "scan_text"]

SUFFIXES: Final = (".yaml", ".yml", ".json")
_NO_YAML: Final = "PyYAML is not installed (pip install 'pailitao[record]'); scanned line by line"


@dataclass(frozen=True, slots=True)
class Finding:
    """A secret-looking value at a place in a file.

    ``interaction`` is the index of the interaction in the cassette (``None``
    outside one, or in a file scanned line by line); ``where`` names the part
    of it: ``request uri``, ``request query``, ``response header set-cookie``,
    ``request body`` …
    """

    path: Path
    line: int
    rule: str
    detail: str
    interaction: int | None = None
    where: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.rule}: {self.detail}"
        place = [f"interaction {self.interaction}"] if self.interaction is not None else []
        place += [self.where] if self.where else []
        return f"{text} ({', '.join(place)})" if place else text


@dataclass(slots=True)
class Report:
    """The findings in one file, and a note when it was not read as a cassette."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    note: str | None = None


def _line_by_line(path: Path, text: str, analyser: Analyser) -> list[Finding]:
    """The line-by-line scan of a file that is not a cassette."""
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for hit in [*analyser.configured(line), *line_hits(line)]:
            findings.append(Finding(path, number, hit.rule, hit.detail))
    return findings


def scan_document(path: Path, text: str, known: dict[str, str]) -> Report:
    """The findings in one file's text; ``known`` maps a ``configured-*`` rule to its value."""
    analyser = Analyser(known)
    try:
        from ._scan_cassette import compose, walk  # noqa: PLC0415 - PyYAML: the record extra
    except ImportError:
        return Report(path, _line_by_line(path, text, analyser), _NO_YAML)
    root, note = compose(text)
    if root is None:
        return Report(path, _line_by_line(path, text, analyser), note)
    findings = [
        Finding(path, found.line, found.hit.rule, found.hit.detail, found.interaction, found.where)
        for found in walk(root, analyser)
    ]
    return Report(path, sorted(findings, key=lambda finding: finding.line))


def scan_text(path: Path, text: str, known: dict[str, str]) -> Iterator[Finding]:
    """The findings of :func:`scan_document`, without its note."""
    yield from scan_document(path, text, known).findings


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def _reports(paths: Iterable[Path], known: dict[str, str]) -> Iterator[Report]:
    for path in _files(paths):
        yield scan_document(path, path.read_text(encoding="utf-8", errors="replace"), known)


def scan_paths(paths: Iterable[Path], known: dict[str, str]) -> tuple[int, list[Finding]]:
    """Scan files and folders (``*.yaml``, ``*.yml``, ``*.json``): (files scanned, findings)."""
    reports = list(_reports(paths, known))
    return len(reports), [finding for report in reports for finding in report.findings]


def _run(args: argparse.Namespace, streams: Streams) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise CliError(f"no such file or folder: {', '.join(missing)}")
    known = {rule: os.environ.get(env, "") for rule, env in ENV_OF.items()}
    count = found = 0
    for report in _reports(args.paths, known):
        count += 1
        found += len(report.findings)
        if report.note:
            print(f"{report.path}: note: {report.note}", file=streams.out)
        for finding in report.findings:
            print(finding, file=streams.out)
    verdict = f"{found} finding(s)" if found else "no secrets found"
    print(f"scanned {count} file(s): {verdict}", file=streams.out)
    return 1 if found else 0


def _description() -> str:
    """The module docstring as plain text under a one-line summary."""
    rules = (__doc__ or "").split("\n\n", 1)[-1].replace("``", "")
    return f"Scan cassettes (*.yaml, *.yml, *.json) for secrets; exit 1 on a finding.\n\n{rules}"


def register(commands: argparse._SubParsersAction[Any]) -> argparse._SubParsersAction[Any]:
    """Add ``pailitao cassettes scan``; returns the ``cassettes`` actions, for more."""
    cassettes = commands.add_parser("cassettes", help="work with recorded cassettes")
    actions: argparse._SubParsersAction[Any]
    actions = cassettes.add_subparsers(dest="action", required=True, metavar="ACTION")
    scan = actions.add_parser(
        "scan",
        help="fail when a cassette holds a secret-looking value",
        description=_description(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a cassette or a folder")
    scan.set_defaults(run=_run)
    return actions
