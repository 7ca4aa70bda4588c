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
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow
import pyarrow.parquet as pq
import shapely

from geo.atomic import atomic_path
from geo.paths import DATA_DIR, ROOT

#: Parquet metadata key holding the stamp of the inputs a sidecar was computed from.
STAMP_KEY = b"scm_derived_stamp"
#: Parquet metadata key holding the column order, pandas dtypes, geometry column and CRS (restored on read).
LAYOUT_KEY = b"scm_derived_layout"
#: Suffix added to a GeoPackage store's name for its sidecar.
SIDECAR_SUFFIX = "-derived.parquet"
#: Environment variable naming the folder of the team databases' sidecars (none: not written).
CACHE_ENV = "MONITOR_DERIVED_DIR"
#: Version of the sidecar layout (bump to invalidate every sidecar).
LAYOUT = "1"
#: What reading a damaged sidecar raises: Arrow's errors (not Parquet, truncated), the file system's,
#: and a missing or garbled layout entry (KeyError, ValueError: json and the UTF-8 decoder raise it).
UNREADABLE = (pyarrow.ArrowException, OSError, KeyError, ValueError)


class DerivedCacheWarning(UserWarning):
    """The derived table was computed but its sidecar could not be written (disk full, no permission)."""


def _digest(paths) -> str:
    """SHA-256 of the names and contents of ``paths`` (sorted), hex."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _store_stamp(store) -> str:
    """What changes whenever the store is written (see the module docstring)."""
    from geo.store import Store

    if isinstance(store, Store):
        try:
            info = os.stat(store.path)
        except (FileNotFoundError, NotADirectoryError):  # nothing imported yet, or a path that
            return "gpkg:none"  # can never be a file (the app's "shipped data alone" store)
        return f"gpkg:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
    return f"db:{store.version()}"


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
    data = _digest(p for p in Path(data_dir).iterdir() if p.is_file())
    code = _digest((ROOT / "geo").glob("*.py"))
    return f"{LAYOUT}|{_store_stamp(store)}|data:{data}|code:{code}"


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
        dtypes, geom = layout["dtypes"], layout["geometry"]
        wanted = list(dtypes) if columns is None else [c for c in columns if c in dtypes]
        frame = pq.read_table(path, columns=wanted).to_pandas()
    except FileNotFoundError:
        return None
    except UNREADABLE:  # damaged or not Parquet: computed again and replaced (module docstring)
        return None
    if list(frame.columns) != wanted:
        return None
    changed = {c: dtypes[c] for c in wanted if c != geom and str(frame[c].dtype) != dtypes[c]}
    frame = frame.astype(changed) if changed else frame
    if geom not in wanted:
        return frame
    frame[geom] = gpd.GeoSeries(shapely.from_wkb(frame[geom].to_numpy(dtype=object)), index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=layout["crs"])


def _write(path: Path, table: gpd.GeoDataFrame, stamp: str) -> None:
    """Write ``table`` (a GeoParquet file, WKB points) with its stamp and layout to ``path`` atomically."""
    geom = table.geometry.name
    plain = pd.DataFrame(
        {c: shapely.to_wkb(table[c].to_numpy()) if c == geom else table[c] for c in table.columns},
        index=table.index,
    )
    arrow = pyarrow.Table.from_pandas(plain, preserve_index=False)
    crs = table.crs.to_json_dict() if table.crs is not None else None
    layout = {"dtypes": {c: str(table[c].dtype) for c in table.columns}, "geometry": geom,
              "crs": table.crs.to_string() if table.crs is not None else None}
    geo = {"version": "1.0.0", "primary_column": geom,
           "columns": {geom: {"encoding": "WKB", "geometry_types": [], "crs": crs}}}
    meta = dict(arrow.schema.metadata or {})
    meta.update({STAMP_KEY: stamp.encode(), LAYOUT_KEY: json.dumps(layout).encode(), b"geo": json.dumps(geo).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        pq.write_table(arrow.replace_schema_metadata(meta), tmp, compression="zstd")


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
            return table
    table = compute(store_path, data_dir=data_dir)
    if path is not None and not read_only():
        try:
            _write(path, table, stamp)
        except OSError as exc:  # full disk, no permission: the table is complete, the cache is not
            warnings.warn(f"the derived event table could not be saved to {path} ({exc}); it is computed "
                          "again on the next load", DerivedCacheWarning, stacklevel=2)
    return table if columns is None else table[[c for c in columns if c in table.columns]]


def refresh(store_path=None, *, data_dir=DATA_DIR) -> Path | None:
    """Compute and save the derived table after a write to the store (e.g. an import).

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace store.
    data_dir : Path
        The shipped data folder.

    Returns
    -------
    Path or None
        The sidecar's path, or None when nothing is kept (read-only mode, no store file, a
        database without a cache folder): then nothing is computed either.
    """
    from geo.store import open_store, read_only

    store = open_store(store_path)
    path = sidecar_path(store)
    if path is None or read_only():
        return None
    if _stamp_of(path) != input_stamp(store, data_dir):  # unchanged inputs (nothing added): nothing to do
        classified_events(store_path, data_dir=data_dir)
    return path


def _stamp_of(path: Path) -> str | None:
    """The stamp a sidecar was written with (None: no sidecar, or not readable)."""
    try:
        return ((pq.read_schema(path).metadata or {}).get(STAMP_KEY) or b"").decode() or None
    except FileNotFoundError:
        return None
    except UNREADABLE:  # damaged: classified_events computes and replaces it
        return None
