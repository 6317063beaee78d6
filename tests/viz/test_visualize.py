"""``Graph.visualize``: the page it builds, where it goes, and its options."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
import viz_graphs as graphs

from hypergraph import Graph, node


def _payload(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="hg-data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match[1].replace("<\\/", "</"))  # type: ignore[no-any-return]


def test_without_filepath_returns_a_view_that_jupyter_shows_in_an_iframe() -> None:
    view = graphs.dag().visualize()
    assert view is not None
    assert view.html.startswith("<!doctype html>")
    shown = view._repr_html_()
    assert shown.startswith("<iframe") and "srcdoc=" in shown
    assert "<script" not in shown  # escaped inside srcdoc, so the notebook runs none of it


def test_with_filepath_writes_the_page_and_returns_none(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    assert graphs.branch().visualize(filepath=str(target)) is None
    assert target.read_text(encoding="utf-8") == graphs.branch().visualize().html  # type: ignore[union-attr]


def test_page_embeds_every_node_with_inputs_outputs_types_and_docstring() -> None:
    page = graphs.nested().visualize(depth=1, show_types=True).html  # type: ignore[union-attr]
    payload = _payload(page)
    nodes = {n["id"]: n for n in payload["nodes"]}  # type: ignore[attr-defined]
    tokenize = nodes["counter/tokenize"]
    assert tokenize["parent"] == "counter" and tokenize["kind"] == "function"
    assert tokenize["inputs"] == [["text", "str"]]
    assert tokenize["outputs"] == [["tokens", "list[str]"]]
    assert tokenize["doc"] == "Split a text on whitespace."
    assert nodes["counter"]["kind"] == "graph"
    assert payload["depth"] == 1 and payload["show_types"] is True


def test_theme_is_set_on_the_page_and_unknown_themes_are_rejected() -> None:
    page = graphs.dag().visualize(theme="dark").html  # type: ignore[union-attr]
    assert '<html lang="en" data-theme="dark">' in page
    with pytest.raises(ValueError, match="theme='blue'"):
        graphs.dag().visualize(theme="blue")


def test_filepath_must_be_html_png_or_svg(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ending in '.html'.*'.png' or '.svg'"):
        graphs.dag().visualize(filepath=tmp_path / "graph.pdf")


def test_inlined_scripts_cannot_be_closed_by_node_text() -> None:
    @node(output_name="y")
    def sneaky(x: int) -> int:
        """Ends with </script><script>alert(1)</script>"""
        return x

    page = Graph([sneaky]).visualize().html  # type: ignore[union-attr]
    body = page.split('<script type="application/json" id="hg-data">', 1)[1]
    assert body.count("</script>") == 3  # data, dagre, viewer: nothing closes early
    (only,) = _payload(page)["nodes"][1:]  # type: ignore[index]
    assert only["doc"] == "Ends with </script><script>alert(1)</script>"


def test_layout_library_and_its_licence_ship_with_the_package() -> None:
    static = files("hypergraph.viz").joinpath("static")
    assert "dagre" in static.joinpath("dagre.min.js").read_text(encoding="utf-8")[:200]
    assert "MIT" in static.joinpath("LICENSE-dagre.txt").read_text(encoding="utf-8")
