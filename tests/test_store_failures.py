"""A damaged, locked or full store (security audit 2026-11, findings 12 and 16).

- a corrupt store: Trends still draws the shipped data and names the file; the presentation view
  draws the shipped data and never shows a server path;
- a store another program holds locked (SQLite ``BEGIN EXCLUSIVE``) gives ``locked``, worded as
  such, not "not a GeoPackage";
- a full disk (a real 3 MiB tmpfs in a private mount namespace, ``unshare -rm``) gives
  ``disk_full``: "the disk is full: nothing was written", not "unexpected DataSourceError".
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cli_commands.problems import store_text
from geo.importers import import_file
from geo.store import Store, StoreError
from tests._data_helpers import run_cli
from webapp.session import STORE_WORDS

ROOT = Path(__file__).resolve().parents[1]
GARBAGE = bytes(range(256)) * 16  # not a GeoPackage (not even SQLite)
CSV = "event_id,date_start,lat,lon,actor1,admin1_pcode\n{rows}"
ROW = "x:{i},2017-01-05,36.2,37.1,Rebels number {i},SY02\n"

pytestmark = pytest.mark.usefixtures("steady_navigation")


def _csv(path: Path, n: int = 1, first: int = 1) -> Path:
    path.write_text(CSV.format(rows="".join(ROW.format(i=i) for i in range(first, first + n))), encoding="utf-8")
    return path


def _app(monkeypatch, store: Path, **params) -> AppTest:
    monkeypatch.setenv("MONITOR_STORE", str(store))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _everything(app) -> str:
    """Every element's message on the page (component arguments included), as text."""
    return "\n".join(str(getattr(node, "proto", "")) for node in _walk(app._tree))


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _map_args(app) -> str:
    args = [n.proto.json_args for n in _walk(app._tree) if getattr(getattr(n, "proto", None), "json_args", "")]
    assert args, "no map component on the page"
    return "\n".join(args)


# --- finding 16: a corrupt store ---------------------------------------------------------------


def test_trends_draws_the_shipped_data_and_names_a_corrupt_store(tmp_path, monkeypatch):
    corrupt = tmp_path / "broken-store.gpkg"
    corrupt.write_bytes(GARBAGE)
    app = _app(monkeypatch, corrupt, page="trends")
    errors = [e.value for e in app.error]
    assert any("broken\\-store\\.gpkg" in e and "cannot be read" in e for e in errors), errors
    assert not any("No events match" in i.value for i in app.info)  # the shipped events are there
    specs = [el.proto.spec for el in app.get("vega_lite_chart")]
    assert specs, "Trends drew no chart of the shipped data"
    assert str(tmp_path) not in _everything(app)


def test_the_presentation_view_draws_the_shipped_data_and_no_server_path(tmp_path, monkeypatch, shipped_store):
    shipped = _map_args(_app(monkeypatch, shipped_store, view="briefing"))  # the shipped data alone (read only)
    corrupt = tmp_path / "broken-store.gpkg"
    corrupt.write_bytes(GARBAGE)
    app = _app(monkeypatch, corrupt, view="briefing")
    drawn = _map_args(app)
    assert str(tmp_path) not in _everything(app)  # neither on the map nor in a message
    assert "not a GeoPackage" not in drawn  # the map names no missing layer: it has the shipped ones
    assert drawn.count("ucdp:") > 100 and drawn.count("ucdp:") == shipped.count("ucdp:")
    assert any("broken\\-store\\.gpkg" in e.value for e in app.error)  # the file's name only


# --- finding 12: a store locked by another program ------------------------------------------------


@pytest.fixture
def locked_store(tmp_path):
    """A store another process holds with SQLite's ``BEGIN EXCLUSIVE`` until the test ends."""
    store = tmp_path / "s.gpkg"
    import_file("csv", _csv(tmp_path / "seed.csv"), store)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "db.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"  # waits for the lock, no sleep
    yield store
    holder.stdin.close()
    holder.wait(timeout=30)


def test_a_store_locked_by_another_program_says_so(locked_store):
    with pytest.raises(StoreError) as err:
        Store(locked_store).read("events")
    assert err.value.code == "locked"
    assert "locked by another program" in str(err.value) and "sqlite3_prepare" not in str(err.value)
    assert "locked by another program" in STORE_WORDS["locked"]


def test_cli_import_into_a_locked_store_says_locked_and_changes_nothing(tmp_path, locked_store):
    before = hashlib.sha256(locked_store.read_bytes()).hexdigest()
    r = run_cli("import", "csv", _csv(tmp_path / "more.csv", first=2), "--store", locked_store)
    assert r.returncode == 1
    assert "is locked by another program: nothing was read or written" in r.stderr, r.stderr
    assert "not a GeoPackage" not in r.stderr and "SELECT" not in r.stderr
    assert hashlib.sha256(locked_store.read_bytes()).hexdigest() == before


# --- finding 12: a full disk ------------------------------------------------------------------------

_FULL_DISK = """
set -u
mount -t tmpfs -o size=3m tmpfs "$1"
cp "$2" "$1/s.gpkg"
dd if=/dev/zero of="$1/fill" bs=1k count="$4" 2>/dev/null
sha256sum "$1/s.gpkg"
"$5" "$6/cli.py" import csv "$3" --store "$1/s.gpkg"
echo "rc=$?"
sha256sum "$1/s.gpkg"
ls -a "$1"
"""


def _unshare_ok(tmp_path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "tmpfs", str(tmp_path)], capture_output=True)
    return probe.returncode == 0


@pytest.mark.parametrize("fill_kb", [0, 2960], ids=["fills-while-writing", "already-nearly-full"])
def test_a_full_disk_says_the_disk_is_full_and_writes_nothing(tmp_path, fill_kb):
    if not _unshare_ok(tmp_path):
        pytest.skip("no unprivileged mount namespace here (unshare -rm): cannot make a real 3 MiB disk")
    base = tmp_path / "base.gpkg"
    import_file("csv", _csv(tmp_path / "seed.csv"), base)
    big = _csv(tmp_path / "big.csv", n=40_000, first=2)  # 2 MB of CSV: more than the disk holds as a GeoPackage
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["unshare", "-rm", "sh", "-c", _FULL_DISK, "sh", mnt, base, big, str(fill_kb), sys.executable,
                        ROOT], capture_output=True, text=True, timeout=600)
    out = r.stdout.splitlines()
    assert "rc=1" in out, (r.stdout, r.stderr)
    assert "the disk is full: nothing was written" in r.stderr, r.stderr
    assert "unexpected" not in r.stderr and "sqlite3_exec" not in r.stderr and "INSERT" not in r.stderr
    sums = [line.split()[0] for line in out if len(line.split()) == 2 and line.endswith("/s.gpkg")]
    assert len(sums) == 2 and sums[0] == sums[1]  # the store is byte-identical
    assert not [name for name in out if ".tmp" in name]  # the partial file was removed


def test_each_front_end_words_the_new_codes():
    for code in ("locked", "disk_full"):
        assert code in STORE_WORDS
        exc = StoreError(code, Path("/srv/x/s.gpkg"), "m")
        assert store_text(exc) != "m"  # the command line adds what to do
    assert "disk is full" in STORE_WORDS["disk_full"]
