"""What every importer shares: the context, the parse result, event building, the commit."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import validate as v
from geo.frames import canonical, empty_frame
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


@dataclass
class Context:
    """The import at hand: format, file, store and options."""

    fmt: str
    path: Path
    store_path: Path
    options: dict

    def opt(self, name, default=None):
        value = self.options.get(name)
        return default if value is None else value

    @functools.cached_property
    def catalog(self):
        from geo.catalog import Catalog

        return Catalog(self.store_path, data_dir=self.opt("data_dir", DATA_DIR))

    @functools.cached_property
    def outline(self):
        if self.options.get("outline") is not None:
            return self.options["outline"]
        gdf = self.catalog.boundaries(0)
        return gdf if len(gdf) else None

    @functools.cached_property
    def admin1(self):
        if self.options.get("admin1") is not None:
            return self.options["admin1"]
        return self.catalog.boundaries(1)

    @property
    def file_name(self) -> str:
        """The file's name as the user knows it: the ``name`` option (e.g. an upload's name), else the path's."""
        return str(self.options.get("name") or self.path.name)

    @functools.cached_property
    def batch(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {self.fmt} {self.file_name}"


# --- building events ----------------------------------------------------------------


def events_from_columns(
    cols: dict[str, pd.Series],
    names: dict[str, str],
    rows: pd.Series,
    ctx: Context,
    *,
    dataset: str,
    id_prefix: str,
    lat=None,
    lon=None,
    geometry: gpd.GeoSeries | None = None,
    int_columns: tuple[str, ...] = ("fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"),
    problems: list[Problem] | None = None,
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
    dataset : str
        Default ``dataset`` value (a ``dataset`` column in ``cols`` wins where non-empty).
    id_prefix : str
        Prefix added to IDs ("ucdp:"), "" to keep the file's IDs.
    lat, lon : Series, optional
        Raw coordinates (or ``geometry`` with points).
    problems : list of Problem, optional
        Problems the format's own parser already found; reported first, and any problem means
        no frame (all or nothing).
    """
    rows = pd.Series(rows).reset_index(drop=True)
    n = len(rows)
    problems = list(problems or [])
    name = lambda f: names.get(f, f)  # noqa: E731
    raw = {k: val.reset_index(drop=True) for k, val in cols.items() if val is not None}
    text = {k: v.clean_text(val) for k, val in raw.items() if k not in ("date_start", "date_end")}
    blank = pd.Series([""] * n, dtype=object)

    ids = text.get("event_id", blank)
    problems += v.missing_values(ids, rows, name("event_id"))
    problems += v.duplicate_ids(ids, rows, name("event_id"))
    order = ctx.opt("date_order")
    start, p = v.parse_dates(raw.get("date_start", blank), rows, name("date_start"), order=order)
    problems += p
    if "date_end" in raw:
        end, p = v.parse_dates(raw["date_end"], rows, name("date_end"), order=order, required=False)
        problems += p
        end = end.where(end.notna(), start)
        before = (end < start).to_numpy()
        for i in np.flatnonzero(before):
            problems.append(Problem(int(rows[i]), name("date_end"), "ends before it starts"))
    else:
        end = start.copy()
    ints = {}
    for col in int_columns:
        if col in raw:
            ints[col], p = v.parse_ints(raw[col], rows, name(col))
            problems += p
        else:
            ints[col] = pd.Series(pd.array([None] * n, dtype="Int64"))
    for col, vocab in (("date_precision", DATE_PRECISIONS), ("geo_precision", GEO_PRECISIONS)):
        if col in text:
            bad = ~text[col].isin([*vocab, ""])
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    Problem(int(rows[i]), name(col), f"{text[col][i]!r} is not one of {', '.join(vocab)}")
                )

    if geometry is not None:
        geoms = gpd.GeoSeries(geometry.values, crs=geometry.crs).reset_index(drop=True)
        geoms, p, _ = v.check_geometries(geoms, rows, kinds=("Point",))
        problems += p
        values = np.asarray(geoms.values, dtype=object)
        pts = np.array(
            [g is not None and not g.is_empty and g.geom_type == "Point" for g in values], dtype=bool
        )
        xs = np.full(n, np.nan)
        ys = np.full(n, np.nan)
        if pts.any():
            xs[pts] = shapely.get_x(values[pts])
            ys[pts] = shapely.get_y(values[pts])
        lon, lat = pd.Series(xs), pd.Series(ys)
        lat_col = lon_col = "geometry"
        check_rows = rows[pts]
        pts_frame, p, flagged = v.check_points(
            lat[pts], lon[pts], check_rows, ctx.outline, lat_col=lat_col, lon_col=lon_col
        )
        problems += p
        flags_arr = np.full(n, "", dtype=object)
        flags_arr[np.flatnonzero(pts)] = pts_frame["flags"].to_numpy()
    else:
        pts_frame, p, flagged = v.check_points(
            lat.reset_index(drop=True),
            lon.reset_index(drop=True),
            rows,
            ctx.outline,
            lat_col=name("lat"),
            lon_col=name("lon"),
        )
        problems += p
        lat, lon = pts_frame["lat"], pts_frame["lon"]
        flags_arr = pts_frame["flags"].to_numpy()
    if problems:
        return Parsed("events", None, problems)

    out = pd.DataFrame(index=range(n))
    out["event_id"] = (id_prefix + ids) if id_prefix else ids
    ds = text.get("dataset", blank)
    out["dataset"] = ds.where(ds != "", dataset)
    out["date_start"] = start.reset_index(drop=True)
    out["date_end"] = end.reset_index(drop=True)
    for col in EVENT_COLUMNS:
        if col in out.columns or col in ints:
            continue
        out[col] = text.get(col, blank)
    for col, series in ints.items():
        out[col] = series.reset_index(drop=True)
    out["flags"] = [_join_flags(a, b) for a, b in zip(out["flags"], flags_arr, strict=True)]
    gdf = gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(lon.to_numpy(float), lat.to_numpy(float)), crs=CRS
    )
    if ctx.admin1 is not None and len(ctx.admin1):
        from geo.queries import assign_admin1

        missing = gdf["admin1_pcode"] == ""
        if missing.any():
            gdf.loc[missing, "admin1_pcode"] = assign_admin1(gdf.loc[missing], ctx.admin1).to_numpy()
    gdf["import_batch"] = ctx.batch
    gdf["_row"] = rows.to_numpy()
    return Parsed("events", gdf, [], flagged)


def _join_flags(a: str, b: str) -> str:
    parts = [p for p in (a or "").split(";") if p]
    for p in (b or "").split(";"):
        if p and p not in parts:
            parts.append(p)
    return ";".join(parts)


# --- committing ---------------------------------------------------------------------


def commit(parsed: Parsed, ctx: Context) -> ImportReport:
    """Write parsed records into the store (atomically) and report."""
    from geo.store import Store

    store = Store(ctx.store_path)
    frame = parsed.frame
    with store.lock():
        if parsed.kind == "boundaries":
            from geo.importers.boundaries import commit_boundaries

            return commit_boundaries(parsed, ctx, store)
        if parsed.kind == "events":
            existing = set(ctx.catalog.events(incidents=False)["event_id"])  # every record, folded or not
            key = frame["event_id"]
        else:  # zones: identical records are duplicates
            stored = store.read("zones")
            existing = set(_zone_keys(stored))
            key = pd.Series(_zone_keys(frame), index=frame.index)
        dup = key.isin(existing).to_numpy()
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
            stored = store.read(parsed.kind)
            merged = (
                pd.concat([stored, canonical(parsed.kind, new)], ignore_index=True) if len(stored) else new
            )
            store.write({parsed.kind: canonical(parsed.kind, merged)})
        return report


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
    """Raise ``InputError`` with the problems."""
    raise InputError(problems)


def empty_events() -> gpd.GeoDataFrame:
    """An empty canonical events frame."""
    return empty_frame("events")
