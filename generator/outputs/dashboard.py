"""The pages over many estates for street offices and district bureaus (issue 12).

- ``overview/``: the city dashboard. Every estate with a light per measure
  (generator/domain/status.py: the levels the estate's own page shows, never recomputed),
  filtered, sorted and paged in the browser by ``theme/assets/dashboard.js`` over a compact
  data file (``overview/estates.json``); without script, ``overview/<district>/`` and its
  ``page-2/``… are the same table, paged and sorted, as plain HTML.
- ``overview/estates.csv`` and ``.xlsx`` (and per district): the same table as downloads,
  the CSV in UTF-8 with a BOM so Excel and WPS on Chinese Windows read its headers.
- ``districts/<d>/`` and ``districts/<d>/<street>/``: indicators this year beside last year
  (generator/domain/indicators.py), the 换届 calendar, estates ranked by fund breaches,
  satisfaction and evaluation, the supervision list.
- ``districts/<d>/<street>/digest/`` and ``digest.xml``: the street office's weekly digest
  (the 7 days ending on the as-of date) as a page and an Atom feed.
- ``companies/`` and ``companies/<credit code>/``: property companies, the estates each
  serves, and the district's pre-selection pool (物业企业预选库).

Everything here reads the estates' summaries (generator/pipeline/summaries.py) and the
district data (``site.district_data``, generator/districts.py); every function returns
``{site-relative path: bytes}`` and is deterministic for the same inputs.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..checks.supervision_visits import visit_days as supervision_visit_days
from ..domain import indicators as ind
from ..domain.status import MEASURES, THRESHOLDS, Level
from ..guide import guide_url
from ..places import DISTRICT_SLUGS

# Rows per static page of the no-script dashboard: small enough for an old phone (a row
# with its nine lights is about 2.8 KB of HTML: 100 rows stay under 400 KB raw).
PAGE_ROWS = 100
# A district page (a district may have a thousand estates) shows its first this many
# estates of the ranking and of the 换届 calendar; its street pages, the paged
# ``overview/<district>/`` list and the downloads show them all. Small enough that the page
# stays under 60 KB gzipped on a phone at 16,000 estates.
DISTRICT_RANK_ROWS = 20
DISTRICT_TERM_ROWS = 20
# Companies per static page of ``companies/<district>/``.
COMPANY_PAGE_ROWS = 200
DIGEST_DAYS = 7
DATA_VERSION = 1
# A unified social credit code (GB 32100): 18 characters of digits and capitals without
# I, O, S, V, Z. Only such a code names a company page, so a URL is always safe.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
ICONS = {Level.NONE: "○", Level.OK: "✓", Level.WATCH: "▲", Level.ACT: "✕"}
_DIGEST_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sunlight-estates/sunlight#digest")


def company_path(code: str | None) -> str | None:
    """``companies/<code>/`` for a well-formed credit code, else None."""
    if code and CREDIT_CODE.match(code):
        return f"companies/{code}/"
    return None


def _days(record, key):
    return record.get(key) if record else None


def sort_key(s) -> tuple:
    """Worst first: the estate's status, then how many lights are 需整改 and 需关注."""
    levels = [s.light(m) for m, _ in MEASURES]
    return (
        -s.status_level,
        -sum(1 for lv in levels if lv == Level.ACT),
        -sum(1 for lv in levels if lv == Level.WATCH),
        -s.warnings,
        s.id,
    )


@dataclass
class Row:
    """One estate in the dashboard table and its downloads."""

    s: object  # EstateSummary
    lights: list[tuple[str, str, Level, str]]  # (measure, label, level, text)
    street_slug: str

    @property
    def reasons(self) -> list[tuple[str, str]]:
        """(label, sentence) of every light worse than 正常, worst first."""
        bad = [(lv, label, text) for _, label, lv, text in self.lights if lv > Level.OK]
        return [(label, text) for lv, label, text in sorted(bad, key=lambda t: -t[0])]

    @property
    def fund_text(self) -> str:
        f = self.s.facts
        return f"{f.fund_below}/{f.fund_buildings}" if f.fund_buildings else "—"


def _row(s, street_slug: str) -> Row:
    lights = [
        (m, label, s.light(m), s.light_texts.get(m, Level.NONE.label)) for m, label in MEASURES
    ]
    return Row(s, lights, street_slug)


# --------------------------------------------------------------------------- data file


def _num(value, digits: int):
    if value is None:
        return None
    return float(round(Decimal(str(value)), digits))


def estates_json(rows: list[Row], as_of: dt.date) -> bytes:
    """The dashboard's data file: short keys, every list indexed, one array per estate.

    ``e`` rows are ``[id, name, district, street, type, status, levels, fee, satisfaction,
    hours, collection, fund below/buildings]``: district/street/type index ``d``/``s``/``t``;
    ``levels`` is one digit per measure of ``m`` (``Level`` values, ``l`` their labels).
    """
    districts: dict[str, int] = {}
    streets: dict[tuple, int] = {}
    types: dict[str, int] = {}
    d_list, s_list, t_list, e_list = [], [], [], []
    for row in rows:
        s = row.s
        if s.district_slug not in districts:
            districts[s.district_slug] = len(d_list)
            d_list.append([s.district_slug, s.district])
        key = (s.district_slug, s.street)
        if key not in streets:
            streets[key] = len(s_list)
            s_list.append([districts[s.district_slug], s.street, row.street_slug])
        if s.property_type not in types:
            types[s.property_type] = len(t_list)
            t_list.append(s.property_type)
        m = s.metrics
        f = s.facts
        e_list.append(
            [
                s.id,
                s.name,
                districts[s.district_slug],
                streets[key],
                types[s.property_type],
                s.status_level,
                "".join(str(int(lv)) for _, _, lv, _ in row.lights),
                _num(m.main_fee if m else None, 2),
                _num(f.satisfaction, 1),
                _num(f.avg_hours, 1),
                _num(f.collection_rate, 1),
                [f.fund_below, f.fund_buildings] if f.fund_buildings else None,
            ]
        )
    data = {
        "v": DATA_VERSION,
        "as_of": as_of.isoformat(),
        "m": [list(pair) for pair in MEASURES],
        "l": [lv.label for lv in Level],
        "d": d_list,
        "s": s_list,
        "t": t_list,
        "e": e_list,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# The directory's name search (theme/assets/sunlight.js): every estate's name and pinyin
# keys, read when a resident first focuses or types in the box, so ``estates/`` itself
# lists only districts and streets (a city's 16,000 names would make it megabytes).
NAMES_PATH = "overview/names.json"


def names_json(site) -> bytes:
    """``{"v", "l": [[label, css]…], "s": [[district, street, url, pinyin keys]…],
    "t": [type…], "e": [[id, name, street index, type index, status level, pinyin keys,
    overdue]…]}`` (an estate matches on its own name and its street's; the pinyin keys are
    全拼 and 首字母, as :func:`generator.outputs.render.pinyin_keys` writes them)."""
    from .render import pinyin_keys

    # Each name's keys from the build cache's memo when there is one (pypinyin costs a
    # quarter of a millisecond a name: 2.6 s a build at 16,000 estates).
    names = {d["name"] for d in site.districts}
    names.update(st["name"] for d in site.districts for st in d["streets"])
    names.update(s.name for d in site.districts for st in d["streets"] for s in st["estates"])
    groups = getattr(site, "groups", None)
    keys = groups.memo("pinyin", pinyin_keys, names) if groups is not None else {}

    def pinyin(*of: str) -> str:
        return " ".join(k for name in of if (k := keys.get(name) or pinyin_keys(name)))

    streets, types = [], {}
    rows = []
    for d in site.districts:
        for st in d["streets"]:
            at = len(streets)
            streets.append(
                [
                    d["name"],
                    st["name"],
                    f"districts/{d['slug']}/{st['slug']}/",
                    pinyin(d["name"], st["name"]),
                ]
            )
            for s in st["estates"]:
                t = types.setdefault(s.property_type, len(types))
                rows.append(
                    [
                        s.id,
                        s.name,
                        at,
                        t,
                        s.status_level,
                        pinyin(s.name),
                        s.disclosure_label if s.overdue else "",
                    ]
                )
    data = {
        "v": DATA_VERSION,
        "l": [[lv.label, lv.css] for lv in Level],
        "s": streets,
        "t": list(types),
        "e": rows,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- downloads

# The fee column says exactly what it is, so a street officer can find it on the estate's
# page (which lists 基础包 and 增值包 per kind of home): the next column names each kind.
FEE_HEADER = "住宅物业费（元/㎡·月，基础包＋增值包；多种住宅取最高）"
FEE_DETAIL_HEADER = "各类住宅物业费（元/㎡·月，基础包＋增值包）"

HEADERS = [
    "小区编号",
    "小区名称",
    "区",
    "街道（镇）",
    "居委会",
    "类型",
    "户数",
    "状态",
    *[f"{label}" for _, label in MEASURES],
    *[f"{label}说明" for _, label in MEASURES],
    FEE_HEADER,
    FEE_DETAIL_HEADER,
    "工单满意率（%）",
    "工单平均办理时长（小时）",
    "物业费收缴率（%）",
    "维修资金低于首期30%的楼栋",
    "物业服务评价",
    "业委会任期届满日",
    "挂牌督办起始日",
    "物业服务企业",
    "统一社会信用代码",
]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def fee_detail(metrics) -> str:
    """「多层住宅 1.85；高层住宅 2.60」: every residential fee the main one is the highest of."""
    fees = metrics.fee_by_category if metrics else {}
    return "；".join(f"{category} {price:.2f}" for category, price in fees.items())


def table_rows(rows: list[Row]) -> list[list]:
    out = []
    for row in rows:
        s, f, m = row.s, row.s.facts, row.s.metrics
        out.append(
            [
                s.id,
                s.name,
                s.district,
                s.street,
                s.residents_committee,
                s.property_type,
                s.households,
                s.status.label,
                *[lv.label for _, _, lv, _ in row.lights],
                *[text for _, _, _, text in row.lights],
                _cell(m.main_fee if m else None),
                fee_detail(m),
                "" if f.satisfaction is None else f"{Decimal(str(f.satisfaction)):.1f}",
                "" if f.avg_hours is None else f"{Decimal(str(f.avg_hours)):.1f}",
                "" if f.collection_rate is None else f"{Decimal(str(f.collection_rate)):.1f}",
                f.fund_below if f.fund_buildings else "",
                f.evaluation_grade or "",
                _cell(f.term_end),
                _cell(f.supervised_since),
                s.company_name or "",
                s.credit_code or "",
            ]
        )
    return out


def estates_csv(rows: list[Row], table: list[list] | None = None) -> bytes:
    """UTF-8 with a BOM and CRLF line ends: Excel and WPS on Chinese Windows read the
    Chinese headers right only with the BOM (the estates' own CSVs stay without).
    ``table``: ``table_rows(rows)``, when the caller has it already."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(table_rows(rows) if table is None else table)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def estates_xlsx(
    rows: list[Row], as_of: dt.date, title: str, table: list[list] | None = None
) -> bytes:
    """The same table as a workbook, byte for byte the same for the same inputs: the
    document's dates are the as-of day, and XlsxWriter gives every zip entry one fixed
    time (1980-01-01) whenever it runs."""
    import xlsxwriter

    # XlsxWriter, not openpyxl (which the committee workbook keeps, for reading and data
    # validation): 2.7 times faster for the city's 16,000 rows × 37 columns, written on
    # every commit, and its shared strings make the file smaller. Every value is written
    # as the CSV has it: never turned into a number, formula or link.
    raw = io.BytesIO()
    book = xlsxwriter.Workbook(
        raw,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    stamp = dt.datetime(as_of.year, as_of.month, as_of.day)
    book.set_properties({"title": title, "author": "阳光公示 Sunlight", "created": stamp})
    sheet = book.add_worksheet("小区")
    sheet.freeze_panes(1, 2)
    sheet.write_row(0, 0, HEADERS)
    for number, values in enumerate(table_rows(rows) if table is None else table, start=1):
        sheet.write_row(number, 0, values)
    book.close()
    return raw.getvalue()


# --------------------------------------------------------------------------- companies


@dataclass
class Company:
    code: str | None
    name: str
    estates: list = field(default_factory=list)
    pool: dict | None = None  # the pool row: listed_date, removed_date, removed_reason…
    in_pool: bool = False
    pool_rows: list[dict] = field(default_factory=list)  # every district's row for the code

    @property
    def path(self) -> str | None:
        return company_path(self.code)

    @property
    def districts(self) -> list[str]:
        return sorted({s.district for s in self.estates})


def _pool(site) -> dict:
    data = getattr(site, "district_data", None)
    pool = getattr(data, "pool", None) if data is not None else None
    return dict(pool or {})


def _pool_rows(site) -> dict[str, list[dict]]:
    """credit code → its rows in every district's pool, by district slug."""
    data = getattr(site, "district_data", None)
    pools = getattr(data, "pools", None) or {}
    out: dict[str, list[dict]] = defaultdict(list)
    for slug in sorted(pools):
        for row in pools[slug]:
            out[row["credit_code"]].append(dict(row, district=row.get("district") or slug))
    return out


def _in_pool(site, code: str) -> bool:
    data = getattr(site, "district_data", None)
    if data is None or not hasattr(data, "in_pool"):
        return False
    return bool(data.in_pool(code, site.as_of))


def companies(site, estates=None, pool_district: str | None = None) -> tuple[list[Company], list]:
    """Companies keyed by credit code, busiest first; and estates whose contract names a
    company without a (well-formed) code, listed by name only.

    Over ``estates`` (default: the city's) and the pool companies of ``pool_district``
    (default: every district's pool), so a district's list reads only its own estates."""
    by_code: dict[str, Company] = {}
    unnamed = []
    for s in site.estates if estates is None else estates:
        if not s.company_name:
            continue
        if company_path(s.credit_code) is None:
            unnamed.append(s)
            continue
        company = by_code.setdefault(s.credit_code, Company(s.credit_code, s.company_name))
        company.estates.append(s)
    pool = _pool(site)
    rows = _pool_rows(site)
    for code, row in pool.items():
        if company_path(code) is None:
            continue
        if pool_district is not None and not any(
            r["district"] == pool_district for r in rows.get(code, [])
        ):
            continue
        company = by_code.setdefault(code, Company(code, row.get("company_name") or code))
    for code, company in by_code.items():
        company.pool = pool.get(code)
        company.in_pool = _in_pool(site, code)
        company.pool_rows = rows.get(code, [])
    ordered = sorted(by_code.values(), key=lambda c: (-len(c.estates), c.name, c.code))
    return ordered, sorted(unnamed, key=lambda s: (s.company_name, s.id))


# --------------------------------------------------------------------------- digest


def week(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The digest's week: the 7 days ending on the as-of date, both ends included."""
    return as_of - dt.timedelta(days=DIGEST_DAYS - 1), as_of


def digest(site, estates: list) -> dict:
    """What a street office reads on Monday, for the week ending on the as-of date."""
    start, end = week(site.as_of)
    ids = {s.id for s in estates}
    names = {s.id: s.name for s in estates}
    changes = []
    # A version that only reformatted a file (「格式调整，内容无变化」) gives a street office
    # nothing to do: counted in one line, not listed.
    format_only = 0
    if site.history:
        for entry in site.history.all_entries():
            if entry.estate_id in ids and start <= entry.day <= end:
                if entry.changes and all(c.kind == "format-only" for c in entry.changes):
                    format_only += 1
                else:
                    changes.append(entry)
        changes.sort(key=lambda e: (e.date, e.seq, e.estate_id), reverse=True)
    overdue = []
    for s in estates:
        for item in s.disclosure:
            # Overdue from the day after its deadline: became overdue this week.
            if item.overdue and item.due_date is not None:
                became = item.due_date + dt.timedelta(days=1)
                if start <= became <= end:
                    overdue.append((s, item, became))
    # The same N as the supervision-visits rule, from the same setting.
    visit_days = supervision_visit_days(getattr(site, "rules", None) or {})
    unvisited = []
    for s in estates:
        f = s.facts
        if f.supervised_since is None:
            continue
        since = f.last_visit or f.supervised_since
        days = (site.as_of - since).days
        if days > visit_days:
            unvisited.append((s, f.last_visit, days))
    return {
        "start": start,
        "end": end,
        "changes": changes,
        "format_only": format_only,
        "names": names,
        "overdue": sorted(overdue, key=lambda t: (t[2], t[0].id)),
        "terms": ind.terms_ending(estates),
        "unvisited": sorted(unvisited, key=lambda t: (-t[2], t[0].id)),
        "visit_days": visit_days,
    }


def digest_entry_id(district_slug: str, street_slug: str, end: dt.date) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_DIGEST_NS, f"{district_slug}/{street_slug}/{end}"))


# --------------------------------------------------------------------------- pages


def _ranked(estates: list) -> list:
    """Fund breaches first (most buildings under the floor), then lowest satisfaction."""

    def key(s):
        f = s.facts
        sat = f.satisfaction if f.satisfaction is not None else Decimal(101)
        return (-f.fund_below, Decimal(str(sat)), s.id)

    return sorted(estates, key=key)


def _median_of(values) -> Decimal | None:
    values = sorted(Decimal(str(v)) for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def street_rows(district: dict) -> list[dict]:
    """The district page's 「各街道对比」: per street, counts and medians over its estates,
    each the count or median of a column of the street page's own 「各小区对比」 and
    换届日历, so every figure traces to the estates listed there."""
    out = []
    for street in district["streets"]:
        members = street["estates"]
        out.append(
            {
                "street": street,
                "count": len(members),
                "act": sum(1 for s in members if s.status_level == Level.ACT),
                "watch": sum(1 for s in members if s.status_level == Level.WATCH),
                "overdue": sum(1 for s in members if s.overdue),
                "fund_below": sum(1 for s in members if s.facts.fund_below),
                "supervised": sum(1 for s in members if s.facts.supervised_since is not None),
                "terms": len(ind.terms_ending(members)),
                "fee_median": _median_of(s.metrics.main_fee for s in members if s.metrics),
                "sat_median": _median_of(s.metrics.satisfaction for s in members if s.metrics),
            }
        )
    return out


def _level_counts(rows: list[Row]) -> dict[str, list[int]]:
    """measure → how many of ``rows`` have each level's light, in ``Level`` order (one
    pass over the rows: counted per measure and level it took 0.5 s at 4,000 estates)."""
    at = {lv: n for n, lv in enumerate(Level)}
    counts = {m: [0] * len(at) for m, _ in MEASURES}
    for row in rows:
        for m, _label, lv, _text in row.lights:
            if (n := at.get(lv)) is not None:
                counts[m][n] += 1
    return counts


def _paged(base: str, items: list, size: int) -> tuple[list[str], list[list]]:
    """A list cut into pages of ``size`` (at least one page, empty or not): their URLs,
    ``base`` then ``base``page-2/ …, and their items."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    return [base if n == 1 else f"{base}page-{n}/" for n in range(1, len(chunks) + 1)], chunks


def render_dashboard(site, frame, env) -> dict[str, bytes]:
    """Every page and file listed in the module docstring."""
    from .feeds import digest_feed
    from .render import district_value_chart, rel

    out: dict[str, bytes] = {}
    # Where page() and the downloads write: the group being rendered (pipeline/groups.py),
    # else the city's own files.
    sinks = [out]
    groups = getattr(site, "groups", None)

    def page(url, title, template, *, script=False, feed=None, **context):
        assets = f'<link rel="stylesheet" href="{rel("assets/dashboard.css", url)}">'
        if script:
            assets += f'\n<script src="{rel("assets/dashboard.js", url)}" defer></script>'
        body = env.get_template(template).render(
            url=url, site=site, feed=feed, Level=Level, MEASURES=MEASURES, ICONS=ICONS, **context
        )
        html = frame.render(url, title, body, feed=feed, head_extra=assets)
        sinks[-1][url + "index.html"] = html.encode("utf-8")

    def group(kind: str, ident: str, members, render_group) -> None:
        """The files ``render_group()`` writes for the group, or the cached ones."""

        def produce() -> dict[str, bytes]:
            sinks.append({})
            try:
                render_group()
                return sinks[-1]
            finally:
                sinks.pop()

        if groups is None:
            out.update(produce())
        else:
            out.update(groups.files(kind, ident, (s.id for s in members), produce))

    streets_of = {}
    for district in site.districts:
        for street in district["streets"]:
            for s in street["estates"]:
                streets_of[s.id] = street["slug"]
    rows = [_row(s, streets_of.get(s.id, "")) for s in sorted(site.estates, key=sort_key)]
    by_district: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_district[row.s.district_slug].append(row)

    # The city dashboard and its downloads.
    attention = [r for r in rows if r.s.status_level > Level.OK or r.s.warnings][:20]
    rule_links = {
        rule: tuple(guide_url(rule).partition("#")[::2])
        for r in attention
        for rule in r.s.warning_rules
    }
    out["overview/estates.json"] = estates_json(rows, site.as_of)
    out[NAMES_PATH] = names_json(site)
    # The city's table once, for its CSV and its workbook's key (16,000 rows).
    table = table_rows(rows)
    out["overview/estates.csv"] = estates_csv(rows, table)
    out.update(
        # The city's workbook (16,000 rows at city scale, ~5 s) is kept by its values: a
        # commit that changes no figure of the table does not write it again.
        groups.files(
            "city-workbook",
            hashlib.sha256(repr(table).encode("utf-8")).hexdigest(),
            (),
            lambda: {"overview/estates.xlsx": estates_xlsx(rows, site.as_of, "全市小区")},
        )
        if groups is not None
        else {"overview/estates.xlsx": estates_xlsx(rows, site.as_of, "全市小区")}
    )
    level_counts = {d["slug"]: _level_counts(by_district[d["slug"]]) for d in site.districts}
    page(
        "overview/",
        "全市概览",
        "overview.html",
        script=True,
        attention=attention,
        rule_links=rule_links,
        level_counts=level_counts,
        page_rows=PAGE_ROWS,
    )

    def district_list(district: dict, mine: list) -> None:
        base = f"overview/{district['slug']}/"
        sinks[-1][base + "estates.csv"] = estates_csv(mine, tables[district["slug"]])
        urls, chunks = _paged(base, mine, PAGE_ROWS)
        for n, (url, rows) in enumerate(zip(urls, chunks, strict=True), start=1):
            page(
                url,
                f"{district['name']} · 各小区状态" + (f"（第 {n} 页）" if n > 1 else ""),
                "dashboard_list.html",
                district=district,
                rows=rows,
                page_no=n,
                page_urls=urls,
                first=(n - 1) * PAGE_ROWS + 1,
                total=len(mine),
            )

    # Each district's rows of the city's table (in the same order as by_district's).
    tables: dict[str, list[list]] = defaultdict(list)
    for row, values in zip(rows, table, strict=True):
        tables[row.s.district_slug].append(values)
    for district in site.districts:
        mine = by_district[district["slug"]]
        group(
            "district-list",
            district["slug"],
            [r.s for r in mine],
            lambda district=district, mine=mine: district_list(district, mine),
        )
        # Its workbook, like the city's, is kept by its values (~0.4 s for 250 rows).
        path = f"overview/{district['slug']}/estates.xlsx"
        mine_table = tables[district["slug"]]

        def workbook(path=path, mine=mine, mine_table=mine_table, title=district["name"]):
            return {path: estates_xlsx(mine, site.as_of, title, mine_table)}

        ident = repr((district["name"], mine_table)).encode("utf-8")
        out.update(
            groups.files(
                "district-workbook",
                f"{district['slug']}/{hashlib.sha256(ident).hexdigest()}",
                (),
                workbook,
            )
            if groups is not None
            else workbook()
        )

    # Districts and streets: indicators, the 换届 calendar, rankings, supervision.
    def district_pages(district: dict) -> None:
        base = f"districts/{district['slug']}/"
        members = district["estates"]
        listings = _listings(site, district, members)
        page(
            base,
            district["name"],
            "district.html",
            district=district,
            indicators=ind.indicators(members, site.as_of),
            terms=ind.terms_ending(members),
            term_limit=DISTRICT_TERM_ROWS,
            ranked=_ranked(members),
            rank_limit=DISTRICT_RANK_ROWS,
            listings=listings,
            streets=street_rows(district),
            page_rows=PAGE_ROWS,
            this_year=site.as_of.year,
        )
        district_companies(district)
        # Same-sounding streets share the slug their estates' breadcrumbs link to
        # (render.street_slugs): that page names each of them.
        for slug, streets in district["shared_slugs"].items():
            page(
                base + slug + "/",
                f"{district['name']} · {'、'.join(st['name'] for st in streets)}",
                "street_choice.html",
                district=district,
                streets=streets,
            )

    def street_value(district: dict, street: dict, value_rows: list[dict]) -> None:
        """The street's 质价 page: its estates against the district's medians per type
        (render.value_rows), the scatter of their fee and satisfaction."""
        surl = f"districts/{district['slug']}/{street['slug']}/"
        page(
            surl + "value/",
            f"{district['name']} {street['name']} · 质价对比",
            "street_value.html",
            district=district,
            street=street,
            rows=value_rows,
            chart=district_value_chart(
                {
                    "slug": f"{district['slug']}-{street['slug']}",
                    "name": street["name"],
                    "value_rows": value_rows,
                }
            ),
        )

    def street_pages(district: dict, street: dict) -> None:
        """A street's page and weekly digest (page and feed): from its own estates."""
        surl = f"districts/{district['slug']}/{street['slug']}/"
        feed_path = surl + "digest.xml" if site.feeds_enabled else None
        page(
            surl,
            f"{district['name']} {street['name']}",
            "street.html",
            district=district,
            street=street,
            indicators=ind.indicators(street["estates"], site.as_of),
            terms=ind.terms_ending(street["estates"]),
            ranked=_ranked(street["estates"]),
            this_year=site.as_of.year,
            feed=feed_path,
        )
        week_digest = digest(site, street["estates"])
        page(
            surl + "digest/",
            f"{street['name']} · 本周摘要",
            "digest.html",
            district=district,
            street=street,
            digest=week_digest,
            absolute=False,
            feed=feed_path,
        )
        if feed_path:
            body = env.get_template("_digest_body.html").render(
                url=surl + "digest/", site=site, digest=week_digest, absolute=True
            )
            sinks[-1][feed_path] = digest_feed(
                feed_path=feed_path,
                page_path=surl + "digest/",
                title=f"{district['name']}{street['name']} 每周摘要",
                entry_id=digest_entry_id(district["slug"], street["slug"], site.as_of),
                entry_title=(
                    f"{street['name']} 本周摘要（{week_digest['start'].isoformat()}"
                    f" 至 {week_digest['end'].isoformat()}）"
                ),
                content_html=body,
                summary=_digest_summary(week_digest),
                site_url=site.site_url,
                as_of=site.as_of,
            ).encode("utf-8")

    district_names = {slug: name for name, slug in DISTRICT_SLUGS.items()}
    district_names.update({d["slug"]: d["name"] for d in site.districts})

    def district_companies(district: dict) -> None:
        """``companies/<district>/`` (and ``page-2/``…): the companies serving the
        district's estates, from those estates only (a company serving two districts is
        on both), and the district's pool companies that serve none of them."""
        mine, unnamed = companies(site, district["estates"], pool_district=district["slug"])
        for company in mine:
            company.estates = [s for s in company.estates if s.district_slug == district["slug"]]
        base = f"companies/{district['slug']}/"
        urls, chunks = _paged(base, mine, COMPANY_PAGE_ROWS)
        for n, (url, chunk) in enumerate(zip(urls, chunks, strict=True), start=1):
            page(
                url,
                f"{district['name']} · 物业服务企业" + (f"（第 {n} 页）" if n > 1 else ""),
                "companies_district.html",
                district=district,
                companies=chunk,
                total=len(mine),
                first=(n - 1) * COMPANY_PAGE_ROWS + 1,
                page_no=n,
                page_urls=urls,
                unnamed=unnamed if n == 1 else [],
            )

    for district in site.districts:
        group(
            "district",
            district["slug"],
            district["estates"],
            lambda district=district: district_pages(district),
        )
        # A street's own groups: a commit to one estate renders its street's pages again,
        # not every street's of the district.
        for street in district["streets"]:
            ident = f"{district['slug']}/{street['slug']}"
            group(
                "street",
                ident,
                street["estates"],
                lambda district=district, street=street: street_pages(district, street),
            )
            # Its 质价 page also reads the district's medians of its estates' types: they
            # are in the group's name, so the page changes with them and only with them.
            rows = [r for r in district["value_rows"] if r["estate"].street == street["name"]]
            medians = [
                (
                    r["estate"].id,
                    r["type"],
                    str(r["fee_median"]),
                    str(r["sat_median"]),
                    r["flagged"],
                )
                for r in rows
            ]
            group(
                "street-value",
                ident + "/" + hashlib.sha256(repr(medians).encode()).hexdigest()[:32],
                street["estates"],
                lambda district=district, street=street, rows=rows: street_value(
                    district, street, rows
                ),
            )

    # Companies.
    listed, unnamed = companies(site)
    page(
        "companies/",
        "物业服务企业",
        "companies.html",
        companies=listed,
        top=listed[:COMPANY_TOP_ROWS],
        by_district=companies_by_district(site, listed, unnamed),
        pool_summary=pool_summary(listed),
        unnamed=unnamed,
    )
    for company in listed:
        group(
            "company",
            company.path,
            company.estates,
            lambda company=company: page(
                company.path,
                company.name,
                "company.html",
                company=company,
                district_names=district_names,
                estates=sorted(company.estates, key=lambda s: (s.district_slug, s.street, s.id)),
            ),
        )
    return out


# The companies' index names the busiest this many (the rest are on the district lists).
COMPANY_TOP_ROWS = 20


def companies_by_district(site, listed: list[Company], unnamed: list) -> list[dict]:
    """Per district: the companies serving its estates, the estates they serve, how many
    of those companies are in the pool today, and the estates without a credit code —
    the counts ``companies/<district>/`` lists."""
    pool_rows = _pool_rows(site)
    # One pass over the companies (per district and company, 11,000 companies by 16
    # districts, it took seconds at city scale).
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("companies", "estates", "in_pool", "pool_only", "unnamed"), 0)
    )
    for c in listed:
        if not c.estates:
            for slug in {r["district"] for r in pool_rows.get(c.code, [])}:
                counts[slug]["pool_only"] += 1
            continue
        served: dict[str, int] = defaultdict(int)
        for s in c.estates:
            served[s.district_slug] += 1
        for slug, n in served.items():
            counts[slug]["companies"] += 1
            counts[slug]["estates"] += n
            counts[slug]["in_pool"] += bool(c.in_pool)
    for s in unnamed:
        counts[s.district_slug]["unnamed"] += 1
    return [{"district": d, **counts[d["slug"]]} for d in site.districts]


def pool_summary(listed: list[Company]) -> dict:
    """The pre-selection pool over the city: companies in it today, removed, and serving
    no estate of this site."""
    pooled = [c for c in listed if c.pool]
    return {
        "in_pool": sum(1 for c in pooled if c.in_pool),
        "removed": sum(1 for c in pooled if not c.in_pool),
        "serving": sum(1 for c in pooled if c.in_pool and c.estates),
        "idle": sum(1 for c in pooled if c.in_pool and not c.estates),
        "companies": len(listed),
    }


def _digest_summary(d: dict) -> str:
    return (
        f"本周数据更新 {len(d['changes'])} 次"
        + (f"（另有 {d['format_only']} 次仅格式调整）" if d["format_only"] else "")
        + f"；新逾期 {len(d['overdue'])} 项；"
        f"{THRESHOLDS['term_watch_days']} 天内任期届满 {len(d['terms'])} 个；"
        f"超过 {d['visit_days']} 天未走访的督办小区 {len(d['unvisited'])} 个"
    )


# Every key the district page's supervision table reads, so a record that lacks one
# (district data not kept in this repository, an older summary) prints "—".
_LISTING_KEYS = dict.fromkeys(
    ("listed_date", "delisted_date", "delisted_reason", "reason", "unit", "last_visit")
)


def _listings(site, district: dict, members: list) -> list[dict]:
    """The district's supervision listings, newest first, with the estate's summary."""
    by_id = {s.id: s for s in members}
    data = getattr(site, "district_data", None)
    rows = []
    for listing in list(getattr(data, "listings", None) or []):
        estate = by_id.get(listing.get("estate_id"))
        if estate is None:
            continue
        listed, delisted = listing.get("listed_date"), listing.get("delisted_date")
        end = delisted or site.as_of
        rows.append(
            {
                **_LISTING_KEYS,
                **listing,
                "estate": estate,
                "days": (end - listed).days if listed else None,
                "open": delisted is None,
                "last_visit": listing.get("last_visit") or _last_visit(listing),
            }
        )
    if not rows:
        # Without the district's own list, the estates' records (the latest listing each).
        for s in members:
            rec = s.supervision
            if not rec:
                continue
            listed, delisted = rec.get("listed_date"), rec.get("delisted_date")
            rows.append(
                {
                    **_LISTING_KEYS,
                    **rec,
                    "estate": s,
                    "days": ((delisted or site.as_of) - listed).days if listed else None,
                    "open": delisted is None,
                }
            )
    return sorted(
        rows, key=lambda r: (not r["open"], r.get("listed_date") or dt.date.min, r["estate"].id)
    )


def _last_visit(listing: dict):
    visits = [v.get("visit_date") for v in listing.get("visits") or [] if v.get("visit_date")]
    return max(visits) if visits else None


__all__ = [
    "COMPANY_PAGE_ROWS",
    "CREDIT_CODE",
    "FEE_DETAIL_HEADER",
    "FEE_HEADER",
    "HEADERS",
    "NAMES_PATH",
    "PAGE_ROWS",
    "company_path",
    "companies",
    "companies_by_district",
    "street_rows",
    "digest",
    "estates_csv",
    "estates_json",
    "estates_xlsx",
    "names_json",
    "render_dashboard",
    "sort_key",
    "week",
]
