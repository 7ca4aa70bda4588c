"""``python cli.py bench`` (issue 12) and its synthetic UCDP generator (``bench/scale.py``), without a browser.

Figures are measured, never asserted: these tests check what the bench produces, not how fast.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
import shapely
from _data_helpers import run_cli

import cli
from bench.scale import FIRST_ID, KEYS, WINDOW, synthetic_ucdp_csv
from geo.datasets import load_boundaries
from geo.importers import import_file
from geo.store import Store


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """250 synthetic events written and imported into their own store."""
    d = tmp_path_factory.mktemp("synthetic")
    path, store = d / "syn.csv", d / "store.gpkg"
    written = synthetic_ucdp_csv(path, 250, seed=3)
    report = import_file("ucdp", path, store)
    return written, pd.read_csv(path, dtype=str, keep_default_na=False), report, Store(store).read("events")


def test_generator_writes_n_rows_the_ucdp_importer_accepts_all_of(synthetic):
    written, rows, report, stored = synthetic
    assert written == len(rows) == 250
    assert (report.added, report.duplicates, report.flagged) == (250, 0, 0)
    assert len(stored) == 250


def test_every_row_is_labelled_synthetic(synthetic):
    _written, rows, _report, stored = synthetic
    for col in ("conflict_name", "source_office", "where_coordinates"):
        assert rows[col].str.contains("SYNTHETIC").all(), col
    assert (rows["dataset"] == "synthetic").all()
    assert (rows["id"].astype(int) >= FIRST_ID).all() and rows["id"].is_unique
    assert stored["source"].eq("SYNTHETIC").all() and stored["place"].str.contains("SYNTHETIC").all()
    assert stored["event_id"].str.removeprefix("ucdp:").astype(int).ge(FIRST_ID).all()
    assert stored["dataset"].eq("synthetic").all()  # the app marks them (legend, popups, key figures)


def test_points_inside_syria_and_dates_inside_the_window(synthetic):
    _written, rows, _report, _stored = synthetic
    outline = load_boundaries(0).geometry.union_all()
    assert shapely.contains_xy(outline, rows["longitude"].astype(float), rows["latitude"].astype(float)).all()
    start, end = pd.to_datetime(rows["date_start"]), pd.to_datetime(rows["date_end"])
    assert start.ge(pd.Timestamp(WINDOW[0])).all() and end.le(pd.Timestamp(WINDOW[1])).all() and (start <= end).all()


def test_the_same_seed_writes_the_same_file(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    synthetic_ucdp_csv(a, 50, seed=7)
    synthetic_ucdp_csv(b, 50, seed=7)
    synthetic_ucdp_csv(c, 50, seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_bench_prints_one_json_object_with_every_figure(tmp_path):
    # TMPDIR: the bench's temporary folder goes there and must be gone afterwards;
    # MONITOR_STORE: the user's store, which the bench must never create or touch.
    user_store = tmp_path / "user" / "store.gpkg"
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "MONITOR_STORE": str(user_store)}
    r = run_cli("bench", "--events", 300, "--no-browser", "--json", env=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)  # the whole of standard output is one object
    assert set(KEYS) <= set(out)
    assert out["events"] == out["synthetic_events"] == 300 and out["synthetic"] is True
    for key in ("import_s", "import_rss_mb", "load_s", "update_s", "payload_bytes", "naive_update_s",
                "naive_payload_bytes"):
        assert out[key] > 0, key
    assert out["render_s"] is None and out["slider_s"] is None and out["rss_mb"] is None
    assert 0 < out["events_in_range"] < out["events_loaded"]
    assert out["conditions"]["cpus"] >= 1 and len(out["conditions"]["loadavg"]) == 3
    assert list((tmp_path / "tmp").iterdir()) == [] and not user_store.parent.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "0"], "--events must be at least 1, not 0"),
        (["--events", "-5"], "--events must be at least 1, not -5"),
        (["--file", "no/such/file.csv"], "no such file: no/such/file.csv"),
        (["--events", "10", "--start", "2017-13-01"], "--start must be a date YYYY-MM-DD"),
        (["--events", "10", "--naive-max", "-1"], "--naive-max must be 0 or more"),
    ],
)
def test_refused_arguments_exit_2_with_one_line(args, message, capsys):
    assert cli.main(["bench", *args, "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


def test_keep_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "x").write_text("mine")
    assert cli.main(["bench", "--events", "5", "--no-browser", "--keep", str(tmp_path)]) == 2
    assert "--keep needs a new or empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


@pytest.mark.parametrize("args", [[], ["--events", "ten"], ["--events", "5", "--file", "x.csv"]])
def test_argparse_refusals_exit_2_without_traceback(args):
    r = run_cli("bench", *args, "--no-browser")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("python cli.py bench: error:")
