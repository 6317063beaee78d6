"""A precomputed superstep schedule for plain DAG runs, the common case of ``map()``.

The incremental :class:`~hypergraph.engine.scheduler.Scheduler` tracks versions, consumed
versions and candidate sets because values may be overwritten: loops, gates, supplied
intermediate values and defaults that a later producer replaces all make a node run again.
When none of that can happen, every name is written at most once, every node runs at most once,
and which nodes run in which superstep depends only on the graph and the *names* of the
supplied values. Then the supersteps can be worked out once and replayed for every run with the
same key set, which is what every item of a ``map()`` is.

:func:`scheduler_for` picks the schedule when it is provably equivalent and the incremental
scheduler otherwise. A run is eligible when the graph has

- no cycles, no gates, no interrupts, no emit or ``wait_for`` signals;
- at most one producer per name;
- no input that a node produces and that could also come from a binding or a default (the
  consumer would run first on the fallback value and again once the producer wrote it);

and the run supplies no name that a node produces (the producer would overwrite it). Under
those conditions a node is ready exactly when its state-only inputs are present and it has not
run, so superstep *k* is the set of not-yet-run nodes whose inputs are available after
superstep *k − 1*, in node order: the same batches the incremental scheduler computes (a
property test checks this on random graphs). Failures, cache hits and result selection stay in
``runners/loop/steps.py``, untouched by the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypergraph.engine.plan import ExecutionPlan
from hypergraph.engine.resolve import FROM_STATE_ONLY
from hypergraph.engine.scheduler import Finished, Scheduler
from hypergraph.engine.state import RunState

__all__ = ["StaticScheduler", "VersionedStaticScheduler", "scheduler_for", "static_levels"]

_INELIGIBLE = "ineligible"  # memo key for the plan-level verdict
_MEMO_LIMIT = 256  # distinct key sets remembered per plan; past it the memo restarts


class StaticScheduler:
    """Replays precomputed supersteps; same interface as ``Scheduler`` for ``run_steps``."""

    __slots__ = ("state", "_levels", "_position")

    def __init__(self, state: RunState, levels: tuple[tuple[int, ...], ...]) -> None:
        self.state = state
        self._levels = levels
        self._position = 0

    def next_ready(self) -> tuple[int, ...]:
        """The next superstep's node indices in node order (empty = the run is over)."""
        position = self._position
        if position == len(self._levels):
            return ()
        self._position = position + 1
        return self._levels[position]

    def release_held(self) -> bool:
        """Nothing is ever held: graphs with interrupts never get a static schedule."""
        return False

    def apply(self, finished: Sequence[Finished]) -> None:
        """Publish a superstep's outputs; no name is ever written twice, so no versioning."""
        values = self.state.values
        for item in finished:
            values.update(item.outputs)


class VersionedStaticScheduler(StaticScheduler):
    """A static schedule that also keeps the versions a durable run records per step.

    Under the static conditions every name is written once, so each output gets version 1
    and a node consumed the versions its watched names had when its superstep started: what
    the incremental scheduler would record, at a fraction of its cost.
    """

    __slots__ = ()

    def apply(self, finished: Sequence[Finished]) -> None:
        """Record consumed versions, then publish the outputs with version 1."""
        state = self.state
        consumed, versions, values = state.consumed, state.versions, state.values
        get_version = versions.get
        for item in finished:
            p = item.plan
            consumed[p.index] = tuple(map(get_version, p.watched, p.zeros))
        for item in finished:
            outputs = item.outputs
            values.update(outputs)
            for name in outputs:
                versions[name] = 1
        state.superstep += 1


def scheduler_for(
    plan: ExecutionPlan, state: RunState, *, versioned: bool = False
) -> Scheduler | StaticScheduler:
    """The scheduler for a run of ``plan`` starting from ``state`` (see module docstring).

    ``versioned=True`` (durable runs, which record versions with each step) gives a
    :class:`VersionedStaticScheduler` where a static schedule applies.
    """
    memo = plan.schedules
    if _INELIGIBLE in memo:
        return Scheduler(plan, state)
    keys = frozenset(state.values)
    levels = memo.get(keys, _INELIGIBLE)
    if levels is _INELIGIBLE:
        levels = static_levels(plan, keys)
        if levels is _INELIGIBLE:  # the graph itself rules it out: never look again
            memo.clear()
            memo[_INELIGIBLE] = None
            return Scheduler(plan, state)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[keys] = levels
    if levels is None:
        return Scheduler(plan, state)
    if versioned:
        return VersionedStaticScheduler(state, levels)
    return StaticScheduler(state, levels)


def static_levels(plan: ExecutionPlan, supplied: frozenset[str]) -> Any:
    """The supersteps of a run of ``plan`` supplying ``supplied``.

    Returns a tuple of node-index tuples, ``None`` when this key set needs the incremental
    scheduler, or the marker ``"ineligible"`` when every run of the plan does.
    """
    producers: dict[str, int] = {}
    for p in plan.nodes:
        if p.is_gate or p.gates or p.wait_for or p.emits or p.strategy.pauses:
            return _INELIGIBLE
        for name in p.data_outputs:
            if name in producers:
                return _INELIGIBLE
            producers[name] = p.index
    if plan.has_cycles or plan.has_interrupts:
        return _INELIGIBLE
    for p in plan.nodes:
        for name, _param, kind, _fallback in p.sources:
            if kind != FROM_STATE_ONLY and name in producers:
                return _INELIGIBLE
    if not supplied.isdisjoint(producers):
        return None

    # Level by level, like a topological sort: a node joins the superstep after the one that
    # produced its last missing input. Linear in the size of the graph.
    nodes = plan.nodes
    missing = {
        p.index: sum(name not in supplied for name in set(p.state_inputs))
        for p in nodes
        if p.active
    }
    level = [i for i, count in missing.items() if count == 0]
    levels: list[tuple[int, ...]] = []
    available = set(supplied)
    while level:
        level.sort()
        levels.append(tuple(level))
        following: list[int] = []
        for i in level:
            for name in nodes[i].data_outputs:
                if name in available:
                    continue
                available.add(name)
                for reader in plan.consumers.get(name, ()):
                    if reader in missing and name in nodes[reader].state_inputs:
                        missing[reader] -= 1
                        if missing[reader] == 0:
                            following.append(reader)
        level = following
    return tuple(levels)
