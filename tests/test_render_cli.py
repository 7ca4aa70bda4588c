"""``python cli.py render``: files of the requested kind and size, refusals with exit status 2."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def run(*args, tmp_path):
    cmd = [sys.executable, "cli.py", "render", "--store", str(tmp_path / "store.gpkg"), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def run_here(capsys, monkeypatch, *args, tmp_path) -> subprocess.CompletedProcess:
    """:func:`run` in this process (``cli.main``), with what it printed."""
    import cli

    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    argv = ["render", "--store", str(tmp_path / "store.gpkg"), *args]
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse refusing an option exits as the process would
        code = exc.code
    printed = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, printed.out, printed.err)


def test_png_slide(tmp_path):
    out = tmp_path / "brief.png"
    res = run("--date", "2017-02-15", "--start", "2017-01-01", "--end", "2017-02-28",
              "--layers", "zones,towns,events", "--size", "1920x1080", "--out", str(out), tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert Image.open(out).size == (1920, 1080)
    assert re.search(r"wrote .*brief\.png \(PNG 1920x1080 px", res.stdout)
    assert "Traceback" not in res.stderr


def test_pdf_a4_one_page_and_svg(tmp_path):
    pdf, svg = tmp_path / "brief.pdf", tmp_path / "brief.svg"
    assert run("--size", "a4", "--out", str(pdf), tmp_path=tmp_path).returncode == 0
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes())) == 1
    assert run("--out", str(svg), tmp_path=tmp_path).returncode == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_html_standalone_from_a_link(tmp_path):
    out = tmp_path / "map.html"
    res = run("--link", "http://host:8501/map?date=2017-03-10&layers=zones,events&lat=36.2&lon=37.1&z=9",
              "--out", str(out), tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert "L.map(" in html and "leaflet" in html.lower()
    assert not re.search(r"""<script[^>]*\bsrc=["']https?:|<link[^>]*\bhref=["']https?:""", html)
    assert "Control on 10 Mar 2017" in html
    assert "[36.2, 37.1]" in html


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--date", "2017-02-30"], "--date"),
        (["--date", "2019-01-01"], "--date"),
        (["--start", "2017-03-01", "--end", "2017-01-01"], "--start/--end"),
        (["--layers", "zones,heat"], "--layers"),
        (["--zoom", "99"], "--zoom"),
        (["--parties", "rebels"], "--parties"),
        (["--size", "12x12"], "--size"),
        (["--size", "big"], "--size"),
        (["--link", "?date=nope&z=1"], "--link"),
        (["--choro", "deaths"], "--choro"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, args, option, capsys, monkeypatch):
    """``cli.main`` in this process: what the command returns is the exit status (``cli.py`` passes
    it to ``sys.exit``; a refusal's status through a real process is checked by
    :func:`test_bad_output_suffix_and_folder`), without starting Python ten times."""
    out = tmp_path / "x.png"
    res = run_here(capsys, monkeypatch, *args, "--out", str(out), tmp_path=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert option in res.stderr
    assert "nothing was written" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def test_bad_output_suffix_and_folder(tmp_path):
    res = run("--out", str(tmp_path / "x.jpg"), tmp_path=tmp_path)
    assert res.returncode == 2 and ".jpg" in res.stderr
    res = run("--out", str(tmp_path / "missing" / "x.png"), tmp_path=tmp_path)
    assert res.returncode == 2 and "does not exist" in res.stderr


def test_choro_colours_the_districts_in_png_and_html(tmp_path):
    png, html = tmp_path / "choro.png", tmp_path / "choro.html"
    res = run("--choro", "events", "--start", "2017-01-01", "--end", "2017-01-31", "--size", "1280x720",
              "--out", str(png), tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert Image.open(png).size == (1280, 720)
    res = run("--choro", "fatalities", "--layers", "zones,boundaries", "--out", str(html), tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Fatalities per district" in html.read_text(encoding="utf-8")
