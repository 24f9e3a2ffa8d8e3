"""repair-fund-floor: a building's fund below 30% of the first amount raised must be topped up (SH 65)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from ..domain.money import pct
from .base import CENT, Check, Context, Issue, money, yuan

# Fixed by SH 65, not an estate setting.
FLOOR = Decimal("0.30")


class RepairFundFloor(Check):
    id = "repair-fund-floor"
    severity = "warning"
    resources = ("repair_fund",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        latest: dict[str, dict] = {}
        for r in ctx.rows("repair_fund"):
            b = r.get("building_no") or ""
            if b not in latest or (r.get("period") or "") > (latest[b].get("period") or ""):
                latest[b] = r
        for r in latest.values():
            initial, closing = money(r.get("initial_raised_yuan")), money(r.get("closing_yuan"))
            floor = (initial * FLOOR).quantize(CENT, ROUND_HALF_UP)
            if initial <= 0 or closing >= floor:
                continue
            b, p = r.get("building_no"), r.get("period")
            yield Issue(
                "repair_fund",
                r.get("_row"),
                "closing_yuan",
                f"{b} 号楼维修资金 {p} 期末余额 {yuan(closing)} 元，只有首期归集 {yuan(initial)} 元的 "
                f"{pct(closing, initial)}，低于 30%。按规定应当续筹，至少还需 {yuan(floor - closing)} 元"
                "才能回到 30%。请业委会组织业主续筹；如果余额填错了，请改正。",
                f"Building {b}: the maintenance fund closed {p} at {yuan(closing)} yuan, only "
                f"{pct(closing, initial)} of the {yuan(initial)} yuan first raised, below 30%. "
                f"The fund must be topped up; at least {yuan(floor - closing)} yuan is needed "
                "to reach 30%. The committee should organise the owners' top-up; if the "
                "balance is wrong, correct it.",
            )
