"""Layer builders: render folium maps to HTML and check features, colours and escaping."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geo.palette import CLASS_COLOURS, PARTY_COLOURS, ZONE_OPACITY
from geo.schema import PARTIES
from layers.assets import VENDOR_FILES, VENDOR_URL, base_map, localize
from layers.boundaries import NOT_OFFICIAL_NOTE, add_boundary_pane, boundaries_layer, boundaries_note
from layers.events import POPUP_LABELS, events_layer
from layers.legend import add_legend, add_note, legend_html
from layers.points import PointRows
from layers.safe import esc, safe_colour
from layers.towns import town_radius, towns_layer
from layers.zones import zones_geojson, zones_layer

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`); alert(1); (`",
    "</script><script>alert(1)</script>",
    "trailing backslash \\",
    "quote \" and ' and &amp;",
]
EVIL = "<img src=x onerror=alert(1)>${alert(2)}`</script>\\"


def _render(m) -> str:
    return m.get_root().render()


def cdn_urls(html: str) -> list[str]:
    """Every ``http(s)`` URL in a ``src=``/``href=`` attribute of ``html``."""
    return re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)


def _spec(html_text: str, kind: str) -> dict:
    """The JSON spec of the PointRows layer of ``kind`` in a rendered map."""
    for m in re.finditer(r"var spec = (\{.*?\});\n", html_text):
        spec = json.loads(m.group(1))
        if spec["kind"] == kind:
            return spec
    raise AssertionError(f"no {kind} layer in the HTML")


def _geojson_blocks(html_text: str) -> list[dict]:
    """The FeatureCollections in the HTML: folium's ``GeoJson`` blocks and the specs of ``ZoneShapes``
    and ``BoundaryLines``."""
    return [json.loads(m.group(1) or m.group(2)) for m in re.finditer(
        r"_add\((\{\"(?:bbox|features)\".*?\})\);\n|var spec = (\{\"(?:bbox|features)\".*?\});\n", html_text)]


def _no_raw_payload(html_text: str) -> None:
    assert "<img src=x" not in html_text
    assert "${alert" not in html_text
    assert "</script><script>alert" not in html_text


# --- escaping -------------------------------------------------------------------------
@pytest.mark.parametrize("text", PAYLOADS)
def test_esc_neutralises_html_and_template_literals(text):
    out = esc(text)
    for ch in "<>`${}\\\"'":
        assert ch not in out
    assert html.unescape(out) == text


@given(st.text())
def test_esc_never_leaves_an_active_character(text):
    out = esc(text)
    assert not set(out) & set("<>`${}\\\"'\x00")
    assert html.unescape(out) == text.replace("\x00", "")


def test_esc_of_missing_values_is_empty():
    assert esc(None) == esc(float("nan")) == esc(pd.NA) == esc(pd.NaT) == ""
    assert esc(3) == "3"


def test_safe_colour_only_accepts_hex():
    assert safe_colour("#D55E00") == "#D55E00"
    assert safe_colour("red;background:url(x)") == "#333333"
    assert safe_colour("#12345g", "#000") == "#000"


# --- fixtures -------------------------------------------------------------------------
@pytest.fixture
def zones():
    return gpd.GeoDataFrame(
        {
            "party": ["government", "opposition", "contested"],
            "valid_from": pd.to_datetime(["2016-12-22", "2016-12-01", "2017-01-05"]),
            "valid_to": pd.to_datetime([None, "2017-02-01", None]),
            "method": ["derived"] * 3,
            "source": [EVIL, "src-2", "src-3"],
        },
        geometry=[box(36.0, 35.0, 37.0, 36.0), box(37.0, 35.0, 38.0, 36.0), box(38.0, 35.0, 38.5, 35.5)],
        crs="EPSG:4326",
    )


@pytest.fixture
def events():
    n = 6
    return gpd.GeoDataFrame(
        {
            "event_id": [f"curated:{i}" for i in range(n)],
            "dataset": ["curated", "synthetic", "curated", "curated", "ucdp", "curated"],
            "date_start": pd.to_datetime(["2017-01-01", "2017-01-02", "2017-01-03", "2017-01-04", "2017-01-05", "2017-01-06"]),
            "date_end": pd.to_datetime(["2017-01-01", "2017-01-02", "2017-01-03", "2017-01-04", "2017-01-07", "2017-01-06"]),
            "date_precision": ["day"] * n,
            "geo_precision": ["exact", "district", "country", "near", "governorate", "exact"],
            "place": [EVIL, "Wadi Barada", "Syria", "Aleppo", "Idleb", "Al-Bab"],
            "admin1_pcode": ["SY02", "SY03", "", "SY02", "SY07", "SY02"],
            "actor1": ["Army", "Army", "X", "HTS", "IS", "Army"],
            "actor2": ["Rebels", "Rebels", "", "Rebels", "", "IS"],
            "event_type": ["shelling"] * n,
            "fatalities": pd.array([3, None, 1, 2, 5, 0], dtype="Int64"),
            "fatalities_low": pd.array([None] * n, dtype="Int64"),
            "fatalities_high": pd.array([None] * n, dtype="Int64"),
            "source": ["SOHR"] * n,
            "truce_class": ["truce_violation", "truce_violation", "one_sided", "excluded_group", "", "other_fighting"],
            "party1": ["government", "government", "", "hts", "islamic_state", "government"],
        },
        geometry=[Point(36.5, 35.5), Point(36.1, 33.6), Point(38.0, 35.0), Point(37.16, 36.2), Point(36.6, 35.9),
                  Point(37.5, 36.37)],
        crs="EPSG:4326",
    )


@pytest.fixture
def towns():
    return gpd.GeoDataFrame(
        {
            "locality_id": ["gn:170063", "cur:al-bab", "gn:1"],
            "name_en": ["Aleppo", "Al-Bab", EVIL],
            "name_ar": ["حلب", "الباب", ""],
            "admin1_pcode": ["SY02", "SY02", "SY07"],
            "n_sources": pd.array([9, 1, 4], dtype="Int64"),
            "party": ["government", "euphrates_shield", ""],
            "citations": [["Reuters: Aleppo evacuation (2016-12-22)", EVIL], ["AFP: Al-Bab"], "a|b"],
        },
        geometry=[Point(37.16, 36.2), Point(37.52, 36.37), Point(36.63, 35.93)],
        crs="EPSG:4326",
    )


# --- assets / base map ------------------------------------------------------------------
def test_base_map_loads_only_local_assets():
    m = base_map((35, 38.5), 7, tiles=False)
    out = _render(m)
    assert cdn_urls(out) == []
    assert f'src="{VENDOR_URL}/leaflet.js"' in out and f'src="{VENDOR_URL}/jquery-3.7.1.min.js"' in out
    assert f'href="{VENDOR_URL}/leaflet.css"' in out
    assert '"maxZoom": 18' in out and '"preferCanvas": true' in out
    assert "tile.openstreetmap.org" not in out


def test_view_in_address_bar_script_is_fixed_and_only_where_asked():
    from layers.assets import add_view_in_address_bar

    plain = _render(base_map((35, 38.5), 7))
    assert "replaceState" not in plain and "moveend" not in plain  # standalone maps do not get it
    m = base_map((35, 38.5), 7)
    add_view_in_address_bar(m, home=(35.0, 38.5, 7), lat_range=(31.0, 38.5), lon_range=(34.0, 44.0),
                            zoom_range=(5, 16), decimals=5)
    out = _render(m)
    config = json.loads(re.search(r"var cfg = (\{[^;]*\});", out).group(1))
    assert config == {"home": [35.0, 38.5, 7], "lat": [31.0, 38.5], "lon": [34.0, 44.0], "zoom": [5, 16],
                      "decimals": 5}
    assert '.on("moveend", publish)' in out and "history.replaceState" in out
    assert re.search(r"\}\)\(map_[0-9a-f]+\);", out)  # bound to this map's variable
    assert "window.parent !== window" in out  # a standalone page (no parent frame) is left alone
    assert cdn_urls(out) == [] and "http" not in out.split("var cfg", 1)[1].split("</script>", 1)[0]


def test_basemap_tiles_are_a_switchable_layer_when_asked_for():
    out = _render(base_map(tiles=True))
    assert "tile.openstreetmap.org" in out
    assert cdn_urls(out) == []  # tiles are images fetched by Leaflet, not script/style links


def test_full_map_with_clusters_has_no_cdn_link(zones, events, towns):
    m = base_map()
    add_boundary_pane(m)
    zones_layer(zones).add_to(m)
    events_layer(events, cluster=True).group.add_to(m)
    towns_layer(towns, date_label="2017-01-01").add_to(m)
    out = _render(m)
    assert cdn_urls(out) == []
    assert f'src="{VENDOR_URL}/leaflet.markercluster.js"' in out
    assert f'href="{VENDOR_URL}/MarkerCluster.Default.css"' in out
    _no_raw_payload(out)


def test_localize_rewrites_known_and_drops_unknown_links():
    import folium
    from folium.plugins import MarkerCluster

    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    localize(m)
    out = _render(m)
    assert cdn_urls(out) == []
    assert f"{VENDOR_URL}/leaflet.markercluster.js" in out
    assert set(VENDOR_FILES) >= {"leaflet.js", "leaflet.css", "jquery-3.7.1.min.js"}


# --- zones ------------------------------------------------------------------------------
def test_zones_filled_by_party_with_palette_and_tooltip(zones):
    m = base_map()
    zones_layer(zones, name="Control zones on 2017-01-10").add_to(m)
    out = _render(m)
    (data,) = _geojson_blocks(out)
    feats = data["features"]
    assert [f["properties"]["party"] for f in feats] == ["government", "opposition", "contested"]
    for f in feats:
        style = f["properties"]["style"]
        assert style["fillColor"] == PARTY_COLOURS[f["properties"]["party"]]
        assert style["fillOpacity"] == ZONE_OPACITY
    gov = feats[0]["properties"]
    assert PARTIES["government"] in gov["tip"]
    assert "held from 2016-12-22" in gov["tip"]
    assert "held 2016-12-01 to 2017-01-31" in feats[1]["properties"]["tip"]  # valid_to is exclusive
    assert gov["valid_from"] == "2016-12-22" and gov["valid_to"] == ""
    assert "&lt;img src=x" in gov["tip"] and "&#36;&#123;alert(2)" in gov["tip"]
    assert feats[2]["properties"]["style"]["dashArray"]  # contested is dashed
    _no_raw_payload(out)


def test_zones_geojson_is_plain_json_and_simplified():
    import numpy as np
    from shapely.geometry import Polygon

    t = np.linspace(0, 2 * np.pi, 5000)
    circle = Polygon(np.column_stack([37 + np.cos(t), 35 + np.sin(t)]))
    gdf = gpd.GeoDataFrame({"party": ["sdf"], "valid_from": [pd.Timestamp("2017-01-01")], "valid_to": [pd.NaT]},
                           geometry=[circle], crs="EPSG:4326")
    data = zones_geojson(gdf)
    json.dumps(data)  # no Timestamp anywhere
    n = len(data["features"][0]["geometry"]["coordinates"][0])
    assert n < 500
    assert zones_geojson(gdf.iloc[0:0]) == {"type": "FeatureCollection", "features": []}


# --- events -----------------------------------------------------------------------------
def test_events_coloured_by_class_hollow_when_imprecise(events):
    layer = events_layer(events, color_by="class")
    m = base_map()
    layer.group.add_to(m)
    out = _render(m)
    spec = _spec(out, "event")
    assert spec["cluster"] is True
    by_key = {g["key"]: g for g in spec["groups"]}
    assert by_key["truce_violation"]["color"] == CLASS_COLOURS["truce_violation"]
    assert by_key["excluded_group"]["color"] == CLASS_COLOURS["excluded_group"]
    assert "unclassified" in by_key  # "" class still drawn, in its own category
    assert layer.drawn == 5 and layer.not_drawn == 1  # the country-level event has no place
    assert layer.hollow == 2
    solid = {round(r[1], 2): r[2] for g in spec["groups"] for r in g["rows"]}
    assert solid[36.1] == 0 and solid[36.6] == 0  # district and governorate: hollow
    assert solid[36.5] == 1 and solid[37.16] == 1
    assert sum(len(g["rows"]) for g in spec["groups"]) == 5


def test_events_coloured_by_perpetrator(events):
    spec = _spec(_render_layer(events_layer(events, color_by="party").group), "event")
    by_key = {g["key"]: g for g in spec["groups"]}
    assert by_key["government"]["color"] == PARTY_COLOURS["government"]
    assert by_key["hts"]["color"] == PARTY_COLOURS["hts"]
    assert len(by_key["government"]["rows"]) == 3


def _render_layer(fg) -> str:
    m = base_map()
    fg.add_to(m)
    return _render(m)


def _popup_values(spec: dict) -> dict[str, tuple[dict, str]]:
    """Record id -> (popup value by label, tooltip) of an event layer's rows: the data its script
    turns into the popup table (run in Chromium by tests/browser/test_popup_js.py)."""
    n = len(spec["popupLabels"])
    out = {}
    for g in spec["groups"]:
        for r in g["rows"]:
            shown = [spec["strings"][v] if isinstance(v, int) else v for v in r[4][:n]]  # shared values
            values = dict(zip(spec["popupLabels"], shown, strict=True))
            out[r[4][n]] = ({**values, "synthetic": r[4][n + 1]}, r[5])
    return out


def test_event_popup_fields_escaped_and_synthetic_labelled(events):
    out = _render_layer(events_layer(events).group)
    spec = _spec(out, "event")
    assert spec["popupLabels"] == POPUP_LABELS
    popups = _popup_values(spec)
    first, _tip = popups["curated:0"]
    assert first["Date"] == "2017-01-01" and first["Actors"] == "Army vs Rebels" and first["Source"] == "SOHR"
    assert first["Place"] == "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;&lt;/script&gt;&#92;"
    assert first["synthetic"] == 0
    synthetic, tip = popups["curated:1"]
    assert synthetic["synthetic"] == 1 and tip.startswith("[SYNTHETIC]")
    assert spec["syntheticNote"].startswith("SYNTHETIC")
    assert "district" in synthetic["Precision"]
    assert popups["curated:4"][0]["Date"] == "2017-01-05 – 2017-01-07"
    assert synthetic["Fatalities"] == "not reported"  # missing fatalities said so, not shown as 0
    # every value in the data is escaped: no raw markup anywhere in the rows
    for g in spec["groups"]:
        for r in g["rows"]:
            assert all("<" not in str(v) for v in r[4])
    _no_raw_payload(out)


def test_events_without_clustering_and_empty():
    empty = events_layer(gpd.GeoDataFrame({"event_id": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326))
    assert empty.drawn == 0
    assert "var spec" not in _render_layer(empty.group)


# --- towns ------------------------------------------------------------------------------
def test_towns_labelled_sized_and_popups(towns):
    out = _render_layer(towns_layer(towns, date_label="2017-02-24"))
    spec = _spec(out, "town")
    assert spec["labels"] is True and spec["cluster"] is False
    rows = {r[5]: r for g in spec["groups"] for r in g["rows"]}
    assert rows["Aleppo"][3] > rows["Al-Bab"][3]  # sized by number of citing sources
    assert rows["Aleppo"][3] == town_radius(9)
    pop = rows["Al-Bab"][4]
    assert "الباب" in pop and "Aleppo" in pop  # Arabic name, governorate (SY02 = Aleppo)
    assert PARTIES["euphrates_shield"] in pop and "Held on 2017-02-24" in pop
    assert "AFP: Al-Bab" in pop
    evil_row = next(r for k, r in rows.items() if "&lt;img" in k)
    assert "no control record" in evil_row[4]
    assert "<li>a</li><li>b</li>" in evil_row[4]
    colours = {g["key"]: g["color"] for g in spec["groups"]}
    assert colours["government"] == PARTY_COLOURS["government"]
    _no_raw_payload(out)


def test_town_popup_accepts_document_dicts(towns):
    t = towns.drop(columns=["citations"]).iloc[:1].copy()
    t["documents"] = [[{"title": "Talks resume", "outlet": "UN News", "date": "2017-01-23", "sentence": ""}]]
    spec = _spec(_render_layer(towns_layer(t, date_label="2017-01-23")), "town")
    assert "UN News: Talks resume (2017-01-23)" in spec["groups"][0]["rows"][0][4]


# --- boundaries, legend, notes ------------------------------------------------------------
def test_boundaries_thin_reference_layer_with_official_note():
    gov = gpd.GeoDataFrame({"name_en": ["Aleppo", EVIL]}, geometry=[box(36, 35.5, 38.5, 36.8), box(36, 35, 37, 35.5)],
                           crs="EPSG:4326")
    country = gpd.GeoDataFrame({"name_en": ["Syria"]}, geometry=[box(35.5, 32.3, 42.4, 37.3)], crs="EPSG:4326")
    m = base_map()
    add_boundary_pane(m)
    fg = boundaries_layer(gov, country, official=True)
    fg.add_to(m)
    out = _render(m)
    blocks = _geojson_blocks(out)
    assert sum(len(b["features"]) for b in blocks) == 3
    styles = [f["properties"]["style"] for b in blocks for f in b["features"]]
    assert all(s["fill"] is False and s["weight"] <= 2 and "dashArray" not in s for s in styles)
    # no pane of their own (it would get a canvas covering the zones): the map's one canvas
    assert 'interactive: false' in out and '"pane"' not in out and "new OrderedCanvas(" in out
    assert fg.layer_name == "Governorate boundaries"
    assert "OCHA" in boundaries_note(True) and "CC BY 3.0 IGO" in boundaries_note(True)
    # Every map credits the boundaries in Leaflet's attribution control (escaped, quoted for JS).
    assert 'attributionControl.addAttribution("Boundaries: OCHA / UN Cartographic Section COD-AB, CC BY 3.0 IGO")' in out
    # An imported file not marked official is dashed and labelled so.
    plain = boundaries_layer(gov, country, official=False)
    assert "(not official)" in plain.layer_name and boundaries_note(False) == NOT_OFFICIAL_NOTE
    _no_raw_payload(out)


def test_boundaries_bounds_are_those_folium_would_walk_out():
    """The boundaries carry their bbox, so the map's bounds (asked by streamlit-folium at every
    rerun) need no walk over every coordinate, and are the same as folium's own walk."""
    from folium.utilities import get_bounds

    gov = gpd.GeoDataFrame({"name_en": ["A", "B"]}, geometry=[box(36, 35.5, 38.5, 36.8), box(36, 35, 37, 35.5)],
                           crs="EPSG:4326")
    country = gpd.GeoDataFrame({"name_en": ["Syria"]}, geometry=[box(35.5, 32.3, 42.4, 37.3)], crs="EPSG:4326")
    m = base_map()
    fg = boundaries_layer(gov, country, official=True)
    fg.add_to(m)
    walked = [get_bounds(child.spec, lonlat=True) for child in fg._children.values()]
    expected = [[min(b[0][0] for b in walked), min(b[0][1] for b in walked)],
                [max(b[1][0] for b in walked), max(b[1][1] for b in walked)]]
    assert m.get_bounds() == expected == [[32.3, 35.5], [37.3, 42.4]]
    only_gov = base_map()
    boundaries_layer(gov, None).add_to(only_gov)
    assert only_gov.get_bounds() == [[35.0, 36.0], [36.8, 38.5]]


def test_legend_lists_every_party_with_its_colour_and_escapes_notes():
    from geo.vocabulary import PARTY, TRUCE_CLASS

    text = legend_html(color_by="class", synthetic=True)
    for party, colour in PARTY_COLOURS.items():  # each swatch sits right before its party's name
        assert re.search(re.escape(colour) + r"[^<]*\"></span>" + re.escape(esc(PARTY[party].short)), text), party
    assert "SYNTHETIC" in text
    for cls, colour in CLASS_COLOURS.items():
        assert re.search(re.escape(colour) + r"\"></span>" + re.escape(esc(TRUCE_CLASS[cls].label)), text), cls
    m = base_map()
    add_legend(m, color_by="party")
    add_note(m, "Approximate " + EVIL)
    out = _render(m)
    assert "Events by alleged perpetrator" in out
    _no_raw_payload(out)


def test_shared_values_are_sent_once_and_resolve_to_the_same_popups():
    from layers.points import shared_values

    long_source = "UCDP GED 19.1; reported by " + esc(EVIL)
    rows = [[35, 36, 1, 5, ["2017-01-0" + str(i), "Place " + str(i), long_source, "abc", "abc"] + ["id" + str(i), 0], ""]
            for i in range(3)]
    groups = [{"key": "a", "color": "#000000", "text": "#ffffff", "rows": rows[:2]},
              {"key": "b", "color": "#000000", "text": "#ffffff", "rows": rows[2:] + [[35, 36, 1, 5, "<b>html</b>", ""]]}]
    before = [list(r[4]) if isinstance(r[4], list) else r[4] for g in groups for r in g["rows"]]
    strings = shared_values(groups, 5)
    assert strings == [long_source]  # repeated and longer than an index; "abc" is too short to gain
    after = [r[4] for g in groups for r in g["rows"]]
    assert all(p[2] == 0 for p in after[:3]) and after[3] == "<b>html</b>"
    assert [[strings[x] if isinstance(x, int) and i < 5 else x for i, x in enumerate(p)] if isinstance(p, list) else p
            for p in after] == before
    assert after[0][5:] == ["id0", 0]  # the id and the synthetic flag are never replaced
    spec = _spec(_render_layer(PointRows(groups, kind="event", popup_labels=list("ABCDE"), strings=strings)), "event")
    assert spec["strings"] == [long_source] and "<img" not in json.dumps(spec)


def test_point_rows_counts_and_cluster_assets():
    pr = PointRows([{"key": "a", "color": "#000000", "text": "#ffffff", "rows": [[35, 36, 1, 5, "", ""]] * 3}],
                   kind="event", cluster=True)
    assert pr.n_rows == 3
    assert any("markercluster" in url for _, url in pr.default_js)
    assert all(url.startswith(VENDOR_URL) for _, url in pr.default_js + pr.default_css)


def test_event_popup_says_who_held_the_ground(events):
    """Issue 6: the popup names the holder of the event's place on its date (e.g. opposition-held)."""
    held = events.assign(held_by=["opposition", "", "islamic_state", "government", "hts", "sdf"])
    popups = _popup_values(_spec(_render_layer(events_layer(held).group), "event"))
    assert popups["curated:0"][0]["Ground"] == "opposition-held on the day"
    # unknown holder: an empty value, which the popup script leaves out (no row rather than a guess)
    assert popups["curated:1"][0]["Ground"] == ""
    # without the column (unclassified events) no event has a Ground value
    plain = _popup_values(_spec(_render_layer(events_layer(events).group), "event"))
    assert all(values["Ground"] == "" for values, _tip in plain.values())


def test_zone_tooltip_names_a_few_sources_and_counts_the_rest():
    from layers.zones import TOOLTIP_SOURCES, zone_tooltip

    many = ";".join(f"news:s{i}" for i in range(40))
    tip = zone_tooltip("government", "2016-12-01", None, "derived", many)
    assert "news:s0, news:s1, news:s2 and 37 more" in tip and "news:s3" not in tip
    assert TOOLTIP_SOURCES == 3
    assert "sources: news:a" in zone_tooltip("sdf", "2016-12-01", None, "derived", "news:a")


def test_layer_specs_are_embedded_as_the_templates_tojson_would_write_them():
    """``JsonSpec.spec_json`` (serialised once per element) is byte for byte ``{{ this.spec|tojson }}``."""
    from folium.template import Template

    from layers.aggregate import CellRows
    from layers.towns import TownMarkers

    hostile = "</script><script>alert('x')</script> & ${x}"
    rows = PointRows([{"key": hostile, "color": "#000000", "text": "#ffffff", "rows": [[35, 36, 1, 5, hostile, hostile]]}],
                     kind="event")
    elements = [rows]
    for cls in (TownMarkers, CellRows):
        element = object.__new__(cls)  # only the spec and the template matter here
        element._template = cls._template
        element.spec = {"kind": hostile, "rows": [[1, hostile]]}
        elements.append(element)
    for element in elements:
        expected = Template("{{ this.spec|tojson }}").render(this=element)
        assert str(element.spec_json) == expected and "</script>" not in expected
        assert element.spec_json is element.spec_json  # once
