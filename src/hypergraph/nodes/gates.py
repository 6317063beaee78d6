"""Gates decide which nodes may run: ``@route``, ``@ifelse`` and the ``END`` sentinel
(docs/guides/graphs.md).

A gate's function returns a *decision* (a target name, ``END``, ``None`` or, for multi-target
routes, a list); it produces no data. ``GateNode.resolve_decision`` validates that decision and
turns it into the tuple of activated targets the engine works with.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hypergraph._short_repr import short_repr
from hypergraph._warnings import user_stacklevel
from hypergraph.nodes._callable import CallableNode, call_style, function_name
from hypergraph.nodes.base import (
    check_attempt_options,
    check_signal_names,
    normalize_names,
)

if TYPE_CHECKING:
    from hypergraph.retry import RetryPolicy

__all__ = ["END", "GateNode", "RouteNode", "IfElseNode", "route", "ifelse"]

GateT = TypeVar("GateT", bound="GateNode")


class _EndMeta(type):
    def __repr__(cls) -> str:
        return "END"

    __str__ = __repr__


class END(metaclass=_EndMeta):
    """Sentinel target meaning "stop this path". Use the class itself, never the string "END"."""

    def __new__(cls, *args: Any, **kwargs: Any) -> END:
        raise TypeError("END is a sentinel and cannot be instantiated; use END itself as a target.")


def _target_label(target: Any) -> str:
    return "END" if target is END else str(target)


class GateNode(CallableNode):
    """Abstract base of gates: runs a synchronous decision function and activates targets."""

    node_type = "BRANCH"
    targets: list[Any]
    descriptions: dict[Any, str]
    default_open: bool

    def _renamed_label(self) -> str:
        """The gate's name; after ``with_name`` also its function (``decide as 'my_gate'``)."""
        if any(entry.kind == "name" for entry in self._rename_history):
            return f"{function_name(self.func)} as '{self.name}'"
        return self.name

    def __new__(cls: type[GateT], *args: Any, **kwargs: Any) -> GateT:
        if cls is GateNode:
            raise TypeError("GateNode is abstract; use @route / RouteNode or @ifelse / IfElseNode.")
        return super().__new__(cls)

    def _init_gate(
        self,
        func: Callable[..., Any],
        targets: list[Any],
        *,
        name: str | None,
        rename_inputs: dict[str, str] | None,
        cache: bool,
        hide: bool,
        default_open: bool,
        emit: str | tuple[str, ...] | None,
        wait_for: str | tuple[str, ...] | None,
        retry: RetryPolicy | None,
        trace_io: bool | None,
    ) -> None:
        label = name or function_name(func)
        is_async, is_generator = call_style(func) if callable(func) else (False, False)
        if is_async and not is_generator:
            raise TypeError(
                f"Gate '{label}' cannot be async: decision functions must be plain synchronous "
                "functions. Compute async data in a @node and let the gate read it."
            )
        if is_generator:
            raise TypeError(
                f"Gate '{label}' cannot be a generator: return a single decision instead of "
                "yielding."
            )
        for target in targets:
            if isinstance(target, str) and target == "END":
                raise ValueError(
                    f"Gate '{label}' uses 'END' as a string target; import the END sentinel "
                    "(from hypergraph import END) and use it instead."
                )
            if target is not END and not isinstance(target, str):
                raise TypeError(
                    f"Gate '{label}': targets must be node names (str) or END, got "
                    f"{short_repr(target)}"
                )
        self._init_callable(func, name, rename_inputs)
        self.targets = list(targets)
        self.data_outputs = ()
        self._emit = normalize_names(emit, "emit", self.name)
        self.wait_for = normalize_names(wait_for, "wait_for", self.name)
        check_signal_names(self.name, self.inputs, (), self._emit, self.wait_for)
        self._set_outputs()
        self.cache = bool(cache)
        self.hide = bool(hide)
        self.default_open = bool(default_open)
        # Gates are synchronous, so they take no timeout (see check_attempt_options).
        self.retry, _, self.trace_io = check_attempt_options(
            self.name, retry, None, trace_io, is_async=False
        )

    @property
    def branch_data(self) -> dict[str, Any]:
        """Gate details for the graph's networkx attributes and visualisation."""
        return {"targets": list(self.targets), "descriptions": dict(self.descriptions)}

    @property
    def nx_attrs(self) -> dict[str, Any]:
        """Node attributes plus ``branch_data``."""
        return {**super().nx_attrs, "branch_data": self.branch_data}

    def resolve_decision(self, raw: Any) -> tuple[Any, ...]:
        """Validate the decision function's return value; return the activated targets."""
        raise NotImplementedError

    def _invalid_target(self, value: Any) -> ValueError:
        shown = [_target_label(t) for t in self.targets]
        fix = (
            "Return one of the declared targets (END for the sentinel), or add the name to targets."
        )
        if isinstance(value, str) and value == "END":
            fix = (
                "The string 'END' is not the END sentinel: return END itself "
                "(from hypergraph import END)."
            )
        return ValueError(
            f"Gate '{self.name}' returned an invalid target {short_repr(value)}. Valid targets: "
            f"{shown}. " + fix
        )


class RouteNode(GateNode):
    """A gate whose function returns the name of the target(s) to run next."""

    def __init__(
        self,
        func: Callable[..., Any],
        targets: list[str | type[END]] | dict[str | type[END], str],
        *,
        fallback: str | type[END] | None = None,
        multi_target: bool = False,
        cache: bool = False,
        hide: bool = False,
        default_open: bool = True,
        name: str | None = None,
        rename_inputs: dict[str, str] | None = None,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
        retry: RetryPolicy | None = None,
        trace_io: bool | None = None,
    ) -> None:
        label = name or function_name(func)
        if isinstance(targets, dict):
            descriptions = dict(targets)
            listed = list(targets)
        elif isinstance(targets, (list, tuple)):
            descriptions, listed = {}, list(targets)
        else:
            listed, descriptions = [targets], {}
        if not listed:
            raise ValueError(f"Route '{label}' needs at least one target.")
        if fallback is not None and multi_target:
            raise ValueError(
                f"Route '{label}' cannot have both fallback and multi_target: with multi_target "
                "return [] or None to activate nothing."
            )
        unique: list[Any] = []
        for target in listed:
            if not any(target is t or (target == t and target is not END) for t in unique):
                unique.append(target)
        if fallback is not None and fallback not in unique:
            unique.append(fallback)
        self._init_gate(
            func,
            unique,
            name=name,
            rename_inputs=rename_inputs,
            cache=cache,
            hide=hide,
            default_open=default_open,
            emit=emit,
            wait_for=wait_for,
            retry=retry,
            trace_io=trace_io,
        )
        self.descriptions = descriptions
        self.fallback = fallback
        self.multi_target = bool(multi_target)

    @property
    def branch_data(self) -> dict[str, Any]:
        """Targets, descriptions, fallback and multi_target."""
        return {
            **super().branch_data,
            "fallback": self.fallback,
            "multi_target": self.multi_target,
        }

    def _check_target(self, value: Any) -> Any:
        if value is END:
            if END in self.targets:
                return END
            raise self._invalid_target(value)
        if isinstance(value, str):
            if value == "END" and END in self.targets:
                warnings.warn(
                    f"Route '{self.name}' returned the string 'END'; return the END sentinel "
                    "(from hypergraph import END) instead.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
            elif value in self.targets:
                return value
        raise self._invalid_target(value)

    def resolve_decision(self, raw: Any) -> tuple[Any, ...]:
        """Activated targets for ``raw`` (a target, END, None, or a list when multi_target)."""
        if self.multi_target:
            if raw is None:
                return ()
            if not isinstance(raw, list):
                raise TypeError(
                    f"Route '{self.name}' has multi_target=True but returned {type(raw).__name__} "
                    f"({short_repr(raw)}). Return a list of targets, e.g. [{short_repr(raw)}]."
                )
            chosen: list[Any] = []
            for item in raw:
                target = self._check_target(item)
                if target not in chosen:
                    chosen.append(target)
            return tuple(chosen)
        if raw is None:
            return () if self.fallback is None else (self.fallback,)
        if isinstance(raw, list):
            raise TypeError(
                f"Route '{self.name}' has multi_target=False but returned a list "
                f"({short_repr(raw)}). Return a single target, or declare the route with "
                "multi_target=True."
            )
        return (self._check_target(raw),)

    def __repr__(self) -> str:
        return f"RouteNode({self._renamed_label()}, targets={[_target_label(t) for t in self.targets]!r})"


class IfElseNode(GateNode):
    """A two-way gate: the function returns ``True`` or ``False``."""

    def __init__(
        self,
        func: Callable[..., bool],
        when_true: str | type[END],
        when_false: str | type[END],
        *,
        cache: bool = False,
        hide: bool = False,
        default_open: bool = True,
        name: str | None = None,
        rename_inputs: dict[str, str] | None = None,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
        retry: RetryPolicy | None = None,
        trace_io: bool | None = None,
    ) -> None:
        if when_true is when_false or (when_true == when_false and when_true is not END):
            raise ValueError(
                f"IfElse '{name or function_name(func)}' sends both outcomes to the same target "
                f"{_target_label(when_true)!r}; use different targets, or a plain edge instead."
            )
        self._init_gate(
            func,
            [when_true, when_false],
            name=name,
            rename_inputs=rename_inputs,
            cache=cache,
            hide=hide,
            default_open=default_open,
            emit=emit,
            wait_for=wait_for,
            retry=retry,
            trace_io=trace_io,
        )
        self.when_true = when_true
        self.when_false = when_false
        self.descriptions = {True: "True", False: "False"}

    @property
    def branch_data(self) -> dict[str, Any]:
        """Targets plus ``when_true`` / ``when_false``."""
        return {**super().branch_data, "when_true": self.when_true, "when_false": self.when_false}

    def resolve_decision(self, raw: Any) -> tuple[Any, ...]:
        """``(when_true,)`` for ``True``, ``(when_false,)`` for ``False``; else ``TypeError``."""
        if raw is True:
            return (self.when_true,)
        if raw is False:
            return (self.when_false,)
        raise TypeError(
            f"IfElse '{self.name}' must return bool (True or False), got {type(raw).__name__} "
            f"({short_repr(raw)}). Convert the result with bool(...)."
        )

    def __repr__(self) -> str:
        true, false = _target_label(self.when_true), _target_label(self.when_false)
        return f"IfElseNode({self._renamed_label()}, true={true}, false={false})"


def route(
    targets: list[str | type[END]] | dict[str | type[END], str],
    *,
    fallback: str | type[END] | None = None,
    multi_target: bool = False,
    cache: bool = False,
    hide: bool = False,
    default_open: bool = True,
    name: str | None = None,
    rename_inputs: dict[str, str] | None = None,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    retry: RetryPolicy | None = None,
    trace_io: bool | None = None,
) -> Callable[[Callable[..., Any]], RouteNode]:
    """Decorate a decision function as a :class:`RouteNode` choosing among ``targets``.

    ``retry`` (a :class:`~hypergraph.RetryPolicy`) calls a failing decision function again;
    ``trace_io`` records its inputs and decision on its tracing span.
    """

    def decorate(func: Callable[..., Any]) -> RouteNode:
        made = RouteNode(
            func,
            targets,
            fallback=fallback,
            multi_target=multi_target,
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
            retry=retry,
            trace_io=trace_io,
        )
        made.__wrapped__ = func
        return made

    return decorate


def ifelse(
    when_true: str | type[END],
    when_false: str | type[END],
    *,
    cache: bool = False,
    hide: bool = False,
    default_open: bool = True,
    name: str | None = None,
    rename_inputs: dict[str, str] | None = None,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    retry: RetryPolicy | None = None,
    trace_io: bool | None = None,
) -> Callable[[Callable[..., bool]], IfElseNode]:
    """Decorate a boolean function as an :class:`IfElseNode` (True → ``when_true``).

    ``retry`` and ``trace_io`` work as on :func:`route`.
    """

    def decorate(func: Callable[..., bool]) -> IfElseNode:
        made = IfElseNode(
            func,
            when_true,
            when_false,
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
            retry=retry,
            trace_io=trace_io,
        )
        made.__wrapped__ = func
        return made

    return decorate
