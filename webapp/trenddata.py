"""What the Trends page works out of a view, cached and shared by every session with the same view
(``pages/trends.py``): counts, pairs of sides, district totals, before/after tables and the charts'
Vega-Lite specs (``webapp/trendcharts.py``).

Defined here, not in the page: a page script runs at every rerun, and Streamlit works out the key of
a cached function from its source each time the decorator runs (``inspect.getsource``; 7 % of the
server's CPU under ten sessions of ``bench/load.py`` when these lived in the pages).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.admin import district_totals
from geo.queries import blank_country_only
from geo.stats import counts_by
from geo.trends import before_after, counts_over_time, pair_totals, party_pairs
from layers.choropleth import choropleth_geojson
from webapp import session
from webapp import viewstate as vsm
from webapp.trendcharts import ba_heatmap, ba_view, group_label, milestone_names, pair_heatmap, trend_chart


@st.cache_data(show_spinner=False, max_entries=4)
def held_by(store: str, mtime: float) -> pd.Series:
    """Party holding each event's place on its own date, indexed by ``event_id``."""
    events = session.load_events(store, mtime)
    if len(events) == 0:
        return pd.Series(dtype=object)
    parties = session._catalog(store).party_at(events)  # shipped data alone when the store is unreadable
    parties = blank_country_only(pd.Series(pd.Series(parties).to_numpy(), index=events.index), events)
    return pd.Series(parties.to_numpy(), index=events["event_id"].to_numpy(), dtype=object)


# (a page switch of ten sessions at once took about 0.8 s of the server's time each, all recomputed,
# before these were shared)
def milestone_options(store: str, mtime: float) -> dict:
    """``webapp.trendcharts.milestone_names`` of the store's milestones."""
    return milestone_names(session.load_milestones(store, mtime))


def events_of(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """The events the view fields ``key`` select (``session.events_for``), with ``held_by``."""
    events = session.events_for(store, mtime, key)
    if len(events) and "held_by" not in events.columns:
        events = events.assign(held_by=events["event_id"].map(held_by(store, mtime)).fillna(""))
    return events


@st.cache_data(show_spinner=False, max_entries=32)
def trend_counts(store: str, mtime: float, key: tuple, freq: str, by: str | None, start, end) -> pd.DataFrame:
    """``geo.trends.counts_over_time`` of the view ``key``."""
    return counts_over_time(events_of(store, mtime, key), freq, by, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=32)
def trend_spec(store: str, mtime: float, key: tuple, freq: str, by: str, metric: str, same: bool, start, end) -> dict:
    """The Vega-Lite spec of :func:`trend_chart` for the view ``key``: built by Altair
    once per view and choice (about 0.3 s a rerun on the shipped data), not at every rerun."""
    counts = trend_counts(store, mtime, key, freq, None if by == "none" else by, start, end)
    if by == "none":
        counts["group"] = "all events"
    counts["label"] = counts["group"].map(lambda g: group_label(by, g))
    return trend_chart(counts, by, metric, freq, session.load_milestones(store, mtime), start, end, same).to_dict(validate=False)


@st.cache_data(show_spinner=False, max_entries=32)
def pair_tables(store: str, mtime: float, key: tuple, ordered: bool, start, end) -> tuple:
    """(``party_pairs`` by week, ``pair_totals``) of the view ``key``."""
    events = events_of(store, mtime, key)
    return party_pairs(events, "W", ordered=ordered, start=start, end=end), pair_totals(events, ordered=ordered)


@st.cache_data(show_spinner=False, max_entries=32)
def pair_spec(store: str, mtime: float, key: tuple, ordered: bool, start, end) -> dict:
    """The Vega-Lite spec of :func:`pair_heatmap` for the view ``key``: built by Altair once
    per view (about 0.2 s a rerun on the shipped data), not at every rerun."""
    return pair_heatmap(pair_tables(store, mtime, key, ordered, start, end)[0], ordered).to_dict(validate=False)


@st.cache_data(show_spinner=False, max_entries=32)
def district_table(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """``counts_by(..., "district")`` of the view ``key``."""
    admin2, govs = session.load_boundaries(store, mtime, 2), session.load_boundaries(store, mtime, 1)
    return counts_by(events_of(store, mtime, key), "district", admin1=govs, admin2=admin2)


@st.cache_resource(show_spinner=False, max_entries=32)
def district_fills(store: str, mtime: float, key: tuple, measure: str, label: str) -> dict:
    """``layers.choropleth.choropleth_geojson`` of the view ``key``'s districts: worked out once per view
    and measure, shared by every session (read-only)."""
    districts = district_totals(events_of(store, mtime, key), session.load_boundaries(store, mtime, 2))
    return choropleth_geojson(districts, measure, range_label=label)


@st.cache_data(show_spinner=False, max_entries=32)
def before_after_table(store: str, mtime: float, key: tuple, chosen: tuple, window: int) -> pd.DataFrame:
    """``geo.trends.before_after`` of the view ``key`` (no date range) around the milestones ``chosen``."""
    milestones = session.load_milestones(store, mtime)
    ms = milestones.loc[milestones["milestone_id"].isin(chosen)]
    return before_after(events_of(store, mtime, key), ms, window_days=window,
                        coverage=(vsm.WINDOW_START, vsm.WINDOW_END))


@st.cache_data(show_spinner=False, max_entries=32)
def ba_spec(store: str, mtime: float, key: tuple, chosen: tuple, window: int, metric: str) -> dict:
    """The Vega-Lite spec of :func:`ba_heatmap` for the view ``key`` (no date range): built
    by Altair once per choice (about 0.3 s a rerun on the shipped data), not at every rerun."""
    options = milestone_options(store, mtime)
    view = ba_view(before_after_table(store, mtime, key, chosen, window), options, metric)
    return ba_heatmap(view, list(options.values()), "change_pct").to_dict(validate=False)
