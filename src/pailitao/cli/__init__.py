"""The ``pailitao`` command line.

Each room registers its own subcommands (``register(commands)``, which sets
``run`` on its parser); this module only assembles them and reports
:class:`CliError` as one line with exit status 2, never a traceback.

``pailitao search`` (in :mod:`pailitao.cli._search`) searches from a terminal.
``pailitao sign`` prints the canonical string and the sign for given params,
and checks a given ``sign``: the first tool to reach for when the platform
answers "Invalid signature". The secret comes from an environment variable or
standard input and is never echoed.
"""

from __future__ import annotations

import argparse
import hmac
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final, TextIO
from urllib.parse import parse_qsl, urlsplit

from .. import __version__
from .._checks import is_utf8
from ..contract import cli as contract_cli
from ..recording import cli as recording_cli
from ..wire import signing
from . import _search
from ._util import CliError, Streams

__all__ = ["CliError", "Streams", "fake1688_main", "main"]

DEFAULT_SECRET_ENV = "PAILITAO_APP_SECRET"


Registrar = Callable[["argparse._SubParsersAction[Any]"], None]


def _registrars() -> list[Registrar]:
    return [_search.register, _register_sign, recording_cli.register, contract_cli.register]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pailitao", description="Tools for 1688 拍立淘 image search."
    )
    parser.add_argument("--version", action="version", version=f"pailitao {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _registrars():
        register(commands)
    return parser


def _register_sign(commands: argparse._SubParsersAction[Any]) -> None:
    sign = commands.add_parser(
        "sign",
        help="print the canonical string and sign of request params",
        description=(
            "Print the canonical string and the sign for TOP router params, and check a "
            "given 'sign'. The secret is read from an environment variable (or stdin) "
            "and never printed."
        ),
        epilog=(
            "example: PAILITAO_APP_SECRET=... pailitao sign method=1688.items.search.img "
            "app_key=KEY 'timestamp=2026-11-28 10:00:00' v=2.0 format=json imgid=abc"
        ),
    )
    sign.add_argument("params", nargs="*", metavar="KEY=VALUE", help="a request parameter")
    sign.add_argument(
        "--query",
        metavar="STRING",
        help="params as a query string or form body, or a whole URL (a=1&b=2)",
    )
    sign.add_argument(
        "--sign-method",
        choices=signing.SIGN_METHODS,
        help="default: the params' sign_method, else md5",
    )
    source = sign.add_mutually_exclusive_group()
    source.add_argument(
        "--secret-env",
        default=DEFAULT_SECRET_ENV,
        metavar="NAME",
        help=f"environment variable holding the app secret (default {DEFAULT_SECRET_ENV})",
    )
    source.add_argument(
        "--secret-stdin", action="store_true", help="read the app secret from standard input"
    )
    sign.set_defaults(run=_sign)


def _params(args: argparse.Namespace) -> dict[str, str]:
    pairs: list[tuple[str, str]] = []
    if args.query:
        text = args.query
        if "://" in text:
            text = urlsplit(text).query
        pairs.extend(parse_qsl(text.lstrip("?"), keep_blank_values=True))
    for item in args.params:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CliError(f"expected KEY=VALUE, got {item!r}")
        pairs.append((key, value))
    params: dict[str, str] = {}
    for key, value in pairs:
        if not (is_utf8(key) and is_utf8(value)):
            raise CliError(f"parameter {key!r} is not valid UTF-8 text: {value!r}")
        if key in params and params[key] != value:
            raise CliError(f"parameter {key!r} is given twice with different values")
        params[key] = value
    if not params:
        raise CliError("no params given; pass KEY=VALUE arguments or --query")
    return params


def _secret(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.secret_stdin:
        where = "standard input"
        try:
            secret = stdin.readline().rstrip("\r\n")
        except UnicodeDecodeError:
            secret = "\udcff"  # reported below, like an undecodable environment variable
    else:
        secret = os.environ.get(args.secret_env, "")
        where = f"${args.secret_env}"
    if not is_utf8(secret):  # undecodable bytes arrive as lone surrogates; never echo them
        fix = "give" if args.secret_stdin else "set it to"
        raise CliError(f"{where} is not valid UTF-8 text; {fix} the app secret")
    if not secret and args.secret_stdin:
        raise CliError("no app secret on standard input; write it as the first line")
    if not secret:
        raise CliError(
            f"no app secret in {where}; set {DEFAULT_SECRET_ENV} (or pass --secret-env NAME "
            "or --secret-stdin)"
        )
    return secret


def _sign(args: argparse.Namespace, streams: Streams) -> int:
    out = streams.out
    params = _params(args)
    secret = _secret(args, streams.stdin)
    method = args.sign_method or params.get("sign_method") or "md5"
    if method not in signing.SIGN_METHODS:
        raise CliError(f"sign_method {method!r} is not one of {', '.join(signing.SIGN_METHODS)}")
    canonical = signing.canonical_string(params)
    framed = f"<secret>{canonical}<secret>" if method == "md5" else canonical
    print(f"signed keys:      {', '.join(signing.signed_keys(params))}", file=out)
    print(f"canonical string: {canonical}", file=out)
    print(f"{'hashed (' + method + '):':<18}{framed}", file=out)
    print(f"sign:             {signing.sign(params, secret, method)}", file=out)
    if "sign" not in params:
        return 0
    # Compare with the sign printed above: adding sign_method to the params, as
    # verify() would need, changes the canonical string when it was not sent.
    given = params["sign"].upper().encode("utf-8")
    ok = hmac.compare_digest(signing.sign(params, secret, method).encode("ascii"), given)
    print(f"given sign:       {'matches' if ok else 'DOES NOT match'}", file=out)
    return 0 if ok else 1


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    streams = Streams(out or sys.stdout, err or sys.stderr, stdin or sys.stdin)
    try:
        status: int = args.run(args, streams)
    except CliError as error:
        command = [
            args.command,
            getattr(args, "contract_command", None),
            getattr(args, "action", None),
        ]
        print(f"pailitao {' '.join(filter(None, command))}: error: {error}", file=streams.err)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): no traceback
        if out is None:  # stop Python's own flush at exit from failing again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


#: The top-level modules of the ``fake`` extra, which fake1688 imports as it loads.
_FAKE_EXTRA: Final = frozenset(
    {"starlette", "multipart", "python_multipart", "uvicorn", "PIL", "imagehash", "numpy", "limits"}
)


def fake1688_main() -> int:
    """The ``fake1688`` command: :func:`fake1688.cli.main`, or one line if the extra is missing.

    fake1688's modules import Starlette, Pillow and numpy as they load, so without
    the ``fake`` extra ``fake1688 --help`` would be an import traceback.
    """
    try:
        from fake1688.cli import main as fake_main  # noqa: PLC0415 - the fake extra, if installed
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in _FAKE_EXTRA:
            raise
        print(
            f"fake1688 needs pailitao[fake]: pip install 'pailitao[fake]' (no module {missing!r})",
            file=sys.stderr,
        )
        return 2
    return fake_main()
