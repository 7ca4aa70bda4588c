"""How the command line words problems: ``geo/`` gives codes, this table adds the flags.

``geo/`` never names a command-line flag (the web page has other controls); a problem carries a
code (``geo.schema.PROBLEM_CODES``) and the command line appends the advice that fits it here.
"""

from __future__ import annotations

from geo.schema import Problem

#: Problem code -> what the command line adds to the problem's reason (the flag that helps).
HINTS: dict[str, str] = {
    "ambiguous_date": " (state the order with --date-order dmy|mdy)",
    "invalid_geometry": " (use --fix to repair with make_valid)",
    "open_ring": "; use --fix to close it",
    "layer_required": ": choose one with --layer",
    "layer_conflict": ": choose one with --layer",
    "mapping_required": " (name the columns with --map id=COL,date=COL,lat=COL,lon=COL)",
    "bad_mapping": " (--map takes KEY=COLUMN pairs: python cli.py import --help)",
    "mapped_column_missing": " (check --map)",
    "unknown_kind": " (--kind events, boundaries or zones)",
    "bad_encoding": "; or pass --encoding",
}

#: ``geo.store.StoreError`` code -> what the command line adds to its message.
STORE_HINTS: dict[str, str] = {
    "is_folder": " (--store or $MONITOR_STORE)",
    "unreadable": "; move it away or give another store with --store (or $MONITOR_STORE)",
    "foreign_layers": " with --store (or $MONITOR_STORE)",
    "unavailable": "; check that the database server runs and $MONITOR_DATABASE_URL names it",
    "database_configured": "; unset $MONITOR_DATABASE_URL to write a GeoPackage",
    "locked": "; try again when that program (a database browser?) has closed it",
    "disk_full": "; free some space (or give a store on another disk with --store) and run it again",
}


def cli_text(problem: Problem) -> str:
    """One problem as the command line prints it: where, why, and the flag that helps.

    Parameters
    ----------
    problem : Problem
        A problem from ``geo/``.

    Returns
    -------
    str
        ``row N, column 'C': reason`` followed by the hint of its code, if any; a problem
        with an option (code ``bad_option``) names the option's flag.
    """
    if problem.code == "bad_option":  # ``column`` is the option's name: the command line's flag
        where = (f"row {problem.row}, " if problem.row is not None else "") + f"option --{problem.column}"
        return f"{where}: {problem.reason}"
    return f"{problem}{HINTS.get(problem.code, '')}"


def store_text(exc) -> str:
    """A ``geo.store.StoreError`` as one line of the command line, with the flag that helps."""
    return f"{exc}{STORE_HINTS.get(exc.code, '')}"
