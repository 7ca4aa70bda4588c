"""What a briefing shows, gathered from a catalog for one view state.

``gather(state, catalog)`` asks the catalog (``geo.catalog.Catalog`` or any object with the same
methods) for boundaries, control zones at the control date, cited towns and the events of the
view, and returns them in EPSG:4326 together with the footer facts (sources, dataset version,
whether any data is synthetic).  A layer that cannot be read is left out and named in
``BriefingData.missing`` so the image says what it does not show instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from geo.datasets import BOUNDARY_ATTRIBUTION
from geo.schema import CRS
from geo.vocabulary import TRUCE_CLASSES
from webapp.viewstate import ViewState

#: geo_precision values drawn with a filled marker; anything else is drawn hollow (imprecise).
PRECISE = ("exact", "near")
#: At most this many town labels are attempted (priority: citations, then population).
MAX_TOWNS = 60
#: Populous localities read for orientation labels (grey, drawn under the cited towns).
CONTEXT_PLACES = 400


@dataclass
class BriefingData:
    """Everything one briefing draws (GeoDataFrames in EPSG:4326)."""

    state: ViewState
    outline: gpd.GeoDataFrame | None = None
    governorates: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    places: gpd.GeoDataFrame | None = None  # populous localities, for orientation only
    events: gpd.GeoDataFrame | None = None
    events_total: int = 0
    #: District choropleth (``state.choro`` events/fatalities): ``geo.admin.district_totals`` of
    #: the view's events, and how many of those events the districts hold / the view has.
    districts: gpd.GeoDataFrame | None = None
    district_placed: int = 0
    district_events: int = 0
    sources: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)
    version: str = ""
    synthetic: bool = False
    missing: list[str] = field(default_factory=list)
    #: The governorate boundaries in use are the official OCHA COD-AB ones (shipped, or imported
    #: and marked official); False for an imported file that is not; None when the catalog cannot say.
    official: bool | None = None
    filter_notes: list[str] = field(default_factory=list)


def _to_wgs84(gdf):
    if gdf is None:
        return None
    if not isinstance(gdf, gpd.GeoDataFrame):
        return gdf
    if gdf.crs is None:
        return gdf.set_crs(CRS)
    return gdf if gdf.crs.equals(CRS) else gdf.to_crs(CRS)


def _call(data: BriefingData, what: str, fn, *args):
    """``fn(*args)`` or None with ``what`` recorded as missing (reason shortened)."""
    try:
        return fn(*args)
    # A layer whose data cannot be read (a file missing or unreadable: OSError; a damaged store:
    # geo.store.StoreError, a ValueError): the export shows what it has and names what is missing.
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        data.missing.append(f"{what} ({reason})")
        return None


# --- events and towns: the same logic as the Map page (geo/view.py) ---------------------------------
def view_events(catalog, state: ViewState) -> tuple[gpd.GeoDataFrame, int]:
    """The classified events of ``state`` and the number of events in the data before filtering."""
    from geo import view

    events = _to_wgs84(catalog.events())
    total = len(events)
    return view.filter_view(view.classify_events(events, catalog), state), total


def view_towns(catalog, state: ViewState) -> gpd.GeoDataFrame:
    """Cited towns (most cited first) with the holder on the control date."""
    from geo.citations import cited_towns

    return _to_wgs84(cited_towns(catalog=catalog, day=pd.Timestamp(state.date), start=state.start, end=state.end))


def context_places(catalog, limit: int = CONTEXT_PLACES) -> gpd.GeoDataFrame:
    """The most populous localities (name, population, point), for orientation labels."""
    locs = _to_wgs84(catalog.localities())
    pop = pd.to_numeric(locs["population"], errors="coerce").fillna(0)
    locs = locs.assign(population=pop)[pop > 0].sort_values("population", ascending=False, kind="stable")
    return locs[["locality_id", "name_en", "population", "geometry"]].head(limit).reset_index(drop=True)


# --- footer facts -------------------------------------------------------------------------------
def _source_lines(data: BriefingData, catalog, events=None) -> None:
    """Footer lines: event datasets, report outlets, boundary credit, zones, places.

    ``events``: the events drawn or counted (default ``data.events``; the choropleth's events
    when the event layer is off).
    """
    events = data.events if events is None else events
    outlets: list[str] = []
    sources = _call(data, "source list", catalog.sources) if hasattr(catalog, "sources") else None
    if sources is not None and len(sources):
        cited = set()
        if events is not None and "source_id" in events.columns:
            cited |= set(events["source_id"].astype(str))
        col = "outlet" if "outlet" in sources.columns else sources.columns[0]
        used = sources[sources["source_id"].astype(str).isin(cited)] if cited else sources
        outlets = sorted({str(o) for o in used[col] if str(o).strip()})
    if events is not None and len(events) and "dataset" in events.columns:
        sets = sorted({str(d) for d in events["dataset"] if str(d).strip()})
        if sets:
            data.sources.append("Events: " + ", ".join(sets) + " datasets")
    if outlets:
        shown = outlets[:12]
        more = f" and {len(outlets) - 12} more" if len(outlets) > 12 else ""
        data.sources.append("Reports: " + "; ".join(shown) + more)
    bsrc = set()
    for gdf in (data.outline, data.governorates):
        if gdf is not None and "source" in gdf.columns:
            bsrc |= {str(s) for s in gdf["source"] if str(s).strip()}
    if bsrc:
        # The licence of the OCHA / UNCS boundaries (shipped or imported) asks for this credit.
        others = sorted(s for s in bsrc if not s.startswith("OCHA"))
        if len(others) < len(bsrc):
            data.attribution.append(BOUNDARY_ATTRIBUTION)
        if others:
            data.attribution.append("Boundaries: " + "; ".join(others))
    if data.zones is not None and len(data.zones):
        method = ", ".join(sorted({str(m) for m in data.zones.get("method", pd.Series(["derived"]))}))
        data.attribution.append(f"Control zones {method} from locality control records")
    if data.towns is not None and len(data.towns):
        data.attribution.append("Places: GeoNames (CC BY 4.0) and curated localities")


def district_counts(catalog, events) -> gpd.GeoDataFrame:
    """``geo.admin.district_totals`` of ``events`` over the catalog's districts (``boundaries(2)``)."""
    from geo.admin import district_totals

    admin2 = _to_wgs84(catalog.boundaries(2))
    if admin2 is None or len(admin2) == 0:
        raise ValueError("no district boundaries")
    return district_totals(events, admin2)


def _gather_districts(data: BriefingData, catalog, state: ViewState):
    """The choropleth of ``state.choro`` (the view's events, even with the event layer off);
    returns the events it counts (None when off or unreadable)."""
    if state.choro == "off":
        return None
    events = data.events
    if events is None:
        got = _call(data, "events for the district colours", view_events, catalog, state)
        events = None if got is None else got[0]
    if events is None:
        return None
    data.districts = _call(data, f"districts coloured by {state.choro}", district_counts, catalog, events)
    if data.districts is not None:
        data.district_placed = int(data.districts["events"].sum())
        data.district_events = len(events)
    return events


def _is_synthetic(*frames) -> bool:
    for gdf in frames:
        if gdf is None or len(gdf) == 0:
            continue
        for col in ("dataset", "source", "method"):
            if col in gdf.columns and gdf[col].astype(str).str.contains("synthetic", case=False).any():
                return True
    return False


# --- the whole --------------------------------------------------------------------------------
def gather(state: ViewState, catalog, layers=None, version: str | None = None) -> BriefingData:
    """Everything the briefing of ``state`` draws, read from ``catalog``.

    Parameters
    ----------
    state : ViewState
        The view (control date, event range, filters).
    catalog : geo.catalog.Catalog or compatible
        Provides ``boundaries(level)`` (level 2, the districts, when ``state.choro`` is on), ``zones(date)``, ``localities()``, ``citations()``,
        ``events()``, ``sources()``.
    layers : iterable of str, optional
        Layers to gather (default: ``state.layers``).
    version : str, optional
        Dataset version for the footer (default: ``briefing.version.dataset_version``).
    """
    layers = tuple(state.layers if layers is None else layers)
    data = BriefingData(state=state)
    data.outline = _to_wgs84(_call(data, "country outline", catalog.boundaries, 0))
    if "boundaries" in layers:
        data.governorates = _to_wgs84(_call(data, "governorate boundaries", catalog.boundaries, 1))
        if hasattr(catalog, "boundaries_are_official"):  # a catalog without it: not called official
            data.official = _call(data, "boundary precision", catalog.boundaries_are_official, 1)
    if "zones" in layers:
        zones = _to_wgs84(_call(data, "control zones", catalog.zones, pd.Timestamp(state.date)))
        if zones is not None and len(zones):
            zones = zones[~zones.geometry.is_empty & zones.geometry.notna()]
        data.zones = zones
    if "towns" in layers:
        data.towns = _call(data, "cited towns", view_towns, catalog, state)
        data.places = _call(data, "place names", context_places, catalog)
    if "events" in layers:
        got = _call(data, "events", view_events, catalog, state)
        if got is not None:
            data.events, data.events_total = got
    counted = _gather_districts(data, catalog, state)
    _source_lines(data, catalog, data.events if data.events is not None else counted)
    data.synthetic = _is_synthetic(data.events, data.towns, data.zones, data.outline)
    if version is None:
        from briefing.version import dataset_version

        store = getattr(getattr(catalog, "store", None), "path", None)
        kwargs = {"data_dir": catalog.data_dir} if hasattr(catalog, "data_dir") else {}
        version = dataset_version(store_path=store, **kwargs)
    data.version = version
    return data


def as_date(value) -> date:
    return pd.Timestamp(value).date()


__all__ = ["BriefingData", "gather", "view_events", "view_towns", "PRECISE", "TRUCE_CLASSES", "MAX_TOWNS"]
