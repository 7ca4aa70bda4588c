"""Canonical records shared by every module, and the problem type of validation.

One set of column names is used everywhere: shipped files, the workspace store,
importers, queries, layers and exports.  Dates are ``datetime64[ns]`` (naive,
day resolution) in memory and ISO ``YYYY-MM-DD`` strings on disk.  Geometries
are in EPSG:4326.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.names import ADMIN1_DISPLAY
from geo.vocabulary import COUNTRY_ONLY as COUNTRY_ONLY  # located only to the country
from geo.vocabulary import DATE_PRECISIONS as DATE_PRECISIONS
from geo.vocabulary import GEO_PRECISIONS as GEO_PRECISIONS
from geo.vocabulary import IMPRECISE
from geo.vocabulary import LONG_SPAN as LONG_SPAN  # dated only to a span longer than LONG_SPAN_DAYS days
from geo.vocabulary import PARTIES as PARTIES
from geo.vocabulary import PARTLY_IN_RANGE as PARTLY_IN_RANGE  # span overlaps a range without lying inside it

CRS = "EPSG:4326"
#: Metric CRS for distances and buffers in Syria (UTM 37N).
METRIC_CRS = "EPSG:32637"
#: Equal-area CRS for areas (World Mollweide... here: Lambert azimuthal centred on Syria).
EQUAL_AREA_CRS = "+proj=laea +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs"

#: The window the shipped data covers.
WINDOW_START = "2016-12-01"
WINDOW_END = "2017-03-31"
#: The nationwide ceasefire.
TRUCE_DATE = "2016-12-30"

# --- vocabularies ---------------------------------------------------------------
# Parties (zone parties: code -> label), precisions and the imprecise-event codes with their
# labels live in geo/vocabulary.py; the names imported at the top are re-exported for the many
# readers of the canonical columns.
CONFIDENCES = ("high", "medium", "low")

# --- imprecise events: condition codes (issue 9; geo/queries.py tests them, front ends word them) ---
#: ``geo_precision`` values that place an event only somewhere in Syria: never drawn, never in a
#: governorate, district or zone, never given a holder; counted in national totals only.
COUNTRY_ONLY_PRECISIONS = ("country",)
#: A span longer than this many days (``date_end - date_start + 1``) is a long span, and so is
#: every event with a ``date_precision`` in LONG_SPAN_PRECISIONS: never put on one day or week.
LONG_SPAN_DAYS = 7
LONG_SPAN_PRECISIONS = ("month", "year")
#: The unit country-only events are counted in by governorate / district / zone (key, name).
LOCATION_UNKNOWN_PCODE = "SY"
LOCATION_UNKNOWN = IMPRECISE[COUNTRY_ONLY].label
#: The row of long spans in counts by day or week.
LONG_SPAN_ROW = IMPRECISE[LONG_SPAN].label

# --- events -------------------------------------------------------------------
#: Columns of an event GeoDataFrame (plus ``geometry``: Point, EPSG:4326).
EVENT_COLUMNS: dict[str, str] = {
    "event_id": "str",  # source-prefixed and unique, e.g. "ucdp:240896", "acled:SYR1234"
    "dataset": "str",  # ucdp / acled / csv / geojson / gpkg / curated / synthetic
    "date_start": "datetime64[ns]",
    "date_end": "datetime64[ns]",
    "date_precision": "str",  # DATE_PRECISIONS
    "geo_precision": "str",  # GEO_PRECISIONS
    "place": "str",
    "admin1_pcode": "str",  # SY01..SY14 or ""
    "actor1": "str",
    "actor2": "str",
    "event_type": "str",
    "fatalities": "Int64",
    "fatalities_low": "Int64",
    "fatalities_high": "Int64",
    "civilian_fatalities": "Int64",
    "source": "str",  # outlet(s) / dataset citation
    "source_date": "str",  # ISO date or ""
    "notes": "str",  # our own words only, never copied press text
    "flags": "str",  # ';'-joined flags, e.g. "near_border"
    "import_batch": "str",
}

# --- localities (gazetteer) ---------------------------------------------------
LOCALITY_COLUMNS: dict[str, str] = {
    "locality_id": "str",  # "gn:<geonameid>" or "cur:<slug>"
    "name_en": "str",
    "name_ascii": "str",
    "name_ar": "str",
    "aliases": "str",  # '|'-joined
    "admin1_pcode": "str",
    "population": "Int64",
    "source": "str",
    "geo_precision": "str",
}

# --- control records and zones -----------------------------------------------
#: valid_from inclusive, valid_to exclusive (NaT = still valid at window end).
CONTROL_COLUMNS: dict[str, str] = {
    "locality_id": "str",
    "party": "str",
    "valid_from": "datetime64[ns]",
    "valid_to": "datetime64[ns]",
    "source_id": "str",
    "confidence": "str",
    "note": "str",
}
ZONE_COLUMNS: dict[str, str] = {
    "party": "str",
    "valid_from": "datetime64[ns]",
    "valid_to": "datetime64[ns]",
    "method": "str",  # derived / imported
    "source": "str",
}

# --- documents and citations (workspace store; issue 4, geo/citations.py) ----------
DOCUMENT_COLUMNS: dict[str, str] = {
    "doc_id": "str",  # "doc:" + content hash of the decoded text
    "title": "str",
    "outlet": "str",
    "published": "datetime64[ns]",
    "url": "str",
    "source_file": "str",
}
#: One row per mention; ``sentence`` only ever holds text from the user's own documents.
CITATION_COLUMNS: dict[str, str] = {
    "doc_id": "str",
    "locality_id": "str",  # "" for a venue abroad
    "venue": "str",  # name of a place abroad, "" for a Syrian locality
    "kind": "str",  # town / venue / metonymy
    "start": "Int64",  # character offsets in the document's text
    "end": "Int64",
    "surface": "str",
    "sentence": "str",
}

# --- boundaries ---------------------------------------------------------------
BOUNDARY_COLUMNS: dict[str, str] = {
    "admin_level": "int64",  # 0 country, 1 governorate, 2 district, 3 sub-district, 4 neighbourhood
    "pcode": "str",  # SY, SY01..SY14, SY0101.., SY010000.., neighbourhoods N0001..
    "parent_pcode": "str",  # P-code of the unit one level up ("" for the country)
    "name_en": "str",
    "name_ar": "str",
    "source": "str",
    "precision": "str",  # "official" (shipped OCHA COD-AB, or imported) / "imported"
}

#: Governorate P-code -> display name, the English press form ("Idlib", "Daraa"); OCHA's names
#: ("Idleb", "Dar'a", what the boundary files carry) and the other spellings are aliases in geo/names.py.
ADMIN1 = dict(ADMIN1_DISPLAY)
ADMIN1_AR = {
    "SY01": "دمشق",
    "SY02": "حلب",
    "SY03": "ريف دمشق",
    "SY04": "حمص",
    "SY05": "حماة",
    "SY06": "اللاذقية",
    "SY07": "إدلب",
    "SY08": "الحسكة",
    "SY09": "دير الزور",
    "SY10": "طرطوس",
    "SY11": "الرقة",
    "SY12": "درعا",
    "SY13": "السويداء",
    "SY14": "القنيطرة",
}


#: Problem codes a front end may act on (it words them and offers its own controls).
PROBLEM_CODES: dict[str, str] = {
    "ambiguous_date": "a numeric date that reads as day/month and as month/day; the order is needed",
    "bad_date": "a date that cannot be read",
    "invalid_geometry": "a geometry that is not valid (repairable with make_valid)",
    "missing_geometry": "a row without a geometry, or one that could not be read",
    "open_ring": "a polygon ring whose first and last positions differ (repairable)",
    "layer_required": "a file holding several layers: one must be chosen",
    "layer_conflict": "several layers hold the same admin level: one must be chosen",
    "mapping_required": "the columns cannot be recognised: a column mapping is needed",
    "bad_mapping": "the column mapping given cannot be used",
    "mapped_column_missing": "a column named by the mapping is not in the file",
    "unknown_kind": "the kind of data asked for is not one of events, boundaries, zones",
    "bad_encoding": "the text encoding cannot be decided (e.g. Windows Arabic)",
    "swapped_coordinates": "latitude and longitude look swapped",
    "outside_outline": "a point outside Syria's outline",
    "flagged": "accepted, with a flag (``values`` holds the flag)",
}


@dataclass(frozen=True)
class Problem:
    """One reason an input is refused (or flagged).

    Parameters
    ----------
    row : int or None
        1-based as a user counts data rows in the file (header excluded); ``None`` when the
        problem concerns the whole file.
    column : str or None
        The column (or field) concerned, ``None`` for the whole row or file.
    reason : str
        What is wrong, in words that name no front end's controls (no command-line flag).
    code : str
        What kind of problem it is (:data:`PROBLEM_CODES`, "" when none applies): front ends
        choose their advice and controls by code, never by parsing ``reason``.
    values : tuple of str
        The values concerned, e.g. the layer names of a file holding several layers.
    """

    row: int | None
    column: str | None
    reason: str
    code: str = ""
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column and self.column.startswith("--"):
            where.append(f"option {self.column}")
        elif self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where) if where else "file"
        return f"{prefix}: {self.reason}"


#: How many problems front ends list before summarising the rest by kind.
PROBLEMS_SHOWN = 100


def summarise(problems: list[Problem], limit: int = PROBLEMS_SHOWN) -> tuple[list[Problem], list[tuple[str, int]]]:
    """The first ``limit`` problems, and the rest counted by kind (code, else reason without values).

    Parameters
    ----------
    problems : list of Problem
        Every problem found.
    limit : int
        How many to list one by one.

    Returns
    -------
    (list of Problem, list of (str, int))
        The problems to list, and (kind, count) of those left out, the most frequent kind first:
        a 26-million-problem file gives 100 lines and one "26,214,299 more of the same kind".
    """
    rest: dict[str, int] = {}
    for p in problems[limit:]:
        kind = p.code or re.sub(r"'[^']*'|\"[^\"]*\"|\d[\d,.]*", "…", p.reason)[:120]
        rest[kind] = rest.get(kind, 0) + 1
    return list(problems[:limit]), sorted(rest.items(), key=lambda kv: -kv[1])


class InputError(Exception):
    """Raised when input is refused; carries every problem found (its message lists the first 100)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown, rest = summarise(self.problems)
        more = [f"{n:,} more: {kind}" for kind, n in rest]
        super().__init__("\n".join([*(str(p) for p in shown), *more]))

#: GeoNames admin1 codes for Syria -> OCHA P-codes.
GEONAMES_ADMIN1 = {
    "01": "SY08",
    "02": "SY06",
    "03": "SY14",
    "04": "SY11",
    "05": "SY13",
    "06": "SY12",
    "07": "SY09",
    "08": "SY03",
    "09": "SY02",
    "10": "SY05",
    "11": "SY04",
    "12": "SY07",
    "13": "SY01",
    "14": "SY10",
}
