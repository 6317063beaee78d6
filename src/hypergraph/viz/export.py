"""Static pictures of the interactive page: ``visualize(filepath="graph.png" | "graph.svg")``.

The page lays itself out in a browser, so a static picture needs one: a headless Chromium
(Debian's ``chromium`` package, or any Chrome found on ``PATH`` or named by the
``HYPERGRAPH_CHROMIUM`` environment variable). It runs with a throwaway profile and the network
blocked: the page needs nothing from outside. ``.png`` is a screenshot; ``.svg`` is the drawn
``<svg>`` taken from the page after layout, with the viewer's styles embedded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "run_headless", "write_png", "write_svg"]

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
)


def find_chromium() -> str | None:
    """The headless browser to use, or ``None`` when none is installed."""
    named = os.environ.get("HYPERGRAPH_CHROMIUM")
    if named:
        return shutil.which(named)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_headless(page: Path, *options: str, budget_ms: int = 5000, timeout: float = 180) -> str:
    """Open the local file ``page`` in headless Chromium; return what Chromium printed."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError(
            "Writing a .png or .svg picture needs a headless Chromium to lay the page out, and "
            "none was found. Install one (Debian/Ubuntu: apt-get install chromium) or set "
            "HYPERGRAPH_CHROMIUM to its path; or write an .html page instead."
        )
    with tempfile.TemporaryDirectory(prefix="hypergraph-chromium-") as profile:
        done = subprocess.run(
            [
                browser,
                *_FLAGS,
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                *options,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"{browser} failed with exit code {done.returncode}: {done.stderr[-800:]}"
        )
    return done.stdout


def write_png(page_html: str, path: Path, width: int = 1400, height: int = 900) -> None:
    """Screenshot of the page drawn in a ``width`` x ``height`` window."""
    with tempfile.TemporaryDirectory(prefix="hypergraph-page-") as folder:
        page = Path(folder) / "graph.html"
        page.write_text(page_html, encoding="utf-8")
        run_headless(page, f"--screenshot={path.resolve()}", f"--window-size={width},{height}")
    if not path.exists():
        raise RuntimeError(f"Chromium wrote no picture to {path}.")


_FONT = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif'
_CANVAS = re.compile(r'<svg id="hg-canvas".*?</svg>', re.S)
_SCENE = re.compile(r'<g id="hg-scene"([^>]*)>', re.S)


def write_svg(page_html: str, path: Path, theme: str, css: str) -> None:
    """The drawn graph as a standalone SVG file (styles embedded, theme fixed)."""
    with tempfile.TemporaryDirectory(prefix="hypergraph-page-") as folder:
        page = Path(folder) / "graph.html"
        page.write_text(page_html, encoding="utf-8")
        dom = run_headless(page, "--dump-dom", "--window-size=1400,900")
    canvas = _CANVAS.search(dom)
    scene = _SCENE.search(canvas[0]) if canvas else None
    if canvas is None or scene is None:
        raise RuntimeError("The page did not draw the graph; no SVG could be taken from it.")
    width = re.search(r'data-width="([\d.]+)"', scene[1])
    height = re.search(r'data-height="([\d.]+)"', scene[1])
    w = float(width[1]) if width else 800.0
    h = float(height[1]) if height else 600.0
    inner = canvas[0][canvas[0].index(">") + 1 : -len("</svg>")]
    inner = _SCENE.sub("<g>", inner, count=1)
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'data-theme="{theme}" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}">'
        f"<style><![CDATA[svg {{ font-family: {_FONT}; }}\n{css}]]></style>"
        '<rect width="100%" height="100%" style="fill: var(--bg)"/>'
        f"{inner}</svg>\n",
        encoding="utf-8",
    )
