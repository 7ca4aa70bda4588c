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
