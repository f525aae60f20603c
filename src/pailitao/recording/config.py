"""A ready vcrpy configuration for signed 1688 image search.

* Requests are stored and matched in their canonical form (see
  :mod:`pailitao.recording.canonical`): method, host, path and the sorted params
  without ``timestamp``, ``sign``, ``app_key``, ``access_token``, ``_aop_*`` &
  co, images as fingerprints, Open Platform JSON params as canonical JSON. The
  ``pailitao_params`` matcher names the param (or JSON field) that differs when
  none matches.
* The configured secret, app key and access token are scrubbed from everything
  saved, as are the access tokens and Open Platform app keys requests send, and
  only a whitelisted few headers are kept.
* During replay every outgoing signed request (TOP ``sign`` or AOP
  ``_aop_signature``) is verified with the configured secret by the same
  verifier as the fake gateway: a broken signer fails loudly.
* The resellers' dialect (``/1688/item_search_img/``) is unsigned: its ``key``
  and ``secret`` travel in clear in the query string and are dropped from what
  is stored and matched, so replay has nothing to verify (a request with the
  wrong credentials replays all the same). The values requests send are
  scrubbed from the recorded answers, as the configured ones are.
* Only 1688 traffic is recorded (a TOP router, Open Platform or reseller API
  path, on any host): any other request passes through to whatever handles it
  (respx, another cassette, the network). Calls to the in-process fake (host
  :data:`IN_PROCESS_HOST`) are never recorded or answered from a cassette.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from ..client._answers import REPLAYED_FROM_HEADER
from ..errors import PailitaoError
from ..wire import IN_PROCESS_HOST, aop, signing
from .canonical import (
    CANONICAL_CONTENT_TYPE,
    SENT_AS_HEADER,
    Form,
    aop_api,
    canonical_body,
    canonical_params,
    canonical_uri,
    is_gateway_request,
    json_document,
    parse_canonical_body,
    read_form,
    reseller_api,
)
from .serializer import SERIALIZER_NAME, CassettePersister, serializer

if TYPE_CHECKING:
    import vcr

__all__ = [
    "IN_PROCESS_HOST",
    "RecordMode",
    "ReplaySignatureError",
    "make_vcr",
    "register",
    "vcr_config",
]

RecordMode = Literal["none", "once", "new_episodes", "all"]
RECORD_MODES: Final = ("none", "once", "new_episodes", "all")


#: The only response headers a cassette keeps, and the replay mark the persister adds
#: to the answers it loads (vcrpy passes them through this filter too; never saved).
_KEPT_RESPONSE_HEADERS: Final = frozenset(
    {"content-type", "content-encoding", REPLAYED_FROM_HEADER.lower()}
)
SECRET_PLACEHOLDER: Final = "<PAILITAO_APP_SECRET>"  # noqa: S105 - a placeholder
APP_KEY_PLACEHOLDER: Final = "<PAILITAO_APP_KEY>"
ACCESS_TOKEN_PLACEHOLDER: Final = "<PAILITAO_ACCESS_TOKEN>"  # noqa: S105 - a placeholder


class ReplaySignatureError(PailitaoError, AssertionError):
    """A request's sign does not verify with the configured secret.

    Raised while replaying (or recording) so that a broken signer fails the
    test, exactly as the platform would reject the request.
    """


def _elided(value: str, keep: int = 24) -> str:
    if len(value) <= 2 * keep + 16:
        return value
    return f"{value[:keep]}…({len(value):,} chars)…{value[-keep:]}"


def _check_top_signature(values: dict[str, str], secret: str) -> None:
    if "method" not in values:
        return  # not a TOP router call (an image download, say)
    if signing.verify(values, secret):
        return
    method = values.get("sign_method") or "md5"
    keys = signing.signed_keys(values)
    shown = "".join(key + _elided(str(values[key])) for key in keys)
    reason = "has no sign" if "sign" not in values else "does not verify"
    raise ReplaySignatureError(
        f"the request to {values['method']} {reason} with the configured secret "
        f"(sign_method {method}). The signer hashed the canonical string {shown!r} "
        f"(long values elided) over params {', '.join(keys)}. Fix the signer, or give "
        "the recording config the secret the client signs with."
    )


def _aop_shown(key: str, value: str) -> str:
    return key + ("<redacted>" if key == aop.ACCESS_TOKEN else _elided(value))


def _check_aop_signature(api: aop.ApiPath, values: dict[str, str], secret: str) -> None:
    if (api.namespace, api.name) == (aop.TIME_NAMESPACE, aop.TIME_API):
        return  # the gateway's clock is unsigned by design
    if aop.verify(api.signed, values, secret):
        return
    # Sorted by the real key+value, as signed; shown shortened, the token redacted.
    signed = sorted((key + value, key) for key, value in values.items() if key != aop.SIGNATURE)
    shown = api.signed + "".join(_aop_shown(key, values[key]) for _, key in signed)
    reason = f"has no {aop.SIGNATURE}" if not values.get(aop.SIGNATURE) else "does not verify"
    raise ReplaySignatureError(
        f"the request to {api.api} {reason} with the configured secret "
        f"(HMAC-SHA1). The signer hashed the canonical string {shown!r} (long values elided, "
        f"the access token redacted) over the URL path from {aop.PROTOCOL}/ on and params "
        f"{', '.join(sorted(key for _, key in signed))}. Fix the signer, or give the "
        "recording config the secret the client signs with."
    )


def _check_signature(uri: str, params: list[tuple[str, str]], secret: str) -> None:
    if reseller_api(uri) is not None:
        return  # the resellers' dialect is unsigned: key and secret travel in clear, dropped
    api = aop_api(uri)
    if api is None:
        _check_top_signature(dict(params), secret)
    else:
        _check_aop_signature(api, dict(params), secret)


#: The user tokens requests send (TOP's ``session``, the Open Platform's ``access_token``),
#: learned as the access token.
_TOKEN_PARAMS: Final = frozenset({"session", aop.ACCESS_TOKEN})
#: The resellers' credential params, learned from their requests as the secret and app key.
_RESELLER_CREDENTIALS: Final = {"key": APP_KEY_PLACEHOLDER, "secret": SECRET_PLACEHOLDER}
#: Learned values shorter than this are not scrubbed: they would hit ordinary text.
_MIN_LEARNED: Final = 6


class _Learned:
    """Credentials outgoing requests carry, scrubbed from the answers recorded after them.

    A value the config does not name is never restored on replay, so it is
    replaced only where it stands alone (or, an app key, after a ``/`` as in a
    URL or the signed path a refusal quotes): a numeric app key inside an offer
    id stays, and the replayed answer reads as recorded.
    """

    def __init__(self) -> None:
        self.patterns: dict[str, tuple[re.Pattern[str], str]] = {}

    def learn(self, uri: str, form: Form) -> None:
        api = aop_api(uri)
        if api is not None:
            self._add(api.app_key, APP_KEY_PLACEHOLDER, after_slash=True)
        reseller = reseller_api(uri) is not None
        for key, value in form.params:
            if key in _TOKEN_PARAMS:
                self._add(value, ACCESS_TOKEN_PLACEHOLDER)
            elif reseller and key in _RESELLER_CREDENTIALS:
                self._add(value, _RESELLER_CREDENTIALS[key])

    def _add(self, value: str, placeholder: str, *, after_slash: bool = False) -> None:
        if len(value) < _MIN_LEARNED or value in self.patterns:
            return
        text = re.escape(value)
        alone = rf"(?<![0-9A-Za-z]){text}(?![0-9A-Za-z])"
        word = rf"(?<=/){text}|{alone}" if after_slash else alone
        self.patterns[value] = (re.compile(word), placeholder)

    def scrub(self, data: Any) -> Any:
        if isinstance(data, str):
            for word, placeholder in self.patterns.values():
                data = word.sub(placeholder, data)
            return data
        if isinstance(data, bytes):
            text = data.decode("utf-8", "surrogateescape")
            return self.scrub(text).encode("utf-8", "surrogateescape")
        if isinstance(data, dict):
            return {key: self.scrub(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.scrub(item) for item in data]
        return data


def _request_hook(
    secret: str | None, verify: bool, blob_dir: Path | None, learned: _Learned
) -> Callable[[Any], Any]:
    def canonicalise(request: Any) -> Any:
        uri = request.uri
        if not is_gateway_request(uri):  # not 1688 traffic: not pailitao's to record
            return None
        form = read_form(uri, request.headers, request.body)
        request.uri = canonical_uri(uri)
        if form is None:  # not a form: keep the body, drop the query and headers
            request.headers = {}
            return request
        learned.learn(uri, form)
        if verify and secret:
            _check_signature(uri, form.params, secret)
        params = canonical_params(form, blob_dir, json_params=aop_api(uri) is not None)
        request.body = canonical_body(params)
        request.headers = {"Content-Type": CANONICAL_CONTENT_TYPE, SENT_AS_HEADER: form.sent_as}
        return request

    return canonicalise


MATCHER_NAME: Final = "pailitao_params"
_SHOWN: Final = 120


def _lines(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return "" if body is None else str(body)


@functools.lru_cache(maxsize=1024)  # recorded bodies are compared again and again
def _params_of(text: str) -> dict[str, str]:
    return parse_canonical_body(text)


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _difference(key: str, new: str | None, old: str | None) -> str:
    what = {"method": "API method", "image": "image", "file": "image"}.get(key, f"param {key!r}")
    if old is None:
        return f"{what}: only in this request ({_shown(new or '')})"
    if new is None:
        return f"{what}: only in the recorded request ({_shown(old)})"
    return f"{what}: recorded {_shown(old)}, this request {_shown(new)}"


_ABSENT: Final = object()


def _json_object(value: Any) -> dict[str, Any] | None:
    """A JSON object, or text of one (canonical JSON nests AOP's ``sort`` as text)."""
    if isinstance(value, str):
        value = json_document(value)
    return value if isinstance(value, dict) else None


def _json_text(value: Any) -> str | None:
    """A JSON field as JSON (``1`` vs ``"1"``); nested JSON text as it is, unescaped."""
    if value is _ABSENT:
        return None
    if isinstance(value, str) and json_document(value) is not None:
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _as_is(value: str | None) -> str | None:
    return value


def _field_differences(prefix: str, new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """The fields that differ inside two JSON objects, named ``prefix.field``, at any depth."""
    lines: list[str] = []
    for name in sorted(set(new) | set(old)):
        mine, theirs = new.get(name, _ABSENT), old.get(name, _ABSENT)
        if mine != theirs:
            lines += _differences(f"{prefix}.{name}", mine, theirs, _json_text)
    return lines


def _differences(key: str, new: Any, old: Any, text: Callable[[Any], str | None]) -> list[str]:
    """What differs in a param: the JSON fields inside, when both sides are JSON objects.

    ``text`` shows a value: a param as stored, a JSON field by :func:`_json_text`.
    """
    new_object, old_object = _json_object(new), _json_object(old)
    if new_object is not None and old_object is not None:
        inside = _field_differences(key, new_object, old_object)
        if inside:
            return inside
    return [_difference(key, text(new), text(old))]


def pailitao_params(request: Any, recorded: Any) -> None:
    """vcrpy matcher over canonical bodies: says which param differs, and how.

    Cheap on a match; builds its message only for params that differ (vcrpy
    evaluates every matcher against every recorded request).
    """
    new_text, old_text = _lines(request.body), _lines(recorded.body)
    if new_text == old_text:
        return
    new, old = _params_of(new_text), _params_of(old_text)
    keys = sorted(set(new) | set(old), key=lambda k: (k != "method", k))
    differences = [
        line
        for key in keys
        if new.get(key) != old.get(key)
        for line in _differences(key, new.get(key), old.get(key), _as_is)
    ]
    raise AssertionError("; ".join(differences) or "the bodies differ")


def _response_hook(learned: _Learned) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def scrub(response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers") or {}
        kept = {k: v for k, v in headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS}
        response["headers"] = kept
        scrubbed: dict[str, Any] = learned.scrub(response)
        return scrubbed

    return scrub


def vcr_config(
    *,
    secret: str | None = None,
    app_key: str | None = None,
    access_token: str | None = None,
    record_mode: RecordMode | None = "none",
    verify_signatures: bool = True,
    blob_dir: str | Path | None = None,
    ignore_hosts: Iterable[str] = (IN_PROCESS_HOST,),
) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR(**config)`` or pytest-recording's ``vcr_config``.

    ``secret`` verifies every signed request during replay (and is scrubbed
    from what is saved, as are ``app_key`` and ``access_token``; the access
    tokens and Open Platform app keys that requests send are scrubbed from the
    recorded answers even when not named here). ``record_mode`` defaults to
    ``"none"``: replay only, safe in CI; ``None`` leaves it out, to whoever
    makes the cassette (pytest-recording's ``--record-mode``). ``blob_dir`` keeps
    uploaded image bytes beside the cassettes (``<sha256>.<format>``), written
    only while recording (with ``record_mode=None``, whenever an image is seen).

    The cassette serializer and the params matcher are registered on a VCR
    instance by :func:`register` (or use :func:`make_vcr`).
    """
    if record_mode is not None and record_mode not in RECORD_MODES:
        raise ValueError(
            f"record_mode must be one of {', '.join(RECORD_MODES)}, not {record_mode!r}"
        )
    blobs = Path(blob_dir) if blob_dir is not None and record_mode != "none" else None
    sensitive = [
        (SECRET_PLACEHOLDER, secret),
        (APP_KEY_PLACEHOLDER, app_key),
        (ACCESS_TOKEN_PLACEHOLDER, access_token),
    ]
    learned = _Learned()  # shared by the two hooks: a request teaches, its answer is scrubbed
    mode = {} if record_mode is None else {"record_mode": record_mode}
    return {
        **mode,
        "serializer": SERIALIZER_NAME,
        "path_transformer": _ensure_yaml_suffix,
        "match_on": ("method", "host", "path", MATCHER_NAME),
        "before_record_request": _request_hook(secret, verify_signatures, blobs, learned),
        "before_record_response": _response_hook(learned),
        "filter_sensitive_data": [(p, v) for p, v in sensitive if v],
        "decode_compressed_response": True,
        "ignore_hosts": tuple(ignore_hosts),
    }


def _ensure_yaml_suffix(path: str) -> str:
    return path if path.endswith((".yaml", ".yml")) else path + ".yaml"


def register(instance: vcr.VCR) -> vcr.VCR:
    """Register the cassette serializer and persister and the params matcher on a VCR instance.

    The persister checks every cassette it loads (a broken one raises
    :class:`~pailitao.errors.CassetteError`) and follows the instance's record
    mode: in ``all`` a broken cassette is recorded anew.
    """
    instance.register_serializer(SERIALIZER_NAME, serializer)
    instance.register_persister(CassettePersister(instance.record_mode))
    instance.register_matcher(MATCHER_NAME, pailitao_params)
    return instance


def make_vcr(*, cassette_library_dir: str | Path | None = None, **options: Any) -> vcr.VCR:
    """A ready ``vcr.VCR``: :func:`vcr_config` with the serializer and persister registered."""
    import vcr  # noqa: PLC0415 - vcrpy is an optional extra: pailitao[record]

    config = vcr_config(**options)
    library = None if cassette_library_dir is None else str(cassette_library_dir)
    return register(vcr.VCR(cassette_library_dir=library, **config))
