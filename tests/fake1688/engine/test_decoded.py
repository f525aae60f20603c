"""The decoded base64 texts a worker keeps: a byte budget that counts text and image."""

from __future__ import annotations

from fake1688.engine.api import _Decoded
from fake1688.engine.store import Image

TEXTS = [letter * 100 for letter in "ABCDE"]
IMAGES = [Image.of(bytes([n]) * 200) for n in range(5)]  # with its text, 300 bytes each


def kept(cache: _Decoded) -> list[str]:
    return [text[0] for text in TEXTS if cache.get(text) is not None]


def test_the_oldest_texts_go_once_texts_and_images_pass_the_budget() -> None:
    cache = _Decoded(max_bytes=1_000)
    for text, image in zip(TEXTS, IMAGES, strict=True):
        cache.put(text, image)
    assert kept(cache) == ["C", "D", "E"]  # 900 bytes; a fourth would make 1,200
    assert cache.get("C" * 100) == IMAGES[2]


def test_a_text_read_again_is_kept_over_older_ones() -> None:
    cache = _Decoded(max_bytes=1_000)
    for text, image in zip(TEXTS[:3], IMAGES[:3], strict=True):
        cache.put(text, image)
    cache.get(TEXTS[0])
    cache.put(TEXTS[0], IMAGES[0])  # the same text again: counted once
    cache.put(TEXTS[3], IMAGES[3])
    assert kept(cache) == ["A", "C", "D"]
