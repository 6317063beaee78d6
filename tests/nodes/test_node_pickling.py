"""Nodes are values: picklable (for worker processes) and safe to share.

See docs/architecture.md, "Rules of thumb".
"""

from __future__ import annotations

import pickle
import threading

from hypergraph import END, FunctionNode, Graph, ifelse, interrupt, node, route


@node(output_name="y", cache=True)
def double(x: int) -> int:
    return x * 2


@route(targets=["double", END], fallback=END)
def decide(y: int):
    return END


@ifelse("double", END)
def check(y: int) -> bool:
    return True


@interrupt(output_name="answer")
def ask(question: str) -> str | None:
    return None


def plain(x: int) -> int:
    return x + 1


def test_decorated_module_level_nodes_round_trip_through_pickle():
    for original in (double, decide, check, ask):
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is type(original)
        assert copy.func is original.func  # resolved back to the very same function
        assert (copy.name, copy.inputs, copy.outputs) == (
            original.name,
            original.inputs,
            original.outputs,
        )
        assert copy.definition_hash == original.definition_hash


def test_renamed_nodes_pickle_with_their_renames():
    renamed = double.with_inputs(x="value").with_outputs(y="twice")
    copy = pickle.loads(pickle.dumps(renamed))
    assert copy.inputs == ("value",) and copy.outputs == ("twice",)
    assert copy.map_inputs_to_params({"value": 2}) == {"x": 2}
    assert copy.func(**copy.map_inputs_to_params({"value": 2})) == 4
    assert copy._rename_history == renamed._rename_history


def test_undecorated_function_node_pickles_by_reference():
    copy = pickle.loads(pickle.dumps(FunctionNode(plain, output_name="z")))
    assert copy.func is plain and copy(1) == 2


def test_graph_node_pickles_with_its_graph():
    mapped = Graph([double], name="inner").as_node().map_over("x").with_inputs(x="xs")
    copy = pickle.loads(pickle.dumps(mapped))
    assert copy.map_config == (["xs"], "zip", "raise") and copy.inputs == ("xs",)
    assert copy.map_inputs_to_params({"xs": [1]}) == {"x": [1]}


def test_concurrent_renames_of_a_shared_node_do_not_interfere():
    results: dict[int, tuple[str, ...]] = {}

    def worker(i: int) -> None:
        for _ in range(200):
            renamed = double.with_inputs(x=f"x{i}")
            assert renamed.map_inputs_to_params({f"x{i}": 1}) == {"x": 1}
        results[i] = renamed.inputs

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: (f"x{i}",) for i in range(8)}
    assert double.inputs == ("x",) and double._rename_history == []
