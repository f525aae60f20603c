"""The 1688 Open Platform dialect ("AOP", ``gw.open.1688.com``): what goes over the wire.

One form-encoded POST per call, the API named by the URL path::

    POST https://gw.open.1688.com/openapi/param2/1/<namespace>/<name>/<appKey>
    access_token=…&offerQueryParam={"imageId":…}&_aop_timestamp=…&_aop_signature=…

* System params: ``access_token`` (required by the image APIs),
  ``_aop_timestamp`` (optional, epoch ms) and ``_aop_signature``.
* App params of an object type travel as JSON text.
* ``_aop_signature`` = ``UPPER(HEX(HMAC_SHA1(secret, urlPath + concat(sorted(k + v)))))``
  over every param but the signature, where ``urlPath`` starts at ``param2``.
  Each key is joined to its value *before* sorting: ``page``/``pageSize`` sort
  as ``pageSize20`` < ``pagex``, not by key (the platform's published check and
  the SDK ``wnaop`` agree; ``tests/pailitao/wire/test_aop.py`` pins both).
* Answers: ``{"result": {"success", "code", "message", "result"}}`` for the
  API's own outcome (HTTP 200, ``success`` false for a business error), and a
  top-level ``{"error_code": "gw.…", "error_message", "request_id"}`` with an
  HTTP 4xx status when the gateway itself refuses the call.

Sources: the open.1688.com API pages of ``product.search.imageQuery`` and
``product.image.upload``, its signature page (``sysSignature.htm``), and the
AOP Python SDK ``wnaop`` (``aop/api/base.py``); see ``docs/reference/dialects.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Final, NamedTuple

__all__ = [
    "ACCESS_TOKEN",
    "ACL_DECLINED",
    "API_UNSUPPORTED",
    "API_VERSION",
    "APP_KEY_MISSING",
    "APP_KEY_NOT_FOUND",
    "BAD_REQUEST_CODE",
    "BASE_PATH",
    "COUNTRIES",
    "DEFAULT_BASE_URL",
    "ERROR_CODE_KEY",
    "ERROR_MESSAGE_KEY",
    "FREQUENCY_LIMIT",
    "GATEWAY_CODES",
    "HTTP_METHOD",
    "INTERNAL_ERROR",
    "MAX_PAGE_SIZE",
    "NAMESPACE",
    "NO_USAGE_LEFT",
    "PARAM_INVALID",
    "PARAM_MISSING",
    "PROTOCOL",
    "SEARCH_API",
    "SEARCH_PARAM",
    "SERVICE_ERROR_CODE",
    "SIGNATURE",
    "SIGNATURE_INVALID",
    "SIGNATURE_MISSING",
    "SUCCESS_CODE",
    "TIMESTAMP",
    "TIMESTAMP_INVALID",
    "TIME_API",
    "TIME_NAMESPACE",
    "UNAUTHORIZED",
    "UPLOAD_API",
    "UPLOAD_PARAM",
    "ApiPath",
    "GatewayCode",
    "canonical_string",
    "encode_param",
    "parse_path",
    "sign",
    "verify",
]

#: The live gateway; API paths follow it.
DEFAULT_BASE_URL: Final = "https://gw.open.1688.com/openapi"
#: The URL path the gateway's APIs live under.
BASE_PATH: Final = "/openapi"
#: The form-encoded protocol; the signed path starts with it.
PROTOCOL: Final = "param2"
API_VERSION: Final = "1"
#: The cross-border solution's namespace, where the image APIs live.
NAMESPACE: Final = "com.alibaba.fenxiao.crossborder"
SEARCH_API: Final = "product.search.imageQuery"
UPLOAD_API: Final = "product.image.upload"
#: The gateway's clock (``GET/POST /openapi/param2/1/system/currentTimeMillis/<appKey>``),
#: unsigned; it answers the epoch milliseconds as a bare JSON number.
TIME_NAMESPACE: Final = "system"
TIME_API: Final = "currentTimeMillis"

SIGNATURE: Final = "_aop_signature"
TIMESTAMP: Final = "_aop_timestamp"
ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a parameter name
#: The app params of the two image APIs, each a JSON object.
SEARCH_PARAM: Final = "offerQueryParam"
UPLOAD_PARAM: Final = "uploadImageParam"
#: The documented ceiling of ``offerQueryParam.pageSize``.
MAX_PAGE_SIZE: Final = 50


class ApiPath(NamedTuple):
    """The API a URL path names: ``param2/<version>/<namespace>/<name>/<appKey>``."""

    namespace: str
    name: str
    app_key: str
    version: str = API_VERSION

    @property
    def signed(self) -> str:
        """The path as signed: from ``param2`` on, no leading slash."""
        return f"{PROTOCOL}/{self.version}/{self.namespace}/{self.name}/{self.app_key}"

    @property
    def api(self) -> str:
        """``namespace:name``, as the platform's documents name an API."""
        return f"{self.namespace}:{self.name}"

    def url(self, base_url: str) -> str:
        """The URL of this API under a gateway's base URL (e.g. :data:`DEFAULT_BASE_URL`)."""
        return f"{base_url.rstrip('/')}/{self.signed}"


def parse_path(path: str) -> ApiPath | None:
    """The API a request's URL path names, or ``None`` if it is no ``param2`` path.

    ``path`` is the decoded path, with or without the ``/openapi`` prefix.
    """
    text = path.removeprefix(BASE_PATH).strip("/")
    parts = text.split("/")
    if len(parts) != 5 or parts[0] != PROTOCOL or not all(parts):
        return None
    _, version, namespace, name, app_key = parts
    return ApiPath(namespace, name, app_key, version)


def _signed_pairs(params: Mapping[str, object]) -> list[str]:
    pairs = []
    for key, value in params.items():
        if key == SIGNATURE or value is None:
            continue
        if isinstance(value, bytes | bytearray | memoryview) or hasattr(value, "read"):
            continue  # a multipart file part is not signed
        pairs.append(key + (value if isinstance(value, str) else _text(value)))
    pairs.sort()
    return pairs


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def canonical_string(signed_path: str, params: Mapping[str, object]) -> str:
    """What is signed: the path from ``param2`` on, then the sorted ``key+value`` strings.

    ``signed_path`` may start with ``/`` or ``/openapi/``. Every param but
    ``_aop_signature`` counts, an empty value as its bare key; file parts do not.
    """
    path = signed_path.lstrip("/").removeprefix(BASE_PATH.lstrip("/") + "/")
    return path + "".join(_signed_pairs(params))


def sign(signed_path: str, params: Mapping[str, object], secret: str) -> str:
    """``_aop_signature``: upper-case hex HMAC-SHA1 of :func:`canonical_string`."""
    message = canonical_string(signed_path, params).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).hexdigest().upper()


def verify(signed_path: str, params: Mapping[str, object], secret: str) -> bool:
    """Check ``params["_aop_signature"]`` in constant time (hex case-insensitive)."""
    given = params.get(SIGNATURE)
    if not isinstance(given, str) or not given:
        return False
    expected = sign(signed_path, params, secret)
    return hmac.compare_digest(expected.encode("ascii"), given.upper().encode("utf-8"))


def encode_param(value: Mapping[str, object]) -> str:
    """An object-typed app param as the gateway reads it: compact JSON, UTF-8 kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class GatewayCode(NamedTuple):
    """A gateway-level refusal: HTTP ``status`` with ``{"error_code", "error_message"}``."""

    error_code: str
    status: int
    error_message: str


# Quoted from public answers: ACL, no usage left, frequency, unsupported API, missing
# param, and the token's 401. The rest name what the platform's codes name; their
# statuses and messages are the fake's choice (docs/explanations/not-emulated.md).
APP_KEY_MISSING: Final = GatewayCode("gw.AppKeyMissing", 400, "AppKey is missing")
APP_KEY_NOT_FOUND: Final = GatewayCode("gw.AppKeyNotFound", 400, "AppKey is not found")
API_UNSUPPORTED: Final = GatewayCode("gw.APIUnsupported", 400, "API unsupported")
ACL_DECLINED: Final = GatewayCode("gw.APIACLDecline", 400, "AppKey is not allowed(acl)")
SIGNATURE_MISSING: Final = GatewayCode("gw.SignatureMissing", 400, "Signature is missing")
SIGNATURE_INVALID: Final = GatewayCode("gw.SignatureInvalid", 400, "Signature is invalid")
TIMESTAMP_INVALID: Final = GatewayCode("gw.TimestampInvalid", 400, "Timestamp is invalid")
PARAM_MISSING: Final = GatewayCode("gw.ParamMissing", 400, "Required argument is missing")
PARAM_INVALID: Final = GatewayCode("gw.ParamInvalid", 400, "Request parameters are invalid")
HTTP_METHOD: Final = GatewayCode("gw.HttpMethodNotAllowed", 405, "Http method not allowed")
UNAUTHORIZED: Final = GatewayCode("401", 401, "Request need user authorized")
FREQUENCY_LIMIT: Final = GatewayCode(
    "gw.QosAppFrequencyLimit", 400, "App call exceeds limited frequency"
)
NO_USAGE_LEFT: Final = GatewayCode("gw.NoUsageLeftError", 400, "SLA bill has no usage left")
INTERNAL_ERROR: Final = GatewayCode("gw.InternalServerError", 500, "Service is unavailable")

#: Every gateway code, by ``error_code``.
GATEWAY_CODES: Final[Mapping[str, GatewayCode]] = {
    code.error_code: code
    for code in (
        APP_KEY_MISSING, APP_KEY_NOT_FOUND, API_UNSUPPORTED, ACL_DECLINED,
        SIGNATURE_MISSING, SIGNATURE_INVALID, TIMESTAMP_INVALID, PARAM_MISSING,
        PARAM_INVALID, HTTP_METHOD, UNAUTHORIZED, FREQUENCY_LIMIT, NO_USAGE_LEFT,
        INTERNAL_ERROR,
    )
}  # fmt: skip

#: The ``code`` of a success inside ``result``.
SUCCESS_CODE: Final = "200"
#: Business failures (HTTP 200, ``result.success`` false): the caller's, and the service's.
#: The platform documents no list; these are the fake's choice.
BAD_REQUEST_CODE: Final = "400"
SERVICE_ERROR_CODE: Final = "500"
#: The gateway's error keys, as the SDK reads them (``exception`` is optional detail).
ERROR_CODE_KEY: Final = "error_code"
ERROR_MESSAGE_KEY: Final = "error_message"
#: Languages ``country`` may name for ``subjectTrans`` (the cross-border solution's list).
COUNTRIES: Final = frozenset(
    {"en", "ja", "ko", "ru", "vi", "th", "es", "fr", "pt", "de", "it", "ar", "id", "ms", "tr"}
)
