"""committee-roles: one 主任, at least one 副主任; alternates and secretaries do not vote (SH 21)."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.terms import ROLE_EN, current_term, in_post, is_sitting, name_of, roster_day
from .base import Check, Context, Issue

VOTING_ROLES = ("主任", "副主任", "委员")
NON_VOTING_ROLES = ("候补委员", "执行秘书")


class CommitteeRoles(Check):
    id = "committee-roles"
    severity = "error"
    resources = ("members", "committees")

    def run(self, ctx: Context) -> Iterator[Issue]:
        term = current_term(ctx)
        members = ctx.rows("members")
        if term is not None:
            term_no = term["term_no"]
        else:  # committees not published: the latest term the members table mentions
            term_no = max(
                (m["term_no"] for m in members if m.get("term_no") is not None), default=None
            )
        if term_no is None:
            return
        members = sorted(
            (m for m in members if m.get("term_no") == term_no), key=lambda m: m.get("_row") or 0
        )
        yield from _voting_flags(members)
        # Only a sitting committee must have its officers; a term that has ended has none.
        if term is not None and not is_sitting(term):
            return
        present = [m for m in members if in_post(m, roster_day(term, ctx.as_of))]
        yield from _officers(term_no, present, ctx)


def _voting_flags(members: list[dict]) -> Iterator[Issue]:
    for m in members:
        role, voting, name = m.get("role"), m.get("is_voting"), name_of(m)
        where = ("members", m.get("_row"), "is_voting")
        if role in NON_VOTING_ROLES and voting is True:
            yield Issue(
                *where,
                f"{name} 是{role}，{role}没有表决权，“有表决权”应填“否”。请修改这一格。",
                f"{name} is the {ROLE_EN[role]}, who does not vote, so is_voting should be "
                "否 (no). Change this cell.",
            )
        elif role in VOTING_ROLES and voting is False:
            yield Issue(
                *where,
                f"{name} 是{role}，应有表决权，“有表决权”应填“是”。请修改这一格；"
                "如果这个人其实是候补委员或执行秘书，请改职务。",
                f"{name} is a {ROLE_EN[role]} and votes, so is_voting should be 是 (yes). "
                "Change this cell; if this person is really an alternate member or the "
                "executive secretary, change the role instead.",
            )


def _officers(term_no: int, present: list[dict], ctx: Context) -> Iterator[Issue]:
    chairs = [m for m in present if m.get("role") == "主任"]
    if not chairs:
        yield Issue(
            "members",
            None,
            "role",
            f"第{term_no}届业委会在 {ctx.as_of} 没有在任的主任。业委会应有且只有一位主任。"
            "请在成员表中填写主任；主任已离任的，补选后加上新主任这一行。",
            f"Term {term_no} has no chair in post on {ctx.as_of}. A committee has exactly one "
            "chair. Add the chair to the members table; if the chair has left, add the new "
            "chair once elected.",
        )
    names = "、".join(name_of(m) for m in chairs)
    for extra in chairs[1:]:
        yield Issue(
            "members",
            extra.get("_row"),
            "role",
            f"第{term_no}届业委会在 {ctx.as_of} 同时有 {len(chairs)} 位在任的主任（{names}），"
            "只能有一位。请把多出的改为副主任或委员，或给已离任的主任填写任职结束日期。",
            f"Term {term_no} has {len(chairs)} chairs in post on {ctx.as_of} ({names}); there "
            "can be only one. Change the extra one to vice-chair or member, or give the chair "
            "who left an end date.",
        )
    if not any(m.get("role") == "副主任" for m in present):
        yield Issue(
            "members",
            None,
            "role",
            f"第{term_no}届业委会在 {ctx.as_of} 没有在任的副主任，至少应有一位。"
            "请在成员表中填写副主任。",
            f"Term {term_no} has no vice-chair in post on {ctx.as_of}; there must be at least "
            "one. Add the vice-chair to the members table.",
        )
