"""Node result caching inside a run (docs/guides/caching.md).

A node call is cached only when the runner has a backend *and* the node says ``cache=True``;
GraphNodes never are (their inner nodes cache inside the nested run, which inherits the backend).

**What is stored** is the node's *raw* result: the function's return value (a generator's
collected list), a gate's decision value, an interrupt's auto-resolved answer. A hit turns it into
outputs exactly like a fresh result, so a hit can never differ from a recomputation, and renaming
a node's outputs (which keeps its definition hash) cannot serve values under stale names. A gate's
decision therefore lives inside the cache entry, never in the run's values, and it is restored
on every hit.

**The key** is :func:`hypergraph.cache.compute_cache_key` over the node's code fingerprint
(``hypergraph/_code_fingerprint.py``: its function's syntax tree and, transitively, the helper
functions of the user's own modules it calls) and its resolved inputs under their current names. An input that cannot be pickled (a lambda, a lock)
leaves the call without a key: it runs uncached and a warning naming the node and the input is
logged once per (node, input), instead of once per call.

A backend that raises is treated as a miss (logged), so a broken cache can slow a run down but
never change or fail it. In an ``AsyncRunner``, concurrent identical calls run the body once
(runners/loop/single_flight.py); identical calls in different threads or processes may each
compute, and the last write wins.
"""

from __future__ import annotations

import logging
import pickle
import threading
import weakref
from typing import Any

from hypergraph._code_fingerprint import code_fingerprint
from hypergraph._short_repr import short_repr
from hypergraph._warnings import warn_user
from hypergraph.cache import compute_cache_key
from hypergraph.engine.plan import NodePlan
from hypergraph.graph.core import graph_facts

__all__ = ["is_cached", "cache_key_for", "cache_lookup", "cache_store"]

logger = logging.getLogger("hypergraph.cache")

_MISS: tuple[bool, Any] = (False, None)


def is_cached(p: NodePlan, cache: Any) -> bool:
    """Whether calls of node ``p`` go through ``cache`` (a backend and ``cache=True``).

    Which kinds of node may be cached at all is a fact of the kind (engine/kinds.py).
    """
    return cache is not None and p.strategy.cacheable and bool(p.node.cache)


def cache_key_for(p: NodePlan, params: dict[str, Any]) -> str:
    """The cache key of one call of ``p`` with resolved ``params`` (keyed by parameter name).

    Returns ``""`` when an input cannot be pickled; the call then runs uncached.
    """
    if p.param_names == p.inputs:  # no renamed input: parameter names are the current names
        inputs = params
    else:
        inputs = {
            name: params[param] for name, param in zip(p.inputs, p.param_names) if param in params
        }
    # compute_cache_key logs its own warning on every unkeyable call; silence it here (this
    # thread only) and warn once per (node, input) below, with the node's name in the message.
    _quiet.active = True
    try:
        key = compute_cache_key(_code_identity(p.node), inputs)
    finally:
        _quiet.active = False
    if not key:
        _warn_unkeyable(p, inputs)
    return key


def _code_identity(node: Any) -> str:
    """What the key says about the code: the function and the user helpers it calls."""
    func = getattr(node, "func", None)
    return code_fingerprint(func) if func is not None else str(node.definition_hash)


def cache_lookup(cache: Any, key: str, node_name: str) -> tuple[bool, Any]:
    """``(hit, raw result)`` from ``cache``; a raising backend counts as a miss."""
    try:
        hit_and_value: tuple[bool, Any] = cache.get(key)
        return hit_and_value
    except Exception as exc:
        logger.warning(
            "Cache lookup for node '%s' failed (%s: %s); running the node instead. Check the "
            "cache backend %r.",
            node_name,
            type(exc).__name__,
            exc,
            cache,
        )
        return _MISS


def cache_store(cache: Any, key: str, raw: Any, node_name: str) -> None:
    """Store the raw result of a successful call; a raising backend is logged, not raised."""
    try:
        cache.set(key, raw)
    except Exception as exc:
        logger.warning(
            "Could not cache the result of node '%s' (%s: %s); the run continues uncached. "
            "Check the cache backend %r.",
            node_name,
            type(exc).__name__,
            exc,
            cache,
        )


# --------------------------------------------------------------------------- warnings


class _QuietFlag(threading.local):
    active = False


_quiet = _QuietFlag()


class _SilenceKeyWarnings(logging.Filter):
    """Drops compute_cache_key's per-call warning while :func:`cache_key_for` is running."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.active


logger.addFilter(_SilenceKeyWarnings())

_warned: set[tuple[str, str, str]] = set()
_warned_lock = threading.Lock()


def _warn_unkeyable(p: NodePlan, inputs: dict[str, Any]) -> None:
    names = [name for name, value in inputs.items() if not _picklable(value)] or ["<unknown>"]
    identity = p.node.definition_hash
    with _warned_lock:
        fresh = [n for n in names if (identity, p.name, n) not in _warned]
        _warned.update((identity, p.name, n) for n in fresh)
    for name in fresh:
        logger.warning(
            "Node '%s' runs uncached: its input '%s' (%s) cannot be pickled, so no cache key "
            "can be computed. Pass a picklable value (no lambdas, open files or locks) to "
            "cache this node. (Logged once per node and input.)",
            p.name,
            name,
            type(inputs.get(name)).__name__,
        )


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


# --------------------------------------------------------------------------- cache=True, no backend

_CACHED_NODES_FACT = "cache_true_nodes"  # in graph_facts(graph): paths of cache=True nodes
_warned_runners: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def warn_cache_without_backend(graph: Any, runner: Any) -> None:
    """Warn once per (runner, graph) that ``cache=True`` nodes run uncached: no backend.

    Runners call it at every run start when they have no cache; after the first call for a
    graph it costs a dict lookup (the node list is a graph fact) and a set lookup.
    """
    paths = cache_true_paths(graph)
    if not paths:
        return
    identity = graph.definition_hash
    with _warned_lock:
        seen = _warned_runners.setdefault(runner, set())
        if identity in seen:
            return
        seen.add(identity)
    shown = ", ".join(f"'{path}'" for path in paths[:5])
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    kind = type(runner).__name__
    warn_user(
        f"Node{'s' if len(paths) > 1 else ''} {shown}{more} of graph "
        f"{short_repr(graph.name or '(unnamed)')} {'have' if len(paths) > 1 else 'has'} "
        f"cache=True, but this {kind} has no cache backend, so nothing is cached. How to fix: "
        f"{kind}(cache=InMemoryCache()) or {kind}(cache=DiskCache(...)); or remove cache=True. "
        "(Warned once per runner and graph.)"
    )


def cache_true_paths(graph: Any) -> tuple[str, ...]:
    """``/``-joined paths of every ``cache=True`` node of ``graph`` at any depth (memoised)."""
    facts = graph_facts(graph)
    paths: tuple[str, ...] | None = facts.get(_CACHED_NODES_FACT) if facts is not None else None
    if paths is None:
        paths = _cache_true_paths(graph)
        if facts is not None:
            facts[_CACHED_NODES_FACT] = paths
    return paths


def _cache_true_paths(graph: Any) -> tuple[str, ...]:
    """``/``-joined paths of every cacheable node with ``cache=True``, nested graphs included."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", graph)]
    while stack:  # iterative: nesting can be deeper than the recursion limit
        prefix, current = stack.pop()
        for name, node in current.nodes.items():
            inner = node.nested_graph
            if inner is not None:
                stack.append((f"{prefix}{name}/", inner))
            elif node.cache:
                found.append(f"{prefix}{name}")
    return tuple(sorted(found))
