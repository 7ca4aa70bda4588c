"""The Map page in headless Chromium: a town opens its popup over an event cluster, an event at the
town's own point stays clickable, the legend leaves the Euphrates valley visible (issue 10).

Every wait is on a condition with a deadline (``tests/browser/_waits.py``), never a fixed delay.
"""

from __future__ import annotations

from pathlib import Path

from _waits import map_frame, poll, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ALBAB = (36.37051, 37.5157)
ALBAB_URL = f"/?date=2017-03-01&start=2017-02-01&end=2017-02-28&lat={ALBAB[0]}&lon={ALBAB[1]}&z=10"

# The Al-Bab town marker: its centre in the frame's coordinates, ring radius and Leaflet id; plus
# whether an event marker or a cluster icon lies under its centre (the audit's case).
_TOWN_JS = """(name) => {
  const m = window.map, box = m.getContainer().getBoundingClientRect();
  let out = null;
  m.eachLayer(l => {
    if (l.options && l.options.scmKind === 'town' && l.options.scmName === name && l.getElement()) {
      const p = m.latLngToContainerPoint(l.getLatLng());
      out = {x: p.x + box.x, y: p.y + box.y, r: l.options.scmRadius, id: L.stamp(l), zoom: m.getZoom()};
    }
  });
  if (!out) return null;
  out.under = Array.from(document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')).some(e => {
    const r = e.getBoundingClientRect();
    return r.left <= out.x && out.x <= r.right && r.top <= out.y && out.y <= r.bottom;
  });
  return out;
}"""
_POPUP_JS = """([kind, text]) => { const p = window.map._popup;
  return !!(p && window.map.hasLayer(p) && p._source && p._source.options.scmKind === kind
            && document.querySelector('.leaflet-popup-content').textContent.includes(text)); }"""
# What takes a click at a point of the frame: the town ring, or something else.
_HIT_JS = """([x, y]) => { const e = document.elementFromPoint(x, y);
  return e ? (e.closest('.scm-town') ? 'town' : (e.closest('.leaflet-marker-icon') ? 'icon' : e.tagName)) : null; }"""


def _page_point(frame, x: float, y: float) -> tuple[float, float]:
    box = frame.frame_element().bounding_box()
    return x + box["x"], y + box["y"]


def test_albab_town_popup_opens_over_the_event_cluster_and_its_events_stay_clickable(app_url, watched):
    page = watched.page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + ALBAB_URL)
    frame = map_frame(page)
    frame.frame_element().scroll_into_view_if_needed()
    town = poll(page, lambda: (t := frame.evaluate(_TOWN_JS, "Al-Bab")) and t["zoom"] == 10 and t, 30)
    assert town, "no Al-Bab town marker at zoom 10"
    wait_idle(page)
    town = frame.evaluate(_TOWN_JS, "Al-Bab")
    page.screenshot(path=str(ARTIFACTS / "map-albab-z10.png"))
    assert town["under"], "no event cluster under Al-Bab: the audit's case is not reproduced"
    # 1. The ring takes the click although a cluster icon lies under the town.
    ring = (town["x"] + town["r"] - 2.5, town["y"])
    assert frame.evaluate(_HIT_JS, list(ring)) == "town"
    page.mouse.click(*_page_point(frame, *ring))
    assert poll(page, lambda: frame.evaluate(_POPUP_JS, ["town", "Held on 2017-03-01"]), 10), "no town popup"
    frame.evaluate("() => { window.map.closePopup(); }")
    # 2. Events at the town's exact point: the ring's middle lets the click through to them.
    frame.evaluate(f"() => {{ window.map.setView([{ALBAB[0]}, {ALBAB[1]}], 13, {{animate: false}}); }}")
    town = poll(page, lambda: (t := frame.evaluate(_TOWN_JS, "Al-Bab")) and t["zoom"] == 13 and t, 10)
    assert town, "the map did not zoom to 13"
    assert frame.evaluate(_HIT_JS, [town["x"], town["y"]]) != "town"
    page.mouse.click(*_page_point(frame, town["x"], town["y"]))
    assert poll(page, lambda: frame.evaluate(_POPUP_JS, ["event", "Date"]), 10), "no event popup inside the ring"
    page.screenshot(path=str(ARTIFACTS / "map-albab-z13-event.png"))
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"


# The legend's box in the frame, whether it is open, and which of the given points it covers.
_LEGEND_JS = """(pts) => {
  const m = window.map, box = m.getContainer().getBoundingClientRect();
  const el = document.querySelector('.scm-legend');
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const covered = pts.filter(([lat, lon]) => {
    const p = m.latLngToContainerPoint([lat, lon]);
    const x = p.x + box.x, y = p.y + box.y;
    return r.left <= x && x <= r.right && r.top <= y && y <= r.bottom;
  });
  return {open: el.querySelector('details').open, covered, zoom: m.getZoom(),
          legend: [r.left - box.x, r.top - box.y, r.right - box.x, r.bottom - box.y].map(Math.round),
          map: [m.getSize().x, m.getSize().y, Math.round(box.width), Math.round(box.height)]};
}"""
# Permanent town labels: text and box in the frame.
_LABELS_JS = """() => Array.from(document.querySelectorAll('.leaflet-tooltip.scm-label')).map(e => {
  const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""
#: The Euphrates valley, from the Turkish border to Abu Kamal.
EUPHRATES = [(36.83, 38.01), (36.33, 38.2), (35.95, 39.01), (35.83, 39.5), (35.34, 40.14), (35.02, 40.45),
             (34.45, 40.92)]


def test_legend_and_labels_leave_the_map_readable_at_the_default_view(app_url, watched):
    page = watched.page
    for width, height in ((1440, 900), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(app_url + "/")
        frame = map_frame(page)
        state = poll(page, lambda f=frame: f.evaluate(_LEGEND_JS, [list(p) for p in EUPHRATES]), 30)
        assert state and state["zoom"] == 7, state
        wait_idle(page)
        # the legend is placed again as the frame takes its final size: wait until it has
        poll(page, lambda f=frame: not f.evaluate(_LEGEND_JS, [list(p) for p in EUPHRATES])["covered"], 10)
        state = frame.evaluate(_LEGEND_JS, [list(p) for p in EUPHRATES])
        page.screenshot(path=str(ARTIFACTS / f"map-legend-{width}x{height}.png"))
        assert state["covered"] == [], f"{width}x{height}: the legend covers {state['covered']} ({state})"
        # the town names shown at the default view, as the browser lays them out, never overlap
        labels = frame.evaluate(_LABELS_JS)
        assert len(labels) >= 5, labels
        clashes = [(a[0], b[0]) for i, a in enumerate(labels) for b in labels[i + 1:]
                   if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]
        assert clashes == [], f"{width}x{height}: overlapping labels {clashes}"
