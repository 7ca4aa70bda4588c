"""The workspace store: one GeoPackage file, written atomically.

Layers: ``events``, ``boundaries``, ``zones``, ``localities`` (spatial, EPSG:4326) and
``control`` (a table without geometry). Every attribute is stored as text (see
``geo.frames``) so that a round trip is exact: ISO dates, integers with nulls, strings.

A write builds a complete new GeoPackage in a temporary file next to the store (copying the
layers it does not change), flushes it to disk (``fsync``), then swaps it in with
``os.replace`` (``geo.atomic``, the project's one atomic writer). An import adds rows with
:meth:`Store.append`: the store file is copied as it is, the new rows are appended to the copy, and
the copy is swapped in the same way, so an import costs its own rows, not the whole store again.
Layers are read and written through Arrow (pyogrio ``use_arrow``: 5-7 times faster than feature by
feature at 1M rows); the store's layers carry no R-tree (every reader reads them whole). A crash, an exception or a refused import therefore leaves the old file
byte-for-byte as it was. Writers take an advisory lock (``<store>.lock``) so two imports at
once do not lose each other's rows.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors

from geo.atomic import atomic_path
from geo.frames import KINDS, TABLE_KINDS, check_kind, empty_frame, from_text, to_text
from geo.paths import DATABASE_ENV, database_url


class StoreError(ValueError):
    """The workspace store file cannot be used; front ends word it by ``code``.

    A ``ValueError`` so that callers catching that keep working.

    Parameters
    ----------
    code : str
        ``is_folder`` (the path is a folder), ``not_regular`` (a symbolic link, device, pipe or
        socket: never replaced), ``read_only`` (the file has no write permission), ``read_only_mode``
        (the process is read-only: ``MONITOR_READONLY``), ``unreadable``
        (not a GeoPackage, damaged, or not readable), ``foreign_layers`` (a GeoPackage holding other
        data, listed or not: a write would drop it), ``busy`` (another writer held the lock longer
        than ``LOCK_TIMEOUT_S``), ``locked`` (another program, e.g. a database tool, holds SQLite's
        lock on the file), ``disk_full`` (a write ran out of disk space; nothing was written).
        The team database (``geo.pgstore``) adds ``unavailable`` (its server
        cannot be reached; the next call reconnects), ``duplicate_ids`` (one event ID twice in a
        write), ``unwritable`` (a value PostgreSQL refuses), ``schema`` (its tables cannot be created or
        migrated: no right to) and, for a GeoPackage written while a
        database is configured, ``database_configured``.
    path : Path
        The store file.
    message : str
        The reason, naming the path (for the command line and logs).
    """

    def __init__(self, code: str, path: Path, message: str):
        super().__init__(message)
        self.code = code
        self.path = Path(path)


#: Set to 1 (or true/yes) to make every store write refuse: the server's read-only mode.
READONLY_ENV = "MONITOR_READONLY"


def read_only() -> bool:
    """True when the process is read-only (``MONITOR_READONLY`` set to 1, true or yes)."""
    return os.environ.get(READONLY_ENV, "").strip().lower() in ("1", "true", "yes")


#: SQLite's words (through GDAL or ``sqlite3``) for a file another program holds locked.
_LOCKED_WORDS = ("database is locked", "database table is locked")
#: SQLite's and the system's words for a full disk. GDAL's Arrow writer (``write_layer``) reports only its
#: failed ROLLBACK: SQLite had already rolled the batch back by itself, which it does on a full disk
#: (SQLITE_FULL; also on an I/O error or no memory, which a store write of a few MB does not meet here).
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded",
               "sqlite3_exec(rollback) failed: cannot rollback - no transaction is active")
#: A write that fails with less free space than this (bytes) in the store's folder ran out of disk:
#: GDAL's message may name only the statement that failed ("no such table: gpkg_contents").
FULL_DISK_BYTES = 1 << 20


def _locked(exc: Exception, path: Path) -> StoreError | None:
    """``locked`` when ``exc`` (GDAL's or sqlite3's) says another program holds the file, else None."""
    if any(word in str(exc).lower() for word in _LOCKED_WORDS):
        return StoreError(
            "locked", path, f"the store {path} is locked by another program: nothing was read or written"
        )
    return None


def _disk_full(exc: Exception, folder: Path, path: Path) -> StoreError | None:
    """``disk_full`` when a failed write ran out of space (by its words, errno or the folder's free space)."""
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    full = full or any(word in str(exc).lower() for word in _FULL_WORDS)
    if not full:
        try:
            info = os.statvfs(folder)
        except OSError:  # the folder vanished: not a question of space
            return None
        full = info.f_bavail * info.f_frsize < FULL_DISK_BYTES
    if full:
        return StoreError("disk_full", path, f"the disk is full: nothing was written to the store {path}")
    return None


#: Seconds a writer waits for another one before it gives up with ``busy``.
LOCK_TIMEOUT_S = 60.0


def poll_lock(try_lock, timeout_s: float, on_wait=None) -> bool:
    """Call ``try_lock()`` (True once the lock is taken) every 50 ms for up to ``timeout_s`` seconds.

    The one waiting loop of both stores (GeoPackage ``flock``, PostgreSQL advisory lock).

    Parameters
    ----------
    try_lock : callable
        Takes the lock without waiting; True when taken.
    timeout_s : float
        How long to wait for another writer.
    on_wait : callable, optional
        Called once, when the lock is found held by another writer (a front end says so).

    Returns
    -------
    bool
        Whether the lock was taken (False: the caller raises ``busy``).
    """
    deadline = time.monotonic() + timeout_s
    waiting = False
    while not try_lock():
        if not waiting and on_wait is not None:
            on_wait()
        waiting = True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)  # polling a lock in production code, not a test wait
    return True


def _try_flock(fh) -> bool:
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # held by another writer
        return False
    return True


def _acquire(fh, timeout_s: float, path: Path, on_wait=None) -> None:
    """Take an exclusive ``flock`` on ``fh`` within ``timeout_s`` seconds (:func:`poll_lock`), else
    raise ``busy``."""
    if not poll_lock(lambda: _try_flock(fh), timeout_s, on_wait):
        raise StoreError("busy", path, f"the store {path} is being written by another import; try again when it ends")


class Store:
    """A GeoPackage workspace store.

    Parameters
    ----------
    path : str or PathLike
        The ``.gpkg`` file (created on the first write; its folder too).
    """

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def exists(self) -> bool:
        """True when the store file exists."""
        return self.path.is_file()

    def check_path(self) -> None:
        """Raise :class:`StoreError` when the store path cannot be a store file.

        A folder, a symbolic link (a write would replace the link, not its target, and two paths
        to one store would take two locks) and anything that is not a regular file (a device, a
        pipe) are refused; a missing file is fine (the first write creates it).
        """
        if self.path.is_symlink():
            raise StoreError("not_regular", self.path, f"the store {self.path} is a symbolic link: give the real file's path")
        if self.path.is_dir():
            raise StoreError("is_folder", self.path, f"the store {self.path} is a folder: give the path of a .gpkg file")
        if self.path.exists() and not stat.S_ISREG(self.path.stat().st_mode):
            raise StoreError("not_regular", self.path, f"the store {self.path} is not a regular file (a device or a pipe)")

    def _all_layers(self) -> list[str]:
        """Names of every layer of the file (none when it does not exist yet)."""
        self.check_path()
        if not self.exists():
            return []
        try:
            names = pyogrio.list_layers(self.path)
        except pyogrio.errors.DataSourceError as exc:  # garbage, a damaged file, no read permission
            # GDAL's advice on driver prefixes ("It might help to specify...") does not apply to a store
            detail = str(exc).split("; It might help", 1)[0]
            raise _locked(exc, self.path) or StoreError(
                "unreadable", self.path, f"the store {self.path} is not a GeoPackage ({detail})"
            ) from None
        return [str(name) for name, _ in names]

    def layers(self) -> list[str]:
        """Names of the layers the file holds (known kinds only)."""
        return [name for name in self._all_layers() if name in KINDS]

    def check_writable(self) -> None:
        """Raise :class:`StoreError` when writing would destroy layers that are not the store's.

        A write rebuilds the whole file from the store's own layers, so a GeoPackage of other
        data given as ``--store`` by mistake would lose its layers.
        """
        self._refuse_beside_database()
        listed = self._all_layers()
        foreign = [name for name in listed if name not in KINDS] + self._unlisted_tables(listed)
        if self.exists() and not self.path.stat().st_mode & 0o222:
            raise StoreError("read_only", self.path, f"the store {self.path} is read-only: nothing was written")
        if foreign:
            raise StoreError(
                "foreign_layers",
                self.path,
                f"{self.path} is not a workspace store: it holds other layers ({', '.join(foreign)}) "
                "that a write would drop; give the path of a new or existing store",
            )

    def _refuse_beside_database(self) -> None:
        """Raise ``database_configured`` while the team database is the store: no GeoPackage is written."""
        if database_url():
            raise StoreError(
                "database_configured", self.path, f"a database is configured ({DATABASE_ENV}): nothing was written to {self.path}"
            )

    def _unlisted_tables(self, listed: list[str]) -> list[str]:
        """Tables of the file that GDAL does not list (not registered in ``gpkg_contents``).

        GDAL hides them when the file also holds a registered table, so a write would drop them
        silently (security audit, finding 6). SQLite's own and GeoPackage's tables and the spatial
        indexes of the listed layers are not counted.
        """
        if not self.exists():
            return []
        try:
            with contextlib.closing(sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        except sqlite3.DatabaseError as exc:  # locked by another program, damaged: as GDAL's refusal
            raise _locked(exc, self.path) or StoreError(
                "unreadable", self.path, f"the store {self.path} cannot be read ({exc})"
            ) from None
        indexes = tuple(f"rtree_{layer}_" for layer in listed)
        return [n for n in names if n not in listed and not n.startswith(("gpkg", "sqlite_", *indexes))]

    def _read_raw(self, kind: str, columns: list[str] | None = None, geometry: bool = True, start: int = 0):
        """The text form of layer ``kind`` from its row ``start`` (Arrow read: 5-7 times faster than feature by feature)."""
        try:
            return pyogrio.read_dataframe(
                self.path, layer=kind, columns=columns, read_geometry=geometry and kind not in TABLE_KINDS,
                use_arrow=True, skip_features=start,
            )
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:  # damaged inside, locked
            raise _locked(exc, self.path) or StoreError(
                "unreadable", self.path, f"the store {self.path} cannot be read ({exc})"
            ) from None

    def read(self, kind: str, start: int = 0) -> pd.DataFrame:
        """The stored records of ``kind`` in canonical form (empty canonical frame when absent).

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).
        start : int, default 0
            The first record read (in stored order): e.g. the rows an import appended (``geo.derived``).

        Returns
        -------
        pandas.DataFrame or geopandas.GeoDataFrame
            The records as given by ``geo.frames.from_text``, or ``empty_frame(kind)``.
        """
        check_kind(kind)
        if kind not in self.layers():
            return empty_frame(kind)
        return from_text(kind, self._read_raw(kind, start=start))

    def column(self, kind: str, name: str) -> pd.Series:
        """One stored column of ``kind`` as text (empty when the layer or the column is absent).

        Reads that column alone, without geometries: e.g. the event IDs an import checks
        for duplicates, without reading and converting every stored event.

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).
        name : str
            The column.

        Returns
        -------
        pandas.Series
            The values as stored (text), in stored order.
        """
        check_kind(kind)
        if kind not in self.layers() or name not in self.fields(kind):
            return pd.Series([], dtype=str, name=name)
        return self._read_raw(kind, columns=[name], geometry=False)[name]

    def fields(self, kind: str) -> list[str]:
        """The attribute columns of the stored layer ``kind``, in order ([] when absent).

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).

        Returns
        -------
        list of str
            The layer's field names (the geometry column excluded).
        """
        check_kind(kind)
        if kind not in self.layers():
            return []
        try:
            return [str(f) for f in pyogrio.read_info(self.path, layer=kind)["fields"]]
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:  # locked since layers()
            raise _locked(exc, self.path) or StoreError(
                "unreadable", self.path, f"the store {self.path} cannot be read ({exc})"
            ) from None

    def count(self, kind: str) -> int:
        """Number of stored records of ``kind``.

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).

        Returns
        -------
        int
            The feature count of the layer (0 when the store has no such layer).
        """
        check_kind(kind)
        if kind not in self.layers():
            return 0
        try:
            return int(pyogrio.read_info(self.path, layer=kind)["features"])
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:  # locked since layers()
            raise _locked(exc, self.path) or StoreError(
                "unreadable", self.path, f"the store {self.path} cannot be read ({exc})"
            ) from None

    @contextlib.contextmanager
    def lock(self, timeout_s: float | None = None, on_wait=None):
        """Exclusive advisory lock for a read-modify-write cycle.

        Waits up to ``timeout_s`` seconds (default ``LOCK_TIMEOUT_S``) for another writer, then raises
        :class:`StoreError` ``busy``; ``on_wait()``, when given, is called once when that wait begins
        (so a front end can say so). Once held, removes the temporary files a killed writer left
        next to the store (no live writer can own them while we hold the lock).
        """
        self.check_path()
        self._refuse_beside_database()  # not even a lock file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as fh:
            _acquire(fh, LOCK_TIMEOUT_S if timeout_s is None else timeout_s, self.path, on_wait)
            try:
                self._remove_leftovers()
                yield self
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _remove_leftovers(self) -> None:
        """Delete ``.<store>.<random>.tmp*`` files (partial copies a killed write left behind)."""
        for leftover in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp*"):
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink(missing_ok=True)

    def write(self, changes: dict[str, pd.DataFrame] | str, frame: pd.DataFrame | None = None) -> None:
        """Replace the layers named in ``changes`` with the given frames, atomically.

        Kinds not named keep their stored content. An empty frame removes the layer.
        ``write(kind, frame)`` is short for ``write({kind: frame})``.

        Parameters
        ----------
        changes : dict of str to pandas.DataFrame, or str
            Kind -> new content (canonical frame); or one kind name, with its content in ``frame``.
        frame : pandas.DataFrame, optional
            The content of the kind named by ``changes`` when that is a string.

        Returns
        -------
        None
        """
        self._refuse_write()
        if isinstance(changes, str):
            changes = {changes: frame}
        for kind in changes:
            check_kind(kind)
        if not changes:
            return
        self._atomic(lambda tmp: self._write_layers(tmp, changes))

    def append(self, kind: str, frame: pd.DataFrame) -> None:
        """Add the records of ``frame`` after the stored ones of ``kind``, atomically.

        The result is what ``write(kind, concat(read(kind), frame))`` gives, at the cost of the new
        rows only: the store file is copied next to itself, the rows are appended to the copy,
        and the copy is swapped in (``geo.atomic``). When the stored layer's columns are not the
        new rows' columns (a store written by an older version), the layer is rewritten whole.

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).
        frame : pandas.DataFrame
            The new records (canonical frame of ``kind``).

        Returns
        -------
        None
        """
        self._refuse_write()
        check_kind(kind)
        text = to_text(kind, frame)
        if len(text) == 0:
            return
        geom_name = text.geometry.name if isinstance(text, gpd.GeoDataFrame) else None
        if self.fields(kind) != [c for c in text.columns if c != geom_name]:
            stored = self.read(kind)
            merged = pd.concat([stored, from_text(kind, text)], ignore_index=True) if len(stored) else frame
            self.write({kind: merged})
            return

        def fill(tmp: Path) -> None:
            shutil.copyfile(self.path, tmp)
            write_layer(text, tmp, kind, append=True)

        self._atomic(fill)

    def _refuse_write(self) -> None:
        """Raise ``read_only_mode`` or ``database_configured`` before any write."""
        if read_only():  # checked at the one write path: a forged request cannot get past it
            raise StoreError("read_only_mode", self.path, f"this server is read-only ({READONLY_ENV}): nothing was written")
        self._refuse_beside_database()

    def _atomic(self, fill) -> None:
        """Run ``fill(tmp)`` on a new temporary file and swap it in (``geo.atomic``); a full disk is named."""
        self.check_writable()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with atomic_path(self.path, create=False) as tmp:  # GDAL must create the file itself
                try:
                    fill(tmp)
                except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
                    # measured while the partial file still fills the disk (atomic_path then removes it)
                    full = _disk_full(exc, tmp.parent, self.path)
                    if full is None:  # not a question of space: as it came
                        raise
                    raise full from None
        except OSError as exc:  # the flush or the rename ran out of space
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise _disk_full(exc, self.path.parent, self.path) from None

    def _write_layers(self, tmp: Path, changes: dict[str, pd.DataFrame]) -> None:
        """Write the store's layers, with ``changes`` applied, into the new GeoPackage ``tmp``."""
        layers = {kind: None for kind in self.layers()}
        layers.update(changes)
        written = 0
        for kind, frame in layers.items():
            raw = self._read_raw(kind) if frame is None else to_text(kind, frame)
            if len(raw) == 0:
                continue
            write_layer(raw, tmp, kind, spatial_index=False)
            written += 1
        if written == 0:
            # every layer is empty: an empty but valid GeoPackage
            write_layer(to_text("control", empty_frame("control")).head(0), tmp, "control", allow_empty=True)


def write_layer(
    frame: pd.DataFrame, path: Path, layer: str, allow_empty: bool = False, append: bool = False,
    spatial_index: bool = True,
) -> None:
    """Write one text-form layer into a GeoPackage (created or extended).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The layer in text form (see ``geo.frames.to_text``).
    path : pathlib.Path
        The GeoPackage file.
    layer : str
        The layer name (a kind); table kinds are written without geometry.
    allow_empty : bool, default False
        Write the layer even when ``frame`` has no rows (otherwise nothing is written).
    append : bool, default False
        Add the rows to the existing layer ``layer`` of ``path`` instead of creating it.
    spatial_index : bool, default True
        Build the GeoPackage's R-tree index of a new layer. The store's own layers go without:
        they are always read whole, and the index is over half the write time at a million points.

    Returns
    -------
    None
    """
    if len(frame) == 0 and not allow_empty:
        return
    kwargs = {"driver": "GPKG", "layer": layer, "append": append, "use_arrow": True}  # Arrow: 2-3 times faster
    if hasattr(frame, "geometry") and layer not in TABLE_KINDS:
        kwargs.update(geometry_type="Unknown", promote_to_multi=False)
        if not append:
            kwargs["layer_options"] = {"SPATIAL_INDEX": "YES" if spatial_index else "NO"}
    pyogrio.write_dataframe(frame, path, **kwargs)


def open_store(where=None):
    """The workspace store at ``where``: the team database when configured, else a GeoPackage.

    Parameters
    ----------
    where : str or PathLike, optional
        A GeoPackage path, or the database's public URL (``geo.paths.store_location``); None for
        the configured store (``MONITOR_DATABASE_URL``, else ``MONITOR_STORE``, else the default file).

    Returns
    -------
    Store or geo.pgstore.PgStore
        A ``PgStore`` when a database is configured and ``where`` is None or its public URL;
        otherwise a GeoPackage :class:`Store` (which, while a database is configured, refuses writes).
    """
    from geo.paths import store_location

    location = store_location(where)
    url = database_url()
    if url and isinstance(location, str):
        from geo.pgstore import PgStore

        return PgStore(url)
    return Store(location)


def store_version(where) -> float:
    """What changes when the store at ``where`` is written: the cache key of the web app.

    Parameters
    ----------
    where : str or PathLike
        As for :func:`open_store`.

    Returns
    -------
    float
        The database's version counter (-1.0 while it is unavailable), else the file's
        modification time (0.0 when there is no file yet).
    """
    store = open_store(where)
    if isinstance(store, Store):
        try:
            return os.path.getmtime(store.path)
        except OSError:  # no store yet: nothing imported
            return 0.0
    try:
        return float(store.version())
    except StoreError:  # unavailable: the page says so (store_problem); the next run asks again
        return -1.0
