"""Rendered map script kept as text (layers/rendered.py): the same maps, without compiling it again."""

from __future__ import annotations

import itertools

import branca.element
import folium
import jinja2
import pytest
from streamlit_folium import _get_feature_group_string

import layers  # noqa: F401 - installs layers.rendered
from layers import rendered
from layers.assets import base_map
from layers.boundaries import add_boundary_pane, boundaries_layer
from layers.events import event_overlay
from layers.legend import add_legend
from layers.towns import towns_layer
from layers.zones import zones_layer

DAY = "2017-01-15"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from geo.catalog import Catalog
    from geo.citations import cited_towns

    cat = Catalog(tmp_path_factory.mktemp("store") / "s.gpkg")
    events = cat.events()
    return {"zones": cat.zones(DAY), "towns": cited_towns(catalog=cat, day=DAY), "events": events,
            "gov": cat.boundaries(1), "country": cat.boundaries(0)}


def _map_html(shipped, monkeypatch) -> tuple[str, str]:
    """The Map page's base map and its date layers (as streamlit-folium sends them), ids numbered."""
    counter = itertools.count()
    monkeypatch.setattr(branca.element.Element, "_generate_id", classmethod(lambda cls: f"id{next(counter)}"))
    m = base_map(center=(35.0, 38.5), zoom=7)
    add_boundary_pane(m)
    boundaries_layer(shipped["gov"], shipped["country"], official=True).add_to(m)
    add_legend(m, zones=True, events=True, towns=True, color_by="class", synthetic=False)
    groups = [zones_layer(shipped["zones"], name=f"Control zones on {DAY}"),
              event_overlay(shipped["events"], lat=35.0, lon=38.5, zoom=7).group,
              towns_layer(shipped["towns"], date_label=DAY)]
    page = m.get_root().render()
    script = "".join(_get_feature_group_string(g, m) for g in groups)
    return page, script


def test_maps_are_byte_identical_with_and_without_compiling(shipped, monkeypatch):
    fast = _map_html(shipped, monkeypatch)
    rendered.uninstall()
    try:
        slow = _map_html(shipped, monkeypatch)
    finally:
        rendered.install()
    assert len(fast[0]) > 50_000 and len(fast[1]) > 50_000  # a real map and layers, not an empty page
    assert fast == slow


def test_generated_script_is_not_compiled(monkeypatch):
    compiled = []
    real = jinja2.Template.__new__

    def counting(cls, source, *args, **kwargs):
        compiled.append(source)
        return real(cls, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "__new__", counting)
    m = folium.Map(location=(35.0, 38.5), zoom_start=7, tiles=None)
    for i in range(20):
        folium.CircleMarker((35.0 + i / 10, 38.0), radius=3, tooltip=f"event {i}").add_to(m)
    m.get_root().render()
    assert not [s for s in compiled if "L.circleMarker" in s]


@pytest.mark.parametrize("text, expected", [
    ("var a = 1;\n", "var a = 1;"),  # one trailing newline dropped, as Jinja does
    ("line\r\nend", "line\nend"),
    ("{{ 1 + 1 }} left to Jinja", "2 left to Jinja"),
    ("{% if true %}yes{% endif %}", "yes"),
    ("{# a comment #}kept", "kept"),
    ("a { brace } and &#123;{ stays", "a { brace } and &#123;{ stays"),
])
def test_text_renders_as_jinja_would(text, expected):
    assert rendered.template(text).render(this=None, kwargs={}) == expected
    assert jinja2.Template(text).render(this=None, kwargs={}) == expected
