"""Mermaid itself accepts every diagram ``to_mermaid`` makes (rendered in headless Chromium)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
import viz_graphs as graphs
from headless import dump_dom, mermaid_js

from hypergraph import Graph

NODE_LINE = re.compile(r"^\s*\w+[\[{(]")  # `id["label"]`, `id{"label"}`, ...; edges have spaces


def _diagrams() -> dict[str, str]:
    pipeline = graphs.pipeline()
    cases: dict[str, tuple[Graph, dict[str, object]]] = {
        "dag": (graphs.dag(), {}),
        "branch": (graphs.branch(), {"show_types": True}),
        "loop": (graphs.loop(), {"separate_outputs": True}),
        "nested_0": (graphs.nested(), {}),
        "nested_1": (graphs.nested(), {"depth": 1, "separate_outputs": True}),
        "hidden": (graphs.hidden(), {}),
        "explicit": (graphs.explicit(), {"direction": "LR"}),
        "ordered": (graphs.ordered(), {"colors": {"function": "#ffe0b2"}}),
        "interrupt": (graphs.with_interrupt(), {"show_types": True, "separate_outputs": True}),
        "pipeline_0": (pipeline, {}),
        "pipeline_2": (pipeline, {"depth": 2, "show_types": True}),
    }
    return {name: g.to_mermaid(**opts).source for name, (g, opts) in cases.items()}  # type: ignore[arg-type]


PAGE = """<!doctype html><meta charset="utf-8"><body>
<script src="mermaid.min.js"></script>
<script>
const diagrams = %s;
(async () => {
  mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
  const results = {};
  for (const [name, text] of Object.entries(diagrams)) {
    try {
      await mermaid.parse(text);
      const {svg} = await mermaid.render("diagram_" + name, text);
      results[name] = {nodes: (svg.match(/class="node /g) || []).length};
    } catch (error) {
      results[name] = {error: String((error && error.message) || error)};
    }
  }
  const out = document.createElement("pre");
  out.id = "results";
  out.textContent = JSON.stringify(results);
  document.body.append(out);
})();
</script>"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("mermaid")
    shutil.copy(mermaid_js(), folder / "mermaid.min.js")
    page = folder / "page.html"
    page.write_text(PAGE % json.dumps(_diagrams()), encoding="utf-8")
    dom = dump_dom(page, budget_ms=20000)
    start = dom.index('<pre id="results">') + len('<pre id="results">')
    text = dom[start : dom.index("</pre>", start)]
    return json.loads(html.unescape(text))  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(_diagrams()))
def test_mermaid_parses_and_renders_the_diagram(
    rendered: dict[str, dict[str, object]], name: str
) -> None:
    result = rendered[name]
    assert "error" not in result, result.get("error")
    source = _diagrams()[name]
    declared = [line for line in source.splitlines() if NODE_LINE.match(line)]
    assert declared and result["nodes"] == len(declared)


def test_mermaid_rejects_broken_text_so_the_check_can_fail(tmp_path: Path) -> None:
    shutil.copy(mermaid_js(), tmp_path / "mermaid.min.js")
    page = tmp_path / "page.html"
    page.write_text(PAGE % json.dumps({"broken": 'flowchart TD\n  a["x"] --> b(\n'}))
    assert "Parse error" in dump_dom(page, budget_ms=10000)
