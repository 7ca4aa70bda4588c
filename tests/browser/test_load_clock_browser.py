"""The load bench's server clock (``bench/server_clock``) times real reruns of a real server.

``bench/load.py`` starts the app with that folder on ``PYTHONPATH`` and ``SCM_SERVER_CLOCK``
naming a file; each rerun request then gets one line from its arrival at the server to the end
of its run.  Without the variable the module changes nothing (the other browser tests run so).
"""

from __future__ import annotations

import os

from _waits import map_frame, poll, wait_idle

from bench.load import ROOT


def test_each_rerun_request_gets_one_line_on_the_servers_clock(browser, start_app, tmp_path):
    clock = tmp_path / "clock.txt"
    path = os.pathsep.join(p for p in (str(ROOT / "bench" / "server_clock"), os.environ.get("PYTHONPATH", "")) if p)
    with start_app(tmp_path / "store.gpkg", tmp_path / "app.log",
                   env={"PYTHONPATH": path, "SCM_SERVER_CLOCK": str(clock)}) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(url)
        map_frame(page)
        wait_idle(page)
        first = clock.read_text(encoding="utf-8").splitlines()
        assert first, "the page load's run was not timed"
        slider = page.locator('input[type="range"][aria-label="Control snapshot date"]')
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert poll(page, lambda: len(clock.read_text(encoding="utf-8").splitlines()) > len(first), timeout_s=60)
        wait_idle(page)
        lines = [line.split() for line in clock.read_text(encoding="utf-8").splitlines()]
        page.context.close()
    assert len({session for session, _s, _n in lines}) == 1  # one browser session
    assert all(0 < float(seconds) < 60 for _session, seconds, _n in lines)
    # each request's ordinal in its session, in order (bench/load.py's steps: 1 = the page load)
    assert [int(n) for _session, _s, n in lines] == list(range(1, len(lines) + 1))
