"""Image checks before sending: formats by magic bytes, clear errors, downscaling."""

import io
import subprocess
import sys

import pytest
from PIL import Image

from pailitao import ImageError, prepare_image
from pailitao.images import sniff_format


def encoded(fmt: str, size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif"), ("BMP", "bmp")],
)
def test_formats_are_read_from_magic_bytes(fmt: str, name: str) -> None:
    data = encoded(fmt)
    assert sniff_format(data) == name
    prepared = prepare_image(data)
    assert (prepared.format, prepared.data) == (name, data)
    assert prepared.content_type == f"image/{name}"


def test_paths_bytes_and_binary_files_are_accepted(tmp_path) -> None:
    data = encoded("PNG")
    path = tmp_path / "a.png"
    path.write_bytes(data)
    assert prepare_image(path).data == data
    assert prepare_image(str(path)).data == data
    assert prepare_image(bytearray(data)).data == data
    assert prepare_image(memoryview(data)).data == data
    with path.open("rb") as handle:
        assert prepare_image(handle).data == data


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"", "the image is empty (0 bytes)"),
        (
            b"%PDF-1.7 not an image",
            "not a supported image (JPEG, PNG, WebP, GIF or BMP); first bytes: b'%PDF-1.7'",
        ),
        (12, "file must be a path, bytes or a binary file object, not int"),
        (
            io.StringIO("text"),
            "the file object returned text; open the image in binary mode ('rb')",
        ),
    ],
)
def test_unusable_sources_raise_image_error(source: object, message: str) -> None:
    with pytest.raises(ImageError) as caught:
        prepare_image(source)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(ImageError, match=r"cannot read image file .*missing.jpg: No such file"):
        prepare_image(tmp_path / "missing.jpg")
    with pytest.raises(ImageError, match="is a directory, not an image file"):
        prepare_image(tmp_path)


def test_oversized_image_is_refused_with_a_hint() -> None:
    data = encoded("PNG", (64, 64))
    with pytest.raises(ImageError) as caught:
        prepare_image(data, max_bytes=100)
    assert str(caught.value) == (
        f"the image is {len(data):,} bytes, over the 100-byte limit; "
        "pass downscale=True to shrink it, or raise max_image_bytes"
    )


def test_downscale_reencodes_to_fit() -> None:
    noisy = Image.effect_noise((800, 800), 90).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    data = buffer.getvalue()
    prepared = prepare_image(data, max_bytes=60_000, downscale=True)
    assert prepared.format == "jpeg"
    assert len(prepared.data) <= 60_000
    assert Image.open(io.BytesIO(prepared.data)).size[0] < 800
    assert repr(prepared) == f"PreparedImage(format='jpeg', size={len(prepared.data)})"


def test_downscale_of_a_broken_image_is_an_image_error() -> None:
    truncated = encoded("PNG", (64, 64))[:40]
    with pytest.raises(ImageError, match="cannot decode the image to downscale it"):
        prepare_image(truncated, max_bytes=10, downscale=True)


def test_pillow_is_imported_only_when_downscaling() -> None:
    code = (
        "import sys, pailitao;"
        "pailitao.prepare_image(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(20));"
        "print('PIL' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_path_with_a_nul_character_is_an_image_error() -> None:
    with pytest.raises(ImageError) as caught:
        prepare_image("a\x00b.jpg")
    assert (
        str(caught.value)
        == "cannot read image file 'a\\x00b.jpg': the path contains a NUL character"
    )


@pytest.mark.parametrize("max_bytes", ["5", 0, True, 1.5])
def test_the_size_limit_must_be_a_whole_number_of_bytes(max_bytes: object) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        prepare_image(encoded("PNG"), max_bytes=max_bytes)  # type: ignore[arg-type]
    assert str(caught.value) == f"max_bytes must be a whole number of bytes >= 1, not {max_bytes!r}"


# -- the platform's image rules (pailitao.wire.images) --------------------------------


def test_a_refused_format_is_named() -> None:
    with pytest.raises(ImageError) as caught:
        prepare_image(encoded("TIFF"), downscale=True)
    assert str(caught.value) == (
        "the image is TIFF; the platform takes JPEG, PNG, GIF, WebP or BMP: convert it "
        "(e.g. to JPEG)"
    )


def test_an_image_wider_than_4096_pixels() -> None:
    wide = io.BytesIO()
    Image.new("L", (5000, 40), 128).save(wide, "PNG")
    with pytest.raises(ImageError) as caught:
        prepare_image(wide.getvalue())
    assert str(caught.value) == (
        "the image is 5000x40 pixels, over the platform's 4,096 pixels a side; "
        "pass downscale=True to shrink it"
    )
    prepared = prepare_image(wide.getvalue(), downscale=True)
    assert prepared.format == "jpeg"
    assert Image.open(io.BytesIO(prepared.data)).size == (4096, 33)


def test_an_animation_past_the_frame_limit_is_refused_even_when_downscaling() -> None:
    frame = b"\x2c" + bytes(4) + b"\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(6) + frame * 1001 + b"\x3b"
    with pytest.raises(ImageError) as caught:
        prepare_image(gif, downscale=True)
    assert str(caught.value) == (
        "the GIF has more than 1,000 frames; the platform takes at most 1,000: send one frame "
        "(a JPEG or PNG)"
    )


def test_a_header_the_checks_cannot_read_is_left_to_the_platform() -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(30)
    assert prepare_image(data).data == data
