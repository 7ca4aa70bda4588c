"""A light point layer: one JSON array of rows drawn as canvas circle markers by a fixed script.

Used by the towns and events layers.  Compared with one folium element per marker this keeps
the map HTML small (one data array, one script) and lets rows carry pre-escaped popup and
tooltip HTML.  Every string in the data must already be escaped with ``layers.safe.esc``.

Each Leaflet marker gets ``options.scmKind`` (the layer kind) so tests and the browser can
count what was drawn; cluster groups get it too.

The circle markers set no ``pane``: they are drawn by the map's one shared canvas together with
the zones, districts and boundaries (``layers/canvas.py``), which ranks them by ``scmKind``
(towns over events over boundaries over zones).  In ``markerPane`` they had a canvas of their
own that covered the whole map and took every mouse event, so zones and districts showed no
tooltip.  Cluster icons are DOM elements above any canvas; a layer that must stay above them
(the few cited towns) is drawn as small DOM dots instead (``above_clusters=True``).
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from layers.assets import CLUSTER_CSS, CLUSTER_JS
from layers.safe import JsonSpec

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var spec = {{ this.spec_json }};
  if (spec === null) { return; }  // a reference the frame could not resolve (layers/refs.py)
  var parent = {{ this._parent.get_name() }};
  // r[4] is either popup HTML or an array of escaped values matching spec.popupLabels, then the
  // record id, then 1 for a synthetic record; the table is built when the popup opens.
  // A value that is a number is an index into spec.strings (values repeated across rows are sent once).
  function popupHtml(v) {
    if (!Array.isArray(v)) { return v; }
    var n = spec.popupLabels.length, rows = "";
    for (var i = 0; i < n; i++) {
      var x = typeof v[i] === "number" ? spec.strings[v[i]] : v[i];
      if (x !== "") { rows += "<tr><th>" + spec.popupLabels[i] + "</th><td>" + x + "</td></tr>"; }
    }
    var head = v[n + 1] ? '<div class="scm-synthetic">' + spec.syntheticNote + "</div>" : "";
    return '<div class="scm-popup">' + head + "<table>" + rows + "</table><small>" + v[n] + "</small></div>";
  }
  // Leaflet.markercluster adds a group's markers in chunks (chunkedLoading) once the group joins
  // the map; until the last chunk its new clusters have empty bounds.  A map move in between (a
  // slow, loaded browser; st_folium moving the map in the same rerun) ran _moveEnd/_zoomEnd over
  // them: "Cannot read properties of undefined (reading 'lat')" (security audit, finding 18).  So
  // a move while loading is held and replayed when the last chunk is in, and a group that has left
  // the map (replaced by the next rerun) ignores moves and keeps the rest of its chunks for a
  // later return to the map instead of clustering them against a map it no longer has.
  var clusterProto = L.MarkerCluster && L.MarkerCluster.prototype;
  if (clusterProto && !clusterProto.scmGuarded) {
    var addChildren = clusterProto._recursivelyAddChildrenToMap;  // a removed group's last chunk ends here
    clusterProto._recursivelyAddChildrenToMap = function () {
      if (this._group._map) { return addChildren.apply(this, arguments); }
    };
    clusterProto.scmGuarded = true;
  }
  function guardLoading(group) {
    var loading = false, missed = false;
    group.options.chunkProgress = function (done, total) {
      loading = done < total;
      if (!loading && missed) {
        missed = false;
        setTimeout(function () { if (group._map) { group._zoomEnd(); } }, 0);  // moves the clusters too
      }
    };
    ["_moveEnd", "_zoomEnd", "_addLayer"].forEach(function (k) {
      var f = group[k];
      group[k] = function (layer) {
        if (!this._map) {
          if (k === "_addLayer") { this._needsClustering.push(layer); }
          return;
        }
        if (loading && k !== "_addLayer") { missed = true; return; }
        return f.apply(this, arguments);
      };
    });
  }
  spec.groups.forEach(function (g) {
    var target = parent;
    if (spec.cluster && typeof L.markerClusterGroup === "function") {
      target = L.markerClusterGroup({
        showCoverageOnHover: false, maxClusterRadius: spec.clusterRadius,
        disableClusteringAtZoom: spec.disableClusteringAtZoom, spiderfyOnMaxZoom: true,
        chunkedLoading: true,
        iconCreateFunction: function (c) {
          var n = c.getChildCount();
          var size = n < 10 ? 26 : (n < 100 ? 32 : 40);
          return L.divIcon({
            html: '<div class="scm-cluster" style="width:' + size + 'px;height:' + size +
                  'px;background:' + g.color + ';color:' + g.text + '">' + n + '</div>',
            className: "", iconSize: L.point(size, size)
          });
        }
      });
      target.options.scmKind = spec.kind;
      target.options.scmGroup = g.key;
      guardLoading(target);
      parent.addLayer(target);
    }
    g.rows.forEach(function (r) {
      var solid = r[2] === 1, m;
      if (spec.aboveClusters) {
        // A DOM dot in markerPane, raised above the cluster icons; it takes only its own pixels.
        var d = 2 * r[3] + 2;
        var css = "width:" + d + "px;height:" + d + "px;box-sizing:border-box;border-radius:50%;" + (solid
          ? "background:" + g.color + ";border:1px solid " + spec.stroke + ";opacity:" + spec.fillOpacity
          : "border:2px dashed " + g.color);
        m = L.marker([r[0], r[1]], {
          icon: L.divIcon({html: '<div style="' + css + '"></div>', className: "", iconSize: L.point(d, d),
                           popupAnchor: [0, 0], tooltipAnchor: [0, 0]}),
          zIndexOffset: spec.zIndexOffset, keyboard: false
        });
      } else {
        m = L.circleMarker([r[0], r[1]], {
          radius: r[3], color: solid ? spec.stroke : g.color,
          weight: solid ? 1 : 2, opacity: 1, fillColor: g.color,
          fillOpacity: solid ? spec.fillOpacity : 0, dashArray: solid ? null : "3 3"
        });
      }
      m.options.scmKind = spec.kind;
      m.options.scmGroup = g.key;
      if (r[4]) { m.bindPopup(function () { return popupHtml(r[4]); }, {maxWidth: 360}); }
      if (r[5]) {
        if (spec.labels) {
          m.bindTooltip(r[5], {permanent: true, direction: "right", offset: [6, 0], className: "scm-label"});
        } else {
          m.bindTooltip(r[5], {sticky: true});
        }
      }
      target.addLayer(m);
    });
  });
})();
{% endmacro %}
"""


class PointRows(JsonSpec, JSCSSMixin, MacroElement):
    """Circle markers from rows ``[lat, lon, solid(1/0), radius_px, popup, tooltip_html]``.

    ``popup`` is HTML, or (compact, for many rows) a list of escaped values matching
    ``popup_labels`` followed by the record id and 1/0 for "synthetic"; the popup table is then
    built in the browser when it opens.  A value may be an index into ``strings`` instead
    (:func:`shared_values`).

    Parameters
    ----------
    groups : list of dict
        ``{"key": str, "color": "#rrggbb", "text": "#rrggbb", "rows": [...]}``; one colour per
        group, and one cluster group per group when clustering (clusters keep categories).
    kind : str
        Value of ``options.scmKind`` on every marker (``"event"``, ``"town"``).
    cluster : bool
        Cluster dense areas (Leaflet.markercluster, loaded from the local vendor files).
    labels : bool
        Show the tooltip text as a permanent label next to the marker.
    popup_labels : list of str
        Row labels of compact popups (trusted or escaped HTML).
    synthetic_note : str
        Banner of a synthetic record's popup (trusted or escaped HTML).
    above_clusters : bool
        Draw the points as DOM dots (``L.divIcon`` markers) raised above cluster icons and
        canvas shapes, instead of canvas circle markers.  For few points only (one element each).
    strings : list of str, optional
        The escaped values compact popups refer to by index (:func:`shared_values`).
    """

    _template = Template(_TEMPLATE)

    def __init__(
        self,
        groups: list[dict],
        *,
        kind: str,
        cluster: bool = False,
        labels: bool = False,
        stroke: str = "#222222",
        fill_opacity: float = 0.85,
        cluster_radius: int = 40,
        disable_clustering_at_zoom: int = 11,
        popup_labels: list[str] | None = None,
        synthetic_note: str = "",
        above_clusters: bool = False,
        strings: list[str] | None = None,
    ):
        super().__init__()
        self._name = "PointRows"
        self.spec = {
            "kind": kind,
            "cluster": bool(cluster),
            "labels": bool(labels),
            "stroke": stroke,
            "fillOpacity": float(fill_opacity),
            "clusterRadius": int(cluster_radius),
            "disableClusteringAtZoom": int(disable_clustering_at_zoom),
            "popupLabels": list(popup_labels or []),
            "syntheticNote": synthetic_note,
            "aboveClusters": bool(above_clusters),
            # above the cluster icons, whose z-index is their y position in pixels
            "zIndexOffset": 100000,
            "strings": list(strings or []),
            "groups": groups,
        }
        if cluster:
            self.default_js = list(CLUSTER_JS)
            self.default_css = list(CLUSTER_CSS)
        else:
            self.default_js = []
            self.default_css = []

    @property
    def n_rows(self) -> int:
        """Number of markers drawn."""
        return sum(len(g["rows"]) for g in self.spec["groups"])


def shared_values(groups: list[dict], n_values: int) -> list[str]:
    """Send each popup value repeated across rows once: replace it by its index in a list.

    Compact popups repeat the same long values (the source's credit, the actors, the class) in
    every row; on the shipped window this more than halves the events layer.

    Parameters
    ----------
    groups : list of dict
        As :class:`PointRows`; the first ``n_values`` values of each compact popup (a list of
        strings or numbers) that occur in more than one row and are longer than their index would
        be are replaced, in place, by an index into the list returned.  Other popups are left as
        they are.
    n_values : int
        How many of a compact popup's values are labelled values (``len(popup_labels)``).

    Returns
    -------
    list of str
        The values referred to (``PointRows(strings=...)``), in order of first use.
    """
    popups = [r[4] for g in groups for r in g["rows"] if isinstance(r[4], list)]
    heads = [v[:n_values] for v in popups]
    flat = list(chain.from_iterable(heads))  # counted and looked up by C loops: this runs at every rerun
    repeated = {x for x, n in Counter(flat).items() if n > 1 and isinstance(x, str) and len(x) > 3}
    if not repeated:
        return []
    index = {x: i for i, x in enumerate(dict.fromkeys(filter(repeated.__contains__, flat)))}
    for v, head in zip(popups, heads, strict=True):
        v[:len(head)] = map(index.get, head, head)  # a repeated value's index, any other value itself
    return list(index)


def text_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on ``hex_colour``.

    Parameters
    ----------
    hex_colour : str
        A ``#rgb`` or ``#rrggbb`` colour (the ``#`` is optional).

    Returns
    -------
    str
        ``"#000000"`` when the colour's relative luminance is above 0.5, else ``"#ffffff"``.
    """
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.5 else "#ffffff"
