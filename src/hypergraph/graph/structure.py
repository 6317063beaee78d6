"""The immutable part of a graph: its nodes, its networkx graph and facts derived from them.

A :class:`GraphStructure` is built and validated once; every graph derived with ``bind``,
``select`` or ``with_entrypoint`` shares it, so derived facts (``definition_hash``,
``controlled_by``, ...) are computed at most once per structure. Each fact is computed lazily
on first use; two threads racing on a fact compute the same value, which is harmless.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import networkx as nx

from hypergraph.graph.conflicts import check_output_conflicts
from hypergraph.graph.edges import (
    any_producers,
    build_edges,
    data_producers,
    is_gate,
    to_nx_graph,
)
from hypergraph.graph.loop_writers import check_loop_writers
from hypergraph.graph.validation import validate_graph

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode

__all__ = ["GraphStructure", "cyclic_components"]


def cyclic_components(
    nodes: Mapping[str, HyperNode], nx_graph: nx.DiGraph[str], scope: Collection[str]
) -> tuple[frozenset[str], ...]:
    """The cycles of the data edges among the ``scope`` nodes: their strongly connected
    components with more than one member, or one member feeding itself.

    Nodes are taken in ``nodes`` order, so the components come out in the same order on every
    run. Prefer :meth:`GraphStructure.data_cycles`, which memoises the answer per scope.
    """
    data: nx.DiGraph[str] = nx.DiGraph()
    data.add_nodes_from(name for name in nodes if name in scope)
    data.add_edges_from(
        (u, v)
        for u, v, attrs in nx_graph.edges(data=True)
        if attrs["edge_type"] == "data" and u in scope and v in scope
    )
    return tuple(
        frozenset(component)
        for component in nx.strongly_connected_components(data)
        if len(component) > 1 or any(data.has_edge(n, n) for n in component)
    )


class GraphStructure:
    """Nodes (by name, constructor order), their edges, and the frozen DiGraph connecting them.

    Building and validating a structure needs only the edges (graph/edges.py); the networkx
    graph is built the first time :attr:`nx_graph` is read.

    The dicts and lists returned by the cached facts are shared by every graph using this
    structure: callers must treat them as read-only.
    """

    def __init__(
        self,
        nodes: dict[str, HyperNode],
        explicit_edges: Sequence[Any] | None,
        graph_name: str | None,
        strict_types: bool,
    ) -> None:
        self.nodes = nodes
        self.explicit_edges = explicit_edges is not None
        # The producer maps are structure facts (below) that building needs too: fill them
        # now, once; without emit names anywhere both are the same map.
        producers = self.__dict__["producers"] = data_producers(nodes)
        signals = producers
        if any(node.outputs != node.data_outputs for node in nodes.values()):
            signals = any_producers(nodes)
        self.__dict__["signal_producers"] = signals
        self.edges = build_edges(nodes, explicit_edges, producers, signals)
        # First: its hint replaces the conflict rule's emit/wait_for.
        check_loop_writers(nodes, producers, self.controlled_by)
        check_output_conflicts(
            nodes, self.edges, explicit_edges=self.explicit_edges, signal_producers=signals
        )
        validate_graph(nodes, self.edges, graph_name, strict_types)
        self._data_cycles: dict[frozenset[str], tuple[frozenset[str], ...]] = {}

    @cached_property
    def nx_graph(self) -> nx.DiGraph[str]:
        """The frozen ``networkx.DiGraph`` of the nodes and edges, built on first use."""
        graph: nx.DiGraph[str] = nx.freeze(to_nx_graph(self.nodes, self.edges))
        return graph

    # ------------------------------------------------------------------ names
    @cached_property
    def outputs(self) -> tuple[str, ...]:
        """Unique outputs (emit names included) in node order."""
        return tuple(dict.fromkeys(o for node in self.nodes.values() for o in node.outputs))

    @cached_property
    def data_outputs(self) -> frozenset[str]:
        """Every data output name (no emit signals)."""
        return frozenset(o for node in self.nodes.values() for o in node.data_outputs)

    @cached_property
    def emit_only(self) -> frozenset[str]:
        """Names that exist only as emit signals: neither data outputs nor parameters."""
        params = {p for node in self.nodes.values() for p in node.inputs}
        return frozenset(set(self.outputs) - self.data_outputs - params)

    @cached_property
    def bindable(self) -> frozenset[str]:
        """Names ``bind`` accepts: every node parameter and every data output."""
        params = {p for node in self.nodes.values() for p in node.inputs}
        return frozenset(params | self.data_outputs)

    @cached_property
    def leaf_outputs(self) -> tuple[str, ...]:
        """Unique outputs of nodes without outgoing edges (a self-loop is one)."""
        sources = {source for source, _ in self.edges}
        leaves = (node for name, node in self.nodes.items() if name not in sources)
        return tuple(dict.fromkeys(o for node in leaves for o in node.outputs))

    # ------------------------------------------------------------------ facts for the engine
    @cached_property
    def has_cycles(self) -> bool:
        """Whether any edge (data, control or ordering) closes a cycle; self-loops count.

        Inferred data edges of a name with several producers come from the first producer
        only, yet at run time every producer feeds the consumers. Those hidden dependencies
        are added before testing, so a loop like ``init -> x``, ``step(x) -> x`` driven by a
        gate counts as cyclic (the engine caps iterations only for cyclic graphs).
        """
        successors: dict[str, set[str]] = {name: set() for name in self.nodes}
        for source, target in self.edges:
            successors[source].add(target)
        if _has_cycle(successors):
            return True
        shared = {name: srcs for name, srcs in self.producers.items() if len(srcs) > 1}
        if not shared:
            return False
        for consumer, node in self.nodes.items():
            for param in node.inputs:
                for producer in shared.get(param, ()):
                    successors[producer].add(consumer)
        return _has_cycle(successors)

    @cached_property
    def has_async_nodes(self) -> bool:
        """Whether a node (nested graphs included, via ``GraphNode.is_async``) is async."""
        return any(node.is_async for node in self.nodes.values())

    @cached_property
    def interrupt_nodes(self) -> list[HyperNode]:
        """Top-level interrupt nodes in node order."""
        return [node for node in self.nodes.values() if node.is_interrupt]

    @cached_property
    def controlled_by(self) -> dict[str, list[str]]:
        """Node name → names of the gates that target it (only controlled nodes appear)."""
        result: dict[str, list[str]] = {}
        for gate_name, node in self.nodes.items():
            if not is_gate(node):
                continue
            for target in node.targets:
                if isinstance(target, str) and target in self.nodes and target != gate_name:
                    gates = result.setdefault(target, [])
                    if gate_name not in gates:
                        gates.append(gate_name)
        return result

    @cached_property
    def producers(self) -> dict[str, list[str]]:
        """Data output name → names of its producers in node order."""
        return data_producers(self.nodes)

    @cached_property
    def signal_producers(self) -> dict[str, list[str]]:
        """Every output name, emit signals included → names of its producers in node order."""
        return any_producers(self.nodes)

    @cached_property
    def consumers(self) -> dict[str, tuple[str, ...]]:
        """Parameter name → names of the nodes taking it as an input, in node order."""
        result: dict[str, list[str]] = {}
        for name, node in self.nodes.items():
            for param in node.inputs:
                result.setdefault(param, []).append(name)
        return {param: tuple(names) for param, names in result.items()}

    def data_cycles(self, scope: Collection[str]) -> tuple[frozenset[str], ...]:
        """:func:`cyclic_components` among the ``scope`` nodes, memoised per scope."""
        key = frozenset(scope)
        found = self._data_cycles.get(key)
        if found is None:
            found = self._data_cycles[key] = cyclic_components(self.nodes, self.nx_graph, key)
        return found

    @cached_property
    def self_producers(self) -> dict[str, set[str]]:
        """Output name → nodes that both produce and consume it (e.g. ``f(x) -> x``)."""
        result: dict[str, set[str]] = {}
        for name, node in self.nodes.items():
            for output in node.data_outputs:
                if output in node.inputs:
                    result.setdefault(output, set()).add(name)
        return result

    @cached_property
    def sole_producers(self) -> dict[str, str]:
        """Data output name → its producer, for names produced by exactly one node."""
        return {name: sources[0] for name, sources in self.producers.items() if len(sources) == 1}

    @cached_property
    def definition_hash(self) -> str:
        """SHA-256 over sorted ``name:node_hash`` pairs and sorted edges (order-independent).

        A GraphNode's hash is its inner graph's, so hashing nests as deep as the graph does.
        The inner structures are hashed first, innermost first, with an explicit stack
        (:func:`_hash_nested_first`): asking for the hash never recurses more than one level,
        whatever the nesting depth.
        """
        _hash_nested_first(self)
        return self._own_hash()

    def _own_hash(self) -> str:
        """The hash itself; every nested structure's hash must already be cached."""
        digest = hashlib.sha256()
        for entry in sorted(f"{name}:{node.definition_hash}" for name, node in self.nodes.items()):
            digest.update(entry.encode())
            digest.update(b"\n")
        edges = sorted(
            (source, target, attrs["edge_type"], ",".join(sorted(attrs["value_names"])))
            for (source, target), attrs in self.edges.items()
        )
        for edge in edges:
            digest.update("|".join(edge).encode())
            digest.update(b"\n")
        return digest.hexdigest()


def _has_cycle(successors: Mapping[str, set[str]]) -> bool:
    """Whether the directed graph ``successors`` has a cycle (a self-loop counts): Kahn's
    topological sort leaves some node unvisited exactly when there is one."""
    indegree = dict.fromkeys(successors, 0)
    for targets in successors.values():
        for target in targets:
            indegree[target] += 1
    ready = [name for name, count in indegree.items() if count == 0]
    visited = 0
    while ready:
        visited += 1
        for target in successors[ready.pop()]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return visited < len(successors)


def _nested_structures(structure: GraphStructure) -> list[GraphStructure]:
    """The structures of the graphs wrapped by ``structure``'s GraphNodes."""
    found = []
    for node in structure.nodes.values():
        inner = node.nested_graph
        if inner is not None:
            found.append(inner._structure)
    return found


def _hash_nested_first(root: GraphStructure) -> None:
    """Cache the definition hash of every structure nested in ``root``, innermost first.

    Iterative post-order walk: a structure is hashed only once all structures below it are,
    so each hash reads its children's cached values instead of recursing into them.
    """
    stack: list[tuple[GraphStructure, bool]] = [(root, False)]
    while stack:
        structure, children_done = stack.pop()
        if "definition_hash" in structure.__dict__:
            continue
        if children_done:
            if structure is not root:
                structure.__dict__["definition_hash"] = structure._own_hash()
            continue
        stack.append((structure, True))
        stack.extend((inner, False) for inner in _nested_structures(structure))
