"""Syria Ceasefire Monitor: the Streamlit app (served by ``streamlit run serve.py``; ``app.py`` alone runs too).

Page config, navigation, the shared sidebar and URL state; the pages do the rest.
"""

from __future__ import annotations

import streamlit as st

from webapp import session
from webapp.vendor import ensure_vendor

st.set_page_config(page_title="Syria Ceasefire Monitor", page_icon="🗺️", layout="wide")  # emoji: no icon fetched from the web
ensure_vendor()  # the local Leaflet files must exist before the first map renders
session.frame_guard()  # another site framing the app sees a message, not the app (clickjacking)

#: The Map page is the default, served at the app's root ("/"); Streamlit then gives it no path of
#: its own, so MAP_PATH serves the same script at "/map" (hidden from the menu; the README's Pages
#: table names every page by its path). Each page's path keeps its query parameters.
PAGES = {
    "map": st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map-home", default=True),
    "trends": st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    "control": st.Page("pages/control.py", title="Control change", icon=":material/swap_horiz:", url_path="control"),
    "sources": st.Page("pages/sources.py", title="Sources", icon=":material/article:", url_path="sources"),
    "data": st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    "rules": st.Page("pages/rules.py", title="Rules", icon=":material/rule:", url_path="rules"),
}
MAP_PATH = st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map", visibility="hidden")

first_run = "vs" not in st.session_state
vs = session.sync()
page = st.navigation([*PAGES.values(), MAP_PATH])
name = next((k for k, p in PAGES.items() if p.url_path == page.url_path), "map")  # MAP_PATH: "map"
if first_run and vs.page != name and vs.page in PAGES and name == "map":
    st.switch_page(PAGES[vs.page])  # a link with ?page=... opened at the app's root
st.session_state["page_prev"] = vs.page  # the page of the previous run (the Map page needs it)
vs = session.set_page(vs, name)
session.sidebar(vs)
session.show_notices()
# --- presentation view (briefing-links) ---
if vs.view == "briefing":
    from webapp import share

    share.presentation_view(vs)  # the map full width, no app chrome; ends the run
# --- end presentation view ---
page.run()
session.write_query(st.session_state["vs"])
