"""Shared pytest set-up.

``steady_navigation``: for AppTest runs that click buttons or rerun.  AppTest (Streamlit 1.67)
resets Streamlit's legacy ``pages/`` mode before every run; a real server leaves it for good after
the first ``st.navigation``.  The fixture gives AppTest runs that steady state, so a button click
is not lost to the app's guard rerun (``webapp.internals``, where the private parts are, and why).
Request it by name (``pytestmark = pytest.mark.usefixtures("steady_navigation")``).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def steady_navigation(monkeypatch):
    """AppTest runs go through ``app.py`` at once, as on a running server."""
    from webapp.internals import steady_navigation_for_apptest

    steady_navigation_for_apptest(monkeypatch)
