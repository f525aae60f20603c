"""The dashboard's pages: the journal, a call, the catalog, the controls, thumbnails.

Server-rendered with Starlette's Jinja2 templates (autoescaped); the little
JavaScript (``static/dashboard.js``) fetches new journal lines, sends a dropped
photo and the controls' changes as JSON. The controls call the admin endpoints
(``/__fake__/faults``, ``/__fake__/limits``), so the same rules guard them.
"""

from __future__ import annotations

import binascii
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake1688.admin.endpoints import (
    ADMIN_COOKIE,
    ADMIN_PREFIX,
    DASHBOARD_PATH,
    LOCAL_ONLY,
    LOGIN_PATH,
    AdminAccess,
)
from fake1688.engine.errors import GatewayError
from fake1688.engine.faults import HTTP_STATUSES, KINDS
from fake1688.engine.pipeline import Engine
from fake1688.engine.protocol import FakeResponse
from fake1688.engine.search import SearchQuery
from fake1688.engine.store import Image, upload_names

from . import views
from .thumbs import Thumbnails

__all__ = ["PREFIX", "dashboard", "dashboard_routes", "sign_in_first"]

#: Where the dashboard is mounted on the served app.
PREFIX: Final = DASHBOARD_PATH
_HERE: Final = Path(__file__).parent
_SHA256_BYTES: Final = 32
#: Offers on one catalog page.
_PER_PAGE: Final = 60
#: The orders a photo dropped on the catalog page is shown in, with their titles.
_SORTS: Final = (
    ("relevance", "most similar"),
    ("price_asc", "price, low to high"),
    ("price_desc", "price, high to low"),
    ("sales_desc", "sales, most first"),
)
#: Offers shown for each order.
_SHOWN: Final = 20
#: The largest photo the catalog page takes (as base64 text in JSON).
_LONGEST_BODY: Final = 8 * 1024 * 1024
#: Where a failure of a page is logged, with its traceback.
_LOG: Final = logging.getLogger("fake1688.ui")
_FAILED: Final = (
    "<!doctype html><title>The dashboard failed</title><h1>The dashboard failed ({name})</h1>"
    "<p>This is a bug in fake1688: the server's log has the details. The fake itself "
    "goes on answering calls.</p>"
)
_MISSING: Final = (
    "<!doctype html><title>No such page</title><h1>No such dashboard page (HTTP {status})</h1>"
    '<p><a href="/__fake__/ui/">The journal</a> lists every call.</p>'
)
#: Thumbnails are named by what they show, so they never change.
_CACHED: Final = {"cache-control": "public, max-age=86400, immutable"}


def dashboard(engine: Engine, access: AdminAccess | None = LOCAL_ONLY) -> ASGIApp:
    """The dashboard over ``engine``, to mount at :data:`PREFIX`; ``access`` is the admin
    rule in front of it (its token is what the sign-in page checks)."""
    pages = _Pages(engine, access or LOCAL_ONLY)
    return _Failsafe(
        Router(
            [
                Route("/", pages.journal),
                Route("/login", pages.login, methods=["GET", "POST"]),
                Route("/rows", pages.rows),
                Route("/requests/{seq:int}", pages.entry),
                Route("/catalog", pages.catalog),
                Route("/search", pages.search, methods=["POST"]),
                Route("/controls", pages.controls),
                Route("/photos/{sha256:str}.jpg", pages.photo),
                Route("/offers/{num_iid:str}.jpg", pages.offer_photo),
                Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
            ]
        )
    )


class _Failsafe:
    """A failure of a page (a bug) answers an HTML page saying so, HTTP 500, and is
    logged with its traceback; never a bare 500, never a dropped connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except HTTPException as missing:  # the router's or the static files' 404 or 405
            await _page(send, missing.status_code, _MISSING.format(status=missing.status_code))
        except Exception as failure:
            _LOG.exception("the dashboard failed on %s", scope.get("path", "?")[:200])
            if not started:  # else the answer is under way: the connection ends it
                await _page(send, 500, _FAILED.format(name=type(failure).__name__))


async def _page(send: Send, status: int, html: str) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": html.encode()})


def dashboard_routes(engine: Engine, access: AdminAccess | None = LOCAL_ONLY) -> list[BaseRoute]:
    """The routes that serve the dashboard at :data:`PREFIX` (none when the engine
    serves no admin endpoints)."""
    if not engine.serves_admin:
        return []
    return [Route(PREFIX, _redirect), Mount(PREFIX, app=dashboard(engine, access))]


def sign_in_first(root_path: str, path: str) -> FakeResponse:
    """The answer to a dashboard page asked for without the admin token: to the sign-in."""
    target = quote(path[len(PREFIX) :] or "/", safe="/")
    location = f"{root_path}{LOGIN_PATH}?next={target}"
    return FakeResponse(303, (("location", location), ("content-length", "0")), b"")


def _redirect(request: Request) -> Response:
    """``/__fake__/ui`` → ``/__fake__/ui/``."""
    return RedirectResponse(request.scope.get("root_path", "") + PREFIX + "/", status_code=308)


class _Pages:
    def __init__(self, engine: Engine, access: AdminAccess) -> None:
        self.engine = engine
        self.access = access
        self.thumbs = Thumbnails()
        self.templates = Jinja2Templates(directory=_HERE / "templates")

    def _render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        context["base"] = base = request.scope.get("root_path", "")
        context["admin"] = base.removesuffix("/ui")  # the admin endpoints, beside the pages
        response: HTMLResponse = self.templates.TemplateResponse(
            request, name, context, status_code=status_code
        )
        return response

    # -- signing in --------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        """GET: the form; POST ``{"token": ...}``: the cookie that carries the admin token."""
        if request.method == "GET":
            wanted = request.query_params.get("next", "/")
            return self._render(
                request,
                "login.html",
                needed=self.access.token is not None,
                next=wanted if wanted.startswith("/") and not wanted.startswith("//") else "/",
            )
        try:
            token = json.loads(await request.body())["token"]
            if not isinstance(token, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _refused('send {"token": "<the admin token>"}')
        if self.access.token is None:
            return _refused("this fake has no admin token: its dashboard needs no sign-in")
        if not self.access.accepts(token):
            return JSONResponse({"error": "that is not this fake's admin token"}, 403)
        response = Response(status_code=204)
        response.set_cookie(
            ADMIN_COOKIE,
            token,
            path=request.scope.get("root_path", "").removesuffix(PREFIX) + ADMIN_PREFIX,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    # -- the journal -------------------------------------------------------------

    def journal(self, request: Request) -> HTMLResponse:
        filters = views.Filters.of(request.query_params)
        entries = self.engine.journal.entries()
        every = [views.row(entry) for entry in reversed(entries)]
        apis, apps = views.choices(every)
        return self._render(
            request,
            "journal.html",
            lines=[line for line in every if filters.admits(line)],
            filters=filters,
            apis=apis,
            apps=apps,
            dialects=views.DIALECTS,
            outcomes=views.OUTCOMES,
            last=entries[-1].seq if entries else 0,
            kept=self.engine.journal.maxlen,
        )

    def rows(self, request: Request) -> HTMLResponse:
        """The lines newer than ``after``, newest first, as table rows."""
        filters = views.Filters.of(request.query_params)
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            after = 0
        entries = [entry for entry in self.engine.journal.entries() if entry.seq > after]
        response = self._render(request, "rows.html", lines=views.rows(entries, filters))
        last = max((entry.seq for entry in entries), default=after)
        response.headers["x-last-seq"] = str(last)
        return response

    def entry(self, request: Request) -> HTMLResponse:
        seq = request.path_params["seq"]
        found = next((e for e in self.engine.journal.entries() if e.seq == seq), None)
        if found is None:
            return self._render(request, "missing.html", seq=seq, status_code=404)
        line = views.row(found)
        offers = self._offers(found.offers)
        distances = self._distances(found.image, offers)
        return self._render(
            request,
            "entry.html",
            line=line,
            entry=found,
            photo_kept=found.image is not None and self._photo(found.image) is not None,
            results=list(zip(offers, distances, strict=True)),
            signature=views.refused_signature(found),
            signed_params=views.signed_params(found),
            causes=views.signature_causes(line.dialect),
            answer=views.pretty_answer(found.answer),
        )

    # -- the catalog ------------------------------------------------------------

    def catalog(self, request: Request) -> HTMLResponse:
        catalog: Any = self.engine.catalog
        counts: dict[str, int] = {}
        for offer in catalog.offers:
            counts[offer.cat] = counts.get(offer.cat, 0) + 1
        cat = request.query_params.get("cat") or next(iter(counts), "")
        offers = [offer for offer in catalog.offers if offer.cat == cat]
        pages = max(1, math.ceil(len(offers) / _PER_PAGE))
        try:
            page = min(max(1, int(request.query_params.get("page", "1"))), pages)
        except ValueError:
            page = 1
        return self._render(
            request,
            "catalog.html",
            categories=[(c, catalog.categories.get(c, c), n) for c, n in counts.items()],
            cat=cat,
            offers=offers[(page - 1) * _PER_PAGE : page * _PER_PAGE],
            page=page,
            pages=pages,
        )

    async def search(self, request: Request) -> Response:
        """A photo sent as ``{"image": base64}``: the offers the fake finds, by each order."""
        body = await request.body()
        if len(body) > _LONGEST_BODY:
            return _refused(f"the photo is over {_LONGEST_BODY // 2**20} MB; send a smaller one")
        try:
            data = json.loads(body)
            text = data["image"]
            if not isinstance(text, str) or not text:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _refused('send {"image": "<the photo as base64>"}')
        try:
            context = await run_in_threadpool(self._search, text.split(",")[-1])
        except (GatewayError, binascii.Error) as error:
            return _refused(getattr(error, "sub_msg", None) or str(error))
        return self._render(request, "results.html", **context)

    def _search(self, text: str) -> dict[str, Any]:
        api = self.engine.api
        image = api.load("image", text)
        orders = []
        for sort, title in _SORTS:
            found = api.matches(image, SearchQuery(sort=sort))
            offers = [api.catalog.offers[row] for row in found[:_SHOWN].tolist()]
            orders.append((sort, title, len(found), offers, self._distances_of(image, offers)))
        api.shelf.put(image)  # for its thumbnail
        return {"photo": image.sha256.hex(), "orders": orders}

    # -- the controls -----------------------------------------------------------

    def controls(self, request: Request) -> HTMLResponse:
        engine = self.engine
        faults = engine.faults
        return self._render(
            request,
            "controls.html",
            seed=faults.seed,
            faults=faults.rules(),
            limits=engine.limits.to_dict(),
            kinds=KINDS,
            statuses=HTTP_STATUSES,
            apis=sorted(
                [*engine.api.handlers, *engine.aop_api.handlers, *engine.reseller_api.handlers]
            ),
        )

    # -- photos -----------------------------------------------------------------

    def photo(self, request: Request) -> Response:
        """A photo a call worked on, by its sha256 (hex)."""
        sha256 = request.path_params["sha256"]
        return self._thumbnail(f"photo:{sha256}", lambda: self._photo(sha256))

    def offer_photo(self, request: Request) -> Response:
        catalog: Any = self.engine.catalog
        offer = catalog.offer(request.path_params["num_iid"])
        if offer is None:
            return Response("no such offer", status_code=404, media_type="text/plain")
        return self._thumbnail(f"offer:{offer.num_iid}", lambda: catalog.image_bytes(offer))

    def _thumbnail(self, key: str, photo: Any) -> Response:
        etag = f'"{key}"'
        try:
            thumb = self.thumbs.get(key, photo)
        except ValueError as error:
            return Response(str(error), status_code=422, media_type="text/plain")
        if thumb is None:
            return Response(
                "this photo is no longer kept (or another worker kept it)",
                status_code=404,
                media_type="text/plain",
            )
        return Response(thumb, media_type="image/jpeg", headers={**_CACHED, "etag": etag})

    def _photo(self, sha256: str) -> bytes | None:
        """A photo by its sha256: on this process's shelf, else an upload (the store may
        be shared: another worker's upload is found there)."""
        try:
            digest = bytes.fromhex(sha256)
        except ValueError:
            return None
        kept = self.engine.api.shelf.get(digest)
        if kept is None and len(digest) == _SHA256_BYTES:
            uploaded = self.engine.store.get(upload_names(digest)[1].url)
            kept = None if uploaded is None else uploaded.data
        return kept

    def _offers(self, num_iids: Sequence[str]) -> list[Any]:
        catalog: Any = self.engine.catalog
        return [offer for offer in map(catalog.offer, num_iids) if offer is not None]

    def _distances(self, sha256: str | None, offers: Sequence[Any]) -> list[int | None]:
        data = None if sha256 is None else self._photo(sha256)
        if data is None:
            return [None] * len(offers)
        return list(self._distances_of(Image.of(data), offers))

    def _distances_of(self, image: Image, offers: Sequence[Any]) -> Sequence[int | None]:
        catalog: Any = self.engine.catalog
        try:
            fingerprint = self.engine.api.searcher.fingerprint(image)
        except ValueError:
            return [None] * len(offers)
        scores: list[int] = catalog.scores(fingerprint, offers)
        return scores


def _refused(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)
