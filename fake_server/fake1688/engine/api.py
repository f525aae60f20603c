"""The API table and its thin handlers: parse arguments → backend → render.

``1688.items.search.img`` and ``1688.upload.img`` are the whole surface. A
handler receives a :class:`Call` that already passed the system checks and
returns the success body; argument problems raise 40/41.

The fake never goes online: an ``imgid`` or ``imageUrl`` resolves only to an
image it issued (upload store) or one of its catalog's pictures.

An image the platform refuses (its format, its declared size) is 41 with the
rule's own words; one that cannot be decoded is 41 "the image cannot be
decoded"; a decode refused on an event loop (:func:`~fake1688.engine.search.decoding_refused`)
is 10, the platform's busy answer. :meth:`ImageSearchApi.may_decode` tells an
adapter, before the engine runs, whether a request may decode an image at all.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

import numpy as np

from pailitao.wire import aop
from pailitao.wire import images as rules

from . import args, render
from .apps import App
from .errors import InvalidArguments, ServiceUnavailable
from .journal import Seen
from .protocol import FakeRequest
from .search import CatalogLike, DecodingRefused, SearchQuery, SearchService
from .store import Image, Upload, UploadStore, imgid_token

__all__ = [
    "SEARCH",
    "UPLOAD",
    "Call",
    "Handler",
    "ImageSearchApi",
    "Shelf",
    "sniff_image_type",
]

SEARCH: Final = "1688.items.search.img"
UPLOAD: Final = "1688.upload.img"

#: Catalog photos kept by the URL a search named them with (dropped all at once
#: when full; as many as the drawn-photo cache holds).
_CATALOG_IMAGES: Final = 512
#: Base64 texts kept with their decoded image, in bytes all told (text and image),
#: and the longest text kept: decoding a 10 KB text and hashing its bytes (46 µs)
#: costs more than the rest of a cached search's handler.
_DECODED_BYTES: Final = 8 * 1024 * 1024
_DECODED_LONGEST: Final = 1024 * 1024
#: Params that carry an image as base64 (the router's, the resellers'), and
#: params that name one (``offerQueryParam`` names one in its JSON).
_BASE64_PARAMS: Final = frozenset({"image", "imgcode"})
_REFERENCE_PARAMS: Final = frozenset({"imgid", "imageUrl"})
_MAGIC: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
)


class Call(NamedTuple):
    """A call that passed method, app key, timestamp, version and signature checks."""

    api_method: str
    app: App
    params: Mapping[str, str]
    files: Mapping[str, bytes]
    #: Where the handler notes the photo and the offers, for the journal.
    seen: Seen | None = None


#: A handler turns a verified call and its request id into the success body.
Handler = Callable[[Call, str], bytes]


def sniff_image_type(image: bytes) -> str:
    """The Content-Type of image bytes, from their magic number."""
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "image/webp"
    return next(
        (kind for magic, kind in _MAGIC if image.startswith(magic)), "application/octet-stream"
    )


class _Decoded:
    """Base64 texts already decoded, LRU, by the text itself, within a byte budget
    that counts each text and its image.

    A text's hash is computed once per string object, and a hit compares the
    text with one ``memcmp``; the same photo sent again skips base64 and sha256.
    """

    def __init__(self, max_bytes: int = _DECODED_BYTES) -> None:
        self._images: OrderedDict[str, Image] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, text: str) -> Image | None:
        with self._lock:
            image = self._images.get(text)
            if image is not None:
                self._images.move_to_end(text)
            return image

    def put(self, text: str, image: Image) -> None:
        if len(text) > _DECODED_LONGEST:
            return
        with self._lock:
            if text not in self._images:
                self._bytes += len(text) + len(image.data)
                self._images[text] = image
            while self._bytes > self._max_bytes:
                dropped, old = self._images.popitem(last=False)
                self._bytes -= len(dropped) + len(old.data)


class Shelf:
    """The photos calls worked on lately, by sha256, LRU within a count and a byte budget.

    The journal names a call's photo by its sha256; a page that shows the call
    finds the bytes here (an upload also in the upload store, a catalog photo in
    the catalog), so they are kept once however many calls send them.
    """

    def __init__(self, max_images: int = 256, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._images: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0
        self._max_images, self._max_bytes = max_images, max_bytes
        self._lock = threading.Lock()

    def put(self, image: Image) -> None:
        """Keep ``image`` (the newest always stays, however large)."""
        with self._lock:
            if image.sha256 in self._images:
                self._images.move_to_end(image.sha256)
                return
            self._images[image.sha256] = image.data
            self._bytes += len(image.data)
            while len(self._images) > 1 and (
                len(self._images) > self._max_images or self._bytes > self._max_bytes
            ):
                _, dropped = self._images.popitem(last=False)
                self._bytes -= len(dropped)

    def get(self, sha256: bytes) -> bytes | None:
        """The photo with this sha256, if still kept."""
        with self._lock:
            return self._images.get(sha256)

    def clear(self) -> None:
        """Forget every photo."""
        with self._lock:
            self._images.clear()
            self._bytes = 0


class ImageSearchApi:
    """The backend of both APIs: the catalog, the upload store and the search caches."""

    def __init__(self, catalog: CatalogLike, store: UploadStore, *, max_image_bytes: int) -> None:
        self.catalog = catalog
        self.store = store
        self.max_image_bytes = max_image_bytes
        self.searcher = SearchService(catalog)
        self._decoded = _Decoded()
        self._catalog_images: dict[str, Image] = {}  # pic_url -> its photo
        #: The photos calls searched or uploaded lately, by sha256 (for the dashboard).
        self.shelf = Shelf()
        #: The URL table of the TOP router: ``method`` → handler.
        self.handlers: Mapping[str, Handler] = {SEARCH: self.search, UPLOAD: self.upload}

    def search(self, call: Call, request_id: str) -> bytes:
        """``1688.items.search.img``: one page of the offers similar to the image."""
        source = args.image_source(call.params, call.files, refs=True)
        query = args.search_query(call.params)
        image = self.load(*source)
        try:
            page = self.searcher.page(image, query)
        except DecodingRefused:
            raise _busy() from None
        except ValueError as error:
            raise _not_an_image(error) from None
        self.noted(call.seen, image, page.offers, page.total)
        return render.search_body(query.page, query.page_size, page.total, page.items, request_id)

    def upload(self, call: Call, request_id: str) -> bytes:
        """``1688.upload.img``: keep the image, answer its imgid."""
        image = self.load(*args.image_source(call.params, call.files, refs=False))
        upload = self.keep(image)
        self.noted(call.seen, image)
        return render.upload_body(upload.url, request_id)

    def noted(
        self,
        seen: Seen | None,
        image: Image,
        offers: tuple[str, ...] = (),
        total: int | None = None,
    ) -> None:
        """Note for the journal the photo a call worked on (kept on the shelf, for a
        page that shows it) and a search's page: its offers' num_iids and the total."""
        self.shelf.put(image)
        if seen is not None:
            seen.image, seen.offers, seen.total = image.sha256, offers, total

    def keep(self, image: Image) -> Upload:
        """Check that an image decodes, and keep it in the upload store."""
        try:
            self.searcher.check_image(image)
        except DecodingRefused:
            raise _busy() from None
        except ValueError as error:
            raise _not_an_image(error) from None
        return self.store.put(image)

    def matches(self, image: Image, query: SearchQuery) -> np.ndarray:
        """The rows in ``catalog.offers`` of every offer that matches the image and the
        query, in order."""
        try:
            return self.searcher.results(image, query)
        except DecodingRefused:
            raise _busy() from None
        except ValueError as error:
            raise _not_an_image(error) from None

    def may_decode(self, request: FakeRequest) -> bool:
        """Whether answering ``request`` may decode an image, in any dialect.

        False when every image it carries or names has a known fingerprint:
        the same photo again, an upload searched by its imgid, a catalog photo
        searched before. Cheap (dict lookups; no base64, no digest, no round trip:
        an upload in a shared store counts as unknown), for an adapter that decodes
        off its event loop and answers the rest on it.
        """
        if request.files:
            return True
        for key, value in itertools.chain(request.query, request.form):
            if key in _BASE64_PARAMS:
                image = self._decoded.get(value)
            elif key in _REFERENCE_PARAMS:
                image = self._resolved(value)
            elif key == aop.SEARCH_PARAM:
                reference = _image_reference(value)
                if reference is None:
                    continue  # nothing to decode: the handler answers the mistake
                image = self._resolved(reference)
            elif key == aop.UPLOAD_PARAM:
                return True
            else:
                continue
            if image is None or not self.searcher.knows(image):
                return True
        return False

    def _resolved(self, reference: str) -> Image | None:
        """The image a reference names, if found without drawing or reading a photo, or
        a round trip to a shared store."""
        image = self._catalog_images.get(reference)
        if image is None and self.store.local:
            image = self.store.peek(reference)
        return image

    def load(
        self, kind: str, value: str | bytes, upload_api: str = UPLOAD, name: str = "image"
    ) -> Image:
        """The image a call names: bytes, base64 text (``image``), or a reference.

        A reference (``imgid``/``imageId``, ``imageUrl``/``imageAddress``, as
        ``kind`` names it) resolves to an upload or a catalog photo; errors name
        ``kind`` (``name`` for base64 text) and, for an unknown upload, ``upload_api``.
        """
        if isinstance(value, bytes):
            return Image.of(args.check_size(value, self.max_image_bytes))
        if kind == "image":
            image = self._decoded.get(value)
            if image is None:
                data = args.decode_base64(value, self.max_image_bytes, name)
                image = Image.of(args.check_size(data, self.max_image_bytes))
                self._decoded.put(value, image)
            return image
        return self._resolve(kind, value, upload_api)

    def _resolve(self, kind: str, reference: str, upload_api: str) -> Image:
        image = self._catalog_images.get(reference)  # never an imgid: see _catalog_image
        if image is not None:
            return image
        image = self.store.get(reference)
        if image is not None:
            return image
        offer = self.catalog.offer_for_url(reference)
        if offer is not None:
            return self._catalog_image(reference, offer)
        if kind in ("imgid", "imageId"):
            raise InvalidArguments(
                f"{kind} {reference[:120]!r} is unknown: upload the image with {upload_api} "
                f"first (the fake keeps the last {self.store.limits.max_images:,} uploads)"
            )
        known = (
            "a catalog pic_url or an imgid the fake issued"
            if kind == "imageUrl"
            else "a catalog offer's imageUrl or the URL of an image uploaded to the fake"
        )
        raise InvalidArguments(
            f"{kind} {reference[:120]!r} cannot be fetched: the fake never goes online; "
            f"use {known}, or send the image itself"
        )

    def _catalog_image(self, reference: str, offer: Any) -> Image:
        # Paging by imgid asks for the same photo again and again: find and hash it once.
        # Kept only if no upload can ever answer to the same reference, which
        # must keep winning (a loaded catalog may use imgid-shaped pic_urls).
        image = Image.of(self.catalog.image_bytes(offer))
        if imgid_token(reference) is None:
            if len(self._catalog_images) >= _CATALOG_IMAGES:
                self._catalog_images.clear()
            self._catalog_images[reference] = image
        return image

    def image_for_path(self, path: str) -> tuple[bytes, str] | None:
        """An uploaded or catalog image served at its URL path, with its Content-Type."""
        uploaded = self.store.get(path)
        if uploaded is not None:
            return uploaded.data, sniff_image_type(uploaded.data)
        return self.catalog.image_for_path(path)


def _image_reference(param: str) -> str | None:
    """The ``imageId`` or ``imageAddress`` an ``offerQueryParam`` names, if it reads as one."""
    try:
        value = json.loads(param)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    reference = value.get("imageId") or value.get("imageAddress")
    return str(reference) if isinstance(reference, str | int) else None


def _not_an_image(error: ValueError) -> InvalidArguments:
    if isinstance(error, rules.ImageRuleError):  # its words say what to send instead
        return InvalidArguments(str(error))
    detail = str(error)[:160] or type(error).__name__
    return InvalidArguments(
        f"the image cannot be decoded ({detail}); send a JPEG, PNG, GIF or WebP file"
    )


def _busy() -> ServiceUnavailable:
    return ServiceUnavailable(
        "the fake gateway is decoding as many images as it can; retry in a moment"
    )
