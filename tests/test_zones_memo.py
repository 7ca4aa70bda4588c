"""The zones layer's GeoJSON is worked out once for the same zones (layers.zones._zones_data)."""

from __future__ import annotations

import copy

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from layers import zones as lz


def _zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"party": ["government", "opposition"], "valid_from": pd.to_datetime(["2017-01-01", "2017-01-01"]),
         "valid_to": pd.to_datetime(["2017-01-31", "2017-01-31"]), "method": ["derived", "derived"],
         "source": ["a", "<b>b</b>"]},
        geometry=[box(36, 35, 37, 36), box(37, 35, 38, 36)], crs="EPSG:4326")


def test_the_same_zones_are_drawn_from_the_memo_and_rendering_leaves_it_unchanged():
    lz._GEOJSON_MEMO.clear()
    zones = _zones()
    first = lz._zones_data(zones, lz.SIMPLIFY_DEG)
    kept = copy.deepcopy(first)
    assert first == lz.zones_geojson(zones, lz.SIMPLIFY_DEG)
    m = folium.Map()
    lz.zones_layer(zones.copy(), name="a").add_to(m)  # a copy: same content, another frame
    html = m.get_root().render()
    assert lz._zones_data(zones.copy(), lz.SIMPLIFY_DEG) is first and first == kept  # folium changed nothing
    assert "&lt;b&gt;b&lt;/b&gt;" in first["features"][1]["properties"]["tip"] and "<b>b</b>" not in html


def test_zones_changed_in_any_way_are_never_drawn_from_the_memo():
    lz._GEOJSON_MEMO.clear()
    zones = _zones()
    first = lz._zones_data(zones, lz.SIMPLIFY_DEG)
    moved = zones.copy()
    moved.loc[1, "geometry"] = box(37, 35, 38.5, 36)
    renamed = zones.copy()
    renamed.loc[0, "source"] = "c"
    for changed in (moved, renamed):
        data = lz._zones_data(changed, lz.SIMPLIFY_DEG)
        assert data is not first and data == lz.zones_geojson(changed, lz.SIMPLIFY_DEG)
    assert lz._zones_data(zones, 0.0) is not first  # another tolerance


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(lz, "GEOJSON_MEMO_ENTRIES", 2)
    lz._GEOJSON_MEMO.clear()
    for i in range(4):
        z = _zones()
        z.loc[0, "source"] = str(i)
        lz._zones_data(z, lz.SIMPLIFY_DEG)
    assert len(lz._GEOJSON_MEMO) == 2
