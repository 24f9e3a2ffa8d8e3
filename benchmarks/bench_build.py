#!/usr/bin/env python3
"""Build a synthetic city and print what it costs: time, memory, size, and search.

    .venv/bin/python benchmarks/bench_build.py --n 1000          # about 15 minutes
    .venv/bin/python benchmarks/bench_build.py                   # 10,000 estates
    .venv/bin/python benchmarks/bench_build.py --n 1000 --no-build --no-browser --material-search
    .venv/bin/python benchmarks/bench_build.py --n 10000 --from-site /tmp/sunlight-city-1000

Steps: write the city (benchmarks/synth_city.py) into --work, run the real
``sunlight build`` on it, then serve the site on 127.0.0.1 and search it in headless
Chromium through the header's search box, as a reader would. Printed at the end as a table
and written to benchmarks/results/<date>-<n>[-cloned|-nobuild].json:

* wall time of each build stage (validate, render, MkDocs, search index) and in total;
  peak memory (resident set) of the build's process tree, overall and per stage;
* site size (bytes, files, HTML pages) and the search payload: Pagefind's bundle, its
  index chunks and fragments; with --material-search also Material's search_index.json
  (MkDocs run again on the rendered pages with Material's search plugin, for comparison);
* bytes a first query fetches (fresh browser, page already loaded) for a few queries,
  as served (no compression) and as gzip would send the scripts;
* ranking: for --queries random estates, a random 2–4 character fragment of the name,
  and the rank of that estate among the results; the share in the top 3 is given for
  all fragments and for those that no more than three estate names contain (a fragment
  in 200 names, such as 新村, cannot put every one of them in the top 3; for those the
  check is that the top 3 are estates whose names contain it);
* the number of results for 物业, 维修, 公示.

Speed targets live here, never in the tests: this prints numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import platform
import random
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
sys.path.insert(0, str(REPO))

import synth_city  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AS_OF = "2026-11-20"
WORDS = ("物业", "维修", "公示")
# Markers `sunlight build` prints on stderr when a stage starts.
STAGES = [
    ("validate", "1/4"),
    ("render", "2/4"),
    ("mkdocs", "3/4"),
    ("search", "搜索索引"),  # printed when the index is done: MkDocs ends where it starts
    ("done", "4/4"),
]


# ---------------------------------------------------------------------------------------
# Memory: the resident set of the build's whole process tree, sampled twice a second
# ---------------------------------------------------------------------------------------


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


def _rss(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) * 1024 if match else 0
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stage, self.peak = pid, "start", {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            rss = _rss(self.pid)
            self.peak[self.stage] = max(self.peak.get(self.stage, 0), rss)


# ---------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------


def material_search(work: Path) -> dict:
    """Material's own search, for comparison: MkDocs alone, on the pages the last build of
    ``work`` rendered (build/docs), with the search plugin switched back on as it was before
    Pagefind. Writes ``work/site-material``; returns time, peak memory and index size."""
    import yaml

    config = yaml.safe_load((work / "build" / "mkdocs.yml").read_text("utf-8"))
    config["plugins"] = [
        {"search": {"lang": ["en", "zh"], "separator": r"[\s\u200b\u3000\-、。，．？！；]+"}}
    ]
    path = work / "build" / "mkdocs-material-search.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    out = work / "site-material"
    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795132800")
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(path), "-d", str(out)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    sampler.stage = "mkdocs"
    sampler.start()
    _, err = proc.communicate()
    sampler.stopped.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"mkdocs failed:\n{err.decode()[-3000:]}")
    index = out / "search" / "search_index.json"
    body = index.read_bytes()
    return {
        "mkdocs_with_material_search_seconds": round(time.monotonic() - started, 1),
        "mkdocs_with_material_search_peak_rss_mb": round(sampler.peak.get("mkdocs", 0) / 2**20),
        "material_search_index_mb": round(len(body) / 1e6, 1),
        "material_search_index_gzip_mb": round(len(gzip.compress(body, 6)) / 1e6, 1),
    }


def build(data: Path, work: Path, config: Path) -> dict:
    site, build_dir = work / "site", work / "build"
    for folder in (site, build_dir):
        if folder.exists():
            shutil.rmtree(folder)
    # `sunlight build`, from this checkout (PYTHONPATH) whatever the venv has installed.
    cmd = [
        sys.executable, "-c", "from generator.cli import main; main()", "build", str(data), "--site-dir", str(site), "--build-dir",
        str(build_dir), "--as-of", AS_OF, "--site-url", "https://sunlight.example.org/",
        "--config-file", str(config),
    ]  # fmt: skip
    env = dict(os.environ, SUNLIGHT_DEBUG="1", PYTHONPATH=str(REPO))
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        cmd, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env
    )
    sampler = Sampler(proc.pid)
    sampler.start()
    marks: dict[str, float] = {}
    tail: list[str] = []
    # The progress bar writes \r; read stderr as it comes and split on both.
    buffer = ""
    while chunk := os.read(proc.stderr.fileno(), 65536):
        buffer += chunk.decode("utf-8", "replace")
        *lines, buffer = re.split(r"[\r\n]", buffer)
        for line in lines:
            if line.strip():
                tail = (tail + [line])[-40:]
            for stage, marker in STAGES:
                if marker in line and stage not in marks:
                    marks[stage] = time.monotonic() - started
                    sampler.stage = stage
    code = proc.wait()
    total = time.monotonic() - started
    sampler.stopped.set()
    sampler.join()
    if code != 0:
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"sunlight build failed ({code})")
    # Each stage runs from its marker to the next one's; the search index is reported
    # when it is done, with its own time, so MkDocs is the rest of that span.
    order = [s for s, _ in STAGES]
    seconds = {}
    for i, stage in enumerate(order[:-1]):
        if stage in marks:
            nxt = next((marks[s] for s in order[i + 1 :] if s in marks), total)
            seconds[stage] = round(nxt - marks[stage], 1)
    seconds.pop("search", None)  # from "index done" to "done": the swap, not the index
    match = re.search(r"in ([\d.]+) s", next((x for x in tail if "搜索索引" in x), ""))
    if match and "mkdocs" in marks and "search" in marks:
        seconds["search"] = float(match.group(1))
        seconds["mkdocs"] = round(marks["search"] - marks["mkdocs"] - seconds["search"], 1)
    seconds["total"] = round(total, 1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time says more than wall time on a machine that is busy with other work.
    seconds["cpu_total"] = round(
        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
    )
    peak_children = after.ru_maxrss * 1024
    return {
        "seconds": seconds,
        "peak_rss_mb": round(max(sampler.peak.values(), default=0) / 2**20),
        "peak_rss_mb_by_stage": {k: round(v / 2**20) for k, v in sampler.peak.items()},
        "peak_single_process_mb": round(peak_children / 2**20),
    }


def site_figures(site: Path) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    bundle = site / "pagefind"
    out = {
        "site_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "site_files": len(files),
        "html_pages": sum(1 for p in files if p.suffix == ".html"),
    }
    if bundle.is_dir():
        pf = [p for p in bundle.rglob("*") if p.is_file()]
        out |= {
            "pagefind_bundle_mb": round(sum(p.stat().st_size for p in pf) / 1e6, 1),
            "pagefind_index_chunks": sum(1 for p in pf if p.suffix == ".pf_index"),
            "pagefind_index_mb": round(
                sum(p.stat().st_size for p in pf if p.suffix == ".pf_index") / 1e6, 2
            ),
            "pagefind_fragments": sum(1 for p in pf if p.suffix == ".pf_fragment"),
            "pagefind_fragments_mb": round(
                sum(p.stat().st_size for p in pf if p.suffix == ".pf_fragment") / 1e6, 1
            ),
            "pagefind_largest_chunk_kb": round(
                max((p.stat().st_size for p in pf if p.suffix == ".pf_index"), default=0) / 1e3
            ),
        }
    return out


# ---------------------------------------------------------------------------------------
# A bigger site from a smaller one, for the search figures when a full build is too slow
# ---------------------------------------------------------------------------------------


def _profile(data: Path, estate_id: str) -> dict:
    with open(data / "estates" / estate_id / "estate.csv", encoding="utf-8") as f:
        return next(csv.DictReader(f))


def clone_site(small: Path, out: Path, people) -> dict:
    """Write a site of ``len(people)`` estates into ``out/site`` from the built city in
    ``small`` (its data/ and site/): estate i gets the pages of built estate i mod k with
    the new estate's id, name, district and street written in. Only what search indexes is
    written: the site's own pages and each estate's overview.

    Every page is a real rendering, so Pagefind indexes what it would index at that size;
    the figures (other than names) repeat every k estates, which makes the vocabulary
    smaller than a real city's and the posting lists just as long. Build times are not
    measured this way: see the full build of the smaller city.
    """
    started = time.monotonic()
    site = out / "site"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(
        small / "site",
        site,
        ignore=lambda d, names: ["estates", "pagefind"] if Path(d) == small / "site" else [],
    )
    (site / "estates").mkdir()
    for name in ("index.html",):
        shutil.copyfile(small / "site" / "estates" / name, site / "estates" / name)
    sources = sorted(p.name for p in (small / "site" / "estates").iterdir() if p.is_dir())
    profiles = {s: _profile(small / "data", s) for s in sources}
    for i, who in enumerate(people):
        src = sources[i % len(sources)]
        was = profiles[src]
        pairs = [
            (f"/{src}/", f"/{who.estate_id}/"),
            (was["name"], who.name),
            (was["residents_committee"], f"{who.root}居委会"),
            (was["street"], who.street),
            (was["district"], who.district),
        ]
        # The name tokens of the overview (theme/sunlight/_macros.html) follow the name.
        tokens = re.compile(r"(<span hidden data-pagefind-weight=\"10\">)[^<]*(</span>)")
        new_tokens = "".join(
            "sn" + who.name[j : j + 2].encode().hex() + " " for j in range(len(who.name) - 1)
        )
        # Only the overview: an estate's other pages are not indexed (generator/search.py).
        for page in [small / "site" / "estates" / src / "index.html"]:
            rel = page.relative_to(small / "site" / "estates" / src)
            text = page.read_text("utf-8")
            for before, after in pairs:
                text = text.replace(before, after)
            text = tokens.sub(r"\g<1>" + new_tokens + r"\g<2>", text)
            target = site / "estates" / who.estate_id / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
    seconds = time.monotonic() - started
    from generator.search import index_site

    stats = index_site(site)
    return {"clone_seconds": round(seconds, 1), "search_seconds": round(stats.seconds, 1)}


# ---------------------------------------------------------------------------------------
# Searching in the browser
# ---------------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


SEARCH_JS = """async (term) => {
  const box = document.querySelector('[data-sl-search]');
  const input = box.querySelector('input[name=query]');
  const done = new Promise((resolve) => box.addEventListener('sl-search:done',
      (e) => { if (e.detail.query === term) resolve(e.detail.total); }));
  input.focus();
  input.value = term;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  const total = await done;
  const links = [...box.querySelectorAll('.md-search-result__item a')]
      .map((a) => new URL(a.href).pathname);
  return {total, links};
}"""


def _search(page, term: str) -> dict:
    return page.evaluate(SEARCH_JS, term)


def first_query_bytes(browser, base: str, term: str) -> dict:
    """Bytes fetched from typing ``term`` (page loaded first) to its results on screen."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    fetched: dict[str, bytes] = {}
    foreign: list[str] = []

    def on_response(response):
        if not response.url.startswith(base):
            foreign.append(response.url)
        try:
            fetched[response.url] = response.body()
        except Exception:  # redirects and aborted requests have no body
            fetched[response.url] = b""

    context.on("response", on_response)
    started = time.monotonic()
    result = _search(page, term)
    page.wait_for_load_state("networkidle")
    seconds = time.monotonic() - started
    context.close()
    raw = sum(len(b) for b in fetched.values())
    # What a server that compresses text (GitHub Pages does) would send: Pagefind's own
    # files are gzipped already and go as they are.
    sent = sum(
        len(gzip.compress(b, 6)) if re.search(r"\.(js|json|css)(\?|$)", url) else len(b)
        for url, b in fetched.items()
    )
    return {
        "term": term,
        "results": result["total"],
        "requests": len(fetched),
        "kb_as_served": round(raw / 1e3, 1),
        "kb_gzip": round(sent / 1e3, 1),
        "seconds": round(seconds, 2),
        "foreign_requests": foreign,
    }


def fragments(name: str, rng: random.Random) -> str:
    length = rng.randint(2, min(4, len(name)))
    start = rng.randint(0, len(name) - length)
    return name[start : start + length]


def ranking(browser, base: str, people, queries: int, seed: int) -> dict:
    rng = random.Random(f"bench:{seed}")
    names = [p.name for p in people]
    sample = rng.sample(people, min(queries, len(people)))
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    rows = []
    for who in sample:
        term = fragments(who.name, rng)
        holders = {p.estate_id for p in people if term in p.name}
        result = _search(page, term)
        estates = [
            m.group(1) for link in result["links"] if (m := re.match(r"/estates/([^/]+)/", link))
        ]
        rank = next((i + 1 for i, e in enumerate(estates) if e == who.estate_id), None)
        top3 = [link for link in result["links"][:3]]
        top3_estates = [re.match(r"/estates/([^/]+)/", x) for x in top3]
        rows.append(
            {
                "estate": who.estate_id,
                "name": who.name,
                "term": term,
                "names_containing": len(holders),
                "rank": rank,
                "top3_all_holders": all(m and m.group(1) in holders for m in top3_estates),
            }
        )
    context.close()
    unique = [r for r in rows if r["names_containing"] <= 3]
    shared = [r for r in rows if r["names_containing"] > 3]

    def share(rs, ok):
        return round(sum(1 for r in rs if ok(r)) / len(rs), 3) if rs else None

    del names
    return {
        "queries": len(rows),
        "top3_share_all": share(rows, lambda r: r["rank"] and r["rank"] <= 3),
        "top3_share_unambiguous": share(unique, lambda r: r["rank"] and r["rank"] <= 3),
        "unambiguous_queries": len(unique),
        "top3_are_name_matches_share_ambiguous": share(shared, lambda r: r["top3_all_holders"]),
        "ambiguous_queries": len(shared),
        "misses": [r for r in rows if not (r["rank"] and r["rank"] <= 3)][:15],
    }


def browser_figures(site: Path, people, queries: int, seed: int) -> dict:
    from playwright.sync_api import sync_playwright

    server, base = _serve(site)
    rng = random.Random(f"bench-first:{seed}")
    name_term = fragments(rng.choice(people).name, rng)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                first = [first_query_bytes(browser, base, t) for t in (name_term, *WORDS)]
                ranks = ranking(browser, base, people, queries, seed)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"first_query": first, "ranking": ranks}


# ---------------------------------------------------------------------------------------


def table(result: dict) -> str:
    rows = [("estates", result["n"])]
    rows += [(f"time {k} (s)", v) for k, v in result["build"]["seconds"].items()]
    rows += [("peak RSS, build tree (MB)", result["build"]["peak_rss_mb"])]
    rows += [
        (f"  peak RSS during {k} (MB)", v)
        for k, v in result["build"]["peak_rss_mb_by_stage"].items()
    ]
    rows += [(k.replace("_", " "), v) for k, v in result["site"].items()]
    rows += [(k.replace("_", " "), v) for k, v in result.get("material", {}).items()]
    for q in result.get("browser", {}).get("first_query", []):
        rows.append(
            (
                f"first query {q['term']}",
                f"{q['results']} results, {q['requests']} requests, "
                f"{q['kb_as_served']} KB as served / {q['kb_gzip']} KB gzip, {q['seconds']} s",
            )
        )
    ranks = result.get("browser", {}).get("ranking")
    if ranks:
        for key in (
            "queries",
            "top3_share_all",
            "unambiguous_queries",
            "top3_share_unambiguous",
            "ambiguous_queries",
            "top3_are_name_matches_share_ambiguous",
        ):
            rows.append((f"ranking {key.replace('_', ' ')}", ranks[key]))
    width = max(len(str(k)) for k, _ in rows)
    return "\n".join(f"{str(k):<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="default /tmp/sunlight-city-N")
    parser.add_argument("--queries", type=int, default=200, help="ranking sample size")
    parser.add_argument("--reuse-data", action="store_true", help="keep --work/data if there")
    parser.add_argument("--no-build", action="store_true", help="measure --work/site as it is")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    parser.add_argument(
        "--material-search",
        action="store_true",
        help="also run MkDocs with Material's search plugin on the rendered pages, to compare",
    )
    parser.add_argument(
        "--from-site",
        type=Path,
        default=None,
        help="no build: make the N-estate site from the built city in this folder "
        "(its data/ and site/) and index it; for search figures when a build is too slow",
    )
    args = parser.parse_args(argv)
    work = args.work or Path(f"/tmp/sunlight-city-{args.n}")
    data = work / "data"
    result: dict = {
        "n": args.n,
        "seed": args.seed,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    if args.from_site:
        people = synth_city.identities(args.n, args.seed)
        print(f"cloning {args.from_site}/site into {work}/site …", file=sys.stderr)
        result["cloned_from"] = str(args.from_site)
        result["build"] = {"seconds": clone_site(args.from_site, work, people)}
        result["build"] |= {"peak_rss_mb": None, "peak_rss_mb_by_stage": {}}
        args.no_build = True
    elif (args.reuse_data or args.no_build) and (data / "estates").is_dir():
        people = synth_city.identities(args.n, args.seed)
        print(f"reusing {data}", file=sys.stderr)
    else:
        started = time.monotonic()
        print(f"writing {args.n} estates into {data} …", file=sys.stderr)
        people = synth_city.write_city(data, args.n, args.seed)
        result["generate_seconds"] = round(time.monotonic() - started, 1)
    if not args.no_build:
        print("building …", file=sys.stderr)
        result["build"] = build(data, work, REPO / "mkdocs.yml")
    elif "build" not in result:
        result["build"] = {"seconds": {}, "peak_rss_mb": None, "peak_rss_mb_by_stage": {}}
    result["site"] = site_figures(work / "site")
    if args.material_search:
        print("MkDocs with Material's search, for comparison …", file=sys.stderr)
        result["material"] = material_search(work)
    if (work / "site" / "pagefind").is_dir() and not args.no_browser:
        print("searching in Chromium …", file=sys.stderr)
        result["browser"] = browser_figures(work / "site", people, args.queries, args.seed)
    print(table(result))
    kind = "-cloned" if args.from_site else "-nobuild" if args.no_build else ""
    out = HERE / "results" / f"{result['date']}-{args.n}{kind}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
