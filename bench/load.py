"""Drive N concurrent browser sessions against the app and report latency, errors and memory.

Usage::

    python bench/load.py --sessions 1 5 10 25 [--seconds 300] [--json] [--url URL --pid PID --log LOG]
                         [--pin-server CPU]

Without ``--url`` each level starts a fresh app on 127.0.0.1 with an empty temporary store (shipped
data only; ``tests/browser/conftest.running_app``), opens one warm-up session (not counted), then
runs the N sessions at once: one headless Chromium, one browser context per session.  Each session
opens the Map page, waits until the map has drawn, presses ArrowRight on the control-date slider
three times, moves the event range's end back twice, switches to Trends and back to the Map, all
within ``--seconds`` (a session that runs out of time stops and is reported as unfinished).

What is measured:

- **server clock per rerun** (``server_clock_rerun_s``, when this script starts the app): the same
  span on the server's own clock, from the ``rerun_script`` request arriving to the
  ``script_finished`` message being queued (``bench/server_clock/sitecustomize.py``, loaded only
  into the server this script starts).  On a small host the browser-side figure below also holds
  the browsers' own delay in reading the socket.
- **server per rerun**: in the browser's network layer (Chrome DevTools ``Network`` websocket frame
  timestamps), from the ``rerun_script`` message the page sends to the server's ``script_finished``
  message that ends that run (Streamlit's protobuf messages, decoded); a run cut short by a newer
  request counts until the newer one finishes.  Every rerun counts: first loads, slider moves, page
  switches.  This is request-to-last-message as the browser's network stack sees it.
- **browser per action**: from the key press or click until the address bar shows the new value,
  the app's root says ``notRunning`` at two polls in a row and the map holds zones and events again
  (polled every 150 ms, so +-0.15 s).
- **map drawn**: from opening the page until the map first holds zones and events.
- **errors**: ``pageerror`` events and console errors in every page; ``Traceback`` lines in the
  server log.
- **server memory**: VmRSS from ``/proc/PID/status`` before the sessions start (after the warm-up),
  its peak (VmHWM, and a 0.5 s sampler) and at the end; MB per session = (peak - start) / N.
- **load average** (1 min) of the host at start and end: on a small host the browsers compete
  with the server, so both sides are reported.  The JSON also gives the server's CPU seconds per
  rerun (``server_cpu_per_rerun_s``: its CPU time over the level divided by the reruns).
  ``--pin-server 0`` runs the server alone on CPU 0 and the browsers on the other CPUs (CPU
  affinity, which Chromium's processes inherit; the JSON says so under ``pinned``): closer to a
  deployment, where the browsers are not on the server, at the price of slower browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "browser")]

from conftest import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

#: What the map in the component frame holds (zones: GeoJSON features; events: cluster groups).
COUNT_JS = """() => {
  const m = window.map;
  if (!m) return null;
  const c = {zone: 0, event: 0};
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.kind === 'zone') { c.zone += 1; return; }
    const k = l.options && l.options.scmKind;
    if (k === 'event') c.event += (typeof l.getLayers === 'function') ? l.getLayers().length : (l.__parent ? 0 : 1);
  });
  return c;
}"""
STATE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a ? a.getAttribute('data-test-script-state') : null; }"""
DATE_SLIDER = 'input[type="range"][aria-label="Control snapshot date"]'
END_SLIDER = 'input[type="range"][aria-label="Events between — end"]'
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


class OutOfTime(Exception):
    """The session's time budget ran out."""


class Session:
    """One browser context on the app: its timings, its errors and its websocket reruns."""

    def __init__(self, index: int, deadline: float):
        self.index = index
        self.deadline = deadline
        self.actions: list[tuple[str, float]] = []
        self.drawn: list[float] = []
        self.errors: list[str] = []
        self.reruns: list[float] = []
        self.pending: float | None = None
        self.done = False
        self.stopped_at = ""

    def on_sent(self, params: dict) -> None:
        msg = _decode(BackMsg, params)
        if msg is not None and msg.WhichOneof("type") == "rerun_script" and self.pending is None:
            self.pending = params["timestamp"]

    def on_received(self, params: dict) -> None:
        msg = _decode(ForwardMsg, params)
        if msg is None or msg.WhichOneof("type") != "script_finished" or msg.script_finished == EARLY:
            return
        if self.pending is not None:
            self.reruns.append(params["timestamp"] - self.pending)
            self.pending = None


def _decode(cls, params: dict):
    """The protobuf message in a DevTools websocket frame event, or None (a text frame)."""
    r = params["response"]
    if r.get("opcode") != 2:
        return None
    msg = cls()
    msg.ParseFromString(base64.b64decode(r["payloadData"]))
    return msg


async def _poll(s: Session, check, what: str, step: float = 0.15):
    """Await ``check()`` until truthy; raise :class:`OutOfTime` at the session's deadline."""
    while True:
        try:
            value = await check()
        except PlaywrightError:  # a frame detached or a navigation under way: poll again
            value = None
        if value:
            return value
        if time.monotonic() > s.deadline:
            raise OutOfTime(what)
        await asyncio.sleep(step)


async def _map_frame(page):
    for f in page.frames:
        if await f.evaluate("() => !!(window.map && document.querySelector('.leaflet-container'))"):
            return f
    return None


async def _map_ready(page):
    f = await _map_frame(page)
    if f is None:
        return None
    c = await f.evaluate(COUNT_JS)
    return c if c and c["zone"] > 0 and c["event"] > 0 else None


async def _settled(s: Session, page, url_part: str | None, what: str, need_map: bool = True) -> None:
    """Wait for the URL to hold ``url_part``, Streamlit idle twice in a row, and the map drawn."""
    if url_part:
        await _poll(s, lambda: page.evaluate(f"() => location.href.includes({json.dumps(url_part)})"), what)
    streak = 0

    async def idle():
        nonlocal streak
        streak = streak + 1 if await page.evaluate(STATE_JS) == "notRunning" else 0
        return streak >= 2

    await _poll(s, idle, what)
    if need_map:
        await _poll(s, lambda: _map_ready(page), what)


async def _query(page, key: str) -> str:
    return await page.evaluate(f"() => new URLSearchParams(location.search).get({json.dumps(key)}) || ''")


async def _step(s: Session, page, what: str, act, url_part=None, need_map=True) -> None:
    t0 = time.monotonic()
    await act()
    await _settled(s, page, url_part, what, need_map)
    s.actions.append((what, time.monotonic() - t0))


async def _slider(s: Session, page, selector: str, key: str, press: str, what: str) -> None:
    before = await _query(page, key)

    async def act():
        await page.locator(selector).focus()
        await page.keyboard.press(press)

    t0 = time.monotonic()
    await act()
    await _poll(s, lambda: _changed(page, key, before), what)
    await _settled(s, page, None, what)
    s.actions.append((what, time.monotonic() - t0))


async def _changed(page, key: str, before: str) -> bool:
    return await _query(page, key) != before


async def _script(s: Session, page, url: str) -> None:
    """The session's walk through the app (see the module docstring)."""
    t0 = time.monotonic()
    await page.goto(url, timeout=max(1000, (s.deadline - time.monotonic()) * 1000))
    await _settled(s, page, None, "open map")
    s.drawn.append(time.monotonic() - t0)
    for i in range(3):
        await _slider(s, page, DATE_SLIDER, "date", "ArrowRight", f"control date +1 ({i + 1})")
    for i in range(2):
        await _slider(s, page, END_SLIDER, "end", "ArrowLeft", f"event range end -1 ({i + 1})")
    await _step(
        s,
        page,
        "to Trends",
        lambda: page.get_by_role("link", name="Trends", exact=True).click(),
        "/trends",
        need_map=False,
    )
    t1 = time.monotonic()
    await _step(
        s, page, "back to Map", lambda: page.get_by_role("link", name="Map", exact=True).first.click()
    )
    s.drawn.append(time.monotonic() - t1)
    s.done = True


async def _run_session(browser, url: str, s: Session) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: s.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: s.errors.append(f"console: {m.text}") if m.type == "error" else None)
    cdp = await context.new_cdp_session(page)
    cdp.on("Network.webSocketFrameSent", s.on_sent)
    cdp.on("Network.webSocketFrameReceived", s.on_received)
    await cdp.send("Network.enable")
    try:
        await _script(s, page, url)
    except OutOfTime as e:
        s.stopped_at = f"out of time at: {e}"
    except Exception as e:  # report the session as unfinished with its reason, keep the others
        s.stopped_at = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    finally:
        await context.close()


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in kB (``/proc/PID/status``)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0])
    return out


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pid(port: int) -> int:
    """The process listening on 127.0.0.1:``port`` (its socket inode, found among /proc/*/fd)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == "0A":  # LISTEN
            inodes.add(f"socket:[{parts[9]}]")
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if any(os.readlink(fd) in inodes for fd in (d / "fd").iterdir()):
                    return int(d.name)
            except OSError:  # another user's or a vanished process
                continue
    raise SystemExit(f"no process of ours listens on port {port}: pass --pid")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _pin(pid: int, cpu: int | None) -> dict | None:
    """With ``cpu``: the server (every thread of ``pid``) on that CPU, this process (and so the
    browsers it starts: they inherit it) on the others.  Returns what was pinned, or None."""
    if cpu is None:
        return None
    others = sorted(set(os.sched_getaffinity(0)) - {cpu})
    if not others:
        raise SystemExit(f"--pin-server {cpu}: no other CPU is left for the browsers")
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), {cpu})
    os.sched_setaffinity(0, set(others))
    return {"server_cpus": [cpu], "browser_cpus": others}


def _clock_lines(clock: Path | None, start: int) -> list[float]:
    """Seconds per rerun request the server's own clock wrote (``bench/server_clock``) after byte ``start``."""
    if clock is None or not clock.exists():
        return []
    with clock.open(encoding="utf-8") as fh:
        fh.seek(start)
        return [float(line.split()[1]) for line in fh if line.strip()]


async def _level(url: str, pid: int, n: int, seconds: float, log: Path | None, pin: int | None = None,
                 clock: Path | None = None) -> dict:
    """One concurrency level against a running app: the figures of :func:`main`'s table."""
    from playwright.async_api import async_playwright

    pinned = _pin(pid, pin)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warm = Session(-1, time.monotonic() + seconds)
        await _run_session(browser, url, warm)  # caches filled, not counted
        log_start = log.stat().st_size if log else 0
        clock_start = clock.stat().st_size if clock and clock.exists() else 0
        rss0, cpu0, load0 = _status(pid)["VmRSS"], _cpu_seconds(pid), os.getloadavg()[0]
        peak = rss0
        t0 = time.monotonic()
        sessions = [Session(i, t0 + seconds) for i in range(n)]
        tasks = asyncio.gather(*(_run_session(browser, url, s) for s in sessions))
        while not tasks.done():
            peak = max(peak, _status(pid)["VmRSS"])
            await asyncio.sleep(0.5)
        await tasks
        wall = time.monotonic() - t0
        st = _status(pid)
        peak = max(peak, st["VmRSS"])
        await browser.close()
    tracebacks = 0
    if log:
        with log.open() as fh:
            fh.seek(log_start)
            tracebacks = sum("Traceback" in line for line in fh)
    actions = [t for s in sessions for _, t in s.actions]
    reruns = [t for s in sessions for t in s.reruns]
    drawn = [t for s in sessions for t in s.drawn[:1]]
    return {
        "sessions": n,
        "wall_s": round(wall, 1),
        "finished": sum(s.done for s in sessions),
        "load_avg_start": round(load0, 2),
        "load_avg_end": round(os.getloadavg()[0], 2),
        "map_drawn_s": _summary(drawn),
        "browser_action_s": _summary(actions),
        "server_rerun_s": _summary(reruns),
        "server_clock_rerun_s": _summary(_clock_lines(clock, clock_start)) if clock else None,
        "sessions_with_js_error": sum(bool(s.errors) for s in sessions),
        "js_errors": sorted({e[:300] for s in sessions for e in s.errors}),
        "server_tracebacks": tracebacks,
        "rss_mb": {
            "start": round(rss0 / 1024),
            "peak": round(peak / 1024),
            "end": round(st["VmRSS"] / 1024),
            "hwm": round(st["VmHWM"] / 1024),
        },
        "mb_per_session": round((peak - rss0) / 1024 / n, 1),
        "server_cpu_s": round(_cpu_seconds(pid) - cpu0, 1),
        "server_cpu_per_rerun_s": round((_cpu_seconds(pid) - cpu0) / len(reruns), 3) if reruns else None,
        "pinned": pinned,
        "unfinished": [f"session {s.index}: {s.stopped_at}" for s in sessions if not s.done],
        "warmup": {"finished": warm.done, "errors": warm.errors, "stopped_at": warm.stopped_at},
    }


def _summary(values: list[float]) -> dict:
    r = {"n": len(values)}
    for name, q in (("p50", 50), ("p95", 95)):
        v = _pct(values, q)
        r[name] = None if v is None else round(v, 2)
    r["max"] = round(max(values), 2) if values else None
    return r


def _run_level(args, n: int) -> dict:
    if args.url:
        port = int(re.search(r":(\d+)", args.url.split("//", 1)[1]).group(1))
        pid = args.pid or _server_pid(port)
        return asyncio.run(_level(args.url, pid, n, args.seconds, Path(args.log) if args.log else None, args.pin_server))
    tmp = Path(tempfile.mkdtemp(prefix="scm-load-"))
    log, clock = tmp / "streamlit.log", tmp / "server-clock.txt"
    path = os.pathsep.join(p for p in (str(ROOT / "bench" / "server_clock"), os.environ.get("PYTHONPATH", "")) if p)
    with running_app(tmp / "store.gpkg", log, env={"PYTHONPATH": path, "SCM_SERVER_CLOCK": str(clock)}) as url:
        pid = _server_pid(int(url.rsplit(":", 1)[1]))
        return asyncio.run(_level(url, pid, n, args.seconds, log, args.pin_server, clock))


def _fmt(d: dict) -> str:
    return "-" if d["p50"] is None else f"{d['p50']:.2f} / {d['p95']:.2f} (n={d['n']})"


def _table(results: list[dict]) -> str:
    head = (
        "| N | done | wall s | load avg | map drawn p50/p95 s | browser action p50/p95 s | server rerun p50/p95 s "
        "| sessions w/ JS error | server tracebacks | RSS start/peak/end MB | MB/session | server CPU s |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in results:
        m = r["rss_mb"]
        lines.append(
            f"| {r['sessions']} | {r['finished']}/{r['sessions']} | {r['wall_s']} | {r['load_avg_start']}→{r['load_avg_end']} "
            f"| {_fmt(r['map_drawn_s'])} | {_fmt(r['browser_action_s'])} | {_fmt(r['server_rerun_s'])} "
            f"| {r['sessions_with_js_error']} | {r['server_tracebacks']} | {m['start']}/{m['peak']}/{m['end']} "
            f"| {r['mb_per_session']} | {r['server_cpu_s']} |"
        )
    for r in results:
        for e in r["js_errors"] + r["unfinished"]:
            lines.append(f"  N={r['sessions']}: {e}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1], help="concurrency levels, e.g. 1 5 10 25")
    ap.add_argument("--seconds", type=float, default=300, help="time budget of each session (default 300)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--url", help="target a running app instead of starting one (http://127.0.0.1:PORT)")
    ap.add_argument("--pid", type=int, help="with --url: the server's process id (else found by its port)")
    ap.add_argument("--log", help="with --url: the server's log, searched for tracebacks")
    ap.add_argument("--pin-server", type=int, metavar="CPU",
                    help="run the app server on this CPU alone and the browsers on the others, so the server's "
                    "figures are not those of a host it shares with the browsers (default: no pinning)")
    args = ap.parse_args()
    cpus = os.sched_getaffinity(0)
    try:
        results = [_run_level(args, n) for n in args.sessions]
    finally:
        os.sched_setaffinity(0, cpus)
    out = {"host": {"cpus": os.cpu_count()}, "levels": results}
    print(json.dumps(out, indent=1) if args.json else _table(results))


if __name__ == "__main__":
    main()
