"""HTTP throughput: ``fake1688 serve`` against a bare Starlette endpoint, same bytes.

Both run on uvicorn (uvloop, httptools) as subprocesses on free 127.0.0.1
ports; the same ``wrk`` (Debian's, ``apt-get install wrk``) sends the same
signed search POST to each, 16 connections, one thread, ``SECONDS`` each. The
bare endpoint reads the body and answers the exact bytes the fake answered.
Goal: fake >= 0.5x bare. Two requests are measured:

* by ``imgid`` (a catalog photo's URL): the paging call of a client that
  uploaded once, a ~400-byte body;
* by a base64 ``image``, as the seed sends it: a ~10 KB body that the fake must
  percent-decode, hash for the sign, base64-decode and fingerprint.

Not a test: ``.venv/bin/python bench/bench_http.py [SECONDS]``.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
from _servers import Server, bare_server, fake_server
from fake1688.catalog import Catalog

from pailitao import signing

GOAL = 0.5


def signed_search_body(source: str) -> bytes:
    """A signed search (``imgid`` or ``image``), valid for the next 10 minutes."""
    catalog = Catalog.default(0)
    offer = catalog.offers[7]
    params = {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": signing.format_timestamp(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "page_size": "20",
    }
    if source == "imgid":
        params["imgid"] = offer.pic_url
    else:
        params["image"] = base64.b64encode(catalog.image_bytes(offer)).decode("ascii")
    params["sign"] = signing.sign(params, "test_app_secret")
    return urlencode(params).encode()


def wrk(url: str, script: Path, seconds: int) -> float:
    """Requests per second that wrk measured (and no socket errors or non-2xx)."""
    program = shutil.which("wrk") or "wrk"
    out = subprocess.run(
        [program, "-t1", "-c16", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    if bad:
        raise RuntimeError(f"wrk saw errors against {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def measure(source: str, seconds: int, tmp: Path) -> float:
    """Requests per second of the fake and of the bare endpoint; prints both."""
    body = signed_search_body(source)
    script = tmp / f"{source}.lua"
    (tmp / f"{source}.body").write_bytes(body)
    script.write_text(
        'wrk.method = "POST"\n'
        f'local f = io.open("{tmp}/{source}.body", "rb"); wrk.body = f:read("*a"); f:close()\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    fake = fake_server()
    try:
        answer = httpx.post(
            fake.url, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert b"items_search_img_response" in answer.content, answer.text[:300]
        answer_file = tmp / f"{source}.json"
        answer_file.write_bytes(answer.content)
        fake_rps = wrk(fake.url, script, seconds)
    finally:
        fake.stop()
    bare: Server = bare_server(answer_file)
    try:
        bare_rps = wrk(bare.url, script, seconds)
    finally:
        bare.stop()
    ratio = fake_rps / bare_rps
    print(f"search by {source}: {len(body):,} bytes in, {len(answer.content):,} out")
    print(f"  bare Starlette  {bare_rps:9,.0f} req/s")
    print(f"  fake1688 serve  {fake_rps:9,.0f} req/s   {ratio:.2f}x (goal >= {GOAL}x)")
    return ratio


def main(seconds: int = 10) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as name:
        for source in ("imgid", "image"):
            measure(source, seconds, Path(name))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
