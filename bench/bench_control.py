"""Speed of the derived control layer on the shipped data: ``python bench/bench_control.py``.

Prints the time of a first (cold) and a repeated zones_at call, of area_by_party over the
whole window, and of party_at for every shipped event: with the map's rule (no distance limit,
cities drawn by neighbourhood) and with the optional 40 km limit.
"""

from __future__ import annotations

import time

import pandas as pd

from geo import control as ctl
from geo.catalog import Catalog


def main() -> None:
    cat = Catalog()
    control, localities, outline = cat.control(), cat.localities(), cat.boundaries(0)
    nb = cat.neighbourhoods()
    events = cat.events()
    print(f"{len(control)} control records, {control['locality_id'].nunique()} localities with records")
    print(f"{len(nb)} neighbourhood polygons")
    for radius in (None, ctl.DEFAULT_RADIUS_KM):
        ctl.clear_caches()
        opts = {"radius_km": radius, "neighbourhoods": nb}
        t = time.perf_counter()
        ctl.zones_at(control, localities, outline, "2017-01-15", **opts)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        ctl.zones_at(control, localities, outline, "2017-02-25", **opts)
        warm = time.perf_counter() - t
        t = time.perf_counter()
        ctl.area_by_party(control, localities, outline, pd.date_range("2016-12-01", "2017-03-31"), **opts)
        area = time.perf_counter() - t
        t = time.perf_counter()
        ctl.party_at(events, events["date_start"], control, localities, outline, **opts)
        party = time.perf_counter() - t
        print(
            f"radius {radius}: zones_at cold {cold:.3f} s, other date {warm:.3f} s; "
            f"area_by_party 121 days {area:.3f} s; party_at {len(events)} events {party:.3f} s"
        )


if __name__ == "__main__":
    main()
