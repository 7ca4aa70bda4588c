"""District choropleth: the 62 districts filled by the events or fatalities of the selected range.

The counts come from :func:`geo.admin.district_totals` (events placed in a district by the
spatial join; events known only to a governorate or to the country are in no district, and the
page says how many).  This module only draws them.

Class breaks (:data:`BREAKS`) are fixed, round and roughly logarithmic (1-2-5 steps), with a
class of its own for zero:

- the counts are heavily skewed: over the whole window the shipped events (UCDP GED + curated,
  measured 2026-11) give the median district 8 events, the 90th percentile 83 and the busiest
  177 (fatalities: median 25, 90th percentile about 500, maximum 1,173; 11-12 districts with
  none); equal intervals would paint almost every district in the lowest class, while 1-2-5
  steps separate 1 event from 5, 20 and 100;
- breaks computed from the data (quantiles, head/tail) would move whenever the date slider
  moves, so the same colour would mean different numbers from one range to the next and the
  legend -- part of the map's fixed base, which must not change on a slider move or the map
  reloads -- could not follow; fixed breaks keep a colour's meaning on every range;
- zero is left unfilled: "no recorded event" is not a shade of "few".

Colours: ``geo.palette.CHOROPLETH_COLOURS`` (ColorBrewer YlOrRd, 7 classes; sequential and
colour-blind safe).  With the zones on, the page draws them as outlines
(:func:`zones_outline_layer`) over the fills, so both stay readable.
"""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from geo.palette import CHOROPLETH_COLOURS, CHOROPLETH_OPACITY, party_colour
from layers.assets import base_map
from layers.boundaries import boundaries_data, boundaries_group
from layers.legend import HtmlControl
from layers.safe import esc, safe_colour
from layers.shapes import StyledGeoJson, geojson_bbox
from layers.zones import zones_geojson

#: What the districts can be coloured by (``viewstate.CHORO_MODES`` minus "off").
MEASURES = ("events", "fatalities")
#: Inclusive upper bound of each class: class 0 is exactly 0, class i holds
#: ``BREAKS[i-1] < value <= BREAKS[i]``, the last class everything above ``BREAKS[-1]``.
BREAKS: dict[str, tuple[int, ...]] = {
    "events": (0, 2, 5, 10, 25, 50, 100),
    "fatalities": (0, 10, 25, 50, 100, 250, 500),
}
MEASURE_LABELS = {"events": "Events per district", "fatalities": "Fatalities per district"}
LAYER_NAME = "Districts"
SIMPLIFY_DEG = 0.003
ZERO_LINE = "#9A9A9A"
_DECIMALS = 4

_ON_EACH_ZONE_LINE = JsCode(
    """function (feature, layer) {
    layer.options.scmKind = "zone";
}"""
)

assert all(len(b) == len(CHOROPLETH_COLOURS) for b in BREAKS.values()), "one colour per non-zero class"


def class_index(values, breaks) -> np.ndarray:
    """The class of each value: 0 for zero (and below), ``i`` for ``breaks[i-1] < v <= breaks[i]``,
    ``len(breaks)`` above the last break.

    Parameters
    ----------
    values : array-like of numbers
    breaks : increasing sequence of numbers, the first 0 (see :data:`BREAKS`).

    Returns
    -------
    ndarray of int
    """
    v = np.maximum(np.asarray(values, dtype=float), 0.0)
    return np.searchsorted(np.asarray(breaks, dtype=float), v, side="left").astype(int)


def class_labels(breaks) -> list[str]:
    """Legend text of each class, e.g. ``["0", "1–2", "3–5", …, "more than 100"]``.

    Parameters
    ----------
    breaks : sequence of int
        Increasing class bounds, the first 0 (a value of :data:`BREAKS`).

    Returns
    -------
    list of str
        ``len(breaks) + 1`` labels: the zero class, one per range, then the open top class.
    """
    labels = ["0"]
    for lo, hi in zip(breaks[:-1], breaks[1:], strict=True):
        labels.append(f"{lo + 1:,}" if hi == lo + 1 else f"{lo + 1:,}–{hi:,}")
    labels.append(f"more than {breaks[-1]:,}")
    return labels


def class_colour(index: int) -> str | None:
    """Fill colour of class ``index`` (None for the zero class: unfilled).

    Parameters
    ----------
    index : int
        Class index as given by :func:`class_index`; values above the last class get its colour.

    Returns
    -------
    str or None
        A colour of ``geo.palette.CHOROPLETH_COLOURS``, or None for ``index <= 0``.
    """
    return None if index <= 0 else CHOROPLETH_COLOURS[min(index, len(CHOROPLETH_COLOURS)) - 1]


def district_tooltip(row: dict, range_label: str = "") -> str:
    """Tooltip HTML of one district: English and Arabic names, governorate, events, fatalities (escaped).

    Parameters
    ----------
    row : dict
        One district record; ``name_en``, ``name_ar``, ``governorate``, ``pcode``, ``events``
        and ``fatalities`` are read (missing keys count as empty or 0).
    range_label : str
        The event range, added on a last line when not empty.

    Returns
    -------
    str
        HTML with all text escaped.
    """
    name = esc(row.get("name_en", ""))
    ar = row.get("name_ar", "")
    if ar:
        name += f' <span dir="rtl" lang="ar">{esc(ar)}</span>'
    lines = [
        f"<b>{name}</b>",
        f"{esc(row.get('governorate', ''))} governorate · {esc(row.get('pcode', ''))}",
        f"Events: {int(row.get('events', 0)):,} · Fatalities: {int(row.get('fatalities', 0)):,}",
    ]
    if range_label:
        lines.append(f"<small>{esc(range_label)}</small>")
    return "<br>".join(lines)


def choropleth_geojson(
    districts, measure: str = "events", *, range_label: str = "", simplify: float = SIMPLIFY_DEG
) -> dict:
    """GeoJSON of the districts filled by their class of ``measure`` (escaped text, plain properties).

    Parameters
    ----------
    districts : GeoDataFrame
        :func:`geo.admin.district_totals` output (``pcode``, ``name_en``, ``name_ar``,
        ``governorate``, ``events``, ``fatalities``, geometry in EPSG:4326).
    measure : str
        One of :data:`MEASURES`.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r} (known: {', '.join(MEASURES)})")
    if len(districts) == 0:
        return {"type": "FeatureCollection", "features": []}
    geoms = districts.geometry.to_numpy()
    if simplify:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, _DECIMALS))
    values = pd.to_numeric(districts[measure], errors="coerce").fillna(0).to_numpy()
    classes = class_index(values, BREAKS[measure])
    features = []
    for geom, row, cls in zip(
        geoms, districts.drop(columns="geometry").to_dict("records"), classes, strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        fill = class_colour(int(cls))
        style = {
            "color": ZERO_LINE,
            "weight": 0.6,
            "opacity": 0.8,
            "fill": True,
            "fillColor": safe_colour(fill or "#FFFFFF"),
            "fillOpacity": CHOROPLETH_OPACITY if fill else 0.0,
        }
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "kind": "district",
                    "pcode": esc(row.get("pcode", "")),
                    "cls": int(cls),
                    "tip": district_tooltip(row, range_label),
                    "style": style,
                },
            }
        )
    return {"type": "FeatureCollection", "bbox": geojson_bbox(geoms), "features": features}  # bbox: the bounds


class DistrictFills(StyledGeoJson):
    """The districts of :func:`choropleth_geojson` as one layer, each with its tooltip, ranked
    ``district`` (the lowest) in the map's shared canvas (``layers.shapes.StyledGeoJson``)."""

    kind, tooltip = "district", True


def choropleth_group(data: dict, measure: str = "events", *, name: str = LAYER_NAME,
                     shared: bool = False) -> folium.FeatureGroup:
    """The layer of :func:`choropleth_layer` from its GeoJSON (:func:`choropleth_geojson`), which a
    caller may work out once and hand over at every rerun (it must not be changed then).

    Parameters
    ----------
    data : dict
        :func:`choropleth_geojson` (read, never changed).
    measure : str
        One of :data:`MEASURES`: it names the layer.
    name : str
        Layer name; the measure is appended (e.g. "Districts: events"), escaped.
    shared : bool
        ``data`` is kept between reruns: its JSON is written once (``layers.safe.JsonSpec.shared_by``).

    Returns
    -------
    folium.FeatureGroup
        Empty when there are no districts.
    """
    fg = folium.FeatureGroup(name=esc(f"{name}: {MEASURE_LABELS[measure].split(' per ')[0].lower()}"))
    if data["features"]:
        DistrictFills(data).add_kept(fg, data, shared)
    return fg


def choropleth_layer(
    districts,
    measure: str = "events",
    *,
    range_label: str = "",
    name: str = LAYER_NAME,
    simplify: float = SIMPLIFY_DEG,
) -> folium.FeatureGroup:
    """FeatureGroup of the districts filled by ``measure`` (see :func:`choropleth_geojson`).

    Add it before the zones and events so they are drawn over it.

    Parameters
    ----------
    districts : GeoDataFrame
        :func:`geo.admin.district_totals` output (see :func:`choropleth_geojson`).
    measure : str
        One of :data:`MEASURES`.
    range_label : str
        The event range, shown in each district's tooltip.
    name : str
        Layer name; the measure is appended (e.g. "Districts: events"), escaped.
    simplify : float
        Simplification tolerance in degrees (0 = none).

    Returns
    -------
    folium.FeatureGroup
        Empty when there are no districts.
    """
    return choropleth_group(choropleth_geojson(districts, measure, range_label=range_label, simplify=simplify),
                            measure, name=name)


def zones_outline_layer(zones, *, name: str = "Control zones (outlines)") -> folium.FeatureGroup:
    """The control zones as party-coloured outlines on a white casing, no fill, not interactive:
    drawn over the choropleth, they keep the front lines visible without mixing colours.

    Parameters
    ----------
    zones : GeoDataFrame
        Control zones as taken by :func:`layers.zones.zones_geojson` (``party``, geometry);
        contested zones are dashed.
    name : str
        Layer name (escaped).

    Returns
    -------
    folium.FeatureGroup
        The white casing, then the coloured lines; empty when there are no zones.
    """
    fg = folium.FeatureGroup(name=esc(name))
    data = zones_geojson(zones)
    if not data["features"]:
        return fg
    casing, lines = [], []
    for f in data["features"]:
        colour = safe_colour(party_colour(f["properties"].get("party", "")))
        dash = "6 4" if f["properties"].get("party") == "contested" else None
        base = {"type": "Feature", "geometry": f["geometry"]}
        casing.append(
            {
                **base,
                "properties": {
                    "kind": "zone_casing",
                    "style": {"color": "#FFFFFF", "weight": 4.5, "opacity": 0.9, "fill": False},
                },
            }
        )
        lines.append(
            {
                **base,
                "properties": {
                    "kind": "zone",
                    "party": f["properties"].get("party", ""),
                    "style": {
                        "color": colour,
                        "weight": 2.5,
                        "opacity": 1.0,
                        "fill": False,
                        "dashArray": dash,
                    },
                },
            }
        )
    for feats, on_each in ((casing, None), (lines, _ON_EACH_ZONE_LINE)):
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            on_each_feature=on_each,
            interactive=False,
            control=False,
        ).add_to(fg)
    return fg


def legend_html(measure: str, *, zones: bool = False) -> str:
    """The choropleth legend: one swatch per class with its range (all text escaped).

    Parameters
    ----------
    measure : str
        One of :data:`MEASURES`; any other value gives no legend.
    zones : bool
        Add a note that the control zones are drawn as outlines.

    Returns
    -------
    str
        The legend's HTML ("" for an unknown measure).
    """
    if measure not in MEASURES:
        return ""
    rows = []
    for i, label in enumerate(class_labels(BREAKS[measure])):
        fill = class_colour(i)
        swatch = (
            f"background:{safe_colour(fill)};opacity:{CHOROPLETH_OPACITY + 0.2:.1f}"
            if fill
            else f"background:transparent;border:1px solid {ZERO_LINE}"
        )
        rows.append(f'<div><span class="scm-swatch" style="{swatch}"></span>{esc(label)}</div>')
    notes = [
        "in the selected event range; events located only to a governorate or to Syria are in no district"
    ]
    if zones:
        notes.append("control zones drawn as outlines in their party colours")
    foot = "".join(f"<div><small>{esc(n)}</small></div>" for n in notes)
    return (
        f"<details open><summary><b>{esc(MEASURE_LABELS[measure])}</b></summary>"
        + "".join(rows)
        + foot
        + "</details>"
    )


def add_choropleth_legend(
    m: folium.Map, measure: str, *, zones: bool = False, position: str = "bottomleft"
) -> HtmlControl | None:
    """Add the choropleth legend to ``m`` (fixed breaks: it belongs to the map's base); None when off.

    Parameters
    ----------
    m : folium.Map
        The map the legend control is added to.
    measure : str
        One of :data:`MEASURES`; any other value (e.g. "off") adds nothing.
    zones : bool
        Mention the zone outlines in the legend (see :func:`legend_html`).
    position : str
        Leaflet control corner ("topleft", "topright", "bottomleft", "bottomright").

    Returns
    -------
    HtmlControl or None
        The control added, or None when there is no legend.
    """
    html = legend_html(measure, zones=zones)
    if not html:
        return None
    ctl = HtmlControl(html, position=position, css_class="scm-legend")
    ctl.add_to(m)
    return ctl


#: Height (px) of the small district map of the Trends page.
DISTRICT_MAP_HEIGHT = 420


def district_map(
    districts,
    measure: str = "events",
    *,
    governorates=None,
    country=None,
    official: bool = True,
    range_label: str = "",
    height: int = DISTRICT_MAP_HEIGHT,
) -> folium.Map:
    """A small map of the choropleth alone: local base map, the district fills, the governorate
    boundaries over them and the legend (no zones, no points, no tiles).

    Parameters
    ----------
    districts : GeoDataFrame
        :func:`geo.admin.district_totals` output (see :func:`choropleth_geojson`).
    measure : str
        One of :data:`MEASURES`.
    governorates, country : GeoDataFrame, optional
        Drawn as lines on top (:func:`layers.boundaries.boundaries_layer`).
    official : bool
        Whether the governorate lines are the official ones (else dashed, labelled).
    range_label : str
        The event range, shown in each district's tooltip.
    height : int
        Map height in pixels.

    Returns
    -------
    folium.Map
        Fitted to the districts (quarter-zoom steps, so the country fills a small frame).
    """
    lines = boundaries_data(governorates, country, official=official) \
        if governorates is not None and len(governorates) else []
    return district_map_of(choropleth_geojson(districts, measure, range_label=range_label), lines, measure,
                           official=official, height=height)


def district_map_of(data: dict, lines: list, measure: str = "events", *, official: bool = True,
                    height: int = DISTRICT_MAP_HEIGHT, shared: bool = False) -> folium.Map:
    """:func:`district_map` from the layers' data, which a caller may work out once and hand over at
    every rerun (it must not be changed then).

    Parameters
    ----------
    data : dict
        :func:`choropleth_geojson` of the districts.
    lines : list of dict
        :func:`layers.boundaries.boundaries_data` of the governorates and the country, drawn on top
        (empty: none).
    measure : str
        One of :data:`MEASURES`.
    official : bool
        Whether the governorate lines are the official ones (else dashed, labelled).
    height : int
        Map height in pixels.
    shared : bool
        ``data`` and ``lines`` are kept between reruns: their JSON is written once.

    Returns
    -------
    folium.Map
        Fitted to the districts (quarter-zoom steps, so the country fills a small frame).
    """
    m = base_map(tiles=False, height=height)
    m.options["zoomSnap"] = 0.25
    choropleth_group(data, measure, shared=shared).add_to(m)
    if lines:
        boundaries_group(lines, official=official, shared=shared).add_to(m)
    add_choropleth_legend(m, measure, position="bottomright")  # the wide frame's empty side: clear of the coast
    if data["features"]:
        x0, y0, x1, y1 = data["bbox"]
        m.fit_bounds([[y0, x0], [y1, x1]])
    return m
