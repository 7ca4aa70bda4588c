"""Issue 10, "Events": the event list synced with the map, the fatality and actor filters, source
links, and "Towns affected" counting localities only.

Pure functions on small explicit frames (hypothesis for the filter), the layer's HTML, the CLI
flags (subprocess), and the Map page under AppTest.  The click on a row (selection -> map moves,
popup opens) needs a browser: tests/browser/test_event_list_browser.py.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from _data_helpers import run_cli, ucdp_row, write_ucdp
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.view import filter_events, filter_view, safe_link, towns_affected, with_source_urls
from layers.events import POPUP_LABELS, events_layer, popup_fields
from webapp import viewstate as vsm
from webapp.eventlist import K_EVENT_PAGE, LIST_LIMIT
from webapp.viewstate import ViewState

ROOT = Path(__file__).resolve().parents[1]


def _events(fatalities, actors1, actors2=None, precisions=None, places=None, ids=None) -> gpd.GeoDataFrame:
    n = len(fatalities)
    return gpd.GeoDataFrame(
        {
            "event_id": ids or [f"t:{i}" for i in range(n)],
            "date_start": pd.to_datetime(["2017-01-10"] * n),
            "date_end": pd.to_datetime(["2017-01-10"] * n),
            "fatalities": pd.array(fatalities, dtype="Int64"),
            "actor1": actors1,
            "actor2": actors2 or [""] * n,
            "geo_precision": precisions or ["exact"] * n,
            "place": places or [f"place {i}" for i in range(n)],
            "admin1_pcode": ["SY07"] * n,
        },
        geometry=gpd.points_from_xy([36.6] * n, [35.9] * n),
        crs="EPSG:4326",
    )


# --- the one filter: minimum fatalities and actor text -------------------------------------------
FATALITIES = st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=0, max_size=25)
NAME = st.text(alphabet="aAbBsStT IiLl-().*", max_size=12)


@settings(deadline=None)
@given(FATALITIES, st.integers(0, 600), st.integers(0, 600))
def test_minimum_fatalities_is_a_monotone_subset(fat, a, b):
    ev = _events(fat, ["x"] * len(fat))
    lo, hi = sorted((a, b))
    at_lo, at_hi = filter_events(ev, min_fatalities=lo), filter_events(ev, min_fatalities=hi)
    assert set(at_hi["event_id"]) <= set(at_lo["event_id"]) <= set(ev["event_id"])
    expected = {f"t:{i}" for i, f in enumerate(fat) if (lo == 0 or (f is not None and f >= lo))}
    assert set(at_lo["event_id"]) == expected  # no figure reported: kept only without a minimum
    assert len(filter_events(ev, min_fatalities=0)) == len(ev)


@settings(deadline=None)
@given(st.lists(st.tuples(NAME, NAME), min_size=0, max_size=20), NAME)
def test_actor_text_matches_either_side_case_insensitively_as_literal_text(pairs, needle):
    ev = _events([1] * len(pairs), [a for a, _ in pairs], [b for _, b in pairs])
    got = set(filter_events(ev, actor=needle)["event_id"])
    wanted = needle.strip().casefold()
    expected = {f"t:{i}" for i, (a, b) in enumerate(pairs) if not wanted or wanted in a.casefold() or wanted in b.casefold()}
    assert got == expected
    assert got == set(filter_events(ev, actor=needle.swapcase())["event_id"])  # case never matters
    assert got <= set(ev["event_id"])


def test_actor_and_fatalities_combine_with_the_other_filters_and_the_view():
    ev = _events([5, 50, None, 80], ["Islamic State", "Syrian government forces", "ISLAMIC STATE", "Rebel groups"],
                 ["Rebel groups", "Islamic State", "", "Syrian government forces"])
    assert filter_events(ev, actor="islamic state")["event_id"].tolist() == ["t:0", "t:1", "t:2"]
    assert filter_events(ev, actor="  islamic state ", min_fatalities=10)["event_id"].tolist() == ["t:1"]
    assert filter_events(ev, actor="government", govs=["SY02"]).empty
    state = ViewState(fmin=10, actor="rebel")
    assert filter_view(ev, state)["event_id"].tolist() == ["t:3"]
    assert filter_events(ev, actor="(").empty and filter_events(ev, actor=".*").empty  # literal, not a pattern


# --- the link: fmin, actor, ev ---------------------------------------------------------------------
def test_link_carries_the_new_filters_and_the_selected_event():
    from webapp.eventlist import SORTS

    assert tuple(SORTS) == vsm.EVENT_ORDERS
    vs = ViewState(fmin=25, actor="Islamic  State", ev="curated:012", order="fatalities")
    assert vs.actor == "Islamic State"
    query = vs.to_query()
    assert query == {"fmin": "25", "actor": "Islamic State", "ev": "curated:012", "order": "fatalities"}
    back = ViewState.from_query(vs.query_string())
    assert back == vs and back.notices == ()
    assert ViewState().to_query() == {}  # defaults stay out of the link


@pytest.mark.parametrize(
    "query, field",
    [("fmin=-1", "fmin"), ("fmin=ten", "fmin"), ("fmin=1000001", "fmin"), ("actor=" + "x" * 61, "actor"),
     ("ev=" + "e" * 121, "ev"), ("ev=a%07b", "ev"), ("actor=a%09b", "actor"), ("order=random", "order")],
)
def test_bad_filter_parameters_are_refused_with_a_notice(query, field):
    vs = ViewState.from_query(query)
    assert getattr(vs, field) == getattr(ViewState(), field)
    assert len(vs.notices) == 1


def test_the_parameter_table_documents_the_new_parameters():
    for key in ("fmin", "actor", "ev", "order"):
        assert key in vsm.KEYS
        assert f"\n    {key} " in vsm.__doc__


# --- towns affected: localities only ---------------------------------------------------------------
def test_towns_affected_counts_localities_only():
    ev = _events(
        [1] * 7,
        ["a"] * 7,
        precisions=["country", "governorate", "district", "exact", "near", "exact", "near"],
        places=["Syria", "Hamah Governorate", "Tadmur district", "Al-Bab", "al-bab ", "Ariha", "Wadi Barada area"],
    )
    assert towns_affected(ev) == 3  # Al-Bab (twice, any case), Ariha, Wadi Barada area
    with_ids = ev.assign(locality_id=["", "", "", "gn:1", "gn:1", "", "cur:wadi-barada"])
    assert towns_affected(with_ids) == 3
    assert towns_affected(ev.iloc[:3]) == 0  # the country, a governorate and a district are no towns
    assert towns_affected(ev.iloc[0:0]) == 0


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A catalog of the shipped data alone (an empty workspace store)."""
    from geo.catalog import Catalog

    return Catalog(tmp_path_factory.mktemp("shipped") / "store.gpkg")


def test_key_figure_towns_affected_excludes_areas_on_the_shipped_data(shipped):
    from webapp.session import key_figures

    ev = shipped.events()
    figures = key_figures(ev)
    areas = ev.loc[~ev["geo_precision"].isin(("exact", "near")), "place"].astype(str).str.strip().str.casefold()
    localities = ev.loc[ev["geo_precision"].isin(("exact", "near"))]
    assert figures["towns"] == towns_affected(ev) > 0
    assert figures["towns"] <= localities["place"].nunique()
    # the old count (every non-country place) was larger: governorate and district names counted as towns
    assert figures["towns"] < ev.loc[ev["geo_precision"] != "country", "place"].nunique()
    assert "syria" in set(areas) and "hamah governorate" in set(areas)
    assert figures["events"] == len(ev)


# --- source links ------------------------------------------------------------------------------------
def test_safe_link_keeps_only_http_addresses():
    assert safe_link(" https://www.bbc.com/news/x ") == "https://www.bbc.com/news/x"
    assert safe_link("HTTP://example.org/a?b=1&c=2") == "HTTP://example.org/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "ftp://x/y", "https://", "https://a b", 'https://x/"onmouseover=1', None,
                float("nan"), "data:text/html,<b>"):
        assert safe_link(bad) == ""


def test_source_urls_come_from_the_source_table_or_the_event():
    sources = pd.DataFrame({"source_id": ["s:1", "s:2", "s:3"],
                            "url": ["https://a.example/1", "javascript:alert(1)", ""]})
    ev = _events([1] * 5, ["x"] * 5).assign(
        source_id=["s:1", "s:2", "s:3;s:1", "", ""],
        source=["Reuters", "x", "y", "https://own.example/r", "UCDP GED 19.1"],
    )
    assert with_source_urls(ev, sources)["source_url"].tolist() == [
        "https://a.example/1", "", "https://a.example/1", "https://own.example/r", ""]


def test_shipped_curated_events_link_their_reports(shipped):
    from geo.view import classify_events

    cat = shipped
    ev = classify_events(cat.events(), cat)
    linked = ev.loc[ev["source_url"] != ""]
    assert len(linked) >= 15 and set(linked["dataset"]) == {"curated"}
    urls = dict(zip(cat.sources()["source_id"], cat.sources()["url"], strict=True))
    assert all(urls[s] == u for s, u in zip(linked["source_id"], linked["source_url"], strict=True))


def _popup_row(url: str) -> dict:
    return {
        "date_start": "2017-01-10", "date_end": "2017-01-10", "date_precision": "day", "actor1": "A", "actor2": "B",
        "fatalities": "3", "fat_low": "", "fat_high": "", "place": "Ariha", "event_type": "airstrike",
        "truce_class": "truce_violation", "source": "Reuters", "geo_precision": "exact", "dataset": "curated",
        "event_id": "curated:1", "source_url": url,
    }


def test_popup_links_the_report_safely():
    values = popup_fields(_popup_row("https://x.example/a?b=1&c=${alert(1)}"))
    link = values[POPUP_LABELS.index("Report")]
    assert link.startswith('<a href="https://x.example/a?b=1&amp;c=&#36;&#123;alert(1)&#125;"')  # inert in JS too
    assert popup_fields(_popup_row("https://x.example/`x`"))[POPUP_LABELS.index("Report")] == ""
    assert 'target="_blank"' in link and 'rel="noopener noreferrer"' in link
    assert popup_fields(_popup_row("javascript:alert(1)"))[POPUP_LABELS.index("Report")] == ""


# --- the selected event on the map -----------------------------------------------------------------------
def test_selected_event_is_drawn_apart_with_its_popup_open():
    ev = _events([1, 2, 3], ["a", "b", "c"], places=["One", "Two", "Three"]).assign(truce_class="truce_violation")
    plain = events_layer(ev)
    chosen = events_layer(ev, selected="t:1")
    assert (chosen.drawn, chosen.counts) == (plain.drawn, plain.counts)  # still drawn and counted once
    m = folium.Map()
    chosen.group.add_to(m)
    html = m.get_root().render()
    assert html.count("m.openPopup()") == 2 and "scm-selected" in html
    assert "<small>t:1</small>" in html  # the open popup is the selected event's
    assert '"t:1", 0]' not in html  # not also among the clustered points
    none = folium.Map()
    events_layer(ev, selected="t:99").group.add_to(none)
    assert "openPopup" not in none.get_root().render()


# --- the list's table ------------------------------------------------------------------------------------
def test_event_table_is_readable_and_sorts():
    from webapp.eventlist import COLUMNS, event_table, event_targets, select_event

    ev = _events([3, None, 40], ["Syrian government forces", "IS", "Rebel groups"], ["Rebel groups", "", ""],
                 precisions=["exact", "governorate", "country"], places=["Arīḩā", "Idleb Governorate", "Syria"])
    ev = ev.assign(truce_class=["truce_violation", "excluded_group", ""],
                   date_end=pd.to_datetime(["2017-01-10", "2017-01-12", "2017-01-10"]),
                   date_start=pd.to_datetime(["2017-01-10", "2017-01-10", "2017-01-09"]),
                   source_url=["https://a.example/1", "", ""])
    table = event_table(ev, "fatalities")
    assert list(table.columns) == COLUMNS
    assert table["Event id"].tolist() == ["t:2", "t:0", "t:1"]  # most fatalities first, unknown last
    row = table.set_index("Event id").loc["t:0"]
    assert (row["Governorate"], row["Class"], row["Place"], row["Actors"]) == (
        "Idlib", "Truce violation", "Arihā".replace("ā", "a"), "Syrian government forces vs Rebel groups")
    assert row["End date"] == "" and table.set_index("Event id").loc["t:1", "End date"] == "2017-01-12"
    assert table.set_index("Event id").loc["t:2", "Governorate"] == "Syria (location unknown)"
    assert not table["Governorate"].str.match(r"SY\d").any()
    assert event_table(ev, "date_asc")["Event id"].tolist() == ["t:2", "t:0", "t:1"]
    assert event_table(ev, "date_desc")["Event id"].tolist() == ["t:0", "t:1", "t:2"]
    targets = event_targets(ev)
    assert targets["t:2"] is None and targets["t:0"][2] == 12 and targets["t:1"][2] == 9
    vs = ViewState(zoom=14)
    moved = select_event(vs, "t:0", targets["t:0"])
    assert (moved.ev, moved.lat, moved.lon, moved.zoom) == ("t:0", 35.9, 36.6, 14)  # never zooms out
    assert select_event(ViewState(), "t:0", targets["t:0"]).zoom == 12
    stay = select_event(moved, "t:2", None)
    assert (stay.ev, stay.lat, stay.zoom) == ("t:2", moved.lat, moved.zoom)  # no place: the map stays


# --- the CLI ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_ev")
    path = d / "store.gpkg"
    rows = [ucdp_row(1, 36.2, 37.1, date="2017-01-01", best=4),
            ucdp_row(2, 36.3, 37.2, date="2017-01-01", best=12, side_b="Islamic State"),
            ucdp_row(3, 33.5, 36.3, date="2017-01-03", best=30)]
    r = run_cli("import", "ucdp", write_ucdp(d / "u.csv", rows), "--store", path)
    assert r.returncode == 0, r.stderr
    return path


def test_cli_stats_and_export_take_the_new_filters(cli_store, tmp_path):
    base = ("stats", "--by", "class", "--workspace-only", "--store", cli_store)
    total = pd.read_csv(io.StringIO(run_cli(*base).stdout))
    assert total["events"].sum() == 3  # the existing flags and output are unchanged
    r = run_cli(*base, "--min-fatalities", "10")
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(io.StringIO(r.stdout))["events"].sum() == 2
    r = run_cli(*base, "--actor", "islamic STATE", "--min-fatalities", "10")
    assert pd.read_csv(io.StringIO(r.stdout))["fatalities"].sum() == 12
    out = tmp_path / "ev.csv"
    r = run_cli("export", "events", "--format", "csv", "--workspace-only", "--min-fatalities", "20", "--out", out,
                "--store", cli_store)
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(out)["fatalities"].tolist() == [30]
    r = run_cli("export", "zones", "--format", "csv", "--date", "2017-01-01", "--actor", "x", "--out", out,
                "--store", cli_store)
    assert r.returncode == 2 and "--min-fatalities/--actor" in r.stderr
    r = run_cli(*base, "--min-fatalities", "-3")
    assert r.returncode == 2


def test_cli_render_refuses_a_bad_minimum_by_its_flag_name(tmp_path):
    r = run_cli("render", "--min-fatalities", "many", "--out", tmp_path / "x.png", "--store", tmp_path / "s.gpkg")
    assert r.returncode == 2 and "--min-fatalities" in r.stderr and not (tmp_path / "x.png").exists()


def test_briefing_names_the_new_filters():
    from briefing.render import filters_text

    assert filters_text(ViewState(fmin=10, actor="Ahrar")) == 'at least 10 fatalities; actor name contains "Ahrar"'


# --- the Map page (AppTest) ---------------------------------------------------------------------------------
@pytest.fixture
def app(shipped_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from webapp.internals import steady_navigation_for_apptest

    steady_navigation_for_apptest(monkeypatch)
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))  # the shared shipped-data store: these tests only read
    monkeypatch.chdir(ROOT)

    def start(**params):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return start


def _event_list(at):
    tables = [d for d in at.dataframe if (d.key or "").startswith("w_event_list")]
    assert len(tables) == 1, [d.key for d in at.dataframe]
    return tables[0].value


def _metric(at, label) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_map_page_lists_the_events_of_the_view_in_readable_words(app):
    at = app(start="2017-01-01", end="2017-01-31")
    table = _event_list(at)
    assert len(table) == min(_metric(at, "Events"), LIST_LIMIT)  # one page (the paging: test below)
    assert {"Date", "Place", "Governorate", "Actors", "Class", "Fatalities", "Precision", "Source", "Report"} <= set(
        table.columns)
    assert not table["Governorate"].astype(str).str.match(r"SY\d\d").any()
    assert {"admin1_pcode", "truce_class", "date_start"}.isdisjoint(table.columns)
    assert (table["Date"] >= "2017-01-01").all() and table["Date"].is_monotonic_decreasing
    at.radio(key="w_event_sort").set_value("fatalities").run()
    fat = _event_list(at)["Fatalities"].dropna()
    assert fat.is_monotonic_decreasing and len(fat) > 0
    assert at.query_params["order"] == "fatalities"  # the order is part of the link
    again = app(start="2017-01-01", end="2017-01-31", order="fatalities")
    assert again.radio(key="w_event_sort").value == "fatalities"
    assert _event_list(again)["Event id"].tolist() == _event_list(at)["Event id"].tolist()


def test_sidebar_fatality_and_actor_filters_go_to_the_link_and_come_back(app):
    at = app()
    total = _metric(at, "Events")
    at.number_input(key="w_fmin").set_value(20).run()
    at.text_input(key="w_actor").input("islamic").run()
    assert not at.exception
    assert at.query_params["fmin"] == "20" and at.query_params["actor"] == "islamic"
    narrowed = _metric(at, "Events")
    assert 0 < narrowed < total
    table = _event_list(at)
    assert len(table) == narrowed and (table["Fatalities"] >= 20).all()
    assert table["Actors"].str.casefold().str.contains("islamic").all()
    again = app(fmin="20", actor="islamic")  # the link restores the widgets and the selection
    assert again.number_input(key="w_fmin").value == 20 and again.text_input(key="w_actor").value == "islamic"
    assert _metric(again, "Events") == narrowed


def test_selected_event_from_the_link_is_named_and_can_be_cleared(app):
    at = app(ev="curated:001", lat="34.5624", lon="38.284", z="12")
    notes = " ".join(c.value for c in at.caption)
    assert "Selected" in notes and "Palmyra" in notes and "popup is open" in notes
    assert at.query_params["ev"] == "curated:001"
    at.button(key="w_event_clear").click().run()
    assert "ev" not in at.query_params and at.session_state["vs"].ev == ""
    assert at.query_params["z"] == "12"  # clearing leaves the map where it is
    gone = app(ev="curated:001", start="2017-02-01")  # Palmyra, 11 Dec: not in this range
    assert "not among the events" in " ".join(c.value for c in gone.caption)


def test_towns_affected_on_the_page_counts_localities_only(app, shipped):
    at = app(start="2017-01-01", end="2017-01-31", gov="SY05")
    ev = filter_events(shipped.events(), start=date(2017, 1, 1), end=date(2017, 1, 31), govs=("SY05",))
    assert _metric(at, "Towns affected") == towns_affected(ev)
    places = set(ev.loc[ev["geo_precision"].isin(("exact", "near")), "place"].str.casefold())
    assert "hamah governorate" not in places


def test_sources_table_links_reports_with_a_known_address(shipped):
    from geo.citations.sources import merged_citations
    from geo.citations.tables import documents_overview

    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "title": ["A", "B", "C"], "outlet": ["", "", ""],
                         "published": ["2017-01-01"] * 3, "url": ["https://x.example/a", "javascript:alert(1)", ""]})
    cites = pd.DataFrame(columns=["doc_id", "kind", "locality_id", "venue"])
    table = documents_overview(docs, cites, {}).set_index("doc_id")
    assert table["link"].fillna("").to_dict() == {"a": "https://x.example/a", "b": "", "c": ""}
    shipped_docs, shipped_cites = merged_citations(shipped.store)
    links = documents_overview(shipped_docs, shipped_cites, {})["link"].dropna()
    assert len(links) >= 20 and links.str.match(r"https?://").all()  # data/sources.csv: 45 of 79 have one


def test_sources_page_shows_the_report_links(app):
    at = app()
    at.switch_page("pages/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    docs = next(d.value for d in at.dataframe if "title" in d.value.columns)  # the documents table
    links = docs["link"].dropna()
    assert len(links) >= 20 and links.str.match(r"https?://").all()


def test_a_long_list_is_paged_and_a_selected_event_opens_on_its_page(app):
    at = app()  # the whole shipped window: more events than one page
    total = _metric(at, "Events")
    assert total > 2 * LIST_LIMIT
    first = _event_list(at)
    assert len(first) == LIST_LIMIT and at.number_input(key=K_EVENT_PAGE).value == 1
    at.number_input(key=K_EVENT_PAGE).set_value(2).run()
    second = _event_list(at)
    assert len(second) == LIST_LIMIT and set(second["Event id"]).isdisjoint(first["Event id"])
    assert second["Date"].iloc[0] <= first["Date"].iloc[-1]  # newest first, across pages
    assert f"Listing events {LIST_LIMIT + 1:,} to {2 * LIST_LIMIT:,} of {total:,}" in " ".join(c.value for c in at.caption)
    old = second["Event id"].iloc[5]  # an event of page 2, named by a link
    linked = app(ev=old)
    assert linked.number_input(key=K_EVENT_PAGE).value == 2
    assert old in set(_event_list(linked)["Event id"])


def test_the_page_taken_from_the_rows_formatted_once_is_the_page_formatted_afresh(shipped):
    """The Map page takes the list's rows from the loaded frame formatted once (``_page_table``):
    the same table, dtypes and targets as formatting that page's events at each rerun."""
    import numpy as np

    from geo.derived import classified_events
    from webapp import eventlist

    loaded = classified_events(shipped.store.path)
    rng = np.random.default_rng(7)
    for sort in eventlist.SORTS:
        view = np.sort(rng.choice(len(loaded), 600, replace=False))
        view.setflags(write=False)  # a view of the loaded frame (session.view_positions)
        for page in (0, 2):
            rows = eventlist.listed_positions(loaded, sort, LIST_LIMIT, page, view)
            table, targets = eventlist._page_table(loaded, rows, sort)
            shown = eventlist.listed(loaded, sort, page=page, positions=view)
            pd.testing.assert_frame_equal(table, eventlist.event_table(shown, sort), check_exact=True)
            assert list(targets.items()) == list(eventlist.event_targets(shown).items())
    assert eventlist._formatted(loaded)[0] is eventlist._formatted(loaded)[0]  # formatted once per frame


def test_the_list_shows_an_event_imported_after_the_page_was_viewed(tmp_path, monkeypatch):
    """The rows formatted once belong to one store version: an import shows in the list at the next run."""
    from streamlit.testing.v1 import AppTest

    from webapp.internals import steady_navigation_for_apptest

    steady_navigation_for_apptest(monkeypatch)
    store = tmp_path / "store.gpkg"
    monkeypatch.setenv("MONITOR_STORE", str(store))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["start"] = at.query_params["end"] = "2017-01-15"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    before = set(_event_list(at)["Event id"])
    r = run_cli("import", "ucdp", write_ucdp(tmp_path / "u.csv", [ucdp_row(987654, 36.2, 37.1, place="x")]),
                "--store", store)
    assert r.returncode == 0, r.stderr
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    after = _event_list(at)
    new = set(after["Event id"]) - before
    assert len(new) == 1 and "987654" in new.pop()
