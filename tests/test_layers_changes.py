"""The changed-hands layer: colours, tooltips and escaping of every text it carries."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import shapely

from geo.palette import party_colour
from layers.changes import changed_towns_layer, changes_geojson, changes_layer, towns_geojson

EVIL = "<img src=x onerror=alert(1)>${alert(2)}`</script>"


def _areas():
    return gpd.GeoDataFrame(
        {"from_party": ["islamic_state"], "to_party": ["government"], "area_km2": [1234.4]},
        geometry=[shapely.box(38.0, 34.4, 38.5, 34.7)],
        crs="EPSG:4326",
    )


def test_areas_are_filled_with_the_new_holder_and_outlined_with_the_old():
    data = changes_geojson(_areas(), "2016-12-15", "2017-03-15")
    (feature,) = data["features"]
    style = feature["properties"]["style"]
    assert style["fillColor"] == party_colour("government")
    assert style["color"] == party_colour("islamic_state")
    assert "1,234 km²" in feature["properties"]["tip"]
    assert "Islamic State → Government and allies" in feature["properties"]["tip"]
    assert changes_geojson(_areas().iloc[:0], "a", "b")["features"] == []


def test_every_text_is_escaped_in_the_rendered_map():
    changes = pd.DataFrame(
        {
            "locality_id": ["x:1"],
            "name_en": [EVIL],
            "from_party": ["opposition"],
            "to_party": [EVIL],
            "change_dates": ["2017-01-29"],
            "path": [f"opposition → {EVIL}"],
        }
    )
    locs = gpd.GeoDataFrame({"locality_id": ["x:1"]}, geometry=[shapely.Point(36.1, 33.7)], crs="EPSG:4326")
    (town,) = towns_geojson(changes, locs)["features"]
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;&lt;/script&gt;" in town["properties"]["tip"]
    areas = _areas().assign(to_party=[EVIL])
    m = folium.Map(tiles=None)
    changes_layer(areas, EVIL, "2017-03-15", name=EVIL).add_to(m)
    changed_towns_layer(changes, locs).add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html
    assert "${alert" not in html
    assert "`</script>" not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON-encoded
