"""Each layer's data is sent to a map frame once, then referred to by hash (``layers.refs``,
``webapp.mapframe``; issue 12, "send only what changed")."""

from __future__ import annotations

import json
import re
from datetime import date

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box
from streamlit_folium import _get_feature_group_string

from layers import refs
from layers.assets import base_map
from layers.points import PointRows
from layers.zones import zones_layer
from tests._data_helpers import component_args

pytestmark = pytest.mark.usefixtures("steady_navigation")

HOSTILE = "</script><script>alert('x')</script> ${x}"
REF = re.compile(r'scmRef\("([0-9a-f]{40})"(, )?')


def _groups(tag: str = "a"):
    import folium

    zones = gpd.GeoDataFrame({"party": ["government", "opposition"], "valid_from": ["2017-01-01"] * 2,
                              "valid_to": [None, None], "source": ["news:" + tag, HOSTILE]},
                             geometry=[box(36, 35, 37, 36), box(37, 35, 38, 36)], crs="EPSG:4326")
    events = folium.FeatureGroup(name="events")
    PointRows([{"key": "k", "color": "#000000", "text": "#ffffff", "rows": [[35.5, 36.5, 1, 5, HOSTILE + tag, "x"]]}],
              kind="event").add_to(events)
    return [zones_layer(zones), events]


def _script(groups) -> str:
    m = base_map()
    return "".join(_get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(groups))


def _sent(script: str) -> dict[str, bool]:
    return {m.group(1): bool(m.group(2)) for m in REF.finditer(script)}


def test_data_goes_in_full_to_a_new_frame_then_as_a_reference():
    groups = _groups()
    used = refs.share_data(groups, held=[])
    first = _script(groups)
    assert len(used) == 2 and _sent(first) == dict.fromkeys(used, True)
    assert "</script>" not in first.replace("<\\/script>", "")  # data stays escaped
    assert "alert" in first and "</script><script>" not in first

    again = _groups()  # the same data, built again at the next rerun
    assert refs.share_data(again, held=used) == used  # equal data, equal hashes
    second = _script(again)
    assert _sent(second) == dict.fromkeys(used, False)
    assert "news:a" in first and "news:a" not in second and "alert" not in second  # no data: the code only


def test_only_the_changed_layer_is_sent_in_full():
    used = refs.share_data(_groups("a"), held=[])
    changed = _groups("b")  # other zones (a source) and other events
    changed[1] = _groups("a")[1]  # ... but the events of before
    sent = _sent(_script(changed) if refs.share_data(changed, held=used) else "")
    assert sent[used[1]] is False and sum(sent.values()) == 1  # the events referred to, the zones in full


def test_the_frame_keeps_what_the_server_counts_as_held_before_any_layer_runs():
    groups = _groups()
    refs.share_data(groups, held=["ab" * 20])
    script = _script(groups)
    keep = re.search(r"var keep = (\[.*?\])", script)
    assert json.loads(keep.group(1)) == ["ab" * 20]
    assert script.index("window.scmRef = ") < script.index('scmRef("')  # defined before it is used


def test_a_reference_is_a_hex_digest_only():
    element = _groups()[1]._children
    rows = next(iter(element.values()))
    with pytest.raises(ValueError):
        rows.refer('0"); alert(1); ("', inline=False)


@given(st.lists(st.sampled_from("abcdefghijkl"), max_size=12, unique=True),
       st.lists(st.sampled_from("abcdefghijkl"), max_size=5, unique=True))
def test_what_a_frame_holds_after_a_rerun(held, used):
    after = refs.next_held(held, used)
    assert after[-len(used):] == used if used else True  # this rerun's data, the most recent
    assert len(after) == min(refs.KEEP, len(set(held) | set(used)))
    assert set(after) <= set(held) | set(used) and len(set(after)) == len(after)
    kept = [h for h in held if h not in used]
    assert after[: len(after) - len(used)] == kept[len(kept) - (len(after) - len(used)):]  # the newest of the rest


def _component_args(app) -> dict:
    (args,) = [json.loads(a) for a in component_args(app) if '"feature_group"' in a]
    return args


def test_map_page_sends_each_layer_once_to_its_frame(at):
    at.run()
    first = _sent(_component_args(at)["feature_group"])
    assert first and all(first.values())
    at.slider(key="w_range").set_value((date(2016, 12, 1), date(2017, 3, 30))).run()
    step = _sent(_component_args(at)["feature_group"])
    assert sorted(h for h, full in step.items() if full) != sorted(first)  # not everything again
    assert any(not full for full in step.values())
    # a frame that reported missing data (webapp.mapframe.frame_reported) is sent everything
    at.session_state["_refs_reset_main_map"] = True
    at.run()
    assert all(_sent(_component_args(at)["feature_group"]).values())
    # a new frame (the page entered again) holds nothing either
    at.switch_page("pages/trends.py").run()
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert all(_sent(_component_args(at)["feature_group"]).values())
