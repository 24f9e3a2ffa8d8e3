"""disclosure-fresh: common income, maintenance fund and audit are published on time (SH 66, 67).

:func:`disclosure_status` says, for one estate on the build's as-of date, what is
published and what is overdue. The rule yields a warning for each overdue item; the
website calls the same function to show "what is overdue", so both always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ._common import add_months, current_term, period_deadline, period_of, previous_period
from .base import Check, Context, Issue

# Audits that cover the year's accounts; a 专项审计 (one project) does not.
YEARLY_AUDITS = ("年度审计", "换届审计")
AUDIT_MAX_AGE = dt.timedelta(days=365 + 183)  # a year, plus six months to commission it
FIRST_AUDIT_MONTHS = 18  # a new committee's first audit
MIN_POSTED_DAYS = 30


@dataclass(frozen=True)
class DisclosureItem:
    """One kind of disclosure and whether it is overdue on ``ctx.as_of``.

    - ``kind``: ``"common_income"`` (quarterly), ``"repair_fund"`` (half-yearly) or
      ``"audit"`` (yearly).
    - ``resource``: the table it is published in (``common_income``, ``repair_fund``,
      ``audits``).
    - ``label_zh`` / ``label_en``: what is disclosed, for headings.
    - ``latest``: the latest published period (``"2025Q1"``, ``"2025H1"``) or, for
      audits, the latest yearly audit's report date (``"2025-02-20"``); None when nothing
      is published.
    - ``due_period``: the most recent period whose deadline has passed, which must be
      published by now (``"2025Q1"``, ``"2025H1"``; for audits the year the next audit
      covers, ``"2024年度"``); None when nothing is owed yet.
    - ``due_date``: the deadline of ``due_period`` (the end of the month after the period:
      2025Q1 → 2025-04-30, 2025H1 → 2025-07-31); for audits the date the next audit is
      owed by (latest yearly audit's report date + 548 days, or 18 months after the
      committee's term start when there is none). None when nothing is owed: a committee
      whose term began after the deadline does not owe earlier periods, and without
      audits or a term there is no audit date to judge.
    - ``overdue``: ``ctx.as_of`` is after ``due_date`` (the deadline day itself is still
      on time) and ``due_period`` is not published (for audits: no newer audit).
    """

    kind: str
    resource: str
    label_zh: str
    label_en: str
    latest: str | None
    due_period: str | None
    due_date: dt.date | None
    overdue: bool


def disclosure_status(ctx: Context) -> list[DisclosureItem]:
    """Common income, maintenance fund and audit, in that order, judged on ``ctx.as_of``.

    A table the estate has not published counts as nothing published, so a new estate
    still sees what it owes.
    """
    term = current_term(ctx)
    term_start = term.get("term_start") if term else None
    return [
        _periodic(ctx, "common_income", "quarter", "Q", term_start),
        _periodic(ctx, "repair_fund", "period", "H", term_start),
        _audit(ctx, term_start),
    ]


LABELS = {
    "common_income": ("公共收益季度收支", "quarterly common-income statement"),
    "repair_fund": ("维修资金半年度账目", "half-yearly maintenance-fund ledger"),
    "audit": ("年度审计", "yearly audit"),
}


def _periodic(
    ctx: Context, resource: str, key: str, kind: str, term_start: dt.date | None
) -> DisclosureItem:
    latest = max((r[key] for r in ctx.rows(resource) if r.get(key)), default=None)
    due = period_of(ctx.as_of, kind)
    while period_deadline(due) >= ctx.as_of:
        due = previous_period(due)
    deadline = period_deadline(due)
    label_zh, label_en = LABELS[resource]
    if term_start is not None and term_start > deadline:
        return DisclosureItem(resource, resource, label_zh, label_en, latest, None, None, False)
    overdue = latest is None or latest < due
    return DisclosureItem(resource, resource, label_zh, label_en, latest, due, deadline, overdue)


def _audit(ctx: Context, term_start: dt.date | None) -> DisclosureItem:
    dates = [
        a["report_date"]
        for a in ctx.rows("audits")
        if a.get("audit_type") in YEARLY_AUDITS and a.get("report_date")
    ]
    latest = max(dates, default=None)
    if latest is not None:
        due_date = latest + AUDIT_MAX_AGE
    elif term_start is not None:
        due_date = add_months(term_start, FIRST_AUDIT_MONTHS)
    else:
        due_date = None
    overdue = due_date is not None and ctx.as_of > due_date
    label_zh, label_en = LABELS["audit"]
    # Reports come out in the first half of the year after the one audited.
    covers = f"{due_date.year - 1}年度" if due_date else None
    return DisclosureItem(
        "audit",
        "audits",
        label_zh,
        label_en,
        latest.isoformat() if latest else None,
        covers,
        due_date,
        overdue,
    )


class DisclosureFresh(Check):
    id = "disclosure-fresh"
    severity = "warning"
    # Empty: a missing table is itself what this rule reports, so it must always run.
    resources = ()

    def run(self, ctx: Context) -> Iterator[Issue]:
        for item in disclosure_status(ctx):
            if item.overdue:
                yield _overdue(item, ctx)
        for audit in ctx.rows("audits"):
            yield from _posting(audit)


def _overdue(item: DisclosureItem, ctx: Context) -> Issue:
    missing = "" if ctx.has(item.resource) else "（文件缺失或没有通过格式检查）"
    missing_en = "" if ctx.has(item.resource) else " (the file is missing or failed its checks)"
    if item.kind == "audit":
        if item.latest is None:
            now_zh = f"还没有可用的审计报告{missing}，而本届业委会任期已超过 18 个月（应在 {item.due_date} 前完成首次审计）。"
            now_en = f"No audit report is published{missing_en}, and the committee's term began more than 18 months ago (the first audit was due by {item.due_date})."
        else:
            now_zh = f"最近一次年度审计的报告日期是 {item.latest}，已超过一年半（下一次应在 {item.due_date} 前完成）。"
            now_en = f"The latest yearly audit is dated {item.latest}, more than a year and a half ago (the next was due by {item.due_date})."
        return Issue(
            item.resource,
            None,
            None,
            now_zh + "公共收益、维修资金和业委会工作经费每年都要审计，结果至少公示 30 天。"
            "已经审计的，请在审计表（audits）中补上；还没有的，请尽快委托审计。",
            now_en + " Common income, the maintenance fund and the committee's working fund "
            "must be audited every year and the result posted for at least 30 days. If an "
            "audit was done, add it to the audits table; if not, commission one soon.",
        )
    if item.latest is None:
        now_zh = f"还没有可用的{item.label_zh}{missing}。"
        now_en = f"No {item.label_en} is published{missing_en}."
    else:
        now_zh = f"{item.label_zh}最近只公布到 {item.latest}。"
        now_en = f"The {item.label_en} is published only up to {item.latest}."
    return Issue(
        item.resource,
        None,
        None,
        now_zh + f"{item.due_period} 的账目应在 {item.due_date} 前公布，现已逾期。"
        f"请在{item.label_zh}表（{item.resource}）中补上 {item.due_period}，并在小区公告栏公示。",
        now_en + f" The accounts for {item.due_period} were due by {item.due_date} and are "
        f"overdue. Add {item.due_period} to the {item.resource} table and post it on the notice "
        "board.",
    )


def _posting(audit: dict) -> Iterator[Issue]:
    start, end = audit.get("posted_from"), audit.get("posted_to")
    if start is None or end is None:
        return
    days = (end - start).days + 1  # both days count: 03-01..03-31 is 31 days
    if days >= MIN_POSTED_DAYS:
        return
    aid = audit.get("audit_id")
    if days < 1:
        zh = f"审计 {aid} 的公示结束日期 {end} 早于开始日期 {start}。请核对这两个日期。"
        en = f"Audit {aid} stops being posted on {end}, before it starts on {start}. Check both dates."
    else:
        zh = (
            f"审计 {aid} 只公示了 {days} 天（{start} 至 {end}），审计结果至少要公示 "
            f"{MIN_POSTED_DAYS} 天。请核对公示日期；确实不够的，请重新张贴补足天数。"
        )
        en = (
            f"Audit {aid} was posted for only {days} days ({start} to {end}); audit results "
            f"must be posted for at least {MIN_POSTED_DAYS} days. Check the dates; if they "
            "are right, post it again for the remaining days."
        )
    yield Issue("audits", audit.get("_row"), "posted_to", zh, en)
