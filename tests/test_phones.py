"""Phones and care mode (issue 10, the layout half): every page type at 375 and 320 px, in
normal and care mode, measured in headless Chromium.

What "readable on a phone" means here, as the browser computes it:
- no sideways scroll, of the document or of any element;
- text at least 14 px everywhere and 16 px in running text (care mode: 20 px), line
  height at least 1.5;
- buttons and navigation links at least 44 px tall (care mode: 60 px);
- axe-core finds no serious or critical violation;
- tables read as cards; votes as sentences; long pages start with a jump list;
- 联系与投诉 on every estate page, with tel: links.

Screenshots of every page type at 375 px in both modes are written to
build/test-artifacts/screenshots/ (git-ignored) for people to look at.
Fixtures: tests/conftest.py.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from generator.outputs import render

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules/axe-core/axe.min.js"
SCREENSHOTS = REPO / "build/test-artifacts/screenshots"
ESTATE = "estates/meilin-xincun/"
ESTATE_PAGES = [ESTATE + p for p in ("", "committee/", "finances/", "service/", "governance/",
                                      "performance/", "calendar/", "history/", "notice/")]  # fmt: skip
# Every page type of the site: name → path.
PAGE_TYPES = {
    "home": "",
    "directory": "estates/",
    "overview": "overview/",
    "district": "districts/xuhui/",
    "street": "districts/xuhui/tianlin/",
    "value": "districts/xuhui/value/",
    "street-value": "districts/xuhui/tianlin/value/",
    "companies": "companies/",
    "companies-district": "companies/pudong/",
    **{f"estate-{p.split('/')[2] or 'overview'}": p for p in ESTATE_PAGES},
    "estate-governance-votes": "estates/binjiang-huating/governance/",
    "estate-overdue": "estates/langui-huayuan/",
    "estate-notice-buildings": ESTATE + "notice/buildings/",
    "guide": "guide/",
    "guide-complaints": "guide/complaints/",
    "404": "404.html",
}
WIDTHS = (375, 320)
# (smallest text, running text, tap target) in px.
SIZES = {False: (14, 16, 44), True: (20, 20, 60)}

# Measures one page as it is laid out now. Elements hidden (display, visibility, zero
# size, clipped to 1 px by .sl-visually-hidden) are not looked at: nobody sees them.
FINE_PRINT = (
    "small, figcaption, caption, .sl-note, .sl-version, .sl-crumbs, .sl-entry__meta, "
    ".sl-entry__commit, .sl-notice__version, .md-footer-meta"
)
MEASURE = (
    f"""
([minText, bodyText, target]) => {{
  const FINE_PRINT = '{FINE_PRINT}';"""
    + """
  const vw = document.documentElement.clientWidth;
  const seen = el => {
    if (!el.getClientRects().length) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.opacity === '0') return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const own = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const out = {scroll: document.documentElement.scrollWidth, wide: [], small: [], tight: [], targets: []};
  // Material's search and drawer sit off screen until opened: not part of the page.
  const closed = el => el.closest('.md-search, .md-sidebar--primary, .md-sidebar--secondary, [hidden]');
  for (const el of document.querySelectorAll('body *')) {
    if (closed(el) || !seen(el)) continue;
    const cs = getComputedStyle(el);
    if (['auto', 'scroll'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
      out.wide.push(name(el) + ' scrolls ' + el.scrollWidth + ' > ' + el.clientWidth);
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && !el.closest('svg')) out.wide.push(name(el) + ' ends at ' + Math.round(r.right));
    if (own(el)) {
      let size = parseFloat(cs.fontSize);
      const svg = el.closest('svg');
      if (svg && svg.getScreenCTM()) size *= svg.getScreenCTM().a;  // as drawn
      const text = el.textContent.trim().slice(0, 30);
      if (svg) continue;  // chart labels: test_chart_labels_are_readable
      if (size < minText - 0.05) out.small.push(`${name(el)} ${size.toFixed(1)}px «${text}»`);
      // Running text; captions, footnotes and the like may be smaller (but minText).
      const running = el.matches('article p, article li, article td, article dd') &&
        !el.closest(FINE_PRINT) && !svg;
      if (running && size < bodyText - 0.05) out.small.push(`${name(el)} ${size.toFixed(1)}px «${text}» (running text)`);
      if (running) {
        const lh = cs.lineHeight === 'normal' ? 1.2 * size : parseFloat(cs.lineHeight);
        if (lh / parseFloat(cs.fontSize) < 1.5 - 0.01) out.tight.push(`${name(el)} line-height ${(lh / size).toFixed(2)}`);
      }
    }
  }
  const taps = 'button, summary, input:not([type=checkbox]), select, nav a, .sl-tabs a, ' +
    '.md-nav__link, .md-header__button, .sl-contact__tel a, .sl-crumbs a, .sl-jump a';
  for (const el of document.querySelectorAll(taps)) {
    if (closed(el) || !seen(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < target - 0.5) out.targets.push(`${name(el)} ${Math.round(r.height)}px «${el.textContent.trim().slice(0, 20)}»`);
  }
  return out;
}
"""
)


def open_page(page, path: str, care: bool, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    if care:
        page.add_init_script("localStorage.setItem('sl-care', '1')")
    page.goto(path)
    page.evaluate("document.fonts.ready.then(() => true)")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


# --------------------------------------------------------------------------- every page type


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_every_page_type_fits_a_phone(page, care, width):
    problems = {}
    for name, path in PAGE_TYPES.items():
        open_page(page, path, care, width)
        assert page.evaluate("document.documentElement.classList.contains('sl-care')") == care
        found = page.evaluate(MEASURE, list(SIZES[care]))
        issues = [f"document {found['scroll']} px wide"] if found["scroll"] > width else []
        issues += found["wide"] + found["small"] + found["tight"] + found["targets"]
        if issues:
            problems[name] = issues[:12]
        if width == 375:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / f"375-{'care' if care else 'normal'}-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


CHART_PAGES = [ESTATE + "finances/", ESTATE + "performance/", "districts/xuhui/tianlin/value/"]
# Every chart drawn on the page (the normal one, or care mode's: generator/outputs/charts.py)
# and what is wrong with its labels as drawn: smaller than ``least`` px (font size times
# the SVG's scale), reaching outside the chart, overlapping another label, or crossed by a
# reference line.
CHART_LABELS = """least => {
  const shown = el => el.getClientRects().length > 0;
  const charts = [...document.querySelectorAll('svg.sl-chart, svg.sl-care-chart')].filter(shown);
  const problems = [];
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 &&
    a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const svg of charts) {
    const box = svg.getBoundingClientRect(), scale = svg.getScreenCTM().a;
    const name = svg.id || svg.previousElementSibling.id + ' (care)';
    // A label's box: as wide as drawn, as tall as its em square on the baseline (the
    // font's line box is taller than any glyph, and CJK fonts' much taller).
    const texts = [...svg.querySelectorAll('text')].map(t => {
      const r = t.getBoundingClientRect(), size = parseFloat(getComputedStyle(t).fontSize);
      const at = svg.createSVGPoint();
      at.y = t.y.baseVal[0].value;
      const base = at.matrixTransform(svg.getScreenCTM()).y;
      return [t, {left: r.left, right: r.right, top: base - 0.88 * size * scale, bottom: base + 0.12 * size * scale}];
    });
    for (const [t, r] of texts) {
      const drawn = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (drawn < least - 0.05) problems.push(`${name}: ${drawn.toFixed(1)}px «${t.textContent}»`);
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        problems.push(`${name}: «${t.textContent}» reaches outside the chart`);
    }
    texts.forEach(([t, r], i) => texts.slice(i + 1).forEach(([u, q]) => {
      if (overlap(r, q)) problems.push(`${name}: «${t.textContent}» overlaps «${u.textContent}»`);
    }));
    for (const line of svg.querySelectorAll('line.sl-ref')) {
      const l = line.getBoundingClientRect();
      for (const [t, r] of texts)
        if (overlap({left: l.left - 1, right: l.right + 1, top: l.top, bottom: l.bottom}, r))
          problems.push(`${name}: the reference line crosses «${t.textContent}»`);
    }
  }
  return {charts: charts.map(c => c.getAttribute('class')), problems};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_chart_labels_are_readable(page, care, width):
    """Chart labels as drawn are 14 px or more (care mode: 20 px, care mode's own drawing
    of each chart), inside the chart, apart from each other and from reference lines."""
    problems, drawn = [], 0
    for path in CHART_PAGES:
        open_page(page, path, care, width)
        found = page.evaluate(CHART_LABELS, SIZES[care][0])
        assert found["charts"], path
        # Care mode shows its own drawings, and the charts drawn for both modes.
        expected = {"sl-care-chart", "sl-chart sl-chart--dual"} if care else {"sl-chart"}
        assert {c if care and "dual" in c else c.split()[0] for c in found["charts"]} <= expected, (
            path,
            found["charts"],
        )
        drawn += len(found["charts"])
        problems += found["problems"]
    assert drawn == 5  # income, fund, budget; work orders; the district's 质价 scatter
    assert not problems, problems[:20]


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_axe_finds_no_serious_violation_on_a_phone(page, care):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run scripts/install-test-deps.sh (npm ci)")
    problems = []
    for name, path in PAGE_TYPES.items():
        open_page(page, path, care, 375)
        page.add_script_tag(path=str(AXE))
        # Care mode promises 7:1 contrast: axe's AAA rule, off by default, on there.
        result = page.evaluate(
            "async care => (await axe.run(document, {resultTypes: ['violations'],"
            " rules: {'color-contrast-enhanced': {enabled: care}}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
            care,
        )
        problems += [
            (name, v)
            for v in result
            if v["impact"] in ("serious", "critical") or v["id"] == "color-contrast-enhanced"
        ]
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.browser
def test_no_console_error_and_no_material_bundle_on_generated_pages(page):
    errors, scripts = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Leaving a page aborts what it still loads (its favicon): not an error of the page.
    page.on(
        "requestfailed",
        lambda r: errors.append(f"failed: {r.url}") if "ERR_ABORTED" not in r.failure else None,
    )
    page.on(
        "response", lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    for name, path in PAGE_TYPES.items():
        if name == "404":
            continue  # its links point at site_url, which this server is not
        scripts.clear()
        page.goto(path, wait_until="load")
        bundle = [s for s in scripts if "/javascripts/bundle." in s]
        if not name.startswith("guide"):  # the 404 page too
            assert not bundle, (name, bundle)
    assert not errors, errors


# --------------------------------------------------------------------------- weight


def _gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def _recorder(page) -> dict[str, int]:
    """URL → gzip bytes of every successful GET of ``page`` from now on."""
    loaded: dict[str, int] = {}

    def record(request):
        response = request.response()
        if response and response.ok and request.method == "GET":
            loaded.setdefault(request.url, _gzip_size(response.body()))

    page.on("requestfinished", record)
    return loaded


def _visit(page, path: str) -> None:
    page.goto(path, wait_until="load")
    # Playwright runs event handlers only while the test waits on the browser: wait
    # until the network is idle, so this visit's requests are recorded before the next.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)


@pytest.mark.browser
def test_first_visit_of_an_estate_is_light(page):
    """Cold cache, everything loaded until the load event, gzip as a server sends it:
    the first page of an estate at most 50 KB, each further page at most 15 KB new."""
    loaded = _recorder(page)
    page.set_viewport_size({"width": 375, "height": 800})
    _visit(page, ESTATE)
    first = sum(loaded.values())
    assert first <= 50_000, (first, loaded)
    assert not any("/pagefind/" in url for url in loaded), "search files load only on use"
    for path in ESTATE_PAGES[1:]:
        before = dict(loaded)
        _visit(page, path)
        new = {u: n for u, n in loaded.items() if u not in before}
        assert sum(new.values()) <= 15_000, (path, new)


# A first visit may start on any page (a shared link, a search result): every page type,
# and the largest finances page of the sample (梅林新村: 28 buildings, 11 quarters).
FIRST_PAGES = {
    **{name: path for name, path in PAGE_TYPES.items() if not name.startswith("guide")},
    "estate-finances-other": "estates/binjiang-huating/finances/",
}


@pytest.mark.browser
def test_a_first_visit_of_any_page_type_is_light(browser, site_server):
    heavy = {}
    for name, path in FIRST_PAGES.items():
        context = browser.new_context(base_url=site_server, viewport={"width": 375, "height": 800})
        # Nothing from other hosts, as in conftest's page fixture.
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort())
        try:
            page = context.new_page()
            loaded = _recorder(page)
            _visit(page, path)
        finally:
            context.close()
        assert loaded, name
        if sum(loaded.values()) > 50_000:
            heavy[name] = (sum(loaded.values()), loaded)
    assert not heavy, heavy


# What a reader sees of every element (and its ::before/::after), as a string per element;
# then, with Material's whole stylesheet in place of the frame's part of it
# (generator/outputs/framecss.py), the elements whose style differs. Width and height
# carry the effect of everything else on layout.
STYLE_PROPERTIES = (
    "display position top right bottom left width height margin padding border-width "
    "border-style border-color border-radius color background-color background-image "
    "font-family font-size font-weight font-style line-height text-align text-decoration-line "
    "text-transform white-space opacity visibility z-index transform box-shadow overflow-x "
    "overflow-y flex-direction flex-wrap align-items justify-content gap grid-template-columns "
    "mask-image fill stroke list-style-type cursor outline-style vertical-align float "
    "max-width min-height content pointer-events"
).split()
STYLE_SNAPSHOT = (
    "() => { const props = "
    + json.dumps(STYLE_PROPERTIES)
    + """;
  const each = el => [null, '::before', '::after'].map(pseudo => {
    const cs = getComputedStyle(el, pseudo);
    return props.map(p => p + ':' + cs.getPropertyValue(p)).join(';');
  }).join('|');
  return [...document.querySelectorAll('*')].map(el => [el.tagName + '.' + el.className, each(el)]);
}"""
)
STYLE_COMPARE = (
    "async full => {"
    "  const still = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
    "  const before = (" + STYLE_SNAPSHOT + ")();"
    "  const link = [...document.querySelectorAll('link[rel=stylesheet]')]"
    "    .find(l => l.href.includes('/sunlight-frame.'));"
    "  const whole = link.cloneNode();"
    "  whole.href = link.href.replace(/sunlight-frame\\.[0-9a-f]+\\.min\\.css/, full);"
    "  await new Promise((ok, fail) => { whole.onload = ok; whole.onerror = fail; link.after(whole); });"
    "  link.remove(); await still();"
    "  const after = (" + STYLE_SNAPSHOT + ")();"
    "  if (after.length !== before.length) return ['element count', before.length, after.length];"
    "  return before.flatMap(([name, style], i) => style === after[i][1] ? [] : [[name, style,"
    "    after[i][1]].map(x => x.length > 200 ? x.split(';').filter(p => !after[i][1].split(';')"
    "    .includes(p)).join(';') : x)]).slice(0, 5);"
    "}"
)
# Transitions off, so a snapshot never catches a box half-way through one.
NO_MOTION = "*, ::before, ::after { transition: none !important; animation: none !important; }"
# residents.js marks <html> once the district's medians are in (or cannot come).
MEDIANS_DONE = (
    "!document.querySelector('.sl-median[data-median]') || "
    "document.documentElement.hasAttribute('data-sl-medians')"
)


@pytest.mark.browser
def test_generated_pages_look_the_same_with_the_frames_part_of_materials_css(page, built_site):
    """The frame's stylesheet keeps every rule of Material's that a generated page uses:
    each element's computed style is the same with Material's whole stylesheet, on a
    phone and a desktop, in care mode, with the search box and the drawer open."""
    sheets = built_site / "assets/stylesheets"
    (full,) = [p.name for p in sheets.glob("main.*.min.css")]
    (part,) = [p.name for p in sheets.glob("sunlight-frame.*.min.css")]
    assert (sheets / part).stat().st_size < (sheets / full).stat().st_size / 2
    paths = {
        "finances": ESTATE + "finances/",
        "governance-votes": "estates/binjiang-huating/governance/",
        "directory": "estates/",
        "notice": ESTATE + "notice/",
        "404": "404.html",
    }
    different = {}
    states = [(375, "plain"), (375, "care"), (375, "search"), (375, "drawer"),
              (1280, "plain"), (1280, "care"), (1280, "search")]  # fmt: skip
    for width, state in states:
        for name, path in paths.items():
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(path)
            # Care mode is the class on <html> (what the switch sets): all CSS reads.
            page.evaluate(
                "care => document.documentElement.classList.toggle('sl-care', care)",
                state == "care",
            )
            page.add_style_tag(content=NO_MOTION)
            # The medians arrive after load (residents.js): compare the page they leave.
            page.wait_for_function(MEDIANS_DONE)
            if state in ("search", "drawer"):
                page.evaluate(f"document.getElementById('__{state}').checked = true")
            assert part in page.evaluate(
                "[...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href).join()"
            ), path
            found = page.evaluate(STYLE_COMPARE, full)
            if found:
                different[f"{width} {state} {name}"] = found
    assert not different, json.dumps(different, ensure_ascii=False, indent=1)[:4000]


MEDIAN_PAGES = ["", "service/", "finances/", "performance/"]


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_a_median_arriving_after_load_moves_nothing(page, care, width):
    """The district medians come after the page (residents.js), often while a reader is
    already reading; the space they take is held for them, lines and all, so nothing
    below them jumps when they arrive: at 320 px in care mode, where they wrap, too."""
    held, hold = [], [True]

    def medians(route):
        if hold[0]:
            held.append(route)
        else:
            route.continue_()

    page.route("**/medians.json", medians)
    measure = (
        "() => [document.documentElement.scrollHeight, ...[...document.querySelectorAll("
        "'.sl-median')].map(e => [e.textContent, e.getBoundingClientRect().height])]"
    )
    for path in MEDIAN_PAGES:
        hold[0] = True
        open_page(page, ESTATE + path, care, width)
        while not held:
            page.wait_for_timeout(20)
        before = page.evaluate(measure)
        assert len(before) > 1 and all(text == "" for text, _ in before[1:]), (path, before)
        hold[0] = False
        while held:
            held.pop().continue_()
        page.wait_for_selector("html[data-sl-medians=shown]")
        after = page.evaluate(measure)
        assert all(text.startswith("全") for text, _ in after[1:]), (path, after)
        heights = [[h for _, h in found[1:]] for found in (before, after)]
        assert (before[0], heights[0]) == (after[0], heights[1]), (path, before, after)


@pytest.mark.browser
def test_a_median_that_cannot_come_gives_its_space_back(page):
    page.route("**/medians.json", lambda route: route.fulfill(status=404, body=""))
    open_page(page, ESTATE + "finances/", False, 375)
    page.wait_for_selector("html[data-sl-medians=none]")
    assert page.evaluate(
        "[...document.querySelectorAll('.sl-median')].map(e => e.getBoundingClientRect().height)"
    ) == [0]


def test_frame_css_keeps_the_rules_a_page_can_use():
    from generator.outputs.framecss import trim

    css = (
        '@charset "UTF-8";:root{--a:1px;--b:var(--a);--icon:url("x;y");--unused:2px}'
        ".md-x,.md-gone{margin:var(--b)}.md-gone .md-x{color:red}"
        ".md-x:not(.md-gone){padding:0}[class=md-gone] .md-x{top:0}"
        "@media screen and (min-width:60em){.md-gone{display:none}.md-x{animation:spin 1s}}"
        "@media print{.md-gone{color:red}}@keyframes spin{to{opacity:1}}"
        "@keyframes unused{to{opacity:0}}a{color:inherit}/*# sourceMappingURL=main.css.map*/"
    )
    assert trim(css, {"md-x"}, {"--icon"}) == (
        '@charset "UTF-8";:root{--a:1px;--b:var(--a);--icon:url("x;y")}'
        ".md-x{margin:var(--b)}.md-x:not(.md-gone){padding:0}[class=md-gone] .md-x{top:0}"
        "@media screen and (min-width:60em){.md-x{animation:spin 1s}}"
        "@keyframes spin{to{opacity:1}}a{color:inherit}"
    )


# --------------------------------------------------------------------------- tables as cards


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["phone", "care-on-desktop"])
def test_tables_become_cards_with_labels_and_totals_first(page, care):
    open_page(page, ESTATE + "finances/", care, 1280 if care else 375)
    cards = page.evaluate(
        """() => {
          const table = document.querySelector('#q-2026Q3 table') || document.querySelector('.sl-quarter table');
          const rows = [...table.tBodies[0].rows].filter(r => r.getClientRects().length);
          const top = rows.map(r => [r.getBoundingClientRect().top, r.cells[0].textContent.trim()])
            .sort((a, b) => a[0] - b[0]);
          const amount = table.querySelector('tbody td.sl-num');
          return {
            thead: getComputedStyle(table.tHead).display,
            first: top[0][1],
            label: getComputedStyle(amount, '::before').content,
            weight: getComputedStyle(amount).fontWeight,
            single: rows.every(r => r.getBoundingClientRect().width >= table.getBoundingClientRect().width - 2),
          };
        }"""
    )
    assert cards["thead"] == "none"
    assert cards["first"] == "期末余额"  # the total first
    assert cards["label"].strip('"') == "金额（元）"
    assert int(cards["weight"]) >= 700
    assert cards["single"]  # one card per line
    # On a desktop without care mode the same table stays a table with its head row.
    if not care:
        page.set_viewport_size({"width": 1280, "height": 800})
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.sl-quarter thead')).display")
            != "none"
        )


def test_every_table_cell_is_labelled_for_cards(built_site):
    for path in [*ESTATE_PAGES, "", "estates/", "districts/xuhui/", "districts/xuhui/value/",
                 "companies/", "companies/pudong/"]:  # fmt: skip
        page = soup(built_site / path / "index.html")
        for table in page.select("article table"):
            if not table.select("thead th"):
                continue
            assert table.has_attr("data-cards"), (path, table.caption)
            for cell in table.select("tbody td"):
                if not cell.has_attr("colspan"):
                    assert cell.get("data-label"), (path, str(cell)[:80])
        for wrap in page.select(".sl-table-wrap"):
            assert wrap.get("tabindex") == "0" and wrap.get("role") == "region", path
            assert wrap.get("aria-label"), path


@pytest.mark.browser
def test_votes_read_as_one_sentence_per_decision(page):
    open_page(page, "estates/binjiang-huating/governance/", False, 375)
    lines = page.locator("table.sl-votes .sl-vote-line").all_inner_texts()
    assert lines
    vote = re.compile(
        r"\d{4}-\d{2} 业主大会：.+ — (通过|未通过)（参与 \d+\.\d%，同意 \d+\.\d%，需 (≥ 3/4|> 1/2)）"
    )
    for line in lines:
        assert vote.fullmatch(line.strip()), line
    hidden = page.evaluate(
        "[...document.querySelectorAll('table.sl-votes tbody td:not(:last-child)')]"
        ".every(td => !td.getClientRects().length)"
    )
    assert hidden
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not page.locator("table.sl-votes .sl-vote-line").first.is_visible()


@pytest.mark.browser
def test_long_pages_start_with_a_jump_list_on_phones(page):
    open_page(page, ESTATE + "finances/", False, 375)
    jump = page.locator("nav.sl-jump")
    assert jump.is_visible()
    targets = jump.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    headings = page.locator("article h2[id]").evaluate_all("hs => hs.map(h => '#' + h.id)")
    assert targets == headings and "#contacts" in targets
    jump.locator("a", has_text="审计").click()
    assert page.evaluate("location.hash") == "#audits"
    page.set_viewport_size({"width": 1400, "height": 800})
    assert not jump.is_visible()  # the table of contents is beside the page
    page.locator(".sl-care-toggle").click()
    assert jump.is_visible()  # care mode hides that table of contents


# --------------------------------------------------------------------------- care mode


@pytest.mark.browser
def test_care_switch_says_on_or_off_and_is_remembered(page):
    open_page(page, ESTATE, False, 375)
    toggle = page.locator(".sl-care-toggle")
    assert (
        toggle.text_content() == "关怀模式：关" and toggle.get_attribute("aria-pressed") == "false"
    )
    toggle.click()
    assert (
        toggle.text_content() == "关怀模式：开" and toggle.get_attribute("aria-pressed") == "true"
    )
    assert toggle.bounding_box()["height"] >= 60
    page.goto(ESTATE + "governance/")
    assert page.locator(".sl-care-toggle").text_content() == "关怀模式：开"
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
        >= 20
    )


@pytest.mark.browser
def test_care_mode_hides_technical_details(page):
    for path in (ESTATE, ESTATE + "governance/", "estates/binjiang-huating/governance/"):
        open_page(page, path, False, 375)
        count = page.locator(".sl-tech").count()
        assert count, f"{path} has no technical details to hide"
        page.locator(".sl-care-toggle").click()
        visible = page.evaluate(
            "[...document.querySelectorAll('.sl-tech')].filter(e => e.getClientRects().length).length"
        )
        assert visible == 0, path
        page.evaluate("localStorage.removeItem('sl-care')")


@pytest.mark.browser
def test_care_mode_is_one_column(page):
    open_page(page, ESTATE + "finances/", False, 1280)
    assert page.locator(".md-sidebar--secondary").is_visible()
    page.locator(".sl-care-toggle").click()
    assert not page.locator(".md-sidebar--secondary").is_visible()
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('ul.sl-contact-list')).gridTemplateColumns"
    )
    assert len(columns.split()) == 1, columns


SPEECH_STUB = """
window.__spoken = [];
const voices = [{lang: 'zh-CN', name: 'Test Chinese', default: true, localService: true, voiceURI: 'zh'}];
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  getVoices: () => voices,
  speak: u => window.__spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}),
  cancel: () => {},
  addEventListener: () => {},
}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""


@pytest.mark.browser
def test_read_aloud_speaks_the_page_in_chinese_where_a_voice_exists(page):
    page.add_init_script(SPEECH_STUB)
    open_page(page, ESTATE, True, 375)
    button = page.locator("button.sl-speak")
    assert button.is_visible() and button.inner_text() == "朗读"
    assert button.bounding_box()["height"] >= 60
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["voice"] == "Test Chinese"
    assert spoken[0]["lang"] == "zh-CN"
    text = spoken[0]["text"]
    assert text.startswith("梅林新村") and "联系与投诉" in text
    tech = page.evaluate(
        "[...document.querySelectorAll('article .sl-tech')].map(e => e.textContent.trim())"
    )
    assert all(t not in text for t in tech if len(t) > 6)
    assert button.inner_text() == "停止朗读"
    button.click()
    assert button.inner_text() == "朗读"


@pytest.mark.browser
def test_no_read_aloud_button_without_a_chinese_voice(page):
    # Headless Chromium has speechSynthesis but no voice at all.
    open_page(page, ESTATE, True, 375)
    assert page.evaluate("'speechSynthesis' in window && speechSynthesis.getVoices().length") == 0
    assert page.locator("button.sl-speak").count() == 0


# --------------------------------------------------------------------------- contacts


def test_contacts_on_every_estate_page_and_the_notice(built_site):
    for estate in sorted(p.name for p in (built_site / "estates").iterdir() if p.is_dir()):
        for path in ESTATE_PAGES:
            path = path.replace("meilin-xincun", estate)
            block = soup(built_site / path / "index.html").select_one("section.sl-contacts")
            assert block is not None, path
            roles = [r.get_text(strip=True) for r in block.select(".sl-contact__role")]
            assert "12345" in roles and roles[0] == "物业服务中心", (path, roles)
            tels = [a["href"] for a in block.select('a[href^="tel:"]')]
            assert "tel:12345" in tels, path
            assert all(re.fullmatch(r"tel:\+?\d+", t) for t in tels), tels
            if not path.endswith("notice/"):
                assert block.select_one('a[href$="guide/complaints/"]'), path


def test_12345_is_added_when_the_table_lacks_it():
    env = render.environment()
    estate = SimpleNamespace(
        contacts=[{"role": "物业服务中心", "organisation": "某物业服务中心", "phone": "021-5555 0000",
                   "address": "1号楼底层", "hours": "每天 8:00–17:30", "note": None}]
    )  # fmt: skip
    html = env.get_template("_contacts.html").render(estate=estate, url="estates/x/")
    page = BeautifulSoup(html, "html.parser")
    tels = [a["href"] for a in page.select('a[href^="tel:"]')]
    assert tels == ["tel:02155550000", "tel:12345"]
    assert page.select_one('a[href="../../guide/complaints/"]').get_text() == "投诉怎么走"


def test_complaints_guide_is_in_the_nav(built_site):
    guide = soup(built_site / "guide/complaints/index.html")
    assert (
        "12345" in guide.get_text() and guide.select_one("h1").get_text(strip=True) == "投诉怎么走"
    )
    nav = [
        a.get_text(strip=True) for a in soup(built_site / "guide/index.html").select(".md-nav a")
    ]
    assert "投诉怎么走" in nav


# --------------------------------------------------------------------------- sharing


def test_titles_and_share_tags_read_well_in_a_link_card(built_site):
    page = soup(built_site / ESTATE / "index.html")
    assert page.title.get_text() == "梅林新村 · 阳光公示：业委会、收支、物业服务"
    og = {m["property"]: m["content"] for m in page.select("meta[property^='og:']")}
    assert og["og:title"] == page.title.get_text()
    assert og["og:description"] == page.select_one("meta[name=description]")["content"]
    assert "梅林新村" in og["og:description"] and "2026年11月20日" in og["og:description"]
    assert og["og:url"] == "https://sunlight.example.org/estates/meilin-xincun/"
    assert og["og:image"] == "https://sunlight.example.org/assets/share.png"
    image = (built_site / "assets/share.png").read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) < 20_000
    home = soup(built_site / "index.html").title.get_text()
    assert home == "首页 · 阳光公示：上海住宅小区业委会、收支与物业服务公示"
    finances = soup(built_site / ESTATE / "finances/index.html")
    assert finances.title.get_text() == "梅林新村 · 财务 · 阳光公示"
    for path in ("", "guide/", "districts/xuhui/"):
        tags = soup(built_site / path / "index.html").select("meta[property='og:image']")
        assert [t["content"] for t in tags] == ["https://sunlight.example.org/assets/share.png"]


def test_reflow_labels_cells_from_the_last_head_row_and_leaves_the_rest():
    from generator.outputs.frame import reflow

    body = (
        '<div class="sl-table-wrap" data-x><table class="t"><caption>收支 &amp; 余额</caption>'
        '<thead><tr><th scope="col">项目</th><th scope="col">金额<br><small>元</small></th>'
        '<th scope="col">备注</th></tr></thead><tbody>'
        '<tr><th scope="row">收入</th><td class="sl-num">1.00</td><td data-label="自定">x</td></tr>'
        '<tr><td colspan="2">合计</td><td>y</td></tr></tbody></table></div>'
        "<table><tbody><tr><td>无表头</td></tr></tbody></table>"
    )
    page = BeautifulSoup(reflow(body), "html.parser")
    first, plain = page.select("table")
    assert first.has_attr("data-cards") and first["class"] == ["t"]
    assert not plain.has_attr("data-cards") and not plain.select("[data-label]")
    rows = first.select("tbody tr")
    assert [c.get("data-label") for c in rows[0].find_all(["th", "td"])] == [
        "项目",
        "金额 元",
        "自定",
    ]
    assert [c.get("data-label") for c in rows[1].find_all("td")] == [None, "备注"]
    wrap = page.select_one(".sl-table-wrap")
    assert (wrap["role"], wrap["tabindex"], wrap["aria-label"]) == ("region", "0", "收支 & 余额")
    assert wrap.has_attr("data-x")
    assert reflow(reflow(body)) == reflow(body)  # idempotent: a second pass adds nothing


def test_generated_pages_and_the_404_page_load_no_material_bundle(built_site):
    for path in ("404.html", "index.html", "estates/meilin-xincun/index.html"):
        page = soup(built_site / path)
        scripts = [s["src"] for s in page.select("script[src]")]
        assert not [s for s in scripts if "javascripts/bundle." in s], (path, scripts)
        assert any(s.endswith("assets/sunlight.js") for s in scripts), (path, scripts)
    guide = [s["src"] for s in soup(built_site / "guide/index.html").select("script[src]")]
    assert any("javascripts/bundle." in s for s in guide)  # hand-written pages keep Material


# --------------------------------------------------------------------------- search controls


@pytest.mark.browser
def test_escape_right_after_clearing_keeps_the_box_closed(page):
    """清空 puts the cursor back in the box a moment later; Escape pressed before that
    closes the box for good (the late focus used to open it again: a flaky CI run)."""
    open_page(page, ESTATE, False, 375)
    page.get_by_role("button", name="搜索", exact=True).click()
    page.locator("input.md-search__input").fill("梅林")
    page.evaluate(
        """() => {
          document.querySelector('.md-search__options > button[type=reset]').click();
          document.activeElement.dispatchEvent(
            new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
        }"""
    )
    page.wait_for_timeout(200)
    assert not page.evaluate("document.getElementById('__search').checked")
    assert page.evaluate("document.activeElement.classList.contains('sl-search-button')")


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_the_magnifier_is_a_button_and_the_clear_button_a_large_target(page, care):
    """On a phone the header's magnifier is a real <button> (keyboard, screen readers; a
    <label> may not take role="button"), and the search box's 清空当前内容 button is 44 px
    square or more (care mode: 60 px)."""
    open_page(page, ESTATE, care, 375)
    assert page.locator("label[role=button], [role=button]:not(button)").count() == 0
    magnifier = page.get_by_role("button", name="搜索", exact=True)
    assert magnifier.count() == 1 and magnifier.evaluate("b => b.tagName") == "BUTTON"
    box = magnifier.bounding_box()
    assert box["height"] >= SIZES[care][2] - 0.5, box
    magnifier.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('__search').checked")
    field = page.locator("input.md-search__input")
    assert field.evaluate("f => f === document.activeElement")
    field.fill("梅林")
    clear = page.get_by_role("button", name="清空当前内容")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.md-search__options > .md-icon'))"
        ".opacity === '1'"
    )
    size = clear.bounding_box()
    least = SIZES[care][2]
    assert size["width"] >= least - 0.5 and size["height"] >= least - 0.5, size
    # Inside the box, and the typed text stops before it.
    form = page.locator("form.md-search__form").bounding_box()
    assert form["x"] <= size["x"] and size["x"] + size["width"] <= form["x"] + form["width"]
    text_end = field.evaluate(
        "f => f.getBoundingClientRect().right - parseFloat(getComputedStyle(f).paddingRight)"
    )
    assert text_end <= size["x"] + 0.5
    clear.click()
    assert field.input_value() == ""
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")
    assert magnifier.evaluate("b => b === document.activeElement")
    # On a desktop the box sits in the header: no magnifier.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not magnifier.is_visible()
