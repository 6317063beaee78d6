"""The items of a durable map run by the compiled function, recorded as the general path would.

An unobserved ``SyncRunner.map`` over a plain DAG (an ``AsyncRunner.map`` over one whose
every superstep is one node) runs each item as one generated function (engine/compiled.py,
runners/item_runs.py). A durable map records every item as a child run with one step per node,
which used to send each item down the general run loop. But a fresh run of a plain DAG is the
same sequence of steps every time: the same supersteps, node order, input and output versions;
only the values and the times differ. So the first item that completes runs on the general
path and its recorded rows become the *template*; every later item runs compiled, and its
rows are the template's with this item's run id, values and times.

What is stored is what the general path stores (the tests in tests/checkpointers/
test_compiled_map_items.py compare the two), with one difference: the general path times each
superstep, a compiled item only as a whole, so its supersteps share the item's wall time
equally (``duration_ms``, ``created_at``, ``completed_at``).

Only under ``"async"`` durability (items are written one batch per item, when they end, see
:meth:`RunRecorder.hold`), for a map started afresh (nothing to restore), without an output
selection, and when every node of the compiled run is a plain function (a GraphNode's inner run
is a child run of its own). Anything else keeps the general path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.base import StepRow
from hypergraph.checkpointers.packs import (
    SCALARS,
    ItemPacker,
    StepShape,
    packable,
    packs_inputs,
    storable,
)
from hypergraph.checkpointers.records import WorkflowStatus
from hypergraph.checkpointers.serializers import ValueNotSerializableError
from hypergraph.engine.kinds import NodeKind
from hypergraph.runners.durable.children import encode_inputs
from hypergraph.runners.durable.recorder import UnserializableOutputError, output_message
from hypergraph.runners.failure_notes import describe_failure, note_failed_node
from hypergraph.runners.result import RunResult, RunStatus, assemble_result, new_run_id

if TYPE_CHECKING:
    from hypergraph.engine.compiled import CompiledRun
    from hypergraph.runners.durable.maps import DurableMap

__all__ = ["CompiledItems", "compiled_items"]

_COMPLETED = WorkflowStatus.COMPLETED
_RESULT_COMPLETED = RunStatus.COMPLETED
_now, _clock = time.time, time.perf_counter
_FAILED = WorkflowStatus.FAILED


def compiled_items(
    durable: DurableMap, compiled: CompiledRun | None, graph: Any, prepared: Any, ctx: Any
) -> CompiledItems | None:
    """The compiled runner of ``durable``'s items, or ``None`` when they need the general path
    (see the module docs). ``prepared`` is the map's shared ``PreparedRun``, ``ctx`` the shared
    context the compiled function is called with."""
    if compiled is None or not durable.hold_items or durable.children:
        return None
    if prepared.selected is not None or durable.prune:
        return None
    if any(p.kind is not NodeKind.FUNCTION for p in compiled.order):
        return None
    return CompiledItems(durable, compiled, graph, prepared, ctx)


class CompiledItems:
    """Runs and records the items of one durable map with its compiled function.

    :attr:`ready` turns true when the map's first completed item (run on the general path)
    taught it the rows (:meth:`learn`); until then the driver runs items the usual way.
    """

    __slots__ = ("durable", "compiled", "function", "graph", "prepared", "ctx", "serializer",
                 "steps", "ready", "packer", "wall", "run")  # fmt: skip

    def __init__(
        self, durable: DurableMap, compiled: CompiledRun, graph: Any, prepared: Any, ctx: Any
    ) -> None:
        self.durable = durable
        self.compiled = compiled
        self.function = compiled.function
        self.serializer = durable.cp.serializer
        self.graph = graph
        self.prepared = prepared
        self.ctx = ctx
        self.steps: list[StepShape] = []  # the template, one per compiled node
        self.ready = False
        self.packer: ItemPacker | None = None  # packs completed items (checkpointers/packs.py)
        # Wall-clock time of the performance counter's zero: one clock read per item end.
        self.wall = _now() - _clock()
        # run(index, values) -> RunResult: item ``index`` (its ``values``, a fresh dict) run
        # compiled and its record queued; returns its result or raises its failure, as
        # run_compiled does. Generated per map once the items pack (see packed_runner).
        self.run: Callable[[int, dict[str, Any]], RunResult] = self._run_one_by_one

    def learn(self, rows: list[StepRow]) -> None:
        """Take the rows of a completed item of the general path as the template, if they are
        one completed step per compiled node, in the compiled order, from superstep 0."""
        order = self.compiled.order
        if len(rows) != len(order) or rows[0].superstep != 0:
            return
        loads = self.durable.cp.serializer.loads
        steps = []
        for row, p in zip(rows, order):
            names = tuple(loads(row.values))
            if row.node_name != p.name or row.status != "completed" or row.cached:
                return
            if set(names) != set(p.data_outputs) or row.child_run_id or row.attempts:
                return
            steps.append(
                StepShape(
                    row.superstep,
                    row.node_name,
                    row.position,
                    row.input_versions,
                    row.node_type,
                    row.output_versions,
                    names,
                )  # fmt: skip
            )
        self.steps = steps
        self.ready = True
        durable = self.durable
        mapping, inputs = durable.mapping, durable.inputs
        if mapping is None or inputs is None or not packable(durable.cp.serializer):
            return
        if packs_inputs(inputs, mapping):  # every item's inputs are the map's: not stored again
            run = durable.item_run("")
            packer = ItemPacker(durable.run.id, run, steps, durable.cp.serializer, mapping)
            if durable.sink.add_packer(packer):
                self.packer = packer
                self.run = packed_runner(self, packer)

    def _run_one_by_one(self, index: int, values: dict[str, Any]) -> RunResult:
        """:attr:`run` for items stored one by one (their inputs serialized before a node can
        change them)."""
        inputs = encode_inputs(self.serializer, values, f"{self.durable.run.id}/{index}")
        started = _clock()
        position, outcome, frame_locals = self.function(values, self.ctx)
        elapsed = _clock() - started
        return self._record(
            index, values, inputs, self.wall + started, elapsed, position, outcome, frame_locals
        )

    def _record(
        self,
        index: int,
        values: dict[str, Any],
        inputs: bytes | None,
        created: float,
        elapsed: float,
        position: int | None,
        outcome: Any,
        frame_locals: Any,
    ) -> RunResult:
        """Queue item ``index``'s run and step rows one by one (it failed, or a value of it is
        not packed) and return its result or raise its failure."""
        durable = self.durable
        child_id = f"{durable.run.id}/{index}"
        serializer = self.serializer
        if inputs is None:  # values that cannot change: as they were before the item ran
            inputs = encode_inputs(serializer, values, child_id)
        steps = self.steps
        failure: BaseException | None = None
        if position is None:
            done, produced = len(steps), outcome
        else:
            failure, done = outcome, position
            note_failed_node(failure, steps[position].node, self.graph.name)
            self.compiled.failed_state(values, frame_locals)
            produced = values
        # The supersteps that ran share the item's wall time equally.
        share = elapsed / (steps[min(done, len(steps) - 1)].superstep + 1)
        dumps = serializer.dumps
        rows: list[StepRow] = []
        lost: UnserializableOutputError | None = None
        for step in steps[:done]:
            try:
                payload = dumps({name: produced[name] for name in step.names})
            except ValueNotSerializableError as exc:  # as the run loop: the item fails
                lost = UnserializableOutputError(output_message(step.node, exc, serializer))
                lost.__cause__, lost.__suppress_context__ = exc, True
                rows = [r for r in rows if r.superstep < step.superstep]
                done = step.position + 1  # the run loop counts the node it could not store
                break
            begin = created + step.superstep * share
            rows.append(step.row(child_id, "completed", payload, share, None, begin, begin + share))
        if failure is not None and lost is None:
            step = steps[done]
            error = describe_failure(failure, step.node)
            begin = created + step.superstep * share
            rows.append(step.row(child_id, "failed", dumps({}), share, error, begin, begin + share))
        status = _COMPLETED if failure is None and lost is None else _FAILED
        durable.item_finished(status)
        run = durable.item_run(child_id)
        run.created_at = created
        run.status, run.duration_ms = status, elapsed * 1000.0
        run.node_count, run.error_count = done, 0 if failure is None or lost else 1
        run.completed_at = time.time()
        durable.sink.put_run(run, inputs, rows, None)
        if lost is not None:
            raise lost
        return self._result(child_id, outcome, failure, values)

    def _result(
        self, child_id: str, outcome: Any, failure: BaseException | None, values: dict[str, Any]
    ) -> RunResult:
        """The item's result (or its failure raised), as the compiled run gives it."""
        run_id = new_run_id()
        if failure is None:
            result = assemble_result(outcome, RunStatus.COMPLETED, run_id)
        else:
            if self.prepared.error_handling != "continue":
                raise failure
            from hypergraph.engine.plan import get_plan
            from hypergraph.runners.loop.steps import select_outputs

            outputs = select_outputs(get_plan(self.graph), values, None, "ignore")
            result = assemble_result(outputs, RunStatus.FAILED, run_id, failure)
        result.workflow_id = child_id
        return result


_MAKERS: dict[tuple[str, ...], Any] = {}  # packed_runner's compiled makers, by output names


def packed_runner(
    items: CompiledItems, packer: ItemPacker
) -> Callable[[int, dict[str, Any]], RunResult]:
    """``items.run`` for items that pack: one straight-line function of the output names (it
    runs once per item), generated once per set of names.

    It runs the item, and when it completed with plain outputs (checkpointers/packs.py
    ``storable``) appends its index, times and outputs to ``packer.items`` with one ``extend``
    and returns its result; any other item goes to ``CompiledItems._record``, stored one by
    one. Raises the sink's ``lost`` error once another process took the workflow over.
    """
    names = packer.names
    make = _MAKERS.get(names)
    if make is None:
        lines = []
        for i, name in enumerate(names):
            lines.append(f"      o{i} = outcome[{name!r}]")
            lines.append(f"      if type(o{i}) not in scalars and not storable(o{i}):")
            lines.append(
                "        return record(index, values, None, wall + started, elapsed, None, outcome, None)"
            )
        row = ", ".join(
            ["index", "wall + started", "elapsed"] + [f"o{i}" for i in range(len(names))]
        )
        source = "\n".join(
            [
                "def make(function, ctx, clock, wall, extend, sink, record, prefix, scalars,",
                "         storable, assemble_result, completed, new_run_id):",
                "  def run(index, values):",
                "    started = clock()",
                "    position, outcome, frame_locals = function(values, ctx)",
                "    elapsed = clock() - started",
                "    if position is None:",
                *lines,
                "      if sink.lost is not None:",
                "        raise sink.lost",
                f"      extend(({row},))",
                "      result = assemble_result(outcome, completed, new_run_id())",
                "      result.workflow_id = f'{prefix}{index}'",
                "      return result",
                "    return record(index, values, None, wall + started, elapsed, position, outcome,",
                "                  frame_locals)",
                "  return run",
                "",
            ]
        )
        namespace: dict[str, Any] = {}
        exec(compile(source, "<hypergraph packed map item>", "exec"), namespace)
        make = _MAKERS[names] = namespace["make"]
    run: Callable[[int, dict[str, Any]], RunResult] = make(
        items.function, items.ctx, _clock, items.wall, packer.items.extend, packer.sink,
        items._record, f"{items.durable.run.id}/", SCALARS, storable, assemble_result,
        _RESULT_COMPLETED, new_run_id,
    )  # fmt: skip
    return run
