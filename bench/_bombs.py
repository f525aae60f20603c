"""Decompression bombs and refused formats, made on the spot (for bench_bombs.py and the tests).

Each is small on the wire and costly to decode: a header declaring a huge
size, a palette or 16-bit PNG, a progressive JPEG (huge, or with thousands of
scans), animations with thousands of frames, a PNG cut into 400,000 chunks,
and formats the platform refuses (TIFF, EPS). :func:`declaring` builds an
image of any format whose header declares any size, with a few bytes of data.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image

__all__ = ["DECLARING", "bombs", "declaring", "png_bomb"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, depth: int, colour: int, idat: bytes, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    parts = (_chunk(b"IHDR", ihdr), *extra, _chunk(b"IDAT", idat), _chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(parts)


def png_bomb(side: int = 6300) -> bytes:
    """A real bomb: ``side`` x ``side`` 16-bit RGBA, all zeros (6300: 309 KB, 318 MB decoded)."""
    return _png(side, side, 16, 6, _zeros_deflated((1 + side * 8) * side))  # a filter byte a row


def _zeros_deflated(size: int, block: int = 1 << 22) -> bytes:
    """zlib data of ``size`` zero bytes, built in milliseconds instead of seconds.

    After a full flush the compressor starts afresh, so every further block of
    zeros compresses to the same bytes: one is compressed and repeated.
    """
    if size <= 2 * block:
        return zlib.compress(bytes(size), 9)
    deflate = zlib.compressobj(9)
    first = deflate.compress(bytes(block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(bytes(block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    rest = deflate.compress(bytes(size % block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler32 = (size % 65521) << 16 | 1  # of zeros: a stays 1, b counts the bytes
    final = b"\x03\x00"  # an empty last block
    return first + again * (size // block - 1) + rest + final + adler32.to_bytes(4, "big")


def _encoded(fmt: str, size: tuple[int, int], **options: object) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, fmt, **options)
    return out.getvalue()


def _jpeg_declaring(width: int, height: int, *, progressive: bool = False) -> bytes:
    data = bytearray(_encoded("JPEG", (16, 16), progressive=progressive))
    sof = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _gif(width: int, height: int, frames: int, frame: tuple[int, int] = (1, 1)) -> bytes:
    screen = struct.pack("<6sHHBBB", b"GIF89a", width, height, 0x80, 0, 0) + bytes(6)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, *frame, 0) + b"\x02\x02\x44\x01\x00"
    return screen + image * frames + b"\x3b"


def _webp(width: int, height: int, frames: int = 0) -> bytes:
    vp8x = struct.pack("<4sIB3x", b"VP8X", 10, 0x02 if frames else 0)  # 0x02: animated
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = vp8x + (b"ANMF" + struct.pack("<I", 16) + bytes(16)) * frames
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _bmp(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 64, 0, 0, 54) + info + bytes(64)


#: Images whose header declares any size, by format (data: a few bytes, if any).
DECLARING: dict[str, Callable[[int, int], bytes]] = {
    "png": lambda w, h: _png(w, h, 8, 2, zlib.compress(b"\0" * 64)),
    "jpeg": _jpeg_declaring,
    "gif": lambda w, h: _gif(w, h, 1),
    "webp": _webp,
    "bmp": _bmp,
}


def declaring(fmt: str, width: int, height: int) -> bytes:
    """An image in ``fmt`` whose header declares ``width`` x ``height`` pixels."""
    return DECLARING[fmt](width, height)


def _many_scans(scans: int) -> bytes:
    data = _encoded("JPEG", (512, 512), progressive=True)
    first = data.index(b"\xff\xda")
    second = data.index(b"\xff\xda", first + 2)
    return data[:second] + data[first:second] * scans + data[second:]


def _many_chunks(chunks: int) -> bytes:
    data = _encoded("PNG", (8, 8))
    end = data.rindex(b"IEND") - 4
    return data[:end] + _chunk(b"abCd", b"") * chunks + data[end:]


def _refused(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, fmt)
    return out.getvalue()


def bombs(*, real_png: bool = True) -> dict[str, bytes]:
    """Every bomb by name; ``real_png=False`` leaves out the 309 KB PNG that decodes to 318 MB."""
    made = {
        "png 100000x100000 (declared)": declaring("png", 100_000, 100_000),
        "png palette 30000x30000": _png(30_000, 30_000, 1, 3, zlib.compress(b"\0" * 64),
                                        _chunk(b"PLTE", bytes(6))),
        "png 16-bit grey 20000x20000": _png(20_000, 20_000, 16, 0, zlib.compress(b"\0" * 64)),
        "apng 100000 frames": _png(64, 64, 8, 2, zlib.compress(b"\0" * 64),
                                   _chunk(b"acTL", struct.pack(">II", 100_000, 0))),
        "png cut into 400000 chunks": _many_chunks(400_000),
        "jpeg progressive 65500x65500": _jpeg_declaring(65_500, 65_500, progressive=True),
        "jpeg progressive, 2000 scans": _many_scans(2000),
        "gif 65535x65535": declaring("gif", 65_535, 65_535),
        "gif 2000x2000, 5000 frames": _gif(2000, 2000, 5000),
        "gif 100x100, 100000 frames": _gif(100, 100, 100_000),
        "webp 16384x16384": declaring("webp", 16_384, 16_384),
        "webp 1000x1000, 2000 frames": _webp(1000, 1000, 2000),
        "bmp 50000x50000": declaring("bmp", 50_000, 50_000),
        "tiff": _refused("TIFF"),
        "eps": _refused("EPS"),
    }  # fmt: skip
    if real_png:
        made = {"png 6300x6300 16-bit RGBA (309 KB)": png_bomb(), **made}
    return made
