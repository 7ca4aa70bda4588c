"""Build the shipped boundaries of Syria from the OCHA / UNCS COD-AB shapefiles.

Writes into ``data/``: ``admin0.geojson`` (country), ``admin1.geojson`` (14 governorates),
``admin2.geojson`` (62 districts), ``admin3.geojson`` (272 sub-districts) and
``neighbourhoods.geojson`` (the OCHA city-neighbourhood polygons of Aleppo, Damascus with
Yarmouk, and Homs: the cities where a front line ran through the city in the window).

Source: OCHA / UN Cartographic Section "Syrian Arab Republic - Subnational Administrative
Boundaries" (COD-AB v02, HDX), licensed CC BY 3.0 IGO (attribution required); see the folder's
``PROVENANCE.md``. The source levels nest exactly (districts dissolve to the governorates, the
governorates to the country), so the build keeps that nesting:

1. the districts are simplified as one coverage (``shapely.coverage_simplify``: neighbours keep
   a shared edge, no gaps or overlaps appear) and rounded to 5 decimals;
2. governorates = the union of their simplified districts, country = the union of the
   governorates (so the three levels nest exactly in the shipped files too);
3. sub-districts and neighbourhoods are simplified as their own coverages (finer tolerances:
   they are small).

``bench/measure_boundaries.py`` measures the result against the unsimplified files.

Run from the repository root::

    python scripts/build_boundaries.py [OCHA_FOLDER] [--out data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.atomic import write_text
from geo.schema import CRS, EQUAL_AREA_CRS

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_OCHA = ROOT.parent / "shared" / "reference" / "ocha-cod-ab-syria"
SOURCE = "OCHA/UNCS COD-AB v02 (HDX), CC BY 3.0 IGO"
PRECISION = "official"
DECIMALS = 5
#: Coverage-simplification tolerances (degrees) per layer: the districts (and so the
#: governorates and the country, their unions), the sub-districts, the neighbourhoods.
TOLERANCE = {"admin2": 0.003, "admin3": 0.002, "neighbourhoods": 0.0003}
#: OCHA city units (``adm4_pcode`` of ``syr_neighborhoods``) shipped as neighbourhoods:
#: Damascus, Yarmouk (Damascus), Aleppo, Homs.
CITIES = ("C1001", "C1002", "C1007", "C2528")
COLUMNS = ["admin_level", "pcode", "parent_pcode", "name_en", "name_ar", "source", "precision"]
#: Extra columns of the neighbourhoods: OCHA's city unit and, in Damascus, its area name.
NEIGHBOURHOOD_EXTRA = ["city", "area"]


def _text(values: pd.Series) -> list[str]:
    """Strings, with OCHA's missing values (None, NaN, ``<Null>``) as ""."""
    out = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return out.where(out != "<Null>", "").tolist()


def _polygonal(geom):
    """Keep only the polygon parts of a geometry (drops stray lines/points after repair)."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def simplify(geoms, tolerance: float) -> list:
    """Simplify polygons as one coverage, round to ``DECIMALS`` and keep them valid."""
    simple = shapely.coverage_simplify(list(geoms), tolerance)
    rounded = shapely.set_precision(simple, 10**-DECIMALS)
    return [_polygonal(shapely.make_valid(g)) for g in rounded]


def frame(level: int, pcode, parent, name_en, name_ar, geoms, **extra) -> gpd.GeoDataFrame:
    """The canonical boundary frame of one level, sorted by P-code."""
    data = {
        "admin_level": [int(level)] * len(geoms),
        "pcode": list(pcode),
        "parent_pcode": list(parent),
        "name_en": list(name_en),
        "name_ar": list(name_ar),
        "source": [SOURCE] * len(geoms),
        "precision": [PRECISION] * len(geoms),
        **{k: list(v) for k, v in extra.items()},
    }
    gdf = gpd.GeoDataFrame(data, geometry=list(geoms), crs=CRS)
    return gdf.sort_values("pcode", ignore_index=True)


def _read(folder: Path, name: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(folder / f"{name}.shp")
    return gdf.to_crs(CRS) if gdf.crs is not None and not gdf.crs.equals(CRS) else gdf.set_crs(CRS)


def build_admin(folder: Path) -> dict[str, gpd.GeoDataFrame]:
    """Levels 0-3 (``admin0`` .. ``admin3``) from the OCHA shapefiles in ``folder``."""
    a0, a1, a2, a3 = (_read(folder, f"syr_admin{k}") for k in range(4))
    districts = frame(
        2,
        a2.adm2_pcode,
        a2.adm1_pcode,
        _text(a2.adm2_name),
        _text(a2.adm2_name1),
        simplify(a2.geometry.values, TOLERANCE["admin2"]),
    )
    names1 = a1.set_index("adm1_pcode")
    gov_geoms = [
        _polygonal(
            shapely.make_valid(shapely.union_all(districts.geometry[districts.parent_pcode == p].values))
        )
        for p in names1.index
    ]
    governorates = frame(
        1,
        names1.index,
        ["SY"] * len(names1),
        _text(names1.adm1_name),
        _text(names1.adm1_name1),
        gov_geoms,
    )
    country = frame(
        0,
        a0.adm0_pcode,
        [""],
        _text(a0.adm0_name),
        _text(a0.adm0_name1),
        [_polygonal(shapely.make_valid(shapely.union_all(governorates.geometry.values)))],
    )
    subdistricts = frame(
        3,
        a3.adm3_pcode,
        a3.adm2_pcode,
        _text(a3.adm3_name),
        _text(a3.adm3_name1),
        simplify(a3.geometry.values, TOLERANCE["admin3"]),
    )
    return {"admin0": country, "admin1": governorates, "admin2": districts, "admin3": subdistricts}


def build_neighbourhoods(folder: Path) -> gpd.GeoDataFrame:
    """Neighbourhood polygons (level 4) of the cities in ``CITIES``.

    OCHA's truncated shapefile columns: ``neighborho`` (English name), ``neighbor_1`` (Arabic
    name), ``neighbor_2`` (neighbourhood P-code), ``adm3_pcode`` (the sub-district, the parent).
    """
    nb = _read(folder, "syr_neighborhoods")
    missing = {"neighborho", "neighbor_1", "neighbor_2", "adm3_pcode", "adm4_pcode", "adm4_en"} - set(
        nb.columns
    )
    if missing:
        raise ValueError(f"syr_neighborhoods lacks the columns {sorted(missing)}")
    nb = nb.loc[nb.adm4_pcode.isin(CITIES)].reset_index(drop=True)
    if not nb.neighbor_2.is_unique:
        raise ValueError("neighbourhood P-codes (neighbor_2) are not unique")
    return frame(
        4,
        nb.neighbor_2,
        nb.adm3_pcode,
        _text(nb.neighborho),
        _text(nb.neighbor_1),
        simplify(nb.geometry.values, TOLERANCE["neighbourhoods"]),
        city=_text(nb.adm4_en),
        area=_text(nb.areaname_e) if "areaname_e" in nb.columns else [""] * len(nb),
    )


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> int:
    """Write a compact GeoJSON (no ``crs`` member, properties in canonical order); return bytes."""
    data = json.loads(gdf.to_json(drop_id=True))
    data = {"type": "FeatureCollection", "features": data["features"]}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    write_text(path, text)
    return len(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ocha", nargs="?", type=Path, default=DEFAULT_OCHA, help="OCHA COD-AB folder")
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default data/)")
    args = parser.parse_args(argv)
    needed = [f"syr_admin{k}.shp" for k in range(4)] + ["syr_neighborhoods.shp"]
    absent = [n for n in needed if not (args.ocha / n).is_file()]
    if absent:
        print(f"error: {args.ocha} lacks {', '.join(absent)}", file=sys.stderr)
        return 2
    layers = build_admin(args.ocha)
    layers["neighbourhoods"] = build_neighbourhoods(args.ocha)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        size = write_geojson(gdf, args.out / f"{name}.geojson")
        km2 = gdf.to_crs(EQUAL_AREA_CRS).area.sum() / 1e6
        print(f"{name}.geojson: {len(gdf)} features, {size / 1024:.0f} KiB, {km2:,.0f} km2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
