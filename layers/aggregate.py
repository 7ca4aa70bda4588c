"""Aggregated events: counts per grid cell, and per district or governorate centre.

For maps holding more events than a browser can draw one by one (``geo/grid.py`` decides).
Each cell is a disc at the centre of its square on the map's shared canvas (``layers/canvas.py``,
kind ``"cell"``), its area proportional to the events it holds, filled with the colour of its
most frequent category (the zones stay visible between the discs); its tooltip gives the
events, the fatalities and the count per category; a click zooms the map to the square.  Events located only to a district or governorate centre are one dashed ring per
centre with their number, never spread over cells.

The data go to the browser as one compact JSON object (numbers, and labels escaped with
``layers.safe.esc``); a fixed script draws them.  A few thousand cells are tens of kilobytes,
whatever the number of events.
"""

from __future__ import annotations

import folium
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from geo.grid import Cells
from layers.safe import JsonSpec, esc, safe_colour

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var spec = {{ this.spec_json }};
  if (spec === null) { return; }  // a reference the frame could not resolve (layers/refs.py)
  var parent = {{ this._parent.get_name() }};
  function fmt(n) { return n.toLocaleString("en-GB"); }
  function tip(c, head) {
    var rows = "";
    c[5].forEach(function (n, k) {
      if (n) { rows += "<br>" + spec.labels[k] + ": " + fmt(n); }
    });
    return head + "<b>" + fmt(c[2]) + " " + spec.words.events + "</b>, " + fmt(c[3]) + " " +
      spec.words.fatalities + rows;
  }
  var d = spec.size, top = spec.top;
  // a disc per square, its area proportional to the count up to the 95th percentile of the
  // squares' counts (from there on 90 % of the square's width: one crowded square does not shrink
  // all the others to dots), so the zones stay visible between the discs; in metres, so it
  // scales with the zoom
  var half = d * 111320 / 2;
  spec.cells.forEach(function (c) {
    var lat = c[1] + d / 2, share = Math.sqrt(Math.min(1, c[2] / top));
    var r = L.circle([lat, c[0] + d / 2], {
      radius: Math.max(0.18, 0.9 * share) * half * Math.cos(lat * Math.PI / 180),
      color: spec.stroke, weight: 1, opacity: 0.9, fillColor: spec.colors[c[4]], fillOpacity: 0.75
    });
    r.options.scmKind = "cell";
    r.bindTooltip(tip(c, spec.words.cell), {sticky: true});
    var box = L.latLngBounds([c[1], c[0]], [c[1] + d, c[0] + d]);
    r.on("click", function () { r._map.fitBounds(box, {maxZoom: spec.clickZoom}); });
    parent.addLayer(r);
  });
  spec.centres.forEach(function (c) {
    var m = L.circleMarker([c[1], c[0]], {
      radius: 7 + 3 * Math.log10(1 + c[2]), color: spec.colors[c[4]], weight: 2, dashArray: "3 3",
      fillColor: spec.colors[c[4]], fillOpacity: 0.1
    });
    m.options.scmKind = "cell";
    m.bindTooltip(tip(c, spec.words.centre), {sticky: true});
    parent.addLayer(m);
  });
})();
{% endmacro %}
"""


def _rows(cells: Cells) -> list[list]:
    """``[x, y, count, fatalities, dominant, [count per category]]`` per cell (rounded numbers)."""
    if not len(cells):
        return []
    dom = cells.dominant()
    xs = np.round(cells.x, 5).tolist()
    ys = np.round(cells.y, 5).tolist()
    return [
        [x, y, int(n), int(f), int(k), row]
        for x, y, n, f, k, row in zip(xs, ys, cells.count.tolist(), cells.fatalities.tolist(), dom.tolist(),
                                      cells.by_category.tolist(), strict=True)
    ]


class CellRows(JsonSpec, MacroElement):
    """Draws :class:`geo.grid.Cells` (a disc per square) and centre counts (dashed rings) from one JSON object.

    Parameters
    ----------
    cells : geo.grid.Cells
        Counts per grid cell (``size`` > 0).
    centres : geo.grid.Cells
        Counts per district or governorate centre (``size`` 0).
    colours, labels : list of str
        Colour and label of each category, in the order of the cells' ``by_category`` columns.
    click_zoom : int
        Most zoom a click on a cell goes to.
    """

    _template = Template(_TEMPLATE)

    def __init__(self, cells: Cells, centres: Cells, colours: list[str], labels: list[str], *, click_zoom: int = 12):
        super().__init__()
        self._name = "CellRows"
        self.spec = {
            "size": float(cells.size),
            "top": max(1, int(np.percentile(cells.count, 95))) if len(cells) else 1,
            "cells": _rows(cells),
            "centres": _rows(centres),
            "colors": [safe_colour(c) for c in colours],
            "labels": [esc(label) for label in labels],
            "stroke": "#333333",
            "clickZoom": int(click_zoom),
            "words": {
                "events": "events", "fatalities": "fatalities reported",
                "cell": esc(f"Square of {cells.size:g}° (click to zoom in): "),
                "centre": esc("Located only to this district or governorate centre: "),
            },
        }


def cells_layer(cells: Cells, centres: Cells, colours: list[str], labels: list[str], *, name: str) -> folium.FeatureGroup:
    """A feature group of aggregated events (:class:`CellRows`), for ``st_folium(feature_group_to_add=)``.

    Parameters
    ----------
    cells, centres : geo.grid.Cells
        Counts per grid cell and per centre (``geo.grid.grid_cells``, ``geo.grid.centre_counts``).
    colours, labels : list of str
        Colour and label of each category (``layers.events.colour_scheme`` order, then unclassified).
    name : str
        The layer's name in the layer control (escaped here).

    Returns
    -------
    folium.FeatureGroup
    """
    fg = folium.FeatureGroup(name=esc(name))
    CellRows(cells, centres, colours, labels).add_to(fg)
    return fg
