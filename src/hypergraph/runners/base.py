"""``BaseRunner``: the contract every runner fulfils, plus the small helpers they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Literal

from hypergraph._short_repr import short_repr
from hypergraph.checkpointers.records import Checkpoint
from hypergraph.events.processor import EventProcessor
from hypergraph.graph import Graph
from hypergraph.runners.checks.arguments import ALL_OUTPUTS_DEFAULT
from hypergraph.runners.result import ErrorHandling, RunnerCapabilities, RunResult

if TYPE_CHECKING:  # loaded only when a run is durable (Hosting: only by DaskRunner's tasks)
    from hypergraph.checkpointers.base import Checkpointer
    from hypergraph.runners.durable import DurableMap, DurableOptions
    from hypergraph.runners.hosting import Hosting
    from hypergraph.runners.map_plan import MapPlan

__all__ = ["BaseRunner", "DEFAULT_MAX_ITERATIONS", "check_checkpointer"]

DEFAULT_MAX_ITERATIONS = 1000


class BaseRunner(ABC):
    """Abstract base of all runners; use :class:`SyncRunner` or :class:`AsyncRunner`.

    A runner is a *driver*: the scheduling of a run lives in
    :func:`hypergraph.runners.loop.steps.run_steps` (a sans-IO generator) and calling one node in
    :mod:`hypergraph.runners.loop.call`. A subclass only decides how the calls of a superstep are
    executed. Runners hold no per-run state, so one runner may run many graphs at once.
    """

    default_max_iterations: int = DEFAULT_MAX_ITERATIONS
    checkpointer: Checkpointer | None = None
    # Set by a host runner on the local runner doing its work (runners/hosting.py).
    _hosting: Hosting | None = None

    @property
    @abstractmethod
    def capabilities(self) -> RunnerCapabilities:
        """What this runner can execute (cycles, async nodes, interrupts, ...)."""

    # The abstract signatures are SyncRunner's (docs/guides/running.md); a subclass may add
    # keyword-only options such as AsyncRunner's ``max_concurrency``.
    @abstractmethod
    def run(
        self,
        graph: Graph,
        values: dict[str, Any] | None = None,
        *,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        max_iterations: int | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        checkpoint: Checkpoint | None = None,
        fork_from: str | None = None,
        retry_from: str | None = None,
        override_workflow: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Execute ``graph`` once and return a ``RunResult`` (or a coroutine of one)."""

    @abstractmethod
    def map(
        self,
        graph: Graph,
        values: dict[str, Any] | None = None,
        *,
        map_over: str | list[str],
        map_mode: Literal["zip", "product"] = "zip",
        clone: bool | list[str] = False,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        **input_values: Any,
    ) -> list[RunResult]:
        """Execute ``graph`` once per item of the mapped inputs; return one result per item."""

    def _durable_options(
        self,
        run_options: tuple[Any, str, str, str | None, str],
        workflow_id: str | None,
        checkpoint: Checkpoint | None,
        fork_from: str | None,
        retry_from: str | None,
        override_workflow: bool,
    ) -> DurableOptions | None:
        """The durable options of one ``run()``, or ``None`` for a plain run.

        A run is durable when the runner has a checkpointer or any durable option is passed
        (without a checkpointer the durable start checks then explain what is missing).
        ``run_options`` are ``run()``'s ``(select, on_missing, on_internal_override,
        entrypoint, error_handling)``, kept for the start checks of the workflow's values.
        """
        if self.checkpointer is None and not (
            workflow_id or checkpoint or fork_from or retry_from or override_workflow
        ):
            return None
        from hypergraph.runners.durable import DurableOptions
        from hypergraph.runners.map_plan import ItemOptions

        return DurableOptions(
            workflow_id, checkpoint, fork_from, retry_from, override_workflow,
            ItemOptions(*run_options),
        )  # fmt: skip

    def _durable_map(
        self,
        plan: MapPlan,
        values: dict[str, Any] | None,
        input_values: dict[str, Any],
        workflow_id: str | None,
    ) -> DurableMap | None:
        """The opened workflow of a checked, non-empty ``map()``, or ``None`` for a plain map.

        A map is durable when the runner has a checkpointer or a ``workflow_id`` is passed
        (without a checkpointer the durable start checks then explain what is missing).
        """
        if self.checkpointer is None and workflow_id is None:
            return None
        from hypergraph.runners.durable import open_durable_map

        return open_durable_map(self, plan, values, input_values, workflow_id)

    def _iteration_cap(self, max_iterations: int | None) -> int:
        """``max_iterations`` checked, or the runner's default when ``None``."""
        if max_iterations is None:
            return self.default_max_iterations
        if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
            raise TypeError(
                f"max_iterations must be an int or None, got {type(max_iterations).__name__} "
                f"({short_repr(max_iterations)})."
            )
        if max_iterations < 1:
            raise ValueError(
                f"max_iterations must be at least 1, got {max_iterations}. It caps the number "
                "of supersteps of a graph with cycles; use None for the default "
                f"({self.default_max_iterations})."
            )
        return max_iterations


def check_checkpointer(checkpointer: Any) -> Any:
    """``checkpointer`` if it is ``None`` or a ``Checkpointer``, else a ``TypeError``."""
    if checkpointer is None:
        return None
    from hypergraph.checkpointers.base import Checkpointer

    if not isinstance(checkpointer, Checkpointer):
        raise TypeError(
            f"checkpointer must be a Checkpointer such as SqliteCheckpointer('runs.db') or "
            f"MemoryCheckpointer(), got {type(checkpointer).__name__}."
        )
    return checkpointer
