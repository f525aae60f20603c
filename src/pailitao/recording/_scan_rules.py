"""The rules of ``pailitao cassettes scan``: which names and which patterns betray a secret.

A named value (a query or form param, a multipart part, a JSON key, a header, a
cookie) is judged by its name — ``sign``, ``access_token``, ``secret``,
``JSESSIONID`` … — and by holding something that is no placeholder; free text
is judged line by line by patterns (``sign=…``, ``"session": …``, ``Bearer …``,
a JWT, a long token after an auth-like name, an Open Platform path that ends
in an app key). A :class:`Hit` says which rule matched, never the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

__all__ = [
    "APP_KEY_DETAIL",
    "ENV_OF",
    "Hit",
    "auth_header_rule",
    "is_placeholder",
    "line_hits",
    "name_rule",
    "session_cookie_rule",
    "shown",
    "unpercent",
]

ENV_OF: Final = {
    "configured-secret": "PAILITAO_APP_SECRET",
    "configured-app-key": "PAILITAO_APP_KEY",
    "configured-access-token": "PAILITAO_ACCESS_TOKEN",
}


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched, and the offset in the scanned string of its evidence."""

    rule: str
    detail: str
    offset: int = 0


# -- names ------------------------------------------------------------------

_SECRET_PARAMS: Final = frozenset({"sign", "_aop_signature", "session", "access_token"})
_CREDENTIALS: Final = frozenset(
    {"secret", "app_secret", "client_secret", "password", "passwd", "token"}
)
#: Where a ``key`` is no credential: a JSON or YAML ``key`` names an attribute as
#: often; in a query string, form, multipart part or header it is a reseller's.
_DATA_SOURCES: Final = frozenset({"json", "yaml"})
_AUTH_HEADER: Final = re.compile(
    r"(?:proxy-)?authorization|x-(?:api|auth|access)-(?:key|token)|api-?key", re.IGNORECASE
)
_SESSION_COOKIE: Final = re.compile(
    r"sess|^s?sid$|\.sid$|token|auth|^cookie2$|^_m_h5_tk|^sgcookie$|^x5sec$|^csg$|^unb$",
    re.IGNORECASE,
)
_AUTH_NAME: Final = (
    r"(?:token|secret|passw(?:or)?d|authori[sz]ation|auth|api[_-]?key|app[_-]?key|"
    r"credential|signature|cookie)"
)
_TOKEN_SHAPE: Final = r"(?:[0-9a-f]{32,}|[0-9A-Z]{32,}|[A-Za-z0-9+/_-]{40,}={0,2})"  # noqa: S105
_TOKEN_VALUE: Final = re.compile(rf"(?:bearer\s+)?{_TOKEN_SHAPE}", re.IGNORECASE)
#: An Open Platform offer's own ``token`` in a search answer: public data.
_OFFER_TOKEN_VALUE: Final = re.compile(r"[0-9A-Za-z]{35}")
_PLACEHOLDER_VALUE: Final = re.compile(
    r"\*+|<[^<>]*>|null|none|~|\[\]|\{\}|''|\"\"|deleted", re.IGNORECASE
)
_SHOWN_NAME: Final = re.compile(r"[\w.-]{1,40}")
_AUTH_SCHEME: Final = re.compile(r"bearer|basic|token|digest|apikey", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """Whether a value is empty or a placeholder, maybe percent-encoded or after a scheme."""
    stripped = unpercent(value).strip()
    scheme, _, credential = stripped.partition(" ")
    if _AUTH_SCHEME.fullmatch(scheme):  # ``Bearer <PAILITAO_ACCESS_TOKEN>``, ``Bearer``
        stripped = credential.strip()
    return not stripped or _PLACEHOLDER_VALUE.fullmatch(stripped) is not None


def shown(name: str) -> str:
    """A name fit to print: a header's or a cookie's, never a value in a name's place."""
    return name if _SHOWN_NAME.fullmatch(name) else "…"


_DETAILS: Final = {
    "unscrubbed-param": "param '{}' has a value",
    "credential-param": "credential '{}' has a value",
    "token-in-auth-field": "a long token in '{}'",
}


def _named(rule: str, name: str) -> Hit:
    return Hit(rule, _DETAILS[rule].format(shown(name.lower())))


def name_rule(name: str, value: str, source: str) -> Hit | None:
    if name in _SECRET_PARAMS:
        return _named("unscrubbed-param", name)
    if name == "token" and source == "json" and _OFFER_TOKEN_VALUE.fullmatch(value):
        return None
    if name in _CREDENTIALS or (name == "key" and source not in _DATA_SOURCES):
        return _named("credential-param", name)
    if re.search(_AUTH_NAME, name, re.IGNORECASE) and _TOKEN_VALUE.fullmatch(value.strip()):
        return _named("token-in-auth-field", name)
    return None


def auth_header_rule(name: str, value: str) -> Hit | None:
    """The finding for an ``Authorization`` or API key header's value; ``None`` for others."""
    if not _AUTH_HEADER.fullmatch(name) or is_placeholder(value):
        return None
    if bearer_spans(value):
        return Hit("bearer-token", "a bearer token")
    return Hit("auth-header", f"header '{shown(name)}' has credentials")


def session_cookie_rule(name: str) -> Hit | None:
    """The finding for a session cookie with a value; ``None`` for another cookie."""
    if not _SESSION_COOKIE.search(name):
        return None
    return Hit("session-cookie", f"session cookie '{shown(name)}' has a value")


# -- free text, line by line --------------------------------------------------

_PARAM_NAMES: Final = r"(?P<name>sign|_aop_signature|session|access_token)"
_PLACEHOLDER: Final = r"(?!(?:\*+|<[^>]*>|null|~|\[\]|\{\}|''|\"\")(?:[\s&'\",}]|$))"
_UNSCRUBBED: Final = (
    # query strings, form bodies and canonical ``key=value`` lines
    re.compile(rf"(?:^|[?&\s'\"]){_PARAM_NAMES}={_PLACEHOLDER}[^&\s'\"]+", re.IGNORECASE),
    # JSON and YAML keys
    re.compile(
        rf"[\"']?\b{_PARAM_NAMES}[\"']?\s*:\s*{_PLACEHOLDER}[\"']?[^\s\"',}}]+", re.IGNORECASE
    ),
)
_CREDENTIAL_PARAM: Final = re.compile(
    rf"(?:^|[?&\s'\"])(?P<name>key|secret|app_secret|password)={_PLACEHOLDER}[^&\s'\"]+",
    re.IGNORECASE,
)
#: ``/param2/<version>/<namespace>/<name>/<appKey>``: five segments, the last no placeholder.
_APP_KEY_IN_PATH: Final = re.compile(r"/param2(?:/[^/\s?#'\"<>]+){4}/?(?=[\s?#'\"]|$)")
_TOKEN_IN_AUTH_FIELD: Final = re.compile(
    rf"(?P<name>{_AUTH_NAME})[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?{_TOKEN_SHAPE}"
    r"(?![A-Za-z0-9+/_-])",
    re.IGNORECASE,
)
#: An offer's own ``"token"`` in free text (quotes escaped in a double-quoted YAML).
_OFFER_TOKEN: Final = re.compile(r'\\?"token\\?":\s*\\?"[0-9A-Za-z]{35}\\?"')
_BEARER: Final = re.compile(r"\bbearer\s+(?P<token>[A-Za-z0-9._~+/-]{8,}=*)", re.IGNORECASE)
#: A JSON Web Token: base64url of ``{"`` (``eyJ``), a payload and a signature (maybe empty).
_JWT: Final = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"
)
APP_KEY_DETAIL: Final = "an Open Platform URL path still ends in an app key"
#: Percent-decoding rounds: a URL inside a URL inside a query is three; the bound keeps
#: a crafted value cheap.
_MAX_PERCENT_ROUNDS: Final = 6


def bearer_spans(line: str) -> list[tuple[int, int]]:
    """The spans of bearer tokens: 8+ characters with a digit or a sign, or 20+ letters.

    Prose such as "send a Bearer authentication header" names no token.
    """
    return [
        match.span()
        for match in _BEARER.finditer(line)
        if len(token := match["token"]) >= 20 or re.search(r"[0-9._~+/=-]", token)
    ]


def line_hits(line: str) -> list[Hit]:
    """The pattern rules on one line of free text (the offset is 0: the line's own)."""
    hits: list[Hit] = []
    unscrubbed = next((m for p in _UNSCRUBBED if (m := p.search(line))), None)
    credential = _CREDENTIAL_PARAM.search(line)
    token = _TOKEN_IN_AUTH_FIELD.search(_OFFER_TOKEN.sub("", line))
    bearers = bearer_spans(line)
    if unscrubbed:
        hits.append(_named("unscrubbed-param", unscrubbed["name"]))
    elif credential:
        hits.append(_named("credential-param", credential["name"]))
    elif token and not bearers:  # ``Authorization: Bearer <token>`` is one finding
        hits.append(_named("token-in-auth-field", token["name"]))
    if _APP_KEY_IN_PATH.search(line):
        hits.append(Hit("app-key-in-path", APP_KEY_DETAIL))
    if bearers:
        hits.append(Hit("bearer-token", "a bearer token"))
    jwts = [match.start() for match in _JWT.finditer(line)]
    if any(not any(start <= at < end for start, end in bearers) for at in jwts):
        hits.append(Hit("jwt", "a JSON Web Token"))  # a bearer's own JWT is that bearer
    return hits


def unpercent(text: str) -> str:
    """Percent-decoding repeated until it changes nothing (``%2526`` is ``&``)."""
    for _ in range(_MAX_PERCENT_ROUNDS):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text
