"""Shareable links and exports in headless Chromium (issue 5).

- the standalone HTML map draws in Chromium with every non-file request blocked;
- malformed links show a notice and the default view, never an exception or a traceback;
- a link opened in a fresh browser context keeps its control date, range and layers on every page;
- the presentation view hides the app chrome and draws the map with its title box.

Fixtures ``app_url``, ``browser`` and ``watched`` come from tests/browser/conftest.py.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from _waits import frame_with, poll, wait_idle
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from webapp.viewstate import ViewState

# Counts the layers of the folium map of a standalone page (its ``map_<hash>`` global).
STANDALONE_COUNT_JS = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  if (!key) return null;
  const m = window[key];
  const c = {zone: 0, town: 0, event: 0, boundary: 0, panes: 0};
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.kind) { c[p.kind] = (c[p.kind] || 0) + 1; return; }
    const k = l.options && l.options.scmKind;
    if (!k) return;
    if (typeof l.getLayers === 'function') c[k] += l.getLayers().length;
    else if (!l.__parent) c[k] += 1;
  });
  const canvas = document.querySelector('.leaflet-overlay-pane canvas');
  c.canvas = canvas ? [canvas.width, canvas.height] : null;
  return c;
}"""

ERROR_WORDS = ("Traceback", "KeyError", "ValueError", "Exception", "This app has encountered an error")


def _wait_app(page, timeout_s: float = 60) -> None:
    """Wait until the app has drawn its sidebar and finished running."""
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=timeout_s * 1000)
    page.get_by_text("Selection").first.wait_for(state="attached", timeout=timeout_s * 1000)
    wait_idle(page, timeout_s)


def _assert_no_error_text(page) -> None:
    body = page.inner_text("body")
    for word in ERROR_WORDS:
        assert word not in body, f"{word!r} shown on the page"


# --- standalone HTML ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def standalone_html(tmp_path_factory):
    from briefing.html import render_html
    from geo.catalog import Catalog

    folder = tmp_path_factory.mktemp("export")
    state = ViewState.from_query("date=2017-02-15&start=2017-01-01&end=2017-02-28")
    path = render_html(state, Catalog(folder / "empty.gpkg"), out=folder / "map.html")
    return path, render_html.last_facts


def test_standalone_html_draws_the_map_with_no_network(browser, standalone_html):
    path, facts = standalone_html
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-container", timeout=20000)
        last = None

        def drawn():
            nonlocal last
            last = page.evaluate(STANDALONE_COUNT_JS)
            return last and last["event"] >= facts["events_drawn"] and last["zone"] >= 1

        poll(page, drawn, 20, step_ms=150)
        counts = last
        assert counts is not None, "no Leaflet map object in the page"
        assert counts["zone"] >= 1 and counts["boundary"] >= 14
        assert counts["event"] == facts["events_drawn"] > 0
        assert counts["canvas"] and counts["canvas"][0] > 300, "nothing drawn on the overlay canvas"
        title = page.locator(".scm-title").inner_text()
        assert "Control on 15 Feb 2017" in title and "1 Jan 2017 – 28 Feb 2017" in title
        assert "dataset version" in page.locator(".scm-footer").inner_text()
        assert blocked == [], f"the standalone page tried the network: {blocked[:3]}"
        assert errors == [], errors[:3]
    finally:
        context.close()


# --- malformed links ---------------------------------------------------------------------------
MALFORMED = {
    "bad date": ("date=2017-02-30", "not a calendar date"),
    "unknown page": ("page=admin", "Unknown page"),
    "zoom 99": ("z=99", "out of range"),
    "repeated key": ("date=2017-01-05&date=2017-01-06", "given 2 times"),
    "5000-char value": ("start=" + "9" * 5000, "too long"),
    "script in a value": ("town=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "malformed"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_link_shows_a_notice_and_the_default_view(browser, app_url, case):
    query, words = MALFORMED[case]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{app_url}/?{query}")
        _wait_app(page)
        alert = page.locator('[data-testid="stAlert"]').filter(has_text=words)
        assert alert.count() >= 1, f"no notice containing {words!r}"
        _assert_no_error_text(page)
        assert dialogs == []
        # default view: the control date and the event range are the defaults
        assert page.get_by_text("01 Dec 2016 – 31 Mar 2017").count() >= 1
        params = parse_qs(urlsplit(page.url).query)
        assert "z" not in params and params.get("date", ["2016-12-30"]) == ["2016-12-30"]
        assert all(len(v) <= 200 for vs in params.values() for v in vs)
    finally:
        context.close()


# --- a link keeps its view on every page ------------------------------------------------------------
PAGES = {"": "Map", "trends": "Trends", "control": "Control change", "sources": "Sources", "data": "Data",
         "rules": "Rules"}
LINK = "date=2017-02-15&start=2017-01-01&end=2017-02-28&layers=zones,events&gov=SY02"


def _view_of(page, timeout_s: float = 20) -> dict:
    """The view parameters in the address bar, once the app has written them (end of its run)."""
    try:
        page.wait_for_function("() => location.search.includes('date=')", timeout=timeout_s * 1000)
    except PlaywrightTimeoutError:  # no view in the address bar: compared (and reported) below
        pass
    q = parse_qs(urlsplit(page.url).query)
    return {k: q.get(k, [""])[0] for k in ("date", "start", "end", "layers", "gov")}


EXPECTED = {"date": "2017-02-15", "start": "2017-01-01", "end": "2017-02-28", "layers": "zones,events", "gov": "SY02"}


@pytest.mark.parametrize("path", list(PAGES))
def test_link_opened_in_a_fresh_context_keeps_the_view_on_each_page(browser, app_url, path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{path}?{LINK}")
        _wait_app(page)
        _assert_no_error_text(page)
        assert _view_of(page) == EXPECTED
        assert page.get_by_text("01 Jan 2017 – 28 Feb 2017").count() >= 1  # sidebar selection
        # then through the navigation, every other page keeps it
        for other, label in PAGES.items():
            if other == path:
                continue
            page.get_by_role("link", name=label, exact=True).first.click()
            page.wait_for_function(
                "p => location.pathname.replace(/\\/$/, '').endsWith(p)", arg="/" + other if other else "",
                timeout=30000,
            )
            _wait_app(page)
            _assert_no_error_text(page)
            assert _view_of(page) == EXPECTED, f"{label} page lost the view: {page.url}"
    finally:
        context.close()


def test_map_page_share_panel_gives_the_link_of_the_view(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{LINK}")
        _wait_app(page)
        page.get_by_text("Share and export this view").click()
        page.get_by_role("button", name="Counts table CSV").wait_for(timeout=20000)  # the panel is open
        # both link boxes filled from the page's address (a rerun started by the map may still be
        # re-sending the panel: wait on the boxes' content, never a fixed time)
        box = frame_with(page, "#scm-link", "() => document.body.getAttribute('data-link') !== null")
        link = box.input_value("#scm-link").strip()
        assert link.startswith(app_url)
        assert ViewState.from_query(urlsplit(link).query) == ViewState.from_query(LINK)
        assert "view=briefing" in box.input_value("#scm-presentation")
        for label in ("PNG slide 1920×1080", "PDF A4", "Interactive HTML", "Events CSV", "Events GeoJSON",
                      "Counts table CSV", "Control zones GeoJSON", "Control table CSV"):
            assert page.get_by_role("button", name=label).count() == 1, label
        with page.expect_download(timeout=90000) as dl:
            page.get_by_role("button", name="PNG slide 1920×1080").click()
        from io import BytesIO

        from PIL import Image

        img = Image.open(BytesIO(open(dl.value.path(), "rb").read()))
        assert img.size == (1920, 1080)
    finally:
        context.close()


def test_presentation_view_hides_the_chrome_and_draws_the_map(browser, app_url):
    context = browser.new_context(viewport={"width": 1600, "height": 950})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{LINK}&view=briefing")
        frame = frame_with(page, ".scm-title")  # the map with a title box
        title = frame.locator(".scm-title").inner_text()
        assert "Control on 15 Feb 2017" in title and "governorates: Aleppo" in title
        assert "Legend" in frame.locator(".scm-legend").inner_text()
        assert "Reports:" in frame.locator(".scm-footer").inner_text()
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.count() == 0 or not sidebar.is_visible()
        header = page.locator('[data-testid="stHeader"]')
        assert header.count() == 0 or not header.is_visible()
        box = page.locator("iframe").first.bounding_box()
        assert box and box["width"] > 1500
        _assert_no_error_text(page)
    finally:
        context.close()


def test_link_to_a_page_is_the_first_request_of_a_fresh_server(browser, tmp_path, start_app):
    """A shared link to a page (not "/") must work even as the very first request a server sees."""
    with start_app(tmp_path / "store.gpkg", tmp_path / "streamlit.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"{url}/trends?{LINK}")
            _wait_app(page)
            _assert_no_error_text(page)
            assert _view_of(page) == EXPECTED
            assert re.search(r"/trends/?$", urlsplit(page.url).path)
        finally:
            context.close()
