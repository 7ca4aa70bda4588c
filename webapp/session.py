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

import bisect
import gc
import os
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.names import governorate_label, with_boundary_names
from geo.paths import store_location as resolve_store
from geo.queries import country_only
from geo.schema import COUNTRY_ONLY, LONG_SPAN, PARTLY_IN_RANGE
from geo.vocabulary import IMPRECISE, filter_class_label, party_label
from layers.boundaries import boundaries_data
from layers.safe import esc
from webapp import viewstate as vsm
from webapp.internals import app_shell_guard  # Streamlit internals live there, each justified

# --- widget keys (one place) ----------------------------------------------------------
K_DATE = "w_date"
K_RANGE = "w_range"
K_CLASS = "w_class"
K_PARTY = "w_party"
K_GOV = "w_gov"
K_LAYER = {name: f"w_layer_{name}" for name in vsm.LAYERS}
K_COLOR_BY = "w_color_by"
K_CHORO = "w_choro"
K_FMIN = "w_fmin"
K_ACTOR = "w_actor"
K_EVENT_ORDER = "w_event_sort"
K_CMP = "w_cmp"  # Map page: compare the control date with this day (None: no comparison)
#: Widget keys whose value is part of the view state (restore_widget re-applies them when needed).
STATE_KEYS = frozenset(
    {"w_date", "w_range", "w_class", "w_party", "w_gov", K_CHORO, K_COLOR_BY, K_FMIN, K_ACTOR, K_EVENT_ORDER, K_CMP,
     *(f"w_layer_{n}" for n in vsm.LAYERS)}
)
K_MILESTONE = "w_milestone"
#: The Trends page's choices (link parameter -> widget key); restored from the link when the page opens.
K_TREND = {"tfreq": "tr_freq", "tby": "tr_by", "tshow": "tr_metric", "tscale": "tr_same_scale", "tpairs": "tr_pair_order"}
#: Session key: widget keys the app set outside a callback, to send to the browser (push_widget).
K_PUSHED = "w_pushed"
#: Session key: the map centre and zoom (lat, lon, zoom) the browser is known to show: the
#: last one written to the URL, or adopted from it.
K_VIEW_KNOWN = "vs_view_known"
#: Session key: True when the app itself changed the centre or zoom in this run (e.g. the "focus
#: on a town" callback), so the map must be moved; False when the view came from the browser.
K_VIEW_COMMANDED = "vs_view_commanded"


# --- store and cached loaders ----------------------------------------------------------
def _mtime(path) -> float:
    from geo.store import store_version  # the file's mtime, or the database's version counter

    return store_version(path)


def store_key() -> tuple[str, float]:
    """(store, version): part of every cache key, so an import refreshes data.

    A GeoPackage: (path, modification time). The team database (``MONITOR_DATABASE_URL``):
    (its URL without password, the version counter its writes bump), read at every run, so
    another app process's import shows at this session's next rerun; -1 while it is unavailable.
    """
    app_shell_guard()
    path = resolve_store()
    return str(path), _mtime(path)


#: A store path that is never a file: a catalog on it reads the shipped data alone.
NO_STORE = os.path.join(__file__, "no-store.gpkg")  # inside a file: can never exist (a device is refused)
#: How the page words a ``geo.store.StoreError`` code (the file is named by the caller).
STORE_WORDS = {
    "unreadable": "is not a GeoPackage, is damaged, or cannot be read",
    "is_folder": "is a folder, not a GeoPackage file",
    "foreign_layers": "holds other data than this app's",
    "not_regular": "is a link, a device or a pipe, not a GeoPackage file",
    "read_only": "is read-only",
    "busy": "is being written by another import; try again in a minute",
    "unavailable": "is unavailable (its database server cannot be reached; every page load tries again)",
    "schema": "is a database where this app cannot create or migrate its tables (ask its administrator)",
    "locked": "is locked by another program (a database tool has it open); try again when it has finished",
    "disk_full": "could not be written: the disk is full (free some space and try again)",
}


@st.cache_data(show_spinner=False, max_entries=4)
def store_problem(store: str, mtime: float) -> tuple[str, str] | None:
    """(code, file name) when the workspace store cannot be read, else None.

    Reads every layer once per modification time, so a file damaged inside is found too.
    """
    from geo.store import StoreError, open_store

    workspace = open_store(store)
    try:
        for kind in workspace.layers():
            workspace.read(kind)
    except StoreError as exc:  # the one failure expected here: the page says so and goes on
        return exc.code, exc.path.name
    return None


def readable_store(store: str) -> str:
    """``store``, or :data:`NO_STORE` when it cannot be read (then only shipped data is read)."""
    return NO_STORE if store_problem(store, _mtime(store)) is not None else store


def _catalog(store: str):
    """The catalog of ``store``; the shipped data alone when the store cannot be read.

    Every page then still shows the shipped data, and :func:`show_notices` says which file
    could not be read and what to do.  One catalog per store version, shared (:func:`_version_catalog`).
    """
    return _version_catalog(readable_store(store), _mtime(store))


@st.cache_resource(show_spinner=False, max_entries=4)
def _version_catalog(store: str, version: float):
    """A catalog of one version of ``store`` that reads its gazetteer, control records and
    boundaries once (``Catalog(memo=True)``): the control-date steps ask for them every run."""
    from geo.catalog import Catalog

    return Catalog(store, memo=True)


#: What the page advises for a ``geo.store.StoreError`` code (reading the store or importing into it).
STORE_ADVICE = {
    "unavailable": "Your imported data shows again once the database answers (MONITOR_DATABASE_URL names it).",
    "schema": "Your imported data shows again once the database answers (MONITOR_DATABASE_URL names it).",
    "locked": "Do not replace the file: close the program that holds it (a database browser?), then try again.",
    "disk_full": "Free some space on the server's disk, then try again.",
    "busy": "Another import is being written; try again when it ends.",
    "read_only_mode": "This server does not accept imports.",
}
STORE_ADVICE_OTHERWISE = ("To fix it, replace the file with a backup, or move it away: the next import creates a new "
                          "store (MONITOR_STORE names another file).")


def store_advice(code: str) -> str:
    """What to do about a store that failed with ``code`` (:data:`STORE_ADVICE`, else replace or move it)."""
    return STORE_ADVICE.get(code, STORE_ADVICE_OTHERWISE)


def show_store_problem(store: str, mtime: float) -> None:
    """An error naming the store file that cannot be read (its name, not a server path), if any."""
    problem = store_problem(store, mtime)
    if problem is None:
        return
    code, name = problem
    st.error(
        f"The workspace store {md_text(name)} {STORE_WORDS.get(code, 'cannot be used')}. "
        f"The pages show the shipped data only, without your imported data. {store_advice(code)}"
    )


@st.cache_resource(show_spinner=False, max_entries=2)
def load_events(store: str, mtime: float) -> gpd.GeoDataFrame:
    """All events (shipped + workspace), classified (``party1``, ``party2``, ``truce_class``).

    One frame per store version, shared by every session and never copied (``st.cache_resource``:
    a cached copy would be unpickled at each call, about a second per call at a million events).
    Read-only: callers filter it into new frames (``filtered_events``), never change it.
    """
    from geo.derived import classified_events  # the table derived at import, or computed once now

    return settle_long_lived(classified_events(readable_store(store)))


def settle_long_lived(frame):
    """Keep the garbage collector's full passes off what lives as long as the process: ``frame``.

    Streamlit runs a full collection after every rerun (``runner.postScriptGC``).  It walks every
    object the collector tracks, and the events' shapely points are tracked: at 100,000 events the
    pass took 0.08-0.1 s of each rerun, holding the interpreter lock.  Here, once per store version,
    the objects alive now (modules, the loaded frames, these points) are collected once and then
    moved to the collector's permanent generation (``gc.freeze``): later passes skip them, about
    1 ms.  They are still freed when their last reference goes (an evicted store version).  A
    reference cycle among them would outlive its frame only until the next store version, which
    first returns them to the collector (``gc.unfreeze``) and collects.

    Returns
    -------
    The same ``frame``.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return frame


@st.cache_data(show_spinner=False, max_entries=4)
def data_window(store: str, mtime: float) -> tuple:
    """The first and last day of the loaded events, never narrower than the shipped window (``geo.window``)."""
    from geo.window import data_window as window_of

    return window_of(load_events(store, mtime))


@st.cache_data(show_spinner=False, max_entries=4)
def known_towns(store: str, mtime: float) -> frozenset:
    """Every locality id of the gazetteer (shipped and imported): what a link's ``town=`` may name."""
    return frozenset(_catalog(store).localities()["locality_id"].astype(str))


@st.cache_data(show_spinner=False, max_entries=4)
def control_coverage(store: str, mtime: float) -> tuple:
    """The first and last day the control records cover (``geo.window.control_coverage``): zones only then."""
    from geo.window import control_coverage as coverage_of

    return coverage_of(_catalog(store).control())


@st.cache_data(show_spinner=False, max_entries=4)
def load_boundaries(store: str, mtime: float, level: int) -> gpd.GeoDataFrame:
    """Boundaries at ``level``; governorates named by their display name (``geo.names``)."""
    return with_boundary_names(_catalog(store).boundaries(level))


@st.cache_data(show_spinner=False, max_entries=4)
def boundaries_official(store: str, mtime: float) -> bool:
    return bool(_catalog(store).boundaries_are_official(1))


@st.cache_resource(show_spinner=False, max_entries=4)
def boundary_lines(store: str, mtime: float) -> list:
    """``layers.boundaries.boundaries_data`` of the store's governorates and country outline (dashed
    when not official): worked out once per store version, shared by every session and page (read-only)."""
    return boundaries_data(load_boundaries(store, mtime, 1), load_boundaries(store, mtime, 0),
                           official=boundaries_official(store, mtime))


@st.cache_data(show_spinner=False, max_entries=4)
def load_milestones(store: str, mtime: float) -> pd.DataFrame:
    return _catalog(store).milestones()


@st.cache_resource(show_spinner=False, max_entries=2)
def gazetteer(store: str, mtime: float):
    """The place gazetteer of the store's localities (``geo.gazetteer.Gazetteer``): the Sources page's
    mention finder, once per store version."""
    from geo.citations import load_localities_for
    from geo.gazetteer import Gazetteer
    from geo.store import open_store

    return Gazetteer(load_localities_for(open_store(store)))


@st.cache_data(show_spinner=False, max_entries=4)
def citation_tables(store: str, mtime: float) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(documents, citations, ids of the workspace's own documents): shipped reports plus the store's."""
    from geo.citations import load_workspace, merged_citations
    from geo.store import open_store

    opened = open_store(store)
    docs, cites = merged_citations(opened)
    ws_docs, _ = load_workspace(opened) if opened.exists() else (pd.DataFrame(columns=["doc_id"]), None)
    return docs, cites, list(ws_docs["doc_id"])


@st.cache_data(show_spinner=False, max_entries=4)
def control_inputs(store: str, mtime: float):
    """(control records, localities, country outline, city neighbourhoods): shipped data plus the workspace."""
    cat = _catalog(store)  # the shipped data alone when the store is unreadable
    return cat.control(), cat.localities(), cat.boundaries(0), cat.neighbourhoods()


@st.cache_data(show_spinner=False, max_entries=8)
def area_series(store: str, mtime: float) -> pd.DataFrame:
    """Area held by each party on every day of the window (``geo.control.area_by_party``)."""
    from geo import control as ctl

    control, localities, outline, neighbourhoods = control_inputs(store, mtime)
    days = pd.date_range(vsm.WINDOW_START, vsm.WINDOW_END, freq="D")
    return ctl.area_by_party(control, localities, outline, days, neighbourhoods=neighbourhoods)


@st.cache_data(show_spinner=False, max_entries=64)
def load_zones(store: str, mtime: float, day: str) -> gpd.GeoDataFrame:
    """Control zones at ISO ``day``."""
    return _catalog(store).zones(day)


#: A range (ISO) no dated document lies in: the key of "no document published in the range".
NO_DOCUMENT_RANGE = ("2262-01-01", "1678-01-01")


@st.cache_resource(show_spinner=False, max_entries=2)
def _citation_frames(store: str, mtime: float) -> tuple:
    """(documents, citations, localities) the cited towns are counted from, read once per store
    version (``geo.citations.catalog_citations`` and the gazetteer).  Read-only."""
    from geo.citations.sources import catalog_citations

    catalog = _catalog(store)
    documents, citations = catalog_citations(catalog)
    return documents, citations, catalog.localities()


@st.cache_data(show_spinner=False, max_entries=4)
def _publication_times(store: str, mtime: float) -> tuple[str, ...]:
    """The distinct publication times (ISO, sorted) of the documents citing places."""
    documents = _citation_frames(store, mtime)[0]
    published = pd.to_datetime(documents["published"]).dropna().drop_duplicates().sort_values()
    return tuple(t.isoformat() for t in published)


def _document_range(store: str, mtime: float, start: str | None, end: str | None) -> tuple:
    """The narrowest range selecting the same dated documents as [``start``, ``end``].

    Its first and last publication times: a slider step that brings in no document gives the same
    key, so the cited towns are not computed again (``NO_DOCUMENT_RANGE`` when none is in range).
    """
    times = _publication_times(store, mtime)
    lo = 0 if start is None else bisect.bisect_left(times, pd.Timestamp(start).isoformat())
    hi = len(times) if end is None else bisect.bisect_right(times, pd.Timestamp(end).isoformat())
    return (times[lo], times[hi - 1]) if lo < hi else NO_DOCUMENT_RANGE


@st.cache_resource(show_spinner=False, max_entries=16)
def _cited_towns(store: str, mtime: float, start: str | None, end: str | None) -> gpd.GeoDataFrame:
    """Cited towns of the documents published in [``start``, ``end``] (``geo.citations.cited_towns``;
    None: unbounded).  Shared, never copied: read-only."""
    from geo.citations import cited_towns

    documents, citations, localities = _citation_frames(store, mtime)
    return cited_towns(citations, documents, localities, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=64)
def _holders(store: str, mtime: float, day: str) -> dict[str, str]:
    """Who held each cited town on ``day`` (locality id -> party, "" when unknown), for the towns
    every document cites: one control lookup per day, whatever the event range."""
    from geo.citations.towns import with_holder

    towns = with_holder(_catalog(store), _cited_towns(store, mtime, None, None), day)
    return dict(zip(towns["locality_id"].astype(str), towns["party"].astype(str), strict=True))


def load_towns(store: str, mtime: float, day: str, start: str | None = None, end: str | None = None) -> gpd.GeoDataFrame:
    """Cited towns with ``n_sources``, ``citations`` and the ``party`` holding them on ``day``.

    Only sources published in the event range [``start``, ``end``] (ISO dates) count; undated
    ones are kept.  Cached by the documents the range selects (:func:`_document_range`), not by
    the range itself, and shared (never copied): read-only.
    """
    return _towns_on(store, mtime, _document_range(store, mtime, start, end), day)


def towns_key(store: str, mtime: float, start: str | None = None, end: str | None = None) -> tuple:
    """What :func:`load_towns` of the event range [``start``, ``end``] depends on besides the store and
    the day: the publication range of the documents it selects (:func:`_document_range`).

    A cache key for what a page makes of the towns: two ranges with the same key give the same towns.

    Returns
    -------
    tuple of str
        The first and last publication times (ISO) of the documents in the range.
    """
    return _document_range(store, mtime, start, end)


@st.cache_resource(show_spinner=False, max_entries=64)
def _towns_on(store: str, mtime: float, documents: tuple, day: str) -> gpd.GeoDataFrame:
    """:func:`load_towns` for the publication range ``documents`` (:func:`_document_range`)."""
    from geo.citations.towns import with_parties

    return with_parties(_cited_towns(store, mtime, *documents), _holders(store, mtime, day))


# --- view state ----------------------------------------------------------------------
def _init_widgets(vs: vsm.ViewState) -> None:
    ss = st.session_state
    ss[K_DATE] = vs.date
    ss[K_RANGE] = (vs.start, vs.end)
    ss[K_CLASS] = list(vs.classes)
    ss[K_PARTY] = list(vs.parties)
    ss[K_GOV] = list(vs.govs)
    ss[K_FMIN] = vs.fmin
    ss[K_ACTOR] = vs.actor
    ss[K_EVENT_ORDER] = vs.order
    for name, key in K_LAYER.items():
        ss[key] = name in vs.layers
    ss[K_COLOR_BY] = vs.colour
    ss[K_CHORO] = vs.choro
    ss[K_CMP] = vs.cmp


def _trend_choices(ss) -> dict[str, str]:
    """The Trends page's choices from its widgets, while the page shows them (else the link keeps its values)."""
    out = {}
    for name, key in K_TREND.items():
        value = ss.get(key)
        if name == "tscale" and isinstance(value, bool):  # a checkbox: "same scale in every chart"
            value = "same" if value else "own"
        if value in vsm.TREND_CHOICES[name]:
            out[name] = value
    return out


def sync() -> vsm.ViewState:
    """The view state of this run: URL at the session's first run, then the widgets' values."""
    app_shell_guard()
    vsm.use_window(*data_window(*store_key()))  # sliders and links span the loaded data's dates
    ss = st.session_state
    if "vs" not in ss:
        vs = vsm.ViewState.from_query(st.query_params, towns=known_towns(*store_key()))
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
    if isinstance(ss.get(K_FMIN), int | float):
        changes["fmin"] = min(max(0, int(ss[K_FMIN])), vsm.MAX_FMIN)
    if isinstance(ss.get(K_ACTOR), str):
        changes["actor"] = "".join(ch for ch in ss[K_ACTOR] if ch.isprintable())[: vsm.MAX_ACTOR_LENGTH]
    if ss.get(K_EVENT_ORDER) in vsm.EVENT_ORDERS:
        changes["order"] = ss[K_EVENT_ORDER]
    if K_CMP in ss and (ss[K_CMP] is None or isinstance(ss[K_CMP], date)):
        changes["cmp"] = ss[K_CMP]
    if ss.get(K_COLOR_BY) in vsm.COLOUR_MODES:
        changes["colour"] = ss[K_COLOR_BY]
    changes.update(_trend_choices(ss))
    if all(k in ss for k in K_LAYER.values()):
        changes["layers"] = tuple(n for n, k in K_LAYER.items() if ss[k])
    vs = vs.replace(**changes)
    ss["vs"] = vs
    return vs


def restore_widget(key: str, value) -> None:
    """Give widget ``key`` its value; call it right before creating the widget.

    Widgets that show the view state (dates, range, filters, layers: :data:`STATE_KEYS`) get the
    state's value when it differs from the key's, after a page switch (the key may still hold the
    value of a *different* widget: the event range exists on Map and on Trends, which Streamlit
    would not carry over to this page's widget) and when :func:`push_widget` asked for it.  Never
    otherwise: writing a widget's key makes Streamlit send that value to the browser, which
    overwrites the widget there -- a run started by one arrow-key press would then undo the presses
    made while it ran (keys were lost, and the slider stepped back).  Any other widget gets
    ``value`` only when Streamlit dropped its key (page switch), so its own choice survives reruns.
    """
    ss = st.session_state
    if key not in ss:
        ss[key] = value
        return
    if key not in STATE_KEYS:
        return
    pushed = ss.get(K_PUSHED, set())
    vs = ss.get("vs")
    switched = vs is None or ss.get("page_prev") != vs.page
    if switched or key in pushed or ss[key] != value:
        ss[key] = value
    pushed.discard(key)


def push_widget(key: str, value) -> None:
    """Set widget ``key`` to ``value`` from the app (not a callback), shown in the browser at the
    next run: :func:`restore_widget` then writes it again, which makes Streamlit send it.

    Parameters
    ----------
    key : str
        A widget key of :data:`STATE_KEYS`.
    value
        Its new value (``sync()`` folds it into the view state at the next run).
    """
    ss = st.session_state
    ss[key] = value
    ss.setdefault(K_PUSHED, set()).add(key)


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


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def read_only_server(address: str | None = None) -> bool:
    """True when this server must not write: ``MONITOR_READONLY`` set, or it listens beyond this machine.

    A server bound to a non-loopback address (``--server.address 0.0.0.0``, or "" which is every
    interface) has no sign-in, so it becomes read-only: the variable is set for the process, and
    ``geo.store.Store.write`` (the one write path) refuses every write, whatever request reaches it.
    Pages hide their import controls. ``address`` defaults to the server's ``server.address``.
    """
    from geo.store import READONLY_ENV, read_only

    if address is None:
        address = str(st.get_option("server.address") or "")
    address = address.strip()
    if address not in LOOPBACK:
        os.environ[READONLY_ENV] = "1"
    return read_only()


#: Covers the app when its page is framed by another site (security audit, findings 4 and 19):
#: ``serve.py`` sends ``X-Frame-Options`` (``webapp/headers.py``), ``streamlit run app.py`` does not. Fixed text, no user input. The maps' own iframes are
#: inside the app page; this runs in the app page itself (``st.html``, not a component frame).
FRAME_GUARD = """<style>[data-testid="stElementContainer"]:has(#scm-frame-guard-script) { display: none; }</style>
<script id="scm-frame-guard-script">
(function () {
  if (window.top === window.self || document.getElementById("scm-frame-guard")) return;
  try { if (window.top.location.origin === window.location.origin) return; } catch (e) {}
  var cover = document.createElement("div");
  cover.id = "scm-frame-guard";
  cover.setAttribute("role", "alert");
  cover.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:#fff;color:#111;" +
    "font:18px sans-serif;padding:3em;";
  cover.textContent = "The Syria Ceasefire Monitor cannot be used inside another site's page. " +
    "Open it directly in its own tab.";
  document.documentElement.appendChild(cover);
  document.body.style.visibility = "hidden";
})();
</script>"""


def frame_guard() -> None:
    """Cover the app with a message when another site's page frames it (clickjacking); see FRAME_GUARD."""
    st.html(FRAME_GUARD, unsafe_allow_javascript=True)  # fixed script: no user text in it


def show_notices() -> None:
    """Tell the user once which link parameters were refused (they may quote the link: escaped)."""
    notices = st.session_state.pop("vs_notices", [])
    for n in notices:
        st.warning(md_text(n))  # each notice names the parameter and what was done (webapp/viewstate.py)
    show_store_problem(*store_key())  # every run: the user must not mistake the data shown for theirs


# --- filters and key figures ------------------------------------------------------------
def _selection_key(vs: vsm.ViewState, with_range: bool) -> tuple:
    """The fields of the view ``geo.view.filter_view`` reads, as plain values (a cache key)."""
    return (vs.start.isoformat() if with_range else None, vs.end.isoformat() if with_range else None,
            tuple(vs.classes), tuple(vs.parties), tuple(vs.govs), int(vs.fmin), vs.actor)


@st.cache_resource(show_spinner=False, max_entries=8)
def _mask(store: str, mtime: float, key: tuple, partly: bool):
    """The loaded events the view fields in ``key`` (:func:`_selection_key`) select, as a boolean
    array (``geo.view.filter_mask``, the rules of the one filter): one per filter, shared."""
    from geo.view import filter_mask

    start, end, classes, parties, govs, fmin, actor = key
    return filter_mask(load_events(store, mtime), start=start, end=end, classes=classes, parties=parties,
                       govs=govs, min_fatalities=fmin, actor=actor, partly=partly, days=_event_days(store, mtime))


@st.cache_resource(show_spinner=False, max_entries=2)
def _event_days(store: str, mtime: float) -> tuple:
    """``geo.queries.event_days`` of the loaded events, once per store version (read-only): a range
    step then compares two arrays instead of parsing a million dates twice."""
    from geo.queries import event_days

    days = event_days(load_events(store, mtime))
    for a in days:
        a.setflags(write=False)
    return days


@st.cache_resource(show_spinner=False, max_entries=1)
def _selection(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """The loaded events filtered by the view fields in ``key`` (:func:`_selection_key`).

    Shared by the page's parts and every session with the same filters, so a rerun that changes no
    filter (a control-date step, a layer toggle) filters nothing again; the whole loaded frame
    itself when every event is selected (no copy).  Read-only, like ``load_events``.  One is kept:
    a selection is a copy of its rows (a quarter of a million events is about 150 MB), and
    making one again takes a fraction of a second.
    """
    events = load_events(store, mtime)
    mask = _mask(store, mtime, key, False)
    return events if mask.all() else events.loc[mask]


@st.cache_resource(show_spinner=False, max_entries=2)
def _summary_arrays(store: str, mtime: float) -> dict:
    """:func:`_per_event` of the loaded events: computed once per store version."""
    return _per_event(load_events(store, mtime))


def _per_event(events: pd.DataFrame) -> dict:
    """Per event, what the key figures add up (``geo.view`` definitions), as arrays ({} for no events)."""
    from geo.queries import long_span
    from geo.view import locality_keys

    if len(events) == 0:
        return {}
    keys = locality_keys(events)
    codes, _uniques = pd.factorize(keys)
    return {
        "fatalities": pd.to_numeric(events["fatalities"], errors="coerce").fillna(0).to_numpy(dtype=float),
        "town": np.where(keys.to_numpy() == "", -1, codes),
        "synthetic": (events["dataset"] == "synthetic").to_numpy(dtype=bool) if "dataset" in events else
        np.zeros(len(events), dtype=bool),
        COUNTRY_ONLY: country_only(events).to_numpy(dtype=bool),
        LONG_SPAN: long_span(events).to_numpy(dtype=bool),
    }


@st.cache_resource(show_spinner=False, max_entries=8)
def _positions(store: str, mtime: float, key: tuple) -> np.ndarray:
    """Row positions of the loaded events the view fields in ``key`` select (read-only)."""
    positions = np.flatnonzero(_mask(store, mtime, key, False))
    positions.setflags(write=False)
    return positions


def view_positions(vs: vsm.ViewState, *, with_range: bool = True) -> np.ndarray:
    """Row positions in :func:`load_events` of the view's events (the rules of :func:`filtered_events`).

    What the Map page draws, counts and lists: no copy of the selected rows is made (at a million
    events that copy took most of a slider step and 150 MB); parts that need rows take just those
    (``load_events(...).iloc[positions[...]]``).  Read-only.
    """
    store, mtime = store_key()
    return _positions(store, mtime, _selection_key(vs, with_range))


def view_key(vs: vsm.ViewState, *, with_range: bool = True) -> tuple:
    """The view's filter fields as plain values: a cache key for what a page works out of the
    view's events (:func:`events_for`), so that every session with the same filters shares it."""
    return _selection_key(vs, with_range)


def events_for(store: str, mtime: float, key: tuple) -> pd.DataFrame:
    """The loaded events the view fields ``key`` (:func:`view_key`) select: :func:`filtered_events`
    for a cached function that takes only plain arguments.  Read-only."""
    return _selection(store, mtime, key)


def view_events(store: str, mtime: float, vs: vsm.ViewState) -> pd.DataFrame:
    """The events of the view ``vs`` in version ``mtime`` of ``store`` (as :func:`filtered_events` of the
    loaded events; needs no script run, so a download can call it when clicked).  Read-only."""
    return _selection(store, mtime, _selection_key(vs, True))


def country_only_rows(positions: np.ndarray) -> tuple[np.ndarray, int]:
    """Of the loaded events at ``positions``, those located only to Syria (positions) and their fatalities."""
    store, mtime = store_key()
    arrays = _summary_arrays(store, mtime)
    if not arrays or not len(positions):
        return positions[:0], 0
    hit = positions[arrays[COUNTRY_ONLY][positions]]
    return hit, int(arrays["fatalities"][hit].sum())


def filtered_events(events: pd.DataFrame, vs: vsm.ViewState, *, with_range: bool = True) -> pd.DataFrame:
    """Events in the state's date range matching its class, party and governorate filters.

    The same function (``geo.view.filter_view``) serves the briefing and the exports.  For the
    loaded events (:func:`load_events`) the selection is cached (:func:`_selection`): treat it as
    read-only.
    """
    from geo.view import filter_view

    store, mtime = store_key()
    if events is load_events(store, mtime):
        return _selection(store, mtime, _selection_key(vs, with_range))
    return filter_view(events, vs, with_range=with_range)


#: How the pages word the condition codes of imprecise events (``geo.vocabulary.IMPRECISE``).
IMPRECISE_WORDS = {code: term.description for code, term in IMPRECISE.items()}
RANGE_RULE = "An event counts in the date range when its whole date span lies inside it."


def key_figures(events: pd.DataFrame) -> dict[str, int]:
    """Events, fatalities (reported best estimates) and towns affected (localities, not areas) of a selection."""
    arrays = _per_event(events)
    return _figures(arrays, np.ones(len(events), dtype=bool))


def _figures(arrays: dict, sel) -> dict[str, int]:
    """:func:`key_figures` of the events ``sel`` (a boolean mask) selects, from :func:`_per_event` arrays."""
    if not arrays or not sel.any():
        return {"events": 0, "fatalities": 0, "towns": 0, "synthetic": 0}
    towns = arrays["town"][sel]  # localities only: never "Syria", a governorate or a district centre
    return {"events": int(sel.sum()), "fatalities": int(arrays["fatalities"][sel].sum()),
            "towns": int(np.count_nonzero(np.bincount(towns[towns >= 0]))),  # codes 0..k-1: no sort
            "synthetic": int(arrays["synthetic"][sel].sum())}


@st.cache_data(show_spinner=False, max_entries=64)
def _view_summary(store: str, mtime: float, key: tuple) -> tuple[dict[str, int], list[str]]:
    """(:func:`key_figures`, the range notes) of the loaded events filtered by ``key``, added up
    from per-event arrays (:func:`_summary_arrays`) and the filter's masks: no frame is built."""
    arrays = _summary_arrays(store, mtime)
    if not arrays:
        return _figures(arrays, np.zeros(0, dtype=bool)), [RANGE_RULE]
    sel, partly, fat = _mask(store, mtime, key, False), _mask(store, mtime, key, True), arrays["fatalities"]
    figures = _figures(arrays, sel)
    counts = {code: (int((arrays[code] & sel).sum()), int(fat[arrays[code] & sel].sum()))
              for code in (COUNTRY_ONLY, LONG_SPAN)}
    counts[PARTLY_IN_RANGE] = (int(partly.sum()), int(fat[partly].sum()))
    return figures, _notes(counts)


def _notes(counts: dict[str, tuple[int, int]]) -> list[str]:
    """The range rule, then one line per kind of imprecise event: ``counts`` code -> (events, fatalities)."""
    notes = [RANGE_RULE]
    for code in (PARTLY_IN_RANGE, COUNTRY_ONLY, LONG_SPAN):
        n, dead = counts[code]
        if n:
            notes.append(f"{n:,} event(s) ({dead:,} fatalities) {IMPRECISE_WORDS[code]}.")
    return notes


def _fit_governorates() -> None:
    """The governorate filter changed: fit the map to the chosen governorates (all of Syria when none)."""
    from webapp.search import fit_zoom

    ss = st.session_state
    vs = ss["vs"]
    codes = list(ss.get(K_GOV) or [])
    store, mtime = store_key()
    gov = load_boundaries(store, mtime, 1)
    chosen = gov.loc[gov["pcode"].isin(codes)] if codes else gov.iloc[0:0]
    if not len(chosen):
        ss["vs"] = vs.replace(lat=vsm.DEFAULT_CENTER[0], lon=vsm.DEFAULT_CENTER[1], zoom=vsm.DEFAULT_ZOOM)
        return
    x0, y0, x1, y1 = (float(v) for v in chosen.total_bounds)
    ss["vs"] = vs.replace(lat=round((y0 + y1) / 2, vsm.COORD_DECIMALS), lon=round((x0 + x1) / 2, vsm.COORD_DECIMALS),
                          zoom=fit_zoom((x0, y0, x1, y1)))


def _short_count(n: int) -> str:
    """A count that fits the sidebar's half-width metric: exact below 100,000, else in thousands or millions."""
    if n < 100_000:
        return f"{n:,}"
    return f"{n / 1_000_000:.2f}M" if n >= 1_000_000 else f"{n / 1000:.0f}k"


def sidebar(vs: vsm.ViewState) -> None:
    """The filters shared by every page and the key figures of the current selection."""
    store, mtime = store_key()
    events = load_events(store, mtime)
    with st.sidebar:
        st.markdown("### Filters")
        st.multiselect(
            "Event class",
            options=list(vsm.FILTER_CLASSES),
            format_func=filter_class_label,
            key=K_CLASS,
            placeholder="all classes",
        )
        st.multiselect(
            "Party or actor",
            options=list(vsm.PARTY_CODES),
            format_func=party_label,
            key=K_PARTY,
            placeholder="all parties",
        )
        st.multiselect(
            "Governorate",
            options=list(vsm.GOV_CODES),
            format_func=governorate_label,  # "Idlib (SY07) · Idleb · إدلب": press form, code, OCHA, Arabic
            key=K_GOV,
            on_change=_fit_governorates,
            placeholder="all governorates",
        )
        st.number_input(
            "At least this many fatalities",
            min_value=0,
            max_value=vsm.MAX_FMIN,
            step=1,
            key=K_FMIN,
            help="Best estimate of the source. 0: every event; above 0, events with no reported figure are left out.",
        )
        st.text_input(
            "Actor name contains",
            max_chars=vsm.MAX_ACTOR_LENGTH,
            key=K_ACTOR,
            placeholder="e.g. Islamic State, Ahrar",
            help="Case-insensitive text searched in both sides' names as the sources give them.",
        )
        figs, notes = _view_summary(store, mtime, _selection_key(vs, True))
        st.markdown("### Selection")
        st.caption(esc(f"{vs.start:%d %b %Y} – {vs.end:%d %b %Y}"))
        c1, c2 = st.columns(2)
        c1.metric("Events", _short_count(figs["events"]), help=f"{figs['events']:,} events")
        c2.metric("Fatalities", _short_count(figs["fatalities"]), help=f"{figs['fatalities']:,} fatalities")
        st.metric("Towns affected", f"{figs['towns']:,}")
        for note in notes:
            st.caption(esc(note))
        if figs["synthetic"]:
            st.caption(f"{figs['synthetic']} of these events are SYNTHETIC test data.")
        if len(events) == 0:
            st.caption("No events loaded yet (shipped data or workspace).")


ONE_DAY = timedelta(days=1)
