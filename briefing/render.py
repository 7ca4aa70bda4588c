"""Static briefing image of a view: PNG, PDF or SVG, drawn on the server with matplotlib.

The map is drawn in the metric CRS of ``geo.schema`` (UTM 37N) so the scale bar is measured in
metres; the north arrow is turned by the grid convergence at the map centre.  No pyplot: each
call builds its own ``Figure`` with the Agg canvas (safe in a web server, no global state).

Layout (fractions of the figure, same for slide and A4)::

    +--------------------------------------------------------------+
    | title · control date · event range · filters                 |
    +-------------------------------------------+------------------+
    |                                           | legend           |
    |  map (zones, boundaries, events, towns,   | counts, filters  |
    |  scale bar, north arrow)                  | not shown        |
    +-------------------------------------------+------------------+
    | sources · attribution · dataset version · rendered at        |
    +--------------------------------------------------------------+
"""

from __future__ import annotations

import io
import math
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from pyproj import Transformer

from briefing import data as bdata
from briefing.labels import boxes_of, place_labels
from geo import palette
from geo.atomic import write_bytes
from geo.schema import CRS, METRIC_CRS, PARTIES
from geo.vocabulary import TRUCE_CLASSES, class_label, filter_class_label, party_label
from layers.choropleth import BREAKS, MEASURE_LABELS, ZERO_LINE, class_colour, class_index, class_labels
from webapp.viewstate import DEFAULT_CENTER, DEFAULT_ZOOM, ViewState

FORMATS = ("png", "pdf", "svg")
#: Slide size in pixels (rendered at 100 dpi so inches = pixels / 100).
SLIDE = (1920, 1080)
A4_LANDSCAPE_MM = (297.0, 210.0)
A4_DPI = 200
#: Width in pixels of the dashboard map a link's zoom refers to (for the extent of a zoomed view).
NOMINAL_VIEWPORT_PX = 1100
#: Fallback extent of Syria (lon0, lat0, lon1, lat1) when no outline is available.
SYRIA_BOUNDS = (35.6, 32.3, 42.4, 37.35)
MIN_PX, MAX_PX = 320, 8000

_TO_METRIC = Transformer.from_crs(CRS, METRIC_CRS, always_xy=True)
_LAND = "#f6f4ef"
_SEA_AND_NEIGHBOURS = "#e3e8ec"
_HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]


@dataclass(frozen=True)
class PageSize:
    """Figure size in inches, raster dpi and base font size (points)."""

    width_in: float
    height_in: float
    dpi: int
    font: float
    name: str

    @property
    def pixels(self) -> tuple[int, int]:
        # as the Agg canvas computes it (truncation)
        return int(self.width_in * self.dpi), int(self.height_in * self.dpi)


def page_size(size) -> PageSize:
    """``(w, h)`` pixels, ``"1920x1080"``, ``"a4"`` / ``"a4-landscape"`` -> PageSize.

    Raises
    ------
    ValueError
        For an unknown name or a pixel size outside ``MIN_PX..MAX_PX``.
    """
    if isinstance(size, str):
        text = size.strip().lower()
        if text in ("a4", "a4-landscape", "a4landscape"):
            w, h = (v / 25.4 for v in A4_LANDSCAPE_MM)
            return PageSize(w, h, A4_DPI, 7.5, "A4 landscape")
        if text in ("slide", "16:9"):
            size = SLIDE
        else:
            parts = text.split("x")
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise ValueError(f"unknown size {size!r}: use WIDTHxHEIGHT in pixels (e.g. 1920x1080) or a4")
            size = (int(parts[0]), int(parts[1]))
    w, h = (int(v) for v in size)
    if not (MIN_PX <= w <= MAX_PX and MIN_PX <= h <= MAX_PX):
        raise ValueError(f"size {w}x{h} px is outside {MIN_PX}..{MAX_PX} px per side")
    # Base font grows with the shorter side: 12 pt on a 1080 px slide.
    font = max(7.0, 12.0 * min(w / 1920, h / 1080))
    # The Agg canvas truncates width*dpi, and w/100*100 may fall just below w in floats: nudge then.
    def inches(px: int) -> float:
        return px / 100 if int(px / 100 * 100) == px else (px + 0.01) / 100

    return PageSize(inches(w), inches(h), 100, font, f"{w}x{h} px")


def filters_text(state: ViewState) -> str:
    """The active filters in a briefer's words ("none" when nothing is filtered)."""
    from geo.schema import ADMIN1

    parts = []
    if state.classes:
        parts.append("events: " + ", ".join(filter_class_label(c) for c in state.classes))
    if state.parties:
        parts.append("parties: " + ", ".join(party_label(p) for p in state.parties))
    if state.govs:
        parts.append("governorates: " + ", ".join(ADMIN1.get(g, g) for g in state.govs))
    if getattr(state, "fmin", 0):
        parts.append(f"at least {state.fmin} fatalities")
    if getattr(state, "actor", ""):
        parts.append(f"actor name contains \"{state.actor}\"")
    return "; ".join(parts) if parts else "none"


def _fmt_day(value) -> str:
    d = bdata.as_date(value)
    return f"{d.day} {d:%b %Y}"


# --- extent ---------------------------------------------------------------------------------
def _metric(gdf):
    return None if gdf is None or len(gdf) == 0 else gdf.to_crs(METRIC_CRS)


def map_extent(state: ViewState, outline_m, aspect: float) -> tuple[float, float, float, float]:
    """Map extent (x0, x1, y0, y1) in metres for an axes of width/height ``aspect``.

    The default centre and zoom show the whole country; another centre/zoom shows what the
    dashboard map shows at that zoom on a ``NOMINAL_VIEWPORT_PX`` wide map.
    """
    if (state.lat, state.lon) == DEFAULT_CENTER and state.zoom == DEFAULT_ZOOM:
        if outline_m is not None:
            x0, y0, x1, y1 = outline_m.total_bounds
        else:
            xs, ys = _TO_METRIC.transform([SYRIA_BOUNDS[0], SYRIA_BOUNDS[2]], [SYRIA_BOUNDS[1], SYRIA_BOUNDS[3]])
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = (x1 - x0) / 2 * 1.04, (y1 - y0) / 2 * 1.04
    else:
        cx, cy = _TO_METRIC.transform(state.lon, state.lat)
        metres_per_px = 156543.03392 * math.cos(math.radians(state.lat)) / 2**state.zoom
        half_w = NOMINAL_VIEWPORT_PX / 2 * metres_per_px
        half_h = half_w / aspect
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    return cx - half_w, cx + half_w, cy - half_h, cy + half_h


# --- cartographic furniture -------------------------------------------------------------------
def _nice_length(target_m: float) -> float:
    exp = 10 ** math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * exp <= target_m:
            return step * exp
    return exp


#: Where the scale bar may go on the map, in order of preference (axes fractions of its lower left).
SCALE_BAR_CORNERS = ("lower right", "lower left", "upper left")


def _scale_bar_box(ax, length: float, corner: str):
    """(bx, by, box) of a scale bar of ``length`` m in ``corner``: its origin and the shapely box
    (data units) it covers, labels included."""
    from shapely.geometry import box

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    seg, height = length / 4, (y1 - y0) * 0.008
    width, tall = length + seg * 0.9 + (x1 - x0) * 0.03, height * 5.2 + (y1 - y0) * 0.02
    left = x0 + (x1 - x0) * 0.03 if corner.endswith("left") else x1 - (x1 - x0) * 0.03 - width
    bottom = y0 + (y1 - y0) * 0.04 if corner.startswith("lower") else y1 - (y1 - y0) * 0.04 - tall
    bx, by = left + seg * 0.2, bottom + height * 1.2
    return bx, by, box(left, bottom, left + width, bottom + tall)


def scale_bar_corner(ax, length: float, drawn=None) -> str | None:
    """The first of :data:`SCALE_BAR_CORNERS` where a scale bar of ``length`` m covers nothing in
    ``drawn`` (a shapely geometry in data units: land, zones, markers), or None when none is free.
    """
    for corner in SCALE_BAR_CORNERS:
        if drawn is None or not _scale_bar_box(ax, length, corner)[2].intersects(drawn):
            return corner
    return None


def draw_scale_bar(ax, font: float, drawn=None) -> tuple[float, list]:
    """A four-segment scale bar on a metric-CRS axes where it covers nothing drawn; returns
    (length m, artists).

    Parameters
    ----------
    ax : matplotlib Axes
        The map, in metres.
    font : float
        Base font size (points).
    drawn : shapely geometry, optional
        What the map shows (data units); the bar goes to the first corner of
        :data:`SCALE_BAR_CORNERS` clear of it.  When none is clear, nothing is drawn here
        (``artists`` is empty): :func:`draw_scale_bar_outside` puts it beside the map.

    Returns
    -------
    (float, list)
        The bar's length in metres, and its artists (empty when no corner is free).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) / 5)
    corner = scale_bar_corner(ax, length, drawn)
    if corner is None:
        return length, []
    seg = length / 4
    bx, by, _box = _scale_bar_box(ax, length, corner)
    height = (y1 - y0) * 0.008
    artists = [ax.add_patch(Rectangle((bx - seg * 0.2, by - height * 1.2), length + seg * 0.9,
                                      height * 5.2, facecolor="white", alpha=0.75, edgecolor="none", zorder=29))]
    for i in range(4):
        artists.append(ax.add_patch(Rectangle((bx + i * seg, by), seg, height, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=30)))
    artists += _scale_labels(ax.text, bx, by + height * 1.6, seg, length, font, {"zorder": 31})
    return length, artists


def _scale_labels(text, bx: float, y: float, seg: float, length: float, font: float, kw: dict) -> list:
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    out = []
    for pos, value in ((0, 0), (2, length / 2), (4, length)):
        label = f"{value / div:g}" + (f" {unit}" if pos == 4 else "")
        out.append(text(bx + pos * seg, y, label, ha="center", va="bottom", fontsize=font * 0.75, **kw))
    return out


def draw_scale_bar_outside(fig, ax, length: float, font: float, at: tuple[float, float]) -> list:
    """The scale bar of ``ax`` (``length`` m) drawn beside the map, its left end at figure
    fraction ``at``: for maps where every corner holds data.  Returns its artists."""
    x0, x1 = ax.get_xlim()
    frac = length / (x1 - x0) * ax.get_position().width  # figure fraction per bar
    seg, height = frac / 4, 0.008
    bx, by = at
    artists = []
    for i in range(4):
        artists.append(fig.add_artist(Rectangle((bx + i * seg, by), seg, height, transform=fig.transFigure,
                                                facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                                                linewidth=0.6)))
    artists += _scale_labels(fig.text, bx, by + height * 1.6, seg, length, font, {})
    return artists


def grid_convergence_deg(lon: float, lat: float) -> float:
    """Angle (degrees, counter-clockwise) from grid north to true north at (lon, lat)."""
    xa, ya = _TO_METRIC.transform(lon, lat)
    xb, yb = _TO_METRIC.transform(lon, lat + 0.05)
    return math.degrees(math.atan2(-(xb - xa), yb - ya))


def draw_north_arrow(ax, font: float, lon: float, lat: float) -> list:
    """A north arrow in the upper right, turned to true north at the map centre; returns its artists."""
    angle = math.radians(grid_convergence_deg(lon, lat))
    cx, cy, length = 0.955, 0.86, 0.085
    dx, dy = -math.sin(angle) * length, math.cos(angle) * length
    arrow = ax.add_patch(FancyArrow(cx - dx / 2, cy - dy / 2, dx, dy, width=0.012, head_width=0.035,
                            head_length=0.035, length_includes_head=True, transform=ax.transAxes,
                            facecolor="black", edgecolor="white", linewidth=0.8, zorder=30))
    letter = ax.text(cx + dx / 2 * 1.25, cy + dy / 2 * 1.25 + 0.01, "N", transform=ax.transAxes, ha="center",
                     va="bottom", fontsize=font * 1.1, fontweight="bold", zorder=30, path_effects=_HALO)
    return [arrow, letter]


# --- layers -------------------------------------------------------------------------------------
def _draw_zones(ax, zones_m) -> list[str]:
    drawn = []
    if zones_m is None:
        return drawn
    order = {p: i for i, p in enumerate(PARTIES)}
    for party in sorted(set(zones_m["party"]), key=lambda p: order.get(p, 99)):
        part = zones_m[zones_m["party"] == party]
        colour = palette.party_colour(party)
        hatch = "///" if party == "contested" else None
        part.plot(ax=ax, facecolor=colour, alpha=palette.ZONE_OPACITY, edgecolor="none", zorder=3)
        part.plot(ax=ax, facecolor="none", edgecolor=colour, linewidth=0.8, zorder=4, hatch=hatch)
        drawn.append(party)
    return drawn


def _draw_zone_outlines(ax, zones_m) -> list[str]:
    """Zones as party-coloured outlines on a white casing, no fill (over a choropleth), as the
    Map page draws them (``layers.choropleth.zones_outline_layer``)."""
    drawn = []
    if zones_m is None:
        return drawn
    order = {p: i for i, p in enumerate(PARTIES)}
    for party in sorted(set(zones_m["party"]), key=lambda p: order.get(p, 99)):
        part = zones_m[zones_m["party"] == party].boundary
        part.plot(ax=ax, color="white", linewidth=3.2, alpha=0.9, zorder=4)
        part.plot(ax=ax, color=palette.party_colour(party), linewidth=1.6, zorder=5,
                  linestyle=(0, (6, 4)) if party == "contested" else "-")
        drawn.append(party)
    return drawn


def _draw_choropleth(ax, districts_m, measure: str) -> int:
    """Districts filled by their class of ``measure`` (the Map page's breaks and colours; zero
    unfilled); returns the number of districts filled."""
    if districts_m is None or len(districts_m) == 0:
        return 0
    values = pd.to_numeric(districts_m[measure], errors="coerce").fillna(0).to_numpy()
    classes = class_index(values, BREAKS[measure])
    fills = [class_colour(int(c)) for c in classes]
    filled = np.array([f is not None for f in fills])
    if filled.any():
        districts_m[filled].plot(ax=ax, color=[f for f in fills if f], alpha=palette.CHOROPLETH_OPACITY,
                                 edgecolor="none", zorder=2)
    districts_m.boundary.plot(ax=ax, color=ZERO_LINE, linewidth=0.4, alpha=0.8, zorder=2.5)
    return int(filled.sum())


def _marker_sizes(events, font: float) -> np.ndarray:
    base = (font * 0.7) ** 2
    if "fatalities" not in events.columns:
        return np.full(len(events), base)
    fat = np.asarray(events["fatalities"].astype("Float64").fillna(0).to_numpy(dtype=float))
    return base * (1 + np.sqrt(np.clip(fat, 0, 400)) / 3)


def _draw_events(ax, events_m, font: float) -> tuple[list[str], bool, bool, int]:
    """Events coloured by truce class; hollow markers for imprecise locations.

    As on the map (layers/events.py): events located only to the country are not drawn (they
    have no place); returns (classes drawn, any precise, any imprecise, number not drawn).
    """
    if events_m is None or len(events_m) == 0:
        return [], False, False, 0
    prec_all = events_m["geo_precision"].fillna("").astype(str)
    geom = events_m.geometry
    drawable = (geom.notna() & ~geom.is_empty & (prec_all != "country")).to_numpy()
    not_drawn = int((~drawable).sum())
    events_m = events_m[drawable]
    if len(events_m) == 0:
        return [], False, False, not_drawn
    xs, ys = events_m.geometry.x.to_numpy(), events_m.geometry.y.to_numpy()
    classes = events_m.get("truce_class", pd.Series("", index=events_m.index)).fillna("").astype(str).to_numpy()
    precise = prec_all[drawable].isin(bdata.PRECISE).to_numpy()
    sizes = _marker_sizes(events_m, font)
    colours = np.array([palette.class_colour(c) for c in classes])
    order = np.argsort(-sizes, kind="stable")  # big markers below small ones
    xs, ys, sizes, colours, precise = xs[order], ys[order], sizes[order], colours[order], precise[order]
    if precise.any():
        ax.scatter(xs[precise], ys[precise], s=sizes[precise], c=list(colours[precise]), edgecolors="white",
                   linewidths=0.6, zorder=12, alpha=0.9)
    if (~precise).any():
        ax.scatter(xs[~precise], ys[~precise], s=sizes[~precise], facecolors="none",
                   edgecolors=list(colours[~precise]), linewidths=1.4, zorder=11)
    return sorted(set(classes)), bool(precise.any()), bool((~precise).any()), not_drawn


def _draw_towns(ax, towns_m, font: float, selected: str, obstacles=()) -> tuple[int, int]:
    """Cited towns (squares) with greedy non-colliding labels; returns (drawn, labelled)."""
    if towns_m is None or len(towns_m) == 0:
        return 0, 0
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    inside = towns_m[towns_m.geometry.x.between(x0, x1) & towns_m.geometry.y.between(y0, y1)]
    if selected and "locality_id" in inside.columns:
        first = (inside["locality_id"] == selected).to_numpy()
        inside = inside.iloc[np.argsort(~first, kind="stable")]
    inside = inside.head(bdata.MAX_TOWNS)
    xs, ys = inside.geometry.x.to_numpy(), inside.geometry.y.to_numpy()
    n_sources = pd.to_numeric(inside.get("n_sources", pd.Series(1, index=inside.index)), errors="coerce")
    n_sources = n_sources.fillna(1).clip(lower=1, upper=50).to_numpy(dtype=float)
    sizes = (font * 0.45) ** 2 * (0.6 + 0.4 * np.sqrt(n_sources))  # grows with the citing sources
    ax.scatter(xs, ys, s=sizes, marker="s", c=palette.TOWN_COLOUR, edgecolors="white", linewidths=0.7, zorder=14)
    if selected and "locality_id" in inside.columns:
        sel = inside[inside["locality_id"] == selected]
        if len(sel):
            ax.scatter(sel.geometry.x, sel.geometry.y, s=(font * 1.4) ** 2, facecolors="none",
                       edgecolors="black", linewidths=1.6, zorder=15)
    names = [str(n) for n in inside.get("name_en", inside.get("locality_id"))]
    placed = place_labels(ax, xs, ys, names, fontsize=font * 0.8, marker_px=font * 0.45,
                          text_kw={"color": "#111111", "path_effects": _HALO}, obstacles=obstacles)
    return len(inside), len(placed)


#: Orientation places: on the whole-country view only cities above this population are named.
COUNTRY_VIEW_MIN_POPULATION = 150_000
MAX_PLACES = 25


def _labels_of(ax) -> list:
    return [t for t in ax.texts if getattr(t, "xyann", None) is not None]


def _event_boxes(ax, events_m, font: float) -> list:
    """Display boxes of the event markers (orientation labels keep clear of them)."""
    from briefing.labels import Box

    if events_m is None or len(events_m) == 0:
        return []
    geom = events_m.geometry
    ok = (geom.notna() & ~geom.is_empty).to_numpy()
    pts = ax.transData.transform(np.column_stack([geom[ok].x.to_numpy(), geom[ok].y.to_numpy()]))
    radius = np.sqrt(_marker_sizes(events_m[ok], font)) / 2 * ax.figure.dpi / 72
    return [Box(x - r, y - r, x + r, y + r) for (x, y), r in zip(pts, radius, strict=True)]


def _draw_places(ax, places_m, towns_m, font: float, obstacles, soft=()) -> int:
    """Grey dots and names of populous places in view (not cited), for orientation; returns labels placed."""
    if places_m is None or len(places_m) == 0:
        return 0
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    inside = places_m[places_m.geometry.x.between(x0, x1) & places_m.geometry.y.between(y0, y1)]
    if towns_m is not None and len(towns_m) and "locality_id" in towns_m.columns:
        inside = inside[~inside["locality_id"].isin(set(towns_m["locality_id"]))]
    width_km = (x1 - x0) / 1000
    if width_km > 500:
        inside = inside[inside["population"] >= COUNTRY_VIEW_MIN_POPULATION]
    inside = inside.head(MAX_PLACES)
    if len(inside) == 0:
        return 0
    xs, ys = inside.geometry.x.to_numpy(), inside.geometry.y.to_numpy()
    ax.scatter(xs, ys, s=(font * 0.3) ** 2, c="#777777", edgecolors="white", linewidths=0.5, zorder=13)
    placed = place_labels(ax, xs, ys, [str(n) for n in inside["name_en"]], fontsize=font * 0.7,
                          marker_px=font * 0.3, obstacles=obstacles, soft_obstacles=soft,
                          text_kw={"color": "#555555", "style": "italic", "path_effects": _HALO})
    return len(placed)


# --- the figure ---------------------------------------------------------------------------------
def build_figure(bd: bdata.BriefingData, size="1920x1080") -> tuple[Figure, dict]:
    """The briefing figure of gathered data; returns (figure, facts about what was drawn).

    Parameters
    ----------
    bd : briefing.data.BriefingData
        What to draw (``briefing.data.gather``).
    size : tuple or str
        See :func:`page_size`.

    Returns
    -------
    (Figure, dict)
        The figure (Agg canvas) and facts: size, events, not drawn, towns, labels, parties,
        classes, scale bar, places (and districts filled with a choropleth).
    """
    page = page_size(size)
    fig = Figure(figsize=(page.width_in, page.height_in), dpi=page.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    facts: dict = {"size": page.name}
    _title_band(fig, bd, page.font)
    drawn = _draw_map(fig, bd, page.font, facts)
    n_events = 0 if bd.events is None else len(bd.events)
    notes = _side_panel(fig, bd, page, drawn, n_events)
    if drawn["scale_bar_outside"]:  # every corner of the map holds data: the bar goes above the notes
        renderer = fig.canvas.get_renderer()
        top = fig.transFigure.inverted().transform(notes.get_window_extent(renderer))[1][1]
        draw_scale_bar_outside(fig, drawn["ax"], facts["scale_bar_m"], page.font, (0.727, top + 0.03))
    facts["scale_bar"] = "outside the map" if drawn["scale_bar_outside"] else drawn["scale_bar_corner"]
    facts["footer"] = _footer(fig, bd, page.font)
    facts.update(events=n_events, not_drawn=drawn["not_drawn"], towns=drawn["towns"], labels=drawn["labels"],
                 parties=drawn["parties"], classes=drawn["classes"])
    return fig, facts


def _title_band(fig, bd: bdata.BriefingData, font: float) -> None:
    state = bd.state
    title = "Syria: control of territory and incidents under the 30 Dec 2016 ceasefire"
    if bd.synthetic:
        title = "[SYNTHETIC DATA] " + title
    fig.text(0.012, 0.975, title, ha="left", va="top", fontsize=font * 1.75, fontweight="bold",
             parse_math=False)
    sub = (f"Control on {_fmt_day(state.date)}   ·   Events {_fmt_day(state.start)} – {_fmt_day(state.end)}"
           f"   ·   Filters: {filters_text(state)}")
    _fit_text(fig, 0.012, 0.915, sub, 0.988, fontsize=font * 1.05, color="#333333")


def _map_axes(fig, bd: bdata.BriefingData):
    """The map axes, its extent set; returns (axes, (x0, x1, y0, y1), outline in metres)."""
    ax = fig.add_axes((0.012, 0.105, 0.70, 0.78))
    ax.set_facecolor(_SEA_AND_NEIGHBOURS)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.8)
    outline_m = _metric(bd.outline)
    bbox = ax.get_window_extent()
    extent = map_extent(bd.state, outline_m, bbox.width / bbox.height)
    ax.set_xlim(*extent[:2])
    ax.set_ylim(*extent[2:])
    ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)
    return ax, extent, outline_m


def _draw_map(fig, bd: bdata.BriefingData, font: float, facts: dict) -> dict:
    """Land, districts (``state.choro``), zones, boundaries, events, furniture, towns, places."""
    state = bd.state
    ax, (x0, x1, y0, y1), outline_m = _map_axes(fig, bd)
    if outline_m is not None:
        outline_m.plot(ax=ax, facecolor=_LAND, edgecolor="none", zorder=1)
    choro = state.choro if bd.districts is not None else "off"
    if choro != "off":
        facts["districts_filled"] = _draw_choropleth(ax, _metric(bd.districts), choro)
        parties = _draw_zone_outlines(ax, _metric(bd.zones))
    else:
        parties = _draw_zones(ax, _metric(bd.zones))
    govs_m = _metric(bd.governorates)
    if govs_m is not None:
        govs_m.boundary.plot(ax=ax, color=palette.GOVERNORATE_LINE, linewidth=0.6,
                             linestyle="-" if bd.official is not False else (0, (4, 3)), zorder=6)  # dashed: not official
    if outline_m is not None:
        outline_m.boundary.plot(ax=ax, color=palette.COUNTRY_LINE, linewidth=1.3, zorder=7)
    events_m = _metric(bd.events)
    classes, any_precise, any_imprecise, not_drawn = _draw_events(ax, events_m, font)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    covered = _drawn_area(ax, outline_m, _metric(bd.zones), events_m, font)
    facts["scale_bar_m"], furniture = draw_scale_bar(ax, font, covered)
    corner = scale_bar_corner(ax, facts["scale_bar_m"], covered)
    furniture += draw_north_arrow(ax, font, *_lonlat_centre(x0, x1, y0, y1))
    towns_m = _metric(bd.towns)
    n_towns, n_labels = _draw_towns(ax, towns_m, font, state.town, boxes_of(furniture))
    facts["places"] = _draw_places(ax, _metric(bd.places), towns_m, font, boxes_of(furniture + _labels_of(ax)),
                                   _event_boxes(ax, events_m, font))
    if bd.synthetic:
        ax.text(0.5, 0.5, "SYNTHETIC DATA", transform=ax.transAxes, ha="center", va="center",
                fontsize=font * 6, color="#c00000", alpha=0.18, rotation=25, zorder=40, fontweight="bold")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return {"parties": parties, "classes": classes, "any_precise": any_precise, "any_imprecise": any_imprecise,
            "not_drawn": not_drawn, "towns": n_towns, "labels": n_labels, "choro": choro, "ax": ax,
            "scale_bar_corner": corner, "scale_bar_outside": corner is None}


def _drawn_area(ax, outline_m, zones_m, events_m, font: float):
    """What the map shows, as one shapely geometry in metres: the country and the zones, and
    every event marker (as drawn: its radius on the page); the scale bar must cover none of it."""
    import shapely

    parts = []
    for gdf in (outline_m, zones_m):
        if gdf is not None and len(gdf):
            parts.append(shapely.union_all(gdf.geometry.values))
    if events_m is not None and len(events_m):
        geom = events_m.geometry
        ok = (geom.notna() & ~geom.is_empty).to_numpy()
        x0, x1 = ax.get_xlim()
        metres_per_px = (x1 - x0) / ax.get_window_extent().width
        radius = np.sqrt(_marker_sizes(events_m[ok], font)) / 2 * ax.figure.dpi / 72 * metres_per_px
        parts.append(shapely.union_all(shapely.buffer(geom[ok].values, radius)))
    return shapely.union_all(parts) if parts else None


def _side_panel(fig, bd: bdata.BriefingData, page: PageSize, drawn: dict, n_events: int):
    """The legend (upper left) and the counts, filters and what is not shown (lower left);
    returns the text artist of the notes."""
    state, font, choro = bd.state, page.font, drawn["choro"]
    handles = _legend_handles(drawn["parties"], drawn["classes"], drawn["any_precise"], drawn["any_imprecise"],
                              drawn["towns"], font, choro=choro, official=bd.official)
    side = fig.add_axes((0.725, 0.105, 0.265, 0.78))
    side.axis("off")
    if handles:
        leg = side.legend(handles=handles, loc="upper left", frameon=False, fontsize=font * 0.85,
                          title="Legend", title_fontsize=font * 1.05, alignment="left",
                          borderaxespad=0.0, handlelength=1.6, labelspacing=0.45)
        leg.get_title().set_fontweight("bold")
        for text in leg.get_texts():
            if text.get_text() in MEASURE_LABELS.values():
                text.set_fontweight("bold")
    lines = []
    if "events" in state.layers or bd.events is not None:
        lines.append(f"Events in range and filters: {n_events} (of {bd.events_total} in the data)")
        if drawn["not_drawn"]:
            lines.append(f"{drawn['not_drawn']} of them located only to the country: counted, not drawn")
    if choro != "off":
        rest = bd.district_events - bd.district_placed
        lines.append(f"Districts coloured by {choro} in the range: {bd.district_placed:,} of {bd.district_events:,} "
                     f"events are placed in a district; the other {rest:,} are located only to a governorate "
                     "or to Syria")
    if drawn["towns"]:
        lines.append(f"Cited towns: {drawn['towns']} ({drawn['labels']} labelled)")
    lines.append("Layers: " + (", ".join(state.layers) if state.layers else "none"))
    lines += [f"Note: {n}" for n in bd.filter_notes]
    if bd.missing:
        lines.append("Not shown: " + "; ".join(bd.missing))
    wrapped = "\n".join(textwrap.fill(line, width=int(page.width_in * 0.265 * 72 / (font * 0.85 * 0.55)))
                        for line in lines)
    return side.text(0.0, 0.0, wrapped, ha="left", va="bottom", fontsize=font * 0.85, color="#222222",
                     transform=side.transAxes, parse_math=False, linespacing=1.35)


#: The footer's band (figure fractions): from its rule down to the page's bottom margin.
FOOTER_TOP, FOOTER_BOTTOM = 0.092, 0.008


def _footer(fig, bd: bdata.BriefingData, font: float) -> dict:
    """Sources, attribution, then the version line: each wrapped to the page width, never cut;
    the font shrinks (to 60 %) until every line fits the band.  Returns {"lines", "fontsize"}."""
    fig.add_artist(Line2D([0.012, 0.988], [FOOTER_TOP, FOOTER_TOP], color="#999999", linewidth=0.6))
    right = 0.988 if not bd.synthetic else 0.80
    rendered = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    paragraphs = [
        (" · ".join(bd.sources) or "Sources: none recorded", "#333333"),
        (" · ".join(bd.attribution), "#333333"),
        (f"Syria Ceasefire Monitor · dataset version: {bd.version} · rendered {rendered}"
         " · zones derived from dated locality records; hollow markers: imprecise locations", "#555555"),
    ]
    room = FOOTER_TOP - 0.01 - FOOTER_BOTTOM
    for scale in (0.72, 0.66, 0.6, 0.54, 0.48, 0.43):
        size = font * scale
        step = size * 1.3 / 72 / fig.get_figheight()  # one line, as a fraction of the page height
        lines = [(line, colour) for text, colour in paragraphs if text
                 for line in _wrap(fig, text, right - 0.012, size)]
        if len(lines) * step <= room:
            break
    y = FOOTER_TOP - 0.01
    for line, colour in lines:
        fig.text(0.012, y, line, ha="left", va="top", fontsize=size, color=colour, parse_math=False)
        y -= step
    if bd.synthetic:
        fig.text(0.988, FOOTER_TOP - 0.01, "Contains SYNTHETIC data: not real events", ha="right", va="top",
                 fontsize=font * 0.8, color="#c00000", fontweight="bold")
    return {"lines": len(lines), "fontsize": size}


def _wrap(fig, text: str, width: float, fontsize: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` (figure fraction) at ``fontsize``."""
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontsize=fontsize, parse_math=False)
    limit = width * fig.bbox.width

    def fits(candidate: str) -> bool:
        probe.set_text(candidate)
        return probe.get_window_extent(renderer).width <= limit

    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            lines.append(current)
            candidate = word
        current = candidate
    lines.append(current)
    probe.remove()
    return lines


def _fit_text(fig, x: float, y: float, text: str, right: float, **kw):
    """One line of figure text from ``x`` cut (with " …") so that it ends before ``right``."""
    artist = fig.text(x, y, text, ha="left", va="top", parse_math=False, **kw)
    renderer = fig.canvas.get_renderer()
    limit = (right - x) * fig.bbox.width
    full = text
    while text and artist.get_window_extent(renderer).width > limit:
        keep = max(1, int(len(text) * limit / artist.get_window_extent(renderer).width) - 2)
        text = full[:keep].rstrip(" ·;,") + " …"
        full = full[:keep]
        artist.set_text(text)
    return artist


def _lonlat_centre(x0, x1, y0, y1) -> tuple[float, float]:
    back = Transformer.from_crs(METRIC_CRS, CRS, always_xy=True)
    lon, lat = back.transform((x0 + x1) / 2, (y0 + y1) / 2)
    return lon, lat


def _choropleth_handles(measure: str) -> list:
    """Legend rows of the district classes: the title row, then one swatch per class."""
    handles = [Line2D([], [], linestyle="none", label=MEASURE_LABELS[measure])]
    for i, label in enumerate(class_labels(BREAKS[measure])):
        fill = class_colour(i)
        handles.append(Patch(facecolor=fill or "none", alpha=palette.CHOROPLETH_OPACITY if fill else None,
                             edgecolor=ZERO_LINE, linewidth=0.5, label=label))
    return handles


#: The governorate line's legend label, by whether the boundaries are the official OCHA ones.
BOUNDARY_LABELS = {True: "Governorate boundary (OCHA COD-AB)",
                   False: "Governorate boundary (approximate: not marked official)",
                   None: "Governorate boundary"}


def _legend_handles(parties, classes, any_precise, any_imprecise, n_towns, font, choro="off", official=True):
    handles = _choropleth_handles(choro) if choro != "off" else []
    for party in parties:
        colour = palette.party_colour(party)
        if choro != "off":  # outlines over the district fills
            handles.append(Line2D([], [], color=colour, linewidth=1.8, linestyle="--" if party == "contested" else "-",
                                  label=f"{party_label(party)} (zone outline)"))
            continue
        handles.append(Patch(facecolor=colour, alpha=min(1.0, palette.ZONE_OPACITY + 0.25),
                             edgecolor=colour, hatch="///" if party == "contested" else None,
                             label=party_label(party)))
    ordered = [c for c in TRUCE_CLASSES if c in classes] + [c for c in classes if c not in TRUCE_CLASSES]
    ms = font * 0.65
    for cls in ordered:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=ms, markerfacecolor=palette.class_colour(cls),
                              markeredgecolor="white", label=class_label(cls)))
    if any_precise and any_imprecise:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=ms, markerfacecolor="#9a9a9a",
                              markeredgecolor="white", label="Location exact or near"))
    if any_imprecise:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=ms, markerfacecolor="none",
                              markeredgecolor="#9a9a9a", markeredgewidth=1.4,
                              label="Location imprecise (district or wider)"))
    if classes:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=ms * 1.6, markerfacecolor="#bbbbbb",
                              markeredgecolor="white", label="Larger marker: more fatalities"))
    if n_towns:
        handles.append(Line2D([], [], linestyle="none", marker="s", markersize=font * 0.45,
                              markerfacecolor=palette.TOWN_COLOUR, markeredgecolor="white",
                              label="Town cited in the sources (size: number of sources)"))
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=font * 0.3, markerfacecolor="#777777",
                          markeredgecolor="white", label="Other place (for orientation)"))
    handles.append(Line2D([], [], color=palette.COUNTRY_LINE, linewidth=1.3, label="Syria border"))
    handles.append(Line2D([], [], color=palette.GOVERNORATE_LINE, linewidth=0.8,
                          linestyle="-" if official is not False else (0, (4, 3)),
                          label=BOUNDARY_LABELS[None if official is None else bool(official)]))
    return handles


def render_briefing(state: ViewState, catalog, size="1920x1080", layers=None, out=None, fmt=None,
                    version: str | None = None):
    """Render the briefing of ``state`` to ``out`` (path) or return the bytes.

    Parameters
    ----------
    state : ViewState
        The view: control date, event range, filters, centre/zoom, selected town, layers.
    catalog : geo.catalog.Catalog or compatible
        The data (see ``briefing.data.gather``).
    size : tuple or str
        ``(w, h)`` pixels, ``"1920x1080"`` or ``"a4"`` / ``"a4-landscape"``.
    layers : iterable of str, optional
        Overrides ``state.layers`` (``zones``, ``towns``, ``events``, ``boundaries``).
    out : path, optional
        Where to write; the format follows the suffix unless ``fmt`` is given.
    fmt : {"png", "pdf", "svg"}, optional
        Output format (required when ``out`` is None; default "png").
    version : str, optional
        Dataset version for the footer.

    Returns
    -------
    pathlib.Path or bytes
        ``out`` when given, else the encoded image.
    """
    if fmt is None:
        fmt = Path(out).suffix.lower().lstrip(".") if out is not None else "png"
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r} (known: {', '.join(FORMATS)})")
    page_size(size)  # refuse a bad size before reading any data
    if layers is not None:
        state = state.replace(layers=tuple(layers))
    t0 = time.perf_counter()
    bd = bdata.gather(state, catalog, version=version)
    fig, facts = build_figure(bd, size)
    metadata = {"Title": "Syria Ceasefire Monitor briefing", "Creator": "Syria Ceasefire Monitor"}
    if fmt == "png":
        metadata = {"Title": metadata["Title"], "Software": metadata["Creator"]}
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=fig.dpi, facecolor="white", metadata=metadata)
    payload = buffer.getvalue()
    render_briefing.last_facts = {**facts, "seconds": round(time.perf_counter() - t0, 2), "bytes": len(payload)}
    if out is None:
        return payload
    return write_bytes(out, payload)


render_briefing.last_facts = {}
