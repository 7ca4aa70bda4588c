"""Classify events against the nationwide truce of 30 Dec 2016, saying why for each.

The rules are data: ``data/actors.csv`` maps actor names and aliases (UCDP and ACLED
spellings) to a *party* and a *kind*.  A ``pattern`` matches an actor name ignoring case,
accents, curly quotes and repeated spaces; ``*`` is a wildcard (``Military Forces of Syria (*``
matches every ACLED period and branch suffix).  A name that matches nothing is ``unknown``.

Validity dates
--------------
A group's side can change in time (Nour al-Din al-Zenki joined HTS on 28 Jan 2017; JFS expelled
Jund al-Aqsa on 23 Jan 2017).  A row applies from ``valid_from`` (inclusive) until ``valid_to``
(exclusive); an empty date is open, as in ``data/control.csv``.  One pattern may have several
rows whose periods never overlap.  An event's actors are resolved at its first day
(``date_start``); exact patterns are tried before wildcards, and a pattern whose rows do not
cover that day does not match.  Without a date, the pattern's earliest row applies.

Sides
-----
Each event has two sides, ``actor1`` and ``actor2``.  A side naming several groups
("Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front") is first looked up whole (exact patterns
only, so a wildcard never swallows a mixed side), then split on ``,`` and ``;`` outside brackets
and each group looked up; the side's parties are the set of its groups' parties
(``party1``/``party2`` join them with ``+``, e.g. ``hts+opposition``).

Party groups and rules
----------------------
The parties and their roles (truce parties, excluded groups, outside forces, civilians, unknown)
are ``geo.vocabulary.PARTY``; the rules are :data:`RULES`, in the order they are applied (the
first that applies wins): each :class:`Rule` gives a class, its wording (shown on the Rules page
through :func:`rules_table`) and the test :func:`classify` runs.  **Mixed sides**: one excluded
group among several is enough for ``excluded_group`` ("mixed: ..." in the reason), because the
truce's parties treat such joint operations as outside it.

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import vocabulary
from geo.paths import DATA_DIR
from geo.schema import TRUCE_DATE, InputError, Problem
from geo.validate import parse_dates

#: Truce parties, excluded groups and outside forces: the party groups the rules test (vocabulary roles).
TRUCE_PARTIES = vocabulary.TRUCE_PARTIES
EXCLUDED = vocabulary.EXCLUDED_PARTIES
OUTSIDE = vocabulary.OUTSIDE_PARTIES
#: Parties an actor table row may name (``contested`` is a zone state, not an actor's party).
ACTOR_PARTIES = vocabulary.ACTOR_PARTIES
ACTOR_KINDS = vocabulary.ACTOR_KINDS
#: Kind :meth:`ActorTable.side` gives a group that no row matches on the event's date (party ``unknown``).
UNMAPPED_KIND = vocabulary.UNMAPPED_KIND
ACTOR_COLUMNS = ("pattern", "party", "kind", "valid_from", "valid_to", "note")
#: Columns an actor table must have (``valid_from``/``valid_to`` may be absent: always valid).
REQUIRED_ACTOR_COLUMNS = ("pattern", "party", "kind")
_ONE_SIDED_TYPES = ("one-sided", "one sided", "violence against civilians", "violence_against_civilians")
#: Event types that are not violence between armed actors: ACLED's protests, riots and strategic
#: developments, and the app's ``other`` (evacuations and take-overs without fighting, see data/README.md).
_NON_VIOLENT_TYPES = ("protests", "riots", "strategic developments", "other")
_PUNCT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"})


def normalize_actor(name) -> str:
    """Case-, accent-, quote- and space-insensitive form of an actor name.

    Parameters
    ----------
    name : str or None
        An actor name; None or NaN gives "".

    Returns
    -------
    str
        The normalised name (casefolded, accents dropped, typographic quotes and dashes made plain,
        spaces collapsed).
    """
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name).translate(_PUNCT))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def load_actors(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read and check the actor table ``data/actors.csv``.

    Parameters
    ----------
    data_dir : Path, optional
        The folder holding the shipped data files (default ``geo.paths.DATA_DIR``).

    Returns
    -------
    DataFrame
        The table as text (``valid_from``/``valid_to`` stay ISO strings, "" = open).

    Raises
    ------
    InputError
        Every bad row (empty pattern, unknown party or kind, bad or overlapping validity dates).
    """
    df = pd.read_csv(Path(data_dir) / "actors.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    check_actors(df)
    return df


def _periods(actors: pd.DataFrame) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """``valid_from`` and ``valid_to`` of each row (NaT = open) and the date problems.

    Rows are numbered from 1 (the first data row), as in :func:`check_actors`.
    """
    rows = pd.Series(range(1, len(actors) + 1))
    out, problems = [], []
    for col in ("valid_from", "valid_to"):
        if col not in actors.columns:
            out.append(pd.Series(pd.NaT, index=range(len(actors)), dtype="datetime64[ns]"))
            continue
        values = actors[col].reset_index(drop=True)
        values = values.where(values.notna(), "") if not pd.api.types.is_datetime64_any_dtype(values) else values
        parsed, found = parse_dates(values, rows, col, required=False)
        out.append(parsed.reset_index(drop=True))
        problems += found
    return out[0], out[1], problems


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two [from, to) periods (NaT = open) share a day."""
    (f1, t1), (f2, t2) = a, b
    starts_before_b_ends = pd.isna(t2) or pd.isna(f1) or f1 < t2
    ends_after_b_starts = pd.isna(t1) or pd.isna(f2) or f2 < t1
    return bool(starts_before_b_ends and ends_after_b_starts)


def check_actors(actors: pd.DataFrame) -> None:
    """Raise :class:`InputError` naming every bad row of an actor table.

    A pattern may repeat (once normalised) only on rows whose validity periods never overlap;
    ``valid_from`` must come before ``valid_to``.

    Parameters
    ----------
    actors : DataFrame
        An actor table (``pattern``, ``party``, ``kind``, ``valid_from``, ``valid_to``).

    Returns
    -------
    None
        Returns only when the table is valid.
    """
    problems = [Problem(None, c, "missing column") for c in REQUIRED_ACTOR_COLUMNS if c not in actors.columns]
    if problems:
        raise InputError(problems)
    starts, ends, problems = _periods(actors)
    seen: dict[str, list[tuple[int, tuple]]] = {}
    for i, row in enumerate(actors.itertuples(index=False), start=1):
        key = normalize_actor(row.pattern)
        period = (starts.iat[i - 1], ends.iat[i - 1])
        if not pd.isna(period[0]) and not pd.isna(period[1]) and period[0] >= period[1]:
            problems.append(Problem(i, "valid_to", "valid_to must come after valid_from"))
        if not key:
            problems.append(Problem(i, "pattern", "empty pattern"))
        else:
            clash = [j for j, other in seen.get(key, []) if _overlap(period, other)]
            if clash:
                problems.append(Problem(i, "pattern", f"duplicate of row {clash[0]} (validity periods overlap)"))
            seen.setdefault(key, []).append((i, period))
        if row.party not in ACTOR_PARTIES:
            problems.append(Problem(i, "party", f"unknown party {row.party!r} (known: {', '.join(ACTOR_PARTIES)})"))
        if row.kind not in ACTOR_KINDS:
            problems.append(Problem(i, "kind", f"unknown kind {row.kind!r} (known: {', '.join(ACTOR_KINDS)})"))
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Actor:
    """One named group of a side: its name as written, party and kind."""

    name: str
    party: str
    kind: str


#: One row of a pattern: (party, kind, valid_from, valid_to), dates NaT when open.
_Row = tuple[str, str, pd.Timestamp, pd.Timestamp]


def _pick(rows: list[_Row], day) -> tuple[str, str] | None:
    """(party, kind) of the row valid on ``day`` (the earliest row when ``day`` is None/NaT)."""
    if day is None or pd.isna(day):
        return rows[0][:2]
    for party, kind, start, end in rows:
        if (pd.isna(start) or start <= day) and (pd.isna(end) or day < end):
            return party, kind
    return None


def _split_side(text: str) -> list[str]:
    """The groups of a side: split on ``,`` and ``;`` outside brackets ("US (drone, reported)" is one)."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch in ",;" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


class ActorTable:
    """Lookup of actor names in an actor table (exact patterns first, then wildcards), at a date."""

    def __init__(self, actors: pd.DataFrame):
        starts, ends, problems = _periods(actors)
        if problems:
            raise InputError(problems)
        self.exact: dict[str, list[_Row]] = {}
        wild: dict[str, list[_Row]] = {}
        for i, row in enumerate(actors.itertuples(index=False)):
            key = normalize_actor(row.pattern)
            if key:
                (wild if "*" in key else self.exact).setdefault(key, []).append(
                    (row.party, row.kind, starts.iat[i], ends.iat[i])
                )
        for rows in (*self.exact.values(), *wild.values()):
            rows.sort(key=lambda r: pd.Timestamp.min if pd.isna(r[2]) else r[2])
        self.wild: list[tuple[re.Pattern, list[_Row]]] = [
            (re.compile(fnmatch.translate(key)), rows) for key, rows in wild.items()
        ]
        self._cache: dict[tuple, tuple[Actor, ...]] = {}
        self._keys: dict[str, list[list[_Row]]] = {}
        self._dated: dict[str, bool] = {}

    def _candidates(self, key: str) -> list[list[_Row]]:
        """The row lists a normalised name can match, exact pattern first, then wildcards in order."""
        if key not in self._keys:
            found = [self.exact[key]] if key in self.exact else []
            self._keys[key] = found + [rows for regex, rows in self.wild if regex.fullmatch(key)]
        return self._keys[key]

    def match(self, name: str, day=None) -> tuple[str, str] | None:
        """(party, kind) of one actor name on ``day`` (a date; None: the earliest row), or None.

        Parameters
        ----------
        name : str
            One actor name (normalised with :func:`normalize_actor` before matching).
        day : date-like, optional
            The day the name is resolved on; None or NaT: the earliest row.

        Returns
        -------
        (str, str) or None
            The matching row's (party, kind), or None when no pattern matches.
        """
        day = None if day is None or pd.isna(day) else pd.Timestamp(day)
        for rows in self._candidates(normalize_actor(name)):
            hit = _pick(rows, day)
            if hit:
                return hit
        return None

    def _exact(self, name: str, day) -> tuple[str, str] | None:
        rows = self.exact.get(normalize_actor(name))
        return _pick(rows, day) if rows else None

    def day_key(self, text, day=None):
        """``day`` as a Timestamp when the side ``text`` resolves differently on some dates, else None.

        Sides whose rows are all undated resolve once, whatever the day (a cheap cache key).

        Parameters
        ----------
        text : str or None
            One side of an event (one or more actor names); None or NaN counts as "".
        day : date-like, optional
            The event's day.

        Returns
        -------
        Timestamp or None
            ``day`` as a Timestamp when some row for the side is dated and ``day`` is given, else None.
        """
        raw = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()
        if raw not in self._dated:
            names = [raw, *_split_side(raw)]
            self._dated[raw] = any(
                not (pd.isna(r[2]) and pd.isna(r[3]))
                for n in names
                for rows in self._candidates(normalize_actor(n))
                for r in rows
            )
        if not self._dated[raw] or day is None or pd.isna(day):
            return None
        return pd.Timestamp(day)

    def side(self, text, day=None) -> tuple[Actor, ...]:
        """The groups named by one side on ``day`` (empty tuple when nothing is named).

        Parameters
        ----------
        text : str or None
            One side of an event (one or more actor names); None or NaN counts as "".
        day : date-like, optional
            The event's day; None resolves on the earliest rows.

        Returns
        -------
        tuple of Actor
            One Actor per group named (party ``unknown``, kind ``unmapped`` when not in the table).
        """
        raw = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()
        day = self.day_key(raw, day)
        if (raw, day) in self._cache:
            return self._cache[(raw, day)]
        if not raw:
            out: tuple[Actor, ...] = ()
        else:
            # a whole side with separators is taken as one name only on an exact pattern: a wildcard
            # ("*pro-government*") must not swallow the other groups of a mixed side
            parts = _split_side(raw)
            whole = self._exact(raw, day) if len(parts) > 1 else self.match(raw, day)
            if whole:
                out = (Actor(raw, *whole),)
            else:
                out = tuple(Actor(p, *(self.match(p, day) or ("unknown", UNMAPPED_KIND))) for p in parts)
        self._cache[(raw, day)] = out
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


@dataclass(frozen=True)
class Case:
    """What the rules look at for one event: its sides as named and as read, and its type.

    ``eff1``/``eff2`` are the parties of each side as the rules read them (an umbrella side in a
    place held by an excluded group read as that group; an unnamed side stood in for by the
    holder); ``dyad`` and ``note`` are the start and the end of the reason.
    """

    side1: tuple[Actor, ...]
    side2: tuple[Actor, ...]
    eff1: frozenset
    eff2: frozenset
    dyad: str
    note: str
    one_sided_type: bool
    non_violent: str
    before: bool

    @property
    def both(self) -> frozenset:
        """The parties of either side, as read."""
        return self.eff1 | self.eff2


@dataclass(frozen=True)
class Rule:
    """One classification rule: the class it gives, its wording, and its test.

    ``reason(case)`` returns the reason template (with ``{date}`` and ``{when}``) when the rule
    applies to ``case``, else None.  :data:`RULES` is what :func:`classify` runs and what the Rules
    page shows.
    """

    truce_class: str
    text: str
    reason: Callable[[Case], str | None]


def _before(case: Case) -> str | None:
    if not case.before:
        return None
    _cls, template = _first(case, RULES[1:])
    return "before the truce of {when}: " + template.split(" on {date}")[0] + " on {date}"


def _not_fighting(case: Case) -> str | None:
    if not case.non_violent:
        return None
    return f"not fighting (event type {_lit(repr(case.non_violent))}): {case.dyad} on {{date}}{case.note}"


def _one_sided(case: Case) -> str | None:
    if case.one_sided_type or "civilians" in case.both:
        return f"violence against civilians: {case.dyad} on {{date}}{case.note}"
    return None


def _outside_only(case: Case) -> str | None:
    for eff in (case.eff1, case.eff2):
        if eff and eff <= set(OUTSIDE):
            who = "+".join(sorted(eff, key=_order))
            return f"{case.dyad} on {{date}}: {who} is not a party to the truce{case.note}"
    return None


def _excluded(case: Case) -> str | None:
    excluded = sorted(case.both & set(EXCLUDED), key=_order)
    if not excluded:
        return None
    mixed = any(len(s) > 1 and {a.party for a in s} & set(EXCLUDED) for s in (case.side1, case.side2))
    rule = "; one excluded group on a mixed side is enough" if mixed else ""
    return f"{case.dyad} on {{date}} involves {' and '.join(excluded)}, excluded from the truce{rule}{case.note}"


def _truce_sides(case: Case) -> str | None:
    gov, opp = TRUCE_PARTIES
    if (gov in case.eff1 and opp in case.eff2) or (opp in case.eff1 and gov in case.eff2):
        return f"{case.dyad} on {{date}}, after the truce of {{when}}{case.note}"
    return None


def _anything_else(case: Case) -> str:
    if not case.side1 and not case.side2:
        return f"no actors named on {{date}}{case.note}"
    why = "unidentified or unmapped actor" if "unknown" in case.both else "not between the truce's two sides"
    return f"{case.dyad} on {{date}}: {why}{case.note}"


def _names(codes) -> str:
    return ", ".join(codes)


#: The class rules in the order they are applied: the first that applies wins.
RULES: tuple[Rule, ...] = (
    Rule("before_truce", "The event started before the truce date (30 Dec 2016).", _before),
    Rule("other_fighting", "Not violence between armed actors (ACLED protests, riots, strategic developments; "
         "type other: evacuations and take-overs without fighting).", _not_fighting),
    Rule("one_sided", "A side is civilians, or the event type is one-sided violence / violence against civilians.",
         _one_sided),
    Rule("other_fighting", f"One side consists only of outside forces ({_names(OUTSIDE)}): not parties to the truce.",
         _outside_only),
    Rule("excluded_group", f"An excluded group ({_names(EXCLUDED)}) is on either side; on a mixed side one is enough.",
         _excluded),
    Rule("truce_violation", "Government side against opposition.", _truce_sides),
    Rule("other_fighting", "Anything else: rebel infighting, unidentified or unmapped actors.", _anything_else),
)


def _first(case: Case, rules) -> tuple[str, str]:
    """(class, reason template) of the first of ``rules`` that applies to ``case``."""
    for rule in rules:
        template = rule.reason(case)
        if template is not None:
            return rule.truce_class, template
    raise AssertionError("the last rule applies to every event")  # pragma: no cover


def _read_sides(side1, side2, held: str) -> tuple[set, set, str, str, list[str]]:
    """The parties of each side as the rules read them, the stand-ins and the notes saying why."""
    eff1, eff2 = set(_parties(side1)), set(_parties(side2))
    notes = []
    # umbrella sides in a place held by an excluded group
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
    return eff1, eff2, stand1, stand2, notes


def _decide(side1, side2, one_sided_type: bool, held: str, non_violent: str = "",
            before: bool = False) -> tuple[str, str, str, str]:
    """(class, party1, party2, reason template with {date} and {when}) by the first rule of :data:`RULES`."""
    eff1, eff2, stand1, stand2, notes = _read_sides(side1, side2, held)
    d1, d2 = _describe(side1, stand1), _describe(side2, stand2)
    dyad = f"{d1} vs {d2}" if (side1 or stand1) and (side2 or stand2) else f"{d1 if side1 else d2}, other side not named"
    note = f" ({'; '.join(notes)})" if notes else ""
    case = Case(side1, side2, frozenset(eff1), frozenset(eff2), dyad, note, one_sided_type, non_violent, before)
    cls, template = _first(case, RULES)
    return cls, "+".join(_parties(side1)), "+".join(_parties(side2)), template


def _non_violent(event_type) -> str:
    """The event type when it is not violence between armed actors (ACLED protests...), else ""."""
    text = normalize_actor(event_type)
    return str(event_type) if text in _NON_VIOLENT_TYPES else ""


def _is_one_sided(event_type) -> bool:
    text = normalize_actor(event_type)
    return text == "3" or any(t in text for t in _ONE_SIDED_TYPES)


def _text_column(events: pd.DataFrame, col: str) -> pd.Series:
    """``events[col]`` as text ("" when missing or absent)."""
    if col not in events.columns:
        return pd.Series("", index=events.index)
    return events[col].fillna("").astype(str)


def classify(
    events: pd.DataFrame,
    actors: pd.DataFrame,
    truce_date=TRUCE_DATE,
    *,
    held_by: pd.Series | None = None,
) -> pd.DataFrame:
    """Classify each event against the truce (the rules of :data:`RULES`, first that applies wins).

    Parameters
    ----------
    events : DataFrame
        Events with ``actor1``, ``actor2``, ``date_start`` and optionally ``event_type``.
    actors : DataFrame
        The actor table (``pattern``, ``party``, ``kind``, optionally ``valid_from`` and
        ``valid_to``), e.g. :func:`load_actors`; each actor is resolved at the event's
        ``date_start``.
    truce_date : date-like
        Events starting before it are ``before_truce``.
    held_by : Series, optional
        Party holding each event's place on its date (aligned on ``events.index``), from
        :func:`geo.control.party_at`; refines umbrella and unnamed sides.

    Returns
    -------
    DataFrame
        Indexed like ``events``: ``party1``, ``party2``, ``truce_class`` (one of
        ``geo.vocabulary.TRUCE_CLASSES``) and ``class_reason`` (a sentence saying why).
    """
    cols = ["party1", "party2", "truce_class", "class_reason"]
    if len(events) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}, index=events.index)
    truce = pd.Timestamp(truce_date).normalize()
    dates = pd.to_datetime(events["date_start"])
    held = (
        held_by.reindex(events.index).fillna("").astype(str)
        if held_by is not None
        else pd.Series("", index=events.index)
    )
    columns = (_text_column(events, "actor1"), _text_column(events, "actor2"), _text_column(events, "event_type"), held)
    decided, codes = _decide_combinations(ActorTable(actors), truce, columns, dates)
    reasons = _reasons(decided[:, 3], codes, dates, truce.strftime("%Y-%m-%d"))
    out = {"party1": decided[codes, 1], "party2": decided[codes, 2], "truce_class": decided[codes, 0]}
    out["class_reason"] = reasons
    return pd.DataFrame(out, columns=cols, index=events.index)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, the distinct values) of a text or date column (NaT: code -1)."""
    codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def _decide_combinations(table: ActorTable, truce: pd.Timestamp, columns, dates: pd.Series):
    """:func:`_decide` once per distinct combination of what decides an event.

    What decides an event is the same as the old per-event cache key: each side as written and,
    when the actor table dates that side, the event's day; the event type; the holder; and whether
    the event starts before the truce.  Returns the decisions (one row per combination: class,
    party1, party2, reason template) and each event's combination number.
    """
    (c1, u1), (c2, u2), (ct, ut), (ch, uh) = (_codes(col) for col in columns)
    cd, ud = _codes(dates)
    dated1 = np.array([table.day_key(a, truce) is not None for a in u1], dtype=bool)
    dated2 = np.array([table.day_key(a, truce) is not None for a in u2], dtype=bool)
    day1 = np.where(dated1[c1] & (cd >= 0), cd, -1)
    day2 = np.where(dated2[c2] & (cd >= 0), cd, -1)
    before = (dates < truce).fillna(False).to_numpy(dtype=bool)
    codes, first = combination_codes([c1, day1, c2, day2, ct, ch, before.astype(np.int64)])
    decide = _Decider(table, truce)
    rows = []
    # the first event of each combination stands for it: a dated side has the same day in all of them
    for row in first:
        day = pd.Timestamp(ud[cd[row]]) if cd[row] >= 0 else pd.NaT
        rows.append(decide(u1[c1[row]], u2[c2[row]], day, ut[ct[row]], uh[ch[row]]))
    return np.array(rows, dtype=object).reshape(len(rows), 4), codes


def combination_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct combinations of several integer code columns (in order of first appearance).

    Parameters
    ----------
    columns : list of ndarray
        Integer codes of equal length (e.g. from ``pandas.factorize``; -1 allowed).

    Returns
    -------
    (ndarray, ndarray)
        The combination number of each row (0..k-1) and, for each combination, the position of
        its first row.
    """
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        col = np.asarray(col, dtype=np.int64) + 1  # -1 (missing) becomes 0
        combined = combined * (int(col.max(initial=0)) + 1) + col  # below n * (cardinality + 1): no overflow
        combined = pd.factorize(combined, sort=False)[0].astype(np.int64)
    first = np.unique(combined, return_index=True)[1]
    return combined, first


def _reasons(templates: np.ndarray, codes: np.ndarray, dates: pd.Series, when: str) -> np.ndarray:
    """Each event's reason: its combination's template with its own day (formatted once per pair)."""
    cd, ud = _codes(dates)
    texts = np.array([pd.Timestamp(d).strftime("%Y-%m-%d") for d in ud] + ["an unknown date"], dtype=object)
    cd = np.where(cd >= 0, cd, len(ud))  # NaT -> "an unknown date"
    tcode, tuniq = _codes(pd.Series(templates, dtype=object))
    tcode = tcode[codes]
    pairs, first = combination_codes([tcode, cd])
    formatted = np.array([tuniq[tcode[i]].format(date=texts[cd[i]], when=when) for i in first], dtype=object)
    return formatted[pairs]


class _Decider:
    """:func:`_decide` for one event, cached on what decides it (sides on the day, type, holder)."""

    def __init__(self, table: ActorTable, truce: pd.Timestamp):
        self.table, self.truce = table, truce
        self.decided: dict[tuple, tuple[str, str, str, str]] = {}
        self.kinds: dict = {}

    def __call__(self, actor1: str, actor2: str, day, etype, holder: str) -> tuple[str, str, str, str]:
        if etype not in self.kinds:
            self.kinds[etype] = (_is_one_sided(etype), _non_violent(etype))
        before = bool(not pd.isna(day) and day < self.truce)
        table = self.table
        # each side is resolved at the event's first day (validity dates of the actor table)
        key = (actor1, table.day_key(actor1, day), actor2, table.day_key(actor2, day), holder, *self.kinds[etype], before)
        if key not in self.decided:
            self.decided[key] = _decide(table.side(actor1, day), table.side(actor2, day), key[5], holder, key[6], before)
        return self.decided[key]


def rules_table() -> pd.DataFrame:
    """The class rules in the order they are applied (:data:`RULES`), for the Rules page.

    Returns
    -------
    DataFrame
        Columns ``order`` ("1", "2"...), ``class`` (a truce class code), ``label`` (its label in
        ``geo.vocabulary``) and ``rule`` (its wording).
    """
    rows = [
        (str(i), rule.truce_class, vocabulary.class_label(rule.truce_class), rule.text)
        for i, rule in enumerate(RULES, start=1)
    ]
    return pd.DataFrame(rows, columns=["order", "class", "label", "rule"])
