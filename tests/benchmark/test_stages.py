"""The benchmark's pipeline stage: what a revenue_pipeline run does, less its charts, exports and analyst
copy, in one Dagster run whose every step counts towards one of the four stages it stands for."""

import dagster as dg

from orchestration.benchmark.stages import PIPELINE_PARTS, _selection, part_of_step
from orchestration.definitions import defs
from orchestration.defs.jobs import everything_job

NOT_MEASURED = {"charts/arr_waterfall", "charts/recognition", "finance/revenue_exports", "warehouse/analyst_copy"}


def test_the_pipeline_stage_runs_what_revenue_pipeline_runs_but_its_charts_exports_and_copy():
    graph = defs.resolve_asset_graph()
    stage, everything = _selection("pipeline"), everything_job.selection
    assert {key.to_user_string() for key in everything.resolve(graph) - stage.resolve(graph)} == NOT_MEASURED
    assert stage.resolve(graph) <= everything.resolve(graph)
    # every check of revenue_pipeline, the GX suites and dbt's tests of the Salesforce sources included
    assert stage.resolve_checks(graph) == everything.resolve_checks(graph)


def test_every_step_of_a_pipeline_run_counts_towards_one_of_the_four_stages():
    job = dg.define_asset_job("bench_pipeline", selection=_selection("pipeline"))
    steps = [node.name for node in dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
             .resolve_job_def("bench_pipeline").nodes]
    parts = {step: part_of_step(step) for step in steps}
    assert set(parts.values()) == set(PIPELINE_PARTS), parts
    assert parts["revenue_models"] == "models"
    assert parts["reverse_etl__salesforce_push_plan_gx_push_plan"] == "push"  # the plan's suite, as the push stage
    assert sum(part == "gate" for part in parts.values()) == 5
    assert part_of_step("a_step_of_something_else") == "other"
