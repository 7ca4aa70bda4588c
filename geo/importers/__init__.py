"""Importers: files -> canonical records -> validation -> the workspace store, all or nothing.

``import_file(fmt, path, store_path, **options)`` parses the whole file, collects every
problem (row, column, reason), and raises ``geo.schema.InputError`` without touching the store
when there is any. Otherwise it writes the new records atomically (``geo.store.Store``) and
returns an :class:`ImportReport`. IDs already present (in the store or the shipped data) are
skipped as duplicates, so importing the same file twice adds nothing.

Formats: ``ucdp``, ``acled``, ``csv`` (``map=``), ``geojson``, ``gpkg``, ``shp``/``zip``
(a zipped shapefile) with ``kind=events|boundaries|zones``, and ``boundaries`` (OCHA COD-AB).

Options (all optional): ``map`` (str ``id=COL,...`` or dict), ``layer``, ``kind``, ``fix``
(repair invalid geometries), ``date_order`` ("dmy"/"mdy"), ``encoding``, ``name`` (the file's
name as the user knows it, e.g. an upload saved to a temporary file: used in the import batch
and as the default ``source`` of zones and boundaries), ``progress`` (a callable told each step of
the import: ``progress(step, rows)``, see ``geo.importers.base.STEPS``), ``outline`` and
``admin1`` (override the boundaries used for checks, e.g. in tests), ``data_dir`` (shipped data).
"""

from __future__ import annotations

from geo.importers.base import ImportReport, Parsed, commit
from geo.schema import InputError, Problem

__all__ = ["FORMATS", "ImportReport", "import_file"]

#: format name -> module holding ``parse(path, ctx) -> Parsed``
FORMATS = {
    "ucdp": "geo.importers.ucdp",
    "acled": "geo.importers.acled",
    "csv": "geo.importers.mapped_csv",
    "geojson": "geo.importers.vector",
    "gpkg": "geo.importers.vector",
    "shp": "geo.importers.vector",
    "zip": "geo.importers.vector",
    "boundaries": "geo.importers.boundaries",
}


def import_file(fmt: str, path, store_path=None, **options) -> ImportReport:
    """Import ``path`` in format ``fmt`` into the store at ``store_path``.

    Parameters
    ----------
    fmt : str
        One of :data:`FORMATS`.
    path : str or PathLike
        The input file.
    store_path : str or PathLike, optional
        The GeoPackage store, or the database's public URL (``geo.paths.store_location``
        resolves the default: the team database when ``MONITOR_DATABASE_URL`` is set).
    **options
        See the module docstring.

    Returns
    -------
    ImportReport

    Raises
    ------
    InputError
        Every problem found; nothing was written.
    """
    import importlib

    from geo.importers.base import Context
    from geo.paths import store_location as resolve

    if fmt not in FORMATS:
        raise InputError([Problem(None, None, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")])
    from geo.encoding import check_input_file

    path = check_input_file(path)  # an existing regular file within the size limit (never a device or a pipe)
    ctx = Context(fmt=fmt, path=path, store_path=resolve(store_path), options=options)
    from geo.store import open_store

    open_store(ctx.store_path).check_writable()  # before the work: a folder, or a GeoPackage of other data
    module = importlib.import_module(FORMATS[fmt])
    ctx.step("read")
    parsed: Parsed = module.parse(path, ctx)
    if parsed.problems:
        raise InputError(_dedupe(parsed.problems))
    ctx.step("write", 0 if parsed.frame is None else len(parsed.frame))
    report = commit(parsed, ctx)
    del parsed  # the parsed rows (about a GB at a million) are not held while the derived table is computed
    from geo.derived import refresh
    from geo.paths import DATA_DIR

    ctx.step("derive")
    # the derived table, paid at import (geo/derived.py): only the appended rows when that is provably the same
    refresh(ctx.store_path, data_dir=ctx.opt("data_dir", DATA_DIR), appended=ctx.appended)
    return report


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """Drop exact repeats and "geometry is missing" where the row's geometry already has a reason;
    file-level problems first, then by row (stable)."""
    seen, out = set(), []
    geom_rows = {p.row for p in problems if p.column == "geometry" and p.code != "missing_geometry"}
    for p in problems:
        if p in seen or (p.code == "missing_geometry" and p.row in geom_rows):
            continue
        seen.add(p)
        out.append(p)
    return sorted(out, key=lambda p: (p.row is not None, p.row or 0))
