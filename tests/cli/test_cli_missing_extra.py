"""Without the ``cli`` extra the command says which extra to install."""

from __future__ import annotations

import subprocess
import sys


def test_missing_click_names_the_cli_extra() -> None:
    code = (
        "import sys; sys.modules['click'] = None\n"
        "from hypergraph.cli import main\n"
        "raise SystemExit(main(['--help']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert 'pip install "hypergraph[cli]"' in done.stderr
