"""Briefing exports (briefing/): sizes, content, layers, formats, labels, cartographic furniture."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from briefing import data as bdata
from briefing.labels import Box, boxes_of, place_labels
from briefing.render import (
    build_figure,
    draw_scale_bar,
    grid_convergence_deg,
    page_size,
    render_briefing,
)
from geo.schema import CRS
from webapp.viewstate import ViewState

VERSION = "data test123 · code test"


class FixtureCatalog:
    """A tiny catalog built in code (EPSG:4326): two governorates, two zones, towns, events."""

    def __init__(self, n_events: int = 40):
        self.outline = gpd.GeoDataFrame(
            {"admin_level": [0], "pcode": ["SY"], "name_en": ["Syria"], "source": ["fixture outline"]},
            geometry=[shapely.box(36.0, 32.5, 41.0, 37.0)], crs=CRS)
        self.govs = gpd.GeoDataFrame(
            {"admin_level": [1, 1], "pcode": ["SY02", "SY04"], "name_en": ["Aleppo", "Homs"],
             "source": ["fixture", "fixture"]},
            geometry=[shapely.box(36.0, 34.75, 41.0, 37.0), shapely.box(36.0, 32.5, 41.0, 34.75)], crs=CRS)
        names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]
        lons = [36.5, 36.55, 36.6, 38.0, 39.5, 40.2, 37.1, 37.15]
        lats = [36.0, 36.02, 35.98, 34.0, 35.5, 33.2, 36.5, 36.52]
        self.locs = gpd.GeoDataFrame(
            {"locality_id": [f"cur:{n.lower()}" for n in names], "name_en": names, "name_ar": "",
             "admin1_pcode": ["SY02"] * 3 + ["SY04", "SY02", "SY04", "SY02", "SY02"], "population": 1000},
            geometry=gpd.points_from_xy(lons, lats), crs=CRS)
        rng = np.random.default_rng(7)
        d = pd.Timestamp("2016-12-15") + pd.to_timedelta(rng.integers(0, 100, n_events), unit="D")
        self.ev = gpd.GeoDataFrame(
            {"event_id": [f"synthetic:{i}" for i in range(n_events)], "dataset": "synthetic",
             "date_start": d, "date_end": d,
             "geo_precision": rng.choice(["exact", "near", "district", "country"], n_events),
             "admin1_pcode": rng.choice(["SY02", "SY04"], n_events),
             "event_type": rng.choice(["battle", "airstrike"], n_events),
             "truce_class": rng.choice(["truce_violation", "excluded_group", "one_sided"], n_events),
             "party1": rng.choice(["government", "hts+opposition"], n_events), "party2": "opposition",
             "class_reason": "fixture",
             "fatalities": pd.array(rng.integers(0, 30, n_events), dtype="Int64"), "source_id": "s1"},
            geometry=gpd.points_from_xy(rng.uniform(36.2, 40.8, n_events), rng.uniform(32.7, 36.8, n_events)),
            crs=CRS)

    def boundaries(self, level=1):
        return self.outline if level == 0 else self.govs

    def zones(self, date):
        parties = ["government", "opposition"] if pd.Timestamp(date) < pd.Timestamp("2017-02-01") else ["government"]
        geoms = [shapely.box(36.0, 32.5, 38.5, 37.0), shapely.box(38.5, 32.5, 41.0, 37.0)][: len(parties)]
        return gpd.GeoDataFrame({"party": parties, "method": "synthetic"}, geometry=geoms, crs=CRS)

    def localities(self):
        return self.locs

    def citations(self):
        ids = list(self.locs["locality_id"])
        return pd.DataFrame({"source_id": ["s1"] * 8 + ["s2", "s2", "s1"],
                             "locality_id": ids + ["cur:delta", "cur:golf", "cur:golf"], "start": 0, "end": 1})

    def sources(self):
        return pd.DataFrame({"source_id": ["s1", "s2"], "outlet": ["Outlet One", "Outlet Two"],
                             "title": ["Report one", "Report two"]})

    def events(self):
        return self.ev


@pytest.fixture(scope="module")
def catalog():
    return FixtureCatalog()


def _png(catalog, state=None, **kw) -> Image.Image:
    payload = render_briefing(state or ViewState(), catalog, fmt="png", version=VERSION, **kw)
    return Image.open(io.BytesIO(payload)).convert("RGB")


def test_png_slide_size_exact_and_not_blank(catalog):
    img = _png(catalog)
    assert img.size == (1920, 1080)
    arr = np.asarray(img, dtype=float)
    assert arr.std() > 20  # not a blank page
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 50


def test_png_a4_size(catalog):
    img = _png(catalog, size="a4")
    assert img.size == page_size("a4").pixels
    w, h = img.size
    assert abs(w / h - 297 / 210) < 0.01


def _map_area(img: Image.Image) -> np.ndarray:
    w, h = img.size
    return np.asarray(img.crop((int(0.02 * w), int(0.13 * h), int(0.70 * w), int(0.88 * h))), dtype=float)


@pytest.mark.parametrize("layer", ["zones", "events", "towns", "boundaries"])
def test_switching_a_layer_off_changes_the_pixels(catalog, layer):
    full = _map_area(_png(catalog))
    without = _map_area(_png(catalog, layers=[x for x in ("zones", "towns", "events", "boundaries") if x != layer]))
    changed = np.any(np.abs(full - without) > 30, axis=2).mean()
    assert changed > 0.0005, f"switching off {layer} changed only {changed:.5f} of the map"


def test_zone_colours_follow_the_control_date(catalog):
    before = _map_area(_png(catalog, ViewState(date=pd.Timestamp("2017-01-10").date())))
    after = _map_area(_png(catalog, ViewState(date=pd.Timestamp("2017-02-10").date())))
    assert np.any(np.abs(before - after) > 30, axis=2).mean() > 0.05


def test_pdf_has_exactly_one_a4_page(catalog, tmp_path):
    out = render_briefing(ViewState(), catalog, size="a4", out=tmp_path / "b.pdf", version=VERSION)
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", raw)) == 1
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", raw).group(1).split()]
    assert abs(box[2] - 297 / 25.4 * 72) < 1 and abs(box[3] - 210 / 25.4 * 72) < 1


def test_svg_parses_with_slide_size(catalog, tmp_path):
    out = render_briefing(ViewState(), catalog, out=tmp_path / "b.svg", version=VERSION)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    # 1920x1080 px at 100 dpi = 19.2 x 10.8 in = 1382.4 x 777.6 pt
    assert [round(float(v), 1) for v in root.get("viewBox").split()[2:]] == [1382.4, 777.6]
    assert root.get("width") == "1382.4pt"


def test_unknown_format_and_size_are_refused(catalog, tmp_path):
    with pytest.raises(ValueError, match="format"):
        render_briefing(ViewState(), catalog, out=tmp_path / "b.jpg")
    with pytest.raises(ValueError, match="size"):
        render_briefing(ViewState(), catalog, size="huge", fmt="png")
    with pytest.raises(ValueError, match="outside"):
        page_size((100000, 10))


def _texts(fig) -> str:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return "\n".join(out)


def test_figure_carries_title_dates_filters_sources_version_and_synthetic_label(catalog):
    state = ViewState(date=pd.Timestamp("2017-01-10").date(), start=pd.Timestamp("2017-01-01").date(),
                      end=pd.Timestamp("2017-01-31").date(), govs=("SY02",), classes=("truce_violation",))
    bd = bdata.gather(state, catalog, version=VERSION)
    fig, facts = build_figure(bd)
    text = _texts(fig)
    assert "Control on 10 Jan 2017" in text
    assert "Events 1 Jan 2017 – 31 Jan 2017" in text
    assert "governorates: Aleppo" in text and "Truce violation" in text
    assert "Outlet One" in text and "fixture outline" in text
    assert VERSION in text
    assert "SYNTHETIC" in text
    assert "Government and allies" in text  # legend
    ev = catalog.ev
    expected = ev[(ev.date_start >= "2017-01-01") & (ev.date_start <= "2017-01-31") & (ev.admin1_pcode == "SY02")
                  & (ev.truce_class == "truce_violation")]
    assert facts["events"] == len(expected)
    assert facts["not_drawn"] == int((expected.geo_precision == "country").sum())


def test_view_filter_parties_match_either_side_and_joined_parties(catalog):
    from geo.view import filter_view

    ev = catalog.ev
    hts = filter_view(ev, ViewState(parties=("hts",)))
    assert len(hts) == int((ev.party1 == "hts+opposition").sum()) > 0
    assert len(filter_view(ev, ViewState(parties=("opposition",)))) == len(ev)
    airstrikes = filter_view(ev, ViewState(classes=("airstrike",)))
    assert set(airstrikes.event_type) == {"airstrike"}
    both = filter_view(ev, ViewState(classes=("airstrike", "one_sided")))
    assert len(both) == int(((ev.event_type == "airstrike") | (ev.truce_class == "one_sided")).sum())


def test_cited_towns_most_cited_first(catalog):
    from geo.citations import cited_towns

    towns = cited_towns(catalog=catalog)
    assert len(towns) == len(catalog.locs)
    assert list(towns["n_sources"])[:3] == [2, 2, 1]
    assert set(towns["name_en"][:2]) == {"Delta", "Golf"}
    assert "Outlet Two: Report two" in towns.iloc[0]["citations"]


def test_missing_layer_is_named_not_fatal(catalog):
    class Broken(FixtureCatalog):
        def zones(self, date):
            raise OSError("store unreadable")

    bd = bdata.gather(ViewState(), Broken(), version=VERSION)
    assert bd.zones is None and any("control zones" in m for m in bd.missing)
    fig, _ = build_figure(bd)
    assert "Not shown: control zones (store unreadable)" in _texts(fig)


def test_labels_never_overlap_and_stay_inside_the_map(catalog):
    bd = bdata.gather(ViewState(), catalog, version=VERSION)
    fig, facts = build_figure(bd)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text() in set(catalog.locs.name_en)]
    assert len(labels) == facts["labels"] >= 4
    boxes = boxes_of(labels, renderer)
    frame = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert a.inside(Box(frame.x0, frame.y0, frame.x1, frame.y1))
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_place_labels_drops_rather_than_overlaps():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    xs = np.full(30, 5.0) + np.linspace(0, 0.3, 30)
    ys = np.full(30, 5.0)
    placed = place_labels(ax, xs, ys, [f"Town {i}" for i in range(30)], fontsize=10)
    boxes = boxes_of(placed)
    assert 1 <= len(placed) < 30
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_scale_bar_is_a_round_length_about_a_fifth_of_the_width():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 730_000)
    ax.set_ylim(0, 450_000)
    length, _ = draw_scale_bar(ax, 10)
    assert length == 100_000
    ax.set_xlim(0, 60_000)
    assert draw_scale_bar(ax, 10)[0] == 10_000


def test_grid_convergence_is_zero_on_the_central_meridian_and_small_elsewhere():
    assert abs(grid_convergence_deg(39.0, 35.0)) < 0.01
    west, east = grid_convergence_deg(36.0, 35.0), grid_convergence_deg(42.0, 35.0)
    assert 0.5 < abs(west) < 3 and west * east < 0


def test_zoomed_view_shows_fewer_towns_than_the_country(catalog):
    whole = build_figure(bdata.gather(ViewState(), catalog, version=VERSION))[1]
    zoomed = build_figure(bdata.gather(ViewState(lat=36.0, lon=36.55, zoom=11), catalog, version=VERSION))[1]
    assert zoomed["towns"] < whole["towns"]
    assert zoomed["scale_bar_m"] < whole["scale_bar_m"]


def test_soft_obstacles_are_avoided_when_possible_and_overlapped_only_when_not():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    px, py = ax.transData.transform((5, 5))
    right = Box(px + 3, py - 20, px + 200, py + 20)  # covers the label's first choice (to the right)
    placed = place_labels(ax, [5], [5], ["Town"], soft_obstacles=[right])
    assert len(placed) == 1 and not boxes_of(placed)[0].overlaps(right)
    everywhere = Box(0, 0, 400, 300)
    placed = place_labels(ax, [5], [5], ["Town"], soft_obstacles=[everywhere])
    assert len(placed) == 1  # still labelled: soft obstacles never drop a label


def test_orientation_places_are_named_on_a_zoomed_view(catalog):
    bd = bdata.gather(ViewState(lat=36.0, lon=36.55, zoom=9), catalog, version=VERSION)
    bd.places = gpd.GeoDataFrame({"locality_id": ["cur:x"], "name_en": ["Xanadu"], "population": [5000]},
                                 geometry=gpd.points_from_xy([36.7], [36.1]), crs=CRS)
    fig, facts = build_figure(bd)
    assert facts["places"] == 1 and "Xanadu" in _texts(fig)


# --- district choropleth (state.choro, as on the Map page) ---------------------------------------
class DistrictCatalog(FixtureCatalog):
    """The fixture with four districts (two per governorate) as its level-2 boundaries."""

    def __init__(self):
        super().__init__()
        self.districts = gpd.GeoDataFrame(
            {"admin_level": 2, "pcode": ["SY0200", "SY0201", "SY0400", "SY0401"],
             "parent_pcode": ["SY02", "SY02", "SY04", "SY04"],
             "name_en": ["North-west", "North-east", "South-west", "South-east"], "name_ar": "", "source": "fixture"},
            geometry=[shapely.box(36.0, 34.75, 38.5, 37.0), shapely.box(38.5, 34.75, 41.0, 37.0),
                      shapely.box(36.0, 32.5, 38.5, 34.75), shapely.box(38.5, 32.5, 41.0, 34.75)], crs=CRS)

    def boundaries(self, level=1):
        return self.districts if level == 2 else super().boundaries(level)


@pytest.fixture(scope="module")
def district_catalog():
    return DistrictCatalog()


def test_choropleth_png_changes_the_map_keeps_the_size_and_uses_the_map_breaks(district_catalog):
    from geo.admin import district_totals
    from geo.view import filter_view
    from layers.choropleth import BREAKS, class_index, class_labels

    off = _png(district_catalog, ViewState(), size="1280x720")
    on = _png(district_catalog, ViewState(choro="events"), size="1280x720")
    assert on.size == off.size == (1280, 720)
    changed = np.any(np.abs(_map_area(on) - _map_area(off)) > 30, axis=2).mean()
    assert changed > 0.05, f"the district colours changed only {changed:.4f} of the map"
    totals = district_totals(filter_view(district_catalog.ev, ViewState()), district_catalog.districts)
    assert render_briefing.last_facts["districts_filled"] == int((class_index(totals["events"], BREAKS["events"]) > 0).sum())
    fig, facts = build_figure(bdata.gather(ViewState(choro="fatalities"), district_catalog, version=VERSION))
    text = _texts(fig)
    assert "Fatalities per district" in text and all(label in text for label in class_labels(BREAKS["fatalities"]))
    assert "(zone outline)" in text and "Districts coloured by fatalities" in text
    assert "not attributed" not in text and "approximate" not in text
    assert "zones derived from dated locality records" in text


def test_html_export_with_choro_carries_the_district_legend(district_catalog):
    from briefing.html import render_html

    html = render_html(ViewState(choro="events"), district_catalog, version=VERSION)
    assert "Events per district" in html and "Districts coloured by events" in html
    assert render_html.last_facts["choro"] == "events"
    plain = render_html(ViewState(), district_catalog, version=VERSION)
    assert "Events per district" not in plain and render_html.last_facts["choro"] == "off"
