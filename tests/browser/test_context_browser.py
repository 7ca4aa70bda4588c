"""The geographic context on the Map page in headless Chromium (issue 10, "offline geographic context").

Drawn offline (no request leaves 127.0.0.1), under the zones: its shapes in an SVG of their own
in a low pane, its names in a pane between them and the map's one shared canvas; nothing of it
takes a click, and the map still has a single canvas (``layers/canvas.py``).
"""

from __future__ import annotations

from pathlib import Path

from _waits import map_frame, poll, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

CONTEXT_JS = """() => {
  const m = window.map, shapes = m.getPane('scmContextShapes'), names = m.getPane('scmContextLabels');
  if (!shapes || !names) return null;
  const z = p => Number(getComputedStyle(p).zIndex);
  const labels = Array.from(names.querySelectorAll('.scm-context-label'));
  const hits = labels.map(e => { const r = e.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!(top && top.closest('.scm-context-label')); });
  return {
    labels: labels.map(e => e.textContent),
    paths: shapes.querySelectorAll('svg path').length,
    z: [z(shapes), z(names), z(m.getPane('overlayPane'))],
    canvases: document.querySelectorAll('.leaflet-container canvas').length,
    clickable: hits.filter(Boolean).length,
  };
}"""


def test_map_page_draws_the_context_offline_under_the_zones(app_url, watched):
    page = watched.page
    page.goto(app_url + "/")
    frame = map_frame(page)
    ctx = poll(page, lambda: (c := frame.evaluate(CONTEXT_JS)) and len(c["labels"]) >= 18 and c, 60)
    assert ctx, frame.evaluate(CONTEXT_JS)
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "map-context.png"))
    for name in ("Euphrates", "Tigris", "Orontes (Asi)", "Khabur", "Balikh", "Lake Assad", "M4", "M5", "M20",
                 "TURKEY", "IRAQ", "JORDAN", "LEBANON", "ISRAEL", "Mediterranean Sea"):
        assert name in ctx["labels"], name
    assert ctx["paths"] == 10  # outside shading, lake, 3 highways, 5 rivers
    assert ctx["z"][0] < ctx["z"][1] < ctx["z"][2]  # shapes < names < the canvas of zones and events
    assert ctx["canvases"] == 1  # still one canvas for the mouse
    assert ctx["clickable"] == 0  # no name takes a click
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
