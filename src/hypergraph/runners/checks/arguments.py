"""Everything a run checks before its first node executes (checks 1-6 of docs/guides/running.md).

:func:`prepare_run` normalises the caller's values, checks the runner can execute the graph,
resolves the runtime ``select``, validates the inputs (docs/guides/running.md, in
:mod:`.input_check`) and the option strings. All of that depends only on the graph, the *names* of
the supplied values and the options, never on the values themselves, so the verdict is memoised on
the (immutable) graph: ``map()`` calls this once per item and a repeat call costs a dict copy plus
one lookup.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from hypergraph._short_repr import short_repr
from hypergraph._warnings import warn_user
from hypergraph.exceptions import GraphConfigError, IncompatibleRunnerError
from hypergraph.graph.core import graph_facts
from hypergraph.runners.checks.inputs import option_clash_hint, validate_inputs
from hypergraph.runners.loop.cache_hooks import cache_true_paths, warn_cache_without_backend

__all__ = [
    "ALL_OUTPUTS_DEFAULT",
    "MAP_RESERVED",
    "RUN_RESERVED",
    "PreparedRun",
    "check_error_handling",
    "check_map_compatible",
    "check_runner_compatible",
    "prepare_run",
    "quiet_nested_start",
    "resolve_select",
]

RUN_RESERVED: frozenset[str] = frozenset(
    {"select", "max_iterations", "event_processors", "max_concurrency", "_parent_span_id"}
)
MAP_RESERVED: frozenset[str] = frozenset(
    {
        "map_over",
        "map_mode",
        "select",
        "error_handling",
        "event_processors",
        "max_concurrency",
        "_parent_span_id",
    }
)

ON_MISSING_CHOICES = ("ignore", "warn", "error")
ERROR_HANDLING_CHOICES = ("raise", "continue")


class _AllOutputsDefault:
    """Type of :data:`ALL_OUTPUTS_DEFAULT`; shows as ``"**"`` in signatures and docs."""

    _instance: _AllOutputsDefault | None = None

    def __new__(cls) -> _AllOutputsDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "'**'"

    def __reduce__(self) -> str:
        return "ALL_OUTPUTS_DEFAULT"


ALL_OUTPUTS_DEFAULT: Any = _AllOutputsDefault()
"""Default of the runners' ``select``: "not given", so the graph's own ``select()`` applies.

An explicit ``select="**"`` means all outputs and overrides the graph's selection.
"""


class PreparedRun(NamedTuple):
    """The checked, normalised arguments of one run (built once per run and per map item).

    Attributes:
        values: the supplied values (a fresh dict, never the caller's).
        selected: the runtime selection, else the graph's selection, else ``None`` (all outputs).
        on_missing: the validated ``on_missing`` policy.
        error_handling: the validated ``error_handling`` mode.
    """

    values: dict[str, Any]
    selected: tuple[str, ...] | None
    on_missing: str
    error_handling: str


@dataclass(frozen=True, slots=True)
class _Verdict:
    """The memoised outcome of the checks for one key set: what to select, what to warn."""

    selected: tuple[str, ...] | None
    warning: str | None


_MEMO_KEY = "prepare"  # in graph_facts(graph): key set -> _Verdict
_MEMO_LIMIT = 512  # distinct key sets per graph; past it the memo restarts (rare, cheap)


def prepare_run(
    graph: Any,
    values: Mapping[str, Any] | None,
    input_values: Mapping[str, Any] | None,
    *,
    runner: Any,
    select: Any = ALL_OUTPUTS_DEFAULT,
    on_missing: str = "ignore",
    on_internal_override: str = "warn",
    entrypoint: str | None = None,
    error_handling: str = "raise",
    reserved: frozenset[str] = RUN_RESERVED,
) -> PreparedRun:
    """Run the checks 1-6 of docs/guides/running.md for one run and return the normalised arguments.

    Raises ``ValueError``, ``TypeError``, ``GraphConfigError``, ``IncompatibleRunnerError`` or
    ``MissingInputError`` as that page describes; ``on_internal_override="warn"`` emits a
    ``UserWarning`` on every call that supplies internal or unknown names.
    """
    # The fast path below runs once per map item: keep it to a copy, a hash and a lookup.
    if type(values) is dict and not input_values:
        merged = values.copy()
    else:
        merged = _normalise(values, input_values, reserved)
    verdict = _verdict(
        graph, merged, runner, select, on_missing, on_internal_override, entrypoint,
        error_handling, reserved,
    )  # fmt: skip
    if verdict.warning is not None:
        warn_user(verdict.warning)
    if getattr(runner, "cache", None) is None:
        warn_cache_without_backend(graph, runner)
    return PreparedRun(merged, verdict.selected, on_missing, error_handling)


def _verdict(
    graph: Any,
    merged: dict[str, Any],
    runner: Any,
    select: Any,
    on_missing: str,
    on_internal_override: str,
    entrypoint: str | None,
    error_handling: str,
    reserved: frozenset[str],
) -> _Verdict:
    """The checks' verdict for the key set of ``merged``, memoised on the graph."""
    facts = graph_facts(graph)
    memo = facts.get(_MEMO_KEY) if facts is not None else None
    if memo is None:
        memo = _new_memo(graph, facts)
    try:
        key: tuple[Any, ...] | None = (
            type(runner),
            frozenset(merged),
            tuple(select) if type(select) is list else select,
            entrypoint,
            on_internal_override,
            on_missing,
            error_handling,
        )
        verdict = memo.get(key) if memo is not None else None
    except TypeError:  # an unhashable option: let the slow path explain what is wrong
        key, verdict = None, None
    if verdict is None:
        verdict = _check(
            graph, merged, runner, select, on_missing, on_internal_override, entrypoint,
            error_handling, reserved is RUN_RESERVED,
        )  # fmt: skip
        if memo is not None and key is not None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = verdict
    return verdict


def quiet_nested_start(
    graph: Any, keys: frozenset[str], runner: Any
) -> tuple[tuple[str, ...] | None, str] | None:
    """The ``(selection, on_missing)`` of a nested run of ``graph`` started with ``keys`` by
    ``runner``, when its start (``prepare_run`` with the nested run's options) neither raises
    nor warns, whatever the values; ``None`` otherwise.

    A compiled outer run writes such an inner run inline (engine/compiled.py), skipping its
    per-call start, which must therefore have nothing to say.
    """
    try:
        verdict = _verdict(
            graph, dict.fromkeys(keys), runner, ALL_OUTPUTS_DEFAULT, "ignore", "ignore", None,
            "raise", RUN_RESERVED,
        )  # fmt: skip
    except Exception:
        return None
    if verdict.warning is not None or cache_true_paths(graph):
        return None
    return verdict.selected, "ignore"


def _check(
    graph: Any,
    merged: dict[str, Any],
    runner: Any,
    select: Any,
    on_missing: str,
    on_internal_override: str,
    entrypoint: str | None,
    error_handling: str,
    for_run: bool,
) -> _Verdict:
    """Checks 2-6 of docs/guides/running.md, in order; raises on the first problem."""
    check_input_names(merged)
    check_runner_compatible(graph, runner)
    if for_run:
        _check_map_options_in_run(graph, merged)
    inputs = list(graph.inputs.all)
    try:
        selected = resolve_select(graph, select)
    except (TypeError, GraphConfigError) as exc:
        raise _clarified(exc, inputs, "select") from None
    try:
        warning = validate_inputs(
            graph,
            frozenset(merged),
            selected=selected,
            entrypoint=entrypoint,
            on_internal_override=on_internal_override,
        )
    except ValueError as exc:
        if entrypoint is None or "entry point" not in str(exc):
            raise
        raise _clarified(exc, inputs, "entrypoint") from None
    try:
        if on_missing not in ON_MISSING_CHOICES:
            raise ValueError(
                f"Invalid on_missing={short_repr(on_missing)}. It decides what happens when a "
                f"selected output was not produced; choose one of {list(ON_MISSING_CHOICES)}."
            )
        check_error_handling(error_handling)
    except ValueError as exc:
        name = "on_missing" if "on_missing" in str(exc) else "error_handling"
        raise _clarified(exc, inputs, name) from None
    return _Verdict(selected, warning)


def _clarified(exc: Exception, inputs: list[str], option: str) -> Exception:
    """``exc`` (same type) with a note when the graph also has an input named ``option``."""
    hint = option_clash_hint([option]) if option in inputs else ""
    if not hint:
        return exc
    clarified = type(exc)(f"{exc}{hint}")
    clarified.__cause__ = exc.__cause__
    return clarified


def _check_map_options_in_run(graph: Any, merged: Mapping[str, Any]) -> None:
    """``run(..., map_over=...)`` meant ``map``: say so instead of running with a stray input."""
    options = [name for name in ("map_over", "map_mode", "clone") if name in merged]
    if not options or all(name in graph.inputs.all for name in options):
        return
    name = next(name for name in options if name not in graph.inputs.all)
    raise ValueError(
        f"{name}= is an option of map(), not of run(): run() runs the graph once, with the "
        f"values as given. How to fix: call runner.map(graph, ..., {name}=...) to run the graph "
        f"once per item (its results come back as a list of RunResult)."
    )


def check_error_handling(error_handling: Any) -> None:
    """``ValueError`` unless ``error_handling`` is ``"raise"`` or ``"continue"`` (run and map)."""
    if error_handling not in ERROR_HANDLING_CHOICES:
        raise ValueError(
            f"Invalid error_handling={short_repr(error_handling)}. How to fix: use 'raise' to "
            "raise the first failure (a node's own exception), or 'continue' to get FAILED results "
            "holding the error and the outputs produced before it (map: for the failing items, the "
            "others still run)."
        )


def _normalise(
    values: Mapping[str, Any] | None,
    input_values: Mapping[str, Any] | None,
    reserved: frozenset[str],
) -> dict[str, Any]:
    """Step 1: a fresh dict of ``values`` merged with the keyword shorthand."""
    if values is None:
        merged: dict[str, Any] = {}
    elif type(values) is dict:
        merged = values.copy()
    elif isinstance(values, Mapping):
        merged = dict(values)
    else:
        raise TypeError(
            f"values must be a dict of input names to values, got {type(values).__name__}. "
            "Example: runner.run(graph, {'x': 1}) or runner.run(graph, x=1). An input named "
            "'values' goes inside that dict: runner.run(graph, {'values': ...})."
        )
    if input_values:
        duplicated = sorted(merged.keys() & input_values.keys())
        if duplicated:
            raise ValueError(
                f"Input(s) {duplicated} given in both values and kwargs. How to fix: pass each "
                "input once, either in the values dict or as a keyword argument."
            )
        clashing = sorted(reserved.intersection(input_values))
        if clashing:
            raise ValueError(
                f"Keyword input(s) {clashing} are reserved runner options and cannot be passed "
                f"as keyword inputs. How to fix: if your graph has an input with that name, "
                f"pass it in the values dict instead, e.g. values={{'{clashing[0]}': ...}}."
            )
        merged.update(input_values)
    return merged


def check_runner_compatible(graph: Any, runner: Any) -> None:
    """Steps 2-3: the runner has the capabilities and node types the graph needs."""
    caps = runner.capabilities
    nodes = graph.nodes
    if not caps.supports_async_nodes and graph.has_async_nodes:
        async_nodes = [n for n in nodes.values() if n.is_async]
        described = ", ".join(_describe_async(n) for n in async_nodes)
        raise IncompatibleRunnerError(
            f"{type(runner).__name__} cannot run async nodes, but graph "
            f"{_graph_label(graph)} has: {described}. How to fix: use AsyncRunner "
            "(`await AsyncRunner().run(...)`), or make those functions synchronous.",
            node_name=async_nodes[0].name if async_nodes else None,
            capability="supports_async_nodes",
        )
    if not caps.supports_cycles and graph.has_cycles:
        raise IncompatibleRunnerError(
            f"{type(runner).__name__} cannot run graphs with cycles, but graph "
            f"{_graph_label(graph)} has one. How to fix: use SyncRunner or AsyncRunner.",
            capability="supports_cycles",
        )
    if not caps.supports_interrupts and graph.has_interrupts:
        names = [n.name for n in nodes.values() if n.is_interrupt]
        raise IncompatibleRunnerError(
            f"{type(runner).__name__} cannot run InterruptNode(s) {names} in graph "
            f"{_graph_label(graph)}: pausing for a human answer needs AsyncRunner. How to fix: "
            "use AsyncRunner, or supply the interrupt's output value so it never pauses.",
            node_name=names[0] if names else None,
            capability="supports_interrupts",
        )
    supported = runner.supported_node_types
    for node in nodes.values():
        if type(node) not in supported:
            allowed = sorted(t.__name__ for t in supported)
            raise TypeError(
                f"Node '{node.name}' is a {type(node).__name__}, which "
                f"{type(runner).__name__} cannot execute. Supported node types: {allowed}."
            )


def check_map_compatible(graph: Any) -> None:
    """``map()`` over a graph with top-level interrupts is refused by every runner
    (docs/guides/map.md)."""
    if graph.has_interrupts:
        names = [n.name for n in graph.nodes.values() if n.is_interrupt]
        raise IncompatibleRunnerError(
            f"map() cannot run graph {_graph_label(graph)} because it contains InterruptNode(s) "
            f"{names}: a batch cannot pause for a human answer per item. How to fix: run the "
            "items one by one with run(), or supply the interrupt outputs in the values.",
            node_name=names[0] if names else None,
            capability="supports_interrupts",
        )


def resolve_select(graph: Any, select: Any) -> tuple[str, ...] | None:
    """Step 4: the output names to return, or ``None`` for all outputs."""
    if select is ALL_OUTPUTS_DEFAULT:
        selected = graph.selected
        return tuple(selected) if selected is not None else None
    if isinstance(select, str):
        if select == "**":
            return None
        names: tuple[str, ...] = (select,)
    elif isinstance(select, (list, tuple)):
        names = tuple(select)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(
                    f"select entries must be output names (str), got {short_repr(name)}."
                )
    else:
        raise TypeError(
            f"select must be an output name, a list of output names or '**', "
            f"got {type(select).__name__}."
        )
    outputs = graph.outputs
    unknown = [n for n in names if n not in outputs]
    if unknown:
        import difflib

        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, outputs, n=1)
            if close:
                hints.append(f" Did you mean '{close[0]}' instead of '{name}'?")
        raise GraphConfigError(
            f"select names {unknown}, which {'is' if len(unknown) == 1 else 'are'} not "
            f"output(s) of graph {_graph_label(graph)}. Available outputs: {list(outputs)}."
            + "".join(hints)
        )
    return tuple(dict.fromkeys(names))


def _describe_async(node: Any) -> str:
    inner = getattr(node, "nested_graph", None)
    if inner is None:
        return f"'{node.name}'"
    paths = _async_paths(inner, node.name)
    return f"'{node.name}' (GraphNode containing async {', '.join(paths) or 'nodes'})"


def _async_paths(graph: Any, prefix: str) -> list[str]:
    paths: list[str] = []
    for child in graph.nodes.values():
        if not child.is_async:
            continue
        inner = getattr(child, "nested_graph", None)
        path = f"{prefix}/{child.name}"
        paths.extend(_async_paths(inner, path) if inner is not None else [f"'{path}'"])
    return paths


def _graph_label(graph: Any) -> str:
    name = getattr(graph, "name", None)
    return f"'{name}'" if name else "(unnamed graph)"


def require_graph(graph: Any, method: str = "run") -> None:
    """``TypeError`` unless ``graph`` is a Graph (a node passed instead is a common slip)."""
    from hypergraph.graph import Graph
    from hypergraph.nodes.base import HyperNode

    if isinstance(graph, Graph):
        return
    if isinstance(graph, HyperNode):  # runner.run(step) instead of runner.run(Graph([step]))
        raise TypeError(
            f"Runners run a Graph, got the node '{graph.name}'. "
            f"How to fix: wrap it, e.g. runner.{method}(Graph([{graph.name}]), ...)."
        )
    raise TypeError(
        f"runner.{method}() needs a Graph as its first argument, got "
        f"{type(graph).__name__} ({reprlib.repr(graph)}). How to fix: build the graph from your "
        f"nodes and pass it, e.g. runner.{method}(Graph([step1, step2]), ...)."
    )


def check_input_names(values: Mapping[Any, Any]) -> None:
    """``TypeError`` naming the first input name that is not a string (e.g. ``{1: 2}``)."""
    for name in values:
        if not isinstance(name, str):
            raise TypeError(
                f"Input names must be strings (the graph's parameter names), got "
                f"{reprlib.repr(name)} ({type(name).__name__}) as a key of values. How to fix: "
                "key each value by the name of the parameter it feeds, e.g. {'x': 2}."
            )


def _new_memo(graph: Any, facts: dict[str, Any] | None) -> dict[Any, _Verdict] | None:
    """A fresh verdict memo in ``graph``'s facts; ``None`` if it is not a Graph."""
    require_graph(graph)  # only on a memo miss, so the check costs nothing per run
    if facts is None:
        return None
    memo: dict[Any, _Verdict] = {}
    facts[_MEMO_KEY] = memo
    return memo
