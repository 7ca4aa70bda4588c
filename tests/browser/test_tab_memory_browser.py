"""The Map tab keeps no document of an older run (issue 12, "the map tab's heap does not grow with reruns").

Every event-range step changes the share panel's links, so its link box (``st.iframe``) gets a new
document.  The box once listened to the parent page's ``popstate``: the parent held each old
document, one per run, and the tab's heap grew by about 0.2 MB a step.  After a forced garbage
collection the tab holds as many documents after eight steps as after the first draw (Chromium's
``Memory.getDOMCounters``).  Fixtures ``app_url`` and ``watched`` come from tests/browser/conftest.py.
"""
from __future__ import annotations

from _waits import map_frame, poll, wait_idle


def _documents(cdp) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Memory.getDOMCounters")["documents"]


def test_range_steps_leave_no_old_documents_behind(app_url, watched):
    page = watched.page
    page.goto(app_url + "/?start=2017-01-01&end=2017-01-31")
    map_frame(page)
    wait_idle(page)
    cdp = page.context.new_cdp_session(page)
    start = _documents(cdp)
    for day in range(30, 22, -1):
        page.locator('input[type="range"][aria-label="Events between — end"]').focus()
        page.keyboard.press("ArrowLeft")
        assert poll(page, lambda d=day: f"end=2017-01-{d:02d}" in page.evaluate("() => location.search"), timeout_s=60)
        wait_idle(page)
    after = _documents(cdp)
    assert after <= start, f"{after - start} more documents after 8 steps ({start} -> {after})"
    assert watched.errors == [], watched.errors[:5]
