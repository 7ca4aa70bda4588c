"""Send only what changed (issue 12): a map frame is sent each layer's data once.

An event-range step sends the events and a reference to the zones; a control-date step sends
the zones and a reference to the events (``layers.refs``, ``webapp.mapframe``).  Measured on the
websocket: the messages of a step carry the changed layer's data and not the other's.  And a frame
that has lost what it was referred to asks again and is sent everything (never left blank).
"""

from __future__ import annotations

import re

from _waits import map_frame, poll, wait_idle

#: What the map shows and holds: zone shapes and event markers drawn, the hashes held.
STATE_JS = """() => {
  let zones = 0, events = 0;
  window.map.eachLayer(l => {
    if (l.options && l.options.scmKind === "zone") { zones += 1; }
    if (l.options && l.options.scmKind === "event") { events += 1; }
  });
  const refs = window.scmRefs || {data: {}};
  return {zones: zones, events: events, held: Object.keys(refs.data).sort(),
          note: !!document.getElementById("scm-refs-note")};
}"""

REF = re.compile(rb'scmRef\(\\"([0-9a-f]{40})\\"(, )?')


def _refs_sent(frames: list[bytes]) -> dict[str, bool]:
    """Hash -> whether its data went with it, over the websocket messages of one step."""
    out: dict[str, bool] = {}
    for payload in frames:
        for m in REF.finditer(payload):
            out[m.group(1).decode()] = out.get(m.group(1).decode(), False) or bool(m.group(2))
    return out


def _step(page, frames, label: str, key: str, want: str) -> dict[str, bool]:
    frames.clear()
    page.locator(f'input[type="range"][aria-label="{label}"]').focus()
    page.keyboard.press(key)
    assert poll(page, lambda: want in page.evaluate("() => location.search"), timeout_s=60)
    wait_idle(page)
    return _refs_sent(frames)


def _drawn(frame) -> dict:
    return poll(frame.page, lambda: (s := frame.evaluate(STATE_JS))["zones"] and s["events"] and s, timeout_s=60)


def test_a_step_sends_the_layer_it_changes_and_refers_to_the_others(app_url, watched):
    page = watched.page
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda p: frames.append(p if isinstance(p, bytes) else p.encode())))
    page.goto(app_url + "/?date=2017-01-15&start=2017-01-01&end=2017-01-31")
    frame = map_frame(page)
    wait_idle(page)
    first = _drawn(frame)
    assert first["held"] and not first["note"]

    sent = _step(page, frames, "Events between — end", "ArrowLeft", "end=2017-01-30")
    inline = {h for h, data in sent.items() if data}
    referred = {h for h, data in sent.items() if not data}
    assert len(inline) == 1 and referred, sent  # the events' data; the zones and towns by reference
    after_range = _drawn(frame)
    assert after_range["zones"] == first["zones"]  # drawn from the data the frame held
    assert referred <= set(after_range["held"])

    sent = _step(page, frames, "Control snapshot date", "ArrowRight", "date=2017-01-16")
    assert inline <= {h for h, data in sent.items() if not data}, sent  # the events: a reference now
    assert any(sent.values()), sent  # the zones and towns of the new day: in full
    _drawn(frame)
    # the context, drawn again at each step, keeps one SVG (its renderer) and its ten shapes
    shapes = frame.evaluate("""() => { const p = window.map.getPane('scmContextShapes');
      return [p.querySelectorAll('svg').length, p.querySelectorAll('svg path').length]; }""")
    assert shapes == [1, 10], shapes
    assert watched.errors == [], watched.errors[:5]


def test_a_frame_that_lost_its_data_asks_again_and_is_sent_everything(app_url, watched):
    page = watched.page
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    page.goto(app_url + "/?date=2017-01-15&start=2017-01-01&end=2017-01-31")
    frame = map_frame(page)
    wait_idle(page)
    before = _drawn(frame)
    frame.evaluate("() => { window.scmRefs.data = {}; }")  # as if the frame had been replaced
    page.locator('input[type="range"][aria-label="Events between — end"]').focus()
    page.keyboard.press("ArrowLeft")
    # the step refers to the zones, which the frame no longer holds: it asks, and the rerun that
    # follows sends them again, so the zones come back and the note goes
    # (wait until the frame holds data again: right after the key press the old layers are still
    # drawn and the address bar may already show the new end, before the frame has run the step)
    after = poll(page, lambda: (s := frame.evaluate(STATE_JS))["zones"] == before["zones"] and not s["note"]
                 and s["held"] and "end=2017-01-30" in page.evaluate("() => location.search") and s, timeout_s=60)
    assert after["events"] and after["held"]
    assert any("asked again" in m for m in warnings), warnings[-5:]
    assert watched.errors == [], watched.errors[:5]
