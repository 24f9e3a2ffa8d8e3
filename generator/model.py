"""Stage 3 — model: turn one estate's validated tables into what its pages show.

Everything the templates need is computed here, once, as plain values: current term and
officers, fees in force on the as-of date, the latest quarter, the fund against its 30%
floor, vote shares against the legal thresholds, what is overdue. Templates only lay
out; they never do arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .checksum import checksum_of_folder
from .domain.context import Context
from .domain.disclosure import disclosure_status
from .domain.indicators import standards_in_force
from .domain.money import money
from .domain.periods import next_period, period_deadline, period_of, previous_period
from .domain.status import Status, StatusFacts, assess
from .domain.terms import in_post as _in_post
from .domain.thresholds import evaluate_resolution
from .findings import Finding, Report
from .places import DISTRICT_SLUGS, district_slug  # noqa: F401 - re-exported for the pages

TABLE_TITLES = {
    "estate": "小区基本信息",
    "committees": "业委会任期",
    "members": "业委会成员",
    "member_events": "成员全周期记录",
    "meetings": "会议",
    "resolutions": "决议与表决",
    "common_income": "公共收益季度收支",
    "common_income_lines": "公共收益明细",
    "repair_fund": "专项维修资金分户账",
    "repair_projects": "维修资金使用项目",
    "budgets": "年度预算与决算",
    "audits": "审计",
    "contract": "物业服务合同",
    "fees": "收费标准",
    "service_standards": "物业服务标准",
    "work_orders": "工单",
    "evaluations": "评价",
    "contacts": "联系与投诉",
    "fee_collection": "物业费收缴",
    "priority_task": "攻坚第一题",
    "priority_progress": "攻坚进展",
}
ROLE_ORDER = ["主任", "副主任", "委员", "候补委员", "执行秘书"]
CONTACT_ROLES = ["物业服务中心", "业委会接待", "居委会", "街道房管办", "12345"]
SERVICE_ITEMS = ["保洁", "保绿", "保安", "保障", "维修", "客服"]
FUND_FLOOR = Decimal("0.30")


def _share(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


RESIDENTIAL = ("多层住宅", "高层住宅", "别墅")


@dataclass(frozen=True)
class DueItem:
    """One entry of an estate's disclosure calendar (also one VEVENT of its .ics)."""

    date: dt.date
    kind: str  # common_income, repair_fund, audit, meeting, term_end
    title: str
    detail: str
    overdue: bool


@dataclass
class Metrics:
    """The figures district pages compare estates by (None where not published).

    Work-order figures cover the latest 12 months in the data, so a new estate with three
    months of orders is compared on those three.
    """

    fee_by_category: dict[str, Decimal]  # residential 元/㎡·月, basic + value-added package
    fund_share: Decimal | None  # latest fund balance / amount first raised
    orders_per_100_households: Decimal | None  # per month
    avg_hours: Decimal | None
    satisfaction: Decimal | None
    standards: int  # service-standard lines published
    staff: int  # staff named in the service standards
    warnings: int
    months: int  # months of work orders the figures cover
    gfa_m2: Decimal | None = None

    @property
    def main_fee(self) -> Decimal | None:
        """The fee of the estate's main residential category, for sorting and plotting."""
        if not self.fee_by_category:
            return None
        return max(self.fee_by_category.values())

    @property
    def staff_per_10k_m2(self) -> Decimal | None:
        """Service staff per 10,000 ㎡ of floor area: a rough measure of what a fee buys."""
        if not self.staff or not self.gfa_m2:
            return None
        return Decimal(self.staff) * 10000 / money(self.gfa_m2)


@dataclass
class Estate:
    """One estate as its pages show it. Field names are the templates' contract."""

    id: str
    name: str
    profile: dict
    district_slug: str
    as_of: dt.date
    checksum: str
    tables: dict[str, list[dict]]
    findings: list[Finding]
    missing_tables: list[str]
    term: dict | None = None
    members_by_role: list[tuple[str, list[dict]]] = field(default_factory=list)
    former_members: list[dict] = field(default_factory=list)
    officers: list[dict] = field(default_factory=list)
    voting_in_post: int = 0
    party_share: Decimal | None = None
    rc_cross: int = 0
    days_left: int | None = None
    committee_status: str = "未公示"
    events: list[dict] = field(default_factory=list)
    contract: dict | None = None
    fees_current: list[dict] = field(default_factory=list)
    fees_history: list[dict] = field(default_factory=list)
    quarters: list[dict] = field(default_factory=list)
    lines_by_quarter: dict[str, list[dict]] = field(default_factory=dict)
    fund_period: str | None = None
    fund_rows: list[dict] = field(default_factory=list)
    fund_totals: dict = field(default_factory=dict)
    fund_history: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    budgets: list[tuple[int, list[dict]]] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    standards: list[tuple[str, list[dict]]] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)
    resolutions: list[dict] = field(default_factory=list)
    work_orders: list[dict] = field(default_factory=list)
    work_order_months: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    disclosure: list = field(default_factory=list)
    metrics: Metrics | None = None
    calendar: list[DueItem] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)  # 联系与投诉, in CONTACT_ROLES order
    # The district's supervision record of this estate (``supervision_of`` below), if any.
    supervision: dict | None = None
    # 物业费收缴, newest quarter first, each row with ``rate`` (collected / due, per cent,
    # one decimal; None when nothing was due) and ``households_rate`` (paid / billed).
    fee_collection: list[dict] = field(default_factory=list)
    # 攻坚第一题: the open task (the latest set, if several), else the latest set; with
    # ``progress`` (its notes, newest first). None when the estate publishes none.
    priority: dict | None = None
    status_facts: StatusFacts = field(default_factory=StatusFacts)
    status: Status | None = None  # generator/domain/status.py: the one shared definition

    @property
    def district(self) -> str:
        return self.profile["district"]

    @property
    def street(self) -> str:
        return self.profile["street"]

    @property
    def property_type(self) -> str:
        return self.profile["property_type"]

    @property
    def overdue(self) -> list:
        return [d for d in self.disclosure if d.overdue]

    @property
    def disclosure_label(self) -> str:
        return f"{len(self.overdue)} 项逾期" if self.overdue else "按时公示"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def latest_quarter(self) -> dict | None:
        return self.quarters[0] if self.quarters else None

    @property
    def short_checksum(self) -> str:
        return self.checksum[:12]


def build_estates(
    report: Report, as_of: dt.date, config: dict | None = None, districts=None
) -> list[Estate]:
    """Estates of every package that has a valid profile, sorted by id. ``districts``: a
    :class:`generator.districts.DistrictData`, whose supervision records the estates get."""
    estates = []
    for estate_id in sorted(report.tables):
        tables = report.tables[estate_id]
        if not tables.get("estate"):
            continue
        folder = Path(report.estate_dirs[estate_id])
        supervision = districts.supervision_of(estate_id) if districts is not None else None
        estates.append(
            build_estate(
                estate_id,
                folder,
                tables,
                report.for_estate(estate_id),
                as_of,
                config,
                supervision=supervision,
            )
        )
    return estates


def build_estate(
    estate_id: str,
    folder: Path,
    tables: dict[str, list[dict]],
    findings: list[Finding],
    as_of: dt.date,
    config: dict | None = None,
    supervision: dict | None = None,
    checksum: str | None = None,
) -> Estate:
    """``supervision``: the district's record of this estate — ``listed_date``,
    ``delisted_date`` (None while listed), ``last_visit`` (dates or None) and ``reason`` —
    or None when the district has never listed it. ``checksum``: the package's content
    checksum when the caller has its files' bytes already (else the folder is read)."""
    profile = tables["estate"][0]
    estate = Estate(
        id=estate_id,
        name=profile["name"],
        profile=profile,
        district_slug=district_slug(profile["district"]),
        as_of=as_of,
        checksum=checksum if checksum is not None else checksum_of_folder(folder),
        tables=tables,
        findings=findings,
        missing_tables=[t for t in TABLE_TITLES if t not in tables],
    )
    _committee(estate, tables, as_of)
    _service(estate, tables, as_of)
    _finances(estate, tables)
    _governance(estate, tables)
    _performance(estate, tables)
    estate.disclosure = disclosure_status(Context(estate_id, tables, as_of, config or {}))
    estate.metrics = _metrics(estate)
    estate.calendar = _calendar(estate, as_of, config or {})
    order = {role: i for i, role in enumerate(CONTACT_ROLES)}
    estate.contacts = sorted(
        tables.get("contacts", []), key=lambda r: (order.get(r["role"], 99), r["seq"])
    )
    estate.supervision = supervision
    estate.fee_collection = _fee_collection(tables)
    estate.priority = _priority(tables)
    estate.status_facts = status_facts(estate)
    estate.status = assess(estate.status_facts, as_of)
    return estate


def status_facts(estate: Estate) -> StatusFacts:
    """What the shared status definition reads, from the estate's modelled tables."""
    overdue = estate.overdue
    shares = [r["share"] for r in estate.fund_rows if r["share"] is not None]
    service_evals = [e for e in estate.evaluations if e["subject"] == "物业服务评价"]
    latest_eval = service_evals[0] if service_evals else None
    term = estate.term
    if term is None:
        committee = "none"
    elif term["status"] == "在任" and (estate.days_left or 0) >= 0:
        committee = "in_office"
    else:
        committee = "expired"
    collection = sorted(
        (r for r in estate.tables.get("fee_collection", []) if r.get("amount_due_yuan")),
        key=lambda r: r["quarter"],
        reverse=True,
    )
    latest_collection = collection[0] if collection else None
    supervision = estate.supervision or {}
    open_listing = supervision.get("listed_date") and not supervision.get("delisted_date")
    m = estate.metrics
    return StatusFacts(
        overdue=len(overdue),
        overdue_labels=[d.label_zh for d in overdue],
        fund_buildings=len(estate.fund_rows),
        fund_below=sum(1 for r in estate.fund_rows if r["below_floor"]),
        fund_min_share=min(shares) if shares else None,
        errors=len(estate.errors),
        satisfaction=m.satisfaction if m else None,
        avg_hours=m.avg_hours if m else None,
        evaluation_grade=latest_eval.get("grade") if latest_eval else None,
        evaluation_period=str(latest_eval["period"]) if latest_eval else None,
        committee=committee,
        term_end=term["term_end"] if term else None,
        term_days_left=estate.days_left,
        supervised_since=supervision.get("listed_date") if open_listing else None,
        delisted_on=None if open_listing else supervision.get("delisted_date"),
        last_visit=supervision.get("last_visit"),
        collection_rate=(
            money(latest_collection["amount_collected_yuan"])
            * 100
            / money(latest_collection["amount_due_yuan"])
            if latest_collection
            else None
        ),
        collection_period=latest_collection["quarter"] if latest_collection else None,
    )


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _fee_collection(tables: dict) -> list[dict]:
    rows = sorted(tables.get("fee_collection", []), key=lambda r: r["quarter"], reverse=True)
    return [
        dict(
            r,
            rate=_percent(r["amount_collected_yuan"], r["amount_due_yuan"]),
            households_rate=_percent(r["households_paid"], r["households_billed"]),
        )
        for r in rows
    ]


def _priority(tables: dict) -> dict | None:
    tasks = sorted(
        tables.get("priority_task", []), key=lambda t: (t["set_date"], t["task_id"]), reverse=True
    )
    if not tasks:
        return None
    task = next((t for t in tasks if t["status"] == "进行中"), tasks[0])
    notes = [n for n in tables.get("priority_progress", []) if n["task_id"] == task["task_id"]]
    return dict(task, progress=sorted(notes, key=lambda n: n["note_date"], reverse=True))


def _committee(estate: Estate, tables: dict, as_of: dt.date) -> None:
    terms = sorted(tables.get("committees", []), key=lambda r: r["term_no"], reverse=True)
    current = next((t for t in terms if t["status"] == "在任"), terms[0] if terms else None)
    estate.term = current
    if current is None:
        estate.committee_status = "未公示业委会信息"
        return
    members = [m for m in tables.get("members", []) if m["term_no"] == current["term_no"]]
    in_post = [m for m in members if _in_post(m, as_of)]
    estate.former_members = sorted(
        (m for m in members if not _in_post(m, as_of)), key=lambda m: m["start_date"]
    )
    grouped = defaultdict(list)
    for m in in_post:
        grouped[m["role"]].append(m)
    estate.members_by_role = [(role, grouped[role]) for role in ROLE_ORDER if grouped[role]]
    estate.officers = grouped["主任"] + grouped["副主任"]
    voting = [m for m in in_post if m["is_voting"]]
    estate.voting_in_post = len(voting)
    estate.party_share = _share(sum(1 for m in voting if m.get("is_party_member")), len(voting))
    estate.rc_cross = sum(1 for m in voting if m.get("is_rc_cross"))
    estate.days_left = (current["term_end"] - as_of).days
    if current["status"] != "在任":
        estate.committee_status = f"第{current['term_no']}届{current['status']}"
    elif estate.days_left < 0:
        estate.committee_status = f"第{current['term_no']}届任期已满，待换届"
    elif estate.days_left <= 180:
        estate.committee_status = f"第{current['term_no']}届在任，{estate.days_left} 天后届满"
    else:
        estate.committee_status = f"第{current['term_no']}届在任"
    names = {m["member_id"]: m for m in tables.get("members", [])}
    estate.events = sorted(
        (dict(e, member=names.get(e["member_id"])) for e in tables.get("member_events", [])),
        key=lambda e: e["event_date"],
        reverse=True,
    )


def _service(estate: Estate, tables: dict, as_of: dt.date) -> None:
    contracts = sorted(tables.get("contract", []), key=lambda c: c["start_date"], reverse=True)
    estate.contract = contracts[0] if contracts else None
    fees = sorted(
        tables.get("fees", []),
        key=lambda f: (f["unit_category"], f["package"], f["effective_from"]),
    )
    estate.fees_current = [
        f
        for f in fees
        if f["effective_from"] <= as_of
        and (f["effective_to"] is None or f["effective_to"] >= as_of)
    ]
    estate.fees_history = [f for f in fees if f not in estate.fees_current]
    by_item = defaultdict(list)
    # Only the standards in force: a raised standard's new row replaces the old one.
    for row in standards_in_force(tables.get("service_standards", []), as_of):
        by_item[row["item"]].append(row)
    estate.standards = [(item, by_item[item]) for item in SERVICE_ITEMS if by_item[item]]


def _finances(estate: Estate, tables: dict) -> None:
    estate.quarters = sorted(
        tables.get("common_income", []), key=lambda r: r["quarter"], reverse=True
    )
    for quarter in estate.quarters:
        quarter["computed_closing"] = (
            money(quarter["opening_yuan"])
            + money(quarter["income_yuan"])
            - money(quarter["cost_yuan"])
            - money(quarter["transfer_to_fund_yuan"])
            - money(quarter["other_spending_yuan"])
        )
    lines = defaultdict(list)
    for line in sorted(tables.get("common_income_lines", []), key=lambda r: r["line_no"]):
        lines[line["quarter"]].append(line)
    estate.lines_by_quarter = dict(lines)

    fund = tables.get("repair_fund", [])
    periods = sorted({r["period"] for r in fund})
    history = []
    for period in periods:
        rows = [r for r in fund if r["period"] == period]
        history.append(
            {
                "period": period,
                **{
                    key: sum((money(r[key]) for r in rows), Decimal(0))
                    for key in (
                        "initial_raised_yuan",
                        "opening_yuan",
                        "deposits_yuan",
                        "from_common_income_yuan",
                        "interest_yuan",
                        "spent_yuan",
                        "closing_yuan",
                    )
                },
            }
        )
    for item in history:
        item["share"] = _share(item["closing_yuan"], item["initial_raised_yuan"])
    estate.fund_history = list(reversed(history))
    if periods:
        estate.fund_period = periods[-1]
        rows = [dict(r) for r in fund if r["period"] == periods[-1]]
        for row in rows:
            row["share"] = _share(row["closing_yuan"], row["initial_raised_yuan"])
            row["below_floor"] = row["share"] is not None and row["share"] < FUND_FLOOR
        estate.fund_rows = sorted(rows, key=lambda r: _building_key(r["building_no"]))
        estate.fund_totals = history[-1]
    estate.projects = sorted(
        tables.get("repair_projects", []), key=lambda p: p["project_id"], reverse=True
    )
    years = defaultdict(list)
    for row in tables.get("budgets", []):
        row = dict(row)
        row["ratio"] = (
            _share(row["actual_yuan"], row["budget_yuan"])
            if row["actual_yuan"] is not None
            else None
        )
        years[row["fiscal_year"]].append(row)
    estate.budgets = [
        (year, sorted(years[year], key=lambda r: (r["fund"], r["line_item"])))
        for year in sorted(years, reverse=True)
    ]
    estate.audits = sorted(tables.get("audits", []), key=lambda a: a["report_date"], reverse=True)


def _building_key(value: str):
    digits = "".join(ch for ch in value if ch.isdigit())
    return (int(digits) if digits else 10**9, value)


def _governance(estate: Estate, tables: dict) -> None:
    by_meeting = defaultdict(list)
    for row in tables.get("resolutions", []):
        row = dict(row, vote=evaluate_resolution(row))
        by_meeting[row["meeting_id"]].append(row)
    estate.meetings = [
        dict(m, resolutions=by_meeting.get(m["meeting_id"], []))
        for m in sorted(tables.get("meetings", []), key=lambda m: m["meeting_date"], reverse=True)
    ]
    estate.resolutions = [r for m in estate.meetings for r in m["resolutions"]]


def _performance(estate: Estate, tables: dict) -> None:
    rows = sorted(
        tables.get("work_orders", []),
        key=lambda r: (r["month"], r["channel"], r["category"]),
        reverse=True,
    )
    estate.work_orders = rows
    months = defaultdict(list)
    for row in rows:
        months[row["month"]].append(row)
    summary = []
    for month in sorted(months, reverse=True):
        group = months[month]
        received = sum(r["received"] for r in group)
        closed = sum(r["closed"] for r in group)
        hours = [(r["avg_hours"], r["closed"]) for r in group if r["avg_hours"] is not None]
        weight = sum(c for _, c in hours)
        avg = (sum(Decimal(str(h)) * c for h, c in hours) / weight) if weight else None
        sat = [
            (r["satisfaction_pct"], r["closed"]) for r in group if r["satisfaction_pct"] is not None
        ]
        sweight = sum(c for _, c in sat)
        satisfaction = (sum(Decimal(str(s)) * c for s, c in sat) / sweight) if sweight else None
        summary.append(
            {
                "month": month,
                "received": received,
                "closed": closed,
                "avg_hours": avg,
                "satisfaction": satisfaction,
            }
        )
    estate.work_order_months = summary
    estate.evaluations = sorted(
        tables.get("evaluations", []), key=lambda r: (r["period"], r["subject"]), reverse=True
    )


def _weighted(pairs: list[tuple]) -> Decimal | None:
    weight = sum(w for _, w in pairs)
    if not weight:
        return None
    return sum(Decimal(str(v)) * w for v, w in pairs) / weight


def _metrics(estate: Estate) -> Metrics:
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for fee in estate.fees_current:
        if (
            fee["unit_category"] in RESIDENTIAL
            and fee["unit"] == "元/㎡·月"
            and fee["package"] != "单项"
        ):
            fees[fee["unit_category"]] += money(fee["price_yuan"])
    months = estate.work_order_months[:12]
    received = sum(m["received"] for m in months)
    households = estate.profile.get("households") or 0
    per_100 = Decimal(received) * 100 / households / len(months) if months and households else None
    recent = [r for r in estate.work_orders if r["month"] in {m["month"] for m in months}]
    standards = standards_in_force(estate.tables.get("service_standards", []), estate.as_of)
    return Metrics(
        fee_by_category=dict(sorted(fees.items())),
        fund_share=estate.fund_totals.get("share") if estate.fund_totals else None,
        orders_per_100_households=per_100,
        avg_hours=_weighted(
            [(r["avg_hours"], r["closed"]) for r in recent if r["avg_hours"] is not None]
        ),
        satisfaction=_weighted(
            [
                (r["satisfaction_pct"], r["closed"])
                for r in recent
                if r["satisfaction_pct"] is not None
            ]
        ),
        standards=len(standards),
        staff=sum(r.get("staff") or 0 for r in standards),
        warnings=len(estate.warnings),
        months=len(months),
        gfa_m2=estate.profile.get("total_gfa_m2"),
    )


def _periodic_due(latest: str | None, kind: str, as_of: dt.date, start: dt.date | None):
    """Unpublished periods that are overdue, then the next one coming due."""
    if latest:
        period = next_period(latest)
    else:
        # Nothing published: owe periods from the term's start (or the last year).
        period = period_of(start or as_of - dt.timedelta(days=366), kind)
    # An estate years behind owes every period since, but the calendar lists only the latest
    # few of those; start close to the as-of date so the loop always reaches the next one.
    recent = period_of(as_of, kind)
    for _ in range(5):
        recent = previous_period(recent)
    period = max(period, recent)
    items, guard = [], 0
    while guard < 12:
        deadline = period_deadline(period)
        items.append((period, deadline, deadline < as_of))
        if deadline >= as_of:
            break
        period, guard = next_period(period), guard + 1
    overdue = [i for i in items if i[2]][-4:]  # the latest four overdue are enough to act on
    return overdue + [i for i in items if not i[2]]


def _calendar(estate: Estate, as_of: dt.date, config: dict) -> list[DueItem]:
    start = estate.term["term_start"] if estate.term else None
    items: list[DueItem] = []
    latest_q = estate.quarters[0]["quarter"] if estate.quarters else None
    for period, deadline, late in _periodic_due(latest_q, "Q", as_of, start):
        items.append(
            DueItem(
                deadline,
                "common_income",
                f"公示 {period} 公共收益收支",
                "每季度结束后的下一个月底前公示收支明细（上海市住宅物业管理规定第六十六条）",
                late,
            )
        )
    for period, deadline, late in _periodic_due(estate.fund_period, "H", as_of, start):
        items.append(
            DueItem(
                deadline,
                "repair_fund",
                f"公示 {period} 专项维修资金分户账",
                "每半年公示一次各楼栋维修资金（第六十六条）",
                late,
            )
        )
    audit = next((d for d in estate.disclosure if d.kind == "audit"), None)
    if audit and audit.due_date:
        items.append(
            DueItem(
                audit.due_date,
                "audit",
                f"完成{audit.due_period or '年度'}审计并公示",
                "审计报告公示不少于 30 天（第六十七条）",
                audit.overdue,
            )
        )
    meetings = [m for m in estate.meetings if m["meeting_type"] == "业委会"]
    if meetings and estate.term and estate.term["status"] == "在任":
        gap = int(config.get("meeting_max_gap_days", 62))
        due = meetings[0]["meeting_date"] + dt.timedelta(days=gap)
        items.append(
            DueItem(
                due,
                "meeting",
                "召开业委会会议",
                f"会议间隔不超过两个月（上次：{meetings[0]['meeting_date'].isoformat()}，第二十六条）",
                due < as_of,
            )
        )
    if estate.term and estate.term["status"] == "在任":
        items.append(
            DueItem(
                estate.term["term_end"],
                "term_end",
                f"第{estate.term['term_no']}届业委会任期届满",
                "届满前应当组织换届选举",
                estate.term["term_end"] < as_of,
            )
        )
    return sorted(items, key=lambda i: (i.date, i.kind))
