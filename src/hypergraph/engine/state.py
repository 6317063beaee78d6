"""The mutable state of one run: values with versions, what each node consumed, gate decisions.

A run owns exactly one :class:`RunState`; nothing here is shared with the graph or the runner,
which is what lets many runs of one graph proceed at once (docs/guides/running.md, "State").

Versions drive re-execution in cycles. A name's version starts at 0 (absent) and goes up by one
each time a *different* value is written: rewriting an equal value changes nothing, so consumers
are not re-triggered (docs/guides/running.md). When ``!=`` itself fails (numpy arrays, odd objects),
identity decides. Emit signals carry no data, so every emission bumps their version.
"""

from __future__ import annotations

from typing import Any

from hypergraph.engine.plan import EMITTED

__all__ = ["RunState", "values_differ"]


def values_differ(old: Any, new: Any) -> bool:
    """Whether writing ``new`` over ``old`` counts as a change (docs/guides/running.md)."""
    if old is new:
        return False
    try:
        return bool(old != new)
    except Exception:
        # Comparison raised (or returned something without a truth value): fall back on identity.
        return True


class RunState:
    """Values, versions, consumed versions per node, and routing decisions per gate.

    Attributes:
        values: name → current value (supplied values are stored first, at version 1).
        versions: name → version; absent names are version 0.
        consumed: per node index, the versions of the node's ``watched`` names when it last ran,
            or ``None`` if it never ran.
        decisions: gate index → frozenset of activated targets (names, possibly ``END``).
            A missing entry means the gate has not decided (or its decision went stale).
        held: interrupt index → the answers supplied for it, kept out of ``values`` until the
            interrupt resumes with them (see :meth:`hold_interrupt_answers`).
        superstep: How many supersteps have been applied (stamps runs and decisions below).
        decided_at: gate index → the superstep in which its current decision was made.
        fed_at: gate index → the last superstep in which a node feeding the gate ran (only for
            gates with ``feeders``, see ``engine/plan.py``).
        own_writes: For gate-controlled nodes that read a name they also write: node index →
            ``(superstep of its last run, {name: version its own write produced})``. A node is
            not re-triggered by such a version alone until a controlling gate decides again
            (``engine/scheduler.py``, "own output").
    """

    __slots__ = (
        "values",
        "versions",
        "consumed",
        "decisions",
        "held",
        "superstep",
        "decided_at",
        "fed_at",
        "own_writes",
    )

    def __init__(self, node_count: int, supplied: dict[str, Any]) -> None:
        self.values: dict[str, Any] = dict(supplied)
        self.versions: dict[str, int] = dict.fromkeys(supplied, 1)
        self.consumed: list[tuple[int, ...] | None] = [None] * node_count
        self.decisions: dict[int, frozenset[Any]] = {}
        self.held: dict[int, dict[str, Any]] = {}
        self.superstep = 0
        self.decided_at: dict[int, int] = {}
        self.fed_at: dict[int, int] = {}
        self.own_writes: dict[int, tuple[int, dict[str, int]]] = {}

    def hold_interrupt_answers(self, interrupts: list[tuple[int, tuple[str, ...]]]) -> None:
        """Take supplied answers out of ``values`` until their interrupt resumes
        (docs/guides/interrupts.md).

        ``interrupts`` lists ``(node index, data outputs)`` of the run's active interrupts. An
        answer resumes its interrupt, so nodes reading it must wait for that resume; otherwise a
        reader could consume the answer before the interrupt runs, and in a loop the interrupt
        would then replay an answer that was already used instead of asking again.
        """
        values, versions = self.values, self.versions
        for index, outputs in interrupts:
            if outputs and all(name in values for name in outputs):
                self.held[index] = {name: values.pop(name) for name in outputs}
                for name in outputs:
                    versions.pop(name, None)

    def write(self, name: str, value: Any) -> bool:
        """Store a data value; return whether its version changed."""
        values = self.values
        if name in values and not values_differ(values[name], value):
            return False
        values[name] = value
        self.versions[name] = self.versions.get(name, 0) + 1
        return True

    def emit(self, name: str) -> None:
        """Record one emission of an ordering signal (always a new version)."""
        self.values[name] = EMITTED
        self.versions[name] = self.versions.get(name, 0) + 1

    def snapshot_versions(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The current versions of ``names``, as recorded when a node runs."""
        return tuple(map(self.versions.get, names, (0,) * len(names)))

    def copy(self) -> RunState:
        """An independent copy (used by the brute-force oracle in tests)."""
        clone = RunState.__new__(RunState)
        clone.values = dict(self.values)
        clone.versions = dict(self.versions)
        clone.consumed = list(self.consumed)
        clone.decisions = dict(self.decisions)
        clone.held = {index: dict(answers) for index, answers in self.held.items()}
        clone.superstep = self.superstep
        clone.decided_at = dict(self.decided_at)
        clone.fed_at = dict(self.fed_at)
        clone.own_writes = {i: (ran, dict(own)) for i, (ran, own) in self.own_writes.items()}
        return clone
