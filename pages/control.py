"""Control change: what changed hands between two dates, and the area each party held over time.

Thin page over :mod:`geo.control` (derived zones from the locality control table) and
:mod:`layers.changes`.  The two dates are the page's own (link parameters ``cfrom``/``cto``,
``webapp.viewstate``), so a link reopens the same comparison and the event range the other pages
use (``start``/``end``) never changes here; the sidebar's party and governorate filters narrow
the list of localities.  The map has its legend (``layers.legend.add_change_legend``); the tables
name parties by their labels.
"""

from __future__ import annotations

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import control as ctl
from geo.palette import PARTY_COLOURS
from geo.schema import PARTIES
from layers.assets import base_map
from layers.boundaries import add_boundary_pane, boundaries_layer
from layers.changes import changed_towns_layer, changes_layer
from layers.legend import add_change_legend
from webapp import session
from webapp import viewstate as vsm

K_FROM = "cc_from"
K_TO = "cc_to"
MAP_HEIGHT = 560


NO_RECORD = "no record"


def _dates_changed() -> None:
    """The page's own dates (``cfrom``/``cto``): the event range (``start``/``end``) is left alone."""
    ss = st.session_state
    vs_now = ss["vs"] if "vs" in ss else vsm.ViewState()
    ss["vs"] = vs_now.replace(cfrom=ss[K_FROM], cto=ss[K_TO])


def _party(code) -> str:
    return PARTIES.get(code, code or NO_RECORD)


def _path_text(path: str) -> str:
    """``geo.control.changes_between``'s path of codes ("government → opposition") in labels."""
    return " → ".join(_party("" if p == "(no record)" else p) for p in str(path).split(" → "))


def _attributed_text(covered: pd.Series, country: float) -> str:
    """How much land the zones attribute to a party, said once when it is the same every day."""
    lo, hi = covered.min(), covered.max()
    if round(lo) == round(hi) == round(country):
        return f"All the land in the outline ({country:,.0f} km²) is attributed to a party on every day."
    amount = f"{lo:,.0f} km² on every day" if round(lo) == round(hi) else f"between {lo:,.0f} and {hi:,.0f} km² a day"
    return f"Land attributed to a party: {amount}, of {country:,.0f} km² in the outline."


vs = st.session_state.get("vs", vsm.ViewState())
store, mtime = session.store_key()

st.title("Control change")
st.caption(
    "Zones are derived from the locality control table as on the Map page (each place goes to the nearest "
    "locality with a record that day; inside Aleppo, Damascus and Homs by OCHA neighbourhood); editing or "
    "importing control records moves them. Imported zone polygons are not used here."
)

# The widgets always show the state (the callback has folded the user's change into it already).
st.session_state[K_FROM] = vs.cfrom
st.session_state[K_TO] = vs.cto
c1, c2, _ = st.columns([1, 1, 2])
help_dates = "This page's own dates (in the link as cfrom/cto): the event range of the other pages is not changed."
c1.date_input("From", min_value=vsm.WINDOW_START, max_value=vsm.WINDOW_END, key=K_FROM, on_change=_dates_changed, help=help_dates)
c2.date_input("To", min_value=vsm.WINDOW_START, max_value=vsm.WINDOW_END, key=K_TO, on_change=_dates_changed, help=help_dates)
d1, d2 = sorted([st.session_state[K_FROM], st.session_state[K_TO]])

control, localities, outline, neighbourhoods = session.control_inputs(store, mtime)
if len(control) == 0 or len(localities) == 0 or len(outline) == 0:
    st.info("No control records, localities or outline loaded.")
    st.stop()

changes = ctl.changes_between(control, localities, d1, d2)
areas = ctl.changed_areas(control, localities, outline, d1, d2, neighbourhoods=neighbourhoods)
if vs.parties:
    keep = changes["from_party"].isin(vs.parties) | changes["to_party"].isin(vs.parties)
    changes = changes.loc[keep]
    areas = areas.loc[areas["from_party"].isin(vs.parties) | areas["to_party"].isin(vs.parties)]
if vs.govs and "admin1_pcode" in localities.columns:
    gov_of = dict(zip(localities["locality_id"], localities["admin1_pcode"], strict=False))
    changes = changes.loc[changes["locality_id"].map(gov_of).isin(vs.govs)]

s1, s2 = d1.isoformat(), d2.isoformat()
m1, m2, m3 = st.columns(3)
m1.metric("Localities that changed hands", f"{len(changes):,}")
m2.metric("Area that changed hands", f"{areas['area_km2'].sum():,.0f} km²")
m3.metric("Period", f"{(d2 - d1).days} days")

m = base_map(center=(vs.lat, vs.lon), zoom=vs.zoom, height=MAP_HEIGHT)
add_boundary_pane(m)
boundaries_layer(session.load_boundaries(store, mtime, 1), outline, official=session.boundaries_official(store, mtime)).add_to(m)
changes_layer(areas, s1, s2, name=f"Changed hands {s1} to {s2}").add_to(m)
changed_towns_layer(changes, localities).add_to(m)
add_change_legend(m, set(areas["from_party"]) | set(areas["to_party"]) | set(changes["to_party"]), s1, s2)
folium.LayerControl(collapsed=True).add_to(m)
st_folium(m, key="control_change_map", height=MAP_HEIGHT, use_container_width=True, returned_objects=[])
st.caption("Fill: the party holding the area on the second date; dashed outline: the party holding it on the first.")

st.subheader("Localities that changed hands")
if len(changes) == 0:
    st.info(f"No locality changed hands between {s1} and {s2} (with the current filters).")
else:
    table = pd.DataFrame(
        {
            "Locality": changes["name_en"].where(changes["name_en"].astype(str) != "", changes["locality_id"]),
            f"Holder on {s1}": changes["from_party"].map(_party),
            f"Holder on {s2}": changes["to_party"].map(_party),
            "Changed on": changes["change_dates"],
            "Holders in turn": changes["path"].map(_path_text),
            "Locality id": changes["locality_id"],
        }
    )
    st.dataframe(table, width="stretch", hide_index=True, key="cc_changes_table")

if len(areas):
    summary = areas.groupby(["from_party", "to_party"], as_index=False)["area_km2"].sum().sort_values("area_km2", ascending=False)
    summary = pd.DataFrame(
        {
            "From": summary["from_party"].map(_party),
            "To": summary["to_party"].map(_party),
            "Area, km²": summary["area_km2"].round(0).astype("int64"),
        }
    )
    with st.expander("Area that changed hands, by parties"):
        st.dataframe(summary, width="stretch", hide_index=True, key="cc_area_table")

st.subheader("Area held by each party over time")
series = session.area_series(store, mtime)
if len(series):
    series = series.assign(label=series["party"].map(lambda p: PARTIES.get(p, p)))
    present = [p for p in PARTIES if p in set(series["party"])]
    chart = (
        alt.Chart(series)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("area_km2:Q", title="km² (equal-area projection)"),
            color=alt.Color(
                "label:N",
                title="party",
                scale=alt.Scale(domain=[PARTIES[p] for p in present], range=[PARTY_COLOURS[p] for p in present]),
                legend=alt.Legend(orient="bottom", labelLimit=0, columns=4),
            ),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), "label:N", alt.Tooltip("area_km2:Q", format=",.0f")],
        )
    )
    rules = alt.Chart(pd.DataFrame({"date": [pd.Timestamp(d1), pd.Timestamp(d2)]})).mark_rule(color="#333", strokeDash=[4, 3]).encode(x="date:T")
    st.altair_chart((chart + rules).properties(height=320), width="stretch")
    covered = series.groupby("date")["area_km2"].sum()
    country = float(outline.to_crs(ctl.EQUAL_AREA_CRS).area.sum() / 1e6)
    st.caption(f"Dashed lines: the two dates compared. {_attributed_text(covered, country)}")
