"""Any CSV of events -> canonical events.

Two ways in:

- the option ``map`` (``id=COL,date=COL,lat=COL,lon=COL[,actor1=COL,actor2=COL,type=COL,fatalities=COL,
  place=COL,source=COL,notes=COL,date_end=COL,geo_precision=COL,date_precision=COL]``)
  (``--map`` on the command line):
  the named columns are read; IDs become ``csv:<id>``, ``dataset`` "csv".
- no mapping and the file has the canonical columns (``event_id``, ``date_start``, ``lat``,
  ``lon``, as ``export events --format csv`` writes them): every canonical column is read
  and IDs are kept as they are, so an export imports back unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.encoding import read_csv
from geo.importers.base import Context, Parsed, events_from_columns
from geo.schema import EVENT_COLUMNS, Problem

#: mapping key -> canonical field
MAP_KEYS = {
    "id": "event_id",
    "date": "date_start",
    "date_end": "date_end",
    "lat": "lat",
    "lon": "lon",
    "actor1": "actor1",
    "actor2": "actor2",
    "type": "event_type",
    "fatalities": "fatalities",
    "place": "place",
    "source": "source",
    "notes": "notes",
    "geo_precision": "geo_precision",
    "date_precision": "date_precision",
}
REQUIRED_KEYS = ("id", "date", "lat", "lon")
CANONICAL_REQUIRED = ("event_id", "date_start", "lat", "lon")


def parse_map(spec, required=REQUIRED_KEYS) -> tuple[dict[str, str], list[Problem]]:
    """``"id=COL,date=COL"`` (or a dict) -> {key: column}, with problems for bad entries.

    Parameters
    ----------
    spec : str or dict or None
        ``KEY=COLUMN`` pairs separated by commas, or a dict of them; ``None`` or ``""`` for no
        mapping.  Keys must be among ``MAP_KEYS``.
    required : sequence of str, default REQUIRED_KEYS
        Keys the mapping must contain.

    Returns
    -------
    tuple of (dict, list of Problem)
        The mapping key -> column name, and the problems (code ``bad_mapping``) for malformed,
        unknown, repeated or missing keys; ``({}, [])`` when there is no mapping.
    """
    if spec is None or spec == "":
        return {}, []
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs, problems = [], []
        for part in str(spec).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                return {}, [Problem(None, None, f"mapping entry {part.strip()!r} is not KEY=COLUMN", code="bad_mapping")]
            key, col = part.split("=", 1)
            pairs.append((key.strip(), col.strip()))
    problems = []
    mapping = {}
    for key, col in pairs:
        if key not in MAP_KEYS:
            problems.append(
                Problem(None, None, f"mapping key {key!r} is unknown (known: {', '.join(MAP_KEYS)})", code="bad_mapping")
            )
        elif key in mapping:
            problems.append(Problem(None, None, f"mapping key {key!r} is given twice", code="bad_mapping"))
        else:
            mapping[key] = col
    for key in required:
        if key not in mapping:
            problems.append(
                Problem(None, None, f"the mapping needs {key}=COLUMN (required: {', '.join(required)})", code="bad_mapping")
            )
    return mapping, problems


def parse(path, ctx: Context) -> Parsed:
    """Parse a CSV of events (mapped or canonical).

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file to read.
    ctx : Context
        The import at hand; its ``encoding`` and ``map`` options are used.

    Returns
    -------
    Parsed
        ``events`` records; without a mapping the file must have the canonical columns
        (otherwise one ``mapping_required`` problem), with a mapping every named column must
        exist (otherwise ``mapped_column_missing`` problems).
    """
    df, _enc = read_csv(path, ctx.opt("encoding"))
    ctx.step("check", len(df))
    df = df.reset_index(drop=True)
    rows = pd.Series(np.arange(1, len(df) + 1))
    mapping, problems = parse_map(ctx.opt("map"))
    if problems:
        return Parsed("events", None, problems)
    if not mapping:
        if all(c in df.columns for c in CANONICAL_REQUIRED):
            cols = {c: df[c] for c in EVENT_COLUMNS if c in df.columns}
            return events_from_columns(
                cols, {}, rows, ctx, dataset="csv", id_prefix="", lat=df["lat"], lon=df["lon"]
            )
        return Parsed(
            "events",
            None,
            [
                Problem(
                    None,
                    None,
                    "the columns are not the canonical ones (event_id, date_start, lat, lon): "
                    "say which column is which in a mapping "
                    f"(the file has: {', '.join(df.columns[:15])})",
                    code="mapping_required",
                    values=tuple(str(c) for c in df.columns),
                )
            ],
        )
    problems = [
        Problem(None, col, f"column named by the mapping {key}={col} is not in the file", code="mapped_column_missing")
        for key, col in mapping.items()
        if col not in df.columns
    ]
    if problems:
        return Parsed("events", None, problems)
    cols = {MAP_KEYS[k]: df[c] for k, c in mapping.items() if k not in ("lat", "lon")}
    names = {MAP_KEYS[k]: c for k, c in mapping.items()}
    return events_from_columns(
        cols,
        names,
        rows,
        ctx,
        dataset="csv",
        id_prefix="csv:",
        lat=df[mapping["lat"]],
        lon=df[mapping["lon"]],
    )
