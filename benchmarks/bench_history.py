#!/usr/bin/env python3
"""Time the change log (generator/history.py) at city scale: N estates × C commits.

    .venv/bin/python benchmarks/bench_history.py --n 16000 --commits 20

Writes a synthetic repository with ``git fast-import`` (the first commit adds every
estate, made by ``synth_city.make_estate``: about 17 schema-valid CSVs and 45 KB each,
like the sample estates; each later commit changes a few cells in ``--changes`` estates),
then measures ``read_history`` three times, each in a fresh Python process so its peak
memory is its own:

1. **cold**: no history cache yet (a first build, or a changed schema or takedown list),
   which then writes it;
2. **warm**: the cache of run 1, no new commit;
3. **one commit**: after one more commit touching one estate.

Prints wall time, CPU time (this Python process's, and its children's: git, and the
process that shares a long read) and peak resident memory (this process, and its largest
child), and writes
``benchmarks/results/<date>-history-<n>x<commits>.json``. The repository is kept in
``--work`` (default /tmp/sunlight-bench-history) and reused when its parameters match.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "LC_ALL": "C",
}
START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


# ---------------------------------------------------------------------------------------
# The repository
# ---------------------------------------------------------------------------------------


def _package(who) -> tuple[str, dict[str, bytes]]:
    """One estate's files, exactly as synth_city.write_package writes them."""
    import synth_city

    sd = synth_city.sd
    spec, tables = synth_city.make_estate(who)
    files: dict[str, bytes] = {}
    lines = [f"name: {spec.estate_id}", f"title: {spec.name}", "resources:"]
    for name in sd.RESOURCES:
        if name not in tables:
            continue
        fields = synth_city._FIELDS.get(name) or synth_city._FIELDS.setdefault(
            name, sd.schema_fields(name)
        )
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for row in tables[name]:
            writer.writerow(sd.cell(row[k]) for k in fields)
        files[f"{name}.csv"] = out.getvalue().encode("utf-8")
        lines += [
            f"  - name: {name}",
            f"    path: {name}.csv",
            f"    schema: ../../schemas/{name}.schema.yaml",
        ]
    files["datapackage.yaml"] = ("\n".join(lines) + "\n").encode("utf-8")
    return who.estate_id, files


def _primary_keys() -> dict[str, list[str]]:
    import yaml

    keys = {}
    for path in sorted((ROOT / "data" / "schemas").glob("*.schema.yaml")):
        schema = yaml.safe_load(path.read_text("utf-8"))
        key = schema.get("primaryKey") or []
        keys[path.name.removesuffix(".schema.yaml")] = [key] if isinstance(key, str) else key
    return keys


def _bump(data: bytes, key_columns: list[str], rng: random.Random) -> bytes | None:
    """The same table with one number in one row changed (a corrected figure), or None
    when the table has no number outside its key."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if len(rows) < 2:
        return None
    header, body = rows[0], rows[1:]
    candidates = []
    for r, row in enumerate(body):
        for c, value in enumerate(row):
            if header[c] in key_columns or header[c].endswith(("_date", "_no", "year")):
                continue
            try:
                number = Decimal(value)
            except InvalidOperation:
                continue
            if number.is_finite():
                candidates.append((r, c, number))
    if not candidates:
        return None
    r, c, number = rng.choice(candidates)
    places = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
    body[r][c] = f"{number + 1:.{places}f}"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode("utf-8")


def _data(out, payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def _commit_header(out, seq: int, message: str, parent: str | None) -> None:
    stamp = int((START + dt.timedelta(days=seq)).timestamp())
    out.write(b"commit refs/heads/main\n")
    out.write(b"mark :%d\n" % (seq + 1))
    out.write(b"committer Bench <bench@example.org> %d +0800\n" % stamp)
    _data(out, message.encode("utf-8"))
    if parent:
        out.write(f"from {parent}\n".encode())


def change_estates(
    city: dict[str, dict[str, bytes]], chosen: list[str], rng: random.Random, keys
) -> dict[str, dict[str, bytes]]:
    """For each chosen estate, one or two of its tables with a number changed."""
    changed: dict[str, dict[str, bytes]] = {}
    for estate_id in chosen:
        files = city[estate_id]
        tables = sorted(n for n in files if n.endswith(".csv") and n != "estate.csv")
        for name in rng.sample(tables, rng.choice((1, 1, 2))):
            new = _bump(files[name], keys.get(name.removesuffix(".csv"), []), rng)
            if new is not None:
                files[name] = new
                changed.setdefault(estate_id, {})[name] = new
    return changed


def make_repository(work: Path, n: int, commits: int, changes: int, seed: int) -> dict:
    """Write the repository with git fast-import; return what it holds."""
    import synth_city

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, env=GIT_ENV)
    started = time.monotonic()
    people = synth_city.identities(n, seed)
    keys = _primary_keys()
    rng = random.Random(seed)
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=work,
        stdin=subprocess.PIPE,
        env=GIT_ENV,
    )
    out = importer.stdin
    city: dict[str, dict[str, bytes]] = {}
    total_bytes = 0
    _commit_header(out, 0, f"导入 {n} 个小区", None)
    with multiprocessing.Pool(2) as pool:
        for estate_id, files in pool.imap(_package, people, chunksize=50):
            city[estate_id] = files
            for name, payload in files.items():
                out.write(f"M 100644 inline data/estates/{estate_id}/{name}\n".encode())
                _data(out, payload)
                total_bytes += len(payload)
    generated = time.monotonic() - started
    ids = sorted(city)
    for seq in range(1, commits):
        chosen = rng.sample(ids, min(changes, len(ids)))
        changed = change_estates(city, chosen, rng, keys)
        _commit_header(out, seq, f"第 {seq} 次更新", f":{seq}")
        for estate_id in sorted(changed):
            for name, payload in sorted(changed[estate_id].items()):
                out.write(f"M 100644 inline data/estates/{estate_id}/{name}\n".encode())
                _data(out, payload)
    out.write(b"done\n")
    out.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=work, env=GIT_ENV)
    files = sum(len(f) for f in city.values())
    return {
        "estates": n,
        "commits": commits,
        "estates_changed_per_commit": changes,
        "files_in_first_commit": files,
        "mb_in_first_commit": round(total_bytes / 1e6, 1),
        "files_per_estate": round(files / n, 1),
        "seconds_to_write": round(time.monotonic() - started, 1),
        "seconds_to_generate_estates": round(generated, 1),
    }


def add_one_commit(work: Path, seed: int) -> str:
    """One more commit: one estate's fees.csv (a price corrected)."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, env=GIT_ENV, capture_output=True, text=True
    ).stdout.strip()
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD", "data/estates/"],
        cwd=work,
        env=GIT_ENV,
        capture_output=True,
        text=True,
    ).stdout.split()
    estate = random.Random(seed).choice(sorted(listing)).rsplit("/", 1)[-1]
    path = f"data/estates/{estate}/fees.csv"
    old = subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=work, env=GIT_ENV, capture_output=True
    ).stdout
    new = _bump(old, ["fee_id"], random.Random(seed)) or old + b"\n"
    count = int(
        subprocess.run(
            ["git", "rev-list", "--count", "HEAD"],
            cwd=work,
            env=GIT_ENV,
            capture_output=True,
            text=True,
        ).stdout
    )
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=work, stdin=subprocess.PIPE, env=GIT_ENV
    )
    _commit_header(importer.stdin, count, f"{estate} 收费标准更正", head)
    importer.stdin.write(f"M 100644 inline {path}\n".encode())
    _data(importer.stdin, new)
    importer.stdin.write(b"done\n")
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    return estate


# ---------------------------------------------------------------------------------------
# Measuring (in a child process: `bench_history.py --measure <work> <cache>`)
# ---------------------------------------------------------------------------------------


def measure(work: Path, cache: Path | None, profile: Path | None) -> dict:
    from generator.history import read_history
    from generator.load import load_schemas
    from generator.privacy import Guard

    schemas = load_schemas(ROOT / "data" / "schemas")
    guard = Guard()
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        history = profiler.runcall(
            read_history, work, work / "data" / "estates", schemas, guard=guard, cache_dir=cache
        )
        profiler.dump_stats(profile)
    else:
        history = read_history(
            work, work / "data" / "estates", schemas, guard=guard, cache_dir=cache
        )
    wall = time.perf_counter() - wall0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    entries = sum(len(v) for v in history.estates.values())
    cache_files = sorted(cache.rglob("*")) if cache and cache.exists() else []
    return {
        "wall_s": round(wall, 2),
        "python_cpu_s": round(
            (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime), 2
        ),
        # git's processes, and on a long read the second Python process that describes
        # half of the estates (generator.history.PARALLEL_STEPS).
        "children_cpu_s": round(children.ru_utime + children.ru_stime, 2),
        # ru_maxrss is in KiB on Linux; the Python process includes the interpreter and
        # the schemas (about 40 MB before reading any history).
        "peak_rss_mb": round(self1.ru_maxrss / 1024, 1),
        "peak_rss_largest_child_mb": round(children.ru_maxrss / 1024, 1),
        "available": history.available,
        "estates": len(history.estates),
        "entries": entries,
        "cache_mb": round(sum(p.stat().st_size for p in cache_files if p.is_file()) / 1e6, 1),
    }


def run_measure(work: Path, cache: Path | None, profile: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--measure", str(work)]
    if cache:
        command += ["--cache", str(cache)]
    if profile:
        command += ["--profile", str(profile)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=16_000, help="estates (16000)")
    parser.add_argument("--commits", type=int, default=20, help="commits (20)")
    parser.add_argument("--changes", type=int, default=300, help="estates per later commit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sunlight-bench-history"))
    parser.add_argument("--profile", type=Path, help="cProfile the cold read into this file")
    parser.add_argument("--no-save", action="store_true", help="do not write a result file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.cache, args.profile)))
        return

    work = args.work
    params = {"n": args.n, "commits": args.commits, "changes": args.changes, "seed": args.seed}
    stamp = work / ".bench-params.json"
    if stamp.is_file() and json.loads(stamp.read_text())["params"] == params:
        repository = json.loads(stamp.read_text())["repository"]
        subprocess.run(
            ["git", "update-ref", "refs/heads/main", repository["head"]], cwd=work, env=GIT_ENV
        )
        print(f"reusing the repository in {work}", flush=True)
    else:
        print(f"writing {args.n} estates × {args.commits} commits into {work} …", flush=True)
        repository = make_repository(work, args.n, args.commits, args.changes, args.seed)
        repository["head"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=work, env=GIT_ENV, capture_output=True, text=True
        ).stdout.strip()
        stamp.write_text(json.dumps({"params": params, "repository": repository}))
        print(json.dumps(repository, ensure_ascii=False), flush=True)
    repository["git_objects_mb"] = round(
        sum(p.stat().st_size for p in (work / ".git" / "objects").rglob("*") if p.is_file()) / 1e6,
        1,
    )

    cache = work.parent / (work.name + "-cache")
    if cache.exists():
        shutil.rmtree(cache)
    runs = {}
    if args.profile:
        runs["cold_profiled_no_cache"] = run_measure(work, None, args.profile)
        print("cold, profiled:     ", runs["cold_profiled_no_cache"], flush=True)
    runs["cold"] = run_measure(work, cache)
    print("cold (writes cache):", runs["cold"], flush=True)
    runs["warm_no_new_commit"] = run_measure(work, cache)
    print("warm, no commit:    ", runs["warm_no_new_commit"], flush=True)
    estate = add_one_commit(work, args.seed)
    runs["one_more_commit"] = run_measure(work, cache)
    runs["one_more_commit"]["estate"] = estate
    print("one more commit:    ", runs["one_more_commit"], flush=True)
    # The repository as generated again, for the next run.
    subprocess.run(
        ["git", "update-ref", "refs/heads/main", repository["head"]], cwd=work, env=GIT_ENV
    )

    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "repository": repository,
        "runs": runs,
    }
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{result['date']}-history-{args.n}x{args.commits}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
