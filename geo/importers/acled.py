"""ACLED export CSV -> canonical events (the 2023 column layout and the older one).

The older layout has ``data_id``, ``event_id_no_cnty``, ``iso3``; the 2023 layout dropped them
and added ``disorder_type``, ``civilian_targeting``, ``tags``. Only columns both share are
used. Dates: ISO or "15 January 2017".

- ``event_id`` = ``acled:<event_id_cnty>``; ``dataset`` = "acled".
- ``geo_precision``: 1 the town itself -> "exact"; 2 near a town / part of a region -> "near";
  3 a larger region (provincial capital used) -> "governorate".
- ``time_precision``: 1 the day -> "day"; 2 a week or so -> "week"; 3 a month -> "month".
- ``actor1``/``actor2`` = the actor and its associated actors ("; "-joined);
  ``place`` = ``location``; ``source`` = ``source``;
- ``event_type`` in the vocabulary of the app's class filter (``viewstate.EVENT_TYPES``):
  Battles -> "battle"; Explosions/Remote violence -> "shelling" (sub-event
  Shelling/artillery/missile attack), "airstrike" (Air/drone strike), else "explosion";
  Violence against civilians -> "violence_against_civilians"; Protests, Riots, Strategic
  developments -> "protests", "riots", "strategic developments" (``geo.classify`` keeps them out
  of the fighting classes); any other type lower-cased. The sub-event type stays in ``notes``;
  ``notes`` = the sub-event type and ACLED's notes (kept in the workspace store only: raw
  ACLED data may not be redistributed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import validate as v
from geo.encoding import read_csv
from geo.importers.base import Context, Parsed, events_from_columns
from geo.schema import Problem

REQUIRED = ("event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude")
GEO_PREC = {1: "exact", 2: "near", 3: "governorate"}
TIME_PREC = {1: "day", 2: "week", 3: "month"}


def _coded(df, rows, column, mapping, problems):
    if column not in df.columns:
        return None
    codes, p = v.parse_ints(df[column], rows, column)
    problems += p
    known = codes.isin(list(mapping)).fillna(False).to_numpy()
    for i in np.flatnonzero(codes.notna().to_numpy() & ~known):
        problems.append(
            Problem(int(rows[i]), column, f"code {codes.iat[i]} is not one of {', '.join(map(str, mapping))}")
        )
    return codes.map(lambda c: mapping.get(int(c), "") if c is not None and c == c else "").astype(object)


EVENT_TYPES = {
    "battles": "battle",
    "explosions/remote violence": "explosion",
    "violence against civilians": "violence_against_civilians",
}
SUB_EVENT_TYPES = {
    "shelling/artillery/missile attack": "shelling",
    "air/drone strike": "airstrike",
}


def event_types(event_type: pd.Series, sub_event_type: pd.Series) -> pd.Series:
    """ACLED event (and sub-event) types -> the app's event types (see the module doc).

    Parameters
    ----------
    event_type : pandas.Series
        ACLED ``event_type`` values.
    sub_event_type : pandas.Series
        ACLED ``sub_event_type`` values, aligned with ``event_type``.

    Returns
    -------
    pandas.Series
        Lower-cased, whitespace-collapsed types mapped through ``EVENT_TYPES`` (unmapped types
        kept as they are); explosions whose sub-event type is in ``SUB_EVENT_TYPES`` take that
        mapping instead.
    """
    kind = v.clean_text(event_type).str.lower().str.replace(r"\s+", " ", regex=True)
    sub = v.clean_text(sub_event_type).str.lower().str.replace(r"\s+", " ", regex=True)
    out = kind.map(EVENT_TYPES).fillna(kind)
    remote = (out == "explosion") & sub.isin(list(SUB_EVENT_TYPES))
    return out.where(~remote, sub.map(SUB_EVENT_TYPES)).astype(object)


def _join(df, a, b):
    first = v.clean_text(df[a]) if a in df.columns else pd.Series([""] * len(df))
    if b not in df.columns:
        return first
    second = v.clean_text(df[b])
    return pd.Series(
        [x if not y else (f"{x}; {y}" if x else y) for x, y in zip(first, second, strict=True)], dtype=object
    )


def layout(columns) -> str:
    """ "2023" or "older" (by the columns ACLED added in March 2023).

    Parameters
    ----------
    columns : iterable of str
        Column names of the export.

    Returns
    -------
    str
        ``"2023"`` when ``disorder_type`` or ``civilian_targeting`` is among the columns,
        ``"older"`` otherwise.
    """
    return "2023" if {"disorder_type", "civilian_targeting"} & set(columns) else "older"


def parse(path, ctx: Context) -> Parsed:
    """Parse an ACLED export CSV.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file to read.
    ctx : Context
        The import at hand; its ``encoding`` option is passed to ``read_csv``.

    Returns
    -------
    Parsed
        ``events`` records built with ``events_from_columns``, or a ``Parsed`` with no frame and
        the problems when required columns are missing; on success a note names the column layout.
    """
    df, _enc = read_csv(path, ctx.opt("encoding"))
    ctx.step("check", len(df))
    problems = v.require_columns(df.columns, REQUIRED, "is this an ACLED export?")
    if problems:
        return Parsed("events", None, problems)
    df = df.reset_index(drop=True)
    rows = pd.Series(np.arange(1, len(df) + 1))
    geo_prec = _coded(df, rows, "geo_precision", GEO_PREC, problems)
    time_prec = _coded(df, rows, "time_precision", TIME_PREC, problems)
    sub = v.clean_text(df["sub_event_type"]) if "sub_event_type" in df.columns else pd.Series([""] * len(df))
    notes = v.clean_text(df["notes"]) if "notes" in df.columns else pd.Series([""] * len(df))
    notes = pd.Series(
        [f"{s}: {n}" if s and n else (s or n) for s, n in zip(sub, notes, strict=True)], dtype=object
    )
    cols = {
        "event_id": df["event_id_cnty"],
        "date_start": df["event_date"],
        "date_precision": time_prec if time_prec is not None else pd.Series(["day"] * len(df)),
        "geo_precision": geo_prec,
        "place": df.get("location"),
        "actor1": _join(df, "actor1", "assoc_actor_1"),
        "actor2": _join(df, "actor2", "assoc_actor_2"),
        "event_type": event_types(df["event_type"], sub),
        "fatalities": df.get("fatalities"),
        "source": df.get("source"),
        "notes": notes,
    }
    names = {
        "event_id": "event_id_cnty",
        "date_start": "event_date",
        "lat": "latitude",
        "lon": "longitude",
        "geo_precision": "geo_precision",
        "date_precision": "time_precision",
        "place": "location",
    }
    parsed = events_from_columns(
        cols, names, rows, ctx, dataset="acled", id_prefix="acled:", lat=df["latitude"], lon=df["longitude"],
        problems=problems,
    )
    if not parsed.problems:
        parsed.notes.append(f"ACLED {layout(df.columns)} column layout")
    return parsed
