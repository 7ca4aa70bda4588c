"""Official OCHA COD-AB boundaries (syr_admin0/1/2 as shapefile, zip or GeoJSON) -> the store.

Imported boundaries replace the shipped OCHA COD-AB files level by level (``Catalog.boundaries``
prefers them), carry ``precision`` "official", and the governorate of every stored event is
re-assigned against the new level-1 polygons in the same atomic write.

Accepted columns: OCHA's (``adm1_pcode``, ``adm1_name``, ``adm1_name1`` (Arabic); newer
releases' ``ADM1_PCODE``, ``ADM1_EN``, ``ADM1_AR``; any case) or the canonical boundary columns
(``admin_level``, ``pcode``, ``name_en``, ``name_ar``, ``source``, ``precision``, as ``export
boundaries`` writes them). The level is the deepest ``admN_pcode`` present (0, 1 or 2).
A zip or GeoPackage holding several layers: without the option ``layer`` the admin0/1/2 layers are
imported together and the others (admin3, capitals...) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import validate as v
from geo.frames import canonical
from geo.importers.base import Context, ImportReport, Parsed
from geo.schema import ADMIN1, CRS, Problem

OCHA_SOURCE = "OCHA/UNCS COD-AB Syria (HDX), CC BY 3.0 IGO"
_LEVEL_LAYER = re.compile(r"adm(?:in)?_?([0-2])(?![0-9])", re.IGNORECASE)


def _col(columns: dict[str, str], *names: str) -> str | None:
    for n in names:
        if n in columns:
            return columns[n]
    return None


def _prefixed(problems: list[Problem], where: str) -> list[Problem]:
    """``problems`` with ``where`` (e.g. "layer 'x': ") before each reason; codes kept."""
    return [replace(p, reason=where + p.reason) for p in problems] if where else list(problems)


def _canonical_columns(gdf: gpd.GeoDataFrame, lower: dict, rows: pd.Series, ctx: Context):
    """(levels, columns, problems) of a layer with the canonical ``admin_level`` and ``pcode``."""
    n = len(gdf)
    level_raw, problems = v.parse_ints(gdf[lower["admin_level"]], rows, "admin_level", required=True)

    def get(name):
        """The cleaned text of a canonical column of the layer.

        Parameters
        ----------
        name : str
            Canonical column name, looked up in ``lower`` (canonical name -> layer column).

        Returns
        -------
        pandas.Series
            The cleaned text of that column, or ``n`` empty strings when the layer lacks it.
        """
        return v.clean_text(gdf[lower[name]]) if name in lower else pd.Series([""] * n)

    precision, source = get("precision"), get("source")
    columns = {
        "pcode": get("pcode"),
        "name_en": get("name_en"),
        "name_ar": get("name_ar"),
        "source": source.where(source != "", ctx.file_name),
        "precision": precision.where(precision != "", "imported"),
    }
    return level_raw.fillna(-1).astype(int).to_numpy(), columns, problems


def _ocha_columns(gdf: gpd.GeoDataFrame, lower: dict, where: str):
    """(levels, columns, problems) of an OCHA COD-AB layer (the deepest ``admN_pcode`` is its level)."""
    n = len(gdf)
    found = [k for k in range(4) if f"adm{k}_pcode" in lower]
    if not found:
        reason = (
            f"{where}no P-code column (adm0_pcode / adm1_pcode / adm2_pcode, or pcode + admin_level): "
            "is this an OCHA COD-AB file?"
        )
        return None, None, [Problem(None, None, reason)]
    level = max(found)
    if level > 2:
        return None, None, [Problem(None, f"adm{level}_pcode", f"{where}admin level {level} is not supported (levels 0-2)")]
    en = _col(lower, f"adm{level}_name", f"adm{level}_en", f"adm{level}_name_en")
    ar = _col(lower, f"adm{level}_name1", f"adm{level}_ar", f"adm{level}_name_ar")
    extra = []
    for c in ("version", "valid_on"):
        if c in lower:
            vals = sorted({x for x in v.clean_text(gdf[lower[c]]) if x})
            if vals:
                extra.append(f"{c} {vals[0][:10]}")
    columns = {
        "pcode": v.clean_text(gdf[lower[f"adm{level}_pcode"]]),
        "name_en": v.clean_text(gdf[en]) if en else pd.Series([""] * n),
        "name_ar": v.clean_text(gdf[ar]) if ar else pd.Series([""] * n),
        "source": pd.Series([OCHA_SOURCE + (f" ({', '.join(extra)})" if extra else "")] * n),
        "precision": pd.Series(["official"] * n),
    }
    return np.full(n, level), columns, []


def _pcode_problems(levels, pcode: pd.Series, rows: pd.Series, where: str) -> list[Problem]:
    """Levels other than 0-2, P-codes that are not Syrian ones of their level, duplicates."""
    problems = []
    for i in range(len(pcode)):
        lvl, code = int(levels[i]), pcode[i]
        ok = (
            (lvl == 0 and code == "SY")
            or (lvl == 1 and code in ADMIN1)
            or (lvl == 2 and re.fullmatch(r"SY\d{4}", code or "") is not None)
        )
        if lvl not in (0, 1, 2):
            problems.append(Problem(int(rows[i]), "admin_level", f"{where}level {lvl} is not 0, 1 or 2"))
        elif not ok:
            problems.append(Problem(int(rows[i]), "pcode", f"{where}{code!r} is not a Syrian level-{lvl} P-code"))
    keys = pd.Series([f"{lvl}:{c}" for lvl, c in zip(levels, pcode, strict=True)])
    problems += [replace(p, column="pcode", reason=where + p.reason) for p in v.duplicate_ids(keys, rows, "pcode")]
    return problems


def normalise(gdf: gpd.GeoDataFrame, rows: pd.Series, ctx: Context, layer: str | None = None) -> Parsed:
    """Canonical boundary rows from one layer (text attributes, EPSG:4326).

    Parameters
    ----------
    gdf : GeoDataFrame
        One layer, text attributes, EPSG:4326 (``geo.importers.vector.read_any``).
    rows : Series
        The 1-based row number of each feature, for problems.
    ctx : Context
        The import's options (``fix`` repairs invalid geometries).
    layer : str, optional
        The layer's name when the file holds several: it prefixes every problem and note.

    Returns
    -------
    Parsed
        The canonical boundaries, or no frame and every problem found.
    """
    where = f"layer {layer!r}: " if layer else ""
    lower = {c.lower(): c for c in gdf.columns if c != gdf.geometry.name}
    if "admin_level" in lower and "pcode" in lower:
        levels, columns, problems = _canonical_columns(gdf, lower, rows, ctx)
    else:
        levels, columns, problems = _ocha_columns(gdf, lower, where)
        if levels is None:
            return Parsed("boundaries", None, problems)
    columns = {k: c.reset_index(drop=True) for k, c in columns.items()}
    problems += _pcode_problems(levels, columns["pcode"], rows, where)
    geoms, p, notes = v.check_geometries(gdf.geometry.reset_index(drop=True), rows, fix=bool(ctx.opt("fix", False)))
    problems += _prefixed(p, where)
    if problems:
        return Parsed("boundaries", None, problems)
    out = gpd.GeoDataFrame({"admin_level": levels.astype("int64"), **columns}, geometry=geoms.values, crs=CRS)
    return Parsed("boundaries", out, [], [], [where + x for x in notes])


def _choose_layers(path, ctx: Context):
    """(layers to read, layers skipped, problem or None): without the ``layer`` option, a file of
    several layers gives its admin0/1/2 layers (None: the file's only layer)."""
    from geo.importers.vector import OGR_ERRORS, layer_required, layers_of

    if ctx.opt("layer") is not None or ctx.fmt == "geojson" or str(path).lower().endswith((".geojson", ".json")):
        return [ctx.opt("layer")], [], None
    try:
        names = layers_of(path)
    except OGR_ERRORS:  # not readable: read_any below reports it with GDAL's reason
        names = []
    if len(names) <= 1:
        return [None], [], None
    layers = [n for n in names if _LEVEL_LAYER.search(n)]
    if not layers:
        return [], [], layer_required(names)
    return layers, [n for n in names if n not in layers], None


def _read_layers(path, ctx: Context, layers: list):
    """(canonical frames, problems, notes) of each of ``layers`` (None: the file's only layer)."""
    from geo.importers.vector import read_any

    frames, problems, notes = [], [], []
    for layer in layers:
        sub = Context(ctx.fmt, ctx.path, ctx.store_path, {**ctx.options, "layer": layer})
        gdf, p, n = read_any(path, sub, allow_many=False)
        if p or gdf is None:
            problems += _prefixed(p, f"layer {layer!r}: " if layer and len(layers) > 1 else "")
            continue
        rows = pd.Series(np.arange(1, len(gdf) + 1))
        parsed = normalise(gdf.reset_index(drop=True), rows, ctx, layer if len(layers) > 1 else None)
        problems += parsed.problems
        notes += n + parsed.notes
        if parsed.frame is not None:
            frames.append(parsed.frame)
    return frames, problems, notes


def parse(path, ctx: Context) -> Parsed:
    """Parse one or several boundary layers.

    Parameters
    ----------
    path : str or PathLike
        A GeoJSON, shapefile, zip or GeoPackage of OCHA COD-AB or canonical boundaries.
    ctx : Context
        The import's options: ``layer`` (one layer of a file holding several), ``fix``.

    Returns
    -------
    Parsed
        The boundaries of every level read, or no frame and every problem found (code
        ``layer_required`` / ``layer_conflict`` when a layer must be chosen).
    """
    layers, skipped, problem = _choose_layers(path, ctx)
    if problem is not None:
        return Parsed("boundaries", None, [problem])
    frames, problems, notes = _read_layers(path, ctx, layers)
    if skipped:
        notes.append(f"skipped layers that are not admin levels 0-2: {', '.join(skipped)}")
    if problems:
        return Parsed("boundaries", None, problems)
    by_layer = [f["admin_level"].iat[0] for f in frames if len(f)]
    if len(by_layer) != len(set(by_layer)) and len(frames) > 1:
        reason = "several layers hold the same admin level"
        return Parsed("boundaries", None, [Problem(None, None, reason, code="layer_conflict", values=tuple(layers))])
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)
    return Parsed("boundaries", frame, [], [], notes)


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    if len(a) != len(b):
        return False
    cols = ["pcode", "name_en", "name_ar", "precision"]
    a = a.sort_values("pcode").reset_index(drop=True)
    b = b.sort_values("pcode").reset_index(drop=True)
    if not a[cols].astype(str).equals(b[cols].astype(str)):
        return False
    return all(x.equals_exact(y, 0) for x, y in zip(a.geometry.values, b.geometry.values, strict=True))


def commit_boundaries(parsed: Parsed, ctx: Context, store) -> ImportReport:
    """Replace the stored levels present in ``parsed`` (atomically); re-assign event governorates.

    Parameters
    ----------
    parsed : Parsed
        Parsed ``boundaries`` records.
    ctx : Context
        The import at hand (not otherwise used).
    store : geo.store.Store
        The target store, already locked by the caller.

    Returns
    -------
    ImportReport
        Levels identical to the stored ones count as duplicates; the rows of changed levels count
        as added, with a note per replaced level (and one when governorates were re-assigned).
    """
    from geo.queries import assign_admin1

    new = canonical("boundaries", parsed.frame)
    stored = store.read("boundaries")
    added = duplicates = 0
    keep = stored
    notes = list(parsed.notes)
    changed_levels = []
    for level, rows in new.groupby("admin_level", sort=True):
        old = stored.loc[stored["admin_level"] == level]
        if _same(old, rows):
            duplicates += len(rows)
            continue
        changed_levels.append(int(level))
        added += len(rows)
        keep = keep.loc[keep["admin_level"] != level]
        label = {0: "the country outline", 1: "the governorates", 2: "the districts"}[int(level)]
        notes.append(
            f"level {int(level)}: {len(rows)} official boundaries now replace {label} ({'re-import' if len(old) else 'shipped'})"
        )
    report = ImportReport(added=added, duplicates=duplicates, flagged=0, notes=notes, kind="boundaries")
    if not changed_levels:
        return report
    merged = canonical(
        "boundaries", pd.concat([keep, new[new["admin_level"].isin(changed_levels)]], ignore_index=True)
    )
    merged = merged.sort_values(["admin_level", "pcode"], kind="stable").reset_index(drop=True)
    changes = {"boundaries": merged}
    if 1 in changed_levels:
        events = store.read("events")
        if len(events):
            fresh = assign_admin1(events, merged.loc[merged["admin_level"] == 1])
            moved = int((fresh != events["admin1_pcode"]).sum())
            events["admin1_pcode"] = fresh.to_numpy()
            changes["events"] = events
            notes.append(f"re-assigned the governorate of {len(events)} stored events ({moved} changed)")
    store.write(changes)
    return report
