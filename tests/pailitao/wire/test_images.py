"""The image rules: headers read without decoding agree with Pillow, and each limit holds."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pailitao.wire import images
from pailitao.wire.images import ImageHeader, ImageRuleError


def encoded(fmt: str, size: tuple[int, int], mode: str = "RGB", **options: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, fmt, **options)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    """A PNG whose header declares any size; its pixel data is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# -- reading headers ------------------------------------------------------------------


@given(
    fmt=st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "BMP"]),
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    mode=st.sampled_from(["RGB", "L", "P", "RGBA", "1"]),
    progressive=st.booleans(),
)
def test_headers_agree_with_pillow(
    fmt: str, width: int, height: int, mode: str, progressive: bool
) -> None:
    if fmt == "JPEG" and mode in ("P", "RGBA", "1"):
        mode = "L"
    options = {"progressive": progressive} if fmt == "JPEG" else {}
    data = encoded(fmt, (width, height), mode, **options)
    header = images.read_header(data)
    assert header is not None
    assert (header.format, header.width, header.height) == (fmt.lower(), width, height)
    assert header.frames == 1
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.size == (width, height)
        if fmt == "JPEG" and progressive:
            assert header.scans == 10 if mode == "RGB" else 6  # libjpeg's default scripts


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animation_frames_are_counted(fmt: str) -> None:
    frames = [Image.new("RGB", (30, 20), (i * 40, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=50)
    header = images.read_header(out.getvalue())
    assert header is not None
    assert (header.width, header.height, header.frames) == (30, 20, 5)
    with Image.open(out) as opened:
        assert opened.n_frames == 5


def test_os2_and_top_down_bitmaps() -> None:
    top_down = bytearray(encoded("BMP", (7, 5)))
    top_down[22:26] = struct.pack("<i", -5)
    assert images.read_header(bytes(top_down)) == ImageHeader("bmp", 7, 5)
    os2 = b"BM" + bytes(12) + struct.pack("<IHHHH", 12, 9, 4, 1, 24) + bytes(40)
    assert images.read_header(os2) == ImageHeader("bmp", 9, 4)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"\xff\xd8 not really",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",  # cut before the frame header
        b"\xff\xd8\xff\xda\x00\x08",  # a scan before any frame
        b"\x89PNG\r\n\x1a\n" + bytes(30),
        b"GIF89a",
        b"RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00abcd",
        png_declaring(0, 10),
    ],
)
def test_unreadable_headers_are_none(data: bytes) -> None:
    assert images.read_header(data) is None


# -- the rules ------------------------------------------------------------------------


def test_the_limits() -> None:
    assert images.FORMATS == ("jpeg", "png", "gif", "webp", "bmp")
    assert images.MAX_BYTES == 5 * 1024 * 1024
    assert images.MAX_PIXELS == 4096 * 4096
    assert images.MAX_DECODED_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ImageHeader("png", 6300, 6300),
            "the image is 6300x6300 pixels; the platform takes at most 4,096 pixels a side: "
            "shrink it",
        ),
        (
            ImageHeader("gif", 640, 480, frames=60),
            "the GIF has 60 frames of 640x480 pixels, 18,432,000 in all; the platform takes "
            "at most 16,777,216: send one frame (a JPEG or PNG)",
        ),
        (
            ImageHeader("webp", 1, 1, frames=1001),
            "the WebP has more than 1,000 frames; the platform takes at most 1,000: send one "
            "frame (a JPEG or PNG)",
        ),
        (
            ImageHeader("jpeg", 100, 100, scans=65),
            "the JPEG has 65 scans; at most 64 are taken: save it as a baseline JPEG",
        ),
        (
            ImageHeader("png", 10, 10, parts=10_001),
            "the PNG file is cut into more than 10,000 chunks or blocks; save it again with "
            "an ordinary encoder",
        ),
    ],
)
def test_refusals_say_what_to_change(header: ImageHeader, message: str) -> None:
    with pytest.raises(ImageRuleError) as caught:
        images.check(header)
    assert str(caught.value) == message


def test_the_largest_image_taken() -> None:
    largest = ImageHeader("png", 4096, 4096)
    assert images.check(largest) is largest
    assert images.check(largest._replace(format="gif", height=2048, frames=2)).frames == 2
    assert images.check(ImageHeader("jpeg", 1, 1, scans=64)).scans == 64


@given(
    width=st.integers(1, 2**16),
    height=st.integers(1, 2**16),
    frames=st.integers(1, 2000),
)
def test_the_rules_hold_for_any_declared_size(width: int, height: int, frames: int) -> None:
    header = ImageHeader("gif", width, height, frames)
    taken = width <= 4096 and height <= 4096 and frames <= 1000 and header.pixels <= 4096**2
    if taken:
        assert images.check(header) == header
        assert header.pixels * 4 <= images.MAX_DECODED_BYTES
    else:
        with pytest.raises(ImageRuleError):
            images.check(header)


@given(width=st.integers(4097, 2**31 - 1), height=st.integers(1, 2**31 - 1))
def test_a_declared_size_past_the_limit_is_read_and_refused(width: int, height: int) -> None:
    for data in (png_declaring(width, height), png_declaring(height, width, 16, 6)):
        header = images.read_header(data)
        assert header is not None
        with pytest.raises(ImageRuleError, match="pixels a side"):
            images.check(header)


def test_many_scans_are_counted() -> None:
    data = encoded("JPEG", (64, 64), progressive=True)
    first_scan = data.index(b"\xff\xda")
    end = data.index(b"\xff\xda", first_scan + 2)
    extra = data[first_scan:end] * 60  # the DC scan, over and over: a scan bomb
    header = images.read_header(data[:end] + extra + data[end:])
    assert header is not None
    assert header.scans == 70


def test_a_png_cut_into_many_chunks() -> None:
    data = encoded("PNG", (8, 8))
    iend = data.rindex(b"IEND") - 4
    bomb = data[:iend] + chunk(b"abCd", b"") * 20_000 + data[iend:]
    header = images.read_header(bomb)
    assert header is not None
    assert header.parts == images.MAX_PARTS + 1


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("TIFF", "TIFF"), ("PPM", "PPM"), ("ICO", "ICO"), ("PCX", "PCX"), ("SGI", "SGI"),
     ("DDS", "DDS"), ("QOI", "QOI"), ("XBM", "XBM"), ("MSP", "MSP"),
     ("JPEG2000", "JPEG 2000"), ("EPS", "EPS")],
)  # fmt: skip
def test_refused_formats_are_named(fmt: str, name: str) -> None:
    mode = "1" if fmt in ("XBM", "MSP") else "RGB"
    data = encoded(fmt, (16, 16), mode)
    assert images.sniff(data) is None
    assert images.refused_format(data) == name
    assert images.refusal(data) == (
        f"the image is {name}; the platform takes JPEG, PNG, GIF, WebP or BMP: "
        "convert it (e.g. to JPEG)"
    )


def test_refused_formats_without_a_writer_are_named() -> None:
    # Pillow no longer writes IM files (deprecated); its header is a line of text.
    assert images.refused_format(b"Image type: RGB image\r\nName: a.im\r\n") == "IM"


def test_unknown_bytes_are_not_named() -> None:
    assert images.refused_format(b"%PDF-1.7") is None
    assert images.refusal(b"hello") is None
    heic = b"\x00\x00\x00\x18ftypheic" + bytes(12)
    assert images.refused_format(heic) == "HEIC"
