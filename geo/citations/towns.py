"""Aggregation of citations: the cited towns (the map layer) and the per-place summary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.citations.sources import catalog_citations
from geo.gazetteer import Gazetteer
from geo.schema import CRS


def date_text(value) -> str:
    """A date as ``YYYY-MM-DD``, "" when missing.

    Parameters
    ----------
    value : date-like
        A date, timestamp or date string; None/NaN/NaT for a missing date.

    Returns
    -------
    str
        The date as ``YYYY-MM-DD``, or "".
    """
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _in_range(documents: pd.DataFrame, start=None, end=None) -> pd.Series:
    """Documents dated within [start, end] (undated documents are always kept)."""
    published = pd.to_datetime(documents["published"]) if len(documents) else pd.Series(dtype="datetime64[ns]")
    keep = pd.Series(True, index=documents.index)
    if start is not None:
        keep &= published.isna() | (published >= pd.Timestamp(start))
    if end is not None:
        keep &= published.isna() | (published <= pd.Timestamp(end))
    return keep


def _citation_text(record: dict) -> str:
    """One citing document as popup text: "outlet: title (date) — “sentence”"."""
    text = f"{record['outlet']}: {record['title']}" + (f" ({record['date']})" if record["date"] else "")
    text = text.strip(": ")
    return f"{text} — “{record['sentence']}”" if record.get("sentence") else text


_TOWN_COLUMNS = ["locality_id", "name_en", "name_ar", "admin1_pcode", "n_sources", "n_mentions", "documents", "citations"]


def cited_towns(citations: pd.DataFrame | None = None, documents: pd.DataFrame | None = None,
                localities: gpd.GeoDataFrame | None = None, start=None, end=None, *,
                catalog=None, day=None) -> gpd.GeoDataFrame:
    """One row per Syrian locality cited (kind ``town``) by documents dated in [start, end].

    The one implementation of the cited-towns layer (map, briefing, Sources page).

    Parameters
    ----------
    citations, documents : pandas.DataFrame
        Canonical ``citations`` / ``documents`` frames (e.g. from ``merged_citations``).
    localities : geopandas.GeoDataFrame
        The gazetteer (``geo.datasets.load_localities`` or the catalog's merged localities).
    start, end : date-like, optional
        Inclusive range on the documents' publication date; undated documents are kept.
    catalog : geo.catalog.Catalog, optional
        Instead of the three frames: shipped + workspace citations and localities of a catalog.
    day : date-like, optional
        With ``catalog``: add ``party``, who held each town that day ("" when unknown).

    Returns
    -------
    geopandas.GeoDataFrame
        locality_id, name_en, name_ar, admin1_pcode, n_sources, n_mentions, documents (a list of
        ``{"doc_id", "title", "outlet", "date", "sentence", "mentions"}`` dicts, newest first; the
        sentence is "" for shipped sources), citations (the same as popup strings
        "outlet: title (date) — “sentence”"), geometry (EPSG:4326); sorted by n_sources then
        n_mentions; ``party`` when ``day`` is given.
    """
    if catalog is not None:
        documents, citations = catalog_citations(catalog)
        localities = catalog.localities() if localities is None else localities
    if citations is None or documents is None or localities is None:
        raise TypeError("cited_towns needs citations, documents and localities, or catalog=")
    if day is not None and catalog is None:
        raise TypeError("cited_towns needs catalog= to say who held the towns on a day")
    towns = _towns(citations, documents, localities, start, end)
    return towns if day is None else with_holder(catalog, towns, day)


def _towns(citations, documents, localities, start, end) -> gpd.GeoDataFrame:
    """The cited-towns rows (see :func:`cited_towns`), most cited first.

    Plain Python over the citation rows (a few hundred): a pandas group per town and per document
    cost about 1 ms each, 30 ms for the shipped sources at every event-range step.
    """
    if not len(citations) or not len(documents):
        return _no_towns()
    docs = documents.drop_duplicates("doc_id", keep="last")
    docs = docs[_in_range(docs, start, end)]
    meta = {doc_id: (str(title), str(outlet), date_text(published)) for doc_id, title, outlet, published
            in zip(docs["doc_id"], docs["title"], docs["outlet"], docs["published"], strict=True)}
    known = set(localities["locality_id"])
    towns: dict = {}  # locality id -> {doc_id: [mentions, first sentence]}, in order of first citation
    mentions: dict = {}
    for kind, lid, doc_id, sentence in zip(citations["kind"], citations["locality_id"], citations["doc_id"],
                                           citations["sentence"], strict=True):
        if kind != "town" or doc_id not in meta or lid not in known:
            continue
        per_doc = towns.setdefault(lid, {}).setdefault(doc_id, [0, ""])
        per_doc[0] += 1
        if sentence and not per_doc[1]:
            per_doc[1] = sentence
        mentions[lid] = mentions.get(lid, 0) + 1
    if not towns:
        return _no_towns()
    at: dict = {}  # each cited town's first row in the gazetteer
    hit = localities["locality_id"].isin(list(towns)).to_numpy()
    for i, lid in zip(np.flatnonzero(hit), localities["locality_id"].to_numpy()[hit], strict=True):
        at.setdefault(lid, int(i))
    rows = [_town_row(lid, towns[lid], mentions[lid], meta, localities.iloc[at[lid]]) for lid in towns]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    out = out.sort_values(["n_sources", "n_mentions", "name_en"], ascending=[False, False, True])
    out["n_sources"] = out["n_sources"].astype("int64")
    out["n_mentions"] = out["n_mentions"].astype("int64")
    return out.reset_index(drop=True)


def _no_towns() -> gpd.GeoDataFrame:
    """The cited-towns frame with no row."""
    return gpd.GeoDataFrame({c: [] for c in _TOWN_COLUMNS}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _town_row(lid: str, per_doc: dict, n_mentions: int, meta: dict, place) -> dict:
    """One town's row: its citing documents (newest first) and their counts."""
    records = []
    for doc_id, (count, sentence) in per_doc.items():
        title, outlet, published = meta[doc_id]
        records.append({"doc_id": str(doc_id), "title": title, "outlet": outlet, "date": published,
                        "sentence": sentence, "mentions": int(count)})
    records.sort(key=lambda r: r["date"], reverse=True)
    return {
        "locality_id": lid,
        "name_en": str(place["name_en"]),
        "name_ar": str(place.get("name_ar", "")),
        "admin1_pcode": str(place.get("admin1_pcode", "")),
        "n_sources": len(records),
        "n_mentions": int(n_mentions),
        "documents": records,
        "citations": [_citation_text(r) for r in records],
        "geometry": place.geometry,
    }


def with_holder(catalog, towns: gpd.GeoDataFrame, day) -> gpd.GeoDataFrame:
    """``towns`` with ``party``: who held each one on ``day`` ("" when unknown).

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        Says who held a place on a day (``party_at``); a catalog without control data gives "".
    towns : geopandas.GeoDataFrame
        Rows of :func:`cited_towns` (not changed: a new frame is returned).
    day : date-like
        The control date.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``towns`` with the column ``party`` (str).
    """
    if len(towns) == 0 or not hasattr(catalog, "party_at"):  # e.g. a briefing fixture without control data
        return with_parties(towns, {})
    party = catalog.party_at(towns, pd.Series(pd.Timestamp(day), index=towns.index))
    held = party.reindex(towns.index).fillna("").astype(str)
    return with_parties(towns, dict(zip(towns["locality_id"].astype(str), held, strict=True)))


def with_parties(towns: gpd.GeoDataFrame, parties: dict[str, str]) -> gpd.GeoDataFrame:
    """``towns`` with ``party`` looked up by locality id in ``parties`` ("" when absent).

    Parameters
    ----------
    towns : geopandas.GeoDataFrame
        Rows of :func:`cited_towns` (not changed: a new frame is returned).
    parties : dict
        Locality id -> party, e.g. the holders of every cited town on a day (:func:`with_holder`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``towns`` with the column ``party`` (str; object dtype when there are no towns).
    """
    towns = towns.copy()
    if len(towns) == 0:
        towns["party"] = pd.Series(dtype=object)
        return towns
    towns["party"] = towns["locality_id"].astype(str).map(parties).fillna("").astype(str).to_numpy()
    return towns


def place_summary(citations: pd.DataFrame, gazetteer: Gazetteer) -> pd.DataFrame:
    """One row per place: name, kind (``town`` or ``venue``), documents, mentions.

    Metonymic mentions ("Damascus said") are not counted as towns; they are reported in the
    column ``metonymy`` (kept out of the CSV header by callers that need the four columns).

    Parameters
    ----------
    citations : DataFrame
        The ``citations`` table (``doc_id``, ``kind``, ``locality_id``, ``venue``); None or empty gives an
        empty table.
    gazetteer : Gazetteer
        Gives the display name of each cited locality id.

    Returns
    -------
    DataFrame
        Columns ``name``, ``kind``, ``documents``, ``mentions``, ``locality_id``, ``metonymy``: towns first,
        then venues, each by documents and mentions (most first), then name.
    """
    cols = ["name", "kind", "documents", "mentions", "locality_id", "metonymy"]
    if citations is None or not len(citations):
        return pd.DataFrame(columns=cols)
    rows = []
    towns = citations[citations["kind"] == "town"]
    meto = citations[citations["kind"] == "metonymy"]
    for lid, group in towns.groupby("locality_id"):
        rows.append({"name": gazetteer.name(lid), "kind": "town", "documents": group["doc_id"].nunique(),
                     "mentions": len(group), "locality_id": lid,
                     "metonymy": int((meto["locality_id"] == lid).sum())})
    for venue, group in citations[citations["kind"] == "venue"].groupby("venue"):
        rows.append({"name": venue, "kind": "venue", "documents": group["doc_id"].nunique(),
                     "mentions": len(group), "locality_id": "", "metonymy": 0})
    df = pd.DataFrame(rows, columns=cols)
    if not len(df):
        return df
    df["_k"] = (df["kind"] != "town").astype(int)
    df = df.sort_values(["_k", "documents", "mentions", "name"], ascending=[True, False, False, True])
    return df.drop(columns="_k").reset_index(drop=True)
