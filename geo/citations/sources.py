"""Documents and their citations as data: the workspace store's and the shipped ones, merged.

Documents and citations go into the workspace store (``geo.store.Store``, kinds ``documents``
and ``citations``); the sentence around each mention is kept there only. The shipped
``data/sources.csv`` + ``data/citations.csv`` are read by ``geo.catalog.Catalog``; the merge
of the two (the workspace wins on equal ``doc_id``) is :func:`catalog_citations`.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.catalog import Catalog
from geo.citations.mentions import Mention
from geo.documents import Document
from geo.gazetteer import Gazetteer
from geo.paths import DATA_DIR
from geo.schema import CITATION_COLUMNS, DOCUMENT_COLUMNS
from geo.validate import iso_dates


def load_localities_for(store=None) -> gpd.GeoDataFrame:
    """The localities citations are found against: shipped, merged with the store's ones.

    Parameters
    ----------
    store : geo.store.Store, optional
        The workspace store; None for the shipped localities alone.

    Returns
    -------
    GeoDataFrame
        ``geo.catalog.Catalog.localities`` (the one merge of shipped and workspace data).
    """
    return Catalog(os.devnull if store is None else store.path).localities()


def load_gazetteer(store=None) -> Gazetteer:
    """The gazetteer used to find citations (see :func:`load_localities_for`).

    Parameters
    ----------
    store : geo.store.Store, optional
        The workspace store; None for the shipped localities alone.

    Returns
    -------
    Gazetteer
        A gazetteer over the localities of :func:`load_localities_for`.
    """
    return Gazetteer(load_localities_for(store))


# --- documents in the workspace store -----------------------------------------------------------


def _frame(columns: dict[str, str], rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    for col, t in columns.items():
        if t == "Int64":
            df[col] = pd.array(df[col], dtype="Int64")
        elif t == "datetime64[ns]":
            df[col] = iso_dates(df[col])
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    return df


def documents_frame(docs: list[Document]) -> pd.DataFrame:
    """The ``documents`` rows of some documents.

    Parameters
    ----------
    docs : list of Document
        The documents.

    Returns
    -------
    DataFrame
        One row per document, in ``geo.schema.DOCUMENT_COLUMNS``.
    """
    return _frame(DOCUMENT_COLUMNS, [d.record() for d in docs])


def citations_frame(pairs: list[tuple[Document, list[Mention]]]) -> pd.DataFrame:
    """The ``citations`` rows of documents and their mentions.

    Parameters
    ----------
    pairs : list of (Document, list of Mention)
        Each document with the mentions found in it.

    Returns
    -------
    DataFrame
        One row per mention, in ``geo.schema.CITATION_COLUMNS``.
    """
    rows = [m.record(doc.doc_id) for doc, mentions in pairs for m in mentions]
    return _frame(CITATION_COLUMNS, rows)


def load_workspace(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, citations) kept in the workspace store (empty frames when none).

    Parameters
    ----------
    store : geo.store.Store
        The workspace store.

    Returns
    -------
    (DataFrame, DataFrame)
        The stored ``documents`` and ``citations`` tables.
    """
    return store.read("documents"), store.read("citations")


def save_document(store, pairs: list[tuple[Document, list[Mention]]]) -> tuple[int, int]:
    """Store documents and their citations atomically; a document stored again is replaced.

    Parameters
    ----------
    store : geo.store.Store
        The workspace store, written under its lock.
    pairs : list of (Document, list of Mention)
        Each document with its mentions; an empty list stores nothing.

    Returns
    -------
    (int, int)
        Number of new documents, number of documents replaced.
    """
    if not pairs:
        return 0, 0
    with store.lock():
        docs, cites = load_workspace(store)
        ids = {doc.doc_id for doc, _ in pairs}
        replaced = int(docs["doc_id"].isin(ids).sum()) if len(docs) else 0
        new_docs = documents_frame([doc for doc, _ in pairs])
        new_cites = citations_frame(pairs)
        docs = pd.concat([docs[~docs["doc_id"].isin(ids)], new_docs], ignore_index=True) if len(docs) else new_docs
        if len(cites):
            cites = pd.concat([cites[~cites["doc_id"].isin(ids)], new_cites], ignore_index=True)
        else:
            cites = new_cites
        store.write({"documents": docs, "citations": cites})
    return len(ids) - replaced, replaced


def remove_document(store, doc_id: str) -> bool:
    """Delete one document and its citations from the workspace store.

    Parameters
    ----------
    store : geo.store.Store
        The workspace store, written under its lock.
    doc_id : str
        Id of the document to delete.

    Returns
    -------
    bool
        True when the document was found and deleted, False when the store does not hold it.
    """
    with store.lock():
        docs, cites = load_workspace(store)
        if not len(docs) or doc_id not in set(docs["doc_id"]):
            return False
        store.write({"documents": docs[docs["doc_id"] != doc_id], "citations": cites[cites["doc_id"] != doc_id]})
    return True


def _shipped_frames(src: pd.DataFrame | None, cit: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shipped ``sources`` / ``citations`` tables as canonical documents / citations frames."""
    docs = _frame(DOCUMENT_COLUMNS, [])
    cites = _frame(CITATION_COLUMNS, [])

    def text(value) -> str:
        """A cell as text: "" when missing, ``YYYY-MM-DD`` for a Timestamp, else ``str(value)``.

        Parameters
        ----------
        value : object
            A cell of the shipped ``sources`` or ``citations`` table.

        Returns
        -------
        str
            The cell's text.
        """
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)

    if src is not None and len(src):
        rows = [
            {
                "doc_id": text(r.get("source_id")),
                "title": text(r.get("title")),
                "outlet": text(r.get("outlet")),
                "published": text(r.get("published"))[:10],
                "url": text(r.get("url")),
                "source_file": "data/sources.csv",
            }
            for r in src.to_dict("records")
        ]
        docs = _frame(DOCUMENT_COLUMNS, rows)
    if cit is not None and len(cit):
        rows = [
            {
                "doc_id": text(r.get("source_id")),
                "locality_id": text(r.get("locality_id")),
                "venue": text(r.get("venue")),
                "kind": text(r.get("kind")) or "town",
                "start": int(r["start"]) if text(r.get("start")).strip() else None,
                "end": int(r["end"]) if text(r.get("end")).strip() else None,
                "surface": "",
                "sentence": "",
            }
            for r in cit.to_dict("records")
        ]
        cites = _frame(CITATION_COLUMNS, rows)
    return docs, cites


def catalog_citations(catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, citations) of a ``geo.catalog.Catalog``: shipped and workspace, merged.

    The shipped ``sources`` / ``citations`` tables come from the catalog's readers, the
    workspace ones from its store; a workspace document replaces a shipped one of the same id.

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        The shipped data folder and the workspace store.

    Returns
    -------
    (DataFrame, DataFrame)
        Canonical ``documents`` and ``citations`` frames.
    """
    docs, cites = _shipped_frames(catalog.sources(), catalog.citations())
    store = getattr(catalog, "store", None)  # a catalog without a workspace (e.g. a fixture): shipped only
    if store is None or not store.exists():
        return docs, cites
    wdocs, wcites = load_workspace(store)
    if len(wdocs):
        ws_ids = set(wdocs["doc_id"])
        docs = pd.concat([docs[~docs["doc_id"].isin(ws_ids)], wdocs[list(DOCUMENT_COLUMNS)]], ignore_index=True)
        cites = pd.concat([cites[~cites["doc_id"].isin(ws_ids)], wcites[list(CITATION_COLUMNS)]], ignore_index=True)
    return docs, cites


def merged_citations(store=None, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shipped and workspace (documents, citations) together (workspace wins on equal doc_id).

    Parameters
    ----------
    store : geo.store.Store, optional
        The workspace store; None for the shipped sources alone.
    data_dir : Path
        The shipped data folder.

    Returns
    -------
    (DataFrame, DataFrame)
        As :func:`catalog_citations`, for ``Catalog(store, data_dir)``.
    """
    return catalog_citations(Catalog(os.devnull if store is None else store.path, data_dir))
