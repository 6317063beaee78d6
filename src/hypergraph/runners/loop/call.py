"""Calling one node: collect its inputs, shape the call, turn the result into outputs.

This is the single place where "inputs in, outputs out" lives, for every runner:

1. :func:`prepare_call` resolves the node's inputs from the superstep snapshot (precedence in
   docs/guides/running.md, "Superstep"; engine/resolve.py), maps them to the function's parameter
   names and builds a :class:`NodeCall`. A call that needs no execution (an interrupt resuming from
   a supplied answer, a cache hit) comes back with ``outputs`` already set and never reaches a
   driver.
2. A driver executes the call — the only runner-specific step. The node's kind (engine/kinds.py,
   compiled into ``call.plan.strategy``) says how: a sync leaf through :func:`call_leaf`, any
   leaf on an event loop through :func:`call_leaf_async`, a nested kind by running
   ``call.node.graph`` with ``call.kwargs`` as values (same runner, nested context), once, or
   once per item of :func:`map_items` for a mapped GraphNode (``None`` marks a failed item when
   ``call.map_error_handling == "continue"``). Drivers decide *where* a body runs (inline, in a
   task, in a thread, under a concurrency slot), never what its result means.
3. :func:`finish_call` (success) or :func:`fail_call` (exception) records the outcome on the call.

Caching (runners/loop/cache_hooks.py) and events (runners/loop/event_hooks.py) hook in here, for every
runner: :func:`prepare_call` answers cache hits, :func:`start_call` (drivers call it right before
executing a call) emits the start event, :func:`finish_call` stores results and emits end events,
:func:`fail_call` the error event. A per-run :class:`RunContext` carries what they need, so
nothing is stored on the graph or the runner; without cache and processors they cost one
``is None`` test per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from hypergraph._short_repr import short_text
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import EMITTED, NodePlan
from hypergraph.engine.resolve import resolve_inputs
from hypergraph.engine.state import RunState
from hypergraph.runners.loop.cache_hooks import cache_key_for, cache_lookup, cache_store, is_cached
from hypergraph.runners.loop.event_hooks import (
    emit_cache_hit,
    emit_node_end,
    emit_node_error,
    emit_node_start,
    start_call,
)
from hypergraph.runners.result import PauseInfo, RunStatus

__all__ = [
    "RunContext",
    "NodeCall",
    "prepare_call",
    "replay_from_cache",
    "start_call",
    "call_leaf",
    "call_leaf_async",
    "finish_call",
    "fail_call",
    "map_items",
]


@dataclass(slots=True, eq=False)
class RunContext:
    """Facts shared by every call of one run, and the state the cache/event hooks need.

    Attributes:
        runner: The runner executing the run (drivers use it to run nested graphs).
        cache: The runner's cache backend, or ``None``.
        dispatcher: The top-level run/map's event channel (``event_channel.RunEvents``) or ``None``.
        run_id: This run's id (``None`` → RunResult makes one; set at run start with events).
        span_id: This run's span id (set at run start with events).
        graph_name: The running graph's name, for events.
        parent_span_id: The span this run hangs under (a GraphNode call or a map), if any.
        depth: Nesting depth (0 for the top-level run).
        resume: Answers for interrupts inside this run's GraphNodes, by GraphNode name
            (``{"inner": {"y": answer}}``, from dotted resume keys, runners/resume.py). Each
            entry is taken by the GraphNode's first execution; never inherited by ``child()``.
        trace_io: Events carry node inputs/outputs unless a node says otherwise (set at run
            start with events from ``Graph.trace_io``; nested runs inherit it).
        recorder: With a checkpointer, the run's ``RunRecorder`` (runners/durable/recorder.py):
            ``run_steps`` restores the state from it and records each superstep into it.
            Never inherited by ``child()`` (a nested run gets its own child recorder).
        superstep: The superstep the run loop is in (0 for the first; a resumed durable run
            continues its stored numbering), reported on node start events.
        pause_refusal: Set by a host runner (runners/hosting.py): an interrupt asking for an
            answer fails with this refusal's error instead of pausing. ``nested_run_steps``
            gives a nested run the refusal of its path.
    """

    runner: Any
    _: KW_ONLY
    cache: Any = None
    dispatcher: Any = None
    run_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    depth: int = 0
    resume: dict[str, dict[str, Any]] | None = field(default=None, init=False)
    graph_name: str | None = field(default=None, init=False)
    trace_io: bool = field(default=False, init=False)
    recorder: Any = field(default=None, init=False)
    superstep: int = field(default=0, init=False)
    pause_refusal: Any = field(default=None, init=False)

    def child(self, parent_span_id: str | None = None) -> RunContext:
        """The context of a nested run (GraphNode or map item) started from this run.

        Nested runs share the runner, cache and dispatcher; run and span ids are
        their own. ``parent_span_id`` is the span the nested run hangs under: the GraphNode
        call's ``span_id`` (events set it), else this run's span.
        """
        child = RunContext(
            self.runner,
            cache=self.cache,
            dispatcher=self.dispatcher,
            parent_span_id=parent_span_id if parent_span_id is not None else self.span_id,
            depth=self.depth + 1,
        )
        child.trace_io = self.trace_io
        return child


@dataclass(slots=True, init=False, eq=False, repr=False)
class NodeCall:
    """One pending or finished execution of one node within a superstep.

    Attributes:
        plan: The node's :class:`~hypergraph.engine.plan.NodePlan` (``plan.node`` is the node).
        ctx: The run's :class:`RunContext`.
        kind: The node's :class:`~hypergraph.engine.kinds.NodeKind` (``plan.strategy.kind``).
        func, args, kwargs: What to call; for GraphNodes ``kwargs`` are the inner run's values.
        params: Resolved inputs keyed by parameter name.
        outputs: After success: data outputs plus emit signals, keyed by current names.
        decision: After a gate succeeded: frozenset of activated targets (may hold ``END``).
        error: After failure: the exception to report (the user's own, unwrapped).
        pause: After an interrupt asked for input: the :class:`PauseInfo`.
        span_id: The execution's span (set by :func:`start_call` when events are on).
        started: ``perf_counter()`` when the execution started (events only).
        cache_key: The key to store the result under, when the node is cached.
        map_span: Events on, mapped GraphNode: the span its item runs hang under.
        attempts: A node with a retry policy or timeout: ``(number, error, delay)`` of each
            attempt so far (recorded with the step by a checkpointer).
    """

    # Typed slots; the hand-written __init__ below fills them (init=False).
    plan: NodePlan
    ctx: RunContext
    kind: NodeKind
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    params: dict[str, Any]
    outputs: dict[str, Any] | None
    decision: frozenset[Any] | None
    error: BaseException | None
    pause: PauseInfo | None
    span_id: str | None
    started: float | None
    cache_key: str | None
    map_span: Any
    attempts: list[tuple[int, str | None, float]] | None

    def __init__(self, plan: NodePlan, ctx: RunContext, params: dict[str, Any]) -> None:
        self.plan = plan
        self.ctx = ctx
        self.kind = plan.kind
        # ``plan.func`` is None only for GraphNodes, whose calls never use ``func``.
        self.func = plan.func  # type: ignore[assignment]
        self.params = params
        self.outputs = None
        self.decision = None
        self.error = None
        self.pause = None
        self.span_id = None
        self.started = None
        self.cache_key = None
        self.map_span = None
        self.attempts = None

    @property
    def node(self) -> Any:
        """The node being called."""
        return self.plan.node

    @property
    def map_error_handling(self) -> str | None:
        """For a mapped GraphNode: ``"raise"`` or ``"continue"`` for failing items."""
        return self.plan.map_error_handling

    def __repr__(self) -> str:
        state = "done" if self.outputs is not None else "failed" if self.error else "pending"
        return f"NodeCall({self.plan.name!r}, kind={self.kind.value}, {state})"


def prepare_call(p: NodePlan, state: RunState, ctx: RunContext) -> NodeCall:
    """Build the call of node ``p`` from the superstep-start ``state``.

    Raises ``GraphConfigError`` when a signature default cannot be copied (a node failure).
    """
    values = state.values
    params = resolve_inputs(p.name, p.sources, values)
    call = NodeCall(p, ctx, params)
    if p.plain_call:  # uncached, keyword-only: nothing below applies
        call.args, call.kwargs = (), params
        return call
    strategy = p.strategy
    if strategy.nested:
        call.args, call.kwargs = (), params
        return call
    shape = p.call_shape
    if shape.simple:
        call.args, call.kwargs = (), params
    else:
        call.args, call.kwargs = shape.split(params)
    # Resume (docs/guides/interrupts.md): the answer was supplied (held for this interrupt since the
    # run started, or otherwise in the state) and the node has not run yet.
    if strategy.pauses and state.consumed[p.index] is None and p.data_outputs:
        answers = state.held.pop(p.index, None)
        if answers is None and all(name in values for name in p.data_outputs):
            answers = {name: values[name] for name in p.data_outputs}
    else:
        answers = None
    if answers is not None:
        _set_outputs(call, answers)
        if ctx.dispatcher is not None:  # the node "ran" with the supplied answer
            emit_node_start(call)
            emit_node_end(call, None)
        return call
    if ctx.cache is not None and is_cached(p, ctx.cache):
        key = cache_key_for(p, params)
        if key:  # "" = an unpicklable input: run uncached (node_cache warns once)
            if _answer_from_cache(call, key):
                return call  # outputs are set: it never reaches a driver
            call.cache_key = key
    return call


def replay_from_cache(call: NodeCall) -> bool:
    """Look a cached call up again (an identical call may have stored it meanwhile).

    On a hit the call gets its outputs and hit events exactly as in :func:`prepare_call` and
    ``True`` is returned; the driver then must not execute it.
    """
    key = call.cache_key
    if not key or not _answer_from_cache(call, key):
        return False
    call.cache_key = None  # answered: nothing to store
    return True


def _answer_from_cache(call: NodeCall, key: str) -> bool:
    ctx = call.ctx
    hit, raw = cache_lookup(ctx.cache, key, call.plan.name)
    if not hit:  # a cached None is a hit too: the flag decides
        return False
    routed = _convert(call, raw)
    if ctx.dispatcher is not None:
        emit_cache_hit(call, key, routed)
    return True


def _set_outputs(call: NodeCall, outputs: dict[str, Any]) -> None:
    for name in call.plan.emits:
        outputs[name] = EMITTED
    call.outputs = outputs


def call_leaf(call: NodeCall) -> Any:
    """Execute a sync leaf (function, generator, gate) in place and return its raw result."""
    raw = call.func(*call.args, **call.kwargs)
    if call.plan.strategy.drains:
        return list(raw)
    return raw


async def call_leaf_async(call: NodeCall) -> Any:
    """Execute any leaf on the running event loop and return its raw result.

    Async bodies are awaited and async generators drained; a sync body is called in place, and
    a coroutine it returns (an async interrupt handler) is awaited.
    """
    strategy = call.plan.strategy
    raw = call.func(*call.args, **call.kwargs)
    if strategy.drains:
        return [item async for item in raw] if strategy.async_leaf else list(raw)
    if strategy.async_leaf and strategy.returns_values:  # a coroutine function
        return await raw
    if asyncio.iscoroutine(raw):
        return await raw
    return raw


def finish_call(call: NodeCall, raw: Any) -> None:
    """Record a successful execution: turn the driver's ``raw`` result into outputs.

    Raises the node's own validation errors (a wrong-length tuple, an invalid gate decision),
    which drivers treat like an exception from the function itself.
    """
    p = call.plan
    single = p.single_output
    ctx = call.ctx
    if single is not None and ctx.dispatcher is None:  # the common case: no hooks apply
        call.outputs = {single: raw}
        return
    routed = _convert(call, raw)
    if call.outputs is None:  # paused: no end event, nothing to cache
        return
    if call.cache_key:
        cache_store(ctx.cache, call.cache_key, raw, p.name)
    if ctx.dispatcher is not None:
        if call.span_id is None:
            emit_node_start(call)
        emit_node_end(call, routed)


def _convert(call: NodeCall, raw: Any) -> tuple[Any, ...] | None:
    """Turn a raw result (fresh or cached) into the call's outputs, decision or pause.

    Returns a gate's activated targets in decision order (for its event), else ``None``.
    """
    p = call.plan
    strategy = p.strategy
    routed = None
    if strategy.returns_values:
        outs = p.data_outputs
        if len(outs) == 1:
            outputs = {outs[0]: raw}
        elif not outs:
            outputs = {}
        else:
            outputs = p.node.wrap_outputs(raw)
    elif strategy.decides:
        routed = tuple(p.node.resolve_decision(raw))
        call.decision = frozenset(routed)
        outputs = {}
    elif strategy.mapped:
        outputs = _collect_mapped(p, raw)
    elif strategy.nested:
        if raw.status is RunStatus.PAUSED:
            call.pause = _nested_pause(p.name, raw.pause)
            return None
        outputs = p.node.map_outputs_from_original(raw.values)
    elif strategy.pauses:
        if raw is None:
            call.pause = _interrupt_pause(p, call.params)
            return None
        try:
            outputs = p.node.resolve_handler_result(raw)
        except Exception as exc:
            # A malformed answer ("incorrect keys") is reported as itself, not as a handler crash.
            exc._hypergraph_bad_answer = True  # type: ignore[attr-defined]
            raise
    else:
        raise ValueError(f"Unknown call kind {call.kind!r} for node '{p.name}'")
    _set_outputs(call, outputs)
    return routed


def fail_call(call: NodeCall, exc: Exception) -> Exception:
    """Record a failed execution and return the exception the run should report.

    A node's exception is reported as itself; an interrupt handler's is wrapped in a
    ``RuntimeError`` that names the interrupt (docs/guides/interrupts.md), the original as
    ``__cause__``.
    """
    if call.plan.strategy.pauses and not getattr(exc, "_hypergraph_bad_answer", False):
        wrapped = RuntimeError(
            f"Interrupt handler of node '{call.plan.name}' raised {type(exc).__name__}: "
            f"{short_text(str(exc))}. Return None to pause for a human answer, or a value to "
            "resolve the interrupt automatically."
        )
        wrapped.__cause__ = exc
        exc = wrapped
    call.error = exc
    if call.ctx.dispatcher is not None:
        emit_node_error(call, exc)
    return exc


def map_items(call: NodeCall) -> tuple[int, Iterator[dict[str, Any]]]:
    """The inner-run values of every item of a mapped GraphNode call (docs/guides/map.md, "Limits
    and mapped subgraphs")."""
    from hypergraph.runners.map_plan import plan_items

    p = call.plan
    assert p.map_params is not None and p.map_mode is not None, "only mapped GraphNodes map"
    return plan_items(call.kwargs, p.map_params, p.map_mode, p.clone)


def _collect_mapped(p: NodePlan, results: list[Any]) -> dict[str, list[Any]]:
    """One list per output, in item order; a failed item puts ``None`` in every list."""
    columns: dict[str, list[Any]] = {name: [] for name in p.data_outputs}
    to_outer = p.node.map_outputs_from_original
    for result in results:
        row = to_outer(result.values) if result is not None else {}
        for name, column in columns.items():
            column.append(row.get(name))
    return columns


def _interrupt_pause(p: NodePlan, params: dict[str, Any]) -> PauseInfo:
    inputs = {name: params.get(param) for name, param in zip(p.inputs, p.param_names)}
    outs = p.data_outputs
    return PauseInfo(
        node_name=p.name,
        output_param=outs[0],
        value=next(iter(inputs.values()), None),
        output_params=outs if len(outs) > 1 else None,
        values=inputs if len(inputs) > 1 else None,
    )


def _nested_pause(graph_node_name: str, inner: PauseInfo) -> PauseInfo:
    """An inner pause seen from the outer run: the node name gains the GraphNode's prefix."""
    return PauseInfo(
        node_name=f"{graph_node_name}/{inner.node_name}",
        output_param=inner.output_param,
        value=inner.value,
        output_params=inner.output_params,
        values=inner.values,
    )
