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

Layout, map first: a narrow column of controls (dates, time tools, search, milestones, colours,
layers) beside the map, which fills the window's height (``MAP_CSS``, ``layers.assets.fill_frame``);
notes, tables and the share panel below.  Time tools (``webapp/timecontrols.py``): step buttons
(±1, ±7 days), play (a timer that moves the control date, the map updating in place) and "compare
with" a second date (``cmp=`` in the link): a second map of that date's zones beside the main one,
the areas that changed hands between the two dates outlined on both (``geo.control.changed_areas``,
as on the Control change page).
"""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import grid
from geo.schema import COUNTRY_ONLY
from geo.vocabulary import LAYER
from layers.assets import add_view_in_address_bar, base_map, fill_frame, forget_replaced_groups
from layers.boundaries import add_boundary_pane, boundaries_group, boundaries_note
from layers.changes import changes_highlight_layer
from layers.choropleth import add_choropleth_legend, choropleth_layer, zones_outline_layer
from layers.events import event_overlay
from layers.legend import add_legend, add_note
from layers.safe import esc
from layers.towns import towns_group
from layers.zones import zones_group
from webapp import mapdata, mapframe, session
from webapp import timecontrols as tc
from webapp import viewstate as vsm
from webapp.eventlist import render_event_list
from webapp.internals import STREAMLIT_URL_HOOKS
from webapp.search import render_place_search

#: The map's height in pixels where the window's height is unknown (AppTest, a first paint);
#: in the browser the map fills the window's height (MAP_CSS).
MAP_HEIGHT = 640
#: Most rows of the table of events located only to Syria (the export has them all).
COUNTRY_ROWS = 1000
#: Layout of the Map page: top padding cut to the height of Streamlit's (transparent) header bar,
#: which would otherwise lie over the map's top edge, and the map iframe as tall as the window
#: less the padding above and below it (a floor keeps it usable in a small window); when two maps
#: are compared, less the line over each.
MAP_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.75rem 1.5rem 2rem 1.5rem; }
.st-key-scm_map iframe[title="streamlit_folium.st_folium"] { height: max(420px, calc(100vh - 5.5rem)) !important; }
.st-key-scm_map [data-testid="stColumn"] iframe[title="streamlit_folium.st_folium"] {
  height: max(400px, calc(100vh - 7.3rem)) !important; }
.st-key-scm_controls { gap: 0.55rem; }
.st-key-scm_controls button { padding-left: 0.3rem; padding-right: 0.3rem; }
</style>"""

vs = st.session_state["vs"]
store, mtime = session.store_key()

# --- layout: map first ----------------------------------------------------------------------
# A narrow column of controls beside a map that fills the height of the window (its iframe and
# the map inside follow the viewport: MAP_CSS here, ``layers.assets.fill_frame`` in the frame);
# the notes, tables and share panel come below.  The page's top padding is cut so the map
# starts high (the CSS lives only while this page is shown).
st.html(MAP_CSS)
left_col, right = st.columns([10, 27], gap="small")
left = left_col.container(key="scm_controls")
with left:
    st.markdown("##### Syria ceasefire monitor: map")

# --- dates ------------------------------------------------------------------------------
session.restore_widget(session.K_DATE, vs.date)
session.restore_widget(session.K_RANGE, (vs.start, vs.end))
MILESTONES = mapdata.milestone_options(store, mtime)


def _jump_to_milestone() -> None:
    choice = st.session_state.get(session.K_MILESTONE)
    if choice in MILESTONES:
        d0, _d1 = MILESTONES[choice]
        st.session_state[session.K_DATE] = d0


def _timeline(control_date, event_range) -> None:
    """A thin time axis under the sliders (``webapp.mapdata.timeline_svg``): milestones, the control
    date and the event range."""
    # Built only from numbers and esc()-escaped labels, so raw HTML is safe here (st.html's
    # sanitiser drops inline SVG: the strip vanished when we tried it).
    st.markdown(mapdata.timeline_svg(store, mtime, control_date, event_range), unsafe_allow_html=True)
    st.caption("Grey ticks: milestones (hover for names). Red bar: control date. Pink band: event range.")


with left:
    session.day_slider(
        "Control snapshot date",
        session.K_DATE,
        "Zones and the holders shown in town popups are those of this day. Arrow keys move it by one day; "
        "the buttons below by a day or a week.",
    )
    tc.step_buttons()
    tc.play_controls()
    tc.compare_input()
    session.day_slider("Events between", session.K_RANGE, "Both ends inclusive. Default: the whole window.")
    _timeline(st.session_state[session.K_DATE], st.session_state[session.K_RANGE])
    render_place_search(vs)  # find any place, fly there, open its card (webapp/search.py)
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
    session.restore_widget(session.K_COLOR_BY, vs.colour)  # in the link: colour=party
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
    st.markdown("**Layers**", help=" · ".join(f"{term.label}: {term.description}" for term in LAYER.values()))
    cols = st.columns(2, gap="small")
    for i, (name, term) in enumerate(LAYER.items()):
        cols[i % 2].checkbox(term.label, key=session.K_LAYER[name], help=term.description)

vs = session.sync()
show = set(vs.layers)
day = vs.date.isoformat()
color_by = vs.colour  # "Colour events by" (session.sync folds the radio into the state)

# --- data -------------------------------------------------------------------------------
events_all = session.load_events(store, mtime)
positions = session.view_positions(vs)  # the view's events, as row positions in events_all: no copy of them
official = session.boundaries_official(store, mtime)
arrays = mapdata.event_arrays(store, mtime, color_by)  # once per store version and colouring (webapp/mapdata.py)


# --- compare two dates (cmp= in the link) ------------------------------------------------------
def _changes_group(vs) -> tuple[list, int]:
    """The highlight of the areas that changed hands between the control and compare dates
    (a list of one feature group, or none without a compare date) and their number."""
    if vs.cmp is None:
        return [], 0
    d1, d2 = sorted([vs.date.isoformat(), vs.cmp.isoformat()])
    areas = mapdata.changed_areas(store, mtime, d1, d2)
    return [changes_highlight_layer(areas, d1, d2, name=f"Changed hands {d1} to {d2}")], len(areas)


def _compare_map(vs, origin, boundaries: bool, official: bool) -> None:
    """The second map: the zones of the compare date under the highlight of what changed.

    Built like the main map (same first view, so its frame stays; zones in place), it follows the
    main map's centre and zoom at each run.
    """
    cmp_day = vs.cmp.isoformat()
    m2 = fill_frame(base_map(center=origin[:2], zoom=origin[2], height=MAP_HEIGHT))
    add_boundary_pane(m2)
    if boundaries:
        boundaries_group(session.boundary_lines(store, mtime), official=official, shared=True).add_to(m2)
    add_legend(m2, zones=True, events=False, towns=False, color_by=vs.colour, synthetic=False)
    lo, hi = session.control_coverage(store, mtime)
    layers = [zones_group(mapdata.zone_data(store, mtime, cmp_day)[0], name=f"Control zones on {cmp_day}", shared=True)] \
        if lo <= vs.cmp <= hi else []  # no zones where no control data covers the day
    st_folium(
        m2,
        key="compare_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=[forget_replaced_groups(g) if i == 0 else g
                              for i, g in enumerate([*layers, *_changes_group(vs)[0]])],
        returned_objects=[],
        center=(vs.lat, vs.lon),
        zoom=vs.zoom,
    )


# --- base map: changes only with the toggles --------------------------------------------
# Built at the session's first view, not the current one: the map's script (and so the
# component's identity) must not change when the view does, or the iframe would reload.  The
# current centre and zoom go to ``st_folium(center=, zoom=)``, which moves the map in place.
origin = st.session_state.setdefault("map_origin", (vs.lat, vs.lon, vs.zoom))
m = base_map(center=origin[:2], zoom=origin[2], tiles="basemap" in show, height=MAP_HEIGHT)
fill_frame(m)  # the map fills its iframe, whose height follows the window (MAP_CSS)
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
if "context" in show:  # offline geography, drawn under the zones (layers/context.py): its panes here,
    from layers.context import add_context_panes  # the layer with the dynamic ones (its data sent once)

    add_context_panes(m)
synthetic_any = bool(arrays.synthetic.any())
many = int(arrays.drawable.sum()) > grid.POINT_LIMIT  # the map may count events per square (geo/grid.py)
add_legend(
    m,
    zones="zones" in show,
    events="events" in show,
    towns="towns" in show,
    color_by=color_by,
    synthetic=synthetic_any,
    context="context" in show,
    aggregated=many,
)
if vs.choro != "off":
    add_choropleth_legend(m, vs.choro, zones="zones" in show)
if "boundaries" in show and not official:
    add_note(m, "Governorate boundaries not marked official (imported file)")

# --- dynamic layers: updated in place ------------------------------------------------------
# The context and the boundaries change only with the toggles and the store, but they go with the
# dynamic layers: each layer's data is sent to the map's frame once, then referred to
# (webapp.mapframe), and the base map's script is sent again at every rerun.  (Their order on the
# map is by pane and kind: layers/context.py, layers/canvas.py.)
groups = []
if "context" in show:
    from geo.context import context_version
    from layers.context import context_group

    groups.append(context_group(mapdata.context_data(context_version()), shared=True))
if "boundaries" in show:
    groups.append(boundaries_group(session.boundary_lines(store, mtime), official=official, shared=True))
counts = {"zones": 0, "towns": 0, "events": 0}
if vs.choro != "off":  # drawn first, under the zones (outlines then) and the events
    from geo.admin import district_totals

    districts = district_totals(session.filtered_events(events_all, vs), session.load_boundaries(store, mtime, 2))
    groups.append(choropleth_layer(districts, vs.choro, range_label=f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"))
covered = session.control_coverage(store, mtime)  # zones only on days the control records cover
if "zones" in show and covered[0] <= vs.date <= covered[1]:
    if vs.choro != "off":
        zones = session.load_zones(store, mtime, day)
        groups.append(zones_outline_layer(zones, name=f"Control zones on {day}"))
        counts["zones"] = len(zones)
    else:
        zone_data, counts["zones"] = mapdata.zone_data(store, mtime, day)
        groups.append(zones_group(zone_data, name=f"Control zones on {day}", shared=True))
if "events" in show:
    # points while few; counts per square (by zoom) when many; vs.ev: the row chosen in the event list
    ev = event_overlay(events_all, lat=vs.lat, lon=vs.lon, zoom=vs.zoom, color_by=color_by, selected=vs.ev,
                       arrays=arrays, positions=positions, limit=grid.POINT_LIMIT)
    groups.append(ev.group)
    counts["events"] = ev.drawn
if "towns" in show:
    range_start, range_end = vs.start.isoformat(), vs.end.isoformat()
    town_data, counts["towns"] = mapdata.town_data(store, mtime, day, session.towns_key(store, mtime, range_start, range_end),
                                            tuple(vs.govs), range_start, range_end)
    groups.append(towns_group(town_data, shared=True))
if "events" in show and ev.mode != "points":
    with left:  # a rerun adopts the map's current view (session.sync), so the events around it are drawn
        st.button("Show the events here", key="w_events_here", icon=":material/my_location:",
                  help=f"Too many events to draw one by one: they are counted per square. From zoom {grid.POINTS_ZOOM}, "
                  f"this draws the events around the map's centre one by one (at most {grid.POINT_LIMIT:,}).")
highlight, counts["changed"] = _changes_group(vs)  # compare mode: on both maps
groups.extend(highlight)
if groups:
    forget_replaced_groups(groups[0])  # the browser frees the layers this rerun replaces

# --- the centre and zoom handed to the map --------------------------------------------------
# streamlit-folium moves the map whenever these arguments change.  A view adopted from the
# address bar (the user's own pan, see session.sync) is already on the map: handing it back would
# move the map to where it was when this run started, undoing a pan made meanwhile.  So they
# change only when the app moves the view itself or when a new map frame opens (page entered,
# or a base-map change, which reloads the frame: everything the base map is built from is in
# ``base_sig``).
ss = st.session_state
# (``vs.cmp is None``: entering or leaving compare mode moves the map into or out of a column,
# so Streamlit mounts a new frame.)
base_sig = (origin, tuple(sorted(show)), color_by, vs.choro, synthetic_any, many, official, store, mtime,
            vs.cmp is None)
fresh_frame = ss.get("map_args") is None or ss.get("map_base_sig") != base_sig or ss.get("page_prev") != "map"
if fresh_frame or ss.get(session.K_VIEW_COMMANDED):
    ss["map_args"] = (vs.lat, vs.lon, vs.zoom)
ss["map_base_sig"] = base_sig
map_args = ss["map_args"]
mapframe.share_layers(groups, key="main_map", fresh=fresh_frame)  # unchanged layers go as references

with right, st.container(key="scm_map"):
    map_a, map_b = st.columns(2, gap="small") if vs.cmp else (st.container(), None)
    with map_a:
        if vs.cmp:
            st.caption(esc(f"Control date {day}: zones, towns and events"))
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
            on_change=mapframe.frame_reported("main_map"),
        )
    if vs.cmp:
        with map_b:
            st.caption(esc(f"Compared with {vs.cmp.isoformat()}: zones"))
            _compare_map(vs, origin, "boundaries" in show, official)

# --- what is on the map -------------------------------------------------------------------
st.caption(
    "Nationwide ceasefire of 30 December 2016 and the Astana process, December 2016 – March 2017. "
    "Zones are derived from dated, sourced locality control records; events are located and dated as their sources say."
)
notes = [
    (f"Control zones on {day}: {counts['zones']} party zone(s)." if covered[0] <= vs.date <= covered[1] else
     f"No control data for {day}: the control records cover {covered[0]:%Y-%m-%d} to {covered[1]:%Y-%m-%d}, so no "
     "zones are drawn.") if "zones" in show else "Control zones hidden.",
    f"Cited towns: {counts['towns']}." if "towns" in show else "Cited towns hidden.",
]
if vs.cmp:
    notes.append(
        f"Compared with {vs.cmp.isoformat()}: {counts['changed']} area(s) changed hands between the two dates "
        "(dark dashed outlines on both maps, hover for the parties; derived from the locality control records "
        "as on the Control change page)."
    )
if "events" in show:
    line = f"Violation points {vs.start:%Y-%m-%d} to {vs.end:%Y-%m-%d}: {counts['events']} drawn"
    if "events" in show and ev.hollow:
        line += f" ({ev.hollow} located only to a district or governorate centre, drawn hollow)"
    if ev.aggregated:
        line += (f"; {ev.aggregated:,} of them counted in {ev.cells:,} discs (squares of {ev.cell_size:g}°) and district or "
                 f"governorate centres, as more than {grid.POINT_LIMIT:,} are too many to draw one by one (zoom in "
                 f"to {grid.POINTS_ZOOM} or closer and press \"Show the events here\", or narrow the filters)")
    if ev.not_drawn:
        line += f"; {ev.not_drawn} located only to the country are listed below, not drawn"
    if ev.synthetic:
        line += f"; {ev.synthetic} SYNTHETIC (test data, not real incidents)"
    notes.append(line + ".")
if vs.choro != "off":
    placed = int(districts["events"].sum())
    notes.append(
        f"Districts coloured by {vs.choro} in the range: {placed:,} of {len(positions):,} events are placed in a "
        f"district; the other {len(positions) - placed:,} are located only to a governorate or to Syria."
    )
st.caption(" ".join(esc(n) for n in notes))
if "boundaries" in show:
    if official:
        st.caption(esc(boundaries_note(True)))
    else:
        st.info(boundaries_note(False), icon=":material/info:")
if "basemap" not in show:
    st.caption("Basemap tiles are off (they need internet). Turn them on above when a network is available.")

render_event_list(vs, events_all, positions)  # the list synced with the map (webapp/eventlist.py)

# --- events located only to Syria (geo.queries.country_only): listed, never drawn ------------
country, dead = session.country_only_rows(positions)
if len(country):
    with st.expander(f"Located only to Syria: {len(country):,} events, {dead:,} deaths"):
        st.caption(esc(f"These events are {session.IMPRECISE_WORDS[COUNTRY_ONLY]}."))
        headers = {"date_start": "From", "date_end": "To", "actor1": "Side 1", "actor2": "Side 2",
                   "event_type": "Type", "fatalities": "Fatalities", "dataset": "Dataset", "event_id": "Event id"}
        if len(country) > COUNTRY_ROWS:
            st.caption(f"The first {COUNTRY_ROWS:,} of {len(country):,}; the Events CSV of the share panel has them all.")
        rows = events_all.iloc[country[:COUNTRY_ROWS]]
        table = pd.DataFrame(rows[[c for c in headers if c in rows.columns]]).copy()
        for c in ("date_start", "date_end"):
            if c in table.columns:
                table[c] = pd.to_datetime(table[c]).dt.strftime("%Y-%m-%d")
        st.dataframe(table.rename(columns=headers), hide_index=True, width="stretch", key="w_country_only_table")

# --- share panel (briefing-links) ---
from webapp import share  # noqa: E402 - link, focus and export controls (pages/share.py)

share.render_share_panel(vs, count=len(positions))
# --- end share panel ---
