"""The resellers' REST dialect (``/1688/item_search_img/``): what goes over the wire.

Resellers' gateways (onebound's and its copies) sell 1688 data by the call::

    GET <base>/1688/item_search_img/?key=…&secret=…&imgid=<image URL>&page=2&sort=_bid2
    GET|POST <base>/1688/upload_img/  imgcode=<base64>   → items.item.name: the hosted URL

The credentials travel in the query string, unsigned. Every answer is JSON
beside ``error_code`` (``"0000"`` when it worked) and ``reason``; a search's
page sits in ``items``. Sources: onebound's API pages, the SDK
``onebound-sdk`` (``onebound/client.py``) and api-notes §2.5.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "COMMON_PARAMS",
    "CREDENTIAL_PARAMS",
    "DEFAULT_BASE_URL",
    "ERROR_CODES",
    "LANGS",
    "PLATFORM",
    "SEARCH_API",
    "SORTS",
    "SUCCESS_CODE",
    "SUCCESS_CODES",
    "UPLOAD_API",
    "api_path",
]

#: onebound's gateway, the one the SDK calls first.
DEFAULT_BASE_URL: Final = "https://api-gw.onebound.cn"
#: The platform segment of the path: resellers serve Taobao, JD and others the same way.
PLATFORM: Final = "1688"
SEARCH_API: Final = "item_search_img"
UPLOAD_API: Final = "upload_img"
#: The params that carry the caller's credentials, in clear, in the URL.
CREDENTIAL_PARAMS: Final = ("key", "secret")
#: What every call may carry beside its own params (the SDK always sends the first four).
COMMON_PARAMS: Final = ("api_name", "cache", "result_type", "lang", "version")
#: ``sort``: price (``bid2``) or sales (``sale``); a leading ``_`` means descending.
SORTS: Final[Mapping[str, str]] = MappingProxyType(
    {"bid2": "price_asc", "_bid2": "price_desc", "sale": "sales_asc", "_sale": "sales_desc"}
)
#: ``lang``: the language of the titles.
LANGS: Final = ("cn", "en", "ru")

SUCCESS_CODE: Final = "0000"
#: Every spelling of success seen in resellers' answers.
SUCCESS_CODES: Final = frozenset({SUCCESS_CODE, "0", "200", ""})
#: The published error codes and what they mean.
ERROR_CODES: Final[Mapping[str, str]] = MappingProxyType({
    "2000": "no result", "4000": "server error", "4003": "parameter error",
    "4005": "bad credentials (key or secret)", "4008": "rate limit",
    "4013": "calls exceeded", "4014": "a required param is missing from the url",
    "4016": "insufficient balance", "5000": "unknown error",
})  # fmt: skip


def api_path(api_name: str, platform: str = PLATFORM) -> str:
    """The URL path of an API: ``/1688/item_search_img/`` (the trailing slash included)."""
    return f"/{platform}/{api_name}/"
