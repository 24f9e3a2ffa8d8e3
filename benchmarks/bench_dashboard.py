#!/usr/bin/env python3
"""The city reduce at 16,000 estates, from summaries only: the dashboard's sizes and times.

    .venv/bin/python benchmarks/bench_dashboard.py --n 16000

1. write a small synthetic city (benchmarks/synth_city.py, ``--sample`` estates) and
   compute each estate's real summary in this process (load → validate → model →
   summarise, as a build's worker does), with the synthetic city's district packages
   (so some estates are supervised);
2. clone those summaries to ``--n`` estates: new ids and names, one company per five
   estates; the districts and streets of the synthetic city, or (``--source repo``, the
   repository's 8 estates) spread over the 16 districts, about 75 estates a street;
3. take the site frame from a real ``sunlight build`` of the repository's data (the
   MkDocs-built shell every page is rendered into);
4. time ``make_site`` and ``render_aggregates`` (home, directory, 质价, the dashboard,
   district and street pages, digests, companies) and, separately, the dashboard alone;
   print the sizes of ``overview/estates.json`` (raw and gzip), the CSV and the xlsx, the
   number of files and bytes, and the peak memory of this process.

Printed as a table and written to benchmarks/results/<date>-dashboard-<n>.json. It asserts
nothing; no full 16,000-estate build is run (benchmarks/bench_build.py does that).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import synth_city  # noqa: E402

from generator.config import load_rules_config  # noqa: E402
from generator.districts import check_districts  # noqa: E402
from generator.load import load_package, load_schemas  # noqa: E402
from generator.model import build_estate  # noqa: E402
from generator.outputs import dashboard, render  # noqa: E402
from generator.outputs import frame as frame_mod  # noqa: E402
from generator.pipeline import _cached_frame, summaries  # noqa: E402
from generator.places import DISTRICT_SLUGS  # noqa: E402
from generator.validate import validate_package  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
SITE_URL = "https://sunlight.example.org/"


def sample_summaries(data: Path, district_data) -> list:
    schemas = load_schemas(REPO / "data" / "schemas")
    rules = load_rules_config(REPO / "data")
    out = []
    for folder in sorted((data / "estates").iterdir()):
        pkg = load_package(folder, data, schemas)
        findings, tables = validate_package(pkg, AS_OF, rules, data)
        if not tables or not tables.get("estate"):
            continue
        estate = build_estate(
            folder.name,
            folder,
            tables,
            findings,
            AS_OF,
            rules,
            supervision=district_data.supervision_of(folder.name),
        )
        out.append(summaries.summarise(estate))
    return out


def clone(base: list, n: int, spread: bool) -> list:
    """``n`` copies of ``base``; with ``spread``, over Shanghai's 16 districts and about
    75 estates a street (the city has some 215 streets and towns for 16,000 estates)."""
    districts = list(DISTRICT_SLUGS.items())
    streets_per_district = max(1, n // 75 // len(districts))
    out = []
    for i in range(n):
        s = base[i % len(base)]
        group = i // len(base)
        place = {}
        if spread:
            name, slug = districts[i % len(districts)]
            street = (i // len(districts)) % streets_per_district
            place = {"district": name, "district_slug": slug, "street": f"第{street + 1:02d}街道"}
        out.append(
            dataclasses.replace(
                s,
                **place,
                id=f"{s.id}-{group}",
                name=f"{s.name}{group}",
                credit_code=f"91310000{i // 5:010d}" if s.credit_code else None,
                company_name=f"{s.company_name}{i // 5}" if s.company_name else None,
            )
        )
    return sorted(out, key=lambda s: s.id)


def real_frame(work: Path):
    """The frame of a real build of the repository's data (its MkDocs cache entry)."""
    build = work / "build"
    subprocess.run(
        [str(Path(sys.executable).parent / "sunlight"), "build", str(REPO / "data"),
         "--site-dir", str(work / "site"), "--build-dir", str(build),
         "--as-of", AS_OF.isoformat(), "--site-url", SITE_URL],
        cwd=REPO, check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    (entry,) = build.glob("cache/*/mkdocs/*")
    frame = _cached_frame(entry, work / "staging", frame_mod)
    assert frame is not None, "no frame in the build's cache"
    return frame


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16000)
    parser.add_argument("--sample", type=int, default=200, help="estates computed for real")
    parser.add_argument(
        "--source",
        choices=("synth", "repo"),
        default="synth",
        help="where the real summaries come from: a synthetic city, or the repository's data",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        if args.source == "synth":
            synth_city.write_city(work / "data", n=args.sample, seed=1)
            data = work / "data"
        else:
            data = REPO / "data"
        # The city's own district packages (listings, pools), if it has them.
        _, district_data = check_districts(data, AS_OF, load_rules_config(REPO / "data"))
        base = sample_summaries(data, district_data)
        t_sample = time.perf_counter() - t0
        city = clone(base, args.n, spread=args.source == "repo")
        encoded = sum(len(summaries.dumps(s)) for s in city)
        frame = real_frame(work)

        t0 = time.perf_counter()
        site = render.make_site(city, AS_OF, SITE_URL)
        site.district_data = district_data
        t_site = time.perf_counter() - t0
        t0 = time.perf_counter()
        files = render.render_aggregates(site, frame)
        t_reduce = time.perf_counter() - t0
        env = render._environment(render.THEME_DIR)
        t0 = time.perf_counter()
        mine = dashboard.render_dashboard(site, frame, env)
        t_dashboard = time.perf_counter() - t0

    data_file = files["overview/estates.json"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "n": args.n,
        "source": args.source,
        "sample_estates": len(base),
        "sample_seconds": round(t_sample, 1),
        "summaries_json_mb": round(encoded / 1e6, 1),
        "make_site_seconds": round(t_site, 2),
        "render_aggregates_seconds": round(t_reduce, 1),
        "dashboard_seconds": round(t_dashboard, 1),
        "files": len(files),
        "files_mb": round(sum(len(v) for v in files.values()) / 1e6, 1),
        "dashboard_files": len(mine),
        "estates_json_bytes": len(data_file),
        "estates_json_gzip_bytes": len(gzip.compress(data_file, 9)),
        "bytes_per_estate": round(len(data_file) / args.n, 1),
        "estates_csv_bytes": len(files["overview/estates.csv"]),
        "estates_xlsx_bytes": len(files["overview/estates.xlsx"]),
        "largest_pages_kb": dict(
            sorted(
                ((k, round(len(v) / 1024, 1)) for k, v in files.items() if k.endswith(".html")),
                key=lambda kv: -kv[1],
            )[:5]
        ),
        "largest_pages_gzip_kb": {
            k: round(len(gzip.compress(files[k], 6)) / 1024, 1)
            for k in sorted(
                (k for k in files if k.endswith(".html")), key=lambda k: -len(files[k])
            )[:5]
        },
        "peak_rss_mb": round(peak_mb),
    }
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{result['date']}-dashboard-{args.n}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"written {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


if __name__ == "__main__":
    main()
