"""The resellers' REST dialect: its checks, in order, and its two APIs over the shared backend.

::

    path          /1688/item_search_img/ or /1688/upload_img/    4003 (other APIs, platforms)
    http method   GET or POST                                     4003
    params        readable, each key once                         4003
    key           sent (4014), non-empty and registered           4005
    secret        sent (4014), the app's secret                   4005
    lang          cn, en or ru; result_type json                  4003
    gates         rate limits: 4008 (per second), 4013 (daily quota), reason says when to retry
    faults        platform_error → 4000 (4008/4013 for code 7); http_error stays an HTTP error

``key``/``secret`` are a registered app's ``app_key``/``app_secret`` (the demo
app: ``test_app_key``/``test_app_secret``). An absent param is ``4014`` ("missing
from the url"); an empty or wrong one ``4005`` (the SDK sends ``key=`` empty
when it has none).

* ``item_search_img``: ``imgid`` (a catalog ``pic_url`` or an uploaded image's
  URL; required: ``4014``), ``page`` (from 1), ``page_size`` (1–50, default 20:
  resellers fix their page size, the fake lets tests choose), ``sort``
  (``bid2``/``_bid2``/``sale``/``_sale``), ``cat``, ``start_price``/``end_price``.
  A search that finds nothing answers ``2000`` with its empty page; a page past
  the end is an empty ``item`` list with ``0000``.
* ``upload_img``: ``imgcode``, the base64 of the image (query string or form;
  or a multipart file part ``imgcode``) → ``items.item{name: <hosted URL>, status: 1}``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Final, NamedTuple

from pailitao.wire import reseller as wire

from . import args
from .api import Call, Handler, ImageSearchApi
from .apps import App, AppRegistry
from .checks import merge_params
from .errors import InvalidArguments
from .protocol import FakeRequest
from .render import dumps
from .reseller_errors import ResellerError

__all__ = [
    "APIS",
    "SEARCH",
    "UPLOAD",
    "ResellerApi",
    "ResellerPath",
    "check_app",
    "check_common",
    "check_http_method",
    "check_path",
    "check_secret",
    "parse_path",
    "read_params",
]

SEARCH: Final = f"reseller:{wire.SEARCH_API}"
UPLOAD: Final = f"reseller:{wire.UPLOAD_API}"
#: The APIs served, by the path's api_name: the journal's ``api_method`` for each.
APIS: Final[Mapping[str, str]] = {wire.SEARCH_API: SEARCH, wire.UPLOAD_API: UPLOAD}
_ACTIONS: Final = frozenset({"GET", "POST"})
_RESULT_TYPES: Final = ("", "json")


class ResellerPath(NamedTuple):
    """``/<platform>/<api_name>/``."""

    platform: str
    api_name: str


def parse_path(path: str) -> ResellerPath | None:
    """The reseller path ``path`` is: two segments, the platform ``1688`` or a reseller API."""
    if not path.startswith("/") or path.count("/") > 3:
        return None
    parts = path[1:].removesuffix("/").split("/")
    if len(parts) != 2 or not all(parts):
        return None
    platform, api_name = parts
    if platform == wire.PLATFORM or api_name in APIS:
        return ResellerPath(platform, api_name)
    return None


def check_path(path: ResellerPath) -> str:
    """The API the path names, as the journal calls it; other platforms and APIs are 4003."""
    if path.platform != wire.PLATFORM:
        raise ResellerError(
            "4003",
            f"platform {path.platform[:40]!r} is not served here; the fake serves "
            f"/{wire.PLATFORM}/{wire.SEARCH_API}/ and /{wire.PLATFORM}/{wire.UPLOAD_API}/",
        )
    api_method = APIS.get(path.api_name)
    if api_method is None:
        raise ResellerError(
            "4003",
            f"api_name {path.api_name[:60]!r} is not served here; the fake serves "
            f"{wire.SEARCH_API} and {wire.UPLOAD_API}",
        )
    return api_method


def check_http_method(request: FakeRequest) -> None:
    """GET (as the SDK sends every call) or POST."""
    if request.method not in _ACTIONS:
        raise ResellerError("4003", f"HTTP {request.method[:20]} is not allowed; send GET or POST")


def read_params(request: FakeRequest) -> dict[str, str]:
    """Query string and body as one mapping; a key given twice must agree."""
    try:
        return merge_params(request)
    except InvalidArguments as error:
        raise ResellerError("4003", error.sub_msg) from None


def check_app(params: Mapping[str, str], apps: AppRegistry) -> App:
    """``key`` must be sent and be a registered app key."""
    key = params.get("key")
    if key is None:
        raise ResellerError("4014", "the key param is missing from the url; send key=<your key>")
    app = apps.get(key) if key else None
    if app is None:
        detail = "key is empty" if not key else "key is not registered with this gateway"
        raise ResellerError(
            "4005",
            f"{detail}; the default fake knows test_app_key, others come from --apps FILE",
        )
    return app


def check_secret(params: Mapping[str, str], app: App) -> None:
    """``secret`` must be sent and be the app's secret (compared in constant time)."""
    secret = params.get("secret")
    if secret is None:
        raise ResellerError(
            "4014", "the secret param is missing from the url; send secret=<your secret>"
        )
    if not hmac.compare_digest(secret.encode(), app.app_secret.encode()):
        raise ResellerError("4005", "secret is not this key's secret; check the pair you send")


def check_common(params: Mapping[str, str]) -> None:
    """``lang`` and ``result_type``, if sent, are ones the fake answers in."""
    lang = params.get("lang", "")
    if lang and lang not in wire.LANGS:
        raise ResellerError("4003", f"lang {lang[:20]!r} is unknown; use one of {wire.LANGS}")
    if params.get("result_type", "") not in _RESULT_TYPES:
        raise ResellerError("4003", "result_type must be json: the fake answers JSON only")


class ResellerApi:
    """``item_search_img`` and ``upload_img`` over the shared backend; handlers return ``items``."""

    def __init__(self, backend: ImageSearchApi) -> None:
        self.backend = backend
        self.handlers: Mapping[str, Handler] = {SEARCH: self.search, UPLOAD: self.upload}

    def search(self, call: Call, request_id: str) -> bytes:
        """One page of the offers that look like the image at ``imgid``."""
        imgid = call.params.get("imgid")
        if not imgid:
            raise ResellerError(
                "4014",
                f"the imgid param is missing from the url: a catalog pic_url or the URL "
                f"{wire.UPLOAD_API} answered",
            )
        query = args.search_query(call.params)
        image = self.backend.load("imgid", imgid, upload_api=wire.UPLOAD_API)
        results = self.backend.matches(image, query)
        start = (query.page - 1) * query.page_size
        page = results[start : start + query.page_size].tolist()
        searcher = self.backend.searcher
        self.backend.noted(call.seen, image, searcher.num_iids(page), len(results))
        chunks = searcher.items(page)
        total = len(results)
        head = (
            f'{{"page":{query.page},"real_total_results":{total},"total_results":{total},'
            f'"page_size":{query.page_size},"pagecount":{-(-total // query.page_size)},"item":['
        )
        items = head.encode() + chunks + b"]}"
        if not total:
            raise ResellerError(
                "2000", "no offer matches the image and the filters (cat, prices)", items
            )
        return items

    def upload(self, call: Call, request_id: str) -> bytes:
        """Keep the image; ``items.item.name`` is the URL to search by."""
        data = call.files.get("imgcode")
        others = sorted(set(call.files) - {"imgcode"})
        if others:
            raise ResellerError(
                "4003", f"file part {others[0][:40]!r} is not read; name the part imgcode"
            )
        if data is not None:
            image = self.backend.load("file", data)
        else:
            text = call.params.get("imgcode")
            if not text:
                raise ResellerError(
                    "4014", "the imgcode param is missing: send the base64 of the image"
                )
            # A raw '+' in a query string reads as a space: base64 has no spaces.
            image = self.backend.load("image", text.replace(" ", "+"), name="imgcode")
        url = self.backend.keep(image).url
        self.backend.noted(call.seen, image)
        return dumps({"item": {"name": url, "status": 1}})
