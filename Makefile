# The README's commands. Each target creates the virtualenv and installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/.dagster_home
export REVENUE_DUCKDB_PATH ?= $(CURDIR)/data/revenue.duckdb

.PHONY: install demo test dev lint format clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install  ## run the whole pipeline on the embedded demo org into data/revenue.duckdb
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m orchestration.demo

test: install  ## run the test suite
	$(BIN)/python -m pytest

dev: install  ## the Dagster UI on http://127.0.0.1:3000
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .pytest_cache
