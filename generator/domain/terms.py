"""Committee terms and members: which term matters, who is in post on a day."""

from __future__ import annotations

import datetime as dt

from .context import Context

SITTING = "在任"

ROLE_EN = {
    "主任": "chair",
    "副主任": "vice-chair",
    "委员": "member",
    "候补委员": "alternate member",
    "执行秘书": "executive secretary",
}


def current_term(ctx: Context) -> dict | None:
    """The term whose committee the rules look at.

    The one marked 在任 (the latest, should data list several), else the latest term on
    record, so an estate between committees is still checked against its last term.
    """
    terms = [t for t in ctx.rows("committees") if t.get("term_no") is not None]
    if not terms:
        return None
    sitting = [t for t in terms if t.get("status") == SITTING]
    return max(sitting or terms, key=lambda t: t["term_no"])


def roster_day(term: dict | None, as_of: dt.date) -> dt.date:
    """The day a term's roster is judged on: the as-of date, or the term's first day when
    a newly elected committee has not started yet (its members are not "in post" before
    then, which would otherwise read as a committee without a chair)."""
    start = term.get("term_start") if term else None
    return max(as_of, start) if start else as_of


def is_sitting(term: dict | None) -> bool:
    return term is not None and term.get("status") == SITTING


def in_post(member: dict, on: dt.date) -> bool:
    """In post on ``on``: the schema's end_date (任职结束) is the last day in post, like
    a term's term_end, so a member is still counted on that day."""
    start, end = member.get("start_date"), member.get("end_date")
    if start is not None and start > on:
        return False
    return end is None or end >= on


def name_of(member: dict) -> str:
    return member.get("display_name") or member.get("member_id") or "?"
