"""Every dbt model as a Dagster asset downstream of its raw tables; every dbt test as an asset check.

Asset keys, groups and owners come from dbt itself (sources' and folders' ``meta.dagster``), so the
business structure lives in the dbt project, not in Python.
"""

import json
import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.partial_parse import keep_partial_parse
from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.target_retention import prune_run_folders
from orchestration.paths import DATABASE_ENV

translator = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                                  enable_source_tests_as_checks=True))


class DbtBuildConfig(dg.Config):
    """Run configuration for the models: the as-of date for statuses and ARR, and dbt vars."""

    as_of_date: str | None = None
    vars: dict[str, str] = {}
    # dbt's advice: unit tests check SQL logic against fixed inputs, so they belong in development and CI
    # (make test runs every one of them), not in each production build over the same code.
    run_unit_tests: bool = False
    # The schedule models are built incrementally by line; a full refresh rebuilds every line, which is only
    # needed after changing a macro they call (their own SQL is part of each line's fingerprint).
    full_refresh: bool = False


def dbt_vars(config: DbtBuildConfig) -> dict[str, str]:
    values = dict(config.vars)
    if config.as_of_date:
        values["as_of_date"] = config.as_of_date
    return values


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator)
def revenue_models(context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource,
                   warehouse: WarehouseResource):
    args = ["build"]
    if not config.run_unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    values = dbt_vars(config)
    if values:
        args += ["--vars", json.dumps(values)]
    # dbt reads the warehouse path from the environment (profiles.yml): point it at this run's file.
    previous = os.environ.get(DATABASE_ENV)
    os.environ[DATABASE_ENV] = str(warehouse.path)
    try:
        invocation = dbt.cli(args, context=context)
        yield from invocation.stream()
    finally:
        if previous is None:
            os.environ.pop(DATABASE_ENV, None)
        else:
            os.environ[DATABASE_ENV] = previous
    keep_partial_parse(invocation.target_path, invocation.target_path.parent)
    removed = prune_run_folders(invocation.target_path.parent, context.op_execution_context.op.name)
    if removed:
        context.log.info(f"removed {len(removed)} old dbt run folders from {invocation.target_path.parent}")
