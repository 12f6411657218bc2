# The README's two commands. `make demo`: install and run the demo company's period report, then serve its
# dashboard. `make test`: install what the tests need (Debian's Chromium included) and run the whole suite.
PYTHON ?= python3
PERIOD ?= 2026-10
# nodejs: configurable-http-proxy for `salesplan hub`; acl: the hub tests let hub users reach a Python under /root
APT_PACKAGES = chromium fonts-noto-cjk nodejs acl

.PHONY: demo install test-deps test lint bench catalog screenshots

install:
	$(PYTHON) -m pip install -e .

demo: install
	salesplan run workbooks/demo --period $(PERIOD)
	salesplan serve workbooks/demo

test-deps:
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

test: test-deps lint
	$(PYTHON) -m pytest --nbval-lax tests templates

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
