"""Map legend and notes: a Leaflet control whose HTML is built here from escaped text."""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from geo.palette import ZONE_OPACITY, party_colour
from geo.vocabulary import LAYER, PARTY, UNCLASSIFIED, ZONE_PARTIES
from layers.context import legend_rows as context_legend_rows
from layers.events import colour_scheme
from layers.safe import esc, safe_colour

#: Where the data lie: Syria's bounding box (``data/admin0.geojson`` 35.61-42.39 E, 32.32-37.32 N,
#: rounded outwards), as [[south, west], [north, east]].  The legend starts open only clear of it.
DATA_BOUNDS = ((32.3, 35.6), (37.35, 42.4))

_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var ctl = L.control({position: {{ this.position|tojson }}});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "scm-box " + {{ this.css_class|tojson }});
    div.innerHTML = {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  ctl.addTo({{ this._parent.get_name() }});
  {% if this.open_if_clear %}
  // Open only where, open, it covers none of the data area (numbers from Python: [[south, west],
  // [north, east]]); else collapsed.  Checked when the map is ready, resized or moved (the app sets
  // its view and size after creating it) until the reader opens or closes the legend.
  (function (map, div, b) {
    var det = div.querySelector("details");
    if (!det) { return; }
    var touched = false;
    det.querySelector("summary").addEventListener("click", function () { touched = true; });
    function clear() {  // whether the open legend lies clear of the data area (false while not laid out)
      det.open = true;
      var box = div.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0 && frame.width > 0 && frame.height > 0)) { return false; }
      var sw = map.latLngToContainerPoint(L.latLng(b[0][0], b[0][1]));
      var ne = map.latLngToContainerPoint(L.latLng(b[1][0], b[1][1]));
      var x0 = box.left - frame.left, x1 = box.right - frame.left, y0 = box.top - frame.top, y1 = box.bottom - frame.top;
      if (x0 < 0 || y0 < 0 || x1 > frame.width || y1 > frame.height) { return false; }  // styles not applied yet
      return !(x0 < ne.x && sw.x < x1 && y0 < sw.y && ne.y < y1);
    }
    function place() {
      if (touched) { return; }
      var open = false;
      try { open = clear(); } catch (e) { open = false; }  // a map without a view yet: stay collapsed
      det.open = open;
    }
    map.whenReady(place);
    map.on("resize moveend", place);
    window.addEventListener("load", place);  // once the stylesheets have placed the control in its corner
    if (window.ResizeObserver) { new ResizeObserver(place).observe(map.getContainer()); }
  })({{ this._parent.get_name() }}, ctl.getContainer(), {{ this.open_if_clear|tojson }});
  {% endif %}
})();
{% endmacro %}
"""


class HtmlControl(MacroElement):
    """A Leaflet control showing ``html`` (which must be built from escaped text)."""

    _template = Template(_TEMPLATE)

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "scm-legend",
                 open_if_clear: tuple | None = None):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
        # [[south, west], [north, east]] as plain floats (never text): see the template
        self.open_if_clear = (
            [[float(open_if_clear[0][0]), float(open_if_clear[0][1])], [float(open_if_clear[1][0]), float(open_if_clear[1][1])]]
            if open_if_clear else None
        )
        self.position = position if position in ("topleft", "topright", "bottomleft", "bottomright") else "bottomright"
        self.css_class = css_class


def _zone_rows() -> str:
    """One swatch per zone party, with its short label (the full names are in tooltips and popups)."""
    return "".join(
        f'<div><span class="scm-swatch" style="background:{safe_colour(party_colour(p))};'
        f'opacity:{0.35 + ZONE_OPACITY}"></span>{esc(PARTY[p].short)}</div>'
        for p in ZONE_PARTIES
    )


def _event_rows(color_by: str, synthetic: bool) -> str:
    """One dot per class (full labels, as in the sidebar and popups) or per party (short labels)."""
    colours, labels = colour_scheme(color_by)
    if color_by == "party":
        labels = {p: PARTY[p].short for p in labels}
    rows = "".join(
        f'<div><span class="scm-dot" style="background:{safe_colour(c)}"></span>{esc(labels.get(k, k))}</div>'
        for k, c in colours.items()
    )
    rows += (
        f'<div><span class="scm-dot" style="background:{safe_colour(UNCLASSIFIED.colour)}"></span>'
        f"{esc(UNCLASSIFIED.label)}</div>"
    )
    rows += (
        '<div><span class="scm-dot" style="background:transparent;border:2px dashed #333;width:8px;height:8px">'
        "</span>hollow: place known only to district / governorate</div>"
    )
    if synthetic:
        rows += '<div class="scm-synthetic">includes SYNTHETIC events (test data)</div>'
    return rows


def legend_html(*, zones: bool = True, events: bool = True, towns: bool = True, color_by: str = "class",
                synthetic: bool = False, context: bool = False, aggregated: bool = False) -> str:
    """Legend HTML for the layers shown (all text escaped, colours validated).

    Parameters
    ----------
    zones, events, towns : bool
        Which layers the legend explains.
    color_by : {"class", "party"}
        How the events are coloured (as :func:`layers.events.events_layer`).
    synthetic : bool
        Add a warning that the events include synthetic test data.
    context : bool
        Explain the geographic context (``layers.context.legend_rows``).
    aggregated : bool
        Explain the squares and centre rings of events counted instead of drawn (``layers/aggregate.py``).

    Returns
    -------
    str
        The legend's HTML ("" when no layer is shown).
    """
    parts = []
    if zones:
        parts.append(f"<h4>{esc(LAYER['zones'].label)}</h4>{_zone_rows()}")
    if events:
        title = "Events by alleged perpetrator" if color_by == "party" else "Events by truce class"
        parts.append(f"<h4>{esc(title)}</h4>{_event_rows(color_by, synthetic)}")
        if aggregated:
            parts.append(
                "<div>when too many to draw one by one: a disc per square of the grid, its area = the events in "
                "the square, its colour = their most frequent kind; dashed rings = events located only to a "
                "district or governorate; zoom in for single events</div>"
            )
    if towns:
        parts.append(
            f"<h4>{esc(LAYER['towns'].label)}</h4><div>ring size = citing sources; ring colour = holder on the control date; "
            "events at the town show inside the ring; names shown where they fit, the others on hover</div>"
        )
    if context:
        parts.append(context_legend_rows())
    if not parts:
        return ""
    # collapsed; add_legend opens it when it covers no data (the map's script decides, see HtmlControl)
    return '<details><summary><b>Legend</b></summary>' + "".join(parts) + "</details>"


def add_legend(m: folium.Map, position: str = "bottomright", **kwargs) -> HtmlControl:
    """Add the legend control to ``m``, collapsed unless, open, it covers none of Syria.

    Bottom right (over the desert and Iraq).  It is collapsed to its "Legend" title where, open,
    it would cover any of :data:`DATA_BOUNDS` (Syria's bounding box, so the Euphrates valley and
    Abu Kamal too) in the current view, e.g. on a 1440x900 screen at the default view; on a
    larger map it is open.  Once the reader opens or closes it, it stays as they left it.

    Parameters
    ----------
    m : folium.Map
        The map the legend control is added to.
    position : str
        Leaflet control corner ("topleft", "topright", "bottomleft", "bottomright"; others
        fall back to "bottomright").
    **kwargs
        Passed to :func:`legend_html` (``zones``, ``events``, ``towns``, ``color_by``, ``synthetic``).

    Returns
    -------
    HtmlControl
        The control added.
    """
    ctl = HtmlControl(legend_html(**kwargs), position=position, css_class="scm-legend", open_if_clear=DATA_BOUNDS)
    ctl.add_to(m)
    return ctl


def add_note(m: folium.Map, text: str, position: str = "bottomleft") -> HtmlControl:
    """Add a small plain-text note (escaped) to the map, e.g. the boundaries' source note.

    Parameters
    ----------
    m : folium.Map
        The map the note control is added to.
    text : str
        Plain text of the note (escaped here).
    position : str
        Leaflet control corner ("topleft", "topright", "bottomleft", "bottomright"; others
        fall back to "bottomright").

    Returns
    -------
    HtmlControl
        The control added.
    """
    ctl = HtmlControl(f"<small>{esc(text)}</small>", position=position, css_class="scm-note")
    ctl.add_to(m)
    return ctl


def add_change_legend(m: folium.Map, parties, d1: str, d2: str, position: str = "bottomright") -> HtmlControl:
    """Add the legend of the Control change map: fill, dashed outline and dots, and the parties' colours.

    Collapsed unless, open, it covers none of Syria at the first view, as :func:`add_legend`.

    Parameters
    ----------
    m : folium.Map
        The map the legend control is added to.
    parties : iterable of str
        Party codes drawn on the map (old and new holders); the zone parties among them get a swatch.
    d1, d2 : str
        The two dates compared, as shown (escaped here).
    position : str
        Leaflet control corner, as for :func:`add_legend`.

    Returns
    -------
    HtmlControl
        The control added.
    """
    shown = set(parties)
    swatches = "".join(
        f'<div><span class="scm-swatch" style="background:{safe_colour(party_colour(p))};opacity:0.9"></span>'
        f"{esc(PARTY[p].short)}</div>"
        for p in ZONE_PARTIES
        if p in shown
    )
    html = (
        "<details><summary><b>Legend</b></summary>"
        f"<h4>{esc('Changed hands')}</h4>"
        f"<div>fill: holder on {esc(d2)}</div>"
        f'<div><span class="scm-swatch" style="background:transparent;border:2px dashed #333"></span>'
        f"outline: holder on {esc(d1)}</div>"
        '<div><span class="scm-dot" style="background:#999;border:1px solid #111"></span>'
        "locality that changed hands (fill: new holder)</div>"
        f"{swatches}</details>"
    )
    ctl = HtmlControl(html, position=position, css_class="scm-legend", open_if_clear=DATA_BOUNDS)
    ctl.add_to(m)
    return ctl
