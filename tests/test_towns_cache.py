"""The Map page's cited towns, cached by the documents a range selects (webapp.session.load_towns)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.catalog import Catalog
from geo.citations import cited_towns
from webapp import session

DAYS = pd.date_range("2016-11-01", "2017-04-30").strftime("%Y-%m-%d").tolist()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return str(tmp_path_factory.mktemp("store") / "s.gpkg")  # no workspace file: the shipped data


def _same(store, day, start, end):
    got = session.load_towns(store, 0.0, day, start, end)
    expected = cited_towns(catalog=Catalog(store), day=day, start=start, end=end)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    return got


@pytest.mark.parametrize("day, start, end", [
    ("2017-01-15", "2016-12-01", "2017-03-31"),  # the shipped window
    ("2017-01-15", "2017-01-08", "2017-01-11"),  # no document published in the range
    ("2016-12-30", "2017-01-06", "2017-01-06"),  # one day, a publication day
    ("2017-03-01", None, None),
    ("2017-02-01", "2017-02-10", "2017-01-01"),  # start after end: nothing
])
def test_same_towns_as_the_one_implementation(store, day, start, end):
    _same(store, day, start, end)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.sampled_from(DAYS), a=st.sampled_from(DAYS), b=st.sampled_from(DAYS))
def test_any_range_and_day(store, day, a, b):
    _same(store, day, *sorted([a, b]))


def test_a_range_adding_no_document_is_one_cache_entry(store):
    assert session._document_range(store, 0.0, "2017-01-08", "2017-01-11") == session.NO_DOCUMENT_RANGE
    wide = session._document_range(store, 0.0, "2017-01-06", "2017-01-11")
    assert wide == session._document_range(store, 0.0, "2017-01-04", "2017-01-10")  # no document on 4-5 or 8-11 Jan
    assert wide != session._document_range(store, 0.0, "2017-01-06", "2017-01-12")  # one is published on 12 Jan
