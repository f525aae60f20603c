"""The system-parameter checks of the TOP router, in the platform's order.

Each check is a short function that returns what it validated or raises the
platform's error; :mod:`fake1688.engine.pipeline` runs them one after the other. The
signature is verified with :func:`pailitao.wire.signing.verify`, the very function
the client's tests pin against the platform's examples, over the parameters
exactly as received.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Final

from pailitao.wire import signing
from pailitao.wire.top import VERSION

from .apps import App, AppRegistry
from .errors import (
    InvalidAppKey,
    InvalidArguments,
    InvalidFormat,
    InvalidMethod,
    InvalidSignature,
    InvalidTimestamp,
    InvalidVersion,
    MissingAppKey,
    MissingMethod,
    MissingSignature,
    MissingTimestamp,
    MissingVersion,
)
from .journal import REDACTED_PARAMS
from .protocol import FakeRequest

__all__ = [
    "VERSION",
    "check_app",
    "check_format",
    "check_method",
    "check_sign",
    "check_sign_method",
    "check_simplify",
    "check_timestamp",
    "check_version",
    "explain_signature",
    "merge_params",
    "shorten",
]

_SHOWN_VALUE: Final = 256
_SHOWN_NAMES: Final = 5
#: The answer formats the router writes.
_FORMATS: Final = frozenset({"json", "xml"})
#: ``simplify`` as text, lower-cased.
_SIMPLIFY: Final = {"true": True, "false": False}


def merge_params(request: FakeRequest) -> dict[str, str]:
    """Query string and body as one mapping; a key given twice must agree."""
    if request.read_error:
        raise InvalidArguments(f"{request.read_error}; the request's params cannot be read")
    pairs = (*request.query, *request.form)
    params = dict(pairs)
    if len(params) == len(pairs):  # each key once: nothing can conflict
        return params
    params = {}
    for key, value in pairs:
        if params.setdefault(key, value) != value:
            raise InvalidArguments(
                f"{key!r} is given twice with different values (query string and body "
                "are merged); send each parameter once"
            )
    return params


def _missing_hint(request: FakeRequest) -> str:
    if request.ignored_body is None:
        return ""
    return (
        f"; the body was ignored because its Content-Type is {request.ignored_body!r}: "
        "send application/x-www-form-urlencoded or multipart/form-data"
    )


def check_method(
    params: Mapping[str, str], request: FakeRequest, known: Mapping[str, object]
) -> str:
    """21 without ``method``, 22 for an API the fake does not serve."""
    method = params.get("method", "")
    if not method:
        raise MissingMethod(f"the 'method' parameter is required{_missing_hint(request)}")
    if method not in known:
        served = " or ".join(sorted(known))
        raise InvalidMethod(f"method {method[:80]!r} is not served here; use {served}")
    return method


def check_app(params: Mapping[str, str], request: FakeRequest, apps: AppRegistry) -> App:
    """28 without ``app_key``, 29 for a key that is not registered."""
    app_key = params.get("app_key", "")
    if not app_key:
        raise MissingAppKey(f"the 'app_key' parameter is required{_missing_hint(request)}")
    app = apps.get(app_key)
    if app is None:
        raise InvalidAppKey(
            f"app_key {app_key[:80]!r} is not registered with this gateway; "
            "the default fake knows test_app_key, others come from --apps FILE"
        )
    return app


def check_timestamp(
    params: Mapping[str, str], request: FakeRequest, clock: Callable[[], float], skew: timedelta
) -> None:
    """30 without ``timestamp``, 31 when unparsable or more than ``skew`` off."""
    text = params.get("timestamp", "")
    if not text:
        raise MissingTimestamp(f"the 'timestamp' parameter is required{_missing_hint(request)}")
    try:
        sent = _epoch_seconds(text)
    except ValueError as error:
        raise InvalidTimestamp(str(error)) from None
    now = clock()
    if abs(sent - now) <= skew.total_seconds():
        return
    direction = "ahead of" if sent > now else "behind"
    seconds = int(abs(sent - now))
    if len(text.strip()) == 10:
        hint = "; it looks like epoch seconds: send milliseconds"
    else:
        hint = _zone_hint(text, sent - now, skew)
    raise InvalidTimestamp(
        f"timestamp {text[:40]!r} is {seconds} s {direction} the gateway clock "
        f"({signing.format_timestamp(clock())} GMT+8); allowed ±{int(skew.total_seconds())} s"
        f"{hint}. Send the current time as 'yyyy-MM-dd HH:mm:ss' (GMT+8) or epoch ms"
    )


def _zone_hint(text: str, offset: float, skew: timedelta) -> str:
    """A datetime off by whole hours was formatted in another time zone than GMT+8."""
    hours = round(offset / 3600)
    if text.strip().isdigit() or not hours or abs(offset - hours * 3600) > skew.total_seconds():
        return ""
    direction = "ahead" if hours > 0 else "behind"
    return (
        f"; it is exactly {abs(hours)} h {direction} (within the allowed skew): the gateway "
        "reads 'yyyy-MM-dd HH:mm:ss' as GMT+8 (Asia/Shanghai), so format the time in that zone "
        "(a TOP SDK that formats local time needs TZ=Asia/Shanghai), or send epoch milliseconds"
    )


@lru_cache(maxsize=64)
def _epoch_seconds(timestamp: str) -> float:
    """A timestamp param as epoch seconds; cached, as clients send one value per second."""
    return signing.parse_timestamp(timestamp).timestamp()


def check_version(params: Mapping[str, str], request: FakeRequest) -> None:
    """32 without ``v``, 33 for anything but ``2.0``."""
    version = params.get("v", "")
    if not version:
        raise MissingVersion(f"the 'v' parameter is required: v=2.0{_missing_hint(request)}")
    if version != VERSION:
        raise InvalidVersion(f"v={version[:40]!r} is not supported; send v=2.0")


def check_format(params: Mapping[str, str]) -> str:
    """23 for a ``format`` other than ``json`` or ``xml``; returns it (absent means json).

    The fake's choice: absent is JSON, where TOP's documented default is XML,
    so that callers who leave it out keep the answers they always had.
    """
    answer_format = params.get("format") or "json"
    if answer_format in _FORMATS:
        return answer_format
    raise InvalidFormat(f"format {answer_format[:40]!r} is unknown; send format=json or xml")


def check_simplify(params: Mapping[str, str]) -> bool:
    """41 for a ``simplify`` other than ``true`` or ``false``; returns it (absent: false).

    The fake's choice: ``true`` and ``false`` in any case (as Java's
    ``Boolean.parseBoolean`` reads them); anything else is 41 rather than false,
    so that ``simplify=1`` fails where it is sent, not where the answer is read.
    """
    text = params.get("simplify")
    if not text:  # nearly every call: no lower-casing, no lookup
        return False
    simplify = _SIMPLIFY.get(text.lower())
    if simplify is None:
        raise InvalidArguments(
            f"simplify={text[:40]!r} is not a boolean; send simplify=true, simplify=false "
            "or leave it out"
        )
    return simplify


def check_sign_method(params: Mapping[str, str]) -> str:
    """25 for a ``sign_method`` the platform does not know (absent means md5).

    The fake's choice: code 25 rather than 41, because the signature cannot be
    checked, and the client reports it as a SignatureError, where a developer
    looks first.
    """
    method = params.get("sign_method", "") or "md5"
    if method not in signing.SIGN_METHODS:
        known = ", ".join(signing.SIGN_METHODS)
        raise InvalidSignature(
            f"sign_method {method[:40]!r} is unknown; use one of {known} (lower-case; "
            "md5 when left out)"
        )
    return method


def check_sign(params: Mapping[str, str], app: App, sign_method: str) -> None:
    """24 without ``sign``, 25 when it does not match (explained, secret elided)."""
    if not params.get("sign"):
        raise MissingSignature("the 'sign' parameter is required; " + _recipe(sign_method))
    if not signing.verify(params, app.app_secret):
        raise InvalidSignature(explain_signature(params, sign_method))


def _recipe(sign_method: str) -> str:
    return {
        "md5": "sign = UPPER(HEX(MD5(secret + s + secret)))",
        "hmac": "sign = UPPER(HEX(HMAC_MD5(key=secret, s)))",
        "hmac-sha256": "sign = UPPER(HEX(HMAC_SHA256(key=secret, s)))",
    }[sign_method] + (
        ", where s joins every parameter but sign and file parts, sorted by name, as k1v1k2v2"
    )


def explain_signature(params: Mapping[str, str], sign_method: str) -> str:
    """What the gateway signed, so the caller can diff it against their own string.

    Shows the canonical string (long values shortened, user tokens redacted,
    with the exact string's length and sha256) and the parameter names in it.
    Never the secret, never the expected sign.
    """
    keys = signing.signed_keys(params)
    exact = signing.canonical_string(params).encode("utf-8")
    shown = "".join(
        key + ("<redacted>" if key in REDACTED_PARAMS else shorten(params[key])) for key in keys
    )
    if sign_method == "md5":
        signed = f"MD5 over '<secret>{shown}<secret>'"
    else:
        name = "HMAC_MD5" if sign_method == "hmac" else "HMAC_SHA256"
        signed = f"{name} with key <secret> over '{shown}'"
    empty = sorted(key for key, value in params.items() if value == "" and key != "sign")
    return (
        f"the gateway computed {signed}; "
        f"s = {len(exact)} bytes of UTF-8, sha256 {hashlib.sha256(exact).hexdigest()[:16]}, "
        f"from the params [{', '.join(keys)}] sorted by name (sign, empty values and file "
        "parts left out). Build the same s, sign it with your app secret (sign_method="
        f"{sign_method}), send upper-case hex{_empty_hint(empty)}"
    )


def _empty_hint(empty: list[str]) -> str:
    if not empty:
        return ""
    shown = [name[:40] for name in empty[:_SHOWN_NAMES]]
    if len(empty) > _SHOWN_NAMES:
        shown.append(f"{len(empty) - _SHOWN_NAMES} more")
    names = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    verb = "were" if len(empty) > 1 else "was"
    return (
        f"; {names} {verb} sent empty: the gateway leaves empty values out of the signed "
        "string, so sign without them (or do not send them)"
    )


def shorten(value: str) -> str:
    """A value as an explanation shows it: long ones cut in the middle."""
    if len(value) <= _SHOWN_VALUE:
        return value
    return f"{value[:32]}…({len(value):,} chars)…{value[-16:]}"
