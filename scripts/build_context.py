"""Build ``data/context.geojson``: the offline geographic context drawn under the zones.

What it holds (one feature per item, each with ``kind``, ``name``, ``label``, ``source`` and
``precision``):

- rivers (``kind=river``): the Euphrates, the Tigris, the Orontes (Asi), the Khabur and the
  Balikh, as polylines through named towns on their banks;
- the lake (``kind=lake``): Lake Assad, the reservoir of the Tabqa dam;
- highways (``kind=highway``): the M5 (Aleppo - Hama - Homs - Damascus - Daraa - Nasib), the M4
  (Latakia - Jisr al-Shughur - Saraqib - Aleppo - Manbij - Ain Issa - Tal Tamr - Qamishli -
  Yarubiyah) and the M20 (Homs - Palmyra - Sukhnah - Deir ez-Zor), as polylines through the
  towns they pass;
- names (``kind=country``, ``sea``, ``territory``): the neighbouring countries (Turkey, Iraq,
  Jordan, Lebanon, Israel), the Mediterranean Sea and the Golan Heights (occupied by Israel
  since 1967; inside Syria's internationally recognised border), as labelled points;
- ``kind=outside``: everything outside Syria's OCHA outline (neighbouring countries and sea),
  shaded lightly.

Sources, all shippable:

- town positions: ``data/localities.csv`` (GeoNames, CC BY 4.0, already shipped), looked up by
  ``locality_id`` below; a few points that are not towns there (dams, a bridge, a border
  crossing, places outside Syria) are written here as coordinates, each named;
- the Tigris stretch where it is the border, and the outline of Syria: ``data/admin0.geojson``
  (OCHA / UNCS COD-AB, CC BY 3.0 IGO, already shipped);
- Lake Assad: Natural Earth 1:10m lakes (public domain), simplified to 0.004 degrees and written
  here as coordinates (``LAKE_ASSAD``), so the build needs no Natural Earth package.

The rivers and highways are **schematic**: straight segments between the named places, so a
line can be a few kilometres off the real bank or road between them.  Each feature says so in
its ``precision``; the map's legend and attribution say so too.

Run from the repository root::

    python scripts/build_context.py [--data data] [--out data/context.geojson]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box, mapping

from geo.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent

SCHEMATIC = "schematic, hand-drawn through named towns (straight segments; a few km off between them)"
TOWNS_SOURCE = "Waypoints: GeoNames town positions (data/localities.csv, CC BY 4.0) and named points in scripts/build_context.py"
NE_SOURCE = "Natural Earth 1:10m lakes (public domain), simplified"
NE_PRECISION = "Natural Earth 1:10m, simplified to 0.004 degrees (about 0.5 km)"
OCHA_SOURCE = "Outline of Syria: OCHA / UN Cartographic Section COD-AB (CC BY 3.0 IGO)"
LABEL_SOURCE = "Hand-placed name (scripts/build_context.py)"
LABEL_PRECISION = "label position only (not a location)"

#: A waypoint: a ``locality_id`` of data/localities.csv, or (name, lat, lon) written here.
Waypoint = str | tuple[str, float, float]

RIVERS: dict[str, tuple[str, tuple[float, float], list[list[Waypoint]]]] = {
    # name: (label, (label lat, lon), parts); the Euphrates stops at Lake Assad and starts again below it.
    "Euphrates": ("Euphrates", (35.62, 39.60), [
        [("Birecik (Turkey)", 37.025, 37.977), "gn:169179", ("Qara Qozak bridge", 36.585, 38.240),
         ("Qal'at Najm", 36.555, 38.259), ("Tishrin dam", 36.383, 38.183), ("Lake Assad, north end", 36.343, 38.179)],
        [("Tabqa dam", 35.872, 38.578), "gn:172955", "gn:170794", "gn:173927", "gn:173480", "gn:174036",
         "gn:174506", "gn:174448", ("Al-Qaim (Iraq)", 34.370, 41.090), ("Anah (Iraq)", 34.370, 41.980)],
    ]),
    "Tigris": ("Tigris", (37.12, 42.55), [
        [("Cizre (Turkey)", 37.327, 42.190), "BORDER_TIGRIS", ("Mosul (Iraq)", 36.340, 43.130)],
    ]),
    "Orontes": ("Orontes (Asi)", (35.62, 36.25), [
        [("Hermel (Lebanon)", 34.390, 36.385), "gn:173322", ("Lake Qattinah", 34.660, 36.610),
         ("Homs, west side", 34.730, 36.690), "gn:172946", "gn:170017", "gn:166742",
         ("Qalaat al-Madiq", 35.410, 36.385), "gn:169023", "gn:170865", ("Turkish border", 36.170, 36.380),
         ("Antakya (Turkey)", 36.200, 36.160), ("Samandag, mouth (Turkey)", 36.045, 35.960)],
    ]),
    "Khabur": ("Khabur", (36.28, 40.84), [
        ["gn:165509", "gn:163434", "gn:173811", "gn:172837", "gn:167208", "gn:173927"],
    ]),
    "Balikh": ("Balikh", (36.25, 39.17), [
        ["gn:163750", "gn:164895", ("Balikh mouth, east of Raqqa", 35.935, 39.055)],
    ]),
}

HIGHWAYS: dict[str, tuple[str, list[tuple[float, float]], list[list[Waypoint]]]] = {
    "M5": ("M5", [(33.88, 36.70), (36.03, 36.985)], [
        ["gn:170063", "gn:164816", "gn:167611", "gn:168325", "gn:166640", "gn:170017", "gn:172946", "gn:163779",
         "gn:169577", "gn:173193", "gn:173312", "gn:170654", "gn:170325", "gn:172469", "gn:170905",
         ("Nasib border crossing", 32.545, 36.205)],
    ]),
    "M4": ("M4", [(35.70, 36.08), (36.52, 39.65)], [
        ["gn:173576", "gn:169023", "gn:166757", "gn:172994", "gn:164816", "gn:170063", "gn:174018", "gn:167357",
         ("Qara Qozak bridge", 36.585, 38.240), "gn:172134", "gn:163434", "gn:173377", "gn:383661"],
    ]),
    "M20": ("M20", [(34.74, 38.56)], [
        ["gn:169577", "gn:163808", "gn:172425", "gn:170794"],
    ]),
}

#: Names placed as labels: (kind, name, label, lat, lon); countries and sea must fall outside Syria.
LABELS = [
    ("country", "Turkey", "TURKEY", 37.55, 39.30),
    ("country", "Iraq", "IRAQ", 35.75, 42.30),
    ("country", "Jordan", "JORDAN", 31.95, 37.00),
    ("country", "Lebanon", "LEBANON", 33.95, 35.92),
    ("country", "Israel", "ISRAEL", 32.62, 35.20),
    ("sea", "Mediterranean Sea", "Mediterranean Sea", 34.55, 35.25),
    ("territory", "Golan Heights", "Golan Heights\n(occupied by Israel since 1967)", 33.05, 35.78),
]

#: Lake Assad, (lat, lon): Natural Earth 1:10m lakes (public domain), simplified to 0.004 degrees.
LAKE_ASSAD = [
    (35.894, 38.546), (35.890, 38.574), (35.853, 38.560), (35.836, 38.519), (35.843, 38.519), (35.843, 38.512),
    (35.801, 38.458), (35.801, 38.450), (35.812, 38.442), (35.809, 38.409), (35.847, 38.394), (35.819, 38.361),
    (35.774, 38.368), (35.774, 38.361), (35.794, 38.350), (35.794, 38.327), (35.785, 38.310), (35.799, 38.309),
    (35.807, 38.324), (35.836, 38.335), (35.859, 38.318), (35.878, 38.254), (35.932, 38.204), (35.949, 38.134),
    (35.973, 38.108), (35.990, 38.110), (35.986, 38.088), (35.994, 38.074), (36.000, 38.074), (36.008, 38.087),
    (36.027, 38.053), (36.076, 38.019), (36.113, 38.015), (36.146, 38.025), (36.172, 38.042), (36.216, 38.091),
    (36.240, 38.094), (36.250, 38.104), (36.268, 38.142), (36.263, 38.159), (36.301, 38.177), (36.343, 38.179),
    (36.336, 38.197), (36.281, 38.222), (36.252, 38.226), (36.217, 38.144), (36.195, 38.125), (36.172, 38.136),
    (36.134, 38.094), (36.072, 38.118), (36.055, 38.149), (36.014, 38.175), (36.007, 38.189), (36.007, 38.210),
    (35.994, 38.217), (35.994, 38.255), (35.970, 38.268), (35.940, 38.351), (35.920, 38.372), (35.918, 38.389),
    (35.928, 38.405), (35.958, 38.411), (35.966, 38.424), (35.945, 38.430), (35.953, 38.443), (35.912, 38.464),
    (35.905, 38.477), (35.888, 38.481), (35.904, 38.498), (35.890, 38.516), (35.904, 38.544), (35.894, 38.546),
]

#: The frame of the "outside Syria" shading (lon/lat box), wider than any view of the app (MIN_ZOOM 5).
FRAME = (0.0, 10.0, 80.0, 60.0)  # zoom 5 at 1920 px spans about 84 degrees of longitude
#: Where the Tigris is the border (Turkey, then Iraq, on its far bank): the OCHA outline inside this box.
TIGRIS_BOX = (42.20, 37.06, 42.40, 37.325)
#: Same tolerance as the drawn country outline (layers/boundaries.py SIMPLIFY_DEG).
OUTLINE_SIMPLIFY = 0.003


def _towns(data_dir: Path) -> dict[str, tuple[float, float]]:
    df = pd.read_csv(data_dir / "localities.csv", dtype=str, keep_default_na=False)
    return {r.locality_id: (float(r.lat), float(r.lon)) for r in df.itertuples(index=False)}


def _tigris_border(syria) -> list[tuple[float, float]]:
    """The OCHA outline where the Tigris is the border, as (lat, lon) from north to south."""
    part = syria.boundary.intersection(box(*TIGRIS_BOX))
    part = shapely.line_merge(part)
    if part.geom_type != "LineString":
        raise ValueError(f"the Tigris stretch of the outline is a {part.geom_type}, expected one line")
    pts = [(y, x) for x, y in part.coords]
    return pts if pts[0][0] > pts[-1][0] else pts[::-1]


def _line(parts: list[list[Waypoint]], towns, syria) -> MultiLineString:
    lines = []
    for part in parts:
        pts: list[tuple[float, float]] = []
        for wp in part:
            if wp == "BORDER_TIGRIS":
                pts.extend(_tigris_border(syria))
            elif isinstance(wp, str):
                if wp not in towns:
                    raise KeyError(f"waypoint {wp} is not in data/localities.csv")
                pts.append(towns[wp])
            else:
                pts.append((wp[1], wp[2]))
        lines.append(LineString([(round(lon, 4), round(lat, 4)) for lat, lon in pts]))
    return MultiLineString(lines)


def _feature(geom, **props) -> dict:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def build(data_dir: Path) -> dict:
    """The context FeatureCollection (see the module docstring), checked.

    Parameters
    ----------
    data_dir : Path
        Folder with ``localities.csv`` and ``admin0.geojson``.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection.
    """
    towns = _towns(data_dir)
    syria = shapely.union_all(gpd.read_file(data_dir / "admin0.geojson").geometry.to_numpy())
    feats = []
    for kind, table in (("river", RIVERS), ("highway", HIGHWAYS)):
        for name, (label, at, parts) in table.items():
            spots = [at] if kind == "river" else at
            src = TOWNS_SOURCE + ("; border stretch: " + OCHA_SOURCE if name == "Tigris" else "")
            feats.append(_feature(_line(parts, towns, syria), kind=kind, name=name, label=label, source=src,
                                  precision=SCHEMATIC, label_at=[[lon, lat] for lat, lon in spots]))
    lake = Polygon([(lon, lat) for lat, lon in LAKE_ASSAD])
    feats.append(_feature(lake, kind="lake", name="Lake Assad", label="Lake Assad", source=NE_SOURCE,
                          precision=NE_PRECISION, label_at=[[38.30, 35.93]]))
    for kind, name, label, lat, lon in LABELS:
        inside = syria.contains(Point(lon, lat))
        if inside != (kind == "territory"):
            raise ValueError(f"label {name!r} at {lat}, {lon} is {'inside' if inside else 'outside'} Syria")
        feats.append(_feature(Point(lon, lat), kind=kind, name=name, label=label, source=LABEL_SOURCE,
                              precision=LABEL_PRECISION))
    outline = shapely.simplify(syria, OUTLINE_SIMPLIFY, preserve_topology=True)
    outside = shapely.set_precision(box(*FRAME).difference(outline), 0.0001)
    feats.append(_feature(outside, kind="outside", name="Outside Syria", label="Neighbouring countries and sea",
                          source=OCHA_SOURCE, precision="the OCHA outline, simplified to 0.003 degrees"))
    return {"type": "FeatureCollection", "features": feats}


def main(argv: list[str] | None = None) -> int:
    """Write the context file; print its size.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status (0).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with localities.csv, admin0.geojson")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "context.geojson")
    args = parser.parse_args(argv)
    collection = build(args.data)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
    write_text(args.out, text)
    kinds = pd.Series([f["properties"]["kind"] for f in collection["features"]]).value_counts().to_dict()
    print(f"{args.out}: {len(collection['features'])} features {kinds}, {len(text.encode()) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
