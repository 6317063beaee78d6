"""The code a cached call runs, fingerprinted: the node's function and the helpers it calls.

A node's cache key must change when the *behaviour* of its code changes, not only its own
text: editing a helper function the node calls must invalidate its entries, while editing a
comment or whitespace must not. :func:`code_fingerprint` therefore hashes

- each function's syntax tree (``ast.dump`` of its source: comments, blank lines and
  indentation do not count; without source, its bytecode and constants), plus its defaults and
  captured closure values, and
- transitively, every module-level function it references that lives in the user's own code:
  global names (``helper(x)``), attributes of user modules (``helpers.clean(x)``) and functions
  captured in closures. Functions of the standard library, of installed packages
  (site-packages) and of hypergraph itself are not followed: they change with versions, not
  with the user's edits.

Classes, methods called on objects and data read from files are not followed.

Per-function hashes are memoised by function object and code; the walk itself is redone at each
call (a few dictionary lookups per referenced name), so a helper redefined at runtime (a
notebook cell run again) is seen at once.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import site
import sys
import sysconfig
import textwrap
import threading
import types
import weakref
from functools import lru_cache
from typing import Any

from hypergraph._hashing import _bytecode_hash, _closure_bytes, _stable_bytes, hash_definition

__all__ = ["code_fingerprint"]

_own_hashes: weakref.WeakKeyDictionary[types.FunctionType, tuple[types.CodeType, str]] = (
    weakref.WeakKeyDictionary()
)
_own_lock = threading.Lock()


def code_fingerprint(func: Any) -> str:
    """A 64-char SHA-256 hex digest of ``func``'s code and the user helpers it calls.

    Stable across processes for unchanged code; never raises (falls back to
    ``hash_definition``).
    """
    try:
        root = _python_function(func)
        if root is None:
            return hash_definition(func)
        digest = hashlib.sha256()
        for own in _reachable(root):
            digest.update(own.encode() + b"\n")
        return digest.hexdigest()
    except Exception:
        return hash_definition(func)


def _python_function(func: Any) -> types.FunctionType | None:
    target = _unwrapped(func) if isinstance(func, types.FunctionType) else func
    if inspect.ismethod(target):
        target = target.__func__
    return target if isinstance(target, types.FunctionType) else None


def _reachable(root: types.FunctionType) -> list[str]:
    """The own hash of ``root`` first, then those of every user helper it reaches (sorted)."""
    seen = {id(root)}
    order = [root]
    index = 0
    while index < len(order):  # breadth-first; each function is visited once
        func = order[index]
        index += 1
        for helper in _referenced_functions(func):
            if id(helper) not in seen and _is_user_code(helper.__code__.co_filename):
                seen.add(id(helper))
                order.append(helper)
    # Hashes only, not names: moving or renaming a module does not change what the code does.
    return [_own_hash(root)] + sorted(_own_hash(f) for f in order[1:])


def _referenced_functions(func: types.FunctionType) -> list[types.FunctionType]:
    names = _global_names(func.__code__)
    namespace = func.__globals__
    found: list[types.FunctionType] = []
    for name in names:
        value = namespace.get(name)
        if isinstance(value, types.FunctionType):
            found.append(value)
        elif isinstance(value, types.ModuleType) and _is_user_code(
            getattr(value, "__file__", None) or ""
        ):
            for attribute in names:  # helpers.clean(x): 'helpers' and 'clean' are both names
                member = getattr(value, attribute, None)
                if isinstance(member, types.FunctionType):
                    found.append(member)
    for cell in func.__closure__ or ():
        try:
            content = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(content, types.FunctionType):
            found.append(content)
    return [_unwrapped(f) for f in found]


def _unwrapped(func: types.FunctionType) -> types.FunctionType:
    if "__wrapped__" not in func.__dict__:  # the common case, without inspect's bookkeeping
        return func
    inner = inspect.unwrap(func)
    return inner if isinstance(inner, types.FunctionType) else func


@lru_cache(maxsize=4096)
def _global_names(code: types.CodeType) -> tuple[str, ...]:
    """Every name a code object (and the code nested in it) looks up globally or as attribute."""
    names: dict[str, None] = {}
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(dict.fromkeys(current.co_names))
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return tuple(names)


def _own_hash(func: types.FunctionType) -> str:
    """Hash of one function's own code (syntax tree or bytecode), defaults and closure."""
    with _own_lock:
        memo = _own_hashes.get(func)
    if memo is not None and memo[0] is func.__code__:
        return memo[1]
    digest = _syntax_hash(func) or _bytecode_hash(func)
    with _own_lock:
        _own_hashes[func] = (func.__code__, digest)
    return digest


def _syntax_hash(func: types.FunctionType) -> str | None:
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None  # no source (exec, REPL) or a fragment (a lambda inside an expression)
    parts = [ast.dump(tree).encode()]
    if func.__name__ == "<lambda>":  # lambdas on one line share their source text
        parts.append(repr(func.__code__.co_consts).encode("utf-8", "replace"))
    parts.extend(_closure_bytes(func))
    parts.append(_stable_bytes(func.__defaults__))
    parts.append(_stable_bytes(func.__kwdefaults__))
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    """Directories holding code that is not the user's: stdlib, site-packages, hypergraph."""
    paths = sysconfig.get_paths()
    roots = {paths.get(key, "") for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except AttributeError:  # some embedded interpreters lack these
        pass
    roots.add(os.path.dirname(os.path.abspath(__file__)))  # hypergraph itself
    roots.add(os.path.dirname(os.path.abspath(os.__file__)))
    return tuple(sorted(os.path.realpath(r) + os.sep for r in roots if r))


@lru_cache(maxsize=4096)
def _is_user_code(filename: str) -> bool:
    """Whether ``filename`` holds the user's own code (followed for cache keys)."""
    if not filename:
        return False
    if filename.startswith("<"):  # exec'd code, notebooks ('<ipython-input-...>'), REPL
        return not filename.startswith("<frozen")
    path = os.path.realpath(filename)
    if any(path.startswith(root) for root in _library_roots()):
        return False
    return not path.startswith(os.path.realpath(sys.base_prefix) + os.sep + "lib")
