"""A link to a page's path opened first after the server starts shows that page.

Until ``st.navigation`` has run once, Streamlit 1.67 serves a ``pages/`` folder in its legacy
mode, where a page's name is its file name (``webapp.internals.app_shell_guard``).  The Control
change page's path is ``/control``; while its file was ``pages/control_change.py``, that first
link got Streamlit's "Page not found" and the Map page instead.
"""

from __future__ import annotations

import pytest
from _waits import poll, wait_idle


@pytest.mark.parametrize(("path", "title"), [("/control", "Control change"),
                                             ("/control?cfrom=2017-01-01&cto=2017-02-01", "Control change")])
def test_a_page_path_opened_first_after_the_server_starts_shows_that_page(browser, start_app, tmp_path, path, title):
    with start_app(tmp_path / "store.gpkg", tmp_path / "app.log") as url:
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url + path)
        assert poll(page, lambda: title in page.locator("h1").all_inner_texts(), timeout_s=90)
        wait_idle(page, 60)
        assert page.get_by_text("Page not found").count() == 0
        assert "/control" in page.url
        page.context.close()
