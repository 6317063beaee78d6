"""Map items stored many to a row (checkpointers/packs.py) read and resume as items stored
one by one.

Under ``"async"`` durability the completed items of a fresh map of plain functions, whose
values are plain and unchangeable, are written in packs. Every reader must still see each item
as its own run; a map reopened to resume turns its packs into ordinary rows first.
"""

from __future__ import annotations

import sqlite3

import pytest

from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node
from hypergraph.checkpointers import WorkflowStatus
from hypergraph.checkpointers.packs import MAX_ITEMS_PER_PACK
from hypergraph.checkpointers.sqlite import SCHEMA_VERSION
from hypergraph.events import EventProcessor


def counting_graph(calls: list[int], fail_on: set[int]) -> Graph:
    @node(output_name="cleaned")
    def clean(text: str) -> str:
        return text.strip().lower()

    @node(output_name=("words", "first"))
    def count(cleaned: str) -> tuple[int, str]:
        number = int(cleaned.split()[-1])
        calls.append(number)
        if number in fail_on:
            raise ValueError(f"bad item {number}")
        return len(cleaned.split()), cleaned.split()[0]

    return Graph([clean, count], name="words")


def texts(count: int) -> list[str]:
    return [f"  Hello World {i} " for i in range(count)]


def packed_item_count(checkpointer, map_id: str) -> int:
    """How many items of ``map_id`` are stored in packs (read from the store's own rows)."""
    from hypergraph.checkpointers.packs import packed_runs

    return sum(len(packed_runs(pack)) for pack in checkpointer._load_packs(map_id, None))


def test_packed_items_read_back_as_the_runs_the_run_loop_stores(make_checkpointer) -> None:
    """The map's items are packed (all but the first, which taught their shape), and every
    reader sees each as its own run: runs, steps, state, inputs and the map's children."""
    packed = make_checkpointer(durability="async")
    observed = make_checkpointer(durability="async")
    items = texts(20)
    fast = SyncRunner(checkpointer=packed).map(
        counting_graph([], set()), text=items, map_over="text", workflow_id="p"
    )
    slow = SyncRunner(checkpointer=observed).map(
        counting_graph([], set()), text=items, map_over="text", workflow_id="o",
        event_processors=[EventProcessor()],
    )  # fmt: skip
    assert [r["words"] for r in fast] == [r["words"] for r in slow] == [3] * 20
    assert packed_item_count(packed, "p") == 19
    assert packed_item_count(observed, "o") == 0

    children = packed._read_children("p")
    assert sorted(run.id for run in children) == sorted(f"p/{i}" for i in range(20))
    for i in (1, 7, 19):
        mine, theirs = packed.get_run(f"p/{i}"), observed.get_run(f"o/{i}")
        assert mine.status is WorkflowStatus.COMPLETED
        assert (mine.node_count, mine.error_count, mine.config, mine.graph_name) == (
            theirs.node_count, theirs.error_count, theirs.config, theirs.graph_name,
        )  # fmt: skip
        assert mine.parent_run_id == "p" and mine.created_at <= mine.completed_at
        assert packed.inputs(f"p/{i}") == observed.inputs(f"o/{i}") == {"text": items[i]}
        assert packed.state(f"p/{i}") == observed.state(f"o/{i}")
        assert packed.state(f"p/{i}")["first"] == "hello"
        assert [(s.node_name, s.superstep, s.values) for s in packed.steps(f"p/{i}")] == [
            (s.node_name, s.superstep, s.values) for s in observed.steps(f"o/{i}")
        ]
        assert packed.steps(f"p/{i}", superstep=0)[0].node_name == "clean"
    assert packed.get_run("p/20") is None and packed.steps("p/20") == []
    assert packed.checkpoint("p/3").values["words"] == 3


def test_resuming_a_packed_map_restores_its_items_and_runs_only_the_failed(
    make_checkpointer,
) -> None:
    checkpointer = make_checkpointer(durability="async")
    calls: list[int] = []
    fail_on = {4, 9}
    graph = counting_graph(calls, fail_on)
    first = SyncRunner(checkpointer=checkpointer).map(
        graph, text=texts(12), map_over="text", workflow_id="m", error_handling="continue"
    )
    assert [r.status.value for r in first].count("failed") == 2
    assert packed_item_count(checkpointer, "m") == 9  # completed ones after the first
    assert checkpointer.get_run("m").status is WorkflowStatus.PARTIAL

    fail_on.clear()
    calls.clear()
    again = SyncRunner(checkpointer=checkpointer).map(
        graph, text=texts(12), map_over="text", workflow_id="m", error_handling="continue"
    )
    assert sorted(calls) == [4, 9]  # nothing that completed ran again
    assert [r.restored for r in again] == [i not in (4, 9) for i in range(12)]
    assert [r["words"] for r in again] == [3] * 12
    assert checkpointer.get_run("m").status is WorkflowStatus.COMPLETED
    assert packed_item_count(checkpointer, "m") == 0  # turned into ordinary rows to resume
    assert checkpointer.get_run("m/5").status is WorkflowStatus.COMPLETED
    assert checkpointer.state("m/5")["words"] == 3


def test_items_whose_values_can_change_are_stored_one_by_one(make_checkpointer) -> None:
    @node(output_name="letters")
    def letters(text: str) -> list[str]:
        return list(text)

    @node(output_name="size")
    def size(letters: list[str]) -> int:
        return len(letters)

    checkpointer = make_checkpointer(durability="async")
    results = SyncRunner(checkpointer=checkpointer).map(
        Graph([letters, size]), text=["ab", "cde", "f"], map_over="text", workflow_id="l"
    )
    results[1]["letters"].append("changed after the item ended")
    assert packed_item_count(checkpointer, "l") == 0
    assert checkpointer.state("l/1")["letters"] == ["c", "d", "e"]
    assert [checkpointer.state(f"l/{i}")["size"] for i in range(3)] == [2, 3, 1]


def test_a_map_mixing_plain_and_changeable_inputs_stores_every_item(make_checkpointer) -> None:
    """A map with a list among its mapped values stores every item one by one; a node that
    changes its list input in place does not change what was stored as the item's input."""

    @node(output_name="total")
    def total(x: int | list[int] | tuple[int, ...]) -> int:
        if isinstance(x, list):
            x.append(100)  # changes the caller's list after the item started
        return x if isinstance(x, int) else sum(x)

    checkpointer = make_checkpointer(durability="async")
    inputs: list[int | list[int] | tuple[int, ...]] = [1, 2, [3, 4], 5, (6, 7), [8]]
    results = SyncRunner(checkpointer=checkpointer).map(
        Graph([total]), x=inputs, map_over="x", workflow_id="mix"
    )
    assert [r["total"] for r in results] == [1, 2, 107, 5, 13, 108]
    assert packed_item_count(checkpointer, "mix") == 0
    assert checkpointer.inputs("mix/2") == {"x": [3, 4]}  # as it was when the item started
    assert checkpointer.inputs("mix/5") == {"x": [8]}
    assert [checkpointer.inputs(f"mix/{i}")["x"] for i in (0, 1, 3)] == [1, 2, 5]
    assert checkpointer.inputs("mix/4")["x"] in ([6, 7], (6, 7))  # JSON keeps no tuples
    assert [checkpointer.state(f"mix/{i}")["total"] for i in range(6)] == [1, 2, 107, 5, 13, 108]


@pytest.mark.parametrize(
    ("values", "packs"),
    [
        ({"x": [1, 2, 3], "y": ("a", (1, None))}, True),
        ({"x": (1.5, "b", (2, 3)), "y": None}, True),
        ({"x": [1, [2], 3], "y": "a"}, False),  # a list among the mapped values
        ({"x": [1, 2, 3], "y": [1]}, False),  # a list given to every item
        ({"x": {1, 2, 3}, "y": "a"}, False),  # a set: not picked by index once stored
    ],
)
def test_a_map_packs_only_when_all_its_inputs_are_plain(make_checkpointer, values, packs) -> None:
    @node(output_name="out")
    def pair(x: object, y: object) -> str:
        return f"{x}-{y}"

    checkpointer = make_checkpointer(durability="async")
    results = SyncRunner(checkpointer=checkpointer).map(
        Graph([pair]), values=values, map_over="x", workflow_id="m"
    )
    assert packed_item_count(checkpointer, "m") == (2 if packs else 0)
    for i, x in enumerate(values["x"]):
        assert results[i]["out"] == f"{x}-{values['y']}"
        stored = checkpointer.inputs(f"m/{i}")
        assert list(stored) == ["y", "x"]  # the order the map gives them
        assert stored == checkpointer.serializer.loads(
            checkpointer.serializer.dumps({"y": values["y"], "x": x})
        )


def test_product_map_items_read_back_their_own_inputs(make_checkpointer) -> None:
    @node(output_name="out")
    def join(a: int, b: str, c: float, k: str) -> str:
        return f"{a}{b}{c}{k}"

    checkpointer = make_checkpointer(durability="async")
    values = {"a": [1, 2, 3], "k": "!", "b": ["x", "y"], "c": [0.5, 1.5]}
    results = SyncRunner(checkpointer=checkpointer).map(
        Graph([join]), values=values, map_over=["a", "b", "c"], map_mode="product",
        workflow_id="p",
    )  # fmt: skip
    assert packed_item_count(checkpointer, "p") == 11
    observed = make_checkpointer(durability="async")
    SyncRunner(checkpointer=observed).map(
        Graph([join]), values=values, map_over=["a", "b", "c"], map_mode="product",
        workflow_id="o", event_processors=[EventProcessor()],
    )  # fmt: skip
    assert packed_item_count(observed, "o") == 0
    for i, result in enumerate(results):
        assert checkpointer.inputs(f"p/{i}") == observed.inputs(f"o/{i}")
        assert list(checkpointer.inputs(f"p/{i}")) == list(observed.inputs(f"o/{i}"))
        assert checkpointer._read_inputs(f"p/{i}") == observed._read_inputs(f"o/{i}")
        assert checkpointer.state(f"p/{i}")["out"] == result["out"]


def test_a_large_map_is_split_into_packs_of_bounded_size(make_checkpointer) -> None:
    checkpointer = make_checkpointer(durability="async")
    count = MAX_ITEMS_PER_PACK + 500
    graph = counting_graph([], set())
    SyncRunner(checkpointer=checkpointer).map(
        graph, text=texts(count), map_over="text", workflow_id="big"
    )
    packs = checkpointer._load_packs("big", None)
    assert packed_item_count(checkpointer, "big") == count - 1
    assert len(packs) >= 2
    assert all(pack.last_index - pack.first_index < count for pack in packs)
    last = count - 1
    assert checkpointer.state(f"big/{last}")["cleaned"] == f"hello world {last}"
    assert len(checkpointer._read_children("big")) == count


def test_a_sqlite_file_of_schema_2_gets_the_pack_table(tmp_path) -> None:
    path = tmp_path / "runs.db"
    fresh = SqliteCheckpointer(path, durability="sync")
    assert fresh.row_counts()["item_packs"] == 0  # opened: the tables exist
    fresh.close()
    with sqlite3.connect(path) as conn:  # as the previous release left the file
        conn.execute("DROP TABLE item_packs")
        conn.execute("UPDATE hypergraph_meta SET value = '2' WHERE key = 'schema_version'")
    checkpointer = SqliteCheckpointer(path, durability="async")
    SyncRunner(checkpointer=checkpointer).map(
        counting_graph([], set()), text=texts(5), map_over="text", workflow_id="m"
    )
    assert packed_item_count(checkpointer, "m") == 4
    assert checkpointer.state("m/4")["words"] == 3
    checkpointer.close()
    with sqlite3.connect(path) as conn:
        (version,) = conn.execute(
            "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
        ).fetchone()
    assert version == str(SCHEMA_VERSION)


@pytest.mark.parametrize("durability", ["sync", "exit"])
def test_only_async_durability_packs_items(make_checkpointer, durability: str) -> None:
    checkpointer = make_checkpointer(
        durability=durability, **({"retention": "latest"} if durability == "exit" else {})
    )
    SyncRunner(checkpointer=checkpointer).map(
        counting_graph([], set()), text=texts(4), map_over="text", workflow_id="m"
    )
    assert packed_item_count(checkpointer, "m") == 0
    assert checkpointer.state("m/3")["words"] == 3


def test_packs_under_the_pickle_serializer_keep_tuples(tmp_path) -> None:
    from hypergraph.checkpointers import PickleSerializer

    @node(output_name="pair")
    def pair(x: int) -> tuple[int, str]:
        return x, str(x)

    checkpointer = SqliteCheckpointer(
        tmp_path / "runs.db", durability="async", serializer=PickleSerializer(allow_pickle=True)
    )
    SyncRunner(checkpointer=checkpointer).map(
        Graph([pair]), x=[1, 2, 3], map_over="x", workflow_id="p"
    )
    assert packed_item_count(checkpointer, "p") == 2
    assert [checkpointer.state(f"p/{i}")["pair"] for i in range(3)] == [
        (1, "1"), (2, "2"), (3, "3"),
    ]  # fmt: skip
    checkpointer.close()


def test_an_item_that_cannot_be_packed_loses_only_its_own_record(make_checkpointer) -> None:
    """An int too long for JSON passes the plain-value check but not the serializer: only that
    item's record is lost, the result says so, the map is not marked completed, and running it
    again runs only that item."""
    calls: list[int] = []
    huge = {"on": True}

    @node(output_name="value")
    def grow(x: int) -> int:
        calls.append(x)
        return 10**5000 if x == 2 and huge["on"] else x * 10

    checkpointer = make_checkpointer(durability="async")
    graph = Graph([grow])
    results = SyncRunner(checkpointer=checkpointer).map(
        graph, x=[0, 1, 2, 3, 4], map_over="x", workflow_id="m"
    )
    assert [r.status.value for r in results] == ["completed"] * 5
    assert results[0].checkpoint_ok is False
    (error,) = results[0].checkpoint_errors
    assert "Map item m/2 completed but was not stored" in str(error)
    assert checkpointer.get_run("m/2") is None
    assert checkpointer.get_run("m").status is WorkflowStatus.PARTIAL
    assert [checkpointer.state(f"m/{i}")["value"] for i in (0, 1, 3, 4)] == [0, 10, 30, 40]
    huge["on"] = False
    calls.clear()
    again = SyncRunner(checkpointer=checkpointer).map(
        graph, x=[0, 1, 2, 3, 4], map_over="x", workflow_id="m"
    )
    assert calls == [2]
    assert [r.restored for r in again] == [True, True, False, True, True]
    assert checkpointer.get_run("m").status is WorkflowStatus.COMPLETED
