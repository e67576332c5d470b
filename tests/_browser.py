"""Headless Chromium (the Debian package) for tests, with the network cut off.

`open_page(path)` loads a local HTML file with every non-file request aborted and records
console errors, page errors and the requests that were refused, so a test can assert that a
report draws with no network at all. Never downloads a browser: `make browser-deps` installs
/usr/bin/chromium; tests skip with the reason when it is missing.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    """The system Chromium (CTKIT_CHROMIUM overrides), or None when there is none."""
    for candidate in (os.environ.get("CTKIT_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def skip_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return ("no Chromium at /usr/bin/chromium: run `make browser-deps` "
                "(apt-get install chromium)")
    return None


@dataclass
class PageLog:
    """What the page reported while it loaded and ran."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@contextmanager
def browser() -> Iterator[Any]:
    """A launched headless Chromium (playwright Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def open_page(b: Any, path: str | Path, *, width: int = 1200,
              height: int = 900) -> Iterator[tuple[Any, PageLog]]:
    """`path` opened in a fresh page of browser `b` with only file:// requests allowed."""
    log = PageLog()
    page = b.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            log.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        yield page, log
    finally:
        page.close()


#: JS: per plotly div, what it drew (called once all plots have settled)
DRAWN_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  id: gd.id,
  traces: (gd.data || []).length,
  choropleth: gd.querySelectorAll('.geolayer path.choroplethlocation').length,
  lines: gd.querySelectorAll('.scatterlayer path.js-line').length,
  points: gd.querySelectorAll('.scatterlayer path.point, .geolayer path.point').length,
  bars: gd.querySelectorAll('.barlayer path').length,
  heatmap: gd.querySelectorAll('.heatmaplayer image').length,
}))"""

#: JS: true once every plotly div on the page has finished its first draw
SETTLED_JS = """() => {
  const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
  return divs.length > 0 && divs.every(gd => gd._fullLayout && !gd._transitioning
      && (!gd._promises || gd._promises.length === 0) && gd.querySelector('.main-svg'));
}"""


def drawn(page: Any, *, timeout_ms: int = 60_000) -> list[dict]:
    """Wait until every plotly figure on `page` has drawn; return what each one drew."""
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms)
    page.wait_for_timeout(300)  # choropleth paths are appended after the promise settles
    return page.evaluate(DRAWN_JS)
