# The README's commands. Each target creates the virtualenv and installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/.dagster_home
export REVENUE_DUCKDB_PATH ?= $(CURDIR)/data/revenue.duckdb

.PHONY: install demo test dev docs sql graph bench export lint format clean

# Dagster keeps runs, logs and schedules here; telemetry stays off.
$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\nfreshness:\n  enabled: true\n' > $@

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The dbt manifest Dagster builds its assets from; re-parsed whenever the dbt project changes.
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f 2>/dev/null) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

demo: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml  ## run the whole pipeline on the embedded demo org into data/revenue.duckdb
	$(BIN)/python -m orchestration.demo

test: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml  ## run the test suite
	$(BIN)/python -m pytest

dev: install $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -w workspace.yaml

# dbt docs read the analyst copy read-only (profile target "docs"), so they never hold a lock a run needs.
DOCS_TARGET := target/docs
docs: install $(MANIFEST)  ## dbt docs for the models, on http://127.0.0.1:8080 (after make demo)
	cd dbt_project && REVENUE_DUCKDB_PATH="$$(../$(BIN)/python -m orchestration.sql --copy-path)" && \
		REVENUE_DUCKDB_PATH="$$REVENUE_DUCKDB_PATH" ../$(BIN)/dbt docs generate --profiles-dir . --target docs \
			--target-path $(DOCS_TARGET) && \
		../$(BIN)/dbt docs serve --profiles-dir . --target docs --target-path $(DOCS_TARGET) \
			--host 127.0.0.1 --port 8080 --no-browser

sql: install  ## a read-only DuckDB shell on the analyst copy (make sql Q="select ..." runs one query)
	$(BIN)/python -m orchestration.sql $(if $(Q),-c "$(Q)")

graph: install $(MANIFEST)  ## regenerate the asset-graph diagram in README.md from the definitions
	$(BIN)/python -m orchestration.asset_graph --write README.md

# make bench SCALE=100000: extraction, dbt build, the gate and a dry-run push on a generated org of SCALE
# opportunities, each stage in its own process; figures go to bench/results.json (one entry per scale).
SCALE ?= 10000
bench: install $(MANIFEST)  ## benchmark the pipeline stage by stage (make bench SCALE=N)
	$(BIN)/python -m orchestration.benchmark --scale $(SCALE)

export: install  ## the revenue schedule, status, waterfall and allocations as CSV and Parquet in data/exports
	$(BIN)/python -m orchestration.exports

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .pytest_cache
