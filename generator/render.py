"""Stage 4 — render: write the site's pages as plain Markdown files.

Pages are jinja2 templates from ``theme/sunlight/`` rendered with autoescape (every value
from data is escaped) and StrictUndefined (a missing value fails the build rather than
printing nothing). Each page is a Markdown file with front matter whose body is
mostly raw HTML blocks: Python-Markdown leaves those alone, so a name like 张*明 is
never mistaken for emphasis. The output is plain files that any MkDocs-compatible
builder can turn into a site; nothing here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import posixpath
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jinja2
import segno
import yaml
from icalendar import Calendar, Event
from markupsafe import Markup
from pypinyin import lazy_pinyin

from . import feeds
from .charts import Series, bar_chart, scatter_chart
from .history import WITHHELD, Entry, History, commit_url, file_url
from .model import DISTRICT_SLUGS, TABLE_TITLES, Estate
from .privacy import Guard

# The version token a printed notice carries in its QR code (?v=…): the start of the
# package's content checksum, which names the same content with or without git.
VERSION_CHARS = 8

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"

ESTATE_PAGES = [
    # (slug, title, template)
    ("", "概况", "estate_overview.html"),
    ("committee", "业委会", "estate_committee.html"),
    ("finances", "财务", "estate_finances.html"),
    ("service", "物业服务", "estate_service.html"),
    ("governance", "会议与决议", "estate_governance.html"),
    ("performance", "服务评价", "estate_performance.html"),
    ("calendar", "公示日历", "estate_calendar.html"),
    ("history", "变更记录", "estate_history.html"),
]


@dataclass
class Site:
    """What every page template receives as ``site``."""

    as_of: dt.date
    site_url: str
    estates: list[Estate]
    districts: list[dict]
    total_households: int
    overdue_estates: int
    most_warnings: list[Estate]
    history: History | None = None
    repo_url: str | None = None
    # Everything published from data or git goes through it (generator/privacy.py).
    guard: Guard = field(default_factory=Guard)

    @property
    def feeds_enabled(self) -> bool:
        """Atom needs absolute ids: feeds are written only with history and an http(s) URL."""
        return bool(self.history) and self.site_url.startswith(("http://", "https://"))

    def versions(self, estate: Estate) -> list[Entry]:
        """The estate's committed versions, newest first ([] without git history)."""
        return self.history.for_estate(estate.id) if self.history else []

    def current_version(self, estate: Estate) -> Entry | None:
        """The commit whose content this build shows, None if not committed."""
        return self.history.version_of(estate.id, estate.checksum) if self.history else None


def yuan(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)):,.2f}"


def pct(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{Decimal(str(value)) * 100:.{digits}f}%"


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)):,.{digits}f}"


def cn_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def yesno(value) -> str:
    return "—" if value is None else ("是" if value else "否")


def rel(target: str, base: str) -> str:
    """Relative link from the page at directory URL ``base`` to ``target``.

    URLs are directory-style ("estates/x/committee/"); a target without a trailing
    slash is a file. Relative links keep the site working under any base path (a
    GitHub Pages project site, a local preview).
    """
    is_dir = target == "" or target.endswith("/")
    path = posixpath.relpath(target.rstrip("/") or ".", base.rstrip("/") or ".")
    if is_dir:
        return "./" if path == "." else path + "/"
    return path


def _single_line(value):
    # A newline inside a cell would end Markdown's raw HTML block early.
    if isinstance(value, str) and not isinstance(value, Markup) and "\n" in value:
        return " ".join(value.split())
    return value


def environment(theme_dir: Path = THEME_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir / "sunlight")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_single_line,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        yuan=yuan,
        pct=pct,
        number=number,
        cn_date=cn_date,
        yesno=yesno,
        table_title=lambda name: TABLE_TITLES.get(name, name),
    )
    env.globals.update(
        rel=rel,
        commit_url=commit_url,
        file_url=file_url,
        VERSION_CHARS=VERSION_CHARS,
        WITHHELD=WITHHELD,
    )
    return env


def _front_matter(meta: dict) -> str:
    # MkDocs and Material print the title unescaped: escape it here, exactly once.
    meta = dict(meta, title=html.escape(meta["title"], quote=False))
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n"


def qr_svg(url: str) -> Markup:
    """The notice's QR code: a regular (not Micro) QR code, error correction M."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    svg = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    return Markup(
        svg.replace("<svg ", '<svg role="img" aria-label="二维码：' + html.escape(url) + '" ', 1)
    )


def estate_charts(estate: Estate) -> dict[str, Markup]:
    """The charts of an estate's pages, keyed by name; absent when there is no data."""
    charts: dict[str, Markup] = {}
    quarters = list(reversed(estate.quarters[:8]))
    if quarters:
        charts["common_income"] = bar_chart(
            "chart-ci",
            f"{estate.name} 公共收益：最近 {len(quarters)} 个季度的收入与支出（元）",
            [q["quarter"] for q in quarters],
            [
                Series("收入", [q["income_yuan"] for q in quarters], "sl-c1"),
                Series(
                    "支出",
                    [
                        q["cost_yuan"] + q["transfer_to_fund_yuan"] + q["other_spending_yuan"]
                        for q in quarters
                    ],
                    "sl-c2",
                ),
            ],
        )
    budgets = [
        (year, rows)
        for year, rows in estate.budgets
        if any(r["actual_yuan"] is not None for r in rows)
    ]
    if budgets:
        year, rows = budgets[0]
        charts["budget"] = bar_chart(
            "chart-budget",
            f"{estate.name} {year} 年度预算与决算（元）",
            [f"{r['fund']}·{r['line_item']}" for r in rows],
            [
                Series("预算", [r["budget_yuan"] for r in rows], "sl-c1"),
                Series("决算", [r["actual_yuan"] for r in rows], "sl-c2"),
            ],
        )
    if estate.fund_rows:
        shares = [r["share"] * 100 if r["share"] is not None else None for r in estate.fund_rows]
        charts["fund"] = bar_chart(
            "chart-fund",
            f"{estate.name} {estate.fund_period} 各楼栋维修资金余额占首期归集的比例",
            [f"{r['building_no']}号楼" for r in estate.fund_rows],
            [Series("余额占比", shares, "sl-c1")],
            unit="%",
            reference=(Decimal(30), "30% 警戒线"),
            highlight=[r["below_floor"] for r in estate.fund_rows],
        )
    months = list(reversed(estate.work_order_months[:12]))
    if months:
        charts["work_orders"] = bar_chart(
            "chart-orders",
            f"{estate.name} 最近 {len(months)} 个月的工单（件）",
            [m["month"] for m in months],
            [
                Series("受理", [m["received"] for m in months], "sl-c1"),
                Series("办结", [m["closed"] for m in months], "sl-c2"),
            ],
        )
    return charts


def place_slug(name: str, suffixes: tuple[str, ...] = ("街道", "镇", "乡", "区")) -> str:
    """ "田林街道" → "tianlin": pinyin without the administrative suffix, for stable URLs."""
    core = name
    for suffix in suffixes:
        if core.endswith(suffix) and len(core) > len(suffix):
            core = core[: -len(suffix)]
            break
    slug = "".join(lazy_pinyin(core)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    return slug or "x-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _median(values: list[Decimal]) -> Decimal | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def value_rows(estates: list[Estate]) -> list[dict]:
    """质价: each estate's fee against what it buys, judged within its property type.

    Fees differ several-fold between 售后公房 and 商品房, so an estate is compared with the
    median of its own type in the same district: paying more than the median while
    residents are less satisfied than the median is flagged as 多付少得.
    """
    by_type: dict[str, list[Estate]] = defaultdict(list)
    for estate in estates:
        by_type[estate.property_type].append(estate)
    rows = []
    for kind in sorted(by_type):
        group = by_type[kind]
        fees = [e.metrics.main_fee for e in group if e.metrics.main_fee is not None]
        sats = [e.metrics.satisfaction for e in group if e.metrics.satisfaction is not None]
        fee_median, sat_median = _median(fees), _median(sats)
        for estate in sorted(group, key=lambda e: e.metrics.main_fee or 0, reverse=True):
            m = estate.metrics
            flagged = bool(
                len(group) > 1
                and m.main_fee is not None
                and m.satisfaction is not None
                and m.main_fee > fee_median
                and m.satisfaction < sat_median
            )
            rows.append(
                {
                    "estate": estate,
                    "type": kind,
                    "fee_median": fee_median,
                    "sat_median": sat_median,
                    "flagged": flagged,
                }
            )
    return rows


def group_districts(estates: list[Estate]) -> list[dict]:
    districts: dict[str, dict] = {}
    for estate in estates:
        d = districts.setdefault(
            estate.district,
            {"name": estate.district, "slug": estate.district_slug, "streets": defaultdict(list)},
        )
        d["streets"][estate.street].append(estate)
    order = {name: i for i, name in enumerate(DISTRICT_SLUGS)}
    out = []
    for name in sorted(districts, key=lambda n: (order.get(n, 99), n)):
        d = districts[name]
        streets, used = [], set()
        for street in sorted(d["streets"]):
            slug = place_slug(street)
            base, n = slug, 1
            while slug in used or slug == "value":  # 同音 streets, or the 质价 page's URL
                n += 1
                slug = f"{base}-{n}"
            used.add(slug)
            streets.append({"name": street, "slug": slug, "estates": d["streets"][street]})
        members = [e for st in streets for e in st["estates"]]
        out.append(
            {
                "name": name,
                "slug": d["slug"],
                "streets": streets,
                "estates": members,
                "count": len(members),
                "overdue": sum(1 for e in members if e.overdue),
                "overdue_by_kind": {
                    kind: sum(
                        1
                        for e in members
                        for item in e.disclosure
                        if item.kind == kind and item.overdue
                    )
                    for kind in ("common_income", "repair_fund", "audit")
                },
                "value_rows": value_rows(members),
            }
        )
    return out


class Renderer:
    def __init__(self, docs_dir: Path, site: Site, theme_dir: Path = THEME_DIR):
        self.docs_dir = docs_dir
        self.site = site
        self.env = environment(theme_dir)

    def page(self, url: str, template: str, meta: dict, **context) -> None:
        """Render ``template`` as the page at directory URL ``url``."""
        body = self.env.get_template(template).render(site=self.site, url=url, **context)
        path = self.docs_dir / (url + "index.md" if url.endswith("/") or not url else url)
        if url and not url.endswith("/"):
            raise ValueError(f"page URLs end with a slash: {url!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_front_matter(meta) + body, "utf-8")

    def render_all(self, progress=None) -> None:
        site = self.site
        self.page("", "home.html", {"title": "阳光公示", "search": {"boost": 2}})
        self.page("estates/", "directory.html", {"title": "小区目录"})
        self.page("overview/", "overview.html", {"title": "全市概览"})
        for district in site.districts:
            base = f"districts/{district['slug']}/"
            self.page(base, "district.html", {"title": district["name"]}, district=district)
            self.page(
                base + "value/",
                "value.html",
                {"title": f"{district['name']} · 质价对比"},
                district=district,
                chart=district_value_chart(district),
            )
            for street in district["streets"]:
                self.page(
                    base + street["slug"] + "/",
                    "street.html",
                    {"title": f"{district['name']} {street['name']}"},
                    district=district,
                    street=street,
                )
        for estate in site.estates:
            self.estate(estate)
            if progress:
                progress(estate)
        self.feeds()

    def feeds(self) -> None:
        """Atom feeds: one per estate, one for the city (only with an absolute site URL)."""
        site = self.site
        if not site.feeds_enabled:
            return
        names = {e.id: e.name for e in site.estates}
        (self.docs_dir / feeds.CITY_FEED_PATH).write_text(
            feeds.city_feed(
                site.history.all_entries(),
                site.site_url,
                site.as_of,
                names=names,
                repo_url=site.repo_url,
                guard=site.guard,
            ),
            "utf-8",
        )
        for estate in site.estates:
            path = self.docs_dir / feeds.estate_feed_path(estate.id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                feeds.estate_feed(
                    estate.id,
                    estate.name,
                    site.versions(estate),
                    site.site_url,
                    site.as_of,
                    repo_url=site.repo_url,
                    guard=site.guard,
                ),
                "utf-8",
            )

    def estate(self, estate: Estate) -> None:
        base = f"estates/{estate.id}/"
        charts = estate_charts(estate)
        versions = self.site.versions(estate)
        current = self.site.current_version(estate)
        for slug, title, template in ESTATE_PAGES:
            url = base + (slug + "/" if slug else "")
            meta = {"title": f"{estate.name} · {title}" if slug else estate.name}
            if self.site.feeds_enabled:
                meta["sl_feed"] = rel(f"estates/{estate.id}/feed.xml", url)
            if not slug:
                meta["search"] = {"boost": 3}
            self.page(
                url,
                template,
                meta,
                estate=estate,
                pages=ESTATE_PAGES,
                page_slug=slug,
                charts=charts,
                versions=versions,
                current=current,
                versions_json=versions_json(estate, versions),
            )
        (self.docs_dir / base).mkdir(parents=True, exist_ok=True)
        (self.docs_dir / base / "calendar.ics").write_bytes(
            calendar_ics(estate, self.site.site_url)
        )
        estate_url = self.site.site_url.rstrip("/") + "/" + base
        # The QR code carries the version, so a scanned notice can say whether it is current.
        qr_url = f"{estate_url}?v={estate.checksum[:VERSION_CHARS]}"
        self.page(
            base + "notice/",
            "notice.html",
            {
                "title": f"{estate.name} · 公示告示",
                "template": "notice.html",
                "search": {"exclude": True},
                "hide": ["navigation", "toc"],
            },
            estate=estate,
            qr=qr_svg(qr_url),
            qr_url=qr_url,
            estate_url=estate_url,
        )


def versions_json(estate: Estate, versions: list[Entry]) -> Markup:
    """What the overview page's notice check reads: this build's version and the older
    ones with their dates (newest first). Inline, so checking costs no request."""
    data = {
        "current": estate.checksum[:VERSION_CHARS],
        "versions": [
            {"v": e.checksum[:VERSION_CHARS], "date": e.day.isoformat(), "anchor": e.anchor}
            for e in versions
            if e.checksum
        ],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c"))


def district_value_chart(district: dict) -> Markup | None:
    points = [
        (
            r["estate"].name,
            r["estate"].metrics.main_fee,
            r["estate"].metrics.satisfaction,
            r["flagged"],
        )
        for r in district["value_rows"]
        if r["estate"].metrics.main_fee is not None and r["estate"].metrics.satisfaction is not None
    ]
    if not points:
        return None
    return scatter_chart(
        f"chart-value-{district['slug']}",
        f"{district['name']}：物业费（元/㎡·月）与满意率（%）",
        [(name, fee, round(sat, 1), hl) for name, fee, sat, hl in points],
        x_label="物业费（元/㎡·月）",
        y_label="满意率 %",
    )


def calendar_ics(estate: Estate, site_url: str) -> bytes:
    """The disclosure calendar as iCalendar, for a secretary's phone calendar.

    UIDs and DTSTAMP come from the data and the as-of date, so the file is identical for
    identical inputs (a subscribed calendar sees no spurious updates).
    """
    cal = Calendar()
    cal.add("prodid", "-//Sunlight 阳光公示//calendar//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{estate.name} 公示日历")
    url = site_url.rstrip("/") + f"/estates/{estate.id}/calendar/"
    stamp = dt.datetime.combine(estate.as_of, dt.time(0, 0), tzinfo=dt.UTC)
    for item in estate.calendar:
        event = Event()
        event.add("uid", f"{estate.id}-{item.kind}-{item.date.isoformat()}@sunlight")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.date)
        event.add("dtend", item.date + dt.timedelta(days=1))
        event.add(
            "summary", f"{estate.name}：{item.title}" + ("（已逾期）" if item.overdue else "")
        )
        event.add("description", f"{item.detail}\n{url}")
        event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()


def write_downloads(
    estate: Estate,
    descriptor: dict,
    files: dict[str, Path],
    docs_dir: Path,
    guard: Guard | None = None,
) -> None:
    """Publish the package as it was validated: the CSVs byte for byte, and a
    datapackage.json with the shared schemas inlined so it validates on its own.

    Only the takedown list changes a download: a CSV holding a listed value or row is
    published with those cells masked (validation already refused personal data).
    """
    guard = guard or Guard()
    out = docs_dir / "estates" / estate.id / "data"
    out.mkdir(parents=True, exist_ok=True)
    for table, path in files.items():
        if guard.redactions and guard.touches(estate.id, table):
            (out / path.name).write_bytes(guard.csv(estate.id, table, path.read_bytes()))
        else:
            shutil.copyfile(path, out / path.name)
    text = json.dumps(descriptor, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    (out / "datapackage.json").write_text(guard.listed(text), "utf-8")


def copy_content(content_dir: Path, docs_dir: Path) -> None:
    """Hand-written pages (the committee guide) go in as they are."""
    if content_dir.is_dir():
        shutil.copytree(content_dir, docs_dir, dirs_exist_ok=True)


def make_site(
    estates: list[Estate],
    as_of: dt.date,
    site_url: str,
    history: History | None = None,
    repo_url: str | None = None,
    guard: Guard | None = None,
) -> Site:
    return Site(
        history=history,
        repo_url=repo_url,
        guard=guard or Guard(),
        as_of=as_of,
        site_url=site_url,
        estates=estates,
        districts=group_districts(estates),
        total_households=sum(e.profile.get("households") or 0 for e in estates),
        overdue_estates=sum(1 for e in estates if e.overdue),
        most_warnings=sorted(
            (e for e in estates if e.warnings), key=lambda e: (-len(e.warnings), e.id)
        )[:20],
    )
