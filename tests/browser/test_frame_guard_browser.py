"""Another site cannot frame the app (security audit 2026-11, findings 4 and 19).

Two guards, each tested here:
- the server (``serve.py``, :mod:`webapp.headers`) sends ``frame-ancestors 'self'`` and
  ``X-Frame-Options: SAMEORIGIN``: a page of another origin that puts the app in an iframe gets the
  browser's refusal, and the app never loads there;
- the app itself (``session.frame_guard``), for a server started as ``streamlit run app.py``
  without those headers: the app is covered by a message, and a click lands on the message.
The app opened directly shows no such message, and its own map frames are not affected.

"Another origin" is a local HTTP server on another port.  Fixtures ``app_url``, ``start_app`` and
``browser`` come from tests/browser/conftest.py; waits are on conditions.
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


def _framing_page(folder: Path, app_url: str):
    """A foreign page (its own server) that frames ``app_url``; returns the server."""
    (folder / "attacker.html").write_text(
        f'<html><body style="margin:0"><iframe id="victim" src="{app_url}/" style="width:1400px;height:860px">'
        "</iframe></body></html>", encoding="utf-8")
    return _serve(folder)


def test_the_browser_refuses_to_load_the_served_app_in_another_sites_frame(app_url, browser, tmp_path):
    server = _framing_page(tmp_path, app_url)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    refusals = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/attacker.html")
    victim = poll(page, lambda: next((f for f in page.frames if f.name == "victim"
                                      and f.url.startswith("chrome-error:")), None), timeout_s=60)
    assert victim, "the framed app was not refused by the browser"
    poll(page, lambda: refusals, timeout_s=30)
    assert app_url in refusals[0] and "blocked" in refusals[0]
    assert not any(f.url.startswith(app_url) for f in page.frames)  # the app never loaded framed
    assert victim.locator('[data-testid="stApp"]').count() == 0
    context.close()
    server.shutdown()


def test_an_app_without_the_headers_covers_itself_when_another_site_frames_it(start_app, browser, tmp_path):
    with start_app(tmp_path / "store.gpkg", tmp_path / "app.log", script="app.py") as app_url:
        _covered_when_framed(app_url, browser, tmp_path)


def _covered_when_framed(app_url: str, browser, tmp_path: Path) -> None:
    """Frame ``app_url`` (no framing headers) from another origin: the cover shows, not the app."""
    server = _framing_page(tmp_path, app_url)
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
