"""The one date parser (geo.validate.parse_dates): round trips, and never a guessed day/month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.validate import MONTHS, iso_dates, parse_date, parse_dates

DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
MONTH_NAMES = {n: [k for k, v in MONTHS.items() if v == n] for n in range(1, 13)}


def _one(text: str, order=None):
    parsed, problems = parse_dates(pd.Series([text]), pd.Series([7]), "date_start", order=order)
    return parsed.iat[0], problems


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(DAYS)
def test_iso_round_trip(day):
    got, problems = _one(day.isoformat())
    assert problems == [] and got.date() == day


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(DAYS, st.data())
def test_named_month_round_trip(day, data):
    name = data.draw(st.sampled_from(MONTH_NAMES[day.month]))
    name = data.draw(st.sampled_from([name, name.title(), name.upper()]))
    text = data.draw(st.sampled_from([f"{day.day} {name} {day.year}", f"{name} {day.day}, {day.year}"]))
    got, problems = _one(text)
    assert problems == [] and got.date() == day


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(DAYS, st.sampled_from("/.-"))
def test_numeric_with_a_day_above_12_round_trips(day, sep):
    if day.day <= 12:
        day = day.replace(day=13)
    got, problems = _one(f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year}")
    assert problems == [] and got.date() == day
    got, problems = _one(f"{day.month}{sep}{day.day}{sep}{day.year}")
    assert problems == [] and got.date() == day


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2099))
def test_ambiguous_day_month_is_refused_never_guessed(a, b, year):
    got, problems = _one(f"{a:02d}/{b:02d}/{year}")
    if a == b:  # the same either way: nothing to guess
        assert problems == [] and got.date() == dt.date(year, a, a)
        return
    assert pd.isna(got)
    assert [p.code for p in problems] == ["ambiguous_date"] and problems[0].row == 7


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2099))
def test_stated_order_reads_both_ways(a, b, year):
    dmy, p1 = _one(f"{a}/{b}/{year}", order="dmy")
    mdy, p2 = _one(f"{a}/{b}/{year}", order="mdy")
    assert p1 == p2 == []
    assert dmy.date() == dt.date(year, b, a) and mdy.date() == dt.date(year, a, b)


def test_column_mixing_orders_is_refused_as_a_whole():
    parsed, problems = parse_dates(pd.Series(["25/04/2017", "04/26/2017"]), pd.Series([1, 2]), "d")
    assert parsed.isna().all()
    assert [(p.row, p.code) for p in problems] == [(None, "ambiguous_date")]


def test_two_digit_years_and_impossible_days_are_refused():
    parsed, problems = parse_dates(pd.Series(["25/04/17", "2017-02-30", ""]), pd.Series([1, 2, 3]), "d")
    assert parsed.isna().all()
    assert sorted(p.row for p in problems) == [1, 2, 3]  # row 3: the date is missing
    assert {p.row: p.code for p in problems if p.row < 3} == {1: "bad_date", 2: "bad_date"}


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(DAYS)
def test_parse_date_iso_only(day):
    assert parse_date(day.isoformat(), iso_only=True) == pd.Timestamp(day)
    assert parse_date(f"{day.day} {MONTH_NAMES[day.month][0]} {day.year}", iso_only=True) is None


def test_parse_date_refuses_rather_than_guesses():
    assert parse_date("05/04/2017") is None
    assert parse_date("25/04/2017") == pd.Timestamp("2017-04-25")
    assert parse_date("") is None and parse_date(None) is None


@settings(deadline=None, max_examples=60)  # no wall-clock limit in a unit test
@given(st.lists(st.one_of(DAYS, st.none()), max_size=20))
def test_iso_dates_reads_what_the_project_writes(days):
    text = pd.Series(["" if d is None else d.isoformat() for d in days], dtype=object)
    got = iso_dates(text)
    assert str(got.dtype) == "datetime64[ns]"
    assert [None if pd.isna(t) else t.date() for t in got] == days


def test_plain_iso_cells_read_as_the_regex_reads_them():
    """``YYYY-MM-DD`` cells take a numpy path; every other form (and every refusal) is unchanged."""
    cells = ["2017-01-05", "2017-1-5", "2017/01/05", "2017-01-05T10:00", "\u0662\u0660\u0661\u0667-\u0660\u0661-\u0660\u0665",
             "2017-02-30", "2017-13-01", "20170-1-05", "2017-01-0x", "", "15 January 2017"]
    parsed, problems = parse_dates(pd.Series(cells), pd.Series(range(1, len(cells) + 1)), "d", required=False)
    day = pd.Timestamp("2017-01-05")
    assert parsed.iloc[:5].tolist() == [day] * 5
    assert parsed.iloc[5:10].isna().all() and parsed.iloc[10] == pd.Timestamp("2017-01-15")
    assert [(p.row, p.code) for p in problems] == [(8, "bad_date"), (9, "bad_date"), (6, "bad_date"), (7, "bad_date")]
    assert "is not a date" in problems[0].reason and "is not a real calendar date" in problems[2].reason
