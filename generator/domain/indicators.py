"""Street and district indicators, this year beside last year: the arithmetic, once.

Street offices and district housing bureaus compare their estates by a few figures
(issue 12): committee coverage, the 换届 calendar, Party members' share and 交叉任职,
质价双升 estates, 12345 handling hours, the fee-collection rate and the estates under
supervision. Both years come from the dated rows of today's data — a term's dates, a
member's start and end, a work-order month, a fee's effective date — never from old
commits, so the figures are the same whichever commit a build starts from.

Two parts, both pure:

- :func:`estate_inputs` reads one estate's modelled tables (in the worker) and returns
  the few numbers per year the indicators need, small enough for the estate's summary
  (``generator/pipeline/summaries.py``);
- :func:`indicators` sums those inputs over a street's or a district's summaries (in the
  city reduce) and returns the rows the pages show.

"This year" is the calendar year of the build's as-of date, up to that date; "last year"
the year before, in full. Figures that are a state on a day (coverage, Party share,
supervision) are read on the as-of date and on the same day a year earlier.

质价双升 (quality and price both up) in a year, exactly: the estate's residential fee
(a 元/㎡·月 row of a 住宅 category, base or value-added package) took effect that year at
a higher price than the row it replaced, that row names a resolution (``resolution_id``)
which passed, AND either residents' satisfaction with closed work orders (all channels,
weighted by orders closed) was higher that year than the year before, or a service
standard was raised: the ``service_standards`` rows in force at the year's end (or the
as-of date) name more staff in total, or a higher frequency for some item, than those in
force the day before the rise. A standard row's optional ``effective_from`` says from when
it is in force; a row without one is in force from the start (see
:func:`standards_in_force`, content/guide/rules.md#indicators).

Indicators are shown, never judged: no threshold here makes a share "too low".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .money import as_decimal
from .status import THRESHOLDS
from .terms import in_post

RESIDENTIAL = ("多层住宅", "高层住宅", "别墅")
HOTLINE = "12345"


def year_ago(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _committee_on(terms: list[dict], day: dt.date) -> tuple[str, dict | None]:
    """The committee's state on ``day`` by the terms' dates (in_office, expired, none)."""
    started = [t for t in terms if t.get("term_start") and t["term_start"] <= day]
    if not started:
        return "none", None
    term = max(started, key=lambda t: (t["term_start"], t.get("term_no") or 0))
    if term.get("term_end") and term["term_end"] >= day:
        return "in_office", term
    return "expired", term


def _weighted(rows: Iterable[dict], field: str) -> tuple[Decimal | None, int]:
    pairs = [(r[field], r["closed"]) for r in rows if r.get(field) is not None and r.get("closed")]
    weight = sum(c for _, c in pairs)
    if not weight:
        return None, 0
    return sum(as_decimal(v) * c for v, c in pairs) / weight, weight


def _fee_rises(tables: dict) -> list[tuple[dt.date, str]]:
    """(effective date, resolution id) of each residential fee raised by a passed resolution."""
    passed = {
        r["resolution_id"] for r in tables.get("resolutions", []) if r.get("passed") in (True, "是")
    }
    rows = [
        f
        for f in tables.get("fees", [])
        if f.get("unit_category") in RESIDENTIAL
        and f.get("unit") == "元/㎡·月"
        and f.get("package") != "单项"
        and f.get("effective_from")
    ]
    rises = []
    for fee in rows:
        before = [
            f
            for f in rows
            if (f["unit_category"], f["package"]) == (fee["unit_category"], fee["package"])
            and f["effective_from"] < fee["effective_from"]
        ]
        if not before:
            continue
        prior = max(before, key=lambda f: f["effective_from"])
        if (
            as_decimal(fee["price_yuan"]) > as_decimal(prior["price_yuan"])
            and fee.get("resolution_id") in passed
        ):
            rises.append((fee["effective_from"], fee["resolution_id"]))
    return sorted(rises)


# How many times a year a frequency written 每日, 每周两次, 每半月, 每季度 … comes round.
# Free text the schema does not constrain (随时, 24小时) is not compared.
_PER_YEAR = {
    "日": 365,
    "天": 365,
    "周": 52,
    "半月": 24,
    "月": 12,
    "季度": 4,
    "季": 4,
    "半年": 2,
    "年": 1,
}
_FREQUENCY = re.compile(
    r"每(半月|半年|季度|日|天|周|月|季|年)(?:([0-9]+|[一二两三四五六七八九十]+)次)?"
)
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def times_per_year(frequency: str | None) -> int | None:
    """「每日」 → 365, 「每周两次」 → 104, 「每月」 → 12; None for text not of that form."""
    match = _FREQUENCY.fullmatch((frequency or "").strip())
    if not match:
        return None
    unit, count = match.groups()
    if count is None:
        times = 1
    elif count.isdigit():
        times = int(count)
    elif count == "十":
        times = 10
    else:  # 一…九, 十一…十九, 二十…九十九 (short forms only: 两, 三, 十二)
        tens, _, ones = count.partition("十")
        if "十" in count:
            times = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + _CN_DIGITS.get(ones, 0)
        else:
            times = _CN_DIGITS.get(count, 0)
    return _PER_YEAR[unit] * times or None


def standards_in_force(rows: Iterable[dict], day: dt.date) -> list[dict]:
    """The service-standard rows in force on ``day``: per item, the rows with the latest
    ``effective_from`` on or before it. A row without the date (every row written before
    the column existed) is in force from the start, until a dated row of its item
    replaces it; a row dated after ``day`` is not in force yet."""
    by_item: dict[str, list[dict]] = {}
    for row in rows:
        start = row.get("effective_from")
        if start is not None and start > day:
            continue
        by_item.setdefault(row.get("item"), []).append(row)
    out = []
    for item_rows in by_item.values():
        latest = max((r.get("effective_from") or dt.date.min) for r in item_rows)
        out += [r for r in item_rows if (r.get("effective_from") or dt.date.min) == latest]
    return out


def standard_raised(rows: list[dict], before: dt.date, after: dt.date) -> bool:
    """Whether the standards in force on ``after`` are raised against those on ``before``:
    more staff in total (both days name staff), or an item done more often (both days'
    frequencies read by :func:`times_per_year`)."""
    old, new = standards_in_force(rows, before), standards_in_force(rows, after)
    if old == new:
        return False
    staff_old = [r["staff"] for r in old if r.get("staff") is not None]
    staff_new = [r["staff"] for r in new if r.get("staff") is not None]
    if staff_old and staff_new and sum(staff_new) > sum(staff_old):
        return True

    def often(in_force: list[dict]) -> dict[str, int]:
        best: dict[str, int] = {}
        for r in in_force:
            times = times_per_year(r.get("frequency"))
            if times is not None:
                best[r.get("item")] = max(times, best.get(r.get("item"), 0))
        return best

    was, now = often(old), often(new)
    return any(now[item] > was[item] for item in now.keys() & was.keys())


def estate_inputs(estate, supervision: dict | None = None) -> dict:
    """One estate's inputs, keyed by year (``"2026"``, ``"2025"``), for its summary.

    ``estate`` is a :class:`generator.model.Estate` (its ``tables``, ``as_of``,
    ``term`` and ``status_facts`` are read). Per year: ``c`` committee state, ``v``/``p``/
    ``x`` voting members in post, of whom Party members / also on the 居委会, ``h``/``hc``
    12345 average hours and orders closed, ``s``/``sc`` satisfaction and orders closed,
    ``due``/``col`` fee amounts due and collected, ``rise`` the fee rise's effective date
    and ``res`` its resolution, ``zj`` 质价双升 and ``zjs`` the branches that made it
    (``"sat"`` satisfaction up, ``"std"`` a standard raised), ``sup`` days on the supervision list on the
    reference day, ``hm``/``qn`` the first and last month of the 12345 hours and quarter
    of the collection counted. A figure the estate has not published is left out.
    """
    tables = estate.tables
    as_of = estate.as_of
    terms = [t for t in tables.get("committees", []) if t.get("term_no") is not None]
    members = tables.get("members", [])
    orders = tables.get("work_orders", [])
    collection = tables.get("fee_collection", [])
    rises = _fee_rises(tables)
    record = supervision if supervision is not None else (getattr(estate, "supervision", None))
    out: dict[str, dict] = {}
    this = as_of.year
    satisfaction = {}
    for year in (this, this - 1, this - 2):
        last_month = f"{year}-{as_of.month:02d}" if year == this else f"{year}-12"
        rows = [
            r
            for r in orders
            if str(r.get("month", ""))[:4] == str(year) and str(r["month"])[:7] <= last_month
        ]
        satisfaction[year] = _weighted(rows, "satisfaction_pct")
        if year == this - 2:
            break
        day = as_of if year == this else year_ago(as_of)
        if year == this:
            # Today's state is the estate page's own (generator/model.py's status facts).
            state, term = estate.status_facts.committee, estate.term
        else:
            state, term = _committee_on(terms, day)
        voting = (
            [
                m
                for m in members
                if term is not None
                and m.get("term_no") == term.get("term_no")
                and m.get("is_voting")
                and in_post(m, day)
            ]
            if state != "none"
            else []
        )
        hotline = [r for r in rows if r.get("channel") == HOTLINE]
        hours, hours_closed = _weighted(hotline, "avg_hours")
        quarters = [
            q
            for q in collection
            if str(q.get("quarter", ""))[:4] == str(year) and q.get("amount_due_yuan") is not None
        ]
        rise = next(((d, res) for d, res in rises if d.year == year and d <= as_of), None)
        out[str(year)] = {
            "c": state,
            "v": len(voting),
            "p": sum(1 for m in voting if m.get("is_party_member")),
            "x": sum(1 for m in voting if m.get("is_rc_cross")),
            "h": hours,
            "hc": hours_closed,
            "s": satisfaction[year][0],
            "sc": satisfaction[year][1],
            "due": sum((as_decimal(q["amount_due_yuan"]) for q in quarters), Decimal(0)),
            "col": sum(
                (as_decimal(q.get("amount_collected_yuan") or 0) for q in quarters), Decimal(0)
            ),
            "rise": rise[0] if rise else None,
            "res": rise[1] if rise else None,
            "sup": _listed_days(record, day),
            # The months and quarters counted, first and last: the page names them, as
            # the estate pages show other periods (12 months, one quarter).
            "hm": _span(
                int(str(r["month"])[5:7])
                for r in hotline
                if r.get("avg_hours") is not None and r.get("closed")
            ),
            "qn": _span(int(str(q["quarter"])[-1]) for q in quarters),
        }
    standards = tables.get("service_standards", [])
    for year in (this, this - 1):
        now, before = satisfaction[year][0], satisfaction[year - 1][0]
        year_rises = [d for d, _ in rises if d.year == year and d <= as_of]
        # The standard after the rise: in force at the year's end, or today for this year.
        end = min(dt.date(year, 12, 31), as_of)
        branches = []
        if year_rises and now is not None and before is not None and now > before:
            branches.append("sat")
        if any(standard_raised(standards, d - dt.timedelta(days=1), end) for d in year_rises):
            branches.append("std")
        out[str(year)]["zj"] = bool(branches)
        out[str(year)]["zjs"] = branches or None
    # Small in the summary: a figure the estate has not published is left out (None).
    return {y: {k: v for k, v in item.items() if v is not None} for y, item in out.items()}


def _span(numbers: Iterable[int]) -> list[int] | None:
    values = list(numbers)
    return [min(values), max(values)] if values else None


def _listed_days(record: dict | None, day: dt.date) -> int | None:
    if not record or not record.get("listed_date"):
        return None
    listed, delisted = record["listed_date"], record.get("delisted_date")
    if listed > day or (delisted is not None and delisted <= day):
        return None
    return (day - listed).days


# --- the reduce: sums over summaries ---------------------------------------------------------


@dataclass
class Indicator:
    """One row of the indicators table: a label, this year's and last year's figure (as
    shown), and a note saying exactly what is counted."""

    key: str
    label: str
    this: str
    last: str
    note: str
    # The estates counted, by year (质价双升: the page names them, each traced to its page).
    estates: dict[int, list] = field(default_factory=dict)


def _share(part, whole) -> Decimal | None:
    return Decimal(part) * 100 / Decimal(whole) if whole else None


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _hours(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f} 小时"


def year_inputs(summaries: Iterable, year: int) -> list[dict]:
    return [s.inputs.get(str(year)) or {} for s in summaries]


def coverage(summaries: Iterable, year: int) -> dict[str, int]:
    counts = {"in_office": 0, "expired": 0, "none": 0}
    for item in year_inputs(summaries, year):
        counts[item.get("c", "none")] += 1
    return counts


def party(summaries: Iterable, year: int) -> dict:
    items = year_inputs(summaries, year)
    voting = sum(i.get("v", 0) for i in items)
    members = sum(i.get("p", 0) for i in items)
    cross = sum(i.get("x", 0) for i in items)
    return {
        "voting": voting,
        "party": members,
        "share": _share(members, voting),
        "cross": cross,
        "cross_estates": sum(1 for i in items if i.get("x")),
    }


def hotline_hours(summaries: Iterable, year: int) -> tuple[Decimal | None, int]:
    """12345 average handling hours, weighted by orders closed, and the orders closed."""
    items = [i for i in year_inputs(summaries, year) if i.get("h") is not None and i.get("hc")]
    closed = sum(i["hc"] for i in items)
    if not closed:
        return None, 0
    return sum(as_decimal(i["h"]) * i["hc"] for i in items) / closed, closed


def collection_rate(summaries: Iterable, year: int) -> Decimal | None:
    """Amounts collected / amounts due over the year's quarters, per cent."""
    items = year_inputs(summaries, year)
    due = sum((as_decimal(i.get("due") or 0) for i in items), Decimal(0))
    collected = sum((as_decimal(i.get("col") or 0) for i in items), Decimal(0))
    return _share(collected, due)


def counted_span(summaries: Iterable, year: int, key: str) -> tuple[int, int] | None:
    """The first and last month (``hm``) or quarter (``qn``) any estate's figure counts."""
    spans = [i[key] for i in year_inputs(summaries, year) if i.get(key)]
    if not spans:
        return None
    return min(lo for lo, _ in spans), max(hi for _, hi in spans)


def months_text(year: int, span: tuple[int, int] | None) -> str:
    """「2026年1–11月」, 「2025年12月」, or 「2025年无数据」."""
    if span is None:
        return f"{year}年无数据"
    lo, hi = span
    return f"{year}年{lo}月" if lo == hi else f"{year}年{lo}–{hi}月"


def quarters_text(year: int, span: tuple[int, int] | None) -> str:
    """「2026年第1–3季度」, 「2026年第1季度」, or 「2025年无数据」."""
    if span is None:
        return f"{year}年无数据"
    lo, hi = span
    return f"{year}年第{lo}季度" if lo == hi else f"{year}年第{lo}–{hi}季度"


def price_quality(summaries: Iterable, year: int) -> list:
    """The estates with 质价双升 in ``year``."""
    return [s for s in summaries if (s.inputs.get(str(year)) or {}).get("zj")]


def supervised(summaries: Iterable, year: int) -> dict:
    days = [i["sup"] for i in year_inputs(summaries, year) if i.get("sup") is not None]
    return {"count": len(days), "max_days": max(days) if days else None}


def terms_ending(summaries: Iterable, days: int | None = None) -> list:
    """The 换届 calendar: estates whose committee's term ends within ``days`` of the as-of
    date (the status's ``term_watch_days``) or has already ended, soonest first."""
    days = THRESHOLDS["term_watch_days"] if days is None else days
    rows = [
        s
        for s in summaries
        if s.facts.term_end is not None
        and s.facts.term_days_left is not None
        and s.facts.term_days_left <= days
    ]
    return sorted(rows, key=lambda s: (s.facts.term_end, s.id))


def indicators(summaries: list, as_of: dt.date) -> list[Indicator]:
    """The rows of a street's or district's indicators table."""
    this, last = as_of.year, as_of.year - 1
    cov = {y: coverage(summaries, y) for y in (this, last)}
    par = {y: party(summaries, y) for y in (this, last)}
    hrs = {y: hotline_hours(summaries, y) for y in (this, last)}
    col = {y: collection_rate(summaries, y) for y in (this, last)}
    zj = {y: price_quality(summaries, y) for y in (this, last)}
    sup = {y: supervised(summaries, y) for y in (this, last)}
    day_last = year_ago(as_of)
    ending = terms_ending(summaries)

    def cov_text(y):
        c = cov[y]
        return f"在任 {c['in_office']}，届满未换届 {c['expired']}，未成立 {c['none']}"

    def sup_text(y):
        s = sup[y]
        if not s["count"]:
            return "0 个"
        return f"{s['count']} 个（最长已挂牌 {s['max_days']} 天）"

    return [
        Indicator(
            "coverage",
            "业委会组建",
            cov_text(this),
            cov_text(last),
            f"按任期起止日判断：{as_of.isoformat()} 与 {day_last.isoformat()} 当天",
        ),
        Indicator(
            "terms",
            f"{THRESHOLDS['term_watch_days']} 天内任期届满",
            f"{sum(1 for s in ending if s.facts.term_days_left >= 0)} 个"
            f"（另有 {sum(1 for s in ending if s.facts.term_days_left < 0)} 个已届满）",
            "—",
            "见下方换届日历",
        ),
        Indicator(
            "party",
            "党员占委员比例",
            f"{_pct(par[this]['share'])}（{par[this]['party']}/{par[this]['voting']}）",
            f"{_pct(par[last]['share'])}（{par[last]['party']}/{par[last]['voting']}）",
            "在任有表决权委员中的党员；仅作指标，不作评判",
        ),
        Indicator(
            "cross",
            "交叉任职",
            f"{par[this]['cross']} 人，{par[this]['cross_estates']} 个小区",
            f"{par[last]['cross']} 人，{par[last]['cross_estates']} 个小区",
            "同时在居委会任职的在任委员；仅作指标",
        ),
        Indicator(
            "zjss",
            "质价双升",
            f"{len(zj[this])} 个",
            f"{len(zj[last])} 个",
            "当年经业主大会决议提高住宅物业费，且工单满意率高于上一年，"
            "或服务标准提高（人员增加、频次提高）",
            estates={this: zj[this], last: zj[last]},
        ),
        Indicator(
            "hours",
            "12345 工单平均办理时长",
            _hours(hrs[this][0]),
            _hours(hrs[last][0]),
            # Not the estate pages' figure (every channel, the latest 12 months): say so.
            f"仅 12345 渠道，按办结件数加权；{months_text(this, counted_span(summaries, this, 'hm'))}"
            f"、{months_text(last, counted_span(summaries, last, 'hm'))}"
            "（小区页面为全部渠道最近 12 个月）",
        ),
        Indicator(
            "collection",
            "物业费收缴率",
            _pct(col[this]),
            _pct(col[last]),
            # Over the year's quarters, where an estate page shows each quarter's own rate.
            f"各季度实收金额之和 ÷ 应收金额之和；{quarters_text(this, counted_span(summaries, this, 'qn'))}"
            f"、{quarters_text(last, counted_span(summaries, last, 'qn'))}",
        ),
        Indicator(
            "supervised",
            "挂牌督办小区",
            sup_text(this),
            sup_text(last),
            f"{as_of.isoformat()} 与 {day_last.isoformat()} 当天在督办名单上",
        ),
    ]


__all__ = [
    "Indicator",
    "collection_rate",
    "counted_span",
    "coverage",
    "estate_inputs",
    "hotline_hours",
    "indicators",
    "months_text",
    "party",
    "price_quality",
    "quarters_text",
    "standard_raised",
    "standards_in_force",
    "supervised",
    "terms_ending",
    "times_per_year",
    "year_ago",
]
