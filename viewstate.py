"""The view as plain data, and its round trip to URL query parameters.

Pure Python (no streamlit): ``ViewState.from_query(params)`` validates every parameter and
returns the state plus human-readable notices for the parameters it had to drop;
``ViewState.to_query()`` gives the parameters of a shareable link.  The Streamlit glue lives in
``state.py``.

SKELETON: the links/briefing helper hardens validation (issue 5); keep the field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

WINDOW_START = date(2016, 12, 1)
WINDOW_END = date(2017, 3, 31)
DEFAULT_CONTROL_DATE = date(2016, 12, 30)

PAGES = ("map", "trends", "control", "sources", "data", "rules")
LAYERS = ("zones", "towns", "events", "boundaries", "basemap")
DEFAULT_LAYERS = ("zones", "towns", "events", "boundaries")
VIEWS = ("app", "briefing")
DEFAULT_CENTER = (35.0, 38.5)
DEFAULT_ZOOM = 7
MIN_ZOOM, MAX_ZOOM = 5, 16


@dataclass(frozen=True)
class ViewState:
    page: str = "map"
    date: date = DEFAULT_CONTROL_DATE  # control snapshot
    start: date = WINDOW_START  # event range, inclusive
    end: date = WINDOW_END
    layers: tuple[str, ...] = DEFAULT_LAYERS
    classes: tuple[str, ...] = ()  # event classes filter (empty = all)
    parties: tuple[str, ...] = ()  # party / actor filter (empty = all)
    govs: tuple[str, ...] = ()  # admin1 P-codes (empty = all)
    lat: float = DEFAULT_CENTER[0]
    lon: float = DEFAULT_CENTER[1]
    zoom: int = DEFAULT_ZOOM
    town: str = ""  # locality_id of the selected town
    view: str = "app"  # "app" or "briefing" (presentation view)
    notices: tuple[str, ...] = field(default=(), compare=False)

    def replace(self, **changes) -> ViewState:
        return replace(self, **changes)

    @classmethod
    def from_query(cls, params) -> ViewState:
        """Parse query parameters (mapping of str -> str or list[str]); never raises."""
        raise NotImplementedError

    def to_query(self) -> dict[str, str]:
        """Query parameters for this state, omitting defaults."""
        raise NotImplementedError
