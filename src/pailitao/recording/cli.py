"""``pailitao cassettes serve|record``: replay and record over HTTP, for code in any language.

``serve`` answers from a folder of cassettes, ``record`` forwards to a gateway
and writes a cassette; both canonicalise, match and verify signatures as
in-process replay does, with the secret of ``$PAILITAO_APP_SECRET`` (the app
key of ``$PAILITAO_APP_KEY``, the token of ``$PAILITAO_ACCESS_TOKEN``), else
the demo app's. Each prints one banner line with its URL and runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cli._util import CliError, Streams
from . import scan

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

__all__ = ["register"]

_CREDENTIALS = (
    "The secret that verifies signatures comes from $PAILITAO_APP_SECRET, the app key and "
    "access token scrubbed from answers from $PAILITAO_APP_KEY and $PAILITAO_ACCESS_TOKEN; "
    "unset, they are the demo app's (test_app_key). Nothing is printed of them."
)


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 0 to 65535 (0: a free one)")
    return int(text)


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port to bind; 0 picks a free one (default: 0)"
    )
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="do not verify request signatures (as verify_signatures=False)",
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``pailitao cassettes scan|serve|record`` to the command line."""
    actions = scan.register(commands)
    serve = actions.add_parser(
        "serve",
        help="answer HTTP requests from a folder of cassettes",
        description=(
            "Serve a folder of cassettes over HTTP: point any client's base URL at it. A "
            "request is matched as in-process replay matches it (method, path and the "
            "canonical params; not the host), its signature verified; a request that matches "
            "nothing gets its dialect's error envelope naming the closest recorded request "
            "and the param that differs. " + _CREDENTIALS
        ),
    )
    serve.add_argument("folder", type=Path, metavar="DIR", help="a folder of cassettes (or one)")
    _listen_options(serve)
    serve.set_defaults(run=_serve)
    record = actions.add_parser(
        "record",
        help="record cassettes through an HTTP proxy to a gateway",
        description=(
            "Forward every request to the upstream gateway and record it in a cassette in "
            "DIR, canonical and free of secrets, as in-process recording does. " + _CREDENTIALS
        ),
    )
    record.add_argument("folder", type=Path, metavar="DIR", help="where the cassette is written")
    record.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="the gateway's root, e.g. http://127.0.0.1:8688 (the request's path is appended)",
    )
    record.add_argument(
        "--cassette",
        default="proxy.yaml",
        metavar="NAME",
        help="the cassette's file name in DIR (default: %(default)s)",
    )
    record.add_argument(
        "--record",
        choices=("missing", "all"),
        default="missing",
        help="missing: record what the cassette lacks, answer the rest from it; "
        "all: forward and record everything anew (default: %(default)s)",
    )
    _listen_options(record)
    record.set_defaults(run=_record)


def _bind(handle: Any, host: str, port: int) -> ThreadingHTTPServer:
    from .playback import make_server  # noqa: PLC0415 - only the servers need it

    try:
        return make_server(handle, host, port)
    except OSError as error:
        taken = error.errno in (errno.EADDRINUSE, errno.EACCES)
        raise CliError(
            f"cannot listen on {host}:{port}: {error.strerror or error} "
            f"({'pick another --port' if taken else 'check --host'})"
        ) from None


def _run(server: ThreadingHTTPServer, banner: list[str], streams: Streams) -> int:
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    banner[0] = f"{banner[0]} on http://{shown}:{port}"
    print("\n".join([*banner, "Ctrl-C stops the server."]), file=streams.out, flush=True)
    # A shell starts a background job with SIGINT ignored; Ctrl-C and SIGTERM both stop it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _credentials(args: argparse.Namespace) -> Any:
    from .playback import Credentials  # noqa: PLC0415

    return Credentials.from_environment(verify=not args.no_verify)


def _needs_vcrpy() -> None:
    try:
        import vcr  # noqa: F401, PLC0415
        import yaml  # noqa: F401, PLC0415
    except ImportError:
        raise CliError("vcrpy and PyYAML are missing: pip install 'pailitao[record]'") from None


def _serve(args: argparse.Namespace, streams: Streams) -> int:
    from ..errors import CassetteError  # noqa: PLC0415
    from .playback import Library, PlaybackServer  # noqa: PLC0415

    _needs_vcrpy()
    if not args.folder.exists():
        raise CliError(f"no such file or folder: {args.folder}")
    try:
        library = Library.from_folder(args.folder, _credentials(args))
    except CassetteError as error:
        raise CliError(f"{error}; fix or remove that cassette") from None
    server = _bind(PlaybackServer(library, args.folder), args.host, args.port)
    count = len(library.recordings)
    banner = ["pailitao cassettes serving", f"  {count} interaction(s) from {args.folder}"]
    return _run(server, banner, streams)


def _record(args: argparse.Namespace, streams: Streams) -> int:
    import httpx  # noqa: PLC0415

    from ..errors import CassetteError  # noqa: PLC0415
    from .proxy import RecordingProxy  # noqa: PLC0415

    _needs_vcrpy()
    if "://" not in args.upstream:
        raise CliError(f"--upstream {args.upstream!r} is not a URL; give http(s)://HOST[:PORT]")
    if Path(args.cassette).name != args.cassette:
        raise CliError(f"--cassette {args.cassette!r} must be a file name, not a path")
    cassette = args.folder / (
        args.cassette if args.cassette.endswith((".yaml", ".yml")) else args.cassette + ".yaml"
    )
    with httpx.Client(timeout=60.0, follow_redirects=False) as client:
        try:
            proxy = RecordingProxy(cassette, args.upstream, client, _credentials(args), args.record)
        except CassetteError as error:
            raise CliError(f"{error}; fix it, or re-record it with --record all") from None
        server = _bind(proxy, args.host, args.port)
        banner = [
            "pailitao cassettes recording",
            f"  forwarding to {args.upstream}, recording {args.record} into {cassette}",
        ]
        status = _run(server, banner, streams)
    total = len(proxy.library.recordings)
    print(
        f"recorded {proxy.recorded} new interaction(s) into {cassette} ({total} in all)",
        file=streams.out,
    )
    return status
