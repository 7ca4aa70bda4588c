"""Events counted where and when they happened (issue 9).

- the date-range rule: an event is in a range when its whole span lies inside it; events that only
  overlap it are "partly in range", reported apart and never counted;
- events located only to the country: never drawn, in no governorate, district or zone, no holder,
  counted in national totals ("Syria, location unknown");
- events dated only to a span longer than a week: on no day or week, listed apart.

The last tests run on the shipped UCDP window (``data/ucdp_events.csv``), never on ``shared/``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.frames import canonical
from geo.paths import DATA_DIR
from geo.queries import country_only, events_in_range, long_span, range_masks
from geo.schema import (
    COUNTRY_ONLY,
    LOCATION_UNKNOWN,
    LOCATION_UNKNOWN_PCODE,
    LONG_SPAN,
    LONG_SPAN_DAYS,
    LONG_SPAN_ROW,
)
from geo.stats import counts_by
from geo.trends import before_after, counts_over_time, long_spans
from geo.view import filter_events, imprecise_counts

BASE = pd.Timestamp("2017-01-01")


def _events(rows: list[dict]) -> gpd.GeoDataFrame:
    """Canonical events from short dicts (date_start, date_end, geo/date precision, pcode, deaths)."""
    n = len(rows)
    frame = gpd.GeoDataFrame(
        {
            "event_id": [r.get("id", f"t:{i}") for i, r in enumerate(rows)],
            "dataset": ["ucdp"] * n,
            "date_start": pd.to_datetime([r["start"] for r in rows]),
            "date_end": pd.to_datetime([r.get("end", r["start"]) for r in rows]),
            "date_precision": [r.get("date_precision", "day") for r in rows],
            "geo_precision": [r.get("geo", "exact") for r in rows],
            "place": [r.get("place", f"place {i}") for i, r in enumerate(rows)],
            "admin1_pcode": [r.get("pcode", "SY02") for r in rows],
            "fatalities": pd.array([r.get("dead", 1) for r in rows], dtype="Int64"),
        },
        geometry=gpd.points_from_xy([r.get("lon", 37.16) for r in rows], [r.get("lat", 36.2) for r in rows]),
        crs="EPSG:4326",
    )
    return canonical("events", frame)


# --- the range rule ------------------------------------------------------------------------

SPAN = st.tuples(st.integers(0, 150), st.integers(0, 60))  # (first day offset, length - 1)
BOUND = st.one_of(st.none(), st.integers(-10, 160))


@settings(deadline=None, max_examples=150)  # the machine is shared: no timing assertions
@given(st.lists(SPAN, min_size=0, max_size=25), BOUND, BOUND)
def test_an_event_is_in_a_range_iff_its_whole_span_is(spans, a, b):
    rows = [
        {"start": BASE + pd.Timedelta(days=s), "end": BASE + pd.Timedelta(days=s + n), "id": f"t:{i}"}
        for i, (s, n) in enumerate(spans)
    ]
    ev = _events(rows)
    start = None if a is None else BASE + pd.Timedelta(days=a)
    end = None if b is None else BASE + pd.Timedelta(days=b)
    lo = start if start is not None else pd.Timestamp.min
    hi = end if end is not None else pd.Timestamp.max
    contained = {r["id"] for r in rows if lo <= r["start"] and r["end"] <= hi}
    overlapping = {r["id"] for r in rows if r["start"] <= hi and r["end"] >= lo}
    assert set(filter_events(ev, start=start, end=end)["event_id"]) == contained
    assert set(events_in_range(ev, start, end)["event_id"]) == contained
    assert set(filter_events(ev, start=start, end=end, partly=True)["event_id"]) == overlapping - contained
    inside, partly = range_masks(ev, start, end)
    assert not (inside & partly).any()


def test_partly_in_range_keeps_the_other_filters():
    ev = _events(
        [
            {"start": "2017-01-25", "end": "2017-02-05", "pcode": "SY02"},
            {"start": "2017-01-25", "end": "2017-02-05", "pcode": "SY03"},
            {"start": "2017-01-10", "pcode": "SY02"},
        ]
    )
    jan = {"start": "2017-01-01", "end": "2017-01-31", "govs": ("SY02",)}
    assert filter_events(ev, **jan)["event_id"].tolist() == ["t:2"]
    assert filter_events(ev, **jan, partly=True)["event_id"].tolist() == ["t:0"]


# --- events located only to the country --------------------------------------------------------

def _with_country_row() -> gpd.GeoDataFrame:
    # the country row carries Hama's P-code, as an importer's spatial join of the centre of Syria gives
    return _events(
        [
            {"start": "2017-01-05", "geo": "exact", "pcode": "SY05", "lon": 36.75, "lat": 35.13, "dead": 2},
            {"start": "2017-01-06", "geo": "country", "pcode": "SY05", "lon": 38.0, "lat": 35.0, "dead": 500,
             "place": "Syria"},
            {"start": "2017-01-07", "geo": "governorate", "pcode": "SY02", "lon": 37.5, "lat": 36.1, "dead": 3},
        ]
    )


def test_country_level_event_is_never_drawn():
    from layers.assets import base_map
    from layers.events import events_layer

    ev = _with_country_row()
    layer = events_layer(ev)
    m = base_map()
    layer.group.add_to(m)
    html = m.get_root().render()
    assert layer.drawn == 2 and layer.hollow == 1 and layer.not_drawn == 1
    assert "[35.13, 36.75" in html  # the exact event is there (lat, lon) ...
    assert "[36.1, 37.5" in html  # ... and the governorate-level one (hollow at the centroid) ...
    assert not re.search(r"\[35\.0, 38\.0,", html)  # ... the country-level one is not
    assert "t:1" not in html


def test_country_level_event_is_in_no_governorate_but_in_the_national_total():
    ev = _with_country_row()
    table = counts_by(ev, "governorate")
    hama = table.loc[table["pcode"] == "SY05"].iloc[0]
    assert (hama["events"], hama["fatalities"]) == (1, 2)
    unknown = table.loc[table["pcode"] == LOCATION_UNKNOWN_PCODE].iloc[0]
    assert (unknown["governorate"], unknown["events"], unknown["fatalities"]) == (LOCATION_UNKNOWN, 1, 500)
    assert table["events"].sum() == 3 and table["fatalities"].sum() == 505  # national total
    assert table["pcode"].iloc[-1] == LOCATION_UNKNOWN_PCODE  # listed last
    assert filter_events(ev, govs=("SY05",))["event_id"].tolist() == ["t:0"]
    assert len(filter_events(ev)) == 3
    assert imprecise_counts(ev)[COUNTRY_ONLY] == (1, 500)


def test_country_level_event_has_no_zone_and_no_holder():
    ev = _with_country_row()
    table = counts_by(ev, "zone", party_at=lambda e, _date: pd.Series("government", index=e.index))
    rows = dict(zip(table["party"], table["events"], strict=True))
    assert rows["government"] == 2 and rows[LOCATION_UNKNOWN] == 1
    by_held = counts_over_time(ev.assign(held_by="government"), "D", by="held_by")
    assert set(by_held.loc[by_held["events"] > 0, "group"]) == {"government", LOCATION_UNKNOWN}
    by_gov = counts_over_time(ev, "W", by="admin1_pcode")
    assert by_gov.loc[by_gov["group"] == "SY05", "fatalities"].sum() == 2


def test_no_unknown_row_without_country_level_events():
    ev = _with_country_row().iloc[[0, 2]]
    table = counts_by(ev, "governorate")
    assert LOCATION_UNKNOWN_PCODE not in set(table["pcode"]) and len(table) == 14


# --- events dated only to a long span ------------------------------------------------------------

def _with_month_row() -> gpd.GeoDataFrame:
    return _events(
        [
            {"start": "2017-01-01", "end": "2017-01-31", "date_precision": "month", "dead": 900},
            {"start": "2017-01-01", "dead": 4},
            {"start": "2017-01-02", "end": "2017-01-04", "date_precision": "days", "dead": 5},
            {"start": "2017-01-09", "end": "2017-01-09", "date_precision": "year", "dead": 7},
            {"start": "2017-01-10", "end": "2017-01-10", "date_precision": "day", "dead": 1},
            {"start": "2017-01-10", "end": "2017-01-25", "date_precision": "days", "dead": 30},
        ]
    )


def test_long_span_codes():
    ev = _with_month_row()
    assert long_span(ev).tolist() == [True, False, False, True, False, True]
    assert not country_only(ev).any()
    assert imprecise_counts(ev)[LONG_SPAN] == (3, 937)
    week = _events([{"start": "2017-01-01", "end": BASE + pd.Timedelta(days=LONG_SPAN_DAYS - 1)}])
    assert not long_span(week).any()  # a span of exactly a week counts on its first day


def test_a_month_long_event_is_in_no_daily_or_weekly_series():
    ev = _with_month_row()
    for freq in ("D", "W"):
        series = counts_over_time(ev, freq, start="2017-01-01", end="2017-01-31")
        assert series["events"].sum() == 3 and series["fatalities"].sum() == 10, freq
        by_gov = counts_over_time(ev, freq, by="admin1_pcode")
        assert by_gov["fatalities"].sum() == 10, freq
    day1 = counts_over_time(ev, "D", start="2017-01-01", end="2017-01-31").set_index("period")
    assert day1.loc[pd.Timestamp("2017-01-01"), "fatalities"] == 4
    listed = long_spans(ev)
    assert listed["event_id"].tolist() == ["t:0", "t:3", "t:5"]
    assert listed["days"].tolist() == [31, 1, 16] and listed["fatalities"].sum() == 937


def test_stats_by_day_lists_long_spans_in_their_own_row():
    ev = _with_month_row()
    table = counts_by(ev, "day", start="2017-01-01", end="2017-01-31")
    assert table["day"].iloc[-1] == LONG_SPAN_ROW
    assert (table["events"].iloc[-1], table["fatalities"].iloc[-1]) == (3, 937)
    days = table.iloc[:-1]
    assert days["day"].tolist()[0] == "2017-01-01" and len(days) == 31
    assert days.loc[days["day"] == "2017-01-01", "fatalities"].item() == 4
    assert table["fatalities"].sum() == 947  # nothing lost


def test_before_after_leaves_long_spans_out():
    ev = _with_month_row()
    ms = pd.DataFrame({"milestone_id": ["m"], "date_start": [pd.Timestamp("2017-01-05")], "label": ["m"]})
    table = before_after(ev, ms, window_days=7, by=None)
    row = table.iloc[0]
    assert (row["fatalities_before"], row["fatalities_after"]) == (9, 1)


# --- the shipped UCDP window ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from geo.catalog import Catalog
    from geo.view import classify_events

    assert (DATA_DIR / "ucdp_events.csv").is_file(), "the UCDP window ships in data/ucdp_events.csv (issue 9)"
    cat = Catalog(tmp_path_factory.mktemp("store") / "none.gpkg")
    events = classify_events(cat.events(), cat)
    assert (events["dataset"] == "ucdp").sum() > 1500
    return events


def _dead(frame) -> int:
    return int(pd.to_numeric(frame["fatalities"], errors="coerce").fillna(0).sum())


def test_shipped_hama_january_holds_no_country_level_deaths(shipped):
    country = shipped.loc[country_only(shipped)]
    assert len(country) >= 20 and _dead(country) > 2000  # the rows that used to land in Hama
    assert (country["held_by"] == "").all()
    hama = filter_events(shipped, start="2017-01-01", end="2017-01-31", govs=("SY05",))
    assert not country_only(hama).any()
    assert _dead(hama) < 300  # 1,966 deaths before (country-level and year-long rows counted in Hama)
    table = counts_by(events_in_range(shipped, "2017-01-01", "2017-01-31"), "governorate")
    assert table.loc[table["pcode"] == "SY05", "fatalities"].item() == _dead(hama)


def test_shipped_first_of_january_has_no_spike(shipped):
    daily = counts_over_time(shipped, "D", start="2016-12-01", end="2017-03-31").set_index("period")
    jan1 = daily.loc[pd.Timestamp("2017-01-01"), "fatalities"]
    assert jan1 < 300  # about 1,900 before: month- and year-long rows counted on their first day
    assert jan1 <= 3 * daily["fatalities"].quantile(0.9)
    assert len(long_spans(shipped)) >= 20


def test_shipped_window_total_leaves_out_spans_ending_after_it(shipped):
    window = filter_events(shipped, start="2016-12-01", end="2017-03-31")
    assert (pd.to_datetime(window["date_end"]) <= pd.Timestamp("2017-03-31")).all()
    partly = filter_events(shipped, start="2016-12-01", end="2017-03-31", partly=True)
    assert len(partly) >= 5 and _dead(partly) > 1500  # 1,871 deaths of rows ending after 31 March
    assert len(window) + len(partly) == len(shipped)


# --- the pages word the conditions -------------------------------------------------------------------

def test_map_and_trends_pages_list_imprecise_events_apart(shipped_store, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(root)
    app = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    side = " ".join(c.value for c in app.sidebar.caption)
    assert "whole date span lies inside it" in side
    assert re.search(r"[\d,]+ event\(s\) \([\d,]+ fatalities\) only partly in the range", side)
    assert re.search(r"[\d,]+ event\(s\) \([\d,]+ fatalities\) located only to Syria", side)
    labels = [e.label for e in app.expander]
    assert any(re.fullmatch(r"Located only to Syria: [\d,]+ events, [\d,]+ deaths", lb) for lb in labels), labels
    app.switch_page("pages/trends.py").run()
    assert not app.exception, [e.message for e in app.exception]
    labels = [e.label for e in app.expander]
    assert any(lb.startswith("Spans longer than a week: ") for lb in labels), labels
    assert any("whole date span lies inside it" in c.value for c in app.caption)
