"""The :class:`Graph`: nodes wired by name, plus bindings, a selection and entry points.

A graph is an immutable value. Its structure (nodes, edges, derived facts) lives in a shared
:class:`~hypergraph.graph.structure.GraphStructure`; ``bind``, ``unbind``, ``select`` and
``with_entrypoint`` return new graphs that reuse it, so deriving a graph costs almost nothing
and the definition hash is computed once. Several runners and threads may use one graph at
the same time: nothing about a run is ever stored on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import networkx as nx

from hypergraph._short_repr import short_repr
from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.edges import is_gate
from hypergraph.graph.input_spec import InputSpec, compute_input_spec
from hypergraph.graph.structure import GraphStructure
from hypergraph.graph.validation import check_unique_node_names

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from hypergraph.engine.plan import ExecutionPlan
    from hypergraph.nodes.base import HyperNode
    from hypergraph.nodes.graph_node import GraphNode
    from hypergraph.viz.html import GraphView
    from hypergraph.viz.mermaid import MermaidDiagram

__all__ = ["Graph", "graph_facts"]

# Attributes that make up a graph's value; anything else (e.g. a runner's memo) is a cache.
_STATE_FIELDS = (
    "name",
    "_strict_types",
    "_structure",
    "_bound",
    "_selected",
    "_entrypoints",
    "_trace_io",
)


def graph_facts(graph: Any) -> dict[str, Any] | None:
    """The memo of facts derived from ``graph``'s value, or ``None`` for a non-Graph.

    Each user owns one key (``"plan"``, ``"prepare"``, ...) and stores there what it computed
    from the graph. A graph is immutable, so a fact never goes stale; two threads racing on a
    key compute equal values and one of them wins.
    """
    facts: dict[str, Any] | None = getattr(graph, "_facts", None)
    return facts


class Graph:
    """A workflow graph: nodes whose outputs feed other nodes' parameters of the same name.

    Build it from nodes made with ``@node``, ``@route``, ``@ifelse``, ``@interrupt`` or
    ``Graph.as_node()``. Edges are inferred by name unless ``edges=[...]`` declares them.
    Construction validates the graph and raises ``GraphConfigError`` for mistakes that can be
    known before running (docs/guides/graphs.md).

    ``trace_io=True`` (or :meth:`with_trace_io`) lets tracing record the inputs and outputs of
    the graph's nodes, nested graphs included (see :attr:`trace_io`).
    """

    name: str | None
    _strict_types: bool
    _structure: GraphStructure
    _bound: dict[str, Any]
    _selected: tuple[str, ...] | None
    _entrypoints: tuple[str, ...] | None
    _input_spec: InputSpec | None
    _engine_plan: ExecutionPlan | None
    _trace_io: bool

    def __init__(
        self,
        nodes: list[HyperNode],
        *,
        edges: list[tuple[Any, ...]] | None = None,
        name: str | None = None,
        strict_types: bool = False,
        trace_io: bool = False,
    ) -> None:
        from hypergraph.nodes.base import HyperNode

        if isinstance(nodes, HyperNode):  # Graph(step) instead of Graph([step])
            raise TypeError(
                f"Graph takes a list of nodes, got the single node '{nodes.name}'. "
                f"How to fix: Graph([{nodes.name}])."
            )
        node_list = list(nodes)
        _check_node_types(node_list)
        by_name = check_unique_node_names(node_list)
        structure = GraphStructure(
            by_name, list(edges) if edges is not None else None, name, bool(strict_types)
        )
        self._init_state(name, bool(strict_types), structure, {}, None, None)
        if not isinstance(trace_io, bool):
            raise TypeError(f"Graph: trace_io must be True or False, got {trace_io!r}.")
        object.__setattr__(self, "_trace_io", trace_io)

    def _init_state(
        self,
        name: str | None,
        strict_types: bool,
        structure: GraphStructure,
        bound: dict[str, Any],
        selected: tuple[str, ...] | None,
        entrypoints: tuple[str, ...] | None,
    ) -> None:
        set_attr = object.__setattr__
        set_attr(self, "name", name)
        set_attr(self, "_strict_types", strict_types)
        set_attr(self, "_structure", structure)
        set_attr(self, "_bound", bound)
        set_attr(self, "_selected", selected)
        set_attr(self, "_entrypoints", entrypoints)
        set_attr(self, "_trace_io", False)  # set by __init__, _derive and __setstate__
        set_attr(self, "_input_spec", None)
        # Facts derived from this graph's value (its structure *and* its bindings, selection
        # and entry points): the engine's compiled plan, the run-start checks' verdicts, resume
        # keys. Read and filled through graph_facts(); not shared by derived copies (other
        # bindings or entry points need other facts) and not pickled (rebuilt where it lands).
        set_attr(self, "_facts", {})

    def _derive(self, **changes: Any) -> Graph:
        """A copy sharing the structure, with some of bound/selected/entrypoints replaced."""
        state = {
            "bound": self._bound,
            "selected": self._selected,
            "entrypoints": self._entrypoints,
            **changes,
        }
        copy = object.__new__(Graph)
        copy._init_state(
            self.name,
            self._strict_types,
            self._structure,
            state["bound"],
            state["selected"],
            state["entrypoints"],
        )
        object.__setattr__(copy, "_trace_io", changes.get("trace_io", self._trace_io))
        return copy

    def __setattr__(self, attr: str, value: Any) -> None:
        # Public attributes are frozen; derived facts live in the declared _facts memo.
        if not attr.startswith("_"):
            raise AttributeError(
                f"Graph is immutable: cannot set '{attr}'. Use bind(), select(), "
                f"with_entrypoint() or add_nodes() to derive a new graph."
            )
        object.__setattr__(self, attr, value)

    def __getstate__(self) -> dict[str, Any]:
        # Ship only the graph's value; plans and memos are rebuilt where the graph lands.
        return {key: self.__dict__[key] for key in _STATE_FIELDS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._init_state(
            state["name"],
            state["_strict_types"],
            state["_structure"],
            state["_bound"],
            state["_selected"],
            state["_entrypoints"],
        )
        object.__setattr__(self, "_trace_io", state.get("_trace_io", False))

    def __repr__(self) -> str:
        label = f"name={self.name!r}, " if self.name is not None else ""
        return f"Graph({label}nodes={list(self._structure.nodes)})"

    # ------------------------------------------------------------------ properties
    @property
    def trace_io(self) -> bool:
        """Whether tracing records the inputs and outputs of this graph's nodes.

        Nested graphs inherit it; a node's own ``trace_io=True/False`` wins. Only tracing
        processors (``hypergraph.events.otel.OpenTelemetryProcessor``) look at it.
        """
        return self._trace_io

    def with_trace_io(self, enabled: bool = True) -> Graph:
        """Return a copy whose nodes' inputs and outputs are recorded by tracing (see
        :attr:`trace_io`); ``with_trace_io(False)`` turns it off again."""
        if not isinstance(enabled, bool):
            raise TypeError(f"with_trace_io: enabled must be True or False, got {enabled!r}.")
        return self._derive(trace_io=enabled)

    @property
    def strict_types(self) -> bool:
        """Whether data edges were type-checked at construction (docs/guides/graphs.md)."""
        return self._strict_types

    @property
    def nodes(self) -> dict[str, HyperNode]:
        """A copy of the ``{name: node}`` mapping in constructor order."""
        return dict(self._structure.nodes)

    def iter_nodes(self) -> Iterator[HyperNode]:
        """Iterate over the nodes in constructor order without copying the mapping."""
        return iter(self._structure.nodes.values())

    @property
    def nx_graph(self) -> nx.DiGraph[str]:
        """The frozen ``networkx.DiGraph``: node attributes are each node's ``nx_attrs``."""
        return self._structure.nx_graph

    @property
    def outputs(self) -> tuple[str, ...]:
        """Unique outputs of all nodes in node order (emit names included)."""
        return self._structure.outputs

    @property
    def leaf_outputs(self) -> tuple[str, ...]:
        """Unique outputs of nodes without outgoing edges."""
        return self._structure.leaf_outputs

    @property
    def inputs(self) -> InputSpec:
        """What the graph needs from the caller, for its bindings, selection and entry points."""
        spec = self._input_spec
        if spec is None:
            spec = compute_input_spec(
                self._structure.nodes,
                self._structure.nx_graph,
                self._bound,
                entrypoints=self._entrypoints,
                selected=self._selected,
            )
            object.__setattr__(self, "_input_spec", spec)
        return spec

    @property
    def bound_values(self) -> dict[str, Any]:
        """The graph's own bindings (not those of nested graphs). Read-only: do not mutate."""
        return self._bound

    @property
    def selected(self) -> tuple[str, ...] | None:
        """Output names chosen with ``select()``, or ``None`` for all outputs."""
        return self._selected

    @property
    def entrypoints_config(self) -> tuple[str, ...] | None:
        """Node names given to ``with_entrypoint()``, or ``None``."""
        return self._entrypoints

    @property
    def has_cycles(self) -> bool:
        """Whether the networkx graph has a cycle (self-loops count)."""
        return self._structure.has_cycles

    @property
    def has_async_nodes(self) -> bool:
        """Whether any node is async (GraphNodes count if their graph has async nodes)."""
        return self._structure.has_async_nodes

    @property
    def has_interrupts(self) -> bool:
        """Whether the graph has interrupt nodes at its top level."""
        return bool(self._structure.interrupt_nodes)

    @property
    def interrupt_nodes(self) -> list[HyperNode]:
        """The top-level interrupt nodes in node order."""
        return list(self._structure.interrupt_nodes)

    @property
    def definition_hash(self) -> str:
        """SHA-256 of the nodes' hashes and the edges; ignores bindings and node order."""
        return self._structure.definition_hash

    @property
    def controlled_by(self) -> dict[str, list[str]]:
        """Node name → names of the gates targeting it. Shared and read-only."""
        return self._structure.controlled_by

    @property
    def self_producers(self) -> dict[str, set[str]]:
        """Output name → names of nodes that produce and consume it. Shared and read-only."""
        return self._structure.self_producers

    @property
    def sole_producers(self) -> dict[str, str]:
        """Output name → name of its only producer. Shared and read-only."""
        return self._structure.sole_producers

    # ------------------------------------------------------------------ derivation
    def bind(self, **values: Any) -> Graph:
        """Return a graph with ``values`` bound: used by every run, shared, never copied.

        Inputs and outputs can be bound (a bound output is used when its producer does not
        run). Later binds win; ``bind(x=None)`` binds ``None``.
        """
        structure = self._structure
        for key in values:
            if key in structure.emit_only:
                raise ValueError(
                    f"Cannot bind '{key}': it is an emit-only signal, used only to order "
                    f"nodes with wait_for; signals carry no value to bind."
                )
            if key not in structure.bindable:
                candidates = sorted(structure.bindable)
                close = difflib.get_close_matches(key, candidates, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(
                    f"Cannot bind '{key}': it is not a graph input or output.{hint} "
                    f"Graph inputs: {list(self.inputs.all)}; outputs: {list(self.outputs)}."
                )
        if not values:
            return self._derive()
        return self._derive(bound={**self._bound, **values})

    def unbind(self, *keys: str) -> Graph:
        """Return a graph without the named bindings; unknown keys are ignored."""
        drop = set(keys)
        return self._derive(bound={k: v for k, v in self._bound.items() if k not in drop})

    def select(self, *names: str) -> Graph:
        """Return a graph whose runs (and ``as_node()``) expose only ``names`` by default.

        Narrows ``inputs`` to what the selected outputs need; every reachable node still runs.
        A later call replaces the earlier selection; ``select()`` clears it.
        """
        flat = _flatten(names)
        unknown = [n for n in flat if n not in self.outputs]
        if unknown:
            close = {n: difflib.get_close_matches(n, self.outputs, n=1) for n in unknown}
            hints = "".join(f" Did you mean '{m[0]}' for '{n}'?" for n, m in close.items() if m)
            raise ValueError(
                f"Cannot select {unknown}: they are not graph outputs. "
                f"Available outputs: {list(self.outputs)}.{hints}"
            )
        repeated = sorted({n for n in flat if flat.count(n) > 1})
        if repeated:
            raise ValueError(
                f"select() needs unique output names; {repeated} given more than once."
            )
        return self._derive(selected=tuple(flat) if flat else None)

    def with_entrypoint(self, *node_names: str) -> Graph:
        """Return a graph that starts at ``node_names``: only they and their descendants run.

        Upstream nodes never run, even if their inputs are supplied. Calls accumulate.
        """
        nodes = self._structure.nodes
        names = [n if isinstance(n, str) else getattr(n, "name", n) for n in _flatten(node_names)]
        for name in names:
            if name not in nodes:
                close = difflib.get_close_matches(str(name), list(nodes), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise GraphConfigError(
                    f"Unknown entry point '{name}'.{hint} Entry points must be nodes of this "
                    f"graph: {list(nodes)}."
                )
            if is_gate(nodes[name]):
                raise GraphConfigError(
                    f"'{name}' is a gate and cannot be an entry point: a gate only decides "
                    f"what runs next. Use one of its targets or an upstream node instead."
                )
        combined = tuple(dict.fromkeys([*(self._entrypoints or ()), *names]))
        return self._derive(entrypoints=combined or self._entrypoints)

    def add_nodes(self, *nodes: HyperNode) -> Graph:
        """Return a graph rebuilt with extra nodes, keeping name, strict_types, bindings and
        selection (entry points are dropped). Not available for explicit-edge graphs."""
        if not nodes:
            return self
        if self._structure.explicit_edges:
            raise GraphConfigError(
                "Cannot use add_nodes on a graph built with explicit edges: the new nodes "
                "would have no edges. Build a new Graph(nodes, edges=[...]) instead."
            )
        rebuilt = Graph(
            [*self._structure.nodes.values(), *nodes],
            name=self.name,
            strict_types=self._strict_types,
            trace_io=self._trace_io,
        )
        structure = rebuilt._structure
        for key in self._bound:
            if key in structure.emit_only or key not in structure.bindable:
                raise ValueError(
                    f"Binding '{key}' is no longer valid after add_nodes: it is not an input or "
                    f"output of the new graph. Call .unbind('{key}') before add_nodes()."
                )
        selected = self._selected
        if selected is not None and any(n not in rebuilt.outputs for n in selected):
            selected = None
        return rebuilt._derive(bound=dict(self._bound), selected=selected)

    def as_node(self, *, name: str | None = None) -> GraphNode:
        """Wrap this graph as a :class:`~hypergraph.nodes.GraphNode` (name defaults to
        the graph's name)."""
        from hypergraph.nodes.graph_node import GraphNode

        return GraphNode(self, name=name)

    # ------------------------------------------------------------------ pictures
    def to_mermaid(
        self,
        *,
        depth: int = 0,
        show_types: bool = False,
        separate_outputs: bool = False,
        direction: str = "TD",
        colors: Mapping[str, Any] | None = None,
    ) -> MermaidDiagram:
        """A Mermaid flowchart of the graph (``.source`` is the text; Jupyter renders it).

        ``depth`` expands nested graphs that many levels; ``show_types`` adds annotations;
        ``separate_outputs`` draws each output as its own node; ``direction`` is ``"TD"``,
        ``"LR"``, ...; ``colors`` maps node kinds (``"function"``, ``"gate"``, ``"interrupt"``,
        ``"graph"``, ``"input"``, ``"output"``, ``"end"``) to a fill colour or a style dict.
        """
        from hypergraph.viz.mermaid import to_mermaid

        return to_mermaid(
            self,
            depth=depth,
            show_types=show_types,
            separate_outputs=separate_outputs,
            direction=direction,
            colors=colors,
        )

    def visualize(
        self,
        *,
        depth: int = 0,
        theme: str = "auto",
        show_types: bool = False,
        separate_outputs: bool = False,
        filepath: str | Path | None = None,
    ) -> GraphView | None:
        """An interactive, self-contained HTML view of the graph (works offline).

        Pan by dragging, zoom with the wheel, click a nested graph to expand or collapse it,
        hover a node for its inputs, outputs, types and docstring. ``theme`` is ``"auto"``,
        ``"light"`` or ``"dark"``. Without ``filepath`` the returned view displays inline in
        Jupyter; with ``filepath`` (``.html``) the page is written there and ``None`` returned.
        """
        from hypergraph.viz.html import visualize

        return visualize(
            self,
            depth=depth,
            theme=theme,
            show_types=show_types,
            separate_outputs=separate_outputs,
            filepath=filepath,
        )

    def to_flat_graph(self) -> nx.DiGraph[str]:
        """A ``networkx.DiGraph`` with nested graphs expanded: inner ids are ``"outer/inner"``,
        node attribute ``parent`` names the enclosing graph node, edges keep ``edge_type`` and
        ``value_names``."""
        from hypergraph.viz.flat import to_flat_graph

        return to_flat_graph(self)


def _flatten(names: Iterable[Any]) -> list[Any]:
    """Accept ``f("a", "b")`` and also ``f(["a", "b"])``."""
    flat: list[Any] = []
    for item in names:
        if isinstance(item, (list, tuple)):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _check_node_types(nodes: list[Any]) -> None:
    from hypergraph.nodes.base import HyperNode

    for item in nodes:
        if not isinstance(item, HyperNode):
            label = getattr(item, "__name__", repr(item))
            raise TypeError(
                f"Graph nodes must be HyperNode instances, got {type(item).__name__} "
                f"{short_repr(label)}. Decorate functions with @node(output_name=...) or wrap a "
                "graph with graph.as_node()."
            )
