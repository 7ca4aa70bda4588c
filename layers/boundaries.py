"""Governorate boundaries as a thin reference layer (and the country outline)."""

from __future__ import annotations

import folium
import numpy as np
import shapely
from folium.utilities import JsCode

from geo.palette import COUNTRY_LINE, GOVERNORATE_LINE
from layers.safe import esc, safe_colour

LAYER_NAME = "Governorate boundaries"
PANE = "scm_boundaries"
SIMPLIFY_DEG = 0.003

APPROXIMATE_NOTE = (
    "Governorate boundaries are approximate (shipped generalised outlines), not official; "
    "import the OCHA COD-AB boundaries for official lines."
)
OFFICIAL_NOTE = "Governorate boundaries: imported official boundaries."

_ON_EACH = JsCode(
    """function (feature, layer) {
    layer.options.scmKind = "boundary";
}"""
)


def boundaries_note(official: bool) -> str:
    """The note shown on the map and the page about which boundaries are in use (plain text)."""
    return OFFICIAL_NOTE if official else APPROXIMATE_NOTE


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
    return {"type": "FeatureCollection", "features": feats}


def boundaries_layer(
    governorates,
    country=None,
    *,
    official: bool = False,
    name: str = LAYER_NAME,
    simplify: float = SIMPLIFY_DEG,
) -> folium.FeatureGroup:
    """Thin lines of the governorates (and a thicker country outline), not interactive.

    Drawn in their own pane above the zones and below the markers, so they stay visible
    through the zone fills and never catch clicks.
    """
    label = name if official else f"{name} (approximate)"
    fg = folium.FeatureGroup(name=esc(label))
    dash = None if official else "5 4"
    for gdf, colour, weight in ((governorates, GOVERNORATE_LINE, 1.0), (country, COUNTRY_LINE, 1.8)):
        if gdf is None or len(gdf) == 0:
            continue
        data = _geojson(gdf, safe_colour(colour), weight, simplify)
        if dash:
            for f in data["features"]:
                f["properties"]["style"]["dashArray"] = dash if colour == GOVERNORATE_LINE else None
        folium.GeoJson(data, on_each_feature=_ON_EACH, interactive=False, pane=PANE, control=False).add_to(fg)
    return fg


def add_boundary_pane(m: folium.Map) -> None:
    """Create the pane the boundaries are drawn in (z-index between zones and markers)."""
    folium.map.CustomPane(PANE, z_index=450, pointer_events=False).add_to(m)
