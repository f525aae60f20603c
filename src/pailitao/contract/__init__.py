"""Contract checks: one schema for the platform, the fake and the parser.

* :mod:`~pailitao.contract.schemas` generates the JSON Schemas of the answer
  envelopes (the TOP router's three, the 1688 Open Platform's four) from the
  client's models (``python -m pailitao.contract.schemas --write``);
  :mod:`~pailitao.contract.envelopes` tells which envelope an answer is in.
* :mod:`~pailitao.contract.check` validates recorded answers with small
  registered checks (``pailitao contract check PATH...``).
* :mod:`~pailitao.contract.shape` computes the shape of an answer and the
  drifts between two shapes; :mod:`~pailitao.contract.replay` replays recorded
  requests against the fake (``pailitao contract diff``) and
  :mod:`~pailitao.contract.live` compares with the live API
  (``pailitao contract live-check``).

Names are loaded on first use: importing this package costs nothing, and
jsonschema, PyYAML and the fake are imported only by the code that needs them.
See ``docs/reference/contract.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .allow import AllowEntry, AllowList, AllowListError
    from .check import (
        Case,
        CheckFailed,
        Failure,
        check_files,
        check_recorded,
        register_check,
        registered_checks,
    )
    from .replay import DiffReport, diff_cassettes
    from .schemas import generate, load_schema
    from .shape import Drift, diff, shape

__all__ = [
    "AllowEntry",
    "AllowList",
    "AllowListError",
    "Case",
    "CheckFailed",
    "DiffReport",
    "Drift",
    "Failure",
    "check_files",
    "check_recorded",
    "diff",
    "diff_cassettes",
    "generate",
    "load_schema",
    "register_check",
    "registered_checks",
    "shape",
]

_HOMES: Final = {
    **dict.fromkeys(("AllowEntry", "AllowList", "AllowListError"), "allow"),
    **dict.fromkeys(
        (
            "Case",
            "CheckFailed",
            "Failure",
            "check_files",
            "check_recorded",
            "register_check",
            "registered_checks",
        ),
        "check",
    ),
    **dict.fromkeys(("DiffReport", "diff_cassettes"), "replay"),
    **dict.fromkeys(("generate", "load_schema"), "schemas"),
    **dict.fromkeys(("Drift", "diff", "shape"), "shape"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pailitao.contract' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
