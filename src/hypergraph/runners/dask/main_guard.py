"""Refusing to start worker processes from unguarded top-level code of the main script.

Dask starts ``LocalCluster`` worker processes with the ``spawn`` method: each worker imports the
user's main script again (as ``__mp_main__``). When the script starts the cluster from its top
level, not under ``if __name__ == "__main__":``, every worker starts a cluster of its own while
importing, and the user gets pages of tracebacks ending in "Nanny failed to start".
:func:`check_main_guard` recognises that situation in the parent, before any process starts,
and raises one short error naming the fix.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import FrameType

__all__ = ["check_main_guard"]


def check_main_guard(processes: bool) -> None:
    """``RuntimeError`` if an embedded cluster of processes is started by unguarded script code.

    Args:
        processes: Whether the embedded cluster runs its workers in separate processes.
    """
    if not processes or _start_method() == "fork":
        return
    frame = _main_module_frame()
    if frame is None:
        return  # an interactive session, a notebook, ``python -c``, another thread...
    path = frame.f_code.co_filename
    if not _in_main_guard(path, frame.f_lineno):
        raise RuntimeError(
            f"DaskRunner was asked to start its local cluster from the top level of the script "
            f"{Path(path).name} (line {frame.f_lineno}), outside an "
            "'if __name__ == \"__main__\":' block. Each Dask worker process imports the script "
            "again, so it would start a cluster of its own. How to fix: put the code that uses "
            "the runner under 'if __name__ == \"__main__\":' (or in a function called from there)."
        )


def _start_method() -> str:
    """How Dask starts worker processes (``distributed.worker.multiprocessing-method``)."""
    import dask

    return str(dask.config.get("distributed.worker.multiprocessing-method", "spawn"))


def _main_module_frame() -> FrameType | None:
    """The frame running the top level of the ``__main__`` script file, if it is on the stack."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if main is None or not main_file:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            return frame
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _in_main_guard(path: str, line: int) -> bool:
    """Whether ``line`` of ``path`` lies inside an ``if __name__ == "__main__":`` body.

    When the source cannot be read or parsed, the answer is yes: never refuse on a guess.
    """
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return True
    for statement in ast.walk(tree):
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            first = statement.body[0].lineno
            last = statement.body[-1].end_lineno or first
            if first <= line <= last:
                return True
    return False


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1
