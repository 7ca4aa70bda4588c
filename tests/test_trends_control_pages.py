"""AppTest of the Trends page (readable charts, no "None", who fought whom) and of the Control
change page (its own dates, a legend on its map, labels in its tables), on the shipped data with an
empty workspace store.  The chart checks read the Vega-Lite spec Streamlit sends to the browser."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # streamlit is a dependency: no skip

from tests._data_helpers import component_args

ROOT = Path(__file__).resolve().parent.parent
# AppTest runs as on a running server (webapp.internals.steady_navigation_for_apptest).
pytestmark = pytest.mark.usefixtures("steady_navigation")


@pytest.fixture(autouse=True)
def _empty_store(shipped_store, monkeypatch):
    """The shared store path of the shipped data (tests/conftest.py): these tests only read."""
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)


def _open(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _specs(at) -> list[dict]:
    """The Vega-Lite spec of every chart on the page, in page order."""
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _spec(at, field: str) -> dict:
    """The one chart whose views encode ``field`` (e.g. "pair" for who fought whom)."""

    def fields(spec):
        return {
            enc.get("field")
            for v in _views(spec)
            for enc in v.get("encoding", {}).values()
            if isinstance(enc, dict)
        }

    found = [s for s in _specs(at) if field in fields(s)]
    assert len(found) == 1, (field, len(found))
    return found[0]


def _views(spec: dict):
    """Every unit and composite view of a spec (depth first)."""
    yield spec
    for k in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(k, []):
            yield from _views(child)


def _no_none(frame: pd.DataFrame) -> list[str]:
    """Cells and column names that would show as None / nan / NaT."""
    bad = [str(c) for c in frame.columns if str(c) in ("None", "nan", "NaT")]
    for col in frame.columns:
        values = frame[col]
        bad += [f"{col}: null" for _ in range(int(values.isna().sum()))]
        bad += [f"{col}: {v}" for v in values.astype(str) if v in ("None", "nan", "NaT", "<NA>")]
    return bad


def _by_key(widgets, key):
    return next(w for w in widgets if w.key == key)


def _check_trend_chart(spec: dict, metric: str) -> list[str]:
    """The small multiples: integer count axes, milestone names in their own band, no legend, no step heights."""
    assert "vconcat" in spec and spec["autosize"]["type"] == "fit-x"
    charts = spec["vconcat"]
    band, small = charts[0], charts[1:]
    texts = [v for v in _views(band) if isinstance(v.get("mark"), dict) and v["mark"].get("type") == "text"]
    assert texts, "the milestone names are in the band above the charts"
    for chart in small:  # ...and never in the charts of the data
        marks = [v["mark"]["type"] for v in _views(chart) if isinstance(v.get("mark"), dict)]
        assert "text" not in marks and "line" in marks
        ys = [v["encoding"]["y"] for v in _views(chart) if "y" in v.get("encoding", {})]
        assert ys and all(y["field"] == metric for y in ys)
        for y in ys:
            assert y["axis"]["tickMinStep"] == 1 and y["axis"]["format"] == "d"  # 0, 1, 2: never 0.1
        assert not any(
            "color" in v.get("encoding", {}) and "field" in v["encoding"]["color"] for v in _views(chart)
        )
    for view in _views(spec):
        assert not isinstance(view.get("height"), dict), (
            "a step height makes Vega-Lite drop fit-y with a warning"
        )
    return [c["title"]["text"] for c in small]


def test_trends_page_draws_small_multiples_with_integer_axes_and_no_none():
    from geo.vocabulary import TRUCE_CLASS

    at = _open("pages/trends.py")
    titles = _check_trend_chart(_spec(at, "period"), "events")
    assert titles == [t.label for t in TRUCE_CLASS.values()]  # one chart per class, the vocabulary's labels
    for d in at.dataframe:
        assert not _no_none(d.value), (d.key if hasattr(d, "key") else "", _no_none(d.value)[:5])
    for by, freq, metric in (
        ("admin1_pcode", "week", "fatalities"),
        ("party", "day", "events"),
        ("held_by", "week", "events"),
    ):
        _by_key(at.selectbox, "tr_by").set_value(by)
        _by_key(at.radio, "tr_freq").set_value(freq)
        _by_key(at.radio, "tr_metric").set_value(metric)
        at.run()
        assert not at.exception, (by, [e.value for e in at.exception])
        titles = _check_trend_chart(_spec(at, "period"), metric)
        assert "None" not in titles and len(titles) == len(set(titles)) > 1
        for d in at.dataframe:
            assert not _no_none(d.value), (by, _no_none(d.value)[:5])


def test_before_after_shows_a_change_only_where_both_windows_hold_ten_events():
    from geo.trends import MIN_EVENTS_FOR_CHANGE

    at = _open("pages/trends.py")
    table = next(d.value for d in at.dataframe if "Change of daily rate" in d.value.columns)
    assert not _no_none(table)
    change = table["Change of daily rate"]
    enough = (table["Events before"] >= MIN_EVENTS_FOR_CHANGE) & (
        table["Events after"] >= MIN_EVENTS_FOR_CHANGE
    )
    assert change[enough].str.fullmatch(r"[+-][\d,]+%").all()
    assert change[~enough].isin([f"n<{MIN_EVENTS_FOR_CHANGE}", "–"]).all()
    assert (change == f"n<{MIN_EVENTS_FOR_CHANGE}").any() and enough.any()
    assert any(
        f"at least {MIN_EVENTS_FOR_CHANGE} events" in c.value for c in at.caption
    )  # the threshold is said
    heat = _spec(at, "milestone")
    assert isinstance(heat["height"], int)


def test_who_fought_whom_follows_the_filters_and_adds_up_to_the_selection(tmp_path):
    from geo.catalog import Catalog
    from geo.view import classify_events, filter_view
    from webapp.viewstate import ViewState

    at = _open("pages/trends.py", start="2017-01-01", end="2017-01-31", party="hts")
    table = next(d.value for d in at.dataframe if "Pair" in d.value.columns)
    cat = Catalog(str(tmp_path / "store.gpkg"))
    chosen = filter_view(
        classify_events(cat.events(), cat),
        ViewState(start=date(2017, 1, 1), end=date(2017, 1, 31), parties=("hts",)),
    )
    assert table["Events"].sum() == len(chosen) > 0
    assert (table["In a week"] + table["Spans longer than a week"] == table["Events"]).all()
    assert table["Pair"].str.contains("HTS").all()  # the party filter: every pair involves HTS
    spec = _spec(at, "pair")
    tips = [t["field"] for v in _views(spec) for t in v.get("encoding", {}).get("tooltip", [])]
    assert "fatalities" in tips and "events" in tips
    assert isinstance(spec["height"], int)
    _by_key(at.radio, "tr_pair_order").set_value("ordered")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ordered = next(d.value for d in at.dataframe if "Pair" in d.value.columns)
    assert ordered["Events"].sum() == len(chosen) and ordered["Pair"].str.contains("→").all()


def _component_args(at) -> str:
    return "\n".join(component_args(at))


def test_control_change_keeps_its_own_dates_and_its_map_has_a_legend():
    at = _open("pages/control.py", start="2016-12-05", end="2017-03-10")
    _by_key(at.date_input, "cc_from").set_value(date(2017, 2, 20))
    _by_key(at.date_input, "cc_to").set_value(date(2017, 2, 28))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    vs = at.session_state["vs"]
    assert (vs.start, vs.end) == (date(2016, 12, 5), date(2017, 3, 10))  # the other pages' event range
    assert (vs.cfrom, vs.cto) == (date(2017, 2, 20), date(2017, 2, 28))
    assert at.query_params["start"] == "2016-12-05" and at.query_params["end"] == "2017-03-10"
    assert at.query_params["cfrom"] == "2017-02-20" and at.query_params["cto"] == "2017-02-28"
    script = _component_args(at)
    assert "scm-legend" in script and "holder on 2017-02-28" in script and "holder on 2017-02-20" in script
    listed = at.dataframe[0].value
    assert {"Locality", "Holder on 2017-02-20", "Holder on 2017-02-28", "Changed on"} <= set(listed.columns)
    assert (
        "from_party" not in listed.columns
        and not listed["Holder on 2017-02-28"].isin(["government", "opposition"]).any()
    )
    assert not any(re.search(r"([\d,]+)–\1 km²", c.value) for c in at.caption)  # "135,678–135,678 km²"
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="w_range").value == (date(2016, 12, 5), date(2017, 3, 10))


def test_control_change_dates_come_from_the_link():
    at = _open("pages/control.py", cfrom="2017-01-10", cto="2017-01-20")
    assert _by_key(at.date_input, "cc_from").value == date(2017, 1, 10)
    assert _by_key(at.date_input, "cc_to").value == date(2017, 1, 20)
    vs = at.session_state["vs"]
    assert (vs.start, vs.end) == (date(2016, 12, 1), date(2017, 3, 31))


def test_control_change_dates_are_validated_link_parameters_of_their_own():
    from webapp.viewstate import WINDOW_END, WINDOW_START, ViewState

    vs = ViewState.from_query("cfrom=2017-02-20&cto=2017-02-28")
    assert (vs.cfrom, vs.cto, vs.start, vs.end) == (
        date(2017, 2, 20),
        date(2017, 2, 28),
        WINDOW_START,
        WINDOW_END,
    )
    assert vs.to_query() == {"cfrom": "2017-02-20", "cto": "2017-02-28"}
    assert ViewState.from_query(vs.query_string()) == vs
    bad = ViewState.from_query("cfrom=2017-02-30&cto=2018-01-01")
    assert (bad.cfrom, bad.cto) == (WINDOW_START, WINDOW_END)
    assert len(bad.notices) == 2 and all("Control change" in n for n in bad.notices)


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/map.py"])
def test_every_download_is_made_when_clicked_not_stored_at_each_run(page):
    """Each download button is deferred (its data a callable, made when clicked): a button with its
    data in hand stores a file at every rerun, and a slow browser that renders the button of an
    older run checks a file the newer run has already dropped (a 404 "Download Button source error"
    seen with 25 sessions of bench/load.py)."""
    at = _open(page)
    buttons = at.get("download_button")
    assert buttons, "no download button on the page"
    stored = [b.proto.label for b in buttons if b.proto.url or not b.proto.deferred_file_id]
    assert stored == []
