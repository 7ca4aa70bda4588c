"""Map legend and notes: a Leaflet control whose HTML is built here from escaped text."""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from geo.palette import ZONE_OPACITY, party_colour
from geo.vocabulary import LAYER, PARTY, UNCLASSIFIED, ZONE_PARTIES
from layers.events import colour_scheme
from layers.safe import esc, safe_colour

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
})();
{% endmacro %}
"""


class HtmlControl(MacroElement):
    """A Leaflet control showing ``html`` (which must be built from escaped text)."""

    _template = Template(_TEMPLATE)

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "scm-legend"):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
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
                synthetic: bool = False) -> str:
    """Legend HTML for the layers shown (all text escaped, colours validated).

    Parameters
    ----------
    zones, events, towns : bool
        Which layers the legend explains.
    color_by : {"class", "party"}
        How the events are coloured (as :func:`layers.events.events_layer`).
    synthetic : bool
        Add a warning that the events include synthetic test data.

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
    if towns:
        parts.append(
            f"<h4>{esc(LAYER['towns'].label)}</h4><div>size = citing sources; fill = holder on the control date</div>"
        )
    if not parts:
        return ""
    return '<details open><summary><b>Legend</b></summary>' + "".join(parts) + "</details>"


def add_legend(m: folium.Map, position: str = "bottomright", **kwargs) -> HtmlControl:
    """Add the legend control to ``m`` (bottom right: over the desert and Iraq, where little happens).

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
    ctl = HtmlControl(legend_html(**kwargs), position=position, css_class="scm-legend")
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
