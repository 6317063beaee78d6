"""Resume keys of interrupts, and routing answers for nested interrupts into nested runs.

A run paused by an interrupt is resumed by running again with the interrupt's outputs supplied under
``PauseInfo.response_key`` (docs/guides/interrupts.md). For a top-level interrupt that key is the
output name itself and the run state takes it as is. For an interrupt inside GraphNode ``inner`` the
key is dotted (``"inner.y"``); no node of the outer graph reads such a name, so this module takes it
out of the outer run's values and hands ``{"y": answer}`` to the nested run of ``inner`` (deeper
nesting, ``"outer.inner.y"``, recurses one level per GraphNode).

Supplied keys that look like a mistaken resume key — a dotted key that matches no interrupt, or
the bare output name of a nested interrupt — are reported per ``on_internal_override`` (the
policy for "names no node reads", docs/guides/running.md) with the key that would have worked.
"""

from __future__ import annotations

import difflib
from typing import Any

from hypergraph._warnings import warn_user
from hypergraph.graph.core import graph_facts
from hypergraph.runners.checks.arguments import check_input_names, require_graph

__all__ = [
    "ResumeRouting",
    "add_resume_hint",
    "report_resume_problems",
    "resume_hint",
    "resume_keys",
    "route_resume_values",
    "take_resume_values",
]

_KEYS_KEY = "resume_keys"  # in graph_facts(graph)
_NAMES_KEY = "known_names"  # in graph_facts(graph)

# Answers for nested interrupts, keyed by GraphNode name: {"inner": {"y": answer, "deep.z": a2}}.
ResumeRouting = dict[str, dict[str, Any]]


def resume_keys(graph: Any) -> dict[str, str]:
    """Every resume key of ``graph`` → the path of the interrupt it answers.

    Top-level interrupt outputs map to themselves (``{"decision": "review"}``); interrupts inside
    (non-mapped) GraphNodes get dotted keys and ``/`` paths
    (``{"inner.y": "inner/approval"}``), through every nesting level. Memoised on the graph.
    """
    facts = graph_facts(graph)
    keys = facts.get(_KEYS_KEY) if facts is not None else None
    if keys is None:
        keys = {}
        for node in graph.nodes.values():
            if node.is_interrupt:
                for output in node.data_outputs:
                    keys.setdefault(output, node.name)
            inner = getattr(node, "nested_graph", None)
            if inner is not None and node.map_config is None and node.has_interrupts:
                for key, path in resume_keys(inner).items():
                    keys[f"{node.name}.{key}"] = f"{node.name}/{path}"
        if facts is not None:
            facts[_KEYS_KEY] = keys
    return keys


def route_resume_values(
    graph: Any, values: dict[str, Any]
) -> tuple[dict[str, Any], ResumeRouting | None, list[str]]:
    """Split supplied ``values`` into the run's own values and answers for nested interrupts.

    Returns ``(own_values, routing, problems)``: ``own_values`` is ``values`` itself when nothing
    had to move (the common case, checked in one pass over the keys); ``routing`` maps a
    GraphNode name to the values its nested run receives (``None`` when empty); ``problems``
    holds one message per supplied key that looks like a wrong resume key — those keys are
    dropped (no node could read them) and the caller reports the messages per policy.
    """
    keys = resume_keys(graph)
    dotted = [k for k in values if "." in k]
    if not dotted and (not keys or _all_known(graph, values)):
        return values, None, []
    own = dict(values)
    routing: ResumeRouting = {}
    problems: list[str] = []
    for key in dotted:
        value = own.pop(key)
        if key in keys:
            head, rest = key.split(".", 1)
            routing.setdefault(head, {})[rest] = value
        elif keys:
            problems.append(_unknown_key_message(graph, key, keys))
        else:
            own[key] = value  # no interrupt anywhere: let input validation report the name
    known = _known_names(graph)
    for key in [k for k in own if k not in known and k not in keys]:
        hint = _suggest(key, keys)
        if hint:
            del own[key]
            problems.append(_misdirected_message(graph, key, hint, keys))
    return own, routing or None, problems


def resume_hint(graph: Any, supplied: Any) -> str | None:
    """A pointer to the right dotted key when a nested interrupt was answered by its bare name.

    Used to extend a validation error (e.g. the output also leaves its GraphNode, so supplying
    it counts as an override of that GraphNode).
    """
    keys = resume_keys(graph)
    hints = [
        f"to answer interrupt '{keys[k]}' use the resume key '{k}' instead of '{name}'"
        for name in supplied
        if name not in keys
        for k in keys
        if "." in k and k.rsplit(".", 1)[-1] == name
    ]
    return "Hint: " + "; ".join(hints) + "." if hints else None


def take_resume_values(
    graph: Any, values: Any, input_values: dict[str, Any]
) -> tuple[Any, ResumeRouting | None, list[str]]:
    """:func:`route_resume_values` for a ``run(graph, values, **input_values)`` call.

    Dotted keys passed as keywords (``**{"inner.y": 1}``) move from ``input_values`` (which is
    modified) into a copy of ``values`` first. Values of a wrong type pass through untouched
    for ``prepare_run`` to report.
    """
    dotted = [k for k in input_values if "." in k]
    if dotted and (values is None or type(values) is dict):
        values = dict(values or {})
        for key in dotted:
            if key in values:
                raise ValueError(
                    f"Input(s) ['{key}'] given in both values and kwargs. How to fix: pass "
                    "each input once, either in the values dict or as a keyword argument."
                )
            values[key] = input_values.pop(key)
    require_graph(graph)
    if type(values) is not dict or not values:
        return values, None, []
    check_input_names(values)
    return route_resume_values(graph, values)


def add_resume_hint(exc: BaseException, graph: Any, values: Any, input_values: Any) -> None:
    """Extend a validation error caused by answering a nested interrupt by its bare name."""
    supplied = [*(values if isinstance(values, dict) else ()), *input_values]
    hint = resume_hint(graph, supplied) if supplied else None
    if hint and exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]}\n{hint}", *exc.args[1:])


def report_resume_problems(problems: list[str], on_internal_override: str) -> None:
    """Warn about, raise for, or ignore wrong resume keys, like other unknown names
    (docs/guides/running.md)."""
    if not problems or on_internal_override == "ignore":
        return
    message = " ".join(problems)
    if on_internal_override == "error":
        raise ValueError(message)
    warn_user(message)


def _all_known(graph: Any, values: dict[str, Any]) -> bool:
    known = _known_names(graph)
    return all(k in known for k in values)


def _known_names(graph: Any) -> frozenset[str]:
    """Every name a top-level node reads, waits for or produces, plus the graph's inputs."""
    facts = graph_facts(graph)
    names = facts.get(_NAMES_KEY) if facts is not None else None
    if names is None:
        collected: set[str] = set(graph.inputs.all)
        for node in graph.nodes.values():
            collected.update(node.inputs, node.outputs, getattr(node, "wait_for", ()) or ())
        names = frozenset(collected)
        if facts is not None:
            facts[_NAMES_KEY] = names
    return names


def _suggest(key: str, keys: dict[str, str]) -> str | None:
    """The resume key ``key`` was probably meant to be: same output name, or a near miss."""
    same_output = [k for k in keys if k.rsplit(".", 1)[-1] == key and k != key]
    if same_output:
        return same_output[0]
    close = difflib.get_close_matches(key, list(keys), n=1)
    return close[0] if close else None


def _expected(keys: dict[str, str]) -> str:
    return ", ".join(f"'{k}' (interrupt '{path}')" for k, path in keys.items())


def _unknown_key_message(graph: Any, key: str, keys: dict[str, str]) -> str:
    hint = _suggest(key, keys)
    did_you_mean = f" Did you mean '{hint}'?" if hint else ""
    return (
        f"Resume key '{key}' matches no interrupt{_of(graph)}, so it was ignored.{did_you_mean} "
        f"Expected resume keys: {_expected(keys)}. How to fix: resume with the paused run's "
        "result.pause.response_key (or response_keys for several outputs)."
    )


def _misdirected_message(graph: Any, key: str, hint: str, keys: dict[str, str]) -> str:
    return (
        f"'{key}' is not an input{_of(graph)}, so it was ignored. To answer interrupt "
        f"'{keys[hint]}' use the resume key '{hint}'. Expected resume keys: {_expected(keys)}."
    )


def _of(graph: Any) -> str:
    name = getattr(graph, "name", None)
    return f" of graph '{name}'" if name else ""
