"""The bounded request journal: what each request sent and what it got.

WireMock's default journal keeps every request until told to forget; this one
keeps the newest entries within two bounds, a count (``maxlen``) and an
estimate of the bytes they hold (``max_bytes``), and never stores what should
not leak or bloat. Params follow the wire's redaction rule
(:mod:`pailitao.wire.redaction`, shared with the access log and error texts):
signatures, tokens, secrets and passwords (:data:`REDACTED_PARAMS`) and any
value equal to a known secret are ``<redacted>``, the app key (``app_key``, the
resellers' ``key``) is partly masked, so entries can still be found by app.
Image bytes and base64 images (``image``, ``imgcode``) are reduced to their size.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Final

from pailitao.wire import aop
from pailitao.wire.redaction import APP_KEY_PARAMS, SECRET_PARAMS, Redaction, mask_app_key

from .aop_errors import AopError
from .errors import GatewayError
from .protocol import FakeRequest
from .reseller_errors import ResellerError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "REDACTED_PARAMS",
    "Journal",
    "JournalEntry",
    "Seen",
    "Verification",
    "mask_app_key",
    "redact_params",
]

#: Params whose values no journal entry or error message shows (the wire's rule).
REDACTED_PARAMS: Final = SECRET_PARAMS
#: Params that hold an app key: kept partly masked.
_APP_KEYS: Final = APP_KEY_PARAMS
#: Where the Open Platform's API paths start (they name the app key).
_AOP_PATH: Final = f"{aop.BASE_PATH}/{aop.PROTOCOL}/"
#: The rule without known secrets, for a journal that is told none.
_NAMES_ONLY: Final = Redaction()
#: Params that hold a base64 image: kept as their length.
_IMAGES: Final = frozenset({"image", "imgcode"})
_LONG: Final = 200
#: Params that ``_redact`` changes whatever their length.
_SPECIAL: Final = REDACTED_PARAMS | _APP_KEYS | _IMAGES
#: How many recent requests an assertion message lists.
_REPORTED: Final = 10
#: The journal's default byte budget (see :func:`_estimated_size`).
DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024
#: What an entry holds besides its text: the record, its numbers, the dicts' tables.
_ENTRY_OVERHEAD: Final = 500
#: What each param or file part holds besides its text: two string headers, a dict slot.
_ITEM_OVERHEAD: Final = 100
#: What each offer of a search's page holds: its num_iid, a tuple slot.
_OFFER_SIZE: Final = 70


@dataclass(slots=True)
class Seen:
    """What a handler worked on, for the journal: the photo it searched or kept
    (its sha256), and for a search the page's offers (num_iids, in rank order) and
    how many matched in all."""

    image: bytes | None = None
    offers: tuple[str, ...] = ()
    total: int | None = None


class Verification(StrEnum):
    """How far signature verification got."""

    NOT_REACHED = "not reached"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request and its answer; ``code`` is 0 for a success."""

    seq: int
    received_at: float
    http_method: str
    path: str
    api_method: str | None
    params: Mapping[str, str]
    files: Mapping[str, str]
    verification: Verification
    status: int
    #: The TOP router's code, the Open Platform's ``error_code`` or business ``code``, or
    #: the resellers' ``error_code``.
    code: int | str
    sub_code: str | None
    sub_msg: str | None
    request_id: str
    duration_ms: float
    #: The traceback of an internal failure (code 15); never sent to the caller.
    error: str | None = None
    #: What the fault plan injected, e.g. ``"latency 120 ms, http_error 503"``.
    fault: str | None = None
    #: The sha256 (hex) of the photo a search or an upload worked on.
    image: str | None = None
    #: A search's page: the offers' num_iids in rank order, and how many matched in all.
    offers: tuple[str, ...] = ()
    total: int | None = None
    #: The answer's body as sent (kept by the in-memory journal; not in ``to_dict``).
    answer: bytes | None = field(default=None, repr=False)

    def describe(self) -> str:
        """One line: ``#3 POST /openapi/router/rest 1688.upload.img sign passed -> ok``."""
        outcome = "ok" if self.code == 0 else f"{self.code} {self.sub_code or ''}".strip()
        if self.status != 200:
            outcome = f"HTTP {self.status}" if self.code == 0 else f"HTTP {self.status} {outcome}"
        fault = f" [fault: {self.fault}]" if self.fault else ""
        return (
            f"#{self.seq} {self.http_method} {self.path} {self.api_method or '-'} "
            f"sign {self.verification} -> {outcome}{fault}"
        )

    def matches(self, api_method: str | None, params: Mapping[str, object]) -> bool:
        """Whether this is a call to ``api_method`` (any if None) with these params.

        Params compare as the journal keeps them (as text; ``sign`` redacted,
        ``app_key`` masked, a base64 ``image`` reduced to its length).
        """
        if api_method is not None and self.api_method != api_method:
            return False
        return all(self.params.get(key) == str(value) for key, value in params.items())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy."""
        data = asdict(self)
        del data["answer"]
        data["params"], data["files"] = dict(self.params), dict(self.files)
        data["offers"] = list(self.offers)
        data["verification"] = str(self.verification)
        return data


def redact_params(
    pairs: Iterable[tuple[str, str]], redaction: Redaction = _NAMES_ONLY
) -> dict[str, str]:
    """Params as the journal keeps them: no secrets, no image payloads."""
    secrets = redaction.secrets
    shown: dict[str, str] = {}
    for key, value in pairs:
        # Most params are short, plain and named in lower case: kept as they are, without
        # a call (an upper-case name is checked as the rule does, without case). A long
        # value goes to _redact anyway, which asks the rule without hashing it.
        special = (
            key in _SPECIAL
            or len(value) > _LONG
            or value in secrets
            or (not key.islower() and key.lower() in _SPECIAL)
        )
        text = _redact(key, value, redaction) if special else value
        if key in shown and shown[key] != text:
            text = f"{shown[key]} | {text}"
        shown[key] = text
    return shown


def _redact(key: str, value: str, redaction: Redaction) -> str:
    shown = redaction.param(key, value)
    if shown != value:  # a secret, or an app key masked
        return shown
    if key in _IMAGES and value:
        return f"<base64 image: {len(value):,} chars>"
    if len(value) > _LONG:
        return f"{value[:100]}…({len(value):,} chars)"
    return value


def _app_keys(path: str, pairs: Iterable[tuple[str, str]]) -> Iterator[str]:
    """The app keys a request names: in its params, or in an Open Platform path."""
    yield from (value for key, value in pairs if key in _APP_KEYS)
    if path.startswith(_AOP_PATH):
        api = aop.parse_path(path)
        if api is not None:
            yield api.app_key


def _facts(
    error: GatewayError | AopError | ResellerError | None,
) -> tuple[int | str, str | None, str | None]:
    """The code, sub_code and message an error leaves in the journal (0 for a success)."""
    if error is None:
        return 0, None, None
    if isinstance(error, AopError | ResellerError):
        return error.code_text, None, error.detail_text
    return error.code, error.sub_code, error.sub_msg


def _estimated_size(entry: JournalEntry) -> int:
    """Roughly the bytes ``entry`` holds: its text, and a fixed overhead per entry and per item.

    A character counts as one byte (params are ASCII but for the odd value).
    The overheads stand for CPython's headers: the record, its numbers and
    dicts, and each param's two strings and dict slot. The HTTP and API
    methods are left out: they are short, and shared with the request. An
    estimate, cheap enough for every request and close enough to bound memory.
    """
    params, files = entry.params, entry.files
    size = (
        _ENTRY_OVERHEAD
        + _ITEM_OVERHEAD * len(params)
        + sum(map(len, params))
        + sum(map(len, params.values()))
        + len(entry.path)
        + len(entry.request_id)
        + len(entry.sub_msg or "")
        + len(entry.error or "")
        + len(entry.fault or "")
        + _OFFER_SIZE * len(entry.offers)
        + len(entry.answer or b"")
    )
    if files:
        size += _ITEM_OVERHEAD * len(files) + sum(map(len, files)) + sum(map(len, files.values()))
    return size


def _file_summary(data: bytes) -> str:
    return f"<{len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}>"


class Journal:
    """The newest requests, oldest first, within ``maxlen`` entries and ``max_bytes``.

    Adding an entry evicts the oldest ones until both bounds hold again; the
    newest entry always stays, however large, so ``last()`` shows the latest
    request. Entries are built once and shared by every read: treat them, and
    their params, as read-only. Safe to share between threads.
    """

    def __init__(self, maxlen: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if maxlen < 1:
            raise ValueError("the journal needs room for at least one entry")
        if max_bytes < 1:
            raise ValueError("the journal needs a byte budget of at least 1")
        self._maxlen = maxlen
        self._max_bytes = max_bytes
        self._entries: deque[JournalEntry] = deque()
        #: Each entry's estimated size, in the same order as ``_entries``.
        self._sizes: deque[int] = deque()
        self._bytes = 0
        self._seq = 0
        self._lock = threading.Lock()

    def record(
        self,
        request: FakeRequest,
        *,
        received_at: float,
        api_method: str | None,
        verification: Verification,
        status: int,
        error: GatewayError | AopError | ResellerError | None,
        request_id: str,
        duration_ms: float,
        traceback: str | None = None,
        fault: str | None = None,
        redaction: Redaction = _NAMES_ONLY,
        seen: Seen | None = None,
        answer: bytes | None = None,
    ) -> None:
        """Add the entry for one answered request, dropping here what must not be kept.

        ``redaction`` knows the secrets to hide besides the secret params
        (the engine's knows its apps' secrets and access tokens); ``seen`` is
        what the handler worked on, ``answer`` the body sent.
        """
        pairs = (*request.query, *request.form)
        code, sub_code, sub_msg = _facts(error)
        if sub_msg or answer:
            for app_key in _app_keys(request.path, pairs):
                if len(app_key) > 3:
                    masked = mask_app_key(app_key)
                    sub_msg = sub_msg and sub_msg.replace(app_key, masked)
                    if answer and app_key.encode() in answer:  # an explanation quoting it
                        answer = answer.replace(app_key.encode(), masked.encode())
        files: dict[str, str] = {}
        if request.files:  # rarely: no comprehension to run for a form
            files = {name: _file_summary(data) for name, data in request.files.items()}
        params = redact_params(pairs, redaction)
        path = redaction.path(request.path)
        duration_ms = round(duration_ms, 3)
        image: str | None = None
        offers: tuple[str, ...] = ()
        total: int | None = None
        if seen is not None and seen.image is not None:
            image, offers, total = seen.image.hex(), seen.offers, seen.total

        def build(seq: int) -> JournalEntry:
            return JournalEntry(
                seq, received_at, request.method, path, api_method, params, files,
                verification, status, code, sub_code, sub_msg, request_id, duration_ms,
                traceback, fault, image, offers, total, answer,
            )  # fmt: skip

        self._append(build)

    def _append(self, build: Callable[[int], JournalEntry]) -> None:
        """Keep the entry ``build`` makes with the next sequence number."""
        with self._lock:
            self._seq += 1
            entry = build(self._seq)
            self._add(entry, _estimated_size(entry))

    def _add(self, entry: JournalEntry, size: int) -> None:
        """Append ``entry``, then evict the oldest until both bounds hold (the lock is held)."""
        entries, sizes = self._entries, self._sizes
        entries.append(entry)
        sizes.append(size)
        self._bytes += size
        while len(entries) > self._maxlen or (self._bytes > self._max_bytes and len(entries) > 1):
            entries.popleft()
            self._bytes -= sizes.popleft()

    @property
    def maxlen(self) -> int:
        """How many entries are kept at most."""
        return self._maxlen

    @property
    def max_bytes(self) -> int:
        """The budget for the entries' estimated size (the newest entry is kept regardless)."""
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        """The estimated bytes the entries hold (see :func:`_estimated_size`)."""
        return self._bytes

    def entries(self) -> list[JournalEntry]:
        """A snapshot, oldest first."""
        with self._lock:
            return list(self._entries)

    def last(self) -> JournalEntry | None:
        """The newest entry, if any."""
        with self._lock:
            return self._entries[-1] if self._entries else None

    def find(self, request_id: str) -> list[JournalEntry]:
        """Entries answered with this request id (identical requests share one)."""
        return [entry for entry in self.entries() if entry.request_id == request_id]

    def calls(self, api_method: str | None = None, **params: object) -> list[JournalEntry]:
        """Entries for ``api_method`` (any if None) whose params include ``params``, oldest first.

        ``journal.calls("1688.items.search.img", sort="price_asc", page=2)``
        """
        return [entry for entry in self.entries() if entry.matches(api_method, params)]

    def assert_called(
        self, api_method: str | None = None, times: int | None = None, **params: object
    ) -> list[JournalEntry]:
        """Assert the fake saw such a call (exactly ``times`` of them, if given); returns them.

        The ``AssertionError`` lists the last requests the fake saw, with how
        far verification got and the answer's code, so a failing test says why.
        """
        found = self.calls(api_method, **params)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        wanted = api_method or "any API"
        if params:
            wanted += " with " + ", ".join(f"{key}={value!r}" for key, value in params.items())
        count = "at least once" if times is None else f"{times} time(s)"
        recent = [entry.describe() for entry in self.entries()[-_REPORTED:]] or ["(none)"]
        raise AssertionError(
            f"expected {wanted} to be called {count}, found {len(found)}; "
            f"the last requests the fake saw:\n  " + "\n  ".join(recent)
        )

    def clear(self) -> None:
        """Forget every entry (the sequence number keeps counting)."""
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)
