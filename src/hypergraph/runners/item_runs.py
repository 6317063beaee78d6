"""``ItemRuns``: what the local runners' map loops do around each item's run.

``SyncRunner`` and ``AsyncRunner`` run a map's items differently (inline in input order, or
awaited in a worker pool) but say the same things about them, written once here:

- the map span the item runs hang under (none when the map is hosted: the host's span is the
  parent, runners/hosting.py);
- each item's :class:`~hypergraph.runners.loop.call.RunContext`, or, on a durable map, the
  stored result of an item that finished before (restored, not run);
- the note on a failing item's exception giving its index in the whole map and its mapped
  inputs (runners/failure_notes.py);
- the items that need no run loop: when nothing observes the map and its graph compiles
  (runners/loop/compiled_run.py), each item is one call of the generated function, and on a
  durable map each is recorded from a template once the first one taught it
  (runners/durable/compiled_items.py). :meth:`ItemRuns.compiled` hands the driver that path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypergraph.runners.failure_notes import note_failed_item
from hypergraph.runners.hosting import item_position, items_parent
from hypergraph.runners.loop.call import RunContext
from hypergraph.runners.loop.compiled_run import compiled_for, run_compiled
from hypergraph.runners.loop.map_events import end_map, start_map
from hypergraph.runners.result import RunResult

if TYPE_CHECKING:  # loaded only when a checkpointer is used
    from hypergraph.runners.durable import DurableMap
    from hypergraph.runners.durable.compiled_items import CompiledItems
    from hypergraph.runners.map_plan import MapPlan

__all__ = ["ItemRun", "ItemRuns"]

ItemRun = Callable[[int, dict[str, Any]], "RunResult | None"]
"""``run(index, item)``: item ``index``'s result without the run loop, ``None`` when it needs
the loop; a failure is raised (or, under ``"continue"``, on the result) noted as :meth:`ItemRuns.failed`
notes it."""


class ItemRuns:
    """The item-independent part of one local ``map``'s item runs (its span is open from
    construction until :meth:`end`).

    Args:
        runner: The local runner running the items (its cache and hosting apply).
        plan: The checked map.
        events: The map's event dispatcher (``None`` without processors).
        durable: The map's opened workflow when it is durable, else ``None``.
    """

    __slots__ = ("runner", "events", "durable", "hosting", "count", "mapped", "span",
                 "parent_span_id", "refusal")  # fmt: skip

    def __init__(
        self, runner: Any, plan: MapPlan, events: Any, durable: DurableMap | None = None
    ) -> None:
        hosting = runner._hosting
        self.runner = runner
        self.events = events
        self.durable = durable
        self.hosting = hosting
        self.count = plan.count
        self.mapped = plan.mapped
        self.span = start_map(events, plan.graph, plan.count) if hosting is None else None
        self.parent_span_id = self.span.span_id if self.span is not None else items_parent(hosting)
        self.refusal = hosting.pause_refusal() if hosting is not None else None

    def start(self, index: int, item: dict[str, Any]) -> RunContext | RunResult:
        """Item ``index``'s run context, or its stored result when a durable map restores it."""
        runner = self.runner
        ctx = RunContext(
            runner, cache=runner.cache, dispatcher=self.events, parent_span_id=self.parent_span_id
        )
        ctx.pause_refusal = self.refusal
        durable = self.durable
        if durable is not None:  # each item is a child run: restored if it finished before
            recorder = durable.item(index, item, ctx)
            if isinstance(recorder, RunResult):
                return recorder
            ctx.recorder = recorder
        return ctx

    def compiled(self, plan: MapPlan, *, serial_only: bool = False) -> ItemRun | None:
        """How the map's items run without the run loop, or ``None`` when none can.

        Only when nothing observes the map and its items share one key set and options
        (``plan.prepared``): the compiled run is looked up once for all of them.
        ``serial_only`` is :func:`~hypergraph.runners.loop.compiled_run.compiled_for`'s (the
        driver runs a superstep's calls all before looking at failures). On a durable map an
        item runs compiled once a completed one gave the rows its record repeats; until then
        (``None``) the driver runs it the usual way.
        """
        template = plan.prepared
        if self.events is not None or template is None:
            return None
        runner, graph, failed = self.runner, plan.graph, self.failed
        shared = RunContext(runner, cache=runner.cache)
        compiled = compiled_for(graph, template, shared, serial_only=serial_only)
        recorded: CompiledItems | None = None
        if self.durable is not None:
            recorded = self.durable.compiled_items(compiled, graph, template, shared)
            if recorded is None:
                return None
        elif compiled is None:
            return None

        def run(index: int, item: dict[str, Any]) -> RunResult | None:
            try:
                if recorded is None:
                    result = run_compiled(compiled, graph, template, shared, item)  # type: ignore[arg-type]
                elif recorded.ready:
                    result = recorded.run(index, item)
                else:
                    return None
            except Exception as exc:
                failed(exc, index, item)
                raise
            if result.error is not None:  # "continue": a FAILED item
                failed(result.error, index, item)
            return result

        return run

    def failed(self, error: BaseException, index: int, item: dict[str, Any]) -> None:
        """Note on ``error`` that item ``index`` failed (its position in the whole map and its
        mapped inputs); the error itself is unchanged."""
        position = item_position(self.hosting, index, self.count)
        note_failed_item(error, *position, item, self.mapped)

    def end(self, error: BaseException | None = None) -> None:
        """End the map span (failed with ``error`` when given)."""
        end_map(self.span, error)
