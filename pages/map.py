"""Map page: control zones, cited towns and violation points at the selected dates.

Rendering design (see README "Architecture"): the base map (boundaries, legend, notes, optional
tiles) changes only when a layer toggle changes; the date-dependent layers (zones, towns,
events) go through ``st_folium(feature_group_to_add=...)``, which updates them in place, so a
slider move neither reloads the map iframe nor loses its zoom and centre.
``returned_objects=[]``: panning or zooming never reruns the app; a small script in the map
(``layers.assets.add_view_in_address_bar``) writes the new centre and zoom into the address bar,
and ``session.sync`` adopts them at the next run.

Layer toggles are Streamlit widgets kept in the URL (``layers=``); the in-map layer control
(passed as ``layer_control=`` so it sees the dynamic layers) hides a layer for the moment only.
"""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.queries import country_only
from geo.schema import COUNTRY_ONLY
from geo.vocabulary import LAYER
from layers.assets import add_view_in_address_bar, base_map
from layers.boundaries import add_boundary_pane, boundaries_layer, boundaries_note
from layers.choropleth import add_choropleth_legend, choropleth_layer, zones_outline_layer
from layers.events import events_layer
from layers.legend import add_legend, add_note
from layers.safe import esc
from layers.towns import towns_layer
from layers.zones import zones_layer
from webapp import session
from webapp import viewstate as vsm
from webapp.internals import STREAMLIT_URL_HOOKS

MAP_HEIGHT = 640

vs = st.session_state["vs"]
store, mtime = session.store_key()
milestones = session.load_milestones(store, mtime)

st.subheader("Syria ceasefire monitor: map")
st.caption(
    "Nationwide ceasefire of 30 December 2016 and the Astana process, December 2016 – March 2017. "
    "Zones are derived from dated, sourced locality control records; events are located and dated as their sources say."
)

# --- dates ------------------------------------------------------------------------------
session.restore_widget(session.K_DATE, vs.date)
session.restore_widget(session.K_RANGE, (vs.start, vs.end))


def _milestone_options() -> dict[str, tuple]:
    opts = {}
    for r in milestones.itertuples(index=False):
        if pd.isna(r.date_start):
            continue
        d0 = pd.Timestamp(r.date_start).date()
        d1 = d0 if pd.isna(r.date_end) else pd.Timestamp(r.date_end).date()
        if vsm.WINDOW_START <= d0 <= vsm.WINDOW_END:
            label = f"{d0:%d %b %Y} – {r.label}" if d1 == d0 else f"{d0:%d %b}–{d1:%d %b %Y} – {r.label}"
            opts[label] = (d0, d1)
    return opts


MILESTONES = _milestone_options()


def _jump_to_milestone() -> None:
    choice = st.session_state.get(session.K_MILESTONE)
    if choice in MILESTONES:
        d0, _d1 = MILESTONES[choice]
        st.session_state[session.K_DATE] = d0


def _timeline(control_date, event_range) -> None:
    """A thin time axis under the sliders, as inline SVG (escaped text, no script): milestones
    (grey ticks, hover for names), the control date (red line) and the event range (band)."""
    W = 600  # viewBox width, close to the column's width in pixels so the labels are not distorted
    lo = pd.Timestamp(vsm.WINDOW_START)
    span = (pd.Timestamp(vsm.WINDOW_END) + pd.Timedelta(days=1) - lo).days

    def x(day, end: bool = False) -> float:
        days = (pd.Timestamp(day) - lo).days + (1 if end else 0)
        return round(W * days / span, 1)

    parts = [
        f'<rect x="{x(event_range[0])}" y="4" width="{max(1.0, x(event_range[1], True) - x(event_range[0]))}" '
        'height="14" fill="#B2182B" fill-opacity="0.15"/>',
        f'<line x1="0" y1="18" x2="{W}" y2="18" stroke="#999" stroke-width="1"/>',
    ]
    for label, (d0, d1) in MILESTONES.items():
        w = max(3.0, x(d1, True) - x(d0))
        parts.append(f'<rect x="{x(d0)}" y="6" width="{w}" height="12" fill="#333" fill-opacity="0.6">'
                     f"<title>{esc(label)}</title></rect>")
    parts.append(f'<rect x="{x(control_date) - 1}" y="0" width="2" height="22" fill="#B2182B"/>')
    for month in pd.date_range(lo, vsm.WINDOW_END, freq="MS"):
        parts.append(f'<text x="{x(month) + 2}" y="31" font-size="10" fill="#666">{month:%b %Y}</text>')
    svg = (
        f'<svg viewBox="0 0 {W} 34" preserveAspectRatio="none" width="100%" height="34" '
        'role="img" aria-label="Milestones, control date and event range">' + "".join(parts) + "</svg>"
    )
    # Built only from numbers and esc()-escaped labels, so raw HTML is safe here (st.html's
    # sanitiser drops inline SVG: the strip vanished when we tried it).
    st.markdown(svg, unsafe_allow_html=True)
    st.caption("Grey ticks: milestones (hover for names). Red bar: control date. Pink band: event range.")


c1, c2 = st.columns([3, 2])
with c1:
    session.day_slider(
        "Control snapshot date",
        session.K_DATE,
        "Zones and the holders shown in town popups are those of this day. Arrow keys move it by one day.",
    )
    session.day_slider("Events between", session.K_RANGE, "Both ends inclusive. Default: the whole window.")
    _timeline(st.session_state[session.K_DATE], st.session_state[session.K_RANGE])
with c2:
    st.selectbox(
        "Jump to a milestone",
        options=list(MILESTONES),
        index=None,
        placeholder="choose a milestone to set the control date",
        key=session.K_MILESTONE,
        on_change=_jump_to_milestone,
    )
    if MILESTONES:
        current = st.session_state[session.K_DATE]
        rows = [
            {"": "▶" if d0 <= current <= d1 else "", "from": d0, "to": d1, "milestone": label.split(" – ", 1)[-1]}
            for label, (d0, d1) in MILESTONES.items()
        ]
        with st.expander("Milestones", expanded=False):
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_milestone_table")
    else:
        st.caption("No milestones loaded.")
    session.restore_widget(session.K_COLOR_BY, "class")
    st.radio(
        "Colour events by",
        options=["class", "party"],
        format_func=lambda v: "truce class" if v == "class" else "alleged perpetrator",
        key=session.K_COLOR_BY,
        horizontal=True,
    )
    session.restore_widget(session.K_CHORO, vs.choro)
    st.radio(
        "Colour districts by",
        options=list(vsm.CHORO_MODES),
        key=session.K_CHORO,
        horizontal=True,
        help="Fill the 62 districts by the events (or fatalities) in the event range and filters; "
        "the zones are then drawn as outlines.",
    )

# --- layer toggles (in the URL) ---------------------------------------------------------
for name, key in session.K_LAYER.items():
    session.restore_widget(key, name in vs.layers)
cols = st.columns(len(LAYER))
for col, (name, term) in zip(cols, LAYER.items(), strict=True):
    col.checkbox(term.label, key=session.K_LAYER[name])
st.caption(" · ".join(f"{term.label}: {term.description}" for term in LAYER.values()))

vs = session.sync()
show = set(vs.layers)
day = vs.date.isoformat()
color_by = st.session_state[session.K_COLOR_BY]

# --- data -------------------------------------------------------------------------------
events_all = session.load_events(store, mtime)
events = session.filtered_events(events_all, vs)
official = session.boundaries_official(store, mtime)

# --- base map: changes only with the toggles --------------------------------------------
# Built at the session's first view, not the current one: the map's script (and so the
# component's identity) must not change when the view does, or the iframe would reload.  The
# current centre and zoom go to ``st_folium(center=, zoom=)``, which moves the map in place.
origin = st.session_state.setdefault("map_origin", (vs.lat, vs.lon, vs.zoom))
m = base_map(center=origin[:2], zoom=origin[2], tiles="basemap" in show, height=MAP_HEIGHT)
add_view_in_address_bar(
    m,
    home=(*vsm.DEFAULT_CENTER, vsm.DEFAULT_ZOOM),
    lat_range=vsm.LAT_RANGE,
    lon_range=vsm.LON_RANGE,
    zoom_range=(vsm.MIN_ZOOM, vsm.MAX_ZOOM),
    decimals=vsm.COORD_DECIMALS,
    host_hooks=STREAMLIT_URL_HOOKS,  # tells Streamlit's frontend (webapp/internals.py)
)
add_boundary_pane(m)
if "boundaries" in show:
    gov = session.load_boundaries(store, mtime, 1)
    country = session.load_boundaries(store, mtime, 0)
    boundaries_layer(gov, country, official=official).add_to(m)
synthetic_any = bool(len(events_all)) and bool((events_all["dataset"] == "synthetic").any())
add_legend(
    m,
    zones="zones" in show,
    events="events" in show,
    towns="towns" in show,
    color_by=color_by,
    synthetic=synthetic_any,
)
if vs.choro != "off":
    add_choropleth_legend(m, vs.choro, zones="zones" in show)
if "boundaries" in show and not official:
    add_note(m, "Governorate boundaries not marked official (imported file)")

# --- dynamic layers: updated in place ------------------------------------------------------
groups = []
counts = {"zones": 0, "towns": 0, "events": 0}
if vs.choro != "off":  # drawn first, under the zones (outlines then) and the events
    from geo.admin import district_totals

    districts = district_totals(events, session.load_boundaries(store, mtime, 2))
    groups.append(choropleth_layer(districts, vs.choro, range_label=f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"))
if "zones" in show:
    zones = session.load_zones(store, mtime, day)
    zone_layer = zones_outline_layer if vs.choro != "off" else zones_layer
    groups.append(zone_layer(zones, name=f"Control zones on {day}"))
    counts["zones"] = len(zones)
if "events" in show:
    ev = events_layer(events, color_by=color_by)
    groups.append(ev.group)
    counts["events"] = ev.drawn
if "towns" in show:
    towns = session.load_towns(store, mtime, day, vs.start.isoformat(), vs.end.isoformat())
    groups.append(towns_layer(towns, date_label=day))
    counts["towns"] = len(towns)

# --- the centre and zoom handed to the map --------------------------------------------------
# streamlit-folium moves the map whenever these arguments change.  A view adopted from the
# address bar (the user's own pan, see session.sync) is already on the map: handing it back would
# move the map to where it was when this run started, undoing a pan made meanwhile.  So they
# change only when the app moves the view itself or when a new map frame opens (page entered,
# or a base-map change, which reloads the frame: everything the base map is built from is in
# ``base_sig``).
ss = st.session_state
base_sig = (origin, tuple(sorted(show)), color_by, vs.choro, synthetic_any, official, store, mtime)
fresh_frame = ss.get("map_args") is None or ss.get("map_base_sig") != base_sig or ss.get("page_prev") != "map"
if fresh_frame or ss.get(session.K_VIEW_COMMANDED):
    ss["map_args"] = (vs.lat, vs.lon, vs.zoom)
ss["map_base_sig"] = base_sig
map_args = ss["map_args"]

st_folium(
    m,
    key="main_map",
    height=MAP_HEIGHT,
    use_container_width=True,
    feature_group_to_add=groups,
    layer_control=folium.LayerControl(collapsed=True, position="topright"),
    returned_objects=[],
    center=map_args[:2],
    zoom=map_args[2],
)

# --- what is on the map -------------------------------------------------------------------
notes = [
    f"Control zones on {day}: {counts['zones']} party zone(s)." if "zones" in show else "Control zones hidden.",
    f"Cited towns: {counts['towns']}." if "towns" in show else "Cited towns hidden.",
]
if "events" in show:
    line = f"Violation points {vs.start:%Y-%m-%d} to {vs.end:%Y-%m-%d}: {counts['events']} drawn"
    if "events" in show and ev.hollow:
        line += f" ({ev.hollow} located only to a district or governorate centre, drawn hollow)"
    if ev.not_drawn:
        line += f"; {ev.not_drawn} located only to the country are listed below, not drawn"
    if ev.synthetic:
        line += f"; {ev.synthetic} SYNTHETIC (test data, not real incidents)"
    notes.append(line + ".")
if vs.choro != "off":
    placed = int(districts["events"].sum())
    notes.append(
        f"Districts coloured by {vs.choro} in the range: {placed:,} of {len(events):,} events are placed in a "
        f"district; the other {len(events) - placed:,} are located only to a governorate or to Syria."
    )
st.caption(" ".join(esc(n) for n in notes))
if "boundaries" in show:
    if official:
        st.caption(esc(boundaries_note(True)))
    else:
        st.info(boundaries_note(False), icon=":material/info:")
if "basemap" not in show:
    st.caption("Basemap tiles are off (they need internet). Turn them on above when a network is available.")

with st.expander(f"Events in the selection ({len(events)})"):
    if len(events):
        cols_shown = [
            c
            for c in ("date_start", "place", "admin1_pcode", "admin2_pcode", "actor1", "actor2", "event_type", "truce_class",
                      "fatalities", "geo_precision", "dataset", "source", "event_id")
            if c in events.columns
        ]
        table = pd.DataFrame(events[cols_shown]).copy()
        table["date_start"] = pd.to_datetime(table["date_start"]).dt.strftime("%Y-%m-%d")
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.write("No events match the dates and filters.")

# --- events located only to Syria (geo.queries.country_only): listed, never drawn ------------
country = events.loc[country_only(events)] if len(events) else events
if len(country):
    dead = int(pd.to_numeric(country["fatalities"], errors="coerce").fillna(0).sum())
    with st.expander(f"Located only to Syria: {len(country):,} events, {dead:,} deaths"):
        st.caption(esc(f"These events are {session.IMPRECISE_WORDS[COUNTRY_ONLY]}."))
        shown = [c for c in ("date_start", "date_end", "actor1", "actor2", "event_type", "fatalities", "dataset",
                             "event_id") if c in country.columns]
        table = pd.DataFrame(country[shown]).copy()
        for c in ("date_start", "date_end"):
            if c in table.columns:
                table[c] = pd.to_datetime(table[c]).dt.strftime("%Y-%m-%d")
        st.dataframe(table, hide_index=True, width="stretch", key="w_country_only_table")

# --- share panel (briefing-links) ---
from webapp import share  # noqa: E402 - link, focus and export controls (pages/share.py)

share.render_share_panel(vs, events=events)
# --- end share panel ---
