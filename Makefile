# Wegwijs: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := FLASK_APP=app:create_app $(VENV)/bin/flask
PYTEST := $(VENV)/bin/pytest
PG_URL ?= postgresql://postgres@127.0.0.1:5432
PG_TEST_DB ?= wegwijs_test
PORT ?= 5000
# pytest-xdist: one worker per core for the suite (`make test XDIST=` runs it in one process).
XDIST ?= -n auto

.PHONY: setup run web scheduler db test test-fast test-postgres test-browser test-all lint translations translations-update bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(VENV)/bin/pybabel -q compile -d translations; fi

db: setup
	$(FLASK) db upgrade
	$(FLASK) demo-data

# Web and scheduler together, SQLite in instance/, SMS to the outbox page. Ctrl-C stops both.
run: db
	@echo "Wegwijs draait op http://localhost:$(PORT)  (demo-accounts: zie README.md)"
	@$(PY) scheduler.py & SCHED=$$!; trap "kill $$SCHED 2>/dev/null" EXIT INT TERM; \
	$(FLASK) run --port $(PORT)

web: db
	$(FLASK) run --port $(PORT)

scheduler: setup
	$(PY) scheduler.py

test: setup
	$(PYTEST) $(XDIST) --ignore=tests/browser

# A quicker local run: without the tests marked slow (CI runs everything).
test-fast: setup
	$(PYTEST) $(XDIST) --ignore=tests/browser -m "not slow"

# The same suite on a fresh PostgreSQL database (each xdist worker makes its own $(PG_TEST_DB)_gwN).
test-postgres: setup
	psql "$(PG_URL)/postgres" -qc "DROP DATABASE IF EXISTS $(PG_TEST_DB) WITH (FORCE)" -c "CREATE DATABASE $(PG_TEST_DB)"
	DATABASE_URL=$(PG_URL)/$(PG_TEST_DB) $(PYTEST) $(XDIST) --ignore=tests/browser

# Headless Chromium from Debian's package, driven by Playwright; axe-core on every page.
test-browser: setup
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; else echo "Installeer eerst chromium: sudo apt-get install chromium"; exit 1; fi; }
	$(PYTEST) tests/browser

test-all: test test-postgres test-browser

lint: setup
	$(VENV)/bin/ruff check .
	$(PYTHON) ../shared/tools/layers.py .

# Every bench script in turn (files starting with _ are their helpers); each prints its goal
# figures and ratios measured in the same run. PostgreSQL on $(PG_URL), trusted local login.
bench: setup
	@rc=0; for f in bench/[!_]*.py; do echo "== $$f"; $(PY) $$f || rc=1; done; exit $$rc

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-*

# Collect the interface texts and bring the English catalogue up to date (then translate the new msgids).
translations-update: setup
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot --ignore-dirs=".venv tests bench migrations instance" .
	@if [ -f translations/en/LC_MESSAGES/messages.po ]; then $(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i messages.pot -d translations -l en; \
	else $(VENV)/bin/pybabel -q init -i messages.pot -d translations -l en; fi
	rm -f messages.pot
