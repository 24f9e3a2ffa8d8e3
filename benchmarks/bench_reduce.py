"""The reduce's seconds by part (aggregate pages, the search index…) for a built city.

Runs ``sunlight build`` again on a city already built once (so the estates come from the
cache), in a fresh process per run, with the reduce's parts timed from outside (their
module functions wrapped; nothing in the generator is changed). With ``--one-estate``,
every run first changes one cell of one estate's evaluations.csv (bench_build's
touch_one_estate): a one-estate commit; without it, nothing changed. Prints wall and CPU
seconds per part, medians of ``--runs`` runs (CPU: this process's and Pagefind's).

    .venv/bin/python benchmarks/bench_reduce.py --data /tmp/M/data --site /tmp/M/site \\
        --build /tmp/M/build --runs 3 [--one-estate]

Any edit to generator/*.py changes every cache key, so the first build after an edit is
cold; to time edits without a cold build each time, run it with the generator of a copy
whose code fingerprint is pinned (a measuring aid only, see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# bench_build's commit, so both benchmarks time the same change (this folder is on sys.path
# when this file runs as a script).
import bench_build  # noqa: E402

# Part name → (module, function); nested parts are inside the reduce, so they are not added.
PARTS = {
    "reduce": ("generator.pipeline", "_reduce"),
    "make_site": ("generator.outputs.render", "make_site"),
    "render_aggregates": ("generator.outputs.render", "render_aggregates"),
    "dashboard": ("generator.outputs.dashboard", "render_dashboard"),
    "names_json": ("generator.outputs.dashboard", "names_json"),
    "groups.files": ("generator.pipeline.groups", "GroupCache.files"),
    "write_files": ("generator.outputs.render", "write_files"),
    "sitemaps": ("generator.pipeline", "_sitemaps"),
    "plan_shards": ("generator.outputs.search", "plan_shards"),
    "index_shards": ("generator.outputs.search", "index_shards"),
    "publish": ("generator.pipeline", "_finish"),
}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _child(argv: list[str]) -> None:
    """One build with the parts wrapped; prints the parts' totals as JSON on the last line."""
    import importlib

    totals: dict[str, list[float]] = {name: [0.0, 0.0, 0] for name in PARTS}
    depth: dict[str, int] = dict.fromkeys(PARTS, 0)

    def wrap(name, function):
        def timed(*args, **kwargs):
            # A recursive or nested call of the same part is counted once, at the outside.
            depth[name] += 1
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return function(*args, **kwargs)
            finally:
                depth[name] -= 1
                if not depth[name]:
                    totals[name][0] += time.perf_counter() - wall
                    totals[name][1] += _cpu() - cpu
                    totals[name][2] += 1

        return timed

    for name, (module_name, attribute) in PARTS.items():
        module = importlib.import_module(module_name)
        owner, _, attr = attribute.rpartition(".")
        target = getattr(module, owner) if owner else module
        setattr(target, attr, wrap(name, getattr(target, attr)))

    from generator.cli import main

    try:
        main(argv, standalone_mode=False)
    finally:
        print(json.dumps(totals))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--as-of", default="2026-11-20")
    parser.add_argument("--site-url", default="https://sunlight.example.org/")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-estate", action="store_true", help="a one-estate commit each run")
    parser.add_argument("--json", type=Path, help="also write the runs and medians here")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child)
        return
    build = [
        "build",
        str(args.data),
        "--site-dir",
        str(args.site),
        "--build-dir",
        str(args.build),
        "--as-of",
        args.as_of,
        "--site-url",
        args.site_url,
    ]
    runs = []
    for n in range(args.runs):
        touched = bench_build.touch_one_estate(args.data) if args.one_estate else None
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, __file__, "--data", "-", "--site", "-", "--build", "-", "--child"]
            + build,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        parts = json.loads(result.stdout.strip().splitlines()[-1])
        runs.append({"touched": touched, "build_wall": wall, "parts": parts})
        print(f"run {n + 1}: build {wall:.1f} s, reduce {parts['reduce'][0]:.2f} s", flush=True)
    medians = {
        name: {
            "wall": round(statistics.median(r["parts"][name][0] for r in runs), 3),
            "cpu": round(statistics.median(r["parts"][name][1] for r in runs), 3),
            "calls": runs[0]["parts"][name][2],
        }
        for name in PARTS
    }
    kind = "one-estate commit" if args.one_estate else "no change"
    print(
        f"\n{kind}, medians of {len(runs)} runs (build wall "
        f"{statistics.median(r['build_wall'] for r in runs):.1f} s)"
    )
    print("| part | wall s | CPU s | calls |\n|---|---|---|---|")
    for name, m in medians.items():
        print(f"| {name} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['calls']} |")
    if args.json:
        args.json.write_text(json.dumps({"kind": kind, "runs": runs, "medians": medians}, indent=1))


if __name__ == "__main__":
    main()
