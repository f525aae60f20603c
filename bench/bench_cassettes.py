"""Cassette size and replay time: pailitao.recording against plain vcrpy.

    .venv/bin/python bench/bench_cassettes.py

1. Bytes one image-upload interaction takes in a cassette, for the same
   ~200 KB JPEG uploaded through the same client to the same in-process
   server: plain vcrpy's defaults against pailitao's configuration.
   Goal: <= 1% of plain vcrpy and <= 2 KiB.
2. Time to replay 100 recorded searches: pailitao's configuration against
   plain vcrpy (default matchers) replaying the same cassette file.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import vcr
from PIL import Image

from pailitao import PailitaoClient, RetryPolicy
from pailitao.recording import make_vcr

KEY, SECRET = "test_app_key", "test_app_secret"
URL = "https://gw.example.test/openapi/router/rest"
UPLOAD_ANSWER = {"upload_img_response": {"items": {"item": {"name": "img", "status": 1}}}}
SEARCH_ANSWER = {
    "items_search_img_response": {
        "items": {
            "page": 1,
            "page_size": 20,
            "pagecount": 1,
            "total_results": 1,
            "item": [{"num_iid": "610947572360", "title": "夏季新款连衣裙", "price": "59.00"}],
        },
        "request_id": "r",
    }
}


def big_jpeg() -> bytes:
    noise = Image.effect_noise((420, 420), 60).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def client(answer: dict[str, object]) -> PailitaoClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    return PailitaoClient(
        app_key=KEY,
        app_secret=SECRET,
        base_url=URL,
        transport=transport,
        retry=RetryPolicy.disabled(),
    )


def cassette_sizes(folder: Path, image: bytes) -> tuple[int, int]:
    plain = vcr.VCR(cassette_library_dir=str(folder), record_mode="once")
    with plain.use_cassette("plain.yaml"), client(UPLOAD_ANSWER) as c:
        c.upload_image(image)
    ours = make_vcr(secret=SECRET, app_key=KEY, record_mode="once", cassette_library_dir=folder)
    with ours.use_cassette("ours"), client(UPLOAD_ANSWER) as c:
        c.upload_image(image)
    return (folder / "plain.yaml").stat().st_size, (folder / "ours.yaml").stat().st_size


def record_searches(folder: Path, count: int) -> None:
    ours = make_vcr(secret=SECRET, record_mode="once", cassette_library_dir=folder)
    with ours.use_cassette("searches"), client(SEARCH_ANSWER) as c:
        for page in range(1, count + 1):
            c.search_image(imgid="img", page=page)


def replay_seconds(folder: Path, count: int, *, plain: bool, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        if plain:
            recorder = vcr.VCR(cassette_library_dir=str(folder), record_mode="none")
            context = recorder.use_cassette("searches.yaml", allow_playback_repeats=True)
        else:
            recorder = make_vcr(secret=SECRET, cassette_library_dir=folder)
            context = recorder.use_cassette("searches")
        start = time.perf_counter()
        with context, client(SEARCH_ANSWER) as c:
            for page in range(1, count + 1):
                c.search_image(imgid="img", page=page)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    image = big_jpeg()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain_size, our_size = cassette_sizes(folder, image)
        print(f"image upload of {len(image):,} bytes, one interaction per cassette:")
        print(f"  plain vcrpy  {plain_size:>9,} bytes")
        print(
            f"  pailitao     {our_size:>9,} bytes  ({our_size / plain_size:.2%} of plain; "
            f"goal <= 1% and <= 2,048)"
        )
        record_searches(folder, 100)
        ours = replay_seconds(folder, 100, plain=False)
        plain = replay_seconds(folder, 100, plain=True)
        print("replay of 100 recorded searches (median of 5 runs):")
        print(f"  plain vcrpy  {plain * 1000:8.1f} ms")
        print(
            f"  pailitao     {ours * 1000:8.1f} ms  ({ours / plain:.2f}x; includes canonicalising "
            "and verifying every request's sign)"
        )


if __name__ == "__main__":
    main()
