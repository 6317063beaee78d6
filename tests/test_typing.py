"""The package's type hints are a promise (it ships ``py.typed``): check them with mypy.

``typing_samples/user_code.py`` is ordinary user code; it must type-check under ``--strict``
exactly as a user's project would, and it must also run.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from mypy import api as mypy_api

TESTS = Path(__file__).parent
USER_CODE = TESTS / "typing_samples" / "user_code.py"


def _mypy(*args: str, cache_dir: Path) -> tuple[str, int]:
    stdout, stderr, status = mypy_api.run(
        [*args, "--strict", "--cache-dir", str(cache_dir), "--no-error-summary"]
    )
    return stdout + stderr, status


def test_user_code_type_checks_under_strict(tmp_path):
    report, status = _mypy("--config-file", "", str(USER_CODE), cache_dir=tmp_path / "cache")
    assert report == ""
    assert status == 0


def test_user_code_sample_runs(capsys):
    runpy.run_path(str(USER_CODE), run_name="__main__")
    assert capsys.readouterr().out.split() == ["3", "2", "1", "2", "3"]
