"""common-income-transfer: the share of net common income the estate's rules send to the fund (SH 51)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP

from .base import CENT, Check, Context, Issue, money, yuan


class CommonIncomeTransfer(Check):
    id = "common-income-transfer"
    severity = "warning"
    resources = ("common_income", "estate")

    def run(self, ctx: Context) -> Iterator[Issue]:
        share = ctx.estate.get("transfer_min_share")
        if share is None:  # the estate's rules set no share: nothing to check
            return
        share = money(share)
        share_text = f"{(share * 100).normalize():f}%"
        for r in ctx.rows("common_income"):
            net = money(r.get("income_yuan")) - money(r.get("cost_yuan"))
            if net <= 0:
                continue
            required = (share * net).quantize(CENT, ROUND_HALF_UP)
            transfer = money(r.get("transfer_to_fund_yuan"))
            if transfer >= required:
                continue
            q = r.get("quarter")
            yield Issue(
                "common_income",
                r.get("_row"),
                "transfer_to_fund_yuan",
                f"{q} 公共收益净额（收入 − 合理成本）为 {yuan(net)} 元，按本小区议事规则至少 "
                f"{share_text} 应转入维修资金，即 {yuan(required)} 元；实际转入 {yuan(transfer)} 元，"
                f"少了 {yuan(required - transfer)} 元。请核对转入金额，不足的请补转。",
                f"{q}: net common income (income − cost) is {yuan(net)} yuan and the estate's "
                f"rules send at least {share_text} of it to the maintenance fund, "
                f"{yuan(required)} yuan; only {yuan(transfer)} yuan was transferred, "
                f"{yuan(required - transfer)} yuan short. Check the amount, and transfer the "
                "rest if it is short.",
            )
