"""Cited towns: rings sized by the number of citing sources, coloured by the holder, labelled without collisions.

The rings live in a map pane of their own (:data:`TOWN_PANE`) above the event clusters, so a town
takes its click even where a cluster icon lies under it; the middle of a ring is empty and lets
clicks through, so an event at the town's exact point stays visible and clickable inside it.
Names are shown from the zoom at which they collide with no other name (``layers/labels.py``),
on hover below it.
"""

from __future__ import annotations

import html
import math

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from geo.palette import TOWN_COLOUR, party_colour
from geo.schema import ADMIN1, PARTIES
from geo.vocabulary import LAYER
from layers.labels import LEFT, MIN_ZOOM, label_placement, label_width
from layers.safe import JsonSpec, esc, safe_colour

LAYER_NAME = LAYER["towns"].label
MAX_CITATIONS_SHOWN = 8
#: The towns' own map pane, above ``markerPane`` (600: event markers and cluster icons) and below
#: ``tooltipPane`` (650: the labels) and ``popupPane`` (700), so a town is clickable over a cluster.
TOWN_PANE = "scmTowns"
TOWN_PANE_Z = 640
#: Width of a town's ring (pixels): the ring's colour is the holder on the control date; its
#: middle is empty and lets clicks through, so an event at the town's exact point stays visible
#: and clickable inside it.
RING_PX = 3
#: A ring's outer radius is the town's size (:func:`town_radius`) plus this, so its empty middle
#: (at least 6.5 px) holds an event dot (5 px and its outline) drawn at the same point.
RING_EXTRA_PX = 5

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var spec = {{ this.spec_json }};
  if (spec === null) { return; }  // a reference the frame could not resolve (layers/refs.py)
  var parent = {{ this._parent.get_name() }};
  // Rows: [lat, lon, 1, size_px, popup_html, label_html, label_min_zoom, [side at each zoom from
  // spec.zoom0: 1 right, -1 left]] (all text escaped; the zooms and sides are numbers).
  function ensurePane(map) {
    if (!map.getPane(spec.pane)) { map.createPane(spec.pane).style.zIndex = String(spec.paneZ); }
  }
  function ringHtml(colour, radius) {
    // a dark-edged band of the holder's colour; only the band takes the mouse
    var d = 2 * radius, c = radius, mid = radius - 1 - spec.ring / 2;
    var circle = '<circle cx="' + c + '" cy="' + c + '" r="' + mid + '" fill="none" stroke="';
    return '<svg width="' + d + '" height="' + d + '" style="display:block;pointer-events:none">' +
      circle + spec.stroke + '" stroke-width="' + (spec.ring + 2) + '" pointer-events="stroke"/>' +
      circle + colour + '" stroke-width="' + spec.ring + '" pointer-events="none"/></svg>';
  }
  function label(m, text, minZoom, sides) {
    var map = null, shown = null;
    function update() {
      if (!map) { return; }
      var z = Math.round(map.getZoom());
      var side = sides[Math.max(0, Math.min(sides.length - 1, z - spec.zoom0))] === spec.left ? "left" : "right";
      var want = (z >= minZoom) + side;  // below its zoom a label would collide: hover only
      if (want === shown) { return; }
      shown = want;
      m.unbindTooltip();
      m.bindTooltip(text, {permanent: z >= minZoom, direction: side, offset: [-2, 0], className: "scm-label"});
    }
    m.on("add", function () { map = m._map; shown = null; map.on("zoomend", update); update(); });
    m.on("remove", function () { if (map) { map.off("zoomend", update); } map = null; });
  }
  spec.groups.forEach(function (g) {
    g.rows.forEach(function (r) {
      var radius = r[3] + spec.extra;
      var m = L.marker([r[0], r[1]], {
        pane: spec.pane, keyboard: false,
        icon: L.divIcon({html: ringHtml(g.color, radius), className: "scm-town", iconSize: L.point(2 * radius, 2 * radius),
                         popupAnchor: [0, 0], tooltipAnchor: [radius, 0]})
      });
      m.beforeAdd = ensurePane;  // the pane must exist before the marker is put in it
      m.on("add", function () { m.getElement().style.pointerEvents = "none"; });  // the ring's middle lets clicks through
      m.options.scmKind = spec.kind;
      m.options.scmGroup = g.key;
      m.options.scmRadius = radius;
      m.options.scmLabelZoom = r[6];
      m.options.scmName = r[5];
      if (r[4]) { m.bindPopup(r[4], {maxWidth: 360}); }
      if (r[5] && spec.labels) { label(m, r[5], r[6], r[7]); }
      else if (r[5]) { m.bindTooltip(r[5], {direction: "right", offset: [-2, 0], className: "scm-label"}); }
      parent.addLayer(m);
    });
  });
})();
{% endmacro %}
"""


class TownMarkers(JsonSpec, MacroElement):
    """Town rings in their own pane above the event clusters, labelled from their collision-free zoom.

    Parameters
    ----------
    groups : list of dict
        ``{"key", "color", "text", "rows"}``; rows ``[lat, lon, 1, size_px, popup_html,
        label_html, label_min_zoom, sides]`` with every string escaped (``layers.safe.esc``);
        ``sides`` gives the label's side (1 right, -1 left) at each zoom from ``MIN_ZOOM``.
    labels : bool
        Show each name permanently from its ``label_min_zoom`` on (else on hover only).
    stroke : str
        Hex colour of the rings' edges.
    """

    _template = Template(_TEMPLATE)

    def __init__(self, groups: list[dict], *, labels: bool = True, stroke: str = "#111111"):
        super().__init__()
        self._name = "TownMarkers"
        self.spec = {
            "kind": "town", "cluster": False, "labels": bool(labels), "stroke": stroke,
            "pane": TOWN_PANE, "paneZ": int(TOWN_PANE_Z), "ring": int(RING_PX), "extra": float(RING_EXTRA_PX),
            "zoom0": int(MIN_ZOOM), "left": int(LEFT),
            "groups": groups,
        }

    @property
    def n_rows(self) -> int:
        """Number of towns drawn."""
        return sum(len(g["rows"]) for g in self.spec["groups"])


def town_radius(n_sources) -> float:
    """Size of a town's marker in pixels: grows with the square root of the number of citing sources.

    The ring drawn has this outer radius plus :data:`RING_EXTRA_PX` (room for an event inside).

    Parameters
    ----------
    n_sources : int or None
        Number of citing sources; ``None``, NaN and negative values count as 0.

    Returns
    -------
    float
        ``4 + 2.5 * sqrt(n)``, rounded to one decimal.
    """
    n = 0 if n_sources is None or pd.isna(n_sources) else max(0, int(n_sources))
    return round(4 + 2.5 * math.sqrt(n), 1)


def _document_text(doc) -> str:
    if isinstance(doc, dict):
        outlet, title, day = doc.get("outlet", ""), doc.get("title", ""), doc.get("date", "")
        text = f"{outlet}: {title}" if outlet and title else str(title or outlet)
        return f"{text} ({day})" if day else text
    return str(doc)


def _citations(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | np.ndarray) and any(isinstance(v, dict) for v in value):
        return [t for t in (_document_text(v) for v in value) if t]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value if str(v)]
    if isinstance(value, float) and math.isnan(value):
        return []
    text = str(value)
    for sep in ("|", "\n", ";"):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text] if text else []


def town_popup(row: dict, date_label: str) -> str:
    """Popup HTML: English and Arabic names, governorate, holder at the date, citations (escaped).

    Parameters
    ----------
    row : dict
        One town record; ``name_en``, ``name_ar``, ``admin1_pcode``, ``party``, ``n_sources``,
        ``citations`` (or ``documents``) and ``locality_id`` are read when present.
    date_label : str
        The control date, shown as "Held on ...".

    Returns
    -------
    str
        HTML with all text escaped; at most :data:`MAX_CITATIONS_SHOWN` citations are listed.
    """
    gov = ADMIN1.get(row.get("admin1_pcode", ""), row.get("admin1_pcode", "")) or "unknown"
    party = row.get("party", "")
    held = PARTIES.get(party, party) if party else "no control record for this date"
    cites = _citations(row.get("citations")) or _citations(row.get("documents"))
    n = row.get("n_sources")
    n_txt = "" if n is None or pd.isna(n) else f"{int(n)} source(s)"
    items = "".join(f"<li>{esc(c)}</li>" for c in cites[:MAX_CITATIONS_SHOWN])
    more = f"<li>… and {len(cites) - MAX_CITATIONS_SHOWN} more</li>" if len(cites) > MAX_CITATIONS_SHOWN else ""
    ar = row.get("name_ar", "")
    ar_html = f' <span dir="rtl" lang="ar">{esc(ar)}</span>' if ar else ""
    return (
        '<div class="scm-popup">'
        f"<b>{esc(row.get('name_en', ''))}</b>{ar_html}<table>"
        f"<tr><th>Governorate</th><td>{esc(gov)}</td></tr>"
        f"<tr><th>Held on {esc(date_label)}</th><td>{esc(held)}</td></tr>"
        f"<tr><th>Cited by</th><td>{esc(n_txt)}</td></tr></table>"
        + (f"<ul style='margin:2px 0 0 16px;padding:0'>{items}{more}</ul>" if items else "")
        + f"<small>{esc(row.get('locality_id', ''))}</small></div>"
    )


def towns_layer(towns, *, date_label: str = "", name: str = LAYER_NAME, labels: bool = True) -> folium.FeatureGroup:
    """FeatureGroup of cited towns.

    Parameters
    ----------
    towns : GeoDataFrame
        ``locality_id``, ``name_en``, ``name_ar``, ``admin1_pcode``, ``n_sources``, Point geometry;
        optional ``party`` (holder on the selected date) and ``citations`` (list or '|'-joined).
    date_label : str
        The control date shown in the popup ("Held on ...").
    labels : bool
        Name labels next to the markers, each shown from the zoom at which it collides with no
        other label or town (:func:`label_zooms`), on hover below it.
    """
    return towns_group(towns_spec(towns, date_label=date_label), name=name, labels=labels)


def towns_spec(towns, *, date_label: str = "") -> list[dict] | None:
    """What :func:`towns_layer` draws of ``towns``: its :class:`TownMarkers` groups (escaped), None for no town.

    It depends only on the towns and the date, so a caller may work it out once and hand it to
    :func:`towns_group` at every rerun (it must not be changed then).

    Parameters
    ----------
    towns : GeoDataFrame
        As :func:`towns_layer`.
    date_label : str
        As :func:`towns_layer`.

    Returns
    -------
    list of dict or None
        One group per holder, rows with their label zooms and sides.
    """
    if len(towns) == 0:
        return None
    geom = towns.geometry
    ok = ~(geom.isna() | geom.is_empty).to_numpy()
    records = towns.drop(columns=towns.geometry.name).to_dict("records")
    groups: dict[str, list] = {}
    drawn: list[tuple[list, tuple]] = []
    for i in np.flatnonzero(ok):
        row = {k: ("" if not isinstance(v, list | tuple | np.ndarray) and pd.isna(v) else v) for k, v in records[i].items()}
        if "n_sources" in records[i]:
            row["n_sources"] = records[i]["n_sources"]
        party = str(row.get("party", "") or "")
        pt = geom.iloc[i]
        groups.setdefault(party, []).append(
            [
                round(float(pt.y), 5),
                round(float(pt.x), 5),
                1,
                town_radius(row.get("n_sources")),
                town_popup(row, date_label),
                esc(row.get("name_en", "")),
            ]
        )
        drawn.append((groups[party][-1], _priority(row)))
    zooms, sides = label_zooms([r for r, _ in drawn], [p for _, p in drawn])
    for (row, _), zoom, side in zip(drawn, zooms, sides, strict=True):
        row.extend([int(zoom), [int(v) for v in side]])
    spec = []
    for party, rows in groups.items():
        colour = safe_colour(party_colour(party)) if party else "#ffffff"
        spec.append({"key": esc(party or "unknown"), "color": colour, "text": "#000000", "rows": rows})
    return spec


def towns_group(spec: list[dict] | None, *, name: str = LAYER_NAME, labels: bool = True,
                shared: bool = False) -> folium.FeatureGroup:
    """The towns layer of :func:`towns_spec` ``spec`` (an empty group for None).

    Parameters
    ----------
    spec : list of dict or None
        :func:`towns_spec` (read, never changed).
    name : str
        Layer name (escaped).
    labels : bool
        As :func:`towns_layer`.
    shared : bool
        ``spec`` is kept between reruns: its JSON is written once (``layers.safe.JsonSpec.shared_by``).

    Returns
    -------
    folium.FeatureGroup
    """
    fg = folium.FeatureGroup(name=esc(name))
    if spec is None:
        return fg
    # rings in a pane of their own, above the event clusters
    TownMarkers(spec, labels=labels, stroke=safe_colour(TOWN_COLOUR)).add_kept(fg, spec, shared, (bool(labels),))
    return fg


def _number(value) -> float:
    try:
        return 0.0 if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):  # a text column: not a figure
        return 0.0


def _priority(row: dict) -> tuple[float, float, float]:
    """Label priority of a town: citing sources, then mentions, then population (when known)."""
    return (_number(row.get("n_sources")), _number(row.get("n_mentions")), _number(row.get("population")))


def label_zooms(rows: list[list], priority: list) -> tuple[np.ndarray, np.ndarray]:
    """Zoom from which each town's label is shown, and its side at each zoom (``layers.labels``).

    Parameters
    ----------
    rows : list of list
        Town rows ``[lat, lon, 1, size_px, popup_html, label_html, ...]`` as drawn (the label
        is escaped HTML; its width is estimated from the text it displays).
    priority : list of tuple
        One sortable key per row, higher first (:func:`_priority`: sources, mentions, population).

    Returns
    -------
    (min_zoom, sides) : tuple of numpy.ndarray
        As :func:`layers.labels.label_placement` (``NEVER``: on hover only; sides from ``MIN_ZOOM``).
    """
    if not rows:
        return np.array([], dtype=int), np.zeros((0, 0), dtype=int)
    lat = [r[0] for r in rows]
    lon = [r[1] for r in rows]
    radius = [r[3] + RING_EXTRA_PX for r in rows]
    width = [label_width(html.unescape(r[5])) for r in rows]
    return label_placement(lat, lon, radius, width, priority)
