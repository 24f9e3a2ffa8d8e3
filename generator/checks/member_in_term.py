"""member-in-term: member dates inside the term; voting members in post within seats (SH 32)."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.terms import current_term, in_post, is_sitting, name_of, roster_day
from .base import Check, Context, Issue


class MemberInTerm(Check):
    id = "member-in-term"
    severity = "error"
    resources = ("members", "committees")

    def run(self, ctx: Context) -> Iterator[Issue]:
        term = current_term(ctx)
        if term is None:
            return
        members = [m for m in ctx.rows("members") if m.get("term_no") == term["term_no"]]
        for m in members:
            yield from _dates(m, term)
        yield from _head_count(members, term, ctx)


def _dates(m: dict, term: dict) -> Iterator[Issue]:
    n, name, row = term["term_no"], name_of(m), m.get("_row")
    t_start, t_end = term.get("term_start"), term.get("term_end")
    start, end, reason = m.get("start_date"), m.get("end_date"), m.get("end_reason")
    span = f"第{n}届任期（{t_start} 至 {t_end}）"
    span_en = f"term {n} ({t_start} to {t_end})"

    def outside(day) -> bool:
        return (t_start is not None and day < t_start) or (t_end is not None and day > t_end)

    if start is not None and outside(start):
        yield Issue(
            "members",
            row,
            "start_date",
            f"{name} 的任职开始日期 {start} 不在{span}之内。请核对任职开始日期和届次。",
            f"{name}'s start date {start} is outside {span_en}. Check the start date and "
            "the term number.",
        )
    if end is not None and start is not None and end < start:
        yield Issue(
            "members",
            row,
            "end_date",
            f"{name} 的任职结束日期 {end} 早于开始日期 {start}。请核对这两个日期。",
            f"{name}'s end date {end} is before the start date {start}. Check both dates.",
        )
    elif end is not None and outside(end):
        yield Issue(
            "members",
            row,
            "end_date",
            f"{name} 的任职结束日期 {end} 不在{span}之内。请核对任职结束日期和届次。",
            f"{name}'s end date {end} is outside {span_en}. Check the end date and the "
            "term number.",
        )
    if end is not None and not reason:
        yield Issue(
            "members",
            row,
            "end_reason",
            f"{name} 已填写任职结束日期 {end}，但没有填写离任原因。"
            "请填写离任原因（届满、辞职、罢免、迁出、去世或其他）。",
            f"{name} has an end date ({end}) but no reason for leaving. Fill in the reason "
            "(届满 term ended, 辞职 resigned, 罢免 recalled, 迁出 moved away, 去世 died, 其他 other).",
        )
    elif end is None and reason:
        yield Issue(
            "members",
            row,
            "end_date",
            f"{name} 填写了离任原因“{reason}”，但没有任职结束日期。"
            "请填写离任日期；如果仍在任，请清空离任原因。",
            f"{name} has a reason for leaving ({reason}) but no end date. Fill in the date "
            "the member left; if still in post, clear the reason.",
        )


def _head_count(members: list[dict], term: dict, ctx: Context) -> Iterator[Issue]:
    seats = term.get("seats")
    if seats is None:
        return
    n, on = term["term_no"], roster_day(term, ctx.as_of)
    voting = sum(1 for m in members if m.get("is_voting") is True and in_post(m, on))
    where = ("committees", term.get("_row"), "seats")
    if voting > seats:
        yield Issue(
            *where,
            f"第{n}届业委会在 {on} 有 {voting} 位有表决权的委员在任，超过了名额 {seats} 人。"
            "请核对：离任的委员要填写任职结束日期；候补委员递补之前，“有表决权”应填“否”。",
            f"Term {n} has {voting} voting members in post on {on}, more than its {seats} "
            "seats. Check that members who left have an end date, and that alternates are "
            "marked as not voting until they step up.",
        )
    elif is_sitting(term) and voting * 2 < seats:
        # SH 32: below half the seats the committee must be re-elected early.
        yield Issue(
            *where,
            f"第{n}届业委会在 {on} 只有 {voting} 位有表决权的委员在任，不到名额 {seats} 人的一半。"
            "按规定应提前换届改选，请与街道（镇）和居委会联系。如果是成员表填写有误，请修改成员表。",
            f"Term {n} has only {voting} voting member(s) in post on {on}, fewer than half of "
            f"its {seats} seats. The rules call for an early re-election; contact the street "
            "office and the residents' committee. If the members table is wrong, correct it.",
            severity="warning",
        )
