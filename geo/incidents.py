"""One incident, several datasets: link curated events to the UCDP GED events that record them.

The shipped data hold the team's curated events (``dataset == "curated"``) and the UCDP GED
events (``dataset == "ucdp"``); some incidents are in both.  Counting both would count the
incident twice, so a UCDP event that records a curated incident is *linked* to it and folded
into it: the incident keeps the curated row (its sources, words and precision) and names the
UCDP event(s) as corroborating sources.

The rule (a curated event C and a UCDP event U are one incident when all four hold):

1. **precise enough to compare**: neither is located only to a governorate or the country
   (``geo_precision`` in :data:`LINKABLE_GEO`; UCDP ``where_prec`` 1-3), neither is dated only
   to a month or a year (``date_precision`` in :data:`LINKABLE_DATE`; UCDP ``date_prec`` 1-3) and
   neither spans more than :data:`MAX_SPAN_DAYS` (7) days from first to last: a governorate
   centroid, a month or a weeks-long campaign (e.g. a siege) would "match" every incident of that
   area or month;
2. **same day, +/- 1 day**: the spans ``[date_start, date_end]`` overlap once each is widened by
   :data:`WINDOW_DAYS` (1) day; ``days_apart`` is the gap between the spans (0 when they overlap);
3. **within** :data:`MAX_KM` (10 km) of each other, measured in ``geo.schema.METRIC_CRS``: a town
   and its outskirts, or the width of a city such as Aleppo or Homs; farther apart the two are
   different places (the next village front), and UCDP's own "near" precision (``where_prec`` 2)
   already puts its point up to ~25 km from the event;
4. **compatible actors**: each event's two sides are read with the actor table
   (:class:`geo.classify.ActorTable`, the same lookup as the truce classes) into sets of parties;
   the sides pair up, in one of the two orders, so that every pair either shares a party or has a
   side that is not named (or not in the table), and at least one pair shares a party.  An
   umbrella name (UCDP "Syrian insurgents") covers the rebels the truce excludes too, so it also
   stands for ``hts``.

A UCDP event that qualifies for several curated events is linked to the nearest in time, then
in space (one UCDP event, one incident).  Other datasets (ACLED, the user's files) are not
linked.  Nothing here is stored: ``incident_sources`` and ``corroborated_by`` are derived at read
time (``geo.catalog.Catalog.events``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.schema import METRIC_CRS

#: The two datasets linked.
CURATED = "curated"
UCDP = "ucdp"
#: Dates within this many days of each other (spans widened by it on each side).
WINDOW_DAYS = 1
#: Points at most this far apart (km, in ``METRIC_CRS``).
MAX_KM = 10.0
#: Precisions precise enough to compare (country/governorate and month/year rows never link).
LINKABLE_GEO = ("exact", "near", "district")
LINKABLE_DATE = ("day", "days", "week")
#: Longest span that can still be one incident, in days counted inclusively (UCDP's "week").
MAX_SPAN_DAYS = 7
#: Columns of the links frame.
LINK_COLUMNS = ("curated_id", "ucdp_id", "days_apart", "km", "reason")
#: Columns added to each incident (derived, never stored).
INCIDENT_COLUMNS = ("incident_sources", "corroborated_by", "corroboration")
#: Parties an umbrella name stands for besides its own (see the module docstring, rule 4).
UMBRELLA_ALSO = ("hts",)
_NOT_NAMED = ("unknown",)


def _table(actors):
    from geo.classify import ActorTable, load_actors

    if actors is None:
        actors = load_actors()
    return actors if isinstance(actors, ActorTable) else ActorTable(actors)


def _side_parties(table, text, day=None) -> frozenset:
    """The parties one side names on ``day`` (umbrella names widened; unknown names dropped)."""
    out = set()
    for actor in table.side(text, day):
        if actor.party in _NOT_NAMED:
            continue
        out.add(actor.party)
        if actor.kind == "umbrella":
            out.update(UMBRELLA_ALSO)
    return frozenset(out)


def actors_compatible(sides_a: tuple, sides_b: tuple) -> tuple[bool, list[str]]:
    """Whether two events' sides pair up (rule 4) and the parties they share.

    Parameters
    ----------
    sides_a, sides_b : tuple of (frozenset, frozenset)
        Each event's (side 1 parties, side 2 parties); an empty set is a side not named.

    Returns
    -------
    (bool, list of str)
        Compatible or not, and the shared parties (sorted) of the pairing that matched.
    """
    best: tuple[bool, list[str]] = (False, [])
    for b1, b2 in (sides_b, sides_b[::-1]):
        shared: set[str] = set()
        ok = True
        for a, b in ((sides_a[0], b1), (sides_a[1], b2)):
            if a and b:
                if not a & b:
                    ok = False
                    break
                shared |= a & b
        if ok and shared and len(shared) > len(best[1]):
            best = (True, sorted(shared))
    return best


def _sides(table, frame: pd.DataFrame) -> list[tuple[frozenset, frozenset]]:
    a1 = frame["actor1"].astype(object).where(frame["actor1"].notna(), "")
    a2 = frame["actor2"].astype(object).where(frame["actor2"].notna(), "")
    days = pd.to_datetime(frame["date_start"])  # an actor's party can change in time (data/actors.csv)
    return [
        (_side_parties(table, x, d), _side_parties(table, y, d)) for x, y, d in zip(a1, a2, days, strict=True)
    ]


#: The columns the linking rule reads (besides the geometry).
_RULE_COLUMNS = ("event_id", "date_start", "date_end", "actor1", "actor2")


def _eligible(events: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """The events of ``dataset`` precise enough to link (rule 1), with the columns the rule reads."""
    geom = events.geometry
    start = pd.to_datetime(events["date_start"]).dt.normalize()
    end = pd.to_datetime(events["date_end"]).dt.normalize().fillna(start)
    ok = (
        (events["dataset"] == dataset)
        & events["geo_precision"].isin(LINKABLE_GEO)
        & events["date_precision"].isin(LINKABLE_DATE)
        & events["date_start"].notna()
        & ((end - start).dt.days < MAX_SPAN_DAYS)
        & ~(geom.isna() | geom.is_empty)
    )
    return events.loc[ok.fillna(False).to_numpy(), [*_RULE_COLUMNS, geom.name]]


def candidate_links(events, actors=None) -> pd.DataFrame:
    """Every (curated, UCDP) pair that meets the rule, with ``days_apart`` and ``km``.

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events (one row per record, not already folded).
    actors : DataFrame or ActorTable, optional
        The actor table (default: ``geo.classify.load_actors()``; read only when a pair is
        close enough in time and space to need it).

    Returns
    -------
    DataFrame
        :data:`LINK_COLUMNS`, one row per qualifying pair (a UCDP event may appear more than once).
    """
    cur, uc = _eligible(events, CURATED), _eligible(events, UCDP)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    if len(cur) == 0 or len(uc) == 0:
        return empty
    cur_m, uc_m = cur.geometry.to_crs(METRIC_CRS), uc.geometry.to_crs(METRIC_CRS)
    ux, uy = uc_m.x.to_numpy(), uc_m.y.to_numpy()
    cx, cy = cur_m.x.to_numpy(), cur_m.y.to_numpy()
    us = pd.to_datetime(uc["date_start"]).dt.normalize().to_numpy()
    ue = pd.to_datetime(uc["date_end"].fillna(uc["date_start"])).dt.normalize().to_numpy()
    cs = pd.to_datetime(cur["date_start"]).dt.normalize()
    ce = pd.to_datetime(cur["date_end"]).dt.normalize().fillna(cs).to_numpy()
    cs = cs.to_numpy()
    day = np.timedelta64(1, "D")
    pairs = []
    for i in range(len(cur)):  # one vectorised pass over the UCDP events per curated event
        gap = np.maximum(np.maximum((us - ce[i]) / day, (cs[i] - ue) / day), 0)
        km = np.hypot(ux - cx[i], uy - cy[i]) / 1000.0
        for j in np.flatnonzero((gap <= WINDOW_DAYS) & (km <= MAX_KM)):
            pairs.append((i, int(j), int(gap[j]), float(km[j])))
    if not pairs:
        return empty
    table = _table(actors)
    cur_sides = dict(zip(range(len(cur)), _sides(table, cur), strict=True))
    uc_sides = _sides(table, uc.iloc[sorted({p[1] for p in pairs})])
    uc_sides = dict(zip(sorted({p[1] for p in pairs}), uc_sides, strict=True))
    rows = []
    cur_ids, uc_ids = cur["event_id"].to_numpy(dtype=object), uc["event_id"].to_numpy(dtype=object)
    for i, j, gap, km in pairs:
        ok, shared = actors_compatible(cur_sides[i], uc_sides[j])
        if not ok:
            continue
        when = "same day" if gap == 0 else f"{gap} day apart"
        reason = f"{when}, {km:.1f} km apart, parties in common: {', '.join(shared)}"
        rows.append((str(cur_ids[i]), str(uc_ids[j]), gap, round(km, 2), reason))
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS)) if rows else empty


def link_incidents(events, actors=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold UCDP events that record a curated incident into it (the rule: module docstring).

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events, one row per record (e.g. ``Catalog.events(incidents=False)``); a frame
        that is already folded (has ``corroborated_by``) is refused.
    actors : DataFrame or ActorTable, optional
        The actor table (default: ``geo.classify.load_actors()``).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        ``incidents``: one row per incident, the linked UCDP rows removed and every row with
        ``incident_sources`` ('|'-joined event IDs of the incident, its own first),
        ``corroborated_by`` ('|'-joined UCDP IDs, "" when none) and ``corroboration`` (see
        :func:`fold`, which also says how a curated incident without a toll gets one); index reset.
        ``links``: :data:`LINK_COLUMNS`, one row per linked UCDP event (its best curated match),
        sorted by curated then UCDP ID.

    Raises
    ------
    ValueError
        When ``events`` is already folded.
    """
    if "corroborated_by" in events.columns:
        raise ValueError(
            "these events are already folded into incidents: pass one row per record "
            "(Catalog.events(incidents=False))"
        )
    links = best_links(candidate_links(events, actors))
    return fold(events, links), links


def best_links(candidates: pd.DataFrame) -> pd.DataFrame:
    """One link per UCDP event: its nearest curated event in time, then in space (then first).

    Parameters
    ----------
    candidates : pandas.DataFrame
        Candidate links with at least ``ucdp_id``, ``curated_id``, ``days_apart`` and ``km``
        (as from ``candidate_links``).

    Returns
    -------
    pandas.DataFrame
        At most one row per ``ucdp_id``, sorted by ``curated_id`` then ``ucdp_id``, with
        ``days_apart`` as ``int64`` and ``km`` as float; a fresh ``RangeIndex``.
    """
    if len(candidates) == 0:
        return candidates.reset_index(drop=True)
    links = candidates.assign(_order=range(len(candidates)))
    links = links.sort_values(["ucdp_id", "days_apart", "km", "_order"], kind="stable")
    links = links.drop_duplicates("ucdp_id", keep="first").drop(columns="_order")
    links = links.sort_values(["curated_id", "ucdp_id"], kind="stable").reset_index(drop=True)
    return links.astype({"days_apart": "int64", "km": float})


def _describe_rows(rows: pd.DataFrame) -> list[str]:
    """Each linked record in words: ID, date, place, toll (names and numbers only)."""
    days = pd.to_datetime(rows["date_start"]).dt.strftime("%Y-%m-%d").astype(object).where(
        rows["date_start"].notna(), "")
    out = []
    for event_id, day, place, toll in zip(rows["event_id"].to_numpy(dtype=object), days.to_numpy(dtype=object),
                                          rows["place"].to_numpy(dtype=object),
                                          rows["fatalities"].to_numpy(dtype=object), strict=True):
        toll = "" if pd.isna(toll) else f"{int(toll)} killed"
        detail = ", ".join(x for x in (day, str(place or ""), toll) if x)
        out.append(f"{event_id} ({detail})" if detail else str(event_id))
    return out


def fold(events, links: pd.DataFrame):
    """``events`` with the linked UCDP rows folded into their curated incident.

    Adds ``incident_sources``, ``corroborated_by`` and ``corroboration`` (the linked records in
    words, '|'-joined).  A curated incident with no toll of its own takes the sum of its linked
    UCDP rows' tolls (``fatalities``, ``fatalities_low``, ``fatalities_high``,
    ``civilian_fatalities``), flagged ``fatalities_from_ucdp``; a curated toll is never replaced.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per record (``event_id``, ``dataset``, ``flags``, the toll columns, ...), not
        already folded.
    links : pandas.DataFrame
        One link per UCDP record: ``ucdp_id`` -> ``curated_id`` (as from :func:`best_links`).

    Returns
    -------
    pandas.DataFrame
        ``events`` without the linked UCDP rows, with the three added columns, on a fresh
        ``RangeIndex``.
    """
    ids = events["event_id"].astype(str)
    linked = ids.isin(set(links["ucdp_id"])).to_numpy() & (events["dataset"] == UCDP).to_numpy()
    out = events.loc[~linked]  # a new frame already (copy-on-write): no second copy of a million rows
    own = out["event_id"].astype(str)
    by_curated = links.groupby("curated_id")["ucdp_id"].agg(list).to_dict() if len(links) else {}
    ucdp_rows = events.loc[linked].set_index(ids[linked].to_numpy())
    words = dict(zip(ucdp_rows.index, _describe_rows(ucdp_rows), strict=True))
    sources = own.to_numpy(dtype=object).copy()  # an incident without links: its own ID, nothing else
    corroborated = np.full(len(own), "", dtype=object)
    corroboration = np.full(len(own), "", dtype=object)
    folded = np.flatnonzero(own.isin(list(by_curated)).to_numpy())  # the few curated incidents with links
    for pos in folded:
        found = by_curated[sources[pos]]
        sources[pos] = "|".join([sources[pos], *found])
        corroborated[pos] = "|".join(found)
        corroboration[pos] = "|".join(words[u] for u in found)
    out["incident_sources"], out["corroborated_by"], out["corroboration"] = sources, corroborated, corroboration
    for col in INCIDENT_COLUMNS:
        out[col] = out[col].astype(str)
    tolls = ("fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities")
    for pos in folded:
        cid = own.iat[pos]
        if not pd.isna(out["fatalities"].iat[pos]):
            continue
        part = ucdp_rows.loc[by_curated[cid]]
        for col in (c for c in tolls if c in out.columns and pd.isna(out[c].iat[pos])):
            vals = pd.to_numeric(part[col], errors="coerce")
            if vals.notna().any():
                out.iloc[pos, out.columns.get_loc(col)] = int(vals.sum())
        flags = [f for f in str(out["flags"].iat[pos] or "").split(";") if f]
        out.iloc[pos, out.columns.get_loc("flags")] = ";".join([*flags, "fatalities_from_ucdp"])
    return out.reset_index(drop=True)
