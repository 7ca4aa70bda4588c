"""Documentation must not drift from the code and the shipped data (datasette-style)."""

from __future__ import annotations

import re

import pytest

from cli_commands import load_all
from geo import datasets
from geo.classify import load_actors
from geo.paths import DATA_DIR, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA_README = (DATA_DIR / "README.md").read_text(encoding="utf-8")
DATA_FILES = sorted(p.name for p in DATA_DIR.iterdir() if p.is_file() and p.name != "README.md")

# Each shipped file and the reader that checks its schema.
READERS = {
    "admin0.geojson": lambda: datasets.load_boundaries(0),
    "admin1.geojson": lambda: datasets.load_boundaries(1),
    "localities.csv": datasets.load_localities,
    "control.csv": datasets.load_control,
    "milestones.csv": datasets.load_milestones,
    "sources.csv": datasets.load_sources,
    "citations.csv": datasets.load_citations,
    "events.csv": datasets.load_events,
    "actors.csv": load_actors,  # checks the party vocabulary too
}


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_is_documented(name):
    assert f"`{name}`" in DATA_README or f"{name}" in DATA_README, f"data/{name} is not documented in data/README.md"


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_has_a_schema_check(name):
    """A new file in data/ must come with a reader here or a schema test of its own."""
    tests_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    assert name in READERS or tests_text.count(name) >= 2, f"data/{name} has no schema test"


@pytest.mark.parametrize("name", sorted(READERS))
def test_shipped_file_reads_in_canonical_form(name):
    frame = READERS[name]()
    assert len(frame) > 0
    if "geometry" in frame.columns:
        assert str(frame.crs).upper().endswith("4326")
        assert frame.geometry.notna().all() and frame.geometry.is_valid.all()


def test_every_shipped_record_carries_a_source():
    for name, reader in READERS.items():
        frame = reader()
        cols = {"source", "source_id"} & set(frame.columns)
        if name in ("sources.csv", "actors.csv"):
            continue
        assert cols, f"{name} has no source column"
        col = sorted(cols)[-1] if "source_id" in cols else "source"
        assert (frame[col].astype(str).str.strip() != "").all(), f"{name}: a record has no source"


def test_readme_commands_exist():
    """Every `python cli.py COMMAND` in README.md is a real command, and every command is documented."""
    commands = set(load_all())
    documented = set(re.findall(r"python cli\.py ([a-z]+)", README))
    assert documented, "README.md documents no command"
    assert documented <= commands, f"README documents unknown commands: {documented - commands}"
    assert commands <= documented, f"commands missing from README.md: {commands - documented}"


def _setup_commands() -> list[str]:
    section = re.search(r"## Set-up\n(.*?)\n## ", README, re.S)
    assert section, "README.md has no '## Set-up' section"
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section.group(1), re.S)
    assert len(blocks) == 2, "the Set-up section needs two code blocks: run the app, run the tests"
    lines = [[ln for ln in b.splitlines() if ln.strip() and not ln.lstrip().startswith("#")] for b in blocks]
    assert all(len(b) == 1 for b in lines), "each set-up block holds exactly one command"
    return [b[0] for b in lines]


def test_readme_gives_two_setup_commands():
    run_app, run_tests = _setup_commands()  # exactly two
    assert "streamlit run serve.py" in run_app and "requirements.txt" in run_app
    assert "pytest" in run_tests and "requirements.txt" in run_tests
    for command in (run_app, run_tests):  # a fresh Debian Python refuses system-wide installs (PEP 668)
        assert "-m venv .venv" in command and ". .venv/bin/activate" in command


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run_tests = _setup_commands()[1]
    assert run_tests in ci, "the README's test command and .ci/run have drifted apart"


def test_deploy_doc_shows_the_tested_proxy_config_as_it_is():
    """docs/DEPLOY.md shows deploy/nginx-basic-auth.conf verbatim (tests/browser/test_proxy.py runs the file)."""
    conf = (ROOT / "deploy" / "nginx-basic-auth.conf").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", doc, re.S)
    assert conf in blocks, "docs/DEPLOY.md and deploy/nginx-basic-auth.conf have drifted apart"
