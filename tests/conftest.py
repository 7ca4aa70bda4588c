"""Shared pytest set-up.

``steady_navigation``: for AppTest runs that click buttons or rerun.  AppTest (Streamlit 1.67)
resets Streamlit's legacy ``pages/`` mode before every run; a real server leaves it for good after
the first ``st.navigation``.  The fixture gives AppTest runs that steady state, so a button click
is not lost to the app's guard rerun (``webapp.internals``, where the private parts are, and why).
Request it by name (``pytestmark = pytest.mark.usefixtures("steady_navigation")``).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def steady_navigation(monkeypatch):
    """AppTest runs go through ``app.py`` at once, as on a running server."""
    from webapp.internals import steady_navigation_for_apptest

    steady_navigation_for_apptest(monkeypatch)


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app_for(monkeypatch):
    """``app_for(store, timeout=60)``: an AppTest of ``app.py`` on the workspace store ``store``."""
    from streamlit.testing.v1 import AppTest

    def make(store, timeout: float = 60) -> AppTest:
        monkeypatch.setenv("MONITOR_STORE", str(store))
        monkeypatch.chdir(ROOT)
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)

    return make


@pytest.fixture
def at(app_for, tmp_path):
    """An AppTest of ``app.py`` on an empty workspace store of its own (the shipped data only)."""
    return app_for(tmp_path / "store.gpkg", timeout=90)
