"""What the dashboard shows of a journal entry: its dialect, app, outcome, paging, and
for a refused signature what most often causes it. Pure functions, no web framework.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final
from urllib.parse import urlencode

from fake1688.engine import reseller_api
from fake1688.engine.journal import JournalEntry, Verification
from pailitao.wire import aop
from pailitao.wire.top import ROUTER_PATHS

__all__ = [
    "DIALECTS",
    "OUTCOMES",
    "Filters",
    "Row",
    "choices",
    "pretty_answer",
    "refused_signature",
    "row",
    "rows",
    "signature_causes",
    "signed_params",
]

#: The dialects an entry may belong to, as the filter names them.
DIALECTS: Final = ("top", "aop", "reseller")
#: The outcomes the filter knows: a success, a refusal, a fault or a rate limit.
OUTCOMES: Final = ("ok", "error", "fault")
#: The platform's clock: calls are shown in its time.
_PLATFORM_TIME: Final = timezone(timedelta(hours=8))
#: The longest answer a page shows (a search page is about 10 KB).
_LONGEST_ANSWER: Final = 200_000
#: The codes of a call the rate limits refused: TOP's 7, the Open Platform's, the resellers'.
_LIMITED: Final = frozenset(
    {7, aop.FREQUENCY_LIMIT.error_code, aop.NO_USAGE_LEFT.error_code, "4008", "4013"}
)


@dataclass(frozen=True, slots=True)
class Row:
    """One journal entry as a line of the journal page."""

    entry: JournalEntry
    time: str
    dialect: str
    api: str
    app: str
    ok: bool
    outcome: str
    paging: str
    #: The rank of the page's first offer (1 on page 1).
    first_rank: int
    #: The fault injected, or "rate limit" for a call the limits refused.
    gate: str

    @property
    def seq(self) -> int:
        return self.entry.seq


def row(entry: JournalEntry) -> Row:
    """The line the journal page shows for ``entry``."""
    dialect = _dialect(entry.path)
    ok = entry.code == 0 and entry.status == 200
    if ok:
        outcome = "ok"
    elif entry.code == 0:
        outcome = f"HTTP {entry.status}"
    else:
        outcome = f"{entry.code} {entry.sub_code or ''}".strip()
    when = datetime.fromtimestamp(entry.received_at, UTC).astimezone(_PLATFORM_TIME)
    return Row(
        entry=entry,
        time=when.strftime("%H:%M:%S.") + f"{when.microsecond // 1000:03d}",
        dialect=dialect,
        api=entry.api_method or "—",
        app=_app(entry, dialect),
        ok=ok,
        outcome=outcome,
        paging=_paging(entry),
        first_rank=_first_rank(entry),
        gate=entry.fault or ("rate limit" if entry.code in _LIMITED else ""),
    )


def _dialect(path: str) -> str:
    if aop.parse_path(path) is not None:
        return "aop"
    if path in ROUTER_PATHS:
        return "top"
    if reseller_api.parse_path(path) is not None:
        return "reseller"
    return "—"


def _app(entry: JournalEntry, dialect: str) -> str:
    """The app key as the journal keeps it (masked)."""
    if dialect == "aop":
        path = aop.parse_path(entry.path)
        return path.app_key if path is not None else "—"
    return entry.params.get("app_key") or entry.params.get("key") or "—"


def _page(entry: JournalEntry) -> tuple[int, int]:
    """A search's page number and size, as its params asked (the checks passed them)."""
    params = entry.params
    page, size = params.get("page") or "1", params.get("page_size") or "20"
    query = params.get(aop.SEARCH_PARAM)
    if query:
        try:
            fields = json.loads(query)
        except ValueError:
            fields = {}
        if isinstance(fields, dict):
            page, size = fields.get("beginPage", 1), fields.get("pageSize", 20)
    try:
        return int(page), int(size)
    except (TypeError, ValueError):
        return 1, 20


def _paging(entry: JournalEntry) -> str:
    """``page 2 × 20 of 143`` for a search, else empty."""
    if entry.total is None:
        return ""
    page, size = _page(entry)
    return f"page {page} × {size} of {entry.total:,}"


def _first_rank(entry: JournalEntry) -> int:
    page, size = _page(entry)
    return (page - 1) * size + 1


@dataclass(frozen=True, slots=True)
class Filters:
    """What the journal page narrows its list to; empty fields let everything through."""

    dialect: str = ""
    api: str = ""
    outcome: str = ""
    app: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        """The filters a query string names (unknown values are ignored)."""
        dialect = query.get("dialect", "")
        outcome = query.get("outcome", "")
        return cls(
            dialect=dialect if dialect in DIALECTS else "",
            api=query.get("api", "")[:100],
            outcome=outcome if outcome in OUTCOMES else "",
            app=query.get("app", "")[:100],
        )

    def admits(self, line: Row) -> bool:
        """Whether ``line`` passes every filter."""
        if self.dialect and line.dialect != self.dialect:
            return False
        if self.api and line.api != self.api:
            return False
        if self.app and line.app != self.app:
            return False
        return _OUTCOME_TESTS[self.outcome](line)

    def query(self) -> str:
        """The filters as a query string (for the live updates' URL)."""
        pairs = [(name, getattr(self, name)) for name in ("dialect", "api", "outcome", "app")]
        return urlencode([(name, value) for name, value in pairs if value])


#: Whether a line passes the outcome filter, by its value.
_OUTCOME_TESTS: Final[Mapping[str, Callable[[Row], bool]]] = {
    "": lambda line: True,
    "ok": lambda line: line.ok and not line.gate,
    "error": lambda line: not line.ok,
    "fault": lambda line: bool(line.gate),
}


def rows(entries: Iterable[JournalEntry], filters: Filters) -> list[Row]:
    """The lines ``filters`` admits, newest first."""
    lines = [row(entry) for entry in entries]
    return [line for line in reversed(lines) if filters.admits(line)]


def choices(lines: Sequence[Row]) -> tuple[list[str], list[str]]:
    """The APIs and app keys seen, for the filters' menus."""
    return sorted({line.api for line in lines}), sorted({line.app for line in lines})


def signed_params(entry: JournalEntry) -> list[tuple[str, str]]:
    """The params a refused signature was computed over, as the journal keeps them:
    every param but the signature itself and empty values, sorted by name."""
    left_out = {"sign", aop.SIGNATURE}
    return sorted((k, v) for k, v in entry.params.items() if k not in left_out and v != "")


#: What most often makes a signature differ, by dialect.
_CAUSES: Final[Mapping[str, tuple[str, ...]]] = {
    "top": (
        "The app secret is not the one the fake knows for this app key.",
        "The params were signed with sign_method md5 but sent with hmac (or the other way): "
        "both must name the same method.",
        "A value was signed before URL-encoding and sent changed (or the reverse): sign the "
        "values exactly as the gateway receives them, decoded.",
        "Empty params or the image's file part were put into the string: the gateway leaves "
        "out sign, empty values and file parts.",
        "The params were not sorted by name, or were joined with = and &: the string is "
        "k1v1k2v2 with no separators.",
    ),
    "aop": (
        "The app secret is not the one the fake knows for this app key.",
        "The URL path was left out, or signed with its /openapi/ prefix: the string starts "
        "with param2/1/<namespace>/<name>/<appKey>.",
        "The JSON param was signed as one text and sent as another (spaces, key order, "
        "escapes): sign the exact bytes you send.",
        "access_token or _aop_timestamp was left out of the string: every param but "
        "_aop_signature is signed.",
        "The digest is not HMAC-SHA1 in upper-case hex.",
    ),
    "reseller": (
        "The secret is not the one the fake knows for this key (the reseller dialect sends "
        "both in the query string; nothing is signed).",
    ),
}


def signature_causes(dialect: str) -> tuple[str, ...]:
    """What most often causes a refused signature in ``dialect``."""
    return _CAUSES.get(dialect, ())


def refused_signature(entry: JournalEntry) -> bool:
    """Whether the call got as far as its signature and failed there."""
    return entry.verification is Verification.FAILED


def pretty_answer(answer: bytes | None) -> str | None:
    """The answer as a page shows it: JSON indented, anything else as text, cut long."""
    if answer is None:
        return None
    text = answer[:_LONGEST_ANSWER].decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(answer), ensure_ascii=False, indent=2)
    if len(answer) > _LONGEST_ANSWER:
        text += f"\n… ({len(answer):,} bytes in all)"
    return text
