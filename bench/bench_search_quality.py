"""How well the default catalog's search behaves like 拍立淘: kinds, colours, totals.

For QUERIES catalog photos (a seeded sample), each searched as served and degraded
(JPEG q60, half size, an 8 px white border):

- own top 3: the photo's own offer is among the first three results;
- next 10 same kind: of the ten results after the own offer (or the first ten, if
  it is not among the first eleven), the share that is the same kind of product,
  per category;
- totals: how many offers match, min / median / max.

Then, for a photo drawn by `fake1688.photo` of each kind in each colour of its
category, the share of the top 10 that is that kind, and how often the top 3 are
all in that colour's family.

    .venv/bin/python bench/bench_search_quality.py [--queries 500] [--seed 0]

The goals are issue 22's: own top 3 >= 99%, next 10 same kind >= 80%, drawn
queries' top 10 same kind >= 70% and top 3 in the colour's family.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections import defaultdict

from fake1688 import Catalog
from fake1688.catalog import imaging, photo, vocab
from fake1688.catalog.colour import COLOURS
from fake1688.catalog.dice import Dice
from PIL import Image, ImageOps

DEGRADATIONS = ("as served", "JPEG q60", "half size", "8 px border")
CAP = 2000  # results the engine asks for: the platform's ceiling


def degraded(jpeg: bytes, how: str) -> bytes:
    if how == "as served":
        return jpeg
    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    if how == "half size":
        img = img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS)
    elif how == "8 px border":
        img = ImageOps.expand(img, 8, fill=(255, 255, 255))
    return imaging.encode_jpeg(img, quality=60 if how == "JPEG q60" else 90)


def kind_of(offer: object) -> str:
    return photo.shown_in(offer.title, offer.num_iid)[0]  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    catalog = Catalog.default(args.seed)
    print(f"catalog of {len(catalog)} offers ready in {time.perf_counter() - start:.1f} s")
    dice = Dice(f"bench-quality-{args.seed}")
    sample = sorted({dice.below(len(catalog)) for _ in range(args.queries * 2)})[: args.queries]
    own = dict.fromkeys(DEGRADATIONS, 0)
    same: dict[str, list[float]] = defaultdict(list)
    totals: list[int] = []
    for i in sample:
        offer = catalog.offers[i]
        kind = kind_of(offer)
        for how in DEGRADATIONS:
            found = catalog.search(
                catalog.fingerprint(degraded(catalog.image_bytes(offer), how)), limit=CAP
            )
            own[how] += offer in found[:3]
            rest = [o for o in found[:11] if o != offer][:10]
            same[offer.cat_name].append(sum(kind_of(o) == kind for o in rest) / max(1, len(rest)))
            if how == "as served":
                totals.append(len(found))
    n = len(sample)
    print(f"{n} catalog photos as queries")
    for how in DEGRADATIONS:
        print(f"  own offer in the top 3, {how:>11}: {own[how] / n:7.1%}   (goal >= 99%)")
    every = [share for shares in same.values() for share in shares]
    print(f"  next 10 results of the same kind: {statistics.mean(every):.1%}   (goal >= 80%)")
    for name, shares in sorted(same.items(), key=lambda kv: statistics.mean(kv[1])):
        print(f"    {name:<6} {statistics.mean(shares):6.1%}  ({len(shares) // 4} photos)")
    print(f"  totals: min {min(totals)}, median {statistics.median(totals):g}, max {max(totals)}")
    drawn_same, drawn = 0.0, 0
    off_family: list[str] = []  # queries whose top 3 are not all in the colour's family
    worst: dict[str, list[float]] = defaultdict(list)
    for category in vocab.CATEGORIES:
        for kind in category.kinds:
            for word in category.colours:
                query = photo.photo(kind, word, seed=f"bench-{kind}-{word}")
                found = catalog.search(catalog.fingerprint(query), limit=10)
                share = sum(kind_of(o) == kind for o in found) / 10
                family = COLOURS[word].family
                top3 = [photo.shown_in(o.title, o.num_iid)[1].family for o in found[:3]]
                drawn_same += share
                if any(f != family for f in top3):
                    off_family.append(f"{kind} {word}")
                drawn += 1
                worst[kind].append(share)
    print(f"{drawn} photos drawn by fake1688.photo, each kind in each colour of its category")
    print(f"  top 10 of the same kind: {drawn_same / drawn:.1%}   (goal >= 70%)")
    in_family = drawn - len(off_family)
    print(f"  top 3 all in the colour's family: {in_family / drawn:.1%} ({in_family} of {drawn})")
    if off_family:
        print("    not: " + ", ".join(off_family))
    low = sorted(worst.items(), key=lambda kv: statistics.mean(kv[1]))[:5]
    print("  weakest kinds: " + ", ".join(f"{k} {statistics.mean(v):.0%}" for k, v in low))


if __name__ == "__main__":
    main()
