"""The kinds of node a run calls, and everything that depends on the kind, in one table.

A node's kind is decided once, when the graph is compiled (engine/plan.py stores it on each
``NodePlan``), and it answers three questions the rest of the code would otherwise ask with
``isinstance`` checks or string comparisons:

* **How is it called?** A *sync leaf* is called on the driver's thread and returns its raw
  result (a generator's items collected into a list); an *async leaf* needs an event loop
  (AsyncRunner); a *nested* kind runs the inner graph with the same driver, once or per item.
* **What does its raw result mean?** A function's return value becomes its data outputs; a
  gate's is a routing decision; an interrupt's is an answer, or ``None`` to pause; a nested
  run's result is mapped back to outer names (runners/loop/call.py turns raw results into
  outputs by these flags).
* **Which hooks apply?** Whether the result may be cached, whether the body holds a
  ``max_concurrency`` slot.

=====================  ============  ========  =========  =========  ====================
kind                   called        drains    cacheable  holds slot  raw result is
=====================  ============  ========  =========  =========  ====================
``FUNCTION``           sync leaf     no        yes        yes        return value
``GENERATOR``          sync leaf     yes       yes        yes        list of items
``GATE``               sync leaf     no        yes        no         decision
``ASYNC``              async leaf    no        yes        yes        awaited value
``ASYNC_GENERATOR``    async leaf    yes       yes        yes        list of items
``INTERRUPT``          async leaf    no        yes        yes        answer or ``None``
``GRAPH``              nested        no        no         no         inner RunResult
``MAPPED_GRAPH``       nested        no        no         no         inner results
=====================  ============  ========  =========  =========  ====================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["NodeKind", "CallStrategy", "STRATEGIES", "kind_of", "strategy_for"]


class NodeKind(enum.Enum):
    """How a node is executed; see the module table."""

    FUNCTION = "function"
    GENERATOR = "generator"
    GATE = "gate"
    ASYNC = "async"
    ASYNC_GENERATOR = "async_generator"
    INTERRUPT = "interrupt"
    GRAPH = "graph"
    MAPPED_GRAPH = "mapped_graph"

    def __repr__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CallStrategy:
    """What every part of a run needs to know about one kind of node (one row of the table).

    Attributes:
        kind: The kind this row describes.
        sync_leaf: Called on the driver's thread: ``func(*args, **kwargs)`` gives the raw result.
        async_leaf: Needs an event loop (an async body, or an interrupt handler that may be one).
        drains: The body returns an iterator whose items are collected into a list.
        nested: The driver runs the node's inner graph (``mapped``: once per item).
        mapped: A GraphNode with ``map_over``.
        cacheable: The raw result may be stored in the runner's cache (``cache=True`` nodes).
        holds_slot: The body holds a ``max_concurrency`` slot while it runs.
        returns_values: The raw result is the function's return value (the data outputs).
        decides: The raw result is a gate's routing decision.
        pauses: The raw result is an interrupt's answer; ``None`` pauses the run.
    """

    kind: NodeKind
    sync_leaf: bool = False
    async_leaf: bool = False
    drains: bool = False
    nested: bool = False
    mapped: bool = False
    cacheable: bool = True
    holds_slot: bool = True
    returns_values: bool = False
    decides: bool = False
    pauses: bool = False


STRATEGIES: dict[NodeKind, CallStrategy] = {
    NodeKind.FUNCTION: CallStrategy(NodeKind.FUNCTION, sync_leaf=True, returns_values=True),
    NodeKind.GENERATOR: CallStrategy(
        NodeKind.GENERATOR, sync_leaf=True, drains=True, returns_values=True
    ),
    NodeKind.GATE: CallStrategy(NodeKind.GATE, sync_leaf=True, holds_slot=False, decides=True),
    NodeKind.ASYNC: CallStrategy(NodeKind.ASYNC, async_leaf=True, returns_values=True),
    NodeKind.ASYNC_GENERATOR: CallStrategy(
        NodeKind.ASYNC_GENERATOR, async_leaf=True, drains=True, returns_values=True
    ),
    NodeKind.INTERRUPT: CallStrategy(NodeKind.INTERRUPT, async_leaf=True, pauses=True),
    NodeKind.GRAPH: CallStrategy(NodeKind.GRAPH, nested=True, cacheable=False, holds_slot=False),
    NodeKind.MAPPED_GRAPH: CallStrategy(
        NodeKind.MAPPED_GRAPH, nested=True, mapped=True, cacheable=False, holds_slot=False
    ),
}


def kind_of(node: Any) -> NodeKind:
    """The :class:`NodeKind` of ``node`` (a HyperNode), from its type and its function."""
    node_type = getattr(node, "node_type", "FUNCTION")
    if node_type == "GRAPH":
        return NodeKind.MAPPED_GRAPH if node.map_config is not None else NodeKind.GRAPH
    if node_type == "BRANCH":
        return NodeKind.GATE
    if getattr(node, "is_interrupt", False):
        return NodeKind.INTERRUPT
    if node.is_async:
        return NodeKind.ASYNC_GENERATOR if node.is_generator else NodeKind.ASYNC
    return NodeKind.GENERATOR if node.is_generator else NodeKind.FUNCTION


def strategy_for(node: Any) -> CallStrategy:
    """The :class:`CallStrategy` row of ``node``'s kind."""
    return STRATEGIES[kind_of(node)]
