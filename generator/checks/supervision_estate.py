"""supervision-estate: a listed estate exists in data/estates/ and lies in this district."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Issue
from .district_base import DistrictContext


class SupervisionEstate(Check):
    id = "supervision-estate"
    severity = "error"
    resources = ("supervision",)

    def run(self, ctx: DistrictContext) -> Iterator[Issue]:
        for r in ctx.rows("supervision"):
            estate = r.get("estate_id")
            if estate not in ctx.estates:
                yield Issue(
                    "supervision",
                    r.get("_row"),
                    "estate_id",
                    f"挂牌 {r.get('listing_id')} 的小区编号“{estate}”在 data/estates/ 中不存在。"
                    "请填写小区文件夹的名称（例如 meilin-xincun），注意拼写和大小写。",
                    f'Listing {r.get("listing_id")} names estate "{estate}", which is not in '
                    "data/estates/. Use the estate's folder name (e.g. meilin-xincun); check "
                    "the spelling.",
                )
                continue
            theirs = ctx.estates[estate]
            if theirs and theirs != ctx.district:
                yield Issue(
                    "supervision",
                    r.get("_row"),
                    "estate_id",
                    f"挂牌 {r.get('listing_id')} 的小区“{estate}”属于 {theirs}，不在本区"
                    f"（{ctx.district}）。请由所在区挂牌，或核对小区编号。",
                    f'Listing {r.get("listing_id")}: estate "{estate}" is in district '
                    f"{theirs}, not in this one ({ctx.district}). Its own district lists it; "
                    "or check the estate id.",
                )
