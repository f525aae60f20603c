"""``pailitao cassettes record``: a recording proxy in front of a gateway.

Code in any language records pailitao cassettes by pointing its base URL at
the proxy. Each request runs one pipeline::

    HTTP request → canonical form (the recording room's own hook: signature
    verified with the configured secret) → already recorded? answer from the
    cassette (``--record missing``) → else forward to the upstream gateway →
    its answer to the client, as it came, and into the cassette, scrubbed

What is saved is what in-process recording saves, through the same hooks and
persister: canonical requests, a whitelist of response headers, placeholders
for the configured secret, app key and access token and for the credentials
requests carry. The cassette is written after every new interaction, so it
is complete whenever the proxy stops. With ``--record all`` every request is
forwarded, and a new recording replaces the loaded ones it matches.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

from .playback import Answer, Credentials, Incoming, Library, Recording, verified

if TYPE_CHECKING:
    import httpx

__all__ = ["PROXY_RECORD_MODES", "ProxyRecordMode", "RecordingProxy"]

ProxyRecordMode = Literal["missing", "all"]
PROXY_RECORD_MODES: Final = ("missing", "all")
#: Request headers not forwarded: the connection's own, and the encodings the proxy reads.
_NOT_FORWARDED: Final = frozenset(
    {"host", "connection", "keep-alive", "content-length", "transfer-encoding", "te", "upgrade"}
    | {"accept-encoding", "proxy-connection", "proxy-authorization"}
)
#: Response headers not passed back or stored: httpx has already decoded the body.
_NOT_RETURNED: Final = frozenset(
    {"connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding"}
)


class RecordingProxy:
    """Forwards requests to ``upstream`` and records them in one cassette."""

    def __init__(
        self,
        cassette: Path,
        upstream: str,
        client: httpx.Client,
        credentials: Credentials,
        record: ProxyRecordMode = "missing",
        *,
        load: bool = True,
    ) -> None:
        self.cassette = cassette
        self.upstream = upstream.rstrip("/")
        self.client = client
        self.record = record
        self.library = Library(credentials, "all" if record == "all" else "new_episodes")
        #: How many interactions this proxy has recorded.
        self.recorded = 0
        if load:  # else the cassette is rewritten with only what this proxy records
            self.library.load(cassette)

    def __call__(self, incoming: Incoming) -> Answer:
        target = self._target(incoming.uri)
        upstream = Incoming(incoming.method, target, incoming.headers, incoming.body)
        request, refused = verified(self.library, upstream)
        if refused is not None:
            return refused
        if self.record == "missing" and request is not None:
            recording = self.library.play(request)
            if recording is not None:
                return Answer.recorded(recording.response)
        answer = self._forward(upstream)
        if answer is None:  # nothing came back: nothing to record
            return self._unreachable()
        if request is not None:
            self._record(upstream, answer)
        return answer

    def _target(self, uri: str) -> str:
        parts = urlsplit(uri)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.upstream + path

    def _unreachable(self) -> Answer:
        where = urlsplit(self.upstream).netloc
        return Answer(
            502,
            "Bad Gateway",
            [("Content-Type", "text/plain; charset=utf-8")],
            f"pailitao cassettes record: the upstream gateway {where} did not answer; check "
            "that it runs and that --upstream names it. Nothing was recorded.".encode(),
        )

    def _forward(self, incoming: Incoming) -> Answer | None:
        """The upstream's answer, or ``None`` when none came."""
        import httpx  # noqa: PLC0415

        headers = {k: v for k, v in incoming.headers.items() if k.lower() not in _NOT_FORWARDED}
        headers["Accept-Encoding"] = "identity"
        try:
            response = self.client.request(
                incoming.method, incoming.uri, content=incoming.body, headers=headers
            )
        except httpx.HTTPError:
            return None
        kept = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in _NOT_RETURNED
        ]
        return Answer(response.status_code, response.reason_phrase, kept, response.content)

    def _record(self, incoming: Incoming, answer: Answer) -> None:
        from vcr.request import Request  # noqa: PLC0415

        raw = Request(incoming.method, incoming.uri, incoming.body, incoming.headers)
        headers: dict[str, list[str]] = {}
        for name, value in answer.headers:
            headers.setdefault(name, []).append(value)
        response = {
            "status": {"code": answer.status, "message": answer.reason},
            "headers": headers,
            "body": {"string": answer.body},
        }
        settings = self.library.settings
        request = settings["before_record_request"](raw)  # learns the credentials to scrub
        stored = settings["before_record_response"](copy.deepcopy(response))
        if request is None or stored is None:
            return
        with self.library.lock:
            if self.record == "all":  # a new recording replaces the loaded ones it matches
                self.library.drop_loaded(request)
            where = f"{self.cassette.name}, interaction {len(self.library.recordings)}"
            self.library.add(Recording(request, stored, where, loaded=False))
            self.recorded += 1
            self._save()

    def _save(self) -> None:
        """Write the cassette as vcrpy would: placeholders in, replay marks out."""
        requests: list[Any] = []
        responses: list[Any] = []
        for recording in self.library.recordings:
            request = copy.deepcopy(recording.request)
            response = copy.deepcopy(recording.response)
            request, response = self.library.hide(request, response)
            requests.append(request)
            responses.append(response)
        settings = self.library.settings
        settings["persister"].save_cassette(
            self.cassette, {"requests": requests, "responses": responses}, settings["serializer"]
        )
