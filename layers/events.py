"""Violation points: events in the selected range as canvas circle markers, clustered by category.

Colour is the event's truce class (``truce_class``) or its alleged perpetrator (``party1``),
from ``geo/palette.py``.  Events located only to a district or governorate centroid are drawn
hollow with a dashed ring (the place is uncertain); events located only to the country are not
drawn at all (they have no place) and are counted in :attr:`EventsLayer.not_drawn`.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from dataclasses import dataclass

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geo import grid
from geo.memo import IdentityMemo
from geo.palette import CLASS_COLOURS, PARTY_COLOURS, UNCLASSIFIED_COLOUR
from geo.vocabulary import (
    EVENT_OUTLINE,
    GEO_PRECISION,
    LAYER,
    PERPETRATOR_PARTIES,
    UNCLASSIFIED,
    class_label,
    held_label,
    party_label,
)
from layers.points import PointRows, shared_values, text_colour
from layers.safe import esc, safe_colour

LAYER_NAME = LAYER["events"].label
#: Precisions drawn as exact (filled) points.
SOLID_PRECISIONS = ("exact", "near")
#: Precisions drawn hollow, with the ring radius in pixels.
HOLLOW_RADIUS = {"district": 9, "governorate": 12}
SOLID_RADIUS = 5


def colour_scheme(color_by: str) -> tuple[dict[str, str], dict[str, str]]:
    """(value -> colour, value -> label) for ``color_by`` = ``"class"`` or ``"party"``.

    Parties are the alleged perpetrators (``party1``) that have a colour: ``contested`` is a
    state of a zone, never an actor's party.

    Parameters
    ----------
    color_by : {"class", "party"}
        Colour by truce class or by alleged perpetrator.

    Returns
    -------
    tuple of dict
        Colours and labels (``geo.vocabulary``), keyed by code in display order.
    """
    if color_by == "party":
        return {p: PARTY_COLOURS[p] for p in PERPETRATOR_PARTIES}, {p: party_label(p) for p in PERPETRATOR_PARTIES}
    return dict(CLASS_COLOURS), {c: class_label(c) for c in CLASS_COLOURS}


def _iso(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[col].astype("string").fillna("").to_numpy(dtype=object)


#: Row labels of an event popup, in order (the values come from :func:`popup_fields`).
POPUP_LABELS = [
    "Date", "Place", "Ground", "Actors", "Type", "Class", "Fatalities", "Source", "Report", "Corroborated by", "Precision",
    "Dataset",
]
SYNTHETIC_NOTE = "SYNTHETIC EVENT (not a real incident)"


def popup_fields(row: dict) -> list:
    """Escaped popup values of one event: one per :data:`POPUP_LABELS`, then the id, then 1/0 synthetic.

    Parameters
    ----------
    row : dict
        One event record with text values: ``date_start``, ``date_end``, ``date_precision``,
        ``actor1``, ``actor2``, ``fatalities``, ``fat_low``, ``fat_high``, ``place``,
        ``event_type``, ``truce_class``, ``source``, ``geo_precision``, ``dataset`` and
        ``event_id``; optional ``flags``, ``held_by``, ``corroboration``/``corroborated_by``,
        ``source_url`` (an http(s) link to the report, :func:`report_link`).

    Returns
    -------
    list
        ``len(POPUP_LABELS)`` escaped strings, the escaped event id, then 1 if the event is
        synthetic else 0.
    """
    date = row["date_start"] + (f" – {row['date_end']}" if row["date_end"] and row["date_end"] != row["date_start"] else "")
    if row["date_precision"] and row["date_precision"] != "day":
        date += f" (date precision: {row['date_precision']})"
    actors = " vs ".join(a for a in (row["actor1"], row["actor2"]) if a)
    fat = row["fatalities"]
    if row["fat_low"] and row["fat_high"] and row["fat_low"] != row["fat_high"]:
        fat = f"{fat} (range {row['fat_low']}–{row['fat_high']})"
    if fat and "fatalities_from_ucdp" in row.get("flags", "").split(";"):
        fat += " (sum of the linked UCDP events; the curated record gives no figure)"
    held = row.get("held_by", "")
    ground = f"{held_label(held)} on the day" if held else ""
    # geo.incidents: the UCDP records of the same incident ('|'-joined), listed as sources
    linked = row.get("corroboration", "") or row.get("corroborated_by", "")
    corroborated = "UCDP GED: " + "; ".join(p for p in linked.split("|") if p) if linked else ""
    values = [
        date,
        row["place"],
        ground,
        actors,
        row["event_type"],
        class_label(row["truce_class"]) if row["truce_class"] else "",
        fat or "not reported",
        row["source"],
        "",  # the report link: HTML built by report_link, inserted below
        corroborated,
        GEO_PRECISION[row["geo_precision"]].label if row["geo_precision"] in GEO_PRECISION else row["geo_precision"],
        row["dataset"],
    ]
    out = [esc(v) for v in values]
    out[POPUP_LABELS.index("Report")] = report_link(row.get("source_url", ""))
    return out + [esc(row["event_id"]), 1 if row["dataset"] == "synthetic" else 0]


def selected_marker(lat: float, lon: float, colour: str, values: list) -> folium.Marker:
    """The selected event: a ringed dot above the clusters, its popup open when drawn.

    Parameters
    ----------
    lat, lon : float
        Its point.
    colour : str
        Its category colour (checked by ``layers.safe.safe_colour``).
    values : list
        Its :func:`popup_fields`.

    Returns
    -------
    folium.Marker
        A DOM marker (class ``scm-selected``) whose popup opens as soon as the marker is on the
        map (``folium.Popup(show=True)`` opens it only on a marker already on the map, which one
        in a layer streamlit-folium adds afterwards is not).
    """
    dot = (f'<div class="scm-selected" style="width:18px;height:18px;box-sizing:border-box;border-radius:50%;'
           f'background:{safe_colour(colour)};border:3px solid #111;box-shadow:0 0 0 3px #fff"></div>')
    marker = folium.Marker(
        [lat, lon],
        icon=folium.DivIcon(html=dot, icon_size=(18, 18), icon_anchor=(9, 9), class_name="scm-selected-icon"),
        popup=folium.Popup(popup_html(values), max_width=360),
        z_index_offset=200000,
    )
    _OpenPopupOnAdd().add_to(marker)  # after the popup: it is bound by then
    return marker


class _OpenPopupOnAdd(MacroElement):
    """Opens its parent marker's popup when the marker is added to the map (or at once if it is)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function (m) {
  m.options.scmSelected = true;
  m.on("add", function () { m.openPopup(); });
  if (m._map) { m.openPopup(); }
})({{ this._parent.get_name() }});
{% endmacro %}
""")


def report_link(url: str) -> str:
    """An anchor to the source's report opening in a new tab, or "" (only http(s) addresses).

    Parameters
    ----------
    url : str
        The report's address (``geo.view.with_source_urls``); anything but http(s) gives "".

    Returns
    -------
    str
        ``<a href="..." target="_blank" rel="noopener noreferrer">open the report</a>`` with the
        address escaped by ``layers.safe.esc``.
    """
    from geo.view import safe_link

    link = safe_link(url)
    if not link:
        return ""
    return f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer">open the report</a>'


def popup_html(values: list) -> str:
    """The popup of one event as HTML, from :func:`popup_fields` (as the map's script builds it).

    Parameters
    ----------
    values : list
        The output of :func:`popup_fields` (escaped values, id, synthetic flag).

    Returns
    -------
    str
        A table of the non-empty rows, the synthetic banner where it applies, the id below.
    """
    n = len(POPUP_LABELS)
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{v}</td></tr>" for label, v in zip(POPUP_LABELS, values[:n],
                                                                                    strict=True) if v != "")
    head = f'<div class="scm-synthetic">{esc(SYNTHETIC_NOTE)}</div>' if values[n + 1] else ""
    return f'<div class="scm-popup">{head}<table>{rows}</table><small>{values[n]}</small></div>'


def _tooltip(row: dict) -> str:
    tag = "[SYNTHETIC] " if row["dataset"] == "synthetic" else ""
    fat = f" · {row['fatalities']} killed" if row["fatalities"] else ""
    return esc(f"{tag}{row['date_start']} · {row['place'] or 'unnamed place'}{fat}")


@dataclass
class EventsLayer:
    """The built layer and what it shows (for the legend, the notes and the tests)."""

    group: folium.FeatureGroup
    drawn: int
    hollow: int
    not_drawn: int
    synthetic: int
    counts: dict[str, int]
    #: "points" (every drawable event a point), "cells" or "mixed" (``geo.grid.split``).
    mode: str = "points"
    #: Events counted in cells or at centres instead of drawn one by one.
    aggregated: int = 0
    #: Grid cells drawn and their size in degrees (0 when none).
    cells: int = 0
    cell_size: float = 0.0


def _placed(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, geo_precision, drawable) of each event: drawable = a finite point with a drawn precision.

    A point of unknown precision ("") is drawn hollow (not claimed exact); country-only events
    have no place and are not drawn.
    """
    geom = events.geometry
    valid = ~(geom.isna() | geom.is_empty).to_numpy()
    x = np.where(valid, geom.x.to_numpy() if valid.any() else np.nan, np.nan)
    y = np.where(valid, geom.y.to_numpy() if valid.any() else np.nan, np.nan)
    prec = _text(events, "geo_precision")
    finite = valid & np.isfinite(x) & np.isfinite(y)
    drawable = finite & (np.isin(prec, list(SOLID_PRECISIONS) + list(HOLLOW_RADIUS)) | (prec == ""))
    return x, y, prec, drawable


_TEXT_COLUMNS = (
    "event_id", "dataset", "date_precision", "place", "actor1", "actor2", "event_type",
    "source", "truce_class", "party1", "held_by", "flags", "corroborated_by", "corroboration", "source_url",
)


def _popup_rows(events: pd.DataFrame) -> list[dict]:
    """One dict of popup inputs (text) per event: the text columns, ISO dates, fatalities."""
    n = len(events)
    columns = {c: _text(events, c) for c in _TEXT_COLUMNS}
    columns["geo_precision"] = _text(events, "geo_precision")
    for c in ("date_start", "date_end"):
        if c not in events.columns:
            columns[c] = [""] * n
        elif pd.api.types.is_datetime64_any_dtype(events[c]):  # the loaded frames: at once
            columns[c] = events[c].dt.strftime("%Y-%m-%d").fillna("").tolist()
        else:
            columns[c] = [_iso(v) for v in events[c]]
    for c, k in (("fatalities", "fatalities"), ("fatalities_low", "fat_low"), ("fatalities_high", "fat_high")):
        if c in events.columns:
            vals = pd.to_numeric(events[c], errors="coerce")
            columns[k] = ["" if pd.isna(v) else str(int(v)) for v in vals]
        else:
            columns[k] = [""] * n
    return [{c: values[i] for c, values in columns.items()} for i in range(n)]


def events_layer(
    events: pd.DataFrame,
    *,
    color_by: str = "class",
    cluster: bool = True,
    name: str = LAYER_NAME,
    selected: str = "",
) -> EventsLayer:
    """Build the violation points layer.

    Parameters
    ----------
    events : GeoDataFrame
        Canonical event columns (``geo.schema.EVENT_COLUMNS``) with Point geometry in EPSG:4326;
        optional ``truce_class`` / ``party1`` (from ``geo/classify.py``).
    color_by : {"class", "party"}
        Colour by truce class or by alleged perpetrator (``party1``).
    cluster : bool
        Cluster dense areas; one cluster group per colour category so clusters keep categories.
    name : str
        Layer name (escaped).
    selected : str
        ``event_id`` of the selected event (the list under the map, the link's ``ev=``): drawn
        apart, above the clusters, ringed, with its popup open (:func:`selected_marker`).

    Returns
    -------
    EventsLayer
    """
    if len(events) == 0:
        return EventsLayer(folium.FeatureGroup(name=esc(name)), 0, 0, 0, 0, {})
    return _points_layer(_points_of(events, color_by, selected), len(events), color_by, cluster, name)


def _points_layer(pts: _Points, n: int, color_by: str, cluster: bool, name: str, shared: bool = False) -> EventsLayer:
    """The events layer of ``pts`` (:func:`_assemble`), ``n`` events given; ``shared``: ``pts`` is kept
    between reruns (:data:`_VIEW_POINTS`), so its JSON is written once (``layers.safe.JsonSpec.shared_by``)."""
    fg = folium.FeatureGroup(name=esc(name))
    PointRows(
        pts.spec, kind="event", cluster=cluster, popup_labels=[esc(label) for label in POPUP_LABELS], strings=pts.strings,
        synthetic_note=esc(SYNTHETIC_NOTE),
        stroke=safe_colour(EVENT_OUTLINE),  # dark outline: a dot stays visible on its own party's zone
    ).add_kept(fg, pts, shared, (cluster,))
    counts = dict(pts.counts)
    if pts.chosen is not None:
        key, lat, lon, fields = pts.chosen
        colours, _labels = colour_scheme(color_by)
        selected_marker(lat, lon, safe_colour(colours.get(key, UNCLASSIFIED_COLOUR)), fields).add_to(fg)
        counts[key or "unclassified"] = counts.get(key or "unclassified", 0) + 1
    return EventsLayer(group=fg, drawn=pts.drawn, hollow=pts.hollow, not_drawn=n - pts.drawn, synthetic=pts.synthetic,
                       counts=counts)


@dataclass(frozen=True)
class _Points:
    """The data of an events layer's points (:func:`_points_of`): kept between reruns."""

    spec: list
    strings: list
    counts: dict
    chosen: tuple | None
    drawn: int
    hollow: int
    synthetic: int


#: Points worked out lately: (content digest, colour_by, selected) -> _Points.  The Map page hands the
#: same events to every rerun that changes no filter (a control-date step, a toggle), so their
#: popups are escaped once, not at every run.  Keyed by the content the points are made of (never
#: by the frame's identity: a frame may be changed in place); frames over MEMO_ROWS rows are not kept.
_POINTS_MEMO: dict = {}
_POINTS_MEMO_LOCK = threading.Lock()  # Streamlit sessions run in threads
MEMO_ENTRIES, MEMO_ROWS = 4, 20_000
_POINT_INPUTS = (*_TEXT_COLUMNS, "geo_precision", "date_start", "date_end", "fatalities", "fatalities_low",
                 "fatalities_high")


def _digest(events: pd.DataFrame) -> str:
    """A digest of what the points of ``events`` are made of: the popup columns, in order, and the points."""
    cols = [c for c in _POINT_INPUTS if c in events.columns]
    h = hashlib.sha1(",".join(cols).encode())
    h.update(pd.util.hash_pandas_object(events[cols], index=False).to_numpy().tobytes())
    x, y, _prec, _drawable = _placed(events)
    h.update(x.tobytes())
    h.update(y.tobytes())
    return h.hexdigest()


def _points_of(events: pd.DataFrame, color_by: str, selected: str) -> _Points:
    """:func:`_build_points`, from the memo when the same events were drawn the same way lately."""
    if len(events) > MEMO_ROWS:
        return _build_points(events, color_by, selected)
    key = (_digest(events), color_by, selected)
    with _POINTS_MEMO_LOCK:
        hit = _POINTS_MEMO.get(key)
    if hit is not None:
        return hit
    points = _build_points(events, color_by, selected)
    with _POINTS_MEMO_LOCK:
        _POINTS_MEMO[key] = points
        while len(_POINTS_MEMO) > MEMO_ENTRIES:
            _POINTS_MEMO.pop(next(iter(_POINTS_MEMO)))
    return points


def _build_points(events: pd.DataFrame, color_by: str, selected: str) -> _Points:
    """One row per drawable event, grouped by colour (the ``PointRows`` spec), and their counts."""
    return _assemble(_rows_of(events), color_by, selected)


@dataclass(frozen=True)
class _Row:
    """What one drawable event gives its layer, whatever the colouring (:func:`_rows_of`)."""

    truce_class: str
    party1: str
    point: list  # [lat, lon, solid 1/0, radius, popup fields, tooltip]
    event_id: str
    synthetic: bool
    solid: bool


def _rows_of(events: pd.DataFrame) -> list:
    """A :class:`_Row` per row of ``events`` (None for an event with no place to draw): escaped here."""
    x, y, prec, drawable = _placed(events)
    rows = _popup_rows(events)
    out: list = [None] * len(events)
    for i in np.flatnonzero(drawable):
        row = rows[i]
        solid = prec[i] in SOLID_PRECISIONS
        radius = SOLID_RADIUS if solid else HOLLOW_RADIUS.get(prec[i], 9)
        point = [round(float(y[i]), 5), round(float(x[i]), 5), 1 if solid else 0, radius, popup_fields(row), _tooltip(row)]
        out[i] = _Row(row["truce_class"], row["party1"], point, row["event_id"], row["dataset"] == "synthetic", solid)
    return out


def _assemble(rows: list, color_by: str, selected: str) -> _Points:
    """The points of ``rows`` (:func:`_rows_of`, None skipped) coloured by ``color_by``; ``selected`` apart."""
    colours, _labels = colour_scheme(color_by)
    groups: dict[str, list] = {}
    drawn = hollow = synthetic = 0
    chosen = None
    for r in rows:
        if r is None:
            continue
        drawn += 1
        hollow += not r.solid
        synthetic += r.synthetic
        value = r.party1 if color_by == "party" else r.truce_class
        key = value if value in colours else ""
        if selected and r.event_id == selected:
            chosen = (key, r.point[0], r.point[1], r.point[4])
            continue
        lat, lon, solid, radius, fields, tip = r.point
        groups.setdefault(key, []).append([lat, lon, solid, radius, list(fields), tip])  # shared_values edits copies
    order = list(colours) + [""]
    spec = []
    for key in sorted(groups, key=order.index):
        colour = safe_colour(colours.get(key, UNCLASSIFIED_COLOUR))
        spec.append({"key": esc(key or "unclassified"), "color": colour, "text": text_colour(colour), "rows": groups[key]})
    counts = {(k or "unclassified"): len(v) for k, v in groups.items()}
    strings = shared_values(spec, len(POPUP_LABELS))
    return _Points(spec, strings, counts, chosen, drawn, hollow, synthetic)


#: Rows of loaded frames lately drawn: id of the frame -> (weak reference to it, {row position: _Row}).
#: A range step then escapes only the events it brings in (the Map page hands the loaded frame and
#: the view's read-only positions, ``webapp.session.view_positions``); at most ROW_MEMO_ROWS rows a frame.
_ROW_MEMO: dict = {}
ROW_MEMO_ROWS = 20_000


def _rows_at(events: pd.DataFrame, positions: np.ndarray) -> list:
    """:func:`_rows_of` ``events.iloc[positions]``, from the memo of ``events`` where it has them."""
    wanted = positions.tolist()
    with _POINTS_MEMO_LOCK:
        entry = _ROW_MEMO.get(id(events))
        if entry is None or entry[0]() is not events:
            for k in [k for k, (ref, _m) in _ROW_MEMO.items() if ref() is None]:
                del _ROW_MEMO[k]
            entry = _ROW_MEMO[id(events)] = (weakref.ref(events), {})
        memo = entry[1]
        missing = [p for p in wanted if p not in memo]
    if missing:
        fresh = dict(zip(missing, _rows_of(events.iloc[missing]), strict=True))
        with _POINTS_MEMO_LOCK:
            if len(memo) + len(fresh) > ROW_MEMO_ROWS:
                memo.clear()
            memo.update(fresh)
        return [memo.get(p, fresh.get(p)) for p in wanted]
    return [memo[p] for p in wanted]


def event_arrays(events: pd.DataFrame, color_by: str = "class") -> grid.EventArrays:
    """What :func:`event_overlay` needs of each event, as arrays: compute once per loaded frame.

    Parameters
    ----------
    events : GeoDataFrame
        As :func:`events_layer`.
    color_by : {"class", "party"}
        The categories the arrays' ``codes`` index (:func:`colour_scheme`, then unclassified).

    Returns
    -------
    geo.grid.EventArrays
        Row for row with ``events``; ``take`` selects the rows of a filtered frame.
    """
    x, y, prec, drawable = _placed(events)
    colours, _labels = colour_scheme(color_by)
    keys = (*colours, "")
    codes = grid.category_codes(_text(events, "party1" if color_by == "party" else "truce_class"), list(keys))
    fat = (pd.to_numeric(events["fatalities"], errors="coerce").to_numpy(dtype=float) if "fatalities" in events
           else np.full(len(events), np.nan))
    units = grid.units_of(prec, _text(events, "admin1_pcode"), _text(events, "admin2_pcode"))
    return grid.EventArrays(x, y, drawable, np.isin(prec, SOLID_PRECISIONS), fat, codes, units,
                            _text(events, "dataset") == "synthetic", keys)


#: The points of a view lately drawn, by (loaded frame, the view's read-only positions), colouring and
#: selection: a rerun on the same view (another session's, a control-date step) assembles nothing again.
_VIEW_POINTS = IdentityMemo(8, weak=True)


def _points_at(events: pd.DataFrame, positions: np.ndarray, kept: bool, color_by: str, selected: str,
               name: str) -> EventsLayer:
    """The events layer of the rows at ``positions``; ``kept``: rows of a loaded frame, from the row memo
    (and, when ``positions`` is read-only, a view's positions kept between reruns, from :data:`_VIEW_POINTS`)."""
    if kept and len(positions):
        def make():
            return _assemble(_rows_at(events, positions), color_by, selected)

        if positions.flags.writeable:
            return _points_layer(make(), len(positions), color_by, True, name)
        pts = _VIEW_POINTS.get_or_make((events, positions), (color_by, selected), make)
        return _points_layer(pts, len(positions), color_by, True, name, shared=True)
    rows = events if len(positions) == len(events) else events.iloc[positions]
    return events_layer(rows, color_by=color_by, selected=selected, name=name)


def _aggregates(a: grid.EventArrays, sp: grid.Split, color_by: str, zoom: float):
    """(``layers.aggregate.CellRows``, cells, centres) of the events ``sp`` aggregates."""
    from layers.aggregate import CellRows

    colours, labels = colour_scheme(color_by)
    k = len(a.categories)
    c, m = sp.cells, sp.centres
    cells = grid.grid_cells(a.x[c], a.y[c], a.codes[c], a.fatalities[c], k, grid.cell_degrees(zoom))
    centres = grid.centre_counts(a.x[m], a.y[m], a.codes[m], a.fatalities[m], k, a.units[m])
    element = CellRows(cells, centres, [*colours.values(), UNCLASSIFIED_COLOUR], [*labels.values(), UNCLASSIFIED.label])
    return element, cells, centres


def event_overlay(
    events: pd.DataFrame,
    *,
    lat: float,
    lon: float,
    zoom: float,
    color_by: str = "class",
    selected: str = "",
    name: str = LAYER_NAME,
    limit: int = grid.POINT_LIMIT,
    arrays: grid.EventArrays | None = None,
    positions: np.ndarray | None = None,
) -> EventsLayer:
    """The Map page's events: points while few, counts per grid cell when many (``geo.grid.split``).

    Parameters
    ----------
    events : GeoDataFrame
        As :func:`events_layer`.
    lat, lon, zoom : float
        The map's view: the cells' size follows the zoom; from ``geo.grid.POINTS_ZOOM`` the
        events around the centre are drawn as points when they are few enough.
    color_by, selected, name
        As :func:`events_layer` (the selected event is always drawn as a point).
    limit : int
        Most events drawn as points.
    arrays : geo.grid.EventArrays, optional
        :func:`event_arrays` of ``events`` (row for row, same ``color_by``), computed once and
        cached by the caller; computed here when not given.
    positions : numpy.ndarray of int, optional
        Row positions in ``events`` (and ``arrays``) of the events to draw, e.g. a filtered view of
        the loaded events: only the rows drawn as points are then taken from ``events`` (default:
        every row).

    Returns
    -------
    EventsLayer
        ``mode``, ``aggregated``, ``cells`` and ``cell_size`` say what was aggregated; ``drawn``
        counts every event on the map, as a point or in a count.
    """
    a = arrays if arrays is not None else event_arrays(events, color_by)
    if positions is None:
        positions = np.arange(len(events))
    else:
        a = a.take(positions)
    sp = grid.split(a.x, a.y, a.drawable, a.precise, lat=lat, lon=lon, zoom=zoom, limit=limit)
    kept = arrays is not None and not positions.flags.writeable  # the loaded frame and a view of it
    if sp.mode == "points":
        return _points_at(events, positions, kept, color_by, selected, name)
    points = sp.points
    if selected:
        points = points | (events["event_id"] == selected).to_numpy(dtype=bool)[positions]
    return _with_counts(_points_at(events, positions[points], kept, color_by, selected, name), a, sp, color_by, zoom)


def _with_counts(layer: EventsLayer, a: grid.EventArrays, sp: grid.Split, color_by: str, zoom: float) -> EventsLayer:
    """``layer`` (the points of a split) with the split's counts per cell and centre added to it."""
    element, cells, centres = _aggregates(a, sp, color_by, zoom)
    element.add_to(layer.group)
    counts = dict(layer.counts)
    in_counts = cells.by_category.sum(axis=0) + centres.by_category.sum(axis=0)
    for key, n in zip(a.categories, in_counts.tolist(), strict=True):
        if n:
            counts[key or "unclassified"] = counts.get(key or "unclassified", 0) + int(n)
    drawn = int(a.drawable.sum())
    return EventsLayer(group=layer.group, drawn=drawn, hollow=int((a.drawable & ~a.precise).sum()),
                       not_drawn=len(a.drawable) - drawn, synthetic=int((a.synthetic & a.drawable).sum()), counts=counts,
                       mode=sp.mode, aggregated=int(sp.cells.sum() + sp.centres.sum()),
                       cells=len(cells) + len(centres), cell_size=cells.size)
