"""Hostile files and store paths (security audit 2026-11): refused with a clear reason, store unchanged."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import shutil
import time

import pytest

from geo.encoding import Limits, check_input_file
from geo.importers import import_file
from geo.schema import InputError
from geo.store import Store, StoreError
from tests._data_helpers import run_cli

CSV = "event_id,date_start,lat,lon,actor1,admin1_pcode\nx:1,2017-01-05,36.2,37.1,{actor},{pcode}\n"


def _csv(tmp_path, actor="Rebels", pcode="SY02", name="e.csv"):
    src = tmp_path / name
    src.write_text(CSV.format(actor=actor, pcode=pcode), encoding="utf-8")
    return src


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def _seeded(tmp_path_factory):
    """A store holding one imported event, built once; each test gets a copy (:func:`store`)."""
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "s.gpkg"
    import_file("csv", _csv(folder, name="seed.csv"), path)
    return path


@pytest.fixture
def store(tmp_path, _seeded):
    """A copy of the seeded store of this test's own (copying is faster than importing again)."""
    path = tmp_path / "s.gpkg"
    shutil.copyfile(_seeded, path)
    return path


# --- the store path (finding 5, 6, 11, 12) -----------------------------------------------------
def test_a_symlinked_store_is_refused_and_its_target_kept(tmp_path, store):
    link = tmp_path / "link.gpkg"
    link.symlink_to(store)
    before = _sha(store)
    with pytest.raises(StoreError, match="symbolic link") as err:
        import_file("csv", _csv(tmp_path), link)
    assert err.value.code == "not_regular"
    assert link.is_symlink() and _sha(store) == before


def test_a_pipe_as_store_is_refused(tmp_path):
    fifo = tmp_path / "fifo.gpkg"
    os.mkfifo(fifo)
    with pytest.raises(StoreError) as err:
        import_file("csv", _csv(tmp_path), fifo)
    assert err.value.code == "not_regular"
    assert fifo.is_fifo()


def test_a_read_only_store_is_not_replaced(tmp_path, store):
    store.chmod(0o444)
    before = _sha(store)
    with pytest.raises(StoreError) as err:
        import_file("csv", _csv(tmp_path, actor="Other"), store)
    assert err.value.code == "read_only"
    assert _sha(store) == before and oct(store.stat().st_mode & 0o777) == "0o444"


def test_a_table_gdal_does_not_list_is_never_dropped(tmp_path, store):
    import sqlite3

    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE field_notes (t TEXT)")
        db.execute("INSERT INTO field_notes VALUES ('interview transcript')")
    before = _sha(store)
    with pytest.raises(StoreError, match="field_notes") as err:
        import_file("csv", _csv(tmp_path, actor="Other"), store)
    assert err.value.code == "foreign_layers" and _sha(store) == before


def test_a_held_lock_gives_busy_instead_of_waiting_forever(tmp_path, store):
    with open(store.with_name(store.name + ".lock"), "a+") as other:  # another writer
        fcntl.flock(other, fcntl.LOCK_EX)
        began = time.monotonic()
        with pytest.raises(StoreError) as err, Store(store).lock(timeout_s=0.3):
            pass
        assert err.value.code == "busy" and time.monotonic() - began < 10


def test_leftovers_of_a_killed_write_are_removed_at_the_next_write(tmp_path, store):
    leftover = tmp_path / f".{store.name}.0123456789ab.tmp.gpkg"
    leftover.write_bytes(b"partial copy")
    (tmp_path / f"{leftover.name}-journal").write_bytes(b"j")
    import_file("csv", _csv(tmp_path, actor="Other", name="next.csv"), store)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# --- input files (findings 1, 8, 10, 13, 15) ------------------------------------------------------
@pytest.mark.parametrize("make", ["fifo", "device", "link_to_device"])
def test_only_regular_files_are_read(tmp_path, make):
    path = tmp_path / "in.csv"
    if make == "fifo":
        os.mkfifo(path)  # no writer: reading it would block forever
    elif make == "device":
        path = "/dev/zero"  # reading it would never end
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        import_file("csv", path, tmp_path / "s.gpkg")
    assert not (tmp_path / "s.gpkg").exists()


def test_cli_refuses_a_pipe_with_exit_2(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    r = run_cli("import", "csv", fifo, "--store", tmp_path / "s.gpkg")
    assert r.returncode == 2 and "not a regular file" in r.stderr
    r = run_cli("cite", fifo, "--dry-run", "--store", tmp_path / "s.gpkg")
    assert r.returncode == 2 and "not a regular file" in r.stderr


def test_a_gzip_bomb_is_refused_before_it_is_read(tmp_path, store):
    bomb = tmp_path / "bomb.csv.gz"
    header = CSV.format(actor="x", pcode="SY02").encode()
    bomb.write_bytes(gzip.compress(header + b"0" * (200 * 1024 * 1024), compresslevel=9))  # 200 MB in ~200 KB
    before = _sha(store)
    with pytest.raises(InputError, match="expands to more than") as err:
        import_file("csv", bomb, store)
    assert err.value.problems[0].code == "too_large"
    assert _sha(store) == before


def test_a_file_over_the_size_limit_is_refused_by_its_size(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    with pytest.raises(InputError, match="over the limit of 1 MB"):
        check_input_file(big, Limits(file_mb=1))


def test_deeply_nested_geojson_is_a_refusal_not_a_crash(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": [' + "[" * 100_000 + "]" * 100_000 + "]}")
    props = tmp_path / "props.geojson"
    nested = "1"
    for _ in range(2000):
        nested = '{"a": ' + nested + "}"
    props.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                     + nested + ', "geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}]}')
    for path in (deep, props):
        r = run_cli("import", "geojson", path, "--store", tmp_path / "s.gpkg")
        assert r.returncode == 2, r.stderr
        assert "nested more than" in r.stderr and "Traceback" not in r.stderr
    ok = tmp_path / "ok.geojson"
    ok.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "event_id": "g:1", "date_start": "2017-01-05", "note": {"a": {"b": [1, [2]]}}},
        "geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}]}))
    assert run_cli("import", "geojson", ok, "--store", tmp_path / "s.gpkg").returncode == 0


def test_a_governorate_code_must_look_like_one(tmp_path):
    with pytest.raises(InputError, match="not a governorate P-code") as err:
        import_file("csv", _csv(tmp_path, pcode="=cmd|' /C calc'!A0"), tmp_path / "s.gpkg")
    assert err.value.problems[0].row == 1 and err.value.problems[0].column == "admin1_pcode"  # first data row
    assert not (tmp_path / "s.gpkg").exists()


def test_bidi_overrides_are_removed_from_imported_text(tmp_path):
    path = tmp_path / "s.gpkg"
    import_file("csv", _csv(tmp_path, actor="\u202egnp.exe\u202c RTL \u200fمقاتلون"), path)
    actor = Store(path).read("events")["actor1"].iloc[0]
    assert actor == "gnp.exe RTL \u200fمقاتلون"


# --- bounded problem lists, wide and single-line CSVs (finding 7) ---------------------------------
def test_a_million_problems_print_a_hundred_lines(tmp_path):
    from geo.schema import Problem, summarise
    from webapp.problems import advise

    problems = [Problem(i, "c", f"{i} fields where the header has 3") for i in range(1, 250_001)]
    shown, rest = summarise(problems)
    assert len(shown) == 100 and rest == [("… fields where the header has …", 249_900)]
    rows = advise(problems).rows
    assert len(rows) == 101 and "249,900 more of the same kind" in rows[-1]["reason"]
    assert len(str(InputError(problems)).splitlines()) == 101


def test_wide_and_single_line_csvs_are_refused_at_the_header(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1000)) + "\n" + ",".join("1" * 1000) + "\n")
    line = tmp_path / "line.csv"
    line.write_text("c," * 2_000_000)
    for path, words in ((wide, "1,000 columns"), (line, "characters long")):
        r = run_cli("import", "csv", path, "--map", "id=c0,date=c1,lat=c2,lon=c3", "--store", tmp_path / "s.gpkg")
        assert r.returncode == 2 and words in r.stderr, r.stderr
        assert len(r.stderr.splitlines()) < 5
