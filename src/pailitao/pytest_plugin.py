"""pytest plugin: the same tests against the fake, cassettes, or the live API.

The only module that wires the rooms together — client, fake gateway,
recording — and it holds no logic of its own. Heavy imports (the fake, vcrpy,
respx, uvicorn) happen inside the fixtures that need them.

Mode precedence: ``@pytest.mark.pailitao(mode=...)`` > ``--pailitao-mode`` >
``$PAILITAO_MODE`` > ``fake``; the dialect (``top``, the TOP router, ``aop``,
the 1688 Open Platform, or ``reseller``, the resellers' REST gateways) likewise,
from ``dialect=``, ``--pailitao-dialect`` and ``$PAILITAO_DIALECT``.
``faults=[...]`` on the marker injects faults into the fake (parsed and
validated by ``fake1688.engine.faults``); such a test is skipped in the other modes,
where nothing can inject them.

Every fixture follows the mode, for code on httpx (``pailitao_client``,
``pailitao_respx``) and for code that is not (``pailitao_server``: the fake over
HTTP, a playback server over the test's cassette, a recording proxy writing it,
or the live gateway). ``--pailitao-record`` says whether a record run adds what
a cassette lacks (``missing``) or records it anew (``all``).
"""

from __future__ import annotations

import difflib
import os
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args
from unittest import mock
from urllib.parse import urlsplit

import pytest

from .client import AsyncPailitaoClient, PailitaoClient
from .errors import CassetteError
from .retry import RetryPolicy
from .wire import (
    DEMO_ACCESS_TOKEN,
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DIALECTS,
    IN_PROCESS_HOST,
    Dialect,
    aop,
    default_base_url,
    in_process_url,
    reseller,
)

if TYPE_CHECKING:
    import httpx
    import respx
    import vcr
    from fake1688 import FakeGateway
    from fake1688.server import ThreadedServer

__all__ = ["Mode", "PailitaoConfig", "PailitaoServer", "RecordMode"]

Mode = Literal["fake", "replay", "record", "live"]
MODES: Final = get_args(Mode)
#: In record mode: record only what the cassette lacks, or everything anew.
RecordMode = Literal["missing", "all"]
RECORD_MODES: Final = get_args(RecordMode)
#: The live gateways' hosts: ``pailitao_respx`` routes them into the fake in fake mode,
#: and lets them through in record and live modes.
LIVE_HOSTS: Final = (
    "api.1688.com",
    aop.DEFAULT_BASE_URL.split("/")[2],
    reseller.DEFAULT_BASE_URL.split("/")[2],
)
ENV_MODE, ENV_DIALECT, ENV_KEY, ENV_SECRET, ENV_TOKEN, ENV_URL = (
    "PAILITAO_MODE",
    "PAILITAO_DIALECT",
    "PAILITAO_APP_KEY",
    "PAILITAO_APP_SECRET",
    "PAILITAO_ACCESS_TOKEN",
    "PAILITAO_BASE_URL",
)
#: Against the in-process fake there is nothing to wait for: retry at once.
FAKE_RETRY: Final = RetryPolicy(backoff=0.0, max_backoff=0.0, jitter=0.0)
_REPORTED_REQUESTS: Final = 10
#: A replay miss is fixed by replacing the cassette, not by adding to it.
_RERECORD: Final = "--pailitao-record=all"


@dataclass(frozen=True)
class PailitaoConfig:
    """Everything the fixtures need; override the ``pailitao_config`` fixture to change it."""

    mode: Mode = "fake"
    #: ``top`` (the TOP router), ``aop`` (the 1688 Open Platform) or ``reseller``
    #: (the resellers' REST gateways: ``app_key``/``app_secret`` are their key/secret).
    dialect: Dialect = "top"
    seed: int = 0
    cassette: Path = Path("cassettes/test.yaml")
    app_key: str = DEMO_APP_KEY
    app_secret: str = field(default=DEMO_APP_SECRET, repr=False)
    #: The Open Platform's access token (the dialect ``aop`` only).
    access_token: str = field(default=DEMO_ACCESS_TOKEN, repr=False)
    base_url: str | None = None
    catalog: Path | None = None
    #: Faults injected into the fake for this test (``fake1688.Fault`` objects).
    faults: tuple[Any, ...] = ()
    #: In record mode: ``missing`` records what the cassette lacks, ``all`` re-records it.
    record: RecordMode = "missing"

    @property
    def credentials_missing(self) -> bool:
        needed = [self.app_key, self.app_secret]
        if self.dialect == "aop":
            needed.append(self.access_token)
        return self.mode in ("record", "live") and not all(needed)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pailitao", "1688 拍立淘 test harness (pailitao)")
    group.addoption(
        "--pailitao-mode",
        choices=MODES,
        default=None,
        help=f"run pailitao tests against the in-process fake, cassettes, while recording, "
        f"or the live API (also ${ENV_MODE}; default: fake)",
    )
    group.addoption(
        "--pailitao-dialect",
        choices=DIALECTS,
        default=None,
        help=f"the API the clients speak: top (the TOP router), aop (the 1688 Open "
        f"Platform) or reseller (the resellers' REST gateways) (also ${ENV_DIALECT}; "
        f"default: top)",
    )
    group.addoption(
        "--pailitao-record",
        choices=RECORD_MODES,
        default="missing",
        help="in record mode, record only the requests the cassette lacks (missing) or "
        "re-record the whole cassette (all) (default: missing)",
    )
    group.addoption(
        "--pailitao-seed",
        type=int,
        default=None,
        metavar="N",
        help="catalog seed of the fake gateway (default: 0)",
    )
    group.addoption(
        "--pailitao-cassette-dir",
        default=None,
        metavar="DIR",
        help="where cassettes live: DIR/<test module>/<test name>.yaml "
        "(default: cassettes/1688 beside each test module)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pailitao(mode=None, dialect=None, seed=None, catalog=None, faults=None): run this "
        "test in a given pailitao mode and dialect, with a given fake catalog seed or catalog "
        "file, and faults injected into the fake (a list of fake1688.Fault or dicts)",
    )
    for name, choices in ((ENV_MODE, MODES), (ENV_DIALECT, DIALECTS)):
        value = os.environ.get(name)
        if value and value not in choices:
            raise pytest.UsageError(f"${name} must be one of {', '.join(choices)}, not {value!r}")


def _run_mode(config: pytest.Config) -> str:
    """The run's mode (a marker may set another for its test)."""
    return str(config.getoption("pailitao_mode") or os.environ.get(ENV_MODE) or "fake")


def pytest_report_header(config: pytest.Config) -> str:
    """The run's mode, dialect and gateway, as the fixtures resolve them (a marker may differ)."""
    mode = _run_mode(config)
    dialect = cast(
        Dialect, config.getoption("pailitao_dialect") or os.environ.get(ENV_DIALECT) or "top"
    )
    if mode == "fake":
        gateway = f"the in-process fake ({in_process_url(dialect)})"
    elif mode == "replay":
        gateway = "the cassettes' recorded base URL"
    else:
        gateway = os.environ.get(ENV_URL) or default_base_url(dialect)
    return f"pailitao: mode {mode}, dialect {dialect}, gateway {gateway}"


_MARKER_ARGS: Final = ("mode", "dialect", "seed", "catalog", "faults")
_GATEWAY: Final = pytest.StashKey["FakeGateway"]()


def marker_options(root: Path | None = None, /, **kwargs: Any) -> dict[str, Any]:
    """Validate ``@pytest.mark.pailitao(...)`` arguments; raises ``ValueError`` saying why.

    A relative ``catalog`` path is taken from ``root`` (pytest's rootdir), so a
    marker means the same file wherever pytest is started.
    """
    for name in kwargs:
        if name not in _MARKER_ARGS:
            guess = difflib.get_close_matches(name, _MARKER_ARGS, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise ValueError(f"unknown argument {name!r}{hint}; it takes {', '.join(_MARKER_ARGS)}")
    mode, dialect, seed, catalog, faults = (kwargs.get(name) for name in _MARKER_ARGS)
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if dialect is not None and dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    if catalog is not None:
        catalog = root / catalog if root is not None else Path(catalog)
        if not catalog.is_file():
            raise ValueError(f"catalog file {str(catalog)!r} does not exist")
    options = {
        "mode": mode,
        "dialect": dialect,
        "seed": seed,
        "catalog": catalog,
        "faults": None if faults is None else tuple(_parse_faults(faults)),
    }
    return {key: value for key, value in options.items() if value is not None}


def _parse_faults(specs: object) -> list[Any]:
    from fake1688.engine.faults import parse_faults  # noqa: PLC0415 - the fake validates its own specs

    return parse_faults(specs)


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    mark = request.node.get_closest_marker("pailitao")
    if mark is None:
        return {}
    try:
        if mark.args:
            raise ValueError("it takes keyword arguments only")
        return marker_options(request.config.rootpath, **mark.kwargs)
    except ValueError as error:
        pytest.fail(f"@pytest.mark.pailitao: {error}", pytrace=False)


def _cassette_path(request: pytest.FixtureRequest) -> Path:
    base = request.config.getoption("pailitao_cassette_dir")
    module = Path(request.node.path)
    # Not pytest-recording's cassettes/<module>/: a test may use both.
    root = Path(base) if base else module.parent / "cassettes" / "1688"
    name = re.sub(r"[^\w.-]+", "_", str(request.node.name)).strip("_")
    return root / module.stem / f"{name}.yaml"


@pytest.fixture
def pailitao_config(request: pytest.FixtureRequest) -> PailitaoConfig:
    """The mode, seed, cassette, credentials and base URL of this test."""
    marker = _marker(request)
    mode = cast(  # each source was validated where it was read
        Mode,
        marker.get("mode")
        or request.config.getoption("pailitao_mode")
        or os.environ.get(ENV_MODE)
        or "fake",
    )
    dialect = cast(
        Dialect,
        marker.get("dialect")
        or request.config.getoption("pailitao_dialect")
        or os.environ.get(ENV_DIALECT)
        or "top",
    )
    seed = marker.get("seed", request.config.getoption("pailitao_seed") or 0)
    config = PailitaoConfig(mode=mode, dialect=dialect, seed=seed, cassette=_cassette_path(request))
    record = cast(RecordMode, request.config.getoption("pailitao_record") or "missing")
    config = replace(
        config, catalog=marker.get("catalog"), faults=marker.get("faults", ()), record=record
    )
    if mode == "fake":
        return config
    key, secret = os.environ.get(ENV_KEY, ""), os.environ.get(ENV_SECRET, "")
    token = os.environ.get(ENV_TOKEN, "")
    if mode == "replay":  # replays verify signs with whatever the client signs with
        key, secret = key or DEMO_APP_KEY, secret or DEMO_APP_SECRET
        token = token or DEMO_ACCESS_TOKEN
    base_url = os.environ.get(ENV_URL)
    return replace(config, app_key=key, app_secret=secret, access_token=token, base_url=base_url)


# -- the fake ------------------------------------------------------------------


@pytest.fixture(scope="session")
def _pailitao_gateways() -> dict[tuple[int, Path | None], FakeGateway]:
    """One fake per (seed, catalog file) for the whole session: catalogs are costly."""
    return {}


@pytest.fixture
def pailitao_fake(
    request: pytest.FixtureRequest,
    pailitao_config: PailitaoConfig,
    _pailitao_gateways: dict[tuple[int, Path | None], FakeGateway],
) -> FakeGateway:
    """The in-process fake gateway of this test (journal, catalog, uploads), freshly reset."""
    with _needs_extra("fake", "--pailitao-mode=fake"):
        from fake1688 import FakeGateway  # noqa: PLC0415 - optional and heavy

    key = (pailitao_config.seed, pailitao_config.catalog)
    gateway = _pailitao_gateways.get(key)
    if gateway is None:
        catalog = None
        if pailitao_config.catalog is not None:
            from fake1688 import Catalog  # noqa: PLC0415

            catalog = Catalog.load(pailitao_config.catalog)
        gateway = _pailitao_gateways[key] = FakeGateway(seed=pailitao_config.seed, catalog=catalog)
    gateway.reset()
    for fault in pailitao_config.faults:
        gateway.faults.add(fault)
    request.node.stash[_GATEWAY] = gateway  # for the failure report
    return gateway


@dataclass(frozen=True)
class _Binding:
    """How this test's clients reach the API: credentials, URL, transports."""

    config: PailitaoConfig
    base_url: str
    transport: httpx.BaseTransport | None = None
    async_transport: httpx.AsyncBaseTransport | None = None
    retry: RetryPolicy | None = None

    def client_options(self) -> dict[str, Any]:
        config = self.config
        options = {
            "app_key": config.app_key,
            "app_secret": config.app_secret,
            "base_url": self.base_url,
            "dialect": config.dialect,
            "retry": self.retry,
        }
        if config.dialect == "aop":
            options["access_token"] = config.access_token
        return options


def _recorded_base_url(path: Path, dialect: Dialect) -> str | None:
    """The base URL the cassette was recorded against, so replay needs no setting.

    A TOP router's URL is the base URL; an Open Platform API's URL is cut
    before ``/param2/``, a reseller API's before ``/1688/``.
    """
    if not path.exists():
        return None
    with _needs_extra("record", "--pailitao-mode=replay"):
        from .recording.validate import read_cassette  # noqa: PLC0415

    with _broken_cassette_fails():
        interactions = read_cassette(path)["interactions"]
    if not interactions:
        return None
    uri = str(interactions[0]["request"]["uri"])
    if dialect == "reseller":
        return uri.split(f"/{reseller.PLATFORM}/", 1)[0]
    return uri.split(f"/{aop.PROTOCOL}/", 1)[0] if dialect == "aop" else uri


@contextmanager
def _needs_extra(extra: str, feature: str) -> Iterator[None]:
    """Imports of an optional extra: if one is missing, fail in one line saying what to install."""
    try:
        yield
    except ImportError as error:
        pytest.fail(
            f"{feature} needs pailitao[{extra}]: pip install 'pailitao[{extra}]' ({error})",
            pytrace=False,
        )


@contextmanager
def _broken_cassette_fails() -> Iterator[None]:
    """A broken cassette fails the test in one line naming the file, interaction and field."""
    try:
        yield
    except CassetteError as error:
        # `from None`: pytest would print the message a second time as the context.
        raise pytest.fail.Exception(f"{type(error).__name__}: {error}", pytrace=False) from None


@contextmanager
def _cassette(config: PailitaoConfig, node: pytest.Item) -> Iterator[None]:
    """The test's cassette, for the dialects' requests only (other traffic passes by)."""
    with _needs_extra("record", f"--pailitao-mode={config.mode}"):
        from .recording import make_vcr  # noqa: PLC0415 - vcrpy is optional
        from .recording.scope import gateway_cassette  # noqa: PLC0415

    # ``all`` re-records: only this run's interactions are kept. ``missing`` answers
    # from the cassette what it holds and adds the rest (vcrpy's ``new_episodes``).
    rerecord = config.mode == "record" and config.record == "all"
    record_mode = "none"
    if config.mode == "record":
        record_mode = "all" if rerecord else "new_episodes"
    vcr = make_vcr(
        secret=config.app_secret,
        app_key=config.app_key,
        access_token=config.access_token if config.dialect == "aop" else None,
        record_mode=record_mode,
        cassette_library_dir=config.cassette.parent,
    )
    with ExitStack() as stack:
        with _broken_cassette_fails():  # vcrpy loads the cassette as it enters
            cassette = stack.enter_context(
                gateway_cassette(vcr, config.cassette.name, drop_unused_requests=rerecord)
            )
        if config.mode == "record":
            loaded = len(cassette.data)
            stack.callback(lambda: _note_recorded(node, cassette.path, len(cassette.data) - loaded))
        yield


@pytest.fixture
def _pailitao_binding(
    request: pytest.FixtureRequest, pailitao_config: PailitaoConfig
) -> Iterator[_Binding]:
    config = pailitao_config
    if config.faults and config.mode != "fake":
        pytest.skip(f"faults= needs the fake gateway; this run is in {config.mode} mode")
    if config.mode == "fake":
        gateway: FakeGateway = request.getfixturevalue("pailitao_fake")
        yield _Binding(
            config,
            in_process_url(config.dialect),
            gateway.transport(),
            gateway.async_transport(),
            FAKE_RETRY,
        )
        return
    _skip_without_credentials(config)
    base_url = config.base_url
    if config.mode == "replay" and base_url is None:
        base_url = _recorded_base_url(config.cassette, config.dialect)
    binding = _Binding(config, base_url or default_base_url(config.dialect))
    with ExitStack() as stack:
        if config.mode in ("replay", "record"):
            stack.enter_context(_cassette(config, request.node))
        if config.mode in ("record", "live") and "respx_mock" in request.fixturenames:
            stack.enter_context(_through_respx(request.getfixturevalue("respx_mock"), config))
        yield binding


_THROUGH_RESPX: Final = "pailitao: the gateway passes through"


@contextmanager
def _through_respx(router: respx.MockRouter, config: PailitaoConfig) -> Iterator[None]:
    """respx's ``respx_mock`` lets the gateway's hosts through to it (or to the cassette).

    The route is removed before ``respx_mock`` ends, so its ``assert_all_called``
    does not count it.
    """
    router.route(host__in=_gateway_hosts(config), name=_THROUGH_RESPX).pass_through()
    try:
        yield
    finally:
        router.pop(_THROUGH_RESPX, None)


def _gateway_hosts(config: PailitaoConfig) -> tuple[str, ...]:
    """The live gateways' hosts and ``$PAILITAO_BASE_URL``'s."""
    hosts = [*LIVE_HOSTS]
    if config.base_url:
        hosts.append(urlsplit(config.base_url).hostname or "")
    return tuple(dict.fromkeys(hosts))


def _skip_without_credentials(config: PailitaoConfig) -> None:
    if config.credentials_missing:
        names = f"{ENV_KEY} and {ENV_SECRET}"
        if config.dialect == "aop":
            names = f"{ENV_KEY}, {ENV_SECRET} and {ENV_TOKEN}"
        pytest.skip(
            f"pailitao {config.mode} mode needs credentials: set {names} "
            f"(and {ENV_URL} to use another gateway, e.g. a running `fake1688 serve`)"
        )


@pytest.fixture
def pailitao_client(_pailitao_binding: _Binding) -> Iterator[PailitaoClient]:
    """A :class:`PailitaoClient` bound to this test's mode."""
    binding = _pailitao_binding
    options = binding.client_options()
    with PailitaoClient(transport=binding.transport, **options) as client:
        yield client


def _async_fixture() -> Callable[[Any], Any]:
    """pytest-asyncio's fixture decorator, so the async client works in its strict mode."""
    try:
        import pytest_asyncio  # noqa: PLC0415
    except ImportError:  # pragma: no cover - anyio's plugin handles plain async fixtures
        return pytest.fixture
    return pytest_asyncio.fixture


@_async_fixture()
async def pailitao_async_client(_pailitao_binding: _Binding) -> AsyncIterator[AsyncPailitaoClient]:
    """An :class:`AsyncPailitaoClient` bound to this test's mode."""
    binding = _pailitao_binding
    options = binding.client_options()
    async with AsyncPailitaoClient(transport=binding.async_transport, **options) as client:
        yield client


# -- the fake over HTTP, and for clients you own ---------------------------------


@dataclass(frozen=True)
class PailitaoServer:
    """Where code you own sends HTTP in this test's mode, and the credentials it signs with.

    ``url`` is the root it listens on (in live mode, the live gateway's) and
    ``base_url`` the test's dialect's base URL there. ``gateway`` is the fake's
    state, in fake mode only (else ``None``).
    """

    url: str
    base_url: str
    gateway: FakeGateway | None = None
    app_key: str = DEMO_APP_KEY
    app_secret: str = field(default=DEMO_APP_SECRET, repr=False)
    access_token: str = field(default=DEMO_ACCESS_TOKEN, repr=False)
    mode: Mode = "fake"

    @property
    def aop_base_url(self) -> str:
        """The Open Platform's base URL at :attr:`url` (``…/openapi``)."""
        return self.url + aop.BASE_PATH

    @property
    def reseller_base_url(self) -> str:
        """The resellers' base URL at :attr:`url`: the root itself (``/1688/…`` follows)."""
        return self.url


#: The name ``pailitao_server``'s object had when it was always the fake.
FakeServer = PailitaoServer


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _at(root: str, base_url: str) -> str:
    """``base_url``'s path on another root."""
    return root + urlsplit(base_url).path.rstrip("/")


@pytest.fixture(scope="session")
def _pailitao_fake_server(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    """The fake over HTTP, one per session (per xdist worker): catalogs are costly."""
    with _needs_extra("fake", "pailitao_server"):
        from fake1688 import FakeGateway  # noqa: PLC0415
        from fake1688.server import ThreadedServer  # noqa: PLC0415

    seed = request.config.getoption("pailitao_seed") or 0
    server: ThreadedServer = ThreadedServer(FakeGateway(seed=seed))
    with server:
        yield server


@pytest.fixture
def pailitao_server(
    request: pytest.FixtureRequest, pailitao_config: PailitaoConfig
) -> Iterator[PailitaoServer]:
    """An HTTP gateway on 127.0.0.1 following the test's mode, for code not on httpx.

    For code that uses ``requests``, another HTTP client or a subprocess: fake
    mode serves the fake (one per session); replay mode plays the test's
    cassette back; record mode is a proxy recording it; live mode is the live
    gateway itself (no server).
    """
    config = pailitao_config
    if config.mode == "fake":
        server: ThreadedServer = request.getfixturevalue("_pailitao_fake_server")
        with _reachable(server.url):
            yield PailitaoServer(
                server.url, _at(server.url, in_process_url(config.dialect)), server.gateway
            )
        return
    if config.faults:
        pytest.skip(f"faults= needs the fake gateway; this run is in {config.mode} mode")
    _skip_without_credentials(config)
    upstream = config.base_url or default_base_url(config.dialect)
    if config.mode == "live":
        yield _server_for(config, _root(upstream), upstream)
        return
    if "_pailitao_binding" in request.fixturenames:
        pytest.fail(
            f"pailitao_server and the pailitao clients both use the cassette in "
            f"{config.mode} mode; use one of them in this test (or split it in two)",
            pytrace=False,
        )
    if config.mode == "replay":
        upstream = _recorded_base_url(config.cassette, config.dialect) or upstream
    with ExitStack() as stack:
        if config.mode == "record" and "respx_mock" in request.fixturenames:
            stack.enter_context(_through_respx(request.getfixturevalue("respx_mock"), config))
        url = stack.enter_context(_http_cassette(config, upstream, request.node))
        stack.enter_context(_reachable(url))
        yield _server_for(config, url, upstream)


def _server_for(config: PailitaoConfig, url: str, upstream: str) -> PailitaoServer:
    """``upstream``'s base URL on ``url``, with the mode's credentials."""
    base_url = _at(url, upstream)
    token = config.access_token
    return PailitaoServer(
        url, base_url, None, config.app_key, config.app_secret, token, config.mode
    )


@contextmanager
def _http_cassette(config: PailitaoConfig, upstream: str, node: pytest.Item) -> Iterator[str]:
    """The test's cassette over HTTP: played back, or recorded through a proxy to ``upstream``."""
    with _needs_extra("record", f"pailitao_server in {config.mode} mode"):
        import httpx  # noqa: PLC0415

        from .recording.playback import (  # noqa: PLC0415
            Credentials,
            Library,
            PlaybackServer,
            serving,
        )
        from .recording.proxy import RecordingProxy  # noqa: PLC0415

    token = config.access_token if config.dialect == "aop" else ""
    credentials = Credentials(config.app_secret, config.app_key, token)
    with ExitStack() as stack:
        handle: Any
        if config.mode == "replay":
            library = Library(credentials)
            with _broken_cassette_fails():
                library.load(config.cassette)
            handle = PlaybackServer(library, config.cassette)
        else:
            client = stack.enter_context(httpx.Client(timeout=60.0, follow_redirects=False))
            with _broken_cassette_fails():
                handle = proxy = RecordingProxy(
                    config.cassette,
                    _root(upstream),
                    client,
                    credentials,
                    config.record,
                    load=config.record == "missing",
                )
            stack.callback(lambda: _note_recorded(node, config.cassette, proxy.recorded))
        server = stack.enter_context(serving(handle))
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"


#: ``socket.socket``'s own connect methods: any others are a guard's (``--block-network``).
_CONNECTS: Final = {"connect": socket.socket.connect, "connect_ex": socket.socket.connect_ex}


@contextmanager
def _reachable(url: str) -> Iterator[None]:
    """A server pailitao started stays reachable under a socket guard such as
    pytest-recording's ``--block-network``; every other address stays guarded."""
    parts = urlsplit(url)
    server = (parts.hostname, parts.port)
    with ExitStack() as stack:
        for name, own in _CONNECTS.items():
            guarded = getattr(socket.socket, name)
            if guarded is not own:
                stack.enter_context(
                    mock.patch.object(socket.socket, name, _let_through(server, own, guarded))
                )
        yield


def _let_through(server: tuple[str | None, int | None], own: Any, guarded: Any) -> Any:
    def connect(sock: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
        chosen = own if isinstance(address, tuple) and address[:2] == server else guarded
        return chosen(sock, address, *args, **kwargs)

    return connect


@pytest.fixture
def pailitao_respx(
    request: pytest.FixtureRequest, pailitao_config: PailitaoConfig
) -> Iterator[respx.MockRouter]:
    """A respx router for your own httpx client, following the mode.

    In fake mode it routes the live gateways' hosts into the in-process fake; in
    record and live modes pailitao's hosts (and ``$PAILITAO_BASE_URL``'s) pass
    through to the gateway (in record mode, what the pailitao clients send is
    recorded); replay mode fails, as nothing may reach a gateway. Every other
    host must be mocked on the router.
    """
    config = pailitao_config
    if config.mode == "replay":
        pytest.fail(_RESPX_IN_REPLAY, pytrace=False)
    try:
        import respx  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the environment
        pytest.fail("pailitao_respx needs respx: pip install respx", pytrace=False)
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        if config.mode == "fake":
            gateway: FakeGateway = request.getfixturevalue("pailitao_fake")
            transport = gateway.transport()
            for host in (*LIVE_HOSTS, IN_PROCESS_HOST):
                router.route(host=host).mock(side_effect=transport.handle_request)
        else:
            router.route(host__in=_gateway_hosts(config)).pass_through()
        yield router


_RESPX_IN_REPLAY: Final = (
    "pailitao_respx in replay mode: a cassette cannot answer your own httpx client through "
    "respx, and nothing may reach a gateway. Run this test in fake mode "
    '(@pytest.mark.pailitao(mode="fake")), or hand your code pailitao_server.base_url, '
    "which plays the cassette back over HTTP."
)


# -- beside pytest-recording -------------------------------------------------------

_CURRENT: Final = pytest.StashKey["pytest.Item"]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_CURRENT] = item  # for pytest_recording_configure, before fixtures run


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: vcr.VCR) -> None:
    """pytest-recording's cassette leaves ``pailitao_server``'s traffic alone.

    That traffic (to the fake or a playback server on 127.0.0.1, from a
    recording proxy to the gateway, or to the live gateway) is pailitao's, and
    in pytest-recording's default ``none`` mode it would be refused. A
    ``vcr_config`` that sets ``ignore_hosts`` itself replaces these.
    """
    item = config.stash.get(_CURRENT, None)
    if item is None or "pailitao_server" not in getattr(item, "fixturenames", ()):
        return
    hosts = [*LIVE_HOSTS, "127.0.0.1"]
    base_url = os.environ.get(ENV_URL)
    if base_url:
        hosts.append(urlsplit(base_url).hostname or "")
    vcr.ignore_hosts = tuple(dict.fromkeys([*vcr.ignore_hosts, *hosts]))


# -- reporting -------------------------------------------------------------------

_RECORDED: Final = "pailitao_recorded"


def _note_recorded(node: pytest.Item, cassette: str | Path, count: int) -> None:
    """Tell the run's summary (across xdist workers too) what a test recorded."""
    node.user_properties.append((_RECORDED, [str(cassette), count]))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """A record run ends saying which cassettes it wrote (from every report, so from
    every xdist worker too)."""
    recorded: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in report.user_properties:
                if name == _RECORDED:
                    path, count = cast(tuple[str, int], value)
                    recorded[path] = recorded.get(path, 0) + count
    if not recorded and _run_mode(config) != "record":
        return
    written = {path: count for path, count in recorded.items() if count}
    terminalreporter.section("pailitao recording")
    if not written:
        terminalreporter.line(
            f"nothing new recorded: every request was in its cassette ({_RERECORD} "
            "records them anew)"
        )
        return
    total = sum(written.values())
    terminalreporter.line(f"{total} new interaction(s) recorded in {len(written)} cassette(s):")
    for path, count in sorted(written.items()):
        shown = Path(path)
        if shown.is_relative_to(config.rootpath):
            shown = shown.relative_to(config.rootpath)
        terminalreporter.line(f"  {shown} (+{count})")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and call.excinfo is not None and _is_replay_miss(call.excinfo.value):
        report.sections.append(
            ("pailitao", f"re-record it: pytest --pailitao-mode=record {_RERECORD} {item.nodeid}")
        )
    gateway = item.stash.get(_GATEWAY, None)
    if report.failed and report.when == "call" and gateway is not None:
        entries = gateway.journal.entries()[-_REPORTED_REQUESTS:]
        lines = [entry.describe() for entry in entries] or ["(no requests)"]
        report.sections.append(("pailitao: the last requests the fake saw", "\n".join(lines)))
    return report


def _is_replay_miss(error: BaseException) -> bool:
    """vcrpy's "no match in the cassette" (by name: vcrpy is optional)."""
    return type(error).__name__ == "CannotOverwriteExistingCassetteException"
