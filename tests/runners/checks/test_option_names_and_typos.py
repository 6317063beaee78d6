"""Mistakes a first-time user makes when passing values: option names, map_over, typos."""

from __future__ import annotations

import warnings

import pytest

from hypergraph import (
    AsyncRunner,
    Graph,
    GraphConfigError,
    MissingInputError,
    SyncRunner,
    interrupt,
    node,
)


@node(output_name="out")
def repeat(select: str, times: int) -> str:
    return select * times


picker = Graph([repeat], name="picker")


def test_input_named_like_an_option_given_as_keyword_says_to_use_the_values_dict():
    # select="out" is a valid runner option (an output name), so the input stays missing.
    with pytest.raises(MissingInputError) as info:
        SyncRunner().run(picker, times=2, select="out")
    message = str(info.value)
    assert "'select' is also the name of a runner option" in message
    assert "values={'select': ...}" in message


def test_invalid_option_value_meant_as_an_input_names_the_clash():
    with pytest.raises(TypeError, match="also the name of a runner option"):
        SyncRunner().run(picker, times=2, select=3)
    with pytest.raises(GraphConfigError, match=r"values=\{'select': \.\.\.\}"):
        SyncRunner().run(picker, times=2, select="ab")


def test_input_named_like_an_option_runs_when_passed_in_the_values_dict():
    assert SyncRunner().run(picker, {"select": "ab"}, times=2)["out"] == "abab"


def test_map_over_given_to_run_points_to_map():
    @node(output_name="doubled")
    def double(x: int) -> int:
        return x * 2

    with pytest.raises(ValueError, match=r"map_over= is an option of map\(\), not of run\(\)"):
        SyncRunner().run(Graph([double]), x=[1, 2], map_over="x")


@node(output_name="text_out")
def normalise(text: str, lower: bool = False) -> str:
    return text.lower() if lower else text


def test_misspelt_optional_input_warning_leads_with_the_name_and_its_close_match():
    with pytest.warns(UserWarning) as caught:
        result = SyncRunner().run(Graph([normalise]), text="ABC", lowr=True)
    message = str(caught[0].message)
    assert message.startswith("Unknown input 'lowr' (did you mean 'lower'?)")
    assert "internal parameters" in message  # the policy's name stays in the text
    assert result["text_out"] == "ABC"  # compatible default: the run goes on with the default


def test_on_internal_override_error_stops_a_run_with_a_misspelt_input():
    with pytest.raises(ValueError, match="Unknown input 'lowr' \\(did you mean 'lower'\\?\\)"):
        SyncRunner().run(Graph([normalise]), text="ABC", lowr=True, on_internal_override="error")


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


@node(output_name="published")
def publish(draft: str, verdict: str) -> str:
    return f"{draft} [{verdict}]"


async def test_misspelt_resume_key_names_the_key_the_paused_interrupt_expects():
    graph = Graph([review, publish])
    first = await AsyncRunner().run(graph, draft="notes")
    assert first.paused and first.pause.response_key == "verdict"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = await AsyncRunner().run(graph, draft="notes", verdcit="ok")
    assert again.paused
    (message,) = [str(w.message) for w in caught]
    assert message.startswith(
        "Unknown input 'verdcit' (did you mean 'verdict', the resume key interrupt 'review' "
        "expects?)"
    )
    assert "Resume keys of interrupts: ['verdict']" in message
