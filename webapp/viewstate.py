"""The view as plain data, and its round trip to URL query parameters.

Pure Python (no streamlit): ``ViewState.from_query(params)`` validates every parameter and
returns the state plus human-readable notices for the parameters it had to drop;
``ViewState.to_query()`` gives the parameters of a shareable link.  The Streamlit glue lives in
``webapp/session.py``.

Link parameters (all optional; a missing one means the default)::

    page    one of PAGES                         page=control
    date    control snapshot, ISO, in window     date=2017-02-15
    start   first day of the event range         start=2017-01-01
    end     last day of the event range          end=2017-01-31
    layers  comma list of LAYERS, or "none"      layers=zones,events
    class   comma list of FILTER_CLASSES         class=truce_violation,airstrike
    party   comma list of PARTY_CODES            party=government,hts
    gov     comma list of admin1 P-codes         gov=SY02,SY07
    lat,lon map centre (Syria-region box)        lat=36.2&lon=37.15
    z       zoom, integer MIN_ZOOM..MAX_ZOOM     z=9
    town    locality_id of the selected town     town=gn:170063
    view    "app" or "briefing"                  view=briefing
    choro   colour districts by: CHORO_MODES     choro=fatalities
    colour  colour events by: COLOUR_MODES       colour=party  (default class: left out)
    tfreq, tby, tshow, tscale, tpairs            Trends page: period, split, measure, scale, pair order
            values in TREND_CHOICES              tfreq=week&tby=party (defaults left out)
    fmin    minimum fatalities, integer >= 0     fmin=10       (0: no minimum, left out)
    actor   actor text (case-insensitive, in     actor=Islamic%20State
            actor1/actor2), up to MAX_ACTOR_LENGTH characters
    ev      event_id of the selected event       ev=curated:012 (its popup open on the map)
    order   order of the event list: EVENT_ORDERS order=fatalities (default date_desc: left out)
    cmp     compare the control date with this   cmp=2017-03-01 (Map page: two maps side by side,
            day (ISO, in window)                 the zones changed between them highlighted)
    cfrom   Control change page: first date      cfrom=2017-02-20 (the page's own two dates: they
    cto     Control change page: second date     cto=2017-02-28    never change start/end)

Notices are plain text that may quote (shortened) user input: whoever displays them escapes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from urllib.parse import parse_qs, urlencode

from geo.schema import ADMIN1
from geo.validate import parse_date
from geo.vocabulary import EVENT_TYPES, LAYERS, PERPETRATOR_PARTIES, TRUCE_CLASSES

#: The window of the shipped data: links leave out the dates of a view that equal its defaults.
SHIPPED_START, SHIPPED_END = date(2016, 12, 1), date(2017, 3, 31)
#: The window of the loaded data (``geo.window.data_window``): where dates of a link must lie and
#: the default event range.  The app sets it at every run (:func:`use_window`); the shipped window
#: until then.
WINDOW_START, WINDOW_END = SHIPPED_START, SHIPPED_END


def use_window(first: date, last: date) -> None:
    """Make ``first`` .. ``last`` the data window (the loaded data's dates, ``geo.window.data_window``).

    The window is one per process, as the store is: ``webapp.session.sync`` sets it at every run
    from the store's data, ``python cli.py render`` from the catalog it draws.

    Parameters
    ----------
    first, last : date
        The first and last day of the window; ``first <= last``, and the shipped window inside it.
    """
    global WINDOW_START, WINDOW_END
    if not first <= SHIPPED_START <= SHIPPED_END <= last:
        raise ValueError(f"the data window {first}..{last} must hold the shipped window")
    WINDOW_START, WINDOW_END = first, last

DEFAULT_CONTROL_DATE = date(2016, 12, 30)

PAGES = ("map", "trends", "control", "sources", "data", "rules")
DEFAULT_LAYERS = ("zones", "towns", "events", "boundaries", "context")
VIEWS = ("app", "briefing")
#: "Colour districts by" on the Map page (layers/choropleth.py): off, event count, fatalities.
CHORO_MODES = ("off", "events", "fatalities")
#: "Colour events by" on the Map page (layers/events.py): truce class or alleged perpetrator.
COLOUR_MODES = ("class", "party")
#: The Trends page's choices (pages/trends.py), each a link parameter; the first value is the default.
TREND_CHOICES = {
    "tfreq": ("day", "week"),  # period of the charts
    "tby": ("truce_class", "party", "held_by", "admin1_pcode", "none"),  # split by
    "tshow": ("events", "fatalities"),  # what the charts count
    "tscale": ("same", "own"),  # one scale for every small chart, or each its own
    "tpairs": ("either", "ordered"),  # who fought whom: either way, or side 1 -> side 2
}
DEFAULT_CENTER = (35.0, 38.5)
DEFAULT_ZOOM = 7
MIN_ZOOM, MAX_ZOOM = 5, 16

# --- the ``class`` filter: truce classes (geo/classify.py) and event types, from geo/vocabulary.py ---
#: Values of the ``class`` filter: an event matches on its ``truce_class`` or its ``event_type``.
FILTER_CLASSES = TRUCE_CLASSES + EVENT_TYPES
#: Values of the ``party`` filter: alleged perpetrators (``party1``/``party2``); never ``contested``.
PARTY_CODES = PERPETRATOR_PARTIES
GOV_CODES = tuple(ADMIN1)

#: The Syria-region box a map centre must fall in (lat, lon; generous around the country).
LAT_RANGE = (31.0, 38.5)
LON_RANGE = (34.0, 44.0)
#: Map centres are kept to 5 decimals (about 1 m): links stay short and round-trip exactly.
COORD_DECIMALS = 5
#: A longer value is refused whatever the parameter.
MAX_VALUE_LENGTH = 200
#: Parameters Streamlit itself understands: accepted silently, never part of the state.
STREAMLIT_KEYS = ("embed", "embed_options")

KEYS = ("page", "date", "start", "end", "layers", "class", "party", "gov", "lat", "lon", "z", "town", "view", "choro",
        "colour", "fmin", "actor", "ev", "order", "cmp", "cfrom", "cto", *TREND_CHOICES)
#: Longest accepted ``actor`` text and ``ev`` event id; largest ``fmin``.
MAX_ACTOR_LENGTH = 60
MAX_EVENT_ID_LENGTH = 120
MAX_FMIN = 100_000
#: Orders of the Map page's event list (webapp/eventlist.py): newest first, oldest first, most fatalities.
EVENT_ORDERS = ("date_desc", "date_asc", "fatalities")
_TOWN_RE = re.compile(r"^(gn:[0-9]{1,12}|cur:[a-z0-9][a-z0-9_-]{0,79})$")


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, control characters replaced, for a notice."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ordered(values: Iterable[str], vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    """Distinct ``values`` in vocabulary order (unknown values last, in first-seen order)."""
    seen = list(dict.fromkeys(values))
    known = [v for v in vocabulary if v in seen]
    return tuple(known + [v for v in seen if v not in vocabulary])


@dataclass(frozen=True)
class ViewState:
    """Everything a link carries.  Lists are kept distinct and in vocabulary order."""

    page: str = "map"
    date: date = DEFAULT_CONTROL_DATE  # control snapshot
    start: date = None  # event range, inclusive (None: the data window's first / last day)
    end: date = None
    layers: tuple[str, ...] = DEFAULT_LAYERS
    classes: tuple[str, ...] = ()  # event classes filter (empty = all)
    parties: tuple[str, ...] = ()  # party / actor filter (empty = all)
    govs: tuple[str, ...] = ()  # admin1 P-codes (empty = all)
    lat: float = DEFAULT_CENTER[0]
    lon: float = DEFAULT_CENTER[1]
    zoom: int = DEFAULT_ZOOM
    town: str = ""  # locality_id of the selected town
    view: str = "app"  # "app" or "briefing" (presentation view)
    choro: str = "off"  # colour districts by (CHORO_MODES)
    colour: str = "class"  # colour events by (COLOUR_MODES)
    tfreq: str = "day"  # Trends page choices (TREND_CHOICES)
    tby: str = "truce_class"
    tshow: str = "events"
    tscale: str = "same"
    tpairs: str = "either"
    fmin: int = 0  # minimum fatalities (0 = no minimum)
    actor: str = ""  # actor text filter ("" = all)
    ev: str = ""  # event_id of the selected event
    order: str = "date_desc"  # order of the event list (EVENT_ORDERS)
    cmp: date | None = None  # Map page: the day the control date is compared with (None: no comparison)
    cfrom: date = None  # Control change page: its first date (its own, not the event range; None: window start)
    cto: date = None  # Control change page: its second date (None: window end)
    notices: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # Normalise so that equal views compare equal and links round-trip exactly.
        set_ = object.__setattr__
        for key, default in (("start", WINDOW_START), ("end", WINDOW_END), ("cfrom", WINDOW_START), ("cto", WINDOW_END)):
            if getattr(self, key) is None:  # the data window of this run (use_window)
                set_(self, key, default)
        set_(self, "layers", _ordered(self.layers, LAYERS))
        set_(self, "classes", _ordered(self.classes, FILTER_CLASSES))
        set_(self, "parties", _ordered(self.parties, PARTY_CODES))
        set_(self, "govs", _ordered(self.govs, GOV_CODES))
        set_(self, "lat", round(float(self.lat), COORD_DECIMALS) + 0.0)
        set_(self, "lon", round(float(self.lon), COORD_DECIMALS) + 0.0)
        set_(self, "zoom", int(self.zoom))
        set_(self, "fmin", max(0, int(self.fmin)))
        set_(self, "actor", " ".join(str(self.actor).split()))
        set_(self, "notices", tuple(self.notices))

    def replace(self, **changes) -> ViewState:
        """A copy with ``changes`` (not re-validated: use ``from_query`` for untrusted input)."""
        return replace(self, **changes)

    # --- parsing -------------------------------------------------------------------------------
    @classmethod
    def from_query(cls, params, towns: Iterable[str] | None = None) -> ViewState:
        """Parse query parameters; never raises.

        Parameters
        ----------
        params : mapping or query string
            ``{key: str | list[str]}`` (Streamlit's ``st.query_params`` proxy with ``get_all``,
            ``parse_qs`` output or a plain dict), or a raw query string ``"a=1&b=2"``.
        towns : iterable of str, optional
            Known locality ids; when given, ``town`` must be one of them.

        Returns
        -------
        ViewState
            Every refused parameter is at its default, with a notice in ``.notices``.
        """
        notices: list[str] = []
        raw = normalise_params(params)  # never raises on a link's text (parse_qs replaces bad bytes)
        values = _single_values(raw, notices)
        kw = {**_choices_and_dates(values, notices), **_lists(values, notices), **_map_view(values, towns, notices),
              **_event_filters(values, notices)}
        kw = {k: v for k, v in kw.items() if v is not None}
        return cls(notices=tuple(notices), **kw)

    # --- writing -------------------------------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """Query parameters for this state, omitting defaults (lists comma-joined, ISO dates)."""
        default = SHIPPED_DEFAULT  # a range of a wider data window is always written out
        out: dict[str, str] = {}
        if self.page != default.page:
            out["page"] = self.page
        for key in ("date", "start", "end", "cmp", "cfrom", "cto"):  # cmp: None by default
            if getattr(self, key) != getattr(default, key):
                out[key] = getattr(self, key).isoformat()
        if self.layers != default.layers:
            out["layers"] = ",".join(self.layers) if self.layers else "none"
        for key, attr in (("class", "classes"), ("party", "parties"), ("gov", "govs")):
            if getattr(self, attr):
                out[key] = ",".join(getattr(self, attr))
        if self.lat != default.lat:
            out["lat"] = repr(self.lat)
        if self.lon != default.lon:
            out["lon"] = repr(self.lon)
        if self.zoom != default.zoom:
            out["z"] = str(self.zoom)
        if self.town:
            out["town"] = self.town
        if self.view != default.view:
            out["view"] = self.view
        if self.choro != default.choro:
            out["choro"] = self.choro
        if self.colour != default.colour:
            out["colour"] = self.colour
        out.update({key: getattr(self, key) for key in TREND_CHOICES if getattr(self, key) != getattr(default, key)})
        out.update(self._event_query())
        return out

    def _event_query(self) -> dict[str, str]:
        """``fmin``, ``actor``, ``ev`` and ``order``, each left out when empty (0, "") or the default."""
        out = {key: str(getattr(self, key)) for key in ("fmin", "actor", "ev") if getattr(self, key)}
        if self.order != EVENT_ORDERS[0]:
            out["order"] = self.order
        return out

    def query_string(self) -> str:
        """``to_query()`` URL-encoded (commas and colons left readable)."""
        return urlencode(self.to_query(), safe=",:")

    def url(self, base: str = "") -> str:
        """The shareable link: ``base`` (without query) + ``?`` + the query string."""
        base = (base or "").split("?", 1)[0].split("#", 1)[0]
        qs = self.query_string()
        return f"{base}?{qs}" if qs else base



FIELD_NAMES = tuple(f.name for f in fields(ViewState))

#: The link parameters of the map's centre and zoom (the map page's script writes them to the
#: address bar as the user pans; see ``layers.assets.add_view_in_address_bar``).
MAP_VIEW_KEYS = ("lat", "lon", "z")


def map_view_in(params) -> tuple[float, float, int] | None:
    """The map centre and zoom ``(lat, lon, zoom)`` that query parameters describe.

    Parameters
    ----------
    params : mapping or query string
        As for :meth:`ViewState.from_query`.

    Returns
    -------
    tuple or None
        ``None`` when ``params`` hold no link parameter at all (nothing is known about the
        view, e.g. Streamlit dropped the query on a page switch) or a bad ``lat``/``lon``/``z``;
        otherwise the centre and zoom, a missing key meaning its default.
    """
    raw = normalise_params(params)  # never raises on a link's text (parse_qs replaces bad bytes)
    if not any(key in raw for key in KEYS):
        return None
    parsed = ViewState.from_query({key: raw[key] for key in MAP_VIEW_KEYS if key in raw})
    if parsed.notices:
        return None
    return parsed.lat, parsed.lon, parsed.zoom


def normalise_params(params) -> dict[str, list[str]]:
    """Any query-parameter container as ``{key: [values...]}`` (strings).

    Accepts a query string, a mapping of str -> str / list, or an object with ``get_all(key)``
    and ``keys()`` (Streamlit's ``st.query_params``, where ``[key]`` only gives the last value).
    """
    if params is None:
        return {}
    if isinstance(params, str):
        return parse_qs(params.lstrip("?"), keep_blank_values=True)
    out: dict[str, list[str]] = {}
    get_all = getattr(params, "get_all", None)
    for key in list(params.keys()):
        if callable(get_all):
            vals = get_all(key)
        else:
            vals = params[key] if isinstance(params, Mapping) else params.get(key)
        if isinstance(vals, str | bytes) or not isinstance(vals, Iterable):
            vals = [vals]
        out[str(key)] = ["" if v is None else str(v) for v in vals]
    return out


# --- validators: each returns a value or None (= default) and appends a notice -------------------
def _choice(values, key, allowed, notices):
    if key not in values:
        return None
    value = values[key]
    if value in allowed:
        return value
    notices.append(
        f"Unknown {key} '{_short(value)}' in the link (expected one of: {', '.join(allowed)}); using the default."
    )
    return None


def _date(values, key, notices):
    if key not in values:
        return None
    value = values[key]
    label = {"date": "control date", "start": "start date", "end": "end date", "cmp": "compare date",
             "cfrom": "Control change first date", "cto": "Control change second date"}[key]
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):  # a link holds the canonical form only
        notices.append(f"The {label} '{_short(value)}' is not a YYYY-MM-DD date; using the default.")
        return None
    stamp = parse_date(value, iso_only=True)  # the project's one date parser (geo.validate)
    if stamp is None:
        notices.append(f"The {label} '{_short(value)}' is not a calendar date; using the default.")
        return None
    parsed = stamp.date()
    if not WINDOW_START <= parsed <= WINDOW_END:
        notices.append(
            f"The {label} {parsed.isoformat()} is outside the data window "
            f"({WINDOW_START.isoformat()} to {WINDOW_END.isoformat()}); using the default."
        )
        return None
    return parsed


def _list(values, key, vocabulary, what, notices, allow_none=False):
    if key not in values:
        return None
    value = values[key]
    if allow_none and value.lower() in ("", "none"):
        return ()
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in vocabulary]
    known = [item for item in items if item in vocabulary]
    if unknown:
        shown = ", ".join(f"'{_short(u, 30)}'" for u in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        plural = "s" if len(unknown) > 1 else ""
        notices.append(f"Ignored unknown {what}{plural} {shown} in the link.")
    if not items:
        notices.append(f"Link parameter '{key}' is empty; using the default.")
        return None
    return tuple(known) if known else None


def _float(values, key, lo, hi, notices):
    if key not in values:
        return None
    value = values[key]
    name = {"lat": "latitude", "lon": "longitude"}[key]
    try:
        number = float(value)
    except ValueError:
        notices.append(f"The map {name} '{_short(value)}' is not a number; using the default.")
        return None
    if not math.isfinite(number) or not lo <= number <= hi:
        notices.append(
            f"The map {name} '{_short(value)}' is outside the Syria region ({lo} to {hi}); using the default."
        )
        return None
    return number


def _zoom(values, notices):
    if "z" not in values:
        return None
    value = values["z"]
    if not re.fullmatch(r"[0-9]{1,3}", value):
        notices.append(f"The map zoom '{_short(value)}' is not a whole number; using the default.")
        return None
    zoom = int(value)
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        notices.append(f"The map zoom {zoom} is out of range ({MIN_ZOOM} to {MAX_ZOOM}); using the default.")
        return None
    return zoom


def _town(values, towns, notices):
    if "town" not in values:
        return None
    value = values["town"]
    if value == "":
        return None
    if not _TOWN_RE.fullmatch(value):
        notices.append(f"The town id '{_short(value)}' is malformed (expected gn:<number> or cur:<slug>).")
        return None
    if towns is not None and value not in set(towns):
        notices.append(f"The town '{_short(value)}' is not in the gazetteer; no town selected.")
        return None
    return value


# --- from_query, part by part: each returns the fields it could read and appends notices --------
def _single_values(raw: dict[str, list[str]], notices: list[str]) -> dict[str, str]:
    """The one (stripped) value of each known parameter; unknown, repeated and overlong ones refused."""
    values: dict[str, str] = {}
    unknown = [k for k in raw if k not in KEYS and k not in STREAMLIT_KEYS]
    if unknown:  # one notice, however many (500 unknown keys once gave 501 notices)
        names = ", ".join(f"'{_short(k)}'" for k in unknown[:5]) + (f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else "")
        notices.append(f"Ignored unknown link parameter{'s' if len(unknown) > 1 else ''} {names}.")
    for key, vals in raw.items():
        if key in STREAMLIT_KEYS or key not in KEYS:
            continue
        if len(vals) != 1:
            notices.append(f"Link parameter '{key}' was given {len(vals)} times; using the default.")
            continue
        value = vals[0]
        if len(value) > MAX_VALUE_LENGTH:
            notices.append(
                f"Link parameter '{key}' is too long ({len(value)} characters, limit "
                f"{MAX_VALUE_LENGTH}); using the default."
            )
            continue
        values[key] = value.strip()
    return values


def _choices_and_dates(values: dict[str, str], notices: list[str]) -> dict:
    """``page``, ``view``, ``choro``, ``colour`` and the dates (a range that ends before it starts: whole window)."""
    kw: dict = {
        "page": _choice(values, "page", PAGES, notices),
        "view": _choice(values, "view", VIEWS, notices),
        "choro": _choice(values, "choro", CHORO_MODES, notices),
        "colour": _choice(values, "colour", COLOUR_MODES, notices),
        **{key: _choice(values, key, allowed, notices) for key, allowed in TREND_CHOICES.items()},
    }
    for key in ("date", "start", "end", "cmp", "cfrom", "cto"):
        parsed = _date(values, key, notices)
        if parsed is not None:
            kw[key] = parsed
    start, end = kw.get("start", WINDOW_START), kw.get("end", WINDOW_END)
    if start > end:
        notices.append(
            f"The event range starts ({start.isoformat()}) after it ends ({end.isoformat()}); "
            "using the whole window."
        )
        kw.pop("start")
        kw.pop("end", None)
    return kw


def _lists(values: dict[str, str], notices: list[str]) -> dict:
    """``layers`` and the filters (``class``, ``party``, ``gov``)."""
    kw: dict = {}
    layers = _list(values, "layers", LAYERS, "map layer", notices, allow_none=True)
    if layers is not None:
        kw["layers"] = layers
    for key, attr, vocab, what in (
        ("class", "classes", FILTER_CLASSES, "event class"),
        ("party", "parties", PARTY_CODES, "party"),
        ("gov", "govs", GOV_CODES, "governorate P-code"),
    ):
        chosen = _list(values, key, vocab, what, notices)
        if chosen is not None:
            kw[attr] = chosen
    return kw


def _map_view(values: dict[str, str], towns, notices: list[str]) -> dict:
    """The map centre and zoom, and the selected town."""
    kw: dict = {}
    for key, (lo, hi) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        coord = _float(values, key, lo, hi, notices)
        if coord is not None:
            kw[key] = coord
    zoom = _zoom(values, notices)
    if zoom is not None:
        kw["zoom"] = zoom
    town = _town(values, towns, notices)
    if town:
        kw["town"] = town
    return kw


def _event_filters(values: dict[str, str], notices: list[str]) -> dict:
    """``fmin`` (minimum fatalities), ``actor`` (free text), ``ev`` (the selected event id), ``order``."""
    kw: dict = {"order": _choice(values, "order", EVENT_ORDERS, notices)}
    if "fmin" in values:
        value = values["fmin"]
        if re.fullmatch(r"[0-9]{1,6}", value) and int(value) <= MAX_FMIN:
            kw["fmin"] = int(value)
        else:
            notices.append(
                f"The minimum fatalities '{_short(value)}' is not a whole number from 0 to {MAX_FMIN}; using the default."
            )
    if values.get("actor"):
        value = values["actor"]
        if len(value) > MAX_ACTOR_LENGTH or not value.isprintable():
            notices.append(
                f"The actor text '{_short(value)}' is longer than {MAX_ACTOR_LENGTH} characters or holds "
                "control characters; using the default."
            )
        else:
            kw["actor"] = value
    if values.get("ev"):
        value = values["ev"]
        if len(value) > MAX_EVENT_ID_LENGTH or not value.isprintable():
            notices.append(f"The event id '{_short(value)}' is too long or holds control characters; using the default.")
        else:
            kw["ev"] = value
    return kw


#: The default view of the shipped window: what a link leaves out.
SHIPPED_DEFAULT = ViewState(start=SHIPPED_START, end=SHIPPED_END, cfrom=SHIPPED_START, cto=SHIPPED_END)
