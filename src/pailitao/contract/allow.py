"""The allow-list: known, accepted differences in shape, each with its reason.

A YAML or JSON file, either a list or ``{"allow": [...]}``, of entries::

    allow:
      - path: "$.1688_items_search_img_response.items.item[].promotion_price"
        kind: missing          # missing, extra, type, format, envelope; leave out for any
        reason: the fake's offers are never on promotion
      - path: "$.1688_items_search_img_response.**"
        kind: extra
        reason: the platform adds fields the contract does not name

In ``path``, ``*`` matches within one step of the path (no ``.`` or ``[``) and
``**`` matches anything. A key that is no identifier may be written dotted as
well as quoted: ``$.1688_items_search_img_response`` matches the report's
``$['1688_items_search_img_response']``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .shape import DRIFT_KINDS, Drift
from .sources import yaml_problem

__all__ = ["AllowEntry", "AllowList", "AllowListError"]


class AllowListError(ValueError):
    """The allow-list file is unreadable or malformed; says where and how to fix it."""


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*)", path)
    regex = "".join(
        ".*" if part == "**" else r"[^.\[]*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}$")


_QUOTED_NAME = re.compile(r"\['([^'.\[\]]+)'\]")


def _dotted(path: str) -> str:
    """``$['1688_x'].items`` as ``$.1688_x.items``: quoted keys written as plain steps."""
    return _QUOTED_NAME.sub(r".\1", path)


@dataclass(frozen=True)
class AllowEntry:
    """One accepted difference: a path pattern, a kind (``None``: any) and why."""

    path: str
    kind: str | None
    reason: str

    def matches(self, drift: Drift) -> bool:
        """Whether this entry accepts the drift."""
        if self.kind is not None and self.kind != drift.kind:
            return False
        pattern = _pattern(self.path)
        return any(pattern.match(path) for path in (drift.path, _dotted(drift.path)))


@dataclass(frozen=True)
class AllowList:
    """The entries of an allow-list file (empty: nothing is accepted)."""

    entries: tuple[AllowEntry, ...] = ()

    def allowing(self, drift: Drift) -> AllowEntry | None:
        """The first entry that accepts the drift, or ``None``."""
        return next((entry for entry in self.entries if entry.matches(drift)), None)

    def unused(self, drifts: Sequence[Drift]) -> list[AllowEntry]:
        """Entries that accepted none of the drifts (maybe the fake got fixed)."""
        return [e for e in self.entries if not any(e.matches(d) for d in drifts)]

    @classmethod
    def load(cls, path: Path) -> AllowList:
        """Read an allow-list file (``.json``, else YAML)."""
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AllowListError(f"cannot read allow-list {path}: {error}") from None
        data = _parse(path, text)
        if isinstance(data, dict) and set(data) == {"allow"}:
            data = data["allow"]
        if not isinstance(data, list):
            raise AllowListError(f"{path}: expected a list of entries or {{'allow': [...]}}")
        return cls(tuple(_entry(path, i, raw) for i, raw in enumerate(data)))


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except ValueError as error:
            raise AllowListError(f"{path} is not JSON: {error}") from None
    import yaml  # noqa: PLC0415 - optional dependency (pailitao[contract])

    try:
        return yaml.safe_load(text) or []
    except yaml.YAMLError as error:
        raise AllowListError(f"{path} is not YAML: {yaml_problem(error)}") from None


def _entry(path: Path, index: int, raw: object) -> AllowEntry:
    where = f"{path}: entry {index}"
    if not isinstance(raw, dict):
        raise AllowListError(f"{where}: expected a mapping with path, kind and reason")
    unknown = sorted(set(map(str, raw)) - {"path", "kind", "reason"})
    if unknown:
        raise AllowListError(
            f"{where}: unknown key(s) {', '.join(unknown)}; use path, kind, reason"
        )
    pattern, kind, reason = raw.get("path"), raw.get("kind"), raw.get("reason")
    if not isinstance(pattern, str) or not pattern.startswith("$"):
        raise AllowListError(f"{where}: 'path' must be a JSON path pattern starting with '$'")
    if kind is not None and kind not in DRIFT_KINDS:
        raise AllowListError(f"{where}: 'kind' must be one of {', '.join(DRIFT_KINDS)}")
    if not isinstance(reason, str) or not reason.strip():
        raise AllowListError(f"{where}: say why the difference is accepted in 'reason'")
    return AllowEntry(pattern, kind, reason.strip())
