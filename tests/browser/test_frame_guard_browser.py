"""Another site cannot frame the app (security audit 2026-11, findings 4 and 19).

A page of another origin (a local HTTP server on another port, as a foreign site) puts the app in
an iframe: the app is covered by a message, and a click lands on the message, not on the app.
The app opened directly shows no such message, and its own map frames are not affected.

Fixtures ``app_url`` and ``browser`` come from tests/browser/conftest.py; waits are on conditions.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from _waits import poll, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
GUARD = "#scm-frame-guard"


def _serve(folder: Path):
    """An HTTP server for ``folder`` on a free port of 127.0.0.1 (another origin than the app's)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_page_of_another_site_framing_the_app_shows_a_message_not_the_app(app_url, browser, tmp_path):
    (tmp_path / "attacker.html").write_text(
        f'<html><body style="margin:0"><iframe id="victim" src="{app_url}/" style="width:1400px;height:860px">'
        "</iframe></body></html>", encoding="utf-8")
    server = _serve(tmp_path)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/attacker.html")
    frame = page.frame_locator("#victim")
    cover = frame.locator(GUARD)
    cover.wait_for(state="visible", timeout=90_000)
    assert "cannot be used inside another site" in cover.inner_text()
    app = next(f for f in page.frames if f.url.startswith(app_url))
    hit = app.evaluate("() => document.elementFromPoint(innerWidth / 2, innerHeight / 2).id")
    assert hit == GUARD[1:]  # a click anywhere lands on the message
    assert app.evaluate("() => getComputedStyle(document.body).visibility") == "hidden"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "frame_guard_framed.png"))
    context.close()
    server.shutdown()


def test_the_app_opened_directly_has_no_cover_and_its_map_draws(app_url, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/")
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=90_000)
    page.get_by_text("Selection").first.wait_for(state="attached", timeout=90_000)
    wait_idle(page, 90)
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', state="attached", timeout=90_000)
    assert page.locator(GUARD).count() == 0
    assert page.evaluate("() => getComputedStyle(document.body).visibility") == "visible"
    map_frame = poll(page, lambda: next((f for f in page.frames if f.parent_frame is not None
                                         and f.evaluate("() => !!window.L")), None), timeout_s=90)
    assert map_frame.locator(GUARD).count() == 0  # the map's own frames are the app's: no cover there
    context.close()
