"""The items of a recorded map, for ``hypergraph runs show``.

A durable ``map`` (and each ``map_over`` call inside a durable run) records item ``i`` as the
child run ``"<map run>/<i>"``. The map's own record only counts them; this reads the item runs
to count them by status and to find which items failed, with the inputs that differ from the
map's (the mapped ones), the node that raised and its error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.checkpointers import Checkpointer, Run

__all__ = ["failed_items", "item_runs", "item_counts"]


def item_runs(checkpointer: Checkpointer, run_id: str) -> list[tuple[int, Run]]:
    """The item runs of map run ``run_id`` as ``(index, run)``, in item order (``[]``: not a map)."""
    prefix = run_id + "/"
    items = []
    for child in checkpointer._read_children(run_id):
        tail = child.id[len(prefix) :] if child.id.startswith(prefix) else ""
        if tail.isdigit():
            items.append((int(tail), child))
    items.sort(key=lambda pair: pair[0])
    return items


def item_counts(items: list[tuple[int, Run]]) -> dict[str, int]:
    """How many item runs have each status, e.g. ``{"completed": 3, "failed": 1}``."""
    counts: dict[str, int] = {}
    for _, run in items:
        counts[run.status.value] = counts.get(run.status.value, 0) + 1
    return counts


def failed_items(
    checkpointer: Checkpointer, run_id: str, items: list[tuple[int, Run]] | None = None
) -> list[dict[str, Any]]:
    """One entry per failed item run of map run ``run_id``, in item order (``[]``: none).

    ``items`` are the map's item runs when the caller has read them already."""
    from hypergraph.checkpointers.records import StepStatus, WorkflowStatus

    if items is None:
        items = item_runs(checkpointer, run_id)
    failed_runs = [(i, run.id) for i, run in items if run.status is WorkflowStatus.FAILED]
    if not failed_runs:
        return []
    shared = checkpointer.inputs(run_id) or {}
    found = []
    for index, child_id in failed_runs:
        inputs = checkpointer.inputs(child_id) or {}
        varying = {k: v for k, v in inputs.items() if k not in shared or shared[k] != v}
        failed = [s for s in checkpointer.steps(child_id) if s.status is StepStatus.FAILED]
        last = failed[-1] if failed else None
        found.append(
            {
                "index": index,
                "run_id": child_id,
                "inputs": varying or inputs,
                "node": last.node_name if last is not None else None,
                "error": last.error if last is not None else None,
            }
        )
    return found
