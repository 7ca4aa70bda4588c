"""The offline geographic context: shipped data (data/context.geojson), its layer, legend and link."""

from __future__ import annotations

import importlib.util
import json
import re

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from geo.context import CONTEXT_FIELDS, load_context
from geo.datasets import load_boundaries, load_localities
from geo.paths import DATA_DIR, ROOT
from layers.assets import base_map
from layers.context import LABEL_PANE, LAYER_NAME, SHAPE_PANE, add_context, label_html
from layers.legend import legend_html
from tests._data_helpers import component_args
from webapp.viewstate import DEFAULT_LAYERS, ViewState

CONTEXT_FILE = DATA_DIR / "context.geojson"
NEIGHBOURS = ("Turkey", "Iraq", "Jordan", "Lebanon", "Israel")
RIVERS = ("Euphrates", "Tigris", "Orontes", "Khabur", "Balikh")
HIGHWAYS = ("M4", "M5", "M20")


@pytest.fixture(scope="module")
def ctx():
    return load_context()


@pytest.fixture(scope="module")
def syria():
    return shapely.union_all(load_boundaries(0).geometry.to_numpy())


def _town(name):
    towns = load_localities()
    row = towns[towns["name_en"] == name]
    assert len(row) == 1, name
    return row.geometry.iloc[0]


def _km(a, b) -> float:
    pts = gpd.GeoSeries([a, b], crs=4326).to_crs(32637)
    return pts.iloc[0].distance(pts.iloc[1]) / 1000


def test_context_file_is_small_and_every_feature_carries_source_and_precision(ctx):
    assert CONTEXT_FILE.stat().st_size < 200_000
    for field in CONTEXT_FIELDS:
        assert (ctx[field].str.strip() != "").all(), field
    assert str(ctx.crs).upper().endswith("4326")
    assert ctx.geometry.is_valid.all()


def test_context_holds_the_rivers_lake_highways_and_neighbours(ctx):
    by_kind = ctx.groupby("kind")["name"].apply(set).to_dict()
    assert set(RIVERS) <= by_kind["river"]
    assert set(HIGHWAYS) <= by_kind["highway"]
    assert by_kind["lake"] == {"Lake Assad"}
    assert set(NEIGHBOURS) <= by_kind["country"]
    assert "Golan Heights" in by_kind["territory"]
    # Hand-drawn lines say they are schematic; the lake says it is Natural Earth's.
    lines = ctx[ctx["kind"].isin(["river", "highway"])]
    assert lines["precision"].str.startswith("schematic").all()
    assert "Natural Earth" in ctx.loc[ctx["kind"] == "lake", "source"].iloc[0]


def test_neighbour_names_lie_outside_syria_and_the_golan_note_inside(ctx, syria):
    for r in ctx[ctx["kind"].isin(["country", "sea"])].itertuples():
        assert not syria.contains(r.geometry), r.name
    golan = ctx[ctx["name"] == "Golan Heights"].iloc[0]
    assert syria.contains(golan.geometry) and "occupied" in golan["label"]
    outside = ctx[ctx["kind"] == "outside"].geometry.iloc[0]
    assert not outside.contains(_town("Damascus")) and outside.contains(Point(35.5, 32.9))  # Galilee


def test_the_lines_pass_through_the_towns_they_are_drawn_through(ctx):
    line = {r.name: r.geometry for r in ctx.itertuples() if r.kind in ("river", "highway")}
    for name, towns in {
        "Euphrates": ("Jarabulus", "Raqqa", "Deir ez-Zor", "Mayadin", "Abu Kamal"),
        "Khabur": ("Hasakah", "Shaddadi"),
        "Orontes": ("Hama", "Rastan", "Jisr al-Shughour"),
        "M5": ("Aleppo", "Saraqib", "Hama", "Homs", "Damascus", "Daraa"),
        "M4": ("Latakia", "Jisr al-Shughour", "Saraqib", "Aleppo", "Manbij", "Qamishli"),
        "M20": ("Homs", "Palmyra", "Deir ez-Zor"),
    }.items():
        for town in towns:
            p = _town(town)
            assert _km(p, line[name].interpolate(line[name].project(p))) < 0.5, (name, town)
    # the M5 does not reach Latakia, the Euphrates does not pass Damascus
    p = _town("Latakia")
    assert _km(p, line["M5"].interpolate(line["M5"].project(p))) > 50


def test_lake_assad_lies_behind_the_tabqa_dam(ctx):
    lake = ctx[ctx["kind"] == "lake"].geometry.iloc[0]
    assert lake.contains(Point(38.30, 35.93))  # the open lake between Maskanah and the dam
    assert not lake.contains(_town("Raqqa")) and _km(_town("Tabqa"), lake) < 5


def test_shipped_file_is_what_the_build_script_writes():
    spec = importlib.util.spec_from_file_location("build_context", ROOT / "scripts" / "build_context.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = json.loads(json.dumps(module.build(DATA_DIR)))
    assert built == json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))


def _html(gdf) -> str:
    """The rendered map, with the JSON escapes of ``<`` and ``>`` undone (what the browser inserts)."""
    m = base_map()
    add_context(m, gdf)
    return m.get_root().render().replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')


def test_layer_draws_names_rivers_lake_highways_and_says_schematic(ctx):
    html = _html(ctx)
    for text in ("Euphrates", "Lake Assad", "M4", "M5", "M20", "Orontes (Asi)", "Tigris", "Khabur",
                 "TURKEY", "IRAQ", "JORDAN", "LEBANON", "ISRAEL", "Golan Heights<br>(occupied by Israel since 1967)",
                 "Mediterranean Sea"):
        assert f">{text}</div>" in html, text
    assert 'scmKind = "context"' in html
    assert "schematic" in html  # layer name and attribution
    assert "interactive: false" in html
    # the names sit in a pane under the overlay pane (zones, events, towns) and take no clicks
    # shapes, then names, in panes under the overlay pane (400: zones, events, towns); no clicks
    for pane, z in ((SHAPE_PANE, 300), (LABEL_PANE, 350)):
        assert re.search(rf'createPane\(\s*"{pane}"\);\s*\S+\.style\.zIndex = {z};\s*\S+\.style\.pointerEvents', html)
    assert html.count("scm-context-label scm-context-") == 18  # one name each, in the layer's spec
    assert html.count(f'pane: "{LABEL_PANE}"') == 1 and html.count(f'pane: "{SHAPE_PANE}"') == 2  # layer, renderer
    assert html.count(f'L.svg({{pane: "{SHAPE_PANE}"}})') == 1  # one renderer, kept by the map


def test_layer_escapes_every_text(ctx):
    bad = ctx.copy()
    payload = "<img src=x onerror=alert(1)>${alert(2)}`"
    bad["label"] = payload
    bad["name"] = payload
    bad["source"] = payload
    html = _html(bad)
    assert "<img src=x" not in html and "${alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;" in label_html("river", payload)


def test_layer_with_no_context_draws_nothing():
    assert "scm-context-label" not in _html(None)


def test_legend_explains_the_context_only_when_shown():
    shown = legend_html(zones=True, events=False, towns=False, context=True)
    assert "schematic" in shown and "M4, M5, M20" in shown and "Lake Assad" in shown
    assert "schematic" not in legend_html(zones=True, events=False, towns=False)


def test_context_is_on_by_default_and_old_links_keep_their_layers():
    assert "context" in DEFAULT_LAYERS
    assert "layers" not in ViewState().to_query()  # a default link shows the context
    # A link made before the context existed lists its layers: it opens as it was shared.
    old = ViewState.from_query({"layers": "zones,events"})
    assert "context" not in old.layers
    assert ViewState.from_query({"layers": "zones,context"}).layers == ("zones", "context")


# --- the Map page (AppTest): the map's script is the st_folium component's arguments ------------


def _map_script(app) -> str:
    """The text of the Map page's st_folium component arguments (its map script included)."""
    scripts = [t for t in component_args(app) if "leaflet" in t.lower() or "L.map" in t]
    assert scripts, "no map component on the page"
    return "\n".join(scripts).replace("\\\\u003c", "<").replace("\\\\u003e", ">").replace("\\u003c", "<").replace(
        "\\u003e", ">"
    )


@pytest.fixture
def at(at, steady_navigation):
    """The shared AppTest (tests/conftest.py), runs steadied for clicks."""
    return at


def test_map_page_draws_the_context_by_default_and_the_toggle_hides_it(at):
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.checkbox(key="w_layer_context").value
    script = _map_script(at)
    for text in ("Euphrates", "Lake Assad", "TURKEY", "M5", LAYER_NAME):
        assert text in script, text
    at.checkbox(key="w_layer_context").uncheck().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "scm-context-label" not in _map_script(at)
    assert "context" not in at.query_params["layers"].split(",")
