"""Cited towns: which Syrian localities the reports mention, where, and how often.

One module per job; this package re-exports their public names (``from geo.citations import
find_mentions`` keeps working):

- :mod:`geo.citations.mentions`: detection, ``find_mentions(text, gazetteer)`` (the word lists
  it applies live in :mod:`geo.citation_rules`);
- :mod:`geo.citations.sources`: documents and citations as data (the workspace store's, the
  shipped ones, and their merge through ``geo.catalog.Catalog``);
- :mod:`geo.citations.towns`: aggregation, ``cited_towns`` (the map layer, the one
  implementation) and ``place_summary``;
- :mod:`geo.citations.tables`: the Sources page's tables.
"""

from __future__ import annotations

from geo.citations.mentions import MENTION_KINDS, Mention, find_mentions
from geo.citations.sources import (
    catalog_citations,
    citations_frame,
    documents_frame,
    load_gazetteer,
    load_localities_for,
    load_workspace,
    merged_citations,
    remove_document,
    save_document,
)
from geo.citations.tables import documents_overview, map_link, towns_table
from geo.citations.towns import cited_towns, place_summary
from geo.documents import Document, parse_document, read_document

__all__ = [
    "MENTION_KINDS",
    "Document",
    "Mention",
    "catalog_citations",
    "cited_towns",
    "citations_frame",
    "documents_frame",
    "documents_overview",
    "find_mentions",
    "load_gazetteer",
    "load_localities_for",
    "load_workspace",
    "map_link",
    "merged_citations",
    "parse_document",
    "place_summary",
    "read_document",
    "remove_document",
    "save_document",
    "towns_table",
]
