"""Headless Chromium for the viz tests: the Debian package, with the network blocked.

Chromium is started once per call (through the package's own ``run_headless``) with a
throwaway profile; host names resolve to nothing and every connection goes to a proxy that is
not there, so a page can only use what it carries itself (or what the test put beside it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from hypergraph.viz.export import find_chromium, run_headless

MERMAID_VERSION = "12.3.0"


def chromium() -> str:
    """Path of the Chromium binary; fails (never skips) when it is missing."""
    found = find_chromium()
    if found is None:
        pytest.fail(
            "The viz browser tests need Debian's Chromium: apt-get install -y chromium "
            "(.ci/run installs it on CI machines)."
        )
    return found


def run_chromium(page: Path, *extra: str, budget_ms: int = 5000) -> str:
    """Open ``page`` (a local file) with the network blocked, let its scripts run for
    ``budget_ms`` of virtual time, and return Chromium's standard output."""
    chromium()
    return run_headless(page, "--allow-file-access-from-files", *extra, budget_ms=budget_ms)


def dump_dom(page: Path, budget_ms: int = 5000) -> str:
    """The page's DOM after its scripts ran."""
    return run_chromium(page, "--dump-dom", budget_ms=budget_ms)


def screenshot(page: Path, png: Path, width: int, height: int, budget_ms: int = 5000) -> None:
    """Save a PNG of the page as drawn in a ``width`` x ``height`` window."""
    run_chromium(
        page,
        f"--screenshot={png.resolve()}",
        f"--window-size={width},{height}",
        budget_ms=budget_ms,
    )
    assert png.exists(), f"chromium wrote no screenshot for {page}"


def mermaid_js() -> Path:
    """``mermaid.min.js`` of the pinned ``mermaid`` release from the npm registry.

    The file is 5.5 MB, too heavy to keep in the repository for one test, so it is fetched
    once with ``npm pack`` (npm checks the tarball's integrity) and cached under
    ``$HYPERGRAPH_TEST_CACHE`` (default ``~/.cache/hypergraph-tests``).
    """
    cache = Path(os.environ.get("HYPERGRAPH_TEST_CACHE", Path.home() / ".cache/hypergraph-tests"))
    target = cache / f"mermaid-{MERMAID_VERSION}.min.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The Mermaid syntax test needs npm to fetch the mermaid package.")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hg-npm-") as workdir:
        subprocess.run(
            [npm, "pack", f"mermaid@{MERMAID_VERSION}", "--silent", "--pack-destination", workdir],
            check=True,
            capture_output=True,
            timeout=300,
            cwd=workdir,
        )
        (tarball,) = Path(workdir).glob("mermaid-*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/dist/mermaid.min.js")
            assert member is not None
            partial = target.with_suffix(".part")
            partial.write_bytes(member.read())
            partial.replace(target)
    return target
