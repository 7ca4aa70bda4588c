"""The window follows the data: sliders, links and zones (geo/window.py, webapp.viewstate.use_window)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geo.catalog import Catalog
from geo.importers import import_file
from geo.window import SHIPPED_WINDOW, control_coverage, data_window
from tests._data_helpers import ucdp_row, write_ucdp
from webapp import viewstate as vsm


@pytest.fixture
def shipped_window_after():
    """Leave the process's data window as it was (the shipped one) after the test."""
    yield
    vsm.use_window(*SHIPPED_WINDOW)


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"date_start": pd.to_datetime([r[0] for r in rows]),
                         "date_end": pd.to_datetime([r[1] for r in rows]),
                         "date_precision": [r[2] for r in rows]})


def test_the_shipped_data_gives_the_shipped_window():
    cat = Catalog(Path("/nonexistent/store.gpkg"))
    assert data_window(cat.events()) == SHIPPED_WINDOW


def test_events_of_other_years_widen_the_window_but_year_long_dates_do_not():
    ev = _events([("2016-01-03", "2016-01-03", "day"), ("2019-11-30", "2019-12-02", "day"),
                  ("2015-01-01", "2015-12-31", "year")])
    assert data_window(ev, today=date(2026, 1, 1)) == (date(2016, 1, 3), date(2019, 11, 30))
    assert data_window(ev, today=date(2018, 6, 1)) == (date(2016, 1, 3), date(2018, 6, 1))  # never past today
    assert data_window(_events([("1970-01-01", "1970-01-01", "day")]))[0] == date(2011, 3, 1)


def test_control_coverage_spans_the_records_not_the_open_ends():
    shipped = Catalog(Path("/nonexistent/store.gpkg")).control()
    lo, hi = control_coverage(shipped)
    assert lo <= SHIPPED_WINDOW[0] and hi >= SHIPPED_WINDOW[1]
    assert hi < date(2018, 1, 1)  # an open valid_to does not carry a holder into later years
    later = pd.DataFrame({"valid_from": ["2018-02-01"], "valid_to": ["2018-05-01"]})
    assert control_coverage(pd.concat([shipped, later]))[1] == date(2018, 4, 30)


def test_links_hold_dates_of_the_data_window_and_write_a_wider_range_out(shipped_window_after):
    refused = vsm.ViewState.from_query({"date": "2018-06-01"})
    assert refused.date == vsm.DEFAULT_CONTROL_DATE and refused.notices
    vs0 = vsm.ViewState()
    assert "start" not in vs0.to_query()  # the shipped default stays out of links
    vsm.use_window(date(2016, 1, 1), date(2019, 11, 30))
    vs = vsm.ViewState.from_query({"date": "2018-06-01", "end": "2019-01-31"})
    assert not vs.notices and vs.date == date(2018, 6, 1) and vs.start == date(2016, 1, 1)
    q = vs.to_query()
    assert q["start"] == "2016-01-01" and q["end"] == "2019-01-31"  # the link means the same anywhere
    assert vsm.ViewState.from_query(q) == vs
    with pytest.raises(ValueError):
        vsm.use_window(date(2017, 1, 1), date(2019, 1, 1))  # must hold the shipped window


def _store_with_2018_events(tmp_path: Path) -> Path:
    store = tmp_path / "store.gpkg"
    rows = [ucdp_row(910000001, 36.20, 37.15, date="2018-06-10"), ucdp_row(910000002, 35.93, 36.63, date="2018-07-02")]
    report = import_file("ucdp", write_ucdp(tmp_path / "ged.csv", rows), store)
    assert report.added == 2
    return store


def test_map_page_spans_imported_years_and_says_when_no_control_data_covers_the_day(tmp_path, app_for,
                                                                                   shipped_window_after):
    at = app_for(_store_with_2018_events(tmp_path), timeout=90)
    at.query_params["date"] = "2018-06-20"
    at.run()
    assert not at.exception
    assert not [w.value for w in at.warning if "outside the data window" in w.value]
    rng = at.slider(key="w_range")
    assert pd.Timestamp(rng.max, unit="us").date() == date(2018, 7, 2)  # the slider's end: the last event
    assert rng.value == (date(2016, 12, 1), date(2018, 7, 2))
    notes = " ".join(c.value for c in at.caption)
    assert "No control data for 2018-06-20" in notes
    assert "Control zones on 2018-06-20" not in notes
