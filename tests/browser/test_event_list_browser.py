"""The event list under the map (issue 10, "Events"): a click on a row flies the map to the event
and opens its popup, after the user sorted the list in the browser.

Only the browser shows this: the table's selection comes from the grid's frontend, and the
popup opens in the map's script.  The grid is drawn on a canvas; its hidden accessibility table
(``tbody tr``) gives the rows in the order shown, and the row-marker column is clicked by position.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from _waits import map_frame, poll, wait_idle
from conftest import ARTIFACTS

from geo.view import classify_events, filter_events
from webapp.eventlist import event_table

HEADER_PX = 35  # Streamlit's grid: header and row height (default row height)
ROW_PX = 35

_ROWS_JS = """e => Array.from(e.querySelectorAll('tbody tr')).map(
  r => Array.from(r.querySelectorAll('td')).map(c => c.innerText))"""
_POPUP_JS = "() => { const p = document.querySelector('.leaflet-popup-content'); return p ? p.innerText : ''; }"


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The list the page shows for ``?fmin=100`` (shipped data only), in the page's default order."""
    from geo.catalog import Catalog

    cat = Catalog(tmp_path_factory.mktemp("shipped") / "store.gpkg")
    events = filter_events(classify_events(cat.events(), cat), start="2016-12-01", end="2017-03-31", min_fatalities=100)
    return events, event_table(events, "date_desc")


def _ev(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("ev", [""])[0]


def test_clicking_a_row_after_sorting_in_the_browser_flies_to_its_event_and_opens_its_popup(app_url, watched, expected):
    events, table = expected
    page = watched.page
    page.goto(f"{app_url}/?fmin=100")
    map_frame(page)
    wait_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).last
    grid.scroll_into_view_if_needed()
    shown = grid.evaluate(_ROWS_JS)
    assert len(shown) == len(table) and shown[0][0] == table["Date"].iloc[0]
    box = grid.bounding_box()

    # sort by a column in the browser (the third header: Place), until the first row shown changes
    page.mouse.click(box["x"] + 250, box["y"] + HEADER_PX / 2)
    first = poll(page, lambda: (rows := grid.evaluate(_ROWS_JS)) and rows[0] != shown[0] and rows[0], 10)
    assert first, "clicking the header did not re-sort the list"
    match = table.loc[(table["Date"] == first[0]) & (table["Place"] == first[2]) & (table["Actors"] == first[4])]
    assert len(match) == 1, first
    position = int(match.index[0])
    chosen = match["Event id"].iloc[0]
    assert position != 0  # the row shown first is not the first row of the data: the test tells them apart

    page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX / 2)  # its row marker
    assert poll(page, lambda: _ev(page.url), 30) == chosen, page.url
    wait_idle(page)
    frame = map_frame(page)
    popup = poll(page, lambda: frame.evaluate(_POPUP_JS), 30)
    assert chosen in popup and first[2] in popup, popup
    point = events.loc[events["event_id"] == chosen].geometry.iloc[0]
    lat, lon, zoom = frame.evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]")
    assert zoom >= 12
    # the popup may pan the map a little to fit; the event stays in view
    assert frame.evaluate(f"() => map.getBounds().contains([{point.y}, {point.x}])")
    assert abs(lat - point.y) < 0.1 and abs(lon - point.x) < 0.1
    assert frame.evaluate("() => document.querySelectorAll('.scm-selected').length") == 1
    page.screenshot(path=str(ARTIFACTS / "event_list_selected.png"))

    page.get_by_role("button", name="Clear the selected event").click()
    assert poll(page, lambda: not _ev(page.url), 30), page.url
    wait_idle(page)
    assert poll(page, lambda: frame.evaluate("() => document.querySelectorAll('.scm-selected').length") == 0, 30)
    assert not watched.external
