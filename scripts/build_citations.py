"""Build ``data/citations.csv``: where each seed report mentions a Syrian locality.

The five seed reports (``seeds/NNN_<hash>.txt``, source ids ``seed:NNN`` in ``data/sources.csv``)
are read only here, at build time; their text is not shipped, only offsets.  Mentions are found
with the product's own detector (``geo.citations.find_mentions`` over the shipped gazetteer), so the
shipped citations follow the same rules as a user's documents: kind ``town`` only (places abroad
and "Damascus" standing for the government are left out).  Offsets are Python ``str`` indices into
the file decoded as UTF-8 with newlines kept as they are (``newline=""``): ``text[start:end]`` is
the mention.  Each hit was checked by hand (see data/README.md).

The reports that the curated events rest on (``data/events.csv``: ``source_id`` and
``locality_id``) cite the event's locality too; their text is not held, so those rows have empty
offsets.

Usage::

    python scripts/build_citations.py [--seeds /work/shared/seeds] [--out data/citations.csv]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
from pathlib import Path

from geo.atomic import write_text
from geo.citations import find_mentions
from geo.datasets import load_localities
from geo.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SEEDS = Path(os.environ.get("MONITOR_SEEDS_DIR", "/work/shared/seeds"))


def seed_id(path: Path) -> str:
    """``seeds/004_05e4….txt`` -> ``seed:004``."""
    return "seed:" + path.name.split("_", 1)[0]


def build(seeds: Path) -> list[tuple[str, str, int, int]]:
    """Citation rows (source_id, locality_id, start, end) for every seed file in ``seeds``."""
    gazetteer = Gazetteer(load_localities())
    rows = []
    for path in sorted(seeds.glob("[0-9][0-9][0-9]_*.txt")):
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        for m in find_mentions(text, gazetteer):
            if m.kind == "town":
                assert text[m.start : m.end] == m.surface
                rows.append((seed_id(path), m.locality_id, m.start, m.end))
    return rows


def event_citations(events_csv: Path) -> list[tuple[str, str, str, str]]:
    """(source_id, locality_id, "", "") for each curated event placed at a locality."""
    with open(events_csv, encoding="utf-8", newline="") as fh:
        pairs = {(r["source_id"], r["locality_id"]) for r in csv.DictReader(fh) if r["locality_id"]}
    return [(src, loc, "", "") for src, loc in sorted(pairs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(DEFAULT_SEEDS))
    parser.add_argument("--out", default=str(ROOT / "data" / "citations.csv"))
    args = parser.parse_args()
    rows = build(Path(args.seeds)) + event_citations(ROOT / "data" / "events.csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_id", "locality_id", "start", "end"])
    writer.writerows(rows)
    write_text(args.out, buffer.getvalue())
    print(f"wrote {args.out}: {len(rows)} mentions")


if __name__ == "__main__":
    main()
