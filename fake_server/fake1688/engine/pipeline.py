"""The engine: one linear pipeline from request to answer, no web framework.

::

    handle_http   raw HTTP pieces ─ protocol.parse_http ─┐   (admin.route, the
                                                        │   adapters' entry, sends
                                                        │   every other path here)
    handle        FakeRequest ◄────────────────────────┘
      route       /openapi/param2/… → the Open Platform (_open_platform, aop_checks);
                  router path → the TOP router; /1688/<api_name>/ → the resellers'
                  REST dialect (_reseller, reseller_api); else a served image, else 22/404
      action      GET/POST only                                   9
      read        query + body merged, conflicts rejected        41
      method      21/22 ─ app_key 28/29 ─ timestamp 30/31 ─ v 32/33
      format      23 ─ simplify 41 ─ sign_method 25 ─ sign 24/25 (explained)
      gates       rate limits (7), then any gate you add
      faults      the fault plan draws: platform error or HTTP 5xx answers instead
      dispatch    API table → handler: arguments 40/41 → backend → JSON body
      render      as asked: JSON, simplified JSON, or XML rendered from the JSON
      shape       the fault plan again: latency, broken or cut body, dropped connection
      journal     every request, whatever happened, with the fault injected

Every failure is a :class:`~fake1688.engine.errors.GatewayError` rendered as the
platform's envelope, in XML when the request asked for ``format=xml``, whatever
stage it failed at (on an Open Platform path, the shared stages' errors are
rendered as its gateway or business errors, and its own checks raise
:class:`~fake1688.engine.aop_errors.AopError`); anything else becomes 15
``isp.remote-service-error`` (business ``500``) with the traceback kept in the
journal, never in the answer. On a reseller path every answer is HTTP 200 JSON
(:class:`~fake1688.engine.reseller_errors.ResellerError`), but for injected HTTP errors.

Error texts (``sub_msg``, ``exception``, ``reason``), the journal and a reseller
answer's ``call_args`` follow the wire's redaction rule
(:mod:`pailitao.wire.redaction`): no secret param's value and no app's secret
or access token appears in them, whatever the request quoted.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, Final

from pailitao.wire import aop, images, top
from pailitao.wire.redaction import Redaction
from pailitao.wire.signing import DEFAULT_SKEW
from pailitao.wire.top import ROUTER_PATHS

from . import aop_checks, checks, render, render_xml, reseller_api
from .aop_api import AopImageApi
from .aop_errors import AopError, AopGatewayError, from_gateway_error
from .api import Call, ImageSearchApi
from .apps import App, AppRegistry
from .errors import (
    GatewayError,
    HttpActionNotAllowed,
    PathNotFound,
    RemoteServiceError,
    StateUnavailable,
)
from .faults import NOTHING, Fault, FaultAnswer, Injected
from .journal import DEFAULT_MAX_BYTES, Seen, Verification
from .protocol import FakeRequest, FakeResponse, parse_http
from .ratelimits import RateLimits
from .reseller_api import ResellerApi
from .reseller_errors import ResellerError
from .reseller_errors import answer as reseller_answer
from .reseller_errors import from_gateway_error as reseller_error
from .search import CatalogLike
from .state import InMemory, StateBackend
from .store import UploadLimits

__all__ = [
    "DEFAULT_MAX_IMAGE_BYTES",
    "ROUTER_PATHS",
    "Engine",
    "Gate",
    "internal_error_response",
]

#: The platform's image size limit (``pailitao.wire.images.MAX_BYTES``, 5 MiB).
DEFAULT_MAX_IMAGE_BYTES: Final = images.MAX_BYTES
_ACTIONS: Final = frozenset({"GET", "POST"})
#: Where the Open Platform's APIs live: /openapi/param2/<version>/<namespace>/<name>/<appKey>.
_AOP_PREFIX: Final = f"{aop.BASE_PATH}/{aop.PROTOCOL}/"
_TIME_API: Final = f"{aop.TIME_NAMESPACE}:{aop.TIME_API}"
_FORM_OVERHEAD: Final = 1024 * 1024
#: A request path longer than this is journaled cut, when the request cannot be read.
_LONGEST_PATH: Final = 1024
#: Where an unexpected failure is logged, with its traceback under the redaction rule.
_LOG: Final = logging.getLogger("fake1688.engine")

#: A gate sees every verified call before its handler and may raise a GatewayError.
Gate = Callable[[Call], None]


@dataclass(slots=True)
class _Outcome:
    """What the pipeline learnt about one request, for the journal."""

    api_method: str | None = None
    verification: Verification = Verification.NOT_REACHED
    injected: Injected = NOTHING
    seen: Seen = field(default_factory=Seen)


class Engine:
    """The fake gateways (TOP router and Open Platform): request in, response out; all the state.

    ``reset()`` forgets uploads, the journal and the rate-limit counters, and
    restores the faults and limits it was built with; the catalog stays.
    """

    def __init__(
        self,
        catalog: CatalogLike,
        apps: AppRegistry | Iterable[App] | None = None,
        *,
        clock: Callable[[], float] | None = None,
        deterministic: bool = True,
        timestamp_skew: timedelta = DEFAULT_SKEW,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        upload_limits: UploadLimits | None = None,
        journal_size: int = 1000,
        journal_max_bytes: int = DEFAULT_MAX_BYTES,
        limits: RateLimits | None = None,
        faults: Iterable[Fault | Mapping[str, Any]] = (),
        fault_seed: int = 0,
        state: StateBackend | None = None,
    ) -> None:
        if timestamp_skew < timedelta(0):
            seconds = timestamp_skew.total_seconds()
            raise ValueError(f"timestamp_skew must be zero or more, not {seconds:g} s")
        self.apps = _registry(apps)
        self.clock = clock or time.time
        self.deterministic = deterministic
        self.timestamp_skew = timestamp_skew
        #: Where uploads, journal, limits and faults are kept: this process, or Redis.
        self.state = state if state is not None else InMemory()
        self.store = self.state.uploads(upload_limits)
        self.journal = self.state.journal(journal_size, journal_max_bytes)
        self.api = ImageSearchApi(catalog, self.store, max_image_bytes=max_image_bytes)
        #: The Open Platform's image APIs, over the same backend.
        self.aop_api = AopImageApi(self.api)
        #: The resellers' REST APIs, over the same backend.
        self.reseller_api = ResellerApi(self.api)
        #: Rate limits per app key (a gate); ``limits.set(RateLimits(qps=...))``.
        self.limits = self.state.rate_limiter(self.clock, limits)
        #: Checks run on every verified call before its handler; may raise a GatewayError.
        self.gates: list[Gate] = [self.limits]
        #: Injected faults, drawn after the gates for every verified call.
        self.faults = self.state.fault_plan(fault_seed, faults)
        #: Whether the admin endpoints (``/__fake__/*``) are served; when not, their
        #: paths get the router's 404 envelope as any unknown path does.
        self.serves_admin = True
        #: What the journal and error texts never show: secret params, and the values
        #: of the apps' secrets and access tokens (``with_secrets`` adds more).
        self.redaction = Redaction(
            frozenset(
                secret for app in self.apps for secret in (app.app_secret, *app.access_tokens)
            )
        )
        # Base64 grows an image by 4/3; the rest of a form is small.
        self.max_body = max_image_bytes * 4 // 3 + _FORM_OVERHEAD

    @property
    def catalog(self) -> CatalogLike:
        """The catalog searched (immutable; survives ``reset()``)."""
        return self.api.catalog

    def reset(self) -> None:
        """Forget uploads, journal and rate-limit counters; restore the built faults and limits."""
        self.store.clear()
        self.journal.clear()
        self.api.shelf.clear()
        self.limits.reset()
        self.faults.reset()

    def handle_http(
        self,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        content_type: str | None,
        body: bytes,
    ) -> FakeResponse:
        """Parse raw HTTP, then :meth:`handle`. Never raises.

        The adapters enter through :func:`fake1688.admin.endpoints.route`, which answers
        the admin surface itself and hands every other request here. A request
        that fails to parse is answered, journaled and logged as any failure
        inside the engine: code 15 in its dialect's envelope, a real request id.
        """
        try:
            request = parse_http(
                method, raw_path, query_string, content_type, body, max_body=self.max_body
            )
        except Exception as unreadable:
            path = raw_path[:_LONGEST_PATH].decode("latin-1")
            return self._handle(FakeRequest(method[:20], path), unreadable)
        return self._handle(request, None)

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request and journal it."""
        return self._handle(request, None)

    def _handle(self, request: FakeRequest, failure: Exception | None) -> FakeResponse:
        started, received_at = time.perf_counter(), self.clock()
        outcome = _Outcome()
        request_id = render.request_id(request, deterministic=self.deterministic)
        is_aop = request.path.startswith(_AOP_PREFIX)
        path = request.path
        reseller_path = None if is_aop or path in ROUTER_PATHS else reseller_api.parse_path(path)
        error: GatewayError | AopError | ResellerError | None = None
        details = None
        try:
            if failure is not None:
                raise failure
            if is_aop:
                response = self._open_platform(request, outcome, request_id)
            elif reseller_path is not None:
                response = self._reseller(request, reseller_path, outcome, request_id, started)
            else:
                response = self._route(request, outcome, request_id)
        except (GatewayError, AopError, ResellerError) as raised:
            error = raised
            if isinstance(raised, GatewayError) and is_aop:
                error = from_gateway_error(raised)
            elif isinstance(raised, GatewayError) and reseller_path is not None:
                error = reseller_error(raised)
            error.scrub(partial(self.redaction.text, pairs=(*request.query, *request.form)))
            response = self._error_response(error, request, request_id, started)
        except FaultAnswer as answer:
            if reseller_path is not None and answer.envelope is not None:
                error = reseller_error(answer.envelope)
                response = self._error_response(error, request, request_id, started)
                response = response._replace(status=answer.response.status)
            else:
                response = _fault_response(answer, request, request_id, is_aop=is_aop)
        except StateUnavailable as lost:
            error = _in_dialect(RemoteServiceError(f"{lost}; try again"), is_aop, reseller_path)
            response = self._error_response(error, request, request_id, started)
        except Exception as unexpected:
            error, details = self._failed(request, request_id, unexpected, is_aop, reseller_path)
            response = self._error_response(error, request, request_id, started)
        response = outcome.injected.shape(response)
        self._journal(
            request, outcome, response, error=error, request_id=request_id,
            received_at=received_at, started=started, details=details,
        )  # fmt: skip
        # As Python does at the end of an ``except`` block: the error's
        # traceback holds this frame, and through it the server's whole request;
        # kept, they would be a cycle that only the garbage collector frees.
        del error
        return response

    def _journal(
        self,
        request: FakeRequest,
        outcome: _Outcome,
        response: FakeResponse,
        *,
        error: GatewayError | AopError | ResellerError | None,
        request_id: str,
        received_at: float,
        started: float,
        details: str | None,
    ) -> None:
        try:
            self.journal.record(
                request,
                received_at=received_at,
                api_method=outcome.api_method,
                verification=outcome.verification,
                status=response.status,
                error=error,
                request_id=request_id,
                duration_ms=(time.perf_counter() - started) * 1000,
                traceback=details,
                fault=outcome.injected.describe(),
                redaction=self.redaction,
                seen=outcome.seen,
                answer=None if _is_photo(response) else response.body,
            )
        except StateUnavailable as lost:  # the answer still goes out
            _LOG.warning("request_id %s was not journaled: %s", request_id, lost)

    def _failed(
        self,
        request: FakeRequest,
        request_id: str,
        unexpected: Exception,
        is_aop: bool,
        reseller_path: reseller_api.ResellerPath | None,
    ) -> tuple[GatewayError | AopError | ResellerError, str]:
        """The error a bug in the fake answers, in the request's dialect, and its
        traceback under the redaction rule (logged here, journaled by the caller)."""
        failed = RemoteServiceError(
            f"the fake gateway failed ({type(unexpected).__name__}); its journal keeps "
            f"the details under request_id {request_id}"
        )
        error = _in_dialect(failed, is_aop, reseller_path)
        details = self.redaction.text(traceback.format_exc(), (*request.query, *request.form))
        _LOG.error("request_id %s: the fake gateway failed\n%s", request_id, details)
        return error, details

    def _route(self, request: FakeRequest, outcome: _Outcome, request_id: str) -> FakeResponse:
        if request.path not in ROUTER_PATHS:
            return self._static(request)
        if request.method not in _ACTIONS:
            raise HttpActionNotAllowed(
                f"HTTP {request.method[:20]} is not allowed on the router; use POST (or GET)"
            )
        call = self._admit(request, outcome)
        for gate in self.gates:
            gate(call)
        outcome.injected = self.faults.draw(call.api_method)
        outcome.injected.before_handler()
        body = self.api.handlers[call.api_method](call, request_id)
        params = call.params  # checked by _admit: two lookups keep plain JSON as cheap as it was
        if params.get("format") == "xml" or params.get("simplify"):
            return _reshaped(body, params)
        return render.json_response(body)

    def _open_platform(
        self, request: FakeRequest, outcome: _Outcome, request_id: str
    ) -> FakeResponse:
        """The Open Platform gateway: checks in its order, then the same gates and backend."""
        path = aop.parse_path(request.path)
        if path is None:
            raise _no_api(request.path)
        aop_checks.check_http_method(request)
        outcome.api_method = path.api
        if path.api == _TIME_API:  # the SDK's clock sync: unsigned, a bare number
            return render.json_response(str(int(self.clock() * 1000)).encode())
        aop_checks.check_api(path, self.aop_api.handlers)
        params = aop_checks.read_params(request)
        app = aop_checks.check_app(path, self.apps)
        outcome.verification = Verification.FAILED
        aop_checks.check_signature(path, params, app)
        outcome.verification = Verification.PASSED
        aop_checks.check_timestamp(params, self.clock, self.timestamp_skew)
        aop_checks.check_access_token(params, app)
        aop_checks.require(params, self.aop_api.required[path.api])
        call = Call(path.api, app, params, request.files, outcome.seen)
        for gate in self.gates:
            gate(call)
        outcome.injected = self.faults.draw(call.api_method)
        outcome.injected.before_handler()
        return render.json_response(self.aop_api.handlers[path.api](call, request_id))

    def _reseller(
        self,
        request: FakeRequest,
        path: reseller_api.ResellerPath,
        outcome: _Outcome,
        request_id: str,
        started: float,
    ) -> FakeResponse:
        """The resellers' REST dialect: its checks, then the same gates and backend."""
        api_method = reseller_api.check_path(path)
        outcome.api_method = api_method
        reseller_api.check_http_method(request)
        params = reseller_api.read_params(request)
        app = reseller_api.check_app(params, self.apps)
        outcome.verification = Verification.FAILED
        reseller_api.check_secret(params, app)
        outcome.verification = Verification.PASSED
        reseller_api.check_common(params)
        call = Call(api_method, app, params, request.files, outcome.seen)
        for gate in self.gates:
            gate(call)
        outcome.injected = self.faults.draw(call.api_method)
        outcome.injected.before_handler()
        items = self.reseller_api.handlers[api_method](call, request_id)
        head = b'"items":' + items + b',"error_code":"0000","reason":"ok","error":""'
        now, elapsed = self.clock(), self._elapsed(started)
        return reseller_answer(head, request, request_id, now, elapsed, redaction=self.redaction)

    def _elapsed(self, started: float) -> float | None:
        """A reseller answer's ``execution_time`` (none when answers must be deterministic)."""
        return None if self.deterministic else time.perf_counter() - started

    def _error_response(
        self,
        error: GatewayError | AopError | ResellerError,
        request: FakeRequest,
        request_id: str,
        started: float,
    ) -> FakeResponse:
        if isinstance(error, ResellerError):
            now, elapsed = self.clock(), self._elapsed(started)
            return error.response(request, request_id, now, elapsed, redaction=self.redaction)
        return _error_response(error, request, request_id)

    def _admit(self, request: FakeRequest, outcome: _Outcome) -> Call:
        """The system checks, in the platform's order; returns the verified call."""
        params = checks.merge_params(request)
        outcome.api_method = params.get("method") or None
        method = checks.check_method(params, request, self.api.handlers)
        app = checks.check_app(params, request, self.apps)
        checks.check_timestamp(params, request, self.clock, self.timestamp_skew)
        checks.check_version(params, request)
        checks.check_format(params)
        checks.check_simplify(params)
        sign_method = checks.check_sign_method(params)
        outcome.verification = Verification.FAILED
        checks.check_sign(params, app, sign_method)
        outcome.verification = Verification.PASSED
        return Call(method, app, params, request.files, outcome.seen)

    def _static(self, request: FakeRequest) -> FakeResponse:
        found = self.api.image_for_path(request.path) if request.method == "GET" else None
        if found is None:
            raise PathNotFound(
                f"nothing is served at {request.path[:120]!r}; the TOP router is at "
                "/router/rest and /openapi/router/rest"
            )
        image, content_type = found
        headers = (("content-type", content_type), ("content-length", str(len(image))))
        return FakeResponse(200, headers, image)


def _reshaped(body: bytes, params: Mapping[str, str]) -> FakeResponse:
    """The handler's JSON body as XML, or simplified, as the checked params ask."""
    if params.get("format") == "xml":  # simplify changes JSON only: "simplified JSON"
        return render_xml.from_json(body)
    if checks.check_simplify(params):
        return render.json_response(render.simplified(body))
    return render.json_response(body)  # simplify=false


def _error_response(
    error: GatewayError | AopError, request: FakeRequest, request_id: str
) -> FakeResponse:
    if isinstance(error, AopError):
        return error.response(request_id)
    if render.asks_for_xml(request):
        return render_xml.error_response(error, request_id)
    return render.error_response(error, request_id)


def _fault_response(
    answer: FaultAnswer, request: FakeRequest, request_id: str, *, is_aop: bool
) -> FakeResponse:
    """An injected HTTP error; the envelope in it, if any, as the request's gateway writes it."""
    response, envelope = answer.response, answer.envelope
    if envelope is None:  # a proxy's HTML page: no gateway wrote it
        return response
    if is_aop:
        aop_error = AopGatewayError(aop.INTERNAL_ERROR, envelope.sub_msg)
        return aop_error.response(request_id)._replace(status=response.status)
    if render.asks_for_xml(request):
        return render_xml.from_json(response.body, response.status)
    return response


def _no_api(path: str) -> AopGatewayError:
    segments = path.removeprefix(_AOP_PREFIX).strip("/").split("/")
    code = aop.APP_KEY_MISSING if len(segments) == 3 and all(segments) else aop.API_UNSUPPORTED
    return AopGatewayError(
        code,
        f"{path[:120]!r} names no API: the Open Platform's URLs are "
        "/openapi/param2/1/<namespace>/<name>/<appKey>",
    )


def _registry(apps: AppRegistry | Iterable[App] | None) -> AppRegistry:
    if apps is None:
        return AppRegistry.demo()
    return apps if isinstance(apps, AppRegistry) else AppRegistry(apps)


def _in_dialect(
    failed: RemoteServiceError, is_aop: bool, reseller_path: reseller_api.ResellerPath | None
) -> GatewayError | AopError | ResellerError:
    """The fake's own failure (15) as the request's dialect answers it."""
    if is_aop:
        return from_gateway_error(failed)
    if reseller_path is not None:
        return ResellerError("5000", failed.sub_msg)
    return failed


def _is_photo(response: FakeResponse) -> bool:
    """Whether the answer is a photo served at its pic_url (the journal keeps no copy)."""
    return any(
        name == "content-type" and value.startswith("image/") for name, value in response.headers
    )


def internal_error_response() -> FakeResponse:
    """The 15 envelope for a failure outside the engine's own guard (adapters use it)."""
    error = RemoteServiceError("the fake gateway failed before it could read the request")
    return render.error_response(error, top.request_id())
