"""What a run hands back: RunResult, RunStatus, PauseInfo, and the runner capability record."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from dataclasses import dataclass, field
from typing import Any, Literal

from hypergraph._short_repr import short_repr
from hypergraph._str_enum import _StrEnum
from hypergraph.runners.failure_notes import failed_node_of

__all__ = [
    "ErrorHandling",
    "RunStatus",
    "RunResult",
    "PauseInfo",
    "RunnerCapabilities",
    "OutputValues",
    "new_run_id",
    "assemble_result",
]

ErrorHandling = Literal["raise", "continue"]


class RunStatus(_StrEnum):
    """Outcome of a run; members compare equal to their strings (``status == "completed"``)."""

    COMPLETED = "completed"
    FAILED = "failed"
    PAUSED = "paused"


class OutputValues(dict[str, Any]):
    """The output dict of a :class:`RunResult`.

    ``result.values`` is this dict; calling it (``result.values()``) returns its values view so
    that RunResult also reads like a mapping.
    """

    def __call__(self) -> ValuesView[Any]:
        return dict.values(self)


# A private generator: a user's random.seed() must never make run ids repeat, and uuid4() costs
# a system call per run, which shows in map() over many small items.
_id_rng = random.Random()
_id_bits = _id_rng.getrandbits
if hasattr(os, "register_at_fork"):  # a forked worker must not repeat its parent's ids
    os.register_at_fork(after_in_child=_id_rng.seed)


def new_run_id() -> str:
    """A fresh run id: ``"run-"`` + 12 hex characters (48 random bits)."""
    # bytes.hex pads without a format spec to parse: half the cost of f"{bits:012x}", paid
    # once per run and per map item.
    return "run-" + _id_bits(48).to_bytes(6, "big").hex()


@dataclass
class PauseInfo:
    """Where and why a run paused at an ``@interrupt`` node, and how to resume it."""

    node_name: str
    output_param: str
    value: Any
    output_params: tuple[str, ...] | None = None
    values: dict[str, Any] | None = None

    @property
    def _prefix(self) -> str:
        # "outer/inner/ask" -> "outer.inner."; a top-level interrupt has no prefix.
        parts = self.node_name.split("/")[:-1]
        return "".join(f"{p}." for p in parts)

    @property
    def response_key(self) -> str:
        """The key to supply, with the answer, when running again to resume."""
        return self._prefix + self.output_param

    @property
    def response_keys(self) -> dict[str, str]:
        """Resume key for every data output of the interrupt."""
        outputs = self.output_params or (self.output_param,)
        return {name: self._prefix + name for name in outputs}


@dataclass
class RunnerCapabilities:
    """What a runner can execute; checked against the graph before a run starts."""

    supports_cycles: bool = True
    supports_async_nodes: bool = False
    supports_streaming: bool = False
    returns_coroutine: bool = False
    supports_interrupts: bool = False


@dataclass(slots=True)
class RunResult:
    """Outputs and metadata of one run; reads like a dict of the selected outputs.

    With a checkpointer: ``workflow_id`` names the stored workflow, ``restored`` is true for a
    map item whose result was read back from the store instead of running, and
    ``checkpoint_errors`` holds the writes that failed (``checkpoint_ok`` is then false).
    """

    values: dict[str, Any]
    status: RunStatus
    run_id: str = field(default_factory=new_run_id)
    workflow_id: str | None = None
    error: BaseException | None = None
    pause: PauseInfo | None = None
    restored: bool = False
    checkpoint_errors: tuple[BaseException, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.values, OutputValues):
            self.values = OutputValues(self.values)
        if not isinstance(self.status, RunStatus):
            self.status = RunStatus(self.status)

    @property
    def paused(self) -> bool:
        return self.status is RunStatus.PAUSED

    @property
    def completed(self) -> bool:
        return self.status is RunStatus.COMPLETED

    @property
    def failed_node(self) -> str | None:
        """The node whose exception failed the run (``"outer/inner"`` through nested graphs).

        ``None`` when the run did not fail, or failed without a node raising (for example
        ``InfiniteLoopError``).
        """
        if self.status is not RunStatus.FAILED:
            return None
        return failed_node_of(self.error)

    @property
    def checkpoint_ok(self) -> bool:
        """False when a checkpoint write failed (see ``checkpoint_errors``); the run itself
        is unaffected, but a resume may re-run the nodes whose steps were not stored."""
        return not self.checkpoint_errors

    def __getitem__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            available = list(self.values)
            why = ""
            if self.status is RunStatus.FAILED:
                node = self.failed_node
                where = f" in node '{node}'" if node else ""
                why = f". The run failed{where} ({short_repr(self.error)}); see result.error"
            elif self.status is RunStatus.PAUSED:
                paused_at = getattr(self.pause, "node_name", None)
                why = f". The run paused at {paused_at!r} for a human answer; see result.pause"
            raise KeyError(
                f"'{key}' is not in this result (status={self.status.value}). "
                f"Available outputs: {available}{why}"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def keys(self) -> KeysView[str]:
        return self.values.keys()

    def items(self) -> ItemsView[str, Any]:
        return self.values.items()

    def __repr__(self) -> str:
        text = (
            f"RunResult(status={self.status.value}, values={_preview(dict(self.values), 0)}, "
            f"run_id={self.run_id!r}, workflow_id={self.workflow_id!r}, "
            f"error={_preview(self.error, 0)}, pause={_preview(self.pause, 0)}"
        )
        node = self.failed_node
        text += f", failed_node={node!r})" if node else ")"
        return text if len(text) <= 4000 else text[:3990] + "...<cut>)"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("RunResult(...)" if cycle else repr(self))


_new_object = object.__new__


def assemble_result(
    values: OutputValues,
    status: RunStatus,
    run_id: str,
    error: BaseException | None = None,
    pause: PauseInfo | None = None,
) -> RunResult:
    """A :class:`RunResult` from parts that are already normalised (the run loop's results).

    Equal to ``RunResult(values, status, run_id=run_id, error=error, pause=pause)``, without
    the dataclass ``__init__`` and its checks: this runs once per run and per ``map()`` item,
    where it costs about half as much (``benchmarks/bench_records.py``, "RunResult").
    """
    result = _new_object(RunResult)
    result.values = values
    result.status = status
    result.run_id = run_id
    result.workflow_id = None
    result.error = error
    result.pause = pause
    result.restored = False
    result.checkpoint_errors = ()
    return result


_MAX_STR = 120
_MAX_ITEMS = 6
_MAX_DEPTH = 2


def _preview(value: Any, depth: int) -> str:
    """A short, bounded text for a value, so a RunResult repr never floods a terminal."""
    if isinstance(value, str):
        if len(value) > _MAX_STR:
            return repr(value[:_MAX_STR]) + f"...(len={len(value)})"
        return repr(value)
    if isinstance(value, BaseException):
        return f"{type(value).__name__}({_preview(str(value), depth + 1)})"
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype") and not isinstance(value, type):
        return f"<{type(value).__name__} shape={tuple(shape)} dtype={value.dtype}>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if depth >= _MAX_DEPTH:
            return f"<{type(value).__name__} ...>"
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        # The field dict is the dataclass's own level: previewing it one level deeper would
        # print every nested dataclass as "<Name <dict len=N>>".
        return f"<{type(value).__name__} {_preview(fields, depth)}>"
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH and value:
            return f"<dict len={len(value)}>"
        items = list(value.items())
        body = ", ".join(
            f"{_preview(k, depth + 1)}: {_preview(v, depth + 1)}" for k, v in items[:_MAX_ITEMS]
        )
        more = f", ...(+{len(items) - _MAX_ITEMS})" if len(items) > _MAX_ITEMS else ""
        return "{" + body + more + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = type(value).__name__
        items = list(value)
        if len(items) > _MAX_ITEMS:
            preview = ", ".join(_preview(v, depth + 1) for v in items[:3])
            return f"<{kind} len={len(items)} preview=[{preview}, ...]>"
        if depth >= _MAX_DEPTH and items:
            return f"<{kind} len={len(items)}>"
        body = ", ".join(_preview(v, depth + 1) for v in items)
        if isinstance(value, list):
            return f"[{body}]"
        if isinstance(value, tuple):
            return f"({body}{',' if len(items) == 1 else ''})"
        if not items:
            return f"{kind}()"
        return "{" + body + "}" if kind == "set" else f"{kind}({{{body}}})"
    text = repr(value)
    if len(text) > _MAX_STR:
        return text[:_MAX_STR] + f"...(len={len(text)})"
    return text
