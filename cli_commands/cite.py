"""``python cli.py cite FILE... [--store PATH] [--csv] [--title T] [--outlet O] [--date D]``.

Reads reports (text, Markdown, HTML; UTF-8 or cp1256), finds the Syrian towns and the places
abroad they cite, and stores documents and citations in the workspace store.  All or nothing:
if one file is refused, every problem is printed and nothing is written.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from cli_commands import command
from geo.safetext import csv_rows, terminal_safe
from geo.schema import InputError


@command("cite", "find the towns that reports cite and store the citations")
def build(parser):
    parser.add_argument("files", nargs="+", metavar="FILE", help="report files (.txt, .md, .html)")
    parser.add_argument("--store", help="workspace store (default: $MONITOR_STORE or workspace/store.gpkg)")
    parser.add_argument("--csv", action="store_true", help="print one row per place: name,kind,documents,mentions")
    parser.add_argument("--title", help="title of the document(s) (wins over the document's own)")
    parser.add_argument("--outlet", help="outlet (wins over the document's own)")
    parser.add_argument("--date", help="publication date YYYY-MM-DD (wins over the document's own)")
    parser.add_argument("--url", help="URL of the document")
    parser.add_argument("--dry-run", action="store_true", help="detect and print, store nothing")
    return run


def run(args) -> int:
    from geo.citations import (
        citations_frame,
        find_mentions,
        load_gazetteer,
        place_summary,
        read_document,
        save_document,
    )
    from geo.documents import check_date_option
    from geo.store import open_store

    check_date_option(args.date)
    pairs, problems = [], []
    for path in args.files:
        try:
            doc = read_document(path, title=args.title, outlet=args.outlet, date=args.date, url=args.url)
        except InputError as exc:
            problems.extend(replace(p, reason=f"{path}: {p.reason}") for p in exc.problems)  # keeps the code
            continue
        pairs.append((doc, None))
    if problems:
        raise InputError(problems)
    store = open_store(args.store)  # the team database when MONITOR_DATABASE_URL is set
    gazetteer = load_gazetteer(store)
    pairs = [(doc, find_mentions(doc.text, gazetteer)) for doc, _ in pairs]
    added = replaced = 0
    if not args.dry_run:
        added, replaced = save_document(store, pairs)
    summary = place_summary(citations_frame(pairs), gazetteer)
    if args.csv:
        rows = [[r.name, r.kind, r.documents, r.mentions] for r in summary.itertuples(index=False)]
        sys.stdout.write(terminal_safe(csv_rows([["name", "kind", "documents", "mentions"], *rows])))
        return 0
    for doc, mentions in pairs:
        towns = sorted({gazetteer.name(m.locality_id) for m in mentions if m.kind == "town"})
        venues = sorted({m.venue for m in mentions if m.kind == "venue"})
        meto = sum(1 for m in mentions if m.kind == "metonymy")
        print(terminal_safe(f"{doc.source_file}  [{doc.doc_id}]"))
        print(terminal_safe(f"  title:   {doc.title or '-'}  ({doc.metadata_from.get('title', '')})"))
        print(terminal_safe(f"  outlet:  {doc.outlet or '-'}  ({doc.metadata_from.get('outlet', '')})"))
        print(terminal_safe(f"  date:    {doc.published or '-'}  ({doc.metadata_from.get('published', '')})"))
        print(terminal_safe(f"  towns:   {', '.join(towns) if towns else '-'}"))
        print(terminal_safe(f"  abroad:  {', '.join(venues) if venues else '-'}"))
        if meto:
            print(f"  'Damascus' meaning the government: {meto} mention(s), not counted as the town")
    towns = summary[summary["kind"] == "town"]
    print()
    print(f"{len(pairs)} document(s): {len(towns)} town(s) cited, {int((summary['kind'] == 'venue').sum())} place(s) abroad")
    for row in towns.itertuples(index=False):
        print(terminal_safe(f"  {row.name}: {row.documents} document(s), {row.mentions} mention(s)"))
    if args.dry_run:
        print("dry run: nothing stored")
    else:
        print(f"stored in {store.path}: {added} new document(s), {replaced} replaced")
    return 0
