"""What a host runner asks of the local runner that does its work (internal, not public API).

``DaskRunner`` runs no graph itself: each Dask task hands its ``run``, or its chunk of ``map``
items, to a ``SyncRunner`` or ``AsyncRunner`` inside the worker. That local run is one piece of a
larger run the client started, so a few things must be said the way the client sees them. The
task sets a :class:`Hosting` on the local runner it creates (:func:`host`), and the local
runners apply it where they start their top-level runs:

- ``item_indices`` / ``item_count``: the chunk's items are items ``item_indices[i]`` of a map of
  ``item_count`` items, so a failing item's note (runners/failure_notes.py) gives its index in
  the whole map, not in the chunk.
- ``parent_span_id``: a hosted ``map`` opens no map span of its own; its item runs hang under
  this span (the client's map span), and a hosted ``run`` hangs under it too.
- ``refuse_pause``: the host cannot pause for a human answer. An interrupt that asks for one
  fails instead, with ``refuse_pause(path)`` (``path``: the interrupt's node path through nested
  graphs, ``"outer/ask"``), and the runs around it fail with that error like with any node
  failure, so processors see every span closed (docs/guides/events.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypergraph.runners.loop.call import RunContext

__all__ = ["Hosting", "PauseRefusal", "host", "hosted_context", "item_position", "items_parent"]


@dataclass(frozen=True, slots=True)
class Hosting:
    """How the local runs of one host task fit into the host's run or map.

    Attributes:
        item_indices: The index in the whole map of each item the local ``map`` runs, in
            order (``None``: the local map is the whole map).
        item_count: The number of items of the whole map (``None``: the local map's).
        parent_span_id: The host's span the local runs hang under (a hosted map opens no span
            of its own).
        refuse_pause: Makes the error an interrupt fails with instead of pausing, from its
            node path (``None``: pauses pause).
    """

    item_indices: Sequence[int] | None = None
    item_count: int | None = None
    parent_span_id: str | None = None
    refuse_pause: Callable[[str], BaseException] | None = None

    def pause_refusal(self) -> PauseRefusal | None:
        """The refusal a top-level run's context carries (``None`` when pauses pause)."""
        make = self.refuse_pause
        return PauseRefusal(make) if make is not None else None


@dataclass(frozen=True, slots=True)
class PauseRefusal:
    """A run's "fail instead of pausing" setting, with the run's path in the top-level run.

    ``RunContext.pause_refusal`` holds it; a nested run gets :meth:`inside` of its
    GraphNode's name (runners/loop/steps.py).
    """

    make_error: Callable[[str], BaseException]
    prefix: str = ""

    def inside(self, graph_node: str) -> PauseRefusal:
        """The refusal of the run nested in GraphNode ``graph_node`` of this run."""
        return PauseRefusal(self.make_error, f"{self.prefix}{graph_node}/")

    def error(self, node_name: str) -> BaseException:
        """The error interrupt ``node_name`` of this run fails with."""
        return self.make_error(self.prefix + node_name)


_R = TypeVar("_R")


def host(runner: _R, hosting: Hosting) -> _R:
    """Return ``runner`` with ``hosting`` applied to the runs and maps it starts."""
    runner._hosting = hosting  # type: ignore[attr-defined]
    return runner


def hosted_context(runner: Any, events: Any) -> RunContext:
    """The context of a top-level ``run`` of ``runner``, hosted or not."""
    hosting: Hosting | None = runner._hosting
    if hosting is None:
        return RunContext(runner, cache=runner.cache, dispatcher=events)
    ctx = RunContext(
        runner, cache=runner.cache, dispatcher=events, parent_span_id=hosting.parent_span_id
    )
    ctx.pause_refusal = hosting.pause_refusal()
    return ctx


def items_parent(hosting: Hosting | None) -> str | None:
    """The span a hosted map's item runs hang under (a hosted map opens none of its own)."""
    return hosting.parent_span_id if hosting is not None else None


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
