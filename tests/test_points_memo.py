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


def _layer_spec(layer) -> tuple:
    """What the browser gets of an events layer: the PointRows spec, the counts, the selected point."""
    from layers.points import PointRows

    rows = [c for c in layer.group._children.values() if isinstance(c, PointRows)]
    others = [type(c).__name__ for c in layer.group._children.values() if not isinstance(c, PointRows)]
    return ([r.spec for r in rows], others, layer.drawn, layer.hollow, layer.not_drawn, layer.synthetic, layer.counts)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_views_points_from_the_row_memo_equal_the_points_built_from_its_rows(shipped, seed):
    """The Map page hands the loaded frame and read-only positions: each row is escaped once and
    kept; the layer equals the one built from the view's rows alone, for any colouring and selection."""
    import numpy as np

    rng = np.random.default_rng(seed)
    le._ROW_MEMO.clear()
    arrays = {c: le.event_arrays(shipped, c) for c in ("class", "party")}
    for step in range(4):
        positions = np.sort(rng.choice(len(shipped), size=int(rng.integers(1, 600)), replace=False))
        positions.setflags(write=False)
        colour = ("class", "party")[step % 2]
        selected = str(shipped["event_id"].iloc[positions[len(positions) // 2]]) if step >= 2 else ""
        fast = le.event_overlay(shipped, lat=35, lon=38.5, zoom=7, color_by=colour, selected=selected,
                                arrays=arrays[colour], positions=positions)
        plain = le.events_layer(shipped.iloc[positions], color_by=colour, selected=selected)
        assert _layer_spec(fast) == _layer_spec(plain)
    memo = le._ROW_MEMO[id(shipped)][1]
    assert set(positions.tolist()) <= set(memo)  # kept for the next step


def test_the_row_memo_is_bounded(shipped, monkeypatch):
    import numpy as np

    monkeypatch.setattr(le, "ROW_MEMO_ROWS", 50)
    le._ROW_MEMO.clear()
    arrays = le.event_arrays(shipped, "class")
    for lo in (0, 40, 80):
        positions = np.arange(lo, lo + 40)
        positions.setflags(write=False)
        le.event_overlay(shipped, lat=35, lon=38.5, zoom=7, arrays=arrays, positions=positions)
        assert len(le._ROW_MEMO[id(shipped)][1]) <= 50


def test_a_view_drawn_again_takes_its_points_and_their_json_from_the_memo(shipped):
    """Another session's rerun on the same view (the same read-only positions of the same loaded
    frame) assembles nothing again and writes no JSON again; the layer is the same."""
    import numpy as np

    from layers.points import PointRows

    def rows_of(layer):
        return next(c for c in layer.group._children.values() if isinstance(c, PointRows))

    arrays = le.event_arrays(shipped, "class")
    positions = np.arange(0, len(shipped), 3)
    positions.setflags(write=False)
    first, again = (rows_of(le.event_overlay(shipped, lat=35, lon=38.5, zoom=7, arrays=arrays, positions=positions))
                    for _ in range(2))
    assert again.spec["groups"] is first.spec["groups"] and again._json() is first._json()
    other = positions.copy()  # the same rows in an array that may change: worked out afresh, equal
    fresh = rows_of(le.event_overlay(shipped, lat=35, lon=38.5, zoom=7, arrays=arrays, positions=other))
    assert fresh.spec["groups"] is not first.spec["groups"] and fresh._json() == first._json()
    party = rows_of(le.event_overlay(shipped, lat=35, lon=38.5, zoom=7, color_by="party",
                                     arrays=le.event_arrays(shipped, "party"), positions=positions))
    assert party._json() != first._json()  # the colouring is part of the key
