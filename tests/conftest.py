"""Shared pytest set-up.

AppTest (Streamlit 1.67) resets ``PagesManager.uses_pages_directory`` before every run, and with a
``pages/`` folder next to ``app.py`` Streamlit then re-enters its legacy multipage mode, in which a
rerun executes the page script alone (no ``app.py``: no navigation, sidebar or URL state).  A real
server leaves that mode for good as soon as ``app.py`` has called ``st.navigation`` once (and
``state.app_shell_guard`` covers a deep link opened first).  This fixture gives every AppTest run
that steady state, so reruns -- and button clicks, which a guard rerun would lose -- behave as in
the browser.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _streamlit_navigation_steady_state(monkeypatch):
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
