"""``pailitao cassettes serve``: answer HTTP requests from a folder of cassettes.

Code in any language replays pailitao's cassettes by pointing its base URL at
this server. Each request runs one pipeline, as in-process replay does::

    HTTP request → canonical form (the recording room's own hook: signature
    verified with the configured secret) → the first recorded interaction it
    matches (method, path, ``pailitao_params``) → the recorded answer

The host is not matched: the client talks to this server, whatever gateway
the cassette was recorded from. Interactions that match the same request play
in recorded order, and the last one repeats once all have played. A request
that matches nothing, or whose signature is missing or does not verify, gets
the error envelope of its dialect (TOP ``error_response``, the Open Platform
gateway's ``error_code``, the resellers' ``error_code``) with the code the fake
gateway answers for the same fault, and a request id shaped as the platform's;
its text names the closest recorded request and what differs, never a secret.

The server is the standard library's threaded ``http.server``: it needs only
the ``record`` extra, like replay itself.
"""

from __future__ import annotations

import enum
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from ..errors import PailitaoError
from ..wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, aop, reseller, top
from ..wire.redaction import Redaction
from .canonical import aop_api, read_form, reseller_api
from .config import MATCHER_NAME, RecordMode, make_vcr

__all__ = [
    "MATCH_ON",
    "Answer",
    "Credentials",
    "Incoming",
    "Library",
    "PlaybackServer",
    "Recording",
    "Refused",
    "make_server",
    "refusal",
    "serving",
]

#: What a served request is matched on: as in-process replay, but for the host.
MATCH_ON: Final = ("method", "path", MATCHER_NAME)
ENV_KEY, ENV_SECRET, ENV_TOKEN = "PAILITAO_APP_KEY", "PAILITAO_APP_SECRET", "PAILITAO_ACCESS_TOKEN"
SUFFIXES: Final = (".yaml", ".yml")
#: TOP's sub_code for an unrecorded request: pailitao's own, not the platform's.
NOT_RECORDED: Final = "pailitao.not-recorded"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The app the recordings are checked and scrubbed with (the plugin's replay defaults)."""

    secret: str = field(default=DEMO_APP_SECRET, repr=False)
    app_key: str = DEMO_APP_KEY
    access_token: str = field(default=DEMO_ACCESS_TOKEN, repr=False)
    verify: bool = True

    @classmethod
    def from_environment(cls, *, verify: bool = True) -> Credentials:
        """From ``$PAILITAO_APP_SECRET``, ``$PAILITAO_APP_KEY`` and ``$PAILITAO_ACCESS_TOKEN``.

        An unset one is the demo app's, as in the plugin's replay mode.
        """
        return cls(
            os.environ.get(ENV_SECRET) or DEMO_APP_SECRET,
            os.environ.get(ENV_KEY) or DEMO_APP_KEY,
            os.environ.get(ENV_TOKEN) or DEMO_ACCESS_TOKEN,
            verify,
        )

    def settings(self, record_mode: RecordMode = "none") -> dict[str, Any]:
        """vcrpy's merged settings for these credentials: hooks, matchers, persister."""
        instance = make_vcr(
            secret=self.secret,
            app_key=self.app_key,
            access_token=self.access_token,
            record_mode=record_mode,
            verify_signatures=self.verify,
        )
        settings: dict[str, Any] = instance.get_merged_config(match_on=MATCH_ON)
        return settings


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as it arrived: method, full URI, headers and body."""

    method: str
    uri: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """What is sent back: status, reason, headers (without Content-Length) and body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def recorded(cls, response: dict[str, Any]) -> Answer:
        """A recorded response as vcrpy stores it."""
        status = response["status"]
        headers = [
            (name, value)
            for name, values in (response.get("headers") or {}).items()
            for value in values
            if name.lower() not in ("content-length", "transfer-encoding")
        ]
        body = response["body"]["string"]
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        return cls(int(status["code"]), str(status.get("message") or ""), headers, data)


@dataclass(slots=True)
class Recording:
    """One recorded interaction: its canonical request, its answer and where it is stored."""

    request: Any
    response: dict[str, Any]
    where: str
    loaded: bool = True
    played: int = 0


def _cassette_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())


class Library:
    """Recorded interactions and the rules to find the one that answers a request."""

    def __init__(self, credentials: Credentials, record_mode: RecordMode = "none") -> None:
        self.credentials = credentials
        self.settings = credentials.settings(record_mode)
        self.recordings: list[Recording] = []
        # By what the three matchers compare: a request is checked against its few
        # candidates, not every recording (50x fewer matcher calls for 100 of them).
        self._index: dict[tuple[str, str, str], list[Recording]] = {}
        self.lock = threading.Lock()
        hide, restore = _sensitive_hooks(self.settings["filter_sensitive_data"])
        self.hide, self.restore = hide, restore

    def load(self, path: Path, root: Path | None = None) -> None:
        """Add the interactions of one cassette (a broken one raises ``CassetteError``)."""
        from vcr.persisters.filesystem import (  # noqa: PLC0415 - vcrpy: the record extra
            CassetteDecodeError,
            CassetteNotFoundError,
        )

        try:
            loaded = self.settings["persister"].load_cassette(path, self.settings["serializer"])
        except (CassetteNotFoundError, CassetteDecodeError):  # missing, or broken in "all"
            return
        name = path.relative_to(root) if root is not None and root in path.parents else path
        for index, pair in enumerate(zip(loaded[0], loaded[1], strict=True)):
            request, response = self.restore(*pair)
            self.add(Recording(request, response, f"{name}, interaction {index}"))

    @classmethod
    def from_folder(cls, folder: Path, credentials: Credentials) -> Library:
        """Every cassette (``*.yaml``, ``*.yml``) under ``folder``, in name order."""
        library = cls(credentials)
        for path in _cassette_files(folder):
            library.load(path, folder)
        return library

    def canonical(self, incoming: Incoming) -> Any:
        """The request in its canonical form; raises ``ReplaySignatureError`` on a bad sign."""
        from vcr.request import Request  # noqa: PLC0415 - vcrpy: the record extra

        raw = Request(incoming.method, incoming.uri, incoming.body, incoming.headers)
        return self.settings["before_record_request"](raw)

    def add(self, recording: Recording) -> None:
        """Add a recording (the caller holds :attr:`lock` while serving)."""
        self.recordings.append(recording)
        self._index.setdefault(_key(recording.request), []).append(recording)

    def drop_loaded(self, request: Any) -> None:
        """Forget the loaded recordings that ``request`` matches (it is recorded anew)."""
        dropped = {id(r) for r in self._matches(request) if r.loaded}
        self.recordings = [r for r in self.recordings if id(r) not in dropped]
        self._index = {}
        for recording in self.recordings:
            self._index.setdefault(_key(recording.request), []).append(recording)

    def _matches(self, request: Any) -> Iterator[Recording]:
        from vcr.matchers import requests_match  # noqa: PLC0415

        for recording in self._index.get(_key(request), ()):
            if requests_match(request, recording.request, self.settings["match_on"]):
                yield recording

    def play(self, request: Any) -> Recording | None:
        """The first unplayed recording matching ``request``, else the last that matches."""
        with self.lock:
            found = list(self._matches(request))
            if not found:
                return None
            chosen = next((r for r in found if not r.played), found[-1])
            chosen.played += 1
            return chosen

    def closest(self, request: Any) -> str:
        """Why nothing matches: the closest recorded request and what differs in it."""
        from vcr.matchers import get_matchers_results  # noqa: PLC0415

        if not self.recordings:
            return "no interaction is recorded here; record some with `pailitao cassettes record`"
        results = [
            (
                recording,
                *get_matchers_results(request, recording.request, self.settings["match_on"]),
            )
            for recording in self.recordings
        ]
        recording, _, failed = max(results, key=_closeness)  # the first of the closest
        stored = recording.request
        reasons = [_reason(name, message, request, stored) for name, message in failed]
        return (
            f"the closest recorded request, {stored.method} {stored.uri} ({recording.where}), "
            f"differs: {'; '.join(reasons)}"
        )


def _key(request: Any) -> tuple[str, str, str]:
    """Method, path and canonical body: the matchers pass only when all three are equal."""
    body = request.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return request.method, request.path or "/", text


def _sensitive_hooks(pairs: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    from vcr.filters import sensitive_data_hooks  # noqa: PLC0415

    hide, restore = sensitive_data_hooks(pairs)
    return hide, restore


def _closeness(result: tuple[Recording, list[str], list[tuple[str, str]]]) -> tuple[int, int]:
    """More matchers passed, then fewer differences (the params matcher joins them by ``; ``)."""
    _, passed, failed = result
    return len(passed), -sum(message.count("; ") + 1 for _, message in failed)


def _reason(name: str, message: str, request: Any, stored: Any) -> str:
    if name == "method":
        return f"HTTP method: recorded {stored.method!r}, this request {request.method!r}"
    if name == "path":
        return f"URL path: recorded {stored.path!r}, this request {request.path!r}"
    return message.strip().removeprefix("pailitao_params differs: ").strip()


# -- the dialects' refusals ----------------------------------------------------


class Refused(enum.Enum):
    """Why a request is refused; each dialect answers each as the fake gateway does."""

    #: No recorded interaction matches the request.
    NOT_RECORDED = enum.auto()
    #: No signature, or an empty one (a reseller's: its ``key`` or ``secret`` left out).
    SIGNATURE_MISSING = enum.auto()
    #: A signature that does not verify with the configured secret.
    SIGNATURE_INVALID = enum.auto()


#: TOP's code and sub_code per refusal: 41 with pailitao's sub_code, 24, 25.
_TOP_CODES: Final[Mapping[Refused, tuple[int, str]]] = {
    Refused.NOT_RECORDED: (41, NOT_RECORDED),
    Refused.SIGNATURE_MISSING: (24, top.SUB_MISSING),
    Refused.SIGNATURE_INVALID: (25, top.SUB_INVALID),
}
_AOP_CODES: Final[Mapping[Refused, aop.GatewayCode]] = {
    Refused.NOT_RECORDED: aop.PARAM_INVALID,
    Refused.SIGNATURE_MISSING: aop.SIGNATURE_MISSING,
    Refused.SIGNATURE_INVALID: aop.SIGNATURE_INVALID,
}
#: The resellers': parameter error, a required url param missing, bad credentials.
_RESELLER_CODES: Final[Mapping[Refused, str]] = {
    Refused.NOT_RECORDED: "4003",
    Refused.SIGNATURE_MISSING: "4014",
    Refused.SIGNATURE_INVALID: "4005",
}


def refusal(uri: str, message: str, *, why: Refused = Refused.NOT_RECORDED) -> Answer:
    """The error envelope of the request's dialect, ``message`` as its explanation.

    The codes are the fake gateway's for the same fault: a missing signature is
    TOP's 24 ``isv.missing-parameter``, the Open Platform's ``gw.SignatureMissing``
    or the resellers' ``4014``; a bad one is 25 ``isv.invalid-parameter`` or
    ``gw.SignatureInvalid``; an unrecorded request is 41 (sub_code
    ``pailitao.not-recorded``), ``gw.ParamInvalid`` or ``4003``. None is retried
    by a client, and each says what to fix.
    """
    request_id = top.request_id()
    if aop_api(uri) is not None:
        code = _AOP_CODES[why]
        body: dict[str, Any] = {
            aop.ERROR_CODE_KEY: code.error_code,
            aop.ERROR_MESSAGE_KEY: code.error_message,
            "exception": message,
            "request_id": request_id,
        }
        return _json(code.status, body)
    if reseller_api(uri) is not None:
        error_code = _RESELLER_CODES[why]
        body = {
            "error_code": error_code,
            "reason": message,
            "error": reseller.ERROR_CODES[error_code],
            "request_id": request_id,
        }
        return _json(200, body)
    number, sub_code = _TOP_CODES[why]
    envelope = {
        "code": number,
        "msg": top.LIVE_SPELLINGS.get(number, top.PLATFORM_CODES[number]),
        "sub_code": sub_code,
        "sub_msg": message,
        "request_id": request_id,
    }
    return _json(200, {top.ERROR_KEY: envelope})


def _json(status: int, data: object) -> Answer:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    reason = "OK" if status == 200 else "Bad Request"
    return Answer(status, reason, [("Content-Type", "application/json;charset=UTF-8")], body)


def _redacted(library: Library, incoming: Incoming, text: str) -> str:
    """``text`` without the configured secrets nor the request's secret params."""
    form = read_form(incoming.uri, incoming.headers, incoming.body)
    rule = Redaction().with_secrets(library.credentials.secret, library.credentials.access_token)
    return rule.text(text, form.params if form is not None else ())


def _params(incoming: Incoming) -> dict[str, str]:
    form = read_form(incoming.uri, incoming.headers, incoming.body)
    return dict(form.params) if form is not None else {}


def _signature_missing(incoming: Incoming) -> bool:
    """No signature param, or an empty one: the gateways' "missing", not "invalid"."""
    name = aop.SIGNATURE if aop_api(incoming.uri) is not None else "sign"
    return not _params(incoming).get(name)


def verified(library: Library, incoming: Incoming) -> tuple[Any, Answer | None]:
    """The canonical request, or the refusal of a request whose signature does not verify."""
    from .config import ReplaySignatureError  # noqa: PLC0415

    try:
        return library.canonical(incoming), None
    except ReplaySignatureError as error:
        message = f"{error} (pailitao cassettes checks with ${ENV_SECRET}, else the demo secret)"
        shown = _redacted(library, incoming, message)
    why = Refused.SIGNATURE_MISSING if _signature_missing(incoming) else Refused.SIGNATURE_INVALID
    return None, refusal(incoming.uri, shown, why=why)


def _missing_credential(library: Library, incoming: Incoming) -> Answer | None:
    """A reseller call without its ``key`` or ``secret`` (unsigned, they are its signature).

    Replay drops both from what it matches, so only this check refuses such a
    call, as the fake does; which secret the caller holds is not checked.
    """
    if not library.credentials.verify or reseller_api(incoming.uri) is None:
        return None
    params = _params(incoming)
    missing = next((name for name in reseller.CREDENTIAL_PARAMS if name not in params), None)
    if missing is None:
        return None
    message = f"the {missing} param is missing from the url; send {missing}=<your {missing}>"
    return refusal(incoming.uri, message, why=Refused.SIGNATURE_MISSING)


class PlaybackServer:
    """Answers each request from the library: the recorded answer, or a refusal."""

    def __init__(self, library: Library, folder: Path) -> None:
        self.library = library
        self.folder = folder

    def __call__(self, incoming: Incoming) -> Answer:
        request, refused = verified(self.library, incoming)
        if refused is None:
            refused = _missing_credential(self.library, incoming)
        if refused is not None:
            return refused
        if request is None:  # an ignored host: nothing is recorded for it
            return refusal(incoming.uri, f"requests to {incoming.uri} are never recorded")
        recording = self.library.play(request)
        if recording is not None:
            return Answer.recorded(recording.response)
        message = (
            f"no interaction recorded in {self.folder} matches {request.method} {request.path}: "
            f"{self.library.closest(request)}. Fix the request, or record it with "
            "`pailitao cassettes record`."
        )
        return refusal(incoming.uri, _redacted(self.library, incoming, message))


# -- HTTP ----------------------------------------------------------------------

Handler = Callable[[Incoming], Answer]
_HOP_BY_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te"}
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    handle: Handler


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client's session reuses one connection
    # Headers and body go out in two writes: with Nagle's algorithm the second waits
    # for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _handle(self) -> None:
        body = self._body()
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        incoming = Incoming(self.command, f"http://{host}{self.path}", headers, body)
        try:
            answer = self.server.handle(incoming)
        except PailitaoError as error:  # a broken cassette, say: the server's problem
            answer = refusal(incoming.uri, str(error))
        self.send_response(answer.status, answer.reason)
        for name, value in answer.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: a query string may hold a reseller's key and secret."""


def make_server(handle: Handler, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A threaded HTTP server (bound, not yet serving) that answers with ``handle``."""
    server = _Server((host, port), _RequestHandler)
    server.handle = handle
    return server


@contextmanager
def serving(
    handle: Handler, host: str = "127.0.0.1", port: int = 0
) -> Iterator[ThreadingHTTPServer]:
    """:func:`make_server` answering from a daemon thread until the block ends."""
    server = make_server(handle, host, port)
    thread = threading.Thread(target=server.serve_forever, name="pailitao-serving", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
