"""Precision and recall of town detection on the annotated texts in tests/fixtures/citations_annotated.

Usage::

    python bench/citation_accuracy.py [--verbose] [FOLDER]

Each text marks its mentions inline as ``[[surface|label]]`` (see the folder's README.md).  A
detected mention counts as correct when its span (start, end) and label (locality id with kind
town or metonymy, or venue name) are exactly those annotated.  Prints one line per file and the
totals, overall and by kind.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from geo.citations import find_mentions
from geo.datasets import load_localities
from geo.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parent.parent

FOLDER = ROOT / "tests" / "fixtures" / "citations_annotated"
_MARK = re.compile(r"\[\[(.+?)\|([^\]|]+)\]\]", re.S)


def parse_annotated(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Clean text and gold mentions ``(start, end, label)`` from an annotated text."""
    out, gold, pos, last = [], [], 0, 0
    for m in _MARK.finditer(marked):
        out.append(marked[last: m.start()])
        pos += m.start() - last
        surface, label = m.group(1), m.group(2).strip()
        gold.append((pos, pos + len(surface), label))
        out.append(surface)
        pos += len(surface)
        last = m.end()
    out.append(marked[last:])
    return "".join(out), gold


def label_of(mention) -> str:
    if mention.kind == "venue":
        return f"venue:{mention.venue}"
    if mention.kind == "metonymy":
        return f"meto:{mention.locality_id}"
    return mention.locality_id


def kind_of(label: str) -> str:
    return "venue" if label.startswith("venue:") else "metonymy" if label.startswith("meto:") else "town"


def evaluate(folder: Path = FOLDER, gazetteer: Gazetteer | None = None) -> dict:
    """Scores over every ``*.txt`` in ``folder``: totals, per kind, per file and the errors."""
    gazetteer = gazetteer or Gazetteer(load_localities())
    tp, fp, fn = Counter(), Counter(), Counter()
    files, errors = {}, []
    for path in sorted(Path(folder).glob("*.txt")):
        text, gold = parse_annotated(path.read_text(encoding="utf-8"))
        found = {(m.start, m.end, label_of(m)) for m in find_mentions(text, gazetteer)}
        gold_set = set(gold)
        for item in found & gold_set:
            tp[kind_of(item[2])] += 1
        for item in found - gold_set:
            fp[kind_of(item[2])] += 1
            errors.append((path.name, "false hit", text[item[0]: item[1]], item[2]))
        for item in gold_set - found:
            fn[kind_of(item[2])] += 1
            errors.append((path.name, "missed", text[item[0]: item[1]], item[2]))
        files[path.name] = (len(gold_set), len(found & gold_set), len(found - gold_set), len(gold_set - found))

    def score(t, p, n):
        precision = t / (t + p) if t + p else 1.0
        recall = t / (t + n) if t + n else 1.0
        return {"tp": t, "fp": p, "fn": n, "precision": precision, "recall": recall}

    kinds = {k: score(tp[k], fp[k], fn[k]) for k in ("town", "metonymy", "venue")}
    total = score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {"total": total, "kinds": kinds, "files": files, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(FOLDER))
    parser.add_argument("--verbose", action="store_true", help="list every false hit and miss")
    args = parser.parse_args(argv)
    result = evaluate(Path(args.folder))
    for name, (gold, tp, fp, fn) in result["files"].items():
        print(f"{name:24s} annotated {gold:3d}  correct {tp:3d}  false hits {fp:2d}  missed {fn:2d}")
    for kind, s in result["kinds"].items():
        print(f"{kind:9s} precision {s['precision']:.3f}  recall {s['recall']:.3f}  (tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
    t = result["total"]
    print(f"TOTAL     precision {t['precision']:.3f}  recall {t['recall']:.3f}  "
          f"({t['tp'] + t['fn']} annotated mentions, {t['tp'] + t['fp']} detected)")
    if args.verbose:
        for name, what, surface, label in result["errors"]:
            print(f"  {name}: {what}: {surface!r} -> {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
