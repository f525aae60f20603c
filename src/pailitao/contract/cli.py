"""``pailitao contract check|diff|live-check``: the contract on the command line.

Exit status: 0 all good (or live-check skipped), 1 failures or drift, 2 a usage
error reported on one line. Heavy imports (jsonschema, PyYAML, the fake) happen
only when a subcommand runs, so registering costs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cli._util import CliError, Streams

if TYPE_CHECKING:
    from .allow import AllowList
    from .replay import DiffReport

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``pailitao contract`` and its subcommands."""
    contract = commands.add_parser(
        "contract",
        help="check answers against the contract; compare the fake with the platform",
        description=(
            "Check recorded answers against the JSON Schemas, and compare the shape of the "
            "fake's answers with recorded or live ones. See docs/reference/contract.md."
        ),
    )
    sub = contract.add_subparsers(dest="contract_command", required=True, metavar="SUBCOMMAND")
    _register_check(sub)
    _register_diff(sub)
    _register_live(sub)


def _register_check(sub: argparse._SubParsersAction[Any]) -> None:
    check = sub.add_parser(
        "check",
        help="validate recorded answers (cassettes, JSON files) against the schemas",
        description=(
            "Validate every answer in vcrpy cassettes (*.yaml, *.yml) and JSON files (an "
            "envelope or a list of them) against the schema of its envelope, and check that "
            "the client parses it. Directories are searched recursively."
        ),
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a file or directory")
    check.add_argument(
        "--format",
        choices=("human", "json"),
        default="human",
        help="json: the failures as a JSON list on stdout (default: %(default)s)",
    )
    check.set_defaults(run=_check)


def _register_diff(sub: argparse._SubParsersAction[Any]) -> None:
    diff = sub.add_parser(
        "diff",
        help="replay recorded requests against the fake and compare answer shapes",
        description=(
            "Replay the recorded search and upload requests against an in-process fake and "
            "report differences in shape (fields, types, formats), never in values."
        ),
    )
    diff.add_argument(
        "--cassettes", type=Path, required=True, metavar="DIR", help="cassettes to replay"
    )
    _common(diff)
    diff.set_defaults(run=_diff)


def _register_live(sub: argparse._SubParsersAction[Any]) -> None:
    live = sub.add_parser(
        "live-check",
        help="search the live API once; check the answer and compare it with the fake",
        description=(
            "Needs PAILITAO_APP_KEY and PAILITAO_APP_SECRET (and optionally PAILITAO_BASE_URL); "
            "without them it prints 'skipped' and exits 0. Makes one search call."
        ),
    )
    live.add_argument("--image", type=Path, metavar="PATH", help="default: a fake catalog photo")
    _common(live)
    live.set_defaults(run=_live)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow", type=Path, metavar="FILE", help="accepted drifts (YAML/JSON)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="the fake's catalog seed")


def _need_extra() -> None:
    """jsonschema and PyYAML come with pailitao[contract]; say so in one line if one is missing."""
    try:
        import jsonschema  # noqa: F401, PLC0415
        import yaml  # noqa: F401, PLC0415
    except ImportError as error:
        raise CliError(
            "the contract commands need pailitao[contract]: "
            f"pip install 'pailitao[contract]' ({error})"
        ) from None


def _existing(paths: list[Path]) -> None:
    from .sources import find_files  # noqa: PLC0415

    for path in paths:
        if not path.exists():
            raise CliError(f"no such file or directory: {path}")
        if path.is_dir() and not find_files(path):
            raise CliError(f"no *.yaml, *.yml or *.json files under {path}")


def _check(args: argparse.Namespace, streams: Streams) -> int:
    _need_extra()
    from .check import check_files  # noqa: PLC0415 - imports jsonschema

    _existing(args.paths)
    report = check_files(args.paths)
    if args.format == "json":
        records = [failure.as_dict() for failure in report.failures]
        print(json.dumps(records, ensure_ascii=False, indent=2), file=streams.out)
        print(report.summary, file=streams.err)  # stdout stays machine-readable
    else:
        for failure in report.failures:
            print(failure, file=streams.out)
        print(report.summary, file=streams.out)
    return 1 if report.failures else 0


def _allow(path: Path | None) -> AllowList:
    from .allow import AllowList, AllowListError  # noqa: PLC0415

    if path is None:
        return AllowList()
    try:
        return AllowList.load(path)
    except AllowListError as error:
        raise CliError(str(error)) from None


def _diff(args: argparse.Namespace, streams: Streams) -> int:
    _need_extra()
    from .replay import diff_cassettes  # noqa: PLC0415

    _existing([args.cassettes])
    allow = _allow(args.allow)
    report = diff_cassettes([args.cassettes], _fake(args.seed), allow=allow)
    return _print_diff(report, streams)


def _fake(seed: int) -> Any:
    """The fake gateway to compare with; this command line wires the fake to the contract room."""
    try:
        from fake1688 import FakeGateway  # noqa: PLC0415 - the fake is optional and heavy
    except ImportError:
        raise CliError(
            "comparing with the fake needs fake1688: pip install 'pailitao[fake]'"
        ) from None
    return FakeGateway(seed=seed)


def _print_diff(report: DiffReport, streams: Streams, scrub: tuple[str, ...] = ()) -> int:
    for line in [*report.lines(), report.summary]:
        print(_scrubbed(line, scrub), file=streams.out)
    return 1 if report.drifting else 0


def _scrubbed(line: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        line = line.replace(secret, "***")
    return line


def _live(args: argparse.Namespace, streams: Streams) -> int:
    from . import live  # noqa: PLC0415

    creds = live.credentials(os.environ)
    if creds is None:
        print(live.SKIPPED, file=streams.out)
        return 0
    _need_extra()
    image = _image(args.image)
    allow = _allow(args.allow)
    import httpx  # noqa: PLC0415

    gateway = _fake(args.seed)
    try:
        report = live.live_check(creds, image, gateway, allow=allow)
    except httpx.TransportError as error:
        print(f"cannot reach {creds.base_url}: {type(error).__name__}: {error}", file=streams.out)
        return 1
    scrub = (creds.secret,)
    for failure in report.failures:
        print(_scrubbed(str(failure), scrub), file=streams.out)
    status = _print_diff(report.diff, streams, scrub)
    return 1 if report.failures else status


def _image(path: Path | None) -> bytes | None:
    if path is None:
        return None
    from ..errors import ImageError  # noqa: PLC0415
    from ..images import prepare_image  # noqa: PLC0415

    try:
        return prepare_image(path).data
    except ImageError as error:
        raise CliError(str(error)) from None
