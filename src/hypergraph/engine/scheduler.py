"""Which nodes run in the next superstep, and how a superstep's outcomes are applied.

The readiness rule of docs/guides/running.md is written once, for one node, in :func:`is_ready`. The
:class:`Scheduler` applies it only to *candidates*: nodes whose readiness may have changed since
the previous superstep. Readiness depends on

- values and versions of the node's inputs and ``wait_for`` names → consumers of every name whose
  version changed become candidates;
- decisions of controlling gates → targets of a gate that decided, or whose stale decision was
  cleared, become candidates;
- the node's own consumed versions → they change only when it runs, which never makes it *more*
  ready;
- the superstep-level rules (gate targets held back, ``wait_for`` deferral, interrupts alone)
  → nodes postponed by them become candidates again.

**Own output.** A node that a gate controls and that reads a name it also writes (the tool of an
agent loop appending to ``messages``) is not re-triggered by its own write alone until the gate
has confirmed its decision for the new turn: it decided again since the node ran, or a node
feeding the gate ran since (the gate's inputs came out unchanged, so its standing decision holds
for the new turn: a model repeating the same tool call). While a feeder of the gate is still
ready, such a node is held back for that superstep, as the gate's targets are while the gate is
ready. Otherwise the gate's previous decision would still stand when the node's output lands,
and the node would run a second time on the inputs of the previous turn. A write of the same
name by another node and any other changed input make the node stale as usual. (An ungated node
ignores its self-produced inputs altogether, the self-producer rule.)

So a chain of N nodes costs O(N) in total, not O(N²). :func:`brute_force_ready` applies the same
predicate to every node; tests use it as the oracle for the incremental version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hypergraph.engine.plan import EMITTED, ExecutionPlan, NodePlan
from hypergraph.engine.state import RunState
from hypergraph.nodes.gates import END

__all__ = ["Scheduler", "is_ready", "is_stale", "select_runnable", "brute_force_ready"]


def is_stale(p: NodePlan, state: RunState) -> bool:
    """The node ran before and a watched name (input or ``wait_for``) has a new version since."""
    consumed = state.consumed[p.index]
    if consumed is None:
        return False
    versions = state.versions
    return any(versions.get(name, 0) != seen for name, seen in zip(p.watched, consumed))


def _is_activated(
    p: NodePlan, nodes: tuple[NodePlan, ...], decisions: dict[int, frozenset[Any]]
) -> bool:
    for gate in p.gates:
        decision = decisions.get(gate)
        if decision is None:
            if nodes[gate].default_open:
                return True
        elif p.name in decision:
            return True
    return False


def is_ready(plan: ExecutionPlan, state: RunState, index: int) -> bool:
    """The "Ready" rule of docs/guides/running.md for one node.

    Stale gate decisions must already be cleared.
    """
    p = plan.nodes[index]
    if not p.active:
        return False
    if p.gates and not _is_activated(p, plan.nodes, state.decisions):
        return False
    values = state.values
    for name in p.state_inputs:
        if name not in values:
            return False
    for name in p.wait_for:
        if name not in values:
            return False
    consumed = state.consumed[index]
    if consumed is None:
        return True
    versions = state.versions
    if p.wait_for:
        # Having run before, the node needs a new emission of every signal it waits for; a new
        # emission is itself a change, so the node is then stale as well.
        offset = p.wait_offset
        for k, name in enumerate(p.wait_for):
            if versions.get(name, 0) <= consumed[offset + k]:
                return False
        return True
    if p.own_inputs:
        return _stale_beyond_own_output(p, state, consumed)
    for name, seen in zip(p.watched, consumed):  # noqa: SIM110 - a plain loop is faster here
        if versions.get(name, 0) != seen:
            return True
    return False


def _stale_beyond_own_output(p: NodePlan, state: RunState, consumed: tuple[int, ...]) -> bool:
    """Staleness of a gate-controlled node that writes some of its inputs ("own output").

    A changed input counts unless it is one the node wrote itself, still at the version that
    write produced, and no controlling gate has confirmed its decision since the node ran.
    """
    own_only = _changed_by_itself_only(p, state, consumed)
    if own_only is None:
        return True
    return own_only and _confirmed_since_run(p, state)


def _changed_by_itself_only(p: NodePlan, state: RunState, consumed: tuple[int, ...]) -> bool | None:
    """``None`` if another writer changed an input, ``True`` if only the node's own writes did,
    ``False`` if nothing changed."""
    versions = state.versions
    own = state.own_writes.get(p.index, (-1, {}))[1]
    changed = False
    for name, seen in zip(p.watched, consumed):
        version = versions.get(name, 0)
        if version != seen:
            if own.get(name) != version:
                return None
            changed = True
    return changed


def _confirmed_since_run(p: NodePlan, state: RunState) -> bool:
    """Whether a gate activating ``p`` decided, or had a feeder run, after ``p`` last ran."""
    ran_at = state.own_writes.get(p.index, (-1, {}))[0]
    decisions, decided_at, fed_at = state.decisions, state.decided_at, state.fed_at
    for gate in p.gates:
        decision = decisions.get(gate)
        if (
            decision is not None
            and p.name in decision
            and (decided_at[gate] > ran_at or fed_at.get(gate, -1) > ran_at)
        ):
            return True
    return False


def _waits_for_feeders(p: NodePlan, state: RunState, ready: list[int], plan: ExecutionPlan) -> bool:
    """A node re-triggered by its own output only, while a feeder of its gate is ready."""
    if not p.own_inputs or p.wait_for:
        return False
    consumed = state.consumed[p.index]
    if consumed is None or not _changed_by_itself_only(p, state, consumed):
        return False
    feeders = frozenset().union(*(plan.nodes[g].feeders for g in p.gates))
    return any(i != p.index and i in feeders for i in ready)


def _clear_if_stale(p: NodePlan, state: RunState) -> bool:
    """Drop a stale gate's decision (``END`` decisions are kept); return whether it was dropped."""
    decision = state.decisions.get(p.index)
    if decision is None or END in decision or not is_stale(p, state):
        return False
    del state.decisions[p.index]
    return True


def select_runnable(
    plan: ExecutionPlan, state: RunState, ready: list[int]
) -> tuple[list[int], list[int]]:
    """Apply the superstep-level rules to the ready nodes (sorted by node order).

    Returns ``(run, postponed)``: the nodes to execute now and the ready nodes kept for a later
    superstep (targets of a ready gate, nodes re-triggered by their own output while a feeder of
    their gate runs, nodes waiting for a signal a co-ready node produces, and all but the first
    interrupt).
    """
    if len(ready) <= 1:
        return ready, []
    nodes = plan.nodes
    held: set[int] = set()
    for i in ready:
        if nodes[i].is_gate:
            held.update(nodes[i].targets)
    run = [i for i in ready if i not in held] if held else ready
    if not run:
        # Only reachable when ready gates all target each other; let the first one go so the
        # run makes progress instead of silently stopping.
        run = ready[:1]
    postponed = [i for i in ready if i not in run] if held else []

    if plan.has_own_inputs:
        # Feeders count even when postponed themselves: their output may change the decision.
        waiting = [i for i in run if _waits_for_feeders(nodes[i], state, ready, plan)]
        if waiting and len(waiting) < len(run):
            run = [i for i in run if i not in waiting]
            postponed = sorted([*postponed, *waiting])

    if len(run) > 1 and any(nodes[i].wait_for for i in run):
        producers: dict[str, set[int]] = {}
        for i in run:
            for name in nodes[i].outputs:
                producers.setdefault(name, set()).add(i)
        deferred = {
            i for i in run if any(producers.get(name, set()) - {i} for name in nodes[i].wait_for)
        }
        if deferred and len(deferred) < len(run):
            run = [i for i in run if i not in deferred]
            postponed.extend(sorted(deferred))

    if plan.has_interrupts and len(run) > 1:
        interrupts = [i for i in run if nodes[i].strategy.pauses]
        if interrupts:
            postponed.extend(i for i in run if i != interrupts[0])
            run = interrupts[:1]
    return run, postponed


def brute_force_ready(plan: ExecutionPlan, state: RunState) -> list[int]:
    """The nodes to run next, checking every node (test oracle; does not modify ``state``)."""
    state = state.copy()
    for p in plan.nodes:
        if p.is_gate:
            _clear_if_stale(p, state)
    ready = [i for i in range(len(plan.nodes)) if is_ready(plan, state, i)]
    return select_runnable(plan, state, ready)[0]


class Finished(Protocol):
    """One executed call as the scheduler sees it (``NodeCall`` satisfies this)."""

    plan: NodePlan
    outputs: dict[str, Any]  # data outputs plus emit signals (value EMITTED)
    decision: frozenset[Any] | None  # for gates: the activated targets


class Scheduler:
    """Incremental ready sets and atomic application of outcomes for one run."""

    __slots__ = ("plan", "state", "_candidates")

    def __init__(self, plan: ExecutionPlan, state: RunState) -> None:
        self.plan = plan
        self.state = state
        self._candidates: set[int] = set(plan.active)

    @property
    def candidates(self) -> frozenset[int]:
        """The nodes whose readiness the next :meth:`next_ready` checks."""
        return frozenset(self._candidates)

    def copy(self) -> Scheduler:
        """An independent scheduler in the same state (engine/automaton.py explores from it)."""
        clone = Scheduler(self.plan, self.state.copy())
        clone._candidates = set(self._candidates)
        return clone

    def next_ready(self) -> list[int]:
        """The node indices to run in the next superstep, in node order (empty = run is over)."""
        candidates = self._candidates
        if not candidates:
            return []
        plan, state = self.plan, self.state
        nodes = plan.nodes
        if state.decisions:
            for i in list(candidates):
                p = nodes[i]
                if p.is_gate and _clear_if_stale(p, state):
                    candidates.update(p.targets)
        if len(candidates) == 1:  # chains and loops: no sorting, no superstep-level rules
            only = candidates.pop()
            return [only] if is_ready(plan, state, only) else []
        self._candidates = set()
        ready = [i for i in sorted(candidates) if is_ready(plan, state, i)]
        run, postponed = select_runnable(plan, state, ready)
        if postponed:
            self._candidates.update(postponed)
        return run

    def release_held(self) -> bool:
        """Publish supplied interrupt answers whose interrupt can no longer run in this run.

        Called when nothing is ready: the answers then stand as plain supplied values (an
        interrupt bypassed because its inputs are absent). Returns whether anything changed.
        """
        state = self.state
        if not state.held:
            return False
        consumers = self.plan.consumers
        for answers in state.held.values():
            for name, value in answers.items():
                if state.write(name, value):
                    self._candidates.update(consumers.get(name, ()))
        state.held.clear()
        return True

    def apply(self, finished: Sequence[Finished]) -> None:
        """Publish one superstep's results at once (``finished`` in node order).

        Every node read the state as it was when the superstep started, so consumed versions are
        recorded for all of them before any output is written. Outputs are then written in node
        order (the "State" versioning of docs/guides/running.md, as in :meth:`RunState.write`,
        inlined for speed); consumers of names whose version changed, and targets of gates that
        decided, become candidates.
        """
        state = self.state
        consumed = state.consumed
        versions = state.versions
        get_version = versions.get
        superstep = state.superstep = state.superstep + 1
        owners: dict[int, dict[str, int]] | None = None
        for item in finished:
            p = item.plan
            consumed[p.index] = tuple(map(get_version, p.watched, p.zeros))
            if p.own_inputs:
                if owners is None:
                    owners = {}
                own = owners[p.index] = {}
                state.own_writes[p.index] = (superstep, own)
            if p.feeds:
                # A gate whose feeder ran may now confirm its decision for a target that
                # waits after writing its own input (see "Own output" above).
                for gate in p.feeds:
                    state.fed_at[gate] = superstep
                    self._candidates.update(self.plan.nodes[gate].targets)
        values = state.values
        candidates = self._candidates
        consumers = self.plan.consumers
        for item in finished:
            for name, value in item.outputs.items():
                if value is not EMITTED and name in values:
                    old = values[name]
                    if old is value:
                        continue
                    try:
                        changed = old != value  # documented: `!=` decides
                        if not changed:
                            continue
                    except Exception:
                        pass  # comparison failed: identity decides, and they are not identical
                values[name] = value
                versions[name] = get_version(name, 0) + 1
                if owners is not None and name in item.plan.own_inputs:
                    owners[item.plan.index][name] = versions[name]
                readers = consumers.get(name)
                if readers:
                    candidates.update(readers)
            decision = item.decision
            if decision is not None:
                p = item.plan
                state.decisions[p.index] = decision
                state.decided_at[p.index] = superstep
                candidates.update(p.targets)
