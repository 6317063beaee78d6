"""The ``hypergraph`` command: start runs and inspect, answer and resume durable ones.

Installed as a console script by the ``cli`` extra (``pip install "hypergraph[cli]"``). It uses
only the public API: a runner, a graph loaded from ``module:attribute``, and a checkpointer opened
from ``--db`` (a SQLite path or a ``postgresql://`` URL).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING_EXTRA = (
    "the hypergraph command needs the 'cli' extra, which is not installed.\n"
    'Install it with: pip install "hypergraph[cli]"'
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        from hypergraph.cli.app import build_app
    except ImportError as exc:  # click or rich missing
        if exc.name in {"click", "rich"}:
            print(f"hypergraph: {_MISSING_EXTRA}", file=sys.stderr)
            return 2
        raise
    app = build_app()
    try:
        app.main(args=list(argv) if argv is not None else None, prog_name="hypergraph")
    except SystemExit as exit_:  # click ends every command with SystemExit(code)
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
