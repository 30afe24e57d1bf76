# Quick start:  make run   (CSMS + simulated chargers on SQLite)   |   make test   (the whole suite)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the suite runs on every core, a test file per worker (its module fixtures stay in one process)
XDIST  ?= -n auto --dist loadfile

.PHONY: run demo serve test test-fast bench lint clean install test-miniprogram console test-console soak soak-crash audit

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The operator console (console/): npm ci + vite build into console/dist, redone only when its
# sources, lock file or build config changed (the stamp is written last, after a whole build).
CONSOLE_STAMP := console/dist/.built
CONSOLE_SRC   := $(shell find console/src console/public -type f 2>/dev/null) console/index.html \
                 console/package.json console/package-lock.json console/vite.config.ts console/tsconfig.json

$(CONSOLE_STAMP): $(CONSOLE_SRC)
	cd console && npm ci --no-audit --no-fund && npm run build
	touch $(CONSOLE_STAMP)

console: $(CONSOLE_STAMP)

run demo: $(STAMP) console
	$(VENV)/bin/csms demo

serve: $(STAMP) console
	$(VENV)/bin/csms serve

test: $(STAMP) test-miniprogram test-console console
	$(PY) -m pytest -q -p no:cacheprovider $(XDIST)

test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider $(XDIST) -x --ignore=tests/e2e

test-miniprogram:
	cd miniprogram && npm ci --no-audit --no-fund && npm test

test-console:
	cd console && npm ci --no-audit --no-fund && npm test

# issue 16 item 3/4 at length: SIGKILL the CSMS at start, meter values, stop and payment CRASH_ROUNDS
# times over (the suite runs one round), MariaDB and WeChat stopped and started (part of `make soak`)
CRASH_ROUNDS ?= 10
soak-crash: $(STAMP)
	CSMS_CRASH_ROUNDS=$(CRASH_ROUNDS) $(PY) -m pytest -q -p no:cacheprovider -o timeout=0 -s \
		tests/e2e/test_crash_restart.py tests/integration/test_mariadb_restart.py tests/e2e/test_wechat_down.py

# Long hostile runs (docs/reliability.md): fuzzed OCPP frames over real sockets (100,000 in all by default),
# then atheris on the frame decoder and dispatcher for SOAK_SECONDS (hypothesis where atheris does not
# build), then schemathesis over every API operation as every role.
# The frames run SOAK_RUNS times with consecutive seeds: with a random seed hypothesis stops drawing early
# (often before 5,000 examples for 2.0.1), so 20 runs of up to 5,000 per version: ~130,000-200,000 frames.
SOAK_FRAMES  ?= 5000
SOAK_RUNS    ?= 20
SOAK_SECONDS ?= 60
SOAK_API     ?= 20
soak: $(STAMP) soak-crash
	base=$${CSMS_FUZZ_SEED:-$$(date +%s)}; for run in $$(seq 1 $(SOAK_RUNS)); do \
	  CSMS_FUZZ_FRAMES=$(SOAK_FRAMES) CSMS_FUZZ_SEED=$$((base + run)) \
	    $(PY) -m pytest -q -p no:cacheprovider -s --timeout=0 tests/e2e/test_fuzzed_frames.py || exit 1; done
	if $(PY) -m pip install --quiet 'atheris>=2.3' 2>/dev/null; then \
	  $(PY) -m tests.fuzz.atheris_frames -max_total_time=$(SOAK_SECONDS) -rss_limit_mb=2048; \
	else echo "atheris does not build here: the same property by hypothesis"; \
	  $(PY) -m tests.fuzz.atheris_frames --hypothesis $$(( $(SOAK_SECONDS) * 500 )); fi
	CSMS_API_FUZZ_EXAMPLES=$(SOAK_API) $(PY) -m pytest -q -p no:cacheprovider --timeout=0 tests/e2e/test_api_fuzz.py

# Known vulnerabilities in the Python and npm dependencies (.ci/audit.py; accepted ones: .ci/audit-exceptions.toml)
audit: $(STAMP)
	$(PY) -m pip install --quiet 'pip-audit>=2.7,<3'
	$(PY) .ci/audit.py

bench: $(STAMP)
	$(PY) bench/load.py

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff && $(VENV)/bin/ruff check csms api chargepoint_sim tests bench

clean:
	rm -rf $(VENV) var build dist *.egg-info console/dist
