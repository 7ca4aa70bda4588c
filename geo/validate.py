"""Checks shared by every importer; each returns every problem it finds, never only the first.

Rows are the 1-based data-row numbers a user sees (header excluded; for vector files, the
feature number). Checks are vectorised: a 2,000-row file validates in well under a second.

Dates (:func:`parse_dates`)
    Accepted: ISO ``2017-01-15`` (a time of day is dropped), ``2017/01/15``, a named month
    (``15 January 2017``, ``15-Jan-2017``, ``January 15, 2017``). Numeric day/month forms
    (``25/04/2017``, ``04.25.2017``) are read only when the value itself says which number
    is the day (one of them above 12, or both equal) and the column does not contradict
    itself (one row day-first, another month-first). ``05/04/2017`` is ambiguous and is
    refused, never guessed, unless the caller states the order (``order="dmy"``/``"mdy"``,
    the CLI's ``--date-order``). Two-digit years are refused.

Coordinates (:func:`check_points`)
    Numbers, in range, and inside Syria's outline polygon (not a bounding box). A point
    outside but within ``tolerance_km`` (5 km, measured in ``geo.schema.METRIC_CRS``) is
    accepted and flagged ``near_border`` (border camps such as Rukban, the coast); a point
    farther out is refused, and named "latitude and longitude look swapped" when the swapped
    point falls inside.
"""

from __future__ import annotations

import functools
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.schema import CRS, METRIC_CRS, Problem

NEAR_BORDER_KM = 5.0
_TO_METRIC = Transformer.from_crs(CRS, METRIC_CRS, always_xy=True)

#: Month names and abbreviations -> month number (also used by geo.documents).
MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ISO = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DMY_NAMED = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[A-Za-z]+)\.?,?[\s-]+(?P<y>\d{4})$")
_MDY_NAMED = re.compile(r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{2,4})$")


# --- columns, text, ids -------------------------------------------------------------


def require_columns(columns, required, hint: str = "") -> list[Problem]:
    """A problem for each required column missing from ``columns``."""
    present = {str(c) for c in columns}
    reason = "required column is missing" + (f" ({hint})" if hint else "")
    return [Problem(None, col, reason) for col in required if col not in present]


def clean_text(values: pd.Series) -> pd.Series:
    """Strings stripped, NUL characters removed, line endings as ``\\n``; missing = ""."""
    s = values.astype(object).where(values.notna(), "").astype(str)
    return (
        s.str.replace("\x00", "", regex=False)
        .str.replace("\r\n", "\n", regex=False)
        .str.replace("\r", "\n")
        .str.strip()
    )


def duplicate_ids(ids: pd.Series, rows: pd.Series, column: str) -> list[Problem]:
    """A problem for each row repeating an ID seen on an earlier row of the same file."""
    ids = ids.reset_index(drop=True)
    rows = pd.Series(rows).reset_index(drop=True)
    dup = ids.duplicated(keep="first") & (ids != "")
    if not dup.any():
        return []
    first_row = pd.Series(rows.values, index=ids.values)
    first_row = first_row[~first_row.index.duplicated(keep="first")]
    return [
        Problem(int(rows[i]), column, f"duplicate ID {ids[i]!r} (first on row {int(first_row[ids[i]])})")
        for i in np.flatnonzero(dup.to_numpy())
    ]


def missing_values(values: pd.Series, rows: pd.Series, column: str) -> list[Problem]:
    """A problem for each empty cell of a required column."""
    empty = values.astype(str).str.strip() == ""
    return [Problem(int(r), column, "value is missing") for r in pd.Series(rows)[empty.to_numpy()]]


def parse_ints(
    values: pd.Series, rows: pd.Series, column: str, *, required: bool = False, minimum: int | None = 0
) -> tuple[pd.Series, list[Problem]]:
    """Whole numbers (``"12"``, ``"12.0"``) as ``Int64``; empty = missing (a problem if required)."""
    text = clean_text(values)
    num = pd.to_numeric(text.where(text != "", None), errors="coerce")
    rows = pd.Series(rows).reset_index(drop=True)
    problems = []
    bad_text = (text != "").to_numpy() & num.isna().to_numpy()
    num_np = num.to_numpy(dtype=float, na_value=np.nan)
    frac = ~np.isnan(num_np) & (np.floor(np.nan_to_num(num_np)) != np.nan_to_num(num_np))
    low = (
        np.zeros(len(num_np), bool)
        if minimum is None
        else (~np.isnan(num_np) & (np.nan_to_num(num_np) < minimum))
    )
    for i in np.flatnonzero(bad_text):
        problems.append(Problem(int(rows[i]), column, f"{text.iat[i]!r} is not a whole number"))
    for i in np.flatnonzero(frac):
        problems.append(Problem(int(rows[i]), column, f"{text.iat[i]!r} is not a whole number"))
    for i in np.flatnonzero(low & ~frac):
        problems.append(Problem(int(rows[i]), column, f"{text.iat[i]!r} is below {minimum}"))
    if required:
        for i in np.flatnonzero((text == "").to_numpy()):
            problems.append(Problem(int(rows[i]), column, "value is missing"))
    ok = ~np.isnan(num_np) & ~frac & ~low
    out = pd.Series(
        pd.array(
            [int(v) if k else None for v, k in zip(np.nan_to_num(num_np), ok, strict=True)], dtype="Int64"
        ),
        index=values.index,
    )
    return out, problems


# --- dates --------------------------------------------------------------------------


def parse_dates(
    values: pd.Series, rows: pd.Series, column: str, *, order: str | None = None, required: bool = True
) -> tuple[pd.Series, list[Problem]]:
    """Parse a date column without ever guessing an ambiguous day/month (see module doc).

    Parameters
    ----------
    values : Series
        The raw cells.
    rows : Series
        The file row number of each cell.
    column : str
        The column name used in messages.
    order : {"dmy", "mdy"} or None
        The stated order of numeric day/month dates, when the user gave one.
    required : bool
        Whether an empty cell is a problem.

    Returns
    -------
    (Series, list of Problem)
        ``datetime64[ns]`` values (NaT where empty or refused) and the problems.
    """
    if order not in (None, "dmy", "mdy"):
        raise ValueError(f"order must be 'dmy' or 'mdy', not {order!r}")
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")
        rows = pd.Series(rows).reset_index(drop=True)
        problems = []
        if required:
            problems = [
                Problem(int(rows[i]), column, "date is missing")
                for i in np.flatnonzero(parsed.isna().to_numpy())
            ]
        return parsed, problems
    text = clean_text(values).reset_index(drop=True)
    rows = pd.Series(rows).reset_index(drop=True)
    n = len(text)
    y = np.full(n, -1)
    m = np.full(n, -1)
    d = np.full(n, -1)
    done = np.zeros(n, bool)
    problems: list[Problem] = []

    iso = text.str.extract(_ISO)
    hit = iso["y"].notna().to_numpy()
    y[hit], m[hit], d[hit] = (
        iso.loc[hit, "y"].astype(int),
        iso.loc[hit, "m"].astype(int),
        iso.loc[hit, "d"].astype(int),
    )
    done |= hit

    for pattern in (_DMY_NAMED, _MDY_NAMED):
        named = text.str.extract(pattern)
        hit = named["y"].notna().to_numpy() & ~done
        if hit.any():
            mon = named.loc[hit, "mon"].str.lower().map(MONTHS)
            for i, mm in zip(np.flatnonzero(hit), mon, strict=True):
                if pd.isna(mm):
                    problems.append(Problem(int(rows[i]), column, f"{text[i]!r}: unknown month name"))
                    done[i] = True
                    continue
                y[i], m[i], d[i] = int(named.at[i, "y"]), int(mm), int(named.at[i, "d"])
                done[i] = True

    num = text.str.extract(_NUMERIC)
    hit = num["y"].notna().to_numpy() & ~done
    if hit.any():
        a = num["a"].where(hit).astype(float).to_numpy()
        b = num["b"].where(hit).astype(float).to_numpy()
        yy = num["y"].where(hit).fillna("").str.len().to_numpy()
        short = hit & (yy != 4)
        for i in np.flatnonzero(short):
            problems.append(
                Problem(int(rows[i]), column, f"{text[i]!r}: two-digit year; write the year in full")
            )
        hit = hit & ~short
        done |= short
        dayfirst_rows = np.flatnonzero(hit & (a > 12) & (b <= 12))
        monthfirst_rows = np.flatnonzero(hit & (b > 12) & (a <= 12))
        if order is None and len(dayfirst_rows) and len(monthfirst_rows):
            i, j = dayfirst_rows[0], monthfirst_rows[0]
            problems.append(
                Problem(
                    None,
                    column,
                    f"numeric dates in this column mix day/month/year (row {int(rows[i])}: {text[i]!r}) and "
                    f"month/day/year (row {int(rows[j])}: {text[j]!r}); fix the file or state the order "
                    "with --date-order dmy|mdy",
                )
            )
            done |= hit
            hit[:] = False
        evidence = ""
        if len(dayfirst_rows):
            evidence = (
                f"; other rows read day-first (row {int(rows[dayfirst_rows[0]])}: {text[dayfirst_rows[0]]!r})"
            )
        elif len(monthfirst_rows):
            evidence = f"; other rows read month-first (row {int(rows[monthfirst_rows[0]])}: {text[monthfirst_rows[0]]!r})"
        for i in np.flatnonzero(hit):
            ai, bi = int(a[i]), int(b[i])
            if order == "dmy" or (order is None and (ai > 12 or ai == bi)):
                day, month = ai, bi
            elif order == "mdy" or (order is None and bi > 12):
                day, month = bi, ai
            else:
                problems.append(
                    Problem(
                        int(rows[i]),
                        column,
                        f"{text[i]!r} is ambiguous (day {ai} of month {bi}, or month {ai} day {bi}?){evidence}; "
                        "write ISO dates (YYYY-MM-DD) or state the order with --date-order dmy|mdy",
                    )
                )
                done[i] = True
                continue
            y[i], m[i], d[i] = int(num.at[i, "y"]), month, day
            done[i] = True

    empty = (text == "").to_numpy()
    for i in np.flatnonzero(~done & ~empty):
        problems.append(
            Problem(
                int(rows[i]), column, f"{text[i]!r} is not a date (use YYYY-MM-DD or e.g. 15 January 2017)"
            )
        )
    if required:
        for i in np.flatnonzero(empty):
            problems.append(Problem(int(rows[i]), column, "date is missing"))
    have = y >= 0
    frame = pd.DataFrame(
        {"year": np.where(have, y, 2000), "month": np.where(have, m, 1), "day": np.where(have, d, 1)}
    )
    parsed = pd.to_datetime(frame, errors="coerce").where(have)
    for i in np.flatnonzero(have & parsed.isna().to_numpy()):
        problems.append(Problem(int(rows[i]), column, f"{text[i]!r} is not a real calendar date"))
    parsed = parsed.astype("datetime64[ns]")
    parsed.index = values.index
    return parsed, problems


# --- coordinates --------------------------------------------------------------------


def outline_geometry(outline):
    """A single shapely geometry (EPSG:4326) from a GeoDataFrame, GeoSeries or geometry."""
    if outline is None:
        return None
    if isinstance(outline, gpd.GeoDataFrame | gpd.GeoSeries):
        if len(outline) == 0:
            return None
        if outline.crs is not None and not outline.crs.equals(CRS):
            outline = outline.to_crs(CRS)
        return shapely.union_all(
            np.asarray(outline.geometry.values if hasattr(outline, "geometry") else outline.values)
        )
    return outline


@functools.lru_cache(maxsize=8)
def _prepared(wkb: bytes):
    geom = shapely.from_wkb(wkb)
    shapely.prepare(geom)
    metric = shapely.transform(geom, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))
    boundary = metric.boundary
    shapely.prepare(boundary)
    return geom, boundary


def check_points(
    lat,
    lon,
    rows,
    outline,
    *,
    lat_col: str = "latitude",
    lon_col: str = "longitude",
    tolerance_km: float = NEAR_BORDER_KM,
) -> tuple[pd.Series, list[Problem], list[Problem]]:
    """Check point coordinates against ranges and Syria's outline.

    Parameters
    ----------
    lat, lon : Series
        Raw values (text or numbers), aligned.
    rows : Series
        File row number of each point.
    outline : geometry, GeoSeries or GeoDataFrame
        Syria's outline (EPSG:4326). ``None`` is a problem: nothing can be checked.
    lat_col, lon_col : str
        Column names used in messages.
    tolerance_km : float
        Points outside the outline but this close are accepted and flagged ``near_border``.

    Returns
    -------
    (DataFrame, list of Problem, list of Problem)
        ``lat``, ``lon`` (floats) and ``flags`` per point; the refusals; the flagged rows
        (accepted, with the reason).
    """
    index = pd.Series(lat).index
    rows = pd.Series(rows).reset_index(drop=True)
    lat_t = clean_text(pd.Series(lat)).reset_index(drop=True) if not _numeric(lat) else None
    lon_t = clean_text(pd.Series(lon)).reset_index(drop=True) if not _numeric(lon) else None
    la = pd.to_numeric(
        pd.Series(lat).reset_index(drop=True) if lat_t is None else lat_t.replace("", None), errors="coerce"
    ).to_numpy(dtype=float)
    lo = pd.to_numeric(
        pd.Series(lon).reset_index(drop=True) if lon_t is None else lon_t.replace("", None), errors="coerce"
    ).to_numpy(dtype=float)
    problems: list[Problem] = []
    flagged: list[Problem] = []
    flags = np.full(len(la), "", dtype=object)
    ok = np.ones(len(la), bool)
    for vals, text, col, lim, name in (
        (la, lat_t, lat_col, 90, "latitude"),
        (lo, lon_t, lon_col, 180, "longitude"),
    ):
        for i in np.flatnonzero(np.isnan(vals)):
            raw = "" if text is None else text[i]
            reason = (
                f"{name} is missing"
                if raw in ("", "nan", "NaN", "NA", "null")
                else f"{name} {raw!r} is not a number"
            )
            problems.append(Problem(int(rows[i]), col, reason))
        bad = ~np.isnan(vals) & (np.abs(np.nan_to_num(vals)) > lim)
        for i in np.flatnonzero(bad):
            problems.append(Problem(int(rows[i]), col, f"{name} {vals[i]:g} is out of range (-{lim}..{lim})"))
        ok &= ~np.isnan(vals) & ~bad
    geom = outline_geometry(outline)
    if geom is None:
        if ok.any():
            problems.append(
                Problem(
                    None,
                    None,
                    "no outline of Syria is available to check the points against "
                    "(data/admin0.geojson missing): import boundaries first",
                )
            )
        return _points_frame(la, lo, flags, index), problems, flagged
    poly, boundary = _prepared(shapely.to_wkb(geom))
    pair = lat_col if lat_col == lon_col else f"{lat_col}/{lon_col}"
    inside = np.zeros(len(la), bool)
    inside[ok] = shapely.contains_xy(poly, lo[ok], la[ok]) | shapely.intersects_xy(poly, lo[ok], la[ok])
    out_idx = np.flatnonzero(ok & ~inside)
    if len(out_idx):
        mx, my = _TO_METRIC.transform(lo[out_idx], la[out_idx])
        dist_km = shapely.distance(boundary, shapely.points(mx, my)) / 1000.0
        swapped_in = shapely.contains_xy(poly, la[out_idx], lo[out_idx])
        for i, dkm, sw in zip(out_idx, dist_km, swapped_in, strict=True):
            if dkm <= tolerance_km:
                flags[i] = "near_border"
                flagged.append(
                    Problem(
                        int(rows[i]),
                        None,
                        f"point ({la[i]:g}, {lo[i]:g}) is {dkm:.1f} km outside Syria's outline: accepted, flagged near_border",
                    )
                )
            elif sw:
                problems.append(
                    Problem(
                        int(rows[i]),
                        pair,
                        f"latitude and longitude look swapped: ({la[i]:g}, {lo[i]:g}) is {dkm:.0f} km outside Syria "
                        f"but ({lo[i]:g}, {la[i]:g}) is inside",
                    )
                )
            else:
                problems.append(
                    Problem(
                        int(rows[i]),
                        pair,
                        f"point ({la[i]:g}, {lo[i]:g}) is {dkm:.1f} km outside Syria's outline "
                        f"(points up to {tolerance_km:g} km outside are accepted)",
                    )
                )
    return _points_frame(la, lo, flags, index), problems, flagged


def check_areas_in_outline(geoms: gpd.GeoSeries, rows, outline, *, what: str = "zone") -> list[Problem]:
    """A problem for each polygon that does not touch Syria's outline (wrong place, CRS or axis order).

    ``geoms`` are valid geometries in EPSG:4326; ``outline`` as in :func:`check_points` (None: no check).
    """
    geom = outline_geometry(outline)
    if geom is None or len(geoms) == 0:
        return []
    poly, boundary = _prepared(shapely.to_wkb(geom))
    rows = pd.Series(rows).reset_index(drop=True)
    values = np.asarray(geoms.values, dtype=object)
    ok = ~(shapely.is_missing(values) | shapely.is_empty(values))
    hits = np.ones(len(values), bool)
    hits[ok] = shapely.intersects(poly, values[ok])
    problems = []
    for i in np.flatnonzero(ok & ~hits):
        g = values[i]
        metric = shapely.transform(g, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))
        dist_km = shapely.distance(boundary, metric) / 1000.0
        swapped = shapely.transform(g, lambda xy: xy[:, ::-1])
        hint = (
            "latitude and longitude look swapped (swapped, it lies in Syria)"
            if shapely.intersects(poly, swapped)
            else "wrong coordinates or coordinate reference system?"
        )
        problems.append(
            Problem(
                int(rows[i]),
                "geometry",
                f"the {what} lies entirely outside Syria's outline ({dist_km:.0f} km away): {hint}",
            )
        )
    return problems


def _numeric(values) -> bool:
    return pd.api.types.is_numeric_dtype(pd.Series(values))


def _points_frame(la, lo, flags, index) -> pd.DataFrame:
    return pd.DataFrame({"lat": la, "lon": lo, "flags": flags}, index=index)


# --- geometries and CRS -------------------------------------------------------------

_POLYGONAL = ("Polygon", "MultiPolygon")


def check_crs(gdf: gpd.GeoDataFrame, what: str = "the file") -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Reproject to EPSG:4326; a problem when no CRS is declared."""
    if gdf.crs is None:
        return gdf, [
            Problem(
                None,
                "geometry",
                f"{what} declares no coordinate reference system (a shapefile needs its .prj)",
            )
        ]
    if not gdf.crs.equals(CRS):
        gdf = gdf.to_crs(CRS)
    return gdf, []


def check_geometries(
    geoms: gpd.GeoSeries, rows, *, kinds=_POLYGONAL, fix: bool = False
) -> tuple[gpd.GeoSeries, list[Problem], list[str]]:
    """Missing, wrong-type and invalid geometries; ``fix`` repairs invalid ones with make_valid.

    Returns
    -------
    (GeoSeries, list of Problem, list of str)
        The (possibly repaired) geometries, the problems and notes on what was repaired.
    """
    rows = pd.Series(rows).reset_index(drop=True)
    values = np.asarray(geoms.values, dtype=object)
    problems: list[Problem] = []
    notes: list[str] = []
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    for i in np.flatnonzero(missing):
        problems.append(Problem(int(rows[i]), "geometry", "geometry is missing or could not be read"))
    types = shapely.get_type_id(values)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    present = ~missing
    wrong = present & ~np.isin(names[np.clip(types, 0, 7)], list(kinds))
    for i in np.flatnonzero(wrong):
        problems.append(
            Problem(int(rows[i]), "geometry", f"a {names[types[i]]} where {' or '.join(kinds)} is expected")
        )
    check = present & ~wrong
    valid = np.ones(len(values), bool)
    valid[check] = shapely.is_valid(values[check])
    invalid = np.flatnonzero(~valid)
    if len(invalid):
        if fix:
            repaired = []
            for i in invalid:
                g = shapely.make_valid(values[i])
                if set(kinds) <= set(_POLYGONAL) and g.geom_type not in _POLYGONAL:
                    parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in _POLYGONAL]
                    g = shapely.union_all(parts) if parts else None
                if g is None or g.is_empty:
                    problems.append(
                        Problem(
                            int(rows[i]),
                            "geometry",
                            "invalid geometry that make_valid cannot repair into a polygon",
                        )
                    )
                    continue
                values[i] = g
                repaired.append(int(rows[i]))
            if repaired:
                shown = ", ".join(str(r) for r in repaired[:10]) + (" ..." if len(repaired) > 10 else "")
                notes.append(
                    f"repaired {len(repaired)} invalid geometr{'y' if len(repaired) == 1 else 'ies'} with make_valid (rows {shown})"
                )
        else:
            for i in invalid:
                reason = shapely.is_valid_reason(values[i])
                problems.append(
                    Problem(
                        int(rows[i]),
                        "geometry",
                        f"invalid geometry: {reason} (use --fix to repair with make_valid)",
                    )
                )
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs), problems, notes
