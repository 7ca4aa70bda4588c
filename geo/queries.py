"""Pure queries over canonical frames: date ranges, filters, distances, governorates."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.schema import CRS, METRIC_CRS

#: Points outside every governorate but this close to one take the nearest one (border camps).
NEAREST_ADMIN1_KM = 5.0


def _day(value) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts.normalize()


def events_in_range(events: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Events whose ``date_start`` falls in ``[start, end]`` (both inclusive, whole days).

    ``None`` leaves that side open. The index is kept.
    """
    day = pd.to_datetime(events["date_start"]).dt.normalize()
    mask = pd.Series(True, index=events.index)
    s, e = _day(start), _day(end)
    if s is not None:
        mask &= day >= s
    if e is not None:
        mask &= day <= e
    return events.loc[mask.fillna(False)]


def filter_events(events: pd.DataFrame, classes=None, parties=None, govs=None) -> pd.DataFrame:
    """Events of the given classes, parties and governorates (``None`` or empty = no filter).

    ``classes`` match a ``class`` column (``geo.classify``); ``parties`` match any of
    ``party`` / ``party1`` / ``party2`` columns when present (the party holding the place or
    the parties involved); ``govs`` match ``admin1_pcode``.
    """
    mask = pd.Series(True, index=events.index)
    if classes:
        if "class" not in events.columns:
            raise ValueError("filtering by class needs a 'class' column (see geo.classify)")
        mask &= events["class"].isin(list(classes))
    if parties:
        cols = [c for c in ("party", "party1", "party2") if c in events.columns]
        if not cols:
            raise ValueError("filtering by party needs a 'party', 'party1' or 'party2' column")
        hit = pd.Series(False, index=events.index)
        for c in cols:
            hit |= events[c].isin(list(parties))
        mask &= hit
    if govs:
        mask &= events["admin1_pcode"].isin(list(govs))
    return events.loc[mask]


def localities_within(localities: gpd.GeoDataFrame, lat: float, lon: float, km: float) -> gpd.GeoDataFrame:
    """Localities within ``km`` of (``lat``, ``lon``), nearest first, with a ``distance_km`` column.

    Distances are measured in ``geo.schema.METRIC_CRS`` (metres), not in degrees.
    """
    if len(localities) == 0:
        return localities.assign(distance_km=pd.Series(dtype=float))
    pts = (
        localities.to_crs(METRIC_CRS)
        if localities.crs is not None
        else localities.set_crs(CRS).to_crs(METRIC_CRS)
    )
    centre = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=CRS).to_crs(METRIC_CRS).iloc[0]
    dist = pts.geometry.distance(centre) / 1000.0
    out = localities.assign(distance_km=dist.to_numpy())
    return out.loc[out["distance_km"] <= km].sort_values("distance_km", kind="stable")


def assign_admin1(
    points: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame, nearest_km: float = NEAREST_ADMIN1_KM
) -> pd.Series:
    """The governorate P-code of each point (point in polygon), "" where none.

    Points in no governorate but within ``nearest_km`` of one (a camp on the border, a
    coastal point just off an outline) take the nearest one, measured in the metric CRS.
    """
    result = pd.Series("", index=points.index, dtype=object, name="admin1_pcode")
    if len(points) == 0 or admin1 is None or len(admin1) == 0:
        return result
    polys = (
        admin1[["pcode", "geometry"]]
        if admin1.crs is not None
        else admin1[["pcode", "geometry"]].set_crs(CRS)
    )
    polys = polys.to_crs(CRS)
    pts = gpd.GeoDataFrame(geometry=points.geometry.values, index=points.index, crs=points.crs or CRS).to_crs(
        CRS
    )
    valid = pts.geometry.notna() & ~pts.geometry.is_empty
    pts = pts.loc[valid]
    hits = gpd.sjoin(pts, polys, how="left", predicate="intersects")
    hits = hits[~hits.index.duplicated(keep="first")]
    found = hits["pcode"].notna()
    result.loc[hits.index[found]] = hits.loc[found, "pcode"].to_numpy()
    rest = hits.index[~found]
    if len(rest) and nearest_km:
        far = pts.loc[rest].to_crs(METRIC_CRS)
        near = gpd.sjoin_nearest(far, polys.to_crs(METRIC_CRS), how="left", max_distance=nearest_km * 1000.0)
        near = near[~near.index.duplicated(keep="first")]
        ok = near["pcode"].notna()
        result.loc[near.index[ok]] = near.loc[ok, "pcode"].to_numpy()
    return result.astype(object).where(result.notna(), "")


def day_range(start, end) -> pd.DatetimeIndex:
    """Every day from ``start`` to ``end`` inclusive."""
    return pd.date_range(_day(start), _day(end), freq="D")


__all__ = ["assign_admin1", "day_range", "events_in_range", "filter_events", "localities_within"]
