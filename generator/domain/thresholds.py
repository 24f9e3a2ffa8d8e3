"""Civil Code 278: what share of owners and area must take part in and agree to a vote.

:func:`evaluate_resolution` computes one resolution's shares and whether they reach the
thresholds; the resolution-threshold rule reports from it and the website's vote table
shows it, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# CC 278 items 6–8 need at least 3/4 of those voting; other matters more than half.
THREE_QUARTERS = ("筹集维修资金", "改建重建", "改变共有部分用途")
COMMITTEE_DECISION = "业委会决定"
PARTICIPATION = Fraction(2, 3)

COUNTS = {
    "owners_total": ("业主总人数", "total owners"),
    "area_total_m2": ("专有部分总面积", "total floor area"),
    "owners_voted": ("参与表决人数", "owners who voted"),
    "area_voted": ("参与表决面积", "floor area that voted"),
    "owners_for": ("同意人数", "owners in favour"),
    "area_for": ("同意面积", "floor area in favour"),
}

# Measure → (part, whole, label zh, label en, unit).
MEASURES = {
    "owners_participation": (
        "owners_voted",
        "owners_total",
        "参与表决人数",
        "owners who voted",
        "",
    ),
    "area_participation": ("area_voted", "area_total_m2", "参与表决面积", "area that voted", " ㎡"),
    "owners_approval": ("owners_for", "owners_voted", "同意人数", "owners in favour", ""),
    "area_approval": ("area_for", "area_voted", "同意面积", "area in favour", " ㎡"),
}


@dataclass(frozen=True)
class Vote:
    """One resolution's vote against the CC 278 thresholds.

    - ``applies``: an assembly vote with all six counts filled (``owners_total`` …
      ``area_for``); False for 业委会决定 and for rows without counts, whose other
      fields are then None / empty.
    - ``owners_participation``, ``area_participation``: voted ÷ total; ``owners_approval``,
      ``area_approval``: in favour ÷ voted. Decimal shares (0.8125 = 81.25%), None when
      the divisor is 0.
    - ``approval_label``: the approval threshold, ``"> 1/2"`` or ``"≥ 3/4"``.
    - ``shortfalls``: the measures (keys above) that miss their threshold, judged with
      exact fractions.
    - ``passes``: the numbers reach every threshold; None when the vote does not apply.
    """

    applies: bool
    owners_participation: Decimal | None = None
    area_participation: Decimal | None = None
    owners_approval: Decimal | None = None
    area_approval: Decimal | None = None
    approval_label: str = ""
    shortfalls: tuple[str, ...] = ()
    passes: bool | None = None


def evaluate_resolution(row: dict) -> Vote:
    """The vote of one ``resolutions`` row (typed values, as rules see them)."""
    if row.get("matter") == COMMITTEE_DECISION or any(row.get(f) is None for f in COUNTS):
        return Vote(applies=False)
    three_quarters = row["matter"] in THREE_QUARTERS
    need = Fraction(3, 4) if three_quarters else Fraction(1, 2)
    shares: dict[str, Decimal | None] = {}
    shortfalls = []
    for measure, (part, whole, *_) in MEASURES.items():
        p, w = Fraction(row[part]), Fraction(row[whole])
        shares[measure] = Decimal(row[part]) / Decimal(row[whole]) if w else None
        ratio = p / w if w else Fraction(0)
        if measure.endswith("participation"):
            short = ratio < PARTICIPATION
        else:  # "more than half" is strict; "at least three quarters" is not
            short = ratio < need or (not three_quarters and ratio == need)
        if short:
            shortfalls.append(measure)
    return Vote(
        applies=True,
        approval_label="≥ 3/4" if three_quarters else "> 1/2",
        shortfalls=tuple(shortfalls),
        passes=not shortfalls,
        **shares,
    )
