"""One display spelling per place (geo/names.py) and the place search (geo/search.py, webapp/search.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.catalog import Catalog
from geo.names import (
    ADMIN1_DISPLAY,
    ADMIN1_OCHA,
    GOVERNORATES,
    PLACE_NAME_COLUMNS,
    governorate_label,
    load_place_names,
    press_fold,
    with_boundary_names,
    with_display_names,
)
from geo.schema import ADMIN1
from geo.search import PlaceIndex, events_near, governorate_places, locality_places, search_key

ROOT = Path(__file__).resolve().parents[1]
PLACE_NAMES = ROOT / "data" / "place_names.csv"  # data/place_names.csv: schema checked below


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return Catalog(tmp_path_factory.mktemp("store") / "store.gpkg")  # an empty store: the shipped data only


@pytest.fixture(scope="module")
def localities(catalog):
    return catalog.localities()


@pytest.fixture(scope="module")
def index(catalog, localities):
    return PlaceIndex(governorate_places(with_boundary_names(catalog.boundaries(1))) + locality_places(localities))


# --- display names ----------------------------------------------------------------------------
def test_governorates_are_named_in_the_press_form_everywhere():
    assert ADMIN1 == ADMIN1_DISPLAY  # geo.schema reads the one rule
    assert [ADMIN1[p] for p in ("SY07", "SY12", "SY09", "SY11", "SY06", "SY10", "SY08")] == [
        "Idlib", "Daraa", "Deir ez-Zor", "Raqqa", "Latakia", "Tartus", "Hasakah"]
    # OCHA's spellings stay aliases
    assert [ADMIN1_OCHA[p] for p in ("SY07", "SY12", "SY09")] == ["Idleb", "Dar'a", "Deir-ez-Zor"]
    for g in GOVERNORATES.values():
        assert g.ocha in g.names and g.arabic in g.names and g.names[0] == g.display


def test_filter_label_holds_what_the_audit_typed():
    """The sidebar multiselect filters on the label: "Idlib", "Daraa", "Deir ez-Zor" must be in it."""
    assert governorate_label("SY07") == "Idlib (SY07) · Idleb · إدلب"  # OCHA's spelling still finds it
    assert governorate_label("SY12").startswith("Daraa") and governorate_label("SY09").startswith("Deir ez-Zor")
    assert governorate_label("SY02") == "Aleppo (SY02) · حلب"


def test_boundaries_drawn_with_display_names_keep_ocha_names_on_file(catalog):
    shipped = catalog.boundaries(1)
    assert set(shipped["name_en"]) == set(ADMIN1_OCHA.values())  # the file keeps OCHA's names
    drawn = with_boundary_names(shipped)
    assert set(drawn["name_en"]) == set(ADMIN1_DISPLAY.values())
    districts = with_boundary_names(catalog.boundaries(2)).set_index("pcode")["name_en"]
    assert districts["SY0700"] == "Idlib" and districts["SY1200"] == "Daraa"  # named after the governorate
    assert districts["SY0202"] == "Al-Bab"  # OCHA's "Al Bab", folded


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Şūrān", "Suran"),
        ("Arīḩā", "Ariha"),
        ("Tasīl", "Tasil"),
        ("Al ‘Arīmah", "Al-Arimah"),
        ("Al Manşūrah", "Al-Mansurah"),
        ("Tall aḑ Ḑamān", "Tall ad-Daman"),
        ("Shaykh al Ḩadīd", "Shaykh al-Hadid"),
        ("Qal'at Ja'bar", "Qal'at Ja'bar"),  # a team-written name: unchanged
        ("Al-Bab", "Al-Bab"),
        ("الباب", "الباب"),  # Arabic script untouched
    ],
)
def test_press_fold(raw, folded):
    assert press_fold(raw) == folded


@given(st.text(alphabet=st.sampled_from(list("AaLlSsŞşūīḩḑ‘’ʿ'- ZzĀāBbÉéالبابرقة")), max_size=40))
@settings(max_examples=300, deadline=None)
def test_press_fold_is_idempotent_and_latin_ascii(text):
    out = press_fold(text)
    assert press_fold(out) == out
    assert all(ord(c) < 128 or "\u0600" <= c <= "\u06ff" for c in out)


def test_curated_place_names_file_schema_and_targets(localities):
    table = pd.read_csv(PLACE_NAMES, dtype=str, keep_default_na=False)
    assert tuple(table.columns) == PLACE_NAME_COLUMNS
    assert table["locality_id"].is_unique and (table["source"].str.strip() != "").all()
    assert set(table["locality_id"]) <= set(localities["locality_id"])  # every row names a real locality
    assert all(n.isascii() and n.strip() == n and n for n in table["name"])


def test_cited_and_labelled_places_have_one_press_spelling(localities):
    names = dict(zip(localities["locality_id"], localities["name_en"], strict=True))
    expected = {"gn:163915": "Souran", "gn:172994": "Ariha", "gn:174018": "Al-Bab", "gn:163330": "Tasil",
                "gn:174043": "Al-Arimah", "gn:8559276": "Mansoura", "gn:169389": "Idlib", "gn:170905": "Daraa",
                "gn:170794": "Deir ez-Zor", "gn:172955": "Raqqa", "cur:jobar": "Jobar"}
    assert {k: names[k] for k in expected} == expected
    # no GeoNames diacritics or ʿayn marks left in any display name
    assert not [n for n in names.values() if re.search(r"[^\x00-\x7f]", n) and not re.search(r"[\u0600-\u06ff]", n)]


def test_the_former_name_stays_an_alias_and_the_lossless_reader_keeps_it(catalog, localities):
    row = localities.loc[localities["locality_id"] == "gn:163915"].iloc[0]
    assert "Şūrān" in row["aliases"].split("|")
    raw = catalog.localities(display=False)
    assert raw.loc[raw["locality_id"] == "gn:163915", "name_en"].iloc[0] == "Şūrān"


def test_with_display_names_does_not_change_its_input():
    frame = pd.DataFrame({"locality_id": ["gn:1", "cur:x"], "name_en": ["Al Bāb", "Tabqa"], "aliases": ["", "Thawra"]})
    out = with_display_names(frame, {"cur:x": "Al-Tabqa"})
    assert list(out["name_en"]) == ["Al-Bab", "Al-Tabqa"]
    assert list(out["aliases"]) == ["Al Bāb", "Thawra|Tabqa"]
    assert list(frame["name_en"]) == ["Al Bāb", "Tabqa"]


def test_towns_layer_and_trends_read_the_display_names(catalog):
    from geo.citations import cited_towns

    towns = cited_towns(catalog=catalog)
    assert {"Souran", "Ariha", "Tasil", "Al-Arimah", "Mansoura"} <= set(towns["name_en"])
    assert not towns["name_en"].str.contains("[ŞşūīḩĀā‘]").any()


def test_load_place_names_matches_the_file():
    assert load_place_names() == dict(pd.read_csv(PLACE_NAMES, dtype=str).set_index("locality_id")["name"])


# --- search -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        # the audit's failing searches (defect 11)
        ("Idlib", "Idlib", "governorate"),
        ("Daraa", "Daraa", "governorate"),
        ("Deir ez-Zor", "Deir ez-Zor", "governorate"),
        ("Souran", "Souran", "locality"),
        ("Ariha", "Ariha", "locality"),
        ("الباب", "Al-Bab", "locality"),
        # other spellings and small typos
        ("Idleb", "Idlib", "governorate"),
        ("Idlb", "Idlib", "governorate"),
        ("idlib ", "Idlib", "governorate"),
        ("إدلب", "Idlib", "governorate"),
        ("Suran", "Souran", "locality"),
        ("Deir ez Zor", "Deir ez-Zor", "governorate"),
        ("deirezzor", "Deir ez-Zor", "governorate"),
        ("Dar'a", "Daraa", "governorate"),
        ("Sweida", "Suwayda", "governorate"),
        ("al bab", "Al-Bab", "locality"),
        ("El-Bab", "Al-Bab", "locality"),
        ("Tadmur", "Palmyra", "locality"),
        ("Mansoura", "Mansoura", "locality"),
        ("Khan Sheikhoun", "Khan Shaykhun", "locality"),
        ("Palmyraa", "Palmyra", "locality"),
    ],
)
def test_search_finds_the_place(index, query, name, kind):
    found = index.search(query, limit=8)
    assert found, query
    hits = [(m.place.name, m.place.kind) for m in found]
    assert (name, kind) in hits[:3], hits
    assert found[0].place.name == name, hits


def test_search_finds_both_places_called_souran_and_every_governorate(index):
    souran = [m.place for m in index.search("Souran") if m.place.name == "Souran"]
    assert {p.admin1_pcode for p in souran} == {"SY05", "SY02"}
    for pcode, g in GOVERNORATES.items():
        for alias in g.names:
            assert pcode in [m.place.place_id for m in index.search(alias)][:3], alias


def test_search_covers_every_locality(index, localities):
    assert len(index) == len(localities) + 14
    sample = localities.sample(40, random_state=7)
    for lid, name in zip(sample["locality_id"], sample["name_en"], strict=True):
        assert lid in [m.place.place_id for m in index.search(name, limit=20)], name


def test_search_gives_nothing_for_noise_and_short_queries(index):
    assert index.search("") == [] and index.search("a") == [] and index.search("   ") == []
    assert index.search("Xqzvwpt") == []


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_search_key_is_idempotent_and_spaceless(text):
    key = search_key(text)
    assert search_key(key) == key and " " not in key


@given(st.sampled_from(["Idlib", "Daraa", "Raqqa", "Aleppo", "Homs", "Palmyra", "Manbij", "Azaz"]),
       st.sampled_from(["lower", "upper", "al", "hyphen", "accent"]))
@settings(max_examples=60, deadline=None)
def test_search_ignores_case_article_and_accents(index, name, how):
    variant = {"lower": name.lower(), "upper": name.upper(), "al": f"al-{name}", "hyphen": f"{name[:2]}-{name[2:]}",
               "accent": name.replace("a", "á")}[how]
    assert name in [m.place.name for m in index.search(variant)][:2], variant


def test_events_near_a_town_and_in_a_governorate(index, catalog):
    events = catalog.events()
    al_bab = next(m.place for m in index.search("Al-Bab") if m.place.place_id == "gn:174018")
    near = events_near(events, al_bab)
    assert len(near) and (near["distance_km"] <= 10).all()
    assert set(near["geo_precision"]) <= {"exact", "near"}
    idlib = index.search("Idlib")[0].place
    assert idlib.kind == "governorate"
    gov = events_near(events, idlib)
    assert len(gov) and set(gov["admin1_pcode"]) == {"SY07"}


# --- the Map page's search box (AppTest) ------------------------------------------------------------
@pytest.fixture
def app(shipped_store, monkeypatch, steady_navigation):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))  # the shared shipped-data store: these tests only read
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.run()
    assert not app.exception
    return app


def _text(app) -> str:
    return " ".join([m.value for m in app.markdown] + [c.value for c in app.caption]).replace("\\", "")


def test_map_page_search_finds_idlib_and_flies_there(app):
    assert app.session_state["vs"].zoom == 7
    app.text_input(key="w_place_query").input("Idleb").run()  # OCHA's spelling finds the press form
    assert not app.exception
    vs = app.session_state["vs"]
    assert app.selectbox(key="w_place_pick").value == "SY07"
    assert 35.3 < vs.lat < 36.4 and 36.2 < vs.lon < 37.0 and vs.zoom >= 8 and vs.town == ""
    assert app.query_params["z"] == str(vs.zoom)  # the link follows
    text = _text(app)
    assert "Idlib" in text and "Events in the governorate" in text


def test_map_page_search_opens_the_card_of_a_town(app, index):
    app.slider(key="w_date").set_value(pd.Timestamp("2017-03-01").date()).run()
    app.text_input(key="w_place_query").input("الباب").run()
    assert not app.exception
    vs = app.session_state["vs"]
    assert vs.town == "gn:174018" and vs.zoom == 11 and abs(vs.lat - 36.37) < 0.05
    assert app.query_params["town"] == "gn:174018"
    text = _text(app)
    assert "Al-Bab" in text and "Held on 2017-03-01: Euphrates Shield" in text
    assert "within 10 km" in text and "RFE/RL" in text  # a citing source, listed in the card
    assert any(e.label.startswith("Cited by 4 source(s)") for e in app.expander), [e.label for e in app.expander]
    # another match from the list moves the map again
    other = index.search("الباب")[1].place  # (AppTest's select_index does not undo a format_func)
    assert len(app.selectbox(key="w_place_pick").options) > 1
    app.selectbox(key="w_place_pick").set_value(other.place_id).run()
    assert not app.exception
    assert app.session_state["vs"].town == other.place_id and other.name in _text(app)


def test_map_page_search_says_when_nothing_matches(app):
    app.text_input(key="w_place_query").input("Xqzvwpt").run()
    assert not app.exception
    assert "No place matches" in _text(app)
    assert app.session_state["vs"].zoom == 7


def test_event_downloads_keep_their_columns_and_add_the_governorate_name(catalog):
    import io
    import json

    from geo.export import to_csv_text
    from webapp.share import events_csv, events_geojson

    events = catalog.events().head(60)
    canonical_header = next(io.StringIO(to_csv_text("events", events))).strip().split(",")
    table = pd.read_csv(io.BytesIO(events_csv(events)), dtype=str, keep_default_na=False)
    assert list(table.columns[: len(canonical_header)]) == canonical_header  # the contract's columns, in order
    assert "governorate" in table.columns
    idlib = table.loc[table["admin1_pcode"] == "SY07", "governorate"]
    assert len(idlib) and set(idlib) == {"Idlib"}
    doc = json.loads(events_geojson(events))
    props = [f["properties"] for f in doc["features"] if f["properties"]["admin1_pcode"] == "SY12"]
    assert props and {p["governorate"] for p in props} == {"Daraa"}


OCHA_ONLY = ("Idleb", "Dar'a", "Deir-ez-Zor", "Ar-Raqqa", "Lattakia", "Tartous", "Al-Hasakeh", "As-Sweida")
GEONAMES_FORMS = ("Şūrān", "Arīḩā", "Tasīl", "Al ‘Arīmah", "Al Manşūrah")


def _page_text(app) -> str:
    parts = [e.value for e in (*app.markdown, *app.caption)]
    for frame in app.dataframe:
        value = frame.value
        parts.append(value.to_csv() if hasattr(value, "to_csv") else str(value))
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/sources.py", "pages/control.py"])
def test_pages_show_one_spelling(app, page):
    """Tables and captions of the pages use the display names, never OCHA's or GeoNames' forms."""
    app.switch_page(page).run()
    assert not app.exception
    text = _page_text(app)
    assert not [s for s in (*OCHA_ONLY, *GEONAMES_FORMS) if s in text]
    if page != "pages/control.py":
        assert "Idlib" in text or "Aleppo" in text


def test_event_and_count_downloads_neutralise_formulas(catalog):
    """The page's "Events CSV" and "Counts table CSV" (security audit, finding 3): a cell that a
    spreadsheet would run as a formula is written with an apostrophe in front."""
    import csv
    import io

    from geo.safetext import FORMULA_START
    from webapp.share import counts_csv, events_csv

    events = catalog.events().head(20).copy()
    events["actor1"] = "=HYPERLINK(\"http://x.example\",\"click\")"
    events["notes"] = "@SUM(1+1)"
    events["source"] = "+cmd|' /C calc'!A0"
    for payload in (events_csv(events), counts_csv(events)):
        rows = list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))
        cells = [c for row in rows for c in row]
        bad = [c for c in cells if c.startswith(FORMULA_START) and not c.lstrip("+-").replace(".", "", 1).isdigit()]
        assert bad == [], bad[:5]
    table = pd.read_csv(io.BytesIO(events_csv(events)), dtype=str, keep_default_na=False)
    assert set(table["actor1"]) == {"'=HYPERLINK(\"http://x.example\",\"click\")"}  # kept, shown as text
    assert set(table["notes"]) == {"'@SUM(1+1)"}
