"""UCDP GED CSV (GED 19.1 layout and later) -> canonical events.

Mapping (UCDP GED codebook 19.1):

- ``event_id`` = ``ucdp:<id>``; ``dataset`` = "ucdp", or "synthetic" where a ``dataset`` column (not
  UCDP's: generated files, ``bench/scale.py``) says so; any other value there is refused.
- ``where_prec``: 1 exact location -> "exact"; 2 within ~25 km of a known point -> "near";
  3 second-order admin unit (district) -> "district"; 4 first-order admin unit -> "governorate";
  5 a part of the country or a linear feature (e.g. "Eastern Qalamoun", "Western Daraa
  Governorate") -> "governorate" (known only to a large area); 6 the country -> "country";
  7 international waters/airspace -> "country".
- ``date_prec``: 1 day -> "day"; 2 a span of 2-6 days -> "days"; 3 a week -> "week";
  4 a month -> "month"; 5 more than a month within a year -> "year".
- ``type_of_violence`` -> ``event_type``: 1 "state-based", 2 "non-state", 3 "one-sided" (the
  vocabulary of the app's class filter, ``viewstate.EVENT_TYPES``).
- ``fatalities`` = ``best``, ``fatalities_low`` = ``low``, ``fatalities_high`` = ``high``,
  ``civilian_fatalities`` = ``deaths_civilians``; ``actor1`` = ``side_a``, ``actor2`` = ``side_b``;
  ``place`` = ``where_coordinates``; ``source`` = ``source_office``; ``source_date`` as given.
- Never kept: ``source_article``, ``source_headline``, ``source_original`` (press text): never even
  loaded (only the columns above are read).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import validate as v
from geo.encoding import read_csv
from geo.importers.base import Context, Parsed, events_from_columns
from geo.schema import Problem

REQUIRED = (
    "id",
    "date_start",
    "date_end",
    "latitude",
    "longitude",
    "side_a",
    "side_b",
    "type_of_violence",
    "where_prec",
    "date_prec",
    "best",
)
WHERE_PREC = {
    1: "exact",
    2: "near",
    3: "district",
    4: "governorate",
    5: "governorate",
    6: "country",
    7: "country",
}
DATE_PREC = {1: "day", 2: "days", 3: "week", 4: "month", 5: "year"}
#: The optional columns the importer reads; the others (press text among them) are never loaded.
#: ``dataset`` is not UCDP's: a generated file (``bench/scale.py``) says "synthetic" there.
OPTIONAL = ("where_coordinates", "low", "high", "deaths_civilians", "source_office", "source_date", "dataset")
#: Canonical field -> the UCDP column it comes from (named in problems).
NAMES = {
    "event_id": "id",
    "fatalities": "best",
    "fatalities_low": "low",
    "fatalities_high": "high",
    "civilian_fatalities": "deaths_civilians",
    "lat": "latitude",
    "lon": "longitude",
    "actor1": "side_a",
    "actor2": "side_b",
    "place": "where_coordinates",
    "source": "source_office",
    "geo_precision": "where_prec",
    "date_precision": "date_prec",
    "event_type": "type_of_violence",
}
#: The values a ``dataset`` column may hold (empty: "ucdp").
DATASETS = ("ucdp", "synthetic")


def _dataset_problems(df, rows) -> list[Problem]:
    """A problem for each ``dataset`` cell that is neither empty nor one of :data:`DATASETS`."""
    if "dataset" not in df.columns:
        return []
    text = v.clean_text(df["dataset"])
    bad = np.flatnonzero((~text.isin([*DATASETS, ""])).to_numpy())
    return [Problem(int(rows[i]), "dataset", f"{text.iat[i][:40]!r} is not one of {', '.join(DATASETS)}") for i in bad]
VIOLENCE = {1: "state-based", 2: "non-state", 3: "one-sided"}


def _coded(df, rows, column, mapping, problems):
    codes, p = v.parse_ints(df[column], rows, column, required=True)
    problems += p
    known = codes.isin(list(mapping)).fillna(False).to_numpy()
    for i in np.flatnonzero(codes.notna().to_numpy() & ~known):
        problems.append(
            Problem(int(rows[i]), column, f"code {codes.iat[i]} is not one of {', '.join(map(str, mapping))}")
        )
    keys = codes.to_numpy(dtype=float, na_value=np.nan)  # vectorised: no Python call per row
    return pd.Series(keys, index=codes.index).map({float(k): text for k, text in mapping.items()}).fillna("").astype(object)


def parse(path, ctx: Context) -> Parsed:
    """Parse a UCDP GED CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file to read.
    ctx : Context
        The import at hand; its ``encoding`` option is passed to ``read_csv``.

    Returns
    -------
    Parsed
        ``events`` records built with ``events_from_columns`` (precision and violence codes
        mapped to the app's values), or a ``Parsed`` with no frame and the problems when
        required columns are missing.
    """
    df, _enc = read_csv(path, ctx.opt("encoding"), columns=REQUIRED + OPTIONAL)
    ctx.step("check", len(df))
    problems = v.require_columns(df.columns, REQUIRED, "is this a UCDP GED file?")
    if problems:
        return Parsed("events", None, problems)
    rows = np.arange(1, len(df) + 1)
    rows = pd.Series(rows)
    df = df.reset_index(drop=True)
    geo_prec = _coded(df, rows, "where_prec", WHERE_PREC, problems)
    date_prec = _coded(df, rows, "date_prec", DATE_PREC, problems)
    violence = _coded(df, rows, "type_of_violence", VIOLENCE, problems)
    problems += _dataset_problems(df, rows)
    get = lambda c: df[c] if c in df.columns else None  # noqa: E731
    cols = {
        "dataset": get("dataset"),
        "event_id": df["id"],
        "date_start": df["date_start"],
        "date_end": df["date_end"],
        "date_precision": date_prec,
        "geo_precision": geo_prec,
        "place": get("where_coordinates"),
        "actor1": df["side_a"],
        "actor2": df["side_b"],
        "event_type": violence,
        "fatalities": df["best"],
        "fatalities_low": get("low"),
        "fatalities_high": get("high"),
        "civilian_fatalities": get("deaths_civilians"),
        "source": get("source_office"),
        "source_date": get("source_date"),
    }
    parsed = events_from_columns(
        cols, NAMES, rows, ctx, dataset="ucdp", id_prefix="ucdp:", lat=df["latitude"], lon=df["longitude"],
        problems=problems,
    )
    return parsed
