"""What the Map page works out once per store version (and day, colouring, documents), cached and
shared by every session (``pages/map.py``): the milestones and the timeline's marks, the events'
arrays, the zones', towns' and context's layer data, and the areas that changed hands.

Defined here, not in the page: a page script runs at every rerun, and Streamlit works out the key of
a cached function from its source each time the decorator runs (``inspect.getsource``; 7 % of the
server's CPU under ten sessions of ``bench/load.py`` when these lived in the pages).  The layer data
is read-only once cached: each rerun only wraps it (``layers.safe.JsonSpec.shared_by``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import control as ctl
from layers.events import event_arrays as _event_arrays
from layers.safe import esc
from layers.towns import towns_spec
from layers.zones import zones_geojson
from webapp import session
from webapp import viewstate as vsm

#: The timeline's viewBox width, close to the column's width in pixels (labels not distorted).
TIMELINE_W = 600
_TIMELINE_LO = pd.Timestamp(vsm.WINDOW_START)
_TIMELINE_SPAN = (pd.Timestamp(vsm.WINDOW_END) + pd.Timedelta(days=1) - _TIMELINE_LO).days


@st.cache_data(show_spinner=False, max_entries=4)
def milestone_options(store: str, mtime: float) -> dict[str, tuple]:
    """Label -> (first day, last day) of the milestones in the window: once per store version."""
    opts = {}
    for r in session.load_milestones(store, mtime).itertuples(index=False):
        if pd.isna(r.date_start):
            continue
        d0 = pd.Timestamp(r.date_start).date()
        d1 = d0 if pd.isna(r.date_end) else pd.Timestamp(r.date_end).date()
        if vsm.WINDOW_START <= d0 <= vsm.WINDOW_END:
            label = f"{d0:%d %b %Y} – {r.label}" if d1 == d0 else f"{d0:%d %b}–{d1:%d %b %Y} – {r.label}"
            opts[label] = (d0, d1)
    return opts


def _x(day, end: bool = False) -> float:
    """Where ``day`` (its start, or its end) lies on the timeline, in viewBox units."""
    days = (pd.Timestamp(day) - _TIMELINE_LO).days + (1 if end else 0)
    return round(TIMELINE_W * days / _TIMELINE_SPAN, 1)


@st.cache_data(show_spinner=False, max_entries=4)
def _timeline_marks(store: str, mtime: float) -> tuple[str, str]:
    """The timeline's milestone ticks (escaped names) and month labels, as SVG: once per store version."""
    ticks = "".join(f'<rect x="{_x(d0)}" y="6" width="{max(3.0, _x(d1, True) - _x(d0))}" height="12" fill="#333" '
                    f'fill-opacity="0.6"><title>{esc(label)}</title></rect>'
                    for label, (d0, d1) in milestone_options(store, mtime).items())
    months = "".join(f'<text x="{_x(month) + 2}" y="31" font-size="10" fill="#666">{month:%b %Y}</text>'
                     for month in pd.date_range(_TIMELINE_LO, vsm.WINDOW_END, freq="MS"))
    return ticks, months


def timeline_svg(store: str, mtime: float, control_date, event_range) -> str:
    """A thin time axis as inline SVG (escaped text, no script): milestones (grey ticks, hover for
    names), the control date (red line) and the event range (band).

    Parameters
    ----------
    store : str
    mtime : float
        The store and its version (``session.store_key``).
    control_date : date
    event_range : (date, date)

    Returns
    -------
    str
        ``<svg>`` markup built only from numbers and escaped labels.
    """
    ticks, months = _timeline_marks(store, mtime)
    parts = [
        f'<rect x="{_x(event_range[0])}" y="4" width="{max(1.0, _x(event_range[1], True) - _x(event_range[0]))}" '
        'height="14" fill="#B2182B" fill-opacity="0.15"/>',
        f'<line x1="0" y1="18" x2="{TIMELINE_W}" y2="18" stroke="#999" stroke-width="1"/>',
        ticks,
        f'<rect x="{_x(control_date) - 1}" y="0" width="2" height="22" fill="#B2182B"/>',
        months,
    ]
    return (
        f'<svg viewBox="0 0 {TIMELINE_W} 34" preserveAspectRatio="none" width="100%" height="34" '
        'role="img" aria-label="Milestones, control date and event range">' + "".join(parts) + "</svg>"
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def event_arrays(store: str, mtime: float, color_by: str):
    """What the events layer needs of every loaded event, as arrays (``layers.events.event_arrays``):
    computed once per store version and colouring, shared by every session (read-only)."""
    return _event_arrays(session.load_events(store, mtime), color_by)


@st.cache_resource(show_spinner=False, max_entries=16)
def zone_data(store: str, mtime: float, day: str) -> tuple[dict, int]:
    """(``layers.zones.zones_geojson``, number of zones) of the control zones on ISO ``day``."""
    zones = session.load_zones(store, mtime, day)
    return zones_geojson(zones), len(zones)


@st.cache_resource(show_spinner=False, max_entries=16)
def town_data(store: str, mtime: float, day: str, documents: tuple, govs: tuple, _start: str, _end: str):
    """(``layers.towns.towns_spec``, number of towns) of the cited towns of the event range
    [``_start``, ``_end``] on ISO ``day`` in governorates ``govs`` (all when empty).  Cached by the
    documents the range selects (``session.towns_key``): the towns depend on nothing else of the range
    (the underscored arguments are not part of the key)."""
    towns = session.load_towns(store, mtime, day, _start, _end)
    if govs:  # the governorate filter applies to the cited towns too
        towns = towns.loc[towns["admin1_pcode"].isin(govs)]
    return towns_spec(towns, date_label=day), len(towns)


@st.cache_resource(show_spinner=False, max_entries=2)
def context_data(version: int):
    """``layers.context.context_data`` of the shipped context file (``geo.context.context_version``)."""
    from geo.context import load_context
    from layers.context import context_data as _context_data

    return _context_data(load_context())


@st.cache_data(show_spinner=False, max_entries=16)
def changed_areas(store: str, mtime: float, d1: str, d2: str):
    """Areas that changed hands between ISO days ``d1`` <= ``d2``: ``geo.control.changed_areas``,
    the computation of the Control change page (derived zones; imported zone polygons not used)."""
    cat = session._catalog(store)  # the shipped data alone when the store is unreadable
    return ctl.changed_areas(cat.control(), cat.localities(), cat.boundaries(0), d1, d2,
                             neighbourhoods=cat.neighbourhoods())
