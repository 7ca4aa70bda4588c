"""The private Streamlit and streamlit-folium parts ``webapp/internals.py`` relies on still exist.

These tests read the installed packages (their Python and their frontend bundles), so an upgrade
that moves or renames one of them fails here, by name, instead of breaking the app quietly.
When one fails: read the reason in ``webapp/internals.py``, look for a public API in the new
version, adapt, then widen the range in ``pyproject.toml``.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from importlib import metadata, resources
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

from webapp import internals


def _bundle(package: str, folder: str) -> dict[str, str]:
    """Every ``.js`` file of ``package``'s ``folder`` (name -> text)."""
    root = Path(str(resources.files(package))) / folder
    files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(root.glob("*.js"))}
    assert files, f"no JavaScript bundle under {root}"
    return files


def test_versions_are_the_ones_the_internals_were_written_for():
    # Not a behaviour check: it makes an upgrade visible.  Re-run this module on the new version
    # and re-read webapp/internals.py before changing these two lines and pyproject.toml.
    assert metadata.version("streamlit").startswith("1.67."), metadata.version("streamlit")
    assert metadata.version("streamlit-folium").startswith("0.27."), metadata.version("streamlit-folium")


# --- app_shell_guard / steady_navigation_for_apptest: PagesManager.uses_pages_directory ---------
def test_pages_manager_flag_is_set_from_a_pages_folder(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    monkeypatch.setattr(PagesManager, internals.PAGES_MODE_FLAG, None)
    PagesManager(str(tmp_path / "app.py"))
    assert getattr(PagesManager, internals.PAGES_MODE_FLAG) is True  # the legacy mode the guard leaves


def test_the_flag_still_decides_the_legacy_mode_and_navigation_still_clears_it():
    from streamlit.commands import navigation
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import app_test

    flag = f"PagesManager.{internals.PAGES_MODE_FLAG}"
    assert f"if {flag}:" in inspect.getsource(script_runner)  # runs pages/*.py alone when set
    assert f"{flag} = False" in inspect.getsource(navigation.navigation)  # st.navigation leaves it
    assert f"{flag} = None" in inspect.getsource(app_test)  # why the AppTest fixture exists


def test_steady_navigation_for_apptest_clears_the_flag_on_every_new_pages_manager(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    monkeypatch.setattr(PagesManager, internals.PAGES_MODE_FLAG, None)
    internals.steady_navigation_for_apptest(monkeypatch)
    PagesManager(str(tmp_path / "app.py"))
    assert getattr(PagesManager, internals.PAGES_MODE_FLAG) is False


# --- STREAMLIT_URL_HOOKS: Streamlit's frontend ----------------------------------------------------
def test_frontend_still_has_the_app_methods_the_url_hooks_call():
    js = _bundle("streamlit", "static/static/js")
    text = "\n".join(js.values())
    for name in internals.FRONTEND_NAMES:
        assert name in text, f"{name!r} is gone from Streamlit's frontend (webapp/internals.py)"
    app = [n for n, t in js.items() if "this.syncQueryParams=" in t and "this.widgetMgr=new" in t]
    assert app, "the App component no longer has syncQueryParams and widgetMgr as own properties"
    assert "filterParamsForPageChange(e){" in text, "WidgetStateManager.filterParamsForPageChange changed"
    assert "setQueryParamsChangeHandler(this.syncQueryParams)" in text  # what bind="query-params" uses
    react = [t for t in js.values() if "__reactContainer$" in t]
    assert react and all(f in react[0] for f in ("stateNode", "sibling", "child"))


def test_url_hooks_source_uses_only_the_checked_names():
    hooks = internals.STREAMLIT_URL_HOOKS
    for name in internals.FRONTEND_NAMES:
        assert name in hooks
    assert "http" not in hooks  # fixed source: no URL, nothing fetched


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for a JavaScript syntax check")
def test_url_hooks_are_valid_javascript(tmp_path):
    script = tmp_path / "hooks.js"
    script.write_text(f"var hooks = {internals.STREAMLIT_URL_HOOKS};\nif (typeof hooks !== 'function') process.exit(3);\n")
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_map_script_calls_the_hooks_only_when_given():
    from layers.assets import add_view_in_address_bar, base_map

    def render(**kw):
        m = base_map((35, 38.5), 7)
        add_view_in_address_bar(m, home=(35.0, 38.5, 7), lat_range=(31.0, 38.5), lon_range=(34.0, 44.0),
                                zoom_range=(5, 16), **kw)
        return m.get_root().render()

    assert "syncQueryParams" not in render()  # layers/ knows nothing of Streamlit
    assert "var hooks = null;" in render()
    out = render(host_hooks=internals.STREAMLIT_URL_HOOKS)
    assert "var hooks = " + internals.STREAMLIT_URL_HOOKS + ";" in out


# --- STREAMLIT_FOLIUM_GLOBALS: streamlit-folium's frame globals ------------------------------------
def test_streamlit_folium_still_keeps_the_applied_view_in_its_globals():
    text = "\n".join(_bundle("streamlit_folium", "frontend/build/static/js").values())
    for name in internals.STREAMLIT_FOLIUM_GLOBALS:
        assert name in text, f"{name!r} is gone from streamlit-folium's frontend (webapp/internals.py)"
    assert "window.__GLOBAL_DATA__.last_center=" in text
