"""Render command: the briefing image (PNG/PDF/SVG) or the standalone map (HTML) of a view.

``python cli.py render --date D --start D --end D [--layers zones,towns,events] [--size 1920x1080|a4]
[--choro off|events|fatalities] --out FILE.png|.pdf|.svg|.html [--store PATH]``

``--choro events|fatalities`` colours the districts by the events (fatalities) of the range and
filters, with the Map page's class breaks and colours and the zones drawn as outlines.

The view can also come from a shared link (``--link URL_OR_QUERY``); explicit options override
it.  Every option is validated like a link parameter (``viewstate.ViewState.from_query``): a bad
value is refused with exit status 2 and the reason, nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from cli_commands import command
from geo.schema import InputError, Problem

OUT_FORMATS = ("png", "pdf", "svg", "html")
#: CLI option -> link parameter.
_OPTION_KEYS = {
    "date": "date",
    "start": "start",
    "end": "end",
    "layers": "layers",
    "classes": "class",
    "parties": "party",
    "govs": "gov",
    "lat": "lat",
    "lon": "lon",
    "zoom": "z",
    "town": "town",
    "choro": "choro",
    "min_fatalities": "fmin",
    "actor": "actor",
}


@command("render", "render a view as a briefing image (PNG/PDF/SVG) or a standalone offline map (HTML)")
def build_render(parser):
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="control snapshot date (default 2016-12-30)")
    parser.add_argument("--start", metavar="YYYY-MM-DD", help="first day of the event range (default 2016-12-01)")
    parser.add_argument("--end", metavar="YYYY-MM-DD", help="last day of the event range (default 2017-03-31)")
    parser.add_argument("--layers", metavar="L,...", help="zones,towns,events,boundaries (default: all four; 'none')")
    parser.add_argument("--classes", metavar="C,...", help="event classes / types to keep (default: all)")
    parser.add_argument("--parties", metavar="P,...", help="parties to keep (default: all)")
    parser.add_argument("--govs", metavar="SYxx,...", help="governorate P-codes to keep (default: all)")
    parser.add_argument("--lat", help="map centre latitude (with --lon and --zoom; default: whole country)")
    parser.add_argument("--lon", help="map centre longitude")
    parser.add_argument("--zoom", help="map zoom 5..16")
    parser.add_argument("--town", metavar="ID", help="locality id of a town to highlight (gn:... or cur:...)")
    parser.add_argument("--choro", metavar="MODE",
                        help="colour districts by: off (default), events or fatalities in the range and filters")
    parser.add_argument("--min-fatalities", metavar="N",
                        help="only events with at least N fatalities (best estimate; default 0: all)")
    parser.add_argument("--actor", metavar="TEXT",
                        help="only events where TEXT occurs in either side's name (case-insensitive)")
    parser.add_argument("--link", metavar="URL", help="a shared link (or its query string) giving the view")
    parser.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT in pixels (default 1920x1080) or a4")
    parser.add_argument("--out", required=True, metavar="FILE", help="FILE.png, .pdf, .svg or .html")
    parser.add_argument("--store", metavar="PATH", help="workspace GeoPackage (default: $MONITOR_STORE or workspace/store.gpkg)")
    return run_render


def _reason(notice: str) -> str:
    """A link notice as a refusal: drop the "using the default" tail (the CLI writes nothing)."""
    return re.sub(r";\s*(?:using the default|using the whole window)\.$|\s*no town selected\.$", ".", notice)


def view_from_args(args):
    """The ViewState of the command's options (raises InputError listing every refused option).

    Each option is checked on its own (so the problem names it), then all together (so that,
    e.g., a start after the end is refused too).
    """
    from webapp.viewstate import ViewState, normalise_params

    problems: list[Problem] = []
    params: dict[str, list[str]] = {}
    if args.link:
        link = args.link.strip()
        query = urlsplit(link).query if "://" in link or link.startswith("/") else link.lstrip("?")
        problems += [Problem(None, "--link", _reason(n)) for n in ViewState.from_query(query).notices]
        params.update(normalise_params(query))
    for option, key in _OPTION_KEYS.items():
        value = getattr(args, option, None)
        if value is None:
            continue
        params[key] = [str(value)]
        problems += [Problem(None, f"--{option.replace('_', '-')}", _reason(n))
                     for n in ViewState.from_query({key: str(value)}).notices]
    params.pop("page", None)
    params.pop("view", None)
    state = ViewState.from_query(params)
    if not problems:
        problems += [Problem(None, "--start/--end", _reason(n)) for n in state.notices]
    if problems:
        raise InputError(problems)
    return state


def _use_data_window(catalog) -> None:
    """Set the view's data window to the catalog's events (``geo.window.data_window``)."""
    from geo.window import data_window
    from webapp.viewstate import use_window

    use_window(*data_window(catalog.events()))


def run_render(args) -> int:
    from briefing.render import page_size, render_briefing
    from geo.catalog import Catalog
    from geo.paths import store_location

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    problems = []
    if fmt not in OUT_FORMATS:
        problems.append(Problem(None, "--out", f"unknown format {out.suffix or '(none)'!r}: use .png, .pdf, .svg or .html"))
    if fmt != "html":
        try:
            page_size(args.size)
        except ValueError as exc:
            problems.append(Problem(None, "--size", str(exc)))
    if not out.parent.exists():
        problems.append(Problem(None, "--out", f"folder {str(out.parent)!r} does not exist"))
    state = None
    catalog = Catalog(store_location(args.store))
    _use_data_window(catalog)  # dates are valid within the loaded data's window, as in the app
    try:
        state = view_from_args(args)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    if fmt == "html":
        from briefing.html import render_html

        render_html(state, catalog, out=out)
        facts = render_html.last_facts
        what = f"HTML map, {facts['events_drawn']} events drawn, {facts['towns']} towns"
    else:
        render_briefing(state, catalog, size=args.size, out=out)
        facts = render_briefing.last_facts
        what = f"{fmt.upper()} {facts['size']}, {facts['events']} events, {facts['towns']} towns ({facts['labels']} labelled)"
    print(f"wrote {out} ({what}; {facts['bytes'] / 1024:.0f} KB in {facts['seconds']:.1f} s)")
    return 0
