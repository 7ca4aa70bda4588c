"""GeoJSON, GeoPackage and zipped shapefiles -> events, boundaries or zones (option ``kind``).

- GeoJSON is read with the ``json`` module (exact coordinates, one problem per bad feature:
  an unclosed ring, a ring too short, a broken geometry); a legacy ``crs`` member is honoured,
  otherwise EPSG:4326 (RFC 7946).
- GeoPackage and shapefiles are read with pyogrio; a file with several layers needs the option
  ``layer`` (problem code ``layer_required`` otherwise); a shapefile without ``.prj`` (no CRS) is refused.
- Everything is reprojected to EPSG:4326.

Kinds:

- ``events``: Point features with the canonical columns (``event_id``, ``date_start``...; IDs
  kept, as ``export`` writes them), or any columns named with the option ``map`` (``id=COL,date=COL,...``)
  (IDs become ``<format>:<id>``).
- ``boundaries``: see ``geo.importers.boundaries`` (canonical or OCHA COD-AB columns).
- ``zones``: polygons with ``party`` (one of ``geo.schema.PARTIES``), ``valid_from`` and
  ``valid_to`` (exclusive; empty = open), optional ``source``; ``method`` becomes "imported".
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
import shapely.errors
from pyproj import CRS as ProjCRS
from pyproj.exceptions import CRSError

from geo import validate as v
from geo.encoding import LIMITS, check_archive, read_text, too_many_rows
from geo.frames import date_to_text
from geo.importers.base import Context, Parsed, events_from_columns
from geo.importers.mapped_csv import MAP_KEYS, parse_map
from geo.schema import CRS, PARTIES, Problem

VECTOR_KINDS = ("events", "boundaries", "zones")


# --- reading ------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _text_columns(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = date_to_text(s)
        else:
            out[col] = pd.Series(
                [_cell(x) if not (x is pd.NA or x is pd.NaT) else "" for x in s], index=df.index, dtype=object
            )
    return pd.DataFrame(out, index=df.index)


def _open_rings(coords, depth: int) -> list[int]:
    """Indexes (1-based) of rings whose first and last positions differ."""
    bad = []
    rings = coords if depth == 1 else [r for poly in coords for r in poly]
    for k, ring in enumerate(rings, start=1):
        if isinstance(ring, list) and len(ring) >= 1 and ring[0] != ring[-1]:
            bad.append(k)
    return bad


def _close(coords, depth: int):
    if depth == 1:
        return [r + [r[0]] if r and r[0] != r[-1] else r for r in coords]
    return [_close(poly, 1) for poly in coords]


#: What ``shapely.geometry.shape`` raises on a malformed GeoJSON geometry (shapely 2.2, measured:
#: an unknown type, missing or non-numeric coordinates, too few positions, a geometry that is not
#: an object): each becomes a problem on its feature.
_SHAPE_ERRORS = (shapely.errors.ShapelyError, ValueError, TypeError, KeyError, AttributeError)


#: The deepest nesting of arrays and objects read (a MultiPolygon feature needs 8; properties may nest).
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` / ``{`` in a JSON text (strings skipped), without recursion."""
    brackets = np.frombuffer(re.sub(r"[^\[\]{}]", "", _JSON_STRING.sub("", text)).encode("ascii"), dtype=np.uint8)
    if not len(brackets):
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _json_features(text: str):
    """(the parsed document, its features) or (None, problems) for a GeoJSON text."""
    if _json_depth(text) > MAX_JSON_DEPTH:  # json.loads would recurse past Python's limit (audit finding 10)
        return None, [Problem(None, None, f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep: not GeoJSON")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Problem(None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    if isinstance(data, dict) and data.get("type") == "Feature":
        return data, [data]
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        if not data["features"]:
            return None, [Problem(None, None, "the file has no features")]
        return data, data["features"]
    return None, [Problem(None, None, "not a GeoJSON FeatureCollection or Feature")]


def _legacy_crs(data: dict):
    """(CRS, problems): the legacy ``crs`` member when there is one, else EPSG:4326 (RFC 7946)."""
    legacy = data.get("crs")
    if not isinstance(legacy, dict):
        return CRS, []
    name = (legacy.get("properties") or {}).get("name")
    if not name:
        return CRS, []
    try:
        return ProjCRS.from_user_input(name), []
    except (CRSError, TypeError):  # a name pyproj does not know, or not a string
        return None, [Problem(None, "crs", f"unknown coordinate reference system {name!r}")]


def _feature_geometry(i: int, g, fix: bool):
    """(shapely geometry or None, problem or None, ring closed) of feature ``i``'s geometry."""
    if g is None:
        return None, None, False
    gtype = g.get("type") if isinstance(g, dict) else None
    coords = g.get("coordinates") if isinstance(g, dict) else None
    depth = {"Polygon": 1, "MultiPolygon": 2}.get(gtype)
    closed = False
    if depth and isinstance(coords, list):
        try:
            open_rings = _open_rings(coords, depth)
        except (TypeError, IndexError):  # malformed rings: shape() below reports them
            open_rings = []
        if open_rings and not fix:
            reason = f"polygon ring {open_rings[0]} is not closed (its first and last positions differ)"
            return None, Problem(i, "geometry", reason, code="open_ring"), False
        if open_rings:
            g, closed = dict(g, coordinates=_close(coords, depth)), True
    try:
        return shapely.geometry.shape(g), None, closed
    except _SHAPE_ERRORS as exc:
        return None, Problem(i, "geometry", f"geometry could not be read: {exc}"), False


def read_geojson(path, fix: bool = False, encoding=None) -> tuple[gpd.GeoDataFrame, list[Problem], list[str]]:
    """A GeoJSON file as a GeoDataFrame of text attributes (row = feature number).

    Parameters
    ----------
    path : str or PathLike
        The GeoJSON file (a FeatureCollection or a single Feature).
    fix : bool
        Close unclosed polygon rings (and say so in the notes) instead of refusing them.
    encoding : str, optional
        Force the text encoding (default: detected by ``geo.encoding.read_text``).

    Returns
    -------
    tuple
        (GeoDataFrame or None when the file cannot be read at all, problems, notes). A bad
        feature is one problem on its row (code ``open_ring`` for an unclosed ring).
    """
    text, _ = read_text(path, encoding)
    data, features = _json_features(text)
    if data is None:
        return None, features, []
    if (too_many := too_many_rows(len(features), "features", LIMITS.rows)) is not None:
        return None, [too_many], []
    crs, problems = _legacy_crs(data)
    if problems:
        return None, problems, []
    props, geoms, closed = [], [], []
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict):
            problems.append(Problem(i, None, "feature is not an object"))
            props.append({})
            geoms.append(None)
            continue
        props.append(feat.get("properties") or {})
        geom, problem, was_closed = _feature_geometry(i, feat.get("geometry"), fix)
        geoms.append(geom)
        problems += [problem] if problem is not None else []
        closed += [i] if was_closed else []
    notes = []
    if closed:
        notes.append(f"closed {len(closed)} unclosed polygon ring(s) (features {', '.join(map(str, closed[:10]))})")
    attrs = pd.DataFrame([{k: _cell(x) for k, x in p.items()} for p in props]).fillna("")
    gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    return gdf, problems, notes


#: What pyogrio raises on a file or layer GDAL cannot read (both are RuntimeErrors).
OGR_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)


def layers_of(path) -> list[str]:
    """Layer names of a GeoPackage / shapefile / zip (raises one of :data:`OGR_ERRORS`).

    Parameters
    ----------
    path : str or PathLike
        The file.

    Returns
    -------
    list of str
        The names of its layers, in file order.
    """
    return [str(name) for name, _ in pyogrio.list_layers(str(path))]


def layer_required(names: list[str]) -> Problem:
    """The problem of a file holding several layers when none was chosen (code ``layer_required``;
    ``values``: the layer names, so a front end can offer them).

    Parameters
    ----------
    names : list of str
        The layer names of the file.

    Returns
    -------
    Problem
        A file-level problem (no row, no column) with code ``layer_required``.
    """
    reason = f"the file holds {len(names)} layers ({', '.join(names)})"
    return Problem(None, None, reason, code="layer_required", values=tuple(names))


def read_ogr(path, layer=None, *, allow_many: bool = False) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """A GeoPackage/shapefile/zip layer as a GeoDataFrame of text attributes.

    Parameters
    ----------
    path : str or PathLike
        The file.
    layer : str, optional
        The layer to read; needed when the file holds several (unless ``allow_many``).
    allow_many : bool
        Read the first layer of a file holding several instead of refusing it.

    Returns
    -------
    tuple
        (GeoDataFrame or None, problems); a file of several layers and no ``layer`` gives one
        problem with code ``layer_required`` and the layer names as its ``values``.
    """
    try:
        names = layers_of(path)
    except OGR_ERRORS as exc:  # GDAL cannot open it: not a GeoPackage / shapefile / zip of one
        return None, [Problem(None, None, f"cannot open the file as GeoPackage/shapefile: {exc}")]
    if not names:
        return None, [Problem(None, None, "the file holds no layer (a zip without a shapefile?)")]
    if layer is None and len(names) > 1 and not allow_many:
        return None, [layer_required(names)]
    if layer is not None and layer not in names:
        return None, [Problem(None, None, f"no layer {layer!r} in the file (layers: {', '.join(names)})")]
    try:
        counted = pyogrio.read_info(str(path), layer=layer or names[0])["features"]  # -1: not known without reading
        if (too_many := too_many_rows(counted, "features", LIMITS.rows)) is not None:
            return None, [too_many]
        gdf = pyogrio.read_dataframe(str(path), layer=layer or names[0], on_invalid="ignore",
                                     max_features=LIMITS.rows + 1)
    except OGR_ERRORS as exc:  # a damaged layer: GDAL says what it could not read
        return None, [Problem(None, None, f"cannot read layer {layer or names[0]!r}: {exc}")]
    if (too_many := too_many_rows(len(gdf), "features", LIMITS.rows)) is not None:
        return None, [too_many]
    if len(gdf) == 0:
        return None, [Problem(None, None, "the layer has no features")]
    attrs = _text_columns(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    return gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs), []


def read_any(path, ctx: Context, *, allow_many: bool = False):
    """(GeoDataFrame in EPSG:4326 or None, problems, notes) for any supported vector file.

    Parameters
    ----------
    path : str or PathLike
        The file: GeoJSON (by ``ctx.fmt`` or suffix) or anything :func:`read_ogr` reads.
    ctx : Context
        The import at hand; its ``fix``, ``encoding`` and ``layer`` options are used.
    allow_many : bool, default False
        Passed to :func:`read_ogr`: read the first layer of a file holding several.

    Returns
    -------
    tuple
        (GeoDataFrame or None, list of Problem, list of str notes); the GeoDataFrame is checked
        and reprojected by ``geo.validate.check_crs``, and is ``None`` when the file cannot be read.
    """
    fix = bool(ctx.opt("fix", False))
    path = Path(path)
    if ctx.fmt == "geojson" or path.suffix.lower() in (".geojson", ".json"):
        gdf, problems, notes = read_geojson(path, fix=fix, encoding=ctx.opt("encoding"))
    else:
        if path.stat().st_size == 0:
            return None, [Problem(None, None, "the file is empty")], []
        check_archive(path)  # a zip: its members' number, paths and unpacked size, from its directory
        gdf, problems = read_ogr(path, ctx.opt("layer"), allow_many=allow_many)
        notes = []
    if gdf is None:
        return None, problems, notes
    gdf, p = v.check_crs(gdf)
    return gdf, problems + p, notes


# --- kinds --------------------------------------------------------------------------


def _events(gdf, rows, ctx: Context) -> Parsed:
    mapping, problems = parse_map(ctx.opt("map"), required=("id", "date"))
    if problems:
        return Parsed("events", None, problems)
    if mapping:
        missing = [
            Problem(None, col, f"column named by the mapping {k}={col} is not in the file", code="mapped_column_missing")
            for k, col in mapping.items()
            if k not in ("lat", "lon") and col not in gdf.columns
        ]
        if missing:
            return Parsed("events", None, missing)
        cols = {MAP_KEYS[k]: gdf[c] for k, c in mapping.items() if k not in ("lat", "lon")}
        names = {MAP_KEYS[k]: c for k, c in mapping.items()}
        return events_from_columns(
            cols, names, rows, ctx, dataset=ctx.fmt, id_prefix=f"{ctx.fmt}:", geometry=gdf.geometry
        )
    need = [c for c in ("event_id", "date_start") if c not in gdf.columns]
    if need:
        return Parsed(
            "events",
            None,
            [
                Problem(None, c, "required column is missing (or name the columns in a mapping)", code="mapping_required")
                for c in need
            ],
        )
    from geo.schema import EVENT_COLUMNS

    cols = {c: gdf[c] for c in EVENT_COLUMNS if c in gdf.columns}
    return events_from_columns(cols, {}, rows, ctx, dataset=ctx.fmt, id_prefix="", geometry=gdf.geometry)


def _zones(gdf, rows, ctx: Context) -> Parsed:
    problems = v.require_columns(gdf.columns, ("party", "valid_from"))
    if problems:
        return Parsed("zones", None, problems)
    party = v.clean_text(gdf["party"]).reset_index(drop=True)
    bad = ~party.isin(list(PARTIES))
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(Problem(int(rows[i]), "party", f"{party[i]!r} is not one of {', '.join(PARTIES)}"))
    order = ctx.opt("date_order")
    start, p = v.parse_dates(gdf["valid_from"], rows, "valid_from", order=order)
    problems += p
    if "valid_to" in gdf.columns:
        end, p = v.parse_dates(gdf["valid_to"], rows, "valid_to", order=order, required=False)
        problems += p
        for i in np.flatnonzero((end <= start).to_numpy()):
            problems.append(
                Problem(int(rows[i]), "valid_to", "is not after valid_from (valid_to is exclusive)")
            )
    else:
        end = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    geoms, p, notes = v.check_geometries(
        gdf.geometry.reset_index(drop=True), rows, fix=bool(ctx.opt("fix", False))
    )
    problems += p
    bad_rows = {q.row for q in p}
    problems += [
        q for q in v.check_areas_in_outline(geoms, rows, ctx.outline, what="zone") if q.row not in bad_rows
    ]
    if problems:
        return Parsed("zones", None, problems)
    source = (
        v.clean_text(gdf["source"]).reset_index(drop=True)
        if "source" in gdf.columns
        else pd.Series([""] * len(gdf))
    )
    out = gpd.GeoDataFrame(
        {
            "party": party,
            "valid_from": start.reset_index(drop=True),
            "valid_to": end.reset_index(drop=True),
            "method": "imported",
            "source": source.where(source != "", ctx.file_name),
            "_row": rows.to_numpy(),
        },
        geometry=geoms.values,
        crs=CRS,
    )
    return Parsed("zones", out, [], [], notes)


def parse(path, ctx: Context) -> Parsed:
    """Parse a vector file as ``kind`` (``events`` by default).

    Parameters
    ----------
    path : str or PathLike
        The vector file.
    ctx : Context
        The import at hand; its ``kind`` option picks ``events``, ``zones`` or ``boundaries``
        (the last is delegated to ``geo.importers.boundaries.parse``).

    Returns
    -------
    Parsed
        The parsed records of that kind, or no frame and the problems (reading problems first)
        when anything is wrong; an unknown kind gives one ``unknown_kind`` problem.
    """
    kind = ctx.opt("kind", "events")
    if kind not in VECTOR_KINDS:
        return Parsed(
            kind, None, [Problem(None, None, f"the kind must be one of {', '.join(VECTOR_KINDS)}, not {kind!r}", code="unknown_kind")]
        )
    if kind == "boundaries":
        from geo.importers import boundaries

        return boundaries.parse(path, ctx)
    gdf, problems, notes = read_any(path, ctx)
    if gdf is None or (problems and kind != "events"):
        return Parsed(kind, None, problems)
    rows = pd.Series(np.arange(1, len(gdf) + 1))
    gdf = gdf.reset_index(drop=True)
    parsed = _events(gdf, rows, ctx) if kind == "events" else _zones(gdf, rows, ctx)
    parsed.problems = problems + parsed.problems
    parsed.notes = notes + parsed.notes
    if parsed.problems:
        parsed.frame = None
    return parsed
