"""Import, export, import again: the same rows, IDs, values and geometries (hypothesis)."""

from __future__ import annotations

import string

import geopandas as gpd
import pandas as pd
import pytest
from _data_helpers import OUTLINE, admin1_gdf, outline_gdf
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

from geo import export
from geo.catalog import Catalog
from geo.export import wkt_exact
from geo.frames import canonical
from geo.importers import import_file
from geo.store import Store

FX = {"outline": outline_gdf(), "admin1": admin1_gdf()}
# text as analysts' files hold it: Arabic, quotes, commas, newlines, ${...}; stripped (importers strip)
TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + " ,;\"'\n$`{}<>/é" + "الباب حلب", max_size=20
).map(str.strip)
MINX, MINY, MAXX, MAXY = OUTLINE.bounds
POINT = st.tuples(st.floats(MINX, MAXX), st.floats(MINY, MAXY)).filter(
    lambda xy: OUTLINE.buffer(-0.01).contains(gpd.points_from_xy([xy[0]], [xy[1]])[0])
)
INT = st.one_of(st.none(), st.integers(0, 10**12))
DAY = st.dates(min_value=pd.Timestamp("2016-12-01").date(), max_value=pd.Timestamp("2017-03-31").date())


@st.composite
def events(draw):
    n = draw(st.integers(1, 6))
    ids = draw(
        st.lists(
            st.text(alphabet=string.ascii_letters + string.digits + ":-_", min_size=1, max_size=8),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    rows = []
    for i in range(n):
        start = draw(DAY)
        x, y = draw(POINT)
        rows.append(
            {
                "event_id": "t:" + ids[i],
                "dataset": "test",
                "date_start": pd.Timestamp(start),
                "date_end": pd.Timestamp(start) + pd.Timedelta(days=draw(st.integers(0, 5))),
                "date_precision": draw(st.sampled_from(["day", "days", "week", ""])),
                "geo_precision": draw(st.sampled_from(["exact", "near", "governorate", ""])),
                "place": draw(TEXT),
                "actor1": draw(TEXT),
                "actor2": draw(TEXT),
                "event_type": draw(TEXT),
                "fatalities": draw(INT),
                "fatalities_low": draw(INT),
                "fatalities_high": draw(INT),
                "civilian_fatalities": draw(INT),
                "source": draw(TEXT),
                "source_date": draw(st.sampled_from(["", "2017-01-02", "2017-01-02;2017-01-03"])),
                "notes": draw(TEXT),
                "x": x,
                "y": y,
            }
        )
    df = pd.DataFrame(rows)
    for c in ("fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs="EPSG:4326"
    )
    return canonical("events", gdf)


def _comparable(ev):
    ev = ev.drop(columns=["import_batch"]).sort_values("event_id").reset_index(drop=True)
    return ev


def _assert_same(a, b):
    a, b = _comparable(a), _comparable(b)
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    )
    assert all(x.equals_exact(y, 0) for x, y in zip(a.geometry.values, b.geometry.values, strict=True))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ev=events())
def test_events_round_trip(tmp_path_factory, ev):
    """Each example is imported once, then exported and imported again in every format (the first
    import is the same for the three formats, so it is made once per example)."""
    d = tmp_path_factory.mktemp("rt")
    # 1. import (the canonical CSV layout, as a user would hand it over)
    first = d / "in.csv"
    first.write_text(export.to_csv_text("events", ev), encoding="utf-8")
    a = d / "a.gpkg"
    assert import_file("csv", first, a, **FX).added == len(ev)
    # every value of the original survives (the importer only fills the governorate from the point)
    stored = Store(a).read("events")
    assert (stored["admin1_pcode"] != "").all()
    original = ev.assign(import_batch="", admin1_pcode=stored.set_index("event_id").loc[ev["event_id"], "admin1_pcode"].to_numpy())
    _assert_same(stored, original.assign(import_batch=""))
    for fmt in ("csv", "geojson", "gpkg"):
        note(f"format: {fmt}")
        _export_import_export(d, stored, fmt)


def _export_import_export(d, stored, fmt: str) -> None:
    """Steps 2-4 of the round trip of the stored events ``stored`` through ``fmt``."""
    # 2. export in fmt, 3. import into a fresh store
    out = d / f"out.{fmt}"
    export.write("events", stored, fmt, out)
    b = d / f"b-{fmt}.gpkg"
    assert import_file(fmt, out, b, **FX).added == len(stored), fmt
    _assert_same(stored, Store(b).read("events"))
    # 4. export again: the same file content (but for the import batch, which names each import)
    again = d / f"again.{fmt}"
    export.write("events", Store(b).read("events"), fmt, again)
    pd.testing.assert_frame_equal(_file_rows(out, fmt), _file_rows(again, fmt))


def _file_rows(path, fmt) -> pd.DataFrame:
    """An exported events file as text cells (geometry as WKB hex), sorted, without the batch."""
    import json

    import pyogrio

    if fmt == "csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif fmt == "geojson":
        feats = json.loads(path.read_text(encoding="utf-8"))["features"]
        df = pd.DataFrame([{**f["properties"], "geometry": json.dumps(f["geometry"])} for f in feats])
        df = df.astype(str)
    else:
        g = pyogrio.read_dataframe(path)
        df = pd.DataFrame(g.drop(columns="geometry")).astype(str)
        df["geometry"] = [x.wkb_hex for x in g.geometry.values]
    assert len(df) and df["import_batch"].str.len().min() > 0
    return df.drop(columns="import_batch").sort_values("event_id").reset_index(drop=True)


def test_wkt_exact_round_trips_doubles():
    import shapely

    poly = Polygon([(36.1 + 1e-15, 0.1 + 0.2), (37.123456789012345, 34.0), (36.5, 35.000000000000014)])
    multi = MultiPolygon([poly, Polygon([(38, 35), (39, 35), (39, 36)])])
    for g in (poly, multi):
        assert shapely.from_wkt(wkt_exact(g)).equals_exact(g, 0)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_boundaries_and_zones_round_trip(tmp_path, fmt):
    src = tmp_path / "b.geojson"
    b = pd.concat([outline_gdf(), admin1_gdf()], ignore_index=True)
    src.write_text(
        export.to_geojson_text("boundaries", gpd.GeoDataFrame(b, crs="EPSG:4326")), encoding="utf-8"
    )
    a = tmp_path / "a.gpkg"
    import_file("boundaries", src, a)
    out = tmp_path / f"out.{fmt}"
    export.write("boundaries", export.select(Catalog(a), "boundaries", workspace_only=True), fmt, out)
    c = tmp_path / "c.gpkg"
    assert import_file(fmt, out, c, kind="boundaries").added == 3
    x, y = Store(a).read("boundaries"), Store(c).read("boundaries")
    pd.testing.assert_frame_equal(
        pd.DataFrame(x.drop(columns="geometry")), pd.DataFrame(y.drop(columns="geometry"))
    )
    assert all(p.equals_exact(q, 0) for p, q in zip(x.geometry.values, y.geometry.values, strict=True))

    zones = gpd.GeoDataFrame(
        {
            "party": ["sdf"],
            "valid_from": pd.to_datetime(["2017-01-01"]),
            "valid_to": pd.to_datetime(["2017-02-01"]),
            "method": ["imported"],
            "source": ["x"],
        },
        geometry=[admin1_gdf().geometry.iloc[0]],
        crs="EPSG:4326",
    )
    zsrc = tmp_path / "z.geojson"
    zsrc.write_text(export.to_geojson_text("zones", zones), encoding="utf-8")
    import_file("geojson", zsrc, a, kind="zones")
    zout = tmp_path / f"zones.{fmt}"
    export.write(
        "zones", export.select(Catalog(a), "zones", date="2017-01-15", workspace_only=True), fmt, zout
    )
    import_file(fmt, zout, c, kind="zones")
    za, zc = Store(a).read("zones"), Store(c).read("zones")
    pd.testing.assert_frame_equal(
        pd.DataFrame(za.drop(columns="geometry")), pd.DataFrame(zc.drop(columns="geometry"))
    )
    assert za.geometry.iloc[0].equals_exact(zc.geometry.iloc[0], 0)


def test_csv_export_of_polygons_uses_exact_wkt(tmp_path):
    import shapely

    out = tmp_path / "b.csv"
    export.write("boundaries", canonical("boundaries", admin1_gdf()), "csv", out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert df["pcode"].tolist() == ["SY02", "SY03"]
    assert shapely.from_wkt(df["geometry"].iloc[0]).equals_exact(admin1_gdf().geometry.iloc[0], 0)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_export_written_in_chunks_is_the_file_written_at_once(tmp_path, monkeypatch, fmt):
    """The streaming writer (CHUNK_ROWS rows at a time) gives the bytes of the whole-frame text."""
    import pyogrio

    events = Catalog(tmp_path / "none.gpkg").events(incidents=False).head(25)
    monkeypatch.setattr(export, "CHUNK_ROWS", 4)  # 7 chunks, the last one short
    chunked = tmp_path / f"chunked.{fmt}"
    assert export.write("events", events, fmt, chunked) == 25
    if fmt == "csv":
        assert chunked.read_text(encoding="utf-8") == export.to_csv_text("events", events)
    elif fmt == "geojson":
        assert chunked.read_text(encoding="utf-8") == export.to_geojson_text("events", events)
        monkeypatch.setattr(export, "CHUNK_ROWS", 1000)
        assert chunked.read_text(encoding="utf-8") == export.to_geojson_text("events", events)
    else:
        monkeypatch.setattr(export, "CHUNK_ROWS", 1000)
        whole = tmp_path / "whole.gpkg"
        export.write("events", events, fmt, whole)
        a, b = pyogrio.read_dataframe(chunked), pyogrio.read_dataframe(whole)
        pd.testing.assert_frame_equal(a, b)
    empty = tmp_path / f"empty.{fmt}"
    assert export.write("events", events.head(0), fmt, empty) == 0
