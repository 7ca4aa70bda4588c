"""GeoJSON drawn from a spec whose features carry their Leaflet ``style``: the zones
(``layers.zones.ZoneShapes``) and the boundaries (``layers.boundaries.BoundaryLines``)."""

from __future__ import annotations

import shapely
from branca.element import MacroElement
from folium.template import Template

from layers.safe import JsonSpec

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var spec = {{ this.spec_json }};
  if (spec === null) { return; }  // a reference the frame could not resolve (layers/refs.py)
  L.geoJson(spec, {
    interactive: {{ this.interactive|tojson }},
    style: function (feature) { return feature.properties.style; },
    onEachFeature: function (feature, layer) {
      layer.options.scmKind = {{ this.kind|tojson }};
      {%- if this.tooltip %}
      layer.bindTooltip(feature.properties.tip, {sticky: true});
      {%- endif %}
    }
  }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
"""


def geojson_bbox(geoms) -> list:
    """RFC 7946 ``bbox`` (west, south, east, north) of the drawn geometries of ``geoms`` (missing and
    empty ones skipped; four ``None`` when none is drawn): a :class:`StyledGeoJson`'s bounds.

    Parameters
    ----------
    geoms : array of shapely geometries

    Returns
    -------
    list of float (or None)
    """
    drawn = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    return [float(v) for v in shapely.total_bounds(drawn)] if len(drawn) else [None] * 4


class StyledGeoJson(JsonSpec, MacroElement):
    """One Leaflet GeoJSON layer of ``data`` (a FeatureCollection): each feature styled by its
    ``style`` property and tagged ``scmKind = kind`` (the shared canvas ranks shapes by it,
    ``layers/canvas.py``); with ``tooltip``, the feature's ``tip`` (escaped HTML) as a sticky tooltip.

    The data is a :class:`layers.safe.JsonSpec`, so a map frame that already holds it is sent a
    reference instead (``layers.refs``).  Subclasses set ``kind``, ``interactive`` and ``tooltip``.
    """

    _template = Template(_TEMPLATE)
    kind = ""
    interactive = True
    tooltip = False

    def __init__(self, data: dict):
        super().__init__()
        self._name = type(self).__name__
        self.spec = data

    def _get_self_bounds(self) -> list:
        """The data's RFC 7946 ``bbox`` (west, south, east, north) where it has one: folium would walk
        every coordinate in Python at each ``get_bounds`` call, and streamlit-folium asks for the
        map's bounds at every rerun."""
        bbox = self.spec.get("bbox")
        if bbox is None:
            return super()._get_self_bounds()
        west, south, east, north = bbox
        return [[south, west], [north, east]]
