"""pytest plugin: every package a test validates goes through both frictionless paths.

    .venv/bin/python -m pytest -p tests.tablecheck_compare tests/test_robustness.py ...

wraps ``validate._frictionless`` so that each package is also validated the slow way
(``_frictionless_reference``: frictionless' own ``Package.validate()`` and a second
read), and appends one JSON line per package to ``$TABLECHECK_COMPARE_LOG`` (default
/tmp/tablecheck-compare.jsonl): its estate, whether the fast path judged it or left it to
frictionless, and whether findings and typed tables were the same. Worker processes
append too. Used once over every bad-input test of the suite; see tests/test_tablecheck.py.
"""

from __future__ import annotations

import copy
import importlib
import json
import os

from generator import tablecheck
from generator.findings import sort_findings

validate = importlib.import_module("generator.validate")
LOG = os.environ.get("TABLECHECK_COMPARE_LOG", "/tmp/tablecheck-compare.jsonl")
_fast = validate._frictionless


def _both(pkg, root, findings):
    reference_pkg = copy.deepcopy(pkg)
    judged = tablecheck.check_package(copy.deepcopy(pkg)) is not None
    reference_findings: list = []
    reference_tables = validate._frictionless_reference(reference_pkg, root, reference_findings)
    fast_findings: list = []
    tables = _fast(pkg, root, fast_findings)
    same_findings = sort_findings(reference_findings) == sort_findings(fast_findings)
    record = {
        "estate": pkg.estate_id,
        "folder": str(pkg.folder),
        "fast": judged,
        "same_findings": same_findings,
        "same_tables": reference_tables == tables,
    }
    if not same_findings:
        record["reference"] = [f.as_dict() for f in sort_findings(reference_findings)]
        record["fast_findings"] = [f.as_dict() for f in sort_findings(fast_findings)]
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    findings.extend(fast_findings)
    return tables


def pytest_configure(config):
    validate._frictionless = _both
