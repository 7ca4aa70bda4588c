"""Counts of events by governorate, by party zone, by day (and more groupers later).

``counts_by(events, by, **context)`` looks ``by`` up in :data:`GROUPERS`: a grouper takes the
events and the context and returns one key per event (a Series aligned on the events) plus
how to present the keys. To add a grouping (e.g. ``class`` from ``geo.classify``), register a
function with :func:`register_grouper`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo import admin
from geo.queries import blank_country_only, country_only, long_span
from geo.schema import ADMIN1, LOCATION_UNKNOWN, LOCATION_UNKNOWN_PCODE, LONG_SPAN_ROW
from geo.vocabulary import TRUCE_CLASSES, ZONE_PARTIES

NONE_LABEL = "(none)"
#: The columns of classified events that :func:`counts_by`'s groupers read (besides the geometry,
#: which only counting by zone on another ``date`` needs), so that a caller can read just these
#: (``geo.derived.classified_events(columns=...)``).
COUNT_COLUMNS = (
    "date_start", "date_end", "date_precision", "geo_precision", "admin1_pcode", "admin2_pcode", "fatalities",
    "truce_class", "held_by",
)


@dataclass(frozen=True)
class Grouper:
    """How to group events.

    ``keys(events, **context) -> Series`` gives each event's key; ``column`` names the key
    column of the result; ``all_keys(**context)`` (optional) lists keys that get a row even
    with zero events, in order; ``label`` (optional) adds a column of readable names.
    ``unknown_key`` (groupings by place: governorate, district, zone): the key of events located
    only to the country (``geo.queries.country_only``), named ``geo.schema.LOCATION_UNKNOWN``;
    ``long_span_key`` (groupings by day): the key of events dated only to a span longer than a
    week (``geo.queries.long_span``), never put on one day.  Both rows come last (before "(none)")
    and only when such events are counted.
    ``labels(**context)`` (optional) gives more name columns, ``[(column, key -> name), ...]``,
    placed first (e.g. district and governorate names from the district boundaries).
    """

    column: str
    keys: Callable[..., pd.Series]
    all_keys: Callable[..., list] | None = None
    label: tuple[str, Callable[[object], str]] | None = None
    unknown_key: str | None = None
    long_span_key: str | None = None
    labels: Callable[..., list] | None = None


def _governorate_keys(events, **_):
    return events["admin1_pcode"].astype(object).where(events["admin1_pcode"].notna(), "").astype(str)


def _zone_keys(events, *, date=None, party_at=None, **_):
    """The party holding each event's place on the event's own date (or on ``date``).

    ``party_at(events, date)`` is the control layer the map draws (``Catalog.party_at``: derived
    zones with their city neighbourhoods, imported polygons laid over them); there is no second path:
    classified events (``geo.view.classify_events``, ``geo.derived``) already carry its answer for
    their own dates in ``held_by`` (blank for events located only to the country, which count
    apart anyway), which is used when ``date`` is None.
    """
    if date is None and "held_by" in events.columns:  # classified events carry it (geo.view.classify_events)
        return events["held_by"]
    if party_at is None:
        raise ValueError("counting by zone needs party_at (e.g. Catalog.party_at)")
    return party_at(events, date)


def _day_keys(events, **_):
    return pd.to_datetime(events["date_start"]).dt.normalize()


def _day_all(*, start=None, end=None, events=None, **_):
    days = (
        pd.to_datetime(events["date_start"]).dt.normalize()
        if events is not None
        else pd.Series(dtype="datetime64[ns]")
    )
    s = pd.Timestamp(start) if start is not None else (days.min() if len(days) else None)
    e = pd.Timestamp(end) if end is not None else (days.max() if len(days) else None)
    if s is None or e is None or pd.isna(s) or pd.isna(e):
        return []
    return list(pd.date_range(s.normalize(), e.normalize(), freq="D"))


#: name -> Grouper. Extension point: ``register_grouper("class", Grouper(...))``.
GROUPERS: dict[str, Grouper] = {
    "governorate": Grouper(
        column="pcode",
        keys=_governorate_keys,
        all_keys=lambda **_: list(ADMIN1),
        label=("governorate", lambda k: ADMIN1.get(k, NONE_LABEL if not k else k)),
        unknown_key=LOCATION_UNKNOWN_PCODE,
    ),
    "zone": Grouper(
        column="party",
        keys=_zone_keys,
        all_keys=lambda **_: list(ZONE_PARTIES),
        unknown_key=LOCATION_UNKNOWN,
    ),
    "day": Grouper(column="day", keys=_day_keys, all_keys=_day_all, long_span_key=LONG_SPAN_ROW),
}


def _class_keys(events, *, actors=None, control=None, localities=None, outline=None, party_at=None, **_):
    """Truce class of each event (``geo.classify``), its own ``truce_class`` column if present.

    The holder of each event's place (which refines the class) comes from ``party_at(events,
    None)`` when given (e.g. ``Catalog.party_at``: the layer the map shows), else from the
    control table (``control``, ``localities``, ``outline``).
    """
    if "truce_class" in events.columns:
        return events["truce_class"].astype(object).where(events["truce_class"].notna(), "").astype(str)
    from geo.classify import classify, load_actors

    held = None  # without party_at the classes are not refined by the holder of the place
    if party_at is not None:
        held = party_at(events, None)
    if held is not None:  # an event located only to Syria has no place, so no holder
        held = blank_country_only(held, events)
    table = load_actors() if actors is None else actors
    return classify(events, table, held_by=held)["truce_class"]


def _class_all(**_):
    return list(TRUCE_CLASSES)


# ``class``: added by the ceasefire-analysis helper (issue 6); output header class,events,fatalities.
GROUPERS["class"] = Grouper(column="class", keys=_class_keys, all_keys=_class_all)

# ``district``: districts (OCHA admin2) from the spatial join of geo.admin (issue 9); header
# district,governorate,pcode,events,fatalities; context ``admin1``/``admin2`` boundaries.
GROUPERS["district"] = Grouper(
    column="pcode",
    keys=admin.district_keys,
    all_keys=admin.district_all_keys,
    labels=admin.district_labels,
    unknown_key=LOCATION_UNKNOWN_PCODE,
)


def register_grouper(name: str, grouper: Grouper) -> None:
    """Add (or replace) a grouping usable as ``counts_by(events, name)``.

    Parameters
    ----------
    name : str
        The grouping's name (the ``by`` of :func:`counts_by`); an existing one is replaced.
    grouper : Grouper
        How to key events and list the groups.

    Returns
    -------
    None
    """
    GROUPERS[name] = grouper


def _set_apart(g: Grouper, events: pd.DataFrame, keys) -> tuple[np.ndarray, list]:
    """(code of each event's key, the keys), country-only events on ``g.unknown_key`` and long spans
    on ``g.long_span_key``.

    Keys are numbered (``pandas.factorize``) rather than handled one Python object per event: a
    million dates as Timestamps cost seconds.  The keys are Python objects (Timestamps, str).
    """
    codes, uniques = pd.factorize(pd.Series(pd.Series(keys).to_numpy()), use_na_sentinel=False)
    values = list(pd.Index(uniques).astype(object))
    codes = np.asarray(codes, dtype=np.int64)
    for key, mask in ((g.unknown_key, country_only), (g.long_span_key, long_span)):
        if key is None:
            continue
        rows = mask(events).to_numpy(dtype=bool)
        if rows.any():
            same = [i for i, v in enumerate(values) if isinstance(v, str) and v == key]
            if not same:
                values.append(key)
            codes[rows] = same[0] if same else len(values) - 1
    return codes, values


def counts_by(events: pd.DataFrame, by: str, *, start=None, end=None, **context) -> pd.DataFrame:
    """Events and fatalities per group.

    Parameters
    ----------
    events : DataFrame
        Canonical events (already filtered to the period wanted).
    by : str
        A key of :data:`GROUPERS`: ``governorate`` (columns ``governorate, pcode, events,
        fatalities``), ``zone`` (``party, events, fatalities``: the party holding the event's
        place on its own date, or on ``date=`` when given; needs ``control``, ``localities``,
        ``outline`` or a ``party_at(events, date)`` callable), ``day`` (``day, events,
        fatalities``; every day from ``start``/first event to ``end``/last event).
        Events located only to the country count in the row ``LOCATION_UNKNOWN`` of a grouping
        by place, long spans in the row ``LONG_SPAN_ROW`` of ``day`` (see :class:`Grouper`).
    start, end : date-like, optional
        Only used to list days with zero events (``day``).
    **context
        Passed to the grouper.

    Returns
    -------
    DataFrame
        One row per key (zero rows included for the known keys), keys without a group ("")
        last as "(none)"; ``events`` and ``fatalities`` are integers (missing fatalities count 0).
    """
    if by not in GROUPERS:
        raise ValueError(f"unknown grouping {by!r} (known: {', '.join(GROUPERS)})")
    g = GROUPERS[by]
    grouped = _grouped(g, events, context)
    order = list(g.all_keys(start=start, end=end, events=events, **context)) if g.all_keys else []
    out = grouped.reindex(_row_order(g, grouped.index, order), fill_value=0).reset_index()
    out = out.rename(columns={"key": g.column, "index": g.column})
    out["events"] = out["events"].astype("int64")
    out["fatalities"] = out["fatalities"].astype("int64")
    return _named(g, out, by == "day", context)


def _grouped(g: Grouper, events: pd.DataFrame, context: dict) -> pd.DataFrame:
    """Events and fatalities per key (index ``key``), in first-seen order."""
    if len(events):
        codes, values = _set_apart(g, events, g.keys(events, **context))
        fat = pd.to_numeric(events["fatalities"], errors="coerce").fillna(0).astype("int64")
    else:
        codes, values, fat = np.array([], dtype=np.int64), [], pd.Series([], dtype="int64")
    frame = pd.DataFrame({"key": codes, "fatalities": fat.to_numpy()})
    grouped = frame.groupby("key", sort=False).agg(events=("fatalities", "size"), fatalities=("fatalities", "sum"))
    grouped.index = pd.Index([values[c] for c in grouped.index], dtype=object, name="key")
    return grouped


def _row_order(g: Grouper, found: pd.Index, order: list) -> list:
    """Known keys in order, then other keys sorted, then the set-apart rows, then "" (no group)."""
    tail = [k for k in (g.unknown_key, g.long_span_key) if k is not None and k in found]
    extra = [k for k in found if k not in set(order) and k != "" and k not in tail]
    try:
        extra = sorted(extra)
    except TypeError:  # keys of mixed types (e.g. dates and strings) keep their first-seen order
        pass
    return order + extra + tail + ([""] if "" in found else [])


def _named(g: Grouper, out: pd.DataFrame, by_day: bool, context: dict) -> pd.DataFrame:
    """``out`` with its keys written out (ISO days, "(none)") and the grouper's name columns."""
    if by_day:
        out[g.column] = out[g.column].map(lambda k: k if isinstance(k, str) else pd.Timestamp(k).strftime("%Y-%m-%d"))
    else:
        out[g.column] = (
            out[g.column].astype(object).where(out[g.column] != "", NONE_LABEL if not (g.label or g.labels) else "")
        )
    if g.label:
        name, fn = g.label
        out.insert(0, name, out[g.column].map(lambda k: LOCATION_UNKNOWN if k == g.unknown_key else fn(k)))
    for pos, (name, fn) in enumerate(g.labels(**context) if g.labels else []):
        out.insert(pos, name, out[g.column].map(fn))
    return out.reset_index(drop=True)
