"""One status per estate and the city dashboard's lights: a single definition.

An estate's own page leads with one honest status (正常 / 需关注 / 需整改), and the city
dashboard shows a light per measure. Both come from :func:`assess`, here and nowhere
else, so a street officer's red light and a resident's 需整改 always mean the same thing.

Every measure reads plain facts (:class:`StatusFacts`), which the model computes from an
estate's tables and the district's supervision list. The facts and the assessment travel
in the estate's summary, so aggregate pages never recompute them.

The thresholds (:data:`THRESHOLDS`) are documented for residents in the guide's
「状态怎么评」 section (``content/guide/rules.md#status``); a test keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

from .periods import period_label


class Level(IntEnum):
    """Ordered so that the worse of two levels is ``max``. NONE (no data) never makes an
    estate's status worse, but is shown as grey, never as green."""

    NONE = 0
    OK = 1
    WATCH = 2
    ACT = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def css(self) -> str:
        """The CSS modifier of a badge or light: ``sl-level-ok`` and so on."""
        return "sl-level-" + self.name.lower()


_LABELS = {Level.NONE: "无数据", Level.OK: "正常", Level.WATCH: "需关注", Level.ACT: "需整改"}


# The thresholds of every measure. Lower bounds are inclusive for "good" values
# (satisfaction 90.0 % is 正常), upper bounds inclusive for "bad" ones (72 h is 需关注).
THRESHOLDS = {
    # overdue disclosure items (common income, maintenance fund, audit)
    "disclosure_watch": 1,
    "disclosure_act": 2,
    # buildings under the maintenance-fund floor (30 % of the amount first raised): any is
    # 需关注; 需整改 when a quarter of the buildings are under it or one is under half of it
    "fund_act_building_share": Decimal("0.25"),
    "fund_act_min_share": Decimal("0.15"),
    # residents' satisfaction with closed work orders, per cent
    "satisfaction_ok": Decimal(90),
    "satisfaction_watch": Decimal(80),
    # average handling hours of work orders
    "hours_ok": Decimal(48),
    "hours_watch": Decimal(72),
    # property-fee collection rate by amount (collected / due, latest quarter), per cent
    "collection_ok": Decimal(90),
    "collection_watch": Decimal(80),
    # days until the committee's term ends
    "term_watch_days": 180,
    # a delisted estate stays 需关注 this many days after it left the supervision list
    "delisted_watch_days": 365,
}

EVALUATION_LEVELS = {"优秀": Level.OK, "良好": Level.OK, "合格": Level.WATCH, "不合格": Level.ACT}

# The measures, in the order the dashboard shows its lights.
MEASURES = (
    ("disclosure", "按时公示"),
    ("fund", "维修资金"),
    ("satisfaction", "满意率"),
    ("hours", "工单时长"),
    ("evaluation", "物业评价"),
    ("term", "业委会任期"),
    ("supervision", "挂牌督办"),
    ("collection", "物业费收缴"),
    ("errors", "数据质量"),
)
MEASURE_LABELS = dict(MEASURES)

# What an estate's own status counts: what residents must know first. The other lights
# are shown beside the figures they judge.
STATUS_MEASURES = ("disclosure", "fund", "supervision", "errors")


@dataclass
class StatusFacts:
    """What the measures read; None where the estate has not published the figure."""

    overdue: int = 0  # overdue disclosure items
    overdue_labels: list[str] = field(default_factory=list)
    fund_buildings: int = 0  # buildings in the latest maintenance-fund ledger
    fund_below: int = 0  # of which under the 30 % floor
    fund_min_share: Decimal | None = None  # the lowest building's balance / first raised
    errors: int = 0  # validation errors in the estate's data
    satisfaction: Decimal | None = None  # per cent
    avg_hours: Decimal | None = None
    evaluation_grade: str | None = None  # latest 物业服务评价 grade
    evaluation_period: str | None = None
    committee: str = "none"  # "in_office", "expired" or "none"
    term_end: dt.date | None = None
    term_days_left: int | None = None
    supervised_since: dt.date | None = None  # an open listing on the district's list
    delisted_on: dt.date | None = None  # the latest listing's end, when none is open
    last_visit: dt.date | None = None
    collection_rate: Decimal | None = None  # per cent, latest quarter
    collection_period: str | None = None


@dataclass
class Light:
    """One measure judged: its level and a short sentence saying why, for residents."""

    measure: str
    level: Level
    text: str

    @property
    def label(self) -> str:
        return MEASURE_LABELS[self.measure]


@dataclass
class Status:
    """An estate's status: the worst level of :data:`STATUS_MEASURES`, with the lights of
    every measure and the reasons (the non-正常 lights it counted), worst first."""

    level: Level
    lights: dict[str, Light]

    @property
    def reasons(self) -> list[Light]:
        counted = [self.lights[m] for m in STATUS_MEASURES if self.lights[m].level > Level.OK]
        return sorted(counted, key=lambda light: -light.level)

    @property
    def label(self) -> str:
        return self.level.label

    @property
    def levels(self) -> dict[str, int]:
        """Each measure's level as a number, for the dashboard's data file."""
        return {m: int(light.level) for m, light in self.lights.items()}


def _pct(value: Decimal) -> str:
    return f"{value:.1f} %"


def _disclosure(f: StatusFacts, t: dict) -> Light:
    if f.overdue >= t["disclosure_act"]:
        level = Level.ACT
    elif f.overdue >= t["disclosure_watch"]:
        level = Level.WATCH
    else:
        return Light("disclosure", Level.OK, "应公示的事项都已按时公示")
    what = "、".join(f.overdue_labels) if f.overdue_labels else f"{f.overdue} 项"
    return Light("disclosure", level, f"{what}逾期未公示")


def _fund(f: StatusFacts, t: dict) -> Light:
    if not f.fund_buildings:
        return Light("fund", Level.NONE, "未公示维修资金分户账")
    if not f.fund_below:
        return Light("fund", Level.OK, "各楼栋维修资金都在首期的 30 % 以上")
    severe = Decimal(f.fund_below) / Decimal(f.fund_buildings) >= t["fund_act_building_share"] or (
        f.fund_min_share is not None and f.fund_min_share < t["fund_act_min_share"]
    )
    return Light(
        "fund",
        Level.ACT if severe else Level.WATCH,
        f"{f.fund_buildings} 栋楼中有 {f.fund_below} 栋维修资金低于首期的 30 %，需要续筹",
    )


def _banded(value: Decimal, ok, watch, *, higher_is_better: bool) -> Level:
    """A figure against its two bounds: at or beyond ``ok`` 正常, then ``watch`` 需关注."""
    if not higher_is_better:
        value, ok, watch = -value, -ok, -watch
    if value >= ok:
        return Level.OK
    return Level.WATCH if value >= watch else Level.ACT


def _satisfaction(f: StatusFacts, t: dict) -> Light:
    if f.satisfaction is None:
        return Light("satisfaction", Level.NONE, "未公示工单满意率")
    value = Decimal(f.satisfaction)
    level = _banded(value, t["satisfaction_ok"], t["satisfaction_watch"], higher_is_better=True)
    return Light("satisfaction", level, f"工单满意率 {_pct(value)}")


def _hours(f: StatusFacts, t: dict) -> Light:
    if f.avg_hours is None:
        return Light("hours", Level.NONE, "未公示工单办理时长")
    value = Decimal(f.avg_hours)
    level = _banded(value, t["hours_ok"], t["hours_watch"], higher_is_better=False)
    return Light("hours", level, f"工单平均 {value:.1f} 小时办结")


def _evaluation(f: StatusFacts, t: dict) -> Light:
    if not f.evaluation_grade:
        return Light("evaluation", Level.NONE, "未公示物业服务评价")
    level = EVALUATION_LEVELS.get(f.evaluation_grade, Level.NONE)
    period = f.evaluation_period or ""
    if len(period) == 4 and period.isdigit():  # evaluations are yearly: 2025 → 2025年度
        period += "年度"
    return Light(
        "evaluation",
        level,
        f"{period_label(period) if period else ''}物业服务评价为「{f.evaluation_grade}」",
    )


def _term(f: StatusFacts, t: dict) -> Light:
    if f.committee == "none" or f.term_end is None:
        return Light("term", Level.NONE, "未公示业委会任期")
    end = f"{f.term_end.year}年{f.term_end.month}月{f.term_end.day}日"
    if f.committee == "expired" or (f.term_days_left is not None and f.term_days_left < 0):
        return Light("term", Level.ACT, f"业委会任期已于 {end} 届满，尚未换届")
    if f.term_days_left is not None and f.term_days_left <= t["term_watch_days"]:
        return Light("term", Level.WATCH, f"业委会任期 {end} 届满，应准备换届")
    return Light("term", Level.OK, f"业委会在任，任期到 {end}")


def _supervision(f: StatusFacts, t: dict, as_of: dt.date) -> Light:
    def day(d: dt.date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    if f.supervised_since is not None:
        visit = f"，最近一次督办走访 {day(f.last_visit)}" if f.last_visit else "，尚无督办走访记录"
        return Light(
            "supervision", Level.ACT, f"自 {day(f.supervised_since)} 起被区里挂牌督办{visit}"
        )
    if f.delisted_on is not None and (as_of - f.delisted_on).days <= t["delisted_watch_days"]:
        return Light("supervision", Level.WATCH, f"{day(f.delisted_on)} 摘牌，已结束挂牌督办")
    return Light("supervision", Level.OK, "未被挂牌督办")


def _collection(f: StatusFacts, t: dict) -> Light:
    if f.collection_rate is None:
        return Light("collection", Level.NONE, "未公示物业费收缴率")
    value = Decimal(f.collection_rate)
    level = _banded(value, t["collection_ok"], t["collection_watch"], higher_is_better=True)
    period = period_label(f.collection_period) if f.collection_period else ""
    return Light("collection", level, f"{period}物业费收缴率 {_pct(value)}")


def _errors(f: StatusFacts, t: dict) -> Light:
    if f.errors:
        return Light("errors", Level.ACT, f"公示数据有 {f.errors} 处错误，数字可能不准")
    return Light("errors", Level.OK, "公示数据通过了全部检查")


def assess(facts: StatusFacts, as_of: dt.date, thresholds: dict | None = None) -> Status:
    """Every measure's light and the estate's status, judged on ``as_of``."""
    t = dict(THRESHOLDS, **(thresholds or {}))
    lights = {
        "disclosure": _disclosure(facts, t),
        "fund": _fund(facts, t),
        "satisfaction": _satisfaction(facts, t),
        "hours": _hours(facts, t),
        "evaluation": _evaluation(facts, t),
        "term": _term(facts, t),
        "supervision": _supervision(facts, t, as_of),
        "collection": _collection(facts, t),
        "errors": _errors(facts, t),
    }
    level = max((lights[m].level for m in STATUS_MEASURES), default=Level.NONE)
    return Status(max(level, Level.OK), lights)
