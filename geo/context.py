"""Reader of the shipped geographic context (``data/context.geojson``).

The file is built by ``scripts/build_context.py``: neighbouring countries, the sea and the Golan
Heights as named points, the area outside Syria, the main rivers, Lake Assad and the M4, M5 and
M20 highways.  Every feature carries its ``source`` and ``precision`` (rivers and highways are
schematic).  Pure data: drawing is ``layers/context.py``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely.geometry

from geo.paths import DATA_DIR
from geo.schema import CRS

#: Kinds of context feature, drawn bottom to top.
CONTEXT_KINDS = ("outside", "lake", "highway", "river", "country", "sea", "territory")
#: Properties every feature must carry (non-empty).
CONTEXT_FIELDS = ("kind", "name", "label", "source", "precision")
CONTEXT_FILE = "context.geojson"


def load_context(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The shipped context features, checked.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding ``context.geojson`` (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    GeoDataFrame
        Columns :data:`CONTEXT_FIELDS` plus ``label_at`` (list of ``[lon, lat]`` where a line's
        or the lake's name is written, ``None`` for points and the outside area), geometry
        EPSG:4326.  Raises ``FileNotFoundError`` when the file is missing and ``ValueError``
        when a feature lacks a field or has an unknown kind (a broken shipped file must show).
    """
    return _load(str(Path(data_dir) / CONTEXT_FILE), context_version(data_dir)).copy()


def context_version(data_dir: Path = DATA_DIR) -> int:
    """The version of the shipped context file (its modification time, ns): a cache key for what is
    made of :func:`load_context`, so a rebuilt file is read again.

    Parameters
    ----------
    data_dir : Path, optional
        As :func:`load_context`.

    Returns
    -------
    int
        ``st_mtime_ns`` of ``context.geojson``; raises ``FileNotFoundError`` when it is missing.
    """
    return (Path(data_dir) / CONTEXT_FILE).stat().st_mtime_ns


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> gpd.GeoDataFrame:
    del mtime_ns  # part of the cache key only: a rebuilt file is read again
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    rows, geoms = [], []
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        missing = [f for f in CONTEXT_FIELDS if not str(props.get(f) or "").strip()]
        if missing:
            raise ValueError(f"{path}: feature {i} has no {', '.join(missing)}")
        if props["kind"] not in CONTEXT_KINDS:
            raise ValueError(f"{path}: feature {i} has unknown kind {props['kind']!r}")
        rows.append({**{f: str(props[f]) for f in CONTEXT_FIELDS}, "label_at": props.get("label_at")})
        geoms.append(shapely.geometry.shape(feat["geometry"]))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
