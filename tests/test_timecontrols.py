"""Time tools of the Map page: step buttons, play, compare two dates (issue 10, "Time").

The day arithmetic is tested as plain functions; the widgets under AppTest (the app as a whole,
through app.py).  The browser parts (arrow keys never lose a press, play animates the map without
reloading it, the map fills the window) are in tests/browser/test_time_browser.py.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from webapp import timecontrols as tc
from webapp import viewstate as vsm
from webapp.viewstate import ViewState

ROOT = Path(__file__).resolve().parents[1]
FIRST, LAST = vsm.WINDOW_START, vsm.WINDOW_END


# --- day arithmetic --------------------------------------------------------------------------------
def test_step_moves_by_days_and_stays_in_the_window():
    assert tc.step(date(2017, 1, 10), 1) == date(2017, 1, 11)
    assert tc.step(date(2017, 1, 10), -7) == date(2017, 1, 3)
    assert tc.step(date(2017, 1, 31), 1) == date(2017, 2, 1)
    assert tc.step(date(2016, 12, 3), -7) == FIRST
    assert tc.step(date(2017, 3, 28), 7) == LAST
    assert tc.step(LAST, 1) == LAST and tc.step(FIRST, -1) == FIRST


def test_play_runs_through_the_window_and_stops_at_its_end():
    assert tc.play_start(LAST) == FIRST  # Play from the last day starts again
    assert tc.play_start(date(2017, 2, 1)) == date(2017, 2, 1)
    frames, day = [], tc.play_start(date(2017, 3, 10))
    while day is not None:
        frames.append(day)
        day = tc.play_next(day, tc.PLAY_STEPS["week"])
    assert frames == [date(2017, 3, 10), date(2017, 3, 17), date(2017, 3, 24), date(2017, 3, 31)]
    assert tc.play_next(LAST, 1) is None
    # by day, every day of the window is a frame, once
    frames, day = [], FIRST
    while day is not None:
        frames.append(day)
        day = tc.play_next(day, tc.PLAY_STEPS["day"])
    assert len(frames) == len(set(frames)) == (LAST - FIRST).days + 1


def test_step_range_is_the_step_up_to_the_day():
    assert tc.step_range(date(2017, 1, 10), 1) == (date(2017, 1, 10), date(2017, 1, 10))
    assert tc.step_range(date(2017, 1, 10), 7) == (date(2017, 1, 4), date(2017, 1, 10))
    assert tc.step_range(date(2016, 12, 3), 7) == (FIRST, date(2016, 12, 3))


# --- the compare date in the link -------------------------------------------------------------------
def test_cmp_link_parameter_round_trips_and_is_validated():
    state = ViewState.from_query("date=2017-01-05&cmp=2017-03-01")
    assert state.cmp == date(2017, 3, 1) and not state.notices
    assert state.to_query()["cmp"] == "2017-03-01"
    assert ViewState.from_query(state.to_query()) == state
    assert "cmp" not in ViewState().to_query()  # no comparison: not in the link
    for bad in ("2018-01-01", "2017-02-30", "01/03/2017", "x"):
        refused = ViewState.from_query({"cmp": bad})
        assert refused.cmp is None
        assert any("compare date" in n for n in refused.notices), (bad, refused.notices)


# --- the widgets (AppTest, through app.py) ----------------------------------------------------------
@pytest.fixture
def at(at, steady_navigation):
    """The shared AppTest (tests/conftest.py), runs steadied for clicks."""
    return at


def _captions(app) -> str:
    return " ".join(c.value for c in app.caption)


def test_step_buttons_move_the_control_date_and_the_link(at):
    at.query_params["date"] = "2017-01-10"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    for key, expected in (("w_step_fwd7", date(2017, 1, 17)), ("w_step_fwd1", date(2017, 1, 18)),
                          ("w_step_back1", date(2017, 1, 17)), ("w_step_back7", date(2017, 1, 10))):
        at.button(key=key).click().run()
        assert not at.exception, [e.message for e in at.exception]
        assert at.slider(key="w_date").value == expected, key
        assert at.query_params["date"] == expected.isoformat()
        assert f"Control zones on {expected.isoformat()}" in _captions(at)


def test_step_buttons_stop_at_the_window_ends(at):
    at.query_params["date"] = "2017-03-29"
    at.run()
    at.button(key="w_step_fwd7").click().run()
    assert at.slider(key="w_date").value == LAST
    assert at.button(key="w_step_fwd1").disabled and at.button(key="w_step_fwd7").disabled
    assert not at.button(key="w_step_back1").disabled
    at.slider(key="w_date").set_value(date(2016, 12, 4)).run()
    at.button(key="w_step_back7").click().run()
    assert at.slider(key="w_date").value == FIRST
    assert at.button(key="w_step_back1").disabled and at.button(key="w_step_back7").disabled


def test_play_button_starts_and_pauses(at):
    at.query_params["date"] = "2017-03-31"
    at.run()
    assert at.button(key="w_play").label.endswith("Play")
    at.button(key="w_play").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[tc.K_PLAYING] is True
    assert at.button(key="w_play").label.endswith("Pause")
    assert at.slider(key="w_date").value == FIRST  # from the last day, play starts again at the first
    at.button(key="w_play").click().run()
    assert at.session_state[tc.K_PLAYING] is False
    assert at.button(key="w_play").label.endswith("Play")


def test_a_manual_step_stops_play(at):
    at.run()
    at.button(key="w_play").click().run()
    at.button(key="w_step_fwd1").click().run()
    assert at.session_state[tc.K_PLAYING] is False


def test_compare_date_shows_the_changes_and_goes_in_the_link(at):
    at.query_params["date"] = "2016-12-01"
    at.run()
    assert "Compared with" not in _captions(at)
    at.date_input(key="w_cmp").set_value(date(2017, 3, 31)).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["cmp"] == "2017-03-31"
    text = _captions(at)
    assert "Compared with 2017-03-31: zones" in text
    changed = int(re.search(r"Compared with 2017-03-31: (\d+) area\(s\) changed hands", text).group(1))
    assert changed > 0  # East Aleppo, Al-Bab, Palmyra ... changed hands in the window
    at.button(key="w_cmp_clear").click().run()
    assert "cmp" not in at.query_params
    assert "Compared with" not in _captions(at)


def test_a_link_with_cmp_opens_the_comparison(at):
    at.query_params["date"] = "2017-01-10"
    at.query_params["cmp"] = "2017-01-10"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.date_input(key="w_cmp").value == date(2017, 1, 10)
    assert "Compared with 2017-01-10: 0 area(s) changed hands" in _captions(at)  # same day: nothing changed
