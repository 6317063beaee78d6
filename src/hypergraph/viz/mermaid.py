"""Mermaid flowchart text for a graph: ``Graph.to_mermaid(...)`` returns a :class:`MermaidDiagram`.

Shapes by kind: functions are rectangles, gates diamonds, interrupts hexagons, collapsed nested
graphs double-sided boxes (expanded ones are ``subgraph`` blocks), inputs slanted boxes,
outputs (``separate_outputs=True``) rounded boxes and ``END`` a circle. Data edges are solid
arrows labelled with value names, gate decisions dotted arrows labelled with their branch,
``wait_for`` ordering edges end in a circle, input edges are plain arrows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hypergraph.viz.model import KINDS, View, ViewEdge, ViewNode, build_view, project

if TYPE_CHECKING:
    from hypergraph.graph import Graph

__all__ = ["MermaidDiagram", "to_mermaid"]

DIRECTIONS = ("TD", "TB", "BT", "LR", "RL")

# Light fills that keep black text readable; a `colors` mapping overrides them per kind.
DEFAULT_STYLES: dict[str, dict[str, str]] = {
    "function": {"fill": "#e8f0fe", "stroke": "#4a6fa5", "color": "#1a1a1a"},
    "gate": {"fill": "#fff4d6", "stroke": "#b7862b", "color": "#1a1a1a"},
    "interrupt": {"fill": "#fde8e8", "stroke": "#b54747", "color": "#1a1a1a"},
    "graph": {"fill": "#eef7ee", "stroke": "#4f8a4f", "color": "#1a1a1a"},
    "input": {"fill": "#f4f4f4", "stroke": "#8a8a8a", "color": "#1a1a1a"},
    "output": {"fill": "#f3ecfb", "stroke": "#7d5ba6", "color": "#1a1a1a"},
    "end": {"fill": "#444444", "stroke": "#222222", "color": "#ffffff"},
}

_SHAPES = {
    "function": ('["', '"]'),
    "gate": ('{"', '"}'),
    "interrupt": ('{{"', '"}}'),
    "graph": ('[["', '"]]'),
    "input": ('[/"', '"/]'),
    "output": ('(["', '"])'),
    "end": ('(("', '"))'),
}

_ARROWS = {"data": "-->", "input": "-->", "control": "-.->", "ordering": "--o"}


class MermaidDiagram:
    """Mermaid flowchart text. ``.source`` (or ``str()``) is the text; Jupyter renders it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"MermaidDiagram({len(self.source.splitlines())} lines)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MermaidDiagram) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter display: Mermaid for front ends that draw it, Markdown and text otherwise."""
        return {
            "text/vnd.mermaid": self.source,
            "text/markdown": f"```mermaid\n{self.source}\n```",
            "text/plain": self.source,
        }


def _escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (Mermaid's ``#code;`` entities)."""
    for char, code in (
        ("#", "#35;"),
        ('"', "#quot;"),
        ("|", "#124;"),
        ("<", "#lt;"),
        (">", "#gt;"),
    ):
        text = text.replace(char, code)
    return text


class _Ids:
    """Mermaid ids: the node's path with unsafe characters replaced, made unique."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.by_view_id: dict[str, str] = {}

    def __call__(self, view_id: str) -> str:
        known = self.by_view_id.get(view_id)
        if known is not None:
            return known
        base = re.sub(r"[^A-Za-z0-9_]", "_", view_id.replace("input:", "input_"))
        if base.lower() in {"end", "graph", "subgraph", "flowchart", "style", "class"}:
            base = f"{base}_"  # Mermaid keywords cannot be ids
        if base[:1].isdigit():
            base = f"n_{base}"
        candidate, count = base, 1
        while candidate in self.taken:
            count += 1
            candidate = f"{base}_{count}"
        self.taken.add(candidate)
        self.by_view_id[view_id] = candidate
        return candidate


def _node_label(node: ViewNode, show_types: bool) -> str:
    label = node.label
    if node.kind == "input":
        if show_types and node.type_name:
            label = f"{label}: {node.type_name}"
        if node.bound:
            label = f"{label} (bound)"
    return label


def _edge_label(edge: ViewEdge, show_types: bool) -> str:
    if edge.kind == "control":
        return edge.label
    if edge.kind == "input":
        return ""
    names = [f"{n}: {edge.types[n]}" if show_types and edge.types.get(n) else n for n in edge.names]
    return ", ".join(names)


def _with_output_nodes(view: View, expanded: set[str], show_types: bool) -> View:
    """Route every data edge through a node per (producer, value); add unconsumed outputs."""
    nodes = dict(view.nodes)
    edges: list[ViewEdge] = []
    out_ids: dict[tuple[str, str], str] = {}

    def output_node(producer: str, name: str, type_name: str) -> str:
        key = (producer, name)
        if key not in out_ids:
            out_id = f"{producer}>{name}"
            parent = nodes[producer].parent
            nodes[out_id] = ViewNode(out_id, name, "output", parent, type_name=type_name)
            out_ids[key] = out_id
            edges.append(ViewEdge(producer, out_id, "data"))
        return out_ids[key]

    for producer in view.nodes.values():
        if producer.kind in ("function", "interrupt", "graph") and producer.id not in expanded:
            for name, type_name in producer.outputs:
                output_node(producer.id, name, type_name)
    for edge in view.edges:
        if edge.kind != "data":
            edges.append(edge)
            continue
        for name in edge.names:
            out_id = output_node(edge.source, name, edge.types.get(name, ""))
            edges.append(ViewEdge(out_id, edge.target, "input", [name]))
    for out_id in out_ids.values():
        node = nodes[out_id]
        if show_types and node.type_name:
            node.label = f"{node.label}: {node.type_name}"
    return View(nodes, edges)


def _class_lines(colors: Mapping[str, Any] | None) -> list[str]:
    styles = {kind: dict(style) for kind, style in DEFAULT_STYLES.items()}
    for kind, value in (colors or {}).items():
        if kind not in KINDS:
            raise ValueError(
                f"to_mermaid(colors=...): unknown node kind {kind!r}. "
                f"Use any of {list(KINDS)}, e.g. colors={{'function': '#ffe0b2'}}."
            )
        if isinstance(value, str):
            styles[kind]["fill"] = value
        elif isinstance(value, Mapping):
            styles[kind].update({str(k): str(v) for k, v in value.items()})
        else:
            raise TypeError(
                f"to_mermaid(colors=...): the style for {kind!r} must be a fill colour string "
                f"or a dict like {{'fill': '#fff', 'stroke': '#333'}}, got {value!r}."
            )
    return [
        f"    classDef hg_{kind} " + ",".join(f"{k}:{v}" for k, v in style.items())
        for kind, style in styles.items()
    ]


def render_view(
    view: View,
    expanded: set[str],
    *,
    show_types: bool,
    direction: str,
    colors: Mapping[str, Any] | None,
) -> str:
    """Mermaid text of an already projected view."""
    ids = _Ids()
    lines = [f"flowchart {direction}"]
    by_kind: dict[str, list[str]] = {}

    def emit_nodes(parent: str | None, indent: str) -> None:
        for node in view.children(parent):
            node_id = ids(node.id)
            if node.id in expanded:
                lines.append(f'{indent}subgraph {node_id} ["{_escape(node.label)}"]')
                emit_nodes(node.id, indent + "    ")
                lines.append(f"{indent}end")
                by_kind.setdefault("graph", []).append(node_id)
                continue
            left, right = _SHAPES[node.kind]
            lines.append(f"{indent}{node_id}{left}{_escape(_node_label(node, show_types))}{right}")
            by_kind.setdefault(node.kind, []).append(node_id)

    emit_nodes(None, "    ")
    for edge in view.edges:
        label = _edge_label(edge, show_types)
        arrow = _ARROWS[edge.kind]
        shown = f'{arrow}|"{_escape(label)}"|' if label else arrow
        lines.append(f"    {ids(edge.source)} {shown} {ids(edge.target)}")
    lines.extend(_class_lines(colors))
    for kind in KINDS:
        if by_kind.get(kind):
            lines.append(f"    class {','.join(by_kind[kind])} hg_{kind}")
    return "\n".join(lines)


def to_mermaid(
    graph: Graph,
    *,
    depth: int = 0,
    show_types: bool = False,
    separate_outputs: bool = False,
    direction: str = "TD",
    colors: Mapping[str, Any] | None = None,
) -> MermaidDiagram:
    """Mermaid flowchart of ``graph``; nested graphs are expanded ``depth`` levels deep."""
    if direction not in DIRECTIONS:
        raise ValueError(
            f"to_mermaid(direction={direction!r}): use one of {list(DIRECTIONS)} "
            "(TD: top-down, LR: left-right)."
        )
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"to_mermaid(depth={depth!r}): depth must be an int >= 0.")
    view, expanded = project(build_view(graph), depth)
    if separate_outputs:
        view = _with_output_nodes(view, expanded, show_types)
    source = render_view(view, expanded, show_types=show_types, direction=direction, colors=colors)
    return MermaidDiagram(source)
