"""Every self-contained Python example in the README and the user guides runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs" / "guides").glob("*.md"))
PAGES = [README, ROOT / "docs" / "index.md", *GUIDES]


def _blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)


def _runnable(block: str) -> bool:
    # "..." marks an illustrative body; a bare top-level await needs a notebook's event loop.
    return "..." not in block and ("await " not in block or "asyncio.run(" in block)


EXAMPLES = [
    pytest.param(page, block, id=f"{page.relative_to(ROOT)}:{number}")
    for page in PAGES
    for number, block in enumerate(_blocks(page), start=1)
    if _runnable(block)
]


@pytest.mark.parametrize(("page", "code"), EXAMPLES)
def test_documented_example_runs(page: Path, code: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(page), "exec"), {"__name__": "readme_example"})


def test_readme_has_examples() -> None:
    assert len([b for b in _blocks(README) if _runnable(b)]) >= 3


def test_every_guide_page_has_a_runnable_example_or_is_listed_here() -> None:
    # Pages that only show shell commands have no Python block to run.
    shell_only = {"benchmarks.md", "cli.md"}
    missing = [
        page.name
        for page in GUIDES
        if page.name not in shell_only and not any(_runnable(b) for b in _blocks(page))
    ]
    assert missing == []


def test_readme_links_every_guide_page() -> None:
    readme = README.read_text(encoding="utf-8")
    unlinked = [page.name for page in GUIDES if f"(docs/guides/{page.name})" not in readme]
    assert unlinked == []
