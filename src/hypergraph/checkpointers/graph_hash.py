"""The structure hash stored with every workflow, to refuse resuming it with another graph."""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import Any

__all__ = ["graph_struct_hash"]

_ATTR = "_hypergraph_struct_hash"


def graph_struct_hash(graph: Any) -> str:
    """A hash of what steps are replayed into: node names and kinds, their input, output,
    signal and ``wait_for`` names, gate targets, map settings and nested graphs (recursively).

    Node *code* is not part of it (that is ``graph.definition_hash``): fixing a bug in a node
    and resuming is allowed. Memoised on the immutable graph.
    """
    cached = getattr(graph, _ATTR, None)
    if cached is not None:
        return str(cached)
    from hypergraph.engine.plan import get_plan

    nodes: tuple[Any, ...] = get_plan(graph).nodes  # NodePlan: slots without annotations
    shape = []
    for p in nodes:
        node = p.node
        inner = getattr(node, "nested_graph", None)
        targets = getattr(node, "targets", None) if p.is_gate else None
        shape.append(
            [
                p.name,
                p.kind.value,
                p.active,
                list(p.inputs),
                list(p.data_outputs),
                list(p.emits),
                list(p.wait_for),
                None if targets is None else [t if isinstance(t, str) else "END" for t in targets],
                None if p.map_params is None else [list(p.map_params), p.map_mode],
                None if inner is None else graph_struct_hash(inner),
            ]
        )
    digest = hashlib.sha256(json.dumps(shape, default=repr).encode()).hexdigest()
    with contextlib.suppress(AttributeError, TypeError):  # a graph without a __dict__
        object.__setattr__(graph, _ATTR, digest)
    return digest
