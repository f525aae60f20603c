"""The default catalog's category vocabulary and the generator that uses it.

Each `Category` carries everything the generator needs to make plausible 1688 offers
of that kind: title slots (one word is drawn from each slot, in order, and an empty
string makes a slot optional), a wholesale price range in fen, and the cities where
such goods are made with supplier-name patterns. Two slots of every category say
what the photo shows: the colour (a word of `fake1688.catalog.colour.COLOURS`, the
category's usual colours) and, right after it, the product noun (a kind of
`fake1688.catalog.glyphs`).

The category ids are 1688-style digit strings; they are plausible, not the platform's.

`generate(seed, count)` is a pure function of its arguments: it draws through `Dice`
with integer arithmetic only, so the metadata is byte-identical on every machine.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from fake1688.catalog.colour import COLOURS
from fake1688.catalog.dice import Dice
from fake1688.catalog.offer import PIC_HOST, Offer

__all__ = [
    "CATEGORIES",
    "SUPPLIER_NAMES",
    "Category",
    "category",
    "generate",
]


@dataclass(frozen=True, slots=True)
class Category:
    """One product category of the default catalog."""

    cat: str
    name: str
    weight: int  # relative share of the catalog
    price_fen: tuple[int, int]  # lowest and highest unit price, in fen (0.01 yuan)
    slots: tuple[tuple[str, ...], ...]
    cities: tuple[str, ...]
    supplier_patterns: tuple[str, ...]  # "{city}" and "{name}" are filled in

    @property
    def colours(self) -> tuple[str, ...]:
        """The colour slot: the colours this category's offers come in."""
        return next(slot for slot in self.slots if set(slot) <= set(COLOURS))

    @property
    def kinds(self) -> tuple[str, ...]:
        """The product-noun slot, right after the colour: the kinds of product it holds."""
        return self.slots[self.slots.index(self.colours) + 1]


# Two-character trade names, the way small Chinese factories name themselves.
SUPPLIER_NAMES: tuple[str, ...] = (
    "鑫达", "恒源", "佳美", "金诚", "华誉", "宏发", "永盛", "锦程", "优品", "创美",
    "盛世", "嘉禾", "瑞丰", "新宇", "博远", "聚源", "汇通", "鼎盛", "富康", "明辉",
)  # fmt: skip

_YEAR = ("2024新款", "2025新款", "新款", "爆款", "跨境", "")

CATEGORIES: tuple[Category, ...] = (
    Category(
        "10166", "服装", 14, (1500, 8900),
        (
            ("2024新款", "2025新款", "夏季新款", "秋冬新款", "ins风", ""),
            ("韩版", "法式", "复古", "简约", "港风", "日系", "小香风", ""),
            ("宽松", "修身", "显瘦", "oversize", ""),
            ("纯棉", "雪纺", "冰丝", "针织", "牛仔", "真丝", "亚麻"),
            ("黑色", "白色", "灰色", "藏青色", "粉色", "米色"),  # colour
            ("短袖T恤", "连衣裙", "衬衫", "半身裙", "阔腿裤", "卫衣", "袜子", "领带"),
            ("女", "女士", "男", "男士", "情侣款"),
            ("夏季百搭上衣", "百搭洋气", "一件代发", "工厂直销", "大码", "学生", ""),
        ),
        ("广州", "杭州", "深圳", "常熟", "湖州"),
        ("{city}市{name}服饰有限公司", "{city}{name}服装厂", "{city}{name}制衣厂"),
    ),
    Category(
        "1038378", "鞋靴", 9, (2500, 12000),
        (
            _YEAR,
            ("韩版", "运动", "休闲", "英伦", "复古", "百搭"),
            ("真皮", "网面透气", "软底", "厚底", "防滑", "PU"),
            ("白色", "黑色", "米色", "咖啡色", "红色", "灰色"),  # colour
            ("小白鞋", "老爹鞋", "芭蕾舞鞋", "马丁靴", "乐福鞋", "凉拖鞋", "高跟鞋"),
            ("女", "男", "儿童", ""),
            ("一件代发", "厂家直销", "四季款", ""),
        ),
        ("泉州", "温州", "莆田", "成都", "东莞"),
        ("{city}市{name}鞋业有限公司", "{city}{name}鞋厂"),
    ),
    Category(
        "1042954", "箱包", 7, (1800, 15000),
        (
            _YEAR,
            ("ins", "简约", "复古", "大容量", "轻奢", "日系"),
            ("帆布", "PU皮", "牛津布", "尼龙", "真皮"),
            ("黑色", "咖啡色", "卡其色", "米色", "酒红色", "蓝色"),  # colour
            ("双肩包", "斜挎包", "托特包", "行李箱", "钱包", "手提包", "腰包"),
            ("女", "男", "学生", "通勤", ""),
            ("外贸爆款", "可定制logo", "一件代发", ""),
        ),
        ("广州", "白沟", "平湖", "泉州"),
        ("{city}{name}皮具有限公司", "{city}市{name}箱包厂"),
    ),
    Category(
        "1043472", "数码配件", 10, (150, 6000),
        (
            _YEAR,
            ("适用苹果", "适用华为", "Type-C", "磁吸", "无线", "快充"),
            ("透明", "硅胶", "铝合金", "编织", "液态"),
            ("黑色", "白色", "蓝色", "粉色", "绿色", "紫色"),  # colour
            ("手机壳", "数据线", "充电头", "蓝牙耳机", "充电宝", "手机支架", "U盘"),
            ("", "1米", "20W", "10000毫安"),
            ("批发", "跨境专供", "一件代发", ""),
        ),
        ("深圳", "东莞", "广州", "惠州"),
        ("{city}市{name}电子科技有限公司", "{city}{name}数码科技有限公司"),
    ),
    Category(
        "122916002", "家居日用", 10, (80, 3500),
        (
            _YEAR,
            ("北欧", "日式", "家用", "创意", "加厚"),
            ("不锈钢", "塑料", "玻璃", "陶瓷", "竹制", "硅胶"),
            ("白色", "灰色", "蓝色", "绿色", "粉色", "米色"),  # colour
            ("收纳盒", "马克杯", "衣架", "扫把", "垃圾桶", "置物架", "餐具套装"),
            ("厨房", "卫生间", "宿舍", "客厅", ""),
            ("义乌小商品", "两元店货源", "批发", ""),
        ),
        ("义乌", "台州", "金华", "宁波"),
        ("{city}市{name}日用品有限公司", "{city}{name}塑料制品厂", "{city}市{name}家居用品厂"),
    ),
    Category(
        "1813", "玩具", 8, (120, 9000),
        (
            _YEAR,
            ("儿童", "益智", "网红", "解压", "卡通"),
            ("塑料", "木制", "毛绒", "硅胶", ""),
            ("红色", "黄色", "蓝色", "绿色", "粉色", "橙色"),  # colour
            ("积木", "遥控车", "风筝", "拼图", "玩偶", "水枪", "小黄鸭"),
            ("男孩", "女孩", "宝宝", ""),
            ("地摊货源", "幼儿园礼物", "厂家批发", ""),
        ),
        ("汕头", "义乌", "东莞", "云和"),
        ("{city}{name}玩具厂", "{city}市{name}玩具有限公司"),
    ),
    Category(
        "1801", "美妆个护", 8, (150, 5000),
        (
            _YEAR,
            ("网红", "持久", "保湿", "补水", "控油"),
            ("哑光", "水润", "清爽", "温和", ""),
            ("红色", "酒红色", "粉色", "橙色", "紫色", "米色"),  # colour
            ("口红", "面膜", "洗面奶", "眼影盘", "吹风机", "身体乳", "化妆刷"),
            ("女", "学生党", "男士", ""),
            ("小样", "旅行装", "工厂货源", ""),
        ),
        ("广州", "义乌", "上海", "汕头"),
        ("{city}{name}化妆品有限公司", "{city}市{name}日化有限公司"),
    ),
    Category(
        "1042841", "五金工具", 6, (200, 8000),
        (
            _YEAR,
            ("家用", "多功能", "工业级", "德式", "加厚"),
            ("铬钒钢", "不锈钢", "碳钢", "合金"),
            ("红色", "黑色", "黄色", "橙色", "蓝色", "灰色"),  # colour
            ("螺丝刀套装", "扳手", "钳子", "电钻", "卷尺", "工具箱", "手锯"),
            ("", "套装", "五金配件"),
            ("工厂直销", "可定制", "批发", ""),
        ),
        ("永康", "义乌", "宁波", "阳江"),
        ("{city}市{name}工具有限公司", "{city}{name}五金制品厂"),
    ),
    Category(
        "1044026", "母婴用品", 7, (300, 12000),
        (
            _YEAR,
            ("婴儿", "新生儿", "宝宝", "儿童"),
            ("纯棉", "硅胶", "A类", "有机棉", "食品级"),
            ("粉色", "蓝色", "黄色", "白色", "绿色", "米色"),  # colour
            ("连体衣", "口水巾", "奶瓶", "安抚奶嘴", "摇篮", "儿童牙刷", "婴儿推车"),
            ("0-3个月", "1-3岁", "四季", ""),
            ("母婴店货源", "一件代发", ""),
        ),
        ("杭州", "汕头", "湖州", "义乌"),
        ("{city}{name}母婴用品有限公司", "{city}市{name}童装厂"),
    ),
    Category(
        "1035", "运动户外", 8, (500, 20000),
        (
            _YEAR,
            ("户外", "专业", "便携", "折叠", "防水"),
            ("碳纤维", "铝合金", "尼龙", "速干", ""),
            ("黑色", "蓝色", "绿色", "紫色", "粉色", "橙色"),  # colour
            ("瑜伽垫", "帐篷", "跳绳", "拳击手套", "登山杖", "哑铃", "运动水壶"),
            ("男女", "健身", "露营", ""),
            ("跨境货源", "厂家直供", "一件代发", ""),
        ),
        ("泉州", "厦门", "金华", "宁波", "晋江"),
        ("{city}{name}体育用品有限公司", "{city}市{name}户外用品厂"),
    ),
    Category(
        "1037", "办公文具", 6, (30, 2500),
        (
            _YEAR,
            ("学生", "办公", "创意", "简约", "可爱"),
            ("中性", "按动", "加厚", "A4", "B5"),
            ("黑色", "蓝色", "红色", "黄色", "粉色", "绿色"),  # colour
            ("中性笔", "笔记本", "便利贴", "文件夹", "剪刀", "订书机", "计算器"),
            ("", "0.5mm", "大容量"),
            ("文具店批发", "一件代发", ""),
        ),
        ("宁波", "义乌", "温州", "汕头"),
        ("{city}市{name}文具有限公司", "{city}{name}办公用品厂"),
    ),
    Category(
        "1046", "食品", 6, (250, 6000),
        (
            ("2024新货", "新货", "网红", "整箱", ""),
            ("香辣", "原味", "五香", "低脂", "手工"),
            ("即食", "休闲", "独立包装", ""),
            ("红色", "橙色", "黄色", "咖啡色", "绿色", "卡其色"),  # colour
            ("火腿肠", "花生", "糖果", "饼干", "爆米花", "牛角包", "螺蛳粉"),
            ("500g", "1斤装", "散装称重", ""),
            ("零食批发", "厂家直销", ""),
        ),
        ("漳州", "长沙", "成都", "柳州", "临沂"),
        ("{city}市{name}食品有限公司", "{city}{name}食品厂"),
    ),
    Category(
        "1040", "宠物用品", 4, (150, 8000),
        (
            _YEAR,
            ("猫咪", "狗狗", "宠物", "中小型犬"),
            ("四季通用", "可拆洗", "耐咬", "加厚", ""),
            ("咖啡色", "灰色", "粉色", "蓝色", "红色", "卡其色"),  # colour
            ("猫窝", "牵引绳", "逗猫棒", "猫抓板", "宠物碗", "磨牙玩具"),
            ("", "猫狗通用"),
            ("宠物店货源", "一件代发", ""),
        ),
        ("南通", "义乌", "邢台", "上海"),
        ("{city}{name}宠物用品有限公司", "{city}市{name}宠物用品厂"),
    ),
    Category(
        "1045", "饰品", 5, (50, 3000),
        (
            _YEAR,
            ("韩国", "ins", "小众", "法式", "复古"),
            ("S925银针", "钛钢", "珍珠", "锆石", "合金"),
            ("黄色", "白色", "粉色", "红色", "绿色", "黑色"),  # colour
            ("耳环", "项链", "手链", "蝴蝶结发夹", "戒指", "太阳镜"),
            ("女", "气质", ""),
            ("饰品批发", "地摊货源", ""),
        ),
        ("义乌", "东阳", "广州", "青岛"),
        ("{city}市{name}饰品有限公司", "{city}{name}首饰厂"),
    ),
)  # fmt: skip

_BY_ID = {c.cat: c for c in CATEGORIES}


def category(cat: str) -> Category | None:
    """The default-catalog category with id `cat`, if there is one."""
    return _BY_ID.get(cat)


_ALNUM = string.ascii_letters + string.digits
_SUPPLIERS_PER_CATEGORY = 12
# Share of sales figures per order of magnitude (0-9, 10-99, ... 100000-999999):
# a few offers sell hugely, most sell little.
_SALES_WEIGHTS = (30, 30, 22, 12, 5, 1)


@dataclass(frozen=True, slots=True)
class _Supplier:
    nick: str
    area: str
    member: str  # the uploader id that 1688 puts in its image names


def generate(seed: int, count: int) -> list[Offer]:
    """`count` offers of the default catalog for `seed`; the same on every machine."""
    dice = Dice(seed)
    suppliers = {c.cat: [_supplier(dice, c) for _ in range(_SUPPLIERS_PER_CATEGORY)]
                 for c in CATEGORIES}  # fmt: skip
    weights = [c.weight for c in CATEGORIES]
    seen: set[str] = set()
    # Each colour of each kind once a round, in an order drawn apart from the rest:
    # a category of n offers has every kind in every colour n // (kinds x colours)
    # times or once more, and every other field is drawn as if titles were free.
    shuffler = Dice(f"{seed}-kinds-and-colours")
    decks: dict[str, list[tuple[str, str]]] = {c.cat: [] for c in CATEGORIES}
    offers = []
    for _ in range(count):
        cat = dice.weighted(CATEGORIES, weights)
        deck = decks[cat.cat]
        if not deck:
            deck.extend(shuffler.shuffled([(c, k) for c in cat.colours for k in cat.kinds]))
        shown = deck.pop()
        offers.append(_offer(dice, cat, dice.pick(suppliers[cat.cat]), _num_iid(dice, seen), shown))
    return offers


def _supplier(dice: Dice, cat: Category) -> _Supplier:
    city = dice.pick(cat.cities)
    nick = dice.pick(cat.supplier_patterns).format(city=city, name=dice.pick(SUPPLIER_NAMES))
    return _Supplier(nick, city, f"{dice.between(1, 9)}{dice.below(10**9):09d}")


def _num_iid(dice: Dice, seen: set[str]) -> str:
    while True:
        num_iid = f"{dice.pick('67')}{dice.below(10**11):011d}"
        if num_iid not in seen:
            seen.add(num_iid)
            return num_iid


def _offer(
    dice: Dice, cat: Category, supplier: _Supplier, num_iid: str, shown: tuple[str, str]
) -> Offer:
    """An offer whose title names ``shown``, a (colour, kind), in those two slots."""
    price, promotion = _prices(dice, cat)
    magnitude = dice.weighted(range(len(_SALES_WEIGHTS)), _SALES_WEIGHTS)
    image = dice.word(_ALNUM, 22)
    dealt = dict(zip((cat.colours, cat.kinds), shown, strict=True))
    drawn = [dice.pick(slot) for slot in cat.slots]
    return Offer(
        num_iid=num_iid,
        title="".join(dealt.get(slot, word) for slot, word in zip(cat.slots, drawn, strict=True)),
        price=price,
        promotion_price=promotion,
        sales=dice.between(10**magnitude // 10, 10 ** (magnitude + 1) - 1),
        seller_nick=supplier.nick,
        area=supplier.area,
        turn_head=f"{dice.between(5, 35) + dice.below(2) * dice.below(30)}%",
        cat=cat.cat,
        cat_name=cat.name,
        pic_url=f"https://{PIC_HOST}/img/ibank/O1CN01{image}_!!{supplier.member}-0-cib.jpg",
        detail_url=f"https://detail.1688.com/offer/{num_iid}.html",
    )


def _prices(dice: Dice, cat: Category) -> tuple[str, str | None]:
    lo, hi = cat.price_fen
    # The smaller of two uniform draws: cheap goods are commoner than dear ones.
    fen = _round(lo + min(dice.below(hi - lo), dice.below(hi - lo)))
    price = _yuan(fen)
    if dice.chance(25):  # tiered wholesale prices show as a range
        high = _round(fen * dice.between(115, 160) // 100)
        price += "-" + _yuan(max(high, fen + _step(fen)))  # rounding must not close it
    promotion = _round(fen * dice.between(80, 95) // 100) if dice.chance(30) else fen
    return price, (_yuan(promotion) if promotion < fen else None)  # none if rounding ate it


def _round(fen: int) -> int:
    """Wholesale prices end in whole jiao, or in 5 fen below ten yuan."""
    step = _step(fen)
    return max(step, fen - fen % step)


def _step(fen: int) -> int:
    return 10 if fen >= 1000 else 5


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
