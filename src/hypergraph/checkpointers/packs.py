"""Finished map items stored many to a row (a *pack*), and read back as if stored one by one.

A durable map records item ``i`` as the child run ``"<map>/<i>"`` with one step row per node.
For a map of many small items those rows cost far more than running the items: a SQLite
insert is a few microseconds, a compiled item of trivial nodes about as much. But the items
of a fresh map of a plain DAG repeat one shape (runners/durable/compiled_items.py): the same
steps with the same supersteps, positions and versions; only the values and the times differ.
So under ``"async"`` durability the background writer stores the items it drains together as
one :class:`~hypergraph.checkpointers.base.PackRow`: the shape once (``meta``), each item's
index and times as an array of numbers (``times``), and the values column by column, one list
per input and output name, serialized in one call (``values``).

Nothing else sees a pack. The shared readers of ``Checkpointer`` (``_read_run``,
``_read_inputs``, ``_read_steps``, ``_read_children``) unpack the item asked for into exactly
the :class:`~hypergraph.checkpointers.records.Run` and
:class:`~hypergraph.checkpointers.base.StepRow` rows the item would have been stored as
(tests/checkpointers/test_compiled_map_items.py compares them), and a map reopened to resume
first turns its packs into ordinary rows (:func:`expand`), so resuming, retrying and pruning
only ever meet ordinary rows.

Only items whose values are plain and cannot change are packed (:func:`storable`): str, int,
float, bool, None and tuples of them, under :class:`JsonSerializer` or
:class:`PickleSerializer`, which store such values as they are. Their serialization can then
wait for the writer thread: nothing can make it fail, and nothing (a node mutating a list it
was given, a caller editing a result) can change them meanwhile. Any other item is stored the
usual way, serialized as it ends, so a value that cannot be stored still fails its item,
naming the node and the output.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any, NamedTuple

from hypergraph.checkpointers.base import PackRow, StepRow
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.checkpointers.serializers import JsonSerializer, PickleSerializer, Serializer

__all__ = [
    "MAX_ITEMS_PER_PACK",
    "ItemPacker",
    "PackedItem",
    "StepShape",
    "expand",
    "packable",
    "packed_run",
    "packed_runs",
    "storable",
    "unpack_item",
]

MAX_ITEMS_PER_PACK = 2048
"""The most items one pack holds (reading one item decodes its whole pack)."""

_SCALARS = frozenset({str, int, float, bool, type(None)})
_TIMES = 4  # numbers per item in PackRow.times: index, created_at, elapsed, completed_at

PackedItem = tuple[Any, ...]
"""A completed item waiting in the writer's queue, as one flat tuple (plain values only, so the
garbage collector stops tracking it): its packer's number on the sink, the item's index,
``created_at``, elapsed seconds, ``completed_at``, then its input values and its output values
in the packer's name order."""


def _nowhere(item: PackedItem) -> None:
    raise RuntimeError("This ItemPacker was given no sink: call Sink.add_packer(packer) first.")


def packable(serializer: Serializer) -> bool:
    """Whether items may be packed under ``serializer`` (one of ours: :func:`storable` holds)."""
    return type(serializer) in (JsonSerializer, PickleSerializer)


def storable(value: Any) -> bool:
    """Whether ``value`` is plain, unchangeable data that every packable serializer stores:
    str, int, float, bool, None, or a tuple of such values."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    return kind is tuple and all(storable(item) for item in value)


def _unstorable(variable: str) -> str:
    """The generated test that ``variable`` is not :func:`storable` (scalars first: cheap)."""
    return f"type({variable}) not in scalars and not storable({variable})"


class StepShape(NamedTuple):
    """What the step of one node is in every item (a compiled item's template)."""

    superstep: int
    node: str
    position: int
    input_versions: str
    node_type: str
    output_versions: str
    names: tuple[str, ...]  # the node's outputs, in stored order

    def row(
        self,
        run_id: str,
        status: str,
        payload: bytes,
        share: float,
        error: str | None,
        begin: float,
        end: float,
    ) -> StepRow:
        """This step of item run ``run_id``, from ``begin`` to ``end`` (its share of the item's
        wall time, in seconds): completed with ``payload``, or failed with ``error``."""
        completed = status == "completed"
        return StepRow(
            run_id, self.superstep, self.node, self.position, status, self.input_versions,
            payload, share * 1000.0, False, None, error, self.node_type, begin, end, None,
            self.output_versions if completed else "{}",
        )  # fmt: skip


class ItemPacker:
    """Packs the completed items of one map whose steps all have ``shapes``.

    Args:
        parent_run_id: The map's run id.
        run: What every item's run record shares (graph name, config).
        shapes: The steps of every item, in order.
        serializer: The checkpointer's serializer (:func:`packable`).

    Attributes:
        takes: ``takes(inputs) -> bool``: whether an item of these ``inputs`` may be packed as
            far as they tell, checked before it runs (so the usual way can still serialize them
            first): they are :func:`storable` and have the names of the first item's.
        queue: ``queue(index, created_at, elapsed, inputs, outputs) -> bool``: hand a completed
            item (whose inputs ``takes``) to ``put`` as a :data:`PackedItem`; ``False`` (nothing
            queued) when an output might not store as is: the item is then stored the usual
            way. Raises the sink's ``lost`` error once another process took the workflow over.
        number: This packer's number on the sink its items go to.
        put: Where queued items go (``Sink.add_packer`` sets both).

    ``takes`` and ``queue`` run once per item on the run's thread, so the first ``takes`` call,
    which learns the input names, writes both as straight-line functions of those names.
    """

    def __init__(
        self, parent_run_id: str, run: Run, shapes: list[StepShape], serializer: Serializer
    ) -> None:
        self.parent_run_id = parent_run_id
        self.serializer = serializer
        self.number = 0
        self.put: Callable[[PackedItem], None] = _nowhere
        self.sink: Any = None  # has ``lost`` (an error or None); None: nothing to check
        self.shapes = shapes
        self.names = tuple(name for shape in shapes for name in shape.names)
        self.input_names: tuple[str, ...] | None = None  # of the first item packed
        self._run = run
        self._meta: str | None = None  # PackRow.meta, made by the first pack
        self.takes: Callable[[dict[str, Any]], bool] = self._first_takes
        self.queue: Callable[[int, float, float, dict[str, Any], dict[str, Any]], bool]
        self.queue = self._no_queue

    def _no_queue(self, *args: Any) -> bool:
        return False  # takes let no item in yet

    def _first_takes(self, inputs: dict[str, Any]) -> bool:
        names = self.input_names = tuple(inputs)
        checks_in = [f"    v{i} = inputs[{name!r}]\n    if {_unstorable(f'v{i}')}: return False"
                     for i, name in enumerate(names)]  # fmt: skip
        checks_out = [f"    o{i} = outputs[{name!r}]\n    if {_unstorable(f'o{i}')}: return False"
                      for i, name in enumerate(self.names)]  # fmt: skip
        if self.sink is not None:
            checks_out.append("    if sink.lost is not None: raise sink.lost")
        row = ", ".join(
            ["number", "index", "created_at", "elapsed", "created_at + elapsed"]
            + [f"inputs[{name!r}]" for name in names]
            + [f"o{i}" for i in range(len(self.names))]
        )
        source = (
            "def takes(inputs):\n    if inputs.keys() != keys: return False\n"
            + "".join(line + "\n" for line in checks_in)
            + "    return True\n"
            "def queue(index, created_at, elapsed, inputs, outputs):\n"
            + "".join(line + "\n" for line in checks_out)
            + f"    put(({row},))\n    return True\n"
        )
        namespace: dict[str, Any] = {
            "keys": set(names), "scalars": _SCALARS, "storable": storable, "put": self.put,
            "number": self.number, "sink": self.sink,
        }  # fmt: skip
        exec(compile(source, f"<hypergraph packing of {self.parent_run_id}>", "exec"), namespace)
        self.takes, self.queue = namespace["takes"], namespace["queue"]
        return self.takes(inputs)

    def pack(self, items: list[PackedItem]) -> list[PackRow]:
        """``items`` as pack rows of at most :data:`MAX_ITEMS_PER_PACK` items each."""
        input_names = self.input_names or ()
        meta = self._meta
        if meta is None:  # the same for every pack of this map, once the inputs are known
            meta = self._meta = json.dumps(
                {
                    "graph_name": self._run.graph_name,
                    "config": self._run.config,
                    "steps": self.shapes,
                    "inputs": input_names,
                }
            )
        split = 5 + len(input_names)
        rows = []
        for start in range(0, len(items), MAX_ITEMS_PER_PACK):
            chunk = items[start : start + MAX_ITEMS_PER_PACK]
            columns = list(zip(*chunk))
            indexes = columns[1]
            times = struct.pack(f"<{_TIMES * len(chunk)}d", *indexes, *columns[2], *columns[3],
                                *columns[4])  # fmt: skip
            values = self.serializer.dumps(
                {
                    "inputs": dict(zip(input_names, columns[5:split])),
                    "outputs": dict(zip(self.names, columns[split:])),
                }
            )
            rows.append(
                PackRow(self.parent_run_id, min(indexes), max(indexes), meta, times, values)
            )
        return rows


# ----------------------------------------------------------------------------------- reading
class _Pack:
    """A pack row with its meta and times decoded (values only on demand)."""

    def __init__(self, row: PackRow) -> None:
        self.row = row
        self.meta = json.loads(row.meta)
        self.shapes = [StepShape(*shape) for shape in self.meta["steps"]]
        count = len(row.times) // (8 * _TIMES)
        numbers = struct.unpack(f"<{_TIMES * count}d", row.times)
        self.indexes = [int(i) for i in numbers[:count]]
        self.created = numbers[count : 2 * count]
        self.elapsed = numbers[2 * count : 3 * count]
        self.completed = numbers[3 * count :]

    def run(self, position: int) -> Run:
        parent, meta = self.row.parent_run_id, self.meta
        return Run(
            id=f"{parent}/{self.indexes[position]}",
            status=WorkflowStatus.COMPLETED,
            graph_name=meta["graph_name"],
            duration_ms=self.elapsed[position] * 1000.0,
            node_count=len(meta["steps"]),
            error_count=0,
            parent_run_id=parent,
            config=meta["config"],
            created_at=self.created[position],
            completed_at=self.completed[position],
        )

    def item(
        self, position: int, values: dict[str, Any], serializer: Serializer
    ) -> tuple[Run, bytes, list[StepRow]]:
        """Item at ``position`` as stored one by one (``values``: the decoded columns)."""
        run = self.run(position)
        inputs = {name: column[position] for name, column in values["inputs"].items()}
        outputs = values["outputs"]
        shapes = self.shapes
        created_at, elapsed = run.created_at, self.elapsed[position]
        # As compiled_items.py stores an item: its supersteps share its wall time equally.
        share = elapsed / (shapes[-1].superstep + 1)
        rows = []
        ends = run.completed_at if run.completed_at is not None else created_at + elapsed
        for shape in shapes:
            begin = created_at + shape.superstep * share
            end = min(begin + share, ends)  # not past the item's end by a rounding
            payload = serializer.dumps({name: outputs[name][position] for name in shape.names})
            rows.append(shape.row(run.id, "completed", payload, share, None, begin, end))
        return run, serializer.dumps(inputs), rows


def packed_runs(row: PackRow) -> list[Run]:
    """The run records of every item in ``row`` (no values are decoded)."""
    pack = _Pack(row)
    return [pack.run(position) for position in range(len(pack.indexes))]


def packed_run(row: PackRow, index: int) -> Run | None:
    """The run record of item ``index`` of ``row`` (no values are decoded), or ``None`` when
    the pack does not hold it."""
    pack = _Pack(row)
    if index not in pack.indexes:
        return None
    return pack.run(pack.indexes.index(index))


def unpack_item(
    row: PackRow, serializer: Serializer, index: int
) -> tuple[Run, bytes, list[StepRow]] | None:
    """Item ``index`` of ``row`` as stored one by one: its run, inputs and step rows
    (``None`` when the pack does not hold it)."""
    pack = _Pack(row)
    if index not in pack.indexes:
        return None
    return pack.item(pack.indexes.index(index), serializer.loads(row.values), serializer)


def expand(row: PackRow, serializer: Serializer) -> list[tuple[Run, bytes, list[StepRow]]]:
    """Every item of ``row`` as stored one by one (to turn a pack into ordinary rows)."""
    pack = _Pack(row)
    values = serializer.loads(row.values)
    return [pack.item(position, values, serializer) for position in range(len(pack.indexes))]
