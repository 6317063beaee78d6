"""``GraphNode``: a whole graph used as one node of another graph (docs/guides/graphs.md).

The node's inputs are the inner graph's inputs and its outputs the inner graph's (selected)
outputs. Renames only change the names seen from outside: the runner maps inputs back to inner
names before the inner run (``map_inputs_to_params``) and inner outputs forward afterwards
(``map_outputs_from_original``). ``map_over`` turns the node into a fan-out over list inputs.
"""

from __future__ import annotations

from types import GenericAlias
from typing import TYPE_CHECKING, Any, Literal

from hypergraph._short_repr import short_repr
from hypergraph.nodes.base import HyperNode

if TYPE_CHECKING:
    from hypergraph.graph import Graph

__all__ = ["GraphNode"]

_MAP_MODES = ("zip", "product")
_ERROR_MODES = ("raise", "continue")


def _inner_emit_names(graph: Graph) -> set[str]:
    names: set[str] = set()
    for inner in graph.nodes.values():
        names.update(set(inner.outputs) - set(inner.data_outputs))
    return names


def _check_name(name: str) -> None:
    if "." in name or "/" in name:
        raise ValueError(
            f"GraphNode name '{name}' must not contain '.' or '/': they separate nested "
            "names in pause keys and node paths. Use '_' or '-' instead."
        )


class GraphNode(HyperNode):
    """A :class:`~hypergraph.Graph` wrapped as a node; build it with ``graph.as_node()``."""

    node_type = "GRAPH"
    cache = False  # graph nodes are never cached; their inner nodes may be

    def __init__(self, graph: Graph, name: str | None = None) -> None:
        super().__init__()
        name = graph.name if name is None else name
        if not name:
            raise ValueError(
                "GraphNode requires a name: give the graph a name (Graph(..., name='x')) or "
                "pass one with graph.as_node(name='x')."
            )
        _check_name(name)
        self.graph = graph
        self.name = name
        inner_inputs = tuple(graph.inputs.all)
        selected = graph.selected
        inner_outputs = tuple(selected if selected is not None else graph.outputs)
        emit_names = _inner_emit_names(graph)
        self.inputs = inner_inputs
        self._inner_outputs = inner_outputs
        self.data_outputs = tuple(o for o in inner_outputs if o not in emit_names)
        self._emit = tuple(o for o in inner_outputs if o in emit_names)
        self.outputs = inner_outputs
        self._to_inner: dict[str, str] = {p: p for p in inner_inputs}
        self._identity_params = True
        self._to_outer: dict[str, str] = {o: o for o in self.data_outputs}
        self._outer_names: dict[str, str] = {o: o for o in inner_outputs}
        self._consumers = {
            p: tuple(n for n in graph.nodes.values() if p in n.inputs) for p in inner_inputs
        }
        self._map_params: tuple[str, ...] | None = None
        self._map_mode: str = "zip"
        self._map_error_handling: str = "raise"
        self._clone: bool | tuple[str, ...] = False
        self.is_async = bool(graph.has_async_nodes)

    # ------------------------------------------------------------------ identity
    @property
    def nested_graph(self) -> Graph:
        """The wrapped graph."""
        return self.graph

    @property
    def definition_hash(self) -> str:
        """The inner graph's definition hash."""
        return self.graph.definition_hash

    @property
    def has_interrupts(self) -> bool:
        """Whether the inner graph (at any depth) contains an interrupt node."""
        pending = [self.graph]
        while pending:
            for inner in pending.pop().nodes.values():
                if inner.is_interrupt:
                    return True
                if isinstance(inner, GraphNode):
                    pending.append(inner.graph)
        return False

    def with_name(self, name: str) -> GraphNode:
        """Return a copy called ``name`` (no '.' or '/')."""
        _check_name(name)
        return super().with_name(name)

    # ------------------------------------------------------------------ name mapping
    def map_inputs_to_params(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Map outer (renamed) input names to the inner graph's input names."""
        if self._identity_params:
            return inputs
        to_inner = self._to_inner
        return {to_inner.get(k, k): v for k, v in inputs.items()}

    def map_outputs_from_original(self, values: dict[str, Any]) -> dict[str, Any]:
        """Map inner output names to this node's names, dropping names it does not expose."""
        to_outer = self._to_outer
        return {to_outer[k]: v for k, v in values.items() if k in to_outer}

    def _inner_input(self, param: str) -> str:
        return self._to_inner.get(param, param)

    def _after_input_rename(self, renames: dict[str, str]) -> None:
        self._to_inner = {renames.get(k, k): v for k, v in self._to_inner.items()}
        self._identity_params = all(k == v for k, v in self._to_inner.items())
        if self._map_params is not None:
            self._map_params = tuple(renames.get(p, p) for p in self._map_params)
        if isinstance(self._clone, tuple):
            self._clone = tuple(renames.get(p, p) for p in self._clone)

    def _after_output_rename(self, renames: dict[str, str]) -> None:
        self._outer_names = {k: renames.get(v, v) for k, v in self._outer_names.items()}
        self._to_outer = {k: renames.get(v, v) for k, v in self._to_outer.items()}
        self.outputs = tuple(self._outer_names[o] for o in self._inner_outputs)

    def _inner_output(self, output: str) -> str | None:
        for inner, outer in self._outer_names.items():
            if outer == output:
                return inner
        return None

    # ------------------------------------------------------------------ defaults
    def _bound(self) -> dict[str, Any]:
        return self.graph.inputs.bound

    # Graphs nest to any depth, so the walks below go down the inner GraphNodes in a loop
    # rather than by recursion: a graph nested hundreds of levels deep stays within the stack.
    def has_default_for(self, param: str) -> bool:
        """True if ``param`` is bound in the inner graph or defaulted on an inner consumer."""
        return self._default_holder(param) is not None

    def get_default_for(self, param: str) -> Any:
        """The inner binding of ``param``, else an inner consumer's default; else ``KeyError``."""
        found = self._default_holder(param)
        if found is None:
            raise KeyError(f"No default for '{param}'")
        holder, name = found
        if isinstance(holder, GraphNode):
            return holder._bound()[holder._inner_input(name)]
        return holder.get_default_for(name)

    def _default_holder(self, param: str) -> tuple[HyperNode, str] | None:
        """The first ``(node, parameter)`` giving ``param`` a default, in depth-first consumer
        order: a GraphNode whose inner graph binds it, or an inner node with a default."""
        pending: list[tuple[HyperNode, str]] = [(self, param)]
        while pending:
            node, name = pending.pop()
            if not isinstance(node, GraphNode):
                if node.has_default_for(name):
                    return node, name
                continue
            inner = node._inner_input(name)
            if inner in node._bound():
                return node, name
            consumers = node._consumers.get(inner, ())
            pending.extend((consumer, inner) for consumer in reversed(consumers))
        return None

    def has_signature_default_for(self, param: str) -> bool:
        """True only if ``param`` is unbound and *every* inner consumer has a signature default."""
        pending: list[tuple[HyperNode, str]] = [(self, param)]
        while pending:
            node, name = pending.pop()
            if not isinstance(node, GraphNode):
                if not node.has_signature_default_for(name):
                    return False
                continue
            inner = node._inner_input(name)
            consumers = node._consumers.get(inner, ())
            if inner in node._bound() or not consumers:
                return False
            pending.extend((consumer, inner) for consumer in consumers)
        return True

    def get_signature_default_for(self, param: str) -> Any:
        """The signature default shared by the inner consumers of ``param``; else ``KeyError``."""
        if not self.has_signature_default_for(param):
            raise KeyError(f"No default for '{param}'")
        node: HyperNode = self
        name = param
        while isinstance(node, GraphNode):  # every consumer has it: follow the first
            name = node._inner_input(name)
            node = node._consumers[name][0]
        return node.get_signature_default_for(name)

    # ------------------------------------------------------------------ types
    def _mapped(self, tp: Any) -> Any:
        return list if tp is None else GenericAlias(list, (tp,))

    def get_input_type(self, param: str) -> Any:
        """The first inner consumer's annotation (``list[T]`` for a mapped parameter), or ``None``."""
        mapped_levels = 0  # GraphNodes on the way down that map over the parameter
        node: HyperNode | None = self
        name = param
        while isinstance(node, GraphNode):
            if node._map_params is not None and name in node._map_params:
                mapped_levels += 1
            name = node._inner_input(name)
            consumers = node._consumers.get(name, ())
            node = consumers[0] if consumers else None
        tp = node.get_input_type(name) if node is not None else None
        if tp is None:
            return None
        for _ in range(mapped_levels):
            tp = GenericAlias(list, (tp,))  # a mapped parameter receives the whole list
        return tp

    def get_output_type(self, output: str) -> Any:
        """The inner producer's annotation (``list[T]`` once mapped), or ``None``."""
        levels: list[
            GraphNode
        ] = []  # the GraphNodes whose answer is the inner one, outermost first
        node: HyperNode = self
        name = output
        tp = None
        while True:
            if not isinstance(node, GraphNode):
                tp = node.get_output_type(name)
                break
            inner = node._inner_output(name)
            if inner is None:  # not an output of this node: ``None``, whether mapped or not
                break
            levels.append(node)
            producer = next((n for n in node.graph.nodes.values() if inner in n.data_outputs), None)
            if producer is None:
                break
            node, name = producer, inner
        for level in reversed(levels):
            if level._map_params is not None:
                tp = level._mapped(tp)
        return tp

    @property
    def output_annotation(self) -> dict[str, Any]:
        """Every output's type keyed by this node's output names (``None`` when untyped;
        ``list[T]``, or ``list`` when untyped, once mapped)."""
        return {o: self.get_output_type(o) for o in self.data_outputs}

    # ------------------------------------------------------------------ map_over
    def map_over(
        self,
        *params: str,
        mode: Literal["zip", "product"] = "zip",
        error_handling: Literal["raise", "continue"] = "raise",
        clone: bool | list[str] = False,
    ) -> GraphNode:
        """Return a copy that runs the inner graph once per item of ``params``; outputs are lists."""
        if not params:
            raise ValueError(
                f"GraphNode '{self.name}': map_over needs at least one parameter to iterate over."
            )
        for param in params:
            if param not in self.inputs:
                raise ValueError(
                    f"GraphNode '{self.name}': '{param}' is not an input, so it cannot be mapped "
                    f"over. Inputs: {self.inputs}"
                )
        if len(set(params)) != len(params):
            raise ValueError(f"GraphNode '{self.name}': map_over lists a parameter twice: {params}")
        if mode not in _MAP_MODES:
            raise ValueError(
                f"GraphNode '{self.name}': mode must be 'zip' or 'product', got {short_repr(mode)}"
            )
        if error_handling not in _ERROR_MODES:
            raise ValueError(
                f"GraphNode '{self.name}': error_handling must be 'raise' or 'continue', got "
                f"{short_repr(error_handling)}"
            )
        clone_setting = self._check_clone(clone, params)
        mapped = self._copy()
        mapped._map_params = tuple(params)
        mapped._map_mode = mode
        mapped._map_error_handling = error_handling
        mapped._clone = clone_setting
        return mapped

    def _check_clone(self, clone: Any, params: tuple[str, ...]) -> bool | tuple[str, ...]:
        if isinstance(clone, bool):
            return clone
        if not isinstance(clone, list):
            raise TypeError(
                f"GraphNode '{self.name}': clone must be bool or list of input names, got "
                f"{type(clone).__name__} ({short_repr(clone)})."
            )
        for entry in clone:
            if not isinstance(entry, str):
                raise TypeError(
                    f"GraphNode '{self.name}': clone list entries must be strings, got "
                    f"{short_repr(entry)}"
                )
            if entry in params:
                raise ValueError(
                    f"GraphNode '{self.name}': Cannot clone mapped parameter '{entry}': each "
                    "item is already a separate value. Remove it from clone."
                )
            if entry not in self.inputs:
                raise ValueError(
                    f"GraphNode '{self.name}': clone name '{entry}' is not an input. "
                    f"Inputs: {self.inputs}"
                )
        return tuple(clone)

    @property
    def map_config(self) -> tuple[list[str], str, str] | None:
        """``(params, mode, error_handling)`` when mapped, else ``None``."""
        if self._map_params is None:
            return None
        return (list(self._map_params), self._map_mode, self._map_error_handling)

    @property
    def clone_config(self) -> bool | list[str]:
        """The clone setting: ``False``, ``True`` or the list of cloned input names."""
        return list(self._clone) if isinstance(self._clone, tuple) else self._clone

    def __repr__(self) -> str:
        mapped = f", map_over={list(self._map_params)}" if self._map_params else ""
        inner = self.graph.name
        label = self.name if inner in (None, self.name) else f"{inner} as '{self.name}'"
        return f"GraphNode({label}, outputs={self.outputs!r}{mapped})"
