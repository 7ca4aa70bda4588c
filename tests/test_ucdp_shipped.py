"""The shipped UCDP GED events (data/ucdp_events.csv): schema, no press text, citation, precision,
and importing the same UCDP rows again adds nothing.

Fixtures are built here from rows of the shipped file (never from ../shared).
"""

from __future__ import annotations

import pandas as pd
import pytest
from _data_helpers import ucdp_row, write_ucdp

from geo import datasets
from geo.catalog import Catalog
from geo.importers import import_file
from geo.importers.ucdp import DATE_PREC, VIOLENCE, WHERE_PREC
from geo.paths import DATA_DIR
from geo.schema import ADMIN1, DATE_PRECISIONS, EVENT_COLUMNS, GEO_PRECISIONS
from geo.store import Store

FILE = DATA_DIR / "ucdp_events.csv"
UCDP_EXTRA = ["ucdp_where_prec", "ucdp_date_prec", "ucdp_adm_1", "ucdp_adm_2"]
#: Words of press headlines ("Clashes continue in ...", "... killed in explosion ..."); no name,
#: place or outlet in the shipped file uses them.
HEADLINE_WORDS = (
    "killed", "kills", "clashes", "continue", "targets", "bombardment", "shelling", "explosion",
    "wounded", "injured", "attack", "attacks", "advance", "advances", "dead", "died", "raid",
    "airstrikes", "breakout", "bodies",
)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(FILE, dtype=str, keep_default_na=False, encoding="utf-8")


def test_columns_are_the_events_columns_that_apply_then_ucdp_codes(raw):
    curated = pd.read_csv(DATA_DIR / "events.csv", dtype=str, nrows=0).columns.tolist()
    expected = [c for c in curated if c not in ("locality_id", "source_id")] + UCDP_EXTRA
    assert raw.columns.tolist() == expected
    frame = datasets.load_ucdp_events()
    assert frame.columns.tolist()[: len(EVENT_COLUMNS)] == list(EVENT_COLUMNS)
    assert str(frame.crs).upper().endswith("4326") and frame.geometry.notna().all()


def test_rows_ids_and_dataset(raw):
    assert len(raw) == 1973
    assert raw["event_id"].is_unique
    assert raw["event_id"].str.fullmatch(r"ucdp:\d+").all()
    assert (raw["dataset"] == "ucdp").all()
    assert (raw["date_start"] >= "2016-12-01").all() and (raw["date_start"] <= "2017-03-31").all()


def test_no_press_text_ships(raw):
    banned = {"source_article", "source_headline", "source_original"}
    assert not banned & set(raw.columns)
    assert not [c for c in raw.columns if any(w in c for w in ("headline", "article", "original"))]
    for col in raw.columns:
        words = raw[col].str.lower().str.findall(r"[a-z]+")
        hits = raw[col][words.map(lambda ws: bool(set(ws) & set(HEADLINE_WORDS)))]
        assert hits.empty, f"{col} holds headline-like text, e.g. {hits.iloc[0]!r}"
    assert (raw["notes"] == "").all()


def test_every_row_carries_the_citation_and_its_outlets(raw):
    assert raw["source"].str.startswith("UCDP GED 19.1 (Sundberg & Melander 2013; GED Codebook 19.1)").all()
    outlets = raw["source"].str.extract(r"reported by (.*)$")[0]
    assert outlets.notna().all()
    # outlets only: short names, no repeats
    parts = outlets.str.split("; ")
    assert parts.map(lambda ps: len(ps) == len(set(ps)) and all(len(p.split()) <= 6 for p in ps)).all()


def test_precision_follows_ucdp_codes(raw):
    assert raw["geo_precision"].isin(GEO_PRECISIONS).all() and raw["date_precision"].isin(DATE_PRECISIONS).all()
    where = raw["ucdp_where_prec"].astype(int)
    when = raw["ucdp_date_prec"].astype(int)
    assert (raw["geo_precision"] == where.map(WHERE_PREC)).all()
    assert (raw["date_precision"] == when.map(DATE_PREC)).all()
    country = where.isin([6, 7])
    assert country.sum() == 29
    assert (raw.loc[country, "geo_precision"] == "country").all()
    assert (raw.loc[country, "admin1_pcode"] == "").all(), "country-level rows belong to no governorate"
    assert raw.loc[~country, "admin1_pcode"].isin(list(ADMIN1)).all()
    long_dates = when.isin([4, 5])
    assert long_dates.sum() == 27
    assert (raw.loc[long_dates, "date_end"] > raw.loc[long_dates, "date_start"]).all()
    assert (raw.loc[when == 1, "date_end"] == raw.loc[when == 1, "date_start"]).all()


def test_catalog_reads_the_shipped_copy_and_the_data_page_names_it(tmp_path):
    cat = Catalog(tmp_path / "s.gpkg")
    records = cat.event_records()
    assert (records["dataset"] == "ucdp").sum() == 1973
    assert records["event_id"].is_unique
    summary = cat.summary().set_index("dataset")
    row = summary.loc["events (UCDP GED)"]
    assert row["rows"] == 1973 and row["origin"] == "shipped"
    assert "Sundberg & Melander" in row["licence"] and "Codebook" in row["licence"]


def _as_ucdp_layout(rows: pd.DataFrame) -> list[dict]:
    """Shipped rows written back in UCDP's own layout (with press columns, as UCDP has them)."""
    violence = {v: k for k, v in VIOLENCE.items()}
    out = []
    for r in rows.to_dict("records"):
        out.append(
            ucdp_row(
                r["event_id"].removeprefix("ucdp:"),
                r["lat"],
                r["lon"],
                date=r["date_start"],
                date_end=r["date_end"],
                side_a=r["actor1"],
                side_b=r["actor2"],
                type_of_violence=violence[r["event_type"]],
                where_prec=r["ucdp_where_prec"],
                date_prec=r["ucdp_date_prec"],
                where_coordinates=r["place"],
                best=r["fatalities"],
                low=r["fatalities_low"],
                high=r["fatalities_high"],
                deaths_civilians=r["civilian_fatalities"],
            )
        )
    return out


def test_importing_the_same_ucdp_rows_again_adds_nothing(tmp_path, raw):
    cat = Catalog(tmp_path / "probe.gpkg")
    linked = set(cat.incident_links()["ucdp_id"])
    # a linked (folded) row, a country-level row, a month-long row and plain rows
    pick = pd.concat(
        [
            raw[raw["event_id"].isin(linked)].head(2),
            raw[raw["ucdp_where_prec"] == "6"].head(1),
            raw[raw["ucdp_date_prec"] == "4"].head(1),
            raw.head(3),
        ]
    ).drop_duplicates("event_id")
    src = write_ucdp(tmp_path / "ged_again.csv", _as_ucdp_layout(pick))
    store = tmp_path / "s.gpkg"
    report = import_file("ucdp", src, store)
    assert (report.added, report.duplicates) == (0, len(pick))
    assert Store(store).count("events") == 0
    # a new ID in the same layout is added (the check is by ID, not by everything)
    fresh = _as_ucdp_layout(raw.head(1))
    fresh[0]["id"] = "999999001"
    report = import_file("ucdp", write_ucdp(tmp_path / "new.csv", fresh), store)
    assert report.added == 1
    assert "ucdp:999999001" in set(Catalog(store).events()["event_id"])
