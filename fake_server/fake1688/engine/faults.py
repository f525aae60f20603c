"""Fault injection: the platform misbehaving on demand, deterministically from a seed.

::

    gw.faults.add(Fault(kind="platform_error", code=15, method="1688.items.search.img",
                        probability=0.3))
    gw.faults.next(2, kind="http_error", status=503)   # the next two calls
    gw.faults.clear()

Kinds and what the caller sees:

============== =============================================================
latency        the answer comes ``delay`` seconds late (fixed; uniform up to
               ``delay_max``; or log-normal around ``delay`` with ``sigma``)
platform_error the error envelope with ``code`` (e.g. 7, 10, 15, 50), HTTP 200
http_error     HTTP ``status`` (500/502/503/504); ``body="html"`` is a proxy's
               error page (``text/html``), ``body="envelope"`` a 15 envelope
malformed_json HTTP 200, ``application/json``, the real body made invalid
               (a trailing comma before its last brace)
truncated_json HTTP 200, the real body cut short (Content-Length matches the cut)
connection_reset  no answer: over HTTP the connection is closed; in-process
               the transport raises ``httpx.RemoteProtocolError``
============== =============================================================

Faults apply to calls that passed verification and the rate limits, as the
platform's backends fail after its gateway admitted a call; a bad signature is
still answered truthfully. ``platform_error`` and ``http_error`` answer instead
of the handler (nothing is stored); the body faults and ``connection_reset``
hit after the handler ran (an upload is kept, its answer lost). ``latency``
combines with any other fault; of the rest, the first that fires wins.

Every fault matching a call draws one number from the plan's own
``random.Random(seed)``, so the same seed and the same calls give the same
faulted calls. ``reset()`` restores the faults the gateway was built with and
re-seeds.
"""

from __future__ import annotations

import difflib
import json
import random
import threading
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Final, Literal, get_args

from . import render
from .errors import SUB_QPS, SUB_REMOTE_ERROR, GatewayError, PlatformError, ban_message
from .protocol import FakeResponse

__all__ = [
    "Fault",
    "FaultAnswer",
    "FaultKind",
    "FaultPlan",
    "Injected",
    "load_faults",
    "parse_faults",
]

FaultKind = Literal[
    "latency",
    "platform_error",
    "http_error",
    "malformed_json",
    "truncated_json",
    "connection_reset",
]
KINDS: Final = get_args(FaultKind)
HTTP_STATUSES: Final = (500, 502, 503, 504)
#: A latency beyond this is a hung test, not a slow platform.
MAX_DELAY: Final = 60.0
_SUB_CODES: Final = {7: SUB_QPS, 10: "isp.service-unavailable"}
_REASONS: Final = {
    500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip


#: The types a fault setting may have, as JSON and TOML give them (kind and body: checked by value).
_SETTING_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "method": (str, type(None)),
    "probability": (int, float),
    "times": (int, type(None)),
    "code": (int,),
    "sub_code": (str, type(None)),
    "sub_msg": (str, type(None)),
    "status": (int,),
    "delay": (int, float),
    "delay_max": (int, float, type(None)),
    "sigma": (int, float, type(None)),
}


def _described(types: tuple[type, ...]) -> str:
    """Setting types in words a JSON, TOML or Python user reads alike: ``a number or left out``."""
    words = ["a number" if float in types else "a whole number"] if int in types else []
    words += ["a string"] if str in types else []
    words += ["left out"] if type(None) in types else []
    return " or ".join(words)


#: The setting that says what a kind answers: shown even at its default.
_ANSWER_SETTING: Final = {"platform_error": "code", "http_error": "status"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One fault rule; ``method=None`` matches every API, ``times=None`` never runs out."""

    kind: FaultKind
    method: str | None = None
    probability: float = 1.0
    times: int | None = None
    #: platform_error: the code, and optional sub_code/sub_msg (defaults fit the code).
    code: int = 15
    sub_code: str | None = None
    sub_msg: str | None = None
    #: http_error: the status, and "html" (a proxy's page) or "envelope" (a 15 envelope).
    status: int = 503
    body: Literal["html", "envelope"] = "html"
    #: latency, in seconds: fixed, or the low end with delay_max, or the median with sigma.
    delay: float = 0.0
    delay_max: float | None = None
    sigma: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        for name, types in _SETTING_TYPES.items():
            value = getattr(self, name)
            # bool is an int to Python, not a number to a fault file; 1.5 is no count.
            if isinstance(value, bool) or not isinstance(value, types):
                raise ValueError(f"{name} must be {_described(types)}, not {value!r}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within 0..1, not {self.probability!r}")
        if self.times is not None and self.times < 1:
            raise ValueError(
                f"times must be a positive whole number or left out, not {self.times!r}"
            )
        if self.kind == "platform_error":
            PlatformError(self.code, "", "")  # raises for an unknown code
        if self.kind == "http_error" and self.status not in HTTP_STATUSES:
            raise ValueError(f"status must be one of {HTTP_STATUSES}, not {self.status!r}")
        if self.body not in ("html", "envelope"):
            raise ValueError(f"body must be 'html' or 'envelope', not {self.body!r}")
        self._check_latency()

    def _check_latency(self) -> None:
        if not 0.0 <= self.delay <= MAX_DELAY:
            raise ValueError(f"delay must be within 0..{MAX_DELAY:g} seconds, not {self.delay!r}")
        if self.delay_max is not None and self.sigma is not None:
            raise ValueError("give delay_max (uniform) or sigma (log-normal), not both")
        if self.delay_max is not None and not self.delay <= self.delay_max <= MAX_DELAY:
            raise ValueError(f"delay_max must be within delay..{MAX_DELAY:g} seconds")
        if self.sigma is not None and not 0.0 <= self.sigma <= 3.0:
            raise ValueError(f"sigma must be within 0..3, not {self.sigma!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """From a config file or JSON; unknown keys are errors that suggest the right one."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a fault is a table of settings, not {data!r}")
        names = [spec.name for spec in fields(cls)]
        for key in data:
            if key not in names:
                guess = difflib.get_close_matches(str(key), names, n=1)
                hint = f" (did you mean {guess[0]!r}?)" if guess else ""
                raise ValueError(f"unknown fault setting {key!r}{hint}")
        if "kind" not in data:
            raise ValueError(f"a fault needs a kind: one of {', '.join(KINDS)}")
        try:
            return cls(**data)
        except TypeError as error:  # e.g. a string where a number belongs
            raise ValueError(f"bad fault {dict(data)!r}: {error}") from None

    def to_dict(self) -> dict[str, Any]:
        """``kind``, what it answers (a code or status), and the settings not at their defaults."""
        default = Fault(kind=self.kind)
        shown = ("kind", _ANSWER_SETTING.get(self.kind))
        return {
            key: value
            for key, value in asdict(self).items()
            if key in shown or value != getattr(default, key)
        }

    def describe(self) -> str:
        """Short text for the journal, e.g. ``http_error 503``."""
        setting = _ANSWER_SETTING.get(self.kind)
        return self.kind if setting is None else f"{self.kind} {getattr(self, setting)}"


class FaultAnswer(Exception):
    """Raised instead of the handler: answer with ``response`` (an injected HTTP error).

    ``envelope`` is the platform error the body carries, if it is an envelope,
    so that a gateway of another dialect can render the same error its own way.
    """

    def __init__(self, response: FakeResponse, envelope: GatewayError | None = None) -> None:
        super().__init__(f"injected HTTP {response.status}")
        self.response = response
        self.envelope = envelope


@dataclass(frozen=True, slots=True)
class Injected:
    """What the plan decided for one call: a delay and at most one other fault."""

    delay: float = 0.0
    fault: Fault | None = None
    #: Where a truncated body is cut, as a fraction of its length.
    cut: float = 0.5

    def describe(self) -> str | None:
        """For the journal: ``None`` when nothing was injected."""
        if self.fault is None and not self.delay:
            return None  # nearly every call
        parts = [f"latency {self.delay * 1000:.0f} ms"] if self.delay else []
        parts += [self.fault.describe()] if self.fault else []
        return ", ".join(parts) or None

    def before_handler(self) -> None:
        """Raise the injected platform error or HTTP error, if that is the fault."""
        fault = self.fault
        if fault is None:
            return
        if fault.kind == "platform_error":
            raise _platform_error(fault)
        if fault.kind == "http_error":
            raise FaultAnswer(*_http_error(fault))

    def shape(self, response: FakeResponse) -> FakeResponse:
        """The answer as the fault leaves it: late, broken, cut or never sent."""
        if self.fault is None and not self.delay:
            return response  # nearly every call
        kind = self.fault.kind if self.fault else None
        body = response.body
        if kind == "malformed_json":
            body = body[:-1] + b",}" if body.endswith(b"}") else body + b","
        elif kind == "truncated_json":
            body = body[: max(1, min(len(body) - 1, int(len(body) * self.cut)))]
        if body is not response.body:
            headers = _with_length(response.headers, len(body))
            response = response._replace(headers=headers, body=body)
        abort = kind == "connection_reset"
        if self.delay or abort:
            response = response._replace(delay=self.delay, abort=abort)
        return response


NOTHING: Final = Injected()


@dataclass(slots=True)
class _Rule:
    fault: Fault
    remaining: int | None


class FaultPlan:
    """The active faults of a gateway, drawn from a seeded generator; thread-safe."""

    def __init__(self, seed: int = 0, faults: Iterable[Fault | Mapping[str, Any]] = ()) -> None:
        self._built = [_as_fault(fault) for fault in faults]
        self._seed = seed
        self._rules: list[_Rule] = []
        self._random = _generator(seed)
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        """Install the rules it was built with (a shared plan joins those already there)."""
        self.reset()

    @property
    def seed(self) -> int:
        """The seed the generator starts from at each ``reset()``/``reseed()``."""
        return self._seed

    def add(self, fault: Fault | Mapping[str, Any]) -> Fault:
        """Add a rule (a :class:`Fault` or its dict form); it applies after earlier ones."""
        fault = _as_fault(fault)
        with self._lock:
            self._rules.append(_Rule(fault, fault.times))
        return fault

    def next(self, n: int, kind: FaultKind, **settings: Any) -> Fault:
        """Fault the next ``n`` matching calls, e.g. ``next(2, "http_error", status=502)``."""
        return self.add(Fault(kind=kind, times=n, probability=1.0, **settings))

    def clear(self) -> None:
        """Remove every rule (the generator keeps its state)."""
        with self._lock:
            self._rules.clear()

    def reseed(self, seed: int) -> None:
        """Restart the generator from ``seed``."""
        with self._lock:
            self._seed = seed
            self._random = _generator(seed)

    def reset(self) -> None:
        """Back to the rules the gateway was built with, counts refilled, generator re-seeded."""
        with self._lock:
            self._rules = [_Rule(fault, fault.times) for fault in self._built]
            self._random = _generator(self._seed)

    def rules(self) -> list[dict[str, Any]]:
        """The active rules as JSON, each with how many times it may still fire."""
        with self._lock:
            return [{**rule.fault.to_dict(), "remaining": rule.remaining} for rule in self._rules]

    def __len__(self) -> int:
        return len(self._rules)

    def draw(self, api_method: str) -> Injected:
        """Decide the faults of one call to ``api_method``."""
        if not self._rules:
            return NOTHING  # the common case costs one check
        with self._lock:
            return _decide(api_method, list(self._rules), self._random, self._spend)

    def _spend(self, rule: _Rule) -> bool:
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining == 0:
                self._rules.remove(rule)
        return True


def _decide(
    api_method: str,
    rules: Iterable[_Rule],
    draws: random.Random,
    spend: Callable[[_Rule], bool],
) -> Injected:
    """The faults of one call: each matching rule draws; ``spend`` says whether a rule
    that drew may still fire (a shared plan's may have run out in another process)."""
    delay, chosen = 0.0, None
    for rule in rules:
        fault = rule.fault
        latency = fault.kind == "latency"
        if fault.method not in (None, api_method) or not (latency or chosen is None):
            continue
        if draws.random() >= fault.probability:
            continue
        if not spend(rule):
            continue
        if latency:
            delay = max(delay, _delay(fault, draws))
        else:
            chosen = fault
    return Injected(delay, chosen, draws.random() if chosen else 0.5)


def _delay(fault: Fault, draws: random.Random) -> float:
    if fault.delay_max is not None:
        return draws.uniform(fault.delay, fault.delay_max)
    if fault.sigma is not None and fault.delay > 0:
        return min(MAX_DELAY, draws.lognormvariate(0.0, fault.sigma) * fault.delay)
    return fault.delay


def _generator(seed: int) -> random.Random:
    # Reproducible test faults, not secrets: a seeded Mersenne Twister is the point.
    return random.Random(seed)  # noqa: S311


def _as_fault(fault: Fault | Mapping[str, Any]) -> Fault:
    return fault if isinstance(fault, Fault) else Fault.from_dict(fault)


def _platform_error(fault: Fault) -> GatewayError:
    sub_code = fault.sub_code or _SUB_CODES.get(fault.code, SUB_REMOTE_ERROR)
    if fault.sub_msg is not None:
        sub_msg = fault.sub_msg
    elif fault.code == 7:
        sub_msg = f"{ban_message(1)} (an injected fault)"
    else:
        sub_msg = f"an injected fault: {fault.describe()}"
    return PlatformError(fault.code, sub_code, sub_msg)


def _http_error(fault: Fault) -> tuple[FakeResponse, GatewayError | None]:
    if fault.body == "envelope":
        error = PlatformError(15, SUB_REMOTE_ERROR, "an injected fault: " + fault.describe())
        response = render.error_response(error, "0000000000000")
        return response._replace(status=fault.status), error
    reason = _REASONS[fault.status]
    page = f"<html><body><h1>{fault.status} {reason}</h1><p>fake1688</p></body></html>"
    body = page.encode("ascii")
    headers = (("content-type", "text/html;charset=UTF-8"), ("content-length", str(len(body))))
    return FakeResponse(fault.status, headers, body), None


def _with_length(headers: tuple[tuple[str, str], ...], length: int) -> tuple[tuple[str, str], ...]:
    kept = tuple(pair for pair in headers if pair[0] != "content-length")
    return (*kept, ("content-length", str(length)))


def load_faults(path: str | Path) -> tuple[int | None, list[Fault]]:
    """Read a faults file: TOML (``seed = 7`` and ``[[faults]]`` tables) or JSON.

    JSON may be ``{"seed": 7, "faults": [...]}`` or a bare list. Returns
    ``(seed or None, faults)``; raises ``ValueError`` naming the file and the problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read faults file {path}: {error}") from None
    if isinstance(data, list):
        data = {"faults": data}
    if not isinstance(data, dict) or not isinstance(data.get("faults", []), list):
        raise ValueError(f"{path}: expected a list of faults under 'faults'")
    unknown = sorted(set(data) - {"seed", "faults"})
    if unknown:
        raise ValueError(f"{path}: unknown top-level key(s) {unknown}; use seed and faults")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError(f"{path}: seed must be an integer, not {seed!r}")
    try:
        return seed, [Fault.from_dict(item) for item in data.get("faults", [])]
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def parse_faults(specs: object) -> list[Fault]:
    """Faults from a list of :class:`Fault` or dicts (e.g. a pytest marker's ``faults=``).

    Raises ``ValueError`` naming the bad entry and what is wrong with it.
    """
    if isinstance(specs, Fault | Mapping) or not isinstance(specs, list | tuple):
        raise ValueError(f"faults must be a list of Fault or dicts, not {specs!r}")
    faults = []
    for index, spec in enumerate(specs):
        try:
            faults.append(_as_fault(spec))
        except ValueError as error:
            raise ValueError(f"faults[{index}]: {error}") from None
    return faults
