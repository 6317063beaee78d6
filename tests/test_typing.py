"""The package's type hints are a promise (it ships ``py.typed``): check them with mypy.

``typing_samples/user_code.py`` is ordinary user code; it must type-check under ``--strict``
exactly as a user's project would, and it must also run.
"""

from __future__ import annotations

import ast
import runpy
import sys
from pathlib import Path

from mypy import api as mypy_api

TESTS = Path(__file__).parent
ROOT = TESTS.parent
USER_CODE = TESTS / "typing_samples" / "user_code.py"


def _mypy(*args: str, cache_dir: Path) -> tuple[str, int]:
    # mypy raises the interpreter's recursion limit for good (to 2**14); put it back, or every
    # later test in this process would run with a limit no user program has.
    limit = sys.getrecursionlimit()
    try:
        stdout, stderr, status = mypy_api.run(
            [*args, "--strict", "--cache-dir", str(cache_dir), "--no-error-summary"]
        )
    finally:
        sys.setrecursionlimit(limit)
    return stdout + stderr, status


def test_package_type_checks_under_strict(tmp_path):
    config = str(ROOT / "pyproject.toml")  # overrides for the untyped optional extras
    report, status = _mypy(
        "--config-file", config, str(ROOT / "src" / "hypergraph"), cache_dir=tmp_path / "cache"
    )
    assert report == ""
    assert status == 0


def test_user_code_type_checks_under_strict(tmp_path):
    report, status = _mypy("--config-file", "", str(USER_CODE), cache_dir=tmp_path / "cache")
    assert report == ""
    assert status == 0


def test_user_code_sample_runs(capsys):
    runpy.run_path(str(USER_CODE), run_name="__main__")
    assert capsys.readouterr().out.split() == ["3", "2", "1", "2", "3"]


def _type_checking_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) == "TYPE_CHECKING":
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.ImportFrom):
                    names.update(alias.asname or alias.name for alias in sub.names)
    return names


def test_every_lazy_export_is_in_all_and_visible_to_type_checkers():
    import hypergraph

    tree = ast.parse(Path(hypergraph.__file__).read_text())
    lazy = set(hypergraph._EXPORTS) - {"DaskRunner"}  # DaskRunner needs the dask extra
    assert set(hypergraph.__all__) == lazy
    assert set(hypergraph._EXPORTS) - _type_checking_imports(tree) == set()
