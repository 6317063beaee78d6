"""Warnings that point at the user's code, not at hypergraph's internals.

Every warning hypergraph emits about something the user wrote (a node definition, a run's
arguments, a missing output) is attributed to the first stack frame outside the package, so
the file and line Python prints are the user's own.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["user_stacklevel", "warn_user"]


def _inside_hypergraph(module: str) -> bool:
    return module == "hypergraph" or module.startswith("hypergraph.")


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first frame outside hypergraph.

    Call it from the function that warns; decorators, subclasses and helpers inside the package
    add frames in between, and they are all skipped.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and _inside_hypergraph(frame.f_globals.get("__name__", "")):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_user(message: str) -> None:
    """Emit a ``UserWarning`` attributed to the first caller outside hypergraph."""
    warnings.warn(message, UserWarning, stacklevel=user_stacklevel())
