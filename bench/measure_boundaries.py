"""Measure the shipped boundaries against the OCHA COD-AB Syria boundaries.

Prints the country area difference and, per governorate, the intersection-over-union (IoU)
of the shipped polygon with OCHA's, all computed in the project's equal-area CRS
(``geo.schema.EQUAL_AREA_CRS``). The OCHA files are read only here, to measure; they are never
shipped or used to build.

Usage (from the repository root)::

    python bench/measure_boundaries.py [OCHA_FOLDER] [--data data]

``OCHA_FOLDER`` defaults to ``../shared/reference/ocha-cod-ab-syria`` next to the repository
(it must hold ``syr_admin0.shp`` and ``syr_admin1.shp``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.schema import ADMIN1, EQUAL_AREA_CRS  # noqa: E402

DEFAULT_OCHA = ROOT.parent / "shared" / "reference" / "ocha-cod-ab-syria"


def measure(ocha_dir: Path, data_dir: Path) -> dict:
    """Return the measured figures as a dict.

    Keys: ``country`` (ours_km2, ref_km2, diff_pct, iou) and ``governorates``
    (pcode -> ours_km2, ref_km2, iou), plus ``mean_iou`` and ``min_iou``.
    """
    ours0 = gpd.read_file(data_dir / "admin0.geojson").to_crs(EQUAL_AREA_CRS)
    ours1 = gpd.read_file(data_dir / "admin1.geojson").to_crs(EQUAL_AREA_CRS).set_index("pcode")
    ref0 = gpd.read_file(ocha_dir / "syr_admin0.shp").to_crs(EQUAL_AREA_CRS)
    ref1 = gpd.read_file(ocha_dir / "syr_admin1.shp").to_crs(EQUAL_AREA_CRS).set_index("adm1_pcode")

    ours_outline, ref_outline = ours0.union_all(), ref0.union_all()
    ours_km2 = ours_outline.area / 1e6
    ref_km2 = ref_outline.area / 1e6
    country_iou = ours_outline.intersection(ref_outline).area / ours_outline.union(ref_outline).area
    govs = {}
    for pcode in sorted(ADMIN1):
        ref = ref1.geometry[pcode]
        if pcode not in ours1.index:
            govs[pcode] = {"ours_km2": 0.0, "ref_km2": ref.area / 1e6, "iou": 0.0}
            continue
        mine = ours1.geometry[pcode]
        iou = mine.intersection(ref).area / mine.union(ref).area
        govs[pcode] = {"ours_km2": mine.area / 1e6, "ref_km2": ref.area / 1e6, "iou": iou}
    ious = [g["iou"] for g in govs.values()]
    return {
        "country": {
            "ours_km2": ours_km2,
            "ref_km2": ref_km2,
            "diff_pct": 100 * (ours_km2 - ref_km2) / ref_km2,
            "iou": country_iou,
        },
        "governorates": govs,
        "mean_iou": sum(ious) / len(ious),
        "min_iou": min(ious),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure data/admin*.geojson against OCHA COD-AB.")
    parser.add_argument("ocha", nargs="?", type=Path, default=DEFAULT_OCHA, help="OCHA COD-AB folder")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with admin0/admin1.geojson")
    args = parser.parse_args(argv)
    for name in ("syr_admin0.shp", "syr_admin1.shp"):
        if not (args.ocha / name).exists():
            print(f"error: {args.ocha / name} not found", file=sys.stderr)
            return 2
    res = measure(args.ocha, args.data)
    print("| P-code | governorate | shipped km² | OCHA km² | IoU |")
    print("|---|---|---:|---:|---:|")
    for pcode, g in res["governorates"].items():
        print(f"| {pcode} | {ADMIN1[pcode]} | {g['ours_km2']:,.0f} | {g['ref_km2']:,.0f} | {g['iou']:.3f} |")
    print(f"\nmean IoU {res['mean_iou']:.3f}, lowest {res['min_iou']:.3f}")
    c = res["country"]
    print(
        f"country area: shipped {c['ours_km2']:,.0f} km², OCHA {c['ref_km2']:,.0f} km², difference {c['diff_pct']:+.2f} %, IoU {c['iou']:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
