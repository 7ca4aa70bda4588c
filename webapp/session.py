"""Streamlit glue: URL state <-> ViewState, cached data loaders, the shared sidebar.

Only this module, ``app.py`` and ``pages/`` import streamlit.  Cached loaders take plain
arguments (store path, its modification time, ISO dates) and return (Geo)DataFrames; they never
take a GeoDataFrame argument (Streamlit cannot hash those).

URL state: at the first run of a session the query parameters are parsed (validated, with
notices) into a :class:`viewstate.ViewState` kept in ``st.session_state["vs"]``.  Widgets have
explicit keys; their values are folded into the state at the start of every run
(:func:`sync`), and the state is written back to ``st.query_params`` at the end of every run
(:func:`write_query`), because Streamlit clears query parameters on a page switch.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.paths import store_path as resolve_store
from geo.schema import ADMIN1, COUNTRY_ONLY, CRS, EVENT_COLUMNS, LONG_SPAN, PARTIES, PARTLY_IN_RANGE
from layers.safe import esc
from webapp import viewstate as vsm

# --- widget keys (one place) ----------------------------------------------------------
K_DATE = "w_date"
K_RANGE = "w_range"
K_CLASS = "w_class"
K_PARTY = "w_party"
K_GOV = "w_gov"
K_LAYER = {name: f"w_layer_{name}" for name in vsm.LAYERS}
K_COLOR_BY = "w_color_by"
K_CHORO = "w_choro"
#: Widget keys whose value is part of the view state (restore_widget always re-applies them).
STATE_KEYS = frozenset(
    {"w_date", "w_range", "w_class", "w_party", "w_gov", K_CHORO, *(f"w_layer_{n}" for n in vsm.LAYERS)}
)
K_MILESTONE = "w_milestone"
#: Session key: the map centre and zoom (lat, lon, zoom) the browser is known to show: the
#: last one written to the URL, or adopted from it.
K_VIEW_KNOWN = "vs_view_known"
#: Session key: True when the app itself changed the centre or zoom in this run (e.g. the "focus
#: on a town" callback), so the map must be moved; False when the view came from the browser.
K_VIEW_COMMANDED = "vs_view_commanded"

CLASS_LABELS = {
    "truce_violation": "Truce violation",
    "excluded_group": "Fighting with excluded groups",
    "other_fighting": "Other fighting",
    "one_sided": "One-sided violence",
    "before_truce": "Before the truce",
}


# --- the app shell must run ---------------------------------------------------------------
def app_shell_guard() -> None:
    """Make sure this run goes through ``app.py`` (navigation, sidebar, URL state).

    With a ``pages/`` folder next to ``app.py``, Streamlit starts in its legacy multipage mode
    until some session calls ``st.navigation``: a deep link (``/trends``) opened first after the
    server starts -- and every AppTest rerun -- would run the page script alone, without the
    shared sidebar and the URL state.  Switch that mode off and rerun through ``app.py``.
    (Relies on ``PagesManager.uses_pages_directory``, Streamlit 1.67.)
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - other Streamlit versions
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# --- store and cached loaders ----------------------------------------------------------
def store_key() -> tuple[str, float]:
    """(store path, modification time): part of every cache key, so an import refreshes data."""
    app_shell_guard()
    path = resolve_store()
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        mtime = 0.0
    return str(path), mtime


def _catalog(store: str):
    from geo.catalog import Catalog

    return Catalog(store)


def _empty_events() -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


@st.cache_data(show_spinner=False, max_entries=4)
def load_events(store: str, mtime: float) -> gpd.GeoDataFrame:
    """All events (shipped + workspace), classified (``party1``, ``party2``, ``truce_class``)."""
    from geo.view import classify_events

    try:
        cat = _catalog(store)
        events = cat.events()
    except Exception:  # noqa: BLE001 - a broken store must not take the app down
        return _empty_events()
    return classify_events(events, cat)


@st.cache_data(show_spinner=False, max_entries=4)
def load_boundaries(store: str, mtime: float, level: int) -> gpd.GeoDataFrame:
    return _catalog(store).boundaries(level)


@st.cache_data(show_spinner=False, max_entries=4)
def boundaries_official(store: str, mtime: float) -> bool:
    return bool(_catalog(store).boundaries_are_official(1))


@st.cache_data(show_spinner=False, max_entries=4)
def load_milestones(store: str, mtime: float) -> pd.DataFrame:
    try:
        return _catalog(store).milestones()
    except Exception:  # noqa: BLE001
        return pd.DataFrame(columns=["milestone_id", "date_start", "date_end", "label", "kind", "source_id"])


@st.cache_data(show_spinner=False, max_entries=64)
def load_zones(store: str, mtime: float, day: str) -> gpd.GeoDataFrame:
    """Control zones at ISO ``day``."""
    return _catalog(store).zones(day)


@st.cache_data(show_spinner=False, max_entries=64)
def load_towns(store: str, mtime: float, day: str, start: str | None = None, end: str | None = None) -> gpd.GeoDataFrame:
    """Cited towns with ``n_sources``, ``citations`` and the ``party`` holding them on ``day``.

    Only sources published in the event range [``start``, ``end``] (ISO dates) count; undated
    ones are kept.
    """
    from geo.view import cited_towns

    return cited_towns(_catalog(store), day, start=start, end=end)


# --- view state ----------------------------------------------------------------------
def _init_widgets(vs: vsm.ViewState) -> None:
    ss = st.session_state
    ss[K_DATE] = vs.date
    ss[K_RANGE] = (vs.start, vs.end)
    ss[K_CLASS] = list(vs.classes)
    ss[K_PARTY] = list(vs.parties)
    ss[K_GOV] = list(vs.govs)
    for name, key in K_LAYER.items():
        ss[key] = name in vs.layers
    ss.setdefault(K_COLOR_BY, "class")
    ss[K_CHORO] = vs.choro


def sync() -> vsm.ViewState:
    """The view state of this run: URL at the session's first run, then the widgets' values."""
    app_shell_guard()
    ss = st.session_state
    if "vs" not in ss:
        vs = vsm.ViewState.from_query(st.query_params)
        ss["vs"] = vs
        ss["vs_notices"] = list(vs.notices)
        _init_widgets(vs)
        return vs
    vs = ss["vs"]
    changes = {}
    # Map centre and zoom: the map's script puts the user's pans and zooms in the address bar
    # (no rerun); Streamlit sends that query string with the next run.  Adopt it when it differs
    # from the view known so far -- unless the app itself has moved the view since (e.g. the
    # "focus on a town" callback), which then wins.  Every other key comes from the widgets.
    # Idempotent within a run (called again by the pages).
    known = ss.get(K_VIEW_KNOWN)
    view = (vs.lat, vs.lon, vs.zoom)
    ss[K_VIEW_COMMANDED] = known is not None and view != known
    seen = vsm.map_view_in(st.query_params)
    if known is not None and view == known and seen is not None and seen != known:
        changes["lat"], changes["lon"], changes["zoom"] = seen
        ss[K_VIEW_KNOWN] = seen
    if K_DATE in ss and isinstance(ss[K_DATE], date):
        changes["date"] = ss[K_DATE]
    if K_RANGE in ss and isinstance(ss[K_RANGE], tuple | list) and len(ss[K_RANGE]) == 2:
        changes["start"], changes["end"] = ss[K_RANGE]
    for field, key in (("classes", K_CLASS), ("parties", K_PARTY), ("govs", K_GOV)):
        if key in ss:
            changes[field] = tuple(ss[key])
    if ss.get(K_CHORO) in vsm.CHORO_MODES:
        changes["choro"] = ss[K_CHORO]
    if all(k in ss for k in K_LAYER.values()):
        changes["layers"] = tuple(n for n, k in K_LAYER.items() if ss[k])
    vs = vs.replace(**changes)
    ss["vs"] = vs
    return vs


def restore_widget(key: str, value) -> None:
    """Give widget ``key`` its value; call it right before creating the widget.

    Widgets that show the view state (dates, range, filters, layers: :data:`STATE_KEYS`) always
    get the state's value: after a page switch the key may still hold the value of a *different*
    widget (the event range exists on Map and on Trends), which Streamlit would not carry over
    to this page's widget; ``sync()`` has already folded the user's latest change into the state,
    so this never undoes an interaction.  Any other widget gets ``value`` only when Streamlit
    dropped its key (page switch), so its own choice survives reruns.
    """
    if key in STATE_KEYS or key not in st.session_state:
        st.session_state[key] = value


def day_slider(label: str, key: str, help: str) -> None:
    """A slider over the window, by day (one date, or a range when ``key`` holds a pair)."""
    st.slider(
        label,
        min_value=vsm.WINDOW_START,
        max_value=vsm.WINDOW_END,
        step=timedelta(days=1),
        format="YYYY-MM-DD",
        key=key,
        help=help,
    )


def set_page(vs: vsm.ViewState, page: str) -> vsm.ViewState:
    vs = vs.replace(page=page if page in vsm.PAGES else "map")
    st.session_state["vs"] = vs
    return vs


def write_query(vs: vsm.ViewState) -> None:
    """Write the state's link parameters to the URL (only when they changed)."""
    wanted = vs.to_query()
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[K_VIEW_KNOWN] = (vs.lat, vs.lon, vs.zoom)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]{}()#+-.!|~:$"})


def md_text(text) -> str:
    """``text`` for Streamlit markdown (captions, alerts): HTML-escaped and markdown-inert,
    so a link parameter like ``[x](javascript:...)`` shows as typed."""
    import html

    return html.escape(str(text if text is not None else "").translate(_MD_SPECIAL), quote=True)


def show_notices() -> None:
    """Tell the user once which link parameters were refused (they may quote the link: escaped)."""
    notices = st.session_state.pop("vs_notices", [])
    for n in notices:
        st.warning(md_text(n))  # each notice names the parameter and what was done (webapp/viewstate.py)


# --- filters and key figures ------------------------------------------------------------
def filtered_events(events: pd.DataFrame, vs: vsm.ViewState, *, with_range: bool = True) -> pd.DataFrame:
    """Events in the state's date range matching its class, party and governorate filters.

    The same function (``geo.view.filter_view``) serves the briefing and the exports.
    """
    from geo.view import filter_view

    return filter_view(events, vs, with_range=with_range)


#: How the pages word the condition codes of imprecise events (``geo.schema``).
IMPRECISE_WORDS = {
    COUNTRY_ONLY: 'located only to Syria ("Syria, location unknown"): counted, but not on the map or in a governorate',
    LONG_SPAN: "dated only to a span longer than a week: counted, but on no day or week of the Trends charts",
    PARTLY_IN_RANGE: "only partly in the range (their dates overlap it): not counted",
}
RANGE_RULE = "An event counts in the date range when its whole date span lies inside it."


def key_figures(events: pd.DataFrame) -> dict[str, int]:
    """Events, fatalities (reported best estimates) and towns affected of a selection."""
    if len(events) == 0:
        return {"events": 0, "fatalities": 0, "towns": 0, "synthetic": 0}
    fat = pd.to_numeric(events["fatalities"], errors="coerce").fillna(0).sum()
    from geo.queries import country_only

    synthetic = int((events["dataset"] == "synthetic").sum()) if "dataset" in events.columns else 0
    n_events = int(len(events))
    events = events.loc[~country_only(events)]  # "Syria" is not a town
    if "locality_id" in events.columns:
        ids = events["locality_id"].astype("string").fillna("")
        places = events["place"].astype("string").fillna("")
        towns = pd.Series(ids.where(ids != "", "place:" + places)).replace("place:", pd.NA).dropna().nunique()
    else:
        towns = events["place"].astype("string").replace("", pd.NA).dropna().nunique()
    return {"events": n_events, "fatalities": int(fat), "towns": int(towns), "synthetic": synthetic}


def range_notes(events_all: pd.DataFrame, vs: vsm.ViewState, sel: pd.DataFrame) -> list[str]:
    """The range rule, then one line per kind of imprecise event in (or partly in) the selection."""
    from geo.view import filter_view, imprecise_counts

    partly = filter_view(events_all, vs, partly=True)
    counts = imprecise_counts(sel)
    counts[PARTLY_IN_RANGE] = (len(partly), int(pd.to_numeric(partly.get("fatalities"), errors="coerce").fillna(0).sum()))
    notes = [RANGE_RULE]
    for code in (PARTLY_IN_RANGE, COUNTRY_ONLY, LONG_SPAN):
        n, dead = counts[code]
        if n:
            notes.append(f"{n:,} event(s) ({dead:,} fatalities) {IMPRECISE_WORDS[code]}.")
    return notes


def sidebar(vs: vsm.ViewState) -> None:
    """The filters shared by every page and the key figures of the current selection."""
    store, mtime = store_key()
    events = load_events(store, mtime)
    with st.sidebar:
        st.markdown("### Filters")
        st.multiselect(
            "Event class",
            options=list(vsm.CLASSES),
            format_func=lambda c: CLASS_LABELS.get(c, c.replace("_", " ")),
            key=K_CLASS,
            placeholder="all classes",
        )
        st.multiselect(
            "Party or actor",
            options=list(vsm.PARTY_CODES),
            format_func=lambda p: PARTIES.get(p, p),
            key=K_PARTY,
            placeholder="all parties",
        )
        st.multiselect(
            "Governorate",
            options=list(vsm.GOV_CODES),
            format_func=lambda g: f"{ADMIN1.get(g, g)} ({g})",
            key=K_GOV,
            placeholder="all governorates",
        )
        sel = filtered_events(events, vs)
        figs = key_figures(sel)
        st.markdown("### Selection")
        st.caption(esc(f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"))
        c1, c2 = st.columns(2)
        c1.metric("Events", f"{figs['events']:,}")
        c2.metric("Fatalities", f"{figs['fatalities']:,}")
        st.metric("Towns affected", f"{figs['towns']:,}")
        for note in range_notes(events, vs, sel):
            st.caption(esc(note))
        if figs["synthetic"]:
            st.caption(f"{figs['synthetic']} of these events are SYNTHETIC test data.")
        if len(events) == 0:
            st.caption("No events loaded yet (shipped data or workspace).")


def date_window() -> tuple[date, date]:
    return vsm.WINDOW_START, vsm.WINDOW_END


ONE_DAY = timedelta(days=1)
