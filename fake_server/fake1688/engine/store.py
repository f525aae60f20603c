"""The bounded upload store behind ``1688.upload.img`` and ``product.image.upload``.

An upload is kept under a name derived from its sha256, so the same image
always gets the same name, in two spellings: the TOP router's imgid (a hosted
image URL) and the Open Platform's imageId (digits). Either finds the image,
whichever dialect uploaded it. The store is bounded by image count and total
bytes; the least recently used image goes first (a search by imgid counts as
a use). An evicted imgid is answered like an unknown one, with a hint.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, NamedTuple

__all__ = [
    "IMGID_PREFIX",
    "Image",
    "Upload",
    "UploadLimits",
    "UploadStore",
    "imgid_for",
    "imgid_token",
    "upload_names",
]

#: Where the platform hosts uploaded images; imgids are URLs under it.
IMGID_PREFIX: Final = "https://cbu01.alicdn.com/img/ibank/"
_TOKEN_LENGTH: Final = 22
_BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: imageIds are 19 digits, the first never 0.
_IMAGE_ID_BASE: Final = 10**18
_IMGID: Final = re.compile(
    r"(?:(?:https?:)?//cbu01\.alicdn\.com)?(?:/img/ibank/)?O1CN01([0-9A-Za-z]{22})_!!0-0-cib\.jpg"
)


class Image(NamedTuple):
    """Image bytes with their sha256, which names them in the imgid and the search caches."""

    data: bytes
    sha256: bytes

    @classmethod
    def of(cls, data: bytes) -> Image:
        """The image of these bytes (hashes them)."""
        return cls(data, hashlib.sha256(data).digest())


class Upload(NamedTuple):
    """The names of one upload: its imgid URL (TOP) and its imageId (Open Platform)."""

    url: str
    image_id: str


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """How much the upload store keeps before evicting the least recently used."""

    max_images: int = 1000
    max_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_images < 1 or self.max_bytes < 1:
            raise ValueError("upload limits must be positive")


def imgid_for(image: bytes) -> str:
    """The imgid URL the fake issues for these image bytes."""
    return _url(_token(hashlib.sha256(image).digest()))


def _token(sha256: bytes) -> str:
    number = int.from_bytes(sha256[:17], "big")
    chars = []
    for _ in range(_TOKEN_LENGTH):
        number, rest = divmod(number, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def _image_id(sha256: bytes) -> str:
    return str(_IMAGE_ID_BASE + int.from_bytes(sha256[:8], "big") % (9 * _IMAGE_ID_BASE))


def _url(token: str) -> str:
    return f"{IMGID_PREFIX}O1CN01{token}_!!0-0-cib.jpg"


def imgid_token(reference: str) -> str | None:
    """The token of an imgid given as a URL (http, https or ``//``), a path or a bare name."""
    match = _IMGID.fullmatch(reference.strip())
    return match.group(1) if match else None


def upload_names(sha256: bytes) -> tuple[str, Upload]:
    """The store's key for an image (its imgid's token) and the names it is uploaded under."""
    token = _token(sha256)
    return token, Upload(_url(token), _image_id(sha256))


class UploadStore:
    """Uploaded images by imgid, LRU-bounded; safe to share between threads."""

    #: Whether its reads are lookups in this process's memory, cheap enough for an
    #: event loop (a store elsewhere answers after a round trip).
    local = True

    def __init__(self, limits: UploadLimits | None = None) -> None:
        self.limits = limits or UploadLimits()
        self._images: OrderedDict[str, Image] = OrderedDict()
        self._tokens: dict[str, str] = {}  # imageId -> token
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, image: Image) -> Upload:
        """Keep an image; returns its names (the same for the same bytes)."""
        token, upload = upload_names(image.sha256)
        with self._lock:
            if token in self._images:
                self._images.move_to_end(token)
                return upload
            self._images[token] = image
            self._tokens[upload.image_id] = token
            self._bytes += len(image.data)
            self._evict()
        return upload

    def _evict(self) -> None:
        # The newest image always stays, even when it alone is over max_bytes.
        while len(self._images) > 1 and (
            len(self._images) > self.limits.max_images or self._bytes > self.limits.max_bytes
        ):
            _, dropped = self._images.popitem(last=False)
            del self._tokens[_image_id(dropped.sha256)]
            self._bytes -= len(dropped.data)

    def get(self, reference: str) -> Image | None:
        """The image behind an imgid (URL, path or bare name) or imageId, marking it used."""
        token = imgid_token(reference) if not reference.isdigit() else self._tokens.get(reference)
        if token is None:
            return None
        with self._lock:
            image = self._images.get(token)
            if image is not None:
                self._images.move_to_end(token)
            return image

    def peek(self, reference: str) -> Image | None:
        """The image behind an imgid or imageId, leaving it where it is in the LRU order."""
        token = imgid_token(reference) if not reference.isdigit() else self._tokens.get(reference)
        return None if token is None else self._images.get(token)

    def clear(self) -> None:
        """Forget every upload."""
        with self._lock:
            self._images.clear()
            self._tokens.clear()
            self._bytes = 0

    @property
    def total_bytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._images)
