#!/usr/bin/env python3
"""The engine at city scale: cold build, one estate's commit, a rebuild with no change.

    .venv/bin/python benchmarks/bench_build.py --n 16000      # the issue's target city
    .venv/bin/python benchmarks/bench_build.py --n 1000 --reuse-data

Steps, each the real ``sunlight build`` as a separate process:

1. write a synthetic city of N estates (benchmarks/synth_city.py) into --work/data;
2. **cold**: build it with an empty build folder (no cache);
3. **one estate**: change one text cell of one estate (its evaluation summary) and build
   again: the time a committee waits after a commit, and which files of the site differ
   (count and bytes) — they must be that estate's pages and downloads and what
   aggregates it;
4. **no change**: build once more.

``--warm K`` skips steps 1–2: ``--work`` holds a city an earlier run built (its data, site
and build folders) and K one-estate commits, then K no-change builds, are timed; the run
of median wall time is reported for each (``--diff`` also hashes the site around the first
commit to say which files differ). The cache must come from the same code: any change to
``generator/`` or ``theme/`` makes the next build cold.

``--fresh K``, of a city an earlier run built: what a CI runner pays that restores only
``build/cache`` (``actions/cache``) into a fresh checkout. Before each build the published
site and everything in the build folder but ``cache/`` and its marker are set aside, and
the data is copied to new files at the same path (new inodes and ctimes, as a clone makes);
K builds with no change, then K one-estate commits, each run's median reported.

For each: wall time, CPU (the build and its workers), peak resident memory of the whole
process tree (sampled every 0.2 s: PSS, which counts a page the forked processes share once,
and RSS summed over them), and per-stage wall and CPU as the build reports them.
Printed as a table and written to benchmarks/results/<date>-build-<n>.json. Speed targets
live here, never in the tests: this prints numbers, it asserts nothing. Search figures
(first-query bytes, recall) are benchmarks/bench_search.py's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth_city  # noqa: E402

AS_OF = "2026-11-20"
SITE_URL = "https://sunlight.example.org/"
STAGE = re.compile(r"(\w+) ([\d.]+) s wall / ([\d.]+) s cpu")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of the process tree in bytes. RSS counts a page shared by forked
    processes once in each of them; PSS divides it among them, so the tree's PSS is what
    it really holds (the workers and the search indexers are forks of the build)."""
    rss = pss = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss += int(match.group(1)) * 1024 if match else 0
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            rollup = ""
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        pss += int(match.group(1)) * 1024 if match else 0
    return rss, pss


class Sampler(threading.Thread):
    """Peak resident memory of a process and everything it starts."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_pss = pid, 0, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            rss, pss = _memory(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)


def build(data: Path, work: Path) -> dict:
    sunlight = Path(sys.executable).parent / "sunlight"
    cmd = [
        str(sunlight), "build", str(data), "--site-dir", str(work / "site"),
        "--build-dir", str(work / "build"), "--as-of", AS_OF, "--site-url", SITE_URL,
        "--stages",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The machine is shared: the load average says how much else was running.
    load_before = os.getloadavg()
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.monotonic() - started
    sampler.stopped.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{err[-3000:]}")
    last = err.strip().splitlines()[-1]
    stages = {
        m.group(1): {"wall": float(m.group(2)), "cpu": float(m.group(3))}
        for m in STAGE.finditer(last)
    }
    counts = re.search(r"(\d+) computed, (\d+) from the cache", last)
    kept = re.search(r"(\d+) of them kept as published", last)
    unread = re.search(r"(\d+) not read again", last)
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
        # Apart: the kernel's share (creating 560,000 files and folders at 16,000 estates)
        # moves with the disk's state from run to run more than the build's own work does.
        "user_s": round(after.ru_utime - before.ru_utime, 1),
        "sys_s": round(after.ru_stime - before.ru_stime, 1),
        "peak_rss_mb": round(sampler.peak / 2**20),
        "peak_pss_mb": round(sampler.peak_pss / 2**20),
        "computed": int(counts.group(1)) if counts else None,
        "cached": int(counts.group(2)) if counts else None,
        "kept": int(kept.group(1)) if kept else None,
        "unread": int(unread.group(1)) if unread else None,
        "stages": stages,
        "load_avg_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }


def site_hashes(site: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for root, _, files in os.walk(site):
        for name in files:
            path = Path(root) / name
            data = path.read_bytes()
            out[path.relative_to(site).as_posix()] = (hashlib.sha1(data).hexdigest(), len(data))
    return out


def difference(before: dict, after: dict) -> dict:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    kinds: dict[str, int] = {}
    for path in changed:
        parts = path.split("/")
        kind = "/".join(parts[:2]) if parts[0] in ("estates", "districts") else parts[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "files": len(changed),
        "bytes": sum((after.get(k) or before.get(k))[1] for k in changed),
        "by_place": kinds,
    }


def _set_aside(folder: Path, trash: Path) -> None:
    """Move an earlier run's folder out of the way, to be deleted after the timed builds.

    Deleted just before the cold build, its 558,000 files (at 16,000 estates) slow that
    build's own file creation: on an ext4 without a journal (this machine's disk) the
    kernel's inode allocator steps over every inode freed in the last minute (six while
    its table block is unwritten) rather than reuse it (``recently_deleted`` in
    fs/ext4/ialloc.c). perf put 10 % of a 2,000-estate build there after an ``rm -rf``;
    its system time was 15-23 s built at once, 10.6-11.4 s after a wait. A CI runner's
    fresh checkout deletes nothing first; a rename frees no inode.
    """
    if folder.exists():
        trash.mkdir(exist_ok=True)
        folder.rename(trash / folder.name)


def touch_one_estate(data: Path) -> str:
    folder = sorted((data / "estates").iterdir())[len(list((data / "estates").iterdir())) // 2]
    path = folder / "evaluations.csv"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("summary")] += "（已复核）"
    lines[1] = ",".join(cells) + "\n"
    path.write_text("".join(lines), "utf-8")
    return folder.name


def table(result: dict) -> str:
    rows = [
        "| | wall | CPU (user + sys) | peak memory (PSS / RSS) | computed / cached / not read | load (1 min) before / after |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("cold", "one_estate", "no_change"):
        if name not in result:
            continue
        r = result[name]
        load = " / ".join(str(x) for x in r.get("load_avg_1min", []))
        rows.append(
            f"| {name} | {r['wall_s']} s | {r['cpu_s']} s ({r.get('user_s')} + {r.get('sys_s')}) |"
            f" {r.get('peak_pss_mb')} / {r['peak_rss_mb']} MB | "
            f"{r['computed']} / {r['cached']} / {r.get('unread')} | {load} |"
        )
    for name in ("one_estate", "no_change"):
        stages = ", ".join(f"{k} {v['wall']} s" for k, v in result[name]["stages"].items())
        rows.append(f"\n{name}, by stage (wall): {stages}")
    if "cold" in result:
        rows += ["", "| stage (cold) | wall | CPU |", "|---|---|---|"]
        for stage, v in result["cold"]["stages"].items():
            rows.append(f"| {stage} | {v['wall']} s | {v['cpu']} s |")
    for name, runs in result.get("warm_runs", {}).items():
        rows.append(f"\n{name}, every run (wall): {', '.join(str(r['wall_s']) for r in runs)} s")
    d = result["one_estate"].get("changed")
    if d:
        rows += [
            "",
            f"one estate's commit ({result['one_estate']['estate']}): {d['files']} files, "
            f"{d['bytes'] / 1e6:.2f} MB differ: {d['by_place']}",
            f"site: {result['site']['files']} files, {result['site']['bytes'] / 1e9:.2f} GB",
        ]
    return "\n".join(rows)


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def warm(data: Path, work: Path, runs: int, diff: bool, result: dict) -> None:
    """``runs`` one-estate commits, then ``runs`` no-change builds, of a city already built."""
    before = site_hashes(work / "site") if diff else None
    commits = []
    for i in range(runs):
        estate = touch_one_estate(data)
        print(f"one estate changed ({estate}), run {i + 1} …", file=sys.stderr)
        commits.append(build(data, work) | {"estate": estate})
        if before is not None:
            after = site_hashes(work / "site")
            commits[-1]["changed"] = difference(before, after)
            result["site"] = {"files": len(after), "bytes": sum(s for _, s in after.values())}
            before = None
    unchanged = []
    for i in range(runs):
        print(f"no change, run {i + 1} …", file=sys.stderr)
        unchanged.append(build(data, work))
    result["warm_runs"] = {"one_estate": commits, "no_change": unchanged}
    result["one_estate"], result["no_change"] = _median_run(commits), _median_run(unchanged)
    if diff:
        result["one_estate"]["changed"] = commits[0]["changed"]


def _as_a_fresh_runner(data: Path, work: Path, trash: Path) -> None:
    """Leave ``work`` as a fresh checkout with only the build cache restored."""
    trash.mkdir(exist_ok=True)
    for folder in (work / "site", *(work / "build").iterdir()):
        if folder.exists() and folder.name not in ("cache", ".sunlight-build"):
            folder.rename(trash / f"{folder.name}-{time.monotonic_ns()}")
    aside = trash / f"data-{time.monotonic_ns()}"
    data.rename(aside)
    shutil.copytree(aside, data, symlinks=True)


def fresh(data: Path, work: Path, runs: int, result: dict) -> str:
    """``runs`` builds with no change, then ``runs`` one-estate commits, each on a fresh
    runner; a table of them."""
    if not (work / "site").is_dir() or not (work / "build" / "cache").is_dir():
        raise SystemExit(f"{work} holds no built city: run without --fresh first")
    trash = work / f".old-{os.getpid()}"
    runs_of: dict[str, list] = {"fresh_no_change": [], "fresh_one_estate": []}
    for i in range(runs):
        _as_a_fresh_runner(data, work, trash)
        print(f"fresh runner, no change, run {i + 1} …", file=sys.stderr)
        runs_of["fresh_no_change"].append(build(data, work))
    for i in range(runs):
        estate = touch_one_estate(data)
        _as_a_fresh_runner(data, work, trash)
        print(f"fresh runner, one estate changed ({estate}), run {i + 1} …", file=sys.stderr)
        runs_of["fresh_one_estate"].append(build(data, work) | {"estate": estate})
    result["fresh_runs"] = runs_of
    rows = [
        "| fresh runner | wall (median) | every run | CPU | computed / cached |",
        "|---|---|---|---|---|",
    ]
    by_stage = []
    for name, done in runs_of.items():
        median = result[name] = _median_run(done)
        rows.append(
            f"| {name} | {median['wall_s']} s | {', '.join(str(r['wall_s']) for r in done)} s |"
            f" {median['cpu_s']} s | {median['computed']} / {median['cached']} |"
        )
        stages = ", ".join(f"{k} {v['wall']} s" for k, v in median["stages"].items())
        by_stage.append(f"\n{name}, by stage (wall): {stages}")
    rows += by_stage
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=16_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="default /tmp/sunlight-city-N")
    parser.add_argument("--reuse-data", action="store_true", help="keep --work/data if there")
    parser.add_argument(
        "--warm", type=int, default=0, metavar="K",
        help="no cold build: K one-estate commits and K no-change builds of --work's city",
    )  # fmt: skip
    parser.add_argument("--diff", action="store_true", help="with --warm: files that differ")
    parser.add_argument(
        "--fresh", type=int, default=0, metavar="K",
        help="no cold build: K no-change builds and K commits of --work's city, each as a CI "
        "runner that restored only build/cache",
    )  # fmt: skip
    args = parser.parse_args(argv)
    work = args.work or Path(f"/tmp/sunlight-city-{args.n}")
    data = work / "data"
    result: dict = {
        "n": args.n,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    if args.fresh:
        print(fresh(data, work, args.fresh, result))
        out = HERE / "results" / f"{result['date']}-build-{args.n}-fresh.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)
        trash = work / f".old-{os.getpid()}"
        # Four sites' worth of files at 16,000 estates: minutes to delete.
        print(f"deleting what was set aside ({trash.name}) …", file=sys.stderr)
        shutil.rmtree(trash, ignore_errors=True)
        return
    if args.warm:
        warm(data, work, args.warm, args.diff, result)
        print(table(result))
        out = HERE / "results" / f"{result['date']}-build-{args.n}-warm.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)
        return
    trash = work / f".old-{os.getpid()}"
    if not (args.reuse_data and (data / "estates").is_dir()):
        started = time.monotonic()
        print(f"writing {args.n} estates into {data} …", file=sys.stderr)
        _set_aside(data, trash)
        synth_city.write_city(data, args.n, args.seed)
        result["generate_s"] = round(time.monotonic() - started, 1)
    for folder in ("site", "build"):
        _set_aside(work / folder, trash)
    print("cold build …", file=sys.stderr)
    result["cold"] = build(data, work)
    before = site_hashes(work / "site")
    result["site"] = {"files": len(before), "bytes": sum(size for _, size in before.values())}
    estate = touch_one_estate(data)
    print(f"one estate changed ({estate}) …", file=sys.stderr)
    result["one_estate"] = build(data, work) | {"estate": estate}
    result["one_estate"]["changed"] = difference(before, site_hashes(work / "site"))
    print("no change …", file=sys.stderr)
    result["no_change"] = build(data, work)
    print(table(result))
    out = HERE / "results" / f"{result['date']}-build-{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)
    print(f"deleting the earlier run's folders ({trash.name}) …", file=sys.stderr)
    shutil.rmtree(trash, ignore_errors=True)


if __name__ == "__main__":
    main()
