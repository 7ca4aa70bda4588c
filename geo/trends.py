"""Counts over time and the change around milestones (truce, rounds of talks).

Pure pandas.  Events are canonical event frames (``date_start``, ``fatalities``,
``admin1_pcode``...) optionally carrying the columns of :func:`geo.classify.classify`
(``truce_class``, ``party1``, ``party2``) and ``held_by`` (:func:`geo.control.party_at`).

Grouping keys (``by``):

- any column of the events (``truce_class``, ``admin1_pcode``, ``held_by``, ``dataset``...);
- ``"party"``: the actor parties of the event (``party1`` and ``party2``, mixed sides split on
  ``+``).  An event is counted once under **each** distinct party it involves, so the groups
  add up to more than the total.

Periods: ``"D"`` days, ``"W"`` weeks starting on Monday (the period is named by its Monday).
Missing periods are filled with zeros so that lines drop to zero rather than interpolate.

Imprecise events (issue 9): an event dated only to a span longer than a week
(``geo.queries.long_span``) is never put on a day or week: :func:`counts_over_time` and
:func:`before_after` leave it out and :func:`long_spans` lists it apart (listed, not spread).
Shorter spans count on their first day.  When grouping by place (``admin1_pcode``,
``admin2_pcode``, ``held_by``), events located only to the country form the group
``geo.schema.LOCATION_UNKNOWN``, never a governorate or a holder.
"""

from __future__ import annotations

import pandas as pd

from geo.queries import blank_country_only, country_only, long_span, span_days
from geo.schema import ADMIN1, LOCATION_UNKNOWN

FREQS = {"D": "day", "W": "week (from Monday)"}
UNKNOWN_GROUP = "(unknown)"
#: Grouping columns that say where an event happened (country-only events: LOCATION_UNKNOWN).
PLACE_COLUMNS = ("admin1_pcode", "admin2_pcode", "held_by")
#: Columns of :func:`long_spans`.
LONG_SPAN_COLUMNS = (
    "event_id",
    "date_start",
    "date_end",
    "days",
    "date_precision",
    "place",
    "admin1_pcode",
    "fatalities",
)


def split_long_spans(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events that can be put on a day, events dated only to a span longer than a week).

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``date_start`` (and optionally ``date_end`` and ``date_precision``).

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        The rows of ``events`` (index kept) that are not long spans, and those that are (see
        ``geo.queries.long_span``); both are ``events`` itself when it is empty.
    """
    if len(events) == 0:
        return events, events
    longer = long_span(events)
    return events.loc[~longer], events.loc[longer]


def long_spans(events: pd.DataFrame) -> pd.DataFrame:
    """The events no daily or weekly count holds (code ``LONG_SPAN``), listed apart.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``date_start`` (and optionally ``date_end``, ``date_precision`` and the
        other :data:`LONG_SPAN_COLUMNS`; missing ones are filled with "").

    Returns
    -------
    DataFrame
        :data:`LONG_SPAN_COLUMNS` (``days``: length of the span; ``fatalities`` 0 when not
        reported), one row per long-span event, by ``date_start`` then ``event_id``.
    """
    _, longer = split_long_spans(events)
    cols = [c for c in LONG_SPAN_COLUMNS if c != "days"]
    out = pd.DataFrame({c: longer[c] if c in longer.columns else "" for c in cols})
    out.insert(3, "days", span_days(longer) if len(longer) else pd.Series(dtype="Int64"))
    out["fatalities"] = _fatalities(longer) if len(longer) else pd.Series(dtype="int64")
    if len(longer) and "admin1_pcode" in longer.columns:  # no governorate for an event located only to Syria
        out["admin1_pcode"] = blank_country_only(longer["admin1_pcode"], longer)
    return out.sort_values(["date_start", "event_id"], kind="stable").reset_index(drop=True)


def period_start(dates: pd.Series, freq: str = "D") -> pd.Series:
    """The first day of the period (day, or the Monday of the week) of each date.

    Parameters
    ----------
    dates : pandas.Series
        Dates or datetimes (their time of day is dropped).
    freq : str, default "D"
        ``"D"`` for days or ``"W"`` for weeks starting on Monday; anything else raises
        ``ValueError``.

    Returns
    -------
    pandas.Series
        The normalised first day of each date's period, on the index of ``dates``.
    """
    days = pd.to_datetime(dates).dt.normalize()
    if freq == "D":
        return days
    if freq == "W":
        return days - pd.to_timedelta(days.dt.weekday, unit="D")
    raise ValueError(f"unknown period {freq!r} (known: {', '.join(FREQS)})")


def _fatalities(events: pd.DataFrame) -> pd.Series:
    if "fatalities" not in events.columns:
        return pd.Series(0, index=events.index, dtype="int64")
    return pd.to_numeric(events["fatalities"], errors="coerce").fillna(0).astype("int64")


def _with_group(events: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Frame of date_start, fatalities and (if ``by``) a ``group`` column; party rows exploded.

    The index is a fresh range (one value per event), repeated on exploded party rows.
    """
    events = events.reset_index(drop=True)
    base = pd.DataFrame(
        {"date_start": pd.to_datetime(events["date_start"]), "fatalities": _fatalities(events)}, index=events.index
    )
    if by is None:
        return base
    if by == "party":
        p1 = events.get("party1", pd.Series("", index=events.index)).fillna("").astype(str)
        p2 = events.get("party2", pd.Series("", index=events.index)).fillna("").astype(str)
        parties = (p1 + "+" + p2).str.split("+").map(lambda ps: sorted({p for p in ps if p}) or [UNKNOWN_GROUP])
        base = base.assign(group=parties).explode("group")
        return base
    if by not in events.columns:
        raise ValueError(f"cannot group by {by!r}: no such column")
    group = events[by].astype(object).where(events[by].notna(), "").astype(str).replace("", UNKNOWN_GROUP)
    if by in PLACE_COLUMNS:
        group = group.where(~country_only(events), LOCATION_UNKNOWN)
    return base.assign(group=group)


def counts_over_time(
    events: pd.DataFrame,
    freq: str = "D",
    by: str | None = None,
    *,
    start=None,
    end=None,
) -> pd.DataFrame:
    """Events and fatalities per period (and per group).

    Parameters
    ----------
    events : DataFrame
        Canonical events (``date_start``; ``fatalities`` optional).
    freq : {"D", "W"}
        Days or weeks (starting on Monday).
    by : str, optional
        Grouping key (see the module docstring); ``None`` = totals only.
    start, end : date-like, optional
        Range of periods to fill with zeros (default: the events' own range).

    Returns
    -------
    DataFrame
        ``period``, [``group``], ``events``, ``fatalities``, one row per period (and group),
        zeros included, sorted.  Events dated only to a span longer than a week are left out
        (see :func:`long_spans`).
    """
    events, _ = split_long_spans(events)
    frame = _with_group(events, by).dropna(subset=["date_start"])
    frame["period"] = period_start(frame["date_start"], freq)
    keys = ["period"] + (["group"] if by is not None else [])
    counts = frame.groupby(keys).agg(events=("date_start", "size"), fatalities=("fatalities", "sum"))
    lo = pd.Timestamp(start) if start is not None else (frame["period"].min() if len(frame) else None)
    hi = pd.Timestamp(end) if end is not None else (frame["period"].max() if len(frame) else None)
    if lo is None or hi is None:
        cols = keys + ["events", "fatalities"]
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
    periods = pd.Series(pd.date_range(lo, hi, freq="D"))
    periods = pd.DatetimeIndex(period_start(periods, freq).unique(), name="period")
    if by is None:
        full = counts.reindex(periods, fill_value=0)
    else:
        groups = sorted(frame["group"].unique())
        full = counts.reindex(pd.MultiIndex.from_product([periods, groups], names=keys), fill_value=0)
    out = full.reset_index()
    out["events"] = out["events"].astype("int64")
    out["fatalities"] = out["fatalities"].astype("int64")
    return out


def before_after(
    events: pd.DataFrame,
    milestones: pd.DataFrame,
    window_days: int = 14,
    by: str | None = "admin1_pcode",
    *,
    coverage: tuple | None = None,
) -> pd.DataFrame:
    """Events and fatalities in the days before and after each milestone, per group.

    The *before* window is the ``window_days`` days before the milestone's ``date_start``;
    the *after* window is the ``window_days`` days starting on it (the day the truce took
    effect, or the first day of a round of talks).  When ``coverage`` (first and last day
    of the data) cuts a window short, rates per day are compared, and ``days_before`` /
    ``days_after`` say how many days each window really has.

    Parameters
    ----------
    events : DataFrame
        Canonical events (``date_start``, ``fatalities`` and the ``by`` column).
    milestones : DataFrame
        ``milestone_id``, ``date_start``, ``label`` (e.g. :func:`geo.datasets.load_milestones`).
    window_days : int
        Length of each window, in days (>= 1).
    by : str or None
        Grouping key (default governorate P-code); ``None`` = whole country only.
    coverage : (date-like, date-like), optional
        First and last day covered by the data.

    Returns
    -------
    DataFrame
        One row per milestone and group (plus a group ``"all"`` per milestone):
        ``milestone_id``, ``label``, ``date``, ``group``, ``name`` (governorate name when
        grouping by P-code; :data:`geo.schema.LOCATION_UNKNOWN` for events located only to
        the country), ``days_before``, ``days_after``, ``events_before``,
        ``events_after``, ``events_change_pct`` (change of the daily rate, %; NaN when
        nothing happened before), ``fatalities_before``, ``fatalities_after``,
        ``fatalities_change_pct``.
    """
    window_days = int(window_days)
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    frame = _dated_groups(events, by)
    groups = sorted(frame["group"].unique()) if len(frame) else []
    rows = []
    for ms in milestones.itertuples(index=False):
        d = pd.Timestamp(ms.date_start).normalize()
        (b0, b1), (a0, a1) = _windows(d, window_days, coverage)
        days_b, days_a = max((b1 - b0).days, 0), max((a1 - a0).days, 0)
        before = frame[(frame["day"] >= b0) & (frame["day"] < b1)]
        after = frame[(frame["day"] >= a0) & (frame["day"] < a1)]
        head = {"milestone_id": getattr(ms, "milestone_id", ""), "label": getattr(ms, "label", ""), "date": d}
        for g, nb, na in _group_counts(before, after, groups, with_all=by is not None):
            name = ADMIN1.get(g, g) if by == "admin1_pcode" else g
            rows.append({**head, "group": g, "name": name, **_compare(nb, days_b, na, days_a)})
    return pd.DataFrame(rows, columns=BEFORE_AFTER_COLUMNS)


def _dated_groups(events: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Events dated to a day (long spans left out: they are in no window of days), with ``group``."""
    events, _ = split_long_spans(events)
    frame = _with_group(events, by).dropna(subset=["date_start"])
    frame["day"] = frame["date_start"].dt.normalize()
    if by is None:
        frame["group"] = "all"
    return frame


#: The columns of :func:`before_after`.
BEFORE_AFTER_COLUMNS = [
    "milestone_id",
    "label",
    "date",
    "group",
    "name",
    "days_before",
    "days_after",
    "events_before",
    "events_after",
    "events_change_pct",
    "fatalities_before",
    "fatalities_after",
    "fatalities_change_pct",
]


def _windows(day: pd.Timestamp, window_days: int, coverage) -> tuple[tuple, tuple]:
    """The before window ``[b0, b1)`` and the after window ``[a0, a1)``, cut to ``coverage``."""
    b0, b1 = day - pd.Timedelta(days=window_days), day
    a0, a1 = day, day + pd.Timedelta(days=window_days)
    if coverage:
        lo, hi_next = pd.Timestamp(coverage[0]), pd.Timestamp(coverage[1]) + pd.Timedelta(days=1)
        b0, a0 = max(b0, lo), max(a0, lo)
        b1, a1 = min(b1, hi_next), min(a1, hi_next)
    return (b0, b1), (a0, a1)


def _group_counts(before: pd.DataFrame, after: pd.DataFrame, groups: list, *, with_all: bool) -> list[tuple]:
    """(group, counts before, counts after) per group, and for ``"all"`` when grouping."""
    nb = before.groupby("group").agg(events=("day", "size"), fatalities=("fatalities", "sum"))
    na = after.groupby("group").agg(events=("day", "size"), fatalities=("fatalities", "sum"))
    out = [(g, nb.reindex([g]).fillna(0).iloc[0], na.reindex([g]).fillna(0).iloc[0]) for g in groups]
    if with_all:
        total_b = before.loc[~before.index.duplicated()]  # party rows share their event's index
        total_a = after.loc[~after.index.duplicated()]
        out.append(
            (
                "all",
                pd.Series({"events": len(total_b), "fatalities": total_b["fatalities"].sum()}),
                pd.Series({"events": len(total_a), "fatalities": total_a["fatalities"].sum()}),
            )
        )
    return out


def _compare(b: pd.Series, days_b: int, a: pd.Series, days_a: int) -> dict:
    """Counts before and after, and the change of their daily rates (%)."""
    return {
        "days_before": days_b,
        "days_after": days_a,
        "events_before": int(b["events"]),
        "events_after": int(a["events"]),
        "events_change_pct": _pct(b["events"], days_b, a["events"], days_a),
        "fatalities_before": int(b["fatalities"]),
        "fatalities_after": int(a["fatalities"]),
        "fatalities_change_pct": _pct(b["fatalities"], days_b, a["fatalities"], days_a),
    }


def _pct(before, days_b, after, days_a) -> float:
    """Change of the daily rate, in %; NaN when there is nothing (or no day) before."""
    if days_b <= 0 or days_a <= 0 or before == 0:
        return float("nan")
    rate_b, rate_a = before / days_b, after / days_a
    return round(100.0 * (rate_a - rate_b) / rate_b, 1)
