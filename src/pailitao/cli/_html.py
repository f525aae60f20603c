"""The page ``pailitao search --html FILE`` writes: one search's offers in one file.

The page opens anywhere and fetches nothing: every photo is embedded as a
``data:`` URI, the CSS is inline, there is no script, and its
Content-Security-Policy (``default-src 'none'``) stops a browser from even
trying another request. Every text on it passes through ``html.escape``. It
is made of the offers and the query alone, never of the request, so no key,
secret, token or sign can reach it.

:func:`fetch_photos` gets the offers' photos from their ``pic_url``: through
the transport the search used (the in-process fake serves its catalog photos
at their pic_url paths), or, given an ``origin``, from the pic_url's path on
that host (a served fake serves them there too). A photo that cannot be had
(an error status, a timeout, not an image, over 5 MB) becomes a
:class:`Missing` whose placeholder says why, and the page counts them.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from typing import Final
from urllib.parse import urlsplit

import httpx

from ..wire.images import MAX_BYTES, sniff

__all__ = ["Card", "Missing", "Photo", "Query", "fetch_photos", "render_page"]

#: A photo is a few kB from a CDN or a local fake: a slow one is shown missing, not waited for.
PHOTO_TIMEOUT: Final = httpx.Timeout(5.0, connect=3.0)
#: Photos fetched at once from the network (a page holds up to 50 offers).
_WORKERS: Final = 8
_MEDIA_TYPES: Final = {
    "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "bmp": "image/bmp",
}  # fmt: skip
# No request of any kind: images come as data: URIs, styles inline, and no script at all.
_CSP: Final = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True, slots=True)
class Photo:
    """An image to embed: its bytes and their format (one of ``wire.images.FORMATS``)."""

    data: bytes
    image_format: str

    @classmethod
    def of(cls, data: bytes) -> Photo | None:
        """The photo ``data`` holds, or ``None`` when its magic bytes name no image format."""
        image_format = sniff(data)
        return None if image_format is None else cls(data, image_format)

    def data_uri(self) -> str:
        """``data:image/…;base64,…``."""
        encoded = base64.b64encode(self.data).decode("ascii")
        return f"data:{_MEDIA_TYPES[self.image_format]};base64,{encoded}"


@dataclass(frozen=True, slots=True)
class Missing:
    """A photo that could not be had, and why, in a few words for its placeholder."""

    reason: str


@dataclass(frozen=True, slots=True)
class Card:
    """One offer on the page, its texts as the table prints them."""

    rank: int
    title: str
    price: str
    sales: str
    seller: str
    link: str | None
    photo: Photo | Missing


@dataclass(frozen=True, slots=True)
class Query:
    """What was searched: ``kind`` (``photo``, ``imageUrl``, ``imgid``), the text the
    user gave, and for a photo file its image, embedded at the top of the page."""

    kind: str
    text: str
    photo: Photo | None = None


def fetch_photos(
    urls: Sequence[str | None],
    *,
    transport: httpx.BaseTransport | None = None,
    origin: str | None = None,
) -> list[Photo | Missing]:
    """The photo at each URL, or why there is none; ``origin`` (``scheme://host``)
    replaces each URL's own. ``transport`` is the in-process fake's, else the network."""
    targets = [_target(url, origin) for url in urls]
    # The network is slow, so several at a time; the in-process fake draws photos on a
    # CPU that more threads would not speed up, so one at a time.
    workers = _WORKERS if transport is None else 1
    with (
        httpx.Client(transport=transport, timeout=PHOTO_TIMEOUT, follow_redirects=True) as http,
        ThreadPoolExecutor(workers) as pool,
    ):
        return list(pool.map(functools.partial(_fetch, http), targets))


def _target(url: str | None, origin: str | None) -> str | Missing:
    if not url:
        return Missing("no pic_url")
    if origin is not None:
        url = origin + urlsplit(url).path
    if not url.startswith(("http://", "https://")):
        return Missing("not an http(s) URL")
    return url


def _fetch(http: httpx.Client, target: str | Missing) -> Photo | Missing:
    if isinstance(target, Missing):
        return target
    try:
        with http.stream("GET", target) as response:
            if response.status_code != 200:
                return Missing(f"HTTP {response.status_code}")
            data = _read_at_most(response, MAX_BYTES)
    except httpx.TimeoutException:
        return Missing("timed out")
    except (httpx.HTTPError, httpx.InvalidURL):
        return Missing("unreachable")
    if data is None:
        return Missing(f"over {MAX_BYTES // 2**20} MB")
    return Photo.of(data) or Missing("not an image")


def _read_at_most(response: httpx.Response, limit: int) -> bytes | None:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# -- the page ----------------------------------------------------------------------

_CSS: Final = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
header { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: 0; }
.query { margin: 0; display: flex; gap: .75rem; align-items: center; }
.query img { width: 96px; height: 96px; object-fit: contain; background: #fff;
             border: 1px solid #ddd; }
.query figcaption { overflow-wrap: anywhere; max-width: 40rem; }
.summary, .photos { margin: .25rem 0; }
.photos.some-missing { color: #a33; }
.offers { list-style: none; padding: 0; display: grid; gap: 1rem;
          grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); }
.offer { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .6rem; }
.rank { font-weight: 600; color: #666; }
.photo { display: block; width: 100%; aspect-ratio: 1; object-fit: contain; }
.photo.missing { display: flex; flex-direction: column; justify-content: center;
                 align-items: center; background: #eee; color: #888; border: 2px dashed #ccc;
                 box-sizing: border-box; }
.title { font-size: .95rem; font-weight: 500; margin: .4rem 0; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem; margin: 0; }
dt { color: #888; }
dd { margin: 0; overflow-wrap: anywhere; }
"""


def render_page(summary: Sequence[str], query: Query, cards: Sequence[Card]) -> str:
    """The whole page: ``summary`` lines (as the table's), the query, one card per offer."""
    missing = sum(isinstance(card.photo, Missing) for card in cards)
    lines = "".join(f'<p class="summary">{escape(line)}</p>\n' for line in summary)
    offers = "".join(_card(card) for card in cards)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pailitao search: {escape(summary[0])}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>pailitao search</h1>
{_query(query)}
<div>
{lines}{_photo_count(len(cards), missing)}
</div>
</header>
<main>
<ol class="offers">
{offers}</ol>
</main>
</body>
</html>
"""


def _query(query: Query) -> str:
    picture = ""
    if query.photo is not None:
        picture = f'<img src="{query.photo.data_uri()}" alt="the photo searched with">'
    caption = f"searched by {escape(query.kind)}: <code>{escape(query.text)}</code>"
    return f'<figure class="query">{picture}<figcaption>{caption}</figcaption></figure>'


def _photo_count(total: int, missing: int) -> str:
    if not total:
        return ""
    if not missing:
        return f'<p class="photos">all {total} offer photos embedded</p>'
    return (
        f'<p class="photos some-missing">{missing} of {total} offer photos missing '
        "(each placeholder says why)</p>"
    )


def _card(card: Card) -> str:
    title = escape(card.title)
    if card.link is not None and card.link.startswith(("https://", "http://")):
        title = f'<a href="{escape(card.link)}" rel="noopener noreferrer">{title}</a>'
    if isinstance(card.photo, Photo):
        picture = f'<img class="photo" src="{card.photo.data_uri()}" alt="{escape(card.title)}">'
    else:
        reason = escape(card.photo.reason)
        picture = (
            f'<div class="photo missing" role="img" aria-label="no photo: {reason}">'
            f"<span>no photo</span> <small>{reason}</small></div>"
        )
    return f"""<li class="offer" value="{card.rank}">
<span class="rank">#{card.rank}</span>
{picture}
<h2 class="title">{title}</h2>
<dl><dt>price</dt><dd class="price">{escape(card.price)}</dd>
<dt>sales</dt><dd class="sales">{escape(card.sales)}</dd>
<dt>seller</dt><dd class="seller">{escape(card.seller)}</dd></dl>
</li>
"""
