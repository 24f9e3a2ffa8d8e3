"""committee-size: voting seats an odd number, at least 5 (3 in a small estate); over 11 warns."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.terms import current_term
from .base import Check, Context, Issue, money


class CommitteeSize(Check):
    id = "committee-size"
    severity = "error"
    resources = ("committees", "estate")

    def run(self, ctx: Context) -> Iterator[Issue]:
        term = current_term(ctx)
        if term is None or term.get("seats") is None:
            return
        seats, n = term["seats"], term["term_no"]
        small_gfa = money(ctx.config.get("small_estate_gfa_m2", 10000))
        warn_above = int(ctx.config.get("committee_size_warn_above", 11))
        gfa = ctx.estate.get("total_gfa_m2")
        minimum = 3 if gfa is not None and money(gfa) < small_gfa else 5
        where = ("committees", term.get("_row"), "seats")
        small_note = f"（总建筑面积不到 {small_gfa:,} ㎡ 的小区可以是 3 人）"
        small_note_en = f" (3 is allowed in estates under {small_gfa:,} m² of floor area)"

        if seats < minimum:
            yield Issue(
                *where,
                f"第{n}届业委会委员名额为 {seats} 人，少于 {minimum} 人。有表决权的委员应为单数，"
                f"且不少于 {minimum} 人{small_note if minimum == 5 else ''}。"
                "请核对名额；人数确实不够的，需要补选委员。",
                f"Term {n} has {seats} committee seats, fewer than {minimum}. Voting members "
                f"must be an odd number and at least {minimum}"
                f"{small_note_en if minimum == 5 else ''}. Check the number of seats; if "
                "there really are too few members, hold a by-election.",
            )
        elif seats % 2 == 0:
            yield Issue(
                *where,
                f"第{n}届业委会委员名额为 {seats} 人，是双数。有表决权的委员应为单数"
                "（例如 5、7、9 人），这样表决时不会出现票数相同。请核对名额。",
                f"Term {n} has {seats} committee seats, an even number. Voting members must "
                "be an odd number (such as 5, 7 or 9) so that votes cannot tie. Check the "
                "number of seats.",
            )
        if seats > warn_above:
            yield Issue(
                *where,
                f"第{n}届业委会委员名额为 {seats} 人，超过了 {warn_above} 人。委员一般不超过 "
                f"{warn_above} 人，人数太多不容易开会议事。请核对名额是否填写正确。",
                f"Term {n} has {seats} committee seats, more than {warn_above}. Committees "
                f"usually have at most {warn_above} members; more makes meetings hard to "
                "hold. Check that the number of seats is right.",
                severity="warning",
            )
