"""Local (offline) Leaflet assets and the map factory.

Folium and its plugins load Leaflet, jQuery and plugin files from CDNs.  Analysts in closed
networks have none, so every script and stylesheet a map uses is pointed at a local URL under
``/app/static/vendor/`` (Streamlit's static file serving).  The files themselves come from the
``folium-offline`` package (installed by requirements.txt) and are written to ``static/vendor/``
by the app at start-up (``webapp/vendor.py``); this module only knows names and URLs (no I/O).
"""

from __future__ import annotations

import json

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from layers.boundaries import add_boundary_attribution
from layers.canvas import add_shared_canvas

#: URL prefix under which Streamlit serves ``./static/vendor``.
VENDOR_URL = "/app/static/vendor"

#: Local file name -> the CDN URL folium 0.20 would use (the key of the file's content in
#: ``offlinefolium.elements._res``).  Order is load order within each kind.
VENDOR_FILES: dict[str, str] = {
    "leaflet.js": "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
    "jquery-3.7.1.min.js": "https://code.jquery.com/jquery-3.7.1.min.js",
    "leaflet.markercluster.js": "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
    "leaflet.css": "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
    "MarkerCluster.css": "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
    "MarkerCluster.Default.css": "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
}
_BY_CDN = {url: name for name, url in VENDOR_FILES.items()}


def local_url(name: str) -> str:
    """URL of vendor file ``name`` as served by the app.

    Parameters
    ----------
    name : str
        A key of :data:`VENDOR_FILES`, e.g. ``"leaflet.js"``.

    Returns
    -------
    str
        ``VENDOR_URL/name``.  Raises ``KeyError`` for a name not in :data:`VENDOR_FILES`.
    """
    if name not in VENDOR_FILES:
        raise KeyError(f"unknown vendor file {name!r}")
    return f"{VENDOR_URL}/{name}"


#: What a base map loads: Leaflet and jQuery (without jQuery the streamlit-folium component
#: stays at zero height offline), Leaflet's stylesheet.  Bootstrap, awesome-markers and
#: Font Awesome are not used by our layers and are left out.
MAP_JS = [("leaflet", local_url("leaflet.js")), ("jquery", local_url("jquery-3.7.1.min.js"))]
MAP_CSS = [("leaflet_css", local_url("leaflet.css"))]
#: What marker clustering loads.
CLUSTER_JS = [("markerclusterjs", local_url("leaflet.markercluster.js"))]
CLUSTER_CSS = [
    ("markerclustercss", local_url("MarkerCluster.css")),
    ("markerclusterdefaultcss", local_url("MarkerCluster.Default.css")),
]

#: Styles shared by all our layers (labels, cluster icons, legend, note).  Trusted constant.
_MAP_STYLE = """
<style>
.leaflet-container { background: #eef1f4; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.leaflet-control-attribution { max-width: 62%; font-size: 10px; line-height: 1.25; }  /* wraps on the right, off the scale bar */
.scm-label { background: rgba(255,255,255,0.85); border: 0; box-shadow: none; padding: 0 3px;
  font-size: 11px; font-weight: 600; color: #111; }
.scm-label::before { display: none; }
.scm-cluster { border-radius: 50%; border: 2px solid #fff; box-shadow: 0 0 2px #333;
  display: flex; align-items: center; justify-content: center; font: 600 12px system-ui, sans-serif; }
.scm-box { background: rgba(255,255,255,0.92); padding: 4px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 11px; line-height: 1.3; max-width: 210px; }
.scm-box h4 { margin: 4px 0 2px 0; font-size: 11px; font-weight: 700; }
.scm-box summary { cursor: pointer; }
.scm-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -2px;
  border: 1px solid #555; }
.scm-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px;
  vertical-align: -1px; }
.scm-popup { font-size: 12px; line-height: 1.35; }
.scm-popup table { border-collapse: collapse; }
.scm-popup td { padding: 1px 4px; vertical-align: top; }
.scm-popup th { text-align: left; padding: 1px 4px; font-weight: 600; color: #444; white-space: nowrap; vertical-align: top; }
.scm-popup ul { font-size: 11px; }
.leaflet-tooltip { font-size: 11px; }
.scm-synthetic { color: #a00; font-weight: 700; }
</style>
"""


def localize(element) -> None:
    """Point ``element`` and every descendant's JS/CSS links at the local vendor files.

    Links whose CDN URL we do not ship are dropped (and so never requested); a layer that
    needs one must add it to :data:`VENDOR_FILES` first.

    Parameters
    ----------
    element : branca.element.Element
        A map or any element; its ``default_js``/``default_css`` lists and those of all its
        ``_children`` (recursively) are rewritten in place.

    Returns
    -------
    None
    """
    stack = [element]
    while stack:
        el = stack.pop()
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                fixed = []
                for name, url in links:
                    if url.startswith(VENDOR_URL):
                        fixed.append((name, url))
                    elif url in _BY_CDN:
                        fixed.append((name, local_url(_BY_CDN[url])))
                setattr(el, attr, fixed)
        stack.extend(getattr(el, "_children", {}).values())


def base_map(center=(35.0, 38.5), zoom: int = 7, *, tiles: bool = False, height: str | int = "100%") -> folium.Map:
    """A folium map that loads only local assets.

    Parameters
    ----------
    center : (lat, lon)
    zoom : int
    tiles : bool
        Add the OpenStreetMap tile layer (needs network; off by default in this offline product).
    height : str or int
        Passed to ``folium.Map``.

    Returns
    -------
    folium.Map
        Canvas rendering (one shared canvas, ``layers/canvas.py``), ``max_zoom`` 18 set on the map itself (so clusters work without tiles),
        and only ``/app/static/vendor/...`` scripts and stylesheets.
    """
    m = folium.Map(
        location=[float(center[0]), float(center[1])],
        zoom_start=int(zoom),
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        min_zoom=4,
        height=height,
    )
    m.options["max_zoom"] = 18
    add_shared_canvas(m)  # one canvas for every vector layer, so zones under markers get the mouse
    m.default_js = list(MAP_JS)
    m.default_css = list(MAP_CSS)
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Basemap (OpenStreetMap, needs network)", overlay=False, control=True, max_zoom=18
        ).add_to(m)
    m.get_root().header.add_child(Element(_MAP_STYLE), name="scm_style")
    add_boundary_attribution(m)
    return m


#: Inside the streamlit-folium frame: its map box (``#map_div``, sized in pixels by the component)
#: and the map fill the frame's own height, so the page can size the frame (e.g. to the window).
_FILL_FRAME_STYLE = """<style>
html, body { height: 100%; margin: 0; overflow: hidden; }
#map_div { height: 100vh !important; }
#map_div > .folium-map, #map_div > div > .folium-map { height: 100% !important; }
</style>"""


def fill_frame(m: folium.Map) -> folium.Map:
    """Make ``m`` fill the height of the frame it is shown in (st_folium's iframe).

    Parameters
    ----------
    m : folium.Map
        A map from :func:`base_map`; a fixed stylesheet (no user text) goes to its header.

    Returns
    -------
    folium.Map
        ``m``, whose height then follows the frame: the page sizes the frame with CSS.
    """
    m.get_root().header.add_child(Element(_FILL_FRAME_STYLE), name="scm_fill_frame")
    return m


# --- the map's centre and zoom in the page's address bar ----------------------------------------
#: Fixed script (no user text; the only inputs are the map's variable name and numbers from
#: Python).  On every ``moveend`` (pan or zoom, by the user or by the app) it writes ``lat``,
#: ``lon`` and ``z`` of the map into the Streamlit page's address bar with
#: ``history.replaceState`` -- no request, no rerun -- keeping every other parameter as it is.
#: Values follow ``viewstate.ViewState.to_query``: 5 decimals, Python's float spelling
#: (``37.0``), integer zoom, defaults omitted, clamped to the ranges a link accepts; within a
#: pixel of the centre the app asked for (Leaflet snaps to pixels) the app's own numbers stay.
#:
#: After each write it calls ``host_hooks(host, query)`` when given: a fixed JavaScript function
#: from the app side (``webapp.internals.STREAMLIT_URL_HOOKS`` tells Streamlit's frontend about
#: the new query string; this module knows nothing of Streamlit).  Without hooks the address
#: bar is still right until the next run.  It never acts before streamlit-folium has applied
#: the app's own centre and zoom (``__GLOBAL_DATA__.last_center``, a streamlit-folium frame
#: global: see ``webapp.internals.STREAMLIT_FOLIUM_GLOBALS``), so a map being set up never
#: publishes its placeholder view; outside a same-origin parent frame (a standalone file) it does nothing.
#: A check every 0.7 s rewrites the view when a run that started mid-pan wrote an older one.
_VIEW_SYNC_TEMPLATE = r"""
{% macro script(this, kwargs) %}
(function (map) {
  var cfg = {{ this.config }};
  var KEYS = ["lat", "lon", "z"];
  var host = null;
  try {
    if (window.parent && window.parent !== window && typeof window.parent.location.search === "string") {
      host = window.parent;
    }
  } catch (e) { host = null; }
  if (!host) { return; }
  var hooks = {{ this.host_hooks }};

  function clamp(x, r) { return Math.min(r[1], Math.max(r[0], x)); }
  function round(x) { return Number(x.toFixed(cfg.decimals)) + 0; }
  function pyFloat(x) { var s = String(x); return /^-?[0-9]+$/.test(s) ? s + ".0" : s; }
  function keyOf(part) {
    var k = part.split("=")[0];
    try { return decodeURIComponent(k.replace(/\+/g, " ")); } catch (e) { return k; }
  }
  function wanted(g) {
    var c = map.getCenter();
    // Leaflet snaps the view to whole pixels: within a pixel of the centre the app asked for,
    // keep the app's numbers (a link opens without its lat/lon being rewritten).
    if (g.last_center && g.last_zoom === map.getZoom()) {
      var asked = L.latLng(g.last_center[0], g.last_center[1]);
      if (map.latLngToContainerPoint(asked).distanceTo(map.getSize().divideBy(2)) < 1) { c = asked; }
    }
    var lat = round(clamp(c.lat, cfg.lat)), lon = round(clamp(c.lng, cfg.lon));
    var z = clamp(Math.round(map.getZoom()), cfg.zoom);
    return {
      lat: lat === cfg.home[0] ? null : pyFloat(lat),
      lon: lon === cfg.home[1] ? null : pyFloat(lon),
      z: z === cfg.home[2] ? null : String(z)
    };
  }
  function same(a, b) { return (a === null && b === null) || (a !== null && b !== null && Number(a) === Number(b)); }
  function publish() {
    try {
      var g = window.__GLOBAL_DATA__;
      if (!g || !g.last_center) { return; }
      var want = wanted(g);
      var search = host.location.search.replace(/^\?/, "");
      var current = new URLSearchParams(search);
      if (KEYS.every(function (k) { return same(want[k], current.get(k)); })) { return; }
      var kept = (search ? search.split("&") : []).filter(function (p) { return KEYS.indexOf(keyOf(p)) < 0; });
      var add = KEYS.filter(function (k) { return want[k] !== null; }).map(function (k) { return k + "=" + want[k]; });
      var at = kept.length;
      for (var i = 0; i < kept.length; i++) {
        var k = keyOf(kept[i]);
        if (k === "town" || k === "view") { at = i; break; }
      }
      var q = kept.slice(0, at).concat(add, kept.slice(at)).join("&");
      host.history.replaceState(host.history.state, "", host.location.pathname + (q ? "?" + q : "") + host.location.hash);
      if (hooks) { hooks(host, q); }
    } catch (e) { /* the address bar is a convenience: never break the map */ }
  }
  map.on("moveend", publish);
  // A run that started before the last pan ended writes that run's (older) view back to the
  // address bar; the map itself is not moved (pages/map.py).  When the address bar and the map
  // disagree for two checks in a row (so not the moment the app itself moves the map), the
  // map's view is written again.
  var stale = 0;
  window.setInterval(function () {
    try {
      var g = window.__GLOBAL_DATA__;
      if (!g || !g.last_center || map._animatingZoom) { stale = 0; return; }
      var want = wanted(g), current = new URLSearchParams(host.location.search);
      stale = KEYS.every(function (k) { return same(want[k], current.get(k)); }) ? 0 : stale + 1;
      if (stale >= 2) { stale = 0; publish(); }
    } catch (e) { stale = 0; }
  }, 700);
})({{ this._parent.get_name() }});
{% endmacro %}
"""


class ViewInAddressBar(MacroElement):
    """Keeps ``lat``/``lon``/``z`` of the page's URL in step with the map (see the template above)."""

    _template = Template(_VIEW_SYNC_TEMPLATE)

    def __init__(self, *, home, lat_range, lon_range, zoom_range, decimals: int = 5, host_hooks: str | None = None):
        super().__init__()
        self._name = "ViewInAddressBar"
        self.host_hooks = host_hooks or "null"  # fixed JavaScript from code, never user text
        config = {
            "home": [round(float(home[0]), decimals), round(float(home[1]), decimals), int(home[2])],
            "lat": [float(lat_range[0]), float(lat_range[1])],
            "lon": [float(lon_range[0]), float(lon_range[1])],
            "zoom": [int(zoom_range[0]), int(zoom_range[1])],
            "decimals": int(decimals),
        }
        self.config = json.dumps(config)


def add_view_in_address_bar(
    m: folium.Map, *, home, lat_range, lon_range, zoom_range, decimals: int = 5, host_hooks: str | None = None
) -> None:
    """Write the map's centre and zoom into the page's address bar as the user pans and zooms.

    Parameters
    ----------
    m : folium.Map
        The map shown by ``st_folium`` (the script needs the component frame's parent page).
    home : (lat, lon, zoom)
        The default view: parameters equal to it are left out of the URL.
    lat_range, lon_range, zoom_range : (low, high)
        What a link accepts; the written values are clamped to them.
    decimals : int
        Decimals of ``lat`` and ``lon``.
    host_hooks : str, optional
        A fixed JavaScript function expression ``function (host, query)`` called after each write
        (the app passes ``webapp.internals.STREAMLIT_URL_HOOKS``); never built from user text.
    """
    m.add_child(ViewInAddressBar(home=home, lat_range=lat_range, lon_range=lon_range, zoom_range=zoom_range,
                                 decimals=decimals, host_hooks=host_hooks), name="scm_view_in_address_bar")


class _ForgetReplacedGroups(MacroElement):
    """Empties streamlit-folium's list of past feature groups before the new ones are added, and
    makes a removed layer control let go of the map (so of every layer it listed).

    Leaflet 1.9's ``L.Control.Layers`` registers ``map.on("click", collapse)`` when added and never
    removes it: streamlit-folium replaces the layer control at every rerun, so each old control,
    and through it every layer of that rerun, stayed reachable from the map (the tab's heap grew
    about 3 MB a slider step on the shipped data, one more map click handler each time).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
window.feature_group = [];
(function () {
  var proto = L.Control.Layers && L.Control.Layers.prototype;
  if (!proto || proto.scmLetsGo) { return; }
  var onRemove = proto.onRemove;
  proto.onRemove = function (map) {
    map.off("click", this.collapse, this);
    return onRemove.apply(this, arguments);
  };
  proto.scmLetsGo = true;
})();
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "ForgetReplacedGroups"


def forget_replaced_groups(first_group: folium.FeatureGroup) -> folium.FeatureGroup:
    """Let the browser free the layers each rerun replaces (``st_folium(feature_group_to_add=...)``).

    streamlit-folium 0.27 removes the previous feature groups from the map, then runs the new
    ones' script, which appends each new group to ``window.feature_group``; it never empties that
    list, so every layer ever drawn stays in memory (the performance audit measured +260 MB of
    heap per rerun at 100,000 events).  Put into the first group of the list, this empties it
    first (the old groups are off the map by then): the list holds this rerun's groups only.

    Parameters
    ----------
    first_group : folium.FeatureGroup
        The first group handed to ``feature_group_to_add`` (its script runs first).

    Returns
    -------
    folium.FeatureGroup
        ``first_group``.
    """
    _ForgetReplacedGroups().add_to(first_group)
    return first_group
