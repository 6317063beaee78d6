"""The core never loads the viz package until a picture is asked for."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from hypergraph import Graph, SyncRunner, node

@node(output_name="y")
def step(x: int) -> int:
    return x + 1

graph = Graph([step])
assert SyncRunner().run(graph, x=1)["y"] == 2 and graph.nx_graph.nodes["step"]["parent"] is None
assert not any(name.startswith("hypergraph.viz") for name in sys.modules), "viz loaded early"
graph.to_mermaid()
assert "hypergraph.viz.mermaid" in sys.modules
"""


def test_building_and_running_a_graph_does_not_import_viz() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
