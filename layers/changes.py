"""Areas and localities that changed hands between two dates (the Control change page).

Areas are filled with the colour of the party that gained them and outlined with the colour
of the party that lost them; localities are small dots with their dates of change.  All text
is escaped with :mod:`layers.safe`; no file I/O, no streamlit.
"""

from __future__ import annotations

import folium
import numpy as np
import shapely
from folium.utilities import JsCode

from geo.palette import party_colour
from geo.schema import PARTIES
from layers.safe import esc, safe_colour
from layers.zones import drawable

LAYER_NAME = "Changed hands"
TOWNS_NAME = "Localities that changed hands"
SIMPLIFY_DEG = 0.002
_DECIMALS = 4

_ON_EACH = JsCode(
    """function (feature, layer) {
    layer.bindTooltip(feature.properties.tip, {sticky: true});
}"""
)
_POINT = JsCode(
    """function (feature, latlng) {
    var s = feature.properties.style;
    return L.circleMarker(latlng, {radius: 5, color: '#111', weight: 1, fillColor: s.fillColor, fillOpacity: 1});
}"""
)


def _label(party: str) -> str:
    return PARTIES.get(party, party or "no record")


def change_tooltip(from_party: str, to_party: str, area_km2: float, d1: str, d2: str) -> str:
    """Tooltip HTML of one changed area (escaped).

    Parameters
    ----------
    from_party, to_party : str
        Party codes of the old and new holder, shown by their ``geo.schema.PARTIES`` names
        (an unknown code as is, an empty one as "no record").
    area_km2 : float
        Area of the changed region in km², shown rounded to whole km².
    d1, d2 : str
        The two dates, as shown.

    Returns
    -------
    str
        HTML with all text escaped.
    """
    return (
        f"<b>{esc(_label(from_party))} → {esc(_label(to_party))}</b><br>"
        f"{esc(f'{area_km2:,.0f} km²')} changed hands between {esc(d1)} and {esc(d2)}"
    )


def changes_geojson(areas, d1: str, d2: str, simplify: float = SIMPLIFY_DEG) -> dict:
    """FeatureCollection of changed areas with escaped tooltips and plain style properties.

    Parameters
    ----------
    areas : GeoDataFrame
        ``from_party``, ``to_party``, ``area_km2``, geometry (EPSG:4326), from
        :func:`geo.control.changed_areas`.
    d1, d2 : str
        The two dates, as shown in tooltips.
    simplify : float
        Simplification tolerance in degrees (0 = none); coordinates are rounded to 4 decimals.

    Returns
    -------
    dict
        GeoJSON FeatureCollection; each feature's ``style`` has the old holder's colour as
        outline (dashed) and the new holder's as fill.  Empty geometries are skipped.
    """
    features = []
    if len(areas):
        geoms = areas.geometry.to_numpy()
        if simplify:
            geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, _DECIMALS))
        for i, (geom, row) in enumerate(zip(geoms, areas.itertuples(index=False), strict=True)):
            geom = drawable(geom)  # no zero-area ring drawn as a stray line
            if geom is None:
                continue
            src, dst = str(row.from_party or ""), str(row.to_party or "")
            features.append(
                {
                    "type": "Feature",
                    "id": i,
                    "geometry": shapely.geometry.mapping(geom),
                    "properties": {
                        "from_party": esc(src),
                        "to_party": esc(dst),
                        "area_km2": round(float(row.area_km2), 1),
                        "tip": change_tooltip(src, dst, float(row.area_km2), d1, d2),
                        "style": {
                            "color": safe_colour(party_colour(src)),
                            "weight": 2,
                            "opacity": 1,
                            "fillColor": safe_colour(party_colour(dst)),
                            "fillOpacity": 0.55,
                            "dashArray": "5 3",
                        },
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def towns_geojson(changes, localities) -> dict:
    """Points of the localities in ``changes`` (geo.control.changes_between) with escaped tooltips.

    Parameters
    ----------
    changes : DataFrame
        Output of ``geo.control.changes_between``: ``locality_id``, ``name_en``, ``path``,
        ``change_dates`` and ``to_party`` (the fill colour) per locality.
    localities : GeoDataFrame or None
        Localities with ``locality_id`` and Point geometry (EPSG:4326); the first row of each
        id is used.  ``None`` or empty gives no features.

    Returns
    -------
    dict
        GeoJSON FeatureCollection of Points; localities without a geometry are skipped.
    """
    features = []
    if len(changes) and localities is not None and len(localities):
        pts = localities.drop_duplicates("locality_id").set_index("locality_id").geometry
        for row in changes.itertuples(index=False):
            geom = pts.get(row.locality_id)
            if geom is None or geom.is_empty:
                continue
            tip = (
                f"<b>{esc(row.name_en or row.locality_id)}</b><br>{esc(row.path)}<br>"
                f"<small>changed on {esc(row.change_dates)}</small>"
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(geom.x, 5), round(geom.y, 5)]},
                    "properties": {"tip": tip, "style": {"fillColor": safe_colour(party_colour(str(row.to_party)))}},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def changes_layer(areas, d1: str, d2: str, *, name: str = LAYER_NAME) -> folium.FeatureGroup:
    """FeatureGroup of the areas that changed hands (fill = new holder, outline = old holder).

    Parameters
    ----------
    areas : GeoDataFrame
        ``from_party``, ``to_party``, ``area_km2``, geometry (EPSG:4326), from
        :func:`geo.control.changed_areas`.
    d1, d2 : str
        The two dates, as shown in tooltips.
    """
    fg = folium.FeatureGroup(name=esc(name))
    data = changes_geojson(areas, d1, d2)
    if data["features"]:
        folium.GeoJson(
            data,
            name=esc(name),
            on_each_feature=_ON_EACH,
            style_function=lambda f: f["properties"]["style"],
            control=False,
        ).add_to(fg)
    return fg


def changed_towns_layer(changes, localities, *, name: str = TOWNS_NAME) -> folium.FeatureGroup:
    """FeatureGroup of dots on the localities that changed hands, with their dates of change.

    Parameters
    ----------
    changes : DataFrame
        Output of ``geo.control.changes_between`` (see :func:`towns_geojson`).
    localities : GeoDataFrame or None
        Localities with ``locality_id`` and Point geometry (EPSG:4326).
    name : str
        Layer name (escaped).

    Returns
    -------
    folium.FeatureGroup
        Empty when no changed locality has a geometry.
    """
    fg = folium.FeatureGroup(name=esc(name))
    data = towns_geojson(changes, localities)
    if data["features"]:
        folium.GeoJson(data, name=esc(name), on_each_feature=_ON_EACH, point_to_layer=_POINT, control=False).add_to(fg)
    return fg


#: Style of the changed areas on the Map page's two compared maps: a dark dashed outline over
#: the zones of either date (no fill, so the zones' colours stay readable; hover shows the change).
HIGHLIGHT_STYLE = {"color": "#111111", "weight": 3, "opacity": 0.95, "fill": True, "fillOpacity": 0, "dashArray": "6 4"}


def changes_highlight_layer(areas, d1: str, d2: str, *, name: str = LAYER_NAME) -> folium.FeatureGroup:
    """FeatureGroup outlining the areas that changed hands, to lay over the zones of either date.

    Parameters
    ----------
    areas : GeoDataFrame
        As for :func:`changes_layer`.
    d1, d2 : str
        The two dates, as shown in tooltips (old holder on ``d1`` → new holder on ``d2``).
    name : str
        Layer name (escaped).

    Returns
    -------
    folium.FeatureGroup
        One GeoJson of the changed areas (:data:`HIGHLIGHT_STYLE`, tooltips as :func:`changes_layer`);
        empty when nothing changed.
    """
    fg = folium.FeatureGroup(name=esc(name))
    data = changes_geojson(areas, d1, d2)
    if data["features"]:
        folium.GeoJson(data, name=esc(name), on_each_feature=_ON_EACH, style_function=lambda f: dict(HIGHLIGHT_STYLE),
                       control=False).add_to(fg)
    return fg
