"""``sunlight notices``: the built site's lobby notices as print-ready A4 PDFs.

The notice page (``estates/<id>/notice/``) is the one place that says what a notice shows
and how it looks; this module only prints it. Debian's headless Chromium, driven by
Playwright, opens every notice from a local HTTP server over the built site (so the
site's own stylesheets and print rules apply, and nothing is fetched from another host),
prints it to A4 and checks that it is one page. pypdf then merges the pages for a copy
shop: one file per district and per street, one estate per sheet, in the order the site
lists them. Output, under ``--out`` (default ``notices/``)::

    estates/<estate_id>.pdf                       one page
    districts/<district-slug>.pdf                 one page per estate of the district
    streets/<district-slug>-<street-slug>.pdf     one page per estate of the street

Which estates belong to which district and street is read from the built site, not from
``data/``: each district page (``districts/<d>/``) links its street pages
(``districts/<d>/<s>/``), and each of those links the estates it lists. So the PDFs say
exactly what the published site says, and a site built from other data prints as well.

Chinese text must reach paper as glyphs, not as boxes. A PDF printed without a Chinese
font still has the right text layer (copy and search look fine) but shows boxes, so after
printing every Han character of the text layer must be drawn by an embedded font that
fontconfig lists as a Chinese font (``fc-list :lang=zh``; fonts-noto-cjk, installed by
``scripts/install-test-deps.sh``). Chromium embeds OpenType/CFF fonts such as Noto Sans
CJK as Type 3 fonts, the glyph outlines themselves, named in their font descriptors:
``pdffonts`` lists them as ``[none]  Type 3 … emb yes``.

Two runs over the same site give byte-identical files: the PDF information dictionary is
rewritten with fixed values (the dates are the site's as-of date, midnight in Shanghai),
and the Chromium version that printed the file is not recorded.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import click

from .localserve import CHROMIUM, CHROMIUM_ARGS, serve

__all__ = [
    "CHROMIUM",
    "GROUPS",
    "FontUse",
    "NoticeError",
    "Place",
    "UnknownEstate",
    "Written",
    "chinese_fonts",
    "command",
    "fonts_used",
    "print_notices",
    "read_as_of",
    "read_places",
]

GROUPS = ("estate", "district", "street")
INSTALL = "scripts/install-test-deps.sh"
PRODUCER = "阳光公示 Sunlight notices (Chromium, pypdf)"
TIMEOUT_MS = 30_000
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Han ideographs, their radicals (Chromium's text layer writes 示 as ⽰ when the font maps
# both to one glyph) and compatibility ideographs: what must be drawn by a Chinese font.
HAN = re.compile(r"[\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_BASE = "http://site.invalid/"  # resolves a page's relative links; never fetched


class NoticeError(Exception):
    """A notice could not be printed; the message says why and what to do, in Chinese
    and English."""

    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} / {message_en}")
        self.message, self.message_en = message, message_en


class UnknownEstate(NoticeError):
    """``--estate`` names an estate the site does not have (a misuse: exit 2)."""


@dataclass(frozen=True)
class Place:
    """Where the built site lists one estate."""

    estate_id: str
    estate_name: str
    district_slug: str
    district_name: str
    street_slug: str
    street_name: str


@dataclass(frozen=True)
class Written:
    """One PDF written: its path, pages and size in bytes."""

    path: Path
    pages: int
    size: int


@dataclass
class FontUse:
    """One font of a PDF and the characters its text layer draws with it."""

    name: str  # PostScript name without the subset tag, e.g. "NotoSansCJKsc-Regular"
    kind: str  # PDF font subtype: "Type3", "Type0", "TrueType", "Type1"
    embedded: bool
    chars: set[str] = field(default_factory=set)


# --------------------------------------------------------------------------- the site


class _Page(HTMLParser):
    """A page's links (href, text) in document order, and the text of its first <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.h1: str | None = None
        self._href: str | None = None
        self._text: list[str] = []
        self._in_h1 = False
        self._h1: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []
        elif tag == "h1" and self.h1 is None:
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        elif tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.h1 = " ".join("".join(self._h1).split())

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._in_h1:
            self._h1.append(data)


def _read_page(site_dir: Path, url: str) -> _Page:
    page = _Page()
    page.feed((site_dir / url / "index.html").read_text("utf-8", errors="replace"))
    page.close()
    return page


def _targets(page: _Page, url: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """The page's links whose site path matches ``pattern`` fully: (first group, link
    text), each target once, in the order the page links them."""
    found: dict[str, str] = {}
    for href, text in page.links:
        target = urlsplit(urljoin(_BASE + url, href))
        if f"{target.scheme}://{target.netloc}/" != _BASE:
            continue
        match = pattern.fullmatch(posixpath.normpath(target.path.lstrip("/")) + "/")
        if match and match.group(1) not in found:
            found[match.group(1)] = text
    return list(found.items())


_SLUG = r"([a-z0-9][a-z0-9-]*)"
_ESTATE_LINK = re.compile(rf"estates/{_SLUG}/")
# generator/outputs/render.py never gives a street the slug "value": it is the district's 质价 page.
_NOT_STREETS = {"value"}


def _not_built(site_dir: Path) -> NoticeError:
    return NoticeError(
        f"{site_dir} 里没有构建好的网站（找不到告示页 estates/<小区>/notice/）。"
        f"请先运行 sunlight build --site-dir {site_dir}。",
        f"{site_dir} holds no built site (no notice pages estates/<id>/notice/). Run "
        f"`sunlight build --site-dir {site_dir}` first.",
    )


def read_places(site_dir: Path) -> list[Place]:
    """Every estate with a notice page, placed by the site's district and street pages,
    in a stable order: by district slug, then as the district page lists them.

    Raises :class:`NoticeError` when the folder is not a built site, or when an estate
    is missing from, or listed twice in, the district and street pages.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise NoticeError(
            f"找不到网站文件夹 {site_dir}。请先运行 sunlight build --site-dir {site_dir}。",
            f"No such site folder: {site_dir}. Run `sunlight build --site-dir {site_dir}` first.",
        )
    notices = sorted(p.parent.parent.name for p in site_dir.glob("estates/*/notice/index.html"))
    if not notices or not (site_dir / "index.html").is_file():
        raise _not_built(site_dir)
    places: dict[str, list[Place]] = {}
    order: dict[str, int] = {}  # estate → position: districts by slug, then as listed there
    districts = site_dir / "districts"
    for district_dir in sorted(districts.iterdir() if districts.is_dir() else ()):
        d = district_dir.name
        d_url = f"districts/{d}/"
        if not (district_dir / "index.html").is_file():
            continue
        d_page = _read_page(site_dir, d_url)
        for estate_id, _ in _targets(d_page, d_url, _ESTATE_LINK):
            order.setdefault(estate_id, len(order))
        street_pattern = re.compile(rf"districts/{re.escape(d)}/{_SLUG}/")
        for s, _ in _targets(d_page, d_url, street_pattern):
            s_url = f"{d_url}{s}/"
            if s in _NOT_STREETS or not (site_dir / s_url / "index.html").is_file():
                continue
            s_page = _read_page(site_dir, s_url)
            for estate_id, name in _targets(s_page, s_url, _ESTATE_LINK):
                place = Place(estate_id, name, d, d_page.h1 or d, s, s_page.h1 or s)
                places.setdefault(estate_id, []).append(place)
    unplaced = [e for e in notices if len(places.get(e, [])) != 1]
    if unplaced:
        raise NoticeError(
            "网站的区、街道页面没有把这些小区各列出恰好一次："
            + "、".join(unplaced)
            + "。网站可能没有构建完整，请重新运行 sunlight build。",
            "The site's district and street pages do not list each of these estates exactly "
            "once: " + ", ".join(unplaced) + ". The site may be incomplete; run "
            "`sunlight build` again.",
        )
    first = [places[e][0] for e in notices]
    return sorted(first, key=lambda p: (p.district_slug, order.get(p.estate_id, len(order))))


_AS_OF = re.compile(r"数据截至\s*(?:<[^>]*>\s*)*(\d{4}-\d{2}-\d{2})")


def read_as_of(site_dir: Path, estate_id: str) -> dt.date | None:
    """The as-of date the site was built with, as its notice page prints it."""
    text = (Path(site_dir) / "estates" / estate_id / "notice" / "index.html").read_text("utf-8")
    match = _AS_OF.search(text)
    try:
        return dt.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- fonts


def chinese_fonts() -> set[str] | None:
    """PostScript names of the fonts fontconfig has for Chinese (what Chromium can use),
    or None when fc-list is not there to ask."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    result = subprocess.run(
        [fc_list, ":lang=zh", "postscriptname"], capture_output=True, text=True, check=False
    )
    names = set()
    for line in result.stdout.splitlines():
        _, _, name = line.partition("postscriptname=")
        if name.strip():
            names.add(name.strip())
    return names


def _font_file(descriptor) -> bool:
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _describe_font(font) -> tuple[str, str, bool]:
    kind = str(font.get("/Subtype", "")).lstrip("/")
    if kind == "Type3":
        # The glyphs are content streams inside the file: always embedded.
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        name = descriptor.get("/FontName") or font.get("/Name") or ""
        return _SUBSET_TAG.sub("", str(name).lstrip("/")), kind, True
    name = _SUBSET_TAG.sub("", str(font.get("/BaseFont", "")).lstrip("/"))
    if kind == "Type0":
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant.get("/FontDescriptor")
    else:
        descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else None
    return name, kind, _font_file(descriptor)


def fonts_used(pdf: bytes) -> dict[str, FontUse]:
    """Every font the PDF's text is drawn with, by name, with the characters it draws
    (read from the text layer, page by page)."""
    from pypdf import PdfReader

    fonts: dict[str, FontUse] = {}

    def visit(text, _cm, _tm, font, _size) -> None:
        if font is None or not text.strip():
            return
        name, kind, embedded = _describe_font(font)
        use = fonts.setdefault(name, FontUse(name, kind, embedded))
        use.embedded = use.embedded and embedded
        use.chars.update(c for c in text if not c.isspace())

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return fonts


def _han_problem(pdf: bytes, chinese: set[str] | None) -> str | None:
    """Why the PDF's Chinese text would not print as Chinese, or None when it will."""
    bad = []
    han_seen = False
    for use in fonts_used(pdf).values():
        han = {c for c in use.chars if HAN.match(c)}
        if not han:
            continue
        han_seen = True
        if not use.embedded or (chinese is not None and use.name not in chinese):
            bad.append(f"{use.name or '?'}（{''.join(sorted(han))[:6]}…）")
    if not han_seen:
        return "没有中文文字 / no Chinese text at all"
    return "、".join(bad) or None


# --------------------------------------------------------------------------- printing


_serve = serve


def _chromium_missing(chromium: Path) -> NoticeError:
    return NoticeError(
        f"找不到 Chromium 浏览器（{chromium}），无法打印告示。请运行 bash {INSTALL} 安装"
        "（Debian 的 chromium 和中文字体 fonts-noto-cjk）。",
        f"Chromium is missing ({chromium}), so notices cannot be printed. Run "
        f"`bash {INSTALL}` (installs Debian's chromium and the fonts-noto-cjk Chinese fonts).",
    )


def _print_pages(
    site_dir: Path,
    estate_ids: Sequence[str],
    chromium: Path,
    progress: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """Print each estate's notice page with Chromium: estate id → PDF bytes."""
    if not chromium.exists():
        raise _chromium_missing(chromium)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise NoticeError(
            "缺少 Python 包 playwright，请运行 pip install -e . 重新安装。",
            "The Python package playwright is missing; run `pip install -e .`.",
        ) from None

    pdfs: dict[str, bytes] = {}
    with _serve(site_dir) as base, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            first = (str(error).strip().splitlines() or ["?"])[0]
            raise NoticeError(
                f"Chromium 无法启动（{first}）。请运行 bash {INSTALL}。",
                f"Chromium did not start ({first}). Run `bash {INSTALL}`.",
            ) from None
        try:
            context = browser.new_context(base_url=base)
            context.set_default_timeout(TIMEOUT_MS)
            # The notice must print from the site alone: anything else is refused.
            context.route(
                lambda url: urlsplit(url).hostname != "127.0.0.1", lambda route: route.abort()
            )
            page = context.new_page()
            for estate_id in estate_ids:
                url = f"estates/{estate_id}/notice/"
                response = page.goto(url, wait_until="load")
                if response is None or not response.ok:
                    raise _not_built(site_dir)
                page.evaluate("document.fonts.ready.then(() => true)")
                pdfs[estate_id] = page.pdf(format="A4", print_background=True)
                if progress:
                    progress(estate_id)
        except PlaywrightError as error:
            first = (str(error).strip().splitlines() or ["?"])[0]
            raise NoticeError(
                f"Chromium 打印告示时出错：{first}", f"Chromium failed printing a notice: {first}"
            ) from None
        finally:
            browser.close()
    return pdfs


def _pdf_date(day: dt.date) -> str:
    return f"D:{day:%Y%m%d}000000+08'00'"


def _merged(parts: Iterable[bytes], title: str, as_of: dt.date | None) -> bytes:
    """One PDF of ``parts``' pages, with fixed metadata (reproducible bytes)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    metadata = {"/Title": title, "/Creator": "阳光公示 Sunlight", "/Producer": PRODUCER}
    if as_of is not None:
        metadata["/CreationDate"] = metadata["/ModDate"] = _pdf_date(as_of)
    writer.add_metadata(metadata)
    # Notices repeat glyphs and images from page to page: store each identical object once.
    writer.compress_identical_objects()  # merge duplicates, drop orphans (the defaults)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a copy shop never gets half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _plan(places: list[Place], groups: Sequence[str]) -> list[tuple[str, str, list[Place]]]:
    """(relative path, title, places) of every file to write, in a stable order."""
    files: list[tuple[str, str, list[Place]]] = []
    if "estate" in groups:
        for p in places:
            files.append((f"estates/{p.estate_id}.pdf", f"{p.estate_name} 信息公示", [p]))
    if "district" in groups:
        by_district: dict[str, list[Place]] = {}
        for p in places:
            by_district.setdefault(p.district_slug, []).append(p)
        for d, members in by_district.items():
            title = f"{members[0].district_name} 各小区信息公示（{len(members)} 个小区）"
            files.append((f"districts/{d}.pdf", title, members))
    if "street" in groups:
        by_street: dict[tuple[str, str], list[Place]] = {}
        for p in places:
            by_street.setdefault((p.district_slug, p.street_slug), []).append(p)
        for (d, s), members in by_street.items():
            first = members[0]
            title = (
                f"{first.district_name}{first.street_name} 各小区信息公示（{len(members)} 个小区）"
            )
            files.append((f"streets/{d}-{s}.pdf", title, members))
    return files


def print_notices(
    site_dir: Path,
    out_dir: Path,
    estate_ids: Sequence[str] = (),
    groups: Sequence[str] = GROUPS,
    *,
    chromium: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Written]:
    """Print the notices of the built site in ``site_dir`` into ``out_dir``.

    ``estate_ids`` limits the estates (district and street files then hold only those);
    ``groups`` picks the files (``estate``, ``district``, ``street``). Nothing is written
    unless every notice printed on exactly one page with its Chinese text in an embedded
    Chinese font; otherwise :class:`NoticeError` lists every notice that did not.
    """
    site_dir, out_dir = Path(site_dir), Path(out_dir)
    places = read_places(site_dir)
    if estate_ids:
        known = {p.estate_id for p in places}
        unknown = [e for e in estate_ids if e not in known]
        if unknown:
            some = sorted(known)[:10] + (["…"] if len(known) > 10 else [])
            raise UnknownEstate(
                f"网站里没有这些小区：{'、'.join(unknown)}。网站里有：{'、'.join(some)}",
                f"The site has no estate {', '.join(unknown)}; it has: {', '.join(some)}",
            )
        places = [p for p in places if p.estate_id in set(estate_ids)]
    chinese = chinese_fonts()
    if chinese is not None and not chinese:
        raise NoticeError(
            f"没有安装中文字体，告示上的汉字会印成方框。请运行 bash {INSTALL}（安装 fonts-noto-cjk）。",
            "No Chinese font is installed, so Chinese would print as boxes. Run "
            f"`bash {INSTALL}` (installs fonts-noto-cjk).",
        )
    as_of = read_as_of(site_dir, places[0].estate_id)
    ids = [p.estate_id for p in places]
    pdfs = _print_pages(site_dir, ids, chromium or CHROMIUM, progress)

    from pypdf import PdfReader

    problems, problems_en = [], []
    for p in places:
        pages = len(PdfReader(io.BytesIO(pdfs[p.estate_id])).pages)
        if pages != 1:
            problems.append(
                f"{p.estate_name}（{p.estate_id}）的告示打印出来有 {pages} 页，应为 1 页"
            )
            problems_en.append(f"the notice of {p.estate_id} prints on {pages} pages, not 1")
        fonts = _han_problem(pdfs[p.estate_id], chinese)
        if fonts:
            problems.append(f"{p.estate_name}（{p.estate_id}）的汉字没有用内嵌的中文字体：{fonts}")
            problems_en.append(f"the Chinese text of {p.estate_id} is not in an embedded CJK font")
    if problems:
        raise NoticeError(
            "没有生成任何 PDF：" + "；".join(problems) + "。请缩短告示内容（或调整 "
            f"theme/sunlight/notice.html 与打印样式），中文字体问题请运行 bash {INSTALL}。",
            "No PDF was written: " + "; ".join(problems_en) + ". Shorten the notice (or its "
            f"template and print styles); for fonts run `bash {INSTALL}`.",
        )

    written = []
    for relative, title, members in _plan(places, groups):
        data = _merged((pdfs[m.estate_id] for m in members), title, as_of)
        path = out_dir / relative
        _write(path, data)
        written.append(Written(path, len(members), len(data)))
    return written


# --------------------------------------------------------------------------- command


@click.command("notices")
@click.option(
    "--site-dir",
    default="site",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The built site (from sunlight build).",
)
@click.option(
    "--out",
    "out_dir",
    default="notices",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the PDFs go.",
)
@click.option(
    "--estate",
    "estate_ids",
    multiple=True,
    metavar="ID",
    help="Only this estate; repeat for more. District and street files then hold only these.",
)
@click.option(
    "--by",
    "groups",
    multiple=True,
    type=click.Choice(GROUPS),
    help="Which files: one per estate, district or street; repeat for more (default: all).",
)
def command(site_dir: Path, out_dir: Path, estate_ids: tuple[str, ...], groups: tuple[str, ...]):
    """Print the built site's notices to A4 PDFs for a copy shop.

    Writes OUT/estates/<id>.pdf (one page each), OUT/districts/<district>.pdf and
    OUT/streets/<district>-<street>.pdf (one A4 page per estate). Run `sunlight build`
    first; printing needs Debian's chromium and fonts-noto-cjk
    (scripts/install-test-deps.sh). Exit 1 when a notice does not fit one page.

    Example:

        sunlight notices --by district --out notices
    """
    say = functools.partial(click.echo, err=True)
    say(f"用 Chromium 打印 {site_dir} 的告示 / printing the notices of {site_dir} …")
    try:
        written = print_notices(site_dir, out_dir, estate_ids, groups or GROUPS)
    except UnknownEstate as error:
        raise click.UsageError(str(error)) from None
    except NoticeError as error:
        if not Path(site_dir).is_dir():
            raise click.UsageError(str(error)) from None
        raise click.ClickException(str(error)) from None
    for item in written:
        say(f"   {item.path}  {item.pages} 页 pages  {item.size / 1024:.0f} KB")
    say(f"完成 / done: {len(written)} 个 PDF files in {out_dir}")
