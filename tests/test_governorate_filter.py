"""Picking a governorate in the sidebar fits the map to it and filters the cited towns (UX audit defect 24)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("steady_navigation")
ROOT = Path(__file__).resolve().parents[1]


def _towns(app) -> int:
    text = " ".join(c.value for c in app.caption)
    return int(re.search(r"Cited towns: (\d+)", text).group(1))


def test_governorate_filter_fits_the_map_and_filters_the_towns(shipped_store, monkeypatch):
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    everywhere = _towns(at)
    at.multiselect(key="w_gov").set_value(["SY07"]).run()  # Idlib
    assert not at.exception, [e.message for e in at.exception]
    vs = at.session_state["vs"]
    assert 35.3 < vs.lat < 36.4 and 36.0 < vs.lon < 37.2 and vs.zoom >= 8
    assert at.query_params["z"] == str(vs.zoom)
    assert 0 < _towns(at) < everywhere
    at.multiselect(key="w_gov").set_value([]).run()  # none: the whole country again
    vs = at.session_state["vs"]
    assert (vs.lat, vs.lon, vs.zoom) == (35.0, 38.5, 7) and _towns(at) == everywhere
