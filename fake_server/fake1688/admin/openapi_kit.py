"""Building blocks of the OpenAPI document, shared by its TOP and Open Platform parts.

Plain dicts, so each part reads as the JSON it becomes.
"""

from __future__ import annotations

from typing import Any, Final

from fake1688.engine.faults import HTTP_STATUSES

__all__ = [
    "BOOL",
    "INT",
    "JSON",
    "STR",
    "injected_responses",
    "json_response",
    "obj",
    "ref",
]

JSON: Final = "application/json"
STR: Final = {"type": "string"}
INT: Final = {"type": "integer"}
BOOL: Final = {"type": "boolean"}


def ref(name: str) -> dict[str, str]:
    """A reference to ``components/schemas/<name>``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object schema; more properties are allowed unless the caller closes it."""
    return {"type": "object", "required": required, "properties": properties}


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response whose body is JSON of ``schema``."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def injected_responses(
    error: dict[str, Any], description: str = "only when an http_error fault is injected"
) -> dict[str, Any]:
    """HTTP 5xx as an ``http_error`` fault answers it: a proxy's HTML page or ``error`` JSON."""
    return {
        str(status): {
            "description": description,
            "content": {"text/html": {"schema": STR}, JSON: {"schema": error}},
        }
        for status in HTTP_STATUSES
    }
