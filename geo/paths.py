"""Where the shipped data and the default workspace store live."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_STORE = ROOT / "workspace" / "store.gpkg"


def store_path(explicit: str | os.PathLike | None = None) -> Path:
    """The workspace store: ``explicit``, else ``$MONITOR_STORE``, else the default.

    Parameters
    ----------
    explicit : str or os.PathLike, optional
        A store path given by the caller; ``~`` is expanded.  Empty or ``None`` for none.

    Returns
    -------
    pathlib.Path
        The store path to use (``$MONITOR_STORE`` also ``~``-expanded; ``DEFAULT_STORE`` last).
    """
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("MONITOR_STORE")
    if env:
        return Path(env).expanduser()
    return DEFAULT_STORE


#: A PostgreSQL/PostGIS URL (``postgresql://user:password@host:port/dbname``): the team store.
DATABASE_ENV = "MONITOR_DATABASE_URL"


def database_url() -> str | None:
    """The team database's URL (``$MONITOR_DATABASE_URL``), or None when the GeoPackage is the store.

    Returns
    -------
    str or None
        The URL as configured (it may hold a password: never show it; see ``geo.pgstore.public_url``).
    """
    return os.environ.get(DATABASE_ENV, "").strip() or None


def store_location(explicit: str | os.PathLike | None = None) -> str | Path:
    """Where the store is: the database's public URL when one is configured, else a GeoPackage path.

    Parameters
    ----------
    explicit : str or os.PathLike, optional
        A store given by the caller: a GeoPackage path, or the database's public URL (as
        returned here before). None or empty for the configured store.

    Returns
    -------
    str or pathlib.Path
        ``geo.pgstore.public_url`` of ``$MONITOR_DATABASE_URL`` (a str, no password) when a
        database is configured and no path is given; otherwise :func:`store_path`.
    """
    url = database_url()
    if url:
        from geo.pgstore import public_url

        public = public_url(url)
        if not explicit or str(explicit) == public:
            return public
    return store_path(explicit)
