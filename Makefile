# The README's commands. Each target creates the virtualenv and installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/.dagster_home
export REVENUE_DUCKDB_PATH ?= $(CURDIR)/data/revenue.duckdb

.PHONY: install demo test dev lint format clean

# Dagster keeps runs, logs and schedules here; telemetry stays off.
$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\n' > $@

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install $(DAGSTER_HOME)/dagster.yaml  ## run the whole pipeline on the embedded demo org into data/revenue.duckdb
	$(BIN)/python -m orchestration.demo

test: install  ## run the test suite
	$(BIN)/python -m pytest

dev: install $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -w workspace.yaml

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .pytest_cache
