# Clarion: `make run` to start, `make test` for the whole suite, `make test-fast` for all but the
# browser and live-server tests (on two processes).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python keeps compiled modules (and pytest its rewritten tests) in __pycache__, ignored by git.
# Some machines switch that off; every test process and `python -m clarion` the tests start
# would then compile Clarion and the suite again, seconds each.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-fast bench lint format install

install: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --quiet --require-hashes -r requirements.lock
	@touch $@

# axe-core for the accessibility checks of the browser tests, from the npm registry (package-lock.json).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: browser accessibility tests will be skipped"; fi

run: $(STAMP)
	$(PY) -m clarion migrate --noinput
	$(PY) -m clarion demo
	$(PY) -m clarion serve

# PYTEST_ARGS: more options for pytest, e.g. `make test PYTEST_ARGS=--durations=20` (as CI does).
# Two processes each: first the in-process tests, then those that start real servers or Chromium
# (a module's tests stay on one process, so a module's server starts once).
test: $(STAMP) node_modules/.installed
	$(PY) -m pytest -n 2 --dist worksteal -m "not browser and not live_server_process" $(PYTEST_ARGS)
	$(PY) -m pytest -n 2 --dist loadfile -m "browser or live_server_process" $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist worksteal -m "not browser and not live_server_process" $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	CLARION_DATA_DIR=$$(mktemp -d) $(PY) -m clarion makemigrations --check --dry-run
	CLARION_DATA_DIR=$$(mktemp -d) $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
