"""``python cli.py import|export|stats`` end to end (subprocess, temporary stores)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest
from _data_helpers import run_cli, ucdp_row, write_boundaries, write_ucdp


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    path = d / "store.gpkg"
    r = run_cli("import", "boundaries", write_boundaries(d / "b.geojson"), "--store", path)
    assert r.returncode == 0, r.stderr
    assert "added 3, duplicates skipped 0, flagged 0" in r.stdout
    rows = [
        ucdp_row(1, 36.2, 37.1, date="2017-01-01", best=4),
        ucdp_row(2, 36.3, 37.2, date="2017-01-01", best=1),
        ucdp_row(3, 33.5, 36.3, date="2017-01-03", best=0),
        ucdp_row(4, 33.31, 38.7, date="2017-02-10", best=7),
    ]
    src = write_ucdp(d / "u.csv", rows)
    r = run_cli("import", "ucdp", src, "--store", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "added 4, duplicates skipped 0, flagged 1"
    assert "near_border: 1 row(s)" in r.stdout and "row 4: point (33.31, 38.7) is 3.4 km outside" in r.stdout
    r = run_cli("import", "ucdp", src, "--store", path)
    assert r.stdout.splitlines()[0] == "added 0, duplicates skipped 4, flagged 0"
    return path


def _csv(text):
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_stats_by_governorate(store):
    r = run_cli("stats", "--by", "governorate", "--workspace-only", "--store", store)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "governorate,pcode,events,fatalities"
    t = _csv(r.stdout).set_index("pcode")
    assert t.loc["SY02", ["events", "fatalities"]].tolist() == ["2", "5"]
    assert t.loc["SY03", ["events", "fatalities"]].tolist() == ["2", "7"]


def test_stats_by_day_in_range(store):
    r = run_cli(
        "stats",
        "--by",
        "day",
        "--start",
        "2017-01-01",
        "--end",
        "2017-01-03",
        "--workspace-only",
        "--store",
        store,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "day,events,fatalities\n2017-01-01,2,5\n2017-01-02,0,0\n2017-01-03,1,0\n"


def test_stats_by_zone_prints_parties(store):
    r = run_cli("stats", "--by", "zone", "--workspace-only", "--store", store)
    assert r.returncode == 0, r.stderr
    t = _csv(r.stdout)
    assert list(t.columns) == ["party", "events", "fatalities"]
    assert t["events"].astype(int).sum() == 4


def test_stats_refuses_bad_arguments(store):
    r = run_cli("stats", "--by", "governorate", "--date", "2017-01-01", "--store", store)
    assert r.returncode == 2 and "--date" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("stats", "--by", "day", "--start", "2017-13-01", "--store", store)
    assert r.returncode == 2 and "is not a date in the form YYYY-MM-DD" in r.stderr


def test_store_from_environment(store):
    env = {**os.environ, "MONITOR_STORE": str(store)}
    r = run_cli("stats", "--by", "governorate", "--workspace-only", env=env)
    assert r.returncode == 0 and _csv(r.stdout)["events"].astype(int).sum() == 4


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_export_and_reimport(store, tmp_path, fmt):
    out = tmp_path / f"ev.{fmt}"
    r = run_cli(
        "export",
        "events",
        "--format",
        fmt,
        "--start",
        "2017-01-01",
        "--end",
        "2017-01-31",
        "--workspace-only",
        "--out",
        out,
        "--store",
        store,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"wrote 3 events to {out}"
    other = tmp_path / "other.gpkg"
    write_boundaries(tmp_path / "b.geojson")
    assert run_cli("import", "boundaries", tmp_path / "b.geojson", "--store", other).returncode == 0
    r = run_cli("import", fmt, out, "--store", other)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "added 3, duplicates skipped 0, flagged 0"


def test_export_zones_needs_a_date(store, tmp_path):
    r = run_cli("export", "zones", "--format", "geojson", "--out", tmp_path / "z.geojson", "--store", store)
    assert r.returncode == 2 and "--date" in r.stderr
    assert not (tmp_path / "z.geojson").exists()


def test_refused_import_prints_every_problem(store, tmp_path):
    before = store.read_bytes()
    bad = write_ucdp(tmp_path / "bad.csv", [ucdp_row(7, 137, 37.1), ucdp_row(8, 36.2, 37.1, date="someday")])
    r = run_cli("import", "ucdp", bad, "--store", store)
    assert r.returncode == 2
    assert "row 1, column 'latitude': latitude 137 is out of range" in r.stderr
    assert "row 2, column 'date_start': 'someday' is not a date" in r.stderr
    assert "Traceback" not in r.stderr
    assert store.read_bytes() == before


def test_missing_file_is_a_clear_error(store, tmp_path):
    r = run_cli("import", "ucdp", tmp_path / "nope.csv", "--store", store)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_export_refuses_folders_and_special_files(store, tmp_path):
    import stat

    r = run_cli("export", "events", "--format", "csv", "--out", tmp_path, "--store", store)
    assert r.returncode == 2 and "is a folder" in r.stderr and "Traceback" not in r.stderr
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run_cli("export", "events", "--format", "csv", "--out", fifo, "--store", store)
    assert r.returncode == 2 and "is not a regular file" in r.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a plain file
    assert not list(tmp_path.glob(".*.tmp.*"))


def test_store_path_that_is_a_folder_is_a_clear_error(tmp_path):
    src = tmp_path / "e.csv"
    src.write_text("event_id,date_start,lat,lon\nx:1,2017-01-05,36.2,37.1\n", encoding="utf-8")
    for args in (("import", "csv", src), ("stats", "--by", "governorate"), ("export", "events", "--format", "csv",
                                                                           "--out", tmp_path / "o.csv")):
        r = run_cli(*args, "--store", tmp_path)
        assert r.returncode == 1 and "is a folder: give the path of a .gpkg file" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr


def _loading_libraries(p, timeout_s: float = 60) -> bool:
    """Wait until the CLI process ``p`` has pandas mapped (it is inside ``main``, where Ctrl-C is
    handled) or has ended; False at the deadline.  Reads ``/proc/PID/maps`` (Linux)."""
    import subprocess
    import time

    maps = Path(f"/proc/{p.pid}/maps")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if "pandas" in maps.read_text():
                return True
        except (FileNotFoundError, ProcessLookupError):  # the process has already ended
            return True
        try:
            p.wait(timeout=0.02)  # a poll: returns as soon as the process ends
            return True
        except subprocess.TimeoutExpired:
            pass
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs /proc to see the CLI load its libraries")
def test_interrupt_and_closed_pipe_show_no_traceback(store):
    import signal
    import subprocess
    import sys

    from _data_helpers import ROOT

    p = subprocess.Popen(
        [sys.executable, "cli.py", "stats", "--by", "class", "--store", str(store)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert _loading_libraries(p), "the CLI did not start loading its libraries within 60 s"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert "Traceback" not in err
    # finished first, or interrupted (while loading its libraries or running) with a one-line message
    assert p.returncode in (0, 130), (p.returncode, err)
    if p.returncode == 130:
        assert err.strip().startswith("interrupted:")
    # a reader that went away before the first line (| head -0)
    p = subprocess.Popen(
        [sys.executable, "cli.py", "stats", "--by", "day", "--store", str(store)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0
    assert "Traceback" not in err and "Broken pipe" not in err


def test_export_refuses_options_that_do_not_apply(store, tmp_path):
    out = tmp_path / "e.csv"
    r = run_cli("export", "events", "--format", "csv", "--date", "2017-01-01", "--out", out, "--store", store)
    assert r.returncode == 2 and "option --date: only applies to zones" in r.stderr
    r = run_cli("export", "events", "--format", "csv", "--start", "2017-02-01", "--end", "2017-01-01",
                "--out", out, "--store", store)
    assert r.returncode == 2 and "--start is after --end" in r.stderr
    assert not out.exists()
