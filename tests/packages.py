"""Tiny estate packages written inline, for tests that need real files on disk."""

from __future__ import annotations

from pathlib import Path

import yaml

ESTATE = (
    "estate_id,name,district,street,residents_committee,property_type,completion_year,"
    "total_gfa_m2,households,buildings,lift_buildings,transfer_min_share\n"
    "{id},测试小区,徐汇区,田林街道,测试居委会,商品房,2010,50000.00,400,6,6,\n"
)
COMMITTEES = (
    "term_no,election_date,filing_date,term_start,term_end,seats,status\n"
    "1,2024-05-01,2024-05-20,2024-05-01,2029-04-30,5,在任\n"
)
MEMBERS = (
    "member_id,term_no,display_name,role,is_voting,is_party_member,is_rc_cross,building_no,"
    "start_date,end_date,end_reason\n"
    "M1,1,张*明,主任,是,是,否,1,2024-05-01,,\n"
    "M2,1,李*华,副主任,是,否,否,2,2024-05-01,,\n"
    "M3,1,王*,委员,是,否,否,3,2024-05-01,,\n"
    "M4,1,赵*,委员,是,否,否,4,2024-05-01,,\n"
    "M5,1,钱*,委员,是,否,是,5,2024-05-01,,\n"
)
COMMON_INCOME = (
    "quarter,opening_yuan,income_yuan,cost_yuan,transfer_to_fund_yuan,other_spending_yuan,"
    "closing_yuan,posted_date\n"
    "2026Q3,1000.00,500.00,100.00,200.00,50.00,1150.00,2026-10-10\n"
)


def write_package(root: Path, estate_id: str = "test-estate", **tables: str) -> Path:
    """Write ``root/estates/<estate_id>/`` with the given CSV texts (name → text).

    Without tables, writes a small valid estate (profile, committee, members).
    Returns the data folder (``root``) to pass to ``load``/``sunlight validate``.
    """
    if not tables:
        tables = {"estate": ESTATE, "committees": COMMITTEES, "members": MEMBERS}
    folder = root / "estates" / estate_id
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, text in tables.items():
        data = text.format(id=estate_id).encode("utf-8") if isinstance(text, str) else text
        (folder / f"{name}.csv").write_bytes(data)
        resources.append(
            {"name": name, "path": f"{name}.csv", "schema": f"../../schemas/{name}.schema.yaml"}
        )
    descriptor = {"name": estate_id, "title": "测试小区", "resources": resources}
    (folder / "datapackage.yaml").write_text(
        yaml.safe_dump(descriptor, allow_unicode=True, sort_keys=False), "utf-8"
    )
    return root
