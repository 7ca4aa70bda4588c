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

Who fought whom (issue 10): :func:`party_pairs` counts events per pair of sides and per week,
:func:`pair_totals` per pair over the selection.  Each event is in exactly one pair
(:func:`pair_sides`: its ``party1`` and ``party2`` sides, a joint side such as ``opposition+hts``
kept whole, a side with no known party :data:`UNKNOWN_SIDE`), so each week's pairs add up to
that week's events.  Pairs are unordered by default ("who fought whom"); ``ordered=True`` keeps
side 1 -> side 2 as recorded (the alleged perpetrator first in the curated reports; UCDP's side A,
the government in state-based conflict, is not necessarily the attacker).

Small counts: :func:`meaningful_change` keeps a before/after change only where both windows hold
:data:`MIN_EVENTS_FOR_CHANGE` events or more.  :func:`label_lanes` puts the milestone names of the
Trends page in lanes so that no two overlap.
"""

from __future__ import annotations

import pandas as pd

from geo.queries import blank_country_only, country_only, long_span, span_days
from geo.schema import ADMIN1, LOCATION_UNKNOWN
from geo.vocabulary import PARTY

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


# --- who fought whom: party pairs over time ------------------------------------------------------
#: The side of an event whose parties are not known: no party, or the actor table does not know it.
UNKNOWN_SIDE = "unknown"
#: Columns of :func:`party_pairs`.
PAIR_COLUMNS = ("period", "side1", "side2", "events", "fatalities")
#: Columns of :func:`pair_totals`.
PAIR_TOTAL_COLUMNS = ("side1", "side2", "events", "fatalities", "on_a_period", "long_span", "country_only")


def _side(values: pd.Series) -> pd.Series:
    """Each side as its distinct parties in vocabulary order, "+"-joined; "" or only "unknown" -> UNKNOWN_SIDE."""
    order = {p: i for i, p in enumerate(PARTY)}

    def one(text: str) -> str:
        parties = sorted({p for p in text.split("+") if p}, key=lambda p: (order.get(p, len(order)), p))
        known = [p for p in parties if p != UNKNOWN_SIDE]
        return "+".join(parties) if known else UNKNOWN_SIDE

    return values.astype("string").fillna("").astype(str).map(one)


def _side_key(side: str) -> tuple:
    """Sort key of a side: its first party's place in the vocabulary (unknown last), then the text."""
    order = {p: i for i, p in enumerate(PARTY)}
    first = side.split("+")[0]
    return (side == UNKNOWN_SIDE, order.get(first, len(order)), side)


def pair_sides(events: pd.DataFrame, *, ordered: bool = False) -> pd.DataFrame:
    """The pair of sides of each event: ``side1``, ``side2`` (index of ``events``).

    Parameters
    ----------
    events : pandas.DataFrame
        Classified events (``party1``, ``party2``; a missing column is an unknown side).
    ordered : bool, default False
        False: the pair is unordered ("who fought whom"), its two sides in vocabulary order
        (``geo.vocabulary.PARTY``: government first, unknown last).  True: ``side1`` is
        ``party1`` (``actor1``: the alleged perpetrator in the curated reports and ACLED; UCDP's
        side A, which in state-based conflict is the government, not necessarily the attacker)
        and ``side2`` is ``party2``.

    Returns
    -------
    pandas.DataFrame
        ``side1`` and ``side2``: each the side's distinct parties "+"-joined in vocabulary
        order (a joint side like ``opposition+hts`` stays one side, so an event is in exactly
        one pair); :data:`UNKNOWN_SIDE` for a side with no known party.
    """
    blank = pd.Series("", index=events.index)
    s1 = _side(events["party1"] if "party1" in events.columns else blank)
    s2 = _side(events["party2"] if "party2" in events.columns else blank)
    if not ordered and len(events):
        swap = pd.Series([_side_key(a) > _side_key(b) for a, b in zip(s1, s2, strict=True)], index=events.index)
        s1, s2 = s1.where(~swap, s2), s2.where(~swap, s1)
    return pd.DataFrame({"side1": s1, "side2": s2}, index=events.index)


def party_pairs(
    events: pd.DataFrame, freq: str = "W", *, ordered: bool = False, start=None, end=None
) -> pd.DataFrame:
    """Events and fatalities per pair of sides and per period: the "who fought whom" matrix.

    Every event is in exactly one pair (:func:`pair_sides`), so for each period the pairs add
    up to the events of that period; events with an unknown side form their own pairs (with
    :data:`UNKNOWN_SIDE`), never dropped.  Events dated only to a span longer than a week are
    on no period (see :func:`long_spans`; :func:`pair_totals` counts them apart).  Events
    located only to the country are counted: a pair says who fought, not where.

    Parameters
    ----------
    events : pandas.DataFrame
        Classified events (``date_start``, ``party1``, ``party2``; ``fatalities`` optional),
        e.g. the output of ``geo.view.filter_events``.
    freq : {"W", "D"}, default "W"
        Weeks starting on Monday, or days (:func:`period_start`).
    ordered : bool, default False
        See :func:`pair_sides`.
    start, end : date-like, optional
        Periods to fill with zeros (default: the events' own range).

    Returns
    -------
    pandas.DataFrame
        :data:`PAIR_COLUMNS`: one row per period and pair present in ``events`` (zeros
        included), by period then pair (vocabulary order, unknown sides last).
    """
    dated, _ = split_long_spans(events)
    if len(dated) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in PAIR_COLUMNS}).astype({"side1": object, "side2": object})
    frame = pair_sides(dated, ordered=ordered).assign(
        period=period_start(dated["date_start"], freq), fatalities=_fatalities(dated)
    )
    counts = frame.groupby(["period", "side1", "side2"]).agg(events=("period", "size"), fatalities=("fatalities", "sum"))
    lo = pd.Timestamp(start) if start is not None else frame["period"].min()
    hi = pd.Timestamp(end) if end is not None else frame["period"].max()
    periods = pd.DatetimeIndex(period_start(pd.Series(pd.date_range(lo, hi, freq="D")), freq).unique())
    pairs = sorted(set(zip(frame["side1"], frame["side2"], strict=True)), key=lambda p: (_side_key(p[0]), _side_key(p[1])))
    grid = pd.MultiIndex.from_tuples([(d, a, b) for d in periods for a, b in pairs], names=["period", "side1", "side2"])
    out = counts.reindex(grid, fill_value=0).reset_index()
    return out.astype({"events": "int64", "fatalities": "int64"})[list(PAIR_COLUMNS)]


def pair_totals(events: pd.DataFrame, *, ordered: bool = False) -> pd.DataFrame:
    """Events and fatalities per pair of sides over the whole selection, with what is imprecise.

    Parameters
    ----------
    events : pandas.DataFrame
        Classified events, as for :func:`party_pairs`.
    ordered : bool, default False
        See :func:`pair_sides`.

    Returns
    -------
    pandas.DataFrame
        :data:`PAIR_TOTAL_COLUMNS`: ``events`` and ``fatalities`` of every event of the pair
        (the ``events`` column adds up to ``len(events)``), ``on_a_period`` (those
        :func:`party_pairs` puts on a week), ``long_span`` (dated only to a span longer than
        a week), ``country_only`` (located only to Syria); by events, most first.
    """
    if len(events) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in PAIR_TOTAL_COLUMNS}).astype({"side1": object, "side2": object})
    longer = long_span(events)
    frame = pair_sides(events, ordered=ordered).assign(
        fatalities=_fatalities(events), long_span=longer.astype("int64"), country_only=country_only(events).astype("int64")
    )
    out = frame.groupby(["side1", "side2"], as_index=False).agg(
        events=("fatalities", "size"), fatalities=("fatalities", "sum"), long_span=("long_span", "sum"),
        country_only=("country_only", "sum"),
    )
    out["on_a_period"] = out["events"] - out["long_span"]
    out["_key"] = [(_side_key(a), _side_key(b)) for a, b in zip(out["side1"], out["side2"], strict=True)]
    out = out.sort_values("_key").sort_values("events", ascending=False, kind="stable")
    return out.reset_index(drop=True)[list(PAIR_TOTAL_COLUMNS)].astype({c: "int64" for c in PAIR_TOTAL_COLUMNS[2:]})


# --- before / after: changes only where the counts mean something --------------------------------
#: A change (%) is shown only when both windows hold at least this many events.
MIN_EVENTS_FOR_CHANGE = 10


def meaningful_change(table: pd.DataFrame, metric: str = "events", min_events: int = MIN_EVENTS_FOR_CHANGE) -> pd.Series:
    """The change of :func:`before_after` where both windows hold ``min_events`` events or more.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`before_after`.
    metric : {"events", "fatalities"}, default "events"
        Which change; the test is on the number of **events** in either case (a change of
        fatalities over a few events says little).
    min_events : int, default :data:`MIN_EVENTS_FOR_CHANGE`
        Fewest events each window must hold.

    Returns
    -------
    pandas.Series
        ``{metric}_change_pct`` where ``events_before`` and ``events_after`` are both at least
        ``min_events``, NaN elsewhere (too few events, or nothing before), on ``table``'s index.
    """
    if metric not in ("events", "fatalities"):
        raise ValueError(f"unknown metric {metric!r} (known: events, fatalities)")
    enough = (table["events_before"] >= min_events) & (table["events_after"] >= min_events)
    return table[f"{metric}_change_pct"].where(enough).astype("float64")


# --- milestone labels in a band of their own -------------------------------------------------------
def label_lanes(dates, start, end, label_days) -> pd.DataFrame:
    """Lanes for the labels of milestones so that no two labels in one lane overlap.

    Each label takes its ``label_days`` days of the time axis.  It starts at its date, or ends at
    it when it would run past ``end`` (then it is right-aligned).  Lanes are filled greedily in
    date order: a label goes to the first lane where it overlaps no other.

    Parameters
    ----------
    dates : iterable of date-like
        The milestones' dates, in any order.
    start, end : date-like
        The time axis.
    label_days : float or sequence of float
        Width of each label (or of every label), in days of the axis (> 0).

    Returns
    -------
    pandas.DataFrame
        ``lane`` (0 = nearest the chart) and ``align`` ("left" or "right"), on the positions
        of ``dates`` (index 0..n-1).
    """
    days = pd.to_datetime(pd.Series(list(dates), dtype=object)).reset_index(drop=True)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    widths = pd.Series(label_days if pd.api.types.is_list_like(label_days) else [label_days] * len(days), dtype="float64")
    lanes: list[list[tuple]] = []
    out = pd.DataFrame({"lane": 0, "align": "left"}, index=days.index)
    for i in days.sort_values(kind="stable").index:
        d, width = days[i], pd.Timedelta(days=float(widths.iloc[i]))
        right = d + width > hi + pd.Timedelta(days=1) and d - width >= lo
        span = (d - width, d) if right else (d, d + width)
        lane = next((k for k, taken in enumerate(lanes) if all(span[1] <= a or span[0] >= b for a, b in taken)), len(lanes))
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append(span)
        out.loc[i, ["lane", "align"]] = [lane, "right" if right else "left"]
    return out.astype({"lane": "int64"})
