"""District choropleth (layers/choropleth.py), its URL parameter ``choro`` and the Map page control."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from geo.palette import CHOROPLETH_COLOURS
from layers.choropleth import (
    BREAKS,
    MEASURES,
    choropleth_geojson,
    choropleth_layer,
    class_index,
    class_labels,
    legend_html,
    zones_outline_layer,
)
from webapp import viewstate as vsm

ROOT = Path(__file__).resolve().parents[1]
NASTY = "<img src=x onerror=alert(1)>${x}`"


def _districts(events, fatalities, names=None):
    n = len(events)
    names = names or [f"District {i}" for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "pcode": [f"SY{i:04d}" for i in range(n)],
            "name_en": names,
            "name_ar": ["حلب"] * n,
            "governorate": ["Aleppo"] * n,
            "events": events,
            "fatalities": fatalities,
        },
        geometry=[box(36 + i * 0.1, 35, 36.1 + i * 0.1, 35.1) for i in range(n)],
        crs="EPSG:4326",
    )


def _in_class(v, i, breaks) -> bool:
    if i == 0:
        return v <= 0
    if i == len(breaks):
        return v > breaks[-1]
    return breaks[i - 1] < v <= breaks[i]


# skewed counts: mostly small, a long tail up to a million
SKEWED = st.one_of(st.integers(0, 12), st.integers(0, 300), st.integers(0, 10**6))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MEASURES), st.lists(SKEWED, min_size=1, max_size=80))
def test_every_count_falls_in_exactly_one_class(measure, counts):
    breaks = BREAKS[measure]
    got = class_index(counts, breaks)
    for v, c in zip(counts, got, strict=True):
        member = [i for i in range(len(breaks) + 1) if _in_class(v, i, breaks)]
        assert member == [int(c)]


def test_breaks_monotonic_and_labelled():
    for measure, breaks in BREAKS.items():
        assert breaks[0] == 0 and all(a < b for a, b in zip(breaks, breaks[1:], strict=False)), measure
        labels = class_labels(breaks)
        assert len(labels) == len(breaks) + 1 == len(CHOROPLETH_COLOURS) + 1
    assert class_labels(BREAKS["events"]) == [
        "0",
        "1–2",
        "3–5",
        "6–10",
        "11–25",
        "26–50",
        "51–100",
        "more than 100",
    ]


def test_layer_html_classes_legend_and_escaping():
    d = _districts([0, 1, 4, 30, 500], [0, 2, 9, 60, 2000], names=["Quiet", NASTY, "C", "D", "E"])
    data = choropleth_geojson(d, "events")
    assert [f["properties"]["cls"] for f in data["features"]] == [0, 1, 2, 5, 7]
    styles = [f["properties"]["style"] for f in data["features"]]
    assert styles[0]["fillOpacity"] == 0  # zero: unfilled
    assert [s["fillColor"] for s in styles[1:]] == [CHOROPLETH_COLOURS[i - 1] for i in (1, 2, 5, 7)]
    m = folium.Map()
    choropleth_layer(d, "fatalities", range_label="01 Jan 2017 – 31 Jan 2017").add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "${x}" not in html and "onerror=alert(1)>" not in html
    tip = data["features"][1]["properties"]["tip"]
    assert "<b>&lt;img src=x onerror=alert(1)&gt;&#36;&#123;x&#125;&#96; <span" in tip
    assert 'lang="ar">حلب</span>' in tip and "Aleppo governorate" in tip
    assert "Fatalities: 2,000" in html and "01 Jan 2017" in html
    fat = [f["properties"]["cls"] for f in choropleth_geojson(d, "fatalities")["features"]]
    assert fat == [0, 1, 1, 4, 7]
    legend = legend_html("fatalities", zones=True)
    for label in class_labels(BREAKS["fatalities"]):
        assert label in legend
    assert "outlines" in legend and legend_html("off") == ""
    with pytest.raises(ValueError):
        choropleth_geojson(d, "<script>")


def test_zone_outlines_are_unfilled_and_not_interactive():
    zones = gpd.GeoDataFrame(
        {
            "party": ["government", "contested"],
            "valid_from": pd.to_datetime(["2017-01-01"] * 2),
            "valid_to": [pd.NaT, pd.NaT],
            "method": ["derived"] * 2,
            "source": ["x"] * 2,
        },
        geometry=[box(36, 35, 37, 36), box(37, 35, 38, 36)],
        crs="EPSG:4326",
    )
    m = folium.Map()
    zones_outline_layer(zones).add_to(m)
    html = m.get_root().render()
    datas = [json.loads(x) for x in re.findall(r"_add\((\{\"features\".*?\}|\{\"type\".*?\})\);", html)]
    feats = [f for d in datas for f in d["features"]]
    assert len(feats) == 4 and all(f["properties"]["style"]["fill"] is False for f in feats)
    assert '"interactive": false' in html or "interactive: false" in html


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(vsm.CHORO_MODES), st.sampled_from(vsm.VIEWS), st.sampled_from(vsm.PAGES))
def test_choro_round_trips_through_the_link(choro, view, page):
    state = vsm.ViewState(choro=choro, view=view, page=page)
    back = vsm.ViewState.from_query(state.query_string())
    assert back == state and back.notices == ()
    assert ("choro" in state.to_query()) == (choro != "off")


def test_unknown_choro_falls_back_with_a_notice():
    state = vsm.ViewState.from_query({"choro": "<b>deaths</b>", "gov": "SY02"})
    assert state.choro == "off" and state.govs == ("SY02",)
    assert len(state.notices) == 1 and "choro" in state.notices[0]


def test_map_page_colours_districts_from_the_link(shipped_store, monkeypatch):
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["choro"] = "fatalities"
    app.query_params["start"] = "2017-01-01"
    app.query_params["end"] = "2017-01-31"
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.radio(key="w_choro").value == "fatalities"
    text = " ".join(c.value for c in app.caption)
    placed = re.search(r"Districts coloured by fatalities in the range: ([\d,]+) of ([\d,]+) events", text)
    assert placed and 0 < int(placed.group(1).replace(",", "")) <= int(placed.group(2).replace(",", ""))
    app.radio(key="w_choro").set_value("off").run()
    assert "choro" not in app.query_params
    assert not any("Districts coloured" in c.value for c in app.caption)
    app.slider(key="w_range").set_value((date(2017, 2, 1), date(2017, 2, 28))).run()
    assert app.radio(key="w_choro").value == "off"
