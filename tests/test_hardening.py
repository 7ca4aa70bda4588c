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


def test_cli_says_it_waits_for_another_writer_then_imports(tmp_path, store):
    import subprocess
    import sys

    from tests._data_helpers import ROOT

    err_path = tmp_path / "stderr.txt"
    with open(store.with_name(store.name + ".lock"), "a+") as other:  # another writer holds the store
        fcntl.flock(other, fcntl.LOCK_EX)
        with err_path.open("w") as err:
            proc = subprocess.Popen([sys.executable, "cli.py", "import", "csv", str(_csv(tmp_path, actor="Army")),
                                     "--store", str(store)], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        deadline = time.monotonic() + 60
        while "waiting for another import" not in err_path.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, "the import never said it was waiting"
            time.sleep(0.05)  # polling a file another process writes
        assert proc.poll() is None  # still waiting, and it said so
        fcntl.flock(other, fcntl.LOCK_UN)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, err_path.read_text()
    assert "import: waiting for another import into the store to end (at most 60 s)" in err_path.read_text()
    assert "duplicates skipped 1" in out  # the same event id as the seeded one: it got to the store


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
    geojson = tmp_path / "e.geojson"  # the vector imports share the check
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [37.1, 36.2]},
        "properties": {"event_id": "x:1", "date_start": "2017-01-05", "actor1": "Rebels",
                       "admin1_pcode": "SY02\x1b[31m"}}]}), encoding="utf-8")
    with pytest.raises(InputError, match="not a governorate P-code") as err:
        import_file("geojson", geojson, tmp_path / "s.gpkg")
    assert err.value.problems[0].row == 1 and err.value.problems[0].column == "admin1_pcode"
    assert not (tmp_path / "s.gpkg").exists()


def test_bidi_overrides_are_removed_from_imported_text(tmp_path):
    path = tmp_path / "s.gpkg"
    import_file("csv", _csv(tmp_path, actor="\u202egnp.exe\u202c RTL \u200fمقاتلون"), path)
    actor = Store(path).read("events")["actor1"].iloc[0]
    assert actor == "gnp.exe RTL \u200fمقاتلون"


def test_bidi_overrides_are_removed_from_report_titles_and_outlets():
    from geo.documents import parse_document

    page = ('<html><head><title>\u202egnp.exe\u202c Report \u2067x\u2069</title>'
            '<meta property="og:site_name" content="\u202eNews"></head><body><p>Aleppo was shelled.</p></body></html>')
    doc = parse_document(page.encode(), filename="r.html")
    assert doc.title == "gnp.exe Report x" and doc.outlet == "News"
    assert parse_document(b"Aleppo was shelled.", filename="r.txt", title="\u202eabc\u200f").title == "abc\u200f"


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


# --- rows and archives (finding 9: limits before reading) --------------------------------------
def _zip(path, members: dict[str, bytes], links=()) -> None:
    import stat
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")


def test_a_zip_is_judged_by_its_directory_before_any_member_is_unpacked(tmp_path):
    from geo.encoding import check_archive

    many = tmp_path / "many.zip"
    _zip(many, {f"m{i}.txt": b"x" for i in range(12)})
    with pytest.raises(InputError, match="holds 12 members") as err:
        check_archive(many, Limits(zip_members=10))
    assert err.value.problems[0].code == "too_large"
    check_archive(many, Limits(zip_members=12))  # at the limit: passes

    bomb = tmp_path / "bomb.zip"
    _zip(bomb, {"points.shp": b"\0" * (20 * 1024 * 1024)})  # 20 MB of zeros in about 20 KB
    with pytest.raises(InputError, match="expands .* times"):
        check_archive(bomb, Limits(ratio=100))

    big = tmp_path / "big.zip"
    _zip(big, {"a.dbf": os.urandom(2 * 1024 * 1024)})  # incompressible: no bomb, but 2 MB unpacked
    with pytest.raises(InputError, match="unpacks to 2 MB"):
        check_archive(big, Limits(unpacked_mb=1))
    check_archive(big, Limits(unpacked_mb=3))

    unsafe = tmp_path / "unsafe.zip"
    _zip(unsafe, {"../up.shp": b"x", "/abs.dbf": b"x", "ok/../../c.shx": b"x"}, links=["link.prj"])
    with pytest.raises(InputError) as err:
        check_archive(unsafe, Limits())
    reasons = [p.reason for p in err.value.problems]
    assert len(reasons) == 4 and all(p.code == "unsafe_archive" for p in err.value.problems), reasons
    assert sum("outside its own folder" in r for r in reasons) == 3 and any("a link" in r for r in reasons)

    check_archive(_csv(tmp_path), Limits(zip_members=0))  # not a zip: nothing to judge


def test_a_csv_over_the_row_limit_is_refused_while_its_rows_are_checked(tmp_path):
    from geo.encoding import read_csv

    path = tmp_path / "rows.csv"
    path.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(11)), encoding="utf-8")
    with pytest.raises(InputError, match="more than 10 rows") as err:
        read_csv(path, limits=Limits(rows=10))
    assert err.value.problems[0].code == "too_large" and len(err.value.problems) == 1
    assert len(read_csv(path, limits=Limits(rows=11))[0]) == 11


@pytest.mark.parametrize("fmt", ["zip", "geojson"])
def test_cli_refuses_more_features_than_the_limit_and_keeps_the_store(tmp_path, store, fmt):
    import geopandas as gpd
    from shapely.geometry import Point

    points = gpd.GeoDataFrame({"event_id": [f"x:{i}" for i in range(6)], "date_start": ["2017-01-05"] * 6,
                               "actor1": ["Rebels"] * 6},
                              geometry=[Point(37.1 + i / 100, 36.2) for i in range(6)], crs="EPSG:4326")
    if fmt == "zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        points.to_file(folder / "points.shp")
        src = tmp_path / "points.zip"
        _zip(src, {p.name: p.read_bytes() for p in folder.iterdir()})
    else:
        src = tmp_path / "points.geojson"
        points.to_file(src, driver="GeoJSON")
    before = _sha(store)
    env = {**os.environ, "MONITOR_MAX_ROWS": "5"}
    r = run_cli("import", fmt, src, "--store", store, env=env)
    assert r.returncode == 2 and "more than 5 features" in r.stderr, (r.stdout, r.stderr)
    assert _sha(store) == before
