"""Docs are code: a rule, table, column or command without its documentation fails here."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

import generator
from generator.checks import CHECKS
from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
DOMAIN_RULES = {
    "committee-size", "committee-term", "committee-filing", "committee-roles", "member-in-term",
    "meeting-cadence", "resolution-threshold", "statement-reconciles", "common-income-transfer",
    "repair-fund-floor", "disclosure-fresh", "fee-single-price", "fee-band",
    "work-orders-consistent", "no-personal-data",
}  # fmt: skip
LOADER_RULES = {
    "encoding-error", "empty-file", "missing-label", "package-error", "duplicate-estate",
    "type-error", "constraint-error", "primary-key", "foreign-key", "format",
}  # fmt: skip


def test_every_domain_rule_is_registered_once():
    assert set(CHECKS) == DOMAIN_RULES
    for rule_id, check in CHECKS.items():
        assert check.severity in ("error", "warning"), rule_id


def test_every_rule_has_a_guide_section():
    guide = (REPO / "content/guide/rules.md").read_text("utf-8")
    anchors = set(re.findall(r"\{#([a-z-]+)\}", guide))
    missing = (DOMAIN_RULES | LOADER_RULES) - anchors
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
