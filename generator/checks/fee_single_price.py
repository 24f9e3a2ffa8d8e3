"""fee-single-price: one price per unit category and package on any date (SH 48)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from .base import Check, Context, Issue


class FeeSinglePrice(Check):
    id = "fee-single-price"
    severity = "error"
    resources = ("fees",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for fee in ctx.rows("fees"):
            start, end = fee.get("effective_from"), fee.get("effective_to")
            if start is None:
                continue
            if end is not None and end < start:
                yield Issue(
                    "fees",
                    fee.get("_row"),
                    "effective_to",
                    f"收费 {fee.get('fee_id')} 的截止日期 {end} 早于起始日期 {start}。"
                    "请检查这两个日期是否填反了。",
                    f"Fee {fee.get('fee_id')} ends on {end}, before it starts on {start}. Check "
                    "whether the two dates are swapped.",
                )
                continue  # an empty date range cannot overlap anything
            groups[(fee.get("unit_category"), fee.get("package"))].append(fee)

        for (category, package), fees in groups.items():
            fees.sort(key=lambda f: (f["effective_from"], f.get("_row") or 0))
            for i, later in enumerate(fees):
                # Sorted by start, so an earlier price overlaps when it has not ended yet.
                earlier = next((f for f in fees[:i] if _end(f) >= later["effective_from"]), None)
                if earlier is not None:
                    yield _overlap(category, package, earlier, later)


def _end(fee: dict) -> dt.date:
    return fee.get("effective_to") or dt.date.max


def _overlap(category: str, package: str, earlier: dict, later: dict) -> Issue:
    start = later["effective_from"]
    old = f"{earlier.get('fee_id')}（{earlier.get('price_yuan')} {earlier.get('unit')}，{earlier['effective_from']} 起）"
    old_en = f"{earlier.get('fee_id')} ({earlier.get('price_yuan')} {earlier.get('unit')} from {earlier['effective_from']})"
    new = f"{later.get('fee_id')}（{later.get('price_yuan')} {later.get('unit')}）"
    new_en = f"{later.get('fee_id')} ({later.get('price_yuan')} {later.get('unit')})"
    day_before = start - dt.timedelta(days=1)
    return Issue(
        "fees",
        later.get("_row"),
        "effective_from",
        f"{category}{package}从 {start} 起同时有两个价格：{old}与{new}。"
        "同一收费对象、同一服务包在同一天只能有一个价格。"
        f"调价时请给旧价格填写截止日期（新价格开始的前一天，即 {day_before}）。",
        f"{category} {package} has two prices from {start}: {old_en} and {new_en}. A unit "
        "category and package can have only one price on any date. When a price changes, "
        f"give the old price an end date (the day before the new one starts, {day_before}).",
    )
