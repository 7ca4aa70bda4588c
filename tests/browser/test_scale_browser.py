"""Many events in headless Chromium (issue 12): counts per square, points when zoomed in, no layer kept.

A store of 6,000 SYNTHETIC events (``bench/scale.py``, more than ``geo.grid.POINT_LIMIT``) is
imported once for the module; each test opens the app on it.  Every wait is on a condition.
"""

from __future__ import annotations

import pytest
from _waits import map_frame, poll, wait_idle

from bench.scale import synthetic_ucdp_csv
from geo import grid
from geo.importers import import_file

#: Layers of each kind on the map (``options.scmKind``), cluster groups counted through their markers.
KINDS_JS = """() => { const n = {}; const add = l => { const k = l.options && l.options.scmKind;
  if (k) n[k] = (n[k] || 0) + 1; };
  window.map.eachLayer(l => { if (l.getAllChildMarkers) l.getAllChildMarkers().forEach(add); else add(l); });
  return n; }"""


@pytest.fixture(scope="module")
def many_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    csv = folder / "synthetic.csv"
    synthetic_ucdp_csv(csv, grid.POINT_LIMIT + 1000, seed=7)
    store = folder / "store.gpkg"
    report = import_file("ucdp", csv, store)
    assert report.added == grid.POINT_LIMIT + 1000
    return store


def _kinds(frame) -> dict:
    return frame.evaluate(KINDS_JS) or {}


def _open(page, url: str):
    """Go to ``url``; the map frame once the app is idle."""
    page.goto(url)
    frame = map_frame(page)
    wait_idle(page)
    return frame


def test_many_events_are_counted_per_square_and_points_return_when_zoomed_in(many_store, start_app, browser, tmp_path):
    with start_app(many_store, tmp_path / "app.log") as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        try:
            frame = _open(page, url + "/?layers=events")
            kinds = poll(page, lambda: (k := _kinds(frame)).get("cell") and k)
            assert kinds and kinds["cell"] > 50 and kinds.get("event", 0) == 0, kinds
            assert page.get_by_role("button", name="Show the events here").count() == 1
            assert page.get_by_text("discs (squares of 0.25°)", exact=False).count() == 1
            # zoomed in on Aleppo: the events around the centre are points, the rest still counted
            frame = _open(page, url + "/?layers=events&lat=36.2&lon=37.15&z=12")
            kinds = poll(page, lambda: (k := _kinds(frame)).get("event") and k)
            assert kinds and 0 < kinds["event"] <= grid.POINT_LIMIT and kinds.get("cell", 0) > 0, kinds
        finally:
            context.close()


def test_reruns_leave_no_old_layer_in_the_map_frame(app_url, browser):
    """streamlit-folium lists every feature group it adds in ``window.feature_group`` and never
    forgets one; the page empties the list at each rerun (``layers.assets.forget_replaced_groups``)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        frame = _open(page, app_url + "/?date=2017-01-10")
        first = frame.evaluate("() => window.feature_group.length")
        for day in ("2017-01-11", "2017-01-12", "2017-01-13"):
            page.get_by_role("button", name="+1 d").click()
            assert poll(page, lambda d=day: f"date={d}" in page.url), f"the control date did not move to {day}"
            wait_idle(page)
        groups = poll(page, lambda: frame.evaluate("() => window.feature_group.length") == first and first)
        assert groups == first and 0 < first <= 5, frame.evaluate("() => window.feature_group.length")
    finally:
        context.close()
