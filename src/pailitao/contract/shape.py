"""The shape of an answer, and the differences in shape between two answers.

The data of a recorded answer and of the fake's answer differ by design, so
only shapes are compared: which fields exist, their JSON types, and the format
of strings the contract cares about (a price ``"90.00"`` vs a range
``"12.50-18.00"``, a digit string vs ``"1000+"``)::

    >>> found = shape({"item": [{"price": "9.90"}, {"price": "1.00-2.00"}]})
    >>> found["$.item[].price"]
    'string:price|string:price-range'
    >>> sorted(found)
    ['$', '$.item', '$.item[]', '$.item[].price']

Array elements are merged under ``[]``: a page of 20 items has the shape of
one item, with the kinds every element showed joined by ``|``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .paths import json_path

__all__ = ["DRIFT_KINDS", "Drift", "diff", "kind_of", "shape"]

#: Checked in order; the first match names the string's format.
_STRING_FORMATS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("empty", re.compile(r"^$")),
    ("digits", re.compile(r"^[0-9]+$")),
    ("price", re.compile(r"^[0-9]+\.[0-9]{2}$")),
    ("price-range", re.compile(r"^[0-9]+(\.[0-9]+)?-[0-9]+(\.[0-9]+)?$")),
    ("decimal", re.compile(r"^[0-9]+\.[0-9]+$")),
    ("count", re.compile(r"^[0-9]+(\.[0-9]+)?\s*[万wW亿]?\+?$")),
    ("percent", re.compile(r"^[0-9]+(\.[0-9]+)?%$")),
    ("url", re.compile(r"^(https?:)?//\S+$")),
)

#: ``missing``: recorded has it, the fake not; ``extra``: the other way round;
#: ``type``: different JSON types; ``format``: same type, different string format;
#: ``envelope``: one side succeeded where the other answered an error.
DRIFT_KINDS: Final = ("missing", "extra", "type", "format", "envelope")


#: bool before int: ``True`` is an int to Python, a boolean to JSON.
_SCALARS: Final = ((bool, "boolean"), (int, "integer"), (float, "number"))


def kind_of(value: object) -> str:
    """The kind of one JSON value: ``object``, ``integer``, ``string:price`` ..."""
    if isinstance(value, str):
        return next((f"string:{n}" for n, p in _STRING_FORMATS if p.match(value)), "string")
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array" if value else "array:empty"
    if value is None:
        return "null"
    return next((name for kind, name in _SCALARS if isinstance(value, kind)), type(value).__name__)


def shape(payload: object) -> dict[str, str]:
    """Every path in a JSON value and its kind (array elements merged under ``[]``)."""
    kinds: dict[str, set[str]] = {}
    _walk(payload, "$", kinds)
    return {path: _joined(found) for path, found in kinds.items()}


def _walk(value: object, path: str, kinds: dict[str, set[str]]) -> None:
    kinds.setdefault(path, set()).add(kind_of(value))
    if isinstance(value, Mapping):
        for key, child in value.items():
            _walk(child, _child(path, str(key)), kinds)
    elif isinstance(value, list):
        for child in value:
            _walk(child, path + "[]", kinds)


def _child(path: str, key: str) -> str:
    return path + json_path([key])[1:]


def _joined(found: set[str]) -> str:
    # A list that is empty on one page and full on another is still an array.
    if len(found) > 1:
        found = found - {"array:empty"} if "array" in found else found
    return "|".join(sorted(found))


def _filled(kind: str) -> str:
    return kind.replace("array:empty", "array")


def _types(kind: str) -> set[str]:
    """The JSON types in a kind: ``string:price|integer`` -> {string, integer}."""
    return {part.split(":")[0] for part in kind.split("|")}


@dataclass(frozen=True, order=True)
class Drift:
    """One difference in shape between a recorded answer and the fake's."""

    path: str
    kind: str
    recorded: str | None
    fake: str | None

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: platform {self.recorded or '-'}, fake {self.fake or '-'}"


def diff(recorded: Mapping[str, str], fake: Mapping[str, str]) -> list[Drift]:
    """The differences between two shapes, sorted by path.

    Fields under a list that is empty on either side are not compared: an
    empty page says nothing about the shape of an item.
    """
    unknown = [p for side in (recorded, fake) for p, k in side.items() if k == "array:empty"]
    drifts = []
    for path in sorted(recorded.keys() | fake.keys()):
        if any(path.startswith(prefix + "[]") for prefix in unknown):
            continue
        drift = _compare(path, recorded.get(path), fake.get(path))
        if drift is not None:
            drifts.append(drift)
    return drifts


def _compare(path: str, recorded: str | None, fake: str | None) -> Drift | None:
    if recorded == fake:
        return None
    if fake is None:
        return Drift(path, "missing", recorded, None)
    if recorded is None:
        return Drift(path, "extra", None, fake)
    if _filled(recorded) == _filled(fake):
        return None  # a list empty on one side and full on the other: data, not shape
    if _types(recorded) != _types(fake):
        return Drift(path, "type", recorded, fake)
    return Drift(path, "format", recorded, fake)
