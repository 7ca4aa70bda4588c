"""The Map page's event list: the events of the view as a table synced with the map.

One row per event of the view (the one filter, ``geo.view.filter_events``), in readable words:
dates, place, governorate name, actors, class label, fatalities, precision, source and a link
to the report where one is known (``geo.view.with_source_urls``).  Clicking a row selects the
event: the view (``ViewState.ev``, the link's ``ev=``) names it, the map flies to it and
``layers.events.events_layer(selected=...)`` draws it with its popup open.

The table is a read-only ``st.dataframe`` with single-row selection.  Its selection gives row
*positions in the frame passed to it* (whatever order the user sorted the columns into in the
browser), so the callback maps positions through the list of event ids of that same frame.
"""

from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from geo.memo import IdentityMemo
from geo.names import governorate_name, press_fold
from geo.queries import country_only
from geo.vocabulary import GEO_PRECISION, class_label
from webapp import session

#: Key prefix of the table; the key ends with a digest of the rows shown and of the selected
#: event, so a new list (other filters or order) or a selection made elsewhere (the link, the
#: clear button) gives a new table whose checked row is the selected event, never a stale one.
K_EVENT_TABLE = "w_event_list"
K_EVENT_SORT = session.K_EVENT_ORDER  # in the link: order= (viewstate.EVENT_ORDERS)
K_EVENT_CLEAR = "w_event_clear"
#: Zoom the map flies to for a selected event, by ``geo_precision`` (an area is shown whole).
EVENT_ZOOM = {"exact": 12, "near": 12, "district": 10, "governorate": 9}
#: Orders of the list: key (``viewstate.EVENT_ORDERS``) -> (label, columns, ascending).
SORTS = {
    "date_desc": ("date, newest first", ["Date", "Fatalities"], [False, False]),
    "date_asc": ("date, oldest first", ["Date", "Fatalities"], [True, False]),
    "fatalities": ("fatalities, most first", ["Fatalities", "Date"], [False, False]),
}
COLUMNS = ["Date", "End date", "Place", "Governorate", "Actors", "Class", "Fatalities", "Precision", "Source",
           "Report", "Event id"]
TABLE_HEIGHT = 380
#: Rows on one page of the list, in the chosen order: every rerun sends the page shown to the browser
#: (2,000 rows were about 400 KB per slider step), and a longer list is paged (:data:`K_EVENT_PAGE`).
#: The share panel's Events CSV has every event.
LIST_LIMIT = 250
#: The page of the list shown (a number input; not in the link: a selected event opens on its page).
K_EVENT_PAGE = "w_event_page"


def _iso(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    return stamps.dt.strftime("%Y-%m-%d").fillna("")


def _text(events: pd.DataFrame, col: str) -> pd.Series:
    if col not in events.columns:
        return pd.Series("", index=events.index, dtype=object)
    return events[col].astype("string").fillna("").astype(object)


def _governorate(events: pd.DataFrame) -> pd.Series:
    """Governorate display names (``geo.names``, never P-codes); events located only to Syria say so."""
    names = _text(events, "admin1_pcode").map(governorate_name)
    return names.where(~country_only(events), "Syria (location unknown)")


def event_table(events: pd.DataFrame, sort: str = "date_desc") -> pd.DataFrame:
    """The list's rows: one per event, readable columns (:data:`COLUMNS`), in the order ``sort``.

    Parameters
    ----------
    events : pandas.DataFrame
        Classified events of the view (``truce_class``; ``source_url`` optional).
    sort : str
        A key of :data:`SORTS` (stable: ties keep the events' order).

    Returns
    -------
    pandas.DataFrame
        A new frame on a 0..n-1 index (row positions), ``Fatalities`` nullable integers (empty
        when not reported), ``Report`` the http(s) link or None.
    """
    return _sort_table(_rows_table(events), sort)


def _sort_table(table: pd.DataFrame, sort: str) -> pd.DataFrame:
    """``table`` (rows of :func:`_rows_table`) in the order ``sort``, on a 0..n-1 index."""
    _label, by, ascending = SORTS.get(sort, SORTS["date_desc"])
    return table.sort_values(by, ascending=ascending, kind="stable", na_position="last").reset_index(drop=True)


def _rows_table(events: pd.DataFrame) -> pd.DataFrame:
    """:func:`event_table` of ``events`` in their own order (one row each, on their index)."""
    start, end = _iso(events.get("date_start", pd.Series(index=events.index))), _iso(
        events.get("date_end", pd.Series(index=events.index)))
    a1, a2 = _text(events, "actor1"), _text(events, "actor2")
    prec = _text(events, "geo_precision")
    links = _text(events, "source_url")
    table = pd.DataFrame({
        "Date": start,
        "End date": end.where(end != start, ""),
        "Place": _text(events, "place").map(press_fold),  # the one display spelling (geo.names)
        "Governorate": _governorate(events),
        "Actors": [" vs ".join(a for a in pair if a) for pair in zip(a1, a2, strict=True)],
        "Class": _text(events, "truce_class").map(lambda c: class_label(c) if c else ""),
        "Fatalities": pd.to_numeric(events.get("fatalities"), errors="coerce").astype("Int64"),
        "Precision": prec.map(lambda p: GEO_PRECISION[p].short if p in GEO_PRECISION else p),
        "Source": _text(events, "source"),
        "Report": links.where(links != "", None),
        "Event id": _text(events, "event_id"),
    })
    return table


def listed(events: pd.DataFrame, sort: str = "date_desc", limit: int = LIST_LIMIT, page: int = 0,
           positions: np.ndarray | None = None) -> pd.DataFrame:
    """The events one page of the list shows: rows ``page * limit`` to ``(page + 1) * limit`` in the order ``sort``.

    Parameters
    ----------
    events : pandas.DataFrame
        The view's events; with ``positions``, the loaded events.
    sort : str
        A key of :data:`SORTS`.
    limit : int
        Rows per page.
    page : int
        The page (0 is the first).
    positions : numpy.ndarray of int, optional
        Row positions in ``events`` of the view's events: only the page's rows are taken.

    Returns
    -------
    pandas.DataFrame
        The view's events when they are at most ``limit``, else that page's rows, in the order
        :func:`event_table` would give them (only the sort keys are computed for every event).
    """
    if positions is None:
        return events if len(events) <= limit else events.iloc[_order(events, sort)[page * limit:(page + 1) * limit]]
    return events.iloc[listed_positions(events, sort, limit, page, positions)]


def listed_positions(events: pd.DataFrame, sort: str, limit: int, page: int, positions: np.ndarray) -> np.ndarray:
    """Row positions in ``events`` of the rows :func:`listed` gives for the view at ``positions``.

    Parameters
    ----------
    events : pandas.DataFrame
        The loaded events.
    sort, limit, page
        As :func:`listed`.
    positions : numpy.ndarray of int
        Row positions in ``events`` of the view's events.

    Returns
    -------
    numpy.ndarray of int
        ``positions`` when the view has at most ``limit`` events, else that page's rows, in order.
    """
    if len(positions) <= limit:
        return positions
    return positions[_order(events, sort, positions)[page * limit:(page + 1) * limit]]


#: Orders of the view's events lately listed, by (loaded frame, positions) and sort.  Only read-only
#: positions (``session.view_positions``, one array per view, shared) are kept, with their frame, so a
#: rerun that changes no filter sorts nothing again.
_ORDERS = IdentityMemo(4)


def _order(events: pd.DataFrame, sort: str, positions: np.ndarray | None = None):
    """Row positions (within ``positions`` when given) of ``events`` in the order ``sort``, as :func:`event_table` sorts."""
    if positions is None or positions.flags.writeable:
        return _sorted(events, sort, positions)

    def make():
        increasing = len(positions) < 2 or bool((np.diff(positions) > 0).all())
        return _within(_full_order(events, sort), positions, len(events)) if increasing \
            else _sorted(events, sort, positions)

    return _ORDERS.get_or_make((events, positions), sort, make)


#: All the rows of a loaded frame sorted, per sort (weak references: a replaced store version's
#: frame may go).  A view's order is read off it (:func:`_within`) instead of sorting the view's rows
#: at each step.
_FULL_ORDERS = IdentityMemo(2 * len(SORTS), weak=True)


def _full_order(events: pd.DataFrame, sort: str) -> np.ndarray:
    """:func:`_sorted` of all of ``events`` (a loaded, read-only frame), once per frame and sort."""

    def make():
        order = _sorted(events, sort)
        order.setflags(write=False)
        return order

    return _FULL_ORDERS.get_or_make((events,), sort, make)


def _within(full: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """The order of the rows at (increasing) ``positions``, from ``full``, the order of all ``n`` rows.

    The sort is stable and ties keep the rows' order, so the rows at ``positions`` come in
    ``full`` in the order a sort of those rows alone gives; two passes over ``n`` rows, no sort.
    """
    chosen = np.zeros(n, dtype=bool)
    chosen[positions] = True
    rank = np.empty(n, dtype=np.int64)
    rank[positions] = np.arange(len(positions))
    return rank[full[chosen[full]]]


def _sorted(events: pd.DataFrame, sort: str, positions: np.ndarray | None = None):
    """:func:`_order`, computed."""
    _label, by, ascending = SORTS.get(sort, SORTS["date_desc"])
    start, fat = events["date_start"], events["fatalities"]
    if positions is not None:
        start, fat = start.iloc[positions], fat.iloc[positions]
    keys = pd.DataFrame({
        "Date": pd.to_datetime(start, errors="coerce").dt.normalize().to_numpy(),
        "Fatalities": pd.to_numeric(fat, errors="coerce").to_numpy(),
    })
    return keys.sort_values(by, ascending=ascending, kind="stable", na_position="last").index.to_numpy()


def _hits(events: pd.DataFrame, event_id: str, positions: np.ndarray | None = None) -> np.ndarray:
    """Where ``event_id`` is among the view's events (booleans over the view's rows)."""
    if "event_id" not in events.columns or not event_id:
        return np.zeros(len(events) if positions is None else len(positions), dtype=bool)
    hits = (events["event_id"] == event_id).fillna(False).to_numpy(dtype=bool)
    return hits if positions is None else hits[positions]


def page_of(events: pd.DataFrame, event_id: str, sort: str = "date_desc", limit: int = LIST_LIMIT,
            positions: np.ndarray | None = None) -> int | None:
    """The page (0 first) of :func:`listed` that lists ``event_id``; None when it is not in the view."""
    hits = _hits(events, event_id, positions)
    if not hits.any():
        return None
    if len(hits) <= limit:
        return 0
    rank = int(np.flatnonzero(hits[_order(events, sort, positions)])[0])
    return rank // limit


def event_targets(events: pd.DataFrame) -> dict[str, tuple[float, float, int] | None]:
    """Event id -> (lat, lon, zoom) the map flies to; None for an event with no place on the map.

    Parameters
    ----------
    events : GeoDataFrame
        Events with Point geometry (EPSG:4326) and ``geo_precision``.

    Returns
    -------
    dict
        Country-only events, events without a point and those of an unknown precision
        (not in :data:`EVENT_ZOOM`) map to None.
    """
    return dict(zip(_text(events, "event_id"), _target_list(events), strict=True))


def _target_list(events: pd.DataFrame) -> list:
    """:func:`event_targets` of each row of ``events``, in order (a list, row for row)."""
    out = []
    placed = ~country_only(events)
    for geom, prec, ok in zip(events.geometry, _text(events, "geo_precision"), placed, strict=True):
        if ok and geom is not None and not geom.is_empty and prec in EVENT_ZOOM:
            out.append((float(geom.y), float(geom.x), EVENT_ZOOM[prec]))
        else:
            out.append(None)
    return out


#: The list's rows of every event of a loaded frame, formatted once (:func:`_rows_table`, on a
#: 0..n-1 index), with their ids and map targets, by the frame (weak references: a replaced store
#: version's frame may go).  A rerun then takes the page's rows (:func:`_page_table`) instead of
#: formatting them again; frames over :data:`FORMAT_ROWS` rows are not kept (their page is formatted
#: at each rerun).
FORMAT_ROWS, FORMAT_ENTRIES = 100_000, 2
_FORMATTED = IdentityMemo(FORMAT_ENTRIES, weak=True)


def _formatted(events: pd.DataFrame) -> tuple | None:
    """(table, ids, targets) of every row of ``events`` (a loaded, read-only frame), once per frame."""
    if len(events) > FORMAT_ROWS:
        return None
    return _FORMATTED.get_or_make((events,), (), lambda: (_rows_table(events).reset_index(drop=True),
                                                           _text(events, "event_id").tolist(), _target_list(events)))


def _page_table(events: pd.DataFrame, rows: np.ndarray, sort: str) -> tuple[pd.DataFrame, dict]:
    """(:func:`event_table`, :func:`event_targets`) of ``events.iloc[rows]``, ``events`` a loaded frame.

    Taken from the rows formatted once (:func:`_formatted`), the same as formatting the page's rows
    (each cell depends on its own event only; the sort is the same stable sort).
    """
    memo = _formatted(events)
    if memo is None:
        shown = events.iloc[rows]
        return event_table(shown, sort), event_targets(shown)
    table, ids, targets = memo
    picked = rows.tolist()
    return _sort_table(table.iloc[rows], sort), {ids[i]: targets[i] for i in picked}


def select_event(vs, event_id: str, target) -> object:
    """The view with ``event_id`` selected and, when it has a place, the map centred on it.

    Parameters
    ----------
    vs : viewstate.ViewState
        The current view.
    event_id : str
        The selected event ("" clears the selection, leaving the map where it is).
    target : tuple of (float, float, int) or None
        Its (lat, lon, zoom) from :func:`event_targets`; the zoom never decreases.

    Returns
    -------
    viewstate.ViewState
    """
    if not event_id or target is None:
        return vs.replace(ev=event_id)
    lat, lon, zoom = target
    return vs.replace(ev=event_id, lat=lat, lon=lon, zoom=max(int(vs.zoom), zoom))


def table_key(ids: list[str], selected: str = "") -> str:
    """The table's widget key for rows ``ids`` (in order) and the selected event id.

    Parameters
    ----------
    ids : list of str
        Event ids of the rows, in the order passed to the table.
    selected : str
        The selected event id ("" for none).

    Returns
    -------
    str
        :data:`K_EVENT_TABLE` + "_" + a digest of both.
    """
    digest = hashlib.sha1(chr(31).join([selected, *ids]).encode("utf-8")).hexdigest()[:12]
    return f"{K_EVENT_TABLE}_{digest}"


def _on_select(key: str, ids: list[str], targets: dict) -> None:
    """Row clicked: select its event (positions are those of the frame passed, see module doc)."""
    ss = st.session_state
    rows = list(ss[key]["selection"]["rows"]) if key in ss else []
    vs = ss["vs"]
    if not rows or not 0 <= rows[0] < len(ids):
        ss["vs"] = vs.replace(ev="")
        return
    eid = ids[rows[0]]
    ss["vs"] = select_event(vs, eid, targets.get(eid))


def _clear() -> None:
    st.session_state["vs"] = st.session_state["vs"].replace(ev="")


def _selected_note(vs, events: pd.DataFrame, positions: np.ndarray | None) -> None:
    """What is selected (escaped), with a button to clear it."""
    if not vs.ev:
        return
    hits = _hits(events, vs.ev, positions)
    row = events.iloc[np.flatnonzero(hits) if positions is None else positions[hits]]
    c1, c2 = st.columns([5, 1])
    if len(row) == 0:
        c1.caption(f"The selected event {session.md_text(vs.ev)} is not among the events of these dates and filters.")
    else:
        r = event_table(row).iloc[0]
        where = "its popup is open on the map" if event_targets(row).get(vs.ev) else "it has no place on the map (Syria only)"
        c1.caption(session.md_text(f"Selected: {r['Date']} · {r['Place'] or 'unnamed place'} · {r['Actors']} "
                                   f"({vs.ev}); {where}."))
    c2.button("Clear the selected event", key=K_EVENT_CLEAR, on_click=_clear)


def _page(vs, events: pd.DataFrame, sort: str, positions: np.ndarray | None) -> int:
    """The page of the list to show (0 first), with its number input when there is more than one.

    A selected event new to the list (a link's ``ev=``, a click) or a new order opens the page
    listing the selected event, else the first page; the number is kept within the pages.
    """
    pages = -(-(len(events) if positions is None else len(positions)) // LIST_LIMIT)
    if pages <= 1:
        return 0
    ss = st.session_state
    if ss.get("event_page_for") != (vs.ev, sort):
        ss[K_EVENT_PAGE] = (page_of(events, vs.ev, sort, positions=positions) or 0) + 1
    ss["event_page_for"] = (vs.ev, sort)
    ss[K_EVENT_PAGE] = min(max(1, int(ss.get(K_EVENT_PAGE) or 1)), pages)
    narrow, _rest = st.columns([1, 3])  # a page number, not a full-width field
    narrow.number_input(f"Page of the list (1 to {pages:,})", min_value=1, max_value=pages, step=1, key=K_EVENT_PAGE)
    return int(ss[K_EVENT_PAGE]) - 1


def render_event_list(vs, events: pd.DataFrame, positions: np.ndarray | None = None) -> None:
    """The list of the view's events under the map, synced with it (click a row to fly there).

    Parameters
    ----------
    vs : viewstate.ViewState
        The current view (``ev`` is the selected event).
    events : GeoDataFrame
        The view's events (``session.filtered_events``), classified; with ``positions``, the loaded
        events (``session.load_events``).
    positions : numpy.ndarray of int, optional
        Row positions in ``events`` of the view's events (``session.view_positions``): only the rows
        listed are taken from the loaded events.
    """
    total = len(events) if positions is None else len(positions)
    st.markdown(f"**Events in the view** ({total:,})")
    if total == 0:
        st.caption("No events match the dates and filters.")
        return
    session.restore_widget(K_EVENT_SORT, vs.order)
    st.radio("Sort the list by", options=list(SORTS), format_func=lambda k: SORTS[k][0], key=K_EVENT_SORT,
             horizontal=True)
    sort = st.session_state[K_EVENT_SORT]
    page = _page(vs, events, sort, positions)
    if positions is not None and not positions.flags.writeable:  # the loaded frame and a view of it
        rows = listed_positions(events, sort, LIST_LIMIT, page, positions)
        table, targets = _page_table(events, rows, sort)
        n_shown = len(rows)
    else:
        shown = listed(events, sort, page=page, positions=positions)
        table, targets, n_shown = event_table(shown, sort), event_targets(shown), len(shown)
    ids = table["Event id"].tolist()
    key = table_key(ids, vs.ev)
    checked = [ids.index(vs.ev)] if vs.ev in ids else []
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height="auto" if len(table) <= 10 else TABLE_HEIGHT,  # no rows of empty cells under a short list
        key=key,
        on_select=partial(_on_select, key, ids, targets),
        selection_mode="single-row",
        selection_default={"selection": {"rows": checked}},
        placeholder="",  # a missing figure or link shows empty, never "None"
        column_config={
            "Fatalities": st.column_config.NumberColumn("Fatalities", format="%d", help="Best estimate; empty: not reported"),
            "Source": st.column_config.TextColumn("Source", width="medium"),  # long UCDP credits: the link stays in view
            "Report": st.column_config.LinkColumn("Report", display_text="open report",
                                                  help="The source's report, where its address is known"),
        },
    )
    if n_shown < total:
        first = page * LIST_LIMIT + 1
        st.caption(f"Listing events {first:,} to {first + n_shown - 1:,} of {total:,} in this order, "
                   f"{LIST_LIMIT:,} a page; the Events CSV of the share panel below has them all.")
    st.caption("Click a row to fly the map to the event and open its popup; click a column header to sort by it.")
    _selected_note(vs, events, positions)
