"""How the command shows runs, steps and results: tables for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import reprlib
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = [
    "as_json",
    "attempts_text",
    "item_table",
    "print_table",
    "run_table",
    "short",
    "step_table",
    "to_plain",
    "when",
]

_short_repr = reprlib.Repr()
_short_repr.maxstring = 60
_short_repr.maxother = 60
_short_repr.maxlist = _short_repr.maxtuple = _short_repr.maxdict = _short_repr.maxset = 5
_short_repr.maxlevel = 2


def short(value: Any) -> str:
    """A one-line, bounded preview of a user value (long strings and lists are cut)."""
    return str(_short_repr.repr(value))


def to_plain(value: Any) -> Any:
    """``value`` made of JSON types only: records as objects, enums as their values, times in ISO."""
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def as_json(value: Any) -> str:
    """Indented JSON of :func:`to_plain` ``(value)``."""
    return json.dumps(to_plain(value), indent=2, sort_keys=False)


def when(stamp: Any) -> str:
    """A timestamp (datetime, epoch seconds or ISO text) as ``YYYY-MM-DD HH:MM:SS``."""
    if stamp is None:
        return "-"
    if isinstance(stamp, (int, float)):
        stamp = dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc)
    if isinstance(stamp, str):
        try:
            stamp = dt.datetime.fromisoformat(stamp)
        except ValueError:
            return str(stamp)
    if isinstance(stamp, dt.datetime):
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    return str(stamp)


def _duration(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def _status(value: Any) -> str:
    return str(value.value if isinstance(value, enum.Enum) else value)


def run_table(runs: Iterable[Any]) -> Table:
    """One row per run: id, status, graph, started, duration, nodes, errors."""
    table = Table(title="runs", title_justify="left")
    for column in ("id", "status", "graph", "started", "duration", "nodes", "errors"):
        table.add_column(column, no_wrap=column in ("id", "started"))
    for run in runs:
        table.add_row(
            run.id,
            _status(run.status),
            run.graph_name or "-",
            when(run.created_at),
            _duration(run.duration_ms),
            str(run.node_count),
            str(run.error_count),
        )
    return table


def step_table(steps: Iterable[Any]) -> Table:
    """One row per recorded step, in order: what ran, how it ended, and what it produced.

    When a step was retried, an ``attempts`` column shows how many attempts it took and each
    failed attempt's error (and the delay before the next one)."""
    steps = list(steps)
    retried = any(getattr(step, "attempts", None) for step in steps)
    table = Table(title="steps", title_justify="left")
    columns = ["step", "node", "status", "duration", "decision / error", "values"]
    if retried:
        columns.insert(4, "attempts")
    for column in columns:
        table.add_column(column)
    for step in steps:
        detail = ""
        if step.error:  # with where it failed inside (nested node, map item): keep it whole
            detail = short(step.error) if not isinstance(step.error, str) else step.error[:400]
        elif step.decision is not None:
            detail = f"-> {to_plain(step.decision)}"
        values = ", ".join(f"{k}={short(v)}" for k, v in (step.values or {}).items())
        flags = " (cached)" if step.cached else ""
        row = [
            str(step.superstep),
            step.node_name,
            _status(step.status) + flags,
            _duration(step.duration_ms),
            detail,
            values,
        ]
        if retried:
            row.insert(4, attempts_text(getattr(step, "attempts", None) or []))
        table.add_row(*row)
    return table


def attempts_text(attempts: list[Any]) -> str:
    """``"3 (2 failed)"`` then one line per failed attempt: ``#1 ValueError: ...``."""
    if not attempts:
        return ""
    failed = [a for a in attempts if a.error is not None]
    lines = [f"{len(attempts)} ({len(failed)} failed)" if failed else str(len(attempts))]
    for attempt in failed:
        lines.append(f"#{attempt.number} {attempt.error[:60]}")
    waited = sum(a.delay for a in attempts)
    if waited:
        lines.append(f"waited {waited:.2f} s")
    return "\n".join(lines)


def item_table(items: Iterable[Mapping[str, Any]]) -> Table:
    """The failed items of a map: index, the inputs that vary per item, node and error."""
    table = Table(title="failed items", title_justify="left")
    for column in ("item", "inputs", "node", "error"):
        table.add_column(column)
    for item in items:
        inputs = ", ".join(f"{k}={short(v)}" for k, v in item["inputs"].items())
        table.add_row(str(item["index"]), inputs, item["node"] or "-", (item["error"] or "")[:400])
    return table


def print_table(table: Table) -> None:
    """Print a table on stdout, at least 100 columns wide when stdout is not a terminal."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
    console.print(table)
