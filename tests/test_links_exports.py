"""Links, imports and exports (issue 10): the link is the view, imports show at once, exports.

- ``colour=`` carries "Colour events by" in every link; the share panel's link box reads the
  page's own address (kept current by the map's script and the app), with the server's link as
  its fallback;
- an import on the Data page refreshes the sidebar and the datasets table in the same
  interaction; a shapefile uploads as its parts together; an error names the file, never a
  temporary folder or "row None";
- briefing exports: the boundary legend says "approximate" only for boundaries not marked
  official, the footer wraps instead of being cut, the scale bar covers no data;
- the control zones (GeoJSON) and the control table (CSV) download from the web as the CLI writes them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from webapp.viewstate import ViewState

pytestmark = pytest.mark.usefixtures("steady_navigation")

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_inputs"


def _app(store: Path, monkeypatch, **params) -> AppTest:
    """A first run of the app on the workspace store ``store`` with the link's ``params``."""
    monkeypatch.setenv("MONITOR_STORE", str(store))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _events(app) -> int:
    return int(next(m.value for m in app.metric if m.label == "Events").replace(",", ""))


def _link_box(app) -> str:
    """The share panel's link box (webapp/share.py), as the page's HTML."""
    return next(e.proto.srcdoc for e in app.get("iframe") if "scm-link" in e.proto.srcdoc)


# --- colour=: "Colour events by" is in the link ---------------------------------------------------
def test_colour_mode_round_trips_and_is_left_out_at_its_default():
    assert ViewState().colour == "class" and "colour" not in ViewState().to_query()
    vs = ViewState.from_query("colour=party&date=2017-02-01")
    assert vs.colour == "party" and not vs.notices
    assert ViewState.from_query(vs.query_string()) == vs
    bad = ViewState.from_query("colour=<b>red</b>")
    assert bad.colour == "class" and any("colour" in n for n in bad.notices)


def test_colour_choice_goes_to_the_url_and_the_link_box_and_a_link_sets_it(shipped_store, monkeypatch):
    app = _app(shipped_store, monkeypatch)
    assert "colour" not in app.query_params
    app.radio(key="w_color_by").set_value("party").run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.query_params["colour"] == "party"
    assert "colour=party" in _link_box(app)  # the server's link, until the page's address is read
    assert "window.parent.location.href" in _link_box(app)  # ... which the box then shows
    opened = _app(shipped_store, monkeypatch, colour="party", lat="36.2", lon="37.15", z="9")
    assert opened.radio(key="w_color_by").value == "party"
    assert "colour=party" in _link_box(opened) and "z=9" in _link_box(opened)


def test_the_link_box_escapes_the_server_link():
    from webapp.share import link_box_html

    html = link_box_html('http://x/?town="><script>alert(1)</script>', "http://x/?view=briefing")
    assert "<script>alert(1)" not in html and "&quot;&gt;&lt;script&gt;" in html


# --- imports show at once --------------------------------------------------------------------------
def _one_event_csv() -> bytes:
    """One UCDP row in the Syrian desert (34.6 N 39.5 E, 20 Feb 2017), away from every curated event."""
    header, row = (BAD / "latitude_out_of_range.csv").read_text(encoding="utf-8").splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    cells.update(id="990001", latitude="34.6", longitude="39.5", date_start="2017-02-20", date_end="2017-02-20",
                 source_date="2017-02-20", where_coordinates="desert point")
    return (header + "\n" + ",".join(cells[c] for c in header.split(",")) + "\n").encode()


def _submit(app, fmt: str, files, kind: str | None = None):
    app.selectbox(key="w_import_fmt").set_value(fmt)
    if kind:
        app.selectbox(key="w_import_kind").set_value(kind)
    app.file_uploader(key="w_import_file").set_value(files)
    next(b for b in app.button if b.label == "Import").click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_an_import_shows_in_the_sidebar_and_the_datasets_table_in_the_same_interaction(tmp_path, monkeypatch):
    app = _app(tmp_path / "store.gpkg", monkeypatch, page="data")
    before = _events(app)
    rows_before = int(app.dataframe[0].value["rows"].sum())
    _submit(app, "ucdp", ("desert.csv", _one_event_csv(), "text/csv"))
    assert any("added 1" in s.value for s in app.success), [e.value for e in app.error]
    assert _events(app) == before + 1  # the sidebar of this very run
    assert int(app.dataframe[0].value["rows"].sum()) == rows_before + 1  # the datasets table too


def _shapefile(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    g = gpd.GeoDataFrame({"event_id": ["shp:1"], "date_start": ["2017-02-21"]}, geometry=[Point(39.6, 34.7)],
                         crs=4326)
    pyogrio.write_dataframe(g, folder / "desert.shp", driver="ESRI Shapefile")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_shapefile_uploads_as_its_parts_together(tmp_path, monkeypatch):
    parts = _shapefile(tmp_path / "shp")
    assert {"desert.shp", "desert.shx", "desert.dbf", "desert.prj"} <= set(parts)
    app = _app(tmp_path / "store.gpkg", monkeypatch, page="data")
    before = _events(app)
    _submit(app, "shp", [(n, b, "application/octet-stream") for n, b in parts.items()], kind="events")
    assert any("Imported desert.shp" in s.value.replace("\\", "") and "added 1" in s.value for s in app.success), \
        [e.value for e in app.error]
    assert _events(app) == before + 1


def test_a_shapefile_alone_is_refused_naming_its_missing_parts_and_no_server_path(tmp_path, monkeypatch):
    parts = _shapefile(tmp_path / "shp")
    app = _app(tmp_path / "store.gpkg", monkeypatch, page="data")
    _submit(app, "shp", ("desert.shp", parts["desert.shp"], "application/octet-stream"), kind="events")
    text = " ".join(e.value for e in app.error).replace("\\", "")  # as shown (markdown escapes)
    assert "desert.shp" in text and "desert.shx" in text and "desert.dbf" in text and "zip" in text
    assert "/tmp" not in text and "scm-upload" not in text and "None" not in text
    assert not (tmp_path / "store.gpkg").exists()


def test_a_file_level_problem_names_the_file_not_a_temporary_path_nor_row_none(tmp_path, monkeypatch):
    app = _app(tmp_path / "store.gpkg", monkeypatch, page="data")
    _submit(app, "gpkg", ("broken.gpkg", b"this is not a GeoPackage", "application/octet-stream"), kind="events")
    assert any("broken.gpkg" in e.value.replace("\\", "") for e in app.error)
    table = app.dataframe[-1].value
    assert list(table.columns) == ["row", "column", "reason"]
    assert table["row"].tolist() == ["broken.gpkg"] * len(table)
    shown = " ".join(table.astype(str).to_numpy().ravel())
    assert "scm-upload" not in shown and "/tmp/" not in shown and "None" not in shown


# --- exports: zones and the control table ------------------------------------------------------------
def test_zones_download_is_what_the_cli_exports(tmp_path):
    from geo.catalog import Catalog
    from webapp.share import zones_geojson

    store = tmp_path / "store.gpkg"
    web = json.loads(zones_geojson(Catalog(store), date(2017, 2, 15)))
    out = tmp_path / "zones.geojson"
    subprocess.run([sys.executable, "cli.py", "export", "zones", "--date", "2017-02-15", "--format", "geojson",
                    "--out", str(out), "--store", str(store)], cwd=ROOT, check=True, capture_output=True)
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert len(web["features"]) >= 5
    assert web == cli


def test_control_table_download_is_what_the_cli_exports(tmp_path):
    from geo.catalog import Catalog
    from webapp.share import control_csv

    store = tmp_path / "store.gpkg"
    web = control_csv(Catalog(store), date(2017, 2, 15))
    out = tmp_path / "control.csv"
    r = subprocess.run([sys.executable, "cli.py", "export", "control", "--date", "2017-02-15", "--format", "csv",
                        "--out", str(out), "--store", str(store)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == web
    assert web.count(b"\n") > 500  # the shipped control records in force that day, and the header
    r = subprocess.run([sys.executable, "cli.py", "export", "control", "--format", "csv", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "needs --date" in r.stderr


class _ControlCatalog:
    """A catalog with two control records (one with a note a spreadsheet would run) and their places."""

    def control(self):
        return pd.DataFrame({
            "locality_id": ["cur:a", "cur:b", "cur:a"], "party": ["government", "opposition", "hts"],
            "valid_from": pd.to_datetime(["2016-12-01", "2016-12-01", "2017-03-01"]),
            "valid_to": pd.to_datetime(["2017-03-01", None, None]),
            "source_id": ["s1", "s2", "s3"], "confidence": ["high", "medium", "low"],
            "note": ["=HYPERLINK(\"http://x\")", "plain", "later"],
        })

    def localities(self):
        return gpd.GeoDataFrame({"locality_id": ["cur:a", "cur:b"], "name_en": ["Alpha", "Beta"],
                                 "name_ar": ["أ", "ب"], "admin1_pcode": ["SY02", "SY07"]},
                                geometry=[Point(37.1, 36.2), Point(36.6, 35.9)], crs=4326)


def test_control_table_download_holds_the_records_in_force_with_formulas_neutralised():
    from geo.export import CONTROL_TABLE_COLUMNS
    from webapp.share import control_csv

    text = control_csv(_ControlCatalog(), date(2017, 2, 15)).decode("utf-8")
    table = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    assert tuple(table.columns) == CONTROL_TABLE_COLUMNS
    assert table["party"].tolist() == ["government", "opposition"]  # hts starts on 1 Mar
    assert table["name_en"].tolist() == ["Alpha", "Beta"] and table.loc[0, "lat"] == "36.2"
    assert table.loc[0, "note"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert table.loc[0, "valid_to"] == "2017-03-01" and table.loc[1, "valid_to"] == ""


# --- briefing exports ----------------------------------------------------------------------------
def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def test_the_boundary_legend_says_approximate_only_for_boundaries_not_marked_official(tmp_path):
    from briefing import data as bdata
    from briefing.render import build_figure
    from geo.catalog import Catalog

    catalog = Catalog(tmp_path / "store.gpkg")  # the shipped OCHA boundaries
    state = ViewState(layers=("boundaries",))
    fig, _ = build_figure(bdata.gather(state, catalog, version="t"))
    assert "Governorate boundary (OCHA COD-AB)" in _texts(fig) and "approximate" not in _texts(fig)

    class Unofficial(Catalog):
        def boundaries_are_official(self, level=1):
            return False

    fig, _ = build_figure(bdata.gather(state, Unofficial(tmp_path / "store.gpkg"), version="t"))
    assert "Governorate boundary (approximate: not marked official)" in _texts(fig)


@pytest.mark.parametrize("size", ["a4", "1920x1080"])
def test_the_footer_wraps_and_is_never_cut(tmp_path, size):
    from matplotlib.text import Text

    from briefing import data as bdata
    from briefing.render import FOOTER_BOTTOM, FOOTER_TOP, build_figure
    from geo.catalog import Catalog

    bd = bdata.gather(ViewState(layers=("boundaries",)), Catalog(tmp_path / "store.gpkg"), version="t")
    bd.sources = ["Reports: " + "; ".join(f"Outlet number {i} (news agency)" for i in range(40))]
    fig, facts = build_figure(bd, size)
    assert facts["footer"]["lines"] > 3  # the long sources line was wrapped, not cut
    renderer = fig.canvas.get_renderer()
    footer = [t for t in fig.texts if isinstance(t, Text) and t.get_position()[1] < FOOTER_TOP]
    text = " ".join(t.get_text() for t in footer)
    assert "…" not in text and "Outlet number 39 (news agency)" in text and "dataset version: t" in text
    for t in footer:
        box = t.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        assert box.x0 >= 0 and box.x1 <= 1 and box.y0 >= FOOTER_BOTTOM - 1e-3, t.get_text()[:40]


def test_the_scale_bar_covers_no_data(tmp_path):
    from briefing import data as bdata
    from briefing.render import _drawn_area, _metric, _scale_bar_box, build_figure
    from geo.catalog import Catalog

    catalog = Catalog(tmp_path / "store.gpkg")
    whole = bdata.gather(ViewState(start=date(2017, 2, 1), end=date(2017, 2, 28)), catalog, version="t")
    fig, facts = build_figure(whole, "a4")
    assert facts["scale_bar"] in ("lower right", "lower left", "upper left")
    ax = fig.axes[0]
    drawn = _drawn_area(ax, _metric(whole.outline), _metric(whole.zones), _metric(whole.events), 7.5)
    assert not _scale_bar_box(ax, facts["scale_bar_m"], facts["scale_bar"])[2].intersects(drawn)
    # a view where every corner of the map holds land and events: the bar goes beside the map
    inner = bdata.gather(ViewState(lat=35.5, lon=38.5, zoom=9), catalog, version="t")
    assert build_figure(inner, "1920x1080")[1]["scale_bar"] == "outside the map"


def test_the_presentation_map_fits_the_country_unless_the_link_has_its_own_view(tmp_path):
    from briefing import data as bdata
    from briefing.html import build_map
    from geo.catalog import Catalog

    catalog = Catalog(tmp_path / "store.gpkg")
    m, facts = build_map(bdata.gather(ViewState(), catalog, version="t"), official=True, fill=True)
    html = m.get_root().render()
    assert facts["fitted"] and "fitBounds" in html and "window.innerHeight" in html
    m, facts = build_map(bdata.gather(ViewState(lat=36.2, lon=37.15, zoom=10), catalog, version="t"))
    assert not facts["fitted"] and "scm_fit_to_country" not in m._children
