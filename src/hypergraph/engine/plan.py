"""Compile a Graph, once, into the lookup tables the scheduler and the call path need.

A run must not pay for anything that depends only on the graph: node order, who consumes which
name, which gates control which node, where every input falls back to, how each function is
called. :func:`get_plan` builds an :class:`ExecutionPlan` on first use and caches it among the
graph's derived facts (``graph_facts(graph)["plan"]``, graph/core.py). The plan is immutable, so one graph can be run from many threads
at once; a race only means two threads compile equal plans and one of them wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypergraph.engine.kinds import CallStrategy, NodeKind, strategy_for
from hypergraph.engine.resolve import (
    FROM_STATE_ONLY,
    SIMPLE_CALL,
    CallShape,
    InputSource,
    build_call_shape,
    build_sources,
)
from hypergraph.graph.core import graph_facts

if TYPE_CHECKING:
    from hypergraph.retry import RetryPolicy

__all__ = [
    "EMITTED",
    "NodePlan",
    "ExecutionPlan",
    "compile_plan",
    "get_plan",
]


class _Emitted:
    """The value stored for an emit signal; it never reaches a RunResult."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<emitted>"


EMITTED: Any = _Emitted()


@dataclass(slots=True, init=False, eq=False, repr=False)
class NodePlan:
    """Everything the engine needs to know about one node, precomputed.

    Attributes:
        index: Position in graph node order (the scheduler works with indices).
        active: Whether the node may run at all (``with_entrypoint`` closure; ready rule 1 in
            docs/guides/running.md).
        node, name: The node and its name.
        strategy, kind: How the node is called and what its result means (engine/kinds.py);
            ``kind`` is ``strategy.kind``.
        inputs, wait_for, data_outputs, emits: Name tuples, as on the node.
        state_inputs: Inputs that can only come from the run state (no binding, no default).
        self_produced: For ungated nodes, inputs the node also produces (ignored for staleness).
        own_inputs: For gate-controlled nodes, inputs the node also produces: a change the node
            made itself re-triggers it only after a controlling gate decided again (see
            ``engine/scheduler.py``, "own output").
        feeders: For a gate controlling a node with ``own_inputs``: indices of the nodes whose
            data outputs reach the gate's inputs (directly or through other nodes).
        feeds: Indices of the gates whose ``feeders`` include this node.
        watched: Names whose consumed versions are recorded when the node runs: its inputs
            (minus self-produced ones for ungated nodes; ready rule 5 in docs/guides/running.md)
            then its ``wait_for``.
        wait_offset: Where the ``wait_for`` part of ``watched`` starts.
        gates: Indices of the gates controlling this node.
        targets: For a gate: indices of its targets present in the graph (``END`` excluded).
        default_open: For a gate: targets may run before it first decides.
        sources, call_shape: Input resolution and argument layout (engine/resolve.py).
        plain_call: An uncached sync function called with keyword arguments only (fast path).
        single_output: The one data output of an uncached value-returning node without emit
            names (fast path for wrapping results), else ``None``.
        param_names: The parameter name each input is passed as (original or inner names).
        map_params, map_mode, map_error_handling, clone: For mapped GraphNodes, the map_over
            settings translated to inner parameter names.
        retry, timeout: The node's ``RetryPolicy`` and attempt timeout in seconds (or ``None``).
        guarded: Either is set: drivers run the call through runners/loop/retry.py.
        trace_io: The node's own ``trace_io`` (``None``: the run's, from its graph).
    """

    # Typed fields in slots; compile_plan() fills them one by one (init=False), and plans
    # compare and hash by identity (eq=False).
    index: int
    active: bool
    # The concrete node class follows from ``strategy`` (engine/kinds.py), which the call path
    # dispatches on; a single static type cannot say which methods each kind has.
    node: Any
    name: str
    kind: NodeKind
    strategy: CallStrategy
    is_gate: bool
    inputs: tuple[str, ...]
    wait_for: tuple[str, ...]
    data_outputs: tuple[str, ...]
    emits: tuple[str, ...]
    outputs: tuple[str, ...]
    state_inputs: tuple[str, ...]
    self_produced: frozenset[str]
    own_inputs: frozenset[str]
    feeders: frozenset[int]
    feeds: tuple[int, ...]
    watched: tuple[str, ...]
    zeros: tuple[int, ...]
    wait_offset: int
    gates: tuple[int, ...]
    targets: tuple[int, ...]
    default_open: bool
    sources: tuple[InputSource, ...]
    call_shape: CallShape
    param_names: tuple[str, ...]
    plain_call: bool
    single_output: str | None
    map_params: list[str] | None
    map_mode: str | None
    map_error_handling: str | None
    clone: bool | list[str]
    func: Callable[..., Any] | None
    retry: RetryPolicy | None
    timeout: float | None
    guarded: bool
    trace_io: bool | None

    def __repr__(self) -> str:
        return f"NodePlan({self.index}, {self.name!r}, kind={self.kind.value})"


class ExecutionPlan:
    """The compiled, immutable form of a graph (see module docstring).

    Attributes:
        graph: The graph this plan was compiled from.
        nodes: One :class:`NodePlan` per node, in graph node order.
        consumers: name → indices of nodes reading it as an input or waiting for it.
        active: Indices of nodes that may run (all, or the ``with_entrypoint`` closure).
        has_cycles: Whether ``max_iterations`` applies.
        result_names: ``graph.outputs`` without emit-only names, in order.
        has_interrupts: Whether any node is an InterruptNode.
        has_own_inputs: Whether any gate-controlled node reads a name it writes.
        interrupt_outputs: ``(index, data outputs)`` of every active interrupt.
        schedules: Memo of :func:`hypergraph.engine.static.scheduler_for` (key set → supersteps).
        compiled: Memo of :func:`hypergraph.engine.compiled.compiled_run` (key set and
            selection → generated run function).
    """

    __slots__ = (
        "graph",
        "nodes",
        "consumers",
        "active",
        "has_cycles",
        "result_names",
        "has_interrupts",
        "interrupt_outputs",
        "has_own_inputs",
        "schedules",
        "compiled",
    )

    def __init__(
        self,
        graph: Any,
        nodes: tuple[NodePlan, ...],
        consumers: dict[str, tuple[int, ...]],
        active: tuple[int, ...],
        has_cycles: bool,
        result_names: tuple[str, ...],
    ) -> None:
        self.graph = graph
        self.nodes = nodes
        self.consumers = consumers
        self.active = active
        self.has_cycles = has_cycles
        self.result_names = result_names
        self.has_interrupts = any(p.strategy.pauses for p in nodes)
        self.has_own_inputs = any(p.own_inputs for p in nodes)
        # (index, data outputs) of every active interrupt: their supplied answers are held back
        # until they resume (RunState.hold_interrupt_answers).
        self.interrupt_outputs = [
            (p.index, p.data_outputs) for p in nodes if p.strategy.pauses and p.active
        ]
        # Precomputed supersteps per supplied key set (engine/static.py), filled on demand.
        self.schedules: dict[Any, Any] = {}
        # Generated run functions per key set and selection (engine/compiled.py), on demand.
        self.compiled: dict[Any, Any] = {}


def _active_names(graph: Any, names: list[str]) -> set[str] | None:
    """The ``with_entrypoint`` closure: entry nodes and everything downstream of them."""
    entrypoints = getattr(graph, "entrypoints_config", None)
    if not entrypoints:
        return None
    import networkx as nx  # only when entrypoints are configured, once per graph

    nx_graph = graph.nx_graph
    active: set[str] = set()
    for entry in entrypoints:
        active.add(entry)
        active.update(nx.descendants(nx_graph, entry))
    return active & set(names)


def _param_names(node: Any) -> tuple[str, ...]:
    """The parameter name each current input name is passed as (renames undone)."""
    inputs = node.inputs
    mapped = node.map_inputs_to_params({name: i for i, name in enumerate(inputs)})
    by_index = {i: param for param, i in mapped.items()}
    return tuple(by_index.get(i, name) for i, name in enumerate(inputs))


def compile_plan(graph: Any) -> ExecutionPlan:
    """Build the :class:`ExecutionPlan` of ``graph`` (prefer :func:`get_plan`, which caches)."""
    nodes = list(graph.iter_nodes())
    names = [n.name for n in nodes]
    index = {name: i for i, name in enumerate(names)}
    # The graph's own bindings plus those of nested graphs (rule 5 of docs/guides/graphs.md,
    # graph.inputs): a name that InputSpec reports as optional because an inner graph binds it must
    # resolve to that value for every consumer, or a sibling consumer would silently never run.
    spec = getattr(graph, "inputs", None)
    bound = {**getattr(spec, "bound", {}), **(getattr(graph, "bound_values", None) or {})}
    # Structure facts are computed once per graph structure (graph/structure.py).
    controlled: dict[str, list[str]] = graph.controlled_by
    active_names = _active_names(graph, names)

    plans: list[NodePlan] = []
    consumers: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        p = NodePlan()
        strategy = strategy_for(node)
        p.index, p.node, p.name = i, node, node.name
        p.strategy, p.kind = strategy, strategy.kind
        p.active = False  # set below once the with_entrypoint closure is known
        p.is_gate = strategy.decides
        p.inputs = tuple(node.inputs)
        p.wait_for = tuple(getattr(node, "wait_for", ()) or ())
        p.outputs = tuple(node.outputs)
        p.data_outputs = tuple(getattr(node, "data_outputs", p.outputs))
        p.emits = tuple(o for o in p.outputs if o not in p.data_outputs)
        p.gates = tuple(index[g] for g in controlled.get(node.name, ()))
        p.targets = (
            tuple(
                index[t] for t in dict.fromkeys(node.targets) if isinstance(t, str) and t in index
            )
            if p.is_gate
            else ()
        )
        p.default_open = bool(getattr(node, "default_open", True))
        p.param_names = _param_names(node)
        p.sources = build_sources(node, p.param_names, bound)
        p.state_inputs = tuple(name for name, _, kind, _ in p.sources if kind == FROM_STATE_ONLY)
        # Self-producer rule (ready rule 5, docs/guides/running.md): an ungated node ignores inputs
        # it produces itself.
        produced_inputs = frozenset(p.inputs) & set(p.outputs)
        p.self_produced = produced_inputs if not p.gates else frozenset()
        p.own_inputs = produced_inputs if p.gates else frozenset()
        stale_inputs = tuple(name for name in p.inputs if name not in p.self_produced)
        p.watched = stale_inputs + p.wait_for
        p.zeros = (0,) * len(p.watched)  # default versions, for map(versions.get, watched, zeros)
        p.wait_offset = len(stale_inputs)
        func = getattr(node, "func", None)
        p.func = func
        p.call_shape = (
            build_call_shape(func) if func is not None and not strategy.nested else SIMPLE_CALL
        )
        # Fast paths for the overwhelmingly common node: a sync function taking keywords and
        # returning one value, without signals and without caching (whose hooks live on the
        # general path in runners/loop/call.py).
        cached = bool(getattr(node, "cache", False))
        p.plain_call = (
            strategy.sync_leaf and strategy.returns_values and p.call_shape.simple and not cached
        )
        single = strategy.returns_values and len(p.data_outputs) == 1 and not p.emits and not cached
        p.single_output = p.data_outputs[0] if single else None
        p.retry = getattr(node, "retry", None)
        p.timeout = getattr(node, "timeout", None)
        p.guarded = p.retry is not None or p.timeout is not None
        p.trace_io = getattr(node, "trace_io", None)
        p.map_params = p.map_mode = p.map_error_handling = None
        p.clone = False
        if strategy.mapped:
            to_param = dict(zip(p.inputs, p.param_names))
            map_config: tuple[list[str], str, str] = node.map_config
            params, mode, error_handling = map_config
            p.map_params = [to_param.get(name, name) for name in params]
            p.map_mode, p.map_error_handling = mode, error_handling
            clone: bool | list[str] = node.clone_config
            p.clone = [to_param.get(n, n) for n in clone] if isinstance(clone, list) else clone
        plans.append(p)
        for name in dict.fromkeys(p.inputs + p.wait_for):
            consumers.setdefault(name, []).append(i)

    _link_gate_feeders(plans, graph._structure.producers)
    active = tuple(
        i for i, name in enumerate(names) if active_names is None or name in active_names
    )
    for i in active:
        plans[i].active = True
    emit_only = {e for p in plans for e in p.emits} - {o for p in plans for o in p.data_outputs}
    result_names = tuple(o for o in graph.outputs if o not in emit_only)
    return ExecutionPlan(
        graph=graph,
        nodes=tuple(plans),
        consumers={name: tuple(ids) for name, ids in consumers.items()},
        active=active,
        has_cycles=bool(graph.has_cycles),
        result_names=result_names,
    )


def _link_gate_feeders(plans: list[NodePlan], producer_names: dict[str, list[str]]) -> None:
    """Fill ``feeders``/``feeds`` for the gates controlling a node that writes its own inputs.

    ``producer_names`` maps each data output to its producers' names, in node order.
    """
    for p in plans:
        p.feeders, p.feeds = frozenset(), ()
    gates = sorted({g for p in plans if p.own_inputs for g in p.gates})
    if not gates:
        return
    index = {p.name: p.index for p in plans}
    producers = {name: [index[n] for n in names] for name, names in producer_names.items()}
    feeds: dict[int, list[int]] = {}
    for g in gates:
        found: set[int] = set()
        pending = list(plans[g].inputs)
        seen_names = set(pending)
        while pending:
            for producer in producers.get(pending.pop(), ()):
                if producer in found:
                    continue
                found.add(producer)
                for name in plans[producer].inputs:
                    if name not in seen_names:
                        seen_names.add(name)
                        pending.append(name)
        plans[g].feeders = frozenset(found)
        for producer in found:
            feeds.setdefault(producer, []).append(g)
    for producer, fed in feeds.items():
        plans[producer].feeds = tuple(fed)


def get_plan(graph: Any) -> ExecutionPlan:
    """The cached plan of ``graph``, compiling it on first use."""
    try:  # the per-run path: one attribute and one key lookup
        plan: ExecutionPlan = graph._facts["plan"]
        return plan
    except (AttributeError, KeyError):
        pass
    facts = graph_facts(graph)
    plan = compile_plan(graph)
    if facts is not None:
        facts["plan"] = plan
    return plan
