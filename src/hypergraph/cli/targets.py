"""What the command line is pointed at: a graph named ``module:attribute`` and ``key=value`` pairs."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from hypergraph.graph import Graph

__all__ = ["BadTarget", "load_graph", "parse_assignments"]


class BadTarget(ValueError):
    """A ``module:graph`` reference or a ``key=value`` pair the command cannot use."""


def load_graph(reference: str) -> Graph:
    """Import the graph named by ``reference``.

    ``reference`` is ``package.module:attribute`` (the module is imported as usual, from the
    current directory or the installed packages) or ``path/to/file.py:attribute``; the attribute
    must be a :class:`~hypergraph.Graph`.
    """
    module_part, sep, attribute = reference.rpartition(":")
    if not sep or not module_part or not attribute:
        raise BadTarget(
            f"cannot read the graph reference {reference!r}: write it as 'module:graph' "
            "(e.g. 'examples.pipeline:graph') or 'path/to/file.py:graph'"
        )
    module = _import(module_part)
    try:
        target = getattr(module, attribute)
    except AttributeError:
        public = sorted(n for n in vars(module) if isinstance(vars(module)[n], Graph))
        hint = f" Graphs defined there: {', '.join(public)}." if public else ""
        raise BadTarget(f"{module_part!r} has no attribute {attribute!r}.{hint}") from None
    if not isinstance(target, Graph):
        raise BadTarget(
            f"{reference!r} is a {type(target).__name__}, not a Graph: point the command at a "
            "module-level Graph object"
        )
    return target


def _import(module_part: str) -> Any:
    if module_part.endswith(".py"):
        path = Path(module_part)
        if not path.is_file():
            raise BadTarget(f"no such file: {module_part}")
        name = f"_hypergraph_cli_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise BadTarget(f"cannot import {module_part}")
        module = importlib.util.module_from_spec(spec)
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # as 'python file.py' does: its sibling modules import
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(module)
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # 'python -m' semantics: the current folder imports
    try:
        return importlib.import_module(module_part)
    except ModuleNotFoundError as exc:
        if exc.name and module_part.startswith(exc.name):
            raise BadTarget(
                f"cannot import module {module_part!r}: run the command from the folder that "
                "contains it, or give a file path ('path/to/file.py:graph')"
            ) from None
        raise


def parse_assignments(pairs: tuple[str, ...], *, option: str) -> dict[str, Any]:
    """``("x=1", "name=ada")`` → ``{"x": 1, "name": "ada"}``.

    A value is read as JSON when it is valid JSON (numbers, ``true``, lists, objects, quoted
    strings), and as a plain string otherwise, so ``--input name=ada`` needs no quotes.
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadTarget(f"{option} expects key=value, got {pair!r}")
        if key in values:
            raise BadTarget(f"{option} {key!r} is given twice")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    return values
