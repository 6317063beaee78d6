"""Planning the items of ``map()`` and ``map_over``: zip or product, broadcast, clone.

:func:`plan_items` checks everything that could go wrong *before* the first item is produced
(so a batch never fails half way for a reason known up front), then hands back the item count
and a lazy iterator. Items are never materialised all at once: a product of two 10,000-element
lists is planned in microseconds and streams its 10^8 combinations one by one.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sized
from typing import Any

from hypergraph.exceptions import GraphConfigError

__all__ = ["MAP_MODES", "plan_items"]

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
            f"Invalid map mode {mode!r}. Valid modes: 'zip' (pair the i-th elements of every "
            "mapped list) or 'product' (every combination)."
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
            raise TypeError(f"map_over entries must be strings, got {name!r}.")
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
            f"{type(value).__name__} ({_short(value)}). How to fix: wrap a single value in a "
            f"list ({name}=[value]), turn a generator into a list first ({name}=list(gen)), "
            "or drop it from map_over to broadcast it to every item."
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
            f"({clone!r}). Example: clone=True or clone=['config']."
        )
    for name in clone:
        if not isinstance(name, str):
            raise TypeError(f"clone list entries must be strings, got {name!r}.")
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
                f"{type(exc).__name__}: {exc}. How to fix: leave '{name}' out of clone so "
                "every item shares the one object, or pass a copyable value."
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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
