"""Shared by the examples: show live progress bars only when a person is watching."""

from __future__ import annotations

import sys

from hypergraph import RichProgressProcessor


def progress_processors() -> list:
    """Live progress bars when run in a terminal with ``rich`` installed, else none.

    ``RichProgressProcessor`` needs the progress extra (``pip install "hypergraph[progress]"``);
    without it, or when the output goes to a file or a CI log, the example runs without bars.
    """
    if not sys.stdout.isatty():
        return []
    try:
        return [RichProgressProcessor()]
    except ImportError:
        return []
