"""Reading annotations safely and deciding whether two annotations fit (docs/guides/graphs.md).

``Graph(strict_types=True)`` checks every data edge with :func:`is_type_compatible`. The check is
deliberately forgiving where Python's typing cannot tell (missing or unresolvable annotations,
type variables) and strict where it can (``int`` into ``str``).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import types
import typing
import warnings
from typing import Any, ForwardRef, TypeVar, Union, get_args, get_origin

__all__ = ["NoAnnotation", "Unresolvable", "safe_get_type_hints", "is_type_compatible"]


class NoAnnotation:
    """Marker for "this value has no type annotation"; compatible with everything.

    Use the class itself as the marker (``NoAnnotation``); instances are accepted too.
    """


class Unresolvable:
    """An annotation that could not be evaluated, e.g. a forward reference to a missing name."""

    __slots__ = ("type_str",)

    def __init__(self, type_str: str) -> None:
        self.type_str = type_str

    def __repr__(self) -> str:
        return f"Unresolvable({self.type_str!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolvable) and other.type_str == self.type_str

    def __hash__(self) -> int:
        return hash(("Unresolvable", self.type_str))


def _annotation_owner(func: Any) -> Any:
    """The object whose ``__annotations__`` describe ``func`` (unwrapping partials and callables)."""
    while isinstance(func, functools.partial):
        func = func.func
    if not (inspect.isfunction(func) or inspect.ismethod(func) or isinstance(func, type)):
        for klass in type(func).__mro__:  # a callable object: annotations live on __call__
            call = vars(klass).get("__call__")
            if inspect.isfunction(call):
                return call
    return func


def _raw_annotations(owner: Any) -> dict[str, Any]:
    try:
        raw = getattr(owner, "__annotations__", None)
    except Exception:
        return {}
    return dict(raw) if isinstance(raw, dict) else {}


def _eval_one(
    annotation: Any, globalns: dict[str, Any], localns: dict[str, Any], include_extras: bool
) -> Any:
    """Evaluate a single annotation, returning :class:`Unresolvable` when it cannot be."""
    holder = types.SimpleNamespace(__annotations__={"x": annotation})
    try:
        hints = typing.get_type_hints(
            holder, globalns=globalns, localns=localns, include_extras=include_extras
        )
        return hints["x"]
    except Exception:
        text = annotation if isinstance(annotation, str) else repr(annotation)
        return Unresolvable(text)


def safe_get_type_hints(func: Any, include_extras: bool = False) -> dict[str, Any]:
    """Return the resolved annotations of ``func``; never raises.

    Annotations that cannot be evaluated (a forward reference to a name that does not exist,
    a typo in a string annotation) become ``Unresolvable("<text>")`` instead of failing the whole
    lookup. Objects without annotations give ``{}``.
    """
    if type(func) is types.FunctionType and not func.__annotations__:
        return {}  # nothing to resolve (typing.get_type_hints would say the same, slower)
    owner = _annotation_owner(func)
    try:
        return dict(typing.get_type_hints(owner, include_extras=include_extras))
    except Exception:
        pass
    raw = _raw_annotations(owner)
    if not raw:
        return {}
    globalns = getattr(inspect.unwrap(owner), "__globals__", None) or {}
    localns = _closure_namespace(owner)
    return {name: _eval_one(ann, globalns, localns, include_extras) for name, ann in raw.items()}


def _closure_namespace(owner: Any) -> dict[str, Any]:
    """Names captured by a closure, so string annotations can refer to local classes."""
    code = getattr(owner, "__code__", None)
    cells = getattr(owner, "__closure__", None)
    if code is None or not cells:
        return {}
    namespace: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            namespace[name] = cell.cell_contents
        except ValueError:  # empty cell
            continue
    return namespace


# --------------------------------------------------------------------------- compatibility

_UNION_ORIGINS: tuple[Any, ...] = (Union, types.UnionType)


def _resolve_forward(tp: Any, memo: dict[str, Any]) -> Any:
    """Turn string / ForwardRef annotations into types via ``memo`` or builtins."""
    if isinstance(tp, ForwardRef):
        tp = tp.__forward_arg__
    if not isinstance(tp, str):
        return tp
    if tp in memo:
        return memo[tp]
    namespace = {**vars(builtins), **vars(typing), **memo}
    try:
        resolved = eval(tp, namespace)  # noqa: S307 - annotations are code by definition
    except Exception:
        resolved = Unresolvable(tp)
    memo[tp] = resolved
    return resolved


def _strip_annotated(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return tp


def _normalise(tp: Any, memo: dict[str, Any]) -> Any:
    tp = _strip_annotated(_resolve_forward(tp, memo))
    return type(None) if tp is None else tp


def _is_marker(tp: Any, marker: type) -> bool:
    return tp is marker or isinstance(tp, marker)


def _typevar_accepts(required: TypeVar, incoming: Any, memo: dict[str, Any]) -> bool:
    if required.__constraints__:
        return any(_compatible(incoming, c, memo) for c in required.__constraints__)
    if required.__bound__ is not None:
        return _compatible(incoming, required.__bound__, memo)
    return True


def _literal_compatible(incoming: Any, required: Any, memo: dict[str, Any]) -> bool:
    in_literal = get_origin(incoming) is typing.Literal
    req_literal = get_origin(required) is typing.Literal
    if in_literal and req_literal:
        return set(get_args(incoming)) <= set(get_args(required))
    if in_literal:  # Literal["a"] flows into str
        return all(_compatible(type(v), required, memo) for v in get_args(incoming))
    return False  # a plain type never satisfies a Literal requirement


def _args_compatible(
    in_args: tuple[Any, ...], req_args: tuple[Any, ...], memo: dict[str, Any]
) -> bool:
    if len(in_args) != len(req_args):
        return False
    for a, b in zip(in_args, req_args):
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):  # Callable params
            if not _args_compatible(tuple(a), tuple(b), memo):
                return False
        elif a is Ellipsis or b is Ellipsis:
            if a is not b:
                return False
        elif not _compatible(a, b, memo):
            return False
    return True


def _safe_issubclass(a: Any, b: Any) -> bool:
    try:
        return isinstance(a, type) and isinstance(b, type) and issubclass(a, b)
    except TypeError:
        return False


def _compatible(incoming: Any, required: Any, memo: dict[str, Any]) -> bool:
    incoming = _normalise(incoming, memo)
    required = _normalise(required, memo)
    if incoming is required or incoming == required:
        return True
    if required is Any or incoming is Any:
        return True
    if _is_marker(incoming, NoAnnotation) or _is_marker(required, NoAnnotation):
        return True
    if isinstance(incoming, Unresolvable) or isinstance(required, Unresolvable):
        bad = incoming if isinstance(incoming, Unresolvable) else required
        warnings.warn(
            f"Cannot check type compatibility: annotation {bad.type_str!r} could not be "
            "resolved; treating it as compatible. Import the type at module level to check it.",
            UserWarning,
            stacklevel=3,
        )
        return True
    if isinstance(incoming, TypeVar):
        return True
    if hasattr(incoming, "__supertype__"):  # NewType("UserId", int) flows where int is wanted
        return _compatible(incoming.__supertype__, required, memo)
    if isinstance(required, TypeVar):
        return _typevar_accepts(required, incoming, memo)

    in_origin, req_origin = get_origin(incoming), get_origin(required)
    if in_origin in _UNION_ORIGINS:
        return all(_compatible(member, required, memo) for member in get_args(incoming))
    if req_origin in _UNION_ORIGINS:
        return any(_compatible(incoming, member, memo) for member in get_args(required))
    if typing.Literal in (in_origin, req_origin):
        return _literal_compatible(incoming, required, memo)

    if in_origin is None and req_origin is None:
        return _safe_issubclass(incoming, required)
    in_base = in_origin if in_origin is not None else incoming
    req_base = req_origin if req_origin is not None else required
    if not (in_base is req_base or _safe_issubclass(in_base, req_base)):
        return False
    in_args, req_args = get_args(incoming), get_args(required)
    if in_args and req_args:
        return _args_compatible(in_args, req_args, memo)
    return True


def is_type_compatible(incoming: Any, required: Any, memo: dict[str, Any] | None = None) -> bool:
    """Return whether a value annotated ``incoming`` may flow into a parameter ``required``.

    ``memo`` maps forward-reference names to types (and caches resolutions of string
    annotations); pass the same dict across calls to resolve names once.

    >>> is_type_compatible(int, int | str), is_type_compatible(int | str, int)
    (True, False)
    """
    return _compatible(incoming, required, {} if memo is None else memo)
