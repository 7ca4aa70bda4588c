"""Control zones at the selected date: polygons filled by party (colour-blind-safe palette)."""

from __future__ import annotations

import hashlib
import threading

import folium
import numpy as np
import pandas as pd
import shapely

from geo.palette import ZONE_OPACITY, party_colour
from geo.schema import PARTIES
from geo.vocabulary import LAYER
from layers.safe import esc, safe_colour
from layers.shapes import StyledGeoJson

LAYER_NAME = LAYER["zones"].label
#: Simplification tolerance in degrees (~200 m): invisible at the zooms the map is used at.
SIMPLIFY_DEG = 0.002
_DECIMALS = 4
#: Polygon parts and holes smaller than this (square degrees, about 1,000 m²) once simplified
#: and rounded are not drawn: they would show as stray lines (zero-area rings, slivers).
MIN_DRAWN_DEG2 = 1e-7



class ZoneShapes(StyledGeoJson):
    """The zones' GeoJSON (:func:`zones_geojson`) as one layer, each zone with its tooltip
    (``layers.shapes.StyledGeoJson``)."""

    kind, tooltip = "zone", True


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


def drawable(geom, min_area: float = MIN_DRAWN_DEG2):
    """``geom``'s polygons as drawn: parts and holes under ``min_area`` dropped, None when nothing is left.

    Simplifying and rounding coordinates can flatten a small ring to a line (e.g. the ring
    (34.548, 38.719), (34.548, 38.719), (34.901, 38.434)), which Leaflet draws as a stray line.

    Parameters
    ----------
    geom : shapely geometry or None
        Polygonal geometry in EPSG:4326 (other parts are dropped).
    min_area : float
        Smallest part or hole kept, in square degrees.

    Returns
    -------
    shapely geometry or None
        A Polygon or MultiPolygon, or None when empty.
    """
    if geom is None or geom.is_empty:
        return None
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "MultiPolygon" or part.geom_type == "GeometryCollection":
            kept = drawable(part, min_area)
            polys.extend(shapely.get_parts(kept) if kept is not None else [])
        elif part.geom_type == "Polygon" and part.area >= min_area:
            holes = [r for r in part.interiors if shapely.Polygon(r).area >= min_area]
            polys.append(shapely.Polygon(part.exterior, holes))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def one_per_party(zones):
    """The zones with one row per party: rows of the same party (an imported zone and the rest
    of the derived one) merged, so no line is drawn inside a party's zone.

    Parameters
    ----------
    zones : GeoDataFrame
        ``party`` and geometry, optional ``valid_from``, ``valid_to``, ``method``, ``source``.

    Returns
    -------
    GeoDataFrame
        Parties in first-seen order; a merged row keeps the earliest ``valid_from``, the latest
        ``valid_to`` (NaT when any is open), its methods and sources joined with ";".
    """
    if len(zones) == 0 or "party" not in zones.columns or not zones["party"].duplicated().any():
        return zones
    rows = []
    for _party, grp in zones.groupby("party", sort=False):
        row = grp.iloc[0].copy()
        if len(grp) > 1:
            row[zones.geometry.name] = shapely.union_all(grp.geometry.to_numpy())
            for col, how in (("valid_from", "min"), ("valid_to", "max")):
                if col in grp.columns:
                    values = pd.to_datetime(grp[col])
                    row[col] = pd.NaT if col == "valid_to" and values.isna().any() else getattr(values, how)()
            for col in ("method", "source"):
                if col in grp.columns:
                    row[col] = ";".join(dict.fromkeys(x for v in grp[col].astype(str) for x in v.split(";") if x))
        rows.append(row)
    return type(zones)(rows, geometry=zones.geometry.name, crs=zones.crs).reset_index(drop=True)


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
        One feature per party (:func:`one_per_party`; parts and holes drawn as nothing dropped,
        :func:`drawable`): ``kind``, ``party``, ``valid_from``, ``valid_to``, ``tip``, ``style``.
    """
    if len(zones) == 0:
        return {"type": "FeatureCollection", "features": []}
    geoms = (zones := one_per_party(zones)).geometry.to_numpy()  # one feature per party
    if simplify:
        geoms = _simplified(zones, geoms, simplify)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, _DECIMALS))
    features = []
    for i, (geom, row) in enumerate(zip(geoms, zones.itertuples(index=False), strict=True)):
        geom = drawable(geom)
        if geom is None:
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


#: Zone GeoJSON worked out lately: (content digest, tolerance) -> FeatureCollection.  The Map page
#: draws the same day's zones at every rerun that does not move the control date (an event-range
#: step, a toggle), so they are simplified and escaped once.  Keyed by content, never by identity.
_GEOJSON_MEMO: dict = {}
_GEOJSON_MEMO_LOCK = threading.Lock()  # Streamlit sessions run in threads
GEOJSON_MEMO_ENTRIES = 8


def _digest(zones) -> str:
    """A digest of what :func:`zones_geojson` reads of ``zones``: the columns and the geometries."""
    h = hashlib.sha1(",".join(map(str, zones.columns)).encode())
    h.update(pd.util.hash_pandas_object(pd.DataFrame(zones.drop(columns=zones.geometry.name)).astype(str),
                                        index=False).to_numpy().tobytes())
    for wkb in shapely.to_wkb(zones.geometry.to_numpy()):
        h.update(b"-" if wkb is None else wkb)
    return h.hexdigest()


def _zones_data(zones, simplify: float) -> dict:
    """:func:`zones_geojson`, from the memo when the same zones were drawn lately (read-only)."""
    key = (_digest(zones), float(simplify))
    with _GEOJSON_MEMO_LOCK:
        hit = _GEOJSON_MEMO.get(key)
    if hit is not None:
        return hit
    data = zones_geojson(zones, simplify)
    with _GEOJSON_MEMO_LOCK:
        _GEOJSON_MEMO[key] = data
        while len(_GEOJSON_MEMO) > GEOJSON_MEMO_ENTRIES:
            _GEOJSON_MEMO.pop(next(iter(_GEOJSON_MEMO)))
    return data


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
    return zones_group(_zones_data(zones, simplify) if len(zones) else zones_geojson(zones, simplify), name=name)


def zones_group(data: dict, *, name: str = LAYER_NAME, shared: bool = False) -> folium.FeatureGroup:
    """The zones layer of :func:`zones_geojson` ``data`` (e.g. worked out once per store version and day).

    Parameters
    ----------
    data : dict
        :func:`zones_geojson` of the zones (read, never changed).
    name : str
        Layer name (escaped).
    shared : bool
        ``data`` is kept between reruns: its JSON is written once (``layers.safe.JsonSpec.shared_by``).

    Returns
    -------
    folium.FeatureGroup
        One :class:`ZoneShapes` when there is a zone to draw, else empty.
    """
    fg = folium.FeatureGroup(name=esc(name))
    if data["features"]:
        ZoneShapes(data).add_kept(fg, data, shared)
    return fg
