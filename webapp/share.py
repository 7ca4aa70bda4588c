"""Share and export the current view (imported by pages/map.py and app.py; not a page itself).

- :func:`render_share_panel`: the link of the current view and of its presentation view, in
  boxes that read the page's own address, so they follow every pan and zoom (``st.iframe`` of
  :data:`_LINK_BOX`, with a copy button), a "focus on a town" control (puts the town, centre and
  zoom in the link), and download buttons: briefing image (PNG slide / PNG A4 / PDF A4 / SVG
  slide), the standalone interactive HTML map, the filtered events (CSV, GeoJSON), the counts
  table (CSV), the control zones on the control date (GeoJSON, as ``cli.py export zones``) and the
  locality control table in force then (CSV).  Files are generated only when their button is
  clicked (deferred ``data=`` callables); every CSV goes through ``geo.safetext.csv_text``.
- :func:`presentation_view`: ``?view=briefing``: no sidebar, header or toolbar; the map fills the
  window, with its title, dates, filters, legend and sources drawn on it, the country fitted clear
  of them.

Every user-controlled string shown here goes through ``layers.safe.esc`` or a widget that shows
plain text (``st.caption`` of escaped text); the only raw HTML is the static CSS below and the
link boxes (a fixed page, the server's links escaped into it).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from geo.names import with_governorate_column
from geo.safetext import csv_text
from layers.safe import esc
from webapp import session
from webapp import viewstate as vsm

#: Static CSS of the presentation view (our own constant; never contains user text).
_PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], header, [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { padding: 0.4rem 0.6rem 0 0.6rem !important;
  max-width: 100% !important; }
iframe[title="streamlit_folium.st_folium"] { height: calc(100vh - 0.8rem) !important; display: block; }
</style>
"""
#: The map's height before the browser applies the CSS above (the frame then follows the window).
PRESENTATION_HEIGHT = 860
FOCUS_ZOOM = 10


def _base_url(page: str) -> str:
    """The app URL of ``page`` as the browser sees it (no query), else a local default."""
    url = st.context.url  # None outside a browser session (e.g. AppTest)
    if not url:
        return f"http://localhost:8501/{page}"
    url = url.split("?", 1)[0].split("#", 1)[0]
    return url if urlsplit(url).path else url + "/"


def share_link(vs: vsm.ViewState) -> str:
    """The full link of ``vs`` (the page is in the path and, when not the default, in ``page=``)."""
    return vs.url(_base_url(vs.page))


#: The link boxes of the share panel (static HTML and JavaScript, our own constant; the two
#: server-side links go in as escaped ``value`` attributes).  The boxes show the page's address
#: (``window.parent.location.href``, the same origin), read again whenever it changes: the map's
#: script writes each pan and zoom there (``layers.assets.add_view_in_address_bar``) and the app
#: writes every other choice at the end of each run (``session.write_query``), so the box always
#: holds the link of the view on screen.  The server's links are the fallback when the page
#: cannot be read.
_LINK_BOX = """<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; font: 14px "Source Sans Pro", "Source Sans 3", sans-serif; color: #31333F; }
.row { display: flex; gap: 6px; align-items: center; margin: 0 0 6px 0; }
label { flex: 0 0 9.5em; font-size: 13px; }
input { flex: 1 1 auto; min-width: 0; font: 13px monospace; padding: 6px; border: 1px solid #d6d6d9;
  border-radius: 6px; background: #f0f2f6; color: #31333F; }
button { flex: 0 0 auto; font-size: 13px; padding: 5px 12px; border: 1px solid #c0c0c6; border-radius: 6px;
  background: #fff; cursor: pointer; }
button:hover { border-color: #ff4b4b; color: #ff4b4b; }
</style></head><body>
<div class="row"><label for="scm-link">Link to this view</label>
  <input id="scm-link" readonly value="__LINK__" aria-label="Link to this view">
  <button type="button" data-copy="scm-link">Copy</button></div>
<div class="row"><label for="scm-presentation">Presentation view</label>
  <input id="scm-presentation" readonly value="__PRESENTATION__" aria-label="Presentation view link">
  <button type="button" data-copy="scm-presentation">Copy</button></div>
<script>
(function () {
  function readable(u) { return u.replace(/%2C/gi, ',').replace(/%3A/gi, ':'); }
  function presentation(href) {
    var u = new URL(href);
    u.searchParams.set('view', 'briefing');
    return readable(u.toString());
  }
  var last = null;
  function update() {
    var href;
    try { href = window.parent.location.href; } catch (e) { return; }  // not readable: keep the server's
    if (!href || href === last) return;
    last = href;
    document.getElementById('scm-link').value = href;
    document.getElementById('scm-presentation').value = presentation(href);
    document.body.setAttribute('data-link', href);
  }
  update();
  // replaceState and history moves: look at the address again. No listener on the parent window:
  // it would hold this document after the next run replaced it (one per run, the tab's heap grew).
  setInterval(update, 250);
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.addEventListener('click', function () {
      update();
      var input = document.getElementById(b.getAttribute('data-copy'));
      function done() { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); }
      function fallback() { input.select(); try { document.execCommand('copy'); done(); } catch (e) {} }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else { fallback(); }
    });
  });
})();
</script></body></html>"""
LINK_BOX_HEIGHT = 86


def link_box_html(link: str, presentation: str) -> str:
    """The share panel's link boxes (see :data:`_LINK_BOX`), the server's links escaped in them.

    Parameters
    ----------
    link, presentation : str
        The server's link of the view and of its presentation view (shown until the page's
        own address is read).

    Returns
    -------
    str
        A complete HTML document for ``st.iframe``.
    """
    return _LINK_BOX.replace("__LINK__", esc(link)).replace("__PRESENTATION__", esc(presentation))


# --- data for the downloads ------------------------------------------------------------
def _catalog():
    """The catalog of this session's store (the shipped data alone when the store is unreadable)."""
    store, _mtime = session.store_key()
    return session._catalog(store)


def _image(vs: vsm.ViewState, size: str, fmt: str):
    def make() -> bytes:
        from briefing.render import render_briefing

        return render_briefing(vs, _catalog(), size=size, fmt=fmt)

    return make


def _html(vs: vsm.ViewState):
    def make() -> bytes:
        from briefing.html import render_html

        return render_html(vs, _catalog()).encode("utf-8")

    return make


#: Columns added after the canonical ones: the classes, and the governorate's display name (geo/names.py).
_CLASS_COLUMNS = ("party1", "party2", "truce_class", "class_reason", "governorate")


def events_csv(events: pd.DataFrame) -> bytes:
    """Filtered events as CSV: the lossless canonical columns (re-importable) + the class columns."""
    from geo.export import to_csv_text

    if len(events) == 0:
        return b""
    text = to_csv_text("events", events)
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    shown = with_governorate_column(events)  # added last, after the columns the export has always had
    for col in _CLASS_COLUMNS:
        if col in shown.columns and col not in table.columns:
            table[col] = shown[col].astype("string").fillna("").to_numpy()
    return csv_text(table).encode("utf-8")  # formulas neutralised, as every CSV a user opens


def events_geojson(events: pd.DataFrame) -> bytes:
    """Filtered events as GeoJSON (RFC 7946; lossless canonical properties + class columns)."""
    import json

    from geo.export import to_geojson_text

    if len(events) == 0:
        return json.dumps({"type": "FeatureCollection", "features": []}).encode("utf-8")
    doc = json.loads(to_geojson_text("events", events))
    events = with_governorate_column(events)  # added after the properties the export has always had
    extra = [c for c in _CLASS_COLUMNS if c in events.columns]
    for feature, (_, row) in zip(doc["features"], events[extra].iterrows(), strict=True):
        for col in extra:
            value = row[col]
            feature["properties"].setdefault(col, "" if pd.isna(value) else str(value))
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def counts_csv(events: pd.DataFrame) -> bytes:
    """The counts table: events and fatalities by governorate and by truce class (long format)."""
    from geo.stats import counts_by

    frames = []
    for by in ("governorate", "class"):
        table = counts_by(events, by)
        key = "pcode" if by == "governorate" else "class"
        label = table["governorate"] if "governorate" in table.columns else table[key]
        frames.append(pd.DataFrame({"grouping": by, "key": table[key].astype(str), "label": label.astype(str),
                                    "events": table["events"], "fatalities": table["fatalities"]}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["grouping", "key", "label", "events", "fatalities"])
    return csv_text(out).encode("utf-8")


def zones_geojson(catalog, day) -> bytes:
    """The control zones on ``day`` as GeoJSON: the records and the writer of ``cli.py export zones``.

    Parameters
    ----------
    catalog : geo.catalog.Catalog
        The data (shipped and workspace).
    day : date-like
        The control date.

    Returns
    -------
    bytes
        A GeoJSON FeatureCollection (RFC 7946), one feature per party zone (``party``,
        ``valid_from``, ``valid_to``, ``method``, ``source``).
    """
    from geo.export import select, to_geojson_text

    return to_geojson_text("zones", select(catalog, "zones", date=day)).encode("utf-8")


def control_csv(catalog, day) -> bytes:
    """``geo.export.control_table`` as CSV: the same bytes as ``cli.py export control --format csv``."""
    from geo.export import control_csv_text

    return control_csv_text(catalog, day).encode("utf-8")


def _stem(vs: vsm.ViewState) -> str:
    return f"syria-ceasefire_{vs.date:%Y%m%d}_{vs.start:%Y%m%d}-{vs.end:%Y%m%d}"


# --- the share panel ------------------------------------------------------------------------
def _focus_on_town(towns: pd.DataFrame) -> None:
    choice = st.session_state.get("share_town")
    vs = st.session_state["vs"]
    if not choice:
        st.session_state["vs"] = vs.replace(town="", lat=vsm.DEFAULT_CENTER[0], lon=vsm.DEFAULT_CENTER[1],
                                            zoom=vsm.DEFAULT_ZOOM)
        return
    row = towns.loc[towns["locality_id"] == choice]
    if len(row):
        pt = row.geometry.iloc[0]
        st.session_state["vs"] = vs.replace(town=choice, lat=float(pt.y), lon=float(pt.x), zoom=FOCUS_ZOOM)


def _data_downloads(vs: vsm.ViewState, events, count: int, stem: str) -> None:
    """The share panel's "Data of this view": events, counts, control zones and control table.

    ``events()`` gives the view's events, called only when a download is asked for; ``count`` is their number.
    """
    st.markdown(f"**Data of this view** ({count:,} events after dates and filters; control on "
                f"{vs.date:%d %b %Y})")
    d = st.columns(5)
    d[0].download_button("Events CSV", data=lambda: events_csv(events()), file_name=f"{stem}_events.csv",
                         mime="text/csv", on_click="ignore", key="dl_ev_csv")
    d[1].download_button("Events GeoJSON", data=lambda: events_geojson(events()),
                         file_name=f"{stem}_events.geojson", mime="application/geo+json",
                         on_click="ignore", key="dl_ev_geojson")
    d[2].download_button("Counts table CSV", data=lambda: counts_csv(events()), file_name=f"{stem}_counts.csv",
                         mime="text/csv", on_click="ignore", key="dl_counts")
    d[3].download_button("Control zones GeoJSON", data=lambda: zones_geojson(_catalog(), vs.date),
                         file_name=f"{stem}_zones.geojson", mime="application/geo+json", on_click="ignore",
                         key="dl_zones", help="The control zones on the control date: the same file as the command "
                         "line's zone export")
    d[4].download_button("Control table CSV", data=lambda: control_csv(_catalog(), vs.date),
                         file_name=f"{stem}_control.csv", mime="text/csv", on_click="ignore", key="dl_control",
                         help="The locality control records in force on the control date, with each place")


def render_share_panel(vs: vsm.ViewState, events: pd.DataFrame | None = None, *, count: int | None = None) -> None:
    """Link, focus and export controls of the current view (Map page).

    ``events``: the view's events; without them they are filtered only when a download asks for them
    (``count``, their number, says how many there are; counted now when not given).
    """
    vs = st.session_state.get("vs", vs)
    store, mtime = session.store_key()
    if events is not None:
        count = len(events)

    def view_events(view=vs):
        return events if events is not None else session.view_events(store, mtime, view)

    if count is None:
        count = len(session.view_positions(vs))
    with st.expander("Share and export this view", expanded=False, icon=":material/share:"):
        st.caption("The link holds the whole view: dates, filters, layers, colours, map centre and zoom, "
                   "selected town. It follows the map as you pan and zoom (it is the address in the "
                   "browser's address bar). The presentation view shows the map alone, with its title, "
                   "legend, dates and sources, filling the window.")
        st.iframe(link_box_html(share_link(vs), share_link(vs.replace(view="briefing"))), height=LINK_BOX_HEIGHT)

        towns = session.load_towns(store, mtime, vs.date.isoformat(), vs.start.isoformat(), vs.end.isoformat())
        if len(towns) and "locality_id" in towns.columns:
            names = dict(zip(towns["locality_id"], towns.get("name_en", towns["locality_id"]), strict=True))
            options = [""] + list(names)
            current = vs.town if vs.town in names else ""
            if st.session_state.get("share_town") not in options:
                st.session_state["share_town"] = current
            st.selectbox(
                "Focus the map and the link on a cited town",
                options=options,
                format_func=lambda i: "whole country (default view)" if not i else names.get(i, i),
                key="share_town",
                on_change=_focus_on_town,
                args=(towns,),
            )

        st.markdown("**Briefing image** (drawn on the server: zones, boundaries, towns, events, legend, "
                    "scale bar, north arrow, dates, filters, sources)")
        stem = _stem(vs)
        c = st.columns(5)
        c[0].download_button("PNG slide 1920×1080", data=_image(vs, "1920x1080", "png"), file_name=f"{stem}.png",
                             mime="image/png", on_click="ignore", key="dl_png")
        c[1].download_button("PNG A4", data=_image(vs, "a4", "png"), file_name=f"{stem}_a4.png",
                             mime="image/png", on_click="ignore", key="dl_png_a4")
        c[2].download_button("PDF A4", data=_image(vs, "a4", "pdf"), file_name=f"{stem}.pdf",
                             mime="application/pdf", on_click="ignore", key="dl_pdf")
        c[3].download_button("SVG slide", data=_image(vs, "1920x1080", "svg"), file_name=f"{stem}.svg",
                             mime="image/svg+xml", on_click="ignore", key="dl_svg")
        c[4].download_button("Interactive HTML", data=_html(vs), file_name=f"{stem}.html", mime="text/html",
                             on_click="ignore", key="dl_html", help="A standalone map file that opens with no network")

        _data_downloads(vs, view_events, count, stem)
        st.caption(esc(f"Command line: python cli.py render --link '{vs.query_string()}' --out briefing.png"))


# --- presentation view ------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def _gathered(store: str, mtime: float, query: str):
    from briefing.data import gather

    return gather(vsm.ViewState.from_query(query), session._catalog(store))


def presentation_view(vs: vsm.ViewState) -> None:
    """The map of ``vs`` filling the browser window, with title, legend, dates and sources on it; stops the run.

    The frame is as tall as the window (CSS above; the map inside follows, ``briefing.html.FitToCountry``);
    a link without a centre and zoom of its own shows the whole country, fitted in the room the
    boxes leave, so they cover none of it.
    """
    from streamlit_folium import st_folium

    from briefing.html import build_map

    st.html(_PRESENTATION_CSS)
    store, mtime = session.store_key()
    query = vs.replace(view="app", page="map").query_string()
    # gather() names what it could not read (bd.missing, drawn on the map); nothing else is expected
    bd = _gathered(store, mtime, query)
    m, facts = build_map(bd, official=bool(session.boundaries_official(store, mtime)), fill=True)
    own_view = not facts["fitted"]  # else the map's script fits the country; st_folium must not move it
    st_folium(m, key="presentation_map", height=PRESENTATION_HEIGHT, use_container_width=True,
              returned_objects=[], center=(vs.lat, vs.lon) if own_view else None, zoom=vs.zoom if own_view else None)
    st.stop()
