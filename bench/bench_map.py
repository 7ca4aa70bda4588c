"""Print the size of the Map page's map for the shipped data, and how long it takes to build.

Usage: ``python bench/bench_map.py [--date 2016-12-30] [--start 2016-12-01] [--end 2017-03-31]``

The map is built exactly as pages/map.py builds it (default layers) and rendered to a standalone
HTML document (scripts stay links to /app/static/vendor; their size is printed separately).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from geo.catalog import Catalog
from geo.citations import cited_towns
from geo.view import classify_events, filter_events
from layers.assets import VENDOR_FILES, base_map
from layers.boundaries import add_boundary_pane, boundaries_layer
from layers.events import events_layer
from layers.legend import add_legend
from layers.towns import towns_layer
from layers.zones import zones_layer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", default="2016-12-30")
    ap.add_argument("--start", default="2016-12-01")
    ap.add_argument("--end", default="2017-03-31")
    args = ap.parse_args()
    cat = Catalog(Path(tempfile.mkdtemp()) / "empty.gpkg")  # shipped data only
    t0 = time.perf_counter()
    events = filter_events(classify_events(cat.events(), cat), start=args.start, end=args.end)
    zones = cat.zones(args.date)
    towns = cited_towns(catalog=cat, day=args.date)
    gov, country = cat.boundaries(1), cat.boundaries(0)
    t1 = time.perf_counter()
    m = base_map()
    add_boundary_pane(m)
    parts = {
        "boundaries": boundaries_layer(gov, country, official=cat.boundaries_are_official(1)),
        "zones": zones_layer(zones),
        "events": events_layer(events).group,
        "towns": towns_layer(towns, date_label=args.date),
    }
    for fg in parts.values():
        fg.add_to(m)
    add_legend(m)
    html = m.get_root().render()
    t2 = time.perf_counter()
    print(f"data: {len(events)} events, {len(zones)} zones, {len(towns)} towns, {len(gov)} governorates")
    print(f"load + derive (zones, classes, towns): {t1 - t0:.2f} s; build + render map: {t2 - t1:.2f} s")
    print(f"map HTML: {len(html.encode()) / 1024:.1f} KiB")
    empty = len(base_map().get_root().render().encode())
    for name, fg in parts.items():  # each layer alone on an empty map (moves it off ``m``)
        solo = base_map()
        add_boundary_pane(solo)
        fg.add_to(solo)
        print(f"  {name}: {(len(solo.get_root().render().encode()) - empty) / 1024:.1f} KiB")
    try:
        from webapp.vendor import vendor_text

        total = sum(len(vendor_text(n).encode()) for n in VENDOR_FILES)
        print(f"vendor scripts and styles served from /app/static/vendor: {total / 1024:.1f} KiB ({len(VENDOR_FILES)} files)")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
