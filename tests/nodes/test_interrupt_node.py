"""InterruptNode and @interrupt: construction and the auto-resolve mapping
(docs/guides/interrupts.md)."""

from __future__ import annotations

import pytest

from hypergraph import FunctionNode, InterruptNode, interrupt, node


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


def test_interrupt_decorator_builds_an_interrupt_function_node():
    assert isinstance(review, InterruptNode) and isinstance(review, FunctionNode)
    assert review.is_interrupt is True and review.name == "review"
    assert review.inputs == ("draft",) and review.outputs == ("verdict",)
    assert repr(review).startswith("InterruptNode(")
    assert review("text") is None and review.__wrapped__ is review.func


def test_output_name_is_required():
    def handler(x):
        return None

    with pytest.raises(TypeError, match="output_name"):
        InterruptNode(handler)
    with pytest.raises(TypeError, match="output_name"):
        interrupt(None)
    with pytest.raises(TypeError, match="output_name"):
        interrupt(handler)  # used bare, without output_name


def test_async_handler_is_allowed():
    @interrupt(output_name="answer")
    async def ask(question: str) -> str | None:
        return None

    assert ask.is_async and ask.is_interrupt


def test_interrupt_options_match_function_node():
    @interrupt(
        output_name=("a", "b"),
        rename_inputs={"q": "question"},
        cache=True,
        emit="asked",
        wait_for="ready",
        hide=True,
    )
    def ask(q):
        return None

    assert ask.inputs == ("question",) and ask.outputs == ("a", "b", "asked")
    assert ask.cache and ask.hide and ask.wait_for == ("ready",)
    with pytest.raises(ValueError, match="emit names overlap"):
        interrupt(output_name="a", emit="a")(lambda q: None)


def test_interrupt_from_an_existing_function_node_and_renames_stay_interrupts():
    @node(output_name="x")
    def plain(q):
        return q

    made = InterruptNode(plain, output_name="answer")
    assert made.func is plain.func and made.is_interrupt
    renamed = made.with_outputs(answer="reply").with_name("ask2")
    assert isinstance(renamed, InterruptNode) and renamed.outputs == ("reply",)


def test_handler_result_single_output():
    assert review.resolve_handler_result("ok") == {"verdict": "ok"}


def test_handler_result_several_outputs():
    @interrupt(output_name=("choice", "note"))
    def ask(q):
        return None

    assert ask.resolve_handler_result({"choice": 1, "note": "n"}) == {"choice": 1, "note": "n"}
    assert ask.resolve_handler_result("only-first") == {"choice": "only-first"}
    with pytest.raises(ValueError, match="incorrect keys"):
        ask.resolve_handler_result({"choice": 1})
