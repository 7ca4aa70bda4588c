"""One canvas for every vector layer of a map, drawn in a fixed order of layer kinds.

Why one canvas.  Leaflet's canvas renderer hit-tests only the shapes it draws itself, and it
makes one full-size ``<canvas>`` per map pane.  The topmost canvas receives every mouse event,
even over empty pixels, so a second canvas (the circle markers used to sit in ``markerPane``)
hid the zones and districts below it: no tooltip on hover.  With a single renderer Leaflet
hit-tests all our shapes together and gives each event to the topmost shape under the mouse
(a marker over a zone gets the click; empty ground shows the zone or district tooltip).
Making the upper canvas ``pointer-events: none`` and forwarding events by hand was the other
option; it needs more private Leaflet code and breaks more easily.

Why an order.  In one canvas, shapes are drawn in the order they were added, and that order
is not ours: the boundaries are part of the base map (added first), streamlit-folium re-adds
the date-dependent layers on every slider move, and marker clustering adds and removes circle
markers on every zoom.  So the renderer places each shape by the rank of its
``options.scmKind`` (set by every layer module before the shape is added):

    district (10) < zone and anything untagged (20) < cell (25) < boundary (30) < event (40) < town (50)

and, within a rank, in the order added.  Untagged shapes (zone casings, other pages' layers,
cluster spider legs) rank with the zones: where the overlay pane used to put them.

Cluster icons are DOM elements in ``markerPane``, above the canvas: they keep their own clicks
and cover any shape under them.  The cited towns, which must stay above them, are therefore
DOM dots raised above the icons (``layers/points.py``, ``above_clusters``); their rank here
applies only when a town layer is drawn on the canvas.  Boundaries are non-interactive shapes,
so they are drawn above the zones but never take the mouse.

The script relies on two internals of Leaflet 1.9.3's ``L.Canvas`` (the vendored version,
``layers/assets.py``): ``_initPath`` appends a shape to the doubly linked draw list
``_drawFirst`` .. ``_drawLast`` (nodes ``{layer, prev, next}``), which ``_draw`` and the mouse
hit-tests walk from first (bottom) to last (top).
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from folium.template import Template

#: Drawing rank of each ``options.scmKind``: higher is drawn later (on top) and wins the mouse.
RANKS: dict[str, int] = {"district": 10, "zone": 20, "cell": 25, "boundary": 30, "event": 40, "town": 50}
#: Rank of shapes without a known kind (the zones' rank: where the overlay pane put them).
OTHER_RANK = 20

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function (map) {
  var RANKS = {{ this.ranks }}, OTHER = {{ this.other }};
  function rank(layer) {
    var r = RANKS[layer.options.scmKind];
    return r === undefined ? OTHER : r;
  }
  var OrderedCanvas = L.Canvas.extend({
    _initPath: function (layer) {
      L.Canvas.prototype._initPath.call(this, layer);  // appended last (on top)
      var node = layer._order, r = rank(layer), at = node.prev;
      while (at && rank(at.layer) > r) { at = at.prev; }
      if (at === node.prev) { return; }  // already in place
      this._drawLast = node.prev;        // unlink from the end...
      this._drawLast.next = null;
      node.prev = at;                    // ...and insert after the last shape ranked <= r
      if (at) {
        node.next = at.next; at.next.prev = node; at.next = node;
      } else {
        node.next = this._drawFirst; this._drawFirst.prev = node; this._drawFirst = node;
      }
    }
  });
  // Every path without a renderer or pane of its own (i.e. in overlayPane) uses this one.
  map.options.renderer = new OrderedCanvas({pane: "overlayPane"});
  map.options.renderer.options.scmShared = true;
})({{ this._parent.get_name() }});
{% endmacro %}
"""


class SharedCanvas(MacroElement):
    """Sets the map's one canvas renderer, drawing shapes by the rank of their kind (see module doc)."""

    _template = Template(_TEMPLATE)

    def __init__(self):
        super().__init__()
        self._name = "SharedCanvas"
        self.ranks = json.dumps(RANKS)
        self.other = int(OTHER_RANK)


def add_shared_canvas(m: folium.Map) -> None:
    """Give ``m`` one canvas renderer for all vector layers, drawn in :data:`RANKS` order.

    Must be added before any vector layer (``layers.assets.base_map`` does it right after
    creating the map).  Layers must then not set a ``pane`` of their own: a pane gets a canvas
    of its own, which would again hide everything below it from the mouse.

    Parameters
    ----------
    m : folium.Map
    """
    m.add_child(SharedCanvas(), name="scm_shared_canvas")
