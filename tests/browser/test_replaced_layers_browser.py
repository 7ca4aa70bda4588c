"""What a rerun replaces on the map is let go (issue 12, "memory flat"): no old layer control and
so no old layer stays reachable from the map.

streamlit-folium replaces the feature groups and the layer control at every rerun.  Leaflet 1.9's
layer control hooks a click handler on the map and never unhooks it; through it every removed
control kept the layers it listed (about 3 MB of heap a slider step on the shipped data).  The
fix (``layers.assets.forget_replaced_groups``) unhooks it when the control is removed.
"""

from __future__ import annotations

from _waits import map_frame, poll, wait_idle

#: The map's click handlers that belong to a layer control, and how many of those are on the map.
CONTROLS_JS = """() => {
  const m = window.map, clicks = (m._events && m._events.click) || [];
  const ctl = clicks.filter(h => h.ctx instanceof L.Control.Layers);
  return {handlers: ctl.length, onMap: ctl.filter(h => h.ctx._map === m).length,
          all: clicks.length, groups: (window.feature_group || []).length};
}"""


def test_slider_steps_leave_no_old_layer_control_on_the_map(app_url, watched):
    page = watched.page
    page.goto(app_url + "/?start=2017-01-01&end=2017-01-31")
    frame = map_frame(page)
    wait_idle(page)
    first = frame.evaluate(CONTROLS_JS)
    assert first["handlers"] == first["onMap"] == 1  # the one control of the first run
    end = page.locator('input[type="range"][aria-label="Events between — end"]')
    for day in ("2017-01-30", "2017-01-29", "2017-01-28", "2017-01-27"):
        end.focus()
        page.keyboard.press("ArrowLeft")
        assert poll(page, lambda d=day: f"end={d}" in page.evaluate("() => location.search"), timeout_s=60)
        wait_idle(page)
    after = frame.evaluate(CONTROLS_JS)
    assert after["handlers"] == after["onMap"] == 1, after  # the old controls let go of the map
    assert after["all"] == first["all"], (first, after)
    assert after["groups"] == first["groups"]  # only this run's feature groups are listed
    assert watched.errors == [], watched.errors[:5]
