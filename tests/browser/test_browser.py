"""The app in headless Chromium, offline: map drawn, counts right, sliders update in place.

Every wait is on a condition with a deadline (``tests/browser/_waits.py``), never a fixed delay.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from _waits import frame_with, map_frame, poll, wait_idle

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

# streamlit-folium (its frontend/src/index.tsx) sends the map's state to the app from a function
# it debounces by 250 ms (updateComponentValue): it first reads __GLOBAL_DATA__.previous_data,
# then calls Streamlit.setComponentValue -- a rerun -- only when the returned objects changed
# (never with the app's returned_objects=[]).  This watch counts those runs and calls, and the
# map's moves, so a test waits until the debounced update has run after the last move (instead
# of sleeping past the debounce) and then knows whether the map asked for a rerun.  Test-only
# use of the component's frame globals (``webapp.internals`` lists the app's own).
WATCH_COMPONENT_JS = """() => {
  const g = window.__GLOBAL_DATA__;
  if (!g || !window.Streamlit) return null;
  if (!window.__scmWatch || window.__scmWatch.g !== g) {
    const w = {g, updates: 0, sends: 0, moves: 0, movesSeen: 0};
    let prev = g.previous_data;
    Object.defineProperty(g, 'previous_data', {configurable: true, enumerable: true,
      get() { w.updates += 1; w.movesSeen = w.moves; return prev; }, set(v) { prev = v; }});
    window.map.on('moveend', () => { w.moves += 1; });
    const send = window.Streamlit.setComponentValue;
    window.Streamlit.setComponentValue = function (...args) { w.sends += 1; return send.apply(this, args); };
    window.__scmWatch = w;
  }
  return {updates: window.__scmWatch.updates, sends: window.__scmWatch.sends};
}"""


def _counts(page, frame, until=lambda c: True, timeout_s: float = 30):
    """What the map holds (:data:`COUNT_JS`), once ``until(counts)`` holds or at the deadline."""
    last = None

    def check():
        nonlocal last
        last = frame.evaluate(COUNT_JS)
        return last if last and until(last) else None

    return poll(page, check, timeout_s, step_ms=150) or last


def _watch_component(frame) -> dict:
    """Start (or read) the watch of :data:`WATCH_COMPONENT_JS`: ``{"updates": n, "sends": n}``."""
    state = frame.evaluate(WATCH_COMPONENT_JS)
    assert state is not None, "streamlit-folium's frame globals are missing: see WATCH_COMPONENT_JS"
    return state


def _assert_no_rerun_after(page, frame, before: dict, sent: list[int], n_sent: int, what: str) -> None:
    """Wait until the map component's debounced update has run since ``before`` and after the
    map's last move, then check the map asked for no rerun and the browser sent the server nothing."""
    frame.wait_for_function("(n) => { const w = window.__scmWatch; return w && w.updates > n && w.movesSeen === w.moves; }",
                            arg=before["updates"], timeout=10000)
    assert _watch_component(frame)["sends"] == before["sends"], f"{what}: the map asked the app for a rerun"
    assert len(sent) == n_sent, f"{what} made the app rerun"


def _expected():
    import tempfile

    from geo.catalog import Catalog
    from geo.queries import country_only, range_masks

    cat = Catalog(Path(tempfile.mkdtemp()) / "empty.gpkg")
    zones = cat.zones("2016-12-30")
    events = cat.events()
    in_window, _ = range_masks(events, *WINDOW)  # the app's one range rule: the whole span inside
    on_first_day, _ = range_masks(events, WINDOW[0], WINDOW[0])
    placed = ~country_only(events) & ~events.geometry.is_empty  # drawn: every event with a place
    return {
        "zones": int((~zones.geometry.is_empty).sum()),
        "events": int((in_window & placed).sum()),
        "first_day_events": int((on_first_day & placed).sum()),
        "all_events": int(in_window.sum()),
        "first_day_all": int(on_first_day.sum()),
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
    wait_idle(page, 60)
    assert page.get_by_role("link", name="Control change", exact=True).count() == 1  # our navigation
    assert not page.query_selector('[data-testid="stException"]')
    assert "date=2017-02-06" in page.url
    assert watched.external == [] and _real_errors(watched.errors) == [], (watched.external, watched.errors)


def _initial_map_matches_the_data(page, frame, expected: dict) -> dict:
    """The first drawing: zones, events, towns and boundaries as the data says; returns the counts."""
    t0 = time.monotonic()
    c = _counts(page, frame, until=lambda c: c["zone"] >= expected["zones"] and c["event"] >= expected["events"])
    print(f"\nmap page rendered in {time.monotonic() - t0:.2f} s after the frame appeared: {c}")
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "map-initial.png"))
    assert c["zone"] == expected["zones"] > 0
    assert c["event"] == expected["events"] > 0
    caption = page.get_by_text(re.compile(r"Cited towns: \d+")).first.inner_text()
    towns = int(re.search(r"Cited towns: (\d+)", caption).group(1))
    assert c["town"] == towns > 0
    assert c["boundary"] >= 14  # governorates (+ country outline)
    assert _sidebar_events(page) == expected["all_events"]
    return c


def _pan_zoom_and_click_send_nothing(page, frame, sent: list[int]) -> None:
    """Panning, zooming and clicking the map send nothing to the server (``returned_objects=[]``)."""
    n_sent, watch = len(sent), _watch_component(frame)
    start = _map_view(frame)
    # an animated pan cut short by the zoom may not have moved yet (then the link keeps the default
    # centre and has no lat/lon): pan without animation, then zoom
    frame.evaluate("() => { window.map.panBy([120, 80], {animate: false}); window.map.zoomIn(); }")
    _settled_view(page, frame, lambda v: v[2] == start[2] + 1)
    _assert_no_rerun_after(page, frame, watch, sent, n_sent, "panning and zooming the map")
    watch = _watch_component(frame)
    frame.evaluate("() => { window.map.fire('click', {latlng: window.map.getCenter()}); }")
    _assert_no_rerun_after(page, frame, watch, sent, n_sent, "clicking the map")


def _sliders_update_the_map_in_place(page, frame, expected: dict, before: dict) -> None:
    """Both sliders redraw the map in the same iframe (a marked window survives), view kept."""
    frame.evaluate("() => { window.__scm_probe = 42; window.map.setView([36.2, 37.1], 9, {animate: false}); }")
    # Control date: focus the slider's (hidden) range input and press End -> 2017-03-31.
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    page.keyboard.press("End")
    c2 = _counts(page, frame, until=lambda c: c["zoneSig"] != before["zoneSig"])
    assert c2["zoneSig"] != before["zoneSig"], "zones did not change with the control date"
    assert frame.evaluate("() => window.__scm_probe") == 42, "the map iframe was reloaded"
    assert frame.evaluate("() => window.map.getZoom()") == 9
    centre = frame.evaluate("() => window.map.getCenter()")
    assert abs(centre["lat"] - 36.2) < 0.01 and abs(centre["lng"] - 37.1) < 0.01
    page.wait_for_function("() => location.search.includes('date=2017-03-31')", timeout=30000)
    wait_idle(page)

    # Event range: move the end thumb all the way to the start -> only the first day's events.
    page.locator('input[type="range"][aria-label="Events between — end"]').focus()
    page.keyboard.press("Home")
    c3 = _counts(page, frame, until=lambda c: c["event"] == expected["first_day_events"])
    assert c3["event"] == expected["first_day_events"] < expected["events"]
    assert frame.evaluate("() => window.__scm_probe") == 42
    page.wait_for_function(f"() => location.search.includes('end={WINDOW[0]}')", timeout=30000)
    wait_idle(page)
    assert _sidebar_events(page) == expected["first_day_all"]  # the key figures follow the range
    page.screenshot(path=str(ARTIFACTS / "map-after-sliders.png"))

    # One day later with the keyboard: movable by day.
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('end=2016-12-02')", timeout=20000)
    wait_idle(page)


def test_map_page_offline_counts_and_sliders(app_url, watched):
    page = watched.page
    expected = _expected()
    sent: list[int] = []  # frames the browser sends to the server (a rerun request is one)
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    page.goto(app_url + "/")
    frame = map_frame(page)
    before = _initial_map_matches_the_data(page, frame, expected)
    _pan_zoom_and_click_send_nothing(page, frame, sent)
    _sliders_update_the_map_in_place(page, frame, expected, before)

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
    frame = map_frame(page)
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
    map_frame(page)
    page.get_by_role("link", name=PAGE_LINKS[path], exact=True).click()
    page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=30000)
    page.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3, '
                           '[data-testid="stAlert"]', timeout=60000)
    wait_idle(page, 60)
    page.screenshot(path=str(ARTIFACTS / f"page-{path}.png"))
    assert not page.query_selector('[data-testid="stException"]'), f"{path}: an exception is shown"
    assert page.get_by_text("Towns affected").count() >= 1, "the shared sidebar is missing"
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"


XSS_PLACE = '<img src=x onerror="window.__xss=1">${window.__xss=2}`</script><script>window.__xss=3</script>'
#: Runs when inserted as HTML (a data: image that fails to decode, no request): shows the checks can fail.
CONTROL_MARKUP = '<img src="data:image/png;base64,AAAA" onerror="window.__control=1">'
OPEN_HOSTILE_POPUP_JS = """() => { let out = null; window.map.eachLayer(l => {
  if (typeof l.getLayers === 'function' && l.options.scmKind === 'event') {
    l.getLayers().forEach(mk => { const c = mk.getPopup().getContent();
      const h = typeof c === 'function' ? c(mk) : c;
      if (h.includes('990001')) { out = h; window.map.openPopup(mk.getPopup(), mk.getLatLng()); } }); } });
  return out; }"""


def _hostile_store(tmp_path: Path) -> Path:
    """A workspace store of its own holding one UCDP event whose place and actor are markup."""
    import csv

    from geo.importers import import_file

    header = ["id", "year", "type_of_violence", "side_a", "side_b", "source_article", "source_office",
              "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "adm_1",
              "adm_2", "latitude", "longitude", "date_prec", "date_start", "date_end", "deaths_civilians", "low",
              "best", "high"]
    row = ["990001", "2017", "1", XSS_PLACE, "Syrian insurgents", "", "SOHR", "2017-01-15", "", "", "1", XSS_PLACE,
           "", "", "36.2", "37.16", "1", "2017-01-15", "2017-01-15", "0", "1", "2", "3"]
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, row])
    store = tmp_path / "store.gpkg"
    import_file("ucdp", path, store)
    return store


def test_hostile_text_in_imported_data_stays_text(start_app, watched, tmp_path):
    """An imported event whose place and actor are markup: shown as text, never run (map and page).

    The event goes into a store of this test's own, served by an app of its own.
    """
    with start_app(_hostile_store(tmp_path), tmp_path / "streamlit.log") as url:
        page = watched.page
        page.goto(url + "/?start=2017-01-15&end=2017-01-15")
        frame = map_frame(page)
        _counts(page, frame, until=lambda c: c["event"] >= 1)
        content = frame.evaluate(OPEN_HOSTILE_POPUP_JS)
        assert content and "&lt;img src=x" in content and "&#36;&#123;window.__xss=2&#125;" in content
        popup = frame.locator(".leaflet-popup-content").filter(has_text="990001")
        popup.wait_for(timeout=10000)
        assert popup.locator("img, script").count() == 0
        # the events list under the map too (Streamlit's own rendering of the same text)
        page.get_by_text(re.compile(r"^Events in the view")).first.wait_for(timeout=20000)
        page.locator('[class*="st-key-w_event_list_"] [data-testid="stDataFrame"]').first.wait_for(timeout=20000)
        # markup that does run sets its flag in both documents: had the hostile text run, it would have too
        for doc in (frame, page):
            doc.evaluate("(h) => document.body.insertAdjacentHTML('beforeend', h)", CONTROL_MARKUP)
            doc.wait_for_function("() => window.__control === 1", timeout=10000)
            assert doc.evaluate("() => window.__xss") is None
        page.screenshot(path=str(ARTIFACTS / "map-hostile-text.png"))
        assert watched.errors == [], watched.errors


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


def _settled_view(page, frame, ok=lambda v: True, timeout_s: float = 15) -> tuple[float, float, int]:
    """The map's view once ``ok(view)`` holds and the address bar holds that view.

    The address bar is written on the map's ``moveend``, so while a pan (or its inertia) is under
    way it differs from the map's centre: equal means the move has ended.  A zoom animation keeps
    the old centre and zoom until it ends, so ``ok`` must ask for the move's outcome.
    """
    def check():
        v = _map_view(frame)
        url = _url_view(page.url)
        return v if ok(v) and None not in url and tuple(float(x) for x in url) == v else None

    view = poll(page, check, timeout_s)
    assert view, f"the map's view never settled as expected: map {_map_view(frame)}, address bar {_url_view(page.url)}"
    return view


def _near(lat: float, lon: float, z: int, tol: float = 0.01):
    return lambda v: abs(v[0] - lat) < tol and abs(v[1] - lon) < tol and v[2] == z


def _view_near(page, frame, view: tuple[float, float, int], tol: float = 1e-3, timeout_s: float = 15):
    """The map's view once it is within ``tol`` of ``view`` (same zoom); None at the deadline."""

    def check():
        v = _map_view(frame)
        return v if _near(view[0], view[1], view[2], tol)(v) else None

    return poll(page, check, timeout_s)


def _open_map_with_probe(page, url: str) -> object:
    """Open the map at ``url``; mark the iframe's window (``__scm_probe``) to see reloads."""
    page.goto(url)
    frame = map_frame(page)
    _counts(page, frame, until=lambda c: c["zone"] > 0)
    wait_idle(page)
    frame.wait_for_function("() => window.__GLOBAL_DATA__ && window.__GLOBAL_DATA__.last_center", timeout=10000)
    assert _url_view(page.url) == (None, None, None)  # default view: not in the link
    frame.evaluate("() => { window.__scm_probe = 7; }")
    return frame


def _pans_reach_the_address_bar(page, frame, sent: list[int]) -> tuple[float, float, int]:
    """1. A pan and zoom by the map's own API, 2. a mouse drag and a wheel zoom as a user does:
    the address bar follows each, nothing is sent to the server.  Returns the last view."""
    n_sent, watch = len(sent), _watch_component(frame)
    frame.evaluate("() => { window.map.setView([36.2, 37.15], 9); }")
    v1 = _settled_view(page, frame, _near(36.2, 37.15, 9))
    assert "date=2017-01-10" in page.url  # the other parameters are kept
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 80, y + 40, steps=8)
    page.mouse.move(x - 160, y + 90, steps=8)
    page.mouse.up()
    dragged = _settled_view(page, frame, lambda v: abs(v[1] - v1[1]) > 0.05 and v[2] == 9)
    page.mouse.wheel(0, -300)
    zoomed = _settled_view(page, frame, lambda v: v[2] > dragged[2])
    _assert_no_rerun_after(page, frame, watch, sent, n_sent, "panning or zooming the map")
    assert frame.evaluate("() => window.__scm_probe") == 7
    return zoomed


def _next_run_keeps_the_view(page, frame, zoomed: tuple[float, float, int]) -> None:
    """3. The next run (a slider move) keeps the view: on the map, in the URL and the share link."""
    before = _counts(page, frame)
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    page.keyboard.press("End")
    page.wait_for_function("() => location.search.includes('date=2017-03-31')", timeout=30000)
    # the run's new zones drawn in the same frame: the map has taken the run's update
    assert _counts(page, frame, until=lambda c: c["zoneSig"] != before["zoneSig"])["zoneSig"] != before["zoneSig"]
    wait_idle(page)
    assert frame.evaluate("() => window.__scm_probe") == 7, "the map iframe was reloaded"
    after = _map_view(frame)
    assert abs(after[0] - zoomed[0]) < 1e-4 and abs(after[1] - zoomed[1]) < 1e-4 and after[2] == zoomed[2]
    _wait_url_view(page, *zoomed)
    page.get_by_text("Share and export this view").click()
    box = frame_with(page, "#scm-link")  # the share panel's link box (webapp/share.py)

    def share_link():
        value = box.input_value("#scm-link")
        return value if "lat=" in value else None

    link = poll(page, share_link, 20)
    assert link and [float(v) for v in _url_view(link)] == [float(v) for v in zoomed], link
    page.screenshot(path=str(ARTIFACTS / "map-panned.png"))


def _pan_during_a_run_wins(page, frame, sent: list[int]) -> None:
    """3b. A pan while a run is under way (the run started before the pan reached the address bar,
    and writes its own older view at its end): the map is not moved back, and the address bar
    ends up with the map's view."""
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    n_sent = len(sent)
    page.keyboard.press("ArrowLeft")
    assert poll(page, lambda: len(sent) > n_sent, 10, step_ms=20), "the slider move sent nothing"
    frame.evaluate("() => { window.map.setView([36.0, 37.5], 10); }")
    page.wait_for_function("() => location.search.includes('date=2017-03-30')", timeout=30000)
    wait_idle(page)
    # The run wrote its older view at its end; the address bar shows the pan's view again only
    # if the map still shows it (the map script rewrites the bar from the map, never the reverse).
    raced = _settled_view(page, frame, _near(36.0, 37.5, 10))
    _wait_url_view(page, *raced, timeout_ms=8000)
    assert _near(36.0, 37.5, 10)(_map_view(frame)), _map_view(frame)
    assert frame.evaluate("() => window.__scm_probe") == 7


def _pan_then_switch_page(page, frame) -> tuple[tuple[float, float, int], str]:
    """4. Pan, then switch page straight away (no run in between): the view goes along and back.
    Returns the view and the address bar's link."""
    frame.evaluate("() => { window.map.setView([35.5, 36.8], 8); }")
    v4 = _settled_view(page, frame, _near(35.5, 36.8, 8))  # Leaflet snaps the centre to whole pixels
    page.get_by_role("link", name="Trends", exact=True).click()
    page.wait_for_function("() => location.pathname.endsWith('/trends')", timeout=30000)
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('date=2017-03-30')", timeout=30000)
    _wait_url_view(page, *v4)
    page.get_by_role("link", name="Map", exact=True).click()
    frame = map_frame(page)
    wait_idle(page)
    assert _view_near(page, frame, v4), f"the map came back at {_map_view(frame)}, not {v4}"
    _wait_url_view(page, *v4)
    return v4, page.url


def _link_opens_the_view(browser, link_url: str, v4: tuple[float, float, int]) -> None:
    """5. The link in a fresh browser opens the map at that centre and zoom."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = context.new_page()
        fresh.goto(link_url)
        f2 = map_frame(fresh)
        wait_idle(fresh)
        assert _view_near(fresh, f2, v4), f"the link opened the map at {_map_view(f2)}, not {v4}"
        assert fresh.url == link_url and "date=2017-03-30" in link_url  # not rewritten on opening
        fresh.screenshot(path=str(ARTIFACTS / "map-link-opened.png"))
    finally:
        context.close()


def test_pan_and_zoom_go_to_the_address_bar_without_a_rerun(app_url, watched, browser):
    page = watched.page
    sent: list[int] = []  # frames the browser sends to the server (a rerun request is one)
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    frame = _open_map_with_probe(page, app_url + "/?date=2017-01-10")
    zoomed = _pans_reach_the_address_bar(page, frame, sent)
    _next_run_keeps_the_view(page, frame, zoomed)
    _pan_during_a_run_wins(page, frame, sent)
    v4, link_url = _pan_then_switch_page(page, frame)
    _link_opens_the_view(browser, link_url, v4)
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
      // a town is a ring whose middle lets clicks through (layers/towns.py): click on its band
      const dx = a.k === 'town' && a.l.options.scmRadius ? a.l.options.scmRadius - 2.5 : 0;
      if (!found || (over && !found.over)) found = {x: a.p.x + dx + box.x, y: a.p.y + box.y, id: a.l && L.stamp(a.l), over};
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
    return bool(poll(page, lambda: frame.evaluate(script, arg), timeout_s))


#: Whether the map is moving: a flag kept from the map's ``movestart``/``moveend`` events (installed
#: on first use; a popup's auto-pan fires ``movestart`` as the popup opens).
_MOVING_JS = """() => { const m = window.map;
  if (!m.__scmMoves) { const s = m.__scmMoves = {moving: false};
    m.on('movestart', () => { s.moving = true; }); m.on('moveend', () => { s.moving = false; }); }
  return m.__scmMoves.moving; }"""


def _hover_settle(page, frame, timeout_s: float = 5) -> None:
    """Wait until the closed popup has left the page (it fades out, covering what is under it),
    the map is not moving and its view holds still for two polls (a popup's auto-pan has ended)."""
    centre = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
    gone = "() => !document.querySelector('.leaflet-popup')"
    last = None

    def still() -> bool:
        nonlocal last
        now = None if frame.evaluate(_MOVING_JS) or not frame.evaluate(gone) else frame.evaluate(centre)
        same, last = now is not None and now == last, now
        return same

    assert poll(page, still, timeout_s, step_ms=150), "the map kept moving after its popup closed"


@pytest.mark.parametrize("choro", ["events", "off"])
def test_zone_and_district_tooltips_show_under_markers_and_markers_still_click(app_url, watched, choro):
    """With events and towns on, hovering empty ground shows the district (choropleth) or zone
    tooltip, and event and town markers still open their popups: one canvas draws them all."""
    page = watched.page
    query = f"/?date={HOVER_DATE}" + ("&choro=events" if choro != "off" else "")
    page.set_viewport_size({"width": 1400, "height": 1400})  # the whole map in view
    page.goto(app_url + query)
    frame = map_frame(page)
    want = "district" if choro != "off" else "zone"
    c = _counts(page, frame, until=lambda c: c.get(want, 0) > 0 and c["event"] > 0 and c["town"] > 0
                and c["boundary"] > 0)
    assert c[want] > 0 and c["event"] > 0 and c["town"] > 0 and c["boundary"] > 0, c
    wait_idle(page)
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
    frame.evaluate(_MOVING_JS)  # follow the map's moves from here on
    for kind, text, under in (("event", "Date", []), ("town", "Governorate", ["event", "icon"])):
        spot = frame.evaluate(_LONE_MARKER_JS, [kind, 4, under])
        assert spot, f"no {kind} marker drawn apart from the others"
        assert kind != "town" or spot["over"], "no town over an event marker or cluster icon to test the order"
        x, y = spot["x"] + frame_box["x"], spot["y"] + frame_box["y"]
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        shown = poll(page, lambda arg=[spot["id"], text]: frame.evaluate(_POPUP_JS, arg), 10)
        assert shown, f"clicking a {kind} marker opened no popup"
        frame.evaluate("() => { window.map.closePopup(); }")
        _hover_settle(page, frame)  # the popup may have panned the map into view
    # 3. Cluster icons (DOM, above the canvas) still take their clicks: the map zooms in or spiderfies.
    spot = frame.evaluate(_LONE_MARKER_JS, ["icon", 4, ["event"]])
    assert spot, "no cluster icon apart from the other markers"
    zoom = frame.evaluate("() => window.map.getZoom()")
    page.mouse.click(spot["x"] + frame_box["x"], spot["y"] + frame_box["y"])
    opened = """(z) => { let spider = false;
      window.map.eachLayer(l => { if (l._spiderfied) spider = true; });   // a cluster group's open spider
      return window.map.getZoom() > z || spider; }"""
    assert poll(page, lambda: frame.evaluate(opened, zoom), 10), "clicking a cluster icon neither zoomed in nor spiderfied"
    assert watched.external == [], f"requests left 127.0.0.1: {watched.external[:5]}"
    assert watched.errors == [], f"console errors: {watched.errors[:5]}"
