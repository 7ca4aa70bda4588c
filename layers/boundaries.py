"""Governorate boundaries as a thin reference layer (and the country outline), and their credit."""

from __future__ import annotations

import json

import folium
import numpy as np
import shapely
from branca.element import MacroElement, Template

from geo.datasets import BOUNDARY_ATTRIBUTION
from geo.palette import COUNTRY_LINE, GOVERNORATE_LINE
from layers.safe import esc, safe_colour
from layers.shapes import StyledGeoJson, geojson_bbox

LAYER_NAME = "Governorate boundaries"
SIMPLIFY_DEG = 0.003

OFFICIAL_NOTE = "Governorate boundaries: official (OCHA / UN Cartographic Section COD-AB, CC BY 3.0 IGO)."
NOT_OFFICIAL_NOTE = (
    "Governorate boundaries come from an imported file that does not mark them as official; "
    "the official OCHA COD-AB boundaries ship with the app (remove the import to use them)."
)

def boundaries_note(official: bool) -> str:
    """The note shown on the map and the page about which boundaries are in use (plain text).

    Parameters
    ----------
    official : bool
        Whether the governorate boundaries in use are the official OCHA COD-AB ones.

    Returns
    -------
    str
        :data:`OFFICIAL_NOTE` or :data:`NOT_OFFICIAL_NOTE` (not escaped).
    """
    return OFFICIAL_NOTE if official else NOT_OFFICIAL_NOTE


class BoundaryLines(StyledGeoJson):
    """Boundary lines (:func:`_geojson`) as one non-interactive layer, ranked ``boundary`` in the
    map's shared canvas (``layers.shapes.StyledGeoJson``; its bounds are the data's ``bbox``).
    """

    kind, interactive = "boundary", False


def _geojson(gdf, colour: str, weight: float, simplify: float) -> dict:
    geoms = gdf.geometry.to_numpy()
    if simplify:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 4))
    names = gdf["name_en"].astype(str).tolist() if "name_en" in gdf.columns else [""] * len(gdf)
    feats = []
    for geom, nm in zip(geoms, names, strict=True):
        if geom is None or geom.is_empty:
            continue
        feats.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "kind": "boundary",
                    "name": esc(nm),
                    "style": {"color": colour, "weight": weight, "opacity": 0.9, "fill": False},
                },
            }
        )
    return {"type": "FeatureCollection", "bbox": geojson_bbox(geoms), "features": feats}  # bbox: the bounds


def boundaries_layer(
    governorates,
    country=None,
    *,
    official: bool = True,
    name: str = LAYER_NAME,
    simplify: float = SIMPLIFY_DEG,
) -> folium.FeatureGroup:
    """Thin lines of the governorates (and a thicker country outline), not interactive.

    Drawn by the map's shared canvas above the zones and below the markers (rank
    ``boundary`` in ``layers/canvas.py``), so they stay visible through the zone fills; not
    interactive, so they never catch the mouse. Boundaries not marked official (an import
    without that precision) are dashed and labelled "(not official)".

    Parameters
    ----------
    governorates : GeoDataFrame
        Governorate polygons or lines (EPSG:4326), optional ``name_en``; drawn as thin lines.
        ``None`` or empty draws nothing.
    country : GeoDataFrame, optional
        The country outline, drawn as a thicker line (never dashed); ``None`` or empty skips it.
    official : bool
        Whether the boundaries are official; if not, the governorate lines are dashed and the
        layer name gets " (not official)".
    name : str
        Layer name (escaped).
    simplify : float
        Simplification tolerance in degrees (0 = none).

    Returns
    -------
    folium.FeatureGroup
        One non-interactive :class:`BoundaryLines` per non-empty input.
    """
    return boundaries_group(boundaries_data(governorates, country, official=official, simplify=simplify),
                            official=official, name=name)


def boundaries_data(governorates, country=None, *, official: bool = True, simplify: float = SIMPLIFY_DEG) -> list[dict]:
    """The GeoJSON of :func:`boundaries_layer`: one FeatureCollection per non-empty input, escaped.

    It depends only on the boundaries, so a caller may compute it once per store version and hand
    it to :func:`boundaries_group` at every rerun (it must not be changed then).

    Parameters
    ----------
    governorates, country, official, simplify
        As :func:`boundaries_layer`.

    Returns
    -------
    list of dict
        The governorates' lines (dashed when not official), then the country outline.
    """
    out = []
    dash = None if official else "5 4"
    for gdf, colour, weight in ((governorates, GOVERNORATE_LINE, 1.0), (country, COUNTRY_LINE, 1.8)):
        if gdf is None or len(gdf) == 0:
            continue
        data = _geojson(gdf, safe_colour(colour), weight, simplify)
        if dash:
            for f in data["features"]:
                f["properties"]["style"]["dashArray"] = dash if colour == GOVERNORATE_LINE else None
        out.append(data)
    return out


def boundaries_group(data: list[dict], *, official: bool = True, name: str = LAYER_NAME,
                     shared: bool = False) -> folium.FeatureGroup:
    """The boundaries layer of :func:`boundaries_data`: one non-interactive :class:`BoundaryLines` each.

    Parameters
    ----------
    data : list of dict
        :func:`boundaries_data` (read, never changed).
    official : bool
        Whether the boundaries are official ("(not official)" is added to the layer's name if not).
    name : str
        Layer name (escaped).
    shared : bool
        ``data`` is kept between reruns: its JSON is written once (``layers.safe.JsonSpec.shared_by``).

    Returns
    -------
    folium.FeatureGroup
    """
    label = name if official else f"{name} (not official)"
    fg = folium.FeatureGroup(name=esc(label))
    for collection in data:
        # No pane of their own: a pane gets its own full-size canvas, which would take the mouse
        # from the zones below (see layers/canvas.py).
        BoundaryLines(collection).add_kept(fg, collection, shared)
    return fg


def add_boundary_pane(m: folium.Map) -> None:
    """Nothing to do any more; kept so existing callers work.

    The boundaries used to have a pane of their own (z-index between zones and markers).  With
    canvas rendering that pane got a canvas of its own; they are now ordered inside the map's one
    shared canvas instead (``layers/canvas.py``, set up by ``layers.assets.base_map``).

    Parameters
    ----------
    m : folium.Map
        Ignored.

    Returns
    -------
    None
    """
    del m


_ATTRIBUTION_JS = """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});
{% endmacro %}"""


class Attribution(MacroElement):
    """Adds (escaped) text to the map's Leaflet attribution control (bottom right)."""

    _template = Template(_ATTRIBUTION_JS)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        # esc() makes the text inert as HTML (Leaflet inserts it as HTML); json quotes it for JS.
        self.text_json = json.dumps(esc(text))


def add_boundary_attribution(m: folium.Map) -> None:
    """Credit the OCHA / UNCS COD-AB boundaries in the map's attribution control.

    Parameters
    ----------
    m : folium.Map
        The map; an :class:`Attribution` with ``geo.datasets.BOUNDARY_ATTRIBUTION`` is added to it.

    Returns
    -------
    None
    """
    Attribution(BOUNDARY_ATTRIBUTION).add_to(m)
