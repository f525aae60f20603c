"""JSON Schemas (Draft 2020-12) of the answer envelopes, generated from the models.

One source of truth: an item's properties are :class:`pailitao.models.Item`'s
fields under their wire names (``turnHead``), a page's are
:class:`~pailitao.models.SearchPage`'s, and the error envelope's are the
arguments of :class:`~pailitao.errors.ApiError`. The 1688 Open Platform's
("AOP") answers are generated the same way from the models the client reads
them with (:class:`~pailitao.models.AopOffer` and its parts, the page, the
outcome) and from what :func:`~pailitao.models.parse_aop_error` reads of an
error. Adding a field to a model changes the schema, and a test fails until
the shipped files are regenerated::

    python -m pailitao.contract.schemas --write   # regenerate the shipped and published files
    python -m pailitao.contract.schemas --check   # exit 1 if they are stale

The *types* are the wire's, not Python's: prices are strings with two decimals
(``"90.00"``) or a range (``"12.50-18.00"``), ``num_iid`` a string of digits,
counts JSON integers. AOP's types are those of the official output example
(``tests/data/payloads/``): ``offerId`` a JSON integer, prices text
(``"1"``, ``"12.50"``), some counts text (``"sales7d": "1"``). Unknown fields
are allowed everywhere (the platform adds fields); ``pailitao contract diff``
reports them. Which fields are required is decided in
:data:`REQUIRED_ITEM_FIELDS` and :data:`AOP_REQUIRED` and explained in
``docs/reference/contract.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from annotated_types import Ge
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .. import models
from ..errors import ApiError
from ..models import Item, SearchPage, _aop
from ..wire import aop, reseller, top

__all__ = [
    "AOP_BUSINESS_ERROR",
    "AOP_ENVELOPES",
    "AOP_GATEWAY_ERROR",
    "AOP_REQUIRED",
    "AOP_SEARCH",
    "AOP_UPLOAD",
    "ENVELOPES",
    "REQUIRED_ITEM_FIELDS",
    "REQUIRED_PAGE_FIELDS",
    "RESELLER_ENVELOPES",
    "RESELLER_ERROR",
    "RESELLER_SEARCH",
    "RESELLER_UPLOAD",
    "SCHEMAS",
    "SCHEMA_FILES",
    "aop_business_error_schema",
    "aop_gateway_error_schema",
    "aop_search_schema",
    "aop_upload_schema",
    "error_schema",
    "generate",
    "load_schema",
    "main",
    "render",
    "reseller_error_schema",
    "reseller_search_schema",
    "reseller_upload_schema",
    "search_schema",
    "upload_schema",
]

Schema = dict[str, Any]

#: Envelope key -> schema file name; the checker picks the schema by envelope key.
#: The keys pailitao's fake once answered under are read as well (old cassettes).
ENVELOPES: Final[Mapping[str, str]] = {
    top.SEARCH_RESPONSE_KEY: "search_response.schema.json",
    top.UPLOAD_RESPONSE_KEY: "upload_response.schema.json",
    top.LEGACY_RESPONSE_KEYS[top.SEARCH_RESPONSE_KEY]: "search_response.schema.json",
    top.LEGACY_RESPONSE_KEYS[top.UPLOAD_RESPONSE_KEY]: "upload_response.schema.json",
    top.ERROR_KEY: "error_response.schema.json",
}
#: The Open Platform's answers carry no envelope key of their own: the checker names
#: them by shape (:mod:`pailitao.contract.envelopes`), and these names pick the schema.
AOP_SEARCH: Final = "aop_search"
AOP_UPLOAD: Final = "aop_upload"
AOP_BUSINESS_ERROR: Final = "aop_business_error"
AOP_GATEWAY_ERROR: Final = "aop_gateway_error"
AOP_ENVELOPES: Final[Mapping[str, str]] = {
    AOP_SEARCH: "aop_search_response.schema.json",
    AOP_UPLOAD: "aop_upload_response.schema.json",
    AOP_BUSINESS_ERROR: "aop_business_error.schema.json",
    AOP_GATEWAY_ERROR: "aop_gateway_error.schema.json",
}
#: The resellers' REST dialect (``/1688/item_search_img/``) names no envelope either:
#: a top-level ``items`` beside ``error_code`` is a success, an ``error_code`` alone a failure.
RESELLER_SEARCH: Final = "reseller_search"
RESELLER_UPLOAD: Final = "reseller_upload"
RESELLER_ERROR: Final = "reseller_error"
RESELLER_ENVELOPES: Final[Mapping[str, str]] = {
    RESELLER_SEARCH: "reseller_search_response.schema.json",
    RESELLER_UPLOAD: "reseller_upload_response.schema.json",
    RESELLER_ERROR: "reseller_error.schema.json",
}
#: Every envelope name, TOP's keys, AOP's shapes, then the resellers' -> schema file name.
SCHEMAS: Final[Mapping[str, str]] = {**ENVELOPES, **AOP_ENVELOPES, **RESELLER_ENVELOPES}
SCHEMA_FILES: Final[tuple[str, ...]] = tuple(dict.fromkeys(SCHEMAS.values()))

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


FieldSchema = Callable[[str, FieldInfo], Schema]


def _top_field(name: str, field: FieldInfo) -> Schema:
    """A TOP field's wire schema, with its description or note."""
    schema = _wire_type(name, field.annotation, field.metadata)
    note = field.description or _NOTES.get(name)
    return {**schema, "description": note} if note else schema


def _object(
    model: type[BaseModel],
    required: Sequence[str],
    skip: Sequence[str] = (),
    *,
    field_schema: FieldSchema = _top_field,
) -> Schema:
    """An open object schema from a model's fields, keyed by their wire names.

    ``required`` names wire keys; ``field_schema`` maps one field (its Python
    name and pydantic ``FieldInfo``) to its wire schema.
    """
    properties: Schema = {}
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        properties[field.alias or name] = field_schema(name, field)
    unknown = sorted(set(required) - set(properties))
    if unknown:
        raise ValueError(f"required fields {unknown} are not fields of {model.__name__}")
    return {
        "type": "object",
        "properties": properties,
        "required": [key for key in properties if key in required],
        "additionalProperties": True,
    }


def _document(name: str, title: str, body: Schema, defs: Schema) -> Schema:
    """A whole schema file: its identity, then the object ``body`` describes."""
    return {
        "$schema": _DIALECT,
        "$id": _SCHEMA_ID + SCHEMAS[name].removesuffix(".schema.json"),
        "title": title,
        "description": (
            "Generated from pailitao's models by `python -m pailitao.contract.schemas "
            "--write`; do not edit by hand. Unknown fields are allowed."
        ),
        **body,
        **({"$defs": defs} if defs else {}),
    }


def _open_object(properties: Schema, required: Sequence[str]) -> Schema:
    """An object of ``properties`` with ``required`` keys; unknown keys are allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": True,
    }


def _envelope(key: str, title: str, inner: Schema, defs: Schema) -> Schema:
    """A TOP answer under its key; a success also under its legacy key (exactly one)."""
    legacy = top.LEGACY_RESPONSE_KEYS.get(key)
    if legacy is None:
        return _document(key, title, _open_object({key: inner}, [key]), defs)
    body = _open_object(dict.fromkeys((key, legacy), inner), [])
    body["oneOf"] = [{"required": [key]}, {"required": [legacy]}]
    return _document(key, title, body, defs)


def _response(items: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {"items": items, "request_id": {"type": "string"}},
        "required": ["items"],
        "additionalProperties": True,
    }


def search_schema() -> Schema:
    """The schema of a search success: ``{"1688_items_search_img_response": {...}}``."""
    item = _object(Item, REQUIRED_ITEM_FIELDS)
    # The request_id travels in the envelope; the page reads it from there.
    page = _object(SearchPage, REQUIRED_PAGE_FIELDS, skip=("request_id",))
    defs = {**_FORMATS, "item": item}
    return _envelope(
        top.SEARCH_RESPONSE_KEY, "1688.items.search.img success", _response(page), defs
    )


def upload_schema() -> Schema:
    """The schema of an upload success: ``{"1688_upload_img_response": {...}}``.

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
    return _envelope(top.UPLOAD_RESPONSE_KEY, "1688.upload.img success", _response(items), {})


def error_schema() -> Schema:
    """The schema of the error envelope, from :class:`ApiError`'s arguments.

    Arguments without a default (``code``, ``msg``) are required.
    """
    # The TOP envelope's code is an integer (an Open Platform code is text, in another envelope).
    names = {name: name for name, _ in _parameters(ApiError)}
    inner = _error_object(names, int)
    return _envelope("error_response", "TOP error envelope", inner, {})


def _error_object(names: Mapping[str, str], code: type) -> Schema:
    """An error's object: :class:`ApiError`'s arguments under the wire keys ``names`` gives.

    Arguments ``names`` leaves out have no counterpart on this wire; ``code`` is
    the wire type of the code. Arguments without a default are required.
    """
    hints = {**typing.get_type_hints(ApiError.__init__), "code": code}
    properties: Schema = {}
    required: list[str] = []
    for name, parameter in _parameters(ApiError):
        if name not in names:
            continue
        properties[names[name]] = _wire_type(name, hints[name])
        if parameter.default is parameter.empty:
            required.append(names[name])
    return _open_object(properties, required)


# -- the Open Platform ----------------------------------------------------------

#: Java's ``long``: the documented type of AOP ids and counts, and what the model reads.
_LONG_MAX: Final = 2**63 - 1

#: AOP wire formats. Amounts are text of any precision (the example's ``"1"``);
#: dates are ``yyyy-MM-dd HH:mm:ss``, as the example writes them.
_AOP_FORMATS: Final[Mapping[str, Schema]] = {
    "amount": {
        "type": "string",
        "pattern": r"^[0-9]+(\.[0-9]+)?$",
        "description": "an amount as text, like '12.50' or '1'",
    },
    "digits": {
        "type": "string",
        "pattern": "^[0-9]+$",
        "description": "a count as text, a string of digits like '12'",
    },
    "percent": _FORMATS["percent"],
    "url": _FORMATS["url"],
    "datetime": {
        "type": "string",
        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
        "description": "a time like '2024-04-20 08:00:00'",
    },
}

#: Where the model's type leaves the JSON type open, the official output example
#: decides: these counts travel as text (``"sales7d": "1"``); every other count,
#: and every id, is a JSON integer (``"monthSold": 1234``).
_AOP_TEXT_COUNTS: Final = frozenset(
    {"sales7d", "addCartCount7d", "payBuyerCount7d", "addCartCount30d", "payBuyerCount30d"}
)
#: Wire key -> format, where the contract pins more than "a string". ``imageUrl`` is
#: left a plain string: the official example shows a placeholder there (``"图片url"``).
_AOP_FIELD_FORMATS: Final[Mapping[str, str]] = {
    "promotionURL": "url",
    "createDate": "datetime",
    "modifyDate": "datetime",
    **dict.fromkeys(
        (
            "repurchaseRate",
            "perfectFulfillmentRate30d",
            "pickupWithin24hRate30d",
            "qualityReturnRate30d",
            "perfectFulfillmentRate7d",
            "pickupWithin24hRate7d",
            "delayedShippingRate7d",
            "offerApplauseRate",
            "qualityRfdRate30d",
            "repurchaseRate30d",
            "pickupRate24h30d",
        ),
        "percent",
    ),
}
#: ``success`` of a success: the docs type it String, and their example shows a
#: placeholder (``"是否成功"``); the platform and the fake send ``true``.
_SUCCESS: Final[Schema] = {
    "type": ["boolean", "string"],
    "description": "true; the docs type it String, so any text but 'false' reads as success",
}
_FAILURE: Final[Schema] = {
    "enum": [False, "false"],
    "description": "false (the docs type it String: 'false' too)",
}

#: What each AOP object must carry, by wire key. The model's own requirements
#: (``offerId``, ``subject``; the page's numbers) always; then, as for a TOP item,
#: the picture and the price (a hit without them cannot be shown or filtered),
#: and the page's ``data`` list, empty past the last page.
AOP_REQUIRED: Final[Mapping[type[BaseModel], tuple[str, ...]]] = {
    _aop.AopOffer: ("offerId", "subject", "imageUrl", "priceInfo"),
    _aop.AopPriceInfo: ("price",),
    _aop.AopPage: ("totalRecords", "pageSize", "currentPage", "data"),
}

#: Def names of the AOP models: the model's name without ``Aop``, in lowerCamelCase.
_AOP_MODELS: Final[tuple[type[BaseModel], ...]] = (
    _aop.AopPage,
    _aop.AopOffer,
    _aop.AopPriceInfo,
    _aop.AopPromotionModel,
    _aop.AopSellerDataInfo,
    _aop.AopProductShippingInfo,
    _aop.AopOfferDataInfo,
    _aop.AopProductTradeInfo,
    _aop.AopInvoiceInfo,
    _aop.AopPicRegion,
)


def _def_name(model: type[BaseModel]) -> str:
    name = model.__name__.removeprefix("Aop")
    return name[:1].lower() + name[1:]


#: AOP Python types whose wire type is fixed, whatever the field.
_AOP_SCALARS: Final[Mapping[Any, Schema]] = {
    bool: {"type": "boolean"},
    Decimal: _ref("amount"),
    str: {"type": "string"},
    tuple[str, ...]: {"type": "array", "items": {"type": "string"}},
}


def _aop_wire_type(wire: str, annotation: Any, metadata: Sequence[object] = ()) -> Schema:
    """The wire schema of one AOP field; a new Python type must be mapped here on purpose."""
    if wire in _AOP_FIELD_FORMATS:
        return _ref(_AOP_FIELD_FORMATS[wire])
    kind = _without_none(annotation)
    if kind is int:
        return _aop_integer(wire, metadata)
    if kind in _AOP_SCALARS:
        return dict(_AOP_SCALARS[kind])
    return _aop_nested(wire, annotation, kind)


def _aop_integer(wire: str, metadata: Sequence[object]) -> Schema:
    """A Java long: a JSON integer, or digits where the docs send the count as text."""
    if wire in _AOP_TEXT_COUNTS:
        return _ref("digits")
    floor = next((m.ge for m in metadata if isinstance(m, Ge)), 0)
    return {"type": "integer", "minimum": floor, "maximum": _LONG_MAX}


def _aop_nested(wire: str, annotation: Any, kind: Any) -> Schema:
    """An AOP model, or a list of them, as a reference to its ``$defs`` entry."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) is list and args and args[0] in _AOP_MODELS:
        return {"type": "array", "items": _ref(_def_name(args[0]))}
    if kind in _AOP_MODELS:
        return _ref(_def_name(kind))
    raise TypeError(
        f"field {wire!r} has type {annotation!r}, which has no wire type yet; "
        "map it in pailitao.contract.schemas._aop_wire_type"
    )


def _aop_field(name: str, field: FieldInfo) -> Schema:
    return _aop_wire_type(field.alias or name, field.annotation, field.metadata)


def _aop_defs() -> Schema:
    """The formats, then one open object per AOP model, as ``$defs``."""
    defs: Schema = dict(_AOP_FORMATS)
    for model in _AOP_MODELS:
        required = AOP_REQUIRED.get(model, ())
        _needs_model_fields(model, required)
        defs[_def_name(model)] = _object(model, required, field_schema=_aop_field)
    return defs


def _needs_model_fields(model: type[BaseModel], required: Sequence[str]) -> None:
    """The schema must not accept an object the model cannot be built from."""
    needed = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
    missing = [key for key in needed if key not in required]
    if missing:
        raise ValueError(f"{model.__name__} requires {missing}: add them to AOP_REQUIRED")


def _aop_outcome(result: Schema | None, success: Schema = _SUCCESS) -> Schema:
    """``{"success", "code", "message", "result"}`` from :class:`AopSearchInfo`'s outcome."""
    fields = {"success", "code", "message"}
    skip = [name for name in _aop.AopSearchInfo.model_fields if name not in fields]
    outcome = _object(_aop.AopSearchInfo, ["success"], skip, field_schema=_aop_field)
    outcome["properties"]["success"] = success
    if result is not None:
        outcome["properties"]["result"] = result
        outcome["required"].append("result")
    return outcome


def _aop_result(name: str, title: str, outcome: Schema, defs: Schema) -> Schema:
    return _document(name, title, _open_object({"result": outcome}, ["result"]), defs)


def aop_search_schema() -> Schema:
    """The schema of an AOP search success: ``{"result": {"success", …, "result": page}}``."""
    outcome = _aop_outcome(_ref(_def_name(_aop.AopPage)))
    title = f"{aop.SEARCH_API} success (1688 Open Platform)"
    return _aop_result(AOP_SEARCH, title, outcome, _aop_defs())


def aop_upload_schema() -> Schema:
    """The schema of an AOP upload success: ``result.result`` is the imageId."""
    image_id = {"type": "string", "minLength": 1, "description": "the imageId"}
    title = f"{aop.UPLOAD_API} success (1688 Open Platform)"
    return _aop_result(AOP_UPLOAD, title, _aop_outcome(image_id), {})


def aop_business_error_schema() -> Schema:
    """The schema of an AOP business failure: HTTP 200, ``result.success`` false.

    ``code`` and ``message`` are what :func:`~pailitao.models.parse_aop_error`
    reads as :class:`ApiError`'s ``code`` and ``msg``, both required.
    """
    failure = _error_object({"code": "code", "msg": "message"}, str)
    failure["properties"] = {"success": _FAILURE, **failure["properties"]}
    failure["required"] = ["success", *failure["required"]]
    title = "business failure (1688 Open Platform)"
    return _aop_result(AOP_BUSINESS_ERROR, title, failure, {})


def aop_gateway_error_schema() -> Schema:
    """The schema of the AOP gateway's refusal (HTTP 4xx/5xx), from :class:`ApiError`'s arguments.

    ``error_code`` and ``error_message`` are ``code`` and ``msg`` (required);
    ``exception`` is ``sub_msg`` and ``request_id`` itself. The codes are text
    (``"gw.SignatureInvalid"``, ``"401"``): the platform adds codes, so none is pinned.
    """
    names = {
        "code": aop.ERROR_CODE_KEY,
        "msg": aop.ERROR_MESSAGE_KEY,
        "sub_msg": "exception",
        "request_id": "request_id",
    }
    body = _error_object(names, str)
    title = "gateway error (1688 Open Platform)"
    return _document(AOP_GATEWAY_ERROR, title, body, {})


# -- the resellers' REST dialect ------------------------------------------------

#: What every reseller answer carries beside ``items`` and ``error_code``, as the
#: fake and onebound send it; none is required (resellers differ), none is read.
_RESELLER_TAIL: Final[Schema] = {
    "reason": {"type": "string", "description": "'ok', or what went wrong"},
    "error": {"type": "string", "description": "'' on success, else the code's meaning"},
    "cache": {"description": "0 or 1 (whether the reseller answered from its cache)"},
    "api_info": {"type": "string"},
    "execution_time": {"type": ["string", "number"]},
    "server_time": {"type": "string"},
    "call_args": {
        "type": ["object", "array"],
        "description": "the API's own params as sent (never key or secret); [] when none",
    },
    "api_type": {"type": "string"},
    "translate_language": {"type": "string"},
    "request_id": {"type": "string"},
}
#: ``error_code`` of a success: every spelling the parser reads as one (``"0000"`` mostly);
#: a search that found nothing answers ``"2000"`` with its empty page.
_RESELLER_OK: Final[Schema] = {
    "enum": sorted(reseller.SUCCESS_CODES),
    "description": "'0000' (or another spelling of success: '0', '200', '')",
}
_NUM_IID_NUMBER: Final[Schema] = {
    "type": "integer",
    "minimum": 0,
    "description": "resellers send num_iid as a number too",
}
_DIGITS_OR_COUNT: Final[Schema] = {
    "anyOf": [{"type": "integer", "minimum": 1}, _ref("digits")],
    "description": "a page number: resellers send it as a number or as text",
}


def _reseller_success(items: Schema, code: Schema) -> Schema:
    """``{"items": …, "error_code": …}`` and the tail every reseller answer carries."""
    return _open_object(
        {"items": items, "error_code": code, **_RESELLER_TAIL}, ["items", "error_code"]
    )


def reseller_search_schema() -> Schema:
    """A reseller's search success: ``{"items": page, "error_code": "0000", …}``.

    The page and items are TOP's (from the same models), with the spellings
    resellers use beside them (api-notes §2.5): ``page_count`` for
    ``pagecount`` (one of the two is required), ``page`` as text, ``num_iid``
    as a number and ``turn_head`` or ``tag_percent`` for ``turnHead``.
    """
    top_schema = search_schema()
    defs = top_schema["$defs"]
    item = defs["item"]
    item["properties"]["num_iid"] = {"anyOf": [_ref("digits"), _NUM_IID_NUMBER]}
    item["properties"]["turn_head"] = item["properties"]["turnHead"]
    item["properties"]["tag_percent"] = item["properties"]["turnHead"]
    page = top_schema["properties"][top.SEARCH_RESPONSE_KEY]["properties"]["items"]
    properties = page["properties"]
    properties["page"] = _DIGITS_OR_COUNT
    properties["page_count"] = properties["pagecount"]
    page["required"] = [key for key in page["required"] if key != "pagecount"]
    page["anyOf"] = [{"required": ["pagecount"]}, {"required": ["page_count"]}]
    code = {"enum": [*_RESELLER_OK["enum"], "2000"], "description": _RESELLER_CODE_NOTE}
    title = f"{reseller.SEARCH_API} success (resellers' REST dialect)"
    return _document(RESELLER_SEARCH, title, _reseller_success(page, code), defs)


_RESELLER_CODE_NOTE: Final = (
    "'0000' (or another spelling of success), or '2000' (no result) with its empty page"
)


def reseller_upload_schema() -> Schema:
    """A reseller's upload success: ``items.item{name: <hosted URL>, status: 1}``."""
    items = upload_schema()["properties"][top.UPLOAD_RESPONSE_KEY]["properties"]["items"]
    items["properties"]["item"]["properties"]["name"]["description"] = (
        "the hosted image's URL: the imgid to search by"
    )
    title = f"{reseller.UPLOAD_API} success (resellers' REST dialect)"
    return _document(RESELLER_UPLOAD, title, _reseller_success(items, _RESELLER_OK), {})


def reseller_error_schema() -> Schema:
    """A reseller's failure, from :class:`ApiError`'s arguments: HTTP 200, no ``items``.

    ``error_code`` (any text but a success: the published codes are
    ``pailitao.wire.reseller.ERROR_CODES``, and resellers add their own) and
    ``reason`` are ``code`` and ``msg`` (required); ``error`` is ``sub_msg``.
    """
    names = {"code": "error_code", "msg": "reason", "sub_msg": "error", "request_id": "request_id"}
    failure = _error_object(names, str)
    failure["properties"]["error_code"] = {
        "type": "string",
        "not": {"enum": sorted(reseller.SUCCESS_CODES)},
        "description": "a published code such as '4005' or '4003', never '0000'",
    }
    tail = {k: v for k, v in _RESELLER_TAIL.items() if k not in failure["properties"]}
    failure["properties"] |= tail
    failure["not"] = {"required": ["items"]}
    title = "failure (resellers' REST dialect)"
    return _document(RESELLER_ERROR, title, failure, {})


def _parameters(cls: type) -> list[tuple[str, Any]]:
    import inspect  # noqa: PLC0415 - only the generator needs it

    signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    return [(name, p) for name, p in signature.parameters.items() if name != "self"]


def generate() -> dict[str, Schema]:
    """Every schema, by file name, as the models define them now."""
    return {
        SCHEMAS[top.SEARCH_RESPONSE_KEY]: search_schema(),
        SCHEMAS[top.UPLOAD_RESPONSE_KEY]: upload_schema(),
        SCHEMAS[top.ERROR_KEY]: error_schema(),
        SCHEMAS[AOP_SEARCH]: aop_search_schema(),
        SCHEMAS[AOP_UPLOAD]: aop_upload_schema(),
        SCHEMAS[AOP_BUSINESS_ERROR]: aop_business_error_schema(),
        SCHEMAS[AOP_GATEWAY_ERROR]: aop_gateway_error_schema(),
        SCHEMAS[RESELLER_SEARCH]: reseller_search_schema(),
        SCHEMAS[RESELLER_UPLOAD]: reseller_upload_schema(),
        SCHEMAS[RESELLER_ERROR]: reseller_error_schema(),
    }


def render(schema: Schema) -> str:
    """The file text of a schema: stable, readable, one trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def load_schema(envelope: str) -> Schema:
    """The shipped schema for an envelope name, e.g. ``"error_response"`` or ``"aop_search"``."""
    from importlib import resources  # noqa: PLC0415 - only loaders need it

    try:
        name = SCHEMAS[envelope]
    except KeyError:
        raise KeyError(f"no schema for {envelope!r}; known: {', '.join(SCHEMAS)}") from None
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
            f"error: {args.root} is not the pailitao repository root; pass --root. This "
            "command maintains pailitao's own schema files; in your project, check your "
            "cassettes with 'pailitao contract check DIR'",
            file=sys.stderr,
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
