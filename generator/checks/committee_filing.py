"""committee-filing: a committee is filed with the street office within 30 days (SH 23)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .base import Check, Context, Issue


class CommitteeFiling(Check):
    id = "committee-filing"
    severity = "warning"
    resources = ("committees",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        days = int(ctx.config.get("filing_days", 30))
        for term in ctx.rows("committees"):
            elected, filed = term.get("election_date"), term.get("filing_date")
            if elected is None:
                continue
            n = term.get("term_no")
            deadline = elected + dt.timedelta(days=days)
            where = ("committees", term.get("_row"), "filing_date")
            if filed is None and ctx.as_of > deadline:
                yield Issue(
                    *where,
                    f"第{n}届业委会于 {elected} 选举产生，至今没有填写备案日期。选举后应在 "
                    f"{days} 天内（{deadline} 前）向街道（镇）备案。已经备案的，请填写备案日期；"
                    "还没有备案的，请尽快办理。",
                    f"Term {n} was elected on {elected} but no filing date is given. A "
                    f"committee must be filed with the street office within {days} days "
                    f"(by {deadline}). If it was filed, enter the filing date; if not, file "
                    "it soon.",
                )
            elif filed is not None and filed > deadline:
                yield Issue(
                    *where,
                    f"第{n}届业委会于 {elected} 选举产生，{filed} 才备案，超过了 {days} 天的期限"
                    f"（应在 {deadline} 前）。请核对备案日期是否填写正确。",
                    f"Term {n} was elected on {elected} but filed only on {filed}, later "
                    f"than the {days} days allowed (by {deadline}). Check the filing date.",
                )
