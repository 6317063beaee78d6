"""Cost of building the hot-path records, and of the shortcuts the code keeps for them.

Run: ``python benchmarks/bench_records.py [--rounds N]``. Each record is built the way the run
loop builds it and the plain way, in the same process, interleaved; the best of N rounds is
printed in microseconds per record with the ratio plain / as built. The code names this file
where it keeps a shortcut:

- **RunResult** (``runners/result.py``, ``assemble_result``): one per run and per map item. The
  dataclass ``__init__`` runs ``__post_init__``'s checks and draws a run id; the loop's parts are
  already normalised, so ``assemble_result`` fills the slots directly.
- **events** (``events/types.py``, ``_fast_init``): a few per node when processors listen. The
  ``__init__`` of a frozen dataclass writes each field through ``object.__setattr__``; the
  generated fast ``__init__`` stores into the instance dict. Shown against the same fields as a
  plain frozen dataclass, with and without slots, and as a frozen slotted class with the same
  shortcut written for slots (each field stored through its slot's descriptor, the only way
  into a frozen slotted instance): that costs more than the dict stores, so events keep their
  ``__dict__`` (and about twice the memory per event).
- **PreparedRun** (``runners/checks/arguments.py``): one per run and per map item; a
  ``NamedTuple`` built by its plain constructor (no shortcut), shown against a frozen dataclass.
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any

from hypergraph.events.types import NodeEndEvent, new_span_id
from hypergraph.runners.checks.arguments import PreparedRun
from hypergraph.runners.result import OutputValues, RunResult, RunStatus, assemble_result


def _plain_event_class(slots: bool) -> type:
    """``NodeEndEvent``'s fields as a frozen dataclass with the generated ``__init__``."""
    spec = [
        (f.name, Any, field(default=f.default, default_factory=f.default_factory))
        for f in fields(NodeEndEvent)
    ]
    return make_dataclass("PlainNodeEndEvent", spec, frozen=True, slots=slots)


def _slot_shortcut(cls: type) -> type:
    """``cls`` (frozen, slotted) with an ``__init__`` like ``_fast_init``'s, for slots."""
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"_span": new_span_id, "_now": time.time}
    params = ["run_id", "span_id=None", *[f"{n}=None" for n in names[2:]]]
    body = ["    if span_id is None:\n        span_id = _span()",
            "    if timestamp is None:\n        timestamp = _now()"]  # fmt: skip
    for name in names:
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        body.append(f"    _set_{name}(self, {name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # noqa: S102 - built above from the class's own field names
    cls.__init__ = namespace["__init__"]  # type: ignore[misc]
    return cls


@dataclass(frozen=True)
class _PreparedRunDataclass:
    values: dict[str, Any]
    selected: tuple[str, ...] | None
    on_missing: str
    error_handling: str


def cases() -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """``(record, as built, plain)`` pairs of zero-argument builders."""
    values = OutputValues(y=1)
    done = RunStatus.COMPLETED
    dict_event, slotted_event = _plain_event_class(False), _plain_event_class(True)
    slot_shortcut = _slot_shortcut(_plain_event_class(True))
    event_args: dict[str, Any] = {
        "span_id": new_span_id(), "parent_span_id": "p", "node_name": "n", "graph_name": "g",
        "duration_ms": 1.0, "cached": False, "outputs": None,
    }  # fmt: skip
    item = {"x": 1}
    return [
        (
            "RunResult",
            lambda: assemble_result(values, done, "run-1"),
            lambda: RunResult(values, done, run_id="run-1"),
        ),
        (
            "events (dict)",
            lambda: NodeEndEvent("run-1", **event_args),
            lambda: dict_event("run-1", **event_args),
        ),
        (
            "events (slots)",
            lambda: NodeEndEvent("run-1", **event_args),
            lambda: slotted_event("run-1", **event_args),
        ),
        (
            "events (slots, shortcut)",
            lambda: NodeEndEvent("run-1", **event_args),
            lambda: slot_shortcut("run-1", **event_args),
        ),
        (
            "PreparedRun",
            lambda: PreparedRun(item, None, "ignore", "raise"),
            lambda: _PreparedRunDataclass(item, None, "ignore", "raise"),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="timed rounds per builder")
    parser.add_argument("--number", type=int, default=2000, help="records built per round")
    args = parser.parse_args()
    print(f"{'record':<26}{'as built us':>12}{'plain us':>10}{'plain/built':>13}")
    for name, built, plain in cases():
        best = [float("inf"), float("inf")]
        for _ in range(args.rounds):  # interleaved, so a busy machine slows both alike
            for i, build in enumerate((built, plain)):
                best[i] = min(best[i], timeit.timeit(build, number=args.number) / args.number)
        print(f"{name:<26}{best[0] * 1e6:>12.3f}{best[1] * 1e6:>10.3f}{best[1] / best[0]:>13.2f}")


if __name__ == "__main__":
    main()
