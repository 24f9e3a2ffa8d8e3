"""What an estate must have disclosed by a day: common income, maintenance fund, audit (SH 66, 67).

:func:`disclosure_status` says, for one estate on the build's as-of date, what is
published and what is overdue. The disclosure-fresh rule yields a warning for each
overdue item; the website shows the same items, so both always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .context import Context
from .periods import add_months, period_deadline, period_of, previous_period
from .terms import current_term

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
