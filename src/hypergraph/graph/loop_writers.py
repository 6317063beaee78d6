"""Build-time check: a name rewritten inside a gate's loop by a node that also feeds it from outside.

The engine never re-triggers a node that no gate controls with a name it writes itself (the
self-producer rule: ``f(x) -> x`` runs once). That is what a pipeline stage rewriting a value
wants, and it is wrong for the first shape anyone writes for an agent loop::

    model(messages) -> messages            # no gate controls it
    needs_tool(messages) -> "tool" | END   # a route
    tool(messages) -> messages             # controlled by needs_tool

``tool`` writes ``messages``, ``needs_tool`` decides again on the new value, but ``model`` never
runs again: it ignores ``messages`` because it outputs that name itself. The run would complete
after one tool call with a truncated conversation. Ordering the two writers with ``emit`` /
``wait_for`` does not change that, so the shape is refused at build time, with the shape that
works in the message: one node owns the accumulated name, the other returns its result under a
new name.

Precisely, :func:`check_loop_writers` refuses a graph in which a data name ``x`` has

- a writer ``P`` that reads ``x`` and that no gate controls (so ``P`` ignores every new ``x``), and
- another writer ``Q`` controlled by a gate ``G`` whose decision depends on ``x`` (``G`` reads
  ``x``, or a name computed from it by nodes other than ``P``), so each write of ``Q`` feeds the
  next decision of a loop that ``P`` never rejoins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from hypergraph.exceptions import GraphConfigError

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode

__all__ = ["check_loop_writers"]


def check_loop_writers(
    nodes: Mapping[str, HyperNode],
    producers: Mapping[str, list[str]],
    gates_of: Mapping[str, list[str]],
) -> None:
    """Raise ``GraphConfigError`` for a loop that rewrites a name a frozen writer reads.

    ``producers`` (data name → writers) and ``gates_of`` (node → gates targeting it) are the
    graph's structure facts (graph/structure.py), computed once per structure.
    """
    shared = {name: writers for name, writers in producers.items() if len(writers) > 1}
    if not shared:
        return
    for name, writers in shared.items():
        frozen = [w for w in writers if name in nodes[w].inputs and w not in gates_of]
        for first in frozen:
            dependent = _names_computed_from(nodes, name, skip=first)
            for second in writers:
                if second == first:
                    continue
                for gate in gates_of.get(second, ()):
                    if dependent.intersection(nodes[gate].inputs):
                        raise GraphConfigError(_message(name, first, second, gate))


def _names_computed_from(nodes: Mapping[str, HyperNode], name: str, *, skip: str) -> set[str]:
    """``name`` and every data name computed from it by nodes other than ``skip``."""
    dependent = {name}
    changed = True
    while changed:
        changed = False
        for node_name, node in nodes.items():
            if node_name == skip or dependent.isdisjoint(node.inputs):
                continue
            new = set(node.data_outputs) - dependent
            if new:
                dependent |= new
                changed = True
    return dependent


def _message(name: str, first: str, second: str, gate: str) -> str:
    return (
        f"Multiple nodes produce '{name}': '{first}' and '{second}' both write it, and the loop "
        f"through gate '{gate}' would run '{first}' only once. '{first}' reads '{name}' but, "
        f"since it outputs '{name}' itself and no gate controls it, it is never re-triggered "
        f"by a new '{name}'; after '{second}' writes '{name}', '{gate}' decides on a value "
        f"'{first}' has not seen (ordering them with emit/wait_for does not change this).\n"
        f"How to fix: let one node own '{name}'. For an agent loop: '{first}' returns only its "
        f"reply under a new name (e.g. output_name='reply'), '{gate}' and '{second}' read "
        f"'reply', and '{second}' returns '{name}' with the reply and its own result appended; "
        f"'{first}' then runs again whenever '{second}' has written '{name}'. If '{first}' "
        f"should run only once, give its output a name of its own."
    )
