"""What a host runner asks of the local runner that does its work (internal, not public API).

``DaskRunner`` runs no graph itself: each Dask task hands its ``run``, or its chunk of ``map``
items, to a ``SyncRunner`` or ``AsyncRunner`` inside the worker. That local run is one piece of a
larger run the client started, so a few things must be said the way the client sees them. The
task sets a :class:`Hosting` on the local runner it creates (:func:`host`), and the local
runners apply it where they build their top-level runs:

- ``item_indices`` / ``item_count``: the chunk's items are items ``item_indices[i]`` of a map of
  ``item_count`` items, so a failing item's note (runners/failure_notes.py) gives its index in
  the whole map, not in the chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Hosting", "host", "item_position"]


@dataclass(frozen=True, slots=True)
class Hosting:
    """How the local runs of one host task fit into the host's run or map.

    Attributes:
        item_indices: The index in the whole map of each item the local ``map`` runs, in
            order (``None``: the local map is the whole map).
        item_count: The number of items of the whole map (``None``: the local map's).
    """

    item_indices: Sequence[int] | None = None
    item_count: int | None = None


_R = TypeVar("_R")


def host(runner: _R, hosting: Hosting) -> _R:
    """Return ``runner`` with ``hosting`` applied to the runs and maps it starts."""
    runner._hosting = hosting  # type: ignore[attr-defined]
    return runner


def item_position(hosting: Hosting | None, index: int, count: int) -> tuple[int, int]:
    """``(index, count)`` of local map item ``index`` of ``count``, seen from the whole map."""
    if hosting is None:
        return index, count
    indices = hosting.item_indices
    whole = hosting.item_count
    return (
        indices[index] if indices is not None else index,
        whole if whole is not None else count,
    )
