"""The wire format of DaskRunner: how values, jobs and task results travel as bytes.

Both sides use it: the client (:mod:`.shipping` pickles jobs and chunks, :mod:`.stream` and
:mod:`.runner` read results) and the tasks (:mod:`.worker` writes results).

- :func:`dumps` / :func:`loads`: plain pickle for data, cloudpickle for code and ``__main__``.
- :func:`dump_outcomes` / :func:`load_outcomes`: a task's results and recorded events. Plain
  COMPLETED results travel as columns (values and run ids), which is several times cheaper than
  pickling ``RunResult`` objects; an exception or an output that cannot be pickled is replaced by
  a descriptive error (naming the node, the output and the item's index in the whole map), so one
  odd value cannot lose a whole chunk.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from hypergraph.runners.result import RunResult, RunStatus

__all__ = ["dump_outcomes", "dumps", "load_cloudpickle", "load_outcomes", "loads"]


def load_cloudpickle() -> Any:
    """The ``cloudpickle`` module (installed with ``distributed``), imported on first use.

    Imported lazily so that this module, and ``hypergraph.runners.dask``, import without Dask;
    ``DaskRunner()`` itself reports a missing installation.
    """
    import cloudpickle as module

    return module


def dumps(value: Any) -> bytes:
    """Pickle ``value`` for the trip between client and workers.

    Plain pickle first (fast for data); cloudpickle when it fails or when the data refers to
    ``__main__``, whose classes and functions only exist in the sending process.
    """
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return _cloudpickle_dumps(value)
    if b"__main__" in data:
        return _cloudpickle_dumps(value)
    return data


def _cloudpickle_dumps(value: Any) -> bytes:
    data: bytes = load_cloudpickle().dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def loads(data: bytes) -> Any:
    """Inverse of :func:`dumps` (cloudpickle output is plain pickle data)."""
    return pickle.loads(data)


def load_outcomes(data: bytes) -> tuple[list[Any], list[Any]]:
    """``(outcomes, events)`` from the bytes a task returned (see :func:`dump_outcomes`)."""
    packed, events = loads(data)
    return _unpack(packed), events


def dump_outcomes(
    outcomes: list[Any], events: list[Any], graph: Any, indices: Sequence[int] | None
) -> bytes:
    """Pickle ``(outcomes, events)``, replacing what cannot travel by a descriptive error.

    ``indices`` are the outcomes' indices in the whole map (``None`` for a ``run``).
    """
    try:
        return dumps((_pack(outcomes), events))
    except Exception:
        pass
    safe = [
        _shippable(
            outcome,
            "the run" if indices is None else f"map item {indices[position]}",
            graph,
        )
        for position, outcome in enumerate(outcomes)
    ]
    try:
        return dumps((_pack(safe), events))
    except Exception:  # an event holding something odd: progress is worth less than results
        return dumps((_pack(safe), []))


def _pack(outcomes: list[Any]) -> tuple[list[Any], list[Any], dict[int, Any]]:
    """Outcomes as columns: plain COMPLETED results travel as their values dict and run id.

    Pickling a ``RunResult`` object costs several times more than its dict and id (enum,
    dataclass and dict-subclass reconstruction), and a large map moves millions of them.
    Anything else (failures, exceptions) travels as itself in ``others``, by position.
    """
    values: list[Any] = []
    run_ids: list[Any] = []
    others: dict[int, Any] = {}
    completed = RunStatus.COMPLETED
    for position, outcome in enumerate(outcomes):
        if (
            type(outcome) is RunResult
            and outcome.status is completed
            and outcome.error is None
            and outcome.pause is None
            and outcome.workflow_id is None
        ):
            values.append(dict(outcome.values))
            run_ids.append(outcome.run_id)
        else:
            values.append(None)
            run_ids.append(None)
            others[position] = outcome
    return values, run_ids, others


def _unpack(packed: tuple[list[Any], list[Any], dict[int, Any]]) -> list[Any]:
    values, run_ids, others = packed
    completed = RunStatus.COMPLETED
    outcomes: list[Any] = [
        RunResult(item_values, completed, run_id=run_id) if run_id is not None else None
        for item_values, run_id in zip(values, run_ids)
    ]
    for position, outcome in others.items():
        outcomes[position] = outcome
    return outcomes


def _shippable(outcome: Any, where: str, graph: Any) -> Any:
    """``outcome`` if it pickles, else an equivalent that does (same status and message)."""
    try:
        loads(dumps(outcome))  # an exception may pickle yet fail to rebuild on the client
        return outcome
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if isinstance(outcome, BaseException):
        return _unshippable_error(outcome, problem)
    error = outcome.error
    if error is not None:
        try:
            loads(dumps(error))
        except Exception:
            error = _unshippable_error(error, problem)
            outcome = RunResult(outcome.values, outcome.status, run_id=outcome.run_id, error=error)
    try:
        dumps(outcome.values)
    except Exception:
        error = TypeError(
            f"{_unpicklable_output(outcome.values, graph)} of {where} cannot be pickled to send "
            f"it back from the Dask worker ({problem}). How to fix: return picklable values "
            "(plain data, not locks, open files or connections) from the nodes, or select "
            "only the picklable outputs with select=[...]."
        )
        return RunResult({}, RunStatus.FAILED, run_id=outcome.run_id, error=error)
    return outcome


def _unpicklable_output(values: Any, graph: Any) -> str:
    """``"Output 'y' of node 'f'"`` for the first output in ``values`` that does not pickle."""
    for name, value in values.items():
        try:
            loads(dumps(value))
        except Exception:
            producers = [n.name for n in graph.nodes.values() if name in n.outputs]
            node = f" of node '{producers[0]}'" if producers else ""
            return f"Output '{name}'{node}"
    return "The outputs"


def _unshippable_error(error: BaseException, problem: str) -> RuntimeError:
    return RuntimeError(
        f"{type(error).__module__}.{type(error).__qualname__}: {error} (the original exception "
        f"could not be sent back from the Dask worker: {problem}; make the exception class "
        "picklable, e.g. pass every constructor argument on to Exception.__init__)"
    )
