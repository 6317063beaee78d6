"""Checkpointers load only when used: ``import hypergraph`` stays light."""

from __future__ import annotations

import subprocess
import sys


def test_import_hypergraph_does_not_load_checkpointers_or_sqlite() -> None:
    code = (
        "import sys, hypergraph\n"
        "loaded = [m for m in ('hypergraph.checkpointers', 'sqlite3') if m in sys.modules]\n"
        "print(loaded)\n"
        "hypergraph.SqliteCheckpointer\n"
        "print('hypergraph.checkpointers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]
