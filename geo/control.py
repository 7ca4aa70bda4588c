"""Control of territory over time: from the locality control table to zones and parties.

The control table (``geo.schema.CONTROL_COLUMNS``) says which party held each locality and
when (``valid_from`` inclusive, ``valid_to`` exclusive, NaT = still valid).  Zones are
*derived* from it, so that editing the table moves the zones:

1. the localities that have a control record valid at the date are the generators;
2. their Voronoi tessellation is computed in a metric CRS (``geo.schema.METRIC_CRS``) and
   clipped to the country outline, with **no distance limit**: every place belongs to the
   cell of the nearest locality with a record.  Sparse land (the Badia desert) is covered by
   the sourced desert *anchor* localities of the control table (oil and gas fields, airbases,
   desert crossroads; see ``data/README.md``), not by a fixed radius.  An optional
   ``radius_km`` still cuts each cell to a disc around its locality (an explicit request
   only: it draws circles);
3. inside a city that has neighbourhood polygons (OCHA level 4, ``Catalog.neighbourhoods``)
   and at least one locality with a record, the neighbourhoods replace the Voronoi cells: each
   takes the party of the locality whose point it holds (split between them when it holds
   several), else of the nearest locality inside that city.  So a front line through a city
   follows neighbourhood boundaries.  A locality inside such a city speaks for its
   neighbourhood only: the land outside the city is tessellated by the localities outside
   cities (a besieged district's point does not claim the countryside beyond the city edge);
4. the pieces are dissolved by party (on a 1 m grid; parts and holes under
   ``MIN_PIECE_M2`` dropped, so no seam or zero-area ring is drawn).

Conflicts are made visible rather than resolved silently: when one locality has several
records valid on the same day with different parties, or several localities share the same
coordinates with different parties, the place is ``contested``.

:func:`party_at` answers from the same pieces (the neighbourhood piece holding a point, else
the cell of its nearest locality), so the holder of an event's place is what the map shows.

Every zone of a derived layer carries the span ``[valid_from, valid_to)`` around the date over
which the layer does not change (the latest record boundary on or before the date and the
next one after it, across all records), ``method`` "derived" and the joined ``source_id`` of
the records behind it.

Tessellations are memoised on the set of generator localities (ids and coordinates), the
outline, the neighbourhoods and the radius; dissolved layers on the tessellation and the party
of every site.  A second call for another date with the same party assignment costs a table
filter.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.schema import CRS, EQUAL_AREA_CRS, METRIC_CRS, PARTIES, ZONE_COLUMNS
from geo.vocabulary import CONTESTED  # party given to a place whose records disagree on one day

#: The optional limit of a locality's cell (km) that the Control change page offers.  Zones
#: have no limit by default (``radius_km=None``): a limit cuts cells to discs.
DEFAULT_RADIUS_KM: float = 40.0
#: Quadrant segments of the circles that bound cells (16 = 64 vertices per circle).
_BUFFER_QUAD_SEGS = 16
#: Precision grid (metres) of the dissolve: removes slivers between neighbouring cells.
_GRID_M = 1.0
#: Parts and holes of a dissolved zone smaller than this (m²) are slivers and are dropped
#: (the smallest OCHA neighbourhood is about 47,000 m²).
MIN_PIECE_M2 = 5_000.0
_CACHE_SIZE = 64

_TO_METRIC = Transformer.from_crs(CRS, METRIC_CRS, always_xy=True)
_FROM_METRIC = Transformer.from_crs(METRIC_CRS, CRS, always_xy=True)
_TO_EQUAL_AREA = Transformer.from_crs(METRIC_CRS, EQUAL_AREA_CRS, always_xy=True)


class _LRU(OrderedDict):
    """A tiny bounded memo (least recently used entries dropped first)."""

    def __init__(self, size: int = _CACHE_SIZE):
        super().__init__()
        self.size = size
        self.lock = threading.RLock()  # Streamlit sessions run in threads

    def get_or(self, key, build):
        """The cached value of ``key``, built with ``build()`` and stored when missing.

        Parameters
        ----------
        key : hashable
            The cache key; a hit moves it to the most recently used end.
        build : callable
            Called without arguments (outside the lock) to make the value on a miss; the oldest
            entry is dropped when the memo grows past its size.

        Returns
        -------
        object
            The cached or newly built value.
        """
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        value = build()
        with self.lock:
            self[key] = value
            if len(self) > self.size:
                self.popitem(last=False)
        return value


_OUTLINES = _LRU(8)
_TESSELLATIONS = _LRU()
_LAYERS = _LRU(256)


def clear_caches() -> None:
    """Forget every memoised outline, tessellation and dissolved layer."""
    for cache in (_OUTLINES, _TESSELLATIONS, _LAYERS):
        with cache.lock:
            cache.clear()


# --- dates and records -----------------------------------------------------------


def _day(date) -> pd.Timestamp:
    ts = pd.Timestamp(date)
    if pd.isna(ts):
        raise ValueError(f"not a date: {date!r}")
    return ts.normalize()


def _valid_mask(control: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    start = pd.to_datetime(control["valid_from"])
    end = pd.to_datetime(control["valid_to"])
    return (start.isna() | (start <= day)) & (end.isna() | (day < end))


def control_at(control: pd.DataFrame, date) -> pd.DataFrame:
    """The control records valid at ``date`` (``valid_from <= date < valid_to``; NaT = open).

    Parameters
    ----------
    control : DataFrame
        Control records (``geo.schema.CONTROL_COLUMNS``).
    date : date-like
        The day asked about.

    Returns
    -------
    DataFrame
        The valid records, same columns, original order, fresh index.
    """
    day = _day(date)
    return control.loc[_valid_mask(control, day)].reset_index(drop=True)


def _party_by_locality(records: pd.DataFrame) -> pd.Series:
    """locality_id -> party (sorted by id); several different parties on one day -> ``contested``."""
    if records.empty:
        return pd.Series(dtype=object)
    seen: dict = {}
    for lid, party in zip(records["locality_id"].to_numpy(dtype=object), records["party"].to_numpy(dtype=object), strict=True):
        seen.setdefault(lid, set()).add(party)
    ids = sorted(seen)
    parties = [next(iter(seen[i])) if len(seen[i]) == 1 else CONTESTED for i in ids]
    return pd.Series(parties, index=pd.Index(ids, dtype=object, name="locality_id"), name="party", dtype=object)


def _boundaries(control: pd.DataFrame) -> np.ndarray:
    """Sorted distinct record boundary days (valid_from and valid_to), as datetime64[ns]."""
    bounds = pd.concat([pd.to_datetime(control["valid_from"]), pd.to_datetime(control["valid_to"])])
    return np.unique(bounds.dropna().to_numpy().astype("datetime64[ns]"))


def _segment_days(control: pd.DataFrame, days: pd.Series) -> pd.Series:
    """For each day, a representative day of its stretch without any record boundary.

    Two days with the same representative see exactly the same valid records, so a
    computation per representative serves every day of the stretch.
    """
    bounds = _boundaries(control)
    values = days.to_numpy().astype("datetime64[ns]")
    pos = np.searchsorted(bounds, values, side="right")  # boundaries <= day
    rep = np.where(pos > 0, bounds[np.maximum(pos - 1, 0)], values)
    # before the first boundary every day sees the same (empty or open-start) records
    if len(bounds):
        rep = np.where(pos == 0, bounds[0] - np.timedelta64(1, "D"), rep)
    return pd.Series(rep, index=days.index)


def _span(control: pd.DataFrame, day: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Latest record boundary on or before ``day`` and the next one after it (NaT if none)."""
    bounds = pd.concat([pd.to_datetime(control["valid_from"]), pd.to_datetime(control["valid_to"])])
    bounds = bounds.dropna()
    before = bounds[bounds <= day]
    after = bounds[bounds > day]
    return (before.max() if len(before) else pd.NaT, after.min() if len(after) else pd.NaT)


# --- geometry helpers ----------------------------------------------------------------


def _outline_geometry(outline):
    """One (multi)polygon in EPSG:4326 from a GeoDataFrame, GeoSeries or shapely geometry."""
    if isinstance(outline, gpd.GeoDataFrame | gpd.GeoSeries):
        if outline.crs is None:
            raise ValueError("the outline has no CRS")
        geom = outline.to_crs(CRS).union_all()
    else:
        geom = outline
    if geom is None or geom.is_empty:
        raise ValueError("the outline is empty")
    return geom


def _outline_metric(outline) -> tuple[str, object]:
    """(key, outline in the metric CRS), memoised on the outline's WKB."""
    geom = _outline_geometry(outline)
    key = hashlib.blake2b(shapely.to_wkb(geom), digest_size=12).hexdigest()

    def build():
        metric = shapely.transform(geom, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))
        metric = shapely.make_valid(metric)
        shapely.prepare(metric)
        return metric

    return key, _OUTLINES.get_or(key, build)


def _to_crs(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class _Cities:
    """City-neighbourhood polygons in the metric CRS, clipped to the outline and made disjoint."""

    key: str
    polys: np.ndarray  # neighbourhood polygons
    city: np.ndarray  # city index of each polygon
    unions: np.ndarray  # one (multi)polygon per city: the union of its neighbourhoods


_NO_CITIES = _Cities("", np.array([], dtype=object), np.array([], dtype=int), np.array([], dtype=object))


def _disjoint(polys: np.ndarray) -> np.ndarray:
    """Each polygon minus the ones before it (simplified neighbours may overlap a little)."""
    out = polys.copy()
    left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
    earlier = right < left
    for i in np.unique(left[earlier]):
        out[i] = _polygonal(shapely.difference(polys[i], shapely.union_all(polys[right[earlier & (left == i)]])))
    return out


def _cities(neighbourhoods, outline_key: str, outline_m) -> _Cities:
    """The neighbourhood polygons grouped by city (``city``, else ``parent_pcode``), memoised."""
    if neighbourhoods is None or len(neighbourhoods) == 0:
        return _NO_CITIES
    if neighbourhoods.crs is None:
        raise ValueError("the neighbourhoods have no CRS")
    group = "city" if "city" in neighbourhoods.columns else "parent_pcode"
    if group not in neighbourhoods.columns:
        raise ValueError("the neighbourhoods have neither a 'city' nor a 'parent_pcode' column")
    nb = neighbourhoods if neighbourhoods.crs.equals(CRS) else neighbourhoods.to_crs(CRS)
    geoms = np.asarray(nb.geometry.values, dtype=object)
    names = nb[group].astype(str).to_numpy()
    h = hashlib.blake2b(digest_size=16)
    h.update(outline_key.encode())
    h.update("\x1f".join(names).encode())
    for wkb in shapely.to_wkb(geoms):
        h.update(wkb)
    key = h.hexdigest()

    def build() -> _Cities:
        metric = shapely.intersection(shapely.make_valid(_to_crs(geoms, _TO_METRIC)), outline_m)
        metric = np.array([_polygonal(g) for g in shapely.set_precision(metric, _GRID_M)], dtype=object)
        keep = ~shapely.is_empty(metric)
        polys, labels = _disjoint(metric[keep]), names[keep]
        cities, city = np.unique(labels, return_inverse=True)
        unions = np.array([shapely.union_all(polys[city == c], grid_size=_GRID_M) for c in range(len(cities))], dtype=object)
        return _Cities(key, polys, np.asarray(city).reshape(-1), unions)

    return _OUTLINES.get_or(("cities", key), build)


def _assign(poly, sites: np.ndarray, inside: np.ndarray) -> list[tuple[object, int]]:
    """[(piece, site)] of one neighbourhood among the city's sites ``inside``.

    The site whose point the polygon holds; several: the polygon split between them (their
    Voronoi cells); none: the site nearest to the polygon.
    """
    held = inside[shapely.covers(poly, sites[inside])]
    if len(held) == 0:
        return [(poly, int(inside[np.argmin(shapely.distance(poly, sites[inside]))]))]
    if len(held) == 1:
        return [(poly, int(held[0]))]
    extent = shapely.box(*poly.bounds).buffer(1000.0)
    vor = shapely.voronoi_polygons(shapely.multipoints(sites[held]), extend_to=extent, ordered=True)
    parts = shapely.intersection(shapely.get_parts(vor), poly)
    return [(_polygonal(p), int(s)) for p, s in zip(parts, held, strict=True) if not p.is_empty]


def _city_pieces(cities: _Cities, sites: np.ndarray):
    """(pieces, site of each piece, land they cover, sites inside them) for the cities that hold
    at least one site."""
    pieces: list = []
    owner: list[int] = []
    covered = []
    inner = np.zeros(len(sites), dtype=bool)
    if len(cities.polys) and len(sites):
        tree = shapely.STRtree(sites)
        for c, union in enumerate(cities.unions):
            inside = np.sort(tree.query(union, predicate="covers"))
            if len(inside) == 0:
                continue  # no locality with a record in this city: its Voronoi cells stay
            covered.append(union)
            inner[inside] = True
            for poly in cities.polys[cities.city == c]:
                for piece, site in _assign(poly, sites, inside):
                    pieces.append(piece)
                    owner.append(site)
    cover = shapely.union_all(covered, grid_size=_GRID_M) if covered else None
    return np.array(pieces, dtype=object), np.array(owner, dtype=int), cover, inner


@dataclass(frozen=True)
class _Tessellation:
    """The pieces of a layer: Voronoi cells of the sites outside the cities, then neighbourhoods.

    ``pieces[:n_cells]`` are the Voronoi cells of the *outer* sites (``outer``: the site
    indices, in order) clipped to the outline, minus the cities drawn by neighbourhood;
    ``pieces[n_cells:]`` are those cities' neighbourhood polygons (or parts of them).
    ``piece_site`` gives each piece's site.  A site inside such a city speaks for its
    neighbourhood only: it has no cell outside the city.
    """

    key: str
    site_of: dict  # locality_id -> site index
    sites: np.ndarray  # site points, metric CRS
    outer: np.ndarray  # indices of the sites that have a Voronoi cell
    pieces: np.ndarray  # polygons, metric CRS
    piece_site: np.ndarray  # site index of each piece
    n_cells: int
    outline: object  # outline, metric CRS

    def tree(self) -> shapely.STRtree:
        """Spatial index of the outer sites (built once)."""
        if "_tree" not in self.__dict__:
            object.__setattr__(self, "_tree", shapely.STRtree(self.sites[self.outer]))
        return self.__dict__["_tree"]

    def city_tree(self) -> shapely.STRtree:
        """Spatial index of the neighbourhood pieces (built once)."""
        if "_city_tree" not in self.__dict__:
            object.__setattr__(self, "_city_tree", shapely.STRtree(self.pieces[self.n_cells :]))
        return self.__dict__["_city_tree"]


def _locality_points(localities: gpd.GeoDataFrame, ids) -> tuple[list[str], np.ndarray]:
    """(ids sorted, metric x/y array) of the localities in ``ids`` that have a point geometry.

    A locality listed twice keeps its first point.
    """
    locs = localities
    if locs.crs is not None and not locs.crs.equals(CRS):
        locs = locs.to_crs(CRS)
    lids = locs["locality_id"].to_numpy(dtype=object)
    geoms = np.asarray(locs.geometry.values, dtype=object)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    first: dict = {}
    for i in np.flatnonzero(ok):
        if lids[i] in ids:
            first.setdefault(lids[i], i)
    keys = sorted(first)
    pts = geoms[[first[k] for k in keys]] if keys else np.array([], dtype=object)
    x, y = _TO_METRIC.transform(shapely.get_x(pts), shapely.get_y(pts))
    return keys, np.column_stack([x, y]).reshape(-1, 2)


def _voronoi_cells(uniq: np.ndarray, outline_m) -> np.ndarray:
    """Voronoi cells of the site coordinates ``uniq`` (in order), clipped to the outline."""
    extent = shapely.box(*shapely.bounds(outline_m)).buffer(1_000_000)
    if len(uniq) == 0:
        return np.array([], dtype=object)
    if len(uniq) == 1:
        cells = np.array([extent], dtype=object)
    else:
        vor = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=extent, ordered=True)
        cells = np.asarray(shapely.get_parts(vor), dtype=object)
    return shapely.intersection(cells, outline_m)


def _tessellation(localities, ids, outline, radius_km, neighbourhoods=None) -> _Tessellation:
    outline_key, outline_m = _outline_metric(outline)
    cities = _cities(neighbourhoods, outline_key, outline_m)
    loc_ids, xy = _locality_points(localities, ids)
    h = hashlib.blake2b(digest_size=16)
    h.update("\x1f".join(loc_ids).encode())
    h.update(np.round(xy, 1).tobytes())
    h.update(f"{outline_key}|{radius_km}|{cities.key}".encode())
    key = h.hexdigest()

    def build() -> _Tessellation:
        # duplicate coordinates (to the metre) share one site
        rounded = np.round(xy, 0)
        uniq, inverse = np.unique(rounded, axis=0, return_inverse=True) if len(xy) else (xy, np.array([]))
        inverse = np.asarray(inverse).reshape(-1)
        sites = shapely.points(uniq) if len(uniq) else np.array([], dtype=object)
        pieces, owner, cover, inner = _city_pieces(cities, sites)
        outer = np.flatnonzero(~inner) if (~inner).any() else np.arange(len(sites))
        cells = _voronoi_cells(uniq[outer], outline_m)
        if len(cells) and radius_km is not None:
            discs = shapely.buffer(sites[outer], float(radius_km) * 1000.0, quad_segs=_BUFFER_QUAD_SEGS)
            cells = shapely.intersection(cells, discs)
        if cover is not None:
            shapely.prepare(cover)
            hit = shapely.intersects(cover, cells)
            cells[hit] = shapely.difference(cells[hit], cover, grid_size=_GRID_M)
        site_of = {lid: int(i) for lid, i in zip(loc_ids, inverse, strict=True)}
        # every piece on the 1 m grid, so that neighbours share their edges' vertices exactly
        all_pieces = shapely.set_precision(np.concatenate([np.asarray(cells, dtype=object), pieces]), _GRID_M)
        piece_site = np.concatenate([outer[: len(cells)], owner]).astype(int)
        return _Tessellation(key, site_of, sites, outer, all_pieces, piece_site, len(cells), outline_m)

    return _TESSELLATIONS.get_or(key, build)


def _site_parties(tess: _Tessellation, by_locality) -> list[str]:
    """Party of each site (``by_locality``: id -> party mapping): the common party of its
    localities, else ``contested``."""
    parties: list[set] = [set() for _ in range(len(tess.sites))]
    for lid, party in by_locality.items():
        site = tess.site_of.get(lid)
        if site is not None:
            parties[site].add(party)
    return [next(iter(p)) if len(p) == 1 else (CONTESTED if p else "") for p in parties]


def _party_order(party: str) -> tuple[int, str]:
    order = list(PARTIES)
    return (order.index(party) if party in order else len(order), party)


def _dissolve(tess: _Tessellation, site_parties: list[str]) -> list[tuple[str, object, float]]:
    """[(party, geometry EPSG:4326, area_km2)] of the dissolved pieces, memoised."""
    key = (tess.key, tuple(site_parties))

    def build():
        out = []
        parties = np.array(site_parties, dtype=object)[tess.piece_site] if len(tess.pieces) else np.array([])
        cells = np.arange(len(tess.pieces)) < tess.n_cells
        for party in sorted({p for p in site_parties if p}, key=_party_order):
            mine = parties == party
            # the two parts meet on the cities' edges: a union on the grid nodes them together,
            # so no slit is left where a cell's corner was rounded off a neighbourhood's edge
            parts = [_union(tess.pieces[mine & cells]), _union(tess.pieces[mine & ~cells])]
            merged = _clean(shapely.union_all(parts, grid_size=_GRID_M))
            if merged.is_empty:
                continue
            area = shapely.area(_to_crs(np.array([merged], dtype=object), _TO_EQUAL_AREA))[0] / 1e6
            out.append((party, _to_crs(np.array([merged], dtype=object), _FROM_METRIC)[0], float(area)))
        return out

    return _LAYERS.get_or(key, build)


def _union(pieces: np.ndarray):
    """Union of pieces that tile without overlapping (Voronoi cells; one city's neighbourhoods).

    ``shapely.coverage_union_all`` (several times faster) when the pieces are noded as a
    coverage.  GEOS refuses pieces that are not (e.g. an edge ending inside a neighbour's
    edge) with a GEOSException or returns an invalid geometry (cells cut to discs); then the
    general union does the same job.
    """
    try:
        merged = shapely.coverage_union_all(pieces)
    except shapely.errors.GEOSException:
        return shapely.union_all(pieces)
    return merged if shapely.is_valid(merged) else shapely.union_all(pieces)


def _polygonal(geom):
    """Only the polygonal parts of ``geom`` (intersections may add lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _clean(geom):
    """``geom``'s polygons without slivers: parts and holes under ``MIN_PIECE_M2`` dropped.

    A hole that small is a seam left between pieces of the same party (or a sliver of
    another party, dropped from that party too), so no zero-area ring or internal line is drawn.
    """
    polys = []
    for poly in shapely.get_parts(_polygonal(geom)):
        if poly.area < MIN_PIECE_M2:
            continue
        holes = [ring for ring in poly.interiors if shapely.Polygon(ring).area >= MIN_PIECE_M2]
        polys.append(shapely.Polygon(poly.exterior, holes))
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _empty_zones() -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype=t if t != "str" else object) for c, t in ZONE_COLUMNS.items()}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


# --- public: zones ------------------------------------------------------------------


def zones_at(
    control: pd.DataFrame,
    localities: gpd.GeoDataFrame,
    outline,
    date,
    *,
    method: str = "voronoi",
    radius_km: float | None = None,
    neighbourhoods: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Control zones at ``date``, derived from the locality control table.

    Parameters
    ----------
    control : DataFrame
        Control records (``locality_id``, ``party``, ``valid_from``, ``valid_to``, ``source_id``...).
    localities : GeoDataFrame
        The gazetteer (``locality_id`` + point geometry, any CRS).
    outline : GeoDataFrame, GeoSeries or shapely geometry
        The country outline (a bare geometry is taken as EPSG:4326).
    date : date-like
        The day of the snapshot.
    method : str
        ``"voronoi"`` (the only method so far).
    radius_km : float or None
        ``None`` (default): the full tessellation of the outline.  A number cuts each
        locality's cell to a disc of that radius (land beyond is left out).
    neighbourhoods : GeoDataFrame, optional
        City-neighbourhood polygons (``city`` or ``parent_pcode`` + geometry, any CRS), e.g.
        ``Catalog.neighbourhoods()``: cities holding a locality with a record are drawn by
        neighbourhood (see the module docstring).

    Returns
    -------
    GeoDataFrame
        One row per party: ``party``, ``valid_from``, ``valid_to``, ``method`` ("derived"),
        ``source`` (the records' ``source_id`` joined with ";"), ``area_km2`` and
        ``geometry`` (EPSG:4326), ordered as ``geo.schema.PARTIES``.
    """
    if method != "voronoi":
        raise ValueError(f"unknown zone method {method!r} (known: 'voronoi')")
    day = _day(date)
    records = control_at(control, day)
    if records.empty:
        return _empty_zones().assign(area_km2=pd.Series(dtype=float))
    by_locality = _party_by_locality(records)
    tess = _tessellation(localities, set(by_locality.index), outline, radius_km, neighbourhoods)
    placed = {lid: party for lid, party in by_locality.items() if lid in tess.site_of}
    parts = _dissolve(tess, _site_parties(tess, placed))
    rows = _zone_rows(parts, placed, records, *_span(control, day))
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    for col in ("valid_from", "valid_to"):
        gdf[col] = pd.to_datetime(gdf[col]).astype("datetime64[ns]")
    return gdf


def _zone_rows(parts, placed: dict, records: pd.DataFrame, valid_from, valid_to) -> list[dict]:
    """One zone row per dissolved party, with the sources of the records of its localities."""
    sources: dict = {}
    for lid, src in zip(records["locality_id"].to_numpy(dtype=object), records["source_id"].to_numpy(dtype=object), strict=True):
        party = placed.get(lid)
        if party is not None and isinstance(src, str) and src and src != "nan":
            sources.setdefault(party, set()).add(src)
    return [
        {
            "party": party,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "method": "derived",
            "source": ";".join(sorted(sources.get(party, ()))),
            "area_km2": area,
            "geometry": geom,
        }
        for party, geom, area in parts
    ]


def zones_from_polygons(zones: gpd.GeoDataFrame, date) -> gpd.GeoDataFrame:
    """Imported zones (polygons with ``valid_from``/``valid_to``) valid at ``date``.

    Parameters
    ----------
    zones : GeoDataFrame
        Zone records (``geo.schema.ZONE_COLUMNS`` + geometry); ``method`` defaults to "imported".
    date : date-like
        The day asked about.

    Returns
    -------
    GeoDataFrame
        The zones valid at the date, in EPSG:4326, fresh index.
    """
    if zones is None or len(zones) == 0:
        return _empty_zones()
    day = _day(date)
    out = zones.loc[_valid_mask(zones, day)].copy()
    if "method" not in out.columns:
        out["method"] = "imported"
    else:
        out["method"] = out["method"].replace("", "imported").fillna("imported")
    if out.crs is not None and not out.crs.equals(CRS):
        out = out.to_crs(CRS)
    return out.reset_index(drop=True)


def overlay_zones(derived: gpd.GeoDataFrame, imported: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Imported zones laid over derived ones: derived zones keep only what imported ones leave.

    Parameters
    ----------
    derived, imported : GeoDataFrame
        Zones (``geo.schema.ZONE_COLUMNS`` + geometry) in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        The imported zones followed by the non-empty remainders of the derived zones, with
        ``area_km2`` recomputed in the equal-area CRS.

    Examples
    --------
    An empty imported layer leaves the derived zones as they are (areas recomputed).
    """
    cover = imported.geometry.union_all() if len(imported) else None
    rest = derived.copy()
    if cover is not None and not cover.is_empty:
        rest["geometry"] = rest.geometry.difference(cover)
        rest = rest.loc[~rest.geometry.is_empty & rest.geometry.notna()]
    out = gpd.GeoDataFrame(pd.concat([imported, rest], ignore_index=True), geometry="geometry", crs=CRS)
    out["area_km2"] = out.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6
    return out


# --- public: party of points ------------------------------------------------------


def party_at(
    points: gpd.GeoDataFrame,
    dates: pd.Series,
    control: pd.DataFrame,
    localities: gpd.GeoDataFrame,
    outline,
    *,
    radius_km: float | None = None,
    neighbourhoods: gpd.GeoDataFrame | None = None,
) -> pd.Series:
    """The party holding each point's place on each point's own date.

    Each point is joined with the control layer of its own date, built from the same pieces
    as :func:`zones_at`: inside a city drawn by neighbourhood, the party of the neighbourhood
    (piece) holding the point; elsewhere the point lies in the Voronoi cell of the nearest
    locality that has a record that day, so that locality's party is the answer
    (``contested`` where records disagree).  Points without a geometry or a date (or, with
    ``radius_km``, farther than that from every such locality) get "".  Points a little
    outside the outline (border camps) still take their nearest locality's party.

    Parameters
    ----------
    points : GeoDataFrame
        Points (any CRS).
    dates : Series, array or one date
        One date per point (a Series is aligned on ``points.index`` when its index differs;
        an array is taken in order), e.g. ``events["date_start"]``, or one date for all.
    control, localities, outline
        As in :func:`zones_at`.
    radius_km, neighbourhoods
        As in :func:`zones_at`.

    Returns
    -------
    Series
        Party per point (str), indexed like ``points``.
    """
    out = np.full(len(points), "", dtype=object)
    if len(points) == 0:
        return pd.Series(out, index=points.index, name="party")
    geom, days = _points_and_days(points, dates)
    ok = (geom.notna() & ~geom.is_empty & days.notna()).to_numpy()
    if ok.any():
        x, y = _TO_METRIC.transform(geom[ok].x.to_numpy(), geom[ok].y.to_numpy())
        segment = _segment_days(control, days[ok])
        metric = pd.DataFrame({"x": x, "y": y, "day": segment.to_numpy(), "pos": np.flatnonzero(ok)})
        for day, group in metric.groupby("day", sort=False):
            records = control_at(control, day)
            if records.empty:
                continue
            by_locality = _party_by_locality(records)
            tess = _tessellation(localities, set(by_locality.index), outline, radius_km, neighbourhoods)
            if len(tess.sites) == 0:
                continue
            site_parties = np.array(_site_parties(tess, by_locality), dtype=object)
            sites = _sites_of(tess, shapely.points(group[["x", "y"]].to_numpy()), radius_km)
            found = sites >= 0
            out[group["pos"].to_numpy()[found]] = site_parties[sites[found]]
    return pd.Series(out, index=points.index, name="party")


def _points_and_days(points: gpd.GeoDataFrame, dates) -> tuple[gpd.GeoSeries, pd.Series]:
    """(geometry in EPSG:4326, normalised day) of each point, both on a fresh 0..n-1 index."""
    pts = points if points.crs is None or points.crs.equals(CRS) else points.to_crs(CRS)
    if np.ndim(dates) == 0:  # one date for every point
        dates = pd.Series(dates, index=points.index)
    elif isinstance(dates, pd.Series) and not dates.index.equals(points.index):
        dates = dates.reindex(points.index)
    return pts.geometry.reset_index(drop=True), pd.Series(pd.to_datetime(np.asarray(dates))).dt.normalize()


def _sites_of(tess: _Tessellation, query: np.ndarray, radius_km: float | None) -> np.ndarray:
    """Site index of each metric point: its neighbourhood piece's, else its nearest (-1: none)."""
    sites = np.full(len(query), -1, dtype=int)
    if len(tess.pieces) > tess.n_cells:
        at, piece = tess.city_tree().query(query, predicate="intersects")
        sites[at[::-1]] = tess.piece_site[tess.n_cells + piece[::-1]]  # the first piece wins
    rest = np.flatnonzero(sites < 0)
    if len(rest):
        idx, dist = tess.tree().query_nearest(query[rest], return_distance=True, all_matches=False)
        near = tess.outer[idx[1]]
        if radius_km is not None:
            near = np.where(dist <= float(radius_km) * 1000.0, near, -1)
        sites[rest[idx[0]]] = near
    return sites


# --- public: change over time ----------------------------------------------------


def _locality_timeline(records: pd.DataFrame, d1: pd.Timestamp, d2: pd.Timestamp):
    """(party at d1, party at d2, [change days in (d1, d2]], [parties in order])."""

    def party_on(day):
        """The party of the locality's records valid on ``day``.

        Parameters
        ----------
        day : Timestamp
            The day.

        Returns
        -------
        str
            The party; ``contested`` when the valid records disagree; "" when none is valid.
        """
        valid = records.loc[_valid_mask(records, day), "party"]
        if valid.empty:
            return ""
        return valid.iloc[0] if valid.nunique() == 1 else CONTESTED

    bounds = pd.concat([pd.to_datetime(records["valid_from"]), pd.to_datetime(records["valid_to"])])
    bounds = sorted({b for b in bounds.dropna() if d1 < b <= d2})
    first = party_on(d1)
    current, changes, path = first, [], [first]
    for b in bounds:
        p = party_on(b)
        if p != current:
            changes.append(b)
            path.append(p)
            current = p
    return first, current, changes, path


def changes_between(control: pd.DataFrame, localities, d1, d2, *, include_reverted: bool = True) -> pd.DataFrame:
    """Localities whose controlling party changed between two dates.

    Parameters
    ----------
    control : DataFrame
        Control records.
    localities : DataFrame or GeoDataFrame
        The gazetteer (for ``name_en``); may be None.
    d1, d2 : date-like
        The two days (swapped if given in reverse order).
    include_reverted : bool
        Also list localities that changed hands and were back with the same party at ``d2``.

    Returns
    -------
    DataFrame
        ``locality_id``, ``name_en``, ``from_party`` (at d1; "" = no record), ``to_party`` (at d2),
        ``change_dates`` (ISO days in (d1, d2], ", "-joined), ``path`` ("a → b → a"),
        ``first_change`` (datetime), sorted by first change then name.
    """
    a, b = sorted([_day(d1), _day(d2)])
    cols = ["locality_id", "name_en", "from_party", "to_party", "change_dates", "path", "first_change"]
    rows = []
    for lid, recs in control.groupby("locality_id", sort=True):
        first, last, changes, path = _locality_timeline(recs, a, b)
        if not changes or (first == last and not include_reverted):
            continue
        rows.append(
            {
                "locality_id": lid,
                "from_party": first,
                "to_party": last,
                "change_dates": ", ".join(c.strftime("%Y-%m-%d") for c in changes),
                "path": " → ".join(p or "(no record)" for p in path),
                "first_change": changes[0],
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "name_en"])
    names = {}
    if localities is not None and len(localities):
        names = dict(zip(localities["locality_id"], localities["name_en"], strict=False))
    out.insert(1, "name_en", out["locality_id"].map(names).fillna(""))
    out["first_change"] = pd.to_datetime(out["first_change"]).astype("datetime64[ns]")
    return out.sort_values(["first_change", "name_en"], ignore_index=True)[cols]


def changed_areas(
    control: pd.DataFrame,
    localities: gpd.GeoDataFrame,
    outline,
    d1,
    d2,
    *,
    radius_km: float | None = None,
    min_area_km2: float = 0.5,
    neighbourhoods: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Areas whose controlling party differs between ``d1`` and ``d2``.

    Only land attributed to a party on both days is compared (with ``radius_km``, land
    outside every cell on either day is not drawn).  Pieces smaller than ``min_area_km2``
    are dropped (slivers).  ``radius_km`` and ``neighbourhoods`` as in :func:`zones_at`.

    Parameters
    ----------
    control : DataFrame
        Locality-level control records.
    localities : GeoDataFrame
        Locality points the control records refer to.
    outline : GeoDataFrame, GeoSeries or shapely geometry
        The country outline, as in :func:`zones_at`.
    d1 : date-like
        The first day.
    d2 : date-like
        The second day.
    radius_km : float, optional
        Farthest distance (km) from a locality its cell reaches, as in :func:`zones_at`; None: no limit.
    min_area_km2 : float, default 0.5
        Smallest changed piece kept (km²).
    neighbourhoods : GeoDataFrame, optional
        City neighbourhood polygons, as in :func:`zones_at`.

    Returns
    -------
    GeoDataFrame
        ``from_party``, ``to_party``, ``area_km2`` (equal-area CRS), geometry (EPSG:4326).
    """
    z1 = zones_at(control, localities, outline, d1, radius_km=radius_km, neighbourhoods=neighbourhoods)
    z2 = zones_at(control, localities, outline, d2, radius_km=radius_km, neighbourhoods=neighbourhoods)
    rows = []
    if len(z1) and len(z2):
        g1 = z1.to_crs(EQUAL_AREA_CRS)
        g2 = z2.to_crs(EQUAL_AREA_CRS)
        for p1, a in zip(g1["party"], g1.geometry, strict=True):
            for p2, b in zip(g2["party"], g2.geometry, strict=True):
                if p1 == p2 or not a.intersects(b):
                    continue
                piece = _polygonal(shapely.intersection(a, b, grid_size=_GRID_M))
                area = piece.area / 1e6
                if piece.is_empty or area < min_area_km2:
                    continue
                rows.append({"from_party": p1, "to_party": p2, "area_km2": area, "geometry": piece})
    if not rows:
        return gpd.GeoDataFrame(
            {"from_party": [], "to_party": [], "area_km2": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=EQUAL_AREA_CRS).to_crs(CRS)
    return out.sort_values("area_km2", ascending=False, ignore_index=True)


def area_by_party(
    control: pd.DataFrame,
    localities: gpd.GeoDataFrame,
    outline,
    dates,
    *,
    radius_km: float | None = None,
    neighbourhoods: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Area held by each party (km², in ``geo.schema.EQUAL_AREA_CRS``) on each date.

    ``radius_km`` and ``neighbourhoods`` as in :func:`zones_at`.

    Parameters
    ----------
    control : DataFrame
        Locality-level control records.
    localities : GeoDataFrame
        Locality points the control records refer to.
    outline : GeoDataFrame, GeoSeries or shapely geometry
        The country outline, as in :func:`zones_at`.
    dates : iterable of date-like
        The days to measure.
    radius_km : float, optional
        Farthest distance (km) from a locality its cell reaches, as in :func:`zones_at`; None: no limit.
    neighbourhoods : GeoDataFrame, optional
        City neighbourhood polygons, as in :func:`zones_at`.

    Returns
    -------
    DataFrame
        ``date``, ``party``, ``area_km2`` (one row per party present that day).
    """
    days = pd.Series([_day(d) for d in dates], dtype="datetime64[ns]")
    reps = _segment_days(control, days)
    per_rep = {}
    for rep in reps.unique():
        z = zones_at(control, localities, outline, rep, radius_km=radius_km, neighbourhoods=neighbourhoods)
        per_rep[rep] = list(zip(z["party"], z["area_km2"], strict=True))
    rows = []
    for day, rep in zip(days, reps, strict=True):
        for party, area in per_rep[rep]:
            rows.append({"date": day, "party": party, "area_km2": float(area)})
    out = pd.DataFrame(rows, columns=["date", "party", "area_km2"])
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    return out
