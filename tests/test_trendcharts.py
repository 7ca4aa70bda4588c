"""The Trends page's charts (``webapp/trendcharts.py``) are valid Vega-Lite.

The page builds their specs without Altair's schema validation (``to_dict(validate=False)``, cached
per view by ``webapp/trenddata.py``): this test keeps the check, on the shipped data.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pytest

from geo.catalog import Catalog
from geo.derived import classified_events
from geo.trends import before_after, counts_over_time, party_pairs
from webapp import trendcharts as tc

START, END = date(2016, 12, 20), date(2017, 3, 31)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "store.gpkg"  # an empty store: the shipped data only
    return classified_events(str(store)), Catalog(store).milestones()


@pytest.mark.parametrize(("by", "freq", "metric", "same"), [
    ("truce_class", "D", "events", False),
    ("party", "W", "fatalities", True),
    ("admin1_pcode", "W", "events", False),
])
def test_the_trend_chart_is_valid_vega_lite(shipped, by, freq, metric, same):
    events, milestones = shipped
    counts = counts_over_time(events, freq, by, start=START, end=END)
    counts["label"] = counts["group"].map(lambda g: tc.group_label(by, g))
    chart = tc.trend_chart(counts, by, metric, freq, milestones, START, END, same)
    spec = chart.to_dict(validate=True)  # raises a SchemaValidationError on an invalid spec
    assert len(spec["vconcat"]) == counts["group"].nunique() + 1  # the milestone band, then one chart a group


@pytest.mark.parametrize("ordered", [False, True])
def test_the_pairs_heatmap_is_valid_vega_lite(shipped, ordered):
    pairs = party_pairs(shipped[0], "W", ordered=ordered, start=START, end=END)
    assert len(pairs)
    spec = tc.pair_heatmap(pairs, ordered).to_dict(validate=True)
    assert len(spec["layer"]) == 3


def test_the_before_after_heatmap_is_valid_vega_lite(shipped):
    events, milestones = shipped
    names = tc.milestone_names(milestones)
    table = before_after(events, milestones, window_days=14, coverage=(START, END))
    view = tc.ba_view(table, names, "events")
    spec = tc.ba_heatmap(view, list(names.values()), "change_pct").to_dict(validate=True)
    assert len(spec["layer"]) == 3


def test_validation_sees_an_invalid_spec():
    chart = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q")
    chart.mark = "no-such-mark"
    chart.to_dict(validate=False)  # what the page does: no check
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        chart.to_dict(validate=True)
