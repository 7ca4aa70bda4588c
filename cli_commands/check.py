"""The data-quality check: ``python cli.py check``.

Prints one CSV line per finding of ``geo.check.run_checks`` on standard output and one summary
line per check on standard error; exit status 0 whatever is found.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from cli_commands import command
from geo.check import CODES, SUBJECT, Limits
from geo.safetext import csv_rows, terminal_safe

HEADER = ("code", "subject", "date", "evidence")
WHAT = {
    "actor_zone_conflict": "events whose sides' parties hold neither the place nor a locality within zone_km",
    "locality_without_record": "gazetteer localities without a control record, nearest to >= cluster_min events",
    "unknown_actor": "actor names no row of the actor table matches",
    "duplicate_incident": "one incident recorded in two datasets (geo.incidents linking rule)",
}
EPILOG = (
    """\
output: CSV on standard output, header code,subject,date,evidence; one line per finding.
  subject: the event ID (actor_zone_conflict, duplicate_incident), locality ID
  (locality_without_record) or actor name (unknown_actor); date: the event's date, or the first
  date of the events behind the finding (YYYY-MM-DD).
  evidence: key=value pairs joined by "; " (a value holding ";", "=" or quotes is JSON-quoted);
  distances in km, 1 decimal.
codes:
"""
    + "\n".join(f"  {c}: {WHAT[c]}" for c in CODES)
    + """
standard error: one line "summary: CODE=N" per check run, then the limits used and the time.
Exit status 0 with findings printed (findings are not errors); 2 for refused arguments; 1 on
other errors.
"""
)


def _positive(kind):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a {kind.__name__}") from None
        if not number > 0 or (isinstance(number, float) and not math.isfinite(number)):
            raise argparse.ArgumentTypeError(f"{value!r} must be a positive number")
        return number

    return parse


@command(
    "check", "data-quality check: zone conflicts, unrecorded localities, unknown actors, duplicates (CSV)"
)
def build_check(parser):
    defaults = Limits()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="workspace GeoPackage (default: $MONITOR_STORE or workspace/store.gpkg)",
    )
    parser.add_argument(
        "--code",
        action="append",
        choices=CODES,
        metavar="CODE",
        help="run only this check (repeatable; default all)",
    )
    parser.add_argument(
        "--zone-km", type=_positive(float), default=defaults.zone_km,
        help=f"actor_zone_conflict: a side's party holding a locality this close explains the event (default {defaults.zone_km:g})",
    )  # fmt: skip
    parser.add_argument(
        "--cluster-km", type=_positive(float), default=defaults.cluster_km,
        help=f"locality_without_record: an event counts for its nearest gazetteer locality within this (default {defaults.cluster_km:g})",
    )  # fmt: skip
    parser.add_argument(
        "--cluster-min", type=_positive(int), default=defaults.cluster_min,
        help=f"locality_without_record: events needed for a finding (default {defaults.cluster_min})",
    )  # fmt: skip
    return run_check


def run_check(args) -> int:
    from geo.catalog import Catalog
    from geo.check import run_checks

    limits = Limits(zone_km=args.zone_km, cluster_km=args.cluster_km, cluster_min=args.cluster_min)
    codes = tuple(c for c in CODES if c in args.code) if args.code else CODES
    began = time.perf_counter()
    results = run_checks(Catalog(args.store), limits, codes)
    took = time.perf_counter() - began
    sys.stdout.write(terminal_safe(csv_rows([HEADER, *(row for code, frame in results.items() for row in lines(code, frame))])))
    sys.stdout.flush()
    for code, frame in results.items():
        print(f"summary: {code}={len(frame)}", file=sys.stderr)
    print(
        f"limits: zone_km={limits.zone_km:g} cluster_km={limits.cluster_km:g} cluster_min={limits.cluster_min}; "
        f"{took:.1f} s",
        file=sys.stderr,
    )
    return 0


def lines(code: str, frame) -> list[tuple[str, str, str, str]]:
    """(code, subject, date, evidence) for each finding of one check."""
    subject, date = SUBJECT[code]
    rest = [c for c in frame.columns if c not in ("code", subject, date)]
    out = []
    for record in frame.to_dict("records"):
        evidence = "; ".join(f"{k}={_value(record[k])}" for k in rest)
        out.append((code, str(record[subject]), str(record[date]), evidence))
    return out


def _value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if any(ch in text for ch in ';="') or text != text.strip():
        return json.dumps(text, ensure_ascii=False)
    return text
