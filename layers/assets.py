"""Local (offline) Leaflet assets and the map factory.

Folium and its plugins load Leaflet, jQuery and plugin files from CDNs.  Analysts in closed
networks have none, so every script and stylesheet a map uses is pointed at a local URL under
``/app/static/vendor/`` (Streamlit's static file serving).  The files themselves come from the
``folium-offline`` package (installed by requirements.txt) and are written to ``static/vendor/``
by the app at start-up (``static_assets.py``); this module only knows names and URLs (no I/O).
"""

from __future__ import annotations

import folium
from branca.element import Element

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
    """URL of vendor file ``name`` as served by the app."""
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
        Canvas rendering, ``max_zoom`` 18 set on the map itself (so clusters work without tiles),
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
    m.default_js = list(MAP_JS)
    m.default_css = list(MAP_CSS)
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Basemap (OpenStreetMap, needs network)", overlay=False, control=True, max_zoom=18
        ).add_to(m)
    m.get_root().header.add_child(Element(_MAP_STYLE), name="scm_style")
    return m


def cdn_urls(html: str) -> list[str]:
    """Every ``http(s)`` URL in a ``src=``/``href=`` attribute of ``html`` (for tests and checks)."""
    import re

    return re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
