"""One vocabulary: labels live in geo/vocabulary.py only, and every front end shows the same one."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from geo import vocabulary as V
from geo.classify import RULES, rules_table
from layers.assets import base_map
from layers.events import POPUP_LABELS, events_layer
from layers.legend import legend_html

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {"tests", ".venv", "venv", "node_modules", "__pycache__", ".git", "build", "dist"}


def _app_files() -> list[Path]:
    """Every .py file of the app: outside tests/ (and virtual environments), except the vocabulary."""
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if set(rel.parts[:-1]) & SKIP_DIRS or any(p.startswith(".") for p in rel.parts[:-1]):
            continue
        if rel != Path("geo/vocabulary.py"):
            files.append(path)
    return files


def _labels() -> dict[str, str]:
    """label or short label -> where it is defined, for every term; a label equal to a code is an identifier."""
    codes = {code for table in V.VOCABULARIES.values() for code in table}
    out = {}
    for name, table in V.VOCABULARIES.items():
        for code, term in table.items():
            for kind, text in (("label", term.label), ("short", term.short)):
                if text and text not in codes:
                    out.setdefault(text, f"{name}[{code!r}].{kind}")
    return out


def _literals(tree: ast.AST):
    """String constants of a module; the parts of an f-string that interpolates are skipped."""
    in_fstring = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values)
        for part in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            yield node


def test_the_scan_sees_the_app_and_its_labels():
    files = {p.relative_to(ROOT).as_posix() for p in _app_files()}
    assert {"app.py", "cli.py", "geo/classify.py", "layers/legend.py", "webapp/session.py", "pages/rules.py"} <= files
    assert "geo/vocabulary.py" not in files and not any(f.startswith("tests/") for f in files)
    labels = _labels()
    assert labels["Fighting involving excluded groups (IS, HTS)"] == "truce_class['excluded_group'].label"
    assert labels["HTS / JFS"] == "party['hts'].short"


def test_the_scan_catches_a_copied_label_and_allows_interpolation():
    copied = ast.parse('LABELS = {"excluded_group": "Fighting involving excluded groups (IS, HTS)"}')
    interpolated = ast.parse('x = f"Control zones{suffix}"')  # its first part is exactly the label
    plain_fstring = ast.parse('x = f"Control zones"')
    labels = _labels()
    assert [n.value for n in _literals(copied) if n.value in labels] == ["Fighting involving excluded groups (IS, HTS)"]
    assert [n.value for n in _literals(interpolated) if n.value in labels] == []
    assert [n.value for n in _literals(plain_fstring) if n.value in labels] == ["Control zones"]


def test_no_label_is_written_outside_the_vocabulary():
    labels = _labels()
    found = []
    for path in _app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _literals(tree):
            if node.value in labels:
                rel = path.relative_to(ROOT).as_posix()
                found.append(f"{rel}:{node.lineno} {node.value!r} (defined as {labels[node.value]})")
    assert not found, "labels copied out of geo/vocabulary.py:\n" + "\n".join(found)


def test_every_vocabulary_is_complete_and_codes_are_unique_labels():
    for name, table in V.VOCABULARIES.items():
        assert all(code == term.code for code, term in table.items()), name
        assert all(term.label and term.short for term in table.values()), name
        labels = [term.label for term in table.values()]
        assert len(set(labels)) == len(labels), f"two codes of {name} share a label"
    assert all(V.PARTY[p].colour for p in V.ZONE_PARTIES)
    assert all(t.colour and t.description for t in V.TRUCE_CLASS.values())
    assert set(V.TRUCE_CLASSES) == {rule.truce_class for rule in RULES}


def test_contested_is_a_zone_state_never_an_actor_party():
    from geo.classify import ACTOR_PARTIES
    from layers.events import colour_scheme
    from webapp.viewstate import PARTY_CODES, ViewState

    assert V.CONTESTED in V.ZONE_PARTIES
    assert V.CONTESTED not in ACTOR_PARTIES and V.CONTESTED not in PARTY_CODES
    assert V.CONTESTED not in colour_scheme("party")[0]
    assert V.PARTY[V.CONTESTED].short not in legend_html(zones=False, towns=False, color_by="party")
    state = ViewState.from_query("party=contested,hts")
    assert state.parties == ("hts",) and state.notices  # refused with a notice, the rest kept


# --- the same label for each class on every front end -----------------------------------------
def _class_events() -> gpd.GeoDataFrame:
    classes = list(V.TRUCE_CLASSES)
    n = len(classes)
    return gpd.GeoDataFrame(
        {
            "event_id": [f"curated:{i}" for i in range(n)],
            "dataset": ["curated"] * n,
            "date_start": pd.to_datetime(["2017-01-05"] * n),
            "date_end": pd.to_datetime(["2017-01-05"] * n),
            "date_precision": ["day"] * n,
            "geo_precision": ["exact"] * n,
            "place": [f"Place {i}" for i in range(n)],
            "actor1": ["A"] * n,
            "actor2": ["B"] * n,
            "event_type": ["shelling"] * n,
            "fatalities": pd.array([1] * n, dtype="Int64"),
            "source": ["SOHR"] * n,
            "truce_class": classes,
            "party1": ["government"] * n,
        },
        geometry=[Point(36.0 + i / 10, 35.0) for i in range(n)],
        crs="EPSG:4326",
    )


def _popup_classes() -> dict[str, str]:
    """Class code -> the Class field of its popup, read from the data array the map's script shows."""
    m = base_map()
    events_layer(_class_events(), cluster=False).group.add_to(m)
    html_text = m.get_root().render()
    specs = [json.loads(s) for s in re.findall(r"var spec = (\{.*?\});\n", html_text)]
    spec = next(s for s in specs if s["kind"] == "event")
    column = spec["popupLabels"].index("Class")
    assert POPUP_LABELS[column] == "Class"
    return {g["key"]: g["rows"][0][4][column] for g in spec["groups"]}


def _legend_classes() -> dict[str, str]:
    """Class colour -> the text next to its dot in the legend."""
    text = legend_html(zones=False, towns=False, color_by="class")
    return dict(re.findall(r'<span class="scm-dot" style="background:(#[0-9A-Fa-f]{6})"></span>([^<]*)</div>', text))


@pytest.fixture(scope="module")
def rules_app(tmp_path_factory) -> AppTest:
    store = tmp_path_factory.mktemp("store") / "store.gpkg"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MONITOR_STORE", str(store))
        mp.chdir(ROOT)
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        app.query_params["page"] = "rules"
        app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_sidebar_popup_legend_and_rules_page_show_one_label_per_class(rules_app):
    sidebar = rules_app.multiselect(key="w_class").options
    popup = _popup_classes()
    legend = _legend_classes()
    frames = [df.value for df in rules_app.dataframe]
    rules_page = next(f for f in frames if list(f.columns)[:2] == ["class", "label"])
    rules_shown = dict(zip(rules_page["class"], rules_page["label"], strict=True))
    for code, term in V.TRUCE_CLASS.items():
        shown = {
            "sidebar": sidebar[list(V.TRUCE_CLASSES).index(code)],
            "popup": popup[code],
            "legend": legend[term.colour],
            "rules page": rules_shown[code],
        }
        assert {k: html.unescape(v) for k, v in shown.items()} == dict.fromkeys(shown, term.label), code
    rules = next(f for f in frames if "rule" in f.columns)
    assert list(rules["class"]) == [rule.truce_class for rule in RULES]  # the rules classify() runs
    assert list(rules["rule"]) == [rule.text for rule in RULES]
    assert rules_table()["label"].tolist() == [V.class_label(rule.truce_class) for rule in RULES]
