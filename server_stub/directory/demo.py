"""A realistic demo directory for 威海市: its real districts, real industry classes, plausible
enterprise names and addresses, valid credit codes, a risk-grade mix, inspectors from several
departments, and an item list with the real categories of the national 抽查事项清单. Entities
carry the coordinates of their registered address, scattered around their district's centre.

Deterministic: the same ``seed`` and sizes give the same data, byte for byte. Fast enough for a
1,000,000-entity benchmark directory (no per-entity validation beyond what the model does).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from sync import (
    Department,
    DepartmentLevel,
    Entity,
    EntityStatus,
    InspectionItem,
    InspectionMethod,
    Inspector,
    RiskGrade,
    StaffKind,
    make_credit_code,
)

CITY = "威海市"
SAMR = "威海市市场监督管理局"

V = TypeVar("V")

# 区划: name, short name, GB/T 2260 code (positions 3–8 of a credit code), real street names.
DISTRICTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("环翠区", "环翠区", "371002", ("新威路", "统一路", "青岛中路", "海滨北路", "世昌大道", "古寨东路", "文化东路", "昆明路")),
    ("文登区", "文登区", "371003", ("龙山路", "峰山路", "世纪大道", "米山路", "天福路", "昆嵛路")),
    ("荣成市", "荣成市", "371082", ("成山大道", "黄海中路", "石岛黄海路", "观海路", "府新路", "斥山街")),
    ("乳山市", "乳山市", "371083", ("胜利街", "商业街", "青山路", "府前路", "育黎路", "银滩路")),
    ("威海火炬高技术产业开发区", "威海高区", "371071", ("文化西路", "火炬路", "沈阳路", "初村镇光明路", "田和街")),
    ("威海经济技术开发区", "威海经区", "371072", ("青岛路", "海南路", "齐鲁大道", "珠海路", "崮山镇香港路")),
    ("威海临港经济技术开发区", "威海临港区", "371073", ("草庙子镇开元路", "苘山镇中韩路", "蔄山镇临港大道")),
    ("威海南海新区", "威海南海新区", "371074", ("海韵路", "滨海大道", "观海西路")),
)
_DISTRICT_WEIGHTS = (26, 18, 20, 12, 9, 8, 4, 3)
# Each district's built-up centre (WGS 84, rounded), keyed by name: registered addresses lie
# around it (see ``_place``).
_CENTRES: dict[str, tuple[float, float]] = {
    "环翠区": (37.5091, 122.1164), "文登区": (37.1939, 122.0575), "荣成市": (37.1652, 122.4867),
    "乳山市": (36.9192, 121.5397), "威海火炬高技术产业开发区": (37.5267, 122.0530),
    "威海经济技术开发区": (37.4636, 122.1508), "威海临港经济技术开发区": (37.3330, 121.9690),
    "威海南海新区": (36.9940, 121.9250),
}
_SPREAD_DEGREES = 0.02
"""Standard deviation of an address around its district's centre (about 2 km north–south)."""

# 行业 (GB/T 4754-2017 门类 with typical 威海 trades): per 门类 its trades, each with its GB/T 4754
# class (or division, where a trade spans several classes) and the directory tags such
# businesses often carry, each with the share of them that does.
FOOD = "食品经营"
SPECIAL_EQUIPMENT = "特种设备使用单位"
MEASURING = "计量器具使用"
PREPAID = "单用途预付卡"
MEDICAL_DEVICES = "医疗器械经营"
DISCHARGE = "排污许可"
ONLINE = "网络经营"
Trade = tuple[str, str, tuple[tuple[str, float], ...]]
INDUSTRIES: tuple[tuple[str, tuple[Trade, ...]], ...] = (
    ("农、林、牧、渔业", (("海洋渔业", "A0411", ()), ("水产养殖", "A0412", ()),
                        ("果业", "A0151", ()), ("海参养殖", "A0412", ()))),
    ("制造业", (("水产食品", "C1361", ((DISCHARGE, 0.6), (SPECIAL_EQUIPMENT, 0.7))),
              ("轮胎", "C2911", ((DISCHARGE, 0.8), (SPECIAL_EQUIPMENT, 0.8))),
              ("医疗器械", "C358", ((SPECIAL_EQUIPMENT, 0.3),)),
              ("纺织服装", "C18", ((SPECIAL_EQUIPMENT, 0.2),)),
              ("地毯", "C17", ((DISCHARGE, 0.4),)),
              ("机械制造", "C34", ((SPECIAL_EQUIPMENT, 0.8), (DISCHARGE, 0.3))),
              ("船舶修造", "C373", ((SPECIAL_EQUIPMENT, 0.9), (DISCHARGE, 0.5))),
              ("电子科技", "C39", ((SPECIAL_EQUIPMENT, 0.2),)))),
    ("建筑业", (("建筑工程", "E47", ((SPECIAL_EQUIPMENT, 0.5),)), ("装饰工程", "E50", ()),
              ("市政工程", "E48", ((SPECIAL_EQUIPMENT, 0.4),)))),
    ("批发和零售业", (("商贸", "F51", ((ONLINE, 0.3),)),
                   ("超市", "F5212", ((FOOD, 0.95), (MEASURING, 0.9), (SPECIAL_EQUIPMENT, 0.4),
                                    (PREPAID, 0.3))),
                   ("便利店", "F5213", ((FOOD, 0.9), (MEASURING, 0.3))),
                   ("海产品批发", "F5124", ((FOOD, 0.95), (MEASURING, 0.9), (ONLINE, 0.2))),
                   ("医药连锁", "F5251", ((MEDICAL_DEVICES, 0.8),)),
                   ("五金建材", "F5281", ((MEASURING, 0.3),)))),
    ("交通运输、仓储和邮政业", (("物流", "G58", ()), ("运输", "G54", ((SPECIAL_EQUIPMENT, 0.3),)),
                           ("冷链仓储", "G59", ((FOOD, 0.6), (SPECIAL_EQUIPMENT, 0.8))))),
    ("住宿和餐饮业", (("酒店", "H61", ((SPECIAL_EQUIPMENT, 0.9), (FOOD, 0.6), (PREPAID, 0.2))),
                   ("海鲜酒楼", "H6210", ((FOOD, 0.95), (PREPAID, 0.4))),
                   ("餐饮管理", "H62", ((FOOD, 0.9),)),
                   ("小吃店", "H6291", ((FOOD, 0.9),)))),
    ("信息传输、软件和信息技术服务业", (("信息技术", "I65", ()), ("软件开发", "I651", ()),
                                 ("网络科技", "I64", ((ONLINE, 0.7),)))),
    ("房地产业", (("置业", "K70", ()), ("物业管理", "K7020", ((SPECIAL_EQUIPMENT, 0.9),)))),
    ("租赁和商务服务业", (("广告传媒", "L725", ((ONLINE, 0.5),)), ("企业管理咨询", "L72", ()),
                      ("旅行社", "L7291", ((PREPAID, 0.2),)))),
    ("居民服务、修理和其他服务业", (("家政服务", "O80", ((PREPAID, 0.4),)),
                              ("汽车维修", "O81", ((SPECIAL_EQUIPMENT, 0.3), (PREPAID, 0.4))),
                              ("洗浴", "O80", ((PREPAID, 0.6), (SPECIAL_EQUIPMENT, 0.5))))),
    ("文化、体育和娱乐业", (("文化传播", "R86", ()), ("健身", "R89", ((PREPAID, 0.7),)),
                       ("歌舞娱乐", "R90", ((PREPAID, 0.3),)))),
)
_INDUSTRY_WEIGHTS = (6, 24, 6, 30, 5, 12, 4, 3, 5, 3, 2)

_BRAND_CHARS = ["海", "威", "荣", "文", "乳", "鑫", "泰", "华", "盛", "祥", "瑞", "德", "兴", "隆", "成", "安", "通", "达", "宏", "远", "金", "银", "福", "顺", "康", "宁", "新", "程", "蓝", "鲸", "石", "岛", "昆", "嵛", "山", "东", "润", "泽", "明", "辉", "恒", "信", "诚", "和", "丰", "利", "卓", "越", "浩", "洋", "帆", "鹏", "鸿", "凯", "嘉", "益", "聚", "汇", "峰", "林"]
_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "于", "丛", "邹", "谷", "宋", "林", "曲", "毕", "姜", "鞠", "郭", "梁", "孔", "高"]
_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "鹏", "晓", "丽", "建", "国", "海", "波"]

RISK_MIX: tuple[tuple[RiskGrade, int], ...] = (
    (RiskGrade.A, 55), (RiskGrade.B, 30), (RiskGrade.C, 11), (RiskGrade.D, 4),
)
_STATUS_MIX = ((EntityStatus.OPERATING, 80), (EntityStatus.EXISTING, 14),
               (EntityStatus.SUSPENDED, 2), (EntityStatus.REVOKED, 2), (EntityStatus.CANCELLED, 2))

DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    # department, qualifications its staff may hold, share of the staff
    (SAMR, ("食品安全", "特种设备", "药品医疗器械", "产品质量", "广告", "计量"), 60),
    ("威海市应急管理局", ("安全生产",), 15),
    ("威海市生态环境局", ("生态环境",), 12),
    ("威海市商务局", ("商务执法",), 8),
    ("威海市文化和旅游局", ("文化市场",), 5),
)


@dataclass(frozen=True)
class DemoDirectory:
    items: list[InspectionItem]
    entities: list[Entity]
    inspectors: list[Inspector]


def demo_items() -> list[InspectionItem]:
    """A realistic 抽查事项清单 (national list categories, real legal bases)."""
    m = InspectionMethod
    rows = [
        ("SC-QYGS-01", "企业公示信息", "企业公示的年度报告信息的抽查", "《企业信息公示暂行条例》第十二条、第十四条",
         m.DOCUMENTS, SAMR, ("年度报告是否按时报送", "公示的资产状况、从业人数等信息是否真实", "联系方式是否有效"), ""),
        ("SC-QYGS-02", "企业公示信息", "企业即时公示信息的抽查", "《企业信息公示暂行条例》第十条、第十四条",
         m.DOCUMENTS, SAMR, ("股东出资信息是否及时公示", "行政许可取得、变更信息是否公示"), ""),
        ("SC-SP-01", "食品生产经营", "食品销售者经营活动的检查", "《中华人民共和国食品安全法》第一百一十条",
         m.ON_SITE, SAMR, ("食品经营许可证是否有效", "是否建立进货查验记录制度", "是否销售超过保质期的食品", "从业人员健康证明"), "食品安全"),
        ("SC-SP-02", "食品生产经营", "餐饮服务提供者经营活动的检查", "《中华人民共和国食品安全法》第一百一十条",
         m.ON_SITE, SAMR, ("后厨卫生与“明厨亮灶”", "餐饮具清洗消毒", "食品添加剂使用与公示", "原料索证索票"), "食品安全"),
        ("SC-TSSB-01", "特种设备使用", "特种设备使用单位的监督检查", "《中华人民共和国特种设备安全法》第五十七条",
         m.ON_SITE, SAMR, ("特种设备是否办理使用登记", "是否按期定期检验", "作业人员是否持证上岗", "安全技术档案是否齐全"), "特种设备"),
        ("SC-CPZL-01", "产品质量", "生产领域产品质量的监督抽查", "《中华人民共和国产品质量法》第十五条",
         m.ON_SITE, SAMR, ("产品标识标注是否规范", "是否生产国家明令淘汰的产品", "出厂检验记录"), "产品质量"),
        ("SC-GG-01", "广告", "广告发布行为的检查", "《中华人民共和国广告法》第四十九条",
         m.ONLINE, SAMR, ("广告内容是否含有绝对化用语", "医疗、药品等广告是否经审查", "广告是否具有可识别性"), "广告"),
        ("SC-JL-01", "计量", "计量器具使用的检查", "《中华人民共和国计量法》第九条",
         m.ON_SITE, SAMR, ("强制检定计量器具是否按期检定", "是否使用不合格计量器具"), "计量"),
        ("SC-YLQX-01", "药品医疗器械", "医疗器械经营企业的检查", "《医疗器械监督管理条例》第七十条",
         m.ON_SITE, SAMR, ("经营备案或许可是否有效", "进货查验记录", "储存条件是否符合要求"), "药品医疗器械"),
        ("SC-WLJY-01", "网络交易", "网络交易经营者的检查", "《中华人民共和国电子商务法》第十五条",
         m.ONLINE, SAMR, ("是否在首页显著位置亮照亮证", "商品信息是否真实"), ""),
        ("YJ-AQSC-01", "安全生产", "工贸企业安全生产的检查", "《中华人民共和国安全生产法》第六十五条",
         m.ON_SITE, "威海市应急管理局", ("安全生产责任制落实", "隐患排查治理台账", "应急预案与演练"), "安全生产"),
        ("HJ-PW-01", "生态环境", "排污单位排污许可执行情况的检查", "《排污许可管理条例》第二十六条",
         m.ON_SITE, "威海市生态环境局", ("是否持证排污", "自行监测是否开展", "台账记录是否完整"), "生态环境"),
        ("SW-DYYF-01", "商务执法", "单用途商业预付卡的检查", "《单用途商业预付卡管理办法（试行）》第三十五条",
         m.ON_SITE, "威海市商务局", ("是否按规定备案", "预收资金是否按规定存管"), "商务执法"),
        ("WL-LXS-01", "文化市场", "旅行社经营行为的检查", "《旅行社条例》第四十一条",
         m.ON_SITE, "威海市文化和旅游局", ("旅行社业务经营许可证", "是否与游客签订书面合同"), "文化市场"),
    ]
    applies = {  # item code: (GB/T 4754 prefixes, tags)
        "SC-SP-01": (("F5212", "F5213", "F5124", "F522"), (FOOD,)),
        "SC-SP-02": (("H62",), ()),
        "SC-TSSB-01": ((), (SPECIAL_EQUIPMENT,)),
        "SC-CPZL-01": (("C",), ()),
        "SC-GG-01": (("L725",), ()),
        "SC-JL-01": ((), (MEASURING,)),
        "SC-YLQX-01": (("F5254",), (MEDICAL_DEVICES,)),
        "SC-WLJY-01": ((), (ONLINE,)),
        "YJ-AQSC-01": (("C", "F51"), ()),
        "HJ-PW-01": ((), (DISCHARGE,)),
        "SW-DYYF-01": ((), (PREPAID,)),
        "WL-LXS-01": (("L7291",), ()),
    }
    return [InspectionItem(*row, *applies.get(row[0], ((), ()))) for row in rows]


def _weighted(rng: random.Random, pairs: Sequence[tuple[V, int]]) -> Iterator[V]:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    while True:
        yield from rng.choices(values, weights, k=1024)


def _org_bodies(rng: random.Random) -> Iterator[str]:
    """Distinct eight-digit organisation code bodies in a scrambled but collision-free order.

    An affine map i ↦ (a·i + b) mod 10⁸ with a coprime to 10⁸ is a permutation, so bodies never
    repeat within the first 10⁸ entities and need no set to check against.
    """
    a = rng.randrange(1, 10**8) | 1
    while a % 5 == 0:
        a += 2
    b = rng.randrange(10**8)
    i = 0
    while True:
        yield f"{(a * i + b) % 10**8:08d}"
        i += 1


def _place(district: str, places: random.Random) -> tuple[float, float]:
    """A plausible position of a registered address in ``district`` (WGS 84, 6 places)."""
    lat, lon = _CENTRES[district]
    return (round(places.gauss(lat, _SPREAD_DEGREES), 6),
            round(places.gauss(lon, _SPREAD_DEGREES * 1.25), 6))  # a degree east is shorter here


def demo_entities(count: int, rng: random.Random, places: random.Random | None = None) -> list[Entity]:
    """``count`` entities drawn from ``rng``; their registered coordinates come from ``places``
    alone (none without it), so adding them changed nothing else the seed gives."""
    districts = _weighted(rng, tuple(zip(DISTRICTS, _DISTRICT_WEIGHTS)))
    industries = _weighted(rng, tuple(zip(INDUSTRIES, _INDUSTRY_WEIGHTS)))
    grades = _weighted(rng, RISK_MIX)
    statuses = _weighted(rng, _STATUS_MIX)
    bodies = _org_bodies(rng)
    entities: list[Entity] = []
    for district, industry, grade, status, body in islice(
        zip(districts, industries, grades, statuses, bodies), count
    ):
        d_name, d_short, d_code, streets = district
        i_name, trades = industry
        stem, industry_code, tag_shares = rng.choice(trades)
        tags = tuple(tag for tag, share in tag_shares if rng.random() < share)
        individual = stem in ("小吃店", "便利店", "洗浴", "汽车维修") and rng.random() < 0.7
        if individual:
            owner = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
            name = f"{d_short}{owner}{stem}"
            kind = "2"  # 个体工商户
        else:
            brand = "".join(rng.sample(_BRAND_CHARS, 2))
            prefix = CITY if rng.random() < 0.6 else d_short
            name = f"{prefix}{brand}{stem}有限公司"
            kind = "1"
        address = f"山东省{CITY}{d_name}{rng.choice(streets)}{rng.randint(1, 399)}号"
        code = make_credit_code("9", kind, d_code, body)
        lat, lon = _place(d_name, places) if places is not None else (None, None)
        entities.append(Entity(code, name, address, d_name, i_name, grade, status, industry_code, tags,
                               lat, lon))
    return entities


def demo_inspectors(count: int, rng: random.Random) -> list[Inspector]:
    depts = _weighted(rng, tuple((d, share) for d in DEPARTMENTS for share in [d[2]]))
    inspectors = []
    for n, dept in enumerate(islice(depts, count), start=1):
        d_name, quals, _ = dept
        held = tuple(q for q in quals if rng.random() < 0.6) or (quals[0],)
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        inspectors.append(
            Inspector(
                id=f"WH{n:05d}",
                name=name,
                department=d_name,
                badge_no=f"3710{rng.randint(0, 99):02d}{rng.randint(0, 99999):05d}",
                qualifications=held,
                active=rng.random() > 0.05,
            )
        )
    return inspectors


def generate(entities: int = 2000, inspectors: int | None = None, seed: int = 2026) -> DemoDirectory:
    """The demo directory; ``inspectors`` defaults to about one per 15 entities (40 to 5,000)."""
    if entities < 0:
        raise ValueError("entities must be ≥ 0")
    rng = random.Random(seed)
    n_inspectors = inspectors if inspectors is not None else max(40, min(5000, entities // 15))
    items = demo_items()
    # The coordinates have a random source of their own: the main stream (and every draw,
    # team and test pinned on the demo's data) stays what it was before they existed.
    ents = demo_entities(entities, rng, random.Random(f"{seed}/coordinates"))
    staff = demo_inspectors(n_inspectors, rng)
    if ents and staff:
        # A few 回避 (conflict of interest) relations, as real directories carry.
        for i in rng.sample(range(len(staff)), k=min(len(staff), 10)):
            conflict = tuple(e.credit_code for e in rng.sample(ents, k=min(2, len(ents))))
            old = staff[i]
            staff[i] = Inspector(old.id, old.name, old.department, old.badge_no,
                                 old.qualifications, old.active, conflict)
    return DemoDirectory(items, ents, staff)


# --- the year's office half (issue 26) -------------------------------------------------------

ELEVATOR_ITEM = InspectionItem(
    "SC-TSSB-02", "特种设备使用", "电梯使用单位安全管理的检查", "《中华人民共和国特种设备安全法》第四十二条、第五十七条",
    InspectionMethod.ON_SITE, SAMR,
    ("电梯使用标志与定期检验合格证明", "维护保养合同与记录", "安全管理人员持证", "应急救援演练记录"),
    "特种设备", tags=(SPECIAL_EQUIPMENT,), specialty="电梯检验")
"""The demo's item that needs a 专业技术人员: an elevator inspector checks what an officer cannot."""

EXPERT_SPECIALTIES = (("电梯检验",), ("电梯检验",), ("电梯检验", "压力容器检验"), ("计量检定",),
                      ("电梯检验",), ("食品检验",))


def county_bureau(region: str) -> str:
    """The county market regulator of a district, by its short name (环翠区市场监督管理局)."""
    short = next(d[1] for d in DISTRICTS if d[0] == region)
    return f"{short}市场监督管理局"


@dataclass(frozen=True)
class YearDirectory:
    """What a city's year needs beyond the two directories of :func:`generate`: its departments
    by level and region, each county bureau's officers, the city's 专业技术人员, and an item that
    needs one of them."""

    departments: list[Department]
    staff: list[Inspector]
    items: list[InspectionItem]


def year_directory(seed: int = 2026) -> YearDirectory:
    """The demo city's departments (its five, and one market regulator per district under the
    city's), four to six officers per county bureau and six experts of the city. A random source
    of its own: :func:`generate`'s output is the same with or without it."""
    rng = random.Random(f"{seed}/year")
    departments = [Department(name, DepartmentLevel.CITY, CITY) for name, _, _ in DEPARTMENTS]
    departments += [Department(county_bureau(d[0]), DepartmentLevel.COUNTY, d[0], SAMR)
                    for d in DISTRICTS]
    staff: list[Inspector] = []
    quals = DEPARTMENTS[0][1]
    for n, (region, *_rest) in enumerate(DISTRICTS, start=1):
        for k in range(rng.randint(4, 6)):
            staff.append(Inspector(
                id=f"WX{n:02d}{k + 1:02d}", name=rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2)),
                department=county_bureau(region),
                badge_no=f"3710{n:02d}{rng.randint(0, 99999):05d}",
                # every county officer here may check special equipment: the city's 市抽县查
                # of elevators needs two in each district
                qualifications=("特种设备", *(q for q in quals if q != "特种设备" and rng.random() < 0.6))))
    for n, specialties in enumerate(EXPERT_SPECIALTIES, start=1):
        staff.append(Inspector(
            id=f"ZJ{n:03d}", name=rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, 2)),
            department=SAMR, badge_no=f"特检证{rng.randint(10000, 99999)}",
            qualifications=specialties, kind=StaffKind.EXPERT))
    return YearDirectory(departments, staff, [ELEVATOR_ITEM])
