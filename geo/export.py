"""Lossless writers: CSV, GeoJSON and GeoPackage for events, boundaries, zones and localities.

"Lossless" means importing the file again gives the same rows, IDs, values and geometries:

- CSV: point kinds get ``lat``/``lon`` columns, polygon kinds a ``geometry`` column in WKT;
  coordinates are written with Python's shortest round-trip float repr (17 significant
  digits when needed), dates as ISO strings, missing integers as empty cells.
- GeoJSON: RFC 7946 (EPSG:4326, no ``crs`` member); coordinates as exact float reprs;
  integer columns as JSON numbers or null, everything else as strings.
- GeoPackage: one layer named after the kind, every attribute as text (as the store does).

Files are written atomically (``geo.atomic``: a temporary file next to ``out``, then renamed), and
streamed: :data:`CHUNK_ROWS` rows are converted and written at a time (GeoPackage rows appended), so
the text of the whole file is never held in memory; the bytes are those of the whole-frame writers
:func:`to_csv_text` / :func:`to_geojson_text`.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.atomic import atomic_path
from geo.frames import KIND_COLUMNS, canonical, date_to_text, to_text
from geo.safetext import csv_text
from geo.schema import InputError, Problem
from geo.store import write_layer

FORMATS = ("csv", "geojson", "gpkg")
WHATS = ("events", "boundaries", "zones", "localities")
POINT_KINDS = ("events", "localities")


# --- exact WKT ------------------------------------------------------------------------


def _coords(seq) -> str:
    return ", ".join(" ".join(repr(float(c)) for c in xy) for xy in seq)


def wkt_exact(geom) -> str:
    """WKT with every coordinate written as its exact float repr ("" for a missing geometry).

    GEOS' own WKT writer rounds; this one does not, so ``shapely.from_wkt`` gives back the
    same doubles.

    Parameters
    ----------
    geom : shapely geometry or None
        The geometry to write.

    Returns
    -------
    str
        The WKT text, or "" for None or an empty geometry.
    """
    if geom is None or geom.is_empty:
        return ""
    t = geom.geom_type
    if t == "Point":
        return f"POINT ({_coords(geom.coords)})"
    if t == "LineString":
        return f"LINESTRING ({_coords(geom.coords)})"
    if t == "Polygon":
        return "POLYGON (" + _rings(geom) + ")"
    if t == "MultiPoint":
        return "MULTIPOINT (" + ", ".join(f"({_coords(p.coords)})" for p in geom.geoms) + ")"
    if t == "MultiLineString":
        return "MULTILINESTRING (" + ", ".join(f"({_coords(p.coords)})" for p in geom.geoms) + ")"
    if t == "MultiPolygon":
        return "MULTIPOLYGON (" + ", ".join("(" + _rings(p) + ")" for p in geom.geoms) + ")"
    return "GEOMETRYCOLLECTION (" + ", ".join(wkt_exact(g) for g in geom.geoms) + ")"


def _rings(poly) -> str:
    rings = [poly.exterior, *poly.interiors]
    return ", ".join(f"({_coords(r.coords)})" for r in rings)


# --- writers ------------------------------------------------------------------------


def _text(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    return to_text(kind, canonical(kind, frame))


#: Rows converted and written at a time by :func:`write`: memory stays bounded whatever the row count.
CHUNK_ROWS = 50_000


def _chunks(frame: pd.DataFrame, size: int | None = None):
    """``frame`` in consecutive slices of ``size`` rows (default :data:`CHUNK_ROWS`; one empty slice for
    an empty frame)."""
    size = size or CHUNK_ROWS
    for start in range(0, max(len(frame), 1), size):
        yield frame.iloc[start:start + size]


def _coordinate_text(values: np.ndarray) -> list[str]:
    """Each coordinate as its exact float repr, "" where missing (NaN)."""
    return ["" if v != v else repr(float(v)) for v in values.tolist()]


def to_csv_text(kind: str, frame: gpd.GeoDataFrame) -> str:
    """The CSV text of a canonical frame (see module doc).

    Parameters
    ----------
    kind : str
        The canonical kind of ``frame`` (point kinds get ``lat``/``lon`` columns, others WKT).
    frame : GeoDataFrame
        The records to write.

    Returns
    -------
    str
        The CSV text (with a header row, newline line endings).
    """
    text = _text(kind, frame)
    df = pd.DataFrame(text.drop(columns=text.geometry.name))
    geoms = text.geometry.values
    if kind in POINT_KINDS:  # NaN for a missing or empty point (shapely 2, vectorised)
        df["lat"] = _coordinate_text(shapely.get_y(geoms))
        df["lon"] = _coordinate_text(shapely.get_x(geoms))
    else:
        df["geometry"] = [wkt_exact(g) for g in geoms]
    return csv_text(df)  # formulas neutralised (geo/safetext.py)


def to_geojson_text(kind: str, frame: gpd.GeoDataFrame) -> str:
    """The GeoJSON FeatureCollection text of a canonical frame (see module doc).

    Parameters
    ----------
    kind : str
        The canonical kind of ``frame``.
    frame : GeoDataFrame
        The records to write.

    Returns
    -------
    str
        The GeoJSON text (one Feature per row).
    """
    return "".join(_geojson_parts(kind, frame))


def _geojson_parts(kind: str, frame: gpd.GeoDataFrame):
    """The GeoJSON text of :func:`to_geojson_text` in pieces, :data:`CHUNK_ROWS` features at a time.

    The pieces joined are exactly ``json.dumps`` of the whole FeatureCollection (default separators).
    """
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for chunk in _chunks(frame):
        features = ", ".join(json.dumps(f, ensure_ascii=False) for f in _features(kind, chunk))
        if features:
            yield features if first else ", " + features
            first = False
    yield "]}"


def _features(kind: str, frame: gpd.GeoDataFrame):
    """One GeoJSON Feature dict per row (integer columns as numbers or null, the rest as text)."""
    text = _text(kind, frame)
    schema = KIND_COLUMNS[kind]
    attrs = [c for c in text.columns if c != text.geometry.name]
    ints = [c for c in attrs if schema.get(c) in ("Int64", "int64")]
    columns = [text[c].tolist() for c in attrs]  # whole columns to Python at once: 10 times faster than to_dict
    records = (dict(zip(attrs, values, strict=True)) for values in zip(*columns, strict=True))
    geoms = np.asarray(text.geometry.values, dtype=object)
    points = shapely.get_type_id(geoms) == 0  # a Point: its coordinates from arrays, not one mapping() each
    xs, ys = shapely.get_x(geoms).tolist(), shapely.get_y(geoms).tolist()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i, props in enumerate(records):
        for c in ints:
            props[c] = int(props[c]) if props[c] != "" else None
        if empty[i]:
            geometry = None
        elif points[i] and not shapely.has_z(geoms[i]):
            geometry = {"type": "Point", "coordinates": [xs[i], ys[i]]}
        else:
            geometry = shapely.geometry.mapping(geoms[i])
        yield {"type": "Feature", "properties": props, "geometry": geometry}


def _checked_out(out: Path) -> Path:
    """``out`` when a file may be written there (its folder created); ``InputError`` otherwise."""
    if out.is_dir():
        raise InputError([Problem(None, "out", f"{out} is a folder: give the path of the file to write", code="bad_option")])
    if out.exists() and not out.is_file():
        # the atomic rename would replace a device or a pipe (e.g. /dev/full) by a plain file
        raise InputError(
            [Problem(None, "out", f"{out} is not a regular file (a device or a pipe): give a file path", code="bad_option")]
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def write(kind: str, frame: gpd.GeoDataFrame, fmt: str, out) -> int:
    """Write ``frame`` (canonical ``kind``) to ``out`` in ``fmt``; returns the row count.

    Parameters
    ----------
    kind : str
        The canonical kind of ``frame``.
    frame : GeoDataFrame
        The records to write.
    fmt : str
        One of ``FORMATS``: ``csv``, ``geojson`` or ``gpkg``.
    out : str or Path
        The file to write (replaced atomically; its folder is created).

    Returns
    -------
    int
        The number of rows written. Raises ``ValueError`` for an unknown format and ``InputError`` when
        ``out`` is a folder or not a regular file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    out = _checked_out(Path(out))
    with atomic_path(out, create=fmt != "gpkg") as tmp:  # GDAL must create a GeoPackage itself
        if fmt == "gpkg":
            for i, chunk in enumerate(_chunks(frame)):  # one chunk's text form in memory at a time
                write_layer(_text(kind, chunk), tmp, kind, allow_empty=i == 0, append=i > 0)
        else:
            parts = _geojson_parts(kind, frame) if fmt == "geojson" else _csv_parts(kind, frame)
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.writelines(parts)
    return len(frame)


def _csv_parts(kind: str, frame: gpd.GeoDataFrame):
    """The CSV text of :func:`to_csv_text` in pieces, :data:`CHUNK_ROWS` rows at a time (header once)."""
    for i, chunk in enumerate(_chunks(frame)):
        text = to_csv_text(kind, chunk)
        yield text if i == 0 else text.split("\n", 1)[1]


def select(catalog, what: str, *, date=None, start=None, end=None, workspace_only: bool = False):
    """The records ``export`` writes: merged shipped + workspace data (or the workspace only).

    ``zones`` are the zones at ``date`` (required); ``start``/``end`` limit events by
    ``date_start`` (inclusive).

    Parameters
    ----------
    catalog : Catalog
        The data catalog (its ``store`` for the workspace data).
    what : str
        One of ``WHATS``: ``events``, ``boundaries``, ``zones`` or ``localities``.
    date : date-like, optional
        The day of the zones; required for ``zones``.
    start : date-like, optional
        Start of the event range (see :func:`geo.queries.events_in_range`); None: open.
    end : date-like, optional
        End of the event range (inclusive); None: open.
    workspace_only : bool, default False
        Export the workspace records only.

    Returns
    -------
    DataFrame or GeoDataFrame
        The records. Raises ``ValueError`` for an unknown ``what`` or ``zones`` without a date.
    """
    from geo.queries import events_in_range

    if what not in WHATS:
        raise ValueError(f"unknown export {what!r} (known: {', '.join(WHATS)})")
    store = catalog.store
    if what == "events":
        frame = store.read("events") if workspace_only else catalog.events(incidents=False)  # records: lossless
        if start is not None or end is not None:
            frame = events_in_range(frame, start, end)
        return frame.reset_index(drop=True)
    if what == "boundaries":
        if workspace_only:
            return store.read("boundaries")
        parts = [catalog.boundaries(level) for level in (0, 1, 2)]
        parts = [canonical("boundaries", p) for p in parts if len(p)]
        if not parts:
            return store.read("boundaries")
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
    if what == "zones":
        if date is None:
            raise ValueError("exporting zones needs a date (the zones at that day)")
        if workspace_only:
            from geo.control import zones_from_polygons

            return zones_from_polygons(store.read("zones"), date)
        return catalog.zones(date)
    return store.read("localities") if workspace_only else catalog.localities(display=False)  # as shipped


#: Columns of the control table export (web download and ``export control``), in order (the control record, then the place).
CONTROL_TABLE_COLUMNS = ("locality_id", "name_en", "name_ar", "admin1_pcode", "party", "valid_from", "valid_to",
                         "source_id", "confidence", "note", "lat", "lon")


def control_table(catalog, day) -> pd.DataFrame:
    """The locality control records in force on ``day`` (``geo.control.control_at``) with each
    place's name, governorate and coordinates: the table the zones of ``day`` are derived from.

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        The data (shipped and workspace).
    day : date-like
        The control date.

    Returns
    -------
    DataFrame
        :data:`CONTROL_TABLE_COLUMNS` (dates as ISO text), sorted by governorate and name.
    """
    from geo.control import control_at

    records = control_at(catalog.control(), day)
    places = catalog.localities()
    pts = places.geometry
    places = pd.DataFrame({
        "locality_id": places["locality_id"].astype(str),
        **{c: places[c] if c in places.columns else "" for c in ("name_en", "name_ar", "admin1_pcode")},
        "lat": [None if g is None or g.is_empty else round(float(g.y), 5) for g in pts],
        "lon": [None if g is None or g.is_empty else round(float(g.x), 5) for g in pts],
    }).drop_duplicates("locality_id")
    table = pd.DataFrame(records).assign(locality_id=records["locality_id"].astype(str)).merge(
        places, on="locality_id", how="left")
    for col in ("valid_from", "valid_to"):
        table[col] = date_to_text(pd.to_datetime(table[col]))
    for col in CONTROL_TABLE_COLUMNS:
        if col not in table.columns:
            table[col] = ""
    table = table.sort_values(["admin1_pcode", "name_en", "locality_id"], na_position="last", kind="stable")
    return table[list(CONTROL_TABLE_COLUMNS)].reset_index(drop=True)


def control_csv_text(catalog, day) -> str:
    """:func:`control_table` as CSV text (formulas neutralised: ``geo.safetext.csv_text``).

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        The data (shipped and workspace).
    day : date-like
        The control date.

    Returns
    -------
    str
        The CSV text of the records in force on ``day``.
    """
    return csv_text(control_table(catalog, day))


def write_control(catalog, day, out) -> int:
    """Write :func:`control_csv_text` of ``day`` to ``out`` atomically; returns the row count.

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        The data (shipped and workspace).
    day : date-like
        The control date.
    out : str or Path
        The CSV file to write (the same checks as :func:`write`: never a folder, a device or a pipe).

    Returns
    -------
    int
        The number of control records written.
    """
    out = _checked_out(Path(out))
    table = control_table(catalog, day)
    with atomic_path(out) as tmp:
        tmp.write_text(csv_text(table), encoding="utf-8")
    return len(table)
