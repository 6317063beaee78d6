"""Every self-contained Python example in the README runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def _runnable(block: str) -> bool:
    # "..." marks an illustrative body; a bare top-level await needs a notebook's event loop.
    return "..." not in block and ("await " not in block or "asyncio.run(" in block)


@pytest.mark.parametrize(
    "code", [b for b in BLOCKS if _runnable(b)], ids=lambda b: b.splitlines()[0][:40]
)
def test_readme_example_runs(code: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})


def test_readme_has_examples() -> None:
    assert len([b for b in BLOCKS if _runnable(b)]) >= 3
