"""Untrusted text (report titles, file names) never reaches the page as Markdown or HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("steady_navigation")

ROOT = Path(__file__).resolve().parents[1]
PIXEL = "![px](http://127.0.0.2:9/title-leak.png)"


def test_sources_page_messages_are_not_markdown(shipped_store, monkeypatch):
    """A report title with a Markdown image would make the browser fetch an outside URL (audit finding 2)."""
    monkeypatch.setenv("MONITOR_STORE", str(shipped_store))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.session_state["src_messages"] = [("success", f"r.md: 1 town(s) cited; title: {PIXEL}; date: unknown"),
                                        ("error", f"{PIXEL}.txt: refused")]
    at.switch_page("pages/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = [a.value for a in (*at.success, *at.error)]
    assert len(shown) == 2
    for text in shown:
        assert "title-leak.png" in text.replace("\\", "")  # the text is shown (Markdown-escaped) ...
        assert "![" not in text and "](" not in text  # ... but cannot form a Markdown image or link


def test_read_only_server_offers_no_upload_and_refuses_writes(tmp_path, monkeypatch):
    """MONITOR_READONLY=1: the Sources page has no upload, and the store refuses a write however it is asked."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.store import Store, StoreError

    monkeypatch.setenv("MONITOR_STORE", str(tmp_path / "store.gpkg"))
    monkeypatch.setenv("MONITOR_READONLY", "1")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("read-only" in i.value for i in at.info)
    assert not [e for e in at.expander if e.label == "Add reports"]
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("read-only" in i.value for i in at.info)
    assert not at.get("file_uploader") and not at.get("form")
    frame = gpd.GeoDataFrame({"party": ["sdf"]}, geometry=[Point(38, 36).buffer(0.1)], crs="EPSG:4326")
    with pytest.raises(StoreError) as err:
        Store(tmp_path / "store.gpkg").write("zones", frame)
    assert err.value.code == "read_only_mode" and not (tmp_path / "store.gpkg").exists()


def test_a_server_bound_beyond_this_machine_is_read_only(monkeypatch):
    from geo.store import read_only
    from webapp.session import read_only_server

    monkeypatch.setenv("MONITOR_READONLY", "")  # recorded, so the value set below is undone after the test
    assert read_only_server() is False  # the shipped config: 127.0.0.1
    assert read_only_server("localhost") is False and not read_only()
    assert read_only_server("0.0.0.0") is True
    assert read_only()  # the process itself now refuses store writes
