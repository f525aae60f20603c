"""Checking recorded answers against the contract: small registered checks.

A body is first read as a JSON object holding one known envelope: one of
TOP's three keys, one of the 1688 Open Platform's four shapes (a search or
upload result, a business failure, a gateway refusal) or one of the
resellers' three (a search, an upload, a failure; see
:mod:`pailitao.contract.envelopes`). A body that is not JSON (a truncated
body), not an object, or no known envelope fails there. Every registered
check then runs on the :class:`Case` and raises :class:`CheckFailed` naming
the JSON path and what is wrong::

    @register_check
    def status_is_200(case: Case) -> None:
        if case.status not in (None, 200):
            raise CheckFailed(("$", f"HTTP {case.status}: ..."))

The built-in checks: the HTTP status is 200 (a 4xx or 5xx for an AOP gateway
refusal), the body conforms to the schema of its envelope, and the client
parser accepts it and reads back its own rendering unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final, TypeVar

from ..errors import ApiError, ResponseParseError
from ..models import parse_error_response, parse_search_response, parse_upload_response
from ..wire import top
from .envelopes import (
    DESCRIBED,
    ERRORS,
    aop_api,
    body_of,
    dialect_of,
    find_envelopes,
    reseller_api,
)
from .paths import json_path, short
from .schemas import AOP_GATEWAY_ERROR, AOP_UPLOAD, RESELLER_UPLOAD, load_schema
from .sources import Recorded, SourceError, find_files, load_file

__all__ = [
    "Case",
    "CheckFailed",
    "CheckFunction",
    "Failure",
    "Report",
    "check_files",
    "check_recorded",
    "read_case",
    "register_check",
    "registered_checks",
    "schema_problems",
]

#: TOP's upload envelope, under its key and the legacy one.
_UPLOADS: Final = (top.UPLOAD_RESPONSE_KEY, top.LEGACY_RESPONSE_KEYS[top.UPLOAD_RESPONSE_KEY])


class CheckFailed(AssertionError):
    """A check found problems: ``(json_path, message)`` pairs."""

    def __init__(self, *problems: tuple[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


@dataclass(frozen=True)
class Failure:
    """One problem in one recorded answer (``interaction`` is ``None`` for a whole file)."""

    file: str
    interaction: int | None
    path: str
    message: str
    check: str

    def __str__(self) -> str:
        index = "-" if self.interaction is None else str(self.interaction)
        return f"{self.file}:{index}: {self.path}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The ``--format json`` record."""
        return {
            "file": self.file,
            "interaction": self.interaction,
            "path": self.path,
            "message": self.message,
            "check": self.check,
        }


@dataclass(frozen=True)
class Case:
    """A recorded answer whose body is a JSON object holding a known envelope.

    ``envelope`` names it: TOP's key (``"error_response"``) or an AOP shape
    (``"aop_search"``, ``"aop_upload"``, ``"aop_business_error"``,
    ``"aop_gateway_error"``); it also names the schema the body is checked against.
    """

    recorded: Recorded
    payload: Mapping[str, Any]
    envelope: str

    @property
    def status(self) -> int | None:
        """The recorded HTTP status (``None`` for plain JSON files)."""
        return self.recorded.status

    @property
    def dialect(self) -> str:
        """``"top"``, ``"aop"`` or ``"reseller"``: which gateway answers in this envelope."""
        return dialect_of(self.envelope)

    @property
    def body(self) -> Mapping[str, Any]:
        """The object inside the envelope: ``payload[key]`` for TOP, ``payload["result"]``
        for an AOP result, the payload itself for an AOP gateway error."""
        return body_of(self.payload, self.envelope)

    @cached_property
    def schema_problems(self) -> list[tuple[str, str]]:
        """Every way the payload departs from its envelope's schema."""
        return schema_problems(self.payload, self.envelope)


CheckFunction = Callable[[Case], None]
F = TypeVar("F", bound=CheckFunction)
_CHECKS: dict[str, CheckFunction] = {}


def register_check(check: F) -> F:
    """Add a check (a function of a :class:`Case` raising :class:`CheckFailed`)."""
    _CHECKS[check.__name__] = check
    return check


def registered_checks() -> tuple[CheckFunction, ...]:
    """Every registered check, in registration order."""
    return tuple(_CHECKS.values())


_validators: dict[str, Any] = {}


def _validator(envelope: str) -> Any:
    if envelope not in _validators:
        from jsonschema import Draft202012Validator  # noqa: PLC0415 - pailitao[contract]

        schema = load_schema(envelope)
        Draft202012Validator.check_schema(schema)
        _validators[envelope] = Draft202012Validator(schema)
    return _validators[envelope]


def schema_problems(payload: object, envelope: str) -> list[tuple[str, str]]:
    """``(json_path, message)`` for every schema violation, sorted by path."""
    errors = list(_validator(envelope).iter_errors(payload))
    problems = [_problem(error) for error in errors]
    return sorted(problems, key=lambda problem: _order(problem[0]))


def _order(path: str) -> tuple[tuple[int, int, str], ...]:
    """Sort ``item[10]`` after ``item[2]``."""
    parts = path.replace("[", ".[").split(".")
    return tuple(
        (1, int(p[1:-1]), "") if p.startswith("[") and p[1:-1].isdigit() else (0, 0, p)
        for p in parts
    )


_JSON_TYPES: Final = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _problem(error: Any) -> tuple[str, str]:
    parts = list(error.absolute_path)
    instance = error.instance
    wanted = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        # One error per missing field; its message starts with the field's repr.
        absent = [key for key in error.validator_value if key not in instance]
        missing = next((k for k in absent if error.message.startswith(repr(k))), absent[0])
        return json_path([*parts, missing]), "required field is missing"
    if error.validator == "type":
        got = f"got {_JSON_TYPES.get(type(instance), 'value')} {short(instance)}"
        return json_path(parts), f"expected {wanted or error.validator_value}, {got}"
    if error.validator == "pattern":
        expected = wanted or f"a string matching {error.validator_value}"
        return json_path(parts), f"{short(instance)} is not {expected}"
    return json_path(parts), error.message if len(error.message) < 160 else short(error.message)


def read_case(recorded: Recorded) -> Case:
    """The :class:`Case` of a body, or :class:`CheckFailed` if it is no envelope."""
    status = "" if recorded.status in (None, 200) else f"HTTP {recorded.status}, "
    raw = recorded.body
    if raw is None or raw in ("", b""):
        raise CheckFailed(("$", f"{status}empty body: expected a JSON envelope"))
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise CheckFailed(("$", f"{status}body is not UTF-8 text: {error.reason}")) from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"{error.msg} (char {error.pos}); it starts {text[:40]!r}"
        raise CheckFailed(("$", f"{status}body is not JSON (truncated?): {problem}")) from None
    if not isinstance(payload, dict):
        got = _JSON_TYPES.get(type(payload), "value")
        raise CheckFailed(("$", f"expected a JSON object holding an envelope, got {got}"))
    found = find_envelopes(payload, _api(recorded))
    if len(found) != 1:
        known = ", ".join(DESCRIBED)
        keys = ", ".join(sorted(map(str, payload))) or "none"
        what = "more than one of" if found else "none of"
        raise CheckFailed(("$", f"{what} the envelopes {known}; keys: {keys}"))
    return Case(recorded, payload, found[0])


def _api(recorded: Recorded) -> str | None:
    """The AOP or reseller API the recorded request named, which picks the success schema."""
    if recorded.request is None:
        return None
    api = aop_api(recorded.request.uri)
    return api.name if api is not None else reseller_api(recorded.request.uri)


@register_check
def status_is_200(case: Case) -> None:
    """The contract answers errors with HTTP 200 and an error envelope, never a bare 5xx.

    The AOP gateway's refusals are the exception: :func:`gateway_refusal_status`.
    """
    if case.envelope == AOP_GATEWAY_ERROR:
        return
    if case.status not in (None, 200):
        raise CheckFailed(("$", f"HTTP {case.status}: the contract answers everything with 200"))


@register_check
def gateway_refusal_status(case: Case) -> None:
    """The AOP gateway refuses a call with a 4xx or 5xx status, never with 200.

    Which status goes with which code is not pinned: the platform documents
    only some, and the client reads the body whatever the status.
    """
    if case.envelope != AOP_GATEWAY_ERROR or case.status is None:
        return
    if not 400 <= case.status <= 599:
        raise CheckFailed(
            ("$", f"HTTP {case.status}: the AOP gateway answers a refusal with a 4xx or 5xx")
        )


@register_check
def conforms_to_schema(case: Case) -> None:
    """The payload validates against the schema of its envelope."""
    if case.schema_problems:
        raise CheckFailed(*case.schema_problems)


@register_check
def parses_with_client(case: Case) -> None:
    """The client parser accepts every schema-valid body and reads its rendering back.

    Schema-invalid bodies are left to :func:`conforms_to_schema`: this check
    finds where the schema and the parser disagree.
    """
    if case.schema_problems:
        return
    try:
        _round_trip(case)
    except (ResponseParseError, ApiError) as error:
        raise CheckFailed(("$", f"the client parser rejects it: {error}")) from None


def _round_trip(case: Case) -> None:
    if case.envelope in ERRORS:
        if parse_error_response(case.payload) is None:
            raise ResponseParseError("parse_error_response found no error")
        return
    if case.envelope in (*_UPLOADS, AOP_UPLOAD, RESELLER_UPLOAD):
        parse_upload_response(case.payload)
        return
    # An AOP page renders back through the TOP envelope: its offers and outcome
    # travel whole (Item.aop, SearchPage.aop), so both dialects compare alike.
    page = parse_search_response(case.payload)
    rendered = {top.SEARCH_RESPONSE_KEY: {"items": page.to_payload()}}
    again = parse_search_response(rendered)
    if again.model_copy(update={"request_id": page.request_id}) != page:
        raise ResponseParseError("parsing the client's own rendering gives a different page")


def check_recorded(recorded: Recorded, checks: Sequence[CheckFunction] = ()) -> list[Failure]:
    """Run the checks (default: every registered one) on one recorded answer."""
    try:
        case = read_case(recorded)
    except CheckFailed as failed:
        return _failures(recorded, "read_case", failed)
    failures = []
    for check in checks or registered_checks():
        try:
            check(case)
        except CheckFailed as failed:
            failures.extend(_failures(recorded, check.__name__, failed))
        except Exception as error:
            message = f"check {check.__name__} crashed: {type(error).__name__}: {error}"
            failures.append(Failure(recorded.source, recorded.index, "$", message, "crash"))
    return failures


def _failures(recorded: Recorded, check: str, failed: CheckFailed) -> list[Failure]:
    return [
        Failure(recorded.source, recorded.index, path, message, check)
        for path, message in failed.problems
    ]


@dataclass(frozen=True)
class Report:
    """What ``pailitao contract check`` found."""

    files: int
    answers: int
    failures: list[Failure]

    @property
    def summary(self) -> str:
        """One line: how much was checked and how much failed."""
        checked = (
            f"checked {self.answers} answer{_s(self.answers)} in {self.files} file{_s(self.files)}"
        )
        if not self.failures:
            return f"{checked}: all conform to the contract"
        return f"{checked}: {len(self.failures)} failure{_s(len(self.failures))}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def check_files(paths: Iterable[Path]) -> Report:
    """Check every answer in the files (and directories) given."""
    files = [file for path in paths for file in find_files(path)]
    answers, failures = 0, []
    for file in files:
        try:
            recorded = load_file(file)
        except SourceError as error:
            failures.append(Failure(str(file), None, "$", str(error), "load"))
            continue
        answers += len(recorded)
        for answer in recorded:
            failures.extend(check_recorded(answer))
    return Report(len(files), answers, failures)
