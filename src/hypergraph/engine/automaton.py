"""The scheduler's decisions for runs of one plan, remembered as a finite automaton.

A loop or a routed graph cannot be given a precomputed schedule (engine/static.py): which node
runs next depends on what the gates decide and on whether a node wrote a *different* value.
But it depends on nothing else about the values. :class:`~hypergraph.engine.scheduler.Scheduler`
only ever asks whether a name is present, compares versions for equality, compares superstep
stamps for order, and reads gate decisions; and a superstep changes its state only through
which outputs changed and what each gate decided (the *outcome* of the superstep).

So the scheduler can be run once, on a *shadow* state whose values are placeholder tokens,
and its answers remembered: a :class:`LoopState` is the scheduler's state reduced to what its
comparisons can tell apart (which names are present, whether each recorded version is still
the current one, the gate decisions, and for nodes rewriting their own inputs which gates
decided since they ran), with the nodes it returns as ready; ``state.following[outcome]`` is the
state after that superstep's outcome. A run nothing observes then only executes the ready
nodes, works out the outcome from their results, and follows the transition: the scheduler
itself runs only the first time a state or an outcome is met (:meth:`ScheduleAutomaton.advance`),
so every decision still comes from the one scheduler, unchanged, and a loop of thousands of
turns costs a few dictionary lookups per superstep once its states repeat.

An outcome is, per ready node in node order: a gate's decision (a frozenset of targets), a
one-output node's ``changed`` flag, or a tuple of flags for a node with several outputs
(``changed``: the value was absent, or differs from the one present by the rule of
:meth:`~hypergraph.engine.state.RunState.write`, written in node order). A superstep of one
node uses that node's part alone.

Only graphs without interrupts, emit signals and ``wait_for`` get an automaton (their
scheduler reads nothing else); the number of states is bounded (past :data:`STATE_LIMIT`
the automaton keeps answering, through the scheduler each time, and reports ``overflowed``).
"""

from __future__ import annotations

import threading
from typing import Any

from hypergraph.engine.plan import ExecutionPlan, NodePlan
from hypergraph.engine.scheduler import Scheduler
from hypergraph.engine.state import RunState

__all__ = ["STATE_LIMIT", "LoopState", "ScheduleAutomaton"]

STATE_LIMIT = 4096  # distinct scheduler states remembered per plan and supplied key set


class _Token:
    """A placeholder value in the shadow state: equal only to itself."""

    __slots__ = ()


class LoopState:
    """One remembered scheduler state.

    Attributes:
        ready: The node indices the scheduler runs next, in node order (empty: the run is over).
        following: Outcome of the superstep → the state after it (filled as outcomes are met).
        shadow: A scheduler in this state, after it chose ``ready`` (the representative the
            following states are computed from).
    """

    __slots__ = ("ready", "following", "shadow")

    def __init__(self, ready: tuple[int, ...], shadow: Scheduler) -> None:
        self.ready = ready
        self.following: dict[Any, LoopState] = {}
        self.shadow = shadow


class _Outcome:
    """One finished call as :meth:`Scheduler.apply` reads it (the ``Finished`` protocol)."""

    __slots__ = ("plan", "outputs", "decision")

    def __init__(self, plan: NodePlan, outputs: dict[str, Any], decision: Any) -> None:
        self.plan = plan
        self.outputs = outputs
        self.decision = decision


class ScheduleAutomaton:
    """The remembered scheduler of runs of ``plan`` that start with the names ``keys``.

    Safe to share between threads: states and transitions are only added, under a lock, and
    each is complete before it becomes visible.
    """

    __slots__ = ("plan", "start", "overflowed", "_states", "_lock")

    def __init__(self, plan: ExecutionPlan, keys: frozenset[str]) -> None:
        self.plan = plan
        self.overflowed = False
        self._states: dict[tuple[Any, ...], LoopState] = {}
        self._lock = threading.Lock()
        state = RunState(len(plan.nodes), {name: _Token() for name in sorted(keys)})
        with self._lock:
            self.start = self._enter(Scheduler(plan, state))

    def advance(self, state: LoopState, outcome: Any) -> LoopState:
        """The state after a superstep of ``state`` with ``outcome`` (module docstring)."""
        with self._lock:
            found = state.following.get(outcome)
            if found is not None:
                return found
            shadow = state.shadow.copy()
            nodes = self.plan.nodes
            ready = state.ready
            parts = (outcome,) if len(ready) == 1 else outcome
            current = shadow.state.values
            written: dict[str, Any] = {}  # tokens written earlier in this superstep
            finished = []
            for index, part in zip(ready, parts):
                p = nodes[index]
                if p.is_gate:
                    finished.append(_Outcome(p, {}, part))
                    continue
                flags = (part,) if len(p.data_outputs) == 1 else part
                outputs: dict[str, Any] = {}
                for name, changed in zip(p.data_outputs, flags):
                    if changed:
                        outputs[name] = written[name] = _Token()
                    else:  # the value present, identical: no new version
                        outputs[name] = written.get(name, current.get(name))
                finished.append(_Outcome(p, outputs, None))
            shadow.apply(finished)
            following = self._enter(shadow)
            if not self.overflowed:
                state.following[outcome] = following
            return following

    def _enter(self, scheduler: Scheduler) -> LoopState:
        """The remembered state equal to ``scheduler``'s (a new one if unseen); lock held."""
        key = _canonical(scheduler)
        found = self._states.get(key)
        if found is not None:
            return found
        ready = tuple(scheduler.next_ready())
        state = LoopState(ready, scheduler)
        if len(self._states) < STATE_LIMIT:
            self._states[key] = state
        else:
            self.overflowed = True
        return state


def _canonical(scheduler: Scheduler) -> tuple[Any, ...]:
    """Everything the scheduler's future choices depend on, without the numbers.

    The scheduler compares a recorded version (what a node consumed, what its own write
    produced) only with the name's *current* version, and versions only grow: a recorded
    version that differs from the current one never equals any later one. So each recorded
    version counts only as "still current" or not. Likewise superstep stamps are compared
    only as "a gate decided, or a feeder of it ran, after the node last ran", and every new
    stamp is later than all before it: each such pair counts only as that flag.
    """
    state = scheduler.state
    versions = state.versions
    get = versions.get
    nodes = scheduler.plan.nodes
    consumed = tuple(
        None if recorded is None else tuple(map(_current, map(get, p.watched, p.zeros), recorded))
        for p, recorded in zip(nodes, state.consumed)
    )
    own_part: list[Any] = []
    if state.own_writes or state.decided_at:
        decided_at, fed_at = state.decided_at, state.fed_at
        for p in nodes:
            if not p.own_inputs:
                continue
            ran, own = state.own_writes.get(p.index, (-1, {}))
            own_part.append(
                (
                    p.index,
                    tuple(sorted((n, v == get(n, 0)) for n, v in own.items())),
                    tuple((decided_at.get(g, -1) > ran, fed_at.get(g, -1) > ran) for g in p.gates),
                )
            )
    return (
        frozenset(state.values),
        consumed,
        frozenset(state.decisions.items()),
        tuple(own_part),
        scheduler.candidates,
    )


def _current(version: int, recorded: int) -> bool:
    return version == recorded
