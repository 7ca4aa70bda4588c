"""The time window of the loaded data, and the days the control data covers.

The dashboard's sliders, trends and exports span the dates of the loaded events
(:func:`data_window`): the shipped window (December 2016 to March 2017) when only the shipped
data is loaded, wider when an import brings events of other dates (UCDP's whole Syria table:
2016 to 2019).  Control zones are drawn only on days the control data covers
(:func:`control_coverage`); on other days the map says there is no control data instead of
guessing from the nearest records.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.queries import long_span
from geo.schema import WINDOW_END, WINDOW_START

#: The window the shipped data covers (events, control records, milestones).
SHIPPED_WINDOW = (date.fromisoformat(WINDOW_START), date.fromisoformat(WINDOW_END))
#: No window reaches before the start of the Syrian conflict (an importer refuses no such date,
#: but the sliders would otherwise span decades for one mistyped year).
EARLIEST = date(2011, 3, 1)


def _day(value) -> date | None:
    stamp = pd.Timestamp(value) if value is not None and not pd.isna(value) else None
    return None if stamp is None else stamp.date()


def data_window(events: pd.DataFrame, shipped: tuple[date, date] = SHIPPED_WINDOW,
                today: date | None = None) -> tuple[date, date]:
    """The first and last day of the loaded events, never narrower than ``shipped``.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical events (``date_start``, ``date_end``, ``date_precision``).  Events dated only to a
        span longer than a week (``geo.queries.long_span``) do not widen the window: a year-long
        date would otherwise add months no event is known to fall in.
    shipped : tuple of date
        The window of the shipped data (the default view).
    today : date, optional
        The last day a window may reach (default: the current date).

    Returns
    -------
    tuple of date
        ``(first, last)``: the union of ``shipped`` and the days the events start on, within
        :data:`EARLIEST` .. ``today`` (an event running past the last day counts as partly in
        range, by the range rule of ``geo.queries.range_masks``).
    """
    lo, hi = shipped
    starts = pd.to_datetime(events.loc[~long_span(events), "date_start"]) if len(events) else pd.Series(dtype=object)
    if len(starts):
        first, last = _day(starts.min()), _day(starts.max())
        lo = min(lo, first) if first else lo
        hi = max(hi, last) if last else hi
    limit = today or date.today()
    return max(lo, EARLIEST), max(min(hi, limit), shipped[1])


def control_coverage(control: pd.DataFrame, shipped: tuple[date, date] = SHIPPED_WINDOW) -> tuple[date, date]:
    """The days the control records cover: the shipped window, widened by the records' own dates.

    Parameters
    ----------
    control : pandas.DataFrame
        Control records (``valid_from``, ``valid_to``; an open ``valid_to`` does not extend the
        coverage beyond the record's start: nothing says the holder stayed).
    shipped : tuple of date
        The window the shipped control records were researched for.

    Returns
    -------
    tuple of date
        ``(first, last)`` day on which zones may be drawn.
    """
    lo, hi = shipped
    if len(control):
        starts = pd.to_datetime(control["valid_from"], errors="coerce")
        ends = pd.to_datetime(control["valid_to"], errors="coerce") - pd.Timedelta(days=1)  # valid_to exclusive
        first, last = _day(starts.min()), _day(pd.concat([starts, ends]).max())
        lo = min(lo, first) if first else lo
        hi = max(hi, last) if last else hi
    return lo, hi
