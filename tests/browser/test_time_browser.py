"""The Map page's layout and time tools in headless Chromium (issue 10: "map first", "Time").

- The map is visible without scrolling at 1440x900 and 1920x1080, fills the window's height, and
  the date controls are beside it.
- Arrow keys on the control-date slider never lose a press, even when pressed while the app runs.
- Play animates zones and events through the window without reloading the map's iframe.
- Compare: two maps side by side, the areas that changed hands outlined on both.

Every wait is on a condition with a deadline (``tests/browser/_waits.py``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from _waits import map_frame, poll, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DATE_SLIDER = 'input[type="range"][aria-label="Control snapshot date"]'

#: Signature of the zones on the map (party and size of each), as in test_browser.COUNT_JS.
ZONE_SIG_JS = """() => { const m = window.map; if (!m) return null; const s = [];
  m.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.kind === 'zone') s.push(p.party + ':' + JSON.stringify(l.getLatLngs()).length); });
  return s.sort().join('|'); }"""
#: Number of outlined "changed hands" areas on a map (layers.changes.HIGHLIGHT_STYLE).
HIGHLIGHTS_JS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.to_party !== undefined
      && l.options.dashArray === '6 4') n += 1; }); return n; }"""


def _url_date(page, key: str = "date") -> str | None:
    m = re.search(rf"[?&]{key}=([0-9-]+)", page.url)
    return m.group(1) if m else None


def _new_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
               else r.abort())
    return context, page


@pytest.mark.parametrize("size", [(1440, 900), (1920, 1080)], ids=["1440x900", "1920x1080"])
def test_map_first_fills_the_window_beside_the_date_controls(app_url, browser, size):
    width, height = size
    context, page = _new_page(browser, width, height)
    try:
        page.goto(app_url + "/?date=2017-01-10")
        frame = map_frame(page)
        wait_idle(page)
        box = page.locator(MAP_IFRAME).first.bounding_box()
        page.screenshot(path=str(ARTIFACTS / f"map-layout-{width}x{height}.png"))
        header = page.locator('[data-testid="stHeader"]').bounding_box()
        assert header["y"] + header["height"] <= box["y"] + 1 < 80, f"the map starts {box['y']:.0f} px down the page"
        assert box["y"] + box["height"] <= height + 1, "the map runs below the window"
        assert box["height"] >= height - 110, f"the map is {box['height']:.0f} px high in a {height} px window"
        inner = frame.evaluate("() => window.map.getSize().y")
        assert inner >= box["height"] - 2, f"the Leaflet map ({inner} px) does not fill its frame ({box['height']:.0f} px)"
        for what in (DATE_SLIDER, '.st-key-w_step_fwd1 button', '.st-key-w_play button'):
            c = page.locator(what).first.bounding_box()
            assert c is not None, what
            assert 0 <= c["y"] and c["y"] + c["height"] <= height, f"{what} is not on screen: {c}"
            assert c["x"] + c["width"] <= box["x"], f"{what} is not beside the map: {c}"
    finally:
        context.close()


def test_arrow_keys_never_lose_a_press(app_url, browser):
    """Presses made while the app is running the previous one all count (the server no longer
    writes the slider's value back to the browser at each run)."""
    context, page = _new_page(browser, 1440, 900)
    try:
        page.goto(app_url + "/?date=2017-01-10")
        map_frame(page)
        wait_idle(page)
        slider = page.locator(DATE_SLIDER)
        slider.focus()
        start, presses, overlapped = date(2017, 1, 10), 12, 0
        for i in range(1, presses + 1):
            page.keyboard.press("ArrowRight")
            want = (start + timedelta(days=i)).isoformat()
            # the slider shows the new day (the press is in), then the next press comes at once
            page.wait_for_function("([sel, want]) => { const t = document.querySelector(sel)"
                                   ".closest('[data-testid=\"stSlider\"]'); return t && t.innerText.includes(want); }",
                                   arg=[DATE_SLIDER, want], timeout=10000)
            if page.evaluate("() => document.querySelector('[data-testid=\"stApp\"]')"
                             ".getAttribute('data-test-script-state')") == "running":
                overlapped += 1
        end = (start + timedelta(days=presses)).isoformat()
        page.wait_for_function(f"() => location.search.includes('date={end}')", timeout=30000)
        wait_idle(page)
        assert _url_date(page) == end
        shown = page.locator('[data-testid="stSlider"]').filter(has=page.locator(DATE_SLIDER))
        assert end in shown.inner_text(), shown.inner_text()
        assert overlapped >= 1, "no press came while the app was running: the test proves nothing"
        print(f"\n{presses} presses, {overlapped} while a run was under way: date {start} -> {end}")
    finally:
        context.close()


def test_play_animates_the_map_in_place_and_stops_at_the_end(app_url, browser):
    context, page = _new_page(browser, 1440, 900)
    try:
        page.goto(app_url + "/?date=2017-03-24")
        frame = map_frame(page)
        wait_idle(page)
        frame.evaluate("() => { window.__scm_probe = 11; }")
        first_zones = frame.evaluate(ZONE_SIG_JS)
        page.get_by_text("Events of each step only").click()
        wait_idle(page)
        page.locator('.st-key-w_play button').first.click()
        seen: set[str] = set()

        def ended():
            seen.add(_url_date(page) or "")
            return _url_date(page) == "2017-03-31" and "Play" in page.locator('.st-key-w_play button').first.inner_text()

        assert poll(page, ended, 90, step_ms=100), f"play did not reach the window's end: saw {sorted(seen)}"
        wait_idle(page)
        assert len(seen - {""}) >= 3, f"play jumped instead of animating: {sorted(seen)}"
        assert frame.evaluate("() => window.__scm_probe") == 11, "the map iframe was reloaded"
        assert frame.evaluate(ZONE_SIG_JS) != first_zones, "the zones did not follow the frames"
        # "events of each step only": the range is the last frame's day (end=2017-03-31 is the default)
        assert _url_date(page, "start") == "2017-03-31" and _url_date(page, "end") is None
        assert page.get_by_text(re.compile("Violation points 2017-03-31 to 2017-03-31")).count() == 1
        after = _url_date(page)
        assert poll(page, lambda: _url_date(page) != after, 3, step_ms=200) is False  # stopped: no further tick
        page.screenshot(path=str(ARTIFACTS / "map-play-end.png"))
    finally:
        context.close()


def test_compare_two_dates_side_by_side(app_url, browser):
    context, page = _new_page(browser, 1920, 1080)
    try:
        page.goto(app_url + "/?date=2016-12-01&cmp=2017-03-31")
        map_frame(page)
        wait_idle(page)
        assert page.locator(MAP_IFRAME).count() == 2
        main, other = (page.locator(MAP_IFRAME).nth(i).element_handle().content_frame() for i in range(2))
        for f in (main, other):
            f.wait_for_function("() => !!window.map", timeout=30000)
        assert poll(page, lambda: main.evaluate(HIGHLIGHTS_JS) > 0, 20), "no changed area outlined on the main map"
        assert poll(page, lambda: other.evaluate(HIGHLIGHTS_JS) == main.evaluate(HIGHLIGHTS_JS), 20)
        assert main.evaluate(ZONE_SIG_JS) != other.evaluate(ZONE_SIG_JS), "both maps show the same day's zones"
        a, b = (page.locator(MAP_IFRAME).nth(i).bounding_box() for i in range(2))
        assert abs(a["y"] - b["y"]) < 2 and a["x"] + a["width"] <= b["x"] + 1, "the maps are not side by side"
        assert a["y"] + a["height"] <= 1081
        page.screenshot(path=str(ARTIFACTS / "map-compare-1920x1080.png"))
    finally:
        context.close()
