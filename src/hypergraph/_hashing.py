"""Stable fingerprints of node definitions (docs/guides/nodes.md), used for cache keys and graph
hashes.

The fingerprint must change when the code changes and stay put otherwise, also across
processes (disk caches outlive the interpreter), so it is built from source text or bytecode
rather than from ``id()`` or memory addresses wherever possible.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import pickle
import types
from typing import Any

__all__ = ["hash_definition"]


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def _stable_bytes(value: Any) -> bytes:
    """Bytes for a captured value: pickle when possible (stable across runs), else repr."""
    if isinstance(value, types.CodeType):
        return _code_bytes(value)
    if inspect.isfunction(value):
        return f"{value.__module__}:{value.__qualname__}".encode()
    try:
        return pickle.dumps(value, protocol=4)
    except Exception:
        return repr(value).encode("utf-8", "replace")


def _code_bytes(code: types.CodeType) -> bytes:
    """Bytecode plus constants (recursing into nested code objects, e.g. inner functions)."""
    parts = [code.co_code, repr(code.co_names).encode()]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            parts.append(_code_bytes(const))
        else:
            parts.append(repr(const).encode("utf-8", "replace"))
    return b"\x00".join(parts)


def _closure_bytes(func: types.FunctionType) -> list[bytes]:
    parts: list[bytes] = []
    for cell in func.__closure__ or ():
        try:
            parts.append(_stable_bytes(cell.cell_contents))
        except ValueError:  # empty cell
            parts.append(b"<empty>")
    return parts


def _bytecode_hash(func: types.FunctionType) -> str:
    return _sha256(
        _code_bytes(func.__code__),
        _stable_bytes(func.__defaults__),
        _stable_bytes(func.__kwdefaults__),
        *_closure_bytes(func),
    )


def _qualified_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}:{qualname}"


def _hash_function(func: types.FunctionType) -> str:
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return _bytecode_hash(func)
    parts = [source.encode("utf-8")]
    # Two lambdas on one line share their source text, and closures made by one factory share
    # it too; mixing in bytecode / captured values keeps their cache keys apart.
    if func.__name__ == "<lambda>":
        parts.append(_code_bytes(func.__code__))
    parts.extend(_closure_bytes(func))
    return _sha256(*parts)


def hash_definition(func: Any) -> str:
    """Return a 64-char SHA-256 hex digest identifying the definition of ``func``.

    - Python functions: the source text (plus captured closure values); without source
      (``exec``, REPL) the bytecode, constants, defaults, keyword defaults and closure values.
    - Builtins, partials and other callables: ``module:qualname`` (a partial adds its arguments).

    Never raises: as a last resort the ``repr`` of the object is hashed.
    """
    try:
        target = inspect.unwrap(func) if inspect.isfunction(func) else func
        if inspect.isfunction(target):
            return _hash_function(target)
        if inspect.ismethod(target) and inspect.isfunction(target.__func__):
            return _hash_function(target.__func__)
        if isinstance(target, functools.partial):
            return _sha256(
                _qualified_name(target.func).encode(),
                _stable_bytes(target.args),
                _stable_bytes(sorted(target.keywords.items())),
            )
        return _sha256(_qualified_name(target).encode())
    except Exception:
        return _sha256(repr(func).encode("utf-8", "replace"))
