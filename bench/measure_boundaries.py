"""Measure the shipped boundaries against the unsimplified OCHA COD-AB Syria files.

Prints, all computed in the project's equal-area CRS (``geo.schema.EQUAL_AREA_CRS``): the
country area difference, the intersection-over-union (IoU) of each shipped governorate with
OCHA's, and the mean and lowest IoU of the districts, sub-districts and neighbourhoods (the
worst districts listed), plus the size of each shipped file.

Usage (from the repository root)::

    python bench/measure_boundaries.py [OCHA_FOLDER] [--data data]

``OCHA_FOLDER`` defaults to ``../shared/reference/ocha-cod-ab-syria`` next to the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import shapely

from geo.schema import EQUAL_AREA_CRS

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_OCHA = ROOT.parent / "shared" / "reference" / "ocha-cod-ab-syria"
#: shipped file -> (OCHA layer, OCHA P-code column)
LAYERS = {
    "admin0": ("syr_admin0", "adm0_pcode"),
    "admin1": ("syr_admin1", "adm1_pcode"),
    "admin2": ("syr_admin2", "adm2_pcode"),
    "admin3": ("syr_admin3", "adm3_pcode"),
    "neighbourhoods": ("syr_neighborhoods", "neighbor_2"),
}


def compare(ocha_dir: Path, data_dir: Path, name: str) -> gpd.GeoDataFrame:
    """Per shipped feature of ``name``: ``name_en``, ``ours_km2``, ``ref_km2``, ``iou`` (by P-code).

    A P-code of the reference missing from the shipped file counts with IoU 0 (the reference
    neighbourhoods are restricted to the P-codes shipped: only some cities ship).
    """
    layer, col = LAYERS[name]
    ours = gpd.read_file(data_dir / f"{name}.geojson").to_crs(EQUAL_AREA_CRS).set_index("pcode")
    ref = gpd.read_file(ocha_dir / f"{layer}.shp").to_crs(EQUAL_AREA_CRS).set_index(col)
    if name == "neighbourhoods":
        ref = ref.loc[ref.index.isin(ours.index)]
    ref_geoms = ref.geometry.values
    mine = ours.geometry.reindex(ref.index).values
    present = ~shapely.is_missing(mine)
    inter = shapely.area(shapely.intersection(mine[present], ref_geoms[present]))
    union = shapely.area(shapely.union(mine[present], ref_geoms[present]))
    out = gpd.GeoDataFrame(
        {
            "name_en": ours["name_en"].reindex(ref.index).fillna("(missing)"),
            "ours_km2": 0.0,
            "ref_km2": shapely.area(ref_geoms) / 1e6,
            "iou": 0.0,
        },
        index=ref.index,
    )
    out.loc[present, "ours_km2"] = shapely.area(mine[present]) / 1e6
    out.loc[present, "iou"] = inter / union
    return out.sort_index()


def measure(ocha_dir: Path, data_dir: Path) -> dict:
    """Return the measured figures: ``country`` (ours_km2, ref_km2, diff_pct, iou) and one
    per-feature frame for each of ``admin1``, ``admin2``, ``admin3``, ``neighbourhoods``."""
    res = {name: compare(ocha_dir, data_dir, name) for name in LAYERS}
    c = res.pop("admin0").iloc[0]
    res["country"] = {
        "ours_km2": c.ours_km2,
        "ref_km2": c.ref_km2,
        "diff_pct": 100 * (c.ours_km2 - c.ref_km2) / c.ref_km2,
        "iou": c.iou,
    }
    return res


def report(res: dict, data_dir: Path, worst: int = 5) -> list[str]:
    """The printed report (Markdown tables)."""
    lines = ["| P-code | governorate | shipped km² | OCHA km² | IoU |", "|---|---|---:|---:|---:|"]
    for pcode, g in res["admin1"].iterrows():
        lines.append(f"| {pcode} | {g.name_en} | {g.ours_km2:,.0f} | {g.ref_km2:,.0f} | {g.iou:.4f} |")
    c = res["country"]
    lines += [
        "",
        f"country area: shipped {c['ours_km2']:,.0f} km², OCHA {c['ref_km2']:,.0f} km², "
        f"difference {c['diff_pct']:+.3f} %, IoU {c['iou']:.4f}",
        "",
        "| level | features | mean IoU | lowest IoU | lowest | file size |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for name in ("admin1", "admin2", "admin3", "neighbourhoods"):
        df = res[name]
        low = df["iou"].idxmin()
        size = (data_dir / f"{name}.geojson").stat().st_size / 1024
        lines.append(
            f"| {name} | {len(df)} | {df.iou.mean():.4f} | {df.iou.min():.4f} | {low} {df.name_en[low]} | {size:,.0f} KiB |"
        )
    lines += ["", f"{worst} lowest district IoUs:"]
    for pcode, d in res["admin2"].nsmallest(worst, "iou").iterrows():
        lines.append(f"  {pcode} {d.name_en}: {d.iou:.4f} ({d.ref_km2:,.0f} km²)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure data/admin*.geojson against OCHA COD-AB.")
    parser.add_argument("ocha", nargs="?", type=Path, default=DEFAULT_OCHA, help="OCHA COD-AB folder")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with the shipped files")
    args = parser.parse_args(argv)
    for layer, _ in LAYERS.values():
        if not (args.ocha / f"{layer}.shp").exists():
            print(f"error: {args.ocha / layer}.shp not found", file=sys.stderr)
            return 2
    print("\n".join(report(measure(args.ocha, args.data), args.data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
