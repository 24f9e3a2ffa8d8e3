"""What only a real browser can show: headless Chromium against the built demo site.

Search (the header's box over Pagefind's chunked index; more in tests/test_search.py), the
one-page printed notice, that no request leaves the site, and the phone layout. Fixtures:
tests/conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

ESTATE = "/estates/meilin-xincun/"
# Git-ignored evidence for people to look at; tests do not compare it with anything.
ARTIFACTS = Path(__file__).parent / ".artifacts"


def search(page: Page, term: str) -> Locator:
    """Type ``term`` into the header's search box as a person would; return the result items."""
    # On a phone the box hides behind the header's magnifier; on a desktop it is in the header.
    button = page.locator("button.sl-search-button")
    if button.is_visible():
        button.click()
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(term)
    # The box searches on input; end with a key press as a person typing does.
    box.press("End")
    return page.locator(".md-search-result__item")


def result_paths(items: Locator) -> list[str]:
    """Paths (no query or fragment) of every link in the search results."""
    return items.locator("a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")


def count_pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF from Chromium (Skia writes page objects uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_estate_page_opens(page: Page) -> None:
    page.goto(ESTATE)
    expect(page.locator("h1")).to_contain_text("梅林新村")

    page.goto(ESTATE + "finances/")
    # Older quarters are folded away (以往季度); open them as a reader would.
    for summary in page.locator("details:not([open]) > summary").all():
        summary.click()
    # Named by its caption, which says the period in words (issue 10).
    quarter = page.get_by_role("table", name=re.compile("2025年第1季度"))
    expect(quarter.get_by_role("row", name=re.compile("期末余额"))).to_contain_text("73,100.00")


def test_search_finds_estate_by_chinese_name(page: Page) -> None:
    page.goto("/")
    items = search(page, "梅林")
    expect(items.first).to_be_visible()
    assert ESTATE in result_paths(items)


def test_search_two_character_word(page: Page) -> None:
    page.goto("/")
    items = search(page, "物业")
    expect(items.first).to_be_visible()


def test_notice_prints_on_one_a4_page(page: Page) -> None:
    page.goto(ESTATE + "notice/")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "notice-meilin-xincun.pdf").write_bytes(pdf)
    assert count_pdf_pages(pdf) == 1, "the notice must fit one A4 sheet"

    page.emulate_media(media="print")
    expect(page.get_by_role("img", name=re.compile("二维码"))).to_be_visible()


def test_no_request_leaves_the_site(page: Page, site_server: str) -> None:
    requests: list[str] = []
    # On the context, so requests from Pagefind's web worker count too.
    page.context.on("request", lambda request: requests.append(request.url))
    for path in ("/", "/estates/", ESTATE, ESTATE + "finances/", ESTATE + "notice/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    expect(search(page, "梅林").first).to_be_visible()

    foreign = [
        url for url in requests if not url.startswith((site_server, "data:", "blob:", "about:"))
    ]
    assert len(requests) > 5
    assert foreign == [], "the site must work offline, with nothing loaded from elsewhere"


def test_estate_overview_fits_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(ESTATE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "estate-overview-375.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
