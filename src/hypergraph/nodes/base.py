"""``HyperNode``, the common base of every node, and renaming (docs/guides/nodes.md).

Nodes are immutable values: every ``with_*`` method returns a renamed *copy* and leaves the
original untouched, so one node can sit in many graphs and be run from many threads at once.
Each rename is recorded in ``_rename_history`` so error messages can explain where a name went.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from hypergraph._short_repr import short_repr
from hypergraph.exceptions import RenameError

if TYPE_CHECKING:
    from hypergraph.graph import Graph
    from hypergraph.retry import RetryPolicy

__all__ = [
    "HyperNode",
    "RenameEntry",
    "RenameError",
    "normalize_names",
    "check_signal_names",
    "check_attempt_options",
]

NodeT = TypeVar("NodeT", bound="HyperNode")

# One id per with_* call, so simultaneous renames (a swap) can be told apart from chained ones.
_batch_ids = itertools.count(1)


@dataclass(frozen=True)
class RenameEntry:
    """One rename applied to a node: ``kind`` says what was renamed, ``old`` → ``new``."""

    kind: Literal["name", "inputs", "outputs"]
    old: str
    new: str
    batch_id: int | None = None


def normalize_names(
    value: str | tuple[str, ...] | list[str] | None, what: str, node_name: str | None = None
) -> tuple[str, ...]:
    """Turn ``None`` / a str / a sequence of str into a tuple of names (``what`` names the option).

    A name listed twice is a ``ValueError`` naming ``node_name``: two outputs called ``mean``
    cannot both be kept.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        names = tuple(value)
        repeated = [name for name in dict.fromkeys(names) if names.count(name) > 1]
        if repeated:
            listed = ", ".join(f"'{name}'" for name in repeated)
            where = f"Node '{node_name}': " if node_name else ""
            raise ValueError(
                f"{where}{what}={short_repr(value)} lists {listed} more than once; every name must "
                "be unique. How to fix: give each value its own name, e.g. "
                f"{what}={_deduplicated(names)!r}."
            )
        return names
    raise TypeError(f"{what} must be a str or a tuple of str, got {short_repr(value)}")


def _deduplicated(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` with the second and later copies of a name numbered (``mean``, ``mean_2``)."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return tuple(result)


def check_signal_names(
    node_name: str,
    inputs: tuple[str, ...],
    data_outputs: tuple[str, ...],
    emit: tuple[str, ...],
    wait_for: tuple[str, ...],
) -> None:
    """Reject emit/wait_for names that clash with data names (docs/guides/nodes.md)."""
    if not emit and not wait_for:  # every clash below needs one of them
        return
    if overlap := sorted(set(emit) & set(data_outputs)):
        raise ValueError(
            f"Node '{node_name}': emit names overlap with output names: {overlap}. "
            "Use a distinct signal name for emit."
        )
    if overlap := sorted(set(wait_for) & set(inputs)):
        raise ValueError(
            f"Node '{node_name}': wait_for names overlap with input parameters: {overlap}. "
            "A parameter already waits for its value; drop it from wait_for."
        )
    if overlap := sorted(set(emit) & set(wait_for)):
        raise ValueError(
            f"Node '{node_name}': emit and wait_for share names: {overlap}. "
            "A node cannot wait for its own signal."
        )


def check_attempt_options(
    node_name: str, retry: object, timeout: object, trace_io: object, *, is_async: bool
) -> tuple[RetryPolicy | None, float | None, bool | None]:
    """Validate ``retry``, ``timeout`` and ``trace_io`` of node ``node_name``.

    A timeout is refused for a synchronous function: a running sync call cannot be interrupted
    safely, so nothing could enforce it.
    """
    if retry is None and timeout is None and trace_io is None:  # nothing to check
        return None, None, None
    from hypergraph.retry import RetryPolicy

    if retry is not None and not isinstance(retry, RetryPolicy):
        raise TypeError(
            f"Node '{node_name}': retry must be a RetryPolicy or None, got {short_repr(retry)}. "
            "Example: retry=RetryPolicy(max_attempts=3, retry_on=[ConnectionError])."
        )
    seconds: float | None = None
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(
                f"Node '{node_name}': timeout must be a number of seconds or None, got "
                f"{short_repr(timeout)}."
            )
        if not timeout > 0:
            raise ValueError(
                f"Node '{node_name}': timeout must be more than 0 seconds, got "
                f"{short_repr(timeout)}."
            )
        if not is_async:
            raise ValueError(
                f"Node '{node_name}' is a synchronous function, so timeout={short_repr(timeout)} "
                "cannot be enforced: a running sync call cannot be interrupted safely. Make it an "
                "'async def' node run by AsyncRunner (the attempt is then cancelled after the "
                "timeout), or drop timeout and bound the call inside the function (e.g. the HTTP "
                "client's own timeout)."
            )
        seconds = float(timeout)
    if trace_io is not None and not isinstance(trace_io, bool):
        raise TypeError(
            f"Node '{node_name}': trace_io must be True, False or None, got {short_repr(trace_io)}."
        )
    return retry, seconds, trace_io


class _DataOutputs:
    """``data_outputs`` defaults to ``outputs`` for subclasses that have no emit names.

    A non-data descriptor: a node that sets ``data_outputs`` keeps it in its ``__dict__``,
    which attribute lookup then reads directly; only nodes that never set it get here.
    """

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.outputs


class HyperNode:
    """Abstract base of all nodes: a name, named inputs and named outputs.

    Subclasses set ``name``, ``inputs``, ``data_outputs``, ``_emit`` and ``wait_for`` in their
    constructor (then call ``_set_outputs()``) and override what differs from the defaults here.
    """

    name: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    data_outputs = _DataOutputs()
    wait_for: tuple[str, ...] = ()
    _emit: tuple[str, ...] = ()
    is_async: bool = False
    is_generator: bool = False
    is_interrupt: bool = False
    cache: bool = False
    hide: bool = False
    node_type: str = "FUNCTION"
    # Attempt options (FunctionNode and gates set them): a RetryPolicy, a timeout in seconds
    # (async nodes under AsyncRunner), and whether tracing records inputs/outputs (None: the
    # graph decides).
    retry: RetryPolicy | None = None
    timeout: float | None = None
    trace_io: bool | None = None

    def __new__(cls: type[NodeT], *args: Any, **kwargs: Any) -> NodeT:
        if cls is HyperNode:
            raise TypeError(
                "HyperNode is abstract and cannot be instantiated; use @node, @route, @ifelse, "
                "@interrupt or Graph.as_node() to make a node."
            )
        return super().__new__(cls)

    def __init__(self) -> None:
        self._rename_history: list[RenameEntry] = []

    def _set_outputs(self) -> None:
        """Outputs are data outputs first, then emit names (docs/guides/nodes.md)."""
        self.outputs = self.data_outputs + self._emit

    # ------------------------------------------------------------------ defaults & types
    @property
    def definition_hash(self) -> str:
        """SHA-256 of class name, name, inputs and outputs (subclasses hash their code)."""
        text = f"{type(self).__name__}|{self.name}|{self.inputs}|{self.outputs}"
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def nested_graph(self) -> Graph | None:
        """The wrapped graph for graph nodes, else ``None``."""
        return None

    def has_default_for(self, param: str) -> bool:
        """Whether ``param`` has a fallback value when nobody supplies it."""
        return False

    def get_default_for(self, param: str) -> Any:
        """The fallback value for ``param``; ``KeyError`` if there is none."""
        raise KeyError(f"No default for '{param}'")

    def has_signature_default_for(self, param: str) -> bool:
        """Whether ``param`` has a default in a function signature (never a bound value)."""
        return self.has_default_for(param)

    def get_signature_default_for(self, param: str) -> Any:
        """The function-signature default of ``param``; ``KeyError`` if there is none."""
        return self.get_default_for(param)

    def get_input_type(self, param: str) -> Any:
        """The annotation of input ``param``, or ``None``."""
        return None

    def get_output_type(self, output: str) -> Any:
        """The annotation of output ``output``, or ``None``."""
        return None

    def map_inputs_to_params(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Map current (renamed) input names to the original parameter names."""
        return inputs

    @property
    def nx_attrs(self) -> dict[str, Any]:
        """Attributes stored on this node in the graph's ``networkx.DiGraph``."""
        return {
            "node_type": self.node_type,
            "label": self.name,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "data_outputs": self.data_outputs,
            "wait_for": self.wait_for,
            "input_types": {p: self.get_input_type(p) for p in self.inputs},
            "output_types": {o: self.get_output_type(o) for o in self.data_outputs},
            "has_defaults": {p: self.has_default_for(p) for p in self.inputs},
            "hide": self.hide,
        }

    # ------------------------------------------------------------------ renaming
    def _copy(self: NodeT) -> NodeT:
        """A shallow copy with its own rename history (containers are replaced, never mutated)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._rename_history = list(getattr(self, "_rename_history", ()))
        return clone

    def with_name(self: NodeT, name: str) -> NodeT:
        """Return a copy of this node called ``name``."""
        if not isinstance(name, str):
            raise TypeError(f"Node name must be a str, got {short_repr(name)}")
        clone = self._copy()
        if name != self.name:
            clone._rename_history.append(RenameEntry("name", self.name, name, next(_batch_ids)))
            clone.name = name
        return clone

    def with_inputs(self: NodeT, mapping: dict[str, str] | None = None, /, **kwargs: str) -> NodeT:
        """Return a copy with inputs renamed ``old → new`` (all renames apply at once)."""
        renames = _merge(mapping, kwargs)
        clone = self._copy()
        if not renames:
            return clone
        known = self.inputs + self.wait_for
        self._check_known("inputs", renames, known, self.inputs)
        new_inputs = tuple(renames.get(n, n) for n in self.inputs)
        new_wait = tuple(renames.get(n, n) for n in self.wait_for)
        _check_unique(self.name, "inputs", new_inputs + new_wait)
        clone.inputs, clone.wait_for = new_inputs, new_wait
        clone._record("inputs", renames)
        clone._after_input_rename(renames)
        return clone

    def with_outputs(self: NodeT, mapping: dict[str, str] | None = None, /, **kwargs: str) -> NodeT:
        """Return a copy with outputs (data outputs or emit names) renamed ``old → new``."""
        renames = _merge(mapping, kwargs)
        clone = self._copy()
        if not renames:
            return clone
        self._check_known("outputs", renames, self.outputs, self.outputs)
        new_data = tuple(renames.get(n, n) for n in self.data_outputs)
        new_emit = tuple(renames.get(n, n) for n in self._emit)
        _check_unique(self.name, "outputs", new_data + new_emit)
        clone.data_outputs, clone._emit = new_data, new_emit
        clone._set_outputs()
        clone._record("outputs", renames)
        clone._after_output_rename(renames)
        return clone

    def _after_input_rename(self, renames: dict[str, str]) -> None:
        """Hook: update name-keyed state on the fresh copy after an input rename."""

    def _after_output_rename(self, renames: dict[str, str]) -> None:
        """Hook: update name-keyed state on the fresh copy after an output rename."""

    def _record(self, kind: Literal["inputs", "outputs"], renames: dict[str, str]) -> None:
        batch = next(_batch_ids)
        for old, new in renames.items():
            if old != new:
                self._rename_history.append(RenameEntry(kind, old, new, batch))

    def _check_known(
        self, kind: str, renames: dict[str, str], known: tuple[str, ...], shown: tuple[str, ...]
    ) -> None:
        for old in renames:
            if old not in known:
                raise RenameError(self._unknown_name_message(kind, old, shown))

    def _unknown_name_message(self, kind: str, old: str, shown: tuple[str, ...]) -> str:
        chain = self._rename_chain(kind, old)
        where = f"Node '{self.name}': "
        if len(chain) > 1:
            return (
                f"{where}'{old}' was renamed: {'→'.join(chain)}. "
                f"Current {kind}: {shown}. Use the current name '{chain[-1]}'."
            )
        close = difflib.get_close_matches(old, shown, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"{where}'{old}' not found. Current {kind}: {shown}.{hint}"

    def _rename_chain(self, kind: str, start: str) -> list[str]:
        """Follow ``start`` through later renames of ``kind``: ``['a', 'x', 'z']``."""
        chain, current, last_batch = [start], start, -1
        for entry in getattr(self, "_rename_history", ()):
            batch = entry.batch_id if entry.batch_id is not None else last_batch + 1
            if entry.kind == kind and entry.old == current and batch > last_batch:
                chain.append(entry.new)
                current, last_batch = entry.new, batch
        return chain


def _merge(mapping: dict[str, str] | None, kwargs: dict[str, str]) -> dict[str, str]:
    if mapping is not None and not isinstance(mapping, dict):
        raise TypeError(
            f"Renames must be given as a dict or keyword arguments, got {short_repr(mapping)}"
        )
    merged = {**(mapping or {}), **kwargs}
    for old, new in merged.items():
        if not isinstance(new, str):
            raise TypeError(f"New name for '{old}' must be a str, got {short_repr(new)}")
    return merged


def _check_unique(node_name: str, kind: str, names: tuple[str, ...]) -> None:
    seen: set[str] = set()
    dupes: set[str] = set()
    for name in names:
        if name in seen:
            dupes.add(name)
        seen.add(name)
    if dupes:
        raise RenameError(
            f"Node '{node_name}': renaming would create duplicate {kind}: {sorted(dupes)}. "
            "Choose names that are not already used by this node."
        )
