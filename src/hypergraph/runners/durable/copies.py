"""Forks and retries take their source's unfinished child runs along.

A new workflow started with ``fork_from`` / ``checkpoint`` / ``retry_from`` copies the steps it
starts from. A GraphNode whose last step there did not complete (a nested interrupt that
paused, an inner run or ``map_over`` item that failed) left work behind in a child run of the
source (``"wf-1/inner@3"``, with its own children: nested graphs, map items). That child run
is copied whole into the new workflow (``"wf-2/inner@3"``, every descendant renamed the same
way, steps and inputs copied as stored), so the new workflow continues it where the source
stopped instead of redoing the finished nested work, and never writes into the source.

A fork that overrides inputs takes no child run along: its nested graphs might read the
changed values, so they run again from the start.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from hypergraph.checkpointers.base import StepRow, WriteBatch
from hypergraph.checkpointers.records import StepRecord, StepStatus

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer

__all__ = ["carry_children"]


def carry_children(
    cp: Checkpointer,
    source_id: str,
    new_id: str,
    steps: list[StepRecord],
    copied: list[StepRecord],
    batch: WriteBatch,
) -> tuple[list[StepRecord], dict[str, str]]:
    """Copy the unfinished child runs of ``source_id`` that the new workflow continues.

    Args:
        cp: The checkpointer holding the source.
        source_id: The workflow forked or retried.
        new_id: The new workflow's id.
        steps: The source's steps up to where the new workflow starts (any status).
        copied: The steps the new workflow starts with (already renamed to ``new_id``).
        batch: The new workflow's first write: the copies are added to it.

    Returns:
        ``copied`` with child run ids pointing at the copies, and GraphNode name → copied
        child run for the unfinished GraphNodes whose step was not copied (a retry leaves
        failed steps out): their next execution continues that child run.
    """
    last: dict[str, StepRecord] = {}
    for step in steps:
        last[step.node_name] = step
    moved: dict[str, str] = {}  # source child run -> its copy
    carried: dict[str, str] = {}
    for name, step in last.items():
        child = step.child_run_id
        if step.status is StepStatus.COMPLETED or child is None:
            continue
        target = _renamed(child, source_id, new_id)
        if target is None or not _copy_tree(cp, child, target, new_id, batch):
            continue
        moved[child] = target
        carried[name] = target
    if not moved:
        return copied, {}
    renamed = []
    for step in copied:
        target = moved.get(step.child_run_id or "")
        if target is not None:
            carried.pop(step.node_name, None)  # its copied step points at the copy itself
            step = replace(step, child_run_id=target)
        renamed.append(step)
    return renamed, carried


def _renamed(run_id: str | None, source: str, target: str) -> str | None:
    """``run_id`` of the tree under ``source`` as it is named under ``target``."""
    if run_id is None or not run_id.startswith(source + "/"):
        return None
    return target + run_id[len(source) :]


def _copy_tree(cp: Checkpointer, source: str, target: str, parent: str, batch: WriteBatch) -> bool:
    """Add run ``source`` and its descendants, renamed under ``target``, to ``batch``."""
    run = cp.get_run(source)
    if run is None:
        return False
    inputs = cp._read_inputs(source)
    batch.new_runs.append(
        (replace(run, id=target, parent_run_id=parent), inputs or cp.serializer.dumps({}))
    )
    for row in cp._read_steps(source, None):
        child = _renamed(row.child_run_id, source, target)
        batch.steps.append(
            StepRow._make(row)._replace(run_id=target, child_run_id=child or row.child_run_id)
        )
    for child_run in cp._read_children(source):
        renamed = _renamed(child_run.id, source, target)
        if renamed is not None:
            _copy_tree(cp, child_run.id, renamed, target, batch)
    return True
