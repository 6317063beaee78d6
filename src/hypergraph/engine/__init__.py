"""The scheduling core: pure logic, no asyncio, no threads, no I/O.

- :mod:`~hypergraph.engine.plan` compiles a graph once into lookup tables (cached on the graph).
- :mod:`~hypergraph.engine.state` holds one run's values, versions, consumed versions, decisions.
- :mod:`~hypergraph.engine.scheduler` decides which nodes run next and applies their outcomes.
- :mod:`~hypergraph.engine.static` replays precomputed supersteps when a run provably writes
  every name once (plain DAGs, e.g. every map item); ``scheduler_for`` picks the scheduler.
- :mod:`~hypergraph.engine.resolve` says where each input value comes from.

Runners (``hypergraph.runners``) drive this core; none of them contains scheduling logic.
"""

from hypergraph.engine.plan import EMITTED, ExecutionPlan, NodePlan, compile_plan, get_plan
from hypergraph.engine.scheduler import Scheduler, brute_force_ready, is_ready
from hypergraph.engine.state import RunState

__all__ = [
    "EMITTED",
    "ExecutionPlan",
    "NodePlan",
    "RunState",
    "Scheduler",
    "brute_force_ready",
    "compile_plan",
    "get_plan",
    "is_ready",
]
