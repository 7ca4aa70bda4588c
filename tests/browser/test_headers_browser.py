"""The served app (``streamlit run serve.py``) sends its hardening headers and hides its metrics.

Security audit 2026-11, finding 4: "``/_stcore/metrics`` is open; any site can frame the app".
Every response of the app's origin that a real page load fetches (the page, scripts, the map's
component frame) carries the headers of :mod:`webapp.headers`, and the map still draws inside its
same-origin frame.  The metrics endpoint answers 404; the health check still answers.
Fixtures ``app_url``, ``start_app`` and ``browser`` come from tests/browser/conftest.py.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from _waits import poll, wait_idle

from webapp.headers import HEADERS


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_every_response_of_a_page_load_carries_the_headers_and_the_map_draws(app_url, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    seen = []
    page.on("response", lambda r: seen.append((r.url, r.all_headers())) if r.url.startswith(app_url) else None)
    page.goto(f"{app_url}/")
    page.get_by_text("Selection").first.wait_for(state="attached", timeout=90_000)
    wait_idle(page, 90)
    map_frame = poll(page, lambda: next((f for f in page.frames if f.parent_frame is not None
                                         and f.evaluate("() => !!(window.L && document.querySelector('.leaflet-pane'))")),
                                        None), timeout_s=90)
    assert map_frame, "the map did not draw in its frame"
    assert any("/component/" in url for url, _ in seen), "the map's component frame was not fetched"
    assert len(seen) > 5
    for url, headers in seen:
        for name, value in HEADERS:
            assert headers.get(name.decode()) == value.decode(), (url, name)
    context.close()


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/"])
def test_the_metrics_endpoint_is_not_served(app_url, path):
    assert _status(f"{app_url}{path}") == 404
    assert _status(f"{app_url}/_stcore/health") == 200


def test_an_operator_can_serve_the_metrics_again(start_app, tmp_path):
    with start_app(tmp_path / "store.gpkg", tmp_path / "app.log", env={"MONITOR_SERVE_METRICS": "1"}) as url:
        assert _status(f"{url}/_stcore/metrics") == 200
