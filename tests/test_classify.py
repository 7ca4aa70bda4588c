"""Truce classes on small hand-built events, and the shipped actor table."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.classify import (
    CLASSES,
    ActorTable,
    check_actors,
    classify,
    load_actors,
    normalize_actor,
    rules_table,
)
from geo.schema import InputError

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
    assert set(out.truce_class) <= set(CLASSES)
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


def test_rules_table_lists_every_class():
    assert set(rules_table()["class"]) == set(CLASSES)


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
    assert list(out["class"]) == list(CLASSES)
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
    assert row.truce_class in CLASSES
    assert row.class_reason and day.strftime("%Y-%m-%d") in row.class_reason
    assert (row.truce_class == "before_truce") == (offset < 0)
