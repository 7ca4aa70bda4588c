"""The date-range rule (geo.queries.range_masks) against its definition, on any spans, gaps and open sides."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.queries import event_days, range_masks

DAY0 = pd.Timestamp("2016-11-01")
day = st.one_of(st.none(), st.integers(0, 200))
times = st.one_of(st.none(), st.tuples(st.integers(0, 200), st.integers(0, 23)))


def _stamp(t):
    return pd.NaT if t is None else DAY0 + pd.Timedelta(days=t[0], hours=t[1])


def _definition(starts, ends, s, e):
    """Each event's whole-day span [start, end] (end missing or before start: the start day) inside
    [s, e], and overlapping it without being inside; an event without a start is in no bounded range."""
    inside, partly = [], []
    for a, b in zip(starts, ends, strict=True):
        if pd.isna(a):
            inside.append(s is None and e is None)
            partly.append(False)
            continue
        first = a.normalize()
        last = b.normalize() if not pd.isna(b) and b.normalize() >= first else first
        within = (s is None or first >= s) and (e is None or last <= e)
        overlaps = (s is None or last >= s) and (e is None or first <= e)
        inside.append(within)
        partly.append(overlaps and not within)
    return inside, partly


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(times, times), max_size=30), day, day)
def test_range_masks_follow_the_definition(rows, s, e):
    starts = [_stamp(a) for a, _b in rows]
    ends = [_stamp(b) for _a, b in rows]
    events = pd.DataFrame({"date_start": pd.Series(starts, dtype="datetime64[ns]").to_numpy(),
                           "date_end": pd.Series(ends, dtype="datetime64[ns]").to_numpy()},
                          index=pd.RangeIndex(len(rows)) * 3)  # any index is kept
    lo = None if s is None else DAY0 + pd.Timedelta(days=s)
    hi = None if e is None else DAY0 + pd.Timedelta(days=e)
    inside, partly = range_masks(events, None if lo is None else lo.date().isoformat(), hi)
    expected_inside, expected_partly = _definition(starts, ends, lo, hi)
    assert inside.tolist() == expected_inside and partly.tolist() == expected_partly
    assert inside.index.equals(events.index) and inside.dtype == bool and partly.dtype == bool
    # The days computed once (the web app keeps them per store version) give the same masks.
    kept = range_masks(events, None if lo is None else lo.date().isoformat(), hi, days=event_days(events))
    assert kept[0].tolist() == expected_inside and kept[1].tolist() == expected_partly


def test_days_of_another_frame_are_refused():
    events = pd.DataFrame({"date_start": pd.to_datetime(["2017-01-01", "2017-01-02"])})
    with pytest.raises(ValueError, match="days for 1 events given for a frame of 2"):
        range_masks(events, "2017-01-01", None, days=event_days(events.iloc[:1]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(times, times), max_size=30))
def test_span_days_follow_the_same_days(rows):
    """``span_days`` counts the days of the span the range rule reads (one reading of the dates)."""
    from geo.queries import span_days

    starts = [_stamp(a) for a, _b in rows]
    ends = [_stamp(b) for _a, b in rows]
    events = pd.DataFrame({"date_start": pd.Series(starts, dtype="datetime64[ns]").to_numpy(),
                           "date_end": pd.Series(ends, dtype="datetime64[ns]").to_numpy()})
    expected = []
    for a, b in zip(starts, ends, strict=True):
        if pd.isna(a):
            expected.append(None)
            continue
        last = b.normalize() if not pd.isna(b) and b.normalize() >= a.normalize() else a.normalize()
        expected.append((last - a.normalize()).days + 1)
    got = span_days(events)
    assert [None if pd.isna(v) else int(v) for v in got] == expected and str(got.dtype) == "Int64"
