"""Control zones at the selected date: polygons filled by party (colour-blind-safe palette)."""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from geo.palette import ZONE_OPACITY, party_colour
from geo.schema import PARTIES
from geo.vocabulary import LAYER
from layers.safe import esc, safe_colour

LAYER_NAME = LAYER["zones"].label
#: Simplification tolerance in degrees (~200 m): invisible at the zooms the map is used at.
SIMPLIFY_DEG = 0.002
_DECIMALS = 4

_ON_EACH = JsCode(
    """function (feature, layer) {
    layer.options.scmKind = "zone";
    layer.bindTooltip(feature.properties.tip, {sticky: true});
}"""
)


def _iso(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


#: How many source IDs a zone's tooltip names (Leaflet tooltips do not wrap).
TOOLTIP_SOURCES = 3


def zone_tooltip(party: str, valid_from, valid_to, method: str = "", source: str = "") -> str:
    """Tooltip HTML naming the party and the dates of that control (escaped).

    Parameters
    ----------
    party : str
        Party code, shown by its ``geo.schema.PARTIES`` name (unknown codes as is).
    valid_from, valid_to : date-like or None
        Start and (exclusive) end of control; the last day held is shown as ``valid_to`` minus
        one day.  ``None``/NaT means not recorded.
    method : str
        How the zone was made (e.g. "derived"), shown as "zone <method>" when not empty.
    source : str
        ``;``-joined source IDs; the first :data:`TOOLTIP_SOURCES` are named, the rest counted.

    Returns
    -------
    str
        HTML with all text escaped.
    """
    label = PARTIES.get(party, party or "unknown")
    start, end = _iso(valid_from), _iso(valid_to)
    if start and end:
        last = (pd.Timestamp(valid_to) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        dates = f"held {start} to {last}"
    elif start:
        dates = f"held from {start} (still held at the end of the data)"
    elif end:
        last = (pd.Timestamp(valid_to) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        dates = f"held until {last}"
    else:
        dates = "dates of control not recorded"
    extra = []
    if method:
        extra.append(f"zone {method}")
    if source:  # a derived zone rests on every record of its party: name a few, count the rest
        ids = [x for x in source.split(";") if x]
        more = f" and {len(ids) - TOOLTIP_SOURCES} more" if len(ids) > TOOLTIP_SOURCES else ""
        extra.append(f"sources: {', '.join(ids[:TOOLTIP_SOURCES])}{more}")
    tail = f"<br><small>{esc(' · '.join(extra))}</small>" if extra else ""
    return f"<b>{esc(label)}</b><br>{esc(dates)}{tail}"


def _simplified(zones, geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplified geometries; the derived zones (which tile the country) simplified together.

    Simplifying each party's zone on its own moves the shared front lines apart (gaps and
    overlaps of ~100 m at city zoom); ``shapely.coverage_simplify`` keeps one shared edge.
    """
    out = shapely.simplify(geoms, tolerance, preserve_topology=True)
    methods = zones["method"].astype(str).to_numpy() if "method" in zones.columns else np.array([""] * len(zones))
    tiles = (methods == "derived") & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if tiles.sum() > 1:
        out[tiles] = shapely.coverage_simplify(geoms[tiles], tolerance)
    return out


def zones_geojson(zones, simplify: float = SIMPLIFY_DEG) -> dict:
    """GeoJSON FeatureCollection of the zones with few, plain properties (ISO dates, escaped text).

    Parameters
    ----------
    zones : GeoDataFrame
        ``party``, ``valid_from``, ``valid_to``, optional ``method``/``source``, geometry (EPSG:4326).
    simplify : float
        Simplification tolerance in degrees (0 = none); derived zones are simplified together so
        they keep shared edges.

    Returns
    -------
    dict
        FeatureCollection with ``kind``, ``party``, ``valid_from``, ``valid_to``, ``tip`` and
        ``style`` properties; empty geometries are skipped.
    """
    if len(zones) == 0:
        return {"type": "FeatureCollection", "features": []}
    geoms = zones.geometry.to_numpy()
    if simplify:
        geoms = _simplified(zones, geoms, simplify)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, _DECIMALS))
    features = []
    for i, (geom, row) in enumerate(zip(geoms, zones.itertuples(index=False), strict=True)):
        if geom is None or geom.is_empty:
            continue
        party = str(getattr(row, "party", "") or "")
        colour = safe_colour(party_colour(party))
        features.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "kind": "zone",
                    "party": esc(party),
                    "valid_from": _iso(getattr(row, "valid_from", None)),
                    "valid_to": _iso(getattr(row, "valid_to", None)),
                    "tip": zone_tooltip(
                        party,
                        getattr(row, "valid_from", None),
                        getattr(row, "valid_to", None),
                        str(getattr(row, "method", "") or ""),
                        str(getattr(row, "source", "") or ""),
                    ),
                    "style": {
                        "color": colour,
                        "weight": 1,
                        "opacity": 0.9,
                        "fillColor": colour,
                        "fillOpacity": ZONE_OPACITY,
                        "dashArray": "4 3" if party == "contested" else None,
                    },
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def zones_layer(zones, *, name: str = LAYER_NAME, simplify: float = SIMPLIFY_DEG) -> folium.FeatureGroup:
    """FeatureGroup with one filled polygon per party zone.

    Parameters
    ----------
    zones : GeoDataFrame
        ``party``, ``valid_from``, ``valid_to``, optional ``method``/``source``, geometry (EPSG:4326).
    name : str
        Layer name (escaped).
    simplify : float
        Douglas-Peucker tolerance in degrees (0 = none).
    """
    fg = folium.FeatureGroup(name=esc(name))
    data = zones_geojson(zones, simplify)
    if data["features"]:
        folium.GeoJson(data, name=esc(name), on_each_feature=_ON_EACH, control=False).add_to(fg)
    return fg
