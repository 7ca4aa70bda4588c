"""Pure queries over canonical frames: date ranges and imprecise events, distances, governorates.

The date-range rule (:func:`range_masks`) and the tests for imprecise events
(:func:`country_only`, :func:`long_span`) live here; ``geo.view.filter_events`` is the one
filter of a view built on them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.schema import COUNTRY_ONLY_PRECISIONS, CRS, LONG_SPAN_DAYS, LONG_SPAN_PRECISIONS, METRIC_CRS

#: Points outside every governorate but this close to one take the nearest one (border camps).
NEAREST_ADMIN1_KM = 5.0


def _day(value) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts.normalize()


def span_days(events: pd.DataFrame) -> pd.Series:
    """Days each event's date span covers (``date_end - date_start + 1``; no ``date_end``: 1).

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events (``date_start``, optionally ``date_end``).

    Returns
    -------
    pandas.Series
        ``Int64`` day counts on the index of ``events`` (a ``date_end`` missing or before
        ``date_start`` counts as ``date_start``; missing where ``date_start`` is missing).
    """
    first, last = event_days(events)
    days = pd.to_timedelta(last - first).days + 1  # NaN where date_start is missing
    return pd.Series(days, index=events.index).astype("Int64")


def country_only(events: pd.DataFrame) -> pd.Series:
    """True for events located only to the country (``geo_precision`` "country"): code COUNTRY_ONLY.

    Such an event has a point (the centre of Syria) but no place: it is never drawn, never in a
    governorate, district or zone and never given a holder; it counts in national totals only.

    Parameters
    ----------
    events : pandas.DataFrame
        Events, with ``geo_precision`` when known.

    Returns
    -------
    pandas.Series
        Booleans on the index of ``events`` (all false without a ``geo_precision`` column).
    """
    if "geo_precision" not in events.columns:
        return pd.Series(False, index=events.index)
    return events["geo_precision"].astype("string").fillna("").isin(COUNTRY_ONLY_PRECISIONS).astype(bool)


def long_span(events: pd.DataFrame) -> pd.Series:
    """True for events dated only to a span longer than a week: code LONG_SPAN.

    A span longer than ``LONG_SPAN_DAYS`` days, or a ``date_precision`` of month or year
    (``LONG_SPAN_PRECISIONS``).  Counts by day or week never put such an event on a day.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``date_start`` (and optionally ``date_end`` and ``date_precision``).

    Returns
    -------
    pandas.Series
        Booleans on the index of ``events``.
    """
    if len(events) == 0:
        return pd.Series(False, index=events.index)
    longer = span_days(events).fillna(1) > LONG_SPAN_DAYS
    if "date_precision" in events.columns:
        longer |= events["date_precision"].astype("string").fillna("").isin(LONG_SPAN_PRECISIONS)
    return longer.astype(bool)


def event_days(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The first and last whole day of each event's span, as :func:`range_masks` reads them.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events (``date_start``, optionally ``date_end``).

    Returns
    -------
    tuple of numpy.ndarray
        ``datetime64[D]`` arrays, one value per row: ``date_start`` floored to the day (NaT where
        missing), and ``date_end`` likewise where it is set and not before the start, else the start.
        Compute them once for a frame that is filtered again and again (``range_masks(days=...)``).
    """
    first = _days(events["date_start"])
    last = first
    if "date_end" in events.columns:
        ends = _days(events["date_end"])
        last = np.where(~np.isnat(ends) & (ends >= first), ends, first)
    return first, last


def range_masks(events: pd.DataFrame, start=None, end=None, *,
                days: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[pd.Series, pd.Series]:
    """The date-range rule: (in range, partly in range) masks over ``events``.

    An event is **in** ``[start, end]`` (whole days, both inclusive; ``None`` = open side) when
    its whole span ``[date_start, date_end]`` lies inside it; it is **partly in range** (code
    PARTLY_IN_RANGE) when its span overlaps the range without lying inside it.  Partly-in-range
    events are reported apart, never counted in a range's totals.  An event without
    ``date_start`` is in no range (but in the open range ``None, None``).

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events (``date_start``, optionally ``date_end``).
    start : str or datetime-like, optional
        First day of the range; ``None`` or a blank string for an open start.
    end : str or datetime-like, optional
        Last day of the range (inclusive); ``None`` or a blank string for an open end.
    days : tuple of numpy.ndarray, optional
        :func:`event_days` of ``events``, computed once by a caller that filters the same frame
        again and again (default: computed here).

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        Boolean masks on the index of ``events``: in range, and partly in range.

    Raises
    ------
    ValueError
        ``days`` not of the length of ``events``.
    """
    # Whole days as numpy datetime64[D] (floored, NaT where missing; a comparison with NaT is False):
    # the same days as Series.dt.normalize, without pandas' per-operation cost at a million events.
    first, last = event_days(events) if days is None else days
    if len(first) != len(events) or len(last) != len(events):
        raise ValueError(f"days for {len(first)} events given for a frame of {len(events)}")
    s, e = _day(start), _day(end)
    inside = np.ones(len(events), dtype=bool)
    overlap = np.ones(len(events), dtype=bool)
    if s is not None:
        inside &= first >= np.datetime64(s.date())
        overlap &= last >= np.datetime64(s.date())
    if e is not None:
        inside &= last <= np.datetime64(e.date())
        overlap &= first <= np.datetime64(e.date())
    return pd.Series(inside, index=events.index), pd.Series(overlap & ~inside, index=events.index)


def _days(values: pd.Series) -> np.ndarray:
    """Date-like ``values`` as whole days (numpy ``datetime64[D]``, NaT where missing)."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def events_in_range(events: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Events whose whole span lies in ``[start, end]`` (see :func:`range_masks`); index kept.

    The range part of ``geo.view.filter_events`` (the one filter of a view), for callers
    without the view's other filters (``stats``, ``export``).

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events (``date_start``, optionally ``date_end``).
    start : str or datetime-like, optional
        First day of the range (inclusive); ``None`` for an open start.
    end : str or datetime-like, optional
        Last day of the range (inclusive); ``None`` for an open end.

    Returns
    -------
    pandas.DataFrame
        The rows of ``events`` in range.
    """
    return events.loc[range_masks(events, start, end)[0]]


def blank_country_only(values: pd.Series, events: pd.DataFrame, fill: str = "") -> pd.Series:
    """``values`` (aligned on ``events``, e.g. the holder of each place) with ``fill`` where
    the event is located only to the country (:func:`country_only`).

    Parameters
    ----------
    values : pandas.Series or array-like
        One value per event; a non-Series is put on the index of ``events``.
    events : pandas.DataFrame
        The events ``values`` belong to (``geo_precision`` is read).
    fill : str, default ""
        The value put in place of country-only events' values.

    Returns
    -------
    pandas.Series
        ``values`` as object dtype, with ``fill`` for country-only events.
    """
    values = pd.Series(values, index=events.index) if not isinstance(values, pd.Series) else values
    return values.astype(object).where(~country_only(events).reindex(values.index, fill_value=False), fill)


def assign_admin1(
    points: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame, nearest_km: float = NEAREST_ADMIN1_KM
) -> pd.Series:
    """The governorate P-code of each point (point in polygon), "" where none.

    Points in no governorate but within ``nearest_km`` of one (a camp on the border, a
    coastal point just off an outline) take the nearest one, measured in the metric CRS.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points to place (no CRS means ``CRS``); missing or empty geometries get ``""``.
    admin1 : geopandas.GeoDataFrame
        Governorate polygons with a ``pcode`` column (no CRS means ``CRS``); ``None`` or empty
        gives ``""`` everywhere.
    nearest_km : float, default NEAREST_ADMIN1_KM
        Largest distance (km) to the nearest governorate for points in none; 0 disables it.

    Returns
    -------
    pandas.Series
        Governorate P-codes (object dtype) on the index of ``points``, named ``admin1_pcode``.
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
    """Every day from ``start`` to ``end`` inclusive.

    Parameters
    ----------
    start : str or datetime-like
        First day (its time of day is dropped).
    end : str or datetime-like
        Last day, inclusive (its time of day is dropped).

    Returns
    -------
    pandas.DatetimeIndex
        Daily dates from ``start`` to ``end``.
    """
    return pd.date_range(_day(start), _day(end), freq="D")


__all__ = [
    "assign_admin1",
    "blank_country_only",
    "country_only",
    "day_range",
    "events_in_range",
    "long_span",
    "event_days",
    "range_masks",
    "span_days",
]
