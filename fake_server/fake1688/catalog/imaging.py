"""Product photos for the fake catalog: deterministic drawing, decoding, fingerprints.

Decoding applies the platform's image rules (:mod:`pailitao.wire.images`) to
the header before a pixel is decoded: only JPEG, PNG, GIF, WebP and BMP, and
no more than 4,096 pixels a side, 1,000 frames, 16.7 million pixels in all or
64 scans. Pillow then opens the bytes with those five decoders only and its
view of the header is checked again; a JPEG decodes as a reduced draft, and
any other large image is reduced before it is converted, so one decode holds
at most the decoded frame (64 MiB) and a copy a fraction of its size.

A `Fingerprint` is two 64-bit pHashes: of the whole photo, and of the photo with its
uniform margins peeled off. The distance between two fingerprints is the smaller of
the two Hamming distances. Plain pHash of the whole photo survives re-encoding and
resizing, but ranks an 8-px white-bordered copy outside the top 3 about once in 50;
the trimmed hash is what lets a bordered copy find its original. Trimming alone is
brittle the other way (JPEG noise can move where peeling stops), hence both.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import imagehash
import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from fake1688.catalog.dice import Dice
from pailitao.wire import images as rules

__all__ = [
    "DRAW_VERSION",
    "FINGERPRINT_VERSION",
    "Fingerprint",
    "ImageDecodeError",
    "ImageRefused",
    "Look",
    "decode",
    "draw",
    "encode_jpeg",
    "fingerprint_image",
]

# Bump when a change to drawing or hashing would change stored fingerprints; the
# shipped seed-0 fingerprints are keyed on both.
DRAW_VERSION = 1
FINGERPRINT_VERSION = 1

SIZE = 256
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

RGB = tuple[int, int, int]


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can decode; the message says why."""


class ImageRefused(ImageDecodeError, rules.ImageRuleError):
    """An image the platform refuses before decoding it (its format or its declared size)."""


class Fingerprint(NamedTuple):
    """Perceptual fingerprint of a photo: two pHashes as unsigned 64-bit ints."""

    whole: int  # pHash of the whole photo
    trimmed: int  # pHash with uniform margins peeled off (== whole if there are none)

    def hex(self) -> str:
        """32 hex digits: whole then trimmed."""
        return f"{self.whole:016x}{self.trimmed:016x}"

    @classmethod
    def from_hex(cls, text: str) -> Fingerprint:
        """Parse `hex()` output; raises ValueError on anything else."""
        if len(text) != 32 or text.strip("0123456789abcdef"):
            raise ValueError(f"a fingerprint is 32 lower-case hex digits, not {text!r}")
        return cls(int(text[:16], 16), int(text[16:], 16))


@dataclass(frozen=True, slots=True)
class Look:
    """A category's visual flavour: background colours, a palette and motif names."""

    backgrounds: tuple[RGB, ...]
    palette: tuple[RGB, ...]
    motifs: tuple[str, ...]


Box = tuple[int, int, int, int]
_Motif = Callable[[ImageDraw.ImageDraw, Box, RGB, Dice], None]


def _box(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    d.rounded_rectangle(b, radius=rng.between(0, 24), fill=c)


def _ellipse(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    d.ellipse(b, fill=c)


def _ring(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    d.ellipse(b, outline=c, width=rng.between(6, 20))


def _tri(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    d.polygon([(rng.between(x0, x1), y0), (x1, y1), (x0, rng.between(y0, y1))], fill=c)


def _stripe(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    step = rng.between(14, 36)
    for y in range(y0, y1, step):
        d.rectangle((x0, y, x1, y + step // 2), fill=c)


def _dots(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    r = rng.between(6, 16)
    for x in range(x0 + r, x1 - r, 3 * r):
        for y in range(y0 + r, y1 - r, 3 * r):
            d.ellipse((x - r, y - r, x + r, y + r), fill=c)


def _tee(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    w, h = x1 - x0, y1 - y0
    pts = [(0.3, 0), (0.7, 0), (1, 0.25), (0.8, 0.4), (0.8, 1), (0.2, 1), (0.2, 0.4), (0, 0.25)]
    d.polygon([(x0 + px * w, y0 + py * h) for px, py in pts], fill=c)


def _shoe(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    mid = (y0 + y1) // 2
    d.rectangle((x0, y0, (x0 + x1) // 2, y1), fill=c)
    d.ellipse((x0, mid, x1, y1), fill=c)


def _bag(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    top = y0 + (y1 - y0) // 3
    d.arc((x0 + 10, y0, x1 - 10, top * 2 - y0), 180, 360, fill=c, width=8)
    d.rounded_rectangle((x0, top, x1, y1), radius=12, fill=c)


def _phone(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0 = b[0], b[1]
    d.rounded_rectangle(b, radius=18, fill=c)
    d.ellipse((x0 + 10, y0 + 10, x0 + 34, y0 + 34), fill=(20, 20, 20))


def _bottle(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    w = x1 - x0
    d.rectangle((x0 + w // 3, y0, x1 - w // 3, y0 + (y1 - y0) // 4), fill=c)
    d.rounded_rectangle((x0, y0 + (y1 - y0) // 4, x1, y1), radius=w // 5, fill=c)


def _tool(d: ImageDraw.ImageDraw, b: Box, c: RGB, rng: Dice) -> None:
    x0, y0, x1, y1 = b
    d.line((x0, y1, x1, y0), fill=c, width=rng.between(12, 24))
    d.ellipse((x1 - 40, y0, x1, y0 + 40), outline=c, width=10)


_MOTIFS: dict[str, _Motif] = {
    "bag": _bag, "bottle": _bottle, "box": _box, "dots": _dots, "ellipse": _ellipse,
    "phone": _phone, "ring": _ring, "shoe": _shoe, "stripe": _stripe, "tee": _tee,
    "tool": _tool, "tri": _tri,
}  # fmt: skip
_ACCENTS = ("box", "ellipse", "ring", "tri", "stripe", "dots")


def _shade(c: RGB, rng: Dice) -> RGB:
    # Varying lightness per shape matters: pHash and dHash only see luminance.
    k = rng.between(-70, 70)
    return (min(255, max(0, c[0] + k)), min(255, max(0, c[1] + k)), min(255, max(0, c[2] + k)))


def _random_box(rng: Dice, lo: int, hi: int) -> Box:
    w, h = rng.between(lo, hi), rng.between(lo, hi)
    x, y = rng.between(-w // 4, SIZE - 3 * w // 4), rng.between(-h // 4, SIZE - 3 * h // 4)
    return (x, y, x + w, y + h)


def draw(seed: int | str, look: Look) -> Image.Image:
    """Draw the SIZE x SIZE RGB photo for `seed` in `look` (same inputs, same pixels)."""
    rng = Dice(seed)
    img = Image.new("RGB", (SIZE, SIZE), rng.pick(look.backgrounds))
    d = ImageDraw.Draw(img)
    if rng.chance(50):  # a colour block gives the layout a strong low frequency
        d.rectangle(_random_box(rng, 100, 220), fill=_shade(rng.pick(look.palette), rng))
    for _ in range(rng.between(2, 4)):
        _MOTIFS[rng.pick(_ACCENTS)](
            d, _random_box(rng, 40, 120), _shade(rng.pick(look.palette), rng), rng
        )
    motif = _MOTIFS.get(rng.pick(look.motifs), _box)
    motif(d, _random_box(rng, 110, 190), _shade(rng.pick(look.palette), rng), rng)
    return img


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


def _bits(img: Image.Image) -> int:
    h = imagehash.phash(img)
    return int.from_bytes(np.packbits(np.asarray(h.hash, dtype=bool).ravel()).tobytes(), "big")


def fingerprint_image(img: Image.Image) -> Fingerprint:
    """The fingerprint of a decoded image."""
    gray = img.convert("L")
    # An integer box reduction is ~10x cheaper than the hash's own resampling and
    # leaves plenty of pixels: pHash looks at 32x32.
    factor = min(gray.size) // _WORK_SIZE
    if factor > 1:
        gray = gray.reduce(factor)
    k = _margin(np.asarray(gray, dtype=np.int16))
    whole = _bits(gray)
    if k == 0:
        return Fingerprint(whole, whole)
    return Fingerprint(whole, _bits(gray.crop((k, k, gray.width - k, gray.height - k))))
