"""Readers of the shipped data in ``data/``, returning canonical (Geo)DataFrames.

Every reader takes an optional ``data_dir`` so tests can point it at a fixture folder.
Dates become ``datetime64[ns]``; empty strings stay empty strings; geometries are EPSG:4326.
"""

from __future__ import annotations

import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.paths import DATA_DIR
from geo.schema import CRS, EVENT_COLUMNS, LOCALITY_COLUMNS
from geo.validate import iso_dates

_DATE_COLUMNS = ("date_start", "date_end", "valid_from", "valid_to", "published")


#: Shipped files read in this process: path -> ((mtime_ns, size), frame as read).  The data files
#: do not change while the app runs, yet the pages read them at every control-date step (zones,
#: who held a town): each is read once and a copy is handed out (a rebuilt file has another stamp).
_READ: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}
_READ_LOCK = threading.Lock()  # Streamlit sessions run in threads


def _read_once(path: Path, reader):
    """A copy of ``reader(path)``, read again only when the file's modification time or size changed."""
    stat = Path(path).stat()
    stamp, key = (stat.st_mtime_ns, stat.st_size), str(Path(path).resolve())
    with _READ_LOCK:
        hit = _READ.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, reader(path))
        with _READ_LOCK:
            _READ[key] = hit
    return hit[1].copy()


def _read_csv(path: Path) -> pd.DataFrame:
    return _read_once(path, _parse_csv)


def _parse_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for col in _DATE_COLUMNS:
        if col in df.columns:
            df[col] = iso_dates(df[col])
    return df


def _points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    lon = pd.to_numeric(df.pop("lon"))
    lat = pd.to_numeric(df.pop("lat"))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=CRS)


def _ints(df: pd.DataFrame, columns) -> None:
    for col in columns:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", None)).astype("Int64")


#: Levels of the shipped boundaries (``data/admin{level}.geojson``).
BOUNDARY_LEVELS = (0, 1, 2, 3)
#: The credit the licence of the shipped boundaries (CC BY 3.0 IGO) asks for: on the map, the
#: Data page, every briefing footer and in data/README.md.
BOUNDARY_ATTRIBUTION = "Boundaries: OCHA / UN Cartographic Section COD-AB, CC BY 3.0 IGO"


def _read_boundary_file(path: Path) -> gpd.GeoDataFrame:
    return _read_once(path, _parse_boundary_file)


def _parse_boundary_file(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    gdf["admin_level"] = gdf["admin_level"].astype("int64")
    for col in ("pcode", "parent_pcode", "name_en", "name_ar", "source", "precision"):
        if col in gdf.columns:
            gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), "").astype(str)
    return gdf.set_crs(CRS, allow_override=True) if gdf.crs is None else gdf.to_crs(CRS)


def load_boundaries(level: int = 1, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Shipped OCHA COD-AB boundaries at one level.

    Parameters
    ----------
    level : int
        0 country outline, 1 the 14 governorates, 2 the 62 districts, 3 the 272 sub-districts.
    data_dir : Path
        The shipped data folder.

    Returns
    -------
    GeoDataFrame
        ``admin_level``, ``pcode``, ``parent_pcode``, ``name_en``, ``name_ar``, ``source``,
        ``precision`` and the geometry (EPSG:4326).
    """
    if int(level) not in BOUNDARY_LEVELS:
        raise ValueError(f"no shipped boundaries at level {level} (levels {BOUNDARY_LEVELS})")
    return _read_boundary_file(Path(data_dir) / f"admin{int(level)}.geojson")


def load_neighbourhoods(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """Shipped OCHA city-neighbourhood polygons (level 4) of Aleppo, Damascus and Homs.

    The boundary columns (``parent_pcode`` is the sub-district) plus ``city`` (OCHA's city
    unit: Aleppo, Damascus, Yarmuk, Homs) and ``area`` (OCHA's area name in Damascus, e.g.
    Jowbar, Qaboun, Burza; "" elsewhere).

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    GeoDataFrame
        The neighbourhood polygons (``neighbourhoods.geojson``).
    """
    gdf = _read_boundary_file(Path(data_dir) / "neighbourhoods.geojson")
    for col in ("city", "area"):
        gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), "").astype(str)
    return gdf


def load_localities(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The gazetteer: GeoNames cities500 places in Syria plus curated localities.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    GeoDataFrame
        ``geo.schema.LOCALITY_COLUMNS`` and point geometry (``localities.csv``).
    """
    gdf = _points(_read_csv(Path(data_dir) / "localities.csv"))
    _ints(gdf, ["population"])
    return gdf[[*LOCALITY_COLUMNS, "geometry"]]


def load_control(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Locality-level control records (valid_from inclusive, valid_to exclusive, NaT = open).

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    DataFrame
        The ``control.csv`` table.
    """
    return _read_csv(Path(data_dir) / "control.csv")


def load_milestones(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Dated milestones of the ceasefire process.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    DataFrame
        The ``milestones.csv`` table, sorted by ``date_start``.
    """
    return _read_csv(Path(data_dir) / "milestones.csv").sort_values("date_start", ignore_index=True)


def load_sources(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Reports and datasets the shipped data rests on.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    DataFrame
        The ``sources.csv`` table.
    """
    return _read_csv(Path(data_dir) / "sources.csv")


def load_citations(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Which localities each shipped source cites, with character offsets.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    DataFrame
        The ``citations.csv`` table (``start`` and ``end`` as integers).
    """
    df = _read_csv(Path(data_dir) / "citations.csv")
    _ints(df, ["start", "end"])
    return df


def load_events(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The curated, documented incidents shipped with the app (canonical event columns).

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    GeoDataFrame
        ``geo.schema.EVENT_COLUMNS``, any extra columns, then point geometry (``events.csv``).
    """
    gdf = _points(_read_csv(Path(data_dir) / "events.csv"))
    _ints(gdf, ["fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"])
    extra = [c for c in gdf.columns if c not in EVENT_COLUMNS and c != "geometry"]
    return gdf[[*EVENT_COLUMNS, *extra, "geometry"]]


def load_ucdp_events(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The shipped UCDP GED 19.1 events of the window (``ucdp_events.csv``, built by
    ``scripts/build_ucdp.py``): canonical event columns, then UCDP's own precision codes and
    governorate / district names (``ucdp_where_prec``, ``ucdp_date_prec``, ``ucdp_adm_1``,
    ``ucdp_adm_2``).

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    GeoDataFrame
        ``geo.schema.EVENT_COLUMNS``, the UCDP columns, then point geometry.
    """
    gdf = _points(_read_csv(Path(data_dir) / "ucdp_events.csv"))
    _ints(gdf, ["fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"])
    extra = [c for c in gdf.columns if c not in EVENT_COLUMNS and c != "geometry"]
    return gdf[[*EVENT_COLUMNS, *extra, "geometry"]]
