"""CPU of the map per estate, by stage: load, validate, model, pages, frame, QR codes, …

The map is the per-estate worker (generator/pipeline/worker.py): load → validate → model
→ render → write → cache. This runs the library's real build in one process (so every
estate's work is in this process's CPU time) with timers around each stage, stops it
after the map (no aggregate pages, no search index), and prints each stage's CPU time
per estate, the median of ``--runs`` cold runs (a fresh build folder each time, so no
estate comes from the cache).

Stages are timed exclusively: ``pages`` is the jinja2 templates without the frame,
``frame`` the shell without ``reflow``, ``render`` what render_estate does itself (the
charts' data, the dictionaries), ``other`` what worker.run does itself (reading the
package's files, the key, checksums), ``page-write`` the writes of the pages
(``index.html``) and ``write`` those of the other files. ``page (ms a page)`` is issue 9's
figure: a page's template, frame, tables for phones and write, over the pages written.

    .venv/bin/python benchmarks/synth_city.py --n 300 --out /tmp/city
    .venv/bin/python benchmarks/bench_map.py /tmp/city --runs 3 --json result.json
    .venv/bin/python benchmarks/bench_map.py /tmp/city --runs 1 --profile map.prof
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator import cli, pipeline  # noqa: E402
from generator.outputs import frame as frame_mod  # noqa: E402
from generator.outputs import render  # noqa: E402
from generator.pipeline import summaries, worker  # noqa: E402

# (module or class, attribute, stage): every one that exists is timed.
HOOKS = [
    (worker, "load_package", "load"),
    (worker, "validate_package", "validate"),
    (worker, "build_estate", "model"),
    (worker, "_store", "cache"),
    (summaries, "summarise", "summary"),
    (render, "render_estate", "render"),
    (render, "estate_charts", "charts"),
    (render, "_page", "pages"),
    (render, "qr_svg", "qr"),
    (render, "downloads", "downloads"),
    (render, "calendar_ics", "calendar"),
    (frame_mod.Frame, "render", "frame"),
    (frame_mod, "reflow", "reflow"),
]


PAGE_STAGES = ("pages", "frame", "reflow", "page-write")


class Timers:
    """Exclusive CPU time per stage: a stage's children are not counted in it."""

    def __init__(self):
        self.totals: dict[str, float] = {}
        self.stack: list[list] = []  # [stage, started, children's time]

    def wrap(self, func, stage):
        def timed(*args, **kwargs):
            self.stack.append([stage, time.process_time(), 0.0])
            try:
                return func(*args, **kwargs)
            finally:
                name, started, children = self.stack.pop()
                spent = time.process_time() - started
                self.totals[name] = self.totals.get(name, 0.0) + spent - children
                if self.stack:
                    self.stack[-1][2] += spent

        return timed


class _StopAfterMap(Exception):
    pass


def one_run(data: Path, as_of: dt.date, profile: Path | None) -> tuple[dict[str, float], int, int]:
    """Stage totals (CPU seconds), estates mapped and pages written in one cold run."""
    timers = Timers()
    saved = []
    for owner, name, stage in HOOKS:
        if hasattr(owner, name):
            original = getattr(owner, name)
            saved.append((owner, name, original))
            setattr(owner, name, timers.wrap(original, stage))
    # A page's own write apart from the other files' ("page-write"), and the pages counted,
    # for the per-page figure (issue 9: a page in 0.5 ms of CPU, rendered and written).
    write = worker._write
    write_page, write_other = timers.wrap(write, "page-write"), timers.wrap(write, "write")
    pages = [0]

    def write_split(path, data):
        if path.name == "index.html":
            pages[0] += 1
            return write_page(path, data)
        return write_other(path, data)

    saved.append((worker, "_write", write))
    worker._write = write_split
    original_run = worker.run
    run_timed = timers.wrap(original_run, "other")
    profiler = cProfile.Profile() if profile else None
    count = [0]

    def run(job):
        count[0] += 1
        if profiler is None:
            return run_timed(job)
        profiler.enable()
        try:
            return run_timed(job)
        finally:
            profiler.disable()

    def stop(*args, **kwargs):
        raise _StopAfterMap

    saved += [(worker, "run", original_run), (pipeline, "_check", pipeline._check)]
    saved += [(pipeline, "PARALLEL_FROM", pipeline.PARALLEL_FROM)]
    worker.run, pipeline._check, pipeline.PARALLEL_FROM = run, stop, 10**9
    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    config = ROOT / "mkdocs.yml"
    try:
        options = pipeline.BuildOptions(
            data_dir=data,
            site_dir=work / "site",
            build_dir=work / "build",
            config_file=config,
            as_of=as_of,
            site_url=cli.yaml_safe(config).get("site_url") or "https://example.org/",
            rules=cli._rules(data),
            guard=cli._guard(data),
            workers=1,
        )
        try:
            pipeline.build(options)
        except _StopAfterMap:
            pass
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)
        shutil.rmtree(work, ignore_errors=True)
    if profiler is not None:
        profiler.dump_stats(profile)
    return timers.totals, count[0], pages[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a data folder (synth_city.py --out)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default="2026-11-20")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--profile", type=Path, help="cProfile of the map (last run)")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    runs = []
    for i in range(args.runs):
        profile = args.profile if i == args.runs - 1 else None
        totals, estates, written = one_run(args.data, as_of, profile)
        per = {stage: 1000 * spent / estates for stage, spent in totals.items()}
        per["total"] = sum(per.values())
        # A page: its template, the frame around it, its tables for phones and its write.
        per_page = sum(totals.get(s, 0.0) for s in PAGE_STAGES) / max(written, 1)
        per["page (ms a page)"] = 1000 * per_page
        runs.append(per)
        print(
            f"run {i + 1}: {per['total']:.1f} ms an estate ({estates} estates),"
            f" {per['page (ms a page)']:.2f} ms a page ({written / estates:.1f} pages an estate)",
            flush=True,
        )
    last = ["total", "page (ms a page)"]
    stages = sorted({s for r in runs for s in r} - set(last), key=lambda s: -runs[0].get(s, 0))
    stages += last
    print(f"\n{'stage':<10} {'median ms/estate':>16}   runs")
    medians = {}
    for stage in stages:
        values = [r.get(stage, 0.0) for r in runs]
        medians[stage] = statistics.median(values)
        print(f"{stage:<10} {medians[stage]:>16.2f}   " + " ".join(f"{v:.2f}" for v in values))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"estates": estates, "runs": runs, "median": medians}, indent=1, sort_keys=True
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
