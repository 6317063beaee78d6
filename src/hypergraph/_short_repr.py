"""Bounded ``repr`` for user values shown in error and warning messages.

A message that quotes a value the user passed or a node returned must stay readable whatever the
value is: a route that returns a 10 MB string must not produce a 10-million-character error.
:func:`short_repr` is ``reprlib``'s abbreviated repr (long strings cut in the middle of their
text, long containers cut after a few items, deep nesting elided) with an overall length cap.
It never raises: a value whose ``repr`` fails is shown by its type.
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["short_repr", "short_text", "MAX_CHARS"]

MAX_CHARS = 160
"""Upper bound on the length of a :func:`short_repr` result."""


def _make_repr() -> reprlib.Repr:
    shortener = reprlib.Repr()
    shortener.maxlevel = 3
    shortener.maxstring = 80
    shortener.maxother = 80
    shortener.maxlong = 40
    shortener.maxlist = shortener.maxtuple = shortener.maxset = 6
    shortener.maxfrozenset = shortener.maxdeque = shortener.maxarray = 6
    shortener.maxdict = 4
    return shortener


_REPR = _make_repr()


def short_repr(value: Any) -> str:
    """``repr(value)`` abbreviated to at most :data:`MAX_CHARS` characters.

    Strings keep their start and end (``'abc...xyz'``), containers their first items, and any
    result still longer than the cap is cut with ``...`` and the full length, e.g.
    ``'aaaa...aaaa' (str of 10000000 chars)``.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # a broken __repr__ must not turn into a second error
        return f"<{type(value).__name__} object (repr failed)>"
    if isinstance(value, str) and len(value) > _REPR.maxstring:
        text = f"{text} (str of {len(value)} chars)"
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS - 3] + "..."
    return text


def short_text(text: str) -> str:
    """``text`` itself when short, else its start, ``...`` and its length (for exception text)."""
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[: MAX_CHARS - 3]}... ({len(text)} chars)"
