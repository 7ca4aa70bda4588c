"""Who fought whom (``geo.trends.party_pairs`` / ``pair_totals``), the before/after threshold and
the milestone label lanes of the Trends page, on small hand-built events."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.trends import (
    MIN_EVENTS_FOR_CHANGE,
    UNKNOWN_SIDE,
    before_after,
    label_lanes,
    meaningful_change,
    pair_sides,
    pair_totals,
    party_pairs,
    period_start,
)
from geo.view import filter_events

T = pd.Timestamp


def _events(rows) -> pd.DataFrame:
    """rows: (date_start, date_end, party1, party2, fatalities, geo_precision)."""
    df = pd.DataFrame(
        rows, columns=["date_start", "date_end", "party1", "party2", "fatalities", "geo_precision"]
    )
    df["date_start"] = pd.to_datetime(df["date_start"])
    df["date_end"] = pd.to_datetime(df["date_end"])
    df["admin1_pcode"] = "SY02"
    df["event_id"] = [f"t:{i}" for i in range(len(df))]
    return df


@pytest.fixture
def events():
    return _events(
        [
            ("2017-01-02", "2017-01-02", "government", "opposition", 5, "exact"),
            ("2017-01-03", "2017-01-03", "opposition", "government", 2, "near"),  # same pair, other order
            ("2017-01-04", "2017-01-04", "hts+opposition", "islamic_state", 7, "exact"),  # joint side
            (
                "2017-01-05",
                "2017-01-05",
                "islamic_state",
                "",
                1,
                "country",
            ),  # unknown side, located only to Syria
            ("2017-01-10", "2017-01-10", "unknown", "civilians", 0, "exact"),
            ("2017-01-01", "2017-12-28", "government", "opposition", 100, "country"),  # a year-long span
        ]
    )


def test_unordered_pairs_put_both_orders_together_in_vocabulary_order(events):
    sides = pair_sides(events)
    assert list(zip(sides["side1"], sides["side2"], strict=True))[:5] == [
        ("government", "opposition"),
        ("government", "opposition"),
        ("opposition+hts", "islamic_state"),  # a joint side stays one side, its parties in vocabulary order
        ("islamic_state", UNKNOWN_SIDE),
        ("civilians", UNKNOWN_SIDE),
    ]
    ordered = pair_sides(events, ordered=True)
    assert (ordered.loc[1, "side1"], ordered.loc[1, "side2"]) == ("opposition", "government")


def test_weekly_pairs_count_each_dated_event_once_and_keep_unknown_sides(events):
    pairs = party_pairs(events, "W", start="2017-01-01", end="2017-01-15")
    assert list(pairs.columns) == ["period", "side1", "side2", "events", "fatalities"]
    assert sorted(pairs["period"].unique()) == [T("2016-12-26"), T("2017-01-02"), T("2017-01-09")]
    week = pairs.loc[pairs["period"] == T("2017-01-02")].set_index(["side1", "side2"])
    assert week.loc[("government", "opposition"), "events"] == 2  # the year-long span is on no week
    assert week.loc[("government", "opposition"), "fatalities"] == 7
    assert week.loc[("islamic_state", UNKNOWN_SIDE), "events"] == 1  # not dropped
    assert pairs.loc[pairs["period"] == T("2017-01-09"), "events"].sum() == 1
    assert pairs.loc[pairs["period"] == T("2016-12-26"), "events"].sum() == 0  # zeros filled
    ordered = party_pairs(events, "W", ordered=True)
    assert {("opposition", "government"), ("government", "opposition")} <= set(
        zip(ordered["side1"], ordered["side2"], strict=True)
    )


def test_pair_totals_add_up_to_the_selection_and_say_what_is_imprecise(events):
    totals = pair_totals(events).set_index(["side1", "side2"])
    assert totals["events"].sum() == len(events)
    row = totals.loc[("government", "opposition")]
    assert (row["events"], row["on_a_period"], row["long_span"], row["country_only"]) == (3, 2, 1, 1)
    assert row["fatalities"] == 107
    assert totals.loc[("islamic_state", UNKNOWN_SIDE), "country_only"] == 1
    assert totals.index[0] == ("government", "opposition")  # most events first
    empty = pair_totals(events.iloc[0:0])
    assert len(empty) == 0 and list(empty.columns)[:2] == ["side1", "side2"]
    assert len(party_pairs(events.iloc[0:0])) == 0


PARTIES = ["government", "opposition", "hts", "islamic_state", "sdf", "civilians", "unknown", ""]
SIDES = st.lists(st.sampled_from(PARTIES), min_size=1, max_size=2).map(
    lambda ps: "+".join(p for p in ps if p)
)
DAYS = st.dates(min_value=T("2016-12-01").date(), max_value=T("2017-03-31").date())
ROWS = st.tuples(
    DAYS, st.integers(0, 12), SIDES, SIDES, st.integers(0, 50), st.sampled_from(["exact", "country"])
)


@settings(deadline=None, max_examples=60)  # the machine is shared: no timing assertions
@given(
    st.lists(ROWS, min_size=0, max_size=40),
    st.lists(st.sampled_from(PARTIES[:6]), max_size=2),
    DAYS,
    DAYS,
    st.booleans(),
)
def test_each_week_of_the_matrix_adds_up_to_the_filtered_events_of_that_week(rows, parties, d1, d2, ordered):
    lo, hi = sorted([d1, d2])
    events = _events([(d, T(d) + pd.Timedelta(days=n), a, b, f, g) for d, n, a, b, f, g in rows])
    chosen = filter_events(events, start=lo, end=hi, parties=tuple(parties))  # the one filter of every page
    pairs = party_pairs(chosen, "W", ordered=ordered, start=lo, end=hi)
    dated = chosen.loc[(chosen["date_end"] - chosen["date_start"]).dt.days + 1 <= 7]
    expected = period_start(dated["date_start"], "W").value_counts()
    got = pairs.groupby("period")["events"].sum()
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert pairs["fatalities"].sum() == dated["fatalities"].sum()
    totals = pair_totals(chosen, ordered=ordered)
    assert totals["events"].sum() == len(chosen)
    assert (totals["on_a_period"] + totals["long_span"] == totals["events"]).all()


def test_a_change_is_shown_only_when_both_windows_hold_enough_events():
    days = [T("2017-01-10")] * 12 + [T("2017-01-20")] * 15 + [T("2017-01-11")] * 3 + [T("2017-01-21")] * 30
    govs = ["SY01"] * 27 + ["SY02"] * 33
    events = pd.DataFrame({"date_start": days, "admin1_pcode": govs, "fatalities": 1})
    ms = pd.DataFrame({"milestone_id": ["m"], "date_start": [T("2017-01-15")], "label": ["m"]})
    table = before_after(events, ms, window_days=7).set_index("group")
    shown = meaningful_change(table.reset_index(), "events")
    shown.index = table.index
    assert shown["SY01"] == pytest.approx(25.0)  # 12 before, 15 after
    assert math.isnan(shown["SY02"]) and table.loc["SY02", "events_change_pct"] == 900.0  # 3 before: hidden
    assert shown["all"] == pytest.approx(200.0)
    assert MIN_EVENTS_FOR_CHANGE == 10
    with pytest.raises(ValueError, match="unknown metric"):
        meaningful_change(table, "deaths")


@settings(deadline=None, max_examples=80)
@given(st.lists(st.tuples(DAYS, st.floats(1, 40)), min_size=0, max_size=12))
def test_milestone_labels_in_one_lane_never_overlap(labels):
    start, end = T("2016-12-01"), T("2017-03-31")
    dates = [T(d) for d, _ in labels]
    widths = [w for _, w in labels]
    lanes = label_lanes(dates, start, end, widths)
    assert len(lanes) == len(labels)
    spans = {}
    for i, (d, w) in enumerate(zip(dates, widths, strict=True)):
        width = pd.Timedelta(days=w)
        span = (d - width, d) if lanes.loc[i, "align"] == "right" else (d, d + width)
        spans.setdefault(lanes.loc[i, "lane"], []).append(span)
    for taken in spans.values():
        taken.sort()
        assert all(a[1] <= b[0] for a, b in zip(taken, taken[1:], strict=False))


def test_labels_near_the_end_of_the_axis_end_at_their_date():
    lanes = label_lanes([T("2016-12-30"), T("2016-12-31"), T("2017-03-28")], "2016-12-01", "2017-03-31", 20)
    assert list(lanes["lane"]) == [0, 1, 0]
    assert list(lanes["align"]) == ["left", "left", "right"]
