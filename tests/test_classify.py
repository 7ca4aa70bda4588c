"""Truce classes on small hand-built events, and the shipped actor table."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.classify import (
    UNMAPPED_KIND,
    ActorTable,
    check_actors,
    classify,
    load_actors,
    normalize_actor,
    rules_table,
)
from geo.schema import InputError
from geo.vocabulary import TRUCE_CLASSES

T = pd.Timestamp

ACTORS = pd.DataFrame(
    [
        ("Government of Syria", "government", "state", ""),
        ("Military Forces of Syria (*", "government", "state", ""),
        ("Government of Russia (Soviet Union)", "government", "ally", ""),
        ("Syrian insurgents", "opposition", "umbrella", ""),
        ("Ahrar al-Sham", "opposition", "armed_group", ""),
        ("Southern Front", "opposition", "armed_group", ""),
        ("Jabhat Fateh al-Sham", "hts", "excluded", ""),
        ("IS", "islamic_state", "excluded", ""),
        ("SDF", "sdf", "outside", ""),
        ("Government of Turkey", "turkey", "outside", ""),
        ("Hawar Kilis Operations Room", "euphrates_shield", "outside", ""),
        ("Civilians", "civilians", "civilians", ""),
        ("Jaysh al-Asha’er", "opposition", "armed_group", ""),
    ],
    columns=["pattern", "party", "kind", "note"],
)


def _events(rows):
    return pd.DataFrame(rows, columns=["actor1", "actor2", "date_start", "event_type"]).assign(
        date_start=lambda d: pd.to_datetime(d["date_start"])
    )


def _one(actor1, actor2, day, event_type="", **kw):
    return classify(_events([(actor1, actor2, day, event_type)]), ACTORS, **kw).iloc[0]


def test_government_vs_opposition_after_the_truce_is_a_violation():
    row = _one("Government of Syria", "Syrian insurgents", "2017-01-04")
    assert row.truce_class == "truce_violation"
    assert (row.party1, row.party2) == ("government", "opposition")
    assert "2017-01-04" in row.class_reason and "after the truce of 2016-12-30" in row.class_reason
    # the truce day itself is covered; an ally counts as the government side
    assert _one("Government of Russia (Soviet Union)", "Ahrar al-Sham", "2016-12-30").truce_class == "truce_violation"


def test_before_the_truce_whatever_the_actors():
    for a1, a2 in [("Government of Syria", "Syrian insurgents"), ("IS", "Civilians"), ("Government of Turkey", "IS")]:
        row = _one(a1, a2, "2016-12-29")
        assert row.truce_class == "before_truce"
        assert row.class_reason.startswith("before the truce of 2016-12-30")
    assert _one("Government of Syria", "Syrian insurgents", "2016-12-10", truce_date="2016-12-01").truce_class == (
        "truce_violation"
    )


def test_one_sided_by_target_or_by_event_type():
    row = _one("IS", "Civilians", "2017-02-01")
    assert row.truce_class == "one_sided" and "violence against civilians" in row.class_reason
    assert _one("Government of Syria", "", "2017-02-01", event_type="one-sided").truce_class == "one_sided"
    assert _one("Military Forces of Syria (2000-)", "", "2017-02-01", "Violence against civilians").truce_class == (
        "one_sided"
    )


def test_one_sided_by_the_apps_event_type_vocabulary():
    # viewstate.EVENT_TYPES / the ACLED importer write "violence_against_civilians" (underscores)
    row = _one("Government of Syria", "Syrian insurgents", "2017-02-01", event_type="violence_against_civilians")
    assert row.truce_class == "one_sided"


def test_non_violent_event_types_are_not_counted_as_violations():
    row = _one("Government of Syria", "Syrian insurgents", "2017-02-01", event_type="Strategic developments")
    assert row.truce_class == "other_fighting"
    assert row.class_reason.startswith("not fighting (event type 'Strategic developments')")


def test_turkey_and_euphrates_shield_against_is_or_sdf_are_other_fighting():
    row = _one("Government of Turkey", "IS", "2017-02-10")
    assert row.truce_class == "other_fighting"
    assert "turkey is not a party to the truce" in row.class_reason
    assert _one("Hawar Kilis Operations Room", "SDF", "2017-03-01").truce_class == "other_fighting"
    assert _one("IS", "SDF", "2017-03-01").truce_class == "other_fighting"


def test_excluded_groups_and_the_mixed_actor_rule():
    assert _one("Government of Syria", "IS", "2017-01-20").truce_class == "excluded_group"
    assert _one("Ahrar al-Sham", "Jabhat Fateh al-Sham", "2017-01-25").truce_class == "excluded_group"
    row = _one("Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front", "Government of Syria", "2017-02-20")
    assert row.truce_class == "excluded_group"
    assert row.party1 == "opposition+hts"
    assert "mixed: Ahrar al-Sham (opposition), Jabhat Fateh al-Sham (hts), Southern Front (opposition)" in row.class_reason
    assert "one excluded group on a mixed side is enough" in row.class_reason
    # a mixed side without an excluded group stays a truce violation
    assert _one("Ahrar al-Sham; Southern Front", "Government of Syria", "2017-02-20").truce_class == "truce_violation"


def test_unmapped_and_missing_actors_are_other_fighting_and_held_by_refines():
    row = _one("Government of Syria", "Some Unheard-of Brigade", "2017-02-01")
    assert row.truce_class == "other_fighting" and row.party2 == "unknown"
    assert "unidentified or unmapped" in row.class_reason
    assert _one("Government of Syria", "", "2017-02-01").truce_class == "other_fighting"
    assert "Brigade {0} ${x} (unknown)" in _one("Government of Syria", "Brigade {0} ${x}", "2016-12-01").class_reason
    events = _events(
        [
            ("Government of Syria", "", "2017-02-01", "shelling"),
            ("Government of Syria", "Syrian insurgents", "2017-02-01", ""),
            ("Government of Syria", "Syrian insurgents", "2017-02-01", ""),
        ]
    )
    held = pd.Series(["opposition", "hts", "opposition"], index=events.index)
    out = classify(events, ACTORS, held_by=held)
    assert list(out.truce_class) == ["truce_violation", "excluded_group", "truce_violation"]
    assert "place held by opposition" in out.class_reason[0]
    assert "umbrella name" in out.class_reason[1]


def test_names_match_ignoring_case_quotes_and_spaces():
    table = ActorTable(ACTORS)
    assert table.match("  government  OF syria ") == ("government", "state")
    assert table.match("Jaysh al-Asha'er") == ("opposition", "armed_group")
    assert table.match("Military Forces of Syria (2000-) Air Force") == ("government", "state")
    assert table.match("Military Forces of Syrian Arab Republic") is None
    assert normalize_actor("Ḥamāh") == "hamah"


def test_output_is_aligned_with_the_events_index():
    events = _events([("IS", "SDF", "2017-01-05", ""), ("Government of Syria", "IS", "2016-12-05", "")])
    events.index = [7, 3]
    out = classify(events, ACTORS)
    assert list(out.index) == [7, 3]
    assert list(out.truce_class) == ["other_fighting", "before_truce"]
    assert set(out.truce_class) <= set(TRUCE_CLASSES)
    assert classify(events.iloc[:0], ACTORS).empty


def test_bad_actor_tables_are_refused_with_row_and_column():
    bad = pd.DataFrame(
        [("IS", "islamic_state", "excluded", ""), ("is", "islamic_state", "excluded", ""), ("X", "martians", "odd", "")],
        columns=["pattern", "party", "kind", "note"],
    )
    with pytest.raises(InputError) as err:
        check_actors(bad)
    text = str(err.value)
    assert "row 2, column 'pattern': duplicate of row 1" in text
    assert "row 3, column 'party'" in text and "row 3, column 'kind'" in text


def test_shipped_actor_table_covers_ucdp_and_acled_names():
    table = ActorTable(load_actors())
    expected = {
        "Government of Syria": "government",
        "Government of Russia (Soviet Union)": "government",
        "Government of Iran": "government",
        "Hezbollah": "government",
        "Syrian insurgents": "opposition",
        "IS": "islamic_state",
        "SDF": "sdf",
        "YPG": "sdf",
        "Government of Turkey": "turkey",
        "Hawar Kilis Operations Room": "euphrates_shield",
        "Jabhat Fateh al-Sham": "hts",
        "Hayat Tahrir al-Sham": "hts",
        "HTS": "hts",
        "Ahrar al-Sham": "opposition",
        "Jaysh al-Islam": "opposition",
        "Faylaq al-Rahman": "opposition",
        "Rahman Corps - “Abu al-Joud al-Arbini” faction": "opposition",
        "Civilians": "civilians",
        "Government of United States of America": "coalition",
        "Military Forces of Syria (2000-)": "government",
        "Military Forces of Russia (2000-)": "government",
        "Islamic State (Syria)": "islamic_state",
        "QSD: Syrian Democratic Forces": "sdf",
        "YPG: People's Protection Units": "sdf",
        "HTS: Hayat Tahrir al-Sham": "hts",
        "JFS: Jabhat Fateh al-Sham": "hts",
        "Opposition Rebels (Syria)": "opposition",
        "Military Forces of Turkey (2016-)": "turkey",
        "Euphrates Shield": "euphrates_shield",
        "Civilians (Syria)": "civilians",
        "Unidentified Armed Group (Syria)": "unknown",
    }
    got = {name: (table.match(name) or ("<none>",))[0] for name in expected}
    assert got == expected


# --- validity dates -------------------------------------------------------------------------------
DATED = pd.concat(
    [
        ACTORS,
        pd.DataFrame(
            [
                ("Nour al-Din al-Zinki Movement", "opposition", "armed_group", "", "2017-01-28", ""),
                ("Nour al-Din al-Zinki Movement", "hts", "excluded", "2017-01-28", "", ""),
            ],
            columns=["pattern", "party", "kind", "valid_from", "valid_to", "note"],
        ),
    ],
    ignore_index=True,
).fillna("")


def test_a_dated_row_applies_from_valid_from_until_the_day_before_valid_to():
    table = ActorTable(DATED)
    assert table.match("Nour al-Din al-Zinki Movement", "2017-01-27") == ("opposition", "armed_group")
    assert table.match("Nour al-Din al-Zinki Movement", "2017-01-28") == ("hts", "excluded")
    assert table.match("Nour al-Din al-Zinki Movement", T("2017-03-01")) == ("hts", "excluded")
    # without a date the earliest row applies; undated rows apply on every day
    assert table.match("Nour al-Din al-Zinki Movement") == ("opposition", "armed_group")
    assert table.match("Ahrar al-Sham", "2017-01-28") == ("opposition", "armed_group")
    side = table.side("Ahrar al-Sham; Nour al-Din al-Zinki Movement", "2017-02-01")
    assert [a.party for a in side] == ["opposition", "hts"]


def test_zenki_against_the_government_before_and_after_it_joined_hts():
    """The shipped table: Zenki is opposition until HTS was founded on 28 Jan 2017, hts after."""
    actors = load_actors()
    events = _events(
        [
            ("Nour al-Din al-Zinki Movement", "Government of Syria", "2017-01-20", "battle"),
            ("Nour al-Din al-Zinki Movement", "Government of Syria", "2017-02-10", "battle"),
            ("Harakat Nour al-Din al-Zenki", "Military Forces of Syria (2000-)", "2017-02-10", "Battles"),
        ]
    )
    out = classify(events, actors)
    assert list(out.truce_class) == ["truce_violation", "excluded_group", "excluded_group"]
    assert list(out.party1) == ["opposition", "hts", "hts"]
    assert "involves hts" in out.class_reason.iloc[1]
    # the same event classified in the fixture table without dates would not move
    assert classify(events.iloc[:2], ACTORS).truce_class.nunique() == 1


def test_jund_al_aqsa_is_hts_until_expelled_then_is_aligned():
    table = ActorTable(load_actors())
    for name in ("Jund al-Aqsa", "Liwa al-Aqsa"):
        assert table.match(name, "2017-01-22")[0] == "hts"
        assert table.match(name, "2017-01-23")[0] == "islamic_state"
        assert table.match(name, "2017-02-14")[0] == "islamic_state"


def test_shipped_validity_dates_parse_and_never_overlap_for_one_pattern():
    from geo.validate import parse_dates

    raw = load_actors()
    assert list(raw.columns) == ["pattern", "party", "kind", "valid_from", "valid_to", "note"]
    rows = pd.Series(range(1, len(raw) + 1))
    start, p1 = parse_dates(raw["valid_from"], rows, "valid_from", required=False)
    end, p2 = parse_dates(raw["valid_to"], rows, "valid_to", required=False)
    assert not p1 and not p2
    # ISO text or empty, nothing else
    assert raw[["valid_from", "valid_to"]].stack().str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()
    dated = (start.notna() | end.notna()).sum()
    assert dated >= 8  # Zenki (3 spellings x 2), Jund al-Aqsa and Liwa al-Aqsa (x 2)
    frame = pd.DataFrame({"key": raw["pattern"].map(normalize_actor), "start": start, "end": end})
    for key, group in frame.groupby("key"):
        group = group.sort_values("start", na_position="first")
        assert ((group["start"] < group["end"]) | group["start"].isna() | group["end"].isna()).all(), key
        if len(group) > 1:
            # consecutive periods: each ends (exclusive) no later than the next one starts
            ends, starts = group["end"].iloc[:-1].to_numpy(), group["start"].iloc[1:].to_numpy()
            assert not pd.isna(ends).any() and not pd.isna(starts).any(), key
            assert (ends <= starts).all(), key


def test_bad_validity_dates_are_refused_with_row_and_column():
    bad = pd.DataFrame(
        [
            ("Jund al-Aqsa", "hts", "excluded", "", "2017-01-23", ""),
            ("Jund al-Aqsa", "islamic_state", "excluded", "2017-01-20", "", ""),  # overlaps row 1
            ("X", "hts", "excluded", "2017-02-01", "2017-01-01", ""),  # ends before it starts
            ("Y", "hts", "excluded", "05/04/2017", "", ""),  # ambiguous day/month
        ],
        columns=["pattern", "party", "kind", "valid_from", "valid_to", "note"],
    )
    with pytest.raises(InputError) as err:
        check_actors(bad)
    text = str(err.value)
    assert "row 2, column 'pattern': duplicate of row 1 (validity periods overlap)" in text
    assert "row 3, column 'valid_to'" in text
    assert "row 4, column 'valid_from'" in text
    # the same pattern twice with periods that meet but do not overlap is fine
    check_actors(bad.iloc[:1].assign(valid_to="2017-01-20").pipe(lambda d: pd.concat([d, bad.iloc[[1]]])))


# --- ACLED spellings and the Euphrates Shield factions ---------------------------------------------
ACLED_SPELLINGS = {
    "HTS: Hayat Tahrir al Sham": "hts",
    "YPG: Peoples Protection Units": "sdf",
    "QDW: National Defense Forces": "government",
    "JFS: Jabhat Fateh al Sham": "hts",
    "JN: Jabhat al Nusra": "hts",
    "Allied Syrian and/or Russian Forces": "government",
    "Global Coalition Against Daesh": "coalition",
    "TIP: Turkistan Islamic Party": "hts",
    "JaS: Levant Front": "euphrates_shield",
    "Jaysh al Izza": "opposition",
    "Militia (Pro-Iran)": "government",
    "Sultan Suleiman Shah Brigade (Syria)": "euphrates_shield",
    "Islamist Militia (Syria)": "opposition",
    "Islamist Rebels (Syria)": "opposition",
    "Kurdish Ethnic Militia (Syria)": "sdf",
    "PYD: Kurdish Democratic Union Party": "sdf",
    # older spellings keep matching
    "HTS: Hayat Tahrir al-Sham": "hts",
    "YPG: People's Protection Units": "sdf",
    "NDF: National Defence Forces": "government",
    "JFS: Jabhat Fateh al-Sham": "hts",
    "JN: Jabhat al-Nusra": "hts",
}


@pytest.mark.parametrize(("name", "party"), sorted(ACLED_SPELLINGS.items()))
def test_acled_spellings_resolve_to_the_intended_party(name, party):
    table = ActorTable(load_actors())
    assert table.match(name, "2017-02-15")[0] == party
    # as ACLED sides come in: actor and associated actors joined with "; "
    side = table.side(f"{name}; Civilians (Syria)", "2017-02-15")
    assert [a.party for a in side] == [party, "civilians"]


def test_umbrella_acled_names_are_read_as_the_excluded_holder():
    actors = load_actors()
    events = _events([("Islamist Rebels (Syria)", "Military Forces of Syria (2000-)", "2017-02-15", "Battles")] * 2)
    out = classify(events, actors, held_by=pd.Series(["hts", "opposition"], index=events.index))
    assert list(out.truce_class) == ["excluded_group", "truce_violation"]


def test_euphrates_shield_factions_follow_one_rule():
    table = ActorTable(load_actors())
    names = ["Sultan Murad Division", "Jabhat al-Shamiya", "Levant Front", "JaS: Levant Front",
             "Hawar Kilis Operations Room", "Sultan Suleiman Shah Brigade (Syria)"]  # fmt: skip
    for day in ("2016-12-10", "2017-01-15", "2017-03-20"):
        assert {table.match(n, day) for n in names} == {("euphrates_shield", "outside")}, day


# --- sides: brackets, wildcards and evacuations ----------------------------------------------------
def test_a_wildcard_never_swallows_a_mixed_side_and_brackets_hold_commas():
    table = ActorTable(load_actors())
    side = table.side("Civilians (pilgrims); pro-government fighters", "2017-03-11")
    assert [(a.name, a.party) for a in side] == [("Civilians (pilgrims)", "civilians"),
                                                 ("pro-government fighters", "government")]  # fmt: skip
    side = table.side("United States (drone, reported)", "2017-02-26")
    assert [(a.name, a.party) for a in side] == [("United States (drone, reported)", "coalition")]
    # an exact pattern may still name a whole side
    assert [a.name for a in table.side("Rahman Corps - “Abu al-Joud al-Arbini” faction")] == [
        "Rahman Corps - “Abu al-Joud al-Arbini” faction"
    ]


def test_evacuations_and_takeovers_without_fighting_are_not_violations():
    row = _one("Government of Syria", "Syrian insurgents", "2017-03-18", event_type="other")
    assert row.truce_class == "other_fighting"
    assert row.class_reason.startswith("not fighting (event type 'other')")


def test_every_shipped_actor_resolves(tmp_path):
    """Every group named by a shipped event (curated, UCDP: whatever the catalog ships) has a row
    valid on the event's date."""
    from geo.catalog import Catalog
    from geo.paths import DATA_DIR

    events = Catalog(tmp_path / "empty.gpkg").events()
    assert "curated" in set(events["dataset"])
    if (DATA_DIR / "ucdp_events.csv").exists():
        assert "ucdp" in set(events["dataset"])
    table = ActorTable(load_actors())
    unknown = {
        (a.name, eid)
        for col in ("actor1", "actor2")
        for text, day, eid in zip(events[col], pd.to_datetime(events["date_start"]), events["event_id"], strict=True)
        for a in table.side(text, day)
        if a.kind == UNMAPPED_KIND
    }
    assert not unknown, sorted(unknown)[:20]


def test_rules_table_lists_every_class():
    assert set(rules_table()["class"]) == set(TRUCE_CLASSES)


def test_stats_by_class_counts_every_class_with_its_header():
    from geo.stats import counts_by

    events = _events(
        [
            ("IS", "SDF", "2017-01-05", ""),
            ("Government of Syria", "Syrian insurgents", "2017-01-06", ""),
            ("Government of Syria", "Syrian insurgents", "2017-01-07", ""),
        ]
    ).assign(fatalities=pd.array([2, None, 5], dtype="Int64"))
    out = counts_by(events, "class", actors=ACTORS)
    assert list(out.columns) == ["class", "events", "fatalities"]
    assert list(out["class"]) == list(TRUCE_CLASSES)
    table = out.set_index("class")
    assert table.loc["truce_violation"].tolist() == [2, 5]
    assert table.loc["other_fighting"].tolist() == [1, 2]
    assert table.loc["one_sided"].tolist() == [0, 0]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = st.one_of(st.sampled_from(list(ACTORS["pattern"]) + ["", "Unknown Brigade"]), st.text(max_size=30))


@settings(max_examples=150, deadline=None)
@given(a1=_NAMES, a2=_NAMES, offset=st.integers(-40, 90), etype=st.sampled_from(["", "one-sided", "Battles"]))
def test_every_event_gets_one_known_class_with_a_reason(a1, a2, offset, etype):
    day = T("2016-12-30") + pd.Timedelta(days=offset)
    row = _one(a1, a2, day.strftime("%Y-%m-%d"), etype)
    assert row.truce_class in TRUCE_CLASSES
    assert row.class_reason and day.strftime("%Y-%m-%d") in row.class_reason
    assert (row.truce_class == "before_truce") == (offset < 0)
