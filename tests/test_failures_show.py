"""Failures show, problems carry codes (issue 11).

- a corrupt workspace store: the pages say which file and what to do, and still show the
  shipped data; the CLI prints one line and exits non-zero;
- classification errors are raised, never turned into "unclassified";
- ``geo/`` problems carry codes and name no command-line flag; the CLI and the Data page word
  them with their own controls (and the Data page offers them: repair, layer, date order).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from _data_helpers import run_cli
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from cli_commands.problems import cli_text
from geo.importers import import_file
from geo.schema import InputError, Problem
from geo.store import Store, StoreError
from webapp.problems import FIX_LABEL, LAYER_LABEL, advise, web_text

ROOT = Path(__file__).resolve().parents[1]
GARBAGE = bytes(range(256)) * 16  # not a GeoPackage (not even SQLite)

pytestmark = pytest.mark.usefixtures("steady_navigation")


def _app(tmp_path, monkeypatch, store: Path, page: str = "map") -> AppTest:
    monkeypatch.setenv("MONITOR_STORE", str(store))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["page"] = page
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _events(app) -> int:
    return int(next(m.value for m in app.metric if m.label == "Events").replace(",", ""))


def _two_layers(path: Path) -> Path:
    g = gpd.GeoDataFrame({"event_id": ["x:1"], "date_start": ["2017-01-02"]}, geometry=[Point(37.1, 36.2)], crs=4326)
    pyogrio.write_dataframe(g, path, layer="events_a")
    pyogrio.write_dataframe(g.assign(event_id=["x:2"]), path, layer="events_b")
    return path


# --- a corrupt store ---------------------------------------------------------------------------


def test_a_corrupt_store_is_named_on_the_map_page_and_the_shipped_events_still_show(tmp_path, monkeypatch,
                                                                                   shipped_store):
    shipped = _events(_app(tmp_path, monkeypatch, shipped_store))  # the shipped data alone (read only)
    assert shipped > 0
    corrupt = tmp_path / "my-store.gpkg"
    corrupt.write_bytes(GARBAGE)
    app = _app(tmp_path, monkeypatch, corrupt)
    errors = [e.value for e in app.error]
    assert any("my\\-store\\.gpkg" in e or "my-store.gpkg" in e for e in errors), errors
    assert not any(str(tmp_path) in e for e in errors)  # the file's name, not a server path
    assert any("move it away" in e for e in errors)  # what to do
    assert _events(app) == shipped  # the shipped events did not vanish
    assert not any("No events loaded" in c.value for c in app.caption)


@pytest.mark.parametrize("page", ["trends", "control", "sources", "data", "rules"])
def test_every_page_opens_with_a_corrupt_store_and_names_it(tmp_path, monkeypatch, page):
    corrupt = tmp_path / "damaged.gpkg"
    corrupt.write_bytes(GARBAGE)
    app = _app(tmp_path, monkeypatch, corrupt, page=page)  # asserts no exception
    assert any("damaged" in e.value for e in app.error), [e.value for e in app.error]
    assert _events(app) > 0


def test_the_data_page_refuses_to_import_into_a_corrupt_store_and_says_so(tmp_path, monkeypatch):
    corrupt = tmp_path / "broken.gpkg"
    corrupt.write_bytes(GARBAGE)
    app = _app(tmp_path, monkeypatch, corrupt, page="data")
    app.selectbox(key="w_import_fmt").set_value("gpkg")
    app.file_uploader(key="w_import_file").set_value(("two.gpkg", _two_layers(tmp_path / "t.gpkg").read_bytes(), ""))
    app.selectbox(key="w_import_kind").set_value("events")
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert not app.exception
    assert any("Nothing was imported" in e.value and "broken" in e.value for e in app.error)
    assert corrupt.read_bytes() == GARBAGE


def test_cli_stats_on_a_corrupt_store_prints_one_clean_line(tmp_path):
    corrupt = tmp_path / "store.gpkg"
    corrupt.write_bytes(GARBAGE)
    r = run_cli("stats", "--by", "governorate", "--store", corrupt)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the store ") and "store.gpkg" in lines[0], r.stderr
    assert "--store" in lines[0]  # the command line's own advice
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_the_store_error_has_a_code_and_the_file():
    path = Path(__file__).with_name("bad_inputs") / "empty.csv"
    with pytest.raises(StoreError) as exc:
        Store(path).layers()
    assert exc.value.code == "unreadable" and exc.value.path == path
    assert isinstance(exc.value, ValueError)  # callers that catch ValueError keep working


# --- classification errors are raised ------------------------------------------------------------


def test_a_failing_holder_lookup_is_raised_not_turned_into_unclassified():
    from geo.catalog import Catalog
    from geo.view import classify_events

    class Broken(Catalog):
        def party_at(self, events, dates=None):
            raise RuntimeError("control layer broke")

    cat = Broken("/nonexistent/store.gpkg")
    with pytest.raises(RuntimeError, match="control layer broke"):
        classify_events(cat.events().head(5), cat)


# --- problems carry codes; front ends word them ----------------------------------------------------


_FLAG = re.compile(r"--(?:fix|layer|map|kind|date-order|date|encoding|store|out|format|start|end|by|workspace-only)\b")


def _message_strings(path: Path):
    """Every string constant of ``path`` that is not a docstring (f-string parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_message_in_geo_names_a_command_line_flag():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in sorted((ROOT / "geo").rglob("*.py"))
        for line, text in _message_strings(path)
        if _FLAG.search(text)
    ]
    assert not found, "\n".join(found)


def test_a_multi_layer_file_gives_a_code_with_the_layers_and_each_front_end_words_it(tmp_path):
    src = _two_layers(tmp_path / "two.gpkg")
    with pytest.raises(InputError) as exc:
        import_file("gpkg", src, tmp_path / "s.gpkg")
    (problem,) = exc.value.problems
    assert problem.code == "layer_required" and problem.values == ("events_a", "events_b")
    assert cli_text(problem).endswith("choose one with --layer")
    advice = advise([problem])
    assert advice.layers == ("events_a", "events_b") and not advice.fix
    assert LAYER_LABEL in advice.rows[0]["reason"] and "--" not in advice.rows[0]["reason"]
    report = import_file("gpkg", src, tmp_path / "s.gpkg", layer=advice.layers[1])  # what the picker passes
    assert report.added == 1
    assert list(Store(tmp_path / "s.gpkg").read("events")["event_id"]) == ["x:2"]


def test_invalid_geometries_offer_the_repair_checkbox_and_it_repairs(tmp_path):
    bowtie = ROOT / "tests" / "bad_inputs" / "bowtie_zone.geojson"
    with pytest.raises(InputError) as exc:
        import_file("geojson", bowtie, tmp_path / "s.gpkg", kind="zones")
    codes = {p.code for p in exc.value.problems}
    assert "invalid_geometry" in codes
    advice = advise(exc.value.problems)
    assert advice.fix and FIX_LABEL in " ".join(r["reason"] for r in advice.rows)
    assert "use --fix" in " ".join(cli_text(p) for p in exc.value.problems)
    report = import_file("geojson", bowtie, tmp_path / "s.gpkg", kind="zones", fix=True)  # the checkbox
    assert report.added == 1 and any("repaired 1 invalid geometry" in n for n in report.notes)


def test_front_ends_word_by_code_not_by_reason():
    odd = Problem(3, "geometry", "use --fix to repair", code="")  # a reason that looks like a code
    assert web_text(odd) == "use --fix to repair" and cli_text(odd) == "row 3, column 'geometry': use --fix to repair"
    ambiguous = Problem(2, "day", "'05/04/2017' is ambiguous", code="ambiguous_date")
    assert advise([ambiguous]).date_order and "--date-order" in cli_text(ambiguous)
    assert "--" not in web_text(ambiguous)
    option = Problem(None, "out", "/tmp is a folder", code="bad_option")
    assert cli_text(option) == "option --out: /tmp is a folder"


def test_the_data_page_offers_the_layers_of_a_multi_layer_file_and_imports_the_chosen_one(tmp_path, monkeypatch):
    store = tmp_path / "store.gpkg"
    app = _app(tmp_path, monkeypatch, store, page="data")
    assert app.selectbox(key="w_import_layer").disabled  # no layer to choose yet
    content = _two_layers(tmp_path / "two.gpkg").read_bytes()
    app.selectbox(key="w_import_fmt").set_value("gpkg")
    app.file_uploader(key="w_import_file").set_value(("two.gpkg", content, "application/geopackage+sqlite3"))
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("Nothing was written" in e.value for e in app.error)
    reason = app.dataframe[-1].value.iloc[0]["reason"]
    assert LAYER_LABEL in reason and "--layer" not in reason
    picker = app.selectbox(key="w_import_layer")
    assert not picker.disabled and list(picker.options) == ["", "events_a", "events_b"]
    picker.set_value("events_b")
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("added 1" in s.value for s in app.success), [e.value for e in app.error]
    assert list(Store(store).read("events")["event_id"]) == ["x:2"]
