"""``InterruptNode`` and ``@interrupt``: a point where a run may pause for a person
(docs/guides/interrupts.md).

The handler sees the node's inputs. Returning a value answers automatically; returning ``None``
pauses the run (``AsyncRunner`` only) until the caller supplies the node's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypergraph._short_repr import short_repr
from hypergraph.nodes.function import FunctionNode

__all__ = ["InterruptNode", "interrupt"]


class InterruptNode(FunctionNode):
    """A :class:`FunctionNode` that may pause the run; ``output_name`` is required."""

    is_interrupt = True

    def __init__(
        self,
        source: Callable[..., Any] | FunctionNode,
        name: str | None = None,
        output_name: str | tuple[str, ...] | None = None,
        *,
        rename_inputs: dict[str, str] | None = None,
        cache: bool = False,
        hide: bool = False,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
    ) -> None:
        if output_name is None or output_name == ():
            label = name or getattr(source, "__name__", None) or getattr(source, "name", "?")
            raise TypeError(
                f"Interrupt '{label}' requires output_name: it names the value the person "
                "(or the handler) provides, e.g. @interrupt(output_name='decision')."
            )
        super().__init__(
            source,
            name,
            output_name,
            rename_inputs=rename_inputs,
            cache=cache,
            hide=hide,
            emit=emit,
            wait_for=wait_for,
        )

    def resolve_handler_result(self, result: Any) -> dict[str, Any]:
        """Map a non-``None`` handler result to data outputs (a handler that answers itself:
        docs/guides/interrupts.md).

        One output → the value. Several outputs → a dict with exactly those keys, or any
        non-dict value, which goes to the first output only.
        """
        outputs = self.data_outputs
        if len(outputs) == 1:
            return {outputs[0]: result}
        if isinstance(result, dict):
            if set(result) != set(outputs):
                raise ValueError(
                    f"Interrupt '{self.name}' returned a dict with incorrect keys "
                    f"{short_repr(list(result))}; expected exactly {list(outputs)}."
                )
            return {name: result[name] for name in outputs}
        return {outputs[0]: result}


def interrupt(
    output_name: str | tuple[str, ...],
    *,
    rename_inputs: dict[str, str] | None = None,
    cache: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
    hide: bool = False,
) -> Callable[[Callable[..., Any]], InterruptNode]:
    """Decorate a handler as an :class:`InterruptNode` publishing ``output_name``."""
    if output_name is None:
        raise TypeError(
            "@interrupt requires output_name: it names the value the person provides, "
            "e.g. @interrupt(output_name='decision')."
        )
    if callable(output_name) and not isinstance(output_name, str):
        raise TypeError(
            "@interrupt must be called with output_name, e.g. @interrupt(output_name='answer'), "
            "not used bare."
        )

    def decorate(func: Callable[..., Any]) -> InterruptNode:
        made = InterruptNode(
            func,
            None,
            output_name,
            rename_inputs=rename_inputs,
            cache=cache,
            hide=hide,
            emit=emit,
            wait_for=wait_for,
        )
        made.__wrapped__ = made.func
        made.__doc__ = getattr(made.func, "__doc__", None)
        return made

    return decorate
