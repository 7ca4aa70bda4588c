"""Trends: daily / weekly counts and fatalities by truce class, party and governorate.

Thin page over :mod:`geo.trends`: follows the shared sidebar filters (class, party,
governorate) and the event date range of the URL state; milestones are drawn on the time axis.
The before/after table compares the days after each milestone with the days before it.
"Events per district" maps the same selection by district (``layers.choropleth.district_map``,
the Map page's class breaks and colours) and lists the ten busiest districts
(``geo.stats.counts_by(..., "district")``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.admin import district_totals
from geo.palette import CLASS_COLOURS, PARTY_COLOURS
from geo.queries import blank_country_only
from geo.schema import ADMIN1, COUNTRY_ONLY, LOCATION_UNKNOWN_PCODE, LONG_SPAN
from geo.stats import counts_by
from geo.trends import before_after, counts_over_time, long_spans
from geo.vocabulary import TRUCE_CLASS, class_label, party_label
from layers.choropleth import DISTRICT_MAP_HEIGHT, MEASURES, district_map
from webapp import session
from webapp import viewstate as vsm

K_FREQ = "tr_freq"
K_BY = "tr_by"
K_METRIC = "tr_metric"
K_WINDOW = "tr_window"
K_MILESTONES = "tr_milestones"
K_BA_METRIC = "tr_ba_metric"
#: Page-local (not in the link): what the district map colours by; "events" by default.
K_CHORO = "w_trends_choro"
TOP_DISTRICTS = 10

#: Milestone kinds labelled on the time axis (the others are drawn lighter, named on hover).
LABELLED_KINDS = ("ceasefire", "talks")

GROUPINGS = {
    "truce_class": "truce class",
    "party": "party involved (actor)",
    "held_by": "party holding the place",
    "admin1_pcode": "governorate",
    "none": "all events",
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


def _group_label(by: str, group: str) -> str:
    if by == "truce_class":
        return class_label(group) if group else group
    if by in ("party", "held_by"):
        return party_label(group) if group != "(unknown)" else "(unknown)"
    if by == "admin1_pcode":
        return ADMIN1.get(group, group)
    return group


def _colours(by: str, groups: list[str]) -> alt.Scale | None:
    palette = CLASS_COLOURS if by == "truce_class" else PARTY_COLOURS if by in ("party", "held_by") else None
    if not palette:
        return None
    known = [g for g in groups if g in palette]
    if len(known) != len(groups):
        return None
    return alt.Scale(domain=[_group_label(by, g) for g in known], range=[palette[g] for g in known])


def _milestone_layer(ms: pd.DataFrame, start, end) -> alt.Chart | None:
    """Dashed rules at every milestone (hover for its name); labels for the truce and the talks only."""
    if len(ms) == 0:
        return None
    m = ms.loc[(ms["date_start"] >= pd.Timestamp(start)) & (ms["date_start"] <= pd.Timestamp(end))]
    if len(m) == 0:
        return None
    data = pd.DataFrame({"date": m["date_start"], "label": m["label"].astype(str), "kind": m["kind"].astype(str)})
    data["major"] = data["kind"].isin(LABELLED_KINDS)
    data["short"] = data["label"].str.slice(0, 28)
    rule = (
        alt.Chart(data)
        .mark_rule(strokeDash=[4, 3])
        .encode(
            x="date:T",
            color=alt.condition("datum.major", alt.value("#333"), alt.value("#bbb")),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), "label:N", "kind:N"],
        )
    )
    text = (
        alt.Chart(data.loc[data["major"]])
        .mark_text(angle=270, align="right", dx=-4, dy=-3, fontSize=10, color="#333")
        .encode(x="date:T", y=alt.value(0), text="short:N")
    )
    return rule + text


def _long_span_list(events: pd.DataFrame) -> None:
    """The events no day or week holds, listed apart with their counts (``geo.trends.long_spans``)."""
    spans = long_spans(events)
    if len(spans) == 0:
        return
    title = f"Spans longer than a week: {len(spans):,} events, {int(spans['fatalities'].sum()):,} fatalities (not in the chart)"
    with st.expander(title):
        st.caption(session.md_text(f"These events are {session.IMPRECISE_WORDS[LONG_SPAN]}."))
        table = spans.assign(
            date_start=pd.to_datetime(spans["date_start"]).dt.strftime("%Y-%m-%d"),
            date_end=pd.to_datetime(spans["date_end"]).dt.strftime("%Y-%m-%d"),
        )
        st.dataframe(table, hide_index=True, width="stretch", key="tr_long_spans")


def _top_districts(table: pd.DataFrame, n: int = TOP_DISTRICTS) -> pd.DataFrame:
    """The ``n`` districts with the most events (then fatalities) of a ``counts_by(..., "district")`` table."""
    rows = table.loc[~table["pcode"].isin([*ADMIN1, LOCATION_UNKNOWN_PCODE, ""])]
    rows = rows.sort_values(["events", "fatalities", "district"], ascending=[False, False, True], kind="stable")
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
            "(counted in their governorate's \"district unknown\" row, not on the district map)"
        )
    if n_unknown:
        parts.append(f"{n_unknown:,} ({int(unknown['fatalities'].sum()):,} fatalities) are {session.IMPRECISE_WORDS[COUNTRY_ONLY]}")
    return f"{n_gov + n_unknown:,} of the {total:,} events have no district: " + "; ".join(parts) + "."


def _district_section(events: pd.DataFrame, vs: vsm.ViewState, store: str, mtime: float) -> None:
    """Choropleth of the selection by district (layers only) and the ten busiest districts."""
    st.subheader("Events per district")
    measure = st.radio(
        "Colour districts by",
        options=list(MEASURES),
        key=K_CHORO,
        horizontal=True,
        help="The Map page's class breaks and colours; events in the sidebar filters and the date range.",
    )
    admin2 = session.load_boundaries(store, mtime, 2)
    govs = session.load_boundaries(store, mtime, 1)
    label = f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"
    m = district_map(
        district_totals(events, admin2),
        measure,
        governorates=govs,
        country=session.load_boundaries(store, mtime, 0),
        official=session.boundaries_official(store, mtime),
        range_label=label,
    )
    st_folium(m, key="tr_district_map", height=DISTRICT_MAP_HEIGHT, use_container_width=True, returned_objects=[])
    table = counts_by(events, "district", admin1=govs, admin2=admin2)
    st.markdown(f"**Top {TOP_DISTRICTS} districts by events**, {label}")
    st.dataframe(_top_districts(table), hide_index=True, width="stretch", key="tr_top_districts")
    st.caption(session.md_text(_unplaced_note(table, len(events))))


vs = st.session_state.get("vs", vsm.ViewState())
store, mtime = session.store_key()

st.title("Trends")
st.caption(
    "Events and fatalities over time, following the sidebar filters and the event date range. "
    "Dashed lines mark the milestones of the ceasefire process (hover for their names). "
    f"{session.RANGE_RULE} Events dated only to a span longer than a week are not put on a day or week: "
    "they are listed apart below the chart (not spread over their span). Events located only to Syria "
    "form their own group when the chart is split by place."
)

session.restore_widget(session.K_RANGE, (vs.start, vs.end))
session.day_slider("Events between", session.K_RANGE, "Both ends inclusive; shared with the map page and the link.")
vs = session.sync()

c1, c2, c3 = st.columns(3)
freq = c1.radio("Period", options=["D", "W"], format_func=lambda f: "day" if f == "D" else "week", key=K_FREQ, horizontal=True)
by = c2.selectbox("Split by", options=list(GROUPINGS), format_func=GROUPINGS.get, key=K_BY)
metric = c3.radio("Show", options=["events", "fatalities"], key=K_METRIC, horizontal=True)

events_all = session.load_events(store, mtime)
milestones = session.load_milestones(store, mtime)
if len(events_all) and "held_by" not in events_all.columns:
    events_all = events_all.assign(held_by=events_all["event_id"].map(held_by(store, mtime)).fillna(""))
events = session.filtered_events(events_all, vs)

if len(events) == 0:
    st.info("No events match the filters and the date range.")
else:
    counts = counts_over_time(events, freq, None if by == "none" else by, start=vs.start, end=vs.end)
    if by == "none":
        counts["group"] = "all events"
    groups = sorted(counts["group"].unique())
    counts["label"] = counts["group"].map(lambda g: _group_label(by, g))
    colour = alt.Color("label:N", title=GROUPINGS[by], scale=_colours(by, groups) or alt.Undefined)
    line = (
        alt.Chart(counts)
        .mark_line(point=freq == "W", interpolate="step-after" if freq == "D" else "linear")
        .encode(
            x=alt.X("period:T", title="week starting" if freq == "W" else "day"),
            y=alt.Y(f"{metric}:Q", title=metric),
            color=colour,
            tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d"), "label:N", "events:Q", "fatalities:Q"],
        )
    )
    marks = _milestone_layer(milestones, vs.start, vs.end)
    chart = (line + marks if marks is not None else line).properties(height=380)
    st.altair_chart(chart, width="stretch")
    if by == "party":
        st.caption("An event counts once under each party it involves, so the lines add up to more than the total.")
    if by == "held_by":
        st.caption("The party holding the event's place on the event's own date (derived control zones); '(unknown)': no locality with a record within reach.")
    total = counts.groupby("label")[["events", "fatalities"]].sum().sort_values("events", ascending=False)
    with st.expander("Totals of the chart (long spans not included)"):
        st.dataframe(total, width="stretch")
    _long_span_list(events)
    _district_section(events, vs, store, mtime)

# --- before / after ---------------------------------------------------------------------
st.subheader("Before and after the truce and each round of talks")
st.caption(
    "For each milestone: events (or fatalities) in the N days before it against the N days from it, per "
    "governorate, following the sidebar filters but not the date range. The change compares daily rates "
    "(windows cut short by the data's window are compared per day); blank = nothing before. Spans longer "
    "than a week are in no window."
)
options = {}
for r in milestones.itertuples(index=False):
    if pd.notna(r.date_start):
        options[r.milestone_id] = f"{pd.Timestamp(r.date_start):%d %b %Y} – {r.label}"
first_truce = milestones.loc[milestones["kind"] == "ceasefire", "milestone_id"].head(1).tolist()
default = [m for m in first_truce + milestones.loc[milestones["kind"] == "talks", "milestone_id"].tolist() if m in options]
session.restore_widget(K_MILESTONES, default)
b1, b2, b3 = st.columns([3, 1, 1])
chosen = b1.multiselect("Milestones", options=list(options), format_func=options.get, key=K_MILESTONES)
window = b2.number_input("Days each side", min_value=3, max_value=42, value=14, step=1, key=K_WINDOW)
ba_metric = b3.radio("Compare", options=["events", "fatalities"], key=K_BA_METRIC)

pool = session.filtered_events(events_all, vs, with_range=False)
ms = milestones.loc[milestones["milestone_id"].isin(chosen)]
if len(ms) == 0 or len(pool) == 0:
    st.info("Choose at least one milestone (and loosen the filters if no event matches).")
else:
    table = before_after(pool, ms, window_days=int(window), coverage=(vsm.WINDOW_START, vsm.WINDOW_END))
    table["milestone"] = table["milestone_id"].map(options)
    table["governorate"] = table["name"].where(table["group"] != "all", "All Syria")
    col_b, col_a, col_pct = f"{ba_metric}_before", f"{ba_metric}_after", f"{ba_metric}_change_pct"
    heat = (
        alt.Chart(table)
        .mark_rect()
        .encode(
            x=alt.X(
                "milestone:N",
                sort=list(options.values()),
                title=None,
                axis=alt.Axis(labelAngle=-35, labelLimit=200, labelOverlap=False),
            ),
            y=alt.Y("governorate:N", title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color(
                f"{col_pct}:Q",
                title="change, %",
                scale=alt.Scale(scheme="redblue", reverse=True, domainMid=0, clamp=True, domain=[-100, 200]),
            ),
            tooltip=["milestone:N", "governorate:N", f"{col_b}:Q", f"{col_a}:Q", f"{col_pct}:Q", "days_before:Q", "days_after:Q"],
        )
        .properties(height=alt.Step(20))
    )
    st.altair_chart(heat, width="stretch")
    shown = table[["milestone", "governorate", "days_before", "days_after", col_b, col_a, col_pct]].rename(
        columns={col_b: "before", col_a: "after", col_pct: "change of daily rate, %"}
    )
    st.dataframe(shown, width="stretch", hide_index=True)
    st.download_button(
        "Download the table (CSV)",
        data=table.drop(columns=["milestone"]).to_csv(index=False).encode("utf-8"),
        file_name=f"before_after_{int(window)}d.csv",
        mime="text/csv",
        key="tr_download",
    )

with st.expander("What the classes mean"):
    st.markdown("\n".join(f"- **{t.label}**: {t.description}" for t in TRUCE_CLASS.values()))
    st.caption("The full rules and the actor table are on the Rules page.")
