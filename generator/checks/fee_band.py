"""fee-band: the basic fee per m² sits inside the usual band for the estate type (practice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from .base import Check, Context, Issue, money

BASIC = "基础包"
PER_M2 = "元/㎡·月"


class FeeBand(Check):
    id = "fee-band"
    severity = "warning"
    resources = ("fees", "estate")

    def run(self, ctx: Context) -> Iterator[Issue]:
        property_type = ctx.estate.get("property_type")
        # No default bands: they are maintained in rules.yaml, and no band means no check.
        bands = ctx.config.get("fee_bands") or []
        for fee in ctx.rows("fees"):
            if fee.get("package") != BASIC or fee.get("unit") != PER_M2:
                continue
            if not _current(fee, ctx.as_of) or fee.get("price_yuan") is None:
                continue
            band = next(
                (
                    b
                    for b in bands
                    if b.get("property_type") == property_type
                    and b.get("unit_category") == fee.get("unit_category")
                ),
                None,
            )
            if band is None:
                continue
            low, high = _bound(band.get("min")), _bound(band.get("max"))
            price = money(fee["price_yuan"])
            if (low is None or price >= low) and (high is None or price <= high):
                continue
            cat = fee.get("unit_category")
            band_text = f"{_fmt(low)}–{_fmt(high)}"
            yield Issue(
                "fees",
                fee.get("_row"),
                "price_yuan",
                f"{cat}基础包现行单价 {price} 元/㎡·月，超出了{property_type}小区常见的 "
                f"{band_text} 元/㎡·月。这只是提醒：请核对单价和计费单位是否填写正确；"
                "价格无误的，不需要修改。",
                f"The current basic fee for {cat} is {price} yuan/m²/month, outside the "
                f"usual {band_text} yuan/m²/month for {property_type} estates. This is only "
                "a reminder: check the price and the unit; if they are right, nothing needs "
                "to change.",
            )


def _current(fee: dict, on: dt.date) -> bool:
    start, end = fee.get("effective_from"), fee.get("effective_to")
    return (start is None or start <= on) and (end is None or end >= on)


def _bound(value) -> Decimal | None:
    # rules.yaml numbers load as floats; money() goes through str, so 0.8 stays 0.8.
    return None if value is None else money(value)


def _fmt(value: Decimal | None) -> str:
    return "…" if value is None else f"{value:.2f}"
