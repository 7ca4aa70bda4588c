"""Incident linking (geo/incidents.py): one incident in two datasets is counted once.

Synthetic records for the rule's edges (same day / 1 day / 2 days; 5 / 15 km; compatible or not),
then the shipped data: the number of links equals the one documented in data/README.md, and
counts by class and governorate count incidents.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.catalog import Catalog
from geo.frames import canonical
from geo.incidents import LINK_COLUMNS, MAX_KM, WINDOW_DAYS, link_incidents
from geo.paths import DATA_DIR
from geo.schema import METRIC_CRS
from geo.stats import counts_by

ACTORS = pd.DataFrame(
    [
        ("Government of Syria", "government", "state"),
        ("Syrian government forces", "government", "state"),
        ("Syrian insurgents", "opposition", "umbrella"),
        ("Rebel groups", "opposition", "armed_group"),
        ("IS", "islamic_state", "excluded"),
        ("Islamic State", "islamic_state", "excluded"),
        ("SDF", "sdf", "outside"),
        ("HTS", "hts", "excluded"),
    ],
    columns=["pattern", "party", "kind"],
)
# Homs, and a point due east at a given distance (metric CRS, so distances are exact)
ORIGIN = Point(36.72, 34.73)


def _east(km: float) -> Point:
    p = gpd.GeoSeries([ORIGIN], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    return gpd.GeoSeries([Point(p.x + km * 1000, p.y)], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]


def _event(eid, dataset, day, point, a1, a2, *, end=None, geo="near", date_prec="day", fat=None, pcode="SY04"):
    return {
        "event_id": eid,
        "dataset": dataset,
        "date_start": pd.Timestamp(day),
        "date_end": pd.Timestamp(end or day),
        "date_precision": date_prec,
        "geo_precision": geo,
        "place": f"place of {eid}",
        "admin1_pcode": pcode,
        "actor1": a1,
        "actor2": a2,
        "event_type": "battle",
        "fatalities": fat,
        "geometry": point,
    }


def _frame(rows) -> gpd.GeoDataFrame:
    return canonical("events", gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326"))


CURATED = _event("curated:001", "curated", "2017-02-10", ORIGIN, "Syrian government forces", "Rebel groups")


def _links(*ucdp_rows):
    incidents, links = link_incidents(_frame([CURATED, *ucdp_rows]), ACTORS)
    return incidents, links


def test_same_day_close_compatible_actors_is_one_incident_with_two_sources():
    u = _event("ucdp:1", "ucdp", "2017-02-10", _east(5), "Government of Syria", "Syrian insurgents", fat=7)
    incidents, links = _links(u)
    assert list(links.columns) == list(LINK_COLUMNS)
    assert links[["curated_id", "ucdp_id", "days_apart"]].values.tolist() == [["curated:001", "ucdp:1", 0]]
    assert links["km"].iloc[0] == pytest.approx(5.0, abs=0.01)
    assert "parties in common: government, opposition" in links["reason"].iloc[0]
    assert incidents["event_id"].tolist() == ["curated:001"]
    row = incidents.iloc[0]
    assert row["incident_sources"] == "curated:001|ucdp:1"
    assert row["corroborated_by"] == "ucdp:1"
    assert "ucdp:1 (2017-02-10, place of ucdp:1, 7 killed)" == row["corroboration"]
    # the curated record gave no toll: the incident takes UCDP's, flagged
    assert row["fatalities"] == 7 and "fatalities_from_ucdp" in row["flags"]


def test_one_day_apart_links_two_days_apart_does_not():
    assert WINDOW_DAYS == 1
    one = _event("ucdp:1", "ucdp", "2017-02-11", ORIGIN, "Government of Syria", "Syrian insurgents")
    two = _event("ucdp:2", "ucdp", "2017-02-12", ORIGIN, "Government of Syria", "Syrian insurgents")
    before = _event("ucdp:3", "ucdp", "2017-02-08", ORIGIN, "Government of Syria", "Syrian insurgents")
    incidents, links = _links(one, two, before)
    assert links["ucdp_id"].tolist() == ["ucdp:1"]
    assert links["days_apart"].tolist() == [1]
    assert sorted(incidents["event_id"]) == ["curated:001", "ucdp:2", "ucdp:3"]
    assert incidents.loc[incidents["event_id"] == "ucdp:2", "incident_sources"].item() == "ucdp:2"
    assert incidents.loc[incidents["event_id"] == "ucdp:2", "corroborated_by"].item() == ""


def test_spans_overlap_widened_by_a_day():
    # a UCDP span 3-9 Feb ends the day before the curated event: linked, 1 day apart
    span = _event("ucdp:1", "ucdp", "2017-02-05", ORIGIN, "Government of Syria", "Syrian insurgents", end="2017-02-09",
                  date_prec="days")
    assert _links(span)[1]["days_apart"].tolist() == [1]


def test_fifteen_km_apart_is_not_linked_ten_is():
    assert MAX_KM == 10.0
    far = _event("ucdp:1", "ucdp", "2017-02-10", _east(15), "Government of Syria", "Syrian insurgents")
    near = _event("ucdp:2", "ucdp", "2017-02-10", _east(9.9), "Government of Syria", "Syrian insurgents")
    _, links = _links(far, near)
    assert links["ucdp_id"].tolist() == ["ucdp:2"]


def test_incompatible_actors_are_not_linked():
    other = _event("ucdp:1", "ucdp", "2017-02-10", ORIGIN, "IS", "SDF")  # no party in common
    half = _event("ucdp:2", "ucdp", "2017-02-10", ORIGIN, "Government of Syria", "SDF")  # one side differs
    incidents, links = _links(other, half)
    assert len(links) == 0
    assert len(incidents) == 3 and (incidents["corroborated_by"] == "").all()


def test_unnamed_side_does_not_block_but_one_side_must_match():
    unnamed = _event("ucdp:1", "ucdp", "2017-02-10", ORIGIN, "Government of Syria", "")
    nothing = _event("ucdp:2", "ucdp", "2017-02-10", ORIGIN, "", "")
    _, links = _links(unnamed, nothing)
    assert links["ucdp_id"].tolist() == ["ucdp:1"]


def test_umbrella_name_covers_hts():
    cur = _event("curated:002", "curated", "2017-03-01", ORIGIN, "HTS", "Syrian government forces")
    u = _event("ucdp:9", "ucdp", "2017-03-01", ORIGIN, "Government of Syria", "Syrian insurgents")
    _, links = link_incidents(_frame([cur, u]), ACTORS)
    assert links["reason"].tolist() == ["same day, 0.0 km apart, parties in common: government, hts"]


def test_imprecise_rows_never_link():
    country = _event("ucdp:1", "ucdp", "2017-02-10", ORIGIN, "Government of Syria", "Syrian insurgents",
                     geo="country", pcode="")
    province = _event("ucdp:2", "ucdp", "2017-02-10", ORIGIN, "Government of Syria", "Syrian insurgents",
                      geo="governorate")
    month = _event("ucdp:3", "ucdp", "2017-02-01", ORIGIN, "Government of Syria", "Syrian insurgents",
                   end="2017-02-28", date_prec="month")
    long_days = _event("ucdp:4", "ucdp", "2017-02-01", ORIGIN, "Government of Syria", "Syrian insurgents",
                       end="2017-02-10", date_prec="days")
    assert len(_links(country, province, month, long_days)[1]) == 0


def test_a_ucdp_event_joins_one_incident_the_nearest_in_time():
    cur2 = _event("curated:002", "curated", "2017-02-11", ORIGIN, "Syrian government forces", "Rebel groups")
    u = _event("ucdp:1", "ucdp", "2017-02-11", _east(3), "Government of Syria", "Syrian insurgents")
    incidents, links = link_incidents(_frame([CURATED, cur2, u]), ACTORS)
    assert links[["curated_id", "ucdp_id"]].values.tolist() == [["curated:002", "ucdp:1"]]
    assert incidents.set_index("event_id")["corroborated_by"].to_dict() == {"curated:001": "", "curated:002": "ucdp:1"}


def test_a_curated_toll_is_never_replaced():
    cur = {**CURATED, "fatalities": 3}
    u = _event("ucdp:1", "ucdp", "2017-02-10", ORIGIN, "Government of Syria", "Syrian insurgents", fat=40)
    incidents, _ = link_incidents(_frame([cur, u]), ACTORS)
    assert incidents["fatalities"].tolist() == [3]
    assert "fatalities_from_ucdp" not in incidents["flags"].iloc[0]


def test_folded_frames_are_refused():
    incidents, _ = _links()
    with pytest.raises(ValueError, match="already folded"):
        link_incidents(incidents, ACTORS)


def test_counts_by_class_and_governorate_count_a_linked_pair_once():
    u = _event("ucdp:1", "ucdp", "2017-02-10", _east(2), "Government of Syria", "Syrian insurgents", fat=7)
    lone = _event("ucdp:2", "ucdp", "2017-02-10", _east(40), "Government of Syria", "Syrian insurgents", fat=1)
    incidents, _ = link_incidents(_frame([CURATED, u, lone]), ACTORS)
    by_gov = counts_by(incidents, "governorate").set_index("pcode")
    assert by_gov.loc["SY04", "events"] == 2 and by_gov.loc["SY04", "fatalities"] == 8
    by_class = counts_by(incidents, "class", actors=ACTORS).set_index("class")
    assert by_class.loc["truce_violation", "events"] == 2
    assert by_class["events"].sum() == 2


# --- the shipped data ----------------------------------------------------------------------------


def _documented_links() -> int:
    text = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"the rule makes \*\*(\d+) links\*\*", text)
    assert len(found) == 1, "data/README.md states the number of links once ('the rule makes **N links**')"
    return int(found[0])


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("inc") / "s.gpkg")
    return cat, cat.event_records(), cat.events(), cat.incident_links()


def test_shipped_links_equal_the_documented_number(shipped):
    _cat, records, incidents, links = shipped
    assert len(links) == _documented_links(), "rerun scripts/build_ucdp.py: it prints the number to document"
    assert len(incidents) == len(records) - len(links)
    assert links["ucdp_id"].is_unique and links["ucdp_id"].str.startswith("ucdp:").all()
    assert links["curated_id"].str.startswith("curated:").all()
    assert (links["days_apart"] <= WINDOW_DAYS).all() and (links["km"] <= MAX_KM).all()


def test_shipped_counts_count_incidents(shipped):
    cat, records, incidents, links = shipped
    assert incidents["event_id"].is_unique
    assert not incidents["event_id"].isin(set(links["ucdp_id"])).any()
    # every record is in exactly one incident
    members = [i for s in incidents["incident_sources"] for i in s.split("|")]
    assert sorted(members) == sorted(records["event_id"])
    by_gov = counts_by(incidents, "governorate")
    assert by_gov["events"].sum() == len(incidents)
    # the export writes records (lossless), the pages count incidents
    from geo import export

    assert len(export.select(cat, "events")) == len(records)


def test_popup_lists_the_corroborating_ucdp_events_escaped():
    import json
    import re

    import folium

    from layers.events import POPUP_LABELS, events_layer

    evil = "<img src=x onerror=alert(1)>${x}`"
    u = _event("ucdp:1", "ucdp", "2017-02-10", _east(1), "Government of Syria", "Syrian insurgents", fat=7)
    u["place"] = evil
    incidents, _ = link_incidents(_frame([CURATED, u]), ACTORS)
    m = folium.Map()
    events_layer(incidents.assign(truce_class="truce_violation", party1="government")).group.add_to(m)
    html = m.get_root().render()
    spec = next(s for s in (json.loads(x) for x in re.findall(r"var spec = (\{.*?\});\n", html)) if s["kind"] == "event")
    rows = [r for g in spec["groups"] for r in g["rows"]]
    assert len(rows) == 1  # one incident, one point
    # the values the popup script turns into the table (tests/browser/test_popup_js.py runs it)
    popup = dict(zip(spec["popupLabels"], rows[0][4], strict=False))
    assert POPUP_LABELS.index("Corroborated by") > POPUP_LABELS.index("Source")
    assert popup["Corroborated by"].startswith("UCDP GED: ucdp:1 (2017-02-10, ")
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;x&#125;&#96;" in popup["Corroborated by"]
    assert "<img" not in popup["Corroborated by"]
    assert popup["Fatalities"].startswith("7 (sum of the linked UCDP events")
