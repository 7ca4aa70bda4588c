"""Trends and Control change in Chromium: the charts draw without Vega-Lite warnings, no axis or
legend label is cut, milestone names stay in their band above the data, and the Control change map
has its legend."""

from __future__ import annotations

from _waits import frame_with, poll, wait_idle

#: Vega-Lite warnings (e.g. 'Dropping "fit-y" because spec has discrete height') reach the console.
VEGA_WARN = "WARN "


def _console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    return messages


def test_trends_charts_draw_cleanly_and_keep_milestone_names_off_the_data(app_url, watched):
    page = watched.page
    messages = _console(page)
    page.goto(f"{app_url}/trends")
    assert poll(page, lambda: page.locator(".vega-embed svg").count() >= 3, 120), (
        "the three charts did not draw"
    )
    wait_idle(page, 60)
    assert not [m for m in messages if VEGA_WARN in m], [m for m in messages if VEGA_WARN in m]
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.vega-embed .role-axis-label text, .vega-embed .role-legend-label text,'
                 + ' .vega-embed .role-legend-title text')].map(t => t.textContent).filter(t => t.endsWith('…'))"""
    )
    assert cut == [], cut
    # The milestone names (text marks) sit in the band above the first chart of counts.
    boxes = page.evaluate(
        """() => {
          const svg = document.querySelector('.vega-embed svg');
          const names = [...svg.querySelectorAll('g.mark-text.role-mark text')].map(t => t.getBoundingClientRect());
          const lines = [...svg.querySelectorAll('g.mark-line.role-mark path')].map(p => p.getBoundingClientRect());
          return {names: names.map(r => [r.top, r.bottom]), lineTop: Math.min(...lines.map(r => r.top))};
        }"""
    )
    assert boxes["names"], "no milestone names drawn"
    assert max(bottom for _, bottom in boxes["names"]) <= boxes["lineTop"], boxes


def test_control_change_map_has_a_legend(app_url, watched):
    page = watched.page
    page.goto(f"{app_url}/control?cfrom=2017-02-20&cto=2017-02-28")
    frame = frame_with(page, ".scm-legend", timeout_s=120)
    assert "Legend" in frame.inner_text(".scm-legend summary")
    frame.evaluate("() => { document.querySelector('.scm-legend details').open = true; }")
    text = frame.inner_text(".scm-legend")
    assert "holder on 2017-02-28" in text and "holder on 2017-02-20" in text, text
