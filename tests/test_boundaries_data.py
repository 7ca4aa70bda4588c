"""The shipped OCHA COD-AB boundaries (data/admin0..3.geojson, data/neighbourhoods.geojson).

Schema and P-codes, the parent of every unit, valid EPSG:4326 geometries, the levels tiling the
outline, the licence credit in every feature, file sizes, known cities in the right governorate,
and the importer's check against the shipped outline. Only the shipped files are read; the build
(``scripts/build_boundaries.py``) and the accuracy measure (``bench/measure_boundaries.py``)
need the OCHA reference folder and are documented in data/README.md. Coordinates written here
are facts (cities) or were checked against the unsimplified OCHA outline when the test was
written (the distances in the comments).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from _data_helpers import ucdp_row, write_ucdp
from shapely.geometry import Point, shape

from geo.catalog import Catalog
from geo.datasets import BOUNDARY_ATTRIBUTION
from geo.importers import import_file
from geo.names import ADMIN1_OCHA
from geo.schema import ADMIN1, ADMIN1_AR, EQUAL_AREA_CRS
from geo.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
PROPERTIES = ["admin_level", "pcode", "parent_pcode", "name_en", "name_ar", "source", "precision"]
#: file -> (admin level, feature count, P-code pattern, size budget in bytes)
FILES = {
    "admin0.geojson": (0, 1, r"SY", 40_000),
    "admin1.geojson": (1, 14, r"SY\d{2}", 120_000),
    "admin2.geojson": (2, 62, r"SY\d{4}", 250_000),
    "admin3.geojson": (3, 272, r"SY\d{6}", 600_000),
    "neighbourhoods.geojson": (4, 245, r"N\d{4}", 250_000),
}
#: OCHA's area of Syria (km², unsimplified syr_admin0 in geo.schema.EQUAL_AREA_CRS).
OCHA_KM2 = 188_110
#: name -> (lat, lon, expected governorate P-code)
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
    "Tartus": (34.8845, 35.8990, "SY10"),  # GeoNames (34.8890, 35.8866) is 100 m offshore for OCHA
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
def levels() -> dict[int, gpd.GeoDataFrame]:
    out = {k: gpd.read_file(DATA / f"admin{k}.geojson") for k in range(4)}
    out[4] = gpd.read_file(DATA / "neighbourhoods.geojson")
    return out


@pytest.fixture(scope="module")
def metric(levels) -> dict[int, gpd.GeoDataFrame]:
    return {k: g.to_crs(EQUAL_AREA_CRS) for k, g in levels.items()}


# --- schema, P-codes, names, licence -------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FILES))
def test_features_carry_the_boundary_properties_and_the_licence(name):
    level, count, pattern, _ = FILES[name]
    data = _raw(name)
    assert data["type"] == "FeatureCollection"
    # No "crs" member: GeoJSON (RFC 7946) coordinates are WGS 84 longitude, latitude.
    assert "crs" not in data
    assert len(data["features"]) == count
    expected = PROPERTIES + (["city", "area"] if level == 4 else [])
    for feature in data["features"]:
        props = feature["properties"]
        assert list(props) == expected
        assert props["admin_level"] == level
        assert re.fullmatch(pattern, props["pcode"]), props["pcode"]
        assert props["precision"] == "official"
        assert "OCHA" in props["source"] and "CC BY 3.0 IGO" in props["source"]
        assert props["name_en"].strip() and props["name_ar"].strip()
        assert re.search("[\u0600-\u06ff]", props["name_ar"]), props["name_ar"]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert len({f["properties"]["pcode"] for f in data["features"]}) == count


@pytest.mark.parametrize("name", sorted(FILES))
def test_files_stay_within_their_size_budget_and_5_decimals(name):
    budget = FILES[name][3]
    text = (DATA / name).read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < budget
    assert not re.search(r"\d\.\d{6,}", text), "coordinates are rounded to 5 decimals"


def test_attribution_text_names_the_source_and_licence():
    assert BOUNDARY_ATTRIBUTION == "Boundaries: OCHA / UN Cartographic Section COD-AB, CC BY 3.0 IGO"
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert BOUNDARY_ATTRIBUTION in readme


def test_country_and_governorates_have_the_ocha_pcodes_and_names(levels):
    country = levels[0].iloc[0]
    assert (country.pcode, country.parent_pcode) == ("SY", "")
    assert country.name_en == "Syrian Arab Republic" and country.name_ar == "الجمهورية العربية السورية"
    gov = levels[1].set_index("pcode")
    assert sorted(gov.index) == sorted(ADMIN1)
    assert set(gov.parent_pcode) == {"SY"}
    for pcode, row in gov.iterrows():
        assert row.name_en == ADMIN1_OCHA[pcode] and row.name_ar == ADMIN1_AR[pcode]  # OCHA's spelling


@pytest.mark.parametrize("level", [2, 3, 4])
def test_every_unit_has_an_existing_parent_one_level_up(levels, level):
    parents = set(levels[level - 1].pcode)
    units = levels[level]
    assert set(units.parent_pcode) <= parents
    if level < 4:  # OCHA's admin P-codes are hierarchical: SY0202 lies in SY02
        assert all(p.startswith(q) for p, q in zip(units.pcode, units.parent_pcode, strict=True))


def test_every_governorate_has_districts_and_known_districts_are_right(levels):
    districts = levels[2].set_index("pcode")
    assert set(districts.parent_pcode) == set(ADMIN1)
    assert districts.loc["SY0202", ["name_en", "parent_pcode"]].tolist() == ["Al Bab", "SY02"]
    assert districts.loc["SY0902", ["name_en", "parent_pcode"]].tolist() == ["Abu Kamal", "SY09"]


def test_neighbourhoods_cover_the_divided_cities(levels):
    hoods = levels[4]
    assert hoods.groupby("city").size().to_dict() == {"Aleppo": 109, "Damascus": 97, "Homs": 36, "Yarmuk": 3}
    damascus_areas = set(hoods.loc[hoods.city == "Damascus", "area"])
    assert {"Jowbar", "Qaboun", "Burza"} <= damascus_areas
    assert "Wa'er" in set(hoods.loc[hoods.city == "Homs", "name_en"])
    parent_of = {"Aleppo": "SY020000", "Damascus": "SY010000", "Yarmuk": "SY010000", "Homs": "SY040100"}
    assert all(parent_of[c] == p for c, p in zip(hoods.city, hoods.parent_pcode, strict=True))


# --- geometry ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FILES))
def test_geometries_are_valid_lon_lat_in_the_levant(name):
    for feature in _raw(name)["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty
        lon_min, lat_min, lon_max, lat_max = geom.bounds
        # Longitude first: Syria spans about 35.6-42.4 E and 32.3-37.4 N.
        assert 35.0 < lon_min and lon_max < 43.0, geom.bounds
        assert 32.0 < lat_min and lat_max < 38.0, geom.bounds


def test_files_read_as_epsg_4326(levels):
    assert all(g.crs.to_epsg() == 4326 for g in levels.values())


def test_country_area_is_ochas(metric):
    km2 = metric[0].area.sum() / 1e6
    assert abs(km2 - OCHA_KM2) / OCHA_KM2 < 0.005


@pytest.mark.parametrize("level, tolerance", [(1, 1e-6), (2, 1e-6), (3, 0.002)])
def test_levels_tile_the_outline_without_overlaps(metric, level, tolerance):
    # Districts are simplified as one coverage and dissolved into the governorates and the
    # country, so those three nest exactly; sub-districts are a coverage of their own.
    outline = metric[0].union_all()
    units = metric[level]
    union = units.union_all()
    assert union.symmetric_difference(outline).area / outline.area < tolerance
    assert (units.area.sum() - union.area) / outline.area < 1e-6


def test_districts_lie_in_their_governorate(metric):
    gov = metric[1].set_index("pcode").geometry
    for row in metric[2].itertuples():
        inside = row.geometry.intersection(gov[row.parent_pcode]).area / row.geometry.area
        assert inside > 0.9999, row.pcode


def test_sub_districts_and_neighbourhoods_lie_in_their_parent(levels):
    for child, parent in ((3, 2), (4, 3)):
        parents = levels[parent].set_index("pcode").geometry
        for row in levels[child].itertuples():
            assert parents[row.parent_pcode].contains(row.geometry.representative_point()), row.pcode


def test_damascus_is_a_small_city_governorate(metric):
    km2 = metric[1].set_index("pcode").area / 1e6
    assert 110 < km2["SY01"] < 125
    assert km2["SY01"] == km2.min()


@pytest.mark.parametrize("city", sorted(CITIES))
def test_known_city_falls_in_its_governorate(levels, city):
    lat, lon, pcode = CITIES[city]
    admin1 = levels[1]
    hits = admin1[admin1.contains(Point(lon, lat))].pcode.tolist()
    assert hits == [pcode], f"{city} ({lat}, {lon}) in {hits}, expected {pcode}"


@pytest.mark.parametrize("place", sorted(ABROAD))
def test_places_abroad_are_outside(levels, place):
    lat, lon = ABROAD[place]
    assert not levels[0].union_all().contains(Point(lon, lat))


def test_swapped_coordinates_are_not_in_the_expected_governorate(levels):
    # Aleppo with latitude and longitude swapped (37.16 N, 36.20 E) lies in Turkey.
    lat, lon, _ = CITIES["Aleppo"]
    assert levels[1][levels[1].contains(Point(lat, lon))].empty


# --- the catalog and the importer use the shipped official files --------------------------------
def test_catalog_serves_every_level_as_official(tmp_path):
    cat = Catalog(tmp_path / "s.gpkg")
    for level in range(4):
        b = cat.boundaries(level)
        assert len(b) == FILES[f"admin{level}.geojson"][1]
        assert {"pcode", "parent_pcode", "name_en", "name_ar"} <= set(b.columns)
        assert cat.boundaries_are_official(level) and not cat.boundaries_are_imported(level)
    hoods = cat.neighbourhoods()
    assert len(hoods) == 245 and {"city", "area", "parent_pcode"} <= set(hoods.columns)


def test_points_inside_the_official_border_near_abu_kamal_are_not_flagged(tmp_path):
    # Checked against the unsimplified OCHA outline: (34.48, 40.88) lies 11.8 km inside;
    # (34.27, 40.68) lies 0.5 km inside (5.3 km outside the generalised outline shipped before,
    # which refused it); (34.38, 41.00) lies 3.3 km outside, in Iraq.
    store = tmp_path / "s.gpkg"
    rows = [ucdp_row(1, 34.48, 40.88), ucdp_row(2, 34.27, 40.68)]
    report = import_file("ucdp", write_ucdp(tmp_path / "in.csv", rows), store)
    assert (report.added, report.flagged) == (2, 0)
    events = Store(store).read("events")
    assert events["flags"].tolist() == ["", ""]
    assert events["admin1_pcode"].tolist() == ["SY09", "SY09"]
    near = import_file("ucdp", write_ucdp(tmp_path / "near.csv", [ucdp_row(3, 34.38, 41.00)]), store)
    assert (near.added, near.flagged) == (1, 1)
    assert "3.3 km outside Syria's outline" in near.problems_flagged[0].reason


def test_data_page_credits_the_boundaries(shipped_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(root)
    app = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    app.query_params["page"] = "data"
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    captions = " ".join(c.value for c in app.caption)
    assert "OCHA" in captions and "UN Cartographic Section COD" in captions and "CC BY 3" in captions
    summary = app.dataframe[0].value.set_index("dataset")
    for label in ("country outline", "governorates", "districts", "sub-districts"):
        assert summary.loc[f"boundaries: {label}", "origin"] == "shipped (official OCHA COD-AB)"
        assert summary.loc[f"boundaries: {label}", "licence"] == "CC BY 3.0 IGO"


def test_every_briefing_footer_credits_the_boundaries(tmp_path):
    from briefing.data import gather
    from briefing.html import _footer_box
    from webapp.viewstate import ViewState

    bd = gather(ViewState(), Catalog(tmp_path / "s.gpkg"), layers=("zones",), version="test")
    assert BOUNDARY_ATTRIBUTION in bd.attribution  # PNG / PDF / SVG footer lines
    assert BOUNDARY_ATTRIBUTION in _footer_box(bd)  # standalone HTML footer
