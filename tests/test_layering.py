"""Architecture rules, checked on the source: geo/ is pure, layers/ neither renders pages nor does I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_PACKAGES = {"streamlit", "streamlit_folium"}
MAP_PACKAGES = {"folium", "branca", "streamlit_folium"}
#: Calls that read or write files (attribute or bare name).
IO_CALLS = {"open", "read_file", "to_file", "write_text", "write_bytes", "read_text", "read_bytes", "to_csv",
            "to_parquet", "read_csv", "read_parquet", "mkdir", "unlink", "save"}


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _io_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in IO_CALLS:
                found.append(f"{path.name}:{node.lineno} {name}(")
    return found


@pytest.mark.parametrize("path", _modules("geo"), ids=lambda p: str(p.relative_to(ROOT)))
def test_geo_imports_neither_streamlit_nor_folium(path):
    bad = _imports(path) & (UI_PACKAGES | MAP_PACKAGES)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("layers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_import_no_streamlit_and_do_no_file_io(path):
    bad = _imports(path) & UI_PACKAGES
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
    assert _io_calls(path) == []


def test_only_app_state_and_pages_import_streamlit():
    # the Streamlit side: app.py, the pages and the app package's session glue and share panel
    allowed = {ROOT / "app.py", ROOT / "webapp" / "session.py",
               # the server entry point: st.App around app.py, with webapp/headers.py (no Streamlit there)
               ROOT / "serve.py", ROOT / "webapp" / "share.py",
               ROOT / "webapp" / "internals.py", ROOT / "webapp" / "eventlist.py",
               ROOT / "webapp" / "search.py", ROOT / "webapp" / "timecontrols.py",
               # what the Map page's frame holds, per session (st.session_state)
               ROOT / "webapp" / "mapframe.py",
               # the pages' cached data: defined once per process, not at every run of a page script
               ROOT / "webapp" / "mapdata.py", ROOT / "webapp" / "trenddata.py",
               # not app code: the load bench decodes Streamlit's websocket messages to time reruns
               ROOT / "bench" / "load.py",
               # not app code: the scale bench measures what streamlit-folium sends for the map's layers
               ROOT / "bench" / "scale.py",
               # not app code: the load bench's clock, loaded only into the server bench/load.py starts
               ROOT / "bench" / "server_clock" / "sitecustomize.py"} | set(_modules("pages"))
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        hidden = rel.parts[0].startswith(".")  # .git, .venv (the README's virtual environment)
        if hidden or rel.parts[0] in ("tests", "static") or "__pycache__" in rel.parts or path in allowed:
            continue
        if _imports(path) & UI_PACKAGES:
            offenders.append(str(rel))
    assert offenders == []


def test_the_checker_sees_violations(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom folium import Map\nopen('x').read()\ngdf.to_file('y')\n")
    assert _imports(bad) == {"streamlit", "folium"}
    assert len(_io_calls(bad)) == 2


WIDGETS = {
    "selectbox", "slider", "select_slider", "checkbox", "toggle", "radio", "button", "download_button",
    "multiselect", "date_input", "file_uploader", "text_input", "text_area", "number_input",
    "form_submit_button", "segmented_control", "pills", "data_editor",
}


def _widgets_without_key(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS:
            if not any(k.arg == "key" for k in node.keywords):
                found.append((node.lineno, node.func.attr))
    return found


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "pages").glob("*.py"), ROOT / "app.py", ROOT / "webapp" / "session.py", ROOT / "webapp" / "share.py",
            ROOT / "webapp" / "eventlist.py", ROOT / "webapp" / "search.py", ROOT / "webapp" / "timecontrols.py"]),
    ids=lambda p: p.name,
)
def test_every_widget_has_an_explicit_key(path):
    assert _widgets_without_key(path.read_text(encoding="utf-8")) == []


def test_view_state_stays_pure():
    """webapp/viewstate.py is imported by the briefing exports and the CLI: no Streamlit, no folium."""
    assert not (_imports(ROOT / "webapp" / "viewstate.py") & (UI_PACKAGES | {"folium"}))


def test_the_widget_key_checker_sees_a_missing_key():
    assert _widgets_without_key('st.slider("x", 0, 1)\nst.button("y", key="k")') == [(1, "slider")]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_no_page_defines_a_cached_function(page):
    # A page script runs at every rerun, and Streamlit works out a cached function's key from its
    # source (inspect.getsource) each time the decorator runs: 7 % of the server's CPU under ten
    # sessions of bench/load.py.  The pages' cached functions live in webapp/session.py,
    # webapp/mapdata.py and webapp/trenddata.py, defined once per process.
    tree = ast.parse((ROOT / "pages" / page).read_text(encoding="utf-8"))
    cached = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
              for d in node.decorator_list if "cache_" in ast.unparse(d)]
    assert cached == []
