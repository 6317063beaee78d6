"""Run-start input validation: which supplied names are fine, which conflict.

The rules are those of docs/guides/running.md, "Input validation".

Works on names only. *Provided* = supplied names ∪ names bound on the graph. The checks, in
order: unexpected names (internal outputs vs unknown), hard override conflicts, the
``on_internal_override`` policy, bypass (a producer whose consumed outputs are all provided does
not need its inputs), cycle entry points, and finally missing required inputs. The structural
facts about the graph's active scope are computed once per (graph, selection) and cached on the
graph, so validating a new key set touches only sets and small loops.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from hypergraph._short_repr import short_repr
from hypergraph._warnings import warn_user
from hypergraph.exceptions import MissingInputError
from hypergraph.graph.core import graph_facts

__all__ = ["ON_INTERNAL_OVERRIDE_CHOICES", "validate_inputs"]

ON_INTERNAL_OVERRIDE_CHOICES = ("ignore", "warn", "error")
_SCOPE_KEY = "input_scopes"  # in graph_facts(graph): selection -> _Scope


@dataclass(frozen=True)
class _Scope:
    """Structural facts about the nodes active for one (graph, selection)."""

    spec: Any  # the InputSpec of the active scope
    nodes: dict[str, Any]  # active nodes, in graph order
    consumers: dict[str, tuple[str, ...]]  # input name -> active nodes reading it
    producers: dict[str, tuple[str, ...]]  # output name -> any graph node producing it
    cycle_of: dict[str, int]  # active node -> index of its cycle (data-edge SCC)
    cycle_params: frozenset[str]  # names circulating inside some cycle
    interrupt_outputs: frozenset[str]
    unselected_inputs: frozenset[str]  # read by nodes outside the selection (they still run)


def validate_inputs(
    graph: Any,
    supplied: frozenset[str],
    *,
    selected: tuple[str, ...] | None,
    entrypoint: str | None,
    on_internal_override: str,
) -> str | None:
    """Validate supplied names against the active scope; return a warning text or ``None``.

    Raises ``ValueError`` (bad policy, hard conflicts, policy ``"error"``, cycle entry problems)
    or ``MissingInputError``. The returned warning (policy ``"warn"``) is for the caller to emit.
    """
    if on_internal_override not in ON_INTERNAL_OVERRIDE_CHOICES:
        raise ValueError(
            f"Invalid on_internal_override={short_repr(on_internal_override)}. It decides what "
            "happens when you supply a value a node would compute, or a name no node uses; choose "
            f"one of {list(ON_INTERNAL_OVERRIDE_CHOICES)}."
        )
    scope = _scope_of(graph, selected)
    spec = scope.spec
    provided = supplied | frozenset(spec.bound)
    expected = set(spec.all) | scope.interrupt_outputs | scope.cycle_params
    unexpected = sorted(k for k in supplied if k not in expected)
    internal = {k: scope.producers[k] for k in unexpected if k in scope.producers}
    unknown = [k for k in unexpected if k not in internal and k not in scope.unselected_inputs]

    _check_conflicts(scope, supplied, provided)
    warning = None
    if (internal or unknown) and on_internal_override != "ignore":
        message = _override_message(graph, scope, internal, unknown, supplied)
        if on_internal_override == "error":
            raise ValueError(message)
        warning = message
    try:
        bypassed = _bypassed_nodes(scope, provided)
        _check_requirements(graph, scope, supplied, provided, bypassed, entrypoint)
    except Exception:
        if warning is not None:  # still tell the user about the suspicious names
            warn_user(warning)
        raise
    return warning


def _check_conflicts(scope: _Scope, supplied: frozenset[str], provided: frozenset[str]) -> None:
    """Hard conflicts: a node that would overwrite injected outputs, or a partial injection."""
    problems: list[str] = []
    for name, node in scope.nodes.items():
        if node.is_interrupt:  # supplying an interrupt's outputs is how a run resumes
            continue
        outputs = node.data_outputs
        injected = [o for o in outputs if o in supplied and o not in scope.cycle_params]
        if not injected:
            continue
        if all(p in provided or node.has_default_for(p) for p in node.inputs):
            problems.append(
                f"Cannot mix compute and inject for node '{name}': you supplied its output(s) "
                f"{injected} and also everything it needs to run ({list(node.inputs)}), so it "
                "would run and overwrite them. Supply either its inputs or its outputs."
            )
        absent = [
            o
            for o in outputs
            if o not in provided and any(c != name for c in scope.consumers.get(o, ()))
        ]
        if absent:
            readers = sorted({c for o in absent for c in scope.consumers[o] if c != name})
            problems.append(
                f"Node '{name}' got partial inject outputs: you supplied {injected} but not "
                f"{absent}, which {readers} still need. Supply all of {list(outputs)} or none."
            )
    if problems:
        raise ValueError("Invalid internal override configuration:\n  - " + "\n  - ".join(problems))


def _override_message(
    graph: Any,
    scope: _Scope,
    internal: dict[str, tuple[str, ...]],
    unknown: list[str],
    supplied: frozenset[str],
) -> str:
    """The on_internal_override text: unknown names (likely typos) first, then internal ones.

    A close match among the interrupts' outputs is shown as the resume key the paused
    interrupt expects (a misspelt resume key would otherwise just pause the run again).
    """
    spec = scope.spec
    lines: list[str] = []
    if unknown:
        hints = []
        # Only suggest names the caller has not supplied already: those are the likely typos.
        answers = sorted(scope.interrupt_outputs)
        candidates = [name for name in [*spec.all, *answers] if name not in supplied]
        for name in unknown:
            close = difflib.get_close_matches(name, candidates, n=1)
            if not close:
                hints.append(f"'{name}'")
            elif close[0] in scope.interrupt_outputs:
                asker = ", ".join(f"'{n}'" for n in scope.producers.get(close[0], ()))
                hints.append(
                    f"'{name}' (did you mean '{close[0]}', the resume key interrupt {asker} "
                    "expects?)"
                )
            else:
                hints.append(f"'{name}' (did you mean '{close[0]}'?)")
        several = len(unknown) > 1
        lines.append(
            f"Unknown input{'s' if several else ''} {', '.join(hints)}{_of(graph)}: no node "
            f"reads {'them' if several else 'it'}, so {'they are' if several else 'it is'} "
            "ignored (an optional input you meant keeps its default)."
        )
    if internal:
        mapping = ", ".join(f"{o} <- {', '.join(nodes)}" for o, nodes in internal.items())
        lines.append(
            f"Supplied internal parameters (values a node computes; output <- producing node): "
            f"{mapping}; a supplied value is used only while its producer does not run."
        )
    lines.append(f"Expected inputs: {list(spec.all)}.")
    if scope.interrupt_outputs:
        lines.append(f"Resume keys of interrupts: {sorted(scope.interrupt_outputs)}.")
    lines.append(
        "How to fix: remove or correct these keys. on_internal_override='error' makes unknown "
        "names and internal parameters stop the run; 'ignore' accepts them silently."
    )
    return " ".join(lines)


def _bypassed_nodes(scope: _Scope, provided: frozenset[str]) -> set[str]:
    """Nodes that need not run: every output they feed onwards is already provided.

    Applied to a fixpoint, so a chain feeding only a bypassed node is bypassed too. Cycle
    members are never bypassed: a value supplied inside a loop is its entry value.
    """
    bypassed: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in scope.nodes.items():
            if name in bypassed or name in scope.cycle_of:
                continue
            outputs = node.data_outputs
            relevant = [o for o in outputs if scope.consumers.get(o)] or list(outputs)
            if relevant and all(_covered(o, scope, provided, bypassed) for o in relevant):
                bypassed.add(name)
                changed = True
    return bypassed


def _covered(output: str, scope: _Scope, provided: frozenset[str], bypassed: set[str]) -> bool:
    if output in provided:
        return True
    readers = scope.consumers.get(output, ())
    return bool(readers) and all(r in bypassed for r in readers)


def _check_requirements(
    graph: Any,
    scope: _Scope,
    supplied: frozenset[str],
    provided: frozenset[str],
    bypassed: set[str],
    entrypoint: str | None,
) -> None:
    """Cycle entry rules, then missing required inputs (bypassed readers do not count)."""
    spec = scope.spec
    entries: dict[str, tuple[str, ...]] = dict(spec.entrypoints)
    if entrypoint is not None and entrypoint not in entries:
        valid = list(entries) or "none (the graph has no cycle that needs an entry value)"
        raise ValueError(
            f"entrypoint='{entrypoint}' is not a valid entry point{_of(graph)}. "
            f"Valid entry points: {valid}."
        )
    groups: dict[Any, list[str]] = {}
    for member in entries:
        groups.setdefault(scope.cycle_of.get(member, member), []).append(member)

    def satisfied(param: str, members: list[str]) -> bool:
        if param in provided:
            return True
        outside = [p for p in scope.producers.get(param, ()) if p in scope.nodes]
        return any(scope.cycle_of.get(p) != scope.cycle_of.get(members[0]) for p in outside)

    unentered: list[list[str]] = []
    for members in groups.values():
        if entrypoint in members:
            lacking = [p for p in entries[entrypoint] if not satisfied(p, members)]
            if lacking:
                raise ValueError(
                    f"entrypoint='{entrypoint}' needs {lacking} to start the cycle, but "
                    f"{'it was' if len(lacking) == 1 else 'they were'} not supplied. "
                    f"How to fix: pass {', '.join(f'{p}=...' for p in lacking)}."
                )
            continue
        ready = [m for m in members if all(satisfied(p, members) for p in entries[m])]
        if not ready and not _self_starting(
            scope, scope.cycle_of.get(members[0]), entries, provided
        ):
            unentered.append(members)
        elif len({frozenset(entries[m]) for m in ready}) > 1:
            options = ", ".join(f"'{m}' ({', '.join(entries[m])})" for m in ready)
            raise ValueError(
                f"Ambiguous cycle entry: values for several entry points of the same cycle "
                f"were supplied: {options}. How to fix: supply the values of only one, or "
                f"choose with entrypoint='{ready[0]}'."
            )

    missing = sorted(
        r
        for r in spec.required
        if r not in provided
        and not (scope.consumers.get(r) and all(c in bypassed for c in scope.consumers[r]))
    )
    if missing or unentered:
        raise _missing_error(graph, spec, supplied, missing, unentered, entries)


def _self_starting(
    scope: _Scope, cycle: int | None, entries: dict[str, tuple[str, ...]], provided: frozenset[str]
) -> bool:
    """True if a member of ``cycle`` can start it with no entry value (its cycle inputs defaulted).

    Such a member has no entry in ``InputSpec.entrypoints``; the cycle still starts there, so
    demanding another member's values would reject a graph that runs. Members waiting on an
    unanswered interrupt's output cannot start it.
    """
    for name, cycle_index in scope.cycle_of.items():
        node = scope.nodes[name]
        if cycle_index != cycle or name in entries or node.node_type == "BRANCH":
            continue
        waiting = [
            p
            for p in node.inputs
            if p in scope.interrupt_outputs and p not in provided and not node.has_default_for(p)
        ]
        if not node.is_interrupt and not waiting:
            return True
    return False


RUNNER_OPTIONS: frozenset[str] = frozenset(
    {
        "values",
        "select",
        "on_missing",
        "on_internal_override",
        "entrypoint",
        "max_iterations",
        "error_handling",
        "event_processors",
        "max_concurrency",
        "map_over",
        "map_mode",
        "clone",
    }
)


def option_clash_hint(names: list[str]) -> str:
    """A hint for inputs named like a runner option (a keyword sets the option, not the input)."""
    clashing = [name for name in names if name in RUNNER_OPTIONS]
    if not clashing:
        return ""
    shown = ", ".join(f"'{name}'" for name in clashing)
    example = ", ".join(f"'{name}': ..." for name in clashing)
    return (
        f" {shown} {'is' if len(clashing) == 1 else 'are'} also the name of a runner option: a "
        f"keyword argument with that name sets the option, not the input. Pass such inputs "
        f"through the values dict: runner.run(graph, values={{{example}}})."
    )


def _missing_error(
    graph: Any,
    spec: Any,
    supplied: frozenset[str],
    missing: list[str],
    unentered: list[list[str]],
    entries: dict[str, tuple[str, ...]],
) -> MissingInputError:
    given = sorted(supplied)
    parts: list[str] = []
    if missing:
        parts.append(f"Missing required inputs: {', '.join(repr(m) for m in missing)}{_of(graph)}.")
    for members in unentered:
        options = "; ".join(f"'{m}' needs {list(entries[m])}" for m in members)
        parts.append(
            f"No entry point for cycle through {members}: supply the values of one entry "
            f"point ({options})."
        )
    parts.append(f"Provided: {given}" + (f", bound: {sorted(spec.bound)}." if spec.bound else "."))
    strays = [k for k in given if k not in spec.all]
    for name in missing:
        close = difflib.get_close_matches(name, strays, n=1)
        if close:
            parts.append(f"Did you mean '{name}' instead of '{close[0]}'?")
    if entries and not unentered:
        parts.append(f"Cycle entry points: {entries}.")
    parts.append(
        "How to fix: pass the missing values to run()/map() (as keywords or in values={...}). "
        "If you used bind(), remember it returns a new graph: run the returned graph "
        "(g = g.bind(...))." + option_clash_hint(missing)
    )
    return MissingInputError(missing, provided=given, message=" ".join(parts))


def _scope_of(graph: Any, selected: tuple[str, ...] | None) -> _Scope:
    """The cached :class:`_Scope` for ``graph`` under ``selected``."""
    facts = graph_facts(graph)
    memo: dict[Any, _Scope] = facts.setdefault(_SCOPE_KEY, {}) if facts is not None else {}
    scope = memo.get(selected)
    if scope is None:
        scope = memo[selected] = _build_scope(graph, selected)
    return scope


def _build_scope(graph: Any, selected: tuple[str, ...] | None) -> _Scope:
    from hypergraph.graph.input_spec import active_node_names, compute_input_spec

    all_nodes: dict[str, Any] = graph.nodes
    nx_graph = graph.nx_graph
    entry_config = graph.entrypoints_config
    own_selection = graph.selected
    if (tuple(own_selection) if own_selection is not None else None) == selected:
        spec = graph.inputs
    else:
        spec = compute_input_spec(
            all_nodes, nx_graph, graph.bound_values, entrypoints=entry_config, selected=selected
        )
    entered = active_node_names(all_nodes, nx_graph, entrypoints=entry_config)
    active = (
        entered
        if selected is None
        else active_node_names(all_nodes, nx_graph, entrypoints=entry_config, selected=selected)
    )
    nodes = {n: node for n, node in all_nodes.items() if n in active}

    structure = graph._structure  # facts of the graph's shape, computed once per structure
    consumers = {
        param: kept
        for param, names in structure.consumers.items()
        if (kept := tuple(n for n in names if n in nodes))
    }
    cycle_of, cycle_params = _cycles(nodes, structure.data_cycles(nodes))
    interrupt_outputs = {o for node in nodes.values() if node.is_interrupt for o in node.outputs}
    # Nodes outside a selection still run when they can, so their inputs are not "unknown".
    unselected = {p for n in entered if n not in active for p in all_nodes[n].inputs}
    return _Scope(
        spec=spec,
        nodes=nodes,
        consumers=consumers,
        producers={k: tuple(v) for k, v in structure.signal_producers.items()},
        cycle_of=cycle_of,
        cycle_params=frozenset(cycle_params),
        interrupt_outputs=frozenset(interrupt_outputs),
        unselected_inputs=frozenset(unselected),
    )


def _cycles(
    nodes: dict[str, Any], components: tuple[frozenset[str], ...]
) -> tuple[dict[str, int], set[str]]:
    """Cycles of the active data-edge subgraph: node -> cycle index, and circulating names."""
    cycle_of: dict[str, int] = {}
    params: set[str] = set()
    for index, component in enumerate(components):
        produced = {o for m in component for o in nodes[m].data_outputs}
        for member in component:
            cycle_of[member] = index
            params.update(p for p in nodes[member].inputs if p in produced)
    return cycle_of, params


def _of(graph: Any) -> str:
    """`` of graph 'name'`` for messages, or nothing for an unnamed graph."""
    name = getattr(graph, "name", None)
    return f" of graph '{name}'" if name else ""
