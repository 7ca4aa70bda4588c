"""Standalone interactive map of a view: one HTML file that opens with no network.

The map is composed with the same layer builders as the Map page (``layers/``), its vendor
scripts and stylesheets (Leaflet, jQuery, MarkerCluster) are inlined from the files the app
serves (``webapp.vendor.inline_assets``), and a title box carries the control date, the event
range, the active filters, the sources and the dataset version.  Every text is escaped
(``layers.safe.esc``).  The result is checked to reference no ``http(s)`` script or stylesheet.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from briefing import data as bdata
from briefing.render import filters_text
from geo.atomic import write_text
from layers.assets import base_map, localize
from layers.boundaries import add_boundary_pane, boundaries_layer
from layers.choropleth import add_choropleth_legend, choropleth_layer, zones_outline_layer
from layers.events import events_layer
from layers.legend import HtmlControl, add_legend, add_note
from layers.safe import esc
from layers.towns import towns_layer
from layers.zones import zones_layer
from webapp.viewstate import ViewState

#: Tags that would make the page load something from the network (anchors in Leaflet's own
#: attribution text are links, not loads, and are allowed).
_REMOTE = re.compile(
    r"""<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*["']\s*(?:https?:)?//|<link\b[^>]*\bhref\s*=\s*["']\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//""",
    re.IGNORECASE,
)


#: Wider title and footer boxes than the app's note boxes (trusted constant).
_EXPORT_STYLE = """
<style>
.scm-box.scm-title { max-width: 560px; font-size: 13px; }
.scm-box.scm-footer { max-width: 720px; font-size: 10.5px; line-height: 1.3; color: #333; }
</style>
"""


def _fmt_day(value) -> str:
    d = bdata.as_date(value)
    return f"{d.day} {d:%b %Y}"


def _title_box(bd: bdata.BriefingData, drawn_events: int | None) -> str:
    state = bd.state
    title = "Syria: control of territory and incidents under the 30 Dec 2016 ceasefire"
    lines = [
        f"<b style='font-size:14px'>{esc(('[SYNTHETIC DATA] ' if bd.synthetic else '') + title)}</b>",
        esc(f"Control on {_fmt_day(state.date)} · events {_fmt_day(state.start)} – {_fmt_day(state.end)}"),
        esc(f"Filters: {filters_text(state)}"),
    ]
    if drawn_events is not None:
        lines.append(esc(f"Events in range and filters: {len(bd.events) if bd.events is not None else 0} "
                         f"(of {bd.events_total} in the data); drawn: {drawn_events}"))
    if bd.districts is not None and state.choro != "off":
        rest = bd.district_events - bd.district_placed
        lines.append(esc(f"Districts coloured by {state.choro}: {bd.district_placed:,} of {bd.district_events:,} "
                         f"events placed in a district; {rest:,} located only to a governorate or to Syria"))
    if bd.missing:
        lines.append(esc("Not shown: " + "; ".join(bd.missing)))
    if bd.synthetic:
        lines.append("<span class='scm-synthetic'>Contains SYNTHETIC data: not real events</span>")
    return "<br>".join(lines)


def _footer_box(bd: bdata.BriefingData) -> str:
    rendered = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [*bd.sources, *bd.attribution, f"Syria Ceasefire Monitor · dataset version {bd.version} · exported {rendered}"]
    return "<br>".join(esc(p) for p in parts)


#: Fits the map to the country in the room its boxes leave (fixed JavaScript; the numbers come
#: from code).  The title box (top left), the sources box and scale (bottom left) and the legend
#: (bottom right) are measured, and the country's bounds are fitted inside the padding they
#: need, so no box covers the country; again when the window is resized.  With ``fill`` the map
#: is first made as tall as its window (the presentation view: the frame follows the browser's
#: height).
_FIT_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var box = {{ this.bounds }};  // null: the view's own centre and zoom are kept
  var bounds = box ? L.latLngBounds(box) : null;
  window.__scm_fit_bounds = box;  // read by the browser tests
  var fill = {{ this.fill }};
  function corner(v, h) {  // how far the boxes of one corner reach in from the map's edges
    var el = map.getContainer().querySelector('.leaflet-' + v + '.leaflet-' + h);
    var box = map.getContainer().getBoundingClientRect(), w = 0, d = 0;
    if (!el) return {w: 0, h: 0};
    Array.prototype.forEach.call(el.children, function (c) {
      if (c.classList.contains('leaflet-control-attribution')) return;  // one line, under the boxes
      var r = c.getBoundingClientRect();
      if (!r.width || !r.height) return;
      w = Math.max(w, h === 'left' ? r.right - box.left : box.right - r.left);
      d = Math.max(d, v === 'top' ? r.bottom - box.top : box.bottom - r.top);
    });
    return {w: w, h: d};
  }
  function fit() {
    if (fill) {
      map.getContainer().style.setProperty('height', Math.max(320, window.innerHeight) + 'px', 'important');
      map.invalidateSize({pan: false});
    }
    var top = corner('top', 'left').h, bottom = corner('bottom', 'left').h, right = corner('bottom', 'right').w;
    var size = map.getSize();
    if (top + bottom > size.y * 0.6) { top = Math.min(top, size.y * 0.3); bottom = Math.min(bottom, size.y * 0.3); }
    if (right > size.x * 0.4) { right = size.x * 0.4; }
    if (!bounds) return;
    map.options.zoomSnap = 0.25;  // the country as large as the room allows, not the next whole zoom down
    map.fitBounds(bounds, {paddingTopLeft: [8, top + 6], paddingBottomRight: [right + 6, bottom + 6],
                           animate: false});
    map.getContainer().setAttribute('data-scm-fitted', String(map.getZoom()));
  }
  // Fit again whenever the frame or a box changes size (the frame grows to the window, the legend
  // opens or collapses, fonts arrive), until the reader moves the map: on a busy machine the first
  // fit can run before the frame has its final height.
  var moved = false, pending = null;
  ['pointerdown', 'wheel', 'keydown'].forEach(function (t) {
    map.getContainer().addEventListener(t, function () { moved = true; }, {passive: true});
  });
  function refit() {
    if (moved) return;
    clearTimeout(pending);
    pending = setTimeout(fit, 50);
  }
  fit();
  setTimeout(fit, 0);
  window.addEventListener('resize', refit);
  if (window.ResizeObserver) {
    var watch = new ResizeObserver(refit);
    watch.observe(map.getContainer());
    map.getContainer().querySelectorAll('.leaflet-top.leaflet-left, .leaflet-bottom.leaflet-left, '
      + '.leaflet-bottom.leaflet-right').forEach(function (el) {
      Array.prototype.forEach.call(el.children, function (c) { watch.observe(c); });
    });
  }
})();
{% endmacro %}
"""
#: Country extent (lon0, lat0, lon1, lat1) when no outline is available (as ``briefing.render``).
SYRIA_BOUNDS = (35.6, 32.3, 42.4, 37.35)


class FitToCountry(MacroElement):
    """Fits the map to ``bounds`` (lon0, lat0, lon1, lat1; None: no fit) clear of its boxes, and
    with ``fill`` makes it as tall as its window (see the template)."""

    _template = Template(_FIT_TEMPLATE)

    def __init__(self, bounds, fill: bool = False):
        super().__init__()
        self._name = "FitToCountry"
        self.bounds = "null"
        if bounds is not None:
            lon0, lat0, lon1, lat1 = (round(float(v), 5) for v in bounds)
            self.bounds = json.dumps([[lat0, lon0], [lat1, lon1]])
        self.fill = "true" if fill else "false"


def default_view(state: ViewState) -> bool:
    """True when ``state`` carries no map centre or zoom of its own (the whole-country view)."""
    from webapp.viewstate import DEFAULT_CENTER, DEFAULT_ZOOM

    return (state.lat, state.lon) == DEFAULT_CENTER and state.zoom == DEFAULT_ZOOM


def _fit(m: folium.Map, bd: bdata.BriefingData, fill: bool) -> bool:
    """Add :class:`FitToCountry` to ``m`` when the view has no centre or zoom of its own (or to
    ``fill`` the window); returns whether the country is fitted."""
    fitted = default_view(bd.state)
    bounds = None
    if fitted:
        bounds = SYRIA_BOUNDS if bd.outline is None or len(bd.outline) == 0 else bd.outline.total_bounds
    if bounds is not None or fill:
        m.add_child(FitToCountry(bounds, fill=fill), name="scm_fit_to_country")
    return fitted


def build_map(bd: bdata.BriefingData, official: bool = False, color_by: str | None = None,
              fill: bool = False) -> tuple[folium.Map, dict]:
    """The folium map of gathered data (local asset URLs); returns (map, facts).

    Parameters
    ----------
    bd : briefing.data.BriefingData
        What to draw.
    official : bool
        Whether the governorate boundaries are the official OCHA ones (else dashed, noted).
    color_by : {"class", "party"}, optional
        Colour events by; default: the view's ``colour``.
    fill : bool
        Make the map as tall as its window (the presentation view).

    Returns
    -------
    (folium.Map, dict)
        The map, and facts (events drawn, zones, towns, choropleth, fitted).  A view with no
        centre or zoom of its own is fitted to the country, clear of the title, sources and legend.
    """
    state = bd.state
    color_by = color_by or state.colour
    show = set(state.layers)
    m = base_map(center=(state.lat, state.lon), zoom=state.zoom, tiles=False, height="100%")
    add_boundary_pane(m)
    if "context" in show:  # the schematic geography, under the zones, as on the Map page
        from geo.context import load_context
        from layers.context import add_context

        add_context(m, load_context())
    facts = {"events_drawn": 0, "zones": 0, "towns": 0}
    if "boundaries" in show and bd.governorates is not None:
        boundaries_layer(bd.governorates, bd.outline, official=official).add_to(m)
    choro = state.choro if bd.districts is not None else "off"
    if choro != "off":  # first, under the zones (outlines then) and the events, as on the Map page
        label = f"{state.start:%d %b %Y} – {state.end:%d %b %Y}"
        choropleth_layer(bd.districts, choro, range_label=label).add_to(m)
    facts["choro"] = choro
    if "zones" in show and bd.zones is not None:
        zone_layer = zones_outline_layer if choro != "off" else zones_layer
        zone_layer(bd.zones, name=f"Control zones on {state.date.isoformat()}").add_to(m)
        facts["zones"] = len(bd.zones)
    drawn = None
    if "events" in show and bd.events is not None:
        layer = events_layer(bd.events, color_by=color_by)
        layer.group.add_to(m)
        drawn = facts["events_drawn"] = layer.drawn
    if "towns" in show and bd.towns is not None:
        towns_layer(bd.towns, date_label=state.date.isoformat()).add_to(m)
        facts["towns"] = len(bd.towns)
    add_legend(m, zones="zones" in show, events="events" in show, towns="towns" in show, color_by=color_by,
               synthetic=bd.synthetic, context="context" in show)
    if choro != "off":
        add_choropleth_legend(m, choro, zones="zones" in show)
    if "boundaries" in show and not official:
        add_note(m, "Governorate boundaries not marked official (imported file)")
    m.get_root().header.add_child(Element(_EXPORT_STYLE), name="scm_export_style")
    HtmlControl(_title_box(bd, drawn), position="topleft", css_class="scm-title").add_to(m)
    HtmlControl(_footer_box(bd), position="bottomleft", css_class="scm-footer").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    facts["fitted"] = _fit(m, bd, fill)  # after the boxes: they are measured
    localize(m)
    return m, facts


def render_html(state: ViewState, catalog, out=None, layers=None, version: str | None = None):
    """Write (or return) the standalone interactive map of ``state``.

    Parameters
    ----------
    state : ViewState
    catalog : geo.catalog.Catalog or compatible
    out : path, optional
        Where to write (atomically); when None the HTML text is returned.
    layers : iterable of str, optional
        Overrides ``state.layers``.
    version : str, optional
        Dataset version for the footer.

    Returns
    -------
    pathlib.Path or str

    Raises
    ------
    RuntimeError
        If the page would still reference a remote script or stylesheet.
    """
    from webapp.vendor import inline_assets  # app-side I/O helper (reads the vendor files)

    if layers is not None:
        state = state.replace(layers=tuple(layers))
    t0 = time.perf_counter()
    bd = bdata.gather(state, catalog, version=version)
    official = False
    if hasattr(catalog, "boundaries_are_official"):  # a catalog without it: not called official
        official = bool(catalog.boundaries_are_official(1))
    m, facts = build_map(bd, official=official)
    html = inline_assets(m.get_root().render())
    html = html.replace("<head>", "<head>\n<title>Syria Ceasefire Monitor: map export</title>", 1)
    remote = _REMOTE.findall(html)
    if remote:
        raise RuntimeError(f"standalone map still references {len(remote)} remote resource(s)")
    render_html.last_facts = {**facts, "seconds": round(time.perf_counter() - t0, 2), "bytes": len(html.encode())}
    if out is None:
        return html
    return write_text(out, html)


render_html.last_facts = {}
