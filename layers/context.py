"""Offline geographic context under the zones: neighbours, sea, rivers, Lake Assad, highways.

The features come from ``data/context.geojson`` (built by ``scripts/build_context.py``; read by
``geo.context.load_context``).  Rivers and highways there are schematic (straight segments
between named towns), and this layer says so in its name, its attribution and the legend
(``layers.legend``).

Drawing order, bottom to top: the shapes (shading outside Syria, Lake Assad, highways, rivers)
in pane :data:`SHAPE_PANE` (z-index 300), the names in pane :data:`LABEL_PANE` (350), then the
overlay pane (400) with the map's one shared canvas (zones, boundaries, events, towns;
``layers/canvas.py``).  So zones tint the context, events and towns cover it, and a name never
hides data.  Nothing here is interactive.  The shapes are drawn by an SVG renderer of their own
in that low pane, not by a canvas: the map keeps its one canvas (``layers/canvas.py``), which,
full-size and on top, still receives every mouse event.  They are tagged ``scmKind =
"context"`` all the same.  The labels are ``DivIcon`` markers (0 x 0 px icons whose text
overflows, ``pointer-events: none``), so they carry Leaflet's ``leaflet-marker-icon`` class but
live outside the marker pane.
"""

from __future__ import annotations

import json

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.vocabulary import LAYER
from layers.boundaries import Attribution
from layers.safe import JsonSpec, esc, safe_colour

LAYER_NAME = f"{LAYER['context'].label} (schematic)"
#: Colours of the context (muted, so zones and events stay the strongest marks).
RIVER_COLOUR = "#3D85C6"
LAKE_FILL = "#A9CBEA"
HIGHWAY_COLOUR = "#8A7A66"
OUTSIDE_FILL = "#D3D7DC"
LABEL_GREY = "#5F6368"
#: Panes of the shapes and of the labels, above the tiles (200), below the overlay pane (400).
SHAPE_PANE = "scmContextShapes"
SHAPE_PANE_Z = 300
LABEL_PANE = "scmContextLabels"
LABEL_PANE_Z = 350
#: Line weight per kind (main rivers a little thicker).
MAIN_RIVERS = ("Euphrates", "Tigris")
#: The credit added to the map's attribution control (plain text; escaped there).
CONTEXT_ATTRIBUTION = "Context (schematic): GeoNames, Natural Earth"

#: Label styles per kind (trusted constants; the text inside is escaped).
_LABEL_STYLE = {
    "country": f"color:{LABEL_GREY};font:600 12px system-ui,sans-serif;letter-spacing:2px;",
    "sea": f"color:{RIVER_COLOUR};font:italic 12px system-ui,sans-serif;letter-spacing:1px;",
    "territory": f"color:{LABEL_GREY};font:italic 10px system-ui,sans-serif;text-align:center;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff;",
    "river": f"color:{RIVER_COLOUR};font:italic 600 11px system-ui,sans-serif;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff;",
    "lake": f"color:{RIVER_COLOUR};font:italic 600 10px system-ui,sans-serif;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff;",
    "highway": f"color:#3d3329;background:#fff;border:1px solid {HIGHWAY_COLOUR};border-radius:3px;"
    "padding:0 3px;font:700 10px system-ui,sans-serif;",
}


def _style(kind: str, name: str) -> dict:
    if kind == "outside":
        return {"stroke": False, "fill": True, "fillColor": OUTSIDE_FILL, "fillOpacity": 0.75}
    if kind == "lake":
        return {"color": safe_colour(RIVER_COLOUR), "weight": 1, "opacity": 0.9,
                "fill": True, "fillColor": LAKE_FILL, "fillOpacity": 0.9}
    if kind == "river":
        return {"color": RIVER_COLOUR, "weight": 2.4 if name in MAIN_RIVERS else 1.6, "opacity": 0.85,
                "fill": False}
    return {"color": HIGHWAY_COLOUR, "weight": 1.4, "opacity": 0.85, "fill": False, "dashArray": "6 3"}


def _shapes(gdf) -> dict:
    """The area and line features as one GeoJSON collection (outside first, then lake, highways, rivers)."""
    order = {"outside": 0, "lake": 1, "highway": 2, "river": 3}
    rows = sorted(
        (r for r in gdf.itertuples(index=False) if r.kind in order and r.geometry is not None),
        key=lambda r: order[r.kind],
    )
    feats = []
    for r in rows:
        geom = shapely.transform(r.geometry, lambda xy: np.round(xy, 4))
        feats.append({
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geom),
            "properties": {
                "kind": esc(r.kind), "name": esc(r.name), "source": esc(r.source),
                "precision": esc(r.precision), "style": _style(r.kind, r.name),
            },
        })
    return {"type": "FeatureCollection", "features": feats}


def _label_spots(gdf):
    """(kind, label, lat, lon) of every name to write: points, and ``label_at`` of lines and the lake."""
    for r in gdf.itertuples(index=False):
        if r.kind == "outside" or r.geometry is None:
            continue
        if r.geometry.geom_type == "Point":
            yield r.kind, r.label, r.geometry.y, r.geometry.x
            continue
        for lon, lat in r.label_at if isinstance(r.label_at, list | tuple) else ():
            yield r.kind, r.label, float(lat), float(lon)


def label_html(kind: str, text: str) -> str:
    """HTML of one context label (text escaped, style a trusted constant).

    Parameters
    ----------
    kind : str
        ``country``, ``sea``, ``territory``, ``river``, ``lake`` or ``highway`` (others get the
        country style).
    text : str
        The label text; a newline starts a second line.

    Returns
    -------
    str
        A ``div`` centred on the label's point.
    """
    style = _LABEL_STYLE.get(kind, _LABEL_STYLE["country"])
    lines = "<br>".join(esc(line) for line in str(text).split("\n"))
    return (
        f'<div class="scm-context-label scm-context-{esc(kind)}" '
        f'style="position:absolute;transform:translate(-50%,-50%);white-space:nowrap;pointer-events:none;{style}">'
        f"{lines}</div>"
    )


class ContextShapes(JsonSpec, MacroElement):
    """The context's shapes (SVG renderer of their own in :data:`SHAPE_PANE`) and names (``DivIcon``
    markers in :data:`LABEL_PANE`), drawn from one spec: ``{"shapes": FeatureCollection, "labels":
    [[lat, lon, html], ...]}``.  Nothing of it is interactive.

    Its data is a :class:`layers.safe.JsonSpec`, so a map frame that already holds it is sent a
    reference instead (``layers.refs``).  The map keeps one SVG renderer for the shapes, however
    often the layer is drawn again.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var spec = {{ this.spec_json }};
  if (spec === null) { return; }  // a reference the frame could not resolve (layers/refs.py)
  var parent = {{ this._parent.get_name() }}, map = {{ this._parent._parent.get_name() }};
  var renderer = map.scmContextRenderer || (map.scmContextRenderer = L.svg({pane: {{ this.shape_pane }}}));
  L.geoJson(spec.shapes, {
    interactive: false, pane: {{ this.shape_pane }}, renderer: renderer,
    style: function (feature) { return feature.properties.style; },
    onEachFeature: function (feature, layer) { layer.options.scmKind = "context"; }
  }).addTo(parent);
  spec.labels.forEach(function (r) {
    L.marker([r[0], r[1]], {
      icon: L.divIcon({html: r[2], iconSize: [0, 0], iconAnchor: [0, 0], className: "scm-context-icon"}),
      interactive: false, keyboard: false, pane: {{ this.label_pane }}
    }).addTo(parent);
  });
})();
{% endmacro %}
""")

    def __init__(self, shapes: dict, labels: list):
        super().__init__()
        self._name = "ContextShapes"
        self.spec = {"shapes": shapes, "labels": labels}
        self.shape_pane, self.label_pane = json.dumps(SHAPE_PANE), json.dumps(LABEL_PANE)


def context_layer(gdf, *, name: str = LAYER_NAME) -> folium.FeatureGroup:
    """The geographic context as one feature group: shading, lake, highways, rivers and names.

    Parameters
    ----------
    gdf : GeoDataFrame
        ``geo.context.load_context()``: columns ``kind``, ``name``, ``label``, ``source``,
        ``precision``, ``label_at`` (list of [lon, lat] or None), geometry EPSG:4326.  ``None``
        or empty draws nothing (an empty group).
    name : str
        Layer name in the layer control (escaped).

    Returns
    -------
    folium.FeatureGroup
        One :class:`ContextShapes` (the panes are the map's: :func:`add_context_panes`); listed in
        the layer control so it can be hidden for the moment.
    """
    return context_group(context_data(gdf), name=name)


def context_data(gdf) -> tuple[dict, list] | None:
    """What :func:`context_layer` draws of ``gdf``: (shapes, labels), escaped; None when there is nothing.

    It depends only on the context file, so a caller may compute it once and hand it to
    :func:`context_group` at every rerun (it must not be changed then).

    Parameters
    ----------
    gdf : GeoDataFrame
        As :func:`context_layer`.

    Returns
    -------
    tuple of (dict, list) or None
        The shapes' FeatureCollection and the labels' ``[lat, lon, html]`` rows.
    """
    if gdf is None or len(gdf) == 0:
        return None
    labels = [[round(float(lat), 5), round(float(lon), 5), label_html(kind, text)]
              for kind, text, lat, lon in _label_spots(gdf)]
    return _shapes(gdf), labels


def context_group(data: tuple[dict, list] | None, *, name: str = LAYER_NAME, shared: bool = False) -> folium.FeatureGroup:
    """The context layer of :func:`context_data` ``data`` (an empty group for None).

    Parameters
    ----------
    data : tuple of (dict, list) or None
        :func:`context_data` (read, never changed).
    name : str
        Layer name in the layer control (escaped).
    shared : bool
        ``data`` is kept between reruns: its JSON is written once (``layers.safe.JsonSpec.shared_by``).

    Returns
    -------
    folium.FeatureGroup
    """
    fg = folium.FeatureGroup(name=esc(name))
    if data is not None:
        ContextShapes(*data).add_kept(fg, data, shared)
    return fg


def add_context_panes(m: folium.Map) -> None:
    """The context's two panes (shapes, names) and its credit, on a base map; the context itself
    (:func:`context_layer`) may then be drawn on it, now or at each rerun.

    Parameters
    ----------
    m : folium.Map
        The map.

    Returns
    -------
    None
    """
    folium.map.CustomPane(SHAPE_PANE, z_index=SHAPE_PANE_Z, pointer_events=False).add_to(m)
    folium.map.CustomPane(LABEL_PANE, z_index=LABEL_PANE_Z, pointer_events=False).add_to(m)
    add_context_attribution(m)


def add_context(m: folium.Map, gdf) -> folium.FeatureGroup:
    """Add the context to a base map: its two panes, :func:`context_layer` and the attribution.

    Call it before the zones, events and towns are added (it is part of the base map).

    Parameters
    ----------
    m : folium.Map
        The map.
    gdf : GeoDataFrame
        ``geo.context.load_context()`` (``None`` or empty: only the pane and the attribution).

    Returns
    -------
    folium.FeatureGroup
        The group added.
    """
    add_context_panes(m)
    fg = context_layer(gdf)
    fg.add_to(m)
    return fg


def add_context_attribution(m: folium.Map) -> None:
    """Credit the context's sources (and say it is schematic) in the map's attribution control.

    Parameters
    ----------
    m : folium.Map
        The map; an :class:`layers.boundaries.Attribution` with :data:`CONTEXT_ATTRIBUTION` is added.

    Returns
    -------
    None
    """
    Attribution(CONTEXT_ATTRIBUTION).add_to(m)


def legend_rows() -> str:
    """The context's part of the map legend (trusted constants, escaped text).

    Returns
    -------
    str
        A heading saying the context is schematic, and one row each for rivers and the lake,
        the highways and the area outside Syria.
    """
    line = '<span class="scm-swatch" style="border:0;height:0;border-top:{w}px {s} {c};vertical-align:3px"></span>'
    rows = [
        (line.format(w=2, s="solid", c=RIVER_COLOUR), "river, lake (Lake Assad)"),
        (line.format(w=2, s="dashed", c=HIGHWAY_COLOUR), "highway (M4, M5, M20)"),
        (f'<span class="scm-swatch" style="background:{OUTSIDE_FILL};border-color:#bbb"></span>', "outside Syria"),
    ]
    body = "".join(f"<div>{mark}{esc(text)}</div>" for mark, text in rows)
    return f"<h4>{esc(LAYER_NAME)}</h4>{body}"
