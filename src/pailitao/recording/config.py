"""A ready vcrpy configuration for signed 1688 image search.

* Requests are stored and matched in their canonical form (see
  :mod:`pailitao.recording.canonical`): method, host, path and the sorted params
  without ``timestamp``, ``sign``, ``app_key`` & co, images as fingerprints. The
  ``pailitao_params`` matcher names the param that differs when none matches.
* The configured secret and app key are scrubbed from everything saved, and
  only a whitelisted few headers are kept.
* During replay every outgoing signed request is verified with the configured
  secret by the same verifier as the fake gateway: a broken signer fails loudly.
* Calls to the in-process fake (host :data:`IN_PROCESS_HOST`) are never recorded
  or answered from a cassette.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from ..errors import PailitaoError
from ..wire import IN_PROCESS_HOST, signing
from .canonical import (
    CANONICAL_CONTENT_TYPE,
    SENT_AS_HEADER,
    canonical_body,
    canonical_params,
    parse_canonical_body,
    read_form,
    without_query,
)
from .serializer import SERIALIZER_NAME, serializer

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


#: The only response headers a cassette keeps.
_KEPT_RESPONSE_HEADERS: Final = frozenset({"content-type", "content-encoding"})
SECRET_PLACEHOLDER: Final = "<PAILITAO_APP_SECRET>"  # noqa: S105 - a placeholder
APP_KEY_PLACEHOLDER: Final = "<PAILITAO_APP_KEY>"


class ReplaySignatureError(PailitaoError, AssertionError):
    """A request's sign does not verify with the configured secret.

    Raised while replaying (or recording) so that a broken signer fails the
    test, exactly as the platform would reject the request.
    """


def _elided(value: str, keep: int = 24) -> str:
    if len(value) <= 2 * keep + 16:
        return value
    return f"{value[:keep]}…({len(value):,} chars)…{value[-keep:]}"


def _check_signature(params: list[tuple[str, str]], secret: str) -> None:
    values = dict(params)
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


def _request_hook(secret: str | None, verify: bool, blob_dir: Path | None) -> Callable[[Any], Any]:
    def canonicalise(request: Any) -> Any:
        form = read_form(request.uri, request.headers, request.body)
        if form is None:  # not a form: keep the body, drop the query and headers
            request.uri = without_query(request.uri)
            request.headers = {}
            return request
        if verify and secret:
            _check_signature(form.params, secret)
        params = canonical_params(form, blob_dir)
        request.uri = without_query(request.uri)
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
    differences = [_difference(k, new.get(k), old.get(k)) for k in keys if new.get(k) != old.get(k)]
    raise AssertionError("; ".join(differences) or "the bodies differ")


def _response_hook(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    response["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS}
    return response


def vcr_config(
    *,
    secret: str | None = None,
    app_key: str | None = None,
    record_mode: RecordMode = "none",
    verify_signatures: bool = True,
    blob_dir: str | Path | None = None,
    ignore_hosts: Iterable[str] = (IN_PROCESS_HOST,),
) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR(**config)`` or pytest-recording's ``vcr_config``.

    ``secret`` verifies every signed request during replay (and is scrubbed
    from what is saved, as is ``app_key``). ``record_mode`` defaults to
    ``"none"``: replay only, safe in CI. ``blob_dir`` keeps uploaded image bytes
    beside the cassettes (``<sha256>.<format>``), written only while recording.

    The cassette serializer and the params matcher are registered on a VCR
    instance by :func:`register` (or use :func:`make_vcr`).
    """
    if record_mode not in RECORD_MODES:
        raise ValueError(
            f"record_mode must be one of {', '.join(RECORD_MODES)}, not {record_mode!r}"
        )
    blobs = Path(blob_dir) if blob_dir is not None and record_mode != "none" else None
    sensitive = [(SECRET_PLACEHOLDER, secret), (APP_KEY_PLACEHOLDER, app_key)]
    return {
        "record_mode": record_mode,
        "serializer": SERIALIZER_NAME,
        "path_transformer": _ensure_yaml_suffix,
        "match_on": ("method", "host", "path", MATCHER_NAME),
        "before_record_request": _request_hook(secret, verify_signatures, blobs),
        "before_record_response": _response_hook,
        "filter_sensitive_data": [(p, v) for p, v in sensitive if v],
        "decode_compressed_response": True,
        "ignore_hosts": tuple(ignore_hosts),
    }


def _ensure_yaml_suffix(path: str) -> str:
    return path if path.endswith((".yaml", ".yml")) else path + ".yaml"


def register(instance: vcr.VCR) -> vcr.VCR:
    """Register the cassette serializer and the params matcher on a VCR instance."""
    instance.register_serializer(SERIALIZER_NAME, serializer)
    instance.register_matcher(MATCHER_NAME, pailitao_params)
    return instance


def make_vcr(*, cassette_library_dir: str | Path | None = None, **options: Any) -> vcr.VCR:
    """A ready ``vcr.VCR``: :func:`vcr_config` with the serializer registered."""
    import vcr  # noqa: PLC0415 - vcrpy is an optional extra: pailitao[record]

    config = vcr_config(**options)
    library = None if cassette_library_dir is None else str(cassette_library_dir)
    return register(vcr.VCR(cassette_library_dir=library, **config))
