"""The data-quality check (``geo.check``, ``python cli.py check``, the Data page section).

The geo tests use a small data folder of their own (the shipped actor table and boundaries, four
fixture localities, a fixture control table and one curated event) and a UCDP file crafted so that
each check finds exactly one thing; a clean file finds nothing.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _data_helpers import ROOT, run_cli, ucdp_row, write_ucdp

from geo.catalog import Catalog
from geo.check import CODES, Limits, run_checks
from geo.importers import import_file

DATA = ROOT / "data"
SHIPPED_KEPT = ("actors.csv", "admin0.geojson", "admin1.geojson", "admin2.geojson", "admin3.geojson")
LOCALITY_HEADER = (
    "locality_id,name_en,name_ascii,name_ar,aliases,admin1_pcode,population,source,geo_precision,lat,lon"
)
# (id, name, lat, lon, party or "" for no record); Opptown and Govtown ~89 km apart, Quiet ~44 km from both
LOCALITIES = [
    ("cur:opptown", "Opptown", 35.93, 36.63, "opposition"),
    ("cur:govtown", "Govtown", 35.13, 36.75, "government"),
    ("cur:isville", "Isville", 34.55, 38.28, "islamic_state"),
    ("cur:quiet", "Quiet", 35.53, 36.69, ""),
]
EVENT_HEADER = (
    "event_id,dataset,date_start,date_end,date_precision,lat,lon,geo_precision,place,locality_id,admin1_pcode,"
    "actor1,actor2,event_type,fatalities,fatalities_low,fatalities_high,civilian_fatalities,source,source_date,"
    "notes,flags,import_batch,source_id"
)
CURATED = (
    "curated:901,curated,2017-01-10,2017-01-10,day,35.13,36.75,near,Govtown,cur:govtown,SY05,"
    "Government of Syria,Syrian insurgents,battle,,,,,test fixture,2017-01-10,fixture event,,fixture,fixture:1"
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Shipped actor table and boundaries; fixture gazetteer, control table and one curated event."""
    d = tmp_path_factory.mktemp("check-data")
    for name in SHIPPED_KEPT:
        if (DATA / name).is_file():
            shutil.copy(DATA / name, d / name)
    rows = [f"{i},{n},{n},{n},,SY05,0,test fixture,exact,{lat},{lon}" for i, n, lat, lon, _ in LOCALITIES]
    (d / "localities.csv").write_text("\n".join([LOCALITY_HEADER, *rows]) + "\n", encoding="utf-8")
    control = [f"{i},{p},2016-12-01,,fixture:1,high,fixture" for i, _, _, _, p in LOCALITIES if p]
    header = "locality_id,party,valid_from,valid_to,source_id,confidence,note"
    (d / "control.csv").write_text("\n".join([header, *control]) + "\n", encoding="utf-8")
    (d / "events.csv").write_text(f"{EVENT_HEADER}\n{CURATED}\n", encoding="utf-8")
    return d


def _crafted_rows() -> list[dict]:
    rows = [
        # IS 20 km inside the opposition's zone, ~200 km from the nearest IS-held locality
        ucdp_row(
            9001, 35.93, 36.85, date="2017-01-05", side_a="IS", side_b="Civilians", type_of_violence="3"
        ),
        # the same, located only to the country: never checked against a zone
        ucdp_row(
            9002,
            35.93,
            36.85,
            date="2017-01-06",
            side_a="IS",
            side_b="Civilians",
            type_of_violence="3",
            where_prec="6",
        ),
        # a name no actor-table row knows, in a government town (no zone conflict: the government holds it)
        ucdp_row(
            9003, 35.13, 36.75, date="2017-01-20", side_a="Government of Syria", side_b="Zorgon Brigade"
        ),
        # the curated incident of 10 Jan, recorded by UCDP the same day 0.7 km away
        ucdp_row(9004, 35.135, 36.755, date="2017-01-10"),
    ]
    # five events at Quiet, a gazetteer locality without a control record
    for k in range(5):
        lat, lon = 35.53 + 0.004 * k, 36.69 + 0.003 * k
        rows.append(ucdp_row(9010 + k, lat, lon, date=f"2017-02-0{k + 1}"))
    return rows  # fmt: skip


def _store(tmp_path, data_dir, rows) -> Path:
    store = tmp_path / "store.gpkg"
    import_file("ucdp", write_ucdp(tmp_path / "ucdp.csv", rows), store, data_dir=data_dir)
    return store


def test_each_check_finds_the_crafted_record_once(tmp_path, data_dir):
    store = _store(tmp_path, data_dir, _crafted_rows())
    found = run_checks(Catalog(store, data_dir=data_dir))
    assert list(found) == list(CODES)
    assert {c: len(f) for c, f in found.items()} == dict.fromkeys(CODES, 1), {
        c: f.to_dict("records") for c, f in found.items()
    }

    zone = found["actor_zone_conflict"].iloc[0]
    assert zone["event_id"] == "ucdp:9001" and zone["date"] == "2017-01-05"
    assert zone["held_by"] == "opposition" and zone["holder_locality_id"] == "cur:opptown"
    assert 19 < zone["holder_km"] < 21
    assert zone["parties"] == "islamic_state" and zone["nearest_locality_id"] == "cur:isville"
    assert zone["nearest_km"] > 150 and zone["zone_km"] == 10.0

    place = found["locality_without_record"].iloc[0]
    assert place["locality_id"] == "cur:quiet" and place["events"] == 5
    assert (place["first_date"], place["last_date"]) == ("2017-02-01", "2017-02-05")
    assert place["event_ids"].split("|") == [f"ucdp:{9010 + k}" for k in range(5)]
    assert 40 < place["nearest_recorded_km"] < 50

    actor = found["unknown_actor"].iloc[0]
    assert (actor["actor"], actor["events"], actor["first_date"], actor["last_date"]) == (
        "Zorgon Brigade",
        1,
        "2017-01-20",
        "2017-01-20",
    )
    assert actor["datasets"] == "ucdp" and actor["event_ids"] == "ucdp:9003"

    dup = found["duplicate_incident"].iloc[0]
    assert (dup["event_id"], dup["other_id"], dup["days_apart"]) == ("curated:901", "ucdp:9004", 0)
    assert 0.5 < dup["km"] < 1.0 and dup["other_dataset"] == "ucdp"


def test_clean_data_finds_nothing(tmp_path, data_dir):
    rows = [
        ucdp_row(9101, 35.14, 36.76, date="2017-03-01"),  # government vs rebels in a government town
        ucdp_row(
            9102, 35.92, 36.64, date="2017-03-02", side_a="IS", side_b="Syrian insurgents"
        ),  # umbrella side
        ucdp_row(9103, 34.56, 38.29, date="2017-03-03", side_b="IS"),  # at Isville, held by IS
    ]
    found = run_checks(Catalog(_store(tmp_path, data_dir, rows), data_dir=data_dir))
    assert {c: len(f) for c, f in found.items()} == dict.fromkeys(CODES, 0), {
        c: f.to_dict("records") for c, f in found.items()
    }


def test_limits_move_the_findings(tmp_path, data_dir):
    catalog = Catalog(_store(tmp_path, data_dir, _crafted_rows()), data_dir=data_dir)
    wide = run_checks(
        catalog,
        Limits(zone_km=300.0, cluster_min=6),
        codes=("actor_zone_conflict", "locality_without_record"),
    )
    assert list(wide) == ["actor_zone_conflict", "locality_without_record"]
    assert len(wide["actor_zone_conflict"]) == 0 and len(wide["locality_without_record"]) == 0
    with pytest.raises(ValueError, match="unknown check code"):
        run_checks(catalog, codes=("no_such_check",))


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_cli_prints_one_csv_line_per_finding_and_exits_0(tmp_path):
    """On the shipped data plus a store holding one event with an unknown actor."""
    store = tmp_path / "store.gpkg"
    rows = [
        ucdp_row(9201, 35.13, 36.75, date="2017-01-20", side_a="Government of Syria", side_b="Zorgon Brigade")
    ]
    assert run_cli("import", "ucdp", write_ucdp(tmp_path / "u.csv", rows), "--store", store).returncode == 0
    r = run_cli("check", "--store", store)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "code,subject,date,evidence"
    table = _csv(r.stdout)
    assert set(table["code"]) <= set(CODES)
    zorgon = table.loc[(table["code"] == "unknown_actor") & (table["subject"] == "Zorgon Brigade")]
    assert len(zorgon) == 1
    assert zorgon.iloc[0]["date"] == "2017-01-20"
    assert "events=1" in zorgon.iloc[0]["evidence"] and "event_ids=ucdp:9201" in zorgon.iloc[0]["evidence"]
    summary = [ln for ln in r.stderr.splitlines() if ln.startswith("summary: ")]
    assert [ln.split("=")[0] for ln in summary] == [f"summary: {c}" for c in CODES]
    assert all(int(ln.split("=")[1]) == (table["code"] == ln[9:].split("=")[0]).sum() for ln in summary)
    assert "zone_km=10" in r.stderr


def test_cli_runs_one_check_and_refuses_bad_limits(tmp_path):
    store = tmp_path / "store.gpkg"
    r = run_cli("check", "--store", store, "--code", "unknown_actor")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["code", "subject", "date", "evidence"]
    assert {row[0] for row in rows[1:]} <= {"unknown_actor"}
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("summary: ")] == [
        f"summary: unknown_actor={len(rows) - 1}"
    ]
    assert not store.exists()  # a check writes nothing
    for bad in (("--zone-km", "-1"), ("--cluster-min", "0"), ("--code", "nope")):
        r = run_cli("check", "--store", store, *bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.usefixtures("steady_navigation")  # the button click must not be lost to a guard rerun
def test_data_page_runs_the_check(shipped_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["page"] = "data"
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert any(h.value == "Data quality check" for h in app.subheader)
    tables_before = len(app.dataframe)
    next(b for b in app.button if b.label == "Run the check").click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    expected = run_checks(Catalog(shipped_store))
    counts = [m.value for m in app.markdown if m.value.startswith("**") and ": " in m.value]
    assert [int(c.rstrip("*").rsplit(": ", 1)[1]) for c in counts] == [len(f) for f in expected.values()]
    assert len(app.dataframe) - tables_before == sum(1 for f in expected.values() if len(f))


def test_a_holder_that_cannot_be_computed_is_an_error_not_an_empty_finding(tmp_path, data_dir):
    class BrokenControl(Catalog):
        def party_at(self, events, dates=None):
            raise OSError("control layer unreadable")

    catalog = BrokenControl(_store(tmp_path, data_dir, _crafted_rows()), data_dir=data_dir)
    with pytest.raises(OSError, match="control layer unreadable"):
        run_checks(catalog, codes=("actor_zone_conflict",))
