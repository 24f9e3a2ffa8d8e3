"""Shared fixtures: the real demo site, built once, served over HTTP, opened in Chromium.

The contract, for every test module:

``built_site`` (session)
    ``Path`` of a ``site/`` folder made by the real ``sunlight build`` from the repository's
    ``data/``, with ``--as-of 2026-11-20`` and ``--site-url https://sunlight.example.org/``
    (the constants below). Built once per session in a temporary folder; a failed build fails
    every test that asks for it, with the command's output. Read it, never write to it.

``site_server`` (session)
    Base URL ``"http://127.0.0.1:PORT/"`` (trailing slash) of a static HTTP server over
    ``built_site``, on a free port, in a background thread.

``browser`` (session, browser tests only)
    A Playwright ``Browser``: Debian's headless ``/usr/bin/chromium``. When it is missing the
    test fails and says to run ``scripts/install-test-deps.sh``; with ``SUNLIGHT_SKIP_BROWSER=1``
    browser tests are skipped instead.

``page`` (function)
    A fresh ``Page`` in its own context (no shared cookies, storage or cache), whose
    ``base_url`` is ``site_server``, so ``page.goto("/estates/")`` works. Requests to any host
    other than 127.0.0.1 are aborted, so a test never waits on the internet; they still fire
    ``request`` events, so tests can see them. Timeout 15 s, for actions and for ``expect``.

Mark browser tests with ``@pytest.mark.browser`` (``pytest -m "not browser"`` leaves them out).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from generator.outputs.localserve import CHROMIUM, CHROMIUM_ARGS, serve

if TYPE_CHECKING:  # playwright is a test extra; annotations only
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data"
AS_OF = "2026-11-20"
SITE_URL = "https://sunlight.example.org/"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real ``sunlight build`` once and return the site folder."""
    out = tmp_path_factory.mktemp("built")
    site, build = out / "site", out / "build"
    # The entry point installed next to this interpreter: the same venv as the tests.
    sunlight = Path(sys.executable).parent / "sunlight"
    cmd = [
        str(sunlight), "build", str(DATA_DIR),
        "--site-dir", str(site),
        "--build-dir", str(build),
        "--as-of", AS_OF,
        "--site-url", SITE_URL,
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (
        f"`{' '.join(cmd)}` exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    assert (site / "index.html").is_file(), f"the build wrote no {site / 'index.html'}"
    return site


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[str]:
    """Serve ``built_site`` on 127.0.0.1 and yield its base URL."""
    with serve(built_site) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium headless through Playwright, once per session."""
    if os.environ.get("SUNLIGHT_SKIP_BROWSER") == "1":
        pytest.skip("SUNLIGHT_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/install-test-deps.sh "
            "(or set SUNLIGHT_SKIP_BROWSER=1 to skip the browser tests)",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    # Material's search loads its index in a web worker; give slow CI machines time.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


@pytest.fixture
def page(browser: Browser, site_server: str) -> Iterator[Page]:
    """A new page in a fresh context, based at ``site_server``; closed after the test."""
    # The pages carry a Content-Security-Policy <meta> that forbids eval, which Playwright's
    # string predicates use; tests/test_nginx.py checks the policy itself, without this.
    context = browser.new_context(base_url=site_server, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    # Only http(s)/ws(s) reach the route; data:, blob: and about: never do.
    context.route(lambda url: not _is_local(url), lambda route: route.abort())
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
