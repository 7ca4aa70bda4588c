"""Write the files of tests/bad_inputs/ (run from the repo root: ``python tests/make_bad_inputs.py``).

Every value is written here by hand (coordinates and dates are facts or placeholders); the
UCDP press-text columns hold placeholder words.
"""

import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from _data_helpers import BAD_INPUTS, ucdp_row, write_ucdp
from shapely.geometry import Point

B = BAD_INPUTS
B.mkdir(exist_ok=True)


def ok(i):
    return ucdp_row(i, 36.2, 37.1)


def ucdp(name, rows, enc="utf-8"):
    write_ucdp(B / name, rows, enc)


r = [ok(1), ok(2)]
rows = [{k: v for k, v in x.items() if k != "latitude"} for x in r]
ucdp("missing_column.csv", rows)
ucdp("unparseable_date.csv", [ok(1), ucdp_row(2, 36.2, 37.1, date="yesterday")])
(B / "ambiguous_date.csv").write_text(
    "ref,day,lat,lon,who\nA1,25/04/2017,36.2,37.1,army\nA2,05/04/2017,36.21,37.11,army\n", encoding="utf-8"
)
ucdp("latitude_out_of_range.csv", [ok(1), ucdp_row(2, 137, 37.1)])
ucdp("swapped_lat_lon.csv", [ok(1), ucdp_row(2, 37.1, 36.2)])
ucdp("far_outside.csv", [ok(1), ucdp_row(2, 32.85, 38.85, where_coordinates="desert south of the border")])
ucdp("near_border_rukban.csv", [ok(1), ucdp_row(2, 33.31, 38.7, where_coordinates="Rukban camp")])
ucdp("duplicate_ids.csv", [ok(1), ok(2), ok(1)])
ucdp("nan_coordinates.csv", [ok(1), ucdp_row(2, "NaN", "NaN")])
rows = [ok(1), ucdp_row(2, 35.13, 36.75, where_coordinates="حماة", side_b="جبهة فتح الشام")]
ucdp("cp1256_arabic.csv", rows, "cp1256")
ucdp("utf8_bom.csv", [ucdp_row(1, 36.2, 37.1, where_coordinates="حلب")], "utf-8-sig")
(B / "empty.csv").write_bytes(b"")
bow = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"party": "government", "valid_from": "2017-01-01", "valid_to": ""},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[37.0, 36.0], [37.2, 36.2], [37.2, 36.0], [37.0, 36.2], [37.0, 36.0]]],
            },
        }
    ],
}
(B / "bowtie_zone.geojson").write_text(json.dumps(bow, indent=1))
unc = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"party": "sdf", "valid_from": "2017-01-01"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[39.0, 36.0], [39.2, 36.0], [39.2, 36.2], [39.0, 36.2]]],
            },
        }
    ],
}
(B / "unclosed_ring.geojson").write_text(json.dumps(unc, indent=1))
# shapefile zip without .prj
tmp = Path(tempfile.mkdtemp())
g = gpd.GeoDataFrame(
    {"event_id": ["x:1"], "date_start": ["2017-01-02"]}, geometry=[Point(37.1, 36.2)], crs=None
)
pyogrio.write_dataframe(g, tmp / "events.shp")
with zipfile.ZipFile(B / "shapefile_without_prj.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for ext in ("shp", "shx", "dbf"):
        z.write(tmp / f"events.{ext}", f"events.{ext}")
p = B / "two_layers.gpkg"
if p.exists():
    p.unlink()
g = gpd.GeoDataFrame(
    {"event_id": ["x:1"], "date_start": ["2017-01-02"]}, geometry=[Point(37.1, 36.2)], crs=4326
)
pyogrio.write_dataframe(g, p, layer="events_a")
pyogrio.write_dataframe(g, p, layer="events_b")
# a row with an unquoted comma in a value (one field too many) and a row cut short
(B / "ragged_rows.csv").write_text(
    "ref,day,lat,lon,who\nA1,2017-01-05,36.2,37.1,army\nA2,2017-01-06,36.2,37.1,army, allies\nA3,2017-01-07,36.2\n",
    encoding="utf-8",
)
# an Excel workbook renamed .csv (a zip archive: only its leading bytes matter)
with zipfile.ZipFile(B / "excel_renamed.csv", "w") as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("xl/workbook.xml", "<workbook/>")
(B / "header_only.csv").write_text("ref,day,lat,lon,who\n", encoding="utf-8")
far = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"party": "sdf", "valid_from": "2017-01-01"},
            # latitude and longitude swapped: the square at Raqqa lands in Turkey
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[35.9, 38.9], [36.1, 38.9], [36.1, 39.1], [35.9, 39.1], [35.9, 38.9]]],
            },
        }
    ],
}
(B / "zone_outside_syria.geojson").write_text(json.dumps(far, indent=1))
