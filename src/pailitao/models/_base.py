"""What the response models of :mod:`pailitao.models` and :mod:`pailitao.models._aop` share.

Both read the platform's answers the same way: immutable, unknown keys kept
(``model_extra``) and rendered back, fields read by name or by wire alias, and a
value sent as ``None`` or ``""`` read as absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["WireModel", "blank_as_none"]

_T = TypeVar("_T")


class WireModel(BaseModel):
    """The base of the response models; a subclass's ``model_config`` adds to this one."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,  # build the validator on first use: keeps `import pailitao` light
    )


def blank_as_none(read: Callable[[object], _T]) -> Callable[[object], _T | None]:
    """``read`` for a value that is there; ``None`` for one sent as ``None`` or ``""``."""

    def optional(value: object) -> _T | None:
        return None if value is None or value == "" else read(value)

    return optional
