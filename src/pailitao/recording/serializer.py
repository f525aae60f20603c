"""The cassette file format: vcrpy's YAML (format version 1), written readably.

Chinese stays text (vcrpy's own YAML writer escapes it as ``\\u``), keys keep
their order, multi-line strings are literal blocks, and a top-level
``pailitao_format`` says which pailitao layout the file follows. Plain vcrpy
loads these files as they are.

The persister reads and writes the files as UTF-8 and checks each cassette as
it loads it (:mod:`pailitao.recording.validate`), so a broken one raises
:class:`~pailitao.errors.CassetteError` naming the file, the interaction and
the field. It marks every answer it loads with the header
:data:`~pailitao.client._answers.REPLAYED_FROM_HEADER` (the file and the interaction): the
client reports an unreadable answer so marked at once, naming where it was
recorded, instead of retrying it (the same answer would play again, or none).
The mark is dropped again when a cassette is saved.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from ..client._answers import REPLAYED_FROM_HEADER
from ..errors import CassetteError
from .validate import CASSETTE_FORMAT, CassetteFormatError, decode_cassette, parse_cassette

__all__ = [
    "CASSETTE_FORMAT",
    "SERIALIZER_NAME",
    "CassetteFormatError",
    "CassettePersister",
    "serializer",
]

SERIALIZER_NAME: Final = "pailitao-yaml"


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
        """The cassette in ``text``, checked; :class:`CassettePersister` names the file too."""
        return parse_cassette(text)


serializer: Final = _Serializer()


class CassettePersister:
    """vcrpy's filesystem persister for pailitao's cassettes: checked, marked, UTF-8.

    A broken cassette raises :class:`~pailitao.errors.CassetteError` in every
    record mode but ``all``, which records it anew (vcrpy logs why it treats it
    as empty). An empty file is a missing cassette while recording, as in vcrpy,
    and an error in ``none`` mode, where nothing would ever fill it.
    """

    def __init__(self, record_mode: str = "none") -> None:
        self.record_mode = record_mode

    def load_cassette(self, cassette_path: str | Path, serializer: object) -> tuple[Any, ...]:
        """The cassette's requests and responses as vcrpy keeps them (and its metadata, if any).

        The file is read as pailitao's YAML whatever ``serializer`` vcrpy names:
        YAML reads vcrpy's JSON cassettes as well.
        """
        from vcr.persisters.filesystem import (  # noqa: PLC0415 - vcrpy is optional
            CassetteDecodeError,
            CassetteNotFoundError,
        )
        from vcr.request import Request  # noqa: PLC0415

        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        raw = path.read_bytes()
        if not raw.strip() and self.record_mode != "none":
            raise CassetteNotFoundError()
        try:
            data = parse_cassette(decode_cassette(raw, str(path)), str(path))
        except CassetteError as error:
            if self.record_mode != "all":
                raise
            raise CassetteDecodeError(str(error)) from None
        requests, responses = [], []
        for index, interaction in enumerate(data["interactions"]):
            requests.append(Request(**interaction["request"]))
            responses.append(_marked(interaction["response"], f"{path}, interaction {index}"))
        metadata = data.get("metadata")
        return (requests, responses, metadata) if metadata else (requests, responses)

    @staticmethod
    def save_cassette(
        cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        """Write the cassette as UTF-8, without the replay marks."""
        from vcr.serialize import serialize  # noqa: PLC0415

        responses = [_unmarked(response) for response in cassette_dict["responses"]]
        text = serialize({**cassette_dict, "responses": responses}, serializer)
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _marked(response: dict[str, Any], where: str) -> dict[str, Any]:
    """A loaded answer as vcrpy plays it: the body as bytes, marked with where it was recorded."""
    # A header value is ASCII: a path in another script travels percent-encoded.
    mark = quote(where, safe="/:, ")
    body = response["body"]["string"]
    return {
        **response,
        "headers": {**response["headers"], REPLAYED_FROM_HEADER: [mark]},
        "body": {**response["body"], "string": body.encode() if isinstance(body, str) else body},
    }


def _unmarked(response: dict[str, Any]) -> dict[str, Any]:
    name = REPLAYED_FROM_HEADER.lower()
    headers = response.get("headers") or {}
    return {**response, "headers": {k: v for k, v in headers.items() if k.lower() != name}}
