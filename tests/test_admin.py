"""Governorate and district P-codes by spatial join (geo.admin) and ``stats --by district``."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _data_helpers import run_cli
from shapely.geometry import LineString, box

from geo import datasets
from geo.admin import NEAREST_FLAG, assign_admin, district_totals, locate
from geo.catalog import Catalog
from geo.schema import LOCATION_UNKNOWN, METRIC_CRS
from geo.stats import counts_by


@pytest.fixture(scope="module")
def admin1():
    return datasets.load_boundaries(1)


@pytest.fixture(scope="module")
def admin2():
    return datasets.load_boundaries(2)


def _events(rows):
    """rows: (lon, lat, geo_precision, admin1_pcode, flags)."""
    df = pd.DataFrame(
        {
            "event_id": [f"t:{i}" for i in range(len(rows))],
            "geo_precision": [r[2] for r in rows],
            "admin1_pcode": [r[3] for r in rows],
            "flags": [r[4] for r in rows],
            "fatalities": pd.array([1] * len(rows), dtype="Int64"),
        }
    )
    geoms = [None if r[0] is None else shapely.Point(r[0], r[1]) for r in rows]
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")


def _north_of_border(outline, lon: float, km: float):
    """A point ``km`` north of the outline's northernmost crossing of the meridian ``lon``."""
    crossing = outline.intersection(LineString([(lon, 30), (lon, 38.5)]))
    top = max(y for g in getattr(crossing, "geoms", [crossing]) for _, y in g.coords)
    metric = gpd.GeoSeries([shapely.Point(lon, top)], crs="EPSG:4326").to_crs(METRIC_CRS)
    moved = gpd.GeoSeries([shapely.Point(metric.x[0], metric.y[0] + km * 1000)], crs=METRIC_CRS)
    return moved.to_crs("EPSG:4326").iloc[0]


def test_known_places(admin1, admin2):
    ev = _events(
        [
            (37.1343, 36.2021, "exact", "", ""),  # Aleppo city: Jebel Saman district
            (36.2919, 33.5138, "exact", "", ""),  # Damascus
            (37.5167, 36.3707, "near", "", ""),  # Al Bab
            (40.1408, 35.3359, "exact", "SY05", ""),  # Deir ez-Zor city (a wrong given governorate)
        ]
    )
    out = assign_admin(ev, admin1, admin2)
    assert out["admin1_pcode"].tolist() == ["SY02", "SY01", "SY02", "SY09"]
    assert out["admin2_pcode"].tolist() == ["SY0200", "SY0100", "SY0202", "SY0901"]
    assert out["flags"].tolist() == ["", "", "", ""]
    assert list(out.index) == list(ev.index) and ev["admin1_pcode"].iloc[3] == "SY05"  # a copy


def test_point_just_outside_takes_nearest_unit_and_is_flagged(admin1, admin2):
    outline = datasets.load_boundaries(0).geometry.union_all()
    p = _north_of_border(outline, 37.0, 1.0)  # 1 km into Turkey, north of Aleppo governorate
    assert not outline.contains(p)
    ev = _events([(p.x, p.y, "exact", "", "near_border")])
    out = assign_admin(ev, admin1, admin2)
    # the nearest district, measured independently in metres
    metric = admin2.to_crs(METRIC_CRS)
    d = metric.distance(gpd.GeoSeries([p], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0])
    assert d.min() < 2000
    expected = admin2["pcode"].iloc[int(np.argmin(d.to_numpy()))]
    assert out["admin2_pcode"].iloc[0] == expected and expected.startswith("SY02")
    assert out["admin1_pcode"].iloc[0] == "SY02"
    assert out["flags"].iloc[0] == f"near_border;{NEAREST_FLAG}"
    again = assign_admin(out, admin1, admin2)  # the flag is never doubled
    assert again["flags"].iloc[0] == f"near_border;{NEAREST_FLAG}"


def test_country_level_rows_get_no_pcodes(admin1, admin2):
    ev = _events([(38.5, 35.0, "country", "SY05", ""), (44.0, 38.0, "country", "", "x")])
    out = assign_admin(ev, admin1, admin2)
    assert out["admin1_pcode"].tolist() == ["", ""]
    assert out["admin2_pcode"].tolist() == ["", ""]
    assert out["flags"].tolist() == ["", "x"]  # far outside, but not placed: no nearest unit


def test_governorate_centroid_keeps_its_governorate_and_has_no_district(admin1, admin2):
    centroid = admin1.loc[admin1["pcode"] == "SY03"].geometry.iloc[0].centroid
    ev = _events(
        [
            (centroid.x, centroid.y, "governorate", "SY03", ""),  # kept, whatever the join says
            (37.1343, 36.2021, "governorate", "", ""),  # none given: the join fills it
            (37.1343, 36.2021, "district", "", ""),  # a district centroid: the district
            (None, None, "exact", "SY07", ""),  # no point: the given governorate stays
        ]
    )
    out = assign_admin(ev, admin1, admin2)
    assert out["admin1_pcode"].tolist() == ["SY03", "SY02", "SY02", "SY07"]
    assert out["admin2_pcode"].tolist() == ["", "", "SY0200", ""]


def test_edge_and_fixture_units():
    units = gpd.GeoDataFrame(
        {"pcode": ["B", "A"]}, geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)], crs="EPSG:4326"
    )
    pts = np.array([shapely.Point(0.5, 0.5), shapely.Point(1.0, 0.5), shapely.Point(2.5, 0.5)], dtype=object)
    codes, nearest = locate(pts, units)
    assert codes.tolist() == ["A", "A", "B"]  # on the shared edge: the first P-code
    assert nearest.tolist() == [False, False, True]
    # without districts: governorates only, admin2 empty
    ev = _events([(0.5, 0.5, "exact", "", "")])
    out = assign_admin(ev, units, None)
    assert out["admin1_pcode"].tolist() == ["A"] and out["admin2_pcode"].tolist() == [""]


def test_point_in_unit_equals_the_spatial_index_on_the_districts(admin2):
    """The per-unit prepared test (fast at a million events) gives the spatial index's answer."""
    rng = np.random.default_rng(9)
    x0, y0, x1, y1 = admin2.total_bounds
    xs, ys = rng.uniform(x0 - 0.2, x1 + 0.2, 4000), rng.uniform(y0 - 0.2, y1 + 0.2, 4000)
    on_edge = shapely.get_coordinates(admin2.geometry.boundary.iloc[:5].values)[::50]  # points on shared edges
    pts = shapely.points(np.concatenate([xs, on_edge[:, 0]]), np.concatenate([ys, on_edge[:, 1]]))
    units = admin2.sort_values("pcode", kind="stable")
    geoms = np.asarray(units.geometry.values, dtype=object)
    hit_pt, hit_unit = shapely.STRtree(geoms).query(pts, predicate="intersects")
    expected = np.full(len(pts), "", dtype=object)
    for i, j in sorted(zip(hit_pt, hit_unit, strict=True), reverse=True):  # the lowest P-code written last
        expected[i] = units["pcode"].iat[j]
    codes, nearest = locate(pts, admin2)
    inside = expected != ""
    assert inside.sum() > 1000 and (~inside).sum() > 100
    assert codes[inside].tolist() == expected[inside].tolist()
    assert not nearest[inside].any() and nearest[~inside].all()


def test_catalog_events_carry_both_pcodes(tmp_path):
    ev = Catalog(tmp_path / "store.gpkg").events()
    assert len(ev) > 1000
    country = ev["geo_precision"] == "country"
    placed = ev["geo_precision"].isin(["exact", "near", "district"])
    assert (ev.loc[country, ["admin1_pcode", "admin2_pcode"]] == "").all().all()
    assert (ev.loc[placed, "admin2_pcode"].str.len() == 6).all()
    assert (ev.loc[placed, "admin2_pcode"].str[:4] == ev.loc[placed, "admin1_pcode"]).all()
    flagged = ev["flags"].str.split(";").map(lambda f: NEAREST_FLAG in f)
    assert flagged.sum() < 20  # a handful of coastal / border points


def test_counts_by_district_add_up_to_governorates(tmp_path, admin1, admin2):
    ev = Catalog(tmp_path / "store.gpkg").events()
    by_gov = counts_by(ev, "governorate")
    by_dist = counts_by(ev, "district", admin1=admin1, admin2=admin2)
    assert list(by_dist.columns) == ["district", "governorate", "pcode", "events", "fatalities"]
    assert by_dist[["events", "fatalities"]].sum().tolist() == by_gov[["events", "fatalities"]].sum().tolist()
    assert len(by_dist) >= 62 and by_dist["pcode"].is_unique
    unknown = by_dist.loc[by_dist["district"] == LOCATION_UNKNOWN]
    assert len(unknown) == 1 and unknown["events"].iloc[0] == (ev["geo_precision"] == "country").sum()
    gov = by_dist.assign(gp=by_dist["pcode"].str[:4]).groupby("gp")[["events", "fatalities"]].sum()
    expect = by_gov.set_index("pcode")[["events", "fatalities"]]
    assert gov.reindex(expect.index).equals(expect)
    totals = district_totals(ev, admin2)
    assert totals["events"].sum() == ev["admin2_pcode"].ne("").sum()


def test_cli_stats_by_district(tmp_path):
    store = tmp_path / "store.gpkg"
    args = ("--start", "2017-01-01", "--end", "2017-01-31", "--store", store)
    d = run_cli("stats", "--by", "district", *args)
    g = run_cli("stats", "--by", "governorate", *args)
    assert d.returncode == 0 and g.returncode == 0, d.stderr + g.stderr
    assert d.stdout.splitlines()[0] == "district,governorate,pcode,events,fatalities"
    dist = pd.read_csv(io.StringIO(d.stdout), dtype={"pcode": str}, keep_default_na=False)
    gov = pd.read_csv(io.StringIO(g.stdout), dtype={"pcode": str}, keep_default_na=False)
    assert dist[["events", "fatalities"]].sum().tolist() == gov[["events", "fatalities"]].sum().tolist()
    assert dist["events"].sum() > 100
    row = dist.set_index("pcode").loc["SY0200"]
    assert (row["district"], row["governorate"]) == ("Jebel Saman", "Aleppo")
