"""What a view shows, as pure data: classified events, the view's filter, cited towns.

One place for the logic the Map page, the briefing image, the standalone HTML and the CLI share,
so that every export of a view shows exactly what the page shows.  Pure (no streamlit, no
folium); the catalog is ``geo.catalog.Catalog`` or any object with the same methods.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
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
        place on its own date, "" when unknown), and, when ``catalog`` has ``sources()``,
        ``source_url`` (:func:`with_source_urls`); already classified events are returned as
        they are.  Errors (an unreadable actor table, a failing ``party_at``) are raised, never
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
    if catalog is not None and hasattr(catalog, "sources"):  # the report's link, where known
        out = with_source_urls(out, catalog.sources())
    return out


def _sides(values: pd.Series) -> pd.Series:
    """Each side's parties as a list ("hts+opposition" -> ["hts", "opposition"])."""
    return values.astype("string").fillna("").str.split("+")


def filter_events(
    events: pd.DataFrame,
    *,
    start=None,
    end=None,
    classes=(),
    parties=(),
    govs=(),
    min_fatalities: int = 0,
    actor: str = "",
    partly: bool = False,
) -> pd.DataFrame:
    """Events of a view (index kept): the one event filter of the map, exports, briefing, CLI.

    - ``start``/``end``: the event's whole span ``[date_start, date_end]`` lies in ``[start, end]``
      (whole days, inclusive; None = open), the rule of ``geo.queries.range_masks``;
    - ``classes``: ``truce_class`` or ``event_type`` is one of them;
    - ``parties``: either side (``party1``/``party2``) includes one of them, a side naming
      several parties being "+"-joined ("hts+opposition" matches ``hts`` and ``opposition``);
    - ``govs``: ``admin1_pcode`` is one of them; events located only to the country
      (``geo.queries.country_only``) are in no governorate;
    - ``min_fatalities``: ``fatalities`` (best estimate) is at least this; an event with no
      reported figure is not known to reach it, so any minimum above 0 leaves it out;
    - ``actor``: free text found (case-insensitive, surrounding spaces ignored) in ``actor1`` or
      ``actor2`` (the names of the two sides as the source gives them).
    Empty filters (and ``min_fatalities`` 0) do not filter.  ``partly=True`` returns instead the events that pass the other
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
    min_fatalities : int, default 0
        Smallest ``fatalities`` kept (0: no minimum, events with no figure kept).
    actor : str, default ""
        Text an actor name must contain (case-insensitive); "" keeps every event.
    partly : bool, default False
        Return the events only partly in the range instead of those in it.

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``events`` (``events`` itself when it is empty).
    """
    if len(events) == 0:
        return events
    mask = filter_mask(events, start=start, end=end, classes=classes, parties=parties, govs=govs,
                       min_fatalities=min_fatalities, actor=actor, partly=partly)
    return events.loc[mask]


def filter_mask(events: pd.DataFrame, *, start=None, end=None, classes=(), parties=(), govs=(),
                min_fatalities: int = 0, actor: str = "", partly: bool = False, days=None) -> np.ndarray:
    """The rows :func:`filter_events` selects, as a boolean array (same parameters, same rules).

    ``days``: ``geo.queries.event_days(events)``, when the caller keeps it for a frame it filters
    again and again (``geo.queries.range_masks``).

    Returns
    -------
    numpy.ndarray of bool
        One value per row of ``events``.
    """
    if len(events) == 0:
        return np.zeros(0, dtype=bool)
    inside, overlapping = range_masks(events, start, end, days=days)
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
    if min_fatalities and int(min_fatalities) > 0:
        mask &= pd.to_numeric(events["fatalities"], errors="coerce").ge(int(min_fatalities)).fillna(False)
    if actor and actor.strip():
        mask &= actor_matches(events, actor)
    return mask.fillna(False).astype(bool).to_numpy()


#: The columns the free-text actor filter searches.
ACTOR_COLUMNS = ("actor1", "actor2")


def actor_matches(events: pd.DataFrame, text: str) -> pd.Series:
    """True where ``text`` occurs in ``actor1`` or ``actor2`` (case-insensitive, literal text).

    Parameters
    ----------
    events : pandas.DataFrame
        Events; a missing actor column counts as empty.
    text : str
        The text searched for, as typed (surrounding spaces ignored; not a pattern).

    Returns
    -------
    pandas.Series
        Booleans on the index of ``events``.
    """
    needle = str(text).strip().casefold()
    hit = pd.Series(False, index=events.index)
    for col in ACTOR_COLUMNS:
        if col in events.columns:
            names = events[col].astype("string").fillna("").map(str.casefold)
            hit |= names.str.contains(needle, regex=False).astype(bool)
    return hit


def filter_view(events: pd.DataFrame, state, *, with_range: bool = True, partly: bool = False) -> pd.DataFrame:
    """``filter_events`` with the fields of a ``viewstate.ViewState`` (``partly``: see there).

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events.
    state : viewstate.ViewState
        The view; its ``start``, ``end``, ``classes``, ``parties``, ``govs``, ``fmin`` (minimum
        fatalities) and ``actor`` (actor text) are used.
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
        min_fatalities=getattr(state, "fmin", 0),
        actor=getattr(state, "actor", ""),
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


#: ``geo_precision`` values that place an event at a locality (a town, village or named spot):
#: the events a count of "towns affected" may count.  District and governorate centres and the
#: country (``geo.vocabulary.GEO_PRECISION``) are areas, not localities.
LOCALITY_PRECISIONS = ("exact", "near")


def towns_affected(events: pd.DataFrame) -> int:
    """How many distinct localities the events of ``events`` took place in.

    Only events located to a locality count (``geo_precision`` in :data:`LOCALITY_PRECISIONS`):
    an event known only to a district or governorate centre, or only to Syria, names an area,
    not a town.  A locality is its ``locality_id`` where known, else its place name (compared
    case-insensitively).

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``geo_precision`` and ``place`` (``locality_id`` optional).

    Returns
    -------
    int
        The number of distinct localities (0 for no events or no ``geo_precision`` column).
    """
    if len(events) == 0 or "geo_precision" not in events.columns:
        return 0
    keys = locality_keys(events)
    return int(keys[keys != ""].nunique())


def locality_keys(events: pd.DataFrame) -> pd.Series:
    """The locality each event took place in, as :func:`towns_affected` counts them ("" for none).

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``geo_precision`` and ``place`` (``locality_id`` optional).

    Returns
    -------
    pandas.Series of str
        ``"id:<locality_id>"`` where known, else ``"place:<place, case-folded>"``; "" for an event
        not located to a locality or with neither (on the index of ``events``).
    """
    at_locality = events["geo_precision"].astype("string").fillna("").isin(LOCALITY_PRECISIONS)
    places = events["place"].astype("string").fillna("").str.strip().str.casefold()
    keys = ("place:" + places).where(places != "", "")
    if "locality_id" in events.columns:
        ids = events["locality_id"].astype("string").fillna("").str.strip()
        keys = keys.where(ids == "", "id:" + ids)
    return keys.where(at_locality, "").astype(object)


#: The only URL schemes a source link may have.
LINK_SCHEMES = ("http://", "https://")
#: Column holding the link to an event's source report ("" when none is known).
SOURCE_URL = "source_url"


def safe_link(url) -> str:
    """``url`` when it is a plain http(s) address, else "".

    Parameters
    ----------
    url : object
        Candidate address (``None``/NaN give "").

    Returns
    -------
    str
        The stripped address when it starts with ``http://`` or ``https://`` (any case), has a
        host and holds no whitespace, quote or angle bracket; "" otherwise.
    """
    text = "" if url is None or (not isinstance(url, str) and pd.isna(url)) else str(url).strip()
    low = text.lower()
    if not low.startswith(LINK_SCHEMES) or any(ch.isspace() or ch in "\"'<>`" for ch in text):
        return ""
    host = text.split("://", 1)[1].split("/", 1)[0]
    return text if host else ""


def with_source_urls(events: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """``events`` with :data:`SOURCE_URL`: the link of the report each event rests on.

    The report is the event's ``source_id`` (the first of several joined by ";" or "|" that
    has one) looked up in ``sources`` (``data/sources.csv``: ``source_id``, ``url``); failing
    that, the event's ``source`` when it is itself an address.  Only http(s) links
    (:func:`safe_link`); "" where none is known (e.g. UCDP rows, which cite outlets only).

    Parameters
    ----------
    events : pandas.DataFrame
        Events (``source_id`` and ``source`` optional).
    sources : pandas.DataFrame
        Source table with ``source_id`` and ``url``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``events`` with the column added (replaced if present).
    """
    urls = {}
    if len(sources) and {"source_id", "url"} <= set(sources.columns):
        for sid, url in zip(sources["source_id"].astype(str), sources["url"], strict=True):
            if safe_link(url):
                urls[sid.strip()] = safe_link(url)
    ids = events["source_id"] if "source_id" in events.columns else pd.Series("", index=events.index)
    own = events["source"] if "source" in events.columns else pd.Series("", index=events.index)

    def link(sid, src) -> str:
        text = "" if sid is None or (not isinstance(sid, str) and pd.isna(sid)) else str(sid)
        for part in text.replace("|", ";").split(";"):
            if urls.get(part.strip()):
                return urls[part.strip()]
        return safe_link(src)

    out = events.copy()
    if len(events) == 0:
        out[SOURCE_URL] = []
        return out
    # once per distinct (source_id, source) pair: a million events cite a few hundred reports
    id_codes, id_values = pd.factorize(ids.to_numpy(dtype=object), use_na_sentinel=False)
    src_codes, src_values = pd.factorize(own.to_numpy(dtype=object), use_na_sentinel=False)
    from geo.classify import combination_codes

    pairs, first = combination_codes([id_codes, src_codes])
    links = np.array([link(id_values[id_codes[i]], src_values[src_codes[i]]) for i in first], dtype=object)
    out[SOURCE_URL] = links[pairs]
    return out
