"""JSON paths as the reports write them, and short renderings of values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Final

__all__ = ["clip", "json_path", "short"]

_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(parts: Iterable[str | int]) -> str:
    """``$.items.item[0].price`` from ``["items", "item", 0, "price"]``.

    Keys that are not identifiers are quoted: ``$['a b']``.
    """
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _NAME.match(part):
            text += f".{part}"
        else:
            text += "[" + json.dumps(part, ensure_ascii=False).replace('"', "'") + "]"
    return text


def short(value: object, limit: int = 60) -> str:
    """A one-line rendering of a value, cut to ``limit`` characters."""
    if isinstance(value, bytes):
        text = repr(value)
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(text: str, limit: int = 120) -> str:
    """Plain text on one line, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
