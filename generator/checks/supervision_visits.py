"""supervision-visits: while an estate is listed, the supervising unit visits it at least
every N days (``supervision_visit_days`` in rules.yaml, default 30), judged against the
as-of date.

Only the current gap is reported (since the last visit, or since listing when there was
none): it is the one the unit can still close; an old gap is history the list shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Issue
from .district_base import DistrictContext

DEFAULT_DAYS = 30


def visit_days(config: dict) -> int:
    return int(config.get("supervision_visit_days") or DEFAULT_DAYS)


class SupervisionVisits(Check):
    id = "supervision-visits"
    severity = "warning"
    resources = ("supervision",)

    def run(self, ctx: DistrictContext) -> Iterator[Issue]:
        days = visit_days(ctx.config)
        visits: dict[str, list] = {}
        for v in ctx.rows("supervision_visits"):
            if v.get("visit_date") is not None and v["visit_date"] <= ctx.as_of:
                visits.setdefault(v.get("listing_id"), []).append(v["visit_date"])
        for r in ctx.rows("supervision"):
            listed, lid = r.get("listed_date"), r.get("listing_id")
            if r.get("delisted_date") is not None or listed is None or listed > ctx.as_of:
                continue
            mine = [d for d in visits.get(lid, []) if d >= listed]
            since = max(mine) if mine else listed
            gap = (ctx.as_of - since).days
            if gap <= days:
                continue
            if mine:
                zh = f"挂牌 {lid}（{r.get('estate_id')}）最近一次走访是 {since}，到今天已 {gap} 天"
                en = f"Listing {lid} ({r.get('estate_id')}) was last visited on {since}, {gap} days ago"
            else:
                zh = f"挂牌 {lid}（{r.get('estate_id')}）自 {since} 挂牌以来 {gap} 天没有走访记录"
                en = f"Listing {lid} ({r.get('estate_id')}) has had no visit in the {gap} days since it was listed on {since}"
            yield Issue(
                "supervision", r.get("_row"), "listing_id",
                zh + f"，超过了每 {days} 天至少走访一次的要求。请安排走访，并在督办走访表"
                "（supervision_visits）中记录日期和检查内容。",
                en + f", more than the {days} days allowed between visits. Arrange a visit "
                "and record its date and what was checked in supervision_visits.",
            )  # fmt: skip
