"""Saying where a failure happened without changing what was raised.

A node's exception reaches the caller as itself (same type, same message), so it cannot carry
the node's name or a map item's position in its text. Both go into exception notes instead
(``BaseException.add_note``; printed under the traceback), and the failing node's path is kept
on the exception for ``RunResult.failed_node``:

- :func:`note_failed_node` — the node that raised (``"inner/f"`` through nested graphs);
- :func:`note_failed_item` — which item of a ``map()`` or ``map_over`` failed, with its mapped
  inputs shortened.

Python 3.10 has no ``add_note``; the notes are then stored in ``__notes__`` all the same (the
attribute 3.11's traceback printing reads), so callers can inspect them on every version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "add_note",
    "describe_failure",
    "failed_node_of",
    "note_failed_item",
    "note_failed_node",
]

_NODE_ATTR = "_hypergraph_failed_node"
_PREFIX = "hypergraph: "
_MAX_VALUE = 60


def add_note(exc: BaseException, text: str) -> None:
    """Attach ``text`` as an exception note (``__notes__`` on Python 3.10)."""
    try:
        if hasattr(exc, "add_note"):
            exc.add_note(text)
        else:  # pragma: no cover - Python 3.10
            setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), text])  # noqa: B010
    except Exception:  # an exception type refusing attributes: keep the original untouched
        pass


def note_failed_node(exc: BaseException, node_name: str, graph_name: str | None) -> None:
    """Record that node ``node_name`` raised ``exc``; an outer GraphNode prefixes its name."""
    inner = getattr(exc, _NODE_ATTR, None)
    try:
        setattr(exc, _NODE_ATTR, f"{node_name}/{inner}" if inner else node_name)
    except Exception:
        return
    if inner is None:
        where = f" of graph '{graph_name}'" if graph_name else ""
        add_note(exc, f"{_PREFIX}raised by node '{node_name}'{where}")


def failed_node_of(exc: BaseException | None) -> str | None:
    """The path of the node that raised ``exc`` (``None`` if no node did)."""
    return getattr(exc, _NODE_ATTR, None) if exc is not None else None


def note_failed_item(
    exc: BaseException,
    index: int,
    count: int,
    item: Mapping[str, Any],
    mapped: Sequence[str],
    *,
    node_name: str | None = None,
) -> None:
    """Record that item ``index`` (0-based) of ``count`` failed, showing its mapped inputs."""
    shown = ", ".join(f"{name}={_short(item[name])}" for name in mapped if name in item)
    where = f"map_over of node '{node_name}'" if node_name else "map()"
    add_note(exc, f"{_PREFIX}{where} failed at item index {index} of {count}: {shown}")


def describe_failure(exc: BaseException, node_name: str) -> str:
    """One line saying how node ``node_name`` failed: ``"Type: message"``, then in parentheses
    where inside it the failure happened (the inner node of a nested graph, the failed item
    of a ``map_over`` and its inputs), from the notes above. Stored with a failed step."""
    own = f"{_PREFIX}raised by node '{node_name}'"
    notes = [
        note[len(_PREFIX) :]
        for note in getattr(exc, "__notes__", None) or ()
        if isinstance(note, str) and note.startswith(_PREFIX) and not note.startswith(own)
    ]
    text = f"{type(exc).__name__}: {exc}"
    return f"{text} ({'; '.join(notes)})" if notes else text


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."
