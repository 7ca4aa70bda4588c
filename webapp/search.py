"""The Map page's place search (imported by pages/map.py; not a page itself).

:func:`render_place_search` draws a search box over every locality (the gazetteer, shipped and
imported) and the 14 governorates. It accepts any alias, transliteration or Arabic form and small
typos (matching and ranking: ``geo/search.py``; display names: ``geo/names.py``). Pressing Enter
flies the map to the best match (as the share panel's town focus does: the view's centre, zoom
and ``town`` change, and ``session.sync`` marks the view as commanded by the app); the other
matches are offered in a list. The chosen place's card follows: who held it on the control date,
the events of the event range at or near it (after the sidebar filters), and the sources citing it.

Every text shown is escaped (``session.md_text``) or shown by a widget as plain text.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from geo.names import governorate_name
from geo.search import (
    GOVERNORATE,
    NEAR_KM,
    Match,
    Place,
    PlaceIndex,
    events_near,
    governorate_places,
    locality_places,
)
from geo.vocabulary import class_label, party_label
from webapp import session
from webapp import viewstate as vsm

K_QUERY = "w_place_query"
K_PICK = "w_place_pick"
K_CHOSEN = "place_search_chosen"  # the place_id of the place whose card is shown
#: Zoom for a locality (a town and its surroundings).
LOCALITY_ZOOM = 11
MAX_RESULTS = 8
CARD_EVENTS = 10
#: Map size (pixels) assumed when fitting a governorate.
_FIT_PX = (900, 600)


@st.cache_resource(show_spinner=False, max_entries=4)
def place_index(store: str, mtime: float) -> PlaceIndex:
    """The search index of the store's localities and the governorates (cached per store version)."""
    localities = session._catalog(store).localities()
    return PlaceIndex(governorate_places(session.load_boundaries(store, mtime, 1)) + locality_places(localities))


def fit_zoom(bounds: tuple[float, float, float, float]) -> int:
    """The largest zoom at which ``bounds`` (lon/lat box) fits a map of about 900 x 600 pixels."""
    dx = max(bounds[2] - bounds[0], 1e-3)
    lat = math.radians((bounds[1] + bounds[3]) / 2)
    dy = max((bounds[3] - bounds[1]) / max(math.cos(lat), 0.1), 1e-3)
    zoom = math.floor(min(math.log2(_FIT_PX[0] * 360 / (256 * dx)), math.log2(_FIT_PX[1] * 360 / (256 * dy))))
    return int(min(max(zoom, vsm.MIN_ZOOM), LOCALITY_ZOOM))


def _label(match: Match) -> str:
    p = match.place
    where = "governorate" if p.kind == GOVERNORATE else governorate_name(p.admin1_pcode) or "governorate unknown"
    also = f" — matched “{match.matched}”" if match.matched != p.name else ""
    if p.name.endswith(f"({where})"):  # a neighbourhood already names its city
        return f"{p.name}{also}"
    return f"{p.name} ({where}){also}"


def _fly(place: Place) -> None:
    """Move the view to ``place`` (centre, zoom, selected town) and remember it for the card."""
    ss = st.session_state
    vs = ss["vs"]
    town = place.place_id if place.kind != GOVERNORATE and vsm._TOWN_RE.fullmatch(place.place_id) else ""
    zoom = fit_zoom(place.bounds) if place.bounds else LOCALITY_ZOOM
    ss["vs"] = vs.replace(town=town, lat=round(place.lat, vsm.COORD_DECIMALS), lon=round(place.lon, vsm.COORD_DECIMALS),
                          zoom=zoom)
    ss[K_CHOSEN] = place.place_id


def _matches(query: str) -> list[Match]:
    store, mtime = session.store_key()
    return place_index(store, mtime).search(query or "", limit=MAX_RESULTS)


def _on_query() -> None:
    """Enter in the search box: fly to the best match (nothing moves when nothing matches)."""
    found = _matches(st.session_state.get(K_QUERY, ""))
    st.session_state.pop(K_PICK, None)
    if found:
        _fly(found[0].place)
        st.session_state[K_PICK] = found[0].place.place_id
    else:
        st.session_state.pop(K_CHOSEN, None)


def _on_pick(places: dict[str, Place]) -> None:
    choice = st.session_state.get(K_PICK)
    if choice in places:
        _fly(places[choice])


def render_place_search(vs: vsm.ViewState) -> None:
    """Search box, matches and the chosen place's card (Map page).

    Parameters
    ----------
    vs : ViewState
        The current view (its dates and filters give the card's holder and events).
    """
    vs = st.session_state.get("vs", vs)
    st.text_input(
        "Find a place",
        key=K_QUERY,
        on_change=_on_query,
        placeholder="town, village or governorate in any spelling: Idlib, Idleb, إدلب, Souran, Deir ez Zor",
        help="Any English, OCHA, GeoNames or Arabic spelling, small typos allowed. Enter flies the map to "
        "the best match; the list offers the others.",
    )
    query = st.session_state.get(K_QUERY, "")
    if not query.strip():
        st.session_state.pop(K_CHOSEN, None)
        return
    found = _matches(query)
    if not found:
        st.caption(session.md_text(f"No place matches “{query}”."))
        st.session_state.pop(K_CHOSEN, None)
        return
    places = {m.place.place_id: m.place for m in found}
    labels = {m.place.place_id: _label(m) for m in found}
    if st.session_state.get(K_PICK) not in places:
        st.session_state[K_PICK] = found[0].place.place_id
    st.selectbox(f"{len(found)} match(es)", options=list(places), format_func=labels.get, key=K_PICK,
                 on_change=_on_pick, args=(places,))
    chosen = places.get(st.session_state.get(K_CHOSEN, ""))
    if chosen is not None:
        _card(chosen, vs)


# --- the card --------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=64)
def _holder(store: str, mtime: float, locality_id: str, day: str) -> str:
    """Party holding a locality on ``day`` ("" when no record or zone covers it)."""
    cat = session._catalog(store)
    loc = cat.localities()
    row = loc.loc[loc["locality_id"] == locality_id]
    if len(row) == 0:
        return ""
    party = cat.party_at(row, pd.Timestamp(day))
    return "" if len(party) == 0 or pd.isna(party.iloc[0]) else str(party.iloc[0])


def _card(place: Place, vs: vsm.ViewState) -> None:
    store, mtime = session.store_key()
    day = vs.date.isoformat()
    with st.container(border=True, key="place_card"):
        head = f"**{session.md_text(place.name)}**"
        if place.name_ar:
            head += f" {session.md_text(place.name_ar)}"
        kind = "governorate" if place.kind == GOVERNORATE else f"{governorate_name(place.admin1_pcode)} governorate"
        st.markdown(f"{head} · {session.md_text(kind)}")
        if place.kind == GOVERNORATE:
            st.caption(session.md_text(f"Held on {day}: see the control zones (a governorate is held by several parties)."))
        else:
            party = _holder(store, mtime, place.place_id, day)
            held = party_label(party) if party else "no control record or zone covers it"
            st.markdown(session.md_text(f"Held on {day}: {held}"))
        _card_events(place, vs, store, mtime)
        _card_sources(place, vs, store, mtime)


def _card_events(place: Place, vs: vsm.ViewState, store: str, mtime: float) -> None:
    events = session.filtered_events(session.load_events(store, mtime), vs)
    near = events_near(events, place)
    where = "in the governorate" if place.kind == GOVERNORATE else f"within {NEAR_KM:g} km"
    dead = int(pd.to_numeric(near.get("fatalities", pd.Series(dtype=float)), errors="coerce").fillna(0).sum())
    st.markdown(session.md_text(f"Events {where}, {vs.start:%d %b %Y} – {vs.end:%d %b %Y} (after the filters): "
                                f"{len(near):,}, {dead:,} deaths"))
    if len(near) == 0:
        return
    _events_table(near)


def _events_table(near: pd.DataFrame) -> None:
    rows = []
    for r in near.head(CARD_EVENTS).to_dict("records"):
        rows.append({"date": pd.Timestamp(r["date_start"]).strftime("%Y-%m-%d"), "place": str(r.get("place") or ""),
                     "class": class_label(str(r.get("truce_class") or "")),
                     "actors": " / ".join(str(a) for a in (r.get("actor1"), r.get("actor2")) if a and not pd.isna(a)),
                     "fatalities": r.get("fatalities"), "source": str(r.get("source") or "")})
    more = f" (the {CARD_EVENTS} most recent)" if len(near) > CARD_EVENTS else ""
    with st.expander(f"List the events{more}", expanded=False):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="place_card_events")


def _card_sources(place: Place, vs: vsm.ViewState, store: str, mtime: float) -> None:
    towns = session.load_towns(store, mtime, vs.date.isoformat(), vs.start.isoformat(), vs.end.isoformat())
    if len(towns) == 0 or "locality_id" not in towns.columns:
        st.caption("No source dated in the event range cites a town.")
        return
    if place.kind == GOVERNORATE:
        cited = towns.loc[towns["admin1_pcode"] == place.place_id]
        if len(cited) == 0:
            st.caption("No source dated in the event range cites a town of this governorate.")
            return
        parts = [f"{n} ({int(k)})" for n, k in zip(cited["name_en"], cited["n_sources"], strict=True)]
        st.markdown(session.md_text("Cited towns here (sources): " + ", ".join(parts)))
        return
    row = towns.loc[towns["locality_id"] == place.place_id]
    if len(row) == 0:
        st.caption("No source dated in the event range cites it.")
        return
    docs = list(row["documents"].iloc[0])
    with st.expander(f"Cited by {len(docs)} source(s) dated in the event range", expanded=False):
        st.markdown("\n".join(f"- {session.md_text(_doc_text(d))}" for d in docs[:8]))


def _doc_text(doc) -> str:
    if not isinstance(doc, dict):
        return str(doc)
    text = ": ".join(p for p in (doc.get("outlet", ""), doc.get("title", "")) if p)
    return f"{text} ({doc['date']})" if doc.get("date") else text
