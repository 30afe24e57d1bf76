# Quick start:  make run   (CSMS + simulated chargers on SQLite)   |   make test   (the whole suite)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run demo serve test test-fast bench lint clean install test-miniprogram

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run demo: $(STAMP)
	$(VENV)/bin/csms demo

serve: $(STAMP)
	$(VENV)/bin/csms serve

test: $(STAMP) test-miniprogram
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -x --ignore=tests/e2e

test-miniprogram:
	cd miniprogram && npm ci --no-audit --no-fund && npm test

bench: $(STAMP)
	$(PY) bench/load.py

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff && $(VENV)/bin/ruff check csms api chargepoint_sim tests bench

clean:
	rm -rf $(VENV) var build dist *.egg-info
