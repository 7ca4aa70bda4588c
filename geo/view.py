"""What a view shows, as pure data: classified events, the view's filter, cited towns.

One place for the logic the Map page, the briefing image, the standalone HTML and the CLI share,
so that every export of a view shows exactly what the page shows.  Pure (no streamlit, no
folium); the catalog is ``geo.catalog.Catalog`` or any object with the same methods.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.queries import blank_country_only, country_only, long_span, range_masks
from geo.schema import COUNTRY_ONLY, LONG_SPAN

CLASS_COLUMNS = ("party1", "party2", "truce_class", "class_reason")
#: The party holding the event's place on the event's own date ("" when unknown).
HELD_COLUMN = "held_by"


def classify_events(events: gpd.GeoDataFrame, catalog=None, *, use_holder: bool = True) -> gpd.GeoDataFrame:
    """``events`` joined with ``party1``, ``party2``, ``truce_class``, ``class_reason``.

    Parameters
    ----------
    events : GeoDataFrame
        Canonical events.
    catalog : Catalog, optional
        Gives the actor table's folder (``data_dir``) and ``party_at`` (the holder of each
        event's place on its date, which refines umbrella and unnamed sides).
    use_holder : bool
        Pass the holder to ``geo.classify.classify`` (``held_by``).

    Returns
    -------
    GeoDataFrame
        A copy with the four class columns and ``held_by`` (the party holding the event's
        place on its own date, "" when unknown); already classified events are returned as they
        are.  Errors (an unreadable actor table, a failing ``party_at``) are raised, never
        turned into "unclassified".
    """
    if all(c in events.columns for c in CLASS_COLUMNS):
        return events
    events = events.drop(columns=[c for c in (*CLASS_COLUMNS, HELD_COLUMN) if c in events.columns])
    if len(events) == 0:
        return events.assign(**{c: pd.Series(dtype=object) for c in (*CLASS_COLUMNS, HELD_COLUMN)})
    from geo.classify import classify, load_actors

    data_dir = getattr(catalog, "data_dir", None)
    actors = load_actors(data_dir) if data_dir is not None else load_actors()
    held = None
    if use_holder and catalog is not None and hasattr(catalog, "party_at"):
        # an event located only to Syria has no place, so no holder
        held = blank_country_only(catalog.party_at(events), events)
    result = classify(events, actors, held_by=held)
    out = events.join(result[list(CLASS_COLUMNS)])
    out[HELD_COLUMN] = held.reindex(events.index).fillna("").astype(str) if held is not None else ""
    return out


def _sides(values: pd.Series) -> pd.Series:
    """Each side's parties as a list ("hts+opposition" -> ["hts", "opposition"])."""
    return values.astype("string").fillna("").str.split("+")


def filter_events(
    events: pd.DataFrame, *, start=None, end=None, classes=(), parties=(), govs=(), partly: bool = False
) -> pd.DataFrame:
    """Events of a view (index kept): the one event filter of the map, exports, briefing, CLI.

    - ``start``/``end``: the event's whole span ``[date_start, date_end]`` lies in ``[start, end]``
      (whole days, inclusive; None = open), the rule of ``geo.queries.range_masks``;
    - ``classes``: ``truce_class`` or ``event_type`` is one of them;
    - ``parties``: either side (``party1``/``party2``) includes one of them, a side naming
      several parties being "+"-joined ("hts+opposition" matches ``hts`` and ``opposition``);
    - ``govs``: ``admin1_pcode`` is one of them; events located only to the country
      (``geo.queries.country_only``) are in no governorate.
    Empty filters do not filter.  ``partly=True`` returns instead the events that pass the other
    filters and are only partly in the range (code ``PARTLY_IN_RANGE``: their span overlaps it
    without lying inside it), which a view reports apart and never counts.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events.
    start : str or datetime-like, optional
        First day of the range (inclusive); ``None`` for an open start.
    end : str or datetime-like, optional
        Last day of the range (inclusive); ``None`` for an open end.
    classes : iterable of str, default ()
        Truce classes or event types to keep.
    parties : iterable of str, default ()
        Parties to keep (matched on either side).
    govs : iterable of str, default ()
        Governorate P-codes to keep.
    partly : bool, default False
        Return the events only partly in the range instead of those in it.

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``events`` (``events`` itself when it is empty).
    """
    if len(events) == 0:
        return events
    inside, overlapping = range_masks(events, start, end)
    mask = overlapping if partly else inside
    if classes:
        wanted = set(classes)
        hit = pd.Series(False, index=events.index)
        for col in ("truce_class", "event_type"):
            if col in events.columns:
                hit |= events[col].astype("string").fillna("").isin(wanted)
        mask &= hit
    if parties:
        wanted = set(parties)
        hit = pd.Series(False, index=events.index)
        for col in ("party1", "party2"):
            if col in events.columns:
                hit |= _sides(events[col]).map(lambda ps: bool(wanted.intersection(ps))).astype(bool)
        mask &= hit
    if govs:
        mask &= events["admin1_pcode"].isin(list(govs)) & ~country_only(events)
    return events.loc[mask.fillna(False).astype(bool)]


def filter_view(events: pd.DataFrame, state, *, with_range: bool = True, partly: bool = False) -> pd.DataFrame:
    """``filter_events`` with the fields of a ``viewstate.ViewState`` (``partly``: see there).

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events.
    state : viewstate.ViewState
        The view; its ``start``, ``end``, ``classes``, ``parties`` and ``govs`` are used.
    with_range : bool, default True
        Apply the view's date range; when false the range is open on both sides.
    partly : bool, default False
        Return the events only partly in the range (passed to :func:`filter_events`).

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``events``.
    """
    return filter_events(
        events,
        start=state.start if with_range else None,
        end=state.end if with_range else None,
        classes=state.classes,
        parties=state.parties,
        govs=state.govs,
        partly=partly,
    )


def imprecise_counts(events: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Condition code -> (events, fatalities) of the imprecise events in ``events``.

    Codes ``COUNTRY_ONLY`` (located only to Syria: not on the map, in no governorate) and
    ``LONG_SPAN`` (dated only to a span longer than a week: on no day or week).  The front
    ends word them.

    Parameters
    ----------
    events : pandas.DataFrame
        Events (see ``geo.queries.country_only`` and ``geo.queries.long_span``).

    Returns
    -------
    dict of str to tuple of (int, int)
        For each of the two codes, the number of such events and the sum of their
        ``fatalities`` (missing or non-numeric counted as 0).  An event can count under both.
    """
    out = {}
    for code, mask in ((COUNTRY_ONLY, country_only(events)), (LONG_SPAN, long_span(events))):
        sel = events.loc[mask]
        fat = pd.to_numeric(sel["fatalities"], errors="coerce").fillna(0).sum() if "fatalities" in sel else 0
        out[code] = (int(len(sel)), int(fat))
    return out
