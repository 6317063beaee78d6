"""A gate-controlled node is not re-triggered by its own output alone: it waits for its gate.

The node reads a name it also writes (the tool of an agent loop appending to ``messages``).
After it runs, it may run again when a controlling gate confirms its decision for the new turn
(decides again, or a node feeding the gate ran and left its inputs unchanged), or when another
node changes one of its inputs; never on its own write alone under the gate's old decision.
"""

from __future__ import annotations

from typing import Any

from hypergraph import END, Graph, SyncRunner, node, route
from hypergraph.engine import RunState, Scheduler, brute_force_ready, compile_plan
from hypergraph.runners.loop.call import RunContext, finish_call, prepare_call


@node(output_name="count")
def increment(count: int) -> int:
    return count + 1


def test_node_routed_once_by_a_gate_that_never_decides_again_runs_once():
    @route(targets=["increment", END])
    def enabled(mode: str) -> Any:
        return "increment" if mode == "on" else END

    result = SyncRunner().run(Graph([increment, enabled]), count=0, mode="on")
    assert result.status == "completed" and result["count"] == 1


def test_gate_deciding_again_on_the_nodes_output_still_drives_a_counter_loop():
    @route(targets=["increment", END])
    def below_three(count: int) -> Any:
        return "increment" if count < 3 else END

    result = SyncRunner().run(Graph([increment, below_three]), count=0)
    assert result["count"] == 3


def _polling_graph(statuses: list[str]) -> tuple[Graph, list[int]]:
    """A model that asks for the same status check until a check says 'done'."""
    checks: list[int] = []

    @node(output_name="response")
    def model(log: list[str]) -> dict[str, Any]:
        if log and log[-1] == "done":
            return {"answer": f"done after {len(log)} checks"}
        return {"tool": "check_status"}  # the same request every time

    @route(targets=["check_status", END])
    def wants_tool(response: dict[str, Any]) -> Any:
        return "check_status" if "tool" in response else END

    @node(output_name="log")
    def check_status(log: list[str], response: dict[str, Any]) -> list[str]:
        checks.append(len(log))
        return [*log, statuses[len(log)]]

    return Graph([model, wants_tool, check_status]), checks


def test_identical_repeated_request_confirms_the_standing_decision_and_the_tool_runs_again():
    # The model's new response equals the previous one, so the route does not decide again;
    # the model (which feeds the route) ran after the tool, so the decision holds for this turn.
    graph, checks = _polling_graph(["pending", "pending", "done"])
    result = SyncRunner().run(graph, log=[])
    assert result["response"] == {"answer": "done after 3 checks"}
    assert checks == [0, 1, 2]


def test_tool_is_held_back_while_a_node_feeding_its_gate_is_still_running():
    # model -> raw -> parse -> response -> route: after the model ran, the tool must wait for
    # parse (which may change the route's decision), not run on the previous response.
    @node(output_name="raw")
    def model(messages: list[str]) -> str:
        done = [m for m in messages if m.startswith("result")]
        return f"call {len(done) + 1}" if len(done) < 2 else f"answer {done}"

    @node(output_name="response")
    def parse(raw: str) -> str:
        return raw.upper()

    @route(targets=["tool", END])
    def needs_tool(response: str) -> Any:
        return "tool" if response.startswith("CALL") else END

    @node(output_name="messages")
    def tool(messages: list[str], response: str) -> list[str]:
        return [*messages, response, f"result {response.split()[1]}"]

    result = SyncRunner().run(Graph([model, parse, needs_tool, tool]), messages=["hi"])
    assert result["response"] == "ANSWER ['RESULT 1', 'RESULT 2']"


def test_another_writer_changing_the_name_re_triggers_the_node_without_a_new_decision():
    # 'step' (routed once) writes x and y; 'echo' turns y into a new x, which 'step' must see.
    # 'step' then writes x=14 itself with an unchanged y: that alone does not re-trigger it.
    @route(targets=["step", END])
    def enabled(mode: str) -> Any:
        return "step" if mode == "on" else END

    @node(output_name=("x", "y"))
    def step(x: int) -> tuple[int, int]:
        return x * 2, x * 2

    @node(output_name="x")
    def echo(y: int) -> int:
        return min(y + 1, 7)

    graph = Graph([step, enabled, echo])
    result = SyncRunner().run(graph, x=1, mode="on")
    # x: 1 -step-> 2 -echo-> 3 -step-> 6 -echo-> 7 -step-> 14 -echo-> 7 -step-> 14 (y unchanged)
    assert result["x"] == 14 and result["y"] == 14


def test_incremental_ready_sets_match_the_oracle_through_an_agent_loop():
    graph, _ = _polling_graph(["pending", "done"])
    plan = compile_plan(graph)
    state = RunState(len(plan.nodes), {"log": []})
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    ran: list[list[str]] = []
    for _ in range(20):
        expected = brute_force_ready(plan, state)
        ready = scheduler.next_ready()
        assert ready == expected
        if not ready:
            break
        calls = [prepare_call(plan.nodes[i], state, ctx) for i in ready]
        for call in calls:
            finish_call(call, call.func(*call.args, **call.kwargs))
        scheduler.apply(calls)
        ran.append([plan.nodes[i].name for i in ready])
    assert ran == [
        ["model"],
        ["wants_tool"],
        ["check_status"],
        ["model"],
        ["check_status"],  # same request: the standing decision holds
        ["model"],
        ["wants_tool"],  # the answer: the route decides END
    ]
