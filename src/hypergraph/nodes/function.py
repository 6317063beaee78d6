"""``FunctionNode`` and the ``@node`` decorator (docs/guides/nodes.md).

A function node wraps a plain (sync or async, possibly generator) function: its parameters are
the node's inputs and ``output_name`` names what its return value becomes.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, get_args, get_origin, overload

from hypergraph._short_repr import short_repr
from hypergraph._warnings import user_stacklevel
from hypergraph.nodes._callable import CallableNode, call_style
from hypergraph.nodes.base import (
    check_attempt_options,
    check_signal_names,
    normalize_names,
)

if TYPE_CHECKING:
    from hypergraph.retry import RetryPolicy

__all__ = ["FunctionNode", "node"]


def _returns_nothing(hint: Any) -> bool:
    return hint is inspect.Signature.empty or hint is None or hint is type(None) or hint == "None"


def _is_value_sequence(result: Any) -> bool:
    """Tuples, lists and array-likes count; strings, bytes and mappings do not."""
    if isinstance(result, (str, bytes, Mapping)):
        return False
    if isinstance(result, Sequence):
        return True
    return hasattr(result, "__len__") and hasattr(result, "__getitem__")


class FunctionNode(CallableNode):
    """A node that runs a Python function and publishes its return value under ``output_name``."""

    node_type = "FUNCTION"

    def __init__(
        self,
        source: Callable[..., Any] | FunctionNode,
        name: str | None = None,
        output_name: str | tuple[str, ...] | None = None,
        *,
        rename_inputs: dict[str, str] | None = None,
        cache: bool = False,
        hide: bool = False,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        trace_io: bool | None = None,
    ) -> None:
        func = source.func if isinstance(source, CallableNode) else source
        self._init_callable(func, name, rename_inputs)
        # Building thousands of nodes is mostly this constructor: the common options (one
        # output name, no signals, no attempt options) skip the calls that check the others.
        node_name = self.name
        if type(output_name) is str:
            data_outputs: tuple[str, ...] = (output_name,)
        else:
            data_outputs = normalize_names(output_name, "output_name", node_name)
        self.data_outputs = data_outputs
        if emit is None and wait_for is None:
            self._emit = self.wait_for = ()
            self.outputs = data_outputs
        else:
            self._emit = normalize_names(emit, "emit", node_name)
            self.wait_for = normalize_names(wait_for, "wait_for", node_name)
            check_signal_names(node_name, self.inputs, data_outputs, self._emit, self.wait_for)
            self._set_outputs()
        self.cache = bool(cache)
        self.hide = bool(hide)
        self.is_async, self.is_generator = call_style(func)
        if retry is None and timeout is None and trace_io is None:
            self.retry = self.timeout = self.trace_io = None
        else:
            self.retry, self.timeout, self.trace_io = check_attempt_options(
                node_name, retry, timeout, trace_io, is_async=self.is_async
            )
        if self._return_hint is inspect.Signature.empty:  # nothing to annotate (the common case)
            self.output_annotation = {}
        else:
            self.output_annotation = self._compute_output_annotation()
        if not data_outputs and not _returns_nothing(self._return_hint):
            warnings.warn(
                f"Node '{self.name}' has return type {_hint_text(self._return_hint)} but no "
                "output_name, so its return value is discarded. Add output_name='...' to keep "
                "it, or annotate '-> None'.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _compute_output_annotation(self) -> dict[str, Any]:
        hint = self._return_hint
        outputs = self.data_outputs
        if hint is inspect.Signature.empty or not outputs:
            return {}
        if len(outputs) == 1:
            return {outputs[0]: hint}
        args = get_args(hint)
        if get_origin(hint) is tuple and len(args) == len(outputs) and Ellipsis not in args:
            return dict(zip(outputs, args))
        return {}

    def get_output_type(self, output: str) -> Any:
        """The annotation of data output ``output``, or ``None``."""
        return self.output_annotation.get(output)

    def _after_output_rename(self, renames: dict[str, str]) -> None:
        self.output_annotation = {renames.get(k, k): v for k, v in self.output_annotation.items()}

    def wrap_outputs(self, result: Any) -> dict[str, Any]:
        """Turn the function's return value into ``{output_name: value}`` (data outputs only)."""
        outputs = self.data_outputs
        if len(outputs) == 1:
            return {outputs[0]: result}
        if not outputs:
            return {}
        if not _is_value_sequence(result):
            raise ValueError(
                f"Node '{self.name}' declares outputs {outputs} but returned "
                f"{type(result).__name__}, not a sequence of {len(outputs)} values. "
                "Return a tuple with one value per output."
            )
        values = result
        if len(values) != len(outputs):
            raise ValueError(
                f"Node '{self.name}' declares {len(outputs)} outputs {outputs} but returned "
                f"{len(values)} values. Return a tuple with exactly one value per output."
            )
        return dict(zip(outputs, values))

    def _describe(self) -> str:
        return f"{self._repr_label()}, outputs={self.outputs!r}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"


def _hint_text(hint: Any) -> str:
    """``int`` for classes, the annotation's own text otherwise (``list[str]``, ``'Foo'``)."""
    return hint.__name__ if isinstance(hint, type) else str(hint)


@overload
def node(
    source: Callable[..., Any],
    output_name: str | tuple[str, ...] | None = None,
    *,
    rename_inputs: dict[str, str] | None = None,
    cache: bool = False,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    trace_io: bool | None = None,
) -> FunctionNode: ...


@overload
def node(
    source: None = None,
    output_name: str | tuple[str, ...] | None = None,
    *,
    rename_inputs: dict[str, str] | None = None,
    cache: bool = False,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    trace_io: bool | None = None,
) -> Callable[[Callable[..., Any]], FunctionNode]: ...


def node(
    source: Callable[..., Any] | None = None,
    output_name: str | tuple[str, ...] | None = None,
    *,
    rename_inputs: dict[str, str] | None = None,
    cache: bool = False,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    retry: RetryPolicy | None = None,
    timeout: float | None = None,
    trace_io: bool | None = None,
) -> FunctionNode | Callable[[Callable[..., Any]], FunctionNode]:
    """Make a function a :class:`FunctionNode`; usable as ``@node``, ``@node()`` or ``@node(...)``.

    ``retry`` (a :class:`~hypergraph.RetryPolicy`) tries a failing call again; ``timeout``
    (seconds, ``async def`` nodes under AsyncRunner only) cancels an attempt that runs longer
    and fails it with ``AttemptTimeoutError``; ``trace_io`` records the node's inputs and
    outputs on its tracing span (``None``: as the graph says).

    >>> @node(output_name="doubled")
    ... def double(x: int) -> int:
    ...     return x * 2
    >>> double.inputs, double.outputs, double(3)
    (('x',), ('doubled',), 6)
    """

    def decorate(func: Callable[..., Any]) -> FunctionNode:
        made = FunctionNode(
            func,
            None,
            output_name,
            rename_inputs=rename_inputs,
            cache=cache,
            hide=hide,
            emit=emit,
            wait_for=wait_for,
            retry=retry,
            timeout=timeout,
            trace_io=trace_io,
        )
        made.__wrapped__ = made.func
        made.__doc__ = getattr(made.func, "__doc__", None)
        return made

    if isinstance(source, str):
        raise TypeError(
            f"node() got the string {short_repr(source)} as the function; pass output names by "
            f"keyword: @node(output_name={short_repr(source)})."
        )
    if source is not None:
        return decorate(source)
    return decorate
