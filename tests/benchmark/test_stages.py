"""The benchmark's pipeline stage runs what its four stages run, as one Dagster run."""

import dagster as dg

from orchestration.benchmark.stages import PIPELINE_PARTS, _selection, part_of_step
from orchestration.definitions import defs


def _resolved(selection: dg.AssetSelection, graph) -> tuple[set, set]:
    return selection.resolve(graph), selection.resolve_checks(graph)


def test_the_pipeline_stage_selects_exactly_what_its_four_stages_select():
    graph = defs.resolve_asset_graph()
    assets, checks = _resolved(_selection("pipeline"), graph)
    part_assets, part_checks = set(), set()
    for part in PIPELINE_PARTS:
        more_assets, more_checks = _resolved(_selection(part), graph)
        part_assets |= more_assets
        part_checks |= more_checks
    assert (assets, checks) == (part_assets, part_checks)
    assert dg.AssetKey(["raw", "opportunity"]) in assets
    assert dg.AssetKey(["reverse_etl", "salesforce_push"]) in assets
    assert any(check.name.startswith("gx_") for check in checks)
    assert not any("freshness" in check.name for check in checks)


def test_each_step_of_a_pipeline_run_counts_towards_the_stage_that_runs_it():
    assert part_of_step("raw__opportunity") == "extract"
    assert part_of_step("revenue_models") == "models"
    assert part_of_step("marts__fct_contracts_gx_opportunities") == "gate"
    assert part_of_step("reverse_etl__salesforce_push_plan") == "push"
    assert part_of_step("reverse_etl__salesforce_push_plan_gx_push_plan") == "push"
