#!/usr/bin/env python3
"""Write Sunlight's sample data: eight fictional estates in Shanghai.

    .venv/bin/python scripts/sample_data.py

Everything under data/estates/ is deleted and written again. The script is the record of
how the sample was made:

* every estate is described once below (one ``Spec`` per estate: its profile, committee,
  fees, assemblies, repair projects and the shape of its common income);
* the numbers that follow from others (statement closings, per-building ledgers, vote
  counts, budget actuals) are computed with ``Decimal`` so they reconcile to the cent;
* variation comes from ``random.Random`` seeded with the estate id, so a rerun writes the
  same bytes;
* the figures of the two sample estates in domain.md (梅林新村, 滨江华庭) are
  pinned and asserted, and every estate rule the validator checks is asserted here too.

All estates, companies and people are fictional; names are masked (张*明) and nothing
identifies a household: building numbers only, never a room.

Warnings the sample raises on purpose (as of 2026-11-20):
* repair-fund-floor — 梅林新村: five buildings end below 30% of their first-raised fund
  after the 2025 roof waterproofing;
* disclosure-fresh — 兰桂花园: common income published only up to 2026Q1;
* fee-band — 苓园小区: the 售后公房 fee raised to 0.85 元/㎡·月 in 2025, above the usual band.

The districts' packages (data/districts/, deleted and written again too) follow from the
estates: 杨浦区 lists 苓园小区 for supervision (open since 2026-05-12, visited every month;
its fee collection is below 80 %), 徐汇区 listed 康馨苑 and delisted it on 2026-01-15; each
district's company pool holds its estates' companies, and 上海江庭物业服务有限公司 serves
both 滨江华庭 and 兰桂花园 (one credit code in both contracts and in 浦东新区's pool).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import random
import re
import shutil
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SCHEMAS = DATA / "schemas"
ESTATES_DIR = DATA / "estates"

# The sample is written as if published on this day: nothing is dated later.
AS_OF = dt.date(2026, 11, 20)
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][:11]  # ..2026Q3
HALVES = ["2024H1", "2024H2", "2025H1", "2025H2", "2026H1"]
YEARS_WITH_ACTUALS = (2024, 2025)

# Table order in datapackage.yaml; the resource name is the schema file's stem.
RESOURCES = [
    "estate",
    "committees",
    "members",
    "member_events",
    "meetings",
    "resolutions",
    "common_income",
    "common_income_lines",
    "repair_fund",
    "repair_projects",
    "budgets",
    "audits",
    "contract",
    "fees",
    "service_standards",
    "work_orders",
    "evaluations",
    "fee_collection",
    "priority_task",
    "priority_progress",
    "contacts",
]

VOTING_ROLES = ("主任", "副主任", "委员")
# CC 278 items 6-8 need three quarters of those voting; the rest more than half.
THREE_QUARTER_MATTERS = ("筹集维修资金", "改建重建", "改变共有部分用途")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CN_QUARTER = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


# ---------------------------------------------------------------------------------------
# Small helpers: money, apportioning, dates, periods
# ---------------------------------------------------------------------------------------


def D(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(value) -> Decimal:
    return D(value).quantize(CENT, ROUND_HALF_UP)


def round_to(value, step) -> Decimal:
    """Round to a multiple of ``step`` (half up), two decimals: 12345.67 → 12300.00."""
    step = D(step)
    return cents((D(value) / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


def ceil_to(value, step) -> Decimal:
    step = D(step)
    return cents((D(value) / step).quantize(Decimal(1), ROUND_CEILING) * step)


def apportion(total, weights) -> list[Decimal]:
    """Split ``total`` yuan over ``weights`` in whole cents that sum exactly to ``total``.

    Largest-remainder method: everyone gets the floor of their share, the cents left over
    go to the largest fractional parts (ties to the earlier item)."""
    total_cents = D(total) * 100
    assert total_cents == total_cents.to_integral_value(), total
    total_cents = int(total_cents)
    ws = [Fraction(str(w)) for w in weights]
    whole = sum(ws)
    if total_cents == 0 or whole == 0:
        assert total_cents == 0, "cannot apportion money over zero weights"
        return [ZERO for _ in ws]
    raw = [total_cents * w / whole for w in ws]
    base = [math.floor(r) for r in raw]
    left = total_cents - sum(base)
    for i in sorted(range(len(ws)), key=lambda i: (-(raw[i] - base[i]), i))[:left]:
        base[i] += 1
    return [Decimal(b).scaleb(-2) for b in base]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def plus(d: dt.date, days: int) -> dt.date:
    return d + dt.timedelta(days=days)


def quarter_end(q: str) -> dt.date:
    year, n = int(q[:4]), int(q[5])
    return dt.date(year, 3 * n, 31 if n in (1, 4) else 30)


def quarter_of(d: dt.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def half_end(h: str) -> dt.date:
    year = int(h[:4])
    return dt.date(year, 6, 30) if h[5] == "1" else dt.date(year, 12, 31)


def half_quarters(h: str) -> list[str]:
    year, n = h[:4], int(h[5])
    return [f"{year}Q{2 * n - 1}", f"{year}Q{2 * n}"]


def next_month(d: dt.date, dom: int) -> dt.date:
    """Day ``dom`` of the month after ``d`` (posting dates: within the month after)."""
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return dt.date(year, month, dom)


def months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def uniform(rng: random.Random, lo, hi) -> Decimal:
    """A random Decimal between lo and hi with four decimals (keeps Decimal arithmetic)."""
    return D(round(rng.uniform(float(lo), float(hi)), 4))


# ---------------------------------------------------------------------------------------
# How an estate is described
# ---------------------------------------------------------------------------------------


@dataclass
class Seat:
    """One line of a committee roster. ``person`` ties rows that are the same person
    (a member re-elected in the next term, or a 候补委员 who steps up)."""

    role: str
    party: bool = False
    rc: bool = False
    start: dt.date | None = None  # default: the term's start
    end: dt.date | None = None
    end_reason: str | None = None
    person: str | None = None


@dataclass
class Term:
    term_no: int
    election: dt.date
    filing: dt.date | None
    start: dt.date
    end: dt.date
    seats: int
    status: str
    roster: list[Seat]


@dataclass
class Vote:
    """A resolution of an owners' assembly. ``buildings`` None means the whole estate;
    otherwise only the owners of those buildings vote (using the fund of a building)."""

    key: str
    title: str
    matter: str
    buildings: list[str] | None = None
    passed: bool = True
    participation: tuple[float, float] = (0.70, 0.86)
    approval: tuple[float, float] | None = None
    fixed: tuple | None = (
        None  # owners_total, area_total, owners_voted, area_voted, owners_for, area_for
    )


@dataclass
class Assembly:
    date: dt.date
    votes: list[Vote]


@dataclass
class Project:
    """A repair paid from the maintenance fund, spent in ``half`` over ``buildings``
    (in proportion to floor area). ``contract`` None: worked out by the ledger."""

    project_id: str
    title: str
    buildings: list[str]
    vote_key: str
    half: str | None
    contract: Decimal | None
    status: str
    budget: Decimal | None = None
    appraised: Decimal | None = None
    scope: str | None = None


@dataclass
class Fee:
    fee_id: str
    unit_category: str
    package: str
    price: Decimal
    unit: str
    start: dt.date
    end: dt.date | None = None
    vote_key: str | None = None


@dataclass
class Contract:
    contract_id: str
    company: str
    fee_mode: str
    start: dt.date
    end: dt.date | None
    vote_key: str | None = None


@dataclass
class Income:
    """The shape of an estate's quarterly common income (amounts per quarter)."""

    parking_spaces: int
    parking_price: Decimal  # 元/位·月
    ads: Decimal = ZERO
    ads_desc: str = "宣传栏及道闸广告"
    rent: Decimal = ZERO
    rent_desc: str = ""
    lockers: Decimal = ZERO
    charging: Decimal = ZERO
    interest_rate: Decimal = Decimal("0.003")  # per quarter, on the balance
    cost_share: Decimal = Decimal("0.22")  # parking staff, as a share of parking income
    tax_rate: Decimal = Decimal("0.035")
    working_fund: Decimal = ZERO
    allowance: Decimal = ZERO
    allowance_desc: str = ""
    target: Decimal = ZERO  # the balance the committee keeps; the rest goes to the fund
    step: Decimal = Decimal(1000)  # transfers are round sums
    transfers_from: str = "2024Q1"


@dataclass
class WorkOrderCombo:
    channel: str
    category: str
    per_month: float
    hours: float


@dataclass
class Spec:
    estate_id: str
    name: str
    district: str
    street: str
    residents_committee: str
    property_type: str
    completion_year: int
    gfa: Decimal
    households: int
    multi: int  # multi-storey blocks, numbered first
    high: int  # high-rise blocks (with lifts)
    transfer_min_share: Decimal | None
    terms: list[Term]
    income: Income
    rf_initial: Decimal
    rf_ratio: tuple[float, float]  # 2024H1 opening as a share of the first-raised amount
    fees: list[Fee]
    contracts: list[Contract]
    assemblies: list[Assembly]
    projects: list[Project]
    work_orders: list[WorkOrderCombo]
    audit_firm: str | None  # None: the estate has no audit yet
    credit_admin: str  # district code inside the company's credit code
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (month, committee decision)
    special_events: list[tuple[str, str, str, str]] = field(default_factory=list)
    ci_opening: Decimal | None = None  # 2024Q1 opening when no quarter is pinned
    ci_last: str = "2026Q3"
    meeting_gap: tuple[int, int] | None = None  # None: monthly
    meetings_from: dt.date = dt.date(2024, 1, 1)
    building_overrides: dict[str, tuple[Decimal, int, Decimal]] = field(default_factory=dict)
    high_rise_size: float = 3.0  # a high-rise block relative to a multi-storey one


@dataclass
class Building:
    no: str
    high_rise: bool
    gfa: Decimal
    households: int
    exclusive: Decimal  # 专有部分面积, what owners vote with


# ---------------------------------------------------------------------------------------
# People: masked names
# ---------------------------------------------------------------------------------------

SURNAMES = (
    "张王李赵陈刘杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤"
)
GIVEN = "明华芳英军伟敏静丽强磊洋艳勇杰娟涛超霞平刚桂红兰萍国建忠秋月玲琴荣德海林斌峰燕"


def masked_name(rng: random.Random, used: set[str]) -> str:
    """张*明 (a three-character name) or 王* (two characters): the middle is never shown."""
    while True:
        name = rng.choice(SURNAMES) + "*"
        if rng.random() > 0.15:
            name += rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


# ---------------------------------------------------------------------------------------
# The eight estates
# ---------------------------------------------------------------------------------------


def roster(*lines: tuple) -> list[Seat]:
    """Compact roster notation: ("主任", "P", "RC") → Seat(role="主任", party, rc)."""
    seats = []
    for line in lines:
        role, *flags = line
        kwargs = {}
        for flag in flags:
            if flag == "P":
                kwargs["party"] = True
            elif flag == "RC":
                kwargs["rc"] = True
            elif isinstance(flag, dict):
                kwargs.update(flag)
        seats.append(Seat(role=role, **kwargs))
    return seats


def meilin_xincun() -> Spec:
    """梅林新村: the 售后公房 sample of domain.md, numbers pinned."""
    return Spec(
        estate_id="meilin-xincun",
        name="梅林新村",
        district="徐汇区",
        street="田林街道",
        residents_committee="梅林居委会",
        property_type="售后公房",
        completion_year=1992,
        gfa=D("78500.00"),
        households=1460,
        multi=28,
        high=0,
        transfer_min_share=D("0.5"),
        terms=[
            Term(
                3,
                day("2023-06-18"),
                day("2023-07-10"),
                day("2023-06-18"),
                day("2028-06-17"),
                7,
                "在任",
                roster(
                    ("主任", "P"),
                    ("副主任", "P", "RC"),
                    ("委员", "P"),
                    ("委员", "P"),
                    ("委员",),
                    ("委员",),
                    ("委员",),
                    ("执行秘书", {"start": day("2023-09-01")}),
                ),
            )
        ],
        income=Income(
            parking_spaces=180,
            parking_price=D(150),
            ads=D(6000),
            ads_desc="楼道及宣传栏广告",
            lockers=D(3600),
            charging=D(4800),
            interest_rate=D("0.0039"),
            cost_share=D("0.25"),
            tax_rate=D("0.042"),
            working_fund=D(4500),
            target=D(70000),
            step=D(500),
        ),
        rf_initial=D("2360000.00"),
        rf_ratio=(0, 0),  # ledger pinned at 2025H1, see meilin_ledger()
        fees=[
            Fee(
                "F01",
                "多层住宅",
                "基础包",
                D("0.45"),
                "元/㎡·月",
                day("2019-01-01"),
                day("2023-12-31"),
            ),
            Fee(
                "F02",
                "多层住宅",
                "基础包",
                D("0.60"),
                "元/㎡·月",
                day("2024-01-01"),
                None,
                "contract",
            ),
            Fee("F03", "地面停车", "单项", D("150.00"), "元/位·月", day("2021-01-01")),
        ],
        contracts=[
            Contract(
                "C2024",
                "上海梅苑物业管理有限公司",
                "包干制",
                day("2024-01-01"),
                day("2026-12-31"),
                "contract",
            )
        ],
        assemblies=[
            Assembly(day("2023-06-18"), [Vote("elect", "选举第三届业主委员会委员", "一般事项")]),
            Assembly(
                day("2023-11-18"),
                [
                    Vote(
                        "contract",
                        "选聘上海梅苑物业管理有限公司，物业服务费调整为0.60元/㎡·月（包干制）",
                        "一般事项",
                    )
                ],
            ),
            Assembly(
                day("2024-03-16"),
                [
                    Vote(
                        "p2401",
                        "二十三栋楼楼道窗及公共照明更新使用专项维修资金",
                        "使用维修资金",
                        buildings=[],
                    )
                ],
            ),
            Assembly(
                day("2024-08-24"),
                [
                    Vote(
                        "p2402",
                        "二十三栋楼雨污水管道改造使用专项维修资金",
                        "使用维修资金",
                        buildings=[],
                    )
                ],
            ),
            Assembly(
                day("2025-03-15"),
                [
                    Vote(
                        "roof",
                        "3、8、14、19、25号楼屋面防水维修使用专项维修资金",
                        "使用维修资金",
                        buildings=["3", "8", "14", "19", "25"],
                    )
                ],
            ),
            Assembly(
                day("2026-09-12"),
                [
                    Vote(
                        "refill",
                        "3、8、14、19、25号楼续筹专项维修资金",
                        "筹集维修资金",
                        buildings=["3", "8", "14", "19", "25"],
                        approval=(0.80, 0.90),
                    )
                ],
            ),
        ],
        projects=[
            Project("P2024-01", "楼道窗及公共照明更新", [], "p2401", "2024H1", None, "已完工"),
            Project("P2024-02", "雨污水管道改造", [], "p2402", "2024H2", None, "已完工"),
            Project(
                "P2025-01",
                "屋面防水维修",
                ["3", "8", "14", "19", "25"],
                "roof",
                "2025H1",
                D("186000.00"),
                "已完工",
                budget=D("195000.00"),
                appraised=D("187200.00"),
                scope="3、8、14、19、25号楼",
            ),
        ],
        work_orders=[
            WorkOrderCombo("12345", "报修", 20, 50),
            WorkOrderCombo("物业报修", "报修", 55, 14),
            WorkOrderCombo("物业报修", "投诉", 6, 30),
        ],
        audit_firm="上海汇诚会计师事务所有限公司",
        credit_admin="310104",
        decisions=[
            ("2025-02", "同意将屋面防水维修方案提交3、8、14、19、25号楼业主表决"),
            ("2025-12", "通过2026年度公共收益及业委会工作经费预算草案，提交业主大会"),
        ],
        special_events=[
            ("M301", "2025-06-20", "表彰", "被评为田林街道优秀业委会主任"),
            ("M306", "2024-09-10", "谈话", "因连续两次缺席业委会会议，居民区党组织与其谈心谈话"),
        ],
    )


def binjiang_huating() -> Spec:
    """滨江华庭: the 商品房 sample of domain.md, numbers pinned."""
    return Spec(
        estate_id="binjiang-huating",
        name="滨江华庭",
        district="浦东新区",
        street="塘桥街道",
        residents_committee="滨江居委会",
        property_type="商品房",
        completion_year=2016,
        gfa=D("132000.00"),
        households=1120,
        multi=0,
        high=12,
        transfer_min_share=D("0.5"),
        terms=[
            Term(
                2,
                day("2022-03-20"),
                day("2022-04-08"),
                day("2022-03-20"),
                day("2027-03-19"),
                9,
                "在任",
                roster(
                    ("主任", "P"),
                    ("副主任", "P"),
                    ("副主任",),
                    ("委员", "P"),
                    ("委员", "P"),
                    ("委员", "P"),
                    ("委员", "RC"),
                    ("委员",),
                    ("委员",),
                    ("候补委员",),
                    ("候补委员",),
                ),
            )
        ],
        income=Income(
            parking_spaces=80,
            parking_price=D(300),
            ads=D(28800),
            ads_desc="电梯轿厢广告（36台）",
            rent=D(9600),
            rent_desc="会所一层商铺租金",
            lockers=D(4200),
            charging=D(3600),
            interest_rate=D("0.0028"),
            cost_share=D(1) / 6,
            tax_rate=D("0.0355"),
            working_fund=D(9000),
            allowance=D(9000),
            allowance_desc="委员津贴（9名委员）",
            target=D(235000),
        ),
        rf_initial=D("12540000.00"),
        rf_ratio=(0.90, 1.02),
        building_overrides={"3": (D("11300.00"), 96, D("9840.00"))},
        fees=[
            Fee(
                "F01", "高层住宅", "基础包", D("2.90"), "元/㎡·月", day("2023-01-01"), None, "menu"
            ),
            Fee(
                "F02", "高层住宅", "增值包", D("0.30"), "元/㎡·月", day("2023-01-01"), None, "menu"
            ),
            Fee("F03", "商铺", "基础包", D("6.00"), "元/㎡·月", day("2023-01-01"), None, "menu"),
            Fee(
                "F04", "地下停车", "单项", D("150.00"), "元/位·月", day("2023-01-01"), None, "menu"
            ),
        ],
        contracts=[
            Contract(
                "C2023",
                "上海江庭物业服务有限公司",
                "酬金制",
                day("2023-01-01"),
                day("2027-12-31"),
                "menu",
            )
        ],
        assemblies=[
            Assembly(
                day("2022-03-20"), [Vote("elect", "选举第二届业主委员会委员及候补委员", "一般事项")]
            ),
            Assembly(
                day("2022-11-26"),
                [
                    Vote(
                        "menu",
                        "选聘上海江庭物业服务有限公司（酬金制），通过物业服务收费菜单：高层住宅基础包2.90元、增值包0.30元",
                        "一般事项",
                    )
                ],
            ),
            Assembly(
                day("2024-05-18"),
                [
                    Vote(
                        "wall",
                        "7号楼、9号楼外墙渗漏维修使用专项维修资金",
                        "使用维修资金",
                        buildings=["7", "9"],
                    )
                ],
            ),
            Assembly(
                day("2025-04-19"),
                [
                    Vote(
                        "lift",
                        "3号楼电梯更新使用专项维修资金",
                        "使用维修资金",
                        buildings=["3"],
                        fixed=(96, D("9840.00"), 78, D("8120.00"), 70, D("7350.00")),
                    )
                ],
            ),
            Assembly(
                day("2026-06-13"),
                [
                    Vote(
                        "charger",
                        "地下车库增设新能源汽车充电设施（改变共有部分用途）",
                        "改变共有部分用途",
                        approval=(0.80, 0.88),
                    )
                ],
            ),
        ],
        projects=[
            Project(
                "P2024-01",
                "外墙渗漏维修",
                ["7", "9"],
                "wall",
                "2024H2",
                D("168600.00"),
                "已完工",
                budget=D("178000.00"),
                appraised=D("169300.00"),
                scope="7号楼、9号楼",
            ),
            Project(
                "P2025-01",
                "3号楼电梯更新",
                ["3"],
                "lift",
                "2025H2",
                D("243000.00"),
                "已完工",
                budget=D("252000.00"),
                appraised=D("243500.00"),
                scope="3号楼",
            ),
        ],
        work_orders=[
            WorkOrderCombo("12345", "投诉", 9, 60),
            WorkOrderCombo("物业报修", "报修", 48, 10),
            WorkOrderCombo("其他", "咨询", 12, 6),
        ],
        audit_firm="上海浦信会计师事务所（普通合伙）",
        credit_admin="310115",
        decisions=[
            ("2024-04", "同意委托第三方对7号楼、9号楼外墙渗漏维修方案审价"),
            ("2025-05", "同意与电梯更新施工单位签订合同，合同价243000元"),
        ],
        special_events=[
            ("M201", "2024-11-15", "表彰", "被评为浦东新区业委会规范化建设示范主任"),
            ("M210", "2022-03-20", "候选人储备", "当选候补委员，纳入委员候选人储备"),
            ("M211", "2022-03-20", "候选人储备", "当选候补委员，纳入委员候选人储备"),
        ],
    )


def pujin_jiayuan() -> Spec:
    """浦锦佳苑: 动迁安置房, large, committee re-elected in 2024 (9 → 11 seats)."""
    term2 = roster(
        ("主任", "P", {"person": "a"}),
        ("副主任", "P", "RC", {"person": "b"}),
        ("委员", "P", {"person": "c"}),
        ("委员", "P", {"person": "d"}),
        ("委员", {"person": "e"}),
        ("委员", {"person": "f"}),
        ("委员", {"person": "g"}),
        ("委员",),
        ("委员",),
    )
    for seat in term2:
        seat.end, seat.end_reason = day("2024-08-24"), "届满"
    term3 = roster(
        ("主任", "P", "RC", {"person": "b"}),
        ("副主任", "P", {"person": "c"}),
        ("副主任", {"person": "e"}),
        ("委员", "P", {"person": "d"}),
        ("委员", "P"),
        ("委员", "RC"),
        ("委员", {"person": "f"}),
        ("委员", {"person": "g"}),
        ("委员",),
        ("委员",),
        ("委员",),
        ("执行秘书", {"start": day("2024-10-01")}),
    )
    return Spec(
        estate_id="pujin-jiayuan",
        name="浦锦佳苑",
        district="闵行区",
        street="浦锦街道",
        residents_committee="佳苑居委会",
        property_type="动迁安置房",
        completion_year=2013,
        gfa=D("176400.00"),
        households=2260,
        multi=6,
        high=16,
        transfer_min_share=D("0.4"),
        terms=[
            Term(
                2,
                day("2019-08-10"),
                day("2019-09-03"),
                day("2019-08-25"),
                day("2024-08-24"),
                9,
                "已届满",
                term2,
            ),
            Term(
                3,
                day("2024-08-10"),
                day("2024-08-30"),
                day("2024-08-25"),
                day("2029-08-24"),
                11,
                "在任",
                term3,
            ),
        ],
        income=Income(
            parking_spaces=260,
            parking_price=D(100),
            ads=D(7500),
            rent=D(24000),
            rent_desc="沿街商铺租金",
            lockers=D(5400),
            charging=D(9600),
            cost_share=D("0.22"),
            working_fund=D(6000),
            allowance=D(6600),
            allowance_desc="委员津贴",
            target=D(120000),
        ),
        ci_opening=D("108640.55"),
        rf_initial=D("10584000.00"),
        rf_ratio=(0.70, 0.85),
        high_rise_size=2.4,
        fees=[
            Fee(
                "F01",
                "高层住宅",
                "基础包",
                D("0.80"),
                "元/㎡·月",
                day("2018-07-01"),
                day("2022-06-30"),
            ),
            Fee(
                "F02",
                "多层住宅",
                "基础包",
                D("0.55"),
                "元/㎡·月",
                day("2018-07-01"),
                day("2022-06-30"),
            ),
            Fee(
                "F03",
                "高层住宅",
                "基础包",
                D("0.95"),
                "元/㎡·月",
                day("2022-07-01"),
                None,
                "contract",
            ),
            Fee(
                "F04",
                "多层住宅",
                "基础包",
                D("0.65"),
                "元/㎡·月",
                day("2022-07-01"),
                None,
                "contract",
            ),
            Fee("F05", "地面停车", "单项", D("100.00"), "元/位·月", day("2020-01-01")),
        ],
        contracts=[
            Contract(
                "C2022",
                "上海锦程物业管理有限公司",
                "包干制",
                day("2022-07-01"),
                day("2027-06-30"),
                "contract",
            )
        ],
        assemblies=[
            Assembly(
                day("2022-05-21"),
                [
                    Vote(
                        "contract",
                        "续聘上海锦程物业管理有限公司并调整物业服务费（高层0.95元、多层0.65元）",
                        "一般事项",
                    )
                ],
            ),
            Assembly(
                day("2024-03-30"),
                [
                    Vote(
                        "roofs",
                        "1至6号楼屋面及外墙修缮使用专项维修资金",
                        "使用维修资金",
                        buildings=["1", "2", "3", "4", "5", "6"],
                    )
                ],
            ),
            Assembly(
                day("2024-08-10"),
                [
                    Vote("elect", "选举第三届业主委员会委员", "一般事项"),
                    Vote(
                        "rules",
                        "修订业主大会议事规则（公共收益净收益四成以上转入维修资金）",
                        "一般事项",
                    ),
                ],
            ),
            Assembly(
                day("2025-06-21"),
                [
                    Vote(
                        "hall",
                        "架空层改建为居民议事厅和老年活动室",
                        "改变共有部分用途",
                        approval=(0.80, 0.90),
                    ),
                    Vote(
                        "water",
                        "12至15号楼二次供水设施改造使用专项维修资金",
                        "使用维修资金",
                        buildings=["12", "13", "14", "15"],
                    ),
                ],
            ),
        ],
        projects=[
            Project(
                "P2024-01",
                "屋面及外墙修缮",
                ["1", "2", "3", "4", "5", "6"],
                "roofs",
                "2024H1",
                D("386500.00"),
                "已完工",
                scope="1至6号楼",
            ),
            Project(
                "P2025-01",
                "二次供水设施改造",
                ["12", "13", "14", "15"],
                "water",
                "2025H2",
                D("412000.00"),
                "已完工",
                scope="12至15号楼",
            ),
        ],
        work_orders=[
            WorkOrderCombo("12345", "报修", 16, 56),
            WorkOrderCombo("12345", "投诉", 8, 70),
            WorkOrderCombo("物业报修", "报修", 90, 16),
        ],
        audit_firm="上海申闵会计师事务所有限公司",
        credit_admin="310112",
        meeting_gap=(40, 58),
        decisions=[
            ("2024-09", "确认第三届业委会分工，聘任执行秘书"),
            ("2025-07", "同意架空层改建工程招标方案"),
        ],
        special_events=[
            ("M201", "2024-08-24", "退出", "任期届满，不再参选"),
            ("M208", "2024-08-24", "退出", "任期届满，不再参选"),
            ("M209", "2024-08-24", "退出", "任期届满，不再参选"),
            ("M301", "2025-11-20", "表彰", "被评为闵行区优秀业委会主任"),
        ],
    )


def lingyuan_xiaoqu() -> Spec:
    """苓园小区: a small 售后公房 estate (under 10,000 ㎡) with a three-seat committee."""
    return Spec(
        estate_id="lingyuan-xiaoqu",
        name="苓园小区",
        district="杨浦区",
        street="控江路街道",
        residents_committee="苓园居委会",
        property_type="售后公房",
        completion_year=1986,
        gfa=D("8200.00"),
        households=132,
        multi=4,
        high=0,
        transfer_min_share=None,
        terms=[
            Term(
                2,
                day("2022-04-23"),
                day("2022-05-12"),
                day("2022-04-23"),
                day("2027-04-22"),
                3,
                "在任",
                roster(("主任", "P", "RC"), ("副主任", "P"), ("委员",)),
            )
        ],
        income=Income(
            parking_spaces=20,
            parking_price=D(100),
            lockers=D(900),
            charging=D(1200),
            cost_share=D("0.20"),
            tax_rate=D("0.03"),
            working_fund=D(600),
            target=D(15000),
            step=D(100),
        ),
        ci_opening=D("13862.40"),
        rf_initial=D("246000.00"),
        rf_ratio=(0.50, 0.60),
        fees=[
            Fee(
                "F01",
                "多层住宅",
                "基础包",
                D("0.55"),
                "元/㎡·月",
                day("2021-01-01"),
                day("2025-06-30"),
            ),
            Fee(
                "F02",
                "多层住宅",
                "基础包",
                D("0.85"),
                "元/㎡·月",
                day("2025-07-01"),
                None,
                "fee2025",
            ),
            Fee("F03", "地面停车", "单项", D("100.00"), "元/位·月", day("2021-01-01")),
        ],
        contracts=[
            Contract(
                "C2021", "上海苓安物业管理有限公司", "包干制", day("2021-01-01"), day("2025-06-30")
            ),
            Contract(
                "C2025",
                "上海苓安物业管理有限公司",
                "包干制",
                day("2025-07-01"),
                day("2028-06-30"),
                "fee2025",
            ),
        ],
        assemblies=[
            Assembly(day("2022-04-23"), [Vote("elect", "选举第二届业主委员会委员", "一般事项")]),
            Assembly(
                day("2024-09-21"),
                [
                    Vote(
                        "pipes",
                        "1号楼、2号楼雨水管更换使用专项维修资金",
                        "使用维修资金",
                        buildings=["1", "2"],
                    )
                ],
            ),
            Assembly(
                day("2025-05-24"),
                [
                    Vote(
                        "fee2025",
                        "续聘上海苓安物业管理有限公司，物业服务费调整为0.85元/㎡·月",
                        "一般事项",
                        approval=(0.58, 0.66),
                    )
                ],
            ),
        ],
        projects=[
            Project(
                "P2024-01",
                "雨水管更换",
                ["1", "2"],
                "pipes",
                "2024H2",
                D("18600.00"),
                "已完工",
                scope="1号楼、2号楼",
            )
        ],
        work_orders=[
            WorkOrderCombo("12345", "报修", 2, 40),
            WorkOrderCombo("物业报修", "报修", 6, 12),
        ],
        audit_firm="上海同济会计师事务所有限公司",
        credit_admin="310110",
        meeting_gap=(42, 58),
        decisions=[("2025-04", "同意将物业服务费调整方案提交业主大会表决")],
    )


def xiangzhang_yayuan() -> Spec:
    """香樟雅苑: 商品房 whose first committee was elected in July 2025; no audit yet (the
    first one is owed 18 months into the term). Until then the property company kept the
    common income (代管), so nothing went to the fund before 2025Q4."""
    return Spec(
        estate_id="xiangzhang-yayuan",
        name="香樟雅苑",
        district="闵行区",
        street="梅陇镇",
        residents_committee="香樟居委会",
        property_type="商品房",
        completion_year=2019,
        gfa=D("98000.00"),
        households=860,
        multi=0,
        high=10,
        transfer_min_share=None,
        terms=[
            Term(
                1,
                day("2025-07-05"),
                day("2025-07-25"),
                day("2025-07-05"),
                day("2030-07-04"),
                7,
                "在任",
                roster(
                    ("主任", "P"),
                    ("副主任",),
                    ("委员", "P"),
                    ("委员", "P"),
                    ("委员",),
                    ("委员",),
                    ("委员",),
                    ("候补委员",),
                ),
            )
        ],
        income=Income(
            parking_spaces=50,
            parking_price=D(400),
            ads=D(14000),
            ads_desc="电梯轿厢广告（20台）",
            lockers=D(3000),
            charging=D(2400),
            cost_share=D("0.30"),
            working_fund=D(5000),
            target=D(100000),
            transfers_from="2025Q4",
        ),
        ci_opening=D("36218.70"),
        rf_initial=D("9800000.00"),
        rf_ratio=(1.02, 1.06),
        fees=[
            Fee(
                "F01",
                "高层住宅",
                "基础包",
                D("3.20"),
                "元/㎡·月",
                day("2019-06-01"),
                day("2025-12-31"),
            ),
            Fee(
                "F02",
                "高层住宅",
                "基础包",
                D("3.00"),
                "元/㎡·月",
                day("2026-01-01"),
                None,
                "contract",
            ),
            Fee("F03", "地下停车", "单项", D("200.00"), "元/位·月", day("2019-06-01")),
        ],
        contracts=[
            Contract(
                "C2019", "上海樟悦物业服务有限公司", "包干制", day("2019-06-01"), day("2025-12-31")
            ),
            Contract(
                "C2026",
                "上海樟悦物业服务有限公司",
                "包干制",
                day("2026-01-01"),
                day("2028-12-31"),
                "contract",
            ),
        ],
        assemblies=[
            Assembly(
                day("2025-07-05"),
                [
                    Vote("elect", "选举第一届业主委员会委员及候补委员", "一般事项"),
                    Vote("rules", "通过管理规约和业主大会议事规则", "一般事项"),
                ],
            ),
            Assembly(
                day("2025-11-15"),
                [
                    Vote(
                        "contract",
                        "续聘上海樟悦物业服务有限公司，物业服务费调整为3.00元/㎡·月",
                        "一般事项",
                    ),
                    Vote("budget", "通过2026年度公共收益收支预算", "一般事项"),
                ],
            ),
        ],
        projects=[],
        work_orders=[
            WorkOrderCombo("12345", "投诉", 7, 64),
            WorkOrderCombo("物业报修", "报修", 35, 9),
            WorkOrderCombo("物业报修", "咨询", 10, 4),
        ],
        audit_firm=None,
        credit_admin="310112",
        meetings_from=day("2025-07-08"),
        decisions=[
            ("2025-08", "同意开立公共收益共管账户，代管期间公共收益转入业主大会账户"),
            ("2025-09", "选聘会计师事务所对2025年度公共收益进行审计"),
        ],
        special_events=[("M108", "2025-07-05", "候选人储备", "当选候补委员，纳入委员候选人储备")],
    )


def langui_huayuan() -> Spec:
    """兰桂花园: 商品房 whose common income stops at 2026Q1 (overdue as of November 2026)."""
    return Spec(
        estate_id="langui-huayuan",
        name="兰桂花园",
        district="浦东新区",
        street="花木街道",
        residents_committee="兰桂居委会",
        property_type="商品房",
        completion_year=2003,
        gfa=D("102000.00"),
        households=1050,
        multi=10,
        high=6,
        transfer_min_share=None,
        terms=[
            Term(
                5,
                day("2023-04-22"),
                day("2023-05-16"),
                day("2023-04-22"),
                day("2028-04-21"),
                7,
                "在任",
                roster(
                    ("主任", "P"),
                    ("副主任", "P"),
                    ("副主任", "RC"),
                    ("委员", "P"),
                    ("委员",),
                    ("委员",),
                    ("委员",),
                ),
            )
        ],
        income=Income(
            parking_spaces=120,
            parking_price=D(200),
            ads=D(9000),
            rent=D(6000),
            rent_desc="会所用房租金",
            lockers=D(3000),
            charging=D(3600),
            cost_share=D("0.22"),
            working_fund=D(4000),
            allowance=D(3500),
            allowance_desc="委员津贴",
            target=D(80000),
        ),
        ci_opening=D("74315.20"),
        ci_last="2026Q1",
        rf_initial=D("5610000.00"),
        rf_ratio=(0.55, 0.75),
        fees=[
            Fee("F01", "多层住宅", "基础包", D("1.85"), "元/㎡·月", day("2020-01-01")),
            Fee("F02", "高层住宅", "基础包", D("2.60"), "元/㎡·月", day("2020-01-01")),
            Fee("F03", "地面停车", "单项", D("200.00"), "元/位·月", day("2020-01-01")),
        ],
        contracts=[
            Contract(
                "C2024",
                # The company 滨江华庭 hires too: one company serving two estates.
                "上海江庭物业服务有限公司",
                "包干制",
                day("2024-01-01"),
                day("2028-12-31"),
                "contract",
            )
        ],
        assemblies=[
            Assembly(day("2023-04-22"), [Vote("elect", "选举第五届业主委员会委员", "一般事项")]),
            Assembly(
                day("2023-10-14"),
                [
                    Vote(
                        "contract",
                        "续聘上海江庭物业服务有限公司（包干制，收费标准不变）",
                        "一般事项",
                    )
                ],
            ),
            Assembly(
                day("2024-06-15"),
                [
                    Vote(
                        "tanks",
                        "11号楼、13号楼屋顶水箱更换使用专项维修资金",
                        "使用维修资金",
                        buildings=["11", "13"],
                    )
                ],
            ),
            Assembly(
                day("2026-05-16"),
                [
                    Vote(
                        "shed",
                        "东侧绿地改建为非机动车停放及充电棚（改变共有部分用途）",
                        "改变共有部分用途",
                        passed=False,
                        approval=(0.66, 0.71),
                    )
                ],
            ),
        ],
        projects=[
            Project(
                "P2024-01",
                "屋顶水箱更换",
                ["11", "13"],
                "tanks",
                "2024H2",
                D("96400.00"),
                "已完工",
                scope="11号楼、13号楼",
            )
        ],
        work_orders=[
            WorkOrderCombo("12345", "报修", 10, 48),
            WorkOrderCombo("物业报修", "报修", 42, 12),
            WorkOrderCombo("12345", "投诉", 6, 66),
        ],
        audit_firm="上海花木会计师事务所有限公司",
        credit_admin="310115",
        decisions=[("2026-06", "业主大会表决未通过绿地改建方案，另行研究非机动车停放办法")],
        special_events=[
            ("M505", "2025-09-12", "谈话", "因多次缺席业委会会议，居民区党组织与其谈心谈话")
        ],
    )


def jiangwan_yueting() -> Spec:
    """江湾悦庭: 商品房 high-rise, 酬金制, a three-year term from 2024."""
    return Spec(
        estate_id="jiangwan-yueting",
        name="江湾悦庭",
        district="杨浦区",
        street="新江湾城街道",
        residents_committee="悦庭居委会",
        property_type="商品房",
        completion_year=2011,
        gfa=D("88000.00"),
        households=720,
        multi=0,
        high=9,
        transfer_min_share=D("0.3"),
        terms=[
            Term(
                4,
                day("2024-01-13"),
                day("2024-02-02"),
                day("2024-01-13"),
                day("2027-01-12"),
                9,
                "在任",
                roster(
                    ("主任", "P"),
                    ("副主任", "P"),
                    ("委员", "P"),
                    ("委员", "P"),
                    ("委员", "RC"),
                    ("委员",),
                    ("委员",),
                    ("委员",),
                    ("委员",),
                    ("执行秘书", {"start": day("2024-03-01")}),
                ),
            )
        ],
        income=Income(
            parking_spaces=60,
            parking_price=D(350),
            ads=D(20250),
            ads_desc="电梯轿厢广告（27台）",
            rent=D(12000),
            rent_desc="会所租金",
            lockers=D(3600),
            charging=D(2400),
            cost_share=D("0.20"),
            working_fund=D(6000),
            allowance=D(7200),
            allowance_desc="委员津贴（9名委员）",
            target=D(150000),
        ),
        ci_opening=D("142860.35"),
        rf_initial=D("7920000.00"),
        rf_ratio=(0.82, 0.95),
        fees=[
            Fee(
                "F01",
                "高层住宅",
                "基础包",
                D("3.30"),
                "元/㎡·月",
                day("2019-01-01"),
                day("2024-12-31"),
            ),
            Fee(
                "F02", "高层住宅", "基础包", D("3.60"), "元/㎡·月", day("2025-01-01"), None, "renew"
            ),
            Fee("F03", "地下停车", "单项", D("180.00"), "元/位·月", day("2019-01-01")),
        ],
        contracts=[
            Contract(
                "C2019", "上海悦江物业服务有限公司", "酬金制", day("2019-01-01"), day("2024-12-31")
            ),
            Contract(
                "C2025",
                "上海悦江物业服务有限公司",
                "酬金制",
                day("2025-01-01"),
                day("2027-12-31"),
                "renew",
            ),
        ],
        assemblies=[
            Assembly(day("2024-01-13"), [Vote("elect", "选举第四届业主委员会委员", "一般事项")]),
            Assembly(
                day("2024-10-19"),
                [
                    Vote(
                        "renew",
                        "续聘上海悦江物业服务有限公司（酬金制），物业服务费调整为3.60元/㎡·月",
                        "一般事项",
                        approval=(0.60, 0.70),
                    )
                ],
            ),
            Assembly(
                day("2025-09-20"),
                [
                    Vote(
                        "pumps",
                        "5号楼、6号楼消防水泵更换使用专项维修资金",
                        "使用维修资金",
                        buildings=["5", "6"],
                    )
                ],
            ),
            Assembly(
                day("2026-10-17"),
                [Vote("lights", "地下车库照明节能改造使用专项维修资金", "使用维修资金")],
            ),
        ],
        projects=[
            Project(
                "P2025-01",
                "消防水泵更换",
                ["5", "6"],
                "pumps",
                "2025H2",
                D("138800.00"),
                "已完工",
                scope="5号楼、6号楼",
            ),
            Project(
                "P2026-01",
                "地下车库照明节能改造",
                [],
                "lights",
                None,
                None,
                "已通过",
                budget=D("216000.00"),
                scope="全体楼栋地下车库",
            ),
        ],
        work_orders=[
            WorkOrderCombo("12345", "投诉", 5, 58),
            WorkOrderCombo("物业报修", "报修", 30, 8),
        ],
        audit_firm="上海江湾会计师事务所有限公司",
        credit_admin="310110",
        meetings_from=day("2024-01-13"),
        decisions=[
            ("2024-09", "同意将物业服务合同续聘方案提交业主大会表决"),
            ("2026-09", "同意地下车库照明节能改造方案提交业主大会表决"),
        ],
        special_events=[("M401", "2025-11-28", "表彰", "被评为杨浦区优秀业委会主任")],
    )


def kangxin_yuan() -> Spec:
    """康馨苑: 混合 (售后公房 multi-storey plus 商品房 high-rise); a member resigned in 2025
    and the 候补委员 stepped up."""
    seats = roster(
        ("主任", "P", "RC"),
        ("副主任", "P"),
        ("副主任",),
        ("委员", "P"),
        ("委员", "P"),
        ("委员", "P"),
        ("委员", "RC"),
        ("委员",),
        ("委员",),
        ("候补委员", {"person": "alt"}),
        ("执行秘书",),
    )
    seats[8].end, seats[8].end_reason = day("2025-03-31"), "辞职"
    # The April meeting confirms the resignation; the alternate steps up after it.
    seats[9].end, seats[9].end_reason = day("2025-04-25"), "其他"  # leaves the reserve: steps up
    seats.append(Seat("委员", start=day("2025-04-26"), person="alt"))
    return Spec(
        estate_id="kangxin-yuan",
        name="康馨苑",
        district="徐汇区",
        street="康健新村街道",
        residents_committee="康馨居委会",
        property_type="混合",
        completion_year=1998,
        gfa=D("86000.00"),
        households=1280,
        multi=14,
        high=6,
        transfer_min_share=None,
        terms=[
            Term(
                4,
                day("2023-11-25"),
                day("2023-12-15"),
                day("2023-11-25"),
                day("2028-11-24"),
                9,
                "在任",
                seats,
            )
        ],
        income=Income(
            parking_spaces=140,
            parking_price=D(150),
            ads=D(9000),
            rent=D(4500),
            rent_desc="门卫房旁小卖部租金",
            lockers=D(3600),
            charging=D(6000),
            cost_share=D("0.22"),
            working_fund=D(5000),
            target=D(60000),
            step=D(500),
        ),
        ci_opening=D("52780.90"),
        rf_initial=D("3870000.00"),
        rf_ratio=(0.58, 0.72),
        high_rise_size=2.4,
        fees=[
            Fee(
                "F01",
                "多层住宅",
                "基础包",
                D("0.75"),
                "元/㎡·月",
                day("2019-01-01"),
                day("2023-12-31"),
            ),
            Fee(
                "F02",
                "高层住宅",
                "基础包",
                D("1.50"),
                "元/㎡·月",
                day("2019-01-01"),
                day("2023-12-31"),
            ),
            Fee(
                "F03",
                "多层住宅",
                "基础包",
                D("0.90"),
                "元/㎡·月",
                day("2024-01-01"),
                None,
                "contract",
            ),
            Fee(
                "F04",
                "高层住宅",
                "基础包",
                D("1.80"),
                "元/㎡·月",
                day("2024-01-01"),
                None,
                "contract",
            ),
            Fee("F05", "地面停车", "单项", D("150.00"), "元/位·月", day("2019-01-01")),
        ],
        contracts=[
            Contract(
                "C2024",
                "上海康途物业管理有限公司",
                "包干制",
                day("2024-01-01"),
                day("2026-12-31"),
                "contract",
            )
        ],
        assemblies=[
            Assembly(
                day("2023-11-25"),
                [
                    Vote("elect", "选举第四届业主委员会委员及候补委员", "一般事项"),
                    Vote(
                        "contract",
                        "续聘上海康途物业管理有限公司，多层0.90元、高层1.80元/㎡·月",
                        "一般事项",
                    ),
                ],
            ),
            Assembly(
                day("2024-04-20"),
                [
                    Vote(
                        "walls",
                        "8号楼至10号楼外墙修缮使用专项维修资金",
                        "使用维修资金",
                        buildings=["8", "9", "10"],
                    )
                ],
            ),
            Assembly(
                day("2026-04-18"),
                [Vote("charter", "修订管理规约（电动自行车停放与充电管理）", "一般事项")],
            ),
        ],
        projects=[
            Project(
                "P2024-01",
                "外墙修缮",
                ["8", "9", "10"],
                "walls",
                "2024H2",
                D("98600.00"),
                "已完工",
                scope="8号楼至10号楼",
            )
        ],
        work_orders=[
            WorkOrderCombo("12345", "报修", 12, 52),
            WorkOrderCombo("物业报修", "报修", 50, 15),
            WorkOrderCombo("其他", "投诉", 4, 36),
        ],
        audit_firm="上海徐汇正信会计师事务所有限公司",
        credit_admin="310104",
        decisions=[
            ("2025-04", "确认委员辞职，候补委员递补为委员"),
            ("2026-03", "同意将管理规约修订草案提交业主大会表决"),
        ],
        special_events=[
            ("M409", "2025-03-31", "退出", "因工作调动本人申请辞去委员职务，经业委会会议确认"),
            ("M410", "2023-11-25", "候选人储备", "当选候补委员，纳入委员候选人储备"),
            ("M412", "2025-04-26", "谈话", "递补为委员，居民区党组织与其谈话"),
        ],
    )


SPECS = [
    meilin_xincun,
    binjiang_huating,
    pujin_jiayuan,
    lingyuan_xiaoqu,
    xiangzhang_yayuan,
    langui_huayuan,
    jiangwan_yueting,
    kangxin_yuan,
]


# ---------------------------------------------------------------------------------------
# Pinned figures of domain.md
# ---------------------------------------------------------------------------------------

PINNED_QUARTER = {
    "meilin-xincun": {
        "quarter": "2025Q1",
        "opening": D("46320.00"),
        "lines": [
            ("收入", "停车费", "地面停车位180个×150元×3个月", D("81000.00")),
            ("收入", "广告费", "楼道及宣传栏广告", D("6000.00")),
            ("收入", "快递柜", "智能快递柜场地使用费", D("3600.00")),
            ("收入", "充电桩", "电动自行车充电桩分成", D("4800.00")),
            ("收入", "利息", "公共收益账户利息", D("180.00")),
            ("支出", "合理成本", "停车管理人员劳务费", D("20250.00")),
            ("支出", "合理成本", "开具发票税费", D("4050.00")),
            ("支出", "转入维修资金", "转入专项维修资金账户", D("40000.00")),
            ("支出", "业委会工作经费", "业委会工作经费（第一季度）", D("4500.00")),
        ],
    },
    "binjiang-huating": {
        "quarter": "2025Q1",
        "opening": D("212450.00"),
        "lines": [
            ("收入", "停车费", "地面停车位80个×300元×3个月", D("72000.00")),
            ("收入", "广告费", "电梯轿厢广告（36台）", D("28800.00")),
            ("收入", "场地租金", "会所一层商铺租金", D("9600.00")),
            ("收入", "快递柜", "智能快递柜场地使用费", D("4200.00")),
            ("收入", "充电桩", "电动自行车充电桩分成", D("3600.00")),
            ("收入", "利息", "公共收益账户利息", D("600.00")),
            ("支出", "合理成本", "停车管理人员劳务费", D("12000.00")),
            ("支出", "合理成本", "开具发票税费", D("4200.00")),
            ("支出", "转入维修资金", "转入专项维修资金账户", D("55000.00")),
            ("支出", "业委会工作经费", "业委会工作经费（第一季度）", D("9000.00")),
            ("支出", "委员津贴", "委员津贴（9名委员）", D("9000.00")),
        ],
    },
}
# 梅林新村's 2025H1 fund receives 78,500 from common income: 40,000 (Q1) + 38,500 (Q2).
PINNED_TRANSFERS = {"meilin-xincun": {"2025Q2": D("38500.00")}}


# ---------------------------------------------------------------------------------------
# Buildings
# ---------------------------------------------------------------------------------------


def make_buildings(spec: Spec, rng: random.Random) -> list[Building]:
    """Blocks 1..n (multi-storey first), floor area and households apportioned exactly."""
    numbers = [str(i) for i in range(1, spec.multi + spec.high + 1)]
    high = {str(i) for i in range(spec.multi + 1, spec.multi + spec.high + 1)}
    free = [n for n in numbers if n not in spec.building_overrides]
    fixed_gfa = sum((o[0] for o in spec.building_overrides.values()), ZERO)
    fixed_hh = sum(o[1] for o in spec.building_overrides.values())
    weights = [uniform(rng, 0.85, 1.15) * D(spec.high_rise_size if n in high else 1) for n in free]
    gfa = dict(zip(free, apportion(spec.gfa - fixed_gfa, weights), strict=True))
    hh_weights = apportion(D(spec.households - fixed_hh), [gfa[n] for n in free])
    households = dict(
        zip(free, (int(h) for h in _whole(hh_weights, spec.households - fixed_hh)), strict=True)
    )
    out = []
    for n in numbers:
        if n in spec.building_overrides:
            g, h, excl = spec.building_overrides[n]
        else:
            g, h = gfa[n], households[n]
            excl = cents(g * (D("0.80") if n in high else D("0.86")))
        out.append(Building(n, n in high, g, h, excl))
    assert sum(b.gfa for b in out) == spec.gfa
    assert sum(b.households for b in out) == spec.households
    return out


def _whole(shares: list[Decimal], total: int) -> list[int]:
    """Whole numbers close to ``shares`` that add up to ``total`` (households per block)."""
    floors = [int(s) for s in shares]
    left = total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


# ---------------------------------------------------------------------------------------
# Committee: terms, members, events
# ---------------------------------------------------------------------------------------


@dataclass
class Member:
    member_id: str
    term_no: int
    name: str
    role: str
    party: bool
    rc: bool
    building: str | None
    start: dt.date
    end: dt.date | None
    end_reason: str | None

    @property
    def voting(self) -> bool:
        return self.role in VOTING_ROLES

    def in_post(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


def make_members(spec: Spec, buildings: list[Building], rng: random.Random) -> list[Member]:
    used: set[str] = set()
    people: dict[str, tuple[str, str]] = {}
    members = []
    for term in spec.terms:
        for i, seat in enumerate(term.roster, start=1):
            key = seat.person or f"{term.term_no}-{i}"
            if key not in people:
                building = None if seat.role == "执行秘书" else rng.choice(buildings).no
                people[key] = (masked_name(rng, used), building)
            name, building = people[key]
            members.append(
                Member(
                    member_id=f"M{term.term_no}{i:02d}",
                    term_no=term.term_no,
                    name=name,
                    role=seat.role,
                    party=seat.party,
                    rc=seat.rc,
                    building=building,
                    start=seat.start or term.start,
                    end=seat.end,
                    end_reason=seat.end_reason,
                )
            )
    return members


def voting_in_post(members: list[Member], d: dt.date) -> int:
    return sum(1 for m in members if m.voting and m.in_post(d))


def make_member_events(spec: Spec, members: list[Member], rng: random.Random) -> list[dict]:
    """Training every spring, an evaluation every December, plus the estate's own events."""
    events = []
    for year in (2024, 2025, 2026):
        training = dt.date(year, 4, rng.randint(10, 26))
        for m in members:
            if m.in_post(training) and training <= AS_OF:
                what = "执行秘书业务培训" if m.role == "执行秘书" else "业委会委员履职能力培训"
                events.append((training, m.member_id, "培训", f"参加{spec.street}{what}"))
        if year == 2026:
            continue
        review = dt.date(year, 12, rng.randint(5, 20))
        for m in members:
            if m.voting and m.in_post(review):
                verdict = "称职" if rng.random() > 0.08 else "基本称职"
                events.append((review, m.member_id, "评估", f"{year}年度履职评估：{verdict}"))
    for member_id, date, kind, text in spec.special_events:
        events.append((day(date), member_id, kind, text))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [
        {
            "event_id": f"E{i:03d}",
            "member_id": mid,
            "event_date": d,
            "event_type": kind,
            "description": text,
        }
        for i, (d, mid, kind, text) in enumerate(events, start=1)
    ]


# ---------------------------------------------------------------------------------------
# Meetings and resolutions
# ---------------------------------------------------------------------------------------

QUARTER_TOPIC = {
    1: "审议{y0}年第四季度公共收益收支情况及下半年维修资金分户账",
    4: "审议{y}年第一季度公共收益收支情况",
    7: "审议{y}年第二季度公共收益收支情况及上半年维修资金分户账",
    10: "审议{y}年第三季度公共收益收支情况",
}
OTHER_TOPICS = [
    "听取物业服务企业月度工作汇报",
    "研究小区停车管理办法",
    "研究电动自行车集中充电设施管理",
    "研究汛期防汛和高温安全工作",
    "研究楼道堆物和消防通道整治",
    "讨论年度预算编制",
    "研究绿化补种方案",
    "审议业委会工作经费使用情况",
    "研究垃圾分类箱房管理",
    "研究业主大会会议筹备工作",
    "讨论物业服务评价结果整改",
    "研究高空抛物防范宣传",
]
JOINT_TOPICS = {
    3: "三驾马车联席会议：研究{y}年度小区治理重点工作",
    7: "三驾马车联席会议：研究汛期安全和停车管理",
    11: "三驾马车联席会议：通报物业服务评价情况",
}


def committee_meeting_dates(spec: Spec, rng: random.Random) -> list[dt.date]:
    """Committee meetings: monthly (``meeting_gap`` None), or every six to eight weeks;
    never more than 62 days apart, at most one a month, the last in October or November."""
    last_day = plus(AS_OF, -4)  # its decisions are posted by the as-of day
    dates = []
    if spec.meeting_gap is None:
        for month in months(spec.meetings_from.isoformat()[:7], last_day.isoformat()[:7]):
            d = min(day(f"{month}-{rng.randint(6, 24):02d}"), last_day)
            if d >= spec.meetings_from:
                dates.append(d)
    else:
        d = plus(spec.meetings_from, rng.randint(3, 12))
        while d <= last_day:
            dates.append(d)
            d = plus(d, rng.randint(*spec.meeting_gap))
        if dates[-1] < dt.date(2026, 10, 1):
            dates.append(min(plus(dates[-1], 45), last_day))
    assert len({d.isoformat()[:7] for d in dates}) == len(dates), spec.estate_id
    return dates


def make_meetings(spec, members, buildings, rng):
    """All meetings and resolutions; returns (meetings, resolutions, vote_ids)."""
    meetings: list[dict] = []
    pending: list[tuple] = []  # (date, order, meeting_id, title, matter, numbers, passed, key)

    # Committee meetings.
    seen_months: set[tuple[int, int]] = set()
    decisions = dict(spec.decisions)
    for d in committee_meeting_dates(spec, rng):
        meeting_id = f"{d.year}-{d.month:02d}"
        total = voting_in_post(members, d)
        absent = rng.choice([0, 0, 0, 1, 1, 2])
        present = max(total - absent, total // 2 + 1)
        if (d.year, d.month) not in seen_months and d.month in QUARTER_TOPIC:
            topic = QUARTER_TOPIC[d.month].format(y=d.year, y0=d.year - 1)
        else:
            topic = rng.choice(OTHER_TOPICS)
        # A decision planned for a month goes to the first meeting in or after it.
        for month in sorted(m for m in decisions if m <= f"{d.year}-{d.month:02d}"):
            topic += "；" + decisions[month]
            pending.append((d, 1, meeting_id, decisions.pop(month), "业委会决定", None, True, None))
        seen_months.add((d.year, d.month))
        meetings.append(
            {
                "meeting_id": meeting_id,
                "meeting_type": "业委会",
                "meeting_date": d,
                "members_total": total,
                "members_present": present,
                "topic": topic,
                "posted_date": plus(d, rng.randint(1, 3)),
            }
        )
    assert not decisions, f"{spec.estate_id}: no committee meeting in {sorted(decisions)}"

    # Owners' assemblies.
    by_no = {b.no: b for b in buildings}
    per_year = {}
    for assembly in spec.assemblies:
        d = assembly.date
        per_year[d.year] = per_year.get(d.year, 0) + 1
        meeting_id = f"{d.year}-A{per_year[d.year]}"
        titles = "；".join(v.title for v in assembly.votes)
        meetings.append(
            {
                "meeting_id": meeting_id,
                "meeting_type": "业主大会",
                "meeting_date": d,
                "members_total": None,
                "members_present": None,
                "topic": f"业主大会会议表决：{titles}",
                "posted_date": plus(d, rng.randint(1, 3)),
            }
        )
        for order, vote in enumerate(assembly.votes, start=2):
            scope = [by_no[n] for n in vote.buildings] if vote.buildings else buildings
            numbers = vote.fixed or vote_numbers(vote, scope, rng)
            pending.append(
                (d, order, meeting_id, vote.title, vote.matter, numbers, vote.passed, vote.key)
            )

    # Joint meetings of the three carriages (居委会, 业委会, 物业), three a year.
    committee_from = min(t.start for t in spec.terms)
    for year in (2024, 2025, 2026):
        n = 0
        for month, topic in JOINT_TOPICS.items():
            d = dt.date(year, month, rng.randint(8, 18))
            if d < max(committee_from, spec.meetings_from) or d > plus(AS_OF, -4):
                continue
            n += 1
            meetings.append(
                {
                    "meeting_id": f"{year}-J{n}",
                    "meeting_type": "联席会议",
                    "meeting_date": d,
                    "members_total": None,
                    "members_present": None,
                    "topic": topic.format(y=year),
                    "posted_date": plus(d, rng.randint(1, 3)),
                }
            )

    # Resolution ids in date order within each year: R2025-01, R2025-02, ...
    resolutions, vote_ids, per_year = [], {}, {}
    for d, _, meeting_id, title, matter, numbers, passed, key in sorted(
        pending, key=lambda p: (p[0], p[1], p[2])
    ):
        per_year[d.year] = per_year.get(d.year, 0) + 1
        rid = f"R{d.year}-{per_year[d.year]:02d}"
        if key:
            vote_ids[key] = rid
        ot, at, ov, av, of, af = numbers or (None,) * 6
        resolutions.append(
            {
                "resolution_id": rid,
                "meeting_id": meeting_id,
                "title": title,
                "matter": matter,
                "owners_total": ot,
                "area_total_m2": at,
                "owners_voted": ov,
                "area_voted": av,
                "owners_for": of,
                "area_for": af,
                "passed": passed,
            }
        )
        if numbers:
            assert threshold_passed(matter, numbers) == passed, (spec.estate_id, title, numbers)
    meetings.sort(key=lambda m: (m["meeting_date"], m["meeting_id"]))
    return meetings, resolutions, vote_ids


def threshold_passed(matter: str, numbers: tuple) -> bool:
    """CC 278: two thirds of owners and of area take part; more than half (three quarters
    for items 6-8) of those voting agree, by headcount and by area."""
    ot, at, ov, av, of, af = (Fraction(str(x)) for x in numbers)
    took_part = ov >= ot * Fraction(2, 3) and av >= at * Fraction(2, 3)
    if matter in THREE_QUARTER_MATTERS:
        agreed = of >= ov * Fraction(3, 4) and af >= av * Fraction(3, 4)
    else:
        agreed = of > ov / 2 and af > av / 2
    return took_part and agreed


def vote_numbers(vote: Vote, scope: list[Building], rng: random.Random) -> tuple:
    """Plausible counts, kept at least a couple of points away from every threshold."""
    owners = sum(b.households for b in scope)
    area = sum((b.exclusive for b in scope), ZERO)
    special = vote.matter in THREE_QUARTER_MATTERS
    approval = vote.approval or ((0.80, 0.92) if special else (0.66, 0.93))
    floor = 0.75 if special else 0.5
    for _ in range(1000):
        p = rng.uniform(*vote.participation)
        pa = p + rng.uniform(-0.02, 0.02)
        a = rng.uniform(*approval)
        aa = a + rng.uniform(-0.015, 0.015)
        ov = math.ceil(owners * p)
        av = cents(area * D(round(pa, 4)))
        of = round(ov * a)
        af = cents(av * D(round(aa, 4)))
        shares = [ov / owners, float(av / area)]
        agree = [of / ov, float(af / av)]
        clear = all(s >= 2 / 3 + 0.015 for s in shares) and all(
            abs(x - floor) >= 0.02 for x in agree
        )
        if clear:
            return owners, area, ov, av, of, af
    raise AssertionError(f"no clear vote for {vote.title}")


# ---------------------------------------------------------------------------------------
# Common income: quarterly statements and their lines
# ---------------------------------------------------------------------------------------

OTHER_INCOME = ["废旧物资回收收入", "公共区域拍摄场地使用费", "临时摆摊场地使用费"]
OTHER_SPENDING = [
    "公共区域绿化补种",
    "小区公告栏更新",
    "消防通道标线重新施划",
    "公共座椅维修",
    "防汛物资购置",
]


def quarter_flows(
    spec: Spec, q: str, balance: Decimal, assemblies_in_q: int, rng: random.Random
) -> list[tuple]:
    """Income, cost and other-spending lines of one quarter (the transfer comes later)."""
    inc = spec.income
    year, n = int(q[:4]), int(q[5])
    growth = {2024: D("0.95"), 2025: D(1), 2026: D("1.04")}[year]
    lines = []
    used = inc.parking_spaces - rng.randint(0, max(1, inc.parking_spaces // 12))
    parking = cents(used * inc.parking_price * 3)
    lines.append(("收入", "停车费", f"地面停车位{used}个×{inc.parking_price:.0f}元×3个月", parking))
    if inc.ads:
        lines.append(("收入", "广告费", inc.ads_desc, round_to(inc.ads * growth, 50)))
    if inc.rent:
        lines.append(("收入", "场地租金", inc.rent_desc, round_to(inc.rent * growth, 100)))
    if inc.lockers:
        lines.append(("收入", "快递柜", "智能快递柜场地使用费", round_to(inc.lockers * growth, 50)))
    if inc.charging:
        season = {1: D("0.85"), 2: D("1.0"), 3: D("1.2"), 4: D("0.95")}[n]
        lines.append(
            (
                "收入",
                "充电桩",
                "电动自行车充电桩分成",
                round_to(inc.charging * season * uniform(rng, 0.92, 1.08), 10),
            )
        )
    if rng.random() < 0.12:
        lines.append(
            ("收入", "其他收入", rng.choice(OTHER_INCOME), round_to(rng.uniform(400, 3000), 10))
        )
    lines.append(
        (
            "收入",
            "利息",
            "公共收益账户利息",
            cents(balance * inc.interest_rate * uniform(rng, 0.9, 1.1)),
        )
    )
    earned = sum((line[3] for line in lines if line[1] != "利息"), ZERO)
    lines.append(("支出", "合理成本", "停车管理人员劳务费", round_to(parking * inc.cost_share, 10)))
    lines.append(("支出", "合理成本", "开具发票税费", round_to(earned * inc.tax_rate, 10)))
    committee = min(t.start for t in spec.terms)
    if quarter_end(q) >= committee:
        if inc.working_fund:
            lines.append(
                ("支出", "业委会工作经费", f"业委会工作经费（{CN_QUARTER[n]}）", inc.working_fund)
            )
        if inc.allowance:
            lines.append(("支出", "委员津贴", inc.allowance_desc, inc.allowance))
    if assemblies_in_q:
        lines.append(
            (
                "支出",
                "其他支出",
                "业主大会会议组织费用（公告、表决票印制）",
                round_to(rng.uniform(800, 2600) * assemblies_in_q, 100),
            )
        )
    elif rng.random() < 0.25:
        lines.append(
            ("支出", "其他支出", rng.choice(OTHER_SPENDING), round_to(rng.uniform(1000, 5000), 100))
        )
    return lines


def totals(lines: list[tuple]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    def total(pred):
        return sum((line[3] for line in lines if pred(line)), ZERO)

    income = total(lambda line: line[0] == "收入")
    cost = total(lambda line: line[1] == "合理成本")
    transfer = total(lambda line: line[1] == "转入维修资金")
    other = total(lambda line: line[0] == "支出" and line[1] not in ("合理成本", "转入维修资金"))
    return income, cost, transfer, other


def minimum_transfer(spec: Spec, income: Decimal, cost: Decimal) -> Decimal:
    share = spec.transfer_min_share or ZERO
    return max(ZERO, ceil_to(share * (income - cost), 100))


def make_common_income(spec: Spec, rng: random.Random) -> tuple[list[dict], dict[str, list[tuple]]]:
    """Statements 2024Q1..2026Q3. The transfer to the maintenance fund is what the
    committee decides each quarter: the quarter's net result, corrected halfway towards the
    balance it keeps (``Income.target``), never less than the estate's rule requires. A
    pinned quarter (domain.md) is fixed; the quarters before it are worked out backwards
    from its opening balance (opening = closing − income + cost + transfer + other)."""
    inc = spec.income
    pinned = PINNED_QUARTER.get(spec.estate_id)
    fixed_transfers = PINNED_TRANSFERS.get(spec.estate_id, {})
    assemblies = {}
    for a in spec.assemblies:
        assemblies[quarter_of(a.date)] = assemblies.get(quarter_of(a.date), 0) + 1

    def transfer_line(amount):
        return ("支出", "转入维修资金", "转入专项维修资金账户", amount)

    statements: dict[str, tuple[Decimal, list[tuple]]] = {}  # quarter -> (opening, lines)
    start = QUARTERS.index(pinned["quarter"]) if pinned else 0

    # Forward from the pinned quarter (or from 2024Q1).
    opening = pinned["opening"] if pinned else spec.ci_opening
    for q in QUARTERS[start:]:
        if pinned and q == pinned["quarter"]:
            lines = list(pinned["lines"])
        else:
            lines = quarter_flows(spec, q, opening, assemblies.get(q, 0), rng)
            income, cost, _, other = totals(lines)
            if q in fixed_transfers:
                transfer = fixed_transfers[q]
            elif q < inc.transfers_from:
                transfer = ZERO
            else:  # the quarter's net result, plus half of what the balance is above target
                target = inc.target * uniform(rng, 0.9, 1.1)
                transfer = round_to(income - cost - other + (opening - target) / 2, inc.step)
                transfer = max(transfer, minimum_transfer(spec, income, cost), ZERO)
            if transfer:
                lines.append(transfer_line(transfer))
        statements[q] = (opening, lines)
        income, cost, transfer, other = totals(lines)
        opening = opening + income - cost - transfer - other

    # Backward from the pinned quarter: opening = closing − income + cost + transfer + other.
    closing = pinned["opening"] if pinned else None
    for q in reversed(QUARTERS[:start]):
        lines = quarter_flows(spec, q, closing, assemblies.get(q, 0), rng)
        income, cost, _, other = totals(lines)
        target = inc.target * uniform(rng, 0.9, 1.1)
        transfer = round_to(income - cost - other + (target - closing) / 2, inc.step)
        transfer = max(transfer, minimum_transfer(spec, income, cost), ZERO)
        lines.append(transfer_line(transfer))
        opening = closing - income + cost + transfer + other
        statements[q] = (opening, lines)
        closing = opening

    rows, all_lines = [], {}
    for q in QUARTERS:
        opening, lines = statements[q]
        order = {"收入": 0, "合理成本": 1, "转入维修资金": 2}
        lines.sort(key=lambda line: order.get(line[0], order.get(line[1], 3)))
        income, cost, transfer, other = totals(lines)
        closing = opening + income - cost - transfer - other
        assert opening >= 0 and closing >= 0, (spec.estate_id, q, opening, closing)
        rows.append(
            {
                "quarter": q,
                "opening_yuan": opening,
                "income_yuan": income,
                "cost_yuan": cost,
                "transfer_to_fund_yuan": transfer,
                "other_spending_yuan": other,
                "closing_yuan": closing,
                "posted_date": next_month(quarter_end(q), rng.randint(8, 25)),
            }
        )
        all_lines[q] = lines
    return rows, all_lines


# ---------------------------------------------------------------------------------------
# Maintenance fund: per building, per half-year
# ---------------------------------------------------------------------------------------


def fund_row(h, b, initial, opening, from_ci, interest, spent, posted) -> dict:
    return {
        "period": h,
        "building_no": b.no,
        "initial_raised_yuan": initial,
        "opening_yuan": opening,
        "deposits_yuan": ZERO,
        "from_common_income_yuan": from_ci,
        "interest_yuan": interest,
        "spent_yuan": spent,
        "closing_yuan": opening + from_ci + interest - spent,
        "posted_date": posted,
    }


def project_spending(
    projects: list[Project], h: str, buildings: list[Building]
) -> dict[str, Decimal]:
    spent = {b.no: ZERO for b in buildings}
    by_no = {b.no: b for b in buildings}
    for p in projects:
        if p.half == h and p.contract is not None:
            for no, amount in zip(
                p.buildings, apportion(p.contract, [by_no[n].gfa for n in p.buildings]), strict=True
            ):
                spent[no] += amount
    return spent


def make_repair_fund(
    spec: Spec, buildings: list[Building], from_ci: dict[str, Decimal], rng
) -> list[dict]:
    """Forward from a 2024H1 opening balance somewhere in ``rf_ratio`` of the first amount."""
    gfa = [b.gfa for b in buildings]
    initial = dict(zip((b.no for b in buildings), apportion(spec.rf_initial, gfa), strict=True))
    opening = {b.no: cents(initial[b.no] * uniform(rng, *spec.rf_ratio)) for b in buildings}
    rows = []
    for h in HALVES:
        rate = uniform(rng, 0.0068, 0.0078)
        transfer = dict(zip((b.no for b in buildings), apportion(from_ci[h], gfa), strict=True))
        spent = project_spending(spec.projects, h, buildings)
        posted = next_month(half_end(h), rng.randint(10, 25))
        for b in buildings:
            row = fund_row(
                h,
                b,
                initial[b.no],
                opening[b.no],
                transfer[b.no],
                cents(opening[b.no] * rate),
                spent[b.no],
                posted,
            )
            rows.append(row)
            opening[b.no] = row["closing_yuan"]
    return rows


MEILIN_ROOFS = ["3", "8", "14", "19", "25"]


def meilin_ledger(
    spec: Spec, buildings: list[Building], from_ci: dict[str, Decimal], rng
) -> list[dict]:
    """梅林新村's ledger is pinned at 2025H1 (domain.md): first raised 2,360,000; opening
    812,400; from common income 78,500; interest 6,100; spent 186,000 on roofs; closing
    711,000. The roof buildings end far below 30% of what they first raised, the others
    stay just above it. 2024 is worked out backwards: the other buildings paid for stairwell
    lighting (2024H1) and drains (2024H2), which is why their balances were this low."""
    by_no = {b.no: b for b in buildings}
    nos = [b.no for b in buildings]
    gfa = [b.gfa for b in buildings]
    initial = dict(zip(nos, apportion(spec.rf_initial, gfa), strict=True))
    others = [n for n in nos if n not in MEILIN_ROOFS]
    ledger: dict[str, dict[str, dict]] = {}

    # 2025H1: choose the closing balances, then opening = closing − in + spent.
    h = "2025H1"
    transfer = dict(zip(nos, apportion(D("78500.00"), gfa), strict=True))
    interest = dict(zip(nos, apportion(D("6100.00"), gfa), strict=True))
    spent = project_spending(spec.projects, h, buildings)
    closing = {n: cents(initial[n] * uniform(rng, 0.08, 0.12)) for n in MEILIN_ROOFS}
    rest = D("711000.00") - sum(closing.values())
    closing.update(
        zip(
            others,
            apportion(rest, [initial[n] * uniform(rng, 0.997, 1.003) for n in others]),
            strict=True,
        )
    )
    posted = {hh: next_month(half_end(hh), rng.randint(10, 25)) for hh in HALVES}
    ledger[h] = {}
    for n in nos:
        opening = closing[n] - transfer[n] - interest[n] + spent[n]
        ledger[h][n] = fund_row(
            h, by_no[n], initial[n], opening, transfer[n], interest[n], spent[n], posted[h]
        )

    # 2024H2 and 2024H1, backwards: the other buildings' repairs keep them above 30%.
    after = "2025H1"
    for h, project in (("2024H2", spec.projects[1]), ("2024H1", spec.projects[0])):
        transfer = dict(zip(nos, apportion(from_ci[h], gfa), strict=True))
        ledger[h] = {}
        for n in nos:
            close = ledger[after][n]["opening_yuan"]
            intr = cents(close * D("0.0072"))
            spend = ZERO
            if n in others:
                target = cents(initial[n] * uniform(rng, 0.312, 0.325))
                spend = max(ZERO, ceil_to(target - close + transfer[n] + intr, 10))
            opening = close - transfer[n] - intr + spend
            ledger[h][n] = fund_row(
                h, by_no[n], initial[n], opening, transfer[n], intr, spend, posted[h]
            )
        project.buildings = [n for n in nos if ledger[h][n]["spent_yuan"] > 0]
        project.contract = sum((ledger[h][n]["spent_yuan"] for n in nos), ZERO)
        project.budget = round_to(project.contract * D("1.06"), 1000)
        project.appraised = round_to(project.contract * D("1.01"), 100)
        project.scope = f"{len(project.buildings)}栋楼（屋面防水维修的5栋楼除外）"
        after = h

    # 2025H2 and 2026H1, forwards, with nothing spent.
    before = "2025H1"
    for h in ("2025H2", "2026H1"):
        transfer = dict(zip(nos, apportion(from_ci[h], gfa), strict=True))
        ledger[h] = {}
        for n in nos:
            opening = ledger[before][n]["closing_yuan"]
            ledger[h][n] = fund_row(
                h,
                by_no[n],
                initial[n],
                opening,
                transfer[n],
                cents(opening * D("0.0074")),
                ZERO,
                posted[h],
            )
        before = h
    return [ledger[h][n] for h in HALVES for n in nos]


# ---------------------------------------------------------------------------------------
# Budgets, audits, contract, fees, standards, work orders, evaluations
# ---------------------------------------------------------------------------------------

BUDGET_ITEM = {
    "停车费": "停车费收入",
    "广告费": "广告费收入",
    "场地租金": "场地租金收入",
    "快递柜": "快递柜收入",
    "充电桩": "充电桩收入",
    "利息": "利息收入",
    "其他收入": "其他收入",
    "合理成本": "合理成本",
    "转入维修资金": "转入维修资金",
    "业委会工作经费": "业委会工作经费",
    "委员津贴": "委员津贴",
    "其他支出": "其他支出",
}
WORKING_FUND_ITEMS = [
    ("办公及通讯", 0.30),
    ("会议及公示", 0.30),
    ("培训及学习", 0.15),
    ("审计及法律咨询", 0.25),
]


def make_budgets(spec, lines, fund_rows, rng) -> list[dict]:
    """Budgets for 2024-2026. The actuals of 2024 and 2025 are the sums of what was
    published (statement lines, fund ledger, projects); the budget is what the committee
    expected, within about ten per cent; 2026 has budgets only, based on 2025."""
    actual: dict[tuple[int, str, str], Decimal] = {}

    def add(year, fund, item, amount):
        actual[(year, fund, item)] = actual.get((year, fund, item), ZERO) + amount

    for q, qlines in lines.items():
        for _, category, _, amount in qlines:
            add(int(q[:4]), "公共收益", BUDGET_ITEM[category], amount)
    for r in fund_rows:
        add(int(r["period"][:4]), "维修资金", "公共收益转入", r["from_common_income_yuan"])
        add(int(r["period"][:4]), "维修资金", "利息收入", r["interest_yuan"])
    for year in (2024, 2025):  # the working fund, by what it was spent on
        working = actual.get((year, "公共收益", "业委会工作经费"), ZERO)
        weights = [uniform(rng, w * 0.8, w * 1.2) for _, w in WORKING_FUND_ITEMS]
        for (item, _), amount in zip(WORKING_FUND_ITEMS, apportion(working, weights), strict=True):
            add(year, "业委会工作经费", item, amount)
    order = [*BUDGET_ITEM.values(), "公共收益转入", *(item for item, _ in WORKING_FUND_ITEMS)]
    funds = ["公共收益", "维修资金", "业委会工作经费"]
    keys = sorted(actual, key=lambda k: (k[0], funds.index(k[1]), order.index(k[2])))

    rows = []
    for year, fund, item in keys:
        amount = actual[(year, fund, item)]
        if amount == 0 or year not in YEARS_WITH_ACTUALS:
            continue
        budget = ZERO if item == "其他收入" else round_to(amount * uniform(rng, 0.9, 1.1), 100)
        rows.append(_budget(year, fund, item, budget, amount))
        if year == 2025 and item != "其他收入":
            rows.append(
                _budget(2026, fund, item, round_to(amount * uniform(rng, 1.0, 1.06), 100), None)
            )
    for p in spec.projects:
        year = int(p.half[:4]) if p.half else 2026
        done = year in YEARS_WITH_ACTUALS
        rows.append(
            _budget(year, "维修资金", f"使用：{p.title}", p.budget, p.contract if done else None)
        )
    return sorted(rows, key=lambda r: (r["fiscal_year"], funds.index(r["fund"])))


def _budget(year, fund, item, budget, actual) -> dict:
    return {
        "fiscal_year": year,
        "fund": fund,
        "line_item": item,
        "budget_yuan": budget,
        "actual_yuan": actual,
    }


def make_audits(spec: Spec, rng) -> list[dict]:
    rows = []
    for year in (2023, 2024, 2025):
        report = dt.date(year + 1, rng.choice([1, 2, 2, 3]), rng.randint(8, 24))
        posted = plus(report, rng.randint(5, 12))
        if spec.estate_id == "binjiang-huating" and year == 2024:  # domain.md
            report, posted = day("2025-02-20"), day("2025-03-01")
        rows.append(
            {
                "audit_id": f"A{year}",
                "audit_type": "年度审计",
                "scope": f"{year}年度公共收益、专项维修资金、业委会工作经费",
                "firm": spec.audit_firm,
                "report_date": report,
                "posted_from": posted,
                "posted_to": plus(posted, 30),
                "opinion": "无保留意见",
            }
        )
    outgoing = [t for t in spec.terms if t.status == "已届满"]
    for t in outgoing:  # a term change is audited too (SH 67)
        report = plus(t.end, rng.randint(20, 35))
        posted = plus(report, 7)
        rows.append(
            {
                "audit_id": f"A{t.end.year}-HJ",
                "audit_type": "换届审计",
                "scope": f"第{t.term_no}届业委会任期内公共收益、专项维修资金、业委会工作经费",
                "firm": spec.audit_firm,
                "report_date": report,
                "posted_from": posted,
                "posted_to": plus(posted, 31),
                "opinion": "无保留意见",
            }
        )
    return sorted(rows, key=lambda r: r["report_date"])


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code(rng: random.Random, admin: str) -> str:
    """A well-formed unified social credit code (GB 32100-2015) of a fictional company:
    9 (industry and commerce) 1 (enterprise), district code, organisation code with its
    GB 11714 check character, then the final check character."""
    body = "MA1" + "".join(
        rng.choice(USCC_CHARS[10:]) if i % 2 else rng.choice(USCC_CHARS) for i in range(5)
    )
    value = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)
    )
    check = 11 - value % 11
    org = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = "91" + admin + org
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


# A company keeps one credit code in every estate it serves (and in the district's pool).
COMPANY_CODES: dict[str, str] = {}


def make_contracts(spec, vote_ids, rng) -> list[dict]:
    codes: dict[str, str] = {}
    rows = []
    for c in spec.contracts:
        # Drawn whatever happens, so the estate's other random figures stay as they were.
        code = codes.setdefault(c.company, credit_code(rng, spec.credit_admin))
        code = codes[c.company] = COMPANY_CODES.setdefault(c.company, code)
        rows.append(
            {
                "contract_id": c.contract_id,
                "company_name": c.company,
                "credit_code": code,
                "fee_mode": c.fee_mode,
                "start_date": c.start,
                "end_date": c.end,
                "resolution_id": vote_ids[c.vote_key] if c.vote_key else None,
            }
        )
    return rows


def make_fees(spec, vote_ids) -> list[dict]:
    return [
        {
            "fee_id": f.fee_id,
            "unit_category": f.unit_category,
            "package": f.package,
            "price_yuan": f.price,
            "unit": f.unit,
            "effective_from": f.start,
            "effective_to": f.end,
            "resolution_id": vote_ids[f.vote_key] if f.vote_key else None,
        }
        for f in spec.fees
    ]


def make_service_standards(spec: Spec, rng) -> list[dict]:
    hh = spec.households
    lifts = spec.high > 0
    small = hh < 300
    cleaning = (
        (
            "大堂、电梯轿厢每日清洁两次；楼层通道每日清扫、每周拖洗两次；地下车库每周冲洗一次；"
            "生活垃圾每日定时清运，垃圾箱房每日冲洗消毒"
        )
        if lifts
        else (
            "道路每日清扫两次并巡回保洁；楼道每周拖扫两次，扶手、信报箱每周擦拭一次；"
            "生活垃圾每日定时清运，垃圾箱房每日冲洗消毒"
        )
    )
    security = (
        "出入口白天有人值守，夜间每两小时巡逻一次；外来车辆登记后放行；消防通道每日检查，堵塞当日清理"
        if small
        else "主出入口24小时值守，夜间每小时巡逻一次并签到；监控中心24小时有人值班；"
        "外来人员、车辆登记放行；消防通道每日检查"
    )
    facilities = (
        (
            "电梯由有资质单位每半月维保一次，困人报警后30分钟内到场救援；消防设施每月检查一次；"
            "二次供水水箱每半年清洗消毒一次并公示水质报告"
        )
        if lifts
        else (
            "消防设施每月检查一次并记录；二次供水水箱每半年清洗消毒一次并公示水质报告；"
            "路灯、楼道灯损坏三日内修复"
        )
    )
    items = [
        ("保洁", cleaning, "每日", max(1, round(hh / 170))),
        (
            "保绿",
            "草坪生长季每月修剪两次；乔灌木每年修剪两次；病虫害发现后三日内防治；枯死苗木一个月内补种",
            "每月",
            max(1, round(float(spec.gfa) / 35000)),
        ),
        ("保安", security, "每日", max(2, round(hh / 110))),
        ("保障", facilities, "每月", max(1, round(hh / 450))),
        (
            "维修",
            "一般报修30分钟内响应、24小时内修复；水管爆裂、停电等急修15分钟内到场；"
            "小修材料按公示价格收费，完工后三日内回访",
            "随时",
            max(1, round(hh / 350)),
        ),
        (
            "客服",
            "物业服务中心每日8:00至17:30对外服务，夜间及节假日设值班；收费标准、维修进度和投诉处理情况"
            "每月在公告栏公示；投诉两个工作日内答复",
            "每日",
            max(1, round(hh / 500)),
        ),
    ]
    rows = [
        {
            "standard_id": f"S{i:02d}",
            "item": item,
            "standard": text,
            "frequency": freq,
            "staff": staff,
            "effective_from": None,
        }
        for i, (item, text, freq, staff) in enumerate(items, start=1)
    ]
    if spec.estate_id == "jiangwan-yueting":
        # The 2025 fee rise (R2024-03) came with two more guards and a patrol every half
        # hour from the same day: 杨浦区's 质价双升 by a raised service standard.
        guards = next(r for r in rows if r["item"] == "保安")
        rows.append(
            dict(
                guards,
                standard_id=f"S{len(rows) + 1:02d}",
                standard=guards["standard"].replace("夜间每小时", "夜间每半小时"),
                staff=guards["staff"] + 2,
                effective_from=dt.date(2025, 1, 1),
            )
        )
    return rows


def make_work_orders(spec: Spec, rng) -> list[dict]:
    rows = []
    for month in months("2025-01", "2026-10"):
        summer = month[5:] in ("06", "07", "08")
        for combo in spec.work_orders:
            received = max(
                0, round(combo.per_month * rng.uniform(0.6, 1.4) * (1.25 if summer else 1))
            )
            closed = max(0, received - rng.choice([0, 0, 0, 1, 1, 2]))
            on_time = max(0, closed - rng.randint(0, max(0, closed // 8)))
            hours = round(combo.hours * rng.uniform(0.8, 1.2), 1) if received else None
            low = 80 if combo.channel == "12345" else 88  # hotline callers are harder to please
            satisfaction = round(rng.uniform(low, 99), 1) if closed else None
            if (
                spec.estate_id == "meilin-xincun"
                and month == "2025-01"
                and combo.channel == "12345"
            ):
                received, closed, on_time, hours, satisfaction = 23, 22, 20, 52.5, 91.3  # domain.md
            rows.append(
                {
                    "month": month,
                    "channel": combo.channel,
                    "category": combo.category,
                    "received": received,
                    "closed": closed,
                    "closed_on_time": on_time,
                    "avg_hours": hours,
                    "satisfaction_pct": satisfaction,
                }
            )
    return rows


EVALUATION_SUMMARY = {
    "业委会履职评估": [
        "会议记录完整，公示及时",
        "公共收益账目清楚，按季度公示",
        "会议按时召开，决定在三日内公告",
        "议事规则执行到位，业主意见答复及时",
    ],
    "物业服务评价": [
        "保洁、绿化到位，报修响应较快",
        "安全巡逻规范，车辆管理有序",
        "投诉处理有待加快，楼道保洁需加强",
        "服务中心公示规范，业主满意度稳定",
    ],
}
LIFT_SUMMARY = "电梯维保及时，困人救援到场较快"


def grade(score: float) -> str:
    return "优秀" if score >= 90 else "良好" if score >= 80 else "合格" if score >= 60 else "不合格"


def make_evaluations(spec: Spec, rng) -> list[dict]:
    committee_from = min(t.start for t in spec.terms)
    rows = []
    for year in (2024, 2025):
        for subject in ("业委会履职评估", "物业服务评价"):
            if subject == "业委会履职评估" and committee_from.year > year:
                continue  # no committee yet that year
            score = round(rng.uniform(76, 95), 1)
            evaluator = spec.street if subject == "业委会履职评估" else f"{spec.street}房管办"
            summaries = EVALUATION_SUMMARY[subject]
            if subject == "物业服务评价" and spec.high:
                summaries = [*summaries, LIFT_SUMMARY]
            rows.append(
                {
                    "period": str(year),
                    "subject": subject,
                    "evaluator": evaluator,
                    "score": score,
                    "grade": grade(score),
                    "summary": rng.choice(summaries),
                }
            )
    return rows


# ---------------------------------------------------------------------------------------
# Contacts: organisations only, never a person
# ---------------------------------------------------------------------------------------

# Each estate's block of fictional Shanghai numbers: landlines 021-5555<block><line>01 and
# the company's service line 400-555-0<block>01. The repeated 5555 makes the fiction plain.
PHONE_BLOCK = {
    "meilin-xincun": 1,
    "binjiang-huating": 2,
    "pujin-jiayuan": 3,
    "lingyuan-xiaoqu": 4,
    "xiangzhang-yayuan": 5,
    "langui-huayuan": 6,
    "jiangwan-yueting": 7,
    "kangxin-yuan": 8,
}
WEEKDAYS = "周一至周五"


def _phone_block(estate_id: str) -> int:
    """The sample estates' fixed digit; a synthetic city's estates (benchmarks/) get one
    from their id, so every estate of any city has well-formed public numbers."""
    if estate_id in PHONE_BLOCK:
        return PHONE_BLOCK[estate_id]
    return int(hashlib.sha256(estate_id.encode()).hexdigest(), 16) % 9 + 1


def landline(spec: Spec, line: int) -> str:
    return f"021-5555{_phone_block(spec.estate_id)}{line}01"


# ---------------------------------------------------------------------------------------
# 物业费收缴 and 攻坚第一题
# ---------------------------------------------------------------------------------------

# Quarters of fee collection published (2025Q1..2026Q3), and each estate's usual share of
# the fee collected (per cent). Old 售后公房 and 动迁安置房 estates collect less: 梅林新村
# and 浦锦佳苑 below 90 %, 苓园小区 below 80 % (the arrears trap of domain.md).
COLLECTION_QUARTERS = [q for q in QUARTERS if q >= "2025Q1"]
COLLECTION_RATE = {
    "meilin-xincun": 87.0,
    "binjiang-huating": 97.0,
    "pujin-jiayuan": 85.5,
    "lingyuan-xiaoqu": 76.5,
    "xiangzhang-yayuan": 95.5,
    "langui-huayuan": 93.0,
    "jiangwan-yueting": 96.0,
    "kangxin-yuan": 91.5,
}
TYPICAL_RATE = {
    "售后公房": (76.0, 93.0),
    "动迁安置房": (78.0, 94.0),
    "混合": (83.0, 96.0),
    "商品房": (86.0, 98.0),
}


def residential_price(spec: Spec, q: str) -> Decimal:
    """The mean basic-package price of the residential categories in force at the end of
    quarter ``q`` (元/㎡·月)."""
    end = quarter_end(q)
    prices = [
        f.price
        for f in spec.fees
        if f.unit_category in ("多层住宅", "高层住宅")
        and f.package == "基础包"
        and f.start <= end
        and (f.end is None or end <= f.end)
    ]
    return sum(prices, ZERO) / len(prices)


def make_fee_collection(spec: Spec, buildings: list[Building]) -> list[dict]:
    # Its own random stream: the estate's other figures stay as they were.
    rng = random.Random(f"sunlight:{spec.estate_id}:fee-collection")
    area = sum((b.exclusive for b in buildings), ZERO)
    # An estate of the synthetic city (benchmarks/synth_city.py) collects what its type
    # usually does: old public housing less, commercial estates more.
    usual = COLLECTION_RATE.get(spec.estate_id) or rng.uniform(*TYPICAL_RATE[spec.property_type])
    rows = []
    for q in COLLECTION_QUARTERS:
        billed = spec.households - rng.randint(0, max(1, spec.households // 100))
        due = cents(area * billed / spec.households * residential_price(spec, q) * 3)
        rate = D(usual + rng.uniform(-1.5, 1.5)) / 100
        paid = min(billed, int((billed * (rate + D(rng.uniform(-0.01, 0.01)))).to_integral_value()))
        rows.append(
            {
                "quarter": q,
                "households_billed": billed,
                "households_paid": paid,
                "amount_due_yuan": due,
                "amount_collected_yuan": cents(due * rate),
            }
        )
    return rows


def _task(tid, title, lead, set_date, target, status, done=None) -> dict:
    return {
        "task_id": tid,
        "title": title,
        "lead": lead,
        "set_date": day(set_date),
        "target_date": day(target),
        "status": status,
        "done_date": day(done) if done else None,
    }


def _notes(tid, *notes: tuple[str, str]) -> list[dict]:
    return [{"task_id": tid, "note_date": day(d), "note": text} for d, text in notes]


# 攻坚第一题 of six estates (江湾悦庭 and 浦锦佳苑 have named none): the problem, who leads,
# and progress notes. Leads are organisations and roles, never a person.
PRIORITY: dict[str, tuple[list[dict], list[dict]]] = {
    "meilin-xincun": (
        [
            _task(
                "T2025-1",
                "非机动车集中充电车棚不足，楼道内充电隐患大",
                "业委会、物业服务中心",
                "2025-03-15",
                "2025-09-30",
                "已完成",
                "2025-08-28",
            ),
            _task(
                "T2026-1",
                "5 栋楼维修资金低于首期的 30%，需要续筹",
                "业委会、居委会",
                "2026-03-12",
                "2026-12-31",
                "进行中",
            ),
        ],
        _notes(
            "T2025-1",
            ("2025-05-10", "新增 2 处充电车棚的位置经业委会会议通过"),
            ("2025-08-28", "两处车棚建成启用，共 120 个充电位"),
        )
        + _notes(
            "T2026-1",
            ("2026-04-20", "物业服务中心测算各楼续筹金额，在联席会议上通报"),
            ("2026-07-15", "5 栋楼的楼组长会议完成，续筹方案张贴在各楼门口"),
            ("2026-10-18", "续筹方案提交业主大会表决，12 月公布结果"),
        ),
    ),
    "binjiang-huating": (
        [
            _task(
                "T2026-1",
                "地下车库 B2 层渗水，雨季积水",
                "物业服务中心、业委会",
                "2026-04-08",
                "2027-03-31",
                "进行中",
            )
        ],
        _notes(
            "T2026-1",
            ("2026-05-20", "委托检测单位完成渗漏点排查，共 9 处"),
            ("2026-09-12", "维修方案和预算在联席会议上讨论通过，准备申请使用维修资金"),
        ),
    ),
    "lingyuan-xiaoqu": (
        [
            _task(
                "T2026-1",
                "物业费收缴率低于八成，保洁和维修跟不上",
                "居委会、业委会、物业服务中心",
                "2026-05-20",
                "2027-06-30",
                "进行中",
            )
        ],
        _notes(
            "T2026-1",
            ("2026-06-25", "居委会、业委会和物业服务中心分片走访欠费户，听取意见"),
            ("2026-09-03", "公布保洁、维修服务清单和每月完成情况"),
            ("2026-11-05", "第三季度起每月在公告栏公布收缴情况，欠费户逐户回访"),
        ),
    ),
    "xiangzhang-yayuan": (
        [
            _task(
                "T2026-1",
                "东门早晚高峰人车混行",
                "业委会、物业服务中心",
                "2026-02-26",
                "2026-10-31",
                "已完成",
                "2026-09-30",
            )
        ],
        _notes(
            "T2026-1",
            ("2026-04-16", "人车分流方案在小区公示 15 天，无异议"),
            ("2026-09-30", "东门人行通道和车行道改造完成"),
        ),
    ),
    "langui-huayuan": (
        [
            _task(
                "T2026-1",
                "公共收益台账没有按季度公示",
                "业委会、物业服务中心",
                "2026-08-18",
                "2026-12-31",
                "进行中",
            )
        ],
        _notes(
            "T2026-1",
            ("2026-09-22", "物业服务中心整理 2026 年第二季度停车收入票据"),
        ),
    ),
    "kangxin-yuan": (
        [
            _task(
                "T2025-1",
                "楼道堆物严重，消防通道堵塞",
                "居委会、业委会、物业服务中心",
                "2025-04-02",
                "2025-12-31",
                "已完成",
                "2025-12-20",
            )
        ],
        _notes(
            "T2025-1",
            ("2025-05-30", "完成 20 栋楼的楼道堆物登记，逐户告知清理期限"),
            ("2025-09-26", "清理楼道堆物 14 栋，消防通道划线"),
            ("2025-12-20", "全部楼道清理完成，街道房管办验收"),
        ),
    ),
}


# ---------------------------------------------------------------------------------------
# The districts' packages: supervision lists and company pools
# ---------------------------------------------------------------------------------------

DISTRICT_SCHEMAS = SCHEMAS / "districts"
DISTRICTS_DIR = DATA / "districts"
DISTRICT_RESOURCES = ["supervision", "supervision_visits", "company_pool"]


def make_districts() -> dict[str, tuple[str, dict[str, list[dict]]]]:
    """slug → (title, tables). 苓园小区 is listed (open, visited monthly), 康馨苑 was
    listed and delisted; each district's pool holds its estates' companies, one of them
    removed. Credit codes are the ones the contracts carry."""
    codes = COMPANY_CODES

    def pool(company, listed, removed=None, why=None) -> dict:
        return {
            "credit_code": codes[company],
            "company_name": company,
            "listed_date": day(listed),
            "removed_date": day(removed) if removed else None,
            "removed_reason": why,
        }

    yangpu_visits = [
        ("2026-05-20", "查看公共区域保洁和报修台账，督促物业服务中心公布服务清单"),
        ("2026-06-18", "参加三方联席会议，听取欠费户意见"),
        ("2026-07-16", "检查楼道和绿化保洁，抽查 10 张报修单"),
        ("2026-08-13", "查看物业费收缴台账和欠费户走访记录"),
        ("2026-09-10", "检查服务清单公示情况，抽查保洁记录"),
        ("2026-10-09", "参加业委会会议，督促公示第三季度收缴情况"),
        ("2026-11-05", "查看第三季度收缴情况和整改台账"),
    ]
    xuhui_visits = [
        (plus(day("2025-04-03"), 28 * i).isoformat(), text)
        for i, text in enumerate(
            [
                "检查楼道堆物和消防通道",
                "督促业委会按月召开会议",
                "检查楼道堆物清理进度",
                "查看业委会会议记录",
                "检查消防通道划线",
                "检查楼道堆物清理进度",
                "参加联席会议",
                "检查楼道清理和消防设施",
                "复查整改情况",
                "查看业委会会议记录",
                "摘牌前验收：楼道清理和消防通道",
            ]
        )
    ]
    return {
        "yangpu": (
            "杨浦区",
            {
                "supervision": [
                    {
                        "listing_id": "YP-2026-03",
                        "estate_id": "lingyuan-xiaoqu",
                        "listed_date": day("2026-05-12"),
                        "reason": "后进小区：物业费收缴率连续三个季度低于八成，公共区域保洁和维修不到位",
                        "unit": "杨浦区房屋管理局物业管理科",
                        "delisted_date": None,
                        "delisted_reason": None,
                    }
                ],
                "supervision_visits": [
                    {"listing_id": "YP-2026-03", "visit_date": day(d), "checked": c}
                    for d, c in yangpu_visits
                ],
                "company_pool": [
                    pool("上海悦江物业服务有限公司", "2024-01-01"),
                    pool(
                        "上海苓安物业管理有限公司",
                        "2024-01-01",
                        "2026-06-30",
                        "所服务小区被挂牌督办，年度考评不合格",
                    ),
                ],
            },
        ),
        "xuhui": (
            "徐汇区",
            {
                "supervision": [
                    {
                        "listing_id": "XH-2025-07",
                        "estate_id": "kangxin-yuan",
                        "listed_date": day("2025-03-20"),
                        "reason": "后进小区：楼道堆物严重、消防通道堵塞，业委会会议长期不足法定人数",
                        "unit": "徐汇区房屋管理局物业管理科",
                        "delisted_date": day("2026-01-15"),
                        "delisted_reason": "完成楼道堆物清理和消防通道整治，业委会恢复按月开会",
                    }
                ],
                "supervision_visits": [
                    {"listing_id": "XH-2025-07", "visit_date": day(d), "checked": c}
                    for d, c in xuhui_visits
                ],
                "company_pool": [
                    pool("上海梅苑物业管理有限公司", "2025-01-01"),
                    pool("上海康途物业管理有限公司", "2025-01-01"),
                ],
            },
        ),
        "pudong": (
            "浦东新区",
            {
                "company_pool": [pool("上海江庭物业服务有限公司", "2023-06-01")],
            },
        ),
        "minhang": (
            "闵行区",
            {
                "company_pool": [
                    pool("上海锦程物业管理有限公司", "2024-07-01"),
                    pool("上海樟悦物业服务有限公司", "2024-07-01"),
                ],
            },
        ),
    }


def check_districts(districts: dict, specs: list[Spec]) -> None:
    """The district rules, asserted: listed estates exist in the district, dates in order,
    the open listing visited at most 30 days apart, pool entries with valid codes."""
    where = {s.estate_id: s.district for s in specs}
    for slug, (title, t) in districts.items():
        listings = {r["listing_id"]: r for r in t.get("supervision", [])}
        for r in listings.values():
            assert where[r["estate_id"]] == title, (slug, r)
            assert r["listed_date"] <= (r["delisted_date"] or AS_OF) <= AS_OF, r
            assert (r["delisted_date"] is None) == (r["delisted_reason"] is None), r
            visits = sorted(
                v["visit_date"]
                for v in t["supervision_visits"]
                if v["listing_id"] == r["listing_id"]
            )
            end = r["delisted_date"] or AS_OF
            assert all(r["listed_date"] <= v <= end for v in visits), r
            gaps = [b - a for a, b in pairwise([r["listed_date"], *visits, end])]
            assert all(g.days <= RULES["supervision_visit_days"] for g in gaps), (r, gaps)
        for row in t.get("company_pool", []):
            code = row["credit_code"]
            total = sum(
                USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True)
            )
            assert code[17] == USCC_CHARS[(31 - total % 31) % 31], row
            assert (row["removed_date"] is None) == (row["removed_reason"] is None), row


def check_new_tables(spec: Spec, t: dict[str, list[dict]]) -> None:
    """fee-collection-consistent, priority-task-dates and priority-task-single, asserted."""
    for r in t["fee_collection"]:
        assert r["households_paid"] <= r["households_billed"], (spec.estate_id, r)
        assert r["amount_collected_yuan"] <= r["amount_due_yuan"], (spec.estate_id, r)
    tasks = {r["task_id"]: r for r in t.get("priority_task", [])}
    assert sum(r["status"] == "进行中" for r in tasks.values()) <= 1, spec.estate_id
    for r in tasks.values():
        assert r["set_date"] < r["target_date"] and r["set_date"] <= AS_OF, r
        assert (r["status"] == "已完成") == (r["done_date"] is not None), r
        assert r["done_date"] is None or r["set_date"] <= r["done_date"] <= AS_OF, r
    for n in t.get("priority_progress", []):
        assert tasks[n["task_id"]]["set_date"] <= n["note_date"] <= AS_OF, n


def make_contacts(spec: Spec) -> list[dict]:
    """物业服务中心, 业委会接待, 居委会, 街道房管办, 12345: five organisations, one row each,
    and a 24-hour service line for the companies of 商品房 estates."""
    company = next(c.company for c in spec.contracts if c.start <= AS_OF <= (c.end or AS_OF))
    block = _phone_block(spec.estate_id)
    office = f"{spec.name}1号楼底层物业用房"

    def row(role, seq, organisation, phone, address, hours, note) -> dict:
        return {
            "role": role,
            "seq": seq,
            "organisation": organisation,
            "phone": phone,
            "address": address,
            "hours": hours,
            "note": note,
        }

    rows = [
        row(
            "物业服务中心",
            1,
            f"{company}{spec.name}物业服务中心",
            landline(spec, 1),
            office,
            "每天 8:00–17:30",
            "报修、投诉、咨询，缴纳物业费"
            + ("" if spec.property_type == "商品房" else "；夜间急修也拨此号码"),
        )
    ]
    if spec.property_type == "商品房":
        rows.append(
            row(
                "物业服务中心",
                2,
                f"{company}客服热线",
                f"400-555-0{block}01",
                None,
                "全天24小时",
                "夜间和节假日报修",
            )
        )
    rows += [
        row(
            "业委会接待",
            1,
            f"{spec.name}业主委员会",
            landline(spec, 2) if spec.high else None,
            f"{office}旁业委会办公室",
            "每周六 9:00–11:00",
            "接待时间内当面反映；也可以把书面意见投入办公室门口的业委会信箱",
        ),
        row(
            "居委会",
            1,
            f"{spec.street}{spec.residents_committee}",
            landline(spec, 3),
            f"{spec.name}南门旁居委会办公室",
            f"{WEEKDAYS} 8:30–17:00",
            "调解邻里纠纷，召集联席会议，指导监督业委会",
        ),
        row(
            "街道房管办",
            1,
            f"{spec.street}房管办",
            landline(spec, 4),
            f"{spec.street}办事处",
            f"{WEEKDAYS} 9:00–17:00",
            "业委会备案，维修资金使用，物业服务监督和投诉",
        ),
        row(
            "12345",
            1,
            "上海市12345市民服务热线",
            "12345",
            None,
            "全天24小时",
            "投诉、求助、咨询；工单转交街道和物业办理，每月的办理情况见“工单”表",
        ),
    ]
    return rows


# ---------------------------------------------------------------------------------------
# One estate
# ---------------------------------------------------------------------------------------


def build_estate(spec: Spec) -> dict[str, list[dict]]:
    rng = random.Random(f"sunlight:{spec.estate_id}")
    buildings = make_buildings(spec, rng)
    members = make_members(spec, buildings, rng)

    if spec.estate_id == "meilin-xincun":  # the 2024 repairs cover all buildings but the roofs
        others = [b.no for b in buildings if b.no not in MEILIN_ROOFS]
        for assembly in spec.assemblies:
            for vote in assembly.votes:
                if vote.buildings == []:
                    vote.buildings = others

    statements, lines = make_common_income(spec, rng)
    transfers = {s["quarter"]: s["transfer_to_fund_yuan"] for s in statements}
    from_ci = {h: sum((transfers[q] for q in half_quarters(h)), ZERO) for h in HALVES}
    if spec.estate_id == "meilin-xincun":
        fund = meilin_ledger(spec, buildings, from_ci, rng)
    else:
        fund = make_repair_fund(spec, buildings, from_ci, rng)
    for p in spec.projects:  # budget and appraisal around the contract price
        if p.contract is not None and p.budget is None:
            p.budget = round_to(p.contract * uniform(rng, 1.03, 1.09), 1000)
        if p.contract is not None and p.appraised is None:
            p.appraised = round_to(p.contract * uniform(rng, 1.0, 1.02), 100)

    meetings, resolutions, vote_ids = make_meetings(spec, members, buildings, rng)
    published = [s for s in statements if s["quarter"] <= spec.ci_last]
    line_rows = [
        {
            "quarter": q,
            "line_no": i,
            "direction": d,
            "category": c,
            "description": text,
            "amount_yuan": a,
        }
        for q in QUARTERS
        if q <= spec.ci_last
        for i, (d, c, text, a) in enumerate(lines[q], start=1)
    ]
    tables = {
        "estate": [
            {
                "estate_id": spec.estate_id,
                "name": spec.name,
                "district": spec.district,
                "street": spec.street,
                "residents_committee": spec.residents_committee,
                "property_type": spec.property_type,
                "completion_year": spec.completion_year,
                "total_gfa_m2": spec.gfa,
                "households": spec.households,
                "buildings": len(buildings),
                "lift_buildings": spec.high,
                "transfer_min_share": spec.transfer_min_share,
            }
        ],
        "committees": [
            {
                "term_no": t.term_no,
                "election_date": t.election,
                "filing_date": t.filing,
                "term_start": t.start,
                "term_end": t.end,
                "seats": t.seats,
                "status": t.status,
            }
            for t in spec.terms
        ],
        "members": [
            {
                "member_id": m.member_id,
                "term_no": m.term_no,
                "display_name": m.name,
                "role": m.role,
                "is_voting": m.voting,
                "is_party_member": m.party,
                "is_rc_cross": m.rc,
                "building_no": m.building,
                "start_date": m.start,
                "end_date": m.end,
                "end_reason": m.end_reason,
            }
            for m in members
        ],
        "member_events": make_member_events(spec, members, rng),
        "meetings": meetings,
        "resolutions": resolutions,
        "common_income": published,
        "common_income_lines": line_rows,
        "repair_fund": fund,
        "repair_projects": [
            {
                "project_id": p.project_id,
                "title": p.title,
                "scope": p.scope,
                "resolution_id": vote_ids[p.vote_key],
                "budget_yuan": p.budget,
                "appraised_yuan": p.appraised,
                "contract_yuan": p.contract,
                "status": p.status,
            }
            for p in spec.projects
        ],
        "budgets": make_budgets(spec, lines, fund, rng),
        "audits": make_audits(spec, rng) if spec.audit_firm else [],
        "contract": make_contracts(spec, vote_ids, rng),
        "fees": make_fees(spec, vote_ids),
        "service_standards": make_service_standards(spec, rng),
        "work_orders": make_work_orders(spec, rng),
        "evaluations": make_evaluations(spec, rng),
        "contacts": make_contacts(spec),
        "fee_collection": make_fee_collection(spec, buildings),
        "priority_task": PRIORITY.get(spec.estate_id, ([], []))[0],
        "priority_progress": PRIORITY.get(spec.estate_id, ([], []))[1],
    }
    # A table an estate does not have is left out of its package altogether.
    return {name: rows for name, rows in tables.items() if rows}


# ---------------------------------------------------------------------------------------
# Checks: the estate rules of domain.md, and the pinned figures
# ---------------------------------------------------------------------------------------

RULES = yaml.safe_load((DATA / "rules.yaml").read_text(encoding="utf-8"))
# The one column where a telephone may stand: an organisation's landline or service number.
PUBLIC_PHONE = re.compile(r"021-\d{8}|400-\d{3}-\d{4}|12345")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
ROOM = re.compile(r"\d+\s*室|\d+-\d{3,4}(?!\d)")
MASKED = re.compile(r"^[\u4e00-\u9fff]\*[\u4e00-\u9fff]?$")


def check_estate(spec: Spec, t: dict[str, list[dict]]) -> list[str]:
    """Assert every error rule; return the warnings this estate raises on purpose."""
    eid = spec.estate_id
    warnings = []
    estate = t["estate"][0]
    members = t["members"]

    for term in t["committees"]:
        mine = [m for m in members if m["term_no"] == term["term_no"]]
        assert term["seats"] % 2 == 1 and (
            term["seats"] >= 5
            or (term["seats"] == 3 and estate["total_gfa_m2"] < RULES["small_estate_gfa_m2"])
        ), eid
        assert term["seats"] <= RULES["committee_size_warn_above"], eid
        years = (term["term_end"] - term["term_start"]).days / 365.25
        assert 3 - 0.01 <= years <= 5, (eid, years)
        assert (
            term["filing_date"]
            and 0 <= (term["filing_date"] - term["election_date"]).days <= RULES["filing_days"]
        ), eid
        for m in mine:
            assert m["is_voting"] == (m["role"] in VOTING_ROLES), (eid, m)
            assert (
                term["term_start"] <= m["start_date"]
                and (m["end_date"] or term["term_end"]) <= term["term_end"]
            ), (eid, m)
            assert (m["end_date"] is None) == (m["end_reason"] is None), (eid, m)
            assert MASKED.match(m["display_name"]), m["display_name"]
        # At every date a member starts or leaves: roles filled, never more voters than seats.
        last = min(term["term_end"], AS_OF)
        moments = (
            {term["term_start"], last}
            | {m["start_date"] for m in mine}
            | {plus(m["end_date"], 1) for m in mine if m["end_date"] and m["end_date"] < last}
        )
        for d in sorted(moments):
            here = [
                m
                for m in mine
                if m["start_date"] <= d and (m["end_date"] is None or d <= m["end_date"])
            ]
            voters = [m for m in here if m["is_voting"]]
            assert len(voters) <= term["seats"], (eid, d)
            assert sum(m["role"] == "主任" for m in here) == 1 and any(
                m["role"] == "副主任" for m in here
            ), (eid, d)
        current = [
            m
            for m in mine
            if m["start_date"] <= last and (m["end_date"] is None or last <= m["end_date"])
        ]
        assert sum(m["is_voting"] for m in current) == term["seats"], (eid, term["term_no"])
    assert sum(c["status"] == "在任" for c in t["committees"]) == 1, eid

    committee = sorted(
        (m for m in t["meetings"] if m["meeting_type"] == "业委会"), key=lambda m: m["meeting_date"]
    )
    for a, b in pairwise(committee):
        assert (b["meeting_date"] - a["meeting_date"]).days <= RULES["meeting_max_gap_days"], (
            eid,
            a,
            b,
        )
    for m in committee:
        assert m["members_present"] * 2 > m["members_total"], (eid, m)
    assert committee[-1]["meeting_date"] >= dt.date(2026, 10, 1), eid
    for m in t["meetings"]:
        assert (
            m["meeting_date"] <= AS_OF and 0 < (m["posted_date"] - m["meeting_date"]).days <= 3
        ), (eid, m)

    meeting_ids = {m["meeting_id"] for m in t["meetings"]}
    assert len(meeting_ids) == len(t["meetings"]), eid
    for r in t["resolutions"]:
        assert r["meeting_id"] in meeting_ids, (eid, r)
        if r["owners_total"] is not None:
            numbers = tuple(
                r[k]
                for k in (
                    "owners_total",
                    "area_total_m2",
                    "owners_voted",
                    "area_voted",
                    "owners_for",
                    "area_for",
                )
            )
            assert threshold_passed(r["matter"], numbers) == r["passed"], (eid, r)
    res_ids = {r["resolution_id"] for r in t["resolutions"]}
    for table in ("contract", "fees", "repair_projects"):
        for row in t.get(table, []):
            assert row["resolution_id"] is None or row["resolution_id"] in res_ids, (
                eid,
                table,
                row,
            )

    # Common income: statements reconcile, lines add up, openings chain.
    by_q: dict[str, list[dict]] = {}
    for line in t["common_income_lines"]:
        by_q.setdefault(line["quarter"], []).append(line)
    previous = None
    for s in t["common_income"]:
        assert (
            s["closing_yuan"]
            == s["opening_yuan"]
            + s["income_yuan"]
            - s["cost_yuan"]
            - s["transfer_to_fund_yuan"]
            - s["other_spending_yuan"]
        ), (eid, s)
        income, cost, transfer, other = totals(
            [(x["direction"], x["category"], "", x["amount_yuan"]) for x in by_q[s["quarter"]]]
        )
        assert (income, cost, transfer, other) == (
            s["income_yuan"],
            s["cost_yuan"],
            s["transfer_to_fund_yuan"],
            s["other_spending_yuan"],
        ), (eid, s["quarter"])
        assert previous is None or previous["closing_yuan"] == s["opening_yuan"], (
            eid,
            s["quarter"],
        )
        assert (
            quarter_end(s["quarter"])
            < s["posted_date"]
            <= next_month(quarter_end(s["quarter"]), 28)
            <= AS_OF + dt.timedelta(days=40)
        )
        assert s["posted_date"] <= AS_OF
        if estate["transfer_min_share"] is not None:
            assert s["transfer_to_fund_yuan"] >= estate["transfer_min_share"] * (
                s["income_yuan"] - s["cost_yuan"]
            ), (eid, s)
        previous = s
    assert set(by_q) == {s["quarter"] for s in t["common_income"]}, eid
    last_q = t["common_income"][-1]["quarter"]
    if last_q < "2026Q3":
        warnings.append(f"disclosure-fresh: common income only up to {last_q}")

    # Maintenance fund: per building ledgers chain and stay above 30% unless intended.
    fund: dict[str, list[dict]] = {}
    for r in t["repair_fund"]:
        fund.setdefault(r["building_no"], []).append(r)
    low = set()
    for no, rows in fund.items():
        assert [r["period"] for r in rows] == HALVES, (eid, no)
        for a, b in pairwise(rows):
            assert a["closing_yuan"] == b["opening_yuan"], (eid, no)
        for r in rows:
            assert (
                r["closing_yuan"]
                == r["opening_yuan"]
                + r["deposits_yuan"]
                + r["from_common_income_yuan"]
                + r["interest_yuan"]
                - r["spent_yuan"]
            ), (eid, r)
            assert r["opening_yuan"] >= 0 and r["closing_yuan"] >= 0
            assert half_end(r["period"]) < r["posted_date"] <= next_month(half_end(r["period"]), 28)
            for balance in (r["opening_yuan"], r["closing_yuan"]):
                if balance < D("0.30") * r["initial_raised_yuan"]:
                    low.add((no, r["period"]))
    assert sum(int(b["buildings"]) for b in [estate]) == len(fund), eid
    if low:
        assert eid == "meilin-xincun", (eid, sorted(low))
        expected = {(n, h) for n in MEILIN_ROOFS for h in ("2025H1", "2025H2", "2026H1")}
        # 2025H1 openings of the roof buildings are above the floor; closings below.
        assert low == expected, sorted(low ^ expected)
        warnings.append(
            f"repair-fund-floor: buildings {', '.join(MEILIN_ROOFS)} below 30% from 2025H1"
        )

    # Fees: one price per unit category and package at any date; the usual band.
    fees = t["fees"]
    for a in fees:
        for b in fees:
            if a is not b and (a["unit_category"], a["package"]) == (
                b["unit_category"],
                b["package"],
            ):
                assert (a["effective_to"] and a["effective_to"] < b["effective_from"]) or (
                    b["effective_to"] and b["effective_to"] < a["effective_from"]
                ), (eid, a, b)
    for f in fees:
        for band in RULES["fee_bands"]:
            if (
                (band["property_type"], band["unit_category"])
                == (estate["property_type"], f["unit_category"])
                and f["package"] == "基础包"
                and not D(band["min"]) <= f["price_yuan"] <= D(band["max"])
            ):
                assert eid == "lingyuan-xiaoqu" and f["price_yuan"] == D("0.85"), (eid, f)
                warnings.append(
                    f"fee-band: {f['unit_category']} {f['price_yuan']} outside {band['min']}–{band['max']}"
                )

    for w in t["work_orders"]:
        assert 0 <= w["closed_on_time"] <= w["closed"] <= w["received"], (eid, w)
        assert w["satisfaction_pct"] is None or 0 <= w["satisfaction_pct"] <= 100

    member_ids = {m["member_id"]: m for m in members}
    for e in t["member_events"]:
        m = member_ids[e["member_id"]]
        assert m["start_date"] <= e["event_date"] <= (m["end_date"] or AS_OF) <= AS_OF or (
            m["start_date"] <= e["event_date"] <= AS_OF
        ), (eid, e)

    for a in t.get("audits", []):
        assert (a["posted_to"] - a["posted_from"]).days >= 30 and a["posted_from"] >= a[
            "report_date"
        ], (eid, a)
    if "audits" in t:
        assert max(a["report_date"] for a in t["audits"]).year == 2026, eid
    for c in t["contract"]:
        assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", c["credit_code"]), c
    assert any(c["start_date"] <= AS_OF <= (c["end_date"] or AS_OF) for c in t["contract"]), eid
    assert {s["item"] for s in t["service_standards"]} == {
        "保洁",
        "保绿",
        "保安",
        "保障",
        "维修",
        "客服",
    }

    roles = {c["role"] for c in t["contacts"]}
    assert roles == {"物业服务中心", "业委会接待", "居委会", "街道房管办", "12345"}, eid
    for c in t["contacts"]:
        assert c["phone"] is None or PUBLIC_PHONE.fullmatch(c["phone"]), (eid, c)

    # Nothing personal in any text cell (the contacts' public numbers aside, which still
    # must not be mobiles); no date after the as-of day.
    for name, rows in t.items():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str):
                    public = (name, key) == ("contacts", "phone")
                    for pattern in (MOBILE,) if public else (MOBILE, ID_NUMBER, ROOM):
                        assert not pattern.search(value), (eid, name, key, value)
                if isinstance(value, dt.date) and key not in (
                    "term_end",
                    "end_date",
                    "effective_to",
                    "posted_to",
                    "target_date",
                ):
                    assert value <= AS_OF, (eid, name, key, value)
    return warnings


def check_pinned(tables: dict[str, dict[str, list[dict]]]) -> None:
    """The figures domain.md gives for its two sample estates."""
    m = tables["meilin-xincun"]
    e = m["estate"][0]
    assert (
        e["property_type"],
        e["completion_year"],
        e["buildings"],
        e["households"],
        e["total_gfa_m2"],
    ) == ("售后公房", 1992, 28, 1460, D("78500.00"))
    c = m["committees"][0]
    assert (c["term_no"], c["term_start"], c["term_end"], c["seats"]) == (
        3,
        day("2023-06-18"),
        day("2028-06-17"),
        7,
    )
    voters = [x for x in m["members"] if x["is_voting"]]
    assert sorted(x["role"] for x in voters) == sorted(["主任", "副主任"] + ["委员"] * 5)
    assert (
        sum(x["is_party_member"] for x in voters) == 4
        and sum(x["is_rc_cross"] for x in voters) == 1
    )
    assert [x["role"] for x in m["members"] if not x["is_voting"]] == ["执行秘书"]
    assert {
        (f["unit_category"], f["package"], f["price_yuan"])
        for f in m["fees"]
        if f["effective_to"] is None
    } == {("多层住宅", "基础包", D("0.60")), ("地面停车", "单项", D("150.00"))}
    assert m["contract"][0]["fee_mode"] == "包干制"
    q = next(s for s in m["common_income"] if s["quarter"] == "2025Q1")
    assert [
        q[k]
        for k in (
            "opening_yuan",
            "income_yuan",
            "cost_yuan",
            "transfer_to_fund_yuan",
            "other_spending_yuan",
            "closing_yuan",
        )
    ] == [D("46320.00"), D("95580.00"), D("24300.00"), D("40000.00"), D("4500.00"), D("73100.00")]
    h = [r for r in m["repair_fund"] if r["period"] == "2025H1"]
    assert len(h) == 28
    sums = {
        k: sum((r[k] for r in h), ZERO)
        for k in (
            "initial_raised_yuan",
            "opening_yuan",
            "deposits_yuan",
            "from_common_income_yuan",
            "interest_yuan",
            "spent_yuan",
            "closing_yuan",
        )
    }
    assert sums == {
        "initial_raised_yuan": D("2360000.00"),
        "opening_yuan": D("812400.00"),
        "deposits_yuan": ZERO,
        "from_common_income_yuan": D("78500.00"),
        "interest_yuan": D("6100.00"),
        "spent_yuan": D("186000.00"),
        "closing_yuan": D("711000.00"),
    }, sums
    roof = next(p for p in m["repair_projects"] if p["title"] == "屋面防水维修")
    assert roof["contract_yuan"] == D("186000.00")
    w = next(x for x in m["work_orders"] if x["month"] == "2025-01" and x["channel"] == "12345")
    assert (w["received"], w["closed"], w["avg_hours"]) == (23, 22, 52.5)
    assert (
        sum(
            x["received"]
            for x in m["work_orders"]
            if x["month"] == "2025-01" and x["channel"] == "12345"
        )
        == 23
    )

    b = tables["binjiang-huating"]
    e = b["estate"][0]
    assert (
        e["property_type"],
        e["completion_year"],
        e["buildings"],
        e["lift_buildings"],
        e["households"],
        e["total_gfa_m2"],
    ) == ("商品房", 2016, 12, 12, 1120, D("132000.00"))
    c = b["committees"][0]
    assert (c["term_no"], c["term_start"], c["term_end"], c["seats"]) == (
        2,
        day("2022-03-20"),
        day("2027-03-19"),
        9,
    )
    assert sum(x["role"] == "候补委员" and not x["is_voting"] for x in b["members"]) == 2
    assert sum(x["is_party_member"] for x in b["members"]) == 5
    assert b["contract"][0]["fee_mode"] == "酬金制"
    menu = {(f["unit_category"], f["package"]): f for f in b["fees"]}
    assert menu[("高层住宅", "基础包")]["price_yuan"] == D("2.90") and menu[("高层住宅", "增值包")][
        "price_yuan"
    ] == D("0.30")
    assert menu[("商铺", "基础包")]["price_yuan"] == D("6.00") and menu[("地下停车", "单项")][
        "price_yuan"
    ] == D("150.00")
    menu_res = next(
        r
        for r in b["resolutions"]
        if r["resolution_id"] == menu[("高层住宅", "基础包")]["resolution_id"]
    )
    assert (
        next(x for x in b["meetings"] if x["meeting_id"] == menu_res["meeting_id"])["meeting_type"]
        == "业主大会"
    )
    q = next(s for s in b["common_income"] if s["quarter"] == "2025Q1")
    assert [
        q[k]
        for k in (
            "opening_yuan",
            "income_yuan",
            "cost_yuan",
            "transfer_to_fund_yuan",
            "other_spending_yuan",
            "closing_yuan",
        )
    ] == [
        D("212450.00"),
        D("118800.00"),
        D("16200.00"),
        D("55000.00"),
        D("18000.00"),
        D("242050.00"),
    ]
    lift = next(p for p in b["repair_projects"] if p["scope"] == "3号楼")
    assert (lift["budget_yuan"], lift["appraised_yuan"], lift["contract_yuan"]) == (
        D("252000.00"),
        D("243500.00"),
        D("243000.00"),
    )
    r = next(x for x in b["resolutions"] if x["resolution_id"] == lift["resolution_id"])
    assert (
        r["matter"] == "使用维修资金"
        and r["passed"]
        and (
            r["owners_total"],
            r["area_total_m2"],
            r["owners_voted"],
            r["area_voted"],
            r["owners_for"],
            r["area_for"],
        )
        == (96, D("9840.00"), 78, D("8120.00"), 70, D("7350.00"))
    )
    a = next(x for x in b["audits"] if x["audit_id"] == "A2024")
    assert (a["opinion"], a["posted_from"], a["posted_to"]) == (
        "无保留意见",
        day("2025-03-01"),
        day("2025-03-31"),
    )


# ---------------------------------------------------------------------------------------
# Writing the packages
# ---------------------------------------------------------------------------------------


def schema_fields(name: str, schemas: Path = SCHEMAS, optional: bool = True) -> list[str]:
    schema = yaml.safe_load((schemas / f"{name}.schema.yaml").read_text(encoding="utf-8"))
    return [f["name"] for f in schema["fields"] if optional or not f.get("x-optional")]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_package(spec: Spec, tables: dict[str, list[dict]]) -> None:
    write_folder(ESTATES_DIR / spec.estate_id, spec.estate_id, spec.name, RESOURCES, tables)


def write_folder(folder, name_, title, resources, tables, schemas=SCHEMAS, prefix="") -> None:
    folder.mkdir(parents=True)
    lines = [f"name: {name_}", f"title: {title}", "resources:"]
    for name in resources:
        if name not in tables:
            continue
        fields = schema_fields(name, schemas)
        for row in tables[name]:
            assert list(row) == fields, (name_, name, list(row), fields)
        # A column added to the schema later (x-optional) is written only where a row
        # fills it: the other estates keep files as they were before it existed.
        required = schema_fields(name, schemas, optional=False)
        fields = [
            k for k in fields if k in required or any(row[k] is not None for row in tables[name])
        ]
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(fields)
            for row in tables[name]:
                writer.writerow(cell(row[k]) for k in fields)
        lines += [
            f"  - name: {name}",
            f"    path: {name}.csv",
            f"    schema: ../../schemas/{prefix}{name}.schema.yaml",
        ]
    (folder / "datapackage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    for folder in (ESTATES_DIR, DISTRICTS_DIR):
        if folder.exists():
            shutil.rmtree(folder)
    ESTATES_DIR.mkdir(parents=True)
    COMPANY_CODES.clear()
    specs = [make() for make in SPECS]
    tables = {}
    for spec in specs:
        tables[spec.estate_id] = build_estate(spec)
        warnings = check_estate(spec, tables[spec.estate_id])
        check_new_tables(spec, tables[spec.estate_id])
        write_package(spec, tables[spec.estate_id])
        print(
            f"{spec.estate_id:18} {spec.name}  {spec.district}  {spec.property_type}"
            + "".join(f"\n    expected warning {w}" for w in warnings)
        )
    check_pinned(tables)
    districts = make_districts()
    check_districts(districts, specs)
    for slug, (title, district_tables) in districts.items():
        write_folder(
            DISTRICTS_DIR / slug, slug, title, DISTRICT_RESOURCES, district_tables,
            DISTRICT_SCHEMAS, "districts/",
        )  # fmt: skip
    print(f"{len(districts)} district packages written to {DISTRICTS_DIR.relative_to(ROOT)}/")
    districts = {s.district for s in specs}
    types = {s.property_type for s in specs}
    assert len(specs) >= 8 and len(districts) >= 3 and {"售后公房", "商品房", "动迁安置房"} <= types
    print(
        f"{len(specs)} estates in {len(districts)} districts written to {ESTATES_DIR.relative_to(ROOT)}/"
    )


if __name__ == "__main__":
    main()
