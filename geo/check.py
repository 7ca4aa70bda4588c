"""Data-quality checks over the merged data: findings with a code and neutral evidence.

Each check returns a DataFrame with a ``code`` column and evidence columns (IDs, dates, km),
one row per finding; front ends (``python cli.py check``, the Data page) word them.

Codes
-----
``actor_zone_conflict``
    A precisely placed and dated event (place ``exact``/``near``, date ``day``/``days``) whose
    sides name at least one party that holds ground, where neither side's party holds the place
    that day (``held_by``, the map's control layer via :func:`geo.view.classify_events`) and the
    nearest locality held by any of the sides' parties that day is more than ``zone_km`` away
    (or there is none).  Places without a holder or held by ``contested`` are not checked.
    Ground-holding parties are ``geo.schema.PARTIES`` except ``contested``; ``turkey`` stands for
    ``euphrates_shield`` (Turkish troops fight with the factions they back) and an umbrella name
    (UCDP "Syrian insurgents", kind ``umbrella`` in the actor table) stands for every rebel
    party: ``opposition``, ``euphrates_shield`` (rebel factions) and, as ``geo.classify`` reads
    it in their zones, the excluded groups.
``locality_without_record``
    A gazetteer locality with no control record at all, to which at least ``cluster_min``
    precisely placed events of the window are nearest (each event counts once, for the nearest
    gazetteer locality within ``cluster_km``).
``unknown_actor``
    An actor name (a whole side, or one group of a side listing several) that no actor-table
    row matches on the event's date (rows have validity dates): events naming it, first and
    last date, datasets.
``duplicate_incident``
    Two events of different datasets linked as one incident by
    :func:`geo.incidents.link_incidents` (its rule: dates, distance, actors).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.schema import DATE_PRECISIONS, GEO_PRECISIONS, METRIC_CRS, PARTIES, WINDOW_END, WINDOW_START

CODES = ("actor_zone_conflict", "locality_without_record", "unknown_actor", "duplicate_incident")
#: Per code: the column naming what the finding is about and the column of its date.
SUBJECT = {
    "actor_zone_conflict": ("event_id", "date"),
    "locality_without_record": ("locality_id", "first_date"),
    "unknown_actor": ("actor", "first_date"),
    "duplicate_incident": ("event_id", "date"),
}
PRECISE_PLACES = GEO_PRECISIONS[:2]  # exact, near
PRECISE_DATES = DATE_PRECISIONS[:2]  # day, days
CONTESTED = "contested"
GROUND_PARTIES = tuple(p for p in PARTIES if p != CONTESTED)
#: Actor parties that stand for a ground-holding party in the zone check.
STAND_FOR = {"turkey": ("euphrates_shield",)}
#: Parties an umbrella name (kind ``umbrella``) stands for in the zone check.
UMBRELLA_PARTIES = ("opposition", "euphrates_shield", "hts", "islamic_state")
#: Event IDs listed as examples in a grouped finding.
EXAMPLES = 5


@dataclass(frozen=True)
class Limits:
    """Thresholds of the checks.

    Attributes
    ----------
    zone_km : float
        ``actor_zone_conflict``: a side's party holding a locality this close is no conflict.
    cluster_km : float
        ``locality_without_record``: an event counts for its nearest gazetteer locality within it.
    cluster_min : int
        ``locality_without_record``: events needed for a finding.
    """

    zone_km: float = 10.0
    cluster_km: float = 5.0
    cluster_min: int = 5


def run_checks(catalog, limits: Limits = Limits(), codes=CODES) -> dict[str, pd.DataFrame]:
    """Run the checks named by ``codes`` over ``catalog`` (a ``geo.catalog.Catalog``).

    Parameters
    ----------
    catalog : Catalog
        Gives the event records (``event_records``: one row per record, not folded into
        incidents), localities, control records, the actor table folder and ``party_at``.
    limits : Limits
        Thresholds.
    codes : iterable of str
        Which checks (default all, in ``CODES`` order).

    Returns
    -------
    dict
        code -> findings (DataFrame with ``code`` first), in ``CODES`` order.

    Raises
    ------
    ValueError
        An unknown code. Errors while classifying the events are raised as they are.
    """
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise ValueError(f"unknown check code(s) {', '.join(unknown)} (known: {', '.join(CODES)})")
    events = catalog.event_records()  # one row per record: every dataset's own rows are checked
    out: dict[str, pd.DataFrame] = {}
    actors = _actor_table(catalog)
    if "actor_zone_conflict" in codes:
        classified = _classified(events, catalog)
        out["actor_zone_conflict"] = actor_zone_conflicts(
            classified, catalog.control(), catalog.localities(), actors, zone_km=limits.zone_km
        )
    if "locality_without_record" in codes:
        out["locality_without_record"] = localities_without_record(
            events,
            catalog.control(),
            catalog.localities(),
            cluster_km=limits.cluster_km,
            cluster_min=limits.cluster_min,
        )
    if "unknown_actor" in codes:
        out["unknown_actor"] = unknown_actors(events, actors)
    if "duplicate_incident" in codes:
        out["duplicate_incident"] = duplicate_incidents(events, actors)
    return {c: out[c] for c in CODES if c in out}


def _actor_table(catalog):
    from geo.classify import ActorTable, load_actors

    data_dir = getattr(catalog, "data_dir", None)
    return ActorTable(load_actors(data_dir) if data_dir is not None else load_actors())


def _classified(events: gpd.GeoDataFrame, catalog) -> gpd.GeoDataFrame:
    """Events with ``party1``, ``party2`` and ``held_by`` (:func:`geo.view.classify_events`,
    which raises when it cannot classify: a check never reads a failure as "nothing found")."""
    from geo.view import classify_events

    return classify_events(events, catalog)


# --- shared helpers ---------------------------------------------------------------------------


def _metric_xy(geoms: gpd.GeoSeries) -> np.ndarray:
    """(n, 2) metres in ``METRIC_CRS``; NaN for missing or empty geometries."""
    if len(geoms) == 0:
        return np.empty((0, 2))
    g = geoms if geoms.crs is not None else geoms.set_crs("EPSG:4326")
    g = g.to_crs(METRIC_CRS)
    ok = (g.notna() & ~g.is_empty).to_numpy()
    xy = np.full((len(g), 2), np.nan)
    xy[ok, 0] = g[ok].x.to_numpy()
    xy[ok, 1] = g[ok].y.to_numpy()
    return xy


def _day_text(value) -> str:
    """ISO day of a date-like value ("" when missing)."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _km(d_m: float) -> float:
    return float("nan") if d_m is None or not np.isfinite(d_m) else round(float(d_m) / 1000.0, 1)


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").astype(str)


def _precise(events: pd.DataFrame, *, dates: bool) -> pd.Series:
    """Events placed precisely (and dated to the day when ``dates``), with a geometry and a date."""
    mask = _text(events, "geo_precision").isin(PRECISE_PLACES)
    if dates:
        mask &= _text(events, "date_precision").isin(PRECISE_DATES)
    mask &= pd.to_datetime(events["date_start"]).notna()
    geom = events.geometry
    mask &= (geom.notna() & ~geom.is_empty).to_numpy()
    return mask


def _gazetteer(localities: gpd.GeoDataFrame) -> pd.DataFrame:
    """Localities indexed by ``locality_id``: ``name``, ``admin1_pcode``, metric ``x``, ``y`` (located ones)."""
    xy = _metric_xy(localities.geometry)
    table = pd.DataFrame(
        {
            "name": _text(localities, "name_en").to_numpy(),
            "admin1_pcode": _text(localities, "admin1_pcode").to_numpy(),
            "x": xy[:, 0],
            "y": xy[:, 1],
        },
        index=_text(localities, "locality_id").to_numpy(),
    )
    table = table.loc[np.isfinite(table["x"].to_numpy())]
    return table.loc[~table.index.duplicated(keep="last")]


def _recorded_on(control: pd.DataFrame, gazetteer: pd.DataFrame, day) -> pd.DataFrame:
    """Located localities with a record valid on ``day``: ``name``, ``x``, ``y``, ``party``.

    ``party`` is the "+"-joined parties of the records valid that day (several when they
    disagree: what the map shows as contested).
    """
    from geo.control import control_at

    pairs = control_at(control, day)[["locality_id", "party"]].astype(str).drop_duplicates()
    pairs = pairs.sort_values(["locality_id", "party"])
    several = pairs["locality_id"].duplicated(keep=False)
    party = pairs.loc[~several].set_index("locality_id")["party"]
    if several.any():
        party = pd.concat([party, pairs.loc[several].groupby("locality_id")["party"].agg("+".join)])
    table = gazetteer.loc[gazetteer.index.intersection(party.index)].copy()
    table["party"] = party.reindex(table.index).astype(str)
    return table


# --- actor_zone_conflict ---------------------------------------------------------------------

ZONE_COLUMNS = (
    "code", "event_id", "dataset", "date", "place", "actor1", "actor2", "event_type", "parties", "held_by",
    "holder_locality_id", "holder_locality", "holder_km",
    "nearest_locality_id", "nearest_locality", "nearest_party", "nearest_km", "zone_km",
)  # fmt: skip


def _ground(parties: str, actor_text: str, actors, day=None) -> set[str]:
    """Ground-holding parties one side stands for (see the module docstring)."""
    out: set[str] = set()
    for p in (s for s in parties.split("+") if s):
        out.update(STAND_FOR.get(p, (p,)))
    if actors is not None and any(a.kind == "umbrella" for a in actors.side(actor_text, day)):
        out.update(UMBRELLA_PARTIES)
    return out & set(GROUND_PARTIES)


def actor_zone_conflicts(
    classified, control, localities, actors=None, *, zone_km: float = 10.0
) -> pd.DataFrame:
    """Events whose sides' parties hold neither the place nor a locality within ``zone_km``.

    Parameters
    ----------
    classified : GeoDataFrame
        Events with ``party1``, ``party2`` and ``held_by`` (:func:`geo.view.classify_events`).
    control, localities
        Control records and the gazetteer (the holders of localities on each day).
    actors : geo.classify.ActorTable, optional
        To recognise umbrella names (they also stand for the excluded groups).
    zone_km : float
        Distance (km) under which a locality held by a side's party explains the event.

    Returns
    -------
    DataFrame
        ``ZONE_COLUMNS``, one row per event, by date; distances in km (1 decimal), ``nearest_*``
        empty / NaN when no locality of the sides' parties had a record that day.
    """
    if len(classified) == 0:
        return _empty(ZONE_COLUMNS)
    ev = classified.loc[_precise(classified, dates=True)]
    held = _text(ev, "held_by")
    ev = ev.loc[held.ne("") & held.ne(CONTESTED)]
    a1, a2, p1, p2 = (_text(ev, c) for c in ("actor1", "actor2", "party1", "party2"))
    when = pd.to_datetime(ev["date_start"])
    ground = [
        _ground(x1, y1, actors, d) | _ground(x2, y2, actors, d)
        for x1, y1, x2, y2, d in zip(p1, a1, p2, a2, when, strict=True)
    ]
    keep = [bool(g) and h not in g for g, h in zip(ground, _text(ev, "held_by"), strict=True)]
    ev = ev.loc[keep]
    ground = [g for g, k in zip(ground, keep, strict=True) if k]
    if len(ev) == 0:
        return _empty(ZONE_COLUMNS)
    gazetteer = _gazetteer(localities)
    xy = _metric_xy(ev.geometry)
    days = pd.to_datetime(ev["date_start"]).dt.normalize().to_numpy()
    rows = []
    for day in np.unique(days):
        recorded = _recorded_on(control, gazetteer, day)
        for i in np.flatnonzero(days == day):
            row = _zone_row(ev.iloc[i], xy[i], ground[i], recorded, zone_km)
            if row is not None:
                rows.append(row)
    if not rows:
        return _empty(ZONE_COLUMNS)
    return pd.DataFrame(rows, columns=list(ZONE_COLUMNS)).sort_values(["date", "event_id"], ignore_index=True)


def _zone_row(event, xy: np.ndarray, ground: set[str], recorded: pd.DataFrame, zone_km: float):
    """One finding, or None when a locality of the sides' parties lies within ``zone_km``."""
    d = np.hypot(recorded["x"].to_numpy() - xy[0], recorded["y"].to_numpy() - xy[1])
    own = np.array([bool(ground.intersection(p.split("+"))) for p in recorded["party"]], dtype=bool)
    near = np.flatnonzero(own)[np.argmin(d[own])] if own.any() else None
    if near is not None and d[near] <= zone_km * 1000.0:
        return None
    holder = int(np.argmin(d)) if len(d) else None
    return (
        "actor_zone_conflict",
        str(event["event_id"]),
        str(event.get("dataset", "") or ""),
        _day_text(event["date_start"]),
        str(event.get("place", "") or ""),
        str(event.get("actor1", "") or ""),
        str(event.get("actor2", "") or ""),
        str(event.get("event_type", "") or ""),
        "+".join(p for p in GROUND_PARTIES if p in ground),
        str(event["held_by"]),
        "" if holder is None else str(recorded.index[holder]),
        "" if holder is None else str(recorded["name"].iloc[holder]),
        float("nan") if holder is None else _km(d[holder]),
        "" if near is None else str(recorded.index[near]),
        "" if near is None else str(recorded["name"].iloc[near]),
        "" if near is None else str(recorded["party"].iloc[near]),
        float("nan") if near is None else _km(d[near]),
        float(zone_km),
    )


# --- locality_without_record -----------------------------------------------------------------

LOCALITY_COLUMNS = (
    "code", "locality_id", "name", "admin1_pcode", "events", "first_date", "last_date", "event_ids",
    "nearest_recorded_id", "nearest_recorded", "nearest_recorded_km", "cluster_km", "cluster_min",
)  # fmt: skip


def localities_without_record(
    events, control, localities, *, cluster_km: float = 5.0, cluster_min: int = 5
) -> pd.DataFrame:
    """Gazetteer localities without any control record nearest to ``cluster_min`` or more events.

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events; only precisely placed ones (``exact``/``near``) starting in the window
        (``WINDOW_START``..``WINDOW_END``) count.
    control, localities
        Control records (any date) and the gazetteer.
    cluster_km : float
        An event counts for its nearest gazetteer locality when that one is this close.
    cluster_min : int
        Events needed for a finding.

    Returns
    -------
    DataFrame
        ``LOCALITY_COLUMNS``, most events first; ``event_ids`` lists up to ``EXAMPLES`` IDs
        ("|"-joined), ``nearest_recorded_*`` the nearest locality with a record at any date.
    """
    gazetteer = _gazetteer(localities)
    hits = _nearest_locality(events, gazetteer, cluster_km)
    recorded_ids = set(_text(control, "locality_id"))
    hits = hits.loc[~hits["locality_id"].isin(recorded_ids)].sort_values(["date", "event_id"])
    counts = hits.groupby("locality_id", sort=False)["event_id"].nunique()
    found = counts.loc[counts >= int(cluster_min)].index
    if len(found) == 0:
        return _empty(LOCALITY_COLUMNS)
    recorded = gazetteer.loc[gazetteer.index.intersection(list(recorded_ids))]
    rows = []
    for loc in found:
        group = hits.loc[hits["locality_id"] == loc]
        near_id, near_name, near_km = _nearest(recorded, gazetteer.loc[loc, ["x", "y"]].to_numpy(dtype=float))
        ids = list(dict.fromkeys(group["event_id"]))
        rows.append(
            ("locality_without_record", loc, str(gazetteer.loc[loc, "name"]), str(gazetteer.loc[loc, "admin1_pcode"]), len(ids),
             _day_text(group["date"].min()), _day_text(group["date"].max()), "|".join(ids[:EXAMPLES]),
             near_id, near_name, near_km, float(cluster_km), int(cluster_min))
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=list(LOCALITY_COLUMNS))
    return out.sort_values(["events", "locality_id"], ascending=[False, True], ignore_index=True)


def _nearest_locality(events, gazetteer: pd.DataFrame, cluster_km: float) -> pd.DataFrame:
    """``locality_id``, ``event_id``, ``date``: each precise event of the window and its nearest
    gazetteer locality within ``cluster_km`` (events with none within it are left out)."""
    columns = {"locality_id": [], "event_id": [], "date": pd.Series(dtype="datetime64[ns]")}
    if len(events) == 0 or len(gazetteer) == 0:
        return pd.DataFrame(columns)
    day = pd.to_datetime(events["date_start"]).dt.normalize()
    in_window = day.between(pd.Timestamp(WINDOW_START), pd.Timestamp(WINDOW_END))
    ev = events.loc[_precise(events, dates=False) & in_window]
    if len(ev) == 0:
        return pd.DataFrame(columns)
    tree = shapely.STRtree(shapely.points(gazetteer[["x", "y"]].to_numpy()))
    query = shapely.points(_metric_xy(ev.geometry))
    pairs = tree.query_nearest(query, max_distance=cluster_km * 1000.0, all_matches=False)
    return pd.DataFrame(
        {
            "locality_id": gazetteer.index.to_numpy()[pairs[1]],
            "event_id": _text(ev, "event_id").to_numpy()[pairs[0]],
            "date": pd.to_datetime(ev["date_start"]).to_numpy()[pairs[0]],
        }
    )


def _nearest(table: pd.DataFrame, xy: np.ndarray) -> tuple[str, str, float]:
    """(id, name, km) of the row of ``table`` nearest to ``xy``; ("", "", NaN) when empty."""
    if len(table) == 0:
        return "", "", float("nan")
    d = np.hypot(table["x"].to_numpy() - xy[0], table["y"].to_numpy() - xy[1])
    i = int(np.argmin(d))
    return str(table.index[i]), str(table["name"].iloc[i]), _km(d[i])


# --- unknown_actor ---------------------------------------------------------------------------

ACTOR_COLUMNS = ("code", "actor", "events", "first_date", "last_date", "datasets", "event_ids")
#: Kind given by ``geo.classify.ActorTable.side`` to a group no row matches.
UNMATCHED_KIND = "unmapped"


def unknown_actors(events, actors) -> pd.DataFrame:
    """Actor names no row of the actor table matches, with the events naming them.

    Parameters
    ----------
    events : DataFrame
        Canonical events (``actor1``, ``actor2``).
    actors : geo.classify.ActorTable
        The actor table; a side is split into groups as ``geo.classify`` does.

    Returns
    -------
    DataFrame
        ``ACTOR_COLUMNS``, one row per name as written, most events first; ``datasets``
        "|"-joined, ``event_ids`` up to ``EXAMPLES`` IDs.
    """
    if len(events) == 0:
        return _empty(ACTOR_COLUMNS)
    ids, data = _text(events, "event_id").to_numpy(), _text(events, "dataset").to_numpy()
    dates = pd.to_datetime(events["date_start"]).to_numpy()
    hits = []
    for column in ("actor1", "actor2"):
        for i, text in enumerate(_text(events, column)):
            for actor in actors.side(text, dates[i]):
                if actor.kind == UNMATCHED_KIND:
                    hits.append((actor.name, ids[i], data[i], dates[i]))
    if not hits:
        return _empty(ACTOR_COLUMNS)
    table = pd.DataFrame(hits, columns=["actor", "event_id", "dataset", "date"]).sort_values(
        ["date", "event_id"]
    )
    rows = []
    for name, group in table.groupby("actor", sort=False):
        ids_ = list(dict.fromkeys(group["event_id"]))
        rows.append(
            ("unknown_actor", name, len(ids_), _day_text(group["date"].min()), _day_text(group["date"].max()),
             "|".join(sorted(set(group["dataset"]))), "|".join(ids_[:EXAMPLES]))
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=list(ACTOR_COLUMNS))
    return out.sort_values(["events", "actor"], ascending=[False, True], ignore_index=True)


# --- duplicate_incident ----------------------------------------------------------------------

DUPLICATE_COLUMNS = (
    "code", "event_id", "dataset", "date", "place", "other_id", "other_dataset", "other_date", "other_place",
    "days_apart", "km", "reason",
)  # fmt: skip


def duplicate_incidents(events, actors=None) -> pd.DataFrame:
    """Pairs of events of two datasets that record one incident (:func:`geo.incidents.link_incidents`).

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events, one row per record (not folded into incidents).
    actors : geo.classify.ActorTable or DataFrame, optional
        The actor table (default: the shipped one).

    Returns
    -------
    DataFrame
        ``DUPLICATE_COLUMNS``, one row per link (``event_id`` the curated event, ``other_id``
        the linked one), by date; ``days_apart``, ``km`` and ``reason`` as the linking rule
        gives them.
    """
    from geo.incidents import link_incidents

    if len(events) == 0:
        return _empty(DUPLICATE_COLUMNS)
    _, links = link_incidents(events, actors)
    if len(links) == 0:
        return _empty(DUPLICATE_COLUMNS)
    info = pd.DataFrame(
        {
            "dataset": _text(events, "dataset").to_numpy(),
            "date": [_day_text(d) for d in pd.to_datetime(events["date_start"])],
            "place": _text(events, "place").to_numpy(),
        },
        index=_text(events, "event_id").to_numpy(),
    )
    info = info.loc[~info.index.duplicated(keep="first")]
    a = info.reindex(links["curated_id"].astype(str)).reset_index(drop=True)
    b = info.reindex(links["ucdp_id"].astype(str)).reset_index(drop=True)
    out = pd.DataFrame(
        {
            "code": "duplicate_incident",
            "event_id": links["curated_id"].astype(str).to_numpy(),
            "dataset": a["dataset"].to_numpy(),
            "date": a["date"].to_numpy(),
            "place": a["place"].to_numpy(),
            "other_id": links["ucdp_id"].astype(str).to_numpy(),
            "other_dataset": b["dataset"].to_numpy(),
            "other_date": b["date"].to_numpy(),
            "other_place": b["place"].to_numpy(),
            "days_apart": links["days_apart"].to_numpy(),
            "km": links["km"].astype(float).round(1).to_numpy(),
            "reason": links["reason"].astype(str).to_numpy(),
        }
    )
    return out.sort_values(["date", "event_id", "other_id"], ignore_index=True)
