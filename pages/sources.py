"""Sources: the reports behind the map, the towns each cites, towns by citation count.

Thin page over :mod:`geo.citations`: upload reports (text, Markdown, HTML; UTF-8 or cp1256),
which are read, searched for cited places and stored in the workspace store like
``python cli.py cite`` does.  Tables are rendered with ``st.dataframe`` (text, never HTML).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.citations import (
    cited_towns,
    documents_overview,
    find_mentions,
    parse_document,
    place_summary,
    remove_document,
    save_document,
    towns_table,
)
from geo.schema import InputError
from geo.store import StoreError
from geo.store import open_store as Store  # the GeoPackage, or the team database (MONITOR_DATABASE_URL)
from webapp import session
from webapp.problems import web_text

K_UPLOAD = "src_upload"
K_TITLE = "src_title"
K_OUTLET = "src_outlet"
K_DATE = "src_date"
K_INGEST = "src_ingest"
K_RANGE_ONLY = "src_range_only"
K_DOC = "src_doc"
K_REMOVE = "src_remove"
K_REMOVE_CONFIRM = "src_remove_confirm"
K_MESSAGES = "src_messages"

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _store_reason(exc: OSError | StoreError) -> str:
    """Why the store could not be written, naming the file (not a server path); plain text."""
    if isinstance(exc, StoreError):
        return f"{exc.path.name} {session.STORE_WORDS.get(exc.code, 'cannot be used')}"
    return exc.strerror or type(exc).__name__


def _ingest(store_path: str, files, title: str, outlet: str, day) -> list[tuple[str, str]]:
    """Read, detect and store the uploaded files; returns (level, message) pairs."""
    messages, pairs = [], []
    store, mtime = session.store_key()
    gazetteer = session.gazetteer(session.readable_store(store), mtime)
    for f in files:
        data = f.getvalue()
        if len(data) > MAX_UPLOAD_BYTES:
            messages.append(("error", f"{f.name}: refused, larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"))
            continue
        try:
            doc = parse_document(
                data,
                f.name,
                title=title or None,
                outlet=outlet or None,
                date=day.isoformat() if day else None,
            )
        except InputError as exc:  # the document is refused: every reason, worded for this page
            messages.extend(("error", f"{f.name}: {web_text(p)}") for p in exc.problems)
            continue
        mentions = find_mentions(doc.text, gazetteer)
        pairs.append((doc, mentions))
        towns = {m.locality_id for m in mentions if m.kind == "town"}
        venues = {m.venue for m in mentions if m.kind == "venue"}
        messages.append(
            ("success", f"{f.name}: {len(towns)} town(s) and {len(venues)} place(s) abroad cited "
                        f"({len(mentions)} mention(s)); title: {doc.title or '—'}; date: {doc.published or 'unknown'}")
        )
    if pairs:
        try:
            added, replaced = save_document(Store(store_path), pairs)
        except (StoreError, OSError) as exc:  # a damaged or foreign store, a full disk: nothing stored
            messages.append(("error", f"could not write the workspace store ({_store_reason(exc)}); nothing stored"))
        else:
            messages.append(("info", f"stored: {added} new document(s), {replaced} replaced"))
    return messages


st.title("Sources")
st.caption(
    "Reports behind the map and the towns they cite. Upload your own reports (plain text, Markdown or "
    "HTML, UTF-8 or Windows Arabic); they stay in your workspace, with the sentence of each citation."
)

store_path, mtime = session.store_key()
vs = st.session_state.get("vs")

READ_ONLY = session.read_only_server()
if READ_ONLY:
    st.info("This server is read-only: reports can be read here, not added or removed.", icon=":material/lock:")
else:
    with st.expander("Add reports", expanded=False):
        files = st.file_uploader(
            "Reports", type=["txt", "md", "markdown", "html", "htm"], accept_multiple_files=True, key=K_UPLOAD
        )
        c1, c2, c3 = st.columns(3)
        title = c1.text_input("Title (optional, overrides the document's)", key=K_TITLE)
        outlet = c2.text_input("Outlet (optional)", key=K_OUTLET)
        day = c3.date_input(
            "Publication date (optional)", value=None, min_value=date(1990, 1, 1), max_value=date.today(), key=K_DATE
        )
        if st.button("Read and store", key=K_INGEST, disabled=not files):
            st.session_state[K_MESSAGES] = _ingest(store_path, files or [], title.strip(), outlet.strip(), day)
            st.rerun()
for level, text in st.session_state.pop(K_MESSAGES, []):  # outside the expander: seen without opening it
    getattr(st, level)(session.md_text(text))  # titles and file names are untrusted: never Markdown

store_path, mtime = session.store_key()
# an unreadable store: the shipped sources alone (the error above the page names the file)
docs, cites, ws_ids = session.citation_tables(session.readable_store(store_path), mtime)
gazetteer = session.gazetteer(session.readable_store(store_path), mtime)

names = {str(r.locality_id): str(r.name_en) for r in gazetteer.localities.itertuples(index=False)}

st.subheader("Documents")
overview = documents_overview(docs, cites, names, ws_ids)
if len(overview) == 0:
    st.info("No documents yet.")
else:
    st.dataframe(
        overview.drop(columns=["doc_id"]),
        hide_index=True,
        key="src_docs_table",
        column_config={
            "n_towns": st.column_config.NumberColumn("towns cited"),
            "metonymy": st.column_config.NumberColumn("'Damascus' = government", help="mentions not counted as the town"),
            "link": st.column_config.LinkColumn("report", display_text="open report",
                                                help="The report as published, where its address is known"),
        },
        placeholder="",
    )

st.subheader("Towns by citation count")
in_range = st.toggle(
    "Only documents in the selected date range (undated ones included)", value=True, key=K_RANGE_ONLY
)
start, end = (vs.start, vs.end) if (in_range and vs is not None) else (None, None)
towns = cited_towns(cites, docs, gazetteer.localities, start=start, end=end)
table = towns_table(towns)
if len(table) == 0:
    st.info("No town cited by the documents in this range.")
else:
    st.dataframe(
        table.drop(columns=["locality_id"]),
        hide_index=True,
        key="src_towns_table",
        column_config={"map": st.column_config.LinkColumn("map", display_text="show on map")},
    )

summary = place_summary(cites, gazetteer)
abroad = summary[summary["kind"] == "venue"][["name", "documents", "mentions"]] if len(summary) else summary
if len(abroad):
    st.subheader("Places abroad cited")
    st.caption("Venues and capitals outside Syria: listed here, never drawn as Syrian towns.")
    st.dataframe(abroad, hide_index=True, key="src_abroad_table")

st.subheader("Citations in a document")
if len(overview):
    labels = {r.doc_id: f"{r.title or r.doc_id} — {r.outlet or 'unknown outlet'} ({r.date or 'undated'})"
              for r in overview.itertuples(index=False)}
    chosen = st.selectbox("Document", options=list(labels), format_func=lambda i: labels[i], key=K_DOC)
    rows = cites[cites["doc_id"] == chosen].copy()
    if len(rows):
        rows["place"] = [names.get(lid, lid) if lid else venue for lid, venue in zip(rows["locality_id"], rows["venue"], strict=True)]
        st.dataframe(
            rows[["place", "kind", "start", "end", "sentence"]],
            hide_index=True,
                key="src_cites_table",
        )
        if chosen not in set(ws_ids):
            st.caption("Shipped source: offsets only; its sentences are not redistributed.")
    else:
        st.caption("This document cites no place the gazetteer knows.")
    if chosen in set(ws_ids) and not READ_ONLY:
        confirm = st.checkbox("I want to remove this document from my workspace", key=K_REMOVE_CONFIRM)
        if st.button("Remove document", key=K_REMOVE, disabled=not confirm):
            try:
                remove_document(Store(store_path), chosen)
            except (StoreError, OSError) as exc:  # a damaged store, a full disk: nothing changed
                st.error(session.md_text(f"could not update the workspace store ({_store_reason(exc)})"))
            else:
                st.rerun()
