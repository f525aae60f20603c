"""Offers as the 1688 Open Platform's ``product.search.imageQuery`` lists them.

The catalog record (`Offer`) has a dozen fields. An offer in ``result.result.data``
has thirty-two, in a fixed order with fixed JSON types (the official output example,
``tests/data/payloads/aop_1688_product.search.imageQuery_doc_output_example.json``).
`aop_offer` fills in what the record lacks. Fields the record knows (price, sales,
seller, city, category, title) come from the record. The rest come from draws of
``Dice(f"aop:{num_iid}")``, and what a seller has once (identities, service
scores, invoices) from ``Dice(f"aop-seller:{seller_nick}")``, so an offer gives
the same bytes on every machine and every call, wherever it stands in a result
list, and one company shows one record.

``subjectTrans`` is always English, whatever language the caller asks for: the fake
translates word by word from the default catalog's vocabulary and knows no other
language. A title made of other words (a user's own catalog) stays untranslated.

The sub-category ids and the addresses are plausible 1688-style values, not the
platform's.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from datetime import datetime, timedelta

from fake1688.catalog.dice import Dice
from fake1688.catalog.offer import Offer
from fake1688.catalog.vocab import CATEGORIES

__all__ = ["aop_offer", "english_title", "english_word"]

# -- English titles ------------------------------------------------------------------------

# Every word of every title slot of the vocabulary (`vocab.CATEGORIES` and `vocab._YEAR`).
_ENGLISH: dict[str, str] = {
    # the year or freshness slot
    "2024新款": "2024 New", "2025新款": "2025 New", "新款": "New", "爆款": "Bestseller",
    "跨境": "Cross-Border", "夏季新款": "New Summer", "秋冬新款": "New Fall-Winter",
    "ins风": "Instagram-Style", "2024新货": "2024 Fresh Stock", "新货": "Fresh Stock",
    "整箱": "Full Case",
    # styles and uses
    "韩版": "Korean Style", "法式": "French Style", "复古": "Vintage", "简约": "Minimalist",
    "港风": "Hong Kong Style", "日系": "Japanese Style", "小香风": "Tweed Style",
    "运动": "Sports", "休闲": "Casual", "英伦": "British Style", "百搭": "Versatile",
    "ins": "Instagram-Style", "大容量": "Large-Capacity", "轻奢": "Affordable Luxury",
    "北欧": "Nordic", "日式": "Japanese Style", "家用": "Household", "创意": "Creative",
    "加厚": "Thickened", "儿童": "Kids'", "益智": "Educational", "网红": "Viral",
    "解压": "Stress-Relief", "卡通": "Cartoon", "持久": "Long-Lasting",
    "保湿": "Moisturizing", "补水": "Hydrating", "控油": "Oil-Control",
    "多功能": "Multi-Purpose", "工业级": "Industrial-Grade", "德式": "German-Style",
    "婴儿": "Infant", "新生儿": "Newborn", "宝宝": "Baby", "户外": "Outdoor",
    "专业": "Professional", "便携": "Portable", "折叠": "Foldable", "防水": "Waterproof",
    "学生": "Student", "办公": "Office", "可爱": "Cute", "香辣": "Spicy",
    "原味": "Original Flavor", "五香": "Five-Spice", "低脂": "Low-Fat", "手工": "Handmade",
    "猫咪": "Cat", "狗狗": "Dog", "宠物": "Pet", "中小型犬": "Small and Medium Dog",
    "韩国": "Korean", "小众": "Niche",
    # colours
    "红色": "Red", "酒红色": "Wine Red", "粉色": "Pink", "橙色": "Orange", "黄色": "Yellow",
    "绿色": "Green", "军绿色": "Army Green", "蓝色": "Blue", "藏青色": "Navy", "紫色": "Purple",
    "咖啡色": "Coffee", "卡其色": "Khaki", "黑色": "Black", "白色": "White", "米色": "Beige",
    "灰色": "Grey",
    # fits and features
    "宽松": "Loose", "修身": "Slim-Fit", "显瘦": "Slimming", "oversize": "Oversized",
    "网面透气": "Breathable Mesh", "软底": "Soft-Sole", "厚底": "Platform",
    "防滑": "Non-Slip", "适用苹果": "for iPhone", "适用华为": "for Huawei",
    "Type-C": "Type-C", "磁吸": "Magnetic", "无线": "Wireless", "快充": "Fast-Charging",
    "透明": "Clear", "编织": "Braided", "液态": "Liquid Silicone", "哑光": "Matte",
    "水润": "Dewy", "清爽": "Refreshing", "温和": "Gentle", "速干": "Quick-Dry",
    "中性": "Gel", "按动": "Retractable", "A4": "A4", "B5": "B5", "即食": "Ready-to-Eat",
    "独立包装": "Individually Wrapped", "四季通用": "All-Season", "可拆洗": "Washable",
    "耐咬": "Chew-Resistant", "A类": "Class A", "食品级": "Food-Grade",
    # materials
    "纯棉": "Cotton", "雪纺": "Chiffon", "冰丝": "Ice Silk", "针织": "Knit", "牛仔": "Denim",
    "真丝": "Pure Silk", "亚麻": "Linen", "真皮": "Genuine Leather", "PU": "PU Leather",
    "帆布": "Canvas", "PU皮": "PU Leather", "牛津布": "Oxford Cloth", "尼龙": "Nylon",
    "硅胶": "Silicone", "铝合金": "Aluminum Alloy", "不锈钢": "Stainless Steel",
    "塑料": "Plastic", "玻璃": "Glass", "陶瓷": "Ceramic", "竹制": "Bamboo",
    "木制": "Wooden", "毛绒": "Plush", "铬钒钢": "Chrome Vanadium Steel",
    "碳钢": "Carbon Steel", "合金": "Alloy", "有机棉": "Organic Cotton",
    "碳纤维": "Carbon Fiber", "S925银针": "S925 Silver Post", "钛钢": "Titanium Steel",
    "珍珠": "Pearl", "锆石": "Zircon",
    # products
    "短袖T恤": "Short-Sleeve T-Shirt", "连衣裙": "Dress", "衬衫": "Shirt",
    "半身裙": "Skirt", "阔腿裤": "Wide-Leg Pants", "卫衣": "Sweatshirt",
    "袜子": "Socks", "领带": "Necktie",
    "小白鞋": "White Sneakers", "老爹鞋": "Chunky Dad Sneakers", "芭蕾舞鞋": "Ballet Flats",
    "马丁靴": "Martin Boots", "乐福鞋": "Loafers", "凉拖鞋": "Slides",
    "高跟鞋": "High Heels",
    "双肩包": "Backpack", "斜挎包": "Crossbody Bag", "托特包": "Tote Bag",
    "行李箱": "Suitcase", "钱包": "Wallet", "手提包": "Handbag", "腰包": "Waist Bag",
    "手机壳": "Phone Case", "数据线": "Charging Cable", "充电头": "Wall Charger",
    "蓝牙耳机": "Bluetooth Earbuds", "充电宝": "Power Bank", "手机支架": "Phone Stand",
    "U盘": "USB Flash Drive",
    "收纳盒": "Storage Box", "马克杯": "Mug", "衣架": "Clothes Hangers",
    "扫把": "Broom", "垃圾桶": "Trash Can", "置物架": "Storage Rack",
    "餐具套装": "Tableware Set",
    "积木": "Building Blocks", "遥控车": "RC Car", "风筝": "Kite",
    "拼图": "Jigsaw Puzzle", "玩偶": "Doll", "水枪": "Water Gun", "小黄鸭": "Rubber Duck",
    "口红": "Lipstick", "面膜": "Face Mask", "洗面奶": "Facial Cleanser",
    "眼影盘": "Eyeshadow Palette", "吹风机": "Hair Dryer", "身体乳": "Body Lotion",
    "化妆刷": "Makeup Brushes",
    "螺丝刀套装": "Screwdriver Set", "扳手": "Wrench", "钳子": "Pliers",
    "电钻": "Electric Drill", "卷尺": "Tape Measure", "工具箱": "Toolbox", "手锯": "Hand Saw",
    "连体衣": "Romper", "口水巾": "Drool Bib", "奶瓶": "Baby Bottle",
    "安抚奶嘴": "Pacifier", "摇篮": "Baby Cradle", "儿童牙刷": "Kids' Toothbrush",
    "婴儿推车": "Baby Stroller",
    "瑜伽垫": "Yoga Mat", "帐篷": "Tent", "跳绳": "Jump Rope", "拳击手套": "Boxing Gloves",
    "登山杖": "Trekking Pole", "哑铃": "Dumbbell", "运动水壶": "Sports Water Bottle",
    "中性笔": "Gel Pen", "笔记本": "Notebook", "便利贴": "Sticky Notes",
    "文件夹": "File Folder", "剪刀": "Scissors", "订书机": "Stapler",
    "计算器": "Calculator",
    "火腿肠": "Ham Sausage", "花生": "Peanuts", "糖果": "Candy",
    "饼干": "Biscuits", "爆米花": "Popcorn", "牛角包": "Croissants",
    "螺蛳粉": "River Snail Rice Noodles",
    "猫窝": "Cat Bed", "牵引绳": "Leash", "逗猫棒": "Cat Teaser Wand",
    "猫抓板": "Cat Scratcher", "宠物碗": "Pet Bowl", "磨牙玩具": "Chew Toy",
    "耳环": "Earrings", "项链": "Necklace", "手链": "Bracelet", "蝴蝶结发夹": "Bow Hair Clip",
    "戒指": "Ring", "太阳镜": "Sunglasses",
    # who it is for, sizes and specs
    "女": "Women's", "女士": "Ladies'", "男": "Men's", "男士": "Men's",
    "情侣款": "Couple Style", "通勤": "Commuter", "厨房": "Kitchen", "卫生间": "Bathroom",
    "宿舍": "Dorm", "客厅": "Living Room", "男孩": "Boys'", "女孩": "Girls'",
    "学生党": "Student", "套装": "Set", "五金配件": "Hardware Fittings",
    "0-3个月": "0-3 Months", "1-3岁": "1-3 Years", "四季": "All-Season",
    "男女": "Unisex", "健身": "Fitness", "露营": "Camping", "1米": "1m", "20W": "20W",
    "10000毫安": "10000mAh", "0.5mm": "0.5mm", "500g": "500g",
    "1斤装": "500g Pack", "散装称重": "Bulk by Weight", "猫狗通用": "for Cats and Dogs",
    "气质": "Elegant",
    # how it is sold
    "夏季百搭上衣": "Versatile Summer Top", "百搭洋气": "Versatile Chic",
    "一件代发": "Dropshipping", "工厂直销": "Factory Direct", "大码": "Plus Size",
    "厂家直销": "Direct from Manufacturer", "四季款": "All-Season",
    "外贸爆款": "Export Bestseller", "可定制logo": "Custom Logo", "批发": "Wholesale",
    "跨境专供": "Cross-Border Exclusive", "义乌小商品": "Yiwu Small Commodities",
    "两元店货源": "Dollar-Store Supply", "地摊货源": "Street-Stall Supply",
    "幼儿园礼物": "Kindergarten Gift", "厂家批发": "Factory Wholesale",
    "小样": "Trial Size", "旅行装": "Travel Size", "工厂货源": "Factory Supply",
    "可定制": "Customizable", "母婴店货源": "Baby Store Supply",
    "跨境货源": "Cross-Border Supply", "厂家直供": "Direct Factory Supply",
    "文具店批发": "Stationery Store Wholesale", "零食批发": "Snack Wholesale",
    "宠物店货源": "Pet Store Supply", "饰品批发": "Jewelry Wholesale",
}  # fmt: skip

# Words whose English depends on the category: 休闲食品 are snacks, not casual food.
_ENGLISH_IN: dict[tuple[str, str], str] = {("1046", "休闲"): "Snack"}

# Each category's slots with the longer words first, so that a word is never cut short
# by a shorter one it starts with; "" (a skipped slot) comes last. A title written by
# hand may leave the colour out, though the generator always names one.
_SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    c.cat: tuple(
        tuple(sorted((*slot, "") if slot == c.colours else slot, key=len, reverse=True))
        for slot in c.slots
    )
    for c in CATEGORIES
}


def english_word(word: str) -> str | None:
    """A vocabulary word in English (``扳手`` -> ``Wrench``), if it is one."""
    return _ENGLISH.get(word)


def english_title(offer: Offer) -> str | None:
    """The offer's title in English, built word by word from the vocabulary; None when
    the title is not made of the vocabulary's words (a user's own catalog)."""
    return _translate(offer.cat, _title_words(offer))


def _translate(cat: str, words: list[str] | None) -> str | None:
    if words is None:
        return None
    return " ".join(_ENGLISH_IN.get((cat, word)) or _ENGLISH[word] for word in words)


def _title_words(offer: Offer) -> list[str] | None:
    """The title's vocabulary words in slot order, skipped slots left out."""
    slots = _SLOTS.get(offer.cat)
    return None if slots is None else _segment(offer.title, slots)


def _segment(title: str, slots: Sequence[Sequence[str]]) -> list[str] | None:
    """One word (or "") per slot whose concatenation is `title`, or None.

    Backtracks, remembering the (slot, position) pairs that lead nowhere, so the
    work is bounded by slots x positions x words however the words overlap.
    """
    dead: set[tuple[int, int]] = set()

    def walk(slot: int, pos: int) -> list[str] | None:
        if slot == len(slots):
            return [] if pos == len(title) else None
        if (slot, pos) in dead:
            return None
        for word in slots[slot]:
            if title.startswith(word, pos):
                rest = walk(slot + 1, pos + len(word))
                if rest is not None:
                    return [word, *rest] if word else rest
        dead.add((slot, pos))
        return None

    return walk(0, 0)


# -- categories and places -----------------------------------------------------------------

# Second- and third-level category ids per product noun of the default catalog, so the
# same kind of product always sits in the same branch of the category tree.
_SUBCATEGORIES: dict[str, dict[str, tuple[int, int]]] = {
    "10166": {  # 服装: tops, dresses and skirts, trousers, outerwear
        "短袖T恤": (1031910, 127380009), "衬衫": (1031910, 127380013),
        "卫衣": (1031910, 127380024), "连衣裙": (1031912, 127381007),
        "半身裙": (1031912, 127381011), "阔腿裤": (1031913, 127384002),
        "袜子": (1031921, 127386005), "领带": (1031923, 127388002),
    },
    "1038378": {  # 鞋靴: sneakers, sports shoes, boots, flats, sandals
        "小白鞋": (1038379, 126454005), "老爹鞋": (1038379, 126454012),
        "芭蕾舞鞋": (1038383, 126466008), "高跟鞋": (1038383, 126466014),
        "马丁靴": (1038382, 126462007), "乐福鞋": (1038383, 126466001),
        "凉拖鞋": (1038384, 126468009),
    },
    "1042954": {  # 箱包: backpacks, handbags, wallets, luggage
        "双肩包": (1042955, 127424003), "斜挎包": (1042956, 127426008),
        "托特包": (1042956, 127426011), "手提包": (1042956, 127426015),
        "腰包": (1042956, 127426019), "钱包": (1042958, 127428002),
        "行李箱": (1042960, 127430006),
    },
    "1043472": {  # 数码配件: phone accessories, charging, audio
        "手机壳": (1043473, 124186009), "U盘": (1043478, 124196005),
        "手机支架": (1043473, 124186021), "数据线": (1043474, 124188004),
        "充电头": (1043474, 124188007), "充电宝": (1043474, 124188012),
        "蓝牙耳机": (1043476, 124192003),
    },
    "122916002": {  # 家居日用: storage, cleaning, drinkware and tableware
        "收纳盒": (122916003, 122918011), "置物架": (122916003, 122918017),
        "衣架": (122916003, 122918024), "扫把": (122916005, 122920002),
        "垃圾桶": (122916005, 122920013), "马克杯": (122916007, 122922003),
        "餐具套装": (122916007, 122922015),
    },
    "1813": {  # 玩具: building and puzzles, RC, outdoor play, plush, fidgets
        "积木": (1813001, 125376004), "拼图": (1813001, 125376009),
        "遥控车": (1813003, 125378002), "风筝": (1813005, 125380002),
        "水枪": (1813005, 125380011), "玩偶": (1813007, 125382005),
        "小黄鸭": (1813009, 125384008),
    },
    "1801": {  # 美妆个护: make-up, skin care, body care, tools
        "口红": (1801002, 121406004), "眼影盘": (1801002, 121406010),
        "面膜": (1801004, 121410002), "洗面奶": (1801004, 121410007),
        "吹风机": (1801010, 121422004), "身体乳": (1801006, 121414008),
        "化妆刷": (1801008, 121418001),
    },
    "1042841": {  # 五金工具: hand tools, power tools, measuring, fittings
        "螺丝刀套装": (1042842, 126212006), "扳手": (1042842, 126212011),
        "钳子": (1042842, 126212017), "工具箱": (1042842, 126212023),
        "电钻": (1042844, 126216004), "卷尺": (1042846, 126220002),
        "手锯": (1042842, 126212029),
    },
    "1044026": {  # 母婴用品: baby clothes, feeding, sleep, first steps
        "连体衣": (1044027, 127302005), "口水巾": (1044027, 127302012),
        "婴儿推车": (1044035, 127318003), "奶瓶": (1044029, 127306003),
        "安抚奶嘴": (1044029, 127306008), "儿童牙刷": (1044037, 127322006),
        "摇篮": (1044031, 127310009),
    },
    "1035": {  # 运动户外: fitness, camping and hiking, cycling
        "瑜伽垫": (1035001, 123804007), "跳绳": (1035001, 123804012),
        "哑铃": (1035001, 123804018), "帐篷": (1035003, 123808002),
        "登山杖": (1035003, 123808009), "运动水壶": (1035003, 123808015),
        "拳击手套": (1035001, 123804023),
    },
    "1037": {  # 办公文具: pens, paper, filing, desk tools
        "中性笔": (1037001, 122002003), "订书机": (1037007, 122014015),
        "笔记本": (1037003, 122006001), "便利贴": (1037003, 122006008),
        "文件夹": (1037005, 122010004), "剪刀": (1037007, 122014006),
        "计算器": (1037007, 122014011),
    },
    "1046": {  # 食品: meat snacks, nuts and dried fruit, baked, instant food
        "火腿肠": (1046001, 124602005), "糖果": (1046009, 124618004),
        "花生": (1046003, 124606002), "爆米花": (1046005, 124610007),
        "饼干": (1046005, 124610003), "牛角包": (1046005, 124610011),
        "螺蛳粉": (1046007, 124614001),
    },
    "1040": {  # 宠物用品: beds, walking, toys, feeding
        "猫窝": (1040001, 125002004), "牵引绳": (1040003, 125006001),
        "逗猫棒": (1040005, 125010003), "猫抓板": (1040005, 125010008),
        "磨牙玩具": (1040005, 125010014), "宠物碗": (1040007, 125014002),
    },
    "1045": {  # 饰品: earrings, necklaces and bracelets, rings, hair and brooches
        "耳环": (1045001, 123202006), "项链": (1045003, 123206001),
        "手链": (1045003, 123206007), "戒指": (1045005, 123210004),
        "蝴蝶结发夹": (1045007, 123214003), "太阳镜": (1045009, 123218002),
    },
}  # fmt: skip

# The address the platform shows for each city of the vocabulary: county-level
# cities under their province, towns and counties under their prefecture.
_ADDRESSES: dict[str, str] = {
    "广州": "广东省广州市", "深圳": "广东省深圳市", "东莞": "广东省东莞市",
    "惠州": "广东省惠州市", "汕头": "广东省汕头市", "阳江": "广东省阳江市",
    "杭州": "浙江省杭州市", "湖州": "浙江省湖州市", "温州": "浙江省温州市",
    "平湖": "浙江省平湖市", "义乌": "浙江省义乌市", "台州": "浙江省台州市",
    "金华": "浙江省金华市", "宁波": "浙江省宁波市", "云和": "浙江省丽水市云和县",
    "永康": "浙江省永康市", "东阳": "浙江省东阳市",
    "常熟": "江苏省常熟市", "南通": "江苏省南通市",
    "泉州": "福建省泉州市", "莆田": "福建省莆田市", "厦门": "福建省厦门市",
    "晋江": "福建省晋江市", "漳州": "福建省漳州市",
    "成都": "四川省成都市", "长沙": "湖南省长沙市", "柳州": "广西壮族自治区柳州市",
    "临沂": "山东省临沂市", "青岛": "山东省青岛市",
    "白沟": "河北省保定市白沟新城", "邢台": "河北省邢台市",
    "上海": "上海市",
}  # fmt: skip


def _category_ids(offer: Offer, words: list[str] | None, dice: Dice) -> tuple[int, int]:
    # Drawn for every offer, so that a table entry changes no other field's draws.
    drawn = (dice.between(1_030_000, 1_049_999), dice.between(120_000_000, 129_999_999))
    table = _SUBCATEGORIES.get(offer.cat, {})
    noun = next((word for word in words or () if word in table), None)
    return drawn if noun is None else table[noun]


# -- numbers -------------------------------------------------------------------------------

_MAX_LONG = 2**63 - 1  # the platform's ids are Java longs
_MAX_SOLD = 10**12  # keeps figures derived from sales within reason for any record
# "12.50", "12.5", "12": whole yuan and up to two fen digits, extra digits cut off.
_PRICE = re.compile(r"\s*(\d{1,12})(?:\.(\d{1,2})\d*)?\s*", re.ASCII)
_PERCENT = re.compile(r"\s*(\d{1,3})(?:\.\d*)?\s*%?\s*", re.ASCII)


def _long(digits: str) -> int:
    """An id of digits as a number; 0 for anything else or beyond a Java long."""
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
        return 0
    value = int(digits)
    return value if value <= _MAX_LONG else 0


def _fen(price: str | None) -> int | None:
    """The low end of a price or price range, in fen."""
    match = _PRICE.fullmatch(price.split("-", 1)[0]) if price is not None else None
    if match is None:
        return None
    yuan, fen = match.groups()
    return int(yuan) * 100 + int((fen or "0").ljust(2, "0"))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _tenths(value: int) -> str:
    return f"{value // 10}.{value % 10}"


def _rate(hundredths: int) -> str:
    """A percentage with trailing zeros dropped, as the platform writes "100%", "99.1%"."""
    return f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".") + "%"


def _text(dice: Dice, alphabet: str, length: int) -> str:
    return "".join(dice.pick(alphabet) for _ in range(length))


# -- the offer -----------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_BASE32 = string.ascii_uppercase + "234567"
_SELLER_SHARES = (("super_factory", 8), ("powerful_merchants", 20), ("tp_member", 90))
_MIN_ORDERS = (2, 3, 5, 10, 20, 50, 100)
_FIRST_LISTED = datetime(2022, 1, 1)
_LAST_LISTED = datetime(2026, 11, 30, 23, 59, 59)


def aop_offer(offer: Offer, country: str) -> dict[str, object]:
    """The offer as product.search.imageQuery lists it in result.result.data (keys in
    the documented order).

    ``subjectTrans`` is English for every `country`: the fake's only translation.
    """
    dice = _dice(f"aop:{offer.num_iid}")
    seller = _dice(f"aop-seller:{offer.seller_nick}")  # one company, one record
    words = _title_words(offer)
    one_psale = dice.chance(70)
    second, third = _category_ids(offer, words, dice)
    created, modified = _dates(dice)
    return {
        "imageUrl": offer.pic_url,
        "subject": offer.title,
        "subjectTrans": _translate(offer.cat, words) or offer.title,
        "priceInfo": _price_info(offer, dice),
        "offerId": _long(offer.num_iid),
        "isJxhy": dice.chance(30),
        "repurchaseRate": offer.turn_head,
        "monthSold": offer.sales,
        "traceInfo": f"object_id@{offer.num_iid}^object_type@offer",
        "isOnePsale": one_psale,
        "sellerIdentities": [name for name, share in _SELLER_SHARES if seller.chance(share)],
        "offerIdentities": ["yx"] if dice.chance(10) else [],
        "tradeScore": _tenths(max(dice.between(35, 50), dice.between(35, 50))),
        "promotionModel": _promotion_model(offer),
        "topCategoryId": _long(offer.cat),
        "secondCategoryId": second,
        "thirdCategoryId": third,
        "isPatentProduct": dice.chance(5),
        "createDate": created,
        "modifyDate": modified,
        "isSelect": dice.chance(20),
        "sellerDataInfo": _seller_data(seller),
        "productSimpleShippingInfo": _shipping(dice),
        "minOrderQuantity": 1 if one_psale else dice.pick(_MIN_ORDERS),
        "token": _text(dice, _ALNUM, 35),
        "promotionURL": _promotion_url(offer.detail_url, _text(dice, _BASE32, 100)),
        "companyName": offer.seller_nick,
        "companyAddress": _ADDRESSES.get(offer.area, offer.area),
        "offerDataInfo": _offer_data(offer, dice),
        "sales7d": str((_sold(offer) * 7 + 15) // 30),
        "productTradeInfo": _trade_info(_sold(offer), dice),
        "invoiceInfo": _invoice(seller),
    }


def _promotion_url(detail_url: str, refer: str) -> str:
    joint = "&" if "?" in detail_url else "?"
    return f"{detail_url}{joint}fromkv=refer:{refer}"


def _dice(seed: str) -> Dice:
    # A lone surrogate (JSON text may carry one) cannot seed random.Random; escaping
    # it leaves every other seed as it is.
    return Dice(seed.encode(errors="backslashreplace").decode())


def _sold(offer: Offer) -> int:
    return min(max(offer.sales, 0), _MAX_SOLD)


def _price_info(offer: Offer, dice: Dice) -> dict[str, object]:
    fen = _fen(offer.price) or 0
    promotion = _fen(offer.promotion_price)
    jxhy = fen * dice.between(95, 100) // 100  # the curated-supply price: a little off
    consign = -(-fen * dice.between(103, 112) // 100)  # dropshipping costs a little more
    return {
        "price": _yuan(fen),
        "jxhyPrice": _yuan(jxhy),
        "pfJxhyPrice": _yuan(jxhy * dice.between(97, 100) // 100),
        "consignPrice": _yuan(consign),
        "promotionPrice": _yuan(fen if promotion is None else promotion),
    }


def _promotion_model(offer: Offer) -> dict[str, object]:
    promoted = offer.promotion_price is not None
    return {"hasPromotion": promoted, "promotionType": "plus" if promoted else ""}


def _dates(dice: Dice) -> tuple[str, str]:
    span = int((_LAST_LISTED - _FIRST_LISTED).total_seconds())
    created = dice.below(span + 1)
    modified = created + dice.below(span - created + 1)
    return _timestamp(created), _timestamp(modified)


def _timestamp(seconds: int) -> str:
    return (_FIRST_LISTED + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _seller_data(dice: Dice) -> dict[str, object]:
    medal = str(dice.between(1, 5))
    scores = [_tenths(dice.between(30, 50)) for _ in range(6)]
    return {
        "tradeMedalLevel": medal,
        "compositeServiceScore": scores[0],
        "logisticsExperienceScore": scores[1],
        "disputeComplaintScore": scores[2],
        "offerExperienceScore": scores[3],
        "afterSalesExperienceScore": scores[4],
        "consultingExperienceScore": scores[5],
        "repeatPurchasePercent": str(dice.between(5, 60)),
        "tpYear": dice.between(1, 15),
    }


def _shipping(dice: Dice) -> dict[str, object]:
    return {
        "shippingTimeGuarantee": "shipIn24Hours" if dice.chance(60) else "shipIn48Hours",
        "perfectFulfillmentRate30d": _rate(dice.between(9500, 10000)),
        "pickupWithin24hRate30d": _rate(dice.between(9000, 10000)),
        "qualityReturnRate30d": _rate(dice.below(300)),
        "perfectFulfillmentRate7d": _rate(dice.between(9500, 10000)),
        "pickupWithin24hRate7d": _rate(dice.between(9000, 10000)),
        "delayedShippingRate7d": _rate(dice.below(1000)),
    }


def _offer_data(offer: Offer, dice: Dice) -> dict[str, object]:
    applause = dice.between(950, 1000)
    refunds = 0 if dice.chance(60) else dice.between(1, 30)
    # The 30-day repurchase rate is the offer's own, with a decimal the record lacks.
    match = _PERCENT.fullmatch(offer.turn_head)
    repurchase = dice.between(5, 40) if match is None else int(match.group(1))
    return {
        "offerApplauseRate": f"{_tenths(applause)}%",
        "kjFeaturedServices": dice.pick("ABC"),
        "qualityRfdRate30d": f"{_tenths(refunds)}%" if refunds else "0%",
        "repurchaseRate30d": f"{repurchase}.{dice.below(10)}%",
        "pickupRate24h30d": f"{dice.between(85, 100)}%",
    }


def _trade_info(sold: int, dice: Dice) -> dict[str, object]:
    # Some buyers take several pieces, so there are fewer buyers than pieces sold; a
    # week is about 7/30 of the month; more people add to cart than pay.
    buyers30 = max(1, sold * dice.between(30, 90) // 100) if sold else 0
    buyers7 = buyers30 * dice.between(15, 35) // 100
    carts30 = buyers30 * dice.between(150, 400) // 100 + dice.below(20)
    return {
        "addCartCount7d": str(carts30 * dice.between(15, 35) // 100),
        "payBuyerCount7d": str(buyers7),
        "addCartCount30d": str(carts30),
        "payBuyerCount30d": str(buyers30),
    }


def _invoice(dice: Dice) -> dict[str, object]:
    # Only a general taxpayer issues special VAT invoices (专票) as a matter of course.
    general = dice.chance(55)
    online = dice.chance(60)
    return {
        "supportOnlineInvoice": online,
        "supportFastInvoice": online and dice.chance(40),
        "invoiceTypes": ["普票", "专票"] if general else ["普票"],
        "taxpayerType": "一般纳税人" if general else "小规模纳税人",
    }
