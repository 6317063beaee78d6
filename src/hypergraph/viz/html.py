"""``Graph.visualize()``: an interactive, self-contained HTML page of a graph.

The page carries everything it needs (no network): the graph as JSON, the viewer script and
styles from this package's ``static/`` folder, and the dagre layout library
(``static/dagre.min.js``, MIT, see ``static/LICENSE-dagre.txt``). Nested graphs expand and
collapse on click, the mouse wheel zooms, dragging pans, hovering a node shows its inputs,
outputs, types and docstring, and the theme follows ``theme`` ("auto" follows the system).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypergraph.viz.model import build_view

if TYPE_CHECKING:
    from hypergraph.graph import Graph

__all__ = ["GraphView", "render_html", "visualize"]

THEMES = ("auto", "light", "dark")
_FONT = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif'


def _asset(name: str) -> str:
    return (files("hypergraph.viz") / "static" / name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>`` element it is inlined into."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(
    graph: Graph,
    *,
    depth: int = 0,
    theme: str = "auto",
    show_types: bool = False,
    separate_outputs: bool = False,
    direction: str = "TB",
) -> str:
    """The page's HTML text (see :func:`visualize` for the options)."""
    if theme not in THEMES:
        raise ValueError(f"visualize(theme={theme!r}): use one of {list(THEMES)}.")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"visualize(depth={depth!r}): depth must be an int >= 0.")
    view = build_view(graph)
    payload: dict[str, Any] = {
        "nodes": [asdict(node) for node in view.nodes.values()],
        "edges": [asdict(edge) for edge in view.edges],
        "depth": depth,
        "show_types": bool(show_types),
        "separate_outputs": bool(separate_outputs),
        "direction": direction,
        "font": _FONT,
    }
    dagre = "\n".join(
        line for line in _asset("dagre.min.js").splitlines() if "sourceMappingURL" not in line
    )
    title = html.escape(graph.name or "hypergraph")
    parts = {
        "THEME": theme,
        "TITLE": title,
        "CSS": _asset("viewer.css"),
        "DATA": _script_safe(json.dumps(payload)),
        "DAGRE": _script_safe(dagre),
        "VIEWER": _script_safe(_asset("viewer.js")),
    }
    return re.sub(r"__([A-Z]+)__", lambda m: parts.get(m[1], m[0]), _asset("page.html"))


class GraphView:
    """An interactive picture of a graph. In Jupyter it displays inline; ``.html`` is the page,
    ``.save(path)`` writes it."""

    def __init__(self, page: str, theme: str = "auto") -> None:
        self.html = page
        self.theme = theme

    def save(self, filepath: str | Path) -> Path:
        """Write the page to ``filepath`` and return the path.

        ``.html`` writes the interactive page. ``.png`` (a screenshot) and ``.svg`` (the
        drawing) need a headless Chromium to lay the page out (see ``hypergraph.viz.export``).
        """
        path = Path(filepath)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            path.write_text(self.html, encoding="utf-8")
        elif suffix == ".png":
            from hypergraph.viz.export import write_png

            write_png(self.html, path)
        elif suffix == ".svg":
            from hypergraph.viz.export import write_svg

            theme = "light" if self.theme == "auto" else self.theme
            write_svg(self.html, path, theme, _asset("viewer.css"))
        else:
            raise ValueError(
                f"visualize(filepath={str(filepath)!r}): use a path ending in '.html' (the "
                "interactive page), '.png' or '.svg' (a picture, drawn by headless Chromium)."
            )
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's styles and scripts away from the notebook's own.
        return (
            '<iframe style="width:100%;height:560px;border:1px solid #8884;border-radius:8px" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )

    def __repr__(self) -> str:
        return f"GraphView({len(self.html)} characters of HTML)"


def visualize(
    graph: Graph,
    *,
    depth: int = 0,
    theme: str = "auto",
    show_types: bool = False,
    separate_outputs: bool = False,
    filepath: str | Path | None = None,
) -> GraphView | None:
    """Show ``graph`` as an interactive page: returned for display in a notebook, or written
    to ``filepath`` (``.html``; ``.png``/``.svg`` pictures need headless Chromium), and then
    ``None`` is returned."""
    view = GraphView(
        render_html(
            graph,
            depth=depth,
            theme=theme,
            show_types=show_types,
            separate_outputs=separate_outputs,
        ),
        theme,
    )
    if filepath is None:
        return view
    view.save(filepath)
    return None
