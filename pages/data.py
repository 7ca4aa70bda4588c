"""Data page: the datasets in use (sources, licences, counts) and a file import.

The upload goes through ``geo.importers.import_file``, the same function as
``python cli.py import``: all or nothing, with every problem shown as row / column / reason.
While it runs a progress box shows each step in words with its rows (``webapp.importing``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.check import Limits, run_checks
from geo.datasets import BOUNDARY_ATTRIBUTION
from geo.importers import FORMATS, import_file
from geo.schema import InputError
from geo.store import StoreError
from webapp import session
from webapp.importing import ImportProgress
from webapp.problems import DATE_ORDER_LABEL, FIX_LABEL, LAYER_LABEL, MAP_LABEL, advise, web_text

FORMAT_HELP = {
    "ucdp": "UCDP GED CSV export",
    "acled": "ACLED CSV export",
    "csv": "any CSV, with a column mapping (map)",
    "geojson": "GeoJSON (choose kind)",
    "gpkg": "GeoPackage (choose kind)",
    "shp": "shapefile (choose kind)",
    "zip": "zipped shapefile (choose kind)",
    "boundaries": "OCHA COD-AB governorate boundaries",
}
SUFFIX = {"ucdp": ".csv", "acled": ".csv", "csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg",
          "shp": ".shp", "zip": ".zip", "boundaries": ".geojson"}

K_LAYERS = "import_layers"  # the layer names of the last file refused for want of a layer
K_REFUSAL = "import_refusal"  # problems to show after the rerun that offers the layers
NO_ORDER = "(not needed)"


def _options(fmt: str, kind: str, mapping: str, fix: bool, layer: str, order: str) -> dict:
    """The importer's options from the form's controls (the same options as the CLI's flags)."""
    options = {"fix": fix}
    if fmt in ("geojson", "gpkg", "shp", "zip"):
        options["kind"] = kind
    if fmt == "csv" and mapping.strip():
        options["map"] = mapping.strip()
    if layer:
        options["layer"] = layer
    if order != NO_ORDER:
        options["date_order"] = order
    return options


def _where(problem, file_name: str) -> str:
    """Where a problem is: its row number, or the file's name for a problem of the whole file."""
    return str(problem.row) if problem.row is not None else file_name


def _show_refusal(problems, file_name: str) -> None:
    """Every problem as a table, worded for this page; offer the layers of a multi-layer file."""
    advice = advise(problems)
    if advice.layers and st.session_state.get(K_LAYERS) != advice.layers:
        st.session_state[K_LAYERS] = advice.layers
        st.session_state[K_REFUSAL] = (problems, file_name)
        st.rerun()  # draw the form again with the layer picker; the refusal is shown below it
    st.error(f"Refused {session.md_text(file_name)}: {len(problems)} problem(s). Nothing was written.")
    rows = [{**row, "row": _where(p, file_name)} for p, row in zip(problems, advice.rows, strict=True)]
    st.dataframe(pd.DataFrame(rows, columns=["row", "column", "reason"]), hide_index=True, width="stretch")
    if advice.fix:
        st.info(f"Tick '{FIX_LABEL}' above to repair these geometries with make_valid (the import says so).")


def _show_report(name: str, report, finished: str, steps: list[str]) -> None:
    """The last import's outcome after the rerun: its progress box, finished, then what it added."""
    with st.status(finished, state="complete", expanded=False):
        for line in steps:
            st.caption(line)
    st.success(f"Imported {session.md_text(name)}: {session.md_text(report.summary())}.")
    for note in report.notes:
        st.caption(session.md_text(note))
    if report.problems_flagged:
        st.warning("Accepted with flags:")
        rows = [{"row": p.row, "column": p.column or "", "reason": web_text(p)} for p in report.problems_flagged]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


#: The parts of a shapefile: uploaded together (or zipped); .prj gives its coordinate system.
SHAPEFILE_NEEDS = (".shp", ".shx", ".dbf")
SHAPEFILE_PARTS = (*SHAPEFILE_NEEDS, ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")
K_REPORT = "import_report"  # (file name, report, finished label, step lines) of the last import, shown after the rerun


def _safe_name(name: str, fmt: str) -> str:
    """The uploaded file's own name, reduced to a plain file name (no folder, no odd characters)."""
    base = Path(str(name).replace("\\", "/")).name
    base = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in base).strip(" .") or "upload"
    return base if Path(base).suffix else base + SUFFIX.get(fmt, "")


def _main_file(names: list[str], fmt: str) -> tuple[str | None, str | None]:
    """(the file to import, None) among the uploaded ``names``, or (None, why not) when the upload
    does not make one importable file (several files that are not one shapefile's parts, or a
    shapefile without its .shx / .dbf)."""
    shp = [n for n in names if n.lower().endswith(".shp")]
    if len(names) == 1 and not shp:
        return names[0], None
    if len(shp) != 1 or not all(n.lower().endswith(SHAPEFILE_PARTS) for n in names):
        return None, (f"{len(names)} files were chosen ({', '.join(names)}). Choose one file, or the parts of "
                      "one shapefile together (.shp, .shx, .dbf and .prj), or one zip holding them.")
    stem = shp[0][:-4].lower()
    have = {n.lower()[len(stem):] for n in names if n.lower().startswith(stem)}
    missing = [f"{shp[0][:-4]}{ext}" for ext in SHAPEFILE_NEEDS if ext not in have]
    if missing:
        return None, (f"{shp[0]}: a shapefile comes in parts; also choose {' and '.join(missing)} (and "
                      f"{shp[0][:-4]}.prj, its coordinate system) in the same upload, or upload them zipped "
                      "(format zip).")
    if fmt not in ("shp", "zip"):
        return None, f"{shp[0]} is a shapefile: choose the format 'shp' (and the kind) and import again."
    return shp[0], None


def _import(uploads: list, fmt: str, options: dict) -> None:
    """Save the upload (one file, or a shapefile's parts) under its own name in a temporary folder
    and import it into the workspace store; problems name the file, never the folder."""
    names = [_safe_name(u.name, fmt) for u in uploads]
    main, why_not = _main_file(names, fmt)
    if main is None:
        st.error(session.md_text(why_not))
        return
    # The progress box: each step of the import in words with its rows, updated as the importer tells them.
    box = st.status(f"Importing {session.md_text(main)}", expanded=False)
    progress = ImportProgress(session.md_text(main), show=lambda p: _show_step(box, p))
    with tempfile.TemporaryDirectory(prefix="scm-upload-") as folder:
        for upload, name in zip(uploads, names, strict=True):
            (Path(folder) / name).write_bytes(upload.getvalue())
        try:
            report = import_file(fmt, Path(folder) / main, store, name=main, progress=progress, **options)
        except InputError as exc:
            box.update(label=progress.refused_label(len(exc.problems)), state="error")
            _show_refusal([_without_folder(p, folder) for p in exc.problems], main)
            return
        except StoreError as exc:  # the store cannot be written: name the file, say what to do
            box.update(label=progress.stopped_label(), state="error")
            st.error(
                f"Nothing was imported: the workspace store {session.md_text(exc.path.name)} "
                f"{session.STORE_WORDS.get(exc.code, 'cannot be used')}. {session.store_advice(exc.code)}"
            )
            return
        except OSError as exc:  # the disk is full or the folder not writable: nothing was written
            box.update(label=progress.stopped_label(), state="error")
            st.error(f"The import could not be written ({session.md_text(exc.strerror or exc)}); nothing was written.")
            return
    # Every figure on every page comes from the store: clear the cached loaders and run again, so
    # the sidebar, the datasets table and the pages show the new data in this same interaction.
    st.session_state.pop(K_LAYERS, None)
    st.session_state[K_REPORT] = (main, report, progress.finished_label(), progress.lines())
    st.cache_data.clear()
    st.rerun()


def _show_step(box, progress: ImportProgress) -> None:
    """The import's progress box, on each step: the step in words as its label, and a line for it inside."""
    box.update(label=progress.label())
    box.caption(progress.lines()[-1])


def _without_folder(problem, folder: str):
    """``problem`` with the temporary folder's path taken out of its reason (the file keeps its name)."""
    from dataclasses import replace

    reason = problem.reason.replace(str(Path(folder)) + os.sep, "").replace(str(Path(folder)), "")
    return replace(problem, reason=reason)


store, mtime = session.store_key()

st.title("Data")
st.markdown("The datasets in use, where they come from, their licences and how many records each holds.")
st.dataframe(session._catalog(store).summary(), hide_index=True, width="stretch")
st.caption(
    f"Workspace store: {session.md_text(store if '://' in store else Path(store).name)}. "
    "Shipped data: data/ (see data/README.md)."
)
st.caption(
    session.md_text(BOUNDARY_ATTRIBUTION)
    + " (HDX: Syrian Arab Republic - Subnational Administrative Boundaries, COD-AB v02; see data/README.md)."
)

st.subheader("Import a file")
st.markdown(
    "The same importer as `python cli.py import`. A file is accepted whole or refused whole: "
    "when anything is wrong nothing is written, and every problem is listed below."
)
if session.read_only_server():  # the store refuses writes anyway (geo.store.read_only): offer none
    st.info("This server is read-only: its data can be read and exported here, not imported.", icon=":material/lock:")
else:
    layers = st.session_state.get(K_LAYERS, ())
    with st.form("import_form", clear_on_submit=False):
        fmt = st.selectbox(
            "Format", options=list(FORMATS), format_func=lambda f: f"{f} – {FORMAT_HELP.get(f, '')}", key="w_import_fmt"
        )
        kind = st.selectbox("Kind (GeoJSON / GeoPackage / shapefile)", options=["events", "boundaries", "zones"],
                            key="w_import_kind")
        mapping = st.text_input(
            f"{MAP_LABEL} (CSV only), e.g. id=ID,date=Date,lat=Lat,lon=Lon,actor1=Who,place=Town",
            key="w_import_map",
        )
        c1, c2, c3 = st.columns(3)
        fix = c1.checkbox(FIX_LABEL, key="w_import_fix", help="Repair invalid polygons with make_valid (the import says which rows).")
        layer = c2.selectbox(LAYER_LABEL, options=["", *layers], key="w_import_layer", disabled=not layers,
                             help="For a GeoPackage or zip holding several layers: the one to import.")
        order = c3.selectbox(DATE_ORDER_LABEL, options=[NO_ORDER, "dmy", "mdy"], key="w_import_order",
                             help="Day/month order of numeric dates such as 05/04/2017 (never guessed).")
        uploads = st.file_uploader(
            "File (a shapefile: its .shp, .shx, .dbf and .prj together, or one zip)", key="w_import_file",
            accept_multiple_files=True,
        )
        submitted = st.form_submit_button("Import", key="w_import_submit")

    if submitted and not uploads:
        st.warning("Choose a file first.")
    elif submitted:
        _import(list(uploads), fmt, _options(fmt, kind, mapping, fix, layer, order))
    elif K_REFUSAL in st.session_state:  # the run after offering the layers
        _show_refusal(*st.session_state.pop(K_REFUSAL))
    elif K_REPORT in st.session_state:  # the run after an import: the new data is on every page
        _show_report(*st.session_state.pop(K_REPORT))

st.subheader("Data quality check")
st.markdown(
    "Looks through the data in use for records that contradict each other: events whose actors do "
    "not hold the zone they fall in, places with frequent fighting but no control record, actor "
    "names the actor table does not know, and incidents recorded in two datasets. The same check as "
    "`python cli.py check`; nothing is changed."
)
CHECK_LIMITS = Limits()
CHECK_LABELS = {
    "actor_zone_conflict": (
        "Events in a zone their actors do not hold",
        f"Precisely placed and dated events where neither side's party held the place that day and the "
        f"nearest locality held by either side's party was more than {CHECK_LIMITS.zone_km:g} km away.",
    ),
    "locality_without_record": (
        "Localities without a control record near frequent fighting",
        f"Gazetteer localities with no control record that are the nearest locality (within "
        f"{CHECK_LIMITS.cluster_km:g} km) to at least {CHECK_LIMITS.cluster_min} precisely placed events "
        "of the window.",
    ),
    "unknown_actor": (
        "Actor names the actor table does not know",
        "Each name with the events naming it, their first and last date and datasets.",
    ),
    "duplicate_incident": (
        "Incidents recorded in two datasets",
        "Curated events and the UCDP events linked to them as one incident (counted once on every page).",
    ),
}
if st.button("Run the check", key="w_check_run"):
    with st.spinner("Checking the data..."):
        st.session_state["check_results"] = (store, mtime, run_checks(session._catalog(store), CHECK_LIMITS))
check_results = st.session_state.get("check_results")
if check_results is not None and check_results[:2] == (store, mtime):
    for code, frame in check_results[2].items():
        title, what = CHECK_LABELS[code]
        st.markdown(f"**{title}: {len(frame)}**")
        st.caption(what)
        if len(frame):
            st.dataframe(frame.drop(columns="code"), hide_index=True, width="stretch")
