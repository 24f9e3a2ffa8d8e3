"""supervision-dates: listing, delisting and visit dates in order, none after the as-of date.

A delisting needs its reason (and a reason needs the date); every visit lies inside its
listing: not before it was listed, not after it was delisted, not after the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Issue
from .district_base import DistrictContext


class SupervisionDates(Check):
    id = "supervision-dates"
    severity = "error"
    resources = ("supervision",)

    def run(self, ctx: DistrictContext) -> Iterator[Issue]:
        listings = {}
        for r in ctx.rows("supervision"):
            lid, row = r.get("listing_id"), r.get("_row")
            listings[lid] = r
            listed, delisted = r.get("listed_date"), r.get("delisted_date")
            if listed is not None and listed > ctx.as_of:
                yield Issue(
                    "supervision", row, "listed_date",
                    f"挂牌 {lid} 的挂牌日期 {listed} 晚于今天（{ctx.as_of}）。请核对日期。",
                    f"Listing {lid} is listed on {listed}, after today ({ctx.as_of}). Check "
                    "the date.",
                )  # fmt: skip
            if delisted is not None and listed is not None and delisted < listed:
                yield Issue(
                    "supervision", row, "delisted_date",
                    f"挂牌 {lid} 的摘牌日期 {delisted} 早于挂牌日期 {listed}。请核对这两个日期。",
                    f"Listing {lid} is delisted on {delisted}, before it was listed on "
                    f"{listed}. Check both dates.",
                )  # fmt: skip
            elif delisted is not None and delisted > ctx.as_of:
                yield Issue(
                    "supervision", row, "delisted_date",
                    f"挂牌 {lid} 的摘牌日期 {delisted} 晚于今天（{ctx.as_of}）。摘牌后再填写。",
                    f"Listing {lid} is delisted on {delisted}, after today ({ctx.as_of}). "
                    "Fill it in once the estate is delisted.",
                )  # fmt: skip
            if delisted is not None and not r.get("delisted_reason"):
                yield Issue(
                    "supervision", row, "delisted_reason",
                    f"挂牌 {lid} 已于 {delisted} 摘牌，但没有写摘牌理由。请写明整改了什么。",
                    f"Listing {lid} was delisted on {delisted} without a reason. Say what "
                    "was put right.",
                )  # fmt: skip
            if delisted is None and r.get("delisted_reason"):
                yield Issue(
                    "supervision", row, "delisted_date",
                    f"挂牌 {lid} 写了摘牌理由，但没有摘牌日期。请补上摘牌日期，或清空摘牌理由。",
                    f"Listing {lid} has a delisting reason but no delisting date. Add the "
                    "date or clear the reason.",
                )  # fmt: skip
        for v in ctx.rows("supervision_visits"):
            listing = listings.get(v.get("listing_id"))
            when, row, lid = v.get("visit_date"), v.get("_row"), v.get("listing_id")
            if listing is None or when is None:
                continue  # an unknown listing is a foreign-key error already
            listed, delisted = listing.get("listed_date"), listing.get("delisted_date")
            if listed is not None and when < listed:
                yield Issue(
                    "supervision_visits", row, "visit_date",
                    f"挂牌 {lid} 的走访日期 {when} 早于挂牌日期 {listed}。挂牌前的走访不算督办走访，"
                    "请核对日期或删去这一行。",
                    f"A visit of listing {lid} on {when} is before it was listed on {listed}. "
                    "Check the date or remove the row.",
                )  # fmt: skip
            elif delisted is not None and when > delisted:
                yield Issue(
                    "supervision_visits", row, "visit_date",
                    f"挂牌 {lid} 的走访日期 {when} 晚于摘牌日期 {delisted}。请核对日期或删去这一行。",
                    f"A visit of listing {lid} on {when} is after it was delisted on "
                    f"{delisted}. Check the date or remove the row.",
                )  # fmt: skip
            elif when > ctx.as_of:
                yield Issue(
                    "supervision_visits", row, "visit_date",
                    f"挂牌 {lid} 的走访日期 {when} 晚于今天（{ctx.as_of}）。走访之后再填写。",
                    f"A visit of listing {lid} is dated {when}, after today ({ctx.as_of}). "
                    "Record visits once they have happened.",
                )  # fmt: skip
