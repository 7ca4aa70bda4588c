"""The one vocabulary of the project: every code a user sees, with its label, short label, colour and meaning.

Pure data (no streamlit, no folium).  Pages, layers, the legend, the briefing, the exports and the
CLI take their labels from here; ``tests/test_vocabulary.py`` fails when a label below is written
as a string literal anywhere else in the app code.

- ``label``: the name shown in the sidebar, popups, the legend, tables and the briefing;
- ``short``: a shorter name for narrow places (the zone rows of the legend); the label when absent;
- ``colour``: hex colour on the map and in the briefing ("" when the term has none);
- ``description``: one sentence saying what the term means (Rules page, help texts).

Vocabularies (``code -> Term``, in display order): :data:`PARTY` (every party an actor or a
control zone can have), :data:`TRUCE_CLASS`, :data:`EVENT_TYPE`, :data:`LAYER` (map layers),
:data:`GEO_PRECISION`, :data:`DATE_PRECISION`, :data:`ACTOR_KIND` and :data:`IMPRECISE` (the
condition codes of imprecise events: ``country_only``, ``long_span``, ``partly_in_range``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary and how it is shown."""

    code: str
    label: str
    short: str = ""
    colour: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.short:
            object.__setattr__(self, "short", self.label)


@dataclass(frozen=True)
class Party(Term):
    """A party: a side of the war an actor resolves to, or the holder of a control zone.

    ``role`` groups parties for the classification rules: ``truce`` (the truce's two parties),
    ``excluded`` (groups the truce excludes), ``outside`` (outside forces, not parties to the
    truce), ``civilians``, ``unknown`` and ``zone_state`` (a state of a zone, never an actor:
    ``contested``).  ``holds_ground``: a control zone can be this party's.  ``held``: the
    adjective for a place this party holds ("opposition-held").
    """

    role: str = ""
    holds_ground: bool = False
    held: str = ""


def _table(*terms: Term) -> dict:
    return {t.code: t for t in terms}


#: Every party, zone holders first (in the order of maps and legends), then the other actors.
PARTY: dict[str, Party] = _table(
    Party("government", "Government and allies", "Government & allies", "#FF1600",
          "The state and its allies: Russia, Iran, Hezbollah, militias.", "truce", True, "government-held"),
    Party("opposition", "Opposition (ceasefire signatories)", "Opposition (signatories)", "#4EB16F",
          "Signatory and other mainstream rebel groups.", "truce", True, "opposition-held"),
    Party("hts", "Hayat Tahrir al-Sham / Jabhat Fateh al-Sham", "HTS / JFS", "#00BCFF",
          "Jabhat Fateh al-Sham / Hayat Tahrir al-Sham and groups linked to them; excluded from the truce.",
          "excluded", True, "HTS-held"),
    Party("islamic_state", "Islamic State", "", "#000000", "Excluded from the truce.", "excluded", True,
          "IS-held"),
    Party("sdf", "SDF / YPG", "", "#FFE900", "Syrian Democratic Forces; not a party to the truce.",
          "outside", True, "SDF-held"),
    Party("euphrates_shield", "Euphrates Shield (Turkish-backed)", "Euphrates Shield", "#0000FF",
          "Turkish-backed rebels of Operation Euphrates Shield; not parties to the truce.", "outside", True,
          "Euphrates Shield-held"),
    Party("contested", "Contested", "", "#4E0B6F",
          "A zone where the records disagree on the holder: a state of a zone, never an actor.", "zone_state",
          True, "contested"),
    Party("turkey", "Turkish forces", "", "", "The Turkish armed forces; not a party to the truce.", "outside"),
    Party("coalition", "US-led coalition", "", "", "The US-led coalition; not a party to the truce.", "outside"),
    Party("foreign_state", "Other foreign states", "", "", "Iraq, Jordan, Israel; not parties to the truce.",
          "outside"),
    Party("civilians", "Civilians", "", "", "Civilians: the event is one-sided violence.", "civilians"),
    Party("unknown", "Unidentified or unmapped", "", "", "An unidentified actor, or a name the actor table "
          "does not know on the event's date.", "unknown"),
)
#: Parties that can hold a control zone (``contested`` included), in map order.
ZONE_PARTIES: tuple[str, ...] = tuple(c for c, p in PARTY.items() if p.holds_ground)
#: Parties an actor can resolve to (``data/actors.csv``); ``contested`` is not one.
ACTOR_PARTIES: tuple[str, ...] = tuple(c for c, p in PARTY.items() if p.role != "zone_state")
#: Parties both: the alleged perpetrators that have a zone colour (party filter, "colour by party").
PERPETRATOR_PARTIES: tuple[str, ...] = tuple(c for c in ACTOR_PARTIES if c in ZONE_PARTIES)
TRUCE_PARTIES: tuple[str, ...] = tuple(c for c, p in PARTY.items() if p.role == "truce")
EXCLUDED_PARTIES: tuple[str, ...] = tuple(c for c, p in PARTY.items() if p.role == "excluded")
OUTSIDE_PARTIES: tuple[str, ...] = tuple(c for c, p in PARTY.items() if p.role == "outside")
CONTESTED = "contested"
#: Zone parties: code -> label (the canonical vocabulary of ``party`` in zones and control records).
PARTIES: dict[str, str] = {c: PARTY[c].label for c in ZONE_PARTIES}

#: Truce classes (``geo/classify.py`` gives each event one, with a reason), in display order.
TRUCE_CLASS: dict[str, Term] = _table(
    Term("truce_violation", "Truce violation", "", "#FF4328",
         "Truce violation (government side vs signatory opposition)"),
    Term("excluded_group", "Fighting involving excluded groups (IS, HTS)", "Excluded groups", "#3651FF",
         "Involves a group the truce excludes (IS, JFS/HTS)"),
    Term("other_fighting", "Other fighting", "", "#941B00",
         "Other fighting (outside forces, rebel infighting, unidentified)"),
    Term("one_sided", "One-sided violence", "", "#510D6B", "One-sided violence against civilians"),
    Term("before_truce", "Before the truce", "", "#1B6B6B", "Before the truce of 30 Dec 2016"),
)
#: An event without a class (no actor table, or not classified yet).
UNCLASSIFIED = Term("", "Unclassified", "", "#333333", "No class: the event could not be classified.")
#: Outline of every event dot: dark, so a dot stays visible on any zone, its own party's included
#: (``bench/colour_check.py`` measures it against every zone as drawn).
EVENT_OUTLINE = "#1A1A1A"
TRUCE_CLASSES: tuple[str, ...] = tuple(TRUCE_CLASS)

#: Event types as they appear in ``event_type`` (ACLED-style types and UCDP types of violence).
EVENT_TYPE: dict[str, Term] = _table(
    Term("battle", "Battle"),
    Term("shelling", "Shelling"),
    Term("airstrike", "Airstrike"),
    Term("violence_against_civilians", "Violence against civilians"),
    Term("explosion", "Explosion"),
    Term("other", "Other event type", description="Evacuations and take-overs without fighting."),
    Term("state-based", "State-based (UCDP)"),
    Term("non-state", "Non-state (UCDP)"),
    Term("one-sided", "One-sided (UCDP)"),
)
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_TYPE)

#: Map layers a link can switch on (``layers=``); the label names the layer in the toggles, the
#: in-map layer control and the legend.
LAYER: dict[str, Term] = _table(
    Term("zones", "Control zones", description="control zones on the snapshot date"),
    Term("towns", "Cited towns", description="towns the sources cite"),
    Term("events", "Violation points", description="violation points in the event range"),
    Term("boundaries", "Boundaries", description="governorate lines"),
    Term("context", "Geography", description="neighbours, rivers, Lake Assad, M4/M5/M20 (schematic)"),
    Term("basemap", "Base map", description="OpenStreetMap tiles, needs internet"),
)
LAYERS: tuple[str, ...] = tuple(LAYER)

#: How precisely an event or locality is placed (``geo_precision``), most precise first.
GEO_PRECISION: dict[str, Term] = _table(
    Term("exact", "exact location", "Exact"),
    Term("near", "near the named place", "Near"),
    Term("district", "located only to the district centre (true position unknown within the district)",
         "District centre"),
    Term("governorate", "located only to the governorate centre (true position unknown within the governorate)",
         "Governorate centre"),
    Term("country", "located only to the country (true position unknown within Syria)", "Country only"),
)
GEO_PRECISIONS: tuple[str, ...] = tuple(GEO_PRECISION)

#: How precisely an event is dated (``date_precision``), most precise first.
DATE_PRECISION: dict[str, Term] = _table(
    Term("day", "dated to the day", "Day"),
    Term("days", "dated to a few days", "Days"),
    Term("week", "dated to the week", "Week"),
    Term("month", "dated only to the month", "Month"),
    Term("year", "dated only to the year", "Year"),
)
DATE_PRECISIONS: tuple[str, ...] = tuple(DATE_PRECISION)

#: Kinds of actor in the actor table (``data/actors.csv`` column ``kind``).
ACTOR_KIND: dict[str, Term] = _table(
    Term("state", "State forces", description="The Syrian state's own forces."),
    Term("ally", "Allied forces", description="Foreign states and militias fighting for the government."),
    Term("armed_group", "Armed group", description="A named rebel group."),
    Term("umbrella", "Umbrella name", description="A name covering every rebel, excluded groups included "
         "(read as the excluded group holding the place, when one does)."),
    Term("excluded", "Excluded group", description="A group the truce excludes."),
    Term("outside", "Outside force", description="A force that is not a party to the truce."),
    Term("civilians", "Civilian victims", description="Civilians."),
    Term("unidentified", "Unidentified actor", description="An actor the sources do not identify."),
)
ACTOR_KINDS: tuple[str, ...] = tuple(ACTOR_KIND)
#: The kind given to a name that no row of the actor table matches on the event's date.
UNMAPPED_KIND = "unmapped"

# --- imprecise events: condition codes (geo/queries.py tests them, front ends word them) ---
COUNTRY_ONLY = "country_only"
LONG_SPAN = "long_span"
PARTLY_IN_RANGE = "partly_in_range"
#: Label: the row these events are counted in (by place, by day); description: the sidebar's words.
IMPRECISE: dict[str, Term] = _table(
    Term(COUNTRY_ONLY, "Syria, location unknown", "",
         description='located only to Syria ("Syria, location unknown"): counted, but not on the map '
                     "or in a governorate"),
    Term(LONG_SPAN, "spans longer than a week", "",
         description="dated only to a span longer than a week: counted, but on no day or week of the "
                     "Trends charts"),
    Term(PARTLY_IN_RANGE, "only partly in the range", "",
         description="only partly in the range (their dates overlap it): not counted"),
)

#: Every vocabulary, by name (tests and documentation walk them).
VOCABULARIES: dict[str, dict[str, Term]] = {
    "party": PARTY,
    "truce_class": {**TRUCE_CLASS, UNCLASSIFIED.code: UNCLASSIFIED},
    "event_type": EVENT_TYPE,
    "layer": LAYER,
    "geo_precision": GEO_PRECISION,
    "date_precision": DATE_PRECISION,
    "actor_kind": ACTOR_KIND,
    "imprecise": IMPRECISE,
}


def label(vocabulary: str, code: str) -> str:
    """The label of ``code`` in the vocabulary named ``vocabulary`` (the code itself when unknown).

    Parameters
    ----------
    vocabulary : str
        A key of :data:`VOCABULARIES` (``"party"``, ``"truce_class"``...).
    code : str
        The code to name.

    Returns
    -------
    str
    """
    term = VOCABULARIES[vocabulary].get(code)
    return term.label if term else str(code)


def party_label(party: str) -> str:
    """Label of a party (the code itself when unknown).

    Parameters
    ----------
    party : str
        A code of :data:`PARTY`.

    Returns
    -------
    str
    """
    return label("party", party)


def class_label(cls: str) -> str:
    """Label of a truce class ("" gives "Unclassified"; another code is named as it is).

    Parameters
    ----------
    cls : str
        A code of :data:`TRUCE_CLASS`, or "" (unclassified).

    Returns
    -------
    str
    """
    return label("truce_class", cls)


def filter_class_label(code: str) -> str:
    """Label of a value of the ``class`` filter: a truce class or an event type.

    Parameters
    ----------
    code : str
        A truce class or an event type (the code itself when neither).

    Returns
    -------
    str
    """
    term = TRUCE_CLASS.get(code) or EVENT_TYPE.get(code)
    return term.label if term else str(code)


def held_label(party: str) -> str:
    """Adjective for the holder of a place: ``"opposition"`` -> ``"opposition-held"``.

    "" (no locality with a record within reach) gives "of unknown control".

    Parameters
    ----------
    party : str
        A code of :data:`PARTY` (an unknown code gives ``"<code>-held"``).

    Returns
    -------
    str
    """
    if party is None or party != party or not str(party):  # None, NaN or ""
        return "of unknown control"
    term = PARTY.get(str(party))
    return term.held if term and term.held else f"{party}-held"
