"""Short, readable names for type annotations (``list[str]``, ``int | None``, ``Foo``)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["type_label"]

_QUALIFIED = re.compile(r"\b(?:[A-Za-z_][A-Za-z0-9_]*\.)+([A-Za-z_][A-Za-z0-9_]*)")


def type_label(annotation: Any) -> str:
    """``""`` for no annotation; a class's name; otherwise the annotation's text without
    module prefixes (``typing.Optional[mod.Foo]`` → ``Optional[Foo]``)."""
    if annotation is None:
        return ""
    if isinstance(annotation, str):
        text = annotation
    elif isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        text = annotation.__qualname__
    else:
        text = repr(annotation)
    return _QUALIFIED.sub(r"\1", text)
