"""Governorate and district P-codes of events by a spatial join, and counts per district.

Pure data logic (shapely 2, vectorised): :func:`assign_admin` gives every event the
governorate (``admin1_pcode``) and district (``admin2_pcode``) whose polygon holds its point.

Rules, by the event's ``geo_precision`` (``geo.schema.GEO_PRECISIONS``):

- ``country`` (``geo.schema.COUNTRY_ONLY_PRECISIONS``): neither P-code (both ""): the place is
  ``geo.schema.LOCATION_UNKNOWN``; such rows count in national totals only, never in a
  governorate or a district.
- ``governorate``: the point is only the governorate's centroid, so the district is unknown
  (``admin2_pcode`` ""); the governorate the source gives (``admin1_pcode``) is kept when there
  is one -- the centroid of a concave governorate (Rural Damascus round Damascus) can lie
  outside it, so the join only fills a missing one.
- ``exact``, ``near``, ``district`` (and anything else): point in polygon; the district's
  parent is the governorate, so the two codes always agree.
- A point inside no unit (just outside the outline: a border camp, a point on the coast) takes
  the nearest unit, measured in metres (``geo.schema.METRIC_CRS``), and the flag
  :data:`NEAREST_FLAG` is appended to its ``flags``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.names import with_boundary_names
from geo.schema import (
    ADMIN1,
    COUNTRY_ONLY_PRECISIONS,
    CRS,
    LOCATION_UNKNOWN,
    LOCATION_UNKNOWN_PCODE,
    METRIC_CRS,
)

#: Flag token of an event placed in the nearest unit because its point is in none.
NEAREST_FLAG = "nearest_unit"
#: geo_precision values whose point says nothing about the district / the governorate.
NO_DISTRICT_PRECISIONS = ("governorate", *COUNTRY_ONLY_PRECISIONS)
NO_ADMIN_PRECISIONS = COUNTRY_ONLY_PRECISIONS


def _str(values) -> np.ndarray:
    series = pd.Series(values)
    if isinstance(series.dtype, pd.StringDtype):  # text already: only the gaps to fill (fast at a million rows)
        return series.fillna("").to_numpy(dtype=object)
    return series.astype(object).where(pd.notna(values), "").astype(str).to_numpy()


def locate(points: np.ndarray, units: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ``pcode`` of the unit holding each point, else of the nearest unit.

    Parameters
    ----------
    points : ndarray of shapely Points (EPSG:4326), no missing or empty geometry.
    units : GeoDataFrame
        ``pcode`` and polygon geometry.

    Returns
    -------
    (codes, nearest)
        ``codes``: object array of P-codes ("" only when ``units`` is empty); ``nearest``:
        bool array, True where the point is in no unit and took the nearest one. A point on a
        shared edge takes the unit whose P-code sorts first.
    """
    n = len(points)
    codes = np.full(n, "", dtype=object)
    nearest = np.zeros(n, dtype=bool)
    if n == 0 or units is None or len(units) == 0:
        return codes, nearest
    units = units.to_crs(CRS) if units.crs is not None and not units.crs.equals(CRS) else units
    units = units.sort_values("pcode", kind="stable")
    pcodes = units["pcode"].astype(str).to_numpy()
    geoms = np.asarray(units.geometry.values, dtype=object)
    unit_of = _unit_of(points, geoms)
    found = unit_of >= 0
    codes[found] = pcodes[unit_of[found]]
    missing = np.flatnonzero(~found)
    if len(missing):
        metric = gpd.GeoSeries(geoms, crs=CRS).to_crs(METRIC_CRS).to_numpy()
        far = gpd.GeoSeries(points[missing], crs=CRS).to_crs(METRIC_CRS).to_numpy()
        near_pt, near_unit = shapely.STRtree(metric).query_nearest(far, all_matches=False)
        codes[missing[near_pt]] = pcodes[near_unit]
        nearest[missing[near_pt]] = True
    return codes, nearest


def _unit_of(points: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Index of the first of ``units`` that each point intersects (-1: none).

    Points are tested against each prepared unit in turn (a few hundred units, vectorised over
    the points): at a million events far faster than a spatial index queried with unprepared
    polygons.  Other geometries than points go through the spatial index.
    """
    unit_of = np.full(len(points), -1, dtype=np.int64)
    if not (shapely.get_type_id(points) == 0).all():
        hit_pt, hit_unit = shapely.STRtree(units).query(points, predicate="intersects")
        order = np.lexsort((hit_unit, hit_pt))
        first_pt, first = np.unique(hit_pt[order], return_index=True)
        unit_of[first_pt] = hit_unit[order][first]
        return unit_of
    x, y = shapely.get_x(points), shapely.get_y(points)
    for i, unit in enumerate(units):  # in order: on a shared edge the first unit wins
        if unit is None or shapely.is_empty(unit):
            continue
        x0, y0, x1, y1 = shapely.bounds(unit)
        near = np.flatnonzero((unit_of < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        if len(near):
            unit_of[near[shapely.intersects_xy(_prepared(unit), x[near], y[near])]] = i
    return unit_of


def _prepared(geom):
    """A prepared copy of ``geom`` (fast point-in-polygon tests; the caller's geometry is left as it is)."""
    geom = shapely.from_wkb(shapely.to_wkb(geom))
    shapely.prepare(geom)
    return geom


def _parents(admin2: gpd.GeoDataFrame) -> dict[str, str]:
    """District P-code -> governorate P-code (``parent_pcode``, else the P-code's first 4 characters)."""
    codes = admin2["pcode"].astype(str)
    if "parent_pcode" in admin2.columns:
        parents = pd.Series(_str(admin2["parent_pcode"]), index=admin2.index)
        parents = parents.where(parents != "", codes.str[:4])
    else:
        parents = codes.str[:4]
    return dict(zip(codes, parents, strict=True))


def _join_flag(flags: str, token: str) -> str:
    parts = [p for p in (flags or "").split(";") if p]
    if token not in parts:
        parts.append(token)
    return ";".join(parts)


def assign_admin(events: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame | None, admin2: gpd.GeoDataFrame | None):
    """``events`` with ``admin1_pcode`` and ``admin2_pcode`` from a spatial join (see the module notes).

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events (Points, EPSG:4326); ``geo_precision``, ``admin1_pcode`` and
        ``flags`` are used when present.
    admin1, admin2 : GeoDataFrame or None
        Governorates and districts (``pcode``, geometry; districts may carry ``parent_pcode``).
        Without districts, ``admin2_pcode`` is "" and governorates come from ``admin1``;
        without either, the existing ``admin1_pcode`` is kept.

    Returns
    -------
    GeoDataFrame
        A copy (same index and row order) with both P-code columns ("" when unknown) and
        :data:`NEAREST_FLAG` appended to ``flags`` where the point was in no unit.
    """
    out = events.copy()
    n = len(out)
    given1 = _str(out["admin1_pcode"]) if "admin1_pcode" in out.columns else np.full(n, "", dtype=object)
    flags = _str(out["flags"]) if "flags" in out.columns else np.full(n, "", dtype=object)
    prec = _str(out["geo_precision"]) if "geo_precision" in out.columns else np.full(n, "", dtype=object)
    geoms = np.asarray(out.geometry.values, dtype=object) if n else np.array([], dtype=object)
    if n and out.crs is not None and not out.crs.equals(CRS):
        geoms = np.asarray(out.geometry.to_crs(CRS).values, dtype=object)
    placed = ~np.isin(prec, NO_ADMIN_PRECISIONS)
    if n:
        placed &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    code1, code2 = given1.copy(), np.full(n, "", dtype=object)
    near = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(placed)
    has2 = admin2 is not None and len(admin2) > 0
    has1 = admin1 is not None and len(admin1) > 0
    if has2 and len(idx):
        c2, near2 = locate(geoms[idx], admin2)
        parents = _parents(admin2)
        code2[idx], near[idx] = c2, near2
        code1[idx] = [parents.get(c, "") for c in c2]
    elif has1 and len(idx):
        code1[idx], near[idx] = locate(geoms[idx], admin1)
    gov_only = prec == "governorate"
    code2[np.isin(prec, NO_DISTRICT_PRECISIONS)] = ""
    keep = gov_only & (given1 != "")
    code1[keep] = given1[keep]
    near[keep] = False
    code1[np.isin(prec, NO_ADMIN_PRECISIONS)] = ""  # "Syria, location unknown"
    out["admin1_pcode"] = code1
    out["admin2_pcode"] = code2
    out["flags"] = [_join_flag(f, NEAREST_FLAG) if m else f for f, m in zip(flags, near, strict=True)]
    return out


def with_admin(events: gpd.GeoDataFrame, catalog) -> gpd.GeoDataFrame:
    """:func:`assign_admin` with the catalog's governorates and districts (``catalog.boundaries``).

    Governorates imported into the workspace over shipped districts: the districts are not
    used (they belong to other governorate lines, and a district's parent decides the
    governorate), so ``admin2_pcode`` is "" and the governorate comes from the imported lines.

    Parameters
    ----------
    events : GeoDataFrame
        Event points to place in governorates and districts.
    catalog : Catalog
        The data catalog whose ``boundaries(1)`` and districts (see :func:`district_units`) are joined.

    Returns
    -------
    GeoDataFrame
        ``events`` with ``admin1_pcode`` and ``admin2_pcode`` (see :func:`assign_admin`).
    """
    return assign_admin(events, catalog.boundaries(1), district_units(catalog))


def district_units(catalog) -> gpd.GeoDataFrame | None:
    """The catalog's districts, or None when governorates were imported over shipped districts
    (see :func:`with_admin`).

    Parameters
    ----------
    catalog : Catalog
        The data catalog (its ``boundaries`` and ``boundaries_are_imported``).

    Returns
    -------
    GeoDataFrame or None
        The level-2 boundaries, or None when imported governorates replace shipped districts.
    """
    if catalog.boundaries_are_imported(1) and not catalog.boundaries_are_imported(2):
        return None
    return catalog.boundaries(2)


# --- counting by district (geo.stats grouper "district", the choropleth) -------------------------


def district_keys(events: pd.DataFrame, *, admin1=None, admin2=None, **_) -> pd.Series:
    """The key each event is counted under by district.

    The district P-code; the governorate P-code when only the governorate is known (a
    governorate centroid, or no districts loaded); ``geo.schema.LOCATION_UNKNOWN_PCODE`` for an
    event located only to the country; "" when nothing is known. Events without an
    ``admin2_pcode`` column are joined first (``admin1``, ``admin2`` boundaries).

    Parameters
    ----------
    events : DataFrame
        The events; ``admin2_pcode``/``admin1_pcode`` are used when present, else they are joined from
        ``admin1``/``admin2``. An optional ``geo_precision`` column marks country-only events.
    admin1 : GeoDataFrame, optional
        Governorate boundaries, used only when ``events`` lacks ``admin2_pcode``.
    admin2 : GeoDataFrame, optional
        District boundaries, used only when ``events`` lacks ``admin2_pcode``.
    **_
        Other keyword arguments, accepted and ignored.

    Returns
    -------
    Series
        One key (str) per event, on the index of ``events``.
    """
    if "admin2_pcode" not in events.columns:
        events = assign_admin(events, admin1, admin2)
    a2, a1 = _text(events, "admin2_pcode"), _text(events, "admin1_pcode")
    keys = a2.where(a2 != "", a1)
    if "geo_precision" in events.columns:
        keys = keys.where(~_text(events, "geo_precision").isin(COUNTRY_ONLY_PRECISIONS), LOCATION_UNKNOWN_PCODE)
    return keys.rename(None)


def _text(events: pd.DataFrame, col: str) -> pd.Series:
    """``events[col]`` as text on the events' index, "" for missing (pandas text stays as it is: fast)."""
    values = events[col]
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("")
    return pd.Series(_str(values), index=events.index)


def district_all_keys(*, admin2=None, admin1=None, events=None, **_) -> list[str]:
    """Every district P-code (sorted), then the governorates some of whose events have no district.

    (Events located only to the country come after them, in ``geo.stats``' row of
    ``geo.schema.LOCATION_UNKNOWN``.)

    Parameters
    ----------
    admin2 : GeoDataFrame, optional
        District boundaries (their ``pcode`` column); None or empty for no districts.
    admin1 : GeoDataFrame, optional
        Governorate boundaries, passed on to :func:`district_keys`.
    events : DataFrame, optional
        The events whose governorate-only keys are added; None or empty for none.
    **_
        Other keyword arguments, accepted and ignored.

    Returns
    -------
    list of str
        The sorted district P-codes, then the sorted governorate P-codes found among the event keys.
    """
    districts = sorted(admin2["pcode"].astype(str)) if admin2 is not None and len(admin2) else []
    present = (
        set(district_keys(events, admin1=admin1, admin2=admin2).unique())  # the distinct keys, not a million
        if events is not None and len(events)
        else set()
    )
    return [*districts, *sorted(k for k in present if k in ADMIN1)]


def district_labels(*, admin2=None, **_) -> list[tuple[str, object]]:
    """``[("district", key -> name), ("governorate", key -> name)]`` for the district counts.

    Parameters
    ----------
    admin2 : GeoDataFrame, optional
        District boundaries (``pcode``, ``name_en`` and parent P-codes); None or empty: keys are labelled by
        governorate only.
    **_
        Other keyword arguments, accepted and ignored.

    Returns
    -------
    list of (str, callable)
        Two pairs: ``"district"`` and ``"governorate"``, each with a function mapping a key (str) to its
        display name (str).
    """
    names, parents = {}, {}
    if admin2 is not None and len(admin2):
        shown = with_boundary_names(admin2)  # display names: "Idlib", "Al-Bab" (geo/names.py)
        names = dict(zip(shown["pcode"].astype(str), _str(shown["name_en"]), strict=True))
        parents = _parents(admin2)

    def district(key) -> str:
        """Display name of one district key (see :func:`district_keys`).

        Parameters
        ----------
        key : str
            A district or governorate P-code, ``LOCATION_UNKNOWN_PCODE``, or "" when nothing is known.

        Returns
        -------
        str
            The district's name (the key itself when unnamed); "<governorate>, district unknown" for a
            governorate key; ``LOCATION_UNKNOWN`` for the country; ``geo.stats.NONE_LABEL`` for "".
        """
        if not key:
            from geo.stats import NONE_LABEL  # lazily: geo.stats imports this module

            return NONE_LABEL
        if key == LOCATION_UNKNOWN_PCODE:
            return LOCATION_UNKNOWN
        if key in ADMIN1:
            return f"{ADMIN1[key]}, district unknown"
        return names.get(key, key)

    def governorate(key) -> str:
        """Governorate name of one district key (see :func:`district_keys`).

        Parameters
        ----------
        key : str
            A district or governorate P-code, or ``LOCATION_UNKNOWN_PCODE``.

        Returns
        -------
        str
            The name of the governorate (the key's parent, else its first four characters); "" when
            not a known governorate; ``LOCATION_UNKNOWN`` for the country.
        """
        if key == LOCATION_UNKNOWN_PCODE:
            return LOCATION_UNKNOWN
        gov = key if key in ADMIN1 else parents.get(key, str(key)[:4])
        return ADMIN1.get(gov, "")

    return [("district", district), ("governorate", governorate)]


def district_totals(events: pd.DataFrame, admin2: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The districts with ``events`` and ``fatalities`` of ``events`` in each (0 where none).

    Only events placed in a district count: those located only to a governorate or to the
    country have no district (see :func:`assign_admin`). Missing fatalities count 0.

    Parameters
    ----------
    events : DataFrame
        The events (a ``fatalities`` column; ``admin2_pcode`` is joined from ``admin2`` when missing).
    admin2 : GeoDataFrame
        District boundaries (``pcode`` and parent P-codes).

    Returns
    -------
    GeoDataFrame
        ``admin2`` (its columns and geometry, sorted by ``pcode``) plus ``governorate`` (name),
        ``events`` and ``fatalities`` (int64).
    """
    units = admin2.sort_values("pcode", kind="stable").reset_index(drop=True)
    if "admin2_pcode" not in events.columns:
        events = assign_admin(events, None, admin2)
    keys = pd.Series(_str(events["admin2_pcode"]), index=events.index)
    fat = (
        pd.to_numeric(events["fatalities"], errors="coerce").fillna(0).astype("int64")
        if len(events)
        else keys
    )
    frame = pd.DataFrame({"key": keys.to_numpy(), "fatalities": np.asarray(fat, dtype="int64")})
    grouped = (
        frame.loc[frame["key"] != ""]
        .groupby("key")
        .agg(events=("fatalities", "size"), fatalities=("fatalities", "sum"))
    )
    grouped = grouped.reindex(units["pcode"].astype(str), fill_value=0)
    parents = _parents(units)
    out = with_boundary_names(units)  # a copy, districts named for display (geo/names.py)
    out["governorate"] = [ADMIN1.get(parents.get(p, ""), "") for p in units["pcode"].astype(str)]
    out["events"] = grouped["events"].astype("int64").to_numpy()
    out["fatalities"] = grouped["fatalities"].astype("int64").to_numpy()
    return out
