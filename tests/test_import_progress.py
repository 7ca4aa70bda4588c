"""The import's progress display on the Data page (issue 12): each step in words with its rows, the
same words as ``python cli.py import --progress``; a finished import says so with its row count, a
refused file shows its problems and no success."""

from __future__ import annotations

import itertools
import re

import pytest
from _data_helpers import ROOT, admin1_gdf, outline_gdf, run_cli, ucdp_row, write_ucdp

from geo.importers import import_file
from geo.schema import InputError
from webapp.importing import ImportProgress

pytestmark = pytest.mark.usefixtures("steady_navigation")

BAD = ROOT / "tests" / "bad_inputs"
FX = {"outline": outline_gdf(), "admin1": admin1_gdf()}


@pytest.fixture
def at(app_for, tmp_path):
    """The Data page imports into a store of its own (never the shared read-only one of tests/conftest.py)."""
    return app_for(tmp_path / "store.gpkg", timeout=90)


def _ticks():
    """A clock that moves one second each time it is read (the progress's times, without waiting)."""
    seconds = itertools.count()
    return lambda: float(next(seconds))


def test_each_step_is_worded_with_its_rows_and_the_end_with_the_row_count(tmp_path):
    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(30, 36.2, 37.1), ucdp_row(31, 33.5, 36.3)])
    shown = []
    progress = ImportProgress("u.csv", show=lambda p: shown.append(p.label()), clock=_ticks())
    import_file("ucdp", src, tmp_path / "s.gpkg", progress=progress, **FX)
    assert shown == ["Importing u.csv: reading u.csv", "Importing u.csv: checking 2 rows",
                     "Importing u.csv: writing 2 records to the store", "Importing u.csv: updating the derived event table"]
    assert progress.lines() == ["Reading u.csv (started at 1.0 s)", "Checking 2 rows (started at 2.0 s)",
                                "Writing 2 records to the store (started at 3.0 s)",
                                "Updating the derived event table (started at 4.0 s)"]
    assert progress.finished_label() == "Import of u.csv finished: 2 rows in 5.0 s"


def test_a_refused_file_says_where_the_import_stopped_and_that_nothing_was_written(tmp_path):
    progress = ImportProgress("bad.csv", clock=_ticks())
    with pytest.raises(InputError) as exc:
        import_file("ucdp", BAD / "latitude_out_of_range.csv", tmp_path / "s.gpkg", progress=progress, **FX)
    assert progress.refused_label(len(exc.value.problems)) == (
        "Import of bad.csv refused while checking 2 rows: 1 problem; nothing was written")
    assert not (tmp_path / "s.gpkg").exists()
    assert ImportProgress("x.csv").refused_label(3) == "Import of x.csv refused: 3 problems; nothing was written"


def test_the_page_and_the_command_line_word_the_steps_alike(tmp_path):
    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(30, 36.2, 37.1), ucdp_row(31, 33.5, 36.3)])
    cli = run_cli("import", "ucdp", src, "--store", tmp_path / "cli.gpkg", "--progress")
    assert cli.returncode == 0, cli.stderr
    cli_words = [re.fullmatch(r"import: (.*) \(\d+\.\d s\)", line).group(1) for line in cli.stderr.splitlines()]
    progress = ImportProgress(str(src))
    import_file("ucdp", src, tmp_path / "web.gpkg", progress=progress)  # the catalog's boundaries, as the CLI
    web_words = [re.fullmatch(r"(.*) \(started at \d+\.\d s\)", line).group(1) for line in progress.lines()]
    assert len(cli_words) == 4
    assert [w[:1].upper() + w[1:] for w in cli_words] == web_words


def _data_page(at):
    at.query_params["page"] = "data"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _shown(markdown: str) -> str:
    """Text as the page shows it: the file's name is escaped for markdown (``two\\_events\\.csv``)."""
    return markdown.replace("\\", "")


def _upload(at, name: str, content: bytes):
    at.selectbox(key="w_import_fmt").set_value("ucdp")
    at.file_uploader(key="w_import_file").set_value((name, content, "text/csv"))
    next(b for b in at.button if b.label == "Import").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_data_page_shows_the_import_finished_with_its_rows_and_steps(at, tmp_path):
    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(990030, 36.2, 37.1), ucdp_row(990031, 33.5, 36.3)])
    app = _upload(_data_page(at), "two_events.csv", src.read_bytes())
    box = app.status[0]
    assert box.state == "complete"
    assert re.fullmatch(r"Import of two_events\.csv finished: 2 rows in \d+\.\d s", _shown(box.label)), box.label
    steps = [re.sub(r" \(started at \d+\.\d s\)$", "", _shown(c.value)) for c in box.caption]
    assert steps == ["Reading two_events.csv", "Checking 2 rows", "Writing 2 records to the store",
                     "Updating the derived event table"]
    assert any("added 2" in s.value for s in app.success)
    assert not app.error


def test_the_data_page_shows_a_refused_file_with_its_problems_and_no_success(at, tmp_path):
    app = _upload(_data_page(at), "bad.csv", (BAD / "latitude_out_of_range.csv").read_bytes())
    box = app.status[0]
    assert box.state == "error"
    assert _shown(box.label) == "Import of bad.csv refused while checking 2 rows: 1 problem; nothing was written"
    assert any("Nothing was written" in e.value for e in app.error)
    problems = app.dataframe[-1].value
    assert problems.iloc[0]["column"] == "latitude" and "out of range" in problems.iloc[0]["reason"]
    assert not app.success
    assert not (tmp_path / "store.gpkg").exists()  # all or nothing
