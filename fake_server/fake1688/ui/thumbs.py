"""Thumbnails for the dashboard: made once per photo, kept within a count and a byte budget.

A photo is named by what it is (an offer's num_iid, a photo's sha256), so a
thumbnail never changes: the pages serve it with a long ``Cache-Control`` and
an ``ETag``, and a second view of a page asks the engine for no photo again.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from PIL import Image, ImageOps

__all__ = ["SIZE", "Thumbnails"]

#: The longest side of a thumbnail, in pixels (twice what a page shows, for sharp screens).
SIZE: Final = 240
_QUALITY: Final = 80


class Thumbnails:
    """JPEG thumbnails by key, LRU within ``max_count`` and ``max_bytes``.

    ``fetched`` counts the photos asked of the engine (one per thumbnail made),
    so a test can see that a second view costs nothing. Safe to share between
    threads; two threads making the same thumbnail at once both make it.
    """

    def __init__(self, max_count: int = 4096, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._max_count, self._max_bytes = max_count, max_bytes
        self._lock = threading.Lock()
        self.fetched = 0

    def get(self, key: str, photo: Callable[[], bytes | None]) -> bytes | None:
        """The thumbnail of ``key``, made from ``photo()`` the first time (None: no photo).

        Raises ``ValueError`` if the photo cannot be decoded.
        """
        with self._lock:
            thumb = self._kept.get(key)
            if thumb is not None:
                self._kept.move_to_end(key)
                return thumb
            self.fetched += 1
        data = photo()
        if data is None:
            return None
        thumb = _thumbnail(data)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = thumb
                self._bytes += len(thumb)
            while len(self._kept) > 1 and (
                len(self._kept) > self._max_count or self._bytes > self._max_bytes
            ):
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped)
        return thumb


def _thumbnail(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (SIZE, SIZE))  # a JPEG decodes at a fraction of its size
            small = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"the photo cannot be decoded ({error})") from None
    small.thumbnail((SIZE, SIZE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=_QUALITY)
    return out.getvalue()
