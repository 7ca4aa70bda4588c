"""Every page of the app under Streamlit's AppTest: widgets by key, metrics, no exception."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

# AppTest runs as on a running server (webapp.internals.steady_navigation_for_apptest): reruns
# and button clicks go through app.py.
pytestmark = pytest.mark.usefixtures("steady_navigation")

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/map.py", "pages/trends.py", "pages/control.py", "pages/sources.py", "pages/data.py",
         "pages/rules.py"]


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _events(app) -> int:
    return int(_metrics(app)["Events"].replace(",", ""))


def _drawn(app) -> int:
    """Number of violation points the map page says it drew."""
    import re

    text = " ".join(c.value for c in app.caption)
    return int(re.search(r"Violation points \S+ to \S+: (\d+) drawn", text).group(1))


# The steady_navigation fixture keeps AppTest out of Streamlit's legacy pages/ mode, so reruns
# go through app.py like in a browser session: sidebar, navigation and URL writes included.


def test_reruns_go_through_the_app_shell(at):
    at.run()
    at.slider(key="w_range").set_value((date(2017, 1, 1), date(2017, 1, 31))).run()
    assert {"Events", "Fatalities", "Towns affected"} <= set(_metrics(at))
    assert at.query_params["start"] == "2017-01-01"


def test_map_page_is_default_with_sliders_and_key_figures(at):
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    figures = _metrics(at)
    assert {"Events", "Fatalities", "Towns affected"} <= set(figures)
    assert _events(at) > 0
    assert at.slider(key="w_date").value == date(2016, 12, 30)
    assert at.slider(key="w_range").value == (date(2016, 12, 1), date(2017, 3, 31))
    drawn = _drawn(at)
    assert drawn > 0

    # Narrow the event range by key: fewer points drawn, and the URL follows.
    at.slider(key="w_range").set_value((date(2017, 1, 1), date(2017, 1, 31))).run()
    assert not at.exception
    assert _drawn(at) < drawn
    assert at.query_params["start"] == "2017-01-01" and at.query_params["end"] == "2017-01-31"

    # The control date slider moves by day and lands in the URL and the map caption.
    at.slider(key="w_date").set_value(date(2017, 2, 24)).run()
    assert not at.exception
    assert at.query_params["date"] == "2017-02-24"
    assert any("Control zones on 2017-02-24" in c.value for c in at.caption)


def _fresh(store: Path, monkeypatch, **params) -> AppTest:
    """A first run of the app on the workspace store ``store`` with the link's ``params``."""
    monkeypatch.setenv("MONITOR_STORE", str(store))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_key_figures_follow_range_and_filters(shipped_store, monkeypatch):
    total = _events(_fresh(shipped_store, monkeypatch))
    january = _fresh(shipped_store, monkeypatch, start="2017-01-01", end="2017-01-31")
    assert 0 < _events(january) < total
    aleppo = _fresh(shipped_store, monkeypatch, gov="SY02")
    assert 0 < _events(aleppo) < total
    assert aleppo.multiselect(key="w_gov").value == ["SY02"]


def test_sidebar_filter_by_key_goes_to_the_url(at):
    at.run()
    at.multiselect(key="w_gov").set_value(["SY02"]).run()
    assert not at.exception
    assert at.query_params["gov"] == "SY02"


def test_milestone_selection_sets_the_control_date(at):
    at.run()
    box = at.selectbox(key="w_milestone")
    astana = [o for o in box.options if "Astana I talks" in o]
    assert astana, box.options
    box.set_value(astana[0]).run()
    assert not at.exception
    assert at.slider(key="w_date").value == date(2017, 1, 23)
    assert at.query_params["date"] == "2017-01-23"


def test_layer_toggles_are_in_the_url(at):
    at.run()
    at.checkbox(key="w_layer_events").uncheck().run()
    assert not at.exception
    assert "events" not in at.query_params["layers"].split(",")
    assert not any(re.search(r"Violation points \S+ to \S+:", c.value) for c in at.caption)  # not drawn


def test_url_state_is_read_at_start(shipped_store, monkeypatch):
    app = _fresh(shipped_store, monkeypatch, date="2017-01-23", start="2017-01-20", end="bogus", layers="zones,events")
    assert app.slider(key="w_date").value == date(2017, 1, 23)
    assert app.slider(key="w_range").value == (date(2017, 1, 20), date(2017, 3, 31))
    assert app.checkbox(key="w_layer_towns").value is False
    assert any("end" in w.value for w in app.warning)  # the refused parameter is reported


@pytest.mark.parametrize("name", ["map", "trends", "control", "sources", "data", "rules"])
def test_every_page_opens_from_a_link_with_the_sidebar(shipped_store, monkeypatch, name):
    app = _fresh(shipped_store, monkeypatch, page=name)
    assert {"Events", "Fatalities", "Towns affected"} <= set(_metrics(app))
    assert app.query_params.get("page", "map") == name


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_after_a_switch(at, page):
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]


def test_page_switch_keeps_the_state(at):
    at.run()
    at.slider(key="w_date").set_value(date(2017, 3, 15)).run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    assert at.query_params["date"] == "2017-03-15"
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert at.slider(key="w_date").value == date(2017, 3, 15)
    assert at.query_params["date"] == "2017-03-15"


def test_data_page_lists_datasets(shipped_store, monkeypatch):
    app = _fresh(shipped_store, monkeypatch, page="data")
    df = app.dataframe[0].value
    assert {"dataset", "rows", "source", "licence"} <= set(df.columns)
    assert (df["rows"] > 0).any()
    assert any("Import" in b.label for b in app.button)


BAD = ROOT / "tests" / "bad_inputs"


def _import(app, fmt: str, name: str, content: bytes):
    app.selectbox(key="w_import_fmt").set_value(fmt)
    app.file_uploader(key="w_import_file").set_value((name, content, "text/csv"))
    next(b for b in app.button if b.label == "Import").click()
    return app.run()


def test_data_page_upload_refused_shows_every_problem_as_a_table(tmp_path, monkeypatch):
    app = _fresh(tmp_path / "store.gpkg", monkeypatch, page="data")
    store = tmp_path / "store.gpkg"
    app = _import(app, "ucdp", "latitude_out_of_range.csv", (BAD / "latitude_out_of_range.csv").read_bytes())
    assert not app.exception
    assert any("Nothing was written" in e.value for e in app.error)
    problems = app.dataframe[-1].value
    assert list(problems.columns) == ["row", "column", "reason"]
    row = problems.iloc[0]
    assert row["row"] == "2" and row["column"] == "latitude" and "out of range" in row["reason"]
    assert not store.exists()  # all or nothing


def test_data_page_upload_accepted_adds_events(tmp_path, monkeypatch):
    app = _fresh(tmp_path / "store.gpkg", monkeypatch, page="data")
    lines = (BAD / "latitude_out_of_range.csv").read_text(encoding="utf-8").splitlines()
    good = ("\n".join(lines[:2]) + "\n").encode()
    app = _import(app, "ucdp", "one_event.csv", good)
    assert not app.exception
    assert any("added 1" in s.value for s in app.success), [s.value for s in app.success] + [e.value for e in app.error]
    assert (tmp_path / "store.gpkg").exists()


@pytest.mark.parametrize(
    "params",
    [{"layers": "none"}, {"class": "one_sided", "gov": "SY14"}, {"start": "2017-03-31", "end": "2017-03-31", "date": "2016-12-01"}],
    ids=["no-layers", "empty-selection", "last-day"],
)
def test_map_page_edge_views(shipped_store, monkeypatch, params):
    app = _fresh(shipped_store, monkeypatch, **params)
    assert not app.exception
    if params.get("layers") == "none":
        assert all(not app.checkbox(key=f"w_layer_{n}").value for n in ("zones", "towns", "events", "boundaries"))
        assert any("hidden" in c.value for c in app.caption)
    elif "class" in params:  # no one-sided violence in Quneitra (SY14) in the shipped data
        assert _events(app) == 0 and _drawn(app) == 0
    else:  # the events whose whole span is the last day, counted here from the shipped data
        assert _events(app) == _shipped_events_on(shipped_store, "2017-03-31") > 0


def _shipped_events_on(empty_store: Path, day: str) -> int:
    """Shipped events (incidents) dated exactly ``day`` (start and end), read with an empty store."""
    import pandas as pd

    from geo.catalog import Catalog

    events = Catalog(empty_store).events()
    first = pd.to_datetime(events["date_start"]).dt.normalize()
    last = pd.to_datetime(events["date_end"]).dt.normalize().fillna(first)
    return int(((first == pd.Timestamp(day)) & (last == pd.Timestamp(day))).sum())


def test_refused_link_text_is_shown_inert(shipped_store, monkeypatch):
    app = _fresh(shipped_store, monkeypatch, end="[x](javascript:alert(1))<img src=x>")
    shown = " ".join(w.value for w in app.warning)
    assert "end" in shown
    assert "](javascript" not in shown and "<img" not in shown  # no markdown link, no markup


def test_md_text_keeps_markdown_and_html_inert():
    from webapp import session

    out = session.md_text("[x](javascript:1) <b>*bold*</b> ${a} `c`")
    assert "](" not in out and "<b>" not in out and "*bold*" not in out and "${" not in out


# --- map centre and zoom written by the browser (pan / zoom; no rerun of their own) ---------------
def test_panned_view_in_the_url_is_adopted_at_the_next_run_and_the_widgets_still_win(at):
    at.run()
    assert "lat" not in at.query_params  # the default view is left out of the link
    # What the map's script does in the browser: the address bar gets the panned view, and
    # Streamlit sends that query string with the next run (here: a slider move).
    at.query_params.update({"lat": "36.2", "lon": "37.15", "z": "9", "date": "2016-12-30"})
    at.slider(key="w_date").set_value(date(2017, 2, 6)).run()
    assert not at.exception
    assert at.session_state["vs"].lat == 36.2 and at.session_state["vs"].lon == 37.15
    assert at.session_state["vs"].zoom == 9
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["z"]) == ("36.2", "37.15", "9")
    assert at.query_params["date"] == "2017-02-06"  # the slider, not the stale date in the query
    # the share panel's link carries the adopted view
    box = next(e.proto.srcdoc for e in at.get("iframe") if "scm-link" in e.proto.srcdoc)  # webapp/share.py
    assert "lat=36.2&amp;lon=37.15&amp;z=9" in box
    # a page switch (Streamlit drops the query) keeps it, and so does the way back
    at.switch_page("pages/trends.py").run()
    assert (at.query_params["lat"], at.query_params["z"]) == ("36.2", "9")
    at.switch_page("pages/map.py").run()
    assert at.session_state["vs"].zoom == 9 and at.query_params["lon"] == "37.15"


def test_view_set_by_the_app_wins_over_the_url_of_the_previous_run(at):
    """Focusing on a town moves the view on the server; the unchanged URL must not undo it."""
    at.run()
    at.selectbox(key="share_town").select_index(1).run()
    assert not at.exception
    vs = at.session_state["vs"]
    town = vs.town
    assert town and vs.zoom == 10
    assert at.query_params["z"] == "10" and at.query_params["town"] == town
    at.slider(key="w_date").set_value(date(2017, 1, 23)).run()  # the same URL comes back: no change
    assert at.session_state["vs"].zoom == 10 and at.session_state["vs"].town == town


def test_bad_map_view_in_a_later_query_is_ignored_quietly(at):
    at.run()
    at.query_params.update({"lat": "99", "z": "9"})
    at.slider(key="w_date").set_value(date(2017, 1, 5)).run()
    assert not at.exception
    vs = at.session_state["vs"]
    assert (vs.lat, vs.zoom) == (35.0, 7)  # refused as a whole, the view stays
    assert "lat" not in at.query_params


def test_a_notice_names_the_parameter_once(shipped_store, monkeypatch):
    app = _fresh(shipped_store, monkeypatch, z=["9", "10"])
    import html

    shown = [html.unescape(w.value).replace("\\", "") for w in app.warning]  # as rendered
    assert any("Link parameter 'z' was given 2 times" in s for s in shown), shown
    assert not any(s.count("Link parameter") > 1 or "ignored: Link" in s for s in shown), shown


def test_cited_towns_follow_the_event_range(shipped_store):
    """Towns are sized by the sources citing them in the selected range (issue 4)."""
    from webapp import session

    store = str(shipped_store)
    whole = session.load_towns(store, 0.0, "2017-02-24", "2016-12-01", "2017-03-31")
    march = session.load_towns(store, 0.0, "2017-02-24", "2017-03-01", "2017-03-31")
    assert 0 < len(march) < len(whole)
    aleppo_whole = int(whole.loc[whole["name_en"] == "Aleppo", "n_sources"].iloc[0])
    aleppo_march = march.loc[march["name_en"] == "Aleppo", "n_sources"]
    assert aleppo_march.empty or int(aleppo_march.iloc[0]) < aleppo_whole


def test_a_link_naming_a_town_outside_the_gazetteer_says_so_and_selects_none(at):
    at.query_params["town"] = "gn:1"  # well formed, but no such locality
    at.run()
    assert not at.exception
    assert any("is not in the gazetteer; no town selected" in w.value for w in at.warning)
    assert at.session_state["vs"].town == ""


def test_a_link_naming_an_unknown_town_says_so_and_drops_it(shipped_store, monkeypatch):
    """The page checks ``town=`` against the gazetteer of the loaded data (security audit, finding
    17: an unknown town was kept silently in the view and in every link made from it)."""
    app = _fresh(shipped_store, monkeypatch, town="gn:999999999999")
    assert app.session_state["vs"].town == ""
    assert any("999999999999" in w.value and "not in the gazetteer" in w.value for w in app.warning), app.warning
    assert "town" not in app.query_params
