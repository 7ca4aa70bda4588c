"""The app in headless Chromium, offline: map drawn, counts right, sliders update in place."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Counts what the Leaflet map in the component iframe holds.  Zones and boundaries are GeoJSON
# features (feature.properties.kind); events and towns are circle markers tagged
# options.scmKind, counted through their cluster groups when clustered.
COUNT_JS = """() => {
  const m = window.map;
  if (!m) return null;
  const c = {zone: 0, town: 0, event: 0, boundary: 0, zoneSig: []};
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.kind) {
      c[p.kind] = (c[p.kind] || 0) + 1;
      if (p.kind === 'zone') c.zoneSig.push(p.party + ':' + JSON.stringify(l.getLatLngs()).length);
      return;
    }
    const k = l.options && l.options.scmKind;
    if (!k) return;
    if (typeof l.getLayers === 'function') c[k] += l.getLayers().length;   // a cluster group
    else if (!l.__parent) c[k] += 1;                                        // a marker on the map itself
  });
  c.zoneSig.sort();
  c.zoneSig = c.zoneSig.join('|');
  return c;
}"""
WINDOW = ("2016-12-01", "2017-03-31")


def _map_frame(page, timeout_s: float = 60):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.query_selector(".leaflet-container") and f.evaluate("() => !!window.map"):
                    return f
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        page.wait_for_timeout(100)
    raise AssertionError("no Leaflet map appeared in any frame")


def _counts(page, frame, until=lambda c: True, timeout_s: float = 30):
    deadline = time.time() + timeout_s
    last = None
    while time.time() < deadline:
        last = frame.evaluate(COUNT_JS)
        if last and until(last):
            return last
        page.wait_for_timeout(150)
    return last


def _wait_idle(page, timeout_s: float = 30):
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(300)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if not page.query_selector('[data-testid="stStatusWidget"]'):
            return
        page.wait_for_timeout(150)


def _expected():
    import tempfile
    from pathlib import Path

    from geo.catalog import Catalog

    cat = Catalog(Path(tempfile.mkdtemp()) / "empty.gpkg")
    zones = cat.zones("2016-12-30")
    events = cat.events()
    day = events["date_start"]
    in_window = (day >= WINDOW[0]) & (day <= WINDOW[1])
    placed = events["geo_precision"].isin(["exact", "near", "district", "governorate", ""])
    return {
        "zones": int((~zones.geometry.is_empty).sum()),
        "events": int((in_window & placed & ~events.geometry.is_empty).sum()),
        "first_day_events": int((placed & (day == WINDOW[0]) & ~events.geometry.is_empty).sum()),
        "all_events": int(in_window.sum()),
        "first_day_all": int((day == WINDOW[0]).sum()),
    }


def _real_errors(errors: list[str]) -> list[str]:
    """Console errors minus Streamlit's own base-path probes on a deep link.

    Opening /rules directly, Streamlit's frontend first tries /rules/_stcore/host-config and
    /rules/_stcore/health (404) before settling on the server root; each probe also logs a generic
    "Failed to load resource ... 404".  Those, and only as many generic lines as probes, are dropped.
    """
    probes = [e for e in errors if re.fullmatch(r"HTTP 404 http://127\.0\.0\.1:\d+/[a-z_]+/_stcore/(host-config|health)", e)]
    rest = [e for e in errors if e not in probes]
    generic = "Failed to load resource: the server responded with a status of 404 (Not Found)"
    for _ in probes:
        if generic in rest:
            rest.remove(generic)
    return rest


def _sidebar_events(page) -> int:
    metric = page.locator('[data-testid="stSidebar"] [data-testid="stMetric"]').filter(has_text="Events").first
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_deep_link_first_after_server_start(app_url, watched):
    """Runs first on a fresh server: a deep link still gets the app shell (navigation, sidebar, URL)."""
    page = watched.page
    page.goto(app_url + "/rules?date=2017-02-06")
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stMetric"]', timeout=60000)
    _wait_idle(page, 60)
    assert page.get_by_role("link", name="Control change", exact=True).count() == 1  # our navigation
    assert not page.query_selector('[data-testid="stException"]')
    assert "date=2017-02-06" in page.url
    assert watched.external == [] and _real_errors(watched.errors) == [], (watched.external, watched.errors)


def test_map_page_offline_counts_and_sliders(app_url, watched):
    page = watched.page
    expected = _expected()
    sent: list[int] = []  # frames the browser sends to the server (a rerun request is one)
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    t0 = time.time()
    page.goto(app_url + "/")
    frame = _map_frame(page)
    c = _counts(page, frame, until=lambda c: c["zone"] >= expected["zones"] and c["event"] >= expected["events"])
    rendered_s = time.time() - t0
    print(f"\nmap page rendered in {rendered_s:.2f} s: {c}")
    _wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "map-initial.png"))

    assert c["zone"] == expected["zones"] > 0
    assert c["event"] == expected["events"] > 0
    caption = page.get_by_text(re.compile(r"Cited towns: \d+")).first.inner_text()
    towns = int(re.search(r"Cited towns: (\d+)", caption).group(1))
    assert c["town"] == towns > 0
    assert c["boundary"] >= 14  # governorates (+ country outline)
    assert _sidebar_events(page) == expected["all_events"]

    # Panning and zooming the map sends nothing to the server (no rerun): returned_objects=[].
    n_sent = len(sent)
    frame.evaluate("() => { window.map.panBy([120, 80]); window.map.zoomIn(); }")
    page.wait_for_timeout(1500)
    frame.evaluate("() => { window.map.fire('click', {latlng: window.map.getCenter()}); }")
    page.wait_for_timeout(1000)
    assert len(sent) == n_sent, "panning or clicking the map made the app rerun"

    # Mark the iframe's window and change the view: both must survive slider moves.
    frame.evaluate("() => { window.__scm_probe = 42; window.map.setView([36.2, 37.1], 9); }")
    before = c

    # Control date: focus the slider's (hidden) range input and press End -> 2017-03-31.
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    page.keyboard.press("End")
    c2 = _counts(page, frame, until=lambda c: c["zoneSig"] != before["zoneSig"])
    assert c2["zoneSig"] != before["zoneSig"], "zones did not change with the control date"
    assert frame.evaluate("() => window.__scm_probe") == 42, "the map iframe was reloaded"
    assert frame.evaluate("() => window.map.getZoom()") == 9
    centre = frame.evaluate("() => window.map.getCenter()")
    assert abs(centre["lat"] - 36.2) < 0.01 and abs(centre["lng"] - 37.1) < 0.01
    _wait_idle(page)
    assert "2017-03-31" in page.url or "date=2017-03-31" in page.url

    # Event range: move the end thumb all the way to the start -> only the first day's events.
    page.locator('input[type="range"][aria-label="Events between — end"]').focus()
    page.keyboard.press("Home")
    c3 = _counts(page, frame, until=lambda c: c["event"] == expected["first_day_events"])
    assert c3["event"] == expected["first_day_events"] < expected["events"]
    assert frame.evaluate("() => window.__scm_probe") == 42
    _wait_idle(page)
    assert _sidebar_events(page) == expected["first_day_all"]  # the key figures follow the range
    page.screenshot(path=str(ARTIFACTS / "map-after-sliders.png"))

    # One day later with the keyboard: movable by day.
    page.keyboard.press("ArrowRight")
    _wait_idle(page)
    page.wait_for_function("() => window.location.search.includes('end=2016-12-02')", timeout=20000)

    # The view survives a page switch: Streamlit clears query parameters, the app puts them back.
    page.get_by_role("link", name="Trends", exact=True).click()
    page.wait_for_function(
        "() => location.pathname.endsWith('/trends') && location.search.includes('date=2017-03-31')"
        " && location.search.includes('end=2016-12-02')",
        timeout=30000,
    )

    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"


def test_map_popup_is_text_only(app_url, watched):
    """Open an event popup: it shows text and runs no markup."""
    page = watched.page
    page.goto(app_url + "/?start=2016-12-01&end=2017-03-31")
    frame = _map_frame(page)
    _counts(page, frame, until=lambda c: c["event"] > 0)
    html = frame.evaluate(
        """() => { let h = null; window.map.eachLayer(l => {
             if (!h && typeof l.getLayers === 'function' && l.options.scmKind === 'event') {
               const mk = l.getLayers()[0]; const c = mk.getPopup().getContent();
               h = typeof c === 'function' ? c(mk) : c; } }); return h; }"""
    )
    assert html and "<table>" in html and "<script" not in html.lower()


PAGE_LINKS = {"trends": "Trends", "control": "Control change", "sources": "Sources", "data": "Data", "rules": "Rules"}


@pytest.mark.parametrize("path", list(PAGE_LINKS))
def test_other_pages_open_without_error(app_url, watched, path):
    """Open the app, then each page through the sidebar navigation, as a user does."""
    page = watched.page
    page.goto(app_url + "/")
    _map_frame(page)
    page.get_by_role("link", name=PAGE_LINKS[path], exact=True).click()
    page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=30000)
    page.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3, '
                           '[data-testid="stAlert"]', timeout=60000)
    _wait_idle(page, 60)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"page-{path}.png"))
    assert not page.query_selector('[data-testid="stException"]'), f"{path}: an exception is shown"
    assert page.get_by_text("Towns affected").count() >= 1, "the shared sidebar is missing"
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"


XSS_PLACE = '<img src=x onerror="window.__xss=1">${window.__xss=2}`</script><script>window.__xss=3</script>'


def test_hostile_text_in_imported_data_stays_text(app_url, watched, tmp_path):
    """An imported event whose place and actor are markup: shown as text, never run (map and page)."""
    import csv
    import os

    from geo.importers import import_file

    store = os.environ.get("MONITOR_STORE_FOR_TESTS")  # set by the app_url fixture
    header = ["id", "year", "type_of_violence", "side_a", "side_b", "source_article", "source_office",
              "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "adm_1",
              "adm_2", "latitude", "longitude", "date_prec", "date_start", "date_end", "deaths_civilians", "low",
              "best", "high"]
    row = ["990001", "2017", "1", XSS_PLACE, "Syrian insurgents", "", "SOHR", "2017-01-15", "", "", "1", XSS_PLACE,
           "", "", "36.2", "37.16", "1", "2017-01-15", "2017-01-15", "0", "1", "2", "3"]
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, row])
    import_file("ucdp", path, store)
    try:
        page = watched.page
        page.goto(app_url + "/?start=2017-01-15&end=2017-01-15")
        frame = _map_frame(page)
        _counts(page, frame, until=lambda c: c["event"] >= 1)
        content = frame.evaluate(
            """() => { let out = null; window.map.eachLayer(l => {
                 if (typeof l.getLayers === 'function' && l.options.scmKind === 'event') {
                   l.getLayers().forEach(mk => { const c = mk.getPopup().getContent();
                     const h = typeof c === 'function' ? c(mk) : c;
                     if (h.includes('990001')) { out = h; mk.openPopup(); } }); } }); return out; }"""
        )
        assert content and "&lt;img src=x" in content and "&#36;&#123;window.__xss=2&#125;" in content
        page.wait_for_timeout(500)
        # open the events table too (Streamlit's own rendering of the same text)
        page.get_by_text(re.compile(r"^Events in the selection")).click()
        page.wait_for_timeout(800)
        assert frame.evaluate("() => window.__xss") is None
        assert page.evaluate("() => window.__xss") is None
        page.screenshot(path=str(ARTIFACTS / "map-hostile-text.png"))
        assert watched.errors == [], watched.errors
    finally:
        from pathlib import Path

        Path(store).unlink(missing_ok=True)  # back to the shipped data for the tests that follow


# --- the map's centre and zoom in the address bar ---------------------------------------------------
def _url_view(url: str) -> tuple[str | None, str | None, str | None]:
    from urllib.parse import parse_qs, urlsplit

    q = parse_qs(urlsplit(url).query)
    return tuple(q[k][0] if k in q else None for k in ("lat", "lon", "z"))


def _map_view(frame) -> tuple[float, float, int]:
    v = frame.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }")
    return round(v[0], 5), round(v[1], 5), int(v[2])


def _wait_url_view(page, lat: float, lon: float, z: int, timeout_ms: int = 15000) -> None:
    page.wait_for_function(
        """([lat, lon, z]) => { const q = new URLSearchParams(location.search);
             return Number(q.get('lat')) === lat && Number(q.get('lon')) === lon && Number(q.get('z')) === z; }""",
        arg=[lat, lon, z], timeout=timeout_ms,
    )


def test_pan_and_zoom_go_to_the_address_bar_without_a_rerun(app_url, watched, browser):
    page = watched.page
    sent: list[int] = []  # frames the browser sends to the server (a rerun request is one)
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    page.goto(app_url + "/?date=2017-01-10")
    frame = _map_frame(page)
    _counts(page, frame, until=lambda c: c["zone"] > 0)
    _wait_idle(page)
    page.wait_for_timeout(500)
    assert _url_view(page.url) == (None, None, None)  # default view: not in the link
    frame.evaluate("() => { window.__scm_probe = 7; }")

    # 1. A pan and zoom by the map's own API: the address bar follows, nothing is sent.
    n_sent = len(sent)
    frame.evaluate("() => { window.map.setView([36.2, 37.15], 9); }")
    page.wait_for_timeout(600)
    v1 = _map_view(frame)
    assert abs(v1[0] - 36.2) < 0.01 and abs(v1[1] - 37.15) < 0.01 and v1[2] == 9
    _wait_url_view(page, *v1)
    assert "date=2017-01-10" in page.url  # the other parameters are kept
    # 2. A mouse drag and a wheel zoom, as a user does.
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 80, y + 40, steps=8)
    page.mouse.move(x - 160, y + 90, steps=8)
    page.mouse.up()
    page.wait_for_timeout(600)
    dragged = _map_view(frame)
    assert abs(dragged[1] - v1[1]) > 0.05 and dragged[2] == 9
    _wait_url_view(page, *dragged)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(1200)
    zoomed = _map_view(frame)
    assert zoomed[2] > 9, zoomed
    _wait_url_view(page, *zoomed)
    page.wait_for_timeout(800)
    assert len(sent) == n_sent, "panning or zooming the map made the app rerun"
    assert frame.evaluate("() => window.__scm_probe") == 7

    # 3. The next run (a slider move) keeps the view, on the map and in the URL and the share link.
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    page.keyboard.press("End")
    page.wait_for_function("() => location.search.includes('date=2017-03-31')", timeout=30000)
    _wait_idle(page)
    page.wait_for_timeout(800)
    assert frame.evaluate("() => window.__scm_probe") == 7, "the map iframe was reloaded"
    after = _map_view(frame)
    assert abs(after[0] - zoomed[0]) < 1e-4 and abs(after[1] - zoomed[1]) < 1e-4 and after[2] == zoomed[2]
    _wait_url_view(page, *zoomed)
    page.get_by_text("Share and export this view").click()
    page.wait_for_timeout(800)
    link = next(c for c in page.locator('[data-testid="stCode"] code').all_inner_texts() if "view=briefing" not in c)
    assert [float(v) for v in _url_view(link)] == [float(v) for v in zoomed], link
    page.screenshot(path=str(ARTIFACTS / "map-panned.png"))

    # 3b. A pan while a run is under way (the run started before the pan reached the address
    # bar, and writes its own view at its end): the map is not moved back, and the address bar
    # ends up with the map's view.
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    n_sent = len(sent)
    page.keyboard.press("ArrowLeft")
    deadline = time.time() + 10
    while len(sent) == n_sent and time.time() < deadline:  # until the run request has left
        page.wait_for_timeout(20)
    assert len(sent) > n_sent, "the slider move sent nothing"
    frame.evaluate("() => { window.map.setView([36.0, 37.5], 10); }")
    page.wait_for_function("() => location.search.includes('date=2017-03-30')", timeout=30000)
    _wait_idle(page)
    page.wait_for_timeout(1000)
    raced = _map_view(frame)
    assert abs(raced[0] - 36.0) < 0.01 and abs(raced[1] - 37.5) < 0.01 and raced[2] == 10, raced
    _wait_url_view(page, *raced, timeout_ms=8000)
    assert frame.evaluate("() => window.__scm_probe") == 7

    # 4. Pan, then switch page straight away (no run in between): the view goes along and back.
    frame.evaluate("() => { window.map.setView([35.5, 36.8], 8); }")
    page.wait_for_timeout(600)
    v4 = _map_view(frame)  # Leaflet snaps the centre to whole pixels
    assert abs(v4[0] - 35.5) < 0.01 and abs(v4[1] - 36.8) < 0.01 and v4[2] == 8
    _wait_url_view(page, *v4)
    page.get_by_role("link", name="Trends", exact=True).click()
    page.wait_for_function("() => location.pathname.endsWith('/trends')", timeout=30000)
    _wait_idle(page)
    page.wait_for_function("() => location.search.includes('date=2017-03-30')", timeout=30000)
    _wait_url_view(page, *v4)
    page.get_by_role("link", name="Map", exact=True).click()
    frame = _map_frame(page)
    _wait_idle(page)
    page.wait_for_timeout(800)
    back = _map_view(frame)
    assert abs(back[0] - v4[0]) < 1e-3 and abs(back[1] - v4[1]) < 1e-3 and back[2] == 8
    _wait_url_view(page, *v4)
    link_url = page.url

    # 5. The link in a fresh browser opens the map at that centre and zoom.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = context.new_page()
        fresh.goto(link_url)
        f2 = _map_frame(fresh)
        _wait_idle(fresh)
        fresh.wait_for_timeout(500)
        opened = _map_view(f2)
        assert abs(opened[0] - v4[0]) < 1e-3 and abs(opened[1] - v4[1]) < 1e-3 and opened[2] == 8
        assert fresh.url == link_url and "date=2017-03-30" in link_url  # not rewritten on opening
        fresh.screenshot(path=str(ARTIFACTS / "map-link-opened.png"))
    finally:
        context.close()
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"


# --- hover and click through the one shared canvas (zones/districts under the markers) ---------
HOVER_DATE = "2017-01-10"
#: Points of the Badia desert round 34.6 N 39.5 E (large district and zone, few events).
HOVER_AREA = (34.6, 39.5)

# Container points of the candidate places, and the distance (px) from each to the nearest
# event/town marker drawn or cluster icon shown; [-1, -1, -1] when off the map.
_CLEARANCE_JS = """(cands) => {
  const m = window.map, size = m.getSize(), box = m.getContainer().getBoundingClientRect();
  const taken = [];
  m.eachLayer(l => {
    const k = l.options && l.options.scmKind;
    if ((k === 'event' || k === 'town') && typeof l.getRadius === 'function') {
      taken.push([m.latLngToContainerPoint(l.getLatLng()), l.getRadius()]);
    }
  });
  document.querySelectorAll('.leaflet-marker-icon').forEach(e => {
    const r = e.getBoundingClientRect();
    taken.push([L.point(r.x + r.width / 2 - box.x, r.y + r.height / 2 - box.y), Math.max(r.width, r.height) / 2]);
  });
  return cands.map(([lat, lon]) => {
    const p = m.latLngToContainerPoint([lat, lon]);
    if (p.x < 20 || p.y < 20 || p.x > size.x - 20 || p.y > size.y - 20) return [-1, -1, -1];
    let d = Infinity;
    taken.forEach(([q, r]) => { d = Math.min(d, p.distanceTo(q) - r); });
    return [p.x + box.x, p.y + box.y, d];
  });
}"""

# Ranks of the shapes in the shared canvas, bottom to top, and how many canvases the map has.
_CANVAS_JS = """() => {
  const m = window.map, r = m.options.renderer, ranks = {district: 10, zone: 20, boundary: 30, event: 40, town: 50};
  const kinds = [];
  for (let o = r && r._drawFirst; o; o = o.next) kinds.push(o.layer.options.scmKind || '');
  const order = kinds.map(k => ranks[k] === undefined ? 20 : ranks[k]);
  return {canvases: document.querySelectorAll('.leaflet-container canvas').length,
          shared: !!(r && r.options.scmShared), kinds: Array.from(new Set(kinds)),
          sorted: order.every((v, i) => i === 0 || order[i - 1] <= v)};
}"""

# A marker of `kind` ('event', 'town' or 'icon' for a cluster icon) at least `gap` px from every
# other marker and cluster icon (those of the kinds in `under`, drawn below it, excepted; one
# overlapping such a marker is preferred).  Returns its coordinates in the frame, its leaflet id
# (null for an icon) and whether it overlaps one of `under`.
_LONE_MARKER_JS = """([kind, gap, under]) => {
  const m = window.map, size = m.getSize(), box = m.getContainer().getBoundingClientRect();
  const pts = [], own = new Set();
  const centre = e => { const r = e.getBoundingClientRect();
    return [L.point(r.x + r.width / 2 - box.x, r.y + r.height / 2 - box.y), Math.max(r.width, r.height) / 2]; };
  m.eachLayer(l => {
    const k = l.options && l.options.scmKind;
    if (k !== 'event' && k !== 'town') return;
    if (typeof l.getRadius === 'function') {           // a canvas circle marker
      pts.push({l, k, p: m.latLngToContainerPoint(l.getLatLng()), r: l.getRadius()});
    } else if (typeof l.getElement === 'function' && l.getElement()) {   // a DOM dot
      const [p, r] = centre(l.getElement());
      own.add(l.getElement());
      pts.push({l, k, p, r});
    }
  });
  document.querySelectorAll('.leaflet-marker-icon').forEach(e => {   // cluster icons
    if (own.has(e)) return;
    const [p, r] = centre(e);
    pts.push({l: null, k: 'icon', p, r});
  });
  let found = null;
  for (const a of pts) {
    if (a.k !== kind || a.p.x < 40 || a.p.y < 40 || a.p.x > size.x - 40 || a.p.y > size.y - 40) continue;
    if (pts.every(b => b === a || under.includes(b.k) || a.p.distanceTo(b.p) - b.r - a.r > gap)) {
      const over = pts.some(b => under.includes(b.k) && a.p.distanceTo(b.p) < b.r);
      if (!found || (over && !found.over)) found = {x: a.p.x + box.x, y: a.p.y + box.y, id: a.l && L.stamp(a.l), over};
    }
  }
  return found;
}"""

_TOOLTIP_JS = """(text) => Array.from(document.querySelectorAll('.leaflet-tooltip:not(.scm-label)'))
  .some(e => e.textContent.includes(text))"""
_POPUP_JS = """([id, text]) => { const p = window.map._popup;
  return !!(p && window.map.hasLayer(p) && p._source && L.stamp(p._source) === id
            && document.querySelector('.leaflet-popup-content').textContent.includes(text)); }"""


def _hover_candidates(date: str):
    """Places near :data:`HOVER_AREA` well inside one district and one zone (shipped data), with
    the district's English name and the zone's party label each tooltip must show."""
    import tempfile

    from shapely.geometry import Point

    from geo.catalog import Catalog
    from geo.schema import PARTIES

    cat = Catalog(Path(tempfile.mkdtemp()) / "empty.gpkg")
    districts, zones = cat.boundaries(2), cat.zones(date)
    out = []
    for dlat in (0.0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3):
        for dlon in (0.0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3):
            p = Point(HOVER_AREA[1] + dlon, HOVER_AREA[0] + dlat)
            d = districts[districts.contains(p)]
            z = zones[zones.contains(p)]
            # 0.1 degree (about 10 km) from either outline, measured on the shapes themselves
            if len(d) == 1 and len(z) == 1 and min(g.iloc[0].boundary.distance(p) for g in (d.geometry, z.geometry)) > 0.1:
                out.append(((p.y, p.x), d["name_en"].iloc[0], PARTIES[z["party"].iloc[0]]))
    assert out, "no place near 34.6 N 39.5 E lies well inside one district and one zone"
    return out


def _hover_until(page, frame, x: float, y: float, script: str, arg, timeout_s: float = 10) -> bool:
    """Move the mouse onto (x, y) (page coordinates) and wait until ``script(arg)`` holds in the frame."""
    page.mouse.move(x - 6, y - 4)
    page.mouse.move(x, y, steps=4)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if frame.evaluate(script, arg):
            return True
        page.wait_for_timeout(100)
    return False


def _hover_settle(page, frame, timeout_s: float = 5) -> None:
    """Wait until the map's view holds still for two polls (a popup's auto-pan has ended)."""
    centre = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
    last, deadline = None, time.time() + timeout_s
    while time.time() < deadline:
        page.wait_for_timeout(150)
        now = frame.evaluate(centre)
        if now == last:
            return
        last = now


@pytest.mark.parametrize("choro", ["events", "off"])
def test_zone_and_district_tooltips_show_under_markers_and_markers_still_click(app_url, watched, choro):
    """With events and towns on, hovering empty ground shows the district (choropleth) or zone
    tooltip, and event and town markers still open their popups: one canvas draws them all."""
    page = watched.page
    query = f"/?date={HOVER_DATE}" + ("&choro=events" if choro != "off" else "")
    page.set_viewport_size({"width": 1400, "height": 1400})  # the whole map in view
    page.goto(app_url + query)
    frame = _map_frame(page)
    want = "district" if choro != "off" else "zone"
    c = _counts(page, frame, until=lambda c: c.get(want, 0) > 0 and c["event"] > 0 and c["town"] > 0
                and c["boundary"] > 0)
    assert c[want] > 0 and c["event"] > 0 and c["town"] > 0 and c["boundary"] > 0, c
    _wait_idle(page)
    page.mouse.move(5, 5)

    # 1. Empty ground in the desert: the tooltip of what lies there.
    cands = _hover_candidates(HOVER_DATE)
    spots = frame.evaluate(_CLEARANCE_JS, [list(ll) for ll, _d, _z in cands])
    clear = [(s, d, z) for s, (_ll, d, z) in zip(spots, cands, strict=True) if s[2] > 30]
    assert clear, f"every place near {HOVER_AREA} has a marker within 30 px: {spots}"
    (x, y, _gap), district, party = clear[0]
    frame_box = frame.frame_element().bounding_box()  # the scripts give points in the frame
    x, y = x + frame_box["x"], y + frame_box["y"]
    expected = district if choro != "off" else party
    shown = _hover_until(page, frame, x, y, _TOOLTIP_JS, expected)
    page.screenshot(path=str(ARTIFACTS / f"map-hover-{choro}.png"))
    assert shown, f"no tooltip with {expected!r} on hovering {HOVER_AREA} ({choro})"
    # One canvas (a second one would take the mouse), shapes ranked districts < zones < boundaries < events.
    canvas = frame.evaluate(_CANVAS_JS)
    assert canvas["canvases"] == 1 and canvas["shared"], canvas
    assert canvas["sorted"], f"shapes not drawn in rank order: {canvas['kinds']}"

    # 2. A lone event marker and a lone town marker open their own popups on click.
    # A town over an event marker or a cluster icon (preferred when there is one) opens its own popup.
    for kind, text, under in (("event", "Date", []), ("town", "Governorate", ["event", "icon"])):
        spot = frame.evaluate(_LONE_MARKER_JS, [kind, 4, under])
        assert spot, f"no {kind} marker drawn apart from the others"
        assert kind != "town" or spot["over"], "no town over an event marker or cluster icon to test the order"
        x, y = spot["x"] + frame_box["x"], spot["y"] + frame_box["y"]
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        deadline = time.time() + 10
        while time.time() < deadline and not frame.evaluate(_POPUP_JS, [spot["id"], text]):
            page.wait_for_timeout(100)
        assert frame.evaluate(_POPUP_JS, [spot["id"], text]), f"clicking a {kind} marker opened no popup"
        frame.evaluate("() => { window.map.closePopup(); }")
        _hover_settle(page, frame)  # the popup may have panned the map into view
    # 3. Cluster icons (DOM, above the canvas) still take their clicks: the map zooms in or spiderfies.
    spot = frame.evaluate(_LONE_MARKER_JS, ["icon", 4, ["event"]])
    assert spot, "no cluster icon apart from the other markers"
    zoom = frame.evaluate("() => window.map.getZoom()")
    page.mouse.click(spot["x"] + frame_box["x"], spot["y"] + frame_box["y"])
    deadline = time.time() + 10
    opened = """(z) => { let spider = false;
      window.map.eachLayer(l => { if (l._spiderfied) spider = true; });   // a cluster group's open spider
      return window.map.getZoom() > z || spider; }"""
    while time.time() < deadline and not frame.evaluate(opened, zoom):
        page.wait_for_timeout(100)
    assert frame.evaluate(opened, zoom), "clicking a cluster icon neither zoomed in nor spiderfied"
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"
