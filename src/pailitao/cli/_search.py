"""``pailitao search``: one search from the command line, as a table or as JSON.

::

    pailitao search --fake photo.jpg                 # the offline fake, no credentials
    PAILITAO_APP_KEY=... PAILITAO_APP_SECRET=... pailitao search photo.jpg --sort price_asc
    pailitao search https://cbu01.alicdn.com/img/ibank/....jpg --json
    pailitao search --fake photo.jpg --html results.html   # also a page to open in a browser

An argument that starts with ``http://``, ``https://`` or ``//`` is sent as
``imageUrl`` (``--imgid`` sends it as ``imgid``); anything else is a photo file.

``--html FILE`` also writes the page as one standalone HTML file (``_html``):
the offers in rank order with their photos embedded, the photo searched with at
the top (an URL or imgid as text). The table or JSON is printed as without it,
and ``wrote FILE (…)`` on stderr says how many photos were missing. Photos come
from each offer's ``pic_url``: through the in-process fake with ``--fake``; from
the gateway's own host when the gateway is not the live one (a served fake
serves its photos at their pic_url paths); from the pic_url itself when it is.
A photo that cannot be fetched is a placeholder saying why; it is not an error.

Exit status: 0 a page was printed (and FILE written), 1 the platform or the
network said no (nothing is written), 2 the command line or the image is wrong,
or FILE cannot be written (a missing folder is found before searching). Errors
are one or two lines, never a traceback. ``--fake`` imports the fake gateway
only when it is given.
"""

from __future__ import annotations

import argparse
import json
import os
import unicodedata
from pathlib import Path
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

import httpx

from ..client import PailitaoClient
from ..client._requests import MAX_PAGE_SIZE, Sort
from ..errors import (
    ApiError,
    ImageError,
    InvalidArgumentsError,
    PailitaoError,
    RateLimitError,
    ServerError,
    TransportError,
    UsageError,
)
from ..models import Item, SearchPage
from ..retry import RetryPolicy
from ..wire import (
    DEMO_ACCESS_TOKEN,
    DIALECTS,
    Dialect,
    aop,
    default_base_url,
    in_process_url,
    reseller,
)
from . import _html
from ._util import CliError, Streams

__all__ = ["format_table", "register", "text_width", "truncate"]

KEY_ENV: Final = "PAILITAO_APP_KEY"
SECRET_ENV: Final = "PAILITAO_APP_SECRET"  # noqa: S105 - the variable's name
URL_ENV: Final = "PAILITAO_BASE_URL"
TOKEN_ENV: Final = "PAILITAO_ACCESS_TOKEN"  # noqa: S105 - the variable's name
DIALECT_ENV: Final = "PAILITAO_DIALECT"
TITLE_WIDTH: Final = 32
SELLER_WIDTH: Final = 16
#: Retries for a person waiting at a terminal: a few, within 15 seconds.
CLI_RETRY = RetryPolicy(max_attempts=3, max_total=15.0)
_URL_PREFIXES: Final = ("http://", "https://", "//")
_SORTS: Final = (*tuple(sort.value for sort in Sort), "bid2", "_bid2", "sale", "_sale")
_HINTS: Final[tuple[tuple[type[ApiError], str], ...]] = (
    (RateLimitError, "the client already waited and retried; try again later"),
    (ServerError, "the platform's fault, already retried; try again later"),
    (InvalidArgumentsError, "sub_msg names the argument; see `pailitao search --help`"),
)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``pailitao search`` to the command line."""
    search = commands.add_parser(
        "search",
        help="search 1688 by image and print a page of offers",
        description=(
            "Search 1688 拍立淘 by a photo file or an image URL and print one page of offers. "
            f"Credentials come from ${KEY_ENV} and ${SECRET_ENV} (and ${TOKEN_ENV} for the "
            f"Open Platform), the gateway from --base-url or ${URL_ENV} (default: the live "
            "gateway of the dialect); --fake searches the offline fake gateway in-process "
            "instead, with no server and no credentials."
        ),
        epilog=(
            "examples: pailitao search --fake photo.jpg;  pailitao search photo.jpg --json;  "
            "pailitao search --fake --dialect aop --country ru photo.jpg;  "
            "pailitao search --fake --dialect reseller --sort _sale photo.jpg"
        ),
    )
    search.add_argument(
        "image",
        metavar="IMAGE_OR_URL",
        help="a photo file, or an http(s) image URL (sent as imageUrl)",
    )
    search.add_argument(
        "--imgid",
        action="store_true",
        help="send IMAGE_OR_URL as imgid: the URL (or, with --dialect aop, the imageId) that "
        "an upload returned",
    )
    search.add_argument(
        "--dialect",
        choices=DIALECTS,
        default=None,
        help="top (the TOP router), aop (the 1688 Open Platform) or reseller (the resellers' "
        f"REST gateways: the key and secret are theirs) (default: ${DIALECT_ENV} or top)",
    )
    search.add_argument(
        "--country",
        choices=sorted({*aop.COUNTRIES, *reseller.LANGS}),
        metavar="LANG",
        help="with --dialect aop: the language of the translated titles (default: en); "
        f"with --dialect reseller: the titles' lang ({', '.join(reseller.LANGS)})",
    )
    search.add_argument(
        "--sort",
        choices=_SORTS,
        metavar="SORT",
        help=f"result order: {', '.join(_SORTS)} (default: relevance)",
    )
    search.add_argument("--cat", metavar="CAT", help="only this category id")
    search.add_argument("--page", type=_positive, default=1, metavar="N", help="default: 1")
    search.add_argument(
        "--page-size",
        type=_positive,
        default=20,
        metavar="N",
        help=f"offers per page, 1-{MAX_PAGE_SIZE} (default: 20)",
    )
    search.add_argument("--json", action="store_true", help="print the page as JSON")
    search.add_argument(
        "--html",
        metavar="FILE",
        help="also write the page to FILE as standalone HTML: the offers' photos (fetched "
        "from their pic_url) and the photo searched with embedded; the table or JSON is "
        "printed as usual",
    )
    where = search.add_mutually_exclusive_group()
    where.add_argument("--base-url", metavar="URL", help=f"the gateway (default: ${URL_ENV})")
    where.add_argument(
        "--fake", action="store_true", help="search the in-process fake gateway (demo app)"
    )
    search.add_argument(
        "--seed", type=int, default=0, metavar="N", help="with --fake: the catalog seed"
    )
    search.set_defaults(run=_run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _run(args: argparse.Namespace, streams: Streams) -> int:
    args.dialect = args.dialect or os.environ.get(DIALECT_ENV) or "top"
    if args.dialect not in DIALECTS:
        raise CliError(f"${DIALECT_ENV} must be one of {', '.join(DIALECTS)}, not {args.dialect!r}")
    is_id = args.dialect == "aop" and args.image.isdigit()
    if args.imgid and not (args.image.startswith(_URL_PREFIXES) or is_id):
        raise CliError(
            "--imgid needs the URL (or the aop imageId) that upload returned, not a file"
        )
    if args.country is not None and args.dialect == "top":
        raise CliError(
            "--country needs --dialect aop or reseller: it names the language of their titles"
        )
    source = _source(args)
    target = None if args.html is None else _html_target(args.html)
    query = {"sort": args.sort, "cat": args.cat, "page": args.page, "page_size": args.page_size}
    if args.country is not None:
        query["country"] = args.country
    try:
        gateway = _gateway(args)
        with gateway.client as client:
            page = client.search_image(**source, **query)
    except (UsageError, ImageError) as error:
        raise CliError(str(error)) from None
    except PailitaoError as error:
        print(f"pailitao search: {_describe(error)}", file=streams.err)
        return 1
    wrote = None if target is None else _write_html(target, page, source, gateway)
    if args.json:
        payload = {**page.to_payload(), "request_id": page.request_id}
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=streams.out)
    else:
        print(format_table(page), file=streams.out)
    if wrote is not None:
        streams.out.flush()  # the note follows the page in a terminal, or in one log
        print(wrote, file=streams.err)
    return 0


def _source(args: argparse.Namespace) -> dict[str, Any]:
    text: str = args.image
    if args.imgid:
        return {"imgid": text}
    if text.startswith(_URL_PREFIXES):
        return {"image_url": text}
    path = Path(text)
    if not path.is_file():
        raise CliError(f"no such file: {text} (give a photo file, or an http(s) image URL)")
    return {"file": path}


class _Gateway(NamedTuple):
    """The client a search goes through, and where its offers' photos come from."""

    client: PailitaoClient
    #: The in-process fake's transport; ``None``: the network.
    transport: httpx.BaseTransport | None = None
    #: ``scheme://host`` to fetch each pic_url's path from; ``None``: the pic_url itself.
    photo_origin: str | None = None


def _gateway(args: argparse.Namespace) -> _Gateway:
    if args.fake:
        return _fake_gateway(args.seed, args.dialect)
    key, secret = os.environ.get(KEY_ENV, ""), os.environ.get(SECRET_ENV, "")
    token = os.environ.get(TOKEN_ENV, "") if args.dialect == "aop" else None
    if not (key and secret) or token == "":
        names = (
            f"{KEY_ENV}, {SECRET_ENV} and {TOKEN_ENV}"
            if token == ""
            else (f"{KEY_ENV} and {SECRET_ENV}")
        )
        raise CliError(
            f"set {names} to search the live API, or pass --fake to search the offline fake"
        )
    base_url = args.base_url or os.environ.get(URL_ENV) or default_base_url(args.dialect)
    client = PailitaoClient(
        app_key=key, app_secret=secret, base_url=base_url, dialect=args.dialect,
        access_token=token, retry=CLI_RETRY,
    )  # fmt: skip
    if base_url == default_base_url(args.dialect):
        return _Gateway(client)  # live: photos from the platform's CDN, as pic_url says
    parts = urlsplit(base_url)  # checked by the client: an http(s) URL
    return _Gateway(client, photo_origin=f"{parts.scheme}://{parts.netloc}")


def _fake_gateway(seed: int, dialect: Dialect) -> _Gateway:
    try:
        from fake1688 import DEMO_APP, FakeGateway  # noqa: PLC0415 - optional, heavy
    except ImportError:
        raise CliError("--fake needs the fake gateway: pip install 'pailitao[fake]'") from None
    transport = FakeGateway(seed=seed).transport()
    client = PailitaoClient(
        app_key=DEMO_APP.app_key,
        app_secret=DEMO_APP.app_secret,
        base_url=in_process_url(dialect),
        dialect=dialect,
        access_token=DEMO_ACCESS_TOKEN if dialect == "aop" else None,
        transport=transport,
        retry=RetryPolicy.disabled(),
    )
    return _Gateway(client, transport)


# -- the HTML page ---------------------------------------------------------------


def _html_target(text: str) -> Path:
    """The file ``--html`` names, checked before searching: a file in a folder that exists."""
    target = Path(text)
    if target.is_dir():
        raise CliError(f"--html {text}: is a folder; give the name of a file to write")
    if not target.parent.exists():
        raise CliError(f"--html {text}: no such folder: {target.parent}")
    if not target.parent.is_dir():
        raise CliError(f"--html {text}: {target.parent} is not a folder")
    return target


def _write_html(target: Path, page: SearchPage, source: dict[str, Any], gateway: _Gateway) -> str:
    """Write the page as HTML to ``target``; returns the line that says so."""
    photos = _html.fetch_photos(
        [item.pic_url for item in page.items],
        transport=gateway.transport,
        origin=gateway.photo_origin,
    )
    first = _first_rank(page)
    items = zip(page.items, photos, strict=True)
    cards = [_card(first + n, item, photo) for n, (item, photo) in enumerate(items)]
    text = _html.render_page(_heading(page), _query(source), cards)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CliError(f"--html {target}: cannot write it: {error.strerror or error}") from None
    missing = sum(isinstance(photo, _html.Missing) for photo in photos)
    return f"wrote {target} ({len(cards)} offers, {missing} of {len(cards)} photos missing)"


def _card(rank: int, item: Item, photo: _html.Photo | _html.Missing) -> _html.Card:
    sales = "-" if item.sales is None else str(item.sales)
    return _html.Card(
        rank, item.title, _price(item), sales, item.seller_nick or "-", item.detail_url, photo
    )


def _query(source: dict[str, Any]) -> _html.Query:
    """What the search was by: a photo file's image, else the URL or imgid as text."""
    if "imgid" in source:
        return _html.Query("imgid", source["imgid"])
    if "image_url" in source:
        return _html.Query("imageUrl", source["image_url"])
    path: Path = source["file"]
    try:
        photo = _html.Photo.of(path.read_bytes())
    except OSError:  # gone since the search read it: the page still names it
        photo = None
    return _html.Query("photo", str(path), photo)


def _describe(error: PailitaoError) -> str:
    """The error, and on a second line what to do about it."""
    if isinstance(error, ApiError):
        head = f"error {error.code} {error.msg}"
        if error.sub_code:
            head += f" [{error.sub_code}]"
        if error.sub_msg:
            head += f": {error.sub_msg}"
        hint = error.hint or next((h for kind, h in _HINTS if isinstance(error, kind)), "")
        return f"{head}\nhint: {hint}" if hint else head
    if isinstance(error, TransportError):
        return f"{error}\nhint: is the gateway reachable? check --base-url or ${URL_ENV}"
    return str(error)


# -- the table -------------------------------------------------------------------


def text_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide and full-width characters (CJK) take two."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in ``…`` when it was cut."""
    if text_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        cells = text_width(char)
        if used + cells > width - 1:
            break
        kept.append(char)
        used += cells
    return "".join(kept) + "…"


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - text_width(text))
    return fill + text if right else text + fill


def _price(item: Item) -> str:
    if item.price is None:
        return "-"
    return f"{item.price}-{item.price_max}" if item.price_max is not None else str(item.price)


def _row(number: int, item: Item) -> list[str]:
    return [
        str(number),
        truncate(item.title, TITLE_WIDTH),
        _price(item),
        "-" if item.sales is None else str(item.sales),
        truncate(item.seller_nick or "-", SELLER_WIDTH),
        item.area or "-",
        item.detail_url or "-",
    ]


_HEADER: Final = ["#", "title", "price", "sales", "seller", "area", "link"]
_RIGHT: Final = frozenset({0, 2, 3})


def _heading(page: SearchPage) -> list[str]:
    """The lines above the offers: the page and the total, or that there are none."""
    if page.total_results == 0 and not page.items:
        return ["no offers found"]
    summary = (
        f"page {page.page} of {page.page_count}: {page.total_results} offers, "
        f"{page.page_size} per page"
    )
    return [summary] if page.items else [summary, "no offers on this page"]


def _first_rank(page: SearchPage) -> int:
    return (page.page - 1) * page.page_size + 1


def format_table(page: SearchPage) -> str:
    """The page as a table padded for a terminal, with the page and the total above it."""
    heading = _heading(page)
    if not page.items:
        return "\n".join(heading)
    first = _first_rank(page)
    rows = [_HEADER] + [_row(first + n, item) for n, item in enumerate(page.items)]
    widths = [max(text_width(row[col]) for row in rows) for col in range(len(_HEADER))]
    lines = [*heading, ""]
    for row in rows:
        cells = [_pad(cell, widths[col], col in _RIGHT) for col, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    if page.has_next:
        lines += ["", f"more: --page {page.page + 1}"]
    return "\n".join(lines)
