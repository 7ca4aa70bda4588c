"""Trends: daily / weekly counts and fatalities by truce class, party and governorate.

Thin page over :mod:`geo.trends`: follows the shared sidebar filters (class, party,
governorate) and the event date range of the URL state.  The counts are drawn as small
multiples (one small chart per group, one shared time axis, integer count axes); the
milestones are dashed lines in every chart and are named in a band of their own above the
charts, never over the data.  "Who fought whom" is the matrix of pairs of sides by week
(``geo.trends.party_pairs``).  The before/after table compares the days after each milestone
with the days before it, and shows a change only where both windows hold enough events
(``geo.trends.MIN_EVENTS_FOR_CHANGE``).  "Events per district" maps the same selection by
district (``layers.choropleth.district_map``) and lists the ten busiest districts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.admin import district_totals
from geo.names import governorate_name
from geo.palette import CLASS_COLOURS, PARTY_COLOURS
from geo.queries import blank_country_only
from geo.safetext import csv_text
from geo.schema import ADMIN1, COUNTRY_ONLY, LOCATION_UNKNOWN, LOCATION_UNKNOWN_PCODE, LONG_SPAN
from geo.stats import counts_by
from geo.trends import (
    MIN_EVENTS_FOR_CHANGE,
    UNKNOWN_GROUP,
    UNKNOWN_SIDE,
    before_after,
    counts_over_time,
    label_lanes,
    long_spans,
    meaningful_change,
    pair_totals,
    party_pairs,
)
from geo.vocabulary import DATE_PRECISION, PARTY, TRUCE_CLASS, UNCLASSIFIED, class_label, party_label
from layers.choropleth import DISTRICT_MAP_HEIGHT, MEASURES, choropleth_geojson, district_map_of
from webapp import session
from webapp import viewstate as vsm

# the page's choices that go in the link (webapp/viewstate.py TREND_CHOICES)
K_FREQ = session.K_TREND["tfreq"]
K_BY = session.K_TREND["tby"]
K_METRIC = session.K_TREND["tshow"]
K_SAME_SCALE = session.K_TREND["tscale"]
K_PAIR_ORDER = session.K_TREND["tpairs"]
K_WINDOW = "tr_window"
K_MILESTONES = "tr_milestones"
K_BA_METRIC = "tr_ba_metric"
#: Page-local (not in the link): what the district map colours by; "events" by default.
K_CHORO = "w_trends_choro"
TOP_DISTRICTS = 10
#: Shown in a table or chart where there is no value (never "None").
NO_VALUE = "–"

#: Milestone kinds named in the band above the charts (the others are lighter lines, named on hover).
LABELLED_KINDS = ("ceasefire", "talks")
#: Milestone names are cut to this many characters in the band (the full name is on hover).
LABEL_CHARS = 34
#: Width of the chart's plot area the label lanes are planned for (px; the 1440 px wide page, sidebar open).
PLANNED_PLOT_PX = 900
#: Width of one character of a milestone name at the band's font size (px).
CHAR_PX = 5.6
#: Width of the count axis of every small chart (px), so that their plot areas line up.
AXIS_PX = 48
NO_LINE = "#333333"

GROUPINGS = {
    "truce_class": "truce class",
    "party": "party involved (actor)",
    "held_by": "party holding the place",
    "admin1_pcode": "governorate",
    "none": "all events",
}
PAIR_ORDERS = {
    "either": "either way: who fought whom",
    "ordered": "side 1 → side 2, as recorded",
}


@st.cache_data(show_spinner=False, max_entries=4)
def held_by(store: str, mtime: float) -> pd.Series:
    """Party holding each event's place on its own date, indexed by ``event_id``."""
    events = session.load_events(store, mtime)
    if len(events) == 0:
        return pd.Series(dtype=object)
    parties = session._catalog(store).party_at(events)  # shipped data alone when the store is unreadable
    parties = blank_country_only(pd.Series(pd.Series(parties).to_numpy(), index=events.index), events)
    return pd.Series(parties.to_numpy(), index=events["event_id"].to_numpy(), dtype=object)


# --- what the page works out of the view's events: shared by every session with the same filters ---
# (a page switch of ten sessions at once took about 0.8 s of the server's time each, all recomputed)
def _events_of(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """The events the view fields ``key`` select (``session.events_for``), with ``held_by``."""
    events = session.events_for(store, mtime, key)
    if len(events) and "held_by" not in events.columns:
        events = events.assign(held_by=events["event_id"].map(held_by(store, mtime)).fillna(""))
    return events


@st.cache_data(show_spinner=False, max_entries=32)
def _trend_counts(store: str, mtime: float, key: tuple, freq: str, by: str | None, start, end) -> pd.DataFrame:
    """``geo.trends.counts_over_time`` of the view ``key``."""
    return counts_over_time(_events_of(store, mtime, key), freq, by, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=32)
def _trend_spec(store: str, mtime: float, key: tuple, freq: str, by: str, metric: str, same: bool, start, end) -> dict:
    """The Vega-Lite spec of :func:`trend_chart` for the view ``key``: built and validated by Altair
    once per view and choice (about 0.3 s a rerun on the shipped data), not at every rerun."""
    counts = _trend_counts(store, mtime, key, freq, None if by == "none" else by, start, end)
    if by == "none":
        counts["group"] = "all events"
    counts["label"] = counts["group"].map(lambda g: _group_label(by, g))
    return trend_chart(counts, by, metric, freq, session.load_milestones(store, mtime), start, end, same).to_dict(validate=False)


@st.cache_data(show_spinner=False, max_entries=32)
def _pair_tables(store: str, mtime: float, key: tuple, ordered: bool, start, end) -> tuple:
    """(``party_pairs`` by week, ``pair_totals``) of the view ``key``."""
    events = _events_of(store, mtime, key)
    return party_pairs(events, "W", ordered=ordered, start=start, end=end), pair_totals(events, ordered=ordered)


@st.cache_data(show_spinner=False, max_entries=32)
def _pair_spec(store: str, mtime: float, key: tuple, ordered: bool, start, end) -> dict:
    """The Vega-Lite spec of :func:`pair_heatmap` for the view ``key``: built and validated by Altair once
    per view (about 0.2 s a rerun on the shipped data), not at every rerun."""
    return pair_heatmap(_pair_tables(store, mtime, key, ordered, start, end)[0], ordered).to_dict(validate=False)


@st.cache_data(show_spinner=False, max_entries=32)
def _district_table(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """``counts_by(..., "district")`` of the view ``key``."""
    admin2, govs = session.load_boundaries(store, mtime, 2), session.load_boundaries(store, mtime, 1)
    return counts_by(_events_of(store, mtime, key), "district", admin1=govs, admin2=admin2)


@st.cache_resource(show_spinner=False, max_entries=32)
def _district_fills(store: str, mtime: float, key: tuple, measure: str, label: str) -> dict:
    """``layers.choropleth.choropleth_geojson`` of the view ``key``'s districts: worked out once per view
    and measure, shared by every session (read-only)."""
    districts = district_totals(_events_of(store, mtime, key), session.load_boundaries(store, mtime, 2))
    return choropleth_geojson(districts, measure, range_label=label)


@st.cache_data(show_spinner=False, max_entries=32)
def _before_after_table(store: str, mtime: float, key: tuple, chosen: tuple, window: int) -> pd.DataFrame:
    """``geo.trends.before_after`` of the view ``key`` (no date range) around the milestones ``chosen``."""
    milestones = session.load_milestones(store, mtime)
    ms = milestones.loc[milestones["milestone_id"].isin(chosen)]
    return before_after(_events_of(store, mtime, key), ms, window_days=window,
                        coverage=(vsm.WINDOW_START, vsm.WINDOW_END))


@st.cache_data(show_spinner=False, max_entries=32)
def _ba_spec(store: str, mtime: float, key: tuple, chosen: tuple, window: int, metric: str) -> dict:
    """The Vega-Lite spec of :func:`ba_heatmap` for the view ``key`` (no date range): built and validated
    by Altair once per choice (about 0.3 s a rerun on the shipped data), not at every rerun."""
    options = _milestone_names(store, mtime)
    view = _ba_view(_before_after_table(store, mtime, key, chosen, window), options, metric)
    return ba_heatmap(view, list(options.values()), "change_pct").to_dict(validate=False)


def _gov_label(pcode) -> str:
    """Display name of a governorate P-code ("Syria, location unknown" for the country's code)."""
    if pcode is None or pcode != pcode or str(pcode) == "":
        return NO_VALUE
    if pcode in (LOCATION_UNKNOWN_PCODE, LOCATION_UNKNOWN):
        return LOCATION_UNKNOWN
    return governorate_name(str(pcode))  # the one display spelling (geo/names.py): "Idlib", "Daraa"


def _group_label(by: str, group: str) -> str:
    if by == "truce_class":
        return UNCLASSIFIED.label if group in ("", UNKNOWN_GROUP) else class_label(group)
    if by == "party":
        return party_label("unknown") if group == UNKNOWN_GROUP else party_label(group)
    if by == "held_by":
        return (
            "Holder unknown"
            if group == UNKNOWN_GROUP
            else group
            if group == LOCATION_UNKNOWN
            else party_label(group)
        )
    if by == "admin1_pcode":
        return _gov_label(group)
    return str(group)


def _group_colour(by: str, group: str) -> str:
    palette = CLASS_COLOURS if by == "truce_class" else PARTY_COLOURS if by in ("party", "held_by") else {}
    return palette.get(group) or NO_LINE


def _major_milestones(ms: pd.DataFrame, start, end) -> pd.DataFrame:
    """Milestones starting in [start, end]: ``date``, ``label``, ``kind``, ``major`` (named in the band)."""
    if len(ms) == 0:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "label": [], "kind": [], "major": []})
    m = ms.loc[(ms["date_start"] >= pd.Timestamp(start)) & (ms["date_start"] <= pd.Timestamp(end))]
    data = pd.DataFrame(
        {"date": m["date_start"], "label": m["label"].astype(str), "kind": m["kind"].astype(str)}
    )
    data["major"] = data["kind"].isin(LABELLED_KINDS)
    return data.reset_index(drop=True)


def _milestone_band(data: pd.DataFrame, start, end) -> alt.Chart | None:
    """The band above the charts naming the truce and the talks, in lanes so no two names overlap."""
    major = data.loc[data["major"]].reset_index(drop=True)
    if len(major) == 0:
        return None
    days = max((pd.Timestamp(end) - pd.Timestamp(start)).days + 1, 1)
    major["short"] = major["label"].map(lambda t: t if len(t) <= LABEL_CHARS else t[: LABEL_CHARS - 1] + "…")
    widths = (major["short"].str.len() * CHAR_PX + 8) / PLANNED_PLOT_PX * days
    major = major.join(label_lanes(major["date"], start, end, widths))
    lanes = int(major["lane"].max()) + 1
    y = alt.Y(
        "lane:O",
        axis=alt.Axis(
            title=None, labels=False, ticks=False, domain=False, minExtent=AXIS_PX, maxExtent=AXIS_PX
        ),
        scale=alt.Scale(domain=list(range(lanes - 1, -1, -1))),
    )
    tip = [alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("label:N", title="milestone")]
    x = alt.X("date:T", title=None, axis=alt.Axis(labels=False, ticks=False, domain=False, grid=False))
    base = alt.Chart(major).encode(x=x, y=y, tooltip=tip)
    marks = [base.mark_tick(color="#333", thickness=1, size=10)]
    for align, dx in (("left", 4), ("right", -4)):
        part = major.loc[major["align"] == align]
        if len(part):
            marks.append(
                alt.Chart(part)
                .mark_text(align=align, dx=dx, fontSize=10, color="#333")
                .encode(x=x, y=y, text="short:N", tooltip=tip)
            )
    return alt.layer(*marks).properties(
        height=14 * lanes, title=alt.TitleParams("Truce and talks", anchor="start", fontSize=11, color="#555")
    )


def _small_chart(
    rows: pd.DataFrame,
    label: str,
    colour: str,
    metric: str,
    freq: str,
    rules: pd.DataFrame,
    *,
    last: bool,
    y_max: int | None,
) -> alt.LayerChart:
    """One group's counts (integer axis), with the milestones as dashed lines; the time axis on the last only."""
    x_axis = (
        alt.Axis(title="week starting" if freq == "W" else None, format="%d %b", labelOverlap=True)
        if last
        else alt.Axis(title=None, labels=False, ticks=False)
    )
    scale = alt.Scale(domain=[0, max(y_max, 1)], nice=False) if y_max is not None else alt.Scale(domainMin=0)
    y_axis = alt.Axis(
        title=None, tickMinStep=1, format="d", tickCount=3, minExtent=AXIS_PX, maxExtent=AXIS_PX
    )
    line = (
        alt.Chart(rows)
        .mark_line(
            point=alt.OverlayMarkDef(color=colour) if freq == "W" else False,
            interpolate="step-after" if freq == "D" else "linear",
            color=colour,
        )
        .encode(
            x=alt.X("period:T", axis=x_axis),
            y=alt.Y(f"{metric}:Q", axis=y_axis, scale=scale),
            tooltip=[
                alt.Tooltip("period:T", format="%Y-%m-%d", title="week starting" if freq == "W" else "day"),
                alt.Tooltip("label:N", title="group"),
                alt.Tooltip("events:Q", format="d"),
                alt.Tooltip("fatalities:Q", format="d"),
            ],
        )
    )
    layers = [line]
    if len(rules):
        layers.insert(
            0,
            alt.Chart(rules)
            .mark_rule(strokeDash=[4, 3])
            .encode(
                x="date:T",
                color=alt.condition("datum.major", alt.value("#666"), alt.value("#ccc")),
                tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("label:N", title="milestone")],
            ),
        )
    title = alt.TitleParams(label, anchor="start", fontSize=12, color=colour, offset=2)
    return alt.layer(*layers).properties(height=64, title=title)


def trend_chart(
    counts: pd.DataFrame,
    by: str,
    metric: str,
    freq: str,
    milestones: pd.DataFrame,
    start,
    end,
    same_scale: bool,
) -> alt.VConcatChart:
    """Small multiples: the milestone band, then one small chart per group on one shared time axis."""
    rules = _major_milestones(milestones, start, end)
    groups = sorted(
        counts["group"].unique(),
        key=lambda g: (counts.loc[counts["group"] == g, "events"].sum() * -1, str(g)),
    )
    if by in ("truce_class",):
        order = list(TRUCE_CLASS)
        groups = sorted(groups, key=lambda g: order.index(g) if g in order else len(order))
    y_max = int(counts[metric].max()) if same_scale and len(counts) else None
    charts = [
        _small_chart(
            counts.loc[counts["group"] == g],
            _group_label(by, g),
            _group_colour(by, g),
            metric,
            freq,
            rules,
            last=i == len(groups) - 1,
            y_max=y_max,
        )
        for i, g in enumerate(groups)
    ]
    band = _milestone_band(rules, start, end)
    chart = alt.vconcat(*([band] if band is not None else []), *charts, spacing=6).resolve_scale(x="shared")
    # fit-x: the width follows the page; each chart keeps its own height (no "fit-y" to drop).
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _long_span_list(events: pd.DataFrame) -> None:
    """The events no day or week holds, listed apart with their counts (``geo.trends.long_spans``)."""
    spans = long_spans(events)
    if len(spans) == 0:
        return
    title = f"Spans longer than a week: {len(spans):,} events, {int(spans['fatalities'].sum()):,} fatalities (not in the chart)"
    with st.expander(title):
        st.caption(session.md_text(f"These events are {session.IMPRECISE_WORDS[LONG_SPAN]}."))
        precision = {code: term.short for code, term in DATE_PRECISION.items()}
        table = pd.DataFrame(
            {
                "Event": spans["event_id"].astype(str),
                "From": pd.to_datetime(spans["date_start"]).dt.strftime("%Y-%m-%d").fillna(NO_VALUE),
                "To": pd.to_datetime(spans["date_end"]).dt.strftime("%Y-%m-%d").fillna(NO_VALUE),
                "Length, days": spans["days"].map(lambda d: NO_VALUE if pd.isna(d) else f"{int(d):,}"),
                "Dated to": spans["date_precision"].map(lambda p: precision.get(p, p) or NO_VALUE),
                "Place": spans["place"].map(lambda p: NO_VALUE if pd.isna(p) or p == "" else str(p)),
                "Governorate": spans["admin1_pcode"].map(
                    lambda g: LOCATION_UNKNOWN if g in ("", None) else _gov_label(g)
                ),
                "Fatalities": spans["fatalities"].astype("int64"),
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="tr_long_spans")


def _side_label(side: str) -> str:
    return " + ".join(PARTY[p].short if p in PARTY else p for p in side.split("+"))


def pair_label(side1: str, side2: str, ordered: bool) -> str:
    """How a pair of sides is named on the page ("Government & allies – Opposition (signatories)")."""
    return f"{_side_label(side1)} {'→' if ordered else '–'} {_side_label(side2)}"


def _pairs_section(store: str, mtime: float, vs: vsm.ViewState) -> None:
    """Who fought whom: pairs of sides by week (heatmap, fatalities on hover) and the totals per pair."""
    st.subheader("Who fought whom, by week")
    session.restore_widget(K_PAIR_ORDER, vs.tpairs)  # from the link when the page opens
    order = st.radio(
        "Pairs", options=list(vsm.TREND_CHOICES["tpairs"]), format_func=PAIR_ORDERS.get, key=K_PAIR_ORDER,
        horizontal=True,
    )
    ordered = order == "ordered"
    st.caption(
        'Each event counts once, under the pair of its two sides (a joint side such as "Opposition + HTS" '
        "stays one side), so each week's column adds up to that week's events. "
        + (
            "Side 1 is the actor listed first: the alleged perpetrator in the curated reports; in UCDP data it is "
            "side A, which in state-based conflict is the government, not necessarily the attacker. "
            if ordered
            else "Either way: the two sides in the order of the party list, whoever attacked. "
        )
        + f'Sides the actor table does not know are "{PARTY[UNKNOWN_SIDE].short}", counted in their own rows. '
        "Events dated only to a span longer than a week are in the table below, not in a week."
    )
    key = session.view_key(vs)
    pairs, totals = _pair_tables(store, mtime, key, ordered, vs.start, vs.end)
    if len(pairs) == 0:
        st.info("No event of the selection is dated to a week.")
    else:
        st.vega_lite_chart(_pair_spec(store, mtime, key, ordered, vs.start, vs.end), width="stretch",
                           key="tr_pairs_chart")
    table = pd.DataFrame(
        {
            "Pair": [
                pair_label(a, b, ordered) for a, b in zip(totals["side1"], totals["side2"], strict=True)
            ],
            "Events": totals["events"],
            "Fatalities": totals["fatalities"],
            "In a week": totals["on_a_period"],
            "Spans longer than a week": totals["long_span"],
            "Located only to Syria": totals["country_only"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="tr_pairs_table")


def pair_heatmap(pairs: pd.DataFrame, ordered: bool) -> alt.LayerChart:
    """Pairs (rows) by weeks (columns), coloured by events (grey: none), the count written in; fatalities on hover."""
    data = pairs.assign(
        pair=[pair_label(a, b, ordered) for a, b in zip(pairs["side1"], pairs["side2"], strict=True)],
        week=pairs["period"].dt.strftime("%d %b %Y"),
    )
    rows = list(dict.fromkeys(data["pair"]))
    weeks = list(dict.fromkeys(data.sort_values("period")["week"]))
    enc = {
        "x": alt.X(
            "week:O",
            sort=weeks,
            title="week starting (Monday)",
            axis=alt.Axis(labelAngle=-45, labelOverlap=False),
        ),
        "y": alt.Y("pair:N", sort=rows, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        "tooltip": [
            alt.Tooltip("pair:N"),
            alt.Tooltip("week:N", title="week starting"),
            alt.Tooltip("events:Q", format="d"),
            alt.Tooltip("fatalities:Q", format="d"),
        ],
    }
    cells = alt.Chart(data).mark_rect(color="#f2f2f2", stroke="#fff", strokeWidth=1).encode(**enc)
    busy = alt.Chart(data).transform_filter("datum.events > 0")
    colour = alt.Color(
        "events:Q",
        title="events in the week",
        scale=alt.Scale(scheme="orangered", type="sqrt", domainMin=0),
        legend=alt.Legend(format="d", tickMinStep=1, orient="bottom", labelLimit=0, titleLimit=0),
    )
    coloured = busy.mark_rect(stroke="#fff", strokeWidth=1).encode(color=colour, **enc)
    text = busy.mark_text(fontSize=9).encode(
        text=alt.Text("events:Q", format="d"),
        color=alt.condition(f"datum.events >= {max(1, 0.55 * int(data['events'].max()))}", alt.value("#fff"), alt.value("#222")),
        **enc,
    )
    # A height in pixels, not a step: with a step Vega-Lite drops the page's "fit" with a warning.
    chart = alt.layer(cells, coloured, text).properties(height=18 * len(rows))
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _top_districts(table: pd.DataFrame, n: int = TOP_DISTRICTS) -> pd.DataFrame:
    """The ``n`` districts with the most events (then fatalities) of a ``counts_by(..., "district")`` table."""
    rows = table.loc[~table["pcode"].isin([*ADMIN1, LOCATION_UNKNOWN_PCODE, ""])]
    rows = rows.sort_values(
        ["events", "fatalities", "district"], ascending=[False, False, True], kind="stable"
    )
    return rows.loc[rows["events"] > 0, ["district", "governorate", "events", "fatalities"]].head(n)


def _unplaced_note(table: pd.DataFrame, total: int) -> str:
    """How many events of the selection are in no district, worded with the page vocabulary."""
    gov = table.loc[table["pcode"].isin(list(ADMIN1))]
    unknown = table.loc[table["pcode"] == LOCATION_UNKNOWN_PCODE]
    n_gov, n_unknown = int(gov["events"].sum()), int(unknown["events"].sum())
    if n_gov + n_unknown == 0:
        return f"All {total:,} events of the selection are placed in a district."
    parts = []
    if n_gov:
        parts.append(
            f"{n_gov:,} ({int(gov['fatalities'].sum()):,} fatalities) are located only to a governorate "
            '(counted in their governorate\'s "district unknown" row, not on the district map)'
        )
    if n_unknown:
        parts.append(
            f"{n_unknown:,} ({int(unknown['fatalities'].sum()):,} fatalities) are {session.IMPRECISE_WORDS[COUNTRY_ONLY]}"
        )
    return f"{n_gov + n_unknown:,} of the {total:,} events have no district: " + "; ".join(parts) + "."


def _district_section(n_events: int, vs: vsm.ViewState, store: str, mtime: float) -> None:
    """Choropleth of the selection by district (layers only) and the ten busiest districts."""
    st.subheader("Events per district")
    measure = st.radio(
        "Colour districts by",
        options=list(MEASURES),
        key=K_CHORO,
        horizontal=True,
        help="The Map page's class breaks and colours; events in the sidebar filters and the date range.",
    )
    label = f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"
    key = session.view_key(vs)
    m = district_map_of(_district_fills(store, mtime, key, measure, label), session.boundary_lines(store, mtime),
                        measure, official=session.boundaries_official(store, mtime), shared=True)
    table = _district_table(store, mtime, key)
    st_folium(
        m, key="tr_district_map", height=DISTRICT_MAP_HEIGHT, use_container_width=True, returned_objects=[]
    )
    st.markdown(f"**Top {TOP_DISTRICTS} districts by events**, {label}")
    st.dataframe(_top_districts(table), hide_index=True, width="stretch", key="tr_top_districts")
    st.caption(session.md_text(_unplaced_note(table, n_events)))


def _trend_section(store: str, mtime: float, vs: vsm.ViewState) -> None:
    """The controls, the small multiples and the totals of the chart."""
    c1, c2, c3, c4 = st.columns([1, 1.4, 1, 1])
    for key, value in ((K_FREQ, vs.tfreq), (K_BY, vs.tby), (K_METRIC, vs.tshow), (K_SAME_SCALE, vs.tscale == "same")):
        session.restore_widget(key, value)  # from the link when the page opens
    period = c1.radio("Period", options=list(vsm.TREND_CHOICES["tfreq"]), key=K_FREQ, horizontal=True)
    freq = "D" if period == "day" else "W"
    by = c2.selectbox("Split by", options=list(vsm.TREND_CHOICES["tby"]), format_func=GROUPINGS.get, key=K_BY)
    metric = c3.radio("Show", options=list(vsm.TREND_CHOICES["tshow"]), key=K_METRIC, horizontal=True)
    same = c4.checkbox(
        "Same scale in every chart",
        key=K_SAME_SCALE,
        help="Off: each chart scaled to its own largest count.",
    )
    key = session.view_key(vs)
    st.vega_lite_chart(_trend_spec(store, mtime, key, freq, by, metric, same, vs.start, vs.end), width="stretch",
                       key="tr_trend_chart")
    counts = _trend_counts(store, mtime, key, freq, None if by == "none" else by, vs.start, vs.end)
    if by == "none":
        counts["group"] = "all events"
    counts["label"] = counts["group"].map(lambda g: _group_label(by, g))
    st.caption(
        f"{metric.capitalize()} per {'day' if freq == 'D' else 'week (from Monday)'}, one chart per "
        f"{GROUPINGS[by]}. Dashed lines: milestones (dark: the truce and the talks, named above the charts; "
        "light: other milestones, hover for their names)."
        + (" The first and last weeks hold only the days inside the date range." if freq == "W" else "")
    )
    if by == "party":
        st.caption(
            "An event counts once under each party it involves, so the charts add up to more than the total."
        )
    if by == "held_by":
        st.caption(
            "The party holding the event's place on the event's own date (derived control zones); 'Holder unknown': no locality with a record within reach."
        )
    total = (
        counts.groupby("label", as_index=False)[["events", "fatalities"]]
        .sum()
        .sort_values("events", ascending=False)
    )
    with st.expander("Totals of the charts (long spans not included)"):
        shown = total.rename(
            columns={"label": GROUPINGS[by].capitalize(), "events": "Events", "fatalities": "Fatalities"}
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="tr_totals")


def change_text(value: float, before: int) -> str:
    """A change of daily rate as shown: "+35%", or why there is none (nothing before, too few events)."""
    if value == value:  # not NaN
        return f"{value:+,.0f}%"
    return NO_VALUE if before == 0 else f"n<{MIN_EVENTS_FOR_CHANGE}"


def ba_heatmap(table: pd.DataFrame, order: list[str], shown_col: str) -> alt.LayerChart:
    """Milestones (rows) by governorate: grey where the counts are too few, coloured by the change elsewhere."""
    govs = list(dict.fromkeys(table["governorate"]))
    rows = [m for m in order if m in set(table["milestone"])]
    enc = {
        "x": alt.X(
            "governorate:N",
            sort=govs,
            title=None,
            axis=alt.Axis(labelAngle=-40, labelLimit=0, labelOverlap=False, orient="top"),
        ),
        "y": alt.Y("milestone:N", sort=rows, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=0)),
        "tooltip": [
            "milestone:N",
            "governorate:N",
            "before:Q",
            "after:Q",
            alt.Tooltip("change:N", title="change of daily rate"),
            "days_before:Q",
            "days_after:Q",
        ],
    }
    cells = alt.Chart(table).mark_rect(color="#eeeeee", stroke="#fff").encode(**enc)
    coloured = (
        alt.Chart(table)
        .transform_filter(f"isValid(datum['{shown_col}'])")
        .mark_rect(stroke="#fff")
        .encode(
            color=alt.Color(
                f"{shown_col}:Q",
                title="change of daily rate, %",
                scale=alt.Scale(scheme="redblue", reverse=True, domainMid=0, clamp=True, domain=[-100, 200]),
                legend=alt.Legend(orient="bottom", labelLimit=0, titleLimit=0),
            ),
            **enc,
        )
    )
    text = alt.Chart(table).mark_text(fontSize=10, color="#222").encode(text="change:N", **enc)
    chart = alt.layer(cells, coloured, text).properties(height=24 * len(rows))  # pixels: see pair_heatmap
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _milestone_names(store: str, mtime: float) -> dict:
    """Milestone id -> "<day> – <name>" of the store's dated milestones, in their order."""
    return {r.milestone_id: f"{pd.Timestamp(r.date_start):%d %b %Y} – {r.label}"
            for r in session.load_milestones(store, mtime).itertuples(index=False) if pd.notna(r.date_start)}


def _ba_view(table: pd.DataFrame, options: dict, metric: str) -> pd.DataFrame:
    """The before/after table as shown: names, counts, and the change only where it means something."""
    shown_pct = meaningful_change(table, metric)
    return pd.DataFrame(
        {
            "milestone": table["milestone_id"].map(options),
            "governorate": [("All Syria" if g == "all" else _gov_label(g)) for g in table["group"]],
            "days_before": table["days_before"],
            "days_after": table["days_after"],
            "before": table[f"{metric}_before"],
            "after": table[f"{metric}_after"],
            "change_pct": shown_pct,
            "change": [change_text(v, b) for v, b in zip(shown_pct, table["events_before"], strict=True)],
        }
    )


def _before_after_section(store: str, mtime: float, milestones: pd.DataFrame, vs: vsm.ViewState) -> None:
    st.subheader("Before and after the truce and each round of talks")
    st.caption(
        "For each milestone: events (or fatalities) in the N days before it against the N days from it, per "
        "governorate, following the sidebar filters but not the date range. The change compares daily rates "
        "(windows cut short by the data's window are compared per day). A change is shown only where both "
        f'windows hold at least {MIN_EVENTS_FOR_CHANGE} events ("n<{MIN_EVENTS_FOR_CHANGE}" otherwise: a '
        f'change between a few events means little); "{NO_VALUE}": nothing before. Spans longer than a week '
        "are in no window."
    )
    options = _milestone_names(store, mtime)
    first_truce = milestones.loc[milestones["kind"] == "ceasefire", "milestone_id"].head(1).tolist()
    default = [
        m
        for m in first_truce + milestones.loc[milestones["kind"] == "talks", "milestone_id"].tolist()
        if m in options
    ]
    session.restore_widget(K_MILESTONES, default)
    b1, b2, b3 = st.columns([3, 1, 1])
    chosen = b1.multiselect("Milestones", options=list(options), format_func=options.get, key=K_MILESTONES)
    window = b2.number_input("Days each side", min_value=3, max_value=42, value=14, step=1, key=K_WINDOW)
    ba_metric = b3.radio("Compare", options=["events", "fatalities"], key=K_BA_METRIC)
    key = session.view_key(vs, with_range=False)
    ms = milestones.loc[milestones["milestone_id"].isin(chosen)]
    # positions, not rows: session.events_for keeps one selection, which the page's own view needs
    if len(ms) == 0 or len(session.view_positions(vs, with_range=False)) == 0:
        st.info("Choose at least one milestone (and loosen the filters if no event matches).")
        return
    table = _before_after_table(store, mtime, key, tuple(chosen), int(window))
    view = _ba_view(table, options, ba_metric)
    st.vega_lite_chart(_ba_spec(store, mtime, key, tuple(chosen), int(window), ba_metric), width="stretch",
                       key="tr_ba_chart")
    st.dataframe(
        view.drop(columns="change_pct").rename(
            columns={
                "milestone": "Milestone",
                "governorate": "Governorate",
                "days_before": "Days before",
                "days_after": "Days after",
                "before": f"{ba_metric.capitalize()} before",
                "after": f"{ba_metric.capitalize()} after",
                "change": "Change of daily rate",
            }
        ),
        width="stretch",
        hide_index=True,
        key="tr_ba_table",
    )
    st.download_button(
        "Download the table (CSV)",
        # made when clicked (deferred): no file is stored at every rerun, and a slow browser never
        # checks a file a newer run has already dropped (a 404 in the console, seen under load);
        # formulas neutralised (geo/safetext.py)
        data=lambda: csv_text(table).encode("utf-8"),
        file_name=f"before_after_{int(window)}d.csv",
        mime="text/csv",
        on_click="ignore",
        key="tr_download",
    )


vs = st.session_state.get("vs", vsm.ViewState())
store, mtime = session.store_key()

st.title("Trends")
st.caption(
    "Events and fatalities over time, following the sidebar filters and the event date range. "
    f"{session.RANGE_RULE} Events dated only to a span longer than a week are not put on a day or week: "
    "they are listed apart below the charts (not spread over their span). Events located only to Syria "
    "form their own group when the charts are split by place."
)

session.restore_widget(session.K_RANGE, (vs.start, vs.end))
session.day_slider(
    "Events between", session.K_RANGE, "Both ends inclusive; shared with the map page and the link."
)
vs = session.sync()

milestones = session.load_milestones(store, mtime)
events = _events_of(store, mtime, session.view_key(vs))

if len(events) == 0:
    st.info("No events match the filters and the date range.")
else:
    _trend_section(store, mtime, vs)
    _long_span_list(events)
    _pairs_section(store, mtime, vs)
    _district_section(len(events), vs, store, mtime)

_before_after_section(store, mtime, milestones, vs)

with st.expander("What the classes mean"):
    st.markdown("\n".join(f"- **{t.label}**: {t.description}" for t in TRUCE_CLASS.values()))
    st.caption("The full rules and the actor table are on the Rules page.")
