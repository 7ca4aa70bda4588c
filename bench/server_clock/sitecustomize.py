"""Server-side clock of reruns, for ``bench/load.py`` only (never loaded by the app otherwise).

``bench/load.py`` starts the app server with this folder on ``PYTHONPATH`` and
``SCM_SERVER_CLOCK`` naming a file; Python then imports this module at start-up, and it wraps two
methods of Streamlit's ``AppSession`` (streamlit 1.67.0, pinned): a ``rerun_script`` request
arriving (``handle_backmsg``) and the ``script_finished`` message being queued for the browser
(``_enqueue_forward_msg``).  Each request gets one line, "<session id> <seconds> <its ordinal in the session>", from its arrival
to the end of the run that served it (a run cut short by a newer request: until the newer one
ends, as the browser-side figure counts it).  Without ``SCM_SERVER_CLOCK`` nothing is changed.
"""

from __future__ import annotations

import os
import threading
import time

_PATH = os.environ.get("SCM_SERVER_CLOCK")

if _PATH:
    from streamlit.runtime import app_session as _app_session

    _LOCK = threading.Lock()
    _PENDING: dict[str, list[float]] = {}
    _COUNT: dict[str, int] = {}
    _handle_backmsg = _app_session.AppSession.handle_backmsg
    _enqueue_forward_msg = _app_session.AppSession._enqueue_forward_msg

    def handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            with _LOCK:
                _PENDING.setdefault(self.id, []).append(time.monotonic())
                _COUNT[self.id] = _COUNT.get(self.id, 0) + 1
        return _handle_backmsg(self, msg)

    def enqueue_forward_msg(self, msg):
        _enqueue_forward_msg(self, msg)
        if msg.WhichOneof("type") == "script_finished":
            now = time.monotonic()
            with _LOCK:
                started = _PENDING.pop(self.id, [])
                count = _COUNT.get(self.id, 0)
            if started:
                first = count - len(started) + 1
                with open(_PATH, "a", encoding="utf-8") as fh:
                    fh.write("".join(f"{self.id} {now - t:.4f} {first + i}\n" for i, t in enumerate(started)))

    _app_session.AppSession.handle_backmsg = handle_backmsg
    _app_session.AppSession._enqueue_forward_msg = enqueue_forward_msg
