"""geo.queries and geo.stats on tiny explicit fixtures."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from _data_helpers import admin1_gdf, outline_gdf
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.frames import canonical
from geo.queries import assign_admin1, events_in_range
from geo.stats import GROUPERS, Grouper, counts_by, register_grouper


def _events(dates, lonlat, fatalities=None, pcodes=None):
    n = len(dates)
    gdf = gpd.GeoDataFrame(
        {
            "event_id": [f"t:{i}" for i in range(n)],
            "date_start": pd.to_datetime(dates),
            "fatalities": pd.array(fatalities or [1] * n, dtype="Int64"),
            "admin1_pcode": pcodes or [""] * n,
        },
        geometry=gpd.points_from_xy([p[0] for p in lonlat], [p[1] for p in lonlat]),
        crs="EPSG:4326",
    )
    return canonical("events", gdf)


DAYS = st.dates(min_value=pd.Timestamp("2016-11-01").date(), max_value=pd.Timestamp("2017-04-30").date())


@settings(deadline=None)  # the machine is shared: no timing assertions
@given(st.lists(DAYS, min_size=0, max_size=30), DAYS, DAYS)
def test_events_in_range_is_inclusive(days, a, b):
    ev = _events([pd.Timestamp(d) for d in days], [(37.0, 35.0)] * len(days))
    got = events_in_range(ev, a, b)
    expected = [d for d in days if a <= d <= b]
    assert sorted(got["date_start"].dt.date.tolist()) == sorted(expected)


def test_events_in_range_open_sides():
    ev = _events(["2017-01-01", "2017-01-02", "2017-01-03"], [(37, 35)] * 3)
    assert len(events_in_range(ev, None, "2017-01-02")) == 2
    assert len(events_in_range(ev, "2017-01-02", None)) == 2
    assert len(events_in_range(ev)) == 3


def test_filter_events():
    # the one event filter is geo.view.filter_events (geo.queries' second filter is gone, issue 11)
    from geo.view import filter_events

    ev = _events(["2017-01-01"] * 3, [(37, 35)] * 3, pcodes=["SY02", "SY03", "SY02"])
    ev["truce_class"] = ["truce_violation", "one_sided", "truce_violation"]
    ev["party1"] = ["government", "hts", "sdf"]
    ev["party2"] = ["opposition", "", "hts+opposition"]
    assert filter_events(ev, govs=["SY02"])["event_id"].tolist() == ["t:0", "t:2"]
    assert filter_events(ev, classes=["truce_violation"], parties=["sdf"])["event_id"].tolist() == ["t:2"]
    assert filter_events(ev, parties=["hts"])["event_id"].tolist() == ["t:1", "t:2"]
    assert len(filter_events(ev)) == 3


def test_assign_admin1_point_in_polygon_and_nearby():
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([37.1, 36.3, 38.7, 20.0], [36.2, 33.5, 33.31, 10.0]), crs="EPSG:4326"
    )
    assert assign_admin1(pts, admin1_gdf()).tolist() == ["SY02", "SY03", "SY03", ""]


def test_counts_by_governorate_and_day():
    ev = _events(
        ["2017-01-01", "2017-01-01", "2017-01-03"],
        [(37, 35)] * 3,
        fatalities=[2, None, 5],
        pcodes=["SY02", "SY02", ""],
    )
    gov = counts_by(ev, "governorate")
    assert list(gov.columns) == ["governorate", "pcode", "events", "fatalities"]
    assert len(gov) == 15 and gov["pcode"].iloc[-1] == "" and gov["governorate"].iloc[-1] == "(none)"
    row = gov.set_index("pcode").loc["SY02"]
    assert (row["governorate"], row["events"], row["fatalities"]) == ("Aleppo", 2, 2)
    assert gov.set_index("pcode").loc["SY14", "events"] == 0
    day = counts_by(ev, "day", start="2016-12-31", end="2017-01-03")
    assert day.to_dict("list") == {
        "day": ["2016-12-31", "2017-01-01", "2017-01-02", "2017-01-03"],
        "events": [0, 2, 0, 1],
        "fatalities": [0, 2, 0, 5],
    }


def test_counts_by_zone_uses_each_events_own_date():
    from geo.control import clear_caches

    clear_caches()
    loc = gpd.GeoDataFrame(
        {"locality_id": ["gn:a", "gn:b"]},
        geometry=gpd.points_from_xy([37.0, 38.5], [36.0, 35.0]),
        crs="EPSG:4326",
    )
    control = pd.DataFrame(
        {
            "locality_id": ["gn:a", "gn:a", "gn:b"],
            "party": ["opposition", "government", "islamic_state"],
            "valid_from": pd.to_datetime(["2016-12-01", "2017-01-10", "2016-12-01"]),
            "valid_to": pd.to_datetime(["2017-01-10", None, None]),
        }
    )
    ev = _events(
        ["2017-01-05", "2017-01-20", "2017-01-20"],
        [(37.01, 36.0), (37.01, 36.0), (38.5, 35.01)],
        fatalities=[1, 2, 4],
    )
    from geo.control import party_at

    def held(events, date):  # the derived layer on each event's own date, as Catalog.party_at does
        when = events["date_start"] if date is None else pd.Series(pd.Timestamp(date), index=events.index)
        return party_at(events, when, control, loc, outline_gdf())

    out = counts_by(ev, "zone", party_at=held).set_index("party")
    assert out.loc["opposition", "events"] == 1 and out.loc["government", "events"] == 1
    assert out.loc["islamic_state", "fatalities"] == 4
    fixed = counts_by(ev, "zone", date="2017-01-05", party_at=held).set_index("party")
    assert fixed.loc["opposition", "events"] == 2 and fixed.loc["government", "events"] == 0


def test_groupers_are_an_extension_point():
    ev = _events(["2017-01-01", "2017-01-02"], [(37, 35)] * 2, fatalities=[1, 3])
    ev["class"] = ["violation", "violation"]
    register_grouper("class_test", Grouper(column="class", keys=lambda e, **_: e["class"]))
    try:
        out = counts_by(ev, "class_test")
        assert out.to_dict("list") == {"class": ["violation"], "events": [2], "fatalities": [4]}
    finally:
        GROUPERS.pop("class_test")
    with pytest.raises(ValueError, match="unknown grouping"):
        counts_by(ev, "colour")


def test_catalog_party_at_uses_the_same_layer_as_the_map(tmp_path):
    """With imported zone polygons valid on a day, the holder comes from them (as Catalog.zones)."""
    from shapely.geometry import box

    from geo import control
    from geo.catalog import Catalog
    from geo.store import Store

    store = tmp_path / "s.gpkg"
    zones = gpd.GeoDataFrame(
        {
            "party": ["sdf", "hts"],
            "valid_from": pd.to_datetime(["2017-01-01", "2017-01-01"]),
            "valid_to": pd.to_datetime(["2017-02-01", "2017-02-01"]),
            "method": ["imported", "imported"],
            "source": ["test", "test"],
        },
        geometry=[box(37.0, 36.0, 37.4, 36.4), box(37.3, 36.0, 37.6, 36.4)],
        crs="EPSG:4326",
    )
    Store(store).write("zones", zones)
    cat = Catalog(store)
    # Aleppo city on a day with imported zones (sdf), in the overlap (contested), outside them
    # (derived from the control table), and Aleppo after the imported layer ends (derived)
    ev = _events(
        ["2017-01-15", "2017-01-15", "2017-01-15", "2017-02-15"],
        [(37.16, 36.2), (37.35, 36.2), (38.5, 35.0), (37.16, 36.2)],
    )
    ev.index = [7, 3, 9, 1]
    got = cat.party_at(ev)
    assert got.index.tolist() == [7, 3, 9, 1]
    derived = control.party_at(ev, ev["date_start"], cat.control(), cat.localities(), cat.boundaries(0))
    assert got.tolist() == ["sdf", "contested", derived.loc[9], derived.loc[1]]
    assert derived.loc[1] == "government" and derived.loc[9] != ""
    # the map of that day draws the same holder at Aleppo
    shown = cat.zones("2017-01-15")
    at = shown[shown.intersects(gpd.points_from_xy([37.16], [36.2])[0])]
    assert at["party"].tolist() == ["sdf"]
    # ... and keeps the derived zones elsewhere (a small imported layer hides nothing else)
    there = shown[shown.intersects(gpd.points_from_xy([38.5], [35.0])[0])]
    assert there["party"].tolist() == [derived.loc[9]] and (there["method"] == "derived").all()


def test_classified_events_carry_who_held_the_ground(tmp_path):
    """Every event is tagged with the party holding its place on its own date (issue 6)."""
    from geo.catalog import Catalog
    from geo.view import classify_events

    cat = Catalog(tmp_path / "none.gpkg")
    ev = cat.events()
    tagged = classify_events(ev, cat)
    placed = ev["geo_precision"] != "country"  # an event located only to Syria has no holder (issue 9)
    assert tagged.loc[placed, "held_by"].tolist() == cat.party_at(ev).fillna("")[placed].tolist()
    assert (tagged.loc[~placed, "held_by"] == "").all()
    al_bab = tagged[tagged["place"] == "Al-Bab"]  # taken from IS by Euphrates Shield on 23 Feb 2017
    assert not al_bab.empty and set(al_bab["held_by"]) <= {"euphrates_shield", "islamic_state"}
