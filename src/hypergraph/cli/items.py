"""The failed items of a recorded map, for ``hypergraph runs show``.

A durable ``map`` (and each ``map_over`` call inside a durable run) records item ``i`` as the
child run ``"<map run>/<i>"``. The map's own record only counts failures; this finds which
items failed, with the inputs that differ from the map's (the mapped ones), the node that
raised and its error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.checkpointers import Checkpointer

__all__ = ["failed_items"]


def failed_items(checkpointer: Checkpointer, run_id: str) -> list[dict[str, Any]]:
    """One entry per failed item run of map run ``run_id``, in item order (``[]``: none)."""
    from hypergraph.checkpointers.records import StepStatus, WorkflowStatus

    prefix = run_id + "/"
    items = []
    for child in checkpointer._read_children(run_id):
        tail = child.id[len(prefix) :] if child.id.startswith(prefix) else ""
        if tail.isdigit() and child.status is WorkflowStatus.FAILED:
            items.append((int(tail), child.id))
    if not items:
        return []
    shared = checkpointer.inputs(run_id) or {}
    found = []
    for index, child_id in sorted(items):
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
