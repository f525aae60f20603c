"""The ``fake1688`` command: ``serve`` the fake over HTTP, ``index`` a photo folder,
draw a product ``photo`` to search with.

Problems the user can fix (a bad catalog or apps file, a port in use, an
address off loopback without an admin token) are reported as one line on
stderr with a non-zero exit status, never a traceback.

``serve`` logs each request on the ``fake1688.access`` logger (``--log-level
info``), its query string redacted, instead of uvicorn's access log, which
prints it whole. Off loopback, the banner prints no secret.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import gc
import importlib.metadata
import ipaddress
import logging
import math
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from fake1688.admin.endpoints import LOCAL_ONLY, AdminAccess, exposure_refusal, is_loopback
from fake1688.engine.apps import DEMO_APP, AppRegistry
from fake1688.engine.faults import Fault, load_faults
from fake1688.engine.ratelimits import RateLimits
from fake1688.engine.state import StateBackend
from pailitao.wire import aop

from .gateway import FakeGateway

__all__ = ["main"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8688
#: Where ``serve`` reads the admin token when ``--admin-token`` is not given.
TOKEN_ENV = "FAKE1688_ADMIN_TOKEN"  # noqa: S105 - the variable's name
_ROUTER = "/openapi/router/rest"
#: Where ``serve`` reads the shared state's URL when ``--state`` is not given.
STATE_ENV = "FAKE1688_STATE"
_MOST_WORKERS = 64
#: Whether forked workers get a listening socket each: Linux balances connections over
#: sockets sharing a port (SO_REUSEPORT); elsewhere the option does not, and they share one.
_REUSE_PORT = sys.platform == "linux"
_EXPOSURE_ADVICE = f"set --admin-token TOKEN (or ${TOKEN_ENV}), or serve none with --no-admin"


class CliError(Exception):
    """A problem reported as one line: ``fake1688: <message>``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fake1688", description="An offline, strict fake of 1688's 拍立淘 image search API."
    )
    # fake1688 ships in the pailitao distribution, and takes its version.
    version = importlib.metadata.version("pailitao")
    parser.add_argument("--version", action="version", version=f"fake1688 {version}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the fake gateway over HTTP (uvicorn)")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="0 picks a free port (default: %(default)s)",
    )
    serve.add_argument(
        "--seed", type=int, default=0, help="seed of the generated catalog (default: %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=_count,
        default=1,
        metavar="N",
        help="serve with N processes on one port (N > 1 needs --state) (default: %(default)s)",
    )
    serve.add_argument(
        "--state",
        metavar="URL",
        help="keep uploads, rate limits, faults and the journal in Redis, shared by every "
        f"worker and host given the same URL: redis://HOST:PORT/DB (default: ${STATE_ENV})",
    )
    serve.add_argument("--catalog", type=Path, help="a catalog file from `fake1688 index`")
    serve.add_argument("--apps", type=Path, help="a JSON or TOML file of app keys and secrets")
    serve.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="faults to inject, a TOML or JSON file: seed = 7 and [[faults]] tables "
        '(kind = "http_error", status = 503, probability = 0.1, method = ..., times = ...)',
    )
    serve.add_argument(
        "--qps", type=int, metavar="N", help="rate limit: N calls per second per app and API"
    )
    serve.add_argument(
        "--daily-quota", type=int, metavar="N", help="rate limit: N calls per app per day (GMT+8)"
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level; 'info' logs every request, secrets redacted (default: %(default)s)",
    )
    access = serve.add_mutually_exclusive_group()
    access.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help=f"admin calls must send Authorization: Bearer TOKEN; needed off loopback "
        f"(default: ${TOKEN_ENV}, which other users cannot read in the process list)",
    )
    access.add_argument(
        "--no-admin",
        action="store_true",
        help="serve no admin endpoints (/__fake__/*): their paths answer 404",
    )
    serve.add_argument(
        "--admin-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another Host name admin calls may use (NAME or NAME:PORT; repeatable), "
        "e.g. behind a proxy or a container's port map",
    )
    index = commands.add_parser("index", help="build a catalog file from a folder of photos")
    index.add_argument("directory", type=Path, metavar="DIR", help="folder of product photos")
    index.add_argument("--metadata", type=Path, help="CSV of offer fields, one row per photo")
    index.add_argument("-o", "--output", type=Path, required=True, help="catalog file to write")
    photo = commands.add_parser(
        "photo",
        help="draw a product photo to search with (JPEG)",
        description="Draw a photo of a kind of product in a colour, as the default catalog's "
        "photos are drawn: searching with it finds that kind first, in that colour where "
        "the catalog has it.",
    )
    photo.add_argument(
        "kind", nargs="?", metavar="KIND", help="a kind: 小白鞋 or its English, e.g. 'wrench'"
    )
    photo.add_argument("--color", default="red", help="red, blue, … or 藏青色 … (default: red)")
    photo.add_argument("--seed", default="0", help="varies size, tilt and background (default: 0)")
    photo.add_argument("-o", "--output", type=Path, help="JPEG file to write")
    photo.add_argument(
        "--list", action="store_true", help="list the kinds, their English and usual colours"
    )
    return parser


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= _MOST_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of workers: use 1 to 64")
    return int(text)


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: use 0 to 65535 (0 picks a free one)"
        )
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "photo":
            return _photo(args)
        return _index(args)
    except CliError as error:
        print(f"fake1688: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from fake1688.server import ResettableHTTPProtocol, serving_app  # noqa: PLC0415 - serve only

    admin = _admin_access(args)
    if _is_address(args.host):  # a name is judged by the address it binds, below
        _check_exposure(args.host, admin)
    state = _state(args.state or os.environ.get(STATE_ENV) or None, args.workers)
    catalog = _load_catalog(args.catalog, args.seed)
    apps = _load_apps(args.apps)
    fault_seed, faults = _load_faults(args.faults)
    gateway = FakeGateway(
        args.seed,
        catalog,
        apps,
        limits=_limits(args.qps, args.daily_quota),
        faults=faults,
        fault_seed=fault_seed,
        state=state,
    )
    spread = args.workers > 1 and _REUSE_PORT
    sock = _bind(args.host, args.port)  # without SO_REUSEPORT: a port in use is refused
    host, port = sock.getsockname()[:2]
    sockets = [sock]
    try:
        _check_exposure(host, admin)
        if spread:  # then a socket for each worker, on the same port
            sock.close()
            sockets = [_bind(host, port, reuse_port=True) for _ in range(args.workers)]
    except CliError:
        for each in sockets:
            each.close()
        raise
    _banner(sys.stdout, host, port, gateway, admin, workers=args.workers)
    _access_log(args.log_level)
    if args.catalog is not None:
        _settle()

    config = uvicorn.Config(
        serving_app(gateway, admin),
        log_level=args.log_level,
        lifespan="off",
        access_log=False,
        http=ResettableHTTPProtocol,  # an injected connection reset drops the connection
    )
    config.load()  # imports its protocols once, before any worker is forked

    def run(own: socket.socket) -> int:
        server = uvicorn.Server(config)
        server.run(sockets=[own])
        return 0 if server.started else 1

    if args.workers == 1:
        return run(sock)
    _warm()
    return _prefork(sockets if spread else [sock] * args.workers, run)


def _state(url: str | None, workers: int) -> StateBackend | None:
    """The shared state ``--state`` names, reached once; None: this process's memory."""
    if url is None:
        if workers > 1:
            raise CliError(
                f"--workers {workers} needs --state redis://HOST:PORT/DB (or ${STATE_ENV}): "
                "without it each worker would keep its own uploads, rate limits, faults "
                "and journal"
            )
        return None
    try:
        from fake1688.engine.errors import StateUnavailable  # noqa: PLC0415
        from fake1688.engine.shared import RedisState  # noqa: PLC0415 - redis: --state only
    except ImportError:
        raise CliError("--state needs the redis package: pip install 'pailitao[shared]'") from None
    try:
        state = RedisState(url)
        state.check()
    except (ValueError, StateUnavailable) as error:
        raise CliError(f"--state: {error}") from None
    return state


def _warm() -> None:
    """Load what fingerprinting a photo needs before the workers are forked, so that
    they share it: ImageHash imports SciPy on its first hash, ~8 MB a worker."""
    from PIL import Image  # noqa: PLC0415 - the catalog has imported it already

    from fake1688.catalog import imaging  # noqa: PLC0415

    imaging.fingerprint_image(Image.new("RGB", (64, 64), "white"))


def _settle() -> None:
    """Give back what reading a catalog file left free, before serving (and forking).

    Reading a large catalog file leaves most of its memory free but held by the
    process (100,000 offers: RSS 308 MB, 131 MB after this). Workers forked later
    would also write into those free pages, each copying them. The embedded catalog
    leaves 1.6 MB, not worth the 20 ms this takes at every start.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError, TypeError):  # glibc only
        ctypes.CDLL(None).malloc_trim(0)


def _prefork(sockets: list[socket.socket], run: Callable[[socket.socket], int]) -> int:
    """Run ``run(sockets[i])`` in a forked process for each of ``sockets``; wait for them.

    Forked after the catalog is built, the workers share its memory page for page
    (``gc.freeze`` keeps the collector from touching, and so copying, it). Given a
    socket each (bound to one port with SO_REUSEPORT), each worker keeps its own
    alone, and the kernel spreads new connections over them, never to a worker that
    is gone; on one shared socket, the worker that wakes first accepts a whole burst.
    A signal to this process (TERM, INT) goes on to every worker; the status is the
    worst of theirs, a worker stopped by that signal counting as a success.
    """
    gc.freeze()
    children = []
    for own in sockets:
        pid = os.fork()
        if pid == 0:  # a worker
            status = 1
            try:
                for other in sockets:
                    if other is not own:
                        other.close()
                status = run(own)
            finally:
                os._exit(status)
        children.append(pid)
    for each in sockets:
        each.close()

    stopped_by: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    # uvicorn stops gracefully, then raises the signal again: stopped as asked is success.
    return max((0 if -status in stopped_by else status) for status in statuses)


def _photo(args: argparse.Namespace) -> int:
    from fake1688.catalog import photo  # noqa: PLC0415 - Pillow and the silhouettes: photo only

    if args.list:
        for line in photo.kind_list():
            print(line)
        return 0
    if args.kind is None or args.output is None:
        raise CliError("photo: name a KIND and an output file (-o FILE), or --list the kinds")
    try:
        data = photo.photo(args.kind, args.color, seed=args.seed)
    except KeyError as error:
        raise CliError(f"photo: {error.args[0]}") from None
    try:
        args.output.write_bytes(data)
    except OSError as error:
        raise CliError(f"photo: cannot write {args.output}: {error.strerror}") from None
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


def _admin_access(args: argparse.Namespace) -> AdminAccess | None:
    """Who may call the admin endpoints, from the options (None: they are not served)."""
    if args.no_admin:
        if args.admin_host:
            raise CliError("--admin-host names hosts for the admin endpoints; drop --no-admin")
        return None
    # An empty variable is an unset one, as shells treat it; an empty option is a mistake.
    token = args.admin_token if args.admin_token is not None else os.environ.get(TOKEN_ENV) or None
    try:
        return AdminAccess(token=token, hosts=tuple(args.admin_host))
    except ValueError as error:
        raise CliError(f"--admin-token/--admin-host: {error}") from None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.lower() == "localhost"
    return True


def _check_exposure(host: str, admin: AdminAccess | None) -> None:
    refusal = exposure_refusal(host, admin, _EXPOSURE_ADVICE)
    if refusal is not None:
        raise CliError(refusal)


def _access_log(level: str) -> None:
    """Print the fake's access log (redacted) as uvicorn prints its own lines."""
    from uvicorn.logging import DefaultFormatter  # noqa: PLC0415 - serve only

    from fake1688.server import ACCESS_LOGGER  # noqa: PLC0415 - serve only

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.handlers = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def _load_catalog(path: Path | None, seed: int) -> Any:
    from fake1688.catalog.catalog import Catalog  # noqa: PLC0415 - numpy, Pillow: load on demand

    try:
        return Catalog.load(path) if path is not None else Catalog.default(seed)
    except (OSError, ValueError) as error:
        raise CliError(f"cannot use catalog {path}: {error}") from None


def _load_apps(path: Path | None) -> AppRegistry | None:
    if path is None:
        return None
    try:
        return AppRegistry.load(path)
    except ValueError as error:
        raise CliError(str(error)) from None


def _load_faults(path: Path | None) -> tuple[int | None, list[Fault]]:
    if path is None:
        return None, []
    try:
        return load_faults(path)
    except ValueError as error:
        raise CliError(str(error)) from None


def _limits(qps: int | None, daily_quota: int | None) -> RateLimits:
    try:
        return RateLimits(qps=qps, daily_quota=daily_quota)
    except ValueError as error:
        raise CliError(f"--qps/--daily-quota: {error}") from None


def _bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind before starting uvicorn, so a busy port is one clear line. With
    `reuse_port`, other sockets of this user may bind the port too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        taken = error.errno in (errno.EADDRINUSE, errno.EACCES)
        raise CliError(
            f"cannot listen on {host}:{port}: {reason} "
            f"({'pick another --port' if taken else 'check --host'})",
            1,
        ) from None
    sock.set_inheritable(True)
    return sock


def _banner(
    out: TextIO,
    host: str,
    port: int,
    gateway: FakeGateway,
    admin: AdminAccess | None = LOCAL_ONLY,
    *,
    workers: int = 1,
) -> None:
    """What is served where, and how to call it; off loopback, no secret at all."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}{_ROUTER}"
    offers = getattr(gateway.catalog, "offers", ())
    picture = f"http://{shown}:{port}{_path(offers[0].pic_url)}" if offers else None
    local = is_loopback(host)
    lines = [f"fake1688 serving on {url}"]
    shared = getattr(gateway.engine.state, "shown", None)  # a URL, its password hidden
    if shared or workers > 1:
        processes = f"{workers} workers" if workers > 1 else "1 worker"
        lines.append(f"  {processes}, state in {shared or 'memory'}")
    if DEMO_APP.app_key in gateway.apps and local:
        lines.append(f"  demo app: app_key={DEMO_APP.app_key} app_secret={DEMO_APP.app_secret}")
        key, secret = DEMO_APP.app_key, DEMO_APP.app_secret
        tokens = f"  access_token={min(DEMO_APP.access_tokens)}"
    elif DEMO_APP.app_key in gateway.apps:
        lines.append(
            f"  demo app: app_key={DEMO_APP.app_key} (its secret and access token are in "
            "the docs, not printed off loopback)"
        )
        key, secret = DEMO_APP.app_key, "<the demo secret>"
        tokens = "  access token: not printed off loopback"
    else:
        keys = ", ".join(app.app_key for app in gateway.apps)
        lines.append(f"  apps: {keys} (secrets from your apps file)")
        key, secret = next(iter(gateway.apps)).app_key, "<your secret>"
        tokens = "  access tokens from your apps file"
    search = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, key).url(f"http://{shown}:{port}/openapi")
    lines += [f"  1688 Open Platform: {search}", tokens]
    if picture:
        lines += ["", "Fetch a catalog photo:", f"  curl -so photo.jpg '{picture}'"]
    lines += _admin_lines(f"http://{shown}:{port}", gateway, admin)
    lines += [
        "",
        "Search by that photo (Python):",
        "  from pailitao import PailitaoClient",
        f'  with PailitaoClient(app_key="{key}", app_secret="{secret}",',
        f'                      base_url="{url}") as client:',
        '      page = client.search_image(file=open("photo.jpg", "rb").read())',
        "      print(page.total_results, [item.title for item in page.items[:3]])",
        "",
        "Ctrl-C stops the server.",
    ]
    print("\n".join(lines), file=out, flush=True)


def _admin_lines(root: str, gateway: FakeGateway, admin: AdminAccess | None) -> list[str]:
    limits = gateway.limits.to_dict()["default"]
    shown = ", ".join(f"{key}={value}" for key, value in limits.items() if value) or "none"
    state = f"  OpenAPI: {root}/openapi.json   faults: {len(gateway.faults)}   limits: {shown}"
    if admin is None:
        return ["", "Admin: off (--no-admin)", state]
    who = "Authorization: Bearer <admin token>" if admin.token else "no token: this machine only"
    return [
        "",
        f"Dashboard: {root}/__fake__/ui/  (every call with its photos; faults and limits)",
        f"Admin ({who}): {root}/__fake__/requests  /reset  /health  /faults  /limits",
        "  POST, PUT and DELETE need Content-Type: application/json",
        state,
    ]


def _path(url: str) -> str:
    """The path of a full or protocol-relative URL."""
    rest = url.split("//", 1)[-1]
    return "/" + rest.split("/", 1)[-1] if "/" in rest else "/"


def _index(args: argparse.Namespace) -> int:
    from fake1688.catalog.indexer import build_catalog  # noqa: PLC0415 - numpy, Pillow: load on demand

    if not args.directory.is_dir():
        raise CliError(f"{args.directory} is not a directory")
    if args.output.is_dir():
        raise CliError(f"cannot write {args.output}: it is a directory")
    if not args.output.parent.is_dir():
        raise CliError(f"cannot write {args.output}: {args.output.parent} is not a directory")
    if args.metadata is not None and not args.metadata.is_file():
        raise CliError(f"no metadata file at {args.metadata}")
    progress = _Progress(sys.stderr)
    try:
        catalog = build_catalog(args.directory, args.metadata, progress)
        catalog.save(args.output)
    except (OSError, ValueError) as error:
        progress.abandon()
        raise CliError(f"cannot index {args.directory}: {error}", 1) from None
    print(f"wrote {len(catalog.offers)} offers to {args.output}", file=sys.stderr)
    return 0


class _Progress:
    """A one-line progress bar on a terminal, a line per tenth elsewhere: photos done,
    the rate so far and the time left at that rate."""

    def __init__(
        self, out: TextIO, width: int = 30, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.out = out
        self.width = width
        self.tty = out.isatty()
        self._clock = clock
        self._start = clock()
        self._shown = -1
        self._open = False

    def __call__(self, done: int, total: int) -> None:
        steps = 100 if self.tty else 10
        step = done * steps // total if total else steps
        if step == self._shown:
            return
        self._shown = step
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        line = f"indexing [{bar}] {done}/{total}"
        elapsed = self._clock() - self._start
        if done and elapsed > 0:
            rate = done / elapsed
            when = (
                f"done in {_duration(elapsed)}"
                if done >= total
                else (f"{_duration((total - done) / rate)} left")
            )
            line += f"  {rate:.1f} photos/s, {when}"
        if self.tty:
            self.out.write("\r" + line + ("\n" if done >= total else ""))
            self._open = done < total
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def abandon(self) -> None:
        """End an unfinished bar so the error message starts on its own line."""
        if self._open:
            self.out.write("\n")
            self._open = False


def _duration(seconds: float) -> str:
    """``23 s`` or ``1 min 30 s``, rounded up to the second."""
    whole = math.ceil(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"
