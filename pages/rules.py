"""Rules: how events are classified against the truce, and the actor table behind it.

Thin page over :mod:`geo.classify`: the class rules in the order they apply, the actor table
(``data/actors.csv``, searchable), the classes of the current selection and the actor names
of the loaded events that the table does not know.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import state
import viewstate as vsm
from geo.classify import ACTOR_PARTIES, CLASSES, EXCLUDED, OUTSIDE, ActorTable, load_actors, rules_table
from geo.schema import InputError

K_SEARCH = "ru_search"
K_PARTY = "ru_party"

vs = st.session_state.get("vs", vsm.ViewState())
store, mtime = state.store_key()

st.title("Classification rules")
st.markdown(
    "Every event is put in one class against the nationwide truce of **30 December 2016**. "
    "The first rule that applies wins; each event's popup and table row carry the reason it was given."
)
st.dataframe(rules_table(), width="stretch", hide_index=True)
st.markdown(
    "- **Truce parties**: `government` (the state and its allies: Russia, Iran, Hezbollah, militias) and "
    "`opposition` (signatory and other rebel groups).\n"
    f"- **Excluded groups**: {', '.join(f'`{p}`' for p in EXCLUDED)} (IS, Jabhat Fateh al-Sham / Hayat Tahrir al-Sham "
    "and groups linked to them).\n"
    f"- **Outside forces**, not parties to the truce: {', '.join(f'`{p}`' for p in OUTSIDE)}.\n"
    "- **Mixed sides** (\"Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front\"): a side naming several groups "
    "is split on commas and semicolons; one excluded group on it is enough for `excluded_group`, and the reason "
    "starts the side with \"mixed:\".\n"
    "- **Umbrella names** (UCDP \"Syrian insurgents\", ACLED \"Opposition Rebels (Syria)\") count as `opposition`; "
    "where the place was held by an excluded group that day (derived control zones) they are read as that group, "
    "and the reason says so. A side that is not named at all is stood in for by the holder of the place.\n"
    "- Names match ignoring case, accents, curly quotes and spacing; `*` in a pattern is a wildcard; "
    "a name that matches nothing is `unknown`."
)

st.subheader("Classes")
events = state.filtered_events(state.load_events(store, mtime), vs)
counts = events["truce_class"].value_counts() if len(events) and "truce_class" in events.columns else pd.Series(dtype=int)
st.dataframe(
    pd.DataFrame(
        {
            "class": list(CLASSES),
            "label": [state.CLASS_LABELS.get(c, c) for c in CLASSES],
            "meaning": list(CLASSES.values()),
            "events in the selection": [int(counts.get(c, 0)) for c in CLASSES],
        }
    ),
    width="stretch",
    hide_index=True,
)

st.subheader("Actor table (data/actors.csv)")
try:
    actors = load_actors()
except InputError as exc:
    st.error("The actor table has problems:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
    st.stop()
f1, f2 = st.columns([2, 1])
query = f1.text_input("Search names and notes", key=K_SEARCH, placeholder="e.g. Ahrar, Turkey, YPG")
party = f2.multiselect("Party", options=list(ACTOR_PARTIES), format_func=lambda p: f"{p} – {ACTOR_PARTIES[p]}", key=K_PARTY)
shown = actors
if query:
    hit = actors["pattern"].str.contains(query, case=False, regex=False) | actors["note"].str.contains(
        query, case=False, regex=False
    )
    shown = shown.loc[hit]
if party:
    shown = shown.loc[shown["party"].isin(party)]
st.dataframe(shown, width="stretch", hide_index=True)
st.caption(f"{len(shown)} of {len(actors)} rows. Edit data/actors.csv to change the rules; the app reads it at start.")

if len(events):
    table = ActorTable(actors)
    names = pd.concat([events["actor1"], events["actor2"]]).fillna("").astype(str)
    unknown = sorted({a.name for n in names.unique() for a in table.side(n) if a.party == "unknown" and a.kind == "unmapped"})
    with st.expander(f"Actor names in the selection the table does not know ({len(unknown)})"):
        if unknown:
            st.dataframe(pd.DataFrame({"actor name": unknown}), width="stretch", hide_index=True)
        else:
            st.caption("Every actor name of the selected events matches the table.")
