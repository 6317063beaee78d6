"""The two ways :class:`~hypergraph.events.rich_progress.RichProgressProcessor` shows its bars.

The processor keeps a small model of its bars (:class:`Bar`) and tells a display when one
appears or changes. Both displays keep that per-event call cheap, whatever the number of bars:

- :class:`LiveDisplay` (a terminal or Jupyter) only notes which bars changed. The changes reach
  ``rich.progress.Progress`` right before it renders, at rich's own refresh rate (10 per second),
  so a burst of events costs one render, not one each (``Progress.add_task`` alone would
  re-render the whole display for every new bar).
- :class:`PlainDisplay` (CI logs and other non-terminal output) prints at most one summary line
  per interval while a run goes on, then a final block at the end of each top-level run: the map
  bars and the node bars worth a look (failed, unfinished, mapped or looped), not one line per
  node of a long chain.

``rich`` is imported only inside the functions that need it: importing this module stays cheap.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Bar", "LiveDisplay", "PlainDisplay"]

_FAILED_MARK = " [red]FAILED[/red]"


@dataclass(eq=False)
class Bar:
    """Display-independent state of one progress bar (a node's executions or a map's items)."""

    label: str  # description without the failure marks, indented by depth
    name: str  # the escaped node or graph name alone, for summary lines
    total: int | None
    is_map: bool = False
    depth: int = 0  # 0 for the top-level graph's nodes (and a top-level map's items)
    completed: int = 0
    failed_items: int = 0  # maps: item runs that ended FAILED
    failures: int = 0  # nodes: executions that raised
    retries: int = 0  # nodes: failed attempts followed by another attempt
    started_at: float = field(default_factory=time.monotonic)
    handle: Any = None  # the live display's id for this bar (rich TaskID)
    printed_state: tuple[int, int | None, str] | None = None  # plain mode: last line printed

    @property
    def description(self) -> str:
        if self.is_map and self.failed_items:
            return f"{self.label} [red]({self.failed_items} failed)[/red]"
        label = self.label
        if self.retries:
            label += (
                f" [yellow]({self.retries} {'retry' if self.retries == 1 else 'retries'})[/yellow]"
            )
        if not self.failures:
            return label
        if self.completed == 0:  # every execution so far failed
            return label + _FAILED_MARK
        # Some failures among successful executions (a map item or a loop turn): a count, not a
        # verdict on the whole bar.
        return f"{label} [red]({self.failures} failed)[/red]"

    @property
    def state(self) -> tuple[int, int | None, str]:
        return (self.completed, self.total, self.description)

    @property
    def counts(self) -> str:
        """``"7/10"`` (``"7/?"`` when the total is unknown)."""
        return f"{self.completed}/{'?' if self.total is None else self.total}"

    @property
    def unremarkable(self) -> bool:
        """A node that ran exactly once and succeeded: the plain final block leaves it out."""
        return (
            not self.is_map
            and not self.failures
            and not self.retries
            and self.completed == self.total == 1
        )


class LiveDisplay:
    """Bars drawn by ``rich.progress.Progress``, updated when rich renders.

    Rendering costs grow with the number of rows (rich lays out every visible row, then crops
    to the terminal), so once there are more rows than fit, the oldest node bars that simply
    ran once and succeeded are hidden; maps, failures, unfinished and repeated nodes stay.
    """

    def __init__(self, console: Console, transient: bool) -> None:
        self._pending: dict[Bar, None] = {}  # changed bars in first-change order (a set)
        self._pending_lock = threading.Lock()  # events and rich's refresh thread share it
        self.current_node = ""  # set by the processor; the live bars show it already
        self._max_rows = max(console.size.height - 2, 5)
        self._visible_rows = 0
        self._may_hide: deque[Bar] = deque()  # shown single-run node bars, oldest first
        self._hidden: set[Bar] = set()
        self._progress = _build_progress(console, transient, self._apply_pending)
        self._progress.start()

    def add(self, bar: Bar) -> None:
        self.changed(bar)

    def changed(self, bar: Bar) -> None:
        with self._pending_lock:
            self._pending[bar] = None

    def print_line(self, text: str) -> None:
        self._progress.console.print(text)

    def flush(self) -> None:
        self._progress.refresh()  # renders, which applies what is pending

    def stop(self) -> None:
        self._progress.stop()  # its final refresh applies what is pending

    def _apply_pending(self, progress: Any) -> None:
        """Copy changed bars into rich tasks; rich calls it before each render."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for bar in pending:  # new bars come in creation order, so rows keep that order
            if bar.handle is None:
                bar.handle = progress.add_task(bar.description, total=bar.total, is_map=bar.is_map)
                self._visible_rows += 1
                if not bar.is_map and bar.total == 1:
                    self._may_hide.append(bar)
            elif bar in self._hidden and not bar.unremarkable:  # e.g. a loop ran it again
                self._hidden.discard(bar)
                self._visible_rows += 1
                progress.update(bar.handle, visible=True)
            # update() (not add_task) marks a bar finished and samples its rate.
            progress.update(
                bar.handle, description=bar.description, total=bar.total, completed=bar.completed
            )
        if self._visible_rows > self._max_rows:
            self._hide_oldest(progress)

    def _hide_oldest(self, progress: Any) -> None:
        keep: deque[Bar] = deque()
        while self._may_hide and self._visible_rows > self._max_rows:
            bar = self._may_hide.popleft()
            if bar.unremarkable:
                progress.update(bar.handle, visible=False)
                self._hidden.add(bar)
                self._visible_rows -= 1
            elif not bar.failures and bar.completed < 1:
                keep.append(bar)  # still running: it may finish and be hidden later
        keep.extend(self._may_hide)
        self._may_hide = keep


class PlainDisplay:
    """Bars reported as plain lines: periodic summaries and a final block per top-level run.

    Args:
        console: Where to print (markup is rendered without colour codes off a terminal).
        interval: Minimum seconds between two summary lines (0 prints one per event).
        max_node_lines: Most node bars listed in a final block; the rest are counted.
    """

    def __init__(self, console: Console, interval: float, max_node_lines: int) -> None:
        self._console = console
        self._interval = interval
        self._max_node_lines = max_node_lines
        self._bars: list[Bar] = []
        self._started_at = time.monotonic()
        self._next_summary_at = self._started_at + interval
        self.current_node = ""  # name of the node started last (raw), for summary lines

    def add(self, bar: Bar) -> None:
        self._bars.append(bar)
        self.changed(bar)

    def changed(self, bar: Bar) -> None:
        now = time.monotonic()
        if now >= self._next_summary_at:
            self._next_summary_at = now + self._interval
            self.print_line(self._summary_line(now))

    def print_line(self, text: str) -> None:
        # soft_wrap: a log line stays one line, however narrow the console says it is.
        self._console.print(text, highlight=False, soft_wrap=True)

    def flush(self) -> None:
        """Print the final block: bars worth a look whose state has not been printed yet."""
        now = time.monotonic()
        node_lines = skipped_nodes = 0
        # A run with a mapped subgraph lists its top-level nodes too, so the map bars have
        # their context; a plain chain of single runs stays quiet.
        with_maps = any(bar.is_map for bar in self._bars)
        for bar in self._bars:
            if bar.printed_state == bar.state:
                continue
            if bar.unremarkable and not (with_maps and bar.depth == 0):
                continue
            bar.printed_state = bar.state  # counted below if not listed: not repeated at stop()
            if not bar.is_map:
                if node_lines == self._max_node_lines:
                    skipped_nodes += 1
                    continue
                node_lines += 1
            self.print_line(f"{bar.description} {bar.counts} ({now - bar.started_at:.1f}s)")
        if skipped_nodes:
            self.print_line(f"... and {skipped_nodes} more node bars")

    def stop(self) -> None:
        self.flush()  # e.g. a paused run: it ends without a run end event

    def _summary_line(self, now: float) -> str:
        """``[12.0s] pipeline 40/100 (2 failed) | 85 node runs done, 3 retried | current: score``.

        Lists the first three maps (outermost first), then node totals and the latest node.
        """
        from rich.markup import escape

        parts: list[str] = []
        done = failed = retries = 0
        for bar in self._bars:
            if not bar.is_map:
                done += bar.completed
                failed += bar.failures
                retries += bar.retries
            elif len(parts) < 3:
                failed_items = f" ({bar.failed_items} failed)" if bar.failed_items else ""
                parts.append(f"{bar.name} {bar.counts}{failed_items}")
        parts.append(
            f"{done} node runs done"
            + (f", {failed} failed" if failed else "")
            + (f", {retries} retried" if retries else "")
        )
        if self.current_node:
            parts.append(f"current: {escape(self.current_node)}")
        return escape(f"[{now - self._started_at:.1f}s]") + " " + " | ".join(parts)


def _build_progress(console: Console, transient: bool, before_render: Any) -> Any:
    """A ``Progress`` (spinner, description, bar, M/N, elapsed, map rate/ETA) that calls
    ``before_render(progress)`` right before each render."""
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
    from rich.table import Column
    from rich.text import Text

    class MapRateColumn(ProgressColumn):
        """Items per second and time remaining, for map bars only (nodes have no rate)."""

        def __init__(self) -> None:
            # Never wrapped: at 80 columns the bar gives way, the "ETA" stays on its line.
            super().__init__(table_column=Column(no_wrap=True))
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

    class PullingProgress(Progress):
        """Applies pending bar changes each time it renders."""

        _pulling_thread: int | None = None

        def get_renderable(self) -> Any:
            self._pulling_thread = threading.get_ident()
            try:
                before_render(self)
            finally:
                self._pulling_thread = None
            return super().get_renderable()

        def refresh(self) -> None:
            # add_task() refreshes by itself; inside before_render that would render again
            # for every new bar. Other threads' refreshes go ahead (they wait for rich's lock).
            if self._pulling_thread != threading.get_ident():
                super().refresh()

    return PullingProgress(
        SpinnerColumn(),
        # Only the description gives way on a narrow terminal (cut with "…"); counts, times and
        # the map's rate/ETA are never wrapped onto a second line.
        TextColumn(
            "{task.description}",
            table_column=Column(
                no_wrap=True, overflow="ellipsis", max_width=max(console.width - 56, 16)
            ),
        ),
        BarColumn(bar_width=10),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TimeElapsedColumn(table_column=Column(no_wrap=True)),
        MapRateColumn(),
        console=console,
        transient=transient,
    )
