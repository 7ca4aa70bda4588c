"""Importers: UCDP, ACLED, mapped CSV, vector kinds, OCHA boundaries; validation rules."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from _data_helpers import NORTH, OUTLINE, SOUTH, admin1_gdf, outline_gdf, ucdp_row, write_ucdp
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import validate as v
from geo.importers import import_file
from geo.schema import InputError
from geo.store import Store

FX = {"outline": outline_gdf(), "admin1": admin1_gdf()}


def _imp(fmt, path, store, **kw):
    return import_file(fmt, path, store, **{**FX, **kw})


def _problems(exc) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --- UCDP -------------------------------------------------------------------------


def test_ucdp_mapping_and_no_press_text(tmp_path):
    rows = [
        ucdp_row(
            10,
            36.2,
            37.1,
            where_prec=1,
            date_prec=1,
            type_of_violence=1,
            best=5,
            low=4,
            high=9,
            deaths_civilians=2,
        ),
        ucdp_row(
            11,
            33.5,
            36.3,
            where_prec=5,
            date_prec=2,
            type_of_violence=3,
            date_start="2017-02-01",
            date_end="2017-02-04",
        ),
        ucdp_row(12, 35.0, 38.0, where_prec=3, date_prec=4, type_of_violence=2),
        ucdp_row(13, 35.0, 38.0, where_prec=6, date_prec=5, type_of_violence=2),
    ]
    store = tmp_path / "s.gpkg"
    report = _imp("ucdp", write_ucdp(tmp_path / "u.csv", rows), store)
    assert (report.added, report.duplicates, report.flagged) == (4, 0, 0)
    ev = Store(store).read("events").set_index("event_id")
    assert list(ev.index) == ["ucdp:10", "ucdp:11", "ucdp:12", "ucdp:13"]
    assert ev["geo_precision"].tolist() == ["exact", "governorate", "district", "country"]
    assert ev["date_precision"].tolist() == ["day", "days", "month", "year"]
    # the vocabulary of the app's class filter (viewstate.EVENT_TYPES)
    assert ev.loc["ucdp:10", "event_type"] == "state-based"
    assert ev.loc["ucdp:11", "event_type"] == "one-sided"
    assert ev.loc["ucdp:12", "event_type"] == "non-state"
    assert ev.loc[
        "ucdp:10", ["fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities"]
    ].tolist() == [5, 4, 9, 2]
    assert ev.loc["ucdp:11", "date_end"] == pd.Timestamp("2017-02-04")
    assert ev.loc["ucdp:10", "actor1"] == "Government of Syria" and ev.loc["ucdp:10", "source"] == "SOHR"
    assert ev.loc["ucdp:10", "admin1_pcode"] == "SY02" and ev.loc["ucdp:11", "admin1_pcode"] == "SY03"
    assert ev["dataset"].eq("ucdp").all()
    text = ev.drop(columns="geometry").astype(str).to_string()
    assert "PRESS TEXT" not in text and "press text" not in text


def test_reimport_adds_nothing_and_leaves_file(tmp_path):
    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(1, 36.2, 37.1), ucdp_row(2, 36.3, 37.2)])
    store = tmp_path / "s.gpkg"
    assert _imp("ucdp", src, store).added == 2
    before = store.read_bytes()
    again = _imp("ucdp", src, store)
    assert (again.added, again.duplicates) == (0, 2)
    assert store.read_bytes() == before


def test_all_problems_are_collected(tmp_path):
    rows = [
        ucdp_row(1, 36.2, 37.1),
        ucdp_row(2, 137, 37.1),
        ucdp_row(3, 36.2, 37.1, date_start="31/02/2017", date_end="31/02/2017"),
        ucdp_row(4, 36.2, 37.1, where_prec=9, best=-3),
        ucdp_row(1, "x", 37.1),
    ]
    store = tmp_path / "s.gpkg"
    with pytest.raises(InputError) as exc:
        _imp("ucdp", write_ucdp(tmp_path / "u.csv", rows), store)
    msgs = _problems(exc)
    assert "row 2, column 'latitude': latitude 137 is out of range (-90..90)" in msgs
    assert any(m.startswith("row 3, column 'date_start': '31/02/2017'") for m in msgs)
    assert "row 4, column 'where_prec': code 9 is not one of 1, 2, 3, 4, 5, 6, 7" in msgs
    assert "row 4, column 'best': '-3' is below 0" in msgs
    assert "row 5, column 'id': duplicate ID '1' (first on row 1)" in msgs
    assert "row 5, column 'latitude': latitude 'x' is not a number" in msgs
    assert not store.exists()


def test_near_border_accepted_and_flagged_far_refused(tmp_path):
    store = tmp_path / "s.gpkg"
    report = _imp("ucdp", write_ucdp(tmp_path / "a.csv", [ucdp_row(1, 33.31, 38.7)]), store)
    assert report.flagged == 1 and "3.4 km outside" in report.problems_flagged[0].reason
    assert Store(store).read("events")["flags"].tolist() == ["near_border"]
    assert Store(store).read("events")["admin1_pcode"].tolist() == ["SY03"]
    with pytest.raises(InputError) as exc:
        _imp("ucdp", write_ucdp(tmp_path / "b.csv", [ucdp_row(2, 33.2, 38.6)]), store)
    assert "8.6 km outside Syria's outline" in _problems(exc)[0]


def test_swapped_coordinates_named(tmp_path):
    with pytest.raises(InputError) as exc:
        _imp("ucdp", write_ucdp(tmp_path / "a.csv", [ucdp_row(1, 37.1, 36.2)]), tmp_path / "s.gpkg")
    assert "latitude and longitude look swapped" in _problems(exc)[0]


def test_no_outline_is_a_clear_refusal(tmp_path):
    src = write_ucdp(tmp_path / "a.csv", [ucdp_row(1, 36.2, 37.1)])
    with pytest.raises(InputError) as exc:
        import_file("ucdp", src, tmp_path / "s.gpkg", data_dir=tmp_path / "no-data")
    assert "no outline of Syria" in _problems(exc)[0]


def test_two_thousand_rows_all_added(tmp_path):
    # how fast is measured by the bench scripts (bench/), not asserted here
    rows = [ucdp_row(i, 35.0 + (i % 100) / 100, 37.0 + (i % 37) / 37) for i in range(2000)]
    src = write_ucdp(tmp_path / "big.csv", rows)
    report = _imp("ucdp", src, tmp_path / "s.gpkg")
    assert report.added == 2000


# --- ACLED ------------------------------------------------------------------------

ACLED_OLD = (
    "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,admin3,location,"
    "latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3\n"
    "1,760,SYR1,1,15 January 2017,2017,1,Battles,Armed clash,Military Forces of Syria (2000-),NDF,1,"
    'Hayat Tahrir al-Sham,,2,12,Middle East,Syria,Aleppo,,,Al Bab,36.37,37.51,1,SOHR,National,"Clashes, reported",3,1,SYR\n'
)
ACLED_2023 = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n"
    "SYR2,2017-01-16,2017,2,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces of Russia (2000-),,"
    "8,Civilians (Syria),,7,78,Civilian targeting,760,Middle East,Syria,Idleb,,,Idleb,35.93,36.63,3,SNHR,National,,0,,1\n"
)


@pytest.mark.parametrize("text", [ACLED_OLD, ACLED_2023], ids=["older", "2023"])
def test_acled_layouts(tmp_path, text):
    src = tmp_path / "acled.csv"
    src.write_text(text, encoding="utf-8")
    store = tmp_path / "s.gpkg"
    report = _imp("acled", src, store)
    assert report.added == 1
    ev = Store(store).read("events").iloc[0]
    if text is ACLED_OLD:
        assert ev["event_id"] == "acled:SYR1" and ev["date_start"] == pd.Timestamp("2017-01-15")
        assert ev["actor1"] == "Military Forces of Syria (2000-); NDF" and ev["geo_precision"] == "exact"
        assert ev["notes"] == "Armed clash: Clashes, reported" and ev["fatalities"] == 3
        assert ev["event_type"] == "battle"
        assert "older" in report.notes[-1]
    else:
        assert ev["event_id"] == "acled:SYR2" and ev["date_start"] == pd.Timestamp("2017-01-16")
        assert ev["date_precision"] == "week" and ev["geo_precision"] == "governorate"
        assert ev["event_type"] == "airstrike" and "2023" in report.notes[-1]


# --- mapped CSV ---------------------------------------------------------------------


def test_mapped_csv(tmp_path):
    src = tmp_path / "m.csv"
    src.write_text(
        "ref;when;y;x;who\nA;2017-03-02;36.2;37.1;army\nB;3 March 2017;33.5;36.3;\n", encoding="utf-8"
    )
    store = tmp_path / "s.gpkg"
    report = _imp("csv", src, store, map="id=ref,date=when,lat=y,lon=x,actor1=who")
    assert report.added == 2
    ev = Store(store).read("events")
    assert ev["event_id"].tolist() == ["csv:A", "csv:B"]
    assert ev["date_start"].dt.day.tolist() == [2, 3] and ev["actor1"].tolist() == ["army", ""]


def test_mapped_csv_bad_map(tmp_path):
    src = tmp_path / "m.csv"
    src.write_text("ref,when,y,x\nA,2017-03-02,36.2,37.1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _imp("csv", src, tmp_path / "s.gpkg", map="id=ref,date=WHEN,lat=y,lon=x,colour=z")
    msgs = _problems(exc)
    assert any("mapping key 'colour' is unknown" in m for m in msgs)
    assert {p.code for p in exc.value.problems} == {"bad_mapping"}
    with pytest.raises(InputError) as exc:
        _imp("csv", src, tmp_path / "s.gpkg", map="id=ref,date=WHEN,lat=y,lon=x")
    assert _problems(exc) == ["column 'WHEN': column named by the mapping date=WHEN is not in the file"]
    assert exc.value.problems[0].code == "mapped_column_missing"
    with pytest.raises(InputError) as exc:
        _imp("csv", src, tmp_path / "s.gpkg")
    assert exc.value.problems[0].code == "mapping_required"  # the front ends name their own control


# --- dates ------------------------------------------------------------------------


def _dates(values, order=None):
    s = pd.Series(values, dtype=object)
    return v.parse_dates(s, pd.Series(range(1, len(s) + 1)), "d", order=order)


def test_date_rules():
    parsed, problems = _dates(
        [
            "2017-01-15",
            "15 January 2017",
            "January 15, 2017",
            "15-Jan-2017",
            "2017-01-15T10:00:00",
            "25/01/2017",
            "05/05/2017",
        ]
    )
    assert not problems and (parsed == pd.Timestamp("2017-01-15")).sum() == 5
    assert parsed.iloc[5] == pd.Timestamp("2017-01-25") and parsed.iloc[6] == pd.Timestamp("2017-05-05")
    _, problems = _dates(["25/04/2017", "05/04/2017"])
    assert len(problems) == 1 and problems[0].row == 2 and "ambiguous" in problems[0].reason
    parsed, problems = _dates(["25/04/2017", "05/04/2017"], order="dmy")
    assert not problems and parsed.iloc[1] == pd.Timestamp("2017-04-05")
    parsed, problems = _dates(["05/04/2017"], order="mdy")
    assert parsed.iloc[0] == pd.Timestamp("2017-05-04")
    _, problems = _dates(["25/04/2017", "04/25/2017"])
    assert len(problems) == 1 and problems[0].row is None and "mix day/month/year" in problems[0].reason
    _, problems = _dates(["05/04/17", "2017-02-30", "soon", ""])
    assert sorted(p.row for p in problems) == [1, 2, 3, 4]


@settings(deadline=None)  # the machine is shared: no timing assertions
@given(st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()))
def test_iso_and_named_dates_parse_back(day):
    named = f"{day.day} {day.strftime('%B')} {day.year}"
    parsed, problems = _dates([day.isoformat(), named])
    assert not problems
    assert parsed.tolist() == [pd.Timestamp(day)] * 2


@settings(deadline=None)  # the machine is shared: no timing assertions
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2100))
def test_ambiguous_numeric_dates_never_guessed(a, b, y):
    _, problems = _dates([f"{a:02d}/{b:02d}/{y}"])
    if a == b:
        assert not problems
    else:
        assert len(problems) == 1 and "ambiguous" in problems[0].reason and problems[0].row == 1


# --- vector kinds ---------------------------------------------------------------------


def test_gpkg_layer_choice_and_events_keep_ids(tmp_path):
    path = tmp_path / "two.gpkg"
    g = gpd.GeoDataFrame(
        {"event_id": ["x:1"], "date_start": ["2017-01-02"], "fatalities": [4]},
        geometry=gpd.points_from_xy([37.1], [36.2]),
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(g, path, layer="a")
    pyogrio.write_dataframe(g.assign(event_id=["x:2"]), path, layer="b")
    store = tmp_path / "s.gpkg"
    with pytest.raises(InputError) as exc:
        _imp("gpkg", path, store)
    (problem,) = exc.value.problems
    assert problem.code == "layer_required" and problem.values == ("a", "b")  # what a front end offers
    report = _imp("gpkg", path, store, layer="b")
    assert report.added == 1
    ev = Store(store).read("events")
    assert (
        ev["event_id"].tolist() == ["x:2"]
        and ev["fatalities"].tolist() == [4]
        and ev["dataset"].tolist() == ["gpkg"]
    )


def test_zipped_shapefile_in_other_crs_is_reprojected(tmp_path):
    g = gpd.GeoDataFrame(
        {"ref": ["7"], "day": ["2017-01-02"]}, geometry=gpd.points_from_xy([37.1], [36.2]), crs="EPSG:4326"
    ).to_crs(3857)
    pyogrio.write_dataframe(g, tmp_path / "pts.shp")
    with zipfile.ZipFile(tmp_path / "pts.zip", "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(tmp_path / f"pts.{ext}", f"pts.{ext}")
    store = tmp_path / "s.gpkg"
    assert _imp("zip", tmp_path / "pts.zip", store, map="id=ref,date=day").added == 1
    ev = Store(store).read("events")
    assert ev["event_id"].tolist() == ["zip:7"]
    assert ev.geometry.iloc[0].x == pytest.approx(37.1, abs=1e-9) and ev.geometry.iloc[0].y == pytest.approx(
        36.2, abs=1e-9
    )


def test_zones_import_and_catalog_lays_them_over_derived_zones(tmp_path):
    from geo.catalog import Catalog

    src = tmp_path / "z.geojson"
    gpd.GeoDataFrame(
        {
            "party": ["government", "islamic_state"],
            "valid_from": ["2017-01-01", "2016-12-11"],
            "valid_to": ["", "2017-03-02"],
        },
        geometry=[NORTH, SOUTH],
        crs="EPSG:4326",
    ).to_file(src, driver="GeoJSON")
    store = tmp_path / "s.gpkg"
    report = _imp("geojson", src, store, kind="zones")
    assert report.added == 2 and report.kind == "zones"
    assert _imp("geojson", src, store, kind="zones").duplicates == 2
    zones = Catalog(store).zones("2017-03-05")
    imported = zones[zones["method"] == "imported"]
    assert imported["party"].tolist() == ["government"]  # the IS zone ended on 2017-03-02
    # derived zones fill the rest and never overlap the imported polygon
    derived = zones[zones["method"] == "derived"]
    assert len(derived) > 0
    overlap = derived.intersection(imported.geometry.iloc[0]).to_crs("EPSG:32637").area
    assert overlap.max() < 1.0  # m²: no more than rounding
    bad = tmp_path / "bad.geojson"
    bad.write_text(src.read_text().replace('"government"', '"rebels"'))
    with pytest.raises(InputError) as exc:
        _imp("geojson", bad, store, kind="zones")
    assert "row 1, column 'party': 'rebels' is not one of" in _problems(exc)[0]


def test_zones_outside_syria_are_refused_with_the_row(tmp_path):
    from shapely.geometry import box as _box

    src = tmp_path / "z.geojson"
    gpd.GeoDataFrame(
        {"party": ["sdf", "sdf", "government"], "valid_from": ["2017-01-01"] * 3},
        # a zone in Africa, a zone with lat/lon swapped, a good one
        geometry=[_box(10, 10, 11, 11), _box(36.0, 37.0, 36.4, 37.4), NORTH],
        crs="EPSG:4326",
    ).to_file(src, driver="GeoJSON")
    store = tmp_path / "s.gpkg"
    with pytest.raises(InputError) as exc:
        _imp("geojson", src, store, kind="zones")
    got = _problems(exc)
    assert len(got) == 2
    assert got[0].startswith("row 1, column 'geometry': the zone lies entirely outside Syria's outline")
    assert got[1].startswith("row 2, column 'geometry': the zone lies entirely outside Syria's outline")
    assert "swapped" in got[1]
    assert not store.exists()


# --- boundaries -------------------------------------------------------------------


def _ocha(tmp_path, level, pcodes, geoms, name="syr_admin1"):
    cols = {
        f"adm{level}_pcode": pcodes,
        f"adm{level}_name": [f"n{p}" for p in pcodes],
        f"adm{level}_name1": ["ع"] * len(pcodes),
        "version": ["v02"] * len(pcodes),
    }
    if level >= 1:
        cols["adm0_pcode"] = ["SY"] * len(pcodes)
    gdf = gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / f"{name}.shp")
    return tmp_path / f"{name}.shp"


def test_ocha_boundaries_replace_and_reassign(tmp_path):
    from geo.catalog import Catalog

    store = tmp_path / "s.gpkg"
    _imp("ucdp", write_ucdp(tmp_path / "u.csv", [ucdp_row(1, 36.2, 37.1)]), store)
    assert Store(store).read("events")["admin1_pcode"].tolist() == ["SY02"]
    # a level-1 file in which the whole country is "SY04"
    shp = _ocha(tmp_path, 1, ["SY04"], [OUTLINE])
    report = import_file("boundaries", shp, store)
    assert (report.added, report.duplicates) == (1, 0)
    assert any("re-assigned the governorate of 1 stored events (1 changed)" in n for n in report.notes)
    cat = Catalog(store)
    b = cat.boundaries(1)
    assert (
        b["pcode"].tolist() == ["SY04"]
        and b["precision"].tolist() == ["official"]
        and cat.boundaries_are_official(1)
    )
    assert "OCHA" in b["source"].iloc[0] and "v02" in b["source"].iloc[0]
    assert Store(store).read("events")["admin1_pcode"].tolist() == ["SY04"]
    before = store.read_bytes()
    again = import_file("boundaries", shp, store)
    assert (again.added, again.duplicates) == (0, 1) and store.read_bytes() == before


def test_boundaries_refuse_foreign_pcodes(tmp_path):
    shp = _ocha(tmp_path, 1, ["IQ01", "SY02", "SY02"], [OUTLINE, NORTH, SOUTH], name="bad")
    with pytest.raises(InputError) as exc:
        import_file("boundaries", shp, tmp_path / "s.gpkg")
    msgs = _problems(exc)
    assert "row 1, column 'pcode': 'IQ01' is not a Syrian level-1 P-code" in msgs
    assert any(m.startswith("row 3, column 'pcode': duplicate ID '1:SY02'") for m in msgs)


def test_boundaries_zip_with_several_layers(tmp_path):
    a0 = _ocha(tmp_path, 0, ["SY"], [OUTLINE], name="syr_admin0")
    a1 = _ocha(tmp_path, 1, ["SY02", "SY03"], [NORTH, SOUTH], name="syr_admin1")
    other = _ocha(tmp_path, 1, ["SY02"], [NORTH], name="syr_admincapitals")
    with zipfile.ZipFile(tmp_path / "cod.zip", "w") as z:
        for shp in (a0, a1, other):
            for ext in ("shp", "shx", "dbf", "prj"):
                z.write(shp.with_suffix(f".{ext}"), shp.with_suffix(f".{ext}").name)
    store = tmp_path / "s.gpkg"
    report = import_file("boundaries", tmp_path / "cod.zip", store)
    assert report.added == 3
    assert any("skipped" in n and "syr_admincapitals" in n for n in report.notes)
    b = Store(store).read("boundaries")
    assert b["admin_level"].tolist() == [0, 1, 1]


def test_gzipped_csv_and_legacy_geojson_crs(tmp_path):
    import gzip
    import json

    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(1, 36.2, 37.1)])
    gz = tmp_path / "u.csv.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert _imp("ucdp", gz, tmp_path / "s.gpkg").added == 1
    x, y = gpd.GeoSeries(gpd.points_from_xy([37.1], [36.2]), crs="EPSG:4326").to_crs(3857).iloc[0].coords[0]
    fc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"event_id": "w:1", "date_start": "2017-01-01"},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        ],
    }
    path = tmp_path / "m.geojson"
    path.write_text(json.dumps(fc))
    assert _imp("geojson", path, tmp_path / "s.gpkg").added == 1
    pt = Store(tmp_path / "s.gpkg").read("events").set_index("event_id").geometry["w:1"]
    assert (pt.x, pt.y) == pytest.approx((37.1, 36.2), abs=1e-9)


def test_a_store_that_is_not_a_geopackage(tmp_path):
    bad = tmp_path / "s.gpkg"
    bad.write_text("not a geopackage")
    with pytest.raises(ValueError, match="is not a GeoPackage"):
        _imp("ucdp", write_ucdp(tmp_path / "u.csv", [ucdp_row(1, 36.2, 37.1)]), bad)
    assert bad.read_text() == "not a geopackage"


def test_vector_events_wrong_geometry_and_swapped(tmp_path):
    import json

    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"event_id": "g:1", "date_start": "2017-01-02"},
                "geometry": {"type": "Point", "coordinates": [36.2, 37.1]},
            },
            {
                "type": "Feature",
                "properties": {"event_id": "g:2", "date_start": "2017-01-02"},
                "geometry": {"type": "LineString", "coordinates": [[36.2, 37.1], [36, 35]]},
            },
            {
                "type": "Feature",
                "properties": {"event_id": "g:3", "date_start": "2017-01-02"},
                "geometry": None,
            },
        ],
    }
    path = tmp_path / "e.geojson"
    path.write_text(json.dumps(fc))
    with pytest.raises(InputError) as exc:
        _imp("geojson", path, tmp_path / "s.gpkg")
    msgs = _problems(exc)
    assert msgs[0].startswith("row 1, column 'geometry': latitude and longitude look swapped")
    assert msgs[1] == "row 2, column 'geometry': a LineString where Point is expected"
    assert msgs[2] == "row 3, column 'geometry': geometry is missing or could not be read"
    assert len(msgs) == 3


def test_concurrent_imports_keep_both(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    store = tmp_path / "s.gpkg"
    files = [
        write_ucdp(tmp_path / f"u{k}.csv", [ucdp_row(100 * k + i, 36.2, 37.1) for i in range(20)])
        for k in range(3)
    ]
    with ThreadPoolExecutor(3) as pool:
        reports = list(pool.map(lambda f: _imp("ucdp", f, store), files))
    assert [r.added for r in reports] == [20, 20, 20]
    assert Store(store).count("events") == 60


@settings(deadline=None)  # the machine is shared: no timing assertions
@given(
    st.floats(OUTLINE.bounds[1] - 2, OUTLINE.bounds[3] + 2),
    st.floats(OUTLINE.bounds[0] - 2, OUTLINE.bounds[2] + 2),
)
def test_check_points_agrees_with_the_outline(lat, lon):
    from shapely.geometry import Point

    frame, problems, flagged = v.check_points(pd.Series([lat]), pd.Series([lon]), pd.Series([1]), OUTLINE)
    metric = gpd.GeoSeries([OUTLINE.exterior, Point(lon, lat)], crs="EPSG:4326").to_crs("EPSG:32637")
    km = metric.iloc[0].distance(metric.iloc[1]) / 1000
    if OUTLINE.covers(Point(lon, lat)):
        assert not problems and not flagged
    elif km <= 4.99:
        assert not problems and frame["flags"].iloc[0] == "near_border"
    elif km > 5.01:
        assert len(problems) == 1 and problems[0].row == 1 and frame["flags"].iloc[0] == ""


def test_imported_event_types_match_the_class_filter_vocabulary():
    """UCDP and ACLED types land in ``viewstate.EVENT_TYPES``, so ``?class=battle`` finds them."""
    from geo.importers.acled import event_types
    from geo.importers.ucdp import VIOLENCE
    from webapp.viewstate import EVENT_TYPES

    assert set(VIOLENCE.values()) <= set(EVENT_TYPES)
    kinds = pd.Series(
        ["Battles", "Explosions/Remote violence", "Explosions/Remote violence", "Explosions/Remote violence",
         "Violence against civilians", "Protests"]
    )
    subs = pd.Series(
        ["Armed clash", "Shelling/artillery/missile attack", "Air/drone strike", "Remote explosive/landmine/IED",
         "Attack", "Peaceful protest"]
    )
    got = event_types(kinds, subs).tolist()
    assert got == ["battle", "shelling", "airstrike", "explosion", "violence_against_civilians", "protests"]
    assert set(got[:-1]) <= set(EVENT_TYPES)


def test_rows_with_too_many_or_too_few_fields_are_named(tmp_path):
    # pandas alone would shift row 1 (its extra field makes the first column an index)
    src = tmp_path / "ragged.csv"
    src.write_text(
        'ID,Date,Lat,Lon,Notes\nr1,2017-01-05,36.2,37.1,x,extra\nr2,2017-01-06,36.2,37.1\n\n'
        'r3,2017-01-07,36.2,37.1,"a, quoted\nline break"\n',
        encoding="utf-8",
    )
    store = tmp_path / "s.gpkg"
    with pytest.raises(InputError) as exc:
        _imp("csv", src, store, map="id=ID,date=Date,lat=Lat,lon=Lon,notes=Notes")
    assert _problems(exc) == [
        "row 1: 6 fields where the header has 5 (an unquoted comma in a value, or a missing one?)",
        "row 2: 4 fields where the header has 5 (an unquoted comma in a value, or a missing one?)",
    ]
    assert not store.exists()


def test_binary_files_named_csv_are_refused_with_what_they_are(tmp_path):
    import zipfile

    src = tmp_path / "events.csv"  # an Excel workbook renamed
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError) as exc:
        _imp("csv", src, tmp_path / "s.gpkg", map="id=a,date=b,lat=c,lon=d")
    assert "Excel .xlsx workbook" in _problems(exc)[0] and "CSV UTF-8" in _problems(exc)[0]
    src.write_bytes(b"a,b\x00\x01\x02,c\n")
    with pytest.raises(InputError) as exc:
        _imp("ucdp", src, tmp_path / "s.gpkg")
    assert _problems(exc) == ["file: this is a binary file, not a text file"]


def test_events_outside_the_window_are_stored_with_a_note(tmp_path):
    src = tmp_path / "e.csv"
    src.write_text(
        "event_id,date_start,lat,lon\nx:1,2017-01-05,36.2,37.1\nx:2,2015-06-01,36.2,37.1\nx:3,2018-01-01,36.2,37.1\n",
        encoding="utf-8",
    )
    report = _imp("csv", src, tmp_path / "s.gpkg")
    assert report.added == 3
    assert any(n.startswith("2 of the 3 added events start outside the monitored window 2016-12-01 .. 2017-03-31 "
                            "(first: row 2, 2015-06-01)") for n in report.notes)


def test_the_name_option_names_the_batch_and_the_default_source(tmp_path):
    src = tmp_path / "tmpab12cd.geojson"  # an upload saved under a temporary name
    gpd.GeoDataFrame(
        {"party": ["sdf"], "valid_from": ["2017-01-01"]}, geometry=[NORTH], crs="EPSG:4326"
    ).to_file(src, driver="GeoJSON")
    store = tmp_path / "s.gpkg"
    _imp("geojson", src, store, kind="zones", name="kurdish_zones.geojson")
    assert Store(store).read("zones")["source"].tolist() == ["kurdish_zones.geojson"]
    ev = tmp_path / "tmpzz.csv"
    ev.write_text("event_id,date_start,lat,lon\nx:1,2017-01-05,36.2,37.1\n", encoding="utf-8")
    _imp("csv", ev, store, name="my events.csv")
    assert Store(store).read("events")["import_batch"].iloc[0].endswith(" csv my events.csv")


def test_ragged_row_numbers_follow_the_rows_pandas_reads():
    from geo.encoding import _lines, _ragged_rows

    # pandas reads ",," as a row but skips empty and whitespace-only lines
    text = '\ufeffa,b,c\n1,2,3\n,,\n   \n\n4,5,6,7\n"x\ny",2\n'
    assert [(p.row, p.reason.split(" where")[0]) for p in _ragged_rows(_lines(text.encode(), "utf-8"), ",", 3, 100)] == [
        (3, "4 fields"),
        (4, "2 fields"),
    ]


def test_ucdp_dataset_column_keeps_synthetic_and_refuses_other_values(tmp_path):
    rows = [ucdp_row(20, 36.2, 37.1), ucdp_row(21, 33.5, 36.3)]
    rows[0]["dataset"], rows[1]["dataset"] = "synthetic", ""
    store = tmp_path / "s.gpkg"
    assert _imp("ucdp", write_ucdp(tmp_path / "syn.csv", rows), store).added == 2
    got = Store(store).read("events").set_index("event_id")["dataset"]
    assert got.to_dict() == {"ucdp:20": "synthetic", "ucdp:21": "ucdp"}
    rows = [ucdp_row(22, 36.2, 37.1)]
    rows[0]["dataset"] = "curated"
    with pytest.raises(InputError) as exc:
        _imp("ucdp", write_ucdp(tmp_path / "bad.csv", rows), tmp_path / "t.gpkg")
    assert _problems(exc) == ["row 1, column 'dataset': 'curated' is not one of ucdp, synthetic"]
    assert not (tmp_path / "t.gpkg").exists()


def test_import_tells_a_progress_callback_each_step(tmp_path):
    steps = []
    src = write_ucdp(tmp_path / "u.csv", [ucdp_row(30, 36.2, 37.1), ucdp_row(31, 33.5, 36.3)])
    _imp("ucdp", src, tmp_path / "s.gpkg", progress=lambda step, rows: steps.append((step, rows)))
    assert steps == [("read", None), ("check", 2), ("write", 2), ("derive", None)]
