"""Coverage of the control zones and their agreement with UCDP: ``python bench/bench_zone_coverage.py``.

Usage: ``python bench/bench_zone_coverage.py [UCDP_CSV]``

For every 1st and 15th of each month of the window plus 2016-12-05, 2016-12-30, 2017-02-23 and
2017-03-31 it prints the attributed share of Syria's land (the zones of ``Catalog.zones`` over
the outline of ``Catalog.boundaries(0)``, areas in ``geo.schema.EQUAL_AREA_CRS``), the area held
by each party, and the agreement with UCDP on that day; then the mean and minimum over the dates,
the agreement over the whole window, its mean and minimum per day (days with 10 events or more),
and the stricter share where a named party holds the point itself.

Agreement: the share of UCDP events located to a place (``where_prec`` 1-3, i.e. geo precision
exact, near or district) and dated to a day, a few days or a week, whose named actors' parties
(``geo.classify.ActorTable``) include a party whose zone holds the event's point, or land within
10 km of it, on the event's first day.  A ``contested`` zone agrees with no one.

The UCDP events are the shipped ``data/ucdp_events.csv`` when it exists (read through
``Catalog.event_records()``), else the CSV given as argument (default: the reference window file),
imported through the project's importer into a temporary store.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.catalog import Catalog
from geo.classify import ActorTable, load_actors
from geo.schema import EQUAL_AREA_CRS, METRIC_CRS
from geo.store import Store

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CSV = ROOT.parent / "shared" / "reference" / "ucdp-ged-syria" / "ged_syria_2016-12-01_2017-03-31.csv"
WINDOW = ("2016-12-01", "2017-03-31")
EXTRA_DATES = ("2016-12-05", "2016-12-30", "2017-02-23", "2017-03-31")
PLACED = ("exact", "near", "district")  # UCDP where_prec 1, 2, 3
DATED = ("day", "days", "week")  # UCDP date_prec 1, 2, 3
NEAR_M = 10_000.0


def sample_dates() -> list[pd.Timestamp]:
    """Every 1st and 15th of each month of the window plus the named extra dates, sorted."""
    days = pd.date_range(*WINDOW, freq="D")
    picked = {d for d in days if d.day in (1, 15)} | {pd.Timestamp(d) for d in EXTRA_DATES}
    return sorted(picked)


def ucdp_events(csv_path: Path, tmp: Path):
    """The UCDP events placed and dated precisely enough, and where they came from."""
    shipped = ROOT / "data" / "ucdp_events.csv"
    if shipped.is_file():
        events = Catalog(tmp / "empty.gpkg").event_records()  # one row per record, linked ones too
        origin = f"{shipped.relative_to(ROOT)} (shipped)"
    else:
        from geo.importers import import_file

        store = tmp / "ucdp.gpkg"
        import_file("ucdp", csv_path, store_path=store)
        events = Store(store).read("events")
        origin = f"{csv_path} (imported into a temporary store)"
    events = events.loc[events["dataset"] == "ucdp"]
    day = pd.to_datetime(events["date_start"]).dt.normalize()
    keep = events["geo_precision"].isin(PLACED) & events["date_precision"].isin(DATED)
    keep &= day.between(pd.Timestamp(WINDOW[0]), pd.Timestamp(WINDOW[1]))
    return events.loc[keep.to_numpy()].reset_index(drop=True), origin


def actor_parties(events, table: ActorTable) -> list[set]:
    """The set of parties named by each event's two sides."""
    out = []
    for a1, a2 in zip(events["actor1"], events["actor2"], strict=True):
        out.append({a.party for a in (*table.side(a1), *table.side(a2))})
    return out


def holders(zones, points_m: np.ndarray, within_m: float) -> list[set]:
    """For each metric point, the parties whose zone lies within ``within_m`` of it (0: holds it)."""
    held: list[set] = [set() for _ in range(len(points_m))]
    if len(zones) == 0 or len(points_m) == 0:
        return held
    metric = zones.to_crs(METRIC_CRS)
    for party, geom in zip(metric["party"], metric.geometry, strict=True):
        shapely.prepare(geom)
        near = shapely.dwithin(geom, points_m, within_m) if within_m else shapely.intersects(geom, points_m)
        for i in np.flatnonzero(near):
            held[i].add(party)
    return held


def agreement(cat: Catalog, events, parties: list[set]) -> pd.DataFrame:
    """Per event: ``day``, ``agrees`` (a named party holds the place or land within 10 km) and
    ``holds`` (a named party's zone holds the point itself)."""
    pts = np.asarray(events.geometry.to_crs(METRIC_CRS).values, dtype=object)
    days = pd.to_datetime(events["date_start"]).dt.normalize()
    out = pd.DataFrame({"day": days.to_numpy(), "agrees": False, "holds": False})
    for day in days.unique():
        on = (days == day).to_numpy()
        zones = cat.zones(day)
        named = [parties[i] for i in np.flatnonzero(on)]
        for col, within in (("agrees", NEAR_M), ("holds", 0.0)):
            held = holders(zones, pts[on], within)
            out.loc[on, col] = [bool((h - {"contested"}) & n) for h, n in zip(held, named, strict=True)]
    return out


def coverage(cat: Catalog, day) -> tuple[float, dict]:
    """(attributed share of the outline, {party: km²}) on ``day``."""
    outline = cat.boundaries(0).to_crs(EQUAL_AREA_CRS).union_all()
    zones = cat.zones(day)
    if len(zones) == 0:
        return 0.0, {}
    ea = zones.to_crs(EQUAL_AREA_CRS)
    covered = shapely.intersection(ea.union_all(), outline).area
    areas = {p: a / 1e6 for p, a in zip(ea["party"], ea.area, strict=True)}
    return covered / outline.area, areas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ucdp_csv", nargs="?", default=str(DEFAULT_CSV), help="UCDP GED CSV (when data/ucdp_events.csv is absent)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        events, origin = ucdp_events(Path(args.ucdp_csv), tmp)
        cat = Catalog(tmp / "empty.gpkg")
        parties = actor_parties(events, ActorTable(load_actors()))
        agree = agreement(cat, events, parties)
        print(f"UCDP: {origin}; {len(events)} events placed (where_prec 1-3) and dated to a week or better")
        outline_km2 = cat.boundaries(0).to_crs(EQUAL_AREA_CRS).union_all().area / 1e6
        print(f"outline: {outline_km2:,.0f} km² ({EQUAL_AREA_CRS})")
        print("date        attributed  agreement (n)  area by party (km²)")
        shares, rates = [], []
        for day in sample_dates():
            share, areas = coverage(cat, day)
            on = agree.loc[agree["day"] == day, "agrees"]
            rate = on.mean() if len(on) else float("nan")
            shares.append(share)
            if len(on):
                rates.append(rate)
            by_party = ", ".join(f"{p} {a:,.0f}" for p, a in areas.items())
            print(f"{day:%Y-%m-%d}  {share:9.1%}   {rate:6.1%} ({len(on):3d})  {by_party}")
        print(f"attributed share over {len(shares)} dates: mean {np.mean(shares):.1%}, min {np.min(shares):.1%}")
        print(f"agreement on those dates: mean {np.mean(rates):.1%}, min {np.min(rates):.1%}")
        print(f"agreement over the window: {agree['agrees'].mean():.1%} of {len(agree)} events")
        daily = agree.groupby("day")["agrees"].agg(["mean", "size"])
        daily = daily[daily["size"] >= 10]
        worst = daily["mean"].idxmin()
        print(
            f"agreement per day over the window ({len(daily)} days with 10 events or more): "
            f"mean {daily['mean'].mean():.1%}, min {daily['mean'].min():.1%} ({worst:%Y-%m-%d})"
        )
        print(f"stricter, a named party holds the point itself: {agree['holds'].mean():.1%}")


if __name__ == "__main__":
    main()
