"""The Open Platform gateway's checks, in its order, before an API runs.

::

    http method   GET or POST                          gw.HttpMethodNotAllowed (405)
    api           namespace/name/version served here   gw.APIUnsupported
    params        readable, each key once               gw.ParamInvalid
    app key       registered                            gw.AppKeyNotFound
    signature     _aop_signature present and valid      gw.SignatureMissing / gw.SignatureInvalid
    timestamp     _aop_timestamp, if sent, is current   gw.TimestampInvalid
    access token  one the app's user authorised         401 Request need user authorized
    app param     the API's required JSON param         gw.ParamMissing

The signature is verified with :func:`pailitao.wire.aop.verify`, over the path
as the caller sent it. A refused signature is explained: the string the
gateway signed (long values shortened, the token redacted), its length and
sha256, never the secret or the expected signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from datetime import timedelta

from pailitao.wire import aop

from .aop_errors import AopGatewayError
from .apps import App, AppRegistry
from .checks import merge_params, shorten
from .errors import InvalidArguments
from .protocol import FakeRequest

__all__ = [
    "check_access_token",
    "check_api",
    "check_app",
    "check_http_method",
    "check_signature",
    "check_timestamp",
    "explain_signature",
    "read_params",
    "require",
]

_ACTIONS = frozenset({"GET", "POST"})


def check_http_method(request: FakeRequest) -> None:
    """Only GET and POST reach an API."""
    if request.method not in _ACTIONS:
        raise AopGatewayError(
            aop.HTTP_METHOD, f"HTTP {request.method[:20]} is not allowed; send a form-encoded POST"
        )


def check_api(path: aop.ApiPath, served: Collection[str]) -> None:
    """The API the path names must be one this fake serves, in version 1."""
    if path.api in served and path.version == aop.API_VERSION:
        return
    names = ", ".join(sorted(served))
    raise AopGatewayError(
        aop.API_UNSUPPORTED,
        f"{path.api} version {path.version[:20]} is not served here; the fake serves {names} "
        f"in version {aop.API_VERSION}",
    )


def read_params(request: FakeRequest) -> dict[str, str]:
    """Query string and body as one mapping (as the TOP router reads them)."""
    try:
        return merge_params(request)
    except InvalidArguments as error:
        raise AopGatewayError(aop.PARAM_INVALID, error.sub_msg) from None


def check_app(path: aop.ApiPath, apps: AppRegistry) -> App:
    """The app key in the path must be registered."""
    app = apps.get(path.app_key)
    if app is None:
        raise AopGatewayError(
            aop.APP_KEY_NOT_FOUND,
            f"app key {path.app_key[:80]!r} (the last segment of the URL path) is not registered "
            "with this gateway; the default fake knows test_app_key, others come from --apps FILE",
        )
    return app


def check_signature(path: aop.ApiPath, params: Mapping[str, str], app: App) -> None:
    """``_aop_signature`` must be present and sign the path and params with the app secret."""
    if not params.get(aop.SIGNATURE):
        raise AopGatewayError(
            aop.SIGNATURE_MISSING, f"the {aop.SIGNATURE} param is required; {_RECIPE}"
        )
    if not aop.verify(path.signed, params, app.app_secret):
        raise AopGatewayError(aop.SIGNATURE_INVALID, explain_signature(path, params))


_RECIPE = (
    "_aop_signature = UPPER(HEX(HMAC_SHA1(key=secret, urlPath + s))), where urlPath is the "
    "URL path from param2/ on and s joins key+value of every param but _aop_signature, "
    "the joined strings sorted"
)


def explain_signature(path: aop.ApiPath, params: Mapping[str, str]) -> str:
    """What the gateway signed, so the caller can diff it against their own string."""
    exact = aop.canonical_string(path.signed, params).encode("utf-8")
    pairs = sorted(
        key + ("<redacted>" if key == aop.ACCESS_TOKEN else shorten(value))
        for key, value in params.items()
        if key != aop.SIGNATURE
    )
    keys = sorted(key for key in params if key != aop.SIGNATURE)
    return (
        f"the gateway computed HMAC_SHA1 with key <secret> over '{path.signed}{''.join(pairs)}'; "
        f"that string is {len(exact)} bytes of UTF-8, sha256 "
        f"{hashlib.sha256(exact).hexdigest()[:16]}, from the path and the params "
        f"[{', '.join(keys)}], each key joined to its value and the joined strings sorted. "
        "Build the same string, sign it with your app secret, send upper-case hex"
    )


def check_timestamp(params: Mapping[str, str], clock: Callable[[], float], skew: timedelta) -> None:
    """``_aop_timestamp`` is optional; when sent, it is epoch ms within ``skew``."""
    text = params.get(aop.TIMESTAMP)
    if text is None:
        return
    if not (text.isascii() and text.isdigit() and len(text) <= 15):
        raise AopGatewayError(
            aop.TIMESTAMP_INVALID,
            f"{aop.TIMESTAMP} {text[:40]!r} is not epoch milliseconds; send the current time "
            "in ms, or leave it out",
        )
    offset = int(text) / 1000 - clock()
    if abs(offset) > skew.total_seconds():
        direction = "ahead of" if offset > 0 else "behind"
        raise AopGatewayError(
            aop.TIMESTAMP_INVALID,
            f"{aop.TIMESTAMP} {text} is {int(abs(offset))} s {direction} the gateway clock "
            f"({int(clock() * 1000)} ms); allowed ±{int(skew.total_seconds())} s",
        )


def check_access_token(params: Mapping[str, str], app: App) -> None:
    """The image APIs act for a user: the token must be one the app's user authorised."""
    token = params.get(aop.ACCESS_TOKEN, "")
    if not token:
        detail = "the access_token param is required: the image APIs act for an authorised user"
    elif token not in app.access_tokens:
        detail = (
            "the access_token is not one this app's users authorised (or it expired); the "
            "default fake accepts the demo app's token (pailitao.wire.DEMO_ACCESS_TOKEN, "
            "printed by fake1688 serve on loopback), others come from --apps FILE"
        )
    else:
        return
    raise AopGatewayError(aop.UNAUTHORIZED, detail)


def require(params: Mapping[str, str], name: str) -> str:
    """An API's required app param."""
    value = params.get(name, "")
    if not value:
        raise AopGatewayError(
            aop.PARAM_MISSING, f"Required argument {name}: send it as a JSON object"
        )
    return value
