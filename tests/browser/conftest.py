"""Run the app on 127.0.0.1 and drive it with Debian's headless Chromium (Playwright, sync API).

In CI (``CI`` set) these tests always run: a missing browser is a failure, not a skip.
Locally they are skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
    if os.environ.get("CI"):
        return
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (install Debian's chromium; CI runs these)")
        for item in items:
            if Path(str(item.fspath)).is_relative_to(here):
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(store: Path, log_path: Path, env: dict[str, str] | None = None, script: str = "serve.py"):
    """``streamlit run serve.py`` (app.py behind webapp.headers) on a free port with ``store`` as workspace; yields its URL.

    ``env``: more environment variables for the server (e.g. ``MONITOR_DATABASE_URL``).
    ``script``: ``serve.py`` (the README's command), or ``app.py`` for the app without the headers.
    """
    port = _free_port()
    env = {**os.environ, "MONITOR_STORE": str(store), **(env or {})}
    log = Path(log_path).open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", script,
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:  # not listening yet: poll again (no browser here, so a plain sleep)
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy within 90 s")
        yield url
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server started by a test; kill it when it has not ended within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def start_app():
    """A fresh app server for one test (``with start_app(store, log) as url``)."""
    return running_app


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start ``streamlit run serve.py`` (app.py behind webapp.headers) on a free port with an empty workspace store.

    Shared by the whole session: tests only read through it.  A test that writes to a store
    starts an app of its own on a temporary store (:func:`start_app`).
    """
    store = tmp_path_factory.mktemp("store") / "store.gpkg"
    with running_app(store, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page whose requests off 127.0.0.1 are blocked (and recorded) and whose console errors are kept."""

    def __init__(self, page):
        self.page = page
        self.external: list[str] = []
        self.errors: list[str] = []


@pytest.fixture
def watched(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1250})
    page = context.new_page()
    w = Watched(page)

    def route(r):
        u = r.request.url
        if u.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            w.external.append(u)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: w.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: w.errors.append(f"pageerror: {exc}"))
    page.on("response", lambda r: w.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    yield w
    context.close()
