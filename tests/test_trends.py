"""Counts over time and before/after tables on small hand-built events."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.trends import before_after, counts_over_time, period_start

T = pd.Timestamp


@pytest.fixture
def events():
    rows = [
        # date, governorate, class, party1, party2, fatalities
        ("2016-12-26", "SY02", "before_truce", "government", "opposition", 4),
        ("2016-12-27", "SY02", "before_truce", "government", "opposition", 2),
        ("2016-12-28", "SY03", "before_truce", "government", "opposition", None),
        ("2016-12-29", "SY02", "before_truce", "government", "opposition", 1),
        ("2016-12-30", "SY03", "truce_violation", "government", "opposition", 3),
        ("2017-01-02", "SY03", "excluded_group", "opposition+hts", "government", 0),
        ("2017-01-09", "SY09", "other_fighting", "islamic_state", "sdf", 10),
    ]
    df = pd.DataFrame(rows, columns=["date_start", "admin1_pcode", "truce_class", "party1", "party2", "fatalities"])
    df["date_start"] = pd.to_datetime(df["date_start"])
    df["fatalities"] = df["fatalities"].astype("Int64")
    return df


def test_period_start_weeks_begin_on_monday():
    got = period_start(pd.Series(pd.to_datetime(["2016-12-25", "2016-12-26", "2017-01-01"])), "W")
    assert list(got) == [T("2016-12-19"), T("2016-12-26"), T("2016-12-26")]
    with pytest.raises(ValueError, match="unknown period"):
        period_start(pd.Series([T("2017-01-01")]), "M")


def test_daily_totals_fill_missing_days_with_zeros(events):
    out = counts_over_time(events, "D", start="2016-12-25", end="2017-01-10")
    assert len(out) == 17
    by_day = out.set_index("period")
    assert by_day.loc[T("2016-12-25"), "events"] == 0
    assert by_day.loc[T("2016-12-26"), "fatalities"] == 4
    assert by_day.loc[T("2016-12-28"), "fatalities"] == 0  # unknown fatalities count as none
    assert out["events"].sum() == len(events)
    assert out["fatalities"].sum() == 20


def test_weekly_counts_by_class_and_governorate(events):
    weekly = counts_over_time(events, "W", by="truce_class")
    w = weekly.set_index(["period", "group"])
    assert w.loc[(T("2016-12-26"), "before_truce"), "events"] == 4
    assert w.loc[(T("2016-12-26"), "truce_violation"), "events"] == 1
    assert w.loc[(T("2017-01-02"), "before_truce"), "events"] == 0
    assert w.loc[(T("2017-01-09"), "other_fighting"), "fatalities"] == 10
    gov = counts_over_time(events, "W", by="admin1_pcode")
    assert gov.groupby("group")["events"].sum().to_dict() == {"SY02": 3, "SY03": 3, "SY09": 1}


def test_party_grouping_counts_each_party_an_event_involves(events):
    out = counts_over_time(events, "W", by="party").groupby("group")["events"].sum()
    assert out["government"] == 6
    assert out["opposition"] == 6
    assert out["hts"] == 1 and out["islamic_state"] == 1 and out["sdf"] == 1


def test_before_after_per_governorate(events):
    ms = pd.DataFrame({"milestone_id": ["truce"], "date_start": [T("2016-12-30")], "label": ["Nationwide ceasefire"]})
    out = before_after(events, ms, window_days=7).set_index("group")
    assert out.loc["SY02", "events_before"] == 3 and out.loc["SY02", "events_after"] == 0
    assert out.loc["SY02", "events_change_pct"] == -100.0
    assert out.loc["SY03", "events_before"] == 1 and out.loc["SY03", "events_after"] == 2
    assert out.loc["SY03", "events_change_pct"] == 100.0
    assert out.loc["SY03", "name"] == "Rural Damascus"
    assert math.isnan(out.loc["SY09", "events_change_pct"])  # nothing before: no rate of change
    assert out.loc["SY09", "events_after"] == 0  # 9 Jan is outside the 7 days from 30 Dec
    assert out.loc["all", "events_before"] == 4 and out.loc["all", "events_after"] == 2
    assert out.loc["all", "fatalities_before"] == 7 and out.loc["all", "fatalities_after"] == 3


def test_before_after_uses_daily_rates_when_coverage_cuts_a_window(events):
    ms = pd.DataFrame({"milestone_id": ["m"], "date_start": [T("2016-12-28")], "label": ["x"]})
    out = before_after(events, ms, window_days=7, by=None, coverage=("2016-12-26", "2017-03-31")).iloc[0]
    assert (out.days_before, out.days_after) == (2, 7)
    assert (out.events_before, out.events_after) == (2, 4)
    # 1 per day before, 4/7 per day after
    assert out.events_change_pct == pytest.approx(100 * (4 / 7 - 1), abs=0.1)
    with pytest.raises(ValueError):
        before_after(events, ms, window_days=0)


def test_party_grouping_total_counts_events_once(events):
    ms = pd.DataFrame({"milestone_id": ["truce"], "date_start": [T("2016-12-30")], "label": ["truce"]})
    out = before_after(events, ms, window_days=7, by="party").set_index("group")
    assert out.loc["all", "events_before"] == 4
    assert out.loc["government", "events_after"] == 2
