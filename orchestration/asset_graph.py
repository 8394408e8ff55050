"""The asset graph as a Mermaid diagram, generated from the Dagster definitions so it cannot drift from them.

    make graph                                          # refresh the diagram in README.md
    python -m orchestration.asset_graph                 # print the diagram
    python -m orchestration.asset_graph --write README.md
    python -m orchestration.asset_graph --check README.md   # exit 1 if README.md's diagram is stale

The code location holds ~75 assets and hundreds of checks: drawn one box each, the picture is unreadable.
So the diagram is drawn at the level a reader of the README needs, by one rule that needs no asset list:

- one ``subgraph`` per asset group, in dependency order (a group comes after the groups it reads from;
  ties broken by name), because groups are how the pipeline is run and owned;
- an asset is drawn by name when the first part of its key is a *published* layer (``SHOWN_LAYERS``:
  ``marts``, ``reverse_etl``, ``charts``, ``finance``), or when it has a single-part key and sits in a
  group named after one: these are what finance reads and what is written back to Salesforce;
- every other asset of a group (raw objects, staging models, seeds, ``int_`` models, snapshots) is folded
  into one counted summary node per group: they are plumbing, and their names are in dbt docs;
- an edge joins two drawn nodes when any asset behind the first is a direct parent of any asset behind the
  second; edges inside one summary node vanish. Nothing upstream is lost, a summary node stands for all of
  its assets, but a group's summary may appear on both sides of a published asset (the recognition models
  read the closed periods that they also feed): that loop is real;
- checks are counted per group in the subgraph title; the Great Expectations gates (``gx_*``) are named on
  the asset they guard, because a failing blocking gate stops the write-back;
- nodes, edges and lines are sorted, so the same definitions always give the same text and ``--check``
  can compare it byte for byte.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

SHOWN_LAYERS = ("marts", "reverse_etl", "charts", "finance", "warehouse")
GATE_PREFIX = "gx_"
START_MARKER = "<!-- asset-graph:start -->"
END_MARKER = "<!-- asset-graph:end -->"
NOTE = "<!-- Generated from the Dagster definitions by `make graph`: do not edit by hand. -->"
NAMES_PER_LINE = 4


@dataclass
class Node:
    id: str
    label_lines: list[str]
    summary: bool = False
    gated: bool = False


@dataclass
class Group:
    name: str
    id: str
    title: str
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Diagram:
    """What is drawn, independent of the output syntax; ``node_of`` maps every asset key to its node id."""

    groups: list[Group]
    edges: list[tuple[str, str]]
    node_of: dict[dg.AssetKey, str]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _escape(text: str) -> str:
    """Mermaid entity codes for the characters that would end or confuse a quoted label."""
    return "".join(f"#{ord(ch)};" if ch in '"#<>&;' else ch for ch in text)


def is_shown(key: dg.AssetKey, group: str) -> bool:
    if len(key.path) == 1:
        return group in SHOWN_LAYERS
    return key.path[0] in SHOWN_LAYERS


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary_lines(asset_graph, keys: list[dg.AssetKey]) -> list[str]:
    """One line per key prefix: ``staging/*: 10 incrementals, 5 views``; Salesforce objects are named, they
    are few and telling."""
    by_prefix: dict[str, list[dg.AssetKey]] = defaultdict(list)
    for key in keys:
        by_prefix[key.path[0] if len(key.path) > 1 else ""].append(key)
    lines: list[str] = []
    for prefix in sorted(by_prefix):
        members = by_prefix[prefix]
        head = f"{prefix}/*: " if prefix else ""
        metadata = [asset_graph.get(key).metadata for key in members]
        objects = [m.get("salesforce_object") for m in metadata]
        if all(isinstance(name, str) for name in objects):
            names = sorted(objects, key=str.casefold)
            lines.append(head + _plural(len(names), "Salesforce object"))
            lines += [", ".join(names[i:i + NAMES_PER_LINE]) for i in range(0, len(names), NAMES_PER_LINE)]
            continue
        kinds = Counter(str(m.get("dagster-dbt/materialization_type", "asset")) for m in metadata)
        lines.append(head + ", ".join(_plural(kinds[kind], kind) for kind in sorted(kinds)))
    return lines


def _group_order(groups: set[str], group_edges: set[tuple[str, str]]) -> list[str]:
    """Groups after the groups they read from, ties by name; on a cycle, the least-blocked group goes next."""
    upstream = {g: {a for a, b in group_edges if b == g and a != g} for g in groups}
    order: list[str] = []
    remaining = set(groups)
    while remaining:
        nxt = min(remaining, key=lambda g: (len(upstream[g] & remaining), g))
        order.append(nxt)
        remaining.remove(nxt)
    return order


def build_diagram(asset_graph) -> Diagram:
    """Fold the asset graph into the drawn nodes and edges (see the module docstring for the rule)."""
    keys = sorted(asset_graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    group_of = {key: asset_graph.get(key).group_name or "default" for key in keys}

    node_of: dict[dg.AssetKey, str] = {}
    taken: set[str] = set()

    def unique(candidate: str) -> str:
        result, n = candidate, 2
        while result in taken:
            result, n = f"{candidate}_{n}", n + 1
        taken.add(result)
        return result

    hidden: dict[str, list[dg.AssetKey]] = defaultdict(list)
    shown: dict[str, list[dg.AssetKey]] = defaultdict(list)
    for key in keys:
        (shown if is_shown(key, group_of[key]) else hidden)[group_of[key]].append(key)
    summary_id = {group: unique(f"sum_{_safe(group)}") for group in sorted(hidden)}
    for key in keys:
        group = group_of[key]
        node_of[key] = unique(f"a_{_safe(key.to_user_string())}") if key in shown[group] else summary_id[group]

    edges: set[tuple[str, str]] = set()
    group_edges: set[tuple[str, str]] = set()
    for key in keys:
        for parent in asset_graph.get(key).parent_keys:
            if parent not in node_of:
                continue
            group_edges.add((group_of[parent], group_of[key]))
            if node_of[parent] != node_of[key]:
                edges.add((node_of[parent], node_of[key]))

    checks_by_group: Counter[str] = Counter()
    gates: dict[dg.AssetKey, list[str]] = defaultdict(list)
    for check_key in asset_graph.asset_check_keys:
        if check_key.asset_key not in group_of:
            continue
        checks_by_group[group_of[check_key.asset_key]] += 1
        if check_key.name.startswith(GATE_PREFIX):
            blocking = asset_graph.get_check_spec(check_key).blocking
            gates[check_key.asset_key].append(f"{check_key.name} ({'blocking' if blocking else 'warning'})")

    groups: list[Group] = []
    for name in _group_order(set(group_of.values()), group_edges):
        members = [key for key in keys if group_of[key] == name]
        title = f"{name}: {_plural(len(members), 'asset')}"
        if checks_by_group[name]:
            title += f", {_plural(checks_by_group[name], 'check')}"
        group = Group(name=name, id=unique(f"grp_{_safe(name)}"), title=title)
        if hidden[name]:
            lines = _summary_lines(asset_graph, hidden[name])
            lines += sorted(gate for key in hidden[name] for gate in gates[key])
            gated = any(gate.endswith("(blocking)") for key in hidden[name] for gate in gates[key])
            group.nodes.append(Node(summary_id[name], lines, summary=True, gated=gated))
        for key in shown[name]:
            gated = any(gate.endswith("(blocking)") for gate in gates[key])
            group.nodes.append(Node(node_of[key], [key.to_user_string(), *sorted(gates[key])], gated=gated))
        groups.append(group)
    return Diagram(groups=groups, edges=sorted(edges), node_of=node_of)


def to_mermaid(diagram: Diagram) -> str:
    lines = ["flowchart LR"]
    for group in diagram.groups:
        lines.append(f'  subgraph {group.id}["{_escape(group.title)}"]')
        for node in group.nodes:
            label = "<br/>".join(_escape(line) for line in node.label_lines)
            lines.append(f'    {node.id}["{label}"]')
        lines.append("  end")
    lines += [f"  {src} --> {dst}" for src, dst in diagram.edges]
    nodes = [node for group in diagram.groups for node in group.nodes]
    lines.append("  classDef summary fill:#f4f4f4,stroke:#999,stroke-dasharray:4 3")
    lines.append("  classDef gated stroke:#b00,stroke-width:2px")
    for cls, members in (("summary", [n.id for n in nodes if n.summary]), ("gated", [n.id for n in nodes if n.gated])):
        if members:
            lines.append(f"  class {','.join(members)} {cls}")
    return "\n".join(lines) + "\n"


def render(defs: dg.Definitions | None = None) -> str:
    """The Mermaid text for ``defs`` (by default the code location's own definitions)."""
    if defs is None:
        from orchestration.definitions import defs
    return to_mermaid(build_diagram(defs.resolve_asset_graph()))


class MarkerError(ValueError):
    """The file has no single, ordered pair of asset-graph markers."""


def replace_block(text: str, diagram: str) -> str:
    """``text`` with everything between the markers replaced by the fenced diagram."""
    starts, ends = text.count(START_MARKER), text.count(END_MARKER)
    if starts != 1 or ends != 1:
        raise MarkerError(f"expected exactly one {START_MARKER} and one {END_MARKER} line, found {starts} and {ends}")
    head, rest = text.split(START_MARKER)
    if END_MARKER not in rest:
        raise MarkerError(f"{END_MARKER} comes before {START_MARKER}")
    _, tail = rest.split(END_MARKER)
    block = f"{START_MARKER}\n{NOTE}\n```mermaid\n{diagram}```\n{END_MARKER}"
    return head + block + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.asset_graph", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", metavar="FILE", type=Path, help="replace the diagram between the markers")
    action.add_argument("--check", metavar="FILE", type=Path, help="exit 1 if the diagram in FILE is stale")
    args = parser.parse_args(argv)
    target: Path | None = args.write or args.check
    if target is None:
        sys.stdout.write(render())
        return 0
    if not target.is_file():
        print(f"{target}: no such file", file=sys.stderr)
        return 1
    text = target.read_text(encoding="utf-8")
    try:
        expected = replace_block(text, render())
    except MarkerError as error:
        print(f"{target}: {error}. Add the two marker lines where the diagram belongs, then run `make graph`.",
              file=sys.stderr)
        return 1
    if args.check:
        if expected != text:
            print(f"{target}: the asset graph diagram is stale; run `make graph` "
                  f"(python -m orchestration.asset_graph --write {target}) and commit the result.", file=sys.stderr)
            return 1
        print(f"{target}: the asset graph diagram is up to date.")
        return 0
    if expected != text:
        target.write_text(expected, encoding="utf-8")
        print(f"{target}: asset graph diagram updated.")
    else:
        print(f"{target}: asset graph diagram already up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
