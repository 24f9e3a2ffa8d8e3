"""Dates and period labels: quarters 2025Q1, half-years 2025H1, and their deadlines."""

from __future__ import annotations

import calendar
import datetime as dt


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


# Period labels as residents read them: 2026Q3 → 2026年第3季度. Machine forms stay in
# downloads, ids and URLs; pages, feeds and notices print these.
_HALVES = {"1": "上半年", "2": "下半年"}


def period_label(value) -> str:
    """「2026年第3季度」 for 2026Q3, 「2026年上半年」 for 2026H1, 「2026年9月」 for 2026-09
    (a yearmonth, a date's month or a ``(year, month)`` pair); anything else as it is."""
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月"
    if isinstance(value, tuple) and len(value) == 2:
        return f"{int(value[0])}年{int(value[1])}月"
    text = str(value)
    if len(text) == 6 and text[:4].isdigit() and text[4] in "QH":
        if text[4] == "Q" and text[5] in "1234":
            return f"{text[:4]}年第{text[5]}季度"
        if text[4] == "H" and text[5] in _HALVES:
            return f"{text[:4]}年{_HALVES[text[5]]}"
    if len(text) in (6, 7) and text[:4].isdigit() and text[4] == "-" and text[5:].isdigit():
        month = int(text[5:])
        if 1 <= month <= 12:
            return f"{text[:4]}年{month}月"
    return text


def period_short(value) -> str:
    """The short form charts print where a 320 px phone has little room: 「26年3季度」,
    「26年上半年」, 「26年9月」 (the table beside the chart says it whole)."""
    text = period_label(value)
    if len(text) > 5 and text[:4].isdigit() and text[4] == "年":
        text = text[2:]
    return text.replace("年第", "年")
