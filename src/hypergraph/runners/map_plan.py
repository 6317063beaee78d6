"""Planning ``map()`` and ``map_over``: what every runner's map shares (docs/guides/map.md), so the
drivers only decide *how* to run.

A map is checked and planned once, by :func:`plan_map`, then executed item by item:

1. **Arguments** (always raised, before any item runs): ``error_handling``, the values merged
   with the keyword shorthand (map's reserved names), top-level interrupts
   (``IncompatibleRunnerError``), then the item planning of :func:`plan_items` — mode,
   ``map_over`` names (``KeyError``), zip lengths, clone names and copyability.
2. **Empty map**: zero items → the driver returns ``[]`` at once: no validation, no run, no event.
3. **Run checks, once**: every item supplies the same *names* (the mapped ones plus the broadcast
   ones), so the checks of ``run()`` (capabilities, ``select``, input validation, option strings)
   give the same verdict for every item. They run once, on the map's own values, and a
   ``on_internal_override="warn"`` warning is issued once per map, not once per item.
4. **Items**: :meth:`MapPlan.prepared_for` turns each lazily planned item into the
   ``PreparedRun`` a run starts from, without copying or re-checking anything.

Every item is a full run started from the same checked options (:class:`ItemOptions`, which
pickles, so a distributed driver can ship it with the graph). :func:`failed_item_result` builds
the FAILED result of an item whose run raised instead of returning one.

Item planning (zip or product, broadcast, clone): :func:`plan_items` checks everything that
could go wrong *before* the first item is produced (so a batch never fails half way for a reason
known up front), then hands back the item count and a lazy iterator. Items are never materialised all at once: a product of two 10,000-element
lists is planned in microseconds and streams its 10^8 combinations one by one.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from typing import Any

from hypergraph._short_repr import short_repr, short_text
from hypergraph.exceptions import GraphConfigError
from hypergraph.runners.checks.arguments import (
    ALL_OUTPUTS_DEFAULT,
    MAP_RESERVED,
    PreparedRun,
    _normalise,  # step 1 of prepare_run: map merges and rejects names exactly as run does
    check_error_handling,
    check_input_names,
    check_map_compatible,
    prepare_run,
    require_graph,
)
from hypergraph.runners.result import RunResult, RunStatus

__all__ = [
    "MAP_MODES",
    "plan_items",
    "ItemOptions",
    "MapPlan",
    "plan_map",
    "failed_item_result",
]

MAP_MODES: tuple[str, ...] = ("zip", "product")

# Types that are sized iterables but almost never what a user means to iterate over.
_NOT_MAPPABLE = (str, bytes, bytearray, Mapping)


def plan_items(
    values: dict[str, Any],
    map_over: str | list[str],
    mode: str,
    clone: bool | list[str],
) -> tuple[int, Iterator[dict[str, Any]]]:
    """Validate a map request and return ``(item_count, lazy iterator of item dicts)``.

    ``values`` holds the mapped sequences (named by ``map_over``) and the broadcast values
    (everything else). Each produced item is a fresh dict: the mapped values of that item plus
    the broadcast values, shared by reference unless ``clone`` asks for a deep copy per item
    (``True`` = every broadcast value, a list = only those names).

    ``"zip"`` pairs the i-th elements (all sequences must have equal lengths); ``"product"``
    yields the cartesian product with the first name varying slowest.

    Raises:
        ValueError: unknown mode, empty or repeated ``map_over``, unequal zip lengths, clone
            names that are not in ``values`` or that are mapped.
        KeyError: a ``map_over`` name missing from ``values``.
        TypeError: a mapped value that is not a sized iterable, or a badly typed argument.
        GraphConfigError: a value selected for cloning cannot be deep-copied.
    """
    if mode not in MAP_MODES:
        raise ValueError(
            f"Invalid map mode {short_repr(mode)}. Valid modes: 'zip' (pair the i-th elements of "
            "every mapped list) or 'product' (every combination)."
        )
    names = _normalise_map_over(map_over)
    sequences = [_mapped_sequence(values, name) for name in names]
    lengths = [len(seq) for seq in sequences]
    if mode == "zip":
        if len(set(lengths)) > 1:
            shown = ", ".join(f"'{n}' has {length}" for n, length in zip(names, lengths))
            raise ValueError(
                f"map_mode='zip' needs mapped inputs of equal lengths, but {shown} items. "
                "How to fix: make the lists the same length, or use map_mode='product' to "
                "run every combination."
            )
        count = lengths[0]
    else:
        count = math.prod(lengths)

    mapped = set(names)
    broadcast = {k: v for k, v in values.items() if k not in mapped}
    clone_names = _clone_names(clone, broadcast, names, values)
    first_copies = _check_copyable(broadcast, clone_names)

    if count == 0:
        return 0, iter(())
    combos: Iterator[Any]
    if len(sequences) == 1:
        combos = iter(sequences[0])  # one mapped name: its elements, no 1-tuples to unpack
    elif mode == "zip":
        combos = zip(*sequences)
    else:
        combos = itertools.product(*sequences)
    return count, _iterate(names, combos, broadcast, clone_names, first_copies)


def _normalise_map_over(map_over: str | list[str]) -> list[str]:
    """``map_over`` as a list of distinct names (a str means one name)."""
    if isinstance(map_over, str):
        return [map_over]
    if not isinstance(map_over, (list, tuple)):
        raise TypeError(
            f"map_over must be a parameter name or a list of names, got "
            f"{type(map_over).__name__}. Example: map_over='text' or map_over=['a', 'b']."
        )
    names = list(map_over)
    if not names:
        raise ValueError("map_over needs at least one parameter name to iterate over.")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"map_over entries must be strings, got {short_repr(name)}.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"map_over lists {', '.join(repr(n) for n in repeated)} more than once; "
            "name each mapped parameter once."
        )
    return names


def _mapped_sequence(values: dict[str, Any], name: str) -> Any:
    """The value to iterate for ``name``, checked to be a sized, non-string iterable."""
    if name not in values:
        available = sorted(values)
        raise KeyError(
            f"map_over names '{name}', but no value was supplied for it. "
            f"Supplied values: {available}. How to fix: pass {name}=[...] (a list of the "
            "values to iterate over), or remove it from map_over."
        )
    value = values[name]
    if isinstance(value, _NOT_MAPPABLE) or not (
        isinstance(value, Sized) and isinstance(value, Iterable)
    ):
        raise TypeError(
            f"map_over parameter '{name}' must be a sized iterable such as a list, but got "
            f"{type(value).__name__} ({short_repr(value)}). How to fix: wrap a single value in a "
            f"list ({name}=[value]), turn a generator into a list first ({name}=list(gen)), or "
            "drop it from map_over to broadcast it to every item."
        )
    return value


def _clone_names(
    clone: bool | list[str],
    broadcast: dict[str, Any],
    mapped: list[str],
    values: dict[str, Any],
) -> tuple[str, ...]:
    """Which broadcast names get a deep copy per item."""
    if clone is True:
        return tuple(broadcast)
    if clone is False:
        return ()
    if not isinstance(clone, list):
        raise TypeError(
            f"clone must be bool or list of parameter names, got {type(clone).__name__} "
            f"({short_repr(clone)}). Example: clone=True or clone=['config']."
        )
    for name in clone:
        if not isinstance(name, str):
            raise TypeError(f"clone list entries must be strings, got {short_repr(name)}.")
        if name in mapped:
            raise ValueError(
                f"Cannot clone mapped parameter '{name}': each item already gets its own "
                "element. Remove it from clone."
            )
        if name not in values:
            raise ValueError(
                f"clone names '{name}', but no value was supplied for it (values bound "
                "with bind() are shared, never cloned). Supplied broadcast values: "
                f"{sorted(broadcast)}. Remove it from clone or supply it."
            )
    return tuple(dict.fromkeys(clone))


def _check_copyable(broadcast: dict[str, Any], clone_names: tuple[str, ...]) -> dict[str, Any]:
    """Deep-copy every cloned value once, up front; the copies serve the first item."""
    copies: dict[str, Any] = {}
    for name in clone_names:
        value = broadcast[name]
        try:
            copies[name] = copy.deepcopy(value)
        except Exception as exc:
            raise GraphConfigError(
                f"Value for '{name}' ({type(value).__name__}) cannot be deep-copied for clone: "
                f"{type(exc).__name__}: {short_text(str(exc))}. How to fix: leave '{name}' out of "
                "clone so every item shares the one object, or pass a copyable value."
            ) from exc
    return copies


def _iterate(
    names: list[str],
    combos: Iterator[Any],
    broadcast: dict[str, Any],
    clone_names: tuple[str, ...],
    first_copies: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    """Yield one fresh dict per combination; clone values are copied per item.

    With one mapped name ``combos`` yields bare elements instead of 1-tuples.
    """
    pending_copies: dict[str, Any] | None = first_copies
    single = names[0] if len(names) == 1 else None
    for combo in combos:
        item = broadcast.copy()
        if single is not None:
            item[single] = combo
        else:
            item.update(zip(names, combo))
        if clone_names:
            if pending_copies is not None:
                item.update(pending_copies)
                pending_copies = None
            else:
                for name in clone_names:
                    item[name] = copy.deepcopy(broadcast[name])
        yield item


@dataclass(frozen=True)
class ItemOptions:
    """The run options shared by every item of one map (picklable).

    Attributes mirror the ``map()`` arguments of the same names; ``error_handling`` is applied
    to each item's run (``"continue"`` → a failing item gives a FAILED result).
    """

    select: Any = ALL_OUTPUTS_DEFAULT
    on_missing: str = "ignore"
    on_internal_override: str = "warn"
    entrypoint: str | None = None
    error_handling: str = "raise"

    def prepare(self, graph: Any, values: Mapping[str, Any], runner: Any) -> PreparedRun:
        """All run-start checks of one item, as ``run()`` does them (memoised per key set)."""
        return prepare_run(
            graph,
            values,
            None,
            runner=runner,
            select=self.select,
            on_missing=self.on_missing,
            on_internal_override=self.on_internal_override,
            entrypoint=self.entrypoint,
            error_handling=self.error_handling,
            reserved=MAP_RESERVED,
        )


@dataclass
class MapPlan:
    """A checked map, ready to run.

    Attributes:
        graph: The graph every item runs.
        count: Number of items (``0`` → return ``[]``; nothing else was checked).
        items: Lazy iterator of item value dicts, in input order (each a fresh dict: mapped
            values plus broadcast values, shared or cloned as asked).
        options: The options every item runs with.
        prepared: The checked run arguments of the map's key set, or ``None`` when the map is
            empty or the checks failed.
        item_error: With ``plan_map(..., defer_item_errors=True)``: the exception every item's
            run would raise at start (e.g. ``MissingInputError``), else ``None``.
        mapped: The ``map_over`` names, shown (shortened) in a failing item's exception note.
        mode: The ``map_mode`` (``"zip"`` or ``"product"``).
    """

    graph: Any
    count: int
    items: Iterator[dict[str, Any]]
    options: ItemOptions
    prepared: PreparedRun | None = None
    item_error: Exception | None = None
    mapped: tuple[str, ...] = ()
    mode: str = "zip"

    def prepared_for(self, values: dict[str, Any]) -> PreparedRun:
        """The ``PreparedRun`` of one item: the map's checked options with this item's values.

        ``values`` must be an item of :attr:`items` (a fresh dict, so it is used as is).
        """
        template = self.prepared
        if template is None:
            raise RuntimeError("MapPlan.prepared_for needs a non-empty map whose checks passed.")
        return PreparedRun(values, template.selected, template.on_missing, template.error_handling)


def plan_map(
    graph: Any,
    values: Mapping[str, Any] | None,
    input_values: Mapping[str, Any] | None,
    *,
    runner: Any,
    map_over: str | list[str],
    map_mode: str = "zip",
    clone: bool | list[str] = False,
    options: ItemOptions | None = None,
    defer_item_errors: bool = False,
) -> MapPlan:
    """Check a ``map()`` call and plan its items (see the module docstring for the order).

    Args:
        graph: The graph to map.
        values: The ``values`` argument of ``map()``.
        input_values: The keyword shorthand of ``map()``.
        runner: The runner that will execute the items (its capabilities are checked).
        map_over, map_mode, clone: As in ``map()``.
        options: The per-item run options (default: ``map()``'s defaults).
        defer_item_errors: Record a failing run-start check in :attr:`MapPlan.item_error`
            instead of raising it (AsyncRunner with ``error_handling="continue"`` turns it into
            one FAILED result per item).

    Raises:
        ValueError, TypeError, KeyError, GraphConfigError, IncompatibleRunnerError,
        MissingInputError: as docs/guides/running.md and docs/guides/map.md describe.
    """
    require_graph(graph, "map")
    options = options if options is not None else ItemOptions()
    check_error_handling(options.error_handling)
    merged = _normalise(values, input_values, MAP_RESERVED)
    check_input_names(merged)
    check_map_compatible(graph)
    count, items = plan_items(merged, map_over, map_mode, clone)
    mapped = tuple(_normalise_map_over(map_over))
    plan = MapPlan(graph, count, items, options, mapped=mapped, mode=map_mode)
    if count == 0:
        return plan
    try:
        plan.prepared = options.prepare(graph, merged, runner)
    except Exception as exc:
        if not defer_item_errors:
            raise
        plan.item_error = exc
    return plan


def failed_item_result(error: BaseException) -> RunResult:
    """The FAILED result of an item whose run raised instead of returning a result."""
    return RunResult({}, RunStatus.FAILED, error=error)
