"""Versioned schema of the PostgreSQL/PostGIS store (``geo.pgstore``), applied in order by the app.

Each migration is ``(number, description, function(cursor))``; :func:`migrate` applies the
ones above the highest number recorded in ``monitor.schema_version``, in order, each with its
row in that table, all in one transaction (a failed step leaves the schema as it was), under
an advisory lock so that two app processes starting at once do not both apply them. Migrations are never edited once shipped:
a change of the schema is a new numbered migration.

The column lists below are frozen copies of ``geo.schema`` at migration 1: a column that
``geo.schema`` gains later is stored in the row's ``extra`` pairs until a migration adds it,
so the text round trip stays exact whatever the code version.
"""

from __future__ import annotations

from psycopg import sql

#: Schema holding the store's tables (one table per stored kind).
SCHEMA = "monitor"
#: Advisory-lock key taken while migrating (any constant; "MONI" in ASCII).
MIGRATION_LOCK = 0x4D4F4E49

#: Attribute columns (all text) of each kind's table at migration 1.
COLUMNS_V1: dict[str, tuple[str, ...]] = {
    "events": ("event_id", "dataset", "date_start", "date_end", "date_precision", "geo_precision", "place",
               "admin1_pcode", "actor1", "actor2", "event_type", "fatalities", "fatalities_low",
               "fatalities_high", "civilian_fatalities", "source", "source_date", "notes", "flags",
               "import_batch"),
    "boundaries": ("admin_level", "pcode", "parent_pcode", "name_en", "name_ar", "source", "precision"),
    "zones": ("party", "valid_from", "valid_to", "method", "source"),
    "localities": ("locality_id", "name_en", "name_ascii", "name_ar", "aliases", "admin1_pcode", "population",
                   "source", "geo_precision"),
    "control": ("locality_id", "party", "valid_from", "valid_to", "source_id", "confidence", "note"),
    "documents": ("doc_id", "title", "outlet", "published", "url", "source_file"),
    "citations": ("doc_id", "locality_id", "venue", "kind", "start", "end", "surface", "sentence"),
}
#: Kinds with a geometry column ``geom`` (EPSG:4326) and a GIST index on it.
SPATIAL_V1 = ("events", "boundaries", "zones", "localities")
#: Date columns (ISO text, which sorts as dates) with a b-tree index.
DATE_INDEXES_V1 = {
    "events": ("date_start", "date_end"),
    "zones": ("valid_from", "valid_to"),
    "control": ("valid_from", "valid_to"),
    "documents": ("published",),
}


def _table(kind: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(kind))


def _create_kind(cur, kind: str) -> None:
    """One kind's table: ``seq`` (row order), text attributes, ``extra`` pairs, ``geom``."""
    cols = [sql.SQL("seq bigint NOT NULL")]
    cols += [sql.SQL("{} text NOT NULL DEFAULT ''").format(sql.Identifier(c)) for c in COLUMNS_V1[kind]]
    cols.append(sql.SQL("extra jsonb NOT NULL DEFAULT '[]'::jsonb"))
    if kind in SPATIAL_V1:
        cols.append(sql.SQL("geom geometry"))
    if kind == "events":
        cols.append(sql.SQL("PRIMARY KEY (event_id)"))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(_table(kind), sql.SQL(", ").join(cols)))
    cur.execute(sql.SQL("CREATE INDEX ON {} (seq)").format(_table(kind)))
    if kind in SPATIAL_V1:
        cur.execute(sql.SQL("CREATE INDEX ON {} USING GIST (geom)").format(_table(kind)))
    for col in DATE_INDEXES_V1.get(kind, ()):
        cur.execute(sql.SQL("CREATE INDEX ON {} ({})").format(_table(kind), sql.Identifier(col)))


def _m1_tables(cur) -> None:
    """Migration 1: PostGIS, one table per kind, the store's version counter."""
    cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for kind in COLUMNS_V1:
        _create_kind(cur, kind)
    cur.execute(
        sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)").format(
            _table("store_state")
        )
    )
    cur.execute(sql.SQL("INSERT INTO {} (id, version) VALUES (1, 0)").format(_table("store_state")))


#: (number, description, function(cursor)), in order.
MIGRATIONS = [
    (1, "tables of every kind, spatial and date indexes, version counter", _m1_tables),
]


def current_version(cur) -> int:
    """The highest migration applied (0 for a new database)."""
    cur.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_version",))
    if cur.fetchone()[0] is None:
        return 0
    cur.execute(sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(_table("schema_version")))
    return int(cur.fetchone()[0])


def migrate(conn) -> int:
    """Bring the database's schema up to the last migration.

    Parameters
    ----------
    conn : psycopg.Connection
        An autocommit connection (each migration runs in its own transaction).

    Returns
    -------
    int
        The schema version after migrating.
    """
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, description text NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(_table("schema_version"))
        )
        version = current_version(cur)
        for number, description, step in MIGRATIONS:
            if number <= version:
                continue
            with conn.transaction():  # a savepoint: a failed step leaves no half schema
                step(cur)
                cur.execute(
                    sql.SQL("INSERT INTO {} (version, description) VALUES (%s, %s)").format(_table("schema_version")),
                    (number, description),
                )
            version = number
    return version
