"""The scale benchmark of issue 12: ``python cli.py bench --events N [--file PATH] [--json]``.

The measuring code is ``bench/scale.py`` (see its docstring for what each figure is); this
module reads the flags, makes the temporary folder (never the user's store) and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

from cli_commands import command

EPILOG = """\
output (--json): one JSON object with events, import_s, import_rss_mb, load_s, update_s,
  payload_bytes, render_s, slider_s, rss_mb, naive_update_s, naive_payload_bytes (null where not
  measured) and details: synthetic, conditions (load average, CPUs), the runs behind each median.
  Without --json: a table. Progress goes to standard error.
The events are imported into a temporary store (deleted afterwards unless --keep), never the
workspace store. Synthetic events are labelled SYNTHETIC in every row.
Exit status 0 measured; 2 refused arguments; 1 a step failed (the last lines of its log are
printed; --keep DIR keeps the whole log).
"""
UNITS = {"events": "", "import_s": "s", "import_rss_mb": "MB", "load_s": "s", "update_s": "s",
         "payload_bytes": "B", "render_s": "s", "slider_s": "s", "rss_mb": "MB", "naive_update_s": "s",
         "naive_payload_bytes": "B"}


@command("bench", "scale benchmark: import, load, map update, payload, browser (synthetic or a UCDP file)")
def build(parser):
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--events", type=int, metavar="N", help="generate N synthetic events (UCDP GED layout)")
    what.add_argument("--file", type=Path, metavar="PATH", help="a real UCDP GED CSV (.csv or .csv.gz) instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-browser", action="store_true", help="skip render_s, slider_s, rss_mb (null)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default 0)")
    parser.add_argument("--naive-max", type=int, default=100_000, metavar="N",
                        help="largest event range the naive one-marker-per-event map is built for (default 100000)")
    parser.add_argument("--start", default="2017-01-01", metavar="YYYY-MM-DD",
                        help="first day of the 31-day event range filtered and opened in the browser (default 2017-01-01)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the generated file, store and logs in DIR (a new or empty folder)")
    return run


def _refusal(args) -> str | None:
    """The one-line reason the arguments are refused, or None."""
    from bench.scale import chromium_path

    if args.events is not None and args.events < 1:
        return f"--events must be at least 1, not {args.events}"
    if args.file is not None and not args.file.is_file():
        return f"no such file: {args.file}"
    if args.naive_max < 0:
        return f"--naive-max must be 0 or more, not {args.naive_max}"
    try:
        date.fromisoformat(args.start)
    except ValueError:
        return f"--start must be a date YYYY-MM-DD, not {args.start!r}"
    if args.keep is not None and args.keep.exists() and (not args.keep.is_dir() or any(args.keep.iterdir())):
        return f"--keep needs a new or empty folder: {args.keep}"
    if not args.no_browser and not Path(chromium_path()).exists():
        return f"Chromium not found at {chromium_path()}: install it or pass --no-browser"
    return None


def _fmt(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(result: dict) -> str:
    from bench.scale import KEYS

    lines = [f"{'figure':<22}{'value':>16}  unit"]
    lines += [f"{k:<22}{_fmt(result.get(k)):>16}  {UNITS[k]}" for k in KEYS]
    if not result.get("browser"):
        lines.append("render_s, slider_s, rss_mb: not measured (--no-browser)")
    if result.get("naive_note"):
        lines.append(f"naive: {result['naive_note']}")
    cond = result["conditions"]
    lines.append(f"events in the range {result['range'][0]}..{result['range'][1]}: {result['events_in_range']:,}; "
                 f"events layer: {result['overlay']} ({result['overlay_mode']}); "
                 f"imported rows marked synthetic: {result['synthetic_events']:,}")
    lines.append(f"conditions: load average {' '.join(map(str, cond['loadavg']))}, {cond['cpus']} CPUs")
    return "\n".join(lines)


def run(args) -> int:
    from bench.scale import BenchError, run_bench

    problem = _refusal(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        print(f"bench: {text} ...", file=sys.stderr, flush=True)

    options = {"events": args.events, "file": args.file, "seed": args.seed, "browser": not args.no_browser,
               "start": date.fromisoformat(args.start), "naive_max": args.naive_max, "progress": say}
    try:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            result = run_bench(work=args.keep, **options)
        else:
            with tempfile.TemporaryDirectory(prefix="scm-bench-") as work:
                result = run_bench(work=Path(work), **options)
    except BenchError as exc:
        kept = f" (files in {args.keep})" if args.keep is not None else " (--keep DIR keeps the logs)"
        print(f"error: {exc}{kept}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else _table(result))
    return 0
