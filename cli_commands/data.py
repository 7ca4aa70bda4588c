"""Data commands: ``import``, ``export``, ``stats``.

The store is ``--store PATH``, else ``$MONITOR_STORE``, else ``workspace/store.gpkg``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import pandas as pd

from cli_commands import command
from cli_commands.problems import cli_text
from geo.safetext import csv_text, terminal_safe
from geo.schema import InputError, Problem
from geo.validate import parse_date

IMPORT_FORMATS = ("ucdp", "acled", "csv", "geojson", "gpkg", "shp", "zip", "boundaries")
SHOW_FLAGGED = 20


def _date(value: str) -> pd.Timestamp:
    """An ISO date argument (argparse type)."""
    day = parse_date(value, iso_only=True)  # the one date parser (geo.validate)
    if day is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD")
    return day


def _count(value: str) -> int:
    """A whole number >= 0 (argparse type)."""
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number >= 0")
    return int(value)


def _event_filter_args(parser) -> None:
    """``--min-fatalities`` and ``--actor``: the view's filters of the same name (geo.view.filter_events)."""
    parser.add_argument(
        "--min-fatalities", type=_count, metavar="N",
        help="events: only those with at least N fatalities (best estimate); above 0, events with no reported "
        "figure are left out",
    )
    parser.add_argument(
        "--actor", metavar="TEXT", help="events: only those where TEXT occurs in either side's name (case-insensitive)"
    )


def _event_filters(events, args):
    """``events`` through the one filter with ``--min-fatalities`` / ``--actor`` (unchanged without them)."""
    from geo.view import filter_events

    if not args.min_fatalities and not (args.actor or "").strip():
        return events
    return filter_events(events, min_fatalities=args.min_fatalities or 0, actor=args.actor or "")


def _store_arg(parser) -> None:
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="workspace GeoPackage (default: $MONITOR_STORE or workspace/store.gpkg)",
    )


# --- import -------------------------------------------------------------------------


@command(
    "import", "import a file (ucdp, acled, csv, geojson, gpkg, shp/zip, boundaries) into the workspace store"
)
def build_import(parser):
    parser.add_argument("format", choices=IMPORT_FORMATS, metavar="FORMAT", help=", ".join(IMPORT_FORMATS))
    parser.add_argument("file", metavar="FILE")
    _store_arg(parser)
    parser.add_argument(
        "--map",
        metavar="KEY=COL,...",
        help="csv/vector events: id=COL,date=COL,lat=COL,lon=COL[,actor1=,actor2=,type=,fatalities=,place=,source=,notes=]",
    )
    parser.add_argument("--layer", metavar="L", help="layer to read from a GeoPackage / zip holding several")
    parser.add_argument(
        "--kind",
        choices=("events", "boundaries", "zones"),
        help="what a geojson/gpkg/shp file holds (default: events)",
    )
    parser.add_argument(
        "--fix", action="store_true", help="repair invalid geometries with make_valid (and say so)"
    )
    parser.add_argument(
        "--date-order",
        choices=("dmy", "mdy"),
        help="order of numeric dates such as 05/04/2017 (never guessed)",
    )
    parser.add_argument(
        "--encoding", help="force the text encoding (default: UTF-8, UTF-8 BOM or cp1256 detected)"
    )
    parser.add_argument(
        "--progress", action="store_true",
        help="show each step of the import on stderr (shown anyway when stderr is a terminal)",
    )
    return run_import


def _progress(args):
    """The import's progress display on stderr (a terminal, or ``--progress``), else None.

    On a terminal each step overwrites the line before (cleared at the end); otherwise one line per step.
    """
    tty = sys.stderr.isatty()
    if not (args.progress or tty):
        return None
    from geo.importers.base import step_words  # the steps' one wording, shared with the Data page

    start = time.monotonic()

    def show(step, rows):
        words = step_words(step, rows, args.file)
        line = terminal_safe(f"import: {words} ({time.monotonic() - start:.1f} s)")
        sys.stderr.write(f"\r\x1b[K{line}" if tty else f"{line}\n")
        sys.stderr.flush()

    return show


def _wait_told(progress):
    """``progress``, or, when there is no progress display, a callback that still says on stderr that
    the import waits for another writer (it may wait up to ``geo.store.LOCK_TIMEOUT_S``)."""
    if progress is not None:
        return progress
    from geo.importers.base import step_words

    def told(step, rows):
        if step == "wait":
            sys.stderr.write(terminal_safe(f"import: {step_words(step, rows)}") + "\n")
            sys.stderr.flush()

    return told


def run_import(args) -> int:
    from geo.importers import import_file
    from geo.paths import store_location

    progress = _wait_told(_progress(args))
    try:
        report = import_file(
            args.format,
            args.file,
            store_location(args.store),
            map=args.map,
            layer=args.layer,
            kind=args.kind,
            fix=args.fix,
            date_order=args.date_order,
            encoding=args.encoding,
            progress=progress,
        )
    finally:
        if progress is not None and sys.stderr.isatty():
            sys.stderr.write("\r\x1b[K")  # the step line goes: stdout's report follows as before
    print(report.summary())
    for note in report.notes:
        print(f"note: {note}")
    if report.problems_flagged:
        print("flagged rows (accepted):")
        kinds = Counter(_flag_kind(p) for p in report.problems_flagged)
        for kind, n in kinds.items():
            print(f"  {kind}: {n} row(s)")
        for p in report.problems_flagged[:SHOW_FLAGGED]:
            print(f"  {cli_text(p)}")
        if len(report.problems_flagged) > SHOW_FLAGGED:
            print(f"  ... and {len(report.problems_flagged) - SHOW_FLAGGED} more")
    return 0


def _flag_kind(problem: Problem) -> str:
    """The flag of an accepted row (its code's value, e.g. ``near_border``), else its reason."""
    if problem.code == "flagged" and problem.values:
        return problem.values[0]
    return problem.reason


# --- export -------------------------------------------------------------------------


@command("export", "export events, boundaries, zones (at --date), localities, or the control table (at --date, csv)")
def build_export(parser):
    parser.add_argument(
        "what",
        choices=("events", "boundaries", "zones", "localities", "control"),
        metavar="WHAT",
        help="events, boundaries, zones, localities, control (the control records in force on --date, csv)",
    )
    parser.add_argument("--format", required=True, choices=("csv", "geojson", "gpkg"))
    parser.add_argument("--date", type=_date, help="zones, control: the day of the control layer")
    parser.add_argument(
        "--start", type=_date, help="events: first day (inclusive); exported: events whose whole date span is in the range"
    )
    parser.add_argument("--end", type=_date, help="events: last day (inclusive)")
    parser.add_argument("--out", required=True, metavar="FILE")
    parser.add_argument(
        "--workspace-only", action="store_true", help="only what was imported, not the shipped data"
    )
    _event_filter_args(parser)
    _store_arg(parser)
    return run_export


def run_export(args) -> int:
    from geo import export
    from geo.catalog import Catalog

    if args.what in ("zones", "control") and args.date is None:
        raise InputError([Problem(None, "--date", f"exporting {args.what} needs --date YYYY-MM-DD")])
    if args.what == "control" and args.format != "csv":
        raise InputError([Problem(None, "--format", "the control table is exported as csv only")])
    if args.what != "events" and (args.start is not None or args.end is not None):
        raise InputError([Problem(None, "--start/--end", "only apply to events")])
    if args.what != "events" and (args.min_fatalities is not None or args.actor is not None):
        raise InputError([Problem(None, "--min-fatalities/--actor", "only apply to events")])
    if args.what not in ("zones", "control") and args.date is not None:
        raise InputError([Problem(None, "--date", "only applies to zones (use --start/--end for events)")])
    if args.start is not None and args.end is not None and args.start > args.end:
        raise InputError([Problem(None, "--start/--end", "--start is after --end")])
    catalog = Catalog(args.store)
    if args.what == "control":  # the table the zones of --date are derived from (the web download's bytes)
        n = export.write_control(catalog, args.date, args.out)
        print(f"wrote {n} control records to {args.out}")
        return 0
    frame = export.select(
        catalog, args.what, date=args.date, start=args.start, end=args.end, workspace_only=args.workspace_only
    )
    if args.what == "events":
        frame = _event_filters(frame, args).reset_index(drop=True)
    n = export.write(args.what, frame, args.format, args.out)
    print(f"wrote {n} {args.what} to {args.out}")
    return 0


# --- stats --------------------------------------------------------------------------


@command("stats", "print event counts by governorate, district, zone, day or truce class as CSV")
def build_stats(parser):
    from geo.stats import GROUPERS

    parser.add_argument("--by", required=True, choices=sorted(GROUPERS), help="grouping")
    parser.add_argument("--start", type=_date, help="first day (inclusive)")
    parser.add_argument("--end", type=_date, help="last day (inclusive)")
    parser.epilog = (
        "An event counts in --start/--end when its whole date span [date_start, date_end] lies inside the "
        "range; events whose span only overlaps it are not counted. Events located only to the country "
        "(geo_precision 'country') count in the row 'Syria, location unknown' (pcode SY) of a grouping by "
        "place (governorate, district, zone), never in a unit or a zone. By day, events dated only to a span "
        "longer than a week (or to a month or year) are not put on a day: they count in a last row "
        "'spans longer than a week'."
    )
    parser.add_argument(
        "--date",
        type=_date,
        help="zone: attribute every event to the zones of this day instead of its own date",
    )
    parser.add_argument(
        "--workspace-only", action="store_true", help="count only imported events, not the shipped ones"
    )
    _event_filter_args(parser)
    _store_arg(parser)
    return run_stats


def run_stats(args) -> int:
    from geo.admin import district_units, with_admin
    from geo.catalog import Catalog
    from geo.derived import classified_events
    from geo.queries import events_in_range
    from geo.stats import COUNT_COLUMNS, counts_by
    from geo.view import ACTOR_COLUMNS

    if args.date is not None and args.by != "zone":
        raise InputError(
            [Problem(None, "--date", "only applies to --by zone (use --start/--end for a period)")]
        )
    if args.start is not None and args.end is not None and args.start > args.end:
        raise InputError([Problem(None, "--start/--end", "--start is after --end")])
    catalog = Catalog(args.store)
    if args.workspace_only:  # the same spatial join as Catalog.events (geo.admin)
        events = with_admin(catalog.store.read("events"), catalog)
    else:  # Catalog.events() classified, from the derived table when it is current (geo.derived)
        wanted = [*COUNT_COLUMNS, *(ACTOR_COLUMNS if args.actor else ()), *(["geometry"] if args.date else [])]
        events = classified_events(args.store, columns=wanted)  # only what is counted and filtered on
    events = _event_filters(events_in_range(events, args.start, args.end), args)
    # the holder of each event's place: the same layer as the map's zones (Catalog.party_at)
    context = {
        "party_at": lambda ev, date: catalog.party_at(ev, None if date is None else pd.Series(date, index=ev.index))
    }
    if args.by == "zone":
        context["date"] = args.date
    if args.by == "district":  # district and governorate names
        context["admin1"], context["admin2"] = catalog.boundaries(1), district_units(catalog)
    table = counts_by(events, args.by, start=args.start, end=args.end, **context)
    sys.stdout.write(terminal_safe(csv_text(table)))  # formulas and control characters neutralised
    return 0
