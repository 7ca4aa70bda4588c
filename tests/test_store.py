"""geo.store.Store: exact round trips, empty canonical frames, atomic writes."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import pytest
from _data_helpers import OUTLINE
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.frames import empty_frame
from geo.schema import EVENT_COLUMNS
from geo.store import Store


def _events():
    return gpd.GeoDataFrame(
        {
            "event_id": ["t:1", "t:2"],
            "dataset": ["test", "test"],
            "date_start": pd.to_datetime(["2017-01-01", "2017-02-28"]).astype("datetime64[ns]"),
            "date_end": pd.to_datetime(["2017-01-03", None]).astype("datetime64[ns]"),
            "place": ["الباب", 'line\nbreak, "quoted"'],
            "fatalities": pd.array([0, None], dtype="Int64"),
            "civilian_fatalities": pd.array([12345678901, 3], dtype="Int64"),
        },
        geometry=[Point(37.1 + 1e-13, 36.2), Point(36.291575, 33.513364)],
        crs="EPSG:4326",
    )


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_store_reads_empty_canonical_frames(tmp_path):
    store = Store(tmp_path / "nope.gpkg")
    events = store.read("events")
    assert len(events) == 0 and list(events.columns) == [*EVENT_COLUMNS, "geometry"]
    assert str(events["date_start"].dtype) == "datetime64[ns]"
    assert str(events["fatalities"].dtype) == "Int64"
    assert events.crs == "EPSG:4326"
    assert not isinstance(store.read("control"), gpd.GeoDataFrame)
    assert not (tmp_path / "nope.gpkg").exists()
    with pytest.raises(ValueError, match="unknown kind"):
        store.read("nonsense")


def test_events_round_trip_exactly(tmp_path):
    store = Store(tmp_path / "s.gpkg")
    store.write({"events": _events()})
    back = store.read("events")
    assert list(back["event_id"]) == ["t:1", "t:2"]
    assert back["place"].tolist() == ["الباب", 'line\nbreak, "quoted"']
    assert back["fatalities"].tolist()[0] == 0 and pd.isna(back["fatalities"].iloc[1])
    assert back["civilian_fatalities"].tolist() == [12345678901, 3]
    assert back["date_end"].iloc[0] == pd.Timestamp("2017-01-03") and pd.isna(back["date_end"].iloc[1])
    assert back.geometry.iloc[0].x == 37.1 + 1e-13
    assert back["actor1"].tolist() == ["", ""]
    assert str(back["date_start"].dtype) == "datetime64[ns]"


def test_polygon_types_and_tables_round_trip(tmp_path):
    store = Store(tmp_path / "s.gpkg")
    square = Polygon([(36, 34), (37, 34), (37, 35), (36, 34)])
    zones = gpd.GeoDataFrame(
        {
            "party": ["sdf", "hts"],
            "valid_from": pd.to_datetime(["2017-01-01"] * 2),
            "valid_to": pd.to_datetime([None, "2017-02-01"]),
        },
        geometry=[square, MultiPolygon([square])],
        crs="EPSG:4326",
    )
    control = pd.DataFrame(
        {
            "locality_id": ["gn:1"],
            "party": ["government"],
            "valid_from": pd.to_datetime(["2016-12-22"]),
            "valid_to": [pd.NaT],
        }
    )
    store.write({"zones": zones, "control": control})
    z = store.read("zones")
    assert z.geometry.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert z["method"].tolist() == ["", ""]
    c = store.read("control")
    assert c.loc[0, "valid_from"] == pd.Timestamp("2016-12-22") and pd.isna(c.loc[0, "valid_to"])
    assert sorted(store.layers()) == ["control", "zones"]


def test_write_keeps_other_layers(tmp_path):
    store = Store(tmp_path / "s.gpkg")
    store.write({"events": _events()})
    store.write(
        {
            "control": pd.DataFrame(
                {"locality_id": ["gn:2"], "party": ["sdf"], "valid_from": pd.to_datetime(["2017-01-01"])}
            )
        }
    )
    assert store.count("events") == 2 and store.count("control") == 1
    store.write({"events": empty_frame("events")})
    assert store.layers() == ["control"]


def test_failed_write_leaves_the_file_byte_for_byte(tmp_path, monkeypatch):
    import geo.store as store_mod

    path = tmp_path / "s.gpkg"
    store = Store(path)
    store.write({"events": _events()})
    before = _sha(path)
    calls = []

    def boom(frame, p, layer, allow_empty=False, **options):
        calls.append(layer)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return original(frame, p, layer, allow_empty)

    original = store_mod.write_layer
    monkeypatch.setattr(store_mod, "write_layer", boom)
    with pytest.raises(OSError, match="simulated"):
        store.write({"zones": gpd.GeoDataFrame({"party": ["sdf"]}, geometry=[OUTLINE], crs="EPSG:4326")})
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gpkg"]
    assert len(Store(path).read("events")) == 2


def test_a_geopackage_of_other_data_is_never_rewritten(tmp_path):
    """Given by mistake as the store, a GeoPackage with other layers is refused, byte for byte."""
    import pyogrio

    from geo.importers import import_file

    other = tmp_path / "my_layers.gpkg"
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(37.1, 36.2)], crs="EPSG:4326")
    pyogrio.write_dataframe(g, other, layer="roads")
    pyogrio.write_dataframe(g, other, layer="events")
    before = _sha(other)
    with pytest.raises(ValueError, match=r"is not a workspace store: it holds other layers \(roads\)"):
        Store(other).write("events", _events())
    src = tmp_path / "e.csv"
    src.write_text("event_id,date_start,lat,lon\nx:1,2017-01-05,36.2,37.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a workspace store"):
        import_file("csv", src, other)
    assert _sha(other) == before
    assert [str(n) for n, _ in pyogrio.list_layers(other)] == ["roads", "events"]


def test_append_gives_what_a_whole_rewrite_gives_and_reads_one_column(tmp_path):
    events = _events()
    more = events.assign(event_id=["t:3", "t:4"], place=["three", "four"])
    appended, rewritten = Store(tmp_path / "a.gpkg"), Store(tmp_path / "r.gpkg")
    appended.append("events", events)  # no layer yet: written whole
    appended.append("events", more)  # the layer's columns match: rows added to a copy of the file
    rewritten.write({"events": pd.concat([events, more], ignore_index=True)})
    pd.testing.assert_frame_equal(appended.read("events"), rewritten.read("events"))
    assert appended.column("events", "event_id").tolist() == ["t:1", "t:2", "t:3", "t:4"]
    assert appended.column("events", "no_such_column").tolist() == []
    assert Store(tmp_path / "none.gpkg").column("events", "event_id").tolist() == []


def test_append_to_a_layer_of_other_columns_rewrites_it_whole(tmp_path):
    """A store written by an older version (a column fewer) still takes new rows, in the current layout."""
    import pyogrio

    from geo.frames import to_text

    path = tmp_path / "old.gpkg"
    old = to_text("events", _events()).drop(columns=["notes"])
    pyogrio.write_dataframe(old, path, driver="GPKG", layer="events")
    store = Store(path)
    store.append("events", _events().assign(event_id=["t:3", "t:4"]))
    back = store.read("events")
    assert back["event_id"].tolist() == ["t:1", "t:2", "t:3", "t:4"]
    assert "notes" in store.fields("events")


def test_a_failed_append_leaves_the_file_byte_for_byte(tmp_path, monkeypatch):
    import geo.store as store_module

    store = Store(tmp_path / "s.gpkg")
    store.write({"events": _events()})
    before = _sha(store.path)

    def broken(*args, **kwargs):
        raise OSError("simulated crash while appending")

    monkeypatch.setattr(store_module, "write_layer", broken)
    with pytest.raises(OSError, match="simulated crash"):
        store.append("events", _events().assign(event_id=["t:3", "t:4"]))
    assert _sha(store.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gpkg"]
