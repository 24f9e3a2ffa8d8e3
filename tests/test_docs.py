"""Docs are code: a rule, table, column or command without its documentation fails here."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

import generator
from generator import privacy
from generator.checks import CHECKS, DISTRICT_CHECKS
from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
DOMAIN_RULES = {
    "committee-size", "committee-term", "committee-filing", "committee-roles", "member-in-term",
    "meeting-cadence", "resolution-threshold", "statement-reconciles", "common-income-transfer",
    "repair-fund-floor", "disclosure-fresh", "fee-single-price", "fee-band",
    "work-orders-consistent", "no-personal-data", "fee-collection-consistent",
    "priority-task-dates", "priority-task-single", "credit-code",
}  # fmt: skip
# Rules of the districts' packages (data/districts/<slug>/); credit-code and
# no-personal-data apply there too.
DISTRICT_RULES = {
    "supervision-estate", "supervision-dates", "supervision-visits", "supervision-one-open",
    "company-pool-dates", "credit-code", "no-personal-data",
}  # fmt: skip
LOADER_RULES = {
    "encoding-error", "empty-file", "missing-label", "package-error", "duplicate-estate",
    "type-error", "constraint-error", "primary-key", "foreign-key", "format",
    "cell-too-long", "control-character", "line-break", "key-whitespace", "formula-cell",
    "money-decimals", "fullwidth-digits", "yaml-alias", "yaml-duplicate-key",
    "yaml-too-large", "workbook-too-large",
}  # fmt: skip


def test_every_domain_rule_is_registered_once():
    assert set(CHECKS) == DOMAIN_RULES
    for rule_id, check in CHECKS.items():
        assert check.severity in ("error", "warning"), rule_id


def test_every_district_rule_is_registered_once():
    assert set(DISTRICT_CHECKS) == DISTRICT_RULES
    for rule_id, check in DISTRICT_CHECKS.items():
        assert check.severity in ("error", "warning"), rule_id


def test_every_district_table_and_column_is_documented():
    guide = (REPO / "content/guide/districts.md").read_text("utf-8")
    for path in sorted((REPO / "data/schemas/districts").glob("*.schema.yaml")):
        schema = yaml.safe_load(path.read_text("utf-8"))
        table = path.name.removesuffix(".schema.yaml")
        assert f"`{table}`" in guide, table
        for field in schema["fields"]:
            assert f"| `{field['name']}` |" in guide, f"{table}.{field['name']}"
            assert field.get("title") and "example" in field, f"{table}.{field['name']}"
    assert "supervision_visit_days" in guide


def test_every_rule_has_a_guide_section():
    guide = (REPO / "content/guide/rules.md").read_text("utf-8")
    anchors = set(re.findall(r"\{#([a-z-]+)\}", guide))
    missing = (DOMAIN_RULES | DISTRICT_RULES | LOADER_RULES) - anchors
    assert not missing, f"content/guide/rules.md lacks sections for {sorted(missing)}"


def test_every_table_and_column_is_documented():
    guide = (REPO / "content/guide/data-format.md").read_text("utf-8")
    for path in sorted((REPO / "data/schemas").glob("*.schema.yaml")):
        schema = yaml.safe_load(path.read_text("utf-8"))
        table = path.name.removesuffix(".schema.yaml")
        assert f"`{table}`" in guide, table
        for field in schema["fields"]:
            assert f"| `{field['name']}` |" in guide, f"{table}.{field['name']}"
            assert field.get("title") and "example" in field, f"{table}.{field['name']}"


def test_readme_opens_with_the_two_commands_and_lists_every_command():
    readme = (REPO / "README.md").read_text("utf-8")
    head = readme[:1500]
    assert "make site" in head and "make test" in head
    for name in main.commands:
        assert f"sunlight {name}" in readme, name
    assert "exec make test" in (REPO / ".ci/run").read_text()


def test_cli_commands_have_examples():
    for name, command in main.commands.items():
        assert "Example:" in (command.help or ""), name
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_public_api():
    for name in generator.__all__:
        assert hasattr(generator, name), name


def _section(page: str, anchor: str) -> str:
    """The text of the ``##`` section whose heading carries ``{#anchor}``, up to the next one."""
    match = re.search(rf"^## [^\n]*\{{#{anchor}\}}\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    assert match, f"no '## … {{#{anchor}}}' section"
    return match[1]


def test_committee_guide_explains_personal_data_and_the_takedown_list():
    """Every personal-data finding links to this section; it must say what the list takes."""
    page = (REPO / "content/guide/committee.md").read_text("utf-8")
    section = _section(page, "personal-data")
    for what in ("张*明", "138****5678", "contacts", "data/redactions.yaml", "git filter-repo"):
        assert what in section, what
    for key in ("value", "estate", "table", "key", "fields", "reason", "date"):
        assert f"| `{key}` |" in section, f"redactions key {key} is not documented"
    # The example is the real format: the guard's own loader accepts it.
    example = re.search(r"```yaml\n(# data/redactions\.yaml\n.*?)```", section, re.S)
    assert example, "no data/redactions.yaml example"
    entries = privacy.load_redactions(yaml.safe_load(example[1]))
    assert [e.value for e in entries] == ["某某某", None]
    assert entries[1].key == (("member_id", "M07"),) and entries[1].fields == ("display_name",)
    branch = _section(page, "codeowners")
    assert "{#branch-protection}" in branch and "Squash" in branch and "Gitea" in branch


def test_published_guides_hold_no_personal_data():
    """content/ is published as it is: examples must be masked (138****5678) or in words."""
    for path in sorted((REPO / "content").rglob("*.md")):
        text = path.read_text("utf-8")
        assert privacy.find(text) == [], (path.name, [h.masked for h in privacy.find(text)])


def _section(text: str, anchor: str) -> str:
    start = text.index(f"{{#{anchor}}}")
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else len(text)]


def test_status_section_states_the_thresholds_of_the_shared_definition():
    from generator.domain.status import THRESHOLDS
    from generator.model import FUND_FLOOR

    section = _section((REPO / "content/guide/rules.md").read_text("utf-8"), "status")
    t = THRESHOLDS

    def num(value) -> str:
        return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)

    def share(value) -> str:
        return num(value * 100)

    # Each threshold where a reader looks for it, in the words of the section.
    expected = [
        f"有 {num(t['disclosure_watch'])} 项逾期未公示",
        f"有 {num(t['disclosure_act'])} 项或更多逾期",
        f"低于首期归集的 {share(FUND_FLOOR)} %",
        f"全部楼栋的 {share(t['fund_act_building_share'])} %",
        f"低于首期的 {share(t['fund_act_min_share'])} %",
        f"摘牌后 {num(t['delisted_watch_days'])} 天之内",
        f'<th scope="row">工单满意率</th><td>不低于 {num(t["satisfaction_ok"])} %</td>'
        f"<td>不低于 {num(t['satisfaction_watch'])} %</td><td>低于 {num(t['satisfaction_watch'])} %</td>",
        f'<th scope="row">工单平均办理时长</th><td>不超过 {num(t["hours_ok"])} 小时</td>'
        f"<td>不超过 {num(t['hours_watch'])} 小时</td><td>超过 {num(t['hours_watch'])} 小时</td>",
        f'<th scope="row">物业费收缴率</th><td>不低于 {num(t["collection_ok"])} %</td>'
        f"<td>不低于 {num(t['collection_watch'])} %</td><td>低于 {num(t['collection_watch'])} %</td>",
        f"距届满不到 {num(t['term_watch_days'])} 天",
    ]
    for phrase in expected:
        assert phrase in section, f"content/guide/rules.md#status lacks 「{phrase}」"
    # And no number that is not a threshold (a stale one left behind after a change).
    allowed = {n for phrase in expected for n in re.findall(r"\d+", phrase)}
    assert set(re.findall(r"\d+", section)) <= allowed, sorted(set(re.findall(r"\d+", section)))
