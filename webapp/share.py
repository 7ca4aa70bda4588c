"""Share and export the current view (imported by pages/map.py and app.py; not a page itself).

- :func:`render_share_panel`: the link of the current view (``st.code``: it has a copy button),
  the presentation-view link, a "focus on a town" control (puts the town, centre and zoom in
  the link), and download buttons: briefing image (PNG slide / PNG A4 / PDF A4 / SVG slide),
  the standalone interactive HTML map, the filtered events (CSV, GeoJSON) and the counts table
  (CSV).  Files are generated only when their button is clicked (deferred ``data=`` callables).
- :func:`presentation_view`: ``?view=briefing``: no sidebar, header or toolbar; the map full
  width with its title, dates, filters, legend and sources drawn on it.

Every user-controlled string shown here goes through ``layers.safe.esc`` or a widget that shows
plain text (``st.code``, ``st.caption`` of escaped text); the only raw HTML is the static CSS below.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

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
</style>
"""
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


_CLASS_COLUMNS = ("party1", "party2", "truce_class", "class_reason")


def events_csv(events: pd.DataFrame) -> bytes:
    """Filtered events as CSV: the lossless canonical columns (re-importable) + the class columns."""
    from geo.export import to_csv_text

    if len(events) == 0:
        return b""
    text = to_csv_text("events", events)
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for col in _CLASS_COLUMNS:
        if col in events.columns and col not in table.columns:
            table[col] = events[col].astype("string").fillna("").to_numpy()
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def events_geojson(events: pd.DataFrame) -> bytes:
    """Filtered events as GeoJSON (RFC 7946; lossless canonical properties + class columns)."""
    import json

    from geo.export import to_geojson_text

    if len(events) == 0:
        return json.dumps({"type": "FeatureCollection", "features": []}).encode("utf-8")
    doc = json.loads(to_geojson_text("events", events))
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
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


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


def render_share_panel(vs: vsm.ViewState, events: pd.DataFrame | None = None) -> None:
    """Link, focus and export controls of the current view (Map page)."""
    vs = st.session_state.get("vs", vs)
    store, mtime = session.store_key()
    if events is None:
        events = session.filtered_events(session.load_events(store, mtime), vs)
    with st.expander("Share and export this view", expanded=False, icon=":material/share:"):
        st.caption("Link to this view (dates, filters, layers, map centre and zoom, selected town); "
                   "use the copy icon at the right of the box. The browser's address bar always holds "
                   "the same link: it follows the map as you pan and zoom, while this box catches up "
                   "at your next change of dates, filters or layers.")
        st.code(share_link(vs), language=None, wrap_lines=True)
        st.caption("Presentation view (no app chrome; the map with its title, legend, dates and sources):")
        st.code(share_link(vs.replace(view="briefing")), language=None, wrap_lines=True)

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

        st.markdown(f"**Data of this view** ({len(events):,} events after dates and filters)")
        d = st.columns(3)
        d[0].download_button("Events CSV", data=lambda: events_csv(events), file_name=f"{stem}_events.csv",
                             mime="text/csv", on_click="ignore", key="dl_ev_csv")
        d[1].download_button("Events GeoJSON", data=lambda: events_geojson(events),
                             file_name=f"{stem}_events.geojson", mime="application/geo+json",
                             on_click="ignore", key="dl_ev_geojson")
        d[2].download_button("Counts table CSV", data=lambda: counts_csv(events), file_name=f"{stem}_counts.csv",
                             mime="text/csv", on_click="ignore", key="dl_counts")
        st.caption(esc(f"Command line: python cli.py render --link '{vs.query_string()}' --out briefing.png"))


# --- presentation view ------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def _gathered(store: str, mtime: float, query: str):
    from briefing.data import gather

    return gather(vsm.ViewState.from_query(query), session._catalog(store))


def presentation_view(vs: vsm.ViewState) -> None:
    """Full-width map of ``vs`` with title, legend, dates and sources drawn on it; stops the run."""
    from streamlit_folium import st_folium

    from briefing.html import build_map

    st.html(_PRESENTATION_CSS)
    store, mtime = session.store_key()
    query = vs.replace(view="app", page="map").query_string()
    # gather() names what it could not read (bd.missing, drawn on the map); nothing else is expected
    bd = _gathered(store, mtime, query)
    m, _facts = build_map(bd, official=bool(session.boundaries_official(store, mtime)))
    st_folium(m, key="presentation_map", height=PRESENTATION_HEIGHT, use_container_width=True,
              returned_objects=[], center=(vs.lat, vs.lon), zoom=vs.zoom)
    st.stop()
