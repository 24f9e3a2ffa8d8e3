"""The one status definition (generator/domain/status.py): levels at and around each threshold,
and the sample estates judged through the real validation and model."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from generator.domain.status import (
    MEASURES,
    STATUS_MEASURES,
    THRESHOLDS,
    Level,
    StatusFacts,
    assess,
)
from generator.load import load
from generator.model import build_estates
from generator.pipeline import summaries
from generator.validate import validate

AS_OF = dt.date(2026, 12, 1)


def level(measure: str, **facts) -> Level:
    return assess(StatusFacts(**facts), AS_OF).lights[measure].level


def test_levels_order_worst_last_and_read_as_words():
    assert max(Level.OK, Level.WATCH, Level.NONE) is Level.WATCH
    assert [lv.label for lv in Level] == ["无数据", "正常", "需关注", "需整改"]
    assert Level.ACT.css == "sl-level-act"
    assert {m for m, _ in MEASURES} >= set(STATUS_MEASURES)


@pytest.mark.parametrize(
    ("overdue", "expected"), [(0, Level.OK), (1, Level.WATCH), (2, Level.ACT), (3, Level.ACT)]
)
def test_disclosure_counts_overdue_items(overdue, expected):
    assert level("disclosure", overdue=overdue) is expected


@pytest.mark.parametrize(
    ("buildings", "below", "lowest", "expected"),
    [
        (0, 0, None, Level.NONE),
        (28, 0, Decimal("0.31"), Level.OK),
        (28, 5, Decimal("0.21"), Level.WATCH),  # 梅林新村: 5 of 28, lowest 21 %
        (28, 7, Decimal("0.21"), Level.ACT),  # a quarter of the buildings
        (28, 1, Decimal("0.149"), Level.ACT),  # one building under half the floor
        (28, 1, Decimal("0.15"), Level.WATCH),
    ],
)
def test_fund_floor_breaches(buildings, below, lowest, expected):
    got = level("fund", fund_buildings=buildings, fund_below=below, fund_min_share=lowest)
    assert got is expected


@pytest.mark.parametrize(
    ("measure", "field", "values"),
    [
        # value → level, at and either side of each bound
        ("satisfaction", "satisfaction", {"90": 1, "89.9": 2, "80": 2, "79.9": 3}),
        ("hours", "avg_hours", {"48": 1, "48.1": 2, "72": 2, "72.1": 3}),
        ("collection", "collection_rate", {"90": 1, "89.99": 2, "80": 2, "79.99": 3}),
    ],
)
def test_figures_judged_at_their_bounds(measure, field, values):
    for value, expected in values.items():
        assert level(measure, **{field: Decimal(value)}) == expected, (measure, value)
    assert level(measure) is Level.NONE


def test_term_evaluation_supervision_and_errors():
    end = AS_OF + dt.timedelta(days=180)
    assert level("term", committee="in_office", term_end=end, term_days_left=180) is Level.WATCH
    assert level("term", committee="in_office", term_end=end, term_days_left=181) is Level.OK
    assert level("term", committee="expired", term_end=AS_OF, term_days_left=-1) is Level.ACT
    assert level("term") is Level.NONE
    assert level("evaluation", evaluation_grade="良好") is Level.OK
    assert level("evaluation", evaluation_grade="合格") is Level.WATCH
    assert level("evaluation", evaluation_grade="不合格") is Level.ACT
    assert level("supervision", supervised_since=dt.date(2026, 3, 1)) is Level.ACT
    recent = AS_OF - dt.timedelta(days=THRESHOLDS["delisted_watch_days"])
    assert level("supervision", delisted_on=recent) is Level.WATCH
    assert level("supervision", delisted_on=recent - dt.timedelta(days=1)) is Level.OK
    assert level("errors", errors=1) is Level.ACT


def test_status_counts_only_what_residents_must_know_first():
    # A slow service desk is shown beside its figure, not in the estate's status.
    status = assess(StatusFacts(avg_hours=Decimal(100), satisfaction=Decimal(50)), AS_OF)
    assert status.level is Level.OK and status.reasons == []
    status = assess(StatusFacts(overdue=1, overdue_labels=["公共收益季度收支"], errors=2), AS_OF)
    assert status.level is Level.ACT
    assert [r.measure for r in status.reasons] == ["errors", "disclosure"]
    assert status.reasons[1].text == "公共收益季度收支逾期未公示"


def test_sample_estates_status_and_summary_carry_the_same_levels():
    as_of = dt.date(2026, 12, 1)
    estates = {e.id: e for e in build_estates(validate(load("data"), as_of, workers=1), as_of)}
    meilin = estates["meilin-xincun"].status
    # 5 of 28 buildings under the floor: no longer a green 按时公示.
    assert meilin.level is Level.WATCH
    assert [r.text for r in meilin.reasons] == ["28 栋楼中有 5 栋维修资金低于首期的 30 %，需要续筹"]
    for estate in estates.values():
        summary = summaries.loads(summaries.dumps(summaries.summarise(estate)))
        # The ledger's decoder (one pass of json.loads with a hook) gives the same summary.
        text = summaries.dumps(summaries.summarise(estate))
        assert json.loads(text, object_hook=summaries.json_hook) == summary
        assert summary.status is estate.status.level
        assert all(summary.light(m) is lt.level for m, lt in estate.status.lights.items())
        assert summary.levels == {m: int(lt.level) for m, lt in estate.status.lights.items()}
