"""Layer data worked out once and kept between reruns (the Map page's boundaries, zones and context,
``pages/map.py``) is sent exactly as data worked out afresh: same JSON, same content hash
(``layers.refs`` refers to it by that hash), escaped the same; its JSON is written once per data object."""

from __future__ import annotations

import copy

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, box

from geo.context import load_context
from layers import safe
from layers.boundaries import boundaries_data, boundaries_group, boundaries_layer
from layers.context import context_data, context_group, context_layer
from layers.refs import data_elements
from layers.zones import zones_geojson, zones_group, zones_layer


def _specs(group) -> list[tuple[str, str]]:
    return [(el.content_hash, el.spec_json) for el in data_elements([group])]


def _boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name_en": ["<i>Idlib</i>", "Aleppo`${x}`"]},
                            geometry=[box(36, 35, 37, 36), LineString([(37, 35), (38, 36)])], crs="EPSG:4326")


def _zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"party": ["government", "opposition"], "valid_from": pd.to_datetime(["2017-01-01", "2017-01-01"]),
         "valid_to": pd.to_datetime(["2017-01-31", "2017-01-31"]), "method": ["derived", "imported"],
         "source": ["a", "<b>b</b>"]},
        geometry=[box(36, 35, 37, 36), box(37, 35, 38, 36)], crs="EPSG:4326")


def test_shared_data_is_sent_as_data_worked_out_afresh():
    gov, country = _boundaries(), _boundaries().iloc[:1]
    for official in (True, False):
        data = boundaries_data(gov, country, official=official)
        fresh = _specs(boundaries_layer(gov, country, official=official))
        assert _specs(boundaries_group(data, official=official, shared=True)) == fresh
        assert _specs(boundaries_group(data, official=official, shared=True)) == fresh  # from the memo
    zones = zones_geojson(_zones())
    assert _specs(zones_group(zones, shared=True)) == _specs(zones_layer(_zones())) == _specs(zones_group(zones, shared=True))
    context = context_data(load_context())
    assert _specs(context_group(context, shared=True)) == _specs(context_layer(load_context()))
    text = "".join(t for _h, t in _specs(boundaries_group(boundaries_data(gov, country), shared=True)))
    assert "<i>" not in text and "${" not in text and "\\u0026lt;i\\u0026gt;" in text  # escaped as ever


def test_shared_json_is_written_once_per_data_object():
    data = zones_geojson(_zones())
    first = data_elements([zones_group(data, shared=True)])[0]
    again = data_elements([zones_group(data, shared=True)])[0]
    assert again._json() is first._json()  # the memo's text, not a new one
    other = copy.deepcopy(data)  # equal data, another object: worked out on its own, same result
    third = data_elements([zones_group(other, shared=True)])[0]
    assert third._json() is not first._json() and third._json() == first._json()
    for i in range(safe.SHARED_ENTRIES + 2):  # bounded: the oldest go
        zones_group(copy.deepcopy(data), name=str(i), shared=True)
    assert len(safe._SHARED) <= safe.SHARED_ENTRIES


def test_shared_towns_are_sent_as_towns_worked_out_afresh():
    from shapely.geometry import Point

    from layers.towns import towns_group, towns_layer, towns_spec

    towns = gpd.GeoDataFrame(
        {"locality_id": ["gn:1", "gn:2"], "name_en": ["<b>Saraqib</b>", "Binnish"], "name_ar": ["", ""],
         "admin1_pcode": ["SY07", "SY07"], "n_sources": [3, 1], "n_mentions": [4, 1], "party": ["opposition", ""],
         "citations": [["a: b (2017-01-02)"], ["c"]]},
        geometry=[Point(36.8, 35.86), Point(36.76, 35.93)], crs="EPSG:4326")
    spec = towns_spec(towns, date_label="2017-01-10")
    for labels in (True, False, True):  # the options are part of what is kept
        fresh = _specs(towns_layer(towns, date_label="2017-01-10", labels=labels))
        assert _specs(towns_group(spec, labels=labels, shared=True)) == fresh
    assert towns_spec(towns.iloc[:0]) is None and not data_elements([towns_group(None, shared=True)])
