"""ViewState <-> URL query parameters: round trip (hypothesis) and malformed links."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp import viewstate as vs
from webapp.viewstate import ViewState

DAYS = (vs.WINDOW_END - vs.WINDOW_START).days
window_dates = st.integers(0, DAYS).map(lambda d: vs.WINDOW_START + timedelta(days=d))


def subsets(vocab):
    return st.lists(st.sampled_from(vocab), unique=True).map(tuple)


@st.composite
def valid_states(draw):
    start, end = sorted([draw(window_dates), draw(window_dates)])
    return ViewState(
        page=draw(st.sampled_from(vs.PAGES)),
        date=draw(window_dates),
        start=start,
        end=end,
        layers=draw(subsets(vs.LAYERS)),
        classes=draw(subsets(vs.FILTER_CLASSES)),
        parties=draw(subsets(vs.PARTY_CODES)),
        govs=draw(subsets(vs.GOV_CODES)),
        lat=draw(st.floats(*vs.LAT_RANGE)),
        lon=draw(st.floats(*vs.LON_RANGE)),
        zoom=draw(st.integers(vs.MIN_ZOOM, vs.MAX_ZOOM)),
        town=draw(st.one_of(st.just(""), st.integers(1, 10**9).map(lambda n: f"gn:{n}"),
                            st.from_regex(r"cur:[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True))),
        view=draw(st.sampled_from(vs.VIEWS)),
    )


@settings(max_examples=300, deadline=None)
@given(valid_states())
def test_round_trip_state_query_state(state):
    back = ViewState.from_query(state.to_query())
    assert back == state
    assert back.notices == ()


@settings(max_examples=200, deadline=None)
@given(valid_states())
def test_round_trip_through_url_string(state):
    url = state.url("http://localhost:8501/map")
    query = urlsplit(url).query
    back = ViewState.from_query(parse_qs(query, keep_blank_values=True))
    assert back == state
    assert ViewState.from_query(query) == state


@settings(max_examples=200, deadline=None)
@given(valid_states())
def test_query_round_trip_is_canonical(state):
    query = state.to_query()
    assert ViewState.from_query(query).to_query() == query


def test_defaults_give_empty_query_and_bare_url():
    assert ViewState().to_query() == {}
    assert ViewState().url("http://h/map?x=1#frag") == "http://h/map"
    assert ViewState.from_query({}) == ViewState()
    assert ViewState.from_query(None) == ViewState()


def test_empty_layer_list_round_trips():
    state = ViewState(layers=())
    assert state.to_query() == {"layers": "none"}
    assert ViewState.from_query(state.to_query()).layers == ()


def test_lists_are_normalised_to_vocabulary_order():
    state = ViewState.from_query({"layers": "events,zones,events", "gov": "SY07,SY02"})
    assert state.layers == ("zones", "events")
    assert state.govs == ("SY02", "SY07")
    assert state.notices == ()


def test_streamlit_own_parameters_are_ignored_quietly():
    assert ViewState.from_query({"embed": "true", "embed_options": "light_theme"}).notices == ()


class _Proxy:
    """Shape of st.query_params: ``[key]`` gives the last value, ``get_all`` gives every value."""

    def __init__(self, pairs):
        self.pairs = pairs

    def keys(self):
        return list(dict.fromkeys(k for k, _ in self.pairs))

    def get_all(self, key):
        return [v for k, v in self.pairs if k == key]


def test_streamlit_proxy_repeated_key_is_detected():
    state = ViewState.from_query(_Proxy([("z", "9"), ("z", "10"), ("date", "2017-01-05")]))
    assert state.zoom == vs.DEFAULT_ZOOM
    assert state.date == date(2017, 1, 5)
    assert any("'z' was given 2 times" in n for n in state.notices)


GOOD = {"date": "2017-02-15", "z": "9"}

MALFORMED = [
    ({"page": "admin"}, "page", "page"),
    ({"page": "<script>alert(1)</script>"}, "page", "page"),
    ({"view": "fullscreen"}, "view", "view"),
    ({"date": "2017-02-30"}, "date", "calendar"),
    ({"date": "15/02/2017"}, "date", "YYYY-MM-DD"),
    ({"date": "2017-2-15"}, "date", "YYYY-MM-DD"),
    ({"date": "2018-01-01"}, "date", "outside"),
    ({"start": "2016-11-30"}, "start", "outside"),
    ({"end": "2017-04-01"}, "end", "outside"),
    ({"start": "2017-03-01", "end": "2017-01-01"}, "start", "after it ends"),
    ({"layers": "zones,heatmap"}, None, "map layer"),
    ({"layers": "heatmap"}, "layers", "map layer"),
    ({"party": "rebels"}, "parties", "party"),
    ({"class": "massacre"}, "classes", "event class"),
    ({"class": ""}, "classes", "empty"),
    ({"gov": "SY15"}, "govs", "P-code"),
    ({"z": "99"}, "zoom", "out of range"),
    ({"z": "4"}, "zoom", "out of range"),
    ({"z": "7.5"}, "zoom", "whole number"),
    ({"z": "-3"}, "zoom", "whole number"),
    ({"lat": "137"}, "lat", "outside"),
    ({"lat": "nan"}, "lat", "outside"),
    ({"lon": "inf"}, "lon", "outside"),
    ({"lon": "east"}, "lon", "not a number"),
    ({"lat": "51.5", "lon": "-0.12"}, "lat", "outside"),
    ({"town": "gn:12;drop"}, "town", "malformed"),
    ({"town": "<img src=x onerror=alert(1)>"}, "town", "malformed"),
    ({"z": ["9", "10"]}, "zoom", "given 2 times"),
    ({"date": ["2017-01-01", "2017-01-02"]}, "date", "given 2 times"),
    ({"date": "x" * 5000}, "date", "too long"),
    ({"layers": "zones," * 1000}, "layers", "too long"),
    ({"utm_source": "mail"}, None, "unknown link parameter"),
    ({"k" * 5000: "1"}, None, "unknown link parameter"),
]


@pytest.mark.parametrize(("params", "attr", "words"), MALFORMED)
def test_malformed_parameter_falls_back_with_notice(params, attr, words):
    state = ViewState.from_query({**GOOD, **params})
    default = ViewState()
    if attr:
        assert getattr(state, attr) == getattr(default, attr)
    assert any(words in n for n in state.notices), state.notices
    # the other, valid parameters survive
    if "date" not in params:
        assert state.date == date(2017, 2, 15)
    if "z" not in params:
        assert state.zoom == 9
    # notices never carry the whole of a long value
    assert all(len(n) < 300 for n in state.notices)


def test_unknown_list_items_are_dropped_known_kept():
    state = ViewState.from_query({"layers": "zones,heatmap", "party": "hts,rebels"})
    assert state.layers == ("zones",)
    assert state.parties == ("hts",)
    assert len(state.notices) == 2


def test_town_checked_against_gazetteer_when_given():
    ok = ViewState.from_query({"town": "gn:170063"}, towns=["gn:170063"])
    assert ok.town == "gn:170063" and ok.notices == ()
    missing = ViewState.from_query({"town": "gn:1"}, towns=["gn:170063"])
    assert missing.town == "" and missing.notices


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=60), st.lists(st.text(max_size=20)))))
def test_arbitrary_input_never_raises(params):
    state = ViewState.from_query(params)
    assert isinstance(state, ViewState)
    assert ViewState.from_query(state.to_query()) == state


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(vs.KEYS), st.text(max_size=40))
def test_arbitrary_value_for_each_key_never_raises(key, value):
    state = ViewState.from_query({key: value})
    assert vs.WINDOW_START <= state.start <= state.end <= vs.WINDOW_END
    assert vs.MIN_ZOOM <= state.zoom <= vs.MAX_ZOOM
    assert set(state.layers) <= set(vs.LAYERS)


# --- the map view a later query carries (address bar written by the map's script) ---------------
@settings(max_examples=200, deadline=None)
@given(valid_states())
def test_map_view_in_reads_what_to_query_wrote(state):
    query = state.to_query()
    expected = None if not query else (state.lat, state.lon, state.zoom)
    assert vs.map_view_in(query) == expected
    assert vs.map_view_in(state.query_string()) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, None),  # a page switch: Streamlit sent no query, nothing known
        ({"embed": "true"}, None),
        ({"date": "2017-01-05"}, (35.0, 38.5, 7)),  # no lat/lon/z: the defaults
        ({"lat": "36.2", "lon": "37.0"}, (36.2, 37.0, 7)),
        ("lat=36.123456&lon=37.1&z=9", (36.12346, 37.1, 9)),
        ({"lat": "99"}, None),  # refused: the caller keeps its view
        ({"z": ["9", "10"]}, None),
    ],
)
def test_map_view_in_cases(params, expected):
    assert vs.map_view_in(params) == expected


def test_many_unknown_parameters_give_one_notice():
    """500 unknown keys once gave 501 notice boxes (security audit, finding 17)."""
    from webapp.viewstate import ViewState

    query = "&".join(f"k{i}=1" for i in range(500)) + "&date=2017-01-10"
    vs = ViewState.from_query(query)
    assert len(vs.notices) == 1
    assert "'k0'" in vs.notices[0] and "495 more" in vs.notices[0]
    assert vs.date.isoformat() == "2017-01-10"
