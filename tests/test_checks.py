"""The estate rules in generator/checks, each on tiny inline tables.

Every test builds a Context by hand (typed values, ``_row`` = CSV line number, the first
data row is 2) and asserts the exact flattened findings
``(resource, row, field, rule id, severity)``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from generator.checks import CHECKS, Context
from generator.checks.disclosure_fresh import DisclosureItem, disclosure_status
from generator.checks.resolution_threshold import Vote, evaluate_resolution
from generator.privacy import find as find_hits

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"
AS_OF = dt.date(2025, 7, 15)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rows(*dicts: dict) -> list[dict]:
    """Rows as the loader gives them: ``_row`` is the CSV line, 2 for the first data row."""
    return [dict(r, _row=i) for i, r in enumerate(dicts, start=2)]


def context(as_of: dt.date = AS_OF, config: dict | None = None, **tables: list[dict]) -> Context:
    return Context("test-estate", {k: rows(*v) for k, v in tables.items()}, as_of, config or {})


def issues(rule: str, ctx: Context) -> list:
    return list(CHECKS[rule]().run(ctx))


def flat(rule: str, ctx: Context) -> list[tuple]:
    check = CHECKS[rule]()
    return [
        (i.resource, i.row, i.field, rule, i.severity or check.severity) for i in check.run(ctx)
    ]


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


# ---------------------------------------------------------------------------------------
# The two sample estates of domain.md, whose numbers are consistent: no rule complains.

MEILIN_ESTATE = {
    "estate_id": "meilin-xincun",
    "name": "梅林新村",
    "district": "徐汇区",
    "street": "田林街道",
    "residents_committee": "梅林居委会",
    "property_type": "售后公房",
    "completion_year": 1992,
    "total_gfa_m2": D("78500.00"),
    "households": 1460,
    "buildings": 28,
    "lift_buildings": 0,
    "transfer_min_share": D("0.5"),
}
MEILIN_TERMS = [
    {
        "term_no": 2,
        "election_date": d("2018-06-10"),
        "filing_date": d("2018-07-01"),
        "term_start": d("2018-06-10"),
        "term_end": d("2023-06-09"),
        "seats": 7,
        "status": "已届满",
    },
    {
        "term_no": 3,
        "election_date": d("2023-06-18"),
        "filing_date": d("2023-07-10"),
        "term_start": d("2023-06-18"),
        "term_end": d("2028-06-17"),
        "seats": 7,
        "status": "在任",
    },
]


def member(member_id: str, role: str, voting: bool, **more) -> dict:
    base = {
        "member_id": member_id,
        "term_no": 3,
        "display_name": f"张*{member_id[-1]}",
        "role": role,
        "is_voting": voting,
        "is_party_member": False,
        "is_rc_cross": False,
        "building_no": "12",
        "start_date": d("2023-06-18"),
        "end_date": None,
        "end_reason": None,
    }
    return {**base, **more}


MEILIN_MEMBERS = [
    member("M301", "主任", True, is_party_member=True),
    member("M302", "副主任", True, is_party_member=True),
    member("M303", "委员", True, is_party_member=True, is_rc_cross=True),
    member("M304", "委员", True, is_party_member=True),
    member("M305", "委员", True),
    member("M306", "委员", True),
    member("M307", "委员", True),
    member("M308", "执行秘书", False),
]
MEILIN_MEETINGS = [
    {
        "meeting_id": "2025-05",
        "meeting_type": "业委会",
        "meeting_date": d("2025-05-11"),
        "members_total": 7,
        "members_present": 6,
        "topic": "审议2025年第一季度公共收益收支情况",
        "posted_date": d("2025-05-13"),
    },
    {
        "meeting_id": "2025-06",
        "meeting_type": "业委会",
        "meeting_date": d("2025-06-15"),
        "members_total": 7,
        "members_present": 5,
        "topic": "屋面防水工程验收",
        "posted_date": d("2025-06-17"),
    },
]
Q4 = {
    "quarter": "2024Q4",
    "opening_yuan": D("30000.00"),
    "income_yuan": D("90000.00"),
    "cost_yuan": D("24000.00"),
    "transfer_to_fund_yuan": D("40000.00"),
    "other_spending_yuan": D("9680.00"),
    "closing_yuan": D("46320.00"),
    "posted_date": d("2025-01-15"),
}
Q1 = {
    "quarter": "2025Q1",
    "opening_yuan": D("46320.00"),
    "income_yuan": D("95580.00"),
    "cost_yuan": D("24300.00"),
    "transfer_to_fund_yuan": D("40000.00"),
    "other_spending_yuan": D("4500.00"),
    "closing_yuan": D("73100.00"),
    "posted_date": d("2025-04-15"),
}


def line(no: int, direction: str, category: str, amount: str, text: str = "") -> dict:
    return {
        "quarter": "2025Q1",
        "line_no": no,
        "direction": direction,
        "category": category,
        "description": text or None,
        "amount_yuan": D(amount),
    }


Q1_LINES = [
    line(1, "收入", "停车费", "81000.00", "地面停车位150个"),
    line(2, "收入", "广告费", "6000.00"),
    line(3, "收入", "快递柜", "3600.00"),
    line(4, "收入", "充电桩", "4800.00"),
    line(5, "收入", "利息", "180.00"),
    line(6, "支出", "合理成本", "24300.00", "停车管理人员工资"),
    line(7, "支出", "转入维修资金", "40000.00"),
    line(8, "支出", "业委会工作经费", "4500.00"),
]
MEILIN_FUND = {
    "period": "2025H1",
    "building_no": "1",
    "initial_raised_yuan": D("2360000.00"),
    "opening_yuan": D("812400.00"),
    "deposits_yuan": D("0.00"),
    "from_common_income_yuan": D("78500.00"),
    "interest_yuan": D("6100.00"),
    "spent_yuan": D("186000.00"),
    "closing_yuan": D("711000.00"),
    "posted_date": d("2025-07-10"),
}
MEILIN_AUDIT = {
    "audit_id": "A2024",
    "audit_type": "年度审计",
    "scope": "2024年度公共收益、专项维修资金、业委会工作经费",
    "firm": "上海某某会计师事务所",
    "report_date": d("2025-03-10"),
    "posted_from": d("2025-03-15"),
    "posted_to": d("2025-04-20"),
    "opinion": "无保留意见",
}
MEILIN_FEES = [
    {
        "fee_id": "F01",
        "unit_category": "多层住宅",
        "package": "基础包",
        "price_yuan": D("0.60"),
        "unit": "元/㎡·月",
        "effective_from": d("2023-01-01"),
        "effective_to": None,
        "resolution_id": None,
    },
    {
        "fee_id": "F02",
        "unit_category": "地面停车",
        "package": "单项",
        "price_yuan": D("150.00"),
        "unit": "元/位·月",
        "effective_from": d("2023-01-01"),
        "effective_to": None,
        "resolution_id": None,
    },
]
WORK_ORDER = {
    "month": "2025-01",
    "channel": "12345",
    "category": "报修",
    "received": 23,
    "closed": 22,
    "closed_on_time": 20,
    "avg_hours": D("52.5"),
    "satisfaction_pct": D("91.3"),
}
CONTRACT = {
    "contract_id": "C2023",
    "company_name": "上海某某物业管理有限公司",
    "credit_code": "91310104MA1FR0XX12",
    "fee_mode": "包干制",
    "start_date": d("2024-01-01"),
    "end_date": d("2026-12-31"),
    "resolution_id": "R2023-05",
}
# 物业费收缴 and 攻坚第一题 (as of 2025-07-15): consistent, one task open.
FEE_Q3 = {
    "quarter": "2025Q2",
    "households_billed": 1460,
    "households_paid": 1302,
    "amount_due_yuan": D("141300.00"),
    "amount_collected_yuan": D("127170.00"),
}
TASK = {
    "task_id": "T1",
    "title": "3号楼至6号楼雨污混接，雨天积水",
    "lead": "业委会、居委会",
    "set_date": d("2025-03-10"),
    "target_date": d("2025-12-31"),
    "status": "进行中",
    "done_date": None,
}
PROGRESS = {"task_id": "T1", "note_date": d("2025-05-18"), "note": "完成管网排查"}

MEILIN = {
    "estate": [MEILIN_ESTATE],
    "committees": MEILIN_TERMS,
    "members": MEILIN_MEMBERS,
    "meetings": MEILIN_MEETINGS,
    "common_income": [Q4, Q1],
    "common_income_lines": Q1_LINES,
    "repair_fund": [MEILIN_FUND],
    "audits": [MEILIN_AUDIT],
    "contract": [CONTRACT],
    "fees": MEILIN_FEES,
    "work_orders": [WORK_ORDER],
    "fee_collection": [FEE_Q3],
    "priority_task": [TASK],
    "priority_progress": [PROGRESS],
}

LIFT_VOTE = {
    "resolution_id": "R2024-02",
    "meeting_id": "2024-A1",
    "title": "3号楼电梯更新使用专项维修资金",
    "matter": "使用维修资金",
    "owners_total": 96,
    "area_total_m2": D("9840"),
    "owners_voted": 78,
    "area_voted": D("8120"),
    "owners_for": 70,
    "area_for": D("7350"),
    "passed": True,
}
BINJIANG = {
    "estate": [
        {
            **MEILIN_ESTATE,
            "estate_id": "binjiang-huating",
            "name": "滨江华庭",
            "property_type": "商品房",
            "completion_year": 2016,
            "total_gfa_m2": D("132000.00"),
            "households": 1120,
            "buildings": 12,
            "lift_buildings": 12,
            "transfer_min_share": None,
        }
    ],
    "committees": [
        {
            "term_no": 2,
            "election_date": d("2022-03-20"),
            "filing_date": d("2022-04-12"),
            "term_start": d("2022-03-20"),
            "term_end": d("2027-03-19"),
            "seats": 9,
            "status": "在任",
        }
    ],
    "members": [
        member(f"M20{i}", role, role not in ("候补委员",), term_no=2, start_date=d("2022-03-20"))
        for i, role in enumerate(
            ["主任", "副主任", "副主任", "委员", "委员", "委员", "委员", "委员", "委员"]
            + ["候补委员", "候补委员"]
        )
    ],
    "meetings": [
        {
            "meeting_id": "2024-A1",
            "meeting_type": "业主大会",
            "meeting_date": d("2024-11-30"),
            "members_total": None,
            "members_present": None,
            "topic": "3号楼电梯更新",
            "posted_date": d("2024-12-02"),
        },
        {**MEILIN_MEETINGS[0], "meeting_id": "2025-B5", "members_total": 9},
        {**MEILIN_MEETINGS[1], "meeting_id": "2025-B6", "members_total": 9},
    ],
    "resolutions": [LIFT_VOTE],
    "common_income": [
        {
            "quarter": "2025Q1",
            "opening_yuan": D("212450.00"),
            "income_yuan": D("118800.00"),
            "cost_yuan": D("16200.00"),
            "transfer_to_fund_yuan": D("55000.00"),
            "other_spending_yuan": D("18000.00"),
            "closing_yuan": D("242050.00"),
            "posted_date": d("2025-04-20"),
        }
    ],
    "repair_fund": [
        {
            **MEILIN_FUND,
            "building_no": "3",
            "initial_raised_yuan": D("1200000.00"),
            "opening_yuan": D("900000.00"),
            "from_common_income_yuan": D("55000.00"),
            "interest_yuan": D("5000.00"),
            "spent_yuan": D("243000.00"),
            "closing_yuan": D("717000.00"),
        }
    ],
    "audits": [
        {
            **MEILIN_AUDIT,
            "report_date": d("2025-02-20"),
            "posted_from": d("2025-03-01"),
            "posted_to": d("2025-03-31"),
        }
    ],
    "fees": [
        {**MEILIN_FEES[0], "unit_category": "高层住宅", "price_yuan": D("2.90")},
        {**MEILIN_FEES[0], "fee_id": "F02", "unit_category": "高层住宅", "package": "增值包"}
        | {"price_yuan": D("0.30"), "resolution_id": "R2022-03"},
        {**MEILIN_FEES[0], "fee_id": "F03", "unit_category": "商铺", "price_yuan": D("6.00")},
        {**MEILIN_FEES[1], "fee_id": "F04", "unit_category": "地下停车"},
    ],
    "work_orders": [WORK_ORDER],
}
RULES_YAML = yaml.safe_load((SCHEMAS.parent / "rules.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("estate", [MEILIN, BINJIANG], ids=["meilin", "binjiang"])
@pytest.mark.parametrize("rule", sorted(CHECKS))
def test_sample_estates_pass_every_rule(estate, rule):
    assert flat(rule, context(config=RULES_YAML, **estate)) == []


def test_registry_ids_and_severities_follow_domain_md():
    assert {rule: c.severity for rule, c in CHECKS.items()} == {
        "committee-size": "error",
        "committee-term": "error",
        "committee-filing": "warning",
        "committee-roles": "error",
        "member-in-term": "error",
        "meeting-cadence": "warning",
        "resolution-threshold": "error",
        "statement-reconciles": "error",
        "common-income-transfer": "warning",
        "repair-fund-floor": "warning",
        "disclosure-fresh": "warning",
        "fee-single-price": "error",
        "fee-band": "warning",
        "work-orders-consistent": "error",
        "fee-collection-consistent": "error",
        "priority-task-dates": "error",
        "priority-task-single": "warning",
        "credit-code": "error",
        "no-personal-data": "error",
    }


# ---------------------------------------------------------------------------------------
# No rule may raise on data that passed schema validation: every optional cell empty,
# every table empty, or no tables at all.


def _example(field: dict):
    value = field.get("example")
    if value in (None, ""):
        return None
    kind = field.get("type")
    if kind == "date":
        return d(str(value))
    if kind == "number":
        return D(str(value))
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return str(value) in field.get("trueValues", ["true"])
    return str(value)


def _schema_rows(optional: bool) -> dict[str, list[dict]]:
    tables = {}
    for path in sorted(SCHEMAS.glob("*.schema.yaml")):
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        row = {}
        for field in schema["fields"]:
            required = field.get("constraints", {}).get("required", False)
            row[field["name"]] = _example(field) if required or optional else None
        tables[path.name.removesuffix(".schema.yaml")] = [row]
    return tables


@pytest.mark.parametrize("rule", sorted(CHECKS))
@pytest.mark.parametrize(
    "tables",
    [{}, "empty", "required-only", "examples"],
    ids=["no-tables", "empty-tables", "required-only", "examples"],
)
def test_rules_never_raise_on_valid_data(rule, tables):
    if tables == "empty":
        tables = {name: [] for name in _schema_rows(False)}
    elif tables == "required-only":
        tables = _schema_rows(optional=False)
    elif tables == "examples":
        tables = _schema_rows(optional=True)
    for config in ({}, RULES_YAML):
        ctx = context(config=config, **tables)
        for issue in CHECKS[rule]().run(ctx):
            assert issue.message and issue.message_en


def test_messages_are_bilingual_sentences_for_every_rule():
    broken = {
        "estate": [with_(MEILIN_ESTATE, transfer_min_share=D("0.9"))],
        "committees": [with_(MEILIN_TERMS[1], seats=6, filing_date=None, term_end=d("2030-01-01"))],
        "members": [
            with_(MEILIN_MEMBERS[0], building_no="12号302室"),
            with_(MEILIN_MEMBERS[2], end_date=d("2024-01-01")),
        ],
        "meetings": [meeting("2025-01-10", present=2)],
        "resolutions": [with_(LIFT_VOTE, owners_for=30)],
        "common_income": [with_(Q1, closing_yuan=D("73000.00"))],
        "repair_fund": [with_(MEILIN_FUND, closing_yuan=D("1000.00"))],
        "audits": [with_(MEILIN_AUDIT, posted_to=d("2025-03-20"))],
        "fees": [with_(MEILIN_FEES[0], price_yuan=D("0.95")), fee("F9", "2024-01-01")],
        "work_orders": [with_(WORK_ORDER, closed=30)],
        "fee_collection": [with_(FEE_Q3, households_paid=1500)],
        "priority_task": [with_(TASK, target_date=d("2025-01-01")), with_(TASK, task_id="T2")],
        "contract": [with_(CONTRACT, credit_code="91310104MA1FR0XX1A")],
    }
    found = [
        (rule, i)
        for rule in CHECKS
        for i in CHECKS[rule]().run(context(config=RULES_YAML, **broken))
    ]
    assert {rule for rule, _ in found} == set(CHECKS)
    for rule, issue in found:
        assert re.search(r"[\u4e00-\u9fff]", issue.message), rule
        # English may quote Chinese data values (多层住宅), never Chinese sentences.
        assert not re.search(r"[，。；：]", issue.message_en), (rule, issue.message_en)
        assert issue.message.endswith("。"), (rule, issue.message)
        assert issue.message_en.endswith("."), (rule, issue.message_en)
        assert issue.severity in (None, "warning", "error")


# ---------------------------------------------------------------------------------------
# committee-size


def size(seats: int, gfa: str = "78500", config: dict | None = None, **term) -> list:
    return flat(
        "committee-size",
        context(
            config=config,
            estate=[with_(MEILIN_ESTATE, total_gfa_m2=D(gfa))],
            committees=[with_(MEILIN_TERMS[1], seats=seats, **term)],
        ),
    )


def test_committee_size_odd_and_at_least_five_passes():
    assert size(5) == size(7) == size(11) == []


def test_committee_size_even_is_an_error():
    assert size(6) == [("committees", 2, "seats", "committee-size", "error")]


def test_committee_size_below_five_is_an_error():
    assert size(3) == [("committees", 2, "seats", "committee-size", "error")]
    assert size(4) == [("committees", 2, "seats", "committee-size", "error")]


def test_committee_size_three_allowed_in_a_small_estate():
    assert size(3, gfa="9999.99") == []
    assert size(3, gfa="10000") == [("committees", 2, "seats", "committee-size", "error")]
    assert size(1, gfa="8000") == [("committees", 2, "seats", "committee-size", "error")]
    assert size(3, gfa="12000", config={"small_estate_gfa_m2": 15000}) == []


def test_committee_size_over_eleven_is_a_warning():
    assert size(13) == [("committees", 2, "seats", "committee-size", "warning")]
    assert size(12) == [
        ("committees", 2, "seats", "committee-size", "error"),
        ("committees", 2, "seats", "committee-size", "warning"),
    ]
    assert size(13, config={"committee_size_warn_above": 13}) == []


def test_committee_size_messages_say_what_to_do():
    (issue,) = issues(
        "committee-size",
        context(estate=[MEILIN_ESTATE], committees=[with_(MEILIN_TERMS[1], seats=6)]),
    )
    assert "6 人，是双数" in issue.message and "单数" in issue.message
    assert "odd" in issue.message_en and "Check the number of seats" in issue.message_en


def test_committee_size_checks_the_sitting_term_else_the_latest():
    sitting = [with_(MEILIN_TERMS[0], seats=6), MEILIN_TERMS[1]]
    assert flat("committee-size", context(committees=sitting)) == []
    ended = [MEILIN_TERMS[0], with_(MEILIN_TERMS[1], seats=6, status="已届满")]
    assert flat("committee-size", context(committees=ended)) == [
        ("committees", 3, "seats", "committee-size", "error")
    ]
    # No estate profile: not a small estate.
    assert flat("committee-size", context(committees=[with_(MEILIN_TERMS[1], seats=3)])) == [
        ("committees", 2, "seats", "committee-size", "error")
    ]


# ---------------------------------------------------------------------------------------
# committee-term


def term(start: str, end: str, status: str = "在任") -> list:
    t = with_(MEILIN_TERMS[1], term_start=d(start), term_end=d(end), status=status)
    return flat("committee-term", context(committees=[t]))


def test_committee_term_three_to_five_years_passes():
    assert term("2023-06-18", "2028-06-17") == []
    assert term("2022-03-20", "2027-03-19") == []
    assert term("2022-03-20", "2025-03-19") == []  # exactly three years
    assert term("2023-06-18", "2028-06-18") == []  # up to the fifth anniversary
    assert term("2020-02-29", "2023-02-27") == []  # leap day: three years end 2023-02-27


def test_committee_term_too_short_too_long_or_reversed_is_an_error():
    err = [("committees", 2, "term_end", "committee-term", "error")]
    assert term("2022-03-20", "2025-03-18") == err
    assert term("2020-02-29", "2023-02-26") == err
    assert term("2023-06-18", "2028-06-19") == err
    assert term("2023-06-18", "2023-06-17") == err


def test_committee_term_dissolved_committee_may_end_early():
    assert term("2022-03-20", "2023-10-01", status="已解散") == []
    assert term("2022-03-20", "2028-03-21", status="已解散") == [
        ("committees", 2, "term_end", "committee-term", "error")
    ]


def test_committee_term_checks_every_term():
    terms = [with_(MEILIN_TERMS[0], term_end=d("2024-06-09")), MEILIN_TERMS[1]]
    (issue,) = issues("committee-term", context(committees=terms))
    assert (issue.row, issue.field) == (2, "term_end")
    assert "超过了 5 年" in issue.message and "2018-06-10 至 2024-06-09" in issue.message
    assert "2021-06-09 到 2023-06-10" in issue.message


# ---------------------------------------------------------------------------------------
# committee-filing


def filing(filed: str | None, as_of: str = "2025-07-15", config: dict | None = None) -> list:
    t = with_(MEILIN_TERMS[1], filing_date=d(filed) if filed else None)
    return flat("committee-filing", context(as_of=d(as_of), config=config, committees=[t]))


def test_committee_filing_within_thirty_days_passes():
    assert filing("2023-07-10") == []
    assert filing("2023-07-18") == []  # day 30


def test_committee_filing_late_is_a_warning():
    assert filing("2023-07-19") == [("committees", 2, "filing_date", "committee-filing", "warning")]
    assert filing("2023-08-10", config={"filing_days": 60}) == []


def test_committee_filing_missing_is_a_warning_once_the_thirty_days_are_over():
    assert filing(None, as_of="2023-07-18") == []
    assert filing(None, as_of="2023-07-19") == [
        ("committees", 2, "filing_date", "committee-filing", "warning")
    ]


def test_committee_filing_checks_every_term():
    terms = [with_(MEILIN_TERMS[0], filing_date=None), MEILIN_TERMS[1]]
    (issue,) = issues("committee-filing", context(committees=terms))
    assert issue.row == 2
    assert "2018-07-10 前" in issue.message and "by 2018-07-10" in issue.message_en


# ---------------------------------------------------------------------------------------
# committee-roles


def roles(members: list[dict], terms: list[dict] = MEILIN_TERMS, **kw) -> list:
    tables = {"members": members, **({"committees": terms} if terms is not None else {})}
    return flat("committee-roles", context(**tables, **kw))


def test_committee_roles_one_chair_one_vice_and_non_voting_staff_pass():
    assert roles(MEILIN_MEMBERS) == []


def test_committee_roles_two_chairs_in_post_is_an_error_on_the_second():
    members = MEILIN_MEMBERS[:3] + [member("M309", "主任", True)]
    assert roles(members) == [("members", 5, "role", "committee-roles", "error")]


def test_committee_roles_a_chair_who_left_does_not_count():
    left = member("M300", "主任", True, end_date=d("2024-05-01"), end_reason="辞职")
    assert roles([left, *MEILIN_MEMBERS]) == []
    # end_date is the last day in post: on that day the chair still counts, the day
    # after it does not.
    leaving = with_(MEILIN_MEMBERS[0], end_date=AS_OF, end_reason="辞职")
    assert roles([leaving, *MEILIN_MEMBERS[1:]]) == []
    left = with_(MEILIN_MEMBERS[0], end_date=AS_OF - dt.timedelta(days=1), end_reason="辞职")
    assert roles([left, *MEILIN_MEMBERS[1:]]) == [
        ("members", None, "role", "committee-roles", "error")
    ]


def test_committee_roles_missing_chair_or_vice_is_an_error():
    assert roles(MEILIN_MEMBERS[1:]) == [("members", None, "role", "committee-roles", "error")]
    no_vice = [MEILIN_MEMBERS[0], *MEILIN_MEMBERS[2:]]
    (issue,) = issues("committee-roles", context(members=no_vice, committees=MEILIN_TERMS))
    assert (issue.resource, issue.row, issue.field) == ("members", None, "role")
    assert "副主任" in issue.message and "vice-chair" in issue.message_en


def test_committee_roles_who_votes():
    members = [
        *MEILIN_MEMBERS[:7],
        member("M308", "执行秘书", True),
        member("M309", "候补委员", True),
        member("M310", "委员", False),
        member("M311", "候补委员", False),
    ]
    assert roles(members) == [
        ("members", 9, "is_voting", "committee-roles", "error"),
        ("members", 10, "is_voting", "committee-roles", "error"),
        ("members", 11, "is_voting", "committee-roles", "error"),
    ]


def test_committee_roles_looks_at_the_current_term_only():
    old = [member("M201", "主任", True, term_no=2), member("M202", "主任", True, term_no=2)]
    assert roles([*old, *MEILIN_MEMBERS]) == []


def test_committee_roles_after_the_term_ended_only_checks_voting_flags():
    ended = [MEILIN_TERMS[0], with_(MEILIN_TERMS[1], status="已届满")]
    gone = [with_(m, end_date=d("2025-06-17"), end_reason="届满") for m in MEILIN_MEMBERS[2:7]] + [
        member("M308", "执行秘书", True, end_date=d("2025-06-17"), end_reason="届满")
    ]
    assert roles(gone, terms=ended) == [("members", 7, "is_voting", "committee-roles", "error")]


def test_committee_roles_without_committees_uses_the_latest_term_of_members():
    old = [member("M201", "主任", True, term_no=2)]
    assert roles([*old, *MEILIN_MEMBERS], terms=None) == []
    assert roles([*old, *MEILIN_MEMBERS[1:]], terms=None) == [
        ("members", None, "role", "committee-roles", "error")
    ]


# ---------------------------------------------------------------------------------------
# member-in-term


def in_term(members: list[dict], terms: list[dict] = MEILIN_TERMS, **kw) -> list:
    return flat("member-in-term", context(members=members, committees=terms, **kw))


def test_member_in_term_passes():
    left = member("M300", "委员", True, end_date=d("2024-05-01"), end_reason="迁出")
    assert in_term([left, *MEILIN_MEMBERS]) == []


def test_member_in_term_dates_outside_the_term_are_errors():
    members = [
        member("M301", "主任", True, start_date=d("2023-06-17")),
        member("M302", "委员", True, end_date=d("2028-06-18"), end_reason="届满"),
        member("M303", "委员", True, start_date=d("2028-06-18")),
        member("M304", "委员", True, start_date=d("2024-01-01"), end_date=d("2023-12-31"))
        | {"end_reason": "辞职"},
    ]
    assert in_term(members + MEILIN_MEMBERS[4:]) == [
        ("members", 2, "start_date", "member-in-term", "error"),
        ("members", 3, "end_date", "member-in-term", "error"),
        ("members", 4, "start_date", "member-in-term", "error"),
        ("members", 5, "end_date", "member-in-term", "error"),
    ]


def test_member_in_term_end_date_and_reason_go_together():
    members = [
        *MEILIN_MEMBERS,
        member("M309", "委员", False, end_date=d("2024-01-01")),
        member("M310", "候补委员", False, end_reason="辞职"),
    ]
    assert in_term(members) == [
        ("members", 10, "end_reason", "member-in-term", "error"),
        ("members", 11, "end_date", "member-in-term", "error"),
    ]


def test_member_in_term_more_voting_members_than_seats_is_an_error():
    extra = member("M309", "委员", True)
    assert in_term([*MEILIN_MEMBERS, extra]) == [
        ("committees", 3, "seats", "member-in-term", "error")
    ]
    # An alternate who does not vote does not take a seat.
    assert in_term([*MEILIN_MEMBERS, member("M309", "候补委员", False)]) == []


def test_member_in_term_fewer_than_half_in_post_is_a_warning():
    gone = [with_(m, end_date=d("2025-01-01"), end_reason="辞职") for m in MEILIN_MEMBERS[3:7]]
    three = [*MEILIN_MEMBERS[:3], *gone, MEILIN_MEMBERS[7]]
    assert in_term(three) == [("committees", 3, "seats", "member-in-term", "warning")]
    four = [*MEILIN_MEMBERS[:4], *gone[1:], MEILIN_MEMBERS[7]]
    assert in_term(four) == []
    (issue,) = issues("member-in-term", context(members=three, committees=MEILIN_TERMS))
    assert "只有 3 位" in issue.message and "提前换届" in issue.message


def test_member_in_term_ended_term_owes_no_re_election():
    ended = [MEILIN_TERMS[0], with_(MEILIN_TERMS[1], status="已届满")]
    gone = [with_(m, end_date=d("2025-06-17"), end_reason="届满") for m in MEILIN_MEMBERS]
    assert in_term(gone, terms=ended) == []


def test_member_in_term_looks_at_the_current_term_only():
    old = member("M201", "委员", True, term_no=2, start_date=d("2010-01-01"))
    assert in_term([old, *MEILIN_MEMBERS]) == []
    assert flat("member-in-term", context(members=MEILIN_MEMBERS)) == []


# ---------------------------------------------------------------------------------------
# meeting-cadence


def meeting(day: str, kind: str = "业委会", total: int | None = 7, present: int | None = 6):
    return {
        "meeting_id": day,
        "meeting_type": kind,
        "meeting_date": d(day),
        "members_total": total,
        "members_present": present,
        "topic": None,
        "posted_date": None,
    }


def cadence(meetings: list[dict], terms: list[dict] | None = MEILIN_TERMS, **kw) -> list:
    tables = {"meetings": meetings, **({"committees": terms} if terms is not None else {})}
    return flat("meeting-cadence", context(**tables, **kw))


def test_meeting_cadence_every_two_months_passes():
    days = ["2025-01-12", "2025-03-15", "2025-05-16", "2025-07-10"]  # 62, 62 days apart
    assert cadence([meeting(x) for x in days]) == []


def test_meeting_cadence_gap_over_62_days_warns_on_the_later_meeting():
    days = ["2025-01-12", "2025-03-16", "2025-05-10", "2025-07-01"]
    # Out of date order in the file: row numbers still point at the right meeting.
    assert cadence([meeting(x) for x in reversed(days)]) == [
        ("meetings", 4, "meeting_date", "meeting-cadence", "warning")
    ]
    assert cadence([meeting(x) for x in days], config={"meeting_max_gap_days": 70}) == []


def test_meeting_cadence_long_silence_before_the_as_of_date_warns_on_the_last_meeting():
    meetings = [meeting("2025-04-01"), meeting("2025-05-13")]
    assert cadence(meetings) == [("meetings", 3, "meeting_date", "meeting-cadence", "warning")]
    (issue,) = issues("meeting-cadence", context(meetings=meetings, committees=MEILIN_TERMS))
    assert "63 天没有开会" in issue.message and "2025-05-13" in issue.message
    assert cadence([meeting("2025-05-14")]) == []


def test_meeting_cadence_new_term_restarts_the_clock():
    terms = [with_(MEILIN_TERMS[1], term_start=d("2025-03-01"), election_date=d("2025-03-01"))]
    # Predecessor's last meeting in 2024; the new committee met 40 days after starting.
    meetings = [meeting("2024-10-01"), meeting("2025-04-10"), meeting("2025-06-01")]
    assert cadence(meetings, terms=terms) == []
    late_first = [meeting("2024-10-01"), meeting("2025-05-10"), meeting("2025-06-01")]
    assert cadence(late_first, terms=terms) == [
        ("meetings", 3, "meeting_date", "meeting-cadence", "warning")
    ]


def test_meeting_cadence_no_meetings_since_the_term_began():
    assert cadence([]) == [("meetings", None, "meeting_date", "meeting-cadence", "warning")]
    assert cadence([meeting("2024-01-01", kind="业主大会")]) == [
        ("meetings", None, "meeting_date", "meeting-cadence", "warning")
    ]
    assert cadence([], terms=None) == []


def test_meeting_cadence_no_sitting_committee_no_silence_warning():
    ended = [with_(MEILIN_TERMS[1], status="已解散")]
    assert cadence([meeting("2024-01-01")], terms=ended) == []


def test_meeting_cadence_more_than_half_must_attend():
    meetings = [
        meeting("2025-06-01", present=4),  # 4 of 7: fine
        meeting("2025-06-10", present=3),  # 3 of 7
        meeting("2025-06-20", total=6, present=3),  # exactly half is not more than half
        meeting("2025-06-30", present=8),  # more present than members
        meeting("2025-07-01", total=None, present=None),
        meeting("2025-07-02", kind="联席会议", total=7, present=2),
    ]
    assert cadence(meetings) == [
        ("meetings", 3, "members_present", "meeting-cadence", "warning"),
        ("meetings", 4, "members_present", "meeting-cadence", "warning"),
        ("meetings", 5, "members_present", "meeting-cadence", "warning"),
    ]


# ---------------------------------------------------------------------------------------
# resolution-threshold


def vote(**changes) -> list:
    return flat("resolution-threshold", context(resolutions=[with_(LIFT_VOTE, **changes)]))


def test_resolution_threshold_lift_vote_passes():
    assert vote() == []


def test_resolution_threshold_committee_decisions_are_not_checked():
    decision = {k: None for k in LIFT_VOTE} | {
        "resolution_id": "R2025-01",
        "meeting_id": "2025-05",
        "title": "同意续聘",
        "matter": "业委会决定",
        "passed": True,
    }
    assert flat("resolution-threshold", context(resolutions=[decision])) == []
    assert vote(owners_total=None, owners_voted=None) == []
    assert vote(matter="业委会决定", owners_for=1) == []


def test_resolution_threshold_missing_counts_are_an_error():
    assert vote(area_voted=None, area_for=None) == [
        ("resolutions", 2, "area_voted", "resolution-threshold", "error")
    ]


def test_resolution_threshold_two_thirds_must_take_part():
    err = [("resolutions", 2, "passed", "resolution-threshold", "error")]
    assert vote(owners_voted=64, owners_for=60) == []  # exactly 2/3
    assert vote(owners_voted=63, owners_for=60) == err
    assert vote(area_voted=D("6560"), area_for=D("6000")) == []  # exactly 2/3
    assert vote(area_voted=D("6559.99"), area_for=D("6000")) == err


def test_resolution_threshold_participation_message_names_the_measure():
    (issue,) = issues(
        "resolution-threshold",
        context(resolutions=[with_(LIFT_VOTE, owners_voted=60, owners_for=55)]),
    )
    assert "参与表决人数 60/96（62.5%）不到三分之二" in issue.message
    assert "“是否通过”应填“否”" in issue.message
    assert "owners who voted 60/96 (62.5%) is below two thirds" in issue.message_en


def test_resolution_threshold_more_than_half_must_agree():
    err = [("resolutions", 2, "passed", "resolution-threshold", "error")]
    assert vote(owners_for=39) == err  # exactly half is not more than half
    assert vote(owners_for=40) == []
    assert vote(area_for=D("4060")) == err
    assert vote(area_for=D("4060.01")) == []
    (issue,) = issues(
        "resolution-threshold", context(resolutions=[with_(LIFT_VOTE, owners_for=39)])
    )
    assert "同意人数 39/78（50.0%）没有达到过半数" in issue.message


def test_resolution_threshold_three_quarters_for_raising_the_fund_rebuilding_or_change_of_use():
    err = [("resolutions", 2, "passed", "resolution-threshold", "error")]
    for matter in ("筹集维修资金", "改建重建", "改变共有部分用途"):
        assert vote(matter=matter) == []  # 70/78 and 7350/8120 are above 3/4
        assert vote(matter=matter, owners_voted=80, owners_for=60) == []  # exactly 3/4
        assert vote(matter=matter, owners_voted=80, owners_for=59) == err
        assert vote(matter=matter, area_for=D("6089.99")) == err
    assert vote(matter="一般事项", owners_voted=80, owners_for=59) == []


def test_resolution_threshold_passed_no_while_the_numbers_pass_is_an_error():
    assert vote(passed=False) == [("resolutions", 2, "passed", "resolution-threshold", "error")]
    assert vote(passed=False, owners_for=30) == []
    (issue,) = issues("resolution-threshold", context(resolutions=[with_(LIFT_VOTE, passed=False)]))
    assert "81.2%" in issue.message and "改为“是”" in issue.message


def test_resolution_threshold_counts_must_nest():
    assert vote(owners_voted=97) == [
        ("resolutions", 2, "owners_voted", "resolution-threshold", "error")
    ]
    assert vote(owners_for=79, area_for=D("8120.5")) == [
        ("resolutions", 2, "owners_for", "resolution-threshold", "error"),
        ("resolutions", 2, "area_for", "resolution-threshold", "error"),
    ]
    assert vote(area_voted=D("9841")) == [
        ("resolutions", 2, "area_voted", "resolution-threshold", "error")
    ]
    assert vote(owners_total=0, owners_voted=0, owners_for=0) == [
        ("resolutions", 2, "owners_total", "resolution-threshold", "error")
    ]


def test_resolution_threshold_nobody_voted():
    assert vote(owners_voted=0, owners_for=0, area_voted=D(0), area_for=D(0)) == [
        ("resolutions", 2, "passed", "resolution-threshold", "error")
    ]
    assert vote(owners_voted=0, owners_for=0, area_voted=D(0), area_for=D(0), passed=False) == []


def test_evaluate_resolution_gives_the_website_exact_shares():
    v = evaluate_resolution(LIFT_VOTE)
    assert v == Vote(
        applies=True,
        owners_participation=D("0.8125"),
        area_participation=D(8120) / D(9840),
        owners_approval=D(70) / D(78),
        area_approval=D(7350) / D(8120),
        approval_label="> 1/2",
        shortfalls=(),
        passes=True,
    )
    short = evaluate_resolution(with_(LIFT_VOTE, matter="改建重建", owners_for=58))
    assert (short.approval_label, short.shortfalls, short.passes) == (
        "≥ 3/4",
        ("owners_approval",),
        False,
    )
    assert evaluate_resolution(with_(LIFT_VOTE, matter="业委会决定")) == Vote(applies=False)
    assert evaluate_resolution(with_(LIFT_VOTE, area_for=None)).applies is False


# ---------------------------------------------------------------------------------------
# statement-reconciles


def reconcile(**tables) -> list:
    return flat("statement-reconciles", context(**tables))


def test_statement_reconciles_sample_quarter_with_lines_passes():
    assert reconcile(common_income=[Q4, Q1], common_income_lines=Q1_LINES) == []
    # Within a cent is fine.
    assert reconcile(common_income=[with_(Q1, closing_yuan=D("73100.01"))]) == []


def test_statement_reconciles_closing_must_add_up():
    bad = with_(Q1, closing_yuan=D("73000.00"))
    assert reconcile(common_income=[bad]) == [
        ("common_income", 2, "closing_yuan", "statement-reconciles", "error")
    ]
    (issue,) = issues("statement-reconciles", context(common_income=[bad]))
    assert issue.message == (
        "2025Q1 期末余额 73,000.00 与计算结果 73,100.00 不符（期初 + 收入 − 合理成本 − "
        "转入维修资金 − 其他支出），相差 100.00 元。请核对这一行的各项金额。"
    )
    assert issue.message_en == (
        "2025Q1: closing balance 73,000.00 does not match the computed 73,100.00 (opening + "
        "income − cost − transfer − other), a difference of 100.00 yuan. Check the amounts "
        "on this row."
    )


@pytest.mark.parametrize(
    ("line_no", "amount", "column"),
    [
        (1, "80000.00", "income_yuan"),
        (6, "24000.00", "cost_yuan"),
        (7, "39000.00", "transfer_to_fund_yuan"),
        (8, "4000.00", "other_spending_yuan"),
    ],
)
def test_statement_reconciles_totals_equal_the_lines(line_no, amount, column):
    lines = [with_(x, amount_yuan=D(amount)) if x["line_no"] == line_no else x for x in Q1_LINES]
    assert reconcile(common_income=[Q1], common_income_lines=lines) == [
        ("common_income", 2, column, "statement-reconciles", "error")
    ]


def test_statement_reconciles_line_direction_must_fit_its_category():
    lines = [
        with_(x, category="合理成本") if x["line_no"] == 5 else x for x in Q1_LINES
    ]  # income line with an expense category
    lines = [with_(x, category="停车费") if x["line_no"] == 8 else x for x in lines]
    assert reconcile(common_income=[Q1], common_income_lines=lines) == [
        ("common_income_lines", 6, "category", "statement-reconciles", "error"),
        ("common_income_lines", 9, "category", "statement-reconciles", "error"),
    ]


def test_statement_reconciles_quarters_without_lines_are_not_compared():
    other = [with_(x, quarter="2024Q4") for x in Q1_LINES]
    assert reconcile(common_income=[Q4, Q1], common_income_lines=other) == [
        ("common_income", 2, "income_yuan", "statement-reconciles", "error"),
        ("common_income", 2, "cost_yuan", "statement-reconciles", "error"),
        ("common_income", 2, "other_spending_yuan", "statement-reconciles", "error"),
    ]


def test_statement_reconciles_opening_equals_previous_closing():
    q1 = with_(Q1, opening_yuan=D("46000.00"), closing_yuan=D("72780.00"))
    assert reconcile(common_income=[q1, Q4]) == [
        ("common_income", 2, "opening_yuan", "statement-reconciles", "error")
    ]
    # 2024Q3 → 2025Q1 is not consecutive: nothing to compare.
    q3 = with_(Q4, quarter="2024Q3")
    assert reconcile(common_income=[q3, q1]) == []


def fund(period: str, building: str, opening: str, closing: str, **more) -> dict:
    return (
        MEILIN_FUND
        | {
            "period": period,
            "building_no": building,
            "opening_yuan": D(opening),
            "from_common_income_yuan": D("0"),
            "interest_yuan": D("0"),
            "spent_yuan": D("0"),
            "closing_yuan": D(closing),
        }
        | more
    )


def test_statement_reconciles_repair_fund_balance_and_chain():
    ok = [
        fund("2024H2", "1", "100.00", "100.00"),
        fund("2025H1", "1", "100.00", "150.00", deposits_yuan=D("50.00")),
        fund("2025H1", "2", "999.00", "999.00"),  # another building: its own chain
    ]
    assert reconcile(repair_fund=ok) == []
    assert reconcile(repair_fund=[MEILIN_FUND]) == []
    bad = [
        fund("2024H2", "1", "100.00", "100.00"),
        fund("2025H1", "1", "90.00", "90.00"),
        fund("2025H2", "1", "90.00", "95.00"),
    ]
    assert reconcile(repair_fund=bad) == [
        ("repair_fund", 4, "closing_yuan", "statement-reconciles", "error"),
        ("repair_fund", 3, "opening_yuan", "statement-reconciles", "error"),
    ]
    (issue, _) = issues("statement-reconciles", context(repair_fund=bad))
    assert issue.message.startswith("1 号楼 2025H2 期末余额 95.00 与计算结果 90.00 不符")


# ---------------------------------------------------------------------------------------
# common-income-transfer


def transfer(share: str | None, **q) -> list:
    estate = with_(MEILIN_ESTATE, transfer_min_share=D(share) if share else None)
    return flat("common-income-transfer", context(estate=[estate], common_income=[with_(Q1, **q)]))


def test_common_income_transfer_only_where_the_estate_sets_a_share():
    assert transfer(None, transfer_to_fund_yuan=D(0)) == []
    assert transfer("0.5") == []  # 40,000 ≥ half of 71,280
    assert transfer("0.5", transfer_to_fund_yuan=D("35640.00")) == []  # exactly half


def test_common_income_transfer_short_is_a_warning():
    assert transfer("0.5", transfer_to_fund_yuan=D("35639.99")) == [
        ("common_income", 2, "transfer_to_fund_yuan", "common-income-transfer", "warning")
    ]
    (issue,) = issues(
        "common-income-transfer",
        context(estate=[with_(MEILIN_ESTATE, transfer_min_share=D("0.6"))], common_income=[Q1]),
    )
    assert "至少 60% 应转入维修资金，即 42,768.00 元" in issue.message
    assert "2,768.00 yuan short" in issue.message_en


def test_common_income_transfer_nothing_owed_without_net_income():
    assert transfer("0.5", cost_yuan=D("95580.00"), transfer_to_fund_yuan=D(0)) == []


# ---------------------------------------------------------------------------------------
# repair-fund-floor


def floor(*funds: dict) -> list:
    return flat("repair-fund-floor", context(repair_fund=list(funds)))


def test_repair_fund_floor_above_thirty_percent_passes():
    assert floor(MEILIN_FUND) == []  # 30.1%
    assert floor(with_(MEILIN_FUND, closing_yuan=D("708000.00"))) == []  # exactly 30%


def test_repair_fund_floor_below_thirty_percent_is_a_warning():
    low = with_(MEILIN_FUND, closing_yuan=D("700000.00"))
    assert floor(low) == [("repair_fund", 2, "closing_yuan", "repair-fund-floor", "warning")]
    (issue,) = issues("repair-fund-floor", context(repair_fund=[low]))
    assert "29.6%" in issue.message and "至少还需 8,000.00 元" in issue.message
    assert "at least 8,000.00 yuan is needed" in issue.message_en


def test_repair_fund_floor_looks_at_each_buildings_latest_period():
    old_low = with_(MEILIN_FUND, period="2024H2", closing_yuan=D("1000.00"))
    other_low = with_(MEILIN_FUND, building_no="2", period="2024H2", closing_yuan=D("1.00"))
    assert floor(MEILIN_FUND, old_low, other_low) == [
        ("repair_fund", 4, "closing_yuan", "repair-fund-floor", "warning")
    ]
    assert floor(with_(MEILIN_FUND, initial_raised_yuan=D(0), closing_yuan=D(0))) == []


# ---------------------------------------------------------------------------------------
# disclosure-fresh


def status(as_of: str, **tables) -> dict[str, DisclosureItem]:
    return {i.kind: i for i in disclosure_status(context(as_of=d(as_of), **tables))}


def quarter(label: str) -> dict:
    return with_(Q1, quarter=label)


def test_disclosure_status_quarter_is_due_by_the_end_of_the_following_month():
    s = status("2025-05-01", common_income=[quarter("2025Q1")])
    assert s["common_income"] == DisclosureItem(
        "common_income",
        "common_income",
        "公共收益季度收支",
        "quarterly common-income statement",
        "2025Q1",
        "2025Q1",
        d("2025-04-30"),
        False,
    )
    late = status("2025-05-01", common_income=[quarter("2024Q4")])["common_income"]
    assert (late.latest, late.due_period, late.due_date, late.overdue) == (
        "2024Q4",
        "2025Q1",
        d("2025-04-30"),
        True,
    )
    # The deadline day itself is still on time.
    on_time = status("2025-04-30", common_income=[quarter("2024Q4")])["common_income"]
    assert (on_time.due_period, on_time.overdue) == ("2024Q4", False)
    q4 = status("2026-02-01", common_income=[quarter("2025Q3")])["common_income"]
    assert (q4.due_period, q4.due_date, q4.overdue) == ("2025Q4", d("2026-01-31"), True)


def test_disclosure_status_half_year_is_due_by_the_end_of_the_following_month():
    h1 = status("2025-08-01", repair_fund=[with_(MEILIN_FUND, period="2024H2")])["repair_fund"]
    assert (h1.latest, h1.due_period, h1.due_date, h1.overdue) == (
        "2024H2",
        "2025H1",
        d("2025-07-31"),
        True,
    )
    h2 = status("2025-02-01", repair_fund=[with_(MEILIN_FUND, period="2024H2")])["repair_fund"]
    assert (h2.due_period, h2.due_date, h2.overdue) == ("2024H2", d("2025-01-31"), False)


def test_disclosure_status_missing_tables_are_overdue():
    s = status("2025-08-01")
    assert [(i.kind, i.latest, i.due_period, i.overdue) for i in s.values()] == [
        ("common_income", None, "2025Q2", True),
        ("repair_fund", None, "2025H1", True),
        ("audit", None, None, False),  # no audit and no term: nothing to judge by
    ]
    assert flat("disclosure-fresh", context(as_of=d("2025-08-01"))) == [
        ("common_income", None, None, "disclosure-fresh", "warning"),
        ("repair_fund", None, None, "disclosure-fresh", "warning"),
    ]
    (first, _) = issues("disclosure-fresh", context(as_of=d("2025-08-01")))
    assert "文件缺失或没有通过格式检查" in first.message and "2025-07-31" in first.message


def test_disclosure_status_a_new_committee_does_not_owe_earlier_periods():
    new = [with_(MEILIN_TERMS[1], term_start=d("2025-05-10"), election_date=d("2025-05-10"))]
    s = status("2025-06-01", committees=new)
    assert s["common_income"].due_period is None and not s["common_income"].overdue
    assert s["repair_fund"].due_date is None and not s["repair_fund"].overdue
    assert s["audit"].due_date == d("2026-11-10") and not s["audit"].overdue
    assert flat("disclosure-fresh", context(as_of=d("2025-06-01"), committees=new)) == []
    # Once the first quarter of its own is due, it is owed.
    assert status("2025-11-01", committees=new)["common_income"].due_period == "2025Q3"


def test_disclosure_status_audit_yearly():
    audit = with_(MEILIN_AUDIT, report_date=d("2023-12-01"))
    s = status("2025-06-01", audits=[audit])["audit"]
    assert (s.latest, s.due_period, s.due_date, s.overdue) == (
        "2023-12-01",
        "2024年度",
        d("2025-06-01"),  # 548 days later (2024 is a leap year)
        False,
    )
    assert status("2025-06-02", audits=[audit])["audit"].overdue
    special = with_(MEILIN_AUDIT, audit_id="A2", audit_type="专项审计", report_date=d("2025-05-01"))
    assert status("2025-06-03", audits=[audit, special])["audit"].latest == "2023-12-01"


def test_disclosure_status_no_audit_18_months_into_the_term():
    assert not status("2024-12-18", committees=MEILIN_TERMS)["audit"].overdue
    s = status("2024-12-19", committees=MEILIN_TERMS)["audit"]
    assert (s.due_date, s.overdue) == (d("2024-12-18"), True)
    tables = {
        "committees": MEILIN_TERMS,
        "common_income": [quarter("2024Q3")],
        "repair_fund": [with_(MEILIN_FUND, period="2024H1")],
    }
    assert flat("disclosure-fresh", context(as_of=d("2024-12-19"), **tables)) == [
        ("audits", None, None, "disclosure-fresh", "warning")
    ]


def test_disclosure_fresh_audit_posted_at_least_30_days():
    def posted(start: str, end: str | None) -> list:
        a = with_(MEILIN_AUDIT, posted_from=d(start), posted_to=d(end) if end else None)
        return flat("disclosure-fresh", context(**(MEILIN | {"audits": [a]})))

    assert posted("2025-03-01", "2025-03-31") == []  # 31 days
    assert posted("2025-03-01", "2025-03-30") == []  # 30 days, both ends counted
    assert posted("2025-03-01", None) == []  # still posted
    warn = [("audits", 2, "posted_to", "disclosure-fresh", "warning")]
    assert posted("2025-03-01", "2025-03-29") == warn
    assert posted("2025-03-31", "2025-03-01") == warn


# ---------------------------------------------------------------------------------------
# fee-single-price


def fee(fee_id: str, start: str, end: str | None = None, **more) -> dict:
    return (
        MEILIN_FEES[0]
        | {
            "fee_id": fee_id,
            "effective_from": d(start),
            "effective_to": d(end) if end else None,
        }
        | more
    )


def prices(*fees: dict) -> list:
    return flat("fee-single-price", context(fees=list(fees)))


def test_fee_single_price_one_price_at_a_time_passes():
    assert prices(fee("F1", "2023-01-01", "2023-12-31"), fee("F2", "2024-01-01")) == []
    assert prices(fee("F1", "2023-01-01"), fee("F2", "2023-01-01", package="增值包")) == []
    assert prices(fee("F1", "2023-01-01"), fee("F2", "2023-01-01", unit_category="高层住宅")) == []


def test_fee_single_price_overlapping_prices_are_an_error_on_the_later():
    err = [("fees", 2, "effective_from", "fee-single-price", "error")]
    assert prices(fee("F2", "2024-01-01"), fee("F1", "2023-01-01")) == err
    assert prices(fee("F2", "2024-01-01"), fee("F1", "2023-01-01", "2024-01-01")) == err
    (issue,) = issues(
        "fee-single-price", context(fees=[fee("F1", "2023-01-01"), fee("F2", "2024-01-01")])
    )
    assert "F1" in issue.message and "F2" in issue.message and "2023-12-31" in issue.message


def test_fee_single_price_each_overlapping_row_is_reported():
    assert prices(fee("F1", "2023-01-01"), fee("F2", "2024-01-01"), fee("F3", "2025-01-01")) == [
        ("fees", 3, "effective_from", "fee-single-price", "error"),
        ("fees", 4, "effective_from", "fee-single-price", "error"),
    ]


def test_fee_single_price_end_before_start_is_an_error():
    assert prices(fee("F1", "2024-01-01", "2023-12-31"), fee("F2", "2023-06-01")) == [
        ("fees", 2, "effective_to", "fee-single-price", "error")
    ]


# ---------------------------------------------------------------------------------------
# fee-band


def band(*fees: dict, property_type: str = "售后公房", config: dict | None = None) -> list:
    estate = with_(MEILIN_ESTATE, property_type=property_type)
    cfg = RULES_YAML if config is None else config
    return flat("fee-band", context(config=cfg, estate=[estate], fees=list(fees)))


def test_fee_band_inside_the_band_passes():
    assert band(fee("F1", "2023-01-01", price_yuan=D("0.80"))) == []  # bounds included
    assert band(fee("F1", "2023-01-01", price_yuan=D("0.20"))) == []


def test_fee_band_outside_the_band_is_a_warning():
    warn = [("fees", 2, "price_yuan", "fee-band", "warning")]
    assert band(fee("F1", "2023-01-01", price_yuan=D("0.81"))) == warn
    assert band(fee("F1", "2023-01-01", price_yuan=D("0.19"))) == warn
    (issue,) = issues(
        "fee-band",
        context(
            config=RULES_YAML,
            estate=[MEILIN_ESTATE],
            fees=[fee("F1", "2023-01-01", price_yuan=D("0.95"))],
        ),
    )
    assert "0.95 元/㎡·月" in issue.message and "0.20–0.80" in issue.message


def test_fee_band_only_current_basic_per_m2_prices_with_a_band():
    high = {"price_yuan": D("9.00")}
    assert band(fee("F1", "2020-01-01", "2022-12-31", **high)) == []  # expired
    assert band(fee("F1", "2025-08-01", **high)) == []  # not yet in force
    assert band(fee("F1", "2023-01-01", package="增值包", **high)) == []
    assert band(fee("F1", "2023-01-01", unit="元/户·月", **high)) == []
    assert band(fee("F1", "2023-01-01", unit_category="商铺", **high)) == []  # no band
    assert band(fee("F1", "2023-01-01", **high), config={}) == []
    # The band follows the estate's type: 0.60 is usual for 售后公房, low for 商品房.
    assert band(fee("F1", "2023-01-01"), property_type="商品房") == [
        ("fees", 2, "price_yuan", "fee-band", "warning")
    ]
    assert band(fee("F1", "2023-01-01"), property_type="混合") == []


# ---------------------------------------------------------------------------------------
# work-orders-consistent


def orders(**changes) -> list:
    return flat("work-orders-consistent", context(work_orders=[with_(WORK_ORDER, **changes)]))


def test_work_orders_consistent_passes():
    assert orders() == []
    assert orders(closed_on_time=None, avg_hours=None, satisfaction_pct=None) == []
    assert orders(closed=23, closed_on_time=23, satisfaction_pct=D(100)) == []


def test_work_orders_inconsistent_counts_are_errors():
    assert orders(closed=24, closed_on_time=20) == [
        ("work_orders", 2, "closed", "work-orders-consistent", "error")
    ]
    assert orders(closed_on_time=23) == [
        ("work_orders", 2, "closed_on_time", "work-orders-consistent", "error")
    ]
    assert orders(satisfaction_pct=D("100.1")) == [
        ("work_orders", 2, "satisfaction_pct", "work-orders-consistent", "error")
    ]
    assert orders(satisfaction_pct=D("-1")) == [
        ("work_orders", 2, "satisfaction_pct", "work-orders-consistent", "error")
    ]
    assert orders(avg_hours=D("-0.5")) == [
        ("work_orders", 2, "avg_hours", "work-orders-consistent", "error")
    ]


def test_work_orders_message_names_the_month_and_channel():
    (issue,) = issues("work-orders-consistent", context(work_orders=[with_(WORK_ORDER, closed=24)]))
    assert issue.message.startswith("2025-01 12345 报修：办结 24 件，多于受理 23 件。")


# ---------------------------------------------------------------------------------------
# no-personal-data


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("联系电话13812345678", "mobile", "138****5678"),
        ("张*明 138-1234-5678", "mobile", "138-****-5678"),
        ("手机 139 1234 5678", "mobile", "139 **** 5678"),
        ("+86 15012345678", "mobile", "+86 150****5678"),
        ("021-64581234", "landline", "021-****1234"),
        ("（021）6458 1234", "landline", "（021）**** 1234"),
        ("服务电话：64581234", "landline", "64****34"),
        ("tel 6458-1234", "landline", "64**-**34"),
        ("身份证310104198001011239", "id_card", "310***********1239"),
        ("31010419800101101X", "id_card", "310***********101X"),
        ("310104800101123", "id_card", "310********1123"),
        ("302室", "room", "***室"),
        ("12号302室", "room", "12号***室"),
        ("12-302", "room", "12-***"),
        ("12幢302", "room", "12幢***"),
        ("3号楼1502室", "room", "3号楼****室"),
        ("1单元301", "room", "1单元***"),
        ("Room 302", "room", "Room ***"),
    ],
)
def test_no_personal_data_finds(text, kind, masked):
    assert find_personal_data(text) == [(kind, masked)]


def find_personal_data(text: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.masked) for hit in find_hits(text)]


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-12",
        "2025-01-12 至 2025-03-31",
        "2025年1月12日",
        "81000.00",
        "地面停车位150个",
        "12",
        "12号楼",
        "3号楼2025年屋面防水维修",
        "涉及3号楼96户",
        "3号楼 128 户",
        "6号楼1200㎡",
        "1-100户",
        "100-1500 元",
        "2室1厅",
        "2024-2025年度",
        "2025Q1-2025Q2",
        "R2024-02",
        "热线12345",
        "服务热线 962121",
        "400-820-1234",
        "0.60-0.80",
        "91310104MA1FR0XX12",
        "123456789012345678",  # no valid birth date: an order number, not an ID
        "审议2024年第四季度公共收益收支情况",
        "上海某某物业管理有限公司",
        "张*明",
    ],
)
def test_no_personal_data_leaves_alone(text):
    assert find_personal_data(text) == []


def test_no_personal_data_reports_every_cell_and_masks_the_number():
    tables = {
        "members": [
            with_(MEILIN_MEMBERS[0], display_name="张三 13812345678", building_no="12-302")
        ],
        "meetings": [with_(MEILIN_MEETINGS[0], topic="联系 021-64581234 或 13912345678")],
        "contract": [CONTRACT],
    }
    assert flat("no-personal-data", context(**tables)) == [
        ("members", 2, "display_name", "no-personal-data", "error"),
        ("members", 2, "building_no", "no-personal-data", "error"),
        ("meetings", 2, "topic", "no-personal-data", "error"),
        ("meetings", 2, "topic", "no-personal-data", "error"),
    ]
    first = issues("no-personal-data", context(**tables))[0]
    assert "手机号码（138****5678）" in first.message and "13812345678" not in first.message
    assert "张*明" in first.message and "请删除" in first.message
    assert "13812345678" not in first.message_en and "delete it" in first.message_en


def test_no_personal_data_checks_ids_and_numbers_but_not_credit_codes_or_dates():
    # Id columns are printed on the pages and whole numbers are published as they are, so
    # both are checked; a valid credit code and a date are not personal data.
    tables = {
        "contract": [with_(CONTRACT, credit_code="91310104MA1FR0XX12")],
        "members": [with_(MEILIN_MEMBERS[0], member_id="13812345678")],
        "work_orders": [with_(WORK_ORDER, received=13812345678)],
        "meetings": [with_(MEILIN_MEETINGS[0], topic="2025-01-12")],
    }
    assert flat("no-personal-data", context(**tables)) == [
        ("members", 2, "member_id", "no-personal-data", "error"),
        ("work_orders", 2, "received", "no-personal-data", "error"),
    ]
    # An ID-card number is not a credit code, whatever the column.
    for table, row in (
        ("contract", with_(CONTRACT, credit_code="310104198001011239")),
        ("evaluations", {"period": "2024", "summary": "310104198001011239"}),
    ):
        assert [f[:3] for f in flat("no-personal-data", context(**{table: [row]}))] == [
            (table, 2, "credit_code" if table == "contract" else "summary")
        ]


def test_committee_elected_but_not_started_is_judged_on_its_first_day():
    # As of a day before term 3 starts, its members are not in post yet; the roster is
    # judged on the term's first day instead of reporting a committee without a chair.
    early = AS_OF.replace(year=2023, month=6, day=1)
    assert roles(MEILIN_MEMBERS, as_of=early) == []
