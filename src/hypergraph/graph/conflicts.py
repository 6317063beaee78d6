"""The output-conflict rule (docs/guides/graphs.md): when may several nodes produce the same name?

Two producers of one name are fine only if they can never race for it:

(a) they sit in different exclusive branches of the same ``@ifelse`` or single-target
    ``@route`` gate, so at most one of them is activated per decision; or
(b) a directed path joins them, so one always runs after the other.

In inference mode the path test ignores data edges that carry only contested names: such an
edge exists *because* of the name clash (the consumer is wired to the first producer), so it
says nothing about the order in which the producers run.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import TYPE_CHECKING

import networkx as nx

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.edges import Edges, any_producers, is_gate, to_nx_graph

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode

__all__ = ["check_output_conflicts", "exclusive_branches"]


def check_output_conflicts(
    nodes: Mapping[str, HyperNode],
    edges: Edges,
    *,
    explicit_edges: bool,
    signal_producers: Mapping[str, list[str]] | None = None,
) -> None:
    """Raise ``GraphConfigError`` if two producers of one name may run unordered.

    Emit signals alone never conflict: several nodes may emit the same signal. A networkx
    graph is built only when some name has several producers. ``signal_producers`` is
    :func:`~hypergraph.graph.edges.any_producers` of ``nodes`` when the caller has it.
    """
    if signal_producers is None:
        signal_producers = any_producers(nodes)
    shared = {name: sources for name, sources in signal_producers.items() if len(sources) > 1}
    if not shared:
        return
    data_names = {o for node in nodes.values() for o in node.data_outputs}
    contested = {name: sources for name, sources in shared.items() if name in data_names}
    if not contested:
        return
    kept = edges if explicit_edges else _without_contested_edges(nodes, edges, contested)
    order_graph = to_nx_graph(nodes, kept)
    reach: dict[str, set[str]] = {}
    branches: list[list[set[str]]] | None = None
    for name, sources in contested.items():
        for first, second in combinations(sources, 2):
            if _connected(order_graph, reach, first, second):
                continue
            if branches is None:
                branches = exclusive_branches(nodes, order_graph)
            if _in_different_branches(branches, first, second):
                continue
            raise GraphConfigError(_conflict_message(name, first, second, explicit_edges))


def _without_contested_edges(
    nodes: Mapping[str, HyperNode], edges: Edges, contested: Mapping[str, list[str]]
) -> Edges:
    pruned = dict(edges)
    for (source, target), attrs in edges.items():
        if attrs["edge_type"] != "data":
            continue
        if not all(v in contested for v in attrs["value_names"]):
            continue
        # A data edge swallows the ordering edge of the same pair (docs/guides/graphs.md), so keep
        # it when the target also waits for a signal of the source.
        if set(nodes[target].wait_for).intersection(nodes[source].outputs):
            continue
        del pruned[source, target]
    return pruned


def _connected(graph: nx.DiGraph[str], reach: dict[str, set[str]], first: str, second: str) -> bool:
    for start, end in ((first, second), (second, first)):
        if start not in reach:
            reach[start] = nx.descendants(graph, start)
        if end in reach[start]:
            return True
    return False


def exclusive_branches(
    nodes: Mapping[str, HyperNode], graph: nx.DiGraph[str]
) -> list[list[set[str]]]:
    """For every exclusive gate, the node sets of its branches (one set per real target).

    A node belongs to the branch of target ``t`` when it is reachable from ``t`` without passing
    through the gate, and not reachable that way from any other target of the same gate.
    Multi-target routes are skipped: several of their targets may run together.
    """
    result: list[list[set[str]]] = []
    for gate_name, gate in nodes.items():
        if not is_gate(gate) or getattr(gate, "multi_target", False):
            continue
        targets = [t for t in gate.targets if isinstance(t, str) and t in graph and t != gate_name]
        if len(targets) < 2:
            continue
        without_gate = graph.subgraph(n for n in graph if n != gate_name)
        reached = [nx.descendants(without_gate, t) | {t} for t in targets]
        branch_sets = []
        for index, nodes_reached in enumerate(reached):
            others = set().union(*(r for i, r in enumerate(reached) if i != index))
            branch_sets.append(nodes_reached - others)
        result.append(branch_sets)
    return result


def _in_different_branches(branches: list[list[set[str]]], first: str, second: str) -> bool:
    for branch_sets in branches:
        first_index = next((i for i, b in enumerate(branch_sets) if first in b), None)
        second_index = next((i for i, b in enumerate(branch_sets) if second in b), None)
        if first_index is not None and second_index is not None and first_index != second_index:
            return True
    return False


def _conflict_message(name: str, first: str, second: str, explicit_edges: bool) -> str:
    message = (
        f"Multiple nodes produce '{name}': '{first}' and '{second}' may run in any order, "
        f"so the value of '{name}' would depend on scheduling."
    )
    if explicit_edges:
        return (
            f"{message} How to fix: add an edge between '{first}' and '{second}' so one runs "
            f"after the other, place them in exclusive branches of one @ifelse/@route gate, "
            f"or rename one output with .with_outputs()."
        )
    return (
        f"{message} How to fix: order them with emit/wait_for (e.g. emit='{first}_done' on "
        f"'{first}' and wait_for='{first}_done' on '{second}'), place them in exclusive "
        f"branches of one @ifelse or single-target @route gate, or rename one output with "
        f".with_outputs()."
    )
