"""Tiny explicit-CRS fixtures for the data-foundation tests (no shipped or reference files).

``OUTLINE`` is a deliberately rough 16-vertex polygon around Syria (lon, lat; EPSG:4326),
split into two fixture "governorates" at latitude 34.8 (SY02 north, SY03 south). Coordinates
are written here by hand; tests judge points against this polygon, not against data/.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon, box

ROOT = Path(__file__).resolve().parent.parent
BAD_INPUTS = Path(__file__).resolve().parent / "bad_inputs"

OUTLINE_COORDS = [
    (35.75, 35.0),
    (35.95, 35.85),
    (36.4, 36.2),
    (36.6, 36.8),
    (38.0, 36.85),
    (40.0, 37.0),
    (42.35, 37.1),
    (42.0, 36.2),
    (41.2, 34.4),
    (38.8, 33.4),
    (36.8, 32.3),
    (35.8, 32.7),
    (35.9, 33.3),
    (36.3, 33.8),
    (36.4, 34.6),
    (35.9, 34.6),
]
OUTLINE = Polygon(OUTLINE_COORDS)
NORTH = OUTLINE.intersection(box(30, 34.8, 45, 40))
SOUTH = OUTLINE.intersection(box(30, 30, 45, 34.8))


def outline_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "admin_level": [0],
            "pcode": ["SY"],
            "name_en": ["Fixture Syria"],
            "name_ar": ["سوريا"],
            "source": ["test fixture"],
            "precision": ["official"],
        },
        geometry=[OUTLINE],
        crs="EPSG:4326",
    )


def admin1_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "admin_level": [1, 1],
            "pcode": ["SY02", "SY03"],
            "name_en": ["North", "South"],
            "name_ar": ["شمال", "جنوب"],
            "source": ["test fixture"] * 2,
            "precision": ["official"] * 2,
        },
        geometry=[NORTH, SOUTH],
        crs="EPSG:4326",
    )


def write_boundaries(path: Path) -> Path:
    """Both fixture levels as one canonical boundary GeoJSON (what ``export boundaries`` writes)."""
    import pandas as pd

    gdf = gpd.GeoDataFrame(pd.concat([outline_gdf(), admin1_gdf()], ignore_index=True), crs="EPSG:4326")
    path.write_text(gdf.to_json(), encoding="utf-8")
    return path


UCDP_HEADER = [
    "id",
    "year",
    "type_of_violence",
    "side_a",
    "side_b",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_civilians",
    "low",
    "best",
    "high",
]


def ucdp_row(id_, lat, lon, date="2017-01-15", **kw) -> dict:
    row = {
        "id": str(id_),
        "year": "2017",
        "type_of_violence": "1",
        "side_a": "Government of Syria",
        "side_b": "Syrian insurgents",
        "source_article": "press text",
        "source_office": "SOHR",
        "source_date": date,
        "source_headline": "HEADLINE PRESS TEXT",
        "source_original": "SOHR",
        "where_prec": "1",
        "where_coordinates": f"place {id_}",
        "adm_1": "",
        "adm_2": "",
        "latitude": str(lat),
        "longitude": str(lon),
        "date_prec": "1",
        "date_start": date,
        "date_end": date,
        "deaths_civilians": "0",
        "low": "1",
        "best": "2",
        "high": "3",
    }
    row.update({k: str(v) for k, v in kw.items()})
    return row


def write_ucdp(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else UCDP_HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def run_cli(*args, env=None) -> subprocess.CompletedProcess:
    """``python cli.py ARGS`` from the repo root."""
    return subprocess.run(
        [sys.executable, "cli.py", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def component_args(app) -> list[str]:
    """The JSON arguments of every custom component (the st_folium maps) an AppTest run drew."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            walk(child)
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "json_args", ""):
            found.append(proto.json_args)

    walk(app._tree)
    return found
