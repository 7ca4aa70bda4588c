"""Rules: how events are classified against the truce, and the actor table behind it.

Thin page over :mod:`geo.classify`: the class rules in the order they apply, the actor table
(``data/actors.csv``, searchable, with each row's validity dates), the classes of the current
selection and the actor names of the selected events that the table does not know on their dates
(:func:`geo.check.unknown_actors`, the same list as ``python cli.py check``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.check import unknown_actors
from geo.classify import ActorTable, load_actors, rules_table
from geo.schema import InputError
from geo.vocabulary import (
    ACTOR_KIND,
    ACTOR_PARTIES,
    EXCLUDED_PARTIES,
    OUTSIDE_PARTIES,
    PARTY,
    TRUCE_CLASS,
    TRUCE_PARTIES,
    UNMAPPED_KIND,
    party_label,
)
from webapp import session
from webapp import viewstate as vsm

K_SEARCH = "ru_search"
K_PARTY = "ru_party"

vs = st.session_state.get("vs", vsm.ViewState())
store, mtime = session.store_key()


def _parties(codes) -> str:
    return "; ".join(f"`{p}` ({party_label(p)}: {PARTY[p].description})" for p in codes)


st.title("Classification rules")
st.markdown(
    "Every event is put in one class against the nationwide truce of **30 December 2016**. "
    "The first rule that applies wins; each event's popup and table row carry the reason it was given."
)
# rules_table() lists geo.classify.RULES, the rules classify() runs, in its order: never a copy.
st.dataframe(rules_table(), width="stretch", hide_index=True)
st.markdown(
    f"- **Truce parties**: {_parties(TRUCE_PARTIES)}.\n"
    f"- **Excluded groups**: {_parties(EXCLUDED_PARTIES)}.\n"
    f"- **Outside forces**, not parties to the truce: {_parties(OUTSIDE_PARTIES)}.\n"
    "- **Mixed sides** (\"Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front\"): a side naming several groups "
    "is split on commas and semicolons (outside brackets); one excluded group on it is enough for "
    "`excluded_group`, and the reason starts the side with \"mixed:\".\n"
    "- **Validity dates**: a group's side can change in time. A row of the actor table applies from `valid_from` "
    "(inclusive) until `valid_to` (exclusive; empty = open), and each event's actors are read on the event's first "
    "day: Nour al-Din al-Zenki is `opposition` until 27 Jan 2017 and `hts` from 28 Jan (a founder of HTS); "
    "Jund al-Aqsa / Liwa al-Aqsa are `hts` until 22 Jan and `islamic_state` from 23 Jan (expelled by JFS).\n"
    f"- **Umbrella names** (kind `umbrella`: {ACTOR_KIND['umbrella'].description}) count as `opposition`; "
    "where the place was held by an excluded group that day (derived control zones) they are read as that group, "
    "and the reason says so. A side that is not named at all is stood in for by the holder of the place.\n"
    "- Names match ignoring case, accents, curly quotes and spacing; `*` in a pattern is a wildcard; "
    f"a name that matches nothing is `unknown` (kind `{UNMAPPED_KIND}`)."
)

st.subheader("Classes")
events = session.filtered_events(session.load_events(store, mtime), vs)
counts = events["truce_class"].value_counts() if len(events) and "truce_class" in events.columns else pd.Series(dtype=int)
st.dataframe(
    pd.DataFrame(
        {
            "class": list(TRUCE_CLASS),
            "label": [t.label for t in TRUCE_CLASS.values()],
            "meaning": [t.description for t in TRUCE_CLASS.values()],
            "events in the selection": [int(counts.get(c, 0)) for c in TRUCE_CLASS],
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
party = f2.multiselect("Party", options=list(ACTOR_PARTIES), format_func=lambda p: f"{p} – {party_label(p)}", key=K_PARTY)
shown = actors
if query:
    hit = actors["pattern"].str.contains(query, case=False, regex=False) | actors["note"].str.contains(
        query, case=False, regex=False
    )
    shown = shown.loc[hit]
if party:
    shown = shown.loc[shown["party"].isin(party)]
st.dataframe(
    shown,
    width="stretch",
    hide_index=True,
    column_config={
        "valid_from": st.column_config.TextColumn("valid from", help="first day the row applies (empty: open)"),
        "valid_to": st.column_config.TextColumn("valid to", help="first day the row no longer applies (empty: open)"),
    },
)
st.caption(
    f"{len(shown)} of {len(actors)} rows. A name with several rows changes party on the dates shown. "
    "Edit data/actors.csv to change the rules; the app reads it at start."
)

with st.expander("Kinds of actor in the table"):
    st.dataframe(
        pd.DataFrame(
            {
                "kind": list(ACTOR_KIND),
                "label": [t.label for t in ACTOR_KIND.values()],
                "meaning": [t.description for t in ACTOR_KIND.values()],
            }
        ),
        width="stretch",
        hide_index=True,
    )

if len(events):
    unknown = unknown_actors(events, ActorTable(actors))
    with st.expander(f"Actor names in the selection the table does not know ({len(unknown)})"):
        if len(unknown):
            st.dataframe(
                unknown[["actor", "events", "first_date", "last_date", "datasets", "event_ids"]],
                width="stretch",
                hide_index=True,
            )
        else:
            st.caption("Every actor name of the selected events matches the table on the event's date.")
