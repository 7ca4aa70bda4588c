"""AppTest smoke tests of the Trends, Control change and Rules pages (through app.py).

They run the whole app on the shipped data with an empty workspace store, switch to each
page, move its widgets and check what the page shows against the geo functions behind it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # streamlit is a dependency: no skip

ROOT = Path(__file__).resolve().parent.parent
# AppTest runs as on a running server (webapp.internals.steady_navigation_for_apptest).
pytestmark = pytest.mark.usefixtures("steady_navigation")


@pytest.fixture(autouse=True)
def _empty_store(shipped_store, monkeypatch):
    """The shared store path of the shipped data (tests/conftest.py): these tests only read."""
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _by_key(widgets, key):
    return next(w for w in widgets if w.key == key)


def test_trends_page_draws_and_reacts_to_its_widgets():
    at = _open("pages/trends.py")
    assert [t.value for t in at.title] == ["Trends"]
    table = at.dataframe[-1].value
    assert {"Milestone", "Governorate", "Events before", "Events after"} <= set(table.columns)
    assert "All Syria" in set(table["Governorate"])
    for by in ("party", "admin1_pcode", "held_by", "none"):
        _by_key(at.selectbox, "tr_by").set_value(by)
        _by_key(at.radio, "tr_freq").set_value("week")
        at.run()
        assert not at.exception, (by, [e.value for e in at.exception])
    _by_key(at.multiselect, "tr_milestones").set_value([])
    at.run()
    assert any("Choose at least one milestone" in i.value for i in at.info)


def test_control_change_page_lists_what_changed_between_the_two_dates():
    from geo import control as ctl
    from geo.catalog import Catalog

    at = _open("pages/control.py")
    assert [t.value for t in at.title] == ["Control change"]
    _by_key(at.date_input, "cc_from").set_value(date(2017, 2, 20))
    _by_key(at.date_input, "cc_to").set_value(date(2017, 2, 28))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cat = Catalog()
    expected = ctl.changes_between(cat.control(), cat.localities(), "2017-02-20", "2017-02-28")
    metric = next(m for m in at.metric if m.label == "Localities that changed hands")
    assert metric.value == f"{len(expected):,}"
    listed = at.dataframe[0].value
    assert sorted(listed["Locality id"]) == sorted(expected["locality_id"])
    # the page's own dates (cfrom/cto), never the event range (start/end) of the other pages
    assert at.query_params.get("cfrom") in ("2017-02-20", ["2017-02-20"])
    assert at.query_params.get("cto") in ("2017-02-28", ["2017-02-28"])
    assert "start" not in at.query_params and "end" not in at.query_params


def test_rules_page_shows_rules_and_a_searchable_actor_table():
    at = _open("pages/rules.py")
    rules = at.dataframe[0].value
    assert list(rules["class"]) == [
        "before_truce",
        "other_fighting",
        "one_sided",
        "other_fighting",
        "excluded_group",
        "truce_violation",
        "other_fighting",
    ]
    _by_key(at.text_input, "ru_search").set_value("Hawar Kilis")
    at.run()
    actors = at.dataframe[2].value
    assert list(actors["pattern"]) == ["Hawar Kilis Operations Room"]
    assert list(actors["party"]) == ["euphrates_shield"]


def test_trends_page_maps_districts_and_lists_the_ten_busiest(tmp_path):
    from geo.catalog import Catalog
    from geo.stats import counts_by
    from geo.view import filter_view
    from webapp.viewstate import ViewState

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update(page="trends", start="2017-01-01", end="2017-01-31")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Events per district" in [s.value for s in at.subheader]
    assert _by_key(at.radio, "w_trends_choro").value == "events"  # on by default, not in the link
    assert "w_trends_choro" not in at.query_params and "choro" not in at.query_params
    top = next(d.value for d in at.dataframe if list(d.value.columns) == ["district", "governorate", "events", "fatalities"])
    cat = Catalog(str(tmp_path / "store.gpkg"))
    events = filter_view(cat.events(), ViewState(start=date(2017, 1, 1), end=date(2017, 1, 31)))
    table = counts_by(events, "district", admin1=cat.boundaries(1), admin2=cat.boundaries(2))
    districts = table.loc[table["pcode"].isin(set(cat.boundaries(2)["pcode"]))]
    assert len(top) == 10 and list(top["events"]) == sorted(districts["events"], reverse=True)[:10]
    assert set(top["district"]) <= set(districts["district"])
    unplaced = len(events) - int(districts["events"].sum())
    assert any(f"{unplaced:,} of the {len(events):,} events have no district" in c.value for c in at.caption)
    _by_key(at.radio, "w_trends_choro").set_value("fatalities")
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_trends_choices_are_in_the_link_and_a_link_restores_them(tmp_path, monkeypatch):
    """Every visible choice of the Trends page goes in the link; opening the link shows the same choices."""
    from webapp.viewstate import TREND_CHOICES

    at = _open("pages/trends.py")
    for key in ("tr_by", ):  # every choice has its label (format_func would give None for a missing one)
        assert len(_by_key(at.selectbox, key).options) == len(TREND_CHOICES["tby"])
        assert "None" not in _by_key(at.selectbox, key).options
    assert "None" not in _by_key(at.radio, "tr_pair_order").options
    _by_key(at.radio, "tr_freq").set_value("week")
    _by_key(at.selectbox, "tr_by").set_value("party")
    _by_key(at.radio, "tr_metric").set_value("fatalities")
    _by_key(at.checkbox, "tr_same_scale").uncheck()
    _by_key(at.radio, "tr_pair_order").set_value("ordered")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    query = {k: at.query_params[k] for k in at.query_params}
    assert {k: query.get(k) for k in TREND_CHOICES} == {
        "tfreq": "week", "tby": "party", "tshow": "fatalities", "tscale": "own", "tpairs": "ordered"}
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in {**query, "page": "trends"}.items():
        fresh.query_params[k] = v
    fresh.run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert _by_key(fresh.radio, "tr_freq").value == "week"
    assert _by_key(fresh.selectbox, "tr_by").value == "party"
    assert _by_key(fresh.radio, "tr_metric").value == "fatalities"
    assert _by_key(fresh.checkbox, "tr_same_scale").value is False
    assert _by_key(fresh.radio, "tr_pair_order").value == "ordered"
