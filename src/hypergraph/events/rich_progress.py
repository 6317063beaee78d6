"""Progress bars for runs and maps, drawn with ``rich`` (docs/guides/events.md; extra ``progress``).

The processor keeps its own small model of the bars (description, total, done, failed) built from
the event stream, and hands it to one of two displays (:mod:`hypergraph.events._progress_display`):
a live ``rich.progress.Progress`` on a terminal, or plain periodic summary lines when the console
is not a terminal (CI logs), where a live display would either vanish or spam thousands of
redraws. Either way an event only updates the model; drawing happens at the display's own pace.

Events carry span ids only, so the processor tracks which span is a run, a map or a node to
work out depths and which map an item run belongs to.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hypergraph.events._progress_display import Bar, LiveDisplay, PlainDisplay
from hypergraph.events.processor import TypedEventProcessor
from hypergraph.events.types import (
    Event,
    NodeAttemptEndEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["RichProgressProcessor"]

_INSTALL_HINT = (
    "RichProgressProcessor needs the 'rich' package, which is not installed. "
    "Install the progress extra: pip install 'hypergraph[progress]'"
)
_MAP_ICON = "🗺️"
_ROOT_NODE_ICON = "📦"
_NESTED_NODE_ICON = "🌳"


@dataclass(eq=False, slots=True)
class _RunSpan:
    """What the processor remembers about a run (or map) still in progress."""

    depth: int
    graph_name: str | None
    enclosing_map: Bar | None  # bar of the nearest enclosing map: node bar totals follow it
    is_root: bool
    map_bar: Bar | None = None  # set when this run is a map
    item_of: _RunSpan | None = None  # set when this run is one item of a map


@dataclass(eq=False, slots=True)
class _NodeSpan:
    depth: int
    enclosing_map: Bar | None
    bar: Bar


class RichProgressProcessor(TypedEventProcessor):
    """Show live progress bars for runs, nodes and maps.

    Args:
        transient: Remove the live bars from the terminal when the display stops.
        console: The ``rich.console.Console`` to draw on (default: rich's stdout console). When
            it is not a terminal (CI logs), plain lines are printed instead of a live display:
            a summary line at most every :attr:`plain_interval` seconds while a run goes on,
            then, when a top-level run or map ends, one line per map and per node worth a look
            (failed, unfinished, mapped or looped) and the outcome.

    Raises:
        ImportError: ``rich`` is not installed (``pip install 'hypergraph[progress]'``).

    Examples:
        >>> runner.map(graph, {"x": items}, map_over="x",
        ...            event_processors=[RichProgressProcessor()])  # doctest: +SKIP
    """

    #: Minimum seconds between two summary lines on a non-terminal console (0: every event).
    plain_interval: float = 1.0
    #: Most node lines in the final block of a non-terminal console; the rest are counted.
    plain_max_node_lines: int = 20

    def __init__(self, *, transient: bool = True, console: Console | None = None) -> None:
        try:
            # `import rich` first: it fails even when submodules linger in sys.modules.
            import rich
            import rich.progress  # noqa: F401
        except ImportError as exc:
            raise ImportError(_INSTALL_HINT) from exc
        self.transient = transient
        self.console: Console = console if console is not None else rich.get_console()
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._display: LiveDisplay | PlainDisplay | None = None
        self._runs: dict[str, _RunSpan] = {}
        self._nodes: dict[str, _NodeSpan] = {}
        self._node_bars: dict[tuple[str | None, str, int], Bar] = {}
        self._map_bars: dict[tuple[str | None, int], Bar] = {}

    # -- event entry point ---------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Route the event (thread-safe: runners may emit from worker threads)."""
        with self._lock:
            super().on_event(event)

    def shutdown(self) -> None:
        """Stop a started display and forget all state, so the next run starts fresh."""
        with self._lock:
            if self._display is not None:
                self._display.stop()
            self._reset()

    # -- handlers ------------------------------------------------------------------------

    def on_run_start(self, event: RunStartEvent) -> None:
        """Record the run's depth; a map also gets a bar of its items."""
        display = self._display or self._start_display()
        parent = event.parent_span_id
        parent_run = self._runs.get(parent) if parent is not None else None
        parent_node = self._nodes.get(parent) if parent is not None else None
        item_of: _RunSpan | None = None
        enclosing_map: Bar | None
        if parent_run is not None and parent_run.map_bar is not None:
            item_of = parent_run  # one item of a map: same depth as the map
            depth = parent_run.depth
            enclosing_map = parent_run.map_bar
        elif parent_run is not None:
            depth = parent_run.depth + 1
            enclosing_map = parent_run.enclosing_map
        elif parent_node is not None:
            depth = parent_node.depth + 1
            enclosing_map = parent_node.enclosing_map
        else:
            depth, enclosing_map = 0, None
        run = _RunSpan(depth, event.graph_name, enclosing_map, parent is None, item_of=item_of)
        if event.is_map:
            run.map_bar = self._map_bar_for(event, depth, display)
        self._runs[event.span_id] = run

    def on_node_start(self, event: NodeStartEvent) -> None:
        """Find or create the bar for this node at this depth."""
        display = self._display or self._start_display()
        run = self._runs.get(event.parent_span_id) if event.parent_span_id else None
        depth = run.depth if run is not None else 0
        enclosing_map = run.enclosing_map if run is not None else None
        # Executions expected so far: one per item of the enclosing map(s), else one.
        map_size = enclosing_map.total if enclosing_map is not None else None
        key = (event.graph_name, event.node_name, depth)
        bar = self._node_bars.get(key)
        display.current_node = event.node_name
        if bar is None:
            icon = _ROOT_NODE_ICON if depth == 0 else _NESTED_NODE_ICON
            name = _escape(event.node_name)
            label = f"{'  ' * depth}{icon} {name}"
            bar = Bar(label=label, name=name, total=map_size or 1, depth=depth)
            self._node_bars[key] = bar
            display.add(bar)
        else:
            if map_size is not None and bar.total is not None and map_size > bar.total:
                bar.total = map_size  # a bigger map reuses this bar
            display.changed(bar)
        self._nodes[event.span_id] = _NodeSpan(depth, enclosing_map, bar)

    def on_node_end(self, event: NodeEndEvent) -> None:
        """Advance the node's bar by one execution."""
        node = self._nodes.pop(event.span_id, None)
        if node is None or self._display is None:
            return
        bar = node.bar
        bar.completed += 1
        if bar.total is not None and bar.completed > bar.total:
            bar.total = bar.completed  # loops run a node more often than any map size says
        self._display.changed(bar)

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """Mark the node's bar as failed."""
        node = self._nodes.pop(event.span_id, None)
        if node is None or self._display is None:
            return
        node.bar.failures += 1
        self._display.changed(node.bar)

    def on_node_attempt_end(self, event: NodeAttemptEndEvent) -> None:
        """Count a failed attempt that will be retried on its node's bar."""
        if event.outcome != "retry" or event.parent_span_id is None:
            return
        node = self._nodes.get(event.parent_span_id)
        if node is None or self._display is None:
            return
        node.bar.retries += 1
        self._display.changed(node.bar)

    def on_run_end(self, event: RunEndEvent) -> None:
        """Count a map item on its map's bar; report the outcome of a top-level run."""
        run = self._runs.pop(event.span_id, None)
        if run is None or self._display is None:
            return
        failed = event.status is RunStatus.FAILED
        if run.item_of is not None and run.item_of.map_bar is not None:
            map_bar = run.item_of.map_bar
            map_bar.completed += 1
            map_bar.failed_items += int(failed)
            self._display.changed(map_bar)
        if run.is_root:
            self._display.flush()
            self._display.print_line(self._outcome_line(run, event))

    # -- helpers -------------------------------------------------------------------------

    def _start_display(self) -> LiveDisplay | PlainDisplay:
        # Jupyter is not a terminal to rich, but renders live displays as widgets.
        if self.console.is_terminal or self.console.is_jupyter:
            self._display = LiveDisplay(self.console, self.transient)
        else:
            self._display = PlainDisplay(
                self.console, self.plain_interval, self.plain_max_node_lines
            )
        return self._display

    def _map_bar_for(
        self, event: RunStartEvent, depth: int, display: LiveDisplay | PlainDisplay
    ) -> Bar:
        key = (event.graph_name, depth)
        bar = self._map_bars.get(key)
        if bar is None:
            name = _escape(event.graph_name or "Map")
            label = f"{'  ' * depth}{_MAP_ICON}  {name} Progress"
            bar = Bar(label=label, name=name, total=event.map_size, is_map=True)
            self._map_bars[key] = bar
            display.add(bar)
        else:
            # The same mapped graph ran again (another outer item or loop turn): grow the bar
            # instead of stacking a new one per run.
            bar.total = (
                None
                if bar.total is None or event.map_size is None
                else (bar.total + event.map_size)
            )
            display.changed(bar)
        return bar

    @staticmethod
    def _outcome_line(run: _RunSpan, event: RunEndEvent) -> str:
        name = _escape(run.graph_name or "Run")
        if event.status is RunStatus.FAILED:
            return f"[red]✗[/red] {name} failed: {_escape(event.error or 'unknown error')}"
        line = f"[green]✓[/green] {name} completed"
        if run.map_bar is not None:
            bar = run.map_bar
            line += f" ({bar.completed} items, {bar.failed_items} failed)"
        return line


def _escape(text: str) -> str:
    """Keep user names like ``data[0]`` from being read as rich markup."""
    from rich.markup import escape

    return escape(str(text))
