"""Interrupts under AsyncRunner: pause, resume, auto-resolve, loops, nesting
(docs/guides/interrupts.md)."""

from __future__ import annotations

import warnings

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    IncompatibleRunnerError,
    RunStatus,
    SyncRunner,
    interrupt,
    node,
    route,
)


@node(output_name="draft")
def write(topic: str) -> str:
    return f"Notes on {topic}"


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


@node(output_name="published")
def publish(draft: str, verdict: str) -> str:
    return f"{draft} [{verdict}]"


review_graph = Graph([write, review, publish])


async def test_none_pauses_with_first_input_and_response_key():
    result = await AsyncRunner().run(review_graph, topic="owls")
    assert result.status == RunStatus.PAUSED and result.paused
    assert result.pause.node_name == "review"
    assert result.pause.value == "Notes on owls"
    assert result.pause.response_key == "verdict"
    assert result.pause.output_params is None and result.pause.values is None
    assert result.values == {"draft": "Notes on owls"}  # outputs so far


async def test_pause_returns_a_result_even_under_continue_and_without_interrupt_inputs():
    @interrupt(output_name="go")
    def ask_to_start() -> str | None:
        return None

    result = await AsyncRunner().run(Graph([ask_to_start]), error_handling="continue")
    assert result.status == RunStatus.PAUSED and result.error is None
    assert result.pause.node_name == "ask_to_start" and result.pause.value is None
    assert result.values == {}


async def test_resuming_with_response_key_completes():
    paused = await AsyncRunner().run(review_graph, topic="owls")
    resumed = await AsyncRunner().run(
        review_graph, {"topic": "owls", paused.pause.response_key: "ok"}
    )
    assert resumed.completed
    assert resumed["published"] == "Notes on owls [ok]"


@pytest.mark.parametrize("error_handling", ["raise", "continue"])
async def test_pause_is_returned_never_raised(error_handling):
    result = await AsyncRunner().run(review_graph, topic="x", error_handling=error_handling)
    assert result.paused and result.error is None


async def test_value_returning_handlers_resolve_without_pausing():
    @interrupt(output_name="verdict")
    def approve(draft: str) -> str:
        return "auto"

    @interrupt(output_name="verdict")
    async def approve_async(draft: str) -> str:
        return "auto-async"

    sync_result = await AsyncRunner().run(Graph([write, approve, publish]), topic="t")
    assert sync_result["published"] == "Notes on t [auto]"
    async_graph = Graph([write, approve_async.with_name("approve"), publish])
    assert (await AsyncRunner().run(async_graph, topic="t"))["verdict"] == "auto-async"


async def test_async_handler_returning_none_pauses():
    @interrupt(output_name="verdict")
    async def ask(draft: str) -> str | None:
        return None

    result = await AsyncRunner().run(Graph([write, ask, publish]), topic="t")
    assert result.paused and result.pause.node_name == "ask"


async def test_raising_handler_gives_runtime_error_with_cause():
    @interrupt(output_name="verdict")
    def broken(draft: str) -> str:
        raise LookupError("no reviewer available")

    with pytest.raises(RuntimeError, match="no reviewer available") as info:
        await AsyncRunner().run(Graph([write, broken, publish]), topic="t")
    assert isinstance(info.value.__cause__, LookupError)
    failed = await AsyncRunner().run(
        Graph([write, broken, publish]), topic="t", error_handling="continue"
    )
    assert failed.status == RunStatus.FAILED and isinstance(failed.error, RuntimeError)
    assert failed.values == {"draft": "Notes on t"}


@interrupt(output_name=("approved", "feedback"))
def assess(draft: str, reviewer: str) -> object:
    return None


@node(output_name="outcome")
def conclude(approved: bool, feedback: str) -> str:
    return f"{approved}:{feedback}"


multi_graph = Graph([write, assess, conclude])


async def test_multi_output_interrupt_pauses_with_all_names_and_inputs():
    result = await AsyncRunner().run(multi_graph, topic="t", reviewer="ann")
    pause = result.pause
    assert pause.output_param == "approved"
    assert pause.output_params == ("approved", "feedback")
    assert pause.value == "Notes on t"
    assert pause.values == {"draft": "Notes on t", "reviewer": "ann"}
    assert pause.response_keys == {"approved": "approved", "feedback": "feedback"}
    resumed = await AsyncRunner().run(
        multi_graph, topic="t", reviewer="ann", approved=True, feedback="fine"
    )
    assert resumed["outcome"] == "True:fine"


async def test_multi_output_auto_resolve_rules():
    @interrupt(output_name=("approved", "feedback"))
    def as_dict(draft: str) -> dict:
        return {"feedback": "good", "approved": False}

    @interrupt(output_name=("approved", "feedback"))
    def wrong_keys(draft: str) -> dict:
        return {"approved": True}

    @interrupt(output_name=("approved", "feedback"))
    def scalar(draft: str) -> bool:
        return True

    result = await AsyncRunner().run(Graph([write, as_dict, conclude]), topic="t")
    assert result["outcome"] == "False:good"
    with pytest.raises(ValueError, match="incorrect keys"):
        await AsyncRunner().run(Graph([write, wrong_keys, conclude]), topic="t")
    partial = await AsyncRunner().run(Graph([write, scalar]), topic="t")
    assert partial.values == {"draft": "Notes on t", "approved": True}


def chat_graph() -> Graph:
    """A chat loop: ask (interrupt) → respond → route back to ask until three turns are done.

    The route reads ``turns``, which only ``respond`` produces, so on a resumed run the gate is
    not ready before ``ask`` has taken the supplied answer.
    """

    @interrupt(output_name="message")
    def ask(history: list) -> str | None:
        return None

    @node(output_name=("history", "turns"))
    def respond(history: list, message: str) -> tuple[list, int]:
        updated = [*history, f"user: {message}", f"bot: echo {message}"]
        return updated, len(updated) // 2

    @route(targets=["ask", END])
    def more(turns: int):
        return END if turns >= 3 else "ask"

    return Graph([ask, respond, more])


async def test_interrupt_in_a_loop_pauses_on_every_turn_and_resumes():
    graph = chat_graph()
    runner = AsyncRunner()
    result = await runner.run(graph, history=[])
    assert result.paused and result.pause.value == []
    history: list = []
    for turn, answer in enumerate(["hi", "how are you", "bye"], start=1):
        result = await runner.run(graph, {"history": history, result.pause.response_key: answer})
        if turn < 3:
            assert result.paused, turn
            assert result.pause.node_name == "ask"
            history = result["history"]
            assert result.pause.value == history and len(history) == 2 * turn
        else:
            assert result.completed
    assert result["history"][-2:] == ["user: bye", "bot: echo bye"]
    assert len(result["history"]) == 6


async def test_two_ready_interrupts_pause_one_at_a_time_in_order():
    @interrupt(output_name="a")
    def first(topic: str) -> str | None:
        return None

    @interrupt(output_name="b")
    def second(topic: str) -> str | None:
        return None

    @node(output_name="both")
    def join(a: str, b: str) -> str:
        return a + b

    graph = Graph([first, second, join])
    paused = await AsyncRunner().run(graph, topic="t")
    assert paused.pause.node_name == "first"
    paused = await AsyncRunner().run(graph, topic="t", a="1")
    assert paused.pause.node_name == "second"
    done = await AsyncRunner().run(graph, topic="t", a="1", b="2")
    assert done["both"] == "12"


@interrupt(output_name="y")
def approval(x: int) -> int | None:
    return None


@node(output_name="z")
def finish(y: int) -> int:
    return y * 10


inner_graph = Graph([approval, finish], name="inner")


async def test_nested_interrupt_pause_names_and_dotted_key():
    result = await AsyncRunner().run(Graph([inner_graph.as_node()]), x=1)
    assert result.paused
    assert result.pause.node_name == "inner/approval"
    assert result.pause.response_key == "inner.y"
    assert result.pause.value == 1


async def test_dotted_key_resumes_the_nested_interrupt():
    graph = Graph([inner_graph.as_node()])
    result = await AsyncRunner().run(graph, {"x": 1, "inner.y": 4})
    assert result.completed and result.values == {"y": 4, "z": 40}


async def test_dotted_key_two_levels_deep_resumes():
    middle = Graph([inner_graph.as_node()], name="middle")
    outer = Graph([middle.as_node()], name="outer")
    paused = await AsyncRunner().run(outer, x=2)
    assert paused.pause.node_name == "middle/inner/approval"
    assert paused.pause.response_key == "middle.inner.y"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid resume key is not an unknown name
        done = await AsyncRunner().run(outer, {"x": 2, paused.pause.response_key: 5})
    assert done.values == {"y": 5, "z": 50}


async def test_renamed_graph_node_uses_its_current_name_in_keys():
    graph = Graph([inner_graph.as_node(name="gate_keeper")])
    paused = await AsyncRunner().run(graph, x=1)
    assert paused.pause.response_key == "gate_keeper.y"
    done = await AsyncRunner().run(graph, {"x": 1, "gate_keeper.y": 3})
    assert done["z"] == 30


async def test_wrong_dotted_key_warns_naming_the_expected_key():
    graph = Graph([inner_graph.as_node()], name="outer")
    with pytest.warns(UserWarning, match=r"'inner\.y'"):
        result = await AsyncRunner().run(graph, {"x": 1, "inner.why": 4})
    assert result.paused  # the misspelt answer was not used
    with pytest.raises(ValueError, match=r"'inner\.y'"):
        await AsyncRunner().run(graph, {"x": 1, "inner.why": 4}, on_internal_override="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await AsyncRunner().run(graph, {"x": 1, "inner.why": 4}, on_internal_override="ignore")


async def test_bare_nested_output_name_points_to_the_dotted_key():
    @node(output_name="other")
    def unrelated(x: int) -> int:
        return x

    selected = Graph([inner_graph.select("z").as_node(), unrelated], name="outer")
    with pytest.warns(UserWarning, match=r"resume key 'inner\.y'"):
        result = await AsyncRunner().run(selected, {"x": 1, "y": 4})
    assert result.paused


async def test_nested_interrupt_in_outer_loop_pauses_again_later():
    @interrupt(output_name="ok")
    def confirm(n: int) -> bool | None:
        return None

    step = Graph([confirm], name="step").as_node()

    @node(output_name="n")
    def count(n: int, ok: bool) -> int:
        return n + 1

    @route(targets=["step", END])
    def loop(n: int):
        return END if n >= 3 else "step"

    graph = Graph([step, count, loop])
    first = await AsyncRunner().run(graph, n=0)
    assert first.pause.response_key == "step.ok"
    second = await AsyncRunner().run(graph, {"n": 0, "step.ok": True})
    assert second.paused and second["n"] == 1  # the answer covered the first turn only


def test_sync_runner_refuses_interrupts():
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode") as info:
        SyncRunner().run(review_graph, topic="t")
    assert info.value.capability == "supports_interrupts"
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().run(Graph([inner_graph.as_node()]), x=1)


async def test_async_map_over_an_interrupt_graph_is_refused():
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        await AsyncRunner().map(review_graph, topic=["a", "b"], map_over="topic")


def test_sync_map_over_an_interrupt_graph_is_refused():
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        SyncRunner().map(review_graph, topic=["a", "b"], map_over="topic")


async def test_nested_multi_output_interrupt_resumes_with_all_response_keys():
    inner = Graph([write, assess, conclude], name="critique")
    graph = Graph([inner.as_node()])
    paused = await AsyncRunner().run(graph, topic="t", reviewer="bo")
    keys = paused.pause.response_keys
    assert keys == {"approved": "critique.approved", "feedback": "critique.feedback"}
    answers = {keys["approved"]: False, keys["feedback"]: "redo"}
    done = await AsyncRunner().run(graph, {"topic": "t", "reviewer": "bo", **answers})
    assert done["outcome"] == "False:redo"


async def test_dotted_key_may_be_passed_as_keyword():
    graph = Graph([inner_graph.as_node()])
    done = await AsyncRunner().run(graph, x=1, **{"inner.y": 2})
    assert done["z"] == 20


async def test_chat_loop_whose_gate_reads_the_supplied_history_pauses_every_turn():
    # The gate and the consumer of the answer could both run from the supplied inputs alone;
    # the answer must still wait for the interrupt to resume, so each turn asks again.
    @interrupt(output_name="user_msg")
    def ask(history: list) -> str | None:
        return None

    @node(output_name="history")
    def respond(history: list, user_msg: str) -> list:
        return [*history, user_msg, f"reply to {user_msg}"]

    @route(targets=["ask", END])
    def keep_chatting(history: list):
        return END if len(history) >= 6 else "ask"

    graph = Graph([ask, respond, keep_chatting])
    runner = AsyncRunner()
    result = await runner.run(graph, history=[])
    asked = []
    while result.paused:
        asked.append(list(result.pause.value))
        answer = f"msg{len(asked)}"
        result = await runner.run(
            graph, {"history": result["history"], result.pause.response_key: answer}
        )
    assert asked == [
        [],
        ["msg1", "reply to msg1"],
        ["msg1", "reply to msg1", "msg2", "reply to msg2"],
    ]
    assert result.completed and result["history"][-2:] == ["msg3", "reply to msg3"]


async def test_answer_for_an_interrupt_that_cannot_run_still_reaches_its_readers():
    # The interrupt's own input is absent (it is bypassed), so the supplied answer stands in.
    @interrupt(output_name="answer")
    def ask(question: str) -> str | None:
        return None

    @node(output_name="shout")
    def use(answer: str) -> str:
        return answer.upper()

    result = await AsyncRunner().run(Graph([ask, use]), answer="yes")
    assert result.completed and result["shout"] == "YES"
