# Thin wrappers: the CLI (`insight-hub`) does the work. Every target creates .venv if missing.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
export INSIGHT_HUB_HOME ?= $(CURDIR)/warehouse

.PHONY: run test test-serial test-fast ui bench lint serve-db serve-db-stop

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

## The demo: simulate a small county, refresh (ingest, build, gate, publish), show the outcome.
run: $(VENV)/.installed
	$(BIN)/insight-hub simulate --scale 0.02 --start 2025-04-01 --days 61 --seed 1 --defects 0.01
	$(BIN)/insight-hub refresh
	$(BIN)/insight-hub status
	@echo
	@$(PY) -c "from ingestion.layout import Layout, Release; r = Release(Layout.from_env().published.current); \
	  print(f'Published release:  {r.folder}/ (insight_hub.duckdb, parquet/, manifest.json)'); \
	  print(f'KPI pack:           {r.pack}/index.html (open it in a browser; works offline)'); \
	  print(f'Query it:           $(PY) -c \\\"import duckdb; print(duckdb.connect({str(r.database)!r}, read_only=True).sql(\'from bi.kpi_workforce_monthly\'))\\\"')"
	@echo "Dagster UI:         make ui   (then open http://127.0.0.1:3000)"

## Lint (ruff check, ruff format --check), then all tests, slow ones included (what CI runs), on two
## processes (pytest-xdist), each test module whole on one, the modules sharing a world together and
## the longest first (tests/scheduling.py, docs/testing.md).
## sqlfluff runs inside the tests (tests/integration/dbt/test_sqlfluff.py: it needs dbt's environment).
## Chromium (the distribution's package) is installed when missing, for the KPI pack's browser test.
test: lint
	bash scripts/ensure_chromium.sh
	$(PY) -m pytest -q --durations=25 -n 2 --dist loadfile --no-loadscope-reorder

## The same tests on one process (for a traceback without xdist's indirection).
test-serial: lint
	bash scripts/ensure_chromium.sh
	$(PY) -m pytest -q --durations=25

## The quick local loop: skips tests marked slow.
test-fast: $(VENV)/.installed
	$(PY) -m pytest -q -m "not slow"

ui: $(VENV)/.installed
	$(BIN)/insight-hub ui

## The serving database for development: a PostgreSQL 15 cluster under the data root (docs/deployment.md).
serve-db: $(VENV)/.installed
	$(BIN)/insight-hub serve-db start

serve-db-stop: $(VENV)/.installed
	$(BIN)/insight-hub serve-db stop

bench: $(VENV)/.installed
	$(PY) bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
