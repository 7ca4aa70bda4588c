"""Control of territory over time: from the locality control table to zones and parties.

The control table (``geo.schema.CONTROL_COLUMNS``) says which party held each locality and
when (``valid_from`` inclusive, ``valid_to`` exclusive, NaT = still valid).  Zones are
*derived* from it, so that editing the table moves the zones:

1. the localities that have a control record valid at the date are the generators;
2. their Voronoi tessellation is computed in a metric CRS (``geo.schema.METRIC_CRS``) and
   clipped to the country outline;
3. each cell is optionally limited to ``radius_km`` around its locality
   (``DEFAULT_RADIUS_KM``): land farther than that from every known locality is **not
   attributed to anyone and not drawn**, rather than handed to whoever holds the nearest town
   across 100 km of desert.  Pass ``radius_km=None`` for a full tessellation of the outline;
4. the cells are dissolved by party.

Conflicts are made visible rather than resolved silently: when one locality has several
records valid on the same day with different parties, or several localities share the same
coordinates with different parties, the place is ``contested``.

Every zone of a derived layer carries the span ``[valid_from, valid_to)`` around the date over
which the layer does not change (the latest record boundary on or before the date and the
next one after it, across all records), ``method`` "derived" and the joined ``source_id`` of
the records behind it.

Tessellations are memoised on the set of generator localities (ids and coordinates), the
outline and the radius; dissolved layers on the tessellation and the party of every cell.  A
second call for another date with the same party assignment costs a table filter.
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

#: Default limit of a locality's cell (km).  40 km is about the spacing of the sparsest
#: settled areas (the Euphrates valley, the Homs desert rim); beyond it nothing is known.
DEFAULT_RADIUS_KM: float | None = 40.0
#: Party given to a place whose records disagree on one day.
CONTESTED = "contested"
#: Quadrant segments of the circles that bound cells (16 = 64 vertices per circle).
_BUFFER_QUAD_SEGS = 16
#: Precision grid (metres) of the dissolve: removes slivers between neighbouring cells.
_GRID_M = 1.0
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
    """locality_id -> party; several different parties on one day -> ``contested``."""
    if records.empty:
        return pd.Series(dtype=object)
    pairs = records[["locality_id", "party"]].drop_duplicates("locality_id", keep=False)
    disputed = records.loc[~records["locality_id"].isin(pairs["locality_id"]), "locality_id"]
    distinct = records[records["locality_id"].isin(disputed)].drop_duplicates(["locality_id", "party"])
    multi = distinct["locality_id"].duplicated(keep=False)
    single = distinct.loc[~multi, ["locality_id", "party"]]
    contested = pd.DataFrame({"locality_id": distinct.loc[multi, "locality_id"].unique(), "party": CONTESTED})
    out = pd.concat([pairs, single, contested], ignore_index=True)
    return out.set_index("locality_id")["party"].sort_index()


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
class _Tessellation:
    """Voronoi cells of the distinct sites (coordinates) of a set of localities."""

    key: str
    site_of: dict  # locality_id -> site index
    sites: np.ndarray  # site points, metric CRS
    cells: np.ndarray  # site cells clipped (outline, radius), metric CRS
    outline: object  # outline, metric CRS

    def tree(self) -> shapely.STRtree:
        """Spatial index of the sites (built once)."""
        if "_tree" not in self.__dict__:
            object.__setattr__(self, "_tree", shapely.STRtree(self.sites))
        return self.__dict__["_tree"]


def _locality_points(localities: gpd.GeoDataFrame, ids) -> tuple[list[str], np.ndarray]:
    """(ids, metric x/y array) of the localities in ``ids`` that have a point geometry."""
    locs = localities
    if locs.crs is not None and not locs.crs.equals(CRS):
        locs = locs.to_crs(CRS)
    locs = locs[locs["locality_id"].isin(ids)]
    geom = locs.geometry
    ok = geom.notna() & ~geom.is_empty
    locs = locs[ok.to_numpy()].drop_duplicates("locality_id").sort_values("locality_id")
    x, y = _TO_METRIC.transform(locs.geometry.x.to_numpy(), locs.geometry.y.to_numpy())
    return locs["locality_id"].tolist(), np.column_stack([x, y])


def _tessellation(localities, ids, outline, radius_km) -> _Tessellation:
    outline_key, outline_m = _outline_metric(outline)
    loc_ids, xy = _locality_points(localities, ids)
    h = hashlib.blake2b(digest_size=16)
    h.update("\x1f".join(loc_ids).encode())
    h.update(np.round(xy, 1).tobytes())
    h.update(f"{outline_key}|{radius_km}".encode())
    key = h.hexdigest()

    def build() -> _Tessellation:
        # duplicate coordinates (to the metre) share one site
        rounded = np.round(xy, 0)
        uniq, inverse = np.unique(rounded, axis=0, return_inverse=True) if len(xy) else (xy, np.array([]))
        inverse = np.asarray(inverse).reshape(-1)
        sites = shapely.points(uniq) if len(uniq) else np.array([], dtype=object)
        extent = shapely.box(*shapely.bounds(outline_m)).buffer(1_000_000)
        if len(uniq) == 0:
            cells = np.array([], dtype=object)
        elif len(uniq) == 1:
            cells = np.array([extent], dtype=object)
        else:
            vor = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=extent, ordered=True)
            cells = np.asarray(shapely.get_parts(vor), dtype=object)
        if len(cells):
            cells = shapely.intersection(cells, outline_m)
            if radius_km is not None:
                discs = shapely.buffer(sites, float(radius_km) * 1000.0, quad_segs=_BUFFER_QUAD_SEGS)
                cells = shapely.intersection(cells, discs)
        site_of = {lid: int(i) for lid, i in zip(loc_ids, inverse, strict=True)}
        return _Tessellation(key, site_of, sites, cells, outline_m)

    return _TESSELLATIONS.get_or(key, build)


def _site_parties(tess: _Tessellation, by_locality: pd.Series) -> list[str]:
    """Party of each site: the common party of its localities, else ``contested``."""
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
    """[(party, geometry EPSG:4326, area_km2)] of the dissolved cells, memoised."""
    key = (tess.key, tuple(site_parties))

    def build():
        out = []
        parties = np.array(site_parties, dtype=object)
        for party in sorted({p for p in site_parties if p}, key=_party_order):
            parts = tess.cells[parties == party]
            merged = _polygonal(shapely.union_all(parts, grid_size=_GRID_M))
            if merged.is_empty:
                continue
            area = shapely.area(_to_crs(np.array([merged], dtype=object), _TO_EQUAL_AREA))[0] / 1e6
            out.append((party, _to_crs(np.array([merged], dtype=object), _FROM_METRIC)[0], float(area)))
        return out

    return _LAYERS.get_or(key, build)


def _polygonal(geom):
    """Only the polygonal parts of ``geom`` (intersections may add lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


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
    radius_km: float | None = DEFAULT_RADIUS_KM,
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
        Limit of each locality's cell; land beyond it is left out.  ``None`` = full tessellation.

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
    tess = _tessellation(localities, set(by_locality.index), outline, radius_km)
    placed = by_locality[by_locality.index.isin(list(tess.site_of))]
    site_parties = _site_parties(tess, placed)
    parts = _dissolve(tess, site_parties)
    valid_from, valid_to = _span(control, day)
    placed_records = records[records["locality_id"].isin(list(tess.site_of))]
    rows = []
    for party, geom, area in parts:
        ids = set(placed.index[placed == party])
        srcs = placed_records.loc[placed_records["locality_id"].isin(ids), "source_id"]
        source = ";".join(sorted({s for s in srcs.astype(str) if s and s != "nan"}))
        rows.append(
            {
                "party": party,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "method": "derived",
                "source": source,
                "area_km2": area,
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    for col in ("valid_from", "valid_to"):
        gdf[col] = pd.to_datetime(gdf[col]).astype("datetime64[ns]")
    return gdf


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
    radius_km: float | None = DEFAULT_RADIUS_KM,
) -> pd.Series:
    """The party holding each point's place on each point's own date.

    Each point is joined with the control layer of its own date: the point lies in the
    Voronoi cell of the nearest locality that has a record that day, so that locality's
    party is the answer (``contested`` where records disagree).  Points farther than
    ``radius_km`` from every such locality, without a geometry or a date get "".  Points a
    little outside the outline (border camps) still take their nearest locality's party.

    Parameters
    ----------
    points : GeoDataFrame
        Points (any CRS).
    dates : Series, array or one date
        One date per point (a Series is aligned on ``points.index`` when its index differs;
        an array is taken in order), e.g. ``events["date_start"]``, or one date for all.
    control, localities, outline
        As in :func:`zones_at`.
    radius_km : float or None
        As in :func:`zones_at`.

    Returns
    -------
    Series
        Party per point (str), indexed like ``points``.
    """
    out = np.full(len(points), "", dtype=object)
    if len(points) == 0:
        return pd.Series(out, index=points.index, name="party")
    pts = points if points.crs is None or points.crs.equals(CRS) else points.to_crs(CRS)
    geom = pts.geometry.reset_index(drop=True)
    if np.ndim(dates) == 0:  # one date for every point
        dates = pd.Series(dates, index=points.index)
    elif isinstance(dates, pd.Series) and not dates.index.equals(points.index):
        dates = dates.reindex(points.index)
    days = pd.Series(pd.to_datetime(np.asarray(dates))).dt.normalize()
    ok = (geom.notna() & ~geom.is_empty & days.notna()).to_numpy()
    if ok.any():
        x, y = _TO_METRIC.transform(geom[ok].x.to_numpy(), geom[ok].y.to_numpy())
        segment = _segment_days(control, days[ok])
        metric = pd.DataFrame({"x": x, "y": y, "day": segment.to_numpy(), "pos": np.flatnonzero(ok)})
        limit = None if radius_km is None else float(radius_km) * 1000.0
        for day, group in metric.groupby("day", sort=False):
            records = control_at(control, day)
            if records.empty:
                continue
            by_locality = _party_by_locality(records)
            tess = _tessellation(localities, set(by_locality.index), outline, radius_km)
            if len(tess.sites) == 0:
                continue
            site_parties = np.array(_site_parties(tess, by_locality), dtype=object)
            query = shapely.points(group[["x", "y"]].to_numpy())
            idx, dist = tess.tree().query_nearest(query, return_distance=True, all_matches=False)
            answer = site_parties[idx[1]]
            if limit is not None:
                answer = np.where(dist <= limit, answer, "")
            out[group["pos"].to_numpy()[idx[0]]] = answer
    return pd.Series(out, index=points.index, name="party")


#: How a popup names the holder of a place ("shelling of an opposition-held town").
HELD_ADJECTIVE: dict[str, str] = {
    "government": "government-held",
    "opposition": "opposition-held",
    "hts": "HTS-held",
    "islamic_state": "IS-held",
    "sdf": "SDF-held",
    "euphrates_shield": "Euphrates Shield-held",
    "contested": "contested",
}


def held_label(party: str) -> str:
    """Adjective for the holder of a place: ``"opposition"`` -> ``"opposition-held"``.

    "" (no locality with a record within reach) gives "of unknown control".
    """
    if not party or (isinstance(party, float) and pd.isna(party)):
        return "of unknown control"
    return HELD_ADJECTIVE.get(str(party), f"{party}-held")


# --- public: change over time ----------------------------------------------------


def _locality_timeline(records: pd.DataFrame, d1: pd.Timestamp, d2: pd.Timestamp):
    """(party at d1, party at d2, [change days in (d1, d2]], [parties in order])."""

    def party_on(day):
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
    radius_km: float | None = DEFAULT_RADIUS_KM,
    min_area_km2: float = 0.5,
) -> gpd.GeoDataFrame:
    """Areas whose controlling party differs between ``d1`` and ``d2``.

    Only land attributed to a party on both days is compared (land outside every cell on
    either day is not drawn).  Pieces smaller than ``min_area_km2`` are dropped (slivers).

    Returns
    -------
    GeoDataFrame
        ``from_party``, ``to_party``, ``area_km2`` (equal-area CRS), geometry (EPSG:4326).
    """
    z1 = zones_at(control, localities, outline, d1, radius_km=radius_km)
    z2 = zones_at(control, localities, outline, d2, radius_km=radius_km)
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
    radius_km: float | None = DEFAULT_RADIUS_KM,
) -> pd.DataFrame:
    """Area held by each party (km², in ``geo.schema.EQUAL_AREA_CRS``) on each date.

    Returns
    -------
    DataFrame
        ``date``, ``party``, ``area_km2`` (one row per party present that day).
    """
    days = pd.Series([_day(d) for d in dates], dtype="datetime64[ns]")
    reps = _segment_days(control, days)
    per_rep = {}
    for rep in reps.unique():
        z = zones_at(control, localities, outline, rep, radius_km=radius_km)
        per_rep[rep] = list(zip(z["party"], z["area_km2"], strict=True))
    rows = []
    for day, rep in zip(days, reps, strict=True):
        for party, area in per_rep[rep]:
            rows.append({"date": day, "party": party, "area_km2": float(area)})
    out = pd.DataFrame(rows, columns=["date", "party", "area_km2"])
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    return out
