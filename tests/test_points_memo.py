"""The events layer's points are worked out once for the same events (layers.events._points_of)."""

from __future__ import annotations

import pytest

from layers import events as le


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from geo.derived import classified_events

    return classified_events(tmp_path_factory.mktemp("store") / "s.gpkg")


def test_the_same_events_give_the_same_points_from_the_memo(shipped):
    le._POINTS_MEMO.clear()
    first = le._points_of(shipped, "class", "")
    assert le._points_of(shipped.copy(), "class", "") is first  # same content: the memo's points
    assert first == le._build_points(shipped, "class", "")
    assert le._points_of(shipped, "party", "") is not first


def test_events_changed_in_place_are_never_drawn_from_the_memo(shipped):
    ev = shipped.copy()
    before = le._points_of(ev, "class", "")
    ev.loc[ev.index[0], "place"] = "<b>changed</b>"
    after = le._points_of(ev, "class", "")
    assert after is not before and after == le._build_points(ev, "class", "")
    rows = [r for group in after.spec for r in group["rows"]]
    assert any("&lt;b&gt;changed&lt;/b&gt;" in " ".join(map(str, r[4])) for r in rows)


def test_large_frames_are_not_kept(shipped, monkeypatch):
    monkeypatch.setattr(le, "MEMO_ROWS", 100)
    le._POINTS_MEMO.clear()
    le._points_of(shipped, "class", "")
    assert not le._POINTS_MEMO
