#!/usr/bin/env python3
"""CPU per estate of frictionless' checks, the old way and tablecheck's, on one process.

    .venv/bin/python benchmarks/synth_city.py --n 1000 --out /tmp/city1000/data
    .venv/bin/python benchmarks/bench_validate.py --data /tmp/city1000/data --n 200

Loads the first --n estates of a city once, then times (CPU, ``time.process_time``) the
table validation of every one of them:

* ``reference``: ``validate._frictionless_reference`` — ``frictionless.Package(...)
  .validate()`` and a second read of every table for its typed rows;
* ``tablecheck``: ``validate._frictionless`` — frictionless' cell readers over the loader's
  parse (tablecheck), read once;
* ``tablecheck_reading_files``: the same when the package holds no parse (``load()`` of
  a whole city keeps none, to save memory), so each table is read and parsed here once;
* ``load`` (``load_package``, which keeps its parse) and the estate rules, for scale.

Each is the median of --runs runs (the reference of --reference-runs: it is slow), in
milliseconds per estate. The two ways' findings and typed tables are compared on the way
(the numbers mean nothing if they differ). Printed, and written to
benchmarks/results/<date>-validate-<n>.json. Numbers only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import importlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import config as config_mod  # noqa: E402
from generator import tablecheck  # noqa: E402
from generator.findings import sort_findings  # noqa: E402
from generator.load import estate_folders, load_package, load_schemas, repository_root  # noqa: E402

validate = importlib.import_module("generator.validate")


def cpu_ms_per_estate(work, packages, runs: int) -> tuple[float, list]:
    """Median CPU milliseconds per package of ``work(pkg)`` over ``runs`` runs, on fresh
    copies (validation consumes the kept parse); and the last run's results."""
    times, results = [], []
    for _ in range(runs):
        fresh = [copy.deepcopy(pkg) for pkg in packages]
        start = time.process_time()
        results = [work(pkg) for pkg in fresh]
        times.append((time.process_time() - start) * 1000 / len(packages))
    return statistics.median(times), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/tmp/city1000/data", type=Path)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reference-runs", type=int, default=1)
    parser.add_argument("--as-of", default="2026-12-01")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    data = args.data
    root = repository_root(data)
    schemas = load_schemas(data / "schemas")
    folders = estate_folders(data)[: args.n]
    as_of = dt.date.fromisoformat(args.as_of)
    rules = config_mod.load_rules_config(data)

    load_ms, packages = cpu_ms_per_estate(
        lambda folder: load_package(folder, root, schemas), folders, args.runs
    )
    packages = [pkg for pkg in packages if pkg.descriptor.get("resources")]

    def fast(pkg):
        findings: list = []
        return findings, validate._frictionless(pkg, root, findings)

    def reference(pkg):
        findings: list = []
        return findings, validate._frictionless_reference(pkg, root, findings)

    def reading_files(pkg):
        pkg.parsed = {}  # as load() leaves a whole city's packages: one read per table
        return fast(pkg)

    judged = sum(tablecheck.check_package(copy.deepcopy(pkg)) is not None for pkg in packages)
    fast_ms, fast_results = cpu_ms_per_estate(fast, packages, args.runs)
    reading_ms, _ = cpu_ms_per_estate(reading_files, packages, args.runs)
    reference_ms, reference_results = cpu_ms_per_estate(reference, packages, args.reference_runs)
    same = all(
        sort_findings(a[0]) == sort_findings(b[0]) and repr(a[1]) == repr(b[1])
        for a, b in zip(fast_results, reference_results, strict=True)
    )

    def rules_only(pkg_tables):
        pkg, tables = pkg_tables
        return validate.run_rules(pkg, tables, as_of, rules, root)

    rules_ms, _ = cpu_ms_per_estate(
        rules_only, list(zip(packages, [r[1] for r in fast_results], strict=True)), args.runs
    )
    result = {
        "date": dt.date.today().isoformat(),
        "data": str(data),
        "estates": len(packages),
        "judged_by_tablecheck": judged,
        "same_findings_and_tables": same,
        "runs": args.runs,
        "reference_runs": args.reference_runs,
        "cpu_ms_per_estate": {
            "load": round(load_ms, 2),
            "frictionless_reference": round(reference_ms, 2),
            "tablecheck": round(fast_ms, 2),
            "tablecheck_reading_files": round(reading_ms, 2),
            "rules": round(rules_ms, 2),
        },
        "speedup": round(reference_ms / fast_ms, 1),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }
    print(f"{len(packages)} estates of {data}; {judged} judged by tablecheck; same: {same}")
    print("CPU ms per estate (median of runs, one process):")
    for stage, ms in result["cpu_ms_per_estate"].items():
        print(f"  {stage:24} {ms:9.2f}")
    print(f"  speed-up                 {result['speedup']:9.1f}×")
    out = args.out or ROOT / "benchmarks" / "results" / f"{result['date']}-validate-{args.n}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
