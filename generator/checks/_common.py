"""Helpers several rules share: which committee term matters, who is in post, date
arithmetic, percentages and period labels (2025Q1, 2025H1). Private to the checks."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_DOWN, Decimal

from .base import Context, money

SITTING = "在任"

ROLE_EN = {
    "主任": "chair",
    "副主任": "vice-chair",
    "委员": "member",
    "候补委员": "alternate member",
    "执行秘书": "executive secretary",
}


def current_term(ctx: Context) -> dict | None:
    """The term whose committee the rules look at.

    The one marked 在任 (the latest, should data list several), else the latest term on
    record, so an estate between committees is still checked against its last term.
    """
    terms = [t for t in ctx.rows("committees") if t.get("term_no") is not None]
    if not terms:
        return None
    sitting = [t for t in terms if t.get("status") == SITTING]
    return max(sitting or terms, key=lambda t: t["term_no"])


def roster_day(term: dict | None, as_of: dt.date) -> dt.date:
    """The day a term's roster is judged on: the as-of date, or the term's first day when
    a newly elected committee has not started yet (its members are not "in post" before
    then, which would otherwise read as a committee without a chair)."""
    start = term.get("term_start") if term else None
    return max(as_of, start) if start else as_of


def is_sitting(term: dict | None) -> bool:
    return term is not None and term.get("status") == SITTING


def in_post(member: dict, on: dt.date) -> bool:
    """In post on ``on``: the schema's end_date (任职结束) is the last day in post, like
    a term's term_end, so a member is still counted on that day."""
    start, end = member.get("start_date"), member.get("end_date")
    if start is not None and start > on:
        return False
    return end is None or end >= on


def name_of(member: dict) -> str:
    return member.get("display_name") or member.get("member_id") or "?"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def pct(part, whole) -> str:
    """'62.5%'. Rounded down, so a share just under a threshold never displays as reaching it."""
    share = money(part) * 100 / money(whole)
    return f"{share.quantize(Decimal('0.1'), ROUND_DOWN)}%"


# Period labels: quarters "2025Q1" and half-years "2025H1". Their text order is their time
# order (the schemas force a four-digit year), so plain string comparison works.
_PER_YEAR = {"Q": 4, "H": 2}


def next_period(label: str) -> str:
    year, kind, n = int(label[:4]), label[4], int(label[5:])
    if n < _PER_YEAR[kind]:
        return f"{year}{kind}{n + 1}"
    return f"{year + 1}{kind}1"


def previous_period(label: str) -> str:
    year, kind, n = int(label[:4]), label[4], int(label[5:])
    if n > 1:
        return f"{year}{kind}{n - 1}"
    return f"{year - 1}{kind}{_PER_YEAR[kind]}"


def period_of(day: dt.date, kind: str) -> str:
    """The quarter ("Q") or half-year ("H") containing ``day``."""
    months = 12 // _PER_YEAR[kind]
    return f"{day.year}{kind}{(day.month - 1) // months + 1}"


def period_deadline(label: str) -> dt.date:
    """Statements are due by the end of the month after the period (2025Q1 → 2025-04-30)."""
    year, kind, n = int(label[:4]), label[4], int(label[5:])
    following = add_months(dt.date(year, n * 12 // _PER_YEAR[kind], 1), 1)
    return month_end(following.year, following.month)
