"""Fold stored steps back into a run's state, so the run loop continues where it stopped.

Steps are the only source of truth. The state a run needs to continue is, per name, its value
and version, and per node what it consumed (and, for a gate, what it decided). Every completed
step records the versions it consumed (``input_versions``) and the versions of what it wrote
(``output_versions``), so the state follows from each node's **latest completed step** and each
name's **latest writer**: no replay, and it works with any retention that keeps those steps
(``WriteBatch.prune`` keeps exactly them).

What the rebuild leaves to the scheduler: a gate decision that went stale is dropped by the next
``next_ready`` (it checks every node of a resumed run); interrupt answers supplied with the
resume are held by ``RunState.hold_interrupt_answers`` before the fold. An interrupt whose
latest step is a pause counts as not yet run, so it takes the held answer. A GraphNode whose
last step paused or failed continues its child run (the inner steps are kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypergraph.checkpointers.base import END_NAME
from hypergraph.checkpointers.records import StepRecord, StepStatus
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import EMITTED, ExecutionPlan
from hypergraph.engine.state import RunState
from hypergraph.nodes.gates import END

__all__ = ["Rebuilt", "rebuild_state"]


@dataclass
class Rebuilt:
    """What the fold found besides the state.

    Attributes:
        next_superstep: The superstep number the run continues with.
        next_index: The step index the run continues with.
        unfinished_children: GraphNode name → the child run its paused or failed last step
            points at (continued by the GraphNode's next execution instead of a new inner run).
        node_count, error_count: Completed and failed steps so far.
        restored: How many steps the state was rebuilt from.
    """

    next_superstep: int = 0
    next_index: int = 0
    unfinished_children: dict[str, str] = field(default_factory=dict)
    node_count: int = 0
    error_count: int = 0
    restored: int = 0


def rebuild_state(plan: ExecutionPlan, state: RunState, steps: list[StepRecord]) -> Rebuilt:
    """Fold ``steps`` (in index order) into ``state``, a fresh state of the run's inputs."""
    info = Rebuilt()
    nodes: tuple[Any, ...] = plan.nodes  # NodePlan: slots without annotations
    by_name = {p.name: p for p in nodes}
    latest: dict[str, StepRecord] = {}  # node -> latest completed step
    last: dict[str, StepRecord] = {}  # node -> latest step of any status
    writer: dict[str, StepRecord] = {}  # name -> latest completed step that wrote it
    for step in steps:
        info.next_superstep = max(info.next_superstep, step.superstep + 1)
        info.next_index = max(info.next_index, step.index + 1)
        last[step.node_name] = step
        if step.status is StepStatus.COMPLETED:
            info.node_count += 1
            latest[step.node_name] = step
            for name in step.output_versions:
                writer[name] = step
        elif step.status is StepStatus.FAILED:
            info.error_count += 1
    info.restored = len(latest)

    consumed, decisions = state.consumed, state.decisions
    for name, step in latest.items():
        p = by_name.get(name)
        if p is None:
            continue  # a node of another graph shape: the structure hash refuses this earlier
        seen = step.input_versions
        consumed[p.index] = tuple(seen.get(watched, 0) for watched in p.watched)
        if p.is_gate and step.decision is not None:
            decisions[p.index] = frozenset(END if t == END_NAME else t for t in step.decision)
    values, versions = state.values, state.versions
    for name, step in writer.items():
        values[name] = step.values.get(name, EMITTED)
        versions[name] = step.output_versions[name]

    for name, step in last.items():
        p = by_name.get(name)
        if p is None or step.status is StepStatus.COMPLETED:
            continue
        if p.kind is NodeKind.INTERRUPT and step.status is StepStatus.PAUSED:
            consumed[p.index] = None  # it asked and was not answered: the answer is for it
        elif step.child_run_id is not None:
            info.unfinished_children[name] = step.child_run_id
    return info


def restored_values(steps: list[StepRecord], inputs: dict[str, Any]) -> dict[str, Any]:
    """The values of a run as its steps leave them (inputs, then outputs in order)."""
    values = dict(inputs)
    for step in steps:
        if step.status is StepStatus.COMPLETED:
            values.update(step.values)
    return values
