"""Trends: daily / weekly counts and fatalities by truce class, party and governorate.

Thin page over :mod:`geo.trends`: follows the shared sidebar filters (class, party,
governorate) and the event date range of the URL state.  The counts are drawn as small
multiples (one small chart per group, one shared time axis, integer count axes); the
milestones are dashed lines in every chart and are named in a band of their own above the
charts, never over the data.  "Who fought whom" is the matrix of pairs of sides by week
(``geo.trends.party_pairs``).  The before/after table compares the days after each milestone
with the days before it, and shows a change only where both windows hold enough events
(``geo.trends.MIN_EVENTS_FOR_CHANGE``).  "Events per district" maps the same selection by
district (``layers.choropleth.district_map_of``) and lists the ten busiest districts.

What the page works out of a view, and the charts, are in ``webapp/trenddata.py`` (cached, shared by
every session with the same view) and ``webapp/trendcharts.py`` (Altair, no Streamlit).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.safetext import csv_text
from geo.schema import ADMIN1, COUNTRY_ONLY, LOCATION_UNKNOWN, LOCATION_UNKNOWN_PCODE, LONG_SPAN
from geo.trends import (
    MIN_EVENTS_FOR_CHANGE,
    UNKNOWN_SIDE,
    long_spans,
)
from geo.vocabulary import DATE_PRECISION, PARTY, TRUCE_CLASS
from layers.choropleth import DISTRICT_MAP_HEIGHT, MEASURES, district_map_of
from webapp import session
from webapp import trendcharts as tc
from webapp import trenddata as td
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
                "From": pd.to_datetime(spans["date_start"]).dt.strftime("%Y-%m-%d").fillna(tc.NO_VALUE),
                "To": pd.to_datetime(spans["date_end"]).dt.strftime("%Y-%m-%d").fillna(tc.NO_VALUE),
                "Length, days": spans["days"].map(lambda d: tc.NO_VALUE if pd.isna(d) else f"{int(d):,}"),
                "Dated to": spans["date_precision"].map(lambda p: precision.get(p, p) or tc.NO_VALUE),
                "Place": spans["place"].map(lambda p: tc.NO_VALUE if pd.isna(p) or p == "" else str(p)),
                "Governorate": spans["admin1_pcode"].map(
                    lambda g: LOCATION_UNKNOWN if g in ("", None) else tc.gov_label(g)
                ),
                "Fatalities": spans["fatalities"].astype("int64"),
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="tr_long_spans")


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
    pairs, totals = td.pair_tables(store, mtime, key, ordered, vs.start, vs.end)
    if len(pairs) == 0:
        st.info("No event of the selection is dated to a week.")
    else:
        st.vega_lite_chart(td.pair_spec(store, mtime, key, ordered, vs.start, vs.end), width="stretch",
                           key="tr_pairs_chart")
    table = pd.DataFrame(
        {
            "Pair": [
                tc.pair_label(a, b, ordered) for a, b in zip(totals["side1"], totals["side2"], strict=True)
            ],
            "Events": totals["events"],
            "Fatalities": totals["fatalities"],
            "In a week": totals["on_a_period"],
            "Spans longer than a week": totals["long_span"],
            "Located only to Syria": totals["country_only"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="tr_pairs_table")


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
    m = district_map_of(td.district_fills(store, mtime, key, measure, label), session.boundary_lines(store, mtime),
                        measure, official=session.boundaries_official(store, mtime), shared=True)
    table = td.district_table(store, mtime, key)
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
    st.vega_lite_chart(td.trend_spec(store, mtime, key, freq, by, metric, same, vs.start, vs.end), width="stretch",
                       key="tr_trend_chart")
    counts = td.trend_counts(store, mtime, key, freq, None if by == "none" else by, vs.start, vs.end)
    if by == "none":
        counts["group"] = "all events"
    counts["label"] = counts["group"].map(lambda g: tc.group_label(by, g))
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


def _before_after_section(store: str, mtime: float, milestones: pd.DataFrame, vs: vsm.ViewState) -> None:
    st.subheader("Before and after the truce and each round of talks")
    st.caption(
        "For each milestone: events (or fatalities) in the N days before it against the N days from it, per "
        "governorate, following the sidebar filters but not the date range. The change compares daily rates "
        "(windows cut short by the data's window are compared per day). A change is shown only where both "
        f'windows hold at least {MIN_EVENTS_FOR_CHANGE} events ("n<{MIN_EVENTS_FOR_CHANGE}" otherwise: a '
        f'change between a few events means little); "{tc.NO_VALUE}": nothing before. Spans longer than a week '
        "are in no window."
    )
    options = td.milestone_options(store, mtime)
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
    table = td.before_after_table(store, mtime, key, tuple(chosen), int(window))
    view = tc.ba_view(table, options, ba_metric)
    st.vega_lite_chart(td.ba_spec(store, mtime, key, tuple(chosen), int(window), ba_metric), width="stretch",
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
events = td.events_of(store, mtime, session.view_key(vs))

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
