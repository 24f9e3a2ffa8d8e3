"""deploy/nginx/sunlight.conf, served by Debian's nginx on loopback against the built site.

The test config is the repository's file with only ``listen`` and ``root`` changed, inside
a minimal ``nginx.conf`` of its own (no daemon, logs and temp files in tmp_path).
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.outputs import deploy as dp

REPO = Path(__file__).resolve().parent.parent
CONF = REPO / "deploy" / "nginx" / "sunlight.conf"
ESTATE = "meilin-xincun"


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not found:
        if os.environ.get("SUNLIGHT_SKIP_BROWSER") == "1":  # the install script skipped too
            pytest.skip("SUNLIGHT_SKIP_BROWSER=1 and no nginx")
        pytest.fail("nginx is missing: run scripts/install-test-deps.sh", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_block(site: Path, port: int) -> str:
    text = CONF.read_text("utf-8")
    text, listens = re.subn(r"^(\s*)listen\s+\[::\]:80;\n", "", text, flags=re.M)
    text, listen = re.subn(r"^(\s*)listen\s+80;", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)
    text, root = re.subn(r"^(\s*)root\s+/srv/sunlight/site;", rf"\1root {site};", text, flags=re.M)
    assert (listens, listen, root) == (1, 1, 1), "sunlight.conf's listen/root lines changed"
    return text


@pytest.fixture(scope="module")
def nginx(built_site: Path, tmp_path_factory) -> Iterator[str]:
    prefix = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    (prefix / "sunlight.conf").write_text(server_block(built_site, port), "utf-8")
    temp = {name: prefix / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    # As root, workers would drop to nobody, who cannot read pytest's 0700 folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {prefix}/sunlight.conf;
}}
""",
        "utf-8",
    )
    command = [_nginx(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: master and worker exit
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def get(base: str, path: str, **headers) -> tuple[int, dict, bytes]:
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_the_repository_config_carries_the_built_sites_policy(built_site):
    line = re.search(r'add_header Content-Security-Policy "([^"]*)" always;', CONF.read_text())
    assert line, "sunlight.conf has no Content-Security-Policy line"
    assert line.group(1) == dp.content_security_policy(built_site), (
        "deploy/nginx/sunlight.conf's policy is out of date: paste the output of "
        "`sunlight deploy --print-csp --site-dir site` into it"
    )


def test_mkdocs_yml_carries_the_built_sites_meta_policy(built_site):
    import yaml

    extra = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["extra"]
    assert extra["csp"] == dp.content_security_policy(built_site, meta=True), (
        "mkdocs.yml extra.csp is out of date: paste the output of "
        "`sunlight deploy --print-csp --meta --site-dir site` into it"
    )


def test_pages_carry_the_meta_policy_for_object_storage(built_site):
    """Object storage sends no CSP header; the page's <meta> tag carries the policy."""
    page = (built_site / "index.html").read_text("utf-8")
    tag = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    if not tag:
        pytest.skip("theme/main.html does not render mkdocs.yml extra.csp as a <meta> tag yet")
    assert tag.group(1).replace("&#39;", "'") == dp.content_security_policy(built_site, meta=True)


def test_index_documents(nginx, built_site):
    status, headers, body = get(nginx, f"/estates/{ESTATE}/")
    assert status == 200
    assert body == (built_site / "estates" / ESTATE / "index.html").read_bytes()
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, headers, _ = get(nginx, f"/estates/{ESTATE}")
    assert status == 301 and headers["location"] == f"/estates/{ESTATE}/"
    assert get(nginx, "/")[2] == (built_site / "index.html").read_bytes()


def test_the_chinese_404_page(nginx, built_site):
    for path in ("/estates/no-such-estate/", "/nope.html", "/.sunlight-site"):
        status, headers, body = get(nginx, path)
        assert status == 404, path
        assert body == (built_site / "404.html").read_bytes(), path
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert "Content-Security-Policy".lower() in headers
    assert 'lang="zh-CN"' in (built_site / "404.html").read_text("utf-8")


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/assets/sunlight.css", "text/css; charset=utf-8"),
        (f"/estates/{ESTATE}/data/members.csv", "text/csv; charset=utf-8"),
        (f"/estates/{ESTATE}/calendar.ics", "text/calendar; charset=utf-8"),
        ("/feed.xml", "application/atom+xml; charset=utf-8"),
        (f"/estates/{ESTATE}/data/datapackage.json", "application/json; charset=utf-8"),
    ],
)
def test_text_is_gzipped_with_its_type_and_charset(nginx, built_site, path, kind):
    status, headers, body = get(nginx, path, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == kind
    assert headers.get("content-encoding") == "gzip"
    assert "Accept-Encoding" in headers.get("vary", "")
    assert gzip.decompress(body) == (built_site / path.lstrip("/")).read_bytes()


def test_binary_files_are_not_gzipped(nginx, built_site):
    fragment = next(built_site.glob("pagefind/site/fragment/*.pf_fragment"))
    path = "/" + fragment.relative_to(built_site).as_posix()
    status, headers, body = get(nginx, path, **{"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in headers
    assert body == fragment.read_bytes()
    assert headers["content-type"] == "application/octet-stream"


def test_cache_headers_match_the_deploy_rules(nginx, built_site):
    keys = [
        "index.html",
        f"estates/{ESTATE}/index.html",
        "feed.xml",
        "assets/sunlight.js",
        next(built_site.glob("assets/javascripts/bundle.*.min.js")).relative_to(built_site),
        next(built_site.glob("assets/stylesheets/main.*.min.css")).relative_to(built_site),
        next(built_site.glob("pagefind/site/fragment/*")).relative_to(built_site),
        next(built_site.glob("pagefind/site/index/*")).relative_to(built_site),
        "pagefind/site/pagefind.js",
    ]
    seen = set()
    for key in map(str, keys):
        _status, headers, _ = get(nginx, "/" + key)
        assert headers["cache-control"] == dp.cache_control(key), key
        seen.add(headers["cache-control"])
    assert seen == {dp.SHORT_CACHE, dp.LONG_CACHE}


def test_security_headers(nginx, built_site):
    _status, headers, _ = get(nginx, "/")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["content-security-policy"] == dp.content_security_policy(built_site)
    assert "server" not in headers or "/" not in headers["server"]  # no version


# --------------------------------------------------------------------------- in a browser

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def csp_page(browser, nginx):
    from generator.outputs.localserve import CHROMIUM  # noqa: F401  (the browser fixture checked it)

    context = browser.new_context(base_url=nginx)
    context.set_default_timeout(15_000)
    context.route(lambda url: urlsplit(url).hostname != "127.0.0.1", lambda route: route.abort())
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.console = console
    try:
        yield page
    finally:
        context.close()


def _violations(page) -> list[str]:
    found = list(page.evaluate("window.__cspViolations"))
    found += [m for m in page.console if "Content Security Policy" in m or "CSP" in m]
    return found


@pytest.mark.browser
def test_search_care_mode_and_version_check_work_under_the_policy(csp_page, built_site):
    page = csp_page
    page.goto("/")
    # No page.wait_for_function here: Playwright evaluates its predicate with eval, which
    # the policy forbids (rightly); locators wait without running code in the page.
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("梅林")
    page.locator(f'.md-search-result__item a[href*="estates/{ESTATE}/"]').first.wait_for()
    assert _violations(page) == []

    page.goto(f"estates/{ESTATE}/")
    toggle = page.locator(".sl-care-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.goto(f"estates/{ESTATE}/finances/")  # the inline script applies it before paint
    assert page.evaluate("document.documentElement.classList.contains('sl-care')")
    assert _violations(page) == []

    notice = (built_site / "estates" / ESTATE / "notice" / "index.html").read_text("utf-8")
    version = re.search(r"\?v=([0-9a-f]{8})", notice).group(1)
    page.goto(f"estates/{ESTATE}/?v={version}")
    box = page.locator("#sl-notice-check")
    box.wait_for(state="visible")
    assert box.inner_text().strip().startswith("这张告示是最新版本")
    page.goto(f"estates/{ESTATE}/?v=deadbeef")
    page.locator("#sl-notice-check").wait_for(state="visible")
    assert "deadbeef" in page.locator("#sl-notice-check").inner_text()
    assert _violations(page) == []


@pytest.mark.browser
def test_every_kind_of_page_loads_without_a_violation(csp_page):
    page = csp_page
    for path in (
        "",
        "estates/",
        "overview/",
        "guide/",
        f"estates/{ESTATE}/committee/",
        f"estates/{ESTATE}/history/",
        f"estates/{ESTATE}/notice/",
        "districts/minhang/",
        "nope/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path


@pytest.mark.browser
def test_a_policy_without_the_hashes_would_be_violated(browser, nginx, built_site):
    """The listener works: the same page under a policy lacking the inline hashes reports."""
    context = browser.new_context(base_url=nginx)
    strict = dp.content_security_policy(built_site).split("; ")
    strict = "; ".join(
        "script-src 'self' 'wasm-unsafe-eval'" if d.startswith("script-src") else d for d in strict
    )

    def with_strict_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": strict}
        route.fulfill(response=response, headers=headers)

    context.route("**/*", with_strict_policy)
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    try:
        page.goto("/")
        page.wait_for_load_state("load")
        assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
    finally:
        # Requests still in flight would reach the handler after the context is gone.
        context.unroute_all(behavior="ignoreErrors")
        context.close()
