"""The README's asset-graph diagram: generated from the definitions, complete at group level, stable, well formed."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest

from orchestration import asset_graph
from orchestration.asset_graph import END_MARKER, START_MARKER, MarkerError, build_diagram, replace_block, to_mermaid
from orchestration.definitions import defs

README = Path(__file__).resolve().parents[1] / "README.md"
NODE = re.compile(r'^ {4}([A-Za-z_][A-Za-z0-9_]*)\["([^"]*)"\]$')
EDGE = re.compile(r"^ {2}([A-Za-z_][A-Za-z0-9_]*) --> ([A-Za-z_][A-Za-z0-9_]*)$")


def key(text: str) -> dg.AssetKey:
    return dg.AssetKey.from_user_string(text)


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def diagram(graph):
    return build_diagram(graph)


@pytest.fixture(scope="module")
def text(diagram):
    return to_mermaid(diagram)


def parse(text: str) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    """Node ids with labels, edges and subgraph titles; fails on any line it does not recognise."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    titles: list[str] = []
    depth = 0
    for line in lines[1:]:
        if match := re.match(r'^ {2}subgraph ([A-Za-z_][A-Za-z0-9_]*)\["([^"]*)"\]$', line):
            assert depth == 0, "subgraphs are not nested"
            depth += 1
            titles.append(match.group(2))
            assert match.group(1) not in nodes
            nodes[match.group(1)] = match.group(2)
        elif line == "  end":
            assert depth == 1
            depth -= 1
        elif match := NODE.match(line):
            assert depth == 1, f"node outside a subgraph: {line}"
            assert match.group(1) not in nodes, f"node declared twice: {line}"
            nodes[match.group(1)] = match.group(2)
        elif match := EDGE.match(line):
            edges.append((match.group(1), match.group(2)))
        elif not re.match(r"^ {2}(classDef|class) ", line):
            pytest.fail(f"unexpected Mermaid line: {line!r}")
    assert depth == 0
    return nodes, edges, titles


def test_every_group_is_a_subgraph_in_dependency_order(graph, text):
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    _, _, titles = parse(text)
    names = [title.split(":")[0] for title in titles]
    assert sorted(names) == sorted(groups)
    order = {name: i for i, name in enumerate(names)}
    assert order["salesforce_raw"] < order["staging"] < order["marts"] < order["reverse_etl"]


def test_every_published_asset_is_drawn_by_name(graph, diagram, text):
    nodes, _, _ = parse(text)
    labels = {label.split("<br/>")[0] for label in nodes.values()}
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    marts = {k for k in keys if k.startswith("marts/")}
    assert {"marts/fct_revenue_schedule", "marts/fct_contracts"} <= marts
    assert marts <= labels
    published = {k.to_user_string() for k in graph.get_all_asset_keys()
                 if asset_graph.is_shown(k, graph.get(k).group_name)}
    assert {k for k in keys if k.split("/")[0] in asset_graph.SHOWN_LAYERS} <= published
    assert published <= labels
    # Plumbing (raw objects, staging models, int_ models) is summarised, never drawn one by one.
    assert labels & keys == published
    assert set(diagram.node_of) == set(graph.get_all_asset_keys())


def test_summaries_count_what_they_hide(text):
    nodes, _, _ = parse(text)
    raw = nodes["sum_salesforce_raw"]
    assert raw.startswith("raw/*: 14 Salesforce objects")
    assert "Opportunity" in raw and "Account" in raw
    assert "staging/*: 10 incrementals, 5 views" in nodes["sum_staging"]
    assert re.search(r"intermediate/\*: \d+ ", nodes["sum_marts"])


def test_known_dependencies_are_edges(diagram):
    edges = set(diagram.edges)
    node = {k: diagram.node_of[key(k)] for k in (
        "raw/opportunity", "staging/stg_salesforce__opportunities", "staging/stg_salesforce__accounts",
        "marts/dim_accounts", "reverse_etl/salesforce_push_plan", "reverse_etl/salesforce_push")}
    assert (node["raw/opportunity"], node["staging/stg_salesforce__opportunities"]) in edges
    assert (node["staging/stg_salesforce__accounts"], node["marts/dim_accounts"]) in edges
    assert (node["reverse_etl/salesforce_push_plan"], node["reverse_etl/salesforce_push"]) in edges
    if key("marts/fct_revenue_schedule") in diagram.node_of:
        assert (diagram.node_of[key("marts/fct_revenue_schedule")], node["reverse_etl/salesforce_push_plan"]) in edges


def test_edges_are_exactly_the_folded_dependencies(graph, diagram):
    """Every real dependency between two drawn nodes is an edge, and every edge has a real dependency behind it."""
    folded = {
        (diagram.node_of[parent], diagram.node_of[child])
        for child in graph.get_all_asset_keys() for parent in graph.get(child).parent_keys
        if diagram.node_of[parent] != diagram.node_of[child]
    }
    assert set(diagram.edges) == folded
    assert diagram.edges == sorted(set(diagram.edges))


def test_blocking_gates_are_named_on_the_assets_they_guard(graph, text):
    nodes, _, _ = parse(text)
    gates = [c for c in graph.asset_check_keys if c.name.startswith("gx_")]
    assert gates
    for check in gates:
        label = next(label for label in nodes.values() if label.startswith(check.asset_key.to_user_string() + "<br/>"))
        assert f"{check.name} (blocking)" in label


def test_mermaid_is_well_formed(text):
    nodes, edges, _ = parse(text)
    assert edges
    for src, dst in edges:
        assert src in nodes and dst in nodes, f"edge to an undeclared node: {src} --> {dst}"
        assert src != dst
    assert "end" not in {n.lower() for n in nodes}
    assert len(edges) == len(set(edges))


def test_output_is_deterministic(graph):
    assert to_mermaid(build_diagram(graph)) == to_mermaid(build_diagram(graph)) == asset_graph.render(defs)


def test_new_groups_and_published_layers_need_no_code_change():
    """Assets added later (a finance chart, a new group) are drawn by the same rule, hidden chains fold away."""

    @dg.asset(key=["raw", "thing"], group_name="landing")
    def raw_thing() -> None: ...

    @dg.asset(key=["intermediate", "int_a"], deps=[raw_thing], group_name="models")
    def int_a() -> None: ...

    @dg.asset(key=["intermediate", "int_b"], deps=[int_a], group_name="models")
    def int_b() -> None: ...

    @dg.asset(key=["marts", "fct_x"], deps=[int_b], group_name="models")
    def fct_x() -> None: ...

    @dg.asset(key=["charts", "arr-by-month"], deps=[fct_x], group_name="charts")
    def chart() -> None: ...

    @dg.asset(group_name="finance", deps=[chart])
    def board_pack() -> None: ...

    @dg.asset_check(asset=board_pack, blocking=True)
    def gx_board_pack() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    small = dg.Definitions(assets=[raw_thing, int_a, int_b, fct_x, chart, board_pack], asset_checks=[gx_board_pack])
    text = asset_graph.render(small)
    nodes, edges, titles = parse(text)
    assert [t.split(":")[0] for t in titles] == ["landing", "models", "charts", "finance"]
    assert nodes["sum_models"] == "intermediate/*: 2 assets"
    assert nodes["a_charts_arr_by_month"] == "charts/arr-by-month"
    assert nodes["a_board_pack"] == "board_pack<br/>gx_board_pack (blocking)"
    assert edges == sorted([("sum_landing", "sum_models"), ("sum_models", "a_marts_fct_x"),
                            ("a_marts_fct_x", "a_charts_arr_by_month"), ("a_charts_arr_by_month", "a_board_pack")])


def test_labels_and_ids_are_escaped():
    @dg.asset(key=["marts", "odd"], group_name="g")
    def odd() -> None: ...

    @dg.asset(key=["marts_odd"], group_name="marts", deps=[odd])
    def clash() -> None: ...

    nodes, edges, _ = parse(asset_graph.render(dg.Definitions(assets=[odd, clash])))
    # "marts/odd" and "marts_odd" would share an id: the second gets a suffix, both stay distinct nodes.
    assert nodes["a_marts_odd"] == "marts/odd"
    assert nodes["a_marts_odd_2"] == "marts_odd"
    assert edges == [("a_marts_odd", "a_marts_odd_2")]
    assert asset_graph._escape('a "b" <c> #d') == "a #34;b#34; #60;c#62; #35;d"


BLOCK_TEXT = f"# Title\n\nintro\n\n{START_MARKER}\nold stuff\n{END_MARKER}\n\n## Next\n"


def test_replace_block_keeps_the_rest_and_is_idempotent():
    once = replace_block(BLOCK_TEXT, "flowchart LR\n")
    assert once.startswith("# Title\n\nintro\n\n" + START_MARKER + "\n")
    assert once.endswith(END_MARKER + "\n\n## Next\n")
    assert "```mermaid\nflowchart LR\n```\n" in once and "make graph" in once and "old stuff" not in once
    assert replace_block(once, "flowchart LR\n") == once


@pytest.mark.parametrize("broken", [
    "no markers at all\n",
    f"{START_MARKER}\nonly a start\n",
    f"{END_MARKER}\nend first\n{START_MARKER}\n",
    f"{START_MARKER}\n{END_MARKER}\n{START_MARKER}\n{END_MARKER}\n",
])
def test_replace_block_refuses_files_without_one_pair_of_markers(broken):
    with pytest.raises(MarkerError):
        replace_block(broken, "flowchart LR\n")


def test_cli_write_then_check(tmp_path, capsys):
    target = tmp_path / "README.md"
    target.write_text("no markers\n")
    assert asset_graph.main(["--write", str(target)]) == 1
    assert target.read_text() == "no markers\n"
    assert "asset-graph:start" in capsys.readouterr().err
    assert asset_graph.main(["--check", str(target)]) == 1

    target.write_text(BLOCK_TEXT)
    assert asset_graph.main(["--check", str(target)]) == 1
    assert "stale" in capsys.readouterr().err
    assert asset_graph.main(["--write", str(target)]) == 0
    assert asset_graph.main(["--check", str(target)]) == 0
    assert asset_graph.render() in target.read_text()


def test_readme_diagram_is_up_to_date(capsys):
    """README.md's diagram matches the definitions (`make graph` refreshes it).

    Expected to FAIL until README.md has the two asset-graph marker lines and `make graph` has been run once;
    after that it fails whenever an asset change is committed without refreshing the diagram.
    """
    status = asset_graph.main(["--check", str(README)])
    assert status == 0, capsys.readouterr().err
