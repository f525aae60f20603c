"""The TOP router dialect (``/openapi/router/rest``): what goes over the wire.

One POST (or GET) per call, every parameter a form field: the system params
``method``, ``app_key``, ``timestamp``, ``v``, ``format``, ``sign_method`` and
``sign`` beside the API's own. Signing is :mod:`pailitao.wire.signing`.
Answers are HTTP 200: ``{"<method>_response": {...}}`` on success (named by
:func:`response_key`) and
``{"error_response": {"code", "msg", "sub_code", "sub_msg", "request_id"}}``
on failure, with the codes below (api-notes §2.2).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULT_BASE_URL",
    "ERROR_KEY",
    "LEGACY_RESPONSE_KEYS",
    "LIVE_SPELLINGS",
    "PLATFORM_CODES",
    "REQUEST_ID_LENGTH",
    "ROUTER_PATHS",
    "SEARCH_METHOD",
    "SEARCH_RESPONSE_KEY",
    "SUB_INVALID",
    "SUB_MISSING",
    "UPLOAD_METHOD",
    "UPLOAD_RESPONSE_KEY",
    "VERSION",
    "request_id",
    "response_key",
]

#: The live router, as the seed article calls it.
DEFAULT_BASE_URL: Final = "https://api.1688.com/openapi/router/rest"
#: The URL paths the router answers at.
ROUTER_PATHS: Final = frozenset({"/router/rest", "/openapi/router/rest"})
SEARCH_METHOD: Final = "1688.items.search.img"
UPLOAD_METHOD: Final = "1688.upload.img"
#: The one API version the router speaks (``v``).
VERSION: Final = "2.0"


def response_key(method: str) -> str:
    """Where TOP puts a method's answer: drop a leading ``taobao.``, dots to ``_``, add
    ``_response`` (``taobao.item.get`` → ``item_get_response``); the TOP SDKs look it up so."""
    return method.removeprefix("taobao.").replace(".", "_") + "_response"


#: Where the answers sit in a success envelope.
SEARCH_RESPONSE_KEY: Final = response_key(SEARCH_METHOD)
UPLOAD_RESPONSE_KEY: Final = response_key(UPLOAD_METHOD)
#: Legacy keys of the same answers: older recordings hold them, and they are still read.
LEGACY_RESPONSE_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {SEARCH_RESPONSE_KEY: "items_search_img_response", UPLOAD_RESPONSE_KEY: "upload_img_response"}
)
ERROR_KEY: Final = "error_response"

#: The platform's error codes and their documented ``msg`` (api-notes §2.2).
PLATFORM_CODES: Final[Mapping[int, str]] = MappingProxyType({
    3: "Upload Fail", 4: "User Call Limited", 5: "Session Call Limited",
    7: "App Call Limited", 8: "App Call Exceeds Limited Frequency",
    9: "Http Action Not Allowed", 10: "Service Currently Unavailable",
    11: "Insufficient ISV Permissions", 15: "Remote Service Error", 21: "Missing Method",
    22: "Invalid Method", 23: "Invalid Format", 24: "Missing Signature",
    25: "Invalid Signature", 26: "Missing Session", 27: "Invalid Session",
    28: "Missing App Key", 29: "Invalid App Key", 30: "Missing Timestamp",
    31: "Invalid Timestamp", 32: "Missing Version", 33: "Invalid Version",
    34: "Unsupported Version", 40: "Missing Required Arguments", 41: "Invalid Arguments",
    42: "Forbidden Request", 43: "Parameter Error", 50: "Remote service error",
})  # fmt: skip
#: The lower-case spellings live answers use for a few codes.
LIVE_SPELLINGS: Final[Mapping[int, str]] = MappingProxyType(
    {25: "Invalid signature", 29: "Invalid app Key", 31: "Invalid timestamp"}
)

#: The ``sub_code`` of a caller's mistake: a required param left out, or one malformed
#: or wrong (a ``sign`` that does not match, say); seen on live answers (api-notes §2.2).
SUB_MISSING: Final = "isv.missing-parameter"
SUB_INVALID: Final = "isv.invalid-parameter"

#: Characters in a request id, like the platform's ``13yki55kbv7ug``.
REQUEST_ID_LENGTH: Final = 13
_REQUEST_ID_ALPHABET: Final = b"abcdefghijklmnopqrstuvwxyz234567"
#: Byte -> one of the 32 characters, by its low five bits (256 = 8 x 32: all equally likely).
_REQUEST_ID_OF_BYTE: Final = bytes(_REQUEST_ID_ALPHABET[byte & 31] for byte in range(256))


def request_id(entropy: bytes | None = None) -> str:
    """A request id shaped like the platform's: 13 characters of ``a-z`` and ``2-7``.

    One character per byte of ``entropy`` (13 bytes: a digest of the request
    gives the same id on every run); random without it. The shape is known from
    TOP's envelope only (api-notes §2.2); the fake answers it in every dialect.
    """
    data = secrets.token_bytes(REQUEST_ID_LENGTH) if entropy is None else entropy
    if len(data) != REQUEST_ID_LENGTH:
        raise ValueError(f"a request id takes {REQUEST_ID_LENGTH} bytes, not {len(data)}")
    return data.translate(_REQUEST_ID_OF_BYTE).decode("ascii")
