"""Classify events against the nationwide truce of 30 Dec 2016, saying why for each.

The rules are data: ``data/actors.csv`` maps actor names and aliases (UCDP and ACLED
spellings) to a *party* and a *kind*.  A ``pattern`` matches an actor name ignoring case,
accents, curly quotes and repeated spaces; ``*`` is a wildcard (``Military Forces of Syria (*``
matches every ACLED period and branch suffix).  A name that matches nothing is ``unknown``.

Sides
-----
Each event has two sides, ``actor1`` and ``actor2``.  A side naming several groups
("Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front") is first looked up whole, then split on
``,`` and ``;`` and each group looked up; the side's parties are the set of its groups' parties
(``party1``/``party2`` join them with ``+``, e.g. ``hts+opposition``).

Party groups
------------
- truce parties: ``government`` (the state and its allies: Russia, Iran, Hezbollah, militias)
  and ``opposition`` (signatory and other mainstream rebel groups);
- excluded groups: ``islamic_state`` and ``hts`` (Jabhat Fateh al-Sham / Hayat Tahrir al-Sham
  and groups linked to them);
- outside forces, not parties to the truce: ``sdf``, ``euphrates_shield``, ``turkey``,
  ``coalition`` (US-led), ``foreign_state`` (Iraq, Jordan, Israel);
- ``civilians``; ``unknown`` (unidentified or unmapped).

Rules (the first that applies wins)
-----------------------------------
1. ``before_truce``: the event started before the truce date (2016-12-30).
2. ``other_fighting``: the event is not violence between armed actors (ACLED event types
   Protests, Riots, Strategic developments); the reason says "not fighting".
3. ``one_sided``: a side is ``civilians`` or the event type is one-sided violence / violence
   against civilians.
4. ``other_fighting``: one side consists only of outside forces (Turkey or Euphrates Shield
   against IS or the SDF, the SDF against IS, coalition strikes...).
5. ``excluded_group``: an excluded group is on either side.  **Mixed sides**: one excluded
   group among several is enough ("mixed: ..." in the reason), because the truce's parties
   treat such joint operations as outside it.
6. ``truce_violation``: ``government`` on one side and ``opposition`` on the other.
7. ``other_fighting``: anything else (rebel infighting, unidentified actors...).

Umbrella names (UCDP "Syrian insurgents", ACLED "Opposition Rebels (Syria)") cover every rebel,
excluded groups included.  They count as ``opposition``; when the caller passes ``held_by``
(the party holding the event's place on its date, from :func:`geo.control.party_at`) and that
party is an excluded group, the umbrella side is read as that group (rule 5) and the reason says
so.  When a side is not named at all and ``held_by`` is given, the holder of the place stands in
for the missing side (e.g. government shelling of an opposition-held town is a truce violation),
again said in the reason.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.paths import DATA_DIR
from geo.schema import TRUCE_DATE, InputError, Problem

CLASSES: dict[str, str] = {
    "truce_violation": "Truce violation (government side vs signatory opposition)",
    "excluded_group": "Involves a group the truce excludes (IS, JFS/HTS)",
    "other_fighting": "Other fighting (outside forces, rebel infighting, unidentified)",
    "one_sided": "One-sided violence against civilians",
    "before_truce": "Before the truce of 30 Dec 2016",
}
TRUCE_PARTIES = ("government", "opposition")
EXCLUDED = ("islamic_state", "hts")
OUTSIDE = ("sdf", "euphrates_shield", "turkey", "coalition", "foreign_state")
ACTOR_PARTIES: dict[str, str] = {
    "government": "Government and allies",
    "opposition": "Opposition",
    "hts": "JFS / HTS and linked groups",
    "islamic_state": "Islamic State",
    "sdf": "SDF / YPG",
    "euphrates_shield": "Euphrates Shield (Turkish-backed rebels)",
    "turkey": "Turkish forces",
    "coalition": "US-led coalition",
    "foreign_state": "Other foreign states",
    "civilians": "Civilians",
    "unknown": "Unidentified or unmapped",
}
KINDS = ("state", "ally", "armed_group", "umbrella", "excluded", "outside", "civilians", "unidentified")
ACTOR_COLUMNS = ("pattern", "party", "kind", "note")
_ONE_SIDED_TYPES = ("one-sided", "one sided", "violence against civilians", "violence_against_civilians")
#: ACLED event types that are not violence between armed actors.
_NON_VIOLENT_TYPES = ("protests", "riots", "strategic developments")
_PUNCT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"})


def normalize_actor(name) -> str:
    """Case-, accent-, quote- and space-insensitive form of an actor name."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name).translate(_PUNCT))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def load_actors(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read and check the actor table ``data/actors.csv``.

    Raises
    ------
    InputError
        Every bad row (empty pattern, unknown party or kind, duplicate pattern).
    """
    df = pd.read_csv(Path(data_dir) / "actors.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    check_actors(df)
    return df


def check_actors(actors: pd.DataFrame) -> None:
    """Raise :class:`InputError` naming every bad row of an actor table."""
    problems = [Problem(None, c, "missing column") for c in ACTOR_COLUMNS[:3] if c not in actors.columns]
    if problems:
        raise InputError(problems)
    seen: dict[str, int] = {}
    for i, row in enumerate(actors.itertuples(index=False), start=1):
        key = normalize_actor(row.pattern)
        if not key:
            problems.append(Problem(i, "pattern", "empty pattern"))
        elif key in seen:
            problems.append(Problem(i, "pattern", f"duplicate of row {seen[key]}"))
        else:
            seen[key] = i
        if row.party not in ACTOR_PARTIES:
            problems.append(Problem(i, "party", f"unknown party {row.party!r} (known: {', '.join(ACTOR_PARTIES)})"))
        if row.kind not in KINDS:
            problems.append(Problem(i, "kind", f"unknown kind {row.kind!r} (known: {', '.join(KINDS)})"))
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Actor:
    """One named group of a side: its name as written, party and kind."""

    name: str
    party: str
    kind: str


class ActorTable:
    """Lookup of actor names in an actor table (exact patterns first, then wildcards)."""

    def __init__(self, actors: pd.DataFrame):
        self.exact: dict[str, tuple[str, str]] = {}
        self.wild: list[tuple[re.Pattern, str, str]] = []
        for row in actors.itertuples(index=False):
            key = normalize_actor(row.pattern)
            if "*" in key:
                self.wild.append((re.compile(fnmatch.translate(key)), row.party, row.kind))
            elif key:
                self.exact.setdefault(key, (row.party, row.kind))
        self._cache: dict[str, tuple[Actor, ...]] = {}

    def match(self, name: str) -> tuple[str, str] | None:
        """(party, kind) of one actor name, or None."""
        key = normalize_actor(name)
        if key in self.exact:
            return self.exact[key]
        for regex, party, kind in self.wild:
            if regex.fullmatch(key):
                return party, kind
        return None

    def side(self, text) -> tuple[Actor, ...]:
        """The groups named by one side (empty tuple when nothing is named)."""
        raw = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()
        if raw in self._cache:
            return self._cache[raw]
        if not raw:
            out: tuple[Actor, ...] = ()
        else:
            whole = self.match(raw)
            if whole:
                out = (Actor(raw, *whole),)
            else:
                parts = [p.strip() for p in re.split(r"[,;]", raw) if p.strip()]
                out = tuple(Actor(p, *(self.match(p) or ("unknown", "unmapped"))) for p in parts)
        self._cache[raw] = out
        return out


def _order(party: str) -> int:
    keys = list(ACTOR_PARTIES)
    return keys.index(party) if party in keys else len(keys)


def _parties(side: tuple[Actor, ...]) -> list[str]:
    return sorted({a.party for a in side}, key=_order)


def _lit(text) -> str:
    """``text`` made literal inside a ``str.format`` template (names may contain braces)."""
    return str(text).replace("{", "{{").replace("}", "}}")


def _describe(side: tuple[Actor, ...], stand_in: str = "") -> str:
    if not side:
        return f"(not named; place held by {stand_in})" if stand_in else "(not named)"
    if len(side) == 1:
        return f"{_lit(side[0].name)} ({side[0].party})"
    return "mixed: " + ", ".join(f"{_lit(a.name)} ({a.party})" for a in side)


def _decide(side1, side2, one_sided_type: bool, held: str, non_violent: str = "") -> tuple[str, str, str, str]:
    """(class, party1, party2, reason template with {date} and {when})."""
    p1, p2 = _parties(side1), _parties(side2)
    notes = []
    # umbrella sides in a place held by an excluded group
    eff1, eff2 = set(p1), set(p2)
    for side, eff in ((side1, eff1), (side2, eff2)):
        if held in EXCLUDED and len(side) == 1 and side[0].kind == "umbrella":
            eff.discard(side[0].party)
            eff.add(held)
            notes.append(f"{_lit(side[0].name)} is an umbrella name and the place was held by {held} that day")
    stand1 = stand2 = ""
    if held and held in ACTOR_PARTIES and held != "unknown":
        if not side1 and side2:
            eff1, stand1 = {held}, held
        if not side2 and side1:
            eff2, stand2 = {held}, held
    if stand1 or stand2:
        notes.append(f"the other side is not named; the holder of the place ({held}) stands in for it")
    d1, d2 = _describe(side1, stand1), _describe(side2, stand2)
    dyad = f"{d1} vs {d2}" if (side1 or stand1) and (side2 or stand2) else f"{d1 if side1 else d2}, other side not named"
    party1, party2 = "+".join(p1), "+".join(p2)
    note = f" ({'; '.join(notes)})" if notes else ""
    both = eff1 | eff2
    if non_violent:
        return "other_fighting", party1, party2, f"not fighting (event type {_lit(repr(non_violent))}): {dyad} on {{date}}{note}"
    if one_sided_type or "civilians" in both:
        return "one_sided", party1, party2, f"violence against civilians: {dyad} on {{date}}{note}"
    for eff in (eff1, eff2):
        if eff and eff <= set(OUTSIDE):
            who = "+".join(sorted(eff, key=_order))
            return (
                "other_fighting",
                party1,
                party2,
                f"{dyad} on {{date}}: {who} is not a party to the truce{note}",
            )
    excluded = sorted(both & set(EXCLUDED), key=_order)
    if excluded:
        mixed = any(len(s) > 1 and {a.party for a in s} & set(EXCLUDED) for s in (side1, side2))
        rule = "; one excluded group on a mixed side is enough" if mixed else ""
        return (
            "excluded_group",
            party1,
            party2,
            f"{dyad} on {{date}} involves {' and '.join(excluded)}, excluded from the truce{rule}{note}",
        )
    if ("government" in eff1 and "opposition" in eff2) or ("opposition" in eff1 and "government" in eff2):
        return "truce_violation", party1, party2, f"{dyad} on {{date}}, after the truce of {{when}}{note}"
    if not side1 and not side2:
        return "other_fighting", party1, party2, f"no actors named on {{date}}{note}"
    why = "unidentified or unmapped actor" if "unknown" in both else "not between the truce's two sides"
    return "other_fighting", party1, party2, f"{dyad} on {{date}}: {why}{note}"


def _non_violent(event_type) -> str:
    """The event type when it is not violence between armed actors (ACLED protests...), else ""."""
    text = normalize_actor(event_type)
    return str(event_type) if text in _NON_VIOLENT_TYPES else ""


def _is_one_sided(event_type) -> bool:
    text = normalize_actor(event_type)
    return text == "3" or any(t in text for t in _ONE_SIDED_TYPES)


def classify(
    events: pd.DataFrame,
    actors: pd.DataFrame,
    truce_date=TRUCE_DATE,
    *,
    held_by: pd.Series | None = None,
) -> pd.DataFrame:
    """Classify each event against the truce (rules in the module docstring).

    Parameters
    ----------
    events : DataFrame
        Events with ``actor1``, ``actor2``, ``date_start`` and optionally ``event_type``.
    actors : DataFrame
        The actor table (``pattern``, ``party``, ``kind``), e.g. :func:`load_actors`.
    truce_date : date-like
        Events starting before it are ``before_truce``.
    held_by : Series, optional
        Party holding each event's place on its date (aligned on ``events.index``), from
        :func:`geo.control.party_at`; refines umbrella and unnamed sides.

    Returns
    -------
    DataFrame
        Indexed like ``events``: ``party1``, ``party2``, ``truce_class`` (one of ``CLASSES``)
        and ``class_reason`` (a sentence saying why).
    """
    cols = ["party1", "party2", "truce_class", "class_reason"]
    if len(events) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}, index=events.index)
    table = ActorTable(actors)
    truce = pd.Timestamp(truce_date).normalize()
    when = truce.strftime("%Y-%m-%d")
    dates = pd.to_datetime(events["date_start"])
    types = events["event_type"] if "event_type" in events.columns else pd.Series("", index=events.index)
    held = (
        held_by.reindex(events.index).fillna("").astype(str)
        if held_by is not None
        else pd.Series("", index=events.index)
    )
    a1 = events["actor1"].fillna("").astype(str) if "actor1" in events.columns else pd.Series("", index=events.index)
    a2 = events["actor2"].fillna("").astype(str) if "actor2" in events.columns else pd.Series("", index=events.index)
    decided: dict[tuple, tuple[str, str, str, str]] = {}
    out = []
    for actor1, actor2, day, etype, holder in zip(a1, a2, dates, types, held, strict=True):
        key = (actor1, actor2, _is_one_sided(etype), holder, _non_violent(etype))
        if key not in decided:
            decided[key] = _decide(table.side(actor1), table.side(actor2), key[2], holder, key[4])
        cls, party1, party2, template = decided[key]
        day_text = "an unknown date" if pd.isna(day) else day.strftime("%Y-%m-%d")
        if not pd.isna(day) and day < truce:
            cls = "before_truce"
            template = "before the truce of {when}: " + template.split(" on {date}")[0] + " on {date}"
        out.append((party1, party2, cls, template.format(date=day_text, when=when)))
    return pd.DataFrame(out, columns=cols, index=events.index)


def rules_table() -> pd.DataFrame:
    """The class rules in the order they are applied, for the rules page."""
    rows = [
        ("1", "before_truce", "The event started before the truce date (30 Dec 2016)."),
        ("2", "other_fighting", "Not violence between armed actors (ACLED protests, riots, strategic developments)."),
        ("3", "one_sided", "A side is civilians, or the event type is one-sided violence / violence against civilians."),
        (
            "4",
            "other_fighting",
            "One side consists only of outside forces (" + ", ".join(OUTSIDE) + "): not parties to the truce.",
        ),
        (
            "5",
            "excluded_group",
            "An excluded group (" + ", ".join(EXCLUDED) + ") is on either side; on a mixed side one is enough.",
        ),
        ("6", "truce_violation", "Government side against opposition."),
        ("7", "other_fighting", "Anything else: rebel infighting, unidentified or unmapped actors."),
    ]
    return pd.DataFrame(rows, columns=["order", "class", "rule"])
