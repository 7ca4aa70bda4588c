"""Canonical frames of each stored kind, and their lossless text form on disk.

Every attribute is written to disk as text (GeoPackage TEXT, CSV cell, GeoJSON string) so
that nothing is lost on the way: dates become ISO strings (``YYYY-MM-DD``, or a full ISO
timestamp when there is a time of day), nullable integers become their decimal digits or an
empty string for a missing value, strings stay strings (missing = ""). Reading restores the
dtypes of ``geo.schema`` from the text. Columns outside the schema stay text.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.schema import (
    BOUNDARY_COLUMNS,
    CITATION_COLUMNS,
    CONTROL_COLUMNS,
    CRS,
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    LOCALITY_COLUMNS,
    ZONE_COLUMNS,
)
from geo.validate import iso_dates

#: Columns (and dtypes) of each kind the store holds.
KIND_COLUMNS: dict[str, dict[str, str]] = {
    "events": EVENT_COLUMNS,
    "boundaries": BOUNDARY_COLUMNS,
    "zones": ZONE_COLUMNS,
    "localities": LOCALITY_COLUMNS,
    "control": CONTROL_COLUMNS,
    "documents": DOCUMENT_COLUMNS,
    "citations": CITATION_COLUMNS,
}
#: Kinds without a geometry.
TABLE_KINDS = ("control", "documents", "citations")
KINDS = tuple(KIND_COLUMNS)


def check_kind(kind: str) -> None:
    """Raise ``ValueError`` for an unknown kind.

    Parameters
    ----------
    kind : str
        Name of a stored kind; must be one of ``KINDS``.

    Returns
    -------
    None
        Returns nothing when ``kind`` is known; raises ``ValueError`` otherwise.
    """
    if kind not in KIND_COLUMNS:
        raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def empty_frame(kind: str) -> pd.DataFrame:
    """An empty canonical frame of ``kind`` (a GeoDataFrame in EPSG:4326 for spatial kinds).

    Parameters
    ----------
    kind : str
        Name of a stored kind (one of ``KINDS``).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Zero rows with the schema columns and dtypes of ``kind``; a plain DataFrame for the
        ``TABLE_KINDS``, a GeoDataFrame in ``CRS`` otherwise.
    """
    check_kind(kind)
    cols = {c: pd.Series(dtype=_pandas_dtype(t)) for c, t in KIND_COLUMNS[kind].items()}
    if kind in TABLE_KINDS:
        return pd.DataFrame(cols)
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _pandas_dtype(t: str):
    return {"str": object, "datetime64[ns]": "datetime64[ns]", "Int64": "Int64", "int64": "int64"}[t]


# --- one column -------------------------------------------------------------------


def date_to_text(values: pd.Series) -> pd.Series:
    """Dates as ISO strings: ``YYYY-MM-DD`` at midnight, full ISO otherwise, "" for NaT.

    Parameters
    ----------
    values : pandas.Series
        Dates or datetimes (anything ``pandas.to_datetime`` accepts).

    Returns
    -------
    pandas.Series
        Strings on the same index: ``YYYY-MM-DD`` for midnight values, the full ISO timestamp
        for values with a time of day, ``""`` for missing values.
    """
    ts = pd.to_datetime(values)
    codes, uniques = pd.factorize(ts)  # each distinct day formatted once: a column holds few of them
    uniques = pd.DatetimeIndex(uniques)
    text = np.asarray(uniques.strftime("%Y-%m-%d"), dtype=object)
    timed = np.asarray(uniques != uniques.normalize())
    if timed.any():
        text[timed] = [t.isoformat() for t in uniques[timed]]
    text = np.append(text, "")  # code -1 (NaT) takes the last entry
    return pd.Series(text[codes], index=values.index, dtype=object).astype(str)


def text_to_date(values: pd.Series) -> pd.Series:
    """Inverse of :func:`date_to_text` (also accepts datetimes): ``geo.validate.iso_dates``.

    Parameters
    ----------
    values : pandas.Series
        ISO date strings (as written by :func:`date_to_text`) or datetimes.

    Returns
    -------
    pandas.Series
        The values parsed by ``geo.validate.iso_dates``.
    """
    return iso_dates(values)


def int_to_text(values: pd.Series) -> pd.Series:
    """Nullable integers as decimal digits, "" for missing.

    Parameters
    ----------
    values : pandas.Series
        Integers, possibly with missing values (anything convertible to ``Int64``).

    Returns
    -------
    pandas.Series
        Strings on the same index: the decimal digits, or ``""`` for a missing value.
    """
    ints = pd.array(values, dtype="Int64")
    missing = np.asarray(ints.isna(), dtype=bool)
    out = np.full(len(ints), "", dtype=object)
    out[~missing] = ints[~missing].to_numpy(dtype="int64").astype(str)  # vectorised: no Python loop per row
    return pd.Series(out, index=values.index, dtype=str)


def text_to_int(values: pd.Series, nullable: bool = True) -> pd.Series:
    """Inverse of :func:`int_to_text` (also accepts numbers).

    Parameters
    ----------
    values : pandas.Series
        Decimal-digit strings (``""`` or missing for no value) or an integer / float series.
    nullable : bool, default True
        Return a nullable ``Int64`` series when true; otherwise cast to ``int64`` (which fails
        when a value is missing).

    Returns
    -------
    pandas.Series
        ``Int64`` (or ``int64`` when ``nullable`` is false) values on the same index.
    """
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values):
        out = values.astype("Int64")
    else:
        text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
        out = pd.to_numeric(text.replace("", None)).astype("Int64")
    return out if nullable else out.astype("int64")


def str_clean(values: pd.Series) -> pd.Series:
    """Strings with missing values as "".

    Parameters
    ----------
    values : pandas.Series
        Values of any type.

    Returns
    -------
    pandas.Series
        The values as strings on the same index, missing values replaced by ``""``.
    """
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):  # 5 times faster than via where()
        return values.fillna("").astype(str)
    return values.astype(object).where(values.notna(), "").astype(str)


# --- whole frames -----------------------------------------------------------------


def to_text(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The on-disk form of a canonical frame: every attribute column as text.

    Missing schema columns are added empty; extra columns are kept (as text).

    Parameters
    ----------
    kind : str
        Name of a stored kind (one of ``KINDS``).
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A frame of ``kind``, canonical dtypes or not.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Schema columns first, then the extra columns, all as strings on the frame's index; a
        GeoDataFrame with the same geometry (CRS defaulting to ``CRS``) when ``frame`` has a
        geometry and ``kind`` is spatial.
    """
    check_kind(kind)
    schema = KIND_COLUMNS[kind]
    geom_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = {}
    for col, t in schema.items():
        if col not in frame.columns:
            out[col] = pd.Series("", index=frame.index, dtype=str)
            continue
        values = frame[col]
        if t == "datetime64[ns]":
            out[col] = date_to_text(values)
        elif t in ("Int64", "int64"):
            out[col] = int_to_text(values)
        else:
            out[col] = str_clean(values)
    for col in frame.columns:
        if col in schema or col == geom_name:
            continue
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[col] = date_to_text(values)
        else:
            out[col] = str_clean(values)
    df = pd.DataFrame(out, index=frame.index)
    if kind in TABLE_KINDS or geom_name is None:
        return df
    return gpd.GeoDataFrame(df, geometry=frame.geometry.values, crs=frame.crs or CRS)


def from_text(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes from the on-disk (text) form; schema columns first, extras after.

    Parameters
    ----------
    kind : str
        Name of a stored kind (one of ``KINDS``).
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The on-disk (text) form of a frame of ``kind``; missing schema columns are filled empty.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A frame with the dtypes of the schema, extra columns as strings, and a fresh
        ``RangeIndex``; for spatial kinds a GeoDataFrame reprojected to ``CRS`` (empty geometries
        when ``frame`` has none).
    """
    check_kind(kind)
    schema = KIND_COLUMNS[kind]
    geom_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = {}
    for col, t in schema.items():
        if col not in frame.columns:
            values = pd.Series("", index=frame.index, dtype=object)
        else:
            values = frame[col]
        if t == "datetime64[ns]":
            out[col] = text_to_date(values)
        elif t == "Int64":
            out[col] = text_to_int(values)
        elif t == "int64":
            out[col] = text_to_int(values).fillna(0).astype("int64")
        else:
            out[col] = str_clean(values)
    for col in frame.columns:
        if col not in schema and col != geom_name:
            out[col] = str_clean(frame[col])
    df = pd.DataFrame(out, index=frame.index)
    if kind in TABLE_KINDS:
        return df.reset_index(drop=True)
    geoms = frame.geometry.values if geom_name else gpd.GeoSeries([None] * len(frame)).values
    crs = frame.crs if geom_name and frame.crs is not None else CRS
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=crs), crs=crs)
    if not gdf.crs.equals(CRS):
        gdf = gdf.to_crs(CRS)
    return gdf.reset_index(drop=True)


def canonical(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame to the canonical dtypes of ``kind`` (via the text form: exact).

    Parameters
    ----------
    kind : str
        Name of a stored kind (one of ``KINDS``).
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A frame of ``kind``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        ``from_text(kind, to_text(kind, frame))``.
    """
    return from_text(kind, to_text(kind, frame))
