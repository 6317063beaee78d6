"""How values become bytes in a checkpointer, and come back.

A serializer turns a dict of named values (a node's outputs, a run's inputs) into bytes and
back. :class:`JsonSerializer` is the default: plain JSON, strict about what it accepts, and on
restore it rebuilds dataclasses, pydantic models, tuples and sets from the annotations of the
node that produced them (or of the parameters that read a run input). :class:`PickleSerializer`
stores any picklable object, but reading a pickle can run arbitrary code, so it must be enabled
explicitly.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

from hypergraph._signing import BadSignature, Signer, load_or_create_secret

__all__ = ["JsonSerializer", "PickleSerializer", "Serializer", "ValueNotSerializableError"]


class ValueNotSerializableError(TypeError):
    """A value the serializer cannot store; ``name`` is the key it was stored under."""

    def __init__(self, name: str, value: Any, reason: str) -> None:
        self.name = name
        self.value = value
        self.reason = reason
        super().__init__(f"value {name!r} ({type(value).__name__}) cannot be stored: {reason}")


class Serializer(ABC):
    """Turns a dict of named values into bytes and back.

    Implement :meth:`dumps` and :meth:`loads`; ``name`` is stored with each run so that a run
    written by one serializer is not read back by another.
    """

    name: str = "custom"

    @abstractmethod
    def dumps(self, values: Mapping[str, Any]) -> bytes:
        """Encode ``values``; raise :class:`ValueNotSerializableError` naming a bad key."""

    @abstractmethod
    def loads(self, data: bytes, types: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Decode bytes made by :meth:`dumps`; ``types`` maps names to their annotations."""


# ----------------------------------------------------------------------------------- JSON
class JsonSerializer(Serializer):
    """JSON (the default): readable in the database, safe to load.

    Args:
        lossy: ``False`` (default) refuses a value JSON cannot hold (a ``TypeError`` naming it);
            ``True`` stores ``str(value)`` for such values instead.

    Dataclasses and pydantic models are stored as objects, tuples and sets as lists; on
    restore they come back as the annotation of their node output (or input parameter) says,
    e.g. ``-> tuple[int, int]`` or ``-> Draft``. Without an annotation they come back as the
    plain JSON value (a dict, a list). JSON object keys are strings: ``dict[int, str]`` keys
    come back as ints only when annotated so.
    """

    name = "json"

    def __init__(self, *, lossy: bool = False) -> None:
        self.lossy = bool(lossy)
        self._default = _lossy_default if self.lossy else _strict_default
        # One encoder for every call: json.dumps(..., default=...) would build one per call.
        self._encode = json.JSONEncoder(default=self._default, ensure_ascii=False).encode
        self._fast = _fast_encoder(self._default)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the C encoder (a Dask worker builds its own)."""
        state = self.__dict__.copy()
        state["_fast"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fast = _fast_encoder(self._default)

    def __repr__(self) -> str:
        return f"JsonSerializer(lossy={self.lossy})"

    def dumps(self, values: Mapping[str, Any]) -> bytes:
        """Encode ``values`` as UTF-8 JSON."""
        fast = self._fast
        if fast is not None:
            try:
                return "".join(fast(values, 0)).encode()
            except (TypeError, ValueError, RecursionError):
                pass  # the checked encoder below names the problem
        try:
            text = self._encode(values)
        except (TypeError, ValueError) as exc:
            raise _find_culprit(values, self._encode_one, exc) from None
        try:
            return text.encode()
        except UnicodeEncodeError:  # a lone surrogate: JSON's \u escapes keep it exactly
            return json.dumps(values, default=self._default).encode()

    def _encode_one(self, value: Any) -> None:
        json.dumps(value, default=self._default)

    def loads(self, data: bytes, types: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Decode JSON bytes, rebuilding annotated values (see the class docs)."""
        values: dict[str, Any] = json.loads(data)
        if types:
            for name, annotation in types.items():
                if annotation is not None and name in values:
                    values[name] = restore_annotated(values[name], annotation)
        return values


def _fast_encoder(default: Callable[[Any], Any]) -> Callable[[Any, int], Any] | None:
    """The C encoder ``JSONEncoder.encode`` builds on every call, built once: same output, half
    the cost per step. It skips the circular-reference check (a cycle raises RecursionError),
    so ``dumps`` falls back to the checked encoder for any failure."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    encoder: Callable[[Any, int], Any] = make(
        None, default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    return encoder


def _strict_default(value: Any) -> Any:
    encoded = _structured(value)
    if encoded is _NOT_STRUCTURED:
        raise TypeError(
            f"{type(value).__name__} is not JSON serializable (JSON holds str, int, float, "
            "bool, None, lists, dicts, dataclasses and pydantic models)"
        )
    return encoded


def _lossy_default(value: Any) -> Any:
    encoded = _structured(value)
    return str(value) if encoded is _NOT_STRUCTURED else encoded


_NOT_STRUCTURED = object()


def _structured(value: Any) -> Any:
    """The JSON form of a dataclass, pydantic model or set, else ``_NOT_STRUCTURED``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, type):
        return dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return list(value)
    return _NOT_STRUCTURED


def restore_annotated(value: Any, annotation: Any) -> Any:
    """``value`` (decoded JSON) rebuilt as ``annotation`` says, as far as it can be."""
    if annotation is Any or value is None and annotation is not type(None):
        return value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            if _fits(value, arg):
                return restore_annotated(value, arg)
        return value
    if origin is typing.Annotated:
        return restore_annotated(value, args[0])
    if origin is None:
        return _restore_class(value, annotation)
    if isinstance(value, list):
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(restore_annotated(v, args[0]) for v in value)
            if args and len(args) == len(value):
                return tuple(restore_annotated(v, a) for v, a in zip(value, args))
            return tuple(value)
        item = args[0] if args else Any
        if origin in (set, frozenset):
            return origin(restore_annotated(v, item) for v in value)
        if origin is list:
            return [restore_annotated(v, item) for v in value]
        return value
    if isinstance(value, dict) and origin is dict and len(args) == 2:
        key_type, item_type = args
        convert = key_type if key_type in (int, float) else None
        return {
            (convert(k) if convert is not None else k): restore_annotated(v, item_type)
            for k, v in value.items()
        }
    return value


def _restore_class(value: Any, cls: Any) -> Any:
    if not isinstance(cls, type):
        return value
    if isinstance(value, dict):
        if dataclasses.is_dataclass(cls):
            hints = _hints(cls)
            fields = {
                f.name: restore_annotated(value[f.name], hints.get(f.name, Any))
                for f in dataclasses.fields(cls)
                if f.name in value
            }
            return cls(**fields)
        validate = getattr(cls, "model_validate", None)
        if validate is not None:
            return validate(value)
    if isinstance(value, list):
        if cls is tuple:
            return tuple(value)
        if cls in (set, frozenset):
            return cls(value)
    return value


def _fits(value: Any, annotation: Any) -> bool:
    """Whether a decoded JSON value could be the encoded form of ``annotation``."""
    origin = typing.get_origin(annotation) or annotation
    if not isinstance(origin, type):
        return True
    if isinstance(value, dict):
        return bool(
            dataclasses.is_dataclass(origin)
            or hasattr(origin, "model_validate")
            or issubclass(origin, Mapping)
        )
    if isinstance(value, list):
        return origin in (list, tuple, set, frozenset)
    return isinstance(value, origin) or (origin is float and isinstance(value, int))


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:
        return {}


# --------------------------------------------------------------------------------- pickle
class PickleSerializer(Serializer):
    """Pickle: stores any picklable object exactly; every payload is signed before it is stored.

    Args:
        allow_pickle: Must be ``True``. Loading a pickle can run arbitrary code, so anyone who
            can write to the checkpoint database could run code in your process. Payloads are
            therefore signed with a keyed HMAC, and a payload whose signature does not check
            is refused before it is unpickled.
        secret: The signing key (at least 16 bytes). By default, the per-user secret file
            ``~/.config/hypergraph/secret`` (created ``0o600`` on first use), which every
            process of the same user on the same machine shares; pass the same ``secret``
            everywhere when several machines read and write one store.
    """

    name = "pickle"

    def __init__(self, *, allow_pickle: bool = False, secret: bytes | str | None = None) -> None:
        if allow_pickle is not True:
            raise ValueError(
                "PickleSerializer is off by default: loading a pickle from a database can run "
                "arbitrary code, so anyone able to write to the checkpoint store could run code "
                "in your process. If only you can write to it, pass "
                "PickleSerializer(allow_pickle=True); otherwise keep the default JsonSerializer "
                "(annotate outputs so dataclasses and tuples come back typed)."
            )
        self.allow_pickle = True
        self._secret = secret
        self._signer: Signer | None = Signer(secret, _PURPOSE) if secret is not None else None

    def __repr__(self) -> str:
        return "PickleSerializer(allow_pickle=True)"

    def __getstate__(self) -> dict[str, Any]:
        # Without an explicit secret, each process reads its own user's secret file.
        return {"allow_pickle": True, "_secret": self._secret, "_signer": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _signing(self) -> Signer:
        if self._signer is None:
            secret = self._secret if self._secret is not None else load_or_create_secret()
            self._signer = Signer(secret, _PURPOSE)
        return self._signer

    def dumps(self, values: Mapping[str, Any]) -> bytes:
        """Pickle ``values`` (protocol 5) and sign the result."""
        try:
            payload = pickle.dumps(dict(values), protocol=5)
        except Exception as exc:
            raise _find_culprit(values, _pickle_one, exc) from None
        return self._signing().sign(payload)

    def loads(self, data: bytes, types: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Check the signature of bytes made by :meth:`dumps`, then unpickle them."""
        try:
            payload = self._signing().verify(bytes(data))
        except BadSignature as exc:
            raise BadSignature(
                f"A pickled checkpoint payload failed its signature check ({exc}), so it was "
                "not unpickled: it was written by someone without this secret, or damaged. "
                "How to fix: if another machine or user wrote it, give every process the same "
                "PickleSerializer(allow_pickle=True, secret=...); otherwise treat the store as "
                "tampered with."
            ) from None
        values: dict[str, Any] = pickle.loads(payload)
        return values


_PURPOSE = "checkpoint-pickle"


def _pickle_one(value: Any) -> None:
    pickle.dumps(value, protocol=5)


def _find_culprit(
    values: Mapping[str, Any], encode: Callable[[Any], None], error: Exception
) -> ValueNotSerializableError:
    """The error naming the first value that fails to encode on its own."""
    for name, value in values.items():
        try:
            encode(value)
        except Exception as exc:
            return ValueNotSerializableError(name, value, f"{type(exc).__name__}: {exc}")
    return ValueNotSerializableError("?", values, f"{type(error).__name__}: {error}")
