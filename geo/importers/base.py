"""What every importer shares: the context, the parse result, event building, the commit."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo import validate as v
from geo.frames import canonical
from geo.paths import DATA_DIR
from geo.schema import (
    CRS,
    DATE_PRECISIONS,
    EVENT_COLUMNS,
    GEO_PRECISIONS,
    WINDOW_END,
    WINDOW_START,
    InputError,
    Problem,
)


@dataclass
class ImportReport:
    """What an import did.

    ``problems_flagged`` holds one entry per flagged row (accepted, with its reason).
    """

    added: int
    duplicates: int
    flagged: int
    problems_flagged: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = "events"

    def summary(self) -> str:
        """``added N, duplicates skipped N, flagged N``."""
        return f"added {self.added}, duplicates skipped {self.duplicates}, flagged {self.flagged}"


@dataclass
class Parsed:
    """The result of parsing a file: canonical records, or the problems."""

    kind: str
    frame: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    flagged: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: The steps of an import a ``progress`` callback is told, in order (front ends word them).
STEPS = ("read", "check", "write", "wait", "derive")

#: Each step in words, the one wording of the CLI's and the Data page's progress displays
#: (``{file}``: the file's name, ``{rows}``: the rows the step works on).
STEP_WORDS = {"read": "reading {file}", "check": "checking {rows:,} rows", "write": "writing {rows:,} records to the store",
              "wait": "waiting for another import into the store to end (at most {rows:,} s)",
              "derive": "updating the derived event table"}


def step_words(step: str, rows: int | None = None, file="") -> str:
    """Step ``step`` of an import in words (lower case), e.g. ``checking 1,000 rows``.

    Parameters
    ----------
    step : str
        One of :data:`STEPS` (another name is returned as it is).
    rows : int, optional
        The rows the step works on (0 when unknown).
    file : str or PathLike, optional
        The file's name, for the ``read`` step.

    Returns
    -------
    str
    """
    return STEP_WORDS.get(step, step).format(file=file, rows=rows or 0)


@dataclass
class Context:
    """The import at hand: format, file, store and options."""

    fmt: str
    path: Path
    store_path: Path | str  # a GeoPackage path, or the database's public URL (geo.paths.store_location)
    options: dict
    appended: object = None  # the rows the import appended to a GeoPackage (geo.derived.Appended), for refresh

    def opt(self, name, default=None):
        """The import option ``name`` (e.g. ``fix``, ``layer``, ``order``), or ``default`` when unset.

        Parameters
        ----------
        name : str
            Option name, looked up in ``options``.
        default : object, optional
            Returned when the option is missing or ``None``.

        Returns
        -------
        object
            The option value, or ``default``.
        """
        value = self.options.get(name)
        return default if value is None else value

    def step(self, name: str, rows: int | None = None) -> None:
        """Tell the ``progress`` option (a callable, when given) that the import enters step ``name``.

        Parameters
        ----------
        name : str
            One of :data:`STEPS`.
        rows : int, optional
            The number of rows the step works on, when known.

        Returns
        -------
        None
        """
        callback = self.options.get("progress")
        if callback is not None:
            callback(name, rows)

    @functools.cached_property
    def catalog(self):
        """The catalog the import checks against (shipped data plus the target store)."""
        from geo.catalog import Catalog

        return Catalog(self.store_path, data_dir=self.opt("data_dir", DATA_DIR))

    @functools.cached_property
    def outline(self):
        """Syria's outline that points are checked against (the ``outline`` option, else the catalog's)."""
        if self.options.get("outline") is not None:
            return self.options["outline"]
        gdf = self.catalog.boundaries(0)
        return gdf if len(gdf) else None

    @functools.cached_property
    def admin1(self):
        """The governorates events are assigned to (the ``admin1`` option, else the catalog's)."""
        if self.options.get("admin1") is not None:
            return self.options["admin1"]
        return self.catalog.boundaries(1)

    @property
    def file_name(self) -> str:
        """The file's name as the user knows it: the ``name`` option (e.g. an upload's name), else the path's."""
        return str(self.options.get("name") or self.path.name)

    @functools.cached_property
    def batch(self) -> str:
        """The ``import_batch`` value of this import: UTC time, format and file name."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {self.fmt} {self.file_name}"


# --- building events ----------------------------------------------------------------


def _event_dates(raw: dict, rows: pd.Series, name, order, blank: pd.Series):
    """(date_start, date_end, problems); ``date_end`` defaults to ``date_start``."""
    start, problems = v.parse_dates(raw.get("date_start", blank), rows, name("date_start"), order=order)
    if "date_end" not in raw:
        return start, start.copy(), problems
    end, p = v.parse_dates(raw["date_end"], rows, name("date_end"), order=order, required=False)
    problems += p
    end = end.where(end.notna(), start)
    for i in np.flatnonzero((end < start).to_numpy()):
        problems.append(Problem(int(rows[i]), name("date_end"), "ends before it starts"))
    return start, end, problems


def _event_ints(raw: dict, rows: pd.Series, name, int_columns) -> tuple[dict, list[Problem]]:
    """(column -> Int64 series, problems) of the integer columns (null where absent)."""
    ints, problems = {}, []
    for col in int_columns:
        if col in raw:
            ints[col], p = v.parse_ints(raw[col], rows, name(col))
            problems += p
        else:
            ints[col] = pd.Series(pd.array([None] * len(rows), dtype="Int64"))
    return ints, problems


def _vocabulary_problems(text: dict, rows: pd.Series, name) -> list[Problem]:
    """``date_precision`` / ``geo_precision`` values outside their vocabulary, and ``admin1_pcode``
    values that are not a governorate P-code (``SY`` and two digits); "" allowed in each."""
    problems = []
    for col, vocab in (("date_precision", DATE_PRECISIONS), ("geo_precision", GEO_PRECISIONS)):
        if col in text:
            for i in np.flatnonzero((~text[col].isin([*vocab, ""])).to_numpy()):
                problems.append(Problem(int(rows[i]), name(col), f"{text[col][i]!r} is not one of {', '.join(vocab)}"))
    if "admin1_pcode" in text:
        bad = ~text["admin1_pcode"].str.fullmatch(r"(SY\d{2})?", na=False)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(int(rows[i]), name("admin1_pcode"), f"{text['admin1_pcode'][i][:40]!r} is not a "
                                    "governorate P-code (SY and two digits, e.g. SY02), nor empty"))
    return problems


def _points_from_geometry(geometry: gpd.GeoSeries, rows: pd.Series, ctx: Context):
    """(lat, lon, flags, problems, flagged) of point geometries, checked against the outline."""
    n = len(rows)
    geoms = gpd.GeoSeries(geometry.values, crs=geometry.crs).reset_index(drop=True)
    geoms, problems, _ = v.check_geometries(geoms, rows, kinds=("Point",))
    values = np.asarray(geoms.values, dtype=object)
    pts = np.array([g is not None and not g.is_empty and g.geom_type == "Point" for g in values], dtype=bool)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    if pts.any():
        xs[pts] = shapely.get_x(values[pts])
        ys[pts] = shapely.get_y(values[pts])
    lon, lat = pd.Series(xs), pd.Series(ys)
    pts_frame, p, flagged = v.check_points(
        lat[pts], lon[pts], rows[pts], ctx.outline, lat_col="geometry", lon_col="geometry"
    )
    flags = np.full(n, "", dtype=object)
    flags[np.flatnonzero(pts)] = pts_frame["flags"].to_numpy()
    return lat, lon, flags, problems + p, flagged


def _points_from_columns(lat: pd.Series, lon: pd.Series, rows: pd.Series, ctx: Context, name):
    """(lat, lon, flags, problems, flagged) of coordinate columns, checked against the outline."""
    pts_frame, problems, flagged = v.check_points(
        lat.reset_index(drop=True), lon.reset_index(drop=True), rows, ctx.outline, lat_col=name("lat"), lon_col=name("lon")
    )
    return pts_frame["lat"], pts_frame["lon"], pts_frame["flags"].to_numpy(), problems, flagged


def _event_frame(text: dict, ids, dates, ints: dict, points, *, dataset: str, id_prefix: str) -> gpd.GeoDataFrame:
    """The canonical events of validated columns (``points``: lat, lon, flags)."""
    lat, lon, flags = points
    blank = pd.Series([""] * len(ids), dtype=object)
    out = pd.DataFrame(index=range(len(ids)))
    out["event_id"] = (id_prefix + ids) if id_prefix else ids
    ds = text.get("dataset", blank)
    out["dataset"] = ds.where(ds != "", dataset)
    out["date_start"] = dates[0].reset_index(drop=True)
    out["date_end"] = dates[1].reset_index(drop=True)
    for col in EVENT_COLUMNS:
        if col not in out.columns and col not in ints:
            out[col] = text.get(col, blank)
    for col, series in ints.items():
        out[col] = series.reset_index(drop=True)
    out["flags"] = _joined_flags(out["flags"], flags)
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon.to_numpy(float), lat.to_numpy(float)), crs=CRS)


INT_COLUMNS = ("fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities")


def _assign_missing_admin1(gdf: gpd.GeoDataFrame, ctx: Context) -> None:
    """Fill an empty ``admin1_pcode`` from the governorate polygons (spatial join), in place."""
    if ctx.admin1 is None or not len(ctx.admin1):
        return
    from geo.queries import assign_admin1

    missing = gdf["admin1_pcode"] == ""
    if missing.any():
        gdf.loc[missing, "admin1_pcode"] = assign_admin1(gdf.loc[missing], ctx.admin1).to_numpy()


def events_from_columns(
    cols: dict[str, pd.Series], names: dict[str, str], rows: pd.Series, ctx: Context, *, dataset: str,
    id_prefix: str, lat=None, lon=None, geometry: gpd.GeoSeries | None = None,
    int_columns: tuple[str, ...] = INT_COLUMNS, problems: list[Problem] | None = None,
) -> Parsed:
    """Validate raw event columns and build canonical events.

    Parameters
    ----------
    cols : dict
        Canonical field -> raw values (text). ``event_id`` and ``date_start`` are required;
        ``date_end`` defaults to ``date_start``; others default to "".
    names : dict
        Canonical field -> the file's column name (for messages).
    rows : Series
        File row numbers.
    ctx : Context
        The import's options (``date_order``), outline and governorates.
    dataset : str
        Default ``dataset`` value (a ``dataset`` column in ``cols`` wins where non-empty).
    id_prefix : str
        Prefix added to IDs ("ucdp:"), "" to keep the file's IDs.
    lat, lon, geometry : Series, Series, GeoSeries, optional
        Raw coordinates, or point geometries instead.
    int_columns : tuple of str
        The integer columns (null where absent).
    problems : list of Problem, optional
        Problems the format's own parser already found; reported first, and any problem means
        no frame (all or nothing).

    Returns
    -------
    Parsed
        The events (with ``_row``) and the flagged rows, or no frame and every problem.
    """
    rows = pd.Series(rows).reset_index(drop=True)
    problems = list(problems or [])
    name = lambda f: names.get(f, f)  # noqa: E731
    raw = {k: val.reset_index(drop=True) for k, val in cols.items() if val is not None}
    text = {k: v.clean_text(val) for k, val in raw.items() if k not in ("date_start", "date_end")}
    blank = pd.Series([""] * len(rows), dtype=object)
    ids = text.get("event_id", blank)
    problems += v.missing_values(ids, rows, name("event_id")) + v.duplicate_ids(ids, rows, name("event_id"))
    start, end, p = _event_dates(raw, rows, name, ctx.opt("date_order"), blank)
    ints, p2 = _event_ints(raw, rows, name, int_columns)
    problems += p + p2 + _vocabulary_problems(text, rows, name)
    if geometry is not None:
        lat, lon, flags, p, flagged = _points_from_geometry(geometry, rows, ctx)
    else:
        lat, lon, flags, p, flagged = _points_from_columns(lat, lon, rows, ctx, name)
    problems += p
    if problems:
        return Parsed("events", None, problems)
    gdf = _event_frame(text, ids, (start, end), ints, (lat, lon, flags), dataset=dataset, id_prefix=id_prefix)
    _assign_missing_admin1(gdf, ctx)
    gdf["import_batch"] = ctx.batch
    gdf["_row"] = rows.to_numpy()
    return Parsed("events", gdf, [], flagged)


def _joined_flags(given: pd.Series, found: np.ndarray) -> list[str]:
    """:func:`_join_flags` of each row; rows without any flag (nearly all) skip the Python call."""
    given = given.to_numpy(dtype=object)
    out = np.full(len(given), "", dtype=object)
    some = np.flatnonzero((given != "") | (found != ""))
    out[some] = [_join_flags(given[i], found[i]) for i in some]
    return out.tolist()


def _join_flags(a: str, b: str) -> str:
    parts = [p for p in (a or "").split(";") if p]
    for p in (b or "").split(";"):
        if p and p not in parts:
            parts.append(p)
    return ";".join(parts)


# --- committing ---------------------------------------------------------------------


def commit(parsed: Parsed, ctx: Context) -> ImportReport:
    """Write parsed records into the store (atomically) and report.

    Parameters
    ----------
    parsed : Parsed
        Parsed records (``events``, ``zones`` or ``boundaries``) with a ``_row`` column.
    ctx : Context
        The import at hand; ``store_path`` names the target store.

    Returns
    -------
    ImportReport
        Counts of added records and duplicates (records already in the catalog or store, which
        are skipped), the flagged problems of the added rows, and notes.  Boundaries are
        delegated to ``geo.importers.boundaries.commit_boundaries``.
    """
    from geo.store import LOCK_TIMEOUT_S, open_store

    store = open_store(ctx.store_path)  # a GeoPackage, or the team database (one transaction)
    frame = parsed.frame
    waited = []  # another writer holds the store: the front ends say so, then that the write goes on
    with store.lock(on_wait=lambda: (waited.append(True), ctx.step("wait", int(LOCK_TIMEOUT_S)))):
        if waited:
            ctx.step("write", 0 if frame is None else len(frame))
        if parsed.kind == "boundaries":
            from geo.importers.boundaries import commit_boundaries

            return commit_boundaries(parsed, ctx, store)
        if parsed.kind == "events":
            existing = _existing_event_ids(ctx, store)  # every record, folded or not
            key = frame["event_id"]
        else:  # zones: identical records are duplicates
            stored = store.read("zones")
            existing = set(_zone_keys(stored))
            key = pd.Series(_zone_keys(frame), index=frame.index)
        dup = _known(key, existing)
        new = frame.loc[~dup]
        flagged_rows = set(new["_row"])
        flagged = [p for p in parsed.flagged if p.row in flagged_rows]
        notes = list(parsed.notes)
        if parsed.kind == "events":
            notes += _window_notes(new)
        new = new.drop(columns="_row")
        report = ImportReport(
            added=len(new),
            duplicates=int(dup.sum()),
            flagged=len({p.row for p in flagged}),
            problems_flagged=flagged,
            notes=notes,
            kind=parsed.kind,
        )
        if len(new):
            ctx.appended = _store_new(store, parsed.kind, new)
        return report


def _store_new(store, kind: str, new: pd.DataFrame):
    """Add the new records after the stored ones (a GeoPackage appends them; the database merges).

    Returns the ``geo.derived.Appended`` of a GeoPackage's append (its version before and after,
    taken under the store's lock: ``geo.derived.refresh`` then derives the new rows alone), else None.
    """
    from geo.derived import Appended, store_version
    from geo.store import Store

    if isinstance(store, Store):  # the cost of the new rows only (Store.append)
        before = store_version(store)
        store.append(kind, new)
        return Appended(kind, before, store_version(store), len(new))
    stored = store.read(kind)
    merged = pd.concat([stored, canonical(kind, new)], ignore_index=True) if len(stored) else new
    store.write({kind: canonical(kind, merged)})
    return None


def _known(keys: pd.Series, existing) -> np.ndarray:
    """True where a key is among ``existing`` (Arrow's hash lookup: under a second for 100k keys against
    a million, where ``Series.isin`` took 5-9 s on Arrow-backed strings)."""
    def as_text(values) -> pa.Array:
        values = list(values) if isinstance(values, set) else pd.Series(values).to_numpy(dtype=object)
        return pa.array(values, type=pa.large_string())

    return pc.is_in(as_text(keys), value_set=as_text(existing)).to_numpy(zero_copy_only=False).astype(bool)


def _existing_event_ids(ctx: Context, store) -> pd.Series:
    """The event IDs already known: the shipped events' and the store's (a Series: ``isin`` of a
    million IDs takes a second from a Series, several from a set).

    A GeoPackage store gives its ID column alone (not every stored event read, converted and
    joined to the districts); the team database goes through the catalog.
    """
    from geo import datasets
    from geo.store import Store

    if not isinstance(store, Store):
        return pd.Series(ctx.catalog.events(incidents=False)["event_id"], dtype=str)
    parts = [store.column("events", "event_id").astype(str)]
    for loader in (datasets.load_events, datasets.load_ucdp_events):
        try:
            parts.append(loader(data_dir=ctx.opt("data_dir", DATA_DIR))["event_id"].astype(str))
        except FileNotFoundError:  # a data folder without that file (as Catalog reads it: none shipped)
            continue
    return pd.concat(parts, ignore_index=True)


def _window_notes(new: pd.DataFrame) -> list[str]:
    """A note when added events start outside the monitored window (stored, but off the app's range)."""
    if len(new) == 0:
        return []
    day = pd.to_datetime(new["date_start"]).dt.normalize()
    outside = ((day < pd.Timestamp(WINDOW_START)) | (day > pd.Timestamp(WINDOW_END))).to_numpy()
    if not outside.any():
        return []
    first = int(np.flatnonzero(outside)[0])
    return [
        f"{int(outside.sum())} of the {len(new)} added events start outside the monitored window "
        f"{WINDOW_START} .. {WINDOW_END} (first: row {int(new['_row'].iloc[first])}, "
        f"{day.iloc[first]:%Y-%m-%d}); they are stored and exported, but the app's date range does not reach them"
    ]


def _zone_keys(zones: pd.DataFrame) -> list[str]:
    if len(zones) == 0:
        return []
    z = canonical("zones", zones)
    wkb = [g.wkb_hex if g is not None else "" for g in z.geometry.values]
    return [
        "|".join([p, str(a), str(b), w])
        for p, a, b, w in zip(z["party"], z["valid_from"], z["valid_to"], wkb, strict=True)
    ]


def refuse(problems: list[Problem]):
    """Raise ``InputError`` with the problems.

    Parameters
    ----------
    problems : list of Problem
        The problems that stop the import.

    Returns
    -------
    None
        Never returns; always raises ``InputError``.
    """
    raise InputError(problems)


