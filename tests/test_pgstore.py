"""The team store on PostgreSQL/PostGIS (geo.pgstore): the GeoPackage store's interface and round trip,
one transaction per import, concurrent imports, upserts, read-only mode, version counter, restarts.

Runs against a real PostgreSQL with PostGIS: ``$MONITOR_TEST_DATABASE_URL`` when set (a superuser's: each
test creates a database of its own and PostGIS in it), else a throwaway cluster this module starts with
``/usr/lib/postgresql/15/bin/initdb`` + ``pg_ctl`` in a temporary folder (as the ``postgres`` user when
running as root; Debian package ``postgresql-15-postgis-3``), listening on a Unix socket only, with
password authentication. Where neither is possible the tests skip saying why; with ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import string
import threading
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _data_helpers import admin1_gdf, outline_gdf, run_cli, ucdp_row, write_ucdp
from _pg import PASSWORD, admin, secret, throwaway_cluster, unavailable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from geo.frames import KINDS, canonical
from geo.schema import InputError
from geo.store import Store, StoreError, open_store, store_version

FX = {"outline": outline_gdf(), "admin1": admin1_gdf()}
_unavailable = unavailable  # the cluster and its skip rule live in tests/_pg.py (shared with the two-server test)
_admin, _secret = admin, secret


@pytest.fixture(scope="module")
def server():
    """(admin URL, Cluster or None): an external server (``MONITOR_TEST_DATABASE_URL``) or our own."""
    external = os.environ.get("MONITOR_TEST_DATABASE_URL", "").strip()
    if external:
        yield external, None
        return
    with throwaway_cluster("monitor_template") as cluster:
        yield cluster.url(), cluster


@pytest.fixture
def db(server, monkeypatch, tmp_path):
    """The URL of a new, empty database of this test; MONITOR_DATABASE_URL names it."""
    import psycopg.conninfo

    from geo import pgstore

    admin_url, _ = server
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    template = " TEMPLATE monitor_template" if server[1] is not None else ""
    with _admin(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')  # a name made here, not user input
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_STORE", str(tmp_path / "must-not-exist.gpkg"))
    monkeypatch.delenv("MONITOR_READONLY", raising=False)
    yield url
    pgstore.disconnect()
    with _admin(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _import(tmp_path, rows, name="u.csv", store=None, **kw):
    from geo.importers import import_file

    (tmp_path / "no-data").mkdir(exist_ok=True)
    return import_file("ucdp", write_ucdp(tmp_path / name, rows), store, data_dir=tmp_path / "no-data", **FX, **kw)


# --- frames of every kind ----------------------------------------------------------------------


def _frames() -> dict[str, pd.DataFrame]:
    """One canonical frame of every kind: Arabic, quotes, nulls, times of day, an extra column."""
    square = Polygon([(36.0, 33.0), (36.5, 33.0), (36.5, 33.5), (36.0, 33.5)])
    raw = {
        "events": gpd.GeoDataFrame(
            {"event_id": ["t:1", "t:2", "t:3"], "dataset": ["curated"] * 3,
             "date_start": [pd.Timestamp("2017-01-02"), pd.Timestamp("2017-01-03 10:30"), pd.NaT],
             "fatalities": [3, None, 0], "actor1": ["x'); DROP TABLE events;--", "حلب \"quoted\"", ""],
             "notes": ["line\nbreak", "tab\tand ;,", "é"], "reporter": ["extra a", "", "extra c"]},
            geometry=[Point(36.2, 33.5), Point(37.15, 36.2), None], crs="EPSG:4326"),
        "boundaries": gpd.GeoDataFrame(
            {"admin_level": [1], "pcode": ["SY01"], "name_en": ["Damascus"], "name_ar": ["دمشق"]},
            geometry=[square], crs="EPSG:4326"),
        "zones": gpd.GeoDataFrame(
            {"party": ["government"], "valid_from": [pd.Timestamp("2017-01-01")], "valid_to": [pd.NaT]},
            geometry=[square], crs="EPSG:4326"),
        "localities": gpd.GeoDataFrame(
            {"locality_id": ["l1"], "name_en": ["Aleppo"], "population": [1_000_000]},
            geometry=[Point(37.16, 36.2)], crs="EPSG:4326"),
        "control": pd.DataFrame({"locality_id": ["l1", "l2"], "party": ["government", "opposition"],
                                 "valid_from": [pd.Timestamp("2016-12-22"), pd.NaT]}),
        "documents": pd.DataFrame({"doc_id": ["d1"], "title": ["![x](http://h/p.png)"],
                                   "published": [pd.Timestamp("2017-01-05")]}),
        "citations": pd.DataFrame({"doc_id": ["d1"], "locality_id": ["l1"], "start": [4], "end": [10]}),
    }
    assert set(raw) == set(KINDS)
    return {kind: canonical(kind, frame) for kind, frame in raw.items()}


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values, dtypes and columns; geometries equal byte for byte (WKB)."""
    if isinstance(a, gpd.GeoDataFrame):
        assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb())
        assert a.crs == b.crs
        a, b = pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    pd.testing.assert_frame_equal(a, b)


def test_round_trip_of_every_kind_equals_the_geopackage_store(db, tmp_path, monkeypatch):
    frames = _frames()
    pg = open_store()
    assert type(pg).__name__ == "PgStore"
    pg.write(frames)
    monkeypatch.delenv("MONITOR_DATABASE_URL")  # the GeoPackage refuses writes while a database is configured
    gpkg = Store(tmp_path / "reference.gpkg")
    gpkg.write(frames)
    assert pg.layers() == gpkg.layers() == list(KINDS)
    for kind in KINDS:
        _assert_same(pg.read(kind), gpkg.read(kind))
        assert pg.count(kind) == gpkg.count(kind) == len(frames[kind])
    pg.write("control", frames["control"].iloc[0:0])  # an empty frame empties the kind, as in the file
    assert pg.count("control") == 0 and "control" not in pg.layers()
    gpkg.write("control", frames["control"].iloc[0:0])
    _assert_same(pg.read("control"), gpkg.read("control"))


TEXT = st.text(alphabet=string.ascii_letters + string.digits + " ,;\"'\n\\%$`{}<>/é" + "الباب حلب", max_size=20)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(TEXT, TEXT, st.one_of(st.none(), st.integers(-(10**12), 10**12)),
                               st.floats(35.7, 42.0), st.floats(32.3, 37.3)), min_size=1, max_size=5))
def test_any_text_round_trips_as_in_the_geopackage(db, tmp_path, monkeypatch, rows):
    from geo.pgstore import PgStore

    frame = canonical("events", gpd.GeoDataFrame(
        {"event_id": [f"h:{i}" for i in range(len(rows))], "actor1": [r[0] for r in rows],
         "extra_col": [r[1] for r in rows], "fatalities": [r[2] for r in rows]},
        geometry=[Point(r[3], r[4]) for r in rows], crs="EPSG:4326"))
    pg = PgStore(db)
    pg.write("events", frame)
    monkeypatch.delenv("MONITOR_DATABASE_URL")
    gpkg = Store(tmp_path / f"{uuid.uuid4().hex}.gpkg")
    gpkg.write("events", frame)
    _assert_same(pg.read("events"), gpkg.read("events"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", db)


def test_reports_are_saved_and_removed_in_the_database(db):
    """The Sources page's write path (save_document / remove_document) on the team store."""
    from geo.citations import find_mentions, parse_document, remove_document, save_document
    from geo.citations.sources import load_gazetteer

    store = open_store()
    doc = parse_document(b"Strikes on Al-Bab and Idlib.\nDamascus said no.", "a.txt", date="2017-01-20")
    mentions = find_mentions(doc.text, load_gazetteer(store))
    assert save_document(store, [(doc, mentions)]) == (1, 0)
    assert save_document(store, [(doc, mentions)]) == (0, 1)
    assert store.count("documents") == 1 and store.count("citations") == 3
    assert store.read("citations").loc[0, "sentence"] == "Strikes on Al-Bab and Idlib."
    assert remove_document(store, doc.doc_id) and store.count("citations") == 0


def test_sql_injection_in_a_value_is_stored_as_text(db, tmp_path):
    evil = "x'); DROP TABLE events;--"
    _import(tmp_path, [ucdp_row(990001, 33.5, 36.3, side_a=evil)])
    store = open_store()
    assert store.read("events")["actor1"].tolist() == [evil]
    assert store.count("events") == 1  # the table is still there


def test_import_goes_into_the_database_and_no_geopackage_is_written(db, tmp_path):
    report = _import(tmp_path, [ucdp_row(990001, 33.5, 36.3), ucdp_row(990002, 35.0, 38.0)])
    assert (report.added, report.duplicates) == (2, 0)
    assert open_store().read("events")["event_id"].tolist() == ["ucdp:990001", "ucdp:990002"]
    assert not (tmp_path / "must-not-exist.gpkg").exists()
    assert not list(tmp_path.glob("*.gpkg*"))
    with pytest.raises(StoreError) as err:  # a GeoPackage named explicitly is not written either
        Store(tmp_path / "other.gpkg").write("events", open_store().read("events"))
    assert err.value.code == "database_configured"
    with pytest.raises(StoreError) as err:  # an import naming a GeoPackage: refused before any work
        _import(tmp_path, [ucdp_row(990003, 33.5, 36.3)], name="third.csv", store=tmp_path / "sub" / "other.gpkg")
    assert err.value.code == "database_configured"
    assert not list(tmp_path.rglob("*.gpkg*")) and not (tmp_path / "sub").exists()


def test_refused_import_leaves_the_database_unchanged(db, tmp_path):
    _import(tmp_path, [ucdp_row(990001, 33.5, 36.3)])
    store = open_store()
    before, version = store.read("events"), store.version()
    with pytest.raises(InputError):  # a row outside Syria refuses the whole file
        _import(tmp_path, [ucdp_row(990002, 33.5, 36.3), ucdp_row(990003, 10.0, 10.0)], name="bad.csv")
    _assert_same(store.read("events"), before)
    assert store.version() == version


def test_failure_inside_an_import_transaction_rolls_everything_back(db):
    store = open_store()
    frames = _frames()
    store.write("events", frames["events"].iloc[:1])
    version = store.version()
    with pytest.raises(RuntimeError, match="crash"), store.lock():
        store.write({"events": frames["events"], "zones": frames["zones"]})
        assert store.count("events") == 3  # seen inside the transaction
        raise RuntimeError("crash half way")
    assert store.count("events") == 1 and store.count("zones") == 0
    assert store.version() == version


def test_two_imports_at_once_lose_nothing(db, tmp_path):
    barrier = threading.Barrier(2)
    reports, errors = {}, []

    def run(side: str, first_id: int) -> None:
        rows = [ucdp_row(first_id + i, 33.5, 36.3) for i in range(40)]
        path = write_ucdp(tmp_path / f"{side}.csv", rows)
        barrier.wait()
        try:
            from geo.importers import import_file

            reports[side] = import_file("ucdp", path, None, data_dir=tmp_path / "no-data", **FX)
        except Exception as exc:  # reported below: the assertion names it
            errors.append(exc)
        finally:
            from geo import pgstore

            pgstore.disconnect()

    (tmp_path / "no-data").mkdir()
    threads = [threading.Thread(target=run, args=("a", 991000)), threading.Thread(target=run, args=("b", 992000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert reports["a"].added == reports["b"].added == 40
    ids = open_store().read("events")["event_id"]
    assert len(ids) == 80 and ids.is_unique


def test_a_second_writer_waits_for_the_first(db):
    """The import transaction holds the writers' lock: another writer gets ``busy``, not a lost update."""
    store = open_store()
    outcome = []

    def other_writer() -> None:
        from geo import pgstore

        try:
            with open_store().lock(timeout_s=0.2):
                outcome.append("got the lock")
        except StoreError as exc:
            outcome.append(exc.code)
        finally:
            pgstore.disconnect()

    with store.lock():
        store.write("events", _frames()["events"])
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join()
    assert outcome == ["busy"]
    assert store.count("events") == 3


def test_reimport_upserts_without_duplicates(db, tmp_path):
    rows = [ucdp_row(990001, 33.5, 36.3), ucdp_row(990002, 35.0, 38.0)]
    _import(tmp_path, rows)
    again = _import(tmp_path, rows, name="again.csv")
    assert (again.added, again.duplicates) == (0, 2)
    store = open_store()
    assert store.count("events") == 2
    events = store.read("events")
    events.loc[events["event_id"] == "ucdp:990001", "notes"] = "corrected"
    store.write("events", events)  # the same IDs again: updated in place
    stored = store.read("events")
    assert stored["event_id"].tolist() == ["ucdp:990001", "ucdp:990002"]
    assert stored["notes"].tolist()[0] == "corrected"
    with pytest.raises(StoreError) as err:
        store.write("events", pd.concat([events, events.iloc[:1]], ignore_index=True))
    assert err.value.code == "duplicate_ids"
    assert store.count("events") == 2


def test_read_only_mode_refuses_writes_to_the_database(db, tmp_path, monkeypatch):
    store = open_store()
    version = store.version()
    monkeypatch.setenv("MONITOR_READONLY", "1")
    with pytest.raises(StoreError) as err:
        store.write(_frames())
    assert err.value.code == "read_only_mode"
    with pytest.raises(StoreError) as err:
        _import(tmp_path, [ucdp_row(990001, 33.5, 36.3)])
    assert err.value.code == "read_only_mode"
    assert store.count("events") == 0 and store.version() == version


def test_version_counter_changes_on_write_and_names_no_password(db, tmp_path):
    store = open_store()
    first = store_version(None)
    _import(tmp_path, [ucdp_row(990001, 33.5, 36.3)])
    second = store_version(None)
    assert second > first
    store.write("zones", _frames()["zones"])
    assert store_version(None) > second
    from geo.paths import store_location

    key = store_location()
    secret = _secret(db)
    assert secret, "the test database's URL carries a password"
    assert key == store.path and secret not in key and secret not in repr(store)


def test_another_process_import_is_seen_at_the_next_read(db, tmp_path):
    store = open_store()
    version, count = store_version(None), store.count("events")
    (tmp_path / "no-data").mkdir()
    csv = write_ucdp(tmp_path / "u.csv", [ucdp_row(990001, 33.5, 36.3)])
    env = {**os.environ, "MONITOR_DATABASE_URL": db}
    done = run_cli("import", "ucdp", csv, env=env)  # the shipped data holds no event at 33.5,36.3 with this ID
    assert done.returncode == 0, done.stderr
    assert _secret(db) not in done.stdout + done.stderr
    assert store_version(None) > version
    assert store.count("events") == count + 1


def test_a_restart_gives_unavailable_then_reconnects(db, server):
    _, cluster = server
    store = open_store()
    store.write("zones", _frames()["zones"])
    if cluster is None:  # an external server: cut this store's connection instead of restarting it
        with _admin(server[0]) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                         (store._name,))
    else:
        cluster.stop()
        try:
            with pytest.raises(StoreError) as err:
                store.read("zones")
            assert err.value.code == "unavailable"
            assert _secret(db) not in str(err.value) and store.path in str(err.value)
            assert store_version(None) == -1.0
            with pytest.raises(StoreError):
                store.write("zones", _frames()["zones"])
        finally:
            cluster.start()
    for _ in range(2):  # the first call after a cut may find the dead connection: at most one failure
        try:
            assert len(store.read("zones")) == 1
            break
        except StoreError as exc:
            assert exc.code == "unavailable"
    assert len(store.read("zones")) == 1 and store_version(None) >= 1


def test_store_unavailable_on_a_page_is_said_not_crashed(db, server, monkeypatch):
    import psycopg.conninfo
    from streamlit.testing.v1 import AppTest

    from webapp.session import STORE_WORDS

    missing = psycopg.conninfo.make_conninfo(db, dbname="monitor_no_such_database")  # refused by the server
    monkeypatch.setenv("MONITOR_DATABASE_URL", missing)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert STORE_WORDS["unavailable"] in errors
    secret = _secret(db)
    assert secret not in errors and secret not in " ".join(str(m.value) for m in at.markdown)


def test_a_page_shows_another_process_import_at_its_next_run(db, tmp_path, monkeypatch):
    """Two app processes on one database: the cache key is the version, read at every run."""
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.run()  # the Map page: its figures come from the cached loaders
    assert not at.exception
    before = {m.label: m.value for m in at.metric}
    (tmp_path / "no-data").mkdir()
    csv = write_ucdp(tmp_path / "u.csv", [ucdp_row(990001, 33.5, 36.3)])
    done = run_cli("import", "ucdp", csv, env={**os.environ, "MONITOR_DATABASE_URL": db})
    assert done.returncode == 0, done.stderr
    at.run()  # the next rerun of this session
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    assert int(after["Events"].replace(",", "")) == int(before["Events"].replace(",", "")) + 1


def test_schema_is_versioned(db):
    import psycopg

    from geo.migrations import MIGRATIONS

    open_store().count("events")
    with psycopg.connect(db) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM monitor.schema_version ORDER BY version")]
        indexes = {r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'monitor'")}
    assert versions == [number for number, _, _ in MIGRATIONS]
    assert any("USING gist (geom)" in i and "events" in i for i in indexes)
    assert any("(date_start)" in i for i in indexes)


def test_a_user_who_cannot_create_the_schema_gets_a_store_error(server, monkeypatch):
    import psycopg.conninfo

    admin_url, cluster = server
    if cluster is None:
        pytest.skip("needs the throwaway cluster (creates a role)")
    name = f"monitor_plain_{uuid.uuid4().hex[:8]}"
    with _admin(admin_url) as conn:  # names made here, not user input; no PostGIS in this database
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name, user=name)
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    try:
        with pytest.raises(StoreError) as err:
            open_store().count("events")
        assert err.value.code == "schema" and PASSWORD not in str(err.value)
    finally:
        from geo import pgstore

        pgstore.disconnect()
        with _admin(admin_url) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f"DROP ROLE {name}")


def test_no_server_message_is_clear_outside_ci(monkeypatch):
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL/PostGIS server"):
        _unavailable("initdb not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="failing instead of skipping"):
        _unavailable("initdb not found")
