"""Shared machinery of nodes backed by a Python function (FunctionNode, gates, interrupts).

It reads the signature once (parameter names, defaults, annotations), keeps them keyed by the
node's *current* input names through renames, and makes such nodes picklable even when the
decorator replaced the module-level function by the node.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import partial
from types import FunctionType
from typing import Any

from hypergraph._hashing import hash_definition
from hypergraph._short_repr import short_repr, short_text
from hypergraph._typing import safe_get_type_hints
from hypergraph.exceptions import RenameError
from hypergraph.nodes.base import HyperNode

__all__ = ["CallableNode", "function_name", "call_style"]


def call_style(func: Callable[..., Any]) -> tuple[bool, bool]:
    """``(is_async, is_generator)`` for a function, partial or object with ``__call__``.

    Only generator *functions* count as generators: a function that returns a generator object
    is an ordinary function whose output happens to be a generator.
    """
    if type(func) is FunctionType and not func.__dict__:  # the common case, read directly
        flags = func.__code__.co_flags
        is_async_gen = bool(flags & inspect.CO_ASYNC_GENERATOR)
        return bool(flags & inspect.CO_COROUTINE) or is_async_gen, bool(
            flags & inspect.CO_GENERATOR
        ) or is_async_gen
    target: Any = func
    if not (inspect.isfunction(func) or inspect.ismethod(func) or isinstance(func, partial)):
        target = type(func).__call__  # a callable object: look at its __call__ method
    is_async_gen = inspect.isasyncgenfunction(target)
    is_async = inspect.iscoroutinefunction(target) or is_async_gen
    is_generator = inspect.isgeneratorfunction(target) or is_async_gen
    return is_async, is_generator


def function_name(func: Callable[..., Any]) -> str:
    """``func.__name__``, looking through partials and callable objects."""
    name = getattr(func, "__name__", None)
    if isinstance(name, str):
        return name
    inner = getattr(func, "func", None)  # functools.partial
    if inner is not None:
        return function_name(inner)
    return type(func).__name__


def _signature(func: Callable[..., Any], owner: str) -> inspect.Signature:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"Cannot read the signature of {short_repr(func)} for node '{owner}': "
            f"{short_text(str(exc))}. Wrap it in a plain Python function with named parameters."
        ) from exc


_STAR_FLAGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _parameters(func: Callable[..., Any], owner: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """``(parameter names in signature order, {name: default})`` of ``func``.

    A plain Python function is read straight from its code object, what ``inspect.signature``
    would report for it at a fraction of the cost (building a node is mostly this); anything
    else (wrappers, partials, callable objects, a ``__signature__``) goes through ``inspect``.
    """
    if (
        type(func) is not FunctionType
        or "__wrapped__" in func.__dict__
        or ("__signature__" in func.__dict__)
    ):
        signature = _signature(func, owner)
        defaults = {
            p.name: p.default
            for p in signature.parameters.values()
            if p.default is not inspect.Parameter.empty
        }
        return tuple(signature.parameters), defaults
    code = func.__code__
    positional = code.co_argcount
    keyword_only = code.co_kwonlyargcount
    names = code.co_varnames
    if not keyword_only and not code.co_flags & _STAR_FLAGS and not func.__defaults__:
        return names[:positional], {}  # the common ``def f(a, b)``
    ordered = list(names[:positional])
    extra = positional + keyword_only  # *args and **kwargs names follow the keyword-only ones
    if code.co_flags & inspect.CO_VARARGS:
        ordered.append(names[extra])
        extra += 1
    ordered.extend(names[positional : positional + keyword_only])
    if code.co_flags & inspect.CO_VARKEYWORDS:
        ordered.append(names[extra])
    found: dict[str, Any] = {}
    if func.__defaults__:
        found.update(
            zip(names[positional - len(func.__defaults__) : positional], func.__defaults__)
        )
    if func.__kwdefaults__:
        found.update(
            (name, func.__kwdefaults__[name])
            for name in names[positional : positional + keyword_only]
            if name in func.__kwdefaults__
        )
    return tuple(ordered), found


class CallableNode(HyperNode):
    """A node whose work is done by ``func``; inputs are the function's parameters."""

    func: Callable[..., Any]
    __wrapped__: Callable[..., Any]  # set by the decorators, like functools.wraps
    _to_param: dict[str, str]
    _identity_params: bool
    defaults: dict[str, Any]
    parameter_annotations: dict[str, Any]

    def _repr_label(self) -> str:
        """``fname``, or ``fname as 'name'`` once the node carries another name (reprs)."""
        fname = function_name(self.func)
        return fname if self.name == fname else f"{fname} as '{self.name}'"

    def _init_callable(
        self, func: Callable[..., Any], name: str | None, rename_inputs: dict[str, str] | None
    ) -> None:
        """Read ``func``'s signature and set name, inputs, defaults and annotations."""
        HyperNode.__init__(self)
        plain = type(func) is FunctionType
        if not plain and not callable(func):
            raise TypeError(f"A node needs a callable, got {short_repr(func)}")
        self.func = func
        if name is None:
            name = func.__name__ if plain else function_name(func)
        self.name = name
        params, self.defaults = _parameters(func, self.name)
        self.inputs = params
        self._to_param = dict(zip(params, params))
        self._identity_params = True
        hints = safe_get_type_hints(func)
        if hints:
            self.parameter_annotations = {p: hints[p] for p in params if p in hints}
            self._return_hint = hints.get("return", inspect.Signature.empty)
        else:
            self.parameter_annotations = {}
            self._return_hint = inspect.Signature.empty
        # Hashing reads the function's source, the costliest part of building a node: it is
        # done on first use of ``definition_hash`` (caching, checkpoints), never for graphs that
        # do not need it.
        self._definition_hash: str | None = None
        if rename_inputs:
            self._apply_constructor_renames(rename_inputs)

    def _apply_constructor_renames(self, rename_inputs: dict[str, str]) -> None:
        unknown = [k for k in rename_inputs if k not in self.inputs]
        if unknown:
            names = ", ".join(f"'{k}'" for k in unknown)
            raise RenameError(
                f"Node '{self.name}': Cannot rename unknown inputs: {names}. "
                f"Valid inputs: {self.inputs}"
            )
        renamed = self.with_inputs(rename_inputs)
        self.__dict__.update(renamed.__dict__)

    # ------------------------------------------------------------------ node protocol
    @property
    def definition_hash(self) -> str:
        """Hash of the function's source (see ``hash_definition``); unchanged by renames."""
        found = self._definition_hash
        if found is None:
            found = self._definition_hash = hash_definition(self.func)
        return found

    def has_default_for(self, param: str) -> bool:
        """Whether ``param`` (current name) has a signature default."""
        return param in self.defaults

    def get_default_for(self, param: str) -> Any:
        """The signature default of ``param`` (current name); ``KeyError`` if none."""
        try:
            return self.defaults[param]
        except KeyError:
            raise KeyError(f"No default for '{param}'") from None

    def get_input_type(self, param: str) -> Any:
        """The annotation of ``param`` (current name), or ``None``."""
        return self.parameter_annotations.get(param)

    def map_inputs_to_params(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Map current input names back to the function's parameter names."""
        if self._identity_params:
            return inputs
        to_param = self._to_param
        return {to_param.get(k, k): v for k, v in inputs.items()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the wrapped function directly (an async function returns its coroutine)."""
        return self.func(*args, **kwargs)

    def _after_input_rename(self, renames: dict[str, str]) -> None:
        def rekey(d: dict[str, Any]) -> dict[str, Any]:
            return {renames.get(k, k): v for k, v in d.items()}

        self._to_param = rekey(self._to_param)
        self._identity_params = all(k == v for k, v in self._to_param.items())
        self.defaults = rekey(self.defaults)
        self.parameter_annotations = rekey(self.parameter_annotations)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # `@node` replaces the module attribute `f` by the node, so pickling `func` by
        # reference would fail ("not the same object"). Store a reference to the node instead.
        state = dict(self.__dict__)
        # Ship the hash computed here: where the node lands, the source may not be readable.
        state["_definition_hash"] = self.definition_hash
        for key in ("func", "__wrapped__"):
            if key in state:
                state[key] = _FuncRef.create(state[key])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key in ("func", "__wrapped__"):
            if isinstance(state.get(key), _FuncRef):
                state[key] = state[key].resolve()
        self.__dict__.update(state)


class _FuncRef:
    """Pickle stand-in for a function hidden behind a module-level node of the same name."""

    __slots__ = ("module", "qualname")

    def __init__(self, module: str, qualname: str) -> None:
        self.module, self.qualname = module, qualname

    @staticmethod
    def create(func: Any) -> Any:
        module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", None)
        if not (isinstance(module, str) and isinstance(qualname, str)) or "<" in qualname:
            return func
        try:
            target: Any = importlib.import_module(module)
            for part in qualname.split("."):
                target = getattr(target, part)
        except Exception:
            return func
        if target is not func and getattr(target, "func", None) is func:
            return _FuncRef(module, qualname)
        return func

    def __getstate__(self) -> tuple[str, str]:
        return (self.module, self.qualname)

    def __setstate__(self, state: tuple[str, str]) -> None:
        self.module, self.qualname = state

    def resolve(self) -> Callable[..., Any]:
        target: Any = importlib.import_module(self.module)
        for part in self.qualname.split("."):
            target = getattr(target, part)
        func: Callable[..., Any] = target.func
        return func
