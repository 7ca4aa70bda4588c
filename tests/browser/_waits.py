"""Waiting on conditions in the browser tests: no fixed delays.

Every wait here is bounded by a deadline and ends as soon as its condition holds.  With
Playwright's sync API the page's route handlers (tests/browser/conftest.py blocks requests off
127.0.0.1 with one) run only while a Playwright call is under way, so a poll waits between its
checks with ``page.wait_for_timeout`` -- one step of a poll, never a delay on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError

#: Streamlit's own state of the script run, on the app's root element (``initial``,
#: ``running``, ``rerunRequested``, ``notRunning``); Streamlit's end-to-end tests wait on it.
_SCRIPT_STATE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a ? a.getAttribute('data-test-script-state') : null; }"""


def poll(page, check: Callable[[], Any], timeout_s: float = 30.0, step_ms: int = 100) -> Any:
    """Call ``check()`` until it returns something truthy or ``timeout_s`` has passed.

    Returns the last value ``check()`` returned (falsy at the deadline): callers assert on it
    with their own message.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        page.wait_for_timeout(step_ms)  # a poll step (see the module docstring)


def wait_idle(page, timeout_s: float = 30.0) -> None:
    """Wait until Streamlit has finished running the script.

    The app's root says ``notRunning`` at two polls in a row, so a rerun the app asks for at the
    end of a run is waited for too.  After a widget change, first wait for something the new run
    does (a URL parameter, a count): the frontend may send the rerun request a moment later.
    """
    streak = 0

    def idle() -> bool:
        nonlocal streak
        streak = streak + 1 if page.evaluate(_SCRIPT_STATE_JS) == "notRunning" else 0
        return streak >= 2

    assert poll(page, idle, timeout_s, step_ms=150), f"the app was still running after {timeout_s} s"


def frame_with(page, selector: str, script: str | None = None, timeout_s: float = 60.0):
    """The first frame of ``page`` holding ``selector`` (and where ``script`` is truthy)."""

    def find():
        for f in page.frames:
            try:
                if f.query_selector(selector) and (script is None or f.evaluate(script)):
                    return f
            except PlaywrightError:  # a frame detached while Streamlit renders: look at the others
                continue
        return None

    frame = poll(page, find, timeout_s)
    assert frame is not None, f"no frame with {selector!r} within {timeout_s} s"
    return frame


def map_frame(page, timeout_s: float = 60.0):
    """The component frame of the app's Leaflet map, once its map object exists."""
    return frame_with(page, ".leaflet-container", "() => !!window.map", timeout_s)
