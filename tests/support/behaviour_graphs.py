"""The graphs the runner behaviour suite (``tests/runners/behaviour``) runs on every runner.

Node functions are plain module-level functions wrapped with ``FunctionNode(...)``/``route(...)``, so
DaskRunner pickles them by reference and a threads cluster calls the very functions defined
here: ``CALLS`` (how often each function body ran) and ``FAILURES_LEFT`` (how many more calls a
flaky node fails) are then shared by the test and every runner, local or Dask.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from hypergraph import END, FunctionNode, Graph, RetryPolicy, ifelse, interrupt, route

CALLS: Counter[str] = Counter()
FAILURES_LEFT: Counter[str] = Counter()


def reset() -> None:
    """Forget every recorded call and pending failure."""
    CALLS.clear()
    FAILURES_LEFT.clear()


class Boom(Exception):
    """The user exception the failing nodes raise."""


# ------------------------------------------------------------------ DAG
def _double(x: int) -> int:
    CALLS["double"] += 1
    return x * 2


def _add(doubled: int, offset: int = 1) -> int:
    CALLS["add"] += 1
    return doubled + offset


def _square(x: int) -> int:
    CALLS["square"] += 1
    return x * x


def _combine(total: int, squared: int) -> int:
    CALLS["combine"] += 1
    return total + squared


double = FunctionNode(_double, output_name="doubled", name="double")
add = FunctionNode(_add, output_name="total", name="add")
square = FunctionNode(_square, output_name="squared", name="square")
combine = FunctionNode(_combine, output_name="result", name="combine")


def diamond() -> Graph:
    """``x`` -> ``doubled`` and ``squared`` side by side -> ``total`` -> ``result``."""
    return Graph([double, add, square, combine], name="diamond")


# ------------------------------------------------------------------ branches
def _is_even(x: int) -> bool:
    return x % 2 == 0


def _halve(x: int) -> int:
    CALLS["halve"] += 1
    return x // 2


def _triple(x: int) -> int:
    CALLS["triple"] += 1
    return x * 3


halve = FunctionNode(_halve, output_name="out", name="halve")
triple = FunctionNode(_triple, output_name="out", name="triple")


def parity_branch() -> Graph:
    """An ``ifelse`` sending even ``x`` to ``halve`` and odd ``x`` to ``triple``."""
    gate = ifelse(when_true="halve", when_false="triple", name="is_even")(_is_even)
    return Graph([gate, halve, triple])


def _pick_by_sign(x: int) -> object:
    if x > 0:
        return "halve"
    if x < 0:
        return "triple"
    return END


def sign_route() -> Graph:
    """A ``route`` to ``halve`` (positive), ``triple`` (negative) or ``END`` (zero)."""
    gate = route(targets=["halve", "triple", END], name="pick_by_sign")(_pick_by_sign)
    return Graph([gate, halve, triple])


# ------------------------------------------------------------------ loops
def _increment(count: int) -> int:
    CALLS["increment"] += 1
    return count + 1


increment = FunctionNode(_increment, output_name="count", name="increment")


def _until_limit(count: int, limit: int) -> object:
    return END if count >= limit else "increment"


def _forever(count: int) -> object:
    return "increment"


def counting_loop() -> Graph:
    """``count`` goes up by one per iteration until it reaches ``limit``."""
    gate = route(targets=["increment", END], name="until_limit")(_until_limit)
    return Graph([increment, gate], name="counting_loop")


def endless_loop() -> Graph:
    """A loop whose route always continues: only ``max_iterations`` stops it."""
    gate = route(targets=["increment", END], name="forever")(_forever)
    return Graph([increment, gate], name="endless_loop")


# ------------------------------------------------------------------ failures and retries
def _fragile(x: int) -> int:
    CALLS["fragile"] += 1
    if x < 0:
        raise Boom(f"negative x: {x}")
    return x + 100


fragile = FunctionNode(_fragile, output_name="checked", name="fragile")


def fragile_pipeline() -> Graph:
    """``double`` and ``fragile`` run on ``x``; ``fragile`` raises ``Boom`` for negative ``x``."""
    return Graph([double, fragile], name="fragile_pipeline")


def _flaky(x: int) -> int:
    CALLS["flaky"] += 1
    if FAILURES_LEFT["flaky"] > 0:
        FAILURES_LEFT["flaky"] -= 1
        raise ConnectionError(f"attempt {CALLS['flaky']} failed")
    return x + 1


def flaky_graph(max_attempts: int = 3) -> Graph:
    """``y = x + 1`` that raises ``ConnectionError`` while ``FAILURES_LEFT['flaky']`` > 0."""
    policy = RetryPolicy(max_attempts, retry_on=[ConnectionError], initial_delay=0)
    return Graph([FunctionNode(_flaky, output_name="y", retry=policy, name="flaky")], name="flaky")


# ------------------------------------------------------------------ caching
def _expensive(x: int) -> int:
    CALLS["expensive"] += 1
    return x * 10


def cached_graph() -> Graph:
    """One node opted in to caching (``cache=True``)."""
    return Graph(
        [FunctionNode(_expensive, output_name="big", cache=True, name="expensive")], name="cached"
    )


# ------------------------------------------------------------------ async and interrupts
async def _async_double(x: int) -> int:
    CALLS["async_double"] += 1
    await asyncio.sleep(0)
    return x * 2


def async_graph() -> Graph:
    """An async node feeding a sync one."""
    return Graph(
        [FunctionNode(_async_double, output_name="doubled", name="async_double"), add],
        name="async_graph",
    )


def approve(total: int) -> object:
    return None


def review_graph() -> Graph:
    """``double`` -> ``add`` -> an interrupt asking for a ``verdict`` on ``total``."""
    gate = interrupt(output_name="verdict")(approve)
    return Graph([double, add, gate], name="review")
