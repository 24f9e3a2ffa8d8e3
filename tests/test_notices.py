"""``sunlight notices``: the demo site's notices printed by Chromium, read back by real tools.

The PDFs are checked the way a copy shop and a reader would meet them: pypdf counts the
pages, poppler's ``pdffonts`` lists the fonts, ``pdftoppm`` renders a page at 200 dpi and
zxing-cpp decodes the QR code from the pixels. Nothing is mocked except, in one test, the
path of the Chromium binary. Fixtures (built_site, browser, page): tests/conftest.py.
"""

from __future__ import annotations

import csv
import http.server
import io
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from pypdf import PdfReader

from generator.cli import main
from generator.outputs import notices
from tests.conftest import AS_OF, DATA_DIR, REPO, SITE_URL

zxingcpp = pytest.importorskip("zxingcpp")  # test extra: zxing-cpp
Image = pytest.importorskip("PIL.Image")  # test extra: pillow, zxing-cpp reads PIL images

SUNLIGHT = Path(sys.executable).parent / "sunlight"
ESTATES = sorted(p.name for p in (DATA_DIR / "estates").iterdir() if p.is_dir())
A4 = (595.28, 841.89)  # points
CJK_FONT = re.compile(r"NotoSans(Mono)?CJK|NotoSerifCJK|SourceHan", re.I)
QR_URL = re.compile(re.escape(SITE_URL) + r"estates/([a-z0-9-]+)/\?v=([0-9a-f]{8})")


def _estate_rows() -> dict[str, dict]:
    rows = {}
    for estate in ESTATES:
        with open(DATA_DIR / "estates" / estate / "estate.csv", encoding="utf-8") as f:
            rows[estate] = next(csv.DictReader(f))
    return rows


ROWS = _estate_rows()


def run_notices(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """The real command, in its own process (Playwright owns its thread's event loop)."""
    return subprocess.run(
        [str(SUNLIGHT), "notices", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture(scope="module")
def printed(built_site: Path, browser, tmp_path_factory) -> Path:
    """``sunlight notices`` over the demo site; the output folder. (``browser`` only for
    its skip/fail rule when Chromium is missing: the command launches its own.)"""
    out = tmp_path_factory.mktemp("notices") / "notices"
    result = run_notices("--site-dir", str(built_site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def qr_url_of(built_site: Path, estate: str) -> str:
    html = (built_site / "estates" / estate / "notice" / "index.html").read_text("utf-8")
    return BeautifulSoup(html, "html.parser").select_one(".sl-notice__qr")["data-qr-url"]


def decode(png: Path | bytes):
    """The one barcode in an image, decoded by zxing-cpp."""
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"expected one barcode, zxing-cpp found {len(found)}"
    return found[0]


def assert_regular_qr(barcode) -> None:
    assert barcode.valid
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode, barcode.format  # not Micro QR
    assert barcode.format != zxingcpp.BarcodeFormat.MicroQRCode
    assert barcode.ec_level in ("M", "Q", "H"), f"error correction {barcode.ec_level} < M"


def assert_published(built_site: Path, url: str, estate: str) -> None:
    """The URL is the estate's page on the site, carrying its current version."""
    match = QR_URL.fullmatch(url)
    assert match and match.group(1) == estate, url
    path = urlsplit(url).path.lstrip("/")
    assert (built_site / path / "index.html").is_file(), f"{path} is not in the built site"
    overview = (built_site / path / "index.html").read_text("utf-8")
    versions = BeautifulSoup(overview, "html.parser").select_one("#sl-versions").get_text()
    assert f'"current":"{match.group(2)}"' in versions


def page_text(reader: PdfReader, index: int) -> str:
    """A page's text without whitespace (the text layer spaces runs apart). Chromium's
    text layer writes some ideographs as Kangxi radicals (示 as ⽰): NFKC undoes that."""
    text = unicodedata.normalize("NFKC", reader.pages[index].extract_text())
    return "".join(text.split())


# --------------------------------------------------------------------------- the site


def test_places_come_from_the_site_pages(built_site: Path):
    places = notices.read_places(built_site)
    assert sorted(p.estate_id for p in places) == ESTATES
    for place in places:
        row = ROWS[place.estate_id]
        assert (place.estate_name, place.district_name, place.street_name) == (
            row["name"],
            row["district"],
            row["street"],
        )
        street_page = built_site / "districts" / place.district_slug / place.street_slug
        assert (street_page / "index.html").is_file()
    assert notices.read_as_of(built_site, ESTATES[0]).isoformat() == AS_OF


# --------------------------------------------------------------------------- the PDFs


@pytest.mark.browser
def test_every_estate_pdf_is_one_a4_page(printed: Path):
    assert sorted(p.stem for p in (printed / "estates").glob("*.pdf")) == ESTATES
    for estate in ESTATES:
        reader = PdfReader(printed / "estates" / f"{estate}.pdf")
        assert len(reader.pages) == 1, estate
        box = reader.pages[0].mediabox
        # Chromium rounds A4 to whole CSS pixels: 595.92 × 842.88 pt.
        assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2
        assert f"{ROWS[estate]['name']}信息公示" in page_text(reader, 0)


def text_sizes(reader: PdfReader, index: int) -> Counter:
    """Characters of a page's text layer by their printed size in points (the font size
    times the text and transformation matrices' vertical scale)."""
    sizes: Counter = Counter()

    def visit(text, cm, tm, font, size):
        chars = len("".join(text.split()))
        if chars:
            scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
            sizes[round(size * scale, 1)] += chars

    reader.pages[index].extract_text(visitor_text=visit)
    return sizes


@pytest.mark.browser
def test_notice_is_large_print_with_what_needs_attention_and_who_to_call(
    printed: Path, built_site: Path
):
    for estate in ESTATES:
        reader = PdfReader(printed / "estates" / f"{estate}.pdf")
        sizes = text_sizes(reader, 0)
        assert sizes and min(sizes) >= 13.9, (estate, sorted(sizes.items()))  # 14 pt body
        text = page_text(reader, 0)
        assert "联系与投诉" in text and "12345" in text, estate
        contacts = (DATA_DIR / "estates" / estate / "contacts.csv").read_text("utf-8")
        for phone in re.findall(r"\b0\d{2,3}-\d{7,8}\b|\b400-\d{3}-\d{4}\b", contacts):
            assert phone in text, (estate, phone)
        assert "127.0.0.1" not in text and "localhost" not in text, estate
    meilin = page_text(PdfReader(printed / "estates/meilin-xincun.pdf"), 0)
    assert "需要关注" in meilin and "5栋维修资金低于首期的30%" in meilin
    # Printed from a browser: no page margin, so no room for the browser's header and
    # footer (date, title, URL); the notice pads itself instead.
    notice = (built_site / "estates/meilin-xincun/notice/index.html").read_text("utf-8")
    assert "@page { size: A4 portrait; margin: 0; }" in notice


@pytest.mark.browser
def test_district_and_street_pdfs_have_one_page_per_estate(printed: Path, built_site: Path):
    places = notices.read_places(built_site)
    per_district = Counter(row["district"] for row in ROWS.values())
    per_street = Counter((row["district"], row["street"]) for row in ROWS.values())
    districts = sorted((printed / "districts").glob("*.pdf"))
    streets = sorted((printed / "streets").glob("*.pdf"))
    assert len(districts) == len(per_district) and len(streets) == len(per_street)
    for pdf in districts + streets:
        reader = PdfReader(pdf)
        if pdf.parent.name == "districts":
            members = [p for p in places if p.district_slug == pdf.stem]
            assert len(reader.pages) == per_district[members[0].district_name]
        else:
            members = [p for p in places if f"{p.district_slug}-{p.street_slug}" == pdf.stem]
            assert (
                len(reader.pages) == per_street[(members[0].district_name, members[0].street_name)]
            )
        # One estate per sheet, in the order the site lists them.
        for index, place in enumerate(members):
            assert f"{place.estate_name}信息公示" in page_text(reader, index), (pdf, index)
            box = reader.pages[index].mediabox
            assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2


def pdffonts(pdf: Path) -> list[dict]:
    """poppler's font list: name, type, emb (yes/no) per font."""
    output = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    header, rule, *rows = output
    # Columns are fixed-width, cut at the dashes of the rule line.
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    names = [header[a:b].strip() for a, b in spans]
    return [{n: row[a:b].strip() for n, (a, b) in zip(names, spans, strict=True)} for row in rows]


@pytest.mark.browser
def test_chinese_is_printed_in_an_embedded_cjk_font(printed: Path):
    pdf = printed / "districts" / "xuhui.pdf"
    fonts = pdffonts(pdf)
    assert fonts, "the PDF has no fonts"
    assert [f["name"] for f in fonts if f["emb"] != "yes"] == [], "every font must be embedded"
    # Chromium embeds OpenType/CFF fonts (Noto Sans CJK) as Type 3 glyph outlines, which
    # pdffonts lists without a name ("[none]"); TrueType CJK fonts would appear as named
    # CID fonts. Either way the CJK font must be there, embedded.
    named_cjk = [f for f in fonts if CJK_FONT.search(f["name"])]
    type3 = [f for f in fonts if f["type"] == "Type 3"]
    assert named_cjk or type3, fonts
    # Which font draws the Chinese: every Han character of the text layer must come from
    # an embedded Noto Sans CJK / Source Han font (not from a Latin font showing boxes).
    used = notices.fonts_used(pdf.read_bytes())
    han = {name: use for name, use in used.items() if any(notices.HAN.match(c) for c in use.chars)}
    assert han, "no Chinese text in the PDF"
    for name, use in han.items():
        assert CJK_FONT.search(name), (
            f"Chinese drawn with {name}: {''.join(sorted(use.chars))[:20]}"
        )
        assert use.embedded, name
    drawn = "".join(c for use in han.values() for c in use.chars)
    assert {"信", "息", "公", "业", "委", "会"} <= set(unicodedata.normalize("NFKC", drawn))


@pytest.mark.browser
def test_qr_code_on_paper_opens_the_current_estate_page(printed: Path, built_site: Path, tmp_path):
    """Render every district PDF at 200 dpi and decode each page's QR code from pixels."""
    decoded = {}
    for pdf in sorted((printed / "districts").glob("*.pdf")):
        prefix = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(prefix)], check=True)
        for png in sorted(tmp_path.glob(f"{pdf.stem}-*.png")):
            barcode = decode(png)
            assert_regular_qr(barcode)
            estate = QR_URL.fullmatch(barcode.text).group(1)
            decoded[estate] = barcode.text
    assert sorted(decoded) == ESTATES
    for estate, url in decoded.items():
        assert url == qr_url_of(built_site, estate)
        assert_published(built_site, url, estate)


@pytest.mark.browser
def test_qr_code_on_screen_decodes_the_same(page, built_site: Path):
    estate = "binjiang-huating"
    page.goto(f"estates/{estate}/notice/")
    barcode = decode(page.screenshot(full_page=True))
    assert_regular_qr(barcode)
    assert barcode.text == qr_url_of(built_site, estate)
    assert_published(built_site, barcode.text, estate)


@pytest.mark.browser
def test_a_building_notice_opens_the_estate_with_that_building_chosen(page, built_site: Path):
    """One sheet per lobby, all on estates/<id>/notice/buildings/: a building's QR code
    carries the version and the building; the page it opens still checks the version, and
    leads with that building's maintenance fund (我的楼). Opened at the building's anchor,
    only its sheet prints, on one A4 page; opened plain, every building prints, a page each."""
    estate = "meilin-xincun"
    page.goto(f"estates/{estate}/notice/buildings/#b-3")
    sheet = page.locator("#b-3")
    assert "本楼：3号楼" in sheet.locator(".sl-notice__building").inner_text()
    barcode = decode(sheet.screenshot())
    assert_regular_qr(barcode)
    url = barcode.text
    assert url == qr_url_of(built_site, estate) + "&b=3"
    # The same estate page and version as the estate's notice, plus the building.
    assert_published(built_site, url.removesuffix("&b=3"), estate)
    one = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(one.pages) == 1 and "3号楼维修资金余额" in page_text(one, 0)
    page.goto(f"estates/{estate}/notice/buildings/")
    every = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(every.pages) == 28
    assert [page_text(every, i).count("维修资金余额") for i in (0, 27)] == [1, 1]
    assert "28号楼维修资金余额" in page_text(every, 27)
    # Open what a phone opens (on this test server): the notice is current, building 3 chosen.
    parts = urlsplit(url)
    page.goto(f"{parts.path.lstrip('/')}?{parts.query}")
    assert "最新版本" in page.locator("#sl-notice-check").inner_text()
    assert page.locator("#sl-mybuilding-select").input_value() == "3"
    row = page.locator("#sl-mybuilding-row").inner_text()
    assert row.startswith("3号楼维修资金余额 18,848.90 元")
    # The estate's own notice links the buildings' sheets, on screen only.
    page.goto(f"estates/{estate}/notice/")
    assert page.locator(".sl-notice__buildings a").get_attribute("href") == "buildings/"
    page.emulate_media(media="print")
    assert not page.locator(".sl-notice__buildings").is_visible()


@pytest.mark.browser
def test_pdfs_are_reproducible(printed: Path, built_site: Path, tmp_path: Path):
    estate = "meilin-xincun"
    again = tmp_path / "again"
    result = run_notices(
        "--site-dir", str(built_site), "--out", str(again), "--estate", estate, "--by", "estate"
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in again.rglob("*.pdf")] == [f"{estate}.pdf"]
    first = (printed / "estates" / f"{estate}.pdf").read_bytes()
    assert (again / "estates" / f"{estate}.pdf").read_bytes() == first
    info = PdfReader(io.BytesIO(first)).metadata
    stamp = "D:" + AS_OF.replace("-", "") + "000000+08'00'"
    assert (info["/CreationDate"], info["/ModDate"]) == (stamp, stamp)
    assert info["/Producer"] == notices.PRODUCER
    assert "Chrome" not in str(info.get("/Creator"))


# --------------------------------------------------------------------------- failures


@pytest.fixture(scope="module")
def altered_site(built_site: Path, tmp_path_factory) -> Path:
    """A copy of the demo site with two notices altered: one asks another host for an
    image, one is far too long for a sheet of A4."""
    site = tmp_path_factory.mktemp("altered") / "site"
    shutil.copytree(built_site, site, ignore=shutil.ignore_patterns("pagefind"))
    return site


def _alter(site: Path, estate: str, html: str) -> None:
    path = site / "estates" / estate / "notice" / "index.html"
    text = path.read_text("utf-8")
    marker = '<div class="sl-notice__grid">'
    assert marker in text
    path.write_text(text.replace(marker, html + marker, 1), "utf-8")


@pytest.fixture
def other_host() -> Iterator[tuple[str, list[str]]]:
    """A server on another loopback address (127.0.0.2): a host other than the site's.
    It records every request it gets."""
    hits: list[str] = []

    class handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_error(404)

        def log_message(self, format: str, *args: object) -> None:
            pass

    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), handler)
    except OSError as error:
        pytest.skip(f"cannot listen on 127.0.0.2: {error}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}/", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.browser
def test_no_request_leaves_the_site(altered_site: Path, other_host, tmp_path: Path):
    base, hits = other_host
    _alter(altered_site, "kangxin-yuan", f'<img src="{base}beacon.png" alt="">')
    out = tmp_path / "out"
    result = run_notices(
        "--site-dir", str(altered_site), "--out", str(out), "--estate", "kangxin-yuan"
    )
    assert result.returncode == 0, result.stderr
    assert hits == [], "the notice was printed with a request to another host"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf")) == [
        "districts/xuhui.pdf",
        "estates/kangxin-yuan.pdf",
        "streets/xuhui-kangjianxincun.pdf",
    ]
    # Only the chosen estate: the district file holds just its page.
    assert len(PdfReader(out / "districts" / "xuhui.pdf").pages) == 1


@pytest.mark.browser
def test_a_notice_longer_than_a_page_fails_and_writes_nothing(altered_site: Path, tmp_path: Path):
    _alter(altered_site, "lingyuan-xiaoqu", "<ol>" + "<li>很长的公示内容</li>" * 120 + "</ol>")
    out = tmp_path / "out"
    both = ("--estate", "kangxin-yuan", "--estate", "lingyuan-xiaoqu")
    result = run_notices("--site-dir", str(altered_site), "--out", str(out), *both)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "苓园小区（lingyuan-xiaoqu）的告示打印出来有" in result.stderr
    assert "应为 1 页" in result.stderr
    assert "the notice of lingyuan-xiaoqu prints on" in result.stderr
    assert "kangxin-yuan" not in result.stderr.split("Error:")[-1]
    assert not out.exists() or not any(out.rglob("*.pdf"))


def test_missing_or_unbuilt_site(tmp_path: Path):
    runner = CliRunner()
    missing = runner.invoke(main, ["notices", "--site-dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert "找不到网站文件夹" in missing.output and "No such site folder" in missing.output
    assert "sunlight build" in missing.output

    (tmp_path / "empty").mkdir()
    empty = runner.invoke(main, ["notices", "--site-dir", str(tmp_path / "empty")])
    assert empty.exit_code == 1
    assert "没有构建好的网站" in empty.output and "holds no built site" in empty.output
    assert empty.exception is None or isinstance(empty.exception, SystemExit)


def test_unknown_estate_is_a_usage_error(built_site: Path):
    result = CliRunner().invoke(
        main, ["notices", "--site-dir", str(built_site), "--estate", "no-such-estate"]
    )
    assert result.exit_code == 2
    assert "网站里没有这些小区：no-such-estate" in result.output
    assert "The site has no estate no-such-estate" in result.output


def test_missing_chromium_says_how_to_install_it(built_site: Path, tmp_path, monkeypatch):
    monkeypatch.setattr(notices, "CHROMIUM", tmp_path / "no-chromium")
    result = CliRunner().invoke(
        main, ["notices", "--site-dir", str(built_site), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "找不到 Chromium 浏览器" in result.output and "Chromium is missing" in result.output
    assert "scripts/install-test-deps.sh" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert not (tmp_path / "out").exists()


def test_command_is_documented():
    result = CliRunner().invoke(main, ["notices", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "sunlight notices" in result.output
    readme = (REPO / "README.md").read_text("utf-8")
    assert "`sunlight notices" in readme
    assert "/notices/" in (REPO / ".gitignore").read_text("utf-8").splitlines()
