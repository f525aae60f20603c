"""Checks of what callers pass the client, and excerpts of values for messages.

Each check raises :class:`~pailitao.errors.UsageError` for a wrong value, or
``TypeError`` for a wrong type, naming the argument; none sends anything.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import UsageError

Price = Decimal | int | float | str
#: Prices are sent as plain decimals below this, with at most two decimal places.
PRICE_LIMIT: Final = Decimal(1_000_000_000)
_CENT: Final = Decimal("0.01")


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def is_digits(text: str) -> bool:
    """Only 0-9 (``str.isdigit`` also takes Arabic-Indic, superscript and full-width digits)."""
    return text.isascii() and text.isdigit()


def is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_utf8(text: str) -> bool:
    """Whether text can be sent: a lone surrogate (an undecodable byte from the OS) cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_utf8(text: str, name: str, *, show: bool = True) -> None:
    if not is_utf8(text):
        shown = f", not {text!r}" if show else ""
        raise UsageError(f"{name} must be text that UTF-8 can encode{shown}")


def check_text(value: object, name: str, kinds: Any, accepted: str) -> None:
    if value is None:
        return
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise TypeError(f"{name} must be {accepted}, not {type(value).__name__}")
    if isinstance(value, str):
        check_utf8(value, name)


def price(value: Price | None, name: str) -> Decimal | None:
    """A price as a plain decimal below :data:`PRICE_LIMIT` with at most two places."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"{name} must be a number or a string, not {type(value).__name__}")
    try:  # an int goes in whole: str() of a 5,000-digit int raises
        amount = Decimal(value) if isinstance(value, Decimal | int) else Decimal(str(value))
    except InvalidOperation:
        raise UsageError(f"{name} must be a number, not {excerpt(value)}") from None
    if not amount.is_finite() or amount < 0:
        raise UsageError(f"{name} must be a non-negative number, not {excerpt(value)}")
    if amount >= PRICE_LIMIT:
        raise UsageError(f"{name} must be below {PRICE_LIMIT:,}, not {excerpt(value)}")
    # Below the limit 9 digits and 2 places are exact in this context, whatever the caller's.
    context = Context(prec=12)
    rounded = amount.quantize(_CENT, context=context)
    if rounded != amount:
        raise UsageError(f"{name} must have at most 2 decimal places, not {excerpt(value)}")
    exponent = amount.as_tuple().exponent
    places = min(max(-exponent, 0), 2) if isinstance(exponent, int) else 2
    # Keep the places given ("1.50"), but "1E+2" is sent as 100, "12.500" as 12.50, "-0" as 0.
    return rounded.quantize(_CENT.scaleb(2 - places), context=context).copy_abs()


def excerpt(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters (and never failing on a huge int)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to convert to text
        return "a number too long to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
