"""Replaying recorded requests against the in-process fake, and comparing shapes.

Recorded requests had ``app_key``, ``sign`` and ``timestamp`` scrubbed and
their images replaced by fingerprints, so each is re-signed for the fake's demo
app with a fresh timestamp, and its image source becomes one of the fake's
catalog pictures (shapes do not depend on which image is searched). ``cat`` is
dropped too: the platform's category ids mean nothing to the fake's catalog,
and an empty page says nothing about an item's shape.

A 1688 Open Platform ("AOP") request names its API in the URL path and its
arguments in one JSON param (``offerQueryParam``, ``uploadImageParam``). It is
replayed the same way: the demo app's path, ``access_token`` and
``_aop_timestamp``, ``_aop_signature`` by :func:`pailitao.wire.aop.sign`, and in
the JSON param the image (``imageId``, ``imageAddress``, ``imageBase64``) and
``categoryId`` replaced or dropped.

A resellers' request (``/1688/item_search_img/``, ``/1688/upload_img/``) is
unsigned: its recorded params are re-sent with the demo app's ``key`` and
``secret`` (pailitao cassettes hold neither), ``imgid`` or ``imgcode`` replaced
by the fake's own image and ``cat`` dropped.

Shapes are merged per API over every compared answer, so data that varies from
page to page (a range price on one offer, not on the next) is not a drift; an
answer that succeeded on one side and failed on the other is reported alone.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from ..recording.canonical import parse_canonical_body, read_form
from ..wire import (
    DEMO_ACCESS_TOKEN,
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    IN_PROCESS_HOST,
    aop,
    in_process_url,
    reseller,
    signing,
    top,
)
from ..wire.top import SEARCH_METHOD, UPLOAD_METHOD
from .allow import AllowEntry, AllowList
from .envelopes import (
    AOP_APIS,
    ERRORS,
    RESELLER_APIS,
    aop_api,
    body_of,
    find_envelopes,
    reseller_api,
)
from .paths import clip
from .schemas import AOP_BUSINESS_ERROR, AOP_GATEWAY_ERROR, RESELLER_ERROR
from .shape import Drift, diff, shape
from .sources import Recorded, RecordedRequest, SourceError, find_files, load_file

__all__ = [
    "DiffReport",
    "Finding",
    "api_of",
    "compare_envelopes",
    "diff_cassettes",
    "merge_shapes",
    "payload_of",
    "recorded_params",
    "reseller_params",
    "resign",
    "resign_aop",
]

FAKE_URL: Final = in_process_url("top")
FAKE_AOP_URL: Final = in_process_url("aop")
#: Scrubbed or per-call params, replaced when re-signing; ``cat`` is the platform's id.
_DROPPED: Final = frozenset({"sign", "app_key", "timestamp", "sign_method", "session", "cat"})
_IMAGE_KEYS: Final = frozenset({"image", "file", "imgid", "imageUrl"})
_APIS: Final = {SEARCH_METHOD: "search", UPLOAD_METHOD: "upload"}
#: AOP system params, per call or secret: replaced when re-signing.
_AOP_DROPPED: Final = frozenset({aop.ACCESS_TOKEN, aop.TIMESTAMP, aop.SIGNATURE})
#: Fields of the JSON param that name an image or the platform's category: replaced or dropped.
_AOP_DROPPED_FIELDS: Final = frozenset({"imageId", "imageAddress", "imageBase64", "categoryId"})
#: Each AOP API's JSON param.
_AOP_PARAMS: Final = {aop.SEARCH_API: aop.SEARCH_PARAM, aop.UPLOAD_API: aop.UPLOAD_PARAM}
FAKE_RESELLER_URL: Final = f"http://{IN_PROCESS_HOST}"
#: A reseller call's credentials, image and the platform's category: replaced or dropped.
_RESELLER_DROPPED: Final = frozenset({*reseller.CREDENTIAL_PARAMS, "imgid", "imgcode", "cat"})
#: How pailitao cassettes mark a canonical body (:mod:`pailitao.recording.canonical`).
_SENT_AS: Final = "X-Pailitao-Sent-As"


def recorded_params(request: RecordedRequest) -> dict[str, str]:
    """The text params of a recorded request: query string, then the body.

    The body may be urlencoded, multipart, or pailitao's canonical form (one
    ``key=value`` per line, see :mod:`pailitao.recording.canonical`).
    """
    body = request.body
    if body is not None and (request.header(_SENT_AS) or request.header("content-type")
                             .lower().startswith("text/plain")):  # fmt: skip
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        params = dict(parse_qsl(urlsplit(request.uri).query, keep_blank_values=True))
        return params | parse_canonical_body(text)
    headers = {"Content-Type": request.header("content-type")}
    form = read_form(request.uri, headers, body)
    return dict(form.params) if form is not None else {}


def resign(
    params: Mapping[str, str],
    image: Mapping[str, str],
    *,
    app_key: str = DEMO_APP_KEY,
    secret: str = DEMO_APP_SECRET,
    now: float | None = None,
) -> dict[str, str]:
    """The recorded params for another app: fresh timestamp, ``image`` as the source, signed."""
    kept = {k: v for k, v in params.items() if k not in _DROPPED and k not in _IMAGE_KEYS}
    fresh = {**kept, **image, "app_key": app_key, "sign_method": "md5"}
    fresh["timestamp"] = signing.format_timestamp(time.time() if now is None else now)
    fresh["sign"] = signing.sign(fresh, secret)
    return fresh


def resign_aop(
    api: str,
    params: Mapping[str, str],
    image: Mapping[str, str],
    *,
    app_key: str = DEMO_APP_KEY,
    secret: str = DEMO_APP_SECRET,
    access_token: str = DEMO_ACCESS_TOKEN,
    now: float | None = None,
) -> tuple[aop.ApiPath, dict[str, str]]:
    """A recorded AOP call for another app: its path, and params with ``image`` in, signed.

    ``api`` is the API's name (``product.search.imageQuery``); ``image`` the
    fields that name the image in its JSON param (``{"imageAddress": url}``).
    A JSON param that is no JSON object is sent as recorded.
    """
    path = aop.ApiPath(aop.NAMESPACE, api, app_key)
    fresh = {k: v for k, v in params.items() if k not in _AOP_DROPPED}
    name = _AOP_PARAMS[api]
    value = _json_object(fresh.get(name, "{}"))
    if value is not None:
        kept = {k: v for k, v in value.items() if k not in _AOP_DROPPED_FIELDS}
        fresh[name] = aop.encode_param({**kept, **image})
    fresh[aop.ACCESS_TOKEN] = access_token
    fresh[aop.TIMESTAMP] = signing.format_timestamp(time.time() if now is None else now, "millis")
    fresh[aop.SIGNATURE] = aop.sign(path.signed, fresh, secret)
    return path, fresh


def reseller_params(
    params: Mapping[str, str],
    image: Mapping[str, str],
    *,
    key: str = DEMO_APP_KEY,
    secret: str = DEMO_APP_SECRET,
) -> dict[str, str]:
    """A recorded reseller call for another app: its ``key`` and ``secret``, ``image`` in
    (``{"imgid": url}`` or ``{"imgcode": base64}``), ``cat`` dropped. Nothing to sign."""
    kept = {k: v for k, v in params.items() if k not in _RESELLER_DROPPED}
    return {"key": key, "secret": secret, **kept, **image}


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def payload_of(raw: str | bytes | None) -> dict[str, Any] | None:
    """The JSON object of a body that holds exactly one known envelope, else ``None``."""
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict) or len(find_envelopes(data)) != 1:
        return None
    return _current_keys(data)


#: TOP's legacy keys, by the key TOP's rule gives.
_CURRENT: Final = {legacy: key for key, legacy in top.LEGACY_RESPONSE_KEYS.items()}


def _current_keys(data: dict[str, Any]) -> dict[str, Any]:
    """An answer under a legacy TOP key as under the current one: the same envelope, so an
    old recording compares with the fake by shape, not by the key's spelling."""
    return {_CURRENT.get(key, key): value for key, value in data.items()}


def envelope_of(payload: Mapping[str, Any]) -> str:
    """The envelope of a payload that :func:`payload_of` accepted (TOP key or AOP shape)."""
    return find_envelopes(payload)[0]


def compare_envelopes(recorded: Mapping[str, Any], fake: Mapping[str, Any]) -> Drift | None:
    """An ``envelope`` drift if one answer is an error and the other is not."""
    mine, theirs = envelope_of(recorded), envelope_of(fake)
    if mine == theirs:
        return None
    return Drift("$", "envelope", _describe(mine, recorded), _describe(theirs, fake))


#: What an error envelope's description quotes: its code, message and detail.
_ERROR_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "error_response": ("code", "msg", "sub_msg"),
    AOP_BUSINESS_ERROR: ("code", "message"),
    AOP_GATEWAY_ERROR: (aop.ERROR_CODE_KEY, aop.ERROR_MESSAGE_KEY, "exception"),
    RESELLER_ERROR: ("error_code", "error", "reason"),
}


def _describe(envelope: str, payload: Mapping[str, Any]) -> str:
    if envelope not in ERRORS:
        return envelope
    error = body_of(payload, envelope)
    detail = " ".join(str(error.get(k, "")) for k in _ERROR_KEYS[envelope]).strip()
    return f"{envelope} ({clip(detail)})"


def merge_shapes(shapes: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """One shape from many: every path any of them has, with every kind seen."""
    kinds: dict[str, set[str]] = {}
    for one in shapes:
        for path, kind in one.items():
            kinds.setdefault(path, set()).update(kind.split("|"))
    merged = {}
    for path, found in kinds.items():
        if "array" in found:
            found.discard("array:empty")
        merged[path] = "|".join(sorted(found))
    return merged


@dataclass(frozen=True)
class Finding:
    """A drift, where it was seen (an API or ``file:index``), and the entry accepting it."""

    drift: Drift
    where: str
    allowed: AllowEntry | None = None

    def __str__(self) -> str:
        tail = f"  [allowed: {self.allowed.reason}]" if self.allowed else ""
        return f"{self.where}: {self.drift}{tail}"


@dataclass
class DiffReport:
    """What a replay found: compared answers, skipped ones and drifts."""

    compared: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unused: list[AllowEntry] = field(default_factory=list)

    @property
    def drifting(self) -> list[Finding]:
        """The findings no allow-list entry accepts."""
        return [finding for finding in self.findings if finding.allowed is None]

    def lines(self) -> list[str]:
        """The report: drifts first, then allowed ones, skipped answers, stale entries."""
        out = [str(f) for f in self.drifting]
        out += [f"allowed: {f}" for f in self.findings if f.allowed is not None]
        out += [f"skipped: {where}: {why}" for where, why in self.skipped]
        out += [f"unused allow-list entry: {e.path} ({e.kind or 'any'})" for e in self.unused]
        return out

    @property
    def summary(self) -> str:
        """One line: how much was compared and how much drifted."""
        bad, ok = len(self.drifting), len(self.findings) - len(self.drifting)
        head = f"compared {self.compared} answer{'' if self.compared == 1 else 's'}"
        if self.skipped:
            head += f" ({len(self.skipped)} skipped)"
        if not bad:
            return f"{head}: no drift" + (f" outside the allow-list ({ok} allowed)" if ok else "")
        return f"{head}: {bad} difference{'' if bad == 1 else 's'} in shape, {ok} allowed"


class FakeReplayer:
    """Sends re-signed requests to an in-process fake gateway (a ``fake1688.FakeGateway``)."""

    def __init__(self, gateway: Any) -> None:
        import httpx  # noqa: PLC0415 - cheap, but only the replay needs a client

        self.gateway = gateway
        offer = self.gateway.catalog.offers[0]
        photo = base64.b64encode(self.gateway.catalog.image_bytes(offer)).decode()
        self._sources = {
            "search": {"imageUrl": str(offer.pic_url)},
            "upload": {"image": photo},
            aop.SEARCH_API: {"imageAddress": str(offer.pic_url)},
            aop.UPLOAD_API: {"imageBase64": photo},
            reseller.SEARCH_API: {"imgid": str(offer.pic_url)},
            reseller.UPLOAD_API: {"imgcode": photo},
        }
        self._http = httpx.Client(transport=self.gateway.transport())

    def close(self) -> None:
        """Release the HTTP client."""
        self._http.close()

    def answer(self, api: str, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The fake's answer to the params, with its own image for ``api``.

        ``api`` is ``"search"`` or ``"upload"`` (TOP), an AOP API's name, or a
        reseller API's (``item_search_img``: a GET; ``upload_img``: a form POST).
        """
        if api in RESELLER_APIS:
            url = FAKE_RESELLER_URL + reseller.api_path(api)
            fresh = reseller_params(params, self._sources[api])
            if api == reseller.UPLOAD_API:
                response = self._http.post(url, data=fresh)
            else:
                response = self._http.get(url, params=fresh)
        elif api in AOP_APIS:
            path, fresh = resign_aop(api, params, self._sources[api])
            response = self._http.post(path.url(FAKE_AOP_URL), data=fresh)
        else:
            response = self._http.post(FAKE_URL, data=resign(params, self._sources[api]))
        return payload_of(response.content)


def diff_cassettes(
    paths: Iterable[Path], gateway: Any, *, allow: AllowList | None = None
) -> DiffReport:
    """Replay every recorded search and upload against ``gateway`` (a ``fake1688.FakeGateway``);
    report drifts in shape."""
    allow = allow or AllowList()
    report = DiffReport()
    recorded_shapes: dict[str, list[dict[str, str]]] = {}
    fake_shapes: dict[str, list[dict[str, str]]] = {}
    replayer = FakeReplayer(gateway)
    try:
        for answer in _answers(paths, report):
            _replay_one(answer, replayer, report, (recorded_shapes, fake_shapes))
    finally:
        replayer.close()
    drifts = [
        Finding(drift, api)
        for api in sorted(recorded_shapes)
        for drift in diff(merge_shapes(recorded_shapes[api]), merge_shapes(fake_shapes[api]))
    ]
    report.findings = [f for f in report.findings if f.drift.kind == "envelope"] + drifts
    report.findings = [Finding(f.drift, f.where, allow.allowing(f.drift)) for f in report.findings]
    report.unused = allow.unused([f.drift for f in report.findings])
    return report


def _answers(paths: Iterable[Path], report: DiffReport) -> Iterable[Recorded]:
    for file in (f for path in paths for f in find_files(path)):
        try:
            yield from load_file(file)
        except SourceError as error:
            report.skipped.append((str(file), str(error)))


def api_of(request: RecordedRequest, params: Mapping[str, str]) -> str | None:
    """What a recorded request calls: ``"search"``/``"upload"`` (TOP), an AOP API's name
    (``"product.search.imageQuery"``), a reseller API's (``"item_search_img"``), or
    ``None`` for anything else."""
    resold = reseller_api(request.uri)
    if resold is not None:
        return resold
    path = aop_api(request.uri)
    if path is not None:
        return path.name if path.name in AOP_APIS else None
    return _APIS.get(params.get("method", ""))


def _replay_one(
    answer: Recorded,
    replayer: FakeReplayer,
    report: DiffReport,
    shapes: tuple[dict[str, list[dict[str, str]]], dict[str, list[dict[str, str]]]],
) -> None:
    params = recorded_params(answer.request) if answer.request else {}
    api = api_of(answer.request, params) if answer.request else None
    recorded = payload_of(answer.body)
    if answer.request is None:
        report.skipped.append((answer.where, "no request recorded to replay"))
    elif api is None:
        report.skipped.append((answer.where, "not a search or upload request"))
    elif recorded is None:
        report.skipped.append((answer.where, "no JSON envelope recorded; see `contract check`"))
    elif envelope_of(recorded) in ERRORS:
        report.skipped.append((answer.where, "recorded an error the fake cannot reproduce"))
    else:
        fake = replayer.answer(api, params)
        report.compared += 1
        if fake is None:
            fake = {"error_response": {"msg": "the fake's answer is not a JSON envelope"}}
        drift = compare_envelopes(recorded, fake)
        if drift is not None:
            report.findings.append(Finding(drift, answer.where))
            return
        shapes[0].setdefault(api, []).append(shape(recorded))
        shapes[1].setdefault(api, []).append(shape(fake))
