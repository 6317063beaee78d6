"""Where each input of a node call comes from, and how the call's arguments are shaped.

docs/guides/running.md fixes the precedence for one parameter:

1. the value in the run state (produced by a node, or supplied and not yet overwritten);
2. the value bound on the graph (``graph.bind``; shared by reference, never copied);
3. the node's signature default, deep-copied for every use so a mutable default is fresh each
   call. A default that cannot be deep-copied is a :class:`GraphConfigError` suggesting ``bind()``.

Supplied values are stored in the state before the first superstep, so rule 1 covers them.

Everything that depends only on the graph is worked out once, when the plan is compiled
(:func:`build_sources`, :func:`build_call_shape`); :func:`resolve_inputs` and
:meth:`CallShape.split` are the per-call hot path and do nothing but dictionary lookups.
A GraphNode never receives its inner defaults or inner bindings from here: the inner run
resolves those itself, so an outer value only overrides them when it really exists.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from hypergraph._short_repr import short_text
from hypergraph.exceptions import GraphConfigError

__all__ = [
    "FROM_STATE_ONLY",
    "FROM_INNER",
    "FROM_BOUND",
    "FROM_DEFAULT",
    "FROM_COPIED_DEFAULT",
    "InputSource",
    "CallShape",
    "build_sources",
    "build_call_shape",
    "resolve_inputs",
]

# How an input is resolved when the run state does not hold it.
FROM_STATE_ONLY = 0  # nothing to fall back on: the input must be in the state
FROM_INNER = 4  # a GraphNode's inner default or binding: leave it out, the inner run applies it
FROM_BOUND = 1  # the graph's bound value, by reference
FROM_DEFAULT = 2  # an immutable signature default, used as is
FROM_COPIED_DEFAULT = 3  # a mutable signature default, deep-copied per use

# Immutable values that deep-copying would return unchanged; skipping the copy keeps the hot
# path cheap for the overwhelmingly common ``limit: int = 10`` style defaults.
_ATOMIC_TYPES = (type(None), bool, int, float, complex, str, bytes, range, type)


def _is_atomic(value: Any) -> bool:
    if isinstance(value, _ATOMIC_TYPES) or value is Ellipsis:
        return True
    if type(value) is tuple or type(value) is frozenset:
        return all(_is_atomic(item) for item in value)
    return False


# (input name, target parameter name, fallback kind, fallback value)
InputSource = tuple[str, str, int, Any]


def build_sources(
    node: Any, param_names: tuple[str, ...], graph_bound: dict[str, Any]
) -> tuple[InputSource, ...]:
    """Precompute, for every input of ``node``, where its value comes from outside the state.

    Args:
        node: The node (any HyperNode).
        param_names: The parameter name each input is passed as (aligned with ``node.inputs``).
        graph_bound: The graph's own bindings.
    """
    is_graph_node = getattr(node, "node_type", "FUNCTION") == "GRAPH"
    sources: list[InputSource] = []
    for name, param in zip(node.inputs, param_names):
        if name in graph_bound:
            sources.append((name, param, FROM_BOUND, graph_bound[name]))
        elif is_graph_node and node.has_default_for(name):
            sources.append((name, param, FROM_INNER, None))
        elif node.has_default_for(name):
            default = node.get_default_for(name)
            kind = FROM_DEFAULT if _is_atomic(default) else FROM_COPIED_DEFAULT
            sources.append((name, param, kind, default))
        else:
            sources.append((name, param, FROM_STATE_ONLY, None))
    return tuple(sources)


def _copy_default(node_name: str, param: str, default: Any) -> Any:
    try:
        return copy.deepcopy(default)
    except Exception as exc:
        raise GraphConfigError(
            f"The default value of parameter '{param}' of node '{node_name}' "
            f"({type(default).__name__}) cannot be safely copied: {short_text(str(exc))}. Signature defaults are "
            f"deep-copied for every call so that runs never share mutable state. Bind the value "
            f"on the graph instead with .bind() (graph.bind({param}=...)): bound values are passed by "
            f"reference and never copied."
        ) from exc


def resolve_inputs(
    node_name: str, sources: tuple[InputSource, ...], values: dict[str, Any]
) -> dict[str, Any]:
    """Resolve every input of one call, keyed by the parameter name it is passed as.

    Inputs that are only available as a GraphNode's inner default are left out on purpose.
    """
    resolved: dict[str, Any] = {}
    for name, param, kind, fallback in sources:
        if name in values:
            resolved[param] = values[name]
        elif kind in (FROM_BOUND, FROM_DEFAULT):
            resolved[param] = fallback
        elif kind == FROM_COPIED_DEFAULT:
            resolved[param] = _copy_default(node_name, param, fallback)
    return resolved


class CallShape:
    """How resolved parameters become ``func(*args, **kwargs)`` for one function.

    Most functions take every parameter by keyword (``simple``). Positional-only parameters,
    ``*args`` and ``**kwargs`` need the values placed positionally or unpacked; that layout is
    computed once from the signature.
    """

    __slots__ = ("simple", "positional", "var_positional", "keyword", "var_keyword")

    def __init__(
        self,
        positional: tuple[str, ...] = (),
        var_positional: str | None = None,
        keyword: tuple[str, ...] = (),
        var_keyword: str | None = None,
    ) -> None:
        self.positional = positional
        self.var_positional = var_positional
        self.keyword = keyword
        self.var_keyword = var_keyword
        self.simple = not positional and var_positional is None and var_keyword is None

    def split(self, params: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Turn ``{param: value}`` into ``(args, kwargs)`` for calling the function."""
        if self.simple:
            return (), params
        args: list[Any] = [params[p] for p in self.positional if p in params]
        if self.var_positional is not None and self.var_positional in params:
            args.extend(params[self.var_positional])
        kwargs = {p: params[p] for p in self.keyword if p in params}
        if self.var_keyword is not None and self.var_keyword in params:
            kwargs.update(params[self.var_keyword])
        return tuple(args), kwargs


SIMPLE_CALL = CallShape()


def build_call_shape(func: Any) -> CallShape:
    """Inspect ``func``'s signature once; fall back to all-keyword if it has none."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return SIMPLE_CALL
    positional: list[str] = []
    keyword: list[str] = []
    var_positional = var_keyword = None
    for param in signature.parameters.values():
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(param.name)
        elif param.kind is param.VAR_POSITIONAL:
            var_positional = param.name
        elif param.kind is param.VAR_KEYWORD:
            var_keyword = param.name
        else:
            keyword.append(param.name)
    if not positional and var_positional is None and var_keyword is None:
        return SIMPLE_CALL
    # Once *args is used, parameters before it must be passed positionally as well.
    if var_positional is not None:
        before_star = []
        for param in signature.parameters.values():
            if param.kind is param.VAR_POSITIONAL:
                break
            before_star.append(param.name)
        positional = before_star
        keyword = [k for k in keyword if k not in before_star]
    return CallShape(tuple(positional), var_positional, tuple(keyword), var_keyword)
