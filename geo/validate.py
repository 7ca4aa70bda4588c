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
_ISO_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")  # what strptime("%Y-%m-%d") reads
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{2,4})$")


# --- columns, text, ids -------------------------------------------------------------


def require_columns(columns, required, hint: str = "") -> list[Problem]:
    """A problem for each required column missing from ``columns``.

    Parameters
    ----------
    columns : iterable
        The column names present (compared as strings).
    required : iterable of str
        The column names that must be present.
    hint : str, default ""
        Added in parentheses to each problem's reason when given.

    Returns
    -------
    list of Problem
        One file-level problem per missing column, in the order of ``required``.
    """
    present = {str(c) for c in columns}
    reason = "required column is missing" + (f" ({hint})" if hint else "")
    return [Problem(None, col, reason) for col in required if col not in present]


#: The bidi embedding, override and isolate characters (U+202A-U+202E, U+2066-U+2069).
BIDI_CONTROLS = "[\u202a-\u202e\u2066-\u2069]"


def drop_bidi(text: str) -> str:
    """``text`` without bidi embedding, override and isolate characters (see :func:`clean_text`).

    Parameters
    ----------
    text : str
        A value read from a file (a report's title, outlet, address).

    Returns
    -------
    str
        The same text; the left-to-right and right-to-left marks (U+200E, U+200F) are kept.
    """
    return re.sub(BIDI_CONTROLS, "", text)


def clean_text(values: pd.Series) -> pd.Series:
    """Strings stripped, NUL characters and bidirectional overrides removed, line endings as ``\\n``; missing = "".

    The bidi embedding, override and isolate characters (U+202A-U+202E, U+2066-U+2069) are dropped: they
    make a name display reversed ("gnp.exe" shown as "exe.png"; security audit, finding 15). The
    left-to-right and right-to-left marks (U+200E, U+200F) that Arabic text may carry are kept.

    Parameters
    ----------
    values : pandas.Series
        Values of any type (converted with ``str``).

    Returns
    -------
    pandas.Series
        The cleaned strings on the index of ``values``.
    """
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):  # 5 times faster than via where()
        s = values.fillna("").astype(str)
    else:
        s = values.astype(object).where(values.notna(), "").astype(str)
    if not s.str.contains("[\x00\r" + BIDI_CONTROLS[1:], regex=True).any():  # one pass, usually all
        return s.str.strip()
    return (
        s.str.replace("\x00", "", regex=False)
        .str.replace(BIDI_CONTROLS, "", regex=True)
        .str.replace("\r\n", "\n", regex=False)
        .str.replace("\r", "\n")
        .str.strip()
    )


def duplicate_ids(ids: pd.Series, rows: pd.Series, column: str) -> list[Problem]:
    """A problem for each row repeating an ID seen on an earlier row of the same file.

    Parameters
    ----------
    ids : pandas.Series
        The IDs, in file order; empty strings are never duplicates.
    rows : pandas.Series
        The file row number of each value (quoted in the problems).
    column : str
        The column named in the problems.

    Returns
    -------
    list of Problem
        One problem per repeating row, naming the row where the ID first appeared.
    """
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
    """A problem for each empty cell of a required column.

    Parameters
    ----------
    values : pandas.Series
        The column's values (a cell of only whitespace counts as empty).
    rows : pandas.Series
        The file row number of each value (quoted in the problems).
    column : str
        The column named in the problems.

    Returns
    -------
    list of Problem
        One ``value is missing`` problem per empty cell.
    """
    empty = values.astype(str).str.strip() == ""
    return [Problem(int(r), column, "value is missing") for r in pd.Series(rows)[empty.to_numpy()]]


def parse_ints(
    values: pd.Series, rows: pd.Series, column: str, *, required: bool = False, minimum: int | None = 0
) -> tuple[pd.Series, list[Problem]]:
    """Whole numbers (``"12"``, ``"12.0"``) as ``Int64``; empty = missing (a problem if required).

    Parameters
    ----------
    values : pandas.Series
        The cells (cleaned with :func:`clean_text` first).
    rows : pandas.Series
        The file row number of each value (quoted in the problems).
    column : str
        The column named in the problems.
    required : bool, default False
        Give a problem for each empty cell.
    minimum : int or None, default 0
        Smallest accepted value; ``None`` for no lower bound.

    Returns
    -------
    tuple of (pandas.Series, list of Problem)
        ``Int64`` values on the index of ``values`` (missing where empty or refused), and a problem
        for each cell that is not a whole number, is below ``minimum`` or (if required) is empty.
    """
    text = clean_text(values)
    num_np = _numbers(text)
    rows = pd.Series(rows).reset_index(drop=True)
    problems = []
    bad_text = (text != "").to_numpy() & np.isnan(num_np)
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
    huge = ~np.isnan(num_np) & (np.abs(np.nan_to_num(num_np)) >= 2.0**63)
    for i in np.flatnonzero(huge & ~frac & ~low):
        problems.append(Problem(int(rows[i]), column, f"{text.iat[i]!r} is too large"))
    if required:
        for i in np.flatnonzero((text == "").to_numpy()):
            problems.append(Problem(int(rows[i]), column, "value is missing"))
    ok = ~np.isnan(num_np) & ~frac & ~low & ~huge
    whole = np.where(ok, np.nan_to_num(num_np), 0).astype(np.int64)  # vectorised: no Python int per cell
    return pd.Series(pd.arrays.IntegerArray(whole, ~ok), index=values.index), problems


def _numbers(text: pd.Series) -> np.ndarray:
    """Cleaned cells as floats, NaN where empty or not a number, as ``pandas.to_numeric`` reads them.

    Cells of plain ASCII digits (nearly all of a file's counts) are converted as one Arrow cast;
    only the others go through ``to_numeric``.
    """
    out = np.full(len(text), np.nan)
    plain = text.str.fullmatch("[0-9]{1,15}").to_numpy(dtype=bool, na_value=False)
    if plain.any():
        out[plain] = text[plain].astype("int64").to_numpy(dtype=float)
    rest = ~plain & (text != "").to_numpy()
    if rest.any():
        out[rest] = pd.to_numeric(text[rest], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return out


# --- dates --------------------------------------------------------------------------


def parse_dates(
    values: pd.Series, rows: pd.Series, column: str, *, order: str | None = None, required: bool = True
) -> tuple[pd.Series, list[Problem]]:
    """Parse a date column without ever guessing an ambiguous day/month (see module doc).

    The project's one date parser: every date a user gives (files, options, documents) goes
    through it; :func:`parse_date` is its one-value form.

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
    rows = pd.Series(rows).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _given_dates(values, rows, column, required)
    cells = _Cells(clean_text(values).reset_index(drop=True), rows, column)
    _read_iso(cells)
    _read_named(cells)
    _read_numeric(cells, order)
    cells.refuse_unread(required)
    parsed = cells.calendar_dates()
    parsed.index = values.index
    return parsed, cells.problems


def parse_date(value, *, order: str | None = None, iso_only: bool = False) -> pd.Timestamp | None:
    """One date by :func:`parse_dates`: a ``Timestamp`` (midnight), or None when refused or empty.

    Parameters
    ----------
    value : str or None
        The text of one date.
    order : {"dmy", "mdy"} or None
        The stated order of numeric day/month dates.
    iso_only : bool
        Accept only ``YYYY-MM-DD`` (command-line options and other places that promise ISO).

    Returns
    -------
    Timestamp or None
    """
    text = "" if value is None else str(value).strip()
    if iso_only and not _ISO_DAY.fullmatch(text):
        return None
    parsed, problems = parse_dates(pd.Series([text], dtype=object), pd.Series([1]), "date", order=order, required=False)
    return None if problems or pd.isna(parsed.iat[0]) else parsed.iat[0]


def iso_dates(values: pd.Series) -> pd.Series:
    """Read a column of the project's own files, written as ISO dates (``""`` = missing).

    Only for columns the project wrote itself (shipped ``data/`` files, the store): what a
    user gives goes through :func:`parse_dates`. A value that is not ISO raises ``ValueError``.

    Parameters
    ----------
    values : Series
        ISO date or timestamp strings, or datetimes.

    Returns
    -------
    Series
        ``datetime64[ns]`` values, NaT where empty.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return pd.to_datetime(text.replace("", None), format="ISO8601").astype("datetime64[ns]")


def _given_dates(values: pd.Series, rows: pd.Series, column: str, required: bool):
    """A column already read as datetimes (e.g. from a GeoPackage): days, and missing ones."""
    parsed = pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")
    problems = []
    if required:
        problems = [
            Problem(int(rows[i]), column, "date is missing") for i in np.flatnonzero(parsed.isna().to_numpy())
        ]
    return parsed, problems


class _Cells:
    """The cells of one date column while they are read: year/month/day found so far, problems."""

    def __init__(self, text: pd.Series, rows: pd.Series, column: str):
        self.text, self.rows, self.column = text, rows, column
        n = len(text)
        self.y, self.m, self.d = np.full(n, -1), np.full(n, -1), np.full(n, -1)
        self.done = np.zeros(n, bool)
        self.problems: list[Problem] = []

    def refuse(self, i: int, reason: str, code: str = "bad_date") -> None:
        """Refuse cell ``i`` (a problem on its row).

        Parameters
        ----------
        i : int
            Position of the cell in the column.
        reason : str
            The problem's reason.
        code : str, default "bad_date"
            The problem's code.

        Returns
        -------
        None
            The problem is added to ``problems`` and the cell marked done.
        """
        self.problems.append(Problem(int(self.rows[i]), self.column, reason, code=code))
        self.done[i] = True

    def found(self, i: int, year: int, month: int, day: int) -> None:
        """Cell ``i`` reads as this day.

        Parameters
        ----------
        i : int
            Position of the cell in the column.
        year : int
            The year read.
        month : int
            The month read (1-12, checked later by :meth:`calendar_dates`).
        day : int
            The day of the month read (checked later by :meth:`calendar_dates`).

        Returns
        -------
        None
            The day is recorded and the cell marked done.
        """
        self.y[i], self.m[i], self.d[i] = year, month, day
        self.done[i] = True

    def cell(self, i: int) -> str:
        """Row ``i`` and its text, as messages quote them.

        Parameters
        ----------
        i : int
            Position of the cell in the column.

        Returns
        -------
        str
            ``row N: 'text'``.
        """
        return f"row {int(self.rows[i])}: {self.text[i]!r}"

    def refuse_unread(self, required: bool) -> None:
        """A problem for each cell no form read (and each empty one, when required).

        Parameters
        ----------
        required : bool
            Also give a ``date is missing`` problem for each empty cell.

        Returns
        -------
        None
            The problems are added to ``problems``.
        """
        empty = (self.text == "").to_numpy()
        for i in np.flatnonzero(~self.done & ~empty):
            self.problems.append(
                Problem(
                    int(self.rows[i]), self.column,
                    f"{self.text[i]!r} is not a date (use YYYY-MM-DD or e.g. 15 January 2017)",
                    code="bad_date",
                )
            )
        if required:
            for i in np.flatnonzero(empty):
                self.problems.append(Problem(int(self.rows[i]), self.column, "date is missing"))

    def calendar_dates(self) -> pd.Series:
        """The days read, NaT elsewhere; a problem for each one the calendar does not have."""
        have = self.y >= 0
        frame = pd.DataFrame(
            {"year": np.where(have, self.y, 2000), "month": np.where(have, self.m, 1), "day": np.where(have, self.d, 1)}
        )
        parsed = pd.to_datetime(frame, errors="coerce").where(have)
        for i in np.flatnonzero(have & parsed.isna().to_numpy()):
            self.problems.append(
                Problem(int(self.rows[i]), self.column, f"{self.text[i]!r} is not a real calendar date", code="bad_date")
            )
        return parsed.astype("datetime64[ns]")


def _read_plain_iso(cells: _Cells) -> None:
    """Cells written exactly ``YYYY-MM-DD`` in ASCII digits (nearly every cell of most files), read
    with numpy array arithmetic: the same days :data:`_ISO` reads from them, without a regex per cell."""
    lengths = cells.text.str.len().to_numpy(dtype=float, na_value=0)
    cand = np.flatnonzero(lengths == 10)
    if not len(cand):
        return
    codes = np.array(cells.text.iloc[cand].tolist(), dtype="U10").view(np.uint32).reshape(-1, 10).astype(np.int64)
    digits = codes[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    ok = ((digits >= 48) & (digits <= 57)).all(axis=1) & (codes[:, 4] == 45) & (codes[:, 7] == 45)
    d = codes[ok] - 48
    hit = cand[ok]
    cells.y[hit] = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    cells.m[hit] = d[:, 5] * 10 + d[:, 6]
    cells.d[hit] = d[:, 8] * 10 + d[:, 9]
    cells.done[hit] = True


def _unread(cells: _Cells, pattern: re.Pattern) -> pd.DataFrame:
    """``pattern``'s groups extracted from the cells not read yet (NaN on the others)."""
    todo = ~cells.done
    found = cells.text[todo].str.extract(pattern)
    return found.reindex(cells.text.index) if todo.sum() < len(todo) else found


def _read_iso(cells: _Cells) -> None:
    """ISO ``2017-01-15`` / ``2017/01/15`` (a time of day is dropped)."""
    _read_plain_iso(cells)
    if cells.done.all():
        return
    iso = _unread(cells, _ISO)
    hit = iso["y"].notna().to_numpy()
    cells.y[hit], cells.m[hit], cells.d[hit] = (iso.loc[hit, c].astype(int) for c in ("y", "m", "d"))
    cells.done |= hit


def _read_named(cells: _Cells) -> None:
    """A named month: ``15 January 2017``, ``15-Jan-2017``, ``January 15, 2017``."""
    for pattern in (_DMY_NAMED, _MDY_NAMED):
        if cells.done.all():
            return
        named = _unread(cells, pattern)
        hit = named["y"].notna().to_numpy() & ~cells.done
        if not hit.any():
            continue
        months = named.loc[hit, "mon"].str.lower().map(MONTHS)
        for i, month in zip(np.flatnonzero(hit), months, strict=True):
            if pd.isna(month):
                cells.refuse(i, f"{cells.text[i]!r}: unknown month name")
            else:
                cells.found(i, int(named.at[i, "y"]), int(month), int(named.at[i, "d"]))


def _read_numeric(cells: _Cells, order: str | None) -> None:
    """Numeric day/month forms, read only when the value or the stated order says which is the day."""
    if cells.done.all():
        return
    num = _unread(cells, _NUMERIC)
    hit = num["y"].notna().to_numpy() & ~cells.done
    if not hit.any():
        return
    a = num["a"].where(hit).astype(float).to_numpy()
    b = num["b"].where(hit).astype(float).to_numpy()
    short = hit & (num["y"].where(hit).fillna("").str.len().to_numpy() != 4)
    for i in np.flatnonzero(short):
        cells.refuse(i, f"{cells.text[i]!r}: two-digit year; write the year in full")
    hit &= ~short
    dayfirst = np.flatnonzero(hit & (a > 12) & (b <= 12))
    monthfirst = np.flatnonzero(hit & (b > 12) & (a <= 12))
    if order is None and len(dayfirst) and len(monthfirst):
        cells.problems.append(
            Problem(
                None,
                cells.column,
                f"numeric dates in this column mix day/month/year ({cells.cell(dayfirst[0])}) and "
                f"month/day/year ({cells.cell(monthfirst[0])}); fix the file or state the order of "
                "day and month",
                code="ambiguous_date",
            )
        )
        cells.done |= hit
        return
    evidence = ""
    if len(dayfirst):
        evidence = f"; other rows read day-first ({cells.cell(dayfirst[0])})"
    elif len(monthfirst):
        evidence = f"; other rows read month-first ({cells.cell(monthfirst[0])})"
    for i in np.flatnonzero(hit):
        _read_day_month(cells, i, int(a[i]), int(b[i]), int(num.at[i, "y"]), order, evidence)


def _read_day_month(cells: _Cells, i: int, a: int, b: int, year: int, order: str | None, evidence: str) -> None:
    """Cell ``i`` = ``a/b/year``: day-first, month-first, or refused as ambiguous (never guessed)."""
    if order == "dmy" or (order is None and (a > 12 or a == b)):
        cells.found(i, year, b, a)
    elif order == "mdy" or (order is None and b > 12):
        cells.found(i, year, a, b)
    else:
        cells.refuse(
            i,
            f"{cells.text[i]!r} is ambiguous (day {a} of month {b}, or month {a} day {b}?){evidence}; "
            "write ISO dates (YYYY-MM-DD) or state the order of day and month",
            code="ambiguous_date",
        )


# --- coordinates --------------------------------------------------------------------


def outline_geometry(outline):
    """A single shapely geometry (EPSG:4326) from a GeoDataFrame, GeoSeries or geometry.

    Parameters
    ----------
    outline : geopandas.GeoDataFrame or geopandas.GeoSeries or shapely geometry or None
        The outline; frames and series are reprojected to EPSG:4326 when needed and unioned, a
        geometry is returned as given.

    Returns
    -------
    shapely.Geometry or None
        The geometry, or ``None`` for ``None`` or an empty frame or series.
    """
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
    (la, lat_t), (lo, lon_t) = _coordinates(lat), _coordinates(lon)
    problems: list[Problem] = []
    flagged: list[Problem] = []
    flags = np.full(len(la), "", dtype=object)
    ok = np.ones(len(la), bool)
    ok &= _check_range(la, lat_t, rows, lat_col, 90, "latitude", problems)
    ok &= _check_range(lo, lon_t, rows, lon_col, 180, "longitude", problems)
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
    pair = lat_col if lat_col == lon_col else f"{lat_col}/{lon_col}"
    for i, problem in _outside_outline(geom, la, lo, ok, rows, pair, tolerance_km):
        (flagged if problem.code == "flagged" else problems).append(problem)
        if problem.code == "flagged":
            flags[i] = "near_border"
    return _points_frame(la, lo, flags, index), problems, flagged


def _outside_outline(geom, la, lo, ok, rows, pair: str, tolerance_km: float) -> list[tuple[int, Problem]]:
    """(index, problem) for each usable point outside the outline ``geom``."""
    poly, boundary = _prepared(shapely.to_wkb(geom))
    inside = np.zeros(len(la), bool)
    inside[ok] = shapely.contains_xy(poly, lo[ok], la[ok]) | shapely.intersects_xy(poly, lo[ok], la[ok])
    out_idx = np.flatnonzero(ok & ~inside)
    if not len(out_idx):
        return []
    mx, my = _TO_METRIC.transform(lo[out_idx], la[out_idx])
    dist_km = shapely.distance(boundary, shapely.points(mx, my)) / 1000.0
    swapped_in = shapely.contains_xy(poly, la[out_idx], lo[out_idx])
    return [
        (i, _outside(int(rows[i]), pair, la[i], lo[i], dkm, sw, tolerance_km))
        for i, dkm, sw in zip(out_idx, dist_km, swapped_in, strict=True)
    ]


def _coordinates(values) -> tuple[np.ndarray, pd.Series | None]:
    """Coordinate cells as floats (NaN where missing or not a number), and their text (None if numeric)."""
    if _numeric(values):
        return pd.to_numeric(pd.Series(values).reset_index(drop=True), errors="coerce").to_numpy(dtype=float), None
    text = clean_text(pd.Series(values)).reset_index(drop=True)
    return pd.to_numeric(text.replace("", None), errors="coerce").to_numpy(dtype=float), text


def _check_range(vals, text, rows, col: str, lim: int, name: str, problems: list[Problem]) -> np.ndarray:
    """Add a problem for each missing, non-numeric or out-of-range value; True where usable."""
    for i in np.flatnonzero(np.isnan(vals)):
        raw = "" if text is None else text[i]
        reason = f"{name} is missing" if raw in ("", "nan", "NaN", "NA", "null") else f"{name} {raw!r} is not a number"
        problems.append(Problem(int(rows[i]), col, reason))
    bad = ~np.isnan(vals) & (np.abs(np.nan_to_num(vals)) > lim)
    for i in np.flatnonzero(bad):
        problems.append(Problem(int(rows[i]), col, f"{name} {vals[i]:g} is out of range (-{lim}..{lim})"))
    return ~np.isnan(vals) & ~bad


def _outside(row: int, pair: str, la: float, lo: float, dkm: float, swapped_in: bool, tolerance_km: float) -> Problem:
    """A point outside the outline: flagged near the border, else refused (swapped, or outside)."""
    if dkm <= tolerance_km:
        return Problem(
            row,
            None,
            f"point ({la:g}, {lo:g}) is {dkm:.1f} km outside Syria's outline: accepted, flagged near_border",
            code="flagged",
            values=("near_border",),
        )
    if swapped_in:
        return Problem(
            row,
            pair,
            f"latitude and longitude look swapped: ({la:g}, {lo:g}) is {dkm:.0f} km outside Syria "
            f"but ({lo:g}, {la:g}) is inside",
            code="swapped_coordinates",
        )
    return Problem(
        row,
        pair,
        f"point ({la:g}, {lo:g}) is {dkm:.1f} km outside Syria's outline "
        f"(points up to {tolerance_km:g} km outside are accepted)",
        code="outside_outline",
    )


def check_areas_in_outline(geoms: gpd.GeoSeries, rows, outline, *, what: str = "zone") -> list[Problem]:
    """A problem for each polygon that does not touch Syria's outline (wrong place, CRS or axis order).

    ``geoms`` are valid geometries in EPSG:4326; ``outline`` as in :func:`check_points` (None: no check).

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        The polygons (missing or empty ones are skipped).
    rows : pandas.Series or array-like
        The file row number of each geometry (quoted in the problems).
    outline : geopandas.GeoDataFrame or geopandas.GeoSeries or shapely geometry or None
        Syria's outline (see :func:`outline_geometry`).
    what : str, default "zone"
        The word for a feature in the problems' reasons.

    Returns
    -------
    list of Problem
        One problem per geometry outside the outline, on column ``geometry``, with the distance
        and a hint (swapped axes, or wrong coordinates or CRS).
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
    """Reproject to EPSG:4326; a problem when no CRS is declared.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The features read from a file.
    what : str, default "the file"
        How the problem's reason names the source.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, list of Problem)
        The frame in EPSG:4326 and no problem, or ``gdf`` unchanged and one problem on column
        ``geometry`` when it has no CRS.
    """
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


#: Shapely geometry type names by type id.
_TYPE_NAMES = np.array(
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


def check_geometries(
    geoms: gpd.GeoSeries, rows, *, kinds=_POLYGONAL, fix: bool = False
) -> tuple[gpd.GeoSeries, list[Problem], list[str]]:
    """Missing, wrong-type and invalid geometries; ``fix`` repairs invalid ones with make_valid.

    Parameters
    ----------
    geoms : GeoSeries
        The geometries read.
    rows : Series
        The file row number of each geometry.
    kinds : tuple of str
        The geometry types expected.
    fix : bool
        Repair invalid geometries with ``make_valid`` instead of refusing them.

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
        problems.append(
            Problem(int(rows[i]), "geometry", "geometry is missing or could not be read", code="missing_geometry")
        )
    types = shapely.get_type_id(values)
    present = ~missing
    wrong = present & ~np.isin(_TYPE_NAMES[np.clip(types, 0, 7)], list(kinds))
    for i in np.flatnonzero(wrong):
        problems.append(
            Problem(int(rows[i]), "geometry", f"a {_TYPE_NAMES[types[i]]} where {' or '.join(kinds)} is expected")
        )
    check = present & ~wrong
    valid = np.ones(len(values), bool)
    valid[check] = shapely.is_valid(values[check])
    invalid = np.flatnonzero(~valid)
    if len(invalid) and fix:
        notes += _repair(values, invalid, rows, kinds, problems)
    elif len(invalid):
        for i in invalid:
            reason = shapely.is_valid_reason(values[i])
            problems.append(
                Problem(
                    int(rows[i]),
                    "geometry",
                    f"invalid geometry: {reason}",
                    code="invalid_geometry",
                )
            )
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs), problems, notes


def _repair(values: np.ndarray, invalid, rows: pd.Series, kinds, problems: list[Problem]) -> list[str]:
    """Repair ``values[invalid]`` in place with make_valid; a note on what was repaired."""
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
    if not repaired:
        return []
    shown = ", ".join(str(r) for r in repaired[:10]) + (" ..." if len(repaired) > 10 else "")
    return [f"repaired {len(repaired)} invalid geometr{'y' if len(repaired) == 1 else 'ies'} with make_valid (rows {shown})"]
