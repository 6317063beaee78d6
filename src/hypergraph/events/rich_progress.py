"""Progress bars for runs and maps, drawn with ``rich`` (SPEC §6.4; extra ``progress``).

The processor keeps its own small model of the bars (description, total, done, failed) built from
the event stream, and hands it to one of two displays: a live ``rich.progress.Progress`` on a
terminal, or plain throttled lines when the console is not a terminal (CI logs), where a live
display would either vanish or spam thousands of redraws.

Events carry span ids only, so the processor tracks which span is a run, a map or a node to
work out depths and which map an item run belongs to.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypergraph.events.processor import TypedEventProcessor
from hypergraph.events.types import (
    Event,
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
_FAILED_MARK = " [red]FAILED[/red]"


@dataclass(eq=False)
class _Bar:
    """Display-independent state of one progress bar."""

    label: str  # description without the failure marks
    total: int | None
    is_map: bool = False
    completed: int = 0
    failed_items: int = 0  # maps: item runs that ended FAILED
    node_failed: bool = False  # nodes: at least one execution raised
    started_at: float = field(default_factory=time.monotonic)
    handle: Any = None  # the display's id for this bar (rich TaskID)
    printed_state: tuple[int, int | None, str] | None = None  # plain mode: last line printed
    printed_at: float = float("-inf")

    @property
    def description(self) -> str:
        if self.is_map and self.failed_items:
            return f"{self.label} [red]({self.failed_items} failed)[/red]"
        return self.label + _FAILED_MARK if self.node_failed else self.label

    @property
    def state(self) -> tuple[int, int | None, str]:
        return (self.completed, self.total, self.description)


@dataclass(eq=False)
class _RunSpan:
    """What the processor remembers about a run (or map) still in progress."""

    depth: int
    graph_name: str | None
    enclosing_map: _Bar | None  # bar of the nearest enclosing map: node bar totals follow it
    is_root: bool
    map_bar: _Bar | None = None  # set when this run is a map
    item_of: _RunSpan | None = None  # set when this run is one item of a map


@dataclass(eq=False)
class _NodeSpan:
    depth: int
    enclosing_map: _Bar | None
    bar: _Bar


class _LiveDisplay:
    """Bars drawn by ``rich.progress.Progress`` on a terminal."""

    def __init__(self, console: Console, transient: bool) -> None:
        self._progress = _build_progress(console, transient)
        self._progress.start()

    def add(self, bar: _Bar) -> None:
        bar.handle = self._progress.add_task(bar.description, total=bar.total, is_map=bar.is_map)

    def refresh(self, bar: _Bar) -> None:
        self._progress.update(
            bar.handle, description=bar.description, total=bar.total, completed=bar.completed
        )

    def print_line(self, text: str) -> None:
        self._progress.console.print(text)

    def flush(self) -> None:
        self._progress.refresh()

    def stop(self) -> None:
        self._progress.stop()


class _PlainDisplay:
    """Bars reported as plain lines: at most one per bar per ``interval`` plus a final one."""

    def __init__(self, console: Console, interval: float) -> None:
        self._console = console
        self._interval = interval
        self._bars: list[_Bar] = []

    def add(self, bar: _Bar) -> None:
        self._bars.append(bar)

    def refresh(self, bar: _Bar) -> None:
        # The first change of a bar prints at once; later ones wait out the interval. The final
        # state is printed by flush() at the end of the top-level run (or at shutdown).
        now = time.monotonic()
        if now - bar.printed_at >= self._interval:
            self._print_bar(bar, now)

    def print_line(self, text: str) -> None:
        self._console.print(text, highlight=False)

    def flush(self) -> None:
        now = time.monotonic()
        for bar in self._bars:
            self._print_bar(bar, now)

    def stop(self) -> None:
        self.flush()

    def _print_bar(self, bar: _Bar, now: float) -> None:
        if bar.printed_state == bar.state:
            return  # nothing new since the last line for this bar
        bar.printed_state = bar.state
        bar.printed_at = now
        total = "?" if bar.total is None else bar.total
        elapsed = now - bar.started_at
        self.print_line(f"{bar.description} {bar.completed}/{total} ({elapsed:.1f}s)")


class RichProgressProcessor(TypedEventProcessor):
    """Show live progress bars for runs, nodes and maps.

    Args:
        transient: Remove the live bars from the terminal when the display stops.
        console: The ``rich.console.Console`` to draw on (default: rich's stdout console). When
            it is not a terminal, plain progress lines are printed instead of a live display.

    Raises:
        ImportError: ``rich`` is not installed (``pip install 'hypergraph[progress]'``).

    Example:
        >>> runner.map(graph, {"x": items}, map_over="x",
        ...            event_processors=[RichProgressProcessor()])  # doctest: +SKIP
    """

    #: Minimum seconds between two plain lines for the same bar (non-terminal consoles).
    plain_interval: float = 1.0

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
        self._display: _LiveDisplay | _PlainDisplay | None = None
        self._runs: dict[str, _RunSpan] = {}
        self._nodes: dict[str, _NodeSpan] = {}
        self._node_bars: dict[tuple[str | None, str, int], _Bar] = {}
        self._map_bars: dict[tuple[str | None, int], _Bar] = {}

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
        display = self._ensure_display()
        parent = event.parent_span_id
        parent_run = self._runs.get(parent) if parent is not None else None
        parent_node = self._nodes.get(parent) if parent is not None else None
        item_of: _RunSpan | None = None
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
        run = _RunSpan(
            depth=depth,
            graph_name=event.graph_name,
            enclosing_map=enclosing_map,
            is_root=parent is None,
            item_of=item_of,
        )
        if event.is_map:
            run.map_bar = self._map_bar_for(event, depth, display)
        self._runs[event.span_id] = run

    def on_node_start(self, event: NodeStartEvent) -> None:
        """Find or create the bar for this node at this depth."""
        display = self._ensure_display()
        run = self._runs.get(event.parent_span_id) if event.parent_span_id else None
        depth = run.depth if run is not None else 0
        enclosing_map = run.enclosing_map if run is not None else None
        # Executions expected so far: one per item of the enclosing map(s), else one.
        map_size = enclosing_map.total if enclosing_map is not None else None
        key = (event.graph_name, event.node_name, depth)
        bar = self._node_bars.get(key)
        if bar is None:
            icon = _ROOT_NODE_ICON if depth == 0 else _NESTED_NODE_ICON
            bar = _Bar(
                label=f"{'  ' * depth}{icon} {_escape(event.node_name)}", total=map_size or 1
            )
            self._node_bars[key] = bar
            display.add(bar)
        elif map_size is not None and bar.total is not None and map_size > bar.total:
            bar.total = map_size  # a bigger map reuses this bar
            display.refresh(bar)
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
        self._display.refresh(bar)

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """Mark the node's bar as failed."""
        node = self._nodes.pop(event.span_id, None)
        if node is None or self._display is None or node.bar.node_failed:
            return
        node.bar.node_failed = True
        self._display.refresh(node.bar)

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
            self._display.refresh(map_bar)
        if run.is_root:
            self._display.flush()
            self._display.print_line(self._outcome_line(run, event))

    # -- helpers -------------------------------------------------------------------------

    def _ensure_display(self) -> _LiveDisplay | _PlainDisplay:
        if self._display is None:
            # Jupyter is not a terminal to rich, but renders live displays as widgets.
            if self.console.is_terminal or self.console.is_jupyter:
                self._display = _LiveDisplay(self.console, self.transient)
            else:
                self._display = _PlainDisplay(self.console, self.plain_interval)
        return self._display

    def _map_bar_for(
        self, event: RunStartEvent, depth: int, display: _LiveDisplay | _PlainDisplay
    ) -> _Bar:
        key = (event.graph_name, depth)
        bar = self._map_bars.get(key)
        if bar is None:
            name = _escape(event.graph_name or "Map")
            bar = _Bar(label=f"{'  ' * depth}{_MAP_ICON}  {name} Progress", total=event.map_size)
            bar.is_map = True
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
            display.refresh(bar)
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


def _build_progress(console: Console, transient: bool) -> Any:
    """Create the ``Progress`` with spinner, description, bar, M/N, elapsed and map rate/ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class MapRateColumn(ProgressColumn):
        """Items per second and time remaining, for map bars only (nodes have no rate)."""

        def __init__(self) -> None:
            super().__init__()
            self._eta = TimeRemainingColumn()

        def render(self, task: Task) -> Text:
            if not task.fields.get("is_map"):
                return Text("")
            speed = task.finished_speed or task.speed
            rate = f"{speed:.1f} it/s" if speed else "? it/s"
            text = Text(rate, style="progress.data.speed")
            text.append(" • ETA ")
            text.append_text(self._eta.render(task))
            return text

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        MapRateColumn(),
        console=console,
        transient=transient,
    )


def _escape(text: str) -> str:
    """Keep user names like ``data[0]`` from being read as rich markup."""
    from rich.markup import escape

    return escape(str(text))
