"""Name normalisation, the gazetteer index, and the shipped localities file."""

from __future__ import annotations

import importlib.util
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.datasets import load_localities
from geo.gazetteer import Gazetteer, normalize, skeleton
from geo.paths import DATA_DIR, ROOT


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_localities", ROOT / "scripts" / "build_localities.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer(load_localities())


# --- normalize -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "variants",
    [
        ["Al-Bab", "al-Bab", "Al Bab", "AL-BAB", "El-Bab", "Al Bāb", "الباب", "البَاب"],
        ["Deir ez-Zor", "Deir ez Zor", "deir-ez-zor", "Deir Ez-Zor"],
        ["Ar-Raqqa", "Raqqa", "al-Raqqa", "Ar Raqqa"],
        ["Dar'a", "Dar‘ā", "Darʿa", "DAR’A", "Dara"],
        ["أعزاز", "إعزاز", "اعزاز", "آعزاز"],
    ],
)
def test_normalize_equates_spelling_variants(variants):
    keys = {normalize(v) for v in variants}
    # Arabic and Latin spellings have their own keys; within a script they must coincide
    latin = {k for k in keys if k.isascii()}
    arabic = keys - latin
    assert len(latin) <= 1 and len(arabic) <= 1, keys


def test_normalize_examples():
    assert normalize("Al-Bāb") == "bab"
    assert normalize("Deir ez-Zor") == "deir zor"
    assert normalize("Ma'arrat an-Nu'man") == "maarrat numan"
    assert normalize("Jisr ash-Shughur") == "jisr shughur"
    assert normalize("حماة") == normalize("حماه")
    assert normalize("الرقّة") == "رقه"
    assert normalize("  Tell   Abyad ") == "tell abyad"
    assert normalize("") == "" and normalize(None) == ""
    # a lone article is kept (it is the whole name), and English words are not articles
    assert normalize("Al") == "al"
    assert normalize("Tell") == "tell"


def test_skeleton_joins_transliterations():
    assert skeleton("Idlib") == skeleton("Idleb")
    assert skeleton("Deir ez-Zor") == skeleton("Dayr az Zawr") == skeleton("Deir al-Zour")
    assert skeleton("Khan Shaykhun") == skeleton("Khan Sheikhoun")
    assert skeleton("Aleppo") != skeleton("Idlib")
    assert skeleton("حلب") == ""


names = st.text(
    alphabet=st.sampled_from(list("abdehiklmnoqrstuyzABDEHKLMQRSTZ -'‘ʿāīūḩşţ") + list("الباحمةىأإآ")),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_idempotent_any_text(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(names)
def test_normalize_case_accent_hyphen_invariant(name):
    key = normalize(name)
    assert normalize(name.upper()) == key or any(c in name for c in "ıİ")
    assert normalize(name.lower()) == key
    assert normalize(name.replace("-", " ")) == key
    assert normalize(name.replace(" ", "-")) == key
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.category(c).startswith("M")
    )
    assert normalize(stripped) == key
    assert "  " not in key and key == key.strip()


# --- Gazetteer ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "variants,expected_name",
    [
        (["Al-Bab", "al-Bab", "Al Bab", "الباب", "El Bab"], "Al-Bab"),
        (["Idlib", "Idleb", "إدلب", "ادلب"], "Idlib"),
        (["Deir ez-Zor", "Deir al-Zour", "Dayr az Zawr", "Deir Ezzor", "دير الزور"], "Deir ez-Zor"),
        (["Raqqa", "Ar-Raqqa", "Al-Raqqah", "الرقة"], "Raqqa"),
        (["Hasakah", "Al-Hasakah", "Hasakeh"], "Hasakah"),
        (["Latakia", "Lattakia", "اللاذقية"], "Latakia"),
        (["Tartus", "Tartous", "طرطوس"], "Tartus"),
        (["Daraa", "Dar'a", "Deraa", "درعا"], "Daraa"),
        (["Suwayda", "Sweida"], "Suwayda"),
        (["Palmyra", "Tadmur", "تدمر"], "Palmyra"),
        (["Qamishli", "Qamishlo"], "Qamishli"),
        (["Kobani", "Ayn al-Arab", "عين العرب"], "Kobani"),
        (["Manbij", "Menbij"], "Manbij"),
        (["Azaz", "A'zaz"], "Azaz"),
        (["Douma", "Duma"], "Douma"),
        (["Darayya", "Daraya"], "Darayya"),
        (["Khan Shaykhun", "Khan Sheikhoun"], "Khan Shaykhun"),
        (["Maarat al-Numan", "Ma'arrat an-Nu'man"], "Maarat al-Numan"),
        (["Tabqa", "Al-Thawrah"], "Tabqa"),
        (["Deir Hafer", "Dayr Hafir"], "Deir Hafer"),
        (["Aleppo", "Halab", "حلب"], "Aleppo"),
    ],
)
def test_lookup_variants(gaz, variants, expected_name):
    for v in variants:
        ids = gaz.lookup(v)
        assert ids, v
        assert gaz.name(ids[0]) == expected_name, (v, ids)


def test_lookup_fuzzy_fallback_and_misses(gaz):
    assert gaz.name(gaz.lookup("Deir Ezzour")[0]) == "Deir ez-Zor"  # not an alias: skeleton match
    assert gaz.lookup("Deir Ezzour", fuzzy=False) == []
    assert gaz.lookup("Atlantis") == []
    assert gaz.lookup("") == []


def test_lookup_orders_by_primary_name_then_population():
    df = pd.DataFrame(
        {
            "locality_id": ["a", "b", "c"],
            "name_en": ["Small Town", "Big Town", "Other"],
            "aliases": ["Shared", "Shared", "Small Town"],
            "population": [10, 1000, 5000],
        }
    )
    g = Gazetteer(df)
    assert g.lookup("shared") == ["b", "a"]
    assert g.lookup("Small-Town") == ["a", "c"]  # primary-name match first, then alias by population
    assert g.get("b")["name_en"] == "Big Town"
    assert g.get("zz") is None
    assert len(g) == 3 and "a" in g


# --- shipped file ----------------------------------------------------------------------------

def test_localities_file_shape():
    df = pd.read_csv(DATA_DIR / "localities.csv", dtype=str, keep_default_na=False)
    assert len(df) >= 308
    assert df["locality_id"].is_unique
    assert df["locality_id"].str.match(r"^(gn:\d+|cur:[a-z0-9_-]+)$").all()
    assert (df["locality_id"].str.startswith("gn:")).sum() == 308
    assert df["admin1_pcode"].str.match(r"^SY(0[1-9]|1[0-4])$").all()
    assert (df["source"] != "").all() and (df["geo_precision"] != "").all()
    lat, lon = df["lat"].astype(float), df["lon"].astype(float)
    assert lat.between(32.0, 37.5).all() and lon.between(35.5, 42.5).all()
    gdf = load_localities()
    assert len(gdf) == len(df) and str(gdf.crs) == "EPSG:4326"


def test_localities_file_matches_build_script():
    """Drift test: the shipped file is what the build script makes from the installed package."""
    module = _load_build_script()
    built = module.build(DATA_DIR / "localities_curated.csv")
    shipped = pd.read_csv(DATA_DIR / "localities.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(
        shipped.reset_index(drop=True), built.astype(str).reset_index(drop=True), check_dtype=False
    )


def test_aliases_are_latin_or_arabic_only():
    module = _load_build_script()
    df = pd.read_csv(DATA_DIR / "localities.csv", dtype=str, keep_default_na=False)
    for aliases in df["aliases"]:
        for alias in filter(None, aliases.split("|")):
            assert module._script(alias) in ("latin", "arabic"), alias
    assert not module.keep_alternate("alrqt") and not module.keep_alternate("ALP")
    assert module.keep_alternate("Ar-Raqqa") and module.keep_alternate("الرقة")
    assert not module.keep_alternate("Ракка")
