"""Zones, party of points and change over time, on a tiny hand-built country.

The country is a 100 km x 100 km square in the equal-area CRS centred on its origin; four
localities sit at the centres of its quadrants, so a full Voronoi tessellation gives four
2,500 km² quadrants.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo import control as C
from geo.schema import CRS, EQUAL_AREA_CRS

KM = 1000.0
T = pd.Timestamp


def _ea_points(xy_km):
    return gpd.GeoSeries([shapely.Point(x * KM, y * KM) for x, y in xy_km], crs=EQUAL_AREA_CRS).to_crs(CRS)


@pytest.fixture
def outline():
    square = shapely.segmentize(shapely.box(-50 * KM, -50 * KM, 50 * KM, 50 * KM), 1 * KM)
    return gpd.GeoDataFrame({"pcode": ["XX"]}, geometry=[square], crs=EQUAL_AREA_CRS).to_crs(CRS)


@pytest.fixture
def localities():
    return gpd.GeoDataFrame(
        {"locality_id": ["nw", "ne", "sw", "se"], "name_en": ["Northwest", "Northeast", "Southwest", "Southeast"]},
        geometry=_ea_points([(-25, 25), (25, 25), (-25, -25), (25, -25)]),
        crs=CRS,
    )


def _record(lid, party, start, end=None, source="src1"):
    return {
        "locality_id": lid,
        "party": party,
        "valid_from": T(start),
        "valid_to": T(end) if end else pd.NaT,
        "source_id": source,
        "confidence": "high",
        "note": "",
    }


@pytest.fixture
def control():
    return pd.DataFrame(
        [
            _record("nw", "government", "2016-12-01"),
            _record("ne", "government", "2016-12-01"),
            _record("sw", "opposition", "2016-12-01"),
            _record("se", "islamic_state", "2016-12-01", "2017-01-10"),
            _record("se", "sdf", "2017-01-10", source="src2"),
        ]
    )


def _areas(zones) -> dict:
    ea = zones.to_crs(EQUAL_AREA_CRS)
    return dict(zip(ea["party"], ea.area / 1e6, strict=True))


def test_control_at_uses_inclusive_start_and_exclusive_end(control):
    assert set(C.control_at(control, "2017-01-09")["party"]) == {"government", "opposition", "islamic_state"}
    on_change = C.control_at(control, "2017-01-10")
    assert set(on_change.loc[on_change.locality_id == "se", "party"]) == {"sdf"}
    assert C.control_at(control, "2016-11-30").empty


def test_zones_tile_the_outline_and_dissolve_by_party(control, localities, outline):
    zones = C.zones_at(control, localities, outline, "2016-12-15", radius_km=None)
    assert list(zones["party"]) == ["government", "opposition", "islamic_state"]
    assert set(zones.columns) >= {"party", "valid_from", "valid_to", "method", "source", "geometry"}
    assert (zones["method"] == "derived").all()
    ea = zones.to_crs(EQUAL_AREA_CRS)
    country = outline.to_crs(EQUAL_AREA_CRS).union_all()
    union = ea.union_all()
    assert union.symmetric_difference(country).area / country.area < 1e-4
    assert abs(ea.area.sum() - union.area) / union.area < 1e-4  # no overlaps
    # the two northern cells merged into one government zone (the northern half)
    gov = ea.loc[ea.party == "government"].geometry.iloc[0]
    assert gov.geom_type == "Polygon"
    north = shapely.box(-50 * KM, 0, 50 * KM, 50 * KM)
    assert gov.symmetric_difference(north).area / north.area < 1e-3


def test_areas_in_equal_area_crs_within_one_percent(control, localities, outline):
    zones = C.zones_at(control, localities, outline, "2016-12-15", radius_km=None)
    for party, expected in {"government": 5000, "opposition": 2500, "islamic_state": 2500}.items():
        got = zones.loc[zones.party == party, "area_km2"].iloc[0]
        assert got == pytest.approx(expected, rel=0.01)
    assert _areas(zones)["government"] == pytest.approx(5000, rel=0.01)


def test_changing_a_record_moves_the_zone(control, localities, outline):
    before = C.zones_at(control, localities, outline, "2017-01-15", radius_km=None)
    edited = control.copy()
    edited.loc[edited.locality_id == "se", "party"] = "government"
    after = C.zones_at(edited, localities, outline, "2017-01-15", radius_km=None)
    assert _areas(before) == pytest.approx({"government": 5000, "opposition": 2500, "sdf": 2500}, rel=0.01)
    assert _areas(after) == pytest.approx({"government": 7500, "opposition": 2500}, rel=0.01)


def test_zone_span_and_sources(control, localities, outline):
    dec = C.zones_at(control, localities, outline, "2016-12-15", radius_km=None)
    assert (dec["valid_from"] == T("2016-12-01")).all()
    assert (dec["valid_to"] == T("2017-01-10")).all()
    jan = C.zones_at(control, localities, outline, "2017-01-15", radius_km=None)
    assert (jan["valid_from"] == T("2017-01-10")).all()
    assert jan["valid_to"].isna().all()
    assert jan.set_index("party").loc["sdf", "source"] == "src2"
    # two days of the same stretch give the same layer
    assert_geodataframe_equal(dec, C.zones_at(control, localities, outline, "2017-01-09", radius_km=None))


def test_radius_leaves_far_land_unattributed(control, localities, outline):
    zones = C.zones_at(control, localities, outline, "2016-12-15", radius_km=20)
    # each cell is a 20 km disc (a 64-gon), fully inside its quadrant
    disc = 3.14159265 * 20**2 * 0.9984
    assert _areas(zones) == pytest.approx({"government": 2 * disc, "opposition": disc, "islamic_state": disc}, rel=0.01)


def test_duplicate_coordinates_with_different_parties_are_contested(control, localities, outline):
    twin = gpd.GeoDataFrame(
        {"locality_id": ["se2"], "name_en": ["Southeast twin"]}, geometry=_ea_points([(25, -25)]), crs=CRS
    )
    locs = pd.concat([localities, twin], ignore_index=True)
    ctl = pd.concat([control, pd.DataFrame([_record("se2", "sdf", "2016-12-01")])], ignore_index=True)
    zones = C.zones_at(ctl, locs, outline, "2016-12-15", radius_km=None)
    assert _areas(zones)["contested"] == pytest.approx(2500, rel=0.01)
    assert "islamic_state" not in set(zones["party"])


def test_party_at_joins_each_point_on_its_own_date(control, localities, outline):
    pts = gpd.GeoDataFrame(
        {"event_id": ["a", "b", "c", "d", "e"]},
        geometry=_ea_points([(30, -30), (30, -30), (-10, 10), (30, -30), (48, 48)]).to_numpy(),
        crs=CRS,
        index=[10, 11, 12, 13, 14],
    )
    dates = pd.Series([T("2016-12-20"), T("2017-01-20"), T("2017-01-20"), pd.NaT, T("2016-12-20")], index=pts.index)
    got = C.party_at(pts, dates, control, localities, outline, radius_km=None)
    assert got.to_dict() == {10: "islamic_state", 11: "sdf", 12: "government", 13: "", 14: "government"}
    # the corner point is 32.5 km from its locality: beyond a 30 km radius nobody holds it
    limited = C.party_at(pts, dates, control, localities, outline, radius_km=30)
    assert limited[14] == "" and limited[10] == "islamic_state"


def test_changes_between_lists_the_localities_that_changed(control, localities):
    out = C.changes_between(control, localities, "2016-12-15", "2017-01-15")
    assert out[["locality_id", "name_en", "from_party", "to_party", "change_dates"]].to_dict("records") == [
        {
            "locality_id": "se",
            "name_en": "Southeast",
            "from_party": "islamic_state",
            "to_party": "sdf",
            "change_dates": "2017-01-10",
        }
    ]
    assert C.changes_between(control, localities, "2017-01-10", "2017-03-01").empty
    # reverse order of dates is accepted
    assert list(C.changes_between(control, localities, "2017-01-15", "2016-12-15")["locality_id"]) == ["se"]


def test_changes_between_keeps_reverted_changes_on_request(localities):
    ctl = pd.DataFrame(
        [
            _record("nw", "government", "2016-12-01", "2016-12-11"),
            _record("nw", "islamic_state", "2016-12-11", "2017-03-02"),
            _record("nw", "government", "2017-03-02"),
        ]
    )
    out = C.changes_between(ctl, localities, "2016-12-01", "2017-03-31")
    assert out.loc[0, "change_dates"] == "2016-12-11, 2017-03-02"
    assert out.loc[0, "path"] == "government → islamic_state → government"
    assert C.changes_between(ctl, localities, "2016-12-01", "2017-03-31", include_reverted=False).empty


def test_changed_areas_and_area_by_party(control, localities, outline):
    changed = C.changed_areas(control, localities, outline, "2016-12-15", "2017-01-15", radius_km=None)
    assert changed[["from_party", "to_party"]].to_dict("records") == [{"from_party": "islamic_state", "to_party": "sdf"}]
    assert changed.loc[0, "area_km2"] == pytest.approx(2500, rel=0.01)
    assert changed.crs == CRS
    areas = C.area_by_party(control, localities, outline, ["2016-12-15", "2017-01-15"], radius_km=None)
    table = areas.pivot(index="date", columns="party", values="area_km2")
    assert table.loc[T("2016-12-15"), "islamic_state"] == pytest.approx(2500, rel=0.01)
    assert pd.isna(table.loc[T("2016-12-15"), "sdf"])
    assert table.loc[T("2017-01-15"), "sdf"] == pytest.approx(2500, rel=0.01)
    assert table.loc[T("2017-01-15")].sum() == pytest.approx(10000, rel=0.01)


def test_zones_from_polygons_selects_valid_imported_zones():
    zones = gpd.GeoDataFrame(
        {
            "party": ["government", "opposition"],
            "valid_from": [T("2016-12-01"), T("2017-01-01")],
            "valid_to": [T("2017-01-01"), pd.NaT],
            "method": ["imported", ""],
            "source": ["a", "b"],
        },
        geometry=[shapely.box(36, 33, 37, 34), shapely.box(37, 33, 38, 34)],
        crs=CRS,
    )
    assert list(C.zones_from_polygons(zones, "2016-12-31")["party"]) == ["government"]
    jan = C.zones_from_polygons(zones, "2017-01-01")
    assert list(jan["party"]) == ["opposition"] and list(jan["method"]) == ["imported"]


def test_bad_arguments_are_refused(control, localities, outline):
    with pytest.raises(ValueError, match="method"):
        C.zones_at(control, localities, outline, "2016-12-15", method="kriging")
    with pytest.raises(ValueError, match="not a date"):
        C.zones_at(control, localities, outline, None)
    assert C.zones_at(control, localities, outline, "2016-11-01").empty


def test_held_label_names_the_holder_for_popups():
    from geo.vocabulary import held_label

    assert held_label("opposition") == "opposition-held"
    assert held_label("islamic_state") == "IS-held"
    assert held_label("") == "of unknown control"


def test_party_at_with_duplicate_index_and_one_date_for_all(control, localities, outline):
    pts = gpd.GeoDataFrame(geometry=_ea_points([(30, -30), (-30, 30)]).to_numpy(), crs=CRS, index=[5, 5])
    got = C.party_at(pts, "2017-01-20", control, localities, outline, radius_km=None)
    assert list(got) == ["sdf", "government"] and list(got.index) == [5, 5]
    got = C.party_at(pts, [T("2016-12-20"), T("2017-01-20")], control, localities, outline, radius_km=None)
    assert list(got) == ["islamic_state", "government"]


# --- coverage and hygiene of the layer -----------------------------------------------


def _assert_clean_layer(zones, max_overlap_m2=1_000.0):
    """One valid (multi)polygon per party, no ring under MIN_PIECE_M2, no overlap between parties."""
    assert zones["party"].is_unique
    assert zones.geometry.is_valid.all()
    assert set(zones.geom_type) <= {"Polygon", "MultiPolygon"}
    ea = zones.to_crs(EQUAL_AREA_CRS)
    for geom in ea.geometry:
        for poly in shapely.get_parts(geom):
            rings = [poly.exterior, *poly.interiors]
            assert min(shapely.Polygon(r).area for r in rings) >= C.MIN_PIECE_M2
    assert ea.area.sum() - ea.union_all().area < max_overlap_m2


def test_zones_cover_the_outline_by_default_with_no_circles(control, localities, outline):
    zones = C.zones_at(control, localities, outline, "2016-12-15")
    country = outline.to_crs(EQUAL_AREA_CRS).union_all()
    assert zones.to_crs(EQUAL_AREA_CRS).union_all().area / country.area > 0.9999
    _assert_clean_layer(zones)
    # whole Voronoi cells (the quadrants), not discs around the localities
    assert _areas(zones) == pytest.approx({"government": 5000, "opposition": 2500, "islamic_state": 2500}, rel=1e-3)


# --- cities drawn by neighbourhood --------------------------------------------------
# A "Town" of four 5 km squares in the north-west quadrant, away from the nw locality:
#   C (-40..-35, 35..40)  D (-35..-30, 35..40)
#   A (-40..-35, 30..35)  B (-35..-30, 30..35)
# with a locality in B (opposition) and one in C (government).  A and D hold no locality:
# each is nearer to the one in C (3 km) than to the one in B (4 km).


@pytest.fixture
def city():
    corners = {"A": (-40, 30), "B": (-35, 30), "C": (-40, 35), "D": (-35, 35)}
    geoms = [shapely.box(x * KM, y * KM, (x + 5) * KM, (y + 5) * KM) for x, y in corners.values()]
    return gpd.GeoDataFrame(
        {"pcode": list(corners), "city": "Town", "parent_pcode": "T1"}, geometry=geoms, crs=EQUAL_AREA_CRS
    ).to_crs(CRS)


def _with_quarters(control, localities, extra):
    """(control, localities) plus localities ``extra``: [(id, (x_km, y_km), party)]."""
    locs = gpd.GeoDataFrame(
        {"locality_id": [e[0] for e in extra], "name_en": [e[0] for e in extra]},
        geometry=_ea_points([e[1] for e in extra]),
        crs=CRS,
    )
    recs = pd.DataFrame([_record(lid, party, "2016-12-01", source=f"src-{lid}") for lid, _, party in extra])
    return pd.concat([control, recs], ignore_index=True), pd.concat([localities, locs], ignore_index=True)


QUARTERS = [("east_q", (-31, 31), "opposition"), ("west_q", (-38, 38), "government")]


def _area_in(zones, party, box_km) -> float:
    geom = zones.to_crs(EQUAL_AREA_CRS).set_index("party").geometry[party]
    return shapely.intersection(geom, shapely.box(*(v * KM for v in box_km))).area / 1e6


def test_a_city_with_neighbourhoods_is_drawn_by_neighbourhood(control, localities, outline, city):
    ctl, locs = _with_quarters(control, localities, QUARTERS)
    zones = C.zones_at(ctl, locs, outline, "2016-12-15", neighbourhoods=city)
    assert _area_in(zones, "opposition", (-35, 30, -30, 35)) == pytest.approx(25, rel=1e-3)  # B
    assert _area_in(zones, "government", (-40, 30, -35, 35)) == pytest.approx(25, rel=1e-3)  # A
    assert _area_in(zones, "government", (-35, 35, -30, 40)) == pytest.approx(25, rel=1e-3)  # D
    _assert_clean_layer(zones)
    country = outline.to_crs(EQUAL_AREA_CRS).union_all()
    assert zones.to_crs(EQUAL_AREA_CRS).union_all().area / country.area > 0.9999
    # without neighbourhoods, A's corner next to B falls in the opposition locality's cell
    plain = C.zones_at(ctl, locs, outline, "2016-12-15")
    assert _area_in(plain, "opposition", (-40, 30, -35, 35)) > 0.5


def test_party_at_uses_the_neighbourhoods_like_the_zones(control, localities, outline, city):
    ctl, locs = _with_quarters(control, localities, QUARTERS)
    pts = gpd.GeoDataFrame(geometry=_ea_points([(-35.5, 31), (-32, 32), (-20, 20)]).to_numpy(), crs=CRS)
    with_city = C.party_at(pts, "2016-12-15", ctl, locs, outline, neighbourhoods=city)
    assert list(with_city) == ["government", "opposition", "government"]
    # the point in A is nearer to the opposition locality: without neighbourhoods, its cell
    assert C.party_at(pts, "2016-12-15", ctl, locs, outline)[0] == "opposition"


def test_a_neighbourhood_holding_two_localities_is_split_between_them(control, localities, outline, city):
    ctl, locs = _with_quarters(control, localities, [*QUARTERS, ("b2", (-34, 34), "government")])
    zones = C.zones_at(ctl, locs, outline, "2016-12-15", neighbourhoods=city)
    # the two localities lie symmetric about B's diagonal: half of B each
    assert _area_in(zones, "opposition", (-35, 30, -30, 35)) == pytest.approx(12.5, rel=1e-3)
    assert _area_in(zones, "government", (-35, 30, -30, 35)) == pytest.approx(12.5, rel=1e-3)


def test_a_city_without_a_recorded_locality_keeps_its_voronoi_cells(control, localities, outline, city):
    plain = C.zones_at(control, localities, outline, "2016-12-15")
    with_city = C.zones_at(control, localities, outline, "2016-12-15", neighbourhoods=city)
    assert _areas(with_city) == pytest.approx(_areas(plain), rel=1e-6)


def test_party_at_agrees_with_the_zones_at_random_points(control, localities, outline, city):
    ctl, locs = _with_quarters(control, localities, [*QUARTERS, ("b2", (-34, 34), "government")])
    rng = np.random.default_rng(9)
    xy = rng.uniform(-49.9, 49.9, size=(400, 2))
    xy[:100] = rng.uniform(-40, -30, size=(100, 2))  # a quarter of them in the town
    pts = gpd.GeoDataFrame(geometry=_ea_points(xy).to_numpy(), crs=CRS)
    for day in ("2016-12-15", "2017-01-15"):
        zones = C.zones_at(ctl, locs, outline, day, neighbourhoods=city)
        got = C.party_at(pts, day, ctl, locs, outline, neighbourhoods=city)
        assert got.tolist() == _zone_of(zones, pts)


def _zone_of(zones, pts, margin_m=0.0) -> list:
    """The party of the zone holding each point ("" in none; None within ``margin_m`` of an edge)."""
    ea_pts = pts.to_crs(EQUAL_AREA_CRS).geometry.to_numpy()
    out = [""] * len(ea_pts)
    for party, geom in zip(zones["party"], zones.to_crs(EQUAL_AREA_CRS).geometry, strict=True):
        inside = shapely.contains(geom, ea_pts)
        for i in np.flatnonzero(inside):
            out[i] = party
        if margin_m:
            edge = shapely.dwithin(geom.boundary, ea_pts, margin_m)
            for i in np.flatnonzero(edge):
                out[i] = None
    return out


# --- the shipped data ----------------------------------------------------------------


def _sample_days() -> list[str]:
    days = pd.date_range("2016-12-01", "2017-03-31", freq="D")
    picked = {d for d in days if d.day in (1, 15)}
    picked |= {pd.Timestamp(d) for d in ("2016-12-05", "2016-12-30", "2017-02-23", "2017-03-31")}
    return [d.strftime("%Y-%m-%d") for d in sorted(picked)]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from geo.catalog import Catalog

    return Catalog(tmp_path_factory.mktemp("store") / "s.gpkg")


def test_shipped_zones_cover_95_percent_of_syria_on_every_sampled_day(shipped):
    country = shipped.boundaries(0).to_crs(EQUAL_AREA_CRS).union_all()
    for day in _sample_days():
        zones = shipped.zones(day)
        share = shapely.intersection(zones.to_crs(EQUAL_AREA_CRS).union_all(), country).area / country.area
        assert share >= 0.95, (day, share)
        _assert_clean_layer(zones, max_overlap_m2=1e-6 * country.area)


def _neighbourhood_points(shipped, names: dict) -> gpd.GeoDataFrame:
    """A point inside each named neighbourhood ({city: [name_en, ...]})."""
    nb = shipped.neighbourhoods()
    rows = []
    for city_name, wanted in names.items():
        for name in wanted:
            hit = nb[(nb["city"] == city_name) & (nb["name_en"] == name)]
            assert len(hit) == 1, (city_name, name)
            rows.append({"name": name, "geometry": hit.geometry.iloc[0].representative_point()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("name")


def test_front_lines_inside_cities_follow_the_neighbourhood_records(shipped):
    pts = _neighbourhood_points(
        shipped, {"Aleppo": ["Hamadaniyeh", "New Aleppo", "Sha'aar"], "Damascus": ["Joubar Gharbi"], "Homs": ["Wa'er"]}
    )
    held = shipped.party_at(pts, pd.Series(pd.Timestamp("2016-12-05"), index=pts.index))
    assert held.to_dict() == {
        "Hamadaniyeh": "government",  # west Aleppo
        "New Aleppo": "government",
        "Sha'aar": "opposition",  # east Aleppo until 7 Dec
        "Joubar Gharbi": "opposition",
        "Wa'er": "opposition",
    }
    after = shipped.party_at(pts, pd.Series(pd.Timestamp("2016-12-23"), index=pts.index))
    assert after["Sha'aar"] == "government"
    # the map of the day draws the same
    zones = shipped.zones("2016-12-05")
    assert _zone_of(zones, pts) == held.tolist()


def test_shipped_party_at_agrees_with_the_zones(shipped):
    outline = shipped.boundaries(0).to_crs(EQUAL_AREA_CRS).union_all()
    rng = np.random.default_rng(17)
    x0, y0, x1, y1 = outline.bounds
    xy = rng.uniform((x0, y0), (x1, y1), size=(600, 2))
    pts = gpd.GeoSeries(shapely.points(xy), crs=EQUAL_AREA_CRS)
    pts = gpd.GeoDataFrame(geometry=pts[pts.within(outline)].to_crs(CRS).to_numpy(), crs=CRS)
    for day in ("2016-12-05", "2017-02-23"):
        zones = shipped.zones(day)
        expected = _zone_of(zones, pts, margin_m=50.0)
        got = shipped.party_at(pts, pd.Series(pd.Timestamp(day), index=pts.index))
        keep = [e is not None for e in expected]
        assert sum(keep) > 300
        assert [g for g, k in zip(got, keep, strict=True) if k] == [e for e in expected if e is not None]


def test_the_map_simplifies_the_zones_without_gaps_or_overlaps(shipped):
    """Each party simplified alone would move shared front lines apart (slivers at city zoom)."""
    from layers.zones import zones_geojson

    zones = shipped.zones("2016-12-05")
    drawn = gpd.GeoSeries(
        [shapely.geometry.shape(f["geometry"]) for f in zones_geojson(zones)["features"]], crs=CRS
    ).to_crs(EQUAL_AREA_CRS)
    raw = zones.to_crs(EQUAL_AREA_CRS)
    overlap = drawn.area.sum() - drawn.union_all().area
    assert overlap < 1e-6 * raw.area.sum()
    assert drawn.union_all().area == pytest.approx(raw.union_all().area, rel=1e-3)
