"""The Map page draws, lists and counts the view's events from row positions in the loaded events, never
a copy of them: the same rows, pages, points and counts as from the filtered frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit_folium import _get_feature_group_string
from test_grid import _events

from layers.assets import base_map
from layers.events import event_arrays, event_overlay
from webapp.eventlist import listed, page_of


@pytest.fixture(scope="module")
def loaded():
    ev = _events(6000, seed=3)
    ev["date_start"] = pd.Timestamp("2017-01-01") + pd.to_timedelta(np.arange(6000) % 60, unit="D")
    ev["date_end"] = ev["date_start"]
    ev["fatalities"] = np.where(np.arange(6000) % 7 == 0, np.nan, np.arange(6000) % 5)
    return ev


@pytest.fixture(scope="module", params=[0.03, 0.5, 1.0])
def view(loaded, request):
    keep = np.random.default_rng(7).random(len(loaded)) < request.param
    return np.flatnonzero(keep)


@pytest.mark.parametrize("sort", ["date_desc", "date_asc", "fatalities"])
def test_list_pages_from_positions_are_those_of_the_frame(loaded, view, sort):
    frame = loaded.iloc[view]
    for page in (0, 1, 3):
        a = listed(loaded, sort, limit=100, page=page, positions=view)
        b = listed(frame, sort, limit=100, page=page)
        assert a["event_id"].tolist() == b["event_id"].tolist()
    some = frame["event_id"].iloc[len(frame) // 2]
    assert page_of(loaded, some, sort, limit=100, positions=view) == page_of(frame, some, sort, limit=100)
    outside = loaded["event_id"].iloc[np.setdiff1d(np.arange(len(loaded)), view)[:1]]
    for eid in outside:  # in the loaded events but not in the view
        assert page_of(loaded, eid, sort, limit=100, positions=view) is None


@pytest.mark.parametrize("zoom", [7, 11])
def test_the_overlay_from_positions_draws_what_the_frame_draws(loaded, view, zoom):
    m = base_map(center=(35, 38.5), zoom=7)
    frame = loaded.iloc[view]
    selected = frame["event_id"].iloc[0]
    a = event_overlay(loaded, lat=35, lon=38.5, zoom=zoom, limit=1000, selected=selected,
                      arrays=event_arrays(loaded), positions=view)
    b = event_overlay(frame, lat=35, lon=38.5, zoom=zoom, limit=1000, selected=selected)
    assert (a.mode, a.drawn, a.not_drawn, a.hollow, a.counts, a.aggregated) == \
        (b.mode, b.drawn, b.not_drawn, b.hollow, b.counts, b.aggregated)
    strip = lambda js: js.replace(a.group.get_name(), "G").replace(b.group.get_name(), "G")  # noqa: E731
    assert len(strip(_get_feature_group_string(a.group, m))) == len(strip(_get_feature_group_string(b.group, m)))


def test_the_order_of_shared_read_only_positions_is_sorted_once(loaded, view):
    from webapp import eventlist

    shared = view.copy()
    shared.setflags(write=False)  # as session.view_positions hands them out
    first = eventlist._order(loaded, "fatalities", shared)
    assert eventlist._order(loaded, "fatalities", shared) is first
    assert (first == eventlist._sorted(loaded, "fatalities", view)).all()
    assert eventlist._order(loaded, "fatalities", view) is not first  # writable positions: never kept
