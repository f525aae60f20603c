"""What a cassette must hold, checked as it is loaded: one typed error that names the place.

vcrpy reads a cassette without checking it: a missing key surfaces as ``KeyError:
'uri'``, a status of ``"two hundred"`` as a ``TypeError`` inside the client, a
file that is not UTF-8 as an empty cassette. Every cassette pailitao loads (the
replay persister, the pytest plugin, the contract commands) is checked here
first, and the first problem raises :class:`~pailitao.errors.CassetteError`
naming the file, the line, the interaction and the field::

    x.yaml:23: interaction 3: response.status.code must be an integer, got 'two hundred'

The rules are what vcrpy and pailitao store and what vcrpy needs to replay it:

* the top level is a mapping of ``version`` (``1``, vcrpy's format) and
  ``interactions`` (a list), with pailitao's ``pailitao_format`` (a whole number
  no newer than :data:`CASSETTE_FORMAT`) and vcrpy's ``metadata`` (a mapping)
  when present;
* a ``request`` has exactly ``method`` (upper case, as vcrpy matches it
  against what httpx sends), ``uri`` (an absolute http(s) URL), ``body`` (text,
  bytes or null) and ``headers`` (names to a value or a non-empty list of
  values): vcrpy builds its ``Request`` from these four keys and no others;
* a ``response`` has ``status`` (``code``, an integer from 100 to 599, and
  ``message``, ASCII text or null: httpx keeps it as the reason phrase),
  ``headers`` (ASCII names to lists of ASCII values, as httpx takes them) and
  ``body`` (``string``: text or bytes).

The rules are written out by hand rather than as a JSON Schema: bytes are no
JSON type, and each rule says in its own words what it expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from ..errors import CassetteError

__all__ = [
    "CASSETTE_FORMAT",
    "NO_FILE",
    "VCR_FORMAT",
    "CassetteFormatError",
    "decode_cassette",
    "parse_cassette",
    "read_cassette",
]

#: The layout of the interactions inside a cassette; bumped on incompatible change.
CASSETTE_FORMAT: Final = 1
#: The cassette format vcrpy writes and reads (its top-level ``version``).
VCR_FORMAT: Final = 1
#: Where a problem is said to be when the text came from no named file.
NO_FILE: Final = "<cassette>"
#: The longest quote of a wrong value in a message.
_SHOWN: Final = 60
_REQUEST_KEYS: Final = ("method", "uri", "body", "headers")
_METHOD: Final = re.compile(r"[A-Z]+")


class CassetteFormatError(CassetteError):
    """The file is not a cassette at all, or one in a format this pailitao or vcrpy cannot read."""


class _Wrong(Exception):
    """A problem at ``path`` (keys and indexes from the top of the cassette)."""

    def __init__(self, path: tuple[Any, ...], what: str, *, whole_file: bool = False) -> None:
        super().__init__(what)
        self.path = path
        self.what = what
        self.whole_file = whole_file


_ABSENT: Final = object()


def read_cassette(path: str | Path, *, complete: bool = True) -> dict[str, Any]:
    """The cassette in a file, checked; raises :class:`~pailitao.errors.CassetteError`.

    ``OSError`` (no such file, say) is not a broken cassette and passes through.
    """
    raw = Path(path).read_bytes()
    return parse_cassette(decode_cassette(raw, str(path)), str(path), complete=complete)


def decode_cassette(raw: bytes, source: str) -> str:
    """A cassette's bytes as text; bytes that are not UTF-8 are named by line and column."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        start, reason = error.start, error.reason
    line = raw.count(b"\n", 0, start) + 1
    column = start - raw.rfind(b"\n", 0, start)  # 1-based: rfind is -1 on the first line
    problem = f"the file is not UTF-8 text: byte 0x{raw[start]:02x} at column {column}: {reason}"
    raise CassetteError(problem, source, line)


def parse_cassette(text: str, source: str = NO_FILE, *, complete: bool = True) -> dict[str, Any]:
    """A cassette's YAML as data, checked; raises :class:`~pailitao.errors.CassetteError`.

    ``source`` names the file in messages. ``complete=False`` lets keys be
    absent (the contract commands read whatever answers a hand-made cassette
    holds), but what is there must still be what vcrpy replays.
    """
    data = _load_yaml(text, source)
    if data is None:
        what = "the file is empty" if not text.strip() else "the file holds only comments"
        raise CassetteFormatError(f"{what}: a cassette holds 'version' and 'interactions'", source)
    try:
        return _check(data, complete)
    except _Wrong as wrong:
        problem = wrong
    line = _line_of(text, problem.path) if problem.path else None
    kind = CassetteFormatError if problem.whole_file else CassetteError
    raise kind(_message(problem.path, problem.what), source, line)


# -- YAML ----------------------------------------------------------------------


def _load_yaml(text: str, source: str) -> object:
    import yaml  # noqa: PLC0415 - PyYAML comes with the `record` and `contract` extras

    try:
        return yaml.load(text, Loader=_fast_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        pass
    # libyaml words its errors tersely; the pure-Python parser says what it expected.
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem, line = _yaml_error(error, text)
    else:  # pragma: no cover - both parsers refuse the same documents
        problem, line = "libyaml cannot parse it", None
    raise CassetteError(f"the file is not YAML: {problem}", source, line)


def _fast_loader() -> Any:
    import yaml  # noqa: PLC0415

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


def _yaml_error(error: Exception, text: str) -> tuple[str, int | None]:
    """What a YAML error says went wrong, and on which line."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if isinstance(problem, str) and mark is not None:
        context = getattr(error, "context", None)
        if problem.startswith("but ") and context:  # "expected a single document…, but found…"
            problem = f"{context}, {problem}"
        return problem, mark.line + 1
    position, character = getattr(error, "position", None), getattr(error, "character", None)
    if isinstance(position, int) and character is not None:  # a reader error: no mark, a position
        code = character if isinstance(character, int) else ord(character)
        reason = getattr(error, "reason", "not allowed")
        return f"unacceptable character #x{code:04x}: {reason}", text.count("\n", 0, position) + 1
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__), None


def _line_of(text: str, path: tuple[Any, ...]) -> int | None:
    """The line of the value at ``path``, or of the nearest enclosing one that exists."""
    import yaml  # noqa: PLC0415

    node = yaml.compose(text, Loader=_fast_loader())
    for step in path:
        inner = _child(node, step)
        if inner is None:
            break
        node = inner
    return None if node is None else int(node.start_mark.line) + 1


def _child(node: Any, step: object) -> Any:
    import yaml  # noqa: PLC0415

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(step):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]
    return None


# -- messages ------------------------------------------------------------------


def _message(path: tuple[Any, ...], what: str) -> str:
    """``interaction 3: response.status.code must be …``; top-level fields by their key."""
    if len(path) >= 2 and path[0] == "interactions":
        field = ".".join(str(step) for step in path[2:])
        return (
            f"interaction {path[1]}: {field} {what}" if field else f"interaction {path[1]} {what}"
        )
    field = ".".join(str(step) for step in path)
    return f"{field} {what}" if field else what


def _shown(value: object) -> str:
    """A wrong value as a message quotes it: containers by kind, scalars as written."""
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


# -- the rules -----------------------------------------------------------------


def _check(data: object, complete: bool) -> dict[str, Any]:
    if not isinstance(data, dict):
        what = f"not a vcrpy cassette: the top level is {_shown(data)}, not a mapping"
        raise _Wrong((), what, whole_file=True)
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        what = "not a vcrpy cassette: no top-level 'interactions' list"
        if "interactions" in data:
            what = f"not a vcrpy cassette: 'interactions' is {_shown(interactions)}, not a list"
        raise _Wrong((), what, whole_file=True)
    _check_formats(data, complete)
    for index, interaction in enumerate(interactions):
        _check_interaction(("interactions", index), interaction, complete)
    return data


def _check_formats(data: dict[Any, Any], complete: bool) -> None:
    if "version" in data:
        version = data["version"]
        if type(version) is not int or version != VCR_FORMAT:
            what = (
                f"cassette format version {_shown(version)} is not supported; expected {VCR_FORMAT}"
            )
            raise _Wrong((), what, whole_file=True)
    elif complete:
        raise _Wrong(
            ("version",), f"is missing: vcrpy writes version: {VCR_FORMAT}", whole_file=True
        )
    found = data.get("pailitao_format", CASSETTE_FORMAT)
    if type(found) is not int or found < 1:
        what = f"must be a whole number from 1, got {_shown(found)}"
        raise _Wrong(("pailitao_format",), what, whole_file=True)
    if found > CASSETTE_FORMAT:
        what = (
            f"cassette format {found} is newer than this pailitao understands "
            f"({CASSETTE_FORMAT}); upgrade pailitao"
        )
        raise _Wrong((), what, whole_file=True)
    if "metadata" in data and not isinstance(data["metadata"], dict):
        raise _Wrong(("metadata",), f"must be a mapping, got {_shown(data['metadata'])}")


def _mapping(value: object, path: tuple[Any, ...], holding: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _Wrong(path, f"must be a mapping {holding}, got {_shown(value)}")
    return value


def _field(mapping: dict[Any, Any], key: str, path: tuple[Any, ...], complete: bool) -> object:
    """``mapping[key]``; an absent key is a problem only when the check is complete."""
    if key in mapping:
        return mapping[key]
    if complete:
        raise _Wrong((*path, key), "is missing")
    return _ABSENT


#: Checks one field: called with the path to the field and its value.
_FieldCheck = Callable[[tuple[Any, ...], object], None]


def _check_fields(
    mapping: dict[Any, Any],
    path: tuple[Any, ...],
    complete: bool,
    checks: Mapping[str, _FieldCheck],
) -> None:
    """Run each key's check on its value, in order; an absent key is :func:`_field`'s."""
    for key, check in checks.items():
        value = _field(mapping, key, path, complete)
        if value is not _ABSENT:
            check((*path, key), value)


def _check_interaction(path: tuple[Any, ...], value: object, complete: bool) -> None:
    interaction = _mapping(value, path, "with request and response")
    checks: dict[str, _FieldCheck] = {
        "request": partial(_check_request, complete=complete),
        "response": partial(_check_response, complete=complete),
    }
    _check_fields(interaction, path, complete, checks)


def _check_request(path: tuple[Any, ...], value: object, complete: bool) -> None:
    request = _mapping(value, path, "with method, uri, body and headers")
    if complete:
        for key in request:
            if key not in _REQUEST_KEYS:
                what = "is not a key vcrpy reads: a request has method, uri, body and headers"
                raise _Wrong((*path, key), what)
    method = _field(request, "method", path, complete)
    if method is not _ABSENT and not (isinstance(method, str) and _METHOD.fullmatch(method)):
        raise _Wrong(
            (*path, "method"), f"must be an HTTP method such as POST, got {_shown(method)}"
        )
    uri = _field(request, "uri", path, complete)
    if uri is not _ABSENT and not _is_url(uri):
        raise _Wrong((*path, "uri"), f"must be an absolute http(s) URL, got {_shown(uri)}")
    body = _field(request, "body", path, complete)
    if body is not _ABSENT and body is not None:
        _check_text_or_bytes((*path, "body"), body, "text, bytes or null")
    headers = _field(request, "headers", path, complete)
    if headers is not _ABSENT:
        _check_request_headers((*path, "headers"), headers)


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_text_or_bytes(path: tuple[Any, ...], value: object, expected: str) -> None:
    if isinstance(value, bytes):
        return
    if not isinstance(value, str):
        raise _Wrong(path, f"must be {expected}, got {_shown(value)}")
    try:
        value.encode("utf-8")  # vcrpy sends and compares bodies as UTF-8 bytes
    except UnicodeEncodeError as error:
        what = f"holds a lone surrogate at character {error.start}, which UTF-8 cannot encode"
        raise _Wrong(path, what) from None


def _check_request_headers(path: tuple[Any, ...], value: object) -> None:
    headers = _mapping(value, path, "of header names to values")
    for name, values in headers.items():
        if not isinstance(name, str):
            raise _Wrong(path, f"has a header name that is not text: {_shown(name)}")
        if isinstance(values, str):
            continue
        # vcrpy keeps a list's first value: an empty list has none.
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            what = f"must be a value or a non-empty list of values, got {_shown(values)}"
            raise _Wrong((*path, name), what)


def _check_response(path: tuple[Any, ...], value: object, complete: bool) -> None:
    response = _mapping(value, path, "with status, headers and body")
    checks: dict[str, _FieldCheck] = {
        "status": partial(_check_status, complete=complete),
        "headers": _check_response_headers,
        "body": partial(_check_response_body, complete=complete),
    }
    _check_fields(response, path, complete, checks)


def _check_response_body(path: tuple[Any, ...], value: object, complete: bool) -> None:
    body = _mapping(value, path, "with the key 'string'")
    string = _field(body, "string", path, complete)
    if string is not _ABSENT:
        _check_text_or_bytes((*path, "string"), string, "text or bytes")


def _check_status(path: tuple[Any, ...], value: object, complete: bool) -> None:
    status = _mapping(value, path, "with code and message")
    code = _field(status, "code", path, complete)
    if code is not _ABSENT:
        if type(code) is not int:
            raise _Wrong((*path, "code"), f"must be an integer, got {_shown(code)}")
        if not 100 <= code <= 599:
            raise _Wrong((*path, "code"), f"must be an HTTP status from 100 to 599, got {code}")
    message = _field(status, "message", path, complete)
    if message is not _ABSENT and message is not None:
        if not isinstance(message, str):
            raise _Wrong((*path, "message"), f"must be text or null, got {_shown(message)}")
        if not message.isascii():
            what = (
                f"must be ASCII text (httpx keeps it as the reason phrase), got {_shown(message)}"
            )
            raise _Wrong((*path, "message"), what)


def _check_response_headers(path: tuple[Any, ...], value: object) -> None:
    headers = _mapping(value, path, "of header names to lists of values")
    for name, values in headers.items():
        if not (isinstance(name, str) and name and name.isascii()):
            raise _Wrong(path, f"has a header name that is not ASCII text: {_shown(name)}")
        # vcrpy hands httpx one header per list item: a bare string would be split into letters.
        if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            raise _Wrong((*path, name), f"must be a list of values, got {_shown(values)}")
        for item in values:
            if not item.isascii():
                what = f"must be ASCII text, as httpx takes headers, got {_shown(item)}"
                raise _Wrong((*path, name), what)
