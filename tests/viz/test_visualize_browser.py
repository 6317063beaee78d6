"""``Graph.visualize`` in a real browser: headless Chromium, network blocked, documented example."""

from __future__ import annotations

import html
import json
import re
import struct
from pathlib import Path
from xml.etree import ElementTree

import pytest
import viz_graphs as graphs
from headless import dump_dom, screenshot

from hypergraph import Graph

DRAWN = re.compile(r'<g class="hg-node[^"]*" data-id="([^"]+)"')

# Appended to a copy of the page: drives the viewer like a user, then reports what it saw.
PROBE = """<script>
(() => {
  const ids = () => [...document.querySelectorAll(".hg-node")].map((e) => e.dataset.id).sort();
  const click = (el) => el.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  const report = {initial: ids()};
  const normalize = document.querySelector('[data-id="prepare/normalize"]');
  normalize.dispatchEvent(new MouseEvent("mouseenter"));
  report.tip = document.getElementById("hg-tip").textContent;
  report.tipHidden = document.getElementById("hg-tip").hidden;
  click(document.querySelector('[data-id="prepare"]'));
  report.collapsed = ids();
  click(document.querySelector('[data-id="prepare"]'));
  report.reexpanded = ids();
  const scene = document.getElementById("hg-scene");
  const before = scene.getAttribute("transform");
  document.getElementById("hg-canvas").dispatchEvent(
    new WheelEvent("wheel", {deltaY: -300, clientX: 300, clientY: 300, bubbles: true}));
  report.zoomed = scene.getAttribute("transform") !== before;
  click(document.getElementById("hg-theme"));
  report.theme = document.documentElement.dataset.theme;
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(report);
  document.body.append(out);
})();
</script>"""


@pytest.fixture(scope="module")
def pipeline() -> Graph:
    return graphs.pipeline()


@pytest.fixture(scope="module")
def page(pipeline: Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("visualize") / "pipeline.html"
    assert pipeline.visualize(depth=1, filepath=path) is None
    return path


def _expected_ids(graph: Graph) -> set[str]:
    """Every node at every depth, the graph's inputs and the END marker of the nested loop."""
    ids = set(graph.to_flat_graph().nodes)
    ids |= {"input:" + name for name in graph.inputs.all}
    return ids | {"shorten/END"}


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"\b(?:src|href)\s*=", text), "the page must not load anything"
    assert "<link" not in text and "@import" not in text
    urls = set(re.findall(r"https?://[^\s\"')]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched


def test_every_node_is_drawn_with_the_network_blocked(page: Path, pipeline: Graph) -> None:
    dom = dump_dom(page)
    drawn = set(DRAWN.findall(dom))
    assert drawn == _expected_ids(pipeline)
    assert 'data-rendered="' in dom


def test_viewer_expands_collapses_zooms_shows_details_and_switches_theme(
    page: Path, pipeline: Graph, tmp_path: Path
) -> None:
    probed = tmp_path / "probed.html"
    probed.write_text(
        page.read_text(encoding="utf-8").replace("</body>", PROBE + "\n</body>"),
        encoding="utf-8",
    )
    dom = dump_dom(probed)
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    report = json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))
    everything = sorted(_expected_ids(pipeline))
    assert report["initial"] == everything
    assert report["collapsed"] == sorted(i for i in everything if not i.startswith("prepare/"))
    assert report["reexpanded"] == everything
    assert "normalize" in report["tip"] and not report["tipHidden"]
    assert "clean_text" in report["tip"] and "str" in report["tip"]
    assert "Collapse whitespace so sentences can be split reliably." in report["tip"]
    assert report["zoomed"] is True
    assert report["theme"] in {"light", "dark"}


def test_collapsed_view_draws_nested_graphs_as_single_nodes(
    pipeline: Graph, tmp_path: Path
) -> None:
    path = tmp_path / "collapsed.html"
    pipeline.visualize(filepath=path, theme="dark")
    dom = dump_dom(path)
    top_level = {i for i in pipeline.to_flat_graph().nodes if "/" not in i}
    assert set(DRAWN.findall(dom)) == top_level | {"input:" + n for n in pipeline.inputs.all}
    assert '<html lang="en" data-theme="dark"' in dom


def test_screenshot_shows_the_drawn_page(page: Path, tmp_path: Path) -> None:
    png = tmp_path / "pipeline.png"
    screenshot(page, png, 1400, 900)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 900)
    # A blank page compresses to a few kilobytes; a drawn graph with text does not.
    assert len(data) > 40_000


def test_png_filepath_writes_a_screenshot(pipeline: Graph, tmp_path: Path) -> None:
    target = tmp_path / "pipeline.png"
    assert pipeline.visualize(filepath=target) is None
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1400, 900)
    assert len(data) > 40_000


def test_svg_filepath_writes_the_drawing_with_every_label(pipeline: Graph, tmp_path: Path) -> None:
    target = tmp_path / "pipeline.svg"
    assert pipeline.visualize(filepath=target, depth=1, theme="dark") is None
    root = ElementTree.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("data-theme") == "dark"
    assert float(root.get("width", "0")) > 300 and root.get("viewBox", "").startswith("0 0 ")
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    inner = {name.rsplit("/", 1)[-1] for name in pipeline.to_flat_graph().nodes}
    assert inner - {"prepare", "shorten"} <= texts  # expanded graphs show as titled boxes
    assert {"\u25be prepare", "\u25be shorten", "END"} <= texts
    assert set(pipeline.inputs.all) <= texts


def test_pictures_without_a_browser_say_what_to_install(
    pipeline: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("HYPERGRAPH_CHROMIUM", raising=False)
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        pipeline.visualize(filepath=tmp_path / "pipeline.png")
    assert not (tmp_path / "pipeline.png").exists()


@pytest.mark.parametrize("page", ["README.md", "docs/guides/visualization.md"])
def test_docs_show_the_committed_screenshot(page: str) -> None:
    path = graphs.EXAMPLES.parent / page
    text = path.read_text(encoding="utf-8")
    (image,) = re.findall(r"!\[[^\]]*\]\(([^)]*images/[^)]+\.png)\)", text)
    data = (path.parent / image).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 40_000
