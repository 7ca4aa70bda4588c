"""Time tools of the Map page: step the control date, play the timeline, compare two dates.

The day arithmetic is plain Python (:func:`step`, :func:`play_next`, :func:`step_range`; every
day returned lies in the data window ``WINDOW_START`` .. ``WINDOW_END``); the widgets
(:func:`step_buttons`, :func:`play_controls`, :func:`compare_input`) are drawn by
``pages/map.py`` in its column of controls.

Play runs a timer (``st.fragment(run_every=...)``, only while playing): each tick moves the
control date one step (and, when asked, the event range to that step's days) through
:func:`webapp.session.push_widget`, then reruns the app; the map takes the new zones and events
in place like any slider move (``feature_group_to_add``: the map iframe is never reloaded).  A
tick never preempts a run under way (Streamlit queues it), so a slow run slows the animation
down but skips no frame.  Play stops at the window's last day, on Pause, or on any manual step.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from webapp import session
from webapp import viewstate as vsm

#: The step buttons under the control date: (label, days, widget key), in the order shown.
STEP_BUTTONS = (("−7 d", -7, "w_step_back7"), ("−1 d", -1, "w_step_back1"),
                ("+1 d", 1, "w_step_fwd1"), ("+7 d", 7, "w_step_fwd7"))
#: Play: how far one step of the animation moves the control date (label: days).
PLAY_STEPS = {"day": 1, "week": 7}
#: Play: seconds per step offered (the timer of the Map page's fragment).
PLAY_SPEEDS = (0.5, 1.0, 2.0)
DEFAULT_SPEED = 1.0


def clamp(day: date, lo: date | None = None, hi: date | None = None) -> date:
    """``day`` moved into ``[lo, hi]`` (default: the data window, ``viewstate.WINDOW_START`` .. ``WINDOW_END``)."""
    return min(max(day, lo or vsm.WINDOW_START), hi or vsm.WINDOW_END)


def step(day: date, days: int) -> date:
    """The control date ``days`` days after ``day`` (before, if negative), kept in the window.

    Parameters
    ----------
    day : date
        The current control date.
    days : int
        Days to move (negative: back).

    Returns
    -------
    date
        ``day + days``, clamped to ``WINDOW_START`` .. ``WINDOW_END``.
    """
    return clamp(day + timedelta(days=days))


def play_start(day: date) -> date:
    """Where play starts from: ``day``, or the window's first day when ``day`` is its last."""
    return vsm.WINDOW_START if day >= vsm.WINDOW_END else clamp(day)


def play_next(day: date, days: int) -> date | None:
    """The next frame of the animation, or None when ``day`` is the window's last (play stops).

    Parameters
    ----------
    day : date
        The frame shown.
    days : int
        Days per step (a value of :data:`PLAY_STEPS`), positive.

    Returns
    -------
    date or None
        ``day + days`` clamped to the window (so the last frame is the window's last day), or
        None when ``day`` already is the last day.
    """
    if day >= vsm.WINDOW_END:
        return None
    return step(day, max(1, int(days)))


def step_range(day: date, days: int) -> tuple[date, date]:
    """The event range of one play frame: the ``days`` days up to ``day``, both inclusive.

    Parameters
    ----------
    day : date
        The frame's control date (the range's last day).
    days : int
        The range's length in days (the play step).

    Returns
    -------
    tuple of date
        ``(first, last)``, the first day clamped to the window.
    """
    return clamp(day - timedelta(days=max(1, int(days)) - 1)), clamp(day)


# --- widgets (pages/map.py) -------------------------------------------------------------------
#: Session keys: playing or not (not a widget), and the play widgets.
K_PLAYING = "tc_playing"
K_PLAY_STEP = "w_play_step"
K_PLAY_SPEED = "w_play_speed"
K_PLAY_FOLLOW = "w_play_follow"
K_PLAY_BUTTON = "w_play"
#: Set by the page's own run right before it draws the timer: the timer's function, called
#: inline by that run, must not take a step (only the timer's own ticks do).
_K_INLINE = "tc_inline"


def _stop() -> None:
    st.session_state[K_PLAYING] = False


def _step_clicked(days: int) -> None:
    """Callback of a step button: move the control date (and stop playing)."""
    ss = st.session_state
    ss[session.K_DATE] = step(ss[session.K_DATE], days)
    _stop()


def step_buttons() -> None:
    """The −7, −1, +1, +7 day buttons under the control date (disabled at the window's ends)."""
    current = st.session_state[session.K_DATE]
    cols = st.columns(len(STEP_BUTTONS), gap="small")
    for col, (label, days, key) in zip(cols, STEP_BUTTONS, strict=True):
        blocked = current <= vsm.WINDOW_START if days < 0 else current >= vsm.WINDOW_END
        word = "back" if days < 0 else "forward"
        col.button(label, key=key, on_click=_step_clicked, args=(days,), disabled=blocked, width="stretch",
                   help=f"Control date {abs(days)} day{'s' if abs(days) > 1 else ''} {word}")


def _play_clicked() -> None:
    """Callback of Play / Pause.  Play from the last day starts again at the first."""
    ss = st.session_state
    if ss.get(K_PLAYING):
        _stop()
        return
    ss[K_PLAYING] = True
    first = play_start(ss[session.K_DATE])
    ss[session.K_DATE] = first
    if ss.get(K_PLAY_FOLLOW):
        ss[session.K_RANGE] = step_range(first, PLAY_STEPS[ss.get(K_PLAY_STEP, "day")])


def _tick() -> None:
    """One tick of the play timer: the next frame, then a run of the whole app."""
    ss = st.session_state
    if ss.pop(_K_INLINE, False) or not ss.get(K_PLAYING):
        return  # drawn by the page's own run: the next tick moves
    days = PLAY_STEPS.get(ss.get(K_PLAY_STEP), 1)
    nxt = play_next(ss[session.K_DATE], days)
    if nxt is None:
        _stop()
    else:
        session.push_widget(session.K_DATE, nxt)
        if ss.get(K_PLAY_FOLLOW):
            session.push_widget(session.K_RANGE, step_range(nxt, days))
        if nxt >= vsm.WINDOW_END:
            _stop()  # the last frame is shown; Play starts again from the first day
    st.rerun()  # the whole app: map, notes, sidebar figures and URL follow the frame


def play_controls() -> None:
    """Play / Pause, step (day or week), speed (seconds per step) and "events of each step".

    While playing, a timer fragment (``run_every`` = the speed) moves the frames.
    """
    ss = st.session_state
    ss.setdefault(K_PLAY_STEP, "day")
    ss.setdefault(K_PLAY_SPEED, DEFAULT_SPEED)
    ss.setdefault(K_PLAY_FOLLOW, False)
    if ss.get("page_prev") != ss["vs"].page:
        _stop()  # back from another page: play does not resume by itself
    playing = bool(ss.get(K_PLAYING))
    c1, c2, c3 = st.columns([4, 3, 3], gap="small", vertical_alignment="bottom")
    c1.button("⏸ Pause" if playing else "▶ Play", key=K_PLAY_BUTTON, on_click=_play_clicked, width="stretch",
              type="primary" if playing else "secondary",
              help="Animate zones and events through the window, one step at a time, without reloading the map.")
    c2.selectbox("Step", options=list(PLAY_STEPS), key=K_PLAY_STEP, format_func=lambda v: f"{v}s",
                 label_visibility="collapsed", on_change=_stop, help="Each step of play moves a day or a week.")
    c3.selectbox("Speed", options=list(PLAY_SPEEDS), key=K_PLAY_SPEED, format_func=lambda v: f"{v:g} s",
                 label_visibility="collapsed", help="Seconds per step (at least the time the map takes to redraw).")
    st.checkbox("Events of each step only", key=K_PLAY_FOLLOW,
                help="While playing, the event range follows the control date: the day (or the week) up to it.")
    if playing:
        ss[_K_INLINE] = True
        st.fragment(_tick, run_every=float(ss[K_PLAY_SPEED]))()


# --- compare two dates -------------------------------------------------------------------------
K_CMP_CLEAR = "w_cmp_clear"


def _clear_compare() -> None:
    st.session_state[session.K_CMP] = None


def compare_input() -> None:
    """"Compare with": a second date (``cmp=`` in the link); empty means no comparison."""
    session.restore_widget(session.K_CMP, st.session_state["vs"].cmp)
    c1, c2 = st.columns([4, 1], gap="small", vertical_alignment="bottom")
    c1.date_input(
        "Compare with",
        min_value=vsm.WINDOW_START,
        max_value=vsm.WINDOW_END,
        format="YYYY-MM-DD",
        key=session.K_CMP,
        help="A second date: the map is shown for both dates side by side, the areas that changed hands "
        "between them outlined on both.",
    )
    c2.button("✕", key=K_CMP_CLEAR, on_click=_clear_compare, disabled=st.session_state.get(session.K_CMP) is None,
              help="Stop comparing", width="stretch")
