"""resolution-threshold: assembly votes reach the Civil Code thresholds, and `passed` agrees (CC 278).

The arithmetic is :func:`generator.domain.thresholds.evaluate_resolution`, shared with the
website's vote table.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.money import pct
from ..domain.thresholds import (  # noqa: F401 - Vote re-exported for the rule's readers
    COMMITTEE_DECISION,
    COUNTS,
    MEASURES,
    THREE_QUARTERS,
    Vote,
    evaluate_resolution,
)
from .base import Check, Context, Issue


class ResolutionThreshold(Check):
    id = "resolution-threshold"
    severity = "error"
    resources = ("resolutions",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        for r in ctx.rows("resolutions"):
            # Only assembly votes carry owner counts; committee decisions are not checked.
            if r.get("owners_total") is None or r.get("matter") == COMMITTEE_DECISION:
                continue
            yield from _check(r)


def _check(r: dict) -> Iterator[Issue]:
    rid, row = r.get("resolution_id"), r.get("_row")
    missing = [f for f in COUNTS if r.get(f) is None]
    if missing:
        yield Issue(
            "resolutions",
            row,
            missing[0],
            f"决议 {rid} 填了业主总人数，但缺少{'、'.join(COUNTS[f][0] for f in missing)}。"
            "业主大会表决要把人数和面积都填全，才能核对是否达到法定比例。请补上。",
            f"Resolution {rid} gives the total owners but not the "
            f"{', '.join(COUNTS[f][1] for f in missing)}. An assembly vote needs all head "
            "counts and areas so the thresholds can be checked. Fill them in.",
        )
        return
    bad_order = list(_order(r))
    yield from bad_order
    if bad_order:
        return  # thresholds on inconsistent numbers would only add noise

    vote = evaluate_resolution(r)
    if r["matter"] in THREE_QUARTERS:
        need_zh, need_en = "四分之三以上", "at least three quarters"
    else:
        need_zh, need_en = "过半数", "more than half"
    rule_zh = f"法定比例（三分之二以上的业主人数和面积参与表决，参与表决者{need_zh}同意）"
    rule_en = (
        f"legal thresholds (two thirds of owners and of area take part, {need_en} of those "
        "voting agree, by head count and by area)"
    )
    if r.get("passed") is True and not vote.passes:
        short_zh, short_en = [], []
        for measure in vote.shortfalls:
            part, whole, zh, en, unit = MEASURES[measure]
            share = f"{r[part]}/{r[whole]}{unit}"
            # A zero divisor only happens for approval when nobody voted.
            p = pct(r[part], r[whole]) if r[whole] else "0.0%"
            if measure.endswith("participation"):
                short_zh.append(f"{zh} {share}（{p}）不到三分之二")
                short_en.append(f"{en} {share} ({p}) is below two thirds")
            else:
                short_zh.append(f"{zh} {share}（{p}）没有达到{need_zh}")
                short_en.append(f"{en} {share} ({p}) is not {need_en}")
        yield Issue(
            "resolutions",
            row,
            "passed",
            f"决议 {rid} 标为“通过”，但表决结果没有达到{rule_zh}：{'；'.join(short_zh)}。"
            "请核对人数和面积；如果数字无误，“是否通过”应填“否”。",
            f"Resolution {rid} is marked as passed, but the vote does not reach the "
            f"{rule_en}: {'; '.join(short_en)}. Check the counts and areas; if they are "
            "right, passed should be 否 (no).",
        )
    elif r.get("passed") is False and vote.passes:
        shares = [pct(r[part], r[whole]) for part, whole, *_ in MEASURES.values()]
        yield Issue(
            "resolutions",
            row,
            "passed",
            f"决议 {rid} 标为“未通过”，但按填写的数字已经达到{rule_zh}（参与人数 {shares[0]}、"
            f"参与面积 {shares[1]}、同意人数 {shares[2]}、同意面积 {shares[3]}）。"
            "请核对人数和面积，或把“是否通过”改为“是”。",
            f"Resolution {rid} is marked as not passed, but the numbers reach the {rule_en} "
            f"(owners voting {shares[0]}, area voting {shares[1]}, owners in favour "
            f"{shares[2]}, area in favour {shares[3]}). Check the counts and areas, or "
            "change passed to 是 (yes).",
        )


def _order(r: dict) -> Iterator[Issue]:
    """In favour ≤ voted ≤ total, and totals above zero, for head count and for area."""
    rid, row = r.get("resolution_id"), r.get("_row")
    for total in ("owners_total", "area_total_m2"):
        if r[total] <= 0:
            zh, en = COUNTS[total]
            yield Issue(
                "resolutions",
                row,
                total,
                f"决议 {rid} 的{zh}为 {r[total]}，应大于 0。请填写表决范围内的{zh}。",
                f"Resolution {rid} gives the {en} as {r[total]}; it must be more than 0. "
                f"Fill in the {en} within the scope of the vote.",
            )
    for small, big in (
        ("owners_voted", "owners_total"),
        ("owners_for", "owners_voted"),
        ("area_voted", "area_total_m2"),
        ("area_for", "area_voted"),
    ):
        if r[small] > r[big]:
            (s_zh, s_en), (b_zh, b_en) = COUNTS[small], COUNTS[big]
            yield Issue(
                "resolutions",
                row,
                small,
                f"决议 {rid} 的{s_zh} {r[small]} 多于{b_zh} {r[big]}。请核对这两个数字。",
                f"Resolution {rid} has more {s_en} ({r[small]}) than {b_en} ({r[big]}). "
                "Check both numbers.",
            )
