"""Stage 4 — render: every generated page as final HTML, in the site frame.

Pages are jinja2 templates from ``theme/sunlight/`` rendered with autoescape (every value
from data is escaped) and StrictUndefined (a missing value fails the build rather than
printing nothing). A template writes the page's body — what MkDocs used to print inside
Material's content area — and :class:`generator.outputs.frame.Frame` puts it in the shell
captured from MkDocs' build of the guide. No Markdown is involved, so a name like 张*明
is never mistaken for emphasis, and nothing here imports MkDocs.

:func:`render_estate` makes everything under ``estates/<id>/`` from one estate and a
small :class:`EstateContext` (a worker process needs nothing else); :func:`render_aggregates`
makes the pages that gather estates. Both return ``{site-relative path: bytes}``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import marshal
import re
import shutil
import types
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import jinja2.compiler
import jinja2.ext
import jinja2.nodes
import jinja2.runtime
from markupsafe import Markup, escape
from pypinyin import lazy_pinyin

from ..domain.money import as_decimal
from ..domain.periods import period_label, period_short
from ..history import WITHHELD, Entry, History, commit_url, file_url
from ..model import DISTRICT_SLUGS, TABLE_TITLES, Estate
from ..privacy import Guard
from . import dashboard, feeds, plain
from .charts import Series, bar_chart, scatter_chart
from .frame import Frame, label_template, relative
from .qr import qr_svg

if TYPE_CHECKING:  # the pipeline imports this module
    from ..pipeline.summaries import EstateSummary

# The version token a printed notice carries in its QR code (?v=…): the start of the
# package's content checksum, which names the same content with or without git.
VERSION_CHARS = 8

THEME_DIR = Path(__file__).resolve().parents[2] / "theme"

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
    # The districts' supervision lists and company pools (generator/districts.DistrictData),
    # set by the pipeline's reduce; None when a page is rendered without districts.
    district_data: object = None
    # data/rules.yaml as the build read it (the digest's supervision_visit_days).
    rules: dict = field(default_factory=dict)
    # The build's cache of a district's or company's pages (generator/pipeline/groups.py);
    # None renders every group.
    groups: object = None

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
    if type(value) is not Decimal:
        value = Decimal(str(value))
    return f"{value:,.2f}"


def pct(value, digits: int = 1) -> str:
    """A share as the page shows it, rounded down like the rules' messages and the charts
    (generator/domain/money.py): a building at 29.96 % never reads 「30.0% 低于 30%」, and
    the fund table says what its chart says."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = _QUANTA.get(digits)
    if quantum is None:
        quantum = Decimal(1).scaleb(-digits)
    share = (as_decimal(value) * 100).quantize(quantum, ROUND_DOWN)
    return f"{share}%"


# The steps pct rounds to, by digits: Decimal(1).scaleb(-digits), made once.
_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(4)}


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{as_decimal(value):,.{digits}f}"


def cn_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def yesno(value) -> str:
    return "—" if value is None else ("是" if value else "否")


# Cached: a page links to the same few dozen targets from the same base, and
# posixpath.relpath is the costliest part of a small page.
@functools.lru_cache(maxsize=65536)
def rel(target: str, base: str) -> str:
    """Relative link from the page at directory URL ``base`` to ``target``.

    URLs are directory-style ("estates/x/committee/"); a target without a trailing
    slash is a file. Relative links keep the site working under any base path (a
    GitHub Pages project site, a local preview).
    """
    return relative(target, base)


def _single_line(value):
    # Values print on one line, as when pages went through Markdown (where a newline
    # inside a cell ended the raw HTML block); in HTML it is only a space.
    if type(value) is str:  # most outputs: a plain string, checked without isinstance
        return " ".join(value.split()) if "\n" in value else value
    if isinstance(value, str) and not isinstance(value, Markup) and "\n" in value:
        return " ".join(value.split())
    return value


try:  # markupsafe's escaping in C, without the Markup object escape() wraps it in
    from markupsafe._speedups import _escape_inner
except ImportError:  # markupsafe without its speedups: escape() does it all
    _escape_inner = None


def _escaped_output(value):
    """What a template prints for ``{{ value }}``: ``escape(_single_line(value))``, as
    plain text when ``value`` is a plain string. An estate's pages print some 3,000
    values; escape() and the finalize call around it cost 1.2 µs a value, this 0.2 µs.
    A printed value is only ever joined into the page (jinja wraps a macro's or a
    block's joined output in Markup itself), so its type does not matter."""
    if type(value) is str and _escape_inner is not None:
        if "\n" in value:
            value = " ".join(value.split())
        return _escape_inner(value)
    return escape(_single_line(value))


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """jinja2's compiler, printing a value with one call (:func:`_escaped_output`) where
    it writes ``escape(environment.finalize(value))``: the same text."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if (
            frame.eval_ctx.autoescape
            and not frame.eval_ctx.volatile
            and finalize.src == "environment.finalize("
        ):
            # Two parentheses, as escape( and finalize( open: the base class closes both.
            self.write("(environment.escaped_output(")
        else:
            super()._output_child_pre(node, frame, finalize)

    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node, frame) -> None:
        # ``row.field`` of a loop variable or parameter (a plain local name): the dict
        # lookup is written inline, so a table row's cell costs no call; anything else is
        # environment.getattr as before (_Environment.getattr, whose first case this is).
        target = node.node
        if not self.environment.is_async and isinstance(target, jinja2.nodes.Name):
            ref = frame.symbols.ref(target.name)
            load = frame.symbols.find_load(ref)
            if (
                target.ctx == "load"
                and load is not None
                and load[0] == jinja2.compiler.VAR_LOAD_PARAMETER
                and not self.parameter_is_undeclared(ref)
            ):
                attr = repr(node.attr)
                self.write(
                    f"({ref}[{attr}] if type({ref}) is dict and {attr} in {ref} "
                    f"else environment.getattr({ref}, {attr}))"
                )
                return
        super().visit_Getattr(node, frame)


# Callables whose jinja_pass_arg (pass_context and the like) can only be their own:
# their __call__ is a method-wrapper, which has no attributes.
_PLAIN_CALLABLES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    functools._lru_cache_wrapper,
)


class _Context(jinja2.runtime.Context):
    """jinja2's context, calling a plain function without looking for pass_context on
    its __call__ first (``rel()`` alone is called some 150 times an estate)."""

    def call(__self, __obj, *args, **kwargs):  # (jinja2.runtime.Context.call's own signature)
        if type(__obj) in _PLAIN_CALLABLES and not hasattr(__obj, "jinja_pass_arg"):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    """jinja2's environment, looking ``row.field`` up in a dict first: the model's table
    rows are dicts, and jinja tries the attribute first, raising and catching an
    AttributeError for every cell (a fifth of a large page's rendering)."""

    code_generator_class = _CodeGenerator
    context_class = _Context
    escaped_output = staticmethod(_escaped_output)

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class TableLabels(jinja2.ext.Extension):
    """Each template's tables labelled for phones in its source, once, as jinja compiles
    it (:func:`.frame.label_template`), not in every page it renders (``frame.reflow``)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return label_template(source)


def environment(theme_dir: Path = THEME_DIR) -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir / "sunlight")),
        extensions=[TableLabels],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_single_line,
        # Templates do not change during a build: no stat() of the file for every page.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        yuan=yuan,
        pct=pct,
        number=number,
        cn_date=cn_date,
        # Periods in words for residents (2026Q3 → 2026年第3季度): generator/outputs/plain.py.
        period=period_label,
        plain=plain.plain_text,
        yesno=yesno,
        table_title=lambda name: TABLE_TITLES.get(name, name),
    )
    env.globals.update(
        rel=rel,
        commit_url=commit_url,
        file_url=file_url,
        VERSION_CHARS=VERSION_CHARS,
        WITHHELD=WITHHELD,
        company_path=dashboard.company_path,
        plain_warnings=plain.plain_warnings,
        place_slug=place_slug,
        street_slug=street_slug,
        pinyin_keys=pinyin_keys,
        estate_summary=plain.estate_summary,
        building_sentence=plain.building_sentence,
        building_slug=plain.building_slug,
        buildings_json=plain.buildings_json,
        latest_text=plain.latest_text,
        phone_digits=phone_digits,
        present=present,
    )

    def first_where(items, key: str, value):
        """``items | selectattr(key, "equalto", value) | first`` without a jinja test call
        per item: the first item whose ``key`` equals ``value``, else undefined."""
        for item in items:
            if env.getitem(item, key) == value:
                return item
        return env.undefined("No first item, sequence was empty.")

    env.globals["first_where"] = first_where
    return env


# Helpers for what a template once did with a jinja test per item (select, reject), which
# cost some 10 µs an item: a phone number's characters on each of an estate's fifteen
# building notices, for one.
def phone_digits(phone: str) -> str:
    """What ``tel:`` dials: ``phone | select("in", "+0123456789") | join``."""
    return "".join(ch for ch in phone if ch in "+0123456789")


def present(*values) -> list:
    """``[a, b] | reject("none") | list``."""
    return [value for value in values if value is not None]


def estate_charts(estate: Estate) -> dict[str, Markup]:
    """The charts of an estate's pages, keyed by name; absent when there is no data."""
    charts: dict[str, Markup] = {}
    quarters = list(reversed(estate.quarters[:8]))
    if quarters:
        charts["common_income"] = bar_chart(
            "chart-ci",
            f"{estate.name} 公共收益：最近 {len(quarters)} 个季度的收入与支出（元）",
            [period_short(q["quarter"]) for q in quarters],
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
            f"{estate.name} {period_label(estate.fund_period)}各楼栋维修资金余额占首期归集的比例",
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
            [period_short(m["month"]) for m in months],
            [
                Series("受理", [m["received"] for m in months], "sl-c1"),
                Series("办结", [m["closed"] for m in months], "sl-c2"),
            ],
        )
    return charts


# Cached: pypinyin costs some 25 µs a name, and every page of an estate names its street
# in the breadcrumb (eight times an estate), every aggregate page its places.
@functools.lru_cache(maxsize=65536)
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


# Names a street's slug may not take: the district's other pages under districts/<slug>/.
RESERVED_STREET_SLUGS = frozenset({"value"})


# Cached: every page of an estate links its street (the breadcrumb), and pypinyin costs
# a quarter of a millisecond a name.
@functools.lru_cache(maxsize=65536)
def street_slug(name: str) -> str:
    """Where an estate page's breadcrumb sends its street: decided by the street's name
    alone, since a worker renders one estate without its neighbours. Usually
    ``place_slug``; a name whose slug is one of the district's own pages gets a short hash
    of the name. Same-sounding streets of one district share it: there
    :func:`street_slugs` puts a page naming them all."""
    slug = place_slug(name)
    if slug in RESERVED_STREET_SLUGS:
        slug += "-" + hashlib.sha256(name.encode()).hexdigest()[:6]
    return slug


def street_slugs(names) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each street's page slug in one district, and the slugs same-sounding streets share
    (slug → their names). A street alone with its :func:`street_slug` keeps it; streets
    sharing one get it with a short hash of their own name, decided by the name alone
    (never by order), and the shared slug becomes the page that names each of them — the
    page their estates' breadcrumbs reach."""
    by_slug: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        by_slug[street_slug(name)].append(name)
    slugs: dict[str, str] = {}
    for slug, group in by_slug.items():
        for name in group:
            tail = hashlib.sha256(name.encode()).hexdigest()[:6]
            slugs[name] = slug if len(group) == 1 else f"{slug}-{tail}"
    return slugs, {slug: group for slug, group in by_slug.items() if len(group) > 1}


def pinyin_keys(*names: str) -> str:
    """What the directory filter also matches: 梅林新村 → "meilinxincun mlxc" (full pinyin
    and initials, without tones), for each name given."""
    return " ".join(key for name in names if (key := _pinyin_of(name)))


# A street's and a district's name recur on every one of their estates' rows, and pypinyin
# costs a quarter of a millisecond a name: 13 s at 16,000 estates without this memo.
@functools.lru_cache(maxsize=65536)
def _pinyin_of(name: str) -> str:
    syllables = [p for p in lazy_pinyin(name) if p.isascii() and p.isalnum()]
    if not syllables:
        return ""
    return "".join(syllables).lower() + " " + "".join(p[0] for p in syllables).lower()


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
        slugs, shared = street_slugs(d["streets"])
        streets = [
            {"name": street, "slug": slugs[street], "estates": d["streets"][street]}
            for street in sorted(d["streets"])
        ]
        members = [e for st in streets for e in st["estates"]]
        out.append(
            {
                "name": name,
                "slug": d["slug"],
                "streets": streets,
                # Slugs same-sounding streets share → those streets (a page names them).
                "shared_slugs": {
                    slug: [st for st in streets if st["name"] in names]
                    for slug, names in shared.items()
                },
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


@dataclass(frozen=True)
class EstateContext:
    """What one estate's pages need from outside the estate: small and picklable, so a
    worker process can render the estate without the list of all estates. Templates
    receive it as ``site``."""

    as_of: dt.date
    site_url: str
    repo_url: str | None = None
    feeds_enabled: bool = False
    guard: Guard = field(default_factory=Guard)
    versions: tuple[Entry, ...] = ()  # this estate's committed versions, newest first
    current: Entry | None = None  # the commit whose content this build shows
    history_available: bool = False
    history_message: str | None = None

    def current_version(self, estate: Estate) -> Entry | None:
        return self.current

    @classmethod
    def of(cls, site: Site, estate: Estate) -> EstateContext:
        history = site.history
        return cls(
            as_of=site.as_of,
            site_url=site.site_url,
            repo_url=site.repo_url,
            feeds_enabled=site.feeds_enabled,
            guard=site.guard,
            versions=tuple(site.versions(estate)),
            current=site.current_version(estate),
            history_available=bool(history and history.available),
            history_message=history.page_message if history else None,
        )


@functools.lru_cache(maxsize=4)
def _environment(theme_dir: Path) -> jinja2.Environment:
    # One per process: compiling the templates costs more than rendering a page.
    return environment(theme_dir)


def _page_file(url: str) -> str:
    if url and not url.endswith("/"):
        raise ValueError(f"page URLs end with a slash: {url!r}")
    return url + "index.html"


def _page(
    env: jinja2.Environment,
    frame: Frame,
    url: str,
    title: str,
    template: str,
    *,
    feed: str | None = None,
    variant: str = "page",
    title_tail: str = "",
    description: str | None = None,
    **context,
) -> tuple[str, bytes]:
    """Render ``template`` into the frame as the page at directory URL ``url``."""
    body = env.get_template(template).render(url=url, **context)
    page = frame.render(
        url,
        title,
        body,
        feed=feed,
        variant=variant,
        title_tail=title_tail,
        description=description,
    )
    return _page_file(url), page.encode("utf-8")


# What a shared link of an estate says (WeChat's card shows <title> and this line).
ESTATE_TITLE_TAIL = "：业委会、收支、物业服务"


def estate_description(estate: Estate, as_of: dt.date) -> str:
    return (
        f"{estate.name}（{estate.district}{estate.street}）的业委会名单、公共收益与维修资金收支、"
        f"物业服务与收费公示，数据截至 {cn_date(as_of)}。"
    )


# --------------------------------------------------------------------------- one estate


def render_estate(
    estate: Estate,
    ctx: EstateContext,
    frame: Frame,
    package=None,
    theme_dir: Path = THEME_DIR,
) -> dict[str, bytes]:
    """Every file under ``estates/<id>/``, keyed by site-relative path: the estate's
    pages and notice, calendar.ics, feed.xml (with feeds) and, given the loaded
    ``package`` (``.descriptor``, ``.files``), its downloads. A pure function of its
    arguments."""
    env = _environment(theme_dir)
    base = f"estates/{estate.id}/"
    charts = estate_charts(estate)
    versions = list(ctx.versions)
    feed = base + "feed.xml" if ctx.feeds_enabled else None
    out: dict[str, bytes] = {}
    # One description for every page of the estate: worked out once, not per page.
    description = estate_description(estate, ctx.as_of)
    contacts = env.get_template("_contacts.html")
    contacts_at: dict[int, Markup] = {}

    def contacts_block(url: str) -> Markup:
        # The same block on every page of the estate; only its one relative link depends
        # on the page's depth, so it is rendered once per depth, not once per page.
        level = url.count("/")
        if level not in contacts_at:
            # (its last newline: the page line that includes it ends with one)
            contacts_at[level] = Markup(contacts.render(estate=estate, url=url)[:-1])
        return contacts_at[level]

    common = dict(
        site=ctx,
        estate=estate,
        contacts_block=contacts_block,
        pages=ESTATE_PAGES,
        charts=charts,
        versions=versions,
        current=ctx.current,
        versions_json=versions_json(estate, versions),
    )
    for slug, title, template in ESTATE_PAGES:
        url = base + (slug + "/" if slug else "")
        name, data = _page(
            env,
            frame,
            url,
            f"{estate.name} · {title}" if slug else estate.name,
            template,
            feed=feed,
            page_slug=slug,
            title_tail="" if slug else ESTATE_TITLE_TAIL,
            description=description,
            **common,
        )
        out[name] = data
    out[base + "calendar.ics"] = calendar_ics(estate, ctx.site_url)
    estate_url = ctx.site_url.rstrip("/") + "/" + base
    # The QR code carries the version, so a scanned notice can say whether it is current.
    qr_url = f"{estate_url}?v={estate.checksum[:VERSION_CHARS]}"
    notice = dict(description=description, site=ctx, estate=estate, estate_url=estate_url)
    name, data = _page(
        env,
        frame,
        base + "notice/",
        f"{estate.name} · 公示告示",
        "notice.html",
        variant="notice",
        qr=qr_svg(qr_url),
        qr_url=qr_url,
        **notice,
    )
    out[name] = data
    if estate.fund_rows:
        # A sheet per building for its lobby, all on one page: the same notice leading
        # with that building's maintenance fund, whose QR code opens the estate with the
        # building chosen (&b=…, read by theme/assets/residents.js; the version check
        # reads only ?v=). One page, not one per building: what the sheets share is
        # rendered once, and an estate of 40 buildings adds one file, not 40.
        sheets = []
        for row in estate.fund_rows:
            slug = plain.building_slug(row["building_no"])
            url = f"{qr_url}&b={slug}"
            sheets.append(dict(building=row, slug=slug, qr_url=url, qr=qr_svg(url)))
        name, data = _page(
            env,
            frame,
            base + "notice/buildings/",
            f"{estate.name} · 各楼栋告示",
            "notice_buildings.html",
            variant="notice",
            sheets=sheets,
            **notice,
        )
        out[name] = data
    if ctx.feeds_enabled:
        out[feed] = feeds.estate_feed(
            estate.id,
            estate.name,
            versions,
            ctx.site_url,
            ctx.as_of,
            repo_url=ctx.repo_url,
            guard=ctx.guard,
        ).encode("utf-8")
    if package is not None:
        contents = getattr(package, "contents", None)
        out.update(downloads(estate, package.descriptor, package.files, ctx.guard, contents))
    return out


def downloads(
    estate: Estate,
    descriptor: dict,
    files: dict[str, Path],
    guard: Guard | None = None,
    contents: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Publish the package as it was validated: the CSVs byte for byte, and a
    datapackage.json with the shared schemas inlined so it validates on its own.

    Only the takedown list changes a download: a CSV holding a listed value or row is
    published with those cells masked (validation already refused personal data).
    """
    guard = guard or Guard()
    base = f"estates/{estate.id}/data/"
    out = {}
    for table, path in files.items():
        # The bytes load read and validated, when it was given them (the build's worker).
        raw = contents.get(path.name) if contents else None
        if raw is None:
            raw = path.read_bytes()
        if guard.redactions and guard.touches(estate.id, table):
            raw = guard.csv(estate.id, table, raw)
        out[base + path.name] = raw
    text = descriptor_json(descriptor) + "\n"
    out[base + "datapackage.json"] = guard.listed(text).encode("utf-8")
    return out


# Indented text of each shared schema (by its marshal bytes and the depth it is inlined
# at): every estate inlines the same schemas, and json.dumps with indent runs its
# pure-Python encoder (~3 ms a package).
_SCHEMA_JSON: dict[tuple[bytes, int], str] = {}
_MARK = "\ue000"  # a private-use character
_PLACEHOLDER = _MARK + "sunlight-schema-{}" + _MARK


def _schema_key(schema: dict) -> bytes:
    # marshal is exact about types and order (True is not 1, "1" is not 1) and ten times
    # faster than json.dumps; equal bytes load as equal values, so they print the same.
    try:
        return marshal.dumps(schema)
    except ValueError:  # a value marshal cannot hold (a date read from YAML)
        return json.dumps(schema, ensure_ascii=False, default=repr).encode("utf-8")


def descriptor_json(descriptor: dict) -> str:
    """``json.dumps(descriptor, ensure_ascii=False, indent=2)``, byte for byte, with each
    resource's inlined schema serialised once per process."""
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return json.dumps(descriptor, ensure_ascii=False, indent=2)
    schemas, skeleton = [], []
    for resource in resources:
        if isinstance(resource, dict) and isinstance(resource.get("schema"), dict):
            skeleton.append({**resource, "schema": _PLACEHOLDER.format(len(schemas))})
            schemas.append(resource["schema"])
        else:
            skeleton.append(resource)
    text = json.dumps({**descriptor, "resources": skeleton}, ensure_ascii=False, indent=2)
    if text.count(_MARK) != 2 * len(schemas):
        # The placeholder's character is in the data itself: no shortcut.
        return json.dumps(descriptor, ensure_ascii=False, indent=2)
    # The placeholders stand in the text once each and in order (the marks were counted):
    # the text is put together in one pass, not copied once per schema.
    parts, pos = [], 0
    for i, schema in enumerate(schemas):
        token = json.dumps(_PLACEHOLDER.format(i), ensure_ascii=False)
        at = text.index(token, pos)
        # The schema's lines are indented as deep as the line its key is on (JSON text
        # has no raw line break inside a string).
        depth = at - text.rindex("\n", 0, at) - 1 - len('"schema": ')
        key = (_schema_key(schema), depth)
        indented = _SCHEMA_JSON.get(key)
        if indented is None:
            indented = json.dumps(schema, ensure_ascii=False, indent=2)
            if _MARK in indented:
                return json.dumps(descriptor, ensure_ascii=False, indent=2)
            indented = indented.replace("\n", "\n" + " " * depth)
            if len(_SCHEMA_JSON) < 256:
                _SCHEMA_JSON[key] = indented
        parts += [text[pos:at], indented]
        pos = at + len(token)
    parts.append(text[pos:])
    return "".join(parts)


# --------------------------------------------------------------------------- aggregates


def render_aggregates(site: Site, frame: Frame, theme_dir: Path = THEME_DIR) -> dict[str, bytes]:
    """The pages that gather estates — home, directory, overview, each district, its
    质价 page and streets — and the city feed, keyed by site-relative path."""
    env = _environment(theme_dir)
    out: dict[str, bytes] = {}

    def page(url, title, template, **context):
        name, data = _page(env, frame, url, title, template, site=site, **context)
        out[name] = data

    # <title> "首页 · 阳光公示：…", not "阳光公示 · 阳光公示", for a shared link's card.
    page("", "首页", "home.html", title_tail="：上海住宅小区业委会、收支与物业服务公示")
    page("estates/", "小区目录", "directory.html")
    groups = site.groups
    for district in site.districts:
        base = f"districts/{district['slug']}/"

        def value(district=district, base=base) -> dict[str, bytes]:
            name, data = _page(
                env,
                frame,
                base + "value/",
                f"{district['name']} · 质价对比",
                "value.html",
                site=site,
                district=district,
                chart=district_value_chart(district),
            )
            return {name: data, base + "medians.json": district_medians(district, site.as_of)}

        members = [s.id for s in district["estates"]]
        out.update(groups.files("value", district["slug"], members, value) if groups else value())
    out[CITY_MEDIANS] = city_medians(site.districts, site.as_of)
    # The city dashboard, district and street pages, digests and companies.
    out.update(dashboard.render_dashboard(site, frame, env))
    if site.feeds_enabled:
        out[feeds.CITY_FEED_PATH] = feeds.city_feed(
            site.history.all_entries(),
            site.site_url,
            site.as_of,
            names={e.id: e.name for e in site.estates},
            repo_url=site.repo_url,
            guard=site.guard,
        ).encode("utf-8")
    return out


# The figures an estate page puts the district's median beside (theme/assets/residents.js):
# measure → (the summary's metric, how the median is written).
MEDIAN_MEASURES = {
    "fee": (lambda m: m.main_fee, lambda v: f"{v:.2f} 元"),
    "fund_share": (
        lambda m: m.fund_share * 100 if m.fund_share is not None else None,
        lambda v: f"{v:.1f} %",
    ),
    "satisfaction": (lambda m: m.satisfaction, lambda v: f"{v:.1f} %"),
    "hours": (lambda m: m.avg_hours, lambda v: f"{v:.1f} 小时"),
}


# The city's medians per type: what an estate page shows where its district has too few
# estates of its type (「全市同类」, theme/assets/residents.js).
CITY_MEDIANS = "overview/medians.json"


def district_medians(district: dict, as_of: dt.date) -> bytes:
    """``districts/<slug>/medians.json``: per property type, the median of each measure over
    the district's estates of that type, from their summaries (the city reduce).

    Estate pages load it in the browser, so a commit to one estate rewrites this small file
    (and the city's, :func:`city_medians`), never its neighbours' pages. A type with a
    single estate has no median (it would be the estate itself) and is left out."""
    return _medians(district["estates"], district["name"], as_of)


def city_medians(districts: list[dict], as_of: dt.date) -> bytes:
    """``overview/medians.json``: the same over every estate of the city, for the types
    (and measures) a district has fewer than two estates of."""
    return _medians([e for d in districts for e in d["estates"]], "全市", as_of)


def _medians(estates: list, name: str, as_of: dt.date) -> bytes:
    by_type: dict[str, list] = defaultdict(list)
    for estate in estates:
        if estate.metrics is not None:
            by_type[estate.property_type].append(estate.metrics)
    types = {}
    for kind in sorted(by_type):
        group = by_type[kind]
        if len(group) < 2:
            continue
        entry: dict[str, object] = {"estates": len(group)}
        for measure, (value_of, text) in MEDIAN_MEASURES.items():
            values = [Decimal(str(v)) for v in map(value_of, group) if v is not None]
            if len(values) >= 2:
                entry[measure] = text(_median(values))
        types[kind] = entry
    data = {"district": name, "as_of": as_of.isoformat(), "types": types}
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def render_site(site: Site, frame: Frame, packages: dict | None = None, progress=None):
    """Every generated file of the site: aggregates, then each estate. Yields
    (site-relative path, bytes) so the caller writes as it goes."""
    yield from render_aggregates(site, frame).items()
    for estate in site.estates:
        package = packages.get(estate.id) if packages else None
        yield from render_estate(estate, EstateContext.of(site, estate), frame, package).items()
        if progress:
            progress(estate)


def write_files(root: Path, files) -> int:
    """Write (site-relative path, bytes) pairs under ``root``; returns how many."""
    count = 0
    made: set[Path] = set()
    for name, data in files:
        path = root / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        # Never write through a hard link: the guide's files are shared with the cache.
        path.unlink(missing_ok=True)
        path.write_bytes(data)
        count += 1
    return count


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

    Written line by line as icalendar 7 writes this calendar (its property order, TEXT
    escaping and folding at 75 octets), which took a tenth of an estate's rendering;
    tests/test_map_fastpaths.py holds the two equal byte for byte.
    """
    url = site_url.rstrip("/") + f"/estates/{estate.id}/calendar/"
    stamp = f"{_ics_date(estate.as_of)}T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + _ics_text("-//Sunlight 阳光公示//calendar//ZH"),
        # An extension property: icalendar writes its value as it is, unescaped.
        "X-WR-CALNAME:" + _ics_raw(f"{estate.name} 公示日历"),
    ]
    for item in estate.calendar:
        summary = f"{estate.name}：{item.title}" + ("（已逾期）" if item.overdue else "")
        lines += [
            "BEGIN:VEVENT",
            "SUMMARY:" + _ics_text(summary),
            f"DTSTART;VALUE=DATE:{_ics_date(item.date)}",
            f"DTEND;VALUE=DATE:{_ics_date(item.date + dt.timedelta(days=1))}",
            f"DTSTAMP:{stamp}",
            "UID:" + _ics_text(f"{estate.id}-{item.kind}-{item.date.isoformat()}@sunlight"),
            "DESCRIPTION:" + _ics_text(f"{item.detail}\n{url}"),
            "URL:" + url,
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines).encode("utf-8")


def _ics_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _ics_raw(text: str) -> str:
    if "\n" in text:  # icalendar refuses it too (validation refuses such a name first)
        raise ValueError(f"a line break in an unescaped calendar value: {text!r}")
    return text


def _ics_text(text: str) -> str:
    """A TEXT value escaped as icalendar escapes it (the order of the replacements
    matters)."""
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _ics_fold(line: str, limit: int = 75) -> str:
    """A content line folded as icalendar folds it: a break before the character that
    would reach 75 octets, never right after a backslash or caret (an escape)."""
    if len(line.encode("utf-8")) < limit:
        return line
    folded: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if current and count + size >= limit:
            if len(current) > 1 and current[-1] in "\\^":
                escaped = current.pop()
                folded.append("".join(current))
                current, count = [escaped], len(escaped.encode("utf-8"))
            else:
                folded.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        folded.append("".join(current))
    return "\r\n ".join(folded)


def copy_content(content_dir: Path, docs_dir: Path) -> None:
    """Hand-written pages (the committee guide) go in as they are."""
    if content_dir.is_dir():
        shutil.copytree(content_dir, docs_dir, dirs_exist_ok=True)


def make_site(
    estates: list[EstateSummary],
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
        most_warnings=sorted((e for e in estates if e.warnings), key=lambda e: (-e.warnings, e.id))[
            :20
        ],
    )
