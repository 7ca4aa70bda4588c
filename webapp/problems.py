"""How the web app words import problems and which of its controls it offers for them.

``geo/`` returns problems with codes (``geo.schema.PROBLEM_CODES``) and never names a front
end's controls; the Data page words them here, by code (never by parsing the reason), and
offers the control that solves them: "Repair invalid geometries" (the importer's ``fix``),
"Layer" (``layer``, for a file holding several) and "Order of numeric dates" (``date_order``).
Pure (no streamlit), so it is tested without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.schema import Problem, summarise

#: The Data page's controls, by label (pages/data.py uses the same names).
FIX_LABEL = "Repair invalid geometries"
LAYER_LABEL = "Layer"
DATE_ORDER_LABEL = "Order of numeric dates"
MAP_LABEL = "Column mapping"

#: Problem code -> what the Data page adds to the reason (its own controls, never a flag).
WEB_HINTS: dict[str, str] = {
    "ambiguous_date": f" (choose the order under '{DATE_ORDER_LABEL}' and import again)",
    "invalid_geometry": f" (tick '{FIX_LABEL}' and import again)",
    "open_ring": f" (tick '{FIX_LABEL}' to close it and import again)",
    "layer_required": f": choose one under '{LAYER_LABEL}' and import again",
    "layer_conflict": f": choose one under '{LAYER_LABEL}' and import again",
    "mapping_required": f" (fill in '{MAP_LABEL}', e.g. id=ID,date=Date,lat=Lat,lon=Lon)",
    "bad_mapping": f" (correct '{MAP_LABEL}': KEY=COLUMN pairs separated by commas)",
    "mapped_column_missing": f" (check '{MAP_LABEL}')",
    "unknown_kind": " (choose events, boundaries or zones under 'Kind')",
    "bad_encoding": " (save the file as UTF-8 and upload it again)",
}


@dataclass(frozen=True)
class Advice:
    """What the Data page shows for refused input and which controls it offers.

    Attributes
    ----------
    rows : list of dict
        One ``{"row", "column", "reason"}`` per problem, the reason worded for the page.
    fix : bool
        Offer (highlight) "Repair invalid geometries".
    layers : tuple of str
        The layer names to offer under "Layer" (empty: the file has one layer).
    date_order : bool
        Offer "Order of numeric dates".
    """

    rows: list
    fix: bool
    layers: tuple[str, ...]
    date_order: bool


def web_text(problem: Problem) -> str:
    """The reason of ``problem`` with the page's advice for its code (no command-line flag)."""
    return f"{problem.reason}{WEB_HINTS.get(problem.code, '')}"


def advise(problems: list[Problem]) -> Advice:
    """The Data page's table rows and controls for ``problems`` (chosen by code).

    Parameters
    ----------
    problems : list of Problem
        Problems from ``geo.importers.import_file`` (``InputError.problems``).

    Returns
    -------
    Advice
        Rows worded for the page, and which controls solve the problems.
    """
    codes = {p.code for p in problems}
    layers: tuple[str, ...] = ()
    for p in problems:
        if p.code in ("layer_required", "layer_conflict") and p.values:
            layers = tuple(p.values)
            break
    shown, rest = summarise(problems)  # a file with millions of problems sends a hundred rows, not millions
    rows = [{"row": p.row, "column": p.column or "", "reason": web_text(p)} for p in shown]
    rows += [{"row": None, "column": "", "reason": f"… and {n:,} more of the same kind: {kind}"} for kind, n in rest]
    return Advice(
        rows=rows,
        fix=bool(codes & {"invalid_geometry", "open_ring"}),
        layers=layers,
        date_order="ambiguous_date" in codes,
    )
