"""Tables of documents and cited towns for the Sources page (plain frames, no Streamlit)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.citations.towns import date_text


def map_link(locality_id: str, lat: float, lon: float, zoom: int = 11) -> str:
    """Link to the map centred on a town: ``/?town=<id>&lat=..&lon=..&z=11``.

    The Map is the app's default page, which Streamlit serves at the root URL only: ``/map``
    answers "Page not found".

    Parameters
    ----------
    locality_id : str
        Id of the town (the ``town`` query parameter).
    lat : float
        Latitude of the map centre (written with 5 decimals).
    lon : float
        Longitude of the map centre (written with 5 decimals).
    zoom : int, default 11
        Map zoom level (the ``z`` query parameter).

    Returns
    -------
    str
        The relative URL.
    """
    from urllib.parse import urlencode

    query = urlencode(
        {"town": locality_id, "lat": f"{float(lat):.5f}", "lon": f"{float(lon):.5f}", "z": int(zoom)}, safe=":"
    )
    return f"/?{query}"


def documents_overview(documents: pd.DataFrame, citations: pd.DataFrame, names: dict[str, str],
                       workspace_ids=()) -> pd.DataFrame:
    """One row per document: title, outlet, date, origin, the towns it cites and the places abroad.

    ``names`` maps locality ids to display names; ``workspace_ids`` are the doc ids stored in the
    workspace (the others are shipped sources).

    Parameters
    ----------
    documents : DataFrame
        The ``documents`` table (the last row of a repeated ``doc_id`` wins); None or empty gives an empty
        table.
    citations : DataFrame
        The ``citations`` table (``doc_id``, ``kind``, ``locality_id``, ``venue``).
    names : dict of str to str
        Display name of each locality id (an id without one is shown as is).
    workspace_ids : iterable of str, default ()
        Doc ids stored in the workspace.

    Returns
    -------
    DataFrame
        Columns ``doc_id``, ``title``, ``outlet``, ``date``, ``origin``, ``towns``, ``n_towns``, ``abroad``,
        ``metonymy``, ``link`` (the report's http(s) address, ``geo.view.safe_link``; None when
        unknown); newest first, then by title.
    """
    from geo.view import safe_link

    cols = ["doc_id", "title", "outlet", "date", "origin", "towns", "n_towns", "abroad", "metonymy", "link"]
    if documents is None or not len(documents):
        return pd.DataFrame(columns=cols)
    ws = set(workspace_ids)
    rows = []
    for doc in documents.drop_duplicates("doc_id", keep="last").itertuples(index=False):
        c = citations[citations["doc_id"] == doc.doc_id] if len(citations) else citations
        towns = c[c["kind"] == "town"]["locality_id"].value_counts() if len(c) else pd.Series(dtype=int)
        venues = sorted(set(c[c["kind"] == "venue"]["venue"])) if len(c) else []
        rows.append(
            {
                "doc_id": doc.doc_id,
                "title": doc.title,
                "outlet": doc.outlet,
                "date": date_text(doc.published),
                "origin": "workspace" if doc.doc_id in ws else "shipped",
                "towns": ", ".join(f"{names.get(i, i)} ({n})" if n > 1 else names.get(i, i) for i, n in towns.items()),
                "n_towns": int(len(towns)),
                "abroad": ", ".join(venues),
                "metonymy": int((c["kind"] == "metonymy").sum()) if len(c) else 0,
                "link": safe_link(getattr(doc, "url", "")) or None,
            }
        )
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["date", "title"], ascending=[False, True], ignore_index=True)


def towns_table(towns: gpd.GeoDataFrame, zoom: int = 11) -> pd.DataFrame:
    """Cited towns (from :func:`cited_towns`) as a table with a map link per town.

    Parameters
    ----------
    towns : GeoDataFrame
        Cited towns (``locality_id``, ``name_en``, ``name_ar``, ``admin1_pcode``, ``n_sources``,
        ``n_mentions``, point geometry); None or empty gives an empty table.
    zoom : int, default 11
        Zoom level of the map links (see :func:`map_link`).

    Returns
    -------
    DataFrame
        Columns ``town``, ``arabic``, ``governorate``, ``sources``, ``mentions``, ``map``, ``locality_id``.
    """
    from geo.schema import ADMIN1

    cols = ["town", "arabic", "governorate", "sources", "mentions", "map", "locality_id"]
    if towns is None or not len(towns):
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(
        {
            "town": towns["name_en"].astype(str),
            "arabic": towns["name_ar"].astype(str),
            "governorate": [ADMIN1.get(p, p) for p in towns["admin1_pcode"]],
            "sources": towns["n_sources"].astype(int),
            "mentions": towns["n_mentions"].astype(int),
            "map": [map_link(i, g.y, g.x, zoom) for i, g in zip(towns["locality_id"], towns.geometry, strict=True)],
            "locality_id": towns["locality_id"].astype(str),
        }
    )
