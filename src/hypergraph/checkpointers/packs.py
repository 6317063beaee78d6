"""Finished map items stored many to a row (a *pack*), and read back as if stored one by one.

A durable map records item ``i`` as the child run ``"<map>/<i>"`` with one step row per node.
For a map of many small items those rows cost far more than running the items: a SQLite
insert is a few microseconds, a compiled item of trivial nodes about as much. But the items
of a fresh map of a plain DAG repeat one shape (runners/durable/compiled_items.py): the same
steps with the same supersteps, positions and versions; only the values and the times differ.
And an item's inputs are the map's own (stored when the map started), picked by its index.
So under ``"async"`` durability the background writer stores the items it drains together as
one :class:`~hypergraph.checkpointers.base.PackRow`: the shape and the map's mapping once
(``meta``), each item's index and times as an array of numbers (``times``), and the outputs
column by column, one list per output name, serialized in one call (``values``).

Nothing else sees a pack. The shared readers of ``Checkpointer`` (``_read_run``,
``_read_inputs``, ``_read_steps``, ``_read_children``) unpack the item asked for into exactly
the :class:`~hypergraph.checkpointers.records.Run` and
:class:`~hypergraph.checkpointers.base.StepRow` rows the item would have been stored as
(tests/checkpointers/test_compiled_map_items.py compares them), its inputs rebuilt from the
map's (:func:`item_inputs`); a map reopened to resume first turns its packs into ordinary rows
(:func:`expand`), so resuming, retrying and pruning only ever meet ordinary rows.

Only plain values that cannot change are packed (:func:`storable`): str, int, float, bool, None
and tuples of them, under :class:`JsonSerializer` or :class:`PickleSerializer`, which store such
values as they are. A map packs only when all its inputs are such values (:func:`packs_inputs`,
checked once per map), so rebuilding an item's inputs from the map's gives what the item was
called with; an item packs only when its outputs are such values too, checked as it ends, so
their serialization can wait for the writer thread: nothing can make it fail, and nothing (a
caller editing a result) can change them meanwhile. Any other item is stored the usual way,
serialized as it ends, so a value that cannot be stored still fails its item, naming the node
and the output.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

from hypergraph.checkpointers.base import PackRow, StepRow
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.checkpointers.serializers import JsonSerializer, PickleSerializer, Serializer

__all__ = [
    "MAX_ITEMS_PER_PACK",
    "SCALARS",
    "ItemPacker",
    "ItemMapping",
    "StepShape",
    "expand",
    "item_inputs",
    "packable",
    "packed_mapping",
    "packed_run",
    "packed_runs",
    "packs_inputs",
    "storable",
    "unpack_item",
]

MAX_ITEMS_PER_PACK = 2048
"""The most items one pack holds (reading one item decodes its whole pack)."""

SCALARS = frozenset({str, int, float, bool, type(None)})
"""The types of the plain values that are stored as they are (with tuples of them)."""
_TIMES = 3  # numbers per item in PackRow.times: index, created_at, elapsed


class ItemMapping(NamedTuple):
    """How a map's items take its inputs: ``map_over`` names and ``map_mode``."""

    names: tuple[str, ...]
    mode: str  # "zip" or "product"


def packable(serializer: Serializer) -> bool:
    """Whether items may be packed under ``serializer`` (one of ours: :func:`storable` holds)."""
    return type(serializer) in (JsonSerializer, PickleSerializer)


def storable(value: Any) -> bool:
    """Whether ``value`` is plain, unchangeable data that every packable serializer stores:
    str, int, float, bool, None, or a tuple of such values."""
    kind = type(value)
    if kind in SCALARS:
        return True
    return kind is tuple and all(storable(item) for item in value)


def packs_inputs(values: Mapping[str, Any], mapping: ItemMapping) -> bool:
    """Whether the items of a map of ``values`` may be packed as far as their inputs tell: every
    mapped value is a list or tuple of :func:`storable` values, every other value storable."""
    for name, value in values.items():
        if name not in mapping.names:
            if not storable(value):
                return False
            continue
        if type(value) not in (list, tuple):  # a set, a range: not picked by index as stored
            return False
        if not set(map(type, value)) <= SCALARS and not all(map(storable, value)):
            return False
    return True


def item_inputs(values: Mapping[str, Any], mapping: ItemMapping, index: int) -> dict[str, Any]:
    """The inputs of item ``index`` of a map of ``values``, in the order the map gives them
    (runners/map_plan.py): the other values, then the mapped ones; ``"product"`` varies the
    last mapped name fastest."""
    names = mapping.names
    inputs = {name: value for name, value in values.items() if name not in names}
    if mapping.mode == "zip" or len(names) == 1:
        for name in names:
            inputs[name] = values[name][index]
        return inputs
    picked = {}
    for name in reversed(names):
        index, at = divmod(index, len(values[name]))
        picked[name] = values[name][at]
    for name in names:
        inputs[name] = picked[name]
    return inputs


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
        mapping: How the items take the map's inputs (:func:`packs_inputs` holds for them).

    Attributes:
        items: The queued items, flat: each item's index, ``created_at``, elapsed seconds and
            outputs (in :attr:`names` order), :attr:`width` values per item. The run's thread
            appends a completed item with one ``extend`` (of a tuple it drops at once, so the
            garbage collector never sees it survive; runners/durable/compiled_items.py); the
            writer takes from the front (:meth:`take`).
        sink: The sink the items go to (``Sink.add_packer`` sets it): its ``lost`` error, once
            another process took the workflow over, stops the run's thread queueing.
    """

    def __init__(
        self,
        parent_run_id: str,
        run: Run,
        shapes: list[StepShape],
        serializer: Serializer,
        mapping: ItemMapping,
    ) -> None:
        self.parent_run_id = parent_run_id
        self.serializer = serializer
        self.sink: Any = None
        self.shapes = shapes
        self.names = tuple(name for shape in shapes for name in shape.names)
        self.width = _TIMES + len(self.names)
        self.items: list[Any] = []
        self.taken = 0  # items taken so far
        self._meta = json.dumps(
            {
                "graph_name": run.graph_name,
                "config": run.config,
                "steps": shapes,
                "mapped": mapping.names,
                "mode": mapping.mode,
            }
        )

    def take(self) -> list[Any]:
        """Remove and return the items queued so far (flat, see :attr:`items`).

        Safe while the run's thread queues more: it only ever appends, in one step, after the
        part taken."""
        items = self.items
        count = len(items)
        taken = items[:count]
        del items[:count]
        self.taken += count // self.width
        return taken

    @property
    def queued(self) -> int:
        """How many items were queued so far (taken or not)."""
        return self.taken + len(self.items) // self.width

    def pack(self, items: list[Any]) -> list[PackRow]:
        """``items`` (flat, as :meth:`take` gives them) as pack rows of at most
        :data:`MAX_ITEMS_PER_PACK` items each."""
        width, rows = self.width, []
        step = MAX_ITEMS_PER_PACK * width
        for start in range(0, len(items), step):
            chunk = items[start : start + step]
            indexes = chunk[0::width]
            times = struct.pack(
                f"<{_TIMES * len(indexes)}d", *indexes, *chunk[1::width], *chunk[2::width]
            )
            columns = {name: chunk[_TIMES + i :: width] for i, name in enumerate(self.names)}
            values = self.serializer.dumps(columns)
            rows.append(
                PackRow(self.parent_run_id, min(indexes), max(indexes), self._meta, times, values)
            )
        return rows

    def pack_each(self, items: list[Any]) -> tuple[list[PackRow], list[tuple[int, Exception]]]:
        """``items`` packed one by one (a pack of them was refused): the rows of those that
        could be, and the index and error of each that could not."""
        rows: list[PackRow] = []
        refused: list[tuple[int, Exception]] = []
        width = self.width
        for start in range(0, len(items), width):
            try:
                rows.extend(self.pack(items[start : start + width]))
            except Exception as exc:
                refused.append((items[start], exc))
        return rows, refused


# ----------------------------------------------------------------------------------- reading
class _Pack:
    """A pack row with its meta and times decoded (values only on demand)."""

    def __init__(self, row: PackRow) -> None:
        self.row = row
        self.meta = json.loads(row.meta)
        self.mapping = ItemMapping(tuple(self.meta["mapped"]), self.meta["mode"])
        self.shapes = [StepShape(*shape) for shape in self.meta["steps"]]
        count = len(row.times) // (8 * _TIMES)
        numbers = struct.unpack(f"<{_TIMES * count}d", row.times)
        self.indexes = [int(i) for i in numbers[:count]]
        self.created = numbers[count : 2 * count]
        self.elapsed = numbers[2 * count :]

    def position(self, index: int) -> int | None:
        """Where item ``index`` is in this pack, or ``None`` when the pack does not hold it."""
        return self.indexes.index(index) if index in self.indexes else None

    def run(self, position: int) -> Run:
        parent, meta = self.row.parent_run_id, self.meta
        created, elapsed = self.created[position], self.elapsed[position]
        return Run(
            id=f"{parent}/{self.indexes[position]}",
            status=WorkflowStatus.COMPLETED,
            graph_name=meta["graph_name"],
            duration_ms=elapsed * 1000.0,
            node_count=len(meta["steps"]),
            error_count=0,
            parent_run_id=parent,
            config=meta["config"],
            created_at=created,
            completed_at=created + elapsed,  # as the run's thread computed it
        )

    def item(
        self, position: int, outputs: dict[str, Any], serializer: Serializer
    ) -> tuple[Run, list[StepRow]]:
        """Item at ``position`` as stored one by one (``outputs``: the decoded columns)."""
        run = self.run(position)
        shapes = self.shapes
        created_at, elapsed = run.created_at, self.elapsed[position]
        # As compiled_items.py stores an item: its supersteps share its wall time equally.
        share = elapsed / (shapes[-1].superstep + 1)
        rows = []
        ends = created_at + elapsed  # the item's completed_at
        for shape in shapes:
            begin = created_at + shape.superstep * share
            end = min(begin + share, ends)  # not past the item's end by a rounding
            payload = serializer.dumps({name: outputs[name][position] for name in shape.names})
            rows.append(shape.row(run.id, "completed", payload, share, None, begin, end))
        return run, rows


def packed_runs(row: PackRow) -> list[Run]:
    """The run records of every item in ``row`` (no values are decoded)."""
    pack = _Pack(row)
    return [pack.run(position) for position in range(len(pack.indexes))]


def packed_run(row: PackRow, index: int) -> Run | None:
    """The run record of item ``index`` of ``row`` (no values are decoded), or ``None`` when
    the pack does not hold it."""
    pack = _Pack(row)
    position = pack.position(index)
    return None if position is None else pack.run(position)


def unpack_item(
    row: PackRow, serializer: Serializer, index: int
) -> tuple[Run, list[StepRow]] | None:
    """Item ``index`` of ``row`` as stored one by one: its run and step rows (``None`` when the
    pack does not hold it)."""
    pack = _Pack(row)
    position = pack.position(index)
    if position is None:
        return None
    return pack.item(position, serializer.loads(row.values), serializer)


def packed_mapping(row: PackRow, index: int) -> ItemMapping | None:
    """How the items of ``row`` take their map's inputs (:func:`item_inputs`), or ``None`` when
    the pack does not hold item ``index``."""
    pack = _Pack(row)
    return None if pack.position(index) is None else pack.mapping


def expand(
    row: PackRow, serializer: Serializer, map_inputs: Mapping[str, Any]
) -> list[tuple[Run, bytes, list[StepRow]]]:
    """Every item of ``row`` as stored one by one: its run, serialized inputs and step rows
    (to turn a pack into ordinary rows); ``map_inputs`` are the map's decoded inputs."""
    pack = _Pack(row)
    outputs = serializer.loads(row.values)
    items = []
    for position, index in enumerate(pack.indexes):
        run, rows = pack.item(position, outputs, serializer)
        inputs = serializer.dumps(item_inputs(map_inputs, pack.mapping, index))
        items.append((run, inputs, rows))
    return items
