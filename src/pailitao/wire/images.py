"""The images the platform's image search takes, and their headers read without decoding.

Both sides apply these rules before a pixel is decoded: the client before it
sends an image, the fake gateway before it decodes one. ::

    FORMATS            JPEG, PNG, GIF, WebP and BMP, told apart by their magic bytes
    MAX_BYTES          5 MiB of image file
    MAX_SIDE           4,096 pixels wide and high
    MAX_PIXELS         4,096 x 4,096 pixels: every frame of an animation counts
    MAX_DECODED_BYTES  64 MiB: MAX_PIXELS at 4 bytes a pixel (RGBA, 8 bits a channel)
    MAX_FRAMES         1,000 frames of an animated GIF, PNG or WebP
    MAX_JPEG_SCANS     64 scans of a progressive JPEG
    MAX_PARTS          10,000 chunks, segments or blocks in one file

The first four are the platform's. Guides to 1688's image search name JPG and
PNG, and a base64 image of at most 5 MB (resellers' ``item_search_img``);
Alibaba Cloud's Image Search, the group's image search service, takes BMP,
GIF and WebP too (and TIFF and PPM, which no 1688 guide names: refused here),
at most 4 MB and 100 to 4,096 pixels a side. No number is published for the
last three; they bound what a decoder does for one file (libjpeg writes 10
scans for a colour progressive JPEG, mozjpeg about 20; a photo is a few dozen
chunks), and files past them are decompression bombs. ``docs/fake-gateway.md``
lists the sources.

:func:`read_header` reads an image's format, size, frame count and (for a
JPEG) scan count from its header, in pure Python; :func:`check` raises
:class:`ImageRuleError`, whose message says what to change, for an image the
platform refuses, and names a refused format it recognises (TIFF, HEIC, …).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "MAX_BYTES",
    "MAX_DECODED_BYTES",
    "MAX_FRAMES",
    "MAX_JPEG_SCANS",
    "MAX_PARTS",
    "MAX_PIXELS",
    "MAX_SIDE",
    "ImageHeader",
    "ImageRuleError",
    "check",
    "read_header",
    "refusal",
    "refused_format",
    "sniff",
]

#: The formats the platform takes, as :func:`sniff` names them.
FORMATS: Final = ("jpeg", "png", "gif", "webp", "bmp")
#: How messages write each format.
FORMAT_NAMES: Final = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "bmp": "BMP"}
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_SIDE: Final = 4096
MAX_PIXELS: Final = MAX_SIDE * MAX_SIDE
MAX_DECODED_BYTES: Final = MAX_PIXELS * 4
MAX_FRAMES: Final = 1000
MAX_JPEG_SCANS: Final = 64
MAX_PARTS: Final = 10_000

_TAKEN: Final = "JPEG, PNG, GIF, WebP or BMP"
#: Image formats the platform refuses, by their magic bytes, so a message can name them.
_REFUSED: Final = (
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"II+\x00", "BigTIFF"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"), (b"8BPS", "PSD"), (b"\x01\xda", "SGI"), (b"DanM", "MSP"),
    (b"LinS", "MSP"), (b"#define", "XBM"), (b"%!PS", "EPS"), (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"Image type:", "IM"), (b"\x76\x2f\x31\x01", "OpenEXR"), (b"#?RADIANCE", "HDR"),
    (b"\xff\x0a", "JPEG XL"), (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
)  # fmt: skip
#: ISO base media brands of image formats (bytes 8-12 after ``ftyp``).
_BRANDS: Final = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"avif": "AVIF"}
#: JPEG markers that start a frame (SOF0-15 but DHT, JPG and DAC): they carry the size.
_SOF: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
#: JPEG markers without a length: TEM, RST0-7 and SOI.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD9)})


class ImageRuleError(ValueError):
    """An image the platform refuses; the message says which rule and what to send instead."""


class ImageHeader(NamedTuple):
    """What an image's header declares: enough to apply the rules before decoding."""

    format: str  # one of FORMATS
    width: int
    height: int
    frames: int = 1
    #: A JPEG's scans (SOS markers); 1 for the other formats.
    scans: int = 1
    #: Chunks (PNG, WebP), marker segments before the frame (JPEG) or blocks (GIF) read.
    parts: int = 1

    @property
    def pixels(self) -> int:
        """Pixels in all the frames: what decoding the whole image produces."""
        return self.width * self.height * self.frames


def sniff(data: bytes) -> str | None:
    """The format of ``FORMATS`` that the leading magic bytes name, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM" and len(data) >= 26:
        return "bmp"
    return None


def refused_format(data: bytes) -> str | None:
    """The name of a known image format the platform refuses (``"TIFF"``), or ``None``."""
    for magic, name in _REFUSED:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        return _BRANDS.get(data[8:12])
    if data[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and data[4:6] != b"\x00\x00":
        # An icon or a cursor and the count of its images (a TGA starts alike, with a 0 there).
        return "ICO" if data[2] == 1 else "CUR"
    if len(data) > 2 and data[0] == ord("P") and data[1] in b"1234567fF" and data[2] in b" \t\r\n":
        return "PPM" if data[1] in b"1234567" else "PFM"
    if len(data) > 3 and data[0] == 0x0A and data[1] in (0, 2, 3, 4, 5) and data[2] == 1:
        return "PCX"
    return None


def read_header(data: bytes) -> ImageHeader | None:
    """The header of an image in a format the platform takes; ``None`` if unreadable.

    Nothing is decoded: sizes come from the frame header, frames and scans
    from walking the file's blocks (at most ``MAX_PARTS`` of them). ``None``
    means no such format's magic bytes, or a header cut short or corrupt.
    """
    kind = sniff(data)
    reader = _READERS.get(kind) if kind is not None else None
    try:
        header = reader(data) if reader is not None else None
    except (struct.error, IndexError):  # the header is cut short
        return None
    if header is None or header.width <= 0 or header.height <= 0:
        return None
    return header


def check(header: ImageHeader) -> ImageHeader:
    """``header`` itself if the platform takes such an image; else :class:`ImageRuleError`."""
    name = FORMAT_NAMES[header.format]
    if header.width > MAX_SIDE or header.height > MAX_SIDE:
        raise ImageRuleError(
            f"the image is {header.width}x{header.height} pixels; the platform takes at most "
            f"{MAX_SIDE:,} pixels a side: shrink it"
        )
    if header.parts > MAX_PARTS:
        raise ImageRuleError(
            f"the {name} file is cut into more than {MAX_PARTS:,} chunks or blocks; "
            "save it again with an ordinary encoder"
        )
    if header.frames > MAX_FRAMES:  # frames are counted no further than this
        raise ImageRuleError(
            f"the {name} has more than {MAX_FRAMES:,} frames; the platform takes at most "
            f"{MAX_FRAMES:,}: send one frame (a JPEG or PNG)"
        )
    if header.pixels > MAX_PIXELS:
        raise ImageRuleError(
            f"the {name} has {header.frames:,} frames of {header.width}x{header.height} pixels, "
            f"{header.pixels:,} in all; the platform takes at most {MAX_PIXELS:,}: "
            "send one frame (a JPEG or PNG)"
        )
    if header.scans > MAX_JPEG_SCANS:
        raise ImageRuleError(
            f"the JPEG has {header.scans:,} scans; at most {MAX_JPEG_SCANS} are taken: "
            "save it as a baseline JPEG"
        )
    return header


def refusal(data: bytes) -> str | None:
    """The message for an image in a format the platform refuses, naming it; else ``None``."""
    name = refused_format(data)
    if name is None:
        return None
    return f"the image is {name}; the platform takes {_TAKEN}: convert it (e.g. to JPEG)"


def _jpeg(data: bytes) -> ImageHeader | None:
    # Marker segments up to the frame header: APPn, DQT, DHT, ... each with a length.
    i = 2
    for parts in range(1, MAX_PARTS + 2):
        if data[i] != 0xFF:
            return None
        while data[i] == 0xFF:  # a marker may be preceded by fill bytes
            i += 1
        code = data[i]
        i += 1
        if code in _STANDALONE:
            continue
        if code in (0x00, 0xD9, 0xDA):  # no marker, the end, or a scan before any frame
            return None
        if code in _SOF:
            height, width = struct.unpack_from(">HH", data, i + 3)
            # In entropy-coded data a 0xFF is always followed by 0x00 or RSTn: every
            # FF DA is a scan's header (or sits in metadata, which only counts high).
            return ImageHeader("jpeg", width, height, scans=data.count(b"\xff\xda"), parts=parts)
        i += struct.unpack_from(">H", data, i)[0]
    return ImageHeader("jpeg", 1, 1, parts=MAX_PARTS + 1)


def _png(data: bytes) -> ImageHeader | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", data, 16)
    frames, parts, i = 1, 0, 8
    while i + 8 <= len(data) and parts <= MAX_PARTS:
        length, kind = struct.unpack_from(">I4s", data, i)
        parts += 1
        if kind == b"acTL":  # APNG: the declared number of frames
            frames = max(1, struct.unpack_from(">I", data, i + 8)[0])
        elif kind == b"IEND":
            break
        i += 12 + length
    return ImageHeader("png", width, height, frames, parts=parts)


def _gif(data: bytes) -> ImageHeader:
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    i = 13 + _colour_table(flags)
    frames = parts = 0
    while i < len(data) and parts <= MAX_PARTS and frames <= MAX_FRAMES:
        block = data[i]
        parts += 1
        if block == 0x21:  # an extension: label, then sub-blocks
            i = _skip_sub_blocks(data, i + 2)
        elif block == 0x2C:  # an image: its place and size, a colour table, LZW data
            left, top, w, h, flags = struct.unpack_from("<HHHHB", data, i + 1)
            # A frame past the logical screen enlarges the image.
            width, height = max(width, left + w), max(height, top + h)
            i = _skip_sub_blocks(data, i + 11 + _colour_table(flags))
            frames += 1
        else:  # the trailer, or bytes after it
            break
    return ImageHeader("gif", width, height, max(frames, 1), parts=max(parts, 1))


def _colour_table(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, i: int) -> int:
    while i < len(data) and data[i]:
        i += data[i] + 1
    return i + 1


def _webp(data: bytes) -> ImageHeader | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        # Lossy: a frame tag, a start code, then 14-bit width and height.
        width, height = struct.unpack_from("<HH", data, 26)
        return ImageHeader("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and data[20] == 0x2F:
        # Lossless: a signature, then width - 1 and height - 1 in 14 bits each.
        bits = int.from_bytes(data[21:25], "little")
        return ImageHeader("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        # Extended: flags, then the canvas's width - 1 and height - 1 in 24 bits each.
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        frames, parts = _webp_frames(data) if data[20] & 0x02 else (1, 1)  # 0x02: animated
        return ImageHeader("webp", width, height, frames, parts=parts)
    return None


def _webp_frames(data: bytes) -> tuple[int, int]:
    frames, parts, i = 0, 0, 12
    while i + 8 <= len(data) and parts <= MAX_PARTS and frames <= MAX_FRAMES:
        kind, size = struct.unpack_from("<4sI", data, i)
        parts += 1
        frames += kind == b"ANMF"
        i += 8 + size + (size & 1)  # chunks are padded to an even size
    return max(frames, 1), parts


def _bmp(data: bytes) -> ImageHeader:
    (size,) = struct.unpack_from("<I", data, 14)
    if size == 12:  # OS/2 1.x: 16-bit sizes
        width, height = struct.unpack_from("<HH", data, 18)
    else:  # a negative height is a top-down bitmap
        width, height = struct.unpack_from("<ii", data, 18)
    return ImageHeader("bmp", width, abs(height))


_READERS: Final[Mapping[str, Callable[[bytes], ImageHeader | None]]] = {
    "jpeg": _jpeg,
    "png": _png,
    "gif": _gif,
    "webp": _webp,
    "bmp": _bmp,
}
