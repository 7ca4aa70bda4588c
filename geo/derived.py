"""The derived event table: what the app shows, computed once per version of its inputs.

:func:`classified_events` returns exactly ``geo.view.classify_events(Catalog(store).events(),
catalog)``: the merged events (shipped + workspace), folded into incidents, with their P-codes
(``geo.admin``), truce class, parties, the holder of the place on the event's date
(``held_by``) and the report's link.  Computing it reads the whole store, joins every event to
the districts and to the control layer of its date and classifies it: 17-30 s at a million
events on a 2-core machine.  So the result is kept, typed, in a GeoParquet *sidecar*, written
when an import succeeds (``geo.importers.import_file``), and read back in 3-6 s at a million.

The sidecar
-----------
- GeoPackage store ``<folder>/<name>.gpkg``: ``<folder>/<name>.gpkg-derived.parquet`` beside it (a
  name the store's clean-up of its own temporary files, ``.<name>.gpkg.*.tmp*``, never matches).
- Team database (``MONITOR_DATABASE_URL``): ``db-<hash of its public URL>.parquet`` in the cache
  folder named by ``MONITOR_DERIVED_DIR`` (:data:`CACHE_ENV`); without one nothing is written and
  the table is computed in memory (once per process in the web app, which caches it).
- No store file yet (nothing imported): nothing is written; the shipped events are computed in
  memory (a few seconds).
- Read-only mode (``geo.store.read_only()``): a sidecar that matches is read, otherwise the table
  is computed in memory and **not** written.

A sidecar is used only when its *stamp* (kept in the Parquet file's metadata) equals the stamp
of the inputs now (:func:`input_stamp`): the store's version (its size, modification time in ns
and inode: every store write replaces the file; the database's version counter), a hash of the
shipped data files (``data/``: the actor table ``actors.csv``, control records, boundaries, the
shipped events...) and a hash of the code that derives the table (``geo/*.py``: the rules).  A
stale sidecar is therefore never used.  A sidecar that cannot be read (damaged, truncated, not
Parquet) is computed again and replaced; an error while computing is raised, never turned into
empty data.  Writes go through ``geo.atomic`` (all or nothing).

Appending (an import of events)
-------------------------------
An import of events into a GeoPackage store only appends rows (``geo.store.Store.append``, under the
store's lock).  The importer notes the store's version just before and just after its append
(:class:`Appended`); :func:`refresh` then derives **only the new rows** and appends them to the
previous table, when that is provably what computing the whole table again would give:

- the sidecar's stamp is the stamp of the inputs *before* the append (same store version, same
  ``data/``, same ``geo/*.py``), and the store's version now is the one *after* it: nothing else was
  written in between, so the store is the previous one plus these rows, at its end (checked again
  after the rows are read, and the previous table's stamp on the very table read: a concurrent
  import or refresh makes it compute the whole table instead);
- every derived value of a row depends on that row alone (its P-codes, its class and parties, the
  holder of its place on its date, its report's link: the boundaries, control records, imported
  zones, actor table and sources are unchanged), except two, which are checked:
  * an ID present twice keeps its first copy (the shipped one, then the earlier import): new rows
    whose ID the previous table holds (as a row or folded into an incident) are dropped, and so
    is the second of two new rows with one ID;
  * incident links (``geo.incidents``) pair curated with UCDP records: a new curated row could
    take an old UCDP row's link, and a new UCDP row recording a curated incident changes that
    incident's row (its sources, its toll).  So when a new row is curated, or a new UCDP row
    links to any curated event, the whole table is computed again;
- the new rows' columns and types are the previous table's (else: computed again).

Whenever a condition fails the whole table is computed, never a partial one; the sidecar's
metadata says which was done (:data:`HOW_KEY`: ``full``, ``full: <reason>`` or ``appended N rows``).
Other writes (zones, boundaries, control, a database store) always compute the whole table.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from geo.atomic import atomic_path
from geo.paths import DATA_DIR, ROOT

#: Parquet metadata key holding the stamp of the inputs a sidecar was computed from.
STAMP_KEY = b"scm_derived_stamp"
#: Parquet metadata key holding the column order, pandas dtypes, geometry column and CRS (restored on read).
LAYOUT_KEY = b"scm_derived_layout"
#: Parquet metadata key saying how the sidecar was made: ``full``, ``full: <reason>``, ``appended N rows``.
HOW_KEY = b"scm_derived_how"
#: Text columns :func:`classified_events` holds as categoricals (sorted categories; the sidecar keeps them as
#: text): few distinct values, read only as text (exports write them through ``geo.frames.str_clean``), never
#: filtered, grouped or edited.  At a million events: ``class_reason`` (a sentence per event, ~1,200 distinct)
#: 124 MB as Arrow strings, 2 MB as codes; ``import_batch`` (one per import) 50 MB, 1 MB.
CATEGORICAL = ("class_reason", "import_batch")
#: Suffix added to a GeoPackage store's name for its sidecar.
SIDECAR_SUFFIX = "-derived.parquet"
#: Environment variable naming the folder of the team databases' sidecars (none: not written).
CACHE_ENV = "MONITOR_DERIVED_DIR"
#: Version of the sidecar layout (bump to invalidate every sidecar).
LAYOUT = "1"
#: What reading a damaged sidecar raises: Arrow's errors (not Parquet, truncated), the file system's,
#: and a missing or garbled layout entry (KeyError, ValueError: json and the UTF-8 decoder raise it).
UNREADABLE = (pyarrow.ArrowException, OSError, KeyError, ValueError)


@dataclass(frozen=True)
class Appended:
    """Rows one write appended at the end of a GeoPackage store's layer (see "Appending" above).

    Parameters
    ----------
    kind : str
        The layer (``events``; any other kind makes :func:`refresh` compute the whole table).
    before, after : str
        The store's version (:func:`store_version`) just before and just after the append.
    rows : int
        How many rows were appended.
    """

    kind: str
    before: str
    after: str
    rows: int


class DerivedCacheWarning(UserWarning):
    """The derived table was computed but its sidecar could not be written (disk full, no permission)."""


def _digest(paths) -> str:
    """SHA-256 of the names and contents of ``paths`` (sorted), hex."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def store_version(store) -> str:
    """The store's part of the stamp: what changes whenever the store is written (module docstring).

    Parameters
    ----------
    store : geo.store.Store or geo.pgstore.PgStore
        The workspace store.

    Returns
    -------
    str
        Size, modification time (ns) and inode of a GeoPackage ("gpkg:none" when there is none
        yet); a database's version counter.
    """
    from geo.store import Store

    if isinstance(store, Store):
        try:
            info = os.stat(store.path)
        except (FileNotFoundError, NotADirectoryError):  # nothing imported yet, or a path that
            return "gpkg:none"  # can never be a file (the app's "shipped data alone" store)
        return f"gpkg:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
    return f"db:{store.version()}"


def _inputs(data_dir) -> str:
    """The stamp's part for the shipped data files and the code (``geo/*.py``)."""
    data = _digest(p for p in Path(data_dir).iterdir() if p.is_file())
    code = _digest((ROOT / "geo").glob("*.py"))
    return f"data:{data}|code:{code}"


def input_stamp(store, data_dir=DATA_DIR) -> str:
    """The stamp of everything the derived table is computed from.

    Parameters
    ----------
    store : geo.store.Store or geo.pgstore.PgStore
        The workspace store (``geo.store.open_store``).
    data_dir : Path
        The shipped data folder.

    Returns
    -------
    str
        Layout version, store version, hash of the shipped data files and hash of ``geo/*.py``;
        equal stamps mean equal tables.
    """
    return f"{LAYOUT}|{store_version(store)}|{_inputs(data_dir)}"


def sidecar_path(store) -> Path | None:
    """Where the derived table of ``store`` is kept (see the module docstring).

    Parameters
    ----------
    store : geo.store.Store or geo.pgstore.PgStore
        The workspace store.

    Returns
    -------
    Path or None
        The sidecar's path; None when nothing is kept (no GeoPackage yet; a database without
        a cache folder, ``MONITOR_DERIVED_DIR``).
    """
    from geo.store import Store

    if isinstance(store, Store):
        return store.path.with_name(store.path.name + SIDECAR_SUFFIX) if store.exists() else None
    folder = os.environ.get(CACHE_ENV, "").strip()
    if not folder:
        return None
    url = str(store.path)
    return Path(folder).expanduser() / f"db-{hashlib.sha256(url.encode()).hexdigest()[:16]}.parquet"


def _read(path: Path, stamp: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The sidecar's table (or its ``columns``) when it matches ``stamp``, else None (damaged: None too)."""
    try:
        meta = pq.read_schema(path).metadata or {}
        if meta.get(STAMP_KEY, b"").decode() != stamp:
            return None
        layout = json.loads(meta[LAYOUT_KEY].decode())
        wanted = list(layout["dtypes"]) if columns is None else [c for c in columns if c in layout["dtypes"]]
        coded = [c for c in CATEGORICAL if c in wanted]
        # Categoricals without a text copy; ParquetFile.read gives one chunk per row group (the table is
        # written as one), where read_table gives one per batch of 128k rows: taking a view's rows from a
        # column is then one gather (1,000 of a million rows: 5 ms instead of 50; a quarter: 0.1 s, not 0.57).
        arrow = pq.ParquetFile(path, read_dictionary=coded).read(columns=wanted)
    except FileNotFoundError:
        return None
    except UNREADABLE:  # damaged or not Parquet: computed again and replaced (module docstring)
        return None
    if arrow.column_names != wanted:
        return None
    frame = _frame(arrow, {**layout, "dtypes": {**layout["dtypes"], **{c: "category" for c in coded}}})
    for col in coded:  # as astype("category") orders them (:func:`_categorical`)
        frame[col] = frame[col].cat.reorder_categories(frame[col].cat.categories.sort_values())
    return frame


def _categorical(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the :data:`CATEGORICAL` columns it has as categoricals (the rest shared, not copied)."""
    coded = {c: "category" for c in CATEGORICAL if c in table.columns}
    return table.astype(coded) if coded else table


def _frame(arrow: pyarrow.Table, layout: dict) -> pd.DataFrame:
    """The pandas table of ``arrow`` (columns of a sidecar) with the dtypes, geometry and CRS of ``layout``."""
    dtypes, geom = layout["dtypes"], layout["geometry"]
    frame = arrow.to_pandas()
    changed = {c: dtypes[c] for c in frame.columns if c != geom and str(frame[c].dtype) != dtypes[c]}
    frame = frame.astype(changed) if changed else frame
    if geom not in frame.columns:
        return frame
    frame[geom] = gpd.GeoSeries(shapely.from_wkb(frame[geom].to_numpy(dtype=object)), index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=layout["crs"])


def _arrow(table: gpd.GeoDataFrame) -> tuple[pyarrow.Table, dict]:
    """``table`` as Arrow (WKB points) and its layout (column order, pandas dtypes, geometry, CRS)."""
    geom = table.geometry.name
    plain = pd.DataFrame(
        {c: shapely.to_wkb(table[c].to_numpy()) if c == geom else table[c] for c in table.columns},
        index=table.index,
    )
    layout = {"dtypes": {c: str(table[c].dtype) for c in table.columns}, "geometry": geom,
              "crs": table.crs.to_string() if table.crs is not None else None}
    return pyarrow.Table.from_pandas(plain, preserve_index=False), layout


def _write(path: Path, table: gpd.GeoDataFrame, stamp: str, how: str = "full") -> None:
    """Write ``table`` (a GeoParquet file, WKB points) with its stamp and layout to ``path`` atomically."""
    arrow, layout = _arrow(table)
    crs = table.crs.to_json_dict() if table.crs is not None else None
    geo = {"version": "1.0.0", "primary_column": layout["geometry"],
           "columns": {layout["geometry"]: {"encoding": "WKB", "geometry_types": [], "crs": crs}}}
    meta = dict(arrow.schema.metadata or {})
    meta.update({LAYOUT_KEY: json.dumps(layout).encode(), b"geo": json.dumps(geo).encode()})
    _save(path, arrow, meta, stamp, how)


def _save(path: Path, arrow: pyarrow.Table, meta: dict, stamp: str, how: str) -> None:
    """Write ``arrow`` with ``meta`` plus its stamp and :data:`HOW_KEY` to ``path`` (zstd, atomically)."""
    meta = {**meta, STAMP_KEY: stamp.encode(), HOW_KEY: how.encode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        pq.write_table(arrow.replace_schema_metadata(meta), tmp, compression="zstd",
                       row_group_size=max(arrow.num_rows, 1))  # one row group: read back as one chunk (_read)


def compute(store_path=None, *, data_dir=DATA_DIR) -> gpd.GeoDataFrame:
    """The derived table computed from scratch, nothing read or written besides the inputs.

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace store (as for ``geo.catalog.Catalog``).
    data_dir : Path
        The shipped data folder.

    Returns
    -------
    GeoDataFrame
        ``geo.view.classify_events(Catalog(store_path, data_dir).events(), catalog)``.
    """
    from geo.catalog import Catalog
    from geo.view import classify_events

    catalog = Catalog(store_path, data_dir=data_dir)
    return classify_events(catalog.events(), catalog)


def classified_events(store_path=None, *, data_dir=DATA_DIR, columns=None) -> pd.DataFrame:
    """The events the app shows, classified: from the sidecar when it matches, else computed.

    Computed tables are written to the sidecar (atomically), except in read-only mode
    (``geo.store.read_only()``: computed in memory, not written) and when no store file exists
    yet.  A sidecar that does not match the inputs' stamp, or cannot be read, is never used.
    ``columns`` reads only those columns of the sidecar (e.g. ``stats`` at a million events:
    no geometries, no long texts); the whole table is still computed and saved when needed.

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace store: a GeoPackage path or the database's public URL (default: the
        configured store).
    data_dir : Path
        The shipped data folder.
    columns : list of str, optional
        The columns wanted, in this order (those the table does not have are left out); None for all.

    Returns
    -------
    GeoDataFrame or DataFrame
        Exactly what ``geo.view.classify_events(Catalog(store_path).events(), catalog)`` returns
        (its ``columns`` only, when given: a DataFrame unless ``geometry`` is among them).

    Warns
    -----
    DerivedCacheWarning
        When the table was computed but its sidecar could not be written (the table returned is
        complete; the next call computes it again).
    """
    from geo.store import open_store, read_only

    store = open_store(store_path)
    stamp = input_stamp(store, data_dir)  # taken before reading: a write meanwhile makes it stale
    path = sidecar_path(store)
    if path is not None:
        table = _read(path, stamp, columns)
        if table is not None:
            pyarrow.default_memory_pool().release_unused()  # what reading freed, returned (~150 MB at a million)
            return table
    table = compute(store_path, data_dir=data_dir)
    if path is not None and not read_only():
        _save_or_warn(lambda: _write(path, table, stamp), path)
    table = _categorical(table)
    return table if columns is None else table[[c for c in columns if c in table.columns]]


def refresh(store_path=None, *, data_dir=DATA_DIR, appended: Appended | None = None) -> Path | None:
    """Compute and save the derived table after a write to the store (e.g. an import).

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace store.
    data_dir : Path
        The shipped data folder.
    appended : Appended, optional
        The rows the write appended (from the importer): when the previous table is that of the
        store just before them, only they are derived and appended to it (module docstring,
        "Appending"); otherwise, or without it, the whole table is computed.

    Returns
    -------
    Path or None
        The sidecar's path, or None when nothing is kept (read-only mode, no store file, a
        database without a cache folder): then nothing is computed either.

    Warns
    -----
    DerivedCacheWarning
        As :func:`classified_events`, when the sidecar cannot be written.
    """
    from geo.store import open_store, read_only

    store = open_store(store_path)
    path = sidecar_path(store)
    if path is None or read_only():
        return None
    inputs = _inputs(data_dir)
    stamp = f"{LAYOUT}|{store_version(store)}|{inputs}"  # taken before reading: a write meanwhile makes it stale
    previous = _stamp_of(path)
    if previous == stamp:  # unchanged inputs (nothing added): nothing to do
        return path
    reason = "no rows appended" if appended is None else _append_reason(previous, inputs, stamp, appended)
    if reason is None:
        reason = _append(path, store, store_path, (previous, stamp), appended, data_dir)
        if reason is None:
            return path
    table = compute(store_path, data_dir=data_dir)
    _save_or_warn(lambda: _write(path, table, stamp, f"full: {reason}"), path)
    return path


def _append_reason(previous: str | None, inputs: str, stamp: str, appended: Appended) -> str | None:
    """Why the previous table cannot be extended by ``appended`` (None: it can, so far)."""
    if appended.kind != "events":
        return f"{appended.kind} written"
    if previous != f"{LAYOUT}|{appended.before}|{inputs}":
        return "the previous table is not that of the store before the append"
    if stamp != f"{LAYOUT}|{appended.after}|{inputs}":
        return "the store was written again after the append"
    return None


def _save_or_warn(save, path: Path) -> None:
    """Run ``save()``; a file-system error (full disk, no permission) is a warning (the table is complete)."""
    try:
        save()
    except OSError as exc:  # full disk, no permission: the table is complete, the cache is not
        warnings.warn(f"the derived event table could not be saved to {path} ({exc}); it is computed "
                      "again on the next load", DerivedCacheWarning, stacklevel=3)


def _append(path: Path, store, store_path, stamps: tuple[str, str], appended: Appended, data_dir) -> str | None:
    """Derive the appended rows and append them to the sidecar; the reason it cannot be done, or None.

    ``stamps``: the previous table's stamp (checked again on the table read: another refresh may
    have replaced it since) and the stamp to write.
    """
    previous, stamp = stamps
    try:
        old = pq.read_table(path)
        layout = json.loads(old.schema.metadata[LAYOUT_KEY].decode())
    except UNREADABLE:
        return "the previous table cannot be read"
    if old.schema.metadata.get(STAMP_KEY, b"").decode() != previous:
        return "the previous table was replaced meanwhile"
    new = _new_records(store, appended.rows, old)
    if isinstance(new, str):
        return new
    if store_version(store) != appended.after:  # the rows read are the append's only if nothing wrote since
        return "the store was written during the refresh"
    reason = _links_to_curated(new, old, layout, data_dir)
    if reason is not None:
        return reason
    part = _derive(new, store_path, data_dir, layout, old.schema.remove_metadata()) if len(new) else None
    if isinstance(part, str):
        return part
    table = old if part is None else pyarrow.concat_tables([old.replace_schema_metadata(None), part])
    how = f"appended {len(new)} rows"
    _save_or_warn(lambda: _save(path, table, dict(old.schema.metadata), stamp, how), path)
    return None


def _new_records(store, rows: int, old: pyarrow.Table):
    """The last ``rows`` event records of ``store`` whose ID is new (first copy kept), or a reason."""
    total = store.count("events")
    if not 0 < rows <= total:
        return f"the store holds {total} events, not {rows} new ones"
    new = store.read("events", start=total - rows)
    if len(new) != rows:
        return f"{len(new)} events read back, not {rows}"
    folded = old["corroborated_by"].filter(pc.not_equal(old["corroborated_by"], ""))
    parts = pc.list_flatten(pc.split_pattern(folded, "|")).cast(pyarrow.large_string())
    known = pyarrow.chunked_array([*old["event_id"].cast(pyarrow.large_string()).chunks, parts])
    ids = pyarrow.array(new["event_id"].to_numpy(dtype=object), type=pyarrow.large_string())
    seen = pc.is_in(ids, value_set=known.combine_chunks()).to_numpy(zero_copy_only=False).astype(bool)
    keep = ~seen & ~new["event_id"].duplicated(keep="first").to_numpy()
    return new if keep.all() else new.loc[keep].reset_index(drop=True)


def _links_to_curated(new: pd.DataFrame, old: pyarrow.Table, layout: dict, data_dir) -> str | None:
    """Why the new records may change old rows' incident links (None: they cannot)."""
    from geo.classify import load_actors
    from geo.incidents import _RULE_COLUMNS, CURATED, UCDP, candidate_links

    dataset = new["dataset"].astype(str)
    if (dataset == CURATED).any():
        return "curated events appended (they may take old UCDP events' links)"
    if not (dataset == UCDP).any():
        return None
    geom = layout["geometry"]
    cols = [*_RULE_COLUMNS, "dataset", "geo_precision", "date_precision", geom]
    curated = _frame(old.filter(pc.equal(old["dataset"], CURATED)).select(cols), layout)
    if len(curated) == 0:
        return None
    both = pd.concat([curated, new[cols]], ignore_index=True)
    if len(candidate_links(both, load_actors(data_dir))):
        return "appended UCDP events record curated incidents (their rows change)"
    return None


def _derive(new: gpd.GeoDataFrame, store_path, data_dir, layout: dict, schema: pyarrow.Schema):
    """The derived rows of the new records (Arrow, the previous table's types), or the reason they differ."""
    from geo.admin import with_admin
    from geo.catalog import Catalog
    from geo.frames import KIND_COLUMNS, str_clean
    from geo.incidents import INCIDENT_COLUMNS, link_incidents
    from geo.view import CLASS_COLUMNS, HELD_COLUMN, SOURCE_URL, classify_events

    catalog = Catalog(store_path, data_dir=data_dir)
    dtypes, geom = layout["dtypes"], layout["geometry"]
    derived = {"admin2_pcode", *INCIDENT_COLUMNS, *CLASS_COLUMNS, HELD_COLUMN, SOURCE_URL}  # added below
    missing = [c for c in dtypes if c not in new.columns and c not in derived]
    if any(c in KIND_COLUMNS["events"] for c in missing):
        return f"appended events lack the columns {missing}"
    for col in missing:  # as geo.catalog._concat_canonical fills a column other parts have
        new[col] = str_clean(pd.Series(None, index=new.index, dtype=object))
    part = classify_events(link_incidents(with_admin(new, catalog))[0], catalog)
    if set(part.columns) != set(dtypes):
        return f"appended events have other columns ({sorted(set(part.columns) ^ set(dtypes))})"
    part = part[list(dtypes)]
    other = [c for c in dtypes if c != geom and str(part[c].dtype) != dtypes[c]]
    if other:
        return f"appended events have other types ({other})"
    arrow, _ = _arrow(part)
    other = [f.name for f, g in zip(arrow.schema, schema, strict=True) if f.type not in (g.type, pyarrow.null())]
    if other:
        return f"appended events are stored as other types ({other})"
    return arrow.cast(schema)


def _stamp_of(path: Path) -> str | None:
    """The stamp a sidecar was written with (None: no sidecar, or not readable)."""
    try:
        return ((pq.read_schema(path).metadata or {}).get(STAMP_KEY) or b"").decode() or None
    except FileNotFoundError:
        return None
    except UNREADABLE:  # damaged: classified_events computes and replaces it
        return None
