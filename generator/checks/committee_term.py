"""committee-term: a term lasts 3 to 5 years (SH 20)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..domain.periods import add_years
from .base import Check, Context, Issue

DISSOLVED = "已解散"


class CommitteeTerm(Check):
    id = "committee-term"
    severity = "error"
    resources = ("committees",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        for term in ctx.rows("committees"):
            start, end = term.get("term_start"), term.get("term_end")
            if start is None or end is None:
                continue
            n = term.get("term_no")
            where = ("committees", term.get("_row"), "term_end")
            # "3 years" ends the day before the third anniversary (2022-03-20..2025-03-19);
            # five years may run up to the fifth anniversary itself.
            shortest = add_years(start, 3) - dt.timedelta(days=1)
            longest = add_years(start, 5)
            if end < start:
                yield Issue(
                    *where,
                    f"第{n}届任期结束日期 {end} 早于开始日期 {start}。请检查这两个日期是否填反了。",
                    f"Term {n} ends on {end}, before it starts on {start}. Check whether the "
                    "two dates are swapped.",
                )
            elif end < shortest and term.get("status") != DISSOLVED:
                # A dissolved committee's term legitimately ends early.
                yield Issue(
                    *where,
                    f"第{n}届任期 {start} 至 {end}，不到 3 年。任期应为 3 到 5 年，"
                    f"结束日期应在 {shortest} 到 {longest} 之间。请核对任期结束日期。",
                    f"Term {n} runs from {start} to {end}, less than 3 years. A term lasts 3 "
                    f"to 5 years, so it should end between {shortest} and {longest}. Check "
                    "the end date.",
                )
            elif end > longest:
                yield Issue(
                    *where,
                    f"第{n}届任期 {start} 至 {end}，超过了 5 年。任期应为 3 到 5 年，"
                    f"结束日期应在 {shortest} 到 {longest} 之间。请核对任期结束日期。",
                    f"Term {n} runs from {start} to {end}, more than 5 years. A term lasts 3 "
                    f"to 5 years, so it should end between {shortest} and {longest}. Check "
                    "the end date.",
                )
