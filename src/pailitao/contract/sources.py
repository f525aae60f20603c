"""Reading recorded answers: vcrpy cassettes (YAML, format version 1) and JSON files.

A cassette is ``{"interactions": [{"request": {...}, "response": {"status":
{"code", "message"}, "headers", "body": {"string": str | bytes}}}], "version": 1}``.
Our own cassettes add ``pailitao_format`` and write bodies as text; plain vcrpy
cassettes may hold ``!!binary`` bodies, which YAML gives as bytes.
A JSON file holds one envelope object or a list of them.

Nothing is decided about the bodies here: :mod:`pailitao.contract.check` does that.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import CassetteError
from ..recording.validate import decode_cassette, parse_cassette

__all__ = [
    "CASSETTE_SUFFIXES",
    "Recorded",
    "RecordedRequest",
    "SourceError",
    "find_files",
    "load_file",
    "yaml_problem",
]

#: The file types a directory is searched for.
CASSETTE_SUFFIXES: Final = frozenset({".yaml", ".yml", ".json"})


class SourceError(ValueError):
    """A file cannot be read as a cassette or as JSON answers; says why."""


@dataclass(frozen=True)
class RecordedRequest:
    """The request of a recorded interaction, as vcrpy stored it."""

    method: str
    uri: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    body: str | bytes | None = None

    def header(self, name: str) -> str:
        """The first value of a header (vcrpy keeps lists), or ``""``."""
        for key, value in self.headers.items():
            if str(key).lower() == name.lower():
                first = value[0] if isinstance(value, list) and value else value
                return str(first)
        return ""


@dataclass(frozen=True)
class Recorded:
    """One recorded answer: where it is, its HTTP status, its raw body."""

    source: str
    index: int
    body: str | bytes | None
    status: int | None = None
    request: RecordedRequest | None = None

    @property
    def where(self) -> str:
        """``file:index``, as failures are reported."""
        return f"{self.source}:{self.index}"


def find_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*.yaml``, ``*.yml``, ``*.json`` under a directory."""
    if path.is_dir():
        found = (p for p in path.rglob("*") if p.suffix.lower() in CASSETTE_SUFFIXES)
        return sorted(p for p in found if p.is_file())
    return [path]


def load_file(path: Path) -> list[Recorded]:
    """Every recorded answer in a file; raises :class:`SourceError` for an unusable file.

    A cassette is checked as replay checks it (:mod:`pailitao.recording.validate`),
    except that keys may be absent: a hand-made cassette may hold answers only.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read the file: {error.strerror}") from None
    source = str(path)
    try:
        text = decode_cassette(raw, source)
        if path.suffix.lower() == ".json":
            return _from_json(source, text)
        data = parse_cassette(text, source, complete=False)
    except CassetteError as error:
        broken = error
    else:
        return [_interaction(source, i, entry) for i, entry in enumerate(data["interactions"])]
    # The checks name the file themselves: the problem is said without it.
    line = "" if broken.line is None else f" (line {broken.line})"
    raise SourceError(f"{broken.problem}{line}")


def _from_json(source: str, text: str) -> list[Recorded]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise SourceError(f"the file is not JSON: {error}") from None
    answers = data if isinstance(data, list) else [data]
    # Re-serialised so a JSON file and a cassette body go through the same checks.
    return [
        Recorded(source, index, json.dumps(answer, ensure_ascii=False))
        for index, answer in enumerate(answers)
    ]


def _interaction(source: str, index: int, entry: object) -> Recorded:
    entry = entry if isinstance(entry, dict) else {}
    response = entry.get("response")
    response = response if isinstance(response, dict) else {}
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    body = response.get("body")
    raw = body.get("string") if isinstance(body, dict) else None
    headers = response.get("headers")
    raw = _decompressed(raw, headers if isinstance(headers, dict) else {})
    return Recorded(
        source,
        index,
        raw if isinstance(raw, str | bytes) else None,
        code if isinstance(code, int) else None,
        _request(entry.get("request")),
    )


def _decompressed(raw: object, headers: Mapping[str, Any]) -> object:
    """vcrpy stores a gzip body as it came unless told to decode it."""
    encoding = " ".join(_values(headers, "content-encoding")).lower()
    if isinstance(raw, bytes) and "gzip" in encoding and raw.startswith(b"\x1f\x8b"):
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError):
            return raw  # a broken gzip stream is reported as a non-JSON body
    return raw


def _values(headers: Mapping[str, Any], name: str) -> Iterable[str]:
    for key, value in headers.items():
        if str(key).lower() == name:
            yield from (str(v) for v in (value if isinstance(value, list) else [value]))


def _request(raw: object) -> RecordedRequest | None:
    if not isinstance(raw, dict):
        return None
    headers = raw.get("headers")
    body = raw.get("body")
    return RecordedRequest(
        method=str(raw.get("method", "")),
        uri=str(raw.get("uri", "")),
        headers=headers if isinstance(headers, dict) else {},
        body=body if isinstance(body, str | bytes) else None,
    )


def yaml_problem(error: Exception) -> str:
    """What a YAML error says went wrong, and on which line."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if isinstance(problem, str) and mark is not None:
        return f"{problem} (line {mark.line + 1})"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
