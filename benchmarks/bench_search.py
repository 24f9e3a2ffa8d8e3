#!/usr/bin/env python3
"""Search in shards at city scale: the index's files and sizes, what a first query transfers,
and how many words from the pages' text find their page, with two Pagefind versions.

    .venv/bin/python benchmarks/bench_search.py --from-site /tmp/sunlight-city-300 --n 16000

``--from-site`` is a built city (its data/ and site/, as benchmarks/bench_build.py leaves it):
its estate overviews are copied to N estates with new names, ids, districts and streets
written in (the approach of ``bench_build.py --from-site``; only what search indexes is
written), then, for each shard layout,

* indexed by the real ``generator.outputs.search.index_shards`` (files, bytes, seconds; and the
  seconds to re-index one shard with the others copied from the previous site);
* served on 127.0.0.1 by a server that gzips text as GitHub Pages and nginx do (Pagefind's
  own files are gzipped already and go as they are), and searched in headless Chromium
  through the header's box, a fresh browser context (cold cache) per query: the bytes on
  the wire (headers and bodies, WebAssembly included) from typing the query to its results on
  screen, every shard merged.

Recall: ``--recall`` words are drawn from the text of random indexed pages (half words as
Chromium's Intl.Segmenter cuts them, half random 2–4 character runs of Chinese text) and
searched with Pagefind's JS API over the merged shards, once with the index and script of
each Pagefind binary given (``--pagefind NAME=COMMAND``); a hit is the page among the results.

Prints a table and writes benchmarks/results/<date>-search-<n>.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import gzip
import http.server
import io
import json
import os
import platform
import random
import re
import shlex
import shutil
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import synth_city  # noqa: E402

from generator.model import district_slug  # noqa: E402
from generator.outputs import search  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# As generator/outputs/localserve.py launches it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WORDS = ("物业", "维修")
GZIP_TYPES = (".html", ".js", ".json", ".css", ".svg", ".xml", ".txt")


# ---------------------------------------------------------------------------------------
# A city of N estates' overviews from a built smaller one
# ---------------------------------------------------------------------------------------


def clone_overviews(small: Path, site: Path, people) -> None:
    """Write the site's own pages of ``small/site`` and one overview per identity into
    ``site``. Estate i gets the overview of built estate
    i mod k with its id, name, committee, street and district replaced."""
    if site.exists():
        shutil.rmtree(site)
    source = small / "site"
    shutil.copytree(
        source,
        site,
        ignore=lambda d, names: ["estates", "pagefind"] if Path(d) == source else [],
    )
    (site / "estates").mkdir()
    shutil.copyfile(source / "estates" / "index.html", site / "estates" / "index.html")
    # The search box of this checkout, whichever built the pages.
    shutil.copyfile(REPO / "theme" / "assets" / "search.js", site / "assets" / "search.js")
    built = sorted(p.name for p in (source / "estates").iterdir() if p.is_dir())
    profiles = {}
    for estate in built:
        with open(small / "data" / "estates" / estate / "estate.csv", encoding="utf-8") as f:
            profiles[estate] = next(csv.DictReader(f))
    tokens = re.compile(r"(<span hidden data-pagefind-weight=\"10\">)[^<]*(</span>)")
    texts = {e: (source / "estates" / e / "index.html").read_text("utf-8") for e in built}
    for i, who in enumerate(people):
        src = built[i % len(built)]
        was = profiles[src]
        text = texts[src]
        for before, after in [
            (f"/{src}/", f"/{who.estate_id}/"),
            (was["name"], who.name),
            (was["residents_committee"], f"{who.root}居委会"),
            (was["street"], who.street),
            (was["district"], who.district),
        ]:
            text = text.replace(before, after)
        # The overview's name tokens (theme/sunlight/_macros.html) follow the name.
        new_tokens = "".join(
            "sn" + who.name[j : j + 2].encode().hex() + " " for j in range(len(who.name) - 1)
        )
        text = tokens.sub(lambda m, t=new_tokens: m.group(1) + t + m.group(2), text)
        target = site / "estates" / who.estate_id / "index.html"
        target.parent.mkdir(parents=True)
        target.write_text(text, "utf-8")


def layouts(shard_of: dict[str, str], names: list[str]) -> dict[str, dict[str, str]]:
    """Estate id → shard, per layout: "one" (a single bundle), "district" (one per district),
    "bK" (districts in K buckets, generator.outputs.search.district_shard)."""
    out = {}
    for name in names:
        if name == "one":
            out[name] = {}
        elif name == "district":
            out[name] = dict(shard_of)
        elif m := re.fullmatch(r"b(\d+)", name):
            k = int(m.group(1))
            out[name] = {e: search.district_shard(d, k) for e, d in shard_of.items()}
        else:
            raise SystemExit(f"unknown layout {name!r}")
    return out


def link_copy(site: Path, into: Path) -> None:
    """A copy of ``site`` without its index, by hard links (pages are only read)."""
    if into.exists():
        shutil.rmtree(into)
    for path in site.rglob("*"):
        rel = path.relative_to(site)
        if rel.parts[0] == search.BUNDLE:
            continue
        target = into / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)


def bundle_figures(site: Path) -> dict:
    out = site / search.BUNDLE
    manifest = json.loads((out / search.MANIFEST).read_text("utf-8"))
    per = {}
    for name in manifest["shards"]:
        files = [p for p in (out / name).rglob("*") if p.is_file()]
        meta = [p for p in files if p.suffix == ".pf_meta"]
        chunks = [p.stat().st_size for p in files if p.suffix == ".pf_index"]
        per[name] = {
            "pages": sum(1 for p in files if p.suffix == ".pf_fragment"),
            "files": len(files),
            "kb": round(sum(p.stat().st_size for p in files) / 1e3, 1),
            "meta_kb": round(sum(p.stat().st_size for p in meta) / 1e3, 1),
            "chunks": len(chunks),
            "largest_chunk_kb": round(max(chunks, default=0) / 1e3, 1),
        }
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "shards": len(per),
        "files": len(files),
        "mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
        "meta_kb_all_shards": round(sum(s["meta_kb"] for s in per.values()), 1),
        "per_shard": per,
    }


# ---------------------------------------------------------------------------------------
# Serving with gzip, searching in Chromium
# ---------------------------------------------------------------------------------------


class _Gzip(http.server.SimpleHTTPRequestHandler):
    """Gzips text (level 6) for clients that accept it, as GitHub Pages and nginx do."""

    cache: dict[str, bytes] = {}

    def log_message(self, format, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.endswith(GZIP_TYPES) and os.path.isfile(path)):
            return super().send_head()
        if path not in self.cache:
            self.cache[path] = gzip.compress(Path(path).read_bytes(), 6, mtime=0)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _IndexFrom(_Gzip):
    """Serves ``index``'s pagefind/ over the site's pages (a bundle built elsewhere), and
    the search box of this checkout, whichever built the pages."""

    index: Path

    def translate_path(self, path):
        if path.split("?")[0].endswith("/assets/search.js"):
            return str(REPO / "theme" / "assets" / "search.js")
        if path.startswith("/" + search.BUNDLE + "/"):
            return str(self.index / path.lstrip("/").split("?")[0])
        return super().translate_path(path)


def serve(site: Path, index: Path | None = None):
    base = _IndexFrom if index is not None else _Gzip
    kind = type("H", (base,), {"cache": {}, "index": index})
    handler = functools.partial(kind, directory=str(site))
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
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error('no results')), 60000));
  const total = await Promise.race([done, late]);
  const links = [...box.querySelectorAll('.md-search-result__item a')]
      .map((a) => new URL(a.href).pathname);
  return {total, links};
}"""


def first_query(browser, base: str, term: str) -> dict:
    """Bytes on the wire from typing ``term`` to its results on screen, cold cache."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    requests = []
    context.on("requestfinished", lambda request: requests.append(request))
    started = time.monotonic()
    result = page.evaluate(SEARCH_JS, term)
    seconds = time.monotonic() - started
    page.wait_for_load_state("networkidle")
    rows = []
    for request in requests:
        sizes = request.sizes()
        rows.append(
            (request.url[len(base) :], sizes["responseBodySize"] + sizes["responseHeadersSize"])
        )
    context.close()
    kinds: dict[str, int] = {}
    for url, size in rows:
        kind = re.sub(r"\?.*", "", url.rsplit("/", 1)[-1])
        kind = re.sub(r"^.*\.(pf_\w+)$", r"*.\1", kind)
        kind = re.sub(r"^pagefind\.\w+\.pf_meta$", "*.pf_meta", kind)
        kinds[kind] = kinds.get(kind, 0) + size
    return {
        "term": term,
        "results": result["total"],
        "shown": result["links"],
        "requests": len(rows),
        "kb_transferred": round(sum(s for _, s in rows) / 1e3, 1),
        "kb_by_kind": {k: round(v / 1e3, 1) for k, v in sorted(kinds.items())},
        "seconds": round(seconds, 2),
    }


# Pagefind over the merged shards, as search.js sets it up; search(word) returns result ids.
ENGINE_JS = """async () => {
  const root = new URL('/', location.href);
  const manifest = await (await fetch(new URL('pagefind/shards.json', root))).json();
  const bundle = (n) => new URL(`pagefind/${n}/`, root);
  const pf = await import(new URL('pagefind.js', bundle(manifest.primary)).href);
  await pf.options({ baseUrl: '/', noWorker: true });
  await pf.init();
  await Promise.all(Object.keys(manifest.shards).filter((n) => n !== manifest.primary)
      .map((n) => pf.mergeIndex(bundle(n).pathname, { baseUrl: '/' })));
  window.__pf = pf;
}"""

TEXT_JS = """() => {
  const article = document.querySelector('article.md-content__inner');
  if (!article) return '';
  const copy = article.cloneNode(true);
  copy.querySelectorAll('[data-pagefind-ignore], [hidden], script, style')
      .forEach((e) => e.remove());
  return copy.textContent;
}"""

WORDS_JS = """(text) => {
  const seg = new Intl.Segmenter('zh', { granularity: 'word' });
  return [...seg.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment)
      .filter((w) => /^\\p{Script=Han}{2,4}$/u.test(w));
}"""


def page_hashes(site: Path) -> dict[str, str]:
    """URL → Pagefind's page hash (the fragment's name), from every shard's fragments."""
    out = {}
    for path in (site / search.BUNDLE).glob("*/fragment/*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        out[json.loads(data[len(b"pagefind_dcd") :])["url"]] = path.stem
    return out


def draw_words(browser, base: str, urls: list[str], n: int, seed: int) -> list[dict]:
    """``n`` (url, word) pairs: half Intl.Segmenter words, half runs of Chinese text."""
    rng = random.Random(f"bench-search-words:{seed}")
    context = browser.new_context(base_url=base)
    page = context.new_page()
    out: list[dict] = []
    while len(out) < n:
        url = rng.choice(urls)
        page.goto(url)
        text = page.evaluate(TEXT_JS)
        if len(out) % 2 == 0:
            words = page.evaluate(WORDS_JS, text)
            kind = "segmenter word"
        else:
            runs = re.findall(r"[\u4e00-\u9fff]+", text)
            words = []
            for r in runs:
                if len(r) >= 2:
                    length = rng.randint(2, min(4, len(r)))
                    start = rng.randint(0, len(r) - length)
                    words.append(r[start : start + length])
            kind = "text run"
        if words:
            out.append({"url": url, "word": rng.choice(sorted(set(words))), "kind": kind})
    context.close()
    return out


def recall(browser, base: str, site: Path, pairs: list[dict]) -> dict:
    hashes = page_hashes(site)
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    page.evaluate(ENGINE_JS)
    rows = []
    for pair in pairs:
        ids = page.evaluate(
            "async (w) => (await window.__pf.search(w)).results.map((r) => r.id)", pair["word"]
        )
        rows.append(pair | {"found": hashes.get(pair["url"]) in set(ids), "results": len(ids)})
    context.close()

    def share(kind):
        rs = [r for r in rows if kind is None or r["kind"] == kind]
        return f"{sum(r['found'] for r in rs)}/{len(rs)}"

    return {
        "all": share(None),
        "segmenter_words": share("segmenter word"),
        "text_runs": share("text run"),
        "misses": [r for r in rows if not r["found"]],
    }


# ---------------------------------------------------------------------------------------
# Re-indexing one bucket after one estate's commit, on a built city
# ---------------------------------------------------------------------------------------


def search_module(ref: str | None):
    """generator/outputs/search.py of this checkout, or of git revision ``ref``."""
    if ref is None:
        return search
    import subprocess
    import types

    source = subprocess.run(
        ["git", "show", f"{ref}:generator/outputs/search.py"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    module = types.ModuleType(f"search_{ref}", None)
    module.__package__ = "generator.outputs"
    sys.modules[module.__name__] = module
    exec(compile(source, f"{ref}:generator/outputs/search.py", "exec"), module.__dict__)
    return module


def reindex_figures(city: Path, work: Path, runs: int, refs: list[str | None]) -> dict:
    """Index ``city/site``'s pages into ``work`` (the published index), change one overview
    of bucket b0, and index again ``runs`` times as the pipeline does after that commit
    (``previous`` the published site, every estate page's sha256 known); once per
    search.py of ``refs`` (None: this checkout). The pages are read where they are."""
    import hashlib
    import resource

    site = city / "site"
    estates = sorted(p.name for p in (city / "data" / "estates").iterdir() if p.is_dir())
    slug = {}
    for estate in estates:
        with open(city / "data" / "estates" / estate / "estate.csv", encoding="utf-8") as f:
            slug[estate] = district_slug(next(csv.DictReader(f))["district"])
    overviews = [f"estates/{e}/index.html" for e in estates]
    known = {rel: hashlib.sha256((site / rel).read_bytes()).hexdigest() for rel in overviews}
    out: dict = {"estates": len(estates), "runs": runs, "by_version": {}}
    for ref in refs:
        mod = search_module(ref)
        shards = mod.plan_shards(
            site, {e: mod.district_shard(s) for e, s in slug.items()}, also=overviews
        )
        changed = shards["b0"][len(shards["b0"]) // 2]
        text = (site / changed).read_text("utf-8")
        text = text.replace("</article>", "<p>电梯更新改造</p></article>")
        name = ref or "this checkout"
        published = work / f"published-{ref or 'head'}"
        if published.exists():
            shutil.rmtree(published)
        published.mkdir(parents=True)
        print(f"re-index ({name}): indexing every shard …", file=sys.stderr)
        started = time.monotonic()
        mod.index_shards(published, shards, locate=lambda rel: site / rel, known=known)
        cold = time.monotonic() - started
        rows = []
        for _ in range(runs):
            staging = work / f"staging-{ref or 'head'}"
            if staging.exists():
                shutil.rmtree(staging)
            (staging / changed).parent.mkdir(parents=True)
            (staging / changed).write_text(text, "utf-8")
            sha = hashlib.sha256(text.encode()).hexdigest()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu, started = time.process_time(), time.monotonic()
            stats = mod.index_shards(
                staging,
                shards,
                previous=published,
                locate=lambda rel, s=staging, c=changed: (s if rel == c else site) / rel,
                known=known | {changed: sha},
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            child = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            rows.append(
                {
                    "wall_s": round(time.monotonic() - started, 2),
                    "cpu_s": round(time.process_time() - cpu, 2),
                    "pagefind_cpu_s": round(child, 2),
                    "indexed": stats.indexed,
                    "copied": stats.copied,
                    "pages_read": getattr(stats, "read", len(shards["b0"])),
                    "load": round(os.getloadavg()[0], 1),
                }
            )
            print(f"  {rows[-1]}", file=sys.stderr)
        walls = sorted(r["wall_s"] for r in rows)
        cpus = sorted(r["cpu_s"] + r["pagefind_cpu_s"] for r in rows)
        out["by_version"][name] = {
            "bucket_pages": len(shards["b0"]),
            "index_all_s": round(cold, 1),
            "median_wall_s": walls[len(walls) // 2],
            "median_cpu_s": round(cpus[len(cpus) // 2], 2),
            "runs": rows,
            "index": str(staging),
        }
    return out


def reindex_queries(browser, city: Path, result: dict, terms) -> None:
    """The first query of each term over each version's re-indexed site: bytes, results
    and the links shown; and every result of Pagefind's JS API over the merged shards with
    its score (URL, score), to compare."""
    for row in result["by_version"].values():
        server, base = serve(city / "site", Path(row["index"]))
        try:
            row["first_query"] = [first_query(browser, base, t) for t in terms]
            hashes = {h: url for url, h in page_hashes(Path(row["index"])).items()}
            context = browser.new_context(base_url=base)
            page = context.new_page()
            page.goto("/")
            page.evaluate(ENGINE_JS)
            row["scored"] = {}
            for term in terms:
                found = page.evaluate(
                    "async (w) => (await window.__pf.search(w)).results"
                    ".map((r) => [r.id, r.score])",
                    term,
                )
                row["scored"][term] = sorted(
                    ((hashes[i], round(score, 5)) for i, score in found),
                    key=lambda r: (-r[1], r[0]),
                )
            context.close()
        finally:
            server.shutdown()
            server.server_close()


def scored_summary(scored: dict[str, list]) -> dict[str, dict]:
    """Per term: how many results, the sha256 of every (URL, score), the first ten (the
    lists run to 28,000 results at 16,000 estates)."""
    import hashlib

    return {
        term: {
            "results": len(rows),
            "sha256": hashlib.sha256(json.dumps(rows).encode()).hexdigest(),
            "first": rows[:10],
        }
        for term, rows in scored.items()
    }


def reindex_main(args) -> None:
    work = args.work or Path("/tmp/sunlight-search-reindex")
    refs = [args.before_ref, None] if args.before_ref else [None]
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "city": str(args.reindex_city),
    } | reindex_figures(args.reindex_city, work, args.runs, refs)
    rng = random.Random(f"bench-search:{args.seed}")
    estates = sorted((args.reindex_city / "data" / "estates").iterdir())
    with open(rng.choice(estates) / "estate.csv", encoding="utf-8") as f:
        name = next(csv.DictReader(f))["name"]
    terms = (name[:2] if len(name) < 4 else name[1:3], *WORDS, "电梯更新改造")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            reindex_queries(browser, args.reindex_city, result, terms)
        finally:
            browser.close()
    lines = ["| search.py | bucket pages | pages Pagefind read | median wall | median CPU |"]
    lines.append("|---|---|---|---|---|")
    for name, row in result["by_version"].items():
        lines.append(
            f"| {name} | {row['bucket_pages']:,} | {row['runs'][0]['pages_read']:,} | "
            f"{row['median_wall_s']} s | {row['median_cpu_s']} s |"
        )
    lines += ["", "| search.py | query | results | KB transferred (gzip) |", "|---|---|---|---|"]
    for name, row in result["by_version"].items():
        for q in row["first_query"]:
            lines.append(f"| {name} | {q['term']} | {q['results']:,} | {q['kb_transferred']} |")
    rows = list(result["by_version"].values())
    shown = [[q["shown"] for q in row["first_query"]] for row in rows]
    scored = [row["scored"] for row in rows]
    result["same_results_shown"] = all(s == shown[0] for s in shown)
    result["same_results_and_scores"] = all(s == scored[0] for s in scored)
    for row in rows:
        row["scored"] = scored_summary(row["scored"])
    lines.append(f"\nsame results shown, in the same order: {result['same_results_shown']}")
    lines.append(f"same results with the same scores: {result['same_results_and_scores']}")
    print("\n".join(lines))
    out = HERE / "results" / f"{result['date']}-search-reindex-{result['estates']}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-site", type=Path)
    parser.add_argument(
        "--reindex-city",
        type=Path,
        help="a built city (data/, site/): time re-indexing one bucket after one estate's "
        "commit, reading its pages where they are (instead of the layouts)",
    )
    parser.add_argument(
        "--before-ref", help="with --reindex-city: also time search.py of this git revision"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n", type=int, default=16_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="default /tmp/sunlight-search-N")
    parser.add_argument("--layouts", default="one,district,b4,b8")
    parser.add_argument("--recall", type=int, default=50, help="words to search, 0: none")
    parser.add_argument(
        "--pagefind",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="a Pagefind binary to compare recall with (default: the wheel's)",
    )
    parser.add_argument("--recall-layout", default="district")
    parser.add_argument(
        "--reuse-index", action="store_true", help="keep the layouts --work already has"
    )
    args = parser.parse_args(argv)
    if args.reindex_city:
        return reindex_main(args)
    if not args.from_site:
        parser.error("--from-site or --reindex-city is needed")
    work = args.work or Path(f"/tmp/sunlight-search-{args.n}")
    work.mkdir(parents=True, exist_ok=True)
    people = synth_city.identities(args.n, args.seed)
    result: dict = {
        "n": args.n,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "cloned_from": str(args.from_site),
    }
    marker = work / "site" / ".cloned"
    shard_of = {who.estate_id: district_slug(who.district) for who in people}
    if marker.is_file() and marker.read_text() == f"{args.from_site} {args.n} {args.seed}":
        print(f"reusing {work}/site", file=sys.stderr)
    else:
        print(f"cloning {args.n} overviews into {work}/site …", file=sys.stderr)
        started = time.monotonic()
        clone_overviews(args.from_site, work / "site", people)
        result["clone_seconds"] = round(time.monotonic() - started, 1)
        marker.write_text(f"{args.from_site} {args.n} {args.seed}")
    rng = random.Random(f"bench-search:{args.seed}")
    who = rng.choice(people)
    name_term = who.name[:2] if len(who.name) < 4 else who.name[1:3]
    terms = (name_term, *WORDS)
    binaries = {"1.5.2 (PyPI wheel)": search.pagefind_command()}
    for spec in args.pagefind:
        name, _, command = spec.partition("=")
        binaries[name] = shlex.split(command)

    from playwright.sync_api import sync_playwright

    result["layouts"] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, estate_shard in layouts(shard_of, args.layouts.split(",")).items():
                site = work / f"layout-{name}"
                saved = site / ".bench-index.json"
                shards = search.plan_shards(work / "site", estate_shard)
                if args.reuse_index and saved.is_file():
                    print(f"layout {name}: reusing its index", file=sys.stderr)
                    row = json.loads(saved.read_text("utf-8"))
                else:
                    row = index_layout(work, site, name, shards)
                    saved.write_text(json.dumps(row), "utf-8")
                server, base = serve(site)
                try:
                    row["first_query"] = [first_query(browser, base, t) for t in terms]
                finally:
                    server.shutdown()
                    server.server_close()
                result["layouts"][name] = row
                print(json.dumps(row["first_query"], ensure_ascii=False), file=sys.stderr)
            if args.recall:
                result["recall"] = recall_figures(browser, work, shard_of, binaries, args)
        finally:
            browser.close()
    print(table(result))
    out = HERE / "results" / f"{result['date']}-search-{args.n}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"\nwritten to {out.relative_to(REPO)}", file=sys.stderr)


def index_layout(work: Path, site: Path, name: str, shards: dict[str, list[str]]) -> dict:
    """Index ``work/site``'s pages in ``shards`` into a linked copy ``site``; then once more
    with one shard's page changed and the others copied from the first index."""
    link_copy(work / "site", site)
    print(f"layout {name}: {len(shards)} shards, indexing …", file=sys.stderr)
    stats = search.index_shards(site, shards)
    print(f"  {stats.seconds:.1f} s", file=sys.stderr)
    row = {"index_seconds": round(stats.seconds, 1)} | bundle_figures(site)
    changed = next((s for s in sorted(shards) if s != search.SITE_SHARD), None)
    if changed is None:  # one bundle: indexing it again is indexing it all
        row["reindex_one_shard"] = {"shard": None, "pages": row["per_shard"]["site"]["pages"]}
        row["reindex_one_shard"]["seconds"] = row["index_seconds"]
        return row
    again = work / f"layout-{name}-again"
    link_copy(site, again)
    page = again / shards[changed][0]
    page.unlink()  # a hard link: write a new file, not into the first copy's
    text = (site / shards[changed][0]).read_text("utf-8")
    page.write_text(text.replace("</article>", "<p>电梯更新改造</p></article>"), "utf-8")
    stats = search.index_shards(again, shards, only={changed}, previous=site)
    row["reindex_one_shard"] = {
        "shard": changed,
        "pages": len(shards[changed]),
        "seconds": round(stats.seconds, 1),
        "indexed": stats.indexed,
    }
    shutil.rmtree(again)
    return row


def recall_figures(browser, work: Path, shard_of, binaries, args) -> dict:
    estate_shard = layouts(shard_of, [args.recall_layout])[args.recall_layout]
    sites = {}
    for i, (name, command) in enumerate(binaries.items()):
        site = work / f"recall-{i}"
        link_copy(work / "site", site)
        print(f"recall: indexing with {name} …", file=sys.stderr)
        stats = search.index_shards(site, search.plan_shards(site, estate_shard), command=command)
        sites[name] = (site, round(stats.seconds, 1))
    first = next(iter(sites.values()))[0]
    urls = ["/" + u.removesuffix("index.html") for u in search.indexable_pages(first)]
    # Mostly estates, as the index is: every page is as likely.
    server, base = serve(first)
    try:
        pairs = draw_words(browser, base, urls, args.recall, args.seed)
    finally:
        server.shutdown()
        server.server_close()
    out = {"words": pairs, "by_version": {}}
    for name, (site, seconds) in sites.items():
        server, base = serve(site)
        try:
            out["by_version"][name] = {"index_seconds": seconds} | recall(
                browser, base, site, pairs
            )
        finally:
            server.shutdown()
            server.server_close()
    return out


def table(result: dict) -> str:
    lines = [f"search at {result['n']:,} estates (cloned overviews)", ""]
    head = "| layout | shards | files | MB | page lists (all shards) | index s | one shard again |"
    lines += [head, "|---|---|---|---|---|---|---|"]
    for name, row in result["layouts"].items():
        again = row["reindex_one_shard"]
        lines.append(
            f"| {name} | {row['shards']} | {row['files']:,} | {row['mb']} | "
            f"{row['meta_kb_all_shards']} KB | {row['index_seconds']} | "
            f"{again['seconds']} s ({again['pages']} pages) |"
        )
    lines += ["", "| layout | query | results | requests | KB transferred (gzip) |"]
    lines.append("|---|---|---|---|---|")
    for name, row in result["layouts"].items():
        for q in row["first_query"]:
            lines.append(
                f"| {name} | {q['term']} | {q['results']:,} | {q['requests']} | "
                f"{q['kb_transferred']} |"
            )
    if "recall" in result:
        lines += ["", "| Pagefind | words found (all) | segmenter words | text runs |"]
        lines.append("|---|---|---|---|")
        for name, r in result["recall"]["by_version"].items():
            lines.append(f"| {name} | {r['all']} | {r['segmenter_words']} | {r['text_runs']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
