"""Durable runs in the runners: sessions (start checks, leases), recorders, child runs.

The run loop only calls a recorder (``RunContext.recorder``); everything about workflows lives
here: :mod:`.session` (starting and ending a durable run), :mod:`.maps` (a durable map and its
items), :mod:`.recorder` (restore and record one run), :mod:`.children` (GraphNode inner runs
and map items as child runs). Runners import this package only when they have a checkpointer,
so plain runs never load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypergraph.checkpointers.packs import ItemMapping
from hypergraph.checkpointers.records import Checkpoint
from hypergraph.runners.checks.arguments import MAP_RESERVED, RUN_RESERVED, _normalise
from hypergraph.runners.durable.maps import DurableMap, open_map
from hypergraph.runners.durable.session import DurableRun, check_durable_options, open_run
from hypergraph.runners.map_plan import ItemOptions

__all__ = [
    "DurableMap",
    "DurableOptions",
    "DurableRun",
    "check_durable_options",
    "open_map",
    "open_durable_map",
    "open_run",
    "start_durable_run",
]


@dataclass(frozen=True)
class DurableOptions:
    """The durable options of ``run()``, as passed, with the run options the start checks use
    (``options``: select, on_missing, ...); built by ``BaseRunner._durable_options``."""

    workflow_id: str | None = None
    checkpoint: Checkpoint | None = None
    fork_from: str | None = None
    retry_from: str | None = None
    override_workflow: bool = False
    options: ItemOptions = field(default_factory=ItemOptions)


def start_durable_run(
    runner: Any,
    graph: Any,
    values: dict[str, Any] | None,
    input_values: dict[str, Any] | None,
    durable: DurableOptions,
) -> tuple[DurableRun, Any]:
    """Check the options, open the workflow, run the usual start checks on the values it
    starts from, and write its record. Returns the durable run and its ``PreparedRun``;
    nothing is written when a check fails.

    ``values``/``input_values`` are the caller's (for AsyncRunner, dotted resume keys already
    taken out).
    """
    check_durable_options(
        runner.checkpointer, durable.workflow_id, durable.checkpoint, durable.fork_from,
        durable.retry_from, durable.override_workflow,
    )  # fmt: skip
    supplied = _normalise(values, input_values, RUN_RESERVED)
    run = open_run(
        runner.checkpointer, graph, supplied, workflow_id=durable.workflow_id,
        checkpoint=durable.checkpoint, fork_from=durable.fork_from,
        retry_from=durable.retry_from, override_workflow=durable.override_workflow,
    )  # fmt: skip
    try:
        prepared = durable.options.prepare(graph, run.values, runner)
        run.begin()
    except BaseException:
        run.close(None)
        raise
    return run, prepared


def open_durable_map(
    runner: Any,
    plan: Any,
    values: dict[str, Any] | None,
    input_values: dict[str, Any] | None,
    workflow_id: str | None,
) -> DurableMap:
    """Open the workflow of a checked, non-empty ``map`` (see :func:`open_map`)."""
    check_durable_options(runner.checkpointer, workflow_id)
    merged = _normalise(values, input_values, MAP_RESERVED)
    selected = plan.prepared.selected if plan.prepared is not None else None
    return open_map(
        runner.checkpointer, plan.graph, merged, workflow_id=workflow_id, selected=selected,
        mapping=ItemMapping(plan.mapped, plan.mode),
    )  # fmt: skip
