"""Build-time validation of a graph (docs/guides/graphs.md): every check raises
``GraphConfigError``.

``validate_graph`` runs once the edges are known (graph/edges.py; no networkx graph is needed). Duplicate node names, explicit edge tuples
and the output-conflict rule (docs/guides/graphs.md, in :mod:`hypergraph.graph.conflicts`) are
checked earlier, while the graph is built; ``check_output_conflicts`` is re-exported here so that
all graph checks can be found in one place.
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from hypergraph._short_repr import short_repr
from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.conflicts import check_output_conflicts
from hypergraph.graph.edges import Edges, any_producers, edges_in_node_order, is_gate

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode

__all__ = [
    "check_graph_name",
    "check_output_conflicts",
    "check_unique_node_names",
    "defaults_equal",
    "validate_graph",
]


def check_graph_name(graph_name: str | None) -> None:
    """Graph names become path segments of nested nodes, so ``.`` and ``/`` are not allowed."""
    if graph_name is None:
        return
    if not isinstance(graph_name, str) or "." in graph_name or "/" in graph_name:
        if not isinstance(graph_name, str):
            problem = "a graph name must be a string"
        else:
            problem = f"a graph name cannot contain '{'.' if '.' in graph_name else '/'}'"
        raise GraphConfigError(
            f"Invalid graph name {short_repr(graph_name)}: {problem} ('.' and '/' separate levels of "
            f"nested graphs). Try {short_repr(_suggest_name(graph_name))}."
        )


def check_unique_node_names(nodes: Iterable[HyperNode]) -> dict[str, HyperNode]:
    """Return the name → node mapping in constructor order; duplicate names raise."""
    by_name: dict[str, HyperNode] = {}
    for node in nodes:
        if node.name in by_name:
            raise GraphConfigError(
                f"Duplicate node name: '{node.name}'. Every node in a graph needs its own name; "
                f"rename one with .with_name('{node.name}_2')."
            )
        by_name[node.name] = node
    return by_name


def validate_graph(
    nodes: dict[str, HyperNode],
    edges: Edges,
    graph_name: str | None,
    strict_types: bool,
) -> None:
    """Run the post-build checks of docs/guides/graphs.md (type checks too when
    ``strict_types``)."""
    check_graph_name(graph_name)
    _check_names(nodes)
    _check_graph_node_collisions(nodes)
    _check_gate_targets(nodes)
    _check_wait_for(nodes)
    _check_consistent_defaults(nodes, edges)
    _check_graph_nodes(nodes)
    if strict_types:
        _check_types(nodes, edges)


def _suggest_name(name: Any) -> str:
    return str(name).replace(".", "_").replace("/", "_")


def _is_identifier(name: Any) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _is_graph_node(node: HyperNode) -> bool:
    return node.node_type == "GRAPH"


def _check_names(nodes: Mapping[str, HyperNode]) -> None:
    iskeyword = keyword.iskeyword
    for name, node in nodes.items():
        # The common case in one test per name (a graph of thousands of nodes runs this for
        # each); anything else takes the checks below, which explain the problem.
        if node.node_type != "GRAPH" and name != "END" and _is_identifier(name):
            for output in node.outputs:
                if type(output) is not str or not output.isidentifier() or iskeyword(output):
                    break
            else:
                continue
        if name == "END":
            raise GraphConfigError(
                "Node name 'END' is reserved for the END sentinel that stops a path. "
                "Rename the node, e.g. .with_name('end_step')."
            )
        # GraphNode names only have to avoid '.' and '/', which GraphNode itself enforces.
        if not _is_graph_node(node) and not _is_identifier(name):
            raise GraphConfigError(
                f"Invalid node name {short_repr(name)}: node names must be valid Python identifiers "
                f"and not keywords (they are used as keyword names). Rename it with .with_name(...)."
            )
        for output in node.outputs:
            if not _is_identifier(output):
                raise GraphConfigError(
                    f"Invalid output name {short_repr(output)} on node '{name}': output names must be "
                    f"valid Python identifiers and not keywords. Rename it with .with_outputs(...)."
                )


def _check_graph_node_collisions(nodes: Mapping[str, HyperNode]) -> None:
    for name, node in nodes.items():
        if not _is_graph_node(node):
            continue
        for other_name, other in nodes.items():
            if other_name != name and name in other.outputs:
                raise GraphConfigError(
                    f"GraphNode name '{name}' collides with output '{name}' of node "
                    f"'{other_name}': nested results would be ambiguous. Rename it with "
                    f"as_node(name=...) or .with_name(...)."
                )


def _check_gate_targets(nodes: Mapping[str, HyperNode]) -> None:
    for name, node in nodes.items():
        if not is_gate(node):
            continue
        for target in node.targets:
            if not isinstance(target, str):
                continue  # END
            if target == name:
                raise GraphConfigError(
                    f"Gate '{name}' cannot target itself. A gate re-runs when its inputs "
                    f"change; route to the node that changes them instead."
                )
            if target not in nodes:
                close = difflib.get_close_matches(target, list(nodes), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                producers = [n for n, other in nodes.items() if target in other.outputs]
                if producers:  # a common slip: naming the value instead of the node
                    hint = (
                        f" '{target}' is an output of node '{producers[0]}'; targets name "
                        f"nodes, not outputs.{hint}"
                    )
                raise GraphConfigError(
                    f"Gate '{name}' targets unknown node '{target}'.{hint} Known nodes: "
                    f"{list(nodes)}. Add the node to the graph or use END to stop the path."
                )


def _check_wait_for(nodes: Mapping[str, HyperNode]) -> None:
    produced: dict[str, list[str]] | None = None  # worked out for the first wait_for
    for name, node in nodes.items():
        for signal in node.wait_for:
            if produced is None:
                produced = any_producers(nodes)
            if signal in produced:
                continue
            close = difflib.get_close_matches(signal, list(produced), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise GraphConfigError(
                f"Node '{name}' has wait_for='{signal}', but no node in the graph produces "
                f"'{signal}' (as an output or an emit signal).{hint} Add emit='{signal}' to the "
                f"node it should wait for, or remove it from wait_for."
            )


def defaults_equal(first: Any, second: Any) -> bool:
    """Compare two default values; identity decides when ``==`` fails or is ambiguous."""
    if first is second:
        return True
    try:
        return bool(first == second)
    except Exception:
        return False


def _check_consistent_defaults(nodes: Mapping[str, HyperNode], edges: Edges) -> None:
    # A name fed by a data edge never takes its default from outside ("an edge cancels a
    # default"); a default there only seeds a cycle, so it is not a shared graph input.
    edge_fed = {
        v for attrs in edges.values() if attrs["edge_type"] == "data" for v in attrs["value_names"]
    }
    consumers: dict[str, list[str]] = {}
    for name, node in nodes.items():
        for param in node.inputs:
            if param not in edge_fed:
                consumers.setdefault(param, []).append(name)
    for param, names in consumers.items():
        if len(names) < 2:
            continue
        with_default = [n for n in names if nodes[n].has_signature_default_for(param)]
        without_default = [n for n in names if n not in with_default]
        if with_default and without_default:
            raise GraphConfigError(
                f"Inconsistent defaults for '{param}': {with_default} give it a default, "
                f"consumers without default: {without_default}; whether '{param}' is required "
                f"would depend on the node. Give every consumer the same default, or none and "
                f"use graph.bind({param}=...)."
            )
        values = [(n, nodes[n].get_signature_default_for(param)) for n in with_default]
        first_name, first_value = values[0] if values else (None, None)
        for other_name, other_value in values[1:]:
            if not defaults_equal(first_value, other_value):
                raise GraphConfigError(
                    f"Inconsistent defaults for '{param}': '{first_name}' uses "
                    f"{short_repr(first_value)} but '{other_name}' uses {short_repr(other_value)}. "
                    f"Use one default everywhere, or remove them and use graph.bind({param}=...)."
                )


def _contains_interrupts(graph: Any) -> bool:
    for inner in graph.iter_nodes():
        if inner.is_interrupt:
            return True
        nested = inner.nested_graph
        if nested is not None and _contains_interrupts(nested):
            return True
    return False


def _check_graph_nodes(nodes: Mapping[str, HyperNode]) -> None:
    for name, node in nodes.items():
        if not _is_graph_node(node):
            continue
        if node.cache:
            raise GraphConfigError(
                f"GraphNode '{name}' has cache=True, but graph nodes cannot be cached. "
                f"Set cache=True on the nodes inside the nested graph instead."
            )
        if getattr(node, "map_config", None) is not None and _contains_interrupts(
            node.nested_graph
        ):
            raise GraphConfigError(
                f"GraphNode '{name}' is mapped with map_over() but its graph contains an "
                f"InterruptNode; a mapped graph cannot pause per item. Remove the interrupt "
                f"from the mapped graph or run it without map_over()."
            )


def _check_types(nodes: Mapping[str, HyperNode], edges: Edges) -> None:
    from hypergraph._typing import is_type_compatible

    memo: dict[str, Any] = {}
    # In the networkx graph's edge order, so the first mismatch reported stays the same.
    for source, target, attrs in edges_in_node_order(nodes, edges):
        if attrs["edge_type"] != "data":
            continue
        for value in attrs["value_names"]:
            produced = nodes[source].get_output_type(value)
            expected = nodes[target].get_input_type(value)
            if produced is None or expected is None:
                missing = (
                    f"output '{value}' of '{source}'"
                    if produced is None
                    else f"parameter '{value}' of '{target}'"
                )
                raise GraphConfigError(
                    f"Missing type annotation: strict_types=True checks every data edge, but "
                    f"{missing} has no annotation (edge '{source}' -> '{target}').\n"
                    f"How to fix: annotate it, or build the graph with strict_types=False."
                )
            if not is_type_compatible(produced, expected, memo):
                raise GraphConfigError(
                    f"Type mismatch on '{value}' ('{source}' -> '{target}'): '{source}' "
                    f"produces {_type_name(produced)} but '{target}' expects "
                    f"{_type_name(expected)}.\nHow to fix: change one annotation, or convert "
                    f"the value in a node in between."
                )


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else repr(tp)
