#!/usr/bin/env bash
# Create .venv and install Sunlight into it, editable.
#   scripts/setup.sh         pip install -e .
#   scripts/setup.sh test    pip install -e '.[test]'
# Safe to run again: a stamp file in .venv skips pip until pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

extras=${1:-}
spec=".${extras:+[$extras]}"
stamp=".venv/.installed${extras:+-$extras}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x .venv/bin/python ]; then
  # Debian's own python3 ships venv's pip bootstrap in a separate package.
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  python3 -m venv .venv
fi

if [ ! "$stamp" -nt pyproject.toml ]; then
  echo "pip install -e '$spec'"
  .venv/bin/pip install -q --disable-pip-version-check -e "$spec"
  # The test extras include the base install, so both stamps are now current.
  touch "$stamp" .venv/.installed
fi
