"""Data page: the datasets in use (sources, licences, counts) and a file import.

The upload goes through ``geo.importers.import_file``, the same function as
``python cli.py import``: all or nothing, with every problem shown as row / column / reason.
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
from webapp import session

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

store, mtime = session.store_key()

st.title("Data")
st.markdown("The datasets in use, where they come from, their licences and how many records each holds.")
try:
    summary = session._catalog(store).summary()
    st.dataframe(summary, hide_index=True, width="stretch")
except Exception as exc:  # noqa: BLE001 - show, never a stack trace
    st.error(f"The data summary could not be read: {type(exc).__name__}.")
st.caption(
    f"Workspace store: {session.md_text(Path(store).name)} (set MONITOR_STORE to use another). "
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
with st.form("import_form", clear_on_submit=False):
    fmt = st.selectbox(
        "Format", options=list(FORMATS), format_func=lambda f: f"{f} – {FORMAT_HELP.get(f, '')}", key="w_import_fmt"
    )
    kind = st.selectbox("Kind (GeoJSON / GeoPackage / shapefile)", options=["events", "boundaries", "zones"],
                        key="w_import_kind")
    mapping = st.text_input(
        "Column mapping (CSV only), e.g. id=ID,date=Date,lat=Lat,lon=Lon,actor1=Who,place=Town",
        key="w_import_map",
    )
    upload = st.file_uploader("File", key="w_import_file")
    submitted = st.form_submit_button("Import", key="w_import_submit")

if submitted:
    if upload is None:
        st.warning("Choose a file first.")
    else:
        options = {}
        if fmt in ("geojson", "gpkg", "shp", "zip"):
            options["kind"] = kind
        if fmt == "csv" and mapping.strip():
            options["map"] = mapping.strip()
        suffix = Path(upload.name).suffix or SUFFIX.get(fmt, "")
        fd, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(upload.getvalue())
            report = import_file(fmt, tmp, store, name=upload.name, **options)
        except InputError as exc:
            st.error(f"Refused: {len(exc.problems)} problem(s). Nothing was written.")
            table = pd.DataFrame(
                [{"row": p.row, "column": p.column or "", "reason": p.reason} for p in exc.problems]
            )
            table["row"] = table["row"].astype("Int64")
            st.dataframe(table, hide_index=True, width="stretch")
        except Exception as exc:  # noqa: BLE001 - never a stack trace to the user
            st.error(f"The import failed ({type(exc).__name__}); nothing was written.")
        else:
            st.success(f"Imported {session.md_text(upload.name)}: {session.md_text(report.summary())}.")
            for note in report.notes:
                st.caption(session.md_text(note))
            if report.problems_flagged:
                st.warning("Accepted with flags:")
                st.dataframe(
                    pd.DataFrame(
                        [{"row": p.row, "column": p.column or "", "reason": p.reason} for p in report.problems_flagged]
                    ),
                    hide_index=True,
                    width="stretch",
                )
            st.cache_data.clear()
        finally:
            Path(tmp).unlink(missing_ok=True)

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
        try:
            st.session_state["check_results"] = (store, mtime, run_checks(session._catalog(store), CHECK_LIMITS))
        except Exception as exc:  # noqa: BLE001 - show, never a stack trace
            st.session_state.pop("check_results", None)
            st.error(f"The check could not run ({type(exc).__name__}).")
check_results = st.session_state.get("check_results")
if check_results is not None and check_results[:2] == (store, mtime):
    for code, frame in check_results[2].items():
        title, what = CHECK_LABELS[code]
        st.markdown(f"**{title}: {len(frame)}**")
        st.caption(what)
        if len(frame):
            st.dataframe(frame.drop(columns="code"), hide_index=True, width="stretch")
