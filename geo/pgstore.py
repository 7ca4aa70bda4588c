"""The team store: the workspace store's interface on PostgreSQL with PostGIS.

Chosen with ``MONITOR_DATABASE_URL=postgresql://user:password@host:port/dbname`` (see
``geo.store.open_store``); the GeoPackage (``geo.store.Store``) stays the default for one analyst.

Why psycopg 3 (not SQLAlchemy + GeoAlchemy2): the store needs a handful of fixed statements
(``COPY`` in, ``INSERT ... ON CONFLICT`` upsert, advisory locks, one version counter), all of
which psycopg speaks directly with server-side bound parameters; identifiers come only from
the fixed list of kinds and columns and are quoted by ``psycopg.sql``. An ORM would add two
dependencies and a model layer that mirrors ``geo.schema`` without adding safety, and the
geometry crosses as WKB either way. ``psycopg[binary]`` needs no compiler or libpq on the machine.

Layout (``geo.migrations``): one table per kind in schema ``monitor``, every attribute as text
exactly as ``geo.frames.to_text`` writes it (so every reader sees the same canonical frames as
from the GeoPackage), the row order in ``seq``, columns outside the frozen table columns as
ordered ``[name, value]`` pairs in ``extra``, geometry in ``geom`` (EPSG:4326, GIST index).
Events are keyed by ``event_id`` and written by upsert (``ON CONFLICT (event_id) DO UPDATE``).

Transactions: :meth:`PgStore.lock` is one transaction holding an advisory lock, so an import
(read, check, write) is all or nothing and two imports at once run one after the other, the
second seeing the first's rows; a write outside ``lock`` is a transaction of its own. Every
write bumps ``monitor.store_state.version`` in the same transaction (:meth:`PgStore.version`,
the cache key of the web app). A lost connection becomes :class:`geo.store.StoreError`
``unavailable`` and the next call connects again. The password is never shown:
:func:`public_url` is the store's name everywhere (logs, pages, errors).
"""

from __future__ import annotations

import contextlib
import json
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geo.frames import KINDS, TABLE_KINDS, check_kind, empty_frame, from_text, to_text
from geo.migrations import COLUMNS_V1, SCHEMA, SPATIAL_V1, migrate
from geo.schema import CRS
from geo.store import LOCK_TIMEOUT_S, READONLY_ENV, StoreError, poll_lock, read_only

#: Advisory-lock key of writers ("MONW" in ASCII).
WRITE_LOCK = 0x4D4F4E57
#: Seconds to wait for the server when connecting.
CONNECT_TIMEOUT_S = 5
#: (thread id, URL) -> connection: a connection serves one thread at a time; those of ended threads
#: (a web session's rerun runs in a new one) are closed by the next call of any thread.
_conns: dict[tuple[int, str], psycopg.Connection] = {}
_conns_lock = threading.Lock()
#: (thread id, URL) -> the thread that last used the connection. Thread ids are reused (a rerun's new
#: thread often gets the id of the run before), so a connection can pass to a thread that did not open
#: it: it is checked first, having perhaps outlived a database restart (else that run says "unavailable").
_owners: dict[tuple[int, str], threading.Thread] = {}
_migrated: set[str] = set()  # URLs whose schema this process has brought up to date


def public_url(url: str) -> str:
    """The database URL without its password: the name of the store wherever it is shown.

    Parameters
    ----------
    url : str
        A ``postgresql://`` URL or a ``key=value`` connection string.

    Returns
    -------
    str
        ``postgresql://user@host:port/dbname?...`` without password (neither in the user part
        nor as a ``password=`` parameter).
    """
    if "://" not in url:
        try:
            info = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            return "postgresql (unparsable connection string)"
        host = f"{info.get('host', '')}:{info['port']}" if info.get("port") else str(info.get("host", ""))
        return f"postgresql://{info.get('user', '')}@{host}/{info.get('dbname', '')}"
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{hostport}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "password"]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/"), ""))


def disconnect() -> None:
    """Close this thread's connections (a thread that ends, or a test dropping its database)."""
    me = threading.get_ident()
    with _conns_lock:
        mine = [key for key in _conns if key[0] == me]
        closing = [_conns.pop(key) for key in mine]
    for conn in closing:
        conn.close()


def _close_ended_threads() -> None:
    """Close the connections of threads that have ended."""
    alive = {t.ident for t in threading.enumerate()}
    with _conns_lock:
        ended = [key for key in _conns if key[0] not in alive]
        closing = [_conns.pop(key) for key in ended]
    for conn in closing:
        conn.close()


def _alive(conn: psycopg.Connection) -> psycopg.Connection | None:
    """``conn`` if it still reaches its server (one round trip), else None (and it is closed)."""
    try:
        conn.execute("SELECT 1")
    except (psycopg.OperationalError, psycopg.InterfaceError):  # e.g. the server restarted since
        conn.close()
        return None
    return conn


def _password(url: str) -> str:
    """The password a URL carries ("" when none)."""
    try:
        return str(psycopg.conninfo.conninfo_to_dict(url).get("password") or "")
    except psycopg.ProgrammingError:
        return ""


def _database_name(url: str) -> str:
    """The database's name (what a page calls the store), "database" when the URL names none."""
    try:
        return str(psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "database")
    except psycopg.ProgrammingError:
        return "database"


def _table(kind: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(kind))


class PgStore:
    """A workspace store in a PostgreSQL/PostGIS database, with the interface of ``geo.store.Store``.

    Parameters
    ----------
    url : str
        The database URL (``MONITOR_DATABASE_URL``); kept private, never shown.
    """

    def __init__(self, url: str):
        self._url = url
        #: The store's public name (no password): what ``geo.store.open_store`` recognises.
        self.path = public_url(url)
        self._name = _database_name(url)  # StoreError.path: pages name the store by it

    def __repr__(self) -> str:
        return f"PgStore({self.path!r})"

    # --- connections and failures ----------------------------------------------------
    def _connection(self) -> psycopg.Connection:
        """This thread's connection (a new one when there is none or it broke), schema migrated."""
        key = (threading.get_ident(), self._url)
        conn = _conns.get(key)
        if conn is not None and _owners.get(key) is not threading.current_thread():
            conn = _alive(conn)  # left by an ended thread with this id
        if conn is None or conn.closed or conn.broken:
            _close_ended_threads()
            conn = psycopg.connect(
                self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="ceasefire-monitor"
            )
            with _conns_lock:
                _conns[key] = conn
        _owners[key] = threading.current_thread()
        if self._url not in _migrated:
            try:
                migrate(conn)
            except (psycopg.ProgrammingError, psycopg.IntegrityError, psycopg.InternalError) as exc:
                # e.g. no right to CREATE EXTENSION postgis or to create the schema: say so, retry next call
                raise StoreError(
                    "schema", self._name, f"the store database {self.path} cannot create or migrate its tables ({self._scrub(exc)})"
                ) from None
            _migrated.add(self._url)
        return conn

    def _drop(self) -> None:
        with _conns_lock:
            conn = _conns.pop((threading.get_ident(), self._url), None)
        if conn is not None:
            conn.close()

    def _scrub(self, exc: Exception) -> str:
        """The error's first line, the password (if any) replaced."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        secret = _password(self._url)
        return text.replace(secret, "***") if secret else text

    @contextlib.contextmanager
    def _guard(self):
        """Turn a lost or refused connection into ``unavailable`` (the next call reconnects)."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._drop()
            raise StoreError(
                "unavailable", self._name, f"the store database {self.path} is unavailable ({self._scrub(exc)})"
            ) from None
        except psycopg.DataError as exc:  # e.g. a NUL character, which PostgreSQL text cannot hold
            raise StoreError(
                "unwritable", self._name, f"the store database {self.path} refused a value ({self._scrub(exc)})"
            ) from None

    # --- the interface of geo.store.Store --------------------------------------------
    def exists(self) -> bool:
        """True: a configured database is the store (an unreachable one raises on use)."""
        return True

    def check_path(self) -> None:
        """Nothing to check: a database has no file path (kept for the interface)."""

    def check_writable(self) -> None:
        """Raise :class:`StoreError` ``unavailable`` when the database cannot be reached."""
        with self._guard():
            self._connection()

    def layers(self) -> list[str]:
        """Names of the kinds the database holds rows of."""
        parts = [
            sql.SQL("SELECT {} WHERE EXISTS (SELECT 1 FROM {})").format(sql.Literal(kind), _table(kind))
            for kind in KINDS
        ]
        with self._guard(), self._connection().cursor() as cur:
            cur.execute(sql.SQL(" UNION ALL ").join(parts))
            held = {row[0] for row in cur.fetchall()}
        return [kind for kind in KINDS if kind in held]

    def count(self, kind: str) -> int:
        """Number of stored records of ``kind``.

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).

        Returns
        -------
        int
            The row count of the kind's table.
        """
        check_kind(kind)
        with self._guard(), self._connection().cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(_table(kind)))
            return int(cur.fetchone()[0])

    def version(self) -> int:
        """The store's version: bumped in the same transaction as every write.

        Returns
        -------
        int
            The counter of ``monitor.store_state`` (0 for a store never written).
        """
        with self._guard(), self._connection().cursor() as cur:
            cur.execute(sql.SQL("SELECT version FROM {} WHERE id = 1").format(_table("store_state")))
            return int(cur.fetchone()[0])

    def read(self, kind: str) -> pd.DataFrame:
        """The stored records of ``kind`` in canonical form (empty canonical frame when none).

        Parameters
        ----------
        kind : str
            Name of a stored kind (one of ``geo.frames.KINDS``).

        Returns
        -------
        pandas.DataFrame or geopandas.GeoDataFrame
            The records as given by ``geo.frames.from_text``, in the order written.
        """
        check_kind(kind)
        cols = [sql.Identifier(c) for c in COLUMNS_V1[kind]] + [sql.SQL("extra")]
        if kind in SPATIAL_V1:
            cols.append(sql.SQL("ST_AsBinary(geom)"))
        query = sql.SQL("SELECT {} FROM {} ORDER BY seq").format(sql.SQL(", ").join(cols), _table(kind))
        with self._guard(), self._connection().cursor() as cur:
            cur.execute(query)
            rows = cur.fetchall()
        if not rows:
            return empty_frame(kind)
        return from_text(kind, _raw_frame(kind, rows))

    @contextlib.contextmanager
    def lock(self, timeout_s: float | None = None, on_wait=None):
        """One transaction holding the writers' advisory lock: a read-modify-write cycle.

        Waits up to ``timeout_s`` seconds (default ``geo.store.LOCK_TIMEOUT_S``) for another
        writer, then raises :class:`StoreError` ``busy``; ``on_wait()``, when given, is called once
        when that wait begins. Reads and writes inside (by any store
        object of this thread on the same database) belong to the transaction; an exception
        rolls all of it back.
        """
        with self._guard():
            conn = self._connection()
            with conn.transaction():
                self._acquire(conn, LOCK_TIMEOUT_S if timeout_s is None else timeout_s, on_wait)
                yield self

    def _acquire(self, conn, timeout_s: float, on_wait=None) -> None:
        def try_lock() -> bool:
            return bool(conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK,)).fetchone()[0])

        if not poll_lock(try_lock, timeout_s, on_wait):
            raise StoreError("busy", self._name, f"the store {self.path} is being written by another import; try again when it ends")

    def write(self, changes: dict[str, pd.DataFrame] | str, frame: pd.DataFrame | None = None) -> None:
        """Replace the kinds named in ``changes`` with the given frames, in one transaction.

        Kinds not named keep their content; an empty frame empties the kind. Events are
        upserted by ``event_id`` (rows no longer in the frame are deleted). The version
        counter is bumped in the same transaction.

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
        if read_only():  # the one write path: a forged request cannot get past it
            raise StoreError("read_only_mode", self._name, f"this server is read-only ({READONLY_ENV}): nothing was written")
        if isinstance(changes, str):
            changes = {changes: frame}
        for kind in changes:
            check_kind(kind)
        if not changes:
            return
        texts = {kind: _text_frame(kind, frame) for kind, frame in changes.items()}
        dup = texts.get("events") is not None and texts["events"]["event_id"].duplicated().any()
        if dup:
            raise StoreError("duplicate_ids", self._name, f"the store {self.path} keeps one event per event_id: nothing was written")
        with self._guard():
            conn = self._connection()
            with conn.transaction(), conn.cursor() as cur:
                self._acquire(conn, LOCK_TIMEOUT_S)
                for kind, text in texts.items():
                    _replace(cur, kind, text)
                cur.execute(sql.SQL("UPDATE {} SET version = version + 1 WHERE id = 1").format(_table("store_state")))


# --- rows in and out -------------------------------------------------------------------


def _text_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The text form of a frame, geometry in EPSG:4326 (as the GeoPackage reads it back)."""
    text = to_text(kind, frame)
    if isinstance(text, gpd.GeoDataFrame) and text.crs is not None and not text.crs.equals(CRS):
        text = text.to_crs(CRS)
    return text


def _rows(kind: str, text: pd.DataFrame):
    """(seq, attributes..., extra pairs as JSON, hex EWKB or None) per row of a text frame."""
    cols = COLUMNS_V1[kind]
    geom_name = text.geometry.name if isinstance(text, gpd.GeoDataFrame) else None
    extras = [c for c in text.columns if c not in cols and c != geom_name]
    values = [text[c].tolist() for c in cols]
    extra_values = [text[c].tolist() for c in extras]
    if kind in SPATIAL_V1:
        geoms = text.geometry.values if geom_name else [None] * len(text)
        wkb = [None if g is None else shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True) for g in geoms]
    for i in range(len(text)):
        row = [i, *(v[i] for v in values), json.dumps([[c, v[i]] for c, v in zip(extras, extra_values, strict=True)])]
        if kind in SPATIAL_V1:
            row.append(wkb[i])
        yield row


def _copy(cur, table: sql.Composable, kind: str, text: pd.DataFrame) -> None:
    names = ["seq", *COLUMNS_V1[kind], "extra", *(["geom"] if kind in SPATIAL_V1 else [])]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(map(sql.Identifier, names)))
    with cur.copy(statement) as copy:
        for row in _rows(kind, text):
            copy.write_row(row)


def _replace(cur, kind: str, text: pd.DataFrame) -> None:
    """Make the kind's table hold exactly ``text`` (events: upsert by ``event_id``)."""
    if kind != "events":
        cur.execute(sql.SQL("DELETE FROM {}").format(_table(kind)))
        _copy(cur, _table(kind), kind, text)
        return
    incoming = sql.Identifier("incoming_events")
    cur.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(incoming, _table(kind)))
    _copy(cur, incoming, kind, text)
    cur.execute(
        sql.SQL("DELETE FROM {t} e WHERE NOT EXISTS (SELECT 1 FROM {i} n WHERE n.event_id = e.event_id)").format(
            t=_table(kind), i=incoming
        )
    )
    names = ["seq", *(c for c in COLUMNS_V1[kind] if c != "event_id"), "extra", "geom"]
    target = sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(kind), sql.Identifier(n)) for n in names)
    excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(n)) for n in names)
    cur.execute(
        sql.SQL(
            "INSERT INTO {t} AS {k} SELECT * FROM {i} ON CONFLICT (event_id) DO UPDATE SET ({cols}) = ({ex}) "
            "WHERE ({target}) IS DISTINCT FROM ({ex})"
        ).format(
            t=_table(kind), k=sql.Identifier(kind), i=incoming, cols=sql.SQL(", ").join(map(sql.Identifier, names)),
            ex=excluded, target=target,
        )
    )
    cur.execute(sql.SQL("DROP TABLE {}").format(incoming))


def _raw_frame(kind: str, rows: list[tuple]) -> pd.DataFrame:
    """The text frame of the rows read (as the GeoPackage gives it: attributes, extras, geometry)."""
    cols = COLUMNS_V1[kind]
    n = len(cols)
    data = {c: [row[i] for row in rows] for i, c in enumerate(cols)}
    extras: dict[str, list] = {}
    for r, row in enumerate(rows):
        for name, value in row[n]:
            extras.setdefault(name, [""] * len(rows))[r] = value
    data.update(extras)
    df = pd.DataFrame(data)
    if kind in TABLE_KINDS:
        return df
    geoms = [None if row[n + 1] is None else shapely.from_wkb(bytes(row[n + 1])) for row in rows]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)
