"""What a picture of a graph shows: boxes, their nesting, and the edges between them.

:func:`build_view` reads a :class:`~hypergraph.graph.Graph` once, fully expanded, and returns a
:class:`View`: every visible node (nested graphs included, ids are paths like
``"prepare/normalize"``), the graph's inputs, ``END`` markers, and the edges between them.
Edges crossing a nested graph's border are attached to the inner nodes that produce or consume
the value, so any drawing can show a nested graph expanded or collapsed: :func:`project`
folds every node deeper than ``depth`` into its enclosing (collapsed) graph node.

Nodes are read through their public members only (``inputs``, ``outputs``, ``targets``, ...)
and ``hide=True`` nodes are left out together with their edges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from hypergraph.viz.types import type_label

if TYPE_CHECKING:
    from hypergraph.graph import Graph
    from hypergraph.nodes.base import HyperNode

__all__ = ["ViewNode", "ViewEdge", "View", "build_view", "project"]

#: Node kinds a view knows; drawings style nodes by kind.
KINDS = ("function", "gate", "interrupt", "graph", "input", "output", "end")


@dataclass
class ViewNode:
    """One box: a node of some graph level, a graph input or an ``END`` marker."""

    id: str
    label: str
    kind: str
    parent: str | None = None
    level: int = 0
    bound: bool = False
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    doc: str = ""
    type_name: str = ""


@dataclass
class ViewEdge:
    """An arrow: ``kind`` is ``"data"``, ``"control"``, ``"ordering"`` or ``"input"``."""

    source: str
    target: str
    kind: str
    names: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    label: str = ""


@dataclass
class View:
    """Nodes in drawing order (a container before its children) and edges in graph order."""

    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]

    def children(self, parent: str | None) -> list[ViewNode]:
        """Nodes directly inside ``parent`` (``None``: the top level)."""
        return [n for n in self.nodes.values() if n.parent == parent]


def _kind(node: HyperNode) -> str:
    if node.node_type == "GRAPH":
        return "graph"
    if node.node_type == "BRANCH":
        return "gate"
    return "interrupt" if node.is_interrupt else "function"


def _doc(node: HyperNode) -> str:
    func = getattr(node, "func", None)
    text = getattr(func, "__doc__", None) if func is not None else None
    if node.node_type == "GRAPH":
        text = None
    return " ".join((text or "").split())


def _inner_input(node: HyperNode, name: str) -> str:
    return next(iter(node.map_inputs_to_params({name: None})))


def _inner_output(node: Any, name: str) -> str | None:
    inner_names = node.nested_graph.outputs
    outer = node.map_outputs_from_original({o: o for o in inner_names})
    for outer_name, inner_name in outer.items():
        if outer_name == name:
            return str(inner_name)
    return name if name in inner_names and name in node.outputs else None


class _Builder:
    def __init__(self, graph: Graph) -> None:
        self.view = View({}, [])
        self.graph = graph

    # Graphs nest to any depth: the walks below keep their own stack rather than recursing, so
    # a graph nested hundreds of levels deep is drawn like a shallow one.

    # ------------------------------------------------------------------ nodes
    def add_level(self, graph: Graph, prefix: str, parent: str | None, level: int) -> None:
        """Add the nodes of ``graph`` and, right after each graph node, everything inside it."""
        stack = [(graph, prefix, parent, level, iter(graph.nodes.items()))]
        while stack:
            graph, prefix, parent, level, items = stack[-1]
            for name, node in items:
                if node.hide:
                    continue
                node_id = prefix + name
                self.view.nodes[node_id] = ViewNode(
                    id=node_id,
                    label=name,
                    kind=_kind(node),
                    parent=parent,
                    level=level,
                    inputs=[(p, type_label(node.get_input_type(p))) for p in node.inputs],
                    outputs=[(o, type_label(node.get_output_type(o))) for o in node.data_outputs],
                    doc=_doc(node),
                )
                inner = node.nested_graph
                if inner is not None:  # its nodes come next; this level goes on after them
                    stack.append(
                        (inner, node_id + "/", node_id, level + 1, iter(inner.nodes.items()))
                    )
                    break
            else:
                stack.pop()
                if any(_targets_end(node) for node in graph.nodes.values() if not node.hide):
                    end_id = prefix + "END"
                    self.view.nodes[end_id] = ViewNode(end_id, "END", "end", parent, level)

    # ------------------------------------------------------------------ endpoints
    def producers(self, node_id: str, node: HyperNode, name: str) -> list[str]:
        """Where value ``name`` leaving ``node`` is made: inside a nested graph, its producers."""
        return _ends(node_id, node, name, _inner_output, lambda inner, n: inner in n.outputs)

    def consumers(self, node_id: str, node: HyperNode, name: str) -> list[str]:
        """Where value ``name`` entering ``node`` is read: inside a nested graph, its readers."""
        return _ends(node_id, node, name, _inner_input, lambda inner, n: inner in n.inputs)

    # ------------------------------------------------------------------ edges
    def add_edge(self, edge: ViewEdge) -> None:
        nodes = self.view.nodes
        if edge.source not in nodes or edge.target not in nodes:
            return  # a hidden node (or something inside one)
        for existing in self.view.edges:
            same = (existing.source, existing.target, existing.kind, existing.label)
            if same == (edge.source, edge.target, edge.kind, edge.label):
                existing.names.extend(n for n in edge.names if n not in existing.names)
                existing.types.update(edge.types)
                return
        self.view.edges.append(edge)

    def add_value_edges(
        self,
        prefix: str,
        nodes: dict[str, HyperNode],
        source: str,
        target: str,
        kind: str,
        names: Iterable[str],
    ) -> None:
        producer, consumer = nodes[source], nodes[target]
        for name in names:
            tp = type_label(producer.get_output_type(name)) if kind == "data" else ""
            for start in self.producers(prefix + source, producer, name):
                ends = (
                    self.consumers(prefix + target, consumer, name)
                    if kind == "data"
                    else [prefix + target]
                )
                for end in ends:
                    types = {name: tp} if tp else {}
                    self.add_edge(ViewEdge(start, end, kind, [name], types))

    def add_level_edges(self, graph: Graph, prefix: str) -> None:
        """Add the edges of ``graph`` and, after each graph node's control edges, those inside it."""
        self.add_value_level(graph, prefix)
        stack = [(prefix, iter(graph.nodes.items()))]
        while stack:
            prefix, items = stack[-1]
            for name, node in items:
                if node.node_type == "BRANCH":
                    self.add_control_edges(prefix, name, node)
                inner = node.nested_graph
                if inner is not None and not node.hide:  # its edges come next
                    self.add_value_level(inner, f"{prefix}{name}/")
                    stack.append((f"{prefix}{name}/", iter(inner.nodes.items())))
                    break
            else:
                stack.pop()

    def add_value_level(self, graph: Graph, prefix: str) -> None:
        """The data and ordering edges between the nodes of one graph (not those inside them)."""
        nodes = graph.nodes
        # A graph built with edges=[...] draws only its declared data edges.
        inferred = not getattr(graph, "_structure").explicit_edges  # noqa: B009
        producers: dict[str, list[str]] = {}
        for name, node in nodes.items():
            for output in node.data_outputs:
                producers.setdefault(output, []).append(name)
        for source, target, attrs in graph.nx_graph.edges(data=True):
            kind, names = attrs["edge_type"], list(attrs["value_names"])
            if kind == "control":
                continue  # drawn from the gate's targets below, with branch labels
            if kind == "ordering" and not names:
                self.add_edge(ViewEdge(prefix + source, prefix + target, "ordering"))
                continue
            self.add_value_edges(prefix, nodes, source, target, kind, names)
            if kind == "data" and inferred:
                # Inferred edges come from a name's first producer only; every producer feeds.
                for name in names:
                    for other in producers.get(name, ()):
                        if other != source:
                            self.add_value_edges(prefix, nodes, other, target, kind, [name])

    def add_control_edges(self, prefix: str, name: str, gate: Any) -> None:
        labels = _branch_labels(gate)
        for target in gate.targets:
            end = prefix + ("END" if not isinstance(target, str) else target)
            label = labels.get(_target_key(target), "")
            self.add_edge(ViewEdge(prefix + name, end, "control", label=label))

    def add_inputs(self) -> None:
        graph = self.graph
        spec = graph.inputs
        nodes = graph.nodes
        for param in spec.all:
            input_id = "input:" + param
            consumers = [(n, node) for n, node in nodes.items() if param in node.inputs]
            tp = next((type_label(c.get_input_type(param)) for _, c in consumers), "")
            self.view.nodes[input_id] = ViewNode(
                input_id, param, "input", bound=param in spec.bound, type_name=tp
            )
            for name, node in consumers:
                for end in self.consumers(name, node, param):
                    self.add_edge(ViewEdge(input_id, end, "input", [param]))


def _ends(
    node_id: str,
    node: HyperNode,
    name: str,
    inner_name: Callable[[Any, str], str | None],
    matches: Callable[[str, HyperNode], bool],
) -> list[str]:
    """The innermost nodes that ``name`` at ``node`` stands for, in node order: ``node`` itself
    unless it is a graph node with inner nodes ``matches`` picks (under ``inner_name``)."""
    found: list[str] = []
    pending = [(node_id, node, name)]
    while pending:
        node_id, node, name = pending.pop()
        inner_graph = node.nested_graph
        inner = inner_name(node, name) if inner_graph is not None else None
        inside = (
            []
            if inner_graph is None or inner is None
            else [
                (f"{node_id}/{inner_id}", inner_node, inner)
                for inner_id, inner_node in inner_graph.nodes.items()
                if matches(inner, inner_node)
            ]
        )
        if inside:
            pending.extend(reversed(inside))  # the first inner node is looked at next
        else:
            found.append(node_id)
    return found


def _targets_end(node: HyperNode) -> bool:
    return node.node_type == "BRANCH" and any(
        not isinstance(t, str) for t in getattr(node, "targets", ())
    )


def _target_key(target: Any) -> str:
    return target if isinstance(target, str) else "END"


def _branch_labels(gate: Any) -> dict[str, str]:
    """Target → label: ``True``/``False`` for ifelse, the description for route targets."""
    data = gate.branch_data
    if "when_true" in data:
        return {
            _target_key(data["when_true"]): "True",
            _target_key(data["when_false"]): "False",
        }
    descriptions = data.get("descriptions", {})
    return {_target_key(t): str(d) for t, d in descriptions.items() if d}


def build_view(graph: Graph) -> View:
    """The fully expanded picture of ``graph``: inputs first, then nodes, then edges."""
    builder = _Builder(graph)
    builder.add_level(graph, "", None, 0)
    builder.add_level_edges(graph, "")
    level_nodes, level_edges = dict(builder.view.nodes), list(builder.view.edges)
    builder.view.edges.clear()
    builder.add_inputs()
    inputs = {i: n for i, n in builder.view.nodes.items() if i not in level_nodes}
    return View({**inputs, **level_nodes}, builder.view.edges + level_edges)


def project(view: View, depth: int) -> tuple[View, set[str]]:
    """Fold nodes nested deeper than ``depth`` into their enclosing graph node.

    Returns the folded view and the ids of the graph nodes drawn expanded (as containers).
    Edges folded inside one collapsed node disappear; edges folded onto the same pair of
    boxes merge their value names.
    """
    nodes = view.nodes
    visible = {i: n for i, n in nodes.items() if n.parent is None or nodes[n.parent].level < depth}
    expanded = {i for i, n in visible.items() if n.kind == "graph" and n.level < depth}

    def shown(node_id: str) -> str:
        while node_id not in visible:
            parent = nodes[node_id].parent
            assert parent is not None
            node_id = parent
        return node_id

    folded: list[ViewEdge] = []
    for edge in view.edges:
        source, target = shown(edge.source), shown(edge.target)
        if source == target and (source != edge.source or target != edge.target):
            continue  # an edge inside a collapsed graph node
        candidate = replace(
            edge, source=source, target=target, names=list(edge.names), types=dict(edge.types)
        )
        for existing in folded:
            if (existing.source, existing.target, existing.kind, existing.label) == (
                source,
                target,
                edge.kind,
                edge.label,
            ):
                existing.names.extend(n for n in edge.names if n not in existing.names)
                existing.types.update(edge.types)
                break
        else:
            folded.append(candidate)
    return View(visible, folded), expanded
