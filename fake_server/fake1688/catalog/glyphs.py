"""Silhouette masks of the default catalog's product kinds.

A kind is a product noun of the vocabulary (`vocab.CATEGORIES`), such as 短袖T恤 or
双肩包. `silhouette(kind)` is its shape as a MASK_SIZE x MASK_SIZE greyscale mask,
255 on 0, scaled to fit with its aspect ratio kept and centred with a MARGIN-pixel
margin, so that a catalog photo can be drawn as that product and told apart from
the other kinds by shape.

`SOURCES` says where each silhouette comes from:

- ``mdi:<name>``: a glyph of Material Design Icons 6.9.96 (Apache-2.0);
- ``ph:<name>``: a glyph of Phosphor 1.3.0 (MIT);
- ``fa6:<name>``: a glyph of Font Awesome 6.7.2 Free Solid (icons CC BY 4.0);
- ``draw:<name>``: a shape of `DRAWINGS`, polygons, lines and ellipses in unit
  coordinates, drawn here with Pillow.

The masks are rendered once, by ``python -m fake1688.catalog.glyphs``, from the icon
fonts that the qtawesome distribution ships (located through its metadata, never
imported, because importing it imports Qt), and shipped in ``data/glyphs.npz``; at
run time only that file is read.

NOTICE: the shipped masks are derived from Material Design Icons (Copyright Pictogrammers,
Apache License 2.0), Phosphor Icons (Copyright Phosphor Icons, MIT License) and Font
Awesome Free (Copyright Fonticons, Inc., icons under CC BY 4.0), as qtawesome distributes
them. The icons have been reduced to filled, resized silhouettes.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from importlib.metadata import distribution
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["DRAWINGS", "MARGIN", "MASK_SIZE", "SOURCES", "kinds", "silhouette"]

MASK_SIZE = 160
MARGIN = 4
_SHIPPED = Path(__file__).parent / "data" / "glyphs.npz"
_RENDER_SIZE = 400  # glyph size in pixels before fitting: large, so the edges are smooth


# -- where each silhouette comes from ------------------------------------------------------

# Grouped by category, in the order of `vocab.CATEGORIES`.
SOURCES: Mapping[str, str] = MappingProxyType({
    # 服装
    "短袖T恤": "mdi:tshirt-crew", "连衣裙": "draw:dress", "衬衫": "draw:shirt",
    "半身裙": "draw:skirt", "阔腿裤": "draw:wide-trousers", "卫衣": "draw:hoodie",
    "袜子": "fa6:socks", "领带": "mdi:tie",
    # 鞋靴
    "小白鞋": "mdi:shoe-sneaker", "老爹鞋": "draw:dad-shoe", "芭蕾舞鞋": "mdi:shoe-ballet",
    "马丁靴": "draw:boot", "乐福鞋": "mdi:shoe-formal", "凉拖鞋": "draw:slide",
    "高跟鞋": "mdi:shoe-heel",
    # 箱包
    "双肩包": "mdi:bag-personal", "斜挎包": "draw:crossbody-bag", "托特包": "fa6:bag-shopping",
    "行李箱": "mdi:bag-suitcase", "钱包": "mdi:wallet", "手提包": "ph:handbag-fill",
    "腰包": "draw:waist-bag",
    # 数码配件
    "手机壳": "draw:phone-case", "数据线": "mdi:cable-data", "充电头": "mdi:power-plug",
    "蓝牙耳机": "mdi:earbuds", "充电宝": "fa6:battery-full", "手机支架": "mdi:cellphone-dock",
    "U盘": "mdi:usb-flash-drive",
    # 家居日用
    "收纳盒": "fa6:box-archive", "马克杯": "mdi:coffee", "衣架": "mdi:hanger",
    "扫把": "mdi:broom", "垃圾桶": "mdi:trash-can", "置物架": "draw:rack",
    "餐具套装": "mdi:silverware-fork-knife",
    # 玩具
    "积木": "draw:blocks", "遥控车": "mdi:car-sports", "风筝": "mdi:kite",
    "拼图": "mdi:puzzle", "玩偶": "mdi:teddy-bear", "水枪": "mdi:pistol", "小黄鸭": "mdi:duck",
    # 美妆个护
    "口红": "mdi:lipstick", "面膜": "draw:sheet-mask", "洗面奶": "draw:tube",
    "眼影盘": "draw:eyeshadow-palette", "吹风机": "mdi:hair-dryer", "身体乳": "mdi:lotion",
    "化妆刷": "draw:makeup-brush",
    # 五金工具
    "螺丝刀套装": "mdi:screwdriver", "扳手": "mdi:wrench", "钳子": "mdi:pliers",
    "电钻": "draw:drill", "卷尺": "mdi:tape-measure", "工具箱": "mdi:toolbox",
    "手锯": "mdi:hand-saw",
    # 母婴用品
    "连体衣": "draw:romper", "婴儿推车": "mdi:baby-carriage", "奶瓶": "mdi:baby-bottle",
    "安抚奶嘴": "draw:pacifier", "摇篮": "mdi:cradle", "儿童牙刷": "mdi:toothbrush",
    "口水巾": "draw:bandana-bib",
    # 运动户外
    "瑜伽垫": "draw:yoga-mat", "帐篷": "mdi:tent", "跳绳": "mdi:jump-rope",
    "拳击手套": "mdi:boxing-glove", "登山杖": "draw:trekking-pole", "哑铃": "mdi:dumbbell",
    "运动水壶": "fa6:bottle-water",
    # 办公文具
    "中性笔": "mdi:pen", "笔记本": "mdi:notebook", "便利贴": "fa6:note-sticky",
    "文件夹": "fa6:folder-open", "剪刀": "mdi:content-cut", "订书机": "fa6:stapler",
    "计算器": "mdi:calculator",
    # 食品
    "火腿肠": "mdi:sausage", "花生": "mdi:peanut", "糖果": "mdi:candy", "饼干": "mdi:cookie",
    "爆米花": "mdi:popcorn", "牛角包": "mdi:food-croissant", "螺蛳粉": "mdi:noodles",
    # 宠物用品
    "猫窝": "draw:cat-bed", "牵引绳": "draw:leash", "逗猫棒": "draw:cat-teaser",
    "猫抓板": "draw:scratcher", "宠物碗": "fa6:bowl-food", "磨牙玩具": "mdi:bone",
    # 饰品
    "耳环": "draw:earrings", "项链": "mdi:necklace", "手链": "draw:bracelet",
    "蝴蝶结发夹": "mdi:bow-tie", "戒指": "mdi:ring", "太阳镜": "mdi:sunglasses",
})  # fmt: skip


# -- procedural silhouettes ----------------------------------------------------------------

Point = tuple[float, float]


class Polygon(NamedTuple):
    """A filled polygon; with `hole`, it cuts out of what is drawn before it."""

    points: tuple[Point, ...]
    hole: bool = False


class Ellipse(NamedTuple):
    """A filled ellipse in the box (left, top, right, bottom)."""

    box: tuple[float, float, float, float]
    hole: bool = False


class Line(NamedTuple):
    """A polyline `width` wide (in the same unit as the points), with round joints."""

    points: tuple[Point, ...]
    width: float


Part = Polygon | Ellipse | Line


def _ring(cx: float, cy: float, r: float, n: int, size: float) -> tuple[Ellipse, ...]:
    """`n` beads of radius `size` on a circle of radius `r` around (cx, cy)."""
    centres = ((cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n))
               for i in range(n))  # fmt: skip
    return tuple(Ellipse((x - size, y - size, x + size, y + size)) for x, y in centres)


def _wave(left: float, right: float, top: float, depth: float, bottom: float) -> Polygon:
    """A block with a concave curved top: the lounge curve of a cardboard scratcher."""
    n = 24
    xs = [left + (right - left) * i / n for i in range(n + 1)]
    curve = tuple((x, top + depth * math.sin(math.pi * (x - left) / (right - left))) for x in xs)
    return Polygon(((left, bottom), *curve, (right, bottom)))


# Unit coordinates, y downwards; each shape is cropped to its extent before fitting.
DRAWINGS: Mapping[str, tuple[Part, ...]] = MappingProxyType({
    "dress": (  # sleeveless A-line with straps
        Polygon(((0.36, 0.0), (0.42, 0.0), (0.45, 0.08), (0.55, 0.08), (0.58, 0.0),
                 (0.64, 0.0), (0.66, 0.2), (0.6, 0.36), (0.84, 1.0), (0.16, 1.0),
                 (0.4, 0.36), (0.34, 0.2))),
    ),
    "shirt": (  # long sleeves hanging down, pointed collar, button placket, pocket
        Polygon(((0.4, 0.0), (0.5, 0.12), (0.6, 0.0), (0.74, 0.04), (0.88, 0.14),
                 (1.0, 0.9), (0.88, 0.92), (0.78, 0.4), (0.78, 1.0), (0.22, 1.0),
                 (0.22, 0.4), (0.12, 0.92), (0.0, 0.9), (0.12, 0.14), (0.26, 0.04))),
        Polygon(((0.4, 0.0), (0.47, 0.2), (0.38, 0.16)), hole=True),
        Polygon(((0.6, 0.0), (0.53, 0.2), (0.62, 0.16)), hole=True),
        Polygon(((0.49, 0.2), (0.51, 0.2), (0.51, 1.0), (0.49, 1.0)), hole=True),
        Polygon(((0.6, 0.3), (0.72, 0.3), (0.72, 0.42), (0.66, 0.45), (0.6, 0.42)), hole=True),
    ),
    "skirt": (  # waistband, flared pleats with a pointed hem
        Polygon(((0.28, 0.0), (0.72, 0.0), (0.72, 0.1), (0.95, 0.78), (0.85, 0.72),
                 (0.75, 0.8), (0.62, 0.73), (0.5, 0.81), (0.38, 0.73), (0.25, 0.8),
                 (0.15, 0.72), (0.05, 0.78), (0.28, 0.1))),
    ),
    "wide-trousers": (
        Polygon(((0.24, 0.0), (0.76, 0.0), (0.8, 0.12), (0.98, 1.0), (0.6, 1.0),
                 (0.5, 0.3), (0.4, 1.0), (0.02, 1.0), (0.2, 0.12))),
    ),
    "hoodie": (  # hood with the face opening, sleeves out, ribbed hem
        Ellipse((0.3, 0.0, 0.7, 0.34)),
        Ellipse((0.4, 0.07, 0.6, 0.27), hole=True),
        Polygon(((0.28, 0.24), (0.72, 0.24), (0.9, 0.3), (1.0, 0.52), (0.9, 0.57),
                 (0.78, 0.46), (0.78, 0.92), (0.22, 0.92), (0.22, 0.46), (0.1, 0.57),
                 (0.0, 0.52), (0.1, 0.3))),
        Polygon(((0.24, 0.92), (0.76, 0.92), (0.76, 0.98), (0.24, 0.98))),
    ),
    "dad-shoe": (  # chunky upper with a padded collar on a thick wavy sole, toe right
        Polygon(((0.0, 0.3), (0.06, 0.08), (0.16, 0.04), (0.26, 0.14), (0.36, 0.14),
                 (0.5, 0.2), (0.74, 0.3), (0.94, 0.38), (1.0, 0.48), (1.0, 0.52), (0.0, 0.52))),
        Polygon(((0.0, 0.56), (1.0, 0.56), (1.0, 0.66), (0.92, 0.72), (0.8, 0.68),
                 (0.66, 0.74), (0.5, 0.68), (0.34, 0.74), (0.18, 0.68), (0.04, 0.72),
                 (0.0, 0.66))),
        Polygon(((0.0, 0.5), (1.0, 0.5), (1.0, 0.56), (0.0, 0.56))),
        Line(((0.5, 0.22), (0.6, 0.36)), 0.03),
        Line(((0.56, 0.2), (0.44, 0.36)), 0.015),
    ),
    "boot": (  # Martin boot: tall shaft, heel, rounded toe, pull tab
        Polygon(((0.1, 0.04), (0.5, 0.04), (0.52, 0.56), (0.78, 0.64), (0.95, 0.74),
                 (1.0, 0.86), (1.0, 0.94), (0.02, 0.94), (0.06, 0.74))),
        Polygon(((0.12, 0.0), (0.2, 0.0), (0.2, 0.08), (0.12, 0.08))),
        Polygon(((0.02, 0.94), (0.3, 0.94), (0.3, 1.0), (0.02, 1.0))),
        Polygon(((0.55, 0.94), (1.0, 0.94), (0.98, 0.98), (0.55, 0.98))),
    ),
    "slide": (  # a flat footbed with one broad strap over the front, side view
        Polygon(((0.0, 0.78), (0.5, 0.8), (1.0, 0.76), (1.0, 0.92), (0.5, 0.96), (0.02, 0.94))),
        Polygon(((0.42, 0.8), (0.48, 0.48), (0.62, 0.4), (0.8, 0.42), (0.94, 0.56),
                 (0.98, 0.78))),
    ),
    "waist-bag": (  # a crescent pouch on a belt with a buckle
        Polygon(((0.0, 0.4), (1.0, 0.4), (1.0, 0.48), (0.0, 0.48))),
        Polygon(((0.2, 0.36), (0.5, 0.3), (0.8, 0.36), (0.86, 0.6), (0.7, 0.86),
                 (0.5, 0.92), (0.3, 0.86), (0.14, 0.6))),
        Polygon(((0.02, 0.34), (0.1, 0.34), (0.1, 0.54), (0.02, 0.54))),
    ),
    "crossbody-bag": (  # a small flap bag hanging from a long strap
        Line(((0.22, 0.64), (0.5, 0.0), (0.78, 0.64)), 0.03),
        Polygon(((0.16, 0.6), (0.84, 0.6), (0.9, 0.66), (0.9, 1.0), (0.1, 1.0), (0.1, 0.66))),
        Polygon(((0.1, 0.68), (0.9, 0.68), (0.9, 0.74), (0.58, 0.86), (0.42, 0.86),
                 (0.1, 0.74)), hole=True),
        Polygon(((0.14, 0.68), (0.86, 0.68), (0.56, 0.82), (0.44, 0.82))),
    ),
    "phone-case": (  # the back of a case: a rounded slab with the camera cut-out
        Polygon(((0.04, 0.0), (0.46, 0.0), (0.5, 0.03), (0.5, 0.97), (0.46, 1.0),
                 (0.04, 1.0), (0.0, 0.97), (0.0, 0.03))),
        Polygon(((0.04, 0.03), (0.28, 0.03), (0.28, 0.26), (0.04, 0.26)), hole=True),
        Ellipse((0.2, 0.56, 0.3, 0.62), hole=True),
    ),
    "rack": (  # a four-tier shelf: two posts, four boards
        Polygon(((0.0, 0.0), (0.06, 0.0), (0.06, 1.2), (0.0, 1.2))),
        Polygon(((0.94, 0.0), (1.0, 0.0), (1.0, 1.2), (0.94, 1.2))),
        *(Polygon(((0.0, y), (1.0, y), (1.0, y + 0.07), (0.0, y + 0.07)))
          for y in (0.04, 0.4, 0.76, 1.08)),
    ),
    "sheet-mask": (  # a face-shaped sheet with eye and mouth openings
        Ellipse((0.0, 0.0, 0.7, 1.0)),
        Ellipse((0.15, 0.34, 0.3, 0.44), hole=True),
        Ellipse((0.4, 0.34, 0.55, 0.44), hole=True),
        Ellipse((0.21, 0.7, 0.49, 0.8), hole=True),
    ),
    "tube": (  # a squeeze tube standing on its cap, crimped end up
        Polygon(((0.1, 0.0), (0.9, 0.0), (0.9, 0.07), (0.1, 0.07))),
        Polygon(((0.14, 0.07), (0.86, 0.07), (0.66, 0.82), (0.34, 0.82))),
        Polygon(((0.3, 0.82), (0.7, 0.82), (0.7, 1.0), (0.3, 1.0))),
    ),
    "eyeshadow-palette": (  # an open compact: lid above, six pans below
        Polygon(((0.0, 0.0), (1.0, 0.0), (1.0, 0.4), (0.0, 0.4))),
        Ellipse((0.1, 0.06, 0.9, 0.34), hole=True),
        Polygon(((0.0, 0.44), (1.0, 0.44), (1.0, 1.0), (0.0, 1.0))),
        *(Ellipse((0.06 + 0.32 * i, 0.5 + 0.25 * j, 0.3 + 0.32 * i, 0.69 + 0.25 * j), hole=True)
          for i in range(3) for j in range(2)),
    ),
    "makeup-brush": (  # a domed bristle head, a ferrule, a tapered handle
        Polygon(((0.5, 0.0), (0.62, 0.04), (0.7, 0.16), (0.66, 0.28), (0.58, 0.32),
                 (0.42, 0.32), (0.34, 0.28), (0.3, 0.16), (0.38, 0.04))),
        Polygon(((0.42, 0.32), (0.58, 0.32), (0.56, 0.44), (0.44, 0.44))),
        Polygon(((0.45, 0.44), (0.55, 0.44), (0.53, 1.0), (0.47, 1.0))),
    ),
    "drill": (  # cordless drill: body, chuck and bit, grip, battery
        Polygon(((0.2, 0.08), (0.8, 0.08), (0.84, 0.14), (0.84, 0.36), (0.2, 0.36),
                 (0.16, 0.22))),
        Polygon(((0.84, 0.16), (0.92, 0.18), (0.92, 0.32), (0.84, 0.34))),
        Polygon(((0.92, 0.23), (1.0, 0.23), (1.0, 0.27), (0.92, 0.27))),
        Polygon(((0.34, 0.36), (0.54, 0.36), (0.5, 0.8), (0.3, 0.8))),
        Polygon(((0.2, 0.8), (0.62, 0.8), (0.62, 0.96), (0.2, 0.96))),
    ),
    "romper": (  # short-sleeved baby bodysuit with leg openings and a snap crotch
        Polygon(((0.34, 0.0), (0.5, 0.08), (0.66, 0.0), (0.82, 0.05), (1.0, 0.24),
                 (0.88, 0.36), (0.76, 0.28), (0.76, 0.62), (0.86, 0.88), (0.6, 1.0),
                 (0.4, 1.0), (0.14, 0.88), (0.24, 0.62), (0.24, 0.28), (0.12, 0.36),
                 (0.0, 0.24), (0.18, 0.05))),
        Ellipse((0.12, 0.7, 0.4, 1.06), hole=True),
        Ellipse((0.6, 0.7, 0.88, 1.06), hole=True),
    ),
    "pacifier": (  # teat on top, a wide shield, a ring handle below
        Ellipse((0.36, 0.0, 0.64, 0.38)),
        Ellipse((0.0, 0.28, 1.0, 0.62)),
        Ellipse((0.26, 0.52, 0.74, 1.0)),
        Ellipse((0.37, 0.64, 0.63, 0.9), hole=True),
    ),
    "bandana-bib": (  # a triangular bandana bib with its snap tab
        Polygon(((0.0, 0.0), (1.0, 0.0), (0.56, 0.96), (0.44, 0.96))),
        Ellipse((0.24, -0.3, 0.76, 0.2), hole=True),
        Polygon(((0.86, 0.0), (1.0, 0.0), (1.0, 0.14), (0.9, 0.1))),
    ),
    "yoga-mat": (  # a rolled mat lying on its side, the spiral end towards us
        Polygon(((0.1, 0.2), (0.86, 0.2), (0.86, 0.8), (0.1, 0.8))),
        Ellipse((0.0, 0.2, 0.2, 0.8)),
        Ellipse((0.72, 0.2, 1.0, 0.8)),
        Ellipse((0.8, 0.4, 0.92, 0.6), hole=True),
        Polygon(((0.3, 0.16), (0.36, 0.16), (0.36, 0.84), (0.3, 0.84))),
        Polygon(((0.6, 0.16), (0.66, 0.16), (0.66, 0.84), (0.6, 0.84))),
    ),
    "trekking-pole": (  # grip with wrist strap, shaft, basket and tip
        Polygon(((0.4, 0.04), (0.6, 0.04), (0.58, 0.24), (0.42, 0.24))),
        Line(((0.42, 0.06), (0.28, 0.2), (0.36, 0.3), (0.44, 0.2)), 0.025),
        Line(((0.5, 0.24), (0.5, 0.96)), 0.04),
        Ellipse((0.36, 0.82, 0.64, 0.87)),
        Polygon(((0.48, 0.96), (0.52, 0.96), (0.5, 1.0))),
    ),
    "cat-bed": (  # a low round bed seen from the side: raised rim and cushion
        Ellipse((0.0, 0.0, 1.0, 0.44)),
        Ellipse((0.08, -0.08, 0.92, 0.2), hole=True),
        Ellipse((0.14, 0.06, 0.86, 0.2)),
    ),
    "leash": (  # looped handle, the lead, and a snap hook
        Ellipse((0.0, 0.0, 0.3, 0.34)),
        Ellipse((0.05, 0.05, 0.25, 0.26), hole=True),
        Line(((0.2, 0.32), (0.4, 0.6), (0.7, 0.76), (0.84, 0.8)), 0.035),
        Polygon(((0.82, 0.76), (0.92, 0.74), (1.0, 0.84), (0.96, 1.0), (0.88, 0.98),
                 (0.9, 0.86), (0.84, 0.84))),
    ),
    "cat-teaser": (  # a wand with a bunch of feathers at its end
        Line(((0.06, 1.0), (0.56, 0.4)), 0.035),
        Polygon(((0.56, 0.4), (0.62, 0.0), (0.72, 0.06))),
        Polygon(((0.56, 0.4), (0.86, 0.08), (0.92, 0.2))),
        Polygon(((0.56, 0.4), (1.0, 0.34), (0.96, 0.46))),
        Polygon(((0.56, 0.4), (0.9, 0.62), (0.8, 0.68))),
    ),
    "scratcher": (  # a corrugated cardboard lounge with a curved top
        _wave(0.0, 1.0, 0.1, 0.3, 0.6),
        *(Polygon(((x, 0.6), (x + 0.1, 0.6), (x + 0.1, 0.66), (x, 0.66))) for x in (0.0, 0.9)),
    ),
    "earrings": (  # a pair of drop earrings: hook, link and teardrop
        *(part for dx in (0.0, 0.6) for part in (
            Line(((dx + 0.2, 0.16), (dx + 0.2, 0.04), (dx + 0.3, 0.0), (dx + 0.36, 0.08)), 0.03),
            Ellipse((dx + 0.14, 0.16, dx + 0.26, 0.28)),
            Polygon(((dx + 0.2, 0.3), (dx + 0.34, 0.6), (dx + 0.34, 0.8), (dx + 0.2, 0.94),
                     (dx + 0.06, 0.8), (dx + 0.06, 0.6))),
        )),
    ),
    "bracelet": (  # a string of beads with a charm
        *_ring(0.5, 0.45, 0.38, 16, 0.07),
        Ellipse((0.42, 0.86, 0.58, 1.0)),
    ),
    "blocks": (  # two studded bricks stacked off-centre, a third leaning on them
        *(Polygon(((x, y), (x + w, y), (x + w, y + 0.3), (x, y + 0.3)))
          for x, y, w in ((0.0, 0.66, 0.62), (0.2, 0.3, 0.4))),
        *(Polygon(((x, y - 0.06), (x + 0.1, y - 0.06), (x + 0.1, y), (x, y)))
          for x, y in ((0.03, 0.66), (0.46, 0.66), (0.25, 0.3), (0.45, 0.3))),
        Polygon(((0.7, 0.96), (0.96, 0.96), (1.0, 0.38), (0.74, 0.38))),
        Polygon(((0.76, 0.32), (0.86, 0.32), (0.86, 0.38), (0.76, 0.38))),
    ),
})  # fmt: skip


# -- reading the shipped masks -------------------------------------------------------------


class _Masks(NamedTuple):
    kinds: tuple[str, ...]
    masks: dict[str, np.ndarray]


@functools.cache
def _shipped() -> _Masks:
    with np.load(_SHIPPED, allow_pickle=False) as data:
        names = tuple(str(k) for k in data["kinds"])
        stack = data["masks"]
    return _Masks(names, {name: stack[i] for i, name in enumerate(names)})


def kinds() -> tuple[str, ...]:
    """Every kind the shipped masks hold, in the order of `SOURCES`."""
    return _shipped().kinds


def silhouette(kind: str) -> Image.Image:
    """The kind's mask: mode "L", MASK_SIZE square, product 255 on 0; KeyError if unknown."""
    mask = _shipped().masks.get(kind)
    if mask is None:
        raise KeyError(f"no silhouette for the kind {kind!r}")
    return Image.fromarray(mask)


# -- building the masks (python -m fake1688.catalog.glyphs) ----------------------------------

_FONTS = {  # prefix -> (font file, charmap) in the qtawesome distribution
    "mdi": (
        "materialdesignicons6-webfont-6.9.96.ttf",
        "materialdesignicons6-webfont-charmap-6.9.96.json",
    ),
    "ph": ("phosphor-1.3.0.ttf", "phosphor-charmap-1.3.0.json"),
    "fa6": (
        "fontawesome6-solid-webfont-6.7.2.ttf",
        "fontawesome6-solid-webfont-charmap-6.7.2.json",
    ),
}


def _font_file(name: str) -> Path:
    return Path(str(distribution("qtawesome").locate_file(f"qtawesome/fonts/{name}")))


def _render_glyph(prefix: str, name: str) -> Image.Image:
    font_name, charmap_name = _FONTS[prefix]
    charmap: dict[str, str] = json.loads(_font_file(charmap_name).read_text(encoding="utf-8"))
    code = charmap.get(name)
    if code is None:
        raise KeyError(f"{prefix}:{name} is not in {charmap_name}")
    font = ImageFont.truetype(str(_font_file(font_name)), _RENDER_SIZE)
    canvas = Image.new("L", (2 * _RENDER_SIZE, 2 * _RENDER_SIZE), 0)
    ImageDraw.Draw(canvas).text(
        (_RENDER_SIZE, _RENDER_SIZE), chr(int(code, 16)), fill=255, font=font, anchor="mm"
    )
    return canvas


def _render_drawing(parts: tuple[Part, ...]) -> Image.Image:
    scale, pad = _RENDER_SIZE, _RENDER_SIZE // 4  # pad: room for holes cut past the edge

    def xy(p: Point) -> tuple[float, float]:
        return (pad + p[0] * scale, pad + p[1] * scale)

    canvas = Image.new("L", (scale + 2 * pad, int(1.2 * scale) + 2 * pad), 0)
    draw = ImageDraw.Draw(canvas)
    for part in parts:
        if isinstance(part, Polygon):
            draw.polygon([xy(p) for p in part.points], fill=0 if part.hole else 255)
        elif isinstance(part, Ellipse):
            (x0, y0), (x1, y1) = xy(part.box[:2]), xy(part.box[2:])
            draw.ellipse((x0, y0, x1, y1), fill=0 if part.hole else 255)
        else:
            draw.line([xy(p) for p in part.points], fill=255, width=round(part.width * scale),
                      joint="curve")  # fmt: skip
    return canvas


def _fit(image: Image.Image) -> np.ndarray:
    """Crop to the shape, scale its longer side to MASK_SIZE - 2 * MARGIN, centre it."""
    box = image.getbbox()
    if box is None:
        raise ValueError("an empty silhouette")
    shape = image.crop(box)
    side = MASK_SIZE - 2 * MARGIN
    ratio = side / max(shape.size)
    size = (max(1, round(shape.width * ratio)), max(1, round(shape.height * ratio)))
    small = shape.resize(size, Image.Resampling.BOX)
    mask = Image.new("L", (MASK_SIZE, MASK_SIZE), 0)
    mask.paste(small, ((MASK_SIZE - size[0]) // 2, (MASK_SIZE - size[1]) // 2))
    return np.asarray(mask, dtype=np.uint8)


def render(source: str) -> np.ndarray:
    """The fitted mask of one source string of `SOURCES` (needs qtawesome for glyphs)."""
    prefix, _, name = source.partition(":")
    if prefix == "draw":
        return _fit(_render_drawing(tuple(DRAWINGS[name])))
    return _fit(_render_glyph(prefix, name))


def build() -> dict[str, np.ndarray]:
    """The arrays of ``data/glyphs.npz``: kinds, masks and sources, in `SOURCES` order."""
    names = list(SOURCES)
    return {
        "kinds": np.array(names, dtype=str),
        "masks": np.stack([render(SOURCES[k]) for k in names]),
        "sources": np.array([SOURCES[k] for k in names], dtype=str),
    }


def _write(path: Path = _SHIPPED) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez_compressed(f, **build())  # type: ignore[arg-type]


if __name__ == "__main__":
    _write()
    print(f"wrote {_SHIPPED} ({_SHIPPED.stat().st_size} bytes)")
