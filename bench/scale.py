"""The scale benchmark of issue 12: import, load, update, payload, browser, memory at N events.

``python cli.py bench --events N [--file PATH] [--json]`` (``cli_commands/bench.py``) runs
:func:`run_bench`.  Everything happens in a temporary folder (deleted afterwards unless kept):

1. **data**: :func:`synthetic_ucdp_csv` writes N SYNTHETIC events in the UCDP GED CSV layout
   (or ``--file`` names a real UCDP file);
2. **import** (``import_s``, ``import_rss_mb``): ``python cli.py import --store TMP ucdp FILE`` in
   a subprocess, its peak RSS from ``os.wait4`` (that child's ``ru_maxrss``);
3. **load, update, payload, naive** in a fresh subprocess (``python bench/scale.py worker ...``):
   ``load_s`` = the app's load path (``geo.derived.classified_events(store)``, what
   ``webapp.session.load_events`` calls: the table the import derived) with the libraries already imported; then, warm, the
   median of 3 ``update_s`` = filter a 31-day range (``geo.view.filter_view``) + build the Map
   page's events and zones layers + turn them into the script streamlit-folium sends
   (``payload_bytes``); ``naive_*`` = the same events as one ``folium.CircleMarker`` with a popup
   each, through the same streamlit-folium function;
4. **browser** (``render_s``, ``slider_s``, ``rss_mb``): the app on the temporary store
   (``tests/browser/conftest.running_app``), headless Chromium through Playwright.  A slider step
   (median of 7) ends when the map holds the new event data *and* the page has finished its run
   (address bar updated, Streamlit idle); ``slider_map_s`` (a detail) is when the map alone had
   redrawn, which can be earlier, as the page's table and panels below the map come after it.
   ``slider_sent_bytes`` is what the page received on its websocket during a step (median), and
   ``date_step_sent_bytes`` the same for a step of the control date (median of ``DATE_STEPS``):
   each layer's data is sent once to the map's frame, then referred to (``layers.refs``).

Measurements, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WINDOW = (date(2016, 12, 1), date(2017, 3, 31))
FIRST_ID = 900_000_000
RUNS = 3
#: Slider steps measured (their median is ``slider_s``): more than page loads, as one step is short
#: and its spread on a busy 2-core host is wide.
SLIDER_RUNS = 7
#: The 41 columns of UCDP GED 19.1 (``ged_syria_*.csv.gz``), in their order, then ``dataset``.
UCDP_COLUMNS = (
    "id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name", "dyad_new_id",
    "dyad_name", "side_a_new_id", "side_a", "side_b_new_id", "gwnob", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country",
    "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "low", "best", "high",
)
#: (type_of_violence, side_a, side_b, weight): dyads of the window's real data, names the
#: classifier knows (``data/actors.csv``); weights roughly as in UCDP 2016-12..2017-03.  UCDP's own
#: actor names are data, kept in ``bench/synthetic_dyads.csv`` (not labels of the app's vocabulary).
DYADS = tuple(pd.read_csv(Path(__file__).with_name("synthetic_dyads.csv")).itertuples(index=False, name=None))
#: where_prec codes and weights (1 exact, 2 near, 3 district, 4 governorate); no country-only rows.
WHERE_PREC = ((1, 55), (2, 33), (3, 4), (4, 8))
#: date_prec codes, weights and the span in days they get (1 a day, 2 a few days, 3 a week).
DATE_PREC = ((1, 94, 0), (2, 5, 3), (3, 1, 6))
SYNTHETIC = "SYNTHETIC"


def _weighted(rng, table, n, weight_at=-1):
    w = np.array([row[weight_at] for row in table], dtype=float)
    return rng.choice(len(table), size=n, p=w / w.sum())


def random_points_in(outline, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform inside ``outline`` (rejection sampling in its bounding box, vectorised).

    Parameters
    ----------
    outline : shapely geometry
        The area (Syria's outline, EPSG:4326).
    n : int
        How many points.
    rng : numpy.random.Generator
        The random source.

    Returns
    -------
    (ndarray, ndarray)
        Longitudes and latitudes, ``n`` each.
    """
    import shapely

    x0, y0, x1, y1 = outline.bounds
    shapely.prepare(outline)
    xs, ys, have = [], [], 0
    while have < n:
        k = int((n - have) * 1.6) + 16  # Syria fills ~60 % of its box
        x = rng.uniform(x0, x1, k)
        y = rng.uniform(y0, y1, k)
        inside = shapely.contains_xy(outline, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _syria_outline():
    from geo.datasets import load_boundaries

    return load_boundaries(0).geometry.union_all()


def synthetic_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` SYNTHETIC events as a UCDP GED table (see :func:`synthetic_ucdp_csv`)."""
    rng = np.random.default_rng(seed)
    lon, lat = random_points_in(_syria_outline(), n, rng)
    lon, lat = lon.round(6), lat.round(6)
    dyad = _weighted(rng, DYADS, n)
    violence = np.array([d[0] for d in DYADS])[dyad]
    side_a = np.array([d[1] for d in DYADS], dtype=object)[dyad]
    side_b = np.array([d[2] for d in DYADS], dtype=object)[dyad]
    days = (WINDOW[1] - WINDOW[0]).days
    start = np.datetime64(WINDOW[0]) + rng.integers(0, days + 1, n).astype("timedelta64[D]")
    dp = _weighted(rng, DATE_PREC, n, weight_at=1)
    span = np.array([d[2] for d in DATE_PREC])[dp].astype("timedelta64[D]")
    end = np.minimum(start + span, np.datetime64(WINDOW[1]))
    low = rng.poisson(1.5, n)
    best = low + rng.poisson(1.0, n)
    dyad_name = pd.Series(side_a).str.cat(pd.Series(side_b), sep=" - ")
    start_s = pd.Series(start.astype(str))
    df = pd.DataFrame({
        "id": np.arange(FIRST_ID, FIRST_ID + n), "year": start.astype("datetime64[Y]").astype(int) + 1970,
        "active_year": 1, "type_of_violence": violence, "conflict_new_id": 0,
        "conflict_name": SYNTHETIC + ": " + dyad_name, "dyad_new_id": 0, "dyad_name": dyad_name,
        "side_a_new_id": 0, "side_a": side_a, "side_b_new_id": 0, "gwnob": "", "side_b": side_b,
        "number_of_sources": 1, "source_article": SYNTHETIC, "source_office": SYNTHETIC, "source_date": start_s,
        "source_headline": SYNTHETIC, "source_original": SYNTHETIC,
        "where_prec": np.array([w[0] for w in WHERE_PREC])[_weighted(rng, WHERE_PREC, n)],
        "where_coordinates": f"{SYNTHETIC} location", "adm_1": "", "adm_2": "", "latitude": lat, "longitude": lon,
        "geom_wkt": "POINT (" + pd.Series(lon).astype(str) + " " + pd.Series(lat).astype(str) + ")",
        "priogrid_gid": 0, "country": "Syria", "country_id": 652, "region": "Middle East", "event_clarity": 1,
        "date_prec": np.array([d[0] for d in DATE_PREC])[dp], "date_start": start_s,
        "date_end": end.astype(str), "deaths_a": 0, "deaths_b": 0, "deaths_civilians": 0,
        "deaths_unknown": best, "low": low, "best": best, "high": best + rng.poisson(1.0, n),
    })
    # Not a UCDP column: the canonical ``dataset``, for an importer that keeps it (see the report).
    df["dataset"] = "synthetic"
    return df


def synthetic_ucdp_csv(path, n: int, seed: int = 0) -> int:
    """Write ``n`` SYNTHETIC events in the UCDP GED CSV layout that ``python cli.py import ucdp`` reads.

    Points are uniform inside Syria's outline (``data/admin0.geojson``), dates uniform over the
    window 2016-12-01..2017-03-31, dyads and violence types from :data:`DYADS`.  Every row says
    SYNTHETIC (``conflict_name``, ``source_office``, ``where_coordinates``, the source columns),
    ids run from 900000000, and a trailing ``dataset`` column holds "synthetic".

    Parameters
    ----------
    path : str or PathLike
        The CSV to write (``.gz``: gzip-compressed); written through ``geo.atomic`` with pyarrow's
        CSV writer (every text value quoted).
    n : int
        How many events (at least 1).
    seed : int
        Seed of the random generator: the same seed writes the same file.

    Returns
    -------
    int
        The number of rows written.
    """
    from geo.atomic import atomic_path

    if n < 1:
        raise ValueError(f"the number of events must be at least 1, not {n}")
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    table = pa.Table.from_pandas(synthetic_frame(n, seed), preserve_index=False)
    with atomic_path(path) as tmp:
        # pyarrow's writer: 1M rows in ~2.5 s against ~18 s for DataFrame.to_csv
        sink = pa.CompressedOutputStream(str(tmp), "gzip") if str(path).endswith(".gz") else str(tmp)
        pa_csv.write_csv(table, sink)
        if not isinstance(sink, str):
            sink.close()
    return table.num_rows


# --- the measuring subprocess ---------------------------------------------------------------


def _range(start: date) -> tuple[date, date]:
    return start, start + timedelta(days=30)


def _feature_group_bytes(groups) -> list[int]:
    """Bytes of the script streamlit-folium sends for each group of ``feature_group_to_add=groups``.

    ``streamlit_folium._get_feature_group_string`` is the function ``st_folium`` itself calls on
    each group (streamlit-folium 0.27.4, ``__init__.py``: ``feature_group_string += ...``); it is
    private, so a new version may rename it (this bench then fails loudly).
    """
    from streamlit_folium import _get_feature_group_string

    from layers.assets import base_map

    m = base_map()
    return [len(_get_feature_group_string(g, map=m, idx=i).encode()) for i, g in enumerate(groups)]


def _map_groups(events, view, zones, vs, arrays):
    """The Map page's dynamic layers for the filtered events ``view``: zones, events; and the mode.

    As ``pages/map.py`` draws them: ``layers.events.event_overlay`` (points, or counts per grid
    cell when many) at the view's centre and zoom, given the rows of ``arrays`` (the page's
    ``event_arrays`` of every loaded event ``events``, cached once per store version) that the
    filtered ``view`` holds (``pages/map.py`` ``_positions``);
    ``events_layer`` (one point per event) where ``event_overlay`` does not exist.
    """
    import layers.events as le
    from layers.zones import zones_layer

    if arrays is None:
        ev = le.events_layer(view, color_by="class")
    else:
        rows = arrays.take(events.index.get_indexer(view.index))
        ev = le.event_overlay(view, lat=vs.lat, lon=vs.lon, zoom=vs.zoom, color_by="class", arrays=rows)
    return [zones_layer(zones), ev.group], getattr(ev, "mode", "points")


def _event_arrays(events):
    """The page's per-store-version arrays (``layers.events.event_arrays``), or None without them."""
    import layers.events as le

    return le.event_arrays(events, "class") if hasattr(le, "event_overlay") else None


def _naive_group(events):
    """One ``folium.CircleMarker`` with an escaped popup per placed event (the naive baseline)."""
    import folium

    from layers.safe import esc

    fg = folium.FeatureGroup(name="events")
    placed = events.loc[events.geometry.notna() & ~events.geometry.is_empty]
    for x, y, actor1, actor2, day in zip(placed.geometry.x, placed.geometry.y, placed["actor1"], placed["actor2"],
                                         placed["date_start"], strict=True):
        folium.CircleMarker([y, x], radius=5, popup=folium.Popup(esc(f"{day:%Y-%m-%d}: {actor1} - {actor2}")),
                            ).add_to(fg)
    return fg


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _update(events, vs, zones, arrays):
    """One rerun's map work: filter, build the layers, serialise them as streamlit-folium does."""
    from geo.view import filter_view

    t0 = time.perf_counter()
    view = filter_view(events, vs)
    groups, mode = _map_groups(events, view, zones, vs, arrays)
    built = time.perf_counter() - t0
    size = _feature_group_bytes(groups)
    return {"total": time.perf_counter() - t0, "build": built, "bytes": size, "in_range": len(view), "mode": mode}


def _payload(sizes: list[int]) -> dict:
    """``payload_bytes`` (zones + events) and each part."""
    return {"payload_bytes": sum(sizes), "payload_zones_bytes": sizes[0], "payload_events_bytes": sizes[1]}


def _naive(view, naive_max: int) -> dict:
    if len(view) > naive_max:
        return {"naive_update_s": None, "naive_payload_bytes": None,
                "naive_note": f"{len(view):,} events in the range > --naive-max {naive_max:,}: not run"}
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        size = sum(_feature_group_bytes([_naive_group(view)]))
        runs.append((time.perf_counter() - t0, size))
    return {"naive_update_s": statistics.median(r[0] for r in runs), "naive_payload_bytes": runs[0][1]}


def measure_store(store: str, start: date, naive_max: int) -> dict:
    """Load (cold), update (warm, median of 3), payload and the naive baseline on ``store``.

    Run in a fresh process (``python bench/scale.py worker``) so that the load is cold.

    Parameters
    ----------
    store : str
        The workspace GeoPackage.
    start : date
        First day of the 31-day event range filtered.
    naive_max : int
        Largest number of events in the range the naive baseline is run on.

    Returns
    -------
    dict
        ``load_s``, ``update_s``, ``payload_bytes``, ``naive_*`` and details.
    """
    import geo.view
    import layers.events  # noqa: F401  (imported before the clock starts, as in a running app)
    from geo.catalog import Catalog
    from geo.store import Store
    from webapp.viewstate import ViewState

    load_s, (cat, events) = _timed(lambda: _load(Catalog, store))
    workspace = Store(store).read("events")
    day = start + timedelta(days=15)
    zones_s, zones = _timed(lambda: cat.zones(day.isoformat()))
    arrays_s, arrays = _timed(lambda: _event_arrays(events))
    vs = ViewState(start=start, end=_range(start)[1])  # the default view: whole country, default zoom
    _update(events, vs, zones, arrays)  # warm-up (not counted)
    runs = [_update(events, vs, zones, arrays) for _ in range(RUNS)]
    view = geo.view.filter_view(events, vs)
    out = {
        "events": len(workspace),
        "synthetic_events": int((workspace["dataset"] == "synthetic").sum()),
        "events_loaded": len(events), "load_s": load_s,
        "update_s": statistics.median(r["total"] for r in runs),
        "update_runs_s": [r["total"] for r in runs],
        "build_s": statistics.median(r["build"] for r in runs),
        **_payload(runs[0]["bytes"]), "range": [start.isoformat(), _range(start)[1].isoformat()],
        "events_in_range": runs[0]["in_range"], "zones_s": zones_s, "arrays_s": arrays_s,
        "overlay": "event_overlay" if hasattr(layers.events, "event_overlay") else "events_layer",
        "overlay_mode": runs[0]["mode"],
    }
    out.update(_naive(view, naive_max))
    out["worker_rss_mb"] = _peak_self_mb()
    return out


def _load(catalog_cls, store: str):
    """(catalog, events) as the app loads them: ``webapp.session.load_events`` reads
    ``geo.derived.classified_events`` (the table derived at import; computed when stale)."""
    from geo.derived import classified_events

    return catalog_cls(store), classified_events(store)


def _peak_self_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the parent: import, worker, browser ------------------------------------------------------


def _run_child(cmd: list[str], log: Path, env=None) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit code) of ``cmd`` run to its end (``os.wait4`` of that child)."""
    with log.open("w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


class BenchError(RuntimeError):
    """A step of the benchmark failed (its log is named in the message)."""


def _input_limits(csv: Path) -> dict[str, str]:
    """``MONITOR_MAX_FILE_MB`` / ``MONITOR_MAX_TEXT_MB`` / ``MONITOR_MAX_ROWS`` (``geo/encoding.py``)
    raised to fit ``csv``.

    The bench's own file is large by design; limits the user has set are kept when higher.
    A gzip file's text is allowed up to ``MONITOR_MAX_RATIO`` (default 100) times its size; rows
    up to one per 40 bytes of text (a UCDP row has 41 fields, so at least 40 separators).
    """
    mb = csv.stat().st_size / 2**20
    text = mb * int(os.environ.get("MONITOR_MAX_RATIO", "100")) if csv.suffix == ".gz" else mb
    env = {}
    for name, default, need in (("MONITOR_MAX_FILE_MB", 25, mb), ("MONITOR_MAX_TEXT_MB", 25, text),
                                ("MONITOR_MAX_ROWS", 500_000, text * 2**20 / 40)):
        env[name] = str(max(int(os.environ.get(name, default)), int(need) + 1))
    return env


def import_file(csv: Path, store: Path, work: Path) -> dict:
    """Run ``python cli.py import --store STORE ucdp CSV``; time and peak RSS of that process."""
    log = work / "import.log"
    cmd = [sys.executable, "cli.py", "import", "--store", str(store), "ucdp", str(csv)]
    seconds, rss, code = _run_child(cmd, log, env={**os.environ, **_input_limits(csv)})
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"import failed (exit {code}): {' | '.join(tail)}")
    return {"import_s": seconds, "import_rss_mb": rss}


def run_worker(store: Path, work: Path, start: date, naive_max: int) -> dict:
    """:func:`measure_store` in a fresh Python process; its JSON result."""
    out = work / "worker.json"
    log = work / "worker.log"
    cmd = [sys.executable, str(ROOT / "bench" / "scale.py"), "worker", str(store), start.isoformat(),
           str(naive_max), str(out)]
    _s, _rss, code = _run_child(cmd, log, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"measuring failed (exit {code}): {' | '.join(tail)}")
    return json.loads(out.read_text())


def conditions() -> dict:
    """Load average and CPU count of the host when the run ended."""
    return {"loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}


def _browser_module():
    """The browser tests' ``conftest`` (app starter, Chromium path and flags), loaded by its path."""
    spec = importlib.util.spec_from_file_location("scm_browser_conftest", ROOT / "tests" / "browser" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


#: Layer kinds (``options.scmKind``) that are not the data of the events layer.
STATIC_KINDS = ("zone", "boundary", "context", "district", "town")
#: In the map's frame: zones and data layers on the map; ``fresh``: only layers added since
#: :data:`MARK_JS` ran.
COUNT_JS = """({fresh, statics}) => {
  const m = window.map;
  if (!m || !document.querySelector('.leaflet-container')) return null;
  const c = {zone: 0, data: 0};
  m.eachLayer(l => {
    if (fresh && l._benchOld) return;
    const p = l.feature && l.feature.properties, k = l.options && l.options.scmKind;
    if ((p && p.kind === 'zone') || k === 'zone') c.zone += 1;
    else if (k && !statics.includes(k)) c.data += 1;
  });
  return c;
}"""
MARK_JS = "() => { window.map.eachLayer(l => { l._benchOld = true; }); }"
#: In the map's frame, before a slider step: the time (``Date.now()``) the first new data layer
#: joins the map goes to ``window.__benchMap``.
MAP_CLOCK_JS = """(statics) => {
  window.__benchMap = null;
  if (window.__benchWatch) return;
  window.__benchWatch = true;
  window.map.on('layeradd', e => {
    const k = e.layer.options && e.layer.options.scmKind;
    if (window.__benchMap === null && !e.layer._benchOld && k && !statics.includes(k)) window.__benchMap = Date.now();
  });
}"""
#: In the page, before a slider step: the time of the key press (``__benchKey``) and of the last
#: change of Streamlit's script state to idle (``__benchIdle``), both ``Date.now()``.
PAGE_CLOCK_JS = """() => {
  window.__benchKey = null; window.__benchIdle = null;
  document.addEventListener('keydown', () => { window.__benchKey = Date.now(); }, {capture: true, once: true});
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__benchObserver) window.__benchObserver.disconnect();
  window.__benchObserver = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'notRunning' && window.__benchKey !== null) window.__benchIdle = Date.now();
  });
  window.__benchObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
STATE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a ? a.getAttribute('data-test-script-state') : null; }"""
END_SLIDER = 'input[type="range"][aria-label="Events between — end"]'
DATE_SLIDER = 'input[type="range"][aria-label="Control snapshot date"]'
#: Control-date steps whose websocket bytes are measured (``date_step_sent_bytes``, the median).
DATE_STEPS = 3
STEP_TIMEOUT_S = 300.0
SLIDER_TIMEOUT_S = 120.0
#: Poll interval of a slider step.  Until 2026-11-29 it was 0.1 s, as for a page load: two polls in
#: a row (address bar, then map and script state) added up to about 0.2 s to a step of 0.3-0.5 s.
SLIDER_POLL_S = 0.02
ERROR_JS = "() => document.querySelectorAll('[data-testid=\"stException\"]').length"


def _poll(check, timeout_s: float = STEP_TIMEOUT_S, step_s: float = 0.1):
    """``check()`` until truthy (its value) or None after ``timeout_s``; Playwright errors poll again."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except PlaywrightError:  # a frame detached or a navigation under way
            value = None
        if value:
            return value
        time.sleep(step_s)
    return None


def _map_frame(page):
    for f in page.frames:
        if f.evaluate("() => !!(window.map && document.querySelector('.leaflet-container'))"):
            return f
    return None


def _drawn(page, fresh: bool = False) -> bool:
    """The map holds zones and event data (``fresh``: new ones), and Streamlit is idle."""
    f = _map_frame(page)
    c = f.evaluate(COUNT_JS, {"fresh": fresh, "statics": list(STATIC_KINDS)}) if f else None
    return bool(c and c["data"] > 0 and (c["zone"] > 0 or fresh)) and page.evaluate(STATE_JS) == "notRunning"


class PageError(RuntimeError):
    """The app's page shows a Python exception."""


def _drawn_or_error(page, fresh: bool = False) -> bool:
    if page.evaluate(ERROR_JS):
        raise PageError("the app shows an exception (see app.log)")
    return _drawn(page, fresh) and _drawn(page, fresh)  # twice in a row: not between two runs


def _open(browser, url: str):
    """(seconds until the map has drawn or None, page): a new context (a new Streamlit session)."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    t0 = time.monotonic()
    page.goto(url, timeout=STEP_TIMEOUT_S * 1000)
    ok = _poll(lambda: _drawn_or_error(page))
    return (time.monotonic() - t0 if ok else None), page


def _slider_step(page) -> tuple[float | None, float | None]:
    """ArrowLeft on the event range's end thumb: (seconds until the map holds new event data,
    seconds until the page has also finished its run: address bar updated, Streamlit idle).

    Timed in the browser (``Date.now()`` in the page and the map's frame, one clock): the key
    press, the first new data layer joining the map, the last change of the script state to idle.
    Python only polls (every ``SLIDER_POLL_S``) for the step to be over, so the time its checks
    take is not counted.
    """
    query = "() => new URLSearchParams(location.search).get('end') || ''"
    before = page.evaluate(query)
    frame = _map_frame(page)
    if frame is None or not page.locator(END_SLIDER).count():
        return None, None
    frame.evaluate(MARK_JS)
    frame.evaluate(MAP_CLOCK_JS, list(STATIC_KINDS))
    page.evaluate(PAGE_CLOCK_JS)
    page.locator(END_SLIDER).focus()
    page.keyboard.press("ArrowLeft")
    if not _poll(lambda: page.evaluate(query) != before and _drawn_or_error(page, True), SLIDER_TIMEOUT_S, SLIDER_POLL_S):
        return None, None
    key, idle = page.evaluate("() => [window.__benchKey, window.__benchIdle]")
    drawn = _map_frame(page).evaluate("() => window.__benchMap")
    if key is None or idle is None or drawn is None:
        return None, None
    return (drawn - key) / 1000, (max(idle, drawn) - key) / 1000


def _server_rss_mb() -> float | None:
    """VmRSS of our child ``streamlit run`` process (``/proc``), in MB."""
    me = str(os.getpid())
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "stat").read_text().rsplit(")", 1)[1].split()[1] == me \
                    and b"streamlit" in (d / "cmdline").read_bytes():
                status = dict(line.split(":", 1) for line in (d / "status").read_text().splitlines())
                return int(status["VmRSS"].split()[0]) / 1024
        except OSError:  # a process that ended meanwhile
            continue
    return None


def _median(values: list) -> float | None:
    done = [v for v in values if v is not None]
    return statistics.median(done) if len(done) == len(values) and done else None


def measure_app(store: Path, work: Path, start: date) -> dict:
    """``render_s`` (warm, median of 3), ``slider_s`` (median of 3) and ``rss_mb`` in the running app.

    The app runs on ``store`` (``tests/browser/conftest.running_app``: 127.0.0.1, a free port,
    ``MONITOR_STORE``); headless Chromium (``CHROMIUM_ARGS``: ``--no-sandbox --disable-gpu``).
    The Map page is opened on the 31-day range from ``start`` (``?start=&end=``), so that a step
    of its end changes the events drawn.  The first page load warms the server's caches and is
    reported apart (``render_cold_s``).  A load that does not finish within 300 s, or a slider
    step within 120 s, gives None; a page showing an exception raises :class:`BenchError`.
    """
    from playwright.sync_api import sync_playwright

    conf = _browser_module()
    first, last = _range(start)
    with conf.running_app(store, work / "app.log") as root, sync_playwright() as pw:
        url = f"{root}/?start={first.isoformat()}&end={last.isoformat()}"
        browser = pw.chromium.launch(executable_path=conf.CHROMIUM, args=conf.CHROMIUM_ARGS)
        try:
            cold, page = _open(browser, url)
            page.context.close()
            warm = []
            for i in range(RUNS):
                seconds, page = _open(browser, url)
                warm.append(seconds)
                if i != RUNS - 1:
                    page.context.close()
            received = _count_received(page)
            steps, sent = [], []
            for _ in range(SLIDER_RUNS):
                received.clear()
                steps.append(_slider_step(page))
                sent.append(sum(received))
            date_sent = []
            for _ in range(DATE_STEPS):
                received.clear()
                date_sent.append(sum(received) if _date_step(page) else None)
            rss = _server_rss_mb()
        except PageError as exc:
            raise BenchError(str(exc)) from None
        finally:
            browser.close()
    done, redrawn = [t for _m, t in steps], [m for m, _t in steps]
    return {"render_s": _median(warm), "render_runs_s": warm, "render_cold_s": cold,
            "slider_s": _median(done), "slider_runs_s": done,
            "slider_map_s": _median(redrawn), "slider_map_runs_s": redrawn, "rss_mb": rss,
            "slider_sent_bytes": _median(sent), "date_step_sent_bytes": _median(date_sent)}


def _count_received(page) -> list[int]:
    """A list that gets the size of every websocket message the page receives from now on."""
    sizes: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: sizes.append(len(p))))
    page.reload(timeout=STEP_TIMEOUT_S * 1000)  # the app's websocket opens again, now watched
    if not _poll(lambda: _drawn_or_error(page)):
        raise BenchError("the map did not draw again after a reload")
    return sizes


def _date_step(page) -> bool:
    """ArrowRight on the control date; whether the page then finished its run with the map drawn."""
    query = "() => new URLSearchParams(location.search).get('date') || ''"
    before = page.evaluate(query)
    page.locator(DATE_SLIDER).focus()
    page.keyboard.press("ArrowRight")
    return bool(_poll(lambda: page.evaluate(query) != before and _drawn_or_error(page), SLIDER_TIMEOUT_S, SLIDER_POLL_S))


def chromium_path() -> str:
    """Where the browser tests (and this bench) expect Chromium."""
    return _browser_module().CHROMIUM


def run_bench(*, events: int | None, file: Path | None, work: Path, seed: int = 0, browser: bool = True,
              start: date = date(2017, 1, 1), naive_max: int = 100_000, progress=None) -> dict:
    """The whole benchmark in ``work`` (an empty temporary folder); one dict of figures.

    Parameters
    ----------
    events : int or None
        Synthetic events to generate (ignored when ``file`` is given).
    file : Path or None
        A real UCDP GED CSV to import instead.
    work : Path
        Folder for the generated file, the store and the logs.
    seed : int
        Seed of the synthetic data.
    browser : bool
        Measure ``render_s``, ``slider_s`` and ``rss_mb`` in headless Chromium (else None).
    start : date
        First day of the 31-day event range the update filters.
    naive_max : int
        Largest range the naive baseline is run on.
    progress : callable, optional
        Called with a short text before each step.

    Returns
    -------
    dict
        The keys of issue 12 and details.
    """
    say = progress or (lambda _text: None)
    out: dict = {"synthetic": file is None, "browser": browser}
    if file is None:
        csv = work / "synthetic_ucdp.csv"
        say(f"writing {events:,} synthetic events")
        out["generate_s"], _ = _timed(lambda: synthetic_ucdp_csv(csv, events, seed))
    else:
        csv = Path(file)
    store = work / "store.gpkg"
    say("importing (python cli.py import ucdp)")
    out.update(import_file(csv, store, work))
    say("loading and updating in a fresh process")
    out.update(run_worker(store, work, start, naive_max))
    out.update({"render_s": None, "slider_s": None, "rss_mb": None})
    if browser:
        say("opening the app in headless Chromium")
        out.update(measure_app(store, work, start))
    out["conditions"] = conditions()
    return out


KEYS = ("events", "import_s", "import_rss_mb", "load_s", "update_s", "payload_bytes", "render_s", "slider_s",
        "rss_mb", "naive_update_s", "naive_payload_bytes")


def _worker_main(argv: list[str]) -> None:
    store, start, naive_max, out = argv
    result = measure_store(store, date.fromisoformat(start), int(naive_max))
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "worker":
        _worker_main(sys.argv[2:])
    else:
        sys.exit("usage: python bench/scale.py worker STORE START NAIVE_MAX OUT.json (run by: python cli.py bench)")
