"""company-pool-dates: a company enters the pool before it leaves it, neither after the
as-of date, and a removal says why (and a reason has its date)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Issue


class CompanyPoolDates(Check):
    id = "company-pool-dates"
    severity = "error"
    resources = ("company_pool",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        for r in ctx.rows("company_pool"):
            row, name = r.get("_row"), r.get("company_name")
            listed, removed = r.get("listed_date"), r.get("removed_date")
            if listed is not None and listed > ctx.as_of:
                yield Issue(
                    "company_pool", row, "listed_date",
                    f"{name}的入库日期 {listed} 晚于今天（{ctx.as_of}）。入库后再填写。",
                    f"{name} enters the pool on {listed}, after today ({ctx.as_of}). Add it "
                    "once it has entered.",
                )  # fmt: skip
            if removed is not None and listed is not None and removed < listed:
                yield Issue(
                    "company_pool", row, "removed_date",
                    f"{name}的移出日期 {removed} 早于入库日期 {listed}。请核对这两个日期。",
                    f"{name} leaves the pool on {removed}, before it entered on {listed}. "
                    "Check both dates.",
                )  # fmt: skip
            elif removed is not None and removed > ctx.as_of:
                yield Issue(
                    "company_pool", row, "removed_date",
                    f"{name}的移出日期 {removed} 晚于今天（{ctx.as_of}）。移出后再填写。",
                    f"{name} leaves the pool on {removed}, after today ({ctx.as_of}). Fill "
                    "it in once it has left.",
                )  # fmt: skip
            if removed is not None and not r.get("removed_reason"):
                yield Issue(
                    "company_pool", row, "removed_reason",
                    f"{name}已于 {removed} 移出预选库，但没有写原因。请写明移出原因。",
                    f"{name} left the pool on {removed} without a reason. Say why.",
                )  # fmt: skip
            if removed is None and r.get("removed_reason"):
                yield Issue(
                    "company_pool", row, "removed_date",
                    f"{name}写了移出原因，但没有移出日期。请补上日期，或清空原因。",
                    f"{name} has a removal reason but no removal date. Add the date or "
                    "clear the reason.",
                )  # fmt: skip
