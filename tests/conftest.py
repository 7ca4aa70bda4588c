"""Shared pytest set-up.

``steady_navigation``: for AppTest runs that click buttons or rerun.  AppTest (Streamlit 1.67)
resets Streamlit's legacy ``pages/`` mode before every run; a real server leaves it for good after
the first ``st.navigation``.  The fixture gives AppTest runs that steady state, so a button click
is not lost to the app's guard rerun (``webapp.internals``, where the private parts are, and why).
Request it by name (``pytestmark = pytest.mark.usefixtures("steady_navigation")``).
"""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def _shipped_only_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("shipped-only")


@pytest.fixture
def shipped_store(_shipped_only_folder):
    """A workspace store path with no file behind it (the app shows the shipped data alone), shared
    by every test that only reads.

    The app caches what it loads by the store's path, so tests on this one path find its caches
    warm instead of loading and classifying the shipped events again.  A test that writes (an
    upload, an import) or patches what the app computes needs a store of its own (``tmp_path``):
    this fixture fails a test that left anything in the shared folder, and empties it.
    """
    path = _shipped_only_folder / "store.gpkg"
    yield path
    left = sorted(p.name for p in _shipped_only_folder.iterdir())
    for p in _shipped_only_folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    assert left == [], f"a test wrote {left} beside the shared read-only store: give it a store of its own"


@pytest.fixture
def at(app_for, shipped_store):
    """An AppTest of ``app.py`` on the shared store path of the shipped data (:func:`shipped_store`):
    for tests that only read; a test that writes uses ``app_for(tmp_path / "store.gpkg")``."""
    return app_for(shipped_store, timeout=90)
