"""fee-collection-consistent: households paid ≤ billed (error); amount collected ≤ due is
only a warning, because arrears recovered from earlier quarters count as collected too."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Issue


class FeeCollectionConsistent(Check):
    id = "fee-collection-consistent"
    severity = "error"
    resources = ("fee_collection",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        for r in ctx.rows("fee_collection"):
            q, row = r.get("quarter"), r.get("_row")
            billed, paid = r.get("households_billed"), r.get("households_paid")
            due, collected = r.get("amount_due_yuan"), r.get("amount_collected_yuan")
            if billed is not None and paid is not None and paid > billed:
                yield Issue(
                    "fee_collection", row, "households_paid",
                    f"{q}：已缴 {paid} 户，多于应缴 {billed} 户。请核对这两个数字。",
                    f"{q}: {paid} households paid, more than the {billed} billed. Check both "
                    "numbers.",
                )  # fmt: skip
            if due is not None and collected is not None and collected > due:
                yield Issue(
                    "fee_collection", row, "amount_collected_yuan",
                    f"{q}：实收 {collected:.2f} 元，多于应收 {due:.2f} 元。追缴往期欠费时会这样；"
                    "如果不是，请核对这两个金额。",
                    f"{q}: {collected:.2f} yuan collected, more than the {due:.2f} due. "
                    "Recovered arrears do this; if there were none, check both amounts.",
                    severity="warning",
                )  # fmt: skip
