"""Broadcast values in ``SyncRunner.map``: shared by default, deep-copied per item on request."""

from __future__ import annotations

from hypergraph import Graph, SyncRunner, node


def make_graph(seen: list[tuple[int, int]]) -> Graph:
    """Appends the item to ``notes`` and records the ids of ``notes`` and ``config`` it saw."""

    @node(output_name="size")
    def remember(item: str, notes: list, config: dict) -> int:
        notes.append(item)
        seen.append((id(notes), id(config)))
        return len(notes)

    return Graph([remember])


def test_without_clone_every_item_shares_the_same_broadcast_objects():
    seen: list[tuple[int, int]] = []
    notes: list = []
    config = {"k": 1}
    results = SyncRunner().map(
        make_graph(seen), item=["a", "b", "c"], notes=notes, config=config, map_over="item"
    )
    assert seen == [(id(notes), id(config))] * 3
    assert notes == ["a", "b", "c"]
    assert [r["size"] for r in results] == [1, 2, 3]  # each item saw the previous appends


def test_clone_true_gives_every_item_its_own_copy_of_every_broadcast_value():
    seen: list[tuple[int, int]] = []
    notes = ["start"]
    config = {"k": [1]}
    results = SyncRunner().map(
        make_graph(seen),
        item=["a", "b", "c"],
        notes=notes,
        config=config,
        map_over="item",
        clone=True,
    )
    note_ids = {n for n, _ in seen}
    config_ids = {c for _, c in seen}
    assert len(note_ids) == 3 and id(notes) not in note_ids
    assert len(config_ids) == 3 and id(config) not in config_ids
    assert notes == ["start"]  # the caller's object is never touched
    assert [r["size"] for r in results] == [2, 2, 2]  # each copy started from the original


def test_clone_list_copies_only_the_named_values():
    seen: list[tuple[int, int]] = []
    notes: list = []
    config = {"k": 1}
    SyncRunner().map(
        make_graph(seen),
        item=["a", "b"],
        notes=notes,
        config=config,
        map_over="item",
        clone=["notes"],
    )
    assert notes == []
    assert {n for n, _ in seen}.isdisjoint({id(notes)}) and len({n for n, _ in seen}) == 2
    assert [c for _, c in seen] == [id(config), id(config)]


def test_mapped_elements_are_passed_as_is_never_copied():
    received: list[int] = []

    @node(output_name="out")
    def keep(item: list) -> int:
        received.append(id(item))
        return len(item)

    first, second = [1], [2, 3]
    SyncRunner().map(Graph([keep]), item=[first, second], map_over="item", clone=True)
    assert received == [id(first), id(second)]


def test_bound_values_are_shared_and_never_cloned():
    shared: list = []
    seen: list[int] = []

    @node(output_name="n")
    def use(item: int, bucket: list) -> int:
        seen.append(id(bucket))
        return item

    graph = Graph([use]).bind(bucket=shared)
    SyncRunner().map(graph, item=[1, 2], map_over="item", clone=True)
    assert seen == [id(shared), id(shared)]
