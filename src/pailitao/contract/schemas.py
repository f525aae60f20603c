"""JSON Schemas (Draft 2020-12) of the three answer envelopes, generated from the models.

One source of truth: an item's properties are :class:`pailitao.models.Item`'s
fields under their wire names (``turnHead``), a page's are
:class:`~pailitao.models.SearchPage`'s, and the error envelope's are the
arguments of :class:`~pailitao.errors.ApiError`. Adding a field to a model
changes the schema, and a test fails until the shipped files are regenerated::

    python -m pailitao.contract.schemas --write   # regenerate the shipped and published files
    python -m pailitao.contract.schemas --check   # exit 1 if they are stale

The *types* are the wire's, not Python's: prices are strings with two decimals
(``"90.00"``) or a range (``"12.50-18.00"``), ``num_iid`` a string of digits,
counts JSON integers. Unknown fields are allowed everywhere (the platform adds
fields); ``pailitao contract diff`` reports them. Which fields are required is
decided in :data:`REQUIRED_ITEM_FIELDS` and explained in ``docs/reference/contract.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from annotated_types import Ge
from pydantic import BaseModel

from .. import models
from ..errors import ApiError
from ..models import Item, SearchPage

__all__ = [
    "ENVELOPES",
    "REQUIRED_ITEM_FIELDS",
    "REQUIRED_PAGE_FIELDS",
    "SCHEMA_FILES",
    "error_schema",
    "generate",
    "load_schema",
    "main",
    "render",
    "search_schema",
    "upload_schema",
]

Schema = dict[str, Any]

#: Envelope key -> schema file name; the checker picks the schema by envelope key.
ENVELOPES: Final[Mapping[str, str]] = {
    "items_search_img_response": "search_response.schema.json",
    "upload_img_response": "upload_response.schema.json",
    "error_response": "error_response.schema.json",
}
SCHEMA_FILES: Final[tuple[str, ...]] = tuple(ENVELOPES.values())

#: What an item must carry. ``num_iid`` and ``title`` because the model cannot be
#: built without them; ``price`` because price filters and sorts act on it, and
#: ``pic_url`` because an image-search hit without its picture cannot be shown.
#: Every other field (promotion price, sales, seller, area, repurchase rate,
#: category, links) is optional: the platform leaves them out for some offers.
REQUIRED_ITEM_FIELDS: Final[tuple[str, ...]] = ("num_iid", "title", "price", "pic_url")
#: What a page must carry: the paging numbers the client pages by, and the list.
#: ``real_total_results`` is optional (only the reseller dialect is known to send it).
REQUIRED_PAGE_FIELDS: Final[tuple[str, ...]] = (
    "page",
    "page_size",
    "pagecount",
    "total_results",
    "item",
)

_SCHEMA_ID: Final = "urn:pailitao:contract:"
_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

#: Wire formats the contract pins (api-notes §2.3 and §3). The descriptions say
#: what was expected; the checker quotes them when a value does not match.
_FORMATS: Final[Mapping[str, Schema]] = {
    "price": {
        "type": "string",
        "pattern": r"^[0-9]+\.[0-9]{2}$",
        "description": "a price string with two decimals, like '90.00'",
    },
    "price_or_range": {
        "type": "string",
        "pattern": r"^[0-9]+\.[0-9]{2}(-[0-9]+\.[0-9]{2})?$",
        "description": "a price string like '90.00' or a range like '12.50-18.00'",
    },
    "digits": {
        "type": "string",
        "pattern": "^[0-9]+$",
        "description": "a string of digits, like '610947572360'",
    },
    "url": {
        "type": "string",
        "pattern": r"^(https?:)?//\S+$",
        "description": "an http(s) URL or a scheme-relative '//host/path'",
    },
    "percent": {
        "type": "string",
        "pattern": r"^[0-9]+(\.[0-9]+)?%$",
        "description": "a percentage string, like '15%'",
    },
}

#: Field name -> wire format, where the contract pins more than the Python type.
_FIELD_FORMATS: Final[Mapping[str, str]] = {
    "num_iid": "digits",
    "price": "price_or_range",
    "pic_url": "url",
    "detail_url": "url",
    "turn_head": "percent",
}


#: Notes on fields the parser reads but the platform is not known to send.
_NOTES: Final[Mapping[str, str]] = {
    "price_max": "the high end of a price range; the platform sends ranges inside 'price'",
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _without_none(annotation: Any) -> Any:
    """``X`` from ``X | None``; other annotations unchanged."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _wire_type(name: str, annotation: Any, metadata: Sequence[object] = ()) -> Schema:
    """The wire schema of one field; a new Python type must be mapped here on purpose."""
    if name in _FIELD_FORMATS:
        return _ref(_FIELD_FORMATS[name])
    kind = _without_none(annotation)
    if kind is str:
        return {"type": "string"}
    if kind is Decimal:
        return _ref("price")
    if kind is int:
        # Every integer in these answers is a count or a number of pages or a code.
        floor = next((m.ge for m in metadata if isinstance(m, Ge)), 0)
        return {"type": "integer", "minimum": floor}
    if typing.get_origin(kind) is list and typing.get_args(kind) == (models.Item,):
        return {"type": "array", "items": _ref("item")}
    raise TypeError(
        f"field {name!r} has type {annotation!r}, which has no wire type yet; "
        "map it in pailitao.contract.schemas._wire_type"
    )


def _object(model: type[BaseModel], required: Sequence[str], skip: Sequence[str] = ()) -> Schema:
    """An open object schema from a model's fields, keyed by their wire names."""
    properties: Schema = {}
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        wire = field.alias or name
        schema = _wire_type(name, field.annotation, field.metadata)
        note = field.description or _NOTES.get(name)
        if note:
            schema = {**schema, "description": note}
        properties[wire] = schema
    unknown = sorted(set(required) - set(properties))
    if unknown:
        raise ValueError(f"required fields {unknown} are not fields of {model.__name__}")
    return {
        "type": "object",
        "properties": properties,
        "required": [key for key in properties if key in required],
        "additionalProperties": True,
    }


def _envelope(key: str, title: str, inner: Schema, defs: Schema) -> Schema:
    return {
        "$schema": _DIALECT,
        "$id": _SCHEMA_ID + ENVELOPES[key].removesuffix(".schema.json"),
        "title": title,
        "description": (
            "Generated from pailitao's models by `python -m pailitao.contract.schemas "
            "--write`; do not edit by hand. Unknown fields are allowed."
        ),
        "type": "object",
        "properties": {key: inner},
        "required": [key],
        "additionalProperties": True,
        **({"$defs": defs} if defs else {}),
    }


def _response(items: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {"items": items, "request_id": {"type": "string"}},
        "required": ["items"],
        "additionalProperties": True,
    }


def search_schema() -> Schema:
    """The schema of a search success: ``{"items_search_img_response": {...}}``."""
    item = _object(Item, REQUIRED_ITEM_FIELDS)
    # The request_id travels in the envelope; the page reads it from there.
    page = _object(SearchPage, REQUIRED_PAGE_FIELDS, skip=("request_id",))
    defs = {**_FORMATS, "item": item}
    return _envelope(
        "items_search_img_response", "1688.items.search.img success", _response(page), defs
    )


def upload_schema() -> Schema:
    """The schema of an upload success: ``{"upload_img_response": {...}}``.

    ``name`` (the imgid) is what the client reads; ``status`` is 1 on the wire.
    """
    item = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "description": "the imgid"},
            "status": {"type": "integer"},
        },
        "required": ["name"],
        "additionalProperties": True,
    }
    items = {
        "type": "object",
        "properties": {"item": item},
        "required": ["item"],
        "additionalProperties": True,
    }
    return _envelope("upload_img_response", "1688.upload.img success", _response(items), {})


def error_schema() -> Schema:
    """The schema of the error envelope, from :class:`ApiError`'s arguments.

    Arguments without a default (``code``, ``msg``) are required.
    """
    # The TOP envelope's code is an integer (an Open Platform code is text, in another envelope).
    hints = {**typing.get_type_hints(ApiError.__init__), "code": int}
    properties: Schema = {}
    required: list[str] = []
    for name, parameter in _parameters(ApiError):
        properties[name] = _wire_type(name, hints[name])
        if parameter.default is parameter.empty:
            required.append(name)
    inner = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }
    return _envelope("error_response", "TOP error envelope", inner, {})


def _parameters(cls: type) -> list[tuple[str, Any]]:
    import inspect  # noqa: PLC0415 - only the generator needs it

    signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    return [(name, p) for name, p in signature.parameters.items() if name != "self"]


def generate() -> dict[str, Schema]:
    """Every schema, by file name, as the models define them now."""
    return {
        ENVELOPES["items_search_img_response"]: search_schema(),
        ENVELOPES["upload_img_response"]: upload_schema(),
        ENVELOPES["error_response"]: error_schema(),
    }


def render(schema: Schema) -> str:
    """The file text of a schema: stable, readable, one trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def load_schema(envelope: str) -> Schema:
    """The shipped schema for an envelope key, e.g. ``"error_response"``."""
    from importlib import resources  # noqa: PLC0415 - only loaders need it

    try:
        name = ENVELOPES[envelope]
    except KeyError:
        raise KeyError(f"no schema for {envelope!r}; known: {', '.join(ENVELOPES)}") from None
    text = (resources.files("pailitao") / "schemas" / name).read_text("utf-8")
    loaded: Schema = json.loads(text)
    return loaded


def _targets(root: Path) -> list[Path]:
    """Where the files live: shipped in the package, published in the docs."""
    return [root / "src" / "pailitao" / "schemas", root / "docs" / "schemas"]


def _stale(root: Path) -> list[Path]:
    wanted = {name: render(schema) for name, schema in generate().items()}
    stale = []
    for folder in _targets(root):
        for name, text in wanted.items():
            path = folder / name
            if not path.is_file() or path.read_text("utf-8") != text:
                stale.append(path)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pailitao.contract.schemas --write|--check [--root DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m pailitao.contract.schemas")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the schema files")
    action.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    parser.add_argument("--root", type=Path, default=Path(), help="the repository root")
    args = parser.parse_args(argv)
    if not (args.root / "src" / "pailitao").is_dir():
        print(
            f"error: {args.root} is not the pailitao repository root; pass --root", file=sys.stderr
        )
        return 2
    stale = _stale(args.root)
    if args.check:
        for path in stale:
            print(f"stale: {path} (run python -m pailitao.contract.schemas --write)")
        return 1 if stale else 0
    texts = {name: render(schema) for name, schema in generate().items()}
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[path.name], "utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
