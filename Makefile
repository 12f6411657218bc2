# The README's two commands. `make demo`: install and run the demo company's period report, then serve its
# dashboard. `make test`: install what the tests need (Debian's Chromium included) and run the whole suite.
#
# Which Python installs and runs everything (README, "Installing"):
# - the python3 on PATH as is when pip may install into it: an active virtual environment or conda
#   environment, or a Python of its own (pyenv, python.org, a container's);
# - a system Python that refuses pip (Debian/Ubuntu, PEP 668 "externally-managed-environment"): a virtual
#   environment in $(VENV), created from it once (with python3-venv from apt if missing) and used from then on.
# `make PYTHON=/path/to/python …` overrides the choice.
BASE_PYTHON ?= python3
VENV ?= .venv
EXTERNALLY_MANAGED := $(shell $(BASE_PYTHON) -c 'import os, sys, sysconfig; print(int(sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))' 2>/dev/null)
ifeq ($(EXTERNALLY_MANAGED),1)
PYTHON ?= $(VENV)/bin/python
# the venv's console scripts (salesplan, jupyter, voila, ruff …) for every recipe and the processes they start
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)
else
PYTHON ?= $(BASE_PYTHON)
endif
PERIOD ?= 2026-10
# nodejs: configurable-http-proxy for `salesplan hub`; acl: the hub tests let hub users reach a Python under /root
APT_PACKAGES = chromium fonts-noto-cjk nodejs acl

.PHONY: demo install test-deps test lint bench catalog screenshots which-python

# A prerequisite only when PYTHON is the venv's: then it must exist first.
PYTHON_READY = $(filter $(VENV)/bin/python,$(PYTHON))

$(VENV)/bin/python:
	@$(BASE_PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  echo "$(BASE_PYTHON) needs python3-venv to create $(VENV): installing it with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv; }
	$(BASE_PYTHON) -m venv $(VENV)

which-python: $(PYTHON_READY)
	@$(PYTHON) -c 'import sys; print(sys.executable)'

install: $(PYTHON_READY)
	$(PYTHON) -m pip install -e .

demo: install
	salesplan run workbooks/demo --period $(PERIOD)
	salesplan serve workbooks/demo

test-deps: $(PYTHON_READY)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	$(PYTHON) -m pip install -e ".[test]"
	npm install --prefix .cache/chp --no-audit --no-fund configurable-http-proxy@^4

lint:
	ruff check .
	ruff format --check salesplan_widgets tests benchmarks

# The suite on TEST_WORKERS pytest-xdist workers (0: in one process): tests/conftest.py keeps together what
# must not run at once (the hub's tests, the template notebooks, each module's tests).
TEST_WORKERS ?= 2
test: test-deps lint
	$(PYTHON) -m pytest -n $(TEST_WORKERS) --dist loadgroup --nbval-lax tests templates

# Redraw the guide's screenshots (an ordinary test run writes them to a scratch folder, never into docs/).
screenshots: test-deps
	SALESPLAN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PYTHON) -m pytest -m browser tests/test_jupyterlab.py tests/test_browser_dashboard.py tests/test_browser_capabilities.py

# The API reference from the docstrings (tests/test_api_docs.py builds it the same way, warnings as errors).
.PHONY: docs
docs:
	$(PYTHON) -m sphinx -W --keep-going -b html docs/api docs/_build/api

bench:
	$(PYTHON) benchmarks/run_all.py

# Refresh the message catalogue after changing user-facing text; then translate the new entries in
# salesplan_widgets/locale/zh_CN/LC_MESSAGES/salesplan.po (tests/test_i18n.py fails until every one is).
catalog:
	pybabel extract -F babel.cfg -o salesplan_widgets/locale/salesplan.pot --no-location --sort-output .
	@if [ -f salesplan_widgets/locale/zh_CN/LC_MESSAGES/salesplan.po ]; then \
	  pybabel update -i salesplan_widgets/locale/salesplan.pot -d salesplan_widgets/locale -D salesplan -l zh_CN --no-fuzzy-matching --ignore-obsolete; \
	else \
	  pybabel init -i salesplan_widgets/locale/salesplan.pot -d salesplan_widgets/locale -D salesplan -l zh_CN; \
	fi
