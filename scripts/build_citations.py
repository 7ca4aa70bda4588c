"""Build ``data/citations.csv``: where each seed report mentions a Syrian locality.

The five seed reports (``seeds/NNN_<hash>.txt``, source ids ``seed:NNN`` in ``data/sources.csv``)
are read only here, at build time; their text is not shipped.  Offsets are Python ``str``
indices into the file decoded as UTF-8 with newlines kept as they are (``newline=""``), so
``text[start:end]`` is the mention.

Mentions are found with word-bounded regular expressions over the names of the localities
that occur in the seeds (``NAMES``).  Each hit was then checked by hand; two kinds are left out
on purpose because they do not refer to the place itself:

* province mentions ("Idlib province") - a governorate, not the town;
* metonymy, where a city name stands for the government ("the Damascus government",
  "Damascus is looking to negotiate").  The rule below drops a name followed by
  "government"/"regime"; the remaining hand-verified metonymic hits are in ``METONYMY``.

Usage::

    python scripts/build_citations.py [--seeds /work/shared/seeds] [--out data/citations.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = Path(os.environ.get("MONITOR_SEEDS_DIR", "/work/shared/seeds"))

#: locality_id -> spellings searched for (case-sensitive, word-bounded).
NAMES: dict[str, list[str]] = {
    "gn:170063": ["Aleppo", "Halab"],
    "gn:174018": ["Al-Bab", "al-Bab", "Al Bab"],
    "gn:170654": ["Damascus"],
    "gn:169389": ["Idlib", "Idleb"],
    "gn:172955": ["Raqqa", "Raqqah"],
    "gn:163808": ["Palmyra", "Tadmur"],
    "gn:169577": ["Homs"],
    "gn:170017": ["Hama"],
    "gn:170905": ["Daraa", "Deraa"],
    "gn:173576": ["Latakia", "Lattakia"],
    "gn:170794": ["Deir ez-Zor", "Deir al-Zor", "Deir Ezzor"],
    "gn:172232": ["Ain al-Fijeh", "Ain al-Fija"],
    "gn:172082": ["Azaz"],
    "gn:167357": ["Manbij"],
    "gn:170592": ["Douma", "Duma"],
}

#: Words that, following a name, show it is not a place mention.
_NOT_A_PLACE = re.compile(r"\s+(province|governorate|countryside|government|regime)\b")

#: Hand-verified metonymic hits not caught by the rule: (seed prefix, name, start offset).
METONYMY: set[tuple[str, str, int]] = {
    ("003", "Damascus", 2843),  # "Damascus is looking to negotiate" = the government
}


def seed_id(path: Path) -> str:
    """``seeds/004_05e4….txt`` -> ``seed:004``."""
    return "seed:" + path.name.split("_", 1)[0]


def find(text: str, prefix: str) -> list[tuple[str, int, int]]:
    """All accepted (locality_id, start, end) mentions in ``text``."""
    hits = []
    for loc, names in NAMES.items():
        for name in names:
            for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                if _NOT_A_PLACE.match(text, m.end()):
                    continue
                if (prefix, name, m.start()) in METONYMY:
                    continue
                hits.append((loc, m.start(), m.end()))
    return sorted(set(hits), key=lambda h: (h[1], h[0]))


def build(seeds: Path) -> list[tuple[str, str, int, int]]:
    """Citation rows for every seed file in ``seeds``."""
    rows = []
    for path in sorted(seeds.glob("[0-9][0-9][0-9]_*.txt")):
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        prefix = path.name.split("_", 1)[0]
        for loc, start, end in find(text, prefix):
            assert 0 <= start < end <= len(text)
            rows.append((seed_id(path), loc, start, end))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(DEFAULT_SEEDS))
    parser.add_argument("--out", default=str(ROOT / "data" / "citations.csv"))
    args = parser.parse_args()
    rows = build(Path(args.seeds))
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source_id", "locality_id", "start", "end"])
        writer.writerows(rows)
    print(f"wrote {args.out}: {len(rows)} mentions")


if __name__ == "__main__":
    main()
