"""Golden text of ``Graph.to_mermaid`` for each shape a graph can take."""

from __future__ import annotations

import re
import textwrap

import pytest
import viz_graphs as graphs

from hypergraph import Graph, node


def body(graph: Graph, **options: object) -> str:
    """The diagram without its ``classDef`` lines (the palette, tested separately)."""
    source = graph.to_mermaid(**options).source  # type: ignore[arg-type]
    return "\n".join(line for line in source.splitlines() if "classDef" not in line)


def golden(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def test_dag_draws_inputs_nodes_and_labelled_data_edges() -> None:
    assert body(graphs.dag()) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            input_minimum[/"minimum (bound)"/]
            tokenize["tokenize"]
            count_tokens["count_tokens"]
            input_text --> tokenize
            input_minimum --> count_tokens
            tokenize -->|"tokens"| count_tokens
            class tokenize,count_tokens hg_function
            class input_text,input_minimum hg_input
        """
    )


def test_branch_draws_gate_as_diamond_with_true_false_edges() -> None:
    assert body(graphs.branch()) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            is_loud{"is_loud"}
            shout["shout"]
            whisper["whisper"]
            input_text --> is_loud
            input_text --> shout
            input_text --> whisper
            is_loud -.->|"True"| shout
            is_loud -.->|"False"| whisper
            class shout,whisper hg_function
            class is_loud hg_gate
            class input_text hg_input
        """
    )


def test_loop_draws_self_edge_and_end() -> None:
    assert body(graphs.loop()) == golden(
        """
        flowchart TD
            input_step[/"step"/]
            input_total[/"total"/]
            add_step["add_step"]
            keep_going{"keep_going"}
            END_(("END"))
            input_step --> add_step
            input_total --> add_step
            input_total --> keep_going
            add_step -->|"total"| add_step
            add_step -->|"total"| keep_going
            keep_going -.-> add_step
            keep_going -.-> END_
            class add_step hg_function
            class keep_going hg_gate
            class input_step,input_total hg_input
            class END_ hg_end
        """
    )


def test_nested_graph_at_depth_0_is_one_box() -> None:
    assert body(graphs.nested(), depth=0) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            input_minimum[/"minimum"/]
            counter[["counter"]]
            report["report"]
            input_text --> counter
            input_minimum --> counter
            counter -->|"count"| report
            class report hg_function
            class counter hg_graph
            class input_text,input_minimum hg_input
        """
    )


def test_nested_graph_at_depth_1_is_a_subgraph_wired_to_inner_nodes() -> None:
    assert body(graphs.nested(), depth=1) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            input_minimum[/"minimum"/]
            subgraph counter ["counter"]
                counter_tokenize["tokenize"]
                counter_count_tokens["count_tokens"]
            end
            report["report"]
            input_text --> counter_tokenize
            input_minimum --> counter_count_tokens
            counter_count_tokens -->|"count"| report
            counter_tokenize -->|"tokens"| counter_count_tokens
            class counter_tokenize,counter_count_tokens,report hg_function
            class counter hg_graph
            class input_text,input_minimum hg_input
        """
    )


def test_hidden_nodes_and_their_edges_are_left_out() -> None:
    assert body(graphs.hidden()) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            tokenize["tokenize"]
            reveal["reveal"]
            input_text --> tokenize
            class tokenize,reveal hg_function
            class input_text hg_input
        """
    )


def test_explicit_edges_draw_only_declared_data_flow() -> None:
    # make_c reads b, which make_b produces, but no edge was declared: b is an input.
    assert body(graphs.explicit()) == golden(
        """
        flowchart TD
            input_x[/"x"/]
            input_b[/"b"/]
            make_a["make_a"]
            make_b["make_b"]
            make_c["make_c"]
            input_x --> make_a
            input_b --> make_c
            make_a -->|"a"| make_b
            class make_a,make_b,make_c hg_function
            class input_x,input_b hg_input
        """
    )


def test_emit_wait_for_draws_an_ordering_edge() -> None:
    assert body(graphs.ordered()) == golden(
        """
        flowchart TD
            input_x[/"x"/]
            input_y[/"y"/]
            save["save"]
            log["log"]
            input_x --> save
            input_y --> log
            save --o|"done"| log
            class save,log hg_function
            class input_x,input_y hg_input
        """
    )


def test_interrupt_with_types_and_separate_outputs_left_to_right() -> None:
    drawn = body(graphs.with_interrupt(), show_types=True, separate_outputs=True, direction="LR")
    assert drawn == golden(
        """
        flowchart LR
            input_draft[/"draft: str"/]
            review{{"review"}}
            review_verdict(["verdict: str #124; None"])
            review --> review_verdict
            input_draft --> review
            class review hg_interrupt
            class input_draft hg_input
            class review_verdict hg_output
        """
    )


def test_separate_outputs_routes_data_through_output_nodes() -> None:
    assert body(graphs.dag(), separate_outputs=True) == golden(
        """
        flowchart TD
            input_text[/"text"/]
            input_minimum[/"minimum (bound)"/]
            tokenize["tokenize"]
            count_tokens["count_tokens"]
            tokenize_tokens(["tokens"])
            count_tokens_count(["count"])
            tokenize --> tokenize_tokens
            count_tokens --> count_tokens_count
            input_text --> tokenize
            input_minimum --> count_tokens
            tokenize_tokens --> count_tokens
            class tokenize,count_tokens hg_function
            class input_text,input_minimum hg_input
            class tokenize_tokens,count_tokens_count hg_output
        """
    )


def test_show_types_labels_inputs_and_edges_with_annotations() -> None:
    drawn = body(graphs.dag(), show_types=True)
    assert 'input_text[/"text: str"/]' in drawn
    assert 'input_minimum[/"minimum: int (bound)"/]' in drawn
    assert 'tokenize -->|"tokens: list[str]"| count_tokens' in drawn


def test_renamed_nested_graph_with_loop_expands_with_its_own_end() -> None:
    inner = graphs.loop().select("total")
    outer = Graph([graphs.make_a, inner.as_node(name="counting").with_inputs(total="a")])
    assert body(outer, depth=0).splitlines()[1:] == [
        '    input_x[/"x"/]',
        '    input_step[/"step"/]',
        '    make_a["make_a"]',
        '    counting[["counting"]]',
        "    input_x --> make_a",
        "    input_step --> counting",
        '    make_a -->|"a"| counting',
        "    class make_a hg_function",
        "    class counting hg_graph",
        "    class input_x,input_step hg_input",
    ]
    expanded = body(outer, depth=1)
    assert 'subgraph counting ["counting"]' in expanded
    assert '        counting_END(("END"))' in expanded
    # The outer name of the value labels the edge into the renamed nested input.
    assert 'make_a -->|"a"| counting_add_step' in expanded
    assert 'make_a -->|"a"| counting_keep_going' in expanded
    assert "counting_keep_going -.-> counting_END" in expanded


def test_mermaid_diagram_is_text_and_renders_in_jupyter() -> None:
    diagram = graphs.dag().to_mermaid()
    assert str(diagram) == diagram.source
    assert diagram.source.startswith("flowchart TD\n")
    bundle = diagram._repr_mimebundle_()
    assert bundle["text/vnd.mermaid"] == diagram.source
    assert bundle["text/markdown"] == f"```mermaid\n{diagram.source}\n```"
    assert bundle["text/plain"] == diagram.source


def test_colors_override_the_fill_of_a_kind() -> None:
    source = graphs.branch().to_mermaid(colors={"gate": "#ff0000"}).source
    assert "classDef hg_gate fill:#ff0000,stroke:#b7862b,color:#1a1a1a" in source
    styled = graphs.branch().to_mermaid(colors={"function": {"stroke": "#000"}}).source
    assert "classDef hg_function fill:#e8f0fe,stroke:#000,color:#1a1a1a" in styled


def test_unknown_color_kind_is_rejected_with_the_valid_kinds() -> None:
    with pytest.raises(ValueError, match="unknown node kind 'gates'.*'gate'"):
        graphs.branch().to_mermaid(colors={"gates": "#fff"})


def test_unknown_direction_is_rejected() -> None:
    with pytest.raises(ValueError, match="direction='UP'"):
        graphs.dag().to_mermaid(direction="UP")


def test_node_named_like_a_mermaid_keyword_gets_a_safe_id() -> None:
    @node(output_name="y")
    def end(x: int) -> int:
        return x

    assert 'end_["end"]' in graphs.dag().add_nodes(end).to_mermaid().source


def test_guide_mermaid_picture_is_the_pipeline_example_as_drawn_today() -> None:
    guide = graphs.EXAMPLES.parent / "docs" / "guides" / "visualization.md"
    (shown,) = re.findall(r"```mermaid\n(.*?)\n```", guide.read_text(encoding="utf-8"), flags=re.S)
    assert shown == graphs.pipeline().to_mermaid(depth=1).source


def test_graph_nested_600_levels_deep_draws_folded_or_expanded() -> None:
    @node(output_name="y")
    def inc(x: int) -> int:
        return x + 1

    deep = Graph([inc], name="core")
    for level in range(600):
        deep = Graph([deep.as_node(name=f"n{level}")], name=f"g{level}")
    folded = body(deep)
    assert 'n599[["n599"]]' in folded and "input_x --> n599" in folded
    expanded = body(deep, depth=600)
    innermost = "n599_" + "_".join(f"n{level}" for level in reversed(range(599))) + "_inc"
    assert f"input_x --> {innermost}" in expanded
