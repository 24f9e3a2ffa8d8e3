# Sunlight: build the demo site, serve it, test it.
# Every target can run again: scripts/setup.sh skips pip while pyproject.toml is unchanged and
# scripts/install-test-deps.sh skips apt when chromium and the CJK fonts are present.
.PHONY: site serve test lint setup setup-test clean

BIN := .venv/bin

# data/ -> site/
site: setup
	$(BIN)/sunlight build

# Local preview of the site.
serve: setup
	$(BIN)/sunlight serve

# pytest, browser tests included, on every core (pytest-xdist; each worker builds its own
# demo site), at most 4: a container may see more cores than it may use. Then ruff.
# `$(BIN)/python -m pytest tests/test_site.py` runs one file in one process.
test: setup-test
	bash scripts/install-test-deps.sh
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist worksteal
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh test

# Generated files only; keeps .venv.
clean:
	rm -rf site build notices tests/.artifacts
