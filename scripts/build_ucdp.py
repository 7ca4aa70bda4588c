"""Build ``data/ucdp_events.csv``: the UCDP GED events of the monitored window, shipped.

Source: UCDP Georeferenced Event Dataset (GED) 19.1, Syria release 652.1601.1911, the rows with
``date_start`` in 2016-12-01 .. 2017-03-31 (1,973 rows; ``../shared/reference/ucdp-ged-syria/``).
Cite: Sundberg, Ralph and Erik Melander (2013), "Introducing the UCDP Georeferenced Event
Dataset", Journal of Peace Research 50(4); and the UCDP GED Codebook version 19.1.

The file is read by the project's own UCDP importer (``geo.importers.ucdp.parse``: the same
parser, IDs ``ucdp:<id>``, precisions and actor columns as ``python cli.py import ucdp``), so
importing the same UCDP file again over the shipped copy adds nothing. On top of the importer:

- ``source`` names the dataset and its citation, then the outlets UCDP cites (``source_office``,
  repeats removed);
- ``ucdp_where_prec`` / ``ucdp_date_prec`` keep UCDP's own precision codes (where_prec 1-7,
  date_prec 1-5) next to the mapped ``geo_precision`` / ``date_precision``;
- ``ucdp_adm_1`` / ``ucdp_adm_2``: UCDP's governorate and district names;
- rows located only to the country (where_prec 6-7) get no governorate (``admin1_pcode`` ""):
  their point is the country's centre, not a place in a governorate;
- a fixed ``import_batch`` (the build is reproducible).

Never written: ``source_article`` (it holds the headlines), ``source_headline``,
``source_original`` (press excerpts), nor any other UCDP text column than names.

Usage::

    python scripts/build_ucdp.py [--src PATH_TO_GED_CSV] [--out data/ucdp_events.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from geo.atomic import write_text
from geo.encoding import read_csv
from geo.frames import to_text
from geo.importers import ucdp
from geo.importers.base import Context
from geo.schema import EVENT_COLUMNS

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SRC = ROOT.parent / "shared" / "reference" / "ucdp-ged-syria" / "ged_syria_2016-12-01_2017-03-31.csv"
DEFAULT_OUT = ROOT / "data" / "ucdp_events.csv"
#: The dataset and its citation, first in every row's ``source``.
CITATION = "UCDP GED 19.1 (Sundberg & Melander 2013; GED Codebook 19.1)"
BATCH = "ucdp-ged-19.1 (Syria 652.1601.1911), built by scripts/build_ucdp.py"
#: UCDP columns kept next to the canonical ones (codes and names only, no press text).
EXTRA = {"where_prec": "ucdp_where_prec", "date_prec": "ucdp_date_prec", "adm_1": "ucdp_adm_1", "adm_2": "ucdp_adm_2"}
#: Column order: data/events.csv's where they apply, then the UCDP extras.
COLUMNS = [
    "event_id", "dataset", "date_start", "date_end", "date_precision", "lat", "lon",
    *[c for c in EVENT_COLUMNS if c not in ("event_id", "dataset", "date_start", "date_end", "date_precision")],
    *EXTRA.values(),
]
#: Columns that must never reach the shipped file.
NEVER = ("source_article", "source_headline", "source_original")


def _outlets(offices: str) -> str:
    seen: list[str] = []
    for part in str(offices or "").split(";"):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)


def build(src: Path, data_dir: Path = ROOT / "data") -> pd.DataFrame:
    """The shipped UCDP table (text cells, :data:`COLUMNS`) from a UCDP GED CSV.

    Raises
    ------
    geo.schema.InputError
        When the importer refuses the file (every problem listed).
    """
    from geo.catalog import Catalog
    from geo.schema import InputError

    cat = Catalog(Path("/nonexistent/ucdp-build.gpkg"), data_dir=data_dir)
    outline = cat.boundaries(0)
    ctx = Context("ucdp", src, cat.store.path, {"outline": outline, "admin1": cat.boundaries(1)})
    parsed = ucdp.parse(src, ctx)
    if parsed.problems:
        raise InputError(parsed.problems)
    frame = parsed.frame.sort_values("_row").reset_index(drop=True)
    raw, _enc = read_csv(src, None)
    raw = raw.reset_index(drop=True)
    assert len(raw) == len(frame), "the importer keeps every row"
    frame["source"] = [f"{CITATION}; reported by {_outlets(o)}" if _outlets(o) else CITATION for o in frame["source"]]
    frame["import_batch"] = BATCH
    country = frame["geo_precision"] == "country"
    frame.loc[country, "admin1_pcode"] = ""
    for col, name in EXTRA.items():
        frame[name] = raw[col].astype(str).str.strip().to_numpy()
    text = to_text("events", frame.drop(columns="_row"))
    out = pd.DataFrame(text.drop(columns=text.geometry.name))
    out["lat"] = [repr(float(g.y)) for g in text.geometry.values]
    out["lon"] = [repr(float(g.x)) for g in text.geometry.values]
    bad = [c for c in out.columns if c in NEVER]
    assert not bad, f"press text columns in the output: {bad}"
    return out[COLUMNS]


def main(argv=None) -> int:
    """Build the file; prints the row count, the precision codes and the incident links it makes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="UCDP GED CSV (GED 19.1 layout)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV")
    args = ap.parse_args(argv)
    table = build(args.src)
    write_text(args.out, table.to_csv(index=False, lineterminator="\n"))
    print(f"wrote {len(table)} rows to {args.out}")
    print("where_prec:", table["ucdp_where_prec"].value_counts().sort_index().to_dict())
    print("date_prec:", table["ucdp_date_prec"].value_counts().sort_index().to_dict())
    if args.out.resolve() == DEFAULT_OUT.resolve():
        from geo.catalog import Catalog

        links = Catalog(Path("/nonexistent/ucdp-build.gpkg")).incident_links()
        print(f"incident links on the shipped data (document in data/README.md): {len(links)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
