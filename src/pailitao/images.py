"""Image checks done before anything is sent: the platform's rules, from ``pailitao.wire.images``.

The format is read from magic bytes (JPEG, PNG, WebP, GIF, BMP), never from a
file name; a format the platform refuses is named (``the image is TIFF``).
The header gives the size in pixels, the frames of an animation and the scans
of a progressive JPEG, without decoding; a header the checks cannot read is
left for the platform to judge. An image over the byte limit or wider or
higher than 4,096 pixels is refused, or — when asked — downscaled and
re-encoded as JPEG with Pillow, which is imported only then.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from .errors import ImageError
from .wire import images as rules

__all__ = ["DEFAULT_MAX_BYTES", "ImageSource", "PreparedImage", "prepare_image", "sniff_format"]

#: The default size limit, in bytes, for an image sent to the platform.
DEFAULT_MAX_BYTES: Final = rules.MAX_BYTES
#: Pillow's names of the formats the platform takes: no other decoder is tried.
_PILLOW_FORMATS: Final = ("JPEG", "PNG", "GIF", "WEBP", "BMP")

#: What ``file=`` accepts: a path, the bytes, or a binary file object.
ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_CONTENT_TYPES: Final = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
}


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """Image bytes that passed the checks, with their format."""

    data: bytes
    format: str

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.format]

    @property
    def filename(self) -> str:
        return f"image.{'jpg' if self.format == 'jpeg' else self.format}"

    def __repr__(self) -> str:  # never dump megabytes into a log line
        return f"PreparedImage(format={self.format!r}, size={len(self.data)})"


def sniff_format(data: bytes) -> str | None:
    """The image format named by the leading magic bytes, or ``None``."""
    return rules.sniff(data)


def _read(source: ImageSource) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return path.read_bytes()
        except IsADirectoryError:
            raise ImageError(f"{path} is a directory, not an image file") from None
        except OSError as error:
            raise ImageError(f"cannot read image file {path}: {error.strerror}") from None
        except ValueError:  # the OS cannot take a NUL in a path
            raise ImageError(
                f"cannot read image file {str(path)!r}: the path contains a NUL character"
            ) from None
    read = getattr(source, "read", None)
    if read is None:
        raise ImageError(
            f"file must be a path, bytes or a binary file object, not {type(source).__name__}"
        )
    data = read()
    if not isinstance(data, bytes):
        raise ImageError("the file object returned text; open the image in binary mode ('rb')")
    return data


def prepare_image(
    source: ImageSource, *, max_bytes: int = DEFAULT_MAX_BYTES, downscale: bool = False
) -> PreparedImage:
    """Read and check an image; raise :class:`ImageError` if it cannot be sent.

    With ``downscale=True`` an image over ``max_bytes``, or wider or higher
    than the platform's 4,096 pixels, is shrunk and re-encoded as JPEG until
    it fits (needs Pillow: ``pailitao[images]``).
    """
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        wrong = ValueError if isinstance(max_bytes, int) else TypeError
        raise wrong(f"max_bytes must be a whole number of bytes >= 1, not {max_bytes!r}")
    data = _read(source)
    if not data:
        raise ImageError("the image is empty (0 bytes)")
    kind = sniff_format(data)
    if kind is None:
        raise ImageError(
            rules.refusal(data)
            or f"not a supported image (JPEG, PNG, WebP, GIF or BMP); first bytes: {data[:8]!r}"
        )
    too_wide = _check_header(data)
    too_heavy = len(data) > max_bytes
    if not (too_wide or too_heavy):
        return PreparedImage(data, kind)
    if not downscale:
        raise ImageError(
            f"{too_wide}; pass downscale=True to shrink it"
            if too_wide
            else f"the image is {len(data):,} bytes, over the {max_bytes:,}-byte limit; "
            "pass downscale=True to shrink it, or raise max_image_bytes"
        )
    return PreparedImage(_shrink(data, max_bytes), "jpeg")


def _check_header(data: bytes) -> str | None:
    """What makes the image too wide or high to send as it is; raises for the other rules.

    An image within 4,096 pixels a side that breaks another rule (frames,
    scans) is refused outright: it is an animation or a decoding bomb, and
    shrinking would not change it. One too wide or high is reported first; a
    downscaled copy is a single baseline JPEG, which meets them all.
    """
    header = rules.read_header(data)
    if header is None:
        return None  # unreadable here: the platform judges it
    if max(header.width, header.height) > rules.MAX_SIDE:
        return (
            f"the image is {header.width}x{header.height} pixels, over the platform's "
            f"{rules.MAX_SIDE:,} pixels a side"
        )
    try:
        rules.check(header)
    except rules.ImageRuleError as error:
        raise ImageError(str(error)) from None
    return None


def _shrink(data: bytes, max_bytes: int) -> bytes:
    try:
        from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - optional and heavy
    except ImportError:
        raise ImageError("downscaling needs Pillow: pip install 'pailitao[images]'") from None
    side = rules.MAX_SIDE
    try:
        with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS) as opened:
            opened.thumbnail((side, side))  # a JPEG is decoded at a reduced scale
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"cannot decode the image to downscale it: {error}") from None
    for quality in (85, 75, 60):
        while True:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= max_bytes:
                return buffer.getvalue()
            if min(image.size) <= 64:
                break
            image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    raise ImageError(f"cannot shrink the image under {max_bytes:,} bytes")
