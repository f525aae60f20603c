"""The cassette file format: vcrpy's YAML (format version 1), written readably.

Chinese stays text (vcrpy's own YAML writer escapes it as ``\\u``), keys keep
their order, multi-line strings are literal blocks, and a top-level
``pailitao_format`` says which pailitao layout the file follows. Plain vcrpy
loads these files as they are.
"""

from __future__ import annotations

import functools
from typing import Any, Final

__all__ = ["CASSETTE_FORMAT", "SERIALIZER_NAME", "CassetteFormatError", "serializer"]

#: The layout of the interactions inside a cassette; bumped on incompatible change.
CASSETTE_FORMAT: Final = 1
SERIALIZER_NAME: Final = "pailitao-yaml"


class CassetteFormatError(ValueError):
    """A cassette was written by a newer pailitao, or is not a cassette at all."""


@functools.cache
def _dumper() -> Any:
    import yaml  # noqa: PLC0415 - PyYAML comes with the `record` extra

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when PyYAML has it

    class Dumper(base):  # type: ignore[valid-type,misc]
        """Safe YAML with multi-line strings as literal blocks."""

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


class _Serializer:
    """A vcrpy serializer (``serialize``/``deserialize`` of the cassette dict)."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        import yaml  # noqa: PLC0415

        data = {"pailitao_format": CASSETTE_FORMAT, **cassette}
        text: str = yaml.dump(
            data, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=100
        )
        return text

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        import yaml  # noqa: PLC0415

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        if not isinstance(data, dict) or "interactions" not in data:
            raise CassetteFormatError("not a vcrpy cassette: no top-level 'interactions'")
        found = data.get("pailitao_format", CASSETTE_FORMAT)
        if not isinstance(found, int) or found > CASSETTE_FORMAT:
            raise CassetteFormatError(
                f"cassette format {found!r} is newer than this pailitao understands "
                f"({CASSETTE_FORMAT}); upgrade pailitao"
            )
        return data


serializer: Final = _Serializer()
