"""Durable ``DaskRunner.map``: the client owns the workflow, the workers record the items.

The client opens the map's workflow exactly as ``SyncRunner.map`` does (its lease, the start
checks, the map's run record: :func:`hypergraph.runners.durable.open_durable_map`). Items whose
child run (``"<workflow_id>/<i>"``) completed before are restored on the client and never
shipped; the others travel in chunks with their item index (the :data:`INDEX` column).

Inside a worker, :func:`run_recorded_chunk` runs the chunk's items with the local runner's item
loop, each item recorded as its child run straight into the shared store, through a sink fenced
by the client's lease (the checkpointer pickles without its connections; the worker opens its
own). Before running an item the worker looks its child run up again: a chunk re-run after a
killed worker restores what the lost worker had finished instead of running it twice. If the
client dies, the next client takes the lease over and the old workers' writes are refused.

Only a store every worker reaches works here: PostgreSQL, or SQLite on a path they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypergraph.checkpointers.base import Lease
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.runners.result import RunResult

__all__ = [
    "INDEX",
    "DurableJob",
    "check_shared_checkpointer",
    "pending_items",
    "run_recorded_chunk",
]

INDEX = "__hypergraph_item_index__"
"""The hidden column of a durable chunk: each item's index in the whole map."""


@dataclass(frozen=True)
class DurableJob:
    """What the workers need to record a durable map's items.

    Attributes:
        checkpointer: The runner's checkpointer (pickled without connections).
        lease: The map workflow's lease, held by the client; every item write is fenced by it.
        parent: The map's run record (its id names the items: ``"<id>/<i>"``).
    """

    checkpointer: Any
    lease: Lease
    parent: Run


def check_shared_checkpointer(checkpointer: Any) -> Any:
    """``checkpointer`` unless it lives in one process's memory (workers could not reach it)."""
    from hypergraph.checkpointers.memory import MemoryCheckpointer

    if isinstance(checkpointer, MemoryCheckpointer):
        raise ValueError(
            "DaskRunner cannot use a MemoryCheckpointer: the workers run in other processes "
            "and would each record into their own copy. How to fix: use a store every worker "
            "reaches, PostgresCheckpointer('postgresql://...') or SqliteCheckpointer on a path "
            "the workers share."
        )
    return checkpointer


def pending_items(
    durable: Any,
    items: Iterator[dict[str, Any]],
    restored: dict[int, RunResult],
    runner: Any = None,
    events: Any = None,
    span: Any = None,
) -> Iterator[dict[str, Any]]:
    """The items still to run, each with its map index in :data:`INDEX`.

    Items whose child run completed before are restored here, on the client, into
    ``restored`` (index → result) and not yielded. With ``events`` each restored item reports
    itself as an item run under the map's ``span``, so progress counts it as done.
    """
    from hypergraph.runners.loop.call import RunContext

    prefix = durable.workflow_id + "/"
    children = durable.children
    completed = WorkflowStatus.COMPLETED
    parent_span_id = span.span_id if span is not None else None
    for index, item in enumerate(items):
        stored = children.get(prefix + str(index))
        if stored is not None and stored.status is completed:
            ctx = RunContext(runner, dispatcher=events, parent_span_id=parent_span_id)
            result = durable.item(index, item, ctx)
            if isinstance(result, RunResult):
                restored[index] = result
                continue
        yield {**item, INDEX: index}


def completed_indices(durable: Any, count: int) -> set[int]:
    """Indices below ``count`` whose child run completed before (restored, not shipped)."""
    prefix = durable.workflow_id + "/"
    done: set[int] = set()
    for child_id, run in durable.children.items():
        tail = child_id[len(prefix) :] if child_id.startswith(prefix) else ""
        if run.status is WorkflowStatus.COMPLETED and tail.isdigit() and int(tail) < count:
            done.add(int(tail))
    return done


class _ChunkItems:
    """The chunk's view of the map workflow: local item ``k`` is map item ``indices[k]``."""

    def __init__(self, durable: Any, indices: list[int]) -> None:
        self.durable = durable
        self.indices = indices

    def compiled_items(self, *args: Any) -> None:
        """Never: each item is looked up again before it runs (see :meth:`item`)."""
        return None

    def item(self, local: int, values: dict[str, Any], ctx: Any = None) -> Any:
        index = self.indices[local]
        durable = self.durable
        child_id = f"{durable.workflow_id}/{index}"
        stored = durable.cp.get_run(child_id)  # a lost worker may have recorded it since
        if stored is not None:
            durable.children[child_id] = stored
        return durable.item(index, values, ctx)


def run_recorded_chunk(
    runner: Any, job: Any, durable_job: DurableJob, columns: dict[str, list[Any]], events: Any
) -> list[RunResult]:
    """Run one durable chunk in a worker: every item recorded as its child run.

    ``job`` is the map's ``MapJob``; ``columns`` hold the mapped values and the :data:`INDEX`
    column; ``events`` is the task's event channel (or ``None``).
    """
    from hypergraph.checkpointers.writer import open_sink
    from hypergraph.runners.durable import DurableMap
    from hypergraph.runners.map_plan import ItemOptions, plan_map

    indices = columns.pop(INDEX)
    cp = durable_job.checkpointer
    graph = job.graph
    options = ItemOptions(job.select, job.on_missing, "ignore", job.entrypoint, "continue")
    plan = plan_map(
        graph, {**job.broadcast, **columns}, None, runner=runner, map_over=list(job.names),
        map_mode="zip", clone=job.clone, options=options,
    )  # fmt: skip
    selected = plan.prepared.selected if plan.prepared is not None else None
    sink = open_sink(cp, durable_job.lease)
    durable = DurableMap(cp, graph, durable_job.parent, {}, sink, selected)
    chunk = _ChunkItems(durable, indices)
    try:
        if asyncio.iscoroutinefunction(runner._run_items):
            results: list[RunResult] = asyncio.run(runner._run_items(plan, events, None, chunk))
        else:
            results = runner._run_items(plan, events, chunk)
    finally:
        sink.finish()  # the lease stays with the client
    if sink.errors:
        errors = tuple(sink.errors)
        for result in results:
            result.checkpoint_errors = errors
    return results
