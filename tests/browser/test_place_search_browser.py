"""Names and search in the browser (issue 10, audit defect 11).

Only the browser shows two of these: the sidebar's governorate filter matches what is typed
against the option labels in the frontend, and the map moves in its own frame.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from _waits import map_frame, poll, wait_idle
from conftest import ARTIFACTS

_OPTIONS_JS = "() => Array.from(document.querySelectorAll('[role=option]')).map(o => o.innerText.trim())"
_VIEW_JS = "() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]"


def _param(url: str, key: str) -> str:
    return parse_qs(urlsplit(url).query).get(key, [""])[0]


def test_governorate_filter_finds_press_spellings(app_url, watched):
    page = watched.page
    page.goto(app_url)
    map_frame(page)
    wait_idle(page)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Governorate")
    field = box.locator("input")
    for typed, wanted in (("Idlib", "Idlib (SY07)"), ("Daraa", "Daraa (SY12)"), ("Deir ez-Zor", "Deir ez-Zor (SY09)"),
                          ("Idleb", "Idlib (SY07)")):
        field.click()
        field.fill(typed)
        shown = poll(page, lambda w=wanted: [o for o in page.evaluate(_OPTIONS_JS) if o.startswith(w)], 10)
        assert shown, f"typing {typed!r} offered {page.evaluate(_OPTIONS_JS)}"
        field.fill("")
        page.keyboard.press("Escape")


def test_map_page_search_flies_to_the_place_and_shows_its_card(app_url, watched):
    page = watched.page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_url}/?date=2017-03-01")
    frame = map_frame(page)
    wait_idle(page)
    field = page.locator('input[aria-label="Find a place"]')
    field.fill("الباب")
    field.press("Enter")
    assert poll(page, lambda: _param(page.url, "town") == "gn:174018", 30), page.url
    wait_idle(page)
    view = poll(page, lambda: (v := frame.evaluate(_VIEW_JS)) and v[2] == 11 and v, 30)
    assert view and abs(view[0] - 36.37) < 0.05 and abs(view[1] - 37.52) < 0.05, view
    card = page.locator(".st-key-place_card")
    assert poll(page, lambda: "Held on 2017-03-01" in card.inner_text(), 20), card.inner_text()
    text = card.inner_text()
    assert "Al-Bab" in text and "Euphrates Shield" in text and "Cited by" in text
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "place_search_al_bab_1440x900.png"))

    field.fill("Idleb")
    field.press("Enter")
    assert poll(page, lambda: _param(page.url, "z") not in ("", "11") and not _param(page.url, "town"), 30), page.url
    view = poll(page, lambda: (v := frame.evaluate(_VIEW_JS)) and v[2] != 11 and v, 30)
    assert view and 35.3 < view[0] < 36.4 and 36.2 < view[1] < 37.0, view
    assert not [e for e in watched.errors if "host-config" not in e and "/health" not in e], watched.errors
