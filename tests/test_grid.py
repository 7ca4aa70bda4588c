"""Events counted per grid cell when too many to draw (geo/grid.py, layers/aggregate.py, layers.events.event_overlay)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import points
from streamlit_folium import _get_feature_group_string

from geo import grid
from layers.assets import base_map
from layers.events import event_arrays, event_overlay, events_layer
from webapp.eventlist import event_table, listed, page_of


def _events(n: int, seed: int = 0, *, spread: float = 1.0) -> gpd.GeoDataFrame:
    """``n`` synthetic events over Syria: 80 % exact, 10 % district, 5 % governorate, 5 % country-only."""
    rng = np.random.default_rng(seed)
    x = 38.5 + rng.uniform(-2.5, 2.5, n) * spread
    y = 35.0 + rng.uniform(-2.0, 2.0, n) * spread
    prec = rng.choice(["exact", "district", "governorate", "country"], n, p=[0.8, 0.1, 0.05, 0.05])
    return gpd.GeoDataFrame({
        "event_id": [f"synthetic:{i}" for i in range(n)], "dataset": "synthetic", "geo_precision": prec,
        "truce_class": rng.choice(["truce_violation", "excluded_group", "outside_truce", ""], n),
        "party1": rng.choice(["government", "opposition", "islamic_state"], n),
        "fatalities": rng.integers(0, 4, n).astype(float), "date_start": pd.Timestamp("2017-01-10"),
        "date_end": pd.Timestamp("2017-01-10"), "date_precision": "day", "place": "somewhere",
        "actor1": "a", "actor2": "b", "event_type": "t", "source": "synthetic generator",
        "admin1_pcode": rng.choice(["SY02", "SY07"], n), "admin2_pcode": rng.choice(["SY0200", "SY0201", "SY0700"], n),
    }, geometry=points(x, y), crs="EPSG:4326")


def test_cell_size_halves_with_each_zoom_level():
    assert grid.cell_degrees(7) == 0.25
    assert grid.cell_degrees(8) == 0.125
    assert grid.cell_degrees(6) == 0.5
    assert grid.cell_degrees(7.6) == 0.25


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(35.5, 42.5), st.floats(32.0, 37.5), st.integers(0, 3), st.integers(0, 50)),
                min_size=1, max_size=300),
       st.sampled_from([1.0, 0.25, 0.0625]), st.integers(1, 400))
def test_every_event_is_counted_once_in_the_cell_that_holds_it(rows, size, max_cells):
    x, y, codes, fat = (np.array(c) for c in zip(*rows, strict=True))
    cells = grid.grid_cells(x, y, codes, fat, 4, size, max_cells=max_cells)
    assert len(cells) <= max_cells or cells.size > size  # coarsened until the cells fit
    assert len(cells) <= max(max_cells, 1)
    assert cells.count.sum() == len(rows)
    assert cells.fatalities.sum() == fat.sum()
    assert (cells.by_category.sum(axis=1) == cells.count).all()
    for xi, yi in zip(x, y, strict=True):  # each point lies in exactly one cell
        hold = (cells.x <= xi) & (xi < cells.x + cells.size) & (cells.y <= yi) & (yi < cells.y + cells.size)
        assert hold.sum() == 1


def test_imprecise_events_count_at_their_unit_never_in_squares():
    ev = _events(8000)
    a = event_arrays(ev)
    sp = grid.split(a.x, a.y, a.drawable, a.precise, lat=35, lon=38.5, zoom=7, limit=5000)
    assert sp.mode == "cells"
    assert not (sp.cells & ~a.precise).any()  # squares hold only events of a precise place
    centres = grid.centre_counts(a.x[sp.centres], a.y[sp.centres], a.codes[sp.centres], a.fatalities[sp.centres],
                                 len(a.categories), a.units[sp.centres])
    # one ring per district (district precision) or governorate (the rest): 3 districts + 2 governorates
    assert len(centres) == 5
    assert centres.count.sum() == int((ev["geo_precision"].isin(["district", "governorate"])).sum())


def test_few_events_are_points_many_are_squares_and_zoomed_in_the_view_is_points_again():
    ev = _events(8000)
    a = event_arrays(ev)
    few = grid.split(a.x, a.y, a.drawable, a.precise, lat=35, lon=38.5, zoom=7, limit=10_000)
    assert few.mode == "points" and few.points.sum() == a.drawable.sum()
    near = grid.split(a.x, a.y, a.drawable, a.precise, lat=35, lon=38.5, zoom=12, limit=5000)
    assert near.mode == "mixed"
    bounds = grid.viewport(35, 38.5, 12)
    assert grid.inside(a.x[near.points], a.y[near.points], bounds).all()
    assert not (near.points & (near.cells | near.centres)).any()
    assert (near.points | near.cells | near.centres).sum() == a.drawable.sum()


def test_country_only_events_are_neither_drawn_nor_counted_on_the_map():
    ev = _events(8000)
    layer = event_overlay(ev, lat=35, lon=38.5, zoom=7, limit=5000)
    country = int((ev["geo_precision"] == "country").sum())
    assert layer.mode == "cells"
    assert layer.not_drawn == country
    assert layer.drawn == layer.aggregated == len(ev) - country
    assert sum(layer.counts.values()) == layer.drawn


def test_squares_are_sent_in_a_fraction_of_the_bytes_of_points():
    ev = _events(8000)
    m = base_map(center=(35, 38.5), zoom=7)
    squares = _get_feature_group_string(event_overlay(ev, lat=35, lon=38.5, zoom=7, limit=5000).group, m)
    dots = _get_feature_group_string(events_layer(ev).group, base_map(center=(35, 38.5), zoom=7))
    assert len(squares) * 10 < len(dots)
    assert '"scmKind"' not in squares or "cell" in squares
    assert 'r.options.scmKind = "cell"' in squares


def test_cached_arrays_give_the_same_layer_as_computing_them():
    ev = _events(9000, seed=3)
    sel = ev.loc[ev["truce_class"] == "truce_violation"]
    a = event_arrays(ev).take(sel.index.to_numpy())
    m = base_map(center=(35, 38.5), zoom=7)
    with_cache = _get_feature_group_string(event_overlay(sel, lat=35, lon=38.5, zoom=7, limit=1000, arrays=a).group, m)
    m = base_map(center=(35, 38.5), zoom=7)
    fresh = _get_feature_group_string(event_overlay(sel, lat=35, lon=38.5, zoom=7, limit=1000).group, m)
    assert with_cache == fresh


def test_cell_labels_are_escaped():
    ev = _events(6000)
    ev["truce_class"] = "<script>alert(1)</script>"  # not a known class: counted as unclassified
    m = base_map(center=(35, 38.5), zoom=7)
    js = _get_feature_group_string(event_overlay(ev, lat=35, lon=38.5, zoom=7, limit=100).group, m)
    assert "<script>alert" not in js
    spec = json.loads(js.split("var spec = ", 1)[1].split(";\n", 1)[0])
    assert spec["cells"] and all(c[4] == len(spec["colors"]) - 1 for c in spec["cells"])


def test_the_list_pages_through_a_long_selection_in_order():
    ev = _events(3000, seed=5)
    ev["date_start"] = pd.Timestamp("2017-01-01") + pd.to_timedelta(np.arange(3000) % 90, unit="D")
    ev["date_end"] = ev["date_start"]
    for sort in ("date_desc", "date_asc", "fatalities"):
        whole = event_table(ev, sort)
        pages = [listed(ev, sort, limit=200, page=p) for p in range(15)]
        assert [len(p) for p in pages] == [200] * 15
        for p, rows in enumerate(pages):
            expected = whole.iloc[p * 200:(p + 1) * 200].reset_index(drop=True)
            assert event_table(rows, sort)[["Date", "Fatalities"]].equals(expected[["Date", "Fatalities"]])
        assert sorted(pd.concat(pages)["event_id"]) == sorted(ev["event_id"])  # every event on exactly one page
        some = pages[7]["event_id"].iloc[13]
        assert page_of(ev, some, sort, limit=200) == 7 and page_of(ev, "no such id", sort, limit=200) is None
    assert listed(ev, "date_desc", limit=5000) is ev


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 9)), st.one_of(st.none(), st.integers(0, 5)), st.booleans()),
                min_size=1, max_size=60),
       st.sampled_from(["date_desc", "date_asc", "fatalities"]))
def test_a_views_order_read_off_the_whole_frames_order_is_the_views_own_sort(rows, sort):
    """A view's rows (read-only positions, as ``session.view_positions`` gives) are ordered from one
    sort of all the loaded events; ties, missing dates and missing figures as a sort of the view's own rows."""
    from webapp import eventlist

    ev = pd.DataFrame({
        "date_start": [pd.NaT if d is None else pd.Timestamp("2017-01-01") + pd.Timedelta(days=d) for d, _f, _k in rows],
        "fatalities": pd.array([f for _d, f, _k in rows], dtype="Int64"),
    })
    positions = np.flatnonzero([k for _d, _f, k in rows])
    positions.setflags(write=False)
    expected = eventlist._sorted(ev, sort, positions)
    assert eventlist._order(ev, sort, positions).tolist() == expected.tolist()
    assert eventlist._order(ev, sort, positions) is eventlist._order(ev, sort, positions)  # kept for the view


def test_map_page_counts_events_per_square_above_the_limit(app_for, tmp_path, monkeypatch):
    monkeypatch.setattr(grid, "POINT_LIMIT", 500)  # the shipped data (about 2,000 points) then counts as many
    at = app_for(tmp_path / "store.gpkg", timeout=90)  # a store of its own: the patched limit must not reach shared caches
    at.run()
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "counted in" in notes and "(squares of 0.25°)" in notes
    assert any(b.label == "Show the events here" for b in at.button)


@pytest.mark.parametrize("key", [
    ("2016-12-01", "2017-03-31", (), (), (), 0, ""),
    ("2017-01-05", "2017-02-10", ("truce_violation",), (), (), 0, ""),
    ("2016-12-20", "2017-01-20", (), ("government",), ("SY02",), 1, ""),
    (None, None, (), (), (), 0, "Islamic"),
])
def test_sidebar_figures_added_from_arrays_equal_those_of_the_filtered_frame(shipped_store, key):
    from geo.view import filter_events, imprecise_counts, towns_affected
    from webapp import session

    store = str(shipped_store)  # no file: the shipped data alone
    figures, notes = session._view_summary(store, 0.0, key)
    start, end, classes, parties, govs, fmin, actor = key
    args = dict(start=start, end=end, classes=classes, parties=parties, govs=govs, min_fatalities=fmin, actor=actor)
    events = session.load_events(store, 0.0)
    sel, partly = filter_events(events, **args), filter_events(events, partly=True, **args)
    assert figures == session.key_figures(sel)
    assert figures["towns"] == towns_affected(sel)  # the rule geo.view defines
    assert figures["events"] == len(sel)
    counts = imprecise_counts(sel)
    for n, dead in counts.values():
        assert (f"{n:,} event(s) ({dead:,} fatalities)" in " ".join(notes)) == bool(n)
    assert (f"{len(partly):,} event(s)" in " ".join(notes)) == bool(len(partly))
