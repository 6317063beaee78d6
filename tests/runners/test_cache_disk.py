"""``DiskCache`` through the runners: hits across runner instances and processes
(docs/guides/caching.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from hypergraph import DiskCache, Graph, SyncRunner, node

SRC_DIR = str(Path(__file__).resolve().parents[2] / "src")

# The same graph in every process. The cached body appends to a log file, so the log shows
# exactly how often it ran; a hit in a fresh process leaves the log untouched.
SCRIPT = textwrap.dedent(
    """
    import sys
    from hypergraph import DiskCache, Graph, SyncRunner, node, route, END

    LOG = sys.argv[2]

    @node(output_name="words", cache=True)
    def split_words(text: str) -> list[str]:
        with open(LOG, "a") as log:
            log.write("split_words\\n")
        return text.split()

    @route(targets=["shout", END], cache=True)
    def loud_enough(words: list[str]):
        with open(LOG, "a") as log:
            log.write("loud_enough\\n")
        return "shout" if len(words) > 1 else END

    @node(output_name="shouted")
    def shout(words: list[str]) -> str:
        return " ".join(words).upper()

    graph = Graph([split_words, loud_enough, shout])
    result = SyncRunner(cache=DiskCache(sys.argv[1])).run(graph, text="hello disk cache")
    print(result["shouted"])
    """
)


def run_script(script: Path, cache_dir: Path, log: Path) -> str:
    env = {**os.environ, "PYTHONPATH": SRC_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, str(script), str(cache_dir), str(log)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_second_process_hits_the_disk_cache_without_calling_the_functions(tmp_path):
    script = tmp_path / "pipeline.py"
    script.write_text(SCRIPT)
    cache_dir, log = tmp_path / "cache", tmp_path / "calls.log"
    assert run_script(script, cache_dir, log) == "HELLO DISK CACHE"
    assert log.read_text().split() == ["split_words", "loud_enough"]
    # A new interpreter: the route decision and the words both come from disk.
    assert run_script(script, cache_dir, log) == "HELLO DISK CACHE"
    assert log.read_text().split() == ["split_words", "loud_enough"]


def test_a_second_runner_on_the_same_directory_gets_hits(tmp_path):
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    graph = Graph([square])
    assert SyncRunner(cache=DiskCache(str(tmp_path))).run(graph, x=7)["y"] == 49
    assert SyncRunner(cache=DiskCache(str(tmp_path))).run(graph, x=7)["y"] == 49
    assert calls == [7]
