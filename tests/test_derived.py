"""The derived event table (geo.derived) and the batched classifier it rests on (geo.classify)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from _data_helpers import run_cli, ucdp_row, write_ucdp

from geo.classify import classify, load_actors
from geo.derived import (
    CATEGORICAL,
    HOW_KEY,
    LAYOUT_KEY,
    STAMP_KEY,
    Appended,
    classified_events,
    compute,
    input_stamp,
    refresh,
    sidecar_path,
    store_version,
)
from geo.importers import import_file
from geo.paths import DATA_DIR
from geo.store import open_store

#: ``stats --by class`` on the shipped data, frozen before the classifier was batched (issue 12).
SHIPPED_BY_CLASS = """class,events,fatalities
truce_violation,687,2847
excluded_group,348,4079
other_fighting,433,2227
one_sided,58,468
before_truce,405,2082
"""


def test_stats_by_class_on_the_shipped_data_is_unchanged(tmp_path):
    r = run_cli("stats", "--by", "class", "--store", tmp_path / "none.gpkg")
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace("\r\n", "\n") == SHIPPED_BY_CLASS


def _sample(n: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC events mixing the actor table's names, mixed and unknown sides, dates and holders."""
    rng = np.random.default_rng(seed)
    names = [p for p in load_actors()["pattern"] if "*" not in p][:40]
    sides = [*names, "", "Nobody Known", f"{names[0]}, {names[1]}", f"{names[2]}; Syrian insurgents"]
    days = [*pd.date_range("2016-12-20", "2017-02-05", freq="3D"), pd.NaT]
    kinds = ["state-based", "non-state", "one-sided", "protests", "", "3"]
    holders = ["", "government", "opposition", "hts", "islamic_state", "sdf", "contested"]
    pick = lambda values: [values[i] for i in rng.integers(0, len(values), n)]  # noqa: E731
    events = pd.DataFrame({"actor1": pick(sides), "actor2": pick(sides), "date_start": pick(days),
                           "event_type": pick(kinds)})
    return events.set_index(pd.Index(rng.permutation(n) * 3)), pd.Series(pick(holders))


def test_batched_classes_equal_one_event_at_a_time():
    events, holders = _sample(60, seed=12)
    holders.index = events.index
    actors = load_actors()
    batched = classify(events, actors, held_by=holders)
    one_by_one = pd.concat([classify(events.iloc[[i]], actors, held_by=holders) for i in range(len(events))])
    pd.testing.assert_frame_equal(batched, one_by_one)
    assert batched["class_reason"].str.contains("an unknown date").any()  # NaT dates are in the sample
    assert set(batched["truce_class"]) >= {"before_truce", "truce_violation", "excluded_group", "one_sided"}


def _as_loaded(computed: pd.DataFrame) -> pd.DataFrame:
    """The computed table as ``classified_events`` holds it: its few-valued text columns as categoricals."""
    return computed.astype({c: "category" for c in CATEGORICAL})


def test_the_loaded_table_holds_its_few_valued_texts_as_categoricals_with_the_same_values(store):
    loaded, computed = classified_events(store), compute(store)
    for col in CATEGORICAL:
        assert isinstance(loaded[col].dtype, pd.CategoricalDtype)
        assert list(loaded[col].cat.categories) == sorted(set(computed[col]))  # the same order from both paths
        assert loaded[col].astype(str).tolist() == computed[col].tolist()
    assert [str(t) for t in loaded.drop(columns=list(CATEGORICAL)).dtypes] == [
        str(t) for t in computed.drop(columns=list(CATEGORICAL)).dtypes]
    sidecar_path(open_store(store)).unlink()  # computed in this call: the same table as read back
    pd.testing.assert_frame_equal(classified_events(store), loaded, check_exact=True)


@pytest.fixture
def store(tmp_path):
    rows = [
        ucdp_row(1, 36.2, 37.1, date="2017-01-01", best=4),
        ucdp_row(2, 33.5, 36.3, date="2017-01-03", best=0, side_b="Jabhat Fateh al-Sham"),
        ucdp_row(3, 35.1, 36.7, date="2016-12-20", best=2, side_b="Nobody Known"),
    ]
    path = tmp_path / "store.gpkg"
    import_file("ucdp", write_ucdp(tmp_path / "u.csv", rows), path)
    return path


def test_import_writes_the_derived_table_and_it_is_what_the_catalog_gives(store):
    sidecar = sidecar_path(open_store(store))
    assert sidecar.is_file()  # paid at import
    fresh = compute(store)
    assert {"ucdp:1", "ucdp:2", "ucdp:3"} <= set(fresh["event_id"])
    read = classified_events(store)
    pd.testing.assert_frame_equal(read, _as_loaded(fresh), check_exact=True)
    assert read.crs == fresh.crs


def test_refresh_with_unchanged_inputs_keeps_the_sidecar(store):
    sidecar = sidecar_path(open_store(store))
    written = sidecar.stat().st_mtime_ns
    assert refresh(store) == sidecar
    assert sidecar.stat().st_mtime_ns == written  # matched by its stamp: not computed again


def test_a_sidecar_of_other_inputs_is_never_used(store, tmp_path):
    before = classified_events(store)
    import_file("ucdp", write_ucdp(tmp_path / "v.csv", [ucdp_row(9, 36.0, 37.0, date="2017-02-01")]), store)
    assert "ucdp:9" in set(classified_events(store)["event_id"]) - set(before["event_id"])
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    stamp = input_stamp(open_store(store), data)
    assert stamp == input_stamp(open_store(store), DATA_DIR)  # same content, same stamp
    with open(data / "actors.csv", "a", encoding="utf-8") as fh:
        fh.write("Nobody Known,hts,armed_group,,,test row\n")
    assert input_stamp(open_store(store), data) != stamp
    changed = classified_events(store, data_dir=data)
    party2 = lambda frame: frame.set_index("event_id").at["ucdp:3", "party2"]  # noqa: E731
    assert (party2(before), party2(changed)) == ("unknown", "hts")
    pd.testing.assert_frame_equal(changed, _as_loaded(compute(store, data_dir=data)), check_exact=True)


def test_a_damaged_sidecar_is_computed_again_and_replaced(store):
    import pyarrow.parquet as pq

    sidecar = sidecar_path(open_store(store))
    good = classified_events(store)
    sidecar.write_bytes(b"PAR1 not a parquet file")
    again = classified_events(store)
    pd.testing.assert_frame_equal(again, good, check_exact=True)
    meta = pq.read_schema(sidecar).metadata
    assert meta[STAMP_KEY].decode() == input_stamp(open_store(store)) and LAYOUT_KEY in meta


def test_read_only_mode_computes_in_memory_and_writes_nothing(store, monkeypatch):
    sidecar = sidecar_path(open_store(store))
    sidecar.unlink()
    monkeypatch.setenv("MONITOR_READONLY", "1")
    table = classified_events(store)
    assert not sidecar.exists() and len(table) > 3
    assert not [p for p in os.listdir(store.parent) if "derived" in p]


def test_stats_read_the_derived_table_and_count_as_before(store):
    r = run_cli("stats", "--by", "zone", "--store", store)
    assert r.returncode == 0, r.stderr
    derived = classified_events(store)
    counts = pd.read_csv(pd.io.common.StringIO(r.stdout), dtype=str, keep_default_na=False)
    assert counts["events"].astype(int).sum() == len(derived)


def test_a_store_path_that_cannot_exist_gives_the_shipped_data(tmp_path):
    """The app reads "the shipped data alone" through a path inside a file (webapp.session.NO_STORE)."""
    from geo.derived import classified_events

    inside_a_file = tmp_path / "a-file"
    inside_a_file.write_text("x")
    events = classified_events(inside_a_file / "store.gpkg")
    assert len(events) > 1000 and set(events["dataset"]) <= {"curated", "ucdp"}


# --- an import appends its derived rows (geo.derived, "Appending") ---------------------------------

#: A precise shipped curated event without a toll (data/events.csv): a UCDP row there records it.
CURATED_AT = {"lat": 33.6153, "lon": 36.1829, "date": "2017-01-28"}


def _how(store) -> str:
    import pyarrow.parquet as pq

    return pq.read_schema(sidecar_path(open_store(store))).metadata[HOW_KEY].decode()


def _same_as_computed(store) -> None:
    """The table the app reads equals the whole table computed again from the store."""
    pd.testing.assert_frame_equal(classified_events(store), _as_loaded(compute(store)), check_exact=True)


def test_an_import_appends_its_derived_rows_and_they_equal_the_whole_table_computed(tmp_path):
    store = tmp_path / "store.gpkg"
    first = [ucdp_row(101, 36.2, 37.1, date="2017-01-01"), ucdp_row(102, CURATED_AT["lat"], CURATED_AT["lon"],
             date=CURATED_AT["date"], best=5), ucdp_row(103, 35.0, 38.0, date="2016-12-20", side_b="Nobody Known")]
    import_file("ucdp", write_ucdp(tmp_path / "a.csv", first), store)
    linked = classified_events(store).set_index("event_id")
    assert "ucdp:102" in linked.at["curated:014", "corroborated_by"]  # folded into the curated incident
    second = [ucdp_row(104, 36.21, 37.11, date="2017-01-01"), ucdp_row(105, 34.7, 36.7, date="2017-03-02"),
              ucdp_row(235528, 35.65, 36.2, date="2016-12-01")]  # the last one's ID is shipped: skipped
    report = import_file("ucdp", write_ucdp(tmp_path / "b.csv", second), store)
    assert (report.added, report.duplicates) == (2, 1)
    assert _how(store) == "appended 2 rows"  # only the new rows were derived
    _same_as_computed(store)


def test_a_new_ucdp_event_of_an_incident_already_linked_recomputes_the_whole_table(tmp_path):
    store = tmp_path / "store.gpkg"
    at = (CURATED_AT["lat"], CURATED_AT["lon"])
    import_file("ucdp", write_ucdp(tmp_path / "a.csv", [ucdp_row(102, *at, date=CURATED_AT["date"], best=5)]), store)
    second = [ucdp_row(106, at[0] + 0.01, at[1], date=CURATED_AT["date"], best=3), ucdp_row(107, 36.0, 37.0)]
    import_file("ucdp", write_ucdp(tmp_path / "b.csv", second), store)
    assert _how(store).startswith("full: appended UCDP events record curated incidents")
    incident = classified_events(store).set_index("event_id").loc["curated:014"]
    assert {"ucdp:102", "ucdp:106"} <= set(incident["corroborated_by"].split("|"))  # the one incident
    _same_as_computed(store)


def _append_rows(store, rows: pd.DataFrame) -> Appended:
    """Append ``rows`` to the store as an import does, and say so (what geo.importers passes to refresh)."""
    before = store_version(open_store(store))
    open_store(store).append("events", rows)
    return Appended("events", before, store_version(open_store(store)), len(rows))


def test_appended_ids_already_known_or_twice_keep_their_first_copy(tmp_path):
    store = tmp_path / "store.gpkg"
    import_file("ucdp", write_ucdp(tmp_path / "a.csv", [ucdp_row(101, 36.2, 37.1), ucdp_row(103, 35.0, 38.0)]), store)
    rows = open_store(store).read("events").iloc[[0, 0, 1, 1, 0]].reset_index(drop=True)
    rows["event_id"] = ["ucdp:235528", "ucdp:101", "ucdp:900", "ucdp:900", "ucdp:901"]  # shipped, stored, twice
    rows["place"] = ["shipped copy?", "stored copy?", "first copy", "second copy", "new"]
    refresh(store, appended=_append_rows(store, rows))
    assert _how(store) == "appended 2 rows"
    table = classified_events(store)
    assert table.loc[table["event_id"] == "ucdp:900", "place"].tolist() == ["first copy"]
    assert not table["place"].isin(["shipped copy?", "stored copy?", "second copy"]).any()
    _same_as_computed(store)


def test_a_previous_table_that_may_differ_is_never_extended(tmp_path):
    store = tmp_path / "store.gpkg"
    import_file("ucdp", write_ucdp(tmp_path / "a.csv", [ucdp_row(101, 36.2, 37.1)]), store)
    rows = open_store(store).read("events").assign(event_id="ucdp:902")
    appended = _append_rows(store, rows)
    stale = Appended("events", "gpkg:another-version", appended.after, appended.rows)  # written meanwhile
    refresh(store, appended=stale)
    assert _how(store).startswith("full: the previous table is not that of the store before the append")
    _same_as_computed(store)
    curated = open_store(store).read("events").iloc[[0]].assign(event_id="curated:900", dataset="curated")
    refresh(store, appended=_append_rows(store, curated))
    assert _how(store).startswith("full: curated events appended")
    _same_as_computed(store)
