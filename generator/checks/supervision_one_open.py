"""supervision-one-open: at most one open listing per estate, and one estate's listings
never overlap (a re-listing starts after the previous one was delisted)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Issue
from .district_base import DistrictContext


class SupervisionOneOpen(Check):
    id = "supervision-one-open"
    severity = "error"
    resources = ("supervision",)

    def run(self, ctx: DistrictContext) -> Iterator[Issue]:
        by_estate: dict[str, list[dict]] = {}
        for r in ctx.rows("supervision"):
            if r.get("listed_date") is not None:
                by_estate.setdefault(r.get("estate_id"), []).append(r)
        for estate, listings in by_estate.items():
            listings.sort(key=lambda r: (r["listed_date"], r.get("_row") or 0))
            for earlier, later in zip(listings, listings[1:], strict=False):
                ended = earlier.get("delisted_date")
                if ended is None:
                    yield Issue(
                        "supervision", later.get("_row"), "listed_date",
                        f"小区 {estate} 的挂牌 {earlier.get('listing_id')} 还没有摘牌，又挂牌了 "
                        f"{later.get('listing_id')}。一个小区同时只能有一次挂牌督办：请先给前一次填上"
                        "摘牌日期和理由，或把两行合并。",
                        f"Estate {estate}: listing {earlier.get('listing_id')} is still open "
                        f"and {later.get('listing_id')} lists it again. An estate has one open "
                        "listing at a time: delist the earlier one (date and reason) or merge "
                        "the rows.",
                    )  # fmt: skip
                elif later["listed_date"] < ended:
                    yield Issue(
                        "supervision", later.get("_row"), "listed_date",
                        f"小区 {estate} 的挂牌 {later.get('listing_id')} 从 {later['listed_date']} "
                        f"开始，早于上一次挂牌 {earlier.get('listing_id')} 的摘牌日期 {ended}，两次挂牌"
                        "重叠。请核对这两行的日期。",
                        f"Estate {estate}: listing {later.get('listing_id')} starts on "
                        f"{later['listed_date']}, before the previous listing "
                        f"{earlier.get('listing_id')} ended on {ended}; they overlap. Check "
                        "the dates of both rows.",
                    )  # fmt: skip
