"""Map page: control zones, cited towns and violation points at the selected dates.

Rendering design (see README "Architecture"): the base map (boundaries, legend, notes, optional
tiles) changes only when a layer toggle changes; the date-dependent layers (zones, towns,
events) go through ``st_folium(feature_group_to_add=...)``, which updates them in place, so a
slider move neither reloads the map iframe nor loses its zoom and centre.
``returned_objects=[]``: panning or zooming never reruns the app.

Layer toggles are Streamlit widgets kept in the URL (``layers=``); the in-map layer control
(passed as ``layer_control=`` so it sees the dynamic layers) hides a layer for the moment only.
"""

from __future__ import annotations

from datetime import timedelta

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import state
import viewstate as vsm
from layers.assets import base_map
from layers.boundaries import add_boundary_pane, boundaries_layer, boundaries_note
from layers.events import events_layer
from layers.legend import add_legend, add_note
from layers.safe import esc
from layers.towns import towns_layer
from layers.zones import zones_layer

MAP_HEIGHT = 640
LAYER_LABELS = {
    "zones": "Zones",
    "towns": "Towns",
    "events": "Events",
    "boundaries": "Boundaries",
    "basemap": "Basemap",
}
LAYER_HELP = {
    "zones": "Control zones on the snapshot date, filled by party",
    "towns": "Towns the sources cite, sized by the number of citing sources",
    "events": "Violation points in the event date range",
    "boundaries": "Governorate boundaries (thin reference lines)",
    "basemap": "OpenStreetMap tiles: needs an internet connection (off in closed networks)",
}

vs = st.session_state["vs"]
store, mtime = state.store_key()
milestones = state.load_milestones(store, mtime)

st.subheader("Syria ceasefire monitor: map")
st.caption(
    "Nationwide ceasefire of 30 December 2016 and the Astana process, December 2016 – March 2017. "
    "Zones are derived from dated, sourced locality control records; events are located and dated as their sources say."
)

# --- dates ------------------------------------------------------------------------------
state.restore_widget(state.K_DATE, vs.date)
state.restore_widget(state.K_RANGE, (vs.start, vs.end))


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
    choice = st.session_state.get(state.K_MILESTONE)
    if choice in MILESTONES:
        d0, _d1 = MILESTONES[choice]
        st.session_state[state.K_DATE] = d0


c1, c2 = st.columns([3, 2])
with c1:
    st.slider(
        "Control snapshot date",
        min_value=vsm.WINDOW_START,
        max_value=vsm.WINDOW_END,
        step=timedelta(days=1),
        format="YYYY-MM-DD",
        key=state.K_DATE,
        help="Zones and the holders shown in town popups are those of this day. Arrow keys move it by one day.",
    )
    st.slider(
        "Events between",
        min_value=vsm.WINDOW_START,
        max_value=vsm.WINDOW_END,
        step=timedelta(days=1),
        format="YYYY-MM-DD",
        key=state.K_RANGE,
        help="Both ends inclusive. Default: the whole window.",
    )
with c2:
    st.selectbox(
        "Jump to a milestone",
        options=list(MILESTONES),
        index=None,
        placeholder="choose a milestone to set the control date",
        key=state.K_MILESTONE,
        on_change=_jump_to_milestone,
    )
    if MILESTONES:
        lines = []
        for label, (d0, _d1) in MILESTONES.items():
            mark = "▶ " if d0 == st.session_state[state.K_DATE] else ""
            lines.append(f"- {mark}{esc(label)}")
        with st.expander("Milestones", expanded=False):
            st.markdown("\n".join(lines))
    else:
        st.caption("No milestones loaded.")

# --- layer toggles (in the URL) ---------------------------------------------------------
for name, key in state.K_LAYER.items():
    state.restore_widget(key, name in vs.layers)
cols = st.columns([1, 1, 1, 1.2, 1.1, 3])
for col, (name, label) in zip(cols, LAYER_LABELS.items(), strict=False):
    col.checkbox(label, key=state.K_LAYER[name], help=LAYER_HELP[name])
state.restore_widget(state.K_COLOR_BY, "class")
cols[-1].radio(
    "Colour events by",
    options=["class", "party"],
    format_func=lambda v: "truce class" if v == "class" else "alleged perpetrator",
    key=state.K_COLOR_BY,
    horizontal=True,
)

vs = state.sync()
show = set(vs.layers)
day = vs.date.isoformat()
color_by = st.session_state[state.K_COLOR_BY]

# --- data -------------------------------------------------------------------------------
events_all = state.load_events(store, mtime)
events = state.filtered_events(events_all, vs)
official = state.boundaries_official(store, mtime)

# --- base map: changes only with the toggles --------------------------------------------
m = base_map(center=(vs.lat, vs.lon), zoom=vs.zoom, tiles="basemap" in show, height=MAP_HEIGHT)
add_boundary_pane(m)
if "boundaries" in show:
    gov = state.load_boundaries(store, mtime, 1)
    country = state.load_boundaries(store, mtime, 0)
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
if "boundaries" in show and not official:
    add_note(m, "Approximate governorate boundaries (not official)")

# --- dynamic layers: updated in place ------------------------------------------------------
groups = []
counts = {"zones": 0, "towns": 0, "events": 0}
if "zones" in show:
    zones = state.load_zones(store, mtime, day)
    groups.append(zones_layer(zones, name=f"Control zones on {day}"))
    counts["zones"] = len(zones)
if "events" in show:
    ev = events_layer(events, color_by=color_by)
    groups.append(ev.group)
    counts["events"] = ev.drawn
if "towns" in show:
    towns = state.load_towns(store, mtime, day)
    groups.append(towns_layer(towns, date_label=day))
    counts["towns"] = len(towns)

st_folium(
    m,
    key="main_map",
    height=MAP_HEIGHT,
    use_container_width=True,
    feature_group_to_add=groups,
    layer_control=folium.LayerControl(collapsed=True, position="topright"),
    returned_objects=[],
    center=(vs.lat, vs.lon),
    zoom=vs.zoom,
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
        line += f"; {ev.not_drawn} located only to the country are listed in the table, not drawn"
    if ev.synthetic:
        line += f"; {ev.synthetic} SYNTHETIC (test data, not real incidents)"
    notes.append(line + ".")
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
            for c in ("date_start", "place", "admin1_pcode", "actor1", "actor2", "event_type", "truce_class",
                      "fatalities", "geo_precision", "dataset", "source", "event_id")
            if c in events.columns
        ]
        table = pd.DataFrame(events[cols_shown]).copy()
        table["date_start"] = pd.to_datetime(table["date_start"]).dt.strftime("%Y-%m-%d")
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.write("No events match the dates and filters.")

# --- share panel (briefing-links) ---
from pages import _share  # noqa: E402 - link, focus and export controls (pages/_share.py)

_share.render_share_panel(vs, events=events)
# --- end share panel ---
