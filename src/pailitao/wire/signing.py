"""Request signing for the 1688 TOP router, and the platform's timestamps.

The TOP router (``/openapi/router/rest``) signs every parameter except ``sign``
itself and binary file parts, sorted by key, joined as ``k1v1k2v2...`` in UTF-8:

* ``md5``:          ``UPPER(HEX(MD5(secret + s + secret)))``
* ``hmac``:         ``UPPER(HEX(HMAC_MD5(key=secret, s)))``
* ``hmac-sha256``:  ``UPPER(HEX(HMAC_SHA256(key=secret, s)))``

Empty values (``None`` or ``""``) are left out by signer and verifier alike,
as the official Java SDK does. The Open Platform gateway signs differently:
see :mod:`pailitao.wire.aop`.

The client and the fake gateway share this module, so it is tested against the
platform's published examples and an independent ``hashlib`` reference.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Final, Literal, get_args

__all__ = [
    "DEFAULT_SKEW",
    "GMT8",
    "SIGN_METHODS",
    "Clock",
    "SignMethod",
    "canonical_string",
    "format_timestamp",
    "parse_timestamp",
    "sign",
    "signed_keys",
    "verify",
]

SignMethod = Literal["md5", "hmac", "hmac-sha256"]
SIGN_METHODS: Final[tuple[str, ...]] = get_args(SignMethod)

#: A clock returns the current time as epoch seconds, like :func:`time.time`.
Clock = Callable[[], float]

#: The platform's documented time zone for ``yyyy-MM-dd HH:mm:ss`` timestamps.
GMT8: Final = timezone(timedelta(hours=8), "GMT+8")
#: The platform's documented tolerance between the caller's and its own clock.
DEFAULT_SKEW: Final = timedelta(minutes=10)

_DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_DATETIME: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})", re.ASCII)
_FILE_TYPES: Final = (bytes, bytearray, memoryview)


def _is_file_part(value: object) -> bool:
    """File parts travel as raw bytes or file objects and are never signed."""
    return isinstance(value, _FILE_TYPES) or hasattr(value, "read")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal | float):
        return str(value)
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def _signed(key: str, value: object) -> bool:
    if isinstance(value, str):  # nearly every value: decide without the other checks
        return value != "" and key != "sign"
    return key != "sign" and value is not None and not _is_file_part(value)


def signed_keys(params: Mapping[str, object]) -> list[str]:
    """The parameter names that take part in the signature, in signing order."""
    return sorted(key for key, value in params.items() if _signed(key, value))


def canonical_string(params: Mapping[str, object]) -> str:
    """The string that is signed: sorted ``k1v1k2v2...`` without the secret.

    Show this when a signature is rejected: compare it with the one the
    platform (or the fake gateway) reports.
    """
    parts: list[str] = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, str):  # nearly every value: no call per parameter
            if value and key != "sign":
                parts += (key, value)
        elif _signed(key, value):
            parts += (key, _text(value))
    return "".join(parts)


def sign(params: Mapping[str, object], secret: str, sign_method: str = "md5") -> str:
    """Sign TOP router parameters; returns upper-case hex.

    ``params`` may include ``sign``, ``None``/empty values and file parts
    (bytes or file objects); none of them is signed.
    """
    message = canonical_string(params).encode("utf-8")
    key = secret.encode("utf-8")
    if sign_method == "md5":
        digest = hashlib.md5(key + message + key).hexdigest()  # noqa: S324 - the protocol
    elif sign_method == "hmac":
        digest = hmac.new(key, message, hashlib.md5).hexdigest()
    elif sign_method == "hmac-sha256":
        digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    else:
        raise ValueError(
            f"unsupported sign_method {sign_method!r}; use one of {', '.join(SIGN_METHODS)}"
        )
    return digest.upper()


def verify(params: Mapping[str, object], secret: str) -> bool:
    """Check ``params["sign"]`` against the params in constant time.

    The method comes from ``params["sign_method"]`` (default ``md5``); the hex
    comparison is case-insensitive. An unknown method or a missing sign is
    simply not valid.
    """
    given = params.get("sign")
    method = params.get("sign_method") or "md5"
    if not isinstance(given, str) or not isinstance(method, str) or method not in SIGN_METHODS:
        return False
    expected = sign(params, secret, method)
    return hmac.compare_digest(expected.encode("ascii"), given.upper().encode("utf-8"))


def format_timestamp(
    now: float | None = None, style: Literal["datetime", "millis"] = "datetime"
) -> str:
    """Render a timestamp as the platform accepts it.

    ``datetime`` gives the documented ``yyyy-MM-dd HH:mm:ss`` in GMT+8;
    ``millis`` gives epoch milliseconds as the official Python SDK sends.
    ``now`` is epoch seconds (default: the system clock).
    """
    seconds = time.time() if now is None else now
    if style == "millis":
        return str(int(seconds * 1000))
    if style == "datetime":
        return datetime.fromtimestamp(seconds, GMT8).strftime(_DATETIME_FORMAT)
    raise ValueError(f"unknown timestamp style {style!r}; use 'datetime' or 'millis'")


def parse_timestamp(value: str) -> datetime:
    """Parse either timestamp format into an aware UTC datetime.

    Raises :class:`ValueError` for anything else.
    """
    text = value.strip()
    try:
        if text.isascii() and text.isdigit() and 10 <= len(text) <= 14:
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        match = _DATETIME.fullmatch(text)  # strptime is 5x slower; the fake parses every request
        if match is None:
            raise ValueError
        year, month, day, hour, minute, second = map(int, match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=GMT8).astimezone(UTC)
    except (ValueError, OverflowError):  # no such date, or none that UTC can hold
        raise ValueError(
            f"timestamp {value[:40]!r} is neither 'yyyy-MM-dd HH:mm:ss' (GMT+8) "
            "nor epoch milliseconds"
        ) from None
