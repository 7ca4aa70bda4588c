"""What the map draws: labels that never collide, towns above clusters, a legend clear of the data,
colours told apart under colour-vision deficiencies, no drawing artefacts (issue 10)."""

from __future__ import annotations

import html
import itertools
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from geo import colour_vision as cv
from geo.palette import ZONE_OPACITY
from geo.vocabulary import CONTESTED, PARTY, TRUCE_CLASS
from layers import labels as lb
from layers.assets import _MAP_STYLE, base_map
from layers.changes import changes_geojson
from layers.legend import DATA_BOUNDS, add_legend, legend_html
from layers.towns import RING_EXTRA_PX, TOWN_PANE, TOWN_PANE_Z, towns_layer
from layers.zones import MIN_DRAWN_DEG2, drawable, one_per_party, zones_geojson

WINDOW = ("2016-12-01", "2017-03-31")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from geo.catalog import Catalog

    return Catalog(tmp_path_factory.mktemp("store") / "s.gpkg")


def _town_spec(html_text: str) -> dict:
    for m in re.finditer(r"var spec = (\{.*?\});\n", html_text):
        spec = json.loads(m.group(1))
        if spec["kind"] == "town":
            return spec
    raise AssertionError("no town layer in the HTML")


def _shown_boxes(rows: list, zoom: int) -> np.ndarray:
    """Label boxes of the rows whose label is shown at ``zoom``, on the side the layer gives them."""
    shown = [r for r in rows if r[6] <= zoom]
    if not shown:
        return np.empty((0, 4))
    k = zoom - lb.MIN_ZOOM
    return np.vstack([
        lb.label_boxes([r[0]], [r[1]], [r[3] + RING_EXTRA_PX], [lb.label_width(html.unescape(r[5]))], zoom, r[7][k])
        for r in shown
    ])


def _assert_no_overlap(boxes: np.ndarray, what: str) -> None:
    for i, j in itertools.combinations(range(len(boxes)), 2):
        assert not lb.overlaps(boxes[i], boxes[j : j + 1])[0], f"{what}: labels {i} and {j} overlap"


# --- labels ---------------------------------------------------------------------------------
def test_label_boxes_and_projection_follow_leaflet():
    x, y = lb.project([0.0], [0.0], 0)
    assert x[0] == pytest.approx(128) and y[0] == pytest.approx(128)  # the world's centre at zoom 0
    x7, _ = lb.project([35.0], [38.5], 7)
    x8, _ = lb.project([35.0], [38.5], 8)
    assert x8[0] == pytest.approx(2 * x7[0])
    right = lb.label_boxes([35.0], [38.5], [10], [50], 7, lb.RIGHT)[0]
    left = lb.label_boxes([35.0], [38.5], [10], [50], 7, lb.LEFT)[0]
    assert right[0] == pytest.approx(x7[0] + 10 + lb.GAP_PX) and right[2] - right[0] == pytest.approx(50)
    assert left[2] == pytest.approx(x7[0] - 10 - lb.GAP_PX)


def test_close_labels_are_shown_from_the_zoom_where_they_part_by_priority():
    # three towns 5 km apart on a line of latitude: at low zoom only the most important is labelled
    lat, lon = [35.0, 35.0, 35.0], [38.0, 38.055, 38.11]
    radius, width = [10, 10, 10], [60, 60, 60]
    zooms, sides = lb.label_placement(lat, lon, radius, width, [(1,), (5,), (2,)])
    assert zooms[1] == lb.MIN_ZOOM  # the most cited town first, at every zoom
    assert zooms[0] > lb.MIN_ZOOM and zooms[2] > lb.MIN_ZOOM
    assert max(zooms) < lb.NEVER  # far enough apart at street zoom
    for z in range(lb.MIN_ZOOM, lb.MAX_ZOOM + 1):
        rows = [[lat[i], lon[i], 1, radius[i] - RING_EXTRA_PX, "", "x" * 7, int(zooms[i]), sides[i].tolist()]
                for i in range(3)]
        _assert_no_overlap(_shown_boxes(rows, z), f"zoom {z}")
    # two towns on one point: one name on each side; a third there is never labelled (hover only)
    same, sides = lb.label_placement([35.0] * 3, [38.0] * 3, [10] * 3, [60] * 3, [(3,), (2,), (1,)])
    assert same.tolist() == [lb.MIN_ZOOM, lb.MIN_ZOOM, lb.NEVER]
    assert sides[0, 0] == lb.RIGHT and sides[1, 0] == lb.LEFT


@pytest.mark.parametrize("start,end", [WINDOW, ("2017-02-01", "2017-02-28")])
def test_shipped_town_labels_never_overlap_at_any_zoom(shipped, start, end):
    from geo.citations.towns import cited_towns

    towns = cited_towns(catalog=shipped, day="2017-01-15", start=start, end=end)
    spec = _town_spec(base_map().add_child(towns_layer(towns, date_label="2017-01-15")).get_root().render())
    rows = [r for g in spec["groups"] for r in g["rows"]]
    assert len(rows) == len(towns) > 5
    for zoom in range(lb.MIN_ZOOM, lb.MAX_ZOOM + 1):
        _assert_no_overlap(_shown_boxes(rows, zoom), f"{start}..{end} zoom {zoom}")
    # the default view (zoom 7) names the most cited towns and leaves the rest to hover
    at7 = {html.unescape(r[5]) for r in rows if r[6] <= 7}
    assert at7
    if (start, end) == WINDOW:
        assert {"Aleppo", "Damascus", "Palmyra", "Al-Bab"} <= at7 and len(at7) < len(rows)


def test_town_layer_script_shows_labels_from_their_zoom_and_hover_below_it(shipped):
    from geo.citations.towns import cited_towns

    towns = cited_towns(catalog=shipped, day="2017-01-15")
    out = base_map().add_child(towns_layer(towns, date_label="2017-01-15")).get_root().render()
    assert 'map.on("zoomend", update)' in out and "permanent: z >= minZoom" in out
    # only numbers enter the script besides escaped text: zooms and sides are ints
    rows = [r for g in _town_spec(out)["groups"] for r in g["rows"]]
    assert all(isinstance(r[6], int) and all(s in (lb.LEFT, lb.RIGHT) for s in r[7]) for r in rows)


# --- towns above the clusters ------------------------------------------------------------------
def test_town_pane_is_above_the_cluster_pane_and_below_labels_and_popups():
    from webapp.vendor import vendor_text

    css = vendor_text("leaflet.css")
    z = {name: int(re.search(rf"\.leaflet-{name}-pane\s*\{{\s*z-index:\s*(\d+)", css).group(1))
         for name in ("marker", "tooltip", "popup")}
    towns = gpd.GeoDataFrame({"locality_id": ["a"], "name_en": ["Al-Bab"], "n_sources": [2], "party": ["sdf"]},
                             geometry=[Point(37.5157, 36.37051)], crs=4326)
    out = base_map().add_child(towns_layer(towns)).get_root().render()
    spec = _town_spec(out)
    # cluster icons live in markerPane (layers/points.py sets no pane for them)
    assert spec["pane"] == TOWN_PANE and spec["paneZ"] == TOWN_PANE_Z
    assert z["marker"] < TOWN_PANE_Z < z["tooltip"] < z["popup"], z
    assert "createPane(spec.pane).style.zIndex = String(spec.paneZ)" in out
    assert "pane: spec.pane" in out and "m.beforeAdd = ensurePane" in out
    # the ring's middle lets clicks through to an event at the town's point
    assert 'pointer-events="stroke"' in out and 'style.pointerEvents = "none"' in out


# --- legend ----------------------------------------------------------------------------------------
def test_legend_starts_collapsed_unless_clear_of_the_data():
    text = legend_html()
    assert text.startswith("<details>") and "<details open" not in text
    m = base_map()
    add_legend(m)
    out = m.get_root().render()
    assert json.dumps([list(DATA_BOUNDS[0]), list(DATA_BOUNDS[1])]) in out
    assert "!(x0 < ne.x && sw.x < x1 && y0 < sw.y && ne.y < y1)" in out and 'map.on("resize moveend", place)' in out


def test_data_bounds_hold_syria_and_the_euphrates_valley(shipped):
    (south, west), (north, east) = DATA_BOUNDS
    x0, y0, x1, y1 = shipped.boundaries(0).total_bounds
    assert west <= x0 and south <= y0 and east >= x1 and north >= y1
    for lat, lon in ((34.45, 40.92), (35.34, 40.14), (35.95, 39.01)):  # Abu Kamal, Deir ez-Zor, Raqqa
        assert south < lat < north and west < lon < east


# --- colours ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "lab1,lab2,expected",
    [  # Sharma, Wu & Dalal (2005) test data
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert cv.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_simulations_keep_greys_and_merge_red_and_green_for_deuteranopes():
    assert cv.to_lab(np.ones(3)) == pytest.approx([100, 0, 0], abs=0.05)
    for vision in cv.MACHADO_2009:
        assert cv.simulate(np.array([0.5, 0.5, 0.5]), vision) == pytest.approx([0.5] * 3, abs=0.01)
    red, green = "#D62728", "#2CA02C"
    assert cv.seen_difference(red, green) > 60
    assert cv.seen_difference(red, green, "deuteranopia") < cv.seen_difference(red, green) / 2
    assert cv.seen_difference("#ff0000", "#000000", background="#ffffff", opacity1=0.0) == pytest.approx(100, abs=0.1)


def test_every_pair_that_must_be_told_apart_is_under_every_simulation():
    rows = cv.palette_table()
    assert {r["group"] for r in rows} == set(cv.MIN_DIFFERENCE)
    low = [r for r in rows if r["min"] < r["required"]]
    assert not low, [(r["group"], r["pair"], round(r["min"], 1)) for r in low]
    assert cv.MIN_DIFFERENCE["zones as drawn"] >= 9 and cv.MIN_DIFFERENCE["event classes"] >= 10
    assert cv.MIN_DIFFERENCE["alleged perpetrators"] >= 10


def test_islamic_state_contested_and_before_the_truce_are_not_three_greys():
    zone = {p: PARTY[p].colour for p in ("islamic_state", CONTESTED)}
    before = TRUCE_CLASS["before_truce"].colour
    chroma = {name: float(np.hypot(*cv.to_lab(cv.hex_to_rgb(c))[1:])) for name, c in
              (("contested", zone[CONTESTED]), ("before_truce", before))}
    assert min(chroma.values()) >= 15, chroma  # hues, not greys
    bg, op = cv.MAP_BACKGROUND, ZONE_OPACITY
    for vision in cv.VISIONS:
        assert cv.seen_difference(zone["islamic_state"], zone[CONTESTED], vision, background=bg,
                                  opacity1=op, opacity2=op) >= 10
        for z in zone.values():
            assert cv.seen_difference(before, z, vision, background=bg, opacity2=op) >= 10


def test_contested_is_never_a_perpetrator_and_the_background_is_the_maps():
    assert PARTY[CONTESTED].short not in legend_html(zones=False, towns=False, color_by="party")
    assert f"background: {cv.MAP_BACKGROUND}" in _MAP_STYLE


def test_event_dots_have_the_dark_outline_the_check_measures():
    from geo.vocabulary import EVENT_OUTLINE
    from layers.events import events_layer

    ev = gpd.GeoDataFrame({"event_id": ["a"], "dataset": ["curated"], "date_start": pd.to_datetime(["2017-01-01"]),
                           "date_end": pd.to_datetime(["2017-01-01"]), "geo_precision": ["exact"],
                           "party1": ["government"], "truce_class": ["truce_violation"]},
                          geometry=[Point(37, 36)], crs=4326)
    out = base_map().add_child(events_layer(ev, color_by="party").group).get_root().render()
    spec = next(json.loads(m.group(1)) for m in re.finditer(r"var spec = (\{.*?\});\n", out)
                if json.loads(m.group(1))["kind"] == "event")
    assert spec["stroke"] == EVENT_OUTLINE


# --- drawing artefacts ------------------------------------------------------------------------------
def test_the_audits_zero_area_ring_is_not_drawn():
    ring = Polygon([(38.719, 34.548), (38.719, 34.548), (38.434, 34.901)])  # (lat, lon) of the audit, as x, y
    areas = gpd.GeoDataFrame({"from_party": ["islamic_state", "islamic_state"], "to_party": ["government"] * 2,
                              "area_km2": [1.0, 500.0]},
                             geometry=[ring, box(38.0, 34.0, 38.3, 34.3)], crs=4326)
    features = changes_geojson(areas, "2016-12-05", "2017-03-10")["features"]
    assert len(features) == 1 and features[0]["properties"]["area_km2"] == 500.0
    holed = Polygon(box(36, 35, 37, 36).exterior.coords, [[(36.5, 35.5), (36.5, 35.5), (36.50001, 35.50001)]])
    kept = drawable(holed)
    assert kept is not None and len(kept.interiors) == 0
    assert drawable(shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 2, 2.0001, 2.0001)])).geom_type == "Polygon"


def test_one_party_is_one_drawn_zone_even_with_an_imported_piece():
    zones = gpd.GeoDataFrame({"party": ["government", "government", "opposition"],
                              "valid_from": pd.to_datetime(["2016-12-01", "2016-12-10", "2016-12-01"]),
                              "valid_to": pd.to_datetime([None, "2017-01-01", None]),
                              "method": ["imported", "derived", "derived"], "source": ["a", "b", "c"]},
                             geometry=[box(36, 35, 37, 36), box(37, 35, 38, 36), box(38, 35, 39, 36)], crs=4326)
    merged = one_per_party(zones)
    assert merged["party"].tolist() == ["government", "opposition"]
    assert merged.geometry.iloc[0].geom_type == "Polygon"  # no line left between the two pieces
    assert merged["method"].iloc[0] == "imported;derived" and pd.isna(merged["valid_to"].iloc[0])
    features = zones_geojson(zones)["features"]
    assert [f["properties"]["party"] for f in features] == ["government", "opposition"]


def _sample_days() -> list[str]:
    days = pd.date_range(*WINDOW, freq="5D").strftime("%Y-%m-%d").tolist()
    return sorted(set(days) | {"2016-12-05", "2016-12-30", "2017-02-23", "2017-03-10", "2017-03-31"})


def _assert_no_tiny_ring(geometry: dict, what: str) -> None:
    geom = shapely.geometry.shape(geometry)
    assert geom.is_valid, (what, shapely.is_valid_reason(geom))
    for part in shapely.get_parts(geom):
        assert part.area >= MIN_DRAWN_DEG2, (what, "part", part.area)
        for ring in part.interiors:
            assert shapely.Polygon(ring).area >= MIN_DRAWN_DEG2, (what, "hole")


def test_shipped_zones_draw_one_clean_geometry_per_party_on_sampled_days(shipped):
    for day in _sample_days():
        zones = shipped.zones(day)
        assert not zones["party"].duplicated().any(), day
        features = zones_geojson(zones)["features"]
        parties = [f["properties"]["party"] for f in features]
        assert len(parties) == len(set(parties)) == len(zones), day
        for f in features:
            _assert_no_tiny_ring(f["geometry"], f"{day} {f['properties']['party']}")


def test_shipped_changed_areas_draw_no_zero_area_ring(shipped):
    import geo.control as ctl

    control, loc, outline, nb = shipped.control(), shipped.localities(), shipped.boundaries(0), shipped.neighbourhoods()
    pairs = [("2016-12-05", "2017-03-10"), ("2016-12-01", "2017-03-31"), ("2016-12-15", "2017-01-15"),
             ("2017-01-15", "2017-03-10")]
    for d1, d2 in pairs:
        areas = ctl.changed_areas(control, loc, outline, d1, d2, neighbourhoods=nb)
        for f in changes_geojson(areas, d1, d2)["features"]:
            _assert_no_tiny_ring(f["geometry"], f"{d1}..{d2}")
