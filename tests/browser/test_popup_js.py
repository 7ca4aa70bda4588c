"""The popups the map's own JavaScript builds, run in headless Chromium (no app server).

The event layer ships escaped values and the browser assembles the popup table when a popup
opens (``layers/points.py``); the town layer ships popup HTML built in Python.  These tests
render real layers into a standalone page (vendor files inlined, every request off the file
blocked), open every popup through Leaflet and read what the browser put in the DOM: hostile
values are shown as text and nothing in them runs.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.assets import base_map
from layers.events import SYNTHETIC_NOTE, events_layer
from layers.towns import towns_layer
from webapp.vendor import inline_assets

#: Markup that sets ``window.__xss`` if it ever runs: an image whose load fails (the network is
#: blocked), a template literal, and a script that ends the layer's own script element.
HOSTILE = '<img src=x onerror="window.__xss=1">${window.__xss=2}`</script><script>window.__xss=3</script>\\'

#: Opens the popup of every marker of the standalone map and reports what the popup DOM holds.
OPEN_POPUPS_JS = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const m = window[key], out = [];
  const markers = [];
  m.eachLayer(l => { if (l.options && l.options.scmKind && l.getPopup && l.getPopup()) markers.push(l); });
  markers.forEach(l => {
    l.openPopup();
    const box = l.getPopup().getElement(), el = box && box.querySelector('.leaflet-popup-content');
    out.push({kind: l.options.scmKind, text: el ? el.textContent : null,
              active: el ? el.querySelectorAll('img, script, iframe, svg, object, embed, [onerror]').length : -1,
              labels: el ? Array.from(el.querySelectorAll('th')).map(t => t.textContent) : [],
              banner: el ? Array.from(el.querySelectorAll('.scm-synthetic')).map(d => d.textContent) : []});
    l.closePopup();
  });
  return out;
}"""


def _events() -> gpd.GeoDataFrame:
    """Two events: a real one with hostile text in every free-text field, a synthetic one without
    fatalities or holder (rows left out of the table) and with the same hostile source."""
    return gpd.GeoDataFrame(
        {
            "event_id": [f"curated:{HOSTILE}", "curated:2"],
            "dataset": ["curated", "synthetic"],
            "date_start": pd.to_datetime(["2017-01-01", "2017-01-02"]),
            "date_end": pd.to_datetime(["2017-01-01", "2017-01-04"]),
            "date_precision": ["day", "day"],
            "geo_precision": ["exact", "district"],
            "place": [HOSTILE, "Wadi Barada"],
            "admin1_pcode": ["SY02", "SY03"],
            "actor1": [HOSTILE, "Army"],
            "actor2": ["Rebels", ""],
            "event_type": [HOSTILE, "shelling"],
            "fatalities": pd.array([3, None], dtype="Int64"),
            "fatalities_low": pd.array([None, None], dtype="Int64"),
            "fatalities_high": pd.array([None, None], dtype="Int64"),
            "source": [HOSTILE, HOSTILE],  # one value in both rows: sent once (layers.points.shared_values)
            "truce_class": ["truce_violation", "truce_violation"],
            "party1": ["government", "government"],
            "held_by": ["opposition", ""],
        },
        geometry=[Point(37.16, 36.2), Point(36.1, 33.6)],
        crs="EPSG:4326",
    )


def _towns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "locality_id": [f"gn:{HOSTILE}"],
            "name_en": [HOSTILE],
            "name_ar": [HOSTILE],
            "admin1_pcode": ["SY02"],
            "n_sources": pd.array([2], dtype="Int64"),
            "party": ["government"],
            "citations": [[HOSTILE, "AFP: Al-Bab"]],
        },
        geometry=[Point(37.52, 36.37)],
        crs="EPSG:4326",
    )


@pytest.fixture
def map_page(browser, tmp_path):
    """The standalone page of a map with the hostile layers (unclustered: every marker on the map)."""
    m = base_map()
    events_layer(_events(), cluster=False).group.add_to(m)
    towns_layer(_towns(), date_label=HOSTILE).add_to(m)
    path = tmp_path / "popups.html"
    path.write_text(inline_assets(m.get_root().render()), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            errors.append(f"request off the page: {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_function("() => Object.keys(window).some(k => k.startsWith('map_') && window[k] instanceof L.Map)",
                           timeout=20000)
    yield page, errors
    context.close()


def test_popups_built_in_the_browser_show_hostile_values_as_text(map_page):
    page, errors = map_page
    popups = page.evaluate(OPEN_POPUPS_JS)
    assert sorted(p["kind"] for p in popups) == ["event", "event", "town"], popups
    raw = HOSTILE  # the text a reader must see, character for character
    for p in popups:
        assert p["active"] == 0, f"markup from the data became elements in a {p['kind']} popup: {p}"
    hostile_event = next(p for p in popups if p["kind"] == "event" and raw in p["text"])
    assert hostile_event["text"].count(raw) == 5  # place, actors, type, source, id: all shown as text
    town = next(p for p in popups if p["kind"] == "town")
    assert town["text"].count(raw) == 5  # English and Arabic names, date label, citation, id
    assert errors == [], errors
    # The same page runs markup put into a popup unescaped: the checks above can fail.
    page.evaluate("(h) => { const key = Object.keys(window).find(k => k.startsWith('map_'));"
                  " L.popup().setLatLng([36, 38]).setContent(h).openOn(window[key]); }",
                  '<img src=x onerror="window.__control=1">')
    page.wait_for_function("() => window.__control === 1", timeout=10000)
    assert page.evaluate("() => window.__xss") is None


def test_event_popup_table_rows_follow_the_labels_and_skip_empty_values(map_page):
    page, _errors = map_page
    events = [p for p in page.evaluate(OPEN_POPUPS_JS) if p["kind"] == "event"]
    real = next(p for p in events if not p["banner"])
    synthetic = next(p for p in events if p["banner"])
    assert real["labels"][:4] == ["Date", "Place", "Ground", "Actors"]
    assert "opposition-held on the day" in real["text"]
    assert "Ground" not in synthetic["labels"]  # no holder: no row rather than a guess
    assert synthetic["banner"] == [SYNTHETIC_NOTE]
    assert "not reported" in synthetic["text"] and "2017-01-02 – 2017-01-04" in synthetic["text"]
    # The source both rows share is sent once and looked up when the popup opens: shown in each.
    assert synthetic["text"].count(HOSTILE) == 1 and "Source" in synthetic["labels"]
