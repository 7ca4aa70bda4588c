"""Every file in tests/bad_inputs/: refused with row/column/reason, exit 2, store unchanged."""

from __future__ import annotations

import hashlib

import pytest
from _data_helpers import BAD_INPUTS, run_cli, ucdp_row, write_boundaries, write_ucdp

from geo.schema import InputError

MAP = "id=ref,date=day,lat=lat,lon=lon,actor1=who"
CASES = [
    ("missing_column.csv", ["ucdp"], 2, ["column 'latitude': required column is missing"]),
    ("unparseable_date.csv", ["ucdp"], 2, ["row 2, column 'date_start': 'yesterday' is not a date"]),
    ("ambiguous_date.csv", ["csv", "--map", MAP], 2, ["row 2, column 'day': '05/04/2017' is ambiguous"]),
    ("latitude_out_of_range.csv", ["ucdp"], 2, ["row 2, column 'latitude': latitude 137 is out of range"]),
    (
        "swapped_lat_lon.csv",
        ["ucdp"],
        2,
        ["row 2, column 'latitude/longitude': latitude and longitude look swapped"],
    ),
    (
        "far_outside.csv",
        ["ucdp"],
        2,
        ["row 2, column 'latitude/longitude': point (32.85, 38.85) is 53.9 km outside"],
    ),
    (
        "near_border_rukban.csv",
        ["ucdp"],
        0,
        [
            "added 2, duplicates skipped 0, flagged 1",
            "3.4 km outside Syria's outline: accepted, flagged near_border",
        ],
    ),
    ("duplicate_ids.csv", ["ucdp"], 2, ["row 3, column 'id': duplicate ID '1' (first on row 1)"]),
    (
        "nan_coordinates.csv",
        ["ucdp"],
        2,
        ["row 2, column 'latitude': latitude is missing", "row 2, column 'longitude': longitude is missing"],
    ),
    (
        "bowtie_zone.geojson",
        ["geojson", "--kind", "zones"],
        2,
        ["row 1, column 'geometry': invalid geometry: Self-intersection"],
    ),
    (
        "unclosed_ring.geojson",
        ["geojson", "--kind", "zones"],
        2,
        ["row 1, column 'geometry': polygon ring 1 is not closed"],
    ),
    (
        "shapefile_without_prj.zip",
        ["zip"],
        2,
        ["column 'geometry': the file declares no coordinate reference system"],
    ),
    (
        "two_layers.gpkg",
        ["gpkg"],
        2,
        ["the file holds 2 layers (events_a, events_b): choose one with --layer"],
    ),
    ("empty.csv", ["ucdp"], 2, ["file: the file is empty"]),
    ("header_only.csv", ["ucdp"], 2, ["file: the file has a header but no data rows"]),
    (
        "ragged_rows.csv",
        ["csv", "--map", MAP],
        2,
        [
            "row 2: 6 fields where the header has 5 (an unquoted comma in a value",
            "row 3: 3 fields where the header has 5",
        ],
    ),
    (
        "excel_renamed.csv",
        ["ucdp"],
        2,
        ["file: this is a zip archive (an Excel .xlsx workbook, or zipped files), not a text file"],
    ),
    (
        "zone_outside_syria.geojson",
        ["geojson", "--kind", "zones"],
        2,
        ["row 1, column 'geometry': the zone lies entirely outside Syria's outline", "look swapped"],
    ),
    ("cp1256_arabic.csv", ["ucdp"], 0, ["added 2, duplicates skipped 0, flagged 0"]),
    ("utf8_bom.csv", ["ucdp"], 0, ["added 1, duplicates skipped 0, flagged 0"]),
]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory):
    """A store with fixture boundaries and two events (ids 9001, 9002), built once."""
    d = tmp_path_factory.mktemp("seed")
    store = d / "store.gpkg"
    assert (
        run_cli("import", "boundaries", write_boundaries(d / "b.geojson"), "--store", store).returncode == 0
    )
    seed = write_ucdp(d / "seed.csv", [ucdp_row(9001, 36.2, 37.1), ucdp_row(9002, 33.5, 36.3)])
    assert run_cli("import", "ucdp", seed, "--store", store).returncode == 0
    return store.read_bytes()


def test_every_file_has_a_case_and_a_readme_line():
    files = {p.name for p in BAD_INPUTS.iterdir() if p.name != "README.md"}
    assert files == {c[0] for c in CASES}
    readme = (BAD_INPUTS / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"| {name} |" in readme


@pytest.mark.parametrize(("name", "fmt", "status", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, seeded_store, name, fmt, status, expected):
    store = tmp_path / "store.gpkg"
    store.write_bytes(seeded_store)
    before = _sha(store)
    result = run_cli("import", *fmt, BAD_INPUTS / name, "--store", store)
    assert result.returncode == status, result.stdout + result.stderr
    out = result.stdout + result.stderr
    for text in expected:
        assert text in out
    assert "Traceback" not in out
    if status == 2:
        assert "nothing was written" in result.stderr
        assert _sha(store) == before
        assert not [p for p in tmp_path.iterdir() if p.name != "store.gpkg" and not p.name.endswith(".lock")]
    else:
        assert _sha(store) != before


def test_a_few_stray_bytes_in_an_english_file_are_not_read_as_arabic():
    from geo.encoding import detect_encoding

    english = b"<html><title>Report \xc7\xe1\xd3\xe1 on Aleppo</title><p>" + b"Shelling was reported near the city. " * 40
    with pytest.raises(InputError) as err:
        detect_encoding(english)
    assert err.value.problems[0].code == "bad_encoding"
    assert detect_encoding("تقرير عن حلب".encode("cp1256")) == "cp1256"  # short, but all Arabic


def test_cp1256_arabic_is_decoded(tmp_path, seeded_store):
    from geo.store import Store

    store = tmp_path / "store.gpkg"
    store.write_bytes(seeded_store)
    assert run_cli("import", "ucdp", BAD_INPUTS / "cp1256_arabic.csv", "--store", store).returncode == 0
    events = Store(store).read("events").set_index("event_id")
    assert events.loc["ucdp:2", "place"] == "حماة"
    assert events.loc["ucdp:2", "actor2"] == "جبهة فتح الشام"


def test_fix_repairs_the_bowtie_and_says_so(tmp_path, seeded_store):
    from geo.store import Store

    store = tmp_path / "store.gpkg"
    store.write_bytes(seeded_store)
    result = run_cli(
        "import", "geojson", BAD_INPUTS / "bowtie_zone.geojson", "--kind", "zones", "--fix", "--store", store
    )
    assert result.returncode == 0, result.stderr
    assert "repaired 1 invalid geometry with make_valid (rows 1)" in result.stdout
    zones = Store(store).read("zones")
    assert len(zones) == 1 and zones.geometry.iloc[0].is_valid
    assert zones.geometry.iloc[0].geom_type == "MultiPolygon"
