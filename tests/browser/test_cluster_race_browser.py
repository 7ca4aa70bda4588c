"""Map moves while a rerun replaces the event clusters: no JavaScript error (security audit, finding 18).

Leaflet.markercluster adds a cluster group's markers in chunks once the group joins the map; until
the last chunk its new clusters have empty bounds.  Under load (10-20 sessions on 2 cores) a map
move landed between two chunks and ``_moveEnd`` threw "Cannot read properties of undefined
(reading 'lat')".  Here the browser's CPU is throttled and markercluster's chunk interval cut (so
every large group loads in several chunks, as on a crowded host) and the map is panned and zoomed every 25 ms while slider moves make the
app replace its layers: the moves must land while a group is still loading, and nothing may throw.
"""

from __future__ import annotations

from _waits import map_frame, poll, wait_idle

#: Events on the map (through their cluster groups), and whether any event group is still
#: loading: its top cluster's bounds not yet computed (markercluster's ``_boundsNeedUpdate``).
STATE_JS = """() => {
  const m = window.map;
  if (!m) return null;
  const s = {event: 0, loading: false, stale: 0};
  m.eachLayer(l => {
    if (!(l.options && l.options.scmKind === 'event' && typeof l.getLayers === 'function')) return;
    s.event += l.getLayers().length;
    if (l._topClusterLevel && l._topClusterLevel._boundsNeedUpdate) s.loading = true;
    else if (l._currentShownBounds && !l._currentShownBounds.contains(m.getBounds())) s.stale += 1;
  });
  return s;
}"""

#: Pans (and every fourth tick a zoom in or out) every 25 ms, counting the moves made while an
#: event group was loading and any error a move threw.
MOVER_JS = """(stateJs) => {
  const state = eval(stateJs);
  // a loaded browser's chunks: markercluster breaks its loading every 200 markers once more than
  // chunkInterval ms have passed (200 by default; a crowded host's browser passes it anyway)
  L.MarkerClusterGroup.prototype.options.chunkInterval = 0;
  L.MarkerClusterGroup.prototype.options.chunkDelay = 120;  // and wider gaps between chunks
  const r = window.__race = {moves: 0, whileLoading: 0, errors: []};
  let k = 0;
  window.__mover = setInterval(() => {
    k += 1;
    try {
      if (state().loading) r.whileLoading += 1;
      if (k % 4 === 0) window.map.setZoom(window.map.getZoom() + (k % 8 === 0 ? -1 : 1), {animate: false});
      else window.map.panBy([k % 2 ? 40 : -40, k % 3 ? 25 : -25], {animate: false});
      r.moves += 1;
    } catch (e) { r.errors.push(String(e)); }
  }, 25);
  return true;
}"""


def test_map_moves_during_cluster_reload_throw_nothing(app_url, watched):
    page = watched.page
    page.goto(app_url)
    frame = map_frame(page)
    first = poll(
        page,
        lambda: (lambda s: s if s and s["event"] > 0 and not s["loading"] else None)(
            frame.evaluate(STATE_JS)
        ),
    )
    assert first, "the map drew no events"
    wait_idle(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
    frame.evaluate(MOVER_JS, STATE_JS)
    slider = page.locator('input[type="range"][aria-label="Control snapshot date"]')
    for day in ("2016-12-31", "2017-01-01", "2017-01-02"):
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => location.search.includes('date={day}')", timeout=60000)
        wait_idle(page, 90)
        poll(page, lambda: not frame.evaluate(STATE_JS)["loading"], 60)
    race = frame.evaluate("() => { clearInterval(window.__mover); return window.__race; }")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    end = poll(
        page,
        lambda: (lambda s: s if not s["loading"] and s["stale"] == 0 else None)(frame.evaluate(STATE_JS)),
        30,
    )
    print(f"\nmoves {race['moves']}, while an event group loaded {race['whileLoading']}; map {end}")
    assert race["whileLoading"] > 0, (
        "no move landed while a cluster group was loading: the race was not exercised"
    )
    assert race["errors"] == [], race["errors"][:3]
    assert watched.errors == [] and watched.external == [], (watched.errors[:5], watched.external[:5])
    # every event still on the map, and each group shows the clusters of the map's final view
    assert end and end["event"] == first["event"], (first, end)


#: As soon as an event cluster group is loading, take its feature group off the map (what
#: streamlit-folium does when the next rerun replaces the layers) and keep it for a later return.
REMOVE_WHILE_LOADING_JS = """() => {
  L.MarkerClusterGroup.prototype.options.chunkInterval = 0;
  L.MarkerClusterGroup.prototype.options.chunkDelay = 120;
  const r = window.__removal = {fg: null, group: null};
  window.__remover = setInterval(() => {
    window.map.eachLayer(l => {
      if (r.fg || !(l.options && l.options.scmKind === 'event' && l._topClusterLevel
                    && l._topClusterLevel._boundsNeedUpdate)) return;
      window.map.eachLayer(f => {
        if (!r.fg && f instanceof L.FeatureGroup && !f._topClusterLevel && f.hasLayer(l)) r.fg = f;
      });
      if (r.fg) { r.group = l; window.map.removeLayer(r.fg); clearInterval(window.__remover); }
    });
  }, 5);
  return true;
}"""


def test_cluster_group_removed_while_loading_throws_nothing_and_keeps_its_markers(app_url, watched):
    """A group replaced mid-load finishes its chunks off the map; back on the map it has every marker."""
    page = watched.page
    page.goto(app_url + "/?date=2017-01-10")
    frame = map_frame(page)
    first = poll(
        page,
        lambda: (lambda s: s if s and s["event"] > 0 and not s["loading"] else None)(
            frame.evaluate(STATE_JS)
        ),
    )
    assert first, "the map drew no events"
    wait_idle(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    frame.evaluate(REMOVE_WHILE_LOADING_JS)
    page.locator('input[type="range"][aria-label="Control snapshot date"]').focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('date=2017-01-11')", timeout=60000)
    removed = poll(page, lambda: frame.evaluate("() => !!window.__removal.fg"), 60)
    assert removed, "no event group was caught loading: the race was not exercised"
    # the removed group's remaining chunks run off the map
    assert poll(
        page,
        lambda: frame.evaluate(
            "() => window.__removal.fg.getLayers().every(g => !(g._topClusterLevel && g._topClusterLevel._boundsNeedUpdate))"
        ),
        60,
    ), f"the removed groups never finished loading: {watched.errors[:3]}"
    frame.evaluate(
        "() => { window.map.addLayer(window.__removal.fg); return true; }"
    )  # as the layer control would
    end = poll(
        page,
        lambda: (lambda s: s if not s["loading"] and s["stale"] == 0 else None)(frame.evaluate(STATE_JS)),
        60,
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    assert watched.errors == [] and watched.external == [], (watched.errors[:5], watched.external[:5])
    assert end and end["event"] == first["event"], (first, end)
