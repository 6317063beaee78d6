"""RichProgressProcessor fed synthetic event streams (docs/guides/events.md)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from rich.console import Console

import hypergraph
from hypergraph.events import EventDispatcher, NodeStartEvent, RunStartEvent, TypedEventProcessor
from hypergraph.events.rich_progress import RichProgressProcessor

from ._streams import end_of, inner_map, linear_run, map_with_nested_map, node_events


def terminal_console() -> Console:
    return Console(record=True, force_terminal=True, width=120, file=io.StringIO())


def plain_console() -> Console:
    return Console(file=io.StringIO(), width=120)


def feed(processor: RichProgressProcessor, events) -> None:
    dispatcher = EventDispatcher([processor], strict=True)
    for event in events:
        dispatcher.emit(event)
    dispatcher.shutdown()


def plain_lines(console: Console) -> list[str]:
    """Printed lines with the trailing elapsed time removed."""
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [re.sub(r" \(\d+\.\ds\)$", "", line) for line in text.splitlines()]


def last_frame(console: Console) -> str:
    """The last complete live frame: everything after the final outcome line."""
    return console.export_text(clear=False).rsplit("completed", 1)[-1]


# -- terminal (live) display ---------------------------------------------------------------


@pytest.mark.parametrize("transient", [True, False])
def test_live_map_shows_total_done_and_failed_counts(transient):
    console = terminal_console()
    feed(RichProgressProcessor(console=console, transient=transient), map_with_nested_map())
    text = console.export_text(clear=False)
    assert "✓ pipeline completed (10 items, 2 failed)" in text
    frame = last_frame(console)
    assert re.search(r"🗺️  pipeline Progress \(2 failed\) .*10/10", frame)
    assert re.search(r"📦 load .*10/10", frame)
    assert re.search(r"📦 score \(2 failed\) .* 8/10", frame)  # 2 of 10 failed: a count


def test_live_nested_map_gets_its_own_indented_bar_and_nested_nodes():
    console = terminal_console()
    feed(RichProgressProcessor(console=console), map_with_nested_map(items=10, inner_size=3))
    frame = last_frame(console)
    # inner map runs once per outer item: its bar grows to 10 x 3 items
    assert re.search(r"\n    🗺️  inner Progress .*30/30", frame)  # spinner column + indent
    assert re.search(r"\n    🌳 embed .*30/30", frame)


def test_live_map_bar_shows_rate_and_eta_but_node_bars_do_not():
    console = terminal_console()
    feed(RichProgressProcessor(console=console), map_with_nested_map(failing=frozenset()))
    frame = last_frame(console)
    map_line = next(line for line in frame.splitlines() if "pipeline Progress" in line)
    node_line = next(line for line in frame.splitlines() if "📦 load" in line)
    assert "it/s" in map_line and "ETA" in map_line
    assert "it/s" not in node_line


def test_live_root_run_prints_failure_line_with_escaped_error():
    console = terminal_console()
    feed(RichProgressProcessor(console=console), linear_run("chain", error="bad value [x]"))
    text = console.export_text(clear=False)
    assert "chain failed: bad value [x]" in text
    assert re.search(r"📦 b FAILED .*0/1", text)


def test_live_shutdown_starts_a_fresh_display_for_the_next_run():
    console = terminal_console()
    processor = RichProgressProcessor(console=console, transient=False)
    feed(processor, linear_run("first"))
    feed(processor, linear_run("second"))
    after_second = console.export_text(clear=False).split("second completed", 1)[1]
    assert re.search(r"📦 a .*1/1", after_second)
    assert "2/2" not in after_second


def test_processor_receiving_nothing_prints_nothing():
    console = terminal_console()
    RichProgressProcessor(console=console).shutdown()
    assert console.export_text(clear=False) == ""


# -- non-terminal (plain lines) display ----------------------------------------------------


def test_plain_console_prints_lines_with_final_counts():
    console = plain_console()
    feed(RichProgressProcessor(console=console), map_with_nested_map())
    lines = plain_lines(console)
    assert "🗺️  pipeline Progress (2 failed) 10/10" in lines
    assert "  🗺️  inner Progress 30/30" in lines
    assert "  🌳 embed 30/30" in lines
    assert "📦 load 10/10" in lines
    assert "📦 score (2 failed) 8/10" in lines
    assert lines[-1] == "✓ pipeline completed (10 items, 2 failed)"
    assert "\x1b" not in console.file.getvalue()  # type: ignore[attr-defined]


def test_plain_console_prints_one_final_line_per_bar_and_no_progress_line_before_interval():
    console = plain_console()
    processor = RichProgressProcessor(console=console)
    processor.plain_interval = float("inf")  # no periodic line can fall due during the test
    feed(processor, map_with_nested_map(items=50, failing=frozenset()))
    assert plain_lines(console) == [
        "🗺️  pipeline Progress 50/50",
        "📦 load 50/50",
        "📦 inner 50/50",
        "  🗺️  inner Progress 150/150",
        "  🌳 embed 150/150",
        "📦 score 50/50",
        "✓ pipeline completed (50 items, 0 failed)",
    ]


def summary_lines(console: Console) -> list[str]:
    return [line for line in plain_lines(console) if re.match(r"\[\d+\.\ds\] ", line)]


def test_plain_summary_lines_track_maps_node_runs_and_the_current_node():
    console = plain_console()
    processor = RichProgressProcessor(console=console)
    processor.plain_interval = 0.0  # a summary line for every event
    feed(processor, map_with_nested_map(items=4, failing=frozenset({1, 2})))
    summaries = summary_lines(console)
    counts = [int(m.group(1)) for line in summaries for m in [re.search(r"pipeline (\d)/4", line)]]
    assert sorted(set(counts)) == counts_in_order(counts) == [0, 1, 2, 3, 4]
    assert any("current: embed" in line for line in summaries)
    assert summaries[-1].endswith(
        "pipeline 4/4 (2 failed) | inner 12/12 | 22 node runs done, 2 failed | current: score"
    )


def counts_in_order(counts: list[int]) -> list[int]:
    """The distinct values of ``counts`` in first-seen order."""
    return list(dict.fromkeys(counts))


def test_plain_root_run_of_nodes_that_ran_once_prints_only_the_outcome():
    console = plain_console()
    feed(RichProgressProcessor(console=console), linear_run(graph_name=None))
    assert plain_lines(console) == ["✓ Run completed"]


def test_plain_long_chain_prints_a_few_lines_not_one_per_node():
    console = plain_console()
    run = RunStartEvent("run-chain", graph_name="chain")
    nodes = [event for i in range(1_000) for event in node_events(run, f"n{i}")]
    feed(RichProgressProcessor(console=console), [run, *nodes, end_of(run)])
    assert plain_lines(console) == ["✓ chain completed"]


def test_plain_final_block_lists_at_most_the_configured_node_lines():
    console = plain_console()
    processor = RichProgressProcessor(console=console)
    processor.plain_max_node_lines = 3
    run = RunStartEvent("run-loop", graph_name="loop")
    turns = [event for _ in range(2) for i in range(5) for event in node_events(run, f"n{i}")]
    feed(processor, [run, *turns, end_of(run)])
    assert plain_lines(console) == [
        "📦 n0 2/2",
        "📦 n1 2/2",
        "📦 n2 2/2",
        "... and 2 more node bars",
        "✓ loop completed",
    ]


def test_plain_paused_run_reports_its_unfinished_node_at_shutdown():
    console = plain_console()
    run = RunStartEvent("run-paused", graph_name="review")
    done = node_events(run, "draft")
    waiting = node_events(run, "approve")[0]  # started, never ended: the run paused here
    feed(RichProgressProcessor(console=console), [run, *done, waiting])
    assert plain_lines(console) == ["📦 approve 0/1"]


def test_plain_root_run_reports_failure():
    console = plain_console()
    feed(RichProgressProcessor(console=console), linear_run("chain", error="boom"))
    lines = plain_lines(console)
    assert "📦 b FAILED 0/1" in lines
    assert lines[-1] == "✗ chain failed: boom"


# -- depth, bar and text rules --------------------------------------------------------------


def run_with_nested_graph_node() -> list:
    """Root run ``outer`` with GraphNode ``sub`` whose inner graph ``inner`` runs ``leaf``."""
    root = RunStartEvent("run-root", graph_name="outer")
    sub_start, sub_end = node_events(root, "sub")
    nested = RunStartEvent("run-nested", parent_span_id=sub_start.span_id, graph_name="inner")
    return [root, sub_start, nested, *node_events(nested, "leaf"), end_of(nested), sub_end]


def test_nested_run_nodes_are_one_level_deeper_with_tree_icon():
    console = terminal_console()
    events = run_with_nested_graph_node()
    feed(RichProgressProcessor(console=console), [*events, end_of(events[0])])
    assert "✓ outer completed" in console.export_text(clear=False)
    frame = last_frame(console)
    assert re.search(r"\n. 📦 sub .*1/1", frame)  # spinner column, no indent
    assert re.search(r"\n.   🌳 leaf .*1/1", frame)


def test_unnamed_map_is_called_map():
    console = plain_console()
    map_run = RunStartEvent("run-map", graph_name=None, is_map=True, map_size=2)
    events = [map_run]
    for i in range(2):
        item = RunStartEvent(f"run-{i}", parent_span_id=map_run.span_id, graph_name=None)
        events += [item, *node_events(item, "f"), end_of(item)]
    feed(RichProgressProcessor(console=console), [*events, end_of(map_run)])
    lines = plain_lines(console)
    assert "🗺️  Map Progress 2/2" in lines
    assert "📦 f 2/2" in lines
    assert lines[-1] == "✓ Run completed (2 items, 0 failed)"


def test_node_bar_is_reused_across_loop_turns():
    console = plain_console()
    run = RunStartEvent("run-loop", graph_name="loop")
    turns = [event for _ in range(3) for event in node_events(run, "step")]
    feed(RichProgressProcessor(console=console), [run, *turns, end_of(run)])
    step_lines = [line for line in plain_lines(console) if "step" in line]
    assert step_lines[-1] == "📦 step 3/3"


def test_node_names_with_brackets_are_not_read_as_markup():
    console = plain_console()
    run = RunStartEvent("run-1", graph_name="g[0]")
    feed(RichProgressProcessor(console=console), [run, *node_events(run, "f"), end_of(run)])
    assert plain_lines(console)[-1] == "✓ g[0] completed"


def test_events_for_unknown_spans_are_handled_gracefully():
    console = plain_console()
    orphan = NodeStartEvent("run-x", parent_span_id="f" * 16, node_name="orphan")
    feed(RichProgressProcessor(console=console), [orphan, end_of(RunStartEvent("run-y"))])
    assert plain_lines(console) == ["📦 orphan 0/1"]  # unknown run end: no outcome line


# -- construction -----------------------------------------------------------------------------


def test_processor_is_typed_and_exported_from_the_package():
    assert issubclass(RichProgressProcessor, TypedEventProcessor)
    assert hypergraph.RichProgressProcessor is RichProgressProcessor
    assert hypergraph.events.RichProgressProcessor is RichProgressProcessor


def test_default_console_is_richs_stdout_console():
    import rich

    assert RichProgressProcessor().console is rich.get_console()


@pytest.mark.parametrize(
    "hidden", [("rich",), ("rich", "rich.progress", "rich.console", "rich.markup")]
)
def test_missing_rich_raises_import_error_naming_the_extra(monkeypatch, hidden):
    for module in hidden:
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'hypergraph\[progress\]'"):
        RichProgressProcessor()


def test_importing_the_progress_module_does_not_import_rich():
    code = (
        "import sys, hypergraph, hypergraph.events.rich_progress, hypergraph.events; "
        "hypergraph.RichProgressProcessor; "
        "assert 'rich' not in sys.modules, 'rich was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- retries -------------------------------------------------------------------------------


def _retried_run(processor: RichProgressProcessor) -> None:
    calls: list[int] = []
    policy = hypergraph.RetryPolicy(3, [ValueError], initial_delay=0)

    @hypergraph.node(output_name="y", retry=policy)
    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise ValueError("transient")
        return x

    graph = hypergraph.Graph([flaky], name="retrying")
    hypergraph.SyncRunner().run(graph, x=1, event_processors=[processor])


def test_plain_display_lists_a_retried_node_with_its_retry_count():
    console = plain_console()
    _retried_run(RichProgressProcessor(console=console))
    assert plain_lines(console) == ["📦 flaky (2 retries) 1/1", "✓ retrying completed"]


def test_live_display_shows_the_retry_count_on_the_node_bar():
    console = terminal_console()
    _retried_run(RichProgressProcessor(console=console, transient=False))
    assert re.search(r"📦 flaky \(2 retries\) .*1/1", last_frame(console))


# -- issue 12: what a first trial run showed -----------------------------------------------


def test_node_bar_with_one_failure_in_many_runs_shows_a_count_not_failed():
    console = plain_console()
    failing = frozenset({700})
    feed(RichProgressProcessor(console=console), map_with_nested_map(1_500, failing, 1))
    lines = plain_lines(console)
    assert "📦 score (1 failed) 1499/1500" in lines
    assert not any("FAILED" in line for line in lines)


def test_node_bar_whose_only_run_failed_reads_failed():
    console = plain_console()
    run = RunStartEvent("run-one", graph_name="one")
    feed(
        RichProgressProcessor(console=console),
        [run, *node_events(run, "step", error="boom"), end_of(run, error="boom")],
    )
    assert "📦 step FAILED 0/1" in plain_lines(console)


def test_plain_lines_never_wrap_on_a_narrow_console():
    console = Console(file=io.StringIO(), width=40)
    run = RunStartEvent("run-long", graph_name="a_graph_with_a_rather_long_descriptive_name")
    error = "a failure message long enough to pass the forty columns of this console"
    feed(
        RichProgressProcessor(console=console),
        [run, *node_events(run, "step", error=error), end_of(run, error=error)],
    )
    lines = console.file.getvalue().splitlines()
    assert any(
        line.startswith("✗ a_graph_with_a_rather") and line.endswith("console") for line in lines
    )


def test_live_map_rate_and_eta_stay_on_one_line_at_80_columns():
    console = Console(record=True, force_terminal=True, width=80, file=io.StringIO())
    feed(RichProgressProcessor(console=console, transient=False), map_with_nested_map(1_500))
    frame = last_frame(console)
    map_line = next(line for line in frame.splitlines() if "pipeline Progress" in line)
    assert re.search(r"it/s • ETA \d+:\d\d:\d\d", map_line)
    assert "1500/1500" in map_line


def test_plain_single_run_with_a_mapped_subgraph_lists_its_top_level_nodes():
    console = plain_console()
    run = RunStartEvent("run-root", graph_name="root")
    graph_node_start, graph_node_end = node_events(run, "inner")
    events = [
        run,
        *node_events(run, "load"),
        graph_node_start,
        *inner_map(graph_node_start, 3),
        graph_node_end,
        *node_events(run, "report"),
        end_of(run),
    ]
    feed(RichProgressProcessor(console=console), events)
    lines = plain_lines(console)
    assert lines[:3] == ["📦 load 1/1", "📦 inner 1/1", "  🗺️  inner Progress 3/3"]
    assert "📦 report 1/1" in lines and lines[-1] == "✓ root completed"
