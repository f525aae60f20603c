"""Photos in and fingerprints out: decoding under the platform's rules, and fingerprints.

Decoding applies the platform's image rules (:mod:`pailitao.wire.images`) to
the header before a pixel is decoded: only JPEG, PNG, GIF, WebP and BMP, and
no more than 4,096 pixels a side, 1,000 frames, 16.7 million pixels in all or
64 scans. Pillow then opens the bytes with those five decoders only and its
view of the header is checked again; a JPEG decodes as a reduced draft, and
any other large image is reduced before it is converted, so one decode holds
at most the decoded frame (64 MiB) and a copy a fraction of its size.

A `Fingerprint` holds five 64-bit codes of a photo:

- ``whole`` and ``trimmed``: pHashes of the photo and of the photo with its
  uniform margins peeled off. The smaller of their two Hamming distances finds
  the same photo again: plain pHash survives re-encoding and resizing but ranks an
  8-px white-bordered copy outside the top 3 about once in 50; the trimmed hash
  lets a bordered copy find its original, and the whole one covers the cases
  where JPEG noise moves where peeling stops.
- ``shape`` and ``upright``: dHashes of the product's silhouette, across and
  down: the pixels that differ from the background (the colour of the last
  margin peeled, or of the outer ring), cropped to their bounding box and
  centred in a square, so that the same kind of product matches whatever its
  size, place and colour. The two directions see different edges; together they
  tell kinds apart about half again as often as one.
- ``colour``: the product's colour signature (:func:`fake1688.catalog.colour.signature`).
"""

from __future__ import annotations

import functools
import io
from typing import NamedTuple

import imagehash
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fake1688.catalog import colour
from pailitao.wire import images as rules

__all__ = [
    "FINGERPRINT_VERSION",
    "Fingerprint",
    "ImageDecodeError",
    "ImageRefused",
    "decode",
    "encode_jpeg",
    "fingerprint_image",
]

# Bump when a change to hashing would change stored fingerprints; the shipped
# seed-0 fingerprints are keyed on it (and on the drawing's version).
FINGERPRINT_VERSION = 3

#: Pillow's names of the formats the platform takes: no other decoder is ever tried.
PILLOW_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
_HASH_INPUT = 512  # decoding may skip detail beyond this: hashes see 32x32
#: Modes ``Image.reduce`` takes; others (P, 1, I;16) are converted first.
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "I", "F"})
_WORK_SIZE = 128  # fingerprints are computed on a copy about this small
_TRIM_TOLERANCE = 24  # grey-level difference that still counts as "margin colour"
_TRIM_LAYERS = 3  # a border, the photo's background, and one spare
_BLEND = 2  # rings of blur or ringing allowed between two margin layers
_MIN_CONTENT = 16  # trimmed content smaller than this is noise, not a product
_PRODUCT = 24  # colour difference (largest channel) from the background that is product
_CELL = 8  # blobs are told apart on cells of this many pixels a side
_MAIN_SHARE = 5


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can decode; the message says why."""


class ImageRefused(ImageDecodeError, rules.ImageRuleError):
    """An image the platform refuses before decoding it (its format or its declared size)."""


class Fingerprint(NamedTuple):
    """Perceptual fingerprint of a photo: five codes as unsigned 64-bit ints."""

    whole: int  # pHash of the whole photo
    trimmed: int  # pHash with uniform margins peeled off (== whole if there are none)
    shape: int  # dHash of the product's silhouette, across (left to right)
    upright: int  # dHash of the product's silhouette, down (top to bottom)
    colour: int  # the product's colour signature

    def hex(self) -> str:
        """80 hex digits: whole, trimmed, shape, upright, colour."""
        return "".join(f"{part:016x}" for part in self)

    @classmethod
    def from_hex(cls, text: str) -> Fingerprint:
        """Parse `hex()` output; raises ValueError on anything else."""
        digits = 16 * len(cls._fields)
        if len(text) != digits or text.strip("0123456789abcdef"):
            raise ValueError(f"a fingerprint is {digits} lower-case hex digits, not {text!r}")
        return cls(*(int(text[i : i + 16], 16) for i in range(0, digits, 16)))


def encode_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """JPEG bytes of `img` (baseline, no metadata, so the bytes depend on pixels only)."""
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    """Decode image bytes to an upright RGB image; raises ImageDecodeError.

    The header is checked first (:class:`ImageRefused`); what is decoded is
    at most ``_HASH_INPUT`` pixels on its short side (a JPEG's draft) or
    reduced to about that right after decoding.
    """
    if not data:
        raise ImageDecodeError("the image is empty (0 bytes)")
    header = rules.read_header(data)
    if header is None:
        raise _unreadable(data)
    try:
        rules.check(header)
        img = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
        # Pillow's own reading of the header must pass the same rules.
        rules.check(header._replace(width=img.width, height=img.height))
    except rules.ImageRuleError as exc:
        raise ImageRefused(str(exc)) from None
    except UnidentifiedImageError:
        raise ImageDecodeError(
            f"the {rules.FORMAT_NAMES[header.format]} header is corrupt"
        ) from None
    except (Image.DecompressionBombError, OSError) as exc:
        raise ImageDecodeError(f"the image cannot be opened: {exc}") from None
    try:
        img.draft("RGB", (_HASH_INPUT, _HASH_INPUT))  # JPEG: decode at reduced scale
        img.load()
        return _to_rgb(ImageOps.exif_transpose(_reduced(img)))
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageDecodeError(f"the {img.format} data is corrupt: {exc}") from None


def _unreadable(data: bytes) -> ImageDecodeError:
    """Why there is no header to check: a refused format (named), a broken one, or no image."""
    refusal = rules.refusal(data)
    if refusal is not None:
        return ImageRefused(refusal)
    kind = rules.sniff(data)
    if kind is not None:
        return ImageDecodeError(f"the {rules.FORMAT_NAMES[kind]} header is cut short or corrupt")
    return ImageDecodeError(
        f"not a recognised image format (starts with {data[:8].hex(' ')}); "
        "send JPEG, PNG, WEBP, GIF or BMP bytes"
    )


def _reduced(img: Image.Image) -> Image.Image:
    """``img`` shrunk by a whole factor to about ``_HASH_INPUT`` on its short side.

    Converting and compositing copy the image two to four times; on the
    reduced copy those copies are small.
    """
    factor = min(img.size) // _HASH_INPUT
    if factor < 2:
        return img
    if img.mode not in _REDUCIBLE:
        img = img.convert("RGBA" if img.has_transparency_data else "RGB")
    return img.reduce(factor)


def _to_rgb(img: Image.Image) -> Image.Image:
    # Transparent product cut-outs sit on white, as they would on a 1688 page.
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return img.convert("RGB")


@functools.lru_cache(maxsize=32)
def _ring_index(h: int, w: int) -> np.ndarray:
    """For each pixel of an h x w image: which concentric ring (0 = outermost) it is on."""
    y, x = np.arange(h)[:, None], np.arange(w)[None, :]
    ring: np.ndarray = np.minimum(np.minimum(y, x), np.minimum(h - 1 - y, w - 1 - x))
    return ring


def _ring_pixels(a: np.ndarray, k: int) -> np.ndarray:
    """The pixels of ring `k` (0 = the outermost)."""
    h, w = a.shape
    rows = (a[k, k : w - k], a[h - 1 - k, k : w - k])
    return np.concatenate((*rows, a[k : h - k, k], a[k : h - k, w - 1 - k]))


def _uniform_level(a: np.ndarray, depth: int) -> float | None:
    """The grey level of the first uniform ring at `depth` or up to _BLEND rings deeper.

    The rings right inside a strong edge (a black border on a light photo) carry
    resampling blur and JPEG ringing; the layer below starts after them.
    """
    for k in range(depth, min(depth + _BLEND + 1, (min(a.shape) - 1) // 2)):
        ring = _ring_pixels(a, k)
        level = float(np.median(ring))
        if np.abs(ring - level).max() <= _TRIM_TOLERANCE:
            return level
    return None


def _margin(a: np.ndarray) -> int:
    """How many concentric rings of `a` (grayscale) form uniform margins.

    Rings are peeled a layer at a time (a border, then the photo's plain background),
    all four sides together: peeling sides independently walks through full-width
    stripes and stops at places that JPEG noise moves.
    """
    h, w = a.shape
    rings = _ring_index(h, w)
    depth = 0
    for _ in range(_TRIM_LAYERS):
        level = _uniform_level(a, depth)
        if level is None:
            break
        content = (np.abs(a - level) > _TRIM_TOLERANCE) & (rings >= depth)
        if not content.any():
            return 0  # a blank image has no content to trim down to
        depth = int(rings[content].min())
    return depth if min(h, w) - 2 * depth >= _MIN_CONTENT else 0


def _bits(h: imagehash.ImageHash) -> int:
    return int.from_bytes(np.packbits(np.asarray(h.hash, dtype=bool).ravel()).tobytes(), "big")


def _main_object(product: np.ndarray) -> np.ndarray:
    """``product`` cut to the bounding box of its main blobs: the product itself (all
    its parts: a fork and its knife), without a logo in a corner or a small piece set
    apart. Blobs are found on a grid of _CELL-pixel cells, 8-connected; the main ones
    are those at least 1/_MAIN_SHARE the size of the largest."""
    h, w = product.shape
    cells = product[: h - h % _CELL, : w - w % _CELL].reshape(h // _CELL, _CELL, w // _CELL, _CELL)
    counts = cells.sum(axis=(1, 3)).tolist()
    rows, cols = len(counts), len(counts[0]) if counts else 0
    seen = [[False] * cols for _ in range(rows)]
    blobs: list[tuple[int, int, int, int, int]] = []  # size, top, left, bottom, right
    for r0 in range(rows):
        for c0 in range(cols):
            if seen[r0][c0] or not counts[r0][c0]:
                continue
            seen[r0][c0] = True
            stack, size, top, left, bottom, right = [(r0, c0)], 0, r0, c0, r0, c0
            while stack:
                r, c = stack.pop()
                size += counts[r][c]
                top, left, bottom, right = min(top, r), min(left, c), max(bottom, r), max(right, c)
                for rn in range(max(r - 1, 0), min(r + 2, rows)):
                    for cn in range(max(c - 1, 0), min(c + 2, cols)):
                        if counts[rn][cn] and not seen[rn][cn]:
                            seen[rn][cn] = True
                            stack.append((rn, cn))
            blobs.append((size, top, left, bottom, right))
    if not blobs:
        return product
    largest = max(blob[0] for blob in blobs)
    main = [blob for blob in blobs if blob[0] * _MAIN_SHARE >= largest]
    top, left = min(b[1] for b in main) * _CELL, min(b[2] for b in main) * _CELL
    bottom, right = (max(b[3] for b in main) + 1) * _CELL, (max(b[4] for b in main) + 1) * _CELL
    return product[top:bottom, left:right]


def _silhouette(product: np.ndarray) -> Image.Image:
    """The product pixels cropped to their bounding box and centred in a square."""
    product = _main_object(product)
    rows, cols = np.flatnonzero(product.any(axis=1)), np.flatnonzero(product.any(axis=0))
    crop = product[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = max(crop.shape)
    square = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[top : top + crop.shape[0], left : left + crop.shape[1]] = crop * 255
    return Image.fromarray(square)


def fingerprint_image(img: Image.Image) -> Fingerprint:
    """The fingerprint of a decoded image."""
    # An integer box reduction is ~10x cheaper than the hashes' own resampling and
    # leaves plenty of pixels: pHash looks at 32x32, dHash at 9x8.
    factor = min(img.size) // _WORK_SIZE
    work = img.reduce(factor) if factor > 1 else img
    gray = work.convert("L")
    depth = _margin(np.asarray(gray, dtype=np.int16))
    whole = _bits(imagehash.phash(gray))
    trimmed = whole
    if depth:
        trimmed = _bits(
            imagehash.phash(gray.crop((depth, depth, gray.width - depth, gray.height - depth)))
        )
    rgb = np.asarray(work.convert("RGB"), dtype=np.int16)
    rings = _ring_index(*rgb.shape[:2])
    background = np.median(rgb[rings == max(depth - 1, 0)], axis=0)
    product = (np.abs(rgb - background).max(axis=2) > _PRODUCT) & (rings >= depth)
    if not product.any():  # a plain photo: all of it is what it shows
        product = rings >= depth
    silhouette = _silhouette(product)
    shape, upright = _bits(imagehash.dhash(silhouette)), _bits(imagehash.dhash_vertical(silhouette))
    pixels = rgb[product].astype(np.uint8)
    return Fingerprint(whole, trimmed, shape, upright, colour.signature(pixels))
