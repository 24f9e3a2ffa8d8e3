"""meeting-cadence: committee meetings at most 2 months apart, more than half present (SH 26)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..domain.terms import current_term, is_sitting
from .base import Check, Context, Issue

COMMITTEE = "业委会"


class MeetingCadence(Check):
    id = "meeting-cadence"
    severity = "warning"
    resources = ("meetings", "committees")

    def run(self, ctx: Context) -> Iterator[Issue]:
        max_gap = int(ctx.config.get("meeting_max_gap_days", 62))
        meetings = sorted(
            (
                m
                for m in ctx.rows("meetings")
                if m.get("meeting_type") == COMMITTEE and m.get("meeting_date") is not None
            ),
            key=lambda m: (m["meeting_date"], m.get("_row") or 0),
        )
        # A new committee's clock starts at its term start, not at its predecessor's last
        # meeting: the months between two committees are nobody's missed meetings.
        starts = sorted(t["term_start"] for t in ctx.rows("committees") if t.get("term_start"))
        for prev, meeting in zip(meetings, meetings[1:], strict=False):
            yield from _gap(meeting, prev, meeting["meeting_date"], starts, max_gap)
        for meeting in meetings:
            yield from _quorum(meeting)

        # The time since the last meeting counts only while a committee sits.
        term = current_term(ctx)
        if ctx.has("committees") and not is_sitting(term):
            return
        past = [m for m in meetings if m["meeting_date"] <= ctx.as_of]
        last = past[-1] if past else None
        if last is not None or starts:
            yield from _gap(None, last, ctx.as_of, starts, max_gap)


def _gap(
    meeting: dict | None, prev: dict | None, day: dt.date, starts: list[dt.date], max_gap: int
) -> Iterator[Issue]:
    """Warn when ``day`` is more than ``max_gap`` days after the previous meeting, or after
    a term start in between. ``meeting`` None means ``day`` is the as-of date."""
    since = prev["meeting_date"] if prev else None
    later_starts = [s for s in starts if s <= day and (since is None or s > since)]
    if later_starts:
        since = later_starts[-1]
        what, what_en = f"本届任期开始 {since}", f"the start of the term on {since}"
    elif since is not None:
        what, what_en = f"上一次会议 {since}", f"the previous meeting on {since}"
    else:
        return
    gap = (day - since).days
    if gap <= max_gap:
        return
    if meeting is not None:
        yield Issue(
            "meetings",
            meeting.get("_row"),
            "meeting_date",
            f"这次业委会会议（{day}）距离{what}有 {gap} 天，超过了 {max_gap} 天。"
            "业委会至少每两个月开一次会。如果中间的会议漏填了，请补上。",
            f"This committee meeting ({day}) is {gap} days after {what_en}, more than "
            f"{max_gap} days. The committee must meet at least every two months. If a "
            "meeting in between is missing from the table, add it.",
        )
        return
    row = prev.get("_row") if prev is not None and since == prev["meeting_date"] else None
    yield Issue(
        "meetings",
        row,
        "meeting_date",
        f"截至 {day}，业委会已经 {gap} 天没有开会（从{what} 算起），超过了 {max_gap} 天。"
        "业委会至少每两个月开一次会。已经开过会的，请在会议表中补上；还没开的，请尽快召开。",
        f"As of {day} the committee has not met for {gap} days (since {what_en}), more "
        f"than {max_gap} days. The committee must meet at least every two months. If it "
        "has met, add the meeting to the table; if not, hold one soon.",
    )


def _quorum(meeting: dict) -> Iterator[Issue]:
    present, total = meeting.get("members_present"), meeting.get("members_total")
    if present is None or not total:
        return
    day, row = meeting.get("meeting_date"), meeting.get("_row")
    if present > total:
        yield Issue(
            "meetings",
            row,
            "members_present",
            f"{day} 的业委会会议实到 {present} 人，多于应到 {total} 人。请核对这两个人数。",
            f"The committee meeting on {day} lists {present} members present, more than "
            f"the {total} members in total. Check both numbers.",
        )
    elif present * 2 <= total:
        yield Issue(
            "meetings",
            row,
            "members_present",
            f"{day} 的业委会会议实到 {present} 人，应到 {total} 人，没有超过半数，"
            "会议不能作出决定。请核对人数；人数确实不足的，这次会议的决定要重新开会表决。",
            f"The committee meeting on {day} had {present} of {total} members present, not "
            "more than half, so it could not take decisions. Check the numbers; if they are "
            "right, its decisions must be taken again at a meeting with a quorum.",
        )
